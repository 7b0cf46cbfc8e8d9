"""The standing sections as data: the communication indices and the account's standing (peer
rankings, honours, typical cases, online service uses)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs


@attrs.frozen
class PlatformIndex:
    """One platform's communication index over the report's period, with the counts behind it.

    ``index`` is ``"wci"`` (WeChat: Qingbo WCI, :data:`version`), ``"bci"`` (Weibo) or
    ``"video"`` (short video: libops's own); ``value`` is ``None`` when nothing was published
    on the platform in the scope. ``posts`` are the post variants published (推文篇数,
    发博数, 作品数); ``reach`` the platform's reach count summed (``reach_name``: ``reads``,
    阅读次数, on WeChat and Weibo; ``views``, 播放量, on Douyin); the other counts are the
    latest cumulative counts of those posts summed (from the engagement view, except the WCI's
    own, from the WCI view).
    """

    platform: str
    index: str
    version: str
    value: Decimal | None
    posts: int
    reach_name: str
    reach: int
    likes: int
    comments: int
    shares: int
    engagements: int
    reach_per_post: Decimal | None
    """Reach / posts (篇均阅读 on WeChat), 28 digits."""
    like_rate: Decimal | None
    """Likes / reach (点赞率 = 点赞 ÷ 阅读), 28 digits."""
    engagement_rate: Decimal | None
    """Engagements / reach (互动率), as in the engagement section."""


@attrs.frozen
class WechatReads:
    """The WeChat figures a Chinese report names, from the WCI view's articles in scope."""

    headline_reads: int
    """Reads of the day's headline articles (头条阅读: the day's first published article)."""
    peak_reads: int
    """The highest reads of one article (最高阅读)."""
    over_100k: int
    """Articles with at least 100,000 reads (10万+)."""


@attrs.frozen
class IndexShare:
    """A platform in the weighted index: its weight as given, whether it had an index, and
    the share of the weighted index it carries after renormalisation (``None``: absent)."""

    platform: str
    weight: Decimal
    present: bool
    share: Decimal | None


@attrs.frozen
class Indices:
    """The communication indices (传播力指数) of the report's scope and period.

    Computed by :mod:`libops.report.indices` with :mod:`libops.analysis.indices` and the WCI
    of :mod:`libops.projections.wci`; ``days`` is the length of the period the indices cover
    (the WCI's d). ``weighted`` is the weighted cross-platform index (``None`` when no weighted
    platform has an index), ``weights`` how it was weighted.
    """

    days: int
    platforms: tuple[PlatformIndex, ...]
    wechat: WechatReads | None
    weighted: Decimal | None
    weights: tuple[IndexShare, ...]

    @classmethod
    def none(cls) -> Indices:
        """No indices: a report with nothing published (or built without them)."""
        return cls(days=0, platforms=(), wechat=None, weighted=None, weights=())


# --- the account's standing (issue 14, item 5): rankings, honours, cases, service uses ----


@attrs.frozen
class PeerRank:
    """This library's place in one peer ranking table whose period overlaps the report's:
    ``rank`` of ``entrants`` (名次 / 参评数), its ``value``, and the first row's library
    and value."""

    source: str
    index: str
    platform: str
    """``overall`` or a platform's name."""
    start: date
    end: date
    rank: int
    entrants: int
    value: Decimal
    leader: str
    leader_value: Decimal


@attrs.frozen
class HonourRow:
    """An honour awarded in the report's period (and not withdrawn)."""

    title: str
    awarded_by: str
    awarded_on: date
    note: str


@attrs.frozen
class CaseRow:
    """A typical case (典型案例) in the report's scope: a published post or a campaign."""

    subject_kind: str
    subject_id: str
    title: str
    theme: str
    why: str


@attrs.frozen
class ServiceRow:
    """The online service uses (线上服务人次) of one kind recorded for periods within the
    report's, summed, with the sum by channel."""

    kind: str
    total: int
    by_channel: tuple[tuple[str, int], ...]


@attrs.frozen
class StandingRecords:
    """What the store records of the account's standing, in the report's scope (built by
    :mod:`libops.report.standing` from the standing view)."""

    rankings: tuple[PeerRank, ...] = ()
    honours: tuple[HonourRow, ...] = ()
    cases: tuple[CaseRow, ...] = ()
    services: tuple[ServiceRow, ...] = ()

    @property
    def services_total(self) -> int:
        """Every service use in scope."""
        return sum(row.total for row in self.services)

    @property
    def recorded(self) -> bool:
        """Whether anything of the standing is in scope."""
        return bool(self.rankings or self.honours or self.cases or self.services)

"""The sandbox's readers: how much attention a post gets, when it arrives and what they write.

Each platform has a profile of a library's typical post there; what a post contains (and, in a
simulation, a :class:`Reception`) moves it off that profile. Reactions arrive along one or two
logistic waves of attention after publishing and saturate, as a real audience's do.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final, Literal

import attrs

from libops.domain.errors import InvalidValueError
from libops.domain.platforms import profile_of
from libops.domain.ports import Comment
from libops.domain.values import MetricSnapshot, Platform, PostVariant, PublishReceipt

_COUNTS: Final = ("likes", "comments", "shares", "favourites")


def _by_count(rates: tuple[float, float, float, float]) -> dict[str, float]:
    return dict(zip(_COUNTS, rates, strict=True))


@attrs.frozen
class _Profile:
    """How readers of one platform typically react to a library's post."""

    audience: float  # median number of people a post reaches
    reach_metric: Literal["reads", "views"] | None  # what the platform reports for reach
    # share of the audience that likes, comments, shares, favourites (given in that order)
    rates: dict[str, float] = attrs.field(converter=_by_count)
    follow_rate: float | None  # share that follows the account; None where not reported
    midpoint_hours: float  # when half of a post's reactions have arrived
    spread_hours: float  # how fast reactions arrive around the midpoint
    chinese: bool  # whether readers comment in Chinese


# Mastodon and Bluesky report no reach and no per-post follower gains; boosts and reposts
# count as shares, and Mastodon's favourites are its likes. WeChat articles are read over a
# day or two, mostly from the subscription feed.
_PROFILES: Final[dict[Platform, _Profile]] = {
    Platform.WEIBO: _Profile(2500, "reads", (0.02, 0.004, 0.003, 0.002), 0.002, 4, 2, True),
    Platform.WECHAT: _Profile(1800, "reads", (0.02, 0.002, 0.03, 0.01), 0.004, 20, 10, True),
    Platform.DOUYIN: _Profile(6000, "views", (0.05, 0.004, 0.004, 0.006), 0.003, 8, 4, True),
    Platform.MASTODON: _Profile(350, None, (0.06, 0.01, 0.03, 0.0), None, 2, 1, False),
    Platform.BLUESKY: _Profile(400, None, (0.06, 0.01, 0.025, 0.0), None, 2, 1, False),
    Platform.FACEBOOK: _Profile(1200, "views", (0.03, 0.004, 0.004, 0.0), 0.001, 6, 3, False),
    Platform.INSTAGRAM: _Profile(1500, "views", (0.06, 0.004, 0.003, 0.004), 0.002, 8, 4, False),
    Platform.X: _Profile(900, "views", (0.015, 0.002, 0.003, 0.002), None, 1.5, 0.75, False),
}

_MAX_COMMENTS: Final = 2000


def _profile(platform: Platform) -> _Profile:
    """The readers of ``platform``; on a platform registered at run time, a middling
    audience counted as its profile's denominator (reads or views)."""
    known = _PROFILES.get(platform)
    if known is not None:
        return known
    reach: Literal["reads", "views"] = (
        "reads" if profile_of(platform).denominator == "reads" else "views"
    )
    return _Profile(1000, reach, (0.03, 0.004, 0.005, 0.003), 0.002, 6, 3, False)


def _factor(_instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidValueError(f"{attribute.name} must be a positive number, not {value!r}")


@attrs.frozen
class Reception:
    """How a post fares against the platform's typical post: a knob for simulations.

    ``reach`` multiplies the audience a post reaches, ``engagement`` the share of that
    audience that likes, comments, shares and saves it. A :class:`SandboxPlatform` given a
    ``reception`` function asks it once per post, when the post is published.
    """

    reach: float = attrs.field(default=1.0, validator=_factor)
    engagement: float = attrs.field(default=1.0, validator=_factor)


ReceptionFunction = Callable[[PostVariant, datetime], Reception]
"""Decides a post's :class:`Reception` from what was published and when (an aware UTC time)."""

# Readers on Chinese platforms write with full-width commas, exclamation and question marks.
_ZH_POSITIVE: Final = (
    "太棒了，周末就去借！",
    "感谢图书馆的推荐📚",
    "这个书单收藏了",
    "已转发给同学们",
    "馆员老师辛苦了",
    "每次活动都很用心，支持！",
    "好久没去图书馆了，这周去看看",
    "小时候就在这里看书，很有感情",
)
_ZH_QUESTION: Final = (
    "请问周末开放吗？",
    "外校读者可以参加吗？",
    "在哪里报名？",
    "讲座会有回放吗？",
    "电子书怎么借？",
)
_ZH_NEGATIVE: Final = (
    "阅览室太吵了，很失望",
    "预约系统又崩了，太差劲了",
    "借书排队一个小时，体验很糟糕",
    "活动组织得很混乱，浪费时间",
    "服务态度太差，要投诉",
)
_EN_POSITIVE: Final = (
    "Great list, thanks!",
    "Adding these to my holds right now.",
    "Love this library.",
    "Shared with my book club.",
    "The staff here are wonderful.",
    "Brought my kids last week, they loved it.",
)
_EN_QUESTION: Final = (
    "Is this open to non-members?",
    "What time does it start?",
    "Will it be recorded?",
    "Can I borrow the e-book version?",
)
_EN_NEGATIVE: Final = (
    "Really disappointed, the reading room was closed again.",
    "Terrible booking system, it keeps crashing.",
    "This event was a waste of time.",
    "Awful service at the front desk today.",
    "Worst renovation ever, hate the new layout.",
)


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-700.0, min(700.0, x))))


@attrs.frozen
class _Wave:
    """A wave of attention: reactions arrive along a logistic curve that starts at publishing."""

    midpoint: float  # hours after publishing
    spread: float  # hours

    def share(self, hours: float) -> float:
        """The share of this wave's reactions that have arrived ``hours`` after publishing."""
        start = _logistic(-self.midpoint / self.spread)
        now = _logistic((max(hours, 0.0) - self.midpoint) / self.spread)
        return (now - start) / (1.0 - start)

    def hours_for(self, share: float) -> float:
        """When ``share`` of this wave's reactions have arrived (the inverse of :meth:`share`)."""
        start = _logistic(-self.midpoint / self.spread)
        level = min(start + share * (1.0 - start), 1.0 - 1e-12)
        return max(0.0, self.midpoint + self.spread * math.log(level / (1.0 - level)))


@attrs.frozen
class _Curve:
    """A post's attention over time: a first wave and, sometimes, a later second one."""

    first: _Wave
    second: _Wave | None
    second_weight: float

    def share(self, hours: float) -> float:
        """The share of all reactions that have arrived ``hours`` after publishing (0 to 1)."""
        if self.second is None:
            return self.first.share(hours)
        weight = self.second_weight
        return (1.0 - weight) * self.first.share(hours) + weight * self.second.share(hours)

    def sample_hours(self, rng: random.Random) -> float:
        """When one reaction arrives, drawn from this curve."""
        wave = self.first
        if self.second is not None and rng.random() < self.second_weight:
            wave = self.second
        return wave.hours_for(rng.random())


@attrs.frozen
class Reactions:
    """What readers will do with one post, decided once from the seed when it is published."""

    reach: int
    finals: dict[str, int]
    followers: int | None
    curves: dict[str, _Curve]
    comments: tuple[Comment, ...]
    comment_times: tuple[datetime, ...]

    def snapshot(self, platform: Platform, published_at: datetime, now: datetime) -> MetricSnapshot:
        """The post's cumulative counts at ``now``."""
        hours = max((now - published_at) / timedelta(hours=1), 0.0)
        reach_metric = _profile(platform).reach_metric
        reach = self._grown("reach", self.reach, hours)
        return MetricSnapshot(
            platform=platform,
            observed_at=now,
            reads=reach if reach_metric == "reads" else 0,
            views=reach if reach_metric == "views" else 0,
            likes=self._grown("likes", self.finals["likes"], hours),
            comments=bisect.bisect_right(self.comment_times, now),
            shares=self._grown("shares", self.finals["shares"], hours),
            favourites=self._grown("favourites", self.finals["favourites"], hours),
            followers_gained=(
                None if self.followers is None else self._grown("followers", self.followers, hours)
            ),
        )

    def comments_between(self, since: datetime | None, now: datetime) -> list[Comment]:
        """The comments posted after ``since`` (all if None) up to ``now``, oldest first."""
        end = bisect.bisect_right(self.comment_times, now)
        start = 0 if since is None else bisect.bisect_right(self.comment_times, since)
        return list(self.comments[start:end])

    def _grown(self, name: str, final: int, hours: float) -> int:
        # A monotone curve times a constant, floored: a count never goes down as time passes.
        return math.floor(final * self.curves[name].share(hours))


def decide_reactions(
    variant: PostVariant,
    receipt: PublishReceipt,
    rng: random.Random,
    reception: ReceptionFunction | None,
) -> Reactions:
    """What readers will do with ``variant``, published as ``receipt``, drawn from ``rng``."""
    profile = _profile(receipt.platform)
    text = variant.text
    # What the content does to its reception: pictures and hashtags travel further,
    # questions draw comments, links draw shares but fewer likes, and long texts get
    # saved for later.
    reach_factor = 1.0
    factors = dict.fromkeys(_COUNTS, 1.0)
    if variant.media:
        reach_factor *= 1.3
        factors["likes"] *= 1.2
    if "#" in text:
        reach_factor *= 1.15
    if "?" in text or "？" in text:
        factors["comments"] *= 2.0
    if variant.link is not None:
        factors["shares"] *= 1.3
        factors["likes"] *= 0.9
    factors["favourites"] *= 1.0 + min(len(text), 2000) / 4000
    if reception is not None:
        decided = reception(variant, receipt.published_at)
        if not isinstance(decided, Reception):
            raise InvalidValueError(f"reception must return a Reception, not {decided!r}")
        reach_factor *= decided.reach
        for name in _COUNTS:
            factors[name] *= decided.engagement
    audience = profile.audience * rng.lognormvariate(0.0, 0.5) * reach_factor
    finals = {
        name: round(audience * profile.rates[name] * factors[name] * rng.uniform(0.7, 1.3))
        for name in _COUNTS
    }
    finals["comments"] = min(finals["comments"], _MAX_COMMENTS)
    followers = (
        None
        if profile.follow_rate is None
        else round(audience * profile.follow_rate * rng.uniform(0.5, 1.5))
    )
    midpoint = profile.midpoint_hours * rng.uniform(0.7, 1.3)
    spread = profile.spread_hours * rng.uniform(0.8, 1.2)
    second: _Wave | None = None
    second_weight = 0.0
    if rng.random() < 0.3:  # picked up again later: reshared by someone with a following
        second = _Wave(midpoint=rng.uniform(24.0, 72.0), spread=spread)
        second_weight = rng.uniform(0.1, 0.35)
    curves = {
        name: _Curve(_Wave(midpoint * rng.uniform(0.9, 1.25), spread), second, second_weight)
        for name in ("reach", *_COUNTS, "followers")
    }
    comments = _write_comments(
        rng, profile.chinese, receipt, finals["comments"], curves["comments"]
    )
    return Reactions(
        reach=round(audience),
        finals=finals,
        followers=followers,
        curves=curves,
        comments=comments,
        comment_times=tuple(c.posted_at for c in comments),
    )


def _write_comments(
    rng: random.Random, chinese: bool, receipt: PublishReceipt, count: int, curve: _Curve
) -> tuple[Comment, ...]:
    positive, question, negative = (
        (_ZH_POSITIVE, _ZH_QUESTION, _ZH_NEGATIVE)
        if chinese
        else (_EN_POSITIVE, _EN_QUESTION, _EN_NEGATIVE)
    )
    negative_share = rng.uniform(0.05, 0.2)
    first_id = rng.randrange(10**15, 9 * 10**15)
    drafts = []
    for index in range(count):
        hours = curve.sample_hours(rng)
        roll = rng.random()
        pool = negative if roll < negative_share else question if roll < 0.3 else positive
        reader = rng.randrange(1, 400)
        handle = f"书友{reader:04d}" if chinese else f"reader{reader}"
        posted_at = receipt.published_at + timedelta(seconds=round(hours * 3600))
        drafts.append((posted_at, index, handle, rng.choice(pool)))
    drafts.sort()
    return tuple(
        Comment(
            external_id=str(first_id + order),
            author_handle=handle,
            text=text,
            posted_at=posted_at,
        )
        for order, (posted_at, _index, handle, text) in enumerate(drafts)
    )

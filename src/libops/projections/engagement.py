"""Engagement per post and platform, rolled up by campaign, platform, content type, format,
day and ISO week (of the publish time in Asia/Shanghai).

Metric snapshots are *cumulative*: each one replaces the post's previous counts on that
platform (a correction too, which may lower them). Every roll-up therefore subtracts the old
contribution of a post and adds the new one, so the sums always equal the latest counts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from libops.domain.cadence import DEFAULT_TIMEZONE
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot, Platform
from libops.projections.views import Projection, View, handles

ZONE: Final = ZoneInfo(DEFAULT_TIMEZONE)

COUNTS: Final = ("reads", "views", "likes", "comments", "shares", "favourites", "followers_gained")
"""The counts a snapshot carries (``followers_gained`` counts as 0 when not reported)."""

ENGAGEMENT_COUNTS: Final = ("likes", "comments", "shares", "favourites")
"""Engagements are the sum of these."""

REACH: Final[dict[Platform, str]] = {
    Platform.WECHAT: "reads",
    Platform.WEIBO: "reads",
    Platform.DOUYIN: "views",
    Platform.FACEBOOK: "views",
    Platform.INSTAGRAM: "views",
    Platform.X: "views",
    Platform.MASTODON: "views",
    Platform.BLUESKY: "views",
}
"""The count each platform reports as its reach: the engagement rate's denominator.

Mastodon and Bluesky report no reach, so their rate is null (a denominator of 0).
"""


def reach_name(platform: Platform | str) -> str:
    """The name of the count ``platform`` reports as its reach (views if not listed)."""
    return REACH.get(Platform(platform), "views")


ROLLUP_DENOMINATOR: Final = "reach"
"""Roll-ups across platforms divide by reach: reads where the platform reports reads
(WeChat, Weibo), views where it reports views (Douyin and the others)."""

_RATE_PLACES: Final = Decimal("0.0001")


def rate(numerator: int, denominator: int) -> str | None:
    """``numerator / denominator`` as a decimal string with 4 places, or None when it is 0."""
    if denominator == 0:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(_RATE_PLACES, ROUND_HALF_UP))


def local_day(at: datetime) -> str:
    """The calendar day (ISO text) of ``at`` in Asia/Shanghai."""
    return at.astimezone(ZONE).date().isoformat()


def local_week(at: datetime) -> str:
    """The ISO week (``2026-W10``) of ``at`` in Asia/Shanghai."""
    year, week, _ = at.astimezone(ZONE).date().isocalendar()
    return f"{year}-W{week:02d}"


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


def _counts(snapshot: MetricSnapshot) -> dict[str, int]:
    return {name: getattr(snapshot, name) or 0 for name in COUNTS}


class EngagementProjection(Projection):
    """Latest engagement per post and platform, and its roll-ups.

    Documents (keys):

    - ``meta:<post id>``: the post's campaign, content type and format (from ``Post.Drafted``;
      ``Post.Revised`` refreshes the campaign);
    - ``post:<post id>:<platform>``: the latest cumulative counts (``reads``, ``views``,
      ``likes``, ``comments``, ``shares``, ``favourites``, ``followers_gained``, null when
      the platform does not report it), ``engagements`` (likes + comments + shares +
      favourites), ``denominator`` (``"reads"`` or ``"views"``: whichever the platform reports
      as reach), ``denominator_value``, ``engagement_rate`` (engagements / denominator, a
      4-place decimal string, null when the denominator is 0), ``published_at``, ``day`` and
      ``week`` (Asia/Shanghai), ``observed_at``, ``snapshots`` and ``corrections``;
    - roll-ups ``campaign:<id or "none">``, ``platform:<platform>``,
      ``content_type:<type>``, ``format:<format>``, ``day:<YYYY-MM-DD>``, ``week:<YYYY-Www>``
      and ``platform_week:<platform>:<YYYY-Www>``: ``posts`` (published post variants), the
      summed counts, ``engagements``, ``reach``, ``denominator`` (the platform's reach name
      for ``platform:`` and ``platform_week:`` documents, else ``"reach"``),
      ``denominator_value``, ``engagement_rate``, ``followers_gained`` and
      ``follower_growth_rate`` (followers gained per unit of reach, 4 places, null when the
      reach is 0: the event log does not hold an account's total followers, so growth is
      stated against reach; ``platform_week:`` documents give the growth week by week).

    Day and week are those of the variant's publication. A retracted post keeps its counts:
    they were seen.
    """

    name = "engagement"

    @handles(Post.Drafted)
    def drafted(self, event: Post.Drafted, view: View) -> None:
        view.put(
            f"meta:{event.originator_id}",
            {
                "campaign_id": _campaign(event.campaign_id),
                "content_type": event.content_type.value,
                "format": event.format.value,
                "platforms": [],
            },
        )

    @handles(Post.Revised)
    def revised(self, event: Post.Revised, view: View) -> None:
        meta = view.get(f"meta:{event.originator_id}")
        campaign = _campaign(event.campaign_id)
        if meta is None or meta["campaign_id"] == campaign:
            return
        # Move every published variant's contribution to the new campaign.
        for platform in meta["platforms"]:
            doc = view.get(f"post:{event.originator_id}:{platform}")
            self._contribute(view, doc, _zero(), posts=-1)
            doc["campaign_id"] = campaign
            self._contribute(view, doc, _zero(), posts=1)
            view.put(f"post:{event.originator_id}:{platform}", doc)
        meta["campaign_id"] = campaign
        view.put(f"meta:{event.originator_id}", meta)

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        receipt = event.receipt
        platform = receipt.platform
        meta = view.get(f"meta:{event.originator_id}") or {
            "campaign_id": _campaign(event.campaign_id),
            "content_type": "unknown",
            "format": "unknown",
            "platforms": [],
        }
        denominator = reach_name(platform)
        doc: dict[str, Any] = {
            "post_id": str(event.originator_id),
            "platform": platform.value,
            "campaign_id": meta["campaign_id"],
            "content_type": meta["content_type"],
            "format": meta["format"],
            "published_at": receipt.published_at.isoformat(),
            "day": local_day(receipt.published_at),
            "week": local_week(receipt.published_at),
            "observed_at": None,
            **dict.fromkeys(COUNTS[:-1], 0),
            "followers_gained": None,
            "engagements": 0,
            "denominator": denominator,
            "denominator_value": 0,
            "engagement_rate": None,
            "snapshots": 0,
            "corrections": 0,
        }
        self._contribute(view, doc, _zero(), posts=1)
        view.put(f"post:{event.originator_id}:{platform.value}", doc)
        if platform.value not in meta["platforms"]:
            meta["platforms"].append(platform.value)
        view.put(f"meta:{event.originator_id}", meta)

    @handles(Post.MetricsRecorded, Post.MetricsCorrected)
    def metrics(self, event: Post.MetricsRecorded | Post.MetricsCorrected, view: View) -> None:
        snapshot = event.snapshot
        key = f"post:{event.originator_id}:{snapshot.platform.value}"
        doc = view.get(key)
        if doc is None:  # metrics come only after publication; nothing to roll up without it
            return
        old = {name: doc[name] or 0 for name in COUNTS}
        for name in COUNTS:
            doc[name] = getattr(snapshot, name)
        doc["observed_at"] = snapshot.observed_at.isoformat()
        doc["snapshots"] += 1
        if isinstance(event, Post.MetricsCorrected):
            doc["corrections"] += 1
        engagements = sum(getattr(snapshot, name) for name in ENGAGEMENT_COUNTS)
        doc["engagements"] = engagements
        doc["denominator_value"] = doc[doc["denominator"]]
        doc["engagement_rate"] = rate(engagements, doc["denominator_value"])
        self._contribute(view, doc, old, posts=0)
        view.put(key, doc)

    # --- roll-ups ----------------------------------------------------------------------

    @staticmethod
    def _groups(doc: dict[str, Any]) -> list[tuple[str, str]]:
        """The roll-up keys a post variant counts in, each with its denominator's name."""
        platform = doc["platform"]
        return [
            (f"campaign:{doc['campaign_id']}", ROLLUP_DENOMINATOR),
            (f"platform:{platform}", reach_name(platform)),
            (f"content_type:{doc['content_type']}", ROLLUP_DENOMINATOR),
            (f"format:{doc['format']}", ROLLUP_DENOMINATOR),
            (f"day:{doc['day']}", ROLLUP_DENOMINATOR),
            (f"week:{doc['week']}", ROLLUP_DENOMINATOR),
            (f"platform_week:{platform}:{doc['week']}", reach_name(platform)),
        ]

    def _contribute(
        self, view: View, doc: dict[str, Any], old: dict[str, int], *, posts: int
    ) -> None:
        """Replace ``old`` counts by the document's counts in every roll-up it counts in.

        ``posts`` is added to the number of posts (1 when a variant joins, -1 when it leaves
        with all its counts, 0 for a new snapshot). The roll-ups' rates are worked out once
        per batch, in :meth:`before_commit`.
        """
        new = {name: doc[name] or 0 for name in COUNTS}
        if posts < 0:
            new, old = _zero(), new
        deltas = [(name, new[name] - old[name]) for name in COUNTS if new[name] != old[name]]
        reach = reach_name(doc["platform"])
        reach_delta = new[reach] - old[reach]
        for key, denominator in self._groups(doc):
            group = view.get(key)
            if group is None:
                group = {**_zero(), "posts": 0, "reach": 0, "denominator": denominator}
                view.put(key, group)
            group["posts"] += posts
            for name, delta in deltas:
                group[name] += delta
            group["reach"] += reach_delta

    def before_commit(self, view: View) -> None:
        """Work out engagements and rates of every roll-up this batch touched."""
        for key in view.touched():
            if key.startswith(("meta:", "post:")):
                continue
            group = view.get(key)
            if group is None:
                continue
            denominator = group["denominator"]
            engagements = sum(group[name] for name in ENGAGEMENT_COUNTS)
            value = group["reach"] if denominator == ROLLUP_DENOMINATOR else group[denominator]
            group["engagements"] = engagements
            group["denominator_value"] = value
            group["engagement_rate"] = rate(engagements, value)
            group["follower_growth_rate"] = rate(group["followers_gained"], group["reach"])


def _campaign(campaign_id: object) -> str:
    return "none" if campaign_id is None else str(campaign_id)

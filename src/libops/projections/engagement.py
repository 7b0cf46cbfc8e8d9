"""Engagement per post and platform, rolled up by campaign, platform, content type, format,
day and ISO week (of the publish time in Asia/Shanghai).

Metric snapshots are *cumulative*: each one replaces the post's previous counts on that
platform (a correction too, which may lower them). Every roll-up therefore subtracts the old
contribution of a post and adds the new one, so the sums always equal the latest counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from libops.domain.bulk import MetricImport
from libops.domain.errors import InvalidValueError
from libops.domain.platforms import profile_of
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot, Platform
from libops.projections.views import (
    LOCAL_ZONE,
    Projection,
    View,
    handles,
    local_date,
    uuid_text,
)
from libops.projections.views import (
    local_day as local_day,  # public here since the engagement view began
)

ZONE: Final = LOCAL_ZONE

COUNTS: Final = ("reads", "views", "likes", "comments", "shares", "favourites", "followers_gained")
"""The counts a snapshot carries (``followers_gained`` counts as 0 when not reported)."""

ENGAGEMENT_COUNTS: Final = ("likes", "comments", "shares", "favourites")
"""Engagements are the sum of these."""


class _Reach(Mapping[Platform, str]):
    """Each registered platform's reach count, read from its profile."""

    def __getitem__(self, platform: Platform) -> str:
        return profile_of(platform).denominator

    def __iter__(self) -> Iterator[Platform]:
        return iter(Platform)

    def __len__(self) -> int:
        return len(Platform)


REACH: Final[Mapping[Platform, str]] = _Reach()
"""The count each platform reports as its reach: the engagement rate's denominator, its
profile's ``denominator`` (reads on WeChat and Weibo, views on Douyin and the others).

Mastodon and Bluesky report no reach, so their rate is null (a denominator of 0).
"""


def reach_name(platform: Platform | str) -> str:
    """The name of the count ``platform`` reports as its reach (views if not registered)."""
    try:
        return profile_of(platform).denominator
    except InvalidValueError:
        return "views"


ROLLUP_DENOMINATOR: Final = "reach"
"""Roll-ups across platforms divide by reach: reads where the platform reports reads
(WeChat, Weibo), views where it reports views (Douyin and the others)."""

_RATE_PLACES: Final = Decimal("0.0001")


def rate(numerator: int, denominator: int) -> str | None:
    """``numerator / denominator`` as a decimal string with 4 places, or None when it is 0."""
    if denominator == 0:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(_RATE_PLACES, ROUND_HALF_UP))


def local_week(at: datetime) -> str:
    """The ISO week (``2026-W10``) of ``at`` in Asia/Shanghai."""
    year, week, _ = local_date(at).isocalendar()
    return f"{year}-W{week:02d}"


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


class EngagementProjection(Projection):
    """Latest engagement per post and platform, and its roll-ups.

    Documents (keys):

    - ``meta:<post id>``: the post's campaign, content type and format (from ``Post.Drafted``;
      ``Post.Revised`` refreshes the campaign), and ``external: true`` for a post published
      outside libops and recorded from an analytics export (``Post.RecordedExternally``);
    - ``post:<post id>:<platform>``: the latest cumulative counts (``reads``, ``views``,
      ``likes``, ``comments``, ``shares``, ``favourites``, ``followers_gained``, null when
      the platform does not report it), ``engagements`` (likes + comments + shares +
      favourites), ``denominator`` (``"reads"`` or ``"views"``: whichever the platform reports
      as reach), ``denominator_value``, ``engagement_rate`` (engagements / denominator, a
      4-place decimal string, null when the denominator is 0), ``published_at``, ``day`` and
      ``week`` (Asia/Shanghai), ``observed_at``, ``snapshots`` (valid ones), ``corrections``
      and ``voided`` (snapshots withdrawn by ``Post.MetricsVoided``: the counts are then
      those of the latest valid snapshot, or 0 when none is left), and ``extra`` when the
      latest snapshot carries the platform's own metrics (``{"wow": 12}``, ratios and
      seconds as decimal text: see :mod:`libops.domain.platforms`);
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
    expands = (MetricImport.BatchRecorded,)  # a bulk import's rows, as snapshot events
    apply_cost = 0.9  # measured: see Projection.apply_cost

    @handles(Post.Drafted)
    def drafted(self, event: Post.Drafted, view: View) -> None:
        view.put(
            f"meta:{uuid_text(event.originator_id)}",
            {
                "campaign_id": _campaign(event.campaign_id),
                "content_type": event.content_type.value,
                "format": event.format.value,
                "platforms": [],
            },
        )

    @handles(Post.Revised)
    def revised(self, event: Post.Revised, view: View) -> None:
        meta = view.get(f"meta:{uuid_text(event.originator_id)}")
        campaign = _campaign(event.campaign_id)
        if meta is None or meta["campaign_id"] == campaign:
            return
        # Move every published variant to the new campaign (its roll-ups follow at commit).
        for platform in meta["platforms"]:
            doc = view.get(f"post:{uuid_text(event.originator_id)}:{platform}")
            _remember(doc)
            doc["campaign_id"] = campaign
        meta["campaign_id"] = campaign

    @handles(Post.RecordedExternally)
    def recorded_externally(self, event: Post.RecordedExternally, view: View) -> None:
        # Published outside libops, found in an analytics export: the report's default
        # period is the span of what libops published (imported history is compared with it).
        meta = view.get(f"meta:{uuid_text(event.originator_id)}")
        if meta is not None:
            meta["external"] = True

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        receipt = event.receipt
        platform = receipt.platform
        post = uuid_text(event.originator_id)
        key = f"post:{post}:{platform.value}"
        if view.get(key) is not None:  # published again on the platform: nothing new
            return
        meta_key = f"meta:{post}"
        meta = view.get(meta_key)
        if meta is None:
            meta = {
                "campaign_id": _campaign(event.campaign_id),
                "content_type": "unknown",
                "format": "unknown",
                "platforms": [],
            }
            view.put(meta_key, meta)
        at = receipt.published_at
        view.put(
            key,
            {
                "post_id": post,
                "platform": platform.value,
                "campaign_id": meta["campaign_id"],
                "content_type": meta["content_type"],
                "format": meta["format"],
                "published_at": at.isoformat(),
                "day": local_day(at),
                "week": local_week(at),
                "observed_at": None,
                **dict.fromkeys(COUNTS[:-1], 0),
                "followers_gained": None,
                "engagements": 0,
                "denominator": reach_name(platform),
                "denominator_value": 0,
                "engagement_rate": None,
                "snapshots": 0,
                "corrections": 0,
                _WAS: None,  # new: nothing rolled up yet
            },
        )
        if platform.value not in meta["platforms"]:
            meta["platforms"].append(platform.value)

    @handles(Post.MetricsRecorded, Post.MetricsCorrected)
    def metrics(self, event: Post.MetricsRecorded | Post.MetricsCorrected, view: View) -> None:
        snapshot = event.snapshot
        doc = view.get(f"post:{uuid_text(event.originator_id)}:{snapshot.platform.value}")
        if doc is None:  # metrics come only after publication; nothing to roll up without it
            return
        if _WAS not in doc:
            _remember(doc)
        doc["reads"] = snapshot.reads
        doc["views"] = snapshot.views
        doc["likes"] = snapshot.likes
        doc["comments"] = snapshot.comments
        doc["shares"] = snapshot.shares
        doc["favourites"] = snapshot.favourites
        doc["followers_gained"] = snapshot.followers_gained
        _keep_own_metrics(doc, snapshot)
        doc["observed_at"] = snapshot.observed_at.isoformat()
        doc["snapshots"] += 1
        if type(event) is Post.MetricsCorrected:
            doc["corrections"] += 1

    @handles(Post.MetricsVoided)
    def voided(self, event: Post.MetricsVoided, view: View) -> None:
        """A voided snapshot no longer counts: the latest valid one (if any) is shown."""
        doc = view.get(f"post:{uuid_text(event.originator_id)}:{event.voided.platform.value}")
        if doc is None:
            return
        _remember(doc)
        latest = event.latest
        for name in COUNTS:
            value = None if latest is None else getattr(latest, name)
            doc[name] = value if value is not None or name == "followers_gained" else 0
        _keep_own_metrics(doc, latest)
        doc["observed_at"] = None if latest is None else latest.observed_at.isoformat()
        doc["snapshots"] = max(doc["snapshots"] - 1, 0)
        doc["voided"] = doc.get("voided", 0) + 1

    # --- roll-ups ----------------------------------------------------------------------

    @staticmethod
    def _groups(doc: dict[str, Any], campaign_id: str) -> list[tuple[str, str]]:
        """The roll-up keys a post variant counts in, each with its denominator's name."""
        platform = doc["platform"]
        reach = reach_name(platform)
        return [
            (f"campaign:{campaign_id}", ROLLUP_DENOMINATOR),
            (f"platform:{platform}", reach),
            (f"content_type:{doc['content_type']}", ROLLUP_DENOMINATOR),
            (f"format:{doc['format']}", ROLLUP_DENOMINATOR),
            (f"day:{doc['day']}", ROLLUP_DENOMINATOR),
            (f"week:{doc['week']}", ROLLUP_DENOMINATOR),
            (f"platform_week:{platform}:{doc['week']}", reach),
        ]

    def _roll_up(self, view: View, doc: dict[str, Any]) -> None:
        """Replace what the post variant counted in its roll-ups (when the batch began) by
        what it counts now, and work out its own engagements and rate."""
        was = doc.pop(_WAS)
        engagements = doc["likes"] + doc["comments"] + doc["shares"] + doc["favourites"]
        doc["engagements"] = engagements
        value = doc["denominator_value"] = doc[doc["denominator"]]
        doc["engagement_rate"] = rate(engagements, value)
        new = [doc[name] or 0 for name in COUNTS]
        reach = _REACH_INDEX[doc["denominator"]]
        campaign = doc["campaign_id"]
        if was is not None and was[0] == campaign:
            old = was[1]
            deltas = [(name, n - o) for name, n, o in zip(COUNTS, new, old, strict=True) if n != o]
            if deltas:
                self._add(view, self._groups(doc, campaign), deltas, new[reach] - old[reach], 0)
            return
        if was is not None:  # moved to another campaign: leave the old one with all counts
            old = was[1]
            gone = [(name, -o) for name, o in zip(COUNTS, old, strict=True) if o]
            self._add(view, self._groups(doc, was[0]), gone, -old[reach], -1)
        added = [(name, n) for name, n in zip(COUNTS, new, strict=True) if n]
        self._add(view, self._groups(doc, campaign), added, new[reach], 1)

    @staticmethod
    def _add(
        view: View,
        groups: list[tuple[str, str]],
        deltas: list[tuple[str, int]],
        reach_delta: int,
        posts: int,
    ) -> None:
        for key, denominator in groups:
            group = view.get(key)
            if group is None:
                group = {**_zero(), "posts": 0, "reach": 0, "denominator": denominator}
                view.put(key, group)
            group["posts"] += posts
            for name, delta in deltas:
                group[name] += delta
            group["reach"] += reach_delta

    def before_commit(self, view: View) -> None:
        """Roll the posts this batch changed up, then work out engagements and rates of
        every roll-up touched."""
        for key in view.touched():
            if key.startswith("post:"):
                doc = view.get(key)
                if doc is not None and _WAS in doc:
                    self._roll_up(view, doc)
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


_WAS: Final = "_was"
"""A field a post variant document has only while a batch changes it: ``[campaign id,
[counts]]`` as its roll-ups hold it (None for a variant new in the batch). ``before_commit``
rolls the difference up and removes it, so it is never stored."""

_REACH_INDEX: Final = {name: COUNTS.index(name) for name in ("reads", "views")}


def own_metrics_document(snapshot: MetricSnapshot) -> dict[str, int | str]:
    """A snapshot's own metrics as a view stores them: counts as numbers, ratios and
    seconds as decimal text (``{"wow": 12, "read_completion": "0.63"}``)."""
    return {k: v if isinstance(v, int) else str(v) for k, v in snapshot.extra.items()}


def _keep_own_metrics(doc: dict[str, Any], snapshot: MetricSnapshot | None) -> None:
    """The latest snapshot's own metrics go in ``extra``; a document without any has none."""
    if snapshot is not None and snapshot.extra:
        doc["extra"] = own_metrics_document(snapshot)
    else:
        doc.pop("extra", None)


def _remember(doc: dict[str, Any]) -> None:
    """Note what the post variant counts in its roll-ups, before the batch changes it."""
    if _WAS not in doc:
        doc[_WAS] = [doc["campaign_id"], [doc[name] or 0 for name in COUNTS]]


def _campaign(campaign_id: object) -> str:
    return "none" if campaign_id is None else str(campaign_id)

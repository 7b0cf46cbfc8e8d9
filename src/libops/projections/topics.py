"""Topic heat: each topic's posts, engagement and reach by day, its peak, and its decline.

A *topic* is a hashtag of a campaign (``Campaign.Planned`` / ``Campaign.Amended``
hashtags, stored without ``#``): a post of the campaign is a post on each of the
campaign's topics. (Post texts are sealed, so hashtags inside them are not read.)

By Asia/Shanghai day, for each topic:

- ``posts``: the posts of the topic first published that day (a post on two platforms
  counts once);
- ``engagement``: likes, comments, shares and favourites gained that day: the growth of
  each post's cumulative counts from one metric snapshot to the next, counted on the day of
  the later snapshot's ``observed_at`` (a correction may make a day's growth negative; a
  voided snapshot's growth is taken back on its own day);
- ``reach``: reads or views gained that day, the same way (reads on WeChat and Weibo,
  views elsewhere: :data:`libops.projections.engagement.REACH`).

**Heat** is a day's engagement. Only *complete* days count: the days before the latest
day the projection has seen (event time: the Shanghai day of the latest event's timestamp).
A topic's *peak* is its complete day with the most engagement (the earliest, on a tie);
its *latest* figure is the last complete day's. A topic is *live* while it was posted on
within :attr:`TopicHeatProjection.LIVE_DAYS` (14) days. It is *cooling* when it is live,
has a peak above 0, and its last :attr:`TopicHeatProjection.DAYS_BELOW` (3) or more
complete days after the peak each fell below :attr:`TopicHeatProjection.SHARE` (2/5, 40%)
of the peak. The three are class attributes: a subclass with another ``name`` may change
them, and :func:`topic_heat` takes them as arguments.

A cooling topic raises a **notice**, not a risk: a topic running its course is an editorial
cue (start a fresh topic), not a threat to the account. The report recommends a fresh
topic with the figures. A notice is written once per episode; the episode ends when a
complete day is back at or above the share, or the topic is no longer live, and a later
cooling writes a new notice.

Documents:

- ``topic:<topic>``: ``{"topic", "campaigns" (ids), "days": {day: {"posts",
  "engagement", "reach"}}, "first_posted", "last_posted", "peak"}``, where ``"peak"``
  (added 2026-12-07; missing from older documents, then worked out from ``days``) keeps the
  peak of the complete days as they complete: ``{"day", "engagement", "any", "before"}``,
  the earliest day before ``before`` with the most engagement, and whether any day before it
  has figures (see :func:`known_peak`);
- ``today``: ``{"day"}``, the latest Shanghai day seen;
- ``notice:<topic>:<n>``: the ``n``-th cooling notice of a topic: ``{"topic", "n",
  "noticed_on", "peak_day", "peak", "latest_day", "latest", "share" (latest / peak, as
  Decimal text with 4 places), "days_below", "threshold" (the share that counts, as
  Decimal text), "ended_on" (null while it lasts)}``;
- ``cooling:<topic>``: ``{"notices", "open"}``, the topic's notices so far and whether
  one lasts;
- ``index``: ``{"topics"}``, every topic seen, sorted;
- ``campaign:<id>``: ``{"topics"}``; ``post:<id>``: ``{"campaign_id", "published",
  "last": {platform: [engagement, reach]}}`` for posts of a campaign.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, ClassVar, Final

import attrs

from libops.domain.bulk import MetricImport
from libops.domain.campaign import Campaign
from libops.domain.errors import InvalidValueError
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot
from libops.projections.engagement import ENGAGEMENT_COUNTS, reach_name
from libops.projections.views import Projection, View, handles, local_day, uuid_text

NAME: Final = "topics"
"""The name of the topic-heat projection."""


DEFAULT_SHARE: Final = Fraction(2, 5)
DEFAULT_DAYS_BELOW: Final = 3
DEFAULT_LIVE_DAYS: Final = 14


def _fraction_text(value: Fraction) -> str:
    shown = Decimal(value.numerator) / Decimal(value.denominator)
    return str(shown.quantize(Decimal("0.0001"), ROUND_HALF_UP))


@attrs.frozen
class TopicHeat:
    """One topic's heat as of a day: its peak, its latest complete day, and its decline."""

    topic: str
    posts: int
    engagement: int
    reach: int
    peak_day: date | None
    """The complete day with the most engagement (None: no complete day with any)."""
    peak: int
    latest_day: date | None
    """The last complete day (the day before ``today``), if the topic had begun by then."""
    latest: int
    share: Fraction | None
    """``latest / peak`` (None when the peak is 0)."""
    days_below: int
    """Complete days in a row, up to the latest, after the peak, below the share of it."""
    last_posted: date | None
    live: bool
    cooling: bool

    @property
    def decline(self) -> Fraction | None:
        """How far the latest day fell from the peak, as a share of it (1 - share)."""
        return None if self.share is None else 1 - self.share


def topic_heat(
    topic: str,
    days: Mapping[str, Mapping[str, int]],
    today: date,
    last_posted: date | None,
    *,
    share: Fraction = DEFAULT_SHARE,
    days_below: int = DEFAULT_DAYS_BELOW,
    live_days: int = DEFAULT_LIVE_DAYS,
) -> TopicHeat:
    """The heat of ``topic`` from its ``days`` (ISO day: posts, engagement, reach) as of
    ``today`` (whose figures are not complete and do not count); see the module docstring.

    The days are keyed by ``date.isoformat()`` text (``"2026-03-01"``), as the view writes
    them (they are compared as text, which orders them as the days); another key is refused
    with :class:`InvalidValueError`.
    """
    for day in days:
        if not _is_iso_day(day):
            raise InvalidValueError(
                f"topic {topic!r}: a day is keyed by its ISO date (2026-03-01), not {day!r}"
            )
    peak_day, peak, any_complete = _complete_peak(days, today.isoformat())
    posts = engagement = reach = 0
    for figures in days.values():
        posts += int(figures.get("posts", 0))
        engagement += int(figures.get("engagement", 0))
        reach += int(figures.get("reach", 0))
    decline = _decline(
        days,
        today,
        last_posted,
        peak_day,
        peak,
        any_complete,
        share=share,
        days_below=days_below,
        live_days=live_days,
    )
    return TopicHeat(
        topic=topic,
        posts=posts,
        engagement=engagement,
        reach=reach,
        peak_day=decline.peak_day,
        peak=peak,
        latest_day=decline.latest_day,
        latest=decline.latest,
        share=decline.share,
        days_below=decline.days_below,
        last_posted=last_posted,
        live=decline.live,
        cooling=decline.cooling,
    )


@attrs.frozen
class _Decline:
    """What :func:`_decline` works out (the fields of :class:`TopicHeat` but the totals)."""

    peak_day: date | None
    latest_day: date | None
    latest: int
    share: Fraction | None
    days_below: int
    live: bool
    cooling: bool


def _decline(
    days: Mapping[str, Mapping[str, int]],
    today: date,
    last_posted: date | None,
    peak_day: str | None,
    peak: int,
    any_complete: bool,
    *,
    share: Fraction,
    days_below: int,
    live_days: int,
    count_to: int | None = None,
) -> _Decline:
    """How far a topic fell from its peak over the complete days (``peak_day``, ``peak``,
    and whether it has any complete day, known): the latest complete day, its share of the
    peak, the cold days in a row up to it (at most ``count_to`` of them, if given: enough to
    tell whether it is cooling), live and cooling."""
    latest_day = today - timedelta(days=1) if any_complete else None
    latest = 0 if latest_day is None else _engagement_on(days, latest_day)
    below = 0
    top = None if peak_day is None else date.fromisoformat(peak_day)
    if top is not None and latest_day is not None:
        # engagement < share x peak, in whole numbers
        numerator, denominator = share.numerator, share.denominator
        cold = numerator * peak
        day = latest_day
        most = -1 if count_to is None else count_to
        while below != most and day > top and _engagement_on(days, day) * denominator < cold:
            below += 1
            day -= timedelta(days=1)
    live = last_posted is not None and (today - last_posted).days <= live_days
    return _Decline(
        peak_day=top,
        latest_day=latest_day,
        latest=latest,
        share=None if peak == 0 else Fraction(latest, peak),
        days_below=below,
        live=live,
        cooling=live and peak > 0 and below >= days_below,
    )


def _is_iso_day(text: object) -> bool:
    try:
        return isinstance(text, str) and date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _engagement_on(days: Mapping[str, Mapping[str, int]], day: date) -> int:
    figures = days.get(day.isoformat())
    return 0 if figures is None else int(figures.get("engagement", 0))


def _higher(engagement: int, day: str, peak: int, peak_day: str | None) -> bool:
    """Whether ``day``'s ``engagement`` is the peak rather than ``peak_day``'s ``peak``: more,
    or as much (above 0) and earlier."""
    return engagement > peak or (
        engagement == peak and engagement > 0 and (peak_day is None or day < peak_day)
    )


def _fold_peak(
    days: Iterable[tuple[str, Mapping[str, int]]],
    peak_day: str | None = None,
    peak: int = 0,
    any_day: bool = False,
) -> tuple[str | None, int, bool]:
    """The peak found so far (``peak_day``, ``peak``, whether there was any day) with
    ``days`` (ISO day, figures) taken in: the earliest day with the most engagement (None
    when none has any), that engagement, and whether there is any day at all."""
    for day, figures in days:
        any_day = True
        engagement = int(figures.get("engagement", 0))
        if _higher(engagement, day, peak, peak_day):
            peak_day, peak = day, engagement
    return peak_day, peak, any_day


def _complete_peak(
    days: Mapping[str, Mapping[str, int]], before: str
) -> tuple[str | None, int, bool]:
    """The peak of ``days`` before ``before`` (ISO days, which sort as the days do), as
    :func:`_fold_peak` gives it."""
    return _fold_peak((day, figures) for day, figures in days.items() if day < before)


def known_peak(doc: dict[str, Any], today: date) -> tuple[str | None, int, bool]:
    """The peak of a topic document's complete days (the days before ``today``) as
    :func:`topic_heat` finds it, kept in the document's ``"peak"`` field as days complete
    and change, so that judging a topic every day does not go through all of its history.

    ``"peak"`` is ``{"day", "engagement", "any", "before"}``: the peak of the days before
    ``before``, and whether there are any; a document without it (or with a ``before``
    after ``today``, or whose peak day no longer has that engagement) has it worked out from
    all its days. An older libops that wrote this view does not keep the field: after
    running one on a store, rebuild the ``topics`` view (``libops project rebuild topics``).
    """
    before = today.isoformat()
    days: Mapping[str, Mapping[str, int]] = doc["days"]
    kept = doc.get("peak")
    if kept is not None and kept["day"] is not None:
        figures = days.get(kept["day"])
        if figures is None or int(figures.get("engagement", 0)) != kept["engagement"]:
            kept = None  # left stale by code that did not keep it (an older libops): redo it
    if kept is None or kept["before"] > before:
        peak_day, peak, any_day = _complete_peak(days, before)
    elif kept["before"] == before:
        return kept["day"], kept["engagement"], kept["any"]
    else:
        # The days from the last ``before`` to today's have completed since: fold them in,
        # looked up day by day, or picked out of all the days when there are fewer of them.
        start = date.fromisoformat(kept["before"])
        if (today - start).days <= len(days):
            new_days = (start + timedelta(days=n) for n in range((today - start).days))
            found = ((d.isoformat(), days.get(d.isoformat())) for d in new_days)
            completed = [(d, f) for d, f in found if f is not None]
        else:
            completed = [(d, f) for d, f in days.items() if kept["before"] <= d < before]
        peak_day, peak, any_day = _fold_peak(
            completed, kept["day"], kept["engagement"], kept["any"]
        )
    doc["peak"] = {"day": peak_day, "engagement": peak, "any": any_day, "before": before}
    return peak_day, peak, any_day


def day_changed(doc: dict[str, Any], day: str) -> None:
    """Keep a topic document's ``"peak"`` (see :func:`known_peak`) right after ``day``'s
    figures changed: a complete day that rose may be the new peak; the peak's own day that
    fell makes the peak unknown until it is worked out again."""
    kept = doc.get("peak")
    if kept is None or day >= kept["before"]:
        return  # not complete yet as far as the peak knows: folded in when it completes
    engagement = int(doc["days"][day].get("engagement", 0))
    if day == kept["day"] and engagement < kept["engagement"]:
        del doc["peak"]
    elif _higher(engagement, day, kept["engagement"], kept["day"]):
        doc["peak"] = {**kept, "day": day, "engagement": engagement, "any": True}
    elif not kept["any"]:
        doc["peak"] = {**kept, "any": True}


def heats(
    view: Mapping[str, Any],
    today: date | None = None,
    *,
    share: Fraction = DEFAULT_SHARE,
    days_below: int = DEFAULT_DAYS_BELOW,
    live_days: int = DEFAULT_LIVE_DAYS,
) -> tuple[TopicHeat, ...]:
    """Every topic's heat in a ``topics`` view, as of ``today`` (by default the view's
    latest day), by topic."""
    if today is None:
        seen = view.get("today")
        if seen is None:
            return ()
        today = date.fromisoformat(seen["day"])
    return tuple(
        topic_heat(
            doc["topic"],
            doc["days"],
            today,
            None if doc["last_posted"] is None else date.fromisoformat(doc["last_posted"]),
            share=share,
            days_below=days_below,
            live_days=live_days,
        )
        for key, doc in sorted(view.items())
        if key.startswith("topic:")
    )


def notices(view: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    """The cooling notices of a ``topics`` view, by the day noticed, then topic."""
    found = [doc for key, doc in view.items() if key.startswith("notice:")]
    return tuple(sorted(found, key=lambda d: (d["noticed_on"], d["topic"], d["n"])))


def _engagement(snapshot: MetricSnapshot | None) -> tuple[int, int]:
    if snapshot is None:
        return 0, 0
    engagement = sum(int(getattr(snapshot, name) or 0) for name in ENGAGEMENT_COUNTS)
    reach = int(getattr(snapshot, reach_name(snapshot.platform)) or 0)
    return engagement, reach


class TopicHeatProjection(Projection):
    """Each topic's posts, engagement and reach by day, and its cooling notices."""

    name = NAME
    expands = (MetricImport.BatchRecorded,)  # a bulk import's rows, as snapshot events
    apply_cost = 0.5

    SHARE: ClassVar[Fraction] = DEFAULT_SHARE
    """The share of its peak below which a topic's day counts as cold."""
    DAYS_BELOW: ClassVar[int] = DEFAULT_DAYS_BELOW
    """Cold complete days in a row, after the peak, that make a live topic cooling."""
    LIVE_DAYS: ClassVar[int] = DEFAULT_LIVE_DAYS
    """A topic posted on within this many days is live."""

    # --- campaigns and posts -------------------------------------------------------------

    @handles(Campaign.Planned, Campaign.Amended)
    def campaign(self, event: Campaign.Planned, view: View) -> None:
        """A campaign's hashtags are its topics (an amendment without hashtags keeps them)."""
        self._advance(view, event.timestamp)
        if event.hashtags is None:
            return
        view.put(f"campaign:{uuid_text(event.originator_id)}", {"topics": list(event.hashtags)})

    @handles(Post.Drafted)
    def drafted(self, event: Post.Drafted, view: View) -> None:
        """A post of a campaign is followed; a post without one has no topic."""
        self._advance(view, event.timestamp)
        if event.campaign_id is None:
            return
        view.put(
            f"post:{uuid_text(event.originator_id)}",
            {"campaign_id": str(event.campaign_id), "published": None, "last": {}},
        )

    def _topics_of(self, view: View, post: Mapping[str, Any]) -> list[str]:
        campaign = view.get(f"campaign:{post['campaign_id']}") or {"topics": []}
        return list(campaign["topics"])

    def _topic(self, view: View, topic: str) -> dict[str, Any]:
        key = f"topic:{topic}"
        doc: dict[str, Any] | None = view.get(key)
        if doc is None:
            doc = {
                "topic": topic,
                "campaigns": [],
                "days": {},
                "first_posted": None,
                "last_posted": None,
            }
            view.put(key, doc)
        return doc

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        """The post counts on each of its topics on the day it was first published."""
        self._advance(view, event.timestamp)
        key = f"post:{uuid_text(event.originator_id)}"
        post = view.get(key)
        if post is None:
            return
        day = local_day(event.receipt.published_at)
        first = post["published"] is None
        if first:
            view.put(key, {**post, "published": day})
        for topic in self._topics_of(view, post):
            doc = self._topic(view, topic)
            campaigns = doc["campaigns"]  # sorted: a topic's campaigns may be many
            at = bisect_left(campaigns, post["campaign_id"])
            if at == len(campaigns) or campaigns[at] != post["campaign_id"]:
                campaigns.insert(at, post["campaign_id"])
            if first:
                figures = doc["days"].setdefault(day, {"posts": 0, "engagement": 0, "reach": 0})
                figures["posts"] += 1
                day_changed(doc, day)
            doc["first_posted"] = min(filter(None, [doc["first_posted"], day]))
            doc["last_posted"] = max(filter(None, [doc["last_posted"], day]))
            view.put(f"topic:{topic}", doc)
            self._judge(view, topic)

    @handles(Post.MetricsRecorded, Post.MetricsCorrected)
    def metrics(self, event: Post.MetricsRecorded | Post.MetricsCorrected, view: View) -> None:
        """The growth since the post's previous snapshot on the platform, on the day of this
        one."""
        self._advance(view, event.timestamp)
        snapshot: MetricSnapshot = event.snapshot
        self._grow(view, event, snapshot, _engagement(snapshot), local_day(snapshot.observed_at))

    @handles(Post.MetricsVoided)
    def voided(self, event: Post.MetricsVoided, view: View) -> None:
        """The counts go back to the latest valid snapshot; the difference is taken back on
        the voided snapshot's day."""
        self._advance(view, event.timestamp)
        voided: MetricSnapshot = event.voided
        self._grow(view, event, voided, _engagement(event.latest), local_day(voided.observed_at))

    def _grow(
        self,
        view: View,
        event: Any,
        snapshot: MetricSnapshot,
        now: tuple[int, int],
        day: str,
    ) -> None:
        """Add the growth up to ``now`` (engagement, reach) on ``day`` (ISO text)."""
        key = f"post:{uuid_text(event.originator_id)}"
        post = view.get(key)
        if post is None:
            return
        platform = snapshot.platform.value
        last = post["last"].get(platform, [0, 0])
        engagement, reach = now[0] - last[0], now[1] - last[1]
        post["last"][platform] = [now[0], now[1]]  # the view's own document: saved as changed
        if engagement == 0 and reach == 0:
            return
        for topic in self._topics_of(view, post):
            doc = self._topic(view, topic)
            figures = doc["days"].setdefault(day, {"posts": 0, "engagement": 0, "reach": 0})
            figures["engagement"] += engagement
            figures["reach"] += reach
            day_changed(doc, day)
            view.put(f"topic:{topic}", doc)
            self._index(view, topic)
            seen = view.get("today")
            if seen is not None and day < seen["day"]:
                # A complete day changed (a late or voided snapshot): judge it again. Today's
                # figures count once the day is over, when every topic is judged.
                self._judge(view, topic)

    # --- heat and notices ----------------------------------------------------------------

    def _advance(self, view: View, moment: datetime) -> None:
        """Move the view's day on to ``moment``'s; a new day completes the day before, so
        every topic is judged again."""
        day = local_day(moment)
        seen = view.get("today")
        if seen is not None and seen["day"] >= day:
            return
        view.put("today", {"day": day})
        for topic in self._all_topics(view):
            self._judge(view, topic)

    def _all_topics(self, view: View) -> Iterable[str]:
        index: dict[str, Any] = view.get("index") or {"topics": []}
        return list(index["topics"])

    def _index(self, view: View, topic: str) -> None:
        index = view.get("index") or {"topics": []}
        if topic not in index["topics"]:
            view.put("index", {"topics": sorted([*index["topics"], topic])})

    def _judge(self, view: View, topic: str) -> None:
        """Write a notice when ``topic`` starts cooling; end it when it stops."""
        self._index(view, topic)
        seen = view.get("today")
        doc = view.get(f"topic:{topic}")
        if seen is None or doc is None:
            return
        today = date.fromisoformat(seen["day"])
        last_posted = None if doc["last_posted"] is None else date.fromisoformat(doc["last_posted"])
        state_key = f"cooling:{topic}"
        state = view.get(state_key) or {"notices": 0, "open": False}
        if not state["open"] and (
            last_posted is None or (today - last_posted).days > self.LIVE_DAYS
        ):
            return  # not live and no notice lasting: nothing to judge
        peak_day, peak, any_complete = known_peak(doc, today)
        view.put(f"topic:{topic}", doc)  # its "peak" may have moved on
        judged = functools.partial(
            _decline,
            doc["days"],
            today,
            last_posted,
            peak_day,
            peak,
            any_complete,
            share=self.SHARE,
            days_below=self.DAYS_BELOW,
            live_days=self.LIVE_DAYS,
        )
        # Enough cold days to tell whether it is cooling; all of them only for a new notice.
        heat = judged(count_to=self.DAYS_BELOW)
        if heat.cooling and not state["open"]:
            heat = judged()
            n = state["notices"] + 1
            view.put(state_key, {"notices": n, "open": True})
            assert heat.peak_day is not None
            assert heat.latest_day is not None
            assert heat.share is not None
            view.put(
                f"notice:{topic}:{n}",
                {
                    "topic": topic,
                    "n": n,
                    "noticed_on": today.isoformat(),
                    "peak_day": heat.peak_day.isoformat(),
                    "peak": peak,
                    "latest_day": heat.latest_day.isoformat(),
                    "latest": heat.latest,
                    "share": _fraction_text(heat.share),
                    "days_below": heat.days_below,
                    "threshold": _fraction_text(self.SHARE),
                    "ended_on": None,
                },
            )
        elif not heat.cooling and state["open"]:
            view.put(state_key, {**state, "open": False})
            notice_key = f"notice:{topic}:{state['notices']}"
            notice = view.get(notice_key)
            if notice is not None:
                view.put(notice_key, {**notice, "ended_on": today.isoformat()})

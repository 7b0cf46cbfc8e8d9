"""Cadence compliance: posts published per platform and day / ISO week against the policy.

Counts each ``Post.Published`` receipt on the day and ISO week (Monday to Sunday) of its
``published_at`` in the policy's timezone (Asia/Shanghai by default), and compares the count
with the default :class:`~libops.domain.cadence.CadencePolicy` (Weibo 1 to 2 a day, WeChat 3
to 4 a week, one more allowed on World Book Day).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar, Final

from libops.domain.brief import ContentBrief
from libops.domain.cadence import CadencePeriod, CadencePolicy
from libops.domain.post import Post
from libops.domain.values import Platform
from libops.projections.views import Projection, View, handles, uuid_text

_PERIODS: Final = tuple(CadencePeriod)  # iterating an Enum is slow; a post counts in each

UNDER = "under"
WITHIN = "within"
OVER = "over"


class CadenceComplianceProjection(Projection):
    """Posts published per platform and period, and whether that is under, within or over.

    Documents ``day:<platform>:<YYYY-MM-DD>`` and ``week:<platform>:<YYYY-Www>``:
    ``platform``, ``per`` (``"day"``/``"week"``), ``period_start``, ``period_end``,
    ``posts`` (published post variants), ``minimum`` and ``maximum`` of the policy's rule for
    that platform and period (the maximum raised by the largest surge window overlapping the
    period, named in ``surge``), and ``status``: ``"under"`` (fewer than the minimum),
    ``"within"`` or ``"over"`` (more than the maximum); all four null when the policy has no
    rule for that platform and period (the count is still kept).

    A period in which nothing was published has no document: read a missing one as 0 posts
    (under the minimum, if there is one). The policy is ``POLICY`` (the default policy); a
    subclass with another ``name`` may set another one.

    Planned content briefs (issue 17) are counted beside, so that a gap in the calendar
    shows before it happens: ``plan:day:<platform>:<YYYY-MM-DD>`` and
    ``plan:week:<platform>:<YYYY-Www>`` hold, for each period in which a brief that is
    planned or in production (not yet drafted or dropped) is due on the platform:
    ``platform``, ``per``, ``period_start``, ``period_end``, ``briefs`` (how many such
    briefs), ``brief_ids``, ``posts`` (published in the period so far), ``expected``
    (``posts`` plus ``briefs``), ``minimum`` and ``maximum`` as above, and ``gap``: how many
    posts short of the minimum the period is even when every brief is published (0 when
    none; null when the policy has no minimum there). A period without a planned brief has
    no ``plan:`` document. ``brief:<brief id>`` (``platforms``, ``due``) remembers each brief
    that is not drafted or dropped. The day and week documents above are unchanged.
    """

    name = "cadence"
    apply_cost = 1.0  # measured: see Projection.apply_cost

    POLICY: ClassVar[CadencePolicy] = CadencePolicy()

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        receipt = event.receipt
        policy = self.POLICY
        platform = receipt.platform.value
        for per in _PERIODS:
            first, last = policy.period_of(per, receipt.published_at)
            key = _period_key(per, platform, first)
            doc: dict[str, Any] | None = view.get(key)
            if doc is None:
                doc = _new_period(platform, per, first, last, posts=0)
                view.put(key, doc)
            doc["posts"] += 1

    def before_commit(self, view: View) -> None:
        """Judge each period this batch counted a post in against the policy (once a batch)."""
        policy = self.POLICY
        for key in view.touched():
            if not key.startswith(("day:", "week:")):
                continue
            doc = view.get(key)
            if doc is None:
                continue
            per = CadencePeriod(doc["per"])
            rule = next(
                (rule for rule in policy.rules_for(Platform(doc["platform"])) if rule.per is per),
                None,
            )
            if rule is None:
                doc.update(minimum=None, maximum=None, surge=None, status=None)
                continue
            maximum, surge = policy.maximum_for(
                rule,
                date.fromisoformat(doc["period_start"]),
                date.fromisoformat(doc["period_end"]),
            )
            posts = doc["posts"]
            if rule.minimum is not None and posts < rule.minimum:
                status = UNDER
            elif maximum is not None and posts > maximum:
                status = OVER
            else:
                status = WITHIN
            doc.update(minimum=rule.minimum, maximum=maximum, surge=surge, status=status)
        self._judge_plans(view)

    # --- planned briefs (issue 17, part "content briefs") ---------------------------------

    @handles(ContentBrief.Proposed)
    def brief_proposed(self, event: ContentBrief.Proposed, view: View) -> None:
        """Remember a brief's platforms; it counts once it is planned."""
        view.put(
            f"brief:{uuid_text(event.originator_id)}",
            {"platforms": [Platform(p).value for p in event.platforms], "due": None},
        )

    @handles(ContentBrief.Planned, ContentBrief.Replanned)
    def brief_planned(self, event: ContentBrief.Planned, view: View) -> None:
        """The brief counts in the day and week of its (new) due day on each platform."""
        brief = view.get(f"brief:{uuid_text(event.originator_id)}")
        if brief is None:
            return
        self._count_brief(view, uuid_text(event.originator_id), brief, -1)
        brief["due"] = event.due_on
        self._count_brief(view, uuid_text(event.originator_id), brief, +1)

    @handles(ContentBrief.Drafted, ContentBrief.Dropped)
    def brief_ended(self, event: ContentBrief.Drafted, view: View) -> None:
        """A drafted or dropped brief no longer counts as planned."""
        key = f"brief:{uuid_text(event.originator_id)}"
        brief = view.get(key)
        if brief is None:
            return
        self._count_brief(view, uuid_text(event.originator_id), brief, -1)
        view.delete(key)

    def _count_brief(self, view: View, brief_id: str, brief: dict[str, Any], step: int) -> None:
        if brief["due"] is None:
            return
        due = date.fromisoformat(brief["due"])
        for platform in brief["platforms"]:
            for per in _PERIODS:
                key, first, last = _plan_key(per, platform, due)
                doc: dict[str, Any] | None = view.get(key)
                if doc is None:
                    doc = _new_period(platform, per, first, last, briefs=0, brief_ids=[])
                ids = [b for b in doc["brief_ids"] if b != brief_id]
                if step > 0:
                    ids.append(brief_id)
                doc.update(brief_ids=sorted(ids), briefs=len(ids))
                if ids:
                    view.put(key, doc)
                else:
                    view.delete(key)

    def _judge_plans(self, view: View) -> None:
        """Each plan document the batch touched (or whose period's posts changed): its posts
        so far, what is expected with its briefs, and the gap to the policy's minimum."""
        keys = set()
        for key in view.touched():
            if key.startswith("plan:"):
                keys.add(key)
            elif key.startswith(("day:", "week:")):
                keys.add("plan:" + key)
        policy = self.POLICY
        for key in sorted(keys):
            doc = view.get(key)
            if doc is None:
                continue
            posts_doc = view.get(key[len("plan:") :]) or {}
            posts = int(posts_doc.get("posts", 0))
            per = CadencePeriod(doc["per"])
            rule = next(
                (rule for rule in policy.rules_for(Platform(doc["platform"])) if rule.per is per),
                None,
            )
            maximum = None
            if rule is not None:
                maximum, _surge = policy.maximum_for(
                    rule,
                    date.fromisoformat(doc["period_start"]),
                    date.fromisoformat(doc["period_end"]),
                )
            minimum = None if rule is None else rule.minimum
            expected = posts + doc["briefs"]
            doc.update(
                posts=posts,
                expected=expected,
                minimum=minimum,
                maximum=maximum,
                gap=None if minimum is None else max(0, minimum - expected),
            )
            view.put(key, doc)


def _plan_key(per: CadencePeriod, platform: str, day: date) -> tuple[str, date, date]:
    """The plan document's key for ``day`` on ``platform``, and its period's first and last
    day (the ISO week runs Monday to Sunday)."""
    if per is CadencePeriod.DAY:
        first = last = day
    else:
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
    return "plan:" + _period_key(per, platform, first), first, last


def _period_key(per: CadencePeriod, platform: str, first: date) -> str:
    """``day:<platform>:<YYYY-MM-DD>``, or ``week:<platform>:<YYYY>-W<ww>`` (the ISO week
    starting on ``first``)."""
    if per is CadencePeriod.DAY:
        return f"day:{platform}:{first.isoformat()}"
    year, week, _ = first.isocalendar()
    return f"week:{platform}:{year}-W{week:02d}"


def _new_period(
    platform: str, per: CadencePeriod, first: date, last: date, **counts: Any
) -> dict[str, Any]:
    """A period's document before anything counts in it."""
    return {
        "platform": platform,
        "per": per.value,
        "period_start": first.isoformat(),
        "period_end": last.isoformat(),
        **counts,
    }

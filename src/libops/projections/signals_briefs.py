"""The ``brief_overdue`` detector of the risk-signals projection
(:mod:`libops.projections.signals`): a content brief past its due day, not drafted or dropped.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from libops.domain.brief import ContentBrief
from libops.domain.post import Post
from libops.projections.signals_outbox import SignalOutbox
from libops.projections.signals_rules import (
    BRIEF_OVERDUE,
    BRIEFS_DUE,
    _iso_days_before,
    _optional_uuid,
)
from libops.projections.views import View, handles, local_date, local_day, uuid_text


class BriefSignals(SignalOutbox):
    """Detects ``brief_overdue`` (issue 17)."""

    # --- content briefs overdue (issue 17, part "content briefs") ------------------------

    BRIEF_GRACE_DAYS: ClassVar[int] = 0
    """Whole days after a brief's due day before it counts as overdue: with 0, a brief due
    on the 20th is overdue from the first event the projection sees on the 21st."""

    @handles(ContentBrief.Proposed)
    def brief_proposed(self, event: ContentBrief.Proposed, view: View) -> None:
        """Remember the brief's title and campaign, for the signal's words."""
        view.put(
            f"brief:{uuid_text(event.originator_id)}",
            {
                "title": event.title,
                "campaign_id": None if event.campaign_id is None else str(event.campaign_id),
                "due": None,
                "assignee": None,
                "status": "idea",
                "overdue": False,
            },
        )
        self._overdue_briefs(view, event)

    @handles(ContentBrief.Planned, ContentBrief.Replanned)
    def brief_planned(self, event: ContentBrief.Planned, view: View) -> None:
        """A brief on the calendar is watched until its due day passes; one replanned to a
        day not yet past is no longer overdue."""
        brief_id = uuid_text(event.originator_id)
        key = f"brief:{brief_id}"
        brief = view.get(key) or {"title": brief_id, "campaign_id": None, "overdue": False}
        today = local_date(event.timestamp)
        brief.update(due=event.due_on, assignee=event.assignee)
        if isinstance(event, ContentBrief.Planned):
            brief["status"] = "planned"
        if brief["overdue"] and date.fromisoformat(event.due_on) >= today:
            brief["overdue"] = False
            self._clear(
                view,
                event,
                BRIEF_OVERDUE,
                brief_id,
                f"The content brief {brief['title']!r} ({brief_id}) was replanned on "
                f"{today.isoformat()} to be due on {event.due_on}.",
            )
        view.put(key, brief)
        if not brief["overdue"]:
            due = view.get(BRIEFS_DUE) or {}
            view.put(BRIEFS_DUE, {**due, brief_id: event.due_on})
        self._overdue_briefs(view, event)

    @handles(ContentBrief.ProductionStarted)
    def brief_started(self, event: ContentBrief.ProductionStarted, view: View) -> None:
        """Work began: the brief stays watched."""
        key = f"brief:{uuid_text(event.originator_id)}"
        brief = view.get(key)
        if brief is not None:
            view.put(key, {**brief, "status": "in production"})
        self._overdue_briefs(view, event)

    @handles(ContentBrief.Drafted, ContentBrief.Dropped)
    def brief_ended(self, event: ContentBrief.Drafted, view: View) -> None:
        """A drafted or dropped brief is no longer watched; if it was overdue, that clears."""
        brief_id = uuid_text(event.originator_id)
        due = view.get(BRIEFS_DUE) or {}
        if brief_id in due:
            view.put(BRIEFS_DUE, {b: d for b, d in due.items() if b != brief_id})
        brief = view.get(f"brief:{brief_id}") or {"title": brief_id}
        view.delete(f"brief:{brief_id}")
        today = local_day(event.timestamp)
        if isinstance(event, ContentBrief.Drafted):
            what = f"was drafted as post {event.post_id} on {today}"
        else:
            what = f"was dropped on {today}: {event.reason[:500]}"
        self._clear(
            view, event, BRIEF_OVERDUE, brief_id, f"The content brief {brief['title']!r} {what}."
        )
        self._overdue_briefs(view, event)

    @handles(Post.Drafted)
    def post_drafted(self, event: Post.Drafted, view: View) -> None:
        """A post drafted is a moment of the library's day: briefs due before it are late."""
        self._overdue_briefs(view, event)

    def _overdue_briefs(self, view: View, event: Any) -> None:
        """Fire for each watched brief whose due day (plus :attr:`BRIEF_GRACE_DAYS`) is
        before the day of ``event`` (Asia/Shanghai), once: it is then no longer watched."""
        due: dict[str, str] | None = view.get(BRIEFS_DUE)
        if not due:
            return
        today = local_date(event.timestamp)
        # More than the grace days before today: an ISO day before the cut-off, as text.
        cutoff = _iso_days_before(today, self.BRIEF_GRACE_DAYS)
        late = sorted((day, brief_id) for brief_id, day in due.items() if day < cutoff)
        if not late:
            return
        fired = {brief_id for _day, brief_id in late}
        view.put(BRIEFS_DUE, {b: d for b, d in due.items() if b not in fired})
        for day, brief_id in late:
            key = f"brief:{brief_id}"
            brief = view.get(key) or {"title": brief_id, "campaign_id": None}
            view.put(key, {**brief, "overdue": True})
            days = (today - date.fromisoformat(day)).days
            self._fire(
                view,
                event,
                BRIEF_OVERDUE,
                brief_id,
                title=f"Content brief overdue: {brief['title']}",
                description=(
                    f"The content brief {brief['title']!r} ({brief_id}) was due on {day} "
                    f"(Asia/Shanghai) and, {days} {'day' if days == 1 else 'days'} later, on "
                    f"{today.isoformat()}, is still {brief.get('status', 'planned')}, not "
                    f"drafted; assigned to {brief.get('assignee') or 'no one'}."
                ),
                campaign_id=_optional_uuid(brief.get("campaign_id")),
            )

"""The interaction listings: readers' questions by state, escalation and platform
(``listings.questions``) and contests by status, latest announced first
(``listings.contests``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from libops.domain.interaction.contest import Contest
from libops.domain.interaction.qa import Question
from libops.projections.listings.base import Listing, stamp
from libops.projections.views import View, handles, uuid_text

# --- readers' questions ---------------------------------------------------------------------

QUESTIONS: Final = "listings.questions"
WAITING_PREFIX: Final = "w"
"""Sort keys of questions waiting for an answer: then the time they were asked."""
ANSWERED_PREFIX: Final = "a"
"""Sort keys of answered questions: then the time they were answered."""


class QuestionListing(Listing):
    """Readers' questions by state (waiting or answered), escalation and platform.

    ``row:<question id>``: ``{"id", "platform", "post_id", "asked_at", "received_at",
    "state", "escalated", "escalated_at", "answered_at", "response_seconds"}``. No text and
    no asker: those are personal data, read with ``ops.questions.text`` / ``asker``.
    """

    name = QUESTIONS
    filters = ("s", "x", "p")

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        return {
            "s": [row["state"]],
            "x": ["1"] if row["escalated"] else [],
            "p": [row["platform"]],
        }

    def sort_key(self, row: Mapping[str, Any]) -> str:
        if row["answered_at"] is not None:
            return ANSWERED_PREFIX + stamp(datetime.fromisoformat(row["answered_at"]))
        return WAITING_PREFIX + stamp(datetime.fromisoformat(row["asked_at"]))

    @handles(Question.Received)
    def received(self, event: Question.Received, view: View) -> None:
        question_id = uuid_text(event.originator_id)
        self.change(
            view,
            question_id,
            {
                "id": question_id,
                "platform": event.platform.value,
                "post_id": None if event.post_id is None else str(event.post_id),
                "asked_at": event.asked_at.isoformat(),
                "received_at": event.received_at.isoformat(),
                "state": "waiting",
                "escalated": False,
                "escalated_at": None,
                "answered_at": None,
                "response_seconds": None,
            },
        )

    @handles(Question.Answered)
    def answered(self, event: Question.Answered, view: View) -> None:
        self.update_row(
            view,
            event,
            state="answered",
            answered_at=event.answered_at.isoformat(),
            response_seconds=event.response_seconds,
        )

    @handles(Question.Escalated)
    def escalated(self, event: Question.Escalated, view: View) -> None:
        self.update_row(view, event, escalated=True, escalated_at=event.at.isoformat())


# --- contests (issue 16) --------------------------------------------------------------------

CONTESTS: Final = "listings.contests"
ANNOUNCED: Final = "announced"
"""The contests listing's document holding how many contests were announced."""


class ContestListing(Listing):
    """Contests by status, latest announced first: what the contests page lists.

    ``row:<contest id>``: ``{"id", "number", "title", "kind", "status", "announced_at",
    "opens_at", "closes_at", "planned_winners", "entries", "winners"}``. ``number`` counts
    the announcements in log order (the ``announced`` document holds the last one given):
    the list's order is the order contests were recorded, even when a clock stamps two
    announcements with the same time. The window and the planned
    number of winners are None until rules are stated, ``entries`` counts every recorded
    entry (disqualified ones too), ``winners`` are the drawn entry ids in draw order. Readers
    appear only by entry id: no personal data is kept here.
    """

    name = CONTESTS
    filters = ("s",)

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        return {"s": [row["status"]]}

    def sort_key(self, row: Mapping[str, Any]) -> str:
        return f"{row['number']:012d}"

    @staticmethod
    def _rules(row: dict[str, Any], rules: Any) -> None:
        row["opens_at"] = None if rules is None else rules.opens_at.isoformat()
        row["closes_at"] = None if rules is None else rules.closes_at.isoformat()
        row["planned_winners"] = None if rules is None else rules.winners

    @handles(Contest.Announced)
    def announced(self, event: Contest.Announced, view: View) -> None:
        contest_id = uuid_text(event.originator_id)
        number = int(view.get(ANNOUNCED) or 0) + 1
        view.put(ANNOUNCED, number)
        row: dict[str, Any] = {
            "id": contest_id,
            "number": number,
            "title": event.title,
            "kind": event.kind.value,
            "status": "announced",
            "announced_at": event.timestamp.isoformat(),
            "entries": 0,
            "winners": [],
        }
        self._rules(row, event.rules)
        self.change(view, contest_id, row)

    @handles(Contest.RulesStated)
    def rules_stated(self, event: Contest.RulesStated, view: View) -> None:
        row = self.event_row(view, event)
        if row is not None:
            self._rules(row, event.rules)
            self.change(view, row["id"], row)

    @handles(Contest.EntryRecorded)
    def entry(self, event: Contest.EntryRecorded, view: View) -> None:
        row = self.event_row(view, event)
        if row is not None:
            row["entries"] += 1
            self.change(view, row["id"], row)

    @handles(Contest.Opened, Contest.Closed, Contest.Cancelled)
    def status(self, event: Any, view: View) -> None:
        status = {
            Contest.Opened: "open",
            Contest.Closed: "closed",
            Contest.Cancelled: "cancelled",
        }[type(event)]
        self.update_row(view, event, status=status)

    @handles(Contest.Drawn)
    def drawn(self, event: Contest.Drawn, view: View) -> None:
        self.update_row(view, event, status="drawn", winners=list(event.winners))

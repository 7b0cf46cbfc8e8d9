"""Escalation is a flag on an open question, not a closing: the inbox keeps escalated questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.domain.personal import Consent, PersonalInfo
from tests.helpers import count_events

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
CONSENT = Consent("Questions to City Library", START)


def _ask(ops: LibOps, planner: Actor, n: int) -> UUID:
    return ops.questions.receive(
        planner,
        platform="wechat",
        text=f"Is the reading room open on holiday {n}?",
        asker=PersonalInfo(name=f"Reader {n}", handle=f"@inbox_{n}"),
        consent=CONSENT,
    )


class TestEscalatedQuestionsStayOpen:
    def test_escalated_questions_stay_in_open_and_overdue(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """After escalation the overdue questions are still open and overdue, until answered."""
        late = [_ask(ops, planner, n) for n in range(3)]
        clock.advance(timedelta(hours=20))
        fresh = _ask(ops, planner, 9)
        clock.advance(timedelta(hours=5))  # the first three have waited 25 hours, fresh 5
        assert ops.questions.overdue() == late
        assert ops.questions.escalate_overdue(admin) == tuple(late)
        assert ops.questions.open_question_ids() == [*late, fresh]
        assert ops.questions.overdue() == late
        assert all(ops.questions.get(q).escalated for q in late)
        before = count_events(ops)
        assert ops.questions.escalate_overdue(admin) == ()  # escalated once, not again
        assert count_events(ops) == before
        ops.questions.answer(admin, late[1], "Yes, from 9 to 17.")
        assert ops.questions.open_question_ids() == [late[0], late[2], fresh]
        assert ops.questions.overdue() == [late[0], late[2]]
        clock.advance(timedelta(hours=20))  # fresh is now overdue too, and escalates alone
        assert ops.questions.escalate_overdue(admin) == (fresh,)
        assert ops.questions.overdue() == [late[0], late[2], fresh]

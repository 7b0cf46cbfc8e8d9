"""The Question aggregate: receiving, answering with a response time, escalating once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from libops import Actor, Platform
from libops.domain.errors import (
    ConsentError,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    PersonalDataFoundError,
    QuestionNotOverdueError,
)
from libops.domain.interaction.qa import Question, QuestionStatus, escalation_after
from tests.actors import ADMIN, PLANNER
from tests.helpers import refused
from tests.unit.interaction_support import EVERYONE, START, sealed_for

DAY = timedelta(hours=24)
POST = UUID("b0570000-0000-4000-8000-000000000002")


def _receive(actor: Actor = PLANNER, **changes: Any) -> Question:
    arguments: dict[str, Any] = {
        "question_id": uuid4(),
        "platform": "wechat",
        "asker": sealed_for("reader-1"),
        "text": "  When does the library open on public holidays?  ",
        "asked_at": START - timedelta(minutes=30),
        "now": START,
        "post_id": POST,
        **changes,
    }
    return Question.receive(actor, **arguments)


def _question() -> Question:
    question = _receive()
    question.collect_events()
    return question


class TestReceive:
    def test_receive_records_the_question(self) -> None:
        """The question keeps its platform, post, sealed asker, text and both times."""
        question_id = uuid4()
        question = _receive(question_id=question_id)
        [received] = question.collect_events()
        assert isinstance(received, Question.Received)
        assert question.id == question_id
        assert received.actor_id == PLANNER.id
        assert question.platform is Platform.WECHAT
        assert question.post_id == POST
        assert question.asker == sealed_for("reader-1")
        assert question.text == "When does the library open on public holidays?"
        assert question.asked_at == START - timedelta(minutes=30)
        assert question.received_at == START
        assert question.status is QuestionStatus.OPEN
        assert not question.escalated

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"text": "   "}, InvalidValueError),
            ({"text": "x" * 4001}, InvalidValueError),
            ({"text": "Call me on 13812345678 please"}, PersonalDataFoundError),
            ({"text": "mail zhang.san@example.org"}, PersonalDataFoundError),
            ({"platform": "myspace"}, InvalidValueError),
            ({"asker": "Zhang San"}, InvalidValueError),
            ({"asker": sealed_for("reader-1", third_parties=True)}, ConsentError),
            ({"asked_at": START + timedelta(seconds=1)}, InvalidValueError),
            ({"asked_at": datetime(2026, 3, 1)}, InvalidValueError),
            ({"post_id": "not-a-post"}, InvalidValueError),
            ({"question_id": "q-1"}, InvalidValueError),
        ],
        ids=str,
    )
    def test_bad_questions(self, changes: dict[str, Any], error: type[Exception]) -> None:
        """Bad input, personal data in the text and third-party consent are refused."""
        with pytest.raises(error):
            _receive(**changes)

    @pytest.mark.parametrize("role", sorted(EVERYONE))
    def test_who_receives(self, role: str) -> None:
        """Content planners and operations admins record questions; nobody else does."""
        actor = EVERYONE[role]
        if role in {"planner", "admin"}:
            assert _receive(actor).version == 1
        else:
            with pytest.raises(PermissionDeniedError):
                _receive(actor)


class TestAnswer:
    def test_answer_records_the_response_time(self) -> None:
        """The response time runs from asking to answering, by the given business times."""
        question = _question()
        response = question.answer(ADMIN, " 9:00 to 17:00. ", now=START + timedelta(hours=2))
        [answered] = question.collect_events()
        assert isinstance(answered, Question.Answered)
        assert response == timedelta(hours=2, minutes=30)
        assert answered.response_seconds == 9000
        assert answered.actor_id == ADMIN.id
        assert question.answer_text == "9:00 to 17:00."
        assert question.answered_by == ADMIN.id
        assert question.response_time == timedelta(hours=2, minutes=30)
        assert question.status is QuestionStatus.ANSWERED

    def test_answered_once(self) -> None:
        """A question is answered once."""
        question = _question()
        question.answer(ADMIN, "Yes.", now=START)
        question.collect_events()
        refused(question, InvalidTransitionError, lambda: question.answer(ADMIN, "No.", now=START))

    @pytest.mark.parametrize(
        ("text", "now", "error"),
        [
            ("", START, InvalidValueError),
            ("Ring 13812345678", START, PersonalDataFoundError),
            ("Yes.", datetime(2026, 3, 1), InvalidValueError),
        ],
        ids=str,
    )
    def test_bad_answers(self, text: str, now: datetime, error: type[Exception]) -> None:
        """Blank answers, personal data and naive times are refused."""
        question = _question()
        refused(question, error, lambda: question.answer(ADMIN, text, now=now))

    @pytest.mark.parametrize("role", sorted(EVERYONE))
    def test_who_answers(self, role: str) -> None:
        """Content planners and operations admins answer; nobody else does."""
        question = _question()
        actor = EVERYONE[role]
        if role in {"planner", "admin"}:
            question.answer(actor, "Yes.", now=START)
            assert question.answered_by == actor.id
        else:
            refused(
                question, PermissionDeniedError, lambda: question.answer(actor, "Yes.", now=START)
            )


class TestEscalate:
    def test_overdue_questions_escalate_once(self) -> None:
        """A question unanswered past the escalation time escalates; a second time is refused."""
        question = _question()
        late = question.asked_at + DAY + timedelta(seconds=1)
        assert question.is_overdue(late, DAY)
        question.escalate(ADMIN, now=late, after=DAY)
        [escalated] = question.collect_events()
        assert isinstance(escalated, Question.Escalated)
        assert escalated.waited_seconds == 86401
        assert escalated.threshold_seconds == 86400
        assert question.escalated_at == late
        refused(
            question, InvalidTransitionError, lambda: question.escalate(ADMIN, now=late, after=DAY)
        )

    def test_escalated_questions_can_still_be_answered(self) -> None:
        """Escalation does not stop the answer; the response time counts the whole wait."""
        question = _question()
        question.escalate(ADMIN, now=START + 2 * DAY, after=DAY)
        response = question.answer(PLANNER, "Sorry for the wait: yes.", now=START + 3 * DAY)
        assert response == 3 * DAY + timedelta(minutes=30)

    def test_not_overdue_yet(self) -> None:
        """Exactly at the escalation time a question is not yet overdue."""
        question = _question()
        at = question.asked_at + DAY
        assert not question.is_overdue(at, DAY)
        refused(
            question, QuestionNotOverdueError, lambda: question.escalate(ADMIN, now=at, after=DAY)
        )

    def test_answered_questions_do_not_escalate(self) -> None:
        """An answered question is never overdue."""
        question = _question()
        question.answer(PLANNER, "Yes.", now=START)
        question.collect_events()
        assert not question.is_overdue(START + 10 * DAY, DAY)
        refused(
            question,
            InvalidTransitionError,
            lambda: question.escalate(ADMIN, now=START + 10 * DAY, after=DAY),
        )

    @pytest.mark.parametrize("after", [timedelta(0), timedelta(hours=-1), 3600, None], ids=str)
    def test_bad_escalation_times(self, after: Any) -> None:
        """The escalation time is a positive timedelta."""
        with pytest.raises(InvalidValueError):
            escalation_after(after)
        question = _question()
        refused(
            question,
            InvalidValueError,
            lambda: question.escalate(ADMIN, now=START + 2 * DAY, after=after),
        )

    @pytest.mark.parametrize("role", sorted(EVERYONE))
    def test_who_escalates(self, role: str) -> None:
        """Only operations admins escalate."""
        question = _question()
        actor = EVERYONE[role]
        escalate: Callable[[], None] = lambda: question.escalate(  # noqa: E731  # named for reuse
            actor, now=START + 2 * DAY, after=DAY
        )
        if role == "admin":
            escalate()
            assert question.escalated
        else:
            refused(question, PermissionDeniedError, escalate)


class TestReplay:
    def test_a_question_rebuilds_from_its_events(self) -> None:
        """Replaying the events rebuilds the same question."""
        question = _receive()
        question.escalate(ADMIN, now=START + 2 * DAY, after=DAY)
        question.answer(PLANNER, "Yes.", now=START + 3 * DAY)
        rebuilt: Any = None
        for event in question.collect_events():
            rebuilt = event.mutate(rebuilt)
        assert isinstance(rebuilt, Question)
        assert vars(rebuilt) == vars(question)

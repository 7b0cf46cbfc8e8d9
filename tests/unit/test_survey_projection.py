"""The surveys projection: responses, rate against a reading session's attendance, CSAT,
NPS with its interval, answers by question; no subject and no free text in the view."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from libops import LibOps, Period, SurveyQuestion
from libops.adapters.clock import ManualClock
from libops.domain.personal import Consent, PersonalInfo
from tests.actors import PLANNER

START = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)
QUESTIONS = (
    SurveyQuestion("overall", "How satisfied are you?", "rating"),
    SurveyQuestion("recommend", "Would you recommend us?", "recommendation"),
    SurveyQuestion(
        "topics", "Topics?", "multiple_choice", required=False, options=("poetry", "history")
    ),
    SurveyQuestion("comment", "Anything else?", "free_text", required=False),
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def ops(clock: ManualClock) -> Iterator[LibOps]:
    with LibOps.open("memory://", clock=clock) as opened:
        yield opened


def _session(ops: LibOps, clock: ManualClock, attended: int) -> UUID:
    session = ops.sessions.schedule(
        PLANNER,
        title="Reading circle",
        starts_at=START + timedelta(hours=1),
        ends_at=START + timedelta(hours=3),
        capacity=20,
        place="Reading room",
    )
    readers = [
        ops.sessions.register(
            PLANNER,
            session,
            participant=PersonalInfo(name=f"Reader {n}"),
            consent=Consent("the circle", START),
            subject_id=f"card-{n}",
        )
        for n in range(attended + 1)
    ]
    clock.advance(timedelta(hours=1, minutes=5))
    for reader in readers[:attended]:
        ops.sessions.record_attendance(PLANNER, session, reader)
    return session


def _respond(ops: LibOps, survey_id: UUID, n: int, answers: dict[str, Any]) -> None:
    ops.surveys.record_response(
        PLANNER,
        survey_id,
        answers=answers,
        respondent=PersonalInfo(name=f"Reader {n}"),
        consent=Consent("the survey", START),
        subject_id=f"card-{n}",
    )


def _doc(ops: LibOps, survey_id: UUID) -> dict[str, Any]:
    ops.projections.run()
    doc = ops.projections.view("surveys").get(f"survey:{survey_id}")
    assert isinstance(doc, dict)
    return doc


class TestSurveysView:
    def test_a_survey_of_a_reading_session(self, ops: LibOps, clock: ManualClock) -> None:
        session = _session(ops, clock, attended=4)
        survey_id = ops.surveys.create(
            PLANNER, title="The circle", target="activity", target_id=session, questions=QUESTIONS
        )
        ops.surveys.open(PLANNER, survey_id)
        _respond(ops, survey_id, 0, {"overall": 5, "recommend": 10, "comment": "Loved it"})
        _respond(ops, survey_id, 1, {"overall": 4, "recommend": 8, "topics": ["history"]})
        _respond(ops, survey_id, 2, {"overall": 2, "recommend": 3, "topics": ["poetry", "history"]})
        doc = _doc(ops, survey_id)
        assert (doc["responses"], doc["denominator"], doc["response_rate"]) == (3, 4, "0.7500")
        assert doc["csat"] == {"satisfied": 2, "rated": 3, "share": "0.6667"}
        # 1 promoter, 1 passive, 1 detractor: NPS 0; Var = 2/3, margin 1.96 * 100 * sqrt(2/9)
        assert doc["nps"] == {
            "promoters": 1,
            "passives": 1,
            "detractors": 1,
            "answers": 3,
            "score": "0.0",
            "low": "-92.4",
            "high": "92.4",
        }
        assert doc["questions"]["overall"]["distribution"] == {
            "1": 0,
            "2": 1,
            "3": 0,
            "4": 1,
            "5": 1,
        }
        assert doc["questions"]["topics"] == {
            "kind": "multiple_choice",
            "text": "Topics?",
            "required": False,
            "answered": 2,
            "distribution": {"poetry": 1, "history": 2},
        }
        assert doc["questions"]["comment"]["answered"] == 1
        assert doc["questions"]["comment"]["distribution"] == {}
        text = str(ops.projections.view("surveys").get(f"survey:{survey_id}"))
        assert "Loved it" not in text
        assert "card-" not in text
        assert "Reader" not in text
        assert (doc["target"], doc["target_id"], doc["status"]) == (
            "activity",
            str(session),
            "open",
        )

    def test_attendance_recorded_later_sets_the_rate(self, ops: LibOps, clock: ManualClock) -> None:
        session = _session(ops, clock, attended=0)
        survey_id = ops.surveys.create(
            PLANNER, title="The circle", target="activity", target_id=session, questions=QUESTIONS
        )
        ops.surveys.open(PLANNER, survey_id)
        _respond(ops, survey_id, 0, {"overall": 5, "recommend": 10})
        assert (_doc(ops, survey_id)["denominator"], _doc(ops, survey_id)["response_rate"]) == (
            None,
            None,
        )
        ops.sessions.record_attendance(PLANNER, session, "card-0")
        doc = _doc(ops, survey_id)
        assert (doc["denominator"], doc["response_rate"]) == (1, "1.0000")

    def test_an_account_survey_has_no_denominator(self, ops: LibOps) -> None:
        survey_id = ops.surveys.create(
            PLANNER,
            title="April",
            target="account",
            period=Period(date(2026, 4, 1), date(2026, 4, 30)),
            questions=QUESTIONS,
            anonymous=True,
        )
        doc = _doc(ops, survey_id)
        assert (doc["responses"], doc["response_rate"], doc["csat"]["share"]) == (0, None, None)
        assert doc["nps"]["score"] is None
        assert doc["period"] == {"start": "2026-04-01", "end": "2026-04-30"}
        ops.surveys.open(PLANNER, survey_id)
        ops.surveys.record_response(PLANNER, survey_id, answers={"overall": 4, "recommend": 9})
        ops.surveys.close(PLANNER, survey_id)
        doc = _doc(ops, survey_id)
        assert (doc["status"], doc["responses"], doc["nps"]["score"]) == ("closed", 1, "100.0")
        index = ops.projections.view("surveys").get("surveys")
        assert index == {
            "ids": [str(survey_id)],
            "surveys": 1,
            "open": 0,
            "closed": 1,
            "responses": 1,
        }

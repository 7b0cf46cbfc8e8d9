"""The quality of participation in the interactions view (issue 17, item 2): answers and
contributions by length, questions answered well, participants who came back, winners."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.domain.personal import Consent, PersonalInfo
from libops.projections.interactions import length_bucket
from tests.actors import ADMIN, PLANNER

START = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def ops(clock: ManualClock) -> Iterator[LibOps]:
    with LibOps.open(
        "memory://", clock=clock, escalate_questions_after=timedelta(hours=1)
    ) as opened:
        yield opened


def _ask(ops: LibOps, subject: str, text: str = "Is the library open today?") -> Any:
    return ops.questions.receive(
        PLANNER,
        platform="wechat",
        text=text,
        asker=PersonalInfo(name="Reader"),
        consent=Consent("answering", START),
        subject_id=subject,
    )


def _quality(ops: LibOps) -> dict[str, Any]:
    ops.projections.run()
    quality = ops.projections.view("interactions").get("quality")
    assert isinstance(quality, dict)
    return quality


class TestLengthBuckets:
    @pytest.mark.parametrize(
        ("length", "bucket"),
        [(0, "short"), (49, "short"), (50, "medium"), (199, "medium"), (200, "long")],
    )
    def test_bounds(self, length: int, bucket: str) -> None:
        assert length_bucket(length) == bucket


class TestQuality:
    def test_answers_by_length_and_answered_well(self, ops: LibOps, clock: ManualClock) -> None:
        quick = _ask(ops, "card-1")
        late = _ask(ops, "card-2")
        never = _ask(ops, "card-3")
        ops.questions.answer(PLANNER, quick, "Yes, until 21:00.")  # 17 characters
        clock.advance(timedelta(hours=2))
        assert len(ops.questions.escalate_overdue(ADMIN)) == 2
        ops.questions.answer(PLANNER, late, "Yes. " + "x" * 95)  # 100 characters, late
        quality = _quality(ops)
        assert quality["answer_lengths"] == {"short": 1, "medium": 1, "long": 0}
        assert quality["median_answer_length"] == "58.5"
        # one of three received was answered without escalation
        assert (quality["answered_well"], quality["answered_well_rate"]) == (1, "0.3333")
        assert "Yes, until" not in str(quality)  # no text copied
        assert never is not None

    def test_participants_who_came_back(self, ops: LibOps, clock: ManualClock) -> None:
        _ask(ops, "card-1")
        _ask(ops, "card-1")  # a second question: came back
        _ask(ops, "card-2")
        session = ops.sessions.schedule(
            PLANNER,
            title="Reading circle",
            starts_at=START + timedelta(hours=1),
            ends_at=START + timedelta(hours=3),
            capacity=10,
            place="Reading room",
        )
        for subject in ("card-2", "card-3"):
            ops.sessions.register(
                PLANNER,
                session,
                participant=PersonalInfo(name="Reader"),
                consent=Consent("the circle", START),
                subject_id=subject,
            )
        ops.sessions.record_contribution(PLANNER, session, "card-3", "A" * 250)
        ops.sessions.record_contribution(PLANNER, session, "card-3", "A short note")
        quality = _quality(ops)
        # card-1 (two questions) and card-2 (a question and a session) came back; card-3 not
        assert (quality["returning"], quality["returning_share"]) == (2, "0.6667")
        assert quality["contribution_lengths"] == {"short": 1, "medium": 0, "long": 1}
        assert quality["median_contribution_length"] == "131"
        view = ops.projections.view("interactions")
        one: Any = view.get("participant:card-1")
        three: Any = view.get("participant:card-3")
        assert (one["interactions"], three["interactions"]) == (2, 1)

    def test_a_rebuild_gives_the_same_figures(self, ops: LibOps, clock: ManualClock) -> None:
        first = _ask(ops, "card-1")
        _ask(ops, "card-1")
        ops.questions.answer(PLANNER, first, "Yes.")
        before = _quality(ops)
        ops.projections.rebuild("interactions")
        assert _quality(ops) == before


class TestReport:
    @pytest.mark.parametrize(
        ("lang", "heading", "figures"),
        [
            (
                "en",
                "Quality of participation",
                "Questions answered well (answered without being escalated): 1 of 2 (50.00%)",
            ),
            ("zh", "参与质量", "优质答复（未被督办即答复）的提问 1 个，占提问总数 2 个的 50.00%"),
        ],
    )
    def test_the_interactions_section_shows_it(
        self, ops: LibOps, clock: ManualClock, lang: str, heading: str, figures: str
    ) -> None:
        from libops.report import build_report, render_markdown

        first = _ask(ops, "card-1")
        _ask(ops, "card-1")
        ops.questions.answer(PLANNER, first, "Yes, until 21:00.")
        report = build_report(ops)
        assert (report.interactions.answered_well, report.interactions.returning) == (1, 1)
        text = render_markdown(report, lang=lang)
        assert heading in text
        assert figures in text

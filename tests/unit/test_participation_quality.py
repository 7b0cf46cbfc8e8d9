"""The quality of participation in the interactions view (issue 17, item 2): answers and
contributions by length, questions answered well, participants who came back, winners."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from libops import LibOps, Period
from libops.adapters.clock import ManualClock
from libops.domain.personal import Consent, PersonalInfo
from libops.projections.interactions import length_bucket
from libops.report import build_report, render_markdown
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
        first = _ask(ops, "card-1")
        _ask(ops, "card-1")
        ops.questions.answer(PLANNER, first, "Yes, until 21:00.")
        report = build_report(ops)
        assert (report.interactions.answered_well, report.interactions.returning) == (1, 1)
        text = render_markdown(report, lang=lang)
        assert heading in text
        assert figures in text


# --- the report's period (issue 17: the quality figures count only the period's events) ----

QUALITY_FIELDS = (
    "answer_lengths",
    "contribution_lengths",
    "median_answer_length",
    "median_contribution_length",
    "answered_well",
    "answered_well_rate",
    "returning",
    "returning_share",
    "contest_winners",
    "quality_period",
    "quality_questions",
    "quality_participants",
    "featured",
    "rewarded",
)
WEEK = Period(date(2026, 4, 20), date(2026, 4, 26))
"""The report's period; START is 16:00 on 20 April in Shanghai."""


@pytest.fixture
def every_store(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    """libops on each kind of store (the view documents are stored differently)."""
    with LibOps.open(
        store_url, clock=clock, migrate=True, escalate_questions_after=timedelta(hours=1)
    ) as opened:
        yield opened


def _figures(ops: LibOps) -> dict[str, Any]:
    interactions = build_report(ops, period=WEEK).interactions
    return {name: getattr(interactions, name) for name in QUALITY_FIELDS}


def _week(ops: LibOps, clock: ManualClock) -> Any:
    """In the week: card-1 asks and is answered at once (well); card-2 asks, waits, is
    escalated and answered late, and registers for a session with card-3, who shares a note."""
    quick, late = _ask(ops, "card-1"), _ask(ops, "card-2")
    ops.questions.answer(PLANNER, quick, "Yes, until 21:00.")
    session = ops.sessions.schedule(
        PLANNER,
        title="Reading circle",
        starts_at=START + timedelta(hours=3),
        ends_at=START + timedelta(hours=5),
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
    clock.advance(timedelta(hours=2))
    assert len(ops.questions.escalate_overdue(ADMIN)) == 1
    ops.questions.answer(PLANNER, late, "Yes. " + "x" * 95)
    clock.advance(timedelta(hours=2))
    ops.sessions.record_contribution(PLANNER, session, "card-3", "A short note")
    return session


class TestTheReportsPeriod:
    def test_figures_of_the_period(self, every_store: LibOps, clock: ManualClock) -> None:
        _week(every_store, clock)
        figures = _figures(every_store)
        assert figures["quality_period"] == WEEK
        assert (figures["answered_well"], figures["quality_questions"]) == (1, 2)
        assert figures["answered_well_rate"] == Decimal("0.5")
        # card-2 took part twice (a question, a session); card-1 and card-3 once
        assert (figures["returning"], figures["quality_participants"]) == (1, 3)
        assert figures["answer_lengths"] == (("short", 1), ("medium", 1), ("long", 0))
        assert figures["contribution_lengths"] == (("short", 1), ("medium", 0), ("long", 0))

    def test_events_outside_the_period_change_nothing(
        self, every_store: LibOps, clock: ManualClock
    ) -> None:
        ops = every_store
        session = _week(ops, clock)
        before = _figures(ops)
        whole_history = _quality(ops)
        # 27 April 00:30 in Shanghai (26 April 16:30 UTC): the day after the period.
        clock.set(datetime(2026, 4, 26, 16, 30, tzinfo=UTC))
        again = _ask(ops, "card-1")  # card-1 would come back
        ops.questions.answer(PLANNER, again, "Yes.")  # answered well
        ops.sessions.record_contribution(PLANNER, session, "card-2", "L" * 300)
        waiting = _ask(ops, "card-4")
        clock.advance(timedelta(days=7))
        assert ops.questions.escalate_overdue(ADMIN) == (waiting,)  # escalated in May
        assert _figures(ops) == before
        # The same events do change the whole-history figures.
        assert _quality(ops) != whole_history
        assert _quality(ops)["returning"] == 2

    def test_the_last_evening_of_the_period_counts(
        self, every_store: LibOps, clock: ManualClock
    ) -> None:
        ops = every_store
        _week(ops, clock)
        clock.set(datetime(2026, 4, 26, 15, 30, tzinfo=UTC))  # 23:30 on 26 April in Shanghai
        again = _ask(ops, "card-1")
        ops.questions.answer(PLANNER, again, "Yes.")
        figures = _figures(ops)
        assert (figures["answered_well"], figures["quality_questions"]) == (2, 3)
        assert (figures["returning"], figures["quality_participants"]) == (2, 3)

    def test_a_question_escalated_in_the_period_and_never_answered_counts_against(
        self, every_store: LibOps, clock: ManualClock
    ) -> None:
        ops = every_store
        _ask(ops, "card-1")
        clock.advance(timedelta(hours=2))
        ops.questions.escalate_overdue(ADMIN)
        figures = _figures(ops)
        assert (figures["answered_well"], figures["quality_questions"]) == (0, 1)
        assert figures["answered_well_rate"] == Decimal(0)

    def test_nothing_in_the_period_leaves_the_quality_out(
        self, ops: LibOps, clock: ManualClock
    ) -> None:
        _week(ops, clock)
        interactions = build_report(
            ops, period=Period(date(2026, 5, 1), date(2026, 5, 31))
        ).interactions
        assert interactions.quality_period is None
        assert interactions.answer_lengths == ()
        text = render_markdown(
            build_report(ops, period=Period(date(2026, 5, 1), date(2026, 5, 31)))
        )
        assert "Quality of participation" not in text

    @pytest.mark.parametrize(
        ("lang", "said"),
        [
            ("en", "The quality figures count only what happened from 2026-04-20 to 2026-04-26"),
            ("zh", "参与质量指标只统计 2026-04-20 至 2026-04-26 期间发生的情况"),
        ],
    )
    def test_the_report_says_so(
        self, ops: LibOps, clock: ManualClock, lang: str, said: str
    ) -> None:
        _week(ops, clock)
        text = render_markdown(build_report(ops, period=WEEK), lang=lang)
        assert said in text
        figures = "1 of 2 (50.00%)" if lang == "en" else "占提问总数 2 个的 50.00%"
        assert figures in text

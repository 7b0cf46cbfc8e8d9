"""The report's satisfaction section: surveys in scope (by period, by campaign), CSAT, NPS with
its interval, response rates, and the change from the survey before of the same kind, in
English and in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from libops import LibOps, Period, SurveyQuestion
from libops.adapters.clock import ManualClock
from libops.report import build_report, render_markdown
from libops.report.sections import SurveyRow
from tests.actors import PLANNER

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
QUESTIONS = (
    SurveyQuestion("overall", "How satisfied are you?", "rating"),
    SurveyQuestion("recommend", "Would you recommend us?", "recommendation"),
)


def _account_survey(
    ops: LibOps, title: str, period: Period, answers: list[tuple[int, int]]
) -> UUID:
    survey = ops.surveys.create(
        PLANNER, title=title, target="account", period=period, questions=QUESTIONS, anonymous=True
    )
    ops.surveys.open(PLANNER, survey)
    for overall, recommend in answers:
        ops.surveys.record_response(
            PLANNER, survey, answers={"overall": overall, "recommend": recommend}
        )
    ops.surveys.close(PLANNER, survey)
    return survey


@pytest.fixture
def ops() -> Iterator[LibOps]:
    clock = ManualClock(datetime(2026, 5, 2, 8, 0, tzinfo=UTC))
    with LibOps.open("memory://", clock=clock) as opened:
        # March: 2 promoters, 2 detractors of 4 (NPS 0); CSAT 2 of 4.
        _account_survey(opened, "三月读者调查", MARCH, [(5, 10), (4, 9), (2, 3), (3, 5)])
        # April: 3 promoters, 1 passive of 4 (NPS 75); CSAT 4 of 4.
        _account_survey(opened, "四月读者调查", APRIL, [(5, 10), (4, 9), (5, 9), (4, 8)])
        clock.advance(timedelta(days=1))
        yield opened


class TestScope:
    def test_the_period_keeps_its_surveys_and_compares_with_the_one_before(
        self, ops: LibOps
    ) -> None:
        rows = build_report(ops, period=APRIL).satisfaction.surveys
        assert rows == (
            SurveyRow(
                title="四月读者调查",
                target="account",
                day=date(2026, 4, 30),
                responses=4,
                response_rate=None,
                csat=Decimal("1.0000"),
                nps=Decimal("75.0"),
                nps_low=Decimal("32.6"),
                nps_high=Decimal("100.0"),
                previous_title="三月读者调查",
                csat_change=Decimal("0.5000"),
                nps_change=Decimal("75.0"),
            ),
        )

    def test_the_first_survey_has_nothing_to_compare_with(self, ops: LibOps) -> None:
        rows = build_report(ops, period=MARCH).satisfaction.surveys
        assert [(r.title, r.previous_title, r.nps_change) for r in rows] == [
            ("三月读者调查", None, None)
        ]

    def test_without_a_period_every_opened_survey(self, ops: LibOps) -> None:
        ops.surveys.create(
            PLANNER, title="草稿", target="account", period=APRIL, questions=QUESTIONS
        )
        rows = build_report(ops).satisfaction.surveys
        assert [r.title for r in rows] == ["三月读者调查", "四月读者调查"]  # not the draft

    def test_a_campaign_report_keeps_the_surveys_of_the_campaign(self, ops: LibOps) -> None:
        campaign = ops.campaigns.plan(PLANNER, name="读书月", kind="topic", period=APRIL)
        survey = ops.surveys.create(
            PLANNER, title="读书月调查", target="campaign", target_id=campaign, questions=QUESTIONS
        )
        ops.surveys.open(PLANNER, survey)
        rows = build_report(ops, campaign_id=campaign).satisfaction.surveys
        assert [(r.title, r.target, r.responses, r.nps) for r in rows] == [
            ("读书月调查", "campaign", 0, None)
        ]


class TestRendering:
    def test_english(self, ops: LibOps) -> None:
        text = render_markdown(build_report(ops, period=APRIL), lang="en")
        assert "Reader satisfaction" in text
        assert (
            "| 四月读者调查 | The account | 2026-04-30 | 4 | — | 100.00% | +75.0 "
            "| +32.6 to +100.0 |"
        ) in text
        assert (
            "四月读者调查 (against 三月读者调查): change of CSAT in percentage points: +50.00; "
            "change of NPS: +75.0"
        ) in text

    def test_chinese(self, ops: LibOps) -> None:
        text = render_markdown(build_report(ops, period=APRIL), lang="zh")
        assert "读者满意度" in text
        assert "净推荐值" in text
        assert (
            "| 四月读者调查 | 账号整体 | 2026-04-30 | 4 | — | 100.00% | +75.0 | +32.6 至 +100.0 |"
        ) in text
        assert (
            "四月读者调查（对比三月读者调查）：满意度变化 +50.00 个百分点，净推荐值变化 +75.0"
            in text
        )

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_no_survey_in_scope_is_said(self, ops: LibOps, lang: str) -> None:
        january = Period(date(2026, 1, 1), date(2026, 1, 31))
        ops.campaigns.plan(PLANNER, name="寒假阅读", kind="topic", period=january)
        report = build_report(ops, period=january)
        text = render_markdown(report, lang=lang)
        expected = {"en": "No satisfaction survey", "zh": "本期没有读者满意度调查的记录"}[lang]
        assert expected in text

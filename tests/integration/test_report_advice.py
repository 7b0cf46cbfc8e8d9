"""Recommendations that hold up (issue 14): a trend only beyond the week-to-week noise and over
full weeks, weeks shown with their dates, a slot or content type advised only from enough
posts, costs compared like for like, and risk advice that counts and names open risks."""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from libops import LibOps, MetricSnapshot, PostVariant, ReviewChecklist
from libops import demo as demo_module
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.report import build_report, render_charts, render_markdown
from libops.report.findings import MIN_POSTS_FOR_BEST, _least_cost_effective, _review_risks
from libops.report.money_risks import comparable_costs
from libops.report.sections import Budgets, CostRow, Finding, Report, RiskRow, Risks
from libops.report.words import Words
from tests.actors import ADMIN, PLANNER, REVIEWER, TECH

D = Decimal
PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)

Plan = Sequence[tuple[str, datetime, int, int]]
"""Posts on WeChat: (content type, publish time in UTC, reads, likes)."""


@contextmanager
def _published(url: str, plan: Plan) -> Iterator[LibOps]:
    """A store at ``url`` where each post of ``plan`` was drafted, reviewed and published on
    WeChat, in time order, with its counts recorded a day after it went out."""
    clock = ManualClock(datetime(2026, 2, 1, tzinfo=UTC))
    wechat = SandboxPlatform("wechat", seed=1, clock=clock)
    readings = []
    with LibOps.open(url, clock=clock, gateways=[wechat], migrate=True) as ops:
        for content_type, at, reads, likes in sorted(plan, key=lambda p: p[1]):
            post = ops.posts.draft(
                PLANNER,
                title="Library news",
                body="What is on this week.",
                content_type=content_type,
                format="image_text",
                variants=[PostVariant("wechat", "What is on this week.", media=("cover.jpg",))],
            )
            ops.posts.submit_for_review(PLANNER, post)
            ops.posts.review(REVIEWER, post, PASSED, approve=True)
            clock.set(at)
            ops.publishing.publish(ADMIN, post, "wechat")
            readings.append(
                (post, MetricSnapshot("wechat", at + timedelta(days=1), reads=reads, likes=likes))
            )
        clock.set(max(s.observed_at for _, s in readings))
        for post, snapshot in readings:
            ops.posts.record_metrics(TECH, post, snapshot)
        yield ops


def _tuesdays(first: date, rates_per_mille: Sequence[int]) -> list[tuple[str, datetime, int, int]]:
    """One news post each Tuesday 09:00 Shanghai from the week of ``first``: 1,000 reads and
    the given likes (so the week's rate is likes / 1000)."""
    tuesday = first + timedelta(days=(1 - first.weekday()) % 7)
    return [
        (
            "news",
            datetime(tuesday.year, tuesday.month, tuesday.day, 1, tzinfo=UTC) + timedelta(weeks=i),
            1000,
            likes,
        )
        for i, likes in enumerate(rates_per_mille)
    ]


def _kinds(report: Report) -> list[str]:
    return [f.kind for f in report.recommendations]


def _finding(report: Report, kind: str) -> Finding:
    (found,) = [f for f in report.recommendations if f.kind == kind]
    return found


# --- the trend ------------------------------------------------------------------------------

FULL = (date(2026, 3, 2), date(2026, 5, 24))
"""Twelve full ISO weeks, Monday 2 March to Sunday 24 May 2026 (W10 to W21)."""

NOISY = (89, 58, 86, 61, 82, 64, 79, 59, 80, 62, 76, 60)
"""Weekly rates (per mille) swinging between 5.8% and 8.9% with a slight fall: the issue's
case of a slope of about -0.09 points a week that is only noise."""

DECLINE = (90, 86, 83, 78, 74, 71, 66, 62, 58, 55, 51)
"""Eleven weekly rates falling steadily from 9.0% to 5.1%."""


@pytest.fixture
def noisy() -> Iterator[LibOps]:
    with _published("memory://", _tuesdays(FULL[0], NOISY)) as ops:
        yield ops


class TestNoise:
    def test_a_noisy_flat_series_gives_no_trend_advice(self, noisy: LibOps) -> None:
        """The slope is negative, but the Mann-Kendall test finds it within the noise: the
        report says "no clear trend" and does not advise refreshing the content plan."""
        report = build_report(noisy, period=FULL)
        eng = report.engagement
        assert eng.trend_weeks == 12
        assert eng.partial_weeks == 0
        assert eng.trend_direction == "falling"
        assert eng.trend_slope is not None
        assert Decimal("-0.002") < eng.trend_slope < 0
        assert eng.trend_significant is False
        assert eng.trend_p_value is not None
        assert eng.trend_p_value > Decimal("0.05")
        assert eng.trend_ci_low is not None
        assert eng.trend_ci_high is not None
        assert eng.trend_ci_low < 0 < eng.trend_ci_high
        assert (eng.trend_rate_low, eng.trend_rate_high) == (Decimal("0.058"), Decimal("0.089"))
        assert "falling_trend" not in _kinds(report)
        en = render_markdown(report, lang="en")
        assert "no clear trend over 12 full weeks" in en
        assert "weekly rates from 5.80% to 8.90%" in en
        assert "Mann-Kendall test p = " in en
        assert "not significant at 0.05" in en
        assert "refresh the content plan" not in en
        zh = render_markdown(report, lang="zh")
        assert "12 个完整周内无明显趋势" in zh
        assert "不显著" in zh
        assert "置信区间" in zh


@pytest.mark.parametrize("store", ["memory", "sqlite", "postgresql"])
class TestDecline:
    def test_a_clear_decline_is_advised_on_citing_the_test(
        self, store: str, tmp_path: Path, request: pytest.FixtureRequest
    ) -> None:
        """Eleven full weeks falling steadily, between two partial weeks whose rates would
        pull the line the other way: the partial weeks are shown, marked and left out; the
        advice cites the test, its p-value, the slope's interval and the full weeks."""
        from tests.conftest import make_store_url

        url = make_store_url(store, tmp_path, request)
        # Period Wednesday 25 February to Wednesday 20 May: W09 and W21 are partial.
        period = (date(2026, 2, 25), date(2026, 5, 20))
        plan = [
            ("news", datetime(2026, 2, 26, 1, tzinfo=UTC), 1000, 10),  # W09, partial: 1%
            *_tuesdays(date(2026, 3, 2), DECLINE),  # W10 .. W20
            ("news", datetime(2026, 5, 19, 1, tzinfo=UTC), 1000, 200),  # W21, partial: 20%
        ]
        with _published(url, plan) as ops:
            report = build_report(ops, period=period)
        eng = report.engagement
        assert [(r.key, r.full) for r in eng.by_week][:2] == [
            ("2026-W09", False),
            ("2026-W10", True),
        ]
        assert eng.by_week[-1].key == "2026-W21"
        assert not eng.by_week[-1].full
        assert (eng.trend_weeks, eng.partial_weeks) == (11, 2)
        assert (eng.trend_rate_low, eng.trend_rate_high) == (Decimal("0.051"), Decimal("0.09"))
        assert eng.trend_significant is True
        assert eng.trend_test == "mann-kendall"
        assert eng.trend_method == "exact"
        # Strictly falling: S = -55, and only the two monotone orderings are as extreme.
        assert eng.trend_p_value == Decimal(2) / Decimal(39916800)
        assert eng.trend_ci_high is not None
        assert eng.trend_ci_high < 0
        found = _finding(report, "falling_trend")
        assert found.figure("weeks") == 11
        assert found.figure("p_value") == eng.trend_p_value
        assert found.figure("ci_low") == eng.trend_ci_low
        en = html.unescape(render_markdown(report, lang="en"))
        assert "Engagement rate fell over 11 full weeks" in en
        assert "Mann-Kendall test p < 0.001" in en
        assert "95% confidence interval" in en
        assert "| 23 Feb – 1 Mar 2026 (W9, partial) |" in en
        assert "| 2 Mar – 8 Mar 2026 (W10) |" in en
        assert "2 partial weeks at the edges of the period" in en
        zh = html.unescape(render_markdown(report, lang="zh"))
        assert "| 2026年2月23日—3月1日（第9周，不完整周） |" in zh
        assert "互动率在 11 个完整周内下降" in zh
        assert "曼-肯德尔检验 p < 0.001" in zh
        assert "趋势显著" in zh


class TestWithoutThePeriodsEdges:
    def test_a_trend_over_the_partial_weeks_only_is_not_a_trend(self, tmp_path: Path) -> None:
        """Without a period the data's span is the period: a Wednesday-to-Wednesday span of
        two weeks has no full week, so there is no trend and no advice on it."""
        plan = [
            ("news", datetime(2026, 3, 4, 1, tzinfo=UTC), 1000, 90),
            ("news", datetime(2026, 3, 11, 1, tzinfo=UTC), 1000, 10),
        ]
        with _published("memory://", plan) as ops:
            report = build_report(ops)
        eng = report.engagement
        assert [r.full for r in eng.by_week] == [False, False]
        assert eng.trend_slope is None
        assert eng.trend_weeks == 0
        assert "falling_trend" not in _kinds(report)
        assert "0 full weeks with a rate; a trend needs at least 2" in render_markdown(report)


class TestWeeklyChart:
    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_the_chart_is_labelled_by_dates(
        self, noisy: LibOps, lang: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The weekly trend chart's axis shows each week's Monday ("2 Mar", "3月2日"), not
        W10, and the year in the axis title."""
        from libops.report import charts

        seen: list[str] = []
        original = charts._weekly_trend

        def spy(axes: object, weeks: object, w: object) -> None:
            original(axes, weeks, w)  # type: ignore[arg-type]
            seen.extend(t.get_text() for t in axes.get_xticklabels())  # type: ignore[attr-defined]
            seen.append(axes.get_xlabel())  # type: ignore[attr-defined]

        monkeypatch.setitem(
            charts._CHARTS, "weekly_trend", charts._Chart(charts._CHARTS["weekly_trend"].rows, spy)
        )
        render_charts(build_report(noisy, period=FULL, lang=lang))
        expected = {
            "en": ("2 Mar", "Week beginning (2026)"),
            "zh": ("3月2日", "周起始日（2026年）"),
        }
        first, axis = expected[lang]
        assert seen[0] == first
        assert seen[-1] == axis
        assert not any("W1" in label for label in seen)
        # To a Wednesday: the last week is partial, starred, and the axis says why.
        seen.clear()
        render_charts(build_report(noisy, period=(FULL[0], date(2026, 5, 20)), lang=lang))
        partial = {
            "en": ("18 May*", "Week beginning (2026; * partial week, not in the trend)"),
            "zh": ("5月18日*", "周起始日（2026年；*为不完整周，未计入趋势）"),
        }
        assert (seen[-2], seen[-1]) == partial[lang]


# --- how many posts before advising a slot or a content type -------------------------------


def _day(day: int, hour_utc: int) -> datetime:
    return datetime(2026, 3, day, hour_utc, tzinfo=UTC)


def _slots(two_post_slot: bool) -> list[tuple[str, datetime, int, int]]:
    """News at 09:00 (Shanghai) x5 at 5%, knowledge at 20:00 x5 at 3%, and (if asked)
    interactive at 12:00 x2 at 20%."""
    plan = [("news", _day(2 + i, 1), 1000, 50) for i in range(5)]
    plan += [("knowledge", _day(2 + i, 12), 1000, 30) for i in range(5)]
    if two_post_slot:
        plan += [("interactive", _day(9 + i, 4), 1000, 200) for i in range(2)]
    return plan


class TestSampleSize:
    def test_a_two_post_slot_is_not_advised(self, tmp_path: Path) -> None:
        """The 2-post slot has by far the best rate but too few posts: the advice is the
        best slot of those with at least MIN_POSTS_FOR_BEST posts, and says so."""
        with _published("memory://", _slots(two_post_slot=True)) as ops:
            report = build_report(ops)
        best = _finding(report, "best_slot")
        assert (best.figure("content_type"), best.figure("hour"), best.figure("posts")) == (
            "news",
            9,
            5,
        )
        assert best.figure("compared") == 2
        assert best.figure("left_out") == 1
        assert best.figure("minimum") == MIN_POSTS_FOR_BEST == 5
        assert best.figure("next_rate") == Decimal("0.03")
        weakest = _finding(report, "weakest_content")
        assert (weakest.figure("content_type"), weakest.figure("best_content_type")) == (
            "knowledge",
            "news",
        )
        assert weakest.figure("compared") == 2
        en = render_markdown(report, lang="en")
        assert "5.00% from 5 posts" in en
        assert "with at least 5 posts each; not compared: 1 slot with fewer." in en
        zh = render_markdown(report, lang="zh")
        assert "5 条发布的互动率为 5.00%" in zh
        assert "不足 5 条，未参与比较" in zh

    def test_one_slot_with_enough_posts_is_not_a_comparison(self, tmp_path: Path) -> None:
        """Only one slot (and one content type) has five posts: nothing to compare it with,
        so no best slot and no weakest content type."""
        plan = [p for p in _slots(two_post_slot=True) if p[0] != "knowledge"]
        with _published("memory://", plan) as ops:
            report = build_report(ops)
        assert "best_slot" not in _kinds(report)
        assert "weakest_content" not in _kinds(report)


# --- costs compared like for like, and the risks advised on --------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo's quarter: three campaigns with budget lines, one of them with a KOL
    partner on Weibo, risks of every level."""
    url = f"sqlite:///{tmp_path_factory.mktemp('advice') / 'demo.db'}"
    demo_module.run_demo(url, seed=5, posts=12, days=14)
    return url


class TestCosts:
    def test_campaigns_are_compared_with_campaigns_only(self, demo: str) -> None:
        """The least cost-effective spending is the dearest campaign per engagement, among
        the campaigns; the KOL's fee on one platform is never ranked against them."""
        with LibOps.open(demo) as ops:
            report = build_report(ops)
        campaigns = [
            c
            for c in report.budgets.costs
            if c.kind == "campaign" and c.cost_per_engagement is not None
        ]
        kols = [c for c in report.budgets.costs if c.kind == "kol"]
        assert len(campaigns) >= 2
        assert len(kols) == 1
        found = [f for f in report.recommendations if f.kind == "least_cost_effective"]
        assert len(found) == 1
        (least,) = found
        dearest = max(campaigns, key=lambda c: c.cost_per_engagement or 0)
        cheapest = min(campaigns, key=lambda c: c.cost_per_engagement or 0)
        assert least.figure("kind") == "campaign"
        assert least.figure("platform") is None
        assert least.figure("subject") == dearest.subject
        assert least.figure("best_subject") == cheapest.subject
        assert least.figure("compared") == len(campaigns)
        assert kols[0].subject not in (least.figure("subject"), least.figure("best_subject"))

    def test_the_only_campaign_is_not_the_least_cost_effective(self, demo: str) -> None:
        """A report of one campaign (with its KOL): one campaign row and one KOL row, two
        kinds of spending, nothing comparable: no cost advice."""
        with LibOps.open(demo) as ops:
            overall = build_report(ops)
            kol = next(c.campaign_id for c in overall.budgets.costs if c.kind == "kol")
            report = build_report(ops, campaign_id=kol)
        assert sorted(c.kind for c in report.budgets.costs) == ["campaign", "kol"]
        assert "least_cost_effective" not in _kinds(report)


class TestRiskAdvice:
    def test_open_serious_risks_are_counted_and_named(self, demo: str) -> None:
        """The advice counts the open high or critical risks and names at most three of
        them, highest score first, in the report's language."""
        with LibOps.open(demo) as ops:
            report = build_report(ops)
        serious = [
            r for r in report.risks.risks if r.status == "open" and r.level in ("high", "critical")
        ]
        assert serious
        advice = _finding(report, "review_risks")
        assert advice.figure("serious") == len(serious)
        titles = advice.figure("titles")
        assert isinstance(titles, tuple)
        assert 1 <= len(titles) <= 3
        assert titles[0] == serious[0].title
        assert set(titles) <= {r.title for r in serious}
        en = render_markdown(report, lang="en")
        assert f"such as {titles[0]}" in en


# --- the rules on figures made by hand ------------------------------------------------------


def _cost(
    kind: str, subject: str, platform: str | None, cpe: str, currency: str = "CNY"
) -> CostRow:
    return CostRow(kind, subject, platform, currency, D("100"), 10, 1, D(cpe), D("100"))


class TestComparableCosts:
    def test_groups_by_kind_platform_and_currency(self) -> None:
        """Campaigns with campaigns, Weibo KOLs with Weibo KOLs, one currency at a time;
        rows without a cost per engagement are not compared."""
        rows = [
            _cost("kol", "@a", "weibo", "3"),
            _cost("campaign", "Spring", None, "2"),
            _cost("kol", "@b", "douyin", "1"),
            _cost("campaign", "Summer", None, "5"),
            _cost("kol", "@c", "weibo", "4"),
            _cost("campaign", "Autumn", None, "9", currency="EUR"),
            attrs.evolve(_cost("campaign", "Winter", None, "1"), cost_per_engagement=None),
        ]
        groups = [[r.subject for r in g] for g in comparable_costs(rows)]
        assert groups == [["Spring", "Summer"], ["Autumn"], ["@b"], ["@a", "@c"]]

    def test_only_groups_of_two_or_more_are_advised_on(self) -> None:
        """The dearest of each comparable group; a KOL cheaper or dearer than every campaign
        is never ranked against them; a group whose costs are all equal has no worst."""
        costs = (
            _cost("campaign", "Spring", None, "2"),
            _cost("campaign", "Summer", None, "5"),
            _cost("kol", "@a", "weibo", "50"),
            _cost("kol", "@b", "douyin", "7"),
            _cost("kol", "@c", "douyin", "7"),
        )
        budgets = Budgets((), (), (), costs)
        found = [f.as_dict() for f in _least_cost_effective(budgets)]
        assert [(f["subject"], f["best_subject"], f["compared"]) for f in found] == [
            ("Summer", "Spring", 2)
        ]


def _risk(title: str, level: str, status: str = "open", score: int = 12) -> RiskRow:
    return RiskRow(title, "content", 3, 4, score, level, status, False)


class TestReviewRisks:
    def test_counts_open_serious_risks_and_names_three(self) -> None:
        """Closed and low or medium risks are not counted; titles shared by automatic risks
        of one cause are named once; at most three, highest score first."""
        rows = (
            _risk("A", "critical", score=20),
            _risk("B", "high", "closed", score=16),
            _risk("C", "high", score=15),
            _risk("C", "high", score=15),
            _risk("D", "high", score=12),
            _risk("E", "high", score=10),
            _risk("F", "medium", score=6),
        )
        risks = Risks((), (), open_risks=6, escalated=1, risks=rows, open_incidents=(), signals=())
        (finding,) = _review_risks(risks)
        assert finding.as_dict() == {
            "serious": 5,
            "open": 6,
            "escalated": 1,
            "titles": ("A", "C", "D"),
        }
        none_open = attrs.evolve(risks, risks=(_risk("B", "high", "closed"),))
        assert _review_risks(none_open) == []

    @pytest.mark.parametrize(
        ("lang", "text"),
        [
            ("en", "such as Personal data in a draft post; C"),
            ("zh", "如：待审帖子草稿含个人信息；C"),
        ],
    )
    def test_titles_are_worded_in_the_language(self, lang: str, text: str) -> None:
        finding = Finding.of(
            "review_risks",
            serious=2,
            open=2,
            escalated=0,
            titles=("Personal data in a draft post", "C"),
        )
        assert text in Words(lang).finding(finding)


class TestPValues:
    @pytest.mark.parametrize(
        ("value", "en"),
        [("0.0312", "p = 0.0312"), ("0.5", "p = 0.5"), ("1", "p = 1"), ("0.000049", "p < 0.001")],
    )
    def test_shown(self, value: str, en: str) -> None:
        assert Words("en").p_value(D(value)) == en
        assert Words("zh").p_value(D(value)) == en

"""Reproducible reports: the same data gives the same bytes, whatever the random ids.

Two ``libops demo`` runs with one seed on two fresh stores record the same history under
different random ids (uuid4); their reports, Markdown and HTML with the charts embedded, in
English and Chinese, must be byte for byte the same. Both stores are the relative SQLite URL
``sqlite:///demo.db``, each opened from its own directory, so the store line reads the same.
Campaigns that share a name stay apart: keyed by id, labelled with their dates.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from libops import Actor, KolPartner, LibOps, Money, Period, Platform, Role
from libops.adapters.clock import ManualClock
from libops.demo import run_demo
from libops.report import Report, build_report, render_charts, render_html, render_markdown
from libops.report.charts import cjk_font

SEED = 7
POSTS = 6
DAYS = 7
URL = "sqlite:///demo.db"


@contextmanager
def _inside(directory: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


def demo_report(directory: Path, *, seed: int = SEED) -> tuple[Report, list[str]]:
    """Run the small demo on a fresh store in ``directory`` and build its report; with the
    campaigns' ids (random, different from one store to the next)."""
    with _inside(directory):
        run_demo(URL, seed=seed, posts=POSTS, days=DAYS, project=True)
        with LibOps.open(URL) as ops:
            report = build_report(ops)
    return report, [c.id for c in report.background.campaigns]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Report, list[str]]:
    """The same demo on two fresh stores: the two reports, and both stores' campaign ids."""
    first, first_ids = demo_report(tmp_path_factory.mktemp("first"))
    second, second_ids = demo_report(tmp_path_factory.mktemp("second"))
    return first, second, first_ids + second_ids


def _languages() -> list[str]:
    return ["en", "zh"] if cjk_font() is not None else ["en"]


def _rendered(report: Report, lang: str) -> tuple[str, str, dict[str, bytes]]:
    charts = render_charts(report, lang=lang)
    return (
        render_markdown(report, lang=lang),
        render_html(report, lang=lang, charts=charts),
        charts,
    )


class TestSameBytes:
    @pytest.mark.parametrize("lang", _languages())
    def test_rendering_twice(self, two_runs: tuple[Report, Report, list[str]], lang: str) -> None:
        """One report rendered twice: the same Markdown, HTML and chart bytes."""
        report = two_runs[0]
        assert _rendered(report, lang) == _rendered(report, lang)

    def test_building_twice(self, tmp_path: Path) -> None:
        """One store read twice: the same report, the same Markdown and HTML."""
        with _inside(tmp_path):
            run_demo(URL, seed=SEED, posts=POSTS, days=DAYS, project=True)
            with LibOps.open(URL) as ops:
                first = build_report(ops)
            with LibOps.open(URL) as ops:
                second = build_report(ops)
        assert first == second
        assert render_markdown(first) == render_markdown(second)
        assert render_html(first) == render_html(second)

    @pytest.mark.parametrize("lang", _languages())
    def test_two_stores_one_seed(
        self, two_runs: tuple[Report, Report, list[str]], lang: str
    ) -> None:
        """Two demo stores, one seed, different random ids: byte-identical reports."""
        first, second, ids = two_runs
        assert len(set(ids)) == len(ids) == 2 * len(first.background.campaigns) > 1
        md_a, html_a, charts_a = _rendered(first, lang)
        md_b, html_b, charts_b = _rendered(second, lang)
        assert md_a == md_b
        assert html_a == html_b
        assert charts_a == charts_b
        for campaign_id in ids:  # a reader needs no random id; the report shows none
            assert campaign_id not in md_a
            assert campaign_id not in html_a

    def test_campaigns_in_order_of_dates_and_names(
        self, two_runs: tuple[Report, Report, list[str]]
    ) -> None:
        """Campaigns, and everything per campaign, follow the campaigns' dates and names."""
        report = two_runs[0]
        campaigns = report.background.campaigns
        keys = [(c.start, c.end, c.name) for c in campaigns]
        assert keys == sorted(keys)
        order = [c.id for c in campaigns]
        goal_order = list(dict.fromkeys(g.campaign_id for g in report.goals))
        assert goal_order == [c for c in order if c in goal_order]
        budget_order = [r.campaign_id for r in report.budgets.by_campaign]
        assert budget_order == [c for c in order if c in budget_order]


# --- campaigns that share a name ------------------------------------------------------------

OWNER = Actor("zhou.min", [Role.BUDGET_OWNER])
PLANNER = Actor("li.na", [Role.CONTENT_PLANNER])
ADMIN = Actor("chen.jie", [Role.OPERATIONS_ADMIN])
Q2 = Period(date(2026, 4, 1), date(2026, 6, 30))
Q3 = Period(date(2026, 7, 1), date(2026, 9, 30))


def _kol_campaign(
    ops: LibOps, budget_id: str, period: Period, allocated: int, fee: int, *, spend: bool
) -> str:
    """A campaign called "KOL" with ``allocated`` on its partnerships line and @bookworm
    engaged for ``fee`` (paid when ``spend``)."""
    campaign_id = str(ops.campaigns.plan(PLANNER, name="KOL", kind="kol", period=period))
    ops.budgets.allocate(
        OWNER, budget_id, "partnerships", Money(allocated), campaign_id=campaign_id
    )
    partner = KolPartner("@bookworm", Platform.DOUYIN, 120_000, ["2 videos"], Money(fee))
    reference = ops.campaigns.engage_kol_partner(PLANNER, campaign_id, partner, budget_id=budget_id)
    if spend:
        ops.budgets.record_expense(
            ADMIN,
            budget_id,
            vendor="@bookworm",
            invoice_reference=f"BW-{campaign_id[:8]}",
            amount=Money(fee),
            category="partnerships",
            campaign_id=campaign_id,
            settles=reference,
        )
    return campaign_id


@contextmanager
def _store() -> Iterator[tuple[LibOps, str]]:
    clock = ManualClock(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    with LibOps.open("memory://", clock=clock) as ops:
        budget_id = ops.budgets.open(
            OWNER, name="Social media 2026", period=Period(date(2026, 1, 1), date(2026, 12, 31))
        )
        yield ops, str(budget_id)


class TestCampaignsSharingAName:
    def test_two_rows_told_apart_by_their_dates(self) -> None:
        """Two "KOL" campaigns with other budgets: two rows, each with its own figures,
        labelled with the campaign's dates, in every per-campaign table."""
        with _store() as (ops, budget_id):
            spring = _kol_campaign(ops, budget_id, Q2, 10_000, 8_000, spend=True)
            summer = _kol_campaign(ops, budget_id, Q3, 23_000, 5_000, spend=False)
            report = build_report(ops)
        spring_label = "KOL (2026-04-01 – 2026-06-30)"
        summer_label = "KOL (2026-07-01 – 2026-09-30)"
        assert [(c.id, c.label) for c in report.background.campaigns] == [
            (spring, spring_label),
            (summer, summer_label),
        ]
        rows = {r.campaign_id: r for r in report.budgets.by_campaign}
        assert len(report.budgets.by_campaign) == len(rows) == 2
        assert (rows[spring].subject, rows[summer].subject) == (spring_label, summer_label)
        assert (rows[spring].allocated, rows[spring].committed, rows[spring].spent) == (
            Decimal("10000.00"),
            Decimal("0.00"),
            Decimal("8000.00"),
        )
        assert (rows[summer].allocated, rows[summer].committed, rows[summer].spent) == (
            Decimal("23000.00"),
            Decimal("5000.00"),
            Decimal("0.00"),
        )
        assert rows[summer].available == Decimal("18000.00")
        kol = [(c.subject, c.spent, c.campaign_id) for c in report.budgets.costs if c.kind == "kol"]
        assert kol == [
            (f"@bookworm · {spring_label}", Decimal("8000.00"), spring),
            (f"@bookworm · {summer_label}", Decimal("5000.00"), summer),
        ]
        campaign_costs = {c.campaign_id: c for c in report.budgets.costs if c.kind == "campaign"}
        assert campaign_costs[spring].subject == spring_label
        assert campaign_costs[spring].spent == Decimal("8000.00")

        markdown = render_markdown(report)
        assert f"| {spring_label} | CNY | 10,000.00 | 0.00 | 8,000.00 | 2,000.00 |" in markdown
        assert f"| {summer_label} | CNY | 23,000.00 | 5,000.00 | 0.00 | 18,000.00 |" in markdown
        assert "| KOL | CNY" not in markdown

    def test_same_name_and_dates_are_numbered(self) -> None:
        """Same name, same dates: the labels are numbered, the figures stay each one's."""
        with _store() as (ops, budget_id):
            first = _kol_campaign(ops, budget_id, Q2, 10_000, 1_000, spend=False)
            second = _kol_campaign(ops, budget_id, Q2, 12_000, 1_000, spend=False)
            report = build_report(ops)
        labels = [c.label for c in report.background.campaigns]
        assert labels == [
            "KOL (2026-04-01 – 2026-06-30) #1",
            "KOL (2026-04-01 – 2026-06-30) #2",
        ]
        allocated = {r.campaign_id: (r.subject, r.allocated) for r in report.budgets.by_campaign}
        label_of = {c.id: c.label for c in report.background.campaigns}
        assert allocated == {
            first: (label_of[first], Decimal("10000.00")),
            second: (label_of[second], Decimal("12000.00")),
        }

    def test_a_name_alone_when_it_is_unique(self) -> None:
        """A campaign whose name no other campaign has is labelled by its name alone."""
        with _store() as (ops, budget_id):
            _kol_campaign(ops, budget_id, Q2, 10_000, 1_000, spend=False)
            report = build_report(ops)
        assert [c.label for c in report.background.campaigns] == ["KOL"]
        assert [r.subject for r in report.budgets.by_campaign] == ["KOL"]
        assert [c.subject for c in report.budgets.costs if c.kind == "kol"] == ["@bookworm"]


# --- every kind of store --------------------------------------------------------------------

GOLDEN_EN = Path(__file__).resolve().parents[1] / "golden" / "report_en.md"


def _without_store(markdown: str) -> str:
    """The report with its store's URL (the one line naming it) left out."""
    return re.sub(r"^Store: [^;\n]*;", "Store: <store>;", markdown, count=1, flags=re.M)


def test_every_kind_of_store_gives_the_golden_report(store_url: str, tmp_path: Path) -> None:
    """The golden report's scenario on memory, SQLite and PostgreSQL: each store returns its
    views in its own order, and the report is the golden one but for the store's URL."""
    out = tmp_path / "report"
    run_demo(store_url, seed=SEED, posts=POSTS, days=DAYS, report_dir=out, lang="en")
    written = (out / "report-en.md").read_text(encoding="utf-8")
    golden = GOLDEN_EN.read_text(encoding="utf-8")
    assert "Store: sqlite:///demo.db;" in golden
    assert _without_store(written) == _without_store(golden)

"""The report's follower growth (粉丝增长): new, lost, net, totals and growth rate per platform
over the report's period, from the accounts' imported daily figures (the followers view)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from libops import LibOps, Period
from libops.adapters.clock import ManualClock
from libops.adapters.importers import read_export
from libops.demo.exports import USER_GROWTH, export_path
from libops.report import build_report, render_markdown
from libops.report.sections import FollowerGrowthRow
from libops.report.strings_en import STRINGS as STRINGS_EN
from libops.report.strings_zh import STRINGS as STRINGS_ZH
from tests.actors import ADMIN, PLANNER

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))


def _expected(first: date, last: date) -> FollowerGrowthRow:
    """The period's figures summed by hand from the export's rows."""
    days = [
        r.figures
        for r in read_export(export_path(USER_GROWTH)).followers
        if first <= r.figures.day <= last
    ]
    net = sum(d.net or 0 for d in days)
    before = (days[0].total or 0) - (days[0].net or 0)
    return FollowerGrowthRow(
        platform="wechat",
        days=len(days),
        gained=sum(d.gained or 0 for d in days),
        lost=sum(d.lost or 0 for d in days),
        net=net,
        start_total=before,
        end_total=days[-1].total,
        growth_rate=Decimal(net) / Decimal(before),
    )


@pytest.fixture
def imported(ops: LibOps, clock: ManualClock) -> LibOps:
    """A store (memory, SQLite, PostgreSQL) holding the demo's WeChat user-growth export."""
    clock.set(datetime(2026, 7, 10, 1, 0, tzinfo=UTC))
    ops.imports.run(ADMIN, export_path(USER_GROWTH))
    return ops


class TestFollowerGrowth:
    def test_the_periods_figures_from_the_imported_days(self, imported: LibOps) -> None:
        """April's row sums April's days: gained, lost, net, the total before the first day
        and on the last, and the growth rate net / total before."""
        report = build_report(imported, period=APRIL)
        assert report.followers.rows == (_expected(APRIL.start, APRIL.end),)
        assert report.followers.period_days == 30
        assert not report.is_empty  # imported follower figures are something recorded

    def test_shown_in_both_languages(self, imported: LibOps) -> None:
        """The section's heading, the net change with its sign and the growth rate, in English
        and in Chinese."""
        report = build_report(imported, period=APRIL)
        row = report.followers.rows[0]
        rate = f"{row.growth_rate * 100:,.2f}%" if row.growth_rate is not None else ""
        for lang, strings in (("en", STRINGS_EN), ("zh", STRINGS_ZH)):
            text = render_markdown(report, lang=lang)
            assert strings["h.followers"] in text
            assert strings["col.follower_growth"] in text
            assert f"| {row.net:+,} |" in text
            assert rate in text
            assert f"{row.end_total:,}" in text

    def test_a_period_without_figures_says_so(self, imported: LibOps) -> None:
        """Before the export's first day there is no row, and the section says how to get
        one."""
        imported.campaigns.plan(
            PLANNER,
            name="Winter reading",
            kind="topic",
            period=Period(date(2025, 12, 1), date(2025, 12, 20)),
            platforms=["wechat"],
        )
        report = build_report(imported, period=(date(2025, 12, 1), date(2025, 12, 31)))
        assert report.followers.rows == ()
        assert STRINGS_EN["p.no_followers"] in render_markdown(report, lang="en")

    def test_no_import_no_row(self, ops: LibOps) -> None:
        """A store without imported figures has no follower growth."""
        ops.campaigns.plan(
            PLANNER,
            name="Spring reading",
            kind="topic",
            period=APRIL,
            platforms=["wechat"],
        )
        report = build_report(ops, period=APRIL)
        assert report.followers.rows == ()
        assert report.followers.period_days == 30

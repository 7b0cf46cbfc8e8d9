"""The demo imports its library's own WeChat back-office exports (shipped with libops) after the
simulated quarter: follower days always, the article totals in the default scenario."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from libops import LibOps, Period
from libops.adapters.importers import read_export
from libops.adapters.storage import STORE_ENV_VAR
from libops.cli import app
from libops.demo import DemoSummary, run_demo, summary_lines
from libops.demo.exports import (
    ARTICLE_TOTALS,
    USER_GROWTH,
    ImportSummary,
    export_path,
    import_lines,
)
from libops.demo.setting import TEAM
from libops.domain.post import Post
from libops.domain.values import Platform
from libops.report import build_report


@pytest.fixture(autouse=True)
def _no_store_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, DemoSummary]:
    """The default demo (the scenario the shipped article totals are of), projections run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo-import')}/demo.db"
    return url, run_demo(url, project=True)


def _by_file(summary: DemoSummary) -> dict[str, Any]:
    return {item.file: item for item in summary.imports}


class TestShippedExports:
    def test_the_files_are_package_data_in_the_back_office_layouts(self) -> None:
        """Both files ship with the package and read as a WeChat user-growth export (a day per
        row of 2026 H1) and a per-article totals export."""
        growth = read_export(export_path(USER_GROWTH))
        assert [row.figures.day for row in growth.followers][:: len(growth.followers) - 1] == [
            date(2026, 1, 1),
            date(2026, 6, 30),
        ]
        assert len(growth.followers) == 181
        assert not growth.rows
        articles = read_export(export_path(ARTICLE_TOTALS))
        assert {row.platform for row in articles.rows} == {Platform.WECHAT}
        assert min(r.published_at for r in articles.rows if r.published_at).date() < date(
            2026, 4, 1
        )
        assert export_path(ARTICLE_TOTALS).read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # BIFF8


class TestDefaultScenario:
    def test_every_wechat_post_of_the_demo_is_matched(
        self, default_run: tuple[str, DemoSummary]
    ) -> None:
        """The article totals match each WeChat post the demo published (by URL) and record
        the others (Q1, before libops, and three by hand) as published outside libops."""
        url, summary = default_run
        articles = _by_file(summary)[ARTICLE_TOTALS]
        with LibOps.open(url) as ops:
            page = ops.posts.list(platform=Platform.WECHAT, limit=200)
            external = [r for r in page.items if ops.posts.get(r["id"]).external]
        assert articles.imported
        assert articles.changes > 0
        assert articles.matched == len(page.items) - len(external) == 44
        assert articles.new == len(external) == 23
        growth = _by_file(summary)[USER_GROWTH]
        assert (growth.follower_days, growth.first_day, growth.last_day) == (
            181,
            "2026-01-01",
            "2026-06-30",
        )

    def test_matched_posts_keep_what_the_file_does_not_give(
        self, default_run: tuple[str, DemoSummary]
    ) -> None:
        """The export has no likes column: the matched posts keep their likes and comments
        (the import records no correction), and take the file's higher reads."""
        url, _summary = default_run
        rows = {row.url: row for row in read_export(export_path(ARTICLE_TOTALS)).rows if row.url}
        with LibOps.open(url) as ops:
            corrected_by_import = [
                n
                for n in ops.app.recorder.select_notifications(
                    1, 10**6, topics=[Post.MetricsCorrected.TOPIC]
                )
                if ops.app.mapper.to_domain_event(n).actor_id == TEAM["admin"].id  # type: ignore[attr-defined]
            ]
            liked = 0
            for item in ops.posts.list(platform=Platform.WECHAT, limit=200).items:
                post = ops.posts.get(item["id"])
                receipt = post.receipt(Platform.WECHAT)
                latest = post.latest_metrics(Platform.WECHAT)
                assert receipt is not None
                assert latest is not None
                assert latest.reads == rows[receipt.url].counts["reads"]
                liked += latest.likes > 0
        assert corrected_by_import == []
        assert liked >= 40

    def test_the_report_keeps_the_quarter_and_compares_with_imported_history(
        self, default_run: tuple[str, DemoSummary]
    ) -> None:
        """The report's period is still the simulated quarter (the span of what libops
        published); the Q1 articles are the previous period it compares with."""
        url, summary = default_run
        with LibOps.open(url) as ops:
            report = build_report(ops)
        assert report.background.period == Period(date(2026, 4, 1), date(2026, 6, 30))
        # The three articles published by hand in the quarter count in the report, and the
        # summary says so.
        assert _by_file(summary)[ARTICLE_TOTALS].outside_in_period == 3
        assert report.execution.posts_total == summary.published + 3
        assert any(
            "and 3 posts published by hand outside libops" in line
            and f"the report counts {report.execution.posts_total:,}" in line
            for line in summary_lines(summary)
        )
        previous = report.comparisons.previous
        assert previous is not None
        assert (previous.start, previous.end) == (date(2026, 1, 1), date(2026, 3, 31))
        assert previous.then.posts == 20

    def test_running_again_imports_nothing_new(self, default_run: tuple[str, DemoSummary]) -> None:
        """A rerun imports the same files again and records nothing."""
        url, _summary = default_run
        again = run_demo(url)
        assert again.new_events == 0
        assert all(item.changes == 0 for item in again.imports)


class TestOtherScenarios:
    def test_a_small_scenario_imports_follower_days_only(self, tmp_path: Path) -> None:
        """Another scenario published other posts: the article totals are skipped (saying
        why), the account's follower days are imported."""
        result = CliRunner().invoke(
            app,
            ["demo", "--store", f"sqlite:///{tmp_path}/d.db", "--posts", "6", "--days", "3"],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        assert f"{USER_GROWTH}: 181 days of follower figures (2026-01-01 to 2026-06-30)" in (
            result.stdout
        )
        assert f"{ARTICLE_TOTALS}: not imported (its articles are the default scenario's" in (
            result.stdout
        )
        with LibOps.open(f"sqlite:///{tmp_path}/d.db") as ops:
            period = ops.imports.followers("wechat", date(2026, 4, 1), date(2026, 4, 3))
            assert period.days == 3
            assert period.growth_rate is not None
            assert all(not ops.posts.get(r["id"]).external for r in ops.posts.list().items)

    def test_without_imports_nothing_is_imported(self, tmp_path: Path) -> None:
        """``run_demo(imports=False)`` (what makes the shipped files) imports nothing."""
        summary = run_demo(f"sqlite:///{tmp_path}/d.db", posts=6, days=2, imports=False)
        assert summary.imports == []
        with LibOps.open(f"sqlite:///{tmp_path}/d.db") as ops:
            assert ops.imports.follower_days("wechat") == []


class TestImportLines:
    def test_each_file_in_a_line_with_counts_that_agree(self) -> None:
        """What a file did (nouns agreeing with their counts), why one was skipped, and that
        a rerun recorded nothing."""
        lines = import_lines(
            [
                ImportSummary("a.xls", True, matched=1, new=1, changes=2, follower_days=0),
                ImportSummary(
                    "g.xls",
                    True,
                    follower_days=1,
                    changes=0,
                    first_day="2026-01-01",
                    last_day="2026-01-01",
                ),
                ImportSummary("b.xls", False, note="not this scenario's"),
            ]
        )
        assert lines == [
            "  a.xls: 1 article matched to posts in the store, 1 new post recorded as "
            "published outside libops",
            "  g.xls: 1 day of follower figures (2026-01-01 to 2026-01-01) (already imported: "
            "nothing new recorded)",
            "  b.xls: not imported (not this scenario's)",
        ]

"""The report's default period is the span of what libops published: posts recorded from an
analytics export (published outside libops, often long before) widen it only when libops
published nothing, and are the earlier period it compares with. An import of counts the file
does not give keeps the post's own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from libops import Actor, LibOps, Period
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.values import MetricSnapshot, Platform
from libops.report import build_report
from tests.integration.test_imports import _weibo_csv, published

MAPPING = (
    'platform = "weibo"\ntitle = "标题"\nurl = "链接"\npublished_at = "发布时间"\n'
    '[counts]\nreads = "阅读数"\nlikes = "点赞数"\n'
)


@pytest.fixture
def sandboxed(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    """libops on a fresh store of each kind, with a Weibo sandbox, on 10 April 2026."""
    clock.set(datetime(2026, 4, 10, 2, 0, tzinfo=UTC))
    gateway = SandboxPlatform("weibo", seed=3, clock=clock)
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[gateway]) as opened:
        yield opened


def _import_history(ops: LibOps, tmp_path: Path, admin: Actor) -> None:
    """Two Weibo posts of January and February, published before libops, imported."""
    mapping = tmp_path / "weibo.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    path = _weibo_csv(
        tmp_path,
        [
            ["New year opening hours", "", "2026-01-05 09:00", "800", "12"],
            ["Lantern riddles", "", "2026-02-10 19:30", "1,100", "40"],
        ],
    )
    assert ops.imports.run(admin, path, mapping=mapping).count("new") == 2


class TestDefaultPeriod:
    def test_imported_history_does_not_widen_the_period(
        self,
        sandboxed: LibOps,
        tmp_path: Path,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
    ) -> None:
        """libops published on 10 April: that is the period, and only its post counts."""
        published(sandboxed, planner, reviewer, admin)
        _import_history(sandboxed, tmp_path, admin)
        report = build_report(sandboxed)
        day = date(2026, 4, 10)
        assert report.background.period == Period(day, day)
        assert report.execution.posts_total == 1
        assert report.engagement.by_platform[0].posts == 1

    def test_only_imported_posts_make_the_period(
        self, sandboxed: LibOps, tmp_path: Path, admin: Actor
    ) -> None:
        """With nothing published through libops, the imported posts' days are the span."""
        _import_history(sandboxed, tmp_path, admin)
        report = build_report(sandboxed)
        assert report.background.period == Period(date(2026, 1, 5), date(2026, 2, 10))
        assert report.execution.posts_total == 2


class TestCountsTheFileDoesNotGive:
    def test_a_matched_post_keeps_them(
        self,
        sandboxed: LibOps,
        tmp_path: Path,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        clock: ManualClock,
    ) -> None:
        """The file gives reads and likes: the post's comments and shares stay as recorded,
        and the import is no correction."""
        post_id = published(sandboxed, planner, reviewer, admin)
        sandboxed.posts.record_metrics(
            admin,
            post_id,
            MetricSnapshot(Platform.WEIBO, clock.now(), reads=500, likes=9, comments=4, shares=3),
        )
        receipt = sandboxed.posts.get(post_id).receipt(Platform.WEIBO)
        assert receipt is not None
        mapping = tmp_path / "weibo.toml"
        mapping.write_text(MAPPING, encoding="utf-8")
        path = _weibo_csv(tmp_path, [["Reading list", receipt.url, "2026-04-10 10:00", "900", "-"]])
        report = sandboxed.imports.run(admin, path, mapping=mapping)
        assert (report.lines[0].action, report.lines[0].metrics) == ("matched", "recorded")
        latest = sandboxed.posts.get(post_id).latest_metrics(Platform.WEIBO)
        assert latest is not None
        assert (latest.reads, latest.likes, latest.comments, latest.shares) == (900, 9, 4, 3)

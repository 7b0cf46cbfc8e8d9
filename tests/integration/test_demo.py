"""The main job: ``libops demo`` runs a campaign end to end, deterministically from its seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from libops import LibOps, PostStatus
from libops.cli import app
from libops.demo import run_demo
from libops.domain.post import PlatformStatus


def _demo(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["demo", "--json", *args])
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return summary


class TestDemo:
    def test_same_seed_same_run(self, tmp_path: Path) -> None:
        """Two fresh stores, one seed: the same events and the same figures."""
        first = _demo("--store", f"sqlite:///{tmp_path}/a.db", "--posts", "9", "--days", "6")
        second = _demo("--store", f"sqlite:///{tmp_path}/b.db", "--posts", "9", "--days", "6")
        for summary in (first, second):
            summary.pop("campaign_id")
            summary.pop("store")
        assert first == second
        assert first["new_events"] == first["events_after"]
        assert first["published"]
        assert first["metrics_recorded"]

    def test_another_seed_another_run(self, tmp_path: Path) -> None:
        """A different seed gives different reactions from the sandbox platforms."""
        a = _demo("--store", f"sqlite:///{tmp_path}/a.db", "--posts", "6", "--days", "4")
        b = _demo(
            "--store", f"sqlite:///{tmp_path}/b.db", "--posts", "6", "--days", "4", "--seed", "7"
        )
        assert a["totals_by_platform"] != b["totals_by_platform"]

    def test_running_again_records_nothing(self, tmp_path: Path) -> None:
        """Every demo command carries an idempotency key: a rerun adds no event."""
        store = f"sqlite:///{tmp_path}/demo.db"
        first = _demo("--store", store, "--posts", "6", "--days", "4")
        again = _demo("--store", store, "--posts", "6", "--days", "4")
        assert again["new_events"] == 0
        assert again["events_after"] == first["events_after"]

    def test_what_the_demo_leaves_in_the_store(self, tmp_path: Path) -> None:
        """Posts are approved and published, personal data was sent back, metrics are there."""
        store = f"sqlite:///{tmp_path}/demo.db"
        summary = run_demo(store, posts=8, days=5)
        assert summary.changes_requested >= 1
        with LibOps.open(store) as ops:
            campaign = ops.campaigns.get(summary.campaign_id)
            assert campaign.status.value == "completed"
            published = 0
            for post_id in _post_ids(ops):
                post = ops.posts.get(post_id)
                assert post.status is PostStatus.APPROVED
                for platform in post.platforms:
                    if post.platform_status(platform) is PlatformStatus.PUBLISHED:
                        published += 1
                        assert post.latest_metrics(platform) is not None
            assert published == summary.published

    def test_readers_money_and_risk(self, tmp_path: Path) -> None:
        """The demo runs Q&A, a session, a verified draw, the budget and a risk incident."""
        summary = run_demo(f"sqlite:///{tmp_path}/demo.db", posts=6, days=4)
        readers, money, risk = summary.readers, summary.money, summary.risk
        assert readers.answered == readers.questions - 1
        assert readers.escalated == 1
        assert readers.draw_verified
        assert readers.winners == 3
        assert readers.contest_refused >= 1
        assert readers.automatic_sanctions == 1
        assert money.overspend_refused
        assert money.adjustments == 1
        assert money.kol_fee == "3000.00 CNY"
        assert risk.incidents == 1
        assert risk.open_incidents == 0

    def test_human_output_and_progress(self, tmp_path: Path) -> None:
        """Without --json the demo prints a readable summary naming the store."""
        result = CliRunner().invoke(
            app, ["demo", "--store", f"sqlite:///{tmp_path}/d.db", "--posts", "3", "--days", "2"]
        )
        assert result.exit_code == 0, result.output
        assert "World Book Day" in result.stdout
        assert "events recorded by this run" in result.stdout

    def test_bad_store_url_is_a_clean_error(self) -> None:
        """A wrong store URL ends with exit code 2 and one line, no traceback."""
        result = CliRunner().invoke(app, ["demo", "--store", "mysql://nope"])
        assert result.exit_code == 2
        assert "Traceback" not in result.output

    @pytest.mark.postgres
    def test_demo_on_postgresql(self, postgres_url: str) -> None:
        """The demo runs on PostgreSQL too."""
        summary = _demo("--store", postgres_url, "--posts", "4", "--days", "3")
        assert summary["published"]


def _post_ids(ops: LibOps) -> list[object]:
    from libops.domain.post import Post

    seen: dict[object, None] = {}
    for notification in ops.app.recorder.select_notifications(
        start=1, limit=1_000_000, topics=[Post.Drafted.TOPIC]
    ):
        seen[notification.originator_id] = None
    return list(seen)

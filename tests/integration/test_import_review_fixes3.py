"""The third review of issue 11's bulk path (docs/import.md): a batch is checked against its
own posts only, an old valid batch stays readable when its platform's profile changes, and a
void keeps the time of a latest snapshot it leaves in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner, Result

from libops import LibOps, cli
from libops.adapters.clock import SystemClock
from libops.bootstrap import migrate_store
from libops.cli.publish_command import gateways_from
from libops.domain.errors import PlatformCredentialsError
from libops.testing.fakes import FakeDouyin
from libops.testing.fakes.douyin import ITEM_DATA, PUBLISH, USER_DATA
from libops.adapters.clock import ManualClock
from libops.application import bulk_imports
from libops.application.bulk_imports import (
    RecordImportBatch,
    StartBulkImport,
    batch_latest,
    latest_snapshot,
)
from libops.domain.values import Actor
from tests.integration.test_bulk_imports import _csv, _day, _url, daily_rows, known_posts
from tests.integration.test_import_review_fixes2 import (
    LATER,
    _store_bad_batch,
    bulked,
    later,
    mapping,
)

__all__ = ["bulked", "later", "mapping"]  # fixtures shared with the second review's tests


# --- 1. a batch is checked against its own posts only ---------------------------------------


class TestBatchLatestOfItsPosts:
    def test_a_batch_naming_two_posts_merges_two_entries(
        self,
        ops: LibOps,
        later: ManualClock,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        labels = known_posts(ops, admin, tmp_path, mapping, 40)
        ops.imports.run_bulk(admin, _csv(tmp_path / "d.csv", daily_rows(40, 2)), mapping=mapping)
        merged: list[Any] = []
        original = bulk_imports.later_snapshot

        def counting(*args: Any, **kwargs: Any) -> Any:
            merged.append(args)
            return original(*args, **kwargs)

        monkeypatch.setattr(bulk_imports, "later_snapshot", counting)
        two = [str(post) for post, label in labels.items() if label in ("P3", "P7")]
        import_id = ops.execute(admin, StartBulkImport("next.csv", "cd" * 32, "weibo", 2))
        batch = RecordImportBatch(
            import_id,
            rows=(2, 3),
            posts=tuple(two),
            campaign_ids=(None, None),
            post_index=(0, 1),
            times=("2026-04-02T00:00:00+00:00",),
            time_index=(0, 0),
            counts={"reads": (500, 500), "likes": (9, 9), "shares": (9, 9)},
            extra={},
            lowered=(),
        )
        ops.execute(admin, batch)
        # Both posts have their own snapshot and a bulk one: two merges, not one per post
        # on the platform (40).
        assert len(merged) == 2, len(merged)
        for post_id in two:
            latest = ops.posts.latest_metrics(post_id, "weibo")
            assert latest is not None
            assert latest.reads == 500

    def test_the_keys_asked_give_what_the_whole_platform_gives(
        self, bulked: tuple[LibOps, UUID]
    ) -> None:
        ops, post_id = bulked
        everything = batch_latest(ops.app, "weibo")
        assert batch_latest(ops.app, "weibo", [str(post_id)]) == {
            str(post_id): everything[str(post_id)]
        }
        assert batch_latest(ops.app, "weibo", ["0" * 8 + "-0000-0000-0000-" + "0" * 12]) == {}


# --- 4. an old valid batch stays readable ---------------------------------------------------


class TestProfileChangedBatch:
    def test_a_batch_whose_own_metric_left_the_profile_is_still_read(
        self,
        ops: LibOps,
        later: ManualClock,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        [post_id] = known_posts(ops, admin, tmp_path, mapping, 1)
        # Stored when the profile still declared it (as a dropped or renamed metric leaves it).
        _store_bad_batch(ops, admin, post_id, extra={"retired_metric": (7,)})
        with caplog.at_level("WARNING"):
            latest = ops.posts.latest_metrics(post_id, "weibo")
            ops.projections.run()
        assert latest is not None
        assert latest.reads == 500
        assert dict(latest.extra) == {"retired_metric": 7}
        assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text
        engagement = ops.projections.view("engagement")
        assert any(entry.get("reads") == 500 for entry in engagement.values())


# --- 5. a void keeps the time of the latest snapshot it leaves in place ---------------------


class TestVoidKeepsTheTie:
    def test_a_same_time_correction_stays_the_latest_after_an_older_void(
        self, bulked: tuple[LibOps, UUID], admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        ops, post_id = bulked
        path = _csv(
            tmp_path / "fix.csv", [["文章 0", _url(0), "2026-03-01 10:00", _day(5), 140, 5, 5]]
        )
        assert ops.imports.run(admin, path, mapping=mapping).lines[0].metrics == "corrected"
        assert batch_latest(ops.app, "weibo")[str(post_id)].reads == 140
        # Void the post's own 1 March snapshot: its latest own one (the correction) stays.
        ops.publishing.void_metrics(
            admin, post_id, "weibo", datetime(2026, 2, 28, 16, tzinfo=UTC), "typed twice"
        )
        post = ops.posts.get(post_id)
        shown = latest_snapshot(ops.app, post, "weibo")
        assert shown is not None
        assert shown.reads == 140
        assert batch_latest(ops.app, "weibo")[str(post_id)].reads == 140
        assert batch_latest(ops.app, "weibo", [str(post_id)])[str(post_id)].reads == 140
        assert LATER  # the clock stands still: own and bulk recorded at the same moment


# --- 3. on PostgreSQL, tokens set the way libops says are the ones read ---------------------


def _cli(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli.app, list(args), input=stdin)


def _set(store: str, name: str, value: str) -> None:
    done = _cli("credentials", "set", "douyin", name, "--store", store, "--stdin", stdin=value)
    assert done.exit_code == 0, done.output


class TestPostgresCredentialsDefault:
    def test_new_tokens_set_by_the_cli_default_beat_the_dead_renewed_ones(
        self, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("LIBOPS_CREDENTIALS", str(tmp_path / "libops.credentials.json"))
        migrate_store(postgres_url)
        fake = FakeDouyin(
            SystemClock(),
            client_key="awclikey",
            open_id="_000cliOpenId",
            access_token="act.first",
            refresh_token="rft.first",
            capabilities=frozenset((PUBLISH, ITEM_DATA, USER_DATA)),
        ).start()
        spec = [f"douyin={fake.base_url}"]
        try:
            for name, value in (
                ("client_key", "awclikey"),
                ("open_id", "_000cliOpenId"),
                ("access_token", "act.first"),
                ("refresh_token", "rft.first"),
            ):
                _set(postgres_url, name, value)
            item = fake.publish_in_app("古籍修复展")
            [gateway] = gateways_from(spec, postgres_url)
            try:
                fake.expire_tokens()
                gateway.metrics(item)  # renewed: the new access token goes to the table
                assert fake.refreshes == 1
                fake.expire_refresh()  # 30 days later: only a new authorisation helps
                with pytest.raises(PlatformCredentialsError, match="--store") as said:
                    gateway.metrics(item)
                assert "credentials set douyin access_token" in str(said.value)
            finally:
                gateway.close()
            # Staff authorise libops again and set the new tokens as the message says.
            now = datetime.now(UTC)
            fake._access["act.second"] = now + timedelta(hours=1)  # noqa: SLF001  # a new grant
            fake._refresh["rft.second"] = now + timedelta(days=30)  # noqa: SLF001
            _set(postgres_url, "access_token", "act.second")
            _set(postgres_url, "refresh_token", "rft.second")
            [gateway] = gateways_from(spec, postgres_url)
            try:
                assert gateway.metrics(item) is not None  # collected with the new tokens
            finally:
                gateway.close()
            listed = _cli("credentials", "list", "douyin", "--store", postgres_url, "--json")
            assert {row["source"] for row in json_rows(listed)} >= {"postgresql"}, listed.output
            removed = _cli(
                "credentials", "remove", "douyin", "access_token", "--store", postgres_url
            )
            assert removed.exit_code == 0, removed.output
            assert not (tmp_path / "libops.credentials.json").exists()
        finally:
            fake.stop()


def json_rows(result: Result) -> list[dict[str, Any]]:
    import json

    rows: list[dict[str, Any]] = json.loads(result.stdout)["credentials"]
    return rows

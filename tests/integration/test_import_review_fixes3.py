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
from libops.adapters.clock import ManualClock, SystemClock
from libops.application import bulk_history
from libops.application.bulk_imports import (
    RecordImportBatch,
    StartBulkImport,
    batch_latest,
    latest_snapshot,
    published_posts,
)
from libops.bootstrap import migrate_store
from libops.cli.common import close_gateways
from libops.cli.publish_command import gateways_from
from libops.domain.bulk import MetricImport
from libops.domain.errors import PlatformCredentialsError, StaleBatchRowError
from libops.domain.post import Post
from libops.domain.values import Actor, MetricSnapshot
from libops.testing.fakes import FakeDouyin
from libops.testing.fakes.douyin import ITEM_DATA, PUBLISH, USER_DATA
from tests.integration.bulk_review import LATER, later, mapping, store_bad_batch
from tests.integration.test_bulk_imports import _csv, _day, _url, daily_rows, known_posts
from tests.integration.test_import_review_fixes2 import bulked

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
        original = bulk_history.later_snapshot

        def counting(*args: Any, **kwargs: Any) -> Any:
            merged.append(args)
            return original(*args, **kwargs)

        monkeypatch.setattr(bulk_history, "later_snapshot", counting)
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

    def test_the_keys_asked_give_what_the_posts_give(self, bulked: tuple[LibOps, UUID]) -> None:
        ops, post_id = bulked
        post = ops.posts.get(post_id)
        found = batch_latest(ops.app, "weibo", [str(post_id), "not-a-post"])
        assert found == {str(post_id): latest_snapshot(ops.app, post, "weibo")}
        assert batch_latest(ops.app, "weibo", ["0" * 8 + "-0000-0000-0000-" + "0" * 12]) == {}


# --- 2. the own history starts at the log's end ---------------------------------------------

OWN_TOPICS = {Post.MetricsRecorded.TOPIC, Post.MetricsCorrected.TOPIC, Post.MetricsVoided.TOPIC}


class _OwnSelects:
    """Wraps a recorder's ``select_notifications``: the starts of the own-metric reads."""

    def __init__(self, ops: LibOps, monkeypatch: pytest.MonkeyPatch) -> None:
        self.starts: list[int] = []
        recorder = ops.app.recorder
        original = recorder.select_notifications

        def select(start: int, limit: int, stop: int | None = None, **kw: Any) -> Any:
            if OWN_TOPICS & set(kw.get("topics") or ()):
                self.starts.append(start)
            return original(start, limit, stop, **kw)

        monkeypatch.setattr(recorder, "select_notifications", select)


def _history_of_own_metrics(ops: LibOps, admin: Actor, posts: list[UUID]) -> None:
    """Each post's own snapshots of several days, one of them voided."""
    for post_id in posts:
        for day in (2, 3, 4, 5):
            at = datetime(2026, 3, day, tzinfo=UTC)
            ops.posts.record_metrics(admin, post_id, MetricSnapshot("weibo", at, reads=95 + day))
    ops.publishing.void_metrics(
        admin, posts[0], "weibo", datetime(2026, 3, 5, tzinfo=UTC), "typed twice"
    )


def _forget(ops: LibOps) -> None:
    """What a new process knows: nothing (the per-process histories dropped)."""
    bulk_history._OWN_HISTORIES.pop(ops.app, None)
    published_posts(ops.app).clear()


class TestOwnHistoryStart:
    def test_a_bulk_import_reads_no_past_own_metric_event(
        self,
        ops: LibOps,
        later: ManualClock,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        labels = known_posts(ops, admin, tmp_path, mapping, 3)
        posts = sorted(labels, key=labels.__getitem__)
        _history_of_own_metrics(ops, admin, posts)
        _forget(ops)
        end = ops.app.recorder.max_notification_id() or 0
        selects = _OwnSelects(ops, monkeypatch)
        rows = [[f"文章 {p}", _url(p), "2026-03-01 10:00", _day(8), 300, 9, 9] for p in range(3)]
        ops.imports.run_bulk(admin, _csv(tmp_path / "next.csv", rows), mapping=mapping)
        assert all(start > end for start in selects.starts), (end, selects.starts)
        for post_id in posts:
            post = ops.posts.get(post_id)
            expected = latest_snapshot(ops.app, post, "weibo")
            assert expected is not None
            assert expected.reads == 300
            found = batch_latest(ops.app, "weibo", [str(post_id)])
            assert found == {str(post_id): expected}

    def test_a_batch_given_as_data_is_checked_against_the_seeded_latest(
        self,
        ops: LibOps,
        later: ManualClock,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        labels = known_posts(ops, admin, tmp_path, mapping, 2)
        posts = sorted(labels, key=labels.__getitem__)
        _history_of_own_metrics(ops, admin, posts)
        _forget(ops)
        end = ops.app.recorder.max_notification_id() or 0
        selects = _OwnSelects(ops, monkeypatch)
        import_id = ops.execute(admin, StartBulkImport("d.csv", "ee" * 32, "weibo", 3))

        def batch(post: UUID, at: str, reads: int, row: int = 2) -> RecordImportBatch:
            return RecordImportBatch(
                import_id,
                rows=(row,),
                posts=(str(post),),
                campaign_ids=(None,),
                post_index=(0,),
                times=(at,),
                time_index=(0,),
                counts={"reads": (reads,)},
                extra={},
                lowered=(),
            )

        # Post 1's latest own snapshot is of 5 March (100 reads): 4 March is stale.
        with pytest.raises(StaleBatchRowError):
            ops.execute(admin, batch(posts[1], "2026-03-04T00:00:00+00:00", 120))
        # Post 0's 5 March snapshot was voided: its latest is 4 March, so 5 March is not.
        ops.execute(admin, batch(posts[0], "2026-03-05T00:00:00+00:00", 120))
        assert all(start > end for start in selects.starts), (end, selects.starts)
        # Seeded posts then follow their later events without being loaded again.
        ops.posts.record_metrics(
            admin, posts[1], MetricSnapshot("weibo", datetime(2026, 3, 9, tzinfo=UTC), reads=130)
        )
        with pytest.raises(StaleBatchRowError):
            ops.execute(admin, batch(posts[1], "2026-03-08T00:00:00+00:00", 140, row=3))
        ops.execute(admin, batch(posts[1], "2026-03-10T00:00:00+00:00", 140, row=3))
        assert ops.app.load(MetricImport, import_id).next_row == 4


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
        store_bad_batch(ops, admin, post_id, extra={"retired_metric": (7,)})
        with caplog.at_level("WARNING"):
            latest = ops.posts.latest_metrics(post_id, "weibo")
            ops.projections.run()
        assert latest is not None
        assert latest.reads == 500
        assert dict(latest.extra) == {"retired_metric": 7}
        assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text
        engagement = ops.projections.view("engagement")
        assert any(entry.get("reads") == 500 for entry in engagement.values())

    def test_a_batch_whose_columns_do_not_line_up_is_left_out_not_fatal(
        self,
        ops: LibOps,
        later: ManualClock,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        [post_id] = known_posts(ops, admin, tmp_path, mapping, 1)
        store_bad_batch(ops, admin, post_id, post_index=(3,))  # no fourth post
        with caplog.at_level("WARNING"):
            latest = ops.posts.latest_metrics(post_id, "weibo")
            ops.projections.run()
        assert latest is not None
        assert latest.reads == 90
        assert "IndexError" in caplog.text


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
        assert batch_latest(ops.app, "weibo", [str(post_id)])[str(post_id)].reads == 140
        # Void the post's own 1 March snapshot: its latest own one (the correction) stays.
        ops.publishing.void_metrics(
            admin, post_id, "weibo", datetime(2026, 2, 28, 16, tzinfo=UTC), "typed twice"
        )
        post = ops.posts.get(post_id)
        shown = latest_snapshot(ops.app, post, "weibo")
        assert shown is not None
        assert shown.reads == 140
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
                close_gateways([gateway])
            # Staff authorise libops again and set the new tokens as the message says.
            now = datetime.now(UTC)
            fake._access["act.second"] = now + timedelta(hours=1)  # a new grant
            fake._refresh["rft.second"] = now + timedelta(days=30)
            _set(postgres_url, "access_token", "act.second")
            _set(postgres_url, "refresh_token", "rft.second")
            [gateway] = gateways_from(spec, postgres_url)
            try:
                assert gateway.metrics(item) is not None  # collected with the new tokens
            finally:
                close_gateways([gateway])
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

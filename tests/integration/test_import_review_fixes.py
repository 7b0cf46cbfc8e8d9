"""The review of issue 11's imports: bulk batches given as data are checked value by value
(no poison event reaches the projections), the ordinary import refuses a file with the
refused row's own error, and both import paths and the post reads see one metric history
(a bulk import's snapshots count as the post's latest). docs/import.md."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.application.bulk_imports import RecordImportBatch, StartBulkImport
from libops.domain.errors import (
    AmbiguousImportMatchError,
    BulkBatchValueError,
    DuplicateBatchPostError,
    FutureMetricsError,
    ImportFileError,
    LimitExceededError,
    StaleMetricsError,
    UnknownLoweredCountError,
    UnmatchedImportRowError,
)
from libops.domain.values import Actor, MetricSnapshot
from tests import actors
from tests.helpers import count_events, refused
from tests.http.support import client_for, problem_of
from tests.integration.bulk_review import later, mapping, store_bad_batch
from tests.integration.test_bulk_imports import (
    METRIC_VIEWS,
    _csv,
    _day,
    _url,
    batch_events,
    daily_rows,
    known_posts,
)

E = TypeVar("E", bound=Exception)
__all__ = ["later", "mapping"]  # fixtures of the reviews' shared rig

OTHER_CAMPAIGN = "00000000-0000-4000-8000-00000000c0de"


# --- 1. bulk batches given as data ---------------------------------------------------------


@pytest.fixture
def started(
    ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
) -> tuple[LibOps, str, UUID]:
    """A store with two known posts and a started bulk import: (ops, a post's id, the
    import's id)."""
    labels = known_posts(ops, admin, tmp_path, mapping, 2)
    post_id = next(iter(labels))
    import_id = ops.execute(admin, StartBulkImport("x.csv", "ab" * 32, "weibo", 1))
    return ops, str(post_id), import_id


def _body(import_id: UUID, post: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "import_id": str(import_id),
        "rows": [2],
        "posts": [post],
        "campaign_ids": [None],
        "post_index": [0],
        "times": ["2026-04-02T00:00:00+00:00"],
        "time_index": [0],
        "counts": {"reads": [500]},
        "extra": {},
        "lowered": [],
    }
    body.update(changes)
    return body


def _command(body: dict[str, Any]) -> RecordImportBatch:
    def column(values: list[Any]) -> tuple[Any, ...]:
        return tuple(values)

    return RecordImportBatch(
        UUID(body["import_id"]),
        rows=column(body["rows"]),
        posts=column(body["posts"]),
        campaign_ids=column(body["campaign_ids"]),
        post_index=column(body["post_index"]),
        times=column(body["times"]),
        time_index=column(body["time_index"]),
        counts={name: column(values) for name, values in body["counts"].items()},
        extra={name: column(values) for name, values in body["extra"].items()},
        lowered=column(body["lowered"]),
    )


BAD_BATCHES: list[tuple[str, Callable[[str], dict[str, Any]], type[Exception], str]] = [
    ("a negative count", lambda p: {"counts": {"reads": [-5]}}, BulkBatchValueError, "reads"),
    (
        "a count over the limit",
        lambda p: {"counts": {"likes": [10**13]}},
        BulkBatchValueError,
        "likes",
    ),
    ("no count", lambda p: {"counts": {"reads": [None]}}, BulkBatchValueError, "reads"),
    ("text in times", lambda p: {"times": ["yesterday"]}, BulkBatchValueError, "times"),
    (
        "a time without its offset",
        lambda p: {"times": ["2026-04-02T00:00:00"]},
        BulkBatchValueError,
        "times",
    ),
    (
        "a future time",
        lambda p: {"times": ["2026-06-01T00:00:00+00:00"]},
        FutureMetricsError,
        "2026-06-01",
    ),
    (
        "a lowered name that is not a count",
        lambda p: {"lowered": ["reads,colour"]},
        UnknownLoweredCountError,
        "colour",
    ),
    (
        "a post named twice",
        lambda p: {
            "posts": [p, p],
            "campaign_ids": [None, OTHER_CAMPAIGN],
            "post_index": [0],
        },
        DuplicateBatchPostError,
        "twice",
    ),
    (
        "an own metric the platform does not report",
        lambda p: {"extra": {"coins": [3]}},
        BulkBatchValueError,
        "coins",
    ),
]


class TestBatchValues:
    """A batch whose values a snapshot cannot hold is refused, naming the row or field;
    nothing is recorded, and the projections keep working."""

    @pytest.mark.parametrize(
        ("change", "error", "names"),
        [case[1:] for case in BAD_BATCHES],
        ids=[case[0] for case in BAD_BATCHES],
    )
    def test_through_execute(
        self,
        started: tuple[LibOps, str, UUID],
        admin: Actor,
        change: Callable[[str], dict[str, Any]],
        error: type[Exception],
        names: str,
    ) -> None:
        ops, post, import_id = started
        command = _command(_body(import_id, post, **change(post)))
        found = refused(ops, error, lambda: ops.execute(admin, command))
        assert names in str(found)
        assert batch_events(ops) == []

    @pytest.mark.parametrize(
        ("change", "error", "names"),
        [case[1:] for case in BAD_BATCHES],
        ids=[case[0] for case in BAD_BATCHES],
    )
    def test_over_http(
        self,
        started: tuple[LibOps, str, UUID],
        change: Callable[[str], dict[str, Any]],
        error: type[Exception],
        names: str,
    ) -> None:
        ops, post, import_id = started
        client = client_for(ops)
        before = count_events(ops)
        response = client.command(
            "import.bulk.batch", _body(import_id, post, **change(post)), as_=actors.ADMIN
        )
        assert response.status_code == 422, response.text
        found = problem_of(response)
        assert found["error"] == error.__name__
        assert names in found["detail"]
        assert count_events(ops) == before

    def test_text_in_a_count_over_http(self, started: tuple[LibOps, str, UUID]) -> None:
        ops, post, import_id = started
        before = count_events(ops)
        response = client_for(ops).command(
            "import.bulk.batch",
            _body(import_id, post, counts={"reads": ["many"]}),
            as_=actors.ADMIN,
        )
        assert response.status_code == 422, response.text
        assert "reads" in problem_of(response)["detail"]
        assert count_events(ops) == before

    def test_text_in_a_count_through_execute(
        self, started: tuple[LibOps, str, UUID], admin: Actor
    ) -> None:
        ops, post, import_id = started
        command = _command(_body(import_id, post, counts={"reads": ["many"]}))
        found = refused(ops, BulkBatchValueError, lambda: ops.execute(admin, command))
        assert "row 2" in str(found)
        assert "reads" in str(found)

    def test_projections_work_after_refused_batches(
        self, started: tuple[LibOps, str, UUID], admin: Actor
    ) -> None:
        ops, post, import_id = started
        for _name, change, _error, _names in BAD_BATCHES:
            command = _command(_body(import_id, post, **change(post)))
            with pytest.raises(Exception):  # noqa: B017,PT011 (each refused, checked above)
                ops.execute(admin, command)
        ops.execute(admin, _command(_body(import_id, post)))
        ops.projections.run()
        for name in METRIC_VIEWS:
            assert ops.projections.view(name) is not None
        engagement = ops.projections.view("engagement")
        assert any(entry.get("reads") == 500 for entry in engagement.values())


# --- 2. the ordinary import raises the refused row's own error ----------------------------


class TestRowErrors:
    """``ImportService.run`` refuses a file with its first refused row's own error class
    (the message lists every refused row)."""

    @pytest.fixture
    def known(
        self, ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> LibOps:
        known_posts(ops, admin, tmp_path, mapping, 2)
        return ops

    def _run(
        self, ops: LibOps, tmp_path: Path, mapping: Path, rows: list[list[Any]], error: type[E]
    ) -> E:
        path = _csv(tmp_path / "file.csv", rows)
        preview = ops.imports.preview(path, mapping=mapping)
        assert [line.action for line in preview.lines].count("refused") >= 1
        return refused(ops, error, lambda: ops.imports.run(actors.ADMIN, path, mapping=mapping))

    def test_a_count_over_the_limit(self, known: LibOps, tmp_path: Path, mapping: Path) -> None:
        rows = [["文章 0", _url(0), "2026-03-01 10:00", _day(3), 10**13, 1, 1]]
        found = self._run(known, tmp_path, mapping, rows, LimitExceededError)
        assert "file.csv, row 2: reads is above" in str(found)
        assert found.field == "reads"

    def test_a_future_time(self, known: LibOps, tmp_path: Path, mapping: Path) -> None:
        rows = [["文章 0", _url(0), "2026-03-01 10:00", "2026-05-01", 500, 1, 1]]
        found = self._run(known, tmp_path, mapping, rows, FutureMetricsError)
        assert "file.csv, row 2: observed at 2026-04-30T16:00:00+00:00" in str(found)

    def test_a_repeated_row(self, known: LibOps, tmp_path: Path, mapping: Path) -> None:
        row = ["文章 0", _url(0), "2026-03-01 10:00", _day(3), 500, 1, 1]
        found = self._run(known, tmp_path, mapping, [row, list(row)], ImportFileError)
        assert "file.csv, row 3: the same post as row 2" in str(found)

    def test_no_match_and_no_publish_time(
        self, known: LibOps, tmp_path: Path, mapping: Path
    ) -> None:
        rows = [["新文章", "https://weibo.com/1234/9999", "", _day(3), 500, 1, 1]]
        found = self._run(known, tmp_path, mapping, rows, UnmatchedImportRowError)
        assert "file.csv, row 2: matches no post" in str(found)

    def test_the_first_refused_row_decides(
        self, known: LibOps, tmp_path: Path, mapping: Path
    ) -> None:
        rows = [
            ["文章 0", _url(0), "2026-03-01 10:00", "2026-05-01", 500, 1, 1],
            ["文章 1", _url(1), "2026-03-01 10:00", _day(3), 10**13, 1, 1],
        ]
        found = self._run(known, tmp_path, mapping, rows, FutureMetricsError)
        assert "row 2: observed at" in str(found)
        assert "row 3: reads is above" in str(found)

    def test_an_ambiguous_row_still_says_so(
        self, ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        twins = [
            ["同名", "https://weibo.com/1234/A", "2026-03-01 10:00", "2026-03-01", 1, 0, 0],
            ["同名", "https://weibo.com/1234/B", "2026-03-01 10:05", "2026-03-01", 2, 0, 0],
        ]
        ops.imports.run(admin, _csv(tmp_path / "twins.csv", twins), mapping=mapping)
        rows = [["同名", "", "2026-03-01 10:02", _day(3), 5, 0, 0]]
        found = self._run(ops, tmp_path, mapping, rows, AmbiguousImportMatchError)
        assert "matches 2 posts" in str(found)


# --- 3. one metric history -----------------------------------------------------------------


class TestOneHistory:
    """A bulk import's snapshots are the post's latest for the ordinary import, the post
    commands and the reads."""

    @pytest.fixture
    def bulked(
        self, ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> tuple[LibOps, UUID]:
        """Two posts known (totals of 1 March), then six days of snapshots in bulk; the
        id of post 0 (reads 150 on day 5)."""
        labels = known_posts(ops, admin, tmp_path, mapping, 2)
        ops.imports.run_bulk(admin, _csv(tmp_path / "daily.csv", daily_rows(2, 6)), mapping=mapping)
        post_id = next(post for post, label in labels.items() if label == "P0")
        return ops, post_id

    def test_an_older_row_is_refused_as_stale(
        self, bulked: tuple[LibOps, UUID], admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        ops, _post = bulked
        path = _csv(
            tmp_path / "old.csv", [["文章 0", _url(0), "2026-03-01 10:00", _day(2), 1, 0, 0]]
        )
        preview = ops.imports.preview(path, mapping=mapping)
        assert preview.lines[0].action == "refused"
        assert "before the post's latest" in str(preview.lines[0].reason)
        found = refused(
            ops, StaleMetricsError, lambda: ops.imports.run(admin, path, mapping=mapping)
        )
        assert "old.csv, row 2" in str(found)

    def test_the_same_counts_again_are_unchanged(
        self, bulked: tuple[LibOps, UUID], admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        ops, _post = bulked
        last = daily_rows(2, 6)[-2]  # post 0 on day 5
        path = _csv(tmp_path / "same.csv", [last])
        before = count_events(ops)
        report = ops.imports.run(admin, path, mapping=mapping)
        assert report.lines[0].metrics == "unchanged"
        assert count_events(ops) == before

    def test_a_later_lower_row_is_a_correction_of_the_bulk_counts(
        self, bulked: tuple[LibOps, UUID], admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        ops, post_id = bulked
        path = _csv(
            tmp_path / "low.csv", [["文章 0", _url(0), "2026-03-01 10:00", _day(6), 120, 5, 5]]
        )
        assert ops.imports.preview(path, mapping=mapping).lines[0].metrics == "corrected"
        assert ops.imports.run(admin, path, mapping=mapping).lines[0].metrics == "corrected"
        latest = ops.posts.latest_metrics(post_id, "weibo")
        assert latest is not None
        assert latest.reads == 120

    def test_recording_an_older_snapshot_by_command_is_stale(
        self, bulked: tuple[LibOps, UUID], admin: Actor
    ) -> None:
        ops, post_id = bulked
        old = MetricSnapshot("weibo", datetime(2026, 3, 3, tzinfo=UTC), reads=1)
        refused(ops, StaleMetricsError, lambda: ops.posts.record_metrics(admin, post_id, old))

    def test_the_reads_show_the_bulk_counts(self, bulked: tuple[LibOps, UUID]) -> None:
        ops, post_id = bulked
        latest = ops.posts.latest_metrics(post_id, "weibo")
        assert latest is not None
        assert (latest.reads, latest.likes, latest.shares) == (150, 5, 5)
        assert latest.observed_at == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
        response = client_for(ops).get(f"/v1/aggregates/post/{post_id}", as_=actors.AUDITOR)
        assert response.status_code == 200, response.text
        shown = response.json()["state"]["platforms"]["weibo"]["latest_metrics"]
        assert (shown["reads"], shown["likes"], shown["observed_at"]) == (
            150,
            5,
            "2026-03-06T16:00:00+00:00",
        )

    def test_a_post_without_bulk_snapshots_reads_its_own(
        self, ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        labels = known_posts(ops, admin, tmp_path, mapping, 1)
        [post_id] = labels
        latest = ops.posts.latest_metrics(post_id, "weibo")
        assert latest is not None
        assert latest.reads == 90


class TestHistoryAcrossProcesses:
    """Each process reads the batch events once, then only those recorded since: a batch
    another process records is seen at the next read; an unreadable old batch is skipped
    with a warning, not an error on every read."""

    def test_another_process_s_bulk_import_is_seen(
        self, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        url = f"sqlite:///{tmp_path}/shared.db"
        with LibOps.open(url, clock=later, migrate=True) as first:
            labels = known_posts(first, admin, tmp_path, mapping, 2)
            post_id = next(post for post, label in labels.items() if label == "P0")
            before = first.posts.latest_metrics(post_id, "weibo")
            assert before is not None
            assert before.reads == 90
            with LibOps.open(url, clock=later) as second:
                daily = _csv(tmp_path / "daily.csv", daily_rows(2, 3))
                second.imports.run_bulk(admin, daily, mapping=mapping)
            seen = first.posts.latest_metrics(post_id, "weibo")
            assert seen is not None
            assert seen.reads == 120

    def test_an_unreadable_old_batch_is_left_out_with_a_warning(
        self,
        ops: LibOps,
        later: ManualClock,
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        labels = known_posts(ops, admin, tmp_path, mapping, 1)
        [post_id] = labels
        # A batch stored before batches were checked (its counts negative).
        store_bad_batch(ops, admin, post_id, counts={"reads": (-5,)})
        with caplog.at_level("WARNING", logger="libops.application.bulk_imports"):
            latest = ops.posts.latest_metrics(post_id, "weibo")
        assert latest is not None
        assert latest.reads == 90
        assert "left out of the posts' latest metrics" in caplog.text

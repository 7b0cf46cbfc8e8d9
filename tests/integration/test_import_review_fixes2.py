"""The second review of issue 11's bulk-import fixes (docs/import.md): the bulk history reads
only what is new, a same-time correction of a bulk snapshot is shown, an unreadable old batch
stops neither the reads nor the projections, a bulk snapshot's staleness says what to do, and
batches given as data keep the rules ``record_metrics`` applies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.application.bulk_imports import RecordImportBatch, StartBulkImport
from libops.domain.bulk import MetricImport
from libops.domain.errors import (
    BatchTimeOrderError,
    BulkBatchValueError,
    DuplicateBatchPostError,
    LoweredMismatchError,
    StaleBatchRowError,
    StaleMetricsError,
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
    daily_rows,
    known_posts,
)

__all__ = ["later", "mapping"]  # fixtures of the reviews' shared rig


@pytest.fixture
def bulked(
    ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
) -> tuple[LibOps, UUID]:
    """Two posts known (totals of 1 March), then six days of snapshots in bulk; the id of
    post 0 (reads 150, likes 5, shares 5 on day 5)."""
    labels = known_posts(ops, admin, tmp_path, mapping, 2)
    ops.imports.run_bulk(admin, _csv(tmp_path / "daily.csv", daily_rows(2, 6)), mapping=mapping)
    post_id = next(post for post, label in labels.items() if label == "P0")
    return ops, post_id


class _Selects:
    """Wraps a recorder's ``select_notifications``: the bulk-batch reads it serves."""

    def __init__(self, ops: LibOps, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[int, int | None]] = []
        recorder = ops.app.recorder
        original = recorder.select_notifications

        def select(start: int, limit: int, stop: int | None = None, **kw: Any) -> Any:
            if MetricImport.BatchRecorded.TOPIC in (kw.get("topics") or ()):
                self.calls.append((start, stop))
            return original(start, limit, stop, **kw)

        monkeypatch.setattr(recorder, "select_notifications", select)


# --- 1. the bulk history reads only what is new --------------------------------------------


class TestCatchUp:
    def test_a_second_read_without_new_batches_reads_nothing_old(
        self, bulked: tuple[LibOps, UUID], admin: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ops, post_id = bulked
        ops.posts.latest_metrics(post_id, "weibo")
        # Events after the last batch (not batches): a later read must not scan them again.
        for day in (20, 21, 22):
            at = datetime(2026, 3, day, tzinfo=UTC)
            ops.posts.record_metrics(admin, post_id, MetricSnapshot("weibo", at, reads=200 + day))
        ops.posts.latest_metrics(post_id, "weibo")
        end = count_events(ops)
        selects = _Selects(ops, monkeypatch)
        latest = ops.posts.latest_metrics(post_id, "weibo")
        assert latest is not None
        assert latest.reads == 222
        assert all(start > end for start, _stop in selects.calls), selects.calls

    def test_an_ordinary_import_reads_the_batches_once_per_step(
        self,
        bulked: tuple[LibOps, UUID],
        admin: Actor,
        tmp_path: Path,
        mapping: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        ops, _post = bulked
        rows = [[f"文章 {p}", _url(p), "2026-03-01 10:00", _day(9), 300, 9, 9] for p in (0, 1)]
        path = _csv(tmp_path / "next.csv", rows)
        selects = _Selects(ops, monkeypatch)
        ops.imports.preview(path, mapping=mapping)
        assert len(selects.calls) <= 1
        selects.calls.clear()
        report = ops.imports.run(admin, path, mapping=mapping)
        assert [line.metrics for line in report.lines] == ["recorded", "recorded"]
        assert len(selects.calls) <= 2  # once to plan, once to apply


# --- 2. a same-time correction of a bulk snapshot ------------------------------------------


class TestSameTimeCorrection:
    def test_a_lower_row_of_the_bulk_s_latest_day_is_shown_and_recorded_once(
        self, bulked: tuple[LibOps, UUID], admin: Actor, tmp_path: Path, mapping: Path
    ) -> None:
        ops, post_id = bulked
        path = _csv(
            tmp_path / "fix.csv", [["文章 0", _url(0), "2026-03-01 10:00", _day(5), 140, 5, 5]]
        )
        assert ops.imports.run(admin, path, mapping=mapping).lines[0].metrics == "corrected"
        latest = ops.posts.latest_metrics(post_id, "weibo")
        assert latest is not None
        assert latest.reads == 140
        before = count_events(ops)
        again = ops.imports.run(admin, path, mapping=mapping)
        assert again.lines[0].metrics == "unchanged"
        assert count_events(ops) == before
        # The bulk path, too, sees the correction as the latest: its own file is unchanged.
        report = ops.imports.preview_bulk(path, mapping=mapping)
        assert (report.unchanged, report.recorded, report.corrected) == (1, 0, 0)


# --- 3. an unreadable old batch ------------------------------------------------------------


BAD_STORED = {
    "text in an own metric": {"extra": {"completion_rate": ("abc",)}},
    "a number as a time": {"times": (20260402,)},
    "a number in lowered": {"lowered": (7,)},
}


class TestUnreadableBatch:
    @pytest.fixture
    def known(
        self, ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
    ) -> tuple[LibOps, UUID]:
        [post_id] = known_posts(ops, admin, tmp_path, mapping, 1)
        return ops, post_id

    @pytest.mark.parametrize("columns", list(BAD_STORED.values()), ids=list(BAD_STORED))
    def test_reads_and_projections_go_on(
        self,
        known: tuple[LibOps, UUID],
        admin: Actor,
        columns: dict[str, Any],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        ops, post_id = known
        store_bad_batch(ops, admin, post_id, **columns)
        with caplog.at_level("WARNING"):
            first = ops.posts.latest_metrics(post_id, "weibo")
            again = ops.posts.latest_metrics(post_id, "weibo")
            ops.projections.run()
        assert first is not None
        assert again is not None
        assert first.reads == again.reads == 90
        warnings = [r for r in caplog.records if r.levelname == "WARNING"]
        assert any(r.name == "libops.application.bulk_imports" for r in warnings)
        assert any("libops.projections" in r.name for r in warnings), caplog.text
        # A later snapshot is still recorded and seen, by the reads and by the projections.
        at = datetime(2026, 4, 10, tzinfo=UTC)
        ops.posts.record_metrics(admin, post_id, MetricSnapshot("weibo", at, reads=700))
        latest = ops.posts.latest_metrics(post_id, "weibo")
        assert latest is not None
        assert latest.reads == 700
        ops.projections.run()
        for name in METRIC_VIEWS:
            assert ops.projections.view(name) is not None
        engagement = ops.projections.view("engagement")
        assert any(entry.get("reads") == 700 for entry in engagement.values())


# --- 4. a stale row against a bulk snapshot says what to do --------------------------------


class TestStaleAgainstBulk:
    def test_the_message_names_the_bulk_import(
        self, bulked: tuple[LibOps, UUID], admin: Actor
    ) -> None:
        ops, post_id = bulked
        old = MetricSnapshot("weibo", datetime(2026, 3, 3, tzinfo=UTC), reads=1)
        found = refused(
            ops, StaleMetricsError, lambda: ops.posts.record_metrics(admin, post_id, old)
        )
        assert "bulk import" in str(found)
        assert "daily.csv" in str(found)


# --- 5. batches given as data keep the rules of record_metrics -----------------------------


@pytest.fixture
def started(
    ops: LibOps, later: ManualClock, admin: Actor, tmp_path: Path, mapping: Path
) -> tuple[LibOps, str, UUID]:
    """A known post (reads 90 on 1 March, its own) and a started bulk import: (ops, the
    post's id, the import's id)."""
    [post_id] = known_posts(ops, admin, tmp_path, mapping, 1)
    import_id = ops.execute(admin, StartBulkImport("x.csv", "ab" * 32, "weibo", 2))
    return ops, str(post_id), import_id


def _batch(import_id: UUID, post: str, **changes: Any) -> RecordImportBatch:
    columns: dict[str, Any] = {
        "rows": (2, 3),
        "posts": (post,),
        "campaign_ids": (None,),
        "post_index": (0, 0),
        "times": ("2026-04-02T00:00:00+00:00", "2026-04-03T00:00:00+00:00"),
        "time_index": (0, 1),
        "counts": {"reads": (500, 600)},
        "extra": {},
        "lowered": (),
    }
    columns.update(changes)
    return RecordImportBatch(import_id, **columns)


BAD_ORDER: dict[str, tuple[Callable[[str], dict[str, Any]], type[Exception], str]] = {
    "rows out of time order": (
        lambda p: {"time_index": (1, 0)},
        BatchTimeOrderError,
        "row 3: post",
    ),
    "the same post and time twice": (
        lambda p: {"time_index": (0, 0)},
        BatchTimeOrderError,
        "the same time as row 2",
    ),
    "a row older than the post's latest": (
        lambda p: {"times": ("2026-02-01T00:00:00+00:00", "2026-04-03T00:00:00+00:00")},
        StaleBatchRowError,
        "row 2: post",
    ),
    "lower counts with an empty lowered": (
        lambda p: {"counts": {"reads": (500, 400)}},
        LoweredMismatchError,
        "row 3: post",
    ),
    "lower than the recorded latest, not said": (
        lambda p: {"counts": {"reads": (50, 60)}},
        LoweredMismatchError,
        "row 2: post",
    ),
    "lowered naming a count that did not go down": (
        lambda p: {"lowered": ("", "reads")},
        LoweredMismatchError,
        "row 3",
    ),
    "the same post as id and ID": (
        lambda p: {
            "posts": (p, p.upper()),
            "campaign_ids": (None, None),
            "post_index": (0, 1),
            "time_index": (0, 0),
        },
        DuplicateBatchPostError,
        "twice",
    ),
}


class TestBatchRules:
    @pytest.mark.parametrize(
        ("change", "error", "names"), list(BAD_ORDER.values()), ids=list(BAD_ORDER)
    )
    def test_refused_naming_the_row(
        self,
        started: tuple[LibOps, str, UUID],
        admin: Actor,
        change: Callable[[str], dict[str, Any]],
        error: type[Exception],
        names: str,
    ) -> None:
        ops, post, import_id = started
        command = _batch(import_id, post, **change(post))
        found = refused(ops, error, lambda: ops.execute(admin, command))
        assert names in str(found)
        assert isinstance(found, BulkBatchValueError)

    def test_a_said_correction_is_recorded(
        self, started: tuple[LibOps, str, UUID], admin: Actor
    ) -> None:
        ops, post, import_id = started
        ops.execute(
            admin, _batch(import_id, post, counts={"reads": (50, 60)}, lowered=("reads", ""))
        )
        latest = ops.posts.latest_metrics(UUID(post), "weibo")
        assert latest is not None
        assert latest.reads == 60

    def test_checked_against_an_earlier_bulk_import(
        self, started: tuple[LibOps, str, UUID], admin: Actor
    ) -> None:
        ops, post, import_id = started
        ops.execute(admin, _batch(import_id, post))  # reads 600 on 3 April, in bulk
        other = ops.execute(admin, StartBulkImport("y.csv", "cd" * 32, "weibo", 1))
        stale = _batch(
            other,
            post,
            rows=(2,),
            post_index=(0,),
            times=("2026-04-02T12:00:00+00:00",),
            time_index=(0,),
            counts={"reads": (700,)},
        )
        refused(ops, StaleBatchRowError, lambda: ops.execute(admin, stale))
        lower = attrs.evolve(stale, times=("2026-04-04T00:00:00+00:00",), counts={"reads": (10,)})
        refused(ops, LoweredMismatchError, lambda: ops.execute(admin, lower))

    def test_over_http_a_problem_naming_the_row(self, started: tuple[LibOps, str, UUID]) -> None:
        ops, post, import_id = started
        before = count_events(ops)
        body = {
            "import_id": str(import_id),
            "rows": [2, 3],
            "posts": [post],
            "campaign_ids": [None],
            "post_index": [0, 0],
            "times": ["2026-02-01T00:00:00+00:00", "2026-04-03T00:00:00+00:00"],
            "time_index": [0, 1],
            "counts": {"reads": [500, 600]},
            "extra": {},
            "lowered": [],
        }
        response = client_for(ops).command("import.bulk.batch", body, as_=actors.ADMIN)
        assert response.status_code == 422, response.text
        found = problem_of(response)
        assert found["error"] == "StaleBatchRowError"
        assert "row 2" in found["detail"]
        assert count_events(ops) == before

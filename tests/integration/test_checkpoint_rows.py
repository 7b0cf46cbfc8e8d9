"""How checkpoints read the log: SQLite's rows as stored, the recorder's elsewhere, the same
rows either way; and verification that reads a page, or a checkpoint, at a time."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import libops.application.checkpoints as checkpoints
from libops import LibOps
from libops.adapters.logrows import SQLiteLogRows, log_rows_for
from libops.application.checkpoints import RecorderLogRows, log_rows
from tests.actors import AUDITOR
from tests.integration.test_checkpoints import Tamper, record_some


class TestStoredRows:
    def test_sqlite_rows_are_the_recorders(self, tmp_path: Path) -> None:
        """SQLite's own reader gives the rows the recorder's notifications give, page by page."""
        with LibOps.open(f"sqlite:///{tmp_path}/libops.db", migrate=True) as ops:
            record_some(ops, 9)
            assert ops.audit.checkpoint(AUDITOR) is not None
            record_some(ops, 4)
            fast = log_rows(ops.app, ops.deps)
            assert isinstance(fast, SQLiteLogRows)
            slow = RecorderLogRows(ops.app.recorder)
            last = ops.app.recorder.max_notification_id() or 0
            for after, stop, limit in [(0, last, 1000), (0, last, 3), (4, 9, 100), (9, 9, 5)]:
                assert fast.rows(after, stop, limit) == slow.rows(after, stop, limit)

    def test_other_stores_are_read_through_the_recorder(self) -> None:
        """In memory (and on PostgreSQL) there is no reader of rows but the recorder."""
        with LibOps.open("memory://") as ops:
            assert log_rows_for(ops.app.recorder) is None
            assert isinstance(log_rows(ops.app, ops.deps), RecorderLogRows)


class TestUnreadableRows:
    @pytest.mark.parametrize("column", ["state", "topic", "originator_id"])
    def test_a_row_made_null_is_named_as_changed(self, tmp_path: Path, column: str) -> None:
        """A column of a covered event set to NULL (no leaf encoding at all) is a change."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, migrate=True) as ops:
            record_some(ops, 6)
            assert ops.audit.checkpoint(AUDITOR) is not None
        with closing(sqlite3.connect(tmp_path / "libops.db")) as lite, lite:
            lite.execute(f"UPDATE stored_events SET {column} = NULL WHERE rowid = 4")
        with LibOps.open(url) as ops:
            problem = ops.audit.verify().problem
        assert problem is not None
        assert (problem.kind, problem.position) == ("changed", 4)


TAMPERING = st.sampled_from(["none", "flip", "delete", "swap", "truncate", "insert"])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    counts=st.lists(st.integers(2, 12), min_size=1, max_size=3),
    how=TAMPERING,
    where=st.floats(0, 1),
    page=st.integers(1, 9),
)
# A flipped byte in a checkpoint's field name: it decodes, without that attribute.
@example(counts=[6, 4, 4], how="flip", where=0.75, page=1)
def test_small_pages_and_checkpoints_verify_alike(
    tmp_path_factory: pytest.TempPathFactory,
    counts: list[int],
    how: str,
    where: float,
    page: int,
) -> None:
    """Checkpoints of a few events each, read a few events a page (runs of covered events
    cross pages and checkpoints): the same verification as in one page."""
    url = f"sqlite:///{tmp_path_factory.mktemp('log')}/libops.db"
    with (
        mock.patch.object(checkpoints, "MAX_LEAVES", 4),
        mock.patch.object(checkpoints, "_FIRST_WINDOW", 1),
        LibOps.open(url, migrate=True) as ops,
    ):
        for count in counts:
            record_some(ops, count)
            while ops.audit.checkpoint(AUDITOR) is not None:
                pass
        kept = ops.audit.checkpoints()[-1]
        assert checkpoints.last_checkpoint(ops.app) is not None
    position = 1 + int(where * (kept.size - 1))
    if how == "swap":
        Tamper(url).swap(position, position + 1 if position < kept.size else position - 1)
    elif how != "none":
        getattr(Tamper(url), how)(position)
    with LibOps.open(url) as ops:
        whole = ops.audit.verify(kept=kept)
        with mock.patch.object(checkpoints, "PAGE", page):
            assert ops.audit.verify(kept=kept) == whole
    assert whole.intact == (how == "none"), whole.problem

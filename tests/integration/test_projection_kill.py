"""A catch-up killed mid-run (SIGKILL), then resumed, gives the views of an uninterrupted run."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from libops import LibOps
from libops.adapters.viewstores import TRACKING_TABLE
from libops.demo import run_demo
from libops.projections import ProjectionEngine
from libops.projections.standard import standard_projections

POSTS = 240  # about four thousand events (the demo records ~18 per post)
BATCH = 7
PAUSE_AFTER = 20  # batches committed before the SQLite catch-up is killed
POLL_LIMIT_S = 60.0

# The catch-up process. With a third argument N above 0 it says "committed" on its standard
# output after its N-th committed batch and then waits, so that the test kills it mid-run
# however fast the machine is (and whatever another process can see of its commits then).
_CATCH_UP = """
import sys
import time
from libops import LibOps
from libops.projections import ProjectionEngine
from libops.projections.standard import standard_projections
pause_after = int(sys.argv[3])
batches = 0
def progress(positions):
    global batches
    batches += 1
    if batches == pause_after:
        print("committed", flush=True)
        time.sleep(60)
with LibOps.open(sys.argv[1]) as ops:
    with ProjectionEngine(ops, standard_projections(), batch_size=int(sys.argv[2])) as engine:
        engine.run(on_progress=progress)
"""


def views(url: str) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Catch every standard projection up on ``url``; return every view and position."""
    with LibOps.open(url) as ops, ProjectionEngine(ops, standard_projections()) as engine:
        engine.run()
        return (
            {name: engine.view(name) for name in engine.names},
            {name: engine.position(name) for name in engine.names},
        )


def sqlite_positions(path: Path) -> dict[str, int]:
    """The projections' positions in the store's tracking table, by projection."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        rows = conn.execute(f"SELECT projection, position FROM {TRACKING_TABLE}").fetchall()
    finally:
        conn.close()
    return {str(name): int(position) for name, position in rows}


def start_catch_up(url: str, pause_after: int = 0) -> subprocess.Popen[bytes]:
    """A separate process catching the standard projections up, ``BATCH`` events a commit
    (pausing after ``pause_after`` committed batches, if above 0)."""
    return subprocess.Popen(
        [sys.executable, "-c", _CATCH_UP, url, str(BATCH), str(pause_after)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_when(process: subprocess.Popen[bytes], committed: Any) -> None:
    """SIGKILL ``process`` as soon as ``committed()`` is true; fail if it ended first."""
    deadline = time.monotonic() + POLL_LIMIT_S
    while not committed():
        assert process.poll() is None, "the catch-up ended before it was killed: " + (
            process.stderr.read().decode() if process.stderr else ""
        )
        assert time.monotonic() < deadline, "no batch was committed in time"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


class TestKilledCatchUp:
    def test_sqlite_resume_equals_uninterrupted(self, tmp_path: Path) -> None:
        """SIGKILL mid catch-up on SQLite, then resuming, gives the uninterrupted run's views."""
        store = tmp_path / "store.db"
        copies = tmp_path / "copy"
        copies.mkdir()
        copy = copies / "store.db"
        summary = run_demo(f"sqlite:///{store}", posts=POSTS, days=21)
        assert summary.events_after > 3000
        for made in tmp_path.glob("store*"):  # before any projection ran; keys file too
            shutil.copy2(made, copies / made.name)

        process = start_catch_up(f"sqlite:///{store}", pause_after=PAUSE_AFTER)
        assert process.stdout is not None
        said = process.stdout.readline()  # blocks until the 20th batch is committed
        assert said == b"committed\n", process.stderr.read().decode() if process.stderr else ""
        kill_when(process, lambda: True)
        killed_at = sqlite_positions(store)

        resumed, resumed_positions = views(f"sqlite:///{store}")
        expected, expected_positions = views(f"sqlite:///{copy}")
        assert resumed_positions == expected_positions
        # Killed after some batches had committed and before the catch-up had finished.
        assert sum(killed_at.values()) > 0
        assert any(killed_at.get(name, 0) < pos for name, pos in expected_positions.items())
        assert set(resumed) == set(expected)
        for name in expected:
            assert resumed[name] == expected[name], name
        assert any(expected.values())

    def test_postgres_resume_equals_uninterrupted(self, postgres_url: str) -> None:
        """SIGKILL mid catch-up on PostgreSQL, then resuming, gives a fresh rebuild's views."""
        run_demo(postgres_url, posts=POSTS // 3, days=21)

        def committed() -> bool:
            with (
                LibOps.open(postgres_url) as ops,
                ProjectionEngine(ops, standard_projections()) as engine,
            ):
                return sum(engine.position(name) for name in engine.names) > 0

        process = start_catch_up(postgres_url)
        kill_when(process, committed)

        with (
            LibOps.open(postgres_url) as ops,
            ProjectionEngine(ops, standard_projections()) as engine,
        ):
            killed_at = {name: engine.position(name) for name in engine.names}
            engine.run()
            resumed = {name: engine.view(name) for name in engine.names}
            positions = {name: engine.position(name) for name in engine.names}
            for name in engine.names:  # an uninterrupted run: replay each from zero
                engine.rebuild(name)
            assert {name: engine.position(name) for name in engine.names} == positions
            assert sum(killed_at.values()) > 0
            assert any(killed_at[name] < positions[name] for name in engine.names)
            for name in engine.names:
                assert engine.view(name) == resumed[name], name

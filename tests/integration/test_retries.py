"""Commands retry conflicts and a locked store with backoff, bounded in time, and record once."""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from libops import Actor, LibOps, Money, Period
from libops.adapters.clock import ManualClock
from libops.application.app import _LINE_CLASS, RetryPolicy, _line_key
from libops.domain.budget import Budget
from libops.domain.errors import (
    ConcurrencyError,
    InvalidValueError,
    StorageError,
    StoreBusyError,
)
from tests.conftest import _pg_connect, postgres_url_or_skip
from tests.helpers import count_events

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


class TestRetryPolicy:
    def test_pauses_grow_with_full_jitter_up_to_the_cap(self) -> None:
        """Each pause is drawn between 0 and min(cap, first * 2**n)."""
        policy = RetryPolicy(deadline=5, first_pause=0.01, max_pause=0.1)
        rng = random.Random(1)
        for retry in range(12):
            ceiling = min(0.1, 0.01 * 2**retry)
            pauses = [policy.pause(retry, rng=rng) for _ in range(200)]
            assert all(0 <= p <= ceiling for p in pauses)
            assert max(pauses) > ceiling * 0.8  # spread over the whole range, not bunched
        assert policy.pause(10_000, rng=rng) <= 0.1  # no overflow for a long run of retries

    @pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True, "1", 3601, None])
    def test_bad_settings_refused(self, bad: Any) -> None:
        """Each setting is a number of seconds above 0 and at most an hour."""
        for field in ("deadline", "first_pause", "max_pause"):
            with pytest.raises(InvalidValueError, match=field):
                RetryPolicy(**{field: bad})


def _open_budget(ops: LibOps, owner: Actor) -> UUID:
    budget_id = ops.budgets.open(
        owner, name="Locks", period=Period(date(2026, 1, 1), date(2026, 12, 31))
    )
    ops.budgets.allocate(owner, budget_id, "content_creation", Money("100.00"))
    return budget_id


class TestLockedSqlite:
    @pytest.fixture
    def locked_store(self, tmp_path: Path, clock: ManualClock) -> Iterator[tuple[LibOps, Path]]:
        path = tmp_path / "locked.db"
        # A one-second busy wait, so that a lock held longer shows as "database is locked".
        with LibOps.open(f"sqlite:///{path}?lock_timeout=1", clock=clock, migrate=True) as ops:
            yield ops, path

    @staticmethod
    def _hold_lock(path: Path, seconds: float) -> threading.Thread:
        held = threading.Event()

        def hold() -> None:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            held.set()
            threading.Event().wait(seconds)
            conn.execute("ROLLBACK")
            conn.close()

        thread = threading.Thread(target=hold)
        thread.start()
        held.wait()
        return thread

    def test_a_lock_released_in_time_is_waited_out(
        self, locked_store: tuple[LibOps, Path], owner: Actor
    ) -> None:
        """A command that finds the store locked retries and succeeds once the lock is gone."""
        ops, path = locked_store
        budget_id = _open_budget(ops, owner)
        before = count_events(ops)
        holder = self._hold_lock(path, 2.5)
        try:
            ops.budgets.record_expense(
                owner,
                budget_id,
                vendor="Print shop",
                invoice_reference="INV-1",
                amount=Money("5.00"),
                category="content_creation",
            )
        finally:
            holder.join()
        assert count_events(ops) == before + 1

    def test_a_lock_held_past_the_deadline_is_a_storage_error(
        self, locked_store: tuple[LibOps, Path], owner: Actor
    ) -> None:
        """Past the retry deadline a locked store is StoreBusyError, and nothing is recorded."""
        ops, path = locked_store
        budget_id = _open_budget(ops, owner)
        before = count_events(ops)
        ops.app.retry = RetryPolicy(deadline=1.5)
        holder = self._hold_lock(path, 4)
        try:
            with pytest.raises(StoreBusyError, match="locked") as raised:
                ops.budgets.record_expense(
                    owner,
                    budget_id,
                    vendor="Print shop",
                    invoice_reference="INV-2",
                    amount=Money("5.00"),
                    category="content_creation",
                )
        finally:
            holder.join()
        assert isinstance(raised.value, StorageError)
        assert count_events(ops) == before


class TestConflictDeadline:
    def test_a_command_that_always_loses_gives_up_at_the_deadline(
        self, ops: LibOps, owner: Actor
    ) -> None:
        """A command that loses every race stops at the deadline with ConcurrencyError."""
        budget_id = _open_budget(ops, owner)
        # A deadline well above one run's time even on a loaded machine (a 0.3 s deadline
        # was once used up by the first run alone when CI shared two cores with much else).
        ops.app.retry = RetryPolicy(deadline=1.5, first_pause=0.001, max_pause=0.01)
        runs = 0

        def run() -> tuple[list[Any], None]:
            nonlocal runs
            runs += 1
            stale = ops.app.load(Budget, budget_id)
            # Someone else saves first, every time.
            rival = ops.app.load(Budget, budget_id)
            rival.record_expense(
                owner,
                vendor="Rival",
                invoice_reference=f"R-{runs}",
                amount=Money("0.01"),
                category="content_creation",
            )
            ops.app.save(rival)
            stale.record_expense(
                owner,
                vendor="Loser",
                invoice_reference=f"L-{runs}",
                amount=Money("0.01"),
                category="content_creation",
            )
            return [stale], None

        with pytest.raises(ConcurrencyError, match="lost the race"):
            ops.app.execute("test.always_loses", run)
        assert runs >= 2  # it did retry before giving up
        history = list(ops.app.repository.event_store.get(budget_id))
        assert not any(getattr(e, "vendor", "") == "Loser" for e in history)


def _line_locks(url: str, aggregate_id: UUID) -> int:
    """How many places in libops's waiting line for ``aggregate_id`` are held right now."""
    with _pg_connect(url.split("?")[0]) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid::bigint = %s AND objid::bigint = %s",
            (_LINE_CLASS, _line_key(aggregate_id) % 2**32),
        ).fetchone()
    return int(row[0]) if row else 0


class TestWaitingInLine:
    @staticmethod
    def _loses_once(ops: LibOps, owner: Actor, url: str) -> list[int]:
        """Run a command that loses its first race; the line locks seen on each run."""
        budget_id = _open_budget(ops, owner)
        seen: list[int] = []

        def run() -> tuple[list[Any], None]:
            seen.append(_line_locks(url, budget_id))
            stale = ops.app.load(Budget, budget_id)
            if len(seen) == 1:  # someone else saves first, once
                rival = ops.app.load(Budget, budget_id)
                rival.record_expense(
                    owner,
                    vendor="Rival",
                    invoice_reference="R-1",
                    amount=Money("0.01"),
                    category="content_creation",
                )
                ops.app.save(rival)
            stale.record_expense(
                owner,
                vendor="Patient",
                invoice_reference="P-1",
                amount=Money("0.01"),
                category="content_creation",
            )
            return [stale], None

        ops.app.execute("test.loses_once", run)
        seen.append(_line_locks(url, budget_id))
        return seen

    def test_a_command_that_lost_waits_in_line_then_leaves_it(
        self, postgres_url: str, clock: ManualClock, owner: Actor
    ) -> None:
        """After its first lost race a command holds its place in line, and frees it after."""
        with LibOps.open(postgres_url, clock=clock, migrate=True) as ops:
            assert self._loses_once(ops, owner, postgres_url) == [0, 1, 0]

    def test_a_one_connection_pool_does_not_queue(
        self, postgres_url: str, clock: ManualClock, owner: Actor
    ) -> None:
        """With one pooled connection, waiting in line would block the save: it backs off."""
        url = f"{postgres_url}&pool_size=1&max_overflow=0"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            assert self._loses_once(ops, owner, postgres_url) == [0, 0, 0]


class TestContentionBenchmark:
    def test_quick_run_on_postgresql_loses_nothing(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """On PostgreSQL (writers that lost once wait in line), nothing is lost either."""
        url = postgres_url_or_skip()
        monkeypatch.syspath_prepend(str(BENCHMARKS))
        sys.modules.pop("contention", None)
        import contention  # type: ignore[import-not-found]  # the benchmark script itself

        assert contention.main(["--quick", "--postgres", url, "--no-sqlite"]) == 0
        summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert [(r["store"], r["target"]) for r in summary["runs"]] == [
            ("postgresql", "budget"),
            ("postgresql", "campaign"),
        ]
        for run in summary["runs"]:
            assert run["acknowledged"] + run["failed"] == run["tried"] == 24
            assert run["lost"] == run["doubled"] == run["unexpected"] == 0

    def test_quick_run_loses_nothing(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A quick run of benchmarks/contention.py acknowledges, fails and loses as it says."""
        monkeypatch.syspath_prepend(str(BENCHMARKS))
        sys.modules.pop("contention", None)
        import contention  # the benchmark script (mypy flags only the first import)

        assert contention.main(["--quick"]) == 0
        summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert {(r["store"], r["target"]) for r in summary["runs"]} == {
            ("sqlite", "budget"),
            ("sqlite", "campaign"),
        }
        for run in summary["runs"]:
            assert run["tried"] == 24
            assert run["acknowledged"] + run["failed"] == run["tried"]
            assert run["lost"] == run["doubled"] == run["unexpected"] == 0
            assert not [f for f in run["failures"] if f.startswith("raw ")]

"""ProjectionEngine.follow: catch up, keep applying new events once each, stop when told."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.domain.errors import InvalidValueError
from libops.projections import ProjectionEngine, RunReport
from tests.integration.test_projection_engine import (
    CampaignCounts,
    Totals,
    bulk_expected,
    bulk_history,
    counts,
)

WAIT = 20.0
"""The longest a test waits for a follower to see an event (seconds)."""


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait until ``condition()`` holds, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the follower did not get there in time"
        time.sleep(0.02)


class Follower:
    """An engine following the log in a thread of its own."""

    def __init__(self, ops: LibOps, **options: Any) -> None:
        self.engine = ProjectionEngine(ops, [CampaignCounts(), Totals()], batch_size=5)
        self.stop = threading.Event()
        self.rounds: list[dict[str, RunReport]] = []
        self.progress: list[dict[str, int]] = []
        self.totals: dict[str, RunReport] | None = None
        self.error: BaseException | None = None
        self.options = {"stop": self.stop, "poll_interval": 0.05, **options}
        self.thread = threading.Thread(target=self._follow, daemon=True)

    def _follow(self) -> None:
        try:
            self.totals = self.engine.follow(
                on_round=lambda applied, _totals: self.rounds.append(applied),
                on_progress=self.progress.append,
                **self.options,
            )
        except BaseException as error:  # handed to the test thread
            self.error = error

    def start(self) -> Follower:
        self.thread.start()
        return self

    def finish(self) -> dict[str, RunReport]:
        """Stop the follower, wait for it, close its engine; its totals."""
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the follower did not stop"
        self.engine.close()
        if self.error is not None:
            raise self.error
        assert self.totals is not None
        return self.totals


@pytest.fixture
def follower(ops: LibOps) -> Iterator[Callable[..., Follower]]:
    """Start followers on ``ops``; any still running are stopped afterwards."""
    started: list[Follower] = []

    def start(**options: Any) -> Follower:
        started.append(Follower(ops, **options).start())
        return started[-1]

    yield start
    for one in started:
        if one.thread.is_alive():
            one.finish()


def caught_up(ops: LibOps, engine: ProjectionEngine) -> bool:
    last = ops.event_log().max_notification_id()
    return all(engine.position(name) == last for name in engine.names)


class TestFollow:
    def test_catches_up_then_applies_new_events(
        self, ops: LibOps, planner: Actor, follower: Callable[..., Follower]
    ) -> None:
        """Events before and after the follower started are each applied exactly once."""
        bulk_history(ops, planner, 3, 4)
        one = follower()
        wait_for(lambda: caught_up(ops, one.engine))
        bulk_history(ops, planner, 4, 6)
        wait_for(lambda: caught_up(ops, one.engine))
        totals = one.finish()
        with ProjectionEngine(ops, [CampaignCounts(), Totals()]) as reader:
            view = reader.view("test-campaign-counts")
            assert reader.get("test-amendments", "amendments") == 3 * 4 + 4 * 6
        expected = bulk_expected(3, 4)
        later = bulk_expected(4, 6)
        for key, value in later.items():
            if isinstance(value, dict):
                base = expected.setdefault(key, {})
                for field, n in value.items():
                    base[field] = base.get(field, 0) + n
            else:
                expected[key] = expected.get(key, 0) + value
        assert counts(view) == expected
        events = 3 * 5 + 4 * 7
        assert totals["test-campaign-counts"].applied == events
        assert totals["test-amendments"].applied == 3 * 4 + 4 * 6
        assert totals["test-campaign-counts"].position == ops.event_log().max_notification_id()
        assert sum(r["test-campaign-counts"].applied for r in one.rounds) == events
        assert one.progress
        last_position = one.progress[-1]["test-campaign-counts"]
        assert last_position == totals["test-campaign-counts"].position

    def test_stops_from_another_thread_while_waiting(
        self, ops: LibOps, follower: Callable[..., Follower]
    ) -> None:
        """A follower waiting on an empty log stops soon after the stop event is set."""
        one = follower(poll_interval=60.0)
        wait_for(lambda: len(one.rounds) >= 1)
        started = time.monotonic()
        one.finish()
        assert time.monotonic() - started < 5.0

    def test_a_stop_function_stops_it(self, ops: LibOps, planner: Actor) -> None:
        """``stop`` may be a function: the follower ends once it answers True."""
        bulk_history(ops, planner, 2, 1)
        rounds: list[int] = []
        with ProjectionEngine(ops, [CampaignCounts()]) as engine:
            totals = engine.follow(
                stop=lambda: len(rounds) >= 3,
                poll_interval=0.01,
                on_round=lambda applied, _totals: rounds.append(1),
            )
        assert len(rounds) == 3
        assert totals["test-campaign-counts"].applied == 2 * 2

    def test_two_followers_apply_each_event_once(
        self, ops: LibOps, planner: Actor, follower: Callable[..., Follower]
    ) -> None:
        """Two engines following the same store at once share the events: once each."""
        first, second = follower(), follower()
        for _ in range(5):
            bulk_history(ops, planner, 2, 3)
            time.sleep(0.05)
        wait_for(lambda: caught_up(ops, first.engine) and caught_up(ops, second.engine))
        a, b = first.finish(), second.finish()
        applied = a["test-amendments"].applied + b["test-amendments"].applied
        assert applied == 5 * 2 * 3
        with ProjectionEngine(ops, [Totals()]) as reader:
            assert reader.get("test-amendments", "amendments") == 5 * 2 * 3

    def test_refuses_bad_options(self, ops: LibOps) -> None:
        """A poll interval that is not a positive number, or a stop that is neither an event
        nor a function, is refused before anything runs."""
        with ProjectionEngine(ops, [Totals()]) as engine:
            for interval in (0, -1, True, "1"):
                with pytest.raises(InvalidValueError, match="poll_interval"):
                    engine.follow(stop=threading.Event(), poll_interval=interval)  # type: ignore[arg-type]
            with pytest.raises(InvalidValueError, match="stop"):
                engine.follow(stop=5)  # type: ignore[arg-type]


class TestWakingUp:
    def test_postgresql_wakes_up_on_new_events(
        self, postgres_url: str, clock: ManualClock, planner: Actor
    ) -> None:
        """On PostgreSQL a follower with a long poll interval still sees a new event at once:
        the insert's NOTIFY wakes it (no database functions needed)."""
        with LibOps.open(postgres_url, clock=clock, migrate=True) as ops:
            one = Follower(ops, poll_interval=60.0).start()
            try:
                wait_for(lambda: len(one.rounds) >= 1)
                time.sleep(0.3)  # waiting now, for up to a minute
                bulk_history(ops, planner, 1, 2)
                wait_for(lambda: caught_up(ops, one.engine), timeout=10.0)
            finally:
                totals = one.finish()
            assert totals["test-amendments"].applied == 2

    def test_sqlite_polls(self, tmp_path: object, clock: ManualClock, planner: Actor) -> None:
        """On SQLite a follower looks again every poll interval (nothing can wake it)."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            watch = ops.event_log().watch()
            try:
                started = time.monotonic()
                assert watch.wait(0.2) is False
                assert time.monotonic() - started >= 0.19
            finally:
                watch.close()
            one = Follower(ops, poll_interval=0.1).start()
            try:
                wait_for(lambda: len(one.rounds) >= 1)
                bulk_history(ops, planner, 1, 2)
                wait_for(lambda: caught_up(ops, one.engine))
            finally:
                totals = one.finish()
            assert totals["test-amendments"].applied == 2

"""The projection engine on every kind of store: exactly once, resumable, rebuildable."""

from __future__ import annotations

import gc
import threading
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.viewstores import MemoryViewStore, PostgresViewStore, SQLiteViewStore
from libops.domain.campaign import Campaign
from libops.domain.errors import InvalidValueError, MigrationRequiredError, StorageError
from libops.domain.values import Objective, Period
from libops.projections import Projection, ProjectionEngine, View, handles

PERIOD = Period(date(2026, 4, 1), date(2026, 4, 30))


class CampaignCounts(Projection):
    """Campaigns planned, launched, amended and cancelled per kind; planned per platform."""

    name = "test-campaign-counts"

    @handles(Campaign.Planned)
    def planned(self, event: Campaign.Planned, view: View) -> None:
        view.put(f"campaign:{event.originator_id}", {"kind": event.kind.value})
        view.increment(f"kind:{event.kind.value}", field="planned")
        for platform in event.platforms:
            view.increment(f"platform:{platform.value}")

    @handles(Campaign.Launched)
    def launched(self, event: Campaign.Launched, view: View) -> None:
        kind = view.get(f"campaign:{event.originator_id}")["kind"]
        view.increment(f"kind:{kind}", field="launched")

    @handles(Campaign.Amended)
    def amended(self, event: Campaign.Amended, view: View) -> None:
        kind = view.get(f"campaign:{event.originator_id}")["kind"]
        view.increment(f"kind:{kind}", field="amended")

    @handles(Campaign.Cancelled)
    def cancelled(self, event: Campaign.Cancelled, view: View) -> None:
        kind = view.get(f"campaign:{event.originator_id}")["kind"]
        view.increment(f"kind:{kind}", field="cancelled")
        view.delete(f"campaign:{event.originator_id}")


class Totals(Projection):
    """A second projection: only the number of amendments (a one-number view)."""

    name = "test-amendments"

    @handles(Campaign.Amended)
    def amended(self, event: Campaign.Amended, view: View) -> None:
        view.increment("amendments")


def scenario(ops: LibOps, planner: Actor, admin: Actor) -> dict[str, Any]:
    """Three campaigns: A launched and amended, B planned, C cancelled; the expected view."""
    a = ops.campaigns.plan(
        planner,
        name="A",
        kind="topic",
        period=PERIOD,
        platforms=["weibo", "wechat"],
        objectives=[Objective("reads", 500)],
    )
    b = ops.campaigns.plan(planner, name="B", kind="topic", period=PERIOD, platforms=["weibo"])
    c = ops.campaigns.plan(planner, name="C", kind="kol", period=PERIOD, platforms=["douyin"])
    ops.campaigns.amend(planner, a, name="A2")
    ops.campaigns.launch(admin, a)
    ops.campaigns.cancel(admin, c, "no partner")
    return {
        f"campaign:{a}": {"kind": "topic"},
        f"campaign:{b}": {"kind": "topic"},
        "kind:topic": {"planned": 2, "amended": 1, "launched": 1},
        "kind:kol": {"planned": 1, "cancelled": 1},
        "platform:weibo": 2,
        "platform:wechat": 1,
        "platform:douyin": 1,
    }


def bulk_history(ops: LibOps, planner: Actor, campaigns: int, amendments: int) -> None:
    """``campaigns`` campaigns of two kinds, each amended ``amendments`` times (saved directly)."""
    for number in range(campaigns):
        campaign = Campaign.plan(
            planner,
            name=f"C{number}",
            kind="topic" if number % 2 else "kol",
            period=PERIOD,
            platforms=["weibo"],
        )
        for amendment in range(amendments):
            campaign.amend(planner, description=f"d{amendment}")
        ops.app.save(campaign)


def bulk_expected(campaigns: int, amendments: int) -> dict[str, Any]:
    """The counts of :func:`bulk_history` (campaign documents aside)."""
    kol = (campaigns + 1) // 2
    topic = campaigns // 2
    expected: dict[str, Any] = {"platform:weibo": campaigns}
    if kol:
        expected["kind:kol"] = {"planned": kol, "amended": kol * amendments}
    if topic:
        expected["kind:topic"] = {"planned": topic, "amended": topic * amendments}
    return expected


def counts(view: dict[str, Any]) -> dict[str, Any]:
    """The view without its per-campaign documents."""
    return {k: v for k, v in view.items() if not k.startswith("campaign:")}


class TestCustomProjectionOnStores:
    def test_hand_computed_view(self, ops: LibOps, planner: Actor, admin: Actor) -> None:
        """The example projection gives the values worked out by hand, on every store."""
        expected = scenario(ops, planner, admin)
        with ProjectionEngine(ops, [CampaignCounts()]) as engine:
            report = engine.run()["test-campaign-counts"]
            assert engine.view("test-campaign-counts") == expected
            assert report.applied == 6
            assert engine.position("test-campaign-counts") == report.position > 0
            assert engine.get("test-campaign-counts", "platform:weibo") == 2
            assert engine.get("test-campaign-counts", "nothing", "none") == "none"

    def test_filters_by_topic_and_runs_two_projections(
        self, ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """Each projection sees only its events and keeps its own position."""
        scenario(ops, planner, admin)
        with ProjectionEngine(ops, [CampaignCounts(), Totals()], batch_size=2) as engine:
            reports = engine.run()
            assert reports["test-amendments"].applied == 1
            assert reports["test-campaign-counts"].applied == 6
            # They read the log together: one pass of 3 batches of 2 events for both.
            assert reports["test-amendments"].batches == 3
            assert reports["test-campaign-counts"].batches == 3
            assert engine.view("test-amendments") == {"amendments": 1}
            assert engine.position("test-amendments") == engine.position("test-campaign-counts")

    def test_a_projection_behind_catches_up_alone_then_joins(
        self, ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """A projection added later replays up to the others' position, then they go on
        together; neither misses nor repeats an event."""
        expected = scenario(ops, planner, admin)
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=2) as engine:
            engine.run()
        a = ops.campaigns.plan(planner, name="D", kind="topic", period=PERIOD, platforms=["weibo"])
        ops.campaigns.amend(planner, a, name="D2")
        with ProjectionEngine(ops, [CampaignCounts(), Totals()], batch_size=2) as engine:
            reports = engine.run()
            assert reports["test-amendments"].applied == 2
            assert reports["test-campaign-counts"].applied == 2
            assert engine.view("test-amendments") == {"amendments": 2}
            view = counts(engine.view("test-campaign-counts"))
            assert view["kind:topic"] == {"planned": 3, "amended": 2, "launched": 1}
            assert view["platform:weibo"] == expected["platform:weibo"] + 1
            assert engine.position("test-amendments") == engine.position("test-campaign-counts")
            assert engine.run()["test-amendments"].applied == 0

    def test_second_run_changes_nothing_and_new_events_are_added(
        self, ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """Running again applies nothing; events recorded later are applied once."""
        expected = scenario(ops, planner, admin)
        with ProjectionEngine(ops, [CampaignCounts()]) as engine:
            engine.run()
            assert engine.run()["test-campaign-counts"].applied == 0
            ops.campaigns.plan(planner, name="D", kind="kol", period=PERIOD, platforms=["weibo"])
            assert engine.run()["test-campaign-counts"].applied == 1
            view = counts(engine.view("test-campaign-counts"))
        assert view["platform:weibo"] == expected["platform:weibo"] + 1
        assert view["kind:kol"] == {"planned": 2, "cancelled": 1}

    def test_batches_equal_one_by_one(self, ops: LibOps, planner: Actor) -> None:
        """Catching up in batches of 50 gives the same view as one event at a time."""
        bulk_history(ops, planner, 7, 9)
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=1) as one:
            one.run()
            single = one.view("test-campaign-counts")
            one.rebuild("test-campaign-counts")
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=50) as many:
            many.rebuild("test-campaign-counts")
            assert many.view("test-campaign-counts") == single
        assert counts(single) == bulk_expected(7, 9)

    def test_a_batch_is_read_in_pages_and_committed_once(
        self, ops: LibOps, planner: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A batch of more events than a read page is read a page at a time (never more
        than a page, nor past the batch) and committed as one batch."""
        monkeypatch.setattr("libops.projections.engine.READ_PAGE", 3)
        bulk_history(ops, planner, 5, 10)  # 55 events
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=7) as engine:
            asked: list[int] = []
            read = engine._read

            def counted(position: int, topics: tuple[str, ...], stop: int, limit: int) -> Any:
                asked.append(limit)
                return read(position, topics, stop, limit)

            monkeypatch.setattr(engine, "_read", counted)
            report = engine.run()["test-campaign-counts"]
            assert counts(engine.view("test-campaign-counts")) == bulk_expected(5, 10)
        assert (report.applied, report.batches) == (55, 8)  # 7 batches of 7, then 6
        # Each batch of 7: pages of 3, 3 and 1; the last (6 events) 3, 3, then 1 that finds
        # nothing more (the end of the log).
        assert asked == [3, 3, 1] * 7 + [3, 3, 1]

    def test_a_batch_ends_early_once_it_touched_enough_documents(
        self, ops: LibOps, planner: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The documents a batch touches are held until it commits: past TOUCHED_AT_MOST of
        them, the batch ends after its page, and the next one goes on from there."""
        monkeypatch.setattr("libops.projections.engine.READ_PAGE", 3)
        bulk_history(ops, planner, 5, 10)  # 55 events
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=100) as engine:
            whole = engine.run()["test-campaign-counts"]
            expected = engine.view("test-campaign-counts")
        monkeypatch.setattr("libops.projections.engine.TOUCHED_AT_MOST", 4)
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=100) as engine:
            early = engine.rebuild("test-campaign-counts")
            assert engine.view("test-campaign-counts") == expected
        assert (whole.applied, whole.batches) == (55, 1)
        assert early.applied == 55
        assert early.batches > 1  # ended early, again and again

    def test_an_event_that_cannot_be_decoded_is_named(
        self, ops: LibOps, planner: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An event failing to decode stops the run with a note naming the notification
        and the projections it was read for; nothing of the batch is committed."""
        bulk_history(ops, planner, 2, 2)
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=100) as engine:
            decode = engine.log.to_domain_event
            seen = [0]

            def failing(notification: Any) -> Any:
                seen[0] += 1
                if seen[0] == 3:
                    raise ValueError("not an event")
                return decode(notification)

            monkeypatch.setattr(engine.log, "to_domain_event", failing)
            with pytest.raises(ValueError, match="not an event") as raised:
                engine.run()
            assert engine.position("test-campaign-counts") == 0
        note = "".join(raised.value.__notes__)
        assert "decoding for test-campaign-counts failed on notification" in note

    @pytest.mark.parametrize("fails_at", [0, 2])
    def test_a_page_failing_as_it_is_gone_through_is_named(
        self, ops: LibOps, planner: Actor, monkeypatch: pytest.MonkeyPatch, fails_at: int
    ) -> None:
        """A log's page may make its notifications as they are asked for: one failing to be
        made stops the run with a note saying the log could not be read, after which
        notification (none for the first), not blaming the one before; nothing of the
        batch is committed."""
        bulk_history(ops, planner, 2, 2)
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=100) as engine:
            select = engine.log.select_notifications
            made: list[Any] = []

            def failing_page(*args: Any, **kwargs: Any) -> Iterator[Any]:
                for index, notification in enumerate(select(*args, **kwargs)):
                    if index == fails_at:
                        raise ValueError("a row that cannot be read")
                    made.append(notification)
                    yield notification

            class Page(Sequence[Any]):
                def __init__(self, *args: Any, **kwargs: Any) -> None:
                    self._args, self._kwargs = args, kwargs
                    self._rows = list(select(*args, **kwargs))

                def __len__(self) -> int:
                    return len(self._rows)

                def __getitem__(self, index: Any) -> Any:
                    return self._rows[index]

                def __iter__(self) -> Iterator[Any]:
                    return failing_page(*self._args, **self._kwargs)

            monkeypatch.setattr(engine.log, "select_notifications", Page)
            with pytest.raises(ValueError, match="a row that cannot be read") as raised:
                engine.run()
            assert engine.position("test-campaign-counts") == 0
        note = "\n".join(raised.value.__notes__)
        assert len(made) == fails_at
        if fails_at == 0:
            assert "reading the log for test-campaign-counts failed\n" in note
        else:
            assert (
                f"reading the log for test-campaign-counts failed after notification "
                f"{made[-1].id}\n" in note
            )
        assert "decoding" not in note
        assert "failed on notification" not in note

    def test_a_read_failing_mid_batch_commits_nothing_of_it(
        self, ops: LibOps, planner: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The log failing on a batch's second page: the run stops with the store's error,
        the pages applied before it are not committed, and a later run applies every event
        once."""
        monkeypatch.setattr("libops.projections.engine.READ_PAGE", 3)
        bulk_history(ops, planner, 5, 10)  # 55 events
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=7) as engine:
            read = engine._read
            pages = [0]

            def failing(position: int, topics: tuple[str, ...], stop: int, limit: int) -> Any:
                pages[0] += 1
                if pages[0] == 5:  # the second page of the second batch
                    raise StorageError("the log is gone for a moment")
                return read(position, topics, stop, limit)

            monkeypatch.setattr(engine, "_read", failing)
            with pytest.raises(StorageError, match="gone for a moment"):
                engine.run()
            assert engine.position("test-campaign-counts") > 0  # the first batch, committed
            first = counts(engine.view("test-campaign-counts"))
            monkeypatch.setattr(engine, "_read", read)
            report = engine.run()["test-campaign-counts"]
            assert report.applied == 55 - 7
            assert counts(engine.view("test-campaign-counts")) == bulk_expected(5, 10)
        assert first != bulk_expected(5, 10)

    def test_resume_after_stopping_midway(self, ops: LibOps, planner: Actor) -> None:
        """Stopping after a few batches and running again equals one uninterrupted run."""
        bulk_history(ops, planner, 5, 10)
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=7) as first:
            report = first.run(max_batches=3)["test-campaign-counts"]
            assert report.batches == 3
            assert report.applied == 21
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=7) as second:
            assert second.run()["test-campaign-counts"].applied == 55 - 21
            assert counts(second.view("test-campaign-counts")) == bulk_expected(5, 10)

    def test_rebuild_equals_first_run(self, ops: LibOps, planner: Actor, admin: Actor) -> None:
        """Rebuilding drops view and position and replays to the same view."""
        expected = scenario(ops, planner, admin)
        with ProjectionEngine(ops, [CampaignCounts()]) as engine:
            first = engine.run()["test-campaign-counts"]
            report = engine.rebuild("test-campaign-counts")
            assert report.applied == first.applied
            assert report.position == first.position
            assert engine.view("test-campaign-counts") == expected

    def test_failed_write_changes_nothing(
        self, ops: LibOps, planner: Actor, admin: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A batch whose write fails inside the transaction leaves view and position unchanged."""
        expected = scenario(ops, planner, admin)
        with ProjectionEngine(ops, [CampaignCounts()], batch_size=4) as engine:
            engine.run(max_batches=1)
            before_view = engine.view("test-campaign-counts")
            before_position = engine.position("test-campaign-counts")
            backend = type(engine._views)

            def failing(*args: Any) -> bool:
                raise RuntimeError("disk full")

            # The documents are written first, then the position fails: both must roll back.
            monkeypatch.setattr(backend, "_advance", failing)
            with pytest.raises(RuntimeError, match="disk full"):
                engine.run()
            assert engine.view("test-campaign-counts") == before_view
            assert engine.position("test-campaign-counts") == before_position
            monkeypatch.undo()
            engine.run()
            assert engine.view("test-campaign-counts") == expected


class Broken(Projection):
    """A projection with a bug: it expects a document that is never written."""

    name = "test-broken"

    @handles(Campaign.Launched)
    def launched(self, event: Campaign.Launched, view: View) -> None:
        view.increment("launched")
        view.get(f"campaign:{event.originator_id}")["kind"]


class TestFailingHandler:
    def test_handler_error_names_the_notification_and_commits_nothing(
        self, ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """A handler that raises stops the run with a note saying where; nothing is written."""
        scenario(ops, planner, admin)
        with ProjectionEngine(ops, [Broken()]) as engine:
            with pytest.raises(TypeError) as raised:
                engine.run()
            assert "projection 'test-broken' failed on notification" in "".join(
                raised.value.__notes__
            )
            assert engine.view("test-broken") == {}
            assert engine.position("test-broken") == 0


class TestConflicts:
    def test_loser_rolls_back_and_rereads(
        self, ops: LibOps, planner: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An engine whose batch another engine committed first discards it and carries on."""
        bulk_history(ops, planner, 3, 9)
        with (
            ProjectionEngine(ops, [CampaignCounts()], batch_size=4) as loser,
            ProjectionEngine(ops, [CampaignCounts()], batch_size=6) as winner,
        ):
            original = loser._views.commit
            raced: list[int] = []

            def commit_after_the_winner(*args: Any) -> bool:
                if not raced:  # the winner runs to the end between the loser's read and write
                    raced.append(winner.run()["test-campaign-counts"].applied)
                return original(*args)

            monkeypatch.setattr(loser._views, "commit", commit_after_the_winner)
            report = loser.run()["test-campaign-counts"]
            assert raced == [30]
            assert report.conflicts == 1
            assert report.applied == 0
            assert report.position == winner.position("test-campaign-counts")
            assert counts(loser.view("test-campaign-counts")) == bulk_expected(3, 9)


class TestConcurrentEngines:
    @pytest.mark.parametrize("kind", ["memory", "sqlite", "postgresql"])
    def test_concurrent_engines_apply_each_event_once(
        self,
        kind: str,
        request: pytest.FixtureRequest,
        tmp_path: object,
        clock: ManualClock,
        planner: Actor,
    ) -> None:
        """Four engines running at once in threads give the view of one engine."""
        from tests.conftest import make_store_url

        url = make_store_url(kind, tmp_path, request)
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            bulk_history(ops, planner, 6, 100)
            engines = [ProjectionEngine(ops, [CampaignCounts()], batch_size=2) for _ in range(4)]
            reports: list[int] = []
            errors: list[BaseException] = []
            start = threading.Barrier(len(engines))

            def work(engine: ProjectionEngine) -> None:
                try:
                    start.wait()
                    reports.append(engine.run()["test-campaign-counts"].applied)
                except BaseException as error:  # reported by the main thread below
                    errors.append(error)

            threads = [threading.Thread(target=work, args=(e,)) for e in engines]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not errors
            assert sum(reports) == 6 * 101
            assert counts(engines[0].view("test-campaign-counts")) == bulk_expected(6, 100)
            for engine in engines:
                engine.close()


def _run_in_process(url: str, start: Any, results: Any) -> None:
    """The body of a separate engine process: catch up and report how many events it applied."""
    with LibOps.open(url) as ops, ProjectionEngine(ops, [CampaignCounts()], batch_size=3) as e:
        start.wait(timeout=60)
        results.put(e.run()["test-campaign-counts"].applied)


class TestConcurrentProcesses:
    @pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
    def test_three_processes_apply_each_event_once(
        self,
        kind: str,
        request: pytest.FixtureRequest,
        tmp_path: object,
        clock: ManualClock,
        planner: Actor,
    ) -> None:
        """Three engine processes on the same store together apply every event exactly once."""
        import multiprocessing

        from tests.conftest import make_store_url

        url = make_store_url(kind, tmp_path, request)
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            bulk_history(ops, planner, 4, 100)
            context = multiprocessing.get_context("spawn")
            results = context.Queue()
            start = context.Barrier(3)
            processes = [
                context.Process(target=_run_in_process, args=(url, start, results))
                for _ in range(3)
            ]
            for process in processes:
                process.start()
            for process in processes:
                process.join(timeout=120)
            assert [p.exitcode for p in processes] == [0, 0, 0]
            applied = [results.get(timeout=5) for _ in processes]
            assert sum(applied) == 4 * 101
            with ProjectionEngine(ops, [CampaignCounts()]) as engine:
                assert counts(engine.view("test-campaign-counts")) == bulk_expected(4, 100)
                assert engine.run()["test-campaign-counts"].applied == 0


class TestDocumentedExample:
    def test_docs_example_runs_on_postgresql(self, postgres_url: str, tmp_path: Path) -> None:
        """docs/projections.md's example, pointed at a PostgreSQL schema, runs as written."""
        from tests.test_docs import ROOT, run_examples

        text = (ROOT / "docs" / "projections.md").read_text()
        marker = 'STORE = "sqlite:///libops.db"'
        assert text.count(marker) == 1
        copy = tmp_path / "projections_pg.md"
        copy.write_text(text.replace(marker, f"STORE = {postgres_url!r}"))
        assert run_examples(copy, tmp_path, shown_as="docs/projections.md (PostgreSQL)") >= 4


class TestRunByUrl:
    def test_run_opens_catches_up_and_closes(
        self, tmp_path: Path, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """libops.run_projections catches a store's projections up by URL, once."""
        from libops import run_projections

        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            expected = scenario(ops, planner, admin)
        first = run_projections(url, [CampaignCounts(), Totals()])
        again = run_projections(url, [CampaignCounts(), Totals()])
        assert first["test-campaign-counts"].applied == 6
        assert again["test-campaign-counts"].applied == 0
        with (
            LibOps.open(url, clock=clock) as ops,
            ProjectionEngine(ops, [CampaignCounts()]) as engine,
        ):
            assert engine.view("test-campaign-counts") == expected


class TestMigrationAndMemory:
    def test_engine_needs_migrated_tables(self, tmp_path: object, clock: ManualClock) -> None:
        """On a SQLite file without the projection tables the engine asks for a migration."""
        import sqlite3

        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            conn = sqlite3.connect(ops.config.env["SQLITE_DBNAME"])
            conn.execute("DROP TABLE libops_projection_tracking")
            conn.commit()
            conn.close()
            with pytest.raises(MigrationRequiredError):
                ProjectionEngine(ops, [CampaignCounts()])

    def test_backend_kind_follows_the_store(self, store_url: str, clock: ManualClock) -> None:
        """memory:// keeps views in the process, SQLite and PostgreSQL in the store."""
        kinds = {
            "memory": MemoryViewStore,
            "sqlite": SQLiteViewStore,
            "postgresql": PostgresViewStore,
        }
        with (
            LibOps.open(store_url, clock=clock, migrate=True) as ops,
            ProjectionEngine(ops, [Totals()]) as engine,
        ):
            assert isinstance(engine._views, kinds[ops.config.scheme])

    def test_memory_stays_flat(self, clock: ManualClock, planner: Actor) -> None:
        """Peak memory of a catch-up over 20,000 events is close to that over 2,000."""
        peaks = []
        for campaigns in (20, 200):
            with LibOps.open("memory://", clock=clock) as ops:
                bulk_history(ops, planner, campaigns, 99)
                with ProjectionEngine(ops, [Totals()], batch_size=500) as engine:
                    gc.collect()
                    tracemalloc.start()
                    try:
                        engine.run()
                        peaks.append(tracemalloc.get_traced_memory()[1])
                    finally:
                        tracemalloc.stop()
                    assert engine.view("test-amendments") == {"amendments": campaigns * 99}
        assert peaks[1] < 2 * peaks[0] + 200_000


class TestOnThePorts:
    def test_an_engine_on_an_event_log_and_a_view_store(
        self, memory_ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """An engine built on the two ports gives the same view, and leaves the store open."""
        expected = scenario(memory_ops, planner, admin)
        views = MemoryViewStore()
        with ProjectionEngine(memory_ops.event_log(), [CampaignCounts()], views=views) as engine:
            assert engine.run()["test-campaign-counts"].applied == 6
            assert engine.view("test-campaign-counts") == expected
        assert views.position("test-campaign-counts") > 0  # still usable: the caller closes it
        views.close()

    def test_an_event_log_needs_a_view_store(self, memory_ops: LibOps) -> None:
        """Without an opened store to open views on, the engine asks for a view store."""
        with pytest.raises(InvalidValueError, match="views="):
            ProjectionEngine(memory_ops.event_log(), [Totals()])

    def test_something_else_is_refused(self) -> None:
        """An engine runs on an opened store or an event log, nothing else."""
        with pytest.raises(InvalidValueError, match="not str"):
            ProjectionEngine("sqlite:///libops.db", [Totals()])  # type: ignore[arg-type]

    def test_no_workers_without_a_store_to_reopen(self, memory_ops: LibOps) -> None:
        """Worker processes need a store they can open: not an engine built on an event log."""
        with (
            ProjectionEngine(memory_ops.event_log(), [Totals()], views=MemoryViewStore()) as engine,
            pytest.raises(InvalidValueError, match="worker processes"),
        ):
            engine.run(workers=2)

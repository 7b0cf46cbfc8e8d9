"""Log followers on PostgreSQL with eight concurrent writer processes: no event missed or doubled.

Why a follower can trust "everything after my position" on PostgreSQL: notification ids come
from the events table's ``bigserial`` sequence, and a sequence hands out numbers when a
transaction inserts, not when it commits. If two writers could insert at once, the one that
drew id 11 could commit after the one that drew id 12; a follower reading ``notification_id >
10`` in between would see 12, move its position to 12 and never look at 11 again. eventsourcing
9.5.6 closes that gap in ``PostgresApplicationRecorder._insert_stored_events``
(``eventsourcing/postgres.py``): before the ``INSERT``, in the same transaction, ``_lock_table``
runs ``SET LOCAL lock_timeout = '<POSTGRES_LOCK_TIMEOUT>s'`` (0, wait as long as it takes,
unless the store URL's ``lock_timeout`` says otherwise) and ``LOCK TABLE
<schema>.libops_events IN EXCLUSIVE MODE``. That lock conflicts with itself and with the ROW
EXCLUSIVE lock any other ``INSERT`` takes, and is held until commit, so inserting transactions
run one after another: each draws all its ids and commits before the next draws any, and ids
become visible in id order. EXCLUSIVE does not conflict with the ACCESS SHARE lock of a
``SELECT``, so followers read while writers write. Under READ COMMITTED a follower's query
sees a snapshot in which, if id N is committed, every lower id was committed earlier (or
rolled back, leaving a gap that is never filled: a writer that loses an optimistic-concurrency
race still consumed its ids). libops's engine relies on exactly that (``WHERE notification_id
> position ORDER BY notification_id``) plus its compare-and-set of the position.

eventsourcing's other insert path, a database function used when
``POSTGRES_ENABLE_DB_FUNCTIONS`` is set, skips ``LOCK TABLE``; libops refuses to open a store
with that setting (``check_safe_settings`` in ``libops/adapters/storage.py``). The last test
here checks on the live server that a libops write really waits for that table lock.
"""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import psycopg

from libops import Actor, LibOps, Objective, Period, Role
from libops.adapters.storage import events_table, parse_store_url
from libops.application.app import LibOpsApplication
from libops.domain.campaign import Campaign
from libops.domain.errors import ConcurrencyError
from libops.domain.idempotency import IdempotencyRecord
from libops.domain.post import Post
from libops.domain.values import PostVariant, ReviewChecklist
from libops.projections import Projection, ProjectionEngine, View, handles
from libops.projections.activity import ActivityLogProjection, entries

WRITERS = 8
ROUNDS = 8
"""Each writer's rounds: a campaign and a post through their lifecycle, 9 commands a round."""
BATCH = 7
FOLLOWERS = 2
TIMEOUT_S = 120.0
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)


class EventCounter(Projection):
    """Counts each event it is given under its aggregate id and version, and in ``total``."""

    name = "test-event-counter"

    @handles(
        Campaign.Planned,
        Campaign.Amended,
        Campaign.Launched,
        Campaign.Paused,
        Campaign.Resumed,
        Post.Drafted,
        Post.Revised,
        Post.SubmittedForReview,
        Post.Approved,
        IdempotencyRecord.Recorded,
    )
    def counted(self, event: Any, view: View) -> None:
        view.increment(f"event:{event.originator_id}:{event.originator_version}")
        view.increment("total")


def _retrying(command: Any, *args: Any, **kwargs: Any) -> None:
    """Run ``command`` again if it lost the race for the shared campaign too often."""
    for _ in range(50):
        try:
            command(*args, **kwargs)
            return
        except ConcurrencyError:
            time.sleep(0.001)
    raise AssertionError("a writer never won the race for the shared campaign")


def _write(url: str, index: int, shared: str, start: Any) -> None:
    """The body of writer process ``index``: ``ROUNDS`` rounds of real commands, at full speed."""
    planner = Actor(f"planner-w{index}", [Role.CONTENT_PLANNER])
    reviewer = Actor(f"reviewer-w{index}", [Role.REVIEWER])
    admin = Actor(f"admin-w{index}", [Role.OPERATIONS_ADMIN])
    with LibOps.open(url) as ops:
        start.wait(timeout=TIMEOUT_S)
        for round_ in range(ROUNDS):
            # Two events in one transaction: the campaign's and the idempotency record's.
            campaign = ops.campaigns.plan(
                planner,
                name=f"Writer {index} round {round_}",
                kind="topic",
                period=APRIL,
                platforms=["weibo"],
                objectives=[Objective("reads", 100)],
                idempotency_key=f"plan-{index}-{round_}",
            )
            ops.campaigns.amend(planner, campaign, description=f"round {round_}")
            post = ops.posts.draft(
                planner,
                title=f"Post {index}.{round_}",
                body="Books we loved.",
                content_type="knowledge",
                format="image_text",
                campaign_id=campaign,
                variants=[PostVariant("weibo", f"读书 {index}.{round_}", media=("a.jpg",))],
            )
            ops.posts.revise(planner, post, body="Books we loved this month.")
            ops.posts.submit_for_review(planner, post)
            ops.posts.review(reviewer, post, PASSED, approve=True)
            ops.campaigns.launch(admin, campaign)
            ops.campaigns.pause(admin, campaign, "a pause")
            # All eight writers amend one campaign: lost races roll back after drawing ids.
            _retrying(ops.campaigns.amend, planner, shared, description=f"writer {index} {round_}")


def _follow(url: str, start: Any, writers_done: Any, results: Any) -> None:
    """A follower process: run the engine in a loop while writers write, then once more."""
    with (
        LibOps.open(url) as ops,
        ProjectionEngine(ops, [EventCounter()], batch_size=BATCH) as engine,
    ):
        start.wait(timeout=TIMEOUT_S)
        applied = conflicts = batches = while_writing = 0
        while not writers_done.is_set():
            report = engine.run()[EventCounter.name]
            applied += report.applied
            batches += report.batches
            conflicts += report.conflicts
            while_writing += report.applied
            if not report.applied:
                time.sleep(0.005)
        report = engine.run()[EventCounter.name]  # every writer has exited: the rest
        results.put(
            {
                "applied": applied + report.applied,
                "batches": batches + report.batches,
                "conflicts": conflicts + report.conflicts,
                "while_writing": while_writing,
                "position": report.position,
            }
        )


def _start_cli_follower(url: str, stderr_path: Path) -> subprocess.Popen[bytes]:
    """``libops project run --follow`` (the standard projections) in its own process.

    ``--no-signals``: the follower only reads, so the log holds the writers' events alone.
    """
    with stderr_path.open("wb") as err:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "libops.cli",
                "project",
                "run",
                "--follow",
                "--no-signals",
                "--batch-size",
                str(BATCH),
                "--store",
                url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _wait_for(condition: Any, what: str, limit: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class TestFollowersWithConcurrentWriters:
    def test_followers_miss_nothing_and_count_nothing_twice(
        self, postgres_url: str, tmp_path: Path
    ) -> None:
        """Two engine processes and the CLI follower see each event of 8 writers exactly once."""
        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        with LibOps.open(postgres_url, migrate=True) as ops:
            shared = ops.campaigns.plan(
                planner, name="Shared", kind="topic", period=APRIL, platforms=["weibo"]
            )
            cli_stderr = tmp_path / "follow.err"
            context = multiprocessing.get_context("spawn")
            start = context.Barrier(WRITERS + FOLLOWERS + 1)
            writers_done = context.Event()
            results = context.Queue()
            followers = [
                context.Process(target=_follow, args=(postgres_url, start, writers_done, results))
                for _ in range(FOLLOWERS)
            ]
            writers = [
                context.Process(target=_write, args=(postgres_url, i, str(shared), start))
                for i in range(WRITERS)
            ]
            cli = _start_cli_follower(postgres_url, cli_stderr)
            try:
                for process in [*followers, *writers]:
                    process.start()
                _wait_for(
                    lambda: b"following new events" in cli_stderr.read_bytes(),
                    "the CLI to start following",
                )
                start.wait(timeout=TIMEOUT_S)  # writers and followers all start together
                for process in writers:
                    process.join(timeout=TIMEOUT_S)
                assert [p.exitcode for p in writers] == [0] * WRITERS
                writers_done.set()
                reports = [results.get(timeout=TIMEOUT_S) for _ in followers]
                for process in followers:
                    process.join(timeout=TIMEOUT_S)
                assert [p.exitcode for p in followers] == [0] * FOLLOWERS

                log = ops.app.recorder.select_notifications(0, 1_000_000, inclusive_of_start=False)
                activity = [n for n in log if n.topic in ActivityLogProjection.topics()]
                with ProjectionEngine(ops, [ActivityLogProjection()]) as watcher:
                    _wait_for(
                        lambda: watcher.position("activity") == activity[-1].id,
                        "the CLI follower to catch up",
                    )
                # Stopped the hard way: each batch commits atomically, so a follower killed at
                # any moment leaves a consistent view (Ctrl-C's summary: test_project_cli.py).
                assert cli.poll() is None, cli_stderr.read_text()
                cli.send_signal(signal.SIGTERM)
                cli.wait(timeout=TIMEOUT_S)
            finally:  # on failure, stop what this test started before its schema is dropped
                start.abort()
                for process in [*followers, *writers]:
                    if process.is_alive():
                        process.kill()
                        process.join()
                if cli.poll() is None:
                    cli.kill()
                    cli.wait()
            assert cli.returncode == -signal.SIGTERM, cli_stderr.read_text()

            # Every command was recorded (10 events a round, and the shared campaign's plan),
            # all of topics the counter handles; ids may have gaps where lost races rolled back.
            assert {n.topic for n in log} <= set(EventCounter.topics())
            events = [f"event:{n.originator_id}:{n.originator_version}" for n in log]
            assert len(events) == WRITERS * ROUNDS * 10 + 1
            # Both engines ran while the writers wrote, and between them applied each once.
            assert sum(r["while_writing"] for r in reports) > 0
            assert sum(r["applied"] for r in reports) == len(events)
            assert [r["position"] for r in reports] == [log[-1].id] * FOLLOWERS

            with ProjectionEngine(ops, [EventCounter()]) as engine:
                view = engine.view(EventCounter.name)
                assert engine.position(EventCounter.name) == log[-1].id
                assert engine.run()[EventCounter.name].applied == 0
            assert view.pop("total") == len(events)
            assert view == dict.fromkeys(events, 1)

            # The CLI's activity log: one entry per event, in log order, none twice.
            with ProjectionEngine(ops, [ActivityLogProjection()]) as engine:
                logged = engine.view("activity")
            assert logged["sequence"] == len(activity)
            listed = entries(logged)
            assert [(UUID(e["aggregate_id"]), e["version"], e["topic"]) for e in listed] == [
                (n.originator_id, n.originator_version, n.topic) for n in activity
            ]
            assert [e["sequence"] for e in listed] == list(range(1, len(activity) + 1))
            per_actor = Counter(e["actor_id"] for e in listed)
            assert {k: v["events"] for k, v in logged.items() if k.startswith("actor:")} == {
                f"actor:{actor}": n for actor, n in per_actor.items()
            }


def _events_table(url: str) -> tuple[str, str]:
    """The PostgreSQL schema and the name of the table libops's events are stored in."""
    config = parse_store_url(url)
    return config.schema, events_table(config, LibOpsApplication.name)


class TestWritersTakeTheTableLock:
    def test_a_write_waits_for_the_events_table_lock(self, postgres_url: str) -> None:
        """A libops write waits while another transaction may insert into the events table."""
        planner = Actor("planner-1", [Role.CONTENT_PLANNER])
        schema, table = _events_table(postgres_url)
        base = urlsplit(postgres_url)
        with LibOps.open(postgres_url, migrate=True) as ops:
            before = ops.app.recorder.max_notification_id()
            with psycopg.connect(
                host=base.hostname,
                port=base.port,
                user=base.username,
                password=base.password,
                dbname=base.path.lstrip("/"),
            ) as other:
                # What a plain INSERT holds until it commits: ROW EXCLUSIVE.
                other.execute(f'LOCK TABLE "{schema}"."{table}" IN ROW EXCLUSIVE MODE')
                done = threading.Event()

                def plan_then_signal() -> None:
                    ops.campaigns.plan(planner, name="Blocked", kind="topic", period=APRIL)
                    done.set()

                writer = threading.Thread(target=plan_then_signal)
                writer.start()

                def waiting() -> bool:
                    row = other.execute(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s AND c.relname = %s "
                        "AND l.mode = 'ExclusiveLock' AND NOT l.granted",
                        (schema, table),
                    ).fetchone()
                    return bool(row and row[0] == 1)

                _wait_for(waiting, "the write to wait for the table lock", limit=30)
                assert not done.is_set()
                assert ops.app.recorder.max_notification_id() == before  # reads go on
                other.commit()
            writer.join(timeout=30)
            assert done.is_set()
            assert ops.app.recorder.max_notification_id() == (before or 0) + 1

"""How long a cold load of a post with a long metric history takes, with and without snapshots.

One run builds a SQLite store holding one post published on Weibo with N metric snapshots
(``Post.MetricsRecorded`` events; 20,000 by default), recorded a thousand at a time through
the post's own ``record_metrics``, and saved as libops saves them: a snapshot of the post is
taken every ``SNAPSHOT_INTERVAL`` (50) events. A copy of that store with its snapshots table
emptied is the baseline: the same events, nothing to start from but the first.

Then, for each of ``--rounds`` rounds, alternately on each store, a *cold load*: a new
``LibOps`` instance (an empty aggregate cache) is opened, and ``ops.posts.get(post_id)`` is
timed, opening excluded. With snapshots it reads the latest snapshot and the events after it
(at most 49); without, it reads and replays all N + 4 events. Each figure is the median of the
rounds. ``ratio`` = without / with; ``under_50ms`` says whether the cold load with snapshots
took under 50 ms. The loaded posts are compared: the one from the snapshot must equal the
one replayed from every event.

The last line is a JSON object with ``metric_snapshots``, ``events``, ``snapshots`` (rows in
the snapshots table), ``with_snapshots_ms``, ``without_snapshots_ms``, ``ratio``,
``under_50ms``, ``equal`` and the rounds' times.

    python benchmarks/snapshots.py            # 20,000 metric snapshots, 7 rounds
    python benchmarks/snapshots.py --quick    # 2,000 metric snapshots, 3 rounds
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from libops import Actor, LibOps, MetricSnapshot, PostVariant, ReviewChecklist, Role
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.application.app import SNAPSHOT_INTERVAL

DEFAULT_SNAPSHOTS = 20_000
QUICK_SNAPSHOTS = 2_000
DEFAULT_ROUNDS = 7
QUICK_ROUNDS = 3
TARGET_MS = 50.0
BATCH = 1_000

PLANNER = Actor("benchmark.planner", [Role.CONTENT_PLANNER])
REVIEWER = Actor("benchmark.reviewer", [Role.REVIEWER])
TECH = Actor("benchmark.tech", [Role.TECHNICAL_SUPPORT])
START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def build(url: str, metric_snapshots: int) -> UUID:
    """A store with one post and ``metric_snapshots`` cumulative snapshots on Weibo."""
    clock = ManualClock(START)
    weibo = SandboxPlatform("weibo", seed="benchmark", clock=clock)
    with LibOps.open(url, clock=clock, migrate=True, gateways=[weibo]) as ops:
        post_id = ops.posts.draft(
            PLANNER,
            title="Reading list",
            body="Ten books our librarians loved.",
            content_type="knowledge",
            format="image_text",
            variants=[PostVariant("weibo", "#读书# Ten books")],
        )
        ops.posts.submit_for_review(PLANNER, post_id)
        ops.posts.review(REVIEWER, post_id, ReviewChecklist(True, True, True), approve=True)
        ops.publishing.publish(TECH, post_id, "weibo")
        recorded = 0
        while recorded < metric_snapshots:
            post = ops.posts.get(post_id)
            for _ in range(min(BATCH, metric_snapshots - recorded)):
                recorded += 1
                seen = START + timedelta(minutes=recorded)
                snapshot = MetricSnapshot("weibo", seen, reads=recorded * 3, likes=recorded)
                post.record_metrics(TECH, snapshot, now=seen)
            ops.app.save(post)  # takes a snapshot at every SNAPSHOT_INTERVAL-th version
    return post_id


def without_snapshots(source: Path, target: Path) -> None:
    """Copy the store at ``source`` to ``target`` and empty the copy's snapshots table."""
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)  # whatever the write-ahead log still holds comes along
    with sqlite3.connect(target) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name.endswith("_snapshots")
        ]
        for table in tables:
            db.execute(f"DELETE FROM {table}")
    with sqlite3.connect(target) as db:
        db.execute("VACUUM")
    target.chmod(0o600)  # libops opens only owner-only store files


def snapshot_rows(path: Path) -> int:
    """How many rows the snapshots table of the store at ``path`` holds."""
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name.endswith("_snapshots")
        ]
        return sum(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables)


def cold_load(url: str, post_id: UUID) -> tuple[float, Any]:
    """Open a new LibOps on ``url`` and time loading the post (seconds), with the post."""
    with LibOps.open(url) as ops:
        started = time.perf_counter()
        post = ops.posts.get(post_id)
        elapsed = time.perf_counter() - started
    return elapsed, post


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--metric-snapshots", type=int, default=DEFAULT_SNAPSHOTS, help="N: the post's history"
    )
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_SNAPSHOTS:,}")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: temp)")
    args = parser.parse_args(argv)
    n = QUICK_SNAPSHOTS if args.quick else args.metric_snapshots
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS)
    if n < 1:
        parser.error("--metric-snapshots must be at least 1")
    if rounds < 1:
        parser.error("--rounds must be at least 1")

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        with_path, without_path = directory / "snapshots.db", directory / "no-snapshots.db"
        for store in (with_path, without_path):  # never add to an old run's
            for path in (store, store.with_name(f"{store.stem}.keys{store.suffix}")):
                for suffix in ("", "-wal", "-shm", ".migrate-lock"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        started = time.perf_counter()
        post_id = build(f"sqlite:///{with_path}", n)
        for suffix in (".keys.db",):
            key_file = with_path.with_name(f"{with_path.stem}{suffix}")
            if key_file.exists():
                shutil.copy2(key_file, without_path.with_name(f"{without_path.stem}{suffix}"))
        without_snapshots(with_path, without_path)
        print(
            f"built a post with {n:,} metric snapshots in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
        times: dict[str, list[float]] = {"with": [], "without": []}
        loaded: dict[str, Any] = {}
        for round_ in range(1, rounds + 1):
            for name, path in (("without", without_path), ("with", with_path)):
                seconds, post = cold_load(f"sqlite:///{path}", post_id)
                times[name].append(seconds)
                loaded[name] = post
            print(
                f"round {round_}: cold load with snapshots {times['with'][-1] * 1000:.1f} ms, "
                f"without {times['without'][-1] * 1000:.1f} ms",
                file=sys.stderr,
            )
        with_ms = statistics.median(times["with"]) * 1000
        without_ms = statistics.median(times["without"]) * 1000
        equal = vars(loaded["with"]) == vars(loaded["without"])
        summary = {
            "metric_snapshots": n,
            "events": loaded["with"].version,
            "snapshot_interval": SNAPSHOT_INTERVAL,
            "snapshots": snapshot_rows(with_path),
            "with_snapshots_ms": round(with_ms, 2),
            "without_snapshots_ms": round(without_ms, 2),
            "ratio": round(without_ms / with_ms, 1),
            "under_50ms": with_ms < TARGET_MS,
            "equal": equal,
            "rounds_with_ms": [round(t * 1000, 2) for t in times["with"]],
            "rounds_without_ms": [round(t * 1000, 2) for t in times["without"]],
        }
        print(
            f"cold load of a post with {n:,} metric snapshots ({summary['events']:,} events): "
            f"{with_ms:.1f} ms with snapshots, {without_ms:.1f} ms without "
            f"({summary['ratio']}x); under {TARGET_MS:.0f} ms: {summary['under_50ms']}; "
            f"snapshot-loaded equals replayed: {equal}"
        )
        print(json.dumps(summary))
    return 0 if equal else 1


if __name__ == "__main__":
    raise SystemExit(main())

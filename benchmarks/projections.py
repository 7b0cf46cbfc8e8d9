"""How fast libops's projection engine catches up, against eventsourcing's own log reading.

One run builds a SQLite store of N events, and a copy of its first N/10, then measures on
each of the two files:

* **baseline**: eventsourcing's own read-and-decode of the notification log: the
  application recorder's ``select_notifications`` in pages of 1,000 (the engine's
  ``READ_PAGE``), every notification decoded with the application's mapper
  (``mapper.to_domain_event``), nothing else;
* **libops**: a ``ProjectionEngine`` catching up every standard projection
  (``libops.projections.standard.standard_projections()``) from position 0 on the same file,
  in one process: reading the events the projections handle (filtered by topic in the
  database, a page of 1,000 at a time), decoding each once, applying them and committing
  views and positions batch by batch (``--batch-size``: the engine's default, 50,000 events
  a batch);
* **libops, N workers** (``--workers``, default 2; 1 skips it): the same catch-up with
  ``engine.run(workers=N)``, the projections split into N groups caught up side by side, one
  process each (the measuring process runs one group itself). Worth it on a machine with N
  cores; the rate includes starting the worker processes.

All rates are events of the log per second (for libops: the log's events divided by the
time to bring every standard projection up to date). Each measurement runs in a fresh
subprocess, whose peak resident memory (``ru_maxrss``) is reported, so memory that grew with
the number of events would show as a difference between the two sizes; with workers, the
peak of the largest process and the sum of every process's peak.

The store is a real libops history, repeated: ``libops demo`` with 24 posts over 21 days
(``--template-posts``, ``--template-days``) records its three campaigns, budget, posts
through review and publishing, metrics, interactions and risks; its stored events are
copied again and again, every aggregate id in them (the events' originator ids, and the
same ids where other events refer to them) replaced by a fresh one per copy, so each copy
is an independent, correctly encoded history of its own.

The speed of a shared machine drifts by a tenth or more within minutes (the same baseline
took 13 s and 16 s a few minutes apart), so ``--rounds R`` measures each size R times, the
baseline and the catch-up one after the other each round, and reports the round with the
median slowdown (every round's slowdown is listed beside it, and in ``rounds``).

Each measurement also takes the CPU time (user + system) it used, of every process it ran:
on a shared machine, other work slows elapsed time far more than it changes CPU time, so
``cpu_slowdown`` (libops's CPU seconds / the baseline's) is the steadier comparison; with
workers it adds up every process, so it is above the one-process figure by design.

The last line is a JSON object with, for each size, ``libops_per_s``, ``baseline_per_s``,
``slowdown`` (= baseline_per_s / libops_per_s), ``cpu_slowdown`` and ``peak_rss_mb`` of the
one-process catch-up, and under ``workers`` the same figures with N worker processes
(``peak_rss_mb``: the largest process, ``total_peak_rss_mb``: all of them); the top-level
keys repeat the figures of the larger size.

    python benchmarks/projections.py            # 100,000 and 1,000,000 events
    python benchmarks/projections.py --quick    # 3,000 and 30,000 events, well under a minute
    python benchmarks/projections.py --workers 1   # one process only
    python benchmarks/projections.py --workers 1 --rounds 3   # the median of three rounds
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent

from libops import LibOps
from libops.demo import run_demo
from libops.projections import ProjectionEngine
from libops.projections.engine import DEFAULT_BATCH_SIZE, READ_PAGE
from libops.projections.standard import standard_projections

DEFAULT_EVENTS = 1_000_000
QUICK_EVENTS = 30_000
DEFAULT_WORKERS = 2
INSERT_CHUNK = 5_000

_UUID_TEXT = re.compile(
    rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}"
)
_DATE_TEXT = re.compile(rb'(?<=")\d{4}-\d{2}-\d{2}(?=[T"])')
COPY_SHIFT = timedelta(days=7)
"""How much later each copy of the template happens than the one before (whole weeks)."""


# --- building the store ---------------------------------------------------------------------


def record_template(directory: Path, posts: int, days: int) -> list[StoredEvent]:
    """The stored events of one libops demo run (a real, correctly encoded history)."""
    url = f"sqlite:///{directory}/template.db"
    run_demo(url, seed=2026, posts=posts, days=days)
    with LibOps.open(url) as ops:
        return [
            StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
            for n in ops.app.recorder.select_notifications(0, 10**9, inclusive_of_start=False)
        ]


def copies(template: list[StoredEvent]) -> Iterator[StoredEvent]:
    """The template again and again, each copy with fresh aggregate ids throughout.

    Each copy also happens a week after the one before (every date and time in it moved by
    whole weeks, so weekdays stay), as a library's history would spread over the years
    rather than pile up in the same few weeks.
    """
    ids = {event.originator_id for event in template}
    known = {str(i).encode() for i in ids} | {UUID(str(i)).hex.encode() for i in ids}
    shift = timedelta(0)
    while True:
        moved: dict[bytes, bytes] = {}

        def later(
            match: re.Match[bytes], cache: dict[bytes, bytes] = moved, by: timedelta = shift
        ) -> bytes:
            text = match.group(0)
            if text not in cache:
                cache[text] = (date.fromisoformat(text.decode()) + by).isoformat().encode()
            return cache[text]

        fresh: dict[UUID, UUID] = {old: uuid4() for old in ids}
        as_text: dict[bytes, bytes] = {}
        for old, new in fresh.items():
            old_uuid, new_uuid = UUID(str(old)), new
            as_text[str(old_uuid).encode()] = str(new_uuid).encode()
            as_text[old_uuid.hex.encode()] = new_uuid.hex.encode()

        def swap(match: re.Match[bytes], table: dict[bytes, bytes] = as_text) -> bytes:
            text = match.group(0)
            return table.get(text, text) if text in known else text

        for event in template:
            yield StoredEvent(
                fresh[event.originator_id],
                event.originator_version,
                event.topic,
                _DATE_TEXT.sub(later, _UUID_TEXT.sub(swap, event.state)),
            )
        shift += COPY_SHIFT


def fill(url: str, events: Iterator[StoredEvent], n: int) -> None:
    """Append ``n`` of ``events`` to the (migrated) store at ``url``, in large inserts."""
    with LibOps.open(url, migrate=True) as ops:
        recorder = ops.app.recorder
        left = n
        while left > 0:
            chunk = [next(events) for _ in range(min(INSERT_CHUNK, left))]
            recorder.insert_events(chunk)
            left -= len(chunk)


# --- one measurement, in its own process ----------------------------------------------------


def _peak_rss_mb() -> float:
    """The peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _current_rss_mb() -> float:
    """The resident memory of this process now, in MB (0 where /proc is missing)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User plus system CPU time so far (of this process, or of its ended children)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measure(kind: str, db: Path, batch_size: int, workers: int = 1) -> dict[str, Any]:
    """Time ``kind`` (baseline or libops, with ``workers`` processes) over the whole log of
    ``db``; the peak RSS of this process (and of its largest worker process)."""
    with LibOps.open(f"sqlite:///{db}") as ops:
        opened_rss_mb = _current_rss_mb()
        last_id = int(ops.app.recorder.max_notification_id() or 0)
        detail: dict[str, Any] = {}
        if kind == "baseline":
            recorder, mapper = ops.app.recorder, ops.app.mapper
            decoded = position = 0
            cpu_started = _cpu_seconds()
            started = time.perf_counter()
            while True:
                batch = recorder.select_notifications(position, READ_PAGE, inclusive_of_start=False)
                if not batch:
                    break
                for notification in batch:
                    mapper.to_domain_event(notification)
                decoded += len(batch)
                position = batch[-1].id
            seconds = time.perf_counter() - started
            detail["cpu_seconds"] = _cpu_seconds() - cpu_started
            detail["decoded"] = decoded
        else:
            projections = standard_projections()
            with ProjectionEngine(ops, projections, batch_size=batch_size) as engine:
                cpu_started = _cpu_seconds() + _cpu_seconds(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                reports = engine.run(workers=workers)
                seconds = time.perf_counter() - started
                detail["cpu_seconds"] = (
                    _cpu_seconds() + _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_started
                )
            detail["applied"] = {name: report.applied for name, report in reports.items()}
            detail["workers"] = workers
            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            detail["children_peak_rss_mb"] = children
    return {
        "kind": kind,
        "events": last_id,
        "seconds": seconds,
        "per_s": last_id / seconds if seconds else 0.0,
        "peak_rss_mb": _peak_rss_mb(),
        "opened_rss_mb": opened_rss_mb,
        "end_rss_mb": _current_rss_mb(),
        **detail,
    }


def _fresh_views(db: Path) -> Path:
    """A copy of the store ``db`` (events only: its views are empty) to catch up from zero."""
    copy = db.with_name(f"{db.stem}-run{db.suffix}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy2(db, copy)
    keys = db.with_name(f"{db.stem}.keys{db.suffix}")
    shutil.copy2(keys, copy.with_name(f"{copy.stem}.keys{copy.suffix}"))
    return copy


def _remove(store: Path) -> None:
    """Delete the copy of a store :func:`_fresh_views` made."""
    keys = store.with_name(f"{store.stem}.keys{store.suffix}")
    for path in (store, keys):
        for suffix in ("", "-wal", "-shm", ".migrate-lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def measure_in_subprocess(kind: str, db: Path, batch_size: int, workers: int = 1) -> dict[str, Any]:
    """Run :func:`measure` in a fresh Python process, so its peak memory is its own."""
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            kind,
            "--db",
            str(db),
            "--batch-size",
            str(batch_size),
            "--workers",
            str(workers),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {kind} measurement of {db} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the run --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="N: the larger size")
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_EVENTS:,}")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help="N for the run with worker processes (1: skip that run)",
    )
    parser.add_argument("--template-posts", type=int, default=24, help="posts per demo copy")
    parser.add_argument("--template-days", type=int, default=21, help="days per demo copy")
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: temp)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="R: measure each size R times, report the median (odd R)",
    )
    parser.add_argument("--measure", choices=["baseline", "libops"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.db, args.batch_size, args.workers)))
        return 0
    n = QUICK_EVENTS if args.quick else args.events
    if n < 20:
        parser.error("--events must be at least 20")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    sizes = [n // 10, n]

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("template.db", "small.db", "large.db"):  # never add to an old run's
            _remove(directory / name)
        started = time.perf_counter()
        template = record_template(directory, args.template_posts, args.template_days)
        events = copies(template)
        small, large = directory / "small.db", directory / "large.db"
        fill(f"sqlite:///{small}", events, sizes[0])
        shutil.copy2(small, large)
        fill(f"sqlite:///{large}", events, sizes[1] - sizes[0])
        # Written back to disk before anything is measured: the kernel writing back the
        # freshly built files (and each copy below) took CPU from the measurement running
        # meanwhile (a baseline at 1,000,000 events took 19 s right after the build, 13 s
        # once the files were written back).
        os.sync()
        print(
            f"built stores of {sizes[0]:,} and {sizes[1]:,} events from a template of "
            f"{len(template)} in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
        results: dict[str, dict[str, Any]] = {}
        names: list[str] = []
        for size, db in zip(sizes, [small, large], strict=True):
            pairs = []
            for _round in range(args.rounds):
                baseline = measure_in_subprocess("baseline", db, args.batch_size)
                copy = _fresh_views(db)
                os.sync()  # the copy written back to disk first, not during the measurement
                libops = measure_in_subprocess("libops", copy, args.batch_size)
                _remove(copy)
                pairs.append((baseline["per_s"] / libops["per_s"], baseline, libops))
            slowdowns = [round(pair[0], 3) for pair in pairs]
            _median, baseline, libops = sorted(pairs, key=lambda pair: pair[0])[len(pairs) // 2]
            names = sorted(libops["applied"])
            row = results[str(size)] = {
                "events": size,
                "libops_per_s": round(libops["per_s"], 1),
                "baseline_per_s": round(baseline["per_s"], 1),
                "slowdown": round(baseline["per_s"] / libops["per_s"], 3),
                "cpu_slowdown": round(libops["cpu_seconds"] / baseline["cpu_seconds"], 3),
                "peak_rss_mb": round(libops["peak_rss_mb"], 1),
                "baseline_peak_rss_mb": round(baseline["peak_rss_mb"], 1),
                "opened_rss_mb": round(libops["opened_rss_mb"], 1),
                "end_rss_mb": round(libops["end_rss_mb"], 1),
                "libops_seconds": round(libops["seconds"], 2),
                "baseline_seconds": round(baseline["seconds"], 2),
                "libops_cpu_seconds": round(libops["cpu_seconds"], 2),
                "baseline_cpu_seconds": round(baseline["cpu_seconds"], 2),
                "applied": libops["applied"],
                "rounds": slowdowns,
            }
            print(
                f"{size:>10,} events: baseline {row['baseline_per_s']:>10,.0f} events/s "
                f"(peak RSS {row['baseline_peak_rss_mb']:.0f} MB), libops "
                f"{row['libops_per_s']:>10,.0f} events/s (peak RSS {row['peak_rss_mb']:.0f} MB), "
                f"slowdown {row['slowdown']:.2f}x (CPU time {row['cpu_slowdown']:.2f}x)"
                + (
                    f"; the median of {len(slowdowns)} rounds: "
                    + ", ".join(f"{s:.2f}x" for s in slowdowns)
                    if len(slowdowns) > 1
                    else ""
                )
            )
            if args.workers > 1:
                copy = _fresh_views(db)
                os.sync()
                shared = measure_in_subprocess("libops", copy, args.batch_size, args.workers)
                _remove(copy)
                if shared["applied"] != libops["applied"]:
                    raise RuntimeError(
                        f"{args.workers} workers applied {shared['applied']}, one process "
                        f"{libops['applied']}"
                    )
                row["workers"] = parallel = {
                    "workers": args.workers,
                    "libops_per_s": round(shared["per_s"], 1),
                    "slowdown": round(baseline["per_s"] / shared["per_s"], 3),
                    "cpu_slowdown": round(shared["cpu_seconds"] / baseline["cpu_seconds"], 3),
                    "peak_rss_mb": round(
                        max(shared["peak_rss_mb"], shared["children_peak_rss_mb"]), 1
                    ),
                    "total_peak_rss_mb": round(
                        shared["peak_rss_mb"] + shared["children_peak_rss_mb"] * (args.workers - 1),
                        1,
                    ),
                    "libops_seconds": round(shared["seconds"], 2),
                }
                print(
                    f"{'':>10}  with {args.workers} worker processes: libops "
                    f"{parallel['libops_per_s']:>10,.0f} events/s (peak RSS "
                    f"{parallel['peak_rss_mb']:.0f} MB a process), "
                    f"slowdown {parallel['slowdown']:.2f}x (CPU time of all processes "
                    f"{parallel['cpu_slowdown']:.2f}x)"
                )

    largest = results[str(sizes[1])]
    smallest = results[str(sizes[0])]
    print(f"standard projections caught up: {', '.join(names) or '(none)'}")
    print(
        f"peak RSS of the libops catch-up: {smallest['peak_rss_mb']:.1f} MB at "
        f"{sizes[0]:,} events, {largest['peak_rss_mb']:.1f} MB at {sizes[1]:,} events "
        f"(resident: {largest['opened_rss_mb']:.1f} MB with the store open before catching "
        f"up, {largest['end_rss_mb']:.1f} MB after, at {sizes[1]:,} events)"
    )
    print(
        json.dumps(
            {
                "libops_per_s": largest["libops_per_s"],
                "baseline_per_s": largest["baseline_per_s"],
                "slowdown": largest["slowdown"],
                "cpu_slowdown": largest["cpu_slowdown"],
                "peak_rss_mb": largest["peak_rss_mb"],
                "peak_rss_growth_mb": round(largest["peak_rss_mb"] - smallest["peak_rss_mb"], 1),
                **({"workers": largest["workers"]} if "workers" in largest else {}),
                "events": sizes[1],
                "batch_size": args.batch_size,
                "projections": names,
                "sizes": results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How fast ``ops.audit.verify()`` checks a SQLite log, against reading its rows, and what a
checkpoint costs on a long checkpointed log.

One run builds a SQLite store of N events, checkpointed as it grows (``ops.audit.checkpoint``
after every 50,000 events, until every event is covered), and a smaller one of N/10 events
the same way. Then, for each of ``--rounds`` rounds, each measurement in a fresh subprocess:

* **checkpoint**: K = N/100 new events are added to each store (1% of the large one), then
  one ``ops.audit.checkpoint(auditor)`` covers them, timed. A checkpoint hashes only the
  events since the last one and finds that one from the end of the log, so its cost follows
  K, not the log: ``checkpoint_growth`` (the large store's time / the small one's, for the
  same K on a log 10 times longer) stays near 1;
* **baseline**: reading the same rows without decoding: eventsourcing's own
  ``recorder.select_notifications`` over the whole log of the large store, in pages of 5,000
  (``libops.application.checkpoints.PAGE``), nothing done with the notifications;
* **verify**: ``ops.audit.verify()`` on the large store: reading every event, hashing it
  (SHA-256 over its position, aggregate id, version, topic and stored bytes), comparing it
  with the leaf hashes the checkpoints keep, checking every checkpoint's signature and
  recomputing every signed root from the leaf hashes; the log must come out intact.

Rates are events of the log per second. ``ratio`` = verify_per_s / baseline_per_s (the
target is >= 0.5) and ``seconds_1m`` = 1,000,000 / verify_per_s, the projected time to
verify a million events (the target is under 10 s; with ``--quick`` it is projected from a
smaller log). Each figure is the median of the rounds; baseline and verify alternate, so a
noisy machine slows both alike. Each measurement also takes the CPU time (user + system) it
used: on a shared machine, other work slows elapsed time far more than CPU time, so
``cpu_ratio`` (the baseline's CPU seconds / verify's) is the steadier comparison.

The store is a real libops history, repeated, as in ``benchmarks/projections.py`` (whose
helpers build it): ``libops demo`` with 24 posts over 21 days, its stored events copied again
and again with fresh aggregate ids and dates a week later each time (about 410 bytes of
stored state an event).

The last line is a JSON object with ``verify_per_s``, ``baseline_per_s``, ``ratio``,
``seconds_1m``, ``cpu_ratio``, ``round_ratios`` (each round's ratio), the checkpoint figures
(``checkpoint_events`` = K, ``checkpoint_seconds`` on the large store,
``checkpoint_seconds_small`` on the small one, ``checkpoint_us_per_event`` and
``checkpoint_growth``) and ``full_checkpoint_per_s`` (the rate of checkpointing the whole
log while building it).

    python benchmarks/audit.py            # 1,000,000 events, 5 rounds
    python benchmarks/audit.py --quick    # 100,000 events, projected, well under a minute
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent
from projections import copies, fill, record_template

from libops import Actor, LibOps, Role
from libops.application.checkpoints import MAX_LEAVES, PAGE

DEFAULT_EVENTS = 1_000_000
QUICK_EVENTS = 100_000
DEFAULT_ROUNDS = 5
AUDITOR = Actor("benchmark.auditor", [Role.AUDITOR])


# --- building the stores ----------------------------------------------------------------------


def checkpoint_all(url: str) -> int:
    """Checkpoint the store at ``url`` until every event is covered; how many were."""
    covered = 0
    with LibOps.open(url) as ops:
        while (info := ops.audit.checkpoint(AUDITOR)) is not None:
            covered = info.size
    return covered


def grow(url: str, events: Iterator[StoredEvent], n: int) -> float:
    """Add ``n`` events to the store, checkpointed every :data:`MAX_LEAVES`; the seconds
    spent checkpointing."""
    spent = 0.0
    while n > 0:
        step = min(MAX_LEAVES, n)
        fill(url, events, step)
        started = time.perf_counter()
        checkpoint_all(url)
        spent += time.perf_counter() - started
        n -= step
    return spent


# --- one measurement, in its own process ------------------------------------------------------


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(kind: str, db: Path) -> dict[str, Any]:
    """Time ``kind`` (checkpoint, baseline or verify) on the store ``db``."""
    with LibOps.open(f"sqlite:///{db}") as ops:
        events = int(ops.app.recorder.max_notification_id() or 0)
        detail: dict[str, Any] = {}
        cpu_started = _cpu_seconds()
        started = time.perf_counter()
        if kind == "checkpoint":
            before = ops.audit.checkpoints()[-1].size
            cpu_started = _cpu_seconds()
            started = time.perf_counter()
            info = ops.audit.checkpoint(AUDITOR)
            seconds = time.perf_counter() - started
            assert info is not None
            detail["new_events"] = info.size - before
        elif kind == "baseline":
            recorder, position, read = ops.app.recorder, 0, 0
            while batch := recorder.select_notifications(position, PAGE, inclusive_of_start=False):
                read += len(batch)
                position = batch[-1].id
            seconds = time.perf_counter() - started
            detail["read"] = read
        else:
            result = ops.audit.verify()
            seconds = time.perf_counter() - started
            if not result.intact:
                raise RuntimeError(f"the benchmark's log does not verify: {result.problem}")
            detail.update(checked=result.checked, covered=result.covered)
        cpu_seconds = _cpu_seconds() - cpu_started
    return {
        "kind": kind,
        "events": events,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "per_s": events / seconds if seconds else 0.0,
        **detail,
    }


def measure_in_subprocess(kind: str, db: Path) -> dict[str, Any]:
    """Run :func:`measure` in a fresh Python process (nothing cached from building)."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure", kind, "--db", str(db)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {kind} measurement of {db} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the run ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="N: the log's size")
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_EVENTS:,}")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--template-posts", type=int, default=24, help="posts per demo copy")
    parser.add_argument("--template-days", type=int, default=21, help="days per demo copy")
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: temp)")
    parser.add_argument(
        "--measure", choices=["checkpoint", "baseline", "verify"], help=argparse.SUPPRESS
    )
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.db)))
        return 0
    n = QUICK_EVENTS if args.quick else args.events
    if n < 1_000:
        parser.error("--events must be at least 1,000")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    k = max(n // 100, 1)

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        small, large = directory / "audit-small.db", directory / "audit-large.db"
        for store in (small, large):  # never add to an old run's
            for path in (store, store.with_name(f"{store.stem}.keys{store.suffix}")):
                for suffix in ("", "-wal", "-shm", ".migrate-lock"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        started = time.perf_counter()
        template = record_template(directory, args.template_posts, args.template_days)
        events = copies(template)
        grow(f"sqlite:///{small}", events, n // 10)
        checkpointing = grow(f"sqlite:///{large}", events, n)
        print(
            f"built checkpointed stores of {n // 10:,} and {n:,} events in "
            f"{time.perf_counter() - started:.1f}s (checkpointing the {n:,}: "
            f"{checkpointing:.1f}s, {n / checkpointing:,.0f} events/s)",
            file=sys.stderr,
        )
        rows: dict[str, list[dict[str, Any]]] = {
            "checkpoint_small": [],
            "checkpoint": [],
            "baseline": [],
            "verify": [],
        }
        for round_ in range(1, args.rounds + 1):
            fill(f"sqlite:///{small}", events, k)
            rows["checkpoint_small"].append(measure_in_subprocess("checkpoint", small))
            fill(f"sqlite:///{large}", events, k)
            rows["checkpoint"].append(measure_in_subprocess("checkpoint", large))
            rows["baseline"].append(measure_in_subprocess("baseline", large))
            rows["verify"].append(measure_in_subprocess("verify", large))
            verify, baseline = rows["verify"][-1], rows["baseline"][-1]
            print(
                f"round {round_}: verify {verify['per_s']:>9,.0f} events/s "
                f"({verify['seconds']:.2f}s), baseline {baseline['per_s']:>9,.0f} events/s "
                f"({baseline['seconds']:.2f}s), ratio {verify['per_s'] / baseline['per_s']:.2f}; "
                f"checkpoint of {k:,} new events: {rows['checkpoint'][-1]['seconds']:.3f}s "
                f"after {rows['checkpoint'][-1]['events']:,}, "
                f"{rows['checkpoint_small'][-1]['seconds']:.3f}s "
                f"after {rows['checkpoint_small'][-1]['events']:,}",
                file=sys.stderr,
            )

    def median(kind: str, key: str) -> float:
        return statistics.median(row[key] for row in rows[kind])

    verify_per_s, baseline_per_s = median("verify", "per_s"), median("baseline", "per_s")
    checkpoint_s, checkpoint_small_s = (
        median("checkpoint", "seconds"),
        median("checkpoint_small", "seconds"),
    )
    summary = {
        "verify_per_s": round(verify_per_s, 1),
        "baseline_per_s": round(baseline_per_s, 1),
        "ratio": round(verify_per_s / baseline_per_s, 3),
        "seconds_1m": round(1_000_000 / verify_per_s, 2),
        "cpu_ratio": round(median("baseline", "cpu_seconds") / median("verify", "cpu_seconds"), 3),
        "round_ratios": [
            round(verify["per_s"] / baseline["per_s"], 3)
            for verify, baseline in zip(rows["verify"], rows["baseline"], strict=True)
        ],
        "events": rows["verify"][-1]["events"],
        "projected": rows["verify"][-1]["events"] < 1_000_000,
        "checkpoint_events": k,
        "checkpoint_seconds": round(checkpoint_s, 4),
        "checkpoint_seconds_small": round(checkpoint_small_s, 4),
        "checkpoint_us_per_event": round(checkpoint_s / k * 1e6, 2),
        "checkpoint_growth": round(checkpoint_s / checkpoint_small_s, 3),
        "full_checkpoint_per_s": round(n / checkpointing, 1),
        "rounds": args.rounds,
    }
    print(
        f"verify:   {summary['verify_per_s']:>10,.0f} events/s of a log of "
        f"{summary['events']:,} (median of {args.rounds})"
    )
    print(f"baseline: {summary['baseline_per_s']:>10,.0f} events/s (recorder, no decoding)")
    print(
        f"ratio {summary['ratio']:.2f} (CPU time: {summary['cpu_ratio']:.2f}); "
        f"1,000,000 events verify in {summary['seconds_1m']:.1f}s"
        + (" (projected)" if summary["projected"] else "")
    )
    print(
        f"checkpoint of the last {k:,} events: {checkpoint_s:.3f}s on a log of "
        f"{rows['checkpoint'][-1]['events']:,}, {checkpoint_small_s:.3f}s on one of "
        f"{rows['checkpoint_small'][-1]['events']:,} (x{summary['checkpoint_growth']:.2f}); "
        f"{summary['checkpoint_us_per_event']:.1f} us a new event"
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

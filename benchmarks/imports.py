"""How fast the bulk import path records metric snapshots, against eventsourcing's own saving.

One run, on SQLite files in one temporary folder:

* **libops**: a CSV of daily snapshots (``posts`` posts x ``days`` days, one row each, with a
  mapping file naming its observation-time column) imported by ``ops.imports.run_bulk``:
  streamed, every row parsed, matched to its post, compared with what is recorded, and
  recorded as ``MetricImport.BatchRecorded`` events (docs/import.md). The posts were first
  recorded by the ordinary import (not timed). The time covers the whole ``run_bulk`` call:
  the digest, reading the published posts, checking the file and recording it.
* **baseline**: eventsourcing's own recorder inserting the same number of stored events, one
  per snapshot: a ``Post.MetricsRecorded`` event per row (its snapshot built from the same
  counts, not timed), encoded by the application's mapper (``mapper.to_stored_event``: the
  JSON transcoder, as libops stores events) and inserted with ``recorder.insert_events`` in
  batches of :data:`INSERT_BATCH`. The time covers encoding and inserting.

Each side runs in a process of its own, whose peak resident memory (``ru_maxrss``) is
reported: the libops side's must not grow with the file (``--quick`` against the full run).
The last line is a JSON object with ``rows``, ``libops_per_s``, ``baseline_per_s``,
``ratio`` (libops / baseline; the target is at least 0.5) and ``peak_rss_mb`` (the libops
process's), and each side's rate per CPU second of its process (``libops_per_cpu_s``,
``baseline_per_cpu_s``): the wall-clock rates also count waiting for the disk at each
commit and, on a machine shared with other work, for a processor, so they move with the
load; the CPU-time rates much less.

    python benchmarks/imports.py            # 1,000,000 rows (1,000 posts x 1,000 days)
    python benchmarks/imports.py --quick    # 100,000 rows (200 posts x 500 days), < 1 minute
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from libops import Actor, LibOps, Role
from libops.adapters.clock import ManualClock
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot, Platform

INSERT_BATCH = 5_000
"""How many stored events the baseline inserts at a time (the bulk path's batch size)."""

CLOCK = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
"""The clock of both sides: after the last day of the full run's snapshots."""
FIRST_DAY = datetime(2025, 1, 2, tzinfo=UTC)
HEADER = ["标题", "链接", "发布时间", "日期", "阅读数", "点赞数", "转发数", "评论数"]
MAPPING = (
    'platform = "weibo"\ntitle = "标题"\nurl = "链接"\npublished_at = "发布时间"\n'
    'observed_at = "日期"\n[counts]\nreads = "阅读数"\nlikes = "点赞数"\n'
    'shares = "转发数"\ncomments = "评论数"\n'
)
ADMIN = Actor("bench-admin", [Role.OPERATIONS_ADMIN])


def _counts(post: int, day: int) -> tuple[int, int, int, int]:
    """Cumulative counts that grow day by day (reads, likes, shares, comments)."""
    return 10 + day * 7 + post % 5, day + post % 3, day // 2, day // 3


def write_files(folder: Path, posts: int, days: int) -> tuple[Path, Path, Path]:
    """The mapping, the posts' totals (one row each) and the daily file (streamed out)."""
    mapping = folder / "weibo.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    totals = folder / "weibo_posts.csv"
    with totals.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for post in range(posts):
            writer.writerow(
                [f"文章 {post}", _url(post), "2025-01-01 10:00", "2025-01-01", 1, 0, 0, 0]
            )
    daily = folder / "weibo_daily.csv"
    with daily.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for day in range(days):
            text = (FIRST_DAY + timedelta(days=day)).strftime("%Y-%m-%d")
            for post in range(posts):
                row = [f"文章 {post}", _url(post), "2025-01-01 10:00", text, *_counts(post, day)]
                writer.writerow(row)
    return mapping, totals, daily


def _url(post: int) -> str:
    return f"https://weibo.com/1234/{post:08d}"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _cpu_seconds() -> float:
    """This process's user plus system CPU time so far (the rest of the wall-clock time is
    spent waiting: for the disk at each commit, and for a processor on a shared machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- one side, in its own process ------------------------------------------------------------


def measure_libops(folder: Path) -> dict[str, Any]:
    """Import the daily file through the bulk path; the rows recorded per second."""
    mapping, totals, daily = (
        folder / "weibo.toml",
        folder / "weibo_posts.csv",
        folder / "weibo_daily.csv",
    )
    with LibOps.open(
        f"sqlite:///{folder / 'libops.db'}", clock=ManualClock(CLOCK), migrate=True
    ) as ops:
        ops.imports.run(ADMIN, totals, mapping=mapping)
        cpu, started = _cpu_seconds(), time.perf_counter()
        report = ops.imports.run_bulk(ADMIN, daily, mapping=mapping)
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        events = int(ops.app.recorder.max_notification_id() or 0)
    rows = report.recorded + report.corrected
    return {
        "rows": rows,
        "batches": report.batches,
        "events_in_store": events,
        "seconds": seconds,
        "per_s": rows / seconds,
        "per_cpu_s": rows / cpu,
        "peak_rss_mb": _peak_rss_mb(),
    }


def measure_baseline(folder: Path, posts: int, days: int) -> dict[str, Any]:
    """Encode and insert one ``Post.MetricsRecorded`` stored event per snapshot."""
    with LibOps.open(
        f"sqlite:///{folder / 'baseline.db'}", clock=ManualClock(CLOCK), migrate=True
    ) as ops:
        recorder, mapper = ops.app.recorder, ops.app.mapper
        ids = [uuid4() for _ in range(posts)]
        seconds = 0.0
        inserted = 0
        chunk: list[Post.MetricsRecorded] = []

        cpu = 0.0

        def flush() -> float:
            nonlocal cpu
            spent, started = _cpu_seconds(), time.perf_counter()
            recorder.insert_events([mapper.to_stored_event(e) for e in chunk])
            cpu += _cpu_seconds() - spent
            return time.perf_counter() - started

        for day in range(days):
            observed = FIRST_DAY + timedelta(days=day)
            for post in range(posts):
                reads, likes, shares, comments = _counts(post, day)
                chunk.append(
                    Post.MetricsRecorded(
                        originator_id=ids[post],
                        originator_version=day + 10,
                        timestamp=CLOCK,
                        actor_id=ADMIN.id,  # type: ignore[call-arg]
                        campaign_id=None,
                        snapshot=MetricSnapshot(
                            Platform.WEIBO,
                            observed,
                            reads=reads,
                            likes=likes,
                            shares=shares,
                            comments=comments,
                        ),
                    )
                )
                if len(chunk) == INSERT_BATCH:
                    seconds += flush()
                    inserted += len(chunk)
                    chunk = []
        if chunk:
            seconds += flush()
            inserted += len(chunk)
    return {
        "rows": inserted,
        "seconds": seconds,
        "per_s": inserted / seconds,
        "per_cpu_s": inserted / cpu,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _child(side: str, folder: Path, posts: int, days: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--measure", side, "--folder", str(folder)]
    command += ["--posts", str(posts), "--days", str(days)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows (200 x 500)")
    parser.add_argument("--posts", type=int, default=None)
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--measure", choices=["libops", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    posts = args.posts or (200 if args.quick else 1_000)
    days = args.days or (500 if args.quick else 1_000)
    if args.measure:
        if args.measure == "libops":
            print(json.dumps(measure_libops(args.folder)))
        else:
            print(json.dumps(measure_baseline(args.folder, posts, days)))
        return
    with tempfile.TemporaryDirectory(prefix="libops-bench-imports-") as name:
        folder = Path(name)
        write_files(folder, posts, days)
        size_mb = (folder / "weibo_daily.csv").stat().st_size / 1e6
        print(f"{posts:,} posts x {days:,} days = {posts * days:,} rows ({size_mb:.0f} MB CSV)")
        libops = _child("libops", folder, posts, days)
        print(
            f"libops bulk import: {libops['rows']:,} snapshots in {libops['seconds']:.2f} s = "
            f"{libops['per_s']:,.0f}/s ({libops['per_cpu_s']:,.0f} per CPU second) in "
            f"{libops['batches']} batch events; "
            f"peak RSS {libops['peak_rss_mb']:.0f} MB"
        )
        baseline = _child("baseline", folder, posts, days)
        print(
            f"baseline (mapper encode + recorder insert, {INSERT_BATCH:,} a batch): "
            f"{baseline['rows']:,} events in {baseline['seconds']:.2f} s = "
            f"{baseline['per_s']:,.0f}/s ({baseline['per_cpu_s']:,.0f} per CPU second); "
            f"peak RSS {baseline['peak_rss_mb']:.0f} MB"
        )
    ratio = libops["per_s"] / baseline["per_s"]
    print(f"ratio libops / baseline: {ratio:.2f} (target >= 0.5); libops target >= 30,000/s")
    print(
        json.dumps(
            {
                "rows": libops["rows"],
                "libops_per_s": round(libops["per_s"]),
                "baseline_per_s": round(baseline["per_s"]),
                "ratio": round(ratio, 3),
                "libops_per_cpu_s": round(libops["per_cpu_s"]),
                "baseline_per_cpu_s": round(baseline["per_cpu_s"]),
                "peak_rss_mb": round(libops["peak_rss_mb"], 1),
                "baseline_peak_rss_mb": round(baseline["peak_rss_mb"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()


__all__ = ["main", "measure_baseline", "measure_libops", "write_files"]

"""What a libops command costs compared with a plain eventsourcing aggregate save.

The same workload runs twice on the same SQLite file, in one process:

* **libops**: ``LibOps`` posts drafted, submitted (with the automatic review scan),
  approved, scheduled (post and platform calendar saved together), published on a sandbox
  platform (post and calendar) and given one metric snapshot. Every command loads what it
  needs from the store, checks roles and rules and saves once.
* **baseline**: plain eventsourcing aggregates (no roles, no validation, no value objects,
  plain JSON payloads) doing the same loads and the same saves with the same number of
  events per command, including a calendar aggregate snapshotted as often as libops's, and
  calling the same sandbox platform to publish and read metrics.

Rounds alternate between the two so that a noisy machine hurts both alike; the median
rate of each is reported. The last line is a JSON object with ``libops_per_s``,
``baseline_per_s`` and ``slowdown`` (= baseline_per_s / libops_per_s; the target is <= 1.2).

    python benchmarks/commands.py            # 5 rounds of 300 posts
    python benchmarks/commands.py --quick    # 3 rounds of 60 posts, well under a minute
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from libops import Actor, LibOps, ReviewChecklist, Role
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.values import Platform, PostVariant

COMMANDS_PER_POST = 6  # draft, submit, review, schedule, publish, record metrics
START = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)
BODY = "4月23日世界读书日，图书馆将举办系列阅读活动，欢迎读者参加。" * 3


# --- the baseline: plain eventsourcing ---------------------------------------------------


class PlainPost(Aggregate):
    """A post with the same events as libops's, and no rules."""

    @event("Drafted")
    def __init__(self, title: str, body: str, variants: list[dict[str, Any]]) -> None:
        self.title = title
        self.body = body
        self.variants = variants
        self.status = "drafted"
        self.metrics: dict[str, Any] = {}
        self.receipts: dict[str, Any] = {}

    @event("Submitted")
    def submit(self, actor_id: str, findings: list[str]) -> None:
        self.status = "in_review"

    @event("Approved")
    def approve(self, actor_id: str, checklist: dict[str, Any], comments: str) -> None:
        self.status = "approved"

    @event("Scheduled")
    def schedule(self, actor_id: str, platform: str, at: datetime) -> None:
        self.scheduled = at

    @event("Published")
    def published(self, actor_id: str, receipt: dict[str, Any]) -> None:
        self.receipts[receipt["platform"]] = receipt

    @event("MetricsRecorded")
    def record_metrics(self, actor_id: str, snapshot: dict[str, Any]) -> None:
        self.metrics[snapshot["platform"]] = snapshot


class PlainCalendar(Aggregate):
    """A platform calendar with the same events as libops's."""

    @staticmethod
    def create_id(platform: str) -> UUID:
        return uuid5(UUID(int=0), f"plain-calendar:{platform}")

    @event("Opened")
    def __init__(self, platform: str) -> None:
        self.slots: dict[str, datetime] = {}
        self.released: dict[str, datetime] = {}

    @event("SlotBooked")
    def book(self, post_id: str, at: datetime) -> None:
        self.slots[post_id] = at

    @event("SlotReleased")
    def release(self, post_id: str, at: datetime) -> None:
        self.slots.pop(post_id, None)
        self.released[post_id] = at
        horizon = at - timedelta(days=9)
        for old in [p for p, when in self.released.items() if when < horizon]:
            del self.released[old]


class PlainApp(Application[UUID]):
    snapshotting_intervals = {PlainCalendar: 50}


def run_baseline(app: PlainApp, sandbox: SandboxPlatform, clock: ManualClock, n: int) -> float:
    """Seconds taken by ``n`` posts through the plain-eventsourcing workflow."""
    actor_id = "bench"
    calendar_id = PlainCalendar.create_id("weibo")
    started = time.perf_counter()
    for i in range(n):
        variant = PostVariant(Platform.WEIBO, f"#读书日# {i} {BODY}"[:300], media=("m.jpg",))
        post = PlainPost(
            title=f"Post {i}",
            body=BODY,
            variants=[{"platform": "weibo", "text": variant.text, "media": ["m.jpg"]}],
        )
        app.save(post)
        post = app.repository.get(post.id)
        post.submit(actor_id=actor_id, findings=[])
        app.save(post)
        post = app.repository.get(post.id)
        post.approve(
            actor_id=actor_id,
            checklist={"accuracy": True, "copyright": True, "privacy": True},
            comments="",
        )
        app.save(post)
        at = clock.now() + timedelta(minutes=30)
        post = app.repository.get(post.id)
        post.schedule(actor_id=actor_id, platform="weibo", at=at)
        try:
            calendar = app.repository.get(calendar_id)
        except Exception:
            calendar = PlainCalendar(platform="weibo")
        calendar.book(post_id=str(post.id), at=at)
        app.save(post, calendar)
        clock.advance(timedelta(hours=1))
        post = app.repository.get(post.id)
        receipt = sandbox.publish(variant, f"{post.id}:weibo")
        post.published(
            actor_id=actor_id,
            receipt={
                "platform": "weibo",
                "external_id": receipt.external_id,
                "url": receipt.url,
                "published_at": receipt.published_at.isoformat(),
            },
        )
        calendar = app.repository.get(calendar_id)
        calendar.release(post_id=str(post.id), at=receipt.published_at)
        app.save(post, calendar)
        snapshot = sandbox.metrics(receipt.external_id)
        post = app.repository.get(post.id)
        post.record_metrics(
            actor_id=actor_id,
            snapshot={
                "platform": "weibo",
                "observed_at": snapshot.observed_at.isoformat(),
                **snapshot.counts(),
            },
        )
        app.save(post)
    return time.perf_counter() - started


# --- libops ----------------------------------------------------------------------------


PLANNER = Actor("bench.planner", [Role.CONTENT_PLANNER])
REVIEWER = Actor("bench.reviewer", [Role.REVIEWER])
ADMIN = Actor("bench.admin", [Role.OPERATIONS_ADMIN, Role.TECHNICAL_SUPPORT])


def run_libops(
    ops: LibOps, clock: ManualClock, n: int, platform: Platform = Platform.WEIBO
) -> float:
    """Seconds taken by ``n`` posts through libops's commands on ``platform``."""
    started = time.perf_counter()
    for i in range(n):
        variant = PostVariant(platform, f"#读书日# {i} {BODY}"[:300], media=("m.jpg",))
        post_id = ops.posts.draft(
            PLANNER,
            title=f"Post {i}",
            body=BODY,
            content_type="news",
            format="image_text",
            variants=[variant],
        )
        ops.posts.submit_for_review(PLANNER, post_id)
        ops.posts.review(REVIEWER, post_id, ReviewChecklist(True, True, True), approve=True)
        ops.posts.schedule(ADMIN, post_id, platform, clock.now() + timedelta(minutes=30))
        clock.advance(timedelta(hours=1))
        receipt = ops.publishing.publish(ADMIN, post_id, platform)
        snapshot = ops.publishing.gateway(platform).metrics(receipt.external_id)
        ops.posts.record_metrics(ADMIN, post_id, snapshot)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300, help="posts per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each workload")
    parser.add_argument("--quick", action="store_true", help="3 rounds of 60 posts")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: temp)")
    args = parser.parse_args(argv)
    if args.quick:
        args.posts, args.rounds = 60, 3

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        url = f"sqlite:///{db}"
        libops_clock = ManualClock(START)
        nocache_clock = ManualClock(START)
        baseline_clock = ManualClock(START)
        gateway = SandboxPlatform(Platform.WEIBO, seed=1, clock=libops_clock)
        nocache_gateway = SandboxPlatform(Platform.MASTODON, seed=1, clock=nocache_clock)
        plain_gateway = SandboxPlatform(Platform.WEIBO, seed=1, clock=baseline_clock)
        ops = LibOps.open(url, clock=libops_clock, migrate=True, gateways=[gateway])
        # The same, with the aggregate cache switched off, on its own platform calendar.
        nocache = LibOps.open(
            f"{url}?cache_size=0", clock=nocache_clock, gateways=[nocache_gateway]
        )
        plain = PlainApp(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
        )

        # Warm up both paths (imports, caches, the calendars' first events).
        run_libops(ops, libops_clock, 5)
        run_libops(nocache, nocache_clock, 5, Platform.MASTODON)
        run_baseline(plain, plain_gateway, baseline_clock, 5)

        commands = args.posts * COMMANDS_PER_POST
        libops_rates: list[float] = []
        nocache_rates: list[float] = []
        baseline_rates: list[float] = []
        for round_no in range(1, args.rounds + 1):
            base_s = run_baseline(plain, plain_gateway, baseline_clock, args.posts)
            lib_s = run_libops(ops, libops_clock, args.posts)
            nocache_s = run_libops(nocache, nocache_clock, args.posts, Platform.MASTODON)
            baseline_rates.append(commands / base_s)
            libops_rates.append(commands / lib_s)
            nocache_rates.append(commands / nocache_s)
            print(
                f"round {round_no}: baseline {commands / base_s:8.1f} commands/s, "
                f"libops {commands / lib_s:8.1f} commands/s, "
                f"libops without cache {commands / nocache_s:8.1f} commands/s",
                file=sys.stderr,
            )
        events = int(ops.app.recorder.max_notification_id() or 0)
        ops.close()
        nocache.close()
        plain.close()

    libops_per_s = statistics.median(libops_rates)
    baseline_per_s = statistics.median(baseline_rates)
    nocache_per_s = statistics.median(nocache_rates)
    slowdown = baseline_per_s / libops_per_s
    print(f"workload: {args.rounds} rounds x {args.posts} posts x {COMMANDS_PER_POST} commands")
    print(f"baseline (plain eventsourcing saves): {baseline_per_s:10.1f} commands/s")
    print(f"libops commands:                      {libops_per_s:10.1f} commands/s")
    print(
        f"libops, aggregate cache off:          {nocache_per_s:10.1f} commands/s "
        f"(slowdown {baseline_per_s / nocache_per_s:.3f}x)"
    )
    print(f"slowdown: {slowdown:.3f}x (target <= 1.2x); events in the store: {events}")
    print(
        json.dumps(
            {
                "libops_per_s": round(libops_per_s, 1),
                "baseline_per_s": round(baseline_per_s, 1),
                "slowdown": round(slowdown, 3),
                "libops_nocache_per_s": round(nocache_per_s, 1),
                "slowdown_nocache": round(baseline_per_s / nocache_per_s, 3),
                "posts_per_round": args.posts,
                "rounds": args.rounds,
                "commands_per_post": COMMANDS_PER_POST,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Snapshots of aggregates with long histories, on every kind of store.

A post (with metrics and a voided snapshot), a budget, a contest and a data subject loaded
from a snapshot equal the same aggregate replayed from every event, value for value and type
for type; snapshots stay out of the notification log (so out of checkpoints); a snapshot of
another schema is passed over; a snapshot that cannot be taken never fails a command; and
a snapshot holds personal data sealed, as the events do.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from libops import (
    Actor,
    LibOps,
    MetricSnapshot,
    Money,
    Period,
    Platform,
    PostVariant,
    ReviewChecklist,
)
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.application import snapshots as snapshots_module
from libops.application.app import SNAPSHOT_INTERVAL
from libops.application.snapshots import StateSnapshot
from libops.domain.budget import Budget, BudgetCategory
from libops.domain.calendar import PlatformCalendar
from libops.domain.errors import LibopsError
from libops.domain.interaction.contest import Contest
from libops.domain.personal import DataSubject
from libops.domain.post import Post
from tests.actors import ADMIN, OWNER, PLANNER, REVIEWER, TECH
from tests.helpers import count_events
from tests.integration.test_interactions import CONSENT, RULES, reader, run_contest
from tests.unit.test_snapshot_state import same

PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
PERIOD = Period(date(2026, 1, 1), date(2026, 12, 31))
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def replayed(ops: LibOps, aggregate_id: UUID, version: int | None = None) -> Aggregate:
    """The aggregate rebuilt from its events alone (up to ``version``)."""
    aggregate: Any = None
    event: Any
    for event in ops.app.events.get(aggregate_id, lte=version):
        aggregate = event.mutate(aggregate)
    assert isinstance(aggregate, Aggregate)
    return aggregate


def same_state(left: object, right: object) -> bool:
    """Two aggregates hold the same attributes (in any order), each value the same, type for
    type (``same``); the pending events aside."""
    mine = {k: v for k, v in vars(left).items() if k != "_pending_events"}
    theirs = {k: v for k, v in vars(right).items() if k != "_pending_events"}
    return mine.keys() == theirs.keys() and all(same(mine[k], theirs[k]) for k in mine)


def every_snapshot_matches(ops: LibOps, aggregate_id: UUID) -> int:
    """Each stored snapshot of the aggregate equals its replay to that version; how many."""
    taken = list(ops.app.snapshots.get(aggregate_id)) if ops.app.snapshots else []
    for snapshot in taken:
        assert isinstance(snapshot, StateSnapshot)
        loaded = snapshot.mutate(None)
        assert same_state(loaded, replayed(ops, aggregate_id, snapshot.originator_version))
    return len(taken)


@pytest.fixture
def sandboxed(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    """libops on a fresh store of each kind, with a Weibo sandbox on the manual clock."""
    weibo = SandboxPlatform("weibo", seed=3, clock=clock)
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[weibo]) as opened:
        yield opened


def published_post(ops: LibOps) -> UUID:
    post_id = ops.posts.draft(
        PLANNER,
        title="Reading list",
        body="Ten books.",
        content_type="knowledge",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, "Ten books #读书#")],
    )
    ops.posts.submit_for_review(PLANNER, post_id)
    ops.posts.review(REVIEWER, post_id, PASSED, approve=True)
    ops.posts.schedule(ADMIN, post_id, "weibo", ops.clock.now())
    ops.publishing.publish(ADMIN, post_id, "weibo")
    return post_id


def measure(ops: LibOps, clock: ManualClock, post_id: UUID, times: int) -> None:
    for n in range(times):
        clock.advance(timedelta(minutes=10))
        snapshot = MetricSnapshot("weibo", clock.now(), reads=10 * n + 7, likes=n % 5)
        ops.posts.record_metrics(TECH, post_id, snapshot)


class TestPostSnapshots:
    def test_cold_load_equals_replay(
        self, sandboxed: LibOps, clock: ManualClock, store_url: str
    ) -> None:
        """A post with 120 metric snapshots and a void: snapshotted every 50 events, and a
        cold load (a new LibOps instance) gives exactly the replayed post."""
        post_id = published_post(sandboxed)
        measure(sandboxed, clock, post_id, 60)
        latest = sandboxed.posts.get(post_id).latest_metrics("weibo")
        assert latest is not None
        sandboxed.publishing.void_metrics(ADMIN, post_id, "weibo", latest.observed_at, "Typo")
        measure(sandboxed, clock, post_id, 60)
        post = sandboxed.posts.get(post_id)
        assert post.version > 2 * SNAPSHOT_INTERVAL
        assert sandboxed.app.snapshots is not None
        versions = [s.originator_version for s in sandboxed.app.snapshots.get(post_id)]
        assert versions == [SNAPSHOT_INTERVAL, 2 * SNAPSHOT_INTERVAL]
        assert every_snapshot_matches(sandboxed, post_id) == 2
        assert same_state(post, replayed(sandboxed, post_id))
        if store_url != "memory://":
            with LibOps.open(store_url, clock=clock) as cold:
                assert same_state(cold.posts.get(post_id), replayed(sandboxed, post_id))
                as_of = cold.audit.as_of(post_id, version=SNAPSHOT_INTERVAL + 7)
                assert same_state(as_of, replayed(sandboxed, post_id, SNAPSHOT_INTERVAL + 7))

    def test_snapshots_stay_out_of_the_log(self, sandboxed: LibOps, clock: ManualClock) -> None:
        """Snapshots are not events: the log, the projections and the checkpoints see none,
        and the checkpointed log verifies intact."""
        post_id = published_post(sandboxed)
        before = count_events(sandboxed)
        measure(sandboxed, clock, post_id, SNAPSHOT_INTERVAL)
        assert sandboxed.app.snapshots is not None
        assert list(sandboxed.app.snapshots.get(post_id))
        assert count_events(sandboxed) == before + SNAPSHOT_INTERVAL
        topics = {n.topic for n in sandboxed.app.recorder.select_notifications(1, 10_000)}
        assert "libops:Snapshot" not in topics
        assert not any("Snapshot" in topic and "Metric" not in topic for topic in topics)
        logged = count_events(sandboxed)
        info = sandboxed.audit.checkpoint(Actor("auditor-9", ["auditor"]))
        assert info is not None
        assert info.size == logged  # every event, and nothing else
        assert sandboxed.audit.verify().intact

    def test_another_schema_is_passed_over(
        self, sandboxed: LibOps, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A snapshot taken under another schema (an older release) is never used: the post
        is replayed from its events instead, exactly."""
        post_id = published_post(sandboxed)
        measure(sandboxed, clock, post_id, SNAPSHOT_INTERVAL)
        assert sandboxed.app.snapshots is not None
        assert list(sandboxed.app.snapshots.get(post_id))
        monkeypatch.setattr(snapshots_module, "schema", lambda: "a later release")
        assert list(sandboxed.app.snapshots.get(post_id)) == []
        loaded: Post = sandboxed.app.repository.get(post_id, version=SNAPSHOT_INTERVAL + 2)
        assert same_state(loaded, replayed(sandboxed, post_id, SNAPSHOT_INTERVAL + 2))

    def test_a_failed_snapshot_fails_no_command(
        self, sandboxed: LibOps, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The command's events are saved before a snapshot is taken: a snapshot that cannot
        be taken is left for the next interval, and the command succeeds."""
        post_id = published_post(sandboxed)
        before = sandboxed.posts.get(post_id).version

        def broken(cls: type[StateSnapshot], aggregate: Any) -> StateSnapshot:
            raise OSError("disk full")

        monkeypatch.setattr(StateSnapshot, "take", classmethod(broken))
        measure(sandboxed, clock, post_id, SNAPSHOT_INTERVAL)
        assert sandboxed.app.snapshots is not None
        assert list(sandboxed.app.snapshots.get(post_id)) == []
        assert sandboxed.posts.get(post_id).version == before + SNAPSHOT_INTERVAL

    def test_rebuild_snapshots(self, sandboxed: LibOps, clock: ManualClock, store_url: str) -> None:
        """``ops.rebuild_snapshots`` snapshots every post, budget, contest, data subject and
        calendar at its current version, once; emptying the table and rebuilding is safe."""
        post_id = published_post(sandboxed)
        measure(sandboxed, clock, post_id, 3)
        budget_id = sandboxed.budgets.open(OWNER, name="2026", period=PERIOD)
        assert sandboxed.rebuild_snapshots() == 3  # the post, the budget, the calendar
        assert sandboxed.rebuild_snapshots() == 0  # already at their current versions
        assert sandboxed.rebuild_snapshots(Budget) == 0
        for aggregate_id in (post_id, budget_id, PlatformCalendar.id_for("weibo")):
            assert every_snapshot_matches(sandboxed, aggregate_id) == 1
        if store_url.startswith("sqlite:///"):
            with sqlite3.connect(store_url.removeprefix("sqlite:///")) as db:
                db.execute("DELETE FROM stored_snapshots")
            with LibOps.open(store_url, clock=clock) as cold:
                assert same_state(cold.posts.get(post_id), replayed(sandboxed, post_id))
                assert cold.rebuild_snapshots() == 3


class TestOtherKinds:
    def test_budget(self, ops: LibOps) -> None:
        """A budget with 60 expenses over two categories and a campaign line."""
        budget_id = ops.budgets.open(OWNER, name="Social media 2026", period=PERIOD)
        for category in (BudgetCategory.CONTENT_CREATION, BudgetCategory.PROMOTION):
            ops.budgets.allocate(OWNER, budget_id, category, Money("100000.00"))
        for n in range(60):
            ops.budgets.record_expense(
                ADMIN,
                budget_id,
                vendor=f"Vendor {n % 3}",
                invoice_reference=f"INV-{n}",
                amount=Money(f"{10 + n}.{n % 100:02d}"),
                category=(BudgetCategory.CONTENT_CREATION, BudgetCategory.PROMOTION)[n % 2],
            )
        assert every_snapshot_matches(ops, budget_id) == 1
        assert same_state(ops.budgets.get(budget_id), replayed(ops, budget_id))

    def test_contest_keeps_personal_data_sealed(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """A contest with 55 entries: its snapshot equals its replay, and neither a reader's
        name nor their phone number is in any snapshot, before or after an erasure."""
        contest_id = run_contest(ops, clock, planner, admin, entries=55)
        assert every_snapshot_matches(ops, contest_id) >= 1
        clear = [f"读者{n}号" for n in range(55)] + [f"1381234{n:04d}" for n in range(55)]
        assert {reader(n).name for n in range(55)} == set(clear[:55])
        assert not leaked(ops, contest_id, clear)
        assert leaked(ops, contest_id, ["World Book Day repost draw"])  # the search finds text
        subject = ops.contests.get(contest_id).entries[0].subject_id
        ops.privacy.erase(admin, subject, "asked to be forgotten")
        ops.rebuild_snapshots()
        assert not leaked(ops, contest_id, clear)
        subject_id = DataSubject.id_for(subject)
        assert every_snapshot_matches(ops, subject_id) == 1

    @settings(max_examples=10, deadline=None)
    @given(
        steps=st.lists(
            st.tuples(st.sampled_from(["record", "void"]), st.integers(0, 50)), max_size=40
        ),
        interval=st.integers(1, 4),
    )
    def test_any_metric_history(self, steps: list[tuple[str, int]], interval: int) -> None:
        """Any history of metric snapshots and voids, snapshotted every few events: each
        snapshot equals the replay to its version."""
        clock = ManualClock(START)
        weibo = SandboxPlatform("weibo", seed=1, clock=clock)
        with LibOps.open("memory://", clock=clock, gateways=[weibo]) as ops:
            ops.app.snapshotting_intervals = {Post: interval}  # type: ignore[misc]
            post_id = published_post(ops)
            for action, n in steps:
                clock.advance(timedelta(minutes=1 + n))
                post = ops.posts.get(post_id)
                try:
                    if action == "record":
                        shot = MetricSnapshot("weibo", clock.now(), reads=n, likes=n % 3)
                        ops.posts.record_metrics(TECH, post_id, shot)
                    elif post.recent_metrics("weibo"):
                        recent = post.recent_metrics("weibo")
                        at = recent[n % len(recent)].observed_at
                        ops.publishing.void_metrics(ADMIN, post_id, "weibo", at, f"wrong {n}")
                except LibopsError:
                    continue
            version = ops.posts.get(post_id).version
            assert every_snapshot_matches(ops, post_id) == version // interval


def leaked(ops: LibOps, contest_id: UUID, texts: list[str]) -> list[str]:
    """Which of ``texts`` appear in the stored snapshots of the contest (as stored bytes)."""
    rows = ops.app.snapshots.recorder.select_events(contest_id) if ops.app.snapshots else []
    stored = b"".join(bytes(row.state) for row in rows)
    assert stored, "the contest has no snapshot"
    return [t for t in texts if t.encode() in stored or t.encode("unicode_escape") in stored]


CATEGORIES = (BudgetCategory.CONTENT_CREATION, BudgetCategory.PROMOTION)
budget_steps = st.lists(
    st.tuples(
        st.sampled_from(["allocate", "commit", "release", "expense", "move", "change"]),
        st.integers(0, 99),
    ),
    max_size=30,
)


class TestAnyHistory:
    @settings(max_examples=10, deadline=None)
    @given(steps=budget_steps, interval=st.integers(1, 3))
    def test_any_budget_history(self, steps: list[tuple[str, int]], interval: int) -> None:
        """Any history of allocations, commitments, releases, expenses and adjustments,
        snapshotted every few events: each snapshot equals the replay to its version."""
        with LibOps.open("memory://", clock=ManualClock(START)) as ops:
            ops.app.snapshotting_intervals = {Budget: interval}  # type: ignore[misc]
            budget_id = ops.budgets.open(OWNER, name="2026", period=PERIOD)
            for n, (action, k) in enumerate(steps):
                category = CATEGORIES[k % 2]
                amount = Money(f"{1 + k * 7}.{k % 100:02d}")
                reference = f"REF-{k % 5}"
                try:
                    if action == "allocate":
                        ops.budgets.allocate(OWNER, budget_id, category, Money(f"{100 * k}.00"))
                    elif action == "commit":
                        ops.budgets.commit(
                            ADMIN, budget_id, reference=reference, amount=amount, category=category
                        )
                    elif action == "release":
                        ops.budgets.release(ADMIN, budget_id, reference, reason="not needed")
                    elif action == "expense":
                        ops.budgets.record_expense(
                            ADMIN,
                            budget_id,
                            vendor=f"Vendor {k % 3}",
                            invoice_reference=f"INV-{n}",
                            amount=amount,
                            category=category,
                            settles=reference if k % 3 == 0 else None,
                        )
                    elif action == "move":
                        ops.budgets.move(
                            ADMIN,
                            budget_id,
                            amount=amount,
                            from_category=category,
                            to_category=CATEGORIES[(k + 1) % 2],
                            reason="rebalance",
                            approver=OWNER,
                        )
                    else:
                        ops.budgets.change_allocation(
                            ADMIN,
                            budget_id,
                            category=category,
                            allocation=Money(f"{50 * k}.00"),
                            reason="new plan",
                            approver=OWNER,
                        )
                except LibopsError:
                    continue
            version = ops.budgets.get(budget_id).version
            assert every_snapshot_matches(ops, budget_id) == version // interval
            assert same_state(ops.budgets.get(budget_id), replayed(ops, budget_id))

    @settings(max_examples=5, deadline=None)
    @given(
        entries=st.integers(1, 12),
        disqualified=st.lists(st.integers(0, 11), max_size=4),
        interval=st.integers(1, 4),
    )
    def test_any_contest(self, entries: int, disqualified: list[int], interval: int) -> None:
        """A contest with any number of entries, some disqualified, closed and drawn,
        snapshotted every few events: each snapshot equals the replay to its version."""
        clock = ManualClock(START)
        with LibOps.open("memory://", clock=clock) as ops:
            ops.app.snapshotting_intervals = {Contest: interval}  # type: ignore[misc]
            contest_id = ops.contests.announce(
                PLANNER, kind="repost_draw", title="Repost draw", rules=RULES
            )
            ops.contests.open(ADMIN, contest_id)
            clock.advance(timedelta(hours=2))
            ids = [
                ops.contests.enter(
                    PLANNER,
                    contest_id,
                    participant=reader(n),
                    consent=CONSENT,
                    platform="weibo",
                    method="repost",
                )
                for n in range(entries)
            ]
            for k in disqualified:
                try:
                    ops.contests.disqualify(ADMIN, contest_id, ids[k % len(ids)], "staff")
                except LibopsError:
                    continue
            clock.set(RULES.closes_at)
            ops.contests.close(ADMIN, contest_id)
            with contextlib.suppress(LibopsError):  # everyone disqualified: nothing to draw
                ops.contests.draw(ADMIN, contest_id)
            version = ops.contests.get(contest_id).version
            assert every_snapshot_matches(ops, contest_id) == version // interval
            assert same_state(ops.contests.get(contest_id), replayed(ops, contest_id))

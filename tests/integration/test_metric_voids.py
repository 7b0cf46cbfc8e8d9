"""Future-dated metric snapshots on every kind of store: refused, or voided when recorded.

A snapshot observed in the future (a mistyped year) used to block its post for good: every
later real snapshot was refused as stale, and ``collect_metrics`` failed on every run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libops import (
    Actor,
    LibOps,
    MetricOutcome,
    MetricSnapshot,
    Platform,
    Post,
    PostVariant,
    ReviewChecklist,
    VoidMetrics,
)
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.application.catalogue import build
from libops.demo import TEAM
from libops.domain.errors import (
    FutureMetricsError,
    InvalidValueError,
    PermissionDeniedError,
    UnknownIdError,
    UnknownMetricSnapshotError,
)
from libops.domain.post import DEFAULT_FUTURE_MARGIN
from tests.helpers import count_events, refused
from tests.integration.test_projection_replay import (
    MAX_EXAMPLES,
    History,
    assert_replay_equals_live,
    pick,
)
from tests.integration.test_projection_replay import opened as opened_for_replay

PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
A_YEAR = timedelta(days=365)


@pytest.fixture
def sandboxed(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    """libops on a fresh store of each kind, with a Weibo sandbox on the manual clock."""
    gateway = SandboxPlatform("weibo", seed=3, clock=clock)
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[gateway]) as opened:
        yield opened


def published(ops: LibOps, planner: Actor, reviewer: Actor, admin: Actor) -> UUID:
    post_id = ops.posts.draft(
        planner,
        title="Reading list",
        body="Ten books.",
        content_type="knowledge",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, "Ten books #读书#")],
    )
    ops.posts.submit_for_review(planner, post_id)
    ops.posts.review(reviewer, post_id, PASSED, approve=True)
    ops.publishing.publish(admin, post_id, "weibo")
    return post_id


def record_unchecked(ops: LibOps, actor: Actor, post_id: UUID, snapshot: MetricSnapshot) -> None:
    """Record a snapshot without the clock check, as stores written before it hold them."""
    post = ops.posts.get(post_id)
    post.record_metrics(actor, snapshot)
    ops.app.save(post)


class TestFutureSnapshots:
    def test_margin_boundary(
        self, sandboxed: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, tech: Actor
    ) -> None:
        """Observed exactly 10 minutes ahead: recorded; a microsecond more: refused."""
        post_id = published(sandboxed, planner, reviewer, tech)
        now = clock.now()
        over = MetricSnapshot("weibo", now + DEFAULT_FUTURE_MARGIN + timedelta(microseconds=1))
        error = refused(
            sandboxed,
            FutureMetricsError,
            lambda: sandboxed.posts.record_metrics(tech, post_id, over),
        )
        assert over.observed_at.isoformat() in str(error)
        at_margin = MetricSnapshot("weibo", now + DEFAULT_FUTURE_MARGIN, reads=3)
        assert sandboxed.posts.record_metrics(tech, post_id, at_margin) is MetricOutcome.RECORDED

    def test_margin_from_open(
        self, clock: ManualClock, planner: Actor, reviewer: Actor, tech: Actor
    ) -> None:
        """``LibOps.open(metrics_future_margin=...)`` sets the margin; a bad one is refused."""
        gateway = SandboxPlatform("weibo", seed=3, clock=clock)
        with LibOps.open(
            "memory://", clock=clock, gateways=[gateway], metrics_future_margin=timedelta(0)
        ) as ops:
            post_id = published(ops, planner, reviewer, tech)
            later = MetricSnapshot("weibo", clock.now() + timedelta(seconds=1), reads=1)
            refused(ops, FutureMetricsError, lambda: ops.posts.record_metrics(tech, post_id, later))
        for bad in (timedelta(days=8), timedelta(minutes=-1), "10m"):
            with pytest.raises(InvalidValueError):
                LibOps.open("memory://", metrics_future_margin=bad)  # type: ignore[arg-type]


class TestVoid:
    def test_void_unblocks_collection(
        self,
        sandboxed: LibOps,
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """A stuck post fails collection on every run until its wrong snapshot is voided."""
        post_id = published(sandboxed, planner, reviewer, admin)
        clock.advance(timedelta(hours=1))
        (first,) = sandboxed.publishing.collect_metrics(tech)
        assert first.outcome is MetricOutcome.RECORDED
        assert first.snapshot is not None
        wrong = MetricSnapshot("weibo", clock.now() + A_YEAR, reads=999_999)
        record_unchecked(sandboxed, tech, post_id, wrong)
        for _ in range(2):
            clock.advance(timedelta(hours=1))
            (stuck,) = sandboxed.publishing.collect_metrics(tech)
            assert stuck.outcome is None
            assert stuck.error is not None
            assert "older than the latest" in stuck.error

        voided = sandboxed.publishing.void_metrics(
            admin, post_id, "weibo", wrong.observed_at, reason="Year typed as next year"
        )
        assert voided == wrong
        assert sandboxed.posts.get(post_id).latest_metrics("weibo") == first.snapshot
        clock.advance(timedelta(hours=1))
        (unblocked,) = sandboxed.publishing.collect_metrics(tech)
        assert unblocked.outcome is MetricOutcome.RECORDED, unblocked.error
        assert sandboxed.posts.get(post_id).latest_metrics("weibo") == unblocked.snapshot

        # The void is in the history: who, which snapshot, why.
        (event,) = [
            e
            for e in sandboxed.app.repository.event_store.get(post_id)
            if isinstance(e, Post.MetricsVoided)
        ]
        assert (event.actor_id, event.reason) == (admin.id, "Year typed as next year")
        assert (event.voided, event.latest) == (wrong, first.snapshot)

    def test_refusals_record_nothing(
        self,
        sandboxed: LibOps,
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """An unknown snapshot, post or reason, or the wrong role, is refused."""
        post_id = published(sandboxed, planner, reviewer, admin)
        seen = clock.now()
        sandboxed.posts.record_metrics(tech, post_id, MetricSnapshot("weibo", seen, reads=2))
        void = sandboxed.publishing.void_metrics
        refused(
            sandboxed,
            UnknownMetricSnapshotError,
            lambda: void(tech, post_id, "weibo", seen - timedelta(seconds=1), reason="No such"),
        )
        refused(
            sandboxed,
            UnknownIdError,
            lambda: void(tech, UUID(int=7), "weibo", seen, reason="No such post"),
        )
        refused(sandboxed, InvalidValueError, lambda: void(tech, post_id, "weibo", seen, reason=""))
        refused(
            sandboxed,
            PermissionDeniedError,
            lambda: void(planner, post_id, "weibo", seen, reason="Not mine to void"),
        )
        assert sandboxed.posts.get(post_id).latest_metrics("weibo") is not None

    def test_command_built_from_data(
        self,
        sandboxed: LibOps,
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """The HTTP API and the command line build the same command from plain data."""
        post_id = published(sandboxed, planner, reviewer, admin)
        seen = clock.now()
        sandboxed.posts.record_metrics(tech, post_id, MetricSnapshot("weibo", seen, reads=2))
        command = build(
            "post.void_metrics",
            {
                "post_id": str(post_id),
                "platform": "weibo",
                "observed_at": seen.isoformat(),
                "reason": "Bad export",
            },
        )
        assert command == VoidMetrics(post_id, Platform.WEIBO, seen, reason="Bad export")
        before = count_events(sandboxed)
        assert sandboxed.execute(tech, command).observed_at == seen
        assert count_events(sandboxed) == before + 1

    def test_projections_after_a_void(
        self,
        sandboxed: LibOps,
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """Projections show the latest valid snapshot after a void, live and rebuilt."""
        post_id = published(sandboxed, planner, reviewer, admin)
        good = MetricSnapshot("weibo", clock.now(), reads=100, likes=10, comments=2)
        sandboxed.posts.record_metrics(tech, post_id, good)
        engine = sandboxed.projections
        engine.run()
        wrong = MetricSnapshot("weibo", clock.now() + A_YEAR, reads=10**9, likes=10**6)
        record_unchecked(sandboxed, tech, post_id, wrong)
        engine.run()
        key = f"post:{post_id}:weibo"
        assert engine.get("engagement", key)["reads"] == 10**9
        sandboxed.publishing.void_metrics(tech, post_id, "weibo", wrong.observed_at, "Typo")
        engine.run()
        doc = engine.get("engagement", key)
        assert (doc["reads"], doc["likes"], doc["engagements"]) == (100, 10, 12)
        assert (doc["snapshots"], doc["voided"]) == (1, 1)
        assert doc["observed_at"] == good.observed_at.isoformat()
        assert engine.get("engagement", "platform:weibo")["reads"] == 100
        assert engine.get("scorecard", key)["counts"]["reads"] == 100
        # The anomaly detector's statistics forget the voided snapshot: n, sum, sum of squares.
        stats = engine.get("risk_signals", "metrics:weibo")["counts"]
        assert stats["reads"] == [1, 100, 100 * 100]
        live = assert_replay_equals_live(sandboxed)
        assert live["engagement"][key]["reads"] == 100


class VoidingHistory(History):
    """The replay test's random history, plus voids of the latest valid snapshot."""

    def void(self, n: int) -> None:
        post, platform = pick(self.published, n)
        latest = self.ops.posts.get(post).latest_metrics(platform)
        if latest is None:
            return
        self.ops.publishing.void_metrics(
            TEAM["admin"] if n % 2 else TEAM["tech"],
            post,
            platform,
            latest.observed_at,
            reason=f"wrong {n}",
        )
        self.snapshots.pop((post, platform), None)


void_steps = st.lists(
    st.tuples(
        st.sampled_from(("draft", "draft", "publish_due", "collect", "metrics", "void")),
        st.integers(0, 999),
        st.booleans(),
    ),
    min_size=10,
    max_size=80,
)


def run_voiding(ops: LibOps, clock: ManualClock, plan: list[tuple[str, int, bool]]) -> None:
    history = VoidingHistory(ops, clock)
    for action, n, run_now in plan:
        history.step(action, n)
        if run_now:
            ops.projections.run(max_batches=None if n % 2 else 1 + n % 3)


class TestReplayWithVoids:
    @settings(max_examples=MAX_EXAMPLES, deadline=None)
    @given(plan=void_steps)
    def test_memory(self, plan: list[tuple[str, int, bool]]) -> None:
        """With voids in the history, a rebuild from zero equals the live views."""
        with opened_for_replay("memory") as (ops, clock):
            run_voiding(ops, clock, plan)
            assert_replay_equals_live(ops)

    def test_sqlite_fixed_history(self) -> None:
        """A fixed history with voids between runs, on SQLite: rebuilt equals live."""
        plan: list[tuple[str, int, bool]] = [("draft", 3, False), ("draft", 7, True)]
        plan += [("publish_due", 23, True), ("collect", 5, False), ("metrics", 1, True)]
        plan += [("void", 0, True), ("metrics", 2, False), ("void", 1, False)]
        plan += [("void", 2, True), ("collect", 3, False), ("void", 4, True)]
        with opened_for_replay("sqlite") as (ops, clock):
            history = VoidingHistory(ops, clock)
            for action, n, run_now in plan:
                history.step(action, n)
                if run_now:
                    ops.projections.run()
            assert "void" in history.done
            assert_replay_equals_live(ops)


class TestWciAfterAVoid:
    def test_the_index_uses_the_latest_valid_counts(
        self, clock: ManualClock, planner: Actor, reviewer: Actor, tech: Actor
    ) -> None:
        """The WeChat Communication Index of a post goes back to the counts before a voided
        snapshot, and to zero when none is left."""
        wechat = SandboxPlatform("wechat", seed=3, clock=clock)
        with LibOps.open("memory://", clock=clock, gateways=[wechat]) as ops:
            post_id = ops.posts.draft(
                planner,
                title="Reading list",
                body="Ten books.",
                content_type="knowledge",
                format="image_text",
                variants=[PostVariant(Platform.WECHAT, "Ten books", media=("cover.jpg",))],
            )
            ops.posts.submit_for_review(planner, post_id)
            ops.posts.review(reviewer, post_id, PASSED, approve=True)
            ops.publishing.publish(tech, post_id, "wechat")
            good = MetricSnapshot("wechat", clock.now(), reads=500, likes=20, shares=5)
            ops.posts.record_metrics(tech, post_id, good)
            clock.advance(timedelta(minutes=5))
            wrong = MetricSnapshot("wechat", clock.now(), reads=90_000, likes=7_000, shares=900)
            ops.posts.record_metrics(tech, post_id, wrong)
            engine = ops.projections
            engine.run()
            key = f"post:{post_id}"
            assert engine.get("wci", key)["reads"] == 90_000
            ops.publishing.void_metrics(tech, post_id, "wechat", wrong.observed_at, "Bad export")
            engine.run()
            doc = engine.get("wci", key)
            assert (doc["reads"], doc["likes"], doc["shares"]) == (500, 20, 5)
            ops.publishing.void_metrics(tech, post_id, "wechat", good.observed_at, "Also bad")
            engine.run()
            doc = engine.get("wci", key)
            assert (doc["reads"], doc["likes"], doc["shares"]) == (0, 0, 0)
            assert engine.get("scorecard", f"post:{post_id}:wechat")["counts"] == {}
            assert_replay_equals_live(ops)

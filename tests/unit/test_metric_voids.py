"""Post metrics: snapshots ahead of the clock are refused, wrong ones can be voided."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from libops import Actor, MetricOutcome, MetricSnapshot, Post
from libops.domain.errors import (
    FutureMetricsError,
    InvalidValueError,
    LimitExceededError,
    PermissionDeniedError,
    PlatformNotTargetedError,
    StaleMetricsError,
    UnknownMetricSnapshotError,
)
from libops.domain.post import (
    DEFAULT_FUTURE_MARGIN,
    VOIDABLE_SNAPSHOTS,
    future_margin,
)
from tests.helpers import refused
from tests.unit.test_post import NOW, approved, receipt

MICRO = timedelta(microseconds=1)


def published(planner: Actor, reviewer: Actor, admin: Actor) -> Post:
    post = approved(planner, reviewer)
    post.record_published(admin, receipt())
    return post


def shot(minutes: float = 0, **counts: int) -> MetricSnapshot:
    return MetricSnapshot("weibo", NOW + timedelta(minutes=minutes), **counts)


class TestFutureSnapshots:
    def test_at_the_margin_accepted(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A snapshot observed exactly the margin ahead of the clock is recorded."""
        post = published(planner, reviewer, admin)
        at_margin = MetricSnapshot("weibo", NOW + DEFAULT_FUTURE_MARGIN, reads=1)
        assert post.record_metrics(admin, at_margin, now=NOW) is MetricOutcome.RECORDED

    def test_just_over_the_margin_refused(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """One microsecond past the margin is refused, and nothing is recorded."""
        post = published(planner, reviewer, admin)
        over = MetricSnapshot("weibo", NOW + DEFAULT_FUTURE_MARGIN + MICRO, reads=1)
        error = refused(post, FutureMetricsError, lambda: post.record_metrics(admin, over, now=NOW))
        assert "ahead of the clock" in str(error)

    def test_mistyped_year_refused(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A year typed wrong (2027 for 2026) is refused, whatever the counts."""
        post = published(planner, reviewer, admin)
        typo = MetricSnapshot("weibo", NOW.replace(year=2027), reads=5)
        refused(post, FutureMetricsError, lambda: post.record_metrics(admin, typo, now=NOW))

    def test_own_margin(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A margin of zero refuses anything after now; a wider one lets more through."""
        post = published(planner, reviewer, admin)
        later = shot(1, reads=1)
        refused(
            post,
            FutureMetricsError,
            lambda: post.record_metrics(admin, later, now=NOW, margin=timedelta(0)),
        )
        outcome = post.record_metrics(admin, later, now=NOW, margin=timedelta(minutes=1))
        assert outcome is MetricOutcome.RECORDED

    @pytest.mark.parametrize(
        "margin", [timedelta(seconds=-1), timedelta(days=7, microseconds=1), 600, None]
    )
    def test_bad_margin_refused(self, margin: Any) -> None:
        """A margin is a timedelta from 0 to 7 days."""
        with pytest.raises(InvalidValueError):
            future_margin(margin)

    def test_naive_now_refused(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """The clock's time must carry a time zone."""
        post = published(planner, reviewer, admin)
        naive = datetime(2026, 3, 1, 8, 0)
        refused(
            post, InvalidValueError, lambda: post.record_metrics(admin, shot(reads=1), now=naive)
        )


class TestVoid:
    def test_void_unblocks_a_post(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """After a future-dated snapshot is voided, the next real one is accepted."""
        post = published(planner, reviewer, admin)
        post.record_metrics(admin, shot(0, reads=10))
        wrong = shot(365 * 24 * 60, reads=12)  # a year ahead, recorded before the check
        post.record_metrics(admin, wrong)
        real = shot(60, reads=15)
        refused(post, StaleMetricsError, lambda: post.record_metrics(admin, real))
        voided = post.void_metrics(admin, "weibo", wrong.observed_at, "Year typed as 2027")
        assert voided == wrong
        assert post.latest_metrics("weibo") == shot(0, reads=10)
        assert post.record_metrics(admin, real, now=NOW + timedelta(hours=1)) is (
            MetricOutcome.RECORDED
        )
        assert post.latest_metrics("weibo") == real

    def test_event_names_who_what_and_why(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """The MetricsVoided event carries the actor, the voided snapshot, the latest and why."""
        post = published(planner, reviewer, admin)
        first, second = shot(0, reads=10), shot(5, reads=20)
        post.record_metrics(admin, first)
        post.record_metrics(admin, second)
        post.collect_events()
        post.void_metrics(admin, "weibo", second.observed_at, "  Export counted twice  ")
        (event,) = post.collect_events()
        assert isinstance(event, Post.MetricsVoided)
        assert event.TOPIC == "libops:Post.MetricsVoided"
        assert (event.actor_id, event.reason) == (admin.id, "Export counted twice")
        assert (event.voided, event.latest) == (second, first)
        assert event.campaign_id == post.campaign_id

    def test_corrections_judged_against_the_restored_latest(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """After a void, lower counts than the restored latest are a correction again."""
        post = published(planner, reviewer, admin)
        post.record_metrics(admin, shot(0, reads=10, likes=4))
        post.record_metrics(admin, shot(5, reads=900, likes=900))
        post.void_metrics(admin, "weibo", shot(5).observed_at, "Bot traffic")
        assert post.record_metrics(admin, shot(6, reads=11, likes=3)) is MetricOutcome.CORRECTED
        assert post.record_metrics(admin, shot(7, reads=11, likes=3)) is MetricOutcome.UNCHANGED

    def test_void_the_only_snapshot(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """Voiding a platform's only snapshot leaves it with none; any next one is accepted."""
        post = published(planner, reviewer, admin)
        post.record_metrics(admin, shot(1000, reads=10))
        post.void_metrics(admin, "weibo", shot(1000).observed_at, "Wrong date")
        assert post.latest_metrics("weibo") is None
        assert post.recent_metrics("weibo") == ()
        assert post.record_metrics(admin, shot(0, reads=1)) is MetricOutcome.RECORDED

    def test_void_an_earlier_snapshot(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """Voiding a snapshot before the latest leaves the latest as it is."""
        post = published(planner, reviewer, admin)
        for minute in range(3):
            post.record_metrics(admin, shot(minute, reads=10 + minute))
        post.void_metrics(admin, "weibo", shot(1).observed_at, "Export glitch")
        assert post.latest_metrics("weibo") == shot(2, reads=12)
        assert post.recent_metrics("weibo") == (shot(0, reads=10), shot(2, reads=12))

    def test_twice_the_same_moment(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """Of two snapshots observed at one moment, the later recorded is voided first."""
        post = published(planner, reviewer, admin)
        post.record_metrics(admin, shot(0, reads=10))
        post.record_metrics(admin, shot(0, reads=11))
        assert post.void_metrics(admin, "weibo", NOW, "Duplicate") == shot(0, reads=11)
        assert post.latest_metrics("weibo") == shot(0, reads=10)
        assert post.void_metrics(admin, "weibo", NOW, "Also wrong") == shot(0, reads=10)
        assert post.latest_metrics("weibo") is None

    def test_unknown_snapshot_refused(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A moment with no valid snapshot (never recorded, or already voided) is refused."""
        post = published(planner, reviewer, admin)
        refused(
            post,
            UnknownMetricSnapshotError,
            lambda: post.void_metrics(admin, "weibo", NOW, "Nothing there"),
        )
        post.record_metrics(admin, shot(0, reads=10))
        post.record_metrics(admin, shot(5, reads=11))
        refused(
            post,
            UnknownMetricSnapshotError,
            lambda: post.void_metrics(admin, "weibo", NOW + MICRO, "Off by a microsecond"),
        )
        post.void_metrics(admin, "weibo", shot(5).observed_at, "Wrong")
        refused(
            post,
            UnknownMetricSnapshotError,
            lambda: post.void_metrics(admin, "weibo", shot(5).observed_at, "Again"),
        )

    def test_bad_requests_refused(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A void needs the role, a reason, a targeted platform and an aware time."""
        post = published(planner, reviewer, admin)
        post.record_metrics(admin, shot(0, reads=10))
        refused(
            post,
            PermissionDeniedError,
            lambda: post.void_metrics(planner, "weibo", NOW, "Mine"),
        )
        refused(post, InvalidValueError, lambda: post.void_metrics(admin, "weibo", NOW, "  "))
        refused(
            post,
            LimitExceededError,
            lambda: post.void_metrics(admin, "weibo", NOW, "x" * 2001),
        )
        refused(
            post,
            PlatformNotTargetedError,
            lambda: post.void_metrics(admin, "douyin", NOW, "Wrong"),
        )
        refused(
            post,
            InvalidValueError,
            lambda: post.void_metrics(admin, "weibo", NOW.replace(tzinfo=None), "Naive"),
        )

    def test_only_the_latest_are_kept(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A post keeps the latest VOIDABLE_SNAPSHOTS valid snapshots per platform; an older
        one cannot be voided, nor the last kept one while older ones exist."""
        post = published(planner, reviewer, admin)
        total = VOIDABLE_SNAPSHOTS + 5
        for minute in range(total):
            post.record_metrics(admin, shot(minute, reads=minute + 1))
        recent = post.recent_metrics("weibo")
        assert len(recent) == VOIDABLE_SNAPSHOTS
        assert recent[0] == shot(5, reads=6)
        error = refused(
            post,
            UnknownMetricSnapshotError,
            lambda: post.void_metrics(admin, "weibo", shot(2).observed_at, "Too old"),
        )
        assert f"only the latest {VOIDABLE_SNAPSHOTS}" in str(error)
        for minute in range(total - 1, 5, -1):
            post.void_metrics(admin, "weibo", shot(minute).observed_at, "Wrong")
        assert post.latest_metrics("weibo") == shot(5, reads=6)
        refused(
            post,
            UnknownMetricSnapshotError,
            lambda: post.void_metrics(admin, "weibo", shot(5).observed_at, "Last kept"),
        )

    def test_replay_gives_the_same_post(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Rebuilt from its events, a post with voids has the same metrics state."""
        post = published(planner, reviewer, admin)
        for minute in range(4):
            post.record_metrics(admin, shot(minute, reads=10 * (minute + 1)))
        post.void_metrics(admin, "weibo", shot(3).observed_at, "Wrong")
        post.void_metrics(admin, "weibo", shot(1).observed_at, "Wrong too")
        post.record_metrics(admin, shot(2.5, reads=5))
        events = list(post._pending_events)
        rebuilt: Aggregate | None = None
        for event in events:
            rebuilt = event.mutate(rebuilt)
        assert isinstance(rebuilt, Post)
        assert vars(rebuilt) == {**vars(post), "_pending_events": []}
        assert rebuilt.latest_metrics("weibo") == shot(2.5, reads=5)

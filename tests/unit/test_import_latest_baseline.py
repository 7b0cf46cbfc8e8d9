"""``Post.record_metrics(latest=...)``: a snapshot recorded elsewhere (a bulk import's) is
the baseline when it is later than the post's own (docs/import.md, One history)."""

from __future__ import annotations

from datetime import timedelta

from libops.domain.errors import InvalidValueError, StaleMetricsError
from libops.domain.post import MetricOutcome, Post
from libops.domain.values import Actor, MetricSnapshot
from tests.helpers import refused
from tests.unit import test_post
from tests.unit.test_post import NOW


def _snapshot(minutes: int, platform: str = "weibo", **counts: int) -> MetricSnapshot:
    return MetricSnapshot(platform, NOW + timedelta(minutes=minutes), **counts)


def test_a_later_bulk_snapshot_is_the_baseline(
    planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    post = test_post.TestMetrics.published(planner, reviewer, admin)
    post.record_metrics(admin, _snapshot(0, reads=10))
    bulk = _snapshot(60, reads=500, likes=9)
    post.collect_events()
    older = _snapshot(30, reads=20)
    refused(post, StaleMetricsError, lambda: post.record_metrics(admin, older, latest=bulk))
    assert post.record_metrics(admin, _snapshot(90, reads=500, likes=9), latest=bulk) is (
        MetricOutcome.UNCHANGED
    )
    lower = _snapshot(90, reads=400, likes=9)
    assert post.record_metrics(admin, lower, latest=bulk) is MetricOutcome.CORRECTED
    (event,) = post.collect_events()
    assert isinstance(event, Post.MetricsCorrected)
    assert tuple(event.lowered) == ("reads",)


def test_an_earlier_bulk_snapshot_gives_way_to_the_post_s_own(
    planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    post = test_post.TestMetrics.published(planner, reviewer, admin)
    post.record_metrics(admin, _snapshot(60, reads=100))
    bulk = _snapshot(0, reads=1000)
    assert post.record_metrics(admin, _snapshot(70, reads=150), latest=bulk) is (
        MetricOutcome.RECORDED
    )


def test_the_baseline_is_a_snapshot_of_the_platform(
    planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    post = test_post.TestMetrics.published(planner, reviewer, admin)
    for bad in (_snapshot(0, "wechat", reads=1), {"reads": 1}):
        refused(
            post,
            InvalidValueError,
            lambda: post.record_metrics(admin, _snapshot(5, reads=2), latest=bad),  # type: ignore[arg-type]  # noqa: B023
        )

"""The cadence view counts planned briefs against the policy, per platform and day / week, so a
gap in next week's calendar shows before it happens; the day and week documents of posts
stay as they were. On every kind of store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from libops import LibOps, Platform
from libops.adapters.clock import ManualClock
from libops.projections import ProjectionEngine
from libops.projections.cadence import CadenceComplianceProjection
from tests.actors import PLANNER
from tests.unit.test_engagement_projection import open_with_sandboxes, publish_post, utc

W, C = Platform.WEIBO, Platform.WECHAT


@pytest.fixture
def pub(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    with open_with_sandboxes(store_url, clock) as opened:
        yield opened


def planned(ops: LibOps, title: str, due: date, *platforms: Platform) -> Any:
    brief_id = ops.briefs.propose(
        PLANNER,
        title=title,
        need="Readers asked for it",
        content_type="knowledge",
        format="image_text",
        platforms=list(platforms),
    )
    ops.briefs.plan(PLANNER, brief_id, due_on=due, assignee="planner-1")
    return brief_id


def cadence(ops: LibOps) -> dict[str, Any]:
    with ProjectionEngine(ops, [CadenceComplianceProjection()]) as engine:
        engine.run()
        return dict(engine.view("cadence"))


def test_planned_briefs_show_next_weeks_gap(pub: LibOps, clock: ManualClock) -> None:
    # One WeChat post on Monday 2 March (week 10); next week (week 11) has only briefs.
    publish_post(pub, clock, utc(2, 1), C)
    before = cadence(pub)
    first = planned(pub, "Poetry picks", date(2026, 3, 11), C, W)
    second = planned(pub, "Night reading", date(2026, 3, 12), C)
    view = cadence(pub)
    # The documents of posts are unchanged.
    assert {k: v for k, v in view.items() if k.startswith(("day:", "week:"))} == before
    week = view["plan:week:wechat:2026-W11"]
    assert week == {
        "platform": "wechat",
        "per": "week",
        "period_start": "2026-03-09",
        "period_end": "2026-03-15",
        "briefs": 2,
        "brief_ids": sorted([str(first), str(second)]),
        "posts": 0,
        "expected": 2,
        "minimum": 3,
        "maximum": 4,
        "gap": 1,
    }
    day = view["plan:day:weibo:2026-03-11"]
    assert (day["briefs"], day["minimum"], day["gap"]) == (1, 1, 0)
    assert "plan:day:weibo:2026-03-12" not in view  # the second brief is WeChat only
    # A third brief fills the week; dropping one opens the gap again.
    third = planned(pub, "Staff picks", date(2026, 3, 13), C)
    assert cadence(pub)["plan:week:wechat:2026-W11"]["gap"] == 0
    pub.briefs.drop(PLANNER, third, "no cover image")
    assert cadence(pub)["plan:week:wechat:2026-W11"]["gap"] == 1
    # Replanned into this week, the brief counts there with this week's post.
    pub.briefs.replan(PLANNER, second, due_on=date(2026, 3, 6))
    view = cadence(pub)
    this_week = view["plan:week:wechat:2026-W10"]
    assert (this_week["posts"], this_week["briefs"], this_week["expected"], this_week["gap"]) == (
        1,
        1,
        2,
        1,
    )
    assert view["plan:week:wechat:2026-W11"]["briefs"] == 1
    # A drafted brief no longer counts as planned: its documents go.
    post_id = publish_post(pub, clock, utc(3, 2), C)
    pub.briefs.mark_drafted(PLANNER, second, post_id)
    view = cadence(pub)
    assert "plan:week:wechat:2026-W10" not in view
    assert view["week:wechat:2026-W10"]["posts"] == 2

"""The campaign scorecard projection: each objective against its actual value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from libops import Actor, LibOps, Objective, Period
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.values import MetricSnapshot, Platform, PostVariant, ReviewChecklist
from libops.projections import ProjectionEngine
from libops.projections.scorecard import CampaignScorecardProjection, attainment

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
OBJECTIVES = [
    Objective("reads", 5000),
    Objective("likes", 200, platform="weibo"),
    Objective("engagements", 400),
    Objective("posts_published", 4),
    Objective("followers_gained", 50),
    Objective("participants", 100),
]


@pytest.fixture
def pub_ops(clock: ManualClock) -> Any:
    """libops in memory with sandbox Weibo and WeChat accounts to publish to."""
    weibo = SandboxPlatform("weibo", seed="weibo", clock=clock)
    wechat = SandboxPlatform("wechat", seed="wechat", clock=clock)
    with LibOps.open("memory://", clock=clock, gateways=[weibo, wechat]) as opened:
        yield opened


def approved_post(ops: LibOps, planner: Actor, reviewer: Actor, campaign: UUID | None) -> UUID:
    post = ops.posts.draft(
        planner,
        title="World Book Day reading list",
        body="Ten books we loved.",
        content_type="knowledge",
        format="image_text",
        campaign_id=campaign,
        variants=[
            PostVariant(Platform.WEIBO, "世界读书日 #读书#", media=("poster.jpg",)),
            PostVariant(Platform.WECHAT, "世界读书日书单", media=("cover.jpg",)),
        ],
    )
    ops.posts.submit_for_review(planner, post)
    ops.posts.review(reviewer, post, PASSED, approve=True)
    return post


def metrics(ops: LibOps, actor: Actor, post: UUID, platform: str, **counts: int) -> None:
    ops.posts.record_metrics(
        actor, post, MetricSnapshot(platform=platform, observed_at=ops.clock.now(), **counts)
    )


def history(
    ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
) -> UUID:
    """Three posts of a campaign published, metrics recorded and one corrected."""
    campaign = ops.campaigns.plan(
        planner,
        name="World Book Day",
        kind="topic",
        period=MARCH,
        platforms=["weibo", "wechat"],
        objectives=OBJECTIVES,
    )
    ops.campaigns.launch(admin, campaign)
    p1 = approved_post(ops, planner, reviewer, campaign)
    p2 = approved_post(ops, planner, reviewer, campaign)
    p3 = approved_post(ops, planner, reviewer, None)
    ops.publishing.publish(tech, p1, "weibo")
    ops.publishing.publish(tech, p1, "wechat")
    ops.publishing.publish(tech, p2, "weibo")
    ops.publishing.publish(tech, p3, "weibo")
    clock.advance(timedelta(hours=1))
    metrics(
        ops,
        tech,
        p1,
        "weibo",
        reads=1000,
        likes=50,
        comments=10,
        shares=5,
        favourites=5,
        followers_gained=10,
    )
    metrics(ops, tech, p1, "wechat", reads=1500, likes=30, comments=5, shares=15)
    metrics(ops, tech, p2, "weibo", reads=800, likes=40, comments=8, shares=2, followers_gained=5)
    metrics(ops, tech, p3, "weibo", reads=999, likes=99)
    clock.advance(timedelta(hours=1))
    metrics(
        ops,
        tech,
        p1,
        "weibo",
        reads=2000,
        likes=120,
        comments=20,
        shares=10,
        favourites=10,
        followers_gained=20,
    )
    metrics(
        ops, tech, p2, "weibo", reads=800, likes=30, comments=8, shares=2, followers_gained=5
    )  # likes lowered: a correction
    return campaign


class TestCampaignScorecard:
    def test_objectives_against_actuals(
        self,
        pub_ops: LibOps,
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """Latest snapshots, the correction and three publications give the hand-worked card."""
        campaign = history(pub_ops, clock, planner, reviewer, admin, tech)
        with ProjectionEngine(pub_ops, [CampaignScorecardProjection()]) as engine:
            engine.run()
            card = engine.get("scorecard", f"campaign:{campaign}")
        assert (card["name"], card["kind"], card["status"]) == ("World Book Day", "topic", "live")
        # reads 2000 + 1500 + 800; weibo likes 120 + 30; engagements 160 + 50 + 40;
        # 3 variants published; followers 20 + (none on WeChat) + 5
        assert card["objectives"] == [
            {
                "metric": "reads",
                "platform": None,
                "target": "5000",
                "actual": 4300,
                "attainment": "0.8600",
            },
            {
                "metric": "likes",
                "platform": "weibo",
                "target": "200",
                "actual": 150,
                "attainment": "0.7500",
            },
            {
                "metric": "engagements",
                "platform": None,
                "target": "400",
                "actual": 250,
                "attainment": "0.6250",
            },
            {
                "metric": "posts_published",
                "platform": None,
                "target": "4",
                "actual": 3,
                "attainment": "0.7500",
            },
            {
                "metric": "followers_gained",
                "platform": None,
                "target": "50",
                "actual": 25,
                "attainment": "0.5000",
            },
            {
                "metric": "participants",
                "platform": None,
                "target": "100",
                "actual": None,
                "attainment": None,
            },
        ]
        assert card["actuals"] == {
            "reads": 4300,
            "views": 0,
            "likes": 180,
            "comments": 33,
            "shares": 27,
            "favourites": 10,
            "followers_gained": 25,
            "engagements": 250,
            "posts_published": 3,
        }
        assert card["actuals_by_platform"]["wechat"]["posts_published"] == 1

    def test_amended_objectives_are_scored_at_once(
        self,
        pub_ops: LibOps,
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """New objectives replace the old ones and are scored against the actuals so far."""
        campaign = history(pub_ops, clock, planner, reviewer, admin, tech)
        pub_ops.campaigns.amend(planner, campaign, objectives=[Objective("shares", 20)])
        pub_ops.campaigns.complete(admin, campaign)
        with ProjectionEngine(pub_ops, [CampaignScorecardProjection()]) as engine:
            engine.run()
            card = engine.get("scorecard", f"campaign:{campaign}")
        assert card["status"] == "completed"
        assert card["objectives"] == [
            {
                "metric": "shares",
                "platform": None,
                "target": "20",
                "actual": 27,
                "attainment": "1.3500",
            },
        ]

    def test_campaign_without_posts(self, memory_ops: LibOps, planner: Actor) -> None:
        """A planned campaign without posts scores zero on every computable objective."""
        campaign = memory_ops.campaigns.plan(
            planner, name="Quiet", kind="topic", period=MARCH, objectives=[Objective("views", 3)]
        )
        with ProjectionEngine(memory_ops, [CampaignScorecardProjection()]) as engine:
            engine.run()
            card = engine.get("scorecard", f"campaign:{campaign}")
        assert card["status"] == "planned"
        assert card["objectives"][0]["actual"] == 0
        assert card["objectives"][0]["attainment"] == "0.0000"

    def test_status_follows_the_campaign(
        self, memory_ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """Launch, pause, resume and cancellation each set the card's status."""
        campaign = memory_ops.campaigns.plan(
            planner,
            name="Steps",
            kind="topic",
            period=MARCH,
            platforms=["weibo"],
            objectives=[Objective("views", 3)],
        )
        steps: list[tuple[Callable[[], object], str]] = [
            (lambda: memory_ops.campaigns.launch(admin, campaign), "live"),
            (lambda: memory_ops.campaigns.pause(admin, campaign, reason="a holiday"), "paused"),
            (lambda: memory_ops.campaigns.resume(admin, campaign), "live"),
            (lambda: memory_ops.campaigns.cancel(admin, campaign, reason="no budget"), "cancelled"),
        ]
        seen: list[str] = []
        with ProjectionEngine(memory_ops, [CampaignScorecardProjection()]) as engine:
            for step, _ in steps:
                step()
                engine.run()
                seen.append(engine.get("scorecard", f"campaign:{campaign}")["status"])
        assert seen == [status for _, status in steps]

    def test_attainment_rounds_half_even(self) -> None:
        """1 of 3 is 0.3333; 1 of 8 is 0.1250; ties round to even: 0.00005 down, 0.00015 up."""
        assert attainment(1, "3") == "0.3333"
        assert attainment(1, "8") == "0.1250"
        assert attainment(1, "20000") == "0.0000"
        assert attainment(3, "20000") == "0.0002"
        assert attainment(None, "5") is None

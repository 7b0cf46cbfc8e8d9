"""The engagement projection: latest counts per post and platform, and consistent roll-ups."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.post import MetricOutcome, Post
from libops.domain.values import MetricSnapshot, Period, Platform, PostVariant, ReviewChecklist
from libops.projections import ProjectionEngine, View
from libops.projections.engagement import EngagementProjection, local_day, local_week, rate
from tests.actors import ADMIN, PLANNER, REVIEWER

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
SANDBOXED = (Platform.WECHAT, Platform.WEIBO, Platform.DOUYIN)


def open_with_sandboxes(url: str, clock: ManualClock) -> LibOps:
    """libops on ``url`` with sandbox gateways for WeChat, Weibo and Douyin."""
    gateways = [SandboxPlatform(p, seed=p.value, clock=clock) for p in SANDBOXED]
    # The scenarios record counts observed up to two days after the (manual) clock's time.
    return LibOps.open(
        url,
        clock=clock,
        migrate=url != "memory://",
        gateways=gateways,
        metrics_future_margin=timedelta(days=2),
    )


@pytest.fixture
def pub(clock: ManualClock) -> Iterator[LibOps]:
    """libops in memory with sandbox gateways (the clock decides the publish times)."""
    with open_with_sandboxes("memory://", clock) as opened:
        yield opened


def publish_post(
    ops: LibOps,
    clock: ManualClock,
    at: datetime,
    *platforms: Platform,
    content_type: str = "news",
    format: str = "image_text",
    campaign_id: UUID | None = None,
    title: str = "Reading list",
) -> UUID:
    """Draft, review and publish a post on ``platforms`` with the clock at ``at`` (UTC)."""
    variants = [PostVariant(p, f"{title} on {p.value}", media=("cover.jpg",)) for p in platforms]
    post_id = ops.posts.draft(
        PLANNER,
        title=title,
        body="Our picks this week.",
        content_type=content_type,
        format=format,
        variants=variants,
        campaign_id=campaign_id,
    )
    ops.posts.submit_for_review(PLANNER, post_id)
    ops.posts.review(REVIEWER, post_id, CHECKED, approve=True)
    clock.set(at)
    for platform in platforms:
        ops.publishing.publish(ADMIN, post_id, platform)
    return post_id


def record(
    ops: LibOps, post_id: UUID, platform: Platform, observed: datetime, **counts: Any
) -> MetricOutcome:
    """Record a fixed snapshot (exact numbers, unlike the sandbox's growing ones)."""
    return ops.posts.record_metrics(ADMIN, post_id, MetricSnapshot(platform, observed, **counts))


def utc(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def build_engagement_scenario(ops: LibOps, clock: ManualClock) -> dict[str, UUID]:
    """Post A (news, image-text, campaign) on WeChat and Weibo; post B (knowledge, video) on
    Douyin. A's WeChat counts are replaced by a second snapshot, its Weibo ones corrected."""
    campaign = ops.campaigns.plan(
        PLANNER,
        name="Spring reading",
        kind="topic",
        period=Period(date(2026, 3, 1), date(2026, 3, 31)),
        platforms=["wechat", "weibo"],
    )
    a = publish_post(ops, clock, utc(1, 8), Platform.WECHAT, Platform.WEIBO, campaign_id=campaign)
    # 17:00 UTC on Sunday 1 March is 01:00 on Monday 2 March in Shanghai: day and week change.
    b = publish_post(
        ops,
        clock,
        utc(1, 17),
        Platform.DOUYIN,
        content_type="knowledge",
        format="video",
        title="Shelf tour",
    )
    assert (
        record(
            ops,
            a,
            Platform.WECHAT,
            utc(2, 8),
            reads=1000,
            likes=30,
            comments=5,
            shares=10,
            favourites=5,
            followers_gained=4,
        )
        is MetricOutcome.RECORDED
    )
    assert (
        record(
            ops,
            a,
            Platform.WECHAT,
            utc(3, 8),
            reads=1200,
            likes=40,
            comments=6,
            shares=12,
            favourites=7,
            followers_gained=6,
        )
        is MetricOutcome.RECORDED
    )
    assert (
        record(
            ops,
            a,
            Platform.WEIBO,
            utc(2, 8),
            reads=3000,
            likes=60,
            comments=12,
            shares=9,
            favourites=3,
        )
        is MetricOutcome.RECORDED
    )
    assert (
        record(
            ops,
            a,
            Platform.WEIBO,
            utc(3, 8),
            reads=2900,
            likes=55,
            comments=12,
            shares=9,
            favourites=3,
        )
        is MetricOutcome.CORRECTED
    )
    assert (
        record(
            ops,
            b,
            Platform.DOUYIN,
            utc(2, 8),
            views=8000,
            likes=400,
            comments=30,
            shares=25,
            favourites=45,
            followers_gained=20,
        )
        is MetricOutcome.RECORDED
    )
    return {"a": a, "b": b, "campaign": campaign}


def rollup(
    posts: int,
    *,
    reads: int = 0,
    views: int = 0,
    likes: int,
    comments: int,
    shares: int,
    favourites: int,
    followers: int = 0,
    denominator: str,
    reach: int,
) -> dict[str, Any]:
    """A roll-up document worked out from its counts (rates via Decimal, see ``rate``)."""
    engagements = likes + comments + shares + favourites
    value = {"reads": reads, "views": views, "reach": reach}[denominator]
    return {
        "posts": posts,
        "reads": reads,
        "views": views,
        "likes": likes,
        "comments": comments,
        "shares": shares,
        "favourites": favourites,
        "followers_gained": followers,
        "engagements": engagements,
        "reach": reach,
        "denominator": denominator,
        "denominator_value": value,
        "engagement_rate": rate(engagements, value),
        "follower_growth_rate": rate(followers, reach),
    }


class TestRate:
    def test_four_places_half_up(self) -> None:
        """Rates are decimal text with 4 places, rounded half up."""
        assert rate(65, 1200) == "0.0542"
        assert rate(1, 8) == "0.1250"
        assert rate(1, 20000) == "0.0001"  # 0.00005 rounds up

    def test_zero_denominator_is_null(self) -> None:
        """No reach: no rate."""
        assert rate(10, 0) is None

    def test_day_and_week_are_shanghai(self) -> None:
        """Day and ISO week are counted in Asia/Shanghai."""
        assert local_day(utc(1, 17)) == "2026-03-02"
        assert local_week(utc(1, 15)) == "2026-W09"
        assert local_week(utc(1, 16)) == "2026-W10"


class TestEngagementProjection:
    def test_post_documents(self, pub: LibOps, clock: ManualClock) -> None:
        """Each post variant shows its latest counts, engagements and rate with denominator."""
        ids = build_engagement_scenario(pub, clock)
        with ProjectionEngine(pub, [EngagementProjection()]) as engine:
            engine.run()
            wechat = engine.get("engagement", f"post:{ids['a']}:wechat")
            weibo = engine.get("engagement", f"post:{ids['a']}:weibo")
            douyin = engine.get("engagement", f"post:{ids['b']}:douyin")
        assert wechat == {
            "post_id": str(ids["a"]),
            "platform": "wechat",
            "campaign_id": str(ids["campaign"]),
            "content_type": "news",
            "format": "image_text",
            "published_at": "2026-03-01T08:00:00+00:00",
            "day": "2026-03-01",
            "week": "2026-W09",
            "observed_at": "2026-03-03T08:00:00+00:00",
            "reads": 1200,
            "views": 0,
            "likes": 40,
            "comments": 6,
            "shares": 12,
            "favourites": 7,
            "followers_gained": 6,
            "engagements": 65,
            "denominator": "reads",
            "denominator_value": 1200,
            "engagement_rate": "0.0542",
            "snapshots": 2,
            "corrections": 0,
        }
        # The correction replaced the counts: 55 + 12 + 9 + 3 = 79 over 2,900 reads.
        assert (weibo["reads"], weibo["likes"], weibo["engagements"]) == (2900, 55, 79)
        assert (weibo["engagement_rate"], weibo["followers_gained"]) == ("0.0272", None)
        assert (weibo["snapshots"], weibo["corrections"]) == (2, 1)
        assert (douyin["denominator"], douyin["denominator_value"]) == ("views", 8000)
        assert (douyin["engagements"], douyin["engagement_rate"]) == (500, "0.0625")
        assert (douyin["day"], douyin["week"]) == ("2026-03-02", "2026-W10")

    def test_rollups(self, pub: LibOps, clock: ManualClock) -> None:
        """Roll-ups sum the latest counts only: replaced and corrected snapshots add nothing."""
        ids = build_engagement_scenario(pub, clock)
        with ProjectionEngine(pub, [EngagementProjection()]) as engine:
            engine.run()
            view = engine.view("engagement")
        a_counts = {
            "reads": 4100,
            "likes": 95,
            "comments": 18,
            "shares": 21,
            "favourites": 10,
            "followers": 6,
        }
        b_counts = {
            "views": 8000,
            "likes": 400,
            "comments": 30,
            "shares": 25,
            "favourites": 45,
            "followers": 20,
        }
        a = rollup(2, **a_counts, denominator="reach", reach=4100)
        b = rollup(1, **b_counts, denominator="reach", reach=8000)
        # Worked by hand: (40+55) + (6+12) + (12+9) + (7+3) = 144 engagements / 4,100 reads.
        assert (a["engagements"], a["engagement_rate"]) == (144, "0.0351")
        assert a["follower_growth_rate"] == "0.0015"  # 6 / 4,100
        assert view[f"campaign:{ids['campaign']}"] == a
        assert view["campaign:none"] == b
        for a_key, b_key in [
            ("content_type:news", "content_type:knowledge"),
            ("format:image_text", "format:video"),
            ("day:2026-03-01", "day:2026-03-02"),
            ("week:2026-W09", "week:2026-W10"),
        ]:
            assert (view[a_key], view[b_key]) == (a, b)
        wechat = rollup(
            1,
            reads=1200,
            likes=40,
            comments=6,
            shares=12,
            favourites=7,
            followers=6,
            denominator="reads",
            reach=1200,
        )
        assert (wechat["engagement_rate"], wechat["follower_growth_rate"]) == ("0.0542", "0.0050")
        assert view["platform:wechat"] == wechat
        assert view["platform_week:wechat:2026-W09"] == wechat
        assert view["platform:weibo"] == rollup(
            1,
            reads=2900,
            likes=55,
            comments=12,
            shares=9,
            favourites=3,
            denominator="reads",
            reach=2900,
        )
        douyin = rollup(1, **b_counts, denominator="views", reach=8000)
        assert (douyin["engagement_rate"], douyin["follower_growth_rate"]) == ("0.0625", "0.0025")
        assert view["platform:douyin"] == douyin

    def test_published_without_metrics(self, pub: LibOps, clock: ManualClock) -> None:
        """A variant with no metrics yet counts as a post with no reach and a null rate."""
        post_id = publish_post(pub, clock, utc(4, 2), Platform.WEIBO)
        with ProjectionEngine(pub, [EngagementProjection()]) as engine:
            engine.run()
            doc = engine.get("engagement", f"post:{post_id}:weibo")
            group = engine.get("engagement", "platform:weibo")
        assert (doc["engagement_rate"], doc["denominator"], doc["denominator_value"]) == (
            None,
            "reads",
            0,
        )
        assert (group["posts"], group["engagement_rate"], group["follower_growth_rate"]) == (
            1,
            None,
            None,
        )

    def test_incremental_runs_equal_one_run(self, pub: LibOps, clock: ManualClock) -> None:
        """Catching up after every step, or rebuilding, gives the same view as one run."""
        with ProjectionEngine(pub, [EngagementProjection()], batch_size=1) as engine:
            ids = build_engagement_scenario(pub, clock)
            engine.run(max_batches=7)
            engine.run()
            stepped = engine.view("engagement")
            engine.rebuild("engagement")
            assert engine.view("engagement") == stepped
        assert stepped[f"campaign:{ids['campaign']}"]["engagements"] == 144


class TestCampaignChange:
    def test_a_revision_moving_campaign_moves_the_contributions(
        self, pub: LibOps, clock: ManualClock
    ) -> None:
        """A Revised event naming another campaign moves the post's counts between roll-ups."""
        ids = build_engagement_scenario(pub, clock)
        projection = EngagementProjection()
        with ProjectionEngine(pub, [projection]) as engine:
            engine.run()
            before = engine.view("engagement")
            view = View("engagement", lambda key: engine._views.load("engagement", key))
        # Today's Post.revise keeps the campaign; the handler still copes with one that moves.
        moved = Post.Revised(  # type: ignore[call-arg]  # eventsourcing makes the __init__
            originator_id=ids["a"],
            originator_version=99,
            timestamp=utc(9, 0),
            actor_id="planner-1",
            campaign_id=None,
            title="Renamed",
            body=None,
            variants=None,
            media=None,
            source=None,
            licence=None,
        )
        projection.revised(moved, view)
        projection.before_commit(view)
        old = view.get(f"campaign:{ids['campaign']}")
        assert old == rollup(
            0, likes=0, comments=0, shares=0, favourites=0, denominator="reach", reach=0
        )
        both = view.get("campaign:none")
        assert (both["posts"], both["engagements"], both["reach"]) == (3, 644, 12100)
        assert both["engagement_rate"] == rate(644, 12100) == "0.0532"
        assert view.get(f"post:{ids['a']}:weibo")["campaign_id"] == "none"
        assert view.get("platform:weibo") == before["platform:weibo"]
        assert view.get("day:2026-03-01") == before["day:2026-03-01"]

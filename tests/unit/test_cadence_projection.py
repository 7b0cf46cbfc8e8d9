"""The cadence projection, and the three standard projections together on every store."""

from __future__ import annotations

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.domain.cadence import CadencePolicy, CadenceRule
from libops.domain.values import Platform
from libops.projections import ProjectionEngine
from libops.projections.cadence import CadenceComplianceProjection
from libops.projections.engagement import EngagementProjection
from libops.projections.wci import WciProjection
from tests.unit.test_engagement_projection import (
    build_engagement_scenario,
    open_with_sandboxes,
    pub,
    publish_post,
    utc,
)

__all__ = ["pub"]  # the fixture, shared with the engagement tests

W, C = Platform.WEIBO, Platform.WECHAT


def build_cadence_scenario(ops: LibOps, clock: ManualClock) -> None:
    """Weibo: 3 posts on Monday 2 March, 1 on Tuesday, 1 just after midnight on Wednesday
    (Shanghai); WeChat: 2 in that week; on World Book Day (Thursday 23 April) 3 on Weibo and
    1 on WeChat."""
    publish_post(ops, clock, utc(2, 1), W, C)  # 09:00 Monday in Shanghai
    publish_post(ops, clock, utc(2, 2), W)
    publish_post(ops, clock, utc(2, 3), W, C)
    publish_post(ops, clock, utc(3, 2), W)
    publish_post(ops, clock, utc(3, 17), W)  # 01:00 Wednesday 4 March in Shanghai
    for hour in (1, 2, 3):
        publish_post(ops, clock, utc(23, hour, month=4), W)
    publish_post(ops, clock, utc(23, 4, month=4), C)


def period(
    platform: str,
    per: str,
    start: str,
    end: str,
    posts: int,
    minimum: int | None,
    maximum: int | None,
    status: str | None,
    surge: str | None = None,
) -> dict[str, object]:
    return {
        "platform": platform,
        "per": per,
        "period_start": start,
        "period_end": end,
        "posts": posts,
        "minimum": minimum,
        "maximum": maximum,
        "surge": surge,
        "status": status,
    }


class TestCadenceComplianceProjection:
    def test_days_and_weeks_against_the_default_policy(
        self, pub: LibOps, clock: ManualClock
    ) -> None:
        """Weibo 1 to 2 a day, WeChat 3 to 4 a week, one more on World Book Day."""
        build_cadence_scenario(pub, clock)
        with ProjectionEngine(pub, [CadenceComplianceProjection()]) as engine:
            engine.run()
            view = engine.view("cadence")
        assert view["day:weibo:2026-03-02"] == period(
            "weibo", "day", "2026-03-02", "2026-03-02", 3, 1, 2, "over"
        )
        assert view["day:weibo:2026-03-03"]["posts"] == 1
        assert view["day:weibo:2026-03-03"]["status"] == "within"
        assert view["day:weibo:2026-03-04"]["posts"] == 1
        # No weekly rule for Weibo: counted, not judged.
        assert view["week:weibo:2026-W10"] == period(
            "weibo", "week", "2026-03-02", "2026-03-08", 5, None, None, None
        )
        assert view["week:wechat:2026-W10"] == period(
            "wechat", "week", "2026-03-02", "2026-03-08", 2, 3, 4, "under"
        )
        assert view["day:wechat:2026-03-02"]["status"] is None
        assert view["day:weibo:2026-04-23"] == period(
            "weibo", "day", "2026-04-23", "2026-04-23", 3, 1, 3, "within", "World Book Day"
        )
        assert view["week:wechat:2026-W17"] == period(
            "wechat", "week", "2026-04-20", "2026-04-26", 1, 3, 5, "under", "World Book Day"
        )
        assert sorted(view) == [
            "day:wechat:2026-03-02",
            "day:wechat:2026-04-23",
            "day:weibo:2026-03-02",
            "day:weibo:2026-03-03",
            "day:weibo:2026-03-04",
            "day:weibo:2026-04-23",
            "week:wechat:2026-W10",
            "week:wechat:2026-W17",
            "week:weibo:2026-W10",
            "week:weibo:2026-W17",
        ]

    def test_another_policy(self, pub: LibOps, clock: ManualClock) -> None:
        """A subclass can judge against another policy (here Weibo at most 5 a week)."""

        class WeeklyWeibo(CadenceComplianceProjection):
            name = "cadence-weekly-weibo"
            POLICY = CadencePolicy(rules=[CadenceRule(W, "week", maximum=5)], surges=[])

        build_cadence_scenario(pub, clock)
        with ProjectionEngine(pub, [WeeklyWeibo()]) as engine:
            engine.run()
            week = engine.get("cadence-weekly-weibo", "week:weibo:2026-W10")
            day = engine.get("cadence-weekly-weibo", "day:weibo:2026-03-02")
        assert (week["posts"], week["minimum"], week["maximum"], week["status"]) == (
            5,
            None,
            5,
            "within",
        )
        assert day["status"] is None


class TestStandardProjectionsOnEveryStore:
    def test_engagement_wci_and_cadence(self, store_url: str, clock: ManualClock) -> None:
        """The three projections give the hand-worked values on memory, SQLite and PostgreSQL."""
        projections = [EngagementProjection(), WciProjection(), CadenceComplianceProjection()]
        with open_with_sandboxes(store_url, clock) as ops:
            ids = build_engagement_scenario(ops, clock)
            with ProjectionEngine(ops, projections, batch_size=3) as engine:
                reports = engine.run()
                assert {name: r.conflicts for name, r in reports.items()} == {
                    "engagement": 0,
                    "wci": 0,
                    "cadence": 0,
                }
                campaign = engine.get("engagement", f"campaign:{ids['campaign']}")
                wechat = engine.get("engagement", f"post:{ids['a']}:wechat")
                post_wci = engine.get("wci", f"post:{ids['a']}")
                week_wci = engine.get("wci", "week:2026-W09")
                cadence = engine.view("cadence")
        assert (campaign["posts"], campaign["engagements"], campaign["reach"]) == (2, 144, 4100)
        assert (campaign["engagement_rate"], campaign["follower_growth_rate"]) == (
            "0.0351",
            "0.0015",
        )
        assert (wechat["engagement_rate"], wechat["corrections"]) == ("0.0542", 0)
        # One article of 1,200 reads, 40 likes and 12 shares: per day (d = 1) and per week
        # (d = 7); the same figures as the V14.2 formula written with floats gives.
        assert (post_wci["reads"], post_wci["likes"], post_wci["shares"]) == (1200, 40, 12)
        assert (post_wci["wci"], week_wci["wci"]) == ("438.16", "277.78")
        assert cadence["day:weibo:2026-03-01"]["status"] == "within"
        assert cadence["week:wechat:2026-W09"]["status"] == "under"
        assert cadence["day:douyin:2026-03-02"]["posts"] == 1
        assert cadence["day:douyin:2026-03-02"]["status"] is None

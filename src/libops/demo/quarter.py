"""One simulated quarter: its agenda, and opening it (budget, campaigns, risks)."""

from __future__ import annotations

from datetime import timedelta

from libops.demo.briefs import BriefActions
from libops.demo.money import MoneyActions
from libops.demo.publishing import PostActions
from libops.demo.readers import ReaderActions
from libops.demo.setting import METRIC_DAYS, PLATFORMS, TEAM, CampaignRole, beijing_time
from libops.demo.simulation import Action
from libops.demo.standing import StandingActions
from libops.demo.targets import targets
from libops.demo.team import TeamActions
from libops.domain.budget import BudgetCategory
from libops.domain.risk import RiskCategory
from libops.domain.values import Actor, Metric, Money, Objective, Period, Platform


class Quarter(BriefActions, PostActions, ReaderActions, MoneyActions, StandingActions, TeamActions):
    """One quarter of one library: three campaigns, their posts, readers, money and risks."""

    # --- building the agenda ---------------------------------------------------------------

    def schedule_all(self) -> None:
        """Put every action of the quarter on the simulation's agenda."""
        sim, w, days = self.sim, self.windows, self.days
        sim.at(beijing_time(self.day(-3), 9), self.open_quarter)
        sim.at(beijing_time(self.day(max(w.topic[0] - 3, -3)), 9, 30), self.launcher("topic"))
        sim.at(beijing_time(self.day(w.topic[1] + 1), 10), self.completer("topic"))
        sim.at(beijing_time(self.day(max(w.kol[0] - 7, -3)), 9, 40), self.engage_kol)
        sim.at(beijing_time(self.day(max(w.kol[0] - 3, -3)), 9, 45), self.launcher("kol"))
        sim.at(beijing_time(self.day(w.kol[1] + 1), 10, 5), self.completer("kol"))
        sim.at(beijing_time(self.day(days), 10, 10), self.completer("eresources"))
        for post in self.plan:
            sim.at(beijing_time(self.day(post.day - 2), 10, post.n % 60), self.drafter(post))
            for _platform, hour, minute in post.slots:
                sim.at(beijing_time(self.day(post.day), hour, minute), self.publisher)
        # The first Douyin publish on or after the surge day times out; retried an hour later.
        douyin = [
            (p.day, h, m)
            for p in self.plan
            for platform, h, m in p.slots
            if platform is Platform.DOUYIN and p.day >= w.surge
        ]
        if douyin:
            first = min(douyin)
            sim.at(
                beijing_time(self.day(first[0]), first[1], first[2]) - timedelta(minutes=1),
                self.hiccup,
            )
        last_day = max((p.day for p in self.plan), default=0)
        for offset in range(last_day + max(METRIC_DAYS) + 1):
            sim.at(beijing_time(self.day(offset), 23, 30), self.collector(offset))
        self.schedule_readers()
        self.schedule_money()
        self.schedule_standing()
        self.schedule_briefs()
        self.schedule_team()
        self.schedule_media()

    # --- the actions -----------------------------------------------------------------------

    def open_quarter(self) -> None:
        """Open the budget, plan the three campaigns, allocate money and identify risks."""
        ops, key, owner, planner = self.ops, self.key, TEAM["budget_owner"], TEAM["planner"]
        last = self.day(self.days - 1)
        budget_id = ops.budgets.open(
            owner,
            name=self.say("budget"),
            period=Period(self.first, last),
            idempotency_key=f"{key}:budget",
        )
        self.budget_id = budget_id
        w = self.windows
        # The planner sets each target from what the same plan drew last year.
        targeted = targets(
            self,
            {
                "topic": (
                    (Metric.READS, None),
                    (Metric.ENGAGEMENTS, None),
                    (Metric.FOLLOWERS_GAINED, Platform.WECHAT),
                ),
                "kol": ((Metric.VIEWS, Platform.DOUYIN), (Metric.ENGAGEMENTS, None)),
                "eresources": ((Metric.READS, None), (Metric.SHARES, None)),
            },
        )
        specs: dict[
            CampaignRole,
            tuple[str, str, Period, tuple[Platform, ...], list[Objective], list[str], str],
        ] = {
            "topic": (
                self.say("topic"),
                "topic",
                Period(self.day(w.topic[0]), self.day(w.topic[1])),
                PLATFORMS,
                targeted["topic"],
                [self.hashtag, "阅读"],
                self.say("topic_about"),
            ),
            "kol": (
                self.say("kol"),
                "kol",
                Period(self.day(w.kol[0]), self.day(w.kol[1])),
                (Platform.WEIBO, Platform.DOUYIN),
                targeted["kol"],
                ["书虫小王", "读书"],
                self.say("kol_about"),
            ),
            "eresources": (
                self.say("eresources"),
                "cross_platform",
                Period(self.first, last),
                PLATFORMS,
                targeted["eresources"],
                ["电子资源", "数字阅读"],
                self.say("eresources_about"),
            ),
        }
        for role, (name, kind, period, platforms, objectives, tags, text) in specs.items():
            self.campaigns[role] = ops.campaigns.plan(
                planner,
                name=name,
                kind=kind,
                period=period,
                platforms=platforms,
                objectives=objectives,
                hashtags=tags,
                description=text,
                idempotency_key=f"{key}:campaign:{role}",
            )
        lines: tuple[tuple[BudgetCategory, str, CampaignRole | None], ...] = (
            (BudgetCategory.CONTENT_CREATION, "6000.00", "topic"),
            (BudgetCategory.PROMOTION, "5000.00", "topic"),
            (BudgetCategory.PARTNERSHIPS, "9000.00", "kol"),
            (BudgetCategory.PROMOTION, "2000.00", "kol"),
            (BudgetCategory.CONTENT_CREATION, "6000.00", "eresources"),
            (BudgetCategory.PROMOTION, "5000.00", "eresources"),
            (BudgetCategory.TECHNICAL_SUPPORT, "3000.00", None),
            (BudgetCategory.STAFF, "20000.00", None),
        )
        for category, amount, line_role in lines:
            ops.budgets.allocate(
                owner,
                budget_id,
                category,
                Money(amount),
                campaign_id=None if line_role is None else self.campaigns[line_role],
                idempotency_key=f"{key}:allocate:{category.value}:{line_role}",
            )
        admin, tech = TEAM["admin"], TEAM["tech"]
        risks: tuple[tuple[str, str, RiskCategory, int, int, Actor, CampaignRole], ...] = (
            (
                "douyin",
                self.say("risk_douyin"),
                RiskCategory.TECHNICAL,
                2,
                4,
                tech,
                "eresources",
            ),
            (
                "kol",
                self.say("risk_kol"),
                RiskCategory.CONTENT,
                2,
                3,
                admin,
                "kol",
            ),
            (
                "privacy",
                self.say("risk_privacy"),
                RiskCategory.REGULATORY,
                2,
                5,
                admin,
                "topic",
            ),
        )
        for name, title, risk_category, likelihood, impact, owner_actor, role in risks:
            self.risks[name] = ops.risks.identify(
                admin,
                title=title,
                category=risk_category,
                likelihood=likelihood,
                impact=impact,
                owner=owner_actor,
                campaign_id=self.campaigns[role],
                idempotency_key=f"{key}:risk:{name}",
            )
        ops.risks.add_mitigation(
            tech,
            self.risks["douyin"],
            description=self.say("mitigation"),
            due_on=self.day(14),
            owner=tech,
            idempotency_key=f"{key}:risk:douyin:mitigation",
        )
        ops.campaigns.launch(admin, self.campaigns["eresources"], idempotency_key=f"{key}:launch")

    def launcher(self, role: CampaignRole) -> Action:
        """The action that launches the campaign of ``role``."""

        def launch() -> None:
            self.ops.campaigns.launch(
                TEAM["admin"], self.campaigns[role], idempotency_key=f"{self.key}:launch:{role}"
            )

        return launch

    def completer(self, role: CampaignRole) -> Action:
        """The action that completes the campaign of ``role``."""

        def complete() -> None:
            self.ops.campaigns.complete(
                TEAM["admin"], self.campaigns[role], idempotency_key=f"{self.key}:complete:{role}"
            )

        return complete

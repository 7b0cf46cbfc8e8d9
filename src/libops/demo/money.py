"""The demo's money: the KOL's fee, expenses, a budget adjustment and a refused overspend."""

from __future__ import annotations

from uuid import UUID

from libops.demo.setting import TEAM, CampaignRole, beijing_time
from libops.demo.simulation import Action
from libops.demo.state import QuarterState
from libops.domain.budget import BudgetCategory
from libops.domain.errors import OverspendError
from libops.domain.values import Money


class MoneyActions(QuarterState):
    """A quarter's actions on its budget, and when they happen."""

    def schedule_money(self) -> None:
        """Put the quarter's expenses, KOL settlement, adjustment and overspend on the agenda."""
        sim, w = self.sim, self.windows
        expenses: tuple[tuple[int, str, str, str, BudgetCategory, CampaignRole | None], ...] = (
            (
                w.topic[0],
                self.say("vendor_design"),
                "INK",
                "4600.00",
                BudgetCategory.CONTENT_CREATION,
                "topic",
            ),
            (
                w.surge - 3,
                self.say("vendor_weibo_ads"),
                "WB-AD",
                "3500.00",
                BudgetCategory.PROMOTION,
                "topic",
            ),
            (
                5,
                self.say("vendor_video"),
                "LVS",
                "3800.00",
                BudgetCategory.CONTENT_CREATION,
                "eresources",
            ),
            (
                w.kol[1] + 2,
                self.say("vendor_douyin_ads"),
                "DY-AD",
                "4000.00",
                BudgetCategory.PROMOTION,
                "eresources",
            ),
            (
                10,
                self.say("vendor_software"),
                "SCH",
                "1200.00",
                BudgetCategory.TECHNICAL_SUPPORT,
                None,
            ),
        )
        for offset, vendor, prefix, amount, category, role in expenses:
            sim.at(
                beijing_time(self.day(max(offset, -2)), 16),
                self.expense(vendor, f"{prefix}-{self.year}-{self.index}", amount, category, role),
            )
        sim.at(beijing_time(self.day(w.kol[1] + 5), 16, 30), self.settle_kol)
        sim.at(beijing_time(self.day(w.kol[1] + 3), 16, 10), self.adjust)
        sim.at(beijing_time(self.day(w.kol[1] + 6), 16, 20), self.overspend)

    def engage_kol(self) -> None:
        """Engage the KOL partner for the KOL campaign, committing the fee on the budget."""
        assert self.budget_id is not None
        self.kol_reference = self.ops.campaigns.engage_kol_partner(
            TEAM["planner"],
            self.campaigns["kol"],
            self.kol,
            budget_id=self.budget_id,
            idempotency_key=f"{self.key}:kol",
        )

    def expense(
        self,
        vendor: str,
        invoice: str,
        amount: str,
        category: BudgetCategory,
        role: CampaignRole | None,
    ) -> Action:
        """The action that records one vendor's invoice against the budget."""

        def record() -> None:
            assert self.budget_id is not None
            self.ops.budgets.record_expense(
                TEAM["admin"],
                self.budget_id,
                vendor=vendor,
                invoice_reference=invoice,
                amount=Money(amount),
                category=category,
                campaign_id=None if role is None else self.campaigns[role],
                post_id=self.costed_post(category, role),
                idempotency_key=f"{self.key}:expense:{invoice}",
            )

        return record

    def costed_post(self, category: BudgetCategory, role: CampaignRole | None) -> UUID | None:
        """The post a content-creation invoice paid for (issue 17: production cost per
        post): the campaign's latest post drafted by then, if any."""
        if category is not BudgetCategory.CONTENT_CREATION or role is None:
            return None
        drafted = [p.n for p in self.plan if p.role == role and p.n in self.post_ids]
        return self.post_ids[max(drafted)] if drafted else None

    def settle_kol(self) -> None:
        """Pay the KOL's fee, settling the commitment."""
        assert self.budget_id is not None
        self.ops.budgets.record_expense(
            TEAM["admin"],
            self.budget_id,
            vendor=self.say("vendor_kol"),
            invoice_reference=f"KOL-{self.year}-{self.index}",
            amount=self.kol.fee,
            category=BudgetCategory.PARTNERSHIPS,
            campaign_id=self.campaigns["kol"],
            settles=self.kol_reference,
            idempotency_key=f"{self.key}:expense:kol",
        )

    def adjust(self) -> None:
        """Move money from content creation to promotion for the e-resources campaign."""
        assert self.budget_id is not None
        campaign = self.campaigns["eresources"]
        self.ops.budgets.move(
            TEAM["admin"],
            self.budget_id,
            amount=Money("1500.00"),
            from_category=BudgetCategory.CONTENT_CREATION,
            to_category=BudgetCategory.PROMOTION,
            from_campaign_id=campaign,
            to_campaign_id=campaign,
            reason=self.say("move"),
            approver=TEAM["budget_owner"],
            idempotency_key=f"{self.key}:move:promotion",
        )

    def overspend(self) -> None:
        """Try a second Douyin buy the promotion line cannot afford (it is refused)."""
        assert self.budget_id is not None
        try:  # a second Douyin buy would go past what the line has left: refused
            self.ops.budgets.record_expense(
                TEAM["admin"],
                self.budget_id,
                vendor=self.say("vendor_douyin_ads"),
                invoice_reference=f"DY-AD2-{self.year}-{self.index}",
                amount=Money("6000.00"),
                category=BudgetCategory.PROMOTION,
                campaign_id=self.campaigns["eresources"],
            )
        except OverspendError:
            self.sim.tally.overspends_refused += 1

"""The budget positions projection, and cost per engagement and per new follower."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from libops import Actor, LibOps, Money, Period
from libops.projections import ProjectionEngine
from libops.projections.budget import BudgetPositionsProjection, cost_effectiveness, line_key
from tests.actors import OWNER

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))


def cny(amount: str | int) -> Money:
    return Money(Decimal(amount), "CNY")


def amounts(allocated: str, committed: str, spent: str, available: str) -> dict[str, str]:
    return {
        "currency": "CNY",
        "allocated": allocated,
        "committed": committed,
        "spent": spent,
        "available": available,
    }


def history(ops: LibOps, planner: Actor, admin: Actor) -> tuple[UUID, UUID]:
    """Allocate, commit, settle, release, spend and move money; returns (budget, campaign)."""
    campaign = ops.campaigns.plan(planner, name="World Book Day", kind="kol", period=APRIL)
    budget = ops.budgets.open(OWNER, name="Social media 2026", period=YEAR)
    ops.budgets.allocate(OWNER, budget, "promotion", cny(10000))
    ops.budgets.allocate(OWNER, budget, "partnerships", cny(5000), campaign_id=campaign)
    ops.budgets.allocate(OWNER, budget, "promotion", cny(2000), campaign_id=campaign)
    ops.budgets.commit(
        planner,
        budget,
        reference="KOL-1",
        amount=cny(3000),
        category="partnerships",
        campaign_id=campaign,
    )
    ops.budgets.record_expense(
        admin,
        budget,
        vendor="@bookworm",
        invoice_reference="INV-1",
        amount=cny(1200),
        category="partnerships",
        campaign_id=campaign,
        settles="KOL-1",
    )
    ops.budgets.release(admin, budget, "KOL-1", reason="one video fewer", amount=cny(800))
    ops.budgets.commit(planner, budget, reference="PO-1", amount=cny(500), category="promotion")
    ops.budgets.record_expense(
        admin,
        budget,
        vendor="Print shop",
        invoice_reference="INV-2",
        amount=cny(300),
        category="promotion",
    )
    ops.budgets.record_expense(
        admin,
        budget,
        vendor="Ads",
        invoice_reference="INV-3",
        amount=cny("400.50"),
        category="promotion",
        campaign_id=campaign,
    )
    ops.budgets.move(
        planner,
        budget,
        amount=cny(1000),
        from_category="promotion",
        to_category="partnerships",
        to_campaign_id=campaign,
        reason="more KOL posts",
        approver=OWNER,
    )
    return budget, campaign


class TestBudgetPositions:
    def test_positions_on_every_store(self, ops: LibOps, planner: Actor, admin: Actor) -> None:
        """Lines, categories, the budget and the campaign hold the amounts worked out by hand."""
        budget, campaign = history(ops, planner, admin)
        with ProjectionEngine(ops, [BudgetPositionsProjection()]) as engine:
            engine.run()
            view = engine.view("budget")
        # partnerships/campaign: 5000 + 1000 moved; 3000 - 1200 settled - 800 released
        assert view[line_key(budget, "partnerships", campaign)] == {
            "budget_id": str(budget),
            "category": "partnerships",
            "campaign_id": str(campaign),
            **amounts("6000.00", "1000.00", "1200.00", "3800.00"),
        }
        assert view[line_key(budget, "promotion", None)] == {
            "budget_id": str(budget),
            "category": "promotion",
            "campaign_id": None,
            **amounts("9000.00", "500.00", "300.00", "8200.00"),
        }
        assert view[line_key(budget, "promotion", campaign)]["available"] == "1599.50"
        assert view[f"category:{budget}:promotion"] == {
            "budget_id": str(budget),
            "category": "promotion",
            **amounts("11000.00", "500.00", "700.50", "9799.50"),
        }
        assert view[f"budget:{budget}"] == {
            "name": "Social media 2026",
            "status": "open",
            **amounts("17000.00", "1500.00", "1900.50", "13599.50"),
        }
        assert view[f"campaign:{campaign}"] == {
            "campaign_id": str(campaign),
            "by_currency": {"CNY": amounts("8000.00", "1000.00", "1600.50", "5399.50")},
        }
        assert f"category:{budget}:staff" not in view

    def test_matches_the_aggregate(self, memory_ops: LibOps, planner: Actor, admin: Actor) -> None:
        """Every category's position equals what the Budget aggregate reports."""
        budget, _ = history(memory_ops, planner, admin)
        with ProjectionEngine(memory_ops, [BudgetPositionsProjection()]) as engine:
            engine.run()
            view = engine.view("budget")
        for category, position in memory_ops.budgets.positions(budget).items():
            document = view.get(f"category:{budget}:{category.value}")
            if document is None:
                assert position.allocated.amount == position.spent.amount == 0
                continue
            assert Decimal(document["allocated"]) == position.allocated.amount
            assert Decimal(document["committed"]) == position.committed.amount
            assert Decimal(document["spent"]) == position.spent.amount
            assert Decimal(document["available"]) == position.available

    def test_adjustment_and_close(self, memory_ops: LibOps, planner: Actor, admin: Actor) -> None:
        """Setting an allocation replaces it; release of the rest; a closed budget is marked."""
        budget = memory_ops.budgets.open(OWNER, name="Small", period=YEAR)
        memory_ops.budgets.allocate(OWNER, budget, "staff", cny(2000))
        memory_ops.budgets.commit(
            planner, budget, reference="PO-9", amount=cny(700), category="staff"
        )
        memory_ops.budgets.change_allocation(
            planner,
            budget,
            category="staff",
            allocation=cny(1500),
            reason="fewer hours",
            approver=OWNER,
        )
        memory_ops.budgets.release(admin, budget, "PO-9", reason="not needed")
        memory_ops.budgets.close(OWNER, budget)
        with ProjectionEngine(memory_ops, [BudgetPositionsProjection()]) as engine:
            engine.run()
            assert engine.get("budget", f"budget:{budget}") == {
                "name": "Small",
                "status": "closed",
                **amounts("1500.00", "0.00", "0.00", "1500.00"),
            }


class TestCostEffectiveness:
    def test_costs_from_the_engagement_view(
        self, memory_ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """1600.50 spent on the campaign: per 400 engagements 4.0012, per 32 followers 50.0156."""
        _, campaign = history(memory_ops, planner, admin)
        with ProjectionEngine(memory_ops, [BudgetPositionsProjection()]) as engine:
            engine.run()
            view = engine.view("budget")
        engagement = {f"campaign:{campaign}": {"engagements": 400, "followers_gained": 32}}
        assert cost_effectiveness(view, engagement) == {
            str(campaign): {
                "engagements": 400,
                "followers_gained": 32,
                "by_currency": {
                    "CNY": {
                        "spent": "1600.50",
                        "cost_per_engagement": "4.0012",  # 4.00125, half-even
                        "cost_per_new_follower": "50.0156",
                    }
                },
            },
        }

    def test_unknown_or_zero_counts_give_no_cost(self) -> None:
        """No engagement document, or zero followers, gives None; scorecard actuals are read."""
        budget_view = {
            "campaign:a": {
                "campaign_id": "a",
                "by_currency": {"CNY": amounts("100.00", "0.00", "90.00", "10.00")},
            },
            "campaign:b": {
                "campaign_id": "b",
                "by_currency": {"CNY": amounts("100.00", "0.00", "10.00", "90.00")},
            },
            "budget:x": {},
        }
        scorecard = {"campaign:a": {"actuals": {"engagements": 9, "followers_gained": 0}}}
        result = cost_effectiveness(budget_view, scorecard)
        assert result["a"]["by_currency"]["CNY"] == {
            "spent": "90.00",
            "cost_per_engagement": "10.0000",
            "cost_per_new_follower": None,
        }
        assert result["b"] == {
            "engagements": None,
            "followers_gained": None,
            "by_currency": {
                "CNY": {
                    "spent": "10.00",
                    "cost_per_engagement": None,
                    "cost_per_new_follower": None,
                }
            },
        }

"""Commands and queries on budgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from libops.application.app import LibOpsApplication
from libops.domain.budget import (
    Adjustment,
    Budget,
    BudgetCategory,
    Commitment,
    Expense,
    Override,
    OverrideUse,
    Position,
)
from libops.domain.campaign import Campaign
from libops.domain.currencies import DEFAULT_CURRENCY
from libops.domain.values import Actor, Money, Period

R = TypeVar("R")


class BudgetService:
    """Open, allocate, commit, release, spend, adjust and close budgets; read their positions."""

    def __init__(self, app: LibOpsApplication) -> None:
        self._app = app

    # --- queries -----------------------------------------------------------------------

    def get(self, budget_id: UUID | str) -> Budget:
        """The budget's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Budget, budget_id, "budget")

    def positions(self, budget_id: UUID | str) -> dict[BudgetCategory, Position]:
        """Allocated, committed, spent and available for every category."""
        return self.get(budget_id).positions()

    def campaign_positions(
        self, budget_id: UUID | str, campaign_id: UUID | str
    ) -> dict[BudgetCategory, Position]:
        """The position of each line a campaign has in the budget, by category."""
        return self.get(budget_id).campaign_positions(campaign_id)

    def commitments(self, budget_id: UUID | str) -> tuple[Commitment, ...]:
        """Every commitment of the budget, with what it still holds."""
        return self.get(budget_id).commitments

    def expenses(self, budget_id: UUID | str) -> tuple[Expense, ...]:
        """Every expense charged to the budget."""
        return self.get(budget_id).expenses

    def adjustments(self, budget_id: UUID | str) -> tuple[Adjustment, ...]:
        """The audit trail of adjustments: requester, approver, reason and result of each."""
        return self.get(budget_id).adjustments

    def overrides(self, budget_id: UUID | str) -> tuple[OverrideUse, ...]:
        """Every spend recorded past what its line had available, and who authorised it."""
        return self.get(budget_id).overrides

    # --- commands ----------------------------------------------------------------------

    def open(
        self,
        actor: Actor,
        *,
        name: str,
        period: Period,
        currency: str = DEFAULT_CURRENCY,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Open a budget for a fiscal period and return its id."""
        arguments: dict[str, Any] = {
            "actor": actor,
            "name": name,
            "period": period,
            "currency": currency,
        }

        def run() -> tuple[list[Budget], UUID]:
            budget = Budget.open(actor, name=name, period=period, currency=currency)
            return [budget], budget.id

        return self._app.execute(
            "budget.open", run, idempotency_key=idempotency_key, arguments=arguments
        )

    def _change(
        self,
        command: str,
        actor: Actor,
        budget_id: UUID | str,
        change: Callable[[Budget], R],
        idempotency_key: str | None,
        arguments: dict[str, Any],
    ) -> R:
        """Run ``change`` on the budget; a line it opens for a campaign is linked to it too.

        The budget and the campaigns it opened lines for are saved together, or not at all.
        """

        def run() -> tuple[list[Aggregate], R]:
            budget = self._app.load(Budget, budget_id, "budget")
            before = set(budget.campaign_lines())
            result = change(budget)
            saved: list[Aggregate] = [budget]
            for category, campaign_id in budget.campaign_lines():
                if (category, campaign_id) in before:
                    continue
                campaign = self._app.load(Campaign, campaign_id, "campaign")
                campaign.link_budget_line(actor, budget.id, category)
                saved.append(campaign)
            return saved, result

        return self._app.execute(
            command,
            run,
            idempotency_key=idempotency_key,
            arguments={"budget_id": str(budget_id), "actor": actor, **arguments},
        )

    def allocate(
        self,
        actor: Actor,
        budget_id: UUID | str,
        category: BudgetCategory | str,
        amount: Money,
        *,
        campaign_id: UUID | str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Allocate money to a category, or to a campaign's line in it (linked to the campaign)."""
        self._change(
            "budget.allocate",
            actor,
            budget_id,
            lambda b: b.allocate(actor, category, amount, campaign_id=campaign_id),
            idempotency_key,
            {"category": category, "amount": amount, "campaign_id": campaign_id},
        )

    def commit(
        self,
        actor: Actor,
        budget_id: UUID | str,
        *,
        reference: str,
        amount: Money,
        category: BudgetCategory | str,
        campaign_id: UUID | str | None = None,
        override: Override | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Promise money from a line; past what is available only with an override."""
        self._change(
            "budget.commit",
            actor,
            budget_id,
            lambda b: b.commit(
                actor,
                reference=reference,
                amount=amount,
                category=category,
                campaign_id=campaign_id,
                override=override,
            ),
            idempotency_key,
            {
                "reference": reference,
                "amount": amount,
                "category": category,
                "campaign_id": campaign_id,
                "override": override,
            },
        )

    def release(
        self,
        actor: Actor,
        budget_id: UUID | str,
        reference: str,
        *,
        reason: str,
        amount: Money | None = None,
        idempotency_key: str | None = None,
    ) -> Money:
        """Release part or all of what a commitment holds; return the amount released."""
        return self._change(
            "budget.release",
            actor,
            budget_id,
            lambda b: b.release(actor, reference, reason=reason, amount=amount),
            idempotency_key,
            {"reference": reference, "reason": reason, "amount": amount},
        )

    def record_expense(
        self,
        actor: Actor,
        budget_id: UUID | str,
        *,
        vendor: str,
        invoice_reference: str,
        amount: Money,
        category: BudgetCategory | str,
        campaign_id: UUID | str | None = None,
        settles: str | None = None,
        override: Override | None = None,
        idempotency_key: str | None = None,
    ) -> Expense:
        """Charge an invoice to a line; the same invoice again records nothing new."""
        return self._change(
            "budget.record_expense",
            actor,
            budget_id,
            lambda b: b.record_expense(
                actor,
                vendor=vendor,
                invoice_reference=invoice_reference,
                amount=amount,
                category=category,
                campaign_id=campaign_id,
                settles=settles,
                override=override,
            ),
            idempotency_key,
            {
                "vendor": vendor,
                "invoice_reference": invoice_reference,
                "amount": amount,
                "category": category,
                "campaign_id": campaign_id,
                "settles": settles,
                "override": override,
            },
        )

    def move(
        self,
        actor: Actor,
        budget_id: UUID | str,
        *,
        amount: Money,
        from_category: BudgetCategory | str,
        to_category: BudgetCategory | str,
        from_campaign_id: UUID | str | None = None,
        to_campaign_id: UUID | str | None = None,
        reason: str,
        approver: Actor,
        idempotency_key: str | None = None,
    ) -> Adjustment:
        """Move allocated money between lines (an adjustment: reason and approver required)."""
        return self._change(
            "budget.adjust",
            actor,
            budget_id,
            lambda b: b.move(
                actor,
                amount=amount,
                from_category=from_category,
                to_category=to_category,
                from_campaign_id=from_campaign_id,
                to_campaign_id=to_campaign_id,
                reason=reason,
                approver=approver,
            ),
            idempotency_key,
            {
                "kind": "move",
                "amount": amount,
                "from_category": from_category,
                "to_category": to_category,
                "from_campaign_id": from_campaign_id,
                "to_campaign_id": to_campaign_id,
                "reason": reason,
                "approver": approver,
            },
        )

    def change_allocation(
        self,
        actor: Actor,
        budget_id: UUID | str,
        *,
        category: BudgetCategory | str,
        allocation: Money,
        campaign_id: UUID | str | None = None,
        reason: str,
        approver: Actor,
        idempotency_key: str | None = None,
    ) -> Adjustment:
        """Set a line's allocation (an adjustment: reason and approver required)."""
        return self._change(
            "budget.adjust",
            actor,
            budget_id,
            lambda b: b.change_allocation(
                actor,
                category=category,
                allocation=allocation,
                campaign_id=campaign_id,
                reason=reason,
                approver=approver,
            ),
            idempotency_key,
            {
                "kind": "change_allocation",
                "category": category,
                "allocation": allocation,
                "campaign_id": campaign_id,
                "reason": reason,
                "approver": approver,
            },
        )

    def close(
        self, actor: Actor, budget_id: UUID | str, *, idempotency_key: str | None = None
    ) -> None:
        """Close the budget; nothing changes after."""
        self._change(
            "budget.close", actor, budget_id, lambda b: b.close(actor), idempotency_key, {}
        )

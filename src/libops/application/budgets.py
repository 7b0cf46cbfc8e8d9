"""Commands and queries on budgets: open, allocate, commit, release, spend, adjust, close."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

import attrs

from libops.application.commands import (
    Command,
    Context,
    Executes,
    command_method,
    handles,
)
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


def _on_budget(
    ctx: Context, actor: Actor, budget_id: UUID | str, change: Callable[[Budget], R]
) -> R:
    """Run ``change`` on the budget; a line it opens for a campaign is linked to it too.

    The budget and the campaigns it opened lines for are saved together, or not at all.
    """
    budget = ctx.load(Budget, budget_id, "budget")
    before = set(budget.campaign_lines())
    result = change(budget)
    for category, campaign_id in budget.campaign_lines():
        if (category, campaign_id) not in before:
            campaign = ctx.load(Campaign, campaign_id, "campaign")
            campaign.link_budget_line(actor, budget.id, category)
    return result


@attrs.frozen(kw_only=True)
class OpenBudget(Command[UUID]):
    """Open a budget for a fiscal period and return its id."""

    NAME = "budget.open"

    name: str
    period: Period
    currency: str = DEFAULT_CURRENCY


@handles(OpenBudget)
def open_budget(ctx: Context, actor: Actor, command: OpenBudget) -> UUID:
    return ctx.add(Budget.open(actor, **command.arguments())).id


@attrs.frozen(kw_only=True)
class Allocate(Command[None]):
    """Allocate money to a category, or to a campaign's line in it (linked to the campaign)."""

    NAME = "budget.allocate"

    budget_id: UUID | str = attrs.field(kw_only=False)
    category: BudgetCategory | str = attrs.field(kw_only=False)
    amount: Money = attrs.field(kw_only=False)
    campaign_id: UUID | str | None = None


@handles(Allocate)
def allocate(ctx: Context, actor: Actor, command: Allocate) -> None:
    _on_budget(
        ctx,
        actor,
        command.budget_id,
        lambda b: b.allocate(actor, **command.arguments("budget_id")),
    )


@attrs.frozen(kw_only=True)
class Commit(Command[None]):
    """Promise money from a line; past what is available only with an override."""

    NAME = "budget.commit"

    budget_id: UUID | str = attrs.field(kw_only=False)
    reference: str
    amount: Money
    category: BudgetCategory | str
    campaign_id: UUID | str | None = None
    override: Override | None = None


@handles(Commit)
def commit(ctx: Context, actor: Actor, command: Commit) -> None:
    _on_budget(
        ctx, actor, command.budget_id, lambda b: b.commit(actor, **command.arguments("budget_id"))
    )


@attrs.frozen(kw_only=True)
class Release(Command[Money]):
    """Release part or all of what a commitment holds; return the amount released."""

    NAME = "budget.release"

    budget_id: UUID | str = attrs.field(kw_only=False)
    reference: str = attrs.field(kw_only=False)
    reason: str
    amount: Money | None = None


@handles(Release)
def release(ctx: Context, actor: Actor, command: Release) -> Money:
    budget = ctx.load(Budget, command.budget_id, "budget")
    return budget.release(actor, **command.arguments("budget_id"))


@attrs.frozen(kw_only=True)
class RecordExpense(Command[Expense]):
    """Charge an invoice to a line; the same invoice again records nothing new."""

    NAME = "budget.record_expense"

    budget_id: UUID | str = attrs.field(kw_only=False)
    vendor: str
    invoice_reference: str
    amount: Money
    category: BudgetCategory | str
    campaign_id: UUID | str | None = None
    settles: str | None = None
    override: Override | None = None


@handles(RecordExpense)
def record_expense(ctx: Context, actor: Actor, command: RecordExpense) -> Expense:
    return _on_budget(
        ctx,
        actor,
        command.budget_id,
        lambda b: b.record_expense(actor, **command.arguments("budget_id")),
    )


@attrs.frozen(kw_only=True)
class MoveMoney(Command[Adjustment]):
    """Move allocated money between lines (an adjustment: reason and approver required)."""

    NAME = "budget.move"
    REQUIRES = ("budget.adjust",)

    budget_id: UUID | str = attrs.field(kw_only=False)
    amount: Money
    from_category: BudgetCategory | str
    to_category: BudgetCategory | str
    from_campaign_id: UUID | str | None = None
    to_campaign_id: UUID | str | None = None
    reason: str
    approver: Actor


@handles(MoveMoney)
def move_money(ctx: Context, actor: Actor, command: MoveMoney) -> Adjustment:
    return _on_budget(
        ctx, actor, command.budget_id, lambda b: b.move(actor, **command.arguments("budget_id"))
    )


@attrs.frozen(kw_only=True)
class ChangeAllocation(Command[Adjustment]):
    """Set a line's allocation (an adjustment: reason and approver required)."""

    NAME = "budget.change_allocation"
    REQUIRES = ("budget.adjust",)

    budget_id: UUID | str = attrs.field(kw_only=False)
    category: BudgetCategory | str
    allocation: Money
    campaign_id: UUID | str | None = None
    reason: str
    approver: Actor


@handles(ChangeAllocation)
def change_allocation(ctx: Context, actor: Actor, command: ChangeAllocation) -> Adjustment:
    return _on_budget(
        ctx,
        actor,
        command.budget_id,
        lambda b: b.change_allocation(actor, **command.arguments("budget_id")),
    )


@attrs.frozen
class CloseBudget(Command[None]):
    """Close the budget; nothing changes after."""

    NAME = "budget.close"

    budget_id: UUID | str


@handles(CloseBudget)
def close_budget(ctx: Context, actor: Actor, command: CloseBudget) -> None:
    ctx.load(Budget, command.budget_id, "budget").close(actor)


class BudgetService(Executes):
    """Open, allocate, commit, release, spend, adjust and close budgets; read their positions."""

    open = command_method(OpenBudget)
    allocate = command_method(Allocate)
    commit = command_method(Commit)
    release = command_method(Release)
    record_expense = command_method(RecordExpense)
    move = command_method(MoveMoney)
    change_allocation = command_method(ChangeAllocation)
    close = command_method(CloseBudget)

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

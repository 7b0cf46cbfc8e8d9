"""Commands and queries on budgets: open, allocate, commit, release, spend, adjust, close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import attrs

from libops.application.commands import Command, Context, Executes, command, command_method, handles
from libops.application.queries import DEFAULT_LIMIT, Page, Queries, queries_of
from libops.domain.budget import (
    Adjustment,
    Budget,
    BudgetCategory,
    BudgetStatus,
    Commitment,
    Expense,
    Override,
    OverrideUse,
    Position,
)
from libops.domain.campaign import Campaign
from libops.domain.currencies import DEFAULT_CURRENCY
from libops.domain.post import Post
from libops.domain.values import Actor, Money, Period

R = TypeVar("R")


def _linking(method: Callable[..., R]) -> Callable[[Context, Actor, Any], R]:
    """The handler of a command that calls ``method`` on a budget with its other fields.

    A line the call opens for a campaign is linked to the campaign too: the budget and the
    campaigns are saved together, or not at all.
    """

    def handler(ctx: Context, actor: Actor, command: Any) -> R:
        budget = ctx.load(Budget, command.budget_id)
        before = set(budget.campaign_lines())
        result = method(budget, actor, **command.arguments("budget_id"))
        for category, campaign_id in budget.campaign_lines():
            if (category, campaign_id) not in before:
                campaign = ctx.load(Campaign, campaign_id)
                campaign.link_budget_line(actor, budget.id, category)
        return result

    return handler


@command("budget.open", calls=Budget.open)
@attrs.frozen(kw_only=True)
class OpenBudget(Command[UUID]):
    """Open a budget for a fiscal period and return its id."""

    name: str
    period: Period
    currency: str = DEFAULT_CURRENCY


@command("budget.allocate")
@attrs.frozen(kw_only=True)
class Allocate(Command[None]):
    """Allocate money to a category, or to a campaign's line in it (linked to the campaign)."""

    budget_id: UUID | str = attrs.field(kw_only=False)
    category: BudgetCategory | str = attrs.field(kw_only=False)
    amount: Money = attrs.field(kw_only=False)
    campaign_id: UUID | str | None = None


handles(Allocate)(_linking(Budget.allocate))


@command("budget.commit")
@attrs.frozen(kw_only=True)
class Commit(Command[None]):
    """Promise money from a line; past what is available only with an override."""

    budget_id: UUID | str = attrs.field(kw_only=False)
    reference: str
    amount: Money
    category: BudgetCategory | str
    campaign_id: UUID | str | None = None
    override: Override | None = None


handles(Commit)(_linking(Budget.commit))


@command("budget.release", calls=Budget.release)
@attrs.frozen(kw_only=True)
class Release(Command[Money]):
    """Release part or all of what a commitment holds; return the amount released."""

    budget_id: UUID | str = attrs.field(kw_only=False)
    reference: str = attrs.field(kw_only=False)
    reason: str
    amount: Money | None = None


@command("budget.record_expense")
@attrs.frozen(kw_only=True)
class RecordExpense(Command[Expense]):
    """Charge an invoice to a line; the same invoice again records nothing new."""

    budget_id: UUID | str = attrs.field(kw_only=False)
    vendor: str
    invoice_reference: str
    amount: Money
    category: BudgetCategory | str
    campaign_id: UUID | str | None = None
    settles: str | None = None
    override: Override | None = None
    post_id: UUID | str | None = None
    """The post the expense paid for (its production cost: docs/reuse.md); it must exist."""


_record_expense = _linking(Budget.record_expense)


@handles(RecordExpense)
def record_expense(ctx: Context, actor: Actor, command: RecordExpense) -> Expense:
    if command.post_id is not None:
        ctx.load(Post, command.post_id)
    return _record_expense(ctx, actor, command)


@command("budget.move", requires=("budget.adjust",))
@attrs.frozen(kw_only=True)
class MoveMoney(Command[Adjustment]):
    """Move allocated money between lines (an adjustment: reason and approver required)."""

    budget_id: UUID | str = attrs.field(kw_only=False)
    amount: Money
    from_category: BudgetCategory | str
    to_category: BudgetCategory | str
    from_campaign_id: UUID | str | None = None
    to_campaign_id: UUID | str | None = None
    reason: str
    approver: Actor


handles(MoveMoney)(_linking(Budget.move))


@command("budget.change_allocation", requires=("budget.adjust",))
@attrs.frozen(kw_only=True)
class ChangeAllocation(Command[Adjustment]):
    """Set a line's allocation (an adjustment: reason and approver required)."""

    budget_id: UUID | str = attrs.field(kw_only=False)
    category: BudgetCategory | str
    allocation: Money
    campaign_id: UUID | str | None = None
    reason: str
    approver: Actor


handles(ChangeAllocation)(_linking(Budget.change_allocation))


@command("budget.close", calls=Budget.close)
@attrs.frozen
class CloseBudget(Command[None]):
    """Close the budget; nothing changes after."""

    budget_id: UUID | str


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
        return self._app.load(Budget, budget_id)

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

    # Queries (issue 15): answered from the indexed budgets listing (docs/queries.md).
    queries: Queries | None = None
    """The store's lists (set by :class:`~libops.LibOps` when it opens the store)."""

    def list(
        self,
        *,
        status: BudgetStatus | str | None = None,
        order: str = "-start",
        limit: int | str = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """A page of budgets (``status`` ``"open"`` or ``"closed"`` if given), by their
        period's first day (``"-start"``, latest first, or ``"start"``), each row with its
        amounts (Decimal text) and ``lines``: every line's allocated, committed, spent and
        available, by category and campaign."""
        return queries_of(self.queries).budgets(
            status=status, order=order, limit=limit, cursor=cursor
        )

"""Errors of budgets: lines, spending, commitments, invoices and approvals."""

from __future__ import annotations

from typing import Any

from libops.domain.errors.core import InvalidTransitionError, RuleViolationError, UnknownIdError


class BudgetClosedError(InvalidTransitionError):
    """A closed budget changes no more."""


class OverspendError(RuleViolationError):
    """Spending or moving more than a budget line has available, without an override."""

    def __init__(self, category: str, amount: Any, available: Any, campaign_id: Any = None) -> None:
        line = f"the {category} line"
        if campaign_id is not None:
            line += f" of campaign {campaign_id}"
        currency = getattr(amount, "currency", "")
        super().__init__(f"{amount} is more than {line} has available ({available} {currency})")
        self.category = category
        self.amount = amount
        self.available = available
        self.campaign_id = campaign_id


class NoBudgetLineError(RuleViolationError, LookupError):
    """A campaign has no line in that category of the budget: allocate money to it first."""


class DuplicateCommitmentError(RuleViolationError):
    """A budget already holds a commitment with that reference."""


class UnknownCommitmentError(UnknownIdError):
    """A budget holds no commitment with that reference."""


class CommitmentClosedError(InvalidTransitionError):
    """A commitment with nothing outstanding (settled or released) cannot be drawn on again."""


class CommitmentExceededError(RuleViolationError):
    """More was to be released from a commitment than it has outstanding."""


class CommitmentMismatchError(RuleViolationError):
    """An expense settles a commitment of another category or campaign."""


class InvoiceConflictError(RuleViolationError):
    """An invoice reference already recorded comes again with a different vendor or amount."""


class SelfApprovalError(RuleViolationError):
    """A budget adjustment is approved by someone other than the person requesting it."""


class OpenCommitmentsError(RuleViolationError):
    """A budget is closed only when no commitment is outstanding."""

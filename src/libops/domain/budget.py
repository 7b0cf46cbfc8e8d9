"""The Budget aggregate: the money a library sets aside for social media in one fiscal period.

A budget holds money in lines. Every category has a general line, and a category can also
set money aside for a campaign (a campaign line). Money is *allocated* to a line,
*committed* when it is promised (a contract, an order), and *spent* when an invoice is
recorded; what is *available* on a line is allocated less committed less spent. Spending for
a campaign draws on that campaign's line; other spending draws on the general line.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Context, Decimal
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.currencies import DEFAULT_CURRENCY
from libops.domain.errors import (
    BudgetClosedError,
    CommitmentClosedError,
    CommitmentExceededError,
    CommitmentMismatchError,
    CurrencyError,
    DuplicateCommitmentError,
    InvalidValueError,
    InvoiceConflictError,
    MoneyError,
    NoBudgetLineError,
    NotAnActorError,
    OpenCommitmentsError,
    OverspendError,
    SelfApprovalError,
    UnknownCommitmentError,
)
from libops.domain.permissions import authorize
from libops.domain.validation import reason_text, require_instance
from libops.domain.values import (
    Actor,
    Money,
    Period,
    currency_code,
    optional_uuid,
    require_line,
    to_enum,
)


class BudgetCategory(enum.Enum):
    """What money in a budget is for."""

    CONTENT_CREATION = "content_creation"
    PROMOTION = "promotion"
    TECHNICAL_SUPPORT = "technical_support"
    STAFF = "staff"
    PARTNERSHIPS = "partnerships"


class BudgetStatus(enum.Enum):
    """Whether a budget still takes commands."""

    OPEN = "open"
    CLOSED = "closed"


KOL_CATEGORIES = frozenset({BudgetCategory.PARTNERSHIPS, BudgetCategory.PROMOTION})
"""The categories a KOL partner's fee may be paid from."""

# Totals add up many amounts: with this much precision no sum is ever rounded.
_EXACT = Context(prec=200)

_REFERENCE_LENGTH = 300
_NAME_LENGTH = 200


def to_budget_category(value: BudgetCategory | str) -> BudgetCategory:
    """Convert a category name or member to a :class:`BudgetCategory`."""
    return to_enum(BudgetCategory, value)


def to_kol_category(value: BudgetCategory | str) -> BudgetCategory:
    """A category a KOL partner's fee may be paid from (partnerships or promotion)."""
    category = to_budget_category(value)
    if category not in KOL_CATEGORIES:
        choices = ", ".join(sorted(c.value for c in KOL_CATEGORIES))
        raise InvalidValueError(f"a KOL partner's fee is paid from {choices}, not {category.value}")
    return category


def campaign_id_of(value: object) -> UUID | None:
    """A campaign id (a UUID or its text), or None for money not tied to a campaign."""
    return optional_uuid("campaign id", value)


def _reason(value: str) -> str:
    # The converter of Override.reason: reason_text itself takes ``object``, which would type
    # the constructor's ``reason`` as ``object``; this keeps it ``str``.
    return reason_text(value)


def _is_actor(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_instance(Actor, value, f"{attribute.name} must be an Actor", NotAnActorError)


def _plus(a: Decimal, b: Decimal) -> Decimal:
    return _EXACT.add(a, b)


def _minus(a: Decimal, b: Decimal) -> Decimal:
    return _EXACT.subtract(a, b)


# --- values ----------------------------------------------------------------------------


@attrs.frozen
class Override:
    """A budget owner's authority, with a reason, to spend past what a line has available."""

    approver: Actor = attrs.field(validator=_is_actor)
    reason: str = attrs.field(converter=_reason)


def _changes(value: Iterable[AllocationChange]) -> tuple[AllocationChange, ...]:
    return tuple(value)


@attrs.frozen
class AllocationChange:
    """How one line's allocation changed in an adjustment (a general line if no campaign)."""

    category: BudgetCategory = attrs.field(converter=to_budget_category)
    campaign_id: UUID | None
    before: Money
    after: Money


@attrs.frozen
class Adjustment:
    """An approved change of a budget's allocations: who asked, who approved, why, the result."""

    requested_by: str
    approved_by: str
    reason: str
    changes: tuple[AllocationChange, ...] = attrs.field(converter=_changes)


@attrs.frozen
class Expense:
    """An invoice charged to a budget line, and how much of a commitment it settled."""

    invoice_reference: str
    vendor: str
    amount: Money
    category: BudgetCategory = attrs.field(converter=to_budget_category)
    campaign_id: UUID | None
    settles: str | None
    settled: Money
    recorded_by: str
    post_id: UUID | None = None
    """The post the expense paid for (its production cost), if it names one."""


@attrs.frozen
class Commitment:
    """Money promised (a contract, an order) and held on a line until invoiced or released."""

    reference: str
    category: BudgetCategory
    campaign_id: UUID | None
    amount: Money
    committed_by: str
    released: Money
    settled: Money

    @property
    def outstanding(self) -> Money:
        """What is still held: the amount less what was released and what invoices settled."""
        return self.amount - self.released - self.settled


@attrs.frozen
class OverrideUse:
    """A spend recorded past what its line had available, on a budget owner's authority."""

    kind: str
    """``"commitment"`` or ``"expense"``."""
    reference: str
    category: BudgetCategory
    campaign_id: UUID | None
    amount: Money
    available_before: Decimal
    recorded_by: str
    approved_by: str
    reason: str


@attrs.frozen
class Position:
    """The money of a line, a category or a whole budget: allocated, committed, spent."""

    allocated: Money
    committed: Money
    spent: Money

    @property
    def currency(self) -> str:
        """The currency of every amount here."""
        return self.allocated.currency

    @property
    def available(self) -> Decimal:
        """Allocated less committed less spent; below zero only after an authorised override."""
        return _minus(_minus(self.allocated.amount, self.committed.amount), self.spent.amount)


@attrs.frozen
class BudgetLine:
    """Money in one category of a budget that is set aside for a campaign."""

    budget_id: UUID
    category: BudgetCategory


@attrs.define
class _Line:
    """The running totals of one line (mutable; the aggregate's private state)."""

    allocated: Decimal = Decimal(0)
    committed: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)

    @property
    def available(self) -> Decimal:
        return _minus(_minus(self.allocated, self.committed), self.spent)


_LineKey = tuple[BudgetCategory, UUID | None]


# --- the aggregate ---------------------------------------------------------------------


class Budget(Aggregate):
    """The money a library sets aside for social media in one fiscal period and currency."""

    TOPIC = "libops:Budget"

    class Event(events.Event):
        TOPIC = "libops:Budget.Event"

    class Opened(events.Created):
        """A budget was opened for a fiscal period, in one currency."""

        TOPIC = "libops:Budget.Opened"
        actor_id: str
        name: str
        period: Period
        currency: str

    class Allocated(events.Event):
        """Money was allocated to a category's general line or to a campaign's line."""

        TOPIC = "libops:Budget.Allocated"
        actor_id: str
        category: BudgetCategory
        campaign_id: UUID | None
        amount: Money

    class Committed(events.Event):
        """Money was promised and is held on a line (with the override, if one was needed)."""

        TOPIC = "libops:Budget.Committed"
        actor_id: str
        reference: str
        category: BudgetCategory
        campaign_id: UUID | None
        amount: Money
        override_approver_id: str | None
        override_reason: str | None

    class Released(events.Event):
        """Part or all of a commitment was released back to its line."""

        TOPIC = "libops:Budget.Released"
        actor_id: str
        reference: str
        amount: Money
        reason: str

    class ExpenseRecorded(events.Event):
        """An invoice was charged to a line, settling part of a commitment if it names one."""

        TOPIC = "libops:Budget.ExpenseRecorded"
        actor_id: str
        invoice_reference: str
        vendor: str
        category: BudgetCategory
        campaign_id: UUID | None
        amount: Money
        settles: str | None
        settled: Money
        override_approver_id: str | None
        override_reason: str | None
        post_id: UUID | None = None
        """The post the expense paid for (its production cost); None, and not stored, when
        it names none (so expenses keep the form they were stored in before)."""

        def __post_init__(self) -> None:
            if vars(self).get("post_id", 0) is None:
                del vars(self)["post_id"]

    class Adjusted(events.Event):
        """Allocations were changed or moved, with the reason, the approver and the result."""

        TOPIC = "libops:Budget.Adjusted"
        actor_id: str
        approver_id: str
        reason: str
        changes: tuple[AllocationChange, ...]

    class Closed(events.Event):
        """The budget was closed; it changes no more."""

        TOPIC = "libops:Budget.Closed"
        actor_id: str

    # --- creation ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        actor: Actor,
        *,
        name: str,
        period: Period,
        currency: str = DEFAULT_CURRENCY,
    ) -> Budget:
        """Open a budget for a fiscal period, kept in one ISO 4217 currency."""
        authorize(actor, "budget.open")
        name = require_line("name", name, max_length=_NAME_LENGTH)
        period = require_instance(Period, period, "period must be a Period")
        return cls(actor_id=actor.id, name=name, period=period, currency=currency_code(currency))

    @event(Opened)
    def __init__(self, actor_id: str, name: str, period: Period, currency: str) -> None:
        self.opened_by = actor_id
        self.name = name
        self.period = period
        self.currency = currency
        self.status = BudgetStatus.OPEN
        self._lines: dict[_LineKey, _Line] = {}
        self._totals = _Line()
        self._commitments: dict[str, Commitment] = {}
        self._expenses: dict[str, Expense] = {}
        self._adjustments: list[Adjustment] = []
        self._overrides: list[OverrideUse] = []

    # --- queries -----------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        """Whether the budget was closed."""
        return self.status is BudgetStatus.CLOSED

    def has_line(self, category: BudgetCategory | str, campaign_id: UUID | str | None) -> bool:
        """Whether the line exists (a category's general line always does)."""
        key = (to_budget_category(category), campaign_id_of(campaign_id))
        return key[1] is None or key in self._lines

    def campaign_lines(self) -> tuple[tuple[BudgetCategory, UUID], ...]:
        """Every (category, campaign id) that has a line of its own, in the order opened."""
        return tuple((c, k) for c, k in self._lines if k is not None)

    def line_position(
        self, category: BudgetCategory | str, campaign_id: UUID | str | None = None
    ) -> Position:
        """The position of one line: the category's general line, or a campaign's line."""
        key = (to_budget_category(category), campaign_id_of(campaign_id))
        return self._position(self._lines.get(key, _Line()))

    def category_position(self, category: BudgetCategory | str) -> Position:
        """The position of a whole category: its general line and every campaign line."""
        wanted = to_budget_category(category)
        return self._position(
            self._sum(line for (c, _), line in self._lines.items() if c is wanted)
        )

    def positions(self) -> dict[BudgetCategory, Position]:
        """The position of every category, in the categories' order."""
        return {category: self.category_position(category) for category in BudgetCategory}

    def campaign_positions(self, campaign_id: UUID | str) -> dict[BudgetCategory, Position]:
        """The position of each line a campaign has in this budget, by category."""
        wanted = campaign_id_of(campaign_id)
        return {
            c: self._position(line)
            for category in BudgetCategory
            for (c, k), line in self._lines.items()
            if k is not None and k == wanted and c is category
        }

    def total_position(self) -> Position:
        """The position of the whole budget."""
        return self._position(self._totals)

    @property
    def commitments(self) -> tuple[Commitment, ...]:
        """Every commitment, in the order made."""
        return tuple(self._commitments.values())

    def commitment(self, reference: str) -> Commitment:
        """The commitment with ``reference``, or :class:`UnknownCommitmentError`."""
        try:
            return self._commitments[reference]
        except (KeyError, TypeError):
            raise UnknownCommitmentError("commitment", reference) from None

    @property
    def expenses(self) -> tuple[Expense, ...]:
        """Every expense, in the order recorded."""
        return tuple(self._expenses.values())

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        """Every adjustment with its requester, approver, reason and result, in order."""
        return tuple(self._adjustments)

    @property
    def overrides(self) -> tuple[OverrideUse, ...]:
        """Every spend recorded past what its line had available, in order."""
        return tuple(self._overrides)

    def _position(self, line: _Line) -> Position:
        return Position(
            allocated=Money(line.allocated, self.currency),
            committed=Money(line.committed, self.currency),
            spent=Money(line.spent, self.currency),
        )

    @staticmethod
    def _sum(lines: Iterable[_Line]) -> _Line:
        total = _Line()
        for line in lines:
            total.allocated = _plus(total.allocated, line.allocated)
            total.committed = _plus(total.committed, line.committed)
            total.spent = _plus(total.spent, line.spent)
        return total

    # --- checks ------------------------------------------------------------------------

    def _require_open(self, action: str) -> None:
        if self.is_closed:
            raise BudgetClosedError("budget", action, self.status.value)

    def _money(self, field_name: str, value: object, *, positive: bool = True) -> Money:
        """``value`` as exact Money in this budget's currency (and more than zero)."""
        if not isinstance(value, Money):
            raise MoneyError(
                f"{field_name} must be Money in {self.currency}, not {type(value).__name__}"
            )
        # Built again, so that a Money altered after construction is checked too.
        checked = Money(value.amount, value.currency)
        if checked.currency != self.currency:
            raise CurrencyError(
                f"{field_name} is in {checked.currency}; this budget is kept in {self.currency}"
            )
        if positive and checked.amount == 0:
            raise MoneyError(f"{field_name} must be more than zero")
        return checked

    def _line_key(self, category: BudgetCategory, campaign_id: UUID | None) -> _LineKey:
        """The line spending draws on; a campaign without a line of its own has none."""
        key = (category, campaign_id)
        if campaign_id is not None and key not in self._lines:
            raise NoBudgetLineError(
                f"campaign {campaign_id} has no {category.value} line in budget {self.id}; "
                "allocate money to it first"
            )
        return key

    def _available(self, key: _LineKey) -> Decimal:
        line = self._lines.get(key)
        return Decimal(0) if line is None else line.available

    @staticmethod
    def _check_override(override: object) -> Override | None:
        if override is None:
            return None
        override = require_instance(Override, override, "override must be an Override")
        authorize(override.approver, "budget.authorize_override")
        return override

    def _cover(self, key: _LineKey, need: Decimal, override: Override | None) -> Override | None:
        """The override to record if ``need`` is more than the line has available."""
        available = self._available(key)
        if need <= 0 or need <= available:
            return None
        if override is None:
            raise OverspendError(key[0].value, Money(need, self.currency), available, key[1])
        return override

    def _check_totals(
        self,
        *,
        allocated: Decimal = Decimal(0),
        committed: Decimal = Decimal(0),
        spent: Decimal = Decimal(0),
    ) -> None:
        """Refuse a change that would make a total too large to hold exactly as Money."""
        for name, now, delta in (
            ("allocated", self._totals.allocated, allocated),
            ("committed", self._totals.committed, committed),
            ("spent", self._totals.spent, spent),
        ):
            try:
                Money(_plus(now, delta), self.currency)
            except MoneyError:
                raise MoneyError(
                    f"the budget's total {name} would be too large to hold exactly"
                ) from None

    def _adjustment_asked(self, actor: Actor, approver: object, reason: str) -> tuple[Actor, str]:
        """The approver and reason of an adjustment ``actor`` asks for, checked alike for
        every kind of adjustment (after the permission and the budget being open)."""
        authorize(actor, "budget.adjust")
        self._require_open("adjust")
        return self._approval(actor, approver), reason_text(reason)

    def _approval(self, actor: Actor, approver: object) -> Actor:
        if not isinstance(approver, Actor):
            raise NotAnActorError(
                f"an adjustment is approved by an Actor, not a {type(approver).__name__}"
            )
        authorize(approver, "budget.approve_adjustment")
        if approver.id == actor.id:
            raise SelfApprovalError(
                f"{actor.id} cannot approve their own adjustment; another budget owner must"
            )
        return approver

    # --- commands ----------------------------------------------------------------------

    def allocate(
        self,
        actor: Actor,
        category: BudgetCategory | str,
        amount: Money,
        *,
        campaign_id: UUID | str | None = None,
    ) -> None:
        """Allocate money to a category's general line, or to a campaign's line in it."""
        authorize(actor, "budget.allocate")
        self._require_open("allocate money in")
        category = to_budget_category(category)
        money = self._money("amount", amount)
        campaign = campaign_id_of(campaign_id)
        self._check_totals(allocated=money.amount)
        self._allocate(actor_id=actor.id, category=category, campaign_id=campaign, amount=money)

    @event(Allocated)
    def _allocate(
        self, actor_id: str, category: BudgetCategory, campaign_id: UUID | None, amount: Money
    ) -> None:
        line = self._lines.setdefault((category, campaign_id), _Line())
        line.allocated = _plus(line.allocated, amount.amount)
        self._totals.allocated = _plus(self._totals.allocated, amount.amount)

    def commit(
        self,
        actor: Actor,
        *,
        reference: str,
        amount: Money,
        category: BudgetCategory | str,
        campaign_id: UUID | str | None = None,
        override: Override | None = None,
    ) -> None:
        """Promise money from a line (a campaign's line if a campaign is named)."""
        authorize(actor, "budget.commit")
        self._require_open("commit money in")
        reference = require_line("reference", reference, max_length=_REFERENCE_LENGTH)
        money = self._money("amount", amount)
        category = to_budget_category(category)
        campaign = campaign_id_of(campaign_id)
        override = self._check_override(override)
        if reference in self._commitments:
            raise DuplicateCommitmentError(
                f"budget {self.id} already holds a commitment {reference!r}"
            )
        used = self._cover(self._line_key(category, campaign), money.amount, override)
        self._check_totals(committed=money.amount)
        self._commit(
            actor_id=actor.id,
            reference=reference,
            category=category,
            campaign_id=campaign,
            amount=money,
            override_approver_id=None if used is None else used.approver.id,
            override_reason=None if used is None else used.reason,
        )

    def _note_override(
        self,
        kind: str,
        reference: str,
        category: BudgetCategory,
        campaign_id: UUID | None,
        amount: Money,
        line: _Line,
        actor_id: str,
        approver_id: str | None,
        reason: str | None,
    ) -> None:
        """Keep the override a commitment or expense carried (state only: part of an apply)."""
        if approver_id is None:
            return
        self._overrides.append(
            OverrideUse(
                kind=kind,
                reference=reference,
                category=category,
                campaign_id=campaign_id,
                amount=amount,
                available_before=line.available,
                recorded_by=actor_id,
                approved_by=approver_id,
                reason=reason or "",
            )
        )

    @event(Committed)
    def _commit(
        self,
        actor_id: str,
        reference: str,
        category: BudgetCategory,
        campaign_id: UUID | None,
        amount: Money,
        override_approver_id: str | None,
        override_reason: str | None,
    ) -> None:
        line = self._lines.setdefault((category, campaign_id), _Line())
        self._note_override(
            "commitment",
            reference,
            category,
            campaign_id,
            amount,
            line,
            actor_id,
            override_approver_id,
            override_reason,
        )
        line.committed = _plus(line.committed, amount.amount)
        self._totals.committed = _plus(self._totals.committed, amount.amount)
        zero = Money(0, amount.currency)
        self._commitments[reference] = Commitment(
            reference=reference,
            category=category,
            campaign_id=campaign_id,
            amount=amount,
            committed_by=actor_id,
            released=zero,
            settled=zero,
        )

    def release(
        self,
        actor: Actor,
        reference: str,
        *,
        reason: str,
        amount: Money | None = None,
    ) -> Money:
        """Release part (``amount``) or all of what a commitment still holds; return it."""
        authorize(actor, "budget.release")
        self._require_open("release money in")
        reference = require_line("reference", reference, max_length=_REFERENCE_LENGTH)
        reason = reason_text(reason)
        money = None if amount is None else self._money("amount", amount)
        commitment = self.commitment(reference)
        outstanding = commitment.outstanding
        if outstanding.amount == 0:
            raise CommitmentClosedError("commitment", "release", "settled or released")
        if money is None:
            money = outstanding
        elif money > outstanding:
            raise CommitmentExceededError(
                f"commitment {reference!r} holds {outstanding}; {money} cannot be released"
            )
        self._release(actor_id=actor.id, reference=reference, amount=money, reason=reason)
        return money

    @event(Released)
    def _release(self, actor_id: str, reference: str, amount: Money, reason: str) -> None:
        commitment = self._commitments[reference]
        line = self._lines[(commitment.category, commitment.campaign_id)]
        line.committed = _minus(line.committed, amount.amount)
        self._totals.committed = _minus(self._totals.committed, amount.amount)
        self._commitments[reference] = attrs.evolve(
            commitment, released=commitment.released + amount
        )

    def record_expense(
        self,
        actor: Actor,
        *,
        vendor: str,
        invoice_reference: str,
        amount: Money,
        category: BudgetCategory | str,
        campaign_id: UUID | str | None = None,
        settles: str | None = None,
        override: Override | None = None,
        post_id: UUID | str | None = None,
    ) -> Expense:
        """Charge an invoice to a line; a repeated invoice records nothing and returns the first.

        An expense that ``settles`` a commitment uses the money the commitment holds first;
        only the rest has to be available on the line. ``post_id`` names the post the
        expense paid for (its production cost; the application checks the post exists).
        """
        authorize(actor, "budget.record_expense")
        self._require_open("record an expense in")
        vendor = require_line("vendor", vendor, max_length=_NAME_LENGTH)
        invoice = require_line("invoice_reference", invoice_reference, max_length=_REFERENCE_LENGTH)
        money = self._money("amount", amount)
        category = to_budget_category(category)
        campaign = campaign_id_of(campaign_id)
        if settles is not None:
            settles = require_line("settles", settles, max_length=_REFERENCE_LENGTH)
        post = optional_uuid("post id", post_id)
        override = self._check_override(override)
        earlier = self._expenses.get(invoice)
        if earlier is not None:
            return self._repeated(earlier, vendor, money, category, campaign, settles, post)
        settled = Money(0, self.currency)
        if settles is not None:
            commitment = self.commitment(settles)
            if (commitment.category, commitment.campaign_id) != (category, campaign):
                raise CommitmentMismatchError(
                    f"commitment {settles!r} is held on the {commitment.category.value} line"
                    f"{'' if commitment.campaign_id is None else ' of campaign '}"
                    f"{commitment.campaign_id or ''}, not where this expense is charged"
                )
            if commitment.outstanding.amount == 0:
                raise CommitmentClosedError("commitment", "settle", "settled or released")
            settled = min(money, commitment.outstanding, key=lambda m: m.amount)
        key = self._line_key(category, campaign)
        used = self._cover(key, _minus(money.amount, settled.amount), override)
        self._check_totals(spent=money.amount)
        self._record_expense(
            actor_id=actor.id,
            invoice_reference=invoice,
            vendor=vendor,
            category=category,
            campaign_id=campaign,
            amount=money,
            settles=settles,
            settled=settled,
            override_approver_id=None if used is None else used.approver.id,
            override_reason=None if used is None else used.reason,
            post_id=post,
        )
        return self._expenses[invoice]

    @staticmethod
    def _repeated(
        earlier: Expense,
        vendor: str,
        amount: Money,
        category: BudgetCategory,
        campaign_id: UUID | None,
        settles: str | None,
        post_id: UUID | None = None,
    ) -> Expense:
        given = {
            "vendor": vendor,
            "amount": amount,
            "category": category,
            "campaign_id": campaign_id,
            "settles": settles,
            "post_id": post_id,
        }
        differ = [name for name, value in given.items() if getattr(earlier, name) != value]
        if differ:
            raise InvoiceConflictError(
                f"invoice {earlier.invoice_reference!r} was recorded with another "
                f"{', '.join(differ)} ({earlier.vendor}, {earlier.amount})"
            )
        return earlier

    @event(ExpenseRecorded)
    def _record_expense(
        self,
        actor_id: str,
        invoice_reference: str,
        vendor: str,
        category: BudgetCategory,
        campaign_id: UUID | None,
        amount: Money,
        settles: str | None,
        settled: Money,
        override_approver_id: str | None,
        override_reason: str | None,
        post_id: UUID | None = None,
    ) -> None:
        line = self._lines.setdefault((category, campaign_id), _Line())
        self._note_override(
            "expense",
            invoice_reference,
            category,
            campaign_id,
            amount,
            line,
            actor_id,
            override_approver_id,
            override_reason,
        )
        if settles is not None:
            commitment = self._commitments[settles]
            self._commitments[settles] = attrs.evolve(
                commitment, settled=commitment.settled + settled
            )
            line.committed = _minus(line.committed, settled.amount)
            self._totals.committed = _minus(self._totals.committed, settled.amount)
        line.spent = _plus(line.spent, amount.amount)
        self._totals.spent = _plus(self._totals.spent, amount.amount)
        self._expenses[invoice_reference] = Expense(
            invoice_reference=invoice_reference,
            vendor=vendor,
            amount=amount,
            category=category,
            campaign_id=campaign_id,
            settles=settles,
            settled=settled,
            recorded_by=actor_id,
            post_id=post_id,
        )

    def move(
        self,
        actor: Actor,
        *,
        amount: Money,
        from_category: BudgetCategory | str,
        to_category: BudgetCategory | str,
        from_campaign_id: UUID | str | None = None,
        to_campaign_id: UUID | str | None = None,
        reason: str,
        approver: Actor,
    ) -> Adjustment:
        """Move allocated money from one line to another (an adjustment, approved)."""
        approver, reason = self._adjustment_asked(actor, approver, reason)
        money = self._money("amount", amount)
        source = (to_budget_category(from_category), campaign_id_of(from_campaign_id))
        target = (to_budget_category(to_category), campaign_id_of(to_campaign_id))
        if source == target:
            raise InvalidValueError("money is moved between two different lines")
        self._line_key(*source)
        available = self._available(source)
        if money.amount > available:
            raise OverspendError(source[0].value, money, available, source[1])
        before = {key: self._lines.get(key, _Line()).allocated for key in (source, target)}
        changes = (
            self._change(source, before[source], _minus(before[source], money.amount)),
            self._change(target, before[target], _plus(before[target], money.amount)),
        )
        self._adjust(actor_id=actor.id, approver_id=approver.id, reason=reason, changes=changes)
        return self._adjustments[-1]

    def change_allocation(
        self,
        actor: Actor,
        *,
        category: BudgetCategory | str,
        allocation: Money,
        campaign_id: UUID | str | None = None,
        reason: str,
        approver: Actor,
    ) -> Adjustment:
        """Set a line's allocation to a new amount (an adjustment, approved)."""
        approver, reason = self._adjustment_asked(actor, approver, reason)
        money = self._money("allocation", allocation, positive=False)
        key = (to_budget_category(category), campaign_id_of(campaign_id))
        line = self._lines.get(key, _Line())
        if money.amount == line.allocated:
            raise InvalidValueError(
                f"the {key[0].value} line already has {money} allocated; nothing would change"
            )
        reduction = _minus(line.allocated, money.amount)
        if reduction > line.available:
            raise OverspendError(
                key[0].value, Money(reduction, self.currency), line.available, key[1]
            )
        self._check_totals(allocated=-reduction)
        changes = (self._change(key, line.allocated, money.amount),)
        self._adjust(actor_id=actor.id, approver_id=approver.id, reason=reason, changes=changes)
        return self._adjustments[-1]

    def _change(self, key: _LineKey, before: Decimal, after: Decimal) -> AllocationChange:
        return AllocationChange(
            category=key[0],
            campaign_id=key[1],
            before=Money(before, self.currency),
            after=Money(after, self.currency),
        )

    @event(Adjusted)
    def _adjust(
        self,
        actor_id: str,
        approver_id: str,
        reason: str,
        changes: tuple[AllocationChange, ...],
    ) -> None:
        changes = tuple(changes)
        for change in changes:
            line = self._lines.setdefault((change.category, change.campaign_id), _Line())
            line.allocated = change.after.amount
            self._totals.allocated = _plus(
                self._totals.allocated, _minus(change.after.amount, change.before.amount)
            )
        self._adjustments.append(
            Adjustment(
                requested_by=actor_id, approved_by=approver_id, reason=reason, changes=changes
            )
        )

    def close(self, actor: Actor) -> None:
        """Close the budget at the end of its period; nothing may be outstanding."""
        authorize(actor, "budget.close")
        self._require_open("close")
        outstanding = [c.reference for c in self._commitments.values() if c.outstanding.amount]
        if outstanding:
            raise OpenCommitmentsError(
                f"release or settle the outstanding commitments first: {', '.join(outstanding)}"
            )
        self._close(actor_id=actor.id)

    @event(Closed)
    def _close(self, actor_id: str) -> None:
        self.status = BudgetStatus.CLOSED

"""A plain model of budgets beside the real libops, on memory, SQLite and PostgreSQL.

Hypothesis gives random sequences of budget commands (allowed and refused, by actors with and
without the roles, with amounts that fit, overspend, are zero or in the wrong currency, with
and without overrides) to both. After every step the invariants check that the stored
positions equal the model's, that available is allocated - committed - spent everywhere, that
no line is below zero unless an override was recorded for it, and that the store holds exactly
the events the model's successful commands recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from libops import Actor, BudgetCategory, LibOps, Money, Override, Period, Position, Role
from libops.domain.currencies import MINOR_UNITS
from libops.domain.errors import (
    BudgetClosedError,
    CampaignEndedError,
    CommitmentClosedError,
    CommitmentExceededError,
    CommitmentMismatchError,
    CurrencyError,
    DuplicateCommitmentError,
    InvalidValueError,
    InvoiceConflictError,
    MoneyError,
    NoBudgetLineError,
    OpenCommitmentsError,
    OverspendError,
    PermissionDeniedError,
    SelfApprovalError,
    UnknownCommitmentError,
)
from tests.actors import ADMIN, AUDITOR, OWNER, OWNER2, PLANNER, PLANNER_OWNER, REVIEWER
from tests.helpers import count_events, give
from tests.stateful.harness import MachineStore, run_machine

# --- the model -------------------------------------------------------------------------

OWNERS = frozenset({Role.BUDGET_OWNER})
SPENDERS = frozenset({Role.BUDGET_OWNER, Role.CONTENT_PLANNER, Role.OPERATIONS_ADMIN})
PAYERS = frozenset({Role.BUDGET_OWNER, Role.OPERATIONS_ADMIN})
MAY_GIVE = {
    "open": OWNERS,
    "allocate": OWNERS,
    "commit": SPENDERS,
    "release": PAYERS,
    "record_expense": PAYERS,
    "adjust": SPENDERS,
    "approve": OWNERS,
    "override": OWNERS,
    "close": OWNERS,
}
"""Who may give what, as the model understands it (independent of PERMISSIONS)."""

ACTORS = [OWNER, OWNER2, PLANNER, ADMIN, PLANNER_OWNER, REVIEWER, AUDITOR]
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
CURRENCIES = ["CNY", "JPY", "KWD"]
CATEGORIES = [BudgetCategory.PROMOTION, BudgetCategory.PARTNERSHIPS, BudgetCategory.STAFF]
REFERENCES = ["PO-1", "PO-2", "PO-3"]
INVOICES = ["INV-1", "INV-2"]
VENDORS = ["Print shop", "@bookworm"]


def _may(actor: Actor, command: str) -> bool:
    return bool(actor.roles & MAY_GIVE[command])


def _mostly(good: list[Any], bad: list[Any], times: int = 3) -> st.SearchStrategy[Any]:
    """Good values ``times`` as often as bad ones, so that runs get somewhere."""
    return st.sampled_from(good * times + bad)


def actors_for(command: str) -> st.SearchStrategy[Actor]:
    """Mostly actors who may give ``command``, sometimes anyone (auditor included)."""
    return _mostly([a for a in ACTORS if _may(a, command)], ACTORS)


@attrs.frozen
class Amount:
    """An amount as the test gives it: whole units and minor units, maybe in another currency."""

    units: int
    minor: int
    foreign: bool

    def money(self, currency: str) -> Money:
        places = MINOR_UNITS[currency]
        amount = Decimal(self.units) + Decimal(self.minor).scaleb(-places)
        return Money(self.units, "USD") if self.foreign else Money(amount, currency)


def amounts(units: list[int]) -> st.SearchStrategy[Amount]:
    return st.builds(
        Amount,
        units=st.sampled_from(units),
        minor=st.sampled_from([0, 0, 1, 99]),
        foreign=_mostly([False], [True], times=8),
    )


allocations = amounts([0, 500, 1000, 2500, 5000])
spends = amounts([0, 50, 300, 700, 1500, 4000])
reasons = _mostly(["posters cost less", "a bigger audience"], ["", "   "], times=6)
overrides = _mostly([None], [OWNER2, PLANNER])
campaigns = _mostly([None, "active"], ["ended"])
lines = st.tuples(st.sampled_from(CATEGORIES), campaigns)
"""No override mostly; sometimes one by a budget owner, sometimes one by a planner."""

LineKey = tuple[BudgetCategory, UUID | None]


@attrs.define
class ModelLine:
    allocated: Decimal = Decimal(0)
    committed: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)

    @property
    def available(self) -> Decimal:
        return self.allocated - self.committed - self.spent


@attrs.define
class ModelCommitment:
    key: LineKey
    amount: Decimal
    released: Decimal = Decimal(0)
    settled: Decimal = Decimal(0)

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.released - self.settled


@attrs.define
class ModelBudget:
    """What the model expects a budget to be."""

    currency: str
    lines: dict[LineKey, ModelLine] = attrs.field(factory=dict)
    commitments: dict[str, ModelCommitment] = attrs.field(factory=dict)
    expenses: dict[str, tuple[str, Decimal, LineKey, str | None]] = attrs.field(factory=dict)
    override_lines: set[LineKey] = attrs.field(factory=set)
    overrides: int = 0
    adjustments: int = 0
    closed: bool = False
    events: int = 1

    def line(self, key: LineKey) -> ModelLine:
        return self.lines.get(key, ModelLine())

    def has_line(self, key: LineKey) -> bool:
        return key[1] is None or key in self.lines

    def position(self, lines: list[ModelLine], currency: str) -> Position:
        total = ModelLine()
        for line in lines:
            total.allocated += line.allocated
            total.committed += line.committed
            total.spent += line.spent
        return Position(
            Money(total.allocated, currency),
            Money(total.committed, currency),
            Money(total.spent, currency),
        )


# --- the machine -----------------------------------------------------------------------


class BudgetMachine(RuleBasedStateMachine):
    """Budget commands on libops and on the model, step by step."""

    ops: ClassVar[LibOps]

    budgets = Bundle("budgets")

    def __init__(self) -> None:
        super().__init__()
        planner, admin = PLANNER, ADMIN
        period = Period(date(2026, 4, 1), date(2026, 4, 30))
        self.campaigns: dict[str, UUID] = {
            "active": self.ops.campaigns.plan(planner, name="WBD", kind="kol", period=period),
            "ended": self.ops.campaigns.plan(planner, name="Old", kind="kol", period=period),
        }
        self.ops.campaigns.cancel(admin, self.campaigns["ended"], "merged")
        self.model: dict[UUID, ModelBudget] = {}
        self.links = 0
        # Runs share one store: only the events recorded from here on count.
        self.baseline = count_events(self.ops)

    # --- helpers -----------------------------------------------------------------------

    def _key(self, category: BudgetCategory, campaign: str | None) -> LineKey:
        return category, None if campaign is None else self.campaigns[campaign]

    def _first(self, actor: Actor, command: str, budget: ModelBudget) -> Any:
        """The checks every command on an existing budget makes first."""
        if not _may(actor, command):
            return PermissionDeniedError
        if budget.closed:
            return BudgetClosedError
        return None

    @staticmethod
    def _money_error(amount: Amount, *, positive: bool = True) -> Any:
        if amount.foreign:
            return CurrencyError
        if positive and amount.units == 0 and amount.minor == 0:
            return MoneyError
        return None

    def _opens(self, budget: ModelBudget, key: LineKey) -> Any:
        """The error, if any, of opening the line ``key`` (its campaign must not have ended)."""
        opens = key[1] is not None and key not in budget.lines
        return CampaignEndedError if opens and key[1] == self.campaigns["ended"] else None

    def _new_line(self, budget: ModelBudget, key: LineKey) -> ModelLine:
        if key[1] is not None and key not in budget.lines:
            self.links += 1
        return budget.lines.setdefault(key, ModelLine())

    # --- rules -------------------------------------------------------------------------

    @initialize(target=budgets)
    def open_a_funded_budget(self) -> UUID:
        """Every run starts with a CNY budget with money on general lines and a campaign line."""
        budget_id = self.ops.budgets.open(OWNER, name="2026", period=YEAR)
        budget = self.model[budget_id] = ModelBudget("CNY")
        for category, campaign, units in (
            (BudgetCategory.PROMOTION, None, 5000),
            (BudgetCategory.STAFF, None, 2000),
            (BudgetCategory.PARTNERSHIPS, "active", 3000),
        ):
            key = self._key(category, campaign)
            self.ops.budgets.allocate(OWNER, budget_id, category, Money(units), campaign_id=key[1])
            self._new_line(budget, key).allocated += units
            budget.events += 1
        return budget_id

    @precondition(lambda self: len(self.model) < 3)
    @rule(target=budgets, actor=actors_for("open"), currency=st.sampled_from(CURRENCIES))
    def open(self, actor: Actor, currency: str) -> Any:
        expected = None if _may(actor, "open") else PermissionDeniedError
        budget_id = give(
            self.ops,
            expected,
            lambda: self.ops.budgets.open(actor, name="2026", period=YEAR, currency=currency),
        )
        if expected is not None:
            return multiple()
        assert isinstance(budget_id, UUID)
        self.model[budget_id] = ModelBudget(currency)
        return budget_id

    @rule(
        budget_id=budgets,
        actor=actors_for("allocate"),
        category=st.sampled_from(CATEGORIES),
        campaign=campaigns,
        amount=allocations,
    )
    def allocate(
        self,
        budget_id: UUID,
        actor: Actor,
        category: BudgetCategory,
        campaign: str | None,
        amount: Amount,
    ) -> None:
        budget = self.model[budget_id]
        key = self._key(category, campaign)
        expected = (
            self._first(actor, "allocate", budget)
            or self._money_error(amount)
            or self._opens(budget, key)
        )
        money = amount.money(budget.currency)
        give(
            self.ops,
            expected,
            lambda: self.ops.budgets.allocate(
                actor, budget_id, category, money, campaign_id=key[1]
            ),
        )
        if expected is None:
            self._new_line(budget, key).allocated += money.amount
            budget.events += 1

    @rule(
        budget_id=budgets,
        actor=actors_for("commit"),
        reference=st.sampled_from(REFERENCES),
        category=st.sampled_from(CATEGORIES),
        campaign=campaigns,
        amount=spends,
        approver=overrides,
    )
    def commit(
        self,
        budget_id: UUID,
        actor: Actor,
        reference: str,
        category: BudgetCategory,
        campaign: str | None,
        amount: Amount,
        approver: Actor | None,
    ) -> None:
        budget = self.model[budget_id]
        key = self._key(category, campaign)
        money = amount.money(budget.currency)
        expected = self._first(actor, "commit", budget) or self._money_error(amount)
        if expected is None:
            if approver is not None and not _may(approver, "override"):
                expected = PermissionDeniedError
            elif reference in budget.commitments:
                expected = DuplicateCommitmentError
            elif not budget.has_line(key):
                expected = NoBudgetLineError
            elif money.amount > budget.line(key).available and approver is None:
                expected = OverspendError
        override = None if approver is None else Override(approver, "the deadline is fixed")
        give(
            self.ops,
            expected,
            lambda: self.ops.budgets.commit(
                actor,
                budget_id,
                reference=reference,
                amount=money,
                category=category,
                campaign_id=key[1],
                override=override,
            ),
        )
        if expected is None:
            line = budget.lines.setdefault(key, ModelLine())
            if money.amount > line.available:
                budget.override_lines.add(key)
                budget.overrides += 1
            line.committed += money.amount
            budget.commitments[reference] = ModelCommitment(key, money.amount)
            budget.events += 1

    @rule(
        budget_id=budgets,
        actor=actors_for("release"),
        reference=st.sampled_from([*REFERENCES, "PO-404"]),
        amount=st.none() | spends,
        reason=reasons,
    )
    def release(
        self, budget_id: UUID, actor: Actor, reference: str, amount: Amount | None, reason: str
    ) -> None:
        budget = self.model[budget_id]
        expected = self._first(actor, "release", budget)
        if expected is None and not reason.strip():
            expected = InvalidValueError
        if expected is None and amount is not None:
            expected = self._money_error(amount)
        commitment = budget.commitments.get(reference)
        money = None if amount is None else amount.money(budget.currency)
        if expected is None:
            if commitment is None:
                expected = UnknownCommitmentError
            elif commitment.outstanding == 0:
                expected = CommitmentClosedError
            elif money is not None and money.amount > commitment.outstanding:
                expected = CommitmentExceededError
        released = give(
            self.ops,
            expected,
            lambda: self.ops.budgets.release(
                actor, budget_id, reference, reason=reason, amount=money
            ),
        )
        if expected is None:
            assert commitment is not None
            freed = commitment.outstanding if money is None else money.amount
            assert released == Money(freed, budget.currency)
            commitment.released += freed
            budget.lines[commitment.key].committed -= freed
            budget.events += 1

    @rule(
        budget_id=budgets,
        actor=actors_for("record_expense"),
        invoice=st.sampled_from(INVOICES),
        vendor=st.sampled_from(VENDORS),
        category=st.sampled_from(CATEGORIES),
        campaign=campaigns,
        amount=spends,
        settles=st.none() | st.sampled_from([*REFERENCES, "PO-404"]),
        approver=overrides,
    )
    def record_expense(
        self,
        budget_id: UUID,
        actor: Actor,
        invoice: str,
        vendor: str,
        category: BudgetCategory,
        campaign: str | None,
        amount: Amount,
        settles: str | None,
        approver: Actor | None,
    ) -> None:
        key = self._key(category, campaign)
        self._expense(budget_id, actor, invoice, vendor, key, amount, settles, approver)

    @rule(
        budget_id=budgets,
        actor=actors_for("record_expense"),
        invoice=st.sampled_from(["INV-S1", "INV-S2", *INVOICES]),
        amount=spends,
        settles=st.sampled_from(REFERENCES),
        approver=overrides,
    )
    def settle_commitment(
        self,
        budget_id: UUID,
        actor: Actor,
        invoice: str,
        amount: Amount,
        settles: str,
        approver: Actor | None,
    ) -> None:
        """An invoice charged where the commitment it settles is held (if it exists)."""
        commitment = self.model[budget_id].commitments.get(settles)
        key = (BudgetCategory.PROMOTION, None) if commitment is None else commitment.key
        self._expense(budget_id, actor, invoice, "@bookworm", key, amount, settles, approver)

    def _expense(
        self,
        budget_id: UUID,
        actor: Actor,
        invoice: str,
        vendor: str,
        key: LineKey,
        amount: Amount,
        settles: str | None,
        approver: Actor | None,
    ) -> None:
        budget = self.model[budget_id]
        category = key[0]
        money = amount.money(budget.currency)
        expected = self._first(actor, "record_expense", budget) or self._money_error(amount)
        repeated = False
        settled = Decimal(0)
        commitment = None if settles is None else budget.commitments.get(settles)
        if expected is None:
            if approver is not None and not _may(approver, "override"):
                expected = PermissionDeniedError
            elif invoice in budget.expenses:
                if budget.expenses[invoice] != (vendor, money.amount, key, settles):
                    expected = InvoiceConflictError
                else:
                    repeated = True
            elif settles is not None and commitment is None:
                expected = UnknownCommitmentError
            elif commitment is not None and commitment.key != key:
                expected = CommitmentMismatchError
            elif commitment is not None and commitment.outstanding == 0:
                expected = CommitmentClosedError
            elif not budget.has_line(key):
                expected = NoBudgetLineError
        if expected is None and not repeated:
            if commitment is not None:
                settled = min(money.amount, commitment.outstanding)
            need = money.amount - settled
            if need > 0 and need > budget.line(key).available and approver is None:
                expected = OverspendError
        override = None if approver is None else Override(approver, "overtime")
        expense = give(
            self.ops,
            expected,
            lambda: self.ops.budgets.record_expense(
                actor,
                budget_id,
                vendor=vendor,
                invoice_reference=invoice,
                amount=money,
                category=category,
                campaign_id=key[1],
                settles=settles,
                override=override,
            ),
        )
        if expected is not None or repeated:
            return
        assert expense is not None
        line = budget.lines.setdefault(key, ModelLine())
        need = money.amount - settled
        if need > 0 and need > line.available:
            budget.override_lines.add(key)
            budget.overrides += 1
        if commitment is not None:
            commitment.settled += settled
            line.committed -= settled
        line.spent += money.amount
        budget.expenses[invoice] = (vendor, money.amount, key, settles)
        budget.events += 1

    def _approval_error(self, actor: Actor, approver: Actor, reason: str) -> Any:
        if not _may(approver, "approve"):
            return PermissionDeniedError
        if approver.id == actor.id:
            return SelfApprovalError
        if not reason.strip():
            return InvalidValueError
        return None

    @rule(
        budget_id=budgets,
        actor=actors_for("adjust"),
        approver=_mostly([OWNER, OWNER2], ACTORS),
        amount=spends,
        source=lines,
        destination=lines,
        reason=reasons,
    )
    def move(
        self,
        budget_id: UUID,
        actor: Actor,
        approver: Actor,
        amount: Amount,
        source: tuple[BudgetCategory, str | None],
        destination: tuple[BudgetCategory, str | None],
        reason: str,
    ) -> None:
        budget = self.model[budget_id]
        src, dst = self._key(*source), self._key(*destination)
        money = amount.money(budget.currency)
        expected = (
            self._first(actor, "adjust", budget)
            or self._approval_error(actor, approver, reason)
            or self._money_error(amount)
        )
        if expected is None:
            if src == dst:
                expected = InvalidValueError
            elif not budget.has_line(src):
                expected = NoBudgetLineError
            elif money.amount > budget.line(src).available:
                expected = OverspendError
            else:
                expected = self._opens(budget, dst)
        adjustment = give(
            self.ops,
            expected,
            lambda: self.ops.budgets.move(
                actor,
                budget_id,
                amount=money,
                from_category=src[0],
                to_category=dst[0],
                from_campaign_id=src[1],
                to_campaign_id=dst[1],
                reason=reason,
                approver=approver,
            ),
        )
        if expected is None:
            assert adjustment is not None
            budget.lines.setdefault(src, ModelLine()).allocated -= money.amount
            self._new_line(budget, dst).allocated += money.amount
            budget.adjustments += 1
            budget.events += 1

    @rule(
        budget_id=budgets,
        actor=actors_for("adjust"),
        approver=_mostly([OWNER, OWNER2], ACTORS),
        amount=allocations,
        line=lines,
        reason=reasons,
    )
    def change_allocation(
        self,
        budget_id: UUID,
        actor: Actor,
        approver: Actor,
        amount: Amount,
        line: tuple[BudgetCategory, str | None],
        reason: str,
    ) -> None:
        budget = self.model[budget_id]
        key = self._key(*line)
        money = amount.money(budget.currency)
        expected = (
            self._first(actor, "adjust", budget)
            or self._approval_error(actor, approver, reason)
            or self._money_error(amount, positive=False)
        )
        current = budget.line(key)
        if expected is None:
            if money.amount == current.allocated:
                expected = InvalidValueError
            elif current.allocated - money.amount > current.available:
                expected = OverspendError
            else:
                expected = self._opens(budget, key)
        give(
            self.ops,
            expected,
            lambda: self.ops.budgets.change_allocation(
                actor,
                budget_id,
                category=key[0],
                allocation=money,
                campaign_id=key[1],
                reason=reason,
                approver=approver,
            ),
        )
        if expected is None:
            self._new_line(budget, key).allocated = money.amount
            budget.adjustments += 1
            budget.events += 1

    @rule(budget_id=budgets, actor=actors_for("close"), now=_mostly([False], [True], times=4))
    def close(self, budget_id: UUID, actor: Actor, now: bool) -> None:
        if not now:
            return  # closing ends a budget's story: only now and then
        budget = self.model[budget_id]
        expected = self._first(actor, "close", budget)
        if expected is None and any(c.outstanding for c in budget.commitments.values()):
            expected = OpenCommitmentsError
        give(self.ops, expected, lambda: self.ops.budgets.close(actor, budget_id))
        if expected is None:
            budget.closed = True
            budget.events += 1

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def events_counted(self) -> None:
        """The store holds exactly the events the model's successful commands recorded."""
        recorded = count_events(self.ops) - self.baseline
        assert recorded == self.links + sum(b.events for b in self.model.values())

    @invariant()
    def positions_equal_the_model(self) -> None:
        """Every category, line and campaign position reloaded from the store equals the model."""
        for budget_id, expected in self.model.items():
            stored = self.ops.budgets.get(budget_id)
            assert stored.version == expected.events
            assert stored.is_closed == expected.closed
            currency = expected.currency
            assert stored.positions() == {
                category: expected.position(
                    [line for (c, _), line in expected.lines.items() if c is category], currency
                )
                for category in BudgetCategory
            }
            for key, line in expected.lines.items():
                assert stored.line_position(*key) == expected.position([line], currency)
            for name, campaign_id in self.campaigns.items():
                assert stored.campaign_positions(campaign_id) == {
                    c: expected.position([line], currency)
                    for c in BudgetCategory
                    for (category, k), line in expected.lines.items()
                    if k == campaign_id and category is c
                }, name
            assert {c.reference: c.outstanding.amount for c in stored.commitments} == {
                reference: c.outstanding for reference, c in expected.commitments.items()
            }
            assert [e.invoice_reference for e in stored.expenses] == list(expected.expenses)
            assert len(stored.adjustments) == expected.adjustments
            assert len(stored.overrides) == expected.overrides

    @invariant()
    def available_is_allocated_less_committed_less_spent(self) -> None:
        """In every category, available equals allocated - committed - spent, exactly."""
        for budget_id in self.model:
            for position in self.ops.budgets.positions(budget_id).values():
                assert position.available == (
                    position.allocated.amount - position.committed.amount - position.spent.amount
                )

    @invariant()
    def below_zero_only_after_an_override(self) -> None:
        """A line is below zero only if an override was recorded for it."""
        for budget_id, expected in self.model.items():
            stored = self.ops.budgets.get(budget_id)
            overridden = {(u.category, u.campaign_id) for u in stored.overrides}
            for key in expected.lines:
                if stored.line_position(*key).available < 0:
                    assert key in overridden
                    assert key in expected.override_lines


# --- running it on every store --------------------------------------------------------------------


def test_budget_state_machine(machine_store: MachineStore) -> None:
    """Random command sequences keep the stored budgets equal to the plain model."""
    # One store for all the runs of this test.
    with machine_store.opened() as ops:
        run_machine(BudgetMachine, machine_store, ops=ops)

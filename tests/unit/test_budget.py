"""The Budget aggregate: every command, every rule, and every refused command recording nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from libops import (
    Actor,
    Adjustment,
    AllocationChange,
    Budget,
    BudgetCategory,
    BudgetLine,
    BudgetStatus,
    Campaign,
    CampaignKind,
    Commitment,
    Expense,
    Money,
    Override,
    Period,
    Position,
)
from libops.domain.budget import KOL_CATEGORIES, campaign_id_of, to_kol_category
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
    LimitExceededError,
    MoneyError,
    NoBudgetLineError,
    NotAnActorError,
    OpenCommitmentsError,
    OverspendError,
    PeriodError,
    PermissionDeniedError,
    SelfApprovalError,
    UnknownCommitmentError,
)
from tests import actors
from tests.helpers import refused

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
CAMPAIGN = UUID("ca000000-0000-4000-8000-000000000001")
OTHER_CAMPAIGN = UUID("ca000000-0000-4000-8000-000000000002")
PROMOTION = BudgetCategory.PROMOTION
PARTNERSHIPS = BudgetCategory.PARTNERSHIPS
STAFF = BudgetCategory.STAFF


def cny(amount: str | int) -> Money:
    return Money(Decimal(amount), "CNY")


class P:
    """The people of a test: two budget owners and one person for every other role."""

    owner, owner2, planner = actors.OWNER, actors.OWNER2, actors.PLANNER
    admin, reviewer, tech, auditor = actors.ADMIN, actors.REVIEWER, actors.TECH, actors.AUDITOR

    @classmethod
    def by_role(cls, role: str) -> Actor:
        actor = getattr(cls, role)
        assert isinstance(actor, Actor)
        return actor


ROLES = ["owner", "planner", "admin", "reviewer", "tech", "auditor"]


def _open(currency: str = "CNY") -> Budget:
    budget = Budget.open(P.owner, name="Social media 2026", period=YEAR, currency=currency)
    budget.collect_events()
    return budget


def _funded() -> Budget:
    """A budget with 10,000 for promotion, 2,000 for staff and 3,000 on a campaign's line."""
    budget = _open()
    budget.allocate(P.owner, PROMOTION, cny(10000))
    budget.allocate(P.owner, STAFF, cny(2000))
    budget.allocate(P.owner, PARTNERSHIPS, cny(3000), campaign_id=CAMPAIGN)
    budget.collect_events()
    return budget


def _with_commitment() -> Budget:
    """A funded budget holding commitment PO-1 of 1,000 on the promotion line."""
    budget = _funded()
    budget.commit(P.planner, reference="PO-1", amount=cny(1000), category=PROMOTION)
    budget.collect_events()
    return budget


def _replayed(budget: Budget, events: Sequence[Any]) -> Budget:
    """The budget rebuilt from ``events`` alone, as a store would rebuild it."""
    rebuilt: Any = None
    for domain_event in events:
        rebuilt = domain_event.mutate(rebuilt)
    assert isinstance(rebuilt, Budget)
    assert rebuilt.version == budget.version
    return rebuilt


def _available(budget: Budget, category: BudgetCategory, campaign: UUID | None = None) -> Decimal:
    return budget.line_position(category, campaign).available


Command = Callable[[Budget, Actor], object]

COMMANDS: dict[str, Command] = {
    "allocate": lambda b, a: b.allocate(a, STAFF, cny(100)),
    "commit": lambda b, a: b.commit(a, reference="PO-9", amount=cny(10), category=PROMOTION),
    "release": lambda b, a: b.release(a, "PO-1", reason="order cancelled"),
    "record_expense": lambda b, a: b.record_expense(
        a, vendor="Print shop", invoice_reference="INV-9", amount=cny(10), category=PROMOTION
    ),
    "move": lambda b, a: b.move(
        a,
        amount=cny(10),
        from_category=PROMOTION,
        to_category=STAFF,
        reason="posters cost less",
        approver=P.owner2,
    ),
    "change_allocation": lambda b, a: b.change_allocation(
        a, category=STAFF, allocation=cny(2500), reason="a student helper", approver=P.owner2
    ),
    "close": lambda b, a: b.close(a),
}
"""Every command on an open budget, with good arguments."""

ALLOWED_ROLES: dict[str, set[str]] = {
    "open": {"owner"},
    "allocate": {"owner"},
    "commit": {"owner", "planner", "admin"},
    "release": {"owner", "admin"},
    "record_expense": {"owner", "admin"},
    "move": {"owner", "planner", "admin"},
    "change_allocation": {"owner", "planner", "admin"},
    "close": {"owner"},
}
"""Who may give each command (written out here, independently of the permission table)."""


def _ready_for(command: str) -> Budget:
    """A budget in which ``command`` (with the arguments above) is allowed."""
    return _funded() if command == "close" else _with_commitment()


# --- opening ---------------------------------------------------------------------------


class TestOpen:
    def test_open_records_opened(self) -> None:
        """Opening records the owner, name, fiscal period and CNY as the default currency."""
        budget = Budget.open(P.owner, name="  Social media 2026  ", period=YEAR)
        [opened] = budget.collect_events()
        assert isinstance(opened, Budget.Opened)
        assert opened.actor_id == P.owner.id
        assert budget.name == "Social media 2026"
        assert budget.period == YEAR
        assert budget.currency == "CNY"
        assert budget.status is BudgetStatus.OPEN
        assert budget.opened_by == P.owner.id
        assert budget.version == 1

    @pytest.mark.parametrize("currency", ["EUR", "JPY", "KWD", "USD"])
    def test_any_iso_currency(self, currency: str) -> None:
        """A budget can be kept in any ISO 4217 currency with a minor unit."""
        assert _open(currency).currency == currency

    def test_a_new_budget_has_nothing(self) -> None:
        """Every category of a new budget is at zero."""
        budget = _open()
        assert list(budget.positions()) == list(BudgetCategory)
        zero = Position(cny(0), cny(0), cny(0))
        assert all(position == zero for position in budget.positions().values())
        assert budget.total_position() == zero

    @pytest.mark.parametrize(
        ("arguments", "error"),
        [
            ({"currency": "XYZ"}, CurrencyError),
            ({"currency": "cny"}, CurrencyError),
            ({"currency": None}, CurrencyError),
            ({"name": "   "}, InvalidValueError),
            ({"name": 7}, InvalidValueError),
            ({"period": (date(2026, 1, 1), date(2026, 12, 31))}, InvalidValueError),
        ],
    )
    def test_bad_arguments(self, arguments: dict[str, Any], error: type[Exception]) -> None:
        """A bad currency, name or period is refused with a specific error."""
        given: dict[str, Any] = {"name": "2026", "period": YEAR, **arguments}
        with pytest.raises(error):
            Budget.open(P.owner, **given)

    def test_period_ending_before_it_starts(self) -> None:
        """A fiscal period is a real Period: one ending before it starts cannot be made."""
        with pytest.raises(PeriodError):
            Period(date(2026, 12, 31), date(2026, 1, 1))

    @pytest.mark.parametrize("role", [r for r in ROLES if r not in ALLOWED_ROLES["open"]])
    def test_only_budget_owners_open(self, role: str) -> None:
        """Only a budget owner opens a budget."""
        with pytest.raises(PermissionDeniedError):
            Budget.open(P.by_role(role), name="2026", period=YEAR)

    def test_not_an_actor(self) -> None:
        """A budget is opened by an Actor, not by a name."""
        with pytest.raises(NotAnActorError):
            Budget.open("owner-1", name="2026", period=YEAR)  # type: ignore[arg-type]  # on purpose


# --- who may do what -------------------------------------------------------------------


class TestPermissions:
    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("command", sorted(COMMANDS))
    def test_each_role(self, command: str, role: str) -> None:
        """Each command is allowed exactly for the roles that may give it; others record nothing."""
        budget = _ready_for(command)
        actor = P.by_role(role)
        if role in ALLOWED_ROLES[command]:
            version = budget.version
            COMMANDS[command](budget, actor)
            assert budget.version == version + 1
            return
        refused(budget, PermissionDeniedError, lambda: COMMANDS[command](budget, actor))


# --- allocating ------------------------------------------------------------------------


class TestAllocate:
    def test_allocate_to_a_category(self) -> None:
        """An allocation adds to the category's general line; allocations add up exactly."""
        budget = _open()
        budget.allocate(P.owner, "promotion", cny("0.10"))
        budget.allocate(P.owner, PROMOTION, cny("0.20"))
        [first, second] = budget.collect_events()
        assert isinstance(first, Budget.Allocated)
        assert first.category is PROMOTION
        assert first.campaign_id is None
        assert isinstance(second, Budget.Allocated)
        assert second.amount == cny("0.20")
        assert budget.category_position(PROMOTION).allocated == cny("0.30")
        assert budget.line_position(PROMOTION).available == Decimal("0.30")

    def test_allocate_to_a_campaign_line(self) -> None:
        """An allocation for a campaign opens (or adds to) that campaign's line in the category."""
        budget = _open()
        budget.allocate(P.owner, PARTNERSHIPS, cny(500))
        budget.allocate(P.owner, PARTNERSHIPS, cny(3000), campaign_id=str(CAMPAIGN))
        budget.allocate(P.owner, PARTNERSHIPS, cny(1000), campaign_id=CAMPAIGN)
        assert budget.has_line(PARTNERSHIPS, CAMPAIGN)
        assert not budget.has_line(PROMOTION, CAMPAIGN)
        assert budget.has_line(PROMOTION, None)
        assert budget.campaign_lines() == ((PARTNERSHIPS, CAMPAIGN),)
        assert budget.line_position(PARTNERSHIPS, CAMPAIGN).allocated == cny(4000)
        assert budget.line_position(PARTNERSHIPS).allocated == cny(500)
        assert budget.category_position(PARTNERSHIPS).allocated == cny(4500)
        assert budget.campaign_positions(CAMPAIGN) == {
            PARTNERSHIPS: Position(cny(4000), cny(0), cny(0))
        }
        assert budget.campaign_positions(OTHER_CAMPAIGN) == {}

    @pytest.mark.parametrize(
        ("category", "amount", "campaign_id", "error"),
        [
            ("advertising", cny(1), None, InvalidValueError),
            (None, cny(1), None, InvalidValueError),
            (PROMOTION, cny(0), None, MoneyError),
            (PROMOTION, Decimal(1), None, MoneyError),
            (PROMOTION, Money(1, "USD"), None, CurrencyError),
            (PROMOTION, cny(1), "not-a-uuid", InvalidValueError),
            (PROMOTION, cny(1), 42, InvalidValueError),
        ],
    )
    def test_bad_allocations(
        self, category: Any, amount: Any, campaign_id: Any, error: type[Exception]
    ) -> None:
        """A bad category, amount or campaign id is refused and changes nothing."""
        budget = _funded()
        refused(
            budget,
            error,
            lambda: budget.allocate(P.owner, category, amount, campaign_id=campaign_id),
        )

    def test_totals_too_large_to_hold_exactly(self) -> None:
        """Allocations whose total no longer fits Money exactly are refused, not rounded."""
        budget = _open()
        biggest = Money(Decimal("9" * 26) + Decimal("0.99"), "CNY")
        budget.allocate(P.owner, PROMOTION, biggest)
        budget.collect_events()
        refused(budget, MoneyError, lambda: budget.allocate(P.owner, STAFF, biggest))
        assert budget.total_position().allocated == biggest


# --- committing ------------------------------------------------------------------------


class TestCommit:
    def test_commit_holds_money_on_the_line(self) -> None:
        """A commitment reduces what is available and is listed with what it holds."""
        budget = _funded()
        budget.commit(P.planner, reference=" PO-1 ", amount=cny("1234.56"), category="promotion")
        [committed] = budget.collect_events()
        assert isinstance(committed, Budget.Committed)
        assert committed.reference == "PO-1"
        assert committed.override_approver_id is None
        assert committed.override_reason is None
        position = budget.category_position(PROMOTION)
        assert position.committed == cny("1234.56")
        assert position.available == Decimal("8765.44")
        assert budget.commitment("PO-1") == Commitment(
            reference="PO-1",
            category=PROMOTION,
            campaign_id=None,
            amount=cny("1234.56"),
            committed_by=P.planner.id,
            released=cny(0),
            settled=cny(0),
        )
        assert budget.commitment("PO-1").outstanding == cny("1234.56")

    def test_campaign_commitments_draw_on_the_campaign_line(self) -> None:
        """Money committed for a campaign comes from its line, not from the general line."""
        budget = _funded()
        budget.allocate(P.owner, PARTNERSHIPS, cny(800))
        budget.commit(
            P.planner,
            reference="KOL-1",
            amount=cny(3000),
            category=PARTNERSHIPS,
            campaign_id=CAMPAIGN,
        )
        assert _available(budget, PARTNERSHIPS, CAMPAIGN) == 0
        assert _available(budget, PARTNERSHIPS) == 800
        assert budget.campaign_positions(CAMPAIGN)[PARTNERSHIPS].committed == cny(3000)

    def test_the_whole_available_amount_can_be_committed(self) -> None:
        """Committing exactly what is available is allowed and leaves zero."""
        budget = _funded()
        budget.commit(P.planner, reference="PO-1", amount=cny(10000), category=PROMOTION)
        assert _available(budget, PROMOTION) == 0

    def test_overspend_names_category_amount_and_available(self) -> None:
        """Committing past what is available raises OverspendError with the figures."""
        budget = _funded()
        with pytest.raises(OverspendError) as raised:
            budget.commit(P.planner, reference="PO-1", amount=cny("10000.01"), category=PROMOTION)
        error = raised.value
        assert error.category == "promotion"
        assert error.amount == cny("10000.01")
        assert error.available == Decimal("10000.00")
        assert error.campaign_id is None
        assert "promotion" in str(error)
        assert "10000.01 CNY" in str(error)
        assert "10000.00 CNY" in str(error)
        assert budget.collect_events() == []

    def test_overspend_on_a_campaign_line(self) -> None:
        """The error of a campaign line names the campaign too."""
        budget = _funded()
        with pytest.raises(OverspendError) as raised:
            budget.commit(
                P.planner,
                reference="KOL-1",
                amount=cny(3001),
                category=PARTNERSHIPS,
                campaign_id=CAMPAIGN,
            )
        assert raised.value.campaign_id == CAMPAIGN
        assert str(CAMPAIGN) in str(raised.value)

    def test_override_lets_a_commitment_through_and_is_recorded(self) -> None:
        """With a budget owner's override and reason the commitment is recorded, override too."""
        budget = _funded()
        override = Override(P.owner2, "  the venue doubled its price  ")
        budget.commit(
            P.planner, reference="PO-1", amount=cny(12000), category=PROMOTION, override=override
        )
        [committed] = budget.collect_events()
        assert isinstance(committed, Budget.Committed)
        assert committed.override_approver_id == P.owner2.id
        assert committed.override_reason == "the venue doubled its price"
        assert _available(budget, PROMOTION) == Decimal(-2000)
        [use] = budget.overrides
        assert use.kind == "commitment"
        assert use.reference == "PO-1"
        assert use.available_before == Decimal("10000.00")
        assert use.amount == cny(12000)
        assert (use.recorded_by, use.approved_by) == (P.planner.id, P.owner2.id)

    def test_an_override_not_needed_is_not_recorded(self) -> None:
        """An override given for a spend that fits is not recorded as used."""
        budget = _funded()
        budget.commit(
            P.planner,
            reference="PO-1",
            amount=cny(1),
            category=PROMOTION,
            override=Override(P.owner2, "just in case"),
        )
        [committed] = budget.collect_events()
        assert isinstance(committed, Budget.Committed)
        assert committed.override_approver_id is None
        assert budget.overrides == ()

    @pytest.mark.parametrize(
        ("override", "error"),
        [
            (Override(P.planner, "urgent"), PermissionDeniedError),
            (Override(P.auditor, "urgent"), PermissionDeniedError),
            ("owner-2 says yes", InvalidValueError),
        ],
    )
    def test_override_needs_a_budget_owner(self, override: Any, error: type[Exception]) -> None:
        """An override from someone who is not a budget owner is refused; nothing recorded."""
        budget = _funded()
        refused(
            budget,
            error,
            lambda: budget.commit(
                P.planner,
                reference="PO-1",
                amount=cny(12000),
                category=PROMOTION,
                override=override,
            ),
        )

    @pytest.mark.parametrize(
        ("reason", "approver", "error"),
        [
            ("", P.owner, InvalidValueError),
            ("  ", P.owner, InvalidValueError),
            ("why", "owner-1", NotAnActorError),
        ],
    )
    def test_override_needs_a_reason_and_an_actor(
        self, reason: Any, approver: Any, error: type[Exception]
    ) -> None:
        """An override cannot be made without a reason or without an Actor who gives it."""
        with pytest.raises(error):
            Override(approver, reason)

    def test_duplicate_reference(self) -> None:
        """A reference already used for a commitment is refused, even after release."""
        budget = _with_commitment()
        budget.release(P.owner, "PO-1", reason="order cancelled")
        budget.collect_events()
        refused(
            budget,
            DuplicateCommitmentError,
            lambda: budget.commit(P.planner, reference="PO-1", amount=cny(5), category=STAFF),
        )

    def test_campaign_without_a_line(self) -> None:
        """Committing for a campaign with no line in that category is refused, override or not."""
        budget = _funded()
        for override in (None, Override(P.owner2, "urgent")):
            refused(
                budget,
                NoBudgetLineError,
                lambda o=override: budget.commit(  # type: ignore[misc]  # default binds the loop
                    P.planner,
                    reference="X",
                    amount=cny(5),
                    category=PROMOTION,
                    campaign_id=CAMPAIGN,
                    override=o,
                ),
            )

    @pytest.mark.parametrize(
        ("arguments", "error"),
        [
            ({"reference": ""}, InvalidValueError),
            ({"reference": "x" * 301}, LimitExceededError),
            ({"reference": None}, InvalidValueError),
            ({"amount": cny(0)}, MoneyError),
            ({"amount": 10}, MoneyError),
            ({"amount": Money(10, "EUR")}, CurrencyError),
            ({"category": "ads"}, InvalidValueError),
            ({"campaign_id": "campaign-1"}, InvalidValueError),
        ],
    )
    def test_bad_arguments(self, arguments: dict[str, Any], error: type[Exception]) -> None:
        """Bad references, amounts, categories and campaign ids are refused."""
        budget = _funded()
        given: dict[str, Any] = {
            "reference": "PO-1",
            "amount": cny(10),
            "category": PROMOTION,
            **arguments,
        }
        refused(budget, error, lambda: budget.commit(P.planner, **given))


# --- releasing -------------------------------------------------------------------------


class TestRelease:
    def test_release_all(self) -> None:
        """Releasing without an amount frees what the commitment still holds."""
        budget = _with_commitment()
        released = budget.release(P.admin, "PO-1", reason="the order was cancelled")
        assert released == cny(1000)
        [event] = budget.collect_events()
        assert isinstance(event, Budget.Released)
        assert (event.reference, event.amount, event.reason) == (
            "PO-1",
            cny(1000),
            "the order was cancelled",
        )
        assert budget.commitment("PO-1").outstanding == cny(0)
        assert budget.commitment("PO-1").released == cny(1000)
        assert _available(budget, PROMOTION) == 10000

    def test_release_part(self) -> None:
        """Releasing part leaves the rest held."""
        budget = _with_commitment()
        assert budget.release(P.admin, "PO-1", reason="fewer posters", amount=cny(300)) == cny(300)
        assert budget.commitment("PO-1").outstanding == cny(700)
        assert budget.category_position(PROMOTION).committed == cny(700)

    def test_release_more_than_held(self) -> None:
        """Releasing more than a commitment holds is refused."""
        budget = _with_commitment()
        refused(
            budget,
            CommitmentExceededError,
            lambda: budget.release(P.admin, "PO-1", reason="x", amount=cny("1000.01")),
        )

    def test_release_after_everything_is_released(self) -> None:
        """A commitment with nothing outstanding cannot be released again."""
        budget = _with_commitment()
        budget.release(P.admin, "PO-1", reason="cancelled")
        budget.collect_events()
        refused(
            budget, CommitmentClosedError, lambda: budget.release(P.admin, "PO-1", reason="again")
        )

    @pytest.mark.parametrize(
        ("reference", "reason", "amount", "error"),
        [
            ("PO-404", "x", None, UnknownCommitmentError),
            ("", "x", None, InvalidValueError),
            ("PO-1", "", None, InvalidValueError),
            ("PO-1", "x", cny(0), MoneyError),
            ("PO-1", "x", Money(1, "USD"), CurrencyError),
            ("PO-1", "x", "10", MoneyError),
        ],
    )
    def test_bad_releases(
        self, reference: Any, reason: Any, amount: Any, error: type[Exception]
    ) -> None:
        """Unknown references, missing reasons and bad amounts are refused."""
        budget = _with_commitment()
        refused(
            budget, error, lambda: budget.release(P.admin, reference, reason=reason, amount=amount)
        )


# --- expenses --------------------------------------------------------------------------


def _expense(budget: Budget, **arguments: Any) -> Expense:
    given: dict[str, Any] = {
        "vendor": "Print shop",
        "invoice_reference": "INV-1",
        "amount": cny(500),
        "category": PROMOTION,
        **arguments,
    }
    return budget.record_expense(P.admin, **given)


class TestExpense:
    def test_expense_is_spent(self) -> None:
        """An expense is recorded with vendor, invoice and line, and counts as spent."""
        budget = _funded()
        expense = _expense(budget, vendor=" Print shop ", invoice_reference=" INV-1 ")
        [event] = budget.collect_events()
        assert isinstance(event, Budget.ExpenseRecorded)
        assert (event.vendor, event.invoice_reference) == ("Print shop", "INV-1")
        assert expense == Expense(
            invoice_reference="INV-1",
            vendor="Print shop",
            amount=cny(500),
            category=PROMOTION,
            campaign_id=None,
            settles=None,
            settled=cny(0),
            recorded_by=P.admin.id,
        )
        assert budget.expenses == (expense,)
        position = budget.category_position(PROMOTION)
        assert (position.spent, position.available) == (cny(500), Decimal(9500))

    def test_the_same_invoice_again_records_nothing(self) -> None:
        """A repeated invoice returns the first expense and records nothing new."""
        budget = _funded()
        first = _expense(budget)
        budget.collect_events()
        again = budget.record_expense(
            P.owner,
            vendor="Print shop",
            invoice_reference="INV-1",
            amount=cny(500),
            category=PROMOTION,
        )
        assert again == first
        assert again.recorded_by == P.admin.id
        assert budget.collect_events() == []
        assert budget.category_position(PROMOTION).spent == cny(500)

    @pytest.mark.parametrize(
        "changed",
        [
            {"vendor": "Another shop"},
            {"amount": cny(501)},
            {"category": STAFF},
            {"campaign_id": CAMPAIGN, "category": PARTNERSHIPS},
            {"settles": "PO-1"},
        ],
    )
    def test_the_same_invoice_with_other_details(self, changed: dict[str, Any]) -> None:
        """The same invoice reference with a different vendor, amount or line is refused."""
        budget = _with_commitment()
        _expense(budget)
        budget.collect_events()
        with pytest.raises(InvoiceConflictError) as raised:
            _expense(budget, **changed)
        assert "INV-1" in str(raised.value)
        assert budget.collect_events() == []

    def test_settling_a_commitment_uses_its_money_first(self) -> None:
        """An invoice that settles a commitment moves the held money from committed to spent."""
        budget = _with_commitment()
        expense = _expense(budget, amount=cny(400), settles="PO-1")
        assert expense.settled == cny(400)
        assert budget.commitment("PO-1").outstanding == cny(600)
        position = budget.category_position(PROMOTION)
        assert (position.committed, position.spent) == (cny(600), cny(400))
        assert position.available == 9000

    def test_an_invoice_larger_than_the_commitment(self) -> None:
        """Beyond what the commitment holds, the rest must be available on the line."""
        budget = _with_commitment()
        budget.commit(P.planner, reference="PO-2", amount=cny(9000), category=PROMOTION)
        assert _available(budget, PROMOTION) == 0
        with pytest.raises(OverspendError) as raised:
            _expense(budget, amount=cny(1200), settles="PO-1")
        assert raised.value.amount == cny(200)  # only what the commitment does not hold
        budget.release(P.owner, "PO-2", reason="smaller order", amount=cny(200))
        expense = _expense(budget, amount=cny(1200), settles="PO-1")
        assert expense.settled == cny(1000)
        assert budget.commitment("PO-1").outstanding == cny(0)
        assert _available(budget, PROMOTION) == 0

    def test_settled_expense_needs_no_available_money(self) -> None:
        """An invoice fully covered by its commitment goes through on an overspent line."""
        budget = _with_commitment()
        budget.commit(
            P.planner,
            reference="PO-2",
            amount=cny(9500),
            category=PROMOTION,
            override=Override(P.owner, "printing deadline"),
        )
        assert _available(budget, PROMOTION) == -500
        _expense(budget, amount=cny(1000), settles="PO-1")
        assert _available(budget, PROMOTION) == -500

    @pytest.mark.parametrize(
        ("arguments", "error"),
        [
            ({"settles": "PO-404"}, UnknownCommitmentError),
            ({"settles": "PO-1", "category": STAFF}, CommitmentMismatchError),
            (
                {"settles": "PO-1", "category": PARTNERSHIPS, "campaign_id": CAMPAIGN},
                CommitmentMismatchError,
            ),
            ({"settles": ""}, InvalidValueError),
        ],
    )
    def test_bad_settlements(self, arguments: dict[str, Any], error: type[Exception]) -> None:
        """Settling an unknown commitment, or one on another line, is refused."""
        budget = _with_commitment()
        refused(budget, error, lambda: _expense(budget, **arguments))

    def test_settling_a_closed_commitment(self) -> None:
        """A commitment with nothing outstanding cannot be settled."""
        budget = _with_commitment()
        budget.release(P.owner, "PO-1", reason="cancelled")
        budget.collect_events()
        refused(budget, CommitmentClosedError, lambda: _expense(budget, settles="PO-1"))

    def test_overspend_and_override(self) -> None:
        """An expense past what is available needs an override, which the event records."""
        budget = _funded()
        refused(budget, OverspendError, lambda: _expense(budget, amount=cny(2001), category=STAFF))
        _expense(
            budget,
            amount=cny(2001),
            category=STAFF,
            override=Override(P.owner, "overtime during World Book Day"),
        )
        [event] = budget.collect_events()
        assert isinstance(event, Budget.ExpenseRecorded)
        assert event.override_approver_id == P.owner.id
        assert event.override_reason == "overtime during World Book Day"
        assert _available(budget, STAFF) == -1
        assert [u.kind for u in budget.overrides] == ["expense"]

    def test_campaign_expenses(self) -> None:
        """A campaign's expense draws on its line; a campaign without a line has none."""
        budget = _funded()
        _expense(budget, category=PARTNERSHIPS, campaign_id=CAMPAIGN, amount=cny(700))
        assert budget.campaign_positions(CAMPAIGN)[PARTNERSHIPS].spent == cny(700)
        budget.collect_events()
        refused(
            budget,
            NoBudgetLineError,
            lambda: _expense(budget, invoice_reference="INV-2", campaign_id=OTHER_CAMPAIGN),
        )

    @pytest.mark.parametrize(
        ("arguments", "error"),
        [
            ({"vendor": ""}, InvalidValueError),
            ({"vendor": None}, InvalidValueError),
            ({"invoice_reference": "  "}, InvalidValueError),
            ({"amount": cny(0)}, MoneyError),
            ({"amount": 500.0}, MoneyError),
            ({"amount": Money(500, "JPY")}, CurrencyError),
            ({"category": "coffee"}, InvalidValueError),
            ({"campaign_id": b"x"}, InvalidValueError),
            ({"override": "yes"}, InvalidValueError),
        ],
    )
    def test_bad_arguments(self, arguments: dict[str, Any], error: type[Exception]) -> None:
        """Bad vendors, invoices, amounts, categories, campaign ids and overrides are refused."""
        budget = _funded()
        refused(budget, error, lambda: _expense(budget, **arguments))


# --- adjustments -----------------------------------------------------------------------


class TestAdjust:
    def test_move_between_categories(self) -> None:
        """Moving money records the requester, approver, reason and both lines' result."""
        budget = _funded()
        adjustment = budget.move(
            P.planner,
            amount=cny(1500),
            from_category=PROMOTION,
            to_category="staff",
            reason="  more moderation hours  ",
            approver=P.owner,
        )
        [event] = budget.collect_events()
        assert isinstance(event, Budget.Adjusted)
        assert (event.actor_id, event.approver_id) == (P.planner.id, P.owner.id)
        assert event.reason == "more moderation hours"
        expected = Adjustment(
            requested_by=P.planner.id,
            approved_by=P.owner.id,
            reason="more moderation hours",
            changes=(
                AllocationChange(PROMOTION, None, cny(10000), cny(8500)),
                AllocationChange(STAFF, None, cny(2000), cny(3500)),
            ),
        )
        assert adjustment == expected
        assert tuple(event.changes) == expected.changes
        assert budget.adjustments == (expected,)
        assert budget.category_position(PROMOTION).allocated == cny(8500)
        assert budget.total_position().allocated == cny(15000)

    def test_move_to_a_new_campaign_line(self) -> None:
        """Money can be moved from a general line to a campaign line that did not exist yet."""
        budget = _funded()
        budget.move(
            P.admin,
            amount=cny(500),
            from_category=PROMOTION,
            to_category=PROMOTION,
            to_campaign_id=OTHER_CAMPAIGN,
            reason="ads for the reading month",
            approver=P.owner,
        )
        assert budget.has_line(PROMOTION, OTHER_CAMPAIGN)
        assert budget.campaign_positions(OTHER_CAMPAIGN)[PROMOTION].allocated == cny(500)
        assert budget.category_position(PROMOTION).allocated == cny(10000)

    def test_change_allocation(self) -> None:
        """Changing a line's allocation records before and after; the total changes with it."""
        budget = _funded()
        adjustment = budget.change_allocation(
            P.owner2,
            category=STAFF,
            allocation=cny(1200),
            reason="a volunteer helps",
            approver=P.owner,
        )
        assert adjustment.changes == (AllocationChange(STAFF, None, cny(2000), cny(1200)),)
        assert budget.total_position().allocated == cny(14200)
        budget.change_allocation(
            P.owner2,
            category=PARTNERSHIPS,
            campaign_id=CAMPAIGN,
            allocation=cny(0),
            reason="partner withdrew",
            approver=P.owner,
        )
        assert budget.line_position(PARTNERSHIPS, CAMPAIGN).allocated == cny(0)
        assert budget.total_position().allocated == cny(11200)

    def test_approver_is_not_the_requester(self) -> None:
        """A budget owner cannot approve their own adjustment."""
        budget = _funded()
        refused(
            budget,
            SelfApprovalError,
            lambda: budget.change_allocation(
                P.owner, category=STAFF, allocation=cny(1), reason="x", approver=P.owner
            ),
        )

    @pytest.mark.parametrize("role", ["planner", "admin", "reviewer", "tech", "auditor"])
    def test_approver_is_a_budget_owner(self, role: str) -> None:
        """Only a budget owner approves an adjustment."""
        budget = _funded()
        refused(
            budget,
            PermissionDeniedError,
            lambda: budget.move(
                P.planner,
                amount=cny(1),
                from_category=PROMOTION,
                to_category=STAFF,
                reason="x",
                approver=P.by_role(role),
            ),
        )

    @pytest.mark.parametrize(
        ("arguments", "error"),
        [
            ({"approver": None}, NotAnActorError),
            ({"approver": "owner-1"}, NotAnActorError),
            ({"reason": ""}, InvalidValueError),
            ({"reason": None}, InvalidValueError),
            ({"amount": cny(0)}, MoneyError),
            ({"amount": Money(1, "USD")}, CurrencyError),
            ({"to_category": PROMOTION}, InvalidValueError),  # the same line
            ({"from_category": "ads"}, InvalidValueError),
            ({"from_campaign_id": OTHER_CAMPAIGN}, NoBudgetLineError),
            ({"amount": cny("10000.01")}, OverspendError),
        ],
    )
    def test_bad_moves(self, arguments: dict[str, Any], error: type[Exception]) -> None:
        """Moves without an approver or reason, or past what is available, are refused."""
        budget = _funded()
        given: dict[str, Any] = {
            "amount": cny(100),
            "from_category": PROMOTION,
            "to_category": STAFF,
            "reason": "posters cost less",
            "approver": P.owner,
            **arguments,
        }
        refused(budget, error, lambda: budget.move(P.planner, **given))

    def test_moving_committed_money_is_refused(self) -> None:
        """Money already committed cannot be moved away: only what is available moves."""
        budget = _with_commitment()
        refused(
            budget,
            OverspendError,
            lambda: budget.move(
                P.planner,
                amount=cny("9000.01"),
                from_category=PROMOTION,
                to_category=STAFF,
                reason="x",
                approver=P.owner,
            ),
        )

    @pytest.mark.parametrize(
        ("arguments", "error"),
        [
            ({"allocation": cny(2000)}, InvalidValueError),  # changes nothing
            ({"allocation": Money(1, "USD")}, CurrencyError),
            ({"allocation": -1}, MoneyError),
            ({"category": "ads"}, InvalidValueError),
            ({"reason": " "}, InvalidValueError),
        ],
    )
    def test_bad_changes(self, arguments: dict[str, Any], error: type[Exception]) -> None:
        """A change to the same amount, in another currency or without reason is refused."""
        budget = _funded()
        given: dict[str, Any] = {
            "category": STAFF,
            "allocation": cny(1),
            "reason": "x",
            "approver": P.owner,
            **arguments,
        }
        refused(budget, error, lambda: budget.change_allocation(P.planner, **given))

    def test_reducing_below_what_is_used(self) -> None:
        """An allocation cannot be cut below what is committed and spent."""
        budget = _with_commitment()
        _expense(budget, amount=cny(500))
        budget.collect_events()
        with pytest.raises(OverspendError) as raised:
            budget.change_allocation(
                P.planner,
                category=PROMOTION,
                allocation=cny("1499.99"),
                reason="x",
                approver=P.owner,
            )
        assert raised.value.available == Decimal("8500.00")
        assert budget.collect_events() == []
        budget.change_allocation(
            P.planner, category=PROMOTION, allocation=cny(1500), reason="x", approver=P.owner
        )
        assert _available(budget, PROMOTION) == 0


# --- closing ---------------------------------------------------------------------------


class TestClose:
    def test_close(self) -> None:
        """Closing records who closed the budget."""
        budget = _funded()
        budget.close(P.owner)
        [event] = budget.collect_events()
        assert isinstance(event, Budget.Closed)
        assert budget.is_closed
        assert budget.status is BudgetStatus.CLOSED

    def test_outstanding_commitments_block_closing(self) -> None:
        """A budget with an outstanding commitment is not closed; the error names it."""
        budget = _with_commitment()
        with pytest.raises(OpenCommitmentsError) as raised:
            budget.close(P.owner)
        assert "PO-1" in str(raised.value)
        assert budget.collect_events() == []
        _expense(budget, amount=cny(1000), settles="PO-1")
        budget.close(P.owner)
        assert budget.is_closed

    @pytest.mark.parametrize("command", sorted(COMMANDS))
    def test_nothing_changes_after_close(self, command: str) -> None:
        """Every command on a closed budget is refused with BudgetClosedError."""
        budget = _funded()
        budget.close(P.owner)
        budget.collect_events()
        actor = P.admin if command in ("move", "change_allocation") else P.owner
        refused(budget, BudgetClosedError, lambda: COMMANDS[command](budget, actor))


# --- positions and replay --------------------------------------------------------------


def _busy() -> tuple[Budget, Sequence[Any]]:
    """A budget that went through every kind of event, with the events it recorded."""
    budget = Budget.open(P.owner, name="2026", period=YEAR)
    budget.allocate(P.owner, PROMOTION, cny(10000))
    budget.allocate(P.owner, PARTNERSHIPS, cny(3000), campaign_id=CAMPAIGN)
    budget.commit(P.planner, reference="PO-1", amount=cny(1000), category=PROMOTION)
    budget.commit(
        P.planner,
        reference="KOL-1",
        amount=cny(3500),
        category=PARTNERSHIPS,
        campaign_id=CAMPAIGN,
        override=Override(P.owner2, "a bigger audience than planned"),
    )
    budget.release(P.admin, "PO-1", reason="fewer posters", amount=cny(250))
    budget.record_expense(
        P.admin,
        vendor="@bookworm",
        invoice_reference="INV-7",
        amount=cny(3500),
        category=PARTNERSHIPS,
        campaign_id=CAMPAIGN,
        settles="KOL-1",
    )
    budget.record_expense(
        P.admin,
        vendor="Print shop",
        invoice_reference="INV-8",
        amount=cny("99.99"),
        category=PROMOTION,
    )
    budget.move(
        P.planner,
        amount=cny(600),
        from_category=PROMOTION,
        to_category=PARTNERSHIPS,
        to_campaign_id=CAMPAIGN,
        reason="cover the KOL overrun",
        approver=P.owner,
    )
    budget.change_allocation(
        P.planner, category=STAFF, allocation=cny(800), reason="volunteers", approver=P.owner2
    )
    budget.release(P.owner, "PO-1", reason="done")
    budget.close(P.owner)
    return budget, budget.collect_events()


class TestPositionsAndReplay:
    def test_available_is_allocated_less_committed_less_spent(self) -> None:
        """In every line, category and the total, available is allocated - committed - spent."""
        budget, _ = _busy()
        positions = [
            *budget.positions().values(),
            budget.total_position(),
            *budget.campaign_positions(CAMPAIGN).values(),
            budget.line_position(PROMOTION),
        ]
        for position in positions:
            assert position.available == (
                position.allocated.amount - position.committed.amount - position.spent.amount
            )

    def test_the_positions_after_every_kind_of_event(self) -> None:
        """The figures of a budget that went through every event are what the rules say."""
        budget, _ = _busy()
        assert budget.positions()[PROMOTION] == Position(cny(9400), cny(0), cny("99.99"))
        assert budget.positions()[PARTNERSHIPS] == Position(cny(3600), cny(0), cny(3500))
        assert budget.positions()[STAFF] == Position(cny(800), cny(0), cny(0))
        assert budget.campaign_positions(CAMPAIGN)[PARTNERSHIPS].available == 100
        assert budget.total_position() == Position(cny(13800), cny(0), cny("3599.99"))
        assert [u.reference for u in budget.overrides] == ["KOL-1"]
        assert budget.overrides[0].available_before == 3000
        assert len(budget.adjustments) == 2
        assert budget.is_closed

    def test_replay_gives_the_same_budget(self) -> None:
        """Rebuilding the budget from its events gives the same positions, lists and status."""
        budget, events = _busy()
        assert [type(e).__name__ for e in events] == [
            "Opened",
            "Allocated",
            "Allocated",
            "Committed",
            "Committed",
            "Released",
            "ExpenseRecorded",
            "ExpenseRecorded",
            "Adjusted",
            "Adjusted",
            "Released",
            "Closed",
        ]
        rebuilt = _replayed(budget, events)
        assert rebuilt.positions() == budget.positions()
        assert rebuilt.total_position() == budget.total_position()
        assert rebuilt.commitments == budget.commitments
        assert rebuilt.expenses == budget.expenses
        assert rebuilt.adjustments == budget.adjustments
        assert rebuilt.overrides == budget.overrides
        assert rebuilt.status is BudgetStatus.CLOSED


# --- campaigns and their budget lines --------------------------------------------------


class TestCampaignBudgetLines:
    def _campaign(self) -> Campaign:
        campaign = Campaign.plan(
            P.planner, name="World Book Day", kind=CampaignKind.KOL, period=YEAR
        )
        campaign.collect_events()
        return campaign

    def test_link_once(self) -> None:
        """Linking a budget line records it once; the same line again records nothing."""
        campaign = self._campaign()
        budget_id = UUID("b0000000-0000-4000-8000-000000000001")
        campaign.link_budget_line(P.owner, budget_id, "partnerships")
        campaign.link_budget_line(P.planner, budget_id, PARTNERSHIPS)
        [event] = campaign.collect_events()
        assert isinstance(event, Campaign.BudgetLineLinked)
        assert (event.actor_id, event.budget_id, event.category) == (
            P.owner.id,
            budget_id,
            PARTNERSHIPS,
        )
        assert campaign.budget_lines == (BudgetLine(budget_id, PARTNERSHIPS),)

    def test_link_refused(self) -> None:
        """An ended campaign, a reviewer, or a budget id that is not a UUID links nothing."""
        campaign = self._campaign()
        budget_id = UUID("b0000000-0000-4000-8000-000000000001")
        with pytest.raises(PermissionDeniedError):
            campaign.link_budget_line(P.reviewer, budget_id, PROMOTION)
        with pytest.raises(InvalidValueError):
            campaign.link_budget_line(P.owner, "b-1", PROMOTION)  # type: ignore[arg-type]  # bad
        with pytest.raises(InvalidValueError):
            campaign.link_budget_line(P.owner, budget_id, "ads")
        campaign.cancel(P.admin, "venue closed")
        campaign.collect_events()
        with pytest.raises(CampaignEndedError):
            campaign.link_budget_line(P.owner, budget_id, PROMOTION)
        assert campaign.collect_events() == []
        assert campaign.budget_lines == ()


class TestHelpers:
    def test_kol_categories(self) -> None:
        """A KOL partner's fee is paid from partnerships or promotion only."""
        assert {to_kol_category(c) for c in ("partnerships", "promotion")} == KOL_CATEGORIES
        for other in ("staff", "technical_support", "content_creation", "fees"):
            with pytest.raises(InvalidValueError):
                to_kol_category(other)

    def test_campaign_ids(self) -> None:
        """Campaign ids are UUIDs or their text; anything else is refused."""
        assert campaign_id_of(None) is None
        assert campaign_id_of(str(CAMPAIGN)) == CAMPAIGN
        assert campaign_id_of(CAMPAIGN) is CAMPAIGN
        for bad in ("", "x", 1, 1.0, object()):
            with pytest.raises(InvalidValueError):
                campaign_id_of(bad)

"""Budgets through ``ops.budgets`` on every kind of store (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest

from libops import (
    Actor,
    Adjustment,
    AllocationChange,
    Budget,
    BudgetCategory,
    BudgetLine,
    BudgetStatus,
    Expense,
    LibOps,
    Money,
    Override,
    Period,
    Position,
)
from libops.domain.errors import (
    BudgetClosedError,
    CampaignEndedError,
    CommitmentExceededError,
    CommitmentMismatchError,
    CurrencyError,
    DuplicateCommitmentError,
    IdempotencyKeyReuseError,
    InvalidValueError,
    InvoiceConflictError,
    MoneyError,
    NoBudgetLineError,
    NotAnActorError,
    OpenCommitmentsError,
    OverspendError,
    PermissionDeniedError,
    SelfApprovalError,
    UnknownCommitmentError,
    UnknownIdError,
)
from tests.actors import OWNER, OWNER2
from tests.helpers import count_events

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
PROMOTION = BudgetCategory.PROMOTION
PARTNERSHIPS = BudgetCategory.PARTNERSHIPS
STAFF = BudgetCategory.STAFF


def cny(amount: str | int) -> Money:
    return Money(Decimal(amount), "CNY")


@attrs.frozen
class Setup:
    """A budget with money on three lines, one commitment and one expense, on some store."""

    ops: LibOps
    budget_id: UUID
    campaign_id: UUID
    ended_campaign_id: UUID


@pytest.fixture
def setup(ops: LibOps, planner: Actor, admin: Actor) -> Setup:
    """The setup on each kind of store."""
    campaign_id = ops.campaigns.plan(planner, name="World Book Day", kind="kol", period=APRIL)
    ended = ops.campaigns.plan(planner, name="Winter reading", kind="topic", period=APRIL)
    ops.campaigns.cancel(admin, ended, "merged into World Book Day")
    budget_id = ops.budgets.open(OWNER, name="Social media 2026", period=YEAR)
    ops.budgets.allocate(OWNER, budget_id, PROMOTION, cny(10000))
    ops.budgets.allocate(OWNER, budget_id, STAFF, cny(2000))
    ops.budgets.allocate(OWNER, budget_id, PARTNERSHIPS, cny(5000), campaign_id=campaign_id)
    ops.budgets.commit(planner, budget_id, reference="PO-1", amount=cny(1000), category=PROMOTION)
    ops.budgets.record_expense(
        admin,
        budget_id,
        vendor="Print shop",
        invoice_reference="INV-1",
        amount=cny(300),
        category=PROMOTION,
    )
    return Setup(ops, budget_id, campaign_id, ended)


class TestRoundTrip:
    def test_a_year_of_budgeting_reads_back_from_the_store(
        self, ops: LibOps, store_url: str, planner: Actor, admin: Actor
    ) -> None:
        """Every command's effect reads back the same from the store (another instance too)."""
        cid = ops.campaigns.plan(planner, name="World Book Day", kind="kol", period=APRIL)
        bid = ops.budgets.open(OWNER, name="Social media 2026", period=YEAR)
        ops.budgets.allocate(OWNER, bid, PROMOTION, cny("10000.10"))
        ops.budgets.allocate(OWNER, bid, PARTNERSHIPS, cny(3000), campaign_id=cid)
        ops.budgets.commit(
            planner,
            bid,
            reference="KOL-1",
            amount=cny(3200),
            category=PARTNERSHIPS,
            campaign_id=cid,
            override=Override(OWNER2, "a bigger audience than planned"),
        )
        expense = ops.budgets.record_expense(
            admin,
            bid,
            vendor="@bookworm",
            invoice_reference="INV-7",
            amount=cny(3200),
            category=PARTNERSHIPS,
            campaign_id=cid,
            settles="KOL-1",
        )
        ops.budgets.commit(planner, bid, reference="PO-2", amount=cny(800), category=PROMOTION)
        released = ops.budgets.release(admin, bid, "PO-2", reason="fewer posters", amount=cny(50))
        moved = ops.budgets.move(
            planner,
            bid,
            amount=cny(500),
            from_category=PROMOTION,
            to_category=PARTNERSHIPS,
            to_campaign_id=cid,
            reason="cover the KOL overrun",
            approver=OWNER,
        )
        changed = ops.budgets.change_allocation(
            planner,
            bid,
            category=STAFF,
            allocation=cny(1500),
            reason="moderation hours",
            approver=OWNER2,
        )
        ops.budgets.release(admin, bid, "PO-2", reason="cancelled")
        ops.budgets.close(OWNER, bid)

        assert released == cny(50)
        assert expense.settled == cny(3200)
        assert moved.changes[1] == AllocationChange(PARTNERSHIPS, cid, cny(3000), cny(3500))
        assert changed == Adjustment(
            planner.id,
            OWNER2.id,
            "moderation hours",
            (AllocationChange(STAFF, None, cny(0), cny(1500)),),
        )
        # 1 campaign + 11 budget events + 1 link event when the campaign line was opened
        assert count_events(ops) == 13
        expected_positions = {
            BudgetCategory.CONTENT_CREATION: Position(cny(0), cny(0), cny(0)),
            PROMOTION: Position(cny("9500.10"), cny(0), cny(0)),
            BudgetCategory.TECHNICAL_SUPPORT: Position(cny(0), cny(0), cny(0)),
            STAFF: Position(cny(1500), cny(0), cny(0)),
            PARTNERSHIPS: Position(cny(3500), cny(0), cny(3200)),
        }
        instances = [ops]
        if not store_url.startswith("memory"):
            instances.append(LibOps.open(store_url))
        try:
            for each in instances:
                budget = each.budgets.get(bid)
                assert budget.status is BudgetStatus.CLOSED
                assert each.budgets.positions(bid) == expected_positions
                assert each.budgets.campaign_positions(bid, cid) == {
                    PARTNERSHIPS: Position(cny(3500), cny(0), cny(3200))
                }
                assert each.budgets.expenses(bid) == (expense,)
                assert each.budgets.adjustments(bid) == (moved, changed)
                assert [u.reference for u in each.budgets.overrides(bid)] == ["KOL-1"]
                assert [c.outstanding for c in each.budgets.commitments(bid)] == [cny(0)] * 2
                assert each.campaigns.get(cid).budget_lines == (BudgetLine(bid, PARTNERSHIPS),)
                # Rebuilt from the stored events alone, not from any cache.
                rebuilt: Budget = each.app.repository.get(bid, version=budget.version)
                assert rebuilt.positions() == expected_positions
        finally:
            for other in instances[1:]:
                other.close()

    def test_amounts_keep_their_minor_units(self, ops: LibOps, planner: Actor) -> None:
        """A KWD budget stores three decimal places and a JPY budget none, exactly."""
        kwd = ops.budgets.open(OWNER, name="Kuwait office", period=YEAR, currency="KWD")
        ops.budgets.allocate(OWNER, kwd, PROMOTION, Money(Decimal("0.001"), "KWD"))
        ops.budgets.allocate(OWNER, kwd, PROMOTION, Money(Decimal("1234.567"), "KWD"))
        jpy = ops.budgets.open(OWNER, name="Tokyo office", period=YEAR, currency="JPY")
        ops.budgets.allocate(OWNER, jpy, PROMOTION, Money(15000, "JPY"))
        allocated = ops.budgets.positions(kwd)[PROMOTION].allocated
        assert allocated == Money(Decimal("1234.568"), "KWD")
        assert str(allocated.amount) == "1234.568"
        assert ops.budgets.positions(jpy)[PROMOTION].allocated == Money(15000, "JPY")


class TestCampaignLines:
    def test_a_new_campaign_line_is_linked_in_the_same_save(
        self, ops: LibOps, planner: Actor
    ) -> None:
        """Opening a campaign's line records the allocation and the campaign's link together."""
        cid = ops.campaigns.plan(planner, name="World Book Day", kind="kol", period=APRIL)
        bid = ops.budgets.open(OWNER, name="2026", period=YEAR)
        before = count_events(ops)
        ops.budgets.allocate(OWNER, bid, PROMOTION, cny(100), campaign_id=cid)
        assert count_events(ops) == before + 2
        ops.budgets.allocate(OWNER, bid, PROMOTION, cny(100), campaign_id=str(cid))
        assert count_events(ops) == before + 3  # the line exists: no second link
        assert ops.campaigns.get(cid).budget_lines == (BudgetLine(bid, PROMOTION),)

    def test_an_ended_campaign_gets_no_new_line(self, setup: Setup) -> None:
        """A line is not opened for an ended campaign; nothing is recorded."""
        ops = setup.ops
        before = count_events(ops)
        with pytest.raises(CampaignEndedError):
            ops.budgets.allocate(
                OWNER, setup.budget_id, PROMOTION, cny(1), campaign_id=setup.ended_campaign_id
            )
        assert count_events(ops) == before
        assert not ops.budgets.get(setup.budget_id).has_line(PROMOTION, setup.ended_campaign_id)

    def test_a_line_for_no_campaign(self, setup: Setup) -> None:
        """A line for an id that is no campaign is refused; nothing is recorded."""
        ops = setup.ops
        before = count_events(ops)
        for unknown in (uuid4(), setup.budget_id):
            with pytest.raises(UnknownIdError):
                ops.budgets.allocate(OWNER, setup.budget_id, STAFF, cny(1), campaign_id=unknown)
        assert count_events(ops) == before

    def test_moving_money_to_a_new_campaign_line(self, setup: Setup, planner: Actor) -> None:
        """An adjustment that opens a campaign line links it to the campaign too."""
        ops = setup.ops
        before = count_events(ops)
        ops.budgets.move(
            planner,
            setup.budget_id,
            amount=cny(400),
            from_category=PROMOTION,
            to_category=PROMOTION,
            to_campaign_id=setup.campaign_id,
            reason="ads",
            approver=OWNER,
        )
        assert count_events(ops) == before + 2
        lines = ops.campaigns.get(setup.campaign_id).budget_lines
        assert BudgetLine(setup.budget_id, PROMOTION) in lines


class TestRepeatedCommands:
    def test_the_same_invoice_again_returns_the_first_expense(
        self, setup: Setup, store_url: str
    ) -> None:
        """A repeated invoice records nothing new and returns the first expense, on any instance."""
        ops = setup.ops
        [first] = ops.budgets.expenses(setup.budget_id)
        before = count_events(ops)
        again = ops.budgets.record_expense(
            OWNER,
            setup.budget_id,
            vendor="Print shop",
            invoice_reference="INV-1",
            amount=cny(300),
            category=PROMOTION,
        )
        assert again == first
        if not store_url.startswith("memory"):
            with LibOps.open(store_url) as other:
                assert (
                    other.budgets.record_expense(
                        OWNER,
                        setup.budget_id,
                        vendor="Print shop",
                        invoice_reference="INV-1",
                        amount=cny(300),
                        category=PROMOTION,
                    )
                    == first
                )
        assert count_events(ops) == before

    def test_idempotency_keys(self, setup: Setup, planner: Actor, admin: Actor) -> None:
        """Every budget command given twice with one key returns the first result, records once."""
        ops, bid = setup.ops, setup.budget_id
        commands: list[tuple[str, Callable[[], object]]] = [
            (
                "open",
                lambda: ops.budgets.open(OWNER, name="2027", period=YEAR, idempotency_key="open"),
            ),
            (
                "allocate",
                lambda: ops.budgets.allocate(OWNER, bid, STAFF, cny(5), idempotency_key="allocate"),
            ),
            (
                "commit",
                lambda: ops.budgets.commit(
                    planner,
                    bid,
                    reference="PO-7",
                    amount=cny(5),
                    category=STAFF,
                    idempotency_key="commit",
                ),
            ),
            (
                "release",
                lambda: ops.budgets.release(
                    admin, bid, "PO-7", reason="x", amount=cny(1), idempotency_key="release"
                ),
            ),
            (
                "record_expense",
                lambda: ops.budgets.record_expense(
                    admin,
                    bid,
                    vendor="v",
                    invoice_reference="INV-7",
                    amount=cny(1),
                    category=STAFF,
                    idempotency_key="expense",
                ),
            ),
            (
                "move",
                lambda: ops.budgets.move(
                    planner,
                    bid,
                    amount=cny(1),
                    from_category=STAFF,
                    to_category=PROMOTION,
                    reason="x",
                    approver=OWNER,
                    idempotency_key="move",
                ),
            ),
            (
                "change_allocation",
                lambda: ops.budgets.change_allocation(
                    planner,
                    bid,
                    category=STAFF,
                    allocation=cny(3000),
                    reason="x",
                    approver=OWNER,
                    idempotency_key="change",
                ),
            ),
        ]
        for name, command in commands:
            first = command()
            before = count_events(ops)
            assert command() == first, name
            assert count_events(ops) == before, name
        ops.budgets.commit(
            planner, bid, reference="PO-8", amount=cny(5), category=STAFF, idempotency_key="c8"
        )
        before = count_events(ops)
        with pytest.raises(IdempotencyKeyReuseError):
            ops.budgets.commit(
                planner,
                bid,
                reference="PO-9",
                amount=cny(5),
                category=STAFF,
                idempotency_key="c8",
            )
        assert count_events(ops) == before
        ops.budgets.release(admin, bid, "PO-7", reason="x")
        ops.budgets.release(admin, bid, "PO-8", reason="x")
        ops.budgets.release(admin, bid, "PO-1", reason="x")
        ops.budgets.close(OWNER, bid, idempotency_key="close")
        before = count_events(ops)
        ops.budgets.close(OWNER, bid, idempotency_key="close")
        assert count_events(ops) == before


# --- every bad input: a specific error, and nothing recorded --------------------------

BadCommand = Callable[[Setup, dict[str, Actor]], object]


def _bad_cases() -> list[tuple[str, type[Exception], BadCommand]]:
    b = "budgets"

    def budgets(s: Setup) -> Any:
        return getattr(s.ops, b)

    return [
        (
            "open: unknown currency",
            CurrencyError,
            lambda s, p: budgets(s).open(OWNER, name="x", period=YEAR, currency="RMB"),
        ),
        (
            "open: blank name",
            InvalidValueError,
            lambda s, p: budgets(s).open(OWNER, name=" ", period=YEAR),
        ),
        (
            "open: not a Period",
            InvalidValueError,
            lambda s, p: budgets(s).open(OWNER, name="x", period="2026"),
        ),
        (
            "open: planner",
            PermissionDeniedError,
            lambda s, p: budgets(s).open(p["planner"], name="x", period=YEAR),
        ),
        (
            "open: auditor",
            PermissionDeniedError,
            lambda s, p: budgets(s).open(p["auditor"], name="x", period=YEAR),
        ),
        (
            "open: no actor",
            NotAnActorError,
            lambda s, p: budgets(s).open("owner-1", name="x", period=YEAR),
        ),
        (
            "allocate: unknown budget",
            UnknownIdError,
            lambda s, p: budgets(s).allocate(OWNER, uuid4(), STAFF, cny(1)),
        ),
        (
            "allocate: not a budget id",
            UnknownIdError,
            lambda s, p: budgets(s).allocate(OWNER, "budget-1", STAFF, cny(1)),
        ),
        (
            "allocate: a campaign's id",
            UnknownIdError,
            lambda s, p: budgets(s).allocate(OWNER, s.campaign_id, STAFF, cny(1)),
        ),
        (
            "allocate: planner",
            PermissionDeniedError,
            lambda s, p: budgets(s).allocate(p["planner"], s.budget_id, STAFF, cny(1)),
        ),
        (
            "allocate: unknown category",
            InvalidValueError,
            lambda s, p: budgets(s).allocate(OWNER, s.budget_id, "ads", cny(1)),
        ),
        (
            "allocate: float",
            MoneyError,
            lambda s, p: budgets(s).allocate(OWNER, s.budget_id, STAFF, 1.5),
        ),
        (
            "allocate: USD",
            CurrencyError,
            lambda s, p: budgets(s).allocate(OWNER, s.budget_id, STAFF, Money(1, "USD")),
        ),
        (
            "allocate: bad campaign id",
            InvalidValueError,
            lambda s, p: budgets(s).allocate(OWNER, s.budget_id, STAFF, cny(1), campaign_id="c1"),
        ),
        (
            "commit: reviewer",
            PermissionDeniedError,
            lambda s, p: budgets(s).commit(
                p["reviewer"], s.budget_id, reference="R", amount=cny(1), category=STAFF
            ),
        ),
        (
            "commit: overspend",
            OverspendError,
            lambda s, p: budgets(s).commit(
                p["planner"], s.budget_id, reference="R", amount=cny("2000.01"), category=STAFF
            ),
        ),
        (
            "commit: override by a planner",
            PermissionDeniedError,
            lambda s, p: budgets(s).commit(
                p["planner"],
                s.budget_id,
                reference="R",
                amount=cny(9000),
                category=STAFF,
                override=Override(p["planner"], "urgent"),
            ),
        ),
        (
            "commit: duplicate reference",
            DuplicateCommitmentError,
            lambda s, p: budgets(s).commit(
                p["planner"], s.budget_id, reference="PO-1", amount=cny(1), category=STAFF
            ),
        ),
        (
            "commit: campaign without a line",
            NoBudgetLineError,
            lambda s, p: budgets(s).commit(
                p["planner"],
                s.budget_id,
                reference="R",
                amount=cny(1),
                category=STAFF,
                campaign_id=s.campaign_id,
            ),
        ),
        (
            "commit: zero",
            MoneyError,
            lambda s, p: budgets(s).commit(
                p["planner"], s.budget_id, reference="R", amount=cny(0), category=STAFF
            ),
        ),
        (
            "release: unknown reference",
            UnknownCommitmentError,
            lambda s, p: budgets(s).release(p["admin"], s.budget_id, "PO-404", reason="x"),
        ),
        (
            "release: too much",
            CommitmentExceededError,
            lambda s, p: budgets(s).release(
                p["admin"], s.budget_id, "PO-1", reason="x", amount=cny(1001)
            ),
        ),
        (
            "release: no reason",
            InvalidValueError,
            lambda s, p: budgets(s).release(p["admin"], s.budget_id, "PO-1", reason=""),
        ),
        (
            "release: planner",
            PermissionDeniedError,
            lambda s, p: budgets(s).release(p["planner"], s.budget_id, "PO-1", reason="x"),
        ),
        (
            "expense: other vendor, same invoice",
            InvoiceConflictError,
            lambda s, p: budgets(s).record_expense(
                p["admin"],
                s.budget_id,
                vendor="Other",
                invoice_reference="INV-1",
                amount=cny(300),
                category=PROMOTION,
            ),
        ),
        (
            "expense: other amount, same invoice",
            InvoiceConflictError,
            lambda s, p: budgets(s).record_expense(
                p["admin"],
                s.budget_id,
                vendor="Print shop",
                invoice_reference="INV-1",
                amount=cny(301),
                category=PROMOTION,
            ),
        ),
        (
            "expense: overspend",
            OverspendError,
            lambda s, p: budgets(s).record_expense(
                p["admin"],
                s.budget_id,
                vendor="v",
                invoice_reference="I",
                amount=cny(8701),
                category=PROMOTION,
            ),
        ),
        (
            "expense: settles another line's commitment",
            CommitmentMismatchError,
            lambda s, p: budgets(s).record_expense(
                p["admin"],
                s.budget_id,
                vendor="v",
                invoice_reference="I",
                amount=cny(1),
                category=STAFF,
                settles="PO-1",
            ),
        ),
        (
            "expense: settles no commitment",
            UnknownCommitmentError,
            lambda s, p: budgets(s).record_expense(
                p["admin"],
                s.budget_id,
                vendor="v",
                invoice_reference="I",
                amount=cny(1),
                category=PROMOTION,
                settles="PO-9",
            ),
        ),
        (
            "expense: planner",
            PermissionDeniedError,
            lambda s, p: budgets(s).record_expense(
                p["planner"],
                s.budget_id,
                vendor="v",
                invoice_reference="I",
                amount=cny(1),
                category=PROMOTION,
            ),
        ),
        (
            "expense: blank vendor",
            InvalidValueError,
            lambda s, p: budgets(s).record_expense(
                p["admin"],
                s.budget_id,
                vendor="",
                invoice_reference="I",
                amount=cny(1),
                category=PROMOTION,
            ),
        ),
        (
            "move: self-approved",
            SelfApprovalError,
            lambda s, p: budgets(s).move(
                OWNER,
                s.budget_id,
                amount=cny(1),
                from_category=PROMOTION,
                to_category=STAFF,
                reason="x",
                approver=OWNER,
            ),
        ),
        (
            "move: approved by an admin",
            PermissionDeniedError,
            lambda s, p: budgets(s).move(
                p["planner"],
                s.budget_id,
                amount=cny(1),
                from_category=PROMOTION,
                to_category=STAFF,
                reason="x",
                approver=p["admin"],
            ),
        ),
        (
            "move: no reason",
            InvalidValueError,
            lambda s, p: budgets(s).move(
                p["planner"],
                s.budget_id,
                amount=cny(1),
                from_category=PROMOTION,
                to_category=STAFF,
                reason="  ",
                approver=OWNER,
            ),
        ),
        (
            "move: no approver",
            NotAnActorError,
            lambda s, p: budgets(s).move(
                p["planner"],
                s.budget_id,
                amount=cny(1),
                from_category=PROMOTION,
                to_category=STAFF,
                reason="x",
                approver=None,
            ),
        ),
        (
            "move: more than available",
            OverspendError,
            lambda s, p: budgets(s).move(
                p["planner"],
                s.budget_id,
                amount=cny(8701),
                from_category=PROMOTION,
                to_category=STAFF,
                reason="x",
                approver=OWNER,
            ),
        ),
        (
            "move: to a line of an ended campaign",
            CampaignEndedError,
            lambda s, p: budgets(s).move(
                p["planner"],
                s.budget_id,
                amount=cny(1),
                from_category=PROMOTION,
                to_category=PROMOTION,
                to_campaign_id=s.ended_campaign_id,
                reason="x",
                approver=OWNER,
            ),
        ),
        (
            "change: below what is used",
            OverspendError,
            lambda s, p: budgets(s).change_allocation(
                p["planner"],
                s.budget_id,
                category=PROMOTION,
                allocation=cny(1299),
                reason="x",
                approver=OWNER,
            ),
        ),
        (
            "change: to the same amount",
            InvalidValueError,
            lambda s, p: budgets(s).change_allocation(
                p["planner"],
                s.budget_id,
                category=STAFF,
                allocation=cny(2000),
                reason="x",
                approver=OWNER,
            ),
        ),
        (
            "change: tech",
            PermissionDeniedError,
            lambda s, p: budgets(s).change_allocation(
                p["tech"],
                s.budget_id,
                category=STAFF,
                allocation=cny(1),
                reason="x",
                approver=OWNER,
            ),
        ),
        (
            "close: outstanding commitment",
            OpenCommitmentsError,
            lambda s, p: budgets(s).close(OWNER, s.budget_id),
        ),
        (
            "close: admin",
            PermissionDeniedError,
            lambda s, p: budgets(s).close(p["admin"], s.budget_id),
        ),
    ]


BAD_CASES = _bad_cases()


class TestBadInputsRecordNothing:
    def test_each_bad_input_raises_its_error_and_records_nothing(
        self,
        setup: Setup,
        planner: Actor,
        admin: Actor,
        reviewer: Actor,
        tech: Actor,
        auditor: Actor,
    ) -> None:
        """Every bad command in the table raises exactly its error; the store is unchanged."""
        people = {
            "planner": planner,
            "admin": admin,
            "reviewer": reviewer,
            "tech": tech,
            "auditor": auditor,
        }
        ops = setup.ops
        positions = ops.budgets.positions(setup.budget_id)
        for name, error, command in BAD_CASES:
            before = count_events(ops)
            with pytest.raises(error) as raised:
                command(setup, people)
            assert type(raised.value) is error, (name, raised.value)
            assert count_events(ops) == before, name
        assert ops.budgets.positions(setup.budget_id) == positions
        assert ops.campaigns.get(setup.campaign_id).budget_lines == (
            BudgetLine(setup.budget_id, PARTNERSHIPS),
        )

    def test_every_command_is_refused_after_close(
        self, setup: Setup, planner: Actor, admin: Actor
    ) -> None:
        """A closed budget refuses every command with BudgetClosedError and records nothing."""
        ops, bid = setup.ops, setup.budget_id
        ops.budgets.release(admin, bid, "PO-1", reason="cancelled")
        ops.budgets.close(OWNER, bid)
        before = count_events(ops)
        commands: list[Callable[[], object]] = [
            lambda: ops.budgets.allocate(OWNER, bid, STAFF, cny(1)),
            lambda: ops.budgets.commit(planner, bid, reference="R", amount=cny(1), category=STAFF),
            lambda: ops.budgets.release(admin, bid, "PO-1", reason="x"),
            lambda: ops.budgets.record_expense(
                admin, bid, vendor="v", invoice_reference="I", amount=cny(1), category=STAFF
            ),
            lambda: ops.budgets.move(
                planner,
                bid,
                amount=cny(1),
                from_category=STAFF,
                to_category=PROMOTION,
                reason="x",
                approver=OWNER,
            ),
            lambda: ops.budgets.change_allocation(
                planner, bid, category=STAFF, allocation=cny(1), reason="x", approver=OWNER
            ),
            lambda: ops.budgets.close(OWNER, bid),
        ]
        for command in commands:
            with pytest.raises(BudgetClosedError):
                command()
        assert count_events(ops) == before

    def test_table_covers_every_command(self) -> None:
        """The table of bad inputs names every budget command at least once."""
        covered = {name.split(":")[0] for name, _, _ in BAD_CASES}
        assert covered == {
            "open",
            "allocate",
            "commit",
            "release",
            "expense",
            "move",
            "change",
            "close",
        }


class TestQueries:
    def test_unknown_budget(self, ops: LibOps) -> None:
        """Queries on an unknown budget raise UnknownIdError."""
        with pytest.raises(UnknownIdError):
            ops.budgets.positions(uuid4())

    def test_override_audit(self, setup: Setup, admin: Actor) -> None:
        """An expense past what is available, authorised, is listed with who allowed it and why."""
        ops = setup.ops
        expense = ops.budgets.record_expense(
            admin,
            setup.budget_id,
            vendor="Overtime",
            invoice_reference="PAY-3",
            amount=cny(2500),
            category=STAFF,
            override=Override(OWNER, "World Book Day week"),
        )
        assert isinstance(expense, Expense)
        [use] = ops.budgets.overrides(setup.budget_id)
        assert (use.kind, use.reference, use.approved_by, use.reason) == (
            "expense",
            "PAY-3",
            OWNER.id,
            "World Book Day week",
        )
        assert use.available_before == 2000
        assert ops.budgets.positions(setup.budget_id)[STAFF].available == -500

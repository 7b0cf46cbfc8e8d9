"""Engaging a KOL partner adds them to the campaign and commits their fee, in one save.

On every store: both aggregates change or neither does, whatever the reason for a refusal
(the budget cannot cover the fee, the campaign has ended, the partner is already there, ...),
and even when the store itself fails in the middle of the save.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest

from libops import (
    Actor,
    BudgetCategory,
    KolPartner,
    LibOps,
    Metric,
    Money,
    Objective,
    Period,
    Platform,
    Position,
)
from libops.application.campaigns import kol_commitment_reference
from libops.domain.errors import (
    BudgetClosedError,
    CampaignEndedError,
    CurrencyError,
    IdempotencyKeyReuseError,
    InvalidValueError,
    NoBudgetLineError,
    OverspendError,
    PermissionDeniedError,
    UnknownIdError,
)
from tests.actors import OWNER
from tests.conftest import make_store_url
from tests.helpers import count_events, refused

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
PARTNERSHIPS = BudgetCategory.PARTNERSHIPS
PROMOTION = BudgetCategory.PROMOTION


def cny(amount: str | int) -> Money:
    return Money(Decimal(amount), "CNY")


def partner(handle: str = "@bookworm", fee: Money | None = None) -> KolPartner:
    return KolPartner(
        handle,
        Platform.DOUYIN,
        120_000,
        ("2 short videos", "1 live stream"),
        fee if fee is not None else cny(3000),
    )


@attrs.frozen
class Engagement:
    """A campaign with a 5,000 partnerships line and 1,000 of promotion in a budget."""

    ops: LibOps
    campaign_id: UUID
    budget_id: UUID


@pytest.fixture
def engagement(ops: LibOps, planner: Actor) -> Engagement:
    """The engagement setup on each kind of store."""
    campaign_id = ops.campaigns.plan(planner, name="World Book Day", kind="kol", period=APRIL)
    budget_id = ops.budgets.open(OWNER, name="Social media 2026", period=YEAR)
    ops.budgets.allocate(OWNER, budget_id, PARTNERSHIPS, cny(5000), campaign_id=campaign_id)
    ops.budgets.allocate(OWNER, budget_id, PROMOTION, cny(1000), campaign_id=campaign_id)
    ops.budgets.allocate(OWNER, budget_id, PARTNERSHIPS, cny(20000))
    return Engagement(ops, campaign_id, budget_id)


def _snapshot(e: Engagement) -> tuple[Any, ...]:
    """Everything an engagement could change, read back from the store."""
    campaign = e.ops.campaigns.get(e.campaign_id)
    budget = e.ops.budgets.get(e.budget_id)
    return (
        count_events(e.ops),
        campaign.version,
        campaign.kol_partners,
        budget.version,
        budget.commitments,
        budget.positions(),
        budget.campaign_positions(e.campaign_id),
    )


class TestEngage:
    def test_partner_added_and_fee_committed_in_one_save(
        self, engagement: Engagement, planner: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """One insert holds both events: the partner on the campaign, the fee on its line."""
        e = engagement
        recorder = e.ops.app.recorder
        inserts: list[list[Any]] = []
        original = recorder.insert_events

        def spy(stored_events: list[Any], **kwargs: Any) -> Any:
            inserts.append(list(stored_events))
            return original(stored_events, **kwargs)

        monkeypatch.setattr(recorder, "insert_events", spy)
        before = count_events(e.ops)
        reference = e.ops.campaigns.engage_kol_partner(
            planner, e.campaign_id, partner(), budget_id=e.budget_id
        )
        monkeypatch.undo()
        assert len(inserts) == 1
        assert sorted(s.topic for s in inserts[0]) == [
            "libops:Budget.Committed",
            "libops:Campaign.KolPartnerAdded",
        ]
        assert {s.originator_id for s in inserts[0]} == {e.campaign_id, e.budget_id}
        assert count_events(e.ops) == before + 2
        assert reference == kol_commitment_reference(e.campaign_id, partner())
        assert e.ops.campaigns.get(e.campaign_id).kol_partners == (partner(),)
        commitment = e.ops.budgets.get(e.budget_id).commitment(reference)
        assert commitment.amount == cny(3000)
        assert commitment.campaign_id == e.campaign_id
        assert commitment.committed_by == planner.id
        assert e.ops.budgets.campaign_positions(e.budget_id, e.campaign_id)[PARTNERSHIPS] == (
            Position(cny(5000), cny(3000), cny(0))
        )

    def test_paid_from_promotion(self, engagement: Engagement, admin: Actor) -> None:
        """The fee can come from the campaign's promotion line instead."""
        e = engagement
        e.ops.campaigns.engage_kol_partner(
            admin,
            e.campaign_id,
            partner(fee=cny(1000)),
            budget_id=e.budget_id,
            category="promotion",
        )
        line = e.ops.budgets.campaign_positions(e.budget_id, e.campaign_id)[PROMOTION]
        assert line.available == 0

    def test_the_fee_is_settled_and_the_partner_stays(
        self, engagement: Engagement, planner: Actor, admin: Actor
    ) -> None:
        """The partner's invoice settles the commitment; the campaign keeps its partner."""
        e = engagement
        reference = e.ops.campaigns.engage_kol_partner(
            planner, e.campaign_id, partner(), budget_id=e.budget_id
        )
        e.ops.budgets.record_expense(
            admin,
            e.budget_id,
            vendor="@bookworm",
            invoice_reference="KOL-INV-1",
            amount=cny(3000),
            category=PARTNERSHIPS,
            campaign_id=e.campaign_id,
            settles=reference,
        )
        position = e.ops.budgets.campaign_positions(e.budget_id, e.campaign_id)[PARTNERSHIPS]
        assert position == Position(cny(5000), cny(0), cny(3000))

    def test_idempotency_key(self, engagement: Engagement, planner: Actor) -> None:
        """A retried engagement with its key returns the reference and records nothing new."""
        e = engagement
        first = e.ops.campaigns.engage_kol_partner(
            planner, e.campaign_id, partner(), budget_id=e.budget_id, idempotency_key="kol-1"
        )
        state = _snapshot(e)
        again = e.ops.campaigns.engage_kol_partner(
            planner, e.campaign_id, partner(), budget_id=e.budget_id, idempotency_key="kol-1"
        )
        assert again == first
        assert _snapshot(e) == state
        with pytest.raises(IdempotencyKeyReuseError):
            e.ops.campaigns.engage_kol_partner(
                planner,
                e.campaign_id,
                partner("@other"),
                budget_id=e.budget_id,
                idempotency_key="kol-1",
            )
        assert _snapshot(e) == state


Refusal = Callable[[Engagement, dict[str, Actor]], object]


def _engage(e: Engagement, actor: Actor, p: KolPartner | None = None, **kwargs: Any) -> object:
    arguments: dict[str, Any] = {"budget_id": e.budget_id, **kwargs}
    return e.ops.campaigns.engage_kol_partner(actor, e.campaign_id, p or partner(), **arguments)


REFUSALS: list[tuple[str, type[Exception], Refusal]] = [
    (
        "the budget cannot cover the fee",
        OverspendError,
        lambda e, a: _engage(e, a["planner"], partner(fee=cny("5000.01"))),
    ),
    (
        "promotion line cannot cover it",
        OverspendError,
        lambda e, a: _engage(e, a["planner"], category=PROMOTION),
    ),
    (
        "the partner is already there",
        InvalidValueError,
        lambda e, a: _engage(e, a["planner"], partner(" @already ", fee=cny(1))),
    ),
    (
        "a category KOL fees are not paid from",
        InvalidValueError,
        lambda e, a: _engage(e, a["planner"], category="staff"),
    ),
    (
        "the fee is in another currency",
        CurrencyError,
        lambda e, a: _engage(e, a["planner"], partner(fee=Money(100, "USD"))),
    ),
    ("a reviewer engages", PermissionDeniedError, lambda e, a: _engage(e, a["reviewer"])),
    (
        "a budget owner engages (no campaign role)",
        PermissionDeniedError,
        lambda e, a: _engage(e, OWNER),
    ),
    ("an unknown budget", UnknownIdError, lambda e, a: _engage(e, a["planner"], budget_id=uuid4())),
    (
        "the campaign's id given as the budget",
        UnknownIdError,
        lambda e, a: _engage(e, a["planner"], budget_id=e.campaign_id),
    ),
    (
        "an unknown campaign",
        UnknownIdError,
        lambda e, a: e.ops.campaigns.engage_kol_partner(
            a["planner"], uuid4(), partner(), budget_id=e.budget_id
        ),
    ),
    ("not a partner", InvalidValueError, lambda e, a: _engage(e, a["planner"], "@bookworm")),  # type: ignore[arg-type]  # on purpose
]


class TestRefusedEngagementsRecordNothing:
    @pytest.fixture
    def people(self, planner: Actor, admin: Actor, reviewer: Actor) -> dict[str, Actor]:
        """The people the refusals are given by, by role."""
        return {"planner": planner, "admin": admin, "reviewer": reviewer}

    def test_each_refusal_leaves_both_aggregates_untouched(
        self, engagement: Engagement, people: dict[str, Actor]
    ) -> None:
        """Every refused engagement raises its error; campaign and budget are unchanged."""
        e = engagement
        e.ops.campaigns.engage_kol_partner(
            people["planner"],
            e.campaign_id,
            partner("@already", fee=cny(1)),
            budget_id=e.budget_id,
        )
        state = _snapshot(e)
        for name, error, refusal in REFUSALS:
            with pytest.raises(error) as raised:
                refusal(e, people)
            assert type(raised.value) is error, (name, raised.value)
            assert _snapshot(e) == state, name
        # The aggregates cached by this process were not spoiled by the refusals.
        e.ops.campaigns.engage_kol_partner(
            people["planner"], e.campaign_id, partner(), budget_id=e.budget_id
        )
        assert [p.handle for p in e.ops.campaigns.get(e.campaign_id).kol_partners] == [
            "@already",
            "@bookworm",
        ]

    def test_a_campaign_without_a_line_in_the_budget(
        self, engagement: Engagement, planner: Actor
    ) -> None:
        """A campaign with no line of its own in the budget gets no partner and no commitment."""
        e = engagement
        other = e.ops.campaigns.plan(planner, name="Summer reading", kind="kol", period=APRIL)
        refused(
            e.ops,
            NoBudgetLineError,
            lambda: e.ops.campaigns.engage_kol_partner(
                planner, other, partner(), budget_id=e.budget_id
            ),
        )
        assert e.ops.campaigns.get(other).kol_partners == ()

    @pytest.mark.parametrize("ending", ["complete", "cancel"])
    def test_an_ended_campaign(
        self, engagement: Engagement, planner: Actor, admin: Actor, ending: str
    ) -> None:
        """A completed or cancelled campaign engages no one and commits nothing."""
        e = engagement
        e.ops.campaigns.amend(
            planner, e.campaign_id, platforms=["douyin"], objectives=[Objective(Metric.VIEWS, 10)]
        )
        e.ops.campaigns.launch(admin, e.campaign_id)
        if ending == "complete":
            e.ops.campaigns.complete(admin, e.campaign_id)
        else:
            e.ops.campaigns.cancel(admin, e.campaign_id, "the partner's agency closed")
        state = _snapshot(e)
        with pytest.raises(CampaignEndedError):
            _engage(e, planner)
        assert _snapshot(e) == state

    def test_a_closed_budget(self, engagement: Engagement, planner: Actor) -> None:
        """A closed budget commits nothing, so the partner is not added either."""
        e = engagement
        e.ops.budgets.close(OWNER, e.budget_id)
        state = _snapshot(e)
        with pytest.raises(BudgetClosedError):
            _engage(e, planner)
        assert _snapshot(e) == state

    def test_the_store_failing_mid_save(
        self, engagement: Engagement, planner: Actor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """If the store fails while saving, neither the partner nor the commitment is recorded."""
        e = engagement
        state = _snapshot(e)

        class StoreDownError(Exception):
            pass

        def fail(*args: Any, **kwargs: Any) -> Any:
            raise StoreDownError("connection lost")

        monkeypatch.setattr(e.ops.app.recorder, "insert_events", fail)
        with pytest.raises(StoreDownError):
            _engage(e, planner)
        monkeypatch.undo()
        assert _snapshot(e) == state
        _engage(e, planner)
        assert count_events(e.ops) == state[0] + 2


class TestTwoProcesses:
    @pytest.fixture(params=["sqlite", "postgresql"])
    def two(
        self, request: pytest.FixtureRequest, tmp_path: object
    ) -> Iterator[tuple[LibOps, LibOps]]:
        """Two libops instances (two processes' worth) on one SQLite or PostgreSQL store."""
        url = make_store_url(request.param, tmp_path, request)
        with LibOps.open(url, migrate=True) as one, LibOps.open(url) as other:
            yield one, other

    def test_a_commitment_from_another_process_is_seen(
        self, two: tuple[LibOps, LibOps], planner: Actor
    ) -> None:
        """A process with the budget cached sees another's commitment and refuses to overspend."""
        one, other = two
        cid = one.campaigns.plan(planner, name="World Book Day", kind="kol", period=APRIL)
        bid = one.budgets.open(OWNER, name="2026", period=YEAR)
        one.budgets.allocate(OWNER, bid, PARTNERSHIPS, cny(5000), campaign_id=cid)
        assert other.budgets.get(bid).version == 2  # the other process caches the budget
        one.campaigns.engage_kol_partner(planner, cid, partner(), budget_id=bid)
        refused(
            one,
            OverspendError,
            lambda: other.campaigns.engage_kol_partner(
                planner, cid, partner("@second"), budget_id=bid
            ),
        )
        assert [p.handle for p in other.campaigns.get(cid).kol_partners] == ["@bookworm"]

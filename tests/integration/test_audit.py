"""Looking back: ``ops.audit.as_of`` and ``ops.audit.history`` on every kind of store.

The state machines (tests/stateful) check every version of campaigns, posts, budgets, risks
and contests by version and log position; here random sequences of commands on campaigns,
budgets, risks, questions, reading sessions, data subjects, posts and conduct records, with
the clock moving between them, are checked by time and by version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import AggregateNotFoundError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libops import (
    AnswerQuestion,
    Consent,
    DraftPost,
    EraseSubject,
    IdentifyRisk,
    InvalidValueError,
    LibOps,
    LibopsError,
    Money,
    NoStateThenError,
    OpenBudget,
    Period,
    PersonalInfo,
    PlanCampaign,
    PostVariant,
    ReassessRisk,
    ReceiveQuestion,
    RegisterParticipant,
    ScheduleSession,
    UnknownIdError,
)
from libops.adapters.clock import ManualClock
from libops.application.audit import LogUpTo
from libops.application.budgets import Allocate
from libops.domain.budget import Budget
from libops.domain.campaign import Campaign, CampaignStatus
from libops.domain.interaction.moderation import CommentRef, ConductRecord
from libops.projections.standard import standard_projections
from tests.actors import ADMIN, OWNER, PLANNER, PLANNER_ADMIN, TECH
from tests.stateful.harness import comparable

PERIOD = Period(date(2026, 1, 1), date(2026, 12, 31))


class Trail:
    """Commands given one by one while the clock moves; each aggregate's state noted after."""

    def __init__(self, ops: LibOps, clock: ManualClock) -> None:
        self.ops = ops
        self.clock = clock
        self.ids: dict[str, list[UUID]] = {}
        self.noted: list[tuple[UUID, int, datetime, dict[str, Any]]] = []

    def give(self, kind: str, step: Callable[[], Any]) -> None:
        try:
            result = step()
        except LibopsError:
            return  # refused: nothing recorded, nothing to note
        if isinstance(result, UUID):
            self.ids.setdefault(kind, []).append(result)
        now = self.clock.now()
        for known in self.ids.values():
            for aggregate_id in known:
                try:
                    aggregate: Any = self.ops.app.repository.get(aggregate_id)
                except AggregateNotFoundError:
                    continue  # named before it is made (a conduct record)
                self.noted.append((aggregate_id, aggregate.version, now, comparable(aggregate)))

    def some(self, kind: str, pick: int) -> UUID | None:
        known = self.ids.get(kind, [])
        return known[pick % len(known)] if known else None


def person(n: int) -> tuple[PersonalInfo, Consent]:
    return PersonalInfo(name=f"Reader {n}", handle=f"reader_{n}"), Consent(
        purpose="library events", given_at=datetime(2026, 1, 1, tzinfo=UTC)
    )


def step(trail: Trail, action: int, pick: int) -> None:
    """One command, chosen by ``action``, on an aggregate chosen by ``pick``."""
    ops, now = trail.ops, trail.clock.now()
    campaign, budget, risk = (
        trail.some("campaign", pick),
        trail.some("budget", pick),
        trail.some("risk", pick),
    )
    question, session = trail.some("question", pick), trail.some("session", pick)
    post = trail.some("post", pick)
    info, consent = person(pick % 4)
    match action:
        case 0:
            command: Any = PlanCampaign(name=f"Campaign {pick}", kind="topic", period=PERIOD)
            trail.give("campaign", lambda: ops.execute(PLANNER, command))
        case 1 if campaign:
            trail.give("", lambda: ops.campaigns.amend(PLANNER, campaign, name=f"Renamed {pick}"))
        case 2:
            trail.give("budget", lambda: ops.execute(OWNER, OpenBudget(name="FY", period=PERIOD)))
        case 3 if budget:
            amount = Money(str(100 + pick))
            command = Allocate(budget, "promotion", amount, campaign_id=campaign)
            trail.give("", lambda: ops.execute(OWNER, command))
        case 4:
            command = IdentifyRisk(
                title=f"Risk {pick}", category="technical", likelihood=2, impact=2, owner=TECH
            )
            trail.give("risk", lambda: ops.execute(TECH, command))
        case 5 if risk:
            command = ReassessRisk(risk, likelihood=1 + pick % 5, impact=3, reason="looked again")
            trail.give("", lambda: ops.execute(TECH, command))
        case 6:
            command = ReceiveQuestion(
                platform="weibo", text="Open on Sunday?", asker=info, consent=consent
            )
            trail.give("question", lambda: ops.execute(PLANNER, command))
        case 7 if question:
            trail.give("", lambda: ops.execute(PLANNER, AnswerQuestion(question, "Yes, 9 to 5.")))
        case 8:
            command = ScheduleSession(
                title="Poetry evening",
                starts_at=now + timedelta(days=7),
                ends_at=now + timedelta(days=7, hours=2),
                capacity=3,
                place="Room 2",
            )
            trail.give("session", lambda: ops.execute(PLANNER, command))
        case 9 if session:
            command = RegisterParticipant(
                session, participant=info, consent=consent, platform="weibo"
            )
            trail.give("", lambda: ops.execute(PLANNER_ADMIN, command))
        case 10:
            assert info.handle is not None
            subject = ops.privacy.subject_id_for("weibo", info.handle)
            trail.give("", lambda: ops.execute(ADMIN, EraseSubject(subject, "asked")))
        case 11:
            variant = PostVariant("weibo", f"Reading tip {pick}", ())
            command = DraftPost(
                title=f"Tip {pick}",
                body="A book a week.",
                content_type="news",
                format="image_text",
                variants=[variant],
            )
            trail.give("post", lambda: ops.execute(PLANNER, command))
        case 12 if post:
            subject = f"reader-{pick % 3}"
            comment = CommentRef(post, "weibo", f"c{pick}")
            record = ConductRecord.id_for(subject)
            if record not in trail.ids.setdefault("conduct", []):
                trail.ids["conduct"].append(record)  # noted once it exists
            trail.give("", lambda: ops.moderation.warn(ADMIN, subject, comment, "off topic"))
        case _:
            pass


STEPS = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 7), st.integers(1, 600)), min_size=1, max_size=25
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(steps=STEPS)
def test_every_noted_state_comes_back_by_time_and_by_version(
    ops: LibOps, clock: ManualClock, steps: list[tuple[int, int, int]]
) -> None:
    """After each command, every aggregate's state is noted; as_of gives each one back."""
    trail = Trail(ops, clock)
    for action, pick, minutes in steps:
        clock.advance(timedelta(minutes=minutes))
        step(trail, action, pick)
    for aggregate_id, version, at, state in trail.noted:
        assert comparable(ops.audit.as_of(aggregate_id, at=at)) == state
        assert comparable(ops.audit.as_of(aggregate_id, version=version)) == state
    for known in trail.ids.values():
        for aggregate_id in known:
            history = ops.audit.history(aggregate_id)
            assert [entry.version for entry in history] == list(range(1, len(history) + 1))
            first = history[0].recorded_at
            with pytest.raises(NoStateThenError, match="did not exist yet"):
                ops.audit.as_of(aggregate_id, at=first - timedelta(microseconds=1))


class TestAsOf:
    def test_the_three_ways_to_say_when(self, ops: LibOps, clock: ManualClock) -> None:
        """A time (libops's clock), a version and a log position each name one state."""
        start = clock.now()
        campaign_id = ops.campaigns.plan(PLANNER, name="Reading month", kind="topic", period=PERIOD)
        clock.advance(timedelta(days=1))
        ops.campaigns.amend(PLANNER, campaign_id, name="Reading month 2026")
        position = ops.app.recorder.max_notification_id()
        clock.advance(timedelta(days=1))
        ops.campaigns.cancel(PLANNER_ADMIN, campaign_id, reason="no venue")

        audit = ops.audit
        assert audit.as_of(campaign_id, at=start, of=Campaign).name == "Reading month"
        assert (
            audit.as_of(campaign_id, at=start + timedelta(hours=36), of=Campaign).name
            == "Reading month 2026"
        )
        assert audit.as_of(campaign_id, version=1, of=Campaign).name == "Reading month"
        assert (
            audit.as_of(str(campaign_id), position=position, of=Campaign).status
            is CampaignStatus.PLANNED
        )
        assert (
            audit.as_of(campaign_id, at=clock.now(), of=Campaign).status is CampaignStatus.CANCELLED
        )
        assert ops.campaigns.get(campaign_id).status is CampaignStatus.CANCELLED  # unchanged

    def test_events_are_stamped_by_libops_clock(self, ops: LibOps, clock: ManualClock) -> None:
        """The recorded time is the clock's, not the machine's (the demo's dates work)."""
        clock.set(datetime(2026, 4, 23, 10, tzinfo=UTC))
        campaign_id = ops.campaigns.plan(PLANNER, name="Book day", kind="topic", period=PERIOD)
        (entry,) = ops.audit.history(campaign_id)
        assert entry.recorded_at == datetime(2026, 4, 23, 10, tzinfo=UTC)
        assert ops.campaigns.get(campaign_id).created_on == entry.recorded_at

    def test_bad_questions_are_refused(self, ops: LibOps, clock: ManualClock) -> None:
        """Exactly one of at/version/position; real values; ids that exist; times it existed."""
        campaign_id = ops.campaigns.plan(PLANNER, name="x", kind="topic", period=PERIOD)
        audit = ops.audit
        with pytest.raises(InvalidValueError, match="exactly one of at=, version= and position="):
            audit.as_of(campaign_id)
        with pytest.raises(InvalidValueError, match="not at and version"):
            audit.as_of(campaign_id, at=clock.now(), version=1)
        with pytest.raises(InvalidValueError, match="version 2 is not one of"):
            audit.as_of(campaign_id, version=2)
        with pytest.raises(InvalidValueError, match="whole number"):
            audit.as_of(campaign_id, version=True)
        with pytest.raises(InvalidValueError, match="timezone-aware"):
            audit.as_of(campaign_id, at=datetime(2026, 4, 1))
        with pytest.raises(InvalidValueError, match="log position"):
            audit.as_of(campaign_id, position=-1)
        with pytest.raises(NoStateThenError, match="log position 0"):
            audit.as_of(campaign_id, position=0)
        with pytest.raises(UnknownIdError, match="no aggregate"):
            audit.as_of(UUID(int=7), version=1)
        with pytest.raises(UnknownIdError):
            audit.history("not-an-id")
        with pytest.raises(UnknownIdError, match="no budget"):
            audit.as_of(campaign_id, version=1, of=Budget)


class TestHistory:
    def test_who_when_which_event_and_what_changed(self, ops: LibOps, clock: ManualClock) -> None:
        """Each version names its event, its time, its actor and the parts it changed."""
        budget_id = ops.budgets.open(OWNER, name="FY 2026", period=PERIOD)
        clock.advance(timedelta(hours=2))
        ops.budgets.allocate(OWNER, budget_id, "promotion", Money("500.00"))
        opened, allocated = ops.audit.history(budget_id)
        assert (opened.version, opened.event, opened.actor_id) == (1, "Budget.Opened", OWNER.id)
        assert allocated.recorded_at - opened.recorded_at == timedelta(hours=2)
        assert allocated.topic == "libops:Budget.Allocated"
        assert allocated.fields["amount"] == Money("500.00")
        changed = {change.field: change for change in allocated.changes}
        assert set(changed) == {"lines[promotion, None]", "totals"}
        line = changed["lines[promotion, None]"]
        assert line.before is None
        assert line.after.allocated == Decimal("500.00")
        assert changed["totals"].after.allocated == Decimal("500.00")


class TestViewAsOf:
    def test_a_view_as_it_was_at_a_position(self, ops: LibOps) -> None:
        """Built into throwaway views: equal to the store's own view when it stood there."""
        budget_id = ops.budgets.open(OWNER, name="FY 2026", period=PERIOD)
        ops.budgets.allocate(OWNER, budget_id, "promotion", Money("500.00"))
        engine = ops.projections
        engine.run()
        then = engine.view("budget")
        position = ops.app.recorder.max_notification_id() or 0
        ops.budgets.allocate(OWNER, budget_id, "promotion", Money("100.00"))
        engine.run()
        now = engine.view("budget")
        assert now != then

        (budget,) = [p for p in standard_projections() if type(p).name == "budget"]
        assert ops.audit.view_as_of(budget, position) == then
        assert ops.audit.view_as_of(budget, ops.app.recorder.max_notification_id() or 0) == now
        assert ops.audit.view_as_of(budget, 0) == {}
        assert engine.view("budget") == now  # the store's own view is untouched
        with pytest.raises(InvalidValueError, match="log position"):
            ops.audit.view_as_of(budget, -3)

    def test_a_past_log_does_not_grow(self, memory_ops: LibOps) -> None:
        """The log as of a position reads nothing after it, and cannot be followed."""
        ops = memory_ops
        ops.campaigns.plan(PLANNER, name="a", kind="topic", period=PERIOD)
        ops.campaigns.plan(PLANNER, name="b", kind="topic", period=PERIOD)
        log = LogUpTo(ops.event_log(), 1)
        assert log.max_notification_id() == 1
        assert [n.id for n in log.select_notifications(0, 10)] == [1]
        assert log.select_notifications(1, 10) == []
        with pytest.raises(InvalidValueError, match="does not grow"):
            log.watch()

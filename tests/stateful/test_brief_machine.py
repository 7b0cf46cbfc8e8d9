"""A plain model of content briefs beside the real libops, on memory, SQLite and PostgreSQL.

Hypothesis gives random sequences of brief commands (allowed and refused, by actors with and
without the roles, with good and bad values) to both. After every step the invariants check
that the stored briefs equal the model and that refused commands recorded nothing. The clock
stands still on 1 March 2026 (Shanghai), so "today" is known to the model.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from libops import Actor, LibOps, Platform, PostVariant, Role
from libops.adapters.clock import ManualClock
from libops.domain.brief import BriefStatus
from libops.domain.errors import (
    BriefDueDateError,
    BriefEndedError,
    BriefRequirementsError,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    UnknownIdError,
)
from tests.actors import ADMIN, AUDITOR, OWNER, PLANNER, PLANNER_ADMIN, REVIEWER, TECH
from tests.helpers import count_events, give
from tests.stateful.harness import MachineStore, run_machine

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai

MAKERS = frozenset({Role.CONTENT_PLANNER, Role.OPERATIONS_ADMIN})
"""Who may give every brief command, as the model understands it."""
ACTORS = [PLANNER, ADMIN, PLANNER_ADMIN, REVIEWER, TECH, OWNER, AUDITOR]
OPEN = {BriefStatus.PLANNED, BriefStatus.IN_PRODUCTION}
ENDED = {BriefStatus.DRAFTED, BriefStatus.DROPPED}

TITLES = ["Poetry picks", "  读书月书单  ", "", "  "]
DAYS = [TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=3), TODAY + timedelta(days=10)]
ASSIGNEES = ["planner-1", " lead-1 ", "", "   "]
REASONS = ["no presenter", "", "  "]


def _may(actor: Actor) -> bool:
    return bool(actor.roles & MAKERS)


def _mostly(good: list[Any], bad: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(good * 3 + bad)


actors = _mostly([a for a in ACTORS if _may(a)], ACTORS)
titles = _mostly([t for t in TITLES if t.strip()], [t for t in TITLES if not t.strip()])
assignees = _mostly([a for a in ASSIGNEES if a.strip()], [a for a in ASSIGNEES if not a.strip()])
reasons = _mostly([r for r in REASONS if r.strip()], [r for r in REASONS if not r.strip()])
days = _mostly(DAYS[1:], DAYS[:1])
platform_lists = st.lists(st.sampled_from([Platform.WEIBO, Platform.WECHAT]), max_size=2)


@attrs.define
class ModelBrief:
    """What the model expects a brief to be."""

    title: str
    platforms: tuple[Platform, ...]
    status: BriefStatus = BriefStatus.IDEA
    due_on: date | None = None
    assignee: str | None = None
    post_id: UUID | None = None
    drop_reason: str | None = None
    events: int = 1


class BriefMachine(RuleBasedStateMachine):
    """Brief commands on libops and on the model, step by step."""

    ops: ClassVar[LibOps]
    post_id: ClassVar[UUID]

    briefs = Bundle("briefs")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[UUID, ModelBrief] = {}
        self.baseline = count_events(self.ops)

    def _give(self, expected: type[Exception] | None, command: Callable[[], object]) -> object:
        return give(self.ops, expected, command)

    def _open_error(self, actor: Actor, brief: ModelBrief, *allowed: BriefStatus) -> Any:
        if not _may(actor):
            return PermissionDeniedError
        if brief.status in ENDED:
            return BriefEndedError
        if brief.status not in allowed:
            return InvalidTransitionError
        return None

    @rule(target=briefs, actor=actors, title=titles, platforms=platform_lists)
    def propose(self, actor: Actor, title: str, platforms: list[Platform]) -> Any:
        expected: Any = None
        if not _may(actor):
            expected = PermissionDeniedError
        elif not title.strip():
            expected = InvalidValueError
        brief_id = self._give(
            expected,
            lambda: self.ops.briefs.propose(
                actor,
                title=title,
                need="Readers asked",
                content_type="knowledge",
                format="image_text",
                platforms=platforms,
            ),
        )
        if expected is not None:
            return multiple()
        assert isinstance(brief_id, UUID)
        self.model[brief_id] = ModelBrief(title.strip(), tuple(dict.fromkeys(platforms)))
        return brief_id

    @rule(brief_id=briefs, actor=actors, due_on=days, assignee=assignees)
    def plan(self, brief_id: UUID, actor: Actor, due_on: date, assignee: str) -> None:
        brief = self.model[brief_id]
        expected = self._open_error(actor, brief, BriefStatus.IDEA)
        if expected is None:
            if due_on < TODAY:
                expected = BriefDueDateError
            elif not assignee.strip():
                expected = InvalidValueError
            elif not brief.platforms:
                expected = BriefRequirementsError
        self._give(
            expected,
            lambda: self.ops.briefs.plan(actor, brief_id, due_on=due_on, assignee=assignee),
        )
        if expected is None:
            brief.status, brief.due_on, brief.assignee = (
                BriefStatus.PLANNED,
                due_on,
                assignee.strip(),
            )
            brief.events += 1

    @rule(
        brief_id=briefs,
        actor=actors,
        due_on=st.none() | days,
        assignee=st.none() | assignees,
    )
    def replan(
        self, brief_id: UUID, actor: Actor, due_on: date | None, assignee: str | None
    ) -> None:
        brief = self.model[brief_id]
        expected = self._open_error(actor, brief, *OPEN)
        new_due = brief.due_on if due_on is None else due_on
        new_assignee = brief.assignee if assignee is None else assignee.strip()
        if expected is None:
            if assignee is not None and not assignee.strip():
                expected = InvalidValueError
            elif due_on is not None and due_on < TODAY:
                expected = BriefDueDateError
            elif (new_due, new_assignee) == (brief.due_on, brief.assignee):
                expected = InvalidValueError
        self._give(
            expected,
            lambda: self.ops.briefs.replan(actor, brief_id, due_on=due_on, assignee=assignee),
        )
        if expected is None:
            brief.due_on, brief.assignee = new_due, new_assignee
            brief.events += 1

    @rule(brief_id=briefs, actor=actors)
    def start(self, brief_id: UUID, actor: Actor) -> None:
        brief = self.model[brief_id]
        expected = self._open_error(actor, brief, BriefStatus.PLANNED)
        self._give(expected, lambda: self.ops.briefs.start(actor, brief_id))
        if expected is None:
            brief.status = BriefStatus.IN_PRODUCTION
            brief.events += 1

    @rule(brief_id=briefs, actor=actors)
    def mark_drafted(self, brief_id: UUID, actor: Actor) -> None:
        brief = self.model[brief_id]
        expected = self._open_error(actor, brief, *OPEN)
        self._give(expected, lambda: self.ops.briefs.mark_drafted(actor, brief_id, self.post_id))
        if expected is None:
            brief.status, brief.post_id = BriefStatus.DRAFTED, self.post_id
            brief.events += 1

    @rule(brief_id=briefs, actor=actors, reason=reasons)
    def drop(self, brief_id: UUID, actor: Actor, reason: str) -> None:
        brief = self.model[brief_id]
        expected = self._open_error(actor, brief, BriefStatus.IDEA, *OPEN)
        if expected is None and not reason.strip():
            expected = InvalidValueError
        self._give(expected, lambda: self.ops.briefs.drop(actor, brief_id, reason))
        if expected is None:
            brief.status, brief.drop_reason = BriefStatus.DROPPED, reason.strip()
            brief.events += 1

    @rule(actor=st.sampled_from(ACTORS), brief_id=st.uuids())
    def start_unknown(self, actor: Actor, brief_id: UUID) -> None:
        expected = UnknownIdError if _may(actor) else PermissionDeniedError
        self._give(expected, lambda: self.ops.briefs.start(actor, brief_id))

    @invariant()
    def events_counted(self) -> None:
        recorded = count_events(self.ops) - self.baseline
        assert recorded == sum(brief.events for brief in self.model.values())

    @invariant()
    def stored_briefs_equal_the_model(self) -> None:
        for brief_id, expected in self.model.items():
            stored = self.ops.briefs.get(brief_id)
            actual = ModelBrief(
                title=stored.title,
                platforms=stored.platforms,
                status=stored.status,
                due_on=stored.due_on,
                assignee=stored.assignee,
                post_id=stored.post_id,
                drop_reason=stored.drop_reason,
                events=stored.version,
            )
            assert actual == expected


def test_brief_state_machine(machine_store: MachineStore) -> None:
    """Random command sequences keep the stored briefs equal to the plain model."""
    with machine_store.opened(clock=ManualClock(NOW)) as ops:
        post_id = ops.posts.draft(
            PLANNER,
            title="Poetry picks",
            body="Five books of poems.",
            content_type="knowledge",
            format="image_text",
            variants=[PostVariant("weibo", "Five books of poems")],
        )
        run_machine(BriefMachine, machine_store, ops=ops, post_id=post_id)

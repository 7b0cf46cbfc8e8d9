"""A plain model of the team roster beside the real libops, on memory, SQLite and PostgreSQL
(issue 17, item 7).

Hypothesis gives random sequences of the User's team commands (add, duties, join, leave,
training, disable, enable; allowed and refused, by actors with and without the roles, with
good and bad values) to both. After every step the invariants check that the stored users
equal the model and that refused commands recorded nothing. The clock stands still on
1 March 2026 (Shanghai), so "today" is known to the model.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from libops import Actor, LibOps, Role
from libops.adapters.clock import ManualClock
from libops.domain.errors import (
    ControlCharacterError,
    DuplicateTrainingError,
    InvalidTransitionError,
    InvalidValueError,
    MemberLeftError,
    PermissionDeniedError,
    TeamDayError,
    TrainingHoursError,
    UnknownIdError,
    UserExistsError,
)
from tests.actors import ADMIN, PLANNER, REVIEWER
from tests.helpers import count_events, give
from tests.stateful.harness import MachineStore, run_machine

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai

LOGINS = [0, 1]
"""The two members of each run (their logins are new in each run: the store is shared)."""
SELF = Actor("self", [Role.CONTENT_PLANNER])
"""Stands for member 0 acting for themself (not an admin)."""
ACTORS = [ADMIN, ADMIN, ADMIN, SELF, PLANNER, REVIEWER]
DAYS = [
    TODAY - timedelta(days=400),
    TODAY - timedelta(days=30),
    TODAY - timedelta(days=2),
    TODAY,
    TODAY + timedelta(days=1),
]
DUTY_LISTS = [[], ["WeChat editor"], ["摄影", " WeChat editor "], ["two\nlines"]]
COURSES = ["New media writing", "Photography", " "]
HOURS = ["6", "2.5", "0", "-1", "600", "1.234"]
REASONS = ["moved", ""]


def _bad_hours(text: str) -> bool:
    value = Decimal(text)
    return not Decimal(0) < value <= 500 or value != value.quantize(Decimal("0.01"))


@attrs.define
class Member:
    """What the model expects a user to be."""

    duties: tuple[str, ...] = ()
    joined: date | None = None
    left: date | None = None
    disabled: bool = False
    trainings: list[tuple[str, date, Decimal]] = attrs.field(factory=list)
    events: int = 1


class TeamMachine(RuleBasedStateMachine):
    """Team commands on libops and on the model, step by step."""

    ops: ClassVar[LibOps]

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, Member] = {}
        self.baseline = count_events(self.ops)
        run = uuid.uuid4().hex[:8]
        self.logins = [f"li.na.{run}", f"zhao.lei.{run}"]

    def _give(self, expected: type[Exception] | None, command: Callable[[], object]) -> object:
        return give(self.ops, expected, command)

    def _known(self, login: str) -> Member | None:
        return self.model.get(login)

    def _who(self, n: int, actor: Actor) -> tuple[str, Actor]:
        """Member ``n``'s login, and the actor (member 0 for :data:`SELF`)."""
        if actor is SELF:
            actor = Actor(self.logins[0], [Role.CONTENT_PLANNER])
        return self.logins[n], actor

    @rule(n=st.sampled_from(LOGINS), actor=st.sampled_from(ACTORS))
    def add(self, n: int, actor: Actor) -> None:
        login, actor = self._who(n, actor)
        expected: Any = None
        if actor is not ADMIN:  # the role table is checked first, by the command bus
            expected = PermissionDeniedError
        elif login in self.model:
            expected = UserExistsError
        self._give(
            expected,
            lambda: self.ops.users.add(actor, login=login, name=login, roles=["content_planner"]),
        )
        if expected is None:
            self.model[login] = Member()

    @rule(
        n=st.sampled_from(LOGINS),
        actor=st.sampled_from(ACTORS),
        duties=st.sampled_from(DUTY_LISTS),
    )
    def set_duties(self, n: int, actor: Actor, duties: list[str]) -> None:
        login, actor = self._who(n, actor)
        member = self._known(login)
        expected: Any = None
        if actor is not ADMIN:  # the role table is checked first, by the command bus
            expected = PermissionDeniedError
        elif member is None:
            expected = UnknownIdError
        elif member.left is not None:
            expected = MemberLeftError
        elif any("\n" in d for d in duties):
            expected = ControlCharacterError
        self._give(expected, lambda: self.ops.users.set_duties(actor, login=login, duties=duties))
        if expected is None and member is not None:
            member.duties = tuple(dict.fromkeys(d.strip() for d in duties))
            member.events += 1

    @rule(n=st.sampled_from(LOGINS), actor=st.sampled_from(ACTORS), day=st.sampled_from(DAYS))
    def join(self, n: int, actor: Actor, day: date) -> None:
        login, actor = self._who(n, actor)
        member = self._known(login)
        expected: Any = None
        if actor is not ADMIN:  # the role table is checked first, by the command bus
            expected = PermissionDeniedError
        elif member is None:
            expected = UnknownIdError
        elif day > TODAY or (member.left is not None and day < member.left):
            expected = TeamDayError
        self._give(expected, lambda: self.ops.users.join(actor, login=login, on=day))
        if expected is None and member is not None:
            if member.left is not None:
                member.left, member.disabled = None, False
            member.joined = day
            member.events += 1

    @rule(
        n=st.sampled_from(LOGINS),
        actor=st.sampled_from(ACTORS),
        day=st.sampled_from(DAYS),
        reason=st.sampled_from(REASONS),
    )
    def leave(self, n: int, actor: Actor, day: date, reason: str) -> None:
        login, actor = self._who(n, actor)
        member = self._known(login)
        expected: Any = None
        if actor is not ADMIN:  # the role table is checked first, by the command bus
            expected = PermissionDeniedError
        elif member is None:
            expected = UnknownIdError
        elif member.left is not None:
            expected = MemberLeftError
        elif day > TODAY or (member.joined is not None and day < member.joined):
            expected = TeamDayError
        self._give(
            expected, lambda: self.ops.users.leave(actor, login=login, on=day, reason=reason)
        )
        if expected is None and member is not None:
            member.left, member.disabled = day, True
            member.events += 1

    @rule(
        n=st.sampled_from(LOGINS),
        actor=st.sampled_from(ACTORS),
        course=st.sampled_from(COURSES),
        day=st.sampled_from(DAYS),
        hours=st.sampled_from(HOURS),
    )
    def record_training(self, n: int, actor: Actor, course: str, day: date, hours: str) -> None:
        login, actor = self._who(n, actor)
        member = self._known(login)
        expected: Any = None
        if member is None:
            expected = UnknownIdError
        elif actor is not ADMIN and actor.id != login:  # member 0 for themself
            expected = PermissionDeniedError
        elif member.left is not None:
            expected = MemberLeftError
        elif not course.strip():
            expected = InvalidValueError
        elif day > TODAY:
            expected = TeamDayError
        elif _bad_hours(hours):
            expected = TrainingHoursError
        elif any(c == course and d == day for c, d, _ in member.trainings):
            expected = DuplicateTrainingError
        found = self._give(
            expected,
            lambda: self.ops.users.record_training(
                actor, login=login, course=course, on=day, hours=hours
            ),
        )
        if expected is None and member is not None:
            member.trainings.append((course, day, Decimal(hours)))
            assert found == f"t{len(member.trainings)}"
            member.events += 1

    @rule(n=st.sampled_from(LOGINS))
    def disable(self, n: int) -> None:
        login = self.logins[n]
        member = self._known(login)
        expected: Any = None
        if member is None:
            expected = UnknownIdError
        elif member.disabled:
            expected = InvalidTransitionError
        self._give(expected, lambda: self.ops.users.disable(ADMIN, login=login))
        if expected is None and member is not None:
            member.disabled = True
            member.events += 1

    @rule(n=st.sampled_from(LOGINS))
    def enable(self, n: int) -> None:
        login = self.logins[n]
        member = self._known(login)
        expected: Any = None
        if member is None:
            expected = UnknownIdError
        elif member.left is not None:
            expected = MemberLeftError
        elif not member.disabled:
            expected = InvalidTransitionError
        self._give(expected, lambda: self.ops.users.enable(ADMIN, login=login))
        if expected is None and member is not None:
            member.disabled = False
            member.events += 1

    @invariant()
    def events_counted(self) -> None:
        recorded = count_events(self.ops) - self.baseline
        assert recorded == sum(member.events for member in self.model.values())

    @invariant()
    def stored_users_equal_the_model(self) -> None:
        for login, expected in self.model.items():
            stored = self.ops.users.get(login)
            actual = Member(
                duties=stored.duties,
                joined=stored.joined_on,
                left=stored.left_on,
                disabled=stored.disabled,
                trainings=[(t.course, t.day, t.hours) for t in stored.trainings.values()],
                events=stored.version,
            )
            assert actual == expected


def test_team_state_machine(machine_store: MachineStore) -> None:
    """Random command sequences keep the stored users equal to the plain model."""
    with machine_store.opened(clock=ManualClock(NOW)) as ops:
        run_machine(TeamMachine, machine_store, ops=ops)

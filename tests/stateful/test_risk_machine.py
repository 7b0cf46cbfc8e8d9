"""A plain model of risks beside the real libops, on memory, SQLite and PostgreSQL.

Hypothesis gives random sequences of risk commands (allowed and refused, by actors with and
without the roles, with good and bad ratings, dates and texts) to both, while the clock moves
on. After every step the invariants check that each stored risk's score, level, escalation
state, open incidents, overdue actions and event count equal the model's, and that refused
commands recorded nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
)

from libops import (
    Actor,
    IncidentSeverity,
    LibOps,
    RiskCategory,
    RiskLevel,
    RiskStatus,
    Role,
)
from libops.adapters.clock import ManualClock
from libops.domain.errors import (
    IncidentResolvedError,
    IncidentTimeError,
    InvalidValueError,
    MitigationCompletedError,
    OpenIncidentsError,
    PermissionDeniedError,
    ReviewScheduleError,
    RiskClosedError,
    RiskRatingError,
    UnknownIdError,
    UnknownIncidentError,
    UnknownMitigationActionError,
)
from tests.actors import ADMIN, AUDITOR, OWNER, PLANNER, PLANNER_ADMIN, REVIEWER, TECH
from tests.helpers import count_events, give
from tests.stateful.harness import MachineStore, run_machine

# --- the model -------------------------------------------------------------------------

HANDLERS = frozenset({Role.OPERATIONS_ADMIN, Role.TECHNICAL_SUPPORT})
CONTENT_SPOTTERS = HANDLERS | {Role.REVIEWER}
"""Who may identify content risks, as the model understands it (independent of PERMISSIONS)."""

ACTORS = [
    ADMIN,
    TECH,
    PLANNER_ADMIN,
    REVIEWER,
    PLANNER,
    OWNER,
    AUDITOR,
]
LIBRARY_ZONE = ZoneInfo("Asia/Shanghai")  # the default cadence policy's timezone
GOOD_RATINGS = [1, 2, 3, 4, 5]
BAD_RATINGS: list[Any] = [0, 6, 2.5, "3", None, True]
OWNERS: dict[Any, str | None] = {
    "tech-1": "tech-1",
    " admin-1 ": "admin-1",
    ACTORS[0]: "admin-1",
    "owner-9": "owner-9",
    42: None,
    "": None,
}
"""Owners as given, and the actor id stored (None: refused)."""
TEXTS = ["Weibo outage", "  copyright of a cover  ", "读者隐私"]
BLANKS = ["", "   "]


def _level(score: int) -> RiskLevel:
    """The level band, written out independently of the domain's table."""
    if score <= 4:
        return RiskLevel.LOW
    if score <= 9:
        return RiskLevel.MEDIUM
    if score <= 16:
        return RiskLevel.HIGH
    return RiskLevel.CRITICAL


def _mostly(good: list[Any], bad: list[Any], weight: int = 3) -> st.SearchStrategy[Any]:
    """Good values ``weight`` times as often as bad ones, so that runs get somewhere."""
    return st.sampled_from(good * weight + bad)


def _handler_or_anyone() -> st.SearchStrategy[Actor]:
    return _mostly([a for a in ACTORS if a.roles & HANDLERS], ACTORS)


# Identification and reassessment check several values at once: bad ones are rarer there, so
# that most risks get identified and most reassessments go through.
ratings = _mostly(GOOD_RATINGS, BAD_RATINGS, weight=8)
texts = _mostly(TEXTS, BLANKS)
owners = _mostly([o for o, stored in OWNERS.items() if stored], [42, ""])


def _number(data: st.DataObject, known: list[int]) -> int:
    """Mostly the number of an existing action or incident, sometimes one that is not."""
    unknown = [0, len(known) + 1]
    return int(data.draw(_mostly(known, unknown) if known else st.sampled_from(unknown)))


def _bad_rating(value: object) -> bool:
    return value not in GOOD_RATINGS or isinstance(value, bool) or not isinstance(value, int)


@attrs.define
class ModelRisk:
    """What the model expects a risk to be."""

    category: RiskCategory
    likelihood: int
    impact: int
    owner_id: str
    threshold: int
    escalated: bool = False
    escalations: int = 0
    status: RiskStatus = RiskStatus.OPEN
    actions: dict[int, tuple[date, bool]] = attrs.field(factory=dict)  # due, completed
    incidents: dict[int, tuple[datetime, bool]] = attrs.field(factory=dict)  # start, open
    last_review: date | None = None
    next_review: date | None = None
    events: int = 1

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    def rated(self) -> None:
        """Apply the escalation rule after an identification or reassessment."""
        if self.score < self.threshold:
            self.escalated = False
        elif not self.escalated:
            self.escalated = True
            self.escalations += 1
            self.events += 1


# --- the machine -----------------------------------------------------------------------


class RiskMachine(RuleBasedStateMachine):
    """Risk commands on libops and on the model, step by step."""

    ops: ClassVar[LibOps]
    clock: ClassVar[ManualClock]
    threshold: ClassVar[int]

    risks = Bundle("risks")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[UUID, ModelRisk] = {}
        # Runs share one store: only the events recorded from here on count.
        self.baseline = count_events(self.ops)

    # --- helpers -----------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock.now()

    def _today(self) -> date:
        return self._now().astimezone(LIBRARY_ZONE).date()

    def _first_error(self, actor: Actor, risk: ModelRisk) -> type[Exception] | None:
        """The error every command on an existing risk checks first, if any."""
        if not actor.roles & HANDLERS:
            return PermissionDeniedError
        if risk.status is RiskStatus.CLOSED:
            return RiskClosedError
        return None

    # --- rules -------------------------------------------------------------------------

    @rule(
        target=risks,
        actor=_mostly([a for a in ACTORS if a.roles & CONTENT_SPOTTERS], ACTORS, weight=6),
        title=_mostly(TEXTS, BLANKS, weight=6),
        category=st.sampled_from(RiskCategory),
        likelihood=ratings,
        impact=ratings,
        owner=owners,
    )
    def identify(
        self,
        actor: Actor,
        title: str,
        category: RiskCategory,
        likelihood: Any,
        impact: Any,
        owner: Any,
    ) -> Any:
        allowed = CONTENT_SPOTTERS if category is RiskCategory.CONTENT else HANDLERS
        expected: type[Exception] | None = None
        if not actor.roles & allowed:
            expected = PermissionDeniedError
        elif not title.strip():
            expected = InvalidValueError
        elif _bad_rating(likelihood) or _bad_rating(impact):
            expected = RiskRatingError
        elif OWNERS[owner] is None:
            expected = InvalidValueError
        risk_id = give(
            self.ops,
            expected,
            lambda: self.ops.risks.identify(
                actor,
                title=title,
                category=category,
                likelihood=likelihood,
                impact=impact,
                owner=owner,
            ),
        )
        if expected is not None:
            return multiple()
        assert isinstance(risk_id, UUID)
        stored_owner = OWNERS[owner]
        assert stored_owner is not None
        risk = ModelRisk(category, likelihood, impact, stored_owner, self.threshold)
        risk.rated()
        self.model[risk_id] = risk
        return risk_id

    @rule(
        risk_id=risks,
        actor=_handler_or_anyone(),
        likelihood=ratings,
        impact=ratings,
        reason=texts,
    )
    def reassess(
        self, risk_id: UUID, actor: Actor, likelihood: Any, impact: Any, reason: str
    ) -> None:
        risk = self.model[risk_id]
        expected = self._first_error(actor, risk)
        if expected is None:
            if _bad_rating(likelihood) or _bad_rating(impact):
                expected = RiskRatingError
            elif not reason.strip():
                expected = InvalidValueError
        give(
            self.ops,
            expected,
            lambda: self.ops.risks.reassess(
                actor, risk_id, likelihood=likelihood, impact=impact, reason=reason
            ),
        )
        if expected is None:
            risk.likelihood, risk.impact = likelihood, impact
            risk.events += 1
            risk.rated()

    @rule(risk_id=risks, actor=_handler_or_anyone(), owner=owners)
    def assign_owner(self, risk_id: UUID, actor: Actor, owner: Any) -> None:
        risk = self.model[risk_id]
        expected = self._first_error(actor, risk)
        if expected is None and OWNERS[owner] is None:
            expected = InvalidValueError
        give(self.ops, expected, lambda: self.ops.risks.assign_owner(actor, risk_id, owner))
        stored = OWNERS[owner]
        if expected is None and stored is not None and stored != risk.owner_id:
            risk.owner_id = stored
            risk.events += 1

    @rule(
        risk_id=risks,
        actor=_handler_or_anyone(),
        description=texts,
        due_in_days=st.integers(min_value=-3, max_value=10),
    )
    def add_mitigation(
        self, risk_id: UUID, actor: Actor, description: str, due_in_days: int
    ) -> None:
        risk = self.model[risk_id]
        expected = self._first_error(actor, risk)
        if expected is None and not description.strip():
            expected = InvalidValueError
        due_on = self._today() + timedelta(days=due_in_days)
        number = give(
            self.ops,
            expected,
            lambda: self.ops.risks.add_mitigation(
                actor, risk_id, description=description, due_on=due_on
            ),
        )
        if expected is None:
            assert number == len(risk.actions) + 1
            risk.actions[len(risk.actions) + 1] = (due_on, False)
            risk.events += 1

    @rule(risk_id=risks, actor=_handler_or_anyone(), data=st.data())
    def complete_mitigation(self, risk_id: UUID, actor: Actor, data: st.DataObject) -> None:
        risk = self.model[risk_id]
        number = _number(data, list(risk.actions))
        expected = self._first_error(actor, risk)
        if expected is None:
            if number not in risk.actions:
                expected = UnknownMitigationActionError
            elif risk.actions[number][1]:
                expected = MitigationCompletedError
        give(self.ops, expected, lambda: self.ops.risks.complete_mitigation(actor, risk_id, number))
        if expected is None:
            risk.actions[number] = (risk.actions[number][0], True)
            risk.events += 1

    @rule(risk_id=risks, actor=_handler_or_anyone(), plan=texts, owner=owners)
    def set_contingency_plan(self, risk_id: UUID, actor: Actor, plan: str, owner: Any) -> None:
        risk = self.model[risk_id]
        expected = self._first_error(actor, risk)
        if expected is None and (not plan.strip() or OWNERS[owner] is None):
            expected = InvalidValueError
        give(
            self.ops,
            expected,
            lambda: self.ops.risks.set_contingency_plan(actor, risk_id, plan=plan, owner=owner),
        )
        if expected is None:
            risk.events += 1

    @rule(
        risk_id=risks,
        actor=_handler_or_anyone(),
        notes=texts,
        held_days_ago=st.sampled_from([None, 0, 1, 3, -1]),
        next_in_days=_mostly([7, 30, 90], [0, -2]),
    )
    def record_review(
        self,
        risk_id: UUID,
        actor: Actor,
        notes: str,
        held_days_ago: int | None,
        next_in_days: int,
    ) -> None:
        risk = self.model[risk_id]
        today = self._today()
        held = today if held_days_ago is None else today - timedelta(days=held_days_ago)
        next_review = held + timedelta(days=next_in_days)
        expected = self._first_error(actor, risk)
        if expected is None:
            if not notes.strip():
                expected = InvalidValueError
            elif (
                next_review <= held
                or held > today
                or (risk.last_review is not None and held < risk.last_review)
            ):
                expected = ReviewScheduleError
        give(
            self.ops,
            expected,
            lambda: self.ops.risks.record_review(
                actor,
                risk_id,
                notes=notes,
                next_review_on=next_review,
                reviewed_on=None if held_days_ago is None else held,
            ),
        )
        if expected is None:
            risk.last_review, risk.next_review = held, next_review
            risk.events += 1

    @rule(
        risk_id=risks,
        actor=_handler_or_anyone(),
        severity=_mostly([s.value for s in IncidentSeverity], ["catastrophic"]),
        affected=texts,
        started_minutes_ago=_mostly([None, 0, 30, 600], [-5]),
    )
    def report_incident(
        self,
        risk_id: UUID,
        actor: Actor,
        severity: str,
        affected: str,
        started_minutes_ago: int | None,
    ) -> None:
        risk = self.model[risk_id]
        now = self._now()
        started = (
            None if started_minutes_ago is None else now - timedelta(minutes=started_minutes_ago)
        )
        expected = self._first_error(actor, risk)
        if expected is None:
            if severity == "catastrophic" or not affected.strip():
                expected = InvalidValueError
            elif started is not None and started > now:
                expected = IncidentTimeError
        number = give(
            self.ops,
            expected,
            lambda: self.ops.risks.report_incident(
                actor, risk_id, severity=severity, affected=affected, started_at=started
            ),
        )
        if expected is None:
            assert number == len(risk.incidents) + 1
            risk.incidents[len(risk.incidents) + 1] = (started or now, True)
            risk.events += 1

    @rule(
        risk_id=risks,
        actor=_handler_or_anyone(),
        data=st.data(),
        resolution=texts,
        resolved_minutes_ago=_mostly([None, 0, 10], [-10, 100_000]),
    )
    def resolve_incident(
        self,
        risk_id: UUID,
        actor: Actor,
        data: st.DataObject,
        resolution: str,
        resolved_minutes_ago: int | None,
    ) -> None:
        risk = self.model[risk_id]
        number = _number(data, list(risk.incidents))
        now = self._now()
        at = None if resolved_minutes_ago is None else now - timedelta(minutes=resolved_minutes_ago)
        expected = self._first_error(actor, risk)
        if expected is None:
            if number not in risk.incidents:
                expected = UnknownIncidentError
            elif not risk.incidents[number][1]:
                expected = IncidentResolvedError
            elif not resolution.strip():
                expected = InvalidValueError
            elif at is not None and (at > now or at < risk.incidents[number][0]):
                expected = IncidentTimeError
        give(
            self.ops,
            expected,
            lambda: self.ops.risks.resolve_incident(
                actor, risk_id, number, resolution=resolution, resolved_at=at
            ),
        )
        if expected is None:
            risk.incidents[number] = (risk.incidents[number][0], False)
            risk.events += 1

    @rule(risk_id=risks, actor=_handler_or_anyone(), reason=texts)
    def close(self, risk_id: UUID, actor: Actor, reason: str) -> None:
        risk = self.model[risk_id]
        expected = self._first_error(actor, risk)
        if expected is None:
            if not reason.strip():
                expected = InvalidValueError
            elif any(is_open for _start, is_open in risk.incidents.values()):
                expected = OpenIncidentsError
        give(self.ops, expected, lambda: self.ops.risks.close(actor, risk_id, reason))
        if expected is None:
            risk.status = RiskStatus.CLOSED
            risk.events += 1

    @precondition(lambda self: bool(self.model))
    @rule(hours=st.sampled_from([1, 7, 24, 72]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    @precondition(lambda self: bool(self.model))
    @rule(actor=st.sampled_from(ACTORS), risk_id=st.uuids())
    def reassess_unknown(self, actor: Actor, risk_id: UUID) -> None:
        # The role table is checked first; then an unknown id is refused: nothing to act on.
        give(
            self.ops,
            UnknownIdError if actor.roles & HANDLERS else PermissionDeniedError,
            lambda: self.ops.risks.reassess(actor, risk_id, likelihood=1, impact=1, reason="x"),
        )

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def events_counted(self) -> None:
        """The store holds exactly the events the model's successful commands recorded."""
        recorded = count_events(self.ops) - self.baseline
        assert recorded == sum(risk.events for risk in self.model.values())

    @invariant()
    def stored_risks_equal_the_model(self) -> None:
        """Each stored risk's rating, escalation, owner, status and event count are the model's."""
        for risk_id, expected in self.model.items():
            stored = self.ops.risks.get(risk_id)
            assert stored.version == expected.events
            assert (stored.likelihood, stored.impact) == (expected.likelihood, expected.impact)
            assert stored.score == expected.score
            assert stored.level is _level(expected.score)
            assert stored.escalated is expected.escalated
            assert stored.escalations == expected.escalations
            assert stored.escalation_threshold == expected.threshold
            assert stored.status is expected.status
            assert stored.owner_id == expected.owner_id
            assert stored.category is expected.category

    @invariant()
    def follow_up_matches_the_model(self) -> None:
        """Open incidents, overdue actions and review due-ness are the model's, today."""
        today = self._today()
        for risk_id, expected in self.model.items():
            follow_up = self.ops.risks.follow_up(risk_id)
            open_incidents = [n for n, (_s, is_open) in expected.incidents.items() if is_open]
            assert [i.number for i in follow_up.open_incidents] == open_incidents
            closed = expected.status is RiskStatus.CLOSED
            overdue = [
                n
                for n, (due, done) in expected.actions.items()
                if not done and due < today and not closed
            ]
            assert [a.number for a in follow_up.overdue_actions] == overdue
            due = not closed and (expected.next_review is None or expected.next_review <= today)
            assert follow_up.review_due is due


# --- running it on every store --------------------------------------------------------------------


def test_risk_state_machine(machine_store: MachineStore) -> None:
    """Random command sequences keep the stored risks equal to the plain model."""
    # One store for all the runs of this test.
    clock = ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=LIBRARY_ZONE))
    with machine_store.opened(clock=clock) as ops:
        run_machine(RiskMachine, machine_store, ops=ops, clock=clock, threshold=15)


def test_risk_state_machine_with_a_lower_threshold(tmp_path: Path) -> None:
    """The model and libops agree when the library escalates from a score of 8."""
    clock = ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=LIBRARY_ZONE))
    memory = MachineStore("memory", tmp_path)
    with memory.opened(clock=clock, risk_escalation_threshold=8) as ops:
        run_machine(RiskMachine, memory, ops=ops, clock=clock, threshold=8)

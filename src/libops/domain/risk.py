"""The Risk aggregate: a threat to the library's accounts, from first signal to closure.

A risk is identified with a category and a rating (likelihood and impact, each a whole number
from 1 to 5). Their product is the score, and the score falls in a level band:

========  ==========  ===============================================
level     score       meaning
========  ==========  ===============================================
low       1 to 4      watch it at the periodic review
medium    5 to 9      mitigation actions with owners and due dates
high      10 to 16    active mitigation, a contingency plan, short review cycle
critical  20 to 25    act now (17 to 19 cannot occur: no product of 1..5 gives them)
========  ==========  ===============================================

When an identification or a reassessment brings the score to or above the escalation
threshold (15 unless configured), an ``Escalated`` event is recorded, once; the risk escalates
again only after a reassessment brought it below the threshold and a later one raised it again.
Incidents (the risk happening) stay open until resolved, and a risk with an open incident
cannot be closed. A closed risk changes no more.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any, Final
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    IncidentResolvedError,
    IncidentTimeError,
    InvalidValueError,
    MitigationCompletedError,
    OpenIncidentsError,
    ReviewScheduleError,
    RiskClosedError,
    RiskRatingError,
    UnknownIncidentError,
    UnknownMitigationActionError,
)
from libops.domain.permissions import authorize
from libops.domain.validation import calendar_day, positive_validator, reason_text
from libops.domain.values import (
    Actor,
    optional_uuid,
    require_day,
    require_line,
    require_text,
    storable_text,
    to_enum,
    utc_moment,
)

# --- vocabulary ------------------------------------------------------------------------


class RiskCategory(enum.Enum):
    """What kind of threat a risk is."""

    CONTENT = "content"  # misinformation, copyright infringement, privacy leaks
    TECHNICAL = "technical"  # platform outages, data loss, security, obsolete systems
    MARKET = "market"  # homogeneous content, losing readers
    REGULATORY = "regulatory"  # changing rules of platforms and authorities


class RiskLevel(enum.Enum):
    """How serious a risk is, from its score (likelihood x impact)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class RiskStatus(enum.Enum):
    """Whether a risk is still being managed."""

    OPEN = "open"
    CLOSED = "closed"


class IncidentSeverity(enum.Enum):
    """How bad an incident (the risk actually happening) is."""

    MINOR = "minor"
    MODERATE = "moderate"
    MAJOR = "major"
    CRITICAL = "critical"


MIN_RATING: Final = 1
MAX_RATING: Final = 5
DEFAULT_ESCALATION_THRESHOLD: Final = 15
"""Scores at or above this escalate unless the library configures another threshold."""

LEVEL_BANDS: Final[tuple[tuple[RiskLevel, int, int], ...]] = (
    (RiskLevel.LOW, 1, 4),
    (RiskLevel.MEDIUM, 5, 9),
    (RiskLevel.HIGH, 10, 16),
    (RiskLevel.CRITICAL, 20, 25),
)
"""Each level with the lowest and highest score in its band (no product of 1..5 is 17 to 19)."""

MANUAL: Final = "manual"
"""The source of a risk a person identified or reassessed by hand."""

SIGNAL_PREFIX: Final = "signal:"
STANDARD_SIGNALS: Final = (
    "negative_comment_spike",
    "publish_failures",
    "metric_anomaly",
    "personal_data_in_draft",
    "overspend",
    "homogeneous_content",
    "brief_overdue",  # issue 17: a content brief past its due day
)
"""The signals the standard projections will raise (custom projections may name others)."""

_SIGNAL_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def level_for(score: int) -> RiskLevel:
    """The level band ``score`` (1 to 25) falls in."""
    for level, _lowest, highest in LEVEL_BANDS:
        if score <= highest:
            return level
    raise RiskRatingError(f"a risk score is at most {MAX_RATING * MAX_RATING}, not {score}")


def to_rating(field_name: str, value: object) -> int:
    """Return ``value`` if it is a whole number from 1 to 5 (never a bool, float or text)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RiskRatingError(
            f"{field_name} must be a whole number from {MIN_RATING} to {MAX_RATING}, "
            f"not {value!r} ({type(value).__name__})"
        )
    if not MIN_RATING <= value <= MAX_RATING:
        raise RiskRatingError(
            f"{field_name} must be from {MIN_RATING} to {MAX_RATING}, not {value}"
        )
    return value


def to_threshold(value: object) -> int:
    """Return ``value`` if it is a usable escalation threshold: a whole score from 1 to 25."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 25:
        raise InvalidValueError(
            f"an escalation threshold is a whole score from 1 to 25, not {value!r}"
        )
    return value


def signal_source(name: str) -> str:
    """The source text of a risk opened or updated by the signal ``name``."""
    if not isinstance(name, str) or not _SIGNAL_NAME.match(name) or len(name) > 100:
        raise InvalidValueError(
            f"a signal name is lower-case words joined by '_' or '.', not {name!r}"
        )
    return SIGNAL_PREFIX + name


def to_source(value: object) -> str:
    """Return ``value`` if it is ``"manual"`` or ``"signal:<name>"``."""
    if value == MANUAL:
        return MANUAL
    if isinstance(value, str) and value.startswith(SIGNAL_PREFIX):
        return signal_source(value[len(SIGNAL_PREFIX) :])
    raise InvalidValueError(f"a risk's source is 'manual' or 'signal:<name>', not {value!r}")


def to_person_id(field_name: str, value: object) -> str:
    """The id of a person named as an owner: an :class:`Actor` or an actor id."""
    if isinstance(value, Actor):
        return value.id
    if not isinstance(value, str):
        raise InvalidValueError(
            f"{field_name} must be an Actor or an actor id, not {type(value).__name__}"
        )
    return require_line(field_name, value)


def _day(field_name: str, value: object) -> date:
    return require_day(field_name, calendar_day(value, f"{field_name} must be a date"))


_moment = utc_moment


_optional_id = optional_uuid


def _text(field_name: str, value: object, max_length: int) -> str:
    """Optional free text: stripped, possibly empty, at most ``max_length`` characters."""
    return storable_text(field_name, value, max_length=max_length).strip()


def _day_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _day(attribute.name, value)


def _owner_converter(value: Actor | str) -> str:
    return to_person_id("owner", value)


def _reviewer_converter(value: Actor | str) -> str:
    return to_person_id("reviewer", value)


def _action_description(value: str) -> str:
    return require_text("description", value, max_length=1000)


def _review_notes(value: str) -> str:
    return require_text("notes", value, max_length=4000)


# --- values ----------------------------------------------------------------------------


@attrs.frozen
class MitigationAction:
    """Something to do, by a named owner and a due date, to make a risk less likely or smaller."""

    number: int = attrs.field(validator=positive_validator)
    description: str = attrs.field(converter=_action_description)
    due_on: date = attrs.field(validator=_day_validator)
    owner_id: str = attrs.field(converter=_owner_converter)


@attrs.frozen
class ActionCompletion:
    """Who completed a mitigation action, when, with an optional note."""

    completed_by: str
    completed_at: datetime
    note: str


@attrs.frozen
class RiskReview:
    """A periodic look at a risk: who, on which day, what they found, and when to look again."""

    reviewer_id: str = attrs.field(converter=_reviewer_converter)
    reviewed_on: date = attrs.field(validator=_day_validator)
    notes: str = attrs.field(converter=_review_notes)
    next_review_on: date = attrs.field(validator=_day_validator)

    def __attrs_post_init__(self) -> None:
        if self.next_review_on <= self.reviewed_on:
            raise ReviewScheduleError(
                f"the next review ({self.next_review_on}) must come after this one "
                f"({self.reviewed_on})"
            )


@attrs.frozen
class ContingencyPlan:
    """What to do if the risk happens, and the person who will do it."""

    plan: str
    owner_id: str
    set_by: str


@attrs.frozen
class Incident:
    """The risk happening: what was affected, since when, and how it was resolved."""

    number: int
    severity: IncidentSeverity
    affected: str
    summary: str
    started_at: datetime
    reported_by: str
    resolution: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the incident is still unresolved."""
        return self.resolved_at is None


@attrs.frozen
class RiskFollowUp:
    """What a risk needs now: its open incidents, its overdue actions, whether a review is due."""

    risk_id: UUID
    title: str
    level: RiskLevel
    escalated: bool
    open_incidents: tuple[Incident, ...]
    overdue_actions: tuple[MitigationAction, ...]
    review_due: bool

    @property
    def needs_attention(self) -> bool:
        """Whether anything is open, overdue or due."""
        return bool(self.open_incidents or self.overdue_actions or self.review_due)


# --- the aggregate ---------------------------------------------------------------------


class Risk(Aggregate):
    """A content, technical, market or regulatory risk, rated, owned, mitigated and reviewed."""

    TOPIC = "libops:Risk"

    class Event(events.Event):
        TOPIC = "libops:Risk.Event"

    class Identified(events.Created):
        """A risk was identified, rated and given an owner (by a person or a signal)."""

        TOPIC = "libops:Risk.Identified"
        actor_id: str
        title: str
        description: str
        category: RiskCategory
        likelihood: int
        impact: int
        owner_id: str
        campaign_id: UUID | None
        post_id: UUID | None
        source: str
        escalation_threshold: int

    class Reassessed(events.Event):
        """The risk's likelihood and impact were rated again, with the reason."""

        TOPIC = "libops:Risk.Reassessed"
        actor_id: str
        likelihood: int
        impact: int
        reason: str
        source: str
        escalation_threshold: int

    class Escalated(events.Event):
        """The risk's score reached the escalation threshold."""

        TOPIC = "libops:Risk.Escalated"
        actor_id: str
        score: int
        level: RiskLevel
        threshold: int

    class OwnerAssigned(events.Event):
        """Someone else now owns the risk."""

        TOPIC = "libops:Risk.OwnerAssigned"
        actor_id: str
        owner_id: str

    class MitigationAdded(events.Event):
        """A mitigation action was planned, with its owner and due date."""

        TOPIC = "libops:Risk.MitigationAdded"
        actor_id: str
        action: MitigationAction

    class MitigationCompleted(events.Event):
        """A mitigation action was done."""

        TOPIC = "libops:Risk.MitigationCompleted"
        actor_id: str
        number: int
        completed_at: datetime
        note: str

    class ContingencyPlanSet(events.Event):
        """The contingency plan was written or replaced, with its named owner."""

        TOPIC = "libops:Risk.ContingencyPlanSet"
        actor_id: str
        plan: str
        owner_id: str

    class Reviewed(events.Event):
        """The periodic review looked at the risk and set the next review date."""

        TOPIC = "libops:Risk.Reviewed"
        actor_id: str
        review: RiskReview

    class IncidentReported(events.Event):
        """The risk happened: an incident is open."""

        TOPIC = "libops:Risk.IncidentReported"
        actor_id: str
        number: int
        severity: IncidentSeverity
        affected: str
        summary: str
        started_at: datetime

    class IncidentResolved(events.Event):
        """An incident was resolved, with how and when."""

        TOPIC = "libops:Risk.IncidentResolved"
        actor_id: str
        number: int
        resolution: str
        resolved_at: datetime

    class Closed(events.Event):
        """The risk was closed, with the reason; it changes no more."""

        TOPIC = "libops:Risk.Closed"
        actor_id: str
        reason: str

    # --- creation ----------------------------------------------------------------------

    @classmethod
    def identify(
        cls,
        actor: Actor,
        *,
        title: str,
        category: RiskCategory | str,
        likelihood: int,
        impact: int,
        owner: Actor | str,
        description: str = "",
        campaign_id: UUID | str | None = None,
        post_id: UUID | str | None = None,
        source: str = MANUAL,
        threshold: int = DEFAULT_ESCALATION_THRESHOLD,
    ) -> Risk:
        """Record a new risk; it escalates at once if its score reaches ``threshold``.

        Reviewers may identify content risks (they meet them in review); other categories
        need an operations admin or technical support.
        """
        if category in (RiskCategory.CONTENT, RiskCategory.CONTENT.value):
            authorize(actor, "risk.identify_content")
        else:
            authorize(actor, "risk.identify")
        risk = cls(
            actor_id=actor.id,
            title=require_line("title", title),
            description=_text("description", description, 4000),
            category=to_enum(RiskCategory, category),
            likelihood=to_rating("likelihood", likelihood),
            impact=to_rating("impact", impact),
            owner_id=to_person_id("owner", owner),
            campaign_id=_optional_id("campaign id", campaign_id),
            post_id=_optional_id("post id", post_id),
            source=to_source(source),
            escalation_threshold=to_threshold(threshold),
        )
        risk._escalate_if_due(actor)
        return risk

    @event(Identified)
    def __init__(
        self,
        actor_id: str,
        title: str,
        description: str,
        category: RiskCategory,
        likelihood: int,
        impact: int,
        owner_id: str,
        campaign_id: UUID | None,
        post_id: UUID | None,
        source: str,
        escalation_threshold: int,
    ) -> None:
        self.identified_by = actor_id
        self.title = title
        self.description = description
        self.category = category
        self.likelihood = likelihood
        self.impact = impact
        self.owner_id = owner_id
        self.campaign_id = campaign_id
        self.post_id = post_id
        self.source = source
        self.escalation_threshold = escalation_threshold
        self.escalated = False
        self.escalations = 0
        self.status = RiskStatus.OPEN
        self.closure_reason: str | None = None
        self.contingency_plan: ContingencyPlan | None = None
        self.reviews: tuple[RiskReview, ...] = ()
        self._actions: dict[int, MitigationAction] = {}
        self._completions: dict[int, ActionCompletion] = {}
        self._incidents: dict[int, Incident] = {}

    # --- queries -----------------------------------------------------------------------

    @property
    def score(self) -> int:
        """Likelihood times impact, from 1 to 25."""
        return self.likelihood * self.impact

    @property
    def level(self) -> RiskLevel:
        """The level band the score falls in."""
        return level_for(self.score)

    @property
    def is_closed(self) -> bool:
        """Whether the risk was closed (it then changes no more)."""
        return self.status is RiskStatus.CLOSED

    @property
    def actions(self) -> tuple[MitigationAction, ...]:
        """Every mitigation action, in the order added."""
        return tuple(self._actions.values())

    @property
    def open_actions(self) -> tuple[MitigationAction, ...]:
        """The mitigation actions not yet completed."""
        return tuple(a for a in self._actions.values() if a.number not in self._completions)

    def completion(self, number: int) -> ActionCompletion | None:
        """How mitigation action ``number`` was completed, or None while it is open."""
        self._action(number)
        return self._completions.get(number)

    def overdue_actions(self, on: date) -> tuple[MitigationAction, ...]:
        """The open mitigation actions whose due date is before ``on``."""
        on = _day("on", on)
        return tuple(a for a in self.open_actions if a.due_on < on)

    @property
    def incidents(self) -> tuple[Incident, ...]:
        """Every incident, in the order reported."""
        return tuple(self._incidents.values())

    @property
    def open_incidents(self) -> tuple[Incident, ...]:
        """The incidents not yet resolved."""
        return tuple(i for i in self._incidents.values() if i.is_open)

    def incident(self, number: int) -> Incident:
        """Incident ``number`` of this risk."""
        if isinstance(number, bool) or not isinstance(number, int) or number not in self._incidents:
            raise UnknownIncidentError(f"incident of risk {self.id}", number)
        return self._incidents[number]

    @property
    def last_review(self) -> RiskReview | None:
        """The most recent periodic review, if any."""
        return self.reviews[-1] if self.reviews else None

    @property
    def next_review_on(self) -> date | None:
        """When the risk is due to be reviewed next (None until its first review)."""
        return None if self.last_review is None else self.last_review.next_review_on

    def review_due(self, on: date) -> bool:
        """Whether an open risk is due for review on ``on`` (never reviewed counts as due)."""
        on = _day("on", on)
        if self.is_closed:
            return False
        return self.next_review_on is None or self.next_review_on <= on

    def follow_up(self, on: date) -> RiskFollowUp:
        """What the risk needs on day ``on``: open incidents, overdue actions, a due review."""
        return RiskFollowUp(
            risk_id=self.id,
            title=self.title,
            level=self.level,
            escalated=self.escalated,
            open_incidents=self.open_incidents,
            overdue_actions=() if self.is_closed else self.overdue_actions(on),
            review_due=self.review_due(on),
        )

    def _action(self, number: int) -> MitigationAction:
        if isinstance(number, bool) or not isinstance(number, int) or number not in self._actions:
            raise UnknownMitigationActionError(f"mitigation action of risk {self.id}", number)
        return self._actions[number]

    def _require_open(self, action: str) -> None:
        if self.is_closed:
            raise RiskClosedError("risk", action, self.status.value)

    # --- assessment --------------------------------------------------------------------

    def reassess(
        self,
        actor: Actor,
        *,
        likelihood: int,
        impact: int,
        reason: str,
        source: str = MANUAL,
        threshold: int = DEFAULT_ESCALATION_THRESHOLD,
    ) -> None:
        """Rate the risk again, saying why; it escalates if the new score reaches ``threshold``.

        A score below the threshold makes a later rise escalate again.
        """
        authorize(actor, "risk.reassess")
        self._require_open("reassess")
        self._reassess(
            actor_id=actor.id,
            likelihood=to_rating("likelihood", likelihood),
            impact=to_rating("impact", impact),
            reason=reason_text(reason),
            source=to_source(source),
            escalation_threshold=to_threshold(threshold),
        )
        self._escalate_if_due(actor)

    @event(Reassessed)
    def _reassess(
        self,
        actor_id: str,
        likelihood: int,
        impact: int,
        reason: str,
        source: str,
        escalation_threshold: int,
    ) -> None:
        self.likelihood = likelihood
        self.impact = impact
        self.escalation_threshold = escalation_threshold
        if self.score < escalation_threshold:
            self.escalated = False

    def _escalate_if_due(self, actor: Actor) -> None:
        if self.score >= self.escalation_threshold and not self.escalated:
            self._escalate(
                actor_id=actor.id,
                score=self.score,
                level=self.level,
                threshold=self.escalation_threshold,
            )

    @event(Escalated)
    def _escalate(self, actor_id: str, score: int, level: RiskLevel, threshold: int) -> None:
        self.escalated = True
        self.escalations += 1

    # --- ownership ---------------------------------------------------------------------

    def assign_owner(self, actor: Actor, owner: Actor | str) -> None:
        """Hand the risk to another owner; naming the current owner again records nothing."""
        authorize(actor, "risk.assign_owner")
        self._require_open("assign an owner to")
        owner_id = to_person_id("owner", owner)
        if owner_id == self.owner_id:
            return
        self._assign_owner(actor_id=actor.id, owner_id=owner_id)

    @event(OwnerAssigned)
    def _assign_owner(self, actor_id: str, owner_id: str) -> None:
        self.owner_id = owner_id

    # --- mitigation --------------------------------------------------------------------

    def add_mitigation(
        self,
        actor: Actor,
        *,
        description: str,
        due_on: date,
        owner: Actor | str | None = None,
    ) -> int:
        """Plan a mitigation action due on ``due_on`` (owned by the risk's owner unless named).

        Returns the action's number within this risk (1, 2, ...).
        """
        authorize(actor, "risk.add_mitigation")
        self._require_open("add a mitigation action to")
        action = MitigationAction(
            number=len(self._actions) + 1,
            description=description,
            due_on=_day("due_on", due_on),
            owner_id=self.owner_id if owner is None else to_person_id("owner", owner),
        )
        self._add_mitigation(actor_id=actor.id, action=action)
        return action.number

    @event(MitigationAdded)
    def _add_mitigation(self, actor_id: str, action: MitigationAction) -> None:
        self._actions[action.number] = action

    def complete_mitigation(
        self, actor: Actor, number: int, *, now: datetime, note: str = ""
    ) -> None:
        """Mark mitigation action ``number`` done at ``now``, with an optional note."""
        authorize(actor, "risk.complete_mitigation")
        self._require_open("complete a mitigation action of")
        self._action(number)
        if number in self._completions:
            raise MitigationCompletedError(
                "mitigation action", "complete", f"already completed (action {number})"
            )
        self._complete_mitigation(
            actor_id=actor.id,
            number=number,
            completed_at=_moment("now", now),
            note=_text("note", note, 2000),
        )

    @event(MitigationCompleted)
    def _complete_mitigation(
        self, actor_id: str, number: int, completed_at: datetime, note: str
    ) -> None:
        self._completions[number] = ActionCompletion(actor_id, completed_at, note)

    # --- contingency and review --------------------------------------------------------

    def set_contingency_plan(self, actor: Actor, *, plan: str, owner: Actor | str) -> None:
        """Write (or replace) what to do if the risk happens, and who will do it."""
        authorize(actor, "risk.set_contingency_plan")
        self._require_open("set the contingency plan of")
        self._set_contingency_plan(
            actor_id=actor.id,
            plan=require_text("plan", plan, max_length=4000),
            owner_id=to_person_id("owner", owner),
        )

    @event(ContingencyPlanSet)
    def _set_contingency_plan(self, actor_id: str, plan: str, owner_id: str) -> None:
        self.contingency_plan = ContingencyPlan(plan, owner_id, actor_id)

    def record_review(
        self,
        actor: Actor,
        *,
        notes: str,
        next_review_on: date,
        today: date,
        reviewed_on: date | None = None,
    ) -> None:
        """Record a periodic review held on ``reviewed_on`` (today unless given).

        A review is not dated after ``today`` nor before the previous review, and the next
        review comes after it.
        """
        authorize(actor, "risk.record_review")
        self._require_open("review")
        today = _day("today", today)
        held_on = today if reviewed_on is None else _day("reviewed_on", reviewed_on)
        review = RiskReview(
            reviewer_id=actor.id,
            reviewed_on=held_on,
            notes=notes,
            next_review_on=_day("next_review_on", next_review_on),
        )
        if held_on > today:
            raise ReviewScheduleError(f"a review cannot be dated {held_on}: today is {today}")
        last = self.last_review
        if last is not None and held_on < last.reviewed_on:
            raise ReviewScheduleError(
                f"a review dated {held_on} comes before the last review ({last.reviewed_on})"
            )
        self._record_review(actor_id=actor.id, review=review)

    @event(Reviewed)
    def _record_review(self, actor_id: str, review: RiskReview) -> None:
        self.reviews = (*self.reviews, review)

    # --- incidents ---------------------------------------------------------------------

    def report_incident(
        self,
        actor: Actor,
        *,
        severity: IncidentSeverity | str,
        affected: str,
        now: datetime,
        started_at: datetime | None = None,
        summary: str = "",
    ) -> int:
        """Record that the risk happened (since ``started_at``, now unless given).

        Returns the incident's number within this risk (1, 2, ...); it stays open until
        resolved.
        """
        authorize(actor, "risk.report_incident")
        self._require_open("report an incident on")
        now = _moment("now", now)
        started = now if started_at is None else _moment("started_at", started_at)
        severity = to_enum(IncidentSeverity, severity)
        affected = require_text("affected", affected, max_length=500)
        summary = _text("summary", summary, 2000)
        if started > now:
            raise IncidentTimeError(
                f"an incident cannot start in the future ({started.isoformat()}; "
                f"it is {now.isoformat()})"
            )
        number = len(self._incidents) + 1
        self._report_incident(
            actor_id=actor.id,
            number=number,
            severity=severity,
            affected=affected,
            summary=summary,
            started_at=started,
        )
        return number

    @event(IncidentReported)
    def _report_incident(
        self,
        actor_id: str,
        number: int,
        severity: IncidentSeverity,
        affected: str,
        summary: str,
        started_at: datetime,
    ) -> None:
        self._incidents[number] = Incident(
            number=number,
            severity=severity,
            affected=affected,
            summary=summary,
            started_at=started_at,
            reported_by=actor_id,
        )

    def resolve_incident(
        self,
        actor: Actor,
        number: int,
        *,
        resolution: str,
        now: datetime,
        resolved_at: datetime | None = None,
    ) -> None:
        """Resolve incident ``number`` (at ``resolved_at``, now unless given), saying how."""
        authorize(actor, "risk.resolve_incident")
        self._require_open("resolve an incident of")
        incident = self.incident(number)
        if not incident.is_open:
            raise IncidentResolvedError(
                "risk incident", "resolve", f"already resolved (incident {number})"
            )
        now = _moment("now", now)
        at = now if resolved_at is None else _moment("resolved_at", resolved_at)
        resolution = require_text("resolution", resolution, max_length=2000)
        if at > now:
            raise IncidentTimeError(
                f"an incident cannot be resolved in the future ({at.isoformat()}; "
                f"it is {now.isoformat()})"
            )
        if at < incident.started_at:
            raise IncidentTimeError(
                f"incident {number} started at {incident.started_at.isoformat()}: it cannot "
                f"be resolved before that ({at.isoformat()})"
            )
        self._resolve_incident(
            actor_id=actor.id, number=number, resolution=resolution, resolved_at=at
        )

    @event(IncidentResolved)
    def _resolve_incident(
        self, actor_id: str, number: int, resolution: str, resolved_at: datetime
    ) -> None:
        self._incidents[number] = attrs.evolve(
            self._incidents[number],
            resolution=resolution,
            resolved_at=resolved_at,
            resolved_by=actor_id,
        )

    # --- closure -----------------------------------------------------------------------

    def close(self, actor: Actor, reason: str) -> None:
        """Close the risk, saying why; refused while an incident is open."""
        authorize(actor, "risk.close")
        self._require_open("close")
        reason = reason_text(reason)
        open_incidents = self.open_incidents
        if open_incidents:
            numbers = ", ".join(str(i.number) for i in open_incidents)
            raise OpenIncidentsError(
                f"risk {self.id} cannot be closed while incidents are open ({numbers})"
            )
        self._close(actor_id=actor.id, reason=reason)

    @event(Closed)
    def _close(self, actor_id: str, reason: str) -> None:
        self.status = RiskStatus.CLOSED
        self.closure_reason = reason

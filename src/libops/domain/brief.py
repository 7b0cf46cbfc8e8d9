"""The ContentBrief aggregate: a piece of content before it is drafted, from need to draft.

A brief says what need a piece of content answers (and the figures or feedback behind it:
a metric, a reader's question, a survey), where it goes (platforms), what it is (content
type and format), when it is due and who makes it. Its life::

    idea ──plan(due_on, assignee)──► planned ──start──► in production
      │                                 │                    │
      │                                 └──mark_drafted(post)┴──► drafted (linked to the post)
      └──────────────── drop(reason) ── any state but drafted ──► dropped

A planned or in-production brief may be replanned (another due day or assignee). A drafted
or dropped brief changes no more (:class:`~libops.domain.errors.BriefEndedError`); any other
command in the wrong state is an :class:`~libops.domain.errors.InvalidTransitionError`.

Due days are calendar days of the library (Asia/Shanghai unless configured); the events
store them as ISO text (``"2026-04-20"``), as the standing's honours do.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    BriefDueDateError,
    BriefEndedError,
    BriefRequirementsError,
    InvalidTransitionError,
    InvalidValueError,
)
from libops.domain.permissions import authorize
from libops.domain.validation import calendar_day, reason_text, require_instance
from libops.domain.values import (
    LINE_MAX,
    Actor,
    ContentType,
    Format,
    Platform,
    at_most,
    optional_line,
    optional_uuid,
    require_day,
    require_line,
    require_text,
    to_enum,
    to_platforms,
)

NEED_MAX: Final = 4_000
"""The longest need a brief may state, in characters."""

REFERENCES_MAX: Final = 20
"""The most references (figures, questions, surveys) a brief may carry."""


class BriefStatus(enum.Enum):
    """Where a brief is on its way from need to draft."""

    IDEA = "idea"
    PLANNED = "planned"
    IN_PRODUCTION = "in_production"
    DRAFTED = "drafted"
    DROPPED = "dropped"


OPEN_STATUSES: Final = frozenset({BriefStatus.PLANNED, BriefStatus.IN_PRODUCTION})
"""The states in which a brief is on the calendar: planned, not yet drafted."""

ENDED_STATUSES: Final = frozenset({BriefStatus.DRAFTED, BriefStatus.DROPPED})
"""The states a brief never leaves."""


class ReferenceKind(enum.Enum):
    """What a brief's reference points at."""

    FIGURE = "figure"  # a metric or figure (a report's, a view's)
    QUESTION = "question"  # a reader's question (its id)
    SURVEY = "survey"  # a survey or its results
    FEEDBACK = "feedback"  # comments, messages, staff notes
    NOTE = "note"  # anything else


def _note(value: object) -> str:
    return require_text("a reference's note", value, max_length=LINE_MAX)


def _reference_kind(value: object) -> ReferenceKind:
    return to_enum(ReferenceKind, value)


def _optional_ref(value: object) -> str | None:
    if value is None:
        return None
    return (
        optional_line("a reference's id", str(value) if isinstance(value, UUID) else value) or None
    )


@attrs.frozen
class BriefReference:
    """One figure or piece of feedback behind a brief's need: free text, with an optional id
    (a question's, a survey's, a post's; any one line of text)."""

    note: str = attrs.field(converter=_note)
    kind: ReferenceKind = attrs.field(default=ReferenceKind.NOTE, converter=_reference_kind)
    ref: str | None = attrs.field(default=None, converter=_optional_ref)

    def stored(self) -> dict[str, str | None]:
        """The plain data an event keeps of the reference."""
        return {"kind": self.kind.value, "note": self.note, "ref": self.ref}

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> BriefReference:
        """The reference an event kept (see :meth:`stored`)."""
        return cls(note=data["note"], kind=data["kind"], ref=data.get("ref"))


def _references(values: Iterable[BriefReference | str]) -> tuple[BriefReference, ...]:
    if isinstance(values, str | BriefReference):
        values = [values]
    checked: list[BriefReference] = []
    for value in at_most("references", values, REFERENCES_MAX):
        if isinstance(value, str):
            value = BriefReference(value)
        if not isinstance(value, BriefReference):
            raise InvalidValueError(
                f"a reference is a BriefReference or text, not {type(value).__name__}"
            )
        checked.append(value)
    return tuple(checked)


def due_day(field: str, value: object) -> date:
    """``value`` if it is a calendar day (a date, not a datetime) libops accepts."""
    return require_day(field, calendar_day(value, f"{field} is a date"))


def _assignee(value: object) -> str:
    return require_line("assignee", value)


class ContentBrief(Aggregate):
    """A piece of content before it is drafted: the need, the plan, and the post it became."""

    TOPIC = "libops:ContentBrief"

    class Event(events.Event):
        TOPIC = "libops:ContentBrief.Event"

    class Proposed(events.Created):
        """A brief was put forward as an idea."""

        TOPIC = "libops:ContentBrief.Proposed"
        actor_id: str
        title: str
        need: str
        references: tuple[dict[str, str | None], ...]
        platforms: tuple[Platform, ...]
        content_type: ContentType
        format: Format
        campaign_id: UUID | None

    class Planned(events.Event):
        """The brief was put on the calendar: a due day and who makes it."""

        TOPIC = "libops:ContentBrief.Planned"
        actor_id: str
        due_on: str
        assignee: str

    class Replanned(events.Event):
        """A planned brief got another due day or assignee."""

        TOPIC = "libops:ContentBrief.Replanned"
        actor_id: str
        due_on: str
        assignee: str

    class ProductionStarted(events.Event):
        """Work on the brief's content began."""

        TOPIC = "libops:ContentBrief.ProductionStarted"
        actor_id: str

    class Drafted(events.Event):
        """The brief's content was drafted as a post; the brief is done."""

        TOPIC = "libops:ContentBrief.Drafted"
        actor_id: str
        post_id: UUID

    class Dropped(events.Event):
        """The brief was given up, saying why; it changes no more."""

        TOPIC = "libops:ContentBrief.Dropped"
        actor_id: str
        reason: str

    # --- creation ----------------------------------------------------------------------

    @classmethod
    def propose(
        cls,
        actor: Actor,
        *,
        title: str,
        need: str,
        content_type: ContentType | str,
        format: Format | str,
        platforms: Iterable[Platform | str] = (),
        references: Iterable[BriefReference | str] = (),
        campaign_id: UUID | str | None = None,
    ) -> ContentBrief:
        """Put a brief forward as an idea: what it is, the need it answers and why."""
        authorize(actor, "brief.propose")
        return cls(
            actor_id=actor.id,
            title=require_line("title", title),
            need=require_text("need", need, max_length=NEED_MAX),
            references=tuple(r.stored() for r in _references(references)),
            platforms=to_platforms(platforms, "platforms"),
            content_type=to_enum(ContentType, content_type),
            format=to_enum(Format, format),
            campaign_id=optional_uuid("campaign id", campaign_id),
        )

    @event(Proposed)
    def __init__(
        self,
        actor_id: str,
        title: str,
        need: str,
        references: tuple[dict[str, str | None], ...],
        platforms: tuple[Platform, ...],
        content_type: ContentType,
        format: Format,
        campaign_id: UUID | None,
    ) -> None:
        self.proposed_by = actor_id
        self.title = title
        self.need = need
        # Stored events give lists back for tuples: normalise on every load.
        self.references = tuple(BriefReference.from_stored(r) for r in references)
        self.platforms = tuple(platforms)
        self.content_type = content_type
        self.format = format
        self.campaign_id = campaign_id
        self.status = BriefStatus.IDEA
        self.due_on: date | None = None
        self.assignee: str | None = None
        self.post_id: UUID | None = None
        self.drop_reason: str | None = None

    # --- queries -----------------------------------------------------------------------

    @property
    def has_ended(self) -> bool:
        """Whether the brief was drafted or dropped."""
        return self.status in ENDED_STATUSES

    def is_overdue(self, today: date) -> bool:
        """Whether the brief is on the calendar and its due day is before ``today``."""
        return self.status in OPEN_STATUSES and self.due_on is not None and self.due_on < today

    def _require(self, action: str, *allowed: BriefStatus) -> None:
        if self.has_ended:
            raise BriefEndedError("brief", action, self.status.value)
        if self.status not in allowed:
            raise InvalidTransitionError("brief", action, self.status.value.replace("_", " "))

    def _checked_plan(self, due_on: object, assignee: object, today: date) -> tuple[date, str]:
        due = due_day("due_on", due_on)
        if due < today:
            raise BriefDueDateError(
                f"a brief's due day ({due.isoformat()}) is before today ({today.isoformat()})"
            )
        return due, _assignee(assignee)

    # --- commands ----------------------------------------------------------------------

    def plan(self, actor: Actor, *, due_on: date, assignee: str, today: date) -> None:
        """Put an idea on the calendar: due on ``due_on`` (not before ``today``), made by
        ``assignee`` (an actor id); it needs at least one platform."""
        authorize(actor, "brief.plan")
        self._require("plan", BriefStatus.IDEA)
        due, who = self._checked_plan(due_on, assignee, today)
        if not self.platforms:
            raise BriefRequirementsError("a brief needs at least one platform to be planned")
        self._plan(actor_id=actor.id, due_on=due.isoformat(), assignee=who)

    @event(Planned)
    def _plan(self, actor_id: str, due_on: str, assignee: str) -> None:
        self.status = BriefStatus.PLANNED
        self.due_on = date.fromisoformat(due_on)
        self.assignee = assignee

    def replan(
        self, actor: Actor, *, due_on: date | None = None, assignee: str | None = None, today: date
    ) -> None:
        """Move a planned or in-production brief to another due day (not before ``today``)
        or give it to someone else; fields left as None stay as they are."""
        authorize(actor, "brief.replan")
        self._require("replan", *OPEN_STATUSES)
        if due_on is None and assignee is None:
            raise InvalidValueError("replanning must change the due day, the assignee or both")
        new_due = self.due_on if due_on is None else due_day("due_on", due_on)
        new_assignee = self.assignee if assignee is None else _assignee(assignee)
        assert new_due is not None
        assert new_assignee is not None
        if due_on is not None and new_due < today:
            raise BriefDueDateError(
                f"a brief's due day ({new_due.isoformat()}) is before today ({today.isoformat()})"
            )
        if new_due == self.due_on and new_assignee == self.assignee:
            raise InvalidValueError("replanning must change the due day, the assignee or both")
        self._replan(actor_id=actor.id, due_on=new_due.isoformat(), assignee=new_assignee)

    @event(Replanned)
    def _replan(self, actor_id: str, due_on: str, assignee: str) -> None:
        self.due_on = date.fromisoformat(due_on)
        self.assignee = assignee

    def start(self, actor: Actor) -> None:
        """Begin making a planned brief's content."""
        authorize(actor, "brief.start")
        self._require("start", BriefStatus.PLANNED)
        self._start(actor_id=actor.id)

    @event(ProductionStarted)
    def _start(self, actor_id: str) -> None:
        self.status = BriefStatus.IN_PRODUCTION

    def mark_drafted(self, actor: Actor, post_id: UUID) -> None:
        """Link the post the brief became (the application checks that it exists)."""
        authorize(actor, "brief.mark_drafted")
        self._require("mark drafted", *OPEN_STATUSES)
        post_id = require_instance(UUID, post_id, "post_id must be a UUID")
        self._mark_drafted(actor_id=actor.id, post_id=post_id)

    @event(Drafted)
    def _mark_drafted(self, actor_id: str, post_id: UUID) -> None:
        self.status = BriefStatus.DRAFTED
        self.post_id = post_id

    def drop(self, actor: Actor, reason: str) -> None:
        """Give a brief up, saying why."""
        authorize(actor, "brief.drop")
        self._require("drop", BriefStatus.IDEA, *OPEN_STATUSES)
        self._drop(actor_id=actor.id, reason=reason_text(reason))

    @event(Dropped)
    def _drop(self, actor_id: str, reason: str) -> None:
        self.status = BriefStatus.DROPPED
        self.drop_reason = reason

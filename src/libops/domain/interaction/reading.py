"""The ReadingSession aggregate: a reading-sharing session with registration and attendance.

A session is scheduled with a title, a time, a number of places and a platform (online) or a
place (in the library), or both. Readers register until it starts, with their consent, and
their personal data sealed; each person (data subject) registers once, and no more than the
places allow. Attendance is recorded once the session has started; registered participants
contribute what they shared; the session is closed, or cancelled with a reason.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Final
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    AlreadyRegisteredError,
    InvalidTransitionError,
    InvalidValueError,
    NotRegisteredError,
    RegistrationClosedError,
    ScheduleInPastError,
    SessionFullError,
    SessionNotStartedError,
)
from libops.domain.interaction.common import (
    optional_id,
    public_text,
    sealed,
    utc,
    whole_number,
)
from libops.domain.permissions import authorize
from libops.domain.personal import SealedPersonalData, require_subject_id
from libops.domain.validation import reason_text
from libops.domain.values import Actor, Platform, require_line, storable_text, to_enum

MAX_CAPACITY: Final = 100_000


class SessionStatus(enum.Enum):
    """Where a reading session is in its life."""

    SCHEDULED = "scheduled"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@attrs.frozen
class Registration:
    """One participant's registration: their sealed data, and what they did at the session."""

    participant: SealedPersonalData
    registered_at: datetime
    version: int
    """The session's version the registration was recorded at (the data is bound to it)."""
    attended: bool = False
    contributions: tuple[str, ...] = ()

    @property
    def subject_id(self) -> str:
        """The pseudonymous id of the participant."""
        return self.participant.subject_id


def _place(value: object) -> str | None:
    if value is None:
        return None
    text = storable_text("place", value).strip()
    if len(text) > 500:
        raise InvalidValueError("place is longer than 500 characters")
    return text or None


class ReadingSession(Aggregate):
    """A reading-sharing session: registrations, attendance, contributions."""

    TOPIC = "libops:ReadingSession"

    class Event(events.Event):
        TOPIC = "libops:ReadingSession.Event"

    class Scheduled(events.Created):
        """A session was scheduled."""

        TOPIC = "libops:ReadingSession.Scheduled"
        actor_id: str
        title: str
        description: str
        starts_at: datetime
        ends_at: datetime
        capacity: int
        platform: Platform | None
        place: str | None
        campaign_id: UUID | None

    class Registered(events.Event):
        """A participant registered (their data sealed for this event, consent beside it)."""

        TOPIC = "libops:ReadingSession.Registered"
        actor_id: str
        participant: SealedPersonalData
        at: datetime

    class AttendanceRecorded(events.Event):
        """A registered participant was there."""

        TOPIC = "libops:ReadingSession.AttendanceRecorded"
        actor_id: str
        subject_id: str
        at: datetime

    class ContributionRecorded(events.Event):
        """A registered participant shared something (a reading note, a recommendation)."""

        TOPIC = "libops:ReadingSession.ContributionRecorded"
        actor_id: str
        subject_id: str
        text: str
        at: datetime

    class Closed(events.Event):
        """The session took place and is closed."""

        TOPIC = "libops:ReadingSession.Closed"
        actor_id: str
        at: datetime

    class Cancelled(events.Event):
        """The session was called off, with the reason."""

        TOPIC = "libops:ReadingSession.Cancelled"
        actor_id: str
        at: datetime
        reason: str

    # --- creation ------------------------------------------------------------------------

    @classmethod
    def schedule(
        cls,
        actor: Actor,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        now: datetime,
        platform: Platform | str | None = None,
        place: str | None = None,
        description: str = "",
        campaign_id: UUID | str | None = None,
    ) -> ReadingSession:
        """Schedule a session (not in the past) online, in a place, or both."""
        authorize(actor, "reading_session.schedule")
        starts_at, ends_at = utc("starts_at", starts_at), utc("ends_at", ends_at)
        now = utc("now", now)
        if ends_at <= starts_at:
            raise InvalidValueError("a session ends after it starts")
        if starts_at < now:
            raise ScheduleInPastError(
                f"cannot schedule a session for {starts_at.isoformat()}: "
                f"it is already {now.isoformat()}"
            )
        where = _place(place)
        online = None if platform is None else to_enum(Platform, platform)
        if where is None and online is None:
            raise InvalidValueError("a session needs a platform or a place")
        return cls(
            actor_id=actor.id,
            title=require_line("title", title),
            description=storable_text("description", description).strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=whole_number("capacity", capacity, minimum=1, maximum=MAX_CAPACITY),
            platform=online,
            place=where,
            campaign_id=optional_id("campaign", campaign_id),
        )

    @event(Scheduled)
    def __init__(
        self,
        actor_id: str,
        title: str,
        description: str,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        platform: Platform | None,
        place: str | None,
        campaign_id: UUID | None,
    ) -> None:
        self.scheduled_by = actor_id
        self.title = title
        self.description = description
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.capacity = capacity
        self.platform = platform
        self.place = place
        self.campaign_id = campaign_id
        self.status = SessionStatus.SCHEDULED
        self._registrations: dict[str, Registration] = {}
        self.closed_at: datetime | None = None
        self.cancellation_reason: str | None = None

    # --- queries -------------------------------------------------------------------------

    @property
    def registrations(self) -> tuple[Registration, ...]:
        """Every registration, in the order made."""
        return tuple(self._registrations.values())

    def registration(self, subject_id: str) -> Registration:
        """The registration of the participant ``subject_id``."""
        try:
            return self._registrations[subject_id]
        except (KeyError, TypeError):
            raise NotRegisteredError(
                f"{subject_id!r} is not registered for session {self.id}"
            ) from None

    @property
    def places_left(self) -> int:
        """How many more participants can register."""
        return self.capacity - len(self._registrations)

    @property
    def attendance(self) -> int:
        """How many registered participants were there."""
        return sum(1 for r in self._registrations.values() if r.attended)

    @property
    def contributions(self) -> tuple[tuple[str, str], ...]:
        """Every contribution as ``(subject_id, text)``, participant by participant."""
        return tuple(
            (r.subject_id, text) for r in self._registrations.values() for text in r.contributions
        )

    def _require_scheduled(self, action: str) -> None:
        if self.status is not SessionStatus.SCHEDULED:
            raise InvalidTransitionError("reading session", action, self.status.value)

    def _started_by(self, now: datetime, advice: str = "") -> datetime:
        """``now`` in UTC, if the session has started by then (else ``advice`` follows the
        start time in the error)."""
        now = utc("now", now)
        if now < self.starts_at:
            raise SessionNotStartedError(
                f"session {self.id} starts at {self.starts_at.isoformat()}{advice}"
            )
        return now

    # --- registration --------------------------------------------------------------------

    def check_registration(self, actor: Actor, *, subject_id: str, now: datetime) -> None:
        """Raise the error :meth:`register` would raise, before the data is sealed."""
        authorize(actor, "reading_session.register")
        require_subject_id(subject_id)
        now = utc("now", now)
        self._require_scheduled("register for")
        if now >= self.starts_at:
            raise RegistrationClosedError(
                f"session {self.id} started at {self.starts_at.isoformat()}; registration is closed"
            )
        if subject_id in self._registrations:
            raise AlreadyRegisteredError(f"{subject_id} is already registered for {self.id}")
        if len(self._registrations) >= self.capacity:
            raise SessionFullError(f"all {self.capacity} places of session {self.id} are taken")

    def register(self, actor: Actor, participant: SealedPersonalData, *, now: datetime) -> None:
        """Register a participant (data sealed for this event) while places are left."""
        participant = sealed("participant", participant)
        self.check_registration(actor, subject_id=participant.subject_id, now=now)
        self._register(actor_id=actor.id, participant=participant, at=utc("now", now))

    @event(Registered)
    def _register(self, actor_id: str, participant: SealedPersonalData, at: datetime) -> None:
        self._registrations[participant.subject_id] = Registration(
            participant,
            at,
            version=self.version + 1,  # the version this event gives it
        )

    # --- at the session ------------------------------------------------------------------

    def record_attendance(self, actor: Actor, subject_id: str, *, now: datetime) -> None:
        """Record that a registered participant was there (once the session has started)."""
        authorize(actor, "reading_session.record_attendance")
        self._require_scheduled("record attendance at")
        registration = self.registration(subject_id)
        now = self._started_by(now)
        if registration.attended:
            raise InvalidTransitionError(
                "registration", "record attendance for", "already marked present"
            )
        self._record_attendance(actor_id=actor.id, subject_id=subject_id, at=now)

    @event(AttendanceRecorded)
    def _record_attendance(self, actor_id: str, subject_id: str, at: datetime) -> None:
        registration = self._registrations[subject_id]
        self._registrations[subject_id] = attrs.evolve(registration, attended=True)

    def record_contribution(
        self, actor: Actor, subject_id: str, text: str, *, now: datetime
    ) -> None:
        """Record what a registered participant shared (no personal data in the text)."""
        authorize(actor, "reading_session.record_contribution")
        self._require_scheduled("record a contribution to")
        self.registration(subject_id)
        self._record_contribution(
            actor_id=actor.id,
            subject_id=subject_id,
            text=public_text("contribution", text),
            at=utc("now", now),
        )

    @event(ContributionRecorded)
    def _record_contribution(self, actor_id: str, subject_id: str, text: str, at: datetime) -> None:
        registration = self._registrations[subject_id]
        self._registrations[subject_id] = attrs.evolve(
            registration, contributions=(*registration.contributions, text)
        )

    # --- the end -------------------------------------------------------------------------

    def close(self, actor: Actor, *, now: datetime) -> None:
        """Close a session that has started."""
        authorize(actor, "reading_session.close")
        self._require_scheduled("close")
        now = self._started_by(now, "; cancel it instead of closing it")
        self._close(actor_id=actor.id, at=now)

    @event(Closed)
    def _close(self, actor_id: str, at: datetime) -> None:
        self.status = SessionStatus.CLOSED
        self.closed_at = at

    def cancel(self, actor: Actor, reason: str, *, now: datetime) -> None:
        """Call a scheduled session off, saying why."""
        authorize(actor, "reading_session.cancel")
        self._require_scheduled("cancel")
        self._cancel(actor_id=actor.id, at=utc("now", now), reason=reason_text(reason))

    @event(Cancelled)
    def _cancel(self, actor_id: str, at: datetime, reason: str) -> None:
        self.status = SessionStatus.CANCELLED
        self.cancellation_reason = reason

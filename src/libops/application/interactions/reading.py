"""Commands on reading-sharing sessions: schedule, register, attendance, contributions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from libops.application.commands import (
    Command,
    Context,
    Executes,
    command_method,
    handles,
)
from libops.application.interactions.common import CarriesPersonalData
from libops.application.personal_data import Opened
from libops.domain.campaign import Campaign
from libops.domain.interaction.reading import ReadingSession
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.values import Actor, Platform

_KIND = "reading session"


@attrs.frozen(kw_only=True)
class ScheduleSession(Command[UUID]):
    """Schedule a session online (``platform``), in a ``place``, or both; returns its id."""

    NAME = "reading_session.schedule"

    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    platform: Platform | str | None = None
    place: str | None = None
    description: str = ""
    campaign_id: UUID | str | None = None


@handles(ScheduleSession)
def schedule_session(ctx: Context, actor: Actor, command: ScheduleSession) -> UUID:
    session = ReadingSession.schedule(actor, now=ctx.now(), **command.arguments())
    if command.campaign_id is not None:
        ctx.load(Campaign, command.campaign_id, "campaign")
    return ctx.add(session).id


@attrs.frozen(kw_only=True)
class RegisterParticipant(CarriesPersonalData, Command[str]):
    """Register a participant (by ``subject_id``, or their handle on ``platform``).

    Returns the participant's subject id, which attendance and contributions name.
    """

    NAME = "reading_session.register"
    PERSONAL = "participant"

    session_id: UUID | str = attrs.field(kw_only=False)
    participant: PersonalInfo
    consent: Consent
    subject_id: str | None = None
    platform: Platform | str | None = None


@handles(RegisterParticipant)
def register_participant(ctx: Context, actor: Actor, command: RegisterParticipant) -> str:
    subject = command.subject(ctx.deps)
    session = ctx.load(ReadingSession, command.session_id, _KIND)
    now = ctx.now()
    session.check_registration(actor, subject_id=subject, now=now)
    sealed = ctx.deps.personal.seal(
        subject,
        command.participant,
        command.consent,
        aggregate_id=session.id,
        version=session.version + 1,
        topic=ReadingSession.Registered.TOPIC,
    )
    session.register(actor, sealed, now=now)
    return subject


@attrs.frozen
class RecordAttendance(Command[None]):
    """Record that a registered participant was at the session."""

    NAME = "reading_session.record_attendance"

    session_id: UUID | str
    subject_id: str


@handles(RecordAttendance)
def record_attendance(ctx: Context, actor: Actor, command: RecordAttendance) -> None:
    session = ctx.load(ReadingSession, command.session_id, _KIND)
    session.record_attendance(actor, command.subject_id, now=ctx.now())


@attrs.frozen
class RecordContribution(Command[None]):
    """Record what a registered participant shared."""

    NAME = "reading_session.record_contribution"

    session_id: UUID | str
    subject_id: str
    text: str


@handles(RecordContribution)
def record_contribution(ctx: Context, actor: Actor, command: RecordContribution) -> None:
    session = ctx.load(ReadingSession, command.session_id, _KIND)
    session.record_contribution(actor, command.subject_id, command.text, now=ctx.now())


@attrs.frozen
class CloseSession(Command[None]):
    """Close a session that has started."""

    NAME = "reading_session.close"

    session_id: UUID | str


@handles(CloseSession)
def close_session(ctx: Context, actor: Actor, command: CloseSession) -> None:
    ctx.load(ReadingSession, command.session_id, _KIND).close(actor, now=ctx.now())


@attrs.frozen
class CancelSession(Command[None]):
    """Call a scheduled session off, saying why."""

    NAME = "reading_session.cancel"

    session_id: UUID | str
    reason: str


@handles(CancelSession)
def cancel_session(ctx: Context, actor: Actor, command: CancelSession) -> None:
    session = ctx.load(ReadingSession, command.session_id, _KIND)
    session.cancel(actor, command.reason, now=ctx.now())


class ReadingSessionService(Executes):
    """Schedule reading-sharing sessions, register participants, record what happened."""

    schedule = command_method(ScheduleSession)
    register = command_method(RegisterParticipant)
    record_attendance = command_method(RecordAttendance)
    record_contribution = command_method(RecordContribution)
    close = command_method(CloseSession)
    cancel = command_method(CancelSession)

    def get(self, session_id: UUID | str) -> ReadingSession:
        """The session's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(ReadingSession, session_id, _KIND)

    def participant(self, session_id: UUID | str, subject_id: str) -> Opened:
        """A registered participant's personal data (ERASED once the subject was erased)."""
        session = self.get(session_id)
        registration = session.registration(subject_id)
        return self._deps.personal.open(
            registration.participant,
            aggregate_id=session.id,
            version=registration.version,
            topic=ReadingSession.Registered.TOPIC,
        )

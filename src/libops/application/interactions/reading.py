"""Commands on reading-sharing sessions: schedule, register, attendance, contributions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from libops.application.access import read_sealed
from libops.application.commands import Command, Context, Executes, command, command_method, handles
from libops.application.interactions.common import CarriesPersonalData
from libops.application.personal_data import Opened
from libops.domain.campaign import Campaign
from libops.domain.interaction.reading import ReadingSession
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.values import Actor, Platform

_KIND = "reading session"


@command(
    "reading_session.schedule",
    calls=ReadingSession.schedule,
    now=True,
    refers_to={"campaign_id": Campaign},
)
@attrs.frozen(kw_only=True)
class ScheduleSession(Command[UUID]):
    """Schedule a session online (``platform``), in a ``place``, or both; returns its id."""

    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    platform: Platform | str | None = None
    place: str | None = None
    description: str = ""
    campaign_id: UUID | str | None = None


@command("reading_session.register")
@attrs.frozen(kw_only=True)
class RegisterParticipant(CarriesPersonalData, Command[str]):
    """Register a participant (by ``subject_id``, or their handle on ``platform``).

    Returns the participant's subject id, which attendance and contributions name.
    """

    PERSONAL = "participant"

    session_id: UUID | str = attrs.field(kw_only=False)
    participant: PersonalInfo
    consent: Consent
    subject_id: str | None = None
    platform: Platform | str | None = None


@handles(RegisterParticipant)
def register_participant(ctx: Context, actor: Actor, command: RegisterParticipant) -> str:
    subject = command.subject(ctx.deps)
    session = ctx.load(ReadingSession, command.session_id)
    now = ctx.now()
    session.check_registration(actor, subject_id=subject, now=now)
    sealed = ctx.deps.personal.seal(
        subject,
        command.participant,
        command.consent,
        aggregate_id=session.id,
        version=session.version + 1,
        topic=ReadingSession.Registered.TOPIC,
        field="participant",
    )
    session.register(actor, sealed, now=now)
    return subject


@command("reading_session.record_attendance", calls=ReadingSession.record_attendance, now=True)
@attrs.frozen
class RecordAttendance(Command[None]):
    """Record that a registered participant was at the session."""

    session_id: UUID | str
    subject_id: str


@command("reading_session.record_contribution", calls=ReadingSession.record_contribution, now=True)
@attrs.frozen
class RecordContribution(Command[None]):
    """Record what a registered participant shared."""

    session_id: UUID | str
    subject_id: str
    text: str


@command("reading_session.close", calls=ReadingSession.close, now=True)
@attrs.frozen
class CloseSession(Command[None]):
    """Close a session that has started."""

    session_id: UUID | str


@command("reading_session.cancel", calls=ReadingSession.cancel, now=True)
@attrs.frozen
class CancelSession(Command[None]):
    """Call a scheduled session off, saying why."""

    session_id: UUID | str
    reason: str


@command("privacy.read_participant", requires=("privacy.read",))
@attrs.frozen
class ReadParticipant(Command[Opened]):
    """Open a registered participant's personal data, saying why; the reading is recorded."""

    KEYED = False

    session_id: UUID | str
    subject_id: str
    reason: str


@handles(ReadParticipant)
def read_participant(ctx: Context, actor: Actor, command: ReadParticipant) -> Opened:
    session = ctx.load(ReadingSession, command.session_id)
    registration = session.registration(command.subject_id)
    return read_sealed(
        ctx,
        actor,
        registration.participant,
        aggregate_id=session.id,
        version=registration.version,
        topic=ReadingSession.Registered.TOPIC,
        field="participant",
        reason=command.reason,
        what="participant",
    )


class ReadingSessionService(Executes):
    """Schedule reading-sharing sessions, register participants, record what happened."""

    participant = command_method(ReadParticipant)
    schedule = command_method(ScheduleSession)
    register = command_method(RegisterParticipant)
    record_attendance = command_method(RecordAttendance)
    record_contribution = command_method(RecordContribution)
    close = command_method(CloseSession)
    cancel = command_method(CancelSession)

    def get(self, session_id: UUID | str) -> ReadingSession:
        """The session's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(ReadingSession, session_id)

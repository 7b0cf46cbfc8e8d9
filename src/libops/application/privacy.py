"""Readers' personal data: sealed with a key per data subject, opened, and erased on request."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from libops.application.access import read_sealed
from libops.application.app import LibOpsApplication, to_id
from libops.application.checkpoints import SIGNING_KEY_SUBJECT
from libops.application.commands import (
    Command,
    Context,
    Executes,
    command,
    command_method,
    handles,
)
from libops.application.personal_data import Opened, check_field, sealed_values
from libops.domain.access import DataAccess
from libops.domain.errors import InvalidValueError, UnknownIdError
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.moderation import ConductRecord
from libops.domain.interaction.qa import TEXT_SEALED, Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.interaction.survey import Survey
from libops.domain.personal import (
    Consent,
    DataSubject,
    ErasureLedger,
    PersonalInfo,
    SealedPersonalData,
    require_subject_id,
)
from libops.domain.ports import KeyStore
from libops.domain.values import Actor, Platform, Role

ERASURE_ACTOR: Final = Actor(
    "libops-erasure", [Role.OPERATIONS_ADMIN], "libops, completing a requested erasure"
)
"""Who completes an erasure left half-way, when a store is opened or repaired."""


@command("privacy.request_erasure", requires=("privacy.erase",))
@attrs.frozen
class RequestErasure(Command[bool]):
    """Record a request to erase a data subject: who asks, when and why (the first step).

    From then on the subject's data reads as erased, even while the key is still there.
    Returns False, recording nothing, if an erasure of the subject was recorded before.
    Needs ``privacy.erase``. ``ops.privacy.erase`` takes this step and the next.
    """

    subject_id: str
    reason: str


@handles(RequestErasure)
def request_erasure(ctx: Context, actor: Actor, command: RequestErasure) -> bool:
    if command.subject_id == SIGNING_KEY_SUBJECT:
        raise InvalidValueError(f"{SIGNING_KEY_SUBJECT} is libops's own key, not a data subject")
    subject = DataSubject.request_erasure(
        actor, command.subject_id, reason=command.reason, at=ctx.now()
    )
    if ctx.find(DataSubject, subject.id) is not None:
        return False  # requested or erased before: the first record stands
    ctx.add(subject)
    ledger = ctx.find(ErasureLedger, ErasureLedger.ID) or ctx.add(ErasureLedger.start())
    ledger.add(subject.subject_id)
    return True


@command("privacy.complete_erasure", requires=("privacy.erase",))
@attrs.frozen
class CompleteErasure(Command[bool]):
    """Destroy a requested erasure's key and record that it is done (the second step).

    Returns False, recording nothing, if the erasure was complete already. A subject whose
    erasure was never requested is :class:`~libops.domain.errors.UnknownIdError`.
    Needs ``privacy.erase``.
    """

    subject_id: str


@handles(CompleteErasure)
def complete_erasure(ctx: Context, actor: Actor, command: CompleteErasure) -> bool:
    subject = ctx.load(DataSubject, DataSubject.id_for(require_subject_id(command.subject_id)))
    ledger = ctx.find(ErasureLedger, ErasureLedger.ID)
    if subject.erased:
        if ledger is not None:
            ledger.remove(subject.subject_id)  # complete already: only the ledger lagged
        return False
    # The key goes before the completion is saved: if that save fails, the request is still
    # recorded, the data reads as erased, and the next open or repair records the rest.
    ctx.deps.keys.erase(subject.subject_id)
    subject.complete(actor, at=ctx.now())
    if ledger is not None:
        ledger.remove(subject.subject_id)
    return True


@command("privacy.erase")
@attrs.frozen
class EraseSubject(Command[None]):
    """Erase a data subject: delete their key for good and record who did it, when and why.

    Afterwards every event carrying their sealed data still loads, and the data opens as
    ERASED. Erasing an erased subject again records nothing new. Needs ``privacy.erase``.
    It takes two steps that survive a crash between them: the request is recorded first
    (:class:`RequestErasure`), then the key is destroyed and the completion recorded
    (:class:`CompleteErasure`); what a crash leaves half-way, the next ``LibOps.open`` or
    ``libops db check --repair`` finishes.
    """

    subject_id: str
    reason: str


@handles(EraseSubject)
def erase_subject(ctx: Context, actor: Actor, command: EraseSubject) -> None:
    # Every check happens in the first step: a refused erasure records and deletes nothing.
    ctx.execute(actor, RequestErasure(command.subject_id, command.reason))
    complete_erasure(ctx, actor, CompleteErasure(command.subject_id))


def erasure_pending(app: LibOpsApplication, subject_id: str) -> bool:
    """Whether an erasure of ``subject_id`` was requested and its completion not recorded."""
    try:
        subject: object = app.repository.get(DataSubject.id_for(subject_id))
    except AggregateNotFoundError:
        return False
    return isinstance(subject, DataSubject) and subject.pending


@command("privacy.reveal", requires=("privacy.read",))
@attrs.frozen
class RevealEvent(Command[dict[str, Opened]]):
    """Open every sealed value a stored event carries, saying why; each reading is recorded.

    The event is the ``version``-th of the aggregate ``aggregate_id`` (any aggregate, yours
    too); the values are keyed by field name (``field[index]`` inside a list).
    """

    KEYED = False

    aggregate_id: UUID | str
    version: int
    reason: str


@handles(RevealEvent)
def reveal_event(ctx: Context, actor: Actor, command: RevealEvent) -> dict[str, Opened]:
    aggregate_id = to_id(command.aggregate_id, "aggregate")
    found = list(ctx.app.events.get(aggregate_id, gt=command.version - 1, lte=command.version))
    if not found:
        raise UnknownIdError(f"version {command.version} of aggregate", aggregate_id)
    (event,) = found
    topic = get_topic(type(event))
    opened: dict[str, Opened] = {}
    for key, item in sealed_values(event):
        check_field(item, key, event)
        opened[key] = read_sealed(
            ctx,
            actor,
            item,
            aggregate_id=aggregate_id,
            version=command.version,
            topic=topic,
            reason=command.reason,
            what=key,
        )
    return opened


@command("privacy.open", requires=("privacy.read",))
@attrs.frozen(kw_only=True)
class OpenSealed(Command[Opened]):
    """Open one sealed value as bound to an event (id, version, topic), saying why; recorded."""

    KEYED = False

    sealed: SealedPersonalData = attrs.field(kw_only=False)
    aggregate_id: UUID
    version: int
    topic: str
    reason: str


@handles(OpenSealed)
def open_sealed(ctx: Context, actor: Actor, command: OpenSealed) -> Opened:
    if not isinstance(command.sealed, SealedPersonalData):
        raise InvalidValueError(
            f"sealed must be SealedPersonalData, not {type(command.sealed).__name__}"
        )
    return read_sealed(
        ctx,
        actor,
        command.sealed,
        aggregate_id=command.aggregate_id,
        version=command.version,
        topic=command.topic,
        reason=command.reason,
        what="sealed value",
    )


# --- subject access ---------------------------------------------------------------------------

SUBJECT_ACCESS_AGGREGATES: Final[tuple[type[Aggregate], ...]] = (
    Question,
    ReadingSession,
    Contest,
    Survey,
    ConductRecord,
    DataAccess,
    DataSubject,
)
"""The aggregates whose events can concern a data subject (what a listing reads)."""

_OMITTED: Final = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "subject_id"}
)


def _event_topics(aggregates: tuple[type[Aggregate], ...]) -> tuple[str, ...]:
    topics = []
    for aggregate in aggregates:
        for value in vars(aggregate).values():
            topic = getattr(value, "TOPIC", None)
            if (
                isinstance(value, type)
                and issubclass(value, Aggregate.Event)
                and isinstance(topic, str)
                and not topic.endswith(".Event")
            ):
                topics.append(topic)
    return tuple(dict.fromkeys(topics))


@attrs.frozen
class SubjectRecord:
    """One recorded event that concerns a data subject, as a subject-access listing shows it.

    ``kind`` is the aggregate's type (``Question``, ``ReadingSession``, ``Contest``,
    ``Survey``, ``ConductRecord``, ``DataAccess``, ``DataSubject``), ``event`` the event's topic,
    ``recorded_at`` when it was recorded; ``details`` are its other fields as text (sealed
    values left out), and ``personal`` the sealed values it carries for the subject, opened
    (ERASED once erased), by field name.
    """

    kind: str
    event: str
    aggregate_id: UUID
    version: int
    recorded_at: datetime
    details: dict[str, str]
    personal: dict[str, Opened]


def _concerns(event: Any, subject_id: str) -> list[tuple[str, SealedPersonalData]]:
    """The sealed values of ``event`` that are the subject's, with their field names."""
    return [(key, item) for key, item in sealed_values(event) if item.subject_id == subject_id]


def _is_about(event: Any, subject_id: str, conduct_id: UUID, sealed: list[Any]) -> bool:
    return bool(
        sealed
        or getattr(event, "subject_id", None) == subject_id
        or event.originator_id == conduct_id
    )


@command("privacy.subject_access", requires=("privacy.read",))
@attrs.frozen
class SubjectAccess(Command[tuple[SubjectRecord, ...]]):
    """List every record libops holds about a data subject, oldest first (a subject access).

    Questions asked, reading-session registrations, attendance and contributions, contest
    entries, survey responses, moderation (conduct) records, the readings of their data, and
    their erasure, each with its sealed personal data opened. Needs ``privacy.read`` and a
    reason; the listing is recorded as one reading of their data.
    """

    KEYED = False

    subject_id: str
    reason: str


@handles(SubjectAccess)
def subject_access(ctx: Context, actor: Actor, command: SubjectAccess) -> tuple[SubjectRecord, ...]:
    subject_id = require_subject_id(command.subject_id)
    # The listing is a reading of their data: recorded first, in this command's save.
    ctx.add(
        DataAccess.record(
            actor,
            subject_id=subject_id,
            reason=command.reason,
            source_id=DataSubject.id_for(subject_id),
            what="subject access listing",
            at=ctx.now(),
        )
    )
    conduct_id = ConductRecord.id_for(subject_id)
    records = []
    for notification in ctx.app.notifications(*_event_topics(SUBJECT_ACCESS_AGGREGATES)):
        event: Any = ctx.app.mapper.to_domain_event(notification)
        sealed = _concerns(event, subject_id)
        if not _is_about(event, subject_id, conduct_id, sealed):
            continue
        topic = get_topic(type(event))
        personal: dict[str, Opened] = {}
        for name, value in sealed:
            check_field(value, name, event)
            personal[name] = ctx.deps.personal.open(
                value,
                aggregate_id=event.originator_id,
                version=event.originator_version,
                topic=topic,
            )
        carrying = {name.split("[")[0] for name, _ in sealed}
        details = {
            name: str(value)
            for name, value in vars(event).items()
            if name not in _OMITTED and name not in carrying
        }
        if isinstance(event, Question.Received) and event.text == TEXT_SEALED:
            # The question's text is sealed with the asker: shown with their data.
            details["text"] = str(
                ctx.deps.personal.open_text(
                    event.asker,
                    aggregate_id=event.originator_id,
                    version=event.originator_version,
                    topic=topic,
                )
            )
        records.append(
            SubjectRecord(
                kind=topic.removeprefix("libops:").split(".")[0],
                event=topic,
                aggregate_id=event.originator_id,
                version=event.originator_version,
                recorded_at=event.timestamp,
                details=details,
                personal=personal,
            )
        )
    return tuple(records)


class PersonalDataService(Executes):
    """Seal participants' personal data, read it (recorded), and erase data subjects.

    Reading is ``privacy.read`` and every reading is recorded (:mod:`.access`); sealing,
    pseudonyms and erasure work as :class:`~libops.application.personal_data.PersonalData`
    describes.
    """

    erase = command_method(EraseSubject)
    subject_access = command_method(SubjectAccess)
    request_erasure = command_method(RequestErasure)
    complete_erasure = command_method(CompleteErasure)
    reveal = command_method(RevealEvent)
    open = command_method(OpenSealed)

    @property
    def keys(self) -> KeyStore:
        """The key store holding every data subject's key."""
        return self._deps.keys

    def seal(
        self,
        subject_id: str,
        info: PersonalInfo,
        consent: Consent,
        *,
        aggregate_id: UUID,
        version: int,
        topic: str,
        field: str | None = None,
    ) -> SealedPersonalData:
        """Seal ``info`` for ``field`` of the event at ``version`` of an aggregate.

        See :meth:`~libops.application.personal_data.PersonalData.seal`.
        """
        return self._deps.personal.seal(
            subject_id,
            info,
            consent,
            aggregate_id=aggregate_id,
            version=version,
            topic=topic,
            field=field,
        )

    def subject_id_for(self, platform: Platform | str, handle: str) -> str:
        """A stable pseudonym for the reader with ``handle`` on ``platform`` (64 hex digits)."""
        return self._deps.personal.subject_id_for(platform, handle)

    def is_erased(self, subject_id: str) -> bool:
        """Whether the data subject was erased (or their erasure requested)."""
        return self._deps.personal.is_erased(subject_id) or erasure_pending(
            self._app, require_subject_id(subject_id)
        )

    def erasure(self, subject_id: str) -> DataSubject | None:
        """The recorded erasure of a subject (who, when, why), or None if none was requested.

        ``.erased`` says whether it is complete, ``.pending`` whether it was left half-way.
        """
        return self._app.find(DataSubject, DataSubject.id_for(require_subject_id(subject_id)))

    def pending_erasures(self) -> list[str]:
        """The subjects whose erasure was requested and not completed yet, oldest first."""
        ledger = self._app.find(ErasureLedger, ErasureLedger.ID)
        if ledger is None:
            return []  # no erasure was ever requested in two steps
        return list(ledger.pending)

    def finish_pending_erasures(self) -> list[str]:
        """Complete every erasure left half-way (request recorded, completion not).

        Destroys each one's key if it is still there and records the completion, by
        :data:`ERASURE_ACTOR`. Returns the subject ids finished (empty when none was
        pending). ``LibOps.open`` runs it; so does ``libops db check --repair``.
        """
        finished = []
        for subject_id in self.pending_erasures():
            if self._bus.execute(ERASURE_ACTOR, CompleteErasure(subject_id)):
                finished.append(subject_id)
        return finished

    def reapply_erasures(self) -> int:
        """Delete again the key of every subject whose erasure the event history records.

        Run it after restoring a backup of the key store: a backup taken before an erasure
        still holds the key. Returns how many subjects were erased again (0 when the key
        store already agreed with the history). Records nothing. An erasure only requested
        counts as well: its key must go too.
        """
        erased_again = 0
        for notification in self._app.notifications(
            DataSubject.Erased.TOPIC, DataSubject.ErasureRequested.TOPIC
        ):
            erasure = self._app.mapper.to_domain_event(notification)
            assert isinstance(erasure, DataSubject.Erased | DataSubject.ErasureRequested)
            if self.keys.erase(erasure.subject_id):
                erased_again += 1
        return erased_again

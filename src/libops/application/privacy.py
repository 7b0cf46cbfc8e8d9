"""Readers' personal data: sealed with a key per data subject, opened, and erased on request."""

from __future__ import annotations

from uuid import UUID

import attrs
from eventsourcing.utils import get_topic

from libops.application.access import read_sealed
from libops.application.app import to_id
from libops.application.checkpoints import SIGNING_KEY_SUBJECT
from libops.application.commands import (
    Command,
    Context,
    Executes,
    command,
    command_method,
    handles,
)
from libops.application.personal_data import Opened
from libops.domain.errors import InvalidValueError, UnknownIdError
from libops.domain.personal import (
    Consent,
    DataSubject,
    PersonalInfo,
    SealedPersonalData,
    require_subject_id,
)
from libops.domain.ports import KeyStore
from libops.domain.values import Actor, Platform


@command("privacy.erase")
@attrs.frozen
class EraseSubject(Command[None]):
    """Erase a data subject: delete their key for good and record who did it, when and why.

    Afterwards every event carrying their sealed data still loads, and the data opens as
    ERASED. Erasing an erased subject again records nothing new. Needs ``privacy.erase``.
    """

    subject_id: str
    reason: str


@handles(EraseSubject)
def erase_subject(ctx: Context, actor: Actor, command: EraseSubject) -> None:
    # Every check happens before the key goes: a refused erasure deletes nothing.
    if command.subject_id == SIGNING_KEY_SUBJECT:
        raise InvalidValueError(f"{SIGNING_KEY_SUBJECT} is libops's own key, not a data subject")
    subject = DataSubject.erase(actor, command.subject_id, reason=command.reason, at=ctx.now())
    ctx.deps.keys.erase(subject.subject_id)
    if ctx.find(DataSubject, subject.id) is None:
        ctx.add(subject)  # erased before: the first record stands


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
    for name, value in vars(event).items():
        items = list(enumerate(value)) if isinstance(value, tuple | list) else [(None, value)]
        for index, item in items:
            if isinstance(item, SealedPersonalData):
                key = name if index is None else f"{name}[{index}]"
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


class PersonalDataService(Executes):
    """Seal participants' personal data, read it (recorded), and erase data subjects.

    Reading is ``privacy.read`` and every reading is recorded (:mod:`.access`); sealing,
    pseudonyms and erasure work as :class:`~libops.application.personal_data.PersonalData`
    describes.
    """

    erase = command_method(EraseSubject)
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
    ) -> SealedPersonalData:
        """Seal ``info`` for the event at ``version`` of an aggregate (see ``PersonalData``)."""
        return self._deps.personal.seal(
            subject_id, info, consent, aggregate_id=aggregate_id, version=version, topic=topic
        )

    def subject_id_for(self, platform: Platform | str, handle: str) -> str:
        """A stable pseudonym for the reader with ``handle`` on ``platform`` (64 hex digits)."""
        return self._deps.personal.subject_id_for(platform, handle)

    def is_erased(self, subject_id: str) -> bool:
        """Whether the data subject was erased."""
        return self._deps.personal.is_erased(subject_id)

    def erasure(self, subject_id: str) -> DataSubject | None:
        """The recorded erasure of a subject (who, when, why), or None if it was not erased."""
        try:
            return self._app.load(
                DataSubject, DataSubject.id_for(require_subject_id(subject_id)), "data subject"
            )
        except UnknownIdError:
            return None

    def reapply_erasures(self) -> int:
        """Delete again the key of every subject whose erasure the event history records.

        Run it after restoring a backup of the key store: a backup taken before an erasure
        still holds the key. Returns how many subjects were erased again (0 when the key
        store already agreed with the history). Records nothing.
        """
        erased_again = 0
        for notification in self._app.notifications(DataSubject.Erased.TOPIC):
            erasure = self._app.mapper.to_domain_event(notification)
            assert isinstance(erasure, DataSubject.Erased)
            if self.keys.erase(erasure.subject_id):
                erased_again += 1
        return erased_again

"""Readers' personal data: sealed with a key per data subject, opened, and erased on request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from uuid import UUID

import attrs
from eventsourcing.domain import DomainEventProtocol

from libops.application.commands import Command, Context, Executes, command_method, handles
from libops.application.personal_data import Opened
from libops.domain.errors import UnknownIdError
from libops.domain.personal import (
    Consent,
    DataSubject,
    PersonalInfo,
    SealedPersonalData,
    require_subject_id,
)
from libops.domain.ports import KeyStore
from libops.domain.values import Actor, Platform

_BATCH: Final = 500  # notifications read at a time when reapplying erasures


@attrs.frozen
class EraseSubject(Command[None]):
    """Erase a data subject: delete their key for good and record who did it, when and why.

    Afterwards every event carrying their sealed data still loads, and the data opens as
    ERASED. Erasing an erased subject again records nothing new. Needs ``privacy.erase``.
    """

    NAME = "privacy.erase"

    subject_id: str
    reason: str


@handles(EraseSubject)
def erase_subject(ctx: Context, actor: Actor, command: EraseSubject) -> None:
    # Every check happens before the key goes: a refused erasure deletes nothing.
    subject = DataSubject.erase(actor, command.subject_id, reason=command.reason, at=ctx.now())
    ctx.deps.keys.erase(subject.subject_id)
    if ctx.find(DataSubject, subject.id, "data subject") is None:
        ctx.add(subject)  # erased before: the first record stands


class PersonalDataService(Executes):
    """Seal participants' personal data for events, open it again, and erase data subjects.

    Each data subject has a key of their own in the key store, outside the event store.
    Sealed data is bound to the event that carries it (aggregate id, version and topic), so
    it opens nowhere else. Erasing a subject deletes the key: their sealed data then opens as
    :data:`~libops.domain.personal.ERASED` everywhere, and nothing else changes.
    """

    erase = command_method(EraseSubject)

    @property
    def keys(self) -> KeyStore:
        """The key store the subjects' keys are kept in."""
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
        """Encrypt ``info`` with the subject's key, for the event at ``version`` of an aggregate.

        See :meth:`libops.application.personal_data.PersonalData.seal`.
        """
        return self._deps.personal.seal(
            subject_id, info, consent, aggregate_id=aggregate_id, version=version, topic=topic
        )

    def open(
        self, sealed: SealedPersonalData, *, aggregate_id: UUID, version: int, topic: str
    ) -> Opened:
        """The personal data sealed for the event at ``version`` of an aggregate, or ERASED."""
        return self._deps.personal.open(
            sealed, aggregate_id=aggregate_id, version=version, topic=topic
        )

    def reveal(self, event: DomainEventProtocol[Any]) -> Mapping[str, Opened]:
        """Open every sealed value a stored event carries, keyed by field name."""
        return self._deps.personal.reveal(event)

    def subject_id_for(self, platform: Platform | str, handle: str) -> str:
        """A stable pseudonym for the reader with ``handle`` on ``platform`` (64 hex digits)."""
        return self._deps.personal.subject_id_for(platform, handle)

    def is_erased(self, subject_id: str) -> bool:
        """Whether the data subject was erased."""
        return self._deps.keys.is_erased(subject_id)

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
        start: int | None = 1
        while start is not None:
            batch = self._app.recorder.select_notifications(
                start=start, limit=_BATCH, topics=[DataSubject.Erased.TOPIC]
            )
            for notification in batch:
                erasure = self._app.mapper.to_domain_event(notification)
                assert isinstance(erasure, DataSubject.Erased)
                if self.keys.erase(erasure.subject_id):
                    erased_again += 1
            start = batch[-1].id + 1 if len(batch) == _BATCH else None
        return erased_again

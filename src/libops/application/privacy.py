"""Readers' personal data: sealed with a key per data subject, opened, and erased on request."""

from __future__ import annotations

import attrs

from libops.application.checkpoints import SIGNING_KEY_SUBJECT
from libops.application.commands import (
    Command,
    CommandBus,
    Context,
    Executes,
    command,
    command_method,
    handles,
)
from libops.application.personal_data import PersonalData
from libops.domain.errors import InvalidValueError, UnknownIdError
from libops.domain.personal import (
    DataSubject,
    require_subject_id,
)
from libops.domain.values import Actor


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


class PersonalDataService(Executes, PersonalData):
    """Seal participants' personal data, open it again, and erase data subjects (see
    :class:`~libops.application.personal_data.PersonalData`)."""

    erase = command_method(EraseSubject)

    def __init__(self, bus: CommandBus) -> None:
        Executes.__init__(self, bus)
        PersonalData.__init__(self, bus.deps.keys, bus.deps.sealer)

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

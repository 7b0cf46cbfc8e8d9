"""Reading readers' personal data: a permission of its own, and every reading recorded.

The commands that open sealed personal data (``ops.questions.asker``,
``ops.sessions.participant``, ``ops.contests.participant``, ``ops.privacy.reveal`` and
``ops.privacy.open``) need the ``privacy.read`` entry of the role table and a reason, and
each one records a :class:`~libops.domain.access.DataAccess` (who read whose data, from
where, when and why) in the same save. They take no idempotency key: their result, the
personal data, is never stored.
"""

from __future__ import annotations

from uuid import UUID

from libops.application.commands import Context
from libops.application.personal_data import Opened
from libops.domain.access import DataAccess
from libops.domain.errors import PersonalDataTamperedError
from libops.domain.personal import SealedPersonalData
from libops.domain.values import Actor


def read_sealed(
    ctx: Context,
    actor: Actor,
    sealed: SealedPersonalData,
    *,
    aggregate_id: UUID,
    version: int,
    topic: str,
    reason: str,
    what: str,
    field: str | None = None,
) -> Opened:
    """Record the reading, then open ``sealed`` as bound to that event (see ``open``).

    With ``field``, the value must have been sealed for that field of the event (or before
    values named their field): one moved from another field is tampering.
    """
    if field is not None and sealed.field is not None and sealed.field != field:
        raise PersonalDataTamperedError(
            f"sealed personal data in field {field} of version {version} of {aggregate_id} "
            f"was sealed for field {sealed.field}: it was moved"
        )
    ctx.add(
        DataAccess.record(
            actor,
            subject_id=sealed.subject_id,
            reason=reason,
            source_id=aggregate_id,
            what=what,
            at=ctx.now(),
        )
    )
    return ctx.deps.personal.open(sealed, aggregate_id=aggregate_id, version=version, topic=topic)

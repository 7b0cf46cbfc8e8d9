"""Access records: each reading of a reader's personal data, by whom, whose and why.

Personal data is sealed in the events; opening it is a permission of its own
(``privacy.read``), and every opening is recorded as an :class:`DataAccess`, so the auditor
can list who read whose data, when and for what (``libops audit access``). The record holds
the subject's pseudonymous id, never the data.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.permissions import authorize
from libops.domain.personal import require_subject_id
from libops.domain.values import Actor, require_line, require_text

REASON_MAX = 500
"""The longest reason for reading personal data, in characters."""


class DataAccess(Aggregate):
    """One reading of a data subject's personal data (recorded once, never changed)."""

    TOPIC = "libops:DataAccess"

    class Event(events.Event):
        TOPIC = "libops:DataAccess.Event"

    class Read(events.Created):
        """Someone opened a data subject's sealed personal data, saying why."""

        TOPIC = "libops:DataAccess.Read"
        actor_id: str
        subject_id: str
        reason: str
        source_id: UUID
        what: str
        at: datetime

    @classmethod
    def record(
        cls, actor: Actor, *, subject_id: str, reason: str, source_id: UUID, what: str, at: datetime
    ) -> DataAccess:
        """Record that ``actor`` read ``subject_id``'s data (``what`` of ``source_id``)."""
        authorize(actor, "privacy.read")
        return cls(
            actor_id=actor.id,
            subject_id=require_subject_id(subject_id),
            reason=require_text("reason", reason, max_length=REASON_MAX),
            source_id=source_id,
            what=require_line("what", what),
            at=at,
        )

    @event(Read)
    def __init__(
        self, actor_id: str, subject_id: str, reason: str, source_id: UUID, what: str, at: datetime
    ) -> None:
        self.read_by = actor_id
        self.subject_id = subject_id
        self.reason = reason
        self.source_id = source_id
        self.what = what
        self.at = at

"""The activity log: who did what, when, on which aggregate.

One document per event of the libops aggregates, in log order, with the actor, the event's
topic, the aggregate's id and type, the time the event was recorded and a short summary built
from the event's fields. Sealed personal data never reaches the log: a field carrying it is
shown as ``"[personal data]"``, and free text that readers write (a question, a contribution)
is left out. So when a data subject is erased, no entry needs changing; the erasure itself is
logged as an entry (``libops:DataSubject.Erased``).

Documents:

- ``entry:<sequence>`` (the sequence is the entry's place in the log, from 1, zero-padded to
  12 digits so that keys sort in log order): ``{"sequence", "actor_id", "topic", "event",
  "aggregate_type", "aggregate_id", "version", "recorded_at", "summary"}``;
- ``actor:<actor id>``: ``{"events": n, "by_topic": {topic: n}}`` for each actor
  (``actor:system`` for events no person caused);
- ``sequence``: the number of entries so far.

The engine does not pass notification ids to handlers, so the sequence counts the entries
this projection has applied; it follows the log's order and is the same on every rebuild.
"""

from __future__ import annotations

import datetime as _dt
import enum
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from libops.domain.budget import Budget
from libops.domain.calendar import PlatformCalendar
from libops.domain.campaign import Campaign
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.moderation import ConductRecord
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.personal import DataSubject, SealedPersonalData
from libops.domain.post import Post
from libops.domain.risk import Risk
from libops.domain.values import Money
from libops.projections.views import Projection, View, event_topic, handles

PERSONAL: Final = "[personal data]"
"""How a field carrying sealed personal data is shown in a summary."""

SYSTEM_ACTOR: Final = "system"
"""The actor id logged for an event no person caused (``actor_id`` is None)."""

AGGREGATES: Final[tuple[type[Aggregate], ...]] = (
    Campaign,
    Post,
    PlatformCalendar,
    Budget,
    Risk,
    Contest,
    Question,
    ReadingSession,
    ConductRecord,
    DataSubject,
)
"""The aggregates whose events the activity log records."""

_SKIPPED_FIELDS: Final = frozenset(
    {"actor_id", "originator_id", "originator_version", "timestamp", "originator_topic"}
)
# Free text a reader may have written, or long content: never summarised.
_UNSUMMARISED: Final = frozenset({"text", "body", "description", "sealed_seed", "plan"})
_VALUE_LENGTH: Final = 60
_SUMMARY_LENGTH: Final = 240


def _event_classes() -> tuple[type[Any], ...]:
    """Every event class of :data:`AGGREGATES`, one per stored topic."""
    classes: dict[str, type[Any]] = {}
    for aggregate in AGGREGATES:
        prefix = f"{event_topic(aggregate)}."
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event):
                topic = event_topic(value)
                if topic.startswith(prefix) and topic != f"{prefix}Event":
                    classes.setdefault(topic, value)
    return tuple(classes.values())


def _short(value: Any) -> str:
    """``value`` as short text, never showing sealed personal data."""
    if isinstance(value, SealedPersonalData):
        return PERSONAL
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal | int | str):
        text = str(value)
        return text if len(text) <= _VALUE_LENGTH else text[: _VALUE_LENGTH - 1] + "…"
    if isinstance(value, tuple | list):
        if any(isinstance(item, SealedPersonalData) for item in value):
            return PERSONAL
        return f"{len(value)} item{'' if len(value) == 1 else 's'}"
    if attrs.has(type(value)):
        if any(
            isinstance(getattr(value, field.name), SealedPersonalData)
            for field in attrs.fields(type(value))
        ):
            return PERSONAL
        return type(value).__name__
    return type(value).__name__


def summary(event: Any) -> str:
    """A short summary of ``event`` from its non-personal fields, e.g. ``"Planned: name=X"``."""
    parts: list[str] = []
    for field, value in sorted(vars(event).items()):
        if field in _SKIPPED_FIELDS or field.startswith("_") or value is None:
            continue
        if isinstance(value, SealedPersonalData):
            parts.append(f"{field}={PERSONAL}")
        elif field not in _UNSUMMARISED:
            parts.append(f"{field}={_short(value)}")
    text = type(event).__name__ + (": " + ", ".join(parts) if parts else "")
    return text if len(text) <= _SUMMARY_LENGTH else text[: _SUMMARY_LENGTH - 1] + "…"


def entry_key(sequence: int) -> str:
    """The key of the entry at ``sequence`` (1, 2, ...) in the log."""
    return f"entry:{sequence:012d}"


class ActivityLogProjection(Projection):
    """Who did what, when, on which aggregate: one entry per event, and counts per actor."""

    name = "activity"

    @handles(*_event_classes())
    def logged(self, event: Any, view: View) -> None:
        """Add an entry for ``event`` and count it for its actor."""
        sequence = int(view.get("sequence", 0)) + 1
        view.put("sequence", sequence)
        topic = event_topic(type(event))
        actor_id = getattr(event, "actor_id", None) or SYSTEM_ACTOR
        aggregate_type = topic.split(":", 1)[-1].split(".", 1)[0]
        view.put(
            entry_key(sequence),
            {
                "sequence": sequence,
                "actor_id": actor_id,
                "topic": topic,
                "event": type(event).__name__,
                "aggregate_type": aggregate_type,
                "aggregate_id": str(event.originator_id),
                "version": int(event.originator_version),
                "recorded_at": event.timestamp.isoformat(),
                "summary": summary(event),
            },
        )
        counts = view.get(f"actor:{actor_id}", {"events": 0, "by_topic": {}})
        counts["events"] += 1
        counts["by_topic"][topic] = counts["by_topic"].get(topic, 0) + 1
        view.put(f"actor:{actor_id}", counts)

"""The activity log: who did what, when, on which aggregate.

One entry per event of the libops aggregates, in log order, with the actor, the event's
topic, the aggregate's id and type, the event's version and the time it was recorded; reading
an entry adds a short summary built from the event's fields (the event is read from the log
then: it is not copied into the view). Sealed personal data never reaches a summary: a field
carrying it is shown as ``"[personal data]"``, and free text that readers write (a question,
a contribution) is left out. So when a data subject is erased, no entry needs changing; the
erasure itself is logged as an entry (``libops:DataSubject.Erased``).

Documents:

- ``page:<n>`` (from 1, zero-padded to 10 digits so that keys sort in log order): a list of
  up to :data:`PAGE_SIZE` entries, entry ``sequence`` (its place in the log, from 1) being
  item ``(sequence - 1) % PAGE_SIZE`` of page ``(sequence - 1) // PAGE_SIZE + 1``; each entry
  is stored as a list of :data:`ENTRY_FIELDS` (``sequence``, ``actor_id``, ``topic``,
  ``aggregate_id``, ``version``, ``recorded_at``). :func:`entry` reads one entry and
  :func:`entries` lists a whole view's, each as a dict with ``event`` and
  ``aggregate_type`` (read from the topic) added, and ``summary`` (read from the event) when
  asked for. (Pages of lists rather than a document per entry: one row is written per 100
  events, not per event, at about half the size.)
- ``actor:<actor id>``: ``{"events": n, "by_topic": {topic: n}}`` for each actor
  (``actor:system`` for events no person caused);
- ``sequence``: the number of entries so far.

The engine does not pass notification ids to handlers, so the sequence counts the entries
this projection has applied; it follows the log's order and is the same on every rebuild.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from libops.domain.budget import Budget
from libops.domain.calendar import PlatformCalendar
from libops.domain.campaign import Campaign
from libops.domain.errors import InvalidValueError
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.moderation import ConductRecord
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.personal import DataSubject, SealedPersonalData
from libops.domain.post import Post
from libops.domain.risk import Risk
from libops.domain.values import Money
from libops.projections.ports import EventLog, ProjectionStore, event_log_of
from libops.projections.views import Projection, View, event_topic, handles, uuid_text

if TYPE_CHECKING:
    from libops.projections.engine import ProjectionEngine

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


def _clip(text: str) -> str:
    return text if len(text) <= _VALUE_LENGTH else text[: _VALUE_LENGTH - 1] + "…"


def _plain(value: Any) -> str:
    return _clip(str(value))


def _personal(value: Any) -> str:
    return PERSONAL


def _enum(value: enum.Enum) -> str:
    return str(value.value)


def _money(value: Money) -> str:
    return f"{value.amount} {value.currency}"


def _items(value: tuple[Any, ...] | list[Any]) -> str:
    for item in value:
        if isinstance(item, SealedPersonalData):
            return PERSONAL
    return f"{len(value)} item{'' if len(value) == 1 else 's'}"


def _record(cls: type[Any]) -> Callable[[Any], str]:
    """The formatter of an attrs value class: its name, or PERSONAL if a field is sealed."""
    name = cls.__name__
    names = tuple(field.name for field in attrs.fields(cls))

    def record(value: Any) -> str:
        for field in names:
            if isinstance(getattr(value, field), SealedPersonalData):
                return PERSONAL
        return name

    return record


def _type_name(value: Any) -> str:
    return type(value).__name__


# How each type of value is shown, worked out once per type (``_formatter``).
_FORMATTERS: dict[type[Any], Callable[[Any], str]] = {}


def _formatter(cls: type[Any]) -> Callable[[Any], str]:
    """The function showing values of ``cls`` as short text (cached per type)."""
    found = _FORMATTERS.get(cls)
    if found is not None:
        return found
    chosen: Callable[[Any], str]
    if issubclass(cls, SealedPersonalData):
        chosen = _personal
    elif issubclass(cls, enum.Enum):
        chosen = _enum
    elif issubclass(cls, Money):
        chosen = _money
    elif issubclass(cls, _dt.datetime | _dt.date):
        chosen = cls.isoformat
    elif issubclass(cls, UUID | Decimal | int | str):
        chosen = _plain
    elif issubclass(cls, tuple | list):
        chosen = _items
    elif attrs.has(cls):
        chosen = _record(cls)
    else:
        chosen = _type_name
    _FORMATTERS[cls] = chosen
    return chosen


_FIELDS: dict[tuple[type[Any], int], tuple[tuple[str, str, bool], ...]] = {}


def _fields(event: Any) -> tuple[tuple[str, str, bool], ...]:
    """The fields of ``event`` a summary may show, sorted by name, each with its ``name=``
    prefix and whether its value is left out unless sealed (cached per class and number of
    fields: an event stored before a field was added has fewer)."""
    cache_key = (type(event), len(vars(event)))
    fields = _FIELDS.get(cache_key)
    if fields is None:
        fields = _FIELDS[cache_key] = tuple(
            (name, f"{name}=", name in _UNSUMMARISED)
            for name in sorted(vars(event))
            if name not in _SKIPPED_FIELDS and not name.startswith("_")
        )
    return fields


def summary(event: Any) -> str:
    """A short summary of ``event`` from its non-personal fields, e.g. ``"Planned: name=X"``."""
    parts: list[str] = []
    values = vars(event)
    formatters = _FORMATTERS
    for field, prefix, unsummarised in _fields(event):
        value = values.get(field)
        if value is None:
            continue
        if unsummarised:
            if isinstance(value, SealedPersonalData):
                parts.append(prefix + PERSONAL)
            continue
        cls = type(value)
        shown = formatters.get(cls) or _formatter(cls)
        parts.append(prefix + shown(value))
    text = type(event).__name__ + (": " + ", ".join(parts) if parts else "")
    return text if len(text) <= _SUMMARY_LENGTH else text[: _SUMMARY_LENGTH - 1] + "…"


_NAMES: dict[type[Any], tuple[str, str, str]] = {}


def _names(cls: type[Any]) -> tuple[str, str, str]:
    """The topic, event name and aggregate type of an event class (cached)."""
    names = _NAMES.get(cls)
    if names is None:
        topic = event_topic(cls)
        names = _NAMES[cls] = (topic, cls.__name__, topic.split(":", 1)[-1].split(".", 1)[0])
    return names


PAGE_SIZE: Final = 100
"""Entries per ``page:`` document."""


def page_key(sequence: int) -> str:
    """The key of the page holding the entry at ``sequence`` (1, 2, ...) in the log."""
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
        raise InvalidValueError(f"an activity sequence is a whole number >= 1, not {sequence!r}")
    return _page(sequence)


def _page(sequence: int) -> str:
    """:func:`page_key` of a sequence known to be good (the handler's own count)."""
    return f"page:{(sequence - 1) // PAGE_SIZE + 1:010d}"


ENTRY_FIELDS: Final = ("sequence", "actor_id", "topic", "aggregate_id", "version", "recorded_at")
"""The fields of an entry, in the order a page stores them (as a list, to keep pages small)."""


def expand(row: list[Any]) -> dict[str, Any]:
    """A stored entry row as a dict of :data:`ENTRY_FIELDS`, with ``event`` and
    ``aggregate_type`` read from the topic (``libops:Post.Published``: ``Published``,
    ``Post``). (A row written before summaries were read from the log keeps its stored
    ``summary``.)"""
    found = dict(zip(ENTRY_FIELDS, row[: len(ENTRY_FIELDS)], strict=True))
    if len(row) > len(ENTRY_FIELDS):
        found["summary"] = row[len(ENTRY_FIELDS)]
    kind, _, event_name = str(found["topic"]).split(":", 1)[-1].partition(".")
    found["event"] = event_name
    found["aggregate_type"] = kind
    return found


def event_of(log: EventLog | ProjectionStore, found: Mapping[str, Any]) -> Any:
    """The event an entry stands for, read from the log (by aggregate id and version) of
    ``log``: an event log, or an opened store such as :class:`~libops.LibOps`."""
    aggregate_id, version = UUID(str(found["aggregate_id"])), int(found["version"])
    event = event_log_of(log).event(aggregate_id, version)
    if event is None:
        raise InvalidValueError(
            f"activity entry {found.get('sequence')}: the log holds no event {version} of "
            f"{aggregate_id}"
        )
    return event


def summarised(log: EventLog | ProjectionStore, found: Mapping[str, Any]) -> dict[str, Any]:
    """``found`` (an expanded entry) with its ``summary``, read from its event in ``log``."""
    if "summary" in found:
        return dict(found)
    return {**found, "summary": summary(event_of(log, found))}


def entry(engine: ProjectionEngine, sequence: int, *, name: str = "activity") -> Any | None:
    """The entry at ``sequence`` of the activity log kept by ``engine`` (None if none), with
    its summary."""
    page = engine.get(name, page_key(sequence)) or []
    index = (sequence - 1) % PAGE_SIZE
    return summarised(engine.log, expand(page[index])) if index < len(page) else None


def entries(
    documents: Mapping[str, Any], *, ops: EventLog | ProjectionStore | None = None
) -> list[dict[str, Any]]:
    """Every entry of an activity log view (``engine.view("activity")``), in log order.

    With ``ops`` (the store the view was made from) each has its ``summary`` too, which
    reads every entry's event from the log: for a long log, summarise the entries needed
    with :func:`summarised` instead.
    """
    found = [
        expand(row)
        for key in sorted(documents)
        if key.startswith("page:")
        for row in documents[key]
    ]
    return found if ops is None else [summarised(ops, e) for e in found]


class ActivityLogProjection(Projection):
    """Who did what, when, on which aggregate: one entry per event, and counts per actor."""

    name = "activity"
    apply_cost = 0.4  # measured: see Projection.apply_cost

    _page_number: int = -1
    _page_key: str = ""

    @handles(*_event_classes())
    def logged(self, event: Any, view: View) -> None:
        """Add an entry for ``event`` and count it for its actor."""
        sequence = view.get("sequence", 0) + 1
        view.put("sequence", sequence)
        cls = type(event)
        names = _NAMES.get(cls) or _names(cls)
        topic = names[0]
        actor_id = getattr(event, "actor_id", None) or SYSTEM_ACTOR
        number = (sequence - 1) // PAGE_SIZE
        if number != self._page_number:  # the key of the page being filled, made once
            self._page_number, self._page_key = number, _page(sequence)
        key = self._page_key
        page = view.get(key)
        if page is None:
            page = []
            view.put(key, page)
        # A tuple (stored as a JSON list, read back as one): the garbage collector stops
        # tracking a tuple of plain values, and a page's entries live for the whole batch.
        page.append(
            (  # ENTRY_FIELDS, in order
                sequence,
                actor_id,
                topic,
                uuid_text(event.originator_id),
                event.originator_version,
                event.timestamp.isoformat(),
            )
        )
        actor_key = f"actor:{actor_id}"
        counts = view.get(actor_key)
        if counts is None:
            counts = {"events": 0, "by_topic": {}}
            view.put(actor_key, counts)
        counts["events"] += 1
        by_topic = counts["by_topic"]
        by_topic[topic] = by_topic.get(topic, 0) + 1

"""The public event feed: the store's events in order, in a documented public JSON form.

Another system mirrors libops by following the feed with a cursor, the notification
position: ``ops.feed(after=0)`` answers the first page, ``ops.feed(after=page.next_after)``
the next, and so on. Filtering by aggregate kind happens in the database (a topic filter on
the notification log), never by reading everything.

Each event appears as :func:`public_event` makes it (docs/http.md, "The event feed"): its
envelope (position, kind, aggregate id, version, type, topic, recorded time) and its fields
made plain. Nothing secret is shown: sealed personal data appears only as its subject's
pseudonymous id, and a field that holds ciphertext (``sealed``, ``sealed_*``), a hash
(``*_hash``) or a secret (``*secret*``), or raw bytes, is left out wherever it is, also
inside values. Idempotency records (the first result of a keyed command, bookkeeping that
can repeat anything a command answered) are not part of the feed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs
from eventsourcing.domain import Aggregate, CanMutateAggregate

from libops.application.app import KINDS
from libops.application.public import plain
from libops.domain.access import DataAccess
from libops.domain.errors import FeedParameterError
from libops.domain.personal import ErasureLedger, SealedPersonalData
from libops.projections.ports import EventLog

DEFAULT_FEED_LIMIT: Final = 100
"""How many events a feed page holds unless asked otherwise."""

MAX_FEED_LIMIT: Final = 1_000
"""The most events one feed page holds."""

_BOOKKEEPING: Final = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp"}
)
"""An event's own fields the envelope already shows (the aggregate's topic as its kind)."""


def _feed_kinds() -> dict[type[Aggregate], str]:
    kinds: dict[type[Aggregate], str] = {
        **KINDS,
        DataAccess: "data access",
        ErasureLedger: "erasure ledger",
    }
    return dict(sorted(kinds.items(), key=lambda item: item[1]))


FEED_KINDS: Final[dict[type[Aggregate], str]] = _feed_kinds()
"""The aggregate classes whose events the feed shows, and the kind each is called by."""


def event_classes(aggregate: type[Aggregate]) -> list[type[CanMutateAggregate[Any]]]:
    """The event classes ``aggregate`` records: its nested event classes with a topic of
    their own (``libops:Post.Drafted``), not its base ``Event`` class."""
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, CanMutateAggregate)
        and str(getattr(value, "TOPIC", "")).rpartition(".")[2] == name
        and name != "Event"
    ]


def _topic(event_class: type[Any]) -> str:
    return str(event_class.TOPIC)


TOPICS_BY_KIND: Final[dict[str, tuple[str, ...]]] = {
    kind: tuple(sorted(_topic(cls) for cls in event_classes(aggregate)))
    for aggregate, kind in FEED_KINDS.items()
}
"""The stored topics of each kind's events."""

KIND_OF_TOPIC: Final[dict[str, str]] = {
    topic: kind for kind, topics in TOPICS_BY_KIND.items() for topic in topics
}
"""The kind of aggregate each topic's events belong to."""

ALL_TOPICS: Final[tuple[str, ...]] = tuple(sorted(KIND_OF_TOPIC))
"""Every topic the feed shows (the feed without a kinds filter reads these)."""


@attrs.frozen
class FeedPage:
    """One page of the event feed."""

    events: tuple[dict[str, Any], ...]
    """The events in their public form, in log order (see :func:`public_event`)."""
    next_after: int
    """The cursor for the next page: the position of the last event here, or the ``after``
    asked for when there is none. Store it once the events are processed."""
    at_end: bool
    """True when the log held no more matching events when the page was read."""


def feed_kind(text: object) -> str:
    """The feed kind ``text`` names (``post``, ``data subject``; ``_`` or ``-`` for spaces)."""
    if not isinstance(text, str):
        raise FeedParameterError("kinds", f"kinds: a kind is text, not {type(text).__name__}")
    kind = text.strip().lower().replace("_", " ").replace("-", " ")
    if kind not in TOPICS_BY_KIND:
        raise FeedParameterError(
            "kinds",
            f"kinds: {text!r} is not a kind of aggregate in the feed; one of "
            f"{', '.join(TOPICS_BY_KIND)}",
        )
    return kind


def read_feed(
    log: EventLog,
    *,
    after: int = 0,
    kinds: Sequence[str] | str | None = None,
    limit: int = DEFAULT_FEED_LIMIT,
) -> FeedPage:
    """Up to ``limit`` events after position ``after``, of ``kinds`` only if given (a list
    of kinds, or one text of kinds separated by commas)."""
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise FeedParameterError("after", f"after is a position (0 or more), not {after!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_FEED_LIMIT:
        raise FeedParameterError(
            "limit", f"limit is a whole number from 1 to {MAX_FEED_LIMIT}, not {limit!r}"
        )
    if kinds is None:
        topics: Sequence[str] = ALL_TOPICS
    else:
        if isinstance(kinds, str):
            kinds = kinds.split(",")
        chosen = sorted({feed_kind(kind) for kind in kinds})
        if not chosen:
            raise FeedParameterError("kinds", "kinds names at least one kind (or is left out)")
        topics = tuple(topic for kind in chosen for topic in TOPICS_BY_KIND[kind])
    notifications = log.select_notifications(after, limit, topics=topics)
    events = tuple(
        public_event(notification.id, notification.topic, log.to_domain_event(notification))
        for notification in notifications
    )
    next_after = events[-1]["position"] if events else after
    return FeedPage(events=events, next_after=next_after, at_end=len(events) < limit)


def public_event(position: int, topic: str, event: Any) -> dict[str, Any]:
    """One event in the feed's public form (docs/http.md, "The event feed")."""
    return {
        "position": position,
        "kind": KIND_OF_TOPIC[topic],
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "type": type(event).__qualname__,
        "topic": topic,
        "recorded_at": event.timestamp.isoformat(),
        "data": {
            name: public_value(value)
            for name, value in sorted(vars(event).items())
            if name not in _BOOKKEEPING and not secret_name(name) and _shown(value)
        },
    }


def secret_name(name: str) -> bool:
    """True for a field or key the feed never shows: ciphertext, a hash or a secret."""
    name = name.lstrip("_").lower()
    return (
        name == "sealed"
        or name.startswith("sealed_")
        or name == "hash"
        or name.endswith("_hash")
        or "secret" in name
    )


def _shown(value: Any) -> bool:
    return not isinstance(value, bytes | bytearray | memoryview)


def public_value(value: Any) -> Any:
    """``value`` made plain (:func:`~libops.application.public.plain`), without secrets:
    sealed personal data as its subject's pseudonymous id only, and no field or key that
    :func:`secret_name` names, nor any bytes, at any depth."""
    if isinstance(value, SealedPersonalData):
        return plain(value)
    if attrs.has(type(value)):
        return {
            (field.alias or field.name).lstrip("_"): public_value(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if not secret_name(field.alias or field.name) and _shown(getattr(value, field.name))
        }
    if isinstance(value, Mapping):
        return plain(
            {
                key: public_value(item)
                for key, item in value.items()
                if not (isinstance(key, str) and secret_name(key)) and _shown(item)
            }
        )
    if isinstance(value, set | frozenset):
        items = [public_value(item) for item in value if _shown(item)]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, list | tuple):
        return [public_value(item) for item in value if _shown(item)]
    return plain(value)

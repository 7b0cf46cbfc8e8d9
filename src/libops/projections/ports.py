"""The ports the projection engine runs on: an event log to read and a view store to write.

The engine depends on these protocols only, never on the application or on a storage module:
:mod:`libops.adapters.eventlog` and :mod:`libops.adapters.viewstores` implement them, and
:mod:`libops.bootstrap` wires them to an opened store (a :class:`~libops.LibOps` is a
:class:`ProjectionStore`, so ``ProjectionEngine(ops, projections)`` works).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import attrs


class Notification(Protocol):
    """One entry of the notification log, as read (not yet decoded)."""

    @property
    def id(self) -> int:
        """The notification id: its place in the log."""
        ...

    @property
    def topic(self) -> str:
        """The topic of the event it stores."""
        ...


class LogWatch(Protocol):
    """Waits for new events to be written to the log (or just for time to pass)."""

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True if new events may have been written since."""
        ...

    def close(self) -> None:
        """Stop watching."""
        ...


@runtime_checkable
class EventLog(Protocol):
    """The event log of one store, as the projection engine reads it."""

    @property
    def scheme(self) -> str:
        """``memory``, ``sqlite`` or ``postgresql``."""
        ...

    @property
    def redacted_url(self) -> str:
        """The store's URL with any password hidden (for error messages)."""
        ...

    def scrub(self, text: str) -> str:
        """``text`` with the store's password taken out (for error messages)."""
        ...

    def max_notification_id(self) -> int:
        """The id of the last notification in the log (0 when it is empty)."""
        ...

    def select_notifications(
        self, start: int, limit: int, *, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Sequence[Notification]:
        """Up to ``limit`` notifications after ``start`` (up to ``stop``), of ``topics`` if any."""
        ...

    def to_domain_event(self, notification: Any) -> Any:
        """The domain event a notification stores."""
        ...

    def event(self, aggregate_id: UUID, version: int) -> Any | None:
        """Event ``version`` of the aggregate ``aggregate_id``, decoded (None if none)."""
        ...

    def watch(self) -> LogWatch:
        """Start watching for new events (PostgreSQL wakes up early; others just wait)."""
        ...


@attrs.frozen
class ViewChanges:
    """One projection's part of a view commit: its changed documents and its new position."""

    name: str
    expected: int
    """The position the batch was read after (the commit fails unless it is still this)."""
    new: int
    changes: Mapping[str, str | None]
    """Each changed document's JSON text by key; None deletes the document."""


@runtime_checkable
class ViewStore(Protocol):
    """Where views and positions are kept: in memory, a SQLite file or a PostgreSQL schema."""

    def position(self, name: str) -> int:
        """The position of the projection ``name`` (0 when it has none)."""
        ...

    def load(self, name: str, key: str) -> str | None:
        """The JSON text of one document of ``name``'s view, or None."""
        ...

    def rows(self, name: str) -> list[tuple[str, str]]:
        """Every document of ``name``'s view as ``(key, JSON text)``, sorted by key."""
        ...

    def commit(self, entries: Sequence[ViewChanges]) -> bool:
        """Write every entry's documents and position in one transaction.

        Each position moves from ``expected`` to ``new`` by compare-and-set: if any is no
        longer ``expected``, nothing is written and the answer is False.
        """
        ...

    def discard(self, name: str, keys: Sequence[str]) -> None:
        """Delete the documents ``keys`` of ``name``'s view (the position stays)."""
        ...

    def reset(self, name: str) -> None:
        """Drop the documents and the position of ``name``'s view."""
        ...

    def close(self) -> None:
        """Release the store's connection."""
        ...


StoreOpener = Callable[[], AbstractContextManager["ProjectionStore"]]
"""Opens the same store again in another process (picklable: it is sent to workers)."""


@runtime_checkable
class ProjectionStore(Protocol):
    """An opened store a projection engine can run on: its event log and its view store."""

    def event_log(self) -> EventLog:
        """The store's event log."""
        ...

    def open_view_store(self) -> ViewStore:
        """A new connection to the store's views (closed by whoever opened it)."""
        ...

    def store_opener(self) -> StoreOpener | None:
        """How a worker process opens this store (None: it cannot, as for ``memory://``)."""
        ...


def event_log_of(source: EventLog | ProjectionStore) -> EventLog:
    """The event log of ``source``: itself, or the log of an opened store."""
    if isinstance(source, ProjectionStore):
        return source.event_log()
    return source


__all__ = [
    "EventLog",
    "LogWatch",
    "Notification",
    "ProjectionStore",
    "StoreOpener",
    "ViewChanges",
    "ViewStore",
    "event_log_of",
]

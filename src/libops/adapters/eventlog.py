"""The event log of an eventsourcing application, as the projection engine reads it.

:class:`RecorderEventLog` implements :class:`~libops.projections.ports.EventLog` over the
application's recorder and mapper. On PostgreSQL its :meth:`~RecorderEventLog.watch` listens
on the channel eventsourcing's recorder notifies in every insert transaction (it issues
``NOTIFY`` itself, without the database functions that ``POSTGRES_ENABLE_DB_FUNCTIONS``
would install, which libops refuses), so a follower wakes up as soon as new events commit;
on SQLite and in memory it only waits.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any
from uuid import UUID

from libops.adapters.storage import StoreConfig, postgres_connection
from libops.projections.ports import LogWatch, Notification

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder, Mapper


class RecorderEventLog:
    """The notification log of one application's recorder, decoded with its mapper."""

    def __init__(
        self, recorder: ApplicationRecorder, mapper: Mapper[UUID], config: StoreConfig
    ) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self._config = config

    @property
    def scheme(self) -> str:
        """``memory``, ``sqlite`` or ``postgresql``."""
        return self._config.scheme

    @property
    def redacted_url(self) -> str:
        """The store's URL with any password hidden."""
        return self._config.redacted_url

    def scrub(self, text: str) -> str:
        """``text`` with the store's password taken out."""
        return self._config.scrub(text)

    def max_notification_id(self) -> int:
        """The id of the last notification in the log (0 when it is empty)."""
        return int(self._recorder.max_notification_id() or 0)

    def select_notifications(
        self, start: int, limit: int, *, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Sequence[Notification]:
        """Up to ``limit`` notifications after ``start`` (up to ``stop``) of ``topics``."""
        return self._recorder.select_notifications(
            start, limit, stop=stop, topics=topics, inclusive_of_start=False
        )

    def to_domain_event(self, notification: Any) -> Any:
        """The domain event a notification stores."""
        return self._mapper.to_domain_event(notification)

    def event(self, aggregate_id: UUID, version: int) -> Any | None:
        """Event ``version`` of the aggregate ``aggregate_id``, decoded (None if none)."""
        stored = self._recorder.select_events(aggregate_id, gt=version - 1, lte=version, limit=1)
        return self._mapper.to_domain_event(stored[0]) if stored else None

    def watch(self) -> LogWatch:
        """Start watching for new events: LISTEN on PostgreSQL, a plain wait elsewhere."""
        channel = getattr(self._recorder, "channel_name", None)
        if self._config.scheme == "postgresql" and isinstance(channel, str):
            return PostgresLogWatch(self._config, channel)
        return WaitingLogWatch()


class WaitingLogWatch:
    """A watch that cannot see new events: it waits the whole timeout (or until closed)."""

    def __init__(self) -> None:
        self._closed = threading.Event()

    def wait(self, timeout: float) -> bool:
        """Wait ``timeout`` seconds; False (nothing is known about new events)."""
        self._closed.wait(max(timeout, 0.0))
        return False

    def close(self) -> None:
        """Stop waiting."""
        self._closed.set()


class PostgresLogWatch:
    """LISTEN on the events table's channel, on a connection of its own.

    Listening starts when the watch is made, so an insert committed after that (even
    during a catch-up that began later) wakes the next :meth:`wait`.
    """

    def __init__(self, config: StoreConfig, channel: str) -> None:
        from psycopg import sql

        self._stack = ExitStack()
        self._conn = self._stack.enter_context(postgres_connection(config))
        self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    def wait(self, timeout: float) -> bool:
        """Block until a notification arrives or ``timeout`` seconds pass; True if one did."""
        woken = False
        for _ in self._conn.notifies(timeout=max(timeout, 0.0), stop_after=1):
            woken = True
        if woken:
            # Several commits may have notified: one look at the log covers them all.
            for _ in self._conn.notifies(timeout=0.0):
                pass
        return woken

    def close(self) -> None:
        """Stop listening and close the connection."""
        self._stack.close()

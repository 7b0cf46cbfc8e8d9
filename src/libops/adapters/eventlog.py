"""The event log of an eventsourcing application, as the projection engine reads it.

:class:`RecorderEventLog` implements :class:`~libops.projections.ports.EventLog` over the
application's recorder and mapper. On PostgreSQL its :meth:`~RecorderEventLog.watch` listens
on the channel eventsourcing's recorder notifies in every insert transaction (it issues
``NOTIFY`` itself, without the database functions that ``POSTGRES_ENABLE_DB_FUNCTIONS``
would install, which libops refuses), so a follower wakes up as soon as new events commit;
on SQLite and in memory it only waits.
"""

from __future__ import annotations

import enum
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple, overload
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, find_id_convertor
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.utils import resolve_topic

from libops.adapters.storage import StoreConfig, postgres_connection
from libops.projections.ports import LogWatch, Notification

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder, Mapper

_LAST_ROWID: Final = 2**63 - 1


class StoredNotification(NamedTuple):
    """A notification of a SQLite log, read by :class:`RecorderEventLog` itself: the fields
    of eventsourcing's ``Notification``, in a tuple (cheaper to make by the million)."""

    id: int
    originator_id: UUID | str
    originator_version: int
    topic: str
    state: bytes


_IDS_KEPT: Final = 4_096
"""How many aggregate ids (stored text -> UUID) a SQLite log remembers while reading."""


class EventDecoder:
    """Decodes stored events to the very events the application's mapper makes, with less
    work for each: the projection engine decodes hundreds of thousands in a catch-up.

    eventsourcing's mapper resolves the topic, the class version and the id conversion of
    every event again, and its JSON transcoder goes through ``json.JSONDecoder.decode`` (two
    frames and two whitespace searches) and an object hook that looks names up twice. Here
    each topic is resolved once, the stored text is scanned directly and the object hook is
    a closure over the transcoder's registry (the same transcodings). Anything out of the
    ordinary (a cipher or compressor, another transcoder, text that does not scan cleanly, a
    topic that does not resolve, any error) is left to the mapper, which then decodes the
    event or raises exactly as it always does.
    """

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self._mapper = mapper
        self._kinds: dict[tuple[str, type[Any]], tuple[type[Any], int, Callable[[Any], Any]]] = {}
        transcoder = mapper.transcoder
        self._scan: Callable[[str, int], tuple[Any, int]] | None = None
        if (
            type(transcoder) is JSONTranscoder
            and mapper.cipher is None
            and mapper.compressor is None
        ):
            decoder = json.JSONDecoder(object_hook=_object_hook(transcoder.names))
            # The scanner JSONDecoder.decode calls, without its whitespace searches.
            self._scan = decoder.scan_once  # type: ignore[attr-defined]

    def __call__(self, notification: Any) -> Any:
        """The domain event ``notification`` stores."""
        scan = self._scan
        if scan is None:
            return self._mapper.to_domain_event(notification)
        originator_id = notification.originator_id
        kind = self._kinds.get((notification.topic, type(originator_id)))
        try:
            if kind is None:
                kind = self._kind(notification.topic, type(originator_id))
            text = notification.state.decode("utf8")
            state, end = scan(text, 0)
        except Exception:  # the mapper raises its own error, as usual, or decodes it
            return self._mapper.to_domain_event(notification)
        if end != len(text) or type(state) is not dict:
            return self._mapper.to_domain_event(notification)
        cls, class_version, convert_id = kind
        state["originator_id"] = convert_id(originator_id)
        state["originator_version"] = notification.originator_version
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _kind(self, topic: str, id_type: type[Any]) -> tuple[type[Any], int, Callable[[Any], Any]]:
        cls = resolve_topic(topic)
        kind = self._kinds[topic, id_type] = (
            cls,
            getattr(cls, "class_version", 1),
            find_id_convertor(cls, id_type),  # type: ignore[arg-type]  # a type is hashable
        )
        return kind


_IMMUTABLE: Final = (UUID, datetime, Decimal, enum.Enum)
"""Types whose decoded values :class:`EventDecoder` may share between events."""

_VALUES_KEPT: Final = 4_096
"""How many decoded values of each such type an :class:`EventDecoder` remembers."""


def _object_hook(names: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    """eventsourcing's ``JSONTranscoder._decode_obj``, as a closure over its registry, that
    remembers the values of immutable types stored as text (ids, times, enumeration
    members): the same ones come by again and again."""
    memos: dict[str, dict[str, Any]] = {
        name: {}
        for name, transcoding in names.items()
        if isinstance(transcoding.type, type) and issubclass(transcoding.type, _IMMUTABLE)
    }

    def decode_object(obj: dict[str, Any]) -> Any:
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            name, data = obj["_type_"], obj["_data_"]
            memo = memos.get(name) if type(data) is str else None
            if memo is None:
                return names[name].decode(data)
            value = memo.get(data)
            if value is None:
                if len(memo) >= _VALUES_KEPT:
                    memo.clear()
                value = memo[data] = names[name].decode(data)
            return value
        return obj

    return decode_object


class _Page(Sequence[StoredNotification]):
    """A page of a SQLite log's notifications, made from its rows as they are asked for.

    The rows SQLite returns are plain tuples of text and numbers, which the garbage
    collector stops tracking at its first pass; a notification made for each at once would
    be tracked while the whole page is applied, and promoted to the oldest generation with
    the documents, whose full collections (each over every object of the process) would then
    come about twice as often. Made one at a time, each is gone once its event is applied.
    Aggregate ids are made once for each aggregate (``ids``: text -> UUID, shared by the
    pages of one log and filled as a page is read; None: the log keeps ids as text). It is
    a sequence, not a list: compare ``list(page)``.
    """

    __slots__ = ("_ids", "_rows")

    def __init__(self, rows: list[tuple[Any, ...]], ids: dict[str, UUID] | None) -> None:
        self._rows = rows
        self._ids = ids

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> StoredNotification: ...

    @overload
    def __getitem__(self, index: slice) -> list[StoredNotification]: ...

    def __getitem__(self, index: int | slice) -> StoredNotification | list[StoredNotification]:
        if isinstance(index, slice):
            return [self._made(row) for row in self._rows[index]]
        return self._made(self._rows[index])

    def __repr__(self) -> str:
        return f"<page of {len(self._rows)} notifications>"

    def __iter__(self) -> Iterator[StoredNotification]:
        made = self._made
        for row in self._rows:
            yield made(row)

    def _made(self, row: tuple[Any, ...]) -> StoredNotification:
        # tuple.__new__ makes the same StoredNotification without the Python-level __new__
        # that NamedTuple gives it (a frame per notification).
        ids = self._ids
        if ids is None:
            return tuple.__new__(StoredNotification, row)
        notification_id, stored_id, version, topic, state = row
        originator_id = ids.get(stored_id)
        if originator_id is None:
            originator_id = ids[stored_id] = UUID(stored_id)
        return tuple.__new__(
            StoredNotification, (notification_id, originator_id, version, topic, state)
        )


class RecorderEventLog:
    """The notification log of one application's recorder, decoded with its mapper.

    On SQLite it reads the notifications itself, with the statement eventsourcing's recorder
    uses, as plain rows: the recorder makes a frozen dataclass and a new UUID of every row,
    which cost about twice what SQLite takes to read them. Aggregate ids are made once for
    each run of events of the same aggregate (the last few thousand are remembered).
    """

    def __init__(
        self, recorder: ApplicationRecorder, mapper: Mapper[UUID], config: StoreConfig
    ) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self._decode = EventDecoder(mapper)
        self._config = config
        self._ids: dict[str, UUID] = {}
        datastore = getattr(recorder, "datastore", None)
        table = getattr(recorder, "events_table_name", None)
        self._sqlite: SQLiteDatastore | None = None
        if isinstance(datastore, SQLiteDatastore) and isinstance(table, str):
            self._sqlite = datastore
            self._uuid_ids = datastore.originator_id_type == "uuid"
            self._statement = (
                f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} "
                "WHERE rowid>? AND rowid<=? {topics}ORDER BY rowid LIMIT ?"
            )

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
        if self._sqlite is None:
            return self._recorder.select_notifications(
                start, limit, stop=stop, topics=topics, inclusive_of_start=False
            )
        statement = self._statement.format(
            topics=f"AND topic IN ({','.join('?' * len(topics))}) " if topics else ""
        )
        parameters = (start, _LAST_ROWID if stop is None else stop, *topics, limit)
        with self._sqlite.transaction(commit=False) as cursor:
            rows = cursor.sqlite_cursor
            rows.row_factory = None  # plain tuples, not sqlite3.Row
            rows.execute(statement, parameters)
            found = rows.fetchall()
        if not self._uuid_ids:
            return _Page(found, None)
        ids = self._ids
        if len(ids) > _IDS_KEPT:
            ids.clear()
        # Each aggregate id is made now (once for each aggregate), so a malformed one is a
        # failure to read the log, here, not later while the page is applied.
        for row in found:
            if row[1] not in ids:
                ids[row[1]] = UUID(row[1])
        return _Page(found, ids)

    def to_domain_event(self, notification: Any) -> Any:
        """The domain event a notification stores."""
        return self._decode(notification)

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

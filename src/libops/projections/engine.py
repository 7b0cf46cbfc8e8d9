"""The projection engine: exactly-once catch-up of projections from the notification log.

For each projection the engine reads the log in batches after the projection's position,
filtered by the projection's topics in the database; hands the decoded events to the
projection with a :class:`View`; and writes the changed documents and the new position in one
transaction. The position is advanced by compare-and-set (``WHERE position = <read>``): if
another engine advanced it first, nothing of the batch is written, and the engine re-reads.
So an event is applied to the stored view once, however many engines run, and a batch that
fails to commit leaves view and position as they were.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs

from libops.adapters.storage import (
    StoreConfig,
    postgres_connection,
    preflight,
)
from libops.domain.errors import InvalidValueError, StorageError
from libops.projections.views import Projection, View, check_projection, documents

if TYPE_CHECKING:
    import psycopg
    from eventsourcing.persistence import ApplicationRecorder

    from libops.bootstrap import LibOps

DOCUMENTS_TABLE: Final = "libops_projection_documents"
"""Every projection's documents: (projection, key) -> JSON value."""

TRACKING_TABLE: Final = "libops_projection_tracking"
"""Every projection's position: the last notification id applied to its view."""

DEFAULT_BATCH_SIZE: Final = 1_000
SQLITE_BUSY_TIMEOUT: Final = 30.0
WAL_CHECKPOINT_PAGES: Final = 16_384
"""How many WAL pages (of 4 KiB) the engine's SQLite connection lets pile up before it
checkpoints (64 MiB; SQLite's default is 1,000)."""

_SQLITE_DDL: Final = (
    f"CREATE TABLE IF NOT EXISTS {DOCUMENTS_TABLE} ("
    "projection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
    "PRIMARY KEY (projection, key)) WITHOUT ROWID",
    f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} ("
    "projection TEXT PRIMARY KEY, position INTEGER NOT NULL)",
)
_POSTGRES_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS {schema}." + DOCUMENTS_TABLE + " ("
    "projection TEXT NOT NULL, key TEXT NOT NULL, value JSONB NOT NULL, "
    "PRIMARY KEY (projection, key))",
    "CREATE TABLE IF NOT EXISTS {schema}." + TRACKING_TABLE + " ("
    "projection TEXT PRIMARY KEY, position BIGINT NOT NULL)",
)


def migrate_projection_tables(config: StoreConfig) -> None:
    """Create the view and tracking tables (called by ``libops db migrate``, under its lock)."""
    if config.scheme == "sqlite":
        conn = sqlite3.connect(config.env["SQLITE_DBNAME"], timeout=SQLITE_BUSY_TIMEOUT)
        try:
            with conn:
                for statement in _SQLITE_DDL:
                    conn.execute(statement)
        finally:
            conn.close()
    elif config.scheme == "postgresql":
        from psycopg import sql

        with postgres_connection(config) as pg:
            for statement in _POSTGRES_DDL:
                pg.execute(sql.SQL(statement).format(schema=sql.Identifier(config.schema)))


@attrs.frozen
class _Entry:
    """One projection's part of a commit: its changed documents and its new position."""

    name: str
    expected: int
    """The position the batch was read after (the commit fails unless it is still this)."""
    new: int
    changes: Mapping[str, str | None]


class _Backend(Protocol):
    """Where views and positions are kept: in memory, a SQLite file or a PostgreSQL schema."""

    def position(self, name: str) -> int: ...

    def load(self, name: str, key: str) -> str | None: ...

    def items(self, name: str) -> Iterator[tuple[str, Any]]: ...

    def commit(self, entries: Sequence[_Entry]) -> bool: ...

    def discard(self, name: str, keys: Sequence[str]) -> None: ...

    def reset(self, name: str) -> None: ...

    def close(self) -> None: ...


# --- memory -----------------------------------------------------------------------------


class _MemoryTables:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.documents: dict[str, dict[str, str]] = {}
        self.positions: dict[str, int] = {}


_MEMORY: weakref.WeakKeyDictionary[Any, _MemoryTables] = weakref.WeakKeyDictionary()
_MEMORY_LOCK = threading.Lock()


class _MemoryBackend:
    """Views of a ``memory://`` store, shared by every engine on the same LibOps."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        with _MEMORY_LOCK:
            tables = _MEMORY.get(recorder)
            if tables is None:
                tables = _MEMORY[recorder] = _MemoryTables()
        self._tables = tables

    def position(self, name: str) -> int:
        with self._tables.lock:
            return self._tables.positions.get(name, 0)

    def load(self, name: str, key: str) -> str | None:
        with self._tables.lock:
            return self._tables.documents.get(name, {}).get(key)

    def items(self, name: str) -> Iterator[tuple[str, Any]]:
        with self._tables.lock:
            rows = sorted(self._tables.documents.get(name, {}).items())
        return documents(iter(rows))

    def commit(self, entries: Sequence[_Entry]) -> bool:
        tables = self._tables
        with tables.lock:
            positions = dict(tables.positions)
            undo: list[tuple[dict[str, str], dict[str, str | None]]] = []
            try:
                for entry in entries:
                    docs = tables.documents.setdefault(entry.name, {})
                    undo.append((docs, {key: docs.get(key) for key in entry.changes}))
                    self._write(docs, entry.changes)
                    if not self._advance(entry.name, entry.expected, entry.new):
                        raise _ConflictError
            except BaseException as error:
                for docs, previous in reversed(undo):
                    self._write(docs, previous)
                tables.positions = positions
                if isinstance(error, _ConflictError):
                    return False
                raise
            return True

    def discard(self, name: str, keys: Sequence[str]) -> None:
        with self._tables.lock:
            docs = self._tables.documents.get(name, {})
            for key in keys:
                docs.pop(key, None)

    def _advance(self, name: str, expected: int, new: int) -> bool:
        if self._tables.positions.get(name, 0) != expected:
            return False
        self._tables.positions[name] = new
        return True

    def _write(self, docs: dict[str, str], changes: Mapping[str, str | None]) -> None:
        for key, text in changes.items():
            if text is None:
                docs.pop(key, None)
            else:
                docs[key] = text

    def reset(self, name: str) -> None:
        with self._tables.lock:
            self._tables.documents.pop(name, None)
            self._tables.positions.pop(name, None)

    def close(self) -> None:
        pass


# --- SQLite -----------------------------------------------------------------------------


class _SQLiteBackend:
    """Views in the store's own SQLite file; a batch commits in one ``BEGIN IMMEDIATE``.

    The store is in WAL mode (eventsourcing sets it). This connection commits with
    ``synchronous=NORMAL``: a commit is atomic and survives a crash of the process, but not
    necessarily a power cut, which may take the last view commits back, each with its
    position, so the engine applies those events again. Events themselves are written by
    eventsourcing's connections, which keep ``synchronous=FULL``. It copies the WAL back into
    the database file every :data:`WAL_CHECKPOINT_PAGES` pages rather than SQLite's 1,000, so
    a long catch-up stops (and syncs the file) for that less often.
    """

    def __init__(self, config: StoreConfig) -> None:
        self._conn = sqlite3.connect(
            config.env["SQLITE_DBNAME"],
            timeout=SQLITE_BUSY_TIMEOUT,
            isolation_level=None,
            check_same_thread=False,
        )
        if self._conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        self._lock = threading.Lock()

    def position(self, name: str) -> int:
        with self._lock:
            row = self._conn.execute(
                f"SELECT position FROM {TRACKING_TABLE} WHERE projection = ?", (name,)
            ).fetchone()
        return 0 if row is None else int(row[0])

    def load(self, name: str, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT value FROM {DOCUMENTS_TABLE} WHERE projection = ? AND key = ?",
                (name, key),
            ).fetchone()
        return None if row is None else str(row[0])

    def items(self, name: str) -> Iterator[tuple[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT key, value FROM {DOCUMENTS_TABLE} WHERE projection = ? ORDER BY key",
                (name,),
            ).fetchall()
        return documents(iter(rows))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE ... COMMIT``, rolled back if the block raises."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def commit(self, entries: Sequence[_Entry]) -> bool:
        try:
            with self._transaction():
                for entry in entries:
                    self._write(entry.name, entry.changes)
                    if not self._advance(entry.name, entry.expected, entry.new):
                        raise _ConflictError  # leaving the transaction by raising rolls it back
        except _ConflictError:
            return False
        return True

    def discard(self, name: str, keys: Sequence[str]) -> None:
        with self._transaction():
            self._write(name, dict.fromkeys(keys))

    def _write(self, name: str, changes: Mapping[str, str | None]) -> None:
        self._conn.executemany(
            f"INSERT INTO {DOCUMENTS_TABLE} (projection, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (projection, key) DO UPDATE SET value = excluded.value",
            [(name, key, text) for key, text in changes.items() if text is not None],
        )
        self._conn.executemany(
            f"DELETE FROM {DOCUMENTS_TABLE} WHERE projection = ? AND key = ?",
            [(name, key) for key, text in changes.items() if text is None],
        )

    def _advance(self, name: str, expected: int, new: int) -> bool:
        if expected == 0:
            cursor = self._conn.execute(
                f"INSERT INTO {TRACKING_TABLE} (projection, position) VALUES (?, ?) "
                "ON CONFLICT (projection) DO UPDATE SET position = excluded.position "
                f"WHERE {TRACKING_TABLE}.position = 0",
                (name, new),
            )
        else:
            cursor = self._conn.execute(
                f"UPDATE {TRACKING_TABLE} SET position = ? WHERE projection = ? AND position = ?",
                (new, name, expected),
            )
        return cursor.rowcount == 1

    def reset(self, name: str) -> None:
        with self._transaction():
            self._conn.execute(f"DELETE FROM {DOCUMENTS_TABLE} WHERE projection = ?", (name,))
            self._conn.execute(f"DELETE FROM {TRACKING_TABLE} WHERE projection = ?", (name,))

    def close(self) -> None:
        self._conn.close()


# --- PostgreSQL -------------------------------------------------------------------------


class _PostgresBackend:
    """Views in the store's PostgreSQL schema; a batch commits in one transaction."""

    def __init__(self, config: StoreConfig) -> None:
        from psycopg import sql

        self._stack = ExitStack()
        self._conn: psycopg.Connection[Any] = self._stack.enter_context(postgres_connection(config))
        self._lock = threading.Lock()
        schema = sql.Identifier(config.schema)
        self._documents = sql.SQL("{}.{}").format(schema, sql.Identifier(DOCUMENTS_TABLE))
        self._tracking = sql.SQL("{}.{}").format(schema, sql.Identifier(TRACKING_TABLE))

    def _sql(self, text: str) -> Any:
        from psycopg import sql

        return sql.SQL(text).format(documents=self._documents, tracking=self._tracking)

    def position(self, name: str) -> int:
        with self._lock:
            row = self._conn.execute(
                self._sql("SELECT position FROM {tracking} WHERE projection = %s"), (name,)
            ).fetchone()
        return 0 if row is None else int(row[0])

    def load(self, name: str, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                self._sql("SELECT value::text FROM {documents} WHERE projection = %s AND key = %s"),
                (name, key),
            ).fetchone()
        return None if row is None else str(row[0])

    def items(self, name: str) -> Iterator[tuple[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                self._sql(
                    "SELECT key, value::text FROM {documents} WHERE projection = %s ORDER BY key"
                ),
                (name,),
            ).fetchall()
        return documents(iter([(row[0], row[1]) for row in rows]))

    def commit(self, entries: Sequence[_Entry]) -> bool:
        try:
            with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
                for entry in entries:
                    self._write(cur, entry.name, entry.changes)
                    if not self._advance(cur, entry.name, entry.expected, entry.new):
                        raise _ConflictError  # leaving the transaction by raising rolls it back
        except _ConflictError:
            return False
        return True

    def discard(self, name: str, keys: Sequence[str]) -> None:
        with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
            self._write(cur, name, dict.fromkeys(keys))

    def _write(
        self, cur: psycopg.Cursor[Any], name: str, changes: Mapping[str, str | None]
    ) -> None:
        upserts = [(name, key, text) for key, text in changes.items() if text is not None]
        if upserts:
            cur.executemany(
                self._sql(
                    "INSERT INTO {documents} (projection, key, value) VALUES (%s, %s, %s::jsonb) "
                    "ON CONFLICT (projection, key) DO UPDATE SET value = EXCLUDED.value"
                ),
                upserts,
            )
        deletes = [(name, key) for key, text in changes.items() if text is None]
        if deletes:
            cur.executemany(
                self._sql("DELETE FROM {documents} WHERE projection = %s AND key = %s"), deletes
            )

    def _advance(self, cur: psycopg.Cursor[Any], name: str, expected: int, new: int) -> bool:
        if expected == 0:
            cur.execute(
                self._sql(
                    "INSERT INTO {tracking} AS t (projection, position) VALUES (%s, %s) "
                    "ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position "
                    "WHERE t.position = 0"
                ),
                (name, new),
            )
        else:
            cur.execute(
                self._sql(
                    "UPDATE {tracking} SET position = %s WHERE projection = %s AND position = %s"
                ),
                (new, name, expected),
            )
        return cur.rowcount == 1

    def reset(self, name: str) -> None:
        with self._lock, self._conn.transaction():
            self._conn.execute(self._sql("DELETE FROM {documents} WHERE projection = %s"), (name,))
            self._conn.execute(self._sql("DELETE FROM {tracking} WHERE projection = %s"), (name,))

    def close(self) -> None:
        self._stack.close()


class _ConflictError(Exception):
    """Another engine advanced the position first: the batch is rolled back."""


# --- the engine -------------------------------------------------------------------------


@attrs.frozen
class RunReport:
    """What one :meth:`ProjectionEngine.run` did for one projection."""

    name: str
    applied: int
    """Events applied to the view and committed."""
    batches: int
    """Batches committed."""
    conflicts: int
    """Batches another engine committed first (rolled back and re-read)."""
    position: int
    """The projection's position when the run ended."""


def _backend(ops: LibOps) -> _Backend:
    config = ops.config
    if config.scheme == "memory":
        return _MemoryBackend(ops.app.recorder)
    preflight(config, tables=[DOCUMENTS_TABLE, TRACKING_TABLE])
    if config.scheme == "sqlite":
        return _SQLiteBackend(config)
    return _PostgresBackend(config)


class ProjectionEngine:
    """Runs projections over the events of one opened store, exactly once.

    ``ProjectionEngine(ops, [MyProjection()])``; :meth:`run` catches every projection up
    with the log, :meth:`rebuild` drops a projection's view and replays it from the start,
    :meth:`view` reads a view's documents. Views live in the store (the tables that
    ``libops db migrate`` creates), or in the process for ``memory://``.
    """

    def __init__(
        self,
        ops: LibOps,
        projections: Iterable[Projection],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        chosen = list(projections)
        for projection in chosen:
            check_projection(projection)
        names = [type(p).name for p in chosen]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidValueError(f"two projections are named {', '.join(duplicates)}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidValueError(f"batch_size must be a whole number >= 1, not {batch_size!r}")
        self._ops = ops
        self._projections = {type(p).name: p for p in chosen}
        self._batch_size = batch_size
        self._backend = _backend(ops)

    @property
    def ops(self) -> LibOps:
        """The opened store this engine runs on."""
        return self._ops

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the projections this engine runs."""
        return tuple(self._projections)

    def _projection(self, name: str) -> Projection:
        try:
            return self._projections[name]
        except KeyError:
            raise InvalidValueError(
                f"no projection named {name!r} here (known: {', '.join(self.names)})"
            ) from None

    def position(self, name: str) -> int:
        """The id of the notification up to which the view of ``name`` is complete (0: none)."""
        return self._backend.position(self._projection(name).name)

    def view(self, name: str) -> dict[str, Any]:
        """All documents of the projection ``name``'s view, by key."""
        return dict(self._backend.items(self._projection(name).name))

    def get(self, name: str, key: str, default: Any = None) -> Any:
        """One document of the projection ``name``'s view, or ``default``."""
        found = self._backend.load(self._projection(name).name, key)
        return default if found is None else json.loads(found)

    def discard(self, name: str, keys: Iterable[str]) -> None:
        """Delete the documents ``keys`` of the projection ``name``'s view, in one transaction.

        The position does not move: this is for documents a projection writes for someone
        else to act on and remove (an outbox), never for changing what a projection counts.
        """
        chosen = sorted(set(keys))
        for key in chosen:
            if not isinstance(key, str) or not key:
                raise InvalidValueError(f"a view key must be non-empty text, not {key!r}")
        if chosen:
            self._backend.discard(self._projection(name).name, chosen)

    def run(
        self,
        *,
        max_batches: int | None = None,
        workers: int = 1,
        on_progress: Callable[[dict[str, int]], None] | None = None,
    ) -> dict[str, RunReport]:
        """Catch every projection up with the log (or stop after ``max_batches`` batches).

        The projections read the log together: each event is read and decoded once and
        given to every projection that handles it; a batch's documents and positions are
        written in one transaction. A projection that is behind the others (a new one, or
        one being rebuilt) first catches up alone, then joins them.

        With ``workers`` above 1 (a SQLite or PostgreSQL store), the projections are split
        into up to that many groups of about the same cost, each caught up by an engine in
        a worker process of its own (see :mod:`libops.projections.parallel`); the
        guarantees are the same. Worth it for long catch-ups on a machine with that many
        processor cores; each worker opens its own connection to the store.

        ``on_progress`` gets every projection's position, by name, after each batch (with
        workers: a few times a second).
        """
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InvalidValueError(f"workers must be a whole number >= 1, not {workers!r}")
        if workers == 1:
            return self._catch_up(list(self._projections), max_batches, on_progress)
        if max_batches is not None:
            raise InvalidValueError("max_batches works with workers=1 only")
        if self._ops.config.scheme == "memory":
            raise InvalidValueError(
                "worker processes cannot open a memory:// store: use workers=1, or a SQLite "
                "or PostgreSQL store"
            )
        from libops.projections.parallel import run_in_workers

        return run_in_workers(
            self,
            list(self._projections.values()),
            url=self._ops.config.url,
            workers=workers,
            batch_size=self._batch_size,
            on_progress=on_progress,
        )

    def last_id(self) -> int:
        """The id of the last event in the log (0 when it is empty)."""
        return self._last_id()

    def sample_topics(self, after: int, size: int) -> Counter[str]:
        """How many events of each topic there are among up to ``size`` events of the log
        after ``after`` (read, not decoded), taken in three slices: at the start, in the
        middle and at the end of what is left."""
        last = self._last_id()
        counts: Counter[str] = Counter()
        if last <= after or size < 1:
            return counts
        if last - after <= size:
            piece, starts = size, [after]
        else:
            piece = max(size // 3, 1)
            middle = after + (last - after) // 2 - piece // 2
            starts = sorted({after, middle, last - piece})
        for start in starts:
            with self._reading_the_log():
                batch = self._ops.app.recorder.select_notifications(
                    start, piece, stop=last, inclusive_of_start=False
                )
            counts.update(notification.topic for notification in batch)
        return counts

    def rebuild(self, name: str) -> RunReport:
        """Drop the view and position of ``name``, then replay the log from the start.

        Only that projection is replayed (up to the end of the log); the engine's others
        are left as they are.
        """
        self._backend.reset(self._projection(name).name)
        return self._catch_up([name], None)[name]

    def _catch_up(
        self,
        names: list[str],
        max_batches: int | None,
        on_progress: Callable[[dict[str, int]], None] | None = None,
    ) -> dict[str, RunReport]:
        counts = {name: [0, 0, 0] for name in names}  # applied, batches, conflicts
        positions = {name: self._backend.position(name) for name in names}
        # A projection at position 0 has no documents (they are only ever written with a
        # position), so its view knows which keys cannot exist yet.
        views = {
            name: View(
                name, functools.partial(self._backend.load, name), empty=positions[name] == 0
            )
            for name in names
        }
        batches = 0
        while names and (max_batches is None or batches < max_batches):
            low = min(positions.values())
            group = [name for name in names if positions[name] == low]
            ahead = [position for position in positions.values() if position > low]
            # Read up to the next projection ahead, or to the end of the log as it is now
            # (notification ids become visible in order: the recorders serialise inserts).
            ceiling = min(ahead) if ahead else self._last_id()
            if ceiling <= low:
                break
            notifications = self._read(low, self._topics(group), ceiling)
            # A full batch: more may follow. Otherwise every event of the group up to the
            # ceiling is here.
            new = notifications[-1].id if len(notifications) == self._batch_size else ceiling
            applied = self._apply(group, views, notifications)
            entries = [_Entry(name, low, new, views[name].changes()) for name in group]
            if self._backend.commit(entries):
                for entry in entries:
                    views[entry.name].committed(entry.changes)
                    positions[entry.name] = new
                    counts[entry.name][0] += applied[entry.name]
                    counts[entry.name][1] += 1
                batches += 1
                if on_progress is not None:
                    on_progress(dict(positions))
            else:
                for name in group:
                    views[name].abandon()
                    positions[name] = self._backend.position(name)
                    counts[name][2] += 1
        return {
            name: RunReport(
                name, counts[name][0], counts[name][1], counts[name][2], positions[name]
            )
            for name in names
        }

    def _topics(self, group: list[str]) -> tuple[str, ...]:
        return tuple(sorted({t for name in group for t in self._projections[name].topics()}))

    def _apply(
        self, group: list[str], views: dict[str, View], notifications: Sequence[Any]
    ) -> dict[str, int]:
        """Decode each notification once and give it to every projection in ``group``
        that handles it; then let each finish the batch. Returns events applied by name."""
        table: dict[str, list[tuple[str, Callable[[Any, View], None], View]]] = {}
        for name in group:
            projection = self._projections[name]
            for topic in projection.topics():
                table.setdefault(topic, []).append((name, projection.handler(topic), views[name]))
        to_domain_event = self._ops.app.mapper.to_domain_event
        name = ""
        notification = None
        try:
            for notification in notifications:
                event = to_domain_event(notification)
                # name is read by the error note below, should a handler raise
                for name, handler, view in table[notification.topic]:  # noqa: B007
                    handler(event, view)
            notification = None
            for name in group:
                self._projections[name].before_commit(views[name])
        except Exception as error:
            for view in views.values():
                view.abandon()
            # Nothing of this batch is written; say where the projection stopped.
            where = (
                "at the end of a batch"
                if notification is None
                else f"on notification {notification.id} ({notification.topic})"
            )
            error.add_note(
                f"projection {name!r} failed {where}; its view and position are unchanged"
            )
            raise
        applied = dict.fromkeys(group, 0)
        for topic, count in Counter(n.topic for n in notifications).items():
            for name, _, _ in table[topic]:
                applied[name] += count
        return applied

    @contextmanager
    def _reading_the_log(self) -> Iterator[None]:
        """Turn a failure to read the event log into a StorageError naming the store."""
        try:
            yield
        except Exception as error:
            raise StorageError(
                f"cannot read the event log of {self._ops.config.redacted_url}: "
                f"{self._ops.config.scrub(str(error))}"
            ) from error

    def _last_id(self) -> int:
        with self._reading_the_log():
            return int(self._ops.app.recorder.max_notification_id() or 0)

    def _read(self, position: int, topics: tuple[str, ...], stop: int) -> list[Any]:
        with self._reading_the_log():
            return list(
                self._ops.app.recorder.select_notifications(
                    position,
                    self._batch_size,
                    stop=stop,
                    topics=topics,
                    inclusive_of_start=False,
                )
            )

    def close(self) -> None:
        """Release the engine's connection (the LibOps it runs on stays open)."""
        self._backend.close()

    def __enter__(self) -> ProjectionEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run(
    url: str,
    projections: Iterable[Projection],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[str, RunReport]:
    """Open the (migrated) store at ``url``, catch ``projections`` up with its log, close it.

    For ``memory://`` this is pointless (a new in-memory store is empty): use
    :class:`ProjectionEngine` on the opened :class:`~libops.LibOps` instead.
    """
    from libops.bootstrap import LibOps

    chosen = list(projections)
    with LibOps.open(url) as ops, ProjectionEngine(ops, chosen, batch_size=batch_size) as engine:
        return engine.run()

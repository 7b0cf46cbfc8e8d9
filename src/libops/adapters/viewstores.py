"""Where projections keep their views: in memory, in the store's SQLite file, or in its
PostgreSQL schema (the :class:`~libops.projections.ports.ViewStore` port).

Each store writes a batch's documents and the projection's new position in one transaction,
advancing the position by compare-and-set (``WHERE position = <read>``), which is what makes
the engine's exactly-once guarantee hold however many engines run.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, Final

from libops.adapters.storage import StoreConfig, postgres_connection, preflight
from libops.projections.ports import ViewChanges, ViewStore

if TYPE_CHECKING:
    import psycopg

DOCUMENTS_TABLE: Final = "libops_projection_documents"
"""Every projection's documents: (projection, key) -> JSON value."""

TRACKING_TABLE: Final = "libops_projection_tracking"
"""Every projection's position: the last notification id applied to its view."""

DEFAULT_BATCH_SIZE: Final = 1_000
SQLITE_BUSY_TIMEOUT: Final = 30.0
WAL_CHECKPOINT_PAGES: Final = 65_536
"""How many WAL pages (of 4 KiB) the engine's SQLite connection lets pile up before it
checkpoints (256 MiB; SQLite's default is 1,000). A page that several batches change within
that window is copied into the database file once, and the file is synced once a window: at
1,000,000 events, a fifth less written and a sixth less time committing than with 64 MiB.
The WAL file grows to that size during a long catch-up (it is disk, not memory)."""

PAGE_CACHE_KIB: Final = 8_192
"""The page cache of the engine's SQLite connection (8 MiB; SQLite's default is 2 MiB). The
documents' B-tree is read at random keys (post ids) in every batch; with the default cache,
most of its upper levels are read again from the file each time. A fixed size: memory does
not grow with the log."""

# The documents table is an ordinary rowid table (its primary key an index beside it), not
# WITHOUT ROWID: documents are large (hundreds of bytes, an activity page several KiB), and a
# WITHOUT ROWID table keeps whole rows in key order, so every new document keyed by a random
# id (a post) lands on a page of its own. In a rowid table new rows are appended together and
# only the small index entries are scattered: at 1,000,000 events a third less is written,
# and writing a batch takes about 40% less time. (A store made with the earlier WITHOUT ROWID
# table works the same, with the same statements.)
_SQLITE_DDL: Final = (
    f"CREATE TABLE IF NOT EXISTS {DOCUMENTS_TABLE} ("
    "projection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
    "PRIMARY KEY (projection, key))",
    f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} ("
    "projection TEXT PRIMARY KEY, position INTEGER NOT NULL)",
)
_POSTGRES_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS {schema}." + DOCUMENTS_TABLE + " ("
    "projection TEXT NOT NULL, key TEXT NOT NULL, value JSONB NOT NULL, "
    "PRIMARY KEY (projection, key))",
    "CREATE TABLE IF NOT EXISTS {schema}." + TRACKING_TABLE + " ("
    "projection TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    # Listings (issue 15, queries) read keys in byte order: an index in that order, on the
    # listings' documents only (the primary key follows the database's collation).
    "CREATE INDEX IF NOT EXISTS "
    + DOCUMENTS_TABLE
    + "_listing_keys ON {schema}."
    + DOCUMENTS_TABLE
    + ' (projection, (key COLLATE "C")) WHERE '
    + "projection LIKE 'listings.%'",
)


def sqlite_scan_statement(*, descending: bool) -> str:
    """The statement that reads a range of a view's keys in order on SQLite (parameters:
    projection, after, before, limit): a range of the documents' primary key."""
    direction = "DESC" if descending else "ASC"
    return (
        f"SELECT key FROM {DOCUMENTS_TABLE} WHERE projection = ? AND key > ? AND key < ? "
        f"ORDER BY key {direction} LIMIT ?"
    )


def postgres_scan_statement(name: str, *, descending: bool) -> str:
    """The statement that reads a range of ``name``'s keys in byte order on PostgreSQL
    (``{documents}`` for the table; parameters: projection, after, before, limit). For a
    listing (``listings.*``) it repeats the predicate of the byte-ordered index
    ``libops db migrate`` makes for listings, so that the planner may use it."""
    direction = "DESC" if descending else "ASC"
    listing = "AND projection LIKE 'listings.%%' " if name.startswith("listings.") else ""
    return (
        "SELECT key FROM {documents} WHERE projection = %s "
        + listing
        + 'AND key COLLATE "C" > %s AND key COLLATE "C" < %s '
        + f'ORDER BY key COLLATE "C" {direction} LIMIT %s'
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


# --- memory -----------------------------------------------------------------------------


class _MemoryTables:
    """The documents and positions of one memory:// store."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.documents: dict[str, dict[str, str]] = {}
        self.positions: dict[str, int] = {}


_MEMORY: weakref.WeakKeyDictionary[Any, _MemoryTables] = weakref.WeakKeyDictionary()
_MEMORY_LOCK = threading.Lock()


class MemoryViewStore:
    """Views of a ``memory://`` store, shared by every view store opened on the same ``owner``.

    ``owner`` is whatever object the store's data lives as long as (libops uses the
    application's recorder); a new owner starts with no views.
    """

    def __init__(self, owner: object | None = None) -> None:
        owner = _Owner() if owner is None else owner
        with _MEMORY_LOCK:
            tables = _MEMORY.get(owner)
            if tables is None:
                tables = _MEMORY[owner] = _MemoryTables()
        self._owner = owner
        self._tables = tables

    def position(self, name: str) -> int:
        """The position of the projection ``name`` (0 when it has none)."""
        with self._tables.lock:
            return self._tables.positions.get(name, 0)

    def load(self, name: str, key: str) -> str | None:
        """The JSON text of one document of ``name``'s view, or None."""
        with self._tables.lock:
            return self._tables.documents.get(name, {}).get(key)

    def rows(self, name: str) -> list[tuple[str, str]]:
        """Every document of ``name``'s view as ``(key, JSON text)``, sorted by key."""
        with self._tables.lock:
            return sorted(self._tables.documents.get(name, {}).items())

    def commit(self, entries: Sequence[ViewChanges]) -> bool:
        """Write the entries' documents and positions in one transaction, by compare-and-set."""
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
        """Delete the documents ``keys`` of ``name``'s view (the position stays)."""
        with self._tables.lock:
            docs = self._tables.documents.get(name, {})
            for key in keys:
                docs.pop(key, None)

    def scan(
        self, name: str, after: str, before: str, *, descending: bool, limit: int
    ) -> list[str]:
        """Up to ``limit`` keys of ``name``'s view strictly between ``after`` and ``before``,
        in order (``descending``: from ``before`` down). In memory: a pass over the keys."""
        with self._tables.lock:
            keys = [k for k in self._tables.documents.get(name, {}) if after < k < before]
        return sorted(keys, reverse=descending)[:limit]

    def load_many(self, name: str, keys: Sequence[str]) -> dict[str, str]:
        """The JSON text of each of ``keys`` that has a document, by key."""
        with self._tables.lock:
            docs = self._tables.documents.get(name, {})
            return {key: docs[key] for key in keys if key in docs}

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
        """Drop the documents and the position of ``name``'s view."""
        with self._tables.lock:
            self._tables.documents.pop(name, None)
            self._tables.positions.pop(name, None)

    def close(self) -> None:
        """Nothing to release: the views stay with their owner."""


# --- SQLite -----------------------------------------------------------------------------


class _SqlReads:
    """The reads both SQL view stores make the same way: one statement each, in the store's
    dialect (:attr:`_reads`: ``position``, ``load``, ``rows``), run on its connection under
    its lock."""

    _conn: Any
    _lock: threading.Lock
    _reads: Mapping[str, Any]

    def position(self, name: str) -> int:
        """The position of the projection ``name`` (0 when it has none)."""
        with self._lock:
            row = self._conn.execute(self._reads["position"], (name,)).fetchone()
        return 0 if row is None else int(row[0])

    def load(self, name: str, key: str) -> str | None:
        """The JSON text of one document of ``name``'s view, or None."""
        with self._lock:
            row = self._conn.execute(self._reads["load"], (name, key)).fetchone()
        return None if row is None else str(row[0])

    def rows(self, name: str) -> list[tuple[str, str]]:
        """Every document of ``name``'s view as ``(key, JSON text)``, sorted by key."""
        with self._lock:
            rows = self._conn.execute(self._reads["rows"], (name,)).fetchall()
        return [(str(key), str(value)) for key, value in rows]


class SQLiteViewStore(_SqlReads):
    """Views in the store's own SQLite file; a batch commits in one ``BEGIN IMMEDIATE``.

    The store is in WAL mode (eventsourcing sets it). This connection commits with
    ``synchronous=NORMAL``: a commit is atomic and survives a crash of the process, but not
    necessarily a power cut, which may take the last view commits back, each with its
    position, so the engine applies those events again. Events themselves are written by
    eventsourcing's connections, which keep ``synchronous=FULL``. It copies the WAL back into
    the database file every :data:`WAL_CHECKPOINT_PAGES` pages rather than SQLite's 1,000, so
    a long catch-up stops (and syncs the file) for that less often, and keeps a page cache of
    :data:`PAGE_CACHE_KIB` KiB.
    """

    _conn: sqlite3.Connection
    _reads: Mapping[str, Any] = {
        "position": f"SELECT position FROM {TRACKING_TABLE} WHERE projection = ?",
        "load": f"SELECT value FROM {DOCUMENTS_TABLE} WHERE projection = ? AND key = ?",
        "rows": f"SELECT key, value FROM {DOCUMENTS_TABLE} WHERE projection = ? ORDER BY key",
    }

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
        self._conn.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        self._lock = threading.Lock()

    def scan(
        self, name: str, after: str, before: str, *, descending: bool, limit: int
    ) -> list[str]:
        """Up to ``limit`` keys of ``name``'s view strictly between ``after`` and ``before``,
        in order (``descending``: from ``before`` down): a range of the primary key."""
        with self._lock:
            rows = self._conn.execute(
                sqlite_scan_statement(descending=descending), (name, after, before, limit)
            ).fetchall()
        return [str(row[0]) for row in rows]

    def load_many(self, name: str, keys: Sequence[str]) -> dict[str, str]:
        """The JSON text of each of ``keys`` that has a document, by key."""
        if not keys:
            return {}
        marks = ", ".join("?" * len(keys))
        with self._lock:
            rows = self._conn.execute(
                f"SELECT key, value FROM {DOCUMENTS_TABLE} WHERE projection = ? "
                f"AND key IN ({marks})",
                (name, *keys),
            ).fetchall()
        return {str(key): str(value) for key, value in rows}

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

    def commit(self, entries: Sequence[ViewChanges]) -> bool:
        """Write the entries' documents and positions in one transaction, by compare-and-set."""
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
        """Delete the documents ``keys`` of ``name``'s view (the position stays)."""
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
        """Drop the documents and the position of ``name``'s view."""
        with self._transaction():
            self._conn.execute(f"DELETE FROM {DOCUMENTS_TABLE} WHERE projection = ?", (name,))
            self._conn.execute(f"DELETE FROM {TRACKING_TABLE} WHERE projection = ?", (name,))

    def close(self) -> None:
        """Release the connection."""
        self._conn.close()


# --- PostgreSQL -------------------------------------------------------------------------


class PostgresViewStore(_SqlReads):
    """Views in the store's PostgreSQL schema; a batch commits in one transaction."""

    def __init__(self, config: StoreConfig) -> None:
        from psycopg import sql

        self._stack = ExitStack()
        self._conn: psycopg.Connection[Any] = self._stack.enter_context(postgres_connection(config))
        self._lock = threading.Lock()
        schema = sql.Identifier(config.schema)
        self._documents = sql.SQL("{}.{}").format(schema, sql.Identifier(DOCUMENTS_TABLE))
        self._tracking = sql.SQL("{}.{}").format(schema, sql.Identifier(TRACKING_TABLE))
        self._reads = {
            "position": self._sql("SELECT position FROM {tracking} WHERE projection = %s"),
            "load": self._sql(
                "SELECT value::text FROM {documents} WHERE projection = %s AND key = %s"
            ),
            "rows": self._sql(
                "SELECT key, value::text FROM {documents} WHERE projection = %s ORDER BY key"
            ),
        }

    def _sql(self, text: str) -> Any:
        from psycopg import sql

        return sql.SQL(text).format(documents=self._documents, tracking=self._tracking)

    def scan(
        self, name: str, after: str, before: str, *, descending: bool, limit: int
    ) -> list[str]:
        """Up to ``limit`` keys of ``name``'s view strictly between ``after`` and ``before``,
        in byte order (``descending``: from ``before`` down); for a listing (a projection
        named ``listings.*``), a range of the byte-ordered index ``libops db migrate`` makes."""
        with self._lock:
            rows = self._conn.execute(
                self._sql(postgres_scan_statement(name, descending=descending)),
                (name, after, before, limit),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def load_many(self, name: str, keys: Sequence[str]) -> dict[str, str]:
        """The JSON text of each of ``keys`` that has a document, by key."""
        if not keys:
            return {}
        with self._lock:
            rows = self._conn.execute(
                self._sql(
                    "SELECT key, value::text FROM {documents} "
                    "WHERE projection = %s AND key = ANY(%s)"
                ),
                (name, list(keys)),
            ).fetchall()
        return {str(row[0]): str(row[1]) for row in rows}

    def commit(self, entries: Sequence[ViewChanges]) -> bool:
        """Write the entries' documents and positions in one transaction, by compare-and-set."""
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
        """Delete the documents ``keys`` of ``name``'s view (the position stays)."""
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
        """Drop the documents and the position of ``name``'s view."""
        with self._lock, self._conn.transaction():
            self._conn.execute(self._sql("DELETE FROM {documents} WHERE projection = %s"), (name,))
            self._conn.execute(self._sql("DELETE FROM {tracking} WHERE projection = %s"), (name,))

    def close(self) -> None:
        """Release the connection."""
        self._stack.close()


class _Owner:
    """The owner of the views of a memory view store opened without one."""


class _ConflictError(Exception):
    """Another engine advanced the position first: the batch is rolled back."""


def open_view_store(config: StoreConfig, *, memory_owner: object | None = None) -> ViewStore:
    """A new connection to the views of the (migrated) store ``config`` describes.

    For ``memory://`` the views live as long as ``memory_owner`` (the application's
    recorder): every view store opened with the same owner shares them.
    """
    if config.scheme == "memory":
        return MemoryViewStore(memory_owner)
    preflight(config, tables=[DOCUMENTS_TABLE, TRACKING_TABLE])
    if config.scheme == "sqlite":
        return SQLiteViewStore(config)
    return PostgresViewStore(config)

"""Key stores: one AES key per data subject, kept outside the event store, deleted on erasure.

Three adapters of the :class:`~libops.domain.ports.KeyStore` port, one per kind of store URL:

- :class:`MemoryKeyStore` for ``memory://`` (keys live as long as the process);
- :class:`SQLiteKeyStore`, a SQLite file of its own beside the event store's file
  (``libops.db`` keeps its keys in ``libops.keys.db``), so that deleting a key never touches
  the event store, and the key file can be kept, backed up and wiped on its own terms;
- :class:`PostgresKeyStore`, tables ``libops_subject_keys``, ``libops_erased_subjects`` and
  ``libops_key_store_secret`` in the store's schema.

Tables are created by the migration step (:func:`migrate_key_store`), never when a process
opens a store. Each store keeps the ids of erased subjects (pseudonyms, nothing else) so that an
erased subject never gets a new key, and one random secret for deriving pseudonyms.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from libops.adapters.storage import (
    DEFAULT_CONNECT_TIMEOUT,
    StoreConfig,
    translate_storage_error,
)
from libops.domain.errors import MigrationRequiredError, StorageError, SubjectErasedError
from libops.domain.personal import require_subject_id
from libops.domain.ports import KeyStore

if TYPE_CHECKING:
    import psycopg

KEY_BYTES: Final = 32
"""AES-256: every subject key is 32 random bytes."""

SECRET_BYTES: Final = 32
"""The length of a key store's pseudonym secret."""

KEYS_TABLE: Final = "libops_subject_keys"
ERASED_TABLE: Final = "libops_erased_subjects"
SECRET_TABLE: Final = "libops_key_store_secret"
KEY_STORE_TABLES: Final = (KEYS_TABLE, ERASED_TABLE, SECRET_TABLE)
"""The tables of a key store, in SQLite and PostgreSQL alike."""

DEFAULT_SQLITE_LOCK_TIMEOUT: Final = 5.0
"""Seconds a SQLite key store waits for another process's write."""

_CHECKPOINT_ATTEMPTS: Final = 20
_CHECKPOINT_PAUSE: Final = 0.05


def _key_or_none(value: object) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise StorageError(f"a stored key is {type(value).__name__}, not bytes: the store is damaged")


class MemoryKeyStore:
    """Keys in this process's memory, for ``memory://`` stores and tests."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._erased: set[str] = set()
        self._secret = secrets.token_bytes(SECRET_BYTES)
        self._lock = threading.Lock()

    def get_or_create(self, subject_id: str) -> bytes:
        """The subject's key, made now if it has none; refused for an erased subject."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            if subject_id in self._erased:
                raise SubjectErasedError(subject_id)
            return self._keys.setdefault(subject_id, secrets.token_bytes(KEY_BYTES))

    def get(self, subject_id: str) -> bytes | None:
        """The subject's key, or None if erased or unknown."""
        with self._lock:
            return self._keys.get(require_subject_id(subject_id))

    def erase(self, subject_id: str) -> bool:
        """Forget the subject's key and remember the subject as erased."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            self._keys.pop(subject_id, None)
            if subject_id in self._erased:
                return False
            self._erased.add(subject_id)
            return True

    def is_erased(self, subject_id: str) -> bool:
        """Whether the subject was erased."""
        with self._lock:
            return require_subject_id(subject_id) in self._erased

    def pseudonym_secret(self) -> bytes:
        """This store's secret for pseudonyms."""
        return self._secret

    def close(self) -> None:
        """Nothing to release."""


# --- SQLite --------------------------------------------------------------------------------


def key_store_path(event_store_file: str | os.PathLike[str]) -> Path:
    """The key file beside a SQLite event store: ``libops.db`` -> ``libops.keys.db``."""
    path = Path(event_store_file)
    if path.suffix:
        return path.with_name(f"{path.stem}.keys{path.suffix}")
    return path.with_name(f"{path.name}.keys")


_SQLITE_SCHEMA: Final = (
    f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} "
    "(subject_id TEXT PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID",
    f"CREATE TABLE IF NOT EXISTS {ERASED_TABLE} (subject_id TEXT PRIMARY KEY) WITHOUT ROWID",
    f"CREATE TABLE IF NOT EXISTS {SECRET_TABLE} "
    "(id INTEGER PRIMARY KEY CHECK (id = 1), secret BLOB NOT NULL)",
)


def migrate_sqlite_key_store(path: str | os.PathLike[str]) -> None:
    """Create the key file at ``path`` with its tables and secret (changes nothing if done).

    The file is created readable by its owner only. Callers serialise migrations (the store's
    migration lock); the statements are safe to repeat.
    """
    path = Path(path)
    if not path.exists():
        # Owner-only from the first byte; SQLite gives its -wal and -shm files the same mode.
        with contextlib.suppress(FileExistsError):  # another migration made it first
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, isolation_level=None, timeout=DEFAULT_SQLITE_LOCK_TIMEOUT)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        for statement in _SQLITE_SCHEMA:
            conn.execute(statement)
        conn.execute(
            f"INSERT OR IGNORE INTO {SECRET_TABLE} (id, secret) VALUES (1, ?)",
            (secrets.token_bytes(SECRET_BYTES),),
        )
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        raise StorageError(f"cannot create the key file {str(path)!r}: {error}") from error
    finally:
        conn.close()


class SQLiteKeyStore:
    """Keys in a SQLite file of their own; an erased key is overwritten, not just unlinked.

    Every connection runs with ``PRAGMA secure_delete = ON`` (deleted rows are overwritten
    with zeros), and erasing checkpoints and truncates the write-ahead log, so the key's bytes
    are left neither in the file nor in its ``-wal`` file. One connection is shared by the
    threads of a process, one statement at a time; processes coordinate through SQLite's locks.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, lock_timeout: float = DEFAULT_SQLITE_LOCK_TIMEOUT
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise MigrationRequiredError(
                f"the key file {str(self.path)!r} does not exist yet; "
                "run `libops db migrate --store URL` (or libops.migrate(url)) once first"
            )
        try:
            self._conn = sqlite3.connect(
                f"file:{quote(str(self.path))}?mode=rw",
                uri=True,
                isolation_level=None,
                timeout=lock_timeout,
                check_same_thread=False,
            )
        except sqlite3.Error as error:
            raise StorageError(f"cannot open the key file {str(self.path)!r}: {error}") from None
        self._lock = threading.Lock()
        self._secret: bytes | None = None
        try:
            self._conn.execute("PRAGMA secure_delete = ON")
            # A key that was handed out must survive a crash: the events sealed with it do.
            self._conn.execute("PRAGMA synchronous = FULL")
            present = {
                str(row[0])
                for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.Error as error:
            self._conn.close()
            raise StorageError(f"cannot read the key file {str(self.path)!r}: {error}") from None
        missing = [table for table in KEY_STORE_TABLES if table not in present]
        if missing:
            self._conn.close()
            raise MigrationRequiredError(
                f"the key file {str(self.path)!r} has no {', '.join(missing)} table; "
                "run `libops db migrate --store URL` (or libops.migrate(url)) once first"
            )

    def _one(self, statement: str, parameters: tuple[Any, ...]) -> Any:
        try:
            row = self._conn.execute(statement, parameters).fetchone()
        except sqlite3.Error as error:
            raise StorageError(f"the key file {str(self.path)!r} failed: {error}") from error
        return None if row is None else row[0]

    def get_or_create(self, subject_id: str) -> bytes:
        """The subject's key, made now if it has none; refused for an erased subject."""
        subject_id = require_subject_id(subject_id)
        select = f"SELECT key FROM {KEYS_TABLE} WHERE subject_id = ?"
        with self._lock:
            key = _key_or_none(self._one(select, (subject_id,)))
            if key is not None:
                return key  # a subject with a key is not erased: erasing deletes the key
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    erased = self._conn.execute(
                        f"SELECT 1 FROM {ERASED_TABLE} WHERE subject_id = ?", (subject_id,)
                    ).fetchone()
                    if erased is not None:
                        raise SubjectErasedError(subject_id)
                    row = self._conn.execute(select, (subject_id,)).fetchone()
                    if row is None:
                        key = secrets.token_bytes(KEY_BYTES)
                        self._conn.execute(
                            f"INSERT INTO {KEYS_TABLE} (subject_id, key) VALUES (?, ?)",
                            (subject_id, key),
                        )
                    else:
                        key = bytes(row[0])
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise StorageError(f"the key file {str(self.path)!r} failed: {error}") from error
            return key

    def get(self, subject_id: str) -> bytes | None:
        """The subject's key, or None if erased or unknown."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            return _key_or_none(
                self._one(f"SELECT key FROM {KEYS_TABLE} WHERE subject_id = ?", (subject_id,))
            )

    def erase(self, subject_id: str) -> bool:
        """Delete the subject's key (overwriting its bytes) and remember the subject as erased."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.execute(
                        f"DELETE FROM {KEYS_TABLE} WHERE subject_id = ?", (subject_id,)
                    )
                    added = self._conn.execute(
                        f"INSERT OR IGNORE INTO {ERASED_TABLE} (subject_id) VALUES (?)",
                        (subject_id,),
                    ).rowcount
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise StorageError(f"the key file {str(self.path)!r} failed: {error}") from error
            self._truncate_log()
            return added == 1

    def _truncate_log(self) -> None:
        """Copy the log into the file and empty it, so no old page with the key stays in it.

        A reader in another process can hold the log open for a moment; try again briefly.
        If it stays busy, the next erasure or checkpoint empties the log instead.
        """
        for _attempt in range(_CHECKPOINT_ATTEMPTS):
            try:
                row = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.OperationalError:
                row = (1,)  # locked by another process: as busy
            if row is None or row[0] == 0:
                return
            time.sleep(_CHECKPOINT_PAUSE)

    def is_erased(self, subject_id: str) -> bool:
        """Whether the subject was erased."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            found = self._one(f"SELECT 1 FROM {ERASED_TABLE} WHERE subject_id = ?", (subject_id,))
        return found is not None

    def pseudonym_secret(self) -> bytes:
        """This store's secret for pseudonyms (read once, it never changes)."""
        if self._secret is None:
            with self._lock:
                secret = self._one(f"SELECT secret FROM {SECRET_TABLE} WHERE id = 1", ())
            if secret is None:
                raise MigrationRequiredError(
                    f"the key file {str(self.path)!r} has no secret; run the migration again"
                )
            self._secret = bytes(secret)
        return self._secret

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._conn.close()


# --- PostgreSQL ---------------------------------------------------------------------------

_ADVISORY_CLASS: Final = 0x11B0  # a fixed class id: per-subject locks of the key store

PG_LOCK_TIMEOUT_MS: Final = 10_000
"""Milliseconds a PostgreSQL key store waits for a lock before giving up with an error."""


def _pg_connect(config: StoreConfig) -> psycopg.Connection[Any]:
    import psycopg

    env = config.env
    try:
        return psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            dbname=env["POSTGRES_DBNAME"],
            connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]) or DEFAULT_CONNECT_TIMEOUT,
            application_name="libops-keys",
            autocommit=True,
            # Waiting for a lock (a subject being erased, a table being rewritten) has a limit.
            options=f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}",
        )
    except psycopg.Error as error:
        raise _pg_error(error, config) from None


def _pg_error(error: Exception, config: StoreConfig) -> StorageError:
    translated = translate_storage_error(error, config)
    if translated is not None:
        return translated
    return StorageError(
        f"the key store of {config.redacted_url} failed: {config.scrub(str(error)).strip()}"
    )


def _pg_tables(schema: str) -> dict[str, Any]:
    from psycopg import sql

    return {name: sql.Identifier(schema, name) for name in (KEYS_TABLE, ERASED_TABLE, SECRET_TABLE)}


def migrate_postgres_key_store(config: StoreConfig) -> None:
    """Create the key store's tables and secret in the store's schema (safe to repeat).

    Run it under the store's migration lock: concurrent ``CREATE TABLE`` fails on PostgreSQL.
    """
    import psycopg
    from psycopg import sql

    t = _pg_tables(config.schema)
    conn = _pg_connect(config)
    try:
        with conn.transaction():
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} "
                    "(subject_id TEXT PRIMARY KEY, key BYTEA NOT NULL)"
                ).format(t[KEYS_TABLE])
            )
            conn.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} (subject_id TEXT PRIMARY KEY)").format(
                    t[ERASED_TABLE]
                )
            )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} "
                    "(id SMALLINT PRIMARY KEY CHECK (id = 1), secret BYTEA NOT NULL)"
                ).format(t[SECRET_TABLE])
            )
            conn.execute(
                sql.SQL("INSERT INTO {} (id, secret) VALUES (1, %s) ON CONFLICT DO NOTHING").format(
                    t[SECRET_TABLE]
                ),
                (secrets.token_bytes(SECRET_BYTES),),
            )
    except psycopg.Error as error:
        raise _pg_error(error, config) from None
    finally:
        conn.close()


class PostgresKeyStore:
    """Keys in tables of the store's PostgreSQL schema, shared by every process using it.

    Creating and erasing take a per-subject advisory lock, so a key is never made for a
    subject while it is being erased. After an erasure the keys table is rewritten
    (``VACUUM FULL``) so the deleted row's bytes leave its data file; the server's write-ahead
    log and backups keep them until they are recycled (see docs/privacy.md).
    """

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self._tables = _pg_tables(config.schema)
        self._lock = threading.Lock()
        self._secret: bytes | None = None
        self._conn: psycopg.Connection[Any] | None = _pg_connect(config)
        try:
            rows = self._conn.execute(
                "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s",
                (config.schema,),
            ).fetchall()
        except Exception as error:
            self._conn.close()
            raise _pg_error(error, config) from None
        missing = [t for t in KEY_STORE_TABLES if t not in {str(row[0]) for row in rows}]
        if missing:
            self._conn.close()
            raise MigrationRequiredError(
                f"the store at {config.redacted_url} has no key store yet "
                f"({', '.join(missing)} missing); run `libops db migrate --store URL` "
                "(or libops.migrate(url)) once first"
            )

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = _pg_connect(self.config)
        return self._conn

    def _run(self, work: Any) -> Any:
        """Run ``work(connection)`` under the lock; a broken connection is replaced next time."""
        import psycopg

        with self._lock:
            conn = self._connection()
            try:
                return work(conn)
            except psycopg.Error as error:
                if conn.broken:
                    conn.close()
                raise _pg_error(error, self.config) from None

    def get_or_create(self, subject_id: str) -> bytes:
        """The subject's key, made now if it has none; refused for an erased subject."""
        from psycopg import sql

        subject_id = require_subject_id(subject_id)
        select = sql.SQL("SELECT key FROM {} WHERE subject_id = %s").format(
            self._tables[KEYS_TABLE]
        )

        def work(conn: psycopg.Connection[Any]) -> bytes:
            row = conn.execute(select, (subject_id,)).fetchone()
            if row is not None:
                return bytes(row[0])  # a subject with a key is not erased
            with conn.transaction():
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_ADVISORY_CLASS, subject_id)
                )
                erased = conn.execute(
                    sql.SQL("SELECT 1 FROM {} WHERE subject_id = %s").format(
                        self._tables[ERASED_TABLE]
                    ),
                    (subject_id,),
                ).fetchone()
                if erased is not None:
                    raise SubjectErasedError(subject_id)
                row = conn.execute(select, (subject_id,)).fetchone()
                if row is not None:
                    return bytes(row[0])
                key = secrets.token_bytes(KEY_BYTES)
                conn.execute(
                    sql.SQL("INSERT INTO {} (subject_id, key) VALUES (%s, %s)").format(
                        self._tables[KEYS_TABLE]
                    ),
                    (subject_id, key),
                )
                return key

        result: bytes = self._run(work)
        return result

    def get(self, subject_id: str) -> bytes | None:
        """The subject's key, or None if erased or unknown."""
        from psycopg import sql

        subject_id = require_subject_id(subject_id)
        statement = sql.SQL("SELECT key FROM {} WHERE subject_id = %s").format(
            self._tables[KEYS_TABLE]
        )
        row = self._run(lambda conn: conn.execute(statement, (subject_id,)).fetchone())
        return None if row is None else bytes(row[0])

    def erase(self, subject_id: str) -> bool:
        """Delete the subject's key and remember the subject as erased."""
        import psycopg
        from psycopg import sql

        subject_id = require_subject_id(subject_id)

        def work(conn: psycopg.Connection[Any]) -> bool:
            with conn.transaction():
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_ADVISORY_CLASS, subject_id)
                )
                deleted = conn.execute(
                    sql.SQL("DELETE FROM {} WHERE subject_id = %s").format(
                        self._tables[KEYS_TABLE]
                    ),
                    (subject_id,),
                ).rowcount
                added = conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (subject_id) VALUES (%s) ON CONFLICT DO NOTHING"
                    ).format(self._tables[ERASED_TABLE]),
                    (subject_id,),
                ).rowcount
            if deleted:
                # Rewrite the table so the deleted row's bytes leave its data file. The key is
                # already gone for every reader, so a refusal (say the role does not own the
                # table, or a long transaction holds it) must not undo or fail the erasure:
                # the dead row is then reclaimed by autovacuum instead.
                try:
                    conn.execute(sql.SQL("VACUUM FULL {}").format(self._tables[KEYS_TABLE]))
                except psycopg.Error:
                    if conn.broken:
                        raise
            return added == 1

        result: bool = self._run(work)
        return result

    def is_erased(self, subject_id: str) -> bool:
        """Whether the subject was erased."""
        from psycopg import sql

        subject_id = require_subject_id(subject_id)
        statement = sql.SQL("SELECT 1 FROM {} WHERE subject_id = %s").format(
            self._tables[ERASED_TABLE]
        )
        return self._run(lambda conn: conn.execute(statement, (subject_id,)).fetchone()) is not None

    def pseudonym_secret(self) -> bytes:
        """This store's secret for pseudonyms (read once, it never changes)."""
        from psycopg import sql

        if self._secret is None:
            statement = sql.SQL("SELECT secret FROM {} WHERE id = 1").format(
                self._tables[SECRET_TABLE]
            )
            row = self._run(lambda conn: conn.execute(statement).fetchone())
            if row is None:
                raise MigrationRequiredError(
                    f"the key store of {self.config.redacted_url} has no secret; "
                    "run the migration again"
                )
            self._secret = bytes(row[0])
        return self._secret

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


# --- by store URL ---------------------------------------------------------------------------


def migrate_key_store(config: StoreConfig) -> None:
    """Create the key store that belongs to the store ``config`` names (nothing for memory)."""
    if config.scheme == "sqlite":
        migrate_sqlite_key_store(key_store_path(config.env["SQLITE_DBNAME"]))
    elif config.scheme == "postgresql":
        migrate_postgres_key_store(config)


def open_key_store(config: StoreConfig) -> KeyStore:
    """The key store that belongs to the store ``config`` names (it must be migrated)."""
    if config.scheme == "sqlite":
        timeout = config.env.get("SQLITE_LOCK_TIMEOUT")
        return SQLiteKeyStore(
            key_store_path(config.env["SQLITE_DBNAME"]),
            lock_timeout=float(timeout) if timeout else DEFAULT_SQLITE_LOCK_TIMEOUT,
        )
    if config.scheme == "postgresql":
        return PostgresKeyStore(config)
    return MemoryKeyStore()

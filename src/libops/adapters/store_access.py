"""Reaching a store: checking it before eventsourcing opens it (:func:`preflight`), direct
PostgreSQL connections, the migration lock, the libops error a driver's error stands for,
and counting a store's events. :mod:`libops.adapters.storage` re-exports all of it."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from libops.adapters.private_files import require_private_file
from libops.adapters.store_urls import (
    DEFAULT_CONNECT_TIMEOUT,
    MIGRATION_LOCK_TIMEOUT,
    StoreConfig,
    check_sqlite_directory,
)
from libops.domain.errors import (
    MigrationRequiredError,
    NotAStoreError,
    StorageError,
    StoreAuthenticationError,
    StoreUnavailableError,
)

if TYPE_CHECKING:
    import psycopg
    from eventsourcing.persistence import ApplicationRecorder

# --- checking a store before eventsourcing opens it -----------------------------------------


def preflight(config: StoreConfig, *, tables: Sequence[str] = ()) -> None:
    """Check that the store can be opened, and that ``tables`` exist in it (before opening).

    Raises the specific :class:`StorageError` that says what to do: the directory or the
    server is missing, the credentials are wrong, or the store needs ``libops db migrate``.
    It creates nothing: a SQLite file that does not exist yet is not made here.
    """
    if config.scheme == "sqlite":
        _preflight_sqlite(config, tables)
    elif config.scheme == "postgresql":
        with postgres_connection(config) as conn:
            missing = [t for t in tables if not _pg_has_table(conn, config.schema, t)]
        if missing:
            raise _migration_required(config, ", ".join(missing))


def _migration_required(config: StoreConfig, what: str) -> MigrationRequiredError:
    return MigrationRequiredError(
        f"the store at {config.redacted_url} has no libops tables yet ({what} missing); "
        f"run `libops db migrate --store URL` (or libops.migrate(url)) once first"
    )


def _preflight_sqlite(config: StoreConfig, tables: Sequence[str]) -> None:
    path = Path(config.env["SQLITE_DBNAME"])
    check_sqlite_directory(config)
    _check_sqlite_file(config, path)
    if not tables:
        return
    if not path.exists():
        raise MigrationRequiredError(
            f"the SQLite file {str(path)!r} of {config.redacted_url} does not exist yet; "
            "run `libops db migrate --store URL` (or libops.migrate(url)) once first"
        )
    if path.is_dir():
        raise StoreUnavailableError(f"{str(path)!r} of {config.redacted_url} is a directory")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise StorageError(
            f"cannot read the SQLite file {str(path)!r} of {config.redacted_url}: {error}"
        ) from error
    present = {str(row[0]) for row in rows}
    missing = [t for t in tables if t not in present]
    if missing:
        raise _migration_required(config, ", ".join(missing))
    require_private_file(path, "event database")


def _check_sqlite_file(config: StoreConfig, path: Path) -> None:
    """Refuse a file that is not a SQLite database before anything is written beside it.

    The file is read through SQLite (read-only), never opened by Python itself: closing a
    file descriptor drops every POSIX lock this process holds on the file, so a plain
    ``open()`` here would silently release the locks of a connection the process already
    has to the store (another ``LibOps`` or a view store), and other processes would then
    checkpoint and remove a write-ahead log still in use.
    """
    if path.is_dir():
        raise StoreUnavailableError(f"{str(path)!r} of {config.redacted_url} is a directory")
    if not path.exists():
        return
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            # Reads the header (an empty file is an empty database to SQLite).
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error).lower():
            raise NotAStoreError(
                f"{str(path)!r} of {config.redacted_url} is not a SQLite database; libops "
                "leaves it as it is: name a new file or an existing libops store"
            ) from None
        raise StoreUnavailableError(
            f"cannot read the SQLite file {str(path)!r} of {config.redacted_url}: {error}"
        ) from None


def _pg_has_table(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = %s AND tablename = %s",
        (schema, table),
    ).fetchone()
    return row is not None


def postgres_server(config: StoreConfig) -> dict[str, Any]:
    """The arguments of ``psycopg.connect`` that name the store's server, database and login."""
    env = config.env
    return {
        "host": env["POSTGRES_HOST"],
        "port": int(env["POSTGRES_PORT"]),
        "user": env["POSTGRES_USER"],
        "password": env["POSTGRES_PASSWORD"],
        "dbname": env["POSTGRES_DBNAME"],
        "connect_timeout": int(env["POSTGRES_CONNECT_TIMEOUT"]) or DEFAULT_CONNECT_TIMEOUT,
    }


@contextmanager
def postgres_connection(config: StoreConfig) -> Iterator[psycopg.Connection[Any]]:
    """One direct connection to the store's server, with errors that say what went wrong."""
    import psycopg

    try:
        conn = psycopg.connect(
            **postgres_server(config), application_name="libops", autocommit=True
        )
    except psycopg.Error as error:
        raise translate_storage_error(error, config) or StoreUnavailableError(
            f"cannot connect to the store at {config.redacted_url}: "
            f"{config.scrub(str(error)).strip()}"
        ) from None
    try:
        yield conn
    except psycopg.Error as error:
        raise translate_storage_error(error, config) or StorageError(
            f"the store at {config.redacted_url} failed: {config.scrub(str(error)).strip()}"
        ) from error
    finally:
        conn.close()


@contextmanager
def migration_lock(config: StoreConfig) -> Iterator[None]:
    """Hold the store's migration lock: one migration of a PostgreSQL schema at a time.

    Concurrent ``CREATE TABLE``/``CREATE TYPE`` statements fail on PostgreSQL even with
    ``IF NOT EXISTS``, so every migration first takes a session-level advisory lock keyed by
    the schema. The schema is created if it does not exist. A SQLite file is migrated under
    an exclusive lock on a ``.migrate-lock`` file beside it.
    """
    preflight(config)
    if config.scheme == "sqlite":
        # Switching a new file to WAL mode and creating its tables from several processes
        # at once can fail with "database is locked": serialise on a lock file beside it.
        with _sqlite_migration_lock(config):
            yield
        return
    if config.scheme != "postgresql":
        yield
        return
    key = int.from_bytes(
        hashlib.sha256(f"libops-migrate:{config.schema}".encode()).digest()[:8],
        "big",
        signed=True,
    )
    with postgres_connection(config) as conn:
        conn.execute(f"SET lock_timeout = '{MIGRATION_LOCK_TIMEOUT}s'")
        import psycopg
        from psycopg import sql

        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        except psycopg.errors.LockNotAvailable:
            raise StoreUnavailableError(
                f"another migration of {config.redacted_url} held the lock for "
                f"{MIGRATION_LOCK_TIMEOUT} s; try again when it has finished"
            ) from None
        try:
            exists = conn.execute(
                "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (config.schema,)
            ).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(config.schema)))
            yield
        finally:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


@contextmanager
def _sqlite_migration_lock(config: StoreConfig) -> Iterator[None]:
    """Hold an exclusive lock on ``<file>.migrate-lock``, and remove the lock file after.

    The lock is taken on the file the path names once locked: a process that locked a file
    another one has just removed tries again, so no two migrations ever run at once.
    """
    import fcntl

    lock_path = f"{config.env['SQLITE_DBNAME']}.migrate-lock"
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise StoreUnavailableError(
                f"cannot create the migration lock {lock_path!r} of {config.redacted_url}: "
                f"{error.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(lock_path).st_ino
            except FileNotFoundError:
                continue
            if current != os.fstat(fd).st_ino:
                continue
            try:
                yield
            finally:
                with suppress(FileNotFoundError):
                    os.unlink(lock_path)
            return
        finally:
            os.close(fd)


# --- errors from the drivers ----------------------------------------------------------------

_UNREACHABLE: Final = (
    "connection refused",
    "could not connect",
    "timeout expired",
    "timed out",
    "could not translate host name",
    "name or service not known",
    "temporary failure in name resolution",
    "no route to host",
    "network is unreachable",
    "couldn't get a connection",
    "server closed the connection unexpectedly",
    "terminating connection",
    "connection is closed",
    "connection is lost",
    "connection has been closed",
    "consuming input failed",
    "database system is shutting down",
    "database system is starting up",
    "the database system is in recovery mode",
)


def translate_storage_error(error: BaseException, config: StoreConfig) -> StorageError | None:
    """Map a driver error to the libops storage error that says what to do, if we know one."""
    text = config.scrub(str(error)).strip()
    lowered = text.lower()
    where = config.redacted_url
    if (
        "password authentication failed" in lowered
        or "authentication failed" in lowered
        or "no pg_hba.conf entry" in lowered
        or ("role" in lowered and "does not exist" in lowered)
        or "no password supplied" in lowered
    ):
        return StoreAuthenticationError(f"{where}: the server refused the credentials ({text})")
    if "database" in lowered and "does not exist" in lowered:
        return StoreUnavailableError(
            f"{where}: the database does not exist on that server; "
            f"create it first (for example with createdb) ({text})"
        )
    if any(marker in lowered for marker in _UNREACHABLE):
        return StoreUnavailableError(f"cannot reach the store at {where}: {text}")
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return _migration_required(config, "events table")
    if "unable to open database file" in lowered:
        return StoreUnavailableError(f"cannot open the SQLite file of {where}: {text}")
    if "file is not a database" in lowered:
        return StorageError(f"{where} is not a SQLite database: {text}")
    return None


def storage_failure(config: StoreConfig, error: BaseException) -> StorageError:
    """The libops error for a failure of the store while in use (an outage, a locked file)."""
    from eventsourcing.persistence import InterfaceError, OperationalError

    known = translate_storage_error(error, config)
    if known is not None:
        return known
    text = config.scrub(str(error)).strip()
    if "database is locked" in text.lower():
        return StoreUnavailableError(
            f"the SQLite file of {config.redacted_url} stayed locked by another process: "
            f"{text}; nothing was recorded, try again"
        )
    if isinstance(error, OperationalError | InterfaceError):
        return StoreUnavailableError(f"the store at {config.redacted_url} is unavailable: {text}")
    return StorageError(f"the store at {config.redacted_url} failed: {text}")


# --- reading a store -----------------------------------------------------------------------


def count_events(recorder: ApplicationRecorder) -> int:
    """How many events the store holds (a count, not the last notification id)."""
    from eventsourcing.postgres import PostgresApplicationRecorder
    from eventsourcing.sqlite import SQLiteApplicationRecorder

    if isinstance(recorder, PostgresApplicationRecorder):
        from psycopg import sql

        statement = sql.SQL("SELECT COUNT(*) AS n FROM {}.{}").format(
            sql.Identifier(recorder.datastore.schema),
            sql.Identifier(recorder.events_table_name),
        )
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement)
            row = curs.fetchone()
        return int(row["n"]) if row else 0
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=False) as sqlite_curs:
            sqlite_curs.execute(f"SELECT COUNT(*) FROM {recorder.events_table_name}")
            return int(sqlite_curs.fetchone()[0])
    # The in-memory store numbers its events 1, 2, 3 ... without gaps.
    return int(recorder.max_notification_id() or 0)

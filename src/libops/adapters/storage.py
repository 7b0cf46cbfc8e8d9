"""Storage by URL: ``memory://``, ``sqlite:///path/file.db`` or ``postgresql://...``.

Each URL becomes the environment of one of eventsourcing's own persistence modules. Tables are
created only by the migration step; applications open stores with table creation switched off,
so many processes never race to create them (concurrent creation fails on PostgreSQL). The
migration itself holds a PostgreSQL advisory lock, so running it from several processes at once
is safe too.

Nothing here writes a password into an error message: every message names the store by its
redacted URL, and driver messages are scrubbed of the password before they are shown.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import attrs

from libops.domain.errors import (
    FileModeError,
    LibopsError,
    MigrationRequiredError,
    NotAStoreError,
    StorageError,
    StoreAuthenticationError,
    StoreUnavailableError,
    StoreUrlError,
    UnsafeStoreSettingError,
)

if TYPE_CHECKING:
    import psycopg
    from eventsourcing.persistence import ApplicationRecorder

DEFAULT_STORE: Final = "sqlite:///libops.db"
"""The embedded default: a SQLite file in the current directory."""

STORE_ENV_VAR: Final = "LIBOPS_STORE"
"""The environment variable the command line reads the store URL from."""

DEFAULT_CONNECT_TIMEOUT: Final = 5
"""Seconds to wait for a PostgreSQL server before saying it cannot be reached."""

MIGRATION_LOCK_TIMEOUT: Final = 120
"""Seconds a migration waits for another process's migration of the same schema."""

_UNSAFE_SETTING: Final = "POSTGRES_ENABLE_DB_FUNCTIONS"
_FALSE_WORDS: Final = frozenset({"", "n", "no", "f", "false", "off", "0"})

# URL option -> (eventsourcing environment variable, how its value is checked): a range of
# whole numbers (bounded, so that no driver or pool overflows or waits for ever) or a name.
_SQL_NAME = "a lower-case SQL name (letters, digits, _)"
_DAY_IN_SECONDS: Final = 86_400
_POSTGRES_OPTIONS: Final[Mapping[str, tuple[str, range | str]]] = {
    "pool_size": ("POSTGRES_POOL_SIZE", range(1, 1_001)),
    "max_overflow": ("POSTGRES_MAX_OVERFLOW", range(0, 1_001)),
    "max_waiting": ("POSTGRES_MAX_WAITING", range(0, 100_001)),
    "connect_timeout": ("POSTGRES_CONNECT_TIMEOUT", range(0, 3_601)),
    "lock_timeout": ("POSTGRES_LOCK_TIMEOUT", range(0, _DAY_IN_SECONDS + 1)),
    "idle_in_transaction_session_timeout": (
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT",
        range(0, _DAY_IN_SECONDS + 1),
    ),
    "schema": ("POSTGRES_SCHEMA", _SQL_NAME),
    "cache_size": ("AGGREGATE_CACHE_MAXSIZE", range(0, 1_000_001)),
}
_SQLITE_OPTIONS: Final[Mapping[str, tuple[str, range | str]]] = {
    "lock_timeout": ("SQLITE_LOCK_TIMEOUT", range(0, _DAY_IN_SECONDS + 1)),
    "cache_size": ("AGGREGATE_CACHE_MAXSIZE", range(0, 1_000_001)),
}
_NAME_BYTES: Final = 255
"""The longest file name (in bytes) the usual file systems (ext4, XFS, APFS, NTFS) allow."""
_SIBLING_SUFFIXES: Final = (".migrate-lock", ".keys", "-journal", "-wal", "-shm")
"""What libops and SQLite add to a store's file name for the files beside it."""
_SCHEMA_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_HOW: Final = (
    "expected memory://, sqlite:///relative/file.db, sqlite:////absolute/file.db "
    "or postgresql://user:password@host:port/dbname"
)


def _redact_env(env: Mapping[str, str]) -> str:
    shown = {k: ("***" if "PASSWORD" in k else v) for k, v in env.items()}
    return repr(shown)


@attrs.frozen
class StoreConfig:
    """A parsed store URL: which persistence module, and its settings."""

    scheme: str
    url: str = attrs.field(repr=lambda url: repr(redact(url)))
    env: Mapping[str, str] = attrs.field(repr=_redact_env)

    @property
    def redacted_url(self) -> str:
        """The URL with any password hidden, fit for logs and error messages."""
        return redact(self.url)

    @property
    def password(self) -> str:
        """The PostgreSQL password, or an empty string."""
        return self.env.get("POSTGRES_PASSWORD", "")

    @property
    def schema(self) -> str:
        """The PostgreSQL schema the tables live in (``public`` unless the URL says)."""
        return self.env.get("POSTGRES_SCHEMA", "") or "public"

    def scrub(self, text: str) -> str:
        """``text`` with this store's password replaced by ``***``."""
        return scrub_password(text, self.url)


def _login(url: str) -> tuple[str, str, str] | None:
    """``(before, password, after)`` when ``url`` has ``scheme://user:password@...``.

    This does not trust :func:`urllib.parse.urlsplit`: a password with an unencoded ``/``,
    ``?`` or ``#`` splits the URL in the wrong place, and such a password must still be hidden.
    The last ``@`` ends the login, so this errs on the side of hiding too much.
    """
    scheme, sep, rest = url.partition("://")
    at = rest.rfind("@")
    if not sep or at == -1:
        return None
    user, colon, password = rest[:at].partition(":")
    if not colon or "/" in user:
        return None
    return f"{scheme}://{user}:", password, rest[at:]


def redact(url: str) -> str:
    """Hide the password in a store URL."""
    login = _login(url)
    if login is None or not login[1]:
        return url
    before, _, after = login
    return f"{before}***{after}"


def scrub_password(text: str, url: str) -> str:
    """``text`` with the password of ``url`` (as written, or decoded) replaced by ``***``."""
    login = _login(url)
    raw = login[1] if login else ""
    for secret in sorted({raw, unquote(raw), quote(unquote(raw), safe="")}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text


def _options(
    query: str, allowed: Mapping[str, tuple[str, range | str]], url: str
) -> dict[str, str]:
    env: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise StoreUrlError(
            f"the options of store URL {redact(url)} are not name=value pairs joined by &"
        ) from None
    seen: set[str] = set()
    for key, value in pairs:
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise StoreUrlError(
                f"unknown option {key!r} in store URL {redact(url)} (known: {known})"
            )
        if key in seen:
            raise StoreUrlError(f"option {key!r} is given twice in store URL {redact(url)}")
        seen.add(key)
        variable, expected = allowed[key]
        if isinstance(expected, range):
            low, high = expected.start, expected.stop - 1
            if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
                raise StoreUrlError(
                    f"option {key}={value!r} in store URL {redact(url)} must be a whole "
                    f"number from {low} to {high}"
                )
        elif _SCHEMA_NAME.fullmatch(value) is None:
            raise StoreUrlError(
                f"option {key}={value!r} in store URL {redact(url)} must be {expected}"
            )
        env[variable] = value
    return env


def parse_store_url(url: str) -> StoreConfig:
    """Turn a store URL into the settings of an eventsourcing persistence module.

    Parsing contacts no server and creates nothing; for SQLite it checks that the file's
    directory exists. A relative SQLite path is made absolute here, against the current
    directory, so that every connection of the store opens the same file whatever the
    process does with its working directory later.
    """
    if not isinstance(url, str) or not url.strip():
        raise StoreUrlError(f"the store URL is empty; {_HOW}")
    url = url.strip()
    if "://" not in url:
        raise StoreUrlError(f"{redact(url)!r} is not a store URL; {_HOW}")
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise StoreUrlError(f"{redact(url)!r} is not a valid URL ({error}); {_HOW}") from None
    scheme = parts.scheme.lower()
    if parts.fragment or url.endswith("#"):
        raise StoreUrlError(f"{redact(url)!r} contains '#': write '#' in a password or path as %23")
    if scheme == "memory":
        if parts.netloc or parts.path or parts.query:
            raise StoreUrlError(f"memory:// takes no path or options, got {redact(url)!r}")
        return StoreConfig("memory", url, {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    if scheme == "sqlite":
        return _parse_sqlite(url, parts.netloc, parts.path, parts.query)
    if scheme in ("postgresql", "postgres"):
        return _parse_postgres(url)
    raise StoreUrlError(
        f"unknown store scheme {parts.scheme!r} in {redact(url)}; "
        "use memory://, sqlite:/// or postgresql://"
    )


def _parse_sqlite(url: str, netloc: str, path: str, query: str) -> StoreConfig:
    if netloc:
        raise StoreUrlError(
            f"{url!r}: a SQLite URL has no host; write sqlite:///relative/file.db "
            "or sqlite:////absolute/file.db"
        )
    filename = unquote(path[1:]) if path.startswith("/") else ""
    if not filename or filename.endswith("/"):
        raise StoreUrlError(f"{url!r} names no database file; try sqlite:///libops.db")
    if filename == ":memory:" or filename.startswith("file:") or "mode=memory" in filename:
        raise StoreUrlError("use memory:// for a store that lives only in memory")
    if "\x00" in filename:
        raise StoreUrlError(f"{url!r}: a file name cannot contain a NUL character")
    _check_file_name(url, filename)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": os.path.abspath(filename),
    }
    env.update(_options(query, _SQLITE_OPTIONS, url))
    config = StoreConfig("sqlite", url, env)
    _check_sqlite_directory(config)
    return config


def _check_file_name(url: str, filename: str) -> None:
    """Refuse a path the file system cannot hold, with the files libops puts beside it."""
    try:
        parts = [part.encode("utf-8") for part in Path(filename).parts]
    except UnicodeEncodeError:
        raise StoreUrlError(f"{redact(url)!r}: the file name is not valid Unicode") from None
    longest = _NAME_BYTES - max(len(suffix) for suffix in _SIBLING_SUFFIXES)
    for part in parts[:-1]:
        if len(part) > _NAME_BYTES:
            raise StoreUrlError(
                f"a directory name in store URL {redact(url)} is {len(part)} bytes; "
                f"file systems allow at most {_NAME_BYTES}"
            )
    if parts and len(parts[-1]) > longest:
        raise StoreUrlError(
            f"the file name in store URL {redact(url)} is {len(parts[-1])} bytes; at most "
            f"{longest}, so that the files libops keeps beside it fit in {_NAME_BYTES} bytes"
        )
    if len(os.path.abspath(filename).encode("utf-8")) > 4_000:
        raise StoreUrlError(f"the path in store URL {redact(url)} is too long")


def _check_sqlite_directory(config: StoreConfig) -> None:
    directory = Path(config.env["SQLITE_DBNAME"]).parent
    if not directory.is_dir():
        raise StoreUnavailableError(
            f"the directory {str(directory)!r} of SQLite store {config.redacted_url} "
            "does not exist; create it first"
        )


def _parse_postgres(url: str) -> StoreConfig:
    parts = urlsplit(url)
    shown = redact(url)
    try:
        port = parts.port
    except ValueError:
        raise StoreUrlError(
            f"the port in {shown} is not a port number (1 to 65535); "
            "if it is part of a password, percent-encode it (':' as %3A, '/' as %2F, "
            "'@' as %40, '?' as %3F, '#' as %23)"
        ) from None
    if port == 0:
        raise StoreUrlError(f"the port in {shown} is not a port number (1 to 65535)")
    if not parts.hostname:
        raise StoreUrlError(f"{shown} names no host")
    dbname = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    if not dbname or "/" in dbname:
        raise StoreUrlError(
            f"{shown} must name exactly one database after the host, "
            "as in postgresql://user:password@host:5432/dbname"
        )
    if not parts.username:
        raise StoreUrlError(f"{shown} names no user, as in postgresql://user:password@host/db")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port or 5432),
        "POSTGRES_USER": unquote(parts.username),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": str(DEFAULT_CONNECT_TIMEOUT),
    }
    env.update(_options(parts.query, _POSTGRES_OPTIONS, url))
    return StoreConfig("postgresql", url, env)


def check_safe_settings(environ: Mapping[str, str] | None = None) -> None:
    """Refuse to run with settings that make eventsourcing 9.5.6 lose events.

    ``POSTGRES_ENABLE_DB_FUNCTIONS`` (under any application prefix) makes eventsourcing
    insert events through a database function that skips the table lock, so notification
    ids can commit out of order and a log follower can step past an event for good.
    """
    environ = os.environ if environ is None else environ
    for key, value in environ.items():
        if key.upper().endswith(_UNSAFE_SETTING) and value.strip().lower() not in _FALSE_WORDS:
            raise UnsafeStoreSettingError(
                f"{key}={value} is set: with it eventsourcing 9.5.6 skips the table lock "
                "and log followers miss events. Unset it to use libops."
            )


def store_environment(config: StoreConfig, *, create_tables: bool) -> dict[str, str]:
    """The eventsourcing environment of a store: its URL's settings, and table creation."""
    env = dict(config.env)
    env["CREATE_TABLE"] = "y" if create_tables else "n"
    return env


def events_table(config: StoreConfig, application_name: str) -> str:
    """The name of the table an eventsourcing application records its events in."""
    if config.scheme == "postgresql":
        return f"{application_name.lower()}_events"
    return "stored_events"


# --- files only their owner may read --------------------------------------------------------

PRIVATE_MODE: Final = 0o600
"""The mode of the files libops creates for a store: its owner reads and writes, nobody else."""


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (SQLite then fills it).

    SQLite gives the ``-wal`` and ``-shm`` files it makes beside it the same mode.
    """
    if path.exists() or path.is_symlink():
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
    except FileExistsError:
        pass  # another migration made it first
    except OSError as error:
        raise StoreUnavailableError(f"cannot create {str(path)!r}: {error.strerror}") from None


def require_private_file(
    path: Path, what: str, *, error: Callable[[str], LibopsError] = FileModeError
) -> None:
    """Refuse ``path`` if users other than its owner may read or write it (raising
    ``error``, :class:`FileModeError` unless the caller's own kind of error is given)."""
    if os.name == "nt":  # no POSIX modes: the directory's access lists apply
        return
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return  # a missing file is reported by whoever needs it
    if mode & 0o077:
        raise error(
            f"the {what} {str(path)!r} may be read by other users (mode {mode:04o}); "
            f"libops keeps it owner-only: run `chmod 600 {path}` and try again"
        )


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` owner-only (mode 0600), replacing the file whole: written
    to ``<name>.tmp`` and synced first, so a crash leaves the old file. Raises OSError."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # a .tmp left by an older run may have had another mode
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


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
    _check_sqlite_directory(config)
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

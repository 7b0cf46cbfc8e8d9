"""Store URLs: ``memory://``, ``sqlite:///path/file.db`` or ``postgresql://...``, parsed
and checked into a :class:`StoreConfig` (the environment of one of eventsourcing's own
persistence modules), with passwords redacted from every message; the refusal of unsafe
eventsourcing settings. :mod:`libops.adapters.storage` re-exports all of it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import attrs

from libops.domain.errors import (
    StoreUnavailableError,
    StoreUrlError,
    UnsafeStoreSettingError,
)

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
    check_sqlite_directory(config)
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


def check_sqlite_directory(config: StoreConfig) -> None:
    """Refuse a SQLite store whose directory does not exist."""
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

"""Storage by URL: ``memory://``, ``sqlite:///path/file.db`` or ``postgresql://...``.

Each URL becomes the environment of one of eventsourcing's own persistence modules. Tables are
created only by :func:`migrate`; applications open stores with table creation switched off, so
many processes never race to create them (concurrent creation fails on PostgreSQL).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs

from libops.domain.errors import (
    MigrationRequiredError,
    StoreAuthenticationError,
    StoreUnavailableError,
    StoreUrlError,
    UnsafeStoreSettingError,
)

DEFAULT_STORE: Final = "sqlite:///libops.db"
"""The embedded default: a SQLite file in the current directory."""

STORE_ENV_VAR: Final = "LIBOPS_STORE"

_POSTGRES_OPTIONS: Final = {
    "pool_size": "POSTGRES_POOL_SIZE",
    "max_overflow": "POSTGRES_MAX_OVERFLOW",
    "connect_timeout": "POSTGRES_CONNECT_TIMEOUT",
    "lock_timeout": "POSTGRES_LOCK_TIMEOUT",
    "schema": "POSTGRES_SCHEMA",
    "idle_in_transaction_session_timeout": "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT",
}
_SQLITE_OPTIONS: Final = {"lock_timeout": "SQLITE_LOCK_TIMEOUT"}


@attrs.frozen
class StoreConfig:
    """A parsed store URL: which persistence module, and its settings."""

    scheme: str
    url: str
    env: Mapping[str, str]

    @property
    def redacted_url(self) -> str:
        """The URL with any password hidden, fit for logs and error messages."""
        return redact(self.url)


def redact(url: str) -> str:
    """Hide the password in a store URL."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _options(query: str, allowed: Mapping[str, str], url: str) -> dict[str, str]:
    env = {}
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise StoreUrlError(f"unknown option {key!r} in store URL {redact(url)} (known: {known})")
        env[allowed[key]] = value
    return env


def parse_store_url(url: str) -> StoreConfig:
    """Turn a store URL into the settings of an eventsourcing persistence module."""
    if not isinstance(url, str) or not url.strip():
        raise StoreUrlError("the store URL is empty; try sqlite:///libops.db or memory://")
    url = url.strip()
    if "://" not in url:
        raise StoreUrlError(
            f"{url!r} is not a store URL; expected memory://, sqlite:///path/to/file.db "
            "or postgresql://user:password@host:port/dbname"
        )
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        if parts.netloc or parts.path or parts.query:
            raise StoreUrlError(f"memory:// takes no path or options, got {url!r}")
        return StoreConfig("memory", url, {"PERSISTENCE_MODULE": "eventsourcing.popo"})
    if scheme == "sqlite":
        if parts.netloc:
            raise StoreUrlError(
                f"{url!r}: a SQLite URL has no host; write sqlite:///relative/file.db "
                "or sqlite:////absolute/file.db"
            )
        path = unquote(parts.path[1:]) if parts.path.startswith("/") else ""
        if not path:
            raise StoreUrlError(f"{url!r} names no database file; try sqlite:///libops.db")
        if path == ":memory:" or path.startswith("file:"):
            raise StoreUrlError("use memory:// for a store that lives only in memory")
        directory = Path(path).parent
        if not directory.is_dir():
            raise StoreUnavailableError(
                f"the directory {str(directory)!r} of SQLite store {url!r} does not exist"
            )
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
        env.update(_options(parts.query, _SQLITE_OPTIONS, url))
        return StoreConfig("sqlite", url, env)
    if scheme in ("postgresql", "postgres"):
        try:
            port = parts.port or 5432
        except ValueError:
            raise StoreUrlError(f"the port in {redact(url)} is not a number") from None
        dbname = unquote(parts.path.lstrip("/"))
        if not parts.hostname:
            raise StoreUrlError(f"{redact(url)} names no host")
        if not dbname or "/" in dbname:
            raise StoreUrlError(f"{redact(url)} must name exactly one database after the host")
        if not parts.username:
            raise StoreUrlError(f"{redact(url)} names no user")
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": unquote(parts.username),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "5",
        }
        env.update(_options(parts.query, _POSTGRES_OPTIONS, url))
        return StoreConfig("postgresql", url, env)
    raise StoreUrlError(
        f"unknown store scheme {parts.scheme!r} in {redact(url)}; "
        "use memory://, sqlite:/// or postgresql://"
    )


def check_safe_settings(environ: Mapping[str, str] | None = None) -> None:
    """Refuse to run with settings that make eventsourcing 9.5.6 lose events."""
    environ = os.environ if environ is None else environ
    for key, value in environ.items():
        if key.endswith("POSTGRES_ENABLE_DB_FUNCTIONS") and value.strip().lower() in {
            "y", "yes", "t", "true", "on", "1",
        }:
            raise UnsafeStoreSettingError(
                f"{key}={value} is set: with it eventsourcing 9.5.6 skips the table lock "
                "and log followers miss events. Unset it to use libops."
            )


def translate_storage_error(error: BaseException, config: StoreConfig) -> Exception | None:
    """Map a driver error to the libops storage error that says what to do, if we know one."""
    text = str(error)
    lowered = text.lower()
    where = config.redacted_url
    if "password authentication failed" in lowered or "role" in lowered and "does not exist" in lowered:
        return StoreAuthenticationError(f"{where}: the server refused the credentials ({text.strip()})")
    if "database" in lowered and "does not exist" in lowered:
        return StoreUnavailableError(f"{where}: {text.strip()}")
    if (
        "connection refused" in lowered
        or "could not connect" in lowered
        or "timeout" in lowered
        or "could not translate host name" in lowered
        or "name or service not known" in lowered
        or "connection failed" in lowered
        or "couldn't get a connection" in lowered
    ):
        return StoreUnavailableError(f"cannot reach the store at {where}: {text.strip()}")
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return MigrationRequiredError(
            f"the store at {where} has no libops tables yet; "
            f"run `libops db migrate --store {where}` first"
        )
    if "unable to open database file" in lowered:
        return StoreUnavailableError(f"cannot open the SQLite file of {where}: {text.strip()}")
    return None

"""Platform credentials: where they are kept, and tokens cached until they expire.

Credentials never go into events, reprs, errors or logs: values travel as
:class:`~libops.domain.ports.Secret` (its repr is ``Secret('***')``), and the three adapters of
the :class:`~libops.domain.ports.CredentialStore` port keep them outside the event store:

- :class:`FileCredentialStore`: a JSON file only its owner may read (mode 0600), beside the key
  store by default (``libops.db`` keeps its credentials in ``libops.credentials.json``); a file
  others may read is refused, with the ``chmod`` that fixes it;
- :class:`EnvCredentialStore`: environment variables ``LIBOPS_CRED_<ACCOUNT>_<NAME>``
  (read-only: set and remove are refused);
- :class:`PostgresCredentialStore`: a table ``libops_credentials`` in the store's schema
  (created by ``libops db migrate``), each value sealed with AES-GCM under a key from the
  store's key store, bound to its account and name.

:class:`TokenCache` keeps each account's access token with its expiry and asks a refresh
callback for a new one when it expired, or once when the platform answered 401.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Self

import attrs

from libops.adapters.private_files import exclusive_lock
from libops.adapters.sealing import AesGcmSealer
from libops.adapters.storage import (
    StoreConfig,
    postgres_connection,
    require_private_file,
    write_private_file,
)
from libops.domain.errors import (
    CredentialError,
    CredentialFileError,
    CredentialNameError,
    CredentialTableMissingError,
    PlatformError,
    ReadOnlyCredentialStoreError,
    TokenRefreshError,
)
from libops.domain.ports import Clock, CredentialInfo, CredentialStore, KeyStore, Secret

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "CREDENTIALS_ENV",
    "CREDENTIALS_TABLE",
    "ENV_PREFIX",
    "CredentialInfo",
    "CredentialStore",
    "EnvCredentialStore",
    "FileCredentialStore",
    "MemoryCredentialStore",
    "PostgresCredentialStore",
    "Secret",
    "Token",
    "TokenCache",
    "credentials_path",
    "env_variable",
    "lookup",
    "migrate_postgres_credentials",
]

ENV_PREFIX: Final = "LIBOPS_CRED_"
"""Environment variables ``LIBOPS_CRED_<ACCOUNT>_<NAME>`` hold credentials (read-only)."""

CREDENTIALS_ENV: Final = "LIBOPS_CREDENTIALS"
"""The environment variable naming the credentials file (else it sits beside the store)."""

CREDENTIALS_TABLE: Final = "libops_credentials"
"""The PostgreSQL table of :class:`PostgresCredentialStore`, in the store's schema."""

KEY_SUBJECT: Final = "libops-credentials"
"""The key store's subject whose key seals the PostgreSQL table's values."""

_PART: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}")
_MAX_VALUE: Final = 16_384


def _part(what: str, value: object) -> str:
    if not isinstance(value, str) or _PART.fullmatch(value) is None:
        shown = value if isinstance(value, str) and len(value) <= 100 else type(value).__name__
        raise CredentialNameError(
            f"a credential's {what} is 1 to 100 letters, digits and . _ / - "
            f"(starting with a letter or digit), not {shown!r}"
        )
    return value


def _value(value: object) -> Secret:
    if isinstance(value, str):
        value = Secret(value)
    if not isinstance(value, Secret):
        raise CredentialNameError(f"a credential's value is text, not {type(value).__name__}")
    text = value.reveal()
    if not text.strip() or len(text) > _MAX_VALUE or "\x00" in text:
        raise CredentialNameError(
            f"a credential's value is 1 to {_MAX_VALUE} characters of text (not empty)"
        )
    return value


def _now(clock: Clock | None) -> datetime:
    from libops.adapters.clock import SystemClock

    return (clock or SystemClock()).now()


# --- memory ---------------------------------------------


class MemoryCredentialStore:
    """Credentials in process memory, for tests and ``memory://`` stores."""

    source = "memory"

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock
        self._values: dict[tuple[str, str], tuple[Secret, datetime]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryCredentialStore({len(self._values)} credentials)"

    def get(self, account: str, name: str) -> Secret | None:
        found = self._values.get((_part("account", account), _part("name", name)))
        return None if found is None else found[0]

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        key = (_part("account", account), _part("name", name))
        secret = _value(value)
        at = _now(self._clock)
        with self._lock:
            self._values[key] = (secret, at)
        return CredentialInfo(key[0], key[1], at, self.source)

    def remove(self, account: str, name: str) -> bool:
        key = (_part("account", account), _part("name", name))
        with self._lock:
            return self._values.pop(key, None) is not None

    def list(self, account: str | None = None) -> list[CredentialInfo]:
        if account is not None:
            _part("account", account)
        return [
            CredentialInfo(a, n, at, self.source)
            for (a, n), (_secret, at) in sorted(self._values.items())
            if account is None or a == account
        ]


# --- a 0600 file ---------------------------------------------


def credentials_path(store: StoreConfig | None = None) -> Path:
    """The credentials file: :data:`CREDENTIALS_ENV` if set, else beside a SQLite store's file
    (``libops.db`` → ``libops.credentials.json``), else ``libops.credentials.json`` here."""
    named = os.environ.get(CREDENTIALS_ENV)
    if named:
        return Path(named)
    if store is not None and store.scheme == "sqlite":
        db = Path(store.env["SQLITE_DBNAME"])
        return db.with_name(f"{db.stem}.credentials.json")
    return Path("libops.credentials.json")


class FileCredentialStore:
    """Credentials in a JSON file only its owner may read or write (mode 0600).

    A file its group or others may read is refused (:class:`CredentialFileError`, naming the
    ``chmod 600`` that fixes it). Each change rewrites the file whole (a crash leaves the old
    one) under an exclusive lock, so two processes setting credentials at once lose nothing.
    """

    source = "file"

    def __init__(self, path: str | os.PathLike[str], *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileCredentialStore({str(self.path)!r})"

    def get(self, account: str, name: str) -> Secret | None:
        entry = self._read().get(_part("account", account), {}).get(_part("name", name))
        return None if entry is None else Secret(entry["value"])

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        account, name = _part("account", account), _part("name", name)
        secret = _value(value)
        at = _now(self._clock)
        with self._locked():
            data = self._read()
            data.setdefault(account, {})[name] = {
                "value": secret.reveal(),
                "rotated_at": at.isoformat(),
            }
            self._write(data)
        return CredentialInfo(account, name, at, self.source)

    def remove(self, account: str, name: str) -> bool:
        account, name = _part("account", account), _part("name", name)
        with self._locked():
            data = self._read()
            names = data.get(account, {})
            if names.pop(name, None) is None:
                return False
            if not names:
                data.pop(account, None)
            self._write(data)
        return True

    def list(self, account: str | None = None) -> list[CredentialInfo]:
        if account is not None:
            _part("account", account)
        return [
            CredentialInfo(a, n, datetime.fromisoformat(entry["rotated_at"]), self.source)
            for a, names in sorted(self._read().items())
            if account is None or a == account
            for n, entry in sorted(names.items())
        ]

    # --- the file -----------------------------------------------------------------------------

    def _require_private(self) -> None:
        require_private_file(self.path, "credentials file", error=CredentialFileError)

    def _read(self) -> dict[str, dict[str, dict[str, str]]]:
        if not self.path.exists():
            return {}
        self._require_private()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as bad:
            # Only the error's kind: a JSON error's text may quote a piece of a secret.
            raise CredentialFileError(
                f"cannot read the credentials file {str(self.path)!r} ({type(bad).__name__})"
            ) from None
        credentials = data.get("credentials") if isinstance(data, dict) else None
        if not isinstance(credentials, dict) or not all(
            isinstance(names, dict)
            and all(
                isinstance(e, dict)
                and isinstance(e.get("value"), str)
                and isinstance(e.get("rotated_at"), str)
                for e in names.values()
            )
            for names in credentials.values()
        ):
            raise CredentialFileError(
                f"{str(self.path)!r} is not a libops credentials file "
                '({"credentials": {account: {name: {"value", "rotated_at"}}}})'
            )
        return credentials

    def _write(self, data: Mapping[str, Any]) -> None:
        text = json.dumps({"credentials": data}, ensure_ascii=False, indent=2, sort_keys=True)
        try:
            write_private_file(self.path, text + "\n")
        except OSError as error:
            raise CredentialFileError(
                f"cannot write the credentials file {str(self.path)!r}: {error.strerror}"
            ) from None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        def refused(error: OSError) -> CredentialFileError:
            return CredentialFileError(
                f"cannot lock the credentials file {str(self.path)!r}: {error.strerror}"
            )

        with self._lock, exclusive_lock(self.path.with_name(self.path.name + ".lock"), refused):
            yield


# --- environment variables ---------------------------------------------


def env_variable(account: str, name: str) -> str:
    """The variable that holds ``name`` of ``account``: ``LIBOPS_CRED_WEIBO_ACCESS_TOKEN``
    (letters upper-cased, every other character ``_``)."""
    account, name = _part("account", account), _part("name", name)
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", f"{account}_{name}".upper())


class EnvCredentialStore:
    """Credentials from environment variables ``LIBOPS_CRED_<ACCOUNT>_<NAME>`` (read-only).

    A scheduler or a container passes secrets this way without a file; set and remove raise
    :class:`ReadOnlyCredentialStoreError`. :meth:`list` shows the variables' names only, with
    no rotation time (the environment does not keep one).
    """

    source = "environment"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def __repr__(self) -> str:
        return "EnvCredentialStore()"

    def get(self, account: str, name: str) -> Secret | None:
        value = self._environ.get(env_variable(account, name))
        return Secret(value) if value else None

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        raise ReadOnlyCredentialStoreError(
            f"credentials from the environment are read-only: set {env_variable(account, name)} "
            "where the process is started, or use the credentials file"
        )

    def remove(self, account: str, name: str) -> bool:
        raise ReadOnlyCredentialStoreError(
            f"credentials from the environment are read-only: unset {env_variable(account, name)}"
        )

    def list(self, account: str | None = None) -> list[CredentialInfo]:
        """With ``account``, its names (lower case); without, each variable by its full name
        (where the account ends and the name begins is not known), with account ``"*"``."""
        if account is None:
            return [
                CredentialInfo("*", variable, None, self.source)
                for variable in sorted(self._environ)
                if variable.startswith(ENV_PREFIX) and self._environ[variable]
            ]
        prefix = env_variable(account, "x")[:-1]
        return [
            CredentialInfo(account, variable[len(prefix) :].lower(), None, self.source)
            for variable in sorted(self._environ)
            if variable.startswith(prefix) and self._environ[variable]
        ]


# --- PostgreSQL ---------------------------------------------


def _table(config: StoreConfig) -> Any:
    from psycopg import sql

    return sql.Identifier(config.schema, CREDENTIALS_TABLE)


def migrate_postgres_credentials(config: StoreConfig) -> None:
    """Create the credentials table in the store's schema (safe to repeat; run under the
    store's migration lock, as ``libops db migrate`` does)."""
    from psycopg import sql

    with postgres_connection(config) as conn:
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (account TEXT NOT NULL, name TEXT NOT NULL, "
                "nonce BYTEA NOT NULL, sealed BYTEA NOT NULL, rotated_at TIMESTAMPTZ NOT NULL, "
                "PRIMARY KEY (account, name))"
            ).format(_table(config))
        )


def _table_exists(config: StoreConfig) -> bool:
    with postgres_connection(config) as conn:
        row = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (config.schema, CREDENTIALS_TABLE),
        ).fetchone()
    return row is not None


class PostgresCredentialStore:
    """Credentials in the table ``libops_credentials`` of the store's PostgreSQL schema.

    Each value is sealed (AES-GCM) under the key store's key for :data:`KEY_SUBJECT`, bound to
    its account and name: a dump of the table alone reveals nothing, and a value copied to
    another row does not open.
    """

    source = "postgresql"

    def __init__(self, config: StoreConfig, keys: KeyStore, *, clock: Clock | None = None) -> None:
        self.config = config
        self._keys: KeyStore | None = keys
        self._key: bytes | None = None
        self._clock = clock
        self._sealer = AesGcmSealer()

    @classmethod
    def for_gateways(cls, config: StoreConfig, *, clock: Clock | None = None) -> Self:
        """The store's table for gateways that keep renewed tokens (the command line's
        chain): refused (:class:`CredentialTableMissingError`) if the store was not
        migrated. The sealing key is read once, through a key store closed at once, so
        nothing stays open beside the gateways."""
        if not _table_exists(config):
            raise CredentialTableMissingError(
                f"the store {config.redacted_url} has no credentials table "
                f"({config.schema}.{CREDENTIALS_TABLE}), so renewed tokens could not be kept "
                "in it: run `libops db migrate` on the store first"
            )
        from libops.adapters.keystore import open_key_store

        keys = open_key_store(config)
        try:
            key = keys.get_or_create(KEY_SUBJECT)
        finally:
            keys.close()
        made = cls(config, keys, clock=clock)
        made._keys, made._key = None, key
        return made

    def _sealing_key(self) -> bytes:
        if self._key is not None:
            return self._key
        assert self._keys is not None  # one of the two is always set
        return self._keys.get_or_create(KEY_SUBJECT)

    def __repr__(self) -> str:
        return f"PostgresCredentialStore({self.config.redacted_url!r})"

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        with postgres_connection(self.config) as conn:
            yield conn

    def _sql(self, text: str) -> Any:
        from psycopg import sql

        return sql.SQL(text).format(_table(self.config))

    def get(self, account: str, name: str) -> Secret | None:
        account, name = _part("account", account), _part("name", name)
        with self._conn() as conn:
            row = conn.execute(
                self._sql("SELECT nonce, sealed FROM {} WHERE account = %s AND name = %s"),
                (account, name),
            ).fetchone()
        if row is None:
            return None
        key = self._sealing_key()
        opened = self._sealer.open(key, bytes(row[0]), bytes(row[1]), _bound(account, name))
        if opened is None:
            raise CredentialFileError(
                f"the stored credential {name!r} of {account!r} does not open with the key "
                "store's key (altered, or the key store was replaced): set it again"
            )
        return Secret(opened.decode("utf-8"))

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        account, name = _part("account", account), _part("name", name)
        secret = _value(value)
        at = _now(self._clock)
        key = self._sealing_key()
        nonce, sealed = self._sealer.seal(
            key, secret.reveal().encode("utf-8"), _bound(account, name)
        )
        with self._conn() as conn:
            conn.execute(
                self._sql(
                    "INSERT INTO {} (account, name, nonce, sealed, rotated_at) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (account, name) DO UPDATE SET "
                    "nonce = EXCLUDED.nonce, sealed = EXCLUDED.sealed, "
                    "rotated_at = EXCLUDED.rotated_at"
                ),
                (account, name, nonce, sealed, at),
            )
        return CredentialInfo(account, name, at, self.source)

    def remove(self, account: str, name: str) -> bool:
        account, name = _part("account", account), _part("name", name)
        with self._conn() as conn:
            cursor = conn.execute(
                self._sql("DELETE FROM {} WHERE account = %s AND name = %s"), (account, name)
            )
            return bool(cursor.rowcount)

    def list(self, account: str | None = None) -> list[CredentialInfo]:
        with self._conn() as conn:
            if account is None:
                rows = conn.execute(
                    self._sql("SELECT account, name, rotated_at FROM {} ORDER BY account, name")
                ).fetchall()
            else:
                rows = conn.execute(
                    self._sql(
                        "SELECT account, name, rotated_at FROM {} WHERE account = %s "
                        "ORDER BY account, name"
                    ),
                    (_part("account", account),),
                ).fetchall()
        return [CredentialInfo(str(a), str(n), at, self.source) for a, n, at in rows]


def _bound(account: str, name: str) -> bytes:
    return f"libops-credential\x00{account}\x00{name}".encode()


# --- tokens ---------------------------------------------


@attrs.frozen
class Token:
    """An access token and when it stops working (None: it does not expire)."""

    value: Secret = attrs.field(converter=_value)
    expires_at: datetime | None = None

    def valid_at(self, now: datetime, margin: timedelta) -> bool:
        """Whether the token still works ``margin`` after ``now``."""
        return self.expires_at is None or now + margin < self.expires_at


Refresh = Callable[[str], Token]
"""Gets a new token for an account (from the platform's OAuth endpoint, say)."""


class TokenCache:
    """Each account's access token, kept until it expires and then refreshed once.

    ``refresh(account)`` is the callback that gets a new :class:`Token`; :meth:`get` calls it
    when the account has no token yet or its token expires within ``margin``. An HTTP adapter
    that got a 401 calls :meth:`invalidate` with the token it used and then :meth:`get` again:
    the token is refreshed once, however many requests saw the same 401 at once. A refresh
    that fails with a :class:`~libops.domain.errors.PlatformError` or a
    :class:`~libops.domain.errors.CredentialError` raises it as it is (the platform's own
    class, which an adapter words without a secret); any other failure raises
    :class:`TokenRefreshError` (its message names the account and the error's kind, never
    its text, which might quote a token).
    """

    def __init__(
        self,
        refresh: Refresh,
        *,
        clock: Clock | None = None,
        margin: timedelta = timedelta(seconds=60),
    ) -> None:
        if not callable(refresh):
            raise TypeError("refresh must be a function of the account")
        self._refresh = refresh
        self._clock = clock
        self._margin = margin
        self._tokens: dict[str, Token] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.refreshes = 0
        """How many times the callback was called (for tests and diagnostics)."""

    def __repr__(self) -> str:
        return f"TokenCache({len(self._tokens)} tokens)"

    def _lock(self, account: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(account, threading.Lock())

    def get(self, account: str) -> Secret:
        """A valid token for ``account``: the cached one, or a refreshed one."""
        account = _part("account", account)
        with self._lock(account):
            token = self._tokens.get(account)
            if token is None or not token.valid_at(_now(self._clock), self._margin):
                token = self._call_refresh(account)
            return token.value

    def invalidate(self, account: str, used: Secret) -> None:
        """The platform refused ``used`` (401): drop it, unless it was refreshed already."""
        account = _part("account", account)
        with self._lock(account):
            token = self._tokens.get(account)
            if token is not None and token.value == used:
                del self._tokens[account]

    def call(
        self, account: str, request: Callable[[Secret], Any], unauthorized: type[Exception]
    ) -> Any:
        """Run ``request`` with a valid token; on ``unauthorized`` (a 401), refresh once and
        run it again (a second 401 is raised as it is)."""
        token = self.get(account)
        try:
            return request(token)
        except unauthorized:
            self.invalidate(account, token)
            return request(self.get(account))

    def _call_refresh(self, account: str) -> Token:
        self.refreshes += 1
        try:
            token = self._refresh(account)
        except (PlatformError, CredentialError):
            raise  # the platform's or the store's own error: its message holds no secret
        except Exception as error:
            # Any other error's text may quote a secret: only its kind is named.
            raise TokenRefreshError(
                f"the token of {account!r} could not be refreshed ({type(error).__name__})"
            ) from None
        if not isinstance(token, Token):
            raise TokenRefreshError(
                f"the refresh of {account!r} gave a {type(token).__name__}, not a Token"
            )
        self._tokens[account] = token
        return token


def lookup(stores: Sequence[CredentialStore], account: str, name: str) -> Secret | None:
    """The first value any of ``stores`` holds (the environment first, say, then the file)."""
    for store in stores:
        found = store.get(account, name)
        if found is not None:
            return found
    return None

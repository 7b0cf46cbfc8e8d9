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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from libops.adapters.credential_entries import checked_part, checked_value, now_of
from libops.adapters.credentials_postgres import (
    CREDENTIALS_TABLE,
    KEY_SUBJECT,
    PostgresCredentialStore,
    migrate_postgres_credentials,
)
from libops.adapters.private_files import exclusive_lock
from libops.adapters.storage import (
    StoreConfig,
    require_private_file,
    write_private_file,
)
from libops.adapters.tokens import Token, TokenCache
from libops.domain.errors import (
    CredentialFileError,
    ReadOnlyCredentialStoreError,
)
from libops.domain.ports import Clock, CredentialInfo, CredentialStore, Secret

__all__ = [
    "CREDENTIALS_ENV",
    "CREDENTIALS_TABLE",
    "ENV_PREFIX",
    "KEY_SUBJECT",
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
        found = self._values.get((checked_part("account", account), checked_part("name", name)))
        return None if found is None else found[0]

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        key = (checked_part("account", account), checked_part("name", name))
        secret = checked_value(value)
        at = now_of(self._clock)
        with self._lock:
            self._values[key] = (secret, at)
        return CredentialInfo(key[0], key[1], at, self.source)

    def remove(self, account: str, name: str) -> bool:
        key = (checked_part("account", account), checked_part("name", name))
        with self._lock:
            return self._values.pop(key, None) is not None

    def list(self, account: str | None = None) -> list[CredentialInfo]:
        if account is not None:
            checked_part("account", account)
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
        entry = (
            self._read().get(checked_part("account", account), {}).get(checked_part("name", name))
        )
        return None if entry is None else Secret(entry["value"])

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        account, name = checked_part("account", account), checked_part("name", name)
        secret = checked_value(value)
        at = now_of(self._clock)
        with self._locked():
            data = self._read()
            data.setdefault(account, {})[name] = {
                "value": secret.reveal(),
                "rotated_at": at.isoformat(),
            }
            self._write(data)
        return CredentialInfo(account, name, at, self.source)

    def remove(self, account: str, name: str) -> bool:
        account, name = checked_part("account", account), checked_part("name", name)
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
            checked_part("account", account)
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
    account, name = checked_part("account", account), checked_part("name", name)
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


def lookup(stores: Sequence[CredentialStore], account: str, name: str) -> Secret | None:
    """The first value any of ``stores`` holds (the environment first, say, then the file)."""
    for store in stores:
        found = store.get(account, name)
        if found is not None:
            return found
    return None

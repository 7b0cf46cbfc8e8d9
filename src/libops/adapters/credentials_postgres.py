"""Credentials in the store's PostgreSQL schema: the table ``libops_credentials`` (made by
:func:`migrate_postgres_credentials`, as ``libops db migrate`` does) and
:class:`PostgresCredentialStore`, which seals each value with AES-GCM under a key from the
store's key store, bound to its account and name. :mod:`libops.adapters.credentials`
re-exports them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final, Self

from libops.adapters.credential_entries import checked_part, checked_value, now_of
from libops.adapters.sealing import AesGcmSealer
from libops.adapters.storage import (
    StoreConfig,
    postgres_connection,
)
from libops.domain.errors import (
    CredentialFileError,
    CredentialTableMissingError,
)
from libops.domain.ports import Clock, CredentialInfo, KeyStore, Secret

if TYPE_CHECKING:
    import psycopg

CREDENTIALS_TABLE: Final = "libops_credentials"
"""The PostgreSQL table of :class:`PostgresCredentialStore`, in the store's schema."""

KEY_SUBJECT: Final = "libops-credentials"
"""The key store's subject whose key seals the PostgreSQL table's values."""


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
        account, name = checked_part("account", account), checked_part("name", name)
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
        account, name = checked_part("account", account), checked_part("name", name)
        secret = checked_value(value)
        at = now_of(self._clock)
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
        account, name = checked_part("account", account), checked_part("name", name)
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
                    (checked_part("account", account),),
                ).fetchall()
        return [CredentialInfo(str(a), str(n), at, self.source) for a, n, at in rows]


def _bound(account: str, name: str) -> bytes:
    return f"libops-credential\x00{account}\x00{name}".encode()

"""Key stores: one AES key per data subject, kept outside the event store, deleted on erasure.

Three adapters of the :class:`~libops.domain.ports.KeyStore` port, one per kind of store URL,
each in a module of this package (``memory``, ``sqlite``, ``postgres``):

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

from libops.adapters.keystore.memory import MemoryKeyStore
from libops.adapters.keystore.postgres import (
    PG_LOCK_TIMEOUT_MS,
    PostgresKeyStore,
    migrate_postgres_key_store,
)
from libops.adapters.keystore.schema import (
    ERASED_TABLE,
    KEY_BYTES,
    KEY_STORE_TABLES,
    KEYS_TABLE,
    SECRET_BYTES,
    SECRET_TABLE,
)
from libops.adapters.keystore.sqlite import (
    DEFAULT_SQLITE_LOCK_TIMEOUT,
    SQLiteKeyStore,
    key_store_path,
    migrate_sqlite_key_store,
)
from libops.adapters.storage import StoreConfig
from libops.domain.ports import KeyStore

__all__ = [
    "DEFAULT_SQLITE_LOCK_TIMEOUT",
    "ERASED_TABLE",
    "KEYS_TABLE",
    "KEY_BYTES",
    "KEY_STORE_TABLES",
    "PG_LOCK_TIMEOUT_MS",
    "SECRET_BYTES",
    "SECRET_TABLE",
    "MemoryKeyStore",
    "PostgresKeyStore",
    "SQLiteKeyStore",
    "key_store_path",
    "migrate_key_store",
    "migrate_postgres_key_store",
    "migrate_sqlite_key_store",
    "open_key_store",
]


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

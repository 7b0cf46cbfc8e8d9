"""What every key store keeps: its tables, the size of its keys and of its pseudonym secret."""

from __future__ import annotations

import secrets
from typing import Final

from libops.domain.errors import StorageError

KEY_BYTES: Final = 32
"""AES-256: every subject key is 32 random bytes."""

SECRET_BYTES: Final = 32
"""The length of a key store's pseudonym secret."""

KEYS_TABLE: Final = "libops_subject_keys"
ERASED_TABLE: Final = "libops_erased_subjects"
SECRET_TABLE: Final = "libops_key_store_secret"
KEY_STORE_TABLES: Final = (KEYS_TABLE, ERASED_TABLE, SECRET_TABLE)
"""The tables of a key store, in SQLite and PostgreSQL alike."""


def key_or_none(value: object) -> bytes | None:
    """A key read from storage as bytes (None if there is none); anything else is damage."""
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise StorageError(f"a stored key is {type(value).__name__}, not bytes: the store is damaged")


def new_key() -> bytes:
    """A fresh subject key: :data:`KEY_BYTES` random bytes."""
    return secrets.token_bytes(KEY_BYTES)


def new_secret() -> bytes:
    """A fresh pseudonym secret: :data:`SECRET_BYTES` random bytes."""
    return secrets.token_bytes(SECRET_BYTES)

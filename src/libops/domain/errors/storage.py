"""Errors of the stores: their addresses, reachability, schema, settings and files."""

from __future__ import annotations

from libops.domain.errors.core import LibopsError


class DemoStoreInUseError(LibopsError):
    """The demo was asked to run on a store that holds another scenario or other records."""


class StorageError(LibopsError):
    """The event store cannot be opened or used."""


class StoreUrlError(StorageError, ValueError):
    """A store URL is malformed or names an unknown scheme."""


class StoreUnavailableError(StorageError):
    """The store's server cannot be reached, or its file's directory does not exist."""


class StoreAuthenticationError(StorageError):
    """The store's server refused the credentials in the URL."""


class NotAStoreError(StorageError):
    """The file a SQLite store URL names exists but is not a SQLite database."""


class MigrationRequiredError(StorageError):
    """The store's tables do not exist yet: run the migration step first."""


class UnsafeStoreSettingError(StorageError):
    """A storage setting that loses events is switched on."""


class FileModeError(StorageError):
    """A key file or event database may be read by other users: libops refuses to use it."""


class StoreBusyError(StorageError):
    """The store stayed locked by other writers for longer than a command retries."""

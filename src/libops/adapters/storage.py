"""Storage by URL: ``memory://``, ``sqlite:///path/file.db`` or ``postgresql://...``.

Each URL becomes the environment of one of eventsourcing's own persistence modules. Tables are
created only by the migration step; applications open stores with table creation switched off,
so many processes never race to create them (concurrent creation fails on PostgreSQL). The
migration itself holds a PostgreSQL advisory lock, so running it from several processes at once
is safe too.

Nothing here writes a password into an error message: every message names the store by its
redacted URL, and driver messages are scrubbed of the password before they are shown.

The pieces live by what they do: :mod:`~libops.adapters.store_urls` (URLs and their
settings), :mod:`~libops.adapters.store_access` (checking, connecting, migrating, driver
errors) and :mod:`~libops.adapters.private_files` (files only their owner may read); this
module gives them the one import path the rest of libops uses.
"""

from __future__ import annotations

from libops.adapters.private_files import (
    PRIVATE_MODE,
    create_private_file,
    exclusive_lock,
    require_private_file,
    write_private_file,
)
from libops.adapters.store_access import (
    count_events,
    migration_lock,
    postgres_connection,
    postgres_server,
    preflight,
    storage_failure,
    translate_storage_error,
)
from libops.adapters.store_urls import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_STORE,
    MIGRATION_LOCK_TIMEOUT,
    STORE_ENV_VAR,
    StoreConfig,
    check_safe_settings,
    events_table,
    parse_store_url,
    redact,
    scrub_password,
    store_environment,
)

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_STORE",
    "MIGRATION_LOCK_TIMEOUT",
    "PRIVATE_MODE",
    "STORE_ENV_VAR",
    "StoreConfig",
    "check_safe_settings",
    "count_events",
    "create_private_file",
    "events_table",
    "exclusive_lock",
    "migration_lock",
    "parse_store_url",
    "postgres_connection",
    "postgres_server",
    "preflight",
    "redact",
    "require_private_file",
    "scrub_password",
    "storage_failure",
    "store_environment",
    "translate_storage_error",
    "write_private_file",
]

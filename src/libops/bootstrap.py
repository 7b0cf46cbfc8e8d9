"""The one wiring module: opens a store by URL and plugs adapters into the application."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from eventsourcing.persistence import PersistenceError

from libops.adapters.clock import SystemClock
from libops.adapters.storage import (
    DEFAULT_STORE,
    StoreConfig,
    check_safe_settings,
    parse_store_url,
    translate_storage_error,
)
from libops.application.app import LibOpsApplication
from libops.application.campaigns import CampaignService
from libops.domain.errors import MigrationRequiredError, StorageError
from libops.domain.ports import Clock


def _construct(config: StoreConfig, clock: Clock, *, create_tables: bool) -> LibOpsApplication:
    env = dict(config.env)
    env["CREATE_TABLE"] = "y" if create_tables else "n"
    try:
        return LibOpsApplication(env, clock)
    except (PersistenceError, OSError) as error:
        translated = translate_storage_error(error, config)
        if translated is not None:
            raise translated from error
        raise StorageError(f"cannot open the store at {config.redacted_url}: {error}") from error


def _probe(app: LibOpsApplication, config: StoreConfig) -> None:
    """Touch the events table so that a bad server, login or missing migration shows now."""
    try:
        app.recorder.max_notification_id()
    except Exception as error:
        app.close()
        translated = translate_storage_error(error, config)
        if translated is not None:
            raise translated from error
        raise StorageError(f"cannot use the store at {config.redacted_url}: {error}") from error


def migrate(url: str = DEFAULT_STORE) -> None:
    """Create libops's tables in the store at ``url`` (safe to run again; run it once)."""
    check_safe_settings()
    config = parse_store_url(url)
    if config.scheme == "memory":
        return
    app = _construct(config, SystemClock(), create_tables=True)
    try:
        _probe(app, config)
    finally:
        app.close()


class LibOps:
    """libops opened on one store: ``LibOps.open("sqlite:///libops.db")``."""

    def __init__(self, app: LibOpsApplication, config: StoreConfig) -> None:
        self.app = app
        self.config = config
        self.campaigns = CampaignService(app)

    @classmethod
    def open(
        cls,
        url: str = DEFAULT_STORE,
        *,
        clock: Clock | None = None,
        migrate: bool = False,
        **_reserved: Any,
    ) -> LibOps:
        """Open the store at ``url``; with ``migrate=True`` create its tables first.

        Tables are otherwise expected to exist: run ``libops db migrate --store URL``
        once per store, not from every process.
        """
        if _reserved:
            raise TypeError(f"unexpected options: {', '.join(sorted(_reserved))}")
        check_safe_settings()
        config = parse_store_url(url)
        if migrate:
            globals()["migrate"](url)
        if config.scheme == "sqlite" and not Path(config.env["SQLITE_DBNAME"]).exists():
            raise MigrationRequiredError(
                f"the SQLite file of {url} does not exist yet; "
                f"run `libops db migrate --store {url}` first"
            )
        app = _construct(config, clock or SystemClock(), create_tables=config.scheme == "memory")
        _probe(app, config)
        return cls(app, config)

    @property
    def clock(self) -> Clock:
        """The clock commands read the time from."""
        return self.app.clock

    def close(self) -> None:
        """Release the store's connections."""
        self.app.close()

    def __enter__(self) -> LibOps:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

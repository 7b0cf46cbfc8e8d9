"""The one wiring module: opens a store by URL and plugs adapters into the application."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path
from types import TracebackType

from eventsourcing.persistence import PersistenceError

from libops.adapters.clock import SystemClock
from libops.adapters.platforms import gateways_by_platform, limits_for
from libops.adapters.storage import (
    DEFAULT_STORE,
    StoreConfig,
    check_safe_settings,
    events_table,
    migration_lock,
    parse_store_url,
    preflight,
    store_environment,
    translate_storage_error,
)
from libops.application.app import LibOpsApplication
from libops.application.campaigns import CampaignService
from libops.application.posts import PostService
from libops.application.publishing import PublishingService
from libops.domain.cadence import CadencePolicy
from libops.domain.errors import InvalidValueError, MigrationRequiredError, StorageError
from libops.domain.ports import Clock, PlatformGateway
from libops.domain.review import sensitive_word_list


def _construct(config: StoreConfig, clock: Clock, *, create_tables: bool) -> LibOpsApplication:
    """Build the application on the store; only the migration step creates tables.

    Before eventsourcing opens its connection pool, :func:`preflight` checks the directory,
    the server, the login and (unless migrating) that the tables exist, so that every way of
    failing shows at once as a specific error instead of retries and a pool timeout.
    """
    if create_tables and config.scheme != "memory":
        preflight(config)
    else:
        preflight(config, tables=[events_table(config, LibOpsApplication.name)])
    env = store_environment(config, create_tables=create_tables)
    try:
        return LibOpsApplication(env, clock)
    except (PersistenceError, OSError) as error:
        translated = translate_storage_error(error, config)
        if translated is not None:
            raise translated from None
        raise StorageError(
            f"cannot open the store at {config.redacted_url}: {config.scrub(str(error))}"
        ) from None


def _probe(app: LibOpsApplication, config: StoreConfig) -> None:
    """Touch the events table so that a bad server, login or missing migration shows now."""
    try:
        app.recorder.max_notification_id()
    except Exception as error:
        app.close()
        translated = translate_storage_error(error, config)
        if translated is not None:
            raise translated from None
        raise StorageError(
            f"cannot use the store at {config.redacted_url}: {config.scrub(str(error))}"
        ) from None


def migrate_store(url: str = DEFAULT_STORE) -> None:
    """Create libops's tables in the store at ``url``.

    Run it once per store, before any process opens it. Running it again changes nothing,
    and several processes running it at once on PostgreSQL take turns (an advisory lock).
    """
    check_safe_settings()
    config = parse_store_url(url)
    if config.scheme == "memory":
        return
    with migration_lock(config):
        app = _construct(config, SystemClock(), create_tables=True)
        try:
            _probe(app, config)
        finally:
            app.close()


migrate = migrate_store
"""Create libops's tables in the store at ``url`` (the Python twin of ``libops db migrate``)."""


class LibOps:
    """libops opened on one store: ``LibOps.open("sqlite:///libops.db")``."""

    def __init__(
        self,
        app: LibOpsApplication,
        config: StoreConfig,
        *,
        gateways: Iterable[PlatformGateway] = (),
        cadence: CadencePolicy | None = None,
        sensitive_words: Collection[str] = (),
    ) -> None:
        self.app = app
        self.config = config
        self.gateways = gateways_by_platform(gateways)
        self.cadence = CadencePolicy() if cadence is None else cadence
        self.campaigns = CampaignService(app)
        self.posts = PostService(
            app,
            lambda platform: limits_for(platform, self.gateways),
            self.cadence,
            sensitive_words,
        )
        self.publishing = PublishingService(app, self.gateways)

    @classmethod
    def open(
        cls,
        url: str = DEFAULT_STORE,
        *,
        clock: Clock | None = None,
        migrate: bool = False,
        gateways: Iterable[PlatformGateway] = (),
        cadence: CadencePolicy | None = None,
        sensitive_words: Collection[str] = (),
    ) -> LibOps:
        """Open the store at ``url``; with ``migrate=True`` create its tables first.

        Tables are otherwise expected to exist: run ``libops db migrate --store URL``
        once per store, not from every process. ``gateways`` are the platform adapters,
        ``cadence`` the posting-frequency policy (the operations plan's by default) and
        ``sensitive_words`` the words the automatic review looks for.
        """
        # Bad options fail before a connection is opened.
        gateways = tuple(gateways_by_platform(gateways).values())
        if cadence is not None and not isinstance(cadence, CadencePolicy):
            raise InvalidValueError(f"cadence must be a CadencePolicy, not {cadence!r}")
        sensitive_words = sensitive_word_list(sensitive_words)
        check_safe_settings()
        config = parse_store_url(url)
        if migrate:
            migrate_store(url)
        if config.scheme == "sqlite" and not Path(config.env["SQLITE_DBNAME"]).exists():
            raise MigrationRequiredError(
                f"the SQLite file of {url} does not exist yet; "
                f"run `libops db migrate --store {url}` first"
            )
        app = _construct(config, clock or SystemClock(), create_tables=config.scheme == "memory")
        _probe(app, config)
        return cls(
            app, config, gateways=gateways, cadence=cadence, sensitive_words=sensitive_words
        )

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

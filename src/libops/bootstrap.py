"""The one wiring module: opens a store by URL and plugs adapters into the application."""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection, Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import PersistenceError

from libops.adapters.clock import SystemClock
from libops.adapters.eventlog import RecorderEventLog
from libops.adapters.importers import read_export, stream_csv_export
from libops.adapters.importing import insert_at_positions
from libops.adapters.keystore import migrate_key_store, open_key_store
from libops.adapters.logrows import log_rows_for
from libops.adapters.platforms import (
    gateways_by_platform,
    limits_for,
    load_entry_point_platforms,
    register_platforms,
)
from libops.adapters.sealing import AesGcmSealer
from libops.adapters.storage import (
    DEFAULT_STORE,
    StoreConfig,
    check_safe_settings,
    create_private_file,
    events_table,
    migration_lock,
    parse_store_url,
    preflight,
    require_private_file,
    storage_failure,
    store_environment,
    translate_storage_error,
)
from libops.adapters.transcoding import register_libops_transcodings
from libops.adapters.viewstores import MemoryViewStore, migrate_projection_tables, open_view_store
from libops.application.app import LibOpsApplication
from libops.application.audit import AuditService
from libops.application.briefs import BriefService
from libops.application.budgets import BudgetService
from libops.application.campaigns import CampaignService
from libops.application.commands import RESULT_TYPES, Command, CommandBus
from libops.application.dependencies import Dependencies
from libops.application.feed import DEFAULT_FEED_LIMIT, FeedPage, read_feed
from libops.application.imports import ImportService
from libops.application.interactions import (
    DEFAULT_ESCALATION,
    ContestService,
    ModerationService,
    QuestionService,
    ReadingSessionService,
    SurveyService,
)
from libops.application.media import MediaService
from libops.application.personal_data import PersonalData
from libops.application.posts import PostService
from libops.application.privacy import PersonalDataService, erasure_pending
from libops.application.publishing import PublishingService
from libops.application.queries import Queries
from libops.application.review_items import ReviewItemService
from libops.application.risks import RiskService
from libops.application.standing import StandingService
from libops.application.users import UserService
from libops.domain.cadence import CadencePolicy
from libops.domain.errors import InvalidValueError, LibopsError, StorageError
from libops.domain.interaction.moderation import ModerationPolicy
from libops.domain.interaction.qa import escalation_after
from libops.domain.platforms import PlatformProfile
from libops.domain.ports import Clock, KeyStore, PlatformGateway
from libops.domain.post import DEFAULT_FUTURE_MARGIN, future_margin
from libops.domain.review import sensitive_word_list
from libops.domain.risk import DEFAULT_ESCALATION_THRESHOLD, to_threshold
from libops.domain.values import Actor
from libops.projections.engine import DEFAULT_BATCH_SIZE, ProjectionEngine
from libops.projections.ports import EventLog, StoreOpener, ViewStore
from libops.projections.reports import RunReport
from libops.projections.views import Projection

R = TypeVar("R")

log = logging.getLogger("libops")


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
        app = LibOpsApplication(
            env, clock, functools.partial(register_libops_transcodings, extra=RESULT_TYPES)
        )
    except (PersistenceError, OSError) as error:
        raise translate_storage_error(error, config) or StorageError(
            f"cannot open the store at {config.redacted_url}: {config.scrub(str(error))}"
        ) from None
    app.storage_error = functools.partial(storage_failure, config)
    return app


def _probe(app: LibOpsApplication, config: StoreConfig) -> None:
    """Touch the events table so that a bad server, login or missing migration shows now."""
    try:
        app.recorder.max_notification_id()
    except Exception as error:
        app.close()
        raise translate_storage_error(error, config) or StorageError(
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
        if config.scheme == "sqlite":
            # The event database is created owner-only; an existing one must be so already.
            path = Path(config.env["SQLITE_DBNAME"])
            if path.parent.is_dir():  # else the store's checks say what is wrong
                create_private_file(path)
                require_private_file(path, "event database")
        app = _construct(config, SystemClock(), create_tables=True)
        try:
            _probe(app, config)
        finally:
            app.close()
        migrate_key_store(config)
        migrate_projection_tables(config)
        if config.scheme == "postgresql":  # the credentials table (issue 11, item 4)
            from libops.adapters.credentials import migrate_postgres_credentials

            migrate_postgres_credentials(config)


migrate = migrate_store
"""Create libops's tables in the store at ``url`` (the Python twin of ``libops db migrate``)."""


class LibOps:
    """libops opened on one store: ``LibOps.open("sqlite:///libops.db")``."""

    def __init__(
        self,
        app: LibOpsApplication,
        config: StoreConfig,
        deps: Dependencies,
        *,
        owned_keys: KeyStore | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self.deps = deps
        # The key store libops opened for this store (closed with it), if it opened one.
        self._owned_keys = owned_keys
        self.keys = deps.keys
        self.gateways = deps.gateways
        self.cadence = deps.cadence
        self.bus = CommandBus(app, deps)
        self.privacy = PersonalDataService(self.bus)
        self.campaigns = CampaignService(self.bus)
        self.budgets = BudgetService(self.bus)
        self.posts = PostService(self.bus)
        self.publishing = PublishingService(self.bus)
        self.risks = RiskService(self.bus)
        # Interaction with readers: personal data sealed through deps.personal.
        self.questions = QuestionService(self.bus)
        self.sessions = ReadingSessionService(self.bus)
        self.surveys = SurveyService(self.bus)
        self.contests = ContestService(self.bus)
        self.moderation = ModerationService(self.bus)
        # The account's standing: peer rankings, honours, typical cases, service uses.
        self.standing = StandingService(self.bus)
        # People and access: users, passwords and API tokens (docs/http.md).
        self.users = UserService(self.bus)
        # Lists from the indexed listings (docs/queries.md): ops.posts.list(...) and others.
        self.queries = Queries(self, deps)
        self.posts.queries = self.campaigns.queries = self.publishing.queries = self.queries
        self.questions.queries = self.budgets.queries = self.queries
        # Content briefs, from need to draft (docs/briefs.md).
        self.briefs = BriefService(self.bus)
        # Analytics exports from the platforms' back offices (docs/import.md).
        self.imports = ImportService(self.bus, reader=read_export, streamer=stream_csv_export)
        # The media library and its licences, checked at review (docs/media.md).
        self.media = MediaService(self.bus)
        self.media.views = lambda: self.projections
        # Checklist items the library adds to every review (docs/review.md).
        self.review_items = ReviewItemService(self.bus)
        self._projections: ProjectionEngine | None = None
        self.erasures_finished: tuple[str, ...] = ()
        """The subjects whose erasure, left half-way, opening the store finished."""
        self._event_log = RecorderEventLog(app.recorder, app.mapper, config)
        # Looking back: any aggregate as it was, its history, any view as of a position.
        self.audit = AuditService(
            self.bus,
            self._event_log,
            MemoryViewStore,
            functools.partial(insert_at_positions, config, app.recorder),
        )

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
        risk_escalation_threshold: int = DEFAULT_ESCALATION_THRESHOLD,
        keys: KeyStore | None = None,
        escalate_questions_after: timedelta = DEFAULT_ESCALATION,
        moderation: ModerationPolicy | None = None,
        finish_erasures: bool = True,
        metrics_future_margin: timedelta = DEFAULT_FUTURE_MARGIN,
        platforms: Iterable[PlatformProfile] = (),
    ) -> LibOps:
        """Open the store at ``url``; with ``migrate=True`` create its tables first.

        Tables are otherwise expected to exist: run ``libops db migrate --store URL``
        once per store, not from every process. ``gateways`` are the platform adapters,
        ``cadence`` the posting-frequency policy (the operations plan's by default),
        ``sensitive_words`` the words the automatic review looks for and
        ``risk_escalation_threshold`` the risk score (1 to 25) at or above which a risk
        escalates. Review dates and overdue mitigation actions count days in the cadence
        policy's timezone. ``keys`` keeps the keys of readers' personal data: by default
        the store's own key store (``libops.keys.db`` beside ``libops.db``, tables in the
        PostgreSQL schema, process memory for ``memory://``), closed with the store.
        ``escalate_questions_after`` is how long a reader's question may wait for an answer
        before ``ops.questions.escalate_overdue`` escalates it (24 hours by default), and
        ``moderation`` the policy that sanctions after repeated warnings (three, by default).
        Erasures a crash left half-way are finished first (``finish_erasures=False`` leaves
        them for ``libops db check --repair``): ``ops.erasures_finished`` lists their
        subjects, and each is logged as a warning on the ``libops`` logger.
        ``metrics_future_margin`` is how far ahead of ``clock`` a metric snapshot may be
        observed before it is refused as mistyped (10 minutes by default, at most 7 days).
        ``platforms`` are platform profiles to register process-wide besides libops's own
        and the ``libops.platforms`` entry points' (docs/platforms.md).
        """
        # Platform profiles first (entry points in libops.platforms, then ``platforms``):
        # gateways, limits and stored events may name them. Bad options fail before a
        # connection is opened.
        load_entry_point_platforms()
        register_platforms(platforms)
        by_platform = gateways_by_platform(gateways)
        cadence = CadencePolicy() if cadence is None else cadence
        if not isinstance(cadence, CadencePolicy):
            raise InvalidValueError(f"cadence must be a CadencePolicy, not {cadence!r}")
        words = sensitive_word_list(sensitive_words)
        if keys is not None and not isinstance(keys, KeyStore):
            raise InvalidValueError(f"keys must be a KeyStore, not {type(keys).__name__}")
        threshold = to_threshold(risk_escalation_threshold)
        escalate_after = escalation_after(escalate_questions_after)
        moderation = ModerationPolicy() if moderation is None else moderation
        if not isinstance(moderation, ModerationPolicy):
            raise InvalidValueError(f"moderation must be a ModerationPolicy, not {moderation!r}")
        margin = future_margin(metrics_future_margin)
        check_safe_settings()
        config = parse_store_url(url)
        if migrate:
            migrate_store(url)
        app = _construct(config, clock or SystemClock(), create_tables=config.scheme == "memory")
        _probe(app, config)
        # The keys of readers' personal data (issue 3): the store's own unless one is given.
        owned_keys = None
        if keys is None:
            try:
                keys = owned_keys = open_key_store(config)
            except BaseException:
                app.close()
                raise
        sealer = AesGcmSealer()
        deps = Dependencies(
            clock=app.clock,
            cadence=cadence,
            limits_for=lambda platform: limits_for(platform, by_platform),
            sensitive_words=words,
            risk_escalation_threshold=threshold,
            escalate_questions_after=escalate_after,
            moderation=moderation,
            gateways=by_platform,  # indexed by each gateway's own platform
            keys=keys,
            sealer=sealer,
            personal=PersonalData(
                keys, sealer, erasure_pending=functools.partial(erasure_pending, app)
            ),
            # Checkpoints hash the log's rows as stored: read straight from SQLite there.
            log_rows=log_rows_for(app.recorder),
            metrics_future_margin=margin,
        )
        ops = cls(app, config, deps, owned_keys=owned_keys)
        if finish_erasures:
            ops.erasures_finished = ops._finish_erasures()
        return ops

    def _finish_erasures(self) -> tuple[str, ...]:
        """Finish the erasures left half-way; one that cannot be finished now is logged."""
        try:
            finished = tuple(self.privacy.finish_pending_erasures())
        except LibopsError as error:
            log.warning(
                "erasures left half-way could not be finished now (%s); their data reads as "
                "erased; run `libops db check --repair` to finish them",
                error,
            )
            return ()
        for subject_id in finished:
            log.warning("finished the erasure of data subject %s, left half-way", subject_id)
        return finished

    def execute(self, actor: Actor, command: Command[R]) -> R:
        """Carry out a command (``PlanCampaign(...)``, ``RecordExpense(...)``, ...) for ``actor``.

        The one path every command takes: the role table is checked, the handler runs, what
        it changed is saved at once (with the idempotency key, if the command has one), and
        it runs again if a concurrent writer saved first. Returns the command's result.
        """
        return self.bus.execute(actor, command)

    @property
    def clock(self) -> Clock:
        """The clock commands read the time from."""
        return self.app.clock

    def feed(
        self,
        after: int = 0,
        kinds: Sequence[str] | str | None = None,
        limit: int = DEFAULT_FEED_LIMIT,
    ) -> FeedPage:
        """The public event feed: up to ``limit`` (1 to 1,000) events after position
        ``after``, of the aggregate ``kinds`` only if given (docs/http.md, "The event feed")."""
        return read_feed(self._event_log, after=after, kinds=kinds, limit=limit)

    def event_log(self) -> EventLog:
        """The store's event log, as projection engines read it."""
        return self._event_log

    def open_view_store(self) -> ViewStore:
        """A new connection to the store's projection views (the caller closes it)."""
        return open_view_store(self.config, memory_owner=self.app.recorder)

    def store_opener(self) -> StoreOpener | None:
        """How a worker process opens this store again (None for ``memory://``)."""
        if self.config.scheme == "memory":
            return None
        return functools.partial(LibOps.open, self.config.url)

    @property
    def projections(self) -> ProjectionEngine:
        """The engine of the standard projections on this store (made on first use).

        ``ops.projections.run()`` catches them up; ``ops.projections.view(name)`` reads one.
        """
        if self._projections is None:
            from libops.projections.standard import standard_projections

            self._projections = ProjectionEngine(self, standard_projections())
        return self._projections

    def rebuild_snapshots(self, *aggregate_types: type[Aggregate]) -> int:
        """Snapshot every post, budget, contest, data subject and platform calendar (or the
        aggregates of ``aggregate_types``) at its current version; return how many were taken.

        See docs/storage.md: run it after an upgrade that changed the domain, or after
        emptying the snapshots table. Snapshots already at an aggregate's version are kept.
        """
        try:
            return self.app.rebuild_snapshots(*aggregate_types)
        except (PersistenceError, OSError) as error:
            raise translate_storage_error(error, self.config) or StorageError(
                f"cannot take snapshots in {self.config.redacted_url}: "
                f"{self.config.scrub(str(error))}"
            ) from None

    def close(self) -> None:
        """Release the store's connections (and the key store's, if libops opened it)."""
        if self._projections is not None:
            self._projections.close()
        self.queries.close()
        self.app.close()
        if self._owned_keys is not None:
            self._owned_keys.close()

    def __enter__(self) -> LibOps:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def run_projections(
    url: str,
    projections: Iterable[Projection],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[str, RunReport]:
    """Open the (migrated) store at ``url``, catch ``projections`` up with its log, close it.

    For ``memory://`` this is pointless (a new in-memory store is empty): use
    :class:`~libops.projections.ProjectionEngine` on the opened :class:`LibOps` instead.
    """
    chosen = list(projections)
    with LibOps.open(url) as ops, ProjectionEngine(ops, chosen, batch_size=batch_size) as engine:
        return engine.run()

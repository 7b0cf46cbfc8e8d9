"""The libops eventsourcing application: loading, saving, idempotency and retries in one place."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from uuid import UUID

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

import attrs
from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    ProjectorFunction,
    project_aggregate,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    InterfaceError,
    JSONTranscoder,
    Notification,
    OperationalError,
    PersistenceError,
)
from eventsourcing.utils import Environment, get_topic

from libops.application.snapshots import SnapshotStore, StateSnapshot
from libops.domain.brief import ContentBrief
from libops.domain.budget import Budget
from libops.domain.bulk import MetricImport
from libops.domain.calendar import PlatformCalendar
from libops.domain.campaign import Campaign
from libops.domain.checkpoint import Checkpoint
from libops.domain.claim import PublishClaim
from libops.domain.errors import (
    ConcurrencyError,
    IdempotencyKeyReuseError,
    InvalidValueError,
    StorageError,
    StoreBusyError,
    UnknownIdError,
)
from libops.domain.followers import AccountFollowers
from libops.domain.idempotency import IdempotencyRecord
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.moderation import ConductRecord
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.interaction.survey import Survey
from libops.domain.media import MediaAsset
from libops.domain.personal import DataSubject, ErasureLedger
from libops.domain.ports import Clock
from libops.domain.post import Post
from libops.domain.review import ReviewItems
from libops.domain.risk import Risk
from libops.domain.schema import converter
from libops.domain.standing import Standing
from libops.domain.users import User

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")
_log = logging.getLogger(__name__)

AGGREGATE_CACHE_SIZE = 2000
"""How many recently used aggregates each process keeps in memory."""

SNAPSHOT_INTERVAL = 50
"""Every how many events an aggregate with a growing history is snapshotted."""

KINDS: dict[type[Aggregate], str] = {
    AccountFollowers: "account follower figures",
    Budget: "budget",
    Campaign: "campaign",
    Checkpoint: "checkpoint",
    ConductRecord: "conduct record",
    ContentBrief: "content brief",
    Contest: "contest",
    DataSubject: "data subject",
    MediaAsset: "media asset",
    MetricImport: "bulk metric import",
    PlatformCalendar: "platform calendar",
    Post: "post",
    PublishClaim: "publish claim",
    Question: "question",
    ReadingSession: "reading session",
    ReviewItems: "review checklist items",
    Risk: "risk",
    Standing: "standing",
    Survey: "survey",
    User: "user",
}
"""What each kind of aggregate is called in messages (``no campaign with id ...``)."""

RETRY_DEADLINE = 10.0
"""How many seconds a command keeps retrying after losing races with concurrent writers."""

RETRY_FIRST_PAUSE = 0.002
"""The longest pause, in seconds, before the first retry; it doubles for each one after."""

RETRY_MAX_PAUSE = 0.25
"""The longest pause, in seconds, before any one retry."""

_PATIENT_SHARE = 0.25
"""The share of the deadline after which a command's pauses start to shrink."""

_HURRIED = 0.05
"""The least share of the usual pause ceiling an old command waits."""

_LOCKED = (
    "database is locked",  # SQLite: another connection holds the write lock
    "database table is locked",
    "lock timeout",  # PostgreSQL: lock_timeout ran out waiting for the table lock
    "deadlock detected",
    "could not serialize access",
)
"""What a driver says when a write waited for a lock and gave up: nothing was written."""


def _positive_seconds(_instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
        or value > 3600
    ):
        raise InvalidValueError(
            f"{attribute.name} must be a number of seconds above 0 and at most 3600, not {value!r}"
        )


@attrs.frozen
class RetryPolicy:
    """How a command retries after a concurrent writer saved first, or the store was locked.

    Exponential backoff with full jitter, bounded in time: the pause before retry ``n``
    (counting from 0) is drawn uniformly between 0 and ``min(max_pause, first_pause * 2**n)``,
    and retries go on until ``deadline`` seconds have passed since the command started.
    """

    deadline: float = attrs.field(default=RETRY_DEADLINE, validator=_positive_seconds)
    first_pause: float = attrs.field(default=RETRY_FIRST_PAUSE, validator=_positive_seconds)
    max_pause: float = attrs.field(default=RETRY_MAX_PAUSE, validator=_positive_seconds)

    def pause(self, retry: int, elapsed: float = 0.0, rng: random.Random | None = None) -> float:
        """The pause in seconds before retry number ``retry`` (0 for the first), for a
        command that has been trying for ``elapsed`` seconds.

        The longer a command has been trying, the shorter its pauses: past a quarter of
        the deadline the ceiling shrinks towards a twentieth, so that a command that kept
        losing to fresh ones gets its turn (first come, first served, roughly) instead of
        running out of time.
        """
        ceiling = min(self.max_pause, self.first_pause * 2 ** min(retry, 60))
        hurry = max(_HURRIED, 1 - max(elapsed, 0.0) / (self.deadline * _PATIENT_SHARE))
        return (rng or random).uniform(0, ceiling * min(1.0, hurry))


class LibOpsApplication(Application[UUID]):
    """Stores libops aggregates with eventsourcing; every command goes through :meth:`execute`."""

    name = "LibOps"
    retry: RetryPolicy = RetryPolicy()
    """How commands retry after losing a race or finding the store locked (settable per
    application: ``ops.app.retry = RetryPolicy(deadline=30)``)."""
    # Aggregates whose histories keep growing get a snapshot every SNAPSHOT_INTERVAL events,
    # so that loading one reads at most that many events after its latest snapshot: a
    # platform calendar (every schedule and publish on its platform, for years), a post
    # (a metric snapshot per collection run), a budget (every expense), a contest (every
    # entry) and a data subject. See docs/storage.md.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        PlatformCalendar: SNAPSHOT_INTERVAL,
        Post: SNAPSHOT_INTERVAL,
        Budget: SNAPSHOT_INTERVAL,
        Contest: SNAPSHOT_INTERVAL,
        DataSubject: SNAPSHOT_INTERVAL,
        ErasureLedger: SNAPSHOT_INTERVAL,  # two events per erasure, loaded by every open
        Standing: SNAPSHOT_INTERVAL,  # every ranking, honour, case and service record
    }
    snapshot_class = StateSnapshot

    def __init__(
        self,
        env: Mapping[str, str],
        clock: Clock,
        transcodings: Callable[[JSONTranscoder], None],
    ) -> None:
        self.clock = clock
        # How libops's value types are stored is the wiring's business (bootstrap.py).
        self._register_transcodings = transcodings
        super().__init__(env=dict(env))
        self.storage_error: Callable[[PersistenceError], StorageError] = _storage_error
        """The libops error that says what a failure of the store means (set by the wiring,
        which knows the store's URL): no error of the persistence module leaves a command."""

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        # Only the settings libops derived from the store URL count: stray process
        # environment variables (a cipher topic, a persistence module) must not change
        # how events are stored behind our back.
        settings = dict(env or {})
        # Recently used aggregates stay in memory and are brought up to date from the store
        # on every load (fast-forward), so a command reads only the events it has not seen.
        # ``cache_size=0`` in the store URL switches the cache off.
        settings.setdefault(self.AGGREGATE_CACHE_MAXSIZE, str(AGGREGATE_CACHE_SIZE))
        if settings[self.AGGREGATE_CACHE_MAXSIZE] == "0":
            del settings[self.AGGREGATE_CACHE_MAXSIZE]
        settings.setdefault(self.AGGREGATE_CACHE_FASTFORWARD, "y")
        if type(self).snapshotting_intervals:
            settings["IS_SNAPSHOTTING_ENABLED"] = "y"
        return Environment(name, settings)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        self._register_transcodings(transcoder)

    # --- snapshots ---------------------------------------------------------------------

    def construct_snapshot_store(self) -> EventStore[UUID]:
        # Snapshots live in a table of their own, outside the notification log (so outside
        # checkpoints and projections); one taken under another schema is passed over.
        recorder = self.factory.aggregate_recorder(purpose="snapshots")
        return SnapshotStore(mapper=self.mapper, recorder=recorder)

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:
        """Snapshot the aggregate as stored (at ``version``, else its latest) exactly."""
        if self.snapshots is None:
            raise InvalidValueError("this store takes no snapshots")
        aggregate: Aggregate = self.repository.get(
            aggregate_id, version=version, projector_func=projector_func
        )
        self.snapshots.put([StateSnapshot.take(aggregate)])

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        # The command's events are saved by now: a snapshot that cannot be taken (a busy
        # database, another process taking the same one) must not turn it into a failure.
        # The events stay the truth, and the next interval takes a snapshot again.
        try:
            super()._take_snapshots(processing_event)
        except Exception as error:
            _log.warning("a snapshot was not taken: %s", error)

    def rebuild_snapshots(self, *aggregate_types: type[Aggregate]) -> int:
        """Take a fresh snapshot of every aggregate of ``aggregate_types`` (by default every
        kind in :attr:`snapshotting_intervals`) at its current version; return how many.

        Run it after an upgrade changed the domain (older snapshots are then passed over, and
        loads replay events until the next interval), or after deleting the snapshots table.
        One already taken at an aggregate's current version is kept.
        """
        kinds = aggregate_types or tuple(self.snapshotting_intervals)
        created = [
            get_topic(cls)
            for kind in kinds
            for cls in vars(kind).values()
            if isinstance(cls, type) and issubclass(cls, Aggregate.Created)
        ]
        taken = 0
        seen: set[UUID] = set()
        for notification in self.notifications(*created):
            aggregate_id = to_id(notification.originator_id, "aggregate")
            if aggregate_id in seen:
                continue
            seen.add(aggregate_id)
            aggregate: Aggregate = self.repository.get(aggregate_id)
            if not isinstance(aggregate, kinds):
                continue
            try:
                self.take_snapshot(aggregate_id, version=aggregate.version)
            except IntegrityError:
                continue  # this version is snapshotted already
            taken += 1
        return taken

    # --- loading -----------------------------------------------------------------------

    def load(self, aggregate_type: type[A], aggregate_id: UUID | str, kind: str = "") -> A:
        """Get an aggregate of ``aggregate_type`` or raise :class:`UnknownIdError`.

        ``kind`` names it in the error (by default its name in :data:`KINDS`).
        """
        kind = kind or KINDS.get(aggregate_type, aggregate_type.__name__)
        aggregate_id = to_id(aggregate_id, kind)
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise UnknownIdError(kind, aggregate_id) from None
        except PersistenceError as error:
            raise self.store_failure(error) from error
        if not isinstance(aggregate, aggregate_type):
            raise UnknownIdError(kind, aggregate_id)
        return aggregate

    def find(self, aggregate_type: type[A], aggregate_id: UUID | str) -> A | None:
        """Like :meth:`load`, but None wherever :meth:`load` would raise
        :class:`UnknownIdError`: no such aggregate, one of another type, or an id that is not
        one at all (``"not-a-uuid"``). Check untrusted ids first where a malformed one must be
        refused rather than treated as absent."""
        try:
            return self.load(aggregate_type, aggregate_id)
        except UnknownIdError:
            return None

    def store_failure(self, error: PersistenceError) -> StorageError:
        """The libops error for a failure of the store: :class:`StoreBusyError` when a lock
        was not granted (nothing was written), else what the wiring's ``storage_error``
        says (an outage, with the store's redacted URL)."""
        failure = self.storage_error(error)
        return StoreBusyError(str(failure)) if _locked(error) else failure

    def notifications(
        self, *topics: str, page: int = 500, stop: int | None = None
    ) -> Iterator[Notification]:
        """Every notification of ``topics`` in the log, oldest first, read ``page`` at a time.

        Filtered by topic in the store and not decoded (``self.mapper`` decodes one); with
        ``stop``, only those at or before that position.
        """
        start = 1
        while True:
            try:
                batch = self.recorder.select_notifications(start, page, stop=stop, topics=topics)
            except PersistenceError as error:
                raise self.store_failure(error) from error
            yield from batch
            if len(batch) < page:
                return
            start = batch[-1].id + 1

    def originators(self, topic: str) -> list[UUID | str]:
        """The ids of the aggregates with an event of ``topic`` in the log, each once, in
        the order of their first such event (the events are not decoded)."""
        return list(dict.fromkeys(n.originator_id for n in self.notifications(topic)))

    def listing(
        self,
        aggregate_type: type[A],
        topic: str,
        wanted: Callable[[A], bool],
        key: Callable[[A], SupportsRichComparison],
    ) -> tuple[A, ...]:
        """The ``aggregate_type`` aggregates with an event of ``topic`` (the one that creates
        them) for which ``wanted`` holds, as they are now (fresh copies), sorted by ``key``."""
        found = (self.load(aggregate_type, i) for i in self.originators(topic))
        return tuple(sorted((a for a in found if wanted(a)), key=key))

    # --- running commands --------------------------------------------------------------

    def execute(
        self,
        command: str,
        run: Callable[[], tuple[Sequence[Aggregate], R]],
        *,
        idempotency_key: str | None = None,
        arguments: Mapping[str, Any] | None = None,
        fingerprint: str | None = None,
    ) -> R:
        """Run a command and save what it changed, atomically.

        ``run`` loads what it needs, calls the aggregates and returns the aggregates to save
        with the command's result. It is called again if a concurrent writer saved first or
        the store was locked, after a growing random pause, until :attr:`retry`'s deadline
        (10 s by default) has passed; then :class:`ConcurrencyError`. Any other failure of
        the store is a :class:`StorageError`.
        With an ``idempotency_key``, a repeat of the same command returns the first result
        and records nothing new; the key used for a different command is refused. What
        counts as the same command is the ``fingerprint`` (libops's commands give the
        digest of their structured form) or else a digest of ``arguments``.

        Commands of libops go through :meth:`libops.LibOps.execute`, which calls this;
        call it directly only for aggregates of your own (see docs/privacy.md).
        """
        if idempotency_key is not None:
            if not isinstance(idempotency_key, str) or not idempotency_key.strip():
                raise InvalidValueError("an idempotency key must be non-empty text")
            if fingerprint is None:
                fingerprint = digest(command, arguments or {})
        fingerprint = fingerprint or ""
        policy = self.retry
        started = time.monotonic()
        with contextlib.ExitStack() as in_line:
            queued = False
            retries = 0
            while True:
                try:
                    if idempotency_key is not None:
                        earlier = self._earlier_result(idempotency_key, command, fingerprint)
                        if earlier is not None:
                            return earlier[0]  # type: ignore[no-any-return]
                    aggregates, result = run()
                    to_save: list[Aggregate] = list(aggregates)
                    if idempotency_key is not None:
                        to_save.append(
                            IdempotencyRecord(
                                key=idempotency_key,
                                command=command,
                                fingerprint=fingerprint,
                                result=result,
                            )
                        )
                    self.save(*to_save)
                    return result
                except IntegrityError:
                    # Someone else wrote first: reload and decide again, after a pause.
                    why, locked = "lost the race with concurrent writers", False
                    if not queued:
                        # The first lost race: wait in line behind the other losers for
                        # these aggregates (PostgreSQL), then try again at once.
                        queued = True
                        remaining = policy.deadline - (time.monotonic() - started)
                        contested = [a.id for a in to_save if not isinstance(a, IdempotencyRecord)]
                        if in_line.enter_context(self._wait_in_line(contested, remaining)):
                            continue
                except (OperationalError, InterfaceError, StoreBusyError) as error:
                    if not isinstance(error, StoreBusyError) and not _locked(error):
                        raise self.store_failure(error) from error
                    # The store was busy and nothing was written: the same as losing a race.
                    why, locked = f"found the store locked ({error})", True
                elapsed = time.monotonic() - started
                pause = policy.pause(retries, elapsed)
                if elapsed + pause > policy.deadline:
                    gave_up = StoreBusyError if locked else ConcurrencyError
                    raise gave_up(
                        f"{command} {why} for {elapsed:.1f} s ({retries + 1} attempts); "
                        "nothing was recorded; try again"
                    )
                time.sleep(pause)
                retries += 1

    @contextlib.contextmanager
    def _wait_in_line(self, aggregate_ids: Sequence[UUID], seconds: float) -> Iterator[bool]:
        """On PostgreSQL, queue for ``aggregate_ids`` until the command is done; yields
        whether the turn came within ``seconds``.

        Optimistic retries alone favour whoever comes fresh: a command that lost a race
        keeps losing to new ones. So a command that lost once takes a session advisory
        lock per contested aggregate (in id order, so two never wait for each other) and
        holds them while it retries: those who lost wait their turn, first come first
        served, and only a writer that has not lost yet can still get in between. On
        other stores, and if the turn does not come in time, the command simply backs off.
        """
        datastore = getattr(self.recorder, "datastore", None)
        pool_size = getattr(getattr(datastore, "pool", None), "max_size", 0)
        if not aggregate_ids or seconds <= 0.01 or not _is_postgres(datastore) or pool_size < 2:
            # (Waiting holds a connection of the pool: with one alone the save could not run.)
            yield False
            return
        keys = sorted({_line_key(aggregate_id) for aggregate_id in aggregate_ids})
        assert datastore is not None
        with datastore.get_connection() as connection:
            granted = False
            try:
                connection.execute(f"SET lock_timeout = '{int(seconds * 1000)}ms'")
                for key in keys:
                    connection.execute("SELECT pg_advisory_lock(%s, %s)", (_LINE_CLASS, key))
                granted = True
            except Exception as error:  # psycopg's own errors: waited too long
                if not _locked(error):
                    raise
            try:
                connection.execute("RESET lock_timeout")
                yield granted
            finally:
                connection.execute("SELECT pg_advisory_unlock_all()")

    def change(
        self,
        command: str,
        aggregate_type: type[A],
        kind: str,
        aggregate_id: UUID | str,
        change: Callable[[A], R],
        *,
        idempotency_key: str | None = None,
        arguments: Mapping[str, Any] | None = None,
    ) -> R:
        """Run a command on one aggregate: load it, apply ``change``, save it; return the result.

        The aggregate's id is part of the arguments an idempotency key is checked against.
        """

        def run() -> tuple[list[A], R]:
            aggregate = self.load(aggregate_type, aggregate_id, kind)
            return [aggregate], change(aggregate)

        return self.execute(
            command,
            run,
            idempotency_key=idempotency_key,
            arguments={f"{kind.replace(' ', '_')}_id": str(aggregate_id), **(arguments or {})},
        )

    def _earlier_result(self, key: str, command: str, fingerprint: str) -> tuple[Any] | None:
        try:
            record: Aggregate = self.repository.get(IdempotencyRecord.id_for(key))
        except AggregateNotFoundError:
            return None
        assert isinstance(record, IdempotencyRecord)
        if record.command != command or record.fingerprint != fingerprint:
            raise IdempotencyKeyReuseError(
                f"idempotency key {key!r} was already used for a different "
                f"{'command' if record.command != command else 'set of arguments'} "
                f"({record.command})"
            )
        return (record.result,)


_LINE_CLASS = 0x4C4F5053
"""The first key of libops's advisory locks for writers waiting in line ("LOPS")."""


def _line_key(aggregate_id: UUID) -> int:
    """The second advisory lock key of an aggregate: 32 bits of its id, as a signed int."""
    return int.from_bytes(aggregate_id.bytes[-4:], "big", signed=True)


def _is_postgres(datastore: object) -> bool:
    try:
        from eventsourcing.postgres import PostgresDatastore
    except ImportError:  # psycopg is not installed: no PostgreSQL store either
        return False
    return isinstance(datastore, PostgresDatastore)


def _locked(error: BaseException) -> bool:
    """Whether a driver error says a lock was not granted (so nothing was written)."""
    text = str(error).lower()
    return any(marker in text for marker in _LOCKED)


def _storage_error(error: PersistenceError) -> StorageError:
    return StorageError(f"the store failed: {error}")


def to_id(aggregate_id: UUID | str, kind: str) -> UUID:
    """``aggregate_id`` as a UUID, or :class:`UnknownIdError` naming ``kind``."""
    if isinstance(aggregate_id, str):
        try:
            return UUID(aggregate_id)
        except ValueError:
            raise UnknownIdError(kind, aggregate_id) from None
    if not isinstance(aggregate_id, UUID):
        raise UnknownIdError(kind, aggregate_id)
    return aggregate_id


def digest(command: str, arguments: Mapping[str, Any]) -> str:
    """The idempotency fingerprint of ``command`` given with ``arguments`` (SHA-256, hex)."""
    plain = converter.unstructure(dict(arguments))
    text = json.dumps([command, plain], sort_keys=True, default=str, ensure_ascii=False)
    # surrogatepass: a lone surrogate in an argument is refused by the command, not here.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

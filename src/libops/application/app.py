"""The libops eventsourcing application: loading, saving, idempotency and retries in one place."""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    JSONTranscoder,
    Notification,
    OperationalError,
)
from eventsourcing.utils import Environment

from libops.domain.budget import Budget
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
from libops.domain.idempotency import IdempotencyRecord
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.moderation import ConductRecord
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.personal import DataSubject
from libops.domain.ports import Clock
from libops.domain.post import Post
from libops.domain.risk import Risk
from libops.domain.schema import converter

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")

AGGREGATE_CACHE_SIZE = 2000
"""How many recently used aggregates each process keeps in memory."""

KINDS: dict[type[Aggregate], str] = {
    Budget: "budget",
    Campaign: "campaign",
    Checkpoint: "checkpoint",
    ConductRecord: "conduct record",
    Contest: "contest",
    DataSubject: "data subject",
    PlatformCalendar: "platform calendar",
    Post: "post",
    PublishClaim: "publish claim",
    Question: "question",
    ReadingSession: "reading session",
    Risk: "risk",
}
"""What each kind of aggregate is called in messages (``no campaign with id ...``)."""

RETRY_DEADLINE = 10.0
"""How many seconds a command keeps retrying after losing races with concurrent writers."""

RETRY_FIRST_PAUSE = 0.002
"""The longest pause, in seconds, before the first retry; it doubles for each one after."""

RETRY_MAX_PAUSE = 0.25
"""The longest pause, in seconds, before any one retry."""

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

    def pause(self, retry: int, rng: random.Random | None = None) -> float:
        """The pause in seconds before retry number ``retry`` (0 for the first)."""
        ceiling = min(self.max_pause, self.first_pause * 2 ** min(retry, 60))
        return (rng or random).uniform(0, ceiling)


class LibOpsApplication(Application[UUID]):
    """Stores libops aggregates with eventsourcing; every command goes through :meth:`execute`."""

    name = "LibOps"
    retry: RetryPolicy = RetryPolicy()
    """How commands retry after losing a race or finding the store locked (settable per
    application: ``ops.app.retry = RetryPolicy(deadline=30)``)."""
    # A platform calendar is touched by every schedule and publish on its platform, for
    # years: a snapshot every 50 events keeps loading it cheap.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {PlatformCalendar: 50}

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
        except (OperationalError, InterfaceError) as error:
            busy = StoreBusyError if _locked(error) else StorageError
            raise busy(f"cannot load {kind} {aggregate_id} from the store: {error}") from error
        if not isinstance(aggregate, aggregate_type):
            raise UnknownIdError(kind, aggregate_id)
        return aggregate

    def notifications(
        self, *topics: str, page: int = 500, stop: int | None = None
    ) -> Iterator[Notification]:
        """Every notification of ``topics`` in the log, oldest first, read ``page`` at a time.

        Filtered by topic in the store and not decoded (``self.mapper`` decodes one); with
        ``stop``, only those at or before that position.
        """
        start = 1
        while True:
            batch = self.recorder.select_notifications(start, page, stop=stop, topics=topics)
            yield from batch
            if len(batch) < page:
                return
            start = batch[-1].id + 1

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
            except (OperationalError, InterfaceError, StoreBusyError) as error:
                if not isinstance(error, StoreBusyError) and not _locked(error):
                    raise StorageError(f"{command} could not use the store: {error}") from error
                # The store was busy and nothing was written: the same as losing a race.
                why, locked = f"found the store locked ({error})", True
            pause = policy.pause(retries)
            elapsed = time.monotonic() - started
            if elapsed + pause > policy.deadline:
                gave_up = StoreBusyError if locked else ConcurrencyError
                raise gave_up(
                    f"{command} {why} for {elapsed:.1f} s ({retries + 1} attempts); "
                    "nothing was recorded; try again"
                )
            time.sleep(pause)
            retries += 1

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


def _locked(error: BaseException) -> bool:
    """Whether a driver error says a lock was not granted (so nothing was written)."""
    text = str(error).lower()
    return any(marker in text for marker in _LOCKED)


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
    return hashlib.sha256(text.encode()).hexdigest()

"""The libops eventsourcing application: loading, saving, idempotency and retries in one place."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Notification,
    PersistenceError,
)
from eventsourcing.utils import Environment

from libops.domain.budget import Budget
from libops.domain.calendar import PlatformCalendar
from libops.domain.campaign import Campaign
from libops.domain.checkpoint import Checkpoint
from libops.domain.errors import (
    ConcurrencyError,
    IdempotencyKeyReuseError,
    InvalidValueError,
    StorageError,
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
    Question: "question",
    ReadingSession: "reading session",
    Risk: "risk",
}
"""What each kind of aggregate is called in messages (``no campaign with id ...``)."""

MAX_ATTEMPTS = 8
"""How often a command is retried after losing a race with a concurrent writer."""


class LibOpsApplication(Application[UUID]):
    """Stores libops aggregates with eventsourcing; every command goes through :meth:`execute`."""

    name = "LibOps"
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
            raise self.storage_error(error) from error
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
        with the command's result. It is called again if a concurrent writer saved first.
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
        for attempt in range(MAX_ATTEMPTS):
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
            try:
                self.save(*to_save)
            except IntegrityError:
                # Someone else wrote first: back off a moment, reload and decide again.
                time.sleep(random.uniform(0, 0.001 * 2**attempt))
                continue
            return result
        raise ConcurrencyError(
            f"{command} lost the race with concurrent writers {MAX_ATTEMPTS} times; try again"
        )

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

"""Looking back: any aggregate as it was at a past moment, version or log position, and its
history version by version.

Three ways to name "then", each answering its own question:

* ``version=n``: the aggregate after its n-th event (its own count, 1 is its creation);
* ``at=moment``: after every event *recorded* at or before ``moment``, by libops's clock
  (the events' ``timestamp``: the wall clock in production, the simulated clock in the
  demo). A fact dated before it was recorded (a back-dated expense's ``spent_on``, an
  imported export's rows) is found by its own date field, not here;
* ``position=p``: after every event at or before position ``p`` of the notification log,
  the whole store's order. A report that states the log position it was computed at can be
  checked against exactly the state it saw.

Any projection can be built as of a log position too (:meth:`AuditService.view_as_of`), into
views of its own that are thrown away after: a figure in an old report can be recomputed
exactly from the events the report saw.

Nothing here changes the record: the states returned are rebuilt from the stored events.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Final, TextIO, TypeVar, overload
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

from libops.application.app import KINDS, to_id
from libops.application.bundle import ExportReport, export_bundle
from libops.application.checkpoints import (
    CheckpointInfo,
    RecordCheckpoint,
    Verification,
    checkpoint_events,
    checkpoint_info,
    log_rows,
    verify_log,
)
from libops.application.commands import CommandBus, Executes, command_method
from libops.application.proofs import (
    ConsistencyProof,
    InclusionProof,
    prove_consistency,
    prove_inclusion,
    whole_number,
)
from libops.domain.access import DataAccess
from libops.domain.errors import InvalidValueError, NoStateThenError, UnknownIdError
from libops.domain.personal import require_subject_id
from libops.domain.schema import converter
from libops.projections.engine import ProjectionEngine
from libops.projections.ports import EventLog, LogWatch, Notification, ViewStore
from libops.projections.views import Projection
from libops.verify import BundleEvent, bundle_events, check_log, checkpoint_time, read_bundle

A = TypeVar("A", bound=Aggregate)

_BOOKKEEPING: Final = frozenset(
    {"_id", "_version", "_created_on", "_modified_on", "_pending_events"}
)
"""eventsourcing's own attributes of an aggregate, left out of what changed."""

_EVENT_BASE_FIELDS: Final = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
)


@attrs.frozen
class StateChange:
    """One part of an aggregate's state that an event changed: its value before and after.

    A part that is a mapping is compared key by key (``slots[<post id>]``); None stands
    for "not there" on either side.
    """

    field: str
    before: Any
    after: Any


@attrs.frozen
class HistoryEntry:
    """One version of an aggregate: the event that made it, when, by whom, what changed."""

    version: int
    recorded_at: datetime
    """When the event was recorded, by libops's clock."""
    event: str
    """The event's name, e.g. ``Campaign.Launched``."""
    topic: str
    """The event's stored topic."""
    actor_id: str | None
    """Who gave the command that recorded it, where the event names them."""
    fields: Mapping[str, Any]
    """The event's own fields, as recorded."""
    changes: tuple[StateChange, ...]
    """What the event changed in the aggregate's state."""


class LogUpTo:
    """A store's event log as it stood at ``position``: nothing after it is read or counted."""

    def __init__(self, log: EventLog, position: int) -> None:
        self._log = log
        self._position = position

    @property
    def scheme(self) -> str:
        return self._log.scheme

    @property
    def redacted_url(self) -> str:
        return self._log.redacted_url

    def scrub(self, text: str) -> str:
        return self._log.scrub(text)

    def max_notification_id(self) -> int:
        return min(self._position, self._log.max_notification_id())

    def select_notifications(
        self, start: int, limit: int, *, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Sequence[Notification]:
        stop = self._position if stop is None else min(stop, self._position)
        if start >= stop:  # ``start`` itself is not included
            return []
        return self._log.select_notifications(start, limit, stop=stop, topics=topics)

    def to_domain_event(self, notification: Any) -> Any:
        return self._log.to_domain_event(notification)

    def event(self, aggregate_id: UUID, version: int) -> Any | None:
        return self._log.event(aggregate_id, version)

    def watch(self) -> LogWatch:
        raise InvalidValueError("a log as of a past position does not grow: nothing to follow")


class AuditService(Executes):
    """Any aggregate as it was, its history, and the log's signed checkpoints.

    See the module's notes, and :mod:`libops.application.checkpoints` for tamper evidence.
    """

    checkpoint = command_method(RecordCheckpoint)

    def __init__(
        self,
        bus: CommandBus,
        log: EventLog,
        throwaway_views: Callable[[], ViewStore],
        importer: Callable[[Iterable[BundleEvent]], int],
    ) -> None:
        super().__init__(bus)
        self._log = log
        self._throwaway_views = throwaway_views
        self._importer = importer

    def import_bundle(self, path: str | Path) -> Verification:
        """Load an exported history into this empty store, at the positions it had.

        The bundle is checked first (a bundle that does not verify is refused, naming the
        first bad position); after the import the store is verified and the result returned.
        Keys are not part of a bundle: copy the key store too, or the readers' personal data
        stays sealed and new checkpoints are signed with a new key.
        """
        held = self._app.recorder.max_notification_id() or 0
        if held:
            raise InvalidValueError(
                f"a history is imported into an empty store; this one holds {held} events"
            )
        try:
            with open(path, encoding="utf-8") as lines:
                _, checkpoints, rows = read_bundle(lines)
                report = check_log(rows, checkpoints)
            if report.problem is not None:
                problem = report.problem
                raise InvalidValueError(
                    f"the bundle does not verify: {problem.kind} at position {problem.position}: "
                    f"{problem.message}"
                )
            with open(path, encoding="utf-8") as lines:
                self._importer(bundle_events(lines))
        except OSError as error:
            raise InvalidValueError(f"cannot read {path}: {error.strerror}") from None
        except ValueError as error:
            if isinstance(error, InvalidValueError):
                raise
            raise InvalidValueError(f"{path} is not an audit bundle: {error}") from None
        return self.verify()

    def verify(
        self, *, public_key: str | None = None, kept: CheckpointInfo | None = None
    ) -> Verification:
        """Check the whole log against every checkpoint (see :func:`verify_log`)."""
        return verify_log(
            self._app, log_rows(self._app, self._deps), public_key=public_key, kept=kept
        )

    def export(
        self, out: TextIO, *, on_progress: Callable[[int, int], None] | None = None
    ) -> ExportReport:
        """Write the whole history to ``out`` as an audit bundle (see :mod:`.bundle`)."""
        exported_at = checkpoint_time(self._app.clock.now())
        return export_bundle(self._app, out, exported_at=exported_at, on_progress=on_progress)

    def prove_inclusion(self, position: int, *, size: int | None = None) -> InclusionProof:
        """Proof that the event at ``position`` is in the tree a checkpoint signed.

        Against the checkpoint of ``size`` (the latest by default); check it with
        :func:`libops.verify.verify_inclusion`.
        """
        return prove_inclusion(self._app, position, size=size)

    def prove_consistency(self, old_size: int, new_size: int | None = None) -> ConsistencyProof:
        """Proof that the log of one checkpoint is a prefix of a later one's (it only grew).

        Check it with :func:`libops.verify.verify_consistency`.
        """
        return prove_consistency(self._app, old_size, new_size)

    def access(self, subject_id: str | None = None) -> list[DataAccess]:
        """Every recorded reading of personal data (of one subject, if given), oldest first."""
        wanted = None if subject_id is None else require_subject_id(subject_id)
        found: list[DataAccess] = []
        for notification in self._app.notifications(DataAccess.Read.TOPIC):
            read = self._app.mapper.to_domain_event(notification)
            assert isinstance(read, DataAccess.Read)
            if wanted is None or read.subject_id == wanted:
                access = read.mutate(None)
                assert isinstance(access, DataAccess)
                found.append(access)
        return found

    def checkpoints(self) -> list[CheckpointInfo]:
        """Every recorded checkpoint, oldest first (what an auditor keeps outside the store)."""
        return [checkpoint_info(event) for event in checkpoint_events(self._app)]

    def view_as_of(self, projection: Projection, position: int) -> dict[str, Any]:
        """The documents ``projection`` makes of the log up to ``position``, by key.

        Built from the start into views of its own, then thrown away: the store's own views
        are neither read nor changed. Costs a replay of the log up to ``position``.
        """
        whole_number("a log position", position)
        views = self._throwaway_views()
        try:
            with ProjectionEngine(
                LogUpTo(self._log, position), [projection], views=views
            ) as engine:
                engine.run()
                return engine.view(type(projection).name)
        finally:
            views.close()

    @overload
    def as_of(
        self,
        aggregate_id: UUID | str,
        *,
        at: datetime | None = None,
        version: int | None = None,
        position: int | None = None,
    ) -> Aggregate: ...

    @overload
    def as_of(
        self,
        aggregate_id: UUID | str,
        *,
        at: datetime | None = None,
        version: int | None = None,
        position: int | None = None,
        of: type[A],
    ) -> A: ...

    def as_of(
        self,
        aggregate_id: UUID | str,
        *,
        at: datetime | None = None,
        version: int | None = None,
        position: int | None = None,
        of: type[Aggregate] = Aggregate,
    ) -> Aggregate:
        """The aggregate as it was then: give exactly one of ``at``, ``version``, ``position``.

        With ``of`` (``Campaign``, ``Budget``, ...) the id must name one of those. Raises
        :class:`UnknownIdError` for an id with no events (or not of that kind), and
        :class:`NoStateThenError` when it did not exist yet then.
        """
        given = [
            name
            for name, value in (("at", at), ("version", version), ("position", position))
            if value is not None
        ]
        if len(given) != 1:
            raise InvalidValueError(
                "say when with exactly one of at=, version= and position=, not "
                + (" and ".join(given) if given else "none of them")
            )
        aggregate_id = to_id(aggregate_id, "aggregate")
        events = self._events(aggregate_id)
        if version is not None:
            wanted = _checked_version(version, len(events))
        elif at is not None:
            wanted = _version_at(at, events)
        else:
            assert position is not None
            wanted = self._version_at_position(aggregate_id, events, position)
        if wanted == 0:
            then = f"at {at.isoformat()}" if at is not None else f"at log position {position}"
            raise NoStateThenError(aggregate_id, then, events[0].timestamp)
        aggregate: Aggregate = self._app.repository.get(aggregate_id, version=wanted)
        if not isinstance(aggregate, of):
            raise UnknownIdError(KINDS.get(of, of.__name__), aggregate_id)
        return aggregate

    def history(self, aggregate_id: UUID | str) -> list[HistoryEntry]:
        """Every version of the aggregate, oldest first, with what each event changed."""
        aggregate_id = to_id(aggregate_id, "aggregate")
        versions: list[HistoryEntry] = []
        aggregate: Any = None
        before: dict[str, Any] = {}
        for event in self._events(aggregate_id):
            aggregate = event.mutate(aggregate)
            after = _state(aggregate)
            fields = {
                name: value for name, value in vars(event).items() if name not in _EVENT_BASE_FIELDS
            }
            versions.append(
                HistoryEntry(
                    version=event.originator_version,
                    recorded_at=event.timestamp,
                    event=type(event).__qualname__,
                    topic=get_topic(type(event)),
                    actor_id=fields.get("actor_id"),
                    fields=fields,
                    changes=tuple(_changes(before, after)),
                )
            )
            before = after
        return versions

    def _events(self, aggregate_id: UUID) -> list[CanMutateAggregate[UUID]]:
        events = [
            event
            for event in self._app.events.get(aggregate_id)
            if isinstance(event, CanMutateAggregate)
        ]
        if not events:
            raise UnknownIdError("aggregate", aggregate_id)
        return events

    def _version_at_position(
        self, aggregate_id: UUID, events: Sequence[CanMutateAggregate[UUID]], position: int
    ) -> int:
        whole_number("a log position", position)
        topics = sorted({get_topic(type(event)) for event in events})
        version = 0
        for notification in self._app.notifications(*topics, stop=position):
            if notification.originator_id == aggregate_id:
                version = notification.originator_version
        return version


def _checked_version(version: int, last: int) -> int:
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidValueError(f"a version is a whole number, not {version!r}")
    if not 1 <= version <= last:
        raise InvalidValueError(f"version {version} is not one of this aggregate's: 1 to {last}")
    return version


def _version_at(at: datetime, events: Sequence[CanMutateAggregate[UUID]]) -> int:
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise InvalidValueError(f"a moment is a timezone-aware datetime, not {at!r}")
    version = 0
    for event in events:
        if event.timestamp > at:
            break
        version = event.originator_version
    return version


def plain(value: Any) -> Any:
    """``value`` in plain JSON form (mapping keys as text, values as libops stores them)."""
    if isinstance(value, Mapping):
        return {_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    try:
        unstructured = converter.unstructure(value)
    except Exception:  # a type the stored format does not know: its text
        return str(value)
    if unstructured is value:
        return str(value)
    return plain(unstructured)


def state_of(aggregate: Any) -> dict[str, Any]:
    """An aggregate's own state, by attribute name (eventsourcing's bookkeeping left out)."""
    return _state(aggregate)


def _state(aggregate: Any) -> dict[str, Any]:
    """The aggregate's own attributes, copied wherever an event could change them in place."""
    return {
        name.removeprefix("_"): _copied(value)
        for name, value in vars(aggregate).items()
        if name not in _BOOKKEEPING
    }


_IMMUTABLE: Final = (str, int, float, bytes, Decimal, date, time, timedelta, UUID, Enum)


def _copied(value: Any) -> Any:
    """``value`` as it is now: shared where it cannot change, copied where it can."""
    if value is None or isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, tuple) and all(
        item is None or isinstance(item, _IMMUTABLE) for item in value
    ):
        return value
    if attrs.has(type(value)) and _is_frozen(type(value)):
        return value
    return copy.deepcopy(value)


def _is_frozen(cls: type[Any]) -> bool:
    return getattr(cls.__setattr__, "__name__", "") == "_frozen_setattrs"


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[StateChange]:
    changes: list[StateChange] = []
    for name in [*before, *(n for n in after if n not in before)]:
        old, new = before.get(name), after.get(name)
        if isinstance(old, dict) and isinstance(new, dict):
            for key in [*old, *(k for k in new if k not in old)]:
                if old.get(key) != new.get(key):
                    changes.append(StateChange(f"{name}[{_key(key)}]", old.get(key), new.get(key)))
        elif old != new:
            changes.append(StateChange(name, old, new))
    return changes


def _key(key: Any) -> str:
    """A mapping's key as text: enum members by their value, a tuple part by part."""
    if isinstance(key, tuple):
        return ", ".join(_key(part) for part in key)
    return str(getattr(key, "value", key))

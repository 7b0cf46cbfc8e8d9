"""The projection engine: exactly-once catch-up of projections from the notification log.

For each projection the engine reads the log in batches after the projection's position,
filtered by the projection's topics in the database; hands the decoded events to the
projection with a :class:`View`; and writes the changed documents and the new position in one
transaction. The position is advanced by compare-and-set (``WHERE position = <read>``): if
another engine advanced it first, nothing of the batch is written, and the engine re-reads.
So an event is applied to the stored view once, however many engines run, and a batch that
fails to commit leaves view and position as they were.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from decimal import InvalidOperation
from typing import Any, Final

from libops.domain.errors import InvalidValueError, StorageError
from libops.projections.ports import (
    EventLog,
    LogWatch,
    Notification,
    ProjectionStore,
    StoreOpener,
    ViewChanges,
    ViewStore,
)
from libops.projections.reports import RunReport, merge_reports
from libops.projections.views import (
    EXPANDED,
    Expansion,
    Projection,
    View,
    check_projection,
    documents,
)

DEFAULT_BATCH_SIZE: Final = 50_000
"""How many notifications a batch applies at most before its documents and positions are
committed (fewer when the log has fewer, or once :data:`TOUCHED_AT_MOST` is reached).

Every document a batch touched is encoded and compared, and written if it changed, once per
batch: a document that holds a whole history (a topic's days, a person's actions) is written
again by every batch that adds to it, so with small batches a long catch-up writes such
documents over and over (at 1,000,000 events, 1,000 a batch took 2.5 times as long as 10,000,
and 10,000 about 1.15 times as long as 50,000; docs/projections.md, Speed and memory)."""

READ_PAGE: Final = 1_000
"""How many notifications are read from the log at a time: a batch is read in pages of this
many, so that a large batch does not hold all its notifications at once."""

TOUCHED_AT_MOST: Final = 25_000
"""A batch ends early, after the page that takes it there, once its projections' views have
touched this many documents between them: the documents a batch touches are held until it is
committed, so this bounds its memory where events touch many documents each (a bulk import's
batch stands for up to 5,000 snapshots). A catch-up of the benchmark's history touches about
12,000 a batch of 50,000 events."""

DEFAULT_POLL_INTERVAL: Final = 1.0
"""How often (seconds) :meth:`ProjectionEngine.follow` looks at the log when nothing wakes it."""

_log = logging.getLogger(__name__)

_BETWEEN_EVENTS: Final = "(between events)"
"""What :meth:`ProjectionEngine._apply` is doing while the next notification is made."""

STOP_CHECK: Final = 0.1
"""How often (seconds) a waiting follower checks whether it has been told to stop."""

_Handler = tuple[str, Callable[[Any, View], None], View]
"""A projection's name, its handler of one topic, and its view."""

_Handlers = tuple[dict[str, list[_Handler]], dict[str, tuple[Expansion, dict[str, list[_Handler]]]]]
"""A group's handlers by topic, and the expansions of the events that stand for others."""

# --- the engine -------------------------------------------------------------------------


class ProjectionEngine:
    """Runs projections over the events of one store's log, exactly once.

    ``ProjectionEngine(ops, [MyProjection()])`` on an opened store (any
    :class:`~libops.projections.ports.ProjectionStore`, such as :class:`~libops.LibOps`:
    the engine opens a view store of its own on it and closes it with :meth:`close`), or
    ``ProjectionEngine(event_log, projections, views=view_store)`` on the two ports
    themselves (the caller closes the view store). :meth:`run` catches every projection up
    with the log, :meth:`follow` keeps them caught up until stopped, :meth:`rebuild` drops a
    projection's view and replays it from the start, :meth:`view` reads a view's documents.
    Views live in the store (the tables that ``libops db migrate`` creates), or in the
    process for ``memory://``.
    """

    def __init__(
        self,
        source: ProjectionStore | EventLog,
        projections: Iterable[Projection],
        *,
        views: ViewStore | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        chosen = list(projections)
        for projection in chosen:
            check_projection(projection)
        names = [type(p).name for p in chosen]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidValueError(f"two projections are named {', '.join(duplicates)}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidValueError(f"batch_size must be a whole number >= 1, not {batch_size!r}")
        self._source = source
        self._opener: StoreOpener | None = None
        if isinstance(source, ProjectionStore):
            self._log = source.event_log()
            self._opener = source.store_opener()
        elif isinstance(source, EventLog):
            self._log = source
        else:
            raise InvalidValueError(
                "a ProjectionEngine runs on an opened store (LibOps) or an EventLog, "
                f"not {type(source).__name__}"
            )
        self._owns_views = views is None
        if views is None:
            if not isinstance(source, ProjectionStore):
                raise InvalidValueError("an engine on an EventLog needs views=<a ViewStore>")
            views = source.open_view_store()
        self._views: ViewStore = views
        self._projections = {type(p).name: p for p in chosen}
        self._read_topics = {name: frozenset(p.topics()) for name, p in self._projections.items()}
        self._batch_size = batch_size

    @property
    def source(self) -> ProjectionStore | EventLog:
        """The opened store (or the event log) this engine runs on."""
        return self._source

    @property
    def log(self) -> EventLog:
        """The event log this engine reads."""
        return self._log

    @property
    def batch_size(self) -> int:
        """How many notifications a batch applies (at most) before it is committed."""
        return self._batch_size

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the projections this engine runs."""
        return tuple(self._projections)

    def _projection(self, name: str) -> Projection:
        try:
            return self._projections[name]
        except KeyError:
            raise InvalidValueError(
                f"no projection named {name!r} here (known: {', '.join(self.names)})"
            ) from None

    def position(self, name: str) -> int:
        """The id of the notification up to which the view of ``name`` is complete (0: none)."""
        return self._views.position(self._projection(name).name)

    def view(self, name: str) -> dict[str, Any]:
        """All documents of the projection ``name``'s view, by key."""
        return dict(documents(iter(self._views.rows(self._projection(name).name))))

    def get(self, name: str, key: str, default: Any = None) -> Any:
        """One document of the projection ``name``'s view, or ``default``."""
        found = self._views.load(self._projection(name).name, key)
        return default if found is None else json.loads(found)

    def discard(self, name: str, keys: Iterable[str]) -> None:
        """Delete the documents ``keys`` of the projection ``name``'s view, in one transaction.

        The position does not move: this is for documents a projection writes for someone
        else to act on and remove (an outbox), never for changing what a projection counts.
        """
        chosen = sorted(set(keys))
        for key in chosen:
            if not isinstance(key, str) or not key:
                raise InvalidValueError(f"a view key must be non-empty text, not {key!r}")
        if chosen:
            self._views.discard(self._projection(name).name, chosen)

    def run(
        self,
        *,
        max_batches: int | None = None,
        workers: int = 1,
        on_progress: Callable[[dict[str, int]], None] | None = None,
    ) -> dict[str, RunReport]:
        """Catch every projection up with the log (or stop after ``max_batches`` batches).

        The projections read the log together: each event is read and decoded once and
        given to every projection that handles it; a batch's documents and positions are
        written in one transaction. A projection that is behind the others (a new one, or
        one being rebuilt) first catches up alone, then joins them.

        With ``workers`` above 1 (a SQLite or PostgreSQL store), the projections are split
        into up to that many groups of about the same cost, each caught up by an engine in
        a worker process of its own (see :mod:`libops.projections.parallel`); the
        guarantees are the same. Worth it for long catch-ups on a machine with that many
        processor cores; each worker opens its own connection to the store.

        ``on_progress`` gets every projection's position, by name, after each batch (with
        workers: a few times a second).
        """
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InvalidValueError(f"workers must be a whole number >= 1, not {workers!r}")
        if workers == 1:
            return self._catch_up(list(self._projections), max_batches, on_progress)
        if max_batches is not None:
            raise InvalidValueError("max_batches works with workers=1 only")
        if self._opener is None:
            raise InvalidValueError(
                "worker processes cannot open a memory:// store (or an engine built on an "
                "event log): use workers=1, or a SQLite or PostgreSQL store"
            )
        from libops.projections.parallel import run_in_workers

        return run_in_workers(
            self,
            ProjectionEngine,
            list(self._projections.values()),
            opener=self._opener,
            workers=workers,
            batch_size=self._batch_size,
            on_progress=on_progress,
        )

    def follow(
        self,
        *,
        stop: threading.Event | Callable[[], bool],
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        on_progress: Callable[[dict[str, int]], None] | None = None,
        on_round: Callable[[dict[str, RunReport], dict[str, RunReport]], None] | None = None,
    ) -> dict[str, RunReport]:
        """Catch every projection up, then keep applying new events until ``stop``.

        ``stop`` is a :class:`threading.Event` (set it, from any thread, to stop) or a
        function answering whether to stop; it is checked between batches and at least every
        :data:`STOP_CHECK` seconds while waiting. After each round the engine waits up to
        ``poll_interval`` seconds before looking at the log again: on PostgreSQL it wakes up
        as soon as new events are committed (LISTEN on the events table's channel, which
        eventsourcing's recorder notifies), on SQLite and in memory it polls. The guarantees
        are :meth:`run`'s: each event is applied once, however many engines follow.

        ``on_progress`` gets every projection's position after each batch; ``on_round``
        gets, after each round, what that round applied and the totals so far (by name).
        Returns the totals.
        """
        if isinstance(poll_interval, bool) or not isinstance(poll_interval, int | float):
            raise InvalidValueError(f"poll_interval must be a number, not {poll_interval!r}")
        if not poll_interval > 0:
            raise InvalidValueError(f"poll_interval must be above 0, not {poll_interval!r}")
        should_stop: Callable[[], bool] = stop.is_set if isinstance(stop, threading.Event) else stop
        if not callable(should_stop):
            raise InvalidValueError(f"stop must be a threading.Event or a function, not {stop!r}")
        totals: dict[str, RunReport] = {}
        # Watch before the first look, so that nothing committed after it goes unnoticed.
        with closing(self._watch()) as watch:
            while not should_stop():
                applied = self._catch_up(
                    list(self._projections), None, on_progress, should_stop=should_stop
                )
                merge_reports(totals, applied)
                if on_round is not None:
                    on_round(applied, dict(totals))
                deadline = time.monotonic() + poll_interval
                while not should_stop():
                    left = deadline - time.monotonic()
                    if left <= 0 or watch.wait(min(left, STOP_CHECK)):
                        break
        return totals

    def _watch(self) -> LogWatch:
        with self._reading_the_log():
            return self._log.watch()

    def last_id(self) -> int:
        """The id of the last event in the log (0 when it is empty)."""
        return self._last_id()

    def sample_topics(self, after: int, size: int) -> Counter[str]:
        """How many events of each topic there are among up to ``size`` events of the log
        after ``after`` (read, not decoded), taken in three slices: at the start, in the
        middle and at the end of what is left."""
        last = self._last_id()
        counts: Counter[str] = Counter()
        if last <= after or size < 1:
            return counts
        if last - after <= size:
            piece, starts = size, [after]
        else:
            piece = max(size // 3, 1)
            middle = after + (last - after) // 2 - piece // 2
            starts = sorted({after, middle, last - piece})
        for start in starts:
            with self._reading_the_log():
                batch = self._log.select_notifications(start, piece, stop=last)
            counts.update(notification.topic for notification in batch)
        return counts

    def rebuild(self, name: str) -> RunReport:
        """Drop the view and position of ``name``, then replay the log from the start.

        Only that projection is replayed (up to the end of the log); the engine's others
        are left as they are.
        """
        self._views.reset(self._projection(name).name)
        return self._catch_up([name], None)[name]

    def _catch_up(
        self,
        names: list[str],
        max_batches: int | None,
        on_progress: Callable[[dict[str, int]], None] | None = None,
        *,
        should_stop: Callable[[], bool] | None = None,
    ) -> dict[str, RunReport]:
        counts = {name: [0, 0, 0] for name in names}  # applied, batches, conflicts
        positions = {name: self._views.position(name) for name in names}
        # A projection at position 0 has no documents (they are only ever written with a
        # position), so its view knows which keys cannot exist yet.
        views = {
            name: View(name, functools.partial(self._views.load, name), empty=positions[name] == 0)
            for name in names
        }
        batches = 0
        end = 0  # the end of the log when last looked at (looked at again once reached)
        while names and (max_batches is None or batches < max_batches):
            if should_stop is not None and batches and should_stop():
                break
            low = min(positions.values())
            group = [name for name in names if positions[name] == low]
            ahead = [position for position in positions.values() if position > low]
            # Read up to the next projection ahead, or to the end of the log as it was when
            # last looked at, looking again once there (notification ids become visible in
            # order: the recorders serialise inserts).
            if ahead:
                ceiling = min(ahead)
            else:
                if end <= low:
                    end = self._last_id()
                ceiling = end
            if ceiling <= low:
                break
            new, applied = self._apply_batch(group, views, low, ceiling)
            entries = [ViewChanges(name, low, new, views[name].changes()) for name in group]
            if self._views.commit(entries):
                for entry in entries:
                    views[entry.name].committed(entry.changes)
                    positions[entry.name] = new
                    counts[entry.name][0] += applied[entry.name]
                    counts[entry.name][1] += 1
                batches += 1
                if on_progress is not None:
                    on_progress(dict(positions))
            else:
                for name in group:
                    views[name].abandon()
                    positions[name] = self._views.position(name)
                    counts[name][2] += 1
        return {
            name: RunReport(
                name, counts[name][0], counts[name][1], counts[name][2], positions[name]
            )
            for name in names
        }

    def _topics(self, group: list[str]) -> tuple[str, ...]:
        return tuple(sorted({t for name in group for t in self._projections[name].topics()}))

    def _apply_batch(
        self, group: list[str], views: dict[str, View], low: int, ceiling: int
    ) -> tuple[int, dict[str, int]]:
        """Apply the next batch of ``group``'s notifications after ``low``: up to
        ``batch_size`` of them, read a page at a time, none after ``ceiling``; then let each
        projection finish the batch. The position the batch ends at and the events applied
        by name (on an error, every view is abandoned and it is raised)."""
        topics = self._topics(group)
        handlers = self._handlers(group, views)
        applied = dict.fromkeys(group, 0)
        position, taken = low, 0
        try:
            while True:
                wanted = min(READ_PAGE, self._batch_size - taken)
                page = self._read(position, topics, ceiling, wanted)
                for name, count in self._apply(group, page, handlers).items():
                    applied[name] += count
                taken += len(page)
                if len(page) < wanted:
                    position = ceiling  # every event of the group up to the ceiling is applied
                    break
                position = page[-1].id  # a full page: more may follow
                if taken >= self._batch_size or (
                    sum(views[name].touched_count() for name in group) >= TOUCHED_AT_MOST
                ):
                    break
            for name in group:
                try:
                    self._projections[name].before_commit(views[name])
                except Exception as error:
                    error.add_note(f"projection {name!r} failed at the end of a batch")
                    raise
        except Exception as error:
            # Nothing of this batch is written: forget what it changed, say where it stopped.
            for view in views.values():
                view.abandon()
            error.add_note(
                f"the batch after position {low} ({', '.join(group)}; {taken} events applied "
                "so far) is not committed: the views and positions are unchanged"
            )
            raise
        return position, applied

    def _handlers(self, group: list[str], views: dict[str, View]) -> _Handlers:
        """The handlers of ``group`` by topic, and the expansions of the events that stand
        for others (:data:`EXPANDED`) with the handlers of the events they stand for."""
        table: dict[str, list[_Handler]] = {}
        expansions: dict[str, tuple[Expansion, dict[str, list[_Handler]]]] = {}
        for name in group:
            projection = self._projections[name]
            expanded = projection.expanded_topics()
            for topic in projection.topics():
                handlers = table.setdefault(topic, [])
                if topic not in expanded:
                    handlers.append((name, projection.handler(topic), views[name]))
                    continue
                stands_for, expand = EXPANDED[topic]
                receivers = expansions.setdefault(topic, (expand, {}))[1]
                for single in stands_for & set(projection.topics()):
                    receivers.setdefault(single, []).append(
                        (name, projection.handler(single), views[name])
                    )
        return table, expansions

    def _apply(
        self, group: list[str], notifications: Sequence[Notification], handlers: _Handlers
    ) -> dict[str, int]:
        """Decode each notification once and give it to every projection in ``group``
        that handles it (``handlers``: :meth:`_handlers`). Returns events applied by name.

        An event that stands for others (a bulk import's batch, :data:`EXPANDED`) is
        expanded once, and each event it stands for given to every projection that reads
        it expanded and handles that event."""
        table, expansions = handlers
        to_domain_event = self._log.to_domain_event
        # Where an error comes from, for its note: name is "" while a notification is being
        # decoded, a projection's name while its handler runs, and _BETWEEN_EVENTS while the
        # next notification is being made (a page may make them as they are asked for).
        name = _BETWEEN_EVENTS
        notification: Notification | None = None
        # The topics applied, counted at the end: gone through once, for the same reason.
        topics: list[str] = []
        seen = topics.append
        try:
            for notification in notifications:
                name = ""  # none yet: decoding
                topic = notification.topic
                seen(topic)
                event = to_domain_event(notification)
                # name is read by the error note below, should a handler raise
                for name, handler, view in table[topic]:  # noqa: B007
                    handler(event, view)
                if topic in expansions:
                    expand, receivers = expansions[topic]
                    try:
                        singles = list(expand(event))
                    except (
                        ValueError,
                        TypeError,
                        AttributeError,
                        LookupError,
                        InvalidOperation,
                    ) as unreadable:
                        # A batch stored before batches were checked value by value: its
                        # rows cannot be read (malformed stored columns; rows are rebuilt
                        # with limits unchecked), so they are left out, said, not fatal.
                        _log.warning(
                            "notification %s (%s) is left out of the projections: %s: %s",
                            notification.id,
                            notification.topic,
                            type(unreadable).__name__,
                            unreadable,
                        )
                        singles = []
                    for single_topic, single in singles:
                        for name, handler, view in receivers.get(single_topic, ()):  # noqa: B007
                            handler(single, view)
                name = _BETWEEN_EVENTS
        except Exception as error:
            if name is _BETWEEN_EVENTS:
                after = "" if notification is None else f" after notification {notification.id}"
                error.add_note(f"reading the log for {', '.join(group)} failed{after}")
                raise
            assert notification is not None  # one is being decoded or applied
            where = f"on notification {notification.id} ({notification.topic})"
            who = f"projection {name!r}" if name else f"decoding for {', '.join(group)}"
            error.add_note(f"{who} failed {where}")
            raise
        applied = dict.fromkeys(group, 0)
        for topic, count in Counter(topics).items():
            for name in group:
                if topic in self._read_topics[name]:
                    applied[name] += count
        return applied

    @contextmanager
    def _reading_the_log(self) -> Iterator[None]:
        """Turn a failure to read the event log into a StorageError naming the store."""
        try:
            yield
        except Exception as error:
            raise StorageError(
                f"cannot read the event log of {self._log.redacted_url}: "
                f"{self._log.scrub(str(error))}"
            ) from error

    def _last_id(self) -> int:
        with self._reading_the_log():
            return self._log.max_notification_id()

    def _read(
        self, position: int, topics: tuple[str, ...], stop: int, limit: int
    ) -> Sequence[Notification]:
        with self._reading_the_log():
            found = self._log.select_notifications(position, limit, stop=stop, topics=topics)
            # A log may hand out its notifications as they are asked for (the SQLite log
            # does, from rows already read); anything that is not a sequence is read now.
            return found if isinstance(found, Sequence) else list(found)

    def close(self) -> None:
        """Release the view store the engine opened (the store it runs on stays open)."""
        if self._owns_views:
            self._views.close()

    def __enter__(self) -> ProjectionEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

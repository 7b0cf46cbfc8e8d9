"""The latest metric snapshot of each post, whichever path recorded it.

A post's own snapshots live in its events; a bulk import's live in the
``MetricImport.BatchRecorded`` events of its file (:mod:`libops.application.bulk_imports`).
The histories here read those events from the notification log, each call reading only what
was recorded since the last one, and give the later of the two (:func:`latest_snapshot`):
what both import paths compare a new row with, and what the post reads show.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import InvalidOperation
from typing import Final, TypeVar
from uuid import UUID

import attrs
from eventsourcing.persistence import Notification, PersistenceError

from libops.application.app import LibOpsApplication
from libops.domain.bulk import MetricImport
from libops.domain.errors import (
    StaleMetricsError,
    UnknownIdError,
)
from libops.domain.post import Post
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    to_platform,
)

# The bulk import path's logger: a batch left out is said under the name operators know.
_log = logging.getLogger("libops.application.bulk_imports")

_HISTORIES_LOCK: Final = threading.Lock()


class _BulkHistory:
    """The latest snapshot bulk imports recorded for each post on each platform, read from
    the ``MetricImport.BatchRecorded`` events: each call reads only the events recorded
    since the last one (the log is append-only, and written in order of its positions), up
    to the log's end when it looked, so a call with no new events reads nothing. Each
    snapshot is kept with its batch's time and its import's id (which of two snapshots at
    the same time is the later recorded; which import to name)."""

    def __init__(self) -> None:
        self.position = 0
        self.latest: dict[tuple[UUID, str], _BulkLatest] = {}
        self.lock = threading.Lock()

    def of_platform(self, app: LibOpsApplication, platform: str) -> dict[UUID, _BulkLatest]:
        """The latest bulk snapshot of each post on ``platform`` (a copy)."""
        with self.lock:
            self._catch_up(app)
            return {post: found for (post, on), found in self.latest.items() if on == platform}

    def get(self, app: LibOpsApplication, post: UUID, platform: str) -> _BulkLatest | None:
        """The latest bulk snapshot of ``post`` on ``platform``, if any."""
        with self.lock:
            self._catch_up(app)
            return self.latest.get((post, platform))

    def of_posts(
        self, app: LibOpsApplication, posts: Iterable[UUID], platform: str
    ) -> dict[UUID, _BulkLatest]:
        """The latest snapshot of each of ``posts`` on ``platform`` that has one: one
        catch-up, then one look-up per post (work growing with ``posts``, not with the
        platform's posts)."""
        with self.lock:
            self._catch_up(app)
            latest = self.latest
            found: dict[UUID, _BulkLatest] = {}
            for post in posts:
                entry = latest.get((post, platform))
                if entry is not None:
                    found[post] = entry
            return found

    TOPICS: tuple[str, ...] = (MetricImport.BatchRecorded.TOPIC,)

    def _notifications(
        self, app: LibOpsApplication, after: int, stop: int
    ) -> Iterator[Notification]:
        """The log's notifications of :attr:`TOPICS` after position ``after`` up to
        ``stop``, read a page at a time."""
        position = after
        while position < stop:
            page = app.recorder.select_notifications(
                position + 1, 500, stop=stop, topics=self.TOPICS
            )
            yield from page
            if len(page) < 500:
                break
            position = page[-1].id

    def _catch_up(self, app: LibOpsApplication) -> None:
        try:
            stop = app.recorder.max_notification_id() or 0
            for notification in self._notifications(app, self.position, stop):
                self._apply(app, notification)
                self.position = notification.id
        except PersistenceError as error:
            raise app.store_failure(error) from error
        # Nothing more up to ``stop``: the next call starts after it (no topic index, so a
        # start at the last batch would scan every later event again on every call).
        self.position = max(self.position, stop)

    def _apply(self, app: LibOpsApplication, notification: Notification) -> None:
        try:
            batch = app.mapper.to_domain_event(notification)
            assert isinstance(batch, MetricImport.BatchRecorded)
            rows = list(batch.latest_snapshots())
        except (ValueError, TypeError, AttributeError, LookupError, InvalidOperation) as error:
            # A batch stored before batches were checked value by value (a bad one given as
            # data): its snapshots cannot be read, so they do not count; said, not silent.
            _log.warning(
                "bulk batch at position %s of import %s is left out of the posts' latest "
                "metrics: %s: %s",
                notification.id,
                notification.originator_id,
                type(error).__name__,
                error,
            )
            return
        latest = self.latest
        found = _BulkLatest
        for post_id, _campaign, snapshot, _lowered in rows:
            key = (post_id, batch.platform)
            before = latest.get(key)
            if before is None or snapshot.observed_at >= before.snapshot.observed_at:
                latest[key] = found(snapshot, batch.timestamp, batch.originator_id)


@attrs.frozen
class _BulkLatest:
    """A post's latest bulk snapshot, when its batch was recorded, and its import's id (in
    :class:`_OwnHistory`: a post's own latest snapshot, when it was recorded, None if not
    known, and the post's id)."""

    snapshot: MetricSnapshot
    recorded_at: datetime | None
    import_id: UUID


class _OwnHistory(_BulkHistory):
    """The latest snapshot each post recorded itself on each platform (voided ones left
    out): what a batch given as data is checked against (:func:`record_import_batch`)
    without loading each of its posts again. It starts at the log's end when first used
    (never decoding the store's past metric events): a post's entries are seeded from the
    post itself the first time it is seen (:meth:`seed`, by the batch handler and the bulk
    importer, which load it anyway), and only its later events (above the seeded version)
    are applied, read as :class:`_BulkHistory` reads the batches."""

    TOPICS = (Post.MetricsRecorded.TOPIC, Post.MetricsCorrected.TOPIC, Post.MetricsVoided.TOPIC)

    def __init__(self) -> None:
        super().__init__()
        self.started = False
        self.seeded: dict[UUID, int] = {}

    def mark(self, app: LibOpsApplication) -> int:
        """The log's end now: give it to :meth:`seed` with posts loaded after this call."""
        try:
            return app.recorder.max_notification_id() or 0
        except PersistenceError as error:
            raise app.store_failure(error) from error

    def is_seeded(self, post: UUID) -> bool:
        with self.lock:
            return post in self.seeded

    def seed(self, app: LibOpsApplication, posts: Iterable[Post], mark: int) -> None:
        """Take the latest own snapshots of ``posts`` (loaded after :meth:`mark` gave
        ``mark``) unless already seeded. Events recorded between ``mark`` and the history's
        position that the catch-up passed before the seed are read again for these posts
        (a few: those recorded while the posts were loaded)."""
        with self.lock:
            self._catch_up(app)
            fresh: set[UUID] = set()
            for post in posts:
                if post.id in self.seeded:
                    continue
                self.seeded[post.id] = post.version
                fresh.add(post.id)
                for platform in post.platforms:
                    snapshot = post.latest_metrics(platform)
                    key = (post.id, platform.value)
                    if snapshot is None:
                        self.latest.pop(key, None)
                    else:
                        at = post.latest_metrics_recorded_at(platform)
                        self.latest[key] = _BulkLatest(snapshot, at, post.id)
            if fresh and mark < self.position:
                self._read(app, mark, self.position, fresh)

    def _catch_up(self, app: LibOpsApplication) -> None:
        if not self.started:
            # The past is in the posts themselves (seeded when first seen): start at the end.
            self.position = self.mark(app)
            self.started = True
        super()._catch_up(app)

    def _read(self, app: LibOpsApplication, after: int, stop: int, only: set[UUID]) -> None:
        try:
            for notification in self._notifications(app, after, stop):
                if notification.originator_id in only:
                    self._apply(app, notification)
        except PersistenceError as error:
            raise app.store_failure(error) from error

    def _apply(self, app: LibOpsApplication, notification: Notification) -> None:
        post = notification.originator_id
        if not isinstance(post, UUID):
            post = UUID(post)
        seeded = self.seeded.get(post)
        if seeded is None or notification.originator_version <= seeded:
            return  # a post not seen yet (seeded from itself when it is), or in its seed
        self.seeded[post] = notification.originator_version
        event = app.mapper.to_domain_event(notification)
        if isinstance(event, Post.MetricsVoided):
            key = (event.originator_id, event.voided.platform.value)
            if event.latest is None:
                self.latest.pop(key, None)
            else:
                # The latest own snapshot left in place (an older one voided) keeps the time
                # it was recorded: a same-time tie with a bulk snapshot goes as before.
                held = self.latest.get(key)
                kept = held is not None and held.snapshot == event.latest
                at = held.recorded_at if kept and held is not None else None
                self.latest[key] = _BulkLatest(event.latest, at, event.originator_id)
            return
        assert isinstance(event, Post.MetricsRecorded | Post.MetricsCorrected)
        snapshot = event.snapshot
        key = (event.originator_id, snapshot.platform.value)
        self.latest[key] = _BulkLatest(snapshot, event.timestamp, event.originator_id)


_HISTORIES: Final[weakref.WeakKeyDictionary[LibOpsApplication, _BulkHistory]] = (
    weakref.WeakKeyDictionary()
)


_OWN_HISTORIES: Final[weakref.WeakKeyDictionary[LibOpsApplication, _OwnHistory]] = (
    weakref.WeakKeyDictionary()
)


_H = TypeVar("_H", bound=_BulkHistory)


def _of_app(
    histories: weakref.WeakKeyDictionary[LibOpsApplication, _H],
    app: LibOpsApplication,
    make: Callable[[], _H],
) -> _H:
    """``app``'s history in ``histories``, made on first use (one per store, per process)."""
    with _HISTORIES_LOCK:
        history = histories.get(app)
        if history is None:
            history = histories[app] = make()
        return history


def _history(app: LibOpsApplication) -> _BulkHistory:
    return _of_app(_HISTORIES, app, _BulkHistory)


def _own_history(app: LibOpsApplication) -> _OwnHistory:
    return _of_app(_OWN_HISTORIES, app, _OwnHistory)


def batch_latest(
    app: LibOpsApplication, platform: Platform | str, posts: Iterable[str]
) -> dict[str, MetricSnapshot]:
    """The latest snapshot of each of ``posts`` (ids as text: a batch's, each seeded in the
    own history, :meth:`_OwnHistory.seed`) on ``platform``, its own or a bulk import's, as
    :func:`latest_snapshot` gives it, without loading the posts: what a batch is checked
    against (:func:`~libops.domain.bulk.check_batch_order`). The posts are looked up one by
    one: a batch's work grows with its own posts, not with every post on the platform."""
    name = to_platform(platform).value
    wanted = []
    for text in posts:
        try:
            wanted.append(UUID(text))
        except ValueError:
            continue  # not a post's id: it has no snapshot
    own = _own_history(app).of_posts(app, wanted, name)
    bulk = _history(app).of_posts(app, wanted, name)
    keys = [post for post in wanted if post in own or post in bulk]
    latest: dict[str, MetricSnapshot] = {}
    for post in keys:
        mine, theirs = own.get(post), bulk.get(post)
        if mine is None or theirs is None:
            only = mine or theirs
            if only is not None:
                latest[str(post)] = only.snapshot
            continue
        found = later_snapshot(
            mine.snapshot, theirs.snapshot, own_at=mine.recorded_at, bulk_at=theirs.recorded_at
        )
        if found is not None:
            latest[str(post)] = found
    return latest


def bulk_snapshots(app: LibOpsApplication, platform: Platform | str) -> dict[UUID, MetricSnapshot]:
    """The latest snapshot bulk imports recorded for each post on ``platform`` in ``app``'s
    store, up to date (this process reads only the batches recorded since it last looked)."""
    found = _history(app).of_platform(app, to_platform(platform).value)
    return {post: latest.snapshot for post, latest in found.items()}


def later_snapshot(
    own: MetricSnapshot | None,
    bulk: MetricSnapshot | None,
    *,
    own_at: datetime | None = None,
    bulk_at: datetime | None = None,
) -> MetricSnapshot | None:
    """The later of a post's own latest snapshot and a bulk import's. At the same
    observation time, the later recorded (``own_at``, ``bulk_at``: when each was recorded,
    by libops's clock): a correction of a bulk snapshot's counts at its own time is the
    latest. Recorded at the same moment too (a clock that stands still, as in a test), the
    post's own: an ordinary import after a bulk one compares its rows with the bulk's.
    Without those times, the bulk import's (it was checked against the post's own when it
    was recorded)."""
    if bulk is None:
        return own
    if own is None:
        return bulk
    if own.observed_at != bulk.observed_at:
        return bulk if bulk.observed_at > own.observed_at else own
    if own_at is not None and bulk_at is not None and own_at >= bulk_at:
        return own
    return bulk


class BulkSnapshots:
    """The latest bulk snapshots of a platform's posts, read once (an import's rows, one
    file: :func:`latest_snapshot` would read the log's new batches for each row)."""

    def __init__(self, app: LibOpsApplication, platform: Platform | str) -> None:
        self.platform = to_platform(platform)
        self._found = _history(app).of_platform(app, self.platform.value)

    def latest(self, post: Post) -> MetricSnapshot | None:
        """``post``'s latest snapshot on the platform, as :func:`latest_snapshot` gives it."""
        return _later(post, self.platform, self._found.get(post.id))


def _later(post: Post, platform: Platform, bulk: _BulkLatest | None) -> MetricSnapshot | None:
    own = post.latest_metrics(platform)
    if bulk is None:
        return own
    return later_snapshot(
        own,
        bulk.snapshot,
        own_at=post.latest_metrics_recorded_at(platform),
        bulk_at=bulk.recorded_at,
    )


def latest_snapshot(
    app: LibOpsApplication, post: Post, platform: Platform | str
) -> MetricSnapshot | None:
    """The latest metric snapshot of ``post`` on ``platform``, whichever path recorded it:
    the post's own (``Post.MetricsRecorded`` and ``MetricsCorrected``, voided ones left out)
    or a bulk import's batch (``MetricImport.BatchRecorded``), the later observed (at the
    same time, the later recorded). What both import paths compare a new row with, and what
    the post reads show (docs/import.md)."""
    platform = to_platform(platform)
    return _later(post, platform, _history(app).get(app, post.id, platform.value))


def stale_from_bulk(
    app: LibOpsApplication, post: Post, snapshot: MetricSnapshot, error: StaleMetricsError
) -> StaleMetricsError:
    """``error`` (``snapshot`` is older than ``post``'s latest), saying what to do when that
    latest came from a bulk import: a bulk snapshot is not the post's own, so it cannot be
    voided; the right counts observed at its time are recorded as a correction, which is
    then the latest (docs/import.md, Corrections)."""
    platform = snapshot.platform
    bulk = _history(app).get(app, post.id, platform.value)
    if bulk is None or _later(post, platform, bulk) is not bulk.snapshot:
        return error
    try:
        file = repr(app.load(MetricImport, bulk.import_id).file)
    except (UnknownIdError, PersistenceError):
        file = "a file"
    at = bulk.snapshot.observed_at.isoformat()
    return StaleMetricsError(
        f"metrics for post {post.id} on {platform.value} observed at "
        f"{snapshot.observed_at.isoformat()} are older than the latest ({at}), recorded by "
        f"the bulk import of {file} (import {bulk.import_id}); a bulk snapshot cannot be "
        f"voided: if its counts are wrong, import or record the right counts observed at "
        f"{at} (a correction, which becomes the latest)"
    )

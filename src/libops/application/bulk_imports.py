"""The bulk import path: a large CSV of metric snapshots, streamed, recorded in batches.

:meth:`libops.application.imports.ImportService.run_bulk` (``libops import --bulk``,
docs/import.md) reads the file twice, row by row, never holding it, its rows or its events
in memory:

1. **Check.** Every row is read, matched to a published post (by URL, external id, or title
   and publish time, as the ordinary path matches) and compared with what is recorded for
   that post: its own latest snapshot and the latest one recorded by any bulk import before
   (read from the ``MetricImport.BatchRecorded`` events, an index of one snapshot per post).
   A row that matches no post, matches two, repeats a post's observation time, is older than
   what is recorded, or holds a bad cell, refuses the file: the error names the file, the
   rows and the reason, and nothing is recorded. The file's SHA-256 digest is taken too.
2. **Record.** The rows are read again and those with new counts are recorded, in row order,
   as ``MetricImport.BatchRecorded`` events of up to :data:`~libops.domain.bulk.BATCH_ROWS`
   snapshots, one command (one atomic write) per batch, on the file's
   :class:`~libops.domain.bulk.MetricImport` (its id follows from the digest and options).
   ``MetricImport.Finished`` closes it.

The unit of atomicity is the batch. A run cut short (a crash, the store gone) leaves the
batches it acknowledged, and ``next_row`` on the import says where they end: running the
same import again checks the rows after it and records them, so nothing acknowledged is lost
and nothing is recorded twice. A finished import of the same file records nothing.

Memory holds one batch, the published posts (for matching) and one snapshot per post (for
comparing): it grows with the number of posts, not with the file.
"""

from __future__ import annotations

import logging
import operator
import pickle
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Final, Protocol
from uuid import UUID

import attrs
from eventsourcing.persistence import Notification, PersistenceError

from libops.application.app import LibOpsApplication
from libops.application.commands import Command, CommandBus, Context, command, handles
from libops.application.drafts import get_post
from libops.domain.bulk import BATCH_ROWS, MetricImport, batch_posts, check_batch_order
from libops.domain.errors import (
    AmbiguousImportMatchError,
    BulkImportError,
    FutureMetricsError,
    ImportFileError,
    LibopsError,
    StaleMetricsError,
    UnknownIdError,
    UnmatchedImportRowError,
)
from libops.domain.imports import authorize_import
from libops.domain.post import PlatformStatus, Post
from libops.domain.values import (
    COMMON_COUNTS,
    COUNT_MAX,
    Actor,
    MetricSnapshot,
    Platform,
    require_count,
    to_platform,
)

_log = logging.getLogger(__name__)

_MATCH_CACHE: Final = 100_000
REFUSALS_SHOWN: Final = 10
"""How many refused rows a refusal's message lists (it says how many there are)."""


class RowIdentity(Protocol):
    """What identifies a streamed row's post."""

    @property
    def title(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def date_only(self) -> bool: ...


class StreamedRow(Protocol):
    """One streamed row's checked values (:class:`libops.adapters.importers.RowValues`)."""

    @property
    def row(self) -> int: ...
    @property
    def identity(self) -> RowIdentity: ...
    @property
    def common(self) -> tuple[int | None, ...]: ...
    @property
    def counts(self) -> dict[str, int | None]: ...
    @property
    def extra(self) -> dict[str, Any]: ...
    @property
    def observed_at(self) -> datetime | None: ...


class StreamedExport(Protocol):
    """A CSV export read row by row (:class:`libops.adapters.importers.CsvExport`)."""

    @property
    def platform(self) -> Platform: ...

    def digest(self) -> str: ...

    def values(self, after: int = 0) -> Iterable[StreamedRow]: ...


Streamer = Callable[..., StreamedExport]
"""Opens a CSV export to stream: ``streamer(path, platform=, mapping=, timezone=)``."""


# --- commands ------------------------------------------------------------------------------


@command("import.bulk.start", requires=("import.apply",), calls=MetricImport.start)
@attrs.frozen
class StartBulkImport(Command[UUID]):
    """Begin the bulk import of a file (its name, SHA-256 digest, platform and rows)."""

    file: str
    digest: str
    platform: str
    rows: int
    options: str = ""


@command("import.bulk.batch", requires=("import.apply",))
@attrs.frozen
class RecordImportBatch(Command[None]):
    """Record one batch of a bulk import's snapshots, in columns (see
    ``MetricImport.BatchRecorded``). Each of ``posts`` must be a post published on the
    import's platform, with its own campaign in ``campaign_ids``."""

    import_id: UUID
    rows: tuple[int, ...]
    posts: tuple[str, ...]
    campaign_ids: tuple[str | None, ...]
    post_index: tuple[int, ...]
    times: tuple[str, ...]
    time_index: tuple[int, ...]
    counts: dict[str, tuple[int | None, ...]]
    extra: dict[str, tuple[int | str | None, ...]]
    lowered: tuple[str, ...]


_PUBLISHED: Final[
    weakref.WeakKeyDictionary[LibOpsApplication, set[tuple[str, str, str | None]]]
] = weakref.WeakKeyDictionary()
_PUBLISHED_LOCK: Final = threading.Lock()


def published_posts(app: LibOpsApplication) -> set[tuple[str, str, str | None]]:
    """The (post id, platform, campaign id) of the posts of ``app``'s store known, in this
    process, to be published on that platform in that campaign. Once true these facts stay
    true (a post's campaign is fixed when it is drafted, and a publication is never undone:
    a retracted post keeps its counts), so a batch's posts are loaded only once."""
    with _PUBLISHED_LOCK:
        known = _PUBLISHED.get(app)
        if known is None:
            known = _PUBLISHED[app] = set()
        return known


@handles(RecordImportBatch)
def record_import_batch(ctx: Context, actor: Actor, command: RecordImportBatch) -> None:
    """The batch's values checked as ``Post.record_metrics`` checks a snapshot (against
    libops's clock and its margin) and recorded on the import, then its posts checked
    against the store (the command may come as data, over HTTP, not only from
    :meth:`ImportService.run_bulk`): any refusal records nothing."""
    authorize_import(actor)
    metric_import = ctx.load(MetricImport, command.import_id)
    platform = metric_import.platform
    metric_import.record_batch(
        actor,
        rows=command.rows,
        posts=command.posts,
        campaign_ids=command.campaign_ids,
        post_index=command.post_index,
        times=command.times,
        time_index=command.time_index,
        counts=command.counts,
        extra=command.extra,
        lowered=command.lowered,
        now=ctx.now(),
        margin=ctx.deps.metrics_future_margin,
    )
    known = published_posts(ctx.app)
    history = _own_history(ctx.app)
    mark = history.mark(ctx.app)
    loaded: list[Post] = []
    for post_id, campaign_id in batch_posts(command.posts, command.campaign_ids):
        if (post_id, platform.value, campaign_id) in known and history.is_seeded(UUID(post_id)):
            continue
        try:
            post = ctx.load(Post, post_id)
        except (UnknownIdError, ValueError) as unknown:
            raise BulkImportError(f"a batch names {post_id!r}, which is not a post") from unknown
        if (
            platform not in post.platforms
            or post.platform_status(platform) is not PlatformStatus.PUBLISHED
        ):
            raise BulkImportError(
                f"a batch names post {post_id}, which is not published on {platform.value}"
            )
        own = None if post.campaign_id is None else str(post.campaign_id)
        if campaign_id != own:
            raise BulkImportError(
                f"a batch gives post {post_id} the campaign {campaign_id}, not its own ({own})"
            )
        loaded.append(post)
        known.add((post_id, platform.value, campaign_id))
    history.seed(ctx.app, loaded, mark)
    check_batch_order(
        rows=command.rows,
        posts=command.posts,
        post_index=command.post_index,
        times=command.times,
        time_index=command.time_index,
        counts=command.counts,
        lowered=command.lowered,
        latest=batch_latest(ctx.app, platform, command.posts),
    )


@command("import.bulk.finish", requires=("import.apply",), calls=MetricImport.finish)
@attrs.frozen
class FinishBulkImport(Command[None]):
    """Close a bulk import whose rows are all recorded."""

    import_id: UUID
    unchanged: int


# --- one metric history --------------------------------------------------------------------


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

    def _catch_up(self, app: LibOpsApplication) -> None:
        topics = self.TOPICS
        try:
            stop = app.recorder.max_notification_id() or 0
            while self.position < stop:
                page = app.recorder.select_notifications(
                    self.position + 1, 500, stop=stop, topics=topics
                )
                for notification in page:
                    self._apply(app, notification)
                    self.position = notification.id
                if len(page) < 500:
                    break
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
        position = after
        try:
            while position < stop:
                page = app.recorder.select_notifications(
                    position + 1, 500, stop=stop, topics=self.TOPICS
                )
                for notification in page:
                    if notification.originator_id in only:
                        self._apply(app, notification)
                    position = notification.id
                if len(page) < 500:
                    break
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


def _history(app: LibOpsApplication) -> _BulkHistory:
    with _PUBLISHED_LOCK:
        history = _HISTORIES.get(app)
        if history is None:
            history = _HISTORIES[app] = _BulkHistory()
        return history


def _own_history(app: LibOpsApplication) -> _OwnHistory:
    with _PUBLISHED_LOCK:
        history = _OWN_HISTORIES.get(app)
        if history is None:
            history = _OWN_HISTORIES[app] = _OwnHistory()
        return history


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


# --- the report ----------------------------------------------------------------------------


@attrs.frozen
class BulkImportReport:
    """What a bulk import did (or, for a check, would do) with a file's rows."""

    file: str
    digest: str
    import_id: UUID
    platform: str
    rows: int
    """The file's post rows checked (after ``resumed_after``)."""
    recorded: int
    corrected: int
    unchanged: int
    skipped: int
    """Rows matching no post, left out (``matched_only``)."""
    batches: int
    """``MetricImport.BatchRecorded`` events written by this run."""
    resumed_after: int = 0
    """The last file row an earlier, unfinished run had recorded (0: a fresh start)."""
    done: bool = True
    """False for a check (:meth:`ImportService.preview_bulk`): nothing recorded."""

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``libops import --bulk --json``)."""
        return {
            "file": self.file,
            "digest": self.digest,
            "import_id": str(self.import_id),
            "platform": self.platform,
            "rows": self.rows,
            "recorded": self.recorded,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "batches": self.batches,
            "resumed_after": self.resumed_after,
            "done": self.done,
        }


# --- matching and comparing ----------------------------------------------------------------


@attrs.frozen
class PublishedPost:
    """A post published on a platform, as matching sees it (:func:`published_post`)."""

    post_id: UUID
    key: str
    """The id as text, as a batch stores it."""
    campaign: str | None
    title: str
    url: str
    external_id: str
    published_at: datetime


def published_post(post: Post, platform: Platform) -> PublishedPost | None:
    """What matching knows of ``post`` on ``platform``, if it is published there."""
    if platform not in post.platforms:
        return None
    receipt = post.receipt(platform)
    if receipt is None or post.platform_status(platform) is not PlatformStatus.PUBLISHED:
        return None
    return PublishedPost(
        post.id,
        str(post.id),
        None if post.campaign_id is None else str(post.campaign_id),
        post.title,
        receipt.url,
        receipt.external_id,
        receipt.published_at,
    )


_COUNT_AT: Final = {name: index for index, name in enumerate(COMMON_COUNTS)}
_NO_COUNTS: Final = tuple(
    field.default for field in attrs.fields(MetricSnapshot) if field.name in _COUNT_AT
)
"""A snapshot's counts when a row has none: 0, and None for followers gained."""

Counts = tuple[int | None, ...]
"""A snapshot's counts in :data:`~libops.domain.values.COMMON_COUNTS` order."""


_Latest = tuple[datetime, Counts, dict[str, Any], int | None]
"""A post's latest snapshot: observed at, counts, own metrics, and the file row it came
from (None: recorded before)."""

_GAINED: Final = COMMON_COUNTS.index("followers_gained")


def _latest(snapshot: MetricSnapshot) -> _Latest:
    counts = tuple(getattr(snapshot, name) for name in COMMON_COUNTS)
    return (snapshot.observed_at, counts, dict(snapshot.extra), None)


def _lowered(counts: Counts, was: Counts) -> tuple[str, ...]:
    """The counts lower in ``counts`` than in ``was`` (``MetricSnapshot.lowered``)."""
    return tuple(
        name
        for name, now, before in zip(COMMON_COUNTS, counts, was, strict=True)
        if now is not None and before is not None and now < before
    )


class PostIndex:
    """The platform's published posts, indexed by URL, external id and title: how both
    import paths match a row to a post (docs/import.md, Matching)."""

    def __init__(self, posts: Iterable[PublishedPost], time_tolerance: Any) -> None:
        self.by_url: dict[str, list[PublishedPost]] = {}
        self.by_id: dict[str, list[PublishedPost]] = {}
        self.by_title: dict[str, list[PublishedPost]] = {}
        for post in posts:
            if post.url:
                self.by_url.setdefault(post.url, []).append(post)
            self.by_id.setdefault(post.external_id, []).append(post)
            self.by_title.setdefault(post.title.strip(), []).append(post)
        self.tolerance = time_tolerance
        self._cache: dict[Any, list[PublishedPost]] = {}

    def match(self, row: RowIdentity) -> list[PublishedPost]:
        """The posts ``row`` matches (:meth:`find`), remembered by row."""
        found = self._cache.get(row)
        if found is None:
            found = self.find(row)
            if len(self._cache) >= _MATCH_CACHE:
                self._cache.clear()
            self._cache[row] = found
        return found

    def find(self, row: RowIdentity) -> list[PublishedPost]:
        """The posts ``row`` matches, not remembered (a row that is not hashable)."""
        if row.url and row.url in self.by_url:
            return list(self.by_url[row.url])
        if row.external_id and row.external_id in self.by_id:
            return list(self.by_id[row.external_id])
        if row.title is None or row.published_at is None:
            return []
        found = []
        for candidate in self.by_title.get(row.title.strip(), ()):
            if row.url and candidate.url and candidate.url != row.url:
                continue  # another post of the same title, at its own URL
            if row.date_only:
                local = candidate.published_at.astimezone(row.published_at.tzinfo)
                if local.date() == row.published_at.date():
                    found.append(candidate)
            elif abs(candidate.published_at - row.published_at) <= self.tolerance:
                found.append(candidate)
        return found


def row_error(
    error: type[LibopsError], message: str, cause: LibopsError | None = None
) -> LibopsError:
    """The error refusing a file: a refused row's own error class (``cause``, the error
    the row raised, if it raised one) with the file's ``message`` naming the rows."""
    if cause is None:
        return error(message)
    # An error class whose constructor takes more than a message (a limit's field and
    # limit) keeps them.
    refused = error.__new__(error)
    refused.__dict__.update(cause.__dict__)
    Exception.__init__(refused, message)
    return refused


@attrs.frozen
class _Refusal:
    row: int
    error: type[LibopsError]
    reason: str
    cause: LibopsError | None = None
    """The error the row raised, if it raised one (it keeps its details: a limit's)."""


_Planned = tuple[int, str, str | None, str, Counts, dict[str, Any], tuple[str, ...]]
"""A row to record: its number, post id and campaign id (text), observation time (ISO),
counts, own metrics and lowered counts (a plain tuple: the check spills these to disk)."""


class _Planner:
    """Walks a file's rows and says what each records, against what is recorded.

    A row's snapshot is checked by the rules of :class:`~libops.domain.values.MetricSnapshot`
    and ``Post.record_metrics``: counts whole and within the limit, own metrics through a
    ``MetricSnapshot`` (where a row has any), not after the clock's margin, not older than
    the post's latest; the same counts are unchanged, lower ones a correction.
    """

    def __init__(
        self,
        platform: Platform,
        index: PostIndex,
        latest: dict[str, _Latest],
        now: datetime,
        margin: Any,
        matched_only: bool,
    ) -> None:
        self.platform = platform
        self.index = index
        self.latest = latest
        self.now = now
        self.limit = now + margin
        self.matched_only = matched_only
        self.refusals: list[_Refusal] = []
        self.refused = self.unchanged = self.skipped = 0
        self.checked = 0
        self._times: dict[datetime, tuple[datetime, str]] = {}

    def _refuse(
        self,
        row: int,
        error: type[LibopsError],
        reason: str,
        cause: LibopsError | None = None,
    ) -> None:
        self.refused += 1
        if len(self.refusals) < REFUSALS_SHOWN:
            self.refusals.append(_Refusal(row, error, reason, cause))

    def _time(self, at: datetime) -> tuple[datetime, str]:
        """``at`` as a snapshot stores it (UTC), with its ISO text; remembered."""
        known = self._times.get(at)
        if known is None:
            utc = MetricSnapshot(self.platform, at).observed_at
            if len(self._times) >= _MATCH_CACHE:
                self._times.clear()
            known = self._times[at] = (utc, utc.isoformat())
        return known

    def _snapshot(self, row: StreamedRow, observed: datetime) -> tuple[Counts, dict[str, Any]]:
        counts = row.common
        given = {
            name: value
            for name, value in zip(COMMON_COUNTS, counts, strict=True)
            if value is not None
        }
        for name, value in given.items():
            if value > COUNT_MAX:
                require_count(name, value)  # raises the limit's error
        if not row.extra:
            return counts, {}
        snapshot = MetricSnapshot(self.platform, observed, **given, extra=row.extra)
        return counts, dict(snapshot.extra)

    def plan(self, rows: Iterable[StreamedRow]) -> Iterator[_Planned]:
        """The rows to record (new or lower counts), in file order; the others are counted
        (unchanged, skipped) or refused."""
        now, limit, latest_of = self.now, self.limit, self.latest
        match, time_of, snapshot_of = self.index.match, self._time, self._snapshot
        sub = operator.sub
        # A file of daily snapshots repeats each post's identity and each day's time: the
        # streamer hands the same objects again, so they are remembered by object (kept in
        # the entry, so an id is never another object's) before matching or converting.
        matched: dict[int, tuple[RowIdentity, list[PublishedPost]]] = {}
        times: dict[int, tuple[datetime, datetime, str]] = {}
        for row in rows:
            self.checked += 1
            identity = row.identity
            seen = matched.get(id(identity))
            if seen is None or seen[0] is not identity:
                if len(matched) >= _MATCH_CACHE:
                    matched.clear()
                seen = matched[id(identity)] = (identity, match(identity))
            candidates = seen[1]
            if len(candidates) != 1:
                self._unmatched(row.row, candidates)
                continue
            post = candidates[0]
            at = row.observed_at
            if at is None:
                at = now
            known = times.get(id(at))
            if known is None or known[0] is not at:
                if len(times) >= _MATCH_CACHE:
                    times.clear()
                known = times[id(at)] = (at, *time_of(at))
            observed, iso = known[1], known[2]
            counts = row.common
            gained = counts[_GAINED]
            if (
                row.extra
                or max(counts[:_GAINED]) > COUNT_MAX  # type: ignore[type-var,operator]
                or (gained is not None and gained > COUNT_MAX)
            ):
                try:
                    counts, extra = snapshot_of(row, observed)
                except LibopsError as error:
                    self._refuse(row.row, type(error), str(error), error)
                    continue
            else:
                extra = {}
            if observed > limit:
                self._refuse(
                    row.row,
                    FutureMetricsError,
                    f"observed at {iso}, after the clock ({now.isoformat()}): check the date",
                )
                continue
            before = latest_of.get(post.key)
            lowered: tuple[str, ...] = ()
            if before is not None:
                was_at, was, was_extra, was_row = before
                if was_row is not None and was_at == observed:
                    self._refuse(
                        row.row, ImportFileError, f"the same post and time as row {was_row}"
                    )
                    continue
                if counts == was and extra == was_extra:
                    self.unchanged += 1
                    continue
                if observed < was_at:
                    where = "recorded" if was_row is None else f"row {was_row}"
                    self._refuse(
                        row.row,
                        StaleMetricsError,
                        f"observed at {iso}, before the post's latest counts ({where}, "
                        f"{was_at.isoformat()})",
                    )
                    continue
                # The six common counts are always whole numbers; followers gained may be None.
                gained, was_gained = counts[_GAINED], was[_GAINED]
                if min(map(sub, counts[:_GAINED], was[:_GAINED])) < 0 or (
                    gained is not None and was_gained is not None and gained < was_gained
                ):
                    lowered = _lowered(counts, was)
            latest_of[post.key] = (observed, counts, extra, row.row)
            yield (row.row, post.key, post.campaign, iso, counts, extra, lowered)

    def _unmatched(self, row: int, candidates: list[PublishedPost]) -> None:
        if len(candidates) > 1:
            names = ", ".join(str(c.post_id) for c in candidates)
            self._refuse(
                row,
                AmbiguousImportMatchError,
                f"matches {len(candidates)} posts ({names}): give its URL or id",
            )
        elif self.matched_only:
            self.skipped += 1
        else:
            self._refuse(
                row,
                UnmatchedImportRowError,
                "matches no post (the bulk path records snapshots of known posts: import the "
                "posts' totals without --bulk first, or pass --matched-only)",
            )

    def refusal(self, file: str) -> LibopsError | None:
        """The error refusing the file (its first refused rows), or None."""
        if not self.refusals:
            return None
        first = self.refusals[0]
        shown = "; ".join(f"{file}, row {r.row}: {r.reason}" for r in self.refusals)
        more = self.refused - len(self.refusals)
        tail = f" (and {more} more refused rows)" if more else ""
        message = f"{self.refused} rows refused, nothing recorded: {shown}{tail}"
        return row_error(first.error, message, first.cause)


class _Batch:
    """One batch's columns, filled row by row."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.posts: dict[str, int] = {}
        self.campaign_ids: list[str | None] = []
        self.post_index: list[int] = []
        self.times: dict[str, int] = {}
        self.time_index: list[int] = []
        self.counts: list[Counts] = []
        self.extra: dict[str, list[int | str | None]] = {}
        self.lowered: list[str] = []

    def add(self, planned: _Planned) -> None:
        row, post_id, campaign_id, observed_at, counts, extra, lowered = planned
        at = len(self.rows)
        self.rows.append(row)
        post = self.posts.get(post_id)
        if post is None:
            post = self.posts[post_id] = len(self.posts)
            self.campaign_ids.append(campaign_id)
        self.post_index.append(post)
        time = self.times.get(observed_at)
        if time is None:
            time = self.times[observed_at] = len(self.times)
        self.time_index.append(time)
        self.counts.append(counts)
        if extra or self.extra:
            for metric in extra:
                if metric not in self.extra:
                    self.extra[metric] = [None] * at
            for metric, own in self.extra.items():
                value = extra.get(metric)
                own.append(str(value) if isinstance(value, Decimal) else value)
        self.lowered.append(",".join(lowered))

    def __len__(self) -> int:
        return len(self.rows)

    def columns(self) -> _Columns:
        """The batch's columns, as :class:`RecordImportBatch` takes them after its import's
        id."""
        # A count column holding only its default (0; None for followers gained) is left
        # out: a snapshot without that count is the same snapshot.
        counts = {
            name: column
            for name, column, default in zip(
                COMMON_COUNTS, zip(*self.counts, strict=True), _NO_COUNTS, strict=True
            )
            if column.count(default) != len(column)
        }
        return (
            tuple(self.rows),
            tuple(self.posts),
            tuple(self.campaign_ids),
            tuple(self.post_index),
            tuple(self.times),
            tuple(self.time_index),
            counts,
            {name: tuple(column) for name, column in self.extra.items()},
            tuple(self.lowered) if any(self.lowered) else (),  # empty: no correction
        )

    def command(self, import_id: UUID) -> RecordImportBatch:
        return RecordImportBatch(import_id, *self.columns())


_Columns = tuple[
    tuple[int, ...],
    tuple[str, ...],
    tuple[str | None, ...],
    tuple[int, ...],
    tuple[str, ...],
    tuple[int, ...],
    dict[str, tuple[int | None, ...]],
    dict[str, tuple[int | str | None, ...]],
    tuple[str, ...],
]
"""A batch's columns (:meth:`_Batch.columns`): what the check spills to disk, one pickle
per batch."""


@attrs.frozen
class _Spilled:
    rows: int
    corrected: int
    batches: int


def _spill(planned: Iterable[_Planned], spill: IO[bytes], batch_rows: int) -> _Spilled:
    """Gather the planned rows into batches of ``batch_rows`` and write each batch's columns
    to ``spill`` (a pickle each: a few flat tuples, quick to write and read back), so the
    check holds no more than one batch in memory."""
    rows = corrected = batches = filled = 0
    batch = _Batch()
    add = batch.add
    dump, protocol = pickle.dump, pickle.HIGHEST_PROTOCOL
    for row in planned:
        add(row)
        if row[-1]:
            corrected += 1
        filled += 1
        if filled == batch_rows:
            dump(batch.columns(), spill, protocol=protocol)
            rows, batches, filled, batch = rows + filled, batches + 1, 0, _Batch()
            add = batch.add
    if filled:
        dump(batch.columns(), spill, protocol=protocol)
        rows, batches = rows + len(batch), batches + 1
    return _Spilled(rows, corrected, batches)


# --- the bulk import -----------------------------------------------------------------------


class BulkImporter:
    """Checks and records a streamed CSV export (see the module's docstring)."""

    def __init__(self, bus: CommandBus, time_tolerance: Any) -> None:
        self.bus = bus
        self.tolerance = time_tolerance

    def run(
        self,
        actor: Actor | None,
        export: StreamedExport,
        *,
        file: str,
        options: str,
        matched_only: bool,
        batch_rows: int = BATCH_ROWS,
    ) -> BulkImportReport:
        """Check ``export`` then, with an ``actor``, record it (None: check only)."""
        if actor is not None:
            authorize_import(actor)
        if not 0 < batch_rows <= BATCH_ROWS:
            raise ImportFileError(f"a batch holds 1 to {BATCH_ROWS} rows, not {batch_rows}")
        app = self.bus.app
        digest = export.digest()
        import_id = MetricImport.id_for(digest, options)
        earlier = self._earlier(import_id)
        platform = export.platform
        after = 0 if earlier is None else max(earlier.next_row - 1, 0)
        if earlier is not None and earlier.finished:
            return BulkImportReport(
                file, digest, import_id, platform.value, 0, 0, 0, 0, 0, 0, after, actor is not None
            )
        index, latest = self._posts(platform)
        now = app.clock.now()
        margin = self.bus.deps.metrics_future_margin
        check = _Planner(platform, index, latest, now, margin, matched_only)
        with tempfile.TemporaryFile(prefix="libops-bulk-") as spill:
            planned = _spill(check.plan(export.values(after)), spill, batch_rows)
            refusal = check.refusal(file)
            if refusal is not None:
                raise refusal
            if actor is None or (planned.rows == 0 and earlier is None):  # nothing to record
                return BulkImportReport(
                    file,
                    digest,
                    import_id,
                    platform.value,
                    check.checked,
                    planned.rows - planned.corrected,
                    planned.corrected,
                    check.unchanged,
                    check.skipped,
                    0,
                    after,
                    done=actor is not None,
                )
            if earlier is None:
                self.bus.execute(
                    actor, StartBulkImport(file, digest, platform.value, check.checked, options)
                )
            spill.seek(0)
            for _ in range(planned.batches):
                columns: _Columns = pickle.load(spill)
                self.bus.execute(actor, RecordImportBatch(import_id, *columns))
        self.bus.execute(actor, FinishBulkImport(import_id, check.unchanged))
        return BulkImportReport(
            file,
            digest,
            import_id,
            platform.value,
            check.checked,
            planned.rows - planned.corrected,
            planned.corrected,
            check.unchanged,
            check.skipped,
            planned.batches,
            after,
        )

    def _earlier(self, import_id: UUID) -> MetricImport | None:
        try:
            return self.bus.app.load(MetricImport, import_id)
        except UnknownIdError:
            return None

    def _posts(self, platform: Platform) -> tuple[PostIndex, dict[str, _Latest]]:
        """The platform's published posts, and the latest snapshot of each, its own or a
        bulk import's (:func:`latest_snapshot`)."""
        app, deps = self.bus.app, self.bus.deps
        bulk = BulkSnapshots(app, platform)
        own = _own_history(app)
        mark = own.mark(app)
        ids = dict.fromkeys(n.originator_id for n in app.notifications(Post.Published.TOPIC))
        known = published_posts(app)
        posts = []
        latest: dict[str, _Latest] = {}
        loaded: list[Post] = []
        for post_id in ids:
            post = get_post(app, deps, post_id)
            published = published_post(post, platform)
            if published is None:
                continue
            loaded.append(post)
            known.add((published.key, platform.value, published.campaign))
            posts.append(published)
            snapshot = bulk.latest(post)
            if snapshot is not None:
                latest[str(post.id)] = _latest(snapshot)
        # Seeded now, so the batches' checks need not load these posts again.
        own.seed(app, loaded, mark)
        return PostIndex(posts, self.tolerance), latest


def options_key(
    platform: Platform | str | None, mapping: str | Path | None, timezone: str, matched_only: bool
) -> str:
    """What, besides the file, decides how its rows are read (part of the import's id)."""
    mapped = ""
    if mapping is not None:
        import hashlib

        try:
            mapped = hashlib.sha256(Path(mapping).read_bytes()).hexdigest()
        except OSError as error:
            raise ImportFileError(f"{mapping}: cannot be read ({error.strerror})") from None
    name = "" if platform is None else str(getattr(platform, "value", platform))
    return f"platform={name}\nmapping={mapped}\ntimezone={timezone}\nmatched_only={matched_only}"


__all__ = [
    "REFUSALS_SHOWN",
    "BulkImportReport",
    "BulkImporter",
    "BulkSnapshots",
    "FinishBulkImport",
    "PostIndex",
    "PublishedPost",
    "RecordImportBatch",
    "StartBulkImport",
    "StreamedExport",
    "bulk_snapshots",
    "later_snapshot",
    "latest_snapshot",
    "published_post",
    "row_error",
    "stale_from_bulk",
]

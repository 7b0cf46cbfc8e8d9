"""A bulk import of metric snapshots: one file's rows recorded as a few columnar batches.

The ordinary import path records each row as its own ``Post.MetricsRecorded`` event on the
post. A file of hundreds of thousands of daily snapshots goes through :class:`MetricImport`
instead (``libops import --bulk``, docs/import.md): one aggregate per file contents (its id
follows from the file's SHA-256 digest and the import's options), which records

- ``MetricImport.Started``: the file's name, digest, platform and how many rows it holds;
- ``MetricImport.BatchRecorded``: up to :data:`BATCH_ROWS` snapshots in columns (each
  row's number in the file, the post it matched, the post's campaign, the observation time,
  the counts and own metrics, and for a correction the counts it lowered);
- ``MetricImport.Finished``: how many snapshots were recorded, corrected and unchanged.

Each batch is one row of the event store, so a file costs one stored event per
:data:`BATCH_ROWS` snapshots. Projections read a batch as the ``Post.MetricsRecorded`` and
``Post.MetricsCorrected`` events its rows stand for (:meth:`MetricImport.BatchRecorded.
snapshot_events`), so views and reports are the same whichever path recorded the data.

Batches are recorded in row order; ``next_row`` says where the next one starts, so an
import cut short (a crash, the store gone) is finished by running it again on the same
file: acknowledged batches are kept and nothing is recorded twice.

Events carry plain values (ids and times as text, counts as whole numbers), so no new stored
type name.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise, repeat
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    BatchTimeOrderError,
    BulkBatchValueError,
    BulkImportError,
    DuplicateBatchPostError,
    FutureMetricsError,
    InvalidValueError,
    LibopsError,
    LoweredMismatchError,
    StaleBatchRowError,
    UnknownLoweredCountError,
)
from libops.domain.permissions import authorize
from libops.domain.platforms import MetricKind, profile_of
from libops.domain.post import DEFAULT_FUTURE_MARGIN, Post, future_margin
from libops.domain.values import (
    COMMON_COUNTS,
    COUNT_MAX,
    ITEMS_MAX,
    Actor,
    MetricSnapshot,
    Platform,
    require_count,
    resume_limits,
    suspend_limits,
    to_platform,
    utc_moment,
)

BULK_NAMESPACE: Final = uuid5(NAMESPACE_URL, "https://libops.invalid/metric-import")

BATCH_ROWS: Final = 5_000
"""The most snapshots one ``MetricImport.BatchRecorded`` event holds."""

_DIGEST_LENGTH: Final = 64


class MetricImport(Aggregate):
    """One file's metric snapshots, recorded in columnar batches (``libops import --bulk``)."""

    TOPIC = "libops:MetricImport"

    class Event(events.Event):
        """An event of a bulk metric import."""

        TOPIC = "libops:MetricImport.Event"

    class Started(events.Created):
        """A file's bulk import began: its name, SHA-256 digest, platform and row count."""

        TOPIC = "libops:MetricImport.Started"
        actor_id: str
        file: str
        digest: str
        platform: str
        rows: int

    class BatchRecorded(Event):
        """Up to :data:`BATCH_ROWS` snapshots of the file, in columns (one entry per row).

        ``rows``: the rows' numbers in the file. ``posts`` lists the batch's posts (ids as
        text) with ``campaign_ids`` (each post's campaign, None: none), and ``post_index``
        gives each row's post as a position in ``posts``; ``times`` lists the batch's
        observation times (ISO, UTC) and ``time_index`` gives each row's. ``counts``: the
        column of each common count (a count left out is 0, followers gained None, for
        every row); ``extra``: each own metric's column (whole numbers, or decimals as text;
        None where the row has none); ``lowered``: the counts a row lowered,
        comma-separated (empty: not a correction; an empty column: no row is one).
        """

        TOPIC = "libops:MetricImport.BatchRecorded"
        actor_id: str
        platform: str
        rows: tuple[int, ...]
        posts: tuple[str, ...]
        campaign_ids: tuple[str | None, ...]
        post_index: tuple[int, ...]
        times: tuple[str, ...]
        time_index: tuple[int, ...]
        counts: dict[str, tuple[int | None, ...]]
        extra: dict[str, tuple[int | str | None, ...]]
        lowered: tuple[str, ...]

        def snapshots(self) -> Iterator[tuple[UUID, UUID | None, MetricSnapshot, tuple[str, ...]]]:
            """Each row as (post id, campaign id, snapshot, lowered counts)."""
            return self._rows(range(len(self.rows)))

        def latest_snapshots(
            self,
        ) -> Iterator[tuple[UUID, UUID | None, MetricSnapshot, tuple[str, ...]]]:
            """Like :meth:`snapshots`, only each post's last row in the batch (its latest
            snapshot: a post's rows are in time order)."""
            last = {post: index for index, post in enumerate(self.post_index)}
            return self._rows(sorted(last.values()))

        def _rows(
            self, indexes: Iterable[int]
        ) -> Iterator[tuple[UUID, UUID | None, MetricSnapshot, tuple[str, ...]]]:
            platform = to_platform(self.platform)
            posts = [UUID(post) for post in self.posts]
            campaigns = [None if c is None else UUID(c) for c in self.campaign_ids]
            times = [datetime.fromisoformat(at) for at in self.times]
            names = [name for name in COMMON_COUNTS if name in self.counts]
            columns = [self.counts[name] for name in names]
            own = list(self.extra.items())
            for index in indexes:
                post = self.post_index[index]
                extra = {
                    metric: Decimal(value) if isinstance(value, str) else value
                    for metric, column in own
                    if (value := column[index]) is not None
                }
                counts: dict[str, Any] = {
                    name: column[index] for name, column in zip(names, columns, strict=True)
                }
                # Rebuilt as it was recorded, as stored events are (a limit or a profile
                # changed since, say an own metric dropped, does not make it unreadable);
                # not across the ``yield``: the caller's own values stay checked.
                token = suspend_limits()
                try:
                    snapshot = MetricSnapshot(
                        platform, times[self.time_index[index]], **counts, extra=extra or None
                    )
                finally:
                    resume_limits(token)
                lowered = self.lowered[index] if self.lowered else ""
                yield (
                    posts[post],
                    campaigns[post],
                    snapshot,
                    tuple(lowered.split(",")) if lowered else (),
                )

        def snapshot_events(self) -> Iterator[Post.MetricsRecorded | Post.MetricsCorrected]:
            """The ``Post.MetricsRecorded`` (or, where counts went down,
            ``Post.MetricsCorrected``) event each row stands for, stamped with the batch's
            time: what projections apply, as they apply the single path's events."""
            for post_id, campaign_id, snapshot, lowered in self.snapshots():
                if lowered:
                    yield Post.MetricsCorrected(
                        originator_id=post_id,
                        originator_version=0,
                        timestamp=self.timestamp,
                        actor_id=self.actor_id,  # type: ignore[call-arg]
                        campaign_id=campaign_id,
                        snapshot=snapshot,
                        lowered=lowered,
                    )
                else:
                    yield Post.MetricsRecorded(
                        originator_id=post_id,
                        originator_version=0,
                        timestamp=self.timestamp,
                        actor_id=self.actor_id,  # type: ignore[call-arg]
                        campaign_id=campaign_id,
                        snapshot=snapshot,
                    )

    class Finished(Event):
        """Every row of the file was recorded: how many snapshots were recorded, corrected
        (counts went down) and unchanged (the same counts as recorded before: nothing)."""

        TOPIC = "libops:MetricImport.Finished"
        actor_id: str
        recorded: int
        corrected: int
        unchanged: int

    @staticmethod
    def id_for(digest: str, options: str = "") -> UUID:
        """The id of the bulk import of the file with SHA-256 ``digest`` under ``options``
        (the platform, mapping and timezone it was read with): the same in every store."""
        return uuid5(BULK_NAMESPACE, f"{digest}\n{options}")

    @classmethod
    def start(
        cls,
        actor: Actor,
        *,
        file: str,
        digest: str,
        platform: Platform | str,
        rows: int,
        options: str = "",
    ) -> MetricImport:
        """Begin the bulk import of ``file`` (``rows`` data rows, SHA-256 ``digest``)."""
        authorize(actor, "import.apply")
        if (
            not isinstance(digest, str)
            or len(digest) != _DIGEST_LENGTH
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            raise InvalidValueError(f"a file digest is 64 lowercase hex digits, not {digest!r}")
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise InvalidValueError(f"a file's row count is a whole number, not {rows!r}")
        if not isinstance(file, str) or not file.strip():
            raise InvalidValueError("a bulk import names its file")
        return cls._create(
            cls.Started,
            id=cls.id_for(digest, options),
            actor_id=actor.id,
            file=file,
            digest=digest,
            platform=to_platform(platform).value,
            rows=rows,
        )

    @event(Started)
    def __init__(self, actor_id: str, file: str, digest: str, platform: str, rows: int) -> None:
        self.file = file
        self.digest = digest
        self.platform = to_platform(platform)
        self.rows = rows
        self.next_row = 0
        """The file row after the last one recorded (0: none yet)."""
        self.recorded = 0
        self.corrected = 0
        self.finished = False

    def record_batch(
        self,
        actor: Actor,
        *,
        rows: Sequence[int],
        posts: Sequence[str],
        campaign_ids: Sequence[str | None],
        post_index: Sequence[int],
        times: Sequence[str],
        time_index: Sequence[int],
        counts: Mapping[str, Sequence[int | None]],
        extra: Mapping[str, Sequence[int | str | None]],
        lowered: Sequence[str],
        now: datetime | None = None,
        margin: timedelta = DEFAULT_FUTURE_MARGIN,
    ) -> None:
        """Record one batch of snapshots (rows after those already recorded, in order).

        Every row must be a snapshot ``Post.record_metrics`` would take (see
        :func:`check_batch_values`; ``now`` and ``margin`` as there), so that what the
        projections decode from the batch never fails."""
        authorize(actor, "import.apply")
        if self.finished:
            raise BulkImportError(f"the bulk import of {self.file} is finished")
        size = len(rows)
        if not 0 < size <= BATCH_ROWS:
            raise BulkImportError(f"a batch holds 1 to {BATCH_ROWS} rows, not {size}")
        columns = [post_index, time_index, *counts.values(), *extra.values()]
        if (
            any(len(column) != size for column in columns)
            or len(campaign_ids) != len(posts)
            or len(lowered) not in (0, size)
        ):
            raise BulkImportError("every column of a batch has one entry per row")
        for name, column in (
            ("rows", rows),
            ("post_index", post_index),
            ("time_index", time_index),
        ):
            if any(type(value) is not int for value in column):
                raise BulkBatchValueError(f"{name} holds whole numbers only", name)
        if min(post_index) < 0 or max(post_index) >= len(posts):
            raise BulkImportError("a row's post index is outside the batch's posts")
        if min(time_index) < 0 or max(time_index) >= len(times):
            raise BulkImportError("a row's time index is outside the batch's times")
        unknown = sorted(set(counts) - set(COMMON_COUNTS))
        if unknown:
            raise BulkImportError(f"{', '.join(unknown)} is not a count")
        if rows[0] < self.next_row or any(b <= a for a, b in pairwise(rows)):
            raise BulkImportError(
                f"a batch's rows follow those recorded (after row {self.next_row - 1}), in order"
            )
        check_batch_values(
            self.platform,
            rows=rows,
            posts=posts,
            campaign_ids=campaign_ids,
            post_index=post_index,
            times=times,
            time_index=time_index,
            counts=counts,
            extra=extra,
            lowered=lowered,
            now=now,
            margin=margin,
        )
        self._record_batch(
            actor_id=actor.id,
            platform=self.platform.value,
            rows=tuple(rows),
            posts=tuple(posts),
            campaign_ids=tuple(campaign_ids),
            post_index=tuple(post_index),
            times=tuple(times),
            time_index=tuple(time_index),
            counts={name: tuple(column) for name, column in counts.items()},
            extra={name: tuple(column) for name, column in extra.items()},
            lowered=tuple(lowered),
        )

    @event(BatchRecorded)
    def _record_batch(
        self,
        actor_id: str,
        platform: str,
        rows: Sequence[int],
        posts: Sequence[str],
        campaign_ids: Sequence[str | None],
        post_index: Sequence[int],
        times: Sequence[str],
        time_index: Sequence[int],
        counts: Mapping[str, Sequence[int | None]],
        extra: Mapping[str, Sequence[int | str | None]],
        lowered: Sequence[str],
    ) -> None:
        self.next_row = rows[-1] + 1
        corrected = sum(1 for names in lowered if names)
        self.corrected += corrected
        self.recorded += len(rows) - corrected

    def finish(self, actor: Actor, *, unchanged: int) -> None:
        """Mark every row recorded (``unchanged``: rows whose counts were recorded before)."""
        authorize(actor, "import.apply")
        if self.finished:
            return
        if not isinstance(unchanged, int) or isinstance(unchanged, bool) or unchanged < 0:
            raise InvalidValueError(f"unchanged rows are a whole number, not {unchanged!r}")
        self._finish(
            actor_id=actor.id,
            recorded=self.recorded,
            corrected=self.corrected,
            unchanged=unchanged,
        )

    @event(Finished)
    def _finish(self, actor_id: str, recorded: int, corrected: int, unchanged: int) -> None:
        self.finished = True


def batch_posts(
    posts: Sequence[object], campaign_ids: Sequence[object]
) -> list[tuple[str, str | None]]:
    """A batch's posts with their campaigns, each post once: ids and campaign ids as text
    (a campaign may be None)."""
    if len(posts) != len(campaign_ids):
        raise BulkImportError("a batch gives each of its posts one campaign id (or null)")
    seen: dict[object, int] = {}
    for at, (post, campaign) in enumerate(zip(posts, campaign_ids, strict=True)):
        if not isinstance(post, str):
            raise BulkBatchValueError(f"posts[{at}] is a post id as text, not {post!r}", "posts")
        if campaign is not None and not isinstance(campaign, str):
            raise BulkBatchValueError(
                f"campaign_ids[{at}] is a campaign id as text or null, not {campaign!r}",
                "campaign_ids",
            )
        key = _post_key(post)
        if key in seen:
            raise DuplicateBatchPostError(
                f"a batch names post {post} twice (posts[{seen[key]}] and posts[{at}]): "
                "list each post once, its rows point at it",
                "posts",
            )
        seen[key] = at
    return list(zip(posts, campaign_ids, strict=True))  # type: ignore[arg-type]


def _post_key(post: str) -> str:
    """A post id as text, the one way (``ID`` and ``id.upper()`` are the same post); text
    that is no id is kept as it is (the handler says it is not a post)."""
    try:
        return str(UUID(post))
    except ValueError:
        return post


def check_batch_order(
    *,
    rows: Sequence[int],
    posts: Sequence[str],
    post_index: Sequence[int],
    times: Sequence[str],
    time_index: Sequence[int],
    counts: Mapping[str, Sequence[int | None]],
    lowered: Sequence[str],
    latest: Mapping[str, MetricSnapshot],
) -> None:
    """Check a batch (its values checked by :func:`check_batch_values`) against each
    post's history, as ``Post.record_metrics`` checks one snapshot: walking each post's
    rows from its latest recorded snapshot (``latest``, by post id as ``str(UUID)``: the
    post's own or a bulk import's, the application gives it), the times rise (a row older
    than the recorded latest raises :class:`~libops.domain.errors.StaleBatchRowError`, one
    not after the post's previous row in the batch
    :class:`~libops.domain.errors.BatchTimeOrderError`), and each row's ``lowered`` names
    exactly the counts it lowers against the snapshot before it
    (:class:`~libops.domain.errors.LoweredMismatchError`). Each error names the row."""
    moments = [datetime.fromisoformat(text) for text in times]
    size = len(rows)
    # Each row's counts in COMMON_COUNTS order, laid out by C calls (a column left out is
    # its default for every row: 0, None for followers gained).
    row_counts = zip(
        *(
            counts.get(name) or repeat(None if name == "followers_gained" else 0, size)
            for name in COMMON_COUNTS
        ),
        strict=False,
    )
    keys = [_post_key(post) for post in posts]
    previous: dict[int, tuple[datetime, tuple[int | None, ...], int | None]] = {}
    sub = operator.sub
    for at, now in enumerate(row_counts):
        row = rows[at]
        post = post_index[at]
        moment = moments[time_index[at]]
        before = previous.get(post)
        if before is None and keys[post] in latest:
            snapshot = latest[keys[post]]
            before = (
                snapshot.observed_at,
                tuple(getattr(snapshot, name) for name in COMMON_COUNTS),
                None,
            )
        given = lowered[at] if lowered else ""
        if before is not None:
            was_at, was, was_row = before
            if moment <= was_at and (was_row is not None or moment < was_at):
                _out_of_order(row, posts[post], moment, was_at, was_row)
            gained, was_gained = now[_GAINED], was[_GAINED]
            # The six common counts are whole numbers; followers gained may be None.
            if (
                given
                or min(map(sub, now[:_GAINED], was[:_GAINED])) < 0
                or (gained is not None and was_gained is not None and gained < was_gained)
            ):
                _lowered_as_said(row, posts[post], given, now, was)
        elif given:
            _lowered_as_said(row, posts[post], given, now, now)
        previous[post] = (moment, now, row)


_GAINED: Final = COMMON_COUNTS.index("followers_gained")


def _out_of_order(
    row: int, post: str, moment: datetime, was_at: datetime, was_row: int | None
) -> None:
    if was_row is None:
        raise StaleBatchRowError(
            f"row {row}: post {post} observed at {moment.isoformat()}, before its latest "
            f"snapshot ({was_at.isoformat()})",
            "times",
        )
    raise BatchTimeOrderError(
        f"row {row}: post {post} observed at {moment.isoformat()}, "
        + (
            f"the same time as row {was_row}"
            if moment == was_at
            else f"before row {was_row} ({was_at.isoformat()})"
        )
        + ": a post's rows rise in time",
        "times",
    )


def _lowered_as_said(
    row: int, post: str, given: str, now: tuple[int | None, ...], was: tuple[int | None, ...]
) -> None:
    """Raises unless ``given`` names exactly the counts ``now`` lowers against ``was``."""
    implied = {
        name
        for name, count, was_count in zip(COMMON_COUNTS, now, was, strict=True)
        if count is not None and was_count is not None and count < was_count
    }
    named = set(given.split(",")) if given else set()
    if named != implied:
        said = ", ".join(sorted(implied)) or "nothing"
        raise LoweredMismatchError(
            f"row {row}: post {post}'s counts lower {said} against its previous snapshot, "
            f"but lowered is {given!r}: a lower count is a correction, named",
            "lowered",
        )


def _whole(column: Sequence[object], optional: bool) -> bool:
    """Whether every entry of ``column`` is a count (None too, if ``optional``): the quick
    test of a whole column; a column failing it is searched for its first bad entry."""
    values = [v for v in column if v is not None] if optional else column
    return (
        all(type(value) is int for value in values)
        and (not values or (min(values) >= 0 and max(values) <= COUNT_MAX))  # type: ignore[type-var,operator]
    )


def check_batch_values(
    platform: Platform | str,
    *,
    rows: Sequence[int],
    posts: Sequence[str],
    campaign_ids: Sequence[str | None],
    post_index: Sequence[int],
    times: Sequence[str],
    time_index: Sequence[int],
    counts: Mapping[str, Sequence[int | None]],
    extra: Mapping[str, Sequence[int | str | None]],
    lowered: Sequence[str],
    now: datetime | None = None,
    margin: timedelta = DEFAULT_FUTURE_MARGIN,
) -> None:
    """Check that every row of a batch of the right shape is a snapshot
    ``Post.record_metrics`` takes, in one pass over the columns, by the rules
    :class:`~libops.domain.values.MetricSnapshot` applies: each count whole, from 0 to
    :data:`~libops.domain.values.COUNT_MAX` (followers gained may be None), each time an
    ISO 8601 moment with its offset, in the years libops accepts and (with ``now``) not more
    than ``margin`` after it; own metrics (a row that has any is built as a
    ``MetricSnapshot``) those the platform reports, decimals as decimal text; each post
    listed once; ``lowered`` naming counts only. A bad value raises
    :class:`~libops.domain.errors.BulkBatchValueError` (a subclass for a post named twice
    or a lowered name that is not a count; ``FutureMetricsError`` for a future time)
    naming the row (its number in the file) and the field."""
    platform = to_platform(platform)
    batch_posts(posts, campaign_ids)
    limit = None
    if now is not None:
        now = utc_moment("now", now)
        margin = future_margin(margin)
        limit = now + margin
    moments = []
    for at, text in enumerate(times):
        try:
            if not isinstance(text, str):
                raise InvalidValueError(f"not {text!r}")
            moment = utc_moment("observed_at", datetime.fromisoformat(text))
        except (ValueError, LibopsError) as error:
            raise BulkBatchValueError(
                f"times[{at}] is {text!r}, not an ISO 8601 moment with its offset ({error})",
                "times",
            ) from None
        if limit is not None and moment > limit:
            raise FutureMetricsError(
                f"times[{at}] ({text}) is more than {margin} ahead of the clock "
                f"({now.isoformat() if now else ''}): check the date"
            )
        moments.append(moment)
    for name, column in counts.items():
        optional = name == "followers_gained"
        if _whole(column, optional):
            continue
        for at, count in enumerate(column):
            if count is None and optional:
                continue
            try:
                require_count(name, count)
            except LibopsError as error:
                raise BulkBatchValueError(f"row {rows[at]}: {error}", name) from None
    if extra:
        if len(extra) > ITEMS_MAX:  # a row could hold too many: each row as a snapshot
            _check_extra_rows(platform, rows, moments, time_index, extra)
        else:
            _check_extra_columns(platform, rows, extra)
    for at, names in enumerate(lowered):
        if not isinstance(names, str):
            raise UnknownLoweredCountError(
                f"row {rows[at]}: lowered is the lowered counts' names as text, not {names!r}",
                "lowered",
            )
        if not names:
            continue
        named = names.split(",")
        unknown = [name for name in named if name not in COMMON_COUNTS]
        if unknown or len(set(named)) != len(named):
            raise UnknownLoweredCountError(
                f"row {rows[at]}: lowered names {names!r}: "
                + (
                    f"{', '.join(unknown)} is not a count ({', '.join(COMMON_COUNTS)})"
                    if unknown
                    else "a count twice"
                ),
                "lowered",
            )


def _decimal(row: int, metric: str, given: object) -> object:
    """An own metric's cell as the snapshot takes it (decimal text as a Decimal)."""
    if not isinstance(given, str):
        return given
    try:
        return Decimal(given)
    except InvalidOperation:
        raise BulkBatchValueError(
            f"row {row}: {metric} is {given!r}, not a decimal number", f"extra.{metric}"
        ) from None


def _check_extra_columns(
    platform: Platform, rows: Sequence[int], extra: Mapping[str, Sequence[int | str | None]]
) -> None:
    """Each own-metric column checked as ``MetricSnapshot`` checks its cells: the metric
    looked up once by name (one the platform reports), then each value by its kind (what
    :meth:`~libops.domain.platforms.OwnMetric.check` accepts), a whole count column at
    once; no snapshot built per row."""
    profile = profile_of(platform)
    for metric_id, column in extra.items():
        first = next((at for at, value in enumerate(column) if value is not None), None)
        if first is None:
            continue  # no row carries it
        try:
            metric = profile.metric(metric_id)
        except LibopsError as error:
            raise BulkBatchValueError(f"row {rows[first]}: {error}", "extra") from None
        if metric.kind is MetricKind.COUNT and _whole(column, optional=True):
            continue
        check = metric.check
        for at, given in enumerate(column):
            if given is None:
                continue
            value = _decimal(rows[at], metric_id, given)
            try:
                check(profile.id, value)
            except LibopsError as error:
                raise BulkBatchValueError(f"row {rows[at]}: {error}", "extra") from None


def _check_extra_rows(
    platform: Platform,
    rows: Sequence[int],
    moments: Sequence[datetime],
    time_index: Sequence[int],
    extra: Mapping[str, Sequence[int | str | None]],
) -> None:
    """Each row's own metrics checked by building its ``MetricSnapshot`` (the rare batch
    with more own-metric columns than a snapshot holds items)."""
    own = list(extra.items())
    for at in range(len(rows)):
        values: dict[str, Any] = {}
        for metric, own_column in own:
            given = own_column[at]
            if given is not None:
                values[metric] = _decimal(rows[at], metric, given)
        if values:
            try:
                MetricSnapshot(platform, moments[time_index[at]], extra=values)
            except LibopsError as error:
                raise BulkBatchValueError(f"row {rows[at]}: {error}", "extra") from None


__all__ = [
    "BATCH_ROWS",
    "BulkImportError",
    "MetricImport",
    "batch_posts",
    "check_batch_order",
    "check_batch_values",
]

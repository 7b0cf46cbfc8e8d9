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

The checks a batch goes through before it is recorded are in :mod:`libops.domain.bulk_checks`
(importable from here too).

Events carry plain values (ids and times as text, counts as whole numbers), so no new stored
type name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.bulk_checks import batch_posts, check_batch_order, check_batch_values
from libops.domain.errors import (
    BulkBatchValueError,
    BulkImportError,
    InvalidValueError,
)
from libops.domain.permissions import authorize
from libops.domain.post import DEFAULT_FUTURE_MARGIN, Post
from libops.domain.values import (
    COMMON_COUNTS,
    Actor,
    MetricSnapshot,
    Platform,
    resume_limits,
    suspend_limits,
    to_platform,
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


__all__ = [
    "BATCH_ROWS",
    "BulkImportError",
    "MetricImport",
    "batch_posts",
    "check_batch_order",
    "check_batch_values",
]

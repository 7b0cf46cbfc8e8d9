"""The bulk import's check: what each row of a file records, and the file's refusal.

:class:`_Planner` walks a file's rows against what is recorded and says what each records
(or why the file is refused: :func:`row_error`); :func:`_spill` gathers the rows to record
into batches' columns on disk (:class:`_Batch`), so the check holds one batch in memory.
"""

from __future__ import annotations

import operator
import pickle
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import IO, Any, Final

import attrs

from libops.application.bulk_rows import (
    _GAINED,
    _MATCH_CACHE,
    _NO_COUNTS,
    Counts,
    PostIndex,
    PublishedPost,
    RowIdentity,
    StreamedRow,
    _Latest,
    _lowered,
)
from libops.domain.errors import (
    AmbiguousImportMatchError,
    FutureMetricsError,
    ImportFileError,
    LibopsError,
    StaleMetricsError,
    UnmatchedImportRowError,
)
from libops.domain.values import (
    COMMON_COUNTS,
    COUNT_MAX,
    MetricSnapshot,
    Platform,
    require_count,
)

REFUSALS_SHOWN: Final = 10
"""How many refused rows a refusal's message lists (it says how many there are)."""


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

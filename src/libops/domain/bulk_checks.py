"""The checks a bulk import's batch goes through before :class:`~libops.domain.bulk.MetricImport`
records it: its posts listed once, each post's rows in time order, and every row a snapshot
``Post.record_metrics`` would take (counts, times, own metrics, lowered counts).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any, Final
from uuid import UUID

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
from libops.domain.platforms import MetricKind, profile_of
from libops.domain.post import DEFAULT_FUTURE_MARGIN, future_margin
from libops.domain.values import (
    COMMON_COUNTS,
    COUNT_MAX,
    ITEMS_MAX,
    MetricSnapshot,
    Platform,
    require_count,
    to_platform,
    utc_moment,
)


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


__all__ = ["batch_posts", "check_batch_order", "check_batch_values"]

"""Errors of analytics-export imports and bulk metric imports."""

from __future__ import annotations

from libops.domain.errors.core import InvalidValueError, RuleViolationError, StaleMetricsError


class ImportFileError(InvalidValueError):
    """An analytics export cannot be read: its layout is unknown, a column is missing, or a
    cell (named by row and column) holds what its column cannot hold. Nothing is recorded."""


class AmbiguousImportMatchError(RuleViolationError):
    """An export's row matches more than one post (same platform, title and time)."""


class FollowerFiguresError(InvalidValueError):
    """An account's daily follower figures do not add up (gained minus lost is not the net
    change), or are not figures at all."""


class BulkImportError(RuleViolationError):
    """A bulk import's batch does not follow the rules: rows out of order or already
    recorded, columns of different lengths, an unknown count, an import already finished."""


class UnmatchedImportRowError(RuleViolationError):
    """A bulk import's row matches no post: the bulk path records snapshots of posts libops
    knows (import the posts' totals without ``--bulk`` first, or skip such rows)."""


class BulkBatchValueError(BulkImportError, InvalidValueError):
    """A bulk import's batch holds a value a metric snapshot cannot hold: a count that is
    negative, not a whole number or over the limit, a time that is not an ISO 8601 moment
    with its offset, an own metric the platform does not report. The message names the row
    (its number in the file) and ``field`` the column; nothing is recorded."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class DuplicateBatchPostError(BulkBatchValueError):
    """A bulk import's batch names the same post twice in its ``posts`` (each post is
    listed once, with its campaign, and rows point at it)."""


class UnknownLoweredCountError(BulkBatchValueError):
    """A bulk import's batch says a row lowered something that is not one of the common
    counts (reads, views, likes, comments, shares, favourites, followers gained), or names
    a count twice."""


class BatchTimeOrderError(BulkBatchValueError):
    """A bulk import's batch gives one post's rows out of time order, or the same post and
    observation time twice: each post's snapshots rise in time, row after row."""


class StaleBatchRowError(BulkBatchValueError, StaleMetricsError):
    """A bulk import's batch holds a row observed before its post's latest snapshot (its
    own, or an earlier bulk import's), as ``Post.record_metrics`` refuses one."""


class LoweredMismatchError(BulkBatchValueError):
    """A bulk import's batch says a row lowered other counts than those its counts lower
    (against the post's previous snapshot): a lower count is a correction, said, never
    stored silently."""

"""What the bulk import path reads and how it matches a row to a post.

The protocols a streamed CSV export meets (:class:`StreamedExport`, its rows), the
published posts as matching sees them (:class:`PublishedPost`) and the index both import
paths match rows with (:class:`PostIndex`, docs/import.md, Matching).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, Protocol
from uuid import UUID

import attrs

from libops.domain.post import PlatformStatus, Post
from libops.domain.values import (
    COMMON_COUNTS,
    MetricSnapshot,
    Platform,
)

_MATCH_CACHE: Final = 100_000


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

"""The sameness check at review: is a draft saying what the account's recent posts said?

When a post is submitted for review (``post.submit_for_review``), its title and body are
compared with those of the account's recent posts: every other post, not retracted, with a
variant on one of the draft's platforms, published (or, if not published yet, drafted)
within :attr:`SamenessSettings.window` (365 days by default). Each post whose score
(:func:`libops.analysis.similarity.score`, 0 to 100) reaches
:attr:`SamenessSettings.threshold` (70 by default) becomes a review finding of kind
``similar_post``: ``where`` is ``post:<id>``, ``excerpt`` the score; at most
:attr:`SamenessSettings.limit` (3), the most similar first. A post's titles are *not*
recorded in the finding: they are sealed texts (:mod:`libops.application.drafts`) and would
leak in clear into the event; :meth:`PostService.similar <libops.application.posts.
PostService.similar>` names them when asked.

The texts compared come from :class:`RecentPostTexts`, an index kept **in memory only**, one
per opened libops: it reads the post events it has not seen yet from the event log (drafted,
revised, redacted, published, retracted), loads those posts with their texts opened and keeps
each one's comparable form. Nothing is written anywhere: post texts are sealed in the store
and must stay so in the views. A redacted revision's texts read ``[redacted]`` once its key is
destroyed and are left out of the comparison from the next check on; a new process starts
with an empty index and fills it at its first check (docs/sameness.md: how long that takes).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

import attrs
from eventsourcing.persistence import PersistenceError

from libops.analysis.similarity import (
    DEFAULT_LIMIT,
    DEFAULT_THRESHOLD,
    comparable,
    most_similar,
    threshold,
)
from libops.application.app import LibOpsApplication
from libops.application.dependencies import Dependencies
from libops.application.drafts import get_post
from libops.domain.drafts import REDACTED_TEXT
from libops.domain.errors import InvalidValueError
from libops.domain.post import Post
from libops.domain.values import Finding, FindingKind, Platform

DEFAULT_WINDOW: Final = timedelta(days=365)
"""How far back the posts a draft is compared with go: a year of posts."""

WHERE_PREFIX: Final = "post:"
"""A ``similar_post`` finding's ``where`` is this followed by the similar post's id."""

_TOPICS: Final = tuple(
    event.TOPIC
    for event in (Post.Drafted, Post.Revised, Post.Redacted, Post.Published, Post.Retracted)
)
_PAGE: Final = 500


def _window(value: object) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidValueError(f"the sameness window is a positive timedelta, not {value!r}")
    return value


def _limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
        raise InvalidValueError(
            f"the number of similar posts a finding names is 1 to 20, not {value!r}"
        )
    return value


@attrs.frozen
class SamenessSettings:
    """How the sameness check runs: its threshold, how far back and how many it names."""

    threshold: int = attrs.field(default=DEFAULT_THRESHOLD, converter=threshold)
    window: timedelta = attrs.field(default=DEFAULT_WINDOW, converter=_window)
    limit: int = attrs.field(default=DEFAULT_LIMIT, converter=_limit)


@attrs.frozen
class SimilarPost:
    """A recent post a draft is close to: its id, its title now and the score (0 to 100)."""

    post_id: UUID
    title: str
    score: int


@attrs.frozen
class _Entry:
    platforms: frozenset[Platform]
    at: datetime
    title: str
    text: str
    retracted: bool


def _entry(post: Post) -> _Entry:
    receipts = [r for r in (post.receipt(p) for p in post.platforms) if r is not None]
    at = min((r.published_at for r in receipts), default=post.created_on)
    return _Entry(
        platforms=frozenset(post.platforms),
        at=at,
        title=post.title,
        text=comparable(post_text(post)),
        retracted=post.withdrawn,
    )


def post_text(post: Post) -> str:
    """What of ``post`` the check compares: its title and body (not redacted ones)."""
    return "\n".join(t for t in (post.title, post.body) if t and t != REDACTED_TEXT)


class RecentPostTexts:
    """The comparable texts of the posts of one libops, kept up to date from its event log.

    In memory only (see the module's note); safe to use from several threads.
    """

    def __init__(self, settings: SamenessSettings | None = None) -> None:
        self.settings = settings or SamenessSettings()
        self._lock = threading.Lock()
        self._position = 0
        self._entries: dict[UUID, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def put(
        self,
        post_id: UUID,
        *,
        title: str,
        text: str,
        platforms: Iterable[Platform],
        at: datetime,
    ) -> None:
        """Hold one post's texts as if read from the log (for benchmarks and tests:
        :meth:`refresh` fills the index from the event log, and replaces what this put)."""
        entry = _Entry(frozenset(platforms), at, title, comparable(text), retracted=False)
        with self._lock:
            self._entries[post_id] = entry

    def refresh(self, app: LibOpsApplication, deps: Dependencies) -> int:
        """Read the post events recorded since the last refresh; returns the posts reloaded."""
        with self._lock:
            touched: dict[UUID, None] = {}
            while True:
                try:
                    batch = app.recorder.select_notifications(
                        self._position + 1, _PAGE, topics=_TOPICS
                    )
                except PersistenceError as error:
                    raise app.store_failure(error) from error
                for notification in batch:
                    touched[notification.originator_id] = None  # type: ignore[index]
                if batch:
                    self._position = batch[-1].id
                if len(batch) < _PAGE:
                    break
            for post_id in touched:
                self._entries[post_id] = _entry(get_post(app, deps, post_id))
            return len(touched)

    def similar(
        self, post_id: UUID, text: str, platforms: Iterable[Platform], now: datetime
    ) -> list[SimilarPost]:
        """The account's recent posts (other than ``post_id``) that ``text`` is close to."""
        settings = self.settings
        wanted = frozenset(platforms)
        since = now - settings.window
        with self._lock:
            candidates = {
                key: entry
                for key, entry in self._entries.items()
                if key != post_id
                and not entry.retracted
                and entry.text
                and entry.at >= since
                and entry.platforms & wanted
            }
        matches = most_similar(
            text,
            {key: entry.text for key, entry in candidates.items()},
            at_least=settings.threshold,
            limit=settings.limit,
        )
        return [SimilarPost(m.key, candidates[m.key].title, m.score) for m in matches]


_INDEXES: Final[weakref.WeakKeyDictionary[LibOpsApplication, RecentPostTexts]] = (
    weakref.WeakKeyDictionary()
)
_INDEXES_LOCK: Final = threading.Lock()


def recent_post_texts(app: LibOpsApplication) -> RecentPostTexts:
    """The index of recent post texts of the libops whose application is ``app``."""
    with _INDEXES_LOCK:
        index = _INDEXES.get(app)
        if index is None:
            index = _INDEXES[app] = RecentPostTexts()
        return index


def sameness_findings(
    app: LibOpsApplication, deps: Dependencies, post: Post, now: datetime
) -> tuple[Finding, ...]:
    """The ``similar_post`` findings of ``post`` (opened) against the account's recent posts."""
    index = recent_post_texts(app)
    index.refresh(app, deps)
    return tuple(
        Finding(FindingKind.SIMILAR_POST, f"{WHERE_PREFIX}{similar.post_id}", str(similar.score))
        for similar in index.similar(post.id, post_text(post), post.platforms, now)
    )


def similar_post_id(finding: Finding) -> UUID | None:
    """The id of the post a ``similar_post`` finding names (None for another kind)."""
    if finding.kind is not FindingKind.SIMILAR_POST or not finding.where.startswith(WHERE_PREFIX):
        return None
    return UUID(finding.where.removeprefix(WHERE_PREFIX))

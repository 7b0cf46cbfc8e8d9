"""Lists answered from the indexed listings, with opaque cursors (docs/queries.md).

``ops.posts.list(...)``, ``ops.posts.review_queue(...)`` and ``ops.campaigns.page(...)`` call
:class:`Queries`. Each list first catches its listing up with the log (cheap when nothing is
new: the listing's position and the log's last id, two reads), then reads one range of its
index in order and the rows of the page. Rows are plain dicts (JSON-ready: the HTTP API sends
them as they are); a :class:`Page` carries them with ``next_cursor``.

Cursors are keyset positions (the last row's order key and id), never offsets: rows written
between two pages do not shift the next one, so paging visits every row that was there at the
start exactly once. A cursor names the list it belongs to (filters and order) and carries a
checksum; one edited, malformed or given to another list is refused with
:class:`~libops.domain.errors.InvalidCursorError`. It is not a secret: a forged cursor can only
start a page elsewhere in the same list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import attrs

from libops.application.dependencies import Dependencies
from libops.application.drafts import DraftSeals, _split, _text, draft_seals
from libops.domain.budget import BudgetStatus
from libops.domain.campaign import CampaignStatus
from libops.domain.drafts import REDACTED_TEXT, draft_associated_data
from libops.domain.errors import DraftTamperedError, InvalidCursorError, QueryParameterError
from libops.domain.interaction.contest import ContestStatus
from libops.domain.permissions import authorize
from libops.domain.post import PostStatus
from libops.domain.values import Actor, Platform
from libops.projections.engine import ProjectionEngine
from libops.projections.listings import (
    ANSWERED_PREFIX,
    BUDGETS,
    CAMPAIGNS,
    CONTESTS,
    POSTS,
    PUBLISHED_PREFIX,
    PUBLISHING,
    QUESTIONS,
    ROW,
    WAITING_PREFIX,
    BudgetListing,
    CampaignListing,
    ContestListing,
    Listing,
    ListingStore,
    PostListing,
    PublishingListing,
    QuestionListing,
    line_bounds,
    stamp,
    tag_bounds,
    tag_of,
)
from libops.projections.ports import ProjectionStore

MIN_LIMIT: Final = 1
MAX_LIMIT: Final = 200
DEFAULT_LIMIT: Final = 20

POST_ORDERS: Final = ("-published_at", "published_at")
"""How posts can be ordered: by publish time, latest first (the default) or earliest first.
Posts not published yet come after the published ones (before them, earliest first), in
the order they were drafted."""

QUESTION_STATES: Final = ("waiting", "overdue", "escalated", "answered")
"""Which questions to list: waiting for an answer, waiting longer than the escalation time,
escalated and still waiting (each oldest asked first), or answered (latest answered first)."""

CAMPAIGN_ORDERS: Final = ("-start", "start")

BUDGET_ORDERS: Final = ("-start", "start")
"""How budgets can be ordered: by their period's first day, latest first (the default) or
earliest first."""

MAX_LINES: Final = 10_000
"""The most lines a budget's row carries (five categories by each campaign: far fewer)."""
"""How campaigns can be ordered: by their first day, latest first (the default) or earliest."""

_CURSOR_CHECK: Final = b"libops-list-cursor-v1"
_CHECK_BYTES: Final = 8


@attrs.frozen
class Page:
    """One page of a list: its rows (plain dicts) and the cursor of the next page.

    ``next_cursor`` is None on the last page. ``position`` is the notification id up to which
    the listing was complete when the page was read (how fresh it is).
    """

    items: tuple[dict[str, Any], ...]
    next_cursor: str | None
    position: int

    def as_json(self) -> dict[str, Any]:
        """The page as the HTTP API answers it."""
        return {"items": list(self.items), "next_cursor": self.next_cursor}


# --- checking parameters --------------------------------------------------------------------


def check_limit(value: object) -> int:
    """``value`` (a whole number, or its digits as text) as a page size (1 to 200), or
    :class:`QueryParameterError` naming ``limit``."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise QueryParameterError("limit", f"limit is a whole number, not {value!r}")
    if not MIN_LIMIT <= value <= MAX_LIMIT:
        raise QueryParameterError(
            "limit", f"limit is between {MIN_LIMIT} and {MAX_LIMIT}, not {value}"
        )
    return value


def _choice(field: str, value: object, known: tuple[str, ...]) -> str:
    text = value.value if hasattr(value, "value") and not isinstance(value, str) else value
    if not isinstance(text, str) or text not in known:
        raise QueryParameterError(field, f"{field} is one of {', '.join(known)}, not {value!r}")
    return text


def _optional_choice(field: str, value: object, known: tuple[str, ...]) -> str | None:
    return None if value is None else _choice(field, value, known)


def _campaign_id(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(UUID(value))
        except ValueError:
            pass
    raise QueryParameterError("campaign_id", f"campaign_id is a campaign's id, not {value!r}")


def check_moment(field: str, value: object) -> datetime | None:
    """``value`` (an aware datetime or ISO 8601 text with an offset) or None."""
    if value is None:
        return None
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise QueryParameterError(
                field, f"{field} is a time in ISO 8601 with an offset, not {value!r}"
            ) from None
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise QueryParameterError(
            field, f"{field} is a time with a timezone (such as ...T09:00:00+08:00), not {value!r}"
        )
    return moment


# --- cursors --------------------------------------------------------------------------------


def _check(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_CHECK_BYTES, key=_CURSOR_CHECK).digest()


def encode_cursor(listing: str, tag: str, order: str, key: str) -> str:
    """The opaque cursor of the page after the row whose index key is ``key``."""
    payload = json.dumps([listing, tag, order, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload + _check(payload)).decode("ascii").rstrip("=")


def decode_cursor(cursor: object, listing: str, tag: str, order: str) -> str:
    """The index key a cursor of this list (``listing``, ``tag``, ``order``) starts after."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > 1_000 or not cursor.isascii():
        raise InvalidCursorError(f"not a cursor: {cursor!r}")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise InvalidCursorError("the cursor is not one libops gave out (not base64)") from None
    payload, check = raw[:-_CHECK_BYTES], raw[-_CHECK_BYTES:]
    if len(raw) <= _CHECK_BYTES or check != _check(payload):
        raise InvalidCursorError("the cursor is not one libops gave out (it was changed)")
    try:
        found = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidCursorError("the cursor is not one libops gave out") from None
    if not (isinstance(found, list) and len(found) == 4 and all(isinstance(p, str) for p in found)):
        raise InvalidCursorError("the cursor is not one libops gave out")
    if found[:3] != [listing, tag, order]:
        raise InvalidCursorError(
            "the cursor belongs to another list: page on with the same filters and order"
        )
    low, high = tag_bounds(tag)
    if not low < found[3] < high:
        raise InvalidCursorError("the cursor is not one libops gave out")
    return str(found[3])


# --- the queries ----------------------------------------------------------------------------


class Queries:
    """The lists of one opened store (``ops.queries``): posts, the review queue, campaigns,
    readers' questions, budgets with their lines.

    It opens a connection to the store's views on first use (closed by :meth:`close`) and
    keeps each listing caught up with the log before answering from it.
    """

    def __init__(self, store: ProjectionStore, deps: Dependencies) -> None:
        self._store = store
        self._deps = deps
        self._lock = threading.Lock()
        self._views: ListingStore | None = None
        self._engines: dict[str, ProjectionEngine] = {}
        self._listings: dict[str, Listing] = {
            POSTS: PostListing(),
            CAMPAIGNS: CampaignListing(),
            QUESTIONS: QuestionListing(),
            BUDGETS: BudgetListing(),
            PUBLISHING: PublishingListing(),
            CONTESTS: ContestListing(),
        }

    def _open(self) -> ListingStore:
        if self._views is None:
            views = self._store.open_view_store()
            if not isinstance(views, ListingStore):
                views.close()
                raise TypeError(f"{type(views).__name__} cannot read keys in order (scan)")
            log = self._store.event_log()
            self._engines = {
                name: ProjectionEngine(log, [listing], views=views)
                for name, listing in self._listings.items()
            }
            self._views = views
        return self._views

    def catch_up(self, name: str) -> int:
        """Bring the listing ``name`` up to the end of the log; its position afterwards."""
        with self._lock:
            self._open()
            engine = self._engines[name]
            return engine.run()[name].position

    def rebuild(self, name: str) -> int:
        """Drop the listing ``name`` and build it again from the whole log; its position."""
        with self._lock:
            self._open()
            return self._engines[name].rebuild(name).position

    def close(self) -> None:
        """Release the connection to the views (opened again if used after)."""
        with self._lock:
            if self._views is not None:
                self._views.close()
                self._views = None
                self._engines = {}

    # --- posts ------------------------------------------------------------------------------

    def posts(
        self,
        *,
        status: PostStatus | str | None = None,
        platform: Platform | str | None = None,
        campaign_id: UUID | str | None = None,
        published_after: datetime | str | None = None,
        published_before: datetime | str | None = None,
        order: str = "-published_at",
        limit: int | str = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Posts, filtered and ordered (see :meth:`libops.application.posts.PostService.list`)."""
        filters = {
            "s": _optional_choice("status", status, tuple(s.value for s in PostStatus)),
            "p": _optional_choice("platform", platform, tuple(p.value for p in Platform)),
            "c": _campaign_id(campaign_id),
        }
        after = check_moment("published_after", published_after)
        before = check_moment("published_before", published_before)
        chosen = _choice("order", order, POST_ORDERS)
        size = check_limit(limit)
        tag = tag_of(filters)
        prefix, high = tag_bounds(tag)
        low = prefix
        if after is not None or before is not None:
            low = prefix + PUBLISHED_PREFIX  # published posts only (their keys: ...:p<time>)
        if after is not None:
            low = prefix + PUBLISHED_PREFIX + stamp(after)  # at or after: keys go on past it
        if before is not None:
            high = prefix + PUBLISHED_PREFIX + stamp(before)  # strictly before
        return self._page(
            POSTS, tag, chosen, low, high, size, cursor, descending=chosen.startswith("-")
        )

    def review_queue(
        self,
        person: Actor | str,
        *,
        limit: int | str = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """The posts in review that ``person`` may review, oldest first: never their own.

        Given an :class:`Actor`, it must hold a role that reviews posts
        (:class:`~libops.domain.errors.PermissionDeniedError` otherwise); given a person's id,
        the queue is the posts in review that person did not write or revise.
        """
        if isinstance(person, Actor):
            authorize(person, "post.review")
            person_id = person.id
        elif isinstance(person, str) and person.strip():
            person_id = person
        else:
            raise QueryParameterError("person", f"a person is an Actor or an id, not {person!r}")
        size = check_limit(limit)
        tag = tag_of({"s": "in_review", "p": None, "c": None})
        low, high = tag_bounds(tag)
        return self._page(
            POSTS,
            tag,
            "review:" + person_id,
            low,
            high,
            size,
            cursor,
            descending=False,
            keep=lambda row: person_id not in row["authors"],
        )

    # --- campaigns --------------------------------------------------------------------------

    def campaigns(
        self,
        *,
        state: CampaignStatus | str | None = None,
        order: str = "-start",
        limit: int | str = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Campaigns, by state if given, ordered by their first day."""
        filters = {"s": _optional_choice("state", state, tuple(s.value for s in CampaignStatus))}
        chosen = _choice("order", order, CAMPAIGN_ORDERS)
        return self._tagged_page(CAMPAIGNS, filters, chosen, limit, cursor)

    # --- readers' questions -----------------------------------------------------------------

    def questions(
        self,
        *,
        state: str | None = None,
        platform: Platform | str | None = None,
        answered_since: datetime | str | None = None,
        limit: int | str = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Readers' questions (see :meth:`QuestionService.list
        <libops.application.interactions.qa.QuestionService.list>`)."""
        chosen = _optional_choice("state", state, QUESTION_STATES)
        platform_value = _optional_choice("platform", platform, tuple(p.value for p in Platform))
        since = check_moment("answered_since", answered_since)
        size = check_limit(limit)
        if since is not None:
            if chosen not in (None, "answered"):
                raise QueryParameterError(
                    "answered_since", f"answered_since lists answered questions, not {chosen}"
                )
            chosen = "answered"
        waiting = chosen in ("waiting", "overdue", "escalated")
        tag = tag_of(
            {
                "s": "waiting" if waiting else chosen,
                "x": "1" if chosen == "escalated" else None,
                "p": platform_value,
            }
        )
        low, high = tag_bounds(tag)
        prefix = low
        if chosen == "overdue":
            # Waited longer than the escalation time: asked strictly before now - that time.
            due = self._deps.clock.now() - self._deps.escalate_questions_after
            high = prefix + WAITING_PREFIX + stamp(due)
        if since is not None:
            low = prefix + ANSWERED_PREFIX + stamp(since)  # answered at or after it
        return self._page(
            QUESTIONS,
            tag,
            f"questions:{chosen or 'all'}",
            low,
            high,
            size,
            cursor,
            descending=not waiting,
        )

    # --- budgets ----------------------------------------------------------------------------

    def budgets(
        self,
        *,
        status: BudgetStatus | str | None = None,
        order: str = "-start",
        limit: int | str = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Budgets with their lines (see :meth:`BudgetService.list
        <libops.application.budgets.BudgetService.list>`)."""
        filters = {"s": _optional_choice("status", status, tuple(s.value for s in BudgetStatus))}
        chosen = _choice("order", order, BUDGET_ORDERS)
        return self._tagged_page(BUDGETS, filters, chosen, limit, cursor)

    # --- the publishing screen and contests (issue 16) ----------------------------------------

    def publishing(
        self,
        *,
        work: bool,
        limit: int | str = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Approved posts for the publishing screen: with ``work``, those with a variant not
        published yet (every one, in pages); without, every approved post, the one published
        most recently (any variant) first. Rows are the posts listing's."""
        if not isinstance(work, bool):
            raise QueryParameterError("work", f"work is True or False, not {work!r}")
        filters = {"s": "approved", "w": "1" if work else None}
        return self._tagged_page(PUBLISHING, filters, "-latest_published", limit, cursor)

    def contests(
        self,
        *,
        status: ContestStatus | str | None = None,
        limit: int | str = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Contests, by status if given, the latest announced first: ``{"id", "title",
        "kind", "status", "announced_at", "opens_at", "closes_at", "planned_winners",
        "entries", "winners"}`` (times in ISO 8601; the window and planned winners None until
        rules are stated)."""
        filters = {"s": _optional_choice("status", status, tuple(s.value for s in ContestStatus))}
        return self._tagged_page(CONTESTS, filters, "-announced", limit, cursor)

    # --- reading a page ---------------------------------------------------------------------

    def _tagged_page(
        self,
        name: str,
        filters: dict[str, str | None],
        order: str,
        limit: int | str,
        cursor: str | None,
    ) -> Page:
        """A page of the listing ``name``: the rows under ``filters``' tag (no range within
        it), by ``order`` (descending when it starts with ``-``), ``limit`` checked."""
        size = check_limit(limit)
        tag = tag_of(filters)
        low, high = tag_bounds(tag)
        return self._page(
            name, tag, order, low, high, size, cursor, descending=order.startswith("-")
        )

    def _page(
        self,
        name: str,
        tag: str,
        order: str,
        low: str,
        high: str,
        limit: int,
        cursor: str | None,
        *,
        descending: bool,
        keep: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Page:
        start = None if cursor is None else decode_cursor(cursor, name, tag, order)
        position = self.catch_up(name)
        views = self._open()
        listing = self._listings[name]
        if start is not None:
            if descending:
                high = min(high, start)
            else:
                low = max(low, start)
        kept: list[tuple[str, dict[str, Any]]] = []
        batch = limit + 1 if keep is None else max(2 * (limit + 1), 50)
        while len(kept) <= limit:
            keys = views.scan(name, low, high, descending=descending, limit=batch)
            if not keys:
                break
            rows = views.load_many(name, [ROW + key.rsplit(":", 1)[1] for key in keys])
            for key in keys:
                text = rows.get(ROW + key.rsplit(":", 1)[1])
                if text is None:
                    continue
                row = json.loads(text)
                # A batch committed between the two reads may have moved the row: the entry
                # read must still be one of its entries.
                if not listing.has_entry(row, key) or (keep is not None and not keep(row)):
                    continue
                kept.append((key, row))
                if len(kept) > limit:
                    break
            if len(keys) < batch:
                break
            if descending:
                high = keys[-1]
            else:
                low = keys[-1]
        more = len(kept) > limit
        page = kept[:limit]
        items = tuple(self._shown(name, row) for _, row in page)
        next_cursor = encode_cursor(name, tag, order, page[-1][0]) if more else None
        return Page(items, next_cursor, position)

    def _shown(self, name: str, row: dict[str, Any]) -> dict[str, Any]:
        if name in (POSTS, PUBLISHING):
            row["title"] = self._title(row["id"], row["title"])
        elif name == BUDGETS:
            row["lines"] = self._lines(row["id"])
        return row

    def _lines(self, budget_id: str) -> list[dict[str, Any]]:
        """A budget's lines, by category then campaign (general lines first in each)."""
        views = self._open()
        after, before = line_bounds(budget_id)
        keys = views.scan(BUDGETS, after, before, descending=False, limit=MAX_LINES)
        found = views.load_many(BUDGETS, keys)
        return [json.loads(found[key]) for key in keys if key in found]

    def _title(self, post_id: str, title: Mapping[str, Any]) -> str:
        if "text" in title:
            return str(title["text"])
        return open_title(
            draft_seals(self._deps), UUID(post_id), title["revision"], title["sealed"]
        )


def queries_of(queries: Queries | None) -> Queries:
    """``queries``, or an error saying the service was made without a store's lists."""
    if queries is None:
        raise TypeError("this service has no lists: open the store with LibOps.open(...)")
    return queries


def open_title(seals: DraftSeals, post_id: UUID, revision: int, sealed: str) -> str:
    """A post's sealed title in clear (``[redacted]`` once its revision's key is destroyed)."""
    key = seals._key(post_id, revision)
    if key is None:
        return REDACTED_TEXT
    where = f"title of revision {revision} of post {post_id}"
    nonce, ciphertext = _split(sealed, where)
    plaintext = seals._sealer.open(
        key, nonce, ciphertext, draft_associated_data(post_id, revision, "title")
    )
    if plaintext is None:
        raise DraftTamperedError(f"the sealed {where} does not open")
    return _text(plaintext, where)


__all__ = [
    "BUDGET_ORDERS",
    "CAMPAIGN_ORDERS",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "POST_ORDERS",
    "QUESTION_STATES",
    "Page",
    "Queries",
    "check_limit",
    "check_moment",
    "decode_cursor",
    "encode_cursor",
    "open_title",
    "queries_of",
]

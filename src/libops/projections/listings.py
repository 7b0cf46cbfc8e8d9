"""Indexed listings: read models that answer lists (filter, order, limit) without reading a
whole view (issue 15, "Queries"; docs/queries.md).

A listing is an ordinary :class:`~libops.projections.views.Projection`, run by the engine with
the same positions, batches and rebuilds as every other. It keeps two kinds of documents:

- ``row:<id>``: the row a list shows (a post, a campaign), plain JSON;
- ``ix:<tag>:<sort>:<id>``: one *index entry* for each way the row can be found. ``<tag>``
  names the filter values the entry answers (``*`` for none, ``s=in_review``,
  ``s=approved/p=weibo``, ...: one entry for every combination of the row's values, so any
  combination of filters is one contiguous range of keys); ``<sort>`` is the row's order key
  in fixed-width text, so that the order of the keys is the order of the list.

A list is then one range read of keys in order (``ix:<tag>:`` up to ``ix:<tag>;``) followed by
the ``row:`` documents of the page: on SQLite and PostgreSQL an index range scan of the
documents' primary key (on PostgreSQL a byte-ordered index libops creates for listings), in
memory a scan of the view's keys. A row's entries are worked out from the row itself, so a
change deletes the entries the old row had and writes those of the new one in the same batch.
Keys are ASCII text compared byte by byte.

Like every projection, a listing does no I/O. Post titles stay sealed in the row (as the
events carry them); the application opens them for the page it answers
(:mod:`libops.application.queries`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, Final, Protocol, runtime_checkable

from libops.domain.budget import Budget
from libops.domain.campaign import Campaign
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.qa import Question
from libops.domain.post import Post
from libops.projections.budget import BudgetPositionsProjection
from libops.projections.ports import ViewStore
from libops.projections.views import Projection, View, event_topic, handles, uuid_text

ROW: Final = "row:"
INDEX: Final = "ix:"
ALL: Final = "*"
"""The tag of the entries that answer a list without filters."""

_EPOCH: Final = datetime(1, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


def stamp(moment: datetime) -> str:
    """``moment`` as 18 digits (microseconds since 0001-01-01 UTC): text in time order."""
    return f"{(moment.astimezone(UTC) - _EPOCH) // _MICROSECOND:018d}"


def day_stamp(day: date) -> str:
    """``day`` as 8 digits (``YYYYMMDD``): text in calendar order."""
    return day.strftime("%Y%m%d")


def tags(values: Mapping[str, Sequence[str]]) -> list[str]:
    """The tags of a row with ``values`` (each filter's values, in the filters' order):
    ``*`` and every combination of one value of some of the filters."""
    fields = [(name, list(options)) for name, options in values.items() if options]
    found = [ALL]
    for size in range(1, len(fields) + 1):
        for chosen in itertools.combinations(fields, size):
            for picked in itertools.product(*(options for _, options in chosen)):
                found.append("/".join(f"{n}={v}" for (n, _), v in zip(chosen, picked, strict=True)))
    return found


def tag_of(filters: Mapping[str, str | None]) -> str:
    """The tag of the entries answering ``filters`` (None: not filtered), in the same order
    the listing names its filters."""
    parts = [f"{name}={value}" for name, value in filters.items() if value is not None]
    return "/".join(parts) if parts else ALL


def index_key(tag: str, sort: str, row_id: str) -> str:
    """The key of one index entry."""
    return f"{INDEX}{tag}:{sort}:{row_id}"


def tag_bounds(tag: str) -> tuple[str, str]:
    """The exclusive bounds of the keys of ``tag``'s entries: ``ix:<tag>:`` and ``ix:<tag>;``."""
    return f"{INDEX}{tag}:", f"{INDEX}{tag};"


@runtime_checkable
class ListingStore(ViewStore, Protocol):
    """A view store that reads keys in order: what listings are answered from."""

    def scan(
        self, name: str, after: str, before: str, *, descending: bool, limit: int
    ) -> list[str]:
        """Up to ``limit`` keys of ``name``'s view strictly between ``after`` and ``before``,
        in byte order (``descending``: from ``before`` down)."""
        ...

    def load_many(self, name: str, keys: Sequence[str]) -> dict[str, str]:
        """The JSON text of each of ``keys`` that has a document, by key."""
        ...


class Listing(Projection):
    """A projection keeping ``row:`` documents and their index entries (see the module)."""

    filters: ClassVar[tuple[str, ...]] = ()
    """The names of the filters, in the order their tags name them."""

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        """Each filter's values for ``row``."""
        raise NotImplementedError

    def sort_key(self, row: Mapping[str, Any]) -> str:
        """``row``'s place in the list, as fixed-width text."""
        raise NotImplementedError

    def entries(self, row: Mapping[str, Any] | None) -> set[str]:
        """The keys of ``row``'s index entries (none for no row)."""
        if row is None:
            return set()
        sort, row_id = self.sort_key(row), row["id"]
        return {index_key(tag, sort, row_id) for tag in tags(self.index_values(row))}

    def has_entry(self, row: Mapping[str, Any], key: str) -> bool:
        """Whether ``key`` is one of ``row``'s index entries (what :meth:`entries` would
        give, checked without making them all)."""
        if not key.startswith(INDEX):
            return False
        tag, sort, row_id = key[len(INDEX) :].rsplit(":", 2)
        if row_id != row["id"] or sort != self.sort_key(row):
            return False
        if tag == ALL:
            return True
        values = self.index_values(row)
        for part in tag.split("/"):
            name, _, value = part.partition("=")
            if value not in values.get(name, ()):
                return False
        return True

    def change(self, view: View, row_id: str, new: Mapping[str, Any] | None) -> None:
        """Store ``new`` as the row ``row_id`` (None deletes it) and move its entries."""
        key = ROW + row_id
        old = view.get(key)
        before = self.entries(old)
        after = self.entries(new)
        for entry in sorted(before - after):
            view.delete(entry)
        for entry in sorted(after - before):
            view.put(entry, 1)
        if new is None:
            view.delete(key)
        else:
            view.put(key, dict(new))

    def row(self, view: View, row_id: str) -> dict[str, Any] | None:
        """A copy of the stored row ``row_id`` (changing it changes nothing until ``change``)."""
        found = view.get(ROW + row_id)
        return None if found is None else _copy(found)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# --- posts ----------------------------------------------------------------------------------

POSTS: Final = "listings.posts"
PUBLISHED_PREFIX: Final = "p"
"""Sort keys of published posts start with it (then the first publish time)."""
OPEN_TAKE_DOWNS: Final = ("through gateway", "by hand")
"""A platform's ``take_down`` while the post may still be live there."""
UNPUBLISHED_PREFIX: Final = "d"
"""Sort keys of posts not published yet start with it (then the time they were drafted):
in ``-published_at`` order they come after every published post."""


class PostListing(Listing):
    """Posts by status, platform and campaign, in order of publish time.

    ``row:<post id>``: ``{"id", "title": {"text"} or {"sealed", "revision"}, "status",
    "campaign_id", "authors", "drafted_at", "submitted_at", "published_at", "retracted",
    "platforms": {platform: {"status", "scheduled_at", "published_at", "url"}}}``.

    A retracted post still live somewhere is ``"retracting"`` (``"retracted": false``) until
    every platform's take-down is done; its platforms then gain ``"take_down"`` (``"through
    gateway"`` or ``"by hand"`` while open, ``"taken down"`` or ``"confirmed"`` once done)
    and ``"taken_down_at"``. A ``Post.Retracted`` with no take-down after it (every one
    recorded before take-downs existed) reads ``"retracted"``, as it always did.
    """

    name = POSTS
    filters: ClassVar[tuple[str, ...]] = ("s", "p", "c")

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        campaign = row["campaign_id"]
        return {
            "s": [row["status"]],
            "p": sorted(row["platforms"]),
            "c": [] if campaign is None else [campaign],
        }

    def sort_key(self, row: Mapping[str, Any]) -> str:
        if row["published_at"] is not None:
            return PUBLISHED_PREFIX + stamp(datetime.fromisoformat(row["published_at"]))
        return UNPUBLISHED_PREFIX + stamp(datetime.fromisoformat(row["drafted_at"]))

    @handles(Post.Drafted)
    def drafted(self, event: Post.Drafted, view: View) -> None:
        post_id = uuid_text(event.originator_id)
        sealed = (event.sealed or {}).get("title")
        title = {"text": event.title} if sealed is None else {"sealed": sealed, "revision": 1}
        self.change(
            view,
            post_id,
            {
                "id": post_id,
                "title": title,
                "status": "drafted",
                "campaign_id": None if event.campaign_id is None else str(event.campaign_id),
                "authors": [event.actor_id],
                "drafted_at": event.timestamp.isoformat(),
                "submitted_at": None,
                "published_at": None,
                "retracted": False,
                "platforms": {
                    v.platform.value: {
                        "status": "pending",
                        "scheduled_at": None,
                        "published_at": None,
                        "url": None,
                        "attempts": 0,
                    }
                    for v in event.variants
                },
            },
        )

    def _update(self, view: View, event: Post.Event, **fields: Any) -> dict[str, Any] | None:
        post_id = uuid_text(event.originator_id)
        row = self.row(view, post_id)
        if row is not None:
            row.update(fields)
        return row

    @handles(Post.Revised)
    def revised(self, event: Post.Revised, view: View) -> None:
        row = self._update(view, event)
        if row is None:
            return
        if event.actor_id not in row["authors"]:
            row["authors"].append(event.actor_id)
        sealed = (event.sealed or {}).get("title")
        if sealed is not None:
            row["title"] = {"sealed": sealed, "revision": event.originator_version}
        elif event.title is not None:
            row["title"] = {"text": event.title}
        if event.variants is not None:
            kept = row["platforms"]
            row["platforms"] = {
                v.platform.value: kept.get(
                    v.platform.value,
                    {
                        "status": "pending",
                        "scheduled_at": None,
                        "published_at": None,
                        "url": None,
                        "attempts": 0,
                    },
                )
                for v in event.variants
            }
        self.change(view, row["id"], row)

    @handles(Post.Redacted)
    def redacted(self, event: Post.Redacted, view: View) -> None:
        row = self._update(view, event)
        if row is None:
            return
        kept = (event.kept or {}).get("title")
        if kept is not None:
            row["title"] = {"sealed": kept, "revision": event.originator_version}
        self.change(view, row["id"], row)

    @handles(Post.SubmittedForReview)
    def submitted(self, event: Post.SubmittedForReview, view: View) -> None:
        row = self._update(
            view, event, status="in_review", submitted_at=event.timestamp.isoformat()
        )
        if row is not None:
            self.change(view, row["id"], row)

    @handles(Post.Approved)
    def approved(self, event: Post.Approved, view: View) -> None:
        row = self._update(view, event, status="approved")
        if row is not None:
            self.change(view, row["id"], row)

    @handles(Post.ChangesRequested)
    def changes_requested(self, event: Post.ChangesRequested, view: View) -> None:
        row = self._update(view, event, status="changes_requested")
        if row is not None:
            self.change(view, row["id"], row)

    @handles(Post.Retracted)
    def retracted(self, event: Post.Retracted, view: View) -> None:
        row = self._update(view, event, status="retracted", retracted=True)
        if row is not None:
            self.change(view, row["id"], row)

    @handles(Post.TakeDownRequested)
    def take_down_requested(self, event: Post.TakeDownRequested, view: View) -> None:
        how = "by hand" if event.by_hand else "through gateway"
        self._take_down(view, event, event.platform.value, take_down=how, taken_down_at=None)

    @handles(Post.TakeDownFailed)
    def take_down_failed(self, event: Post.TakeDownFailed, view: View) -> None:
        if not event.retryable:  # refused for good: left to staff
            self._take_down(view, event, event.platform.value, take_down="by hand")

    @handles(Post.TakenDown, Post.TakeDownConfirmed)
    def taken_down(self, event: Post.TakenDown | Post.TakeDownConfirmed, view: View) -> None:
        done = "taken down" if isinstance(event, Post.TakenDown) else "confirmed"
        self._take_down(
            view, event, event.platform.value, take_down=done, taken_down_at=event.at.isoformat()
        )

    def _take_down(self, view: View, event: Post.Event, platform: str, **fields: Any) -> None:
        row = self._update(view, event)
        if row is None:
            return
        entry = row["platforms"].get(platform)
        if entry is None:
            return
        entry.update(fields)
        live = any(p.get("take_down") in OPEN_TAKE_DOWNS for p in row["platforms"].values())
        row["status"] = "retracting" if live else "retracted"
        row["retracted"] = not live
        self.change(view, row["id"], row)

    def _platform(self, view: View, event: Post.Event, platform: str, **fields: Any) -> None:
        row = self._update(view, event)
        if row is None:
            return
        entry = row["platforms"].setdefault(
            platform,
            {
                "status": "pending",
                "scheduled_at": None,
                "published_at": None,
                "url": None,
                "attempts": 0,
            },
        )
        entry.update(fields)
        published = [p["published_at"] for p in row["platforms"].values() if p["published_at"]]
        row["published_at"] = min(published, key=datetime.fromisoformat) if published else None
        self.change(view, row["id"], row)

    @handles(Post.Scheduled)
    def scheduled(self, event: Post.Scheduled, view: View) -> None:
        self._platform(
            view, event, event.platform.value, status="scheduled", scheduled_at=event.at.isoformat()
        )

    @handles(Post.Unscheduled)
    def unscheduled(self, event: Post.Unscheduled, view: View) -> None:
        self._platform(view, event, event.platform.value, status="pending", scheduled_at=None)

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        receipt = event.receipt
        self._platform(
            view,
            event,
            receipt.platform.value,
            status="published",
            published_at=receipt.published_at.isoformat(),
            url=receipt.url,
        )

    @handles(Post.PublishFailed)
    def failed(self, event: Post.PublishFailed, view: View) -> None:
        # The failure and the attempts so far, so the publishing screen reads no post. A row
        # written before entries counted attempts has no "attempts": its count is unknown
        # (None) until the listing is rebuilt, and the screen asks the post instead.
        platform = event.platform.value
        row = self.row(view, uuid_text(event.originator_id))
        entry = {} if row is None else row["platforms"].get(platform, {"attempts": 0})
        before = entry.get("attempts")
        self._platform(
            view,
            event,
            platform,
            status="failed",
            error=event.error,
            retryable=event.retryable,
            failed_at=event.at.isoformat(),
            attempts=None if before is None else before + 1,
        )


# --- campaigns ------------------------------------------------------------------------------

CAMPAIGNS: Final = "listings.campaigns"


class CampaignListing(Listing):
    """Campaigns by state, in order of their first day.

    ``row:<campaign id>``: ``{"id", "name", "kind", "state", "start", "end", "platforms"}``.
    """

    name = CAMPAIGNS
    filters = ("s",)

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        return {"s": [row["state"]]}

    def sort_key(self, row: Mapping[str, Any]) -> str:
        return day_stamp(date.fromisoformat(row["start"]))

    @handles(Campaign.Planned)
    def planned(self, event: Campaign.Planned, view: View) -> None:
        campaign_id = uuid_text(event.originator_id)
        self.change(
            view,
            campaign_id,
            {
                "id": campaign_id,
                "name": event.name,
                "kind": event.kind.value,
                "state": "planned",
                "start": event.period.start.isoformat(),
                "end": event.period.end.isoformat(),
                "platforms": [p.value for p in event.platforms],
            },
        )

    @handles(Campaign.Amended)
    def amended(self, event: Campaign.Amended, view: View) -> None:
        row = self.row(view, uuid_text(event.originator_id))
        if row is None:
            return
        if event.name is not None:
            row["name"] = event.name
        if event.period is not None:
            row["start"] = event.period.start.isoformat()
            row["end"] = event.period.end.isoformat()
        if event.platforms is not None:
            row["platforms"] = [p.value for p in event.platforms]
        self.change(view, row["id"], row)

    def _state(self, event: Any, view: View, state: str) -> None:
        row = self.row(view, uuid_text(event.originator_id))
        if row is not None:
            row["state"] = state
            self.change(view, row["id"], row)

    @handles(Campaign.Launched, Campaign.Resumed)
    def active(self, event: Campaign.Launched | Campaign.Resumed, view: View) -> None:
        self._state(event, view, "active")

    @handles(Campaign.Paused)
    def paused(self, event: Campaign.Paused, view: View) -> None:
        self._state(event, view, "paused")

    @handles(Campaign.Completed)
    def completed(self, event: Campaign.Completed, view: View) -> None:
        self._state(event, view, "completed")

    @handles(Campaign.Cancelled)
    def cancelled(self, event: Campaign.Cancelled, view: View) -> None:
        self._state(event, view, "cancelled")


# --- readers' questions ---------------------------------------------------------------------

QUESTIONS: Final = "listings.questions"
WAITING_PREFIX: Final = "w"
"""Sort keys of questions waiting for an answer: then the time they were asked."""
ANSWERED_PREFIX: Final = "a"
"""Sort keys of answered questions: then the time they were answered."""


class QuestionListing(Listing):
    """Readers' questions by state (waiting or answered), escalation and platform.

    ``row:<question id>``: ``{"id", "platform", "post_id", "asked_at", "received_at",
    "state", "escalated", "escalated_at", "answered_at", "response_seconds"}``. No text and
    no asker: those are personal data, read with ``ops.questions.text`` / ``asker``.
    """

    name = QUESTIONS
    filters = ("s", "x", "p")

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        return {
            "s": [row["state"]],
            "x": ["1"] if row["escalated"] else [],
            "p": [row["platform"]],
        }

    def sort_key(self, row: Mapping[str, Any]) -> str:
        if row["answered_at"] is not None:
            return ANSWERED_PREFIX + stamp(datetime.fromisoformat(row["answered_at"]))
        return WAITING_PREFIX + stamp(datetime.fromisoformat(row["asked_at"]))

    @handles(Question.Received)
    def received(self, event: Question.Received, view: View) -> None:
        question_id = uuid_text(event.originator_id)
        self.change(
            view,
            question_id,
            {
                "id": question_id,
                "platform": event.platform.value,
                "post_id": None if event.post_id is None else str(event.post_id),
                "asked_at": event.asked_at.isoformat(),
                "received_at": event.received_at.isoformat(),
                "state": "waiting",
                "escalated": False,
                "escalated_at": None,
                "answered_at": None,
                "response_seconds": None,
            },
        )

    @handles(Question.Answered)
    def answered(self, event: Question.Answered, view: View) -> None:
        row = self.row(view, uuid_text(event.originator_id))
        if row is not None:
            row.update(
                state="answered",
                answered_at=event.answered_at.isoformat(),
                response_seconds=event.response_seconds,
            )
            self.change(view, row["id"], row)

    @handles(Question.Escalated)
    def escalated(self, event: Question.Escalated, view: View) -> None:
        row = self.row(view, uuid_text(event.originator_id))
        if row is not None:
            row.update(escalated=True, escalated_at=event.at.isoformat())
            self.change(view, row["id"], row)


# --- budgets and their lines -----------------------------------------------------------------

BUDGETS: Final = "listings.budgets"
LINE_PREFIX: Final = "line:"


def line_bounds(budget_id: str) -> tuple[str, str]:
    """The exclusive bounds of the keys of one budget's lines."""
    return f"{LINE_PREFIX}{budget_id}:", f"{LINE_PREFIX}{budget_id};"


class BudgetListing(Listing):
    """Budgets by status, in order of their first day, with their lines.

    The budget positions projection's own handlers keep its documents in this view (the same
    amounts, the same arithmetic: ``budget:``, ``category:``, ``line:<budget id>:...``,
    ``campaign:``, ``commitment:``); on top, ``row:<budget id>``: ``{"id", "name",
    "currency", "status", "start", "end", "allocated", "committed", "spent", "available"}``,
    indexed by status. A budget's lines are one range of keys, ``line:<budget id>:``.
    """

    name = BUDGETS
    filters = ("s",)
    apply_cost = 2.0

    def __init__(self) -> None:
        self._positions = BudgetPositionsProjection()

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        return {"s": [row["status"]]}

    def sort_key(self, row: Mapping[str, Any]) -> str:
        return day_stamp(date.fromisoformat(row["start"]))

    @handles(
        Budget.Opened,
        Budget.Allocated,
        Budget.Committed,
        Budget.Released,
        Budget.ExpenseRecorded,
        Budget.Adjusted,
        Budget.Closed,
    )
    def budget_changed(self, event: Any, view: View) -> None:
        self._positions.apply(event_topic(type(event)), event, view)
        budget_id = uuid_text(event.originator_id)
        row = self.row(view, budget_id)
        if isinstance(event, Budget.Opened):
            row = {
                "id": budget_id,
                "start": event.period.start.isoformat(),
                "end": event.period.end.isoformat(),
            }
        if row is None:
            return
        totals = view.get(f"budget:{budget_id}")
        if totals is not None:
            row.update({k: totals[k] for k in totals})
        self.change(view, budget_id, row)


# --- publishing (issue 16: pages whose cost grows with the store) ---------------------------

PUBLISHING: Final = "listings.publishing"
WORK: Final = "w"
"""The filter of posts with a variant not published yet (value ``"1"``)."""


class PublishingListing(PostListing):
    """The posts listing's rows, found the way the publishing screen reads them.

    The same ``row:`` documents as :class:`PostListing` (the same handlers), indexed by
    status (``s``) and by whether some variant is still to publish (``w=1``), and ordered by
    the *latest* publish time of any variant (then the time drafted, for posts not published
    anywhere). The screen reads every approved post with work left (``s=approved/w=1``) and
    only the first :data:`~libops.web.publishing.PUBLISHED_SHOWN` approved posts, latest
    published first: each holds a variant published at its sort time, so the latest ``n``
    published variants are all among the latest ``n`` posts in this order.
    """

    name = PUBLISHING
    filters = ("s", WORK)

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        work = any(p["status"] != "published" for p in row["platforms"].values())
        return {"s": [row["status"]], WORK: ["1"] if work else []}

    def sort_key(self, row: Mapping[str, Any]) -> str:
        published = [p["published_at"] for p in row["platforms"].values() if p["published_at"]]
        if published:
            latest = max(datetime.fromisoformat(at) for at in published)
            return PUBLISHED_PREFIX + stamp(latest)
        return UNPUBLISHED_PREFIX + stamp(datetime.fromisoformat(row["drafted_at"]))


# --- contests (issue 16) --------------------------------------------------------------------

CONTESTS: Final = "listings.contests"
ANNOUNCED: Final = "announced"
"""The contests listing's document holding how many contests were announced."""


class ContestListing(Listing):
    """Contests by status, latest announced first: what the contests page lists.

    ``row:<contest id>``: ``{"id", "number", "title", "kind", "status", "announced_at",
    "opens_at", "closes_at", "planned_winners", "entries", "winners"}``. ``number`` counts
    the announcements in log order (the ``announced`` document holds the last one given):
    the list's order is the order contests were recorded, even when a clock stamps two
    announcements with the same time. The window and the planned
    number of winners are None until rules are stated, ``entries`` counts every recorded
    entry (disqualified ones too), ``winners`` are the drawn entry ids in draw order. Readers
    appear only by entry id: no personal data is kept here.
    """

    name = CONTESTS
    filters = ("s",)

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        return {"s": [row["status"]]}

    def sort_key(self, row: Mapping[str, Any]) -> str:
        return f"{row['number']:012d}"

    @staticmethod
    def _rules(row: dict[str, Any], rules: Any) -> None:
        row["opens_at"] = None if rules is None else rules.opens_at.isoformat()
        row["closes_at"] = None if rules is None else rules.closes_at.isoformat()
        row["planned_winners"] = None if rules is None else rules.winners

    @handles(Contest.Announced)
    def announced(self, event: Contest.Announced, view: View) -> None:
        contest_id = uuid_text(event.originator_id)
        number = int(view.get(ANNOUNCED) or 0) + 1
        view.put(ANNOUNCED, number)
        row: dict[str, Any] = {
            "id": contest_id,
            "number": number,
            "title": event.title,
            "kind": event.kind.value,
            "status": "announced",
            "announced_at": event.timestamp.isoformat(),
            "entries": 0,
            "winners": [],
        }
        self._rules(row, event.rules)
        self.change(view, contest_id, row)

    def _changed(self, event: Any, view: View, **fields: Any) -> dict[str, Any] | None:
        row = self.row(view, uuid_text(event.originator_id))
        if row is not None:
            row.update(fields)
        return row

    @handles(Contest.RulesStated)
    def rules_stated(self, event: Contest.RulesStated, view: View) -> None:
        row = self._changed(event, view)
        if row is not None:
            self._rules(row, event.rules)
            self.change(view, row["id"], row)

    @handles(Contest.EntryRecorded)
    def entry(self, event: Contest.EntryRecorded, view: View) -> None:
        row = self._changed(event, view)
        if row is not None:
            row["entries"] += 1
            self.change(view, row["id"], row)

    @handles(Contest.Opened, Contest.Closed, Contest.Cancelled)
    def status(self, event: Any, view: View) -> None:
        status = {
            Contest.Opened: "open",
            Contest.Closed: "closed",
            Contest.Cancelled: "cancelled",
        }[type(event)]
        row = self._changed(event, view, status=status)
        if row is not None:
            self.change(view, row["id"], row)

    @handles(Contest.Drawn)
    def drawn(self, event: Contest.Drawn, view: View) -> None:
        row = self._changed(event, view, status="drawn", winners=list(event.winners))
        if row is not None:
            self.change(view, row["id"], row)


LISTINGS: Final[tuple[type[Listing], ...]] = (
    PostListing,
    CampaignListing,
    QuestionListing,
    BudgetListing,
    PublishingListing,
    ContestListing,
)
"""The listings libops keeps (``ops.queries`` runs them)."""


def listing_projections() -> Iterable[Listing]:
    """One instance of each listing."""
    return [cls() for cls in LISTINGS]


__all__ = [
    "BUDGETS",
    "CAMPAIGNS",
    "CONTESTS",
    "LISTINGS",
    "POSTS",
    "PUBLISHING",
    "QUESTIONS",
    "BudgetListing",
    "CampaignListing",
    "ContestListing",
    "Listing",
    "ListingStore",
    "PostListing",
    "PublishingListing",
    "QuestionListing",
    "day_stamp",
    "index_key",
    "line_bounds",
    "listing_projections",
    "stamp",
    "tag_bounds",
    "tag_of",
    "tags",
]

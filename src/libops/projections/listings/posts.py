"""The posts listings: posts by status, platform and campaign in order of first publish time
(``listings.posts``), and the same rows as the publishing screen reads them
(``listings.publishing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Final

from libops.domain.post import Post
from libops.projections.listings.base import Listing, stamp
from libops.projections.views import View, handles, uuid_text

POSTS: Final = "listings.posts"
PUBLISHED_PREFIX: Final = "p"
"""Sort keys of published posts start with it (then the first publish time)."""
OPEN_TAKE_DOWNS: Final = ("through gateway", "by hand")
"""A platform's ``take_down`` while the post may still be live there."""
UNPUBLISHED_PREFIX: Final = "d"
"""Sort keys of posts not published yet start with it (then the time they were drafted):
in ``-published_at`` order they come after every published post."""


def _pending() -> dict[str, Any]:
    """A platform's entry in a post's row before anything was scheduled or published there."""
    return {
        "status": "pending",
        "scheduled_at": None,
        "published_at": None,
        "url": None,
        "attempts": 0,
    }


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
                "platforms": {v.platform.value: _pending() for v in event.variants},
            },
        )

    @handles(Post.Revised)
    def revised(self, event: Post.Revised, view: View) -> None:
        row = self.event_row(view, event)
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
                    _pending(),
                )
                for v in event.variants
            }
        self.change(view, row["id"], row)

    @handles(Post.Redacted)
    def redacted(self, event: Post.Redacted, view: View) -> None:
        row = self.event_row(view, event)
        if row is None:
            return
        kept = (event.kept or {}).get("title")
        if kept is not None:
            row["title"] = {"sealed": kept, "revision": event.originator_version}
        self.change(view, row["id"], row)

    @handles(Post.SubmittedForReview)
    def submitted(self, event: Post.SubmittedForReview, view: View) -> None:
        self.update_row(view, event, status="in_review", submitted_at=event.timestamp.isoformat())

    @handles(Post.Approved)
    def approved(self, event: Post.Approved, view: View) -> None:
        self.update_row(view, event, status="approved")

    @handles(Post.ChangesRequested)
    def changes_requested(self, event: Post.ChangesRequested, view: View) -> None:
        self.update_row(view, event, status="changes_requested")

    @handles(Post.Retracted)
    def retracted(self, event: Post.Retracted, view: View) -> None:
        self.update_row(view, event, status="retracted", retracted=True)

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
        row = self.event_row(view, event)
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
        row = self.event_row(view, event)
        if row is None:
            return
        entry = row["platforms"].setdefault(
            platform,
            _pending(),
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

"""Which posts use each asset of the media library, how often they went out, and the licence
problems review found (docs/media.md).

Documents (name ``media``):

- ``asset:<asset id>``: ``{"title", "kind", "status" ("active"/"withdrawn"), "licence_kind",
  "expires_on" (ISO day or null), "platforms" (the licence's; [] = all), "posts" (ids of the
  posts whose current media name the asset, in the order they first did), "publishes"
  (variants of posts that went out with the asset: one per platform), "published_days"
  ([day, ...], Asia/Shanghai, one per publish), "findings" ([[day, kind], ...]: the licence
  findings on the asset at each submission for review)}``;
- ``post:<post id>``: ``{"media": [...], "variants": {platform: [...]}}``: the post's current
  media references (kept to follow revisions and publishes);
- ``answers:<day>``: ``{item key: {answer: count}}``: how the reviews of the day (approvals
  and changes requested, Asia/Shanghai) answered the checklist items the library added.

No file bytes and no post text are kept. :func:`expiring_assets` lists the active assets
whose licence ends within some days of a day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final
from uuid import UUID

from libops.domain.media import LICENCE_FINDINGS, MediaAsset, asset_uses
from libops.domain.post import Post
from libops.domain.values import PostVariant
from libops.projections.views import Projection, View, handles, local_day, uuid_text

NAME: Final = "media"
"""The name of the media projection."""


EXPIRING_DAYS: Final = 30
"""How many days ahead a licence's end counts as soon, unless told otherwise."""


def _uses(doc: Mapping[str, Any]) -> dict[str, set[str]]:
    """Asset id (text) -> platforms (values) the post document uses it on."""
    return {
        (uuid_text(asset) if isinstance(asset, UUID) else asset): platforms
        for asset, platforms in asset_uses(doc["media"], doc["variants"].items()).items()
    }


class MediaProjection(Projection):
    """Per asset: its licence in brief, the posts using it, publishes and findings."""

    name = NAME
    apply_cost = 0.2

    def _licence(self, doc: dict[str, Any], licence: Mapping[str, Any]) -> None:
        doc["licence_kind"] = licence["kind"]
        doc["expires_on"] = licence.get("expires_on")
        doc["platforms"] = list(licence.get("platforms") or [])

    @handles(MediaAsset.Registered)
    def registered(self, event: MediaAsset.Registered, view: View) -> None:
        key = f"asset:{uuid_text(event.originator_id)}"
        doc: dict[str, Any] = view.get(key) or {
            "posts": [],
            "publishes": 0,
            "published_days": [],
            "findings": [],
        }
        doc.update(title=event.title, kind=event.kind, status="active")
        self._licence(doc, event.licence)
        view.put(key, doc)

    @handles(MediaAsset.LicenceUpdated)
    def licence_updated(self, event: MediaAsset.LicenceUpdated, view: View) -> None:
        key = f"asset:{uuid_text(event.originator_id)}"
        doc = view.get(key)
        if doc is not None:
            self._licence(doc, event.licence)
            view.put(key, doc)

    @handles(MediaAsset.Withdrawn)
    def withdrawn(self, event: MediaAsset.Withdrawn, view: View) -> None:
        key = f"asset:{uuid_text(event.originator_id)}"
        doc = view.get(key)
        if doc is not None:
            doc["status"] = "withdrawn"
            view.put(key, doc)

    def _media_changed(
        self,
        view: View,
        post_id: object,
        media: Iterable[str] | None,
        variants: Iterable[PostVariant] | None,
    ) -> None:
        key = f"post:{post_id}"
        doc: dict[str, Any] = view.get(key) or {"media": [], "variants": {}}
        before = set(_uses(doc))
        if media is not None:
            doc["media"] = list(media)
        if variants is not None:
            doc["variants"] = {v.platform.value: list(v.media) for v in variants}
        after = set(_uses(doc))
        view.put(key, doc)
        for asset in sorted(before ^ after):
            asset_doc = view.get(f"asset:{asset}")
            if asset_doc is None:
                continue  # not an asset of the library (yet): review finds it unknown
            posts = asset_doc["posts"]
            if asset in after and str(post_id) not in posts:
                posts.append(str(post_id))
            elif asset not in after and str(post_id) in posts:
                posts.remove(str(post_id))
            view.put(f"asset:{asset}", asset_doc)

    @handles(Post.Drafted)
    def drafted(self, event: Post.Drafted, view: View) -> None:
        self._media_changed(view, event.originator_id, event.media, event.variants)

    @handles(Post.Revised)
    def revised(self, event: Post.Revised, view: View) -> None:
        if event.media is None and event.variants is None:
            return
        self._media_changed(view, event.originator_id, event.media, event.variants)

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        doc = view.get(f"post:{uuid_text(event.originator_id)}")
        if doc is None:
            return
        platform = event.receipt.platform.value
        for asset, platforms in _uses(doc).items():
            asset_doc = view.get(f"asset:{asset}")
            if asset_doc is None or platform not in platforms:
                continue
            asset_doc["publishes"] += 1
            asset_doc["published_days"].append(local_day(event.receipt.published_at))
            view.put(f"asset:{asset}", asset_doc)

    @handles(Post.SubmittedForReview)
    def submitted(self, event: Post.SubmittedForReview, view: View) -> None:
        day = local_day(event.timestamp)
        for finding in tuple(event.findings):
            if finding.kind not in LICENCE_FINDINGS:
                continue
            asset_doc = view.get(f"asset:{finding.where.removeprefix('media:')}")
            if asset_doc is None:
                continue
            asset_doc["findings"].append([day, finding.kind.value])
            view.put(f"asset:{finding.where.removeprefix('media:')}", asset_doc)

    def _answers(self, event: Post.Approved | Post.ChangesRequested, view: View) -> None:
        answers = getattr(event, "answers", None)
        if not answers:
            return
        key = f"answers:{local_day(event.timestamp)}"
        doc: dict[str, Any] = view.get(key) or {}
        for item, answer in answers.items():
            counts = doc.setdefault(item, {})
            counts[answer] = counts.get(answer, 0) + 1
        view.put(key, doc)

    @handles(Post.Approved)
    def approved(self, event: Post.Approved, view: View) -> None:
        self._answers(event, view)

    @handles(Post.ChangesRequested)
    def changes_requested(self, event: Post.ChangesRequested, view: View) -> None:
        self._answers(event, view)


def expiring_assets(
    documents: Mapping[str, Any], today: date, within_days: int = EXPIRING_DAYS
) -> list[tuple[str, dict[str, Any]]]:
    """``(asset id, document)`` of the active assets whose licence ends on or after
    ``today`` and within ``within_days`` of it, soonest first."""
    found = []
    for key, doc in documents.items():
        if not key.startswith("asset:") or doc["status"] != "active" or not doc["expires_on"]:
            continue
        left = (date.fromisoformat(doc["expires_on"]) - today).days
        if 0 <= left <= within_days:
            found.append((key.removeprefix("asset:"), doc))
    return sorted(found, key=lambda item: (item[1]["expires_on"], item[1]["title"]))

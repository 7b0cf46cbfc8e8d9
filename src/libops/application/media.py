"""Commands on the media library: register an asset, update its licence, withdraw it; and the
licence check the review of a post runs on the assets it uses (docs/media.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import attrs

from libops.application.app import LibOpsApplication
from libops.application.commands import Command, Executes, command, command_method
from libops.domain.errors import MediaLicenceError, UnknownIdError
from libops.domain.media import (
    Licence,
    MediaAsset,
    MediaKind,
    MediaStatus,
    asset_uses,
    blocking_licence_findings,
    licence_findings,
)
from libops.domain.post import Post
from libops.domain.values import Finding, Platform, require_uuid, to_enum
from libops.projections.engine import ProjectionEngine
from libops.projections.media import NAME as MEDIA_VIEW


@command("media.register", calls=MediaAsset.register)
@attrs.frozen(kw_only=True)
class RegisterMedia(Command[UUID]):
    """Add an image, video, music track or other medium to the media library with its
    licence, and return its id (posts name it as ``asset:<id>`` among their media)."""

    title: str
    kind: MediaKind | str
    source: str
    content_ref: str
    licence: Licence


@command("media.update_licence", calls=MediaAsset.update_licence)
@attrs.frozen
class UpdateMediaLicence(Command[None]):
    """Replace an active asset's licence (renewed, extended, corrected)."""

    asset_id: UUID | str
    licence: Licence


@command("media.withdraw", calls=MediaAsset.withdraw)
@attrs.frozen
class WithdrawMedia(Command[None]):
    """Take an asset out of use, saying why; posts using it are refused approval."""

    asset_id: UUID | str
    reason: str


def post_licence_findings(
    app: LibOpsApplication, post: Post, day: date, platform: Platform | None = None
) -> tuple[Finding, ...]:
    """The licence problems of the assets ``post`` uses on its platforms (or only on
    ``platform``) on ``day``."""
    variants = [(v.platform, v.media) for v in post.variants]
    if platform is not None:
        variants = [(p, media) for p, media in variants if p is platform]
    uses = asset_uses(post.media, variants)
    assets: dict[UUID, MediaAsset] = {}
    for asset_id in uses:
        if not isinstance(asset_id, UUID):
            continue
        asset = app.find(MediaAsset, asset_id)
        if asset is not None:
            assets[asset_id] = asset
    return licence_findings(uses, assets, day)


def require_licensed(
    app: LibOpsApplication, post: Post, day: date, action: str, platform: Platform | None = None
) -> None:
    """Refuse ``action`` (approve, schedule) when the post's media have licence problems on
    ``day`` (on ``platform`` only, if given), with a :class:`MediaLicenceError` naming them."""
    blocking = blocking_licence_findings(post_licence_findings(app, post, day, platform))
    if blocking:
        raise MediaLicenceError(
            f"cannot {action} post {post.id}: media licence problems on {day.isoformat()} ("
            + ", ".join(f"{f.kind.value} {f.where}: {f.excerpt}" for f in blocking)
            + ")",
            blocking,
        )


@attrs.frozen
class MediaUsage:
    """What the ``media`` view knows of one asset: the posts whose media name it now, how
    many variants went out with it, the licence findings review raised on it (``[day,
    kind]``), and its licence's last day (None: no expiry)."""

    asset_id: UUID
    title: str
    status: MediaStatus
    posts: tuple[UUID, ...]
    publishes: int
    findings: tuple[tuple[str, str], ...]
    expires_on: date | None


class MediaService(Executes):
    """The media library: register assets, update their licences, withdraw them."""

    views: Callable[[], ProjectionEngine] | None = None
    """The store's projection engine (set by :class:`~libops.LibOps` when it opens)."""

    register = command_method(RegisterMedia)
    update_licence = command_method(UpdateMediaLicence)
    withdraw = command_method(WithdrawMedia)

    def get(self, asset_id: UUID | str) -> MediaAsset:
        """The asset's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(MediaAsset, asset_id)

    def list(self, status: MediaStatus | str | None = None) -> tuple[MediaAsset, ...]:
        """Every asset (or those in ``status``), by title then id. An unknown ``status`` is
        an InvalidValueError, raised before anything is read."""
        wanted = None if status is None else to_enum(MediaStatus, status)
        return self._app.listing(
            MediaAsset,
            MediaAsset.Registered.TOPIC,
            lambda a: wanted is None or a.status is wanted,
            key=lambda a: (a.title, str(a.id)),
        )

    def usage(self, asset_id: UUID | str) -> MediaUsage:
        """The asset's usage from the ``media`` view, as far as the view has caught up (run
        ``ops.projections.run()`` first). :class:`UnknownIdError` if the view has no such
        asset."""
        asset = require_uuid("asset id", asset_id)
        if self.views is None:
            raise UnknownIdError("media asset", asset)
        doc = self.views().get(MEDIA_VIEW, f"asset:{asset}")
        if doc is None:
            raise UnknownIdError("media asset", asset)
        return MediaUsage(
            asset_id=asset,
            title=doc["title"],
            status=MediaStatus(doc["status"]),
            posts=tuple(UUID(p) for p in doc["posts"]),
            publishes=doc["publishes"],
            findings=tuple((day, kind) for day, kind in doc["findings"]),
            expires_on=None if doc["expires_on"] is None else date.fromisoformat(doc["expires_on"]),
        )

    def expiring(self, within_days: int = 30, today: date | None = None) -> tuple[MediaAsset, ...]:
        """The active assets whose licence ends within ``within_days`` of ``today`` (the
        library's day by default), or has ended already, soonest first."""
        day = self._deps.today() if today is None else today
        found = [
            a
            for a in self.list(MediaStatus.ACTIVE)
            if a.licence.expires_on is not None and (a.licence.expires_on - day).days <= within_days
        ]
        return tuple(sorted(found, key=lambda a: (a.licence.expires_on or day, a.title)))

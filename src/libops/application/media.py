"""Commands on the media library: register an asset, update its licence, withdraw it; and the
licence check the review of a post runs on the assets it uses (docs/media.md).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import attrs

from libops.application.app import KINDS, LibOpsApplication
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
from libops.domain.values import Finding, Platform, to_enum

KINDS.setdefault(MediaAsset, "media asset")


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
        try:
            assets[asset_id] = app.load(MediaAsset, asset_id)
        except UnknownIdError:
            continue
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


class MediaService(Executes):
    """The media library: register assets, update their licences, withdraw them."""

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
        ids = dict.fromkeys(
            n.originator_id for n in self._app.notifications(MediaAsset.Registered.TOPIC)
        )
        assets = [self._app.load(MediaAsset, asset_id) for asset_id in ids]
        return tuple(
            sorted(
                (a for a in assets if wanted is None or a.status is wanted),
                key=lambda a: (a.title, str(a.id)),
            )
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

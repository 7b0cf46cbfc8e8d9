"""The MediaAsset aggregate: an image, video or music track in the library's media library.

Each asset has a title, a kind, a source (who made it, where it is from), a reference to its
content (a content hash or a URI: no file bytes are ever stored in events) and a licence:

- its kind: own work, a Creative Commons licence (with its id, ``CC BY 4.0``), purchased or
  licensed, permission granted, public domain;
- the holder (every kind but public domain names one), a reference to the licence (a URL,
  a contract number), the last day it is valid (or none: no expiry), the platforms it may
  be used on (none listed: all) and the attribution text, if one is required.

Its life::

    active ──update_licence──► active
      │
      └──withdraw(reason)──► withdrawn (changes no more)

Posts use assets by naming them among their media (the post's or a platform variant's) as
``asset:<asset id>`` (:func:`asset_reference`). :func:`licence_findings` says, for a post's
media, which have no licence valid for the post's platforms on a day; those findings block
approval (see docs/media.md). Pure: no I/O.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final, TypeVar
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import InvalidValueError, LicenceTermsError, MediaWithdrawnError
from libops.domain.permissions import authorize
from libops.domain.validation import calendar_day, require_instance
from libops.domain.values import (
    LINE_MAX,
    Actor,
    Finding,
    FindingKind,
    Platform,
    optional_line,
    require_day,
    require_line,
    require_text,
    to_enum,
    to_platforms,
)

ASSET_PREFIX: Final = "asset:"
"""How a post's media reference names an asset of the media library: ``asset:<id>``."""

LICENCE_FINDINGS: Final = frozenset(
    {
        FindingKind.MEDIA_UNKNOWN,
        FindingKind.MEDIA_WITHDRAWN,
        FindingKind.LICENCE_EXPIRED,
        FindingKind.LICENCE_PLATFORM,
    }
)
"""The kinds of finding about media licences; every one of them blocks approval."""


class MediaKind(enum.Enum):
    """What an asset is."""

    IMAGE = "image"
    VIDEO = "video"
    MUSIC = "music"
    OTHER = "other"


class LicenceKind(enum.Enum):
    """On what terms the library may use an asset."""

    OWN_WORK = "own_work"
    CREATIVE_COMMONS = "creative_commons"
    PURCHASED = "purchased"
    PERMISSION = "permission"
    PUBLIC_DOMAIN = "public_domain"


class MediaStatus(enum.Enum):
    """Whether an asset may still be used."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


def _licence_kind(value: object) -> LicenceKind:
    return to_enum(LicenceKind, value)


def _optional_line(field: str, value: object) -> str | None:
    if value is None:
        return None
    return optional_line(field, value, max_length=LINE_MAX) or None


def _holder(value: object) -> str | None:
    return _optional_line("licence holder", value)


def _cc_id(value: object) -> str | None:
    return _optional_line("CC licence id", value)


def _reference(value: object) -> str | None:
    return _optional_line("licence reference", value)


def _attribution(value: object) -> str | None:
    return _optional_line("attribution", value)


def _expiry(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError as error:
            raise InvalidValueError(f"a licence's expiry is a day, not {value!r}") from error
    return require_day("a licence's expiry", calendar_day(value, "a licence's expiry is a date"))


def _platforms(values: Iterable[Platform | str]) -> tuple[Platform, ...]:
    return to_platforms(values, "licence platforms")


@attrs.frozen(kw_only=True)
class Licence:
    """The terms an asset may be used on (see the module). ``expires_on`` is the last day
    the licence is valid; ``platforms`` empty means every platform."""

    kind: LicenceKind = attrs.field(converter=_licence_kind)
    holder: str | None = attrs.field(default=None, converter=_holder)
    cc_id: str | None = attrs.field(default=None, converter=_cc_id)
    reference: str | None = attrs.field(default=None, converter=_reference)
    expires_on: date | None = attrs.field(default=None, converter=_expiry)
    platforms: tuple[Platform, ...] = attrs.field(default=(), converter=_platforms)
    attribution: str | None = attrs.field(default=None, converter=_attribution)

    def __attrs_post_init__(self) -> None:
        if self.kind is LicenceKind.CREATIVE_COMMONS and self.cc_id is None:
            raise LicenceTermsError("a Creative Commons licence needs its id, e.g. 'CC BY 4.0'")
        if self.kind is not LicenceKind.CREATIVE_COMMONS and self.cc_id is not None:
            raise LicenceTermsError(
                f"only a Creative Commons licence has a CC id, not a {self.kind.value} one"
            )
        if self.kind is not LicenceKind.PUBLIC_DOMAIN and self.holder is None:
            raise LicenceTermsError(f"a {self.kind.value} licence needs its holder")

    def allows(self, platform: Platform) -> bool:
        """Whether the licence covers ``platform``."""
        return not self.platforms or platform in self.platforms

    def valid_on(self, day: date) -> bool:
        """Whether the licence has not expired by ``day``."""
        return self.expires_on is None or day <= self.expires_on

    def stored(self) -> dict[str, Any]:
        """The plain data an event keeps of the licence."""
        return {
            "kind": self.kind.value,
            "holder": self.holder,
            "cc_id": self.cc_id,
            "reference": self.reference,
            "expires_on": None if self.expires_on is None else self.expires_on.isoformat(),
            "platforms": [p.value for p in self.platforms],
            "attribution": self.attribution,
        }

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Licence:
        """The licence an event kept (see :meth:`stored`)."""
        return cls(
            kind=data["kind"],
            holder=data.get("holder"),
            cc_id=data.get("cc_id"),
            reference=data.get("reference"),
            expires_on=data.get("expires_on"),
            platforms=tuple(data.get("platforms") or ()),
            attribution=data.get("attribution"),
        )


def _licence(value: object) -> Licence:
    return require_instance(Licence, value, "a media licence is a Licence")


class MediaAsset(Aggregate):
    """An image, video, music track or other medium the library may use, with its licence."""

    TOPIC = "libops:MediaAsset"

    class Event(events.Event):
        TOPIC = "libops:MediaAsset.Event"

    class Registered(events.Created):
        """An asset was added to the media library with its licence."""

        TOPIC = "libops:MediaAsset.Registered"
        actor_id: str
        title: str
        kind: str
        """A :class:`MediaKind`'s value."""
        source: str
        content_ref: str
        licence: dict[str, Any]

    class LicenceUpdated(events.Event):
        """The asset's licence was replaced (renewed, extended to platforms, corrected)."""

        TOPIC = "libops:MediaAsset.LicenceUpdated"
        actor_id: str
        licence: dict[str, Any]

    class Withdrawn(events.Event):
        """The asset may be used no more, saying why; it changes no more."""

        TOPIC = "libops:MediaAsset.Withdrawn"
        actor_id: str
        reason: str

    @classmethod
    def register(
        cls,
        actor: Actor,
        *,
        title: str,
        kind: MediaKind | str,
        source: str,
        content_ref: str,
        licence: Licence,
    ) -> MediaAsset:
        """Add an asset: what it is, where it is from, a content hash or URI, its licence."""
        authorize(actor, "media.register")
        return cls(
            actor_id=actor.id,
            title=require_line("title", title),
            kind=to_enum(MediaKind, kind).value,
            source=require_line("source", source, max_length=LINE_MAX),
            content_ref=require_line("content reference", content_ref, max_length=LINE_MAX),
            licence=_licence(licence).stored(),
        )

    @event(Registered)
    def __init__(
        self,
        actor_id: str,
        title: str,
        kind: str,
        source: str,
        content_ref: str,
        licence: dict[str, Any],
    ) -> None:
        self.registered_by = actor_id
        self.title = title
        self.kind = MediaKind(kind)
        self.source = source
        self.content_ref = content_ref
        self.licence = Licence.from_stored(licence)
        self.status = MediaStatus.ACTIVE
        self.withdraw_reason: str | None = None

    @property
    def reference(self) -> str:
        """How a post names this asset among its media: ``asset:<id>``."""
        return asset_reference(self.id)

    def _require_active(self, action: str) -> None:
        if self.status is MediaStatus.WITHDRAWN:
            raise MediaWithdrawnError("media asset", action, "withdrawn")

    def update_licence(self, actor: Actor, licence: Licence) -> None:
        """Replace the asset's licence (renewed, more platforms, corrected terms)."""
        authorize(actor, "media.update_licence")
        self._require_active("update the licence of")
        self._update_licence(actor_id=actor.id, licence=_licence(licence).stored())

    @event(LicenceUpdated)
    def _update_licence(self, actor_id: str, licence: dict[str, Any]) -> None:
        self.licence = Licence.from_stored(licence)

    def withdraw(self, actor: Actor, reason: str) -> None:
        """Take the asset out of use, saying why (a complaint, a licence ended early)."""
        authorize(actor, "media.withdraw")
        self._require_active("withdraw")
        self._withdraw(actor_id=actor.id, reason=require_text("reason", reason))

    @event(Withdrawn)
    def _withdraw(self, actor_id: str, reason: str) -> None:
        self.status = MediaStatus.WITHDRAWN
        self.withdraw_reason = reason

    def problems(self, platform: Platform, day: date) -> list[Finding]:
        """Why the asset may not be used on ``platform`` on ``day`` (empty: it may)."""
        where = f"media:{self.id}"
        if self.status is MediaStatus.WITHDRAWN:
            return [Finding(FindingKind.MEDIA_WITHDRAWN, where, self.withdraw_reason or "")]
        found = []
        if not self.licence.valid_on(day):
            expired = self.licence.expires_on
            assert expired is not None
            found.append(
                Finding(FindingKind.LICENCE_EXPIRED, where, f"expired {expired.isoformat()}")
            )
        if not self.licence.allows(platform):
            found.append(
                Finding(FindingKind.LICENCE_PLATFORM, where, f"not licensed for {platform.value}")
            )
        return found


def asset_reference(asset_id: UUID) -> str:
    """The media reference a post uses for an asset: ``asset:<id>``."""
    return f"{ASSET_PREFIX}{asset_id}"


_P = TypeVar("_P")  # how a caller of asset_uses names platforms


@functools.lru_cache(maxsize=4_096)  # the same assets are used by post after post
def referenced_asset(reference: str) -> UUID | str | None:
    """The asset id a media reference names; the reference itself if it starts with
    ``asset:`` but names no valid id; None if it is not an asset reference at all."""
    if not reference.startswith(ASSET_PREFIX):
        return None
    try:
        return UUID(reference.removeprefix(ASSET_PREFIX).strip())
    except ValueError:
        return reference


def asset_uses(
    media: Iterable[str], variants: Iterable[tuple[_P, Iterable[str]]]
) -> dict[UUID | str, set[_P]]:
    """Which assets a post uses on which platforms: the post's own ``media`` on each of its
    variants' platforms, a variant's media on its platform. Malformed ``asset:`` references
    are kept as text (they are unknown assets). The platforms are given as :class:`Platform`
    members, or in any other form (a projection's stored values), and returned as given."""
    variants = [(platform, tuple(refs)) for platform, refs in variants]
    platforms = {platform for platform, _ in variants}
    uses: dict[UUID | str, set[_P]] = {}
    for reference in media:
        asset = referenced_asset(reference)
        if asset is not None:
            uses.setdefault(asset, set()).update(platforms)
    for platform, refs in variants:
        for reference in refs:
            asset = referenced_asset(reference)
            if asset is not None:
                uses.setdefault(asset, set()).add(platform)
    return uses


def licence_findings(
    uses: Mapping[UUID | str, Iterable[Platform]],
    assets: Mapping[UUID, MediaAsset],
    day: date,
) -> tuple[Finding, ...]:
    """Every licence problem of the ``uses`` (from :func:`asset_uses`) on ``day``: unknown
    assets (not in ``assets``), withdrawn ones, expired licences, excluded platforms. Each
    distinct finding once, in the order of the uses and of the platforms' names."""
    found: dict[Finding, None] = {}
    for asset_id, platforms in uses.items():
        asset = assets.get(asset_id) if isinstance(asset_id, UUID) else None
        if asset is None:
            found[Finding(FindingKind.MEDIA_UNKNOWN, f"media:{asset_id}", "no such asset")] = None
            continue
        for platform in sorted(platforms, key=lambda p: p.value):
            for finding in asset.problems(platform, day):
                found[finding] = None
    return tuple(found)


def blocking_licence_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The media-licence findings among ``findings`` (all of them block approval)."""
    return tuple(f for f in findings if f.kind in LICENCE_FINDINGS)

"""What each platform accepts in one post, how to find the limits that apply, and where
platform profiles come from besides libops's own (entry points, ``LibOps.open``).

The numbers in :data:`DEFAULT_LIMITS` are the registered profiles' (see
:mod:`libops.domain.platforms`): an ordinary post made by hand through each platform's own
app or web composer. A platform adapter declares the limits of the API it
actually calls (its ``limits`` property), and those win: see :func:`limits_for`.
"""

from __future__ import annotations

import importlib.metadata
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from libops.domain.errors import (
    InvalidValueError,
    NotAPublishingPlatformError,
    PlatformProfileError,
)
from libops.domain.platforms import (
    PlatformProfile,
    profile_of,
    publishing_platforms,
    register_platform,
)
from libops.domain.ports import PlatformGateway
from libops.domain.values import Platform, PlatformLimits, to_platform

ENTRY_POINT_GROUP: Final = "libops.platforms"
"""The entry-point group whose entries each name a platform profile or an iterable of them."""


class _DefaultLimits(Mapping[Platform, PlatformLimits]):
    """The limits of every registered platform that publishes, read from its profile."""

    def __getitem__(self, platform: Platform) -> PlatformLimits:
        profile = profile_of(platform)
        if profile.limits is None:
            raise KeyError(platform)
        return profile.limits

    def __iter__(self) -> Iterator[Platform]:
        return iter(publishing_platforms())

    def __len__(self) -> int:
        return len(publishing_platforms())

    def __repr__(self) -> str:
        return f"DEFAULT_LIMITS({dict(self)!r})"


DEFAULT_LIMITS: Final[Mapping[Platform, PlatformLimits]] = _DefaultLimits()
"""The limits of an ordinary post on every publishing platform, from the registered
profiles (:mod:`libops.domain.platforms`, where their sources are noted), used when no
adapter declares its own."""

_loaded_entry_points = False
_loading = threading.Lock()


def _profiles_of(entry: Any, where: str) -> list[PlatformProfile]:
    if isinstance(entry, PlatformProfile):
        return [entry]
    if isinstance(entry, Iterable) and not isinstance(entry, str | bytes | Mapping):
        profiles = list(entry)
        for item in profiles:
            if not isinstance(item, PlatformProfile):
                raise PlatformProfileError(
                    f"{where} gives {item!r}, which is not a PlatformProfile"
                )
        return profiles
    raise PlatformProfileError(
        f"{where} gives {type(entry).__name__}, not a PlatformProfile or an iterable of them"
    )


def load_entry_point_platforms(*, reload: bool = False) -> tuple[Platform, ...]:
    """Register the profiles named by the installed ``libops.platforms`` entry points (once
    per process; ``reload=True`` looks again). An entry point that does not load, or gives
    anything but profiles, is refused with an error naming it."""
    global _loaded_entry_points
    with _loading:
        if _loaded_entry_points and not reload:
            return ()
        found: list[Platform] = []
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            where = f"entry point {entry_point.name!r} ({entry_point.value}) in {ENTRY_POINT_GROUP}"
            try:
                loaded = entry_point.load()
            except Exception as error:
                raise PlatformProfileError(f"{where} does not load: {error}") from error
            for profile in _profiles_of(loaded, where):
                try:
                    found.append(register_platform(profile))
                except PlatformProfileError as error:
                    raise PlatformProfileError(f"{where}: {error}") from error
        _loaded_entry_points = True
        return tuple(found)


def register_platforms(profiles: Iterable[PlatformProfile]) -> tuple[Platform, ...]:
    """Register ``profiles`` (``LibOps.open(platforms=...)``): each must be a profile."""
    if isinstance(profiles, PlatformProfile):
        profiles = [profiles]
    return tuple(register_platform(p) for p in _profiles_of(profiles, "platforms"))


def gateways_by_platform(gateways: Iterable[PlatformGateway]) -> dict[Platform, PlatformGateway]:
    """Index gateways by the platform they talk to; two gateways for one platform are refused."""
    indexed: dict[Platform, PlatformGateway] = {}
    for gateway in gateways:
        if not isinstance(gateway, PlatformGateway):
            raise InvalidValueError(
                f"{gateway!r} is not a platform gateway (see libops.domain.ports.PlatformGateway)"
            )
        platform = to_platform(gateway.platform)
        if platform in indexed:
            raise InvalidValueError(f"two gateways were given for {platform.value}")
        indexed[platform] = gateway
    return indexed


def limits_for(
    platform: Platform | str,
    gateways: Mapping[Platform, PlatformGateway] | Iterable[PlatformGateway] = (),
) -> PlatformLimits:
    """The limits a post variant for ``platform`` must meet.

    A registered gateway's declared limits win (they describe the API it really calls);
    otherwise the platform's profile's apply. One of the library's own channels (the
    desk, ...) takes no posts: :class:`NotAPublishingPlatformError`.
    """
    platform = to_platform(platform)
    profile = profile_of(platform)
    if not profile.publishes or profile.limits is None:
        raise NotAPublishingPlatformError(platform.value)
    if not isinstance(gateways, Mapping):
        gateways = gateways_by_platform(gateways)
    gateway = gateways.get(platform)
    if gateway is not None:
        return gateway.limits
    return profile.limits

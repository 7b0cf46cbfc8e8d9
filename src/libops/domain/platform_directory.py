"""How :class:`~libops.domain.values.Platform` knows the platforms registered at run time: the
directory it consults (the platform registry installs itself here) and its metaclass, which
iterates, counts and tests membership of every registered platform.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Protocol, TypeVar

_E = TypeVar("_E", bound=enum.Enum)


class PlatformDirectory(Protocol):
    """What :class:`Platform` asks of the platform registry
    (:class:`libops.domain.platforms.PlatformRegistry`, which installs itself here)."""

    def ids(self) -> tuple[str, ...]: ...

    def __contains__(self, platform_id: object) -> bool: ...

    def publishes(self, platform_id: str) -> bool: ...

    def check_own_metrics(
        self, platform_id: str, values: Mapping[str, object]
    ) -> dict[str, int | Decimal]: ...


_DIRECTORY: list[PlatformDirectory] = []


def use_platform_directory(directory: PlatformDirectory) -> None:
    """Make ``directory`` the registry :class:`Platform` consults (done once, by
    :mod:`libops.domain.platforms`, which the :mod:`libops.domain` package imports)."""
    _DIRECTORY[:] = [directory]


def platform_directory() -> PlatformDirectory:
    """The registry :class:`Platform` consults (installed by :func:`use_platform_directory`)."""
    if not _DIRECTORY:  # pragma: no cover - libops.domain imports the registry first
        raise RuntimeError("libops.domain.platforms is not loaded")
    return _DIRECTORY[0]


class PlatformType(enum.EnumMeta):
    """Iterates (and counts, and tests membership of) every *registered* platform, in the
    order of registration: the shipped ones first (see :mod:`libops.domain.platforms`)."""

    def __iter__(cls: type[_E]) -> Iterator[_E]:  # type: ignore[misc]
        return iter([cls(platform_id) for platform_id in platform_directory().ids()])

    def __len__(cls) -> int:
        return len(platform_directory().ids())

    def __contains__(cls, value: object) -> bool:
        if isinstance(value, enum.Enum):
            return isinstance(value, cls) and value.value in platform_directory()
        return value in platform_directory()

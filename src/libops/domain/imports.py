"""What an analytics export holds, row by row, once read (pure values, no I/O).

The readers (:mod:`libops.adapters.importers`) turn a platform's export file into
:class:`ExportRow` values; the application (:mod:`libops.application.imports`) matches them to
posts and records them. Counts left out of a row (``-`` or empty in the file) are None: no
data, which is not zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from libops.domain.followers import FollowerDay
from libops.domain.permissions import authorize
from libops.domain.values import Actor, Format, Platform, to_platform


def _frozen_map(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@attrs.frozen
class ExportRow:
    """One post's figures in an export: where it is in the file, what identifies the post,
    and its cumulative counts (common ones by name, the platform's own in ``extra``)."""

    file: str
    row: int
    """The row's number as the file shows it (1 is the first line or sheet row)."""
    platform: Platform = attrs.field(converter=to_platform)
    title: str | None
    url: str | None
    external_id: str | None
    published_at: datetime | None
    date_only: bool
    """Whether the file gives the publish day only (matching then allows the whole day)."""
    counts: Mapping[str, int | None] = attrs.field(converter=_frozen_map)
    extra: Mapping[str, int | Decimal] = attrs.field(converter=_frozen_map)
    format: Format = Format.IMAGE_TEXT
    observed_at: datetime | None = None
    """When the counts were observed, if the file says (a mapping's ``observed_at`` column);
    None: when they are imported."""

    @property
    def where(self) -> str:
        """``file, row n`` for messages."""
        return f"{self.file}, row {self.row}"


@attrs.frozen
class FollowerRow:
    """One day of an account's follower figures in an export (WeChat's user growth)."""

    file: str
    row: int
    platform: Platform = attrs.field(converter=to_platform)
    figures: FollowerDay


@attrs.frozen
class ExportContents:
    """What an export file holds: post rows, account-level follower days, or both."""

    rows: list[ExportRow] = attrs.field(factory=list)
    followers: list[FollowerRow] = attrs.field(factory=list)


def authorize_import(actor: Actor) -> None:
    """Raise unless ``actor`` may import an analytics export (``import.apply``): the posts,
    metrics and follower figures it records are checked again by their own aggregates."""
    authorize(actor, "import.apply")

"""Cleaning one row: :class:`RowParser` turns a row's cells under a layout's header into a checked
:class:`~libops.domain.imports.ExportRow` (or the lean :class:`RowValues` of the bulk path).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Final, NamedTuple
from zoneinfo import ZoneInfo

from libops.adapters.importers.cells import (
    _where,
    parse_count,
    parse_ratio,
    parse_seconds,
    parse_time,
)
from libops.adapters.importers.layouts import Layout, _column
from libops.domain.errors import ImportFileError
from libops.domain.imports import ExportRow
from libops.domain.values import COMMON_COUNTS


def _one_cell(position: int) -> Callable[[list[str]], tuple[str, ...]]:
    """The cell at ``position`` as a 1-tuple (``itemgetter`` of one position gives the cell
    itself)."""

    def cell(cells: list[str]) -> tuple[str, ...]:
        return (cells[position],)

    return cell


_TIME_CACHE: Final = 4096
"""How many distinct time cells a :class:`RowParser` remembers (a file repeats its days)."""


class RowParser:
    """Turns one row's cells under a layout's header into a checked :class:`ExportRow`
    (None for a blank row, which ends the table); a bad cell is refused with
    :class:`~libops.domain.errors.ImportFileError` naming the file, row and column."""

    def __init__(
        self,
        path: Path,
        layout: Layout,
        header_row: int,
        header: list[str],
        zone: ZoneInfo,
        time_format: str | None = None,
    ) -> None:
        self.path, self.layout, self.header, self.zone = path, layout, header, zone
        self.time_format = time_format
        width = len(header)
        while width and not header[width - 1]:
            width -= 1
        self.width = width
        counts = {}
        for count, names in layout.counts.items():
            column = _column(header, names)
            if column is None:
                raise ImportFileError(
                    f"{path.name}, row {header_row}: the header has no column {' or '.join(names)}"
                )
            counts[count] = column
        self.counts = counts
        extra = {}
        for metric, (name, kind) in layout.extra.items():
            column = _column(header, (name,))
            if column is not None:
                extra[metric] = (*column, kind)
        self.extra = extra
        if layout.observed_at is not None and layout.observed_at not in header:
            raise ImportFileError(
                f"{path.name}, row {header_row}: the header has no column {layout.observed_at}"
            )
        self._at = {
            name: header.index(name)
            for name in (layout.title, layout.published_at, layout.url, layout.external_id)
            if name is not None
        }
        self._observed_at = None if layout.observed_at is None else header.index(layout.observed_at)
        self._times: dict[tuple[str, str], tuple[datetime, bool] | None] = {}
        self._identities: dict[tuple[str, ...], RowIdentity] = {}
        self._observed: dict[str, datetime] = {}
        self._count_columns = tuple(counts.items())
        self._common_columns = tuple(
            (COMMON_COUNTS.index(count), name, position)
            for count, (name, position) in counts.items()
        )
        # The common case, precompiled: every count cell plain digits. The cells are taken
        # in one call, read with int, and laid out in COMMON_COUNTS order by one more, from
        # the values followed by the two defaults (0, then None).
        positions = [position for _slot, _name, position in self._common_columns]
        at_value = {slot: index for index, (slot, _n, _p) in enumerate(self._common_columns)}
        zero, none = len(positions), len(positions) + 1
        self._count_cells: Callable[[list[str]], tuple[str, ...]] = (
            operator.itemgetter(*positions) if len(positions) > 1 else _one_cell(positions[0])
        )
        self._lay_out: Callable[[tuple[int | None, ...]], tuple[int | None, ...]] = (
            operator.itemgetter(
                *(
                    at_value.get(slot, none if default is None else zero)
                    for slot, default in enumerate(_NO_COUNTS)
                )
            )
        )
        self._identity_cells = operator.itemgetter(*self._at.values())

    _READERS: Final[dict[str, Callable[[Path, int, str, str], Any]]] = {
        "count": parse_count,
        "ratio": parse_ratio,
        "seconds": parse_seconds,
    }

    def _time(self, number: int, column: str, text: str) -> tuple[datetime, bool] | None:
        key = (column, text)
        if key in self._times:
            return self._times[key]
        moment = parse_time(self.path, number, column, text, self.zone, self.time_format)
        if len(self._times) >= _TIME_CACHE:
            self._times.clear()
        self._times[key] = moment
        return moment

    def identity(self, number: int, cells: list[str]) -> RowIdentity:
        """What identifies the row's post (its title, URL, id and publish time), checked;
        remembered by the cells' text, since a file of daily snapshots repeats it."""
        key = self._identity_cells(cells)
        known = self._identities.get(key)
        if known is not None:
            return known
        at, path, layout = self._at, self.path, self.layout

        def cell(name: str | None) -> str:
            return "" if name is None else cells[at[name]]

        title = cell(layout.title) or None
        if title is not None:
            title = title.splitlines()[0].strip()[:200] or None
        moment = None
        if layout.published_at is not None:
            moment = self._time(number, layout.published_at, cell(layout.published_at))
        url = cell(layout.url) or None
        external_id = cell(layout.external_id) or None
        if url is None and external_id is None and (title is None or moment is None):
            raise ImportFileError(
                f"{path.name}, row {number}: no URL, no id, and no title with a publish time: "
                "the row cannot be matched to a post"
            )
        found = RowIdentity(
            title,
            url,
            external_id,
            None if moment is None else moment[0],
            False if moment is None else moment[1],
        )
        if len(self._identities) >= _IDENTITY_CACHE:
            self._identities.clear()
        self._identities[key] = found
        return found

    def values(self, number: int, cells: list[str]) -> RowValues | None:
        """The row's checked values (None for a blank row, which ends the table)."""
        path, width = self.path, self.width
        if not (cells and cells[0]) and not any(cells[:width]):
            return None
        if len(cells) < width:
            raise ImportFileError(
                f"{_where(path, number, self.header[len(cells)])}: the row ends early "
                f"({len(cells)} cells, the header has {width}); is the file cut short?"
            )
        identity = self._identities.get(self._identity_cells(cells))
        if identity is None:
            identity = self.identity(number, cells)
        observed = None
        if self._observed_at is not None:
            text = cells[self._observed_at]
            seen = self._observed.get(text)
            if seen is None:
                column = self.layout.observed_at
                assert column is not None
                moment = parse_time(path, number, column, text, self.zone, self.time_format)
                if moment is None:
                    raise ImportFileError(
                        f"{_where(path, number, column)}: no observation time (the counts' date)"
                    )
                if len(self._observed) >= _TIME_CACHE:
                    self._observed.clear()
                seen = self._observed[text] = moment[0]
            observed = seen
        # The counts in COMMON_COUNTS order, as a snapshot holds them (no data: 0, and None
        # for followers gained): one list per row, no dict.
        texts = self._count_cells(cells)
        joined = "".join(texts)
        if all(texts) and joined.isdigit() and joined.isascii():
            common = self._lay_out((*map(int, texts), 0, None))
        else:
            laid = list(_NO_COUNTS)
            for slot, name, position in self._common_columns:
                text = cells[position]
                if text.isdigit() and text.isascii():
                    laid[slot] = int(text)
                else:
                    value = parse_count(path, number, name, text)
                    if value is not None:
                        laid[slot] = value
            common = tuple(laid)
        extra: dict[str, Any] = {}
        if self.extra:
            readers = self._READERS
            for metric, (name, position, kind) in self.extra.items():
                value = readers[kind](path, number, name, cells[position])
                if value is not None:
                    extra[metric] = value
        # tuple.__new__ makes the named tuple without its Python-level __new__ (one call
        # less per row).
        return tuple.__new__(RowValues, (number, identity, common, extra, observed))

    def __call__(self, number: int, cells: list[str]) -> ExportRow | None:
        """The row numbered ``number`` in the file, checked."""
        values = self.values(number, cells)
        if values is None:
            return None
        identity = values.identity
        path = self.path
        counts: dict[str, int | None] = {}
        for count, (name, position) in self._count_columns:
            text = cells[position]
            if text.isdigit() and text.isascii():
                counts[count] = int(text)
            else:
                counts[count] = parse_count(path, number, name, text)
        return ExportRow(
            file=self.path.name,
            row=number,
            platform=self.layout.platform,
            title=identity.title,
            url=identity.url,
            external_id=identity.external_id,
            published_at=identity.published_at,
            date_only=identity.date_only,
            counts=counts,
            extra=values.extra,
            format=self.layout.format,
            observed_at=values.observed_at,
        )


class RowIdentity(NamedTuple):
    """What identifies a row's post: title, URL, external id, publish time (and whether the
    file gives its day only)."""

    title: str | None
    url: str | None
    external_id: str | None
    published_at: datetime | None
    date_only: bool


_NO_COUNTS: Final[tuple[int | None, ...]] = tuple(
    None if name == "followers_gained" else 0 for name in COMMON_COUNTS
)
"""A snapshot's counts when a row gives none: 0, and None for followers gained."""


class RowValues(NamedTuple):
    """One row's checked values, as the bulk path reads them (no :class:`ExportRow` made).

    ``common`` holds the row's counts in :data:`~libops.domain.values.COMMON_COUNTS` order
    as a snapshot holds them (a count the row has no data for, or no column for: 0, and None
    for followers gained); :attr:`counts` gives them by name.
    """

    row: int
    identity: RowIdentity
    common: tuple[int | None, ...]
    extra: dict[str, Any]
    observed_at: datetime | None

    @property
    def counts(self) -> dict[str, int | None]:
        """The row's counts by name (those it has a value for)."""
        return {
            name: value
            for name, value in zip(COMMON_COUNTS, self.common, strict=True)
            if value is not None
        }


_IDENTITY_CACHE: Final = 100_000
"""How many post identities a :class:`RowParser` remembers by their cells' text."""

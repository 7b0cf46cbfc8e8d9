"""Recognising a layout by its header cells and reading a whole export (posts or account-level
follower days) from its tables.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from libops.adapters.importers.cells import _where, parse_count, parse_signed, parse_time
from libops.adapters.importers.layouts import (
    ACCOUNT_GROWTH,
    LAYOUTS,
    Layout,
    Table,
    _header_index,
    load_mapping_for,
)
from libops.adapters.importers.rows import RowParser
from libops.adapters.importers.tables import read_tables
from libops.domain.errors import ImportFileError, LibopsError
from libops.domain.followers import FollowerDay
from libops.domain.imports import ExportContents, ExportRow, FollowerRow
from libops.domain.values import Platform, to_platform


def recognise(path: Path, tables: list[Table]) -> list[tuple[Layout, Table, int]]:
    """Every (layout, table, header index) found in ``tables``."""
    found = []
    for table in tables:
        for layout in LAYOUTS:
            index = _header_index(table, layout.required())
            if index is not None:
                found.append((layout, table, index))
    return found


def read_export(
    path: str | Path,
    *,
    platform: Platform | str | None = None,
    mapping: str | Path | None = None,
    timezone: str = "Asia/Shanghai",
) -> ExportContents:
    """Every post row and follower day of the export at ``path``, checked (see the module's
    docstring)."""
    path = Path(path)
    zone = ZoneInfo(timezone)
    tables = read_tables(path)
    if mapping is not None:
        layout, time_format = load_mapping_for(mapping, platform)
        found = []
        for table in tables:
            index = _header_index(table, layout.required())
            if index is not None:
                found.append((layout, table, index))
        if not found:
            _missing(path, tables, layout)
        return ExportContents(
            rows=[
                row
                for layout_, table, index in found
                for row in _rows(path, layout_, table, index, zone, time_format)
            ]
        )
    found = recognise(path, tables)
    wanted = None if platform is None else to_platform(platform)
    if wanted is not None:
        found = [f for f in found if f[0].platform is wanted]
    followers = []
    if wanted in (None, Platform.WECHAT):
        for table in tables:
            index = _header_index(table, ACCOUNT_GROWTH)
            if index is not None:
                followers.extend(_follower_days(path, table, index))
    if not found and not followers:
        _unknown(path, tables, platform)
    return ExportContents(
        rows=[
            row for layout, table, index in found for row in _rows(path, layout, table, index, zone)
        ],
        followers=followers,
    )


def _follower_days(path: Path, table: Table, index: int) -> list[FollowerRow]:
    header = table[index][1]
    at = {name: header.index(name) for name in ACCOUNT_GROWTH}
    width = max(at.values()) + 1
    days = []
    for number, cells in table[index + 1 :]:
        if not any(cells):
            break
        if len(cells) < width:
            raise ImportFileError(
                f"{_where(path, number, header[len(cells)])}: the row ends early "
                f"({len(cells)} cells, the header has {len(header)}); is the file cut short?"
            )
        day_column = ACCOUNT_GROWTH[0]
        moment = parse_time(path, number, day_column, cells[at[day_column]], ZoneInfo("UTC"))
        if moment is None or not moment[1]:
            raise ImportFileError(
                f"{_where(path, number, day_column)}: {cells[at[day_column]]!r} is not a day"
            )
        gained, lost, net, total = (
            (parse_signed if name == "净增关注人数" else parse_count)(
                path, number, name, cells[at[name]]
            )
            for name in ACCOUNT_GROWTH[1:]
        )
        try:
            figures = FollowerDay(moment[0].date(), gained, lost, net, total)
        except LibopsError as error:
            raise ImportFileError(f"{path.name}, row {number}: {error}") from None
        days.append(FollowerRow(path.name, number, Platform.WECHAT, figures))
    return days


def _missing(path: Path, tables: list[Table], layout: Layout) -> None:
    best = max(
        ((number, cells) for table in tables for number, cells in table),
        key=lambda r: sum(name in r[1] for name in layout.required()),
        default=(1, []),
    )
    absent = [name for name in layout.required() if name not in best[1]]
    raise ImportFileError(
        f"{path.name}, row {best[0]}: the header has no column {', '.join(absent)}"
    )


def _unknown(path: Path, tables: list[Table], platform: Platform | str | None) -> None:
    for layout in LAYOUTS:
        if platform is not None and layout.platform is not to_platform(platform):
            continue
        for table in tables:
            for number, cells in table:
                present = [name for name in layout.required() if name in cells]
                if len(present) >= 2:
                    absent = [name for name in layout.required() if name not in cells]
                    raise ImportFileError(
                        f"{path.name}, row {number}: looks like a {layout.name} export but the "
                        f"header has no column {', '.join(absent)}"
                    )
    wechat = platform is None or to_platform(platform) is Platform.WECHAT
    for table in tables if wechat else ():
        for number, cells in table:
            present = [name for name in ACCOUNT_GROWTH if name in cells]
            absent = [name for name in ACCOUNT_GROWTH if name not in cells]
            if len(present) >= 2 and absent:
                raise ImportFileError(
                    f"{path.name}, row {number}: looks like a WeChat user-growth export but "
                    f"the header has no column {', '.join(absent)}"
                )
    which = "" if platform is None else f"{to_platform(platform).value} "
    raise ImportFileError(
        f"{path.name}: no known {which}export layout found (WeChat article totals or user growth, "
        "Douyin 作品列表, "
        "Meta posts); give a mapping file (--mapping) for any other CSV"
    )


def _rows(
    path: Path,
    layout: Layout,
    table: Table,
    index: int,
    zone: ZoneInfo,
    time_format: str | None = None,
) -> list[ExportRow]:
    parse = RowParser(path, layout, table[index][0], table[index][1], zone, time_format)
    rows = []
    for number, cells in table[index + 1 :]:
        row = parse(number, cells)
        if row is None:
            break  # a blank row ends the table
        rows.append(row)
    return rows

"""Readers of the platforms' analytics exports (``libops import``, docs/import.md).

A file is read into tables of text cells (``.xlsx`` by openpyxl, BIFF8 ``.xls`` by xlrd, HTML
named ``.xls`` by the standard library's HTML parser, CSV by :mod:`csv` after decoding UTF-8,
UTF-8 with a byte-order mark, or GBK). A layout is recognised by its header cells wherever
they are on a sheet (title rows above, several tables on one sheet); a mapping file (TOML or
JSON) describes any other CSV. Every cell is checked before anything is returned: a bad one
is refused with :class:`~libops.domain.errors.ImportFileError` naming the file, row and column.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path
from struct import error as struct_error
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from libops.domain.errors import ImportFileError, LibopsError
from libops.domain.followers import FollowerDay
from libops.domain.imports import ExportContents, ExportRow, FollowerRow
from libops.domain.values import COMMON_COUNTS, Format, Platform, to_platform

Table = list[tuple[int, list[str]]]
"""A table's rows as (row number in the file, text cells)."""

NO_DATA: Final = frozenset({"", "-", "--", "—", "N/A", "n/a"})
"""Cells that mean "no data" (not zero)."""


@attrs.frozen
class Layout:
    """How one kind of export names its columns.

    ``title``, ``url``, ``external_id`` and ``published_at`` name a column each (or are None);
    ``counts`` maps a common count to the column(s) that may hold it (the first present
    wins: Meta's ``Views`` was ``Impressions`` before 2025); ``extra`` the platform's own
    metrics to theirs, with how to read them (``count``, ``ratio`` or ``seconds``).
    """

    name: str
    platform: Platform = attrs.field(converter=to_platform)
    title: str | None
    published_at: str | None
    counts: Mapping[str, tuple[str, ...]]
    url: str | None = None
    external_id: str | None = None
    extra: Mapping[str, tuple[str, str]] = attrs.field(factory=dict)
    format: Format = Format.IMAGE_TEXT
    recognise: tuple[str, ...] = ()
    """Header cells that must all be present for the layout to be recognised (besides the
    columns it reads)."""
    account_level: bool = False

    def required(self) -> tuple[str, ...]:
        """The columns a header must have to be this layout."""
        named = [c for c in (self.title, self.published_at, self.url, self.external_id) if c]
        return tuple(dict.fromkeys((*self.recognise, *named)))


LAYOUTS: Final[tuple[Layout, ...]] = (
    Layout(
        "wechat_articles",
        "wechat",
        title="内容标题",
        published_at="发表时间",
        url="内容url",
        counts={
            "reads": ("总阅读人数",),
            "shares": ("总分享人数",),
            "followers_gained": ("阅读后关注人数",),
        },
        extra={"read_completion": ("阅读完成率", "ratio")},
        recognise=("总阅读人数",),
    ),
    Layout(
        "douyin_works",
        "douyin",
        title="作品名称",
        published_at="发布时间",
        counts={
            "views": ("播放量",),
            "likes": ("点赞量",),
            "shares": ("分享量",),
            "comments": ("评论量",),
            "favourites": ("收藏量",),
            "followers_gained": ("粉丝增量",),
        },
        extra={
            "completion_rate": ("完播率", "ratio"),
            "avg_watch_seconds": ("平均播放时长", "seconds"),
        },
        format=Format.VIDEO,
        recognise=("播放量",),
    ),
    Layout(
        "facebook_posts",
        "facebook",
        title="Description",
        published_at="Publish time",
        url="Permalink",
        external_id="Post ID",
        counts={
            "views": ("Views", "Impressions"),
            "likes": ("Reactions",),
            "comments": ("Comments",),
            "shares": ("Shares",),
        },
        recognise=("Page ID",),
    ),
    Layout(
        "instagram_posts",
        "instagram",
        title="Description",
        published_at="Publish time",
        url="Permalink",
        external_id="Post ID",
        counts={
            "views": ("Views",),
            "likes": ("Likes",),
            "comments": ("Comments",),
            "shares": ("Shares",),
            "favourites": ("Saves",),
        },
        recognise=("Account ID",),
    ),
)

ACCOUNT_GROWTH: Final = ("时间", "新关注人数", "取消关注人数", "净增关注人数", "累积关注人数")
"""The header of WeChat's user-growth export (account-level figures, not posts): the day,
followers gained, lost, the net change and the total (the back office writes 累积)."""


# --- reading files into tables -------------------------------------------------------------


def _decode(path: Path, data: bytes) -> str:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    line = data[: _bad_offset(data)].count(b"\n") + 1
    raise ImportFileError(
        f"{path.name}, row {line}: the file is not UTF-8 or GBK text (check the export's encoding)"
    )


def _bad_offset(data: bytes) -> int:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return error.start
    return data.find(b"\x00")


class _HtmlTables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._close_row()
            self._row = []
        elif tag in ("td", "th"):
            self._close_cell()
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr":
            self._close_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _close_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
        self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None:
            self._count += 1
            if not self.tables:
                self.tables.append([])
            self.tables[-1].append((self._count, self._row))
        self._row = None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value).strip()


def read_tables(path: Path) -> list[Table]:
    """The tables of ``path``: one per sheet (or per HTML table, or the CSV)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot be read ({error.strerror})") from None
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() == ".xlsx":
        return _xlsx(path, data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _xls(path, data)
    text = _decode(path, data)
    if re.search(r"<\s*table", text[:4096], re.IGNORECASE):
        parser = _HtmlTables()
        parser.feed(text)
        parser.close()
        parser._close_row()
        opened = len(re.findall(r"<\s*table\b", text, re.IGNORECASE))
        if len(re.findall(r"</\s*table\s*>", text, re.IGNORECASE)) < opened:
            raise ImportFileError(
                f"{path.name}, row {parser._count}: the table ends there without being "
                "closed: the file is cut short"
            )
        return parser.tables
    return [_csv(path, text)]


def _xlsx(path: Path, data: bytes) -> list[Table]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(
            f"{path.name}: not a readable .xlsx workbook (truncated or damaged: {error})"
        ) from None
    try:
        return [
            [
                (number, [_cell_text(v) for v in row])
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            for sheet in book.worksheets
        ]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportFileError(f"{path.name}: the workbook is damaged ({error})") from None
    finally:
        book.close()


def _xls(path: Path, data: bytes) -> list[Table]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data)
    except (xlrd.XLRDError, AssertionError, IndexError, ValueError, struct_error) as error:
        raise ImportFileError(
            f"{path.name}: not a readable .xls workbook (truncated or damaged: {error})"
        ) from None
    return [
        [(r + 1, [_cell_text(v) for v in sheet.row_values(r)]) for r in range(sheet.nrows)]
        for sheet in book.sheets()
    ]


def _csv(path: Path, text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    table: Table = []
    try:
        # Rows are counted as a spreadsheet shows them: a quoted cell's line breaks stay in
        # its row.
        for number, row in enumerate(reader, start=1):
            table.append((number, [c.strip() for c in row]))
    except csv.Error as error:
        raise ImportFileError(
            f"{path.name}, row {reader.line_num}: not readable CSV ({error})"
        ) from None
    return table


# --- cells ---------------------------------------------------------------------------------


def _where(path: Path, row: int, column: str) -> str:
    return f"{path.name}, row {row}, column {column}"


def parse_count(path: Path, row: int, column: str, text: str) -> int | None:
    """A count: ``1,523``, ``1938.0``; ``-`` or empty is no data (None)."""
    if text in NO_DATA:
        return None
    cleaned = text.replace(",", "").replace(" ", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise ImportFileError(f"{_where(path, row, column)}: {text!r} is not a whole count")
    if number < 0:
        raise ImportFileError(f"{_where(path, row, column)}: {text!r} is below zero")
    return int(number)


def parse_signed(path: Path, row: int, column: str, text: str) -> int | None:
    """A whole number that may be negative (a net change: ``-5``); ``-`` alone is no data."""
    if text.startswith("-") and text not in NO_DATA:
        value = parse_count(path, row, column, text[1:])
        return None if value is None else -value
    return parse_count(path, row, column, text)


def parse_ratio(path: Path, row: int, column: str, text: str) -> Decimal | None:
    """A rate: ``19.86%`` or the fraction ``0.1986``; ``-`` or empty is no data."""
    if text in NO_DATA:
        return None
    cleaned = text.replace(",", "").strip()
    percent = cleaned.endswith("%")
    try:
        value = Decimal(cleaned.rstrip("%").strip())
    except InvalidOperation:
        raise ImportFileError(
            f"{_where(path, row, column)}: {text!r} is not a rate (19.86% or 0.1986)"
        ) from None
    if percent:
        value = value / 100
    if not value.is_finite() or not 0 <= value <= 1:
        raise ImportFileError(f"{_where(path, row, column)}: {text!r} is not a rate from 0 to 1")
    return value


def parse_seconds(path: Path, row: int, column: str, text: str) -> Decimal | None:
    """A duration in seconds (``14.62``); ``-`` or empty is no data."""
    if text in NO_DATA:
        return None
    try:
        value = Decimal(text.replace(",", "").rstrip("s秒").strip())
    except InvalidOperation:
        raise ImportFileError(f"{_where(path, row, column)}: {text!r} is not seconds") from None
    if not value.is_finite() or value < 0:
        raise ImportFileError(f"{_where(path, row, column)}: {text!r} is not seconds")
    return value


_FORMATS: Final = (
    ("%Y-%m-%d %H:%M:%S", False),
    ("%Y-%m-%d %H:%M", False),
    ("%m/%d/%Y %H:%M", False),
    ("%m/%d/%Y %H:%M:%S", False),
    ("%Y/%m/%d %H:%M", False),
    ("%Y-%m-%d", True),
    ("%Y%m%d", True),
    ("%Y/%m/%d", True),
    ("%m/%d/%Y", True),
)


def parse_time(
    path: Path, row: int, column: str, text: str, zone: ZoneInfo, fmt: str | None = None
) -> tuple[datetime, bool] | None:
    """A publish time in the file's timezone, and whether it is a day only."""
    if text in NO_DATA:
        return None
    cleaned = text.strip()
    formats = ((fmt, "%H" not in fmt),) if fmt else _FORMATS
    for pattern, date_only in formats:
        try:
            moment = datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=zone), date_only
    raise ImportFileError(
        f"{_where(path, row, column)}: {text!r} is not a date (YYYY-MM-DD, YYYYMMDD or "
        "MM/DD/YYYY HH:MM)"
    )


# --- layouts -------------------------------------------------------------------------------


def _header_index(table: Table, required: Sequence[str]) -> int | None:
    for index, (_number, cells) in enumerate(table):
        if all(name in cells for name in required):
            return index
    return None


def _column(header: list[str], names: Iterable[str]) -> tuple[str, int] | None:
    for name in names:
        if name in header:
            return name, header.index(name)
    return None


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
        layout, time_format = load_mapping(mapping)
        if platform is not None and to_platform(platform) is not layout.platform:
            given = to_platform(platform).value
            raise ImportFileError(
                f"{Path(mapping).name}: maps {layout.platform.value}, not {given}"
            )
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
    header = table[index][1]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    counts = {}
    for count, names in layout.counts.items():
        column = _column(header, names)
        if column is None:
            raise ImportFileError(
                f"{path.name}, row {table[index][0]}: the header has no column {' or '.join(names)}"
            )
        counts[count] = column
    extra = {}
    for metric, (name, kind) in layout.extra.items():
        column = _column(header, (name,))
        if column is not None:
            extra[metric] = (*column, kind)
    readers: dict[str, Callable[[Path, int, str, str], Any]] = {
        "count": parse_count,
        "ratio": parse_ratio,
        "seconds": parse_seconds,
    }
    rows = []
    for number, cells in table[index + 1 :]:
        if not any(cells[:width]):
            break  # a blank row ends the table
        if len(cells) < width:
            raise ImportFileError(
                f"{_where(path, number, header[len(cells)])}: the row ends early "
                f"({len(cells)} cells, the header has {width}); is the file cut short?"
            )

        def cell(name: str | None, cells: list[str] = cells) -> str:
            return "" if name is None else cells[header.index(name)]

        title = cell(layout.title) or None
        if title is not None:
            title = title.splitlines()[0].strip()[:200] or None
        moment = None
        if layout.published_at is not None:
            moment = parse_time(
                path, number, layout.published_at, cell(layout.published_at), zone, time_format
            )
        url = cell(layout.url) or None
        external_id = cell(layout.external_id) or None
        if url is None and external_id is None and (title is None or moment is None):
            raise ImportFileError(
                f"{path.name}, row {number}: no URL, no id, and no title with a publish time: "
                "the row cannot be matched to a post"
            )
        rows.append(
            ExportRow(
                file=path.name,
                row=number,
                platform=layout.platform,
                title=title,
                url=url,
                external_id=external_id,
                published_at=None if moment is None else moment[0],
                date_only=False if moment is None else moment[1],
                counts={
                    count: parse_count(path, number, name, cells[position])
                    for count, (name, position) in counts.items()
                },
                extra={
                    metric: value
                    for metric, (name, position, kind) in extra.items()
                    if (value := readers[kind](path, number, name, cells[position])) is not None
                },
                format=layout.format,
            )
        )
    return rows


# --- mapping files -------------------------------------------------------------------------


def load_mapping(path: str | Path) -> tuple[Layout, str | None]:
    """A column mapping (TOML or JSON) as a layout, and its time format if it names one.

    Keys: ``platform``; ``title``, ``url``, ``external_id``, ``published_at`` (column names);
    ``time_format`` (strptime, optional); ``counts`` (count name to column) and ``extra``
    (own metric id to ``{column, kind}``, kind ``count``, ``ratio`` or ``seconds``).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ImportFileError(f"{path.name}: not a readable mapping file ({error})") from None
    if not isinstance(data, dict):
        raise ImportFileError(f"{path.name}: a mapping file is a table of keys")
    known = {
        "platform",
        "title",
        "url",
        "external_id",
        "published_at",
        "time_format",
        "counts",
        "extra",
        "format",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ImportFileError(f"{path.name}: unknown key {', '.join(unknown)}")
    if "platform" not in data:
        raise ImportFileError(f"{path.name}: the mapping names no platform")
    counts = data.get("counts", {})
    if not isinstance(counts, dict) or not counts:
        raise ImportFileError(f"{path.name}: counts must map at least one count to a column")
    bad = sorted(set(counts) - set(COMMON_COUNTS))
    if bad:
        raise ImportFileError(
            f"{path.name}: {', '.join(bad)} is not a count ({', '.join(COMMON_COUNTS)})"
        )
    extra = {}
    for metric, spec in dict(data.get("extra", {})).items():
        if (
            not isinstance(spec, dict)
            or spec.get("kind", "count") not in ("count", "ratio", "seconds")
            or not isinstance(spec.get("column"), str)
        ):
            raise ImportFileError(
                f"{path.name}: extra.{metric} needs a column and a kind (count, ratio, seconds)"
            )
        extra[metric] = (spec["column"], spec.get("kind", "count"))
    for key in ("title", "url", "external_id", "published_at", "time_format"):
        if key in data and not isinstance(data[key], str):
            raise ImportFileError(f"{path.name}: {key} must be a column name")
    if not any(data.get(k) for k in ("url", "external_id")) and not (
        data.get("title") and data.get("published_at")
    ):
        raise ImportFileError(
            f"{path.name}: map a url or external_id column, or title and published_at"
        )
    try:
        layout = Layout(
            f"mapping {path.name}",
            data["platform"],
            title=data.get("title"),
            published_at=data.get("published_at"),
            url=data.get("url"),
            external_id=data.get("external_id"),
            counts={name: (str(column),) for name, column in counts.items()},
            extra=extra,
            format=Format(data.get("format", Format.IMAGE_TEXT.value)),
        )
    except ValueError as error:
        raise ImportFileError(f"{path.name}: {error}") from None
    return layout, data.get("time_format")


__all__ = ["LAYOUTS", "Layout", "load_mapping", "read_export", "read_tables", "timedelta"]

"""Readers of the platforms' analytics exports (``libops import``, docs/import.md).

A file is read into tables of text cells (``.xlsx`` by openpyxl, BIFF8 ``.xls`` by xlrd, HTML
named ``.xls`` by the standard library's HTML parser, CSV by :mod:`csv` after decoding UTF-8,
UTF-8 with a byte-order mark, or GBK). A layout is recognised by its header cells wherever
they are on a sheet (title rows above, several tables on one sheet); a mapping file (TOML or
JSON) describes any other CSV. Every cell is checked before anything is returned: a bad one
is refused with :class:`~libops.domain.errors.ImportFileError` naming the file, row and column.

A large CSV is streamed instead (:func:`stream_csv_export`, the bulk path's reader): its
rows are read one at a time, checked by the same :class:`RowParser`, never all held.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import re
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path
from struct import error as struct_error
from typing import Any, Final, NamedTuple, cast
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
    observed_at: str | None = None
    """The column of the time the counts were observed (a mapping's ``observed_at``: a file
    of daily snapshots); None: the counts are observed when imported."""

    def required(self) -> tuple[str, ...]:
        """The columns a header must have to be this layout."""
        named = [
            c
            for c in (self.title, self.published_at, self.url, self.external_id, self.observed_at)
            if c
        ]
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
    if text.isascii() and text.isdigit():
        return int(text)  # the common case, without a Decimal
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


_ISO_TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?")


def parse_time(
    path: Path, row: int, column: str, text: str, zone: ZoneInfo, fmt: str | None = None
) -> tuple[datetime, bool] | None:
    """A publish time in the file's timezone, and whether it is a day only."""
    if text in NO_DATA:
        return None
    cleaned = text.strip()
    if fmt is None and _ISO_TIME.fullmatch(cleaned):
        # The common ISO forms (YYYY-MM-DD, with HH:MM or HH:MM:SS) read as the first
        # formats read them, without trying each in turn.
        try:
            return datetime.fromisoformat(cleaned).replace(tzinfo=zone), len(cleaned) == 10
        except ValueError:
            pass  # not a real day (2025-02-30): the formats below refuse it
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
    parse = RowParser(path, layout, table[index][0], table[index][1], zone, time_format)
    rows = []
    for number, cells in table[index + 1 :]:
        row = parse(number, cells)
        if row is None:
            break  # a blank row ends the table
        rows.append(row)
    return rows


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


# --- streaming a large CSV ----------------------------------------------------------------

HEADER_SEARCH: Final = 50
"""How many rows at the top of a streamed CSV may come before its header (title rows)."""

_SNIFF: Final = 1 << 16
_CHUNK: Final = 1 << 20


def _stream_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) if the file's first bytes read as it,
    else GBK; a byte that does not decode later is refused where it is met."""
    import codecs

    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=len(head) < _SNIFF)
    except UnicodeDecodeError:
        try:
            codecs.getincrementaldecoder("gbk")().decode(head, final=len(head) < _SNIFF)
        except UnicodeDecodeError:
            line = head[: _bad_offset(head)].count(b"\n") + 1
            raise ImportFileError(
                f"{path.name}, row {line}: the file is not UTF-8 or GBK text (check the "
                "export's encoding)"
            ) from None
        return "gbk"
    if b"\x00" in head:
        raise ImportFileError(f"{path.name}: the file is not text (it holds NUL bytes)")
    return "utf-8-sig"


@attrs.frozen
class CsvExport:
    """A CSV export read row by row (``libops import --bulk``): never held in memory.

    :meth:`rows` reads the file again each time it is called and yields its post rows, each
    checked as :func:`read_export` checks them; :meth:`digest` is the SHA-256 of its bytes.
    """

    path: Path
    layout: Layout
    header_row: int
    encoding: str
    zone: ZoneInfo
    time_format: str | None = None

    @property
    def platform(self) -> Platform:
        """The platform the rows belong to."""
        return self.layout.platform

    def digest(self) -> str:
        """The SHA-256 digest of the file's bytes (hex), read in chunks."""
        import hashlib

        sha = hashlib.sha256()
        with _open(self.path) as handle:
            while chunk := handle.read(_CHUNK):
                sha.update(chunk)
        return sha.hexdigest()

    def rows(self, after: int = 0) -> Iterator[ExportRow]:
        """The file's post rows in order, from the first whose number is above ``after``."""
        return cast(Iterator[ExportRow], self._read(after, lean=False))

    def values(self, after: int = 0) -> Iterator[RowValues]:
        """Like :meth:`rows`, each row's checked values without making an ``ExportRow``
        (the bulk path's loop)."""
        return cast(Iterator[RowValues], self._read(after, lean=True))

    def _read(self, after: int, *, lean: bool) -> Iterator[ExportRow | RowValues]:
        path = self.path
        with _open(path) as handle:
            text = io.TextIOWrapper(handle, encoding=self.encoding, newline="")
            reader = csv.reader(text)
            number = 0
            try:
                for number, raw in enumerate(reader, start=1):
                    if number == self.header_row:
                        header = [c.strip() for c in raw]
                        break
                else:
                    return
                parse = RowParser(path, self.layout, number, header, self.zone, self.time_format)
                read = parse.values if lean else parse
                strip = str.strip
                # The rows up to ``after`` are read (to count them) but not parsed.
                for number, raw in enumerate(reader, start=self.header_row + 1):
                    if number > after:
                        row = read(number, list(map(strip, raw)))
                        if row is None:
                            return  # a blank row ends the table
                        yield row
            except csv.Error as error:
                raise ImportFileError(
                    f"{path.name}, row {reader.line_num}: not readable CSV ({error})"
                ) from None
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"{path.name}, row {number + 1}: the file is not {self.encoding} text "
                    "there (check the export's encoding)"
                ) from None


def _open(path: Path) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except OSError as error:
        raise ImportFileError(f"{path}: cannot be read ({error.strerror})") from None


def stream_csv_export(
    path: str | Path,
    *,
    platform: Platform | str | None = None,
    mapping: str | Path | None = None,
    timezone: str = "Asia/Shanghai",
) -> CsvExport:
    """A CSV export of post rows to read row by row (a recognised layout, or a mapping's),
    found from the header within its first :data:`HEADER_SEARCH` rows. Other files (Excel
    workbooks, HTML tables, the account's follower days) are read by :func:`read_export`."""
    path = Path(path)
    zone = ZoneInfo(timezone)
    with _open(path) as handle:
        head = handle.read(_SNIFF)
    if head[:4] == b"PK\x03\x04" or head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(
            f"{path.name}: a workbook, not CSV: the bulk path streams CSV files (import "
            "workbooks without --bulk)"
        )
    encoding = _stream_encoding(path, head)
    if re.search(rb"<\s*table", head[:4096], re.IGNORECASE):
        raise ImportFileError(
            f"{path.name}: an HTML table, not CSV: the bulk path streams CSV files (import "
            "it without --bulk)"
        )
    time_format = None
    if mapping is not None:
        layout, time_format = load_mapping(mapping)
        if platform is not None and to_platform(platform) is not layout.platform:
            given = to_platform(platform).value
            raise ImportFileError(
                f"{Path(mapping).name}: maps {layout.platform.value}, not {given}"
            )
        layouts: tuple[Layout, ...] = (layout,)
    else:
        wanted = None if platform is None else to_platform(platform)
        layouts = tuple(lay for lay in LAYOUTS if wanted is None or lay.platform is wanted)
    top: Table = []
    with _open(path) as handle:
        text = io.TextIOWrapper(handle, encoding=encoding, newline="")
        reader = csv.reader(text)
        try:
            for number, raw in enumerate(reader, start=1):
                cells = [c.strip() for c in raw]
                top.append((number, cells))
                for layout in layouts:
                    if all(name in cells for name in layout.required()):
                        # Checks the header's columns now, before anything is read.
                        RowParser(path, layout, number, cells, zone, time_format)
                        return CsvExport(path, layout, number, encoding, zone, time_format)
                if all(name in cells for name in ACCOUNT_GROWTH):
                    raise ImportFileError(
                        f"{path.name}, row {number}: the account's follower days are not "
                        "streamed: import them without --bulk"
                    )
                if number >= HEADER_SEARCH:
                    break
        except csv.Error as error:
            raise ImportFileError(
                f"{path.name}, row {reader.line_num}: not readable CSV ({error})"
            ) from None
        except UnicodeDecodeError:
            raise ImportFileError(
                f"{path.name}, row {len(top) + 1}: the file is not {encoding} text there"
            ) from None
    if mapping is not None:
        _missing(path, [top], layouts[0])
    _unknown(path, [top], platform)
    raise AssertionError("unreachable: _unknown always raises")  # pragma: no cover


# --- mapping files -------------------------------------------------------------------------


def load_mapping(path: str | Path) -> tuple[Layout, str | None]:
    """A column mapping (TOML or JSON) as a layout, and its time format if it names one.

    Keys: ``platform``; ``title``, ``url``, ``external_id``, ``published_at`` (column names);
    ``time_format`` (strptime, optional); ``observed_at`` (the column of the time the
    counts were observed, optional: a file of daily snapshots); ``counts`` (count name to
    column) and ``extra`` (own metric id to ``{column, kind}``, kind ``count``, ``ratio`` or
    ``seconds``).
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
        "observed_at",
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
    for key in ("title", "url", "external_id", "published_at", "time_format", "observed_at"):
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
            observed_at=data.get("observed_at"),
        )
    except ValueError as error:
        raise ImportFileError(f"{path.name}: {error}") from None
    return layout, data.get("time_format")


__all__ = [
    "LAYOUTS",
    "CsvExport",
    "Layout",
    "RowIdentity",
    "RowParser",
    "RowValues",
    "load_mapping",
    "read_export",
    "read_tables",
    "stream_csv_export",
    "timedelta",
]

"""Reading a file into tables of text cells: ``.xlsx`` by openpyxl, BIFF8 ``.xls`` by xlrd, HTML
named ``.xls`` by the standard library's HTML parser, CSV after decoding UTF-8, UTF-8 with a
byte-order mark, or GBK.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from struct import error as struct_error

from libops.adapters.importers.layouts import Table
from libops.domain.errors import ImportFileError

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

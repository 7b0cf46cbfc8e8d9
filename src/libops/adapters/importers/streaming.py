"""Streaming a large CSV export row by row (the bulk path's reader): rows are checked by the same
:class:`~libops.adapters.importers.rows.RowParser`, never all held.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final, cast
from zoneinfo import ZoneInfo

import attrs

from libops.adapters.importers.exports import _missing, _unknown
from libops.adapters.importers.layouts import (
    ACCOUNT_GROWTH,
    LAYOUTS,
    Layout,
    Table,
    load_mapping_for,
)
from libops.adapters.importers.rows import RowParser, RowValues
from libops.adapters.importers.tables import _bad_offset
from libops.domain.errors import ImportFileError
from libops.domain.imports import ExportRow
from libops.domain.values import Platform, to_platform

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
                raise _not_csv(path, reader.line_num, error) from None
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"{path.name}, row {number + 1}: the file is not {self.encoding} text "
                    "there (check the export's encoding)"
                ) from None


def _not_csv(path: Path, line: int, error: csv.Error) -> ImportFileError:
    """The refusal of an export the csv module cannot read at ``line``."""
    return ImportFileError(f"{path.name}, row {line}: not readable CSV ({error})")


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
        layout, time_format = load_mapping_for(mapping, platform)
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
            raise _not_csv(path, reader.line_num, error) from None
        except UnicodeDecodeError:
            raise ImportFileError(
                f"{path.name}, row {len(top) + 1}: the file is not {encoding} text there"
            ) from None
    if mapping is not None:
        _missing(path, [top], layouts[0])
    _unknown(path, [top], platform)
    raise AssertionError("unreachable: _unknown always raises")  # pragma: no cover

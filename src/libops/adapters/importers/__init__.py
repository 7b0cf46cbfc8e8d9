"""Readers of the platforms' analytics exports (``libops import``, docs/import.md).

A file is read into tables of text cells (``.xlsx`` by openpyxl, BIFF8 ``.xls`` by xlrd, HTML
named ``.xls`` by the standard library's HTML parser, CSV by :mod:`csv` after decoding UTF-8,
UTF-8 with a byte-order mark, or GBK). A layout is recognised by its header cells wherever
they are on a sheet (title rows above, several tables on one sheet); a mapping file (TOML or
JSON) describes any other CSV. Every cell is checked before anything is returned: a bad one
is refused with :class:`~libops.domain.errors.ImportFileError` naming the file, row and column.

A large CSV is streamed instead (:func:`stream_csv_export`, the bulk path's reader): its
rows are read one at a time, checked by the same :class:`RowParser`, never all held.

The package's modules, by responsibility: :mod:`~libops.adapters.importers.layouts` (the
layouts of the known exports and mapping files), :mod:`~libops.adapters.importers.tables`
(reading a file into tables), :mod:`~libops.adapters.importers.cells` (checking one cell),
:mod:`~libops.adapters.importers.rows` (cleaning one row), :mod:`~libops.adapters.importers.exports`
(recognising and reading a whole export) and :mod:`~libops.adapters.importers.streaming`
(streaming a large CSV). Every name is importable from this package, as before.
"""

from __future__ import annotations

from datetime import timedelta

from libops.adapters.importers.cells import _FORMATS as _FORMATS
from libops.adapters.importers.cells import (
    parse_count,
    parse_ratio,
    parse_seconds,
    parse_signed,
    parse_time,
)
from libops.adapters.importers.exports import read_export, recognise
from libops.adapters.importers.layouts import (
    ACCOUNT_GROWTH,
    LAYOUTS,
    NO_DATA,
    Layout,
    Table,
    load_mapping,
)
from libops.adapters.importers.rows import RowIdentity, RowParser, RowValues
from libops.adapters.importers.streaming import HEADER_SEARCH, CsvExport, stream_csv_export
from libops.adapters.importers.tables import read_tables

__all__ = [
    "ACCOUNT_GROWTH",
    "HEADER_SEARCH",
    "LAYOUTS",
    "NO_DATA",
    "CsvExport",
    "Layout",
    "RowIdentity",
    "RowParser",
    "RowValues",
    "Table",
    "load_mapping",
    "parse_count",
    "parse_ratio",
    "parse_seconds",
    "parse_signed",
    "parse_time",
    "read_export",
    "read_tables",
    "recognise",
    "stream_csv_export",
    "timedelta",
]

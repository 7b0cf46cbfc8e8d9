"""The bulk CSV reader refuses an export the csv module cannot read, naming the file and the
row, both while it looks for the header and while it streams the rows."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from libops.adapters.importers import stream_csv_export
from libops.domain.errors import ImportFileError

EXPORTS = Path(__file__).parent.parent / "fixtures" / "exports"
HUGE = '"' + "x" * (csv.field_size_limit() + 1) + '"'


def test_an_unreadable_row_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    shutil.copy(EXPORTS / "facebook_posts_export.csv", path)
    lines = path.read_text(encoding="utf-8").count("\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.write(HUGE + "\n")
    export = stream_csv_export(path)
    with pytest.raises(ImportFileError, match=rf"^posts\.csv, row {lines + 1}: not readable CSV"):
        list(export.rows())


def test_an_unreadable_header_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(f"title,notes\n{HUGE}\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"^posts\.csv, row 2: not readable CSV"):
        stream_csv_export(path)

"""Checking one cell's text: counts, signed counts, ratios, durations and times, each refused with
:class:`~libops.domain.errors.ImportFileError` naming the file, row and column.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from libops.adapters.importers.layouts import NO_DATA
from libops.domain.errors import ImportFileError


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

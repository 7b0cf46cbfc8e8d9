"""The report's blocks (headings, paragraphs, tables, charts, lists) and the small helpers the
section modules share (``blocks_*``): tables, counts, days, Chinese numerals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Final

import attrs

from libops.report.words import NONE, Words, count


@attrs.frozen
class Heading:
    """A heading of the given level, with an anchor for the HTML."""

    level: int
    text: str
    anchor: str = ""


@attrs.frozen
class Paragraph:
    """A paragraph of text."""

    text: str


@attrs.frozen
class Table:
    """A table: its header, rows of cells, and which columns are numeric."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


@attrs.frozen
class Chart:
    """A chart, by its name in CHART_NAMES, with its alternative text."""

    name: str
    alt: str


@attrs.frozen
class BulletList:
    """A bulleted list."""

    items: tuple[str, ...]


Block = Heading | Paragraph | Table | Chart | BulletList
"""One block of the report; both formats render the same list of them."""


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> Table:
    return Table(tuple(header), tuple(tuple(r) for r in rows), tuple(numeric))


def _counts(w: Words, kind: str, counted: str, pairs: Iterable[tuple[str, int]]) -> Table:
    """A two-column table: each kind's label and how many there were."""
    return _table(
        w.columns(kind, counted), [(w.label(k), count(n)) for k, n in pairs], [False, True]
    )


_CHINESE_DIGITS: Final = "〇一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """``n`` (1 to 99) in Chinese numerals, as headings number chapters (十一, 二十三)."""
    if not 0 < n < 100:
        raise ValueError(f"a heading number is 1 to 99, not {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CHINESE_DIGITS[ones]
    return (
        ("" if tens == 1 else _CHINESE_DIGITS[tens])
        + "十"
        + (_CHINESE_DIGITS[ones] if ones else "")
    )


def _date(w: Words, day: date) -> str:
    """A day in words (``1 Apr 2026``, ``2026年4月1日``)."""
    return w("date", day=day.day, month=w(f"month.{day.month}"), year=day.year)


def _or_none(value: object) -> str:
    """A bound of a cadence rule, or the sign for none."""
    return NONE if value is None else str(value)

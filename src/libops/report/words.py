"""The report's words in one language: its catalogue of strings and labels, and how figures read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from libops.report.sections import Finding, Report, check_language
from libops.report.strings_en import LABELS as LABELS_EN
from libops.report.strings_en import STRINGS as STRINGS_EN
from libops.report.strings_zh import LABELS as LABELS_ZH
from libops.report.strings_zh import STRINGS as STRINGS_ZH

STRINGS: Final[dict[str, dict[str, str]]] = {"en": STRINGS_EN, "zh": STRINGS_ZH}
"""Every heading, label and sentence of the report, by language and key."""

LABELS: Final[dict[str, dict[str, str]]] = {"en": LABELS_EN, "zh": LABELS_ZH}
"""Names of platforms, content types, categories, levels and so on, by language."""


# --- formatting numbers (the same in every language) -------------------------------------

NONE: Final = "—"
"""How a figure that is unknown (a rate with a denominator of 0) is shown."""

_PERCENT: Final = frozenset({"rate", "best_rate", "answer_rate", "attainment"})
_MONEY: Final = frozenset({"spent", "cost_per_engagement", "cost_per_new_follower"})


def count(value: int | None) -> str:
    """A count with thousands separators (``12,345``)."""
    return NONE if value is None else f"{value:,}"


def percent(value: Decimal | None) -> str:
    """A ratio as a percentage with two decimals (``0.1234`` -> ``12.34%``)."""
    return NONE if value is None else f"{value * 100:,.2f}%"


def money(value: Decimal | None) -> str:
    """An amount with thousands separators and two decimals (four for a unit cost)."""
    if value is None:
        return NONE
    places = 4 if value != value.quantize(Decimal("0.01")) else 2
    return f"{value:,.{places}f}"


def number(value: Decimal | None) -> str:
    """A target or other exact number, without trailing zeros."""
    if value is None:
        return NONE
    text = f"{value.normalize():f}"
    return f"{int(value):,}" if value == value.to_integral_value() else text


def minutes(seconds: Decimal | int | None) -> str:
    """Seconds as minutes with one decimal."""
    return NONE if seconds is None else f"{Decimal(seconds) / 60:,.1f}"


def points(slope: Decimal | None) -> str:
    """A slope of a ratio per week, in signed percentage points (two decimals)."""
    return NONE if slope is None else f"{slope * 100:+.2f}"


@attrs.frozen
class Words:
    """The language's strings and labels, and the figure formatting."""

    lang: str

    def __call__(self, key: str, **figures: object) -> str:
        text = STRINGS[self.lang][key]
        return text.format(**figures) if figures else text

    def label(self, value: str | None) -> str:
        """The name of a platform, content type, category ... in this language."""
        if value is None:
            return self("all_platforms")
        return LABELS[self.lang].get(value, value)

    def columns(self, *keys: str) -> list[str]:
        """A table's column headings in this language (``"platform"`` is ``col.platform``)."""
        return [self(f"col.{key}") for key in keys]

    def yes_no(self, value: bool | None) -> str:
        """Yes or no in this language (the sign for none when unknown)."""
        return NONE if value is None else self("yes" if value else "no")

    def finding(self, finding: Finding) -> str:
        """A finding as a sentence, its figures formatted."""
        shown: dict[str, str] = {}
        for name, value in finding.figures:
            shown[name] = self._figure(name, value)
        return self(f"finding.{finding.kind}", **shown)

    def _figure(self, name: str, value: object) -> str:
        if value is None:
            return self.label(None) if name == "platform" else NONE
        if isinstance(value, bool):
            return self.yes_no(value)
        if name.endswith("_seconds") and isinstance(value, int | Decimal):
            return minutes(value)
        if isinstance(value, int):
            return str(value) if name == "hour" else count(value)
        if isinstance(value, Decimal):
            if name in _PERCENT:
                return percent(value)
            if name in _MONEY:
                return money(value)
            if name == "slope":
                return points(value)
            return number(value)
        if isinstance(value, date):
            return value.isoformat()
        if name == "kind":
            return self(f"kind.{value}")
        if name == "per":
            return self(f"per.{value}")
        return self.label(str(value))


def language(report: Report, lang: str | None) -> Words:
    """The words of ``lang``, or of the report's own language when ``lang`` is None."""
    return Words(check_language(report.lang if lang is None else lang))

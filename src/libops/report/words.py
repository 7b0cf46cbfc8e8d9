"""The report's words in one language: its catalogue of strings and labels, and how figures read."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from libops.domain.platforms import PLATFORM_ID, REGISTRY
from libops.projections.signals import (
    BRIEF_OVERDUE,
    HOMOGENEOUS_CONTENT,
    METRIC_ANOMALY,
    NEGATIVE_COMMENT_SPIKE,
    OVERSPEND,
    PERSONAL_DATA_IN_DRAFT,
    PUBLISH_FAILURES,
)
from libops.report.sections import Finding, Report, check_language
from libops.report.strings_en import LABELS as LABELS_EN
from libops.report.strings_en import STRINGS as STRINGS_EN
from libops.report.strings_zh import LABELS as LABELS_ZH
from libops.report.strings_zh import STRINGS as STRINGS_ZH
from libops.wording import is_one as is_one  # re-exported: the report's plural rule
from libops.wording import noun
from libops.wording import plural as plural

STRINGS: Final[dict[str, dict[str, str]]] = {"en": STRINGS_EN, "zh": STRINGS_ZH}
"""Every heading, label and sentence of the report, by language and key."""

LABELS: Final[dict[str, dict[str, str]]] = {"en": LABELS_EN, "zh": LABELS_ZH}
"""Names of platforms, content types, categories, levels and so on, by language."""


# --- formatting numbers (the same in every language) -------------------------------------

NONE: Final = "—"
"""How a figure that is unknown (a rate with a denominator of 0) is shown."""

_PERCENT: Final = frozenset(
    {
        "rate",
        "best_rate",
        "answer_rate",
        "attainment",
        "next_rate",
        "rate_low",
        "rate_high",
        "change",
        "used",
    }
)
_MONEY: Final = frozenset(
    {
        "spent",
        "allocated",
        "cost_per_engagement",
        "cost_per_new_follower",
        "best_cost_per_engagement",
    }
)
_POINTS: Final = frozenset({"slope", "ci_low", "ci_high"})


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


P_FLOOR: Final = Decimal("0.001")
"""A p-value below this is shown as ``< 0.001``."""


def p_value(value: Decimal | None) -> tuple[str, str] | None:
    """A p-value as (``"equal"`` or ``"below"``, its figure): three significant digits
    (``0.0312``), or below :data:`P_FLOOR`."""
    if value is None:
        return None
    if value < P_FLOOR:
        return "below", str(P_FLOOR)
    return "equal", f"{value:.3g}"


# --- plurals (English: the rule is libops.wording's) ---------------------------------------


class _CatalogueFormatter(string.Formatter):
    """``str.format`` with one addition for the catalogues: ``{name:singular|plural}`` is
    the word that agrees with the count ``name`` (``"{posts} {posts:post|posts}"``)."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" in format_spec:
            singular, _, many = format_spec.partition("|")
            return noun(value, singular, many)
        return str(super().format_field(value, format_spec))


_FORMATTER: Final = _CatalogueFormatter()

PLURAL_FIELD: Final = re.compile(r"\{(\w+):([^{}|]*)\|([^{}]*)\}")
"""A plural choice in a catalogue string: ``{name:singular|plural}``."""


def fill(text: str, figures: Mapping[str, object]) -> str:
    """A catalogue string with its figures, each plural choice agreeing with its count."""
    return _FORMATTER.vformat(text, (), dict(figures))


# --- the titles of the risks the risk signals opened -------------------------------------

# Any platform id's shape: signal_title reads a platform back only when it is registered.
_PLATFORM_ID: Final = PLATFORM_ID.pattern
SIGNAL_TITLES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (
        NEGATIVE_COMMENT_SPIKE,
        re.compile(rf"Spike in hidden and sanctioned comments on (?P<platform>{_PLATFORM_ID})"),
    ),
    (
        PUBLISH_FAILURES,
        re.compile(rf"(?P<failures>\d+) publish failures in a row on (?P<platform>{_PLATFORM_ID})"),
    ),
    (METRIC_ANOMALY, re.compile(rf"Unusual metrics for a post on (?P<platform>{_PLATFORM_ID})")),
    (PERSONAL_DATA_IN_DRAFT, re.compile(r"Personal data in a draft post")),
    (HOMOGENEOUS_CONTENT, re.compile(r"Homogeneous content: drafts repeat recent posts")),
    (
        OVERSPEND,
        re.compile(
            r"Over allocation: (?P<budget>.+) / (?P<category>[a-z_]+) / "
            r"(?P<campaign>general|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
        ),
    ),
    # Content briefs (issue 17): the brief's title, as it was given.
    (BRIEF_OVERDUE, re.compile(r"Content brief overdue: (?P<brief>.+)", re.DOTALL)),
)
"""The English titles :class:`~libops.projections.signals.RiskSignalsProjection` gives the
risks it opens (stored as they are, in every store), by signal: the report reads the signal
and its subject back from a title and words it in the report's language (``risk.<signal>``
in the catalogues), platforms and categories by their names, campaigns by theirs."""


def signal_title(title: str) -> tuple[str, dict[str, str]] | None:
    """The signal and subject (platform, budget, ...) behind a risk title a signal gave, or
    None for any other title (a risk identified by a person keeps the title it was given)."""
    for signal, pattern in SIGNAL_TITLES:
        found = pattern.fullmatch(title)
        if found is not None:
            subject = found.groupdict()
            if "platform" in subject and subject["platform"] not in REGISTRY:
                return None  # not a platform: a title someone gave
            return signal, subject
    return None


@attrs.frozen
class Words:
    """The language's strings and labels, and the figure formatting."""

    lang: str
    campaigns: tuple[tuple[str, str], ...] = ()
    """The report's campaigns, (id, name), to name a campaign a stored text gives by id."""

    def __call__(self, key: str, **figures: object) -> str:
        text = STRINGS[self.lang][key]
        return fill(text, figures) if figures else text

    def label(self, value: str | None) -> str:
        """The name of a platform, content type, category ... in this language."""
        if value is None:
            return self("all_platforms")
        label = LABELS[self.lang].get(value)
        if label is not None:
            return label
        if value in REGISTRY:  # a platform without a catalogue entry: its profile's name
            return REGISTRY.get(value).name(self.lang)
        return value

    def risk_title(self, title: str) -> str:
        """A risk's title in this language: the title a risk signal gave is worded from its
        signal and subject (``Unusual metrics for a post on wechat`` reads
        ``微信公众号帖子数据异常``); any other title is shown as it was recorded."""
        found = signal_title(title)
        if found is None:
            return title
        signal, subject = found
        shown = dict(subject)
        if "platform" in shown:
            shown["platform"] = self.label(shown["platform"])
        if "category" in shown:
            shown["category"] = self.label(shown["category"])
        if "campaign" in shown:
            campaign = shown["campaign"]
            shown["campaign"] = (
                self("risk.general_line")
                if campaign == "general"
                else dict(self.campaigns).get(campaign, campaign)
            )
        return self(f"risk.{signal}", **shown)

    def columns(self, *keys: str) -> list[str]:
        """A table's column headings in this language (``"platform"`` is ``col.platform``)."""
        return [self(f"col.{key}") for key in keys]

    def amount(self, value: Decimal | None, currency: str) -> str:
        """An amount of money followed by its currency's name (``1,200.00 CNY``)."""
        return f"{money(value)} {self.label(currency)}"

    def yes_no(self, value: bool | None) -> str:
        """Yes or no in this language (the sign for none when unknown)."""
        return NONE if value is None else self("yes" if value else "no")

    def finding(self, finding: Finding) -> str:
        """A finding as a sentence, its figures formatted."""
        shown: dict[str, str] = {}
        for name, value in finding.figures:
            shown[name] = self._figure(name, value)
        return self(f"finding.{finding.kind}", **shown)

    def p_value(self, value: Decimal | None) -> str:
        """``p = 0.0312`` or ``p < 0.001`` (the sign for none when unknown)."""
        shown = p_value(value)
        return NONE if shown is None else self(f"p_value.{shown[0]}", p=shown[1])

    def _figure(self, name: str, value: object) -> str:
        if value is None:
            return self.label(None) if name == "platform" else NONE
        if isinstance(value, tuple):  # platforms or risk titles: each worded, then listed
            word = self.label if name == "platforms" else self.risk_title
            return self("list.separator").join(word(str(v)) for v in value)
        if name == "p_value" and isinstance(value, Decimal):
            return self.p_value(value)
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
            if name in _POINTS:
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
    chosen = check_language(report.lang if lang is None else lang)
    return Words(chosen, tuple((c.id, c.name) for c in report.background.campaigns))

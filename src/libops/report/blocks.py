"""The report as blocks (headings, paragraphs, tables, charts, lists), section by section."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from libops.report.blocks_base import (
    Block,
    BulletList,
    Chart,
    Heading,
    Paragraph,
    Table,
    chinese_numeral,
)
from libops.report.blocks_engagement import (
    _cadence,
    _comparisons,
    _engagement,
    _followers,
    _statistics,
    _topics,
    _wechat_index,
    day_label,
    week_label,
)
from libops.report.blocks_money import (
    _budget,
    _budget_use,
    _judgement,
    _problems,
    _recommendations,
    _risks,
)
from libops.report.blocks_overview import (
    LIBOPS_ACTORS,
    _appendix,
    _background,
    _execution,
    _goals,
    _results,
    _summary,
    _targets,
    _title,
    title_text,
)
from libops.report.blocks_quality import _copyright, _interactions, _reuse, _sameness, _satisfaction
from libops.report.blocks_standing import _indices, _services, _standing, _typical_cases
from libops.report.sections import Report
from libops.report.words import Words

__all__ = [
    "ALWAYS_SHOWN",
    "DATA_SECTIONS",
    "LAYOUTS",
    "LIBOPS_ACTORS",
    "SECTIONS",
    "SECTION_BLOCKS",
    "UNNUMBERED",
    "Block",
    "BulletList",
    "Chapter",
    "Chart",
    "Heading",
    "Layout",
    "Paragraph",
    "Table",
    "blocks",
    "chinese_numeral",
    "day_label",
    "layout",
    "title_text",
    "week_label",
]
"""The public names, as before the split: the section functions are in the ``blocks_*``
modules beside this one (by the report's parts), the blocks and shared helpers in
:mod:`libops.report.blocks_base`."""


SECTIONS: Final = (
    "summary",
    "background",
    "goals",
    "execution",
    "results",
    "targets",
    "engagement",
    # Follower growth from the accounts' imported figures (issue 11, the demo's import).
    "followers",
    "statistics",
    "wechat_index",
    "comparisons",
    "cadence",
    # Topic heat (issue 17, part "briefs and topic heat").
    "topics",
    # Chinese practice (issue 14, item 5): the indices and the account's standing.
    "indices",
    "standing",
    "interactions",
    # Satisfaction surveys (issue 17, item 1): CSAT, NPS and its interval, period over period.
    "satisfaction",
    # The account's standing (issue 14, item 5): typical cases and online service uses.
    "typical_cases",
    "services",
    # Issue 17: near-duplicate drafts, and original, reposted and reused content.
    "sameness",
    "reuse",
    # Issue 17, items 8 and 9: media and copyright (版权), checklist items the library added.
    "copyright",
    "budget",
    "budget_use",
    "risks",
    "problems",
    "judgement",
    "recommendations",
    "appendix",
)
"""The report's sections, in the English report's order (each one's heading is
``STRINGS[lang]["h." + name]``, numbered by :func:`blocks`)."""


Chapter = tuple[str, tuple[str, ...]]
"""A chapter of a layout: its key (heading ``STRINGS[lang]["chapter." + key]``) and the
sections under it, in order."""


Layout = tuple[str | Chapter, ...]
"""How a language's report is laid out: sections (by name) and chapters of sections."""


LAYOUTS: Final[dict[str, Layout]] = {
    "en": SECTIONS,
    "zh": (
        "summary",
        ("overview", ("background", "goals", "results", "comparisons", "judgement", "services")),
        (
            "platforms",
            (
                "engagement",
                "followers",
                "statistics",
                "wechat_index",
                "cadence",
                "topics",
                "indices",
            ),
        ),
        (
            "content",
            (
                "execution",
                "interactions",
                "satisfaction",
                "typical_cases",
                "sameness",
                "reuse",
                "copyright",
            ),
        ),
        ("standing", ("standing",)),
        ("problems", ("problems", "risks", "budget", "budget_use")),
        ("plan", ("recommendations", "targets")),
        "appendix",
    ),
}
"""Each language's layout. English follows the evaluation plan, section by section; Chinese
groups the same sections under the six chapters a library's leadership reads (一、总体情况
二、各平台数据分析 三、内容建设与典型案例 四、影响力与荣誉 五、存在问题 六、下一步工作计划), each
section a sub-heading of its chapter. A section of :data:`SECTIONS` a layout does not name is
put right after the section before it in :data:`SECTIONS` (:func:`layout`)."""


UNNUMBERED: Final = frozenset({"summary", "appendix"})
"""Sections outside the numbering: the executive summary before the first, the appendix
after the last."""


def blocks(report: Report, w: Words) -> list[Block]:
    """The report as blocks: its title, then the sections as the language's layout orders
    them (:data:`LAYOUTS`), numbered, chapters holding theirs one heading level down. A
    section with nothing to show (an empty report's data sections) is left out, and so is a
    chapter left with no section; the numbers count only what is shown."""
    out: list[Block] = [_title(report, w)]
    top = 0
    for item in layout(w.lang):
        if isinstance(item, str):
            found = SECTION_BLOCKS[item](report, w)
            if found and item in UNNUMBERED:
                out.extend(found)
            elif found:
                top += 1
                out.extend(_section(found, w.lang, (top,)))
            continue
        key, names = item
        shown = [f for f in (SECTION_BLOCKS[name](report, w) for name in names) if f]
        if not shown:
            continue
        top += 1
        out.append(Heading(2, _numbered(w.lang, (top,), w(f"chapter.{key}")), f"chapter-{key}"))
        for sub, found in enumerate(shown, start=1):
            out.extend(_section(found, w.lang, (top, sub)))
    return out


def layout(lang: str) -> Layout:
    """The layout of ``lang`` with every section of :data:`SECTIONS` in it: a section the
    layout does not name goes right after the section before it in :data:`SECTIONS` (in that
    section's chapter), or before the first named one when none comes before it."""
    items: list[str | tuple[str, list[str]]] = [
        i if isinstance(i, str) else (i[0], list(i[1])) for i in LAYOUTS[lang]
    ]

    def place(name: str) -> tuple[list[Any], int] | None:
        """The list holding ``name`` and its index there."""
        for index, item in enumerate(items):
            if item == name:
                return items, index
            if isinstance(item, tuple) and name in item[1]:
                return item[1], item[1].index(name)
        return None

    for index, name in enumerate(SECTIONS):
        if place(name) is not None:
            continue
        before = next((place(s) for s in reversed(SECTIONS[:index]) if place(s)), None)
        if before is not None:
            before[0].insert(before[1] + 1, name)
            continue
        after = next((place(s) for s in SECTIONS[index + 1 :] if place(s)), None)
        if after is not None:
            after[0].insert(after[1], name)
        else:
            items.append(name)
    return tuple(i if isinstance(i, str) else (i[0], tuple(i[1])) for i in items)


def _section(found: list[Block], lang: str, number: tuple[int, ...]) -> list[Block]:
    """A section's blocks, its heading numbered and, inside a chapter, every heading of it one
    level down (the section functions write level 2 for the section, 3 below it)."""
    depth = len(number) - 1
    out: list[Block] = []
    for index, block in enumerate(found):
        if isinstance(block, Heading):
            text = _numbered(lang, number, block.text) if index == 0 else block.text
            block = Heading(block.level + depth, text, block.anchor)
        out.append(block)
    return out


def _numbered(lang: str, number: tuple[int, ...], text: str) -> str:
    """A heading's text with its number: ``1. Background`` and ``1.2 Goals`` in English,
    ``一、总体情况`` and ``（二）目标`` in Chinese."""
    if lang == "zh":
        if len(number) == 1:
            return f"{chinese_numeral(number[0])}、{text}"
        return f"（{chinese_numeral(number[-1])}）{text}"
    if len(number) == 1:
        return f"{number[0]}. {text}"
    return f"{'.'.join(str(n) for n in number)} {text}"


ALWAYS_SHOWN: Final = frozenset({"summary", "background", "appendix"})
"""The sections an empty report (:attr:`Report.is_empty`) still has: the summary saying that
nothing was recorded, the background and where the data came from."""


DATA_SECTIONS: Final = frozenset(SECTIONS) - ALWAYS_SHOWN
"""The sections left out of an empty report (:attr:`Report.is_empty`): the summary says
that nothing was recorded instead."""


def _chart_has_data(name: str, report: Report) -> bool:
    """Whether the chart ``name`` has anything to draw (a chart without is left out)."""
    checks: dict[str, Callable[[Report], bool]] = {
        "engagement_by_platform": lambda r: bool(r.engagement.by_platform),
        "rate_by_content_type": lambda r: any(
            row.engagement_rate is not None for row in r.engagement.by_content_type
        ),
        "weekly_trend": lambda r: bool(r.engagement.by_week),
        "budget_positions": lambda r: bool(r.budgets.by_category),
        "risk_heat_map": lambda r: r.risks.open_risks > 0,
        "cadence": lambda r: any(row.periods for row in r.cadence),
    }
    check = checks.get(name)
    return True if check is None else check(report)


def _data_section(
    section: Callable[[Report, Words], list[Block]],
) -> Callable[[Report, Words], list[Block]]:
    """``section`` for a data section: nothing for an empty report, and no chart that has
    no data to draw."""

    def blocks_of(report: Report, w: Words) -> list[Block]:
        if report.is_empty:
            return []
        return [
            b
            for b in section(report, w)
            if not isinstance(b, Chart) or _chart_has_data(b.name, report)
        ]

    blocks_of.__doc__ = section.__doc__
    return blocks_of


SECTION_BLOCKS: Final[dict[str, Callable[[Report, Words], list[Block]]]] = {
    "summary": _summary,
    "background": _background,
    "goals": _goals,
    "execution": _execution,
    "results": _results,
    "targets": _targets,
    "engagement": _engagement,
    "statistics": _statistics,
    "wechat_index": _wechat_index,
    "comparisons": _comparisons,
    "cadence": _cadence,
    "topics": _topics,
    "interactions": _interactions,
    "budget": _budget,
    "budget_use": _budget_use,
    "risks": _risks,
    "problems": _problems,
    "judgement": _judgement,
    "recommendations": _recommendations,
    "indices": _indices,
    "standing": _standing,
    "typical_cases": _typical_cases,
    "services": _services,
    "appendix": _appendix,
    "sameness": _sameness,
    "reuse": _reuse,
    "copyright": _copyright,
    "satisfaction": _satisfaction,
    "followers": _followers,
}
"""Each section's blocks, by its name in :data:`SECTIONS` (data sections wrapped by
:func:`_data_section`, just below)."""
SECTION_BLOCKS.update({name: _data_section(SECTION_BLOCKS[name]) for name in DATA_SECTIONS})

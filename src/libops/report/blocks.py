"""The report as blocks (headings, paragraphs, tables, charts, lists), section by section."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from libops.application.privacy import ERASURE_ACTOR
from libops.application.risk_signals import SIGNALS_ACTOR
from libops.domain.standing import OVERALL, SERVICE_KINDS
from libops.projections.activity import SYSTEM_ACTOR
from libops.projections.engagement import ZONE
from libops.report.sections import Distribution, EngagementRow, Finding, Report
from libops.report.statistics import MIN_POSTS_FOR_CORRELATION
from libops.report.summary import EXCEEDED_FAR, MISSED_BADLY, quarters_between
from libops.report.words import NONE, Words, count, minutes, money, number, percent, points

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


def _title(report: Report, w: Words) -> Heading:
    """The report's title (:func:`title_text`)."""
    return Heading(1, title_text(report, w))


def _date(w: Words, day: date) -> str:
    """A day in words (``1 Apr 2026``, ``2026年4月1日``)."""
    return w("date", day=day.day, month=w(f"month.{day.month}"), year=day.year)


def _when(report: Report, w: Words) -> str | None:
    """The period of the title in words, by the report's kind (``None`` without one)."""
    b = report.background
    if b.period is None or b.kind is None:
        return None
    start, end = b.period.start, b.period.end
    first, last = _date(w, start), _date(w, end)
    if b.kind == "campaign":
        name = b.campaigns[0].name if b.campaigns else NONE
        return w("when.campaign", campaign=name, first=first, last=last)
    if b.kind == "monthly":
        return w("when.monthly", month=w(f"month.{start.month}"), year=start.year)
    if b.kind == "quarterly":
        return w("when.quarterly", quarter=w(f"quarter.{start.month // 3 + 1}"), year=start.year)
    if b.kind == "quarters":
        return w(
            "when.quarters",
            first=_quarter_number(w, start),
            first_year=start.year,
            last=_quarter_number(w, end),
            last_year=end.year,
            count=quarters_between(start, end),
        )
    if b.kind == "half_year":
        return w("when.half_year", half=w(f"half.{1 if start.month == 1 else 2}"), year=start.year)
    if b.kind == "annual":
        return w("when.annual", year=start.year)
    return w("when.custom", first=first, last=last)


def _quarter_number(w: Words, day: date) -> str:
    """The number of ``day``'s quarter: ``2`` in English (Q2), ``二`` in Chinese (第二季度)."""
    number = (day.month - 1) // 3 + 1
    return chinese_numeral(number) if w.lang == "zh" else str(number)


def title_text(report: Report, w: Words) -> str:
    """The report's title: the library (when given), the kind of report and its period
    (``Riverside Library — social media evaluation report, January–March 2026
    (quarterly)``; ``××图书馆新媒体运营评估报告（2026年第一季度）``)."""
    library = report.background.library
    when = _when(report, w)
    if library is None:
        return w("title.undated") if when is None else w("title.dated", when=when)
    if when is None:
        return w("title.library_undated", library=library)
    return w("title.library", library=library, when=when)


def _background(report: Report, w: Words) -> list[Block]:
    """The background section."""
    b = report.background
    out: list[Block] = []
    out.append(Heading(2, w("h.background"), "background"))
    out.append(
        Paragraph(
            w("p.no_period")
            if b.period is None
            else w("p.period", start=b.period.start.isoformat(), end=b.period.end.isoformat())
        )
    )
    out.append(Paragraph(w("p.scope_campaign" if b.campaign_id else "p.scope_all")))
    out.append(
        Paragraph(w("p.budgets", names="; ".join(b.budgets)) if b.budgets else w("p.no_budgets"))
    )
    if b.campaigns:
        out.append(
            _table(
                w.columns("campaign", "kind", "status", "dates", "platforms", "kol"),
                [
                    (
                        c.name,
                        w.label(c.kind),
                        w.label(c.status),
                        f"{c.start.isoformat()} – {c.end.isoformat()}",
                        ", ".join(w.label(p) for p in c.platforms),
                        "; ".join(
                            f"{k.handle} ({w.label(k.platform)}, {count(k.audience_size)}, "
                            f"{money(k.fee)} {w.label(k.currency)})"
                            for k in c.kol_partners
                        )
                        or NONE,
                    )
                    for c in b.campaigns
                ],
                [False] * 6,
            )
        )
    return out


def _goals(report: Report, w: Words) -> list[Block]:
    """The goals section."""
    out: list[Block] = []
    out.append(Heading(2, w("h.goals"), "goals"))
    if report.goals:
        out.append(
            _table(
                w.columns("campaign", "metric", "platform", "target"),
                [
                    (g.campaign, w.label(g.metric), w.label(g.platform), number(g.target))
                    for g in report.goals
                ],
                [False, False, False, True],
            )
        )
    else:
        out.append(Paragraph(w("p.no_goals")))
    return out


LIBOPS_ACTORS: Final = frozenset({SIGNALS_ACTOR.id, ERASURE_ACTOR.id, SYSTEM_ACTOR})
"""The actor ids libops itself acts under (risk signals, erasures, events no person caused):
the people table names them from the catalogues' labels."""


def _execution(report: Report, w: Words) -> list[Block]:
    """The execution section."""
    out: list[Block] = []
    e = report.execution
    out.append(Heading(2, w("h.execution"), "execution"))
    if e.first_publication is not None and e.last_publication is not None:
        out.append(
            Paragraph(
                w(
                    "p.publications",
                    first=e.first_publication.isoformat(),
                    last=e.last_publication.isoformat(),
                    posts=count(e.posts_total),
                )
            )
        )
    else:
        out.append(Paragraph(w("p.no_publications")))
    out.append(Heading(3, w("h3.posts")))
    out.append(
        _table(
            w.columns("platform", "content_type", "posts"),
            [(w.label(p.platform), w.label(p.content_type), count(p.posts)) for p in e.posts],
            [False, False, True],
        )
    )
    out.extend(_team(report, w))  # the people table: the team and training (issue 17)
    out.append(Heading(3, w("h3.milestones")))
    out.append(
        _table(
            w.columns("day", "milestone", "subject"),
            [
                (m.day.isoformat(), w.label(m.kind), w.label(m.subject) if m.subject else NONE)
                for m in e.milestones
            ],
            [False, False, False],
        )
    )
    return out


def _results(report: Report, w: Words) -> list[Block]:
    """The results section."""
    out: list[Block] = []
    out.append(Heading(2, w("h.results"), "results"))
    if report.goals:
        out.append(
            _table(
                w.columns(
                    "campaign", "metric", "platform", "target", "actual", "attainment", "met"
                ),
                [
                    (
                        g.campaign,
                        w.label(g.metric),
                        w.label(g.platform),
                        number(g.target),
                        count(g.actual),
                        percent(g.attainment),
                        w.yes_no(g.met),
                    )
                    for g in report.goals
                ],
                [False, False, False, True, True, True, False],
            )
        )
    else:
        out.append(Paragraph(w("p.no_goals")))
    return out


def _engagement(report: Report, w: Words) -> list[Block]:
    """The engagement section."""
    out: list[Block] = []
    eng = report.engagement
    out.append(Heading(2, w("h.engagement"), "engagement"))
    t = eng.total
    out.append(
        Paragraph(
            w(
                "p.total",
                posts=count(t.posts),
                reach=count(t.reach),
                engagements=count(t.engagements),
                rate=percent(t.engagement_rate),
            )
        )
    )
    header = w.columns("group", "posts", "reach", "engagements", "followers", "rate")
    numeric = [False, True, True, True, True, True]

    def rows(group: Sequence[Any], label: Callable[[str], str]) -> list[tuple[str, ...]]:
        return [
            (
                label(r.key),
                count(r.posts),
                count(r.reach),
                count(r.engagements),
                count(r.followers_gained),
                percent(r.engagement_rate),
            )
            for r in group
        ]

    out.append(Heading(3, w("h3.by_platform")))
    out.append(_table(header, rows(eng.by_platform, w.label), numeric))
    out.append(Chart("engagement_by_platform", w("chart.engagement_by_platform")))
    out.append(Heading(3, w("h3.by_content_type")))
    out.append(_table(header, rows(eng.by_content_type, w.label), numeric))
    out.append(Chart("rate_by_content_type", w("chart.rate_by_content_type")))
    out.append(Heading(3, w("h3.by_week")))
    labels = {r.key: week_label(r, w) for r in eng.by_week}
    out.append(_table(header, rows(eng.by_week, lambda key: labels[key]), numeric))
    out.append(Paragraph(_trend_text(report, w)))
    if eng.partial_weeks:
        out.append(Paragraph(w("p.partial_weeks", partial=count(eng.partial_weeks))))
    out.append(Chart("weekly_trend", w("chart.weekly_trend")))
    return out


def day_label(day: date, w: Words) -> str:
    """A day without its year: ``30 Mar``, ``3月30日``."""
    return w("date.day", day=str(day.day), month=w(f"month.{day.month}"))


def week_label(row: EngagementRow, w: Words) -> str:
    """A week by its dates, with its ISO number (and marked when partial):
    ``30 Mar – 5 Apr 2026 (W14)``, ``2026年3月30日—4月5日（第14周，不完整周）``."""
    if row.start is None or row.end is None:
        return row.key
    start, end = row.start, row.end
    if start.year == end.year:
        dates = w("week.range", start=day_label(start, w), end=day_label(end, w), year=start.year)
    else:
        dates = w(
            "week.range_years",
            start=day_label(start, w),
            end=day_label(end, w),
            start_year=start.year,
            end_year=end.year,
        )
    number = str(start.isocalendar()[1])
    return w("week.label" if row.full else "week.label_partial", dates=dates, number=number)


def _trend_text(report: Report, w: Words) -> str:
    """The weekly rate's trend: its slope, interval and test when beyond the noise, else
    "no clear trend" with the same figures, or why there is none."""
    eng = report.engagement
    if eng.trend_slope is None or eng.trend_direction is None:
        return w("p.no_trend", weeks=count(eng.trend_weeks))
    figures = {
        "weeks": count(eng.trend_weeks),
        "slope": points(eng.trend_slope),
        "ci_low": points(eng.trend_ci_low),
        "ci_high": points(eng.trend_ci_high),
        "p_value": w.p_value(eng.trend_p_value),
        "rate_low": percent(eng.trend_rate_low),
        "rate_high": percent(eng.trend_rate_high),
    }
    if eng.trend_significant:
        return w("p.trend", direction=w(f"direction.{eng.trend_direction}"), **figures)
    return w("p.no_clear_trend", **figures)


def _cadence(report: Report, w: Words) -> list[Block]:
    """The cadence section."""
    out: list[Block] = []
    out.append(Heading(2, w("h.cadence"), "cadence"))
    out.append(Paragraph(w("p.cadence")))
    out.append(
        _table(
            w.columns("platform", "per", "policy", "periods", "under", "within", "over"),
            [
                (
                    w.label(c.platform),
                    w(f"per.{c.per}"),
                    f"{_or_none(c.minimum)}–{_or_none(c.maximum)}",
                    count(c.periods),
                    count(c.under),
                    count(c.within),
                    count(c.over),
                )
                for c in report.cadence
            ],
            [False, False, False, True, True, True, True],
        )
    )
    b = report.briefs
    if b.recorded:
        out.append(
            Paragraph(
                w(
                    "p.briefs",
                    planned=count(b.planned),
                    on_time=count(b.drafted_on_time),
                    late=count(b.drafted_late),
                    overdue=count(b.overdue),
                    dropped=count(b.dropped),
                )
            )
        )
    out.append(Chart("cadence", w("chart.cadence")))
    return out


def _topics(report: Report, w: Words) -> list[Block]:
    """Topic heat (issue 17): each topic's peak, latest day and decline, and a fresh topic
    recommended for each cooling one."""
    out: list[Block] = [Heading(2, w("h.topics"), "topics")]
    heat = report.topic_heat
    if not heat.rows:
        out.append(Paragraph(w("p.no_topics")))
        return out
    assert heat.as_of is not None
    out.append(
        Paragraph(
            w(
                "p.topics",
                as_of=heat.as_of.isoformat(),
                days=count(heat.days_below),
                share=percent(heat.share),
            )
        )
    )

    def state(row: Any) -> str:
        if row.cooling:
            return w("heat.cooling")
        return w("heat.live" if row.live else "heat.quiet")

    out.append(
        _table(
            w.columns(
                "topic", "posts", "engagements", "peak_day", "peak", "latest", "of_peak", "heat"
            ),
            [
                (
                    f"#{row.topic}",
                    count(row.posts),
                    count(row.engagement),
                    NONE if row.peak_day is None else row.peak_day.isoformat(),
                    count(row.peak),
                    count(row.latest),
                    percent(row.share),
                    state(row),
                )
                for row in heat.rows
            ],
            [False, True, True, False, True, True, True, False],
        )
    )
    for row in heat.cooling:
        assert row.peak_day is not None
        assert row.latest_day is not None
        out.append(
            Paragraph(
                w(
                    "rec.fresh_topic",
                    topic=row.topic,
                    peak_day=row.peak_day.isoformat(),
                    peak=count(row.peak),
                    latest_day=row.latest_day.isoformat(),
                    latest=count(row.latest),
                    share=percent(row.share),
                    days=count(row.days_below),
                    threshold=percent(heat.share),
                )
            )
        )
    return out


def _interactions(report: Report, w: Words) -> list[Block]:
    """The interactions section."""
    out: list[Block] = []
    i = report.interactions
    out.append(Heading(2, w("h.interactions"), "interactions"))
    out.append(
        Paragraph(
            w(
                "p.interactions",
                participants=count(i.participants),
                questions=count(i.questions),
                answered=count(i.answered),
                answer_rate=percent(i.answer_rate),
                escalated=count(i.escalated),
                median=minutes(i.median_response_seconds),
                p90=minutes(i.p90_response_seconds),
            )
        )
    )
    out.append(
        Paragraph(
            w(
                "p.contests",
                contests=count(i.contests),
                entries=count(i.contest_entries),
                disqualified=count(i.disqualified),
                sessions=count(i.sessions),
                registrations=count(i.registrations),
                attendance=count(i.attendance),
                contributions=count(i.contributions),
            )
        )
    )
    out.append(_counts(w, "group", "participants", i.participants_by_kind))
    out.append(Paragraph(w("p.moderation", total=count(i.moderation_total))))
    out.append(_counts(w, "action", "count", i.moderation))
    out.extend(_quality_blocks(report, w))
    return out


def _budget(report: Report, w: Words) -> list[Block]:
    """The budget section."""
    out: list[Block] = []
    bu = report.budgets
    out.append(Heading(2, w("h.budget"), "budget"))
    money_header = w.columns("currency", "allocated", "committed", "spent", "available")

    def money_rows(group: Sequence[Any], label: Callable[[str], str]) -> list[tuple[str, ...]]:
        return [
            (
                label(r.subject),
                w.label(r.currency),
                money(r.allocated),
                money(r.committed),
                money(r.spent),
                money(r.available),
            )
            for r in group
        ]

    out.append(Heading(3, w("h3.positions")))
    out.append(
        _table(
            [*w.columns("category"), *money_header],
            money_rows([*bu.by_category, *bu.totals], w.label),
            [False, False, True, True, True, True],
        )
    )
    out.append(Chart("budget_positions", w("chart.budget_positions")))
    out.append(Heading(3, w("h3.by_campaign")))
    out.append(
        _table(
            [*w.columns("campaign"), *money_header],
            money_rows(bu.by_campaign, str),
            [False, False, True, True, True, True],
        )
    )
    out.append(Heading(3, w("h3.costs")))
    out.append(Paragraph(w("p.costs_note")))
    out.append(
        _table(
            w.columns(
                "subject",
                "kind",
                "platform",
                "currency",
                "spent",
                "engagements",
                "followers",
                "cpe",
                "cpf",
            ),
            [
                (
                    c.subject,
                    w(f"kind.{c.kind}"),
                    w.label(c.platform) if c.platform else NONE,
                    w.label(c.currency),
                    money(c.spent),
                    count(c.engagements),
                    count(c.followers_gained),
                    money(c.cost_per_engagement),
                    money(c.cost_per_new_follower),
                )
                for c in bu.costs
            ],
            [False, False, False, False, True, True, True, True, True],
        )
    )
    return out


def _risks(report: Report, w: Words) -> list[Block]:
    """The risks section."""
    out: list[Block] = []
    r = report.risks
    out.append(Heading(2, w("h.risks"), "risks"))
    out.append(Paragraph(w("p.heat", open=count(r.open_risks), escalated=count(r.escalated))))
    out.append(_counts(w, "level", "risks", r.by_level))
    out.append(Chart("risk_heat_map", w("chart.risk_heat_map")))
    out.append(Heading(3, w("h3.risk_register")))
    out.append(
        _table(
            w.columns(
                "title", "category", "likelihood", "impact", "score", "level", "status", "escalated"
            ),
            [
                (
                    w.risk_title(k.title),
                    w.label(k.category),
                    str(k.likelihood),
                    str(k.impact),
                    str(k.score),
                    w.label(k.level),
                    w.label(k.status),
                    w.yes_no(k.escalated),
                )
                for k in r.risks
            ],
            [False, False, True, True, True, False, False, False],
        )
    )
    out.append(Heading(3, w("h3.incidents")))
    if r.open_incidents:
        out.append(
            _table(
                w.columns("title", "number", "severity", "affected", "started"),
                [
                    (
                        w.risk_title(n.risk),
                        str(n.number),
                        w.label(n.severity),
                        n.affected,
                        n.started_at.isoformat(timespec="minutes"),
                    )
                    for n in r.open_incidents
                ],
                [False, True, False, False, False],
            )
        )
    else:
        out.append(Paragraph(w("p.no_incidents")))
    out.append(Heading(3, w("h3.signals")))
    if r.signals:
        out.append(_counts(w, "signal", "firings", r.signals))
    else:
        out.append(Paragraph(w("p.no_signals")))
    return out


def _problems(report: Report, w: Words) -> list[Block]:
    """The problems section."""
    out: list[Block] = []
    out.append(Heading(2, w("h.problems"), "problems"))
    if report.problems:
        out.append(BulletList(tuple(w.finding(f) for f in report.problems)))
    else:
        out.append(Paragraph(w("p.no_problems")))
    return out


def _judgement(report: Report, w: Words) -> list[Block]:
    """The judgement section."""
    out: list[Block] = []
    j = report.judgement
    out.append(Heading(2, w("h.judgement"), "judgement"))
    out.append(
        Paragraph(
            w(
                "p.objectives",
                met=count(j.objectives_met),
                total=count(j.objectives_total),
                unmeasured=count(j.objectives_unmeasured),
            )
        )
    )
    out.append(Paragraph(w(f"p.verdict.{j.verdict}")))
    spent = (
        "; ".join(f"{money(amount)} {w.label(currency)}" for currency, amount in j.spent) or NONE
    )
    out.append(
        Paragraph(
            w(
                "p.headline",
                posts=count(j.posts),
                engagements=count(j.engagements),
                rate=percent(j.engagement_rate),
                spent=spent,
                open_risks=count(j.open_risks),
            )
        )
    )
    return out


def _recommendations(report: Report, w: Words) -> list[Block]:
    """The recommendations section."""
    out: list[Block] = []
    out.append(Heading(2, w("h.recommendations"), "recommendations"))
    if report.recommendations:
        out.append(BulletList(tuple(w.finding(f) for f in report.recommendations)))
    else:
        out.append(Paragraph(w("p.no_recommendations")))
    return out


# --- Chinese practice (issue 14, item 5): the indices and the account's standing ----------


def _index_value(value: Decimal | None) -> str:
    """An index with its two decimals (``1,234.50``)."""
    return NONE if value is None else f"{value:,.2f}"


def _per_post(value: Decimal | None) -> str:
    """A reach per post, to the whole read or view."""
    return NONE if value is None else f"{value:,.0f}"


def _indices(report: Report, w: Words) -> list[Block]:
    """The communication indices section: WCI, BCI, the short-video index and the weighted
    index, a sentence on each, and each platform's figures in the field's terms."""
    ind = report.indices
    period = report.background.period
    out: list[Block] = [Heading(2, w("h.indices"), "indices")]
    if not ind.platforms or period is None:
        out.append(Paragraph(w("p.no_indices")))
        return out
    out.append(
        Paragraph(
            w(
                "p.indices_period",
                start=period.start.isoformat(),
                end=period.end.isoformat(),
                days=count(ind.days),
            )
        )
    )
    rows = [
        (
            w(f"index.{p.index}"),
            w.label(p.platform),
            w(f"version.{p.index}", version=p.version),
            _index_value(p.value),
        )
        for p in ind.platforms
    ]
    rows.append(
        (
            w("index.weighted"),
            w("index.across_platforms"),
            w("version.weighted"),
            _index_value(ind.weighted),
        )
    )
    out.append(
        _table(w.columns("index", "platform", "version", "value"), rows, [False] * 3 + [True])
    )
    version = next((p.version for p in ind.platforms if p.index == "wci"), "")
    out.append(
        BulletList(
            (
                w("about.wci", version=version),
                w("about.bci"),
                w("about.video"),
                w("about.weighted"),
            )
        )
    )
    out.append(Heading(3, w("h3.platform_figures")))
    for p in ind.platforms:
        if not p.posts:
            out.append(Paragraph(w("p.figures.none", platform=w.label(p.platform))))
            continue
        figures = {
            "platform": w.label(p.platform),
            "posts": count(p.posts),
            "reach": count(p.reach),
            "per_post": _per_post(p.reach_per_post),
            "likes": count(p.likes),
            "comments": count(p.comments),
            "shares": count(p.shares),
            "like_rate": percent(p.like_rate),
            "rate": percent(p.engagement_rate),
        }
        if p.index == "wci" and ind.wechat is not None:
            out.append(
                Paragraph(
                    w(
                        "p.figures.wci",
                        headline=count(ind.wechat.headline_reads),
                        peak=count(ind.wechat.peak_reads),
                        over_100k=count(ind.wechat.over_100k),
                        **figures,
                    )
                )
            )
        else:
            out.append(Paragraph(w(f"p.figures.{p.index}", **figures)))
    out.append(Paragraph(w("p.terms")))
    return out


def _standing(report: Report, w: Words) -> list[Block]:
    """The account's standing: the weighted index and its weights, and rankings and honours
    (none recorded in a store: a sentence says so)."""
    ind = report.indices
    out: list[Block] = [Heading(2, w("h.standing"), "standing")]
    if ind.weighted is None:
        out.append(Paragraph(w("p.no_weighted")))
    else:
        out.append(Paragraph(w("p.weighted", value=_index_value(ind.weighted))))
    if ind.weights:
        values = {p.platform: p.value for p in ind.platforms}
        out.append(
            _table(
                w.columns("platform", "weight", "share", "value", "included"),
                [
                    (
                        w.label(s.platform),
                        number(s.weight),
                        percent(s.share),
                        _index_value(values.get(s.platform)),
                        w.yes_no(s.present and s.share is not None),
                    )
                    for s in ind.weights
                ],
                [False, True, True, True, False],
            )
        )
    out.append(Paragraph(w("p.weights_method")))
    records = report.standing_records
    if not records.rankings and not records.honours:
        out.append(Paragraph(w("p.no_ranking")))
        return out
    out.append(Heading(3, w("h3.peer_ranks")))
    if records.rankings:
        out.append(
            _table(
                w.columns(
                    "ranking", "ranking_platform", "ranking_period", "rank", "value", "leader"
                ),
                [
                    (
                        w("ranking.name", source=r.source, index=r.index),
                        w("ranking.overall") if r.platform == OVERALL else w.label(r.platform),
                        w("ranking.period", start=r.start.isoformat(), end=r.end.isoformat()),
                        w("ranking.rank_of", rank=count(r.rank), entrants=count(r.entrants)),
                        _ranking_value(r.value),
                        w("ranking.leader", leader=r.leader, value=_ranking_value(r.leader_value)),
                    )
                    for r in records.rankings
                ],
                [False, False, False, True, True, False],
            )
        )
    else:
        out.append(Paragraph(w("p.no_peer_ranks")))
    out.append(Heading(3, w("h3.honours")))
    if records.honours:
        out.append(
            _table(
                w.columns("honour", "awarded_by", "awarded_on", "note"),
                [
                    (h.title, h.awarded_by, h.awarded_on.isoformat(), h.note or NONE)
                    for h in records.honours
                ],
                [False] * 4,
            )
        )
    else:
        out.append(Paragraph(w("p.no_honours")))
    return out


def _ranking_value(value: Decimal) -> str:
    """A ranking's value as the table gave it, with thousands separators (``1,234.5``)."""
    return f"{value:,f}"


def _typical_cases(report: Report, w: Words) -> list[Block]:
    """The typical cases (典型案例) in scope: each post or campaign, its theme and why (a
    sentence when none is marked)."""
    out: list[Block] = [Heading(2, w("h.typical_cases"), "typical_cases")]
    cases = report.standing_records.cases
    if not cases:
        out.append(Paragraph(w("p.no_cases")))
        return out
    out.append(Paragraph(w("p.cases", cases=count(len(cases)))))
    out.append(
        _table(
            w.columns("case", "case_kind", "theme", "why"),
            [(c.title, w(f"case.{c.subject_kind}"), c.theme, c.why) for c in cases],
            [False] * 4,
        )
    )
    return out


def _services(report: Report, w: Words) -> list[Block]:
    """Online service uses (线上服务人次) in the period, by kind and channel (a sentence when
    none is recorded)."""
    out: list[Block] = [Heading(2, w("h.services"), "services")]
    records = report.standing_records
    if not records.services:
        out.append(Paragraph(w("p.no_services")))
        return out
    out.append(Paragraph(w("p.services", uses=count(records.services_total))))
    out.append(
        _table(
            w.columns("service", "uses", "channels"),
            [
                (
                    _service_kind(row.kind, w),
                    count(row.total),
                    w("list.separator").join(
                        w("service.channel", channel=w.label(c), uses=count(n))
                        for c, n in row.by_channel
                    ),
                )
                for row in records.services
            ],
            [False, True, False],
        )
    )
    return out


def _followers(report: Report, w: Words) -> list[Block]:
    """Each account's follower growth (粉丝增长) in the period, from the platforms' imported
    daily figures (a sentence when none is recorded)."""
    out: list[Block] = [Heading(2, w("h.followers"), "followers")]
    growth = report.followers
    if not growth.rows:
        out.append(Paragraph(w("p.no_followers")))
        return out
    out.append(Paragraph(w("p.followers")))
    out.append(
        _table(
            w.columns(
                "platform",
                "follower_days",
                "followers_new",
                "followers_lost",
                "followers_net",
                "followers_before",
                "followers_after",
                "follower_growth",
            ),
            [
                (
                    w.label(row.platform),
                    w("p.follower_days", days=count(row.days), of=count(growth.period_days)),
                    count(row.gained),
                    count(row.lost),
                    f"{row.net:+,}",
                    count(row.start_total),
                    count(row.end_total),
                    percent(row.growth_rate),
                )
                for row in growth.rows
            ],
            [False, True, True, True, True, True, True, True],
        )
    )
    return out


def _service_kind(kind: str, w: Words) -> str:
    """A service's kind in the report's language (a kind named in words as it was written)."""
    return w(f"service.{kind}") if kind in SERVICE_KINDS else kind


# --- issue 14: summary, target advice, statistics, WCI, comparisons, budget use, appendix --


def _summary(report: Report, w: Words) -> list[Block]:
    """The executive summary: at most three findings (:mod:`libops.report.summary`), or
    one sentence when nothing was recorded in the period."""
    out: list[Block] = [Heading(2, w("h.summary"), "summary")]
    if report.is_empty:
        out.append(Paragraph(w("p.empty")))
    elif report.summary:
        out.append(BulletList(tuple(_summary_item(f, w) for f in report.summary)))
    else:
        out.append(Paragraph(w("p.no_summary")))
    return out


def _summary_item(finding: Finding, w: Words) -> str:
    """A finding of the summary; a risk's title in the report's language."""
    if finding.kind != "summary_risk":
        return w.finding(finding)
    shown = {name: w._figure(name, value) for name, value in finding.figures}
    shown["title"] = w.risk_title(str(finding.figure("title")))
    return w(f"finding.{finding.kind}", **shown)


def _targets(report: Report, w: Words) -> list[Block]:
    """Target-setting advice: objectives missed badly or exceeded by far."""
    out: list[Block] = [Heading(2, w("h.targets"), "targets")]
    out.append(Paragraph(w("p.targets", low=percent(MISSED_BADLY), high=number(EXCEEDED_FAR))))
    if report.target_advice:
        out.append(BulletList(tuple(w.finding(f) for f in report.target_advice)))
    else:
        out.append(Paragraph(w("p.no_target_advice")))
    return out


def _fixed(value: Decimal | None, places: int) -> str:
    """A statistic with ``places`` decimals and thousands separators."""
    return NONE if value is None else f"{value:,.{places}f}"


def _distribution_cells(d: Distribution | None, rate: bool) -> tuple[str, ...]:
    if d is None:
        return (count(0), NONE, NONE, NONE, NONE, NONE)
    shown = percent if rate else (lambda v: _fixed(v, 1))
    return (
        count(d.n),
        shown(d.mean),
        shown(d.median),
        shown(d.sd),
        shown(d.minimum),
        shown(d.maximum),
    )


def _statistics(report: Report, w: Words) -> list[Block]:
    """Descriptive statistics and correlation per platform."""
    out: list[Block] = [Heading(2, w("h.statistics"), "statistics")]
    if not report.statistics:
        out.append(Paragraph(w("p.no_statistics")))
        return out
    out.append(Paragraph(w("p.statistics", minimum=count(MIN_POSTS_FOR_CORRELATION))))
    out.append(
        _table(
            w.columns("platform", "figure", "n", "mean", "median", "sd", "minimum", "maximum"),
            [
                (w.label(p.platform), w(f"stat.{name}"), *_distribution_cells(d, name == "rate"))
                for p in report.statistics
                for name, d in (("rate", p.rate), ("reach", p.reach))
            ],
            [False, False, True, True, True, True, True, True],
        )
    )
    out.append(
        _table(
            w.columns("platform", "pair", "n", "rho", "strength"),
            [
                (
                    w.label(p.platform),
                    w(f"pair.{c.x}.{c.y}"),
                    count(c.n),
                    NONE if c.coefficient is None else f"{c.coefficient:+.3f}",
                    w(f"strength.{c.strength}")
                    if c.strength is not None
                    else w(f"corr.{c.reason}", minimum=count(MIN_POSTS_FOR_CORRELATION)),
                )
                for p in report.statistics
                for c in p.correlations
            ],
            [False, False, True, True, False],
        )
    )
    return out


def _wechat_index(report: Report, w: Words) -> list[Block]:
    """The WeChat index (WCI) of the period and per ISO week."""
    out: list[Block] = [Heading(2, w("h.wechat_index"), "wechat_index")]
    x = report.wechat_index
    if x is None or x.period_wci is None:
        out.append(Paragraph(w("p.no_wci")))
        return out
    out.append(
        Paragraph(
            w(
                "p.wci",
                version=x.version,
                articles=count(x.articles),
                days=count(x.days),
                wci=_fixed(x.period_wci, 2),
                used=w("sep.list").join(w.label(i) for i in x.inputs_used),
                left_out=w("sep.list").join(w.label(i) for i in x.inputs_left_out) or NONE,
            )
        )
    )
    out.append(Paragraph(w("p.wci_method")))
    out.append(
        _table(
            w.columns("week", "articles", "reads", "likes", "shares", "wci"),
            [
                (
                    f"{k.start.isoformat()} – {k.end.isoformat()}",
                    count(k.articles),
                    count(k.reads),
                    count(k.likes),
                    count(k.shares),
                    _fixed(k.wci, 2),
                )
                for k in x.weeks
            ],
            [False, True, True, True, True, True],
        )
    )
    return out


def _signed(ratio: Decimal | None) -> str:
    """A change as a signed percentage (``+12.50%``)."""
    return NONE if ratio is None else f"{ratio * 100:+,.2f}%"


_HEADLINE: Final = ("posts", "reach", "engagements", "engagement_rate", "followers_gained")


def _comparisons(report: Report, w: Words) -> list[Block]:
    """环比 and 同比: a table for each earlier period the store holds, else a sentence."""
    out: list[Block] = [Heading(2, w("h.comparisons"), "comparisons")]
    c = report.comparisons
    if c.reason is not None:
        out.append(Paragraph(w(f"p.no_comparison.{c.reason}")))
        return out
    for kind, found in (("previous", c.previous), ("year_earlier", c.year_earlier)):
        if found is None:
            out.append(Paragraph(w(f"p.no_{kind}")))
            continue
        out.append(
            Heading(3, w(f"h3.{kind}", start=found.start.isoformat(), end=found.end.isoformat()))
        )
        if found.left_out:
            out.append(
                Paragraph(
                    w(
                        "p.compared_platforms",
                        platforms=w._figure("platforms", found.platforms),
                        left_out=w._figure("platforms", found.left_out),
                    )
                )
            )
        rows = []
        for figure in _HEADLINE:
            now, then = getattr(found.now, figure), getattr(found.then, figure)
            shown = percent if figure == "engagement_rate" else count
            rows.append(
                (w(f"figure.{figure}"), shown(now), shown(then), _signed(found.change(figure)))
            )
        out.append(_table(w.columns("figure", "now", "then", "change"), rows, [False] + [True] * 3))
    return out


def _budget_use(report: Report, w: Words) -> list[Block]:
    """Allocated against spent per budget line, under-used lines flagged."""
    out: list[Block] = [Heading(2, w("h.budget_use"), "budget_use")]
    u = report.budget_use
    if not u.lines:
        out.append(Paragraph(w("p.no_budget_lines")))
        return out
    out.append(Paragraph(w("p.budget_use", threshold=percent(u.threshold))))
    out.append(
        _table(
            w.columns("budget", "category", "line", "currency", "allocated", "spent", "used"),
            [
                (
                    x.budget,
                    w.label(x.category),
                    x.campaign or w("line.general"),
                    w.label(x.currency),
                    money(x.allocated),
                    money(x.spent),
                    percent(x.used),
                )
                for x in u.lines
            ],
            [False, False, False, False, True, True, True],
        )
    )
    flagged = [x for x in u.lines if x.flagged]
    if flagged:
        out.append(
            BulletList(
                tuple(
                    w(
                        "p.budget_flagged",
                        budget=x.budget,
                        category=w.label(x.category),
                        line=x.campaign or w("line.general"),
                        spent=money(x.spent),
                        allocated=money(x.allocated),
                        currency=w.label(x.currency),
                        used=percent(x.used),
                    )
                    for x in flagged
                )
            )
        )
    elif u.period_over:
        out.append(Paragraph(w("p.budget_none_flagged", threshold=percent(u.threshold))))
    if not u.period_over:
        out.append(Paragraph(w("p.budget_running")))
    return out


def _local_minute(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def _appendix(report: Report, w: Words) -> list[Block]:
    """Appendix: where the data came from, up to when, how many records."""
    out: list[Block] = [Heading(2, w("h.appendix"), "appendix")]
    s = report.source
    if s is None:
        return out
    if s.last_recorded is None:
        out.append(Paragraph(w("p.source_empty", store=s.store)))
    else:
        out.append(
            Paragraph(
                w(
                    "p.source",
                    store=s.store,
                    records=count(s.records),
                    last=_local_minute(s.last_recorded),
                )
            )
        )
    out.append(Paragraph(w("p.source_views")))
    return out


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


# --- issue 17: sameness (内容同质化) and reuse (复用, 原创, 转载) ---------------------------------


def _sameness(report: Report, w: Words) -> list[Block]:
    """What the sameness check found at review: the share of near-duplicate drafts and the
    most similar pairs (a sentence when no post was submitted for review)."""
    out: list[Block] = [Heading(2, w("h.sameness"), "sameness")]
    found = report.sameness
    if not found.submitted:
        out.append(Paragraph(w("p.no_sameness")))
        return out
    out.append(
        Paragraph(
            w(
                "p.sameness",
                submitted=count(found.submitted),
                near=count(found.near_duplicates),
                share=percent(found.share),
            )
        )
    )
    if found.pairs:
        out.append(Paragraph(w("p.sameness_pairs")))
        out.append(
            _table(
                w.columns("sameness_post", "sameness_similar", "sameness_score"),
                [(p.post, p.similar, count(p.score)) for p in found.pairs],
                [False, False, True],
            )
        )
    return out


def _reuse(report: Report, w: Words) -> list[Block]:
    """Original (原创) and reposted (转载) posts, the reuse rate (复用) and production cost per
    post of new and of reused content (a sentence when no post was published)."""
    out: list[Block] = [Heading(2, w("h.reuse"), "reuse")]
    reuse = report.reuse
    if not reuse.posts:
        out.append(Paragraph(w("p.no_reuse")))
        return out
    out.append(
        Paragraph(
            w(
                "p.reuse",
                posts=count(reuse.posts),
                original=count(reuse.original),
                original_ratio=percent(reuse.original_ratio),
                reposted=count(reuse.reposted),
                reused=count(reuse.reused),
                reuse_rate=percent(reuse.reuse_rate),
            )
        )
    )
    if reuse.costs:
        out.append(
            _table(
                w.columns("reuse_content", "reuse_total", "reuse_posts", "reuse_per_post"),
                [
                    (
                        w("reuse.reused" if row.reused else "reuse.new"),
                        f"{money(row.total)} {w.label(row.currency)}",
                        count(row.posts),
                        f"{money(row.per_post)} {w.label(row.currency)}",
                    )
                    for row in reuse.costs
                ],
                [False, True, True, True],
            )
        )
    else:
        out.append(Paragraph(w("p.no_reuse_costs")))
    return out


# --- issue 17, items 8 and 9: media and copyright (版权), checklist items ---------------------


def _copyright(report: Report, w: Words) -> list[Block]:
    """The media published posts used and their licences, the licences ending within 30
    days, the licence findings review raised, and the answers to the checklist items the
    library added (a sentence when there is nothing)."""
    out: list[Block] = [Heading(2, w("h.copyright"), "copyright")]
    found = report.copyright
    if not found.recorded:
        out.append(Paragraph(w("p.no_copyright")))
        return out

    def expiry(day: date | None) -> str:
        return w("copyright.no_expiry") if day is None else _date(w, day)

    if found.assets:
        out.append(
            Paragraph(
                w(
                    "p.copyright_assets",
                    assets=count(len(found.assets)),
                    publishes=count(sum(row.publishes for row in found.assets)),
                )
            )
        )
        out.append(
            _table(
                w.columns("asset", "asset_licence", "asset_publishes", "asset_expires"),
                [
                    (
                        row.title,
                        w.label(row.licence_kind),
                        count(row.publishes),
                        expiry(row.expires_on),
                    )
                    for row in found.assets
                ],
                [False, False, True, False],
            )
        )
    else:
        out.append(Paragraph(w("p.copyright_no_assets")))
    if found.expiring and found.as_of is not None:
        out.append(
            Paragraph(
                w(
                    "p.copyright_expiring",
                    assets=count(len(found.expiring)),
                    day=_date(w, found.as_of),
                )
            )
        )
        out.append(
            _table(
                w.columns("asset", "asset_licence", "asset_expires"),
                [
                    (row.title, w.label(row.licence_kind), expiry(row.expires_on))
                    for row in found.expiring
                ],
                [False, False, False],
            )
        )
    if found.findings:
        out.append(
            Paragraph(w("p.copyright_findings", findings=count(sum(n for _, n in found.findings))))
        )
        out.append(
            _table(
                w.columns("licence_finding", "licence_findings"),
                [(w.label(kind), count(n)) for kind, n in found.findings],
                [False, True],
            )
        )
    else:
        out.append(Paragraph(w("p.copyright_no_findings")))
    if found.items:
        out.append(Paragraph(w("p.review_items")))
        out.append(
            _table(
                w.columns("review_item", "item_checked", "item_not_checked", "item_not_applicable"),
                [
                    (
                        row.label_zh if w.lang == "zh" else row.label_en,
                        count(row.checked),
                        count(row.not_checked),
                        count(row.not_applicable),
                    )
                    for row in found.items
                ],
                [False, True, True, True],
            )
        )
    return out


# --- the quality of participation (issue 17, item 2) ---------------------------------------


def _length(value: Decimal | None) -> str:
    """A median length in characters (one decimal at most)."""
    return NONE if value is None else number(value)


def _quality_blocks(report: Report, w: Words) -> list[Block]:
    """The quality of participation, under the interactions section: answered well, came
    back, recognised by staff, and answers and contributions by length."""
    i = report.interactions
    if not (i.answer_lengths or i.contribution_lengths or i.returning):
        return []
    return [
        Heading(3, w("h3.quality")),
        Paragraph(
            w(
                "p.quality",
                well=count(i.answered_well),
                questions=count(i.quality_questions),
                well_rate=percent(i.answered_well_rate),
                returning=count(i.returning),
                participants=count(i.quality_participants),
                returning_share=percent(i.returning_share),
                featured=count(i.featured),
                rewarded=count(i.rewarded),
                winners=count(i.contest_winners),
            )
        ),
        _table(
            w.columns("length", "answers", "contributions"),
            [
                (w(f"length.{name}"), count(answers), count(contributions))
                for (name, answers), (_, contributions) in zip(
                    i.answer_lengths or (("short", 0), ("medium", 0), ("long", 0)),
                    i.contribution_lengths or (("short", 0), ("medium", 0), ("long", 0)),
                    strict=True,
                )
            ]
            + [
                (
                    w("length.median"),
                    _length(i.median_answer_length),
                    _length(i.median_contribution_length),
                )
            ],
            [False, True, True],
        ),
        Paragraph(w("p.quality_method")),
        *(
            []
            if i.quality_period is None
            else [
                Paragraph(
                    w(
                        "p.quality_period",
                        start=i.quality_period.start.isoformat(),
                        end=i.quality_period.end.isoformat(),
                    )
                )
            ]
        ),
    ]


# --- satisfaction surveys (issue 17, item 1) ------------------------------------------------


def _nps(value: Decimal | None) -> str:
    """An NPS (or a change of it) in signed points with one decimal (``+30.0``)."""
    return NONE if value is None else f"{value:+.1f}"


def _satisfaction(report: Report, w: Words) -> list[Block]:
    """The satisfaction section: per survey in scope, responses and rate, CSAT, NPS with its
    95% interval; then how each compares with the survey before it of the same kind (a
    sentence says so when no survey is in scope)."""
    rows = report.satisfaction.surveys
    out: list[Block] = [Heading(2, w("h.satisfaction"), "satisfaction")]
    if not rows:
        out.append(Paragraph(w("p.no_surveys")))
        return out
    out.append(
        Paragraph(
            w(
                "p.satisfaction",
                surveys=len(rows),
                responses=count(report.satisfaction.responses),
            )
        )
    )
    out.append(
        _table(
            w.columns(
                "survey",
                "survey_target",
                "day",
                "responses",
                "response_rate",
                "csat",
                "nps",
                "nps_interval",
            ),
            [
                (
                    r.title,
                    w(f"survey_target.{r.target}"),
                    r.day.isoformat(),
                    count(r.responses),
                    percent(r.response_rate),
                    percent(r.csat),
                    _nps(r.nps),
                    NONE
                    if r.nps_low is None or r.nps_high is None
                    else w("survey.interval", low=_nps(r.nps_low), high=_nps(r.nps_high)),
                )
                for r in rows
            ],
            [False, False, False, True, True, True, True, False],
        )
    )
    compared = [r for r in rows if r.previous_title is not None]
    if compared:
        out.append(Paragraph(w("p.satisfaction_compared")))
        out.append(
            BulletList(
                tuple(
                    w(
                        "survey.change",
                        survey=r.title,
                        previous=r.previous_title,
                        csat=points(r.csat_change),
                        nps=_nps(r.nps_change),
                    )
                    for r in compared
                )
            )
        )
    out.append(Paragraph(w("p.satisfaction_method")))
    return out


def _or_none(value: object) -> str:
    """A bound of a cadence rule, or the sign for none."""
    return NONE if value is None else str(value)


# --- the team and training (issue 17, item 7) --------------------------------------------


def _team(report: Report, w: Words) -> list[Block]:
    """The people table of the execution section, as the team: each person's roles, duties
    and actions by kind; then the training taken in the period."""
    e = report.execution
    out: list[Block] = [Heading(3, w("h3.team")), Paragraph(w("p.team"))]
    out.append(
        _table(
            w.columns(
                "actor",
                "roles",
                "duties",
                "drafted",
                "reviews",
                "publishes",
                "answers_given",
                "events",
            ),
            [
                (
                    p.name or (w.label(p.actor_id) if p.actor_id in LIBOPS_ACTORS else p.actor_id),
                    w("sep.list").join(w.label(r) for r in p.roles) or NONE,
                    w("sep.list").join(p.duties) or NONE,
                    count(p.drafted),
                    count(p.reviewed),
                    count(p.published),
                    count(p.answered),
                    count(p.events),
                )
                for p in e.people
            ],
            [False, False, False, True, True, True, True, True],
        )
    )
    out.append(Heading(3, w("h3.training")))
    training = report.training
    if not training.courses:
        out.append(Paragraph(w("p.no_training")))
        return out
    out.append(
        _table(
            w.columns("course", "provider", "trainees", "hours"),
            [
                (
                    c.course,
                    c.provider or NONE,
                    w("sep.list").join(c.people),
                    number(c.hours),
                )
                for c in training.courses
            ],
            [False, False, False, True],
        )
    )
    out.append(
        Paragraph(
            w(
                "p.training_hours",
                courses=count(len(training.courses)),
                hours=number(training.hours),
            )
        )
    )
    return out


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

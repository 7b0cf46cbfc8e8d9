"""The report's title and its overview and results sections as blocks: the executive summary,
background, goals, execution (and the team), results, target advice and the appendix."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from libops.application.privacy import ERASURE_ACTOR
from libops.application.risk_signals import SIGNALS_ACTOR
from libops.projections.activity import SYSTEM_ACTOR
from libops.projections.engagement import ZONE
from libops.report.blocks_base import (
    Block,
    BulletList,
    Heading,
    Paragraph,
    _date,
    _table,
    chinese_numeral,
)
from libops.report.sections import Finding, Report
from libops.report.summary import EXCEEDED_FAR, MISSED_BADLY, quarters_between
from libops.report.words import NONE, Words, count, number, percent


def _title(report: Report, w: Words) -> Heading:
    """The report's title (:func:`title_text`)."""
    return Heading(1, title_text(report, w))


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
                            f"{w.amount(k.fee, k.currency)})"
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
    return _objectives(report, w, "h.goals", "goals", results=False)


def _objectives(
    report: Report, w: Words, heading: str, anchor: str, *, results: bool
) -> list[Block]:
    """A section with a row per objective: its campaign, metric, platform and target, and
    with ``results`` its actual figure, attainment and whether it was met; or the sentence
    that there is none."""
    out: list[Block] = [Heading(2, w(heading), anchor)]
    if not report.goals:
        out.append(Paragraph(w("p.no_goals")))
        return out
    columns = ["campaign", "metric", "platform", "target"]
    numeric = [False, False, False, True]
    if results:
        columns += ["actual", "attainment", "met"]
        numeric += [True, True, False]
    rows = []
    for g in report.goals:
        row = [g.campaign, w.label(g.metric), w.label(g.platform), number(g.target)]
        if results:
            row += [count(g.actual), percent(g.attainment), w.yes_no(g.met)]
        rows.append(row)
    out.append(_table(w.columns(*columns), rows, numeric))
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
    return _objectives(report, w, "h.results", "results", results=True)


# --- issue 14: the executive summary, target advice and the appendix (data source) ---------


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

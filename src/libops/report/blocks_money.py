"""The money, risks and conclusions sections as blocks: budget, budget use, risks, problems,
the overall judgement and recommendations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from libops.report.blocks_base import Block, BulletList, Chart, Heading, Paragraph, _counts, _table
from libops.report.sections import Finding, Report
from libops.report.words import NONE, Words, count, money, percent


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


def _findings(
    w: Words, heading: str, anchor: str, findings: Sequence[Finding], none: str
) -> list[Block]:
    """A section of findings: its heading, then each finding as a bullet, or the sentence
    ``none`` when there is none."""
    out: list[Block] = [Heading(2, w(heading), anchor)]
    if findings:
        out.append(BulletList(tuple(w.finding(f) for f in findings)))
    else:
        out.append(Paragraph(w(none)))
    return out


def _problems(report: Report, w: Words) -> list[Block]:
    """The problems section."""
    return _findings(w, "h.problems", "problems", report.problems, "p.no_problems")


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
    spent = "; ".join(w.amount(amount, currency) for currency, amount in j.spent) or NONE
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
    return _findings(
        w, "h.recommendations", "recommendations", report.recommendations, "p.no_recommendations"
    )


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

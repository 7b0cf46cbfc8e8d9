"""The report's kind, its executive summary and its target-setting advice.

**Kind** (:func:`report_kind`): a report on one campaign is a campaign report; otherwise a
period that is exactly a calendar month, quarter (Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec),
half-year (Jan-Jun, Jul-Dec) or year makes a monthly, quarterly, half-year or annual report,
whole calendar quarters one after the other (two or more, e.g. ``libops demo --scale 3``) a
report over several quarters (``"quarters"``), and any other period a custom range.

**Executive summary** (:func:`_summary`): at most three findings, chosen in this order, each
one sentence with its figures:

1. the objectives: how many were met, naming the measured objective with the lowest
   attainment when any was missed (when the report has measured objectives);
2. the biggest change against the previous period (环比; else the same period a year
   earlier, 同比: :mod:`libops.report.comparisons`): of posts, reach, engagements and new
   followers, the one whose relative change is largest in size; with no earlier data (or
   for a campaign, which has no earlier period), the headline (posts, reach, engagements,
   rate);
3. the most serious problem: the open high or critical risk with the highest score (then
   the title breaks a tie); else the flagged budget line with the most money left unspent;
   else the number of open risks, when there are any.

**Target-setting advice** (:func:`_target_advice`): each measured objective met below
:data:`MISSED_BADLY` of its target, or more than :data:`EXCEEDED_FAR` times over, gets a
sentence advising to set the next target from this period's actual; one with nothing
recorded towards it (an actual of 0) gets a sentence asking to check that its posts were
published and measured before the target is judged.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from libops.domain.values import Period
from libops.report.findings import objective_figures
from libops.report.sections import (
    BudgetUse,
    Comparisons,
    Engagement,
    Figure,
    Finding,
    ObjectiveResult,
    Risks,
)
from libops.report.sections_money import SERIOUS_LEVELS as SERIOUS_LEVELS

MISSED_BADLY: Final = Decimal("0.6")
"""An objective whose attainment is below this was missed badly: its target needs a look."""

EXCEEDED_FAR: Final = Decimal("1.5")
"""An objective met more than this many times over had a target set too low."""

"""The risk levels the executive summary names."""

CHANGE_FIGURES: Final = ("posts", "reach", "engagements", "followers_gained")
"""The headline figures whose change against an earlier period the summary may name."""


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def report_kind(period: Period | None, campaign_id: str | None) -> str | None:
    """The kind of report (see the module docstring), ``None`` without a period."""
    if campaign_id is not None:
        return "campaign"
    if period is None:
        return None
    start, end = period.start, period.end
    if start.day != 1:
        return "custom"
    for kind, months, firsts in (
        ("monthly", 1, range(1, 13)),
        ("quarterly", 3, (1, 4, 7, 10)),
        ("half_year", 6, (1, 7)),
        ("annual", 12, (1,)),
    ):
        if start.month in firsts and end == _last_day(start.year, start.month + months - 1):
            return kind
    whole_quarters = start.month in (1, 4, 7, 10) and end.month in (3, 6, 9, 12)
    if whole_quarters and end == _last_day(end.year, end.month):
        return "quarters" if quarters_between(start, end) >= 2 else "custom"
    return "custom"


def quarters_between(start: date, end: date) -> int:
    """How many calendar quarters from ``start``'s to ``end``'s, both counted."""
    return (end.year - start.year) * 4 + (end.month - 1) // 3 - (start.month - 1) // 3 + 1


def _objectives(goals: Sequence[ObjectiveResult]) -> Finding | None:
    measured = [g for g in goals if g.met is not None]
    if not measured:
        return None
    met = sum(1 for g in measured if g.met)
    missed = [g for g in measured if not g.met and g.attainment is not None]
    if not missed:
        return Finding.of("summary_objectives_met", met=met, total=len(measured))
    worst = min(missed, key=lambda g: (g.attainment, g.campaign, g.metric, g.platform or ""))
    return Finding.of(
        "summary_objectives_missed",
        met=met,
        total=len(measured),
        campaign=worst.campaign,
        metric=worst.metric,
        platform=worst.platform,
        actual=worst.actual,
        target=worst.target,
        attainment=worst.attainment,
    )


def _change(comparisons: Comparisons, engagement: Engagement) -> Finding:
    compared = comparisons.previous or comparisons.year_earlier
    if compared is not None:
        changes = [
            (figure, change)
            for figure in CHANGE_FIGURES
            if (change := compared.change(figure)) is not None
        ]
        if changes:
            figure, change = max(changes, key=lambda c: (abs(c[1]), -CHANGE_FIGURES.index(c[0])))
            kind = f"summary_change_{compared.kind}_{'up' if change >= 0 else 'down'}"
            figures: dict[str, Figure] = {
                "figure": f"figure.{figure}",
                "change": abs(change),
                "now": getattr(compared.now, figure),
                "then": getattr(compared.then, figure),
            }
            if compared.left_out:  # not every platform compared: the sentence says which
                kind, figures["platforms"] = kind + "_on", compared.platforms
            return Finding.of(kind, **figures)
    total = engagement.total
    return Finding.of(
        "summary_engagement_campaign" if comparisons.reason == "campaign" else "summary_engagement",
        posts=total.posts,
        reach=total.reach,
        engagements=total.engagements,
        rate=total.engagement_rate,
    )


def _problem(risks: Risks, budget_use: BudgetUse) -> Finding | None:
    serious = risks.serious
    if serious:
        worst = min(serious, key=lambda r: (-r.score, r.title))
        return Finding.of(
            "summary_risk",
            title=worst.title,
            level=worst.level,
            score=worst.score,
            serious=len(serious),
            open=risks.open_risks,
        )
    flagged = [line for line in budget_use.lines if line.flagged]
    if flagged:
        line = max(flagged, key=lambda x: (x.allocated - x.spent, x.budget, x.category))
        return Finding.of(
            "summary_budget_unused",
            category=line.category,
            spent=line.spent,
            allocated=line.allocated,
            currency=line.currency,
            used=line.used,
        )
    if risks.open_risks:
        return Finding.of("summary_open_risks", open=risks.open_risks)
    return None


def _summary(
    goals: Sequence[ObjectiveResult],
    engagement: Engagement,
    comparisons: Comparisons,
    risks: Risks,
    budget_use: BudgetUse,
) -> tuple[Finding, ...]:
    """The executive summary: the findings of the rule in the module docstring."""
    found = [
        _objectives(goals),
        _change(comparisons, engagement) if engagement.total.posts else None,
        _problem(risks, budget_use),
    ]
    return tuple(f for f in found if f is not None)


def _target_advice(goals: Sequence[ObjectiveResult]) -> tuple[Finding, ...]:
    """A sentence for each objective missed badly or exceeded far, in the goals' order."""
    advice = []
    for g in goals:
        if g.attainment is None or g.actual is None:
            continue
        if g.actual == 0:
            kind = "target_nothing_recorded"
        elif g.attainment < MISSED_BADLY:
            kind = "target_missed_badly"
        elif g.attainment > EXCEEDED_FAR:
            kind = "target_exceeded_far"
        else:
            continue
        advice.append(
            Finding.of(
                kind,
                **objective_figures(g),
                times=g.attainment.quantize(Decimal("0.1"), ROUND_HALF_EVEN),
            )
        )
    return tuple(advice)

"""The report's problems and how they were solved, its judgement and its recommendations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from libops import analysis
from libops.report.sections import (
    Budgets,
    CadenceRow,
    Engagement,
    Finding,
    Interactions,
    Judgement,
    ObjectiveResult,
    Risks,
)

MIN_POSTS_FOR_BEST: Final = 2
"""A content type and posting hour must have at least this many posts to be recommended."""


def _problems(
    activity: Sequence[Mapping[str, Any]],
    interactions: Interactions,
    risks: Risks,
    engagement_view: Mapping[str, Any],
    signals_view: Mapping[str, Any],
    event_of: Callable[[Mapping[str, Any]], Any],
) -> tuple[Finding, ...]:
    """Problems met and how they were solved, each from the activity log and the views
    (``event_of`` reads an entry's event from the log, where the entry says too little)."""
    by_event: Counter[str] = Counter(e["topic"] for e in activity)
    found: list[Finding] = []

    failures = [e for e in activity if e["topic"] == "libops:Post.PublishFailed"]
    if failures:
        # A failed variant was published later if the engagement view holds it as published.
        published_later = 0
        for failure in failures:
            platform = event_of(failure).platform.value
            if f"post:{failure['aggregate_id']}:{platform}" in engagement_view:
                published_later += 1
        found.append(
            Finding.of(
                "publish_failed",
                failures=len(failures),
                posts=len({e["aggregate_id"] for e in failures}),
                published_later=published_later,
            )
        )
    requested = by_event["libops:Post.ChangesRequested"]
    if requested:
        sent_back = {
            e["aggregate_id"] for e in activity if e["topic"] == "libops:Post.ChangesRequested"
        }
        approved = {e["aggregate_id"] for e in activity if e["topic"] == "libops:Post.Approved"}
        found.append(
            Finding.of(
                "changes_requested",
                changes_requested=requested,
                posts=len(sent_back),
                approved_after=len(sent_back & approved),
            )
        )
    reported = by_event["libops:Risk.IncidentReported"]
    if reported:
        found.append(
            Finding.of(
                "incidents",
                reported=reported,
                resolved=by_event["libops:Risk.IncidentResolved"],
                open=len(risks.open_incidents),
            )
        )
    if interactions.escalated or interactions.questions > interactions.answered:
        found.append(
            Finding.of(
                "questions_escalated",
                questions=interactions.questions,
                answered=interactions.answered,
                escalated=interactions.escalated,
                unanswered=interactions.questions - interactions.answered,
            )
        )
    adjusted = by_event["libops:Budget.Adjusted"]
    overrides = sum(
        1
        for e in activity
        if e["topic"] in ("libops:Budget.ExpenseRecorded", "libops:Budget.Committed")
        and event_of(e).override_reason is not None
    )
    overspend_signals = sum(
        int(doc.get("firings", 0))
        for key, doc in signals_view.items()
        if key.startswith("scope:overspend:")
    )
    if adjusted or overrides or overspend_signals:
        found.append(
            Finding.of(
                "budget_pressure",
                adjustments=adjusted,
                overrides=overrides,
                overspend_signals=overspend_signals,
            )
        )
    sanctions = dict(interactions.moderation)
    hidden = sanctions.get("hidden", 0)
    if hidden:
        found.append(
            Finding.of(
                "moderation",
                hidden=hidden,
                warned=sanctions.get("warned", 0),
                sanctioned=sanctions.get("sanctioned", 0)
                + sanctions.get("sanctioned_automatically", 0),
            )
        )
    erased = by_event["libops:DataSubject.Erased"]
    if erased:
        found.append(Finding.of("erasures", erased=erased))
    return tuple(found)


def _judgement(
    goals: Sequence[ObjectiveResult], engagement: Engagement, budgets: Budgets, risks: Risks
) -> Judgement:
    measured = [g for g in goals if g.met is not None]
    met = sum(1 for g in measured if g.met)
    if not measured:
        verdict = "no_objectives"
    elif met == len(measured):
        verdict = "all_met"
    elif met * 2 >= len(measured):
        verdict = "most_met"
    elif met:
        verdict = "few_met"
    else:
        verdict = "none_met"
    total = engagement.total
    return Judgement(
        objectives_total=len(goals),
        objectives_met=met,
        objectives_unmeasured=len(goals) - len(measured),
        verdict=verdict,
        posts=total.posts,
        engagements=total.engagements,
        reach=total.reach,
        engagement_rate=total.engagement_rate,
        spent=tuple((row.currency, row.spent) for row in budgets.totals),
        open_risks=risks.open_risks,
    )


def _recommendations(
    rows: Sequence[analysis.Observation],
    goals: Sequence[ObjectiveResult],
    cadence: Sequence[CadenceRow],
    interactions: Interactions,
    budgets: Budgets,
    engagement: Engagement,
    risks: Risks,
) -> tuple[Finding, ...]:
    """Recommendations and next actions, each derived from figures it states."""
    found: list[Finding] = []
    ranking = analysis.compare(rows, ("content_type", "hour"), min_posts=MIN_POSTS_FOR_BEST)
    best = ranking.best
    if best is not None and best.group.engagement_rate is not None:
        g = best.group
        found.append(
            Finding.of(
                "best_slot",
                content_type=str(g.key[0]),
                hour=int(g.key[1]),
                posts=g.posts,
                engagements=g.engagements,
                reach=g.reach,
                rate=g.engagement_rate,
            )
        )
    rated = [r for r in engagement.by_content_type if r.engagement_rate is not None]
    if len(rated) >= 2:
        low = min(rated, key=lambda r: (r.engagement_rate, r.key))
        high = max(rated, key=lambda r: (r.engagement_rate, r.key))
        found.append(
            Finding.of(
                "weakest_content",
                content_type=low.key,
                posts=low.posts,
                rate=low.engagement_rate,
                best_content_type=high.key,
                best_rate=high.engagement_rate,
            )
        )
    for row in cadence:
        if row.periods and (row.under or row.over):
            found.append(
                Finding.of(
                    "cadence",
                    platform=row.platform,
                    per=row.per,
                    under=row.under,
                    over=row.over,
                    periods=row.periods,
                    minimum=row.minimum,
                    maximum=row.maximum,
                )
            )
    for goal in goals:
        if goal.met is False:
            found.append(
                Finding.of(
                    "objective_missed",
                    campaign=goal.campaign,
                    metric=goal.metric,
                    platform=goal.platform,
                    actual=goal.actual,
                    target=goal.target,
                    attainment=goal.attainment,
                )
            )
    priced = [c for c in budgets.costs if c.cost_per_engagement is not None]
    if priced:
        worst = max(priced, key=lambda c: (c.cost_per_engagement, c.subject))
        found.append(
            Finding.of(
                "least_cost_effective",
                subject=worst.subject,
                kind=worst.kind,
                currency=worst.currency,
                spent=worst.spent,
                engagements=worst.engagements,
                cost_per_engagement=worst.cost_per_engagement,
            )
        )
    if interactions.questions and (interactions.escalated or interactions.answer_rate != 1):
        found.append(
            Finding.of(
                "answer_questions",
                questions=interactions.questions,
                answered=interactions.answered,
                answer_rate=interactions.answer_rate,
                escalated=interactions.escalated,
                p90_response_seconds=interactions.p90_response_seconds,
            )
        )
    if engagement.trend_direction == "falling" and engagement.trend_slope is not None:
        found.append(
            Finding.of("falling_trend", weeks=len(engagement.by_week), slope=engagement.trend_slope)
        )
    serious = sum(n for level, n in risks.by_level if level in ("high", "critical"))
    if serious:
        found.append(
            Finding.of(
                "review_risks", serious=serious, open=risks.open_risks, escalated=risks.escalated
            )
        )
    return tuple(found)

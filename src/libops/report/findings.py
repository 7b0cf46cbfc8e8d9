"""The report's problems and how they were solved, its judgement and its recommendations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from libops import analysis
from libops.report.money_risks import comparable_costs
from libops.report.sections import (
    Budgets,
    CadenceRow,
    Engagement,
    Figure,
    Finding,
    Interactions,
    Judgement,
    ObjectiveResult,
    Risks,
)
from libops.report.sections_money import SERIOUS_LEVELS as SERIOUS_LEVELS

MIN_POSTS_FOR_BEST: Final = 5
"""A group (a content type and posting hour, or a content type) must have at least this many
posts to be compared, and so to be advised on or advised against."""

MIN_GROUPS_TO_COMPARE: Final = 2
"""At least this many groups with enough posts before one is called the best or the weakest
(and at least this many comparable spendings before one is called the least cost-effective)."""

RISKS_NAMED: Final = 3
"""How many open high or critical risks the advice names (highest score first)."""


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
    found.extend(_best_slot(rows))
    found.extend(_weakest_content(engagement))
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
            found.append(Finding.of("objective_missed", **objective_figures(goal)))
    found.extend(_least_cost_effective(budgets))
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
    if (
        engagement.trend_significant
        and engagement.trend_direction == "falling"
        and engagement.trend_slope is not None
    ):
        found.append(
            Finding.of(
                "falling_trend",
                weeks=engagement.trend_weeks,
                slope=engagement.trend_slope,
                ci_low=engagement.trend_ci_low,
                ci_high=engagement.trend_ci_high,
                p_value=engagement.trend_p_value,
                rate_low=engagement.trend_rate_low,
                rate_high=engagement.trend_rate_high,
            )
        )
    found.extend(_review_risks(risks))
    return tuple(found)


def objective_figures(goal: ObjectiveResult) -> dict[str, Figure]:
    """What a finding about an objective says of it, in this order: its campaign, metric,
    platform, actual figure, target and attainment."""
    return {
        "campaign": goal.campaign,
        "metric": goal.metric,
        "platform": goal.platform,
        "actual": goal.actual,
        "target": goal.target,
        "attainment": goal.attainment,
    }


def _best_slot(rows: Sequence[analysis.Observation]) -> list[Finding]:
    """The content type and hour with the highest pooled rate, when at least
    :data:`MIN_GROUPS_TO_COMPARE` of them have :data:`MIN_POSTS_FOR_BEST` posts or more."""
    ranking = analysis.compare(rows, ("content_type", "hour"), min_posts=MIN_POSTS_FOR_BEST)
    ranked = [e for e in ranking.entries if e.rank is not None]
    if len(ranked) < MIN_GROUPS_TO_COMPARE:
        return []
    best, runner_up = ranked[0].group, ranked[1].group
    return [
        Finding.of(
            "best_slot",
            content_type=str(best.key[0]),
            hour=int(best.key[1]),
            posts=best.posts,
            engagements=best.engagements,
            reach=best.reach,
            rate=best.engagement_rate,
            next_rate=runner_up.engagement_rate,
            compared=len(ranked),
            minimum=MIN_POSTS_FOR_BEST,
            left_out=sum(1 for e in ranking.entries if e.group.posts < MIN_POSTS_FOR_BEST),
        )
    ]


def _weakest_content(engagement: Engagement) -> list[Finding]:
    """The content type with the lowest pooled rate against the highest, among those with
    at least :data:`MIN_POSTS_FOR_BEST` posts (and at least two such types)."""
    rated = [
        r
        for r in engagement.by_content_type
        if r.engagement_rate is not None and r.posts >= MIN_POSTS_FOR_BEST
    ]
    if len(rated) < MIN_GROUPS_TO_COMPARE:
        return []
    low = min(rated, key=lambda r: (r.engagement_rate, r.key))
    high = max(rated, key=lambda r: (r.engagement_rate, r.key))
    if low.engagement_rate == high.engagement_rate:
        return []
    return [
        Finding.of(
            "weakest_content",
            content_type=low.key,
            posts=low.posts,
            rate=low.engagement_rate,
            best_content_type=high.key,
            best_posts=high.posts,
            best_rate=high.engagement_rate,
            compared=len(rated),
            minimum=MIN_POSTS_FOR_BEST,
        )
    ]


def _least_cost_effective(budgets: Budgets) -> list[Finding]:
    """In each group of like-for-like spendings (same kind, platform scope and currency) of
    at least :data:`MIN_GROUPS_TO_COMPARE`, the one with the highest cost per engagement."""
    found = []
    for rows in comparable_costs(budgets.costs):
        if len(rows) < MIN_GROUPS_TO_COMPARE:
            continue
        worst = max(rows, key=lambda c: (c.cost_per_engagement, c.subject))
        best = min(rows, key=lambda c: (c.cost_per_engagement, c.subject))
        if worst.cost_per_engagement == best.cost_per_engagement:
            continue
        found.append(
            Finding.of(
                "least_cost_effective",
                subject=worst.subject,
                kind=worst.kind,
                platform=worst.platform,
                currency=worst.currency,
                spent=worst.spent,
                engagements=worst.engagements,
                cost_per_engagement=worst.cost_per_engagement,
                compared=len(rows),
                best_subject=best.subject,
                best_cost_per_engagement=best.cost_per_engagement,
            )
        )
    return found


def _review_risks(risks: Risks) -> list[Finding]:
    """The open high or critical risks, counted and the first few named (highest score
    first; automatic risks of one cause share a title, named once)."""
    serious = risks.serious
    if not serious:
        return []
    titles: list[str] = []
    for risk in serious:
        if risk.title not in titles:
            titles.append(risk.title)
    return [
        Finding.of(
            "review_risks",
            serious=len(serious),
            open=risks.open_risks,
            escalated=risks.escalated,
            titles=tuple(titles[:RISKS_NAMED]),
        )
    ]

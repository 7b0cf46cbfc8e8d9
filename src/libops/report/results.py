"""The report's goals, execution, engagement, cadence and interactions, built from the views."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from libops import analysis
from libops.domain.cadence import CadencePeriod
from libops.domain.values import Period
from libops.projections.cadence import OVER, UNDER, WITHIN, CadenceComplianceProjection
from libops.projections.engagement import ZONE
from libops.projections.interactions import LENGTH_BUCKETS, quality_in
from libops.projections.team import ACTION_KINDS, ANSWERED, DRAFTED, PUBLISHED, REVIEWED
from libops.report.sections import (
    CadenceRow,
    CampaignInfo,
    Engagement,
    EngagementRow,
    Execution,
    Interactions,
    Milestone,
    ObjectiveResult,
    Person,
    PostCount,
)

LIFECYCLE: Final = {
    "libops:Campaign.Planned": "campaign_planned",
    "libops:Campaign.Launched": "campaign_launched",
    "libops:Campaign.Paused": "campaign_paused",
    "libops:Campaign.Resumed": "campaign_resumed",
    "libops:Campaign.Completed": "campaign_completed",
    "libops:Campaign.Cancelled": "campaign_cancelled",
    "libops:Contest.Drawn": "contest_drawn",
    "libops:ReadingSession.Closed": "session_closed",
    "libops:Budget.Adjusted": "budget_adjusted",
    "libops:Risk.IncidentReported": "incident_reported",
    "libops:Risk.IncidentResolved": "incident_resolved",
    "libops:DataSubject.Erased": "subject_erased",
}
"""The activity-log topics shown as milestones, and the milestone kind each becomes."""


def _local_day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(ZONE).date()


def _goals(
    scorecard: Mapping[str, Any], campaigns: Sequence[CampaignInfo]
) -> tuple[ObjectiveResult, ...]:
    """Each campaign's objectives, campaign by campaign in the report's order, each
    campaign's objectives in the order its plan lists them."""
    goals = []
    for info in campaigns:
        cid = info.id
        card = scorecard[f"campaign:{cid}"]
        for objective in card["objectives"]:
            actual = objective["actual"]
            target = Decimal(objective["target"])
            goals.append(
                ObjectiveResult(
                    campaign_id=cid,
                    campaign=info.label,
                    metric=objective["metric"],
                    platform=objective["platform"],
                    target=target,
                    actual=actual,
                    attainment=None
                    if objective["attainment"] is None
                    else Decimal(objective["attainment"]),
                    met=None if actual is None else Decimal(actual) >= target,
                )
            )
    return tuple(goals)


def _execution(
    rows: Sequence[analysis.Observation],
    activity: Sequence[Mapping[str, Any]],
    campaigns: Sequence[CampaignInfo],
    period: Period | None,
) -> Execution:
    """Dates, people, posts and milestones.

    Milestones are each campaign's planned start and end, the first and last publication,
    and the steps of :data:`LIFECYCLE` on the day they were recorded, when that day lies in
    the report's period (a history recorded with a simulated clock was recorded on other
    days than it simulates).
    """
    people = Counter(e["actor_id"] for e in activity)
    # What each did, by kind (issue 17, the team): (actor id, kind) -> count.
    actions = Counter(
        (e["actor_id"], ACTION_KINDS[e["topic"]]) for e in activity if e["topic"] in ACTION_KINDS
    )
    posts = Counter((o.platform, o.content_type) for o in rows)
    names = {c.id: c.label for c in campaigns}
    milestones = [
        Milestone(day, kind, c.label)
        for c in campaigns
        for day, kind in ((c.start, "period_start"), (c.end, "period_end"))
    ]
    steps = [(e, _local_day(e["recorded_at"])) for e in activity if e["topic"] in LIFECYCLE]
    milestones += [
        Milestone(day, LIFECYCLE[e["topic"]], names.get(e["aggregate_id"], e["aggregate_type"]))
        for e, day in steps
        if period is None or day in period
    ]
    days = sorted(o.day for o in rows)
    if days:
        milestones += [
            Milestone(days[0], "first_publication", ""),
            Milestone(days[-1], "last_publication", ""),
        ]
    milestones.sort(key=lambda m: (m.day, m.kind, m.subject))
    return Execution(
        first_publication=days[0] if days else None,
        last_publication=days[-1] if days else None,
        people=tuple(
            Person(
                a,
                n,
                drafted=actions[a, DRAFTED],
                reviewed=actions[a, REVIEWED],
                published=actions[a, PUBLISHED],
                answered=actions[a, ANSWERED],
            )
            for a, n in sorted(people.items(), key=lambda i: (-i[1], i[0]))
        ),
        posts=tuple(PostCount(p, t, n) for (p, t), n in sorted(posts.items())),
        posts_total=len(rows),
        milestones=tuple(milestones),
    )


def _row(g: analysis.Group, key: str | None = None) -> EngagementRow:
    return EngagementRow(
        key=str(g.key[0]) if key is None else key,
        posts=g.posts,
        reach=g.reach,
        engagements=g.engagements,
        followers_gained=g.followers_gained,
        engagement_rate=g.engagement_rate,
    )


def _engagement(rows: Sequence[analysis.Observation], period: Period | None = None) -> Engagement:
    """Engagement by platform, content type and ISO week, and the weekly rate's trend over
    the full weeks of ``period`` (a week partly outside it is shown, marked, and left out)."""
    trend = analysis.trend(rows, period=period)
    full_rates = [
        p.engagement_rate for p in trend.weeks if p.full and p.engagement_rate is not None
    ]
    test = trend.mann_kendall
    return Engagement(
        total=_row(analysis.total(rows), "all"),
        by_platform=tuple(_row(g) for g in analysis.group(rows, "platform")),
        by_content_type=tuple(_row(g) for g in analysis.group(rows, "content_type")),
        by_week=tuple(
            EngagementRow(
                p.week,
                p.posts,
                p.reach,
                p.engagements,
                p.followers_gained,
                p.engagement_rate,
                start=p.monday,
                end=p.sunday,
                full=p.full,
            )
            for p in trend.weeks
        ),
        trend_slope=trend.slope,
        trend_direction=trend.direction,
        trend_weeks=trend.n,
        partial_weeks=trend.partial_weeks,
        trend_test=trend.test,
        trend_method=None if test is None else test.method,
        trend_p_value=trend.p_value,
        trend_significant=trend.significant,
        trend_ci_low=trend.ci_low,
        trend_ci_high=trend.ci_high,
        trend_rate_low=min(full_rates) if full_rates else None,
        trend_rate_high=max(full_rates) if full_rates else None,
    )


def _cadence(
    view: Mapping[str, Any],
    period: Period | None,
    rows: Sequence[analysis.Observation],
    campaigns: Sequence[CampaignInfo],
) -> tuple[CadenceRow, ...]:
    """Periods under, within and over the policy, per platform and day or week.

    A period counts when it lies wholly inside the report's period (every period in the
    view when there is none). A day or week in it without a publication has no document in
    the view: it counts as under when the rule has a minimum.
    """
    policy = CadenceComplianceProjection.POLICY
    platforms = {o.platform for o in rows} | {p for c in campaigns for p in c.platforms}
    statuses: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key, doc in view.items():
        if not key.startswith(("day:", "week:")):
            continue  # planned briefs and their periods (plan:, brief:) are not posts
        first, last = date.fromisoformat(doc["period_start"]), date.fromisoformat(doc["period_end"])
        if period is not None and not (period.start <= first and last <= period.end):
            continue
        if doc["status"] is None:
            continue
        platforms.add(doc["platform"])
        statuses[(doc["platform"], doc["per"])][doc["status"]] += 1
        seen[(doc["platform"], doc["per"])].add(doc["period_start"])
    result = []
    for platform in sorted(platforms):
        for rule in sorted(policy.rules_for(platform), key=lambda r: r.per.value):
            per = rule.per.value
            counts = statuses[(platform, per)]
            if period is not None and rule.minimum:
                for first in _periods(rule.per, period):
                    if first.isoformat() not in seen[(platform, per)]:
                        counts[UNDER] += 1
            total = sum(counts.values())
            result.append(
                CadenceRow(
                    platform,
                    per,
                    rule.minimum,
                    rule.maximum,
                    total,
                    counts[UNDER],
                    counts[WITHIN],
                    counts[OVER],
                )
            )
    return tuple(result)


def _periods(per: CadencePeriod, period: Period) -> Iterable[date]:
    """The first days of the days or ISO weeks lying wholly inside ``period``."""
    if per is CadencePeriod.DAY:
        for offset in range((period.end - period.start).days + 1):
            yield period.start + timedelta(days=offset)
        return
    monday = period.start + timedelta(days=(7 - period.start.weekday()) % 7)
    while monday + timedelta(days=6) <= period.end:
        yield monday
        monday += timedelta(days=7)


def _interactions(
    view: Mapping[str, Any], campaign: str | None, period: Period | None = None
) -> Interactions:
    participants = view.get("participants") or {"total": 0, "by_kind": {}}
    qa = view.get("qa") or {}
    moderation = view.get("moderation") or {}
    contests = [
        d
        for k, d in view.items()
        if k.startswith("contest:") and (campaign is None or d["campaign_id"] == campaign)
    ]
    sessions = [
        d
        for k, d in view.items()
        if k.startswith("session:") and (campaign is None or d["campaign_id"] == campaign)
    ]
    median = qa.get("median_response_seconds")
    return Interactions(
        participants=int(participants["total"]),
        participants_by_kind=tuple(sorted(participants["by_kind"].items())),
        questions=int(qa.get("received", 0)),
        answered=int(qa.get("answered", 0)),
        escalated=int(qa.get("escalated", 0)),
        answer_rate=None if qa.get("answer_rate") is None else Decimal(qa["answer_rate"]),
        median_response_seconds=None if median is None else Decimal(median),
        p90_response_seconds=qa.get("p90_response_seconds"),
        contests=len(contests),
        contest_entries=sum(d["entries"] for d in contests),
        disqualified=sum(d["disqualified"] for d in contests),
        sessions=len(sessions),
        registrations=sum(d["registered"] for d in sessions),
        attendance=sum(d["attended"] for d in sessions),
        contributions=sum(d["contributions"] for d in sessions),
        moderation=tuple(sorted(moderation.items())),
        moderation_total=sum(moderation.values()),
        **_quality(view, period),
    )


def _quality(view: Mapping[str, Any], period: Period | None) -> dict[str, Any]:
    """The quality of participation (issue 17, item 2) as Interactions fields: of the
    report's ``period`` only (the whole history when the report has none)."""
    if period is not None:
        quality: Mapping[str, Any] = quality_in(view, period)
        counted = (
            quality["questions"],
            quality["participants"],
            quality["answer_length_counts"],
            quality["contribution_length_counts"],
            quality["contest_winners"],
            quality["featured"],
            quality["rewarded"],
        )
        if not any(counted):
            return {}  # nothing in the period: the section leaves the quality out
        rests_on = {
            "quality_period": period,
            "quality_questions": quality["questions"],
            "quality_participants": quality["participants"],
            "featured": quality["featured"],
            "rewarded": quality["rewarded"],
        }
    else:
        found = view.get("quality")
        if found is None:
            return {}
        quality = found
        moderation = view.get("moderation") or {}
        rests_on = {
            "quality_questions": int((view.get("qa") or {}).get("received", 0)),
            "quality_participants": int((view.get("participants") or {}).get("total", 0)),
            "featured": int(moderation.get("featured", 0)),
            "rewarded": int(moderation.get("rewarded", 0)),
        }

    def dec(name: str) -> Decimal | None:
        return None if quality[name] is None else Decimal(quality[name])

    return {
        "answer_lengths": tuple((b, quality["answer_lengths"][b]) for b, _ in LENGTH_BUCKETS),
        "contribution_lengths": tuple(
            (b, quality["contribution_lengths"][b]) for b, _ in LENGTH_BUCKETS
        ),
        "median_answer_length": dec("median_answer_length"),
        "median_contribution_length": dec("median_contribution_length"),
        "answered_well": int(quality["answered_well"]),
        "answered_well_rate": dec("answered_well_rate"),
        "returning": int(quality["returning"]),
        "returning_share": dec("returning_share"),
        "contest_winners": int(quality["contest_winners"]),
        **rests_on,
    }

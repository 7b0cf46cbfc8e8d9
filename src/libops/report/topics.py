"""The report's topic heat and content briefs (issue 17): built from the ``topics`` view and
the briefs, in the report's scope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from libops.domain.brief import BriefStatus, ContentBrief
from libops.domain.values import Period
from libops.projections.engagement import ZONE
from libops.projections.topics import TopicHeatProjection, topic_heat
from libops.report.sections import BriefCounts, TopicHeat, TopicHeatRow

_PLACES = Decimal("0.0001")


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(_PLACES, ROUND_HALF_UP)


def _topic_heat(
    view: Mapping[str, Any],
    period: Period | None,
    campaign_id: UUID | str | None,
    projection: type[TopicHeatProjection] = TopicHeatProjection,
) -> TopicHeat:
    """Each topic in scope as of the day after the period (or the view's latest day, if
    earlier): a campaign's report shows its own topics, a period's the topics with a day of
    figures in it."""
    share, days_below = _decimal(projection.SHARE), projection.DAYS_BELOW
    seen = view.get("today")
    if seen is None:
        return TopicHeat(share=share, days_below=days_below)
    as_of = date.fromisoformat(seen["day"])
    if period is not None:
        as_of = min(as_of, period.end + timedelta(days=1))
    rows = []
    for key, doc in sorted(view.items()):
        if not key.startswith("topic:"):
            continue
        if campaign_id is not None and str(campaign_id) not in doc["campaigns"]:
            continue
        if period is not None and not any(
            period.start.isoformat() <= day <= period.end.isoformat() for day in doc["days"]
        ):
            continue
        days = {day: figures for day, figures in doc["days"].items() if day < as_of.isoformat()}
        posted = [day for day, figures in days.items() if figures.get("posts", 0) > 0]
        heat = topic_heat(
            doc["topic"],
            days,
            as_of,
            date.fromisoformat(max(posted)) if posted else None,
            share=projection.SHARE,
            days_below=projection.DAYS_BELOW,
            live_days=projection.LIVE_DAYS,
        )
        rows.append(
            TopicHeatRow(
                topic=heat.topic,
                posts=heat.posts,
                engagement=heat.engagement,
                reach=heat.reach,
                peak_day=heat.peak_day,
                peak=heat.peak,
                latest_day=heat.latest_day,
                latest=heat.latest,
                share=None if heat.share is None else _decimal(heat.share),
                days_below=heat.days_below,
                live=heat.live,
                cooling=heat.cooling,
            )
        )
    return TopicHeat(tuple(rows), share=share, days_below=days_below, as_of=as_of)


def _brief_counts(
    briefs: Iterable[ContentBrief],
    period: Period | None,
    campaign_id: UUID | str | None,
    last_day: date | None,
) -> BriefCounts:
    """The briefs due in scope (those dropped as ideas, by the day they were dropped), by
    how they ended up; overdue by ``last_day``, the last day anything was recorded."""
    planned = on_time = late = overdue = dropped = 0
    for brief in briefs:
        if campaign_id is not None and str(brief.campaign_id) != str(campaign_id):
            continue
        ended_on = brief.modified_on.astimezone(ZONE).date()
        day = brief.due_on
        if day is None and brief.status is BriefStatus.DROPPED:
            day = ended_on
        if day is None or (period is not None and not period.start <= day <= period.end):
            continue
        if brief.status is BriefStatus.DROPPED:
            dropped += 1
            if brief.due_on is None:
                continue
        planned += 1
        if brief.status is BriefStatus.DRAFTED:
            # A drafted brief changes no more: its last change is its drafting.
            if brief.due_on is not None and ended_on <= brief.due_on:
                on_time += 1
            else:
                late += 1
        elif brief.is_overdue(last_day or date.min):
            overdue += 1
    return BriefCounts(planned, on_time, late, overdue, dropped)

"""The account's standing in the report's scope, from the standing view (docs/standing.md).

- **Peer rankings**: every ranking table whose period overlaps the report's (all of them
  without a period), this library's rank of how many, its value and the leader's;
- **honours**: those awarded on a day of the report's period and not withdrawn;
- **typical cases**: in a campaign's report, the campaign and its posts; otherwise the posts
  published in the period and the campaigns whose dates overlap it (all without a period);
- **online service uses**: the records whose period lies within the report's (all without
  a period), summed by kind and, within a kind, by channel. A record for a period reaching
  outside the report's is left out rather than shared out by guess.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from libops.domain.values import Period
from libops.report.sections import (
    CampaignInfo,
    CaseRow,
    HonourRow,
    PeerRank,
    ServiceRow,
    StandingRecords,
)


def _overlaps(period: Period | None, start: date, end: date) -> bool:
    return period is None or (start <= period.end and end >= period.start)


def _within(period: Period | None, start: date, end: date) -> bool:
    return period is None or (period.start <= start and end <= period.end)


def _standing_records(
    view: Mapping[str, Any],
    period: Period | None,
    campaign: str | None,
    campaigns: Collection[CampaignInfo],
    post_ids: Collection[str],
    post_campaigns: Mapping[str, Any],
) -> StandingRecords:
    """The standing records in scope: ``campaign`` (None: every campaign), ``period`` (the
    report's), ``campaigns`` (the report's), ``post_ids`` (the posts published in scope),
    ``post_campaigns`` (each post's campaign id, from the engagement view)."""
    rankings: list[PeerRank] = []
    honours: list[HonourRow] = []
    cases: list[CaseRow] = []
    uses: dict[str, Counter[str]] = {}
    spans = {c.id: (c.start, c.end) for c in campaigns}
    for key, doc in view.items():
        kind = key.split(":", 1)[0]
        if kind == "ranking":
            start, end = (
                date.fromisoformat(doc["period_start"]),
                date.fromisoformat(doc["period_end"]),
            )
            if _overlaps(period, start, end):
                rankings.append(
                    PeerRank(
                        source=doc["source"],
                        index=doc["index"],
                        platform=doc["platform"],
                        start=start,
                        end=end,
                        rank=int(doc["rank"]),
                        entrants=int(doc["entrants"]),
                        value=Decimal(doc["value"]),
                        leader=doc["leader"],
                        leader_value=Decimal(doc["leader_value"]),
                    )
                )
        elif kind == "honour":
            day = date.fromisoformat(doc["awarded_on"])
            if doc["withdrawn"] is None and (period is None or day in period):
                honours.append(HonourRow(doc["title"], doc["awarded_by"], day, doc["note"]))
        elif kind == "case":
            subject = doc["subject_id"]
            if doc["subject_kind"] == "campaign":
                span = spans.get(subject)
                shown = (
                    subject == campaign
                    if campaign is not None
                    else span is not None and _overlaps(period, *span)
                )
            else:
                shown = subject in post_ids or (
                    campaign is not None and post_campaigns.get(subject) == campaign
                )
            if shown:
                cases.append(
                    CaseRow(doc["subject_kind"], subject, doc["title"], doc["theme"], doc["why"])
                )
        elif kind == "services":
            start, end = (
                date.fromisoformat(doc["period_start"]),
                date.fromisoformat(doc["period_end"]),
            )
            if _within(period, start, end):
                counted = uses.setdefault(doc["kind"], Counter())
                for channel, n in doc["counts"].items():
                    counted[channel] += int(n)
    rankings.sort(key=lambda r: (r.start, r.end, r.source, r.index, r.platform))
    honours.sort(key=lambda h: (h.awarded_on, h.title, h.awarded_by))
    cases.sort(key=lambda c: (c.subject_kind != "campaign", c.title, c.subject_id))
    services = sorted(
        (
            ServiceRow(kind, sum(counted.values()), tuple(sorted(counted.items())))
            for kind, counted in uses.items()
        ),
        key=lambda row: (-row.total, row.kind),
    )
    return StandingRecords(tuple(rankings), tuple(honours), tuple(cases), tuple(services))

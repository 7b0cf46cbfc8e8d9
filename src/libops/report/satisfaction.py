"""The satisfaction surveys in the report's scope, from the surveys view (docs/surveys.md).

A survey is in scope once it has opened (a draft has no answers to show):

- in a campaign's report, the surveys of the campaign and of the reading sessions and
  contests of the campaign;
- otherwise, those whose day is in the report's period (all of them without a period). A
  survey's day is the end of the period it asks about (a survey of the account), else the day
  it closed, or opened while it is still open (in the report's time zone).

**Period over period**: each survey is compared with the survey before it (by day, then by
when it was created) of the same target kind (activity, campaign, account) among every
opened survey in the store, in scope or not: the change of CSAT (a ratio) and of NPS (points).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from libops.domain.values import Period
from libops.projections.engagement import ZONE
from libops.report.sections import Satisfaction, SurveyRow


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _day(doc: Mapping[str, Any]) -> date:
    if doc["period"] is not None:
        return date.fromisoformat(doc["period"]["end"])
    moment = doc["closed_at"] or doc["opened_at"]
    return datetime.fromisoformat(moment).astimezone(ZONE).date()


def _activity_campaigns(interactions: Mapping[str, Any]) -> dict[str, str | None]:
    """The campaign of each reading session and contest, by id (from the interactions view)."""
    return {
        key.partition(":")[2]: doc.get("campaign_id")
        for key, doc in interactions.items()
        if key.startswith(("session:", "contest:"))
    }


def satisfaction(
    view: Mapping[str, Any],
    interactions: Mapping[str, Any],
    period: Period | None,
    campaign: str | None,
) -> Satisfaction:
    """The surveys in scope, oldest first, each compared with the one before of its kind."""
    index = view.get("surveys") or {"ids": []}
    docs = [(survey_id, view[f"survey:{survey_id}"]) for survey_id in index["ids"]]
    opened = [(i, d, _day(d)) for i, d in docs if d["opened_at"] is not None]
    opened.sort(key=lambda item: (item[2], item[1]["created_at"]))
    campaigns = _activity_campaigns(interactions)
    previous: dict[str, Mapping[str, Any]] = {}
    rows = []
    for _survey_id, doc, day in opened:
        before = previous.get(doc["target"])
        previous[doc["target"]] = doc
        if campaign is not None:
            target = doc["target_id"]
            if target != campaign and campaigns.get(target or "") != campaign:
                continue
        elif period is not None and day not in period:
            continue
        rows.append(_row(doc, day, before))
    return Satisfaction(tuple(rows))


def _change(now: Decimal | None, then: Decimal | None) -> Decimal | None:
    return None if now is None or then is None else now - then


def _row(doc: Mapping[str, Any], day: date, before: Mapping[str, Any] | None) -> SurveyRow:
    csat = _decimal(doc["csat"]["share"])
    nps = _decimal(doc["nps"]["score"])
    return SurveyRow(
        title=doc["title"],
        target=doc["target"],
        day=day,
        responses=doc["responses"],
        response_rate=_decimal(doc["response_rate"]),
        csat=csat,
        nps=nps,
        nps_low=_decimal(doc["nps"]["low"]),
        nps_high=_decimal(doc["nps"]["high"]),
        previous_title=None if before is None else before["title"],
        csat_change=None if before is None else _change(csat, _decimal(before["csat"]["share"])),
        nps_change=None if before is None else _change(nps, _decimal(before["nps"]["score"])),
    )

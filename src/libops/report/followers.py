"""The report's follower growth (粉丝增长) from the accounts' imported daily figures.

Account-level figures (new, lost, net and total followers a day) come from the platforms'
back-office exports (WeChat's 用户增长, ``libops import``; docs/import.md) through the
``followers`` view. Over the report's period each platform's days are summed
(:func:`libops.projections.followers.follower_period`); a campaign report uses the campaign's
period: an account's followers are not split by campaign.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from libops.domain.values import Period
from libops.projections.followers import follower_period
from libops.report.sections import FollowerGrowth, FollowerGrowthRow


def follower_growth(view: Mapping[str, Any], period: Period | None) -> FollowerGrowth:
    """Each account's figures over ``period`` (nothing without a period)."""
    if period is None:
        return FollowerGrowth()
    platforms = sorted(
        {str(doc["platform"]) for key, doc in view.items() if key.startswith("account:")}
    )
    rows = []
    documents = list(view.items())
    for platform in platforms:
        figures = follower_period(documents, platform, period.start, period.end)
        if not figures["days"]:
            continue
        rate = figures["growth_rate"]
        rows.append(
            FollowerGrowthRow(
                platform=platform,
                days=figures["days"],
                gained=figures["gained"],
                lost=figures["lost"],
                net=figures["net"],
                start_total=figures["start_total"],
                end_total=figures["end_total"],
                growth_rate=None if rate is None else Decimal(rate),
            )
        )
    return FollowerGrowth(tuple(rows), (period.end - period.start).days + 1)

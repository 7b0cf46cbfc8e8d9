"""The report's budget use: allocated against spent per budget line, under-used lines flagged.

A line is each (budget, category, campaign or general) of the budget view's ``line:``
documents; ``used`` = spent / allocated. When the data reach the end of the line's budget
period (the last recorded event falls on or after the budget's last day), a line that used
less than :data:`UNDERUSED` of a non-zero allocation is flagged, with a sentence in the
report: money left unspent at the budget's end was either not needed or not put to work,
and the next allocation should say which. A line of a budget still running is not flagged
(a quarter's budget is not judged a week into the quarter).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final

from libops.domain.values import Period
from libops.report.sections import BudgetLine, BudgetUse, CampaignInfo

UNDERUSED: Final = Decimal("0.5")
"""A line that spent less than this share of its allocation by the period's end is flagged."""


def _budget_use(
    view: Mapping[str, Any],
    campaign: str | None,
    campaigns: Sequence[CampaignInfo],
    budget_periods: Mapping[str, Period],
    last_day: date | None,
) -> BudgetUse:
    """Every budget line in scope (with a campaign, its lines), ordered by budget name,
    category, then general line first and campaigns by label. ``budget_periods`` are the
    budgets' periods by id; ``last_day`` the day of the last recorded event."""
    names = {c.id: c.label for c in campaigns}
    lines = []
    for key, doc in view.items():
        if not key.startswith("line:"):
            continue
        owner = doc.get("campaign_id")
        if campaign is not None and owner != campaign:
            continue
        budget = view.get(f"budget:{doc['budget_id']}") or {}
        allocated, spent = Decimal(doc["allocated"]), Decimal(doc["spent"])
        used = None if allocated == 0 else spent / allocated
        budget_period = budget_periods.get(str(doc["budget_id"]))
        over = budget_period is not None and last_day is not None and last_day >= budget_period.end
        lines.append(
            BudgetLine(
                budget=str(budget.get("name", doc["budget_id"])),
                category=str(doc["category"]),
                campaign=None if owner is None else names.get(owner, str(owner)),
                currency=str(doc["currency"]),
                allocated=allocated,
                spent=spent,
                used=used,
                flagged=over and used is not None and used < UNDERUSED,
                period_over=over,
            )
        )
    lines.sort(key=lambda x: (x.budget, x.category, x.campaign is not None, x.campaign or ""))
    return BudgetUse(tuple(lines), UNDERUSED, bool(lines) and all(x.period_over for x in lines))

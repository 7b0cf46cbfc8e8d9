"""The planning listings: campaigns by state (``listings.campaigns``) and budgets by status
with their lines (``listings.budgets``), both in order of their first day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from libops.domain.budget import Budget
from libops.domain.campaign import Campaign
from libops.projections.budget import BudgetPositionsProjection
from libops.projections.listings.base import Listing, day_stamp
from libops.projections.views import View, event_topic, handles, uuid_text

# --- campaigns ------------------------------------------------------------------------------

CAMPAIGNS: Final = "listings.campaigns"

_CAMPAIGN_STATE: Final[dict[type[Any], str]] = {
    Campaign.Launched: "active",
    Campaign.Resumed: "active",
    Campaign.Paused: "paused",
    Campaign.Completed: "completed",
    Campaign.Cancelled: "cancelled",
}
"""A campaign's state in the listing after each event that changes it."""


class CampaignListing(Listing):
    """Campaigns by state, in order of their first day.

    ``row:<campaign id>``: ``{"id", "name", "kind", "state", "start", "end", "platforms"}``.
    """

    name = CAMPAIGNS
    filters = ("s",)

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        return {"s": [row["state"]]}

    def sort_key(self, row: Mapping[str, Any]) -> str:
        return day_stamp(date.fromisoformat(row["start"]))

    @handles(Campaign.Planned)
    def planned(self, event: Campaign.Planned, view: View) -> None:
        campaign_id = uuid_text(event.originator_id)
        self.change(
            view,
            campaign_id,
            {
                "id": campaign_id,
                "name": event.name,
                "kind": event.kind.value,
                "state": "planned",
                "start": event.period.start.isoformat(),
                "end": event.period.end.isoformat(),
                "platforms": [p.value for p in event.platforms],
            },
        )

    @handles(Campaign.Amended)
    def amended(self, event: Campaign.Amended, view: View) -> None:
        row = self.event_row(view, event)
        if row is None:
            return
        if event.name is not None:
            row["name"] = event.name
        if event.period is not None:
            row["start"] = event.period.start.isoformat()
            row["end"] = event.period.end.isoformat()
        if event.platforms is not None:
            row["platforms"] = [p.value for p in event.platforms]
        self.change(view, row["id"], row)

    @handles(*_CAMPAIGN_STATE)
    def state(self, event: Any, view: View) -> None:
        self.update_row(view, event, state=_CAMPAIGN_STATE[type(event)])


# --- budgets and their lines -----------------------------------------------------------------

BUDGETS: Final = "listings.budgets"
LINE_PREFIX: Final = "line:"


def line_bounds(budget_id: str) -> tuple[str, str]:
    """The exclusive bounds of the keys of one budget's lines."""
    return f"{LINE_PREFIX}{budget_id}:", f"{LINE_PREFIX}{budget_id};"


class BudgetListing(Listing):
    """Budgets by status, in order of their first day, with their lines.

    The budget positions projection's own handlers keep its documents in this view (the same
    amounts, the same arithmetic: ``budget:``, ``category:``, ``line:<budget id>:...``,
    ``campaign:``, ``commitment:``); on top, ``row:<budget id>``: ``{"id", "name",
    "currency", "status", "start", "end", "allocated", "committed", "spent", "available"}``,
    indexed by status. A budget's lines are one range of keys, ``line:<budget id>:``.
    """

    name = BUDGETS
    filters = ("s",)
    apply_cost = 2.0

    def __init__(self) -> None:
        self._positions = BudgetPositionsProjection()

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        return {"s": [row["status"]]}

    def sort_key(self, row: Mapping[str, Any]) -> str:
        return day_stamp(date.fromisoformat(row["start"]))

    @handles(
        Budget.Opened,
        Budget.Allocated,
        Budget.Committed,
        Budget.Released,
        Budget.ExpenseRecorded,
        Budget.Adjusted,
        Budget.Closed,
    )
    def budget_changed(self, event: Any, view: View) -> None:
        self._positions.apply(event_topic(type(event)), event, view)
        budget_id = uuid_text(event.originator_id)
        row = self.row(view, budget_id)
        if isinstance(event, Budget.Opened):
            row = {
                "id": budget_id,
                "start": event.period.start.isoformat(),
                "end": event.period.end.isoformat(),
            }
        if row is None:
            return
        totals = view.get(f"budget:{budget_id}")
        if totals is not None:
            row.update({k: totals[k] for k in totals})
        self.change(view, budget_id, row)

"""Budget positions: allocated, committed, spent and available, per line, category, campaign.

Every amount is Decimal text (``"1200.00"``), never a float. What is *available* is
allocated less committed less spent, as on the Budget aggregate (below zero only after an
authorised override).

Documents:

- ``budget:<budget id>``: ``{"name", "currency", "status", "allocated", "committed",
  "spent", "available"}`` for the whole budget;
- ``category:<budget id>:<category>``: the same amounts for a category (its general line and
  every campaign line in it), with ``budget_id``, ``category`` and ``currency``;
- ``line:<budget id>:<category>:<campaign id or "general">``: the same amounts for one line,
  with ``budget_id``, ``category``, ``campaign_id`` (null for a general line), ``currency``;
- ``campaign:<campaign id>``: ``{"campaign_id", "by_currency": {currency: amounts}}``: every
  line a campaign has, in every budget, summed per currency;
- ``commitment:<budget id>:<reference>``: the line a commitment holds money on (used to
  apply a later release).

Cost per engagement and per new follower combine this view with the engagement view (the
other projection's documents): projections never read each other's views while they run, so
call :func:`cost_effectiveness` on the two views afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any, Final
from uuid import UUID

from libops.domain.budget import Budget, BudgetCategory
from libops.domain.currencies import MINOR_UNITS
from libops.projections.views import Projection, View, handles, uuid_text

_EXACT: Final = Context(prec=200)
_FIELDS: Final = ("allocated", "committed", "spent")
GENERAL: Final = "general"
"""The campaign part of a general line's key."""


def _zero(currency: str) -> dict[str, Any]:
    zero = str(Decimal(0).scaleb(-MINOR_UNITS.get(currency, 2)))
    return {
        "currency": currency,
        "allocated": zero,
        "committed": zero,
        "spent": zero,
        "available": zero,
    }


def _add(document: dict[str, Any], field: str, delta: Decimal) -> None:
    document[field] = str(_EXACT.add(Decimal(document[field]), delta))
    document["available"] = str(
        _EXACT.subtract(
            _EXACT.subtract(Decimal(document["allocated"]), Decimal(document["committed"])),
            Decimal(document["spent"]),
        )
    )


def line_key(
    budget_id: UUID | str, category: BudgetCategory | str, campaign_id: UUID | str | None
) -> str:
    """The key of a line's document."""
    name = category.value if isinstance(category, BudgetCategory) else category
    return f"line:{budget_id}:{name}:{GENERAL if campaign_id is None else campaign_id}"


class BudgetPositionsProjection(Projection):
    """Allocated, committed, spent and available per budget, category, line and campaign."""

    name = "budget"
    apply_cost = 1.9  # measured: see Projection.apply_cost

    @handles(Budget.Opened)
    def opened(self, event: Budget.Opened, view: View) -> None:
        """A new budget starts with every amount at zero."""
        view.put(
            f"budget:{uuid_text(event.originator_id)}",
            {"name": event.name, "status": "open", **_zero(event.currency)},
        )

    @handles(Budget.Closed)
    def closed(self, event: Budget.Closed, view: View) -> None:
        """A closed budget keeps its amounts."""
        view.update(f"budget:{uuid_text(event.originator_id)}", status="closed")

    @handles(Budget.Allocated)
    def allocated(self, event: Budget.Allocated, view: View) -> None:
        """Allocated money adds to the line."""
        self._change(
            view,
            event.originator_id,
            event.category.value,
            event.campaign_id,
            "allocated",
            event.amount.amount,
        )

    @handles(Budget.Committed)
    def committed(self, event: Budget.Committed, view: View) -> None:
        """A commitment holds money on its line until invoiced or released."""
        view.put(
            f"commitment:{uuid_text(event.originator_id)}:{event.reference}",
            {
                "category": event.category.value,
                "campaign_id": None if event.campaign_id is None else str(event.campaign_id),
            },
        )
        self._change(
            view,
            event.originator_id,
            event.category.value,
            event.campaign_id,
            "committed",
            event.amount.amount,
        )

    @handles(Budget.Released)
    def released(self, event: Budget.Released, view: View) -> None:
        """Released money goes back to the commitment's line."""
        self._uncommit(view, event.originator_id, event.reference, event.amount.amount)

    @handles(Budget.ExpenseRecorded)
    def expense(self, event: Budget.ExpenseRecorded, view: View) -> None:
        """An invoice is spent on its line; what it settles no longer counts as committed."""
        if event.settles is not None and event.settled.amount:
            self._uncommit(view, event.originator_id, event.settles, event.settled.amount)
        self._change(
            view,
            event.originator_id,
            event.category.value,
            event.campaign_id,
            "spent",
            event.amount.amount,
        )

    @handles(Budget.Adjusted)
    def adjusted(self, event: Budget.Adjusted, view: View) -> None:
        """Each changed line's allocation becomes its ``after`` amount."""
        for change in tuple(event.changes):
            self._change(
                view,
                event.originator_id,
                change.category.value,
                change.campaign_id,
                "allocated",
                _EXACT.subtract(change.after.amount, change.before.amount),
            )

    def _uncommit(self, view: View, budget_id: UUID, reference: str, amount: Decimal) -> None:
        """Take ``amount`` off what the commitment ``reference`` holds on its line."""
        held = view.get(f"commitment:{budget_id}:{reference}")
        self._change(view, budget_id, held["category"], held["campaign_id"], "committed", -amount)

    @staticmethod
    def _change(
        view: View,
        budget_id: UUID,
        category: str,
        campaign_id: UUID | str | None,
        field: str,
        delta: Decimal,
    ) -> None:
        budget = view.get(f"budget:{budget_id}")
        currency = budget["currency"]
        _add(budget, field, delta)
        view.put(f"budget:{budget_id}", budget)
        campaign = None if campaign_id is None else str(campaign_id)
        key = line_key(budget_id, category, campaign)
        line = view.get(key) or {
            "budget_id": str(budget_id),
            "category": category,
            "campaign_id": campaign,
            **_zero(currency),
        }
        _add(line, field, delta)
        view.put(key, line)
        key = f"category:{budget_id}:{category}"
        total = view.get(key) or {
            "budget_id": str(budget_id),
            "category": category,
            **_zero(currency),
        }
        _add(total, field, delta)
        view.put(key, total)
        if campaign is not None:
            key = f"campaign:{campaign}"
            document = view.get(key) or {"campaign_id": campaign, "by_currency": {}}
            amounts = document["by_currency"].setdefault(currency, _zero(currency))
            _add(amounts, field, delta)
            view.put(key, document)


def _ratio(amount: Decimal, count: int) -> str | None:
    if count <= 0:
        return None
    quantum = Decimal(1).scaleb(-4)
    return str(_EXACT.divide(amount, Decimal(count)).quantize(quantum, ROUND_HALF_EVEN))


def cost_effectiveness(
    budget_view: Mapping[str, Any], engagement_view: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Cost per engagement and per new follower of each campaign, by currency.

    ``budget_view`` is this projection's view and ``engagement_view`` the engagement
    projection's (both as ``engine.view(name)`` returns them). For each ``campaign:<id>``
    document of the budget view, the engagement view's ``campaign:<id>`` document gives
    ``engagements`` and ``followers_gained`` (the campaign scorecard's documents work too:
    their ``actuals`` are read). The result, by campaign id::

        {"<campaign id>": {"engagements": 120, "followers_gained": 8,
                            "by_currency": {"CNY": {"spent": "600.00",
                                                    "cost_per_engagement": "5.0000",
                                                    "cost_per_new_follower": "75.0000"}}}}

    Costs are spent money (not commitments) divided by the count, rounded half-even to four
    places; a cost is ``None`` when its count is unknown or zero. Campaigns with no
    engagement document get counts of ``None``.
    """
    result: dict[str, dict[str, Any]] = {}
    for key in sorted(budget_view):
        if not key.startswith("campaign:"):
            continue
        campaign_id = key.removeprefix("campaign:")
        found = engagement_view.get(f"campaign:{campaign_id}")
        if isinstance(found, dict) and isinstance(found.get("actuals"), dict):
            found = found["actuals"]
        engagements = found.get("engagements") if isinstance(found, dict) else None
        followers = found.get("followers_gained") if isinstance(found, dict) else None
        costs: dict[str, Any] = {}
        for currency, amounts in sorted(budget_view[key]["by_currency"].items()):
            spent = Decimal(amounts["spent"])
            costs[currency] = {
                "spent": amounts["spent"],
                "cost_per_engagement": (
                    _ratio(spent, engagements) if isinstance(engagements, int) else None
                ),
                "cost_per_new_follower": (
                    _ratio(spent, followers) if isinstance(followers, int) else None
                ),
            }
        result[campaign_id] = {
            "engagements": engagements,
            "followers_gained": followers,
            "by_currency": costs,
        }
    return result

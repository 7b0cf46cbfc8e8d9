"""The ``overspend`` detector of the risk-signals projection (:mod:`libops.projections.signals`): a
budget line's money past its allocation.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from libops.domain.budget import Budget
from libops.projections.signals_briefs import BriefSignals
from libops.projections.signals_rules import _EXACT, OVERSPEND, _money
from libops.projections.views import View, handles, uuid_text


class BudgetSignals(BriefSignals):
    """Detects ``overspend``."""

    # --- overspend -----------------------------------------------------------------------

    @handles(Budget.Opened)
    def budget_opened(self, event: Budget.Opened, view: View) -> None:
        """Remember the budget's name for the signal's title."""
        view.put(f"budget:{uuid_text(event.originator_id)}", {"name": event.name})

    @handles(Budget.Allocated)
    def allocated(self, event: Budget.Allocated, view: View) -> None:
        """Allocated money raises the line's allocation."""
        self._line(
            view, event, event.category.value, event.campaign_id, allocated=event.amount.amount
        )

    @handles(Budget.Adjusted)
    def adjusted(self, event: Budget.Adjusted, view: View) -> None:
        """Each changed line's allocation becomes its new amount."""
        for change in tuple(event.changes):
            self._line(
                view,
                event,
                change.category.value,
                change.campaign_id,
                allocated=_EXACT.subtract(change.after.amount, change.before.amount),
            )

    @handles(Budget.Committed)
    def committed(self, event: Budget.Committed, view: View) -> None:
        """A commitment holds money on its line until released or invoiced."""
        line = self._line(
            view, event, event.category.value, event.campaign_id, committed=event.amount.amount
        )
        view.put(
            f"commitment:{uuid_text(event.originator_id)}:{event.reference}",
            {"line": line, "outstanding": _money(event.amount.amount)},
        )

    @handles(Budget.Released)
    def released(self, event: Budget.Released, view: View) -> None:
        """Released money leaves the commitment's line."""
        self._settle(view, event, event.reference, event.amount.amount)

    @handles(Budget.ExpenseRecorded)
    def expense(self, event: Budget.ExpenseRecorded, view: View) -> None:
        """An invoice is spent on its line; what it settles is no longer committed."""
        if event.settles is not None and event.settled.amount:
            self._settle(view, event, event.settles, event.settled.amount)
        self._line(view, event, event.category.value, event.campaign_id, spent=event.amount.amount)

    def _settle(self, view: View, event: Any, reference: str, amount: Decimal) -> None:
        key = f"commitment:{uuid_text(event.originator_id)}:{reference}"
        held = view.get(key)
        if held is None:
            return
        _budget, category, campaign = held["line"].split(":")[1:]
        self._line(
            view, event, category, None if campaign == "general" else campaign, committed=-amount
        )
        outstanding = _EXACT.subtract(Decimal(held["outstanding"]), amount)
        if outstanding > 0:
            view.put(key, {**held, "outstanding": _money(outstanding)})
        else:
            view.delete(key)

    def _line(
        self,
        view: View,
        event: Any,
        category: str,
        campaign_id: UUID | str | None,
        **deltas: Decimal,
    ) -> str:
        """Apply ``deltas`` to a line; fire if it just went past its allocation."""
        budget_id = uuid_text(event.originator_id)
        campaign = "general" if campaign_id is None else str(campaign_id)
        key = f"line:{budget_id}:{category}:{campaign}"
        line = view.get(key) or {
            "allocated": "0",
            "committed": "0",
            "spent": "0",
            "over": False,
        }
        for field, delta in deltas.items():
            line[field] = _money(_EXACT.add(Decimal(line[field]), delta))
        allocated = Decimal(line["allocated"])
        used = Decimal(line["spent"])
        if self.OVERSPEND_COUNTS_COMMITMENTS:
            used = _EXACT.add(used, Decimal(line["committed"]))
        over = used > allocated
        if over != line["over"]:
            budget = view.get(f"budget:{budget_id}") or {"name": budget_id}
            what = "committed and spent" if self.OVERSPEND_COUNTS_COMMITMENTS else "spent"
            line_name = "general" if campaign_id is None else f"campaign {campaign}"
            scope = f"{budget_id}:{category}:{campaign}"
            figures = f"(committed {line['committed']}, spent {line['spent']})"
            if over:
                self._fire(
                    view,
                    event,
                    OVERSPEND,
                    scope,
                    title=f"Over allocation: {budget['name']} / {category} / {campaign}",
                    description=(
                        f"The {category} line ({line_name}) "
                        f"of budget {budget['name']!r} ({budget_id}) has {used} {what} "
                        f"{figures} against an allocation of {allocated}: "
                        f"{_EXACT.subtract(used, allocated)} over."
                    ),
                    campaign_id=None if campaign_id is None else UUID(str(campaign_id)),
                )
            else:
                self._clear(
                    view,
                    event,
                    OVERSPEND,
                    scope,
                    f"The {category} line ({line_name}) of budget {budget['name']!r} "
                    f"({budget_id}) is back within its allocation: {used} {what} {figures} "
                    f"against {allocated}.",
                )
        line["over"] = over
        view.put(key, line)
        return key

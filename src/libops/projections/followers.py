"""An account's daily follower figures as view documents (imported exports, docs/import.md).

Documents:

- ``account:<account figures id>``: ``{"platform"}`` (which account the figures are of);
- ``day:<platform>:<YYYY-MM-DD>``: ``{"platform", "day", "gained", "lost", "net", "total",
  "replaced"}`` as the platform reported them (null: no figure), replaced by a corrected file.

:func:`follower_period` sums a period's days from these documents: followers gained, lost,
the net change, the totals before and after, and the growth rate (粉丝增长率).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from libops.domain.followers import AccountFollowers
from libops.projections.views import Projection, View, handles


class FollowersProjection(Projection):
    """Each account's daily follower figures (see the module)."""

    name = "followers"
    apply_cost = 0.2

    @handles(AccountFollowers.Opened)
    def opened(self, event: AccountFollowers.Opened, view: View) -> None:
        view.put(f"account:{event.originator_id}", {"platform": event.platform.value})

    @handles(AccountFollowers.DayRecorded)
    def day(self, event: AccountFollowers.DayRecorded, view: View) -> None:
        account = view.get(f"account:{event.originator_id}")
        if account is None:
            return
        platform = account["platform"]
        view.put(
            f"day:{platform}:{event.day}",
            {
                "platform": platform,
                "day": event.day,
                "gained": event.gained,
                "lost": event.lost,
                "net": event.net,
                "total": event.total,
                "replaced": event.replaced,
            },
        )


def follower_period(
    documents: Iterable[tuple[str, Mapping[str, Any]]], platform: str, first: date, last: date
) -> dict[str, Any]:
    """The period's figures of ``platform``'s account from the ``followers`` view's documents:
    ``{"days", "gained", "lost", "net", "start_total", "end_total", "growth_rate"}``
    (``growth_rate`` as decimal text, or None when the total before the period is unknown)."""
    days = sorted(
        (doc for key, doc in documents if key.startswith(f"day:{platform}:")),
        key=lambda doc: str(doc["day"]),
    )
    days = [d for d in days if first <= date.fromisoformat(str(d["day"])) <= last]

    def change(doc: Mapping[str, Any]) -> int | None:
        if doc["net"] is not None:
            return int(doc["net"])
        if doc["gained"] is not None and doc["lost"] is not None:
            return int(doc["gained"]) - int(doc["lost"])
        return None

    start_total = None
    if days and days[0]["total"] is not None and change(days[0]) is not None:
        start_total = int(days[0]["total"]) - (change(days[0]) or 0)
    net = sum(change(d) or 0 for d in days)
    totals = [int(d["total"]) for d in days if d["total"] is not None]
    return {
        "days": len(days),
        "gained": sum(int(d["gained"] or 0) for d in days),
        "lost": sum(int(d["lost"] or 0) for d in days),
        "net": net,
        "start_total": start_total,
        "end_total": totals[-1] if totals else None,
        "growth_rate": None if not start_total else str(Decimal(net) / Decimal(start_total)),
    }

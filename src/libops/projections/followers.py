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
from typing import Any

from libops.domain.followers import AccountFollowers, FollowerDay, FollowerPeriod
from libops.domain.values import to_platform
from libops.projections.views import Projection, View, handles, uuid_text


class FollowersProjection(Projection):
    """Each account's daily follower figures (see the module)."""

    name = "followers"
    apply_cost = 0.2

    @handles(AccountFollowers.Opened)
    def opened(self, event: AccountFollowers.Opened, view: View) -> None:
        view.put(f"account:{uuid_text(event.originator_id)}", {"platform": event.platform.value})

    @handles(AccountFollowers.DayRecorded)
    def day(self, event: AccountFollowers.DayRecorded, view: View) -> None:
        account = view.get(f"account:{uuid_text(event.originator_id)}")
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
    (``growth_rate`` as decimal text, or None when the total before the period is unknown),
    summed as :meth:`AccountFollowers.period` sums them."""
    prefix = f"day:{platform}:"
    days = sorted(
        (
            FollowerDay(
                date.fromisoformat(str(doc["day"])),
                doc["gained"],
                doc["lost"],
                doc["net"],
                doc["total"],
            )
            for key, doc in documents
            if key.startswith(prefix)
        ),
        key=lambda day: day.day,
    )
    figures = FollowerPeriod.of(
        to_platform(platform), first, last, [d for d in days if first <= d.day <= last]
    )
    rate = figures.growth_rate
    return {
        "days": figures.days,
        "gained": figures.gained,
        "lost": figures.lost,
        "net": figures.net,
        "start_total": figures.start_total,
        "end_total": figures.end_total,
        "growth_rate": None if rate is None else str(rate),
    }

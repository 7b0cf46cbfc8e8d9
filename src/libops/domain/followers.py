"""An account's daily follower figures, from the platforms' exports (粉丝增长, docs/import.md).

One :class:`AccountFollowers` per platform account (its id derived from the platform) keeps,
per day, the followers gained (新关注人数), lost (取消关注人数), the net change (净增关注人数)
and the total (累积关注人数), as the back office reported them. Recording a day again with the
same figures records nothing; other figures for a recorded day replace them (a corrected
file: the event says ``replaced``). Follower growth and its rate (粉丝增长率) over a period
are computed from these days (:meth:`AccountFollowers.period`).

Events carry plain values (the day as ISO text, whole numbers), so no new stored type name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Final
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import FollowerFiguresError
from libops.domain.permissions import authorize
from libops.domain.values import Actor, Platform, require_count, require_day, to_platform

FOLLOWERS_NAMESPACE: Final = uuid5(NAMESPACE_URL, "https://libops.invalid/account-followers")


def _optional_count(name: str, value: int | None) -> int | None:
    return None if value is None else require_count(name, value)


@attrs.frozen
class FollowerDay:
    """One day of an account's follower figures (None: the file gave no figure)."""

    day: date
    gained: int | None = None
    lost: int | None = None
    net: int | None = None
    total: int | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.day, date):
            raise FollowerFiguresError(f"a follower day is a date, not {self.day!r}")
        require_day("the day", self.day)
        _optional_count("followers gained", self.gained)
        _optional_count("followers lost", self.lost)
        _optional_count("total followers", self.total)
        if self.net is not None and (isinstance(self.net, bool) or not isinstance(self.net, int)):
            raise FollowerFiguresError(f"the net change must be a whole number, not {self.net!r}")
        gained, lost, net = self.gained, self.lost, self.net
        if gained is not None and lost is not None and net is not None and gained - lost != net:
            raise FollowerFiguresError(
                f"{self.day.isoformat()}: {gained} gained and {lost} lost make "
                f"{gained - lost}, not the net change {net}"
            )

    @property
    def change(self) -> int | None:
        """The net change: as given, else gained minus lost."""
        if self.net is not None:
            return self.net
        if self.gained is not None and self.lost is not None:
            return self.gained - self.lost
        return None


@attrs.frozen
class FollowerPeriod:
    """An account's follower figures over a period of recorded days."""

    platform: Platform
    first: date
    last: date
    days: int
    """How many days of the period have figures."""
    gained: int
    lost: int
    net: int
    start_total: int | None
    """The total before the first day (its total minus its change), if known."""
    end_total: int | None
    """The total on the last recorded day, if known."""

    @classmethod
    def of(
        cls, platform: Platform, first: date, last: date, days: Sequence[FollowerDay]
    ) -> FollowerPeriod:
        """The figures of ``days``: the recorded days from ``first`` to ``last``, in order."""
        start_total = None
        if days and days[0].total is not None and days[0].change is not None:
            start_total = days[0].total - days[0].change
        return cls(
            platform=platform,
            first=first,
            last=last,
            days=len(days),
            gained=sum(d.gained or 0 for d in days),
            lost=sum(d.lost or 0 for d in days),
            net=sum(d.change or 0 for d in days),
            start_total=start_total,
            end_total=next((d.total for d in reversed(days) if d.total is not None), None),
        )

    @property
    def growth_rate(self) -> Decimal | None:
        """粉丝增长率: the net change over the total before the period (None if unknown or 0)."""
        if not self.start_total:
            return None
        return Decimal(self.net) / Decimal(self.start_total)


class AccountFollowers(Aggregate):
    """The daily follower figures of one platform account."""

    TOPIC = "libops:AccountFollowers"

    class Event(events.Event):
        """An event of an account's follower figures."""

        TOPIC = "libops:AccountFollowers.Event"

    class Opened(events.Created):
        """The account's follower figures were first recorded."""

        TOPIC = "libops:AccountFollowers.Opened"
        actor_id: str
        platform: Platform

    class DayRecorded(Event):
        """A day's follower figures, as the platform reported them (``replaced``: they
        replace the figures recorded for that day before)."""

        TOPIC = "libops:AccountFollowers.DayRecorded"
        actor_id: str
        day: str
        gained: int | None
        lost: int | None
        net: int | None
        total: int | None
        replaced: bool

    @staticmethod
    def id_for(platform: Platform | str) -> UUID:
        """The id of ``platform``'s account figures (the same in every store)."""
        return uuid5(FOLLOWERS_NAMESPACE, to_platform(platform).value)

    @classmethod
    def open(cls, actor: Actor, platform: Platform | str) -> AccountFollowers:
        """Start the follower figures of ``platform``'s account."""
        authorize(actor, "account.record_followers")
        platform = to_platform(platform)
        return cls._create(
            cls.Opened, id=cls.id_for(platform), actor_id=actor.id, platform=platform
        )

    @event(Opened)
    def __init__(self, actor_id: str, platform: Platform) -> None:
        self.platform = platform
        self._days: dict[date, FollowerDay] = {}

    def record(self, actor: Actor, days: Iterable[FollowerDay]) -> list[str]:
        """Record each day's figures: ``recorded``, ``unchanged`` or ``replaced`` for each."""
        authorize(actor, "account.record_followers")
        outcomes = []
        for figures in days:
            if not isinstance(figures, FollowerDay):
                raise FollowerFiguresError(f"follower figures are FollowerDay, not {figures!r}")
            before = self._days.get(figures.day)
            if before == figures:
                outcomes.append("unchanged")
                continue
            self._record_day(
                actor_id=actor.id,
                day=figures.day.isoformat(),
                gained=figures.gained,
                lost=figures.lost,
                net=figures.net,
                total=figures.total,
                replaced=before is not None,
            )
            outcomes.append("recorded" if before is None else "replaced")
        return outcomes

    @event(DayRecorded)
    def _record_day(
        self,
        actor_id: str,
        day: str,
        gained: int | None,
        lost: int | None,
        net: int | None,
        total: int | None,
        replaced: bool,
    ) -> None:
        on = date.fromisoformat(day)
        self._days[on] = FollowerDay(on, gained, lost, net, total)

    def day(self, on: date) -> FollowerDay | None:
        """The figures of day ``on``, if recorded."""
        return self._days.get(on)

    def days(self, first: date | None = None, last: date | None = None) -> list[FollowerDay]:
        """The recorded days from ``first`` to ``last`` (both included), in order."""
        return [
            self._days[d]
            for d in sorted(self._days)
            if (first is None or d >= first) and (last is None or d <= last)
        ]

    def period(self, first: date, last: date) -> FollowerPeriod:
        """The figures of the recorded days from ``first`` to ``last`` (both included)."""
        if last < first:
            raise FollowerFiguresError(
                f"a period ends on or after its first day: {first.isoformat()} to "
                f"{last.isoformat()}"
            )
        return FollowerPeriod.of(self.platform, first, last, self.days(first, last))

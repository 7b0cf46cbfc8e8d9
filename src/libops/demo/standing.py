"""The demo's standing: what a library records besides the platforms' counts (docs/standing.md).

Each month of the quarter that ends inside the simulated days gets its online service uses
(入馆预约, 续借, 证绑定 through the WeChat account's menu) and the provincial monthly ranking of
public libraries' new-media accounts, with the library among a dozen peers; after World Book
Day the topic campaign is marked as a typical case, and the library receives an honour. All
figures follow from the seed; every command has an idempotency key, so a rerun records
nothing.
"""

from __future__ import annotations

import calendar
import random
from datetime import date
from decimal import Decimal
from typing import Final

from libops.demo.setting import TEAM, beijing_time
from libops.demo.simulation import Action
from libops.demo.state import QuarterState
from libops.domain.standing import RankingRow, ServiceCount
from libops.domain.values import Period

PEERS: Final = 11
"""How many other libraries each monthly ranking lists."""

SERVICES: Final = (("reservation", 700, 1_300), ("renewal", 250, 550), ("card_binding", 40, 130))
"""The services used through the WeChat account's menu, with the range of a month's uses."""


class StandingActions(QuarterState):
    """A quarter's standing: service uses and rankings per month, a typical case, an honour."""

    def schedule_standing(self) -> None:
        """Put the quarter's standing records on the agenda (only those inside its days)."""
        last = self.day(self.days - 1)
        month = date(self.first.year, self.first.month, 1)
        while month <= last:
            end = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
            if end <= last:
                self.sim.at(beijing_time(end, 22), self.monthly(Period(month, end)))
            month = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
        w = self.windows
        case_day = w.topic[1] + 2
        if case_day < self.days:
            self.sim.at(beijing_time(self.day(case_day), 15), self.typical_case)
        honour_day = w.topic[1] + 5
        if honour_day < self.days:
            self.sim.at(beijing_time(self.day(honour_day), 16), self.honour)

    def monthly(self, month: Period) -> Action:
        """The action that records ``month``'s service uses and its ranking."""

        def record() -> None:
            rng = random.Random(f"{self.seed}:{month.start.isoformat()}:standing")
            admin, tech = TEAM["admin"], TEAM["tech"]
            label = month.start.strftime("%Y-%m")
            for kind, low, high in SERVICES:
                self.ops.standing.record_service_uses(
                    tech,
                    period=month,
                    kind=kind,
                    counts=[ServiceCount("wechat", rng.randint(low, high))],
                    idempotency_key=f"{self.key}:services:{label}:{kind}",
                )
            us = self.say("library")
            ours = Decimal(rng.randint(52_000, 61_000)).scaleb(-2)
            values = [(us, ours)] + [
                (self.say("peer", n=n + 1), Decimal(rng.randint(38_000, 66_000)).scaleb(-2))
                for n in range(PEERS)
            ]
            ordered = sorted(values, key=lambda v: (-v[1], v[0]))
            self.ops.standing.record_ranking(
                admin,
                source=self.say("ranking_source"),
                period=month,
                index=self.say("ranking_index"),
                rows=[
                    RankingRow(name, value, rank) for rank, (name, value) in enumerate(ordered, 1)
                ],
                us=us,
                idempotency_key=f"{self.key}:ranking:{label}",
            )

        return record

    def typical_case(self) -> None:
        """Mark the World Book Day campaign as a typical case (典型案例)."""
        self.ops.standing.mark_typical_case(
            TEAM["admin"],
            subject_kind="campaign",
            subject_id=self.campaigns["topic"],
            theme=self.say("case_theme"),
            why=self.say("case_why"),
            idempotency_key=f"{self.key}:case:topic",
        )

    def honour(self) -> None:
        """The account's honour of the quarter."""
        self.ops.standing.record_honour(
            TEAM["admin"],
            title=self.say("honour_title"),
            awarded_by=self.say("honour_by"),
            awarded_on=self.day(self.windows.topic[1] + 5),
            idempotency_key=f"{self.key}:honour",
        )

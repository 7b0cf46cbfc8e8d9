"""The demo's team on the roster (issue 17, item 7): each member is a user of the store with
roles and duties and a joining day, and in each quarter two content planners attend a new
media writing course (6 hours), recorded by the operations admin.

Members are added once (a later quarter, or a rerun, finds them); the training of a quarter
has idempotency keys, so a rerun records nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from libops.demo.setting import TEAM, beijing_time
from libops.demo.state import QuarterState

JOINED: Final = {
    "li.na": date(2021, 7, 1),
    "zhao.lei": date(2024, 9, 2),
    "wang.fang": date(2019, 3, 11),
    "chen.jie": date(2018, 5, 2),
    "liu.yang": date(2022, 2, 14),
    "zhou.min": date(2020, 1, 6),
}
"""The day each member joined the team."""

DUTIES: Final = {
    "li.na": 2,
    "zhao.lei": 2,
    "wang.fang": 1,
    "chen.jie": 1,
    "liu.yang": 1,
    "zhou.min": 1,
}
"""How many duties each member holds (their texts are ``duty.<login>.<n>``)."""

TRAINEES: Final = ("planner", "planner2")
"""The members who attend the quarter's course."""

TRAINING_HOURS: Final = Decimal(6)
TRAINING_DAY: Final = 5
"""The day of the quarter (from 0) the course is held on (the last day, in a shorter run)."""


class TeamActions(QuarterState):
    """The roster (before the quarter opens) and the quarter's training."""

    def schedule_team(self) -> None:
        """Put the roster and the training on the agenda."""
        self.sim.at(beijing_time(self.day(-3), 8, 30), self.roster)
        day = min(TRAINING_DAY, self.days - 1)
        self.sim.at(beijing_time(self.day(day), 17), self.training)

    def roster(self) -> None:
        """Add each member of the team as a user, with duties and joining day (once)."""
        ops, admin = self.ops, TEAM["admin"]
        for member in TEAM.values():
            if ops.users.find(member.id) is not None:
                continue
            ops.users.add(
                admin, login=member.id, name=self.say(f"person.{member.id}"), roles=member.roles
            )
            ops.users.set_duties(
                admin,
                login=member.id,
                duties=[self.say(f"duty.{member.id}.{n}") for n in range(1, DUTIES[member.id] + 1)],
            )
            ops.users.join(admin, login=member.id, on=JOINED[member.id])

    def training(self) -> None:
        """Two planners attend the quarter's new media writing course."""
        ops, admin = self.ops, TEAM["admin"]
        on = self.day(min(TRAINING_DAY, self.days - 1))
        for role in TRAINEES:
            ops.users.record_training(
                admin,
                login=TEAM[role].id,
                course=self.say("training_course"),
                provider=self.say("training_provider"),
                on=on,
                hours=TRAINING_HOURS,
                learned=self.say("training_learned"),
                idempotency_key=f"{self.key}:training:{TEAM[role].id}",
            )

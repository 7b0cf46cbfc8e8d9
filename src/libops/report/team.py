"""The team and training in the report (issue 17, item 7): each person's duties from the
roster, and the training taken in the period, from the ``team`` view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from libops.domain.values import Actor, Period
from libops.projections.team import courses, roster
from libops.report.sections import Execution, Training, TrainingCourse


def with_duties(execution: Execution, view: Mapping[str, Any]) -> Execution:
    """The execution section with each person's duties, when the roster has the person."""
    duties = {member.login: member.duties for member in roster(view)}
    return attrs.evolve(
        execution,
        people=tuple(attrs.evolve(p, duties=duties.get(p.actor_id, ())) for p in execution.people),
    )


def training(view: Mapping[str, Any], period: Period | None, team: Mapping[str, Actor]) -> Training:
    """The training taken in ``period`` (all recorded, when None), by course; people are
    named as the report names them (their display name, else their login)."""
    taken = [
        t for member in roster(view) for t in member.trainings if period is None or t.day in period
    ]

    def name(login: str) -> str:
        found = team.get(login)
        return found.name if found is not None and found.name else login

    return Training(
        tuple(
            TrainingCourse(c.course, c.provider, tuple(name(p) for p in c.people), c.hours)
            for c in courses(taken)
        )
    )

"""The aggregate a command acts on, where that can be told from the command alone.

A command's target is the aggregate its name starts with (``campaign.launch`` acts on a
campaign), named by its first field (``campaign_id``). Commands that make a new aggregate
(``campaign.plan``), act on several or none of their own (``privacy.*``, ``conduct.*``,
``audit.checkpoint``, ``question.escalate``) have no target: ``If-Match`` is refused for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs
from eventsourcing.domain import Aggregate

from libops.application.app import KINDS
from libops.application.commands import Command
from libops.domain.budget import Budget
from libops.domain.campaign import Campaign
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.post import Post
from libops.domain.risk import Risk

AGGREGATES: Final[Mapping[str, tuple[type[Aggregate], str]]] = {
    "campaign": (Campaign, "campaign_id"),
    "post": (Post, "post_id"),
    "budget": (Budget, "budget_id"),
    "risk": (Risk, "risk_id"),
    "contest": (Contest, "contest_id"),
    "question": (Question, "question_id"),
    "reading_session": (ReadingSession, "session_id"),
}
"""The aggregates the API reads (``/v1/aggregates/<kind>/<id>``), by the name its commands
start with, each with the field that names it in them."""


@attrs.frozen
class Target:
    """The aggregate a command acts on: its class, its kind in words, the field naming it."""

    type: type[Aggregate]
    kind: str
    field: str


_TARGETS: dict[type[Any], Target | None] = {}


def target_of(command_type: type[Command[Any]]) -> Target | None:
    """The aggregate ``command_type`` acts on, or None (see the module's docstring)."""
    try:  # asked on every command over HTTP: found once per command class
        return _TARGETS[command_type]
    except KeyError:
        found = _TARGETS[command_type] = _target_of(command_type)
        return found


def _target_of(command_type: type[Command[Any]]) -> Target | None:
    prefix = command_type.NAME.split(".", 1)[0]
    known = AGGREGATES.get(prefix)
    if known is None:
        return None
    aggregate_type, field = known
    fields = [f.name for f in attrs.fields(command_type) if f.name != "idempotency_key"]
    if not fields or fields[0] != field:
        return None
    return Target(aggregate_type, KINDS.get(aggregate_type, prefix), field)

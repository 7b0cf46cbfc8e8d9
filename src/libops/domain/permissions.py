"""Who may do what: the one table that maps every command to the roles allowed to give it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from libops.domain.errors import NotAnActorError, PermissionDeniedError
from libops.domain.values import Actor, Role

_PLANNER = Role.CONTENT_PLANNER
_REVIEWER = Role.REVIEWER
_ADMIN = Role.OPERATIONS_ADMIN
_TECH = Role.TECHNICAL_SUPPORT
_BUDGET = Role.BUDGET_OWNER

PERMISSIONS: Final[Mapping[str, frozenset[Role]]] = MappingProxyType(
    {
        # Campaign
        "campaign.plan": frozenset({_PLANNER, _ADMIN}),
        "campaign.amend": frozenset({_PLANNER, _ADMIN}),
        "campaign.add_kol_partner": frozenset({_PLANNER, _ADMIN}),
        "campaign.launch": frozenset({_ADMIN}),
        "campaign.pause": frozenset({_ADMIN}),
        "campaign.resume": frozenset({_ADMIN}),
        "campaign.complete": frozenset({_ADMIN}),
        "campaign.cancel": frozenset({_ADMIN}),
        # Post
        "post.draft": frozenset({_PLANNER}),
        "post.revise": frozenset({_PLANNER}),
        "post.submit_for_review": frozenset({_PLANNER}),
        "post.review": frozenset({_REVIEWER}),
        "post.schedule": frozenset({_ADMIN, _PLANNER}),
        "post.unschedule": frozenset({_ADMIN, _PLANNER}),
        "post.publish": frozenset({_ADMIN, _TECH}),
        "post.retract": frozenset({_ADMIN}),
        "post.record_metrics": frozenset({_ADMIN, _TECH}),
    }
)
"""Each command's name, mapped to the roles that may give it. The auditor role gives none."""


def authorize(actor: Actor, command: str) -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` may give ``command``."""
    if not isinstance(actor, Actor):
        raise NotAnActorError(f"commands are given by an Actor, not a {type(actor).__name__}")
    allowed = PERMISSIONS[command]
    if not actor.has_any(allowed):
        raise PermissionDeniedError(actor.id, command, allowed)

"""The library staff who act in the tests: one person per role, and a few with two roles.

The conftest fixtures of the same names (``planner``, ``owner``, ...) return these, for
tests that take people as fixtures; module-level helpers and state machines import them.
"""

from __future__ import annotations

import attrs

from libops import Actor, Role

PLANNER = Actor("planner-1", [Role.CONTENT_PLANNER], name="Li Na")
PLANNER2 = Actor("planner-2", [Role.CONTENT_PLANNER], name="Zhao Lei")
REVIEWER = Actor("reviewer-1", [Role.REVIEWER], name="Wang Fang")
ADMIN = Actor("admin-1", [Role.OPERATIONS_ADMIN], name="Chen Jie")
TECH = Actor("tech-1", [Role.TECHNICAL_SUPPORT], name="Liu Yang")
AUDITOR = Actor("auditor-1", [Role.AUDITOR], name="Sun Min")
OWNER = Actor("owner-1", [Role.BUDGET_OWNER], name="Zhou Min")
OWNER2 = Actor("owner-2", [Role.BUDGET_OWNER], name="Wu Hua")

PLANNER_REVIEWER = Actor("both-1", [Role.CONTENT_PLANNER, Role.REVIEWER])
"""Someone who plans and reviews (and so must not review their own post)."""
PLANNER_ADMIN = Actor("lead-1", [Role.CONTENT_PLANNER, Role.OPERATIONS_ADMIN])
"""A team lead who plans and administers."""
PLANNER_OWNER = Actor("lead-1", [Role.CONTENT_PLANNER, Role.BUDGET_OWNER])
"""A team lead who plans and holds the budget."""

ONE_PER_ROLE = [PLANNER, ADMIN, REVIEWER, TECH, OWNER, AUDITOR]
"""One person for each role, in no particular order."""


@attrs.frozen
class Team:
    """The people of a test, one per role, each known by the role's short name."""

    planner: Actor = PLANNER
    reviewer: Actor = REVIEWER
    admin: Actor = ADMIN
    tech: Actor = TECH
    auditor: Actor = AUDITOR
    budget: Actor = OWNER

    def by_role(self, role: str) -> Actor:
        """The person with the short name ``role`` ("planner", "budget", ...)."""
        actor = attrs.asdict(self, recurse=False)[role]
        assert isinstance(actor, Actor)
        return actor

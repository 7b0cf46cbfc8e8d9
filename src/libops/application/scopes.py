"""The scope check: a scoped person's command must be about campaigns and platforms they reach.

Called by :class:`~libops.application.commands.CommandBus` for every command of an actor
whose :class:`~libops.domain.values.Scope` is limited, inside the command's own run (so what
it loads is what the command acts on). What a command is about is read from its fields:

- campaigns: the ``campaign_id`` (``from_campaign_id``, ``to_campaign_id``) it names, and the
  campaign of the post, risk, contest, reading session or question it acts on (loaded);
- platforms: the ``platform``/``platforms`` it names, the platforms of the post it acts on
  (or of a reading session or question), else those of its campaigns.

A scoped person may always set their own password and issue and revoke their own tokens.
Otherwise a limited scope fails closed: a campaign-scoped person's command must be about at
least one campaign, all of them in scope (so such a person cannot plan a new campaign, or act on a
budget line not tied to a campaign); a platform-scoped person's command must be about at
least one platform, all of them in scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Final, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from libops.domain.campaign import Campaign
from libops.domain.errors import OutOfScopeError
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.post import Post
from libops.domain.risk import Risk
from libops.domain.values import Actor, Platform, to_enum

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")


class Loads(Protocol):
    """What the check loads aggregates through (a command's ``Context``)."""

    def load(self, aggregate_type: type[A], aggregate_id: UUID | str) -> A: ...


class Named(Protocol):
    """What the check reads of a command: its name and its fields."""

    NAME: ClassVar[str]

    def arguments(self, *leave_out: str) -> dict[str, Any]: ...


_CAMPAIGN_FIELDS: Final = ("campaign_id", "from_campaign_id", "to_campaign_id")

_SELF_SERVICE: Final = frozenset({"user.set_password", "user.issue_token", "user.revoke_token"})
"""Commands a scoped person may give for their own login (``login`` equal to their id)."""

_ACTS_ON: Final[dict[str, type[Aggregate]]] = {
    "post_id": Post,
    "risk_id": Risk,
    "contest_id": Contest,
    "session_id": ReadingSession,
    "question_id": Question,
}


def _platforms(value: Any) -> set[Platform]:
    if value is None:
        return set()
    if isinstance(value, str | Platform):
        value = [value]
    return {to_enum(Platform, p) for p in value}


def check_scope(ctx: Loads, actor: Actor, command: Named) -> None:
    """Raise :class:`OutOfScopeError` unless ``command`` is within ``actor``'s scope."""
    scope = actor.scope
    if scope is None:
        return
    fields = command.arguments()
    if command.NAME in _SELF_SERVICE and fields.get("login") == actor.id:
        return  # their own password and tokens are about no campaign or platform
    campaigns: set[UUID] = set()
    platforms: set[Platform] = set()
    for name in ("platform", "platforms"):
        platforms |= _platforms(fields.get(name))
    for name in _CAMPAIGN_FIELDS:
        if fields.get(name) is not None:
            campaigns.add(ctx.load(Campaign, fields[name]).id)
    for name, aggregate_type in _ACTS_ON.items():
        if fields.get(name) is None:
            continue
        aggregate: Any = ctx.load(aggregate_type, fields[name])
        post_id = getattr(aggregate, "post_id", None)
        if isinstance(aggregate, Post):
            platforms |= set(aggregate.platforms)
        elif post_id is not None:
            post = ctx.load(Post, post_id)
            platforms |= set(post.platforms)
            if post.campaign_id is not None:
                campaigns.add(post.campaign_id)
        platforms |= _platforms(getattr(aggregate, "platform", None))
        if getattr(aggregate, "campaign_id", None) is not None:
            campaigns.add(aggregate.campaign_id)
    if not platforms:
        for campaign_id in campaigns:
            platforms |= set(ctx.load(Campaign, campaign_id).platforms)
    _within(
        actor,
        command,
        scope.campaigns,
        campaigns,
        "campaigns",
        lambda outside: f"the campaign {sorted(outside)[0]} is outside their scope",
    )
    _within(
        actor,
        command,
        scope.platforms,
        platforms,
        "platforms' accounts",
        lambda beyond: (
            f"the platforms {', '.join(sorted(p.value for p in beyond))} are outside their scope"
        ),
    )


def _within(
    actor: Actor,
    command: Named,
    reach: frozenset[T] | None,
    about: set[T],
    kind: str,
    outside: Callable[[set[T]], str],
) -> None:
    """Refuse a command about none of ``kind`` (campaigns, platforms' accounts), or about
    some beyond ``reach`` (``outside`` says which), when the actor's roles reach only some
    (None: they reach them all)."""
    if reach is None:
        return
    if not about:
        raise OutOfScopeError(
            actor.id,
            command.NAME,
            f"their roles reach some {kind} only, and this command is about none",
        )
    beyond = about - reach
    if beyond:
        raise OutOfScopeError(actor.id, command.NAME, outside(beyond))

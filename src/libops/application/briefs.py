"""Commands on content briefs: propose, plan, replan, start, mark drafted, drop.

A brief is planned and replanned against the library's day (the cadence policy's timezone,
by libops's clock): a due day before today is refused. Marking a brief drafted checks that
the post exists, and that it belongs to the brief's campaign when the brief has one.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import attrs

from libops.application.commands import (
    Command,
    Context,
    Executes,
    command,
    command_method,
    handles,
    items,
)
from libops.domain.brief import BriefReference, BriefStatus, ContentBrief
from libops.domain.campaign import Campaign
from libops.domain.errors import BriefPostMismatchError
from libops.domain.post import Post
from libops.domain.values import Actor, ContentType, Format, Platform, to_enum


@command("brief.propose", calls=ContentBrief.propose, refers_to={"campaign_id": Campaign})
@attrs.frozen(kw_only=True)
class ProposeBrief(Command[UUID]):
    """Put a content brief forward as an idea (the need it answers and why) and return its id."""

    title: str
    need: str
    content_type: ContentType | str
    format: Format | str
    platforms: tuple[Platform | str, ...] = attrs.field(default=(), converter=items)
    references: tuple[BriefReference, ...] = attrs.field(default=(), converter=items)
    campaign_id: UUID | str | None = None


@command("brief.plan")
@attrs.frozen(kw_only=True)
class PlanBrief(Command[None]):
    """Put an idea on the calendar: its due day (not before today) and who makes it."""

    brief_id: UUID | str = attrs.field(kw_only=False)
    due_on: date
    assignee: str


@handles(PlanBrief)
def plan_brief(ctx: Context, actor: Actor, command: PlanBrief) -> None:
    ctx.load(ContentBrief, command.brief_id).plan(
        actor, due_on=command.due_on, assignee=command.assignee, today=ctx.deps.today()
    )


@command("brief.replan")
@attrs.frozen(kw_only=True)
class ReplanBrief(Command[None]):
    """Give a planned brief another due day (not before today) or assignee."""

    brief_id: UUID | str = attrs.field(kw_only=False)
    due_on: date | None = None
    assignee: str | None = None


@handles(ReplanBrief)
def replan_brief(ctx: Context, actor: Actor, command: ReplanBrief) -> None:
    ctx.load(ContentBrief, command.brief_id).replan(
        actor, due_on=command.due_on, assignee=command.assignee, today=ctx.deps.today()
    )


@command("brief.start", calls=ContentBrief.start)
@attrs.frozen
class StartBrief(Command[None]):
    """Begin making a planned brief's content."""

    brief_id: UUID | str


@command("brief.mark_drafted")
@attrs.frozen
class MarkBriefDrafted(Command[None]):
    """Link a planned or in-production brief to the post it became (which must exist, and
    be of the brief's campaign if the brief has one)."""

    brief_id: UUID | str
    post_id: UUID | str


@handles(MarkBriefDrafted)
def mark_brief_drafted(ctx: Context, actor: Actor, command: MarkBriefDrafted) -> None:
    brief = ctx.load(ContentBrief, command.brief_id)
    post = ctx.load(Post, command.post_id)
    if brief.campaign_id is not None and post.campaign_id != brief.campaign_id:
        raise BriefPostMismatchError(
            f"post {post.id} is not of the brief's campaign {brief.campaign_id}"
        )
    brief.mark_drafted(actor, post.id)


@command("brief.drop", calls=ContentBrief.drop)
@attrs.frozen
class DropBrief(Command[None]):
    """Give a brief up, saying why."""

    brief_id: UUID | str
    reason: str


class BriefService(Executes):
    """Content briefs from need to draft: propose, plan, replan, start, mark drafted, drop."""

    propose = command_method(ProposeBrief)
    plan = command_method(PlanBrief)
    replan = command_method(ReplanBrief)
    start = command_method(StartBrief)
    mark_drafted = command_method(MarkBriefDrafted)
    drop = command_method(DropBrief)

    def get(self, brief_id: UUID | str) -> ContentBrief:
        """The brief's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(ContentBrief, brief_id)

    def list(self, status: BriefStatus | str | None = None) -> tuple[ContentBrief, ...]:
        """Every brief (or those in ``status``), by due day (briefs without one last), then
        title, then id. An unknown ``status`` is an InvalidValueError, raised before
        anything is read."""
        wanted = None if status is None else to_enum(BriefStatus, status)
        return self._app.listing(
            ContentBrief,
            ContentBrief.Proposed.TOPIC,
            lambda b: wanted is None or b.status is wanted,
            key=lambda b: (b.due_on is None, b.due_on or date.min, b.title, str(b.id)),
        )

    def overdue(self, today: date | None = None) -> tuple[ContentBrief, ...]:
        """The planned and in-production briefs whose due day is before ``today`` (the
        library's day now by default), by due day."""
        day = self._deps.today() if today is None else today
        return tuple(b for b in self.list() if b.is_overdue(day))

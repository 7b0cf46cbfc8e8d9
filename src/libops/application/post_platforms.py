"""What the commands on a post's platforms share.

Publishing (:mod:`libops.application.publishing_commands`), scheduling
(:mod:`libops.application.posts`) and taking down (:mod:`libops.application.post_take_downs`)
all deal with a platform's calendar, respect the claim a scheduled run holds on publishing a
post, and record a platform call that failed in a command of its own: those steps live here,
once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Final
from uuid import UUID

import attrs

from libops.application.app import LibOpsApplication
from libops.application.commands import Command, Context
from libops.domain.calendar import PlatformCalendar
from libops.domain.claim import PublishClaim
from libops.domain.errors import (
    LibopsError,
    PlatformError,
    PublishClaimedError,
    PublishFailedError,
    TakeDownFailedError,
)
from libops.domain.post import Post
from libops.domain.values import Actor, Platform, PublishReceipt, to_platform

MAX_ERROR_TEXT: Final = 4000
"""How much of a platform's error a post records."""


def find_calendar(app: LibOpsApplication, platform: Platform | str) -> PlatformCalendar | None:
    """The calendar of ``platform``, or None if nothing was ever scheduled there."""
    platform = to_platform(platform)
    return app.find(PlatformCalendar, PlatformCalendar.id_for(platform))


def platform_calendar(ctx: Context, platform: Platform) -> PlatformCalendar | None:
    """The calendar of ``platform`` in the command's save, or None if it has none yet."""
    return ctx.find(PlatformCalendar, PlatformCalendar.id_for(platform))


def withdraw_slots(ctx: Context, actor: Actor, post: Post, platforms: Iterable[Platform]) -> None:
    """Free the slots ``post`` has booked on ``platforms``' calendars."""
    for platform in platforms:
        calendar = platform_calendar(ctx, platform)
        if calendar is not None and calendar.slot(post.id) is not None:
            calendar.withdraw(actor, post.id)


def record_published(ctx: Context, actor: Actor, post: Post, receipt: PublishReceipt) -> None:
    """Record ``receipt`` on ``post`` and release its slot on the platform's calendar (a
    scheduled variant that went out leaves its slot), in the command's one save."""
    post.record_published(actor, receipt)
    calendar = platform_calendar(ctx, receipt.platform)
    if calendar is not None:
        calendar.release(post.id, published_at=receipt.published_at, actor=actor)


def check_unclaimed(ctx: Context, post_id: UUID, platform: Platform, now: datetime) -> None:
    """:class:`PublishClaimedError` while a run holds the claim, at ``now``, on publishing
    ``post_id``'s variant on ``platform`` (it may be going out right now)."""
    claim = ctx.find(PublishClaim, PublishClaim.id_for(post_id, platform))
    if claim is not None and claim.held(now):
        raise PublishClaimedError(post_id, platform.value, claim.holder_id, claim.expires_at)


@attrs.frozen(kw_only=True)
class FailedCall(Command[None]):
    """What a command recording a failed platform call on a post's variant carries (the
    platform's ``error`` and whether a retry may help); each such command names its own
    call (:class:`~libops.application.publishing.RecordPublishFailure`,
    :class:`~libops.application.posts.RecordTakeDownFailure`)."""

    post_id: UUID | str = attrs.field(kw_only=False)
    platform: Platform | str = attrs.field(kw_only=False)
    error: str
    retryable: bool


def failure_recorder(
    record: Callable[[Post, Actor, Platform, str, bool, datetime], None],
) -> Callable[[Context, Actor, FailedCall], None]:
    """The handler of a :class:`FailedCall` command: it loads the post and calls ``record``
    (``Post.record_publish_failure``, ``Post.record_take_down_failure``) with the actor, the
    platform, the error, whether a retry may help and the time now."""

    def handler(ctx: Context, actor: Actor, command: FailedCall) -> None:
        post = ctx.load(Post, command.post_id)
        record(
            post, actor, to_platform(command.platform), command.error, command.retryable, ctx.now()
        )

    return handler


def error_text(error: BaseException) -> str:
    """A platform error as a post records it: its message (else its class), cut short."""
    return (str(error).strip() or type(error).__name__)[:MAX_ERROR_TEXT]


def record_failure(
    ctx: Context,
    actor: Actor,
    error: PlatformError,
    post_id: UUID,
    platform: Platform,
    *,
    failure: type[PublishFailedError | TakeDownFailedError],
    record: type[FailedCall],
) -> PlatformError:
    """The ``failure`` to raise for a platform call on ``post_id``'s variant on ``platform``
    that raised ``error``, once ``record`` (the command recording it on the post, in a save
    of its own) ran; a note on the failure says so if it could not."""
    text = error_text(error)
    refused = failure(post_id, platform.value, text, retryable=error.retryable)
    try:
        ctx.execute(actor, record(post_id, platform, error=text, retryable=error.retryable))
    except LibopsError as not_recorded:
        refused.add_note(f"the failure could not be recorded: {not_recorded}")
    return refused

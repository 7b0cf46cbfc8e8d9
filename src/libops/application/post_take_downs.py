"""Retracting a post and taking it down from the platforms it is live on.

:class:`RetractPost` withdraws a post and takes it down at once where its platform's gateway
can (:func:`take_down_gateway`); :class:`TakeDownPost` retries an open take-down (what
``libops tick`` does), :class:`RecordTakeDownFailure` records one that failed and
:class:`ConfirmTakeDown` closes one staff did by hand. :func:`posts_with_open_take_downs`
lists the posts still live although retracted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import attrs

from libops.application.commands import (
    Command,
    Context,
    command,
    handles,
)
from libops.application.dependencies import Dependencies
from libops.application.post_platforms import (
    FailedCall,
    check_unclaimed,
    error_text,
    failure_recorder,
    record_failure,
    withdraw_slots,
)
from libops.application.queries import MAX_LIMIT, Queries
from libops.domain.errors import (
    PlatformError,
    PlatformTimeoutError,
    TakeDownFailedError,
    TakeDownUnsupportedError,
)
from libops.domain.ports import SupportsTakeDown
from libops.domain.post import (
    PlatformStatus,
    Post,
    PostStatus,
)
from libops.domain.values import (
    Actor,
    Platform,
    PublishReceipt,
    to_platform,
)


@command("post.retract")
@attrs.frozen
class RetractPost(Command[None]):
    """Withdraw a post, saying why; its booked slots are freed, and it comes down from
    every platform it is live on.

    Where the platform's gateway can take posts down, libops does so now and records it
    (``Post.TakenDown``); a failure is recorded (``Post.TakeDownFailed``) and ``libops
    tick`` retries it. Elsewhere staff get a take-down task (``Post.TakeDownRequested``,
    by hand) which they close with ``post.confirm_take_down``. Until nothing is live the
    post is ``retracting``, then ``retracted``. A variant whose last publish failed in a way
    that may have gone through is looked for on its platform first, and taken down too if it
    is there. Refused while a run is publishing it.
    """

    post_id: UUID | str
    reason: str


def take_down_gateway(deps: Dependencies, platform: Platform) -> SupportsTakeDown | None:
    """The gateway configured for ``platform`` if it can take posts down, else None."""
    gateway = deps.gateways.get(platform)
    return gateway if isinstance(gateway, SupportsTakeDown) else None


@handles(RetractPost)
def retract_post(ctx: Context, actor: Actor, command: RetractPost) -> None:
    post = ctx.load(Post, command.post_id)
    for platform in post.platforms:  # a variant going out right now would stay live
        check_unclaimed(ctx, post.id, platform, ctx.now())
    if not post.withdrawn:  # (a withdrawn post is refused below)
        _find_lost_publications(ctx, actor, post)
    through = [p for p in post.live_platforms() if take_down_gateway(ctx.deps, p) is not None]
    post.retract(actor, command.reason, through_gateway=through)
    withdraw_slots(ctx, actor, post, post.platforms)
    for platform in through:
        try:
            _take_down_on(ctx, post, platform)
        except PlatformError as error:
            post.record_take_down_failure(
                actor, platform, error_text(error), error.retryable, ctx.now()
            )
        else:
            post.record_taken_down(actor, platform, ctx.now())


def _find_lost_publications(ctx: Context, actor: Actor, post: Post) -> None:
    """Record as published the variants whose last publish failed in a way that may have
    gone through (a lost answer), where the platform has them under the post's key: they
    are live, and must be taken down with the rest. A platform that cannot tell now leaves
    the failure as it is."""
    for platform in post.platforms:
        failure = post.last_failure(platform)
        gateway = ctx.deps.gateways.get(platform)
        if (
            gateway is None
            or failure is None
            or not failure.retryable
            or post.platform_status(platform) is not PlatformStatus.FAILED
        ):
            continue
        try:
            found = gateway.find_published(post.publish_key(platform))
        except (PlatformError, OSError):
            continue
        if isinstance(found, PublishReceipt) and found.platform is platform:
            post.record_published(actor, found)


def _take_down_on(ctx: Context, post: Post, platform: Platform) -> None:
    """Ask ``platform``'s gateway to remove the post; :class:`PlatformError` if it did not.

    Repeating it is safe: a post gone already counts as taken down (the port's promise), so
    a take-down whose answer was lost is simply asked again.
    """
    gateway = take_down_gateway(ctx.deps, platform)
    found = post.take_down(platform)
    if gateway is None or found is None:  # the callers made sure of both
        raise TakeDownUnsupportedError(platform.value)
    try:
        gateway.take_down(found.external_id)
    except OSError as error:  # an adapter that let a socket error through: it may be gone
        raise PlatformTimeoutError(f"{platform.value}: {error}") from error


@command("post.take_down")
@attrs.frozen
class TakeDownPost(Command[datetime]):
    """Take a retracted post down on ``platform`` through its gateway, where its take-down is
    still open (what ``libops tick`` does for each), and return when it was recorded.

    When the platform fails, the failure is recorded on the post and
    :class:`~libops.domain.errors.TakeDownFailedError` is raised; trying again is safe, even
    if the failed call went through (a post gone already counts as taken down). Refused,
    recording nothing, where no take-down is open (:class:`NoTakeDownError`) or no gateway
    that can take posts down is configured for the platform
    (:class:`TakeDownUnsupportedError`: staff confirm it by hand instead).
    """

    post_id: UUID | str
    platform: Platform | str


@handles(TakeDownPost)
def take_down_post(ctx: Context, actor: Actor, command: TakeDownPost) -> datetime:
    platform = to_platform(command.platform)
    post = ctx.load(Post, command.post_id)
    post.check_can_take_down(actor, platform)
    if take_down_gateway(ctx.deps, platform) is None:
        raise TakeDownUnsupportedError(platform.value)
    try:
        _take_down_on(ctx, post, platform)
    except PlatformError as error:
        raise record_failure(
            ctx,
            actor,
            error,
            post.id,
            platform,
            failure=TakeDownFailedError,
            record=RecordTakeDownFailure,
        ) from error
    at = ctx.now()
    post.record_taken_down(actor, platform, at)
    return at


@command("post.record_take_down_failure", requires=("post.take_down",))
@attrs.frozen(kw_only=True)
class RecordTakeDownFailure(FailedCall):
    """Record that a platform failed or refused to take a retracted post down, and why."""


record_take_down_failure = handles(RecordTakeDownFailure)(
    failure_recorder(Post.record_take_down_failure)
)


@command("post.confirm_take_down")
@attrs.frozen(kw_only=True)
class ConfirmTakeDown(Command[None]):
    """Confirm that staff took a retracted post down on ``platform`` by hand: a ``note`` on
    what they did and, if there is one, the ``url`` (http or https) of the evidence.

    Closes the platform's take-down task (``Post.TakeDownConfirmed``); once none is open,
    the post is ``retracted``. Refused, recording nothing, where there is no open take-down
    (a post not retracted, a platform it was not live on, one taken down already).
    """

    post_id: UUID | str = attrs.field(kw_only=False)
    platform: Platform | str = attrs.field(kw_only=False)
    note: str
    url: str | None = None


@handles(ConfirmTakeDown)
def confirm_take_down(ctx: Context, actor: Actor, command: ConfirmTakeDown) -> None:
    post = ctx.load(Post, command.post_id)
    post.confirm_take_down(actor, command.platform, command.note, command.url, now=ctx.now())


def posts_with_open_take_downs(queries: Queries, load: Callable[[UUID], Post]) -> list[Post]:
    """The posts with a take-down still open, each loaded once with ``load``, in the order
    their take-downs were requested (at one time: by post id).

    They are the posts listing's ``retracting`` rows (a post is retracting while any of its
    take-downs is open): one range of the listing's index, caught up with the log first,
    so only open take-downs are read, never every take-down requested so far.
    """
    ids: list[UUID] = []
    cursor = None
    while True:
        page = queries.posts(status=PostStatus.RETRACTING, limit=MAX_LIMIT, cursor=cursor)
        ids += [UUID(row["id"]) for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    posts = [post for post in map(load, ids) if post.open_take_downs()]
    return sorted(posts, key=lambda post: (_first_requested(post), str(post.id)))


def _first_requested(post: Post) -> datetime:
    times = [t.requested_at for t in post.open_take_downs() if t.requested_at is not None]
    return min(times, default=datetime.min.replace(tzinfo=UTC))

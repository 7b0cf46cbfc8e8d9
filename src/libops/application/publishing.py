"""Publishing posts through platform gateways, exactly once, and reading back their metrics.

A platform call cannot be undone or made part of a database transaction, so publishing
relies on the post's stable platform key (``post.publish_key(platform)``): a gateway that
supports idempotency keys absorbs a repeat itself; for one that does not, libops asks
``find_published`` first and publishes only when the platform has nothing under that key.
Either way a retry (after a failure, a lost response, or a lost race with a concurrent
writer) never puts the same post out twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

import attrs

from libops.application.commands import Command, Context, Executes, command, command_method, handles
from libops.application.drafts import load_post
from libops.application.metrics import VoidMetrics
from libops.application.posts import RecordMetrics, find_calendar
from libops.domain.calendar import PlatformCalendar
from libops.domain.errors import (
    LibopsError,
    PlatformError,
    PlatformTimeoutError,
    PublishFailedError,
)
from libops.domain.permissions import authorize
from libops.domain.ports import PlatformGateway
from libops.domain.post import MetricOutcome, PlatformStatus, Post
from libops.domain.values import (
    Actor,
    MetricSnapshot,
    Platform,
    PostVariant,
    PublishReceipt,
    to_platform,
)

_MAX_ERROR_TEXT: Final = 4000
_PLATFORM_ORDER: Final = {platform: index for index, platform in enumerate(Platform)}


@attrs.frozen
class PublishOutcome:
    """What happened to one due post on one platform: its receipt, or the error."""

    post_id: UUID
    platform: Platform
    receipt: PublishReceipt | None = None
    error: str | None = None
    retryable: bool = False

    @property
    def published(self) -> bool:
        """Whether the variant is out (now or already before)."""
        return self.receipt is not None


@attrs.frozen
class MetricsOutcome:
    """What collecting one published variant's metrics did, or why it could not."""

    post_id: UUID
    platform: Platform
    outcome: MetricOutcome | None = None
    snapshot: MetricSnapshot | None = None
    error: str | None = None


def _calendar(ctx: Context, platform: Platform) -> PlatformCalendar | None:
    return ctx.find(PlatformCalendar, PlatformCalendar.id_for(platform))


@command("post.publish")
@attrs.frozen
class PublishPost(Command[PublishReceipt]):
    """Put ``platform``'s variant of an approved post out, once, and return the receipt.

    The publication and the release of the post's calendar slot are saved together.
    When the platform fails, the failure is recorded on the post and
    :class:`PublishFailedError` is raised; publishing again later is safe, even if the
    failed call actually went through (a lost response).
    """

    post_id: UUID | str
    platform: Platform | str


@handles(PublishPost)
def publish_post(ctx: Context, actor: Actor, command: PublishPost) -> PublishReceipt:
    platform = to_platform(command.platform)
    gateway = ctx.deps.gateway(platform)
    post = load_post(ctx, command.post_id)  # its sealed texts opened
    post.check_can_publish(actor, platform)
    variant = post.publishable_variant(platform)
    try:
        # Run again if a concurrent writer saved first: the key makes that harmless.
        receipt = _send(gateway, variant, post.publish_key(platform))
    except PlatformError as error:
        text = _error_text(error)
        failure = PublishFailedError(post.id, platform.value, text, retryable=error.retryable)
        try:
            ctx.execute(
                actor,
                RecordPublishFailure(post.id, platform, error=text, retryable=error.retryable),
            )
        except LibopsError as not_recorded:
            failure.add_note(f"the failure could not be recorded: {not_recorded}")
        raise failure from error
    post.record_published(actor, receipt)
    calendar = _calendar(ctx, platform)
    if calendar is not None:
        calendar.release(post.id, published_at=receipt.published_at, actor=actor)
    return receipt


@command("post.record_publish_failure", requires=("post.publish",))
@attrs.frozen(kw_only=True)
class RecordPublishFailure(Command[None]):
    """Record that a platform refused or failed to publish a post's variant, and why."""

    post_id: UUID | str = attrs.field(kw_only=False)
    platform: Platform | str = attrs.field(kw_only=False)
    error: str
    retryable: bool


@handles(RecordPublishFailure)
def record_publish_failure(ctx: Context, actor: Actor, command: RecordPublishFailure) -> None:
    post = ctx.load(Post, command.post_id)
    post.record_publish_failure(
        actor, to_platform(command.platform), command.error, command.retryable, ctx.now()
    )


class PublishingService(Executes):
    """Publish approved posts on their platforms, publish what is due, collect metrics."""

    publish = command_method(PublishPost)
    void_metrics = command_method(VoidMetrics)

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """The platforms a gateway is registered for."""
        return tuple(self._deps.gateways)

    def gateway(self, platform: Platform | str) -> PlatformGateway:
        """The gateway registered for ``platform``; :class:`NoGatewayError` if none is."""
        return self._deps.gateway(platform)

    def publish_due(self, actor: Actor) -> list[PublishOutcome]:
        """Publish every slot due now on every platform with a gateway, oldest first.

        One failure does not stop the others: each slot gets an outcome. A variant whose
        last failure was not retryable is reported again without calling the platform.
        """
        authorize(actor, "post.publish")
        now = self._app.clock.now()
        due: list[tuple[datetime, int, str, UUID, Platform]] = []
        for platform in self._deps.gateways:
            calendar = find_calendar(self._app, platform)
            if calendar is None:
                continue
            for post_id, at in calendar.due(now):
                due.append((at, _PLATFORM_ORDER[platform], str(post_id), post_id, platform))
        due.sort()
        return [
            self._publish_outcome(actor, post_id, platform)
            for _at, _order, _text, post_id, platform in due
        ]

    def _publish_outcome(self, actor: Actor, post_id: UUID, platform: Platform) -> PublishOutcome:
        try:
            post = self._load(post_id)
            failure = post.last_failure(platform)
            if (
                post.platform_status(platform) is PlatformStatus.FAILED
                and failure is not None
                and not failure.retryable
            ):
                return PublishOutcome(
                    post_id, platform, error=f"not retried: {failure.error}", retryable=False
                )
            receipt = self.publish(actor, post_id, platform)
        except LibopsError as error:
            retryable = isinstance(error, PlatformError) and error.retryable
            return PublishOutcome(post_id, platform, error=str(error), retryable=retryable)
        return PublishOutcome(post_id, platform, receipt=receipt)

    # --- metrics -----------------------------------------------------------------------

    def collect_metrics(
        self, actor: Actor, post_id: UUID | str | None = None
    ) -> list[MetricsOutcome]:
        """Read the current counts of published variants and record them on their posts.

        With ``post_id``, only that post; otherwise every post published so far. Identical
        counts record nothing; a platform that fails gives an outcome with the error.
        """
        authorize(actor, "post.record_metrics")
        posts = (
            [self._load(post_id)]
            if post_id is not None
            else (self._load(pid) for pid in self._published_posts())
        )
        outcomes: list[MetricsOutcome] = []
        for post in posts:
            for platform in post.platforms:
                receipt = post.receipt(platform)
                if post.platform_status(platform) is not PlatformStatus.PUBLISHED or not receipt:
                    continue
                outcomes.append(self._collect(actor, post.id, platform, receipt))
        return outcomes

    def _collect(
        self, actor: Actor, post_id: UUID, platform: Platform, receipt: PublishReceipt
    ) -> MetricsOutcome:
        try:
            snapshot = self.gateway(platform).metrics(receipt.external_id)
            if not isinstance(snapshot, MetricSnapshot) or snapshot.platform is not platform:
                raise PlatformError(
                    f"the {platform.value} gateway answered with {snapshot!r}", retryable=False
                )
            outcome = self._bus.execute(actor, RecordMetrics(post_id, snapshot))
        except LibopsError as error:
            return MetricsOutcome(post_id, platform, error=str(error))
        return MetricsOutcome(post_id, platform, outcome=outcome, snapshot=snapshot)

    def _published_posts(self) -> list[UUID]:
        """Every post with a Published event, in the order they were first published."""
        seen: dict[UUID, None] = {}
        for notification in self._app.notifications(Post.Published.TOPIC):
            originator = notification.originator_id
            seen[originator if isinstance(originator, UUID) else UUID(originator)] = None
        return list(seen)

    def _load(self, post_id: UUID | str) -> Post:
        return self._app.load(Post, post_id)


def _send(gateway: PlatformGateway, variant: PostVariant, key: str) -> PublishReceipt:
    """Publish ``variant`` under ``key`` unless the platform already has it."""
    platform = variant.platform
    try:
        receipt = None if gateway.supports_idempotency_key else gateway.find_published(key)
        if receipt is None:
            receipt = gateway.publish(variant, key)
    except OSError as error:  # an adapter that let a socket error through: it may have gone out
        raise PlatformTimeoutError(f"{platform.value}: {error}") from error
    if not isinstance(receipt, PublishReceipt) or receipt.platform is not platform:
        raise PlatformError(
            f"the {platform.value} gateway answered with {receipt!r}", retryable=False
        )
    return receipt


def _error_text(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:_MAX_ERROR_TEXT]

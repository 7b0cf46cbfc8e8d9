"""Publishing posts through platform gateways, exactly once, and reading back their metrics.

A platform call cannot be undone or made part of a database transaction, so publishing
relies on the post's stable platform key (``post.publish_key(platform)``): a gateway that
supports idempotency keys absorbs a repeat itself; for one that does not, libops asks
``find_published`` first and publishes only when the platform has nothing under that key.
Either way a retry (after a failure, a lost response, or a lost race with a concurrent
writer) never puts the same post out twice.

Two processes publishing the due slots at once (two overlapping scheduled runs) would
both find nothing and both publish, so :meth:`PublishingService.publish_due` first
*claims* each slot (:class:`~libops.domain.claim.PublishClaim`, recorded and saved before
the platform is called): the process that loses the claim leaves the slot alone and
reports it as claimed or done elsewhere. A claim that expired without an outcome (its
holder died half-way) is taken over only after asking the platform whether the post is
already out.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from libops.application.commands import (
    Executes,
    command_method,
)
from libops.application.drafts import get_post
from libops.application.metrics import VoidMetrics
from libops.application.post_platforms import error_text
from libops.application.posts import (
    RecordMetrics,
    TakeDownPost,
    find_calendar,
    posts_with_open_take_downs,
    take_down_gateway,
)
from libops.application.publishing_commands import (
    CLAIM_LEASE,
    ClaimPublication,
    ClaimTicket,
    Handoff,
    PublishPost,
    RecordManualPublication,
    RecordPublishFailure,
    SettlePublication,
    _send,
    claim_publication,
    publish_post,
    record_manual_publication,
    record_publish_failure,
    settle_publication,
)
from libops.application.queries import Queries, queries_of
from libops.domain.errors import (
    AlreadyPublishedError,
    InvalidValueError,
    LibopsError,
    PlatformError,
    PublishClaimedError,
    PublishFailedError,
)
from libops.domain.permissions import authorize
from libops.domain.platforms import profile_of, registered_ids
from libops.domain.ports import PlatformGateway
from libops.domain.post import MetricOutcome, PlatformStatus, Post
from libops.domain.values import (
    Actor,
    MetricSnapshot,
    Platform,
    PublishReceipt,
    to_platform,
)


def _platform_order(platform: Platform) -> int:
    """Where ``platform`` comes in the registry's order (shipped ones first)."""
    return registered_ids().index(platform.value)


class PublishState(enum.Enum):
    """What a run of :meth:`PublishingService.publish_due` did with one due slot."""

    PUBLISHED = "published"
    """This run put the variant out (or found that its own earlier attempt had)."""
    DONE_ELSEWHERE = "done elsewhere"
    """Another process published it first; the receipt is the one recorded."""
    CLAIMED_ELSEWHERE = "claimed elsewhere"
    """Another process is publishing it right now; its outcome will be recorded there."""
    FAILED = "failed"
    """The platform or the store failed; ``error`` says how, ``retryable`` whether to retry."""
    NOT_RETRIED = "not retried"
    """The last failure was final, so the platform was not called again."""


def _state(outcome: PublishOutcome) -> PublishState:
    return PublishState.PUBLISHED if outcome.receipt is not None else PublishState.FAILED


@attrs.frozen
class PublishOutcome:
    """What happened to one due post on one platform: its receipt, or the error."""

    post_id: UUID
    platform: Platform
    receipt: PublishReceipt | None = None
    error: str | None = None
    retryable: bool = False
    state: PublishState = attrs.field(default=attrs.Factory(_state, takes_self=True), kw_only=True)

    @property
    def published(self) -> bool:
        """Whether the variant is out (now or already before, here or elsewhere)."""
        return self.receipt is not None

    @property
    def elsewhere(self) -> bool:
        """Whether another process published or is publishing it (not an error)."""
        return self.state in (PublishState.DONE_ELSEWHERE, PublishState.CLAIMED_ELSEWHERE)


class TakeDownState(enum.Enum):
    """What a run of :meth:`PublishingService.take_down_pending` did with one open take-down."""

    TAKEN_DOWN = "taken down"
    """The gateway took the post down (or found it gone already) and it was recorded."""
    FAILED = "failed"
    """The platform or the store failed; ``error`` says how, ``retryable`` whether to retry."""
    BY_HAND = "by hand"
    """A task for staff: no gateway can take it down, or the platform refused for good."""


@attrs.frozen
class TakeDownOutcome:
    """What happened to one open take-down of a retracted post on one platform."""

    post_id: UUID
    platform: Platform
    state: TakeDownState
    error: str | None = None
    """Why it failed, or (by hand) why staff must take it down."""
    retryable: bool = False


@attrs.frozen
class MetricsOutcome:
    """What collecting one published variant's metrics did, or why it could not."""

    post_id: UUID
    platform: Platform
    outcome: MetricOutcome | None = None
    snapshot: MetricSnapshot | None = None
    error: str | None = None


class PublishingService(Executes):
    """Publish approved posts on their platforms, publish what is due, take retracted posts
    down where they are still live, collect metrics."""

    publish = command_method(PublishPost)
    void_metrics = command_method(VoidMetrics)
    record_manual_publication = command_method(RecordManualPublication)

    queries: Queries | None = None
    """The store's lists, where open take-downs are found (set by :class:`~libops.LibOps`)."""

    def handoff(self, actor: Actor, post_id: UUID | str, platform: Platform | str) -> Handoff:
        """The approved variant of a post for staff to publish by hand on ``platform``.

        The post must be approved and the variant not published yet (the same checks as
        publishing); ``actor`` must be allowed to publish. Nothing is recorded: staff then
        record where it went with :meth:`record_manual_publication`.
        """
        target = to_platform(platform)
        post = get_post(self._app, self._deps, post_id)
        post.check_can_publish(actor, target)
        variant = post.publishable_variant(target)
        name = profile_of(target).name_en
        steps = [f"Open {name} and start a new post on the library's account."]
        steps.append("Paste the text below exactly as it is (do not edit it: it was approved).")
        if variant.media:
            steps.append(
                f"Upload the {len(variant.media)} media file(s) listed, in the order listed."
            )
        if variant.link:
            steps.append(f"Add the link {variant.link}.")
        steps.append("Publish, then copy the published post's address (URL).")
        steps.append(
            f"Record it: libops publish record {post.id} --platform {target.value} --url URL"
        )
        return Handoff(
            post_id=post.id,
            platform=target,
            platform_name=name,
            title=post.title,
            text=variant.text,
            media=variant.media,
            link=variant.link,
            scheduled_at=post.scheduled_at(target),
            checklist=tuple(steps),
        )

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """The platforms a gateway is registered for."""
        return tuple(self._deps.gateways)

    def gateway(self, platform: Platform | str) -> PlatformGateway:
        """The gateway registered for ``platform``; :class:`NoGatewayError` if none is."""
        return self._deps.gateway(platform)

    def publish_due(
        self,
        actor: Actor,
        *,
        claim_for: timedelta = CLAIM_LEASE,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[PublishOutcome]:
        """Publish every slot due now on every platform with a gateway, oldest first.

        Each slot is claimed (recorded) for ``claim_for`` before its platform is called, so
        two runs at once never both publish it: the other run's outcome says
        ``done elsewhere`` or ``claimed elsewhere``, which is not an error. A claim that
        expired without an outcome is taken over after asking the platform whether the
        post is already out. One failure, of the platform or the store, does not stop the
        others: each slot gets an outcome. A variant whose last failure was not retryable
        is reported again without calling the platform. ``progress(done, total)``, if
        given, is called before the first slot and after each one (for a progress bar).
        """
        authorize(actor, "post.publish")
        if not isinstance(claim_for, timedelta) or not (
            timedelta(seconds=1) <= claim_for <= timedelta(days=1)
        ):
            raise InvalidValueError(
                f"claim_for must be a timedelta from 1 second to 1 day, not {claim_for!r}"
            )
        lease_seconds = int(claim_for.total_seconds())
        now = self._app.clock.now()
        due: list[tuple[datetime, int, str, UUID, Platform]] = []
        for platform in self._deps.gateways:
            calendar = find_calendar(self._app, platform)
            if calendar is None:
                continue
            for post_id, at in calendar.due(now):
                due.append((at, _platform_order(platform), str(post_id), post_id, platform))
        due.sort()
        outcomes: list[PublishOutcome] = []
        for _at, _order, _text, post_id, platform in due:
            if progress is not None:
                progress(len(outcomes), len(due))
            outcomes.append(self._publish_outcome(actor, post_id, platform, lease_seconds))
        if progress is not None:
            progress(len(outcomes), len(due))
        return outcomes

    def _publish_outcome(
        self, actor: Actor, post_id: UUID, platform: Platform, lease_seconds: int
    ) -> PublishOutcome:
        try:
            post = get_post(self._app, self._deps, post_id)  # its sealed texts opened
            if post.platform_status(platform) is PlatformStatus.PUBLISHED:
                return self._done_elsewhere(post, platform)
            failure = post.last_failure(platform)
            if (
                post.platform_status(platform) is PlatformStatus.FAILED
                and failure is not None
                and not failure.retryable
            ):
                return PublishOutcome(
                    post_id,
                    platform,
                    error=f"not retried: {failure.error}",
                    retryable=False,
                    state=PublishState.NOT_RETRIED,
                )
            try:
                ticket = self._bus.execute(
                    actor, ClaimPublication(post_id, platform, lease_seconds=lease_seconds)
                )
            except PublishClaimedError as claimed:
                return PublishOutcome(
                    post_id,
                    platform,
                    error=str(claimed),
                    retryable=True,
                    state=PublishState.CLAIMED_ELSEWHERE,
                )
            except AlreadyPublishedError:
                return self._done_elsewhere(self._load(post_id), platform)
            return self._publish_claimed(actor, post, platform, ticket)
        except LibopsError as error:
            retryable = isinstance(error, PlatformError) and error.retryable
            return PublishOutcome(post_id, platform, error=str(error), retryable=retryable)

    def _publish_claimed(
        self, actor: Actor, post: Post, platform: Platform, ticket: ClaimTicket
    ) -> PublishOutcome:
        """Call the platform for a claimed slot and settle the claim with what came of it."""
        gateway = self.gateway(platform)
        variant = post.publishable_variant(platform)
        try:
            # A lapsed claim's holder may have published and died before recording it.
            receipt = _send(gateway, variant, post.publish_key(platform), ask=ticket.lapsed)
        except PlatformError as error:
            text = error_text(error)
            failure = PublishFailedError(post.id, platform.value, text, retryable=error.retryable)
            try:
                self._bus.execute(
                    actor,
                    SettlePublication(
                        post.id, platform, token=ticket.token, error=text, retryable=error.retryable
                    ),
                )
            except AlreadyPublishedError:  # while this run's call failed, another's went out
                return self._done_elsewhere(self._load(post.id), platform)
            return PublishOutcome(post.id, platform, error=str(failure), retryable=error.retryable)
        try:
            recorded = self._bus.execute(
                actor, SettlePublication(post.id, platform, token=ticket.token, receipt=receipt)
            )
        except LibopsError as error:
            # Out on the platform but not recorded: the claim lapses, and the run after
            # that finds the post on the platform instead of publishing it again.
            return PublishOutcome(
                post.id,
                platform,
                error=f"published as {receipt.external_id} but not recorded yet: {error}",
                retryable=True,
            )
        return PublishOutcome(post.id, platform, receipt=recorded or receipt)

    @staticmethod
    def _done_elsewhere(post: Post, platform: Platform) -> PublishOutcome:
        return PublishOutcome(
            post.id,
            platform,
            receipt=post.receipt(platform),
            state=PublishState.DONE_ELSEWHERE,
        )

    # --- taking retracted posts down -----------------------------------------------------

    def take_down_pending(self, actor: Actor) -> list[TakeDownOutcome]:
        """Try every open take-down again where a gateway that can take posts down is now
        configured, and report the others as tasks for staff (by hand).

        A take-down the platform refused for good is not tried again (staff confirm it with
        ``post.confirm_take_down``). Repeating a take-down is safe: a post gone already
        counts as taken down. One failure does not stop the others.
        """
        authorize(actor, "post.take_down")
        outcomes: list[TakeDownOutcome] = []
        for post in posts_with_open_take_downs(queries_of(self.queries), self._load):
            for take_down in post.open_take_downs():
                outcomes.append(self._take_down_one(actor, post, take_down.platform))
        return outcomes

    def _take_down_one(self, actor: Actor, post: Post, platform: Platform) -> TakeDownOutcome:
        take_down = post.take_down(platform)
        assert take_down is not None
        if not take_down.retriable_through_gateway:
            return TakeDownOutcome(post.id, platform, TakeDownState.BY_HAND, take_down.reason)
        if take_down_gateway(self._deps, platform) is None:
            return TakeDownOutcome(post.id, platform, TakeDownState.BY_HAND, take_down.reason)
        try:
            self._bus.execute(actor, TakeDownPost(post.id, platform))
        except LibopsError as error:
            refused = isinstance(error, PlatformError) and not error.retryable
            state = TakeDownState.BY_HAND if refused else TakeDownState.FAILED
            retryable = isinstance(error, PlatformError) and error.retryable
            return TakeDownOutcome(post.id, platform, state, str(error), retryable)
        return TakeDownOutcome(post.id, platform, TakeDownState.TAKEN_DOWN)

    # --- metrics -----------------------------------------------------------------------

    def collect_metrics(
        self,
        actor: Actor,
        post_id: UUID | str | None = None,
        *,
        with_gateway_only: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[MetricsOutcome]:
        """Read the current counts of published variants and record them on their posts.

        With ``post_id``, only that post; otherwise every post published so far. Identical
        counts record nothing; a platform that fails gives an outcome with the error.
        With ``with_gateway_only``, variants on platforms without a gateway (published by
        hand: their figures come from imports) are left out instead of failing.
        ``progress(done, total)``, if given, is called as the posts are gone through.
        """
        authorize(actor, "post.record_metrics")
        ids = [post_id] if post_id is not None else self._published_posts()
        outcomes: list[MetricsOutcome] = []
        for done, one in enumerate(ids):
            if progress is not None:
                progress(done, len(ids))
            post = self._load(one)
            for platform in post.platforms:
                receipt = post.receipt(platform)
                if post.platform_status(platform) is not PlatformStatus.PUBLISHED or not receipt:
                    continue
                if post.taken_down_at(platform) is not None:  # gone: nothing left to read
                    continue
                if with_gateway_only and platform not in self._deps.gateways:
                    continue
                outcomes.append(self._collect(actor, post.id, platform, receipt))
        if progress is not None:
            progress(len(ids), len(ids))
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


__all__ = [
    "CLAIM_LEASE",
    "ClaimPublication",
    "ClaimTicket",
    "Handoff",
    "MetricsOutcome",
    "PublishOutcome",
    "PublishPost",
    "PublishState",
    "PublishingService",
    "RecordManualPublication",
    "RecordPublishFailure",
    "SettlePublication",
    "TakeDownOutcome",
    "TakeDownState",
    "claim_publication",
    "publish_post",
    "record_manual_publication",
    "record_publish_failure",
    "settle_publication",
]

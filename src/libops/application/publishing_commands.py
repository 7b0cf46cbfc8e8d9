"""The publishing commands and their handlers, one save each.

Publishing an approved variant through its platform's gateway (:class:`PublishPost`),
recording a failed attempt (:class:`RecordPublishFailure`), recording one staff published by
hand (:class:`RecordManualPublication`), and the claim a scheduled run takes on a slot
before calling the platform and settles with the outcome (:class:`ClaimPublication`,
:class:`SettlePublication`). :class:`~libops.application.publishing.PublishingService`
offers them as typed methods and runs them for what is due (see its module's docstring on
publishing exactly once).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

import attrs

from libops.application.commands import (
    Command,
    Context,
    command,
    handles,
    stored_result,
)
from libops.application.drafts import load_post
from libops.application.post_platforms import (
    FailedCall,
    check_unclaimed,
    failure_recorder,
    record_failure,
    record_published,
)
from libops.domain.claim import PublishClaim
from libops.domain.errors import (
    InvalidValueError,
    ManualPublicationUrlError,
    PlatformError,
    PlatformTimeoutError,
    PublishFailedError,
)
from libops.domain.ports import PlatformGateway
from libops.domain.post import Post, web_address
from libops.domain.values import (
    Actor,
    Platform,
    PostVariant,
    PublishReceipt,
    require_text,
    to_platform,
)

CLAIM_LEASE: Final = timedelta(minutes=15)
"""How long a claim on a due slot keeps other processes off it (longer than a platform call
can take); after that, without an outcome, the next run asks the platform and takes over."""


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
    check_unclaimed(ctx, post.id, platform, ctx.now())
    variant = post.publishable_variant(platform)
    try:
        # Run again if a concurrent writer saved first: the key makes that harmless.
        receipt = _send(gateway, variant, post.publish_key(platform))
    except PlatformError as error:
        raise record_failure(
            ctx,
            actor,
            error,
            post.id,
            platform,
            failure=PublishFailedError,
            record=RecordPublishFailure,
        ) from error
    record_published(ctx, actor, post, receipt)
    return receipt


@command("post.record_publish_failure", requires=("post.publish",))
@attrs.frozen(kw_only=True)
class RecordPublishFailure(FailedCall):
    """Record that a platform refused or failed to publish a post's variant, and why."""


record_publish_failure = handles(RecordPublishFailure)(
    failure_recorder(Post.record_publish_failure)
)


# --- publishing by hand (issue 11, item 3) ------------------------------------------------


def _manual_url(value: object) -> str:
    """``value`` if it is an http(s) URL with a host, on one line, else a specific error."""
    if not isinstance(value, str) or not value.strip():
        raise ManualPublicationUrlError(
            "a post published by hand is recorded with its address on the platform "
            f"(an http or https URL), not {value!r}"
        )
    url = web_address(value)
    if url is None:
        text = value.strip()
        shown = text if len(text) <= 200 else text[:200] + "..."
        raise ManualPublicationUrlError(
            f"{shown!r} is not the address of a published post: it must be an http or https "
            "URL with a host (copy it from the browser's address bar)"
        )
    return url


@command("post.record_manual_publication", requires=("post.publish",))
@attrs.frozen(kw_only=True)
class RecordManualPublication(Command[PublishReceipt]):
    """Record that staff published an approved post's variant by hand, where they did.

    For platforms or accounts without API access: staff copy the approved variant (see
    :meth:`PublishingService.handoff`), publish it themselves and record the post's ``url``
    (http or https) and, if the platform shows one, its ``external_id`` (else the URL is the
    id). ``published_at`` defaults to now and may not be after it. What went out is the
    approved variant's text and media, as the post's events hold them. Refused, recording
    nothing, for a post not approved, a platform it has no variant for, a variant published
    already (by hand or through a gateway), or while a scheduled run is publishing it.
    """

    post_id: UUID | str = attrs.field(kw_only=False)
    platform: Platform | str = attrs.field(kw_only=False)
    url: str
    external_id: str | None = None
    published_at: datetime | None = None


@handles(RecordManualPublication)
def record_manual_publication(
    ctx: Context, actor: Actor, command: RecordManualPublication
) -> PublishReceipt:
    platform = to_platform(command.platform)
    post = load_post(ctx, command.post_id)  # its sealed texts opened
    post.check_can_publish(actor, platform)
    post.publishable_variant(platform)  # refuses a redacted or unopened text
    url = _manual_url(command.url)
    external_id = url if command.external_id is None else command.external_id
    external_id = require_text("external id", external_id, max_length=2000)
    now = ctx.now()
    at = now if command.published_at is None else command.published_at
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValueError(f"published_at must be a timezone-aware datetime, not {at!r}")
    if at > now:
        raise InvalidValueError(
            f"published_at {at.isoformat()} is after now ({now.isoformat()}): "
            "record a publication once it happened"
        )
    check_unclaimed(ctx, post.id, platform, now)
    receipt = PublishReceipt(platform=platform, external_id=external_id, url=url, published_at=at)
    record_published(ctx, actor, post, receipt)  # a scheduled variant leaves its slot
    return receipt


@attrs.frozen
class Handoff:
    """What staff need to publish one approved variant by hand: the exact text to paste,
    the media to upload (in order), the link, and the steps."""

    post_id: UUID
    platform: Platform
    platform_name: str
    title: str
    text: str
    media: tuple[str, ...]
    link: str | None
    scheduled_at: datetime | None
    checklist: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """The hand-off as JSON-ready data."""
        return {
            "post_id": str(self.post_id),
            "platform": self.platform.value,
            "platform_name": self.platform_name,
            "title": self.title,
            "text": self.text,
            "media": list(self.media),
            "link": self.link,
            "scheduled_at": None if self.scheduled_at is None else self.scheduled_at.isoformat(),
            "checklist": list(self.checklist),
        }


@stored_result("libops.ClaimTicket")
@attrs.frozen
class ClaimTicket:
    """A claim on publishing one post on one platform: its token, and whether it took over
    a claim that expired without an outcome (then the platform must be asked first)."""

    token: str
    lapsed: bool


@command("post.claim_publication", requires=("post.publish",))
@attrs.frozen
class ClaimPublication(Command[ClaimTicket]):
    """Claim publishing an approved post's variant for ``lease_seconds``, before the platform
    is called; :class:`PublishClaimedError` while another process holds the claim."""

    post_id: UUID | str
    platform: Platform | str
    lease_seconds: int = int(CLAIM_LEASE.total_seconds())


@handles(ClaimPublication)
def claim_publication(ctx: Context, actor: Actor, command: ClaimPublication) -> ClaimTicket:
    platform = to_platform(command.platform)
    post = ctx.load(Post, command.post_id)
    post.check_can_publish(actor, platform)
    seconds = command.lease_seconds
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise InvalidValueError(f"lease_seconds must be a whole number, not {seconds!r}")
    lease = timedelta(seconds=seconds)
    token = secrets.token_hex(16)  # fixed by the golden files' randomness, like ids
    claim = ctx.find(PublishClaim, PublishClaim.id_for(post.id, platform))
    if claim is None:
        ctx.add(PublishClaim.claim(actor, post.id, platform, token, now=ctx.now(), lease=lease))
        return ClaimTicket(token, lapsed=False)
    claim.reclaim(actor, token, now=ctx.now(), lease=lease)
    return ClaimTicket(token, lapsed=claim.lapsed)


@command("post.settle_publication", requires=("post.publish",))
@attrs.frozen(kw_only=True)
class SettlePublication(Command[PublishReceipt | None]):
    """Record what came of a claimed publish, with the claim settled in the same save: the
    platform's ``receipt``, or the ``error`` (and whether a retry may help).

    Returns the receipt recorded on the post (an earlier one if the post was already out).
    """

    post_id: UUID | str = attrs.field(kw_only=False)
    platform: Platform | str = attrs.field(kw_only=False)
    token: str
    receipt: PublishReceipt | None = None
    error: str | None = None
    retryable: bool = False


@handles(SettlePublication)
def settle_publication(
    ctx: Context, actor: Actor, command: SettlePublication
) -> PublishReceipt | None:
    platform = to_platform(command.platform)
    if (command.receipt is None) == (command.error is None):
        raise InvalidValueError("a claimed publish is settled with a receipt or an error")
    post = ctx.load(Post, command.post_id)
    claim = ctx.load(PublishClaim, PublishClaim.id_for(post.id, platform))
    token = require_text("claim token", command.token, max_length=100)
    if command.receipt is not None:
        if not isinstance(command.receipt, PublishReceipt) or command.receipt.platform is not (
            platform
        ):
            raise InvalidValueError(f"the receipt must be a {platform.value} PublishReceipt")
        earlier = post.receipt(platform)
        if earlier is None:
            record_published(ctx, actor, post, command.receipt)
        claim.settle(actor, token, "published")
        return earlier or command.receipt
    post.record_publish_failure(actor, platform, str(command.error), command.retryable, ctx.now())
    claim.settle(actor, token, "failed")
    return None


def _send(
    gateway: PlatformGateway, variant: PostVariant, key: str, *, ask: bool = False
) -> PublishReceipt:
    """Publish ``variant`` under ``key`` unless the platform already has it.

    A platform without idempotency keys is always asked first; with ``ask``, every one is
    (a platform's memory of keys may be shorter than the time since the last attempt).
    """
    platform = variant.platform
    try:
        check = ask or not gateway.supports_idempotency_key
        receipt = gateway.find_published(key) if check else None
        if receipt is None:
            receipt = gateway.publish(variant, key)
    except OSError as error:  # an adapter that let a socket error through: it may have gone out
        raise PlatformTimeoutError(f"{platform.value}: {error}") from error
    if not isinstance(receipt, PublishReceipt) or receipt.platform is not platform:
        raise PlatformError(
            f"the {platform.value} gateway answered with {receipt!r}", retryable=False
        )
    return receipt

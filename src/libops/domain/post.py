"""The Post aggregate: one piece of content from draft through review to every platform.

A post is drafted, submitted for review, approved (or sent back for changes) by someone other
than its author, then scheduled, published or failed per platform, and may be retracted.
Metrics arrive per platform as cumulative snapshots. Every event carries the campaign id so
that projections can group by campaign without loading the post.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    AlreadyPublishedError,
    ChecklistIncompleteError,
    InvalidTransitionError,
    InvalidValueError,
    PersonalDataFoundError,
    PlatformNotTargetedError,
    ReviewerIsAuthorError,
    ScheduleInPastError,
    StaleMetricsError,
    VariantLimitError,
)
from libops.domain.permissions import authorize
from libops.domain.review import PERSONAL_DATA
from libops.domain.values import (
    LINE_MAX,
    POST_TEXT_MAX,
    Actor,
    ContentType,
    Finding,
    Format,
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
    ReviewChecklist,
    at_most,
    optional_uuid,
    require_line,
    require_text,
    storable_text,
    to_enum,
    to_platform,
    tuple_of,
    utc_moment,
)


class PostStatus(enum.Enum):
    """Where a post is in its editorial workflow."""

    DRAFTED = "drafted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    RETRACTED = "retracted"


class PlatformStatus(enum.Enum):
    """Where one platform's variant of an approved post is."""

    PENDING = "pending"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"


class MetricOutcome(enum.Enum):
    """What recording a metric snapshot did."""

    RECORDED = "recorded"
    UNCHANGED = "unchanged"
    CORRECTED = "corrected"


_EDITABLE = (PostStatus.DRAFTED, PostStatus.CHANGES_REQUESTED)


@attrs.frozen
class Review:
    """A reviewer's verdict on a post, with the checklist and the automatic findings."""

    reviewer_id: str
    approved: bool
    checklist: ReviewChecklist
    findings: tuple[Finding, ...]
    comments: str


@attrs.frozen
class PublishFailure:
    """The last failed attempt to publish a post's variant on one platform."""

    error: str
    retryable: bool
    at: datetime


# --- validation helpers ----------------------------------------------------------------


def _optional_text(field_name: str, value: object, max_length: int) -> str | None:
    if value is None:
        return None
    return storable_text(field_name, value, max_length=max_length).strip() or None


def _body(value: object) -> str:
    return storable_text("body", value, max_length=POST_TEXT_MAX).strip()


def _media(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise InvalidValueError("media is a list of references, not a single text")
    return tuple(
        require_line("media reference", v, max_length=LINE_MAX) for v in at_most("media", values)
    )


def _campaign_id(value: object) -> UUID | None:
    return optional_uuid("campaign id", value)


_aware = utc_moment


def _checked_variants(
    values: Iterable[PostVariant], limits: Mapping[Platform, PlatformLimits]
) -> tuple[PostVariant, ...]:
    """The variants, one per platform, each within its platform's limits."""
    if isinstance(values, PostVariant):
        values = [values]
    variants = tuple(values)
    if not variants:
        raise InvalidValueError("a post needs at least one platform variant")
    seen: set[Platform] = set()
    for variant in variants:
        if not isinstance(variant, PostVariant):
            raise InvalidValueError(f"variants must be PostVariant values, not {variant!r}")
        if variant.platform in seen:
            raise InvalidValueError(f"two variants for {variant.platform.value}; give one each")
        seen.add(variant.platform)
    if not isinstance(limits, Mapping):
        raise InvalidValueError("limits must map each platform to its PlatformLimits")
    violations: list[str] = []
    for variant in variants:
        platform_limits = limits.get(variant.platform)
        if not isinstance(platform_limits, PlatformLimits):
            raise InvalidValueError(f"no platform limits given for {variant.platform.value}")
        violations += platform_limits.violations(variant)
    if violations:
        raise VariantLimitError(*violations)
    return variants


class Post(Aggregate):
    """A piece of content (news, knowledge or interactive) with one variant per platform."""

    TOPIC = "libops:Post"

    class Event(events.Event):
        """What every event of a post carries: who did it, and the post's campaign."""

        TOPIC = "libops:Post.Event"
        actor_id: str
        campaign_id: UUID | None

    class Drafted(events.Created):
        """A post was drafted."""

        TOPIC = "libops:Post.Drafted"
        actor_id: str
        campaign_id: UUID | None
        title: str
        body: str
        content_type: ContentType
        format: Format
        variants: tuple[PostVariant, ...]
        media: tuple[str, ...]
        source: str | None
        licence: str | None

    class Revised(Event):
        """Parts of a post were rewritten (fields left as None were not; "" clears)."""

        TOPIC = "libops:Post.Revised"
        title: str | None
        body: str | None
        variants: tuple[PostVariant, ...] | None
        media: tuple[str, ...] | None
        source: str | None
        licence: str | None

    class SubmittedForReview(Event):
        """The post was handed to review, with what the automatic checks found in it."""

        TOPIC = "libops:Post.SubmittedForReview"
        findings: tuple[Finding, ...]

    class Approved(Event):
        """A reviewer (not an author) approved the post for publishing."""

        TOPIC = "libops:Post.Approved"
        checklist: ReviewChecklist
        findings: tuple[Finding, ...]
        comments: str

    class ChangesRequested(Event):
        """A reviewer sent the post back to its authors."""

        TOPIC = "libops:Post.ChangesRequested"
        checklist: ReviewChecklist
        findings: tuple[Finding, ...]
        comments: str

    class Scheduled(Event):
        """A platform's variant was booked to go out at a time (UTC)."""

        TOPIC = "libops:Post.Scheduled"
        platform: Platform
        at: datetime

    class Unscheduled(Event):
        """A platform's variant was taken off the schedule."""

        TOPIC = "libops:Post.Unscheduled"
        platform: Platform

    class Published(Event):
        """A platform's variant went out; the receipt says where."""

        TOPIC = "libops:Post.Published"
        receipt: PublishReceipt

    class PublishFailed(Event):
        """Publishing a platform's variant failed."""

        TOPIC = "libops:Post.PublishFailed"
        platform: Platform
        error: str
        retryable: bool
        at: datetime

    class Retracted(Event):
        """The post was withdrawn, with the reason."""

        TOPIC = "libops:Post.Retracted"
        reason: str

    class MetricsRecorded(Event):
        """New cumulative counts for one platform."""

        TOPIC = "libops:Post.MetricsRecorded"
        snapshot: MetricSnapshot

    class MetricsCorrected(Event):
        """Cumulative counts for one platform went down: the platform corrected them."""

        TOPIC = "libops:Post.MetricsCorrected"
        snapshot: MetricSnapshot
        lowered: tuple[str, ...]

    # --- creation ----------------------------------------------------------------------

    @classmethod
    def draft(
        cls,
        actor: Actor,
        *,
        title: str,
        body: str,
        content_type: ContentType | str,
        format: Format | str,
        variants: Iterable[PostVariant],
        limits: Mapping[Platform, PlatformLimits],
        media: Iterable[str] = (),
        source: str | None = None,
        licence: str | None = None,
        campaign_id: UUID | str | None = None,
    ) -> Post:
        """Draft a new post; each variant must fit its platform's ``limits``."""
        authorize(actor, "post.draft")
        return cls(
            actor_id=actor.id,
            campaign_id=_campaign_id(campaign_id),
            title=require_line("title", title),
            body=_body(body),
            content_type=to_enum(ContentType, content_type),
            format=to_enum(Format, format),
            variants=_checked_variants(variants, limits),
            media=_media(media),
            source=_optional_text("source", source, 2000),
            licence=_optional_text("licence", licence, 2000),
        )

    @event(Drafted)
    def __init__(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        title: str,
        body: str,
        content_type: ContentType,
        format: Format,
        variants: tuple[PostVariant, ...],
        media: tuple[str, ...],
        source: str | None,
        licence: str | None,
    ) -> None:
        self.campaign_id = campaign_id
        self.author_id = actor_id
        self.authors: frozenset[str] = frozenset({actor_id})
        self.title = title
        self.body = body
        self.content_type = content_type
        self.format = format
        # Stored events give lists back for tuples: normalise on every load.
        self._variants: dict[Platform, PostVariant] = {v.platform: v for v in variants}
        self.media = tuple(media)
        self.source = source
        self.licence = licence
        self.status = PostStatus.DRAFTED
        self.findings: tuple[Finding, ...] = ()
        self.reviews: tuple[Review, ...] = ()
        self.retraction_reason: str | None = None
        self._platform_status = dict.fromkeys(self._variants, PlatformStatus.PENDING)
        self._scheduled_at: dict[Platform, datetime] = {}
        self._receipts: dict[Platform, PublishReceipt] = {}
        self._failures: dict[Platform, PublishFailure] = {}
        self._metrics: dict[Platform, MetricSnapshot] = {}

    # --- queries -----------------------------------------------------------------------

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """The platforms the post has a variant for, in the order given."""
        return tuple(self._variants)

    @property
    def variants(self) -> tuple[PostVariant, ...]:
        """Every platform variant, in the order given."""
        return tuple(self._variants.values())

    def variant(self, platform: Platform | str) -> PostVariant:
        """The post as adapted to ``platform``."""
        return self._variants[self._targeted(platform)]

    def platform_status(self, platform: Platform | str) -> PlatformStatus:
        """Where ``platform``'s variant is (pending until scheduled or published)."""
        return self._platform_status[self._targeted(platform)]

    def scheduled_at(self, platform: Platform | str) -> datetime | None:
        """When ``platform``'s variant is (or was) booked to go out, in UTC."""
        return self._scheduled_at.get(self._targeted(platform))

    def publish_key(self, platform: Platform | str) -> str:
        """The stable idempotency key for publishing this post on ``platform``."""
        return f"{self.id}:{self._targeted(platform).value}"

    def receipt(self, platform: Platform | str) -> PublishReceipt | None:
        """What the platform answered when the variant went out, if it did."""
        return self._receipts.get(self._targeted(platform))

    def last_failure(self, platform: Platform | str) -> PublishFailure | None:
        """The last failed publishing attempt on ``platform``, if any."""
        return self._failures.get(self._targeted(platform))

    def latest_metrics(self, platform: Platform | str) -> MetricSnapshot | None:
        """The last cumulative counts recorded for ``platform``."""
        return self._metrics.get(self._targeted(platform))

    @property
    def last_review(self) -> Review | None:
        """The most recent review verdict, if any."""
        return self.reviews[-1] if self.reviews else None

    def texts(self) -> list[tuple[str, str]]:
        """Every text readers will see, as ``(where, text)``: title, body, each variant."""
        texts = [("title", self.title), ("body", self.body)]
        texts += [(f"variant:{p.value}", v.text) for p, v in self._variants.items()]
        return texts

    def _targeted(self, platform: Platform | str) -> Platform:
        platform = to_platform(platform)
        if platform not in self._variants:
            raise PlatformNotTargetedError(f"post {self.id} has no variant for {platform.value}")
        return platform

    def _require_status(self, action: str, *allowed: PostStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransitionError("post", action, self.status.value)

    # --- editing -----------------------------------------------------------------------

    def revise(
        self,
        actor: Actor,
        *,
        title: str | None = None,
        body: str | None = None,
        variants: Iterable[PostVariant] | None = None,
        limits: Mapping[Platform, PlatformLimits] | None = None,
        media: Iterable[str] | None = None,
        source: str | None = None,
        licence: str | None = None,
    ) -> None:
        """Rewrite parts of a drafted post or one sent back for changes; the reviser is an author.

        Fields left as None stay; ``source=""`` or ``licence=""`` clears them. New variants
        replace all the old ones and must fit ``limits``.
        """
        authorize(actor, "post.revise")
        self._require_status("revise", *_EDITABLE)
        if variants is not None and limits is None:
            raise InvalidValueError("revised variants need the limits of their platforms")
        changes: dict[str, Any] = {
            "title": None if title is None else require_line("title", title),
            "body": None if body is None else _body(body),
            "variants": (None if variants is None else _checked_variants(variants, limits or {})),
            "media": None if media is None else _media(media),
            "source": None if source is None else _optional_text("source", source, 2000) or "",
            "licence": (
                None if licence is None else _optional_text("licence", licence, 2000) or ""
            ),
        }
        if all(value is None for value in changes.values()):
            raise InvalidValueError("a revision must change at least one thing")
        self._revise(actor_id=actor.id, campaign_id=self.campaign_id, **changes)

    @event(Revised)
    def _revise(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        title: str | None,
        body: str | None,
        variants: tuple[PostVariant, ...] | None,
        media: tuple[str, ...] | None,
        source: str | None,
        licence: str | None,
    ) -> None:
        self.authors = self.authors | {actor_id}
        if title is not None:
            self.title = title
        if body is not None:
            self.body = body
        if variants is not None:
            self._variants = {v.platform: v for v in variants}
            self._platform_status = dict.fromkeys(self._variants, PlatformStatus.PENDING)
        if media is not None:
            self.media = tuple(media)
        if source is not None:
            self.source = source or None
        if licence is not None:
            self.licence = licence or None

    # --- review ------------------------------------------------------------------------

    def submit_for_review(self, actor: Actor, findings: Iterable[Finding] = ()) -> None:
        """Hand the post to review with the automatic checks' ``findings`` on its texts."""
        authorize(actor, "post.submit_for_review")
        self._require_status("submit for review", *_EDITABLE)
        found = tuple_of(Finding, "findings", findings)
        self._submit_for_review(actor_id=actor.id, campaign_id=self.campaign_id, findings=found)

    @event(SubmittedForReview)
    def _submit_for_review(
        self, actor_id: str, campaign_id: UUID | None, findings: tuple[Finding, ...]
    ) -> None:
        self.findings = tuple(findings)
        self.status = PostStatus.IN_REVIEW

    def review(
        self, actor: Actor, checklist: ReviewChecklist, approve: bool, comments: str = ""
    ) -> None:
        """Approve the post or request changes; the reviewer is never one of its authors.

        Approval needs every checklist item confirmed and no personal data found in the
        post; requesting changes needs comments saying what to change.
        """
        authorize(actor, "post.review")
        self._require_status("review", PostStatus.IN_REVIEW)
        if actor.id in self.authors:
            raise ReviewerIsAuthorError(f"{actor.id} wrote or revised post {self.id}")
        if not isinstance(checklist, ReviewChecklist):
            raise InvalidValueError(
                f"a review needs a ReviewChecklist, not {type(checklist).__name__}"
            )
        if not isinstance(approve, bool):
            raise InvalidValueError("approve must be true or false")
        comments = storable_text("comments", comments).strip()
        if approve:
            if not checklist.passed:
                missing = [
                    name
                    for name in ("accuracy", "copyright", "privacy")
                    if not getattr(checklist, name)
                ]
                raise ChecklistIncompleteError(
                    f"cannot approve post {self.id}: not confirmed: {', '.join(missing)}"
                )
            personal = tuple(f for f in self.findings if f.kind in PERSONAL_DATA)
            if personal:
                raise PersonalDataFoundError(
                    f"cannot approve post {self.id}: personal data found ("
                    + ", ".join(f"{f.kind.value} in {f.where}: {f.excerpt}" for f in personal)
                    + ")",
                    personal,
                )
            record = self._approve
        else:
            if not comments:
                raise InvalidValueError("requesting changes needs comments saying what to change")
            record = self._request_changes
        record(
            actor_id=actor.id,
            campaign_id=self.campaign_id,
            checklist=checklist,
            findings=self.findings,
            comments=comments,
        )

    @event(Approved)
    def _approve(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        checklist: ReviewChecklist,
        findings: tuple[Finding, ...],
        comments: str,
    ) -> None:
        self.reviews = (*self.reviews, Review(actor_id, True, checklist, tuple(findings), comments))
        self.status = PostStatus.APPROVED

    @event(ChangesRequested)
    def _request_changes(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        checklist: ReviewChecklist,
        findings: tuple[Finding, ...],
        comments: str,
    ) -> None:
        self.reviews = (
            *self.reviews,
            Review(actor_id, False, checklist, tuple(findings), comments),
        )
        self.status = PostStatus.CHANGES_REQUESTED

    # --- scheduling --------------------------------------------------------------------

    def schedule(
        self, actor: Actor, platform: Platform | str, at: datetime, *, now: datetime
    ) -> None:
        """Book ``platform``'s variant of an approved post to go out at ``at`` (not before now).

        Scheduling again moves the slot; the same time again records nothing.
        """
        authorize(actor, "post.schedule")
        platform = self._targeted(platform)
        self._require_status(f"schedule on {platform.value}", PostStatus.APPROVED)
        self._require_not_published("schedule", platform)
        at = _aware("the scheduled time", at)
        now = _aware("now", now)
        if at < now:
            raise ScheduleInPastError(
                f"cannot schedule post {self.id} on {platform.value} for {at.isoformat()}: "
                f"it is already {now.isoformat()}"
            )
        if (
            self._platform_status[platform] is PlatformStatus.SCHEDULED
            and self._scheduled_at.get(platform) == at
        ):
            return
        self._schedule(actor_id=actor.id, campaign_id=self.campaign_id, platform=platform, at=at)

    @event(Scheduled)
    def _schedule(
        self, actor_id: str, campaign_id: UUID | None, platform: Platform, at: datetime
    ) -> None:
        self._platform_status[platform] = PlatformStatus.SCHEDULED
        self._scheduled_at[platform] = at

    def unschedule(self, actor: Actor, platform: Platform | str) -> None:
        """Take ``platform``'s variant off the schedule (a failed one stays failed)."""
        authorize(actor, "post.unschedule")
        platform = self._targeted(platform)
        self._require_status(f"unschedule on {platform.value}", PostStatus.APPROVED)
        self._require_not_published("unschedule", platform)
        if platform not in self._scheduled_at:
            raise InvalidTransitionError(
                "post", f"unschedule on {platform.value}", f"not scheduled on {platform.value}"
            )
        self._unschedule(actor_id=actor.id, campaign_id=self.campaign_id, platform=platform)

    @event(Unscheduled)
    def _unschedule(self, actor_id: str, campaign_id: UUID | None, platform: Platform) -> None:
        self._scheduled_at.pop(platform, None)
        if self._platform_status[platform] is PlatformStatus.SCHEDULED:
            self._platform_status[platform] = PlatformStatus.PENDING

    def _require_not_published(self, action: str, platform: Platform) -> None:
        if self._platform_status[platform] is PlatformStatus.PUBLISHED:
            raise AlreadyPublishedError(
                "post", f"{action} on {platform.value}", f"already published on {platform.value}"
            )

    # --- publishing --------------------------------------------------------------------

    def check_can_publish(self, actor: Actor, platform: Platform | str) -> None:
        """Raise unless ``actor`` may publish ``platform``'s variant now.

        The post must be approved (not retracted) and the variant not yet published.
        """
        authorize(actor, "post.publish")
        platform = self._targeted(platform)
        self._require_status(f"publish on {platform.value}", PostStatus.APPROVED)
        self._require_not_published("publish", platform)

    def record_published(self, actor: Actor, receipt: PublishReceipt) -> None:
        """Record that a variant went out, with the platform's receipt."""
        if not isinstance(receipt, PublishReceipt):
            raise InvalidValueError(f"a receipt must be a PublishReceipt, not {receipt!r}")
        self.check_can_publish(actor, receipt.platform)
        self._record_published(actor_id=actor.id, campaign_id=self.campaign_id, receipt=receipt)

    @event(Published)
    def _record_published(
        self, actor_id: str, campaign_id: UUID | None, receipt: PublishReceipt
    ) -> None:
        self._platform_status[receipt.platform] = PlatformStatus.PUBLISHED
        self._receipts[receipt.platform] = receipt

    def record_publish_failure(
        self, actor: Actor, platform: Platform | str, error: str, retryable: bool, at: datetime
    ) -> None:
        """Record that publishing a variant failed; it may be published again later."""
        self.check_can_publish(actor, platform)
        platform = to_platform(platform)
        error = require_text("error", error, max_length=4000)
        if not isinstance(retryable, bool):
            raise InvalidValueError("retryable must be true or false")
        at = _aware("the failure time", at)
        self._record_publish_failure(
            actor_id=actor.id,
            campaign_id=self.campaign_id,
            platform=platform,
            error=error,
            retryable=retryable,
            at=at,
        )

    @event(PublishFailed)
    def _record_publish_failure(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        platform: Platform,
        error: str,
        retryable: bool,
        at: datetime,
    ) -> None:
        self._platform_status[platform] = PlatformStatus.FAILED
        self._failures[platform] = PublishFailure(error, retryable, at)

    # --- retraction --------------------------------------------------------------------

    def retract(self, actor: Actor, reason: str) -> None:
        """Withdraw the post, saying why; variants not yet out come off the schedule."""
        authorize(actor, "post.retract")
        if self.status is PostStatus.RETRACTED:
            raise InvalidTransitionError("post", "retract", self.status.value)
        reason = require_text("reason", reason, max_length=2000)
        self._retract(actor_id=actor.id, campaign_id=self.campaign_id, reason=reason)

    @event(Retracted)
    def _retract(self, actor_id: str, campaign_id: UUID | None, reason: str) -> None:
        self.status = PostStatus.RETRACTED
        self.retraction_reason = reason
        for platform, status in self._platform_status.items():
            if status is not PlatformStatus.PUBLISHED:
                self._scheduled_at.pop(platform, None)
            if status is PlatformStatus.SCHEDULED:
                self._platform_status[platform] = PlatformStatus.PENDING

    # --- metrics -----------------------------------------------------------------------

    def record_metrics(self, actor: Actor, snapshot: MetricSnapshot) -> MetricOutcome:
        """Record cumulative counts for a published variant.

        The same counts again record nothing (UNCHANGED); lower counts are recorded as a
        correction (CORRECTED), never silently; a snapshot older than the latest is refused.
        """
        authorize(actor, "post.record_metrics")
        if not isinstance(snapshot, MetricSnapshot):
            raise InvalidValueError(f"metrics must be a MetricSnapshot, not {snapshot!r}")
        platform = self._targeted(snapshot.platform)
        if self._platform_status[platform] is not PlatformStatus.PUBLISHED:
            raise InvalidTransitionError(
                "post",
                f"record metrics on {platform.value}",
                f"{self._platform_status[platform].value} on {platform.value}",
            )
        latest = self._metrics.get(platform)
        if latest is not None:
            if snapshot.same_counts(latest):
                return MetricOutcome.UNCHANGED
            if snapshot.observed_at < latest.observed_at:
                raise StaleMetricsError(
                    f"metrics for post {self.id} on {platform.value} observed at "
                    f"{snapshot.observed_at.isoformat()} are older than the latest "
                    f"({latest.observed_at.isoformat()})"
                )
            lowered = snapshot.lowered(latest)
            if lowered:
                self._correct_metrics(
                    actor_id=actor.id,
                    campaign_id=self.campaign_id,
                    snapshot=snapshot,
                    lowered=tuple(lowered),
                )
                return MetricOutcome.CORRECTED
        self._record_metrics(actor_id=actor.id, campaign_id=self.campaign_id, snapshot=snapshot)
        return MetricOutcome.RECORDED

    @event(MetricsRecorded)
    def _record_metrics(
        self, actor_id: str, campaign_id: UUID | None, snapshot: MetricSnapshot
    ) -> None:
        self._metrics[snapshot.platform] = snapshot

    @event(MetricsCorrected)
    def _correct_metrics(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        snapshot: MetricSnapshot,
        lowered: tuple[str, ...],
    ) -> None:
        self._metrics[snapshot.platform] = snapshot

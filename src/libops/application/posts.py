"""Commands on posts: drafting, review, redaction, scheduling, retraction and metrics.

Every text a post is drafted or revised with is sealed under its revision's own key
(:mod:`libops.application.drafts`); posts are opened again where their texts are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from uuid import UUID

import attrs

from libops.application.bulk_imports import latest_snapshot, stale_from_bulk
from libops.application.commands import (
    Command,
    Context,
    Executes,
    command,
    command_method,
    handles,
    items,
)
from libops.application.dependencies import Dependencies
from libops.application.drafts import (
    destroy_redacted_keys,
    draft_seals,
    get_post,
    load_post,
)
from libops.application.media import post_licence_findings, require_licensed
from libops.application.post_platforms import (
    find_calendar,
    platform_calendar,
    withdraw_slots,
)
from libops.application.post_take_downs import (
    ConfirmTakeDown,
    RecordTakeDownFailure,
    RetractPost,
    TakeDownPost,
    confirm_take_down,
    posts_with_open_take_downs,
    record_take_down_failure,
    retract_post,
    take_down_gateway,
    take_down_post,
)
from libops.application.queries import DEFAULT_LIMIT, Page, Queries, queries_of
from libops.application.review_items import defined_items
from libops.application.sameness import (
    RecentPostTexts,
    SimilarPost,
    recent_post_texts,
    sameness_findings,
    similar_post_id,
)
from libops.domain.cadence import CadencePolicy, CadenceWarning
from libops.domain.calendar import PlatformCalendar
from libops.domain.campaign import Campaign
from libops.domain.errors import (
    StaleMetricsError,
)
from libops.domain.post import (
    ORIGINAL,
    MetricOutcome,
    Post,
    PostStatus,
    TakeDown,
)
from libops.domain.review import scan_texts
from libops.domain.values import (
    Actor,
    ContentType,
    Finding,
    Format,
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    ReviewChecklist,
    to_platform,
)


def variants(values: Iterable[PostVariant] | PostVariant) -> tuple[PostVariant, ...]:
    """A post's variants as a tuple (one variant on its own is accepted too)."""
    if isinstance(values, PostVariant):
        return (values,)
    return items(values)


def optional_variants(
    values: Iterable[PostVariant] | PostVariant | None,
) -> tuple[PostVariant, ...] | None:
    """Like :func:`variants`, but None (leave unchanged) stays None."""
    return None if values is None else variants(values)


def media_list(values: Iterable[str]) -> tuple[str, ...]:
    """Media references as a tuple (a lone string is left for the post to refuse)."""
    return values if isinstance(values, str) else tuple(values)  # type: ignore[return-value]


def optional_media_list(values: Iterable[str] | None) -> tuple[str, ...] | None:
    """Like :func:`media_list`, but None (leave unchanged) stays None."""
    return None if values is None else media_list(values)


def _limits(ctx: Context, of: Iterable[PostVariant]) -> dict[Platform, PlatformLimits]:
    return limits_of(ctx.deps, of)


def limits_of(deps: Dependencies, of: Iterable[PostVariant]) -> dict[Platform, PlatformLimits]:
    """The limits of each variant's platform, from the platform adapters."""
    return {v.platform: deps.limits_for(v.platform) for v in of if isinstance(v, PostVariant)}


@command("post.draft")
@attrs.frozen(kw_only=True)
class DraftPost(Command[UUID]):
    """Draft a post (linked to an existing campaign if given) and return its id."""

    title: str
    body: str
    content_type: ContentType | str
    format: Format | str
    variants: tuple[PostVariant, ...] = attrs.field(converter=variants)
    media: tuple[str, ...] = attrs.field(default=(), converter=media_list)
    source: str | None = None
    licence: str | None = None
    campaign_id: UUID | str | None = None


@handles(DraftPost)
def draft_post(ctx: Context, actor: Actor, command: DraftPost) -> UUID:
    if command.campaign_id is not None:
        ctx.load(Campaign, command.campaign_id)
    post = Post.draft(
        actor,
        limits=_limits(ctx, command.variants),
        sealer=draft_seals(ctx.deps),
        **command.arguments(),
    )
    return ctx.add(post).id


@command("post.revise")
@attrs.frozen(kw_only=True)
class RevisePost(Command[None]):
    """Rewrite parts of a post in draft or sent back for changes ("" clears a source)."""

    post_id: UUID | str = attrs.field(kw_only=False)
    title: str | None = None
    body: str | None = None
    variants: tuple[PostVariant, ...] | None = attrs.field(
        default=None, converter=optional_variants
    )
    media: tuple[str, ...] | None = attrs.field(default=None, converter=optional_media_list)
    source: str | None = None
    licence: str | None = None


@handles(RevisePost)
def revise_post(ctx: Context, actor: Actor, command: RevisePost) -> None:
    limits = None if command.variants is None else _limits(ctx, command.variants)
    post = ctx.load(Post, command.post_id)
    post.revise(actor, limits=limits, sealer=draft_seals(ctx.deps), **command.arguments("post_id"))


@command("post.declare_origin")
@attrs.frozen(kw_only=True)
class DeclareOrigin(Command[None]):
    """Say where a post's content comes from: ``original`` (原创, what a post is until it
    says otherwise) or ``reposted`` (转载), and the library's own post it was made from
    (``derived_from``: reused content, 复用), which must exist and not be the post itself."""

    post_id: UUID | str = attrs.field(kw_only=False)
    origin: str = ORIGINAL
    derived_from: UUID | str | None = None


@handles(DeclareOrigin)
def declare_origin(ctx: Context, actor: Actor, command: DeclareOrigin) -> None:
    post = ctx.load(Post, command.post_id)
    if command.derived_from is not None and str(command.derived_from) != str(post.id):
        ctx.load(Post, command.derived_from)
    post.declare_origin(actor, command.origin, command.derived_from)


@command("post.submit_for_review")
@attrs.frozen
class SubmitForReview(Command[tuple[Finding, ...]]):
    """Hand a post to review; returns (and records) what the automatic checks found.

    Besides personal data and sensitive words, the sameness check names the account's
    recent posts the draft is close to (``similar_post`` findings: docs/sameness.md), and
    the media library's check names the assets it uses without a licence valid for its
    platforms today (``media_unknown``, ``media_withdrawn``, ``licence_expired``,
    ``licence_platform``: docs/media.md).
    """

    post_id: UUID | str


@handles(SubmitForReview)
def submit_for_review(ctx: Context, actor: Actor, command: SubmitForReview) -> tuple[Finding, ...]:
    post = load_post(ctx, command.post_id)
    findings = tuple(scan_texts(post.texts(), ctx.deps.sensitive_words))
    findings += sameness_findings(ctx.app, ctx.deps, post, ctx.now())
    findings += post_licence_findings(ctx.app, post, ctx.deps.today())
    post.submit_for_review(actor, findings)
    return findings


@command("post.review")
@attrs.frozen(kw_only=True)
class ReviewPost(Command[None]):
    """Approve a post in review, or send it back with comments (never by an author).

    Sending it back with personal data found in it redacts the revisions the data is in:
    their keys are destroyed once the review is saved. Their other texts still in use, in
    which no personal data is found, are kept (sealed again under a new key).
    """

    post_id: UUID | str = attrs.field(kw_only=False)
    checklist: ReviewChecklist = attrs.field(kw_only=False)
    approve: bool
    comments: str = ""
    answers: Mapping[str, str] | None = None
    """The answers to the checklist items the library added (``review.define_item``), by
    key: ``checked``, ``not_checked`` or ``not_applicable``; every item must be answered."""


@handles(ReviewPost)
def review_post(ctx: Context, actor: Actor, command: ReviewPost) -> None:
    post = load_post(ctx, command.post_id)  # what is kept from a redaction is sealed again
    items = [item.key for item in defined_items(ctx.app)]
    post.review(actor, sealer=draft_seals(ctx.deps), items=items, **command.arguments("post_id"))
    if command.approve:  # licences are checked again: one may have expired meanwhile
        require_licensed(ctx.app, post, ctx.deps.today(), "approve")
    destroy_redacted_keys(ctx, post)


@command("post.redact")
@attrs.frozen
class RedactPost(Command[bool]):
    """Destroy the texts of one revision of a post for good, saying why.

    The revision's key is destroyed once the ``Post.Redacted`` event is saved; its texts
    then read ``[redacted]``. True if recorded now, False if it was redacted before
    (nothing new is recorded, and the key is made sure to be gone). Published text is
    never redacted.
    """

    post_id: UUID | str
    revision: int
    reason: str


@handles(RedactPost)
def redact_post(ctx: Context, actor: Actor, command: RedactPost) -> bool:
    post = ctx.load(Post, command.post_id)
    recorded = post.redact(actor, command.revision, command.reason)
    destroy_redacted_keys(ctx, post, command.revision)
    return recorded


@command("post.schedule")
@attrs.frozen
class SchedulePost(Command[tuple[CadenceWarning, ...]]):
    """Book an approved post's variant on ``platform`` for ``at``; returns cadence warnings.

    A time before now is refused. With an enforcing cadence policy, going over a
    platform's maximum is refused too; otherwise it comes back as a warning.
    """

    post_id: UUID | str
    platform: Platform | str
    at: datetime


@handles(SchedulePost)
def schedule_post(ctx: Context, actor: Actor, command: SchedulePost) -> tuple[CadenceWarning, ...]:
    post = ctx.load(Post, command.post_id)
    post.schedule(actor, command.platform, command.at, now=ctx.now())
    target = to_platform(command.platform)
    day = ctx.deps.cadence.local_day(command.at)
    require_licensed(ctx.app, post, day, "schedule", target)
    calendar = platform_calendar(ctx, target) or ctx.add(PlatformCalendar.open(actor, target))
    warnings = ctx.deps.cadence.check(target, command.at, calendar.occupied(excluding=post.id))
    calendar.book(actor, post.id, command.at)
    return tuple(warnings)


@command("post.unschedule")
@attrs.frozen
class UnschedulePost(Command[None]):
    """Take a post's variant on ``platform`` off the schedule."""

    post_id: UUID | str
    platform: Platform | str


@handles(UnschedulePost)
def unschedule_post(ctx: Context, actor: Actor, command: UnschedulePost) -> None:
    post = ctx.load(Post, command.post_id)
    post.unschedule(actor, command.platform)
    withdraw_slots(ctx, actor, post, [to_platform(command.platform)])


@command("post.record_metrics")
@attrs.frozen
class RecordMetrics(Command[MetricOutcome]):
    """Record cumulative counts for a published variant; says what it did.

    A snapshot observed further ahead of libops's clock than the configured margin
    (``LibOps.open(metrics_future_margin=...)``, 10 minutes by default) is refused.
    """

    post_id: UUID | str
    snapshot: MetricSnapshot


@handles(RecordMetrics)
def record_metrics(ctx: Context, actor: Actor, command: RecordMetrics) -> MetricOutcome:
    post = ctx.load(Post, command.post_id)
    margin = ctx.deps.metrics_future_margin
    snapshot = command.snapshot
    latest = None  # a bulk import's later snapshot counts too (docs/import.md)
    if isinstance(snapshot, MetricSnapshot) and snapshot.platform in post.platforms:
        latest = latest_snapshot(ctx.app, post, snapshot.platform)
    try:
        return post.record_metrics(actor, snapshot, now=ctx.now(), margin=margin, latest=latest)
    except StaleMetricsError as stale:  # a bulk import's latest: say what to do
        raise stale_from_bulk(ctx.app, post, snapshot, stale) from None


class PostService(Executes):
    """Draft, revise, review, schedule and retract posts, and record their metrics."""

    draft = command_method(DraftPost)
    revise = command_method(RevisePost)
    declare_origin = command_method(DeclareOrigin)
    submit_for_review = command_method(SubmitForReview)
    review = command_method(ReviewPost)
    redact = command_method(RedactPost)
    schedule = command_method(SchedulePost)
    unschedule = command_method(UnschedulePost)
    retract = command_method(RetractPost)
    take_down = command_method(TakeDownPost)
    confirm_take_down = command_method(ConfirmTakeDown)
    record_metrics = command_method(RecordMetrics)

    def open_take_downs(self) -> list[tuple[UUID, TakeDown]]:
        """Every take-down not done yet, as ``(post_id, take_down)``, in the order they were
        requested: the posts still live on a platform although they were retracted."""
        posts = posts_with_open_take_downs(queries_of(self.queries), self._load)
        return [(post.id, take_down) for post in posts for take_down in post.open_take_downs()]

    def retracting(self) -> list[Post]:
        """The posts with a take-down not done yet (``post.open_take_downs()``), opened as
        :meth:`get` opens them, in the order their take-downs were requested."""
        return posts_with_open_take_downs(queries_of(self.queries), self.get)

    def _load(self, post_id: UUID) -> Post:
        return self._app.load(Post, post_id)

    @property
    def cadence(self) -> CadencePolicy:
        """The posting-frequency policy schedules are checked against."""
        return self._deps.cadence

    @property
    def sensitive_words(self) -> tuple[str, ...]:
        """The words the automatic review looks for."""
        return self._deps.sensitive_words

    @property
    def sameness(self) -> RecentPostTexts:
        """The sameness check's index of recent post texts; ``.settings`` (a
        :class:`~libops.application.sameness.SamenessSettings`) may be replaced to change
        its threshold, window or number of posts named."""
        return recent_post_texts(self._app)

    def similar(self, post_id: UUID | str) -> list[SimilarPost]:
        """The recent posts the post's latest submission for review found it close to, the
        most similar first, with their titles now (``[redacted]`` if redacted since)."""
        post = self.get(post_id)
        found = []
        for finding in post.findings:
            similar_id = similar_post_id(finding)
            if similar_id is not None:
                title = self.get(similar_id).title
                found.append(SimilarPost(similar_id, title, int(finding.excerpt)))
        return found

    def latest_metrics(
        self, post_id: UUID | str, platform: Platform | str
    ) -> MetricSnapshot | None:
        """The post's latest metric snapshot on ``platform``, whichever import path recorded
        it (its own snapshots or a bulk import's: ``Post.latest_metrics`` knows only its
        own), None if it has none."""
        return latest_snapshot(self._app, self.get(post_id), platform)

    def get(self, post_id: UUID | str) -> Post:
        """The post's current state (a fresh copy; changing it changes nothing stored).

        Its sealed texts are opened (held in memory only); redacted ones read ``[redacted]``.
        """
        return get_post(self._app, self._deps, post_id)

    def calendar(self, platform: Platform | str) -> list[tuple[UUID, datetime]]:
        """Every post booked on ``platform`` as ``(post_id, at)``, earliest first."""
        calendar = find_calendar(self._app, platform)
        return [] if calendar is None else calendar.slots()

    def limits(self, variants: Iterable[PostVariant]) -> dict[Platform, PlatformLimits]:
        """The limits of each variant's platform, from the platform adapters."""
        return limits_of(self._deps, variants)

    # Queries (issue 15): answered from the indexed posts listing (docs/queries.md).
    queries: Queries | None = None
    """The store's lists (set by :class:`~libops.LibOps` when it opens the store)."""

    def list(
        self,
        *,
        status: PostStatus | str | None = None,
        platform: Platform | str | None = None,
        campaign_id: UUID | str | None = None,
        published_after: datetime | str | None = None,
        published_before: datetime | str | None = None,
        order: str = "-published_at",
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """A page of posts: by ``status``, ``platform`` (posts with a variant for it),
        ``campaign_id`` and publish time (at or after ``published_after``, before
        ``published_before``: published posts only), ordered by publish time
        (``"-published_at"``, latest first, or ``"published_at"``), ``limit`` rows (1 to
        200) from ``cursor`` (the ``next_cursor`` of the page before)."""
        return queries_of(self.queries).posts(
            status=status,
            platform=platform,
            campaign_id=campaign_id,
            published_after=published_after,
            published_before=published_before,
            order=order,
            limit=limit,
            cursor=cursor,
        )

    def review_queue(
        self, person: Actor | str, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
    ) -> Page:
        """The posts waiting for review that ``person`` (an Actor who reviews, or a person's
        id) may review, oldest first: never the posts they wrote or revised."""
        return queries_of(self.queries).review_queue(person, limit=limit, cursor=cursor)


__all__ = [
    "ConfirmTakeDown",
    "DeclareOrigin",
    "DraftPost",
    "PostService",
    "RecordMetrics",
    "RecordTakeDownFailure",
    "RedactPost",
    "RetractPost",
    "ReviewPost",
    "RevisePost",
    "SchedulePost",
    "SubmitForReview",
    "TakeDownPost",
    "UnschedulePost",
    "confirm_take_down",
    "declare_origin",
    "draft_post",
    "find_calendar",
    "limits_of",
    "media_list",
    "optional_media_list",
    "optional_variants",
    "posts_with_open_take_downs",
    "record_metrics",
    "record_take_down_failure",
    "redact_post",
    "retract_post",
    "review_post",
    "revise_post",
    "schedule_post",
    "submit_for_review",
    "take_down_gateway",
    "take_down_post",
    "unschedule_post",
    "variants",
]

"""The Post aggregate: one piece of content from draft through review to every platform.

A post is drafted, submitted for review, approved (or sent back for changes) by someone other
than its author, then scheduled, published or failed per platform, and may be retracted:
then it is taken down on every platform it is live on (through the gateway, or by staff who
confirm it), and it reads ``retracting`` until it is live nowhere. Metrics arrive per
platform as cumulative snapshots. Every event carries the campaign id so that projections can
group by campaign without loading the post.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.drafts import (
    REDACTED_TEXT,
    SEALED_TEXT,
    DraftSealer,
    Redaction,
    revision_number,
)
from libops.domain.errors import (
    AlreadyPublishedError,
    ChecklistIncompleteError,
    DraftTextUnavailableError,
    FutureMetricsError,
    InvalidTransitionError,
    InvalidValueError,
    NoTakeDownError,
    PersonalDataFoundError,
    PlatformNotTargetedError,
    PublishedRevisionError,
    RedactedTextError,
    ReusedItselfError,
    ReviewerIsAuthorError,
    RevisionNotSealedError,
    ScheduleInPastError,
    StaleMetricsError,
    TakeDownUrlError,
    UnknownMetricSnapshotError,
    UnknownRevisionError,
    VariantLimitError,
)
from libops.domain.permissions import authorize
from libops.domain.review import (
    BUILT_IN_ITEMS,
    PERSONAL_DATA,
    ItemAnswer,
    item_answers,
    scan_text,
    unconfirmed_items,
)
from libops.domain.validation import reason_text
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

ORIGINAL: Final = "original"
"""A post's content made by the library itself (原创): what a post is until it says otherwise."""

REPOSTED: Final = "reposted"
"""A post's content taken from another source, with its permission (转载)."""

ORIGINS: Final = (ORIGINAL, REPOSTED)
"""The origins a post may declare."""


class PostStatus(enum.Enum):
    """Where a post is in its editorial workflow."""

    DRAFTED = "drafted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    RETRACTING = "retracting"
    """Withdrawal decided, but the post is still live on a platform: a take-down is open
    there (through its gateway, or a task for staff) until it is taken down or confirmed."""
    RETRACTED = "retracted"
    """Withdrawn, and live on no platform."""


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

DEFAULT_FUTURE_MARGIN: Final = timedelta(minutes=10)
"""How far ahead of libops's clock a metric snapshot may be observed (clocks drift a little;
a mistyped year does not pass)."""

MAX_FUTURE_MARGIN: Final = timedelta(days=7)
"""The widest margin that can be configured (a simulation or a far-off time zone)."""

VOIDABLE_SNAPSHOTS: Final = 50
"""How many of the latest valid metric snapshots per platform a post keeps, so that a wrong
one among them can be voided and the one before it becomes the latest again."""

VOID_REASON_MAX: Final = 2000
"""The longest reason for voiding a metric snapshot, in characters."""


def future_margin(value: object) -> timedelta:
    """``value`` as a margin for metric snapshots ahead of the clock (0 to 7 days)."""
    if not isinstance(value, timedelta):
        raise InvalidValueError(
            f"the metrics future margin must be a timedelta, not {type(value).__name__}"
        )
    if value < timedelta(0) or value > MAX_FUTURE_MARGIN:
        raise InvalidValueError(
            f"the metrics future margin must be between 0 and 7 days, not {value}"
        )
    return value


@attrs.frozen
class Review:
    """A reviewer's verdict on a post, with the checklist and the automatic findings."""

    reviewer_id: str
    approved: bool
    checklist: ReviewChecklist
    findings: tuple[Finding, ...]
    comments: str
    answers: Mapping[str, str] = attrs.field(factory=dict)
    """The answers to the checklist items the library added, by key (issue 17)."""


@attrs.frozen
class PublishFailure:
    """The last failed attempt to publish a post's variant on one platform."""

    error: str
    retryable: bool
    at: datetime
    attempts: int = 1
    """How many attempts on that platform failed so far (this one included): worked out
    from the post's ``PublishFailed`` events as they are applied (no event carries it)."""


@attrs.frozen
class TakeDown:
    """Taking a retracted post down on one platform where it was live.

    ``by_hand``: staff are to take it down and confirm it (no gateway could, or the platform
    refused for good: ``reason`` says which); otherwise libops takes it down through the
    platform's gateway, and ``libops tick`` retries a failure that may pass.
    """

    platform: Platform
    external_id: str
    by_hand: bool
    reason: str
    error: str | None = None
    """The last failed attempt through the gateway, if any."""
    retryable: bool = True
    """Whether that failure may pass on a retry (False: only staff can take it down)."""
    done_at: datetime | None = None
    """When the post was taken down (gateway) or staff confirmed it; None while open."""
    confirmed_by: str | None = None
    """Who confirmed taking it down by hand (None: taken down through the gateway)."""
    note: str | None = None
    url: str | None = None
    requested_at: datetime | None = None
    """When it was requested (the time of its ``TakeDownRequested`` event)."""

    @property
    def open(self) -> bool:
        """Whether the post may still be live there."""
        return self.done_at is None

    @property
    def retriable_through_gateway(self) -> bool:
        """Whether libops may (still) try it through a gateway: open and not refused for good."""
        return self.open and self.retryable


TAKE_DOWN_NOTE_MAX: Final = 2000
"""The longest note confirming a take-down by hand, in characters."""


WEB_ADDRESS_MAX: Final = 2_000
"""The longest web address a post's record holds (a publication's, a take-down's)."""


def web_address(value: object) -> str | None:
    """``value`` without surrounding spaces if it is an http or https URL with a host, on
    one line, of at most :data:`WEB_ADDRESS_MAX` characters; else None (each caller refuses
    it with an error of its own)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > WEB_ADDRESS_MAX or not text.isprintable() or " " in text:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # an unbalanced [ in the host, say
        return None
    return text if parts.scheme in ("http", "https") and parts.hostname else None


def _take_down_url(value: object) -> str | None:
    """An http(s) address of the evidence of a take-down, or None."""
    if value is None:
        return None
    text = web_address(value)
    if text is None:
        shown = repr(value)[:200]
        raise TakeDownUrlError(
            f"a take-down is confirmed with an http or https address (or none), not {shown}"
        )
    return text


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


def _receipt(value: object) -> PublishReceipt:
    if not isinstance(value, PublishReceipt):
        raise InvalidValueError(f"a receipt must be a PublishReceipt, not {value!r}")
    return value


def _failure(error: object, retryable: object, at: object) -> tuple[str, bool, datetime]:
    """A failed attempt's error, whether a retry may pass, and its time (in UTC): checked
    alike for publishing and for taking down."""
    text = require_text("error", error, max_length=4000)
    if not isinstance(retryable, bool):
        raise InvalidValueError("retryable must be true or false")
    return text, retryable, _aware("the failure time", at)


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


def _leave_out_when_none(event: object, name: str) -> None:
    """Store no ``name`` when it is None: events in clear keep the form they had before
    drafts were sealed, byte for byte (the class default, None, reads it back)."""
    if vars(event).get(name, 0) is None:
        del vars(event)[name]


def variant_field(platform: Platform) -> str:
    """The name of the text of ``platform``'s variant among a post's texts (``variant:weibo``)."""
    return f"variant:{platform.value}"


def _variant_texts(variants: Iterable[PostVariant]) -> dict[str, str | None]:
    return {variant_field(v.platform): v.text for v in variants}


def _sealed_for(
    sealer: DraftSealer, post_id: UUID, revision: int, texts: Mapping[str, str | None]
) -> dict[str, str]:
    """The non-empty ``texts`` sealed under the revision's key, by field name."""
    wanted = {field: text for field, text in texts.items() if text}
    sealed = dict(sealer.seal(post_id, revision, wanted))
    if set(sealed) != set(wanted) or not all(isinstance(v, str) for v in sealed.values()):
        raise InvalidValueError("the draft sealer must seal every text it is given, as text")
    return sealed


def _placeholders(texts: Mapping[str, str | None], sealed: Mapping[str, str]) -> dict[str, Any]:
    """``texts`` as a sealed event stores them: :data:`SEALED_TEXT` where a text was sealed."""
    return {field: SEALED_TEXT if field in sealed else text for field, text in texts.items()}


class Post(Aggregate):
    """A piece of content (news, knowledge or interactive) with one variant per platform.

    Its texts (title, body, source, licence, each variant's text) are sealed per revision
    when the application records them (see :mod:`libops.domain.drafts`). Opened texts are
    held in memory only, in a slot that neither events nor snapshots carry.
    """

    TOPIC = "libops:Post"
    __slots__ = ("_opened",)

    origin: str = ORIGINAL
    """``original`` (原创) or ``reposted`` (转载): see :meth:`declare_origin`. A class default,
    so posts recorded (and snapshots taken) before origins existed read as original."""
    derived_from: UUID | None = None
    """The library's own post this one was made from (reused content), or None."""
    external: bool = False
    """Whether the post was published outside libops and recorded from an analytics export
    (:meth:`record_external`)."""

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
        sealed: dict[str, str] | None = None
        """The texts sealed under revision 1's key, by field name (``title``, ``body``,
        ``source``, ``licence``, ``variant:<platform>``); each such text above reads
        :data:`~libops.domain.drafts.SEALED_TEXT`. None (or absent, in events recorded
        before drafts were sealed): every text above is in clear."""

        def __post_init__(self) -> None:
            _leave_out_when_none(self, "sealed")

    class Revised(Event):
        """Parts of a post were rewritten (fields left as None were not; "" clears)."""

        TOPIC = "libops:Post.Revised"
        title: str | None
        body: str | None
        variants: tuple[PostVariant, ...] | None
        media: tuple[str, ...] | None
        source: str | None
        licence: str | None
        sealed: dict[str, str] | None = None
        """The texts sealed under this revision's key (the revision is the event's version),
        as in :attr:`Post.Drafted.sealed`."""

        def __post_init__(self) -> None:
            _leave_out_when_none(self, "sealed")

    class Redacted(Event):
        """The key of one revision was destroyed: its texts can be read by no one, ever."""

        TOPIC = "libops:Post.Redacted"
        revision: int
        reason: str
        kept: dict[str, str] | None = None
        """Texts of the revision still in use in which the review found no personal data,
        sealed again under the key of this event's version (which makes it a revision), so
        that they outlive the destroyed key; None: none kept."""

        def __post_init__(self) -> None:
            _leave_out_when_none(self, "kept")

    class OriginDeclared(Event):
        """Where the post's content comes from: made by the library (``original``, 原创) or
        reposted from another source (``reposted``, 转载), and the library's own post it was
        made from (reused, 复用), if any."""

        TOPIC = "libops:Post.OriginDeclared"
        origin: str
        derived_from: UUID | None

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
        answers: dict[str, str] | None = None
        """The answers to the checklist items the library added (issue 17), by key; None
        (left out of the stored event) when the library added none."""

        def __post_init__(self) -> None:
            _leave_out_when_none(self, "answers")

    class ChangesRequested(Event):
        """A reviewer sent the post back to its authors."""

        TOPIC = "libops:Post.ChangesRequested"
        checklist: ReviewChecklist
        findings: tuple[Finding, ...]
        comments: str
        answers: dict[str, str] | None = None
        """As in :attr:`Post.Approved.answers`."""

        def __post_init__(self) -> None:
            _leave_out_when_none(self, "answers")

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

    class TakeDownRequested(Event):
        """A retracted post is live on a platform and is to be taken down there.

        Recorded with :class:`Retracted`, one per platform the post is live on (a store
        whose ``Retracted`` events have none recorded them before take-downs existed).
        ``by_hand``: a task for staff, ``reason`` saying why; else through the gateway.
        """

        TOPIC = "libops:Post.TakeDownRequested"
        platform: Platform
        external_id: str
        by_hand: bool
        reason: str

    class TakenDown(Event):
        """The platform's gateway confirmed the post is gone from the platform."""

        TOPIC = "libops:Post.TakenDown"
        platform: Platform
        external_id: str
        at: datetime

    class TakeDownFailed(Event):
        """Taking the post down through the gateway failed; not ``retryable``: staff must."""

        TOPIC = "libops:Post.TakeDownFailed"
        platform: Platform
        error: str
        retryable: bool
        at: datetime

    class TakeDownConfirmed(Event):
        """Staff confirmed they took the post down on the platform by hand."""

        TOPIC = "libops:Post.TakeDownConfirmed"
        platform: Platform
        external_id: str
        note: str
        url: str | None
        at: datetime

    class MetricsRecorded(Event):
        """New cumulative counts for one platform."""

        TOPIC = "libops:Post.MetricsRecorded"
        snapshot: MetricSnapshot

    class MetricsCorrected(Event):
        """Cumulative counts for one platform went down: the platform corrected them."""

        TOPIC = "libops:Post.MetricsCorrected"
        snapshot: MetricSnapshot
        lowered: tuple[str, ...]

    class MetricsVoided(Event):
        """A recorded snapshot was wrong (a mistyped date, a bad export) and no longer counts.

        ``voided`` is the snapshot withdrawn; ``latest`` the platform's latest valid snapshot
        after it (None: none is left), which is what projections show from now on.
        """

        TOPIC = "libops:Post.MetricsVoided"
        voided: MetricSnapshot
        latest: MetricSnapshot | None
        reason: str

    class RecordedExternally(Event):
        """The post was published outside libops and found in an analytics export: it is
        taken as approved (its review happened elsewhere); a Published event follows."""

        TOPIC = "libops:Post.RecordedExternally"

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
        sealer: DraftSealer | None = None,
    ) -> Post:
        """Draft a new post; each variant must fit its platform's ``limits``.

        With a ``sealer`` (the application always gives one) the texts are sealed under
        the draft's own key and the event stores none of them in clear.
        """
        authorize(actor, "post.draft")
        return cls._start(
            actor,
            title=title,
            body=body,
            content_type=content_type,
            format=format,
            variants=variants,
            limits=limits,
            media=media,
            source=source,
            licence=licence,
            campaign_id=campaign_id,
            sealer=sealer,
        )

    @classmethod
    def record_external(
        cls,
        actor: Actor,
        *,
        title: str,
        body: str,
        receipt: PublishReceipt,
        limits: PlatformLimits,
        content_type: ContentType | str = ContentType.NEWS,
        format: Format | str = Format.IMAGE_TEXT,
        sealer: DraftSealer | None = None,
    ) -> Post:
        """A post published outside libops (by hand, or before libops was used), found in an
        analytics export: drafted with its one platform's variant, marked as recorded
        externally (no review in libops) and published with ``receipt``, in one go."""
        authorize(actor, "post.record_external")
        receipt = _receipt(receipt)
        # Its media stayed on the platform: libops does not ask for them.
        limits = attrs.evolve(limits, requires_media=False)
        text = require_line("title", title)
        post = cls._start(
            actor,
            title=text,
            body=body or text,
            content_type=content_type,
            format=format,
            variants=(
                PostVariant(receipt.platform, text=(body or text)[: limits.max_text_length]),
            ),
            limits={receipt.platform: limits},
            sealer=sealer,
        )
        post._record_externally(actor_id=actor.id, campaign_id=None)
        post._record_published(actor_id=actor.id, campaign_id=None, receipt=receipt)
        return post

    @classmethod
    def _start(
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
        sealer: DraftSealer | None = None,
    ) -> Post:
        checked = _checked_variants(variants, limits)
        texts: dict[str, str | None] = {
            "title": require_line("title", title),
            "body": _body(body),
            "source": _optional_text("source", source, 2000),
            "licence": _optional_text("licence", licence, 2000),
            **_variant_texts(checked),
        }
        post_id = uuid4()
        sealed = None if sealer is None else _sealed_for(sealer, post_id, 1, texts)
        stored = _placeholders(texts, sealed or {})
        post = cls._create(
            cls.Drafted,
            id=post_id,
            actor_id=actor.id,
            campaign_id=_campaign_id(campaign_id),
            title=stored["title"],
            body=stored["body"],
            content_type=to_enum(ContentType, content_type),
            format=to_enum(Format, format),
            variants=tuple(
                attrs.evolve(v, text=stored[variant_field(v.platform)]) for v in checked
            ),
            media=_media(media),
            source=stored["source"],
            licence=stored["licence"],
            sealed=sealed,
        )
        post._hold({field: texts[field] or "" for field in sealed or {}})
        return post

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
        sealed: dict[str, str] | None = None,
    ) -> None:
        self.campaign_id = campaign_id
        self.author_id = actor_id
        self.authors: frozenset[str] = frozenset({actor_id})
        self.content_type = content_type
        self.format = format
        # Stored events give lists back for tuples: normalise on every load.
        self._variants: dict[Platform, PostVariant] = {v.platform: v for v in variants}
        self.media = tuple(media)
        # Each text as its event stored it (SEALED_TEXT where sealed), the revision that
        # set it, and its sealed form; what the application opened is held in a slot.
        self._texts: dict[str, str | None] = {}
        self._text_revision: dict[str, int] = {}
        self._seals: dict[str, str] = {}
        self._revision_fields: dict[int, tuple[str, ...]] = {}
        self._sealed_revisions: frozenset[int] = frozenset()
        self.redactions: dict[int, Redaction] = {}
        texts = {"title": title, "body": body, "source": source, "licence": licence}
        self._record_texts(1, {**texts, **_variant_texts(self._variants.values())}, sealed)
        self.status = PostStatus.DRAFTED
        self.findings: tuple[Finding, ...] = ()
        self.reviews: tuple[Review, ...] = ()
        self.retraction_reason: str | None = None
        self._platform_status = dict.fromkeys(self._variants, PlatformStatus.PENDING)
        self._scheduled_at: dict[Platform, datetime] = {}
        self._receipts: dict[Platform, PublishReceipt] = {}
        self._failures: dict[Platform, PublishFailure] = {}
        self._take_downs: dict[Platform, TakeDown] = {}
        self._metrics: dict[Platform, MetricSnapshot] = {}
        # The latest valid snapshots per platform, oldest first (at most VOIDABLE_SNAPSHOTS),
        # and how many valid ones each platform has had in all.
        self._metric_history: dict[Platform, tuple[MetricSnapshot, ...]] = {}
        self._valid_metrics: dict[Platform, int] = {}
        # When the latest of those snapshots were recorded (their events' times), oldest
        # first, aligned with the history's end.
        self._metric_times: dict[Platform, tuple[datetime, ...]] = {}

    # --- queries -----------------------------------------------------------------------

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """The platforms the post has a variant for, in the order given."""
        return tuple(self._variants)

    @property
    def variants(self) -> tuple[PostVariant, ...]:
        """Every platform variant, in the order given, with its text as it reads here."""
        return tuple(self._readable(p) for p in self._variants)

    def variant(self, platform: Platform | str) -> PostVariant:
        """The post as adapted to ``platform`` (its text as it reads here)."""
        return self._readable(self._targeted(platform))

    def publishable_variant(self, platform: Platform | str) -> PostVariant:
        """``platform``'s variant with its text in clear, or :class:`DraftTextUnavailableError`.

        Raises :class:`RedactedTextError` if its text was redacted, and the base error if it
        is sealed and was not opened (a post loaded without the application's key store).
        """
        target = self._targeted(platform)
        field = variant_field(target)
        if field in self._redacted_fields():
            raise RedactedTextError(
                f"the {target.value} text of post {self.id} was redacted: it cannot go out"
            )
        if field in self._seals and field not in self._opened_texts():
            raise DraftTextUnavailableError(
                f"the {target.value} text of post {self.id} is sealed and was not opened: "
                "load the post through libops (ops.posts.get) to publish it"
            )
        return self._readable(target)

    def _readable(self, platform: Platform) -> PostVariant:
        stored = self._variants[platform]
        text = self._text(variant_field(platform))
        return stored if text == stored.text else attrs.evolve(stored, text=text or "")

    # --- texts -------------------------------------------------------------------------

    @property
    def title(self) -> str:
        """The title as it reads here (``[redacted]`` once its revision was redacted)."""
        return self._text("title") or ""

    @property
    def body(self) -> str:
        """The body as it reads here (``[redacted]`` once its revision was redacted)."""
        return self._text("body") or ""

    @property
    def source(self) -> str | None:
        """Where the content comes from, if given."""
        return self._text("source") or None

    @property
    def licence(self) -> str | None:
        """Under what licence the content is used, if given."""
        return self._text("licence") or None

    def text_revision(self, field: str) -> int:
        """The revision whose text ``field`` (``title``, ``variant:weibo``, ...) reads now."""
        if field not in self._text_revision:
            raise InvalidValueError(f"post {self.id} has no text {field!r}")
        return self._text_revision[field]

    def revisions(self) -> dict[int, tuple[str, ...]]:
        """Every revision that carried text, with the names of the texts it set."""
        return dict(self._revision_fields)

    def is_sealed(self, revision: int) -> bool:
        """Whether ``revision``'s texts were sealed (not stored in clear, as before sealing)."""
        return revision in self._sealed_revisions

    def sealed_texts(self) -> list[tuple[str, int, str]]:
        """The sealed texts in use that are neither opened nor redacted.

        Each as ``(field, revision, sealed)``: what the application opens after a load.
        """
        opened, redacted = self._opened_texts(), self._redacted_fields()
        return [
            (field, self._text_revision[field], sealed)
            for field, sealed in self._seals.items()
            if field not in opened and field not in redacted
        ]

    def hold_opened_texts(self, texts: Mapping[str, str]) -> None:
        """Hold texts the application opened, by field, in memory only.

        They are kept in a slot that no event and no snapshot carries, and dropped when
        their field is rewritten or their revision redacted.
        """
        for field in texts:
            if field not in self._seals:
                raise InvalidValueError(f"post {self.id} has no sealed text {field!r}")
        self._hold(texts)

    def _hold(self, texts: Mapping[str, str]) -> None:
        self._opened_texts().update(texts)

    def _opened_texts(self) -> dict[str, str]:
        opened: dict[str, str] | None = getattr(self, "_opened", None)
        if opened is None:  # loaded from events or a snapshot: nothing opened yet
            opened = {}
            object.__setattr__(self, "_opened", opened)
        return opened

    def _text(self, field: str) -> str | None:
        stored = self._texts.get(field)
        if field not in self._seals:
            return stored
        if self._text_revision[field] in self.redactions:
            return REDACTED_TEXT
        return self._opened_texts().get(field, SEALED_TEXT)

    def _redacted_fields(self) -> list[str]:
        """The sealed texts in use that read as redacted (their key is gone)."""
        opened = self._opened_texts()
        return [
            field
            for field in self._seals
            if self._text_revision[field] in self.redactions or opened.get(field) == REDACTED_TEXT
        ]

    def _published_revisions(self) -> set[int]:
        if any(s is PlatformStatus.PUBLISHED for s in self._platform_status.values()):
            return set(self._text_revision.values())
        return set()

    def _record_texts(
        self, revision: int, texts: Mapping[str, str | None], sealed: Mapping[str, str] | None
    ) -> None:
        sealed = sealed or {}
        opened = self._opened_texts()
        for field, text in texts.items():
            self._texts[field] = text
            self._text_revision[field] = revision
            if field in sealed:
                self._seals[field] = sealed[field]
            else:
                self._seals.pop(field, None)
            opened.pop(field, None)
        self._revision_fields[revision] = tuple(texts)
        if sealed:
            self._sealed_revisions = self._sealed_revisions | {revision}

    def _forget_texts(self, fields: Iterable[str]) -> None:
        opened = self._opened_texts()
        for field in list(fields):
            for kept in (self._texts, self._text_revision, self._seals, opened):
                kept.pop(field, None)

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
        """The last valid cumulative counts recorded for ``platform`` (voided ones skipped)."""
        return self._metrics.get(self._targeted(platform))

    def latest_metrics_recorded_at(self, platform: Platform | str) -> datetime | None:
        """When the latest valid snapshot of ``platform`` was recorded (its event's time;
        None: none, or recorded before libops kept it). Of two snapshots observed at the
        same time, the later recorded is the latest (a correction of a bulk import's)."""
        platform = self._targeted(platform)
        times = self._times(platform)
        return times[-1] if times and platform in self._metrics else None

    def recent_metrics(self, platform: Platform | str) -> tuple[MetricSnapshot, ...]:
        """The latest valid snapshots of ``platform``, oldest first: the ones that can be
        voided (at most :data:`VOIDABLE_SNAPSHOTS`)."""
        return self._recent(self._targeted(platform))

    @property
    def last_review(self) -> Review | None:
        """The most recent review verdict, if any."""
        return self.reviews[-1] if self.reviews else None

    def texts(self) -> list[tuple[str, str]]:
        """Every text readers will see, as ``(where, text)``: title, body, each variant."""
        texts = [("title", self.title), ("body", self.body)]
        texts += [(variant_field(p), self._text(variant_field(p)) or "") for p in self._variants]
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
        sealer: DraftSealer | None = None,
    ) -> None:
        """Rewrite parts of a drafted post or one sent back for changes; the reviser is an author.

        Fields left as None stay; ``source=""`` or ``licence=""`` clears them. New variants
        replace all the old ones and must fit ``limits``. With a ``sealer`` the new texts
        are sealed under this revision's own key.
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
        texts: dict[str, str | None] = {
            field: changes[field]
            for field in ("title", "body", "source", "licence")
            if changes[field] is not None
        }
        texts.update(_variant_texts(changes["variants"] or ()))
        sealed = None
        if sealer is not None:
            sealed = _sealed_for(sealer, self.id, self.version + 1, texts)
            stored = _placeholders(texts, sealed)
            changes.update({k: v for k, v in stored.items() if not k.startswith("variant:")})
            if changes["variants"] is not None:
                changes["variants"] = tuple(
                    attrs.evolve(v, text=stored[variant_field(v.platform)])
                    for v in changes["variants"]
                )
        self._revise(actor_id=actor.id, campaign_id=self.campaign_id, sealed=sealed, **changes)
        self._hold({field: texts[field] or "" for field in sealed or {}})

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
        sealed: dict[str, str] | None = None,
    ) -> None:
        self.authors = self.authors | {actor_id}
        texts: dict[str, str | None] = {
            field: text
            for field, text in (
                ("title", title),
                ("body", body),
                ("source", source),
                ("licence", licence),
            )
            if text is not None
        }
        if variants is not None:
            self._forget_texts(f for f in self._texts if f.startswith("variant:"))
            self._variants = {v.platform: v for v in variants}
            self._platform_status = dict.fromkeys(self._variants, PlatformStatus.PENDING)
            texts.update(_variant_texts(self._variants.values()))
        if media is not None:
            self.media = tuple(media)
        # While an event is applied, the aggregate is still at the version before it.
        self._record_texts(self.version + 1, texts, sealed)

    # --- review ------------------------------------------------------------------------

    def declare_origin(
        self, actor: Actor, origin: str = ORIGINAL, derived_from: UUID | str | None = None
    ) -> None:
        """Say where the content comes from: ``original`` (原创) or ``reposted`` (转载), and
        the library's own post it was made from (``derived_from``, reused content; the
        application checks it exists). Declared again, the later declaration holds; nothing
        is recorded when it says what the post says already. Not on a retracted post."""
        authorize(actor, "post.declare_origin")
        if self.withdrawn:
            raise InvalidTransitionError("post", "declare the origin of", self.status.value)
        if origin not in ORIGINS:
            raise InvalidValueError(f"a post's origin is {' or '.join(ORIGINS)}, not {origin!r}")
        source = optional_uuid("derived_from", derived_from)
        if source == self.id:
            raise ReusedItselfError(f"post {self.id} cannot be made from itself")
        if (origin, source) == (self.origin, self.derived_from):
            return
        self._declare_origin(
            actor_id=actor.id, campaign_id=self.campaign_id, origin=origin, derived_from=source
        )

    @event(OriginDeclared)
    def _declare_origin(
        self, actor_id: str, campaign_id: UUID | None, origin: str, derived_from: UUID | None
    ) -> None:
        self.origin = origin
        self.derived_from = derived_from

    def submit_for_review(self, actor: Actor, findings: Iterable[Finding] = ()) -> None:
        """Hand the post to review with the automatic checks' ``findings`` on its texts."""
        authorize(actor, "post.submit_for_review")
        self._require_status("submit for review", *_EDITABLE)
        self._require_no_redacted_text("submit it for review")
        found = tuple_of(Finding, "findings", findings)
        self._submit_for_review(actor_id=actor.id, campaign_id=self.campaign_id, findings=found)

    @event(SubmittedForReview)
    def _submit_for_review(
        self, actor_id: str, campaign_id: UUID | None, findings: tuple[Finding, ...]
    ) -> None:
        self.findings = tuple(findings)
        self.status = PostStatus.IN_REVIEW

    def review(
        self,
        actor: Actor,
        checklist: ReviewChecklist,
        approve: bool,
        comments: str = "",
        *,
        sealer: DraftSealer | None = None,
        items: Iterable[str] = (),
        answers: Mapping[str, ItemAnswer | str] | None = None,
    ) -> None:
        """Approve the post or request changes; the reviewer is never one of its authors.

        ``items`` are the keys of the checklist items the library added; ``answers``
        answers each of them (``checked``, ``not_checked``, ``not_applicable``), and an
        approval needs none ``not_checked``.

        Approval needs every checklist item confirmed, no personal data found in the post
        and no redacted text in it; requesting changes needs comments saying what to change.
        Sending a post back with personal data found in it redacts the sealed revisions
        the data was found in (their keys are destroyed once this is saved). With a
        ``sealer``, the opened texts of those revisions still in use in which no personal
        data is found are kept: sealed again under the key of the redaction's version.
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
        answered = item_answers(items, answers)
        if approve:
            missing = [name for name in BUILT_IN_ITEMS if not getattr(checklist, name)]
            missing += unconfirmed_items(answered)
            if missing:
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
            self._require_no_redacted_text("approve it")
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
            answers=answered or None,
        )
        if not approve:
            self._redact_personal_data(actor, sealer)

    def _redact_personal_data(self, actor: Actor, sealer: DraftSealer | None) -> None:
        """Redact each sealed revision whose text the review found personal data in."""
        found: dict[int, list[str]] = {}
        flagged: set[str] = set()
        for finding in self.findings:
            revision = self._text_revision.get(finding.where)
            if finding.kind not in PERSONAL_DATA or revision is None:
                continue
            flagged.add(finding.where)
            if revision in self._sealed_revisions and revision not in self.redactions:
                where = f"{finding.kind.value} in {finding.where}"
                if where not in found.setdefault(revision, []):
                    found[revision].append(where)
        opened = self._opened_texts()
        for revision, places in sorted(found.items()):
            # What the review found nothing in is kept, if it is open here and checks clean.
            keep = {
                field: opened[field]
                for field, at in self._text_revision.items()
                if at == revision
                and field in self._seals
                and field not in flagged
                and field in opened
                and opened[field] != REDACTED_TEXT
                and not any(f.kind in PERSONAL_DATA for f in scan_text(field, opened[field]))
            }
            kept = None
            if sealer is not None and keep:
                kept = _sealed_for(sealer, self.id, self.version + 1, keep)
            self._redact(
                actor_id=actor.id,
                campaign_id=self.campaign_id,
                revision=revision,
                reason="sent back for personal data: " + ", ".join(places),
                kept=kept,
            )
            self._hold({field: keep[field] for field in kept or {}})

    @event(Approved)
    def _approve(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        checklist: ReviewChecklist,
        findings: tuple[Finding, ...],
        comments: str,
        answers: dict[str, str] | None = None,
    ) -> None:
        self.reviews = (
            *self.reviews,
            Review(actor_id, True, checklist, tuple(findings), comments, dict(answers or {})),
        )
        self.status = PostStatus.APPROVED

    @event(ChangesRequested)
    def _request_changes(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        checklist: ReviewChecklist,
        findings: tuple[Finding, ...],
        comments: str,
        answers: dict[str, str] | None = None,
    ) -> None:
        self.reviews = (
            *self.reviews,
            Review(actor_id, False, checklist, tuple(findings), comments, dict(answers or {})),
        )
        self.status = PostStatus.CHANGES_REQUESTED

    # --- redaction ---------------------------------------------------------------------

    def redact(self, actor: Actor, revision: int, reason: str) -> bool:
        """Record that the texts of ``revision`` are to be destroyed, saying why.

        True if recorded now; False if the revision was redacted before (nothing new is
        recorded, and the application makes sure its key is gone). The application
        destroys the revision's key once the event is saved. Published text is never
        redacted (:class:`PublishedRevisionError`), nor the text of an approved post about
        to go out; a revision recorded before drafts were sealed cannot be
        (:class:`RevisionNotSealedError`).
        """
        authorize(actor, "post.redact")
        revision = revision_number(revision)
        reason = reason_text(reason)
        if revision not in self._revision_fields:
            known = ", ".join(str(r) for r in sorted(self._revision_fields))
            raise UnknownRevisionError(
                f"post {self.id} has no revision {revision} with text (revisions: {known})"
            )
        if revision in self.redactions:
            return False
        if revision not in self._sealed_revisions:
            raise RevisionNotSealedError(
                f"revision {revision} of post {self.id} was recorded before drafts were "
                "sealed: its text is in the event itself and cannot be redacted"
            )
        if revision in self._published_revisions():
            raise PublishedRevisionError(
                f"revision {revision} of post {self.id} was published: published text is "
                "never redacted (retracting the post withdraws it)"
            )
        if self.status is PostStatus.APPROVED and revision in self._text_revision.values():
            raise InvalidTransitionError(
                "post",
                f"redact revision {revision}, whose text is about to go out,",
                f"{self.status.value} (retract the post first)",
            )
        self._redact(
            actor_id=actor.id, campaign_id=self.campaign_id, revision=revision, reason=reason
        )
        return True

    @event(Redacted)
    def _redact(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        revision: int,
        reason: str,
        kept: dict[str, str] | None = None,
    ) -> None:
        self.redactions = {**self.redactions, revision: Redaction(revision, actor_id, reason)}
        opened = self._opened_texts()
        for field in self._revision_fields.get(revision, ()):
            if self._text_revision.get(field) == revision:
                opened.pop(field, None)
        if kept:
            # Kept texts now read from this event's version, sealed under its key.
            self._record_texts(self.version + 1, dict.fromkeys(kept, SEALED_TEXT), kept)

    def _require_no_redacted_text(self, action: str) -> None:
        redacted = self._redacted_fields()
        if redacted:
            raise RedactedTextError(
                f"cannot {action}: the {', '.join(redacted)} of post {self.id} "
                "was redacted; revise it first"
            )

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
        receipt = _receipt(receipt)
        self.check_can_publish(actor, receipt.platform)
        self._record_published(actor_id=actor.id, campaign_id=self.campaign_id, receipt=receipt)

    @event(RecordedExternally)
    def _record_externally(self, actor_id: str, campaign_id: UUID | None) -> None:
        self.status = PostStatus.APPROVED
        self.external = True

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
        error, retryable, at = _failure(error, retryable, at)
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
        before = self._failures.get(platform)
        attempts = 1 if before is None else before.attempts + 1
        self._failures[platform] = PublishFailure(error, retryable, at, attempts)

    # --- retraction ----------------------------------------------------------------------

    @property
    def withdrawn(self) -> bool:
        """Whether the post was retracted (withdrawal decided; it may still be live)."""
        return self.status in (PostStatus.RETRACTING, PostStatus.RETRACTED)

    def live_platforms(self) -> tuple[Platform, ...]:
        """The platforms the post is out on: published there and not taken down."""
        return tuple(
            platform
            for platform, status in self._platform_status.items()
            if status is PlatformStatus.PUBLISHED and self.taken_down_at(platform) is None
        )

    def taken_down_at(self, platform: Platform | str) -> datetime | None:
        """When the post was taken down on ``platform`` (or staff confirmed it), if it was."""
        found = self._take_downs.get(self._targeted(platform))
        return None if found is None else found.done_at

    def take_down(self, platform: Platform | str) -> TakeDown | None:
        """The take-down on ``platform``, open or done, if the post was live there when it
        was retracted."""
        return self._take_downs.get(self._targeted(platform))

    def open_take_downs(self) -> tuple[TakeDown, ...]:
        """The take-downs not done yet, in the order of the post's platforms."""
        return tuple(t for t in self._take_downs.values() if t.open)

    def retract(
        self, actor: Actor, reason: str, *, through_gateway: Iterable[Platform | str] = ()
    ) -> None:
        """Withdraw the post, saying why; variants not yet out come off the schedule.

        Each platform the post is live on gets a take-down: through that platform's gateway
        for those in ``through_gateway`` (the application then records what came of it),
        a task for staff (:meth:`confirm_take_down`) for the others. The status is
        ``retracting`` until none is open, then ``retracted``.
        """
        authorize(actor, "post.retract")
        if self.withdrawn:
            raise InvalidTransitionError("post", "retract", self.status.value)
        reason = reason_text(reason)
        if isinstance(through_gateway, (str, Platform)):
            through_gateway = (through_gateway,)
        through = {self._targeted(p) for p in through_gateway}
        live = self.live_platforms()
        not_live = sorted(p.value for p in through if p not in live)
        if not_live:
            raise InvalidValueError(
                f"post {self.id} is not live on {', '.join(not_live)}: nothing to take down"
            )
        self._retract(actor_id=actor.id, campaign_id=self.campaign_id, reason=reason)
        for platform in live:
            by_hand = platform not in through
            self._request_take_down(
                actor_id=actor.id,
                campaign_id=self.campaign_id,
                platform=platform,
                external_id=self._receipts[platform].external_id,
                by_hand=by_hand,
                reason=(
                    f"no {platform.value} gateway that can take posts down is configured"
                    if by_hand
                    else f"to be taken down through the {platform.value} gateway"
                ),
            )

    @event(Retracted)
    def _retract(self, actor_id: str, campaign_id: UUID | None, reason: str) -> None:
        # Alone (as every Retracted recorded before take-downs existed), the post reads as
        # retracted; the TakeDownRequested events recorded with it make it retracting.
        self.status = PostStatus.RETRACTED
        self.retraction_reason = reason
        for platform, status in self._platform_status.items():
            if status is not PlatformStatus.PUBLISHED:
                self._scheduled_at.pop(platform, None)
            if status is PlatformStatus.SCHEDULED:
                self._platform_status[platform] = PlatformStatus.PENDING

    @event(TakeDownRequested)
    def _request_take_down(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        platform: Platform,
        external_id: str,
        by_hand: bool,
        reason: str,
        timestamp: datetime | None = None,  # the event's own time (eventsourcing passes it)
    ) -> None:
        self._take_downs[platform] = TakeDown(
            platform, external_id, by_hand, reason, requested_at=timestamp
        )
        self.status = PostStatus.RETRACTING

    def _open_take_down(self, platform: Platform | str, action: str) -> TakeDown:
        target = self._targeted(platform)
        found = self._take_downs.get(target)
        if found is None:
            why = (
                f"it is {self.status.value}, not retracted"
                if not self.withdrawn
                else f"it was not live on {target.value} when it was retracted, or was "
                "retracted before libops recorded take-downs"
            )
            raise NoTakeDownError(
                f"cannot {action}: post {self.id} has no take-down on {target.value} ({why})"
            )
        if not found.open:
            assert found.done_at is not None
            how = "confirmed by hand" if found.confirmed_by else "taken down through its gateway"
            raise NoTakeDownError(
                f"cannot {action}: post {self.id} on {target.value} was {how} already, at "
                f"{found.done_at.isoformat()}"
            )
        return found

    def check_can_take_down(self, actor: Actor, platform: Platform | str) -> TakeDown:
        """The open take-down on ``platform``, if ``actor`` may take the post down there now;
        else raise (:class:`NoTakeDownError` where none is open)."""
        authorize(actor, "post.take_down")
        return self._open_take_down(platform, "take it down")

    def record_taken_down(self, actor: Actor, platform: Platform | str, at: datetime) -> None:
        """Record that the gateway took the post down on ``platform`` (an open take-down)."""
        authorize(actor, "post.take_down")
        found = self._open_take_down(platform, "record a take-down")
        at = _aware("the take-down time", at)
        self._record_taken_down(
            actor_id=actor.id,
            campaign_id=self.campaign_id,
            platform=found.platform,
            external_id=found.external_id,
            at=at,
        )

    @event(TakenDown)
    def _record_taken_down(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        platform: Platform,
        external_id: str,
        at: datetime,
    ) -> None:
        self._close_take_down(platform, at=at)

    def record_take_down_failure(
        self, actor: Actor, platform: Platform | str, error: str, retryable: bool, at: datetime
    ) -> None:
        """Record that taking the post down through the gateway failed; a failure that will
        not pass on a retry leaves the take-down to staff."""
        authorize(actor, "post.take_down")
        found = self._open_take_down(platform, "record a take-down failure")
        error, retryable, at = _failure(error, retryable, at)
        self._record_take_down_failure(
            actor_id=actor.id,
            campaign_id=self.campaign_id,
            platform=found.platform,
            error=error,
            retryable=retryable,
            at=at,
        )

    @event(TakeDownFailed)
    def _record_take_down_failure(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        platform: Platform,
        error: str,
        retryable: bool,
        at: datetime,
    ) -> None:
        found = self._take_downs[platform]
        self._take_downs[platform] = attrs.evolve(
            found,
            error=error,
            retryable=retryable,
            by_hand=found.by_hand or not retryable,
            reason=found.reason if retryable else f"the platform refused: {error}",
        )

    def confirm_take_down(
        self,
        actor: Actor,
        platform: Platform | str,
        note: str,
        url: str | None = None,
        *,
        now: datetime,
    ) -> None:
        """Confirm that staff took the post down on ``platform`` by hand, with a note (what
        they did) and, if there is one, the address of the evidence."""
        authorize(actor, "post.confirm_take_down")
        found = self._open_take_down(platform, "confirm a take-down")
        note = require_text("note", note, max_length=TAKE_DOWN_NOTE_MAX)
        checked_url = _take_down_url(url)
        now = _aware("now", now)
        self._confirm_take_down(
            actor_id=actor.id,
            campaign_id=self.campaign_id,
            platform=found.platform,
            external_id=found.external_id,
            note=note,
            url=checked_url,
            at=now,
        )

    @event(TakeDownConfirmed)
    def _confirm_take_down(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        platform: Platform,
        external_id: str,
        note: str,
        url: str | None,
        at: datetime,
    ) -> None:
        self._close_take_down(platform, at=at, confirmed_by=actor_id, note=note, url=url)

    def _close_take_down(self, platform: Platform, **done: Any) -> None:
        self._take_downs[platform] = attrs.evolve(
            self._take_downs[platform], done_at=done.pop("at"), **done
        )
        if not self.open_take_downs():
            self.status = PostStatus.RETRACTED

    # --- metrics -----------------------------------------------------------------------

    def record_metrics(
        self,
        actor: Actor,
        snapshot: MetricSnapshot,
        *,
        now: datetime | None = None,
        margin: timedelta = DEFAULT_FUTURE_MARGIN,
        latest: MetricSnapshot | None = None,
    ) -> MetricOutcome:
        """Record cumulative counts for a published variant.

        The same counts again record nothing (UNCHANGED); lower counts are recorded as a
        correction (CORRECTED), never silently; a snapshot older than the latest valid one is
        refused, and so is one observed more than ``margin`` after ``now`` (libops's clock;
        the application always gives it). ``latest``: the platform's latest snapshot
        recorded elsewhere (a bulk import's), compared with when it is later than the post's
        own, or observed at the same time (the application gives it, having decided which of
        the two was recorded later: ``libops.application.bulk_imports.latest_snapshot``).
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
        if now is not None:
            now = _aware("now", now)
            margin = future_margin(margin)
            if snapshot.observed_at > now + margin:
                raise FutureMetricsError(
                    f"metrics for post {self.id} on {platform.value} observed at "
                    f"{snapshot.observed_at.isoformat()} are more than {margin} ahead of the "
                    f"clock ({now.isoformat()}): check the date"
                )
        own = self._metrics.get(platform)
        if latest is not None and (
            not isinstance(latest, MetricSnapshot) or latest.platform != platform
        ):
            raise InvalidValueError(
                f"the latest metrics given are a MetricSnapshot on {platform.value}, not {latest!r}"
            )
        if latest is None or (own is not None and own.observed_at > latest.observed_at):
            latest = own
        if latest is not None:
            if snapshot.same_counts(latest):
                return MetricOutcome.UNCHANGED
            if snapshot.observed_at < latest.observed_at:
                raise StaleMetricsError(
                    f"metrics for post {self.id} on {platform.value} observed at "
                    f"{snapshot.observed_at.isoformat()} are older than the latest "
                    f"({latest.observed_at.isoformat()}); if that one is wrong, void it"
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
        self,
        actor_id: str,
        campaign_id: UUID | None,
        snapshot: MetricSnapshot,
        timestamp: datetime | None = None,
    ) -> None:
        self._add_metrics(snapshot, timestamp)

    @event(MetricsCorrected)
    def _correct_metrics(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        snapshot: MetricSnapshot,
        lowered: tuple[str, ...],
        timestamp: datetime | None = None,
    ) -> None:
        self._add_metrics(snapshot, timestamp)

    def void_metrics(
        self, actor: Actor, platform: Platform | str, observed_at: datetime, reason: str
    ) -> MetricSnapshot:
        """Withdraw the snapshot of ``platform`` observed at ``observed_at``, saying why.

        Only the latest :data:`VOIDABLE_SNAPSHOTS` valid snapshots of a platform can be
        voided (the latest recorded one, if two share the moment). The one before it becomes
        the latest again, so a later real snapshot is accepted. Returns the voided snapshot.
        """
        authorize(actor, "post.void_metrics")
        platform = self._targeted(platform)
        at = _aware("the observation time", observed_at)
        reason = require_text("reason", reason, max_length=VOID_REASON_MAX)
        history = self._recent(platform)
        index = next(
            (i for i in range(len(history) - 1, -1, -1) if history[i].observed_at == at), None
        )
        if index is None:
            if history and at < history[0].observed_at and self._valid(platform) > len(history):
                raise UnknownMetricSnapshotError(
                    f"post {self.id} on {platform.value}: only the latest "
                    f"{VOIDABLE_SNAPSHOTS} snapshots can be voided, and {at.isoformat()} is "
                    f"older than the earliest of them ({history[0].observed_at.isoformat()})"
                )
            raise UnknownMetricSnapshotError(
                f"post {self.id} has no valid snapshot on {platform.value} observed at "
                f"{at.isoformat()}"
            )
        remaining = history[:index] + history[index + 1 :]
        if not remaining and self._valid(platform) > 1:
            raise UnknownMetricSnapshotError(
                f"post {self.id} on {platform.value}: the snapshot observed at {at.isoformat()} "
                f"is the last of the {VOIDABLE_SNAPSHOTS} kept; older ones cannot be restored"
            )
        self._void_metrics(
            actor_id=actor.id,
            campaign_id=self.campaign_id,
            voided=history[index],
            latest=remaining[-1] if remaining else None,
            reason=reason,
        )
        return history[index]

    @event(MetricsVoided)
    def _void_metrics(
        self,
        actor_id: str,
        campaign_id: UUID | None,
        voided: MetricSnapshot,
        latest: MetricSnapshot | None,
        reason: str,
    ) -> None:
        platform = voided.platform
        history = self._recent(platform)
        times = self._times(platform)
        for index in range(len(history) - 1, -1, -1):
            if history[index] == voided:
                timed = index - (len(history) - len(times))  # times are the latest ones'
                history = history[:index] + history[index + 1 :]
                if timed >= 0:
                    times = times[:timed] + times[timed + 1 :]
                break
        self._metric_history[platform] = history
        self._set_times(platform, times)
        self._valid_metrics[platform] = max(self._valid(platform) - 1, 0)
        if latest is None:
            self._metrics.pop(platform, None)
        else:
            self._metrics[platform] = latest

    def _add_metrics(self, snapshot: MetricSnapshot, recorded_at: datetime | None) -> None:
        platform = snapshot.platform
        # The times of the latest snapshots, aligned with the end of the history (a post
        # recorded before they were kept knows only those of its later snapshots).
        times = self._times(platform)
        times = (*times, recorded_at)[-VOIDABLE_SNAPSHOTS:] if recorded_at is not None else ()
        self._metrics[platform] = snapshot
        self._metric_history[platform] = (*self._recent(platform), snapshot)[-VOIDABLE_SNAPSHOTS:]
        self._set_times(platform, times)
        self._valid_metrics[platform] = self._valid(platform) + 1

    def _times(self, platform: Platform) -> tuple[datetime, ...]:
        # A post restored from a state snapshot taken before the times were kept has none.
        known: dict[Platform, tuple[datetime, ...]] = self.__dict__.get("_metric_times", {})
        return tuple(known.get(platform, ()))

    def _set_times(self, platform: Platform, times: tuple[datetime, ...]) -> None:
        self.__dict__.setdefault("_metric_times", {})[platform] = times

    def _recent(self, platform: Platform) -> tuple[MetricSnapshot, ...]:
        return self._metric_history.get(platform, ())

    def _valid(self, platform: Platform) -> int:
        return self._valid_metrics.get(platform, 0)

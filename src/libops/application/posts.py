"""Commands on posts: drafting, review, scheduling, retraction and metrics."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from libops.application.app import LibOpsApplication
from libops.domain.cadence import CadencePolicy, CadenceWarning
from libops.domain.calendar import PlatformCalendar
from libops.domain.campaign import Campaign
from libops.domain.errors import InvalidValueError, UnknownIdError
from libops.domain.post import MetricOutcome, Post
from libops.domain.review import scan_texts, sensitive_word_list
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

R = TypeVar("R")


def find_calendar(app: LibOpsApplication, platform: Platform | str) -> PlatformCalendar | None:
    """The calendar of ``platform``, or None if nothing was ever scheduled there."""
    platform = to_platform(platform)
    try:
        return app.load(PlatformCalendar, PlatformCalendar.id_for(platform), "platform calendar")
    except UnknownIdError:
        return None


def _variants(values: Iterable[PostVariant]) -> tuple[PostVariant, ...]:
    if isinstance(values, PostVariant):
        return (values,)
    return tuple(values)


class PostService:
    """Draft, revise, review, schedule and retract posts, and record their metrics."""

    def __init__(
        self,
        app: LibOpsApplication,
        limits_for: Callable[[Platform], PlatformLimits],
        cadence: CadencePolicy,
        sensitive_words: Collection[str],
    ) -> None:
        if not isinstance(cadence, CadencePolicy):
            raise InvalidValueError(f"cadence must be a CadencePolicy, not {cadence!r}")
        self._app = app
        self._limits_for = limits_for
        self.cadence = cadence
        self.sensitive_words = sensitive_word_list(sensitive_words)

    # --- queries -----------------------------------------------------------------------

    def get(self, post_id: UUID | str) -> Post:
        """The post's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Post, post_id, "post")

    def calendar(self, platform: Platform | str) -> list[tuple[UUID, datetime]]:
        """Every post booked on ``platform`` as ``(post_id, at)``, earliest first."""
        calendar = find_calendar(self._app, platform)
        return [] if calendar is None else calendar.slots()

    def limits(self, variants: Iterable[PostVariant]) -> dict[Platform, PlatformLimits]:
        """The limits of each variant's platform, from the platform adapters."""
        return {
            v.platform: self._limits_for(v.platform) for v in variants if isinstance(v, PostVariant)
        }

    # --- commands ----------------------------------------------------------------------

    def draft(
        self,
        actor: Actor,
        *,
        title: str,
        body: str,
        content_type: ContentType | str,
        format: Format | str,
        variants: Iterable[PostVariant],
        media: Iterable[str] = (),
        source: str | None = None,
        licence: str | None = None,
        campaign_id: UUID | str | None = None,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Draft a post (linked to an existing campaign if given) and return its id."""
        arguments: dict[str, Any] = {
            "actor": actor,
            "title": title,
            "body": body,
            "content_type": content_type,
            "format": format,
            "variants": _variants(variants),
            "media": media if isinstance(media, str) else tuple(media),
            "source": source,
            "licence": licence,
            "campaign_id": None if campaign_id is None else str(campaign_id),
        }

        def run() -> tuple[list[Post], UUID]:
            if campaign_id is not None:
                self._require_campaign(campaign_id)
            post = Post.draft(
                actor,
                title=title,
                body=body,
                content_type=content_type,
                format=format,
                variants=arguments["variants"],
                limits=self.limits(arguments["variants"]),
                media=arguments["media"],
                source=source,
                licence=licence,
                campaign_id=campaign_id,
            )
            return [post], post.id

        return self._app.execute(
            "post.draft", run, idempotency_key=idempotency_key, arguments=arguments
        )

    def _require_campaign(self, campaign_id: UUID | str) -> None:
        self._app.load(Campaign, campaign_id, "campaign")

    def _change(
        self,
        command: str,
        post_id: UUID | str,
        change: Callable[[Post], R],
        idempotency_key: str | None,
        arguments: dict[str, Any],
    ) -> R:
        return self._app.change(
            command,
            Post,
            "post",
            post_id,
            change,
            idempotency_key=idempotency_key,
            arguments=arguments,
        )

    def revise(
        self,
        actor: Actor,
        post_id: UUID | str,
        *,
        title: str | None = None,
        body: str | None = None,
        variants: Iterable[PostVariant] | None = None,
        media: Iterable[str] | None = None,
        source: str | None = None,
        licence: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Rewrite parts of a post in draft or sent back for changes ("" clears a source)."""
        new_variants = None if variants is None else _variants(variants)
        changes: dict[str, Any] = {
            "title": title,
            "body": body,
            "variants": new_variants,
            "media": media if media is None or isinstance(media, str) else tuple(media),
            "source": source,
            "licence": licence,
        }
        self._change(
            "post.revise",
            post_id,
            lambda p: p.revise(
                actor,
                limits=None if new_variants is None else self.limits(new_variants),
                **changes,
            ),
            idempotency_key,
            {"actor": actor, **changes},
        )

    def submit_for_review(
        self, actor: Actor, post_id: UUID | str, *, idempotency_key: str | None = None
    ) -> tuple[Finding, ...]:
        """Hand a post to review; returns (and records) what the automatic checks found."""

        def submit(post: Post) -> tuple[Finding, ...]:
            findings = scan_texts(post.texts(), self.sensitive_words)
            post.submit_for_review(actor, findings)
            return findings

        found = self._change(
            "post.submit_for_review", post_id, submit, idempotency_key, {"actor": actor}
        )
        return tuple(found)

    def review(
        self,
        actor: Actor,
        post_id: UUID | str,
        checklist: ReviewChecklist,
        *,
        approve: bool,
        comments: str = "",
        idempotency_key: str | None = None,
    ) -> None:
        """Approve a post in review, or send it back with comments (never by an author)."""
        self._change(
            "post.review",
            post_id,
            lambda p: p.review(actor, checklist, approve, comments),
            idempotency_key,
            {"actor": actor, "checklist": checklist, "approve": approve, "comments": comments},
        )

    def schedule(
        self,
        actor: Actor,
        post_id: UUID | str,
        platform: Platform | str,
        at: datetime,
        *,
        idempotency_key: str | None = None,
    ) -> tuple[CadenceWarning, ...]:
        """Book an approved post's variant on ``platform`` for ``at``; returns cadence warnings.

        A time before now is refused. With an enforcing cadence policy, going over a
        platform's maximum is refused too; otherwise it comes back as a warning.
        """

        def run() -> tuple[list[Aggregate], tuple[CadenceWarning, ...]]:
            post = self.get(post_id)
            post.schedule(actor, platform, at, now=self._app.clock.now())
            target = to_platform(platform)
            calendar = find_calendar(self._app, target) or PlatformCalendar.open(actor, target)
            warnings = self.cadence.check(target, at, calendar.occupied(excluding=post.id))
            calendar.book(actor, post.id, at)
            return [post, calendar], warnings

        warnings = self._app.execute(
            "post.schedule",
            run,
            idempotency_key=idempotency_key,
            arguments={"actor": actor, "post_id": str(post_id), "platform": platform, "at": at},
        )
        return tuple(warnings)

    def unschedule(
        self,
        actor: Actor,
        post_id: UUID | str,
        platform: Platform | str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Take a post's variant on ``platform`` off the schedule."""

        def run() -> tuple[list[Aggregate], None]:
            post = self.get(post_id)
            post.unschedule(actor, platform)
            return [post, *self._withdraw(actor, post, [to_platform(platform)])], None

        self._app.execute(
            "post.unschedule",
            run,
            idempotency_key=idempotency_key,
            arguments={"actor": actor, "post_id": str(post_id), "platform": platform},
        )

    def retract(
        self,
        actor: Actor,
        post_id: UUID | str,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Withdraw a post, saying why; its booked slots are freed."""

        def run() -> tuple[list[Aggregate], None]:
            post = self.get(post_id)
            post.retract(actor, reason)
            return [post, *self._withdraw(actor, post, post.platforms)], None

        self._app.execute(
            "post.retract",
            run,
            idempotency_key=idempotency_key,
            arguments={"actor": actor, "post_id": str(post_id), "reason": reason},
        )

    def _withdraw(
        self, actor: Actor, post: Post, platforms: Sequence[Platform]
    ) -> list[PlatformCalendar]:
        changed = []
        for platform in platforms:
            calendar = find_calendar(self._app, platform)
            if calendar is not None and calendar.slot(post.id) is not None:
                calendar.withdraw(actor, post.id)
                changed.append(calendar)
        return changed

    def record_metrics(
        self,
        actor: Actor,
        post_id: UUID | str,
        snapshot: MetricSnapshot,
        *,
        idempotency_key: str | None = None,
    ) -> MetricOutcome:
        """Record cumulative counts for a published variant; says what it did."""
        return self._change(
            "post.record_metrics",
            post_id,
            lambda p: p.record_metrics(actor, snapshot),
            idempotency_key,
            {"actor": actor, "snapshot": snapshot},
        )

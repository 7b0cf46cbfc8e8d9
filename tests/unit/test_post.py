"""The Post aggregate: drafting, review, scheduling, publishing, retraction and metrics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest

from libops import (
    Actor,
    ContentType,
    Finding,
    FindingKind,
    Format,
    MetricOutcome,
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PlatformStatus,
    Post,
    PostStatus,
    PostVariant,
    PublishReceipt,
    ReviewChecklist,
)
from libops.domain.errors import (
    AlreadyPublishedError,
    ChecklistIncompleteError,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    PersonalDataFoundError,
    PlatformNotTargetedError,
    ReviewerIsAuthorError,
    ScheduleInPastError,
    StaleMetricsError,
    VariantLimitError,
)
from tests.actors import PLANNER_REVIEWER
from tests.helpers import refused

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
LIMITS = {
    Platform.WEIBO: PlatformLimits(max_text_length=140, max_media=9),
    Platform.WECHAT: PlatformLimits(max_text_length=20000, max_media=20, requires_media=True),
    Platform.DOUYIN: PlatformLimits(
        max_text_length=1000, max_media=35, allows_links=False, requires_media=True
    ),
}
PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
PHONE = Finding(FindingKind.MOBILE_NUMBER, "body", "138****5678")
WORD = Finding(FindingKind.SENSITIVE_WORD, "title", "禁词")
NOT_BOOL: Any = "yes"


def variants() -> list[PostVariant]:
    return [
        PostVariant(Platform.WEIBO, "世界读书日 #读书#"),
        PostVariant(Platform.WECHAT, "深度阅读指南", media=("cover.jpg",)),
    ]


def draft(actor: Actor, **overrides: Any) -> Post:
    arguments: dict[str, Any] = {
        "title": "World Book Day reading list",
        "body": "Ten books our librarians loved this year.",
        "content_type": ContentType.KNOWLEDGE,
        "format": Format.IMAGE_TEXT,
        "variants": variants(),
        "limits": LIMITS,
    }
    arguments.update(overrides)
    return Post.draft(actor, **arguments)


def in_review(actor: Actor, findings: tuple[Finding, ...] = (), **overrides: Any) -> Post:
    post = draft(actor, **overrides)
    post.submit_for_review(actor, findings)
    return post


def approved(author: Actor, reviewer: Actor, **overrides: Any) -> Post:
    post = in_review(author, **overrides)
    post.review(reviewer, PASSED, approve=True)
    return post


def receipt(platform: Platform = Platform.WEIBO, external_id: str = "w-1") -> PublishReceipt:
    return PublishReceipt(platform, external_id, f"https://example.org/{external_id}", NOW)


class TestDraft:
    def test_draft_records_content_and_starts_drafted(self, planner: Actor) -> None:
        """A draft keeps its content, variants, source and licence, and is drafted."""
        campaign_id = uuid4()
        post = draft(
            planner,
            media=["cover.jpg"],
            source="National Library",
            licence="CC BY 4.0",
            campaign_id=campaign_id,
        )
        assert post.status is PostStatus.DRAFTED
        assert post.title == "World Book Day reading list"
        assert post.content_type is ContentType.KNOWLEDGE
        assert post.format is Format.IMAGE_TEXT
        assert post.platforms == (Platform.WEIBO, Platform.WECHAT)
        assert post.variant("wechat").media == ("cover.jpg",)
        assert post.media == ("cover.jpg",)
        assert (post.source, post.licence) == ("National Library", "CC BY 4.0")
        assert post.campaign_id == campaign_id
        assert post.author_id == planner.id
        assert post.platform_status(Platform.WEIBO) is PlatformStatus.PENDING
        assert post.scheduled_at(Platform.WEIBO) is None

    def test_enum_values_given_as_text(self, planner: Actor) -> None:
        """Content type and format may be given by their stored names."""
        post = draft(planner, content_type="interactive", format="video")
        assert (post.content_type, post.format) == (ContentType.INTERACTIVE, Format.VIDEO)

    @pytest.mark.parametrize("title", ["", "   ", None, 42, "x" * 201])
    def test_bad_title_refused(self, planner: Actor, title: object) -> None:
        """An empty, missing, non-text or over-long title is refused."""
        with pytest.raises(InvalidValueError):
            draft(planner, title=title)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("body", None),
            ("content_type", "gossip"),
            ("format", "hologram"),
            ("media", "cover.jpg"),
            ("media", ["", "x"]),
            ("source", 7),
            ("licence", "x" * 2001),
            ("campaign_id", "not-a-uuid"),
            ("campaign_id", 12),
        ],
    )
    def test_bad_field_refused(self, planner: Actor, field: str, value: object) -> None:
        """Every malformed field is refused with InvalidValueError."""
        with pytest.raises(InvalidValueError):
            draft(planner, **{field: value})

    def test_blank_source_is_none(self, planner: Actor) -> None:
        """A blank source or licence is no source or licence."""
        post = draft(planner, source="  ", licence="")
        assert (post.source, post.licence) == (None, None)

    def test_no_variant_refused(self, planner: Actor) -> None:
        """A post needs at least one platform variant."""
        with pytest.raises(InvalidValueError, match="at least one"):
            draft(planner, variants=[])

    def test_two_variants_for_one_platform_refused(self, planner: Actor) -> None:
        """One variant per platform."""
        with pytest.raises(InvalidValueError, match="two variants"):
            draft(planner, variants=[PostVariant("weibo", "a"), PostVariant("weibo", "b")])

    def test_non_variant_refused(self, planner: Actor) -> None:
        """Variants must be PostVariant values."""
        with pytest.raises(InvalidValueError):
            draft(planner, variants=["weibo: hello"])

    def test_single_variant_accepted(self, planner: Actor) -> None:
        """A single PostVariant may be given on its own."""
        post = draft(planner, variants=PostVariant("weibo", "hi"))
        assert post.platforms == (Platform.WEIBO,)

    def test_variant_without_limits_refused(self, planner: Actor) -> None:
        """Every variant's platform must have declared limits."""
        with pytest.raises(InvalidValueError, match="mastodon"):
            draft(planner, variants=[PostVariant("mastodon", "hi")])

    def test_variant_over_limits_lists_every_violation(self, planner: Actor) -> None:
        """A variant over its platform's limits is refused, naming every violation."""
        too_long = PostVariant("weibo", "读" * 141, media=tuple(f"{n}.jpg" for n in range(10)))
        linked = PostVariant("douyin", "短视频", link="https://lib.example.org")
        with pytest.raises(VariantLimitError) as caught:
            draft(planner, variants=[too_long, linked])
        violations = caught.value.violations
        assert len(violations) == 4
        assert any("141 characters" in v for v in violations)
        assert any("10 media" in v for v in violations)
        assert any("does not allow links" in v for v in violations)
        assert any("needs at least one media" in v for v in violations)

    def test_variant_exactly_at_limit_accepted(self, planner: Actor) -> None:
        """A variant exactly at the limit fits."""
        post = draft(planner, variants=[PostVariant("weibo", "读" * 140)])
        assert len(post.variant("weibo").text) == 140

    def test_needs_planner_role(self, reviewer: Actor, auditor: Actor) -> None:
        """Only content planners draft posts."""
        for actor in (reviewer, auditor):
            with pytest.raises(PermissionDeniedError):
                draft(actor)

    def test_variant_of_untargeted_platform(self, planner: Actor) -> None:
        """Asking for a platform the post has no variant for is a specific error."""
        post = draft(planner)
        with pytest.raises(PlatformNotTargetedError):
            post.variant(Platform.DOUYIN)
        with pytest.raises(PlatformNotTargetedError):
            post.platform_status("douyin")

    def test_texts_cover_title_body_and_variants(self, planner: Actor) -> None:
        """The texts the automatic review reads are the title, body and every variant."""
        post = draft(planner)
        assert [where for where, _ in post.texts()] == [
            "title",
            "body",
            "variant:weibo",
            "variant:wechat",
        ]

    def test_publish_key_is_stable(self, planner: Actor) -> None:
        """The publish key is the post id and platform."""
        post = draft(planner)
        assert post.publish_key("weibo") == f"{post.id}:weibo"


class TestRevise:
    def test_revise_changes_only_given_fields(self, planner: Actor) -> None:
        """A revision changes what it names and keeps the rest."""
        post = draft(planner, source="Archive")
        post.revise(planner, body="New body", media=["a.jpg"])
        assert post.body == "New body"
        assert post.media == ("a.jpg",)
        assert post.title == "World Book Day reading list"
        assert post.source == "Archive"

    def test_blank_source_clears(self, planner: Actor) -> None:
        """Revising the source or licence to blank clears it."""
        post = draft(planner, source="Archive", licence="CC0")
        post.revise(planner, source="", licence=" ")
        assert (post.source, post.licence) == (None, None)

    def test_new_variants_replace_old(self, planner: Actor) -> None:
        """New variants replace all the old ones."""
        post = draft(planner)
        post.revise(
            planner, variants=[PostVariant("douyin", "视频", media=["v.mp4"])], limits=LIMITS
        )
        assert post.platforms == (Platform.DOUYIN,)
        assert post.platform_status("douyin") is PlatformStatus.PENDING

    def test_new_variants_checked_against_limits(self, planner: Actor) -> None:
        """Revised variants must fit their platform's limits and need the limits given."""
        post = draft(planner)
        refused(
            post,
            VariantLimitError,
            lambda: post.revise(planner, variants=[PostVariant("weibo", "x" * 141)], limits=LIMITS),
        )
        refused(
            post,
            InvalidValueError,
            lambda: post.revise(planner, variants=[PostVariant("weibo", "x")]),
        )

    def test_revision_must_change_something(self, planner: Actor) -> None:
        """A revision with nothing in it is refused."""
        post = draft(planner)
        refused(post, InvalidValueError, lambda: post.revise(planner))

    def test_empty_title_refused(self, planner: Actor) -> None:
        """Revising the title to empty is refused."""
        post = draft(planner)
        refused(post, InvalidValueError, lambda: post.revise(planner, title=" "))

    def test_reviser_becomes_author(self, planner: Actor, planner2: Actor) -> None:
        """Whoever revises a post is one of its authors."""
        post = draft(planner)
        post.revise(planner2, body="Edited")
        assert post.authors == frozenset({planner.id, planner2.id})
        assert post.author_id == planner.id

    def test_revise_after_changes_requested(self, planner: Actor, reviewer: Actor) -> None:
        """A post sent back for changes can be revised."""
        post = in_review(planner)
        post.review(reviewer, PASSED, approve=False, comments="Check the dates")
        post.revise(planner, body="Dates checked")
        assert post.status is PostStatus.CHANGES_REQUESTED

    def test_revise_out_of_order_refused(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A post in review, approved or retracted cannot be revised."""
        post = in_review(planner)
        refused(post, InvalidTransitionError, lambda: post.revise(planner, body="x"))
        post.review(reviewer, PASSED, approve=True)
        refused(post, InvalidTransitionError, lambda: post.revise(planner, body="x"))
        post.retract(admin, "Withdrawn")
        refused(post, InvalidTransitionError, lambda: post.revise(planner, body="x"))

    def test_needs_planner_role(self, planner: Actor, reviewer: Actor) -> None:
        """Only content planners revise posts."""
        post = draft(planner)
        refused(post, PermissionDeniedError, lambda: post.revise(reviewer, body="x"))


class TestSubmitForReview:
    def test_submit_records_findings(self, planner: Actor) -> None:
        """Submitting puts the post in review with the automatic findings."""
        post = in_review(planner, findings=(PHONE, WORD))
        assert post.status is PostStatus.IN_REVIEW
        assert post.findings == (PHONE, WORD)

    def test_submit_twice_refused(self, planner: Actor) -> None:
        """A post already in review cannot be submitted again."""
        post = in_review(planner)
        refused(post, InvalidTransitionError, lambda: post.submit_for_review(planner))

    def test_findings_must_be_findings(self, planner: Actor) -> None:
        """Findings are Finding values."""
        post = draft(planner)
        refused(
            post,
            InvalidValueError,
            lambda: post.submit_for_review(planner, ["phone"]),  # type: ignore[list-item]  # on purpose
        )

    def test_needs_planner_role(self, planner: Actor, reviewer: Actor) -> None:
        """Only content planners submit posts for review."""
        post = draft(planner)
        refused(post, PermissionDeniedError, lambda: post.submit_for_review(reviewer))


class TestReview:
    def test_approve(self, planner: Actor, reviewer: Actor) -> None:
        """A reviewer who is not an author approves a post with a passed checklist."""
        post = in_review(planner, findings=(WORD,))
        post.review(reviewer, PASSED, approve=True, comments=" fine ")
        assert post.status is PostStatus.APPROVED
        review = post.last_review
        assert review is not None
        assert (review.reviewer_id, review.approved, review.comments) == (
            reviewer.id,
            True,
            "fine",
        )
        assert review.checklist == PASSED
        assert review.findings == (WORD,)

    def test_request_changes(self, planner: Actor, reviewer: Actor) -> None:
        """Requesting changes sends the post back with the comments and checklist."""
        post = in_review(planner)
        checklist = ReviewChecklist(accuracy=False, copyright=True, privacy=True)
        post.review(reviewer, checklist, approve=False, comments="Wrong opening hours")
        assert post.status is PostStatus.CHANGES_REQUESTED
        assert post.last_review is not None
        assert post.last_review.checklist == checklist

    def test_request_changes_needs_comments(self, planner: Actor, reviewer: Actor) -> None:
        """Sending a post back needs comments saying what to change."""
        post = in_review(planner)
        refused(
            post,
            InvalidValueError,
            lambda: post.review(reviewer, PASSED, approve=False, comments="  "),
        )

    def test_author_cannot_review(self, reviewer: Actor) -> None:
        """The author never reviews their own post, even holding the reviewer role."""
        both = PLANNER_REVIEWER
        post = in_review(both)
        refused(post, ReviewerIsAuthorError, lambda: post.review(both, PASSED, approve=True))
        refused(
            post,
            ReviewerIsAuthorError,
            lambda: post.review(both, PASSED, approve=False, comments="x"),
        )

    def test_reviser_cannot_review(self, planner: Actor, reviewer: Actor) -> None:
        """Someone who revised a post counts as its author and cannot review it."""
        both = PLANNER_REVIEWER
        post = draft(planner)
        post.revise(both, body="My edit")
        post.submit_for_review(planner)
        refused(post, ReviewerIsAuthorError, lambda: post.review(both, PASSED, approve=True))
        post.review(reviewer, PASSED, approve=True)
        assert post.status is PostStatus.APPROVED

    @pytest.mark.parametrize("missing", ["accuracy", "copyright", "privacy"])
    def test_approval_needs_full_checklist(
        self, planner: Actor, reviewer: Actor, missing: str
    ) -> None:
        """Approval needs accuracy, copyright and privacy all confirmed."""
        post = in_review(planner)
        checklist = ReviewChecklist(
            accuracy=missing != "accuracy",
            copyright=missing != "copyright",
            privacy=missing != "privacy",
        )
        with pytest.raises(ChecklistIncompleteError, match=missing):
            post.review(reviewer, checklist, approve=True)
        assert post.status is PostStatus.IN_REVIEW

    def test_personal_data_blocks_approval(self, planner: Actor, reviewer: Actor) -> None:
        """A post with personal data found in it is not approved."""
        post = in_review(planner, findings=(PHONE, WORD))
        with pytest.raises(PersonalDataFoundError) as caught:
            post.review(reviewer, PASSED, approve=True)
        assert caught.value.findings == (PHONE,)
        assert "138****5678" in str(caught.value)
        post.review(reviewer, PASSED, approve=False, comments="Remove the phone number")
        assert post.status is PostStatus.CHANGES_REQUESTED

    def test_sensitive_word_alone_does_not_block(self, planner: Actor, reviewer: Actor) -> None:
        """Sensitive words are for the reviewer to judge; they do not block approval."""
        post = in_review(planner, findings=(WORD,))
        post.review(reviewer, PASSED, approve=True)
        assert post.status is PostStatus.APPROVED

    def test_review_out_of_order_refused(self, planner: Actor, reviewer: Actor) -> None:
        """Only a post in review can be reviewed."""
        post = draft(planner)
        refused(post, InvalidTransitionError, lambda: post.review(reviewer, PASSED, True))
        post.submit_for_review(planner)
        post.review(reviewer, PASSED, approve=True)
        refused(post, InvalidTransitionError, lambda: post.review(reviewer, PASSED, True))

    @pytest.mark.parametrize(
        ("checklist", "approve", "comments"),
        [("all good", True, ""), (PASSED, "yes", ""), (PASSED, True, None)],
    )
    def test_bad_review_input(
        self, planner: Actor, reviewer: Actor, checklist: Any, approve: Any, comments: Any
    ) -> None:
        """A review needs a ReviewChecklist, a true/false verdict and text comments."""
        post = in_review(planner)
        refused(
            post, InvalidValueError, lambda: post.review(reviewer, checklist, approve, comments)
        )

    def test_needs_reviewer_role(self, planner: Actor, planner2: Actor, admin: Actor) -> None:
        """Only reviewers review."""
        post = in_review(planner)
        for actor in (planner2, admin):
            refused(post, PermissionDeniedError, partial(post.review, actor, PASSED, True))

    def test_resubmit_after_changes(self, planner: Actor, reviewer: Actor) -> None:
        """A post sent back goes through review again and keeps its review history."""
        post = in_review(planner)
        post.review(reviewer, PASSED, approve=False, comments="Fix it")
        post.revise(planner, body="Fixed")
        post.submit_for_review(planner, ())
        post.review(reviewer, PASSED, approve=True)
        assert [r.approved for r in post.reviews] == [False, True]


class TestSchedule:
    def test_schedule_books_a_platform(self, planner: Actor, reviewer: Actor) -> None:
        """An approved post is scheduled per platform, times kept in UTC."""
        post = approved(planner, reviewer)
        local = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))
        post.schedule(planner, "weibo", local, now=NOW)
        assert post.platform_status("weibo") is PlatformStatus.SCHEDULED
        assert post.platform_status("wechat") is PlatformStatus.PENDING
        assert post.scheduled_at("weibo") == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
        scheduled = post.scheduled_at("weibo")
        assert scheduled is not None
        assert scheduled.tzinfo is UTC

    def test_reschedule_moves_and_same_time_records_nothing(
        self, planner: Actor, reviewer: Actor
    ) -> None:
        """Scheduling again moves the slot; the same time again records nothing."""
        post = approved(planner, reviewer)
        post.schedule(planner, "weibo", NOW + timedelta(hours=1), now=NOW)
        post.schedule(planner, "weibo", NOW + timedelta(hours=2), now=NOW)
        assert post.scheduled_at("weibo") == NOW + timedelta(hours=2)
        post.collect_events()
        post.schedule(planner, "weibo", NOW + timedelta(hours=2), now=NOW)
        assert post.collect_events() == []

    def test_schedule_in_past_refused(self, planner: Actor, reviewer: Actor) -> None:
        """A time before now is refused; now itself is allowed."""
        post = approved(planner, reviewer)
        refused(
            post,
            ScheduleInPastError,
            lambda: post.schedule(planner, "weibo", NOW - timedelta(seconds=1), now=NOW),
        )
        post.schedule(planner, "weibo", NOW, now=NOW)
        assert post.scheduled_at("weibo") == NOW

    def test_naive_time_refused(self, planner: Actor, reviewer: Actor) -> None:
        """Scheduled times must be timezone-aware."""
        post = approved(planner, reviewer)
        refused(
            post,
            InvalidValueError,
            lambda: post.schedule(planner, "weibo", datetime(2026, 3, 2, 9), now=NOW),
        )

    def test_schedule_before_approval_refused(self, planner: Actor, reviewer: Actor) -> None:
        """Drafts, posts in review and posts sent back cannot be scheduled."""
        post = draft(planner)
        later = NOW + timedelta(hours=1)
        refused(
            post, InvalidTransitionError, lambda: post.schedule(planner, "weibo", later, now=NOW)
        )
        post.submit_for_review(planner)
        refused(
            post, InvalidTransitionError, lambda: post.schedule(planner, "weibo", later, now=NOW)
        )
        post.review(reviewer, PASSED, approve=False, comments="No")
        refused(
            post, InvalidTransitionError, lambda: post.schedule(planner, "weibo", later, now=NOW)
        )

    def test_untargeted_platform_refused(self, planner: Actor, reviewer: Actor) -> None:
        """A post is scheduled only on platforms it has a variant for."""
        post = approved(planner, reviewer)
        refused(
            post, PlatformNotTargetedError, lambda: post.schedule(planner, "douyin", NOW, now=NOW)
        )

    def test_published_platform_refused(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A variant already published is not scheduled again."""
        post = approved(planner, reviewer)
        post.record_published(admin, receipt())
        refused(post, AlreadyPublishedError, lambda: post.schedule(planner, "weibo", NOW, now=NOW))

    def test_needs_role(self, planner: Actor, reviewer: Actor, tech: Actor) -> None:
        """Reviewers and technical support do not schedule."""
        post = approved(planner, reviewer)
        for actor in (reviewer, tech):
            refused(
                post, PermissionDeniedError, partial(post.schedule, actor, "weibo", NOW, now=NOW)
            )

    def test_unschedule(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """Unscheduling takes the variant off the schedule, back to pending."""
        post = approved(planner, reviewer)
        post.schedule(planner, "weibo", NOW, now=NOW)
        post.unschedule(admin, "weibo")
        assert post.platform_status("weibo") is PlatformStatus.PENDING
        assert post.scheduled_at("weibo") is None
        refused(post, InvalidTransitionError, lambda: post.unschedule(admin, "weibo"))

    def test_unschedule_failed_stays_failed(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A failed variant taken off the schedule stays failed."""
        post = approved(planner, reviewer)
        post.schedule(planner, "weibo", NOW, now=NOW)
        post.record_publish_failure(admin, "weibo", "timeout", True, NOW)
        post.unschedule(admin, "weibo")
        assert post.platform_status("weibo") is PlatformStatus.FAILED
        assert post.scheduled_at("weibo") is None

    def test_unschedule_published_refused(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A published variant cannot be unscheduled."""
        post = approved(planner, reviewer)
        post.schedule(planner, "weibo", NOW, now=NOW)
        post.record_published(admin, receipt())
        refused(post, AlreadyPublishedError, lambda: post.unschedule(admin, "weibo"))

    def test_unschedule_needs_role(self, planner: Actor, reviewer: Actor) -> None:
        """Reviewers do not unschedule."""
        post = approved(planner, reviewer)
        post.schedule(planner, "weibo", NOW, now=NOW)
        refused(post, PermissionDeniedError, lambda: post.unschedule(reviewer, "weibo"))


class TestPublishing:
    def test_record_published(self, planner: Actor, reviewer: Actor, tech: Actor) -> None:
        """A published variant keeps the platform's receipt."""
        post = approved(planner, reviewer)
        post.check_can_publish(tech, "weibo")
        post.record_published(tech, receipt())
        assert post.platform_status("weibo") is PlatformStatus.PUBLISHED
        assert post.receipt("weibo") == receipt()
        assert post.receipt("wechat") is None
        refused(post, AlreadyPublishedError, lambda: post.check_can_publish(tech, "weibo"))
        refused(post, AlreadyPublishedError, lambda: post.record_published(tech, receipt()))

    def test_failure_then_retry(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A failed variant records the error and may be published later."""
        post = approved(planner, reviewer)
        post.record_publish_failure(admin, "weibo", "rate limited", True, NOW)
        assert post.platform_status("weibo") is PlatformStatus.FAILED
        failure = post.last_failure("weibo")
        assert failure is not None
        assert (failure.error, failure.retryable, failure.at) == ("rate limited", True, NOW)
        post.check_can_publish(admin, "weibo")
        post.record_published(admin, receipt())
        assert post.platform_status("weibo") is PlatformStatus.PUBLISHED

    def test_bad_failure_input(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A failure needs an error text, a true/false retry flag and an aware time."""
        post = approved(planner, reviewer)
        refused(
            post,
            InvalidValueError,
            lambda: post.record_publish_failure(admin, "weibo", " ", True, NOW),
        )
        refused(
            post,
            InvalidValueError,
            lambda: post.record_publish_failure(admin, "weibo", "x", NOT_BOOL, NOW),
        )
        refused(
            post,
            InvalidValueError,
            lambda: post.record_publish_failure(admin, "weibo", "x", True, datetime(2026, 3, 1)),
        )

    def test_not_before_approval(self, planner: Actor, admin: Actor) -> None:
        """Nothing is published before approval."""
        post = in_review(planner)
        refused(post, InvalidTransitionError, lambda: post.check_can_publish(admin, "weibo"))
        refused(post, InvalidTransitionError, lambda: post.record_published(admin, receipt()))
        refused(
            post,
            InvalidTransitionError,
            lambda: post.record_publish_failure(admin, "weibo", "x", True, NOW),
        )

    def test_not_after_retraction(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """Nothing is published after retraction."""
        post = approved(planner, reviewer)
        post.retract(admin, "Event cancelled")
        refused(post, InvalidTransitionError, lambda: post.check_can_publish(admin, "weibo"))

    def test_untargeted_platform(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A receipt for a platform the post has no variant for is refused."""
        post = approved(planner, reviewer)
        refused(
            post,
            PlatformNotTargetedError,
            lambda: post.record_published(admin, receipt(Platform.DOUYIN)),
        )

    def test_receipt_must_be_receipt(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A receipt is a PublishReceipt value."""
        post = approved(planner, reviewer)
        not_a_receipt: Any = "w-1"
        refused(post, InvalidValueError, lambda: post.record_published(admin, not_a_receipt))

    def test_needs_role(self, planner: Actor, reviewer: Actor) -> None:
        """Planners and reviewers do not publish."""
        post = approved(planner, reviewer)
        for actor in (planner, reviewer):
            refused(post, PermissionDeniedError, partial(post.record_published, actor, receipt()))


class TestRetract:
    @pytest.mark.parametrize("stage", ["drafted", "in_review", "approved"])
    def test_retract_from_any_live_state(
        self, planner: Actor, reviewer: Actor, admin: Actor, stage: str
    ) -> None:
        """A post can be withdrawn at any stage, with a reason."""
        builders = {
            "drafted": lambda: draft(planner),
            "in_review": lambda: in_review(planner),
            "approved": lambda: approved(planner, reviewer),
        }
        post = builders[stage]()
        post.retract(admin, "  Wrong date  ")
        assert post.status is PostStatus.RETRACTED
        assert post.retraction_reason == "Wrong date"

    def test_retract_frees_schedule_keeps_publication(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Retraction takes scheduled variants off the schedule; published ones stay published."""
        post = approved(planner, reviewer)
        post.schedule(planner, "weibo", NOW, now=NOW)
        post.schedule(planner, "wechat", NOW + timedelta(hours=1), now=NOW)
        post.record_published(admin, receipt())
        post.retract(admin, "Withdrawn")
        assert post.platform_status("weibo") is PlatformStatus.PUBLISHED
        assert post.scheduled_at("weibo") == NOW
        assert post.platform_status("wechat") is PlatformStatus.PENDING
        assert post.scheduled_at("wechat") is None

    def test_retract_twice_refused(self, planner: Actor, admin: Actor) -> None:
        """A retracted post cannot be retracted again."""
        post = draft(planner)
        post.retract(admin, "No")
        refused(post, InvalidTransitionError, lambda: post.retract(admin, "Again"))

    def test_needs_reason(self, planner: Actor, admin: Actor) -> None:
        """Retraction needs a reason."""
        post = draft(planner)
        refused(post, InvalidValueError, lambda: post.retract(admin, " "))

    def test_needs_admin(self, planner: Actor) -> None:
        """Only operations admins retract posts."""
        post = draft(planner)
        refused(post, PermissionDeniedError, lambda: post.retract(planner, "Mine"))


class TestMetrics:
    @staticmethod
    def published(planner: Actor, reviewer: Actor, admin: Actor) -> Post:
        post = approved(planner, reviewer)
        post.record_published(admin, receipt())
        return post

    @staticmethod
    def snapshot(minutes: int = 0, **counts: int) -> MetricSnapshot:
        return MetricSnapshot("weibo", NOW + timedelta(minutes=minutes), **counts)

    def test_first_and_higher_snapshots_recorded(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """New cumulative counts are recorded and become the latest."""
        post = self.published(planner, reviewer, admin)
        assert post.latest_metrics("weibo") is None
        assert post.record_metrics(admin, self.snapshot(reads=10)) is MetricOutcome.RECORDED
        assert post.record_metrics(admin, self.snapshot(5, reads=20, likes=1)) is (
            MetricOutcome.RECORDED
        )
        assert post.latest_metrics("weibo") == self.snapshot(5, reads=20, likes=1)

    def test_identical_snapshot_records_nothing(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """The same counts again, later or earlier, record nothing."""
        post = self.published(planner, reviewer, admin)
        post.record_metrics(admin, self.snapshot(10, reads=10))
        post.collect_events()
        assert post.record_metrics(admin, self.snapshot(20, reads=10)) is MetricOutcome.UNCHANGED
        assert post.record_metrics(admin, self.snapshot(0, reads=10)) is MetricOutcome.UNCHANGED
        assert post.collect_events() == []
        assert post.latest_metrics("weibo") == self.snapshot(10, reads=10)

    def test_lower_counts_recorded_as_correction(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Lower counts are recorded as a correction naming what went down."""
        post = self.published(planner, reviewer, admin)
        post.record_metrics(admin, self.snapshot(reads=10, likes=5))
        post.collect_events()
        lower = self.snapshot(5, reads=12, likes=3)
        assert post.record_metrics(admin, lower) is MetricOutcome.CORRECTED
        (event,) = post.collect_events()
        assert isinstance(event, Post.MetricsCorrected)
        assert event.lowered == ("likes",)
        assert post.latest_metrics("weibo") == lower

    def test_older_snapshot_refused(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """Different counts observed before the latest snapshot are refused."""
        post = self.published(planner, reviewer, admin)
        post.record_metrics(admin, self.snapshot(10, reads=10))
        refused(
            post, StaleMetricsError, lambda: post.record_metrics(admin, self.snapshot(5, reads=11))
        )

    def test_only_published_platforms(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """Metrics are for published variants of targeted platforms."""
        post = approved(planner, reviewer)
        refused(
            post, InvalidTransitionError, lambda: post.record_metrics(admin, self.snapshot(reads=1))
        )
        refused(
            post,
            PlatformNotTargetedError,
            lambda: post.record_metrics(admin, MetricSnapshot("douyin", NOW, reads=1)),
        )

    def test_metrics_after_retraction(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A retracted post's published variants still take late metrics."""
        post = self.published(planner, reviewer, admin)
        post.retract(admin, "Withdrawn")
        assert post.record_metrics(admin, self.snapshot(reads=3)) is MetricOutcome.RECORDED

    def test_bad_snapshot_and_role(self, planner: Actor, reviewer: Actor, admin: Actor) -> None:
        """A snapshot must be a MetricSnapshot; planners do not record metrics."""
        post = self.published(planner, reviewer, admin)
        not_a_snapshot: Any = {"reads": 1}
        refused(post, InvalidValueError, lambda: post.record_metrics(admin, not_a_snapshot))
        refused(
            post,
            PermissionDeniedError,
            lambda: post.record_metrics(planner, self.snapshot(reads=1)),
        )


class TestEvents:
    def test_every_event_carries_actor_and_campaign(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Every event of a post names the actor and the campaign."""
        campaign_id = uuid4()
        post = approved(planner, reviewer, campaign_id=campaign_id)
        post.schedule(planner, "weibo", NOW, now=NOW)
        post.record_publish_failure(admin, "weibo", "down", True, NOW)
        post.record_published(admin, receipt())
        post.record_metrics(admin, MetricSnapshot("weibo", NOW, reads=1))
        post.record_metrics(admin, MetricSnapshot("weibo", NOW, reads=0))
        post.schedule(planner, "wechat", NOW, now=NOW)
        post.unschedule(admin, "wechat")
        post.retract(admin, "Done")
        events: Sequence[Any] = post.collect_events()
        assert [type(e).__name__ for e in events] == [
            "Drafted",
            "SubmittedForReview",
            "Approved",
            "Scheduled",
            "PublishFailed",
            "Published",
            "MetricsRecorded",
            "MetricsCorrected",
            "Scheduled",
            "Unscheduled",
            "Retracted",
            "TakeDownRequested",  # live on weibo: a take-down task (no gateway in the domain)
        ]
        for e in events:
            assert e.campaign_id == campaign_id
            assert isinstance(e.actor_id, str)
        assert all(isinstance(e.originator_id, UUID) for e in events)

    def test_topics_are_explicit(self) -> None:
        """The aggregate and every event class have a fixed libops topic."""
        assert Post.TOPIC == "libops:Post"
        for name in (
            "Event",
            "Drafted",
            "Revised",
            "SubmittedForReview",
            "Approved",
            "ChangesRequested",
            "Scheduled",
            "Unscheduled",
            "Published",
            "PublishFailed",
            "Retracted",
            "MetricsRecorded",
            "MetricsCorrected",
        ):
            assert f"libops:Post.{name}" == getattr(Post, name).TOPIC

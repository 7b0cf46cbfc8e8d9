"""PostService on every kind of store: the workflow, bad inputs, idempotency, the calendar."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest

from libops import (
    Actor,
    CadenceBreach,
    CadencePolicy,
    FindingKind,
    LibOps,
    MetricOutcome,
    MetricSnapshot,
    Objective,
    Period,
    Platform,
    PlatformCalendar,
    PlatformStatus,
    Post,
    PostStatus,
    PostVariant,
    PublishReceipt,
    ReviewChecklist,
)
from libops.adapters.clock import ManualClock
from libops.adapters.platforms import DEFAULT_LIMITS
from libops.application.commands import CommandBus
from libops.application.posts import PostService, find_calendar
from libops.domain.errors import (
    CadenceError,
    ChecklistIncompleteError,
    IdempotencyKeyReuseError,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    PersonalDataFoundError,
    ReviewerIsAuthorError,
    ScheduleInPastError,
    UnknownIdError,
    VariantLimitError,
)
from tests.actors import PLANNER_REVIEWER
from tests.helpers import count_events, refused

PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
ID_NUMBER = "11010519491231002X"


def variants() -> list[PostVariant]:
    return [
        PostVariant(Platform.WEIBO, "4月23日世界读书日 #读书#", media=("poster.jpg",)),
        PostVariant(Platform.WECHAT, "世界读书日书单", media=("cover.jpg",)),
    ]


def draft(ops: LibOps, actor: Actor, **overrides: Any) -> UUID:
    arguments: dict[str, Any] = {
        "title": "World Book Day reading list",
        "body": "Ten books our librarians loved this year.",
        "content_type": "knowledge",
        "format": "image_text",
        "variants": variants(),
    }
    arguments.update(overrides)
    return ops.posts.draft(actor, **arguments)


def approved(ops: LibOps, author: Actor, reviewer: Actor, **overrides: Any) -> UUID:
    post_id = draft(ops, author, **overrides)
    ops.posts.submit_for_review(author, post_id)
    ops.posts.review(reviewer, post_id, PASSED, approve=True)
    return post_id


def publish(ops: LibOps, actor: Actor, post_id: UUID, platform: Platform, external_id: str) -> None:
    """Record a publication the way the publishing service does: post and calendar together."""
    post = ops.posts.get(post_id)
    post.record_published(
        actor,
        PublishReceipt(
            platform, external_id, f"https://example.org/{external_id}", ops.clock.now()
        ),
    )
    to_save: list[Any] = [post]
    calendar = find_calendar(ops.app, platform)
    if calendar is not None:
        calendar.release(post.id, actor=actor)
        to_save.append(calendar)
    ops.app.save(*to_save)


class TestWorkflow:
    def test_from_draft_to_metrics_and_retraction(
        self,
        ops: LibOps,
        clock: ManualClock,
        planner: Actor,
        planner2: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """A post goes through review, changes, scheduling, publishing, metrics and retraction."""
        campaign_id = ops.campaigns.plan(
            planner,
            name="World Book Day",
            kind="topic",
            period=Period(date(2026, 4, 1), date(2026, 4, 30)),
            platforms=["weibo"],
            objectives=[Objective("reads", 5000)],
        )
        post_id = draft(
            ops,
            planner,
            body="报名请联系 13812345678",
            campaign_id=campaign_id,
            source="National Library of China",
            licence="CC BY 4.0",
        )
        findings = ops.posts.submit_for_review(planner, post_id)
        assert [(f.kind, f.where, f.excerpt) for f in findings] == [
            (FindingKind.MOBILE_NUMBER, "body", "138****5678")
        ]
        ops.posts.review(reviewer, post_id, PASSED, approve=False, comments="Remove the phone")
        ops.posts.revise(planner2, post_id, body="报名请到服务台")
        assert ops.posts.submit_for_review(planner, post_id) == ()
        ops.posts.review(reviewer, post_id, PASSED, approve=True)

        at = clock.now() + timedelta(hours=2)
        ops.posts.schedule(planner, post_id, "weibo", at)
        ops.posts.schedule(planner, post_id, "wechat", at + timedelta(hours=1))
        assert ops.posts.calendar("weibo") == [(post_id, at)]

        clock.advance(timedelta(hours=2))
        publish(ops, tech, post_id, Platform.WEIBO, "w-1")
        assert ops.posts.calendar("weibo") == []
        seen = clock.now()
        assert (
            ops.posts.record_metrics(
                tech, post_id, MetricSnapshot("weibo", seen, reads=100, likes=5)
            )
            is MetricOutcome.RECORDED
        )
        clock.advance(timedelta(hours=2))  # later readings, never ahead of the clock
        assert (
            ops.posts.record_metrics(
                tech,
                post_id,
                MetricSnapshot("weibo", seen + timedelta(hours=1), reads=100, likes=5),
            )
            is MetricOutcome.UNCHANGED
        )
        assert (
            ops.posts.record_metrics(
                tech, post_id, MetricSnapshot("weibo", seen + timedelta(hours=2), reads=90, likes=6)
            )
            is MetricOutcome.CORRECTED
        )

        ops.posts.retract(admin, post_id, "Event moved")
        assert ops.posts.calendar("wechat") == []

        post = ops.posts.get(post_id)
        # Still live on Weibo (no gateway here can take it down): retracting, with a task.
        assert post.status is PostStatus.RETRACTING
        assert [t.platform.value for t in post.open_take_downs()] == ["weibo"]
        assert post.campaign_id == campaign_id
        assert post.authors == frozenset({planner.id, planner2.id})
        assert post.findings == ()
        assert [r.approved for r in post.reviews] == [False, True]
        assert post.platform_status("weibo") is PlatformStatus.PUBLISHED
        assert post.platform_status("wechat") is PlatformStatus.PENDING
        assert post.receipt("weibo") is not None
        assert post.latest_metrics("weibo") == MetricSnapshot(
            "weibo", seen + timedelta(hours=2), reads=90, likes=6
        )
        assert (post.source, post.licence) == ("National Library of China", "CC BY 4.0")
        # campaign 1 + post 13 (draft, submit, changes, the draft redacted for its phone
        # number, revise, submit, approve, 2 schedules, published, 2 metrics, retract, a
        # take-down task for Weibo) + calendars (weibo opened, booked, released; wechat
        # opened, booked, withdrawn) 6.
        assert post.version == 14
        assert post.redactions[1].actor_id == reviewer.id
        assert count_events(ops) == 1 + 14 + 6

    def test_findings_are_stored_in_the_event(self, ops: LibOps, planner: Actor) -> None:
        """The automatic findings are recorded, masked, in the SubmittedForReview event."""
        service = PostService(
            CommandBus(ops.app, attrs.evolve(ops.deps, sensitive_words=("第一",)))
        )
        post_id = service.draft(
            planner,
            title="全市第一",
            body=f"身份证 {ID_NUMBER}, mail li@example.org",
            content_type="news",
            format="image_text",
            variants=variants(),
        )
        service.submit_for_review(planner, post_id)
        events = list(ops.app.repository.event_store.get(post_id))
        submitted = events[-1]
        assert isinstance(submitted, Post.SubmittedForReview)
        assert [(f.kind, f.where, f.excerpt) for f in submitted.findings] == [
            (FindingKind.SENSITIVE_WORD, "title", "第一"),
            (FindingKind.ID_CARD_NUMBER, "body", "110***********002X"),
            (FindingKind.EMAIL_ADDRESS, "body", "l***@example.org"),
        ]

    def test_sensitive_words_from_open(self, clock: ManualClock, planner: Actor) -> None:
        """The sensitive words given to LibOps.open are what the review looks for."""
        with LibOps.open("memory://", clock=clock, sensitive_words=["Free Gift"]) as ops:
            post_id = draft(ops, planner, body="A FREE GIFT for every reader")
            (finding,) = ops.posts.submit_for_review(planner, post_id)
            assert (finding.kind, finding.excerpt) == (FindingKind.SENSITIVE_WORD, "Free Gift")

    @pytest.mark.parametrize(
        "options",
        [{"cadence": "weibo 1-2"}, {"sensitive_words": "第一"}, {"sensitive_words": [""]}],
    )
    def test_bad_open_options(self, clock: ManualClock, options: dict[str, Any]) -> None:
        """A malformed cadence policy or word list is refused when opening."""
        with pytest.raises(InvalidValueError):
            LibOps.open("memory://", clock=clock, **options)


class TestBadInputsRecordNothing:
    def test_empty_title(self, ops: LibOps, planner: Actor) -> None:
        """An empty title is refused."""
        refused(ops, InvalidValueError, lambda: draft(ops, planner, title="  "))

    def test_variant_over_platform_limit(self, ops: LibOps, planner: Actor) -> None:
        """A variant longer than its platform allows is refused, naming the violation."""
        limit = DEFAULT_LIMITS[Platform.BLUESKY].max_text_length
        too_long = [PostVariant("bluesky", "a" * (limit + 1))]
        refused(ops, VariantLimitError, lambda: draft(ops, planner, variants=too_long))

    def test_variant_over_limit_on_revision(self, ops: LibOps, planner: Actor) -> None:
        """A revision whose variant breaks the platform's limits is refused."""
        post_id = draft(ops, planner)
        limit = DEFAULT_LIMITS[Platform.BLUESKY].max_text_length
        refused(
            ops,
            VariantLimitError,
            lambda: ops.posts.revise(
                planner, post_id, variants=[PostVariant("bluesky", "a" * (limit + 1))]
            ),
        )

    def test_unknown_campaign(self, ops: LibOps, planner: Actor) -> None:
        """A post cannot link to a campaign that does not exist."""
        refused(ops, UnknownIdError, lambda: draft(ops, planner, campaign_id=uuid4()))

    def test_unknown_post(self, ops: LibOps, planner: Actor, admin: Actor) -> None:
        """Commands on an unknown post id are a specific error."""
        refused(ops, UnknownIdError, lambda: ops.posts.submit_for_review(planner, uuid4()))
        refused(ops, UnknownIdError, lambda: ops.posts.retract(admin, "not-a-uuid", "x"))

    def test_campaign_id_is_not_a_post(self, ops: LibOps, planner: Actor) -> None:
        """A campaign's id is not a post's id."""
        campaign_id = ops.campaigns.plan(
            planner, name="x", kind="topic", period=Period(date(2026, 4, 1), date(2026, 4, 2))
        )
        refused(ops, UnknownIdError, lambda: ops.posts.submit_for_review(planner, campaign_id))

    def test_actor_without_role(self, ops: LibOps, auditor: Actor, planner: Actor) -> None:
        """An auditor gives no commands."""
        refused(ops, PermissionDeniedError, lambda: draft(ops, auditor))
        post_id = draft(ops, planner)
        refused(ops, PermissionDeniedError, lambda: ops.posts.submit_for_review(auditor, post_id))

    def test_review_by_author(self, ops: LibOps) -> None:
        """The author never reviews their own post."""
        both = PLANNER_REVIEWER
        post_id = draft(ops, both)
        ops.posts.submit_for_review(both, post_id)
        refused(
            ops,
            ReviewerIsAuthorError,
            lambda: ops.posts.review(both, post_id, PASSED, approve=True),
        )

    def test_transitions_out_of_order(
        self, ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Reviewing a draft, scheduling before approval, revising after it are refused."""
        post_id = draft(ops, planner)
        later = clock.now() + timedelta(hours=1)
        refused(
            ops,
            InvalidTransitionError,
            lambda: ops.posts.review(reviewer, post_id, PASSED, approve=True),
        )
        refused(
            ops,
            InvalidTransitionError,
            lambda: ops.posts.schedule(planner, post_id, "weibo", later),
        )
        ops.posts.submit_for_review(planner, post_id)
        refused(ops, InvalidTransitionError, lambda: ops.posts.submit_for_review(planner, post_id))
        ops.posts.review(reviewer, post_id, PASSED, approve=True)
        refused(ops, InvalidTransitionError, lambda: ops.posts.revise(planner, post_id, body="x"))
        refused(ops, InvalidTransitionError, lambda: ops.posts.unschedule(admin, post_id, "weibo"))
        refused(
            ops,
            InvalidTransitionError,
            lambda: ops.posts.record_metrics(
                admin, post_id, MetricSnapshot("weibo", clock.now(), reads=1)
            ),
        )
        ops.posts.retract(admin, post_id, "Withdrawn")
        refused(ops, InvalidTransitionError, lambda: ops.posts.retract(admin, post_id, "Again"))

    def test_schedule_in_past(
        self, ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor
    ) -> None:
        """A time before the application clock's now is refused; now itself is fine."""
        post_id = approved(ops, planner, reviewer)
        refused(
            ops,
            ScheduleInPastError,
            lambda: ops.posts.schedule(
                planner, post_id, "weibo", clock.now() - timedelta(minutes=1)
            ),
        )
        ops.posts.schedule(planner, post_id, "weibo", clock.now())
        clock.advance(timedelta(days=1))
        refused(
            ops,
            ScheduleInPastError,
            lambda: ops.posts.schedule(
                planner, post_id, "wechat", clock.now() - timedelta(seconds=1)
            ),
        )

    def test_personal_data_blocks_approval(
        self, ops: LibOps, planner: Actor, reviewer: Actor
    ) -> None:
        """A post with an ID-card number in it is not approved."""
        post_id = draft(ops, planner, body=f"获奖者身份证 {ID_NUMBER}")
        ops.posts.submit_for_review(planner, post_id)
        refused(
            ops,
            PersonalDataFoundError,
            lambda: ops.posts.review(reviewer, post_id, PASSED, approve=True),
        )

    def test_checklist_incomplete(self, ops: LibOps, planner: Actor, reviewer: Actor) -> None:
        """Approval with an unconfirmed checklist item is refused."""
        post_id = draft(ops, planner)
        ops.posts.submit_for_review(planner, post_id)
        unchecked = ReviewChecklist(accuracy=True, copyright=False, privacy=True)
        refused(
            ops,
            ChecklistIncompleteError,
            lambda: ops.posts.review(reviewer, post_id, unchecked, approve=True),
        )

    def test_enforced_cadence(
        self, ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor
    ) -> None:
        """With an enforcing policy a third Weibo post in a day is refused."""
        strict = PostService(
            CommandBus(ops.app, attrs.evolve(ops.deps, cadence=CadencePolicy(enforce=True)))
        )
        at = clock.now() + timedelta(hours=1)
        for _ in range(2):
            strict.schedule(planner, approved(ops, planner, reviewer), "weibo", at)
        third = approved(ops, planner, reviewer)
        refused(ops, CadenceError, lambda: strict.schedule(planner, third, "weibo", at))
        assert strict.get(third).platform_status("weibo") is PlatformStatus.PENDING

    def test_idempotency_key_reused_for_other_arguments(self, ops: LibOps, planner: Actor) -> None:
        """A key reused with different arguments or another command is refused."""
        post_id = draft(ops, planner, idempotency_key="k")
        refused(
            ops,
            IdempotencyKeyReuseError,
            lambda: draft(ops, planner, title="Other", idempotency_key="k"),
        )
        refused(
            ops,
            IdempotencyKeyReuseError,
            lambda: ops.posts.submit_for_review(planner, post_id, idempotency_key="k"),
        )


class TestIdempotency:
    def test_every_command_repeats_without_recording(
        self,
        ops: LibOps,
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """Each command given twice with one key returns the first result and records once."""

        def twice(call: Callable[[str], object], key: str) -> object:
            first = call(key)
            before = count_events(ops)
            again = call(key)
            assert again == first
            assert count_events(ops) == before
            return first

        post_id = twice(lambda k: draft(ops, planner, idempotency_key=k), "draft")
        assert isinstance(post_id, UUID)
        twice(
            lambda k: ops.posts.revise(
                planner, post_id, body="Phone 13812345678", idempotency_key=k
            ),
            "revise",
        )
        findings = twice(
            lambda k: ops.posts.submit_for_review(planner, post_id, idempotency_key=k), "submit"
        )
        assert isinstance(findings, tuple)
        assert len(findings) == 1
        twice(
            lambda k: ops.posts.review(
                reviewer, post_id, PASSED, approve=False, comments="No phones", idempotency_key=k
            ),
            "review1",
        )
        ops.posts.revise(planner, post_id, body="Clean")
        ops.posts.submit_for_review(planner, post_id)
        twice(
            lambda k: ops.posts.review(reviewer, post_id, PASSED, approve=True, idempotency_key=k),
            "review2",
        )
        at = clock.now() + timedelta(hours=1)
        warnings = twice(
            lambda k: ops.posts.schedule(planner, post_id, "wechat", at, idempotency_key=k),
            "schedule",
        )
        assert isinstance(warnings, tuple)
        assert [w.breach for w in warnings] == [CadenceBreach.UNDER_MIN]
        twice(
            lambda k: ops.posts.unschedule(admin, post_id, "wechat", idempotency_key=k),
            "unschedule",
        )
        publish(ops, tech, post_id, Platform.WEIBO, "w-9")
        snapshot = MetricSnapshot("weibo", clock.now(), reads=3)
        outcome = twice(
            lambda k: ops.posts.record_metrics(tech, post_id, snapshot, idempotency_key=k),
            "metrics",
        )
        assert outcome is MetricOutcome.RECORDED
        twice(lambda k: ops.posts.retract(admin, post_id, "Done", idempotency_key=k), "retract")


class TestCalendarAndCadence:
    def test_schedule_saves_post_and_calendar(
        self, ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Scheduling books the calendar slot in the same save; unscheduling frees it."""
        post_id = approved(ops, planner, reviewer)
        before = count_events(ops)
        at = clock.now() + timedelta(hours=3)
        ops.posts.schedule(planner, post_id, "weibo", at)
        assert count_events(ops) == before + 3  # Post.Scheduled, calendar opened and booked
        assert ops.posts.calendar("weibo") == [(post_id, at)]
        assert ops.posts.get(post_id).scheduled_at("weibo") == at
        ops.posts.schedule(planner, post_id, "weibo", at + timedelta(hours=1))
        assert ops.posts.calendar("weibo") == [(post_id, at + timedelta(hours=1))]
        ops.posts.unschedule(admin, post_id, "weibo")
        assert ops.posts.calendar("weibo") == []
        assert ops.posts.get(post_id).platform_status("weibo") is PlatformStatus.PENDING

    def test_warnings_count_scheduled_and_published_posts(
        self, ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, tech: Actor
    ) -> None:
        """A third Weibo post in a Beijing day warns, counting one already published."""
        posts = [approved(ops, planner, reviewer) for _ in range(3)]
        morning = clock.now()  # 16:00 in Beijing
        assert ops.posts.schedule(planner, posts[0], "weibo", morning) == ()
        publish(ops, tech, posts[0], Platform.WEIBO, "w-1")
        assert ops.posts.schedule(planner, posts[1], "weibo", morning + timedelta(hours=2)) == ()
        (warning,) = ops.posts.schedule(planner, posts[2], "weibo", morning + timedelta(hours=3))
        assert (warning.breach, warning.count, warning.limit) == (CadenceBreach.OVER_MAX, 3, 2)
        # 17:00 UTC is 01:00 the next day in Beijing: a new day.
        assert ops.posts.schedule(planner, posts[2], "weibo", morning + timedelta(hours=9)) == ()

    def test_rescheduling_does_not_count_itself(
        self, ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor
    ) -> None:
        """Moving a post within a day does not count it twice."""
        posts = [approved(ops, planner, reviewer) for _ in range(2)]
        at = clock.now() + timedelta(hours=1)
        ops.posts.schedule(planner, posts[0], "weibo", at)
        ops.posts.schedule(planner, posts[1], "weibo", at)
        assert ops.posts.schedule(planner, posts[1], "weibo", at + timedelta(hours=1)) == ()

    def test_retraction_frees_every_slot(
        self, ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Retracting a scheduled post frees its slots on every platform."""
        post_id = approved(ops, planner, reviewer)
        at = clock.now() + timedelta(hours=1)
        ops.posts.schedule(planner, post_id, "weibo", at)
        ops.posts.schedule(planner, post_id, "wechat", at)
        ops.posts.retract(admin, post_id, "Cancelled")
        assert ops.posts.calendar("weibo") == ops.posts.calendar("wechat") == []
        calendar = find_calendar(ops.app, "weibo")
        assert calendar is not None
        assert calendar.occupied() == []

    def test_concurrent_schedulers_lose_nothing(
        self, ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor
    ) -> None:
        """Several people scheduling on one platform at once all get their slot."""
        posts = [approved(ops, planner, reviewer) for _ in range(4)]
        at = clock.now() + timedelta(days=1)
        errors: list[BaseException] = []
        barrier = threading.Barrier(len(posts))

        def schedule(post_id: UUID, n: int) -> None:
            try:
                barrier.wait()
                ops.posts.schedule(planner, post_id, "weibo", at + timedelta(minutes=n))
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)

        threads = [threading.Thread(target=schedule, args=(p, n)) for n, p in enumerate(posts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sorted(p for p, _ in ops.posts.calendar("weibo")) == sorted(posts)
        calendar: PlatformCalendar = ops.app.repository.get(PlatformCalendar.id_for("weibo"))
        assert calendar.version == 1 + len(posts)

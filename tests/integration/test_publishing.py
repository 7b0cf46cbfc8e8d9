"""Publishing through platform gateways, on every kind of store, with the sandbox platform."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import (
    AlreadyPublishedError,
    IdempotencyKeyReuseError,
    InvalidTransitionError,
    InvalidValueError,
    NoGatewayError,
    PermissionDeniedError,
    PlatformNotTargetedError,
    PublishFailedError,
    UnknownIdError,
)
from libops.domain.post import MetricOutcome, PlatformStatus
from libops.domain.values import Platform, PostVariant, PublishReceipt, ReviewChecklist
from tests.helpers import count_events, refused

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)


@pytest.fixture(params=[True, False], ids=["with-keys", "without-keys"])
def keys(request: pytest.FixtureRequest) -> bool:
    """Whether the Weibo sandbox honours idempotency keys (both modes in turn)."""
    return bool(request.param)


@pytest.fixture
def weibo(clock: ManualClock, keys: bool) -> SandboxPlatform:
    return SandboxPlatform("weibo", seed="weibo", clock=clock, supports_idempotency_key=keys)


@pytest.fixture
def wechat(clock: ManualClock) -> SandboxPlatform:
    return SandboxPlatform("wechat", seed="wechat", clock=clock, supports_idempotency_key=False)


@pytest.fixture
def pub(
    store_url: str, clock: ManualClock, weibo: SandboxPlatform, wechat: SandboxPlatform
) -> Iterator[LibOps]:
    """libops on each kind of store, with sandbox gateways for Weibo and WeChat."""
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[weibo, wechat]) as opened:
        yield opened


def drafted_post(
    ops: LibOps, planner: Actor, *platforms: Platform, title: str = "Book Day"
) -> UUID:
    variants = [
        PostVariant(
            p,
            f"{title}: new arrivals on {p.value}?",
            media=("cover.jpg",) if p is Platform.WECHAT else (),
        )
        for p in platforms or (Platform.WEIBO,)
    ]
    return ops.posts.draft(
        planner,
        title=title,
        body="Our reading list for World Book Day.",
        content_type="news",
        format="image_text",
        variants=variants,
    )


def approved_post(
    ops: LibOps, planner: Actor, reviewer: Actor, *platforms: Platform, title: str = "Book Day"
) -> UUID:
    post_id = drafted_post(ops, planner, *platforms, title=title)
    ops.posts.submit_for_review(planner, post_id)
    ops.posts.review(reviewer, post_id, CHECKED, approve=True)
    return post_id


class TestPublish:
    def test_publish_records_the_receipt(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, weibo: SandboxPlatform
    ) -> None:
        """Publishing puts one post out and records the platform's receipt on the post."""
        post_id = approved_post(pub, planner, reviewer)
        receipt = pub.publishing.publish(admin, post_id, "weibo")
        assert weibo.published() == [receipt]
        post = pub.posts.get(post_id)
        assert post.platform_status(Platform.WEIBO) is PlatformStatus.PUBLISHED
        assert post.receipt(Platform.WEIBO) == receipt
        assert weibo.variant(receipt.external_id) == post.variant(Platform.WEIBO)

    def test_publish_twice_one_platform_post(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, weibo: SandboxPlatform
    ) -> None:
        """A second publish is refused (or, with the same key, answered) and posts nothing."""
        post_id = approved_post(pub, planner, reviewer)
        first = pub.publishing.publish(admin, post_id, Platform.WEIBO, idempotency_key="pub-1")
        before = count_events(pub)
        again = pub.publishing.publish(admin, post_id, Platform.WEIBO, idempotency_key="pub-1")
        assert again == first
        with pytest.raises(AlreadyPublishedError):
            pub.publishing.publish(admin, post_id, Platform.WEIBO)
        assert count_events(pub) == before
        assert weibo.published() == [first]

    def test_idempotency_key_reused_for_another_post(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, weibo: SandboxPlatform
    ) -> None:
        """A command key reused for another post is refused and records and publishes nothing."""
        first = approved_post(pub, planner, reviewer, title="First")
        second = approved_post(pub, planner, reviewer, title="Second")
        pub.publishing.publish(admin, first, "weibo", idempotency_key="k")
        refused(
            pub,
            IdempotencyKeyReuseError,
            lambda: pub.publishing.publish(admin, second, "weibo", idempotency_key="k"),
        )
        assert len(weibo.published()) == 1

    def test_lost_response_then_retry_publishes_once(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, weibo: SandboxPlatform
    ) -> None:
        """A publish whose answer was lost is recorded as failed; the retry finds the post."""
        post_id = approved_post(pub, planner, reviewer)
        weibo.lose_response_next()
        with pytest.raises(PublishFailedError) as raised:
            pub.publishing.publish(admin, post_id, "weibo")
        assert raised.value.retryable is True
        assert raised.value.post_id == post_id
        assert raised.value.platform == "weibo"
        [out_there] = weibo.published()
        failed = pub.posts.get(post_id)
        assert failed.platform_status(Platform.WEIBO) is PlatformStatus.FAILED
        failure = failed.last_failure(Platform.WEIBO)
        assert failure is not None
        assert failure.retryable is True
        receipt = pub.publishing.publish(admin, post_id, "weibo")
        assert receipt == out_there
        assert weibo.published() == [out_there]
        assert pub.posts.get(post_id).receipt(Platform.WEIBO) == out_there

    def test_failure_recorded_then_retry_succeeds(
        self,
        pub: LibOps,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        weibo: SandboxPlatform,
        clock: ManualClock,
    ) -> None:
        """A platform failure is recorded on the post (one event) and a retry then succeeds."""
        post_id = approved_post(pub, planner, reviewer)
        weibo.fail_next(message="rate limit reached")
        before = count_events(pub)
        with pytest.raises(PublishFailedError, match="rate limit reached") as raised:
            pub.publishing.publish(admin, str(post_id), "weibo")
        assert raised.value.post_id == post_id
        assert count_events(pub) == before + 1
        failure = pub.posts.get(post_id).last_failure(Platform.WEIBO)
        assert failure is not None
        assert failure.error == "rate limit reached"
        assert failure.at == clock.now()
        assert weibo.published() == []
        clock.advance(timedelta(minutes=10))
        receipt = pub.publishing.publish(admin, post_id, "weibo")
        assert weibo.published() == [receipt]
        assert receipt.published_at == clock.now()

    def test_non_retryable_failure(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, weibo: SandboxPlatform
    ) -> None:
        """A failure the platform says not to retry is recorded as such."""
        post_id = approved_post(pub, planner, reviewer)
        weibo.fail_next(message="account suspended", retryable=False)
        with pytest.raises(PublishFailedError) as raised:
            pub.publishing.publish(admin, post_id, "weibo")
        assert raised.value.retryable is False
        failure = pub.posts.get(post_id).last_failure(Platform.WEIBO)
        assert failure is not None
        assert failure.retryable is False

    def test_unapproved_post_refused(
        self, pub: LibOps, planner: Actor, admin: Actor, weibo: SandboxPlatform
    ) -> None:
        """A post that was not approved is not published, and nothing is recorded."""
        post_id = drafted_post(pub, planner)
        refused(
            pub, InvalidTransitionError, lambda: pub.publishing.publish(admin, post_id, "weibo")
        )
        assert weibo.published() == []

    def test_retracted_post_refused(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, weibo: SandboxPlatform
    ) -> None:
        """A retracted post is not published, and nothing is recorded."""
        post_id = approved_post(pub, planner, reviewer)
        pub.posts.retract(admin, post_id, "event cancelled")
        refused(
            pub, InvalidTransitionError, lambda: pub.publishing.publish(admin, post_id, "weibo")
        )
        assert weibo.published() == []

    @pytest.mark.parametrize("who", ["planner", "reviewer", "auditor"])
    def test_actor_without_role_refused(
        self,
        pub: LibOps,
        planner: Actor,
        reviewer: Actor,
        who: str,
        weibo: SandboxPlatform,
        request: pytest.FixtureRequest,
    ) -> None:
        """Only operations admins and technical support publish; others record nothing."""
        post_id = approved_post(pub, planner, reviewer)
        actor = request.getfixturevalue(who)
        refused(pub, PermissionDeniedError, lambda: pub.publishing.publish(actor, post_id, "weibo"))
        assert weibo.published() == []

    def test_technical_support_may_publish(
        self, pub: LibOps, planner: Actor, reviewer: Actor, tech: Actor
    ) -> None:
        """Technical support can publish too."""
        post_id = approved_post(pub, planner, reviewer)
        assert pub.publishing.publish(tech, post_id, "weibo").platform is Platform.WEIBO

    def test_platform_not_targeted(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, wechat: SandboxPlatform
    ) -> None:
        """A post without a WeChat variant cannot go out on WeChat; nothing is recorded."""
        post_id = approved_post(pub, planner, reviewer, Platform.WEIBO)
        refused(
            pub, PlatformNotTargetedError, lambda: pub.publishing.publish(admin, post_id, "wechat")
        )
        assert wechat.published() == []

    def test_no_gateway_for_platform(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A platform without a registered gateway is a specific error; nothing is recorded."""
        post_id = approved_post(pub, planner, reviewer, Platform.WEIBO, Platform.MASTODON)
        refused(pub, NoGatewayError, lambda: pub.publishing.publish(admin, post_id, "mastodon"))

    @pytest.mark.parametrize("post_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
    def test_unknown_post(self, pub: LibOps, admin: Actor, post_id: str) -> None:
        """An unknown post id is a specific error; nothing is recorded."""
        refused(pub, UnknownIdError, lambda: pub.publishing.publish(admin, post_id, "weibo"))

    def test_unknown_platform_name(self, pub: LibOps, admin: Actor) -> None:
        """An unknown platform name is bad input; nothing is recorded."""
        refused(pub, InvalidValueError, lambda: pub.publishing.publish(admin, uuid4(), "myspace"))

    def test_publishing_releases_the_calendar_slot(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, clock: ManualClock
    ) -> None:
        """Publishing a scheduled post frees its slot in the platform's calendar."""
        post_id = approved_post(pub, planner, reviewer)
        pub.posts.schedule(admin, post_id, "weibo", clock.now() + timedelta(hours=1))
        assert [pid for pid, _at in pub.posts.calendar("weibo")] == [post_id]
        pub.publishing.publish(admin, post_id, "weibo")
        assert pub.posts.calendar("weibo") == []

    def test_each_platform_separately(
        self,
        pub: LibOps,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        weibo: SandboxPlatform,
        wechat: SandboxPlatform,
    ) -> None:
        """A post's variants go out platform by platform, each with its own receipt."""
        post_id = approved_post(pub, planner, reviewer, Platform.WEIBO, Platform.WECHAT)
        on_weibo = pub.publishing.publish(admin, post_id, "weibo")
        post = pub.posts.get(post_id)
        assert post.platform_status(Platform.WECHAT) is PlatformStatus.PENDING
        on_wechat = pub.publishing.publish(admin, post_id, "wechat")
        assert weibo.published() == [on_weibo]
        assert wechat.published() == [on_wechat]
        assert on_wechat.url.startswith("https://mp.weixin.qq.com/s/")

    def test_lost_race_publishes_once(
        self,
        store_url: str,
        clock: ManualClock,
        keys: bool,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
    ) -> None:
        """When a concurrent writer saves first, the retried command does not publish again."""

        class Racing(SandboxPlatform):
            """Lets someone else change the post while the platform call is out."""

            race: list[Callable[[], object]] = []
            calls = 0

            def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
                Racing.calls += 1
                receipt = super().publish(variant, idempotency_key)
                while self.race:
                    self.race.pop()()
                return receipt

        weibo = Racing("weibo", seed="race", clock=clock, supports_idempotency_key=keys)
        with LibOps.open(store_url, clock=clock, migrate=True, gateways=[weibo]) as ops:
            racer = approved_post(ops, planner, reviewer, title="Racer")
            ops.posts.schedule(admin, racer, "weibo", clock.now() + timedelta(hours=1))
            # While the platform call is out, someone moves the post's slot: our save loses.
            weibo.race.append(
                lambda: ops.posts.schedule(admin, racer, "weibo", clock.now() + timedelta(hours=2))
            )
            receipt = ops.publishing.publish(admin, racer, "weibo")
            # The command ran twice (it lost the race once); with keys the platform was
            # asked twice and absorbed it, without keys the retry found the post instead.
            assert Racing.calls == (2 if keys else 1)
            assert weibo.published() == [receipt]
            assert ops.posts.get(racer).receipt(Platform.WEIBO) == receipt
            assert ops.posts.calendar("weibo") == []


class TestPublishDue:
    def test_only_due_slots_oldest_first(
        self,
        pub: LibOps,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        clock: ManualClock,
        weibo: SandboxPlatform,
        wechat: SandboxPlatform,
    ) -> None:
        """Slots at or before now go out oldest first; later slots stay booked."""
        start = clock.now()
        later = approved_post(pub, planner, reviewer, title="Later")
        early = approved_post(pub, planner, reviewer, title="Early")
        future = approved_post(pub, planner, reviewer, Platform.WECHAT, title="Future")
        on_time = approved_post(pub, planner, reviewer, Platform.WECHAT, title="On time")
        pub.posts.schedule(admin, later, "weibo", start + timedelta(hours=2))
        pub.posts.schedule(admin, early, "weibo", start + timedelta(hours=1))
        pub.posts.schedule(admin, future, "wechat", start + timedelta(hours=5))
        pub.posts.schedule(admin, on_time, "wechat", start + timedelta(hours=3))
        assert pub.publishing.publish_due(admin) == []
        clock.set(start + timedelta(hours=3))
        outcomes = pub.publishing.publish_due(admin)
        assert [(o.post_id, o.platform) for o in outcomes] == [
            (early, Platform.WEIBO),
            (later, Platform.WEIBO),
            (on_time, Platform.WECHAT),
        ]
        assert all(o.published and o.error is None for o in outcomes)
        assert len(weibo.published()) == 2
        assert len(wechat.published()) == 1
        assert [pid for pid, _at in pub.posts.calendar("wechat")] == [future]
        assert pub.posts.get(future).platform_status(Platform.WECHAT) is PlatformStatus.SCHEDULED
        assert pub.publishing.publish_due(admin) == []

    def test_failure_does_not_stop_the_rest(
        self,
        pub: LibOps,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        clock: ManualClock,
        weibo: SandboxPlatform,
    ) -> None:
        """One failing slot gets an error outcome, the others go out, and it is retried later."""
        start = clock.now()
        first = approved_post(pub, planner, reviewer, title="First")
        second = approved_post(pub, planner, reviewer, title="Second")
        pub.posts.schedule(admin, first, "weibo", start + timedelta(minutes=10))
        pub.posts.schedule(admin, second, "weibo", start + timedelta(minutes=20))
        clock.advance(timedelta(hours=1))
        weibo.fail_next(message="service unavailable")
        failed, succeeded = pub.publishing.publish_due(admin)
        assert failed.post_id == first
        assert failed.receipt is None
        assert failed.retryable is True
        assert "service unavailable" in (failed.error or "")
        assert succeeded.post_id == second
        assert succeeded.published
        [retried] = pub.publishing.publish_due(admin)
        assert retried.post_id == first
        assert retried.published
        assert len(weibo.published()) == 2

    def test_lost_response_in_a_due_run(
        self,
        pub: LibOps,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        clock: ManualClock,
        weibo: SandboxPlatform,
    ) -> None:
        """A lost response in one run is found, not re-published, by the next run."""
        post_id = approved_post(pub, planner, reviewer)
        pub.posts.schedule(admin, post_id, "weibo", clock.now() + timedelta(minutes=5))
        clock.advance(timedelta(minutes=5))
        weibo.lose_response_next()
        [lost] = pub.publishing.publish_due(admin)
        assert not lost.published
        [found] = pub.publishing.publish_due(admin)
        assert found.receipt == weibo.published()[0]
        assert len(weibo.published()) == 1

    def test_non_retryable_failure_not_retried(
        self,
        pub: LibOps,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        clock: ManualClock,
        weibo: SandboxPlatform,
    ) -> None:
        """A slot whose last failure was final is reported without calling the platform."""
        post_id = approved_post(pub, planner, reviewer)
        pub.posts.schedule(admin, post_id, "weibo", clock.now() + timedelta(minutes=5))
        clock.advance(timedelta(minutes=5))
        weibo.fail_next(message="content rejected", retryable=False)
        [first] = pub.publishing.publish_due(admin)
        assert first.retryable is False
        before = count_events(pub)
        weibo.fail_next(message="should not be reached")
        [again] = pub.publishing.publish_due(admin)
        assert again.error == "not retried: content rejected"
        assert count_events(pub) == before
        assert weibo.published() == []
        with pytest.raises(PublishFailedError, match="should not be reached"):
            pub.publishing.publish(admin, post_id, "weibo")  # a person can still force a retry

    def test_auditor_refused(self, pub: LibOps, auditor: Actor) -> None:
        """Only those who may publish run the due slots; nothing is recorded."""
        refused(pub, PermissionDeniedError, lambda: pub.publishing.publish_due(auditor))


class TestCollectMetrics:
    def test_metrics_collected_over_time(
        self,
        pub: LibOps,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
        clock: ManualClock,
    ) -> None:
        """Snapshots taken as time passes are recorded, and counts grow."""
        post_id = approved_post(pub, planner, reviewer, Platform.WEIBO, Platform.WECHAT)
        pub.publishing.publish(admin, post_id, "weibo")
        pub.publishing.publish(admin, post_id, "wechat")
        clock.advance(timedelta(hours=2))
        first = pub.publishing.collect_metrics(tech)
        assert {(o.post_id, o.platform, o.outcome) for o in first} == {
            (post_id, Platform.WEIBO, MetricOutcome.RECORDED),
            (post_id, Platform.WECHAT, MetricOutcome.RECORDED),
        }
        clock.advance(timedelta(days=2))
        second = pub.publishing.collect_metrics(tech, post_id)
        assert [o.outcome for o in second] == [MetricOutcome.RECORDED] * 2
        post = pub.posts.get(post_id)
        for before, after in zip(first, second, strict=True):
            assert after.snapshot is not None
            assert before.snapshot is not None
            assert after.snapshot.reads > before.snapshot.reads
            assert post.latest_metrics(after.platform) == after.snapshot
            assert after.snapshot.observed_at == clock.now()

    def test_identical_snapshot_recorded_once(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, clock: ManualClock
    ) -> None:
        """Collecting again before anything changed records nothing new."""
        post_id = approved_post(pub, planner, reviewer)
        pub.publishing.publish(admin, post_id, "weibo")
        clock.advance(timedelta(days=60))  # long saturated: the counts no longer move
        [first] = pub.publishing.collect_metrics(admin)
        assert first.outcome is MetricOutcome.RECORDED
        before = count_events(pub)
        clock.advance(timedelta(hours=1))
        [again] = pub.publishing.collect_metrics(admin)
        assert again.outcome is MetricOutcome.UNCHANGED
        assert count_events(pub) == before
        stored = pub.posts.get(post_id).latest_metrics(Platform.WEIBO)
        assert stored == first.snapshot

    def test_only_published_variants(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, clock: ManualClock
    ) -> None:
        """Unpublished posts and variants are skipped."""
        published = approved_post(pub, planner, reviewer, Platform.WEIBO, Platform.WECHAT)
        approved_post(pub, planner, reviewer, title="Not out yet")
        pub.publishing.publish(admin, published, "wechat")
        clock.advance(timedelta(hours=5))
        outcomes = pub.publishing.collect_metrics(admin)
        assert [(o.post_id, o.platform) for o in outcomes] == [(published, Platform.WECHAT)]

    def test_platform_failure_gives_an_outcome(
        self,
        pub: LibOps,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        clock: ManualClock,
        weibo: SandboxPlatform,
    ) -> None:
        """A platform that fails to answer gives an error outcome; the other posts are read."""
        first = approved_post(pub, planner, reviewer, title="First")
        second = approved_post(pub, planner, reviewer, title="Second")
        pub.publishing.publish(admin, first, "weibo")
        pub.publishing.publish(admin, second, "weibo")
        clock.advance(timedelta(hours=6))
        weibo.fail_next(message="metrics API down", on="metrics")
        failed, read = pub.publishing.collect_metrics(admin)
        assert failed.post_id == first
        assert failed.outcome is None
        assert "metrics API down" in (failed.error or "")
        assert read.post_id == second
        assert read.outcome is MetricOutcome.RECORDED
        assert pub.posts.get(first).latest_metrics(Platform.WEIBO) is None

    def test_auditor_refused(
        self, pub: LibOps, planner: Actor, reviewer: Actor, admin: Actor, auditor: Actor
    ) -> None:
        """Auditors read but do not record metrics; nothing is recorded."""
        post_id = approved_post(pub, planner, reviewer)
        pub.publishing.publish(admin, post_id, "weibo")
        refused(pub, PermissionDeniedError, lambda: pub.publishing.collect_metrics(auditor))

    def test_unknown_post(self, pub: LibOps, admin: Actor) -> None:
        """Collecting for an unknown post is a specific error."""
        with pytest.raises(UnknownIdError):
            pub.publishing.collect_metrics(admin, uuid4())


class TestPublishingServiceWiring:
    def test_two_gateways_for_one_platform(self, clock: ManualClock) -> None:
        """LibOps.open refuses two gateways for the same platform."""
        first = SandboxPlatform("weibo", seed=1, clock=clock)
        second = SandboxPlatform("weibo", seed=2, clock=clock)
        with pytest.raises(InvalidValueError):
            LibOps.open("memory://", clock=clock, gateways=[first, second])

    def test_platforms_listed(self, pub: LibOps) -> None:
        """The service says which platforms it can publish on."""
        assert set(pub.publishing.platforms) == {Platform.WEIBO, Platform.WECHAT}

"""The PlatformGateway contract run against the sandbox, plus the sandbox's own behaviour."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from libops.adapters.clock import ManualClock
from libops.adapters.platforms import DEFAULT_LIMITS, gateways_by_platform, limits_for
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import (
    InvalidValueError,
    PlatformError,
    PlatformTimeoutError,
    UnknownPlatformPostError,
)
from libops.domain.platforms import publishing_platforms
from libops.domain.ports import Comment, PlatformGateway
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
)
from libops.testing import AdvanceTime, PlatformGatewayContract

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NEGATIVE_WORDS = (
    "失望",
    "差",
    "糟糕",
    "浪费",
    "投诉",
    "disappointed",
    "Terrible",
    "waste",
    "Awful",
    "hate",
)


def make_sandbox(
    platform: Platform | str = Platform.WEIBO,
    *,
    seed: int | str = 7,
    supports_idempotency_key: bool = True,
    clock: ManualClock | None = None,
) -> tuple[SandboxPlatform, ManualClock]:
    clock = clock or ManualClock(START)
    sandbox = SandboxPlatform(
        platform, seed=seed, clock=clock, supports_idempotency_key=supports_idempotency_key
    )
    return sandbox, clock


def variant_for(platform: Platform, text: str = "Reading list #books") -> PostVariant:
    media = ("cover.jpg",) if DEFAULT_LIMITS[platform].requires_media else ()
    return PostVariant(platform, text, media=media)


# --- the shipped contract, on every platform and in both idempotency modes -----------------


class TestSandboxContractWithIdempotencyKeys(PlatformGatewayContract):
    """The sandbox, absorbing repeated keys like Mastodon's Idempotency-Key."""

    @pytest.fixture(autouse=True, params=publishing_platforms(), ids=lambda p: p.value)
    def _platform(self, request: pytest.FixtureRequest) -> None:
        self.platform: Platform = request.param

    def make_gateway(self) -> tuple[PlatformGateway, AdvanceTime]:
        sandbox, clock = make_sandbox(self.platform, supports_idempotency_key=True)
        return sandbox, clock.advance


class TestSandboxContractWithoutIdempotencyKeys(PlatformGatewayContract):
    """The sandbox, publishing a repeat again like most platforms (callers check first)."""

    @pytest.fixture(autouse=True, params=publishing_platforms(), ids=lambda p: p.value)
    def _platform(self, request: pytest.FixtureRequest) -> None:
        self.platform: Platform = request.param

    def make_gateway(self) -> tuple[PlatformGateway, AdvanceTime]:
        sandbox, clock = make_sandbox(self.platform, supports_idempotency_key=False)
        return sandbox, clock.advance


class _ClaimsKeysButDoublePublishes(SandboxPlatform):
    """A broken adapter: says it honours idempotency keys, then publishes every repeat."""

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        return super().publish(variant, f"{idempotency_key}:{len(self.published())}")


class _ForgetsKeysAfterAnHour(SandboxPlatform):
    """A broken adapter: its find_published only looks at the last hour's posts."""

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        found = super().find_published(idempotency_key)
        if found is not None and self._clock.now() - found.published_at > timedelta(hours=1):
            return None
        return found


class _DecreasingMetrics(SandboxPlatform):
    """A broken adapter: its likes fall as time passes."""

    def metrics(self, external_id: str) -> MetricSnapshot:
        snapshot = super().metrics(external_id)
        hours = int((snapshot.observed_at - START) / timedelta(hours=1))
        return MetricSnapshot(
            platform=snapshot.platform, observed_at=snapshot.observed_at, likes=max(0, 100 - hours)
        )


class TestContractCatchesBrokenAdapters:
    """The contract fails adapters that break the port's promises."""

    def test_double_publishing_adapter_fails(self) -> None:
        """An adapter that claims idempotency keys but publishes twice fails the contract."""

        class Contract(PlatformGatewayContract):
            def make_gateway(self) -> tuple[PlatformGateway, AdvanceTime]:
                clock = ManualClock(START)
                return _ClaimsKeysButDoublePublishes("mastodon", seed=1, clock=clock), clock.advance

        with pytest.raises(AssertionError, match="published the same key twice"):
            Contract().test_repeated_publish_never_publishes_twice()

    def test_forgetful_find_published_fails(self) -> None:
        """An adapter whose find_published forgets posts after an hour fails the contract."""

        class Contract(PlatformGatewayContract):
            def make_gateway(self) -> tuple[PlatformGateway, AdvanceTime]:
                clock = ManualClock(START)
                gateway = _ForgetsKeysAfterAnHour(
                    "weibo", seed=1, clock=clock, supports_idempotency_key=False
                )
                return gateway, clock.advance

        with pytest.raises(AssertionError, match="forgot a post"):
            Contract().test_find_published_remembers_old_posts()

    def test_decreasing_metrics_fail(self) -> None:
        """An adapter whose cumulative counts fall fails the contract."""

        class Contract(PlatformGatewayContract):
            def make_gateway(self) -> tuple[PlatformGateway, AdvanceTime]:
                clock = ManualClock(START)
                return _DecreasingMetrics("weibo", seed=1, clock=clock), clock.advance

        with pytest.raises(AssertionError, match="went down"):
            Contract().test_metrics_are_cumulative()

    def test_silent_unknown_ids_fail(self) -> None:
        """An adapter that answers for posts it does not have fails the contract."""

        class Lenient(SandboxPlatform):
            def comments(self, external_id: str, since: datetime | None = None) -> list[Comment]:
                return []

        class Contract(PlatformGatewayContract):
            def make_gateway(self) -> tuple[PlatformGateway, AdvanceTime]:
                clock = ManualClock(START)
                return Lenient("x", seed=1, clock=clock), clock.advance

        with pytest.raises(AssertionError, match="did not raise PlatformError"):
            Contract().test_unknown_external_id_is_a_platform_error()


# --- default limits ---------------------------------------------------------------------------


class TestDefaultLimits:
    def test_every_platform_has_limits(self) -> None:
        """Every platform libops publishes on has default limits; its own channels none."""
        assert set(DEFAULT_LIMITS) == {p for p in Platform if p.publishes}
        assert Platform.DESK not in DEFAULT_LIMITS

    @pytest.mark.parametrize(
        ("platform", "text", "media"),
        [
            (Platform.MASTODON, 500, 4),
            (Platform.BLUESKY, 300, 4),
            (Platform.X, 280, 4),
            (Platform.INSTAGRAM, 2200, 10),
            (Platform.WEIBO, 2000, 9),
            (Platform.WECHAT, 20000, 20),
        ],
    )
    def test_documented_numbers(self, platform: Platform, text: int, media: int) -> None:
        """The defaults carry the platforms' documented text and media limits."""
        assert DEFAULT_LIMITS[platform].max_text_length == text
        assert DEFAULT_LIMITS[platform].max_media == media

    def test_instagram_requires_media(self) -> None:
        """An Instagram post without a picture or video breaks its limits."""
        limits = DEFAULT_LIMITS[Platform.INSTAGRAM]
        assert limits.violations(PostVariant("instagram", "no picture")) != []
        assert limits.violations(PostVariant("instagram", "picture", media=("a.jpg",))) == []

    def test_bluesky_over_300_characters(self) -> None:
        """301 characters are too many for Bluesky and fine for Mastodon."""
        text = "书" * 301
        assert DEFAULT_LIMITS[Platform.BLUESKY].violations(PostVariant("bluesky", text))
        assert not DEFAULT_LIMITS[Platform.MASTODON].violations(PostVariant("mastodon", text))


class TestLimitsFor:
    def test_defaults_without_gateways(self) -> None:
        """Without a gateway the platform's default limits apply."""
        assert limits_for("mastodon") == DEFAULT_LIMITS[Platform.MASTODON]

    def test_gateway_limits_win(self) -> None:
        """A registered gateway's declared limits replace the defaults."""
        clock = ManualClock(START)
        api_limits = PlatformLimits(max_text_length=140, max_media=1)
        weibo = SandboxPlatform("weibo", seed=1, clock=clock, limits=api_limits)
        assert limits_for(Platform.WEIBO, [weibo]) == api_limits
        assert limits_for(Platform.WEIBO, {Platform.WEIBO: weibo}) == api_limits
        assert limits_for(Platform.WECHAT, [weibo]) == DEFAULT_LIMITS[Platform.WECHAT]

    def test_two_gateways_for_one_platform_refused(self) -> None:
        """Two gateways for the same platform are a configuration error."""
        clock = ManualClock(START)
        first = SandboxPlatform("x", seed=1, clock=clock)
        second = SandboxPlatform("x", seed=2, clock=clock)
        with pytest.raises(InvalidValueError, match="two gateways"):
            gateways_by_platform([first, second])

    def test_not_a_gateway_refused(self) -> None:
        """Something that is not a gateway is refused with a specific error."""
        with pytest.raises(InvalidValueError, match="not a platform gateway"):
            gateways_by_platform(["weibo"])  # type: ignore[list-item]  # deliberately wrong

    def test_unknown_platform_name(self) -> None:
        """An unknown platform name is a specific error."""
        with pytest.raises(InvalidValueError):
            limits_for("myspace")


# --- the sandbox's own behaviour ----------------------------------------------------------------


class TestSandboxPublishing:
    def test_deterministic_from_seed(self) -> None:
        """The same seed and keys give the same ids, URLs and reactions, in any call order."""
        first, clock1 = make_sandbox(seed="demo")
        second, clock2 = make_sandbox(seed="demo")
        a1 = first.publish(variant_for(Platform.WEIBO, "post a"), "key-a")
        b1 = first.publish(variant_for(Platform.WEIBO, "post b"), "key-b")
        b2 = second.publish(variant_for(Platform.WEIBO, "post b"), "key-b")
        a2 = second.publish(variant_for(Platform.WEIBO, "post a"), "key-a")
        assert (a1, b1) == (a2, b2)
        clock1.advance(timedelta(hours=30))
        clock2.advance(timedelta(hours=30))
        assert first.metrics(a1.external_id) == second.metrics(a2.external_id)
        assert first.comments(b1.external_id) == second.comments(b2.external_id)

    def test_other_seed_other_results(self) -> None:
        """A different seed gives a different post id."""
        first, _ = make_sandbox(seed=1)
        second, _ = make_sandbox(seed=2)
        variant = variant_for(Platform.WEIBO)
        assert first.publish(variant, "k").external_id != second.publish(variant, "k").external_id

    @pytest.mark.parametrize(
        ("platform", "pattern"),
        [
            (Platform.WEIBO, r"^https://weibo\.com/\d+/[0-9A-Za-z]+$"),
            (Platform.WECHAT, r"^https://mp\.weixin\.qq\.com/s/[\w-]{22}$"),
            (Platform.DOUYIN, r"^https://www\.douyin\.com/video/\d{19}$"),
            (Platform.MASTODON, r"^https://mastodon\.social/@citylibrary/\d{18}$"),
            (
                Platform.BLUESKY,
                r"^https://bsky\.app/profile/citylibrary\.bsky\.social/post/\w{13}$",
            ),
            (Platform.FACEBOOK, r"^https://www\.facebook\.com/\d{15}/posts/\d{15}$"),
            (Platform.INSTAGRAM, r"^https://www\.instagram\.com/p/[\w-]{11}/$"),
            (Platform.X, r"^https://x\.com/citylibrary/status/\d{19}$"),
        ],
    )
    def test_platform_looking_urls(self, platform: Platform, pattern: str) -> None:
        """Each platform's receipts look like that platform's posts."""
        sandbox, _ = make_sandbox(platform)
        receipt = sandbox.publish(variant_for(platform), "k")
        assert receipt.platform is platform
        assert receipt.published_at == START
        assert re.match(pattern, receipt.url), receipt.url

    def test_repeat_with_key_support_publishes_once(self) -> None:
        """With key support a repeated publish returns the first receipt and posts nothing new."""
        sandbox, clock = make_sandbox(supports_idempotency_key=True)
        first = sandbox.publish(variant_for(Platform.WEIBO), "post-1:weibo")
        clock.advance(timedelta(minutes=5))
        again = sandbox.publish(variant_for(Platform.WEIBO), "post-1:weibo")
        assert again == first
        assert sandbox.published() == [first]

    def test_repeat_without_key_support_publishes_twice(self) -> None:
        """Without key support a repeat really is a second post; find_published names the first."""
        sandbox, _ = make_sandbox(supports_idempotency_key=False)
        first = sandbox.publish(variant_for(Platform.WEIBO), "post-1:weibo")
        second = sandbox.publish(variant_for(Platform.WEIBO), "post-1:weibo")
        assert second.external_id != first.external_id
        assert len(sandbox.published()) == 2
        assert sandbox.find_published("post-1:weibo") == first

    def test_variant_over_limits_refused(self) -> None:
        """A variant over the platform's limits is refused, not retryable, and not published."""
        sandbox, _ = make_sandbox(Platform.X)
        with pytest.raises(PlatformError, match="280") as raised:
            sandbox.publish(PostVariant("x", "a" * 281), "k")
        assert raised.value.retryable is False
        assert sandbox.published() == []

    def test_variant_for_another_platform_refused(self) -> None:
        """A Weibo variant cannot go out on Mastodon."""
        sandbox, _ = make_sandbox(Platform.MASTODON)
        with pytest.raises(PlatformError, match="weibo variant"):
            sandbox.publish(PostVariant("weibo", "text"), "k")
        assert sandbox.published() == []

    def test_empty_key_refused(self) -> None:
        """An empty idempotency key is bad input."""
        sandbox, _ = make_sandbox()
        with pytest.raises(InvalidValueError):
            sandbox.publish(variant_for(Platform.WEIBO), " ")
        with pytest.raises(InvalidValueError):
            sandbox.find_published("")

    def test_variant_recorded(self) -> None:
        """The sandbox remembers what went out under each id."""
        sandbox, _ = make_sandbox()
        variant = variant_for(Platform.WEIBO, "exactly this")
        receipt = sandbox.publish(variant, "k")
        assert sandbox.variant(receipt.external_id) == variant


class TestSandboxFailures:
    def test_fail_next_publishes_nothing(self) -> None:
        """An injected failure raises, publishes nothing, and the next call succeeds."""
        sandbox, _ = make_sandbox()
        sandbox.fail_next(2, "rate limited", retryable=True)
        for _ in range(2):
            with pytest.raises(PlatformError, match="rate limited") as raised:
                sandbox.publish(variant_for(Platform.WEIBO), "k")
            assert raised.value.retryable is True
        assert sandbox.published() == []
        assert sandbox.find_published("k") is None
        receipt = sandbox.publish(variant_for(Platform.WEIBO), "k")
        assert sandbox.published() == [receipt]

    def test_fail_next_not_retryable(self) -> None:
        """A failure can be marked as not worth retrying."""
        sandbox, _ = make_sandbox()
        sandbox.fail_next(message="account suspended", retryable=False)
        with pytest.raises(PlatformError) as raised:
            sandbox.publish(variant_for(Platform.WEIBO), "k")
        assert raised.value.retryable is False

    def test_fail_next_on_metrics(self) -> None:
        """Failures can be injected into reading metrics too."""
        sandbox, _ = make_sandbox()
        receipt = sandbox.publish(variant_for(Platform.WEIBO), "k")
        sandbox.fail_next(on="metrics")
        with pytest.raises(PlatformError):
            sandbox.metrics(receipt.external_id)
        assert sandbox.metrics(receipt.external_id).platform is Platform.WEIBO

    @pytest.mark.parametrize("count", [0, -1, True, "2"])
    def test_fail_next_bad_count(self, count: object) -> None:
        """A failure count must be a positive whole number."""
        sandbox, _ = make_sandbox()
        with pytest.raises(InvalidValueError):
            sandbox.fail_next(count)  # type: ignore[arg-type]  # deliberately wrong
        with pytest.raises(InvalidValueError):
            sandbox.lose_response_next(count)  # type: ignore[arg-type]  # deliberately wrong

    def test_fail_next_unknown_operation(self) -> None:
        """Failures can only be injected into the port's operations."""
        sandbox, _ = make_sandbox()
        with pytest.raises(InvalidValueError):
            sandbox.fail_next(on="delete")  # type: ignore[arg-type]  # deliberately wrong

    @pytest.mark.parametrize("keys", [True, False])
    def test_lost_response_went_through(self, keys: bool) -> None:
        """A lost response raises a timeout although the post went out, and is findable."""
        sandbox, _ = make_sandbox(supports_idempotency_key=keys)
        sandbox.lose_response_next()
        with pytest.raises(PlatformTimeoutError) as raised:
            sandbox.publish(variant_for(Platform.WEIBO), "post-1:weibo")
        assert raised.value.retryable is True
        [receipt] = sandbox.published()
        assert sandbox.find_published("post-1:weibo") == receipt

    def test_unknown_external_id(self) -> None:
        """Metrics or comments of a post the sandbox never published are a PlatformError."""
        sandbox, _ = make_sandbox()
        with pytest.raises(UnknownPlatformPostError):
            sandbox.metrics("123")
        with pytest.raises(UnknownPlatformPostError):
            sandbox.comments("123")
        with pytest.raises(UnknownPlatformPostError):
            sandbox.variant("123")


class TestSandboxReactions:
    def test_metrics_grow_then_saturate(self) -> None:
        """Counts start at zero, grow in the first day and hardly move after a fortnight."""
        sandbox, clock = make_sandbox(Platform.WEIBO)
        receipt = sandbox.publish(variant_for(Platform.WEIBO), "k")
        at_start = sandbox.metrics(receipt.external_id)
        assert at_start.reads == at_start.likes == at_start.comments == 0
        clock.advance(timedelta(days=1))
        day_one = sandbox.metrics(receipt.external_id)
        assert day_one.reads > 0
        assert day_one.likes > 0
        clock.advance(timedelta(days=14))
        late = sandbox.metrics(receipt.external_id)
        clock.advance(timedelta(days=14))
        later = sandbox.metrics(receipt.external_id)
        assert later.reads >= late.reads >= day_one.reads
        assert later.reads - late.reads <= max(1, later.reads // 100)

    @pytest.mark.parametrize("platform", publishing_platforms(), ids=lambda p: p.value)
    def test_counts_never_fall(self, platform: Platform) -> None:
        """Sampled every two hours for ten days, no count ever goes down."""
        sandbox, clock = make_sandbox(platform, seed="monotone")
        receipts = [sandbox.publish(variant_for(platform, f"post {n}?"), f"k{n}") for n in range(5)]
        previous = [sandbox.metrics(r.external_id) for r in receipts]
        for _ in range(120):
            clock.advance(timedelta(hours=2))
            current = [sandbox.metrics(r.external_id) for r in receipts]
            for before, now in zip(previous, current, strict=True):
                assert now.lowered(before) == []
            previous = current

    def test_reach_metric_by_platform(self) -> None:
        """Weibo and WeChat report reads, Douyin views, Mastodon neither."""
        results = {}
        for platform in (Platform.WEIBO, Platform.WECHAT, Platform.DOUYIN, Platform.MASTODON):
            sandbox, clock = make_sandbox(platform)
            receipt = sandbox.publish(variant_for(platform), "k")
            clock.advance(timedelta(days=3))
            results[platform] = sandbox.metrics(receipt.external_id)
        assert results[Platform.WEIBO].reads > 0
        assert results[Platform.WEIBO].views == 0
        assert results[Platform.WECHAT].reads > 0
        assert results[Platform.DOUYIN].views > 0
        assert results[Platform.DOUYIN].reads == 0
        assert results[Platform.MASTODON].reads == results[Platform.MASTODON].views == 0
        assert results[Platform.MASTODON].followers_gained is None
        assert results[Platform.WEIBO].followers_gained is not None

    def test_engagement_proportional_to_reach(self) -> None:
        """Across many posts, likes stay a small, plausible share of reads."""
        sandbox, clock = make_sandbox(Platform.WEIBO, seed="ratio")
        receipts = [
            sandbox.publish(variant_for(Platform.WEIBO, f"p{n}"), f"k{n}") for n in range(40)
        ]
        clock.advance(timedelta(days=10))
        snapshots = [sandbox.metrics(r.external_id) for r in receipts]
        reads = sum(s.reads for s in snapshots)
        likes = sum(s.likes for s in snapshots)
        assert 0.005 < likes / reads < 0.06
        assert len({s.reads for s in snapshots}) > 30  # audiences differ from post to post

    def test_questions_draw_more_comments(self) -> None:
        """Posts that ask readers something get more comments on average."""
        sandbox, clock = make_sandbox(Platform.MASTODON, seed="questions")
        plain = [
            sandbox.publish(variant_for(Platform.MASTODON, f"News {n}."), f"a{n}")
            for n in range(40)
        ]
        asking = [
            sandbox.publish(variant_for(Platform.MASTODON, f"What do you read {n}?"), f"b{n}")
            for n in range(40)
        ]
        clock.advance(timedelta(days=7))
        plain_comments = sum(sandbox.metrics(r.external_id).comments for r in plain)
        asking_comments = sum(sandbox.metrics(r.external_id).comments for r in asking)
        assert asking_comments > plain_comments * 1.3

    def test_comments_match_the_comment_count(self) -> None:
        """The comment count in the metrics is the number of comments readable at that time."""
        sandbox, clock = make_sandbox(Platform.WEIBO)
        receipt = sandbox.publish(variant_for(Platform.WEIBO, "今天开馆时间吗?"), "k")
        for hours in (1, 5, 24, 200):
            clock.set(START + timedelta(hours=hours))
            assert sandbox.metrics(receipt.external_id).comments == len(
                sandbox.comments(receipt.external_id)
            )
        assert len(sandbox.comments(receipt.external_id)) > 0

    def test_some_comments_are_negative(self) -> None:
        """Across a few posts readers also complain, so moderation has work to do."""
        for platform in (Platform.WEIBO, Platform.MASTODON):
            sandbox, clock = make_sandbox(platform, seed="moods")
            receipts = [
                sandbox.publish(variant_for(platform, f"p{n}?"), f"k{n}") for n in range(10)
            ]
            clock.advance(timedelta(days=5))
            texts = [c.text for r in receipts for c in sandbox.comments(r.external_id)]
            negative = [t for t in texts if any(w in t for w in NEGATIVE_WORDS)]
            assert texts
            assert 0 < len(negative) < len(texts)

    def test_comments_in_the_platforms_language(self) -> None:
        """Weibo readers comment in Chinese, Mastodon readers in English."""
        weibo, clock = make_sandbox(Platform.WEIBO)
        mastodon, _ = make_sandbox(Platform.MASTODON, clock=clock)
        w = weibo.publish(variant_for(Platform.WEIBO, "问题?"), "k")
        m = mastodon.publish(variant_for(Platform.MASTODON, "question?"), "k")
        clock.advance(timedelta(days=5))
        for comment in weibo.comments(w.external_id):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in comment.text)
        assert all(c.text.isascii() for c in mastodon.comments(m.external_id))

    def test_since_must_be_aware(self) -> None:
        """A naive ``since`` is bad input."""
        sandbox, _ = make_sandbox()
        receipt = sandbox.publish(variant_for(Platform.WEIBO), "k")
        with pytest.raises(InvalidValueError):
            sandbox.comments(receipt.external_id, since=datetime(2026, 3, 1))  # naive on purpose

    def test_bad_construction(self) -> None:
        """Unknown platforms, bad seeds and bad limits are refused."""
        clock = ManualClock(START)
        with pytest.raises(InvalidValueError):
            SandboxPlatform("myspace", seed=1, clock=clock)
        with pytest.raises(InvalidValueError):
            SandboxPlatform("weibo", seed=1.5, clock=clock)  # type: ignore[arg-type]  # deliberately wrong
        with pytest.raises(InvalidValueError):
            SandboxPlatform("weibo", seed=1, clock=clock, limits={"max_media": 1})  # type: ignore[arg-type]  # deliberately wrong

"""The HTTP adapters for Weibo and Douyin, each against its local fake over loopback: the
shipped gateway fault contract, each platform's own rules (Weibo's share API and its error
codes; Douyin's OAuth refresh, capabilities and data endpoints), credentials from the
credential stores, and publishing through libops on every store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from libops import Actor, LibOps, ReviewChecklist
from libops.adapters.clock import ManualClock
from libops.adapters.credentials import FileCredentialStore, MemoryCredentialStore
from libops.adapters.platforms_http import HttpRetry, WeiboGateway
from libops.adapters.platforms_http.weibo import fingerprint
from libops.domain.errors import (
    InvalidValueError,
    PlatformAdapterConfigError,
    PlatformCredentialsError,
    PlatformError,
    PlatformRateLimitedError,
    PlatformRejectedError,
    PlatformTimeoutError,
    PublishFailedError,
    UnknownPlatformPostError,
)
from libops.domain.ports import CredentialStore, PlatformGateway
from libops.domain.post import PlatformStatus
from libops.domain.values import Platform, PostVariant
from libops.testing import AdvanceTime, PlatformFaults, PlatformGatewayFaultContract
from libops.testing.fakes import FakeServer, FakeWeibo

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
WEIBO_TOKEN = "weibo-secret-token-2.00abcdef"
RIP = "203.0.113.7"
SAFE = "library.example.cn"
CONTRACT_TIMEOUT = 1.0
SLOW = 1.5
"""The contract's gateways time out after a second; a slow answer comes after 1.5."""
CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
QUICK = HttpRetry(attempts=3, base_delay=0.01, max_delay=5.0)
"""Few, short retries: a failing test ends fast; the sleeps are recorded, not slept."""


class Sleeps(list[float]):
    """A ``sleep`` that records how long it was asked to wait and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def posts_on(fake: FakeServer, path: str) -> int:
    return sum(1 for method, p in fake.requests() if method == "POST" and p == path)


def weibo_text(words: str = "新书上架, 周末来馆里看看?") -> str:
    return f"{words} https://{SAFE}/news/42"


def share(text: str = "") -> PostVariant:
    return PostVariant(Platform.WEIBO, text or weibo_text())


class WeiboRig:
    """A clock, a started FakeWeibo and gateways on it; stopped by :meth:`close`."""

    def __init__(self, *, timeout: float = 2.0, retry: HttpRetry = QUICK) -> None:
        self.clock = ManualClock(START)
        self.sleeps = Sleeps()
        self.fake = FakeWeibo(self.clock, token=WEIBO_TOKEN).start()
        self.token = WEIBO_TOKEN
        self.timeout, self.retry = timeout, retry
        self._gateways: list[WeiboGateway] = []

    def gateway(self, **options: object) -> WeiboGateway:
        settings: dict[str, object] = {
            "safe_domains": SAFE,
            "rip": RIP,
            "clock": self.clock,
            "timeout": self.timeout,
            "retry": self.retry,
            "sleep": self.sleeps,
            **options,
        }
        made = WeiboGateway(self.fake.base_url, lambda: self.token, **settings)  # type: ignore[arg-type]  # test options pass through
        self._gateways.append(made)
        return made

    def close(self) -> None:
        for made in self._gateways:
            made.close()
        self.fake.stop()


@pytest.fixture
def weibo() -> Iterator[WeiboRig]:
    made = WeiboRig()
    yield made
    made.close()


# --- the shipped contract, over real HTTP ----------------------------------------------------


class WeiboFaults:
    """The contract's faults, on a FakeWeibo (aimed at share.json)."""

    def __init__(self, fake: FakeWeibo) -> None:
        self.fake = fake

    def fail_next(self) -> None:
        self.fake.fail_next(path="share")

    def rate_limit_next(self) -> None:
        self.fake.rate_limit_next(retry_after=0.5, path="share")

    def slow_next(self) -> None:
        self.fake.slow_next(seconds=SLOW, path="share")

    def lose_response_next(self) -> None:
        self.fake.lose_response_next(path="share")

    def expire_credentials(self) -> None:
        self.fake.expire_tokens()

    def posts_made(self) -> int:
        return len(self.fake.statuses())

    def secrets(self) -> list[str]:
        return [WEIBO_TOKEN]


class _Rigs:
    @pytest.fixture(autouse=True)
    def _rigs(self) -> Iterator[None]:
        self.rigs: list[WeiboRig] = []
        yield
        for made in self.rigs:
            made.close()


class TestWeiboContract(_Rigs, PlatformGatewayFaultContract):
    def make_faulty_gateway(self) -> tuple[PlatformGateway, AdvanceTime, PlatformFaults]:
        made = WeiboRig(timeout=CONTRACT_TIMEOUT)
        self.rigs.append(made)
        return made.gateway(), made.clock.advance, WeiboFaults(made.fake)

    def sample_variant(self, gateway: PlatformGateway, text: str = "") -> PostVariant:
        body = text or f"libops contract check {id(object()) % 99991}: new books this week?"
        return PostVariant(Platform.WEIBO, f"{body[:100]} https://{SAFE}/c")

    def unknown_external_id(self, gateway: PlatformGateway) -> str:
        return "4989999999999999"


# --- Weibo -----------------------------------------------------------------------------------


class TestWeiboPublishing:
    def test_lost_answer_is_found_in_the_timeline(self, weibo: WeiboRig) -> None:
        """Weibo posts, then the connection drops: before trying again the adapter reads
        the timeline, finds the status by its text (links shown as t.cn) and returns it."""
        gateway = weibo.gateway()
        weibo.fake.lose_response_next(path="share")
        receipt = gateway.publish(share(), "post-1:weibo")
        [status] = weibo.fake.statuses()
        assert receipt.external_id == status["idstr"]
        assert "t.cn" in status["text"]
        assert SAFE not in status["text"]
        assert posts_on(weibo.fake, "/2/statuses/share.json") == 1
        assert gateway.find_published("post-1:weibo") == receipt
        assert receipt.url == f"https://weibo.com/{weibo.fake.uid}/{status['mid']}"

    def test_every_answer_lost_then_found_hours_later(self, weibo: WeiboRig) -> None:
        """All answers lost (the share and every look-up): a retryable timeout; hours later
        find_published finds the status and publish returns it without posting."""
        gateway = weibo.gateway()
        weibo.fake.lose_response_next(1 + QUICK.attempts)
        with pytest.raises(PlatformTimeoutError) as raised:
            gateway.publish(share(), "post-2:weibo")
        assert raised.value.retryable is True
        [status] = weibo.fake.statuses()
        weibo.clock.advance(timedelta(hours=5))
        found = gateway.find_published("post-2:weibo")
        assert found is not None
        assert found.external_id == status["idstr"]
        assert gateway.publish(share(), "post-2:weibo") == found
        assert len(weibo.fake.statuses()) == 1

    def test_repeat_refused_after_a_crash_is_found(self, weibo: WeiboRig) -> None:
        """A process shared, lost every answer and died; another one, without its ledger,
        shares again minutes later: Weibo refuses it as 20019 repeat content, and the
        adapter finds the first status in the timeline and returns it."""
        weibo.fake.lose_response_next(1 + QUICK.attempts)
        with pytest.raises(PlatformTimeoutError):
            weibo.gateway().publish(share(), "post-3:weibo")
        weibo.clock.advance(timedelta(minutes=3))
        receipt = weibo.gateway().publish(share(), "post-3:weibo")
        assert [s["idstr"] for s in weibo.fake.statuses()] == [receipt.external_id]
        assert posts_on(weibo.fake, "/2/statuses/share.json") == 2

    def test_a_shared_text_again_is_refused_for_good(self, weibo: WeiboRig) -> None:
        """Another key with the latest text again: Weibo's 20019, permanent, nothing posted."""
        gateway = weibo.gateway()
        gateway.publish(share(), "post-4:weibo")
        with pytest.raises(PlatformRejectedError, match="20019 repeat content") as raised:
            gateway.publish(share(), "post-5:weibo")
        assert raised.value.retryable is False
        assert len(weibo.fake.statuses()) == 1
        assert gateway.find_published("post-5:weibo") is None

    def test_unanswered_publish_that_never_arrived_is_sent(self, weibo: WeiboRig) -> None:
        """A share refused by system errors every time left nothing: the next one posts."""
        gateway = weibo.gateway()
        weibo.fake.fail_next(QUICK.attempts, path="share")
        with pytest.raises(PlatformError, match="system error") as raised:
            gateway.publish(share(), "post-6:weibo")
        assert raised.value.retryable is True
        assert gateway.find_published("post-6:weibo") is None
        receipt = gateway.publish(share(), "post-6:weibo")
        assert [s["idstr"] for s in weibo.fake.statuses()] == [receipt.external_id]

    def test_system_error_backs_off_with_jitter(self, weibo: WeiboRig) -> None:
        """Two 10001 system errors (HTTP 500) are retried with growing, jittered waits."""
        gateway = weibo.gateway()
        weibo.fake.fail_next(2, status=500, path="share")
        gateway.publish(share(), "post-7:weibo")
        first, second = weibo.sleeps
        assert 0.005 <= first <= 0.01
        assert 0.01 <= second <= 0.02
        assert len(weibo.fake.statuses()) == 1

    def test_rate_limit_code_in_a_403_honours_retry_after(self, weibo: WeiboRig) -> None:
        """10023 comes as HTTP 403: the adapter goes by the code, waits Retry-After, retries."""
        gateway = weibo.gateway()
        weibo.fake.rate_limit_next(retry_after=2, path="share")
        gateway.publish(share(), "post-8:weibo")
        [waited] = weibo.sleeps
        assert 2 <= waited < 2.01
        assert len(weibo.fake.statuses()) == 1

    def test_hourly_limit_asks_to_wait_for_the_next_hour(self, weibo: WeiboRig) -> None:
        """After 30 posts in an hour the 31st is refused with 10023 and a wait past
        max_delay: a retryable rate-limit error at once, naming the wait; nothing posted."""
        gateway = weibo.gateway()
        for n in range(30):
            gateway.publish(share(weibo_text(f"第{n}条")), f"hour-{n}:weibo")
        with pytest.raises(PlatformRateLimitedError) as raised:
            gateway.publish(share(weibo_text("第31条")), "hour-31:weibo")
        assert raised.value.retryable is True
        assert raised.value.retry_after == 3600
        assert weibo.sleeps == []
        assert len(weibo.fake.statuses()) == 30
        weibo.clock.advance(timedelta(hours=1))
        gateway.publish(share(weibo_text("第31条")), "hour-31:weibo")
        assert len(weibo.fake.statuses()) == 31

    def test_expired_token_with_a_new_one_stored_is_retried_once(self, weibo: WeiboRig) -> None:
        """21327 expired_token: the adapter reads the token again; a staff member stored a
        new one, so the share is sent again with it and goes out once."""
        gateway = weibo.gateway()
        weibo.fake.expire_tokens()
        weibo.token = "weibo-new-token"
        weibo.fake.issue_token(weibo.token)
        gateway.publish(share(), "post-9:weibo")
        assert len(weibo.fake.statuses()) == 1

    def test_expired_token_without_a_new_one_asks_for_authorisation(self, weibo: WeiboRig) -> None:
        """No refresh token on Weibo: a credentials error (not retryable) that says what to
        do and shows no token; nothing posted, nothing retried."""
        gateway = weibo.gateway()
        gateway.publish(share(), "post-10:weibo")
        weibo.fake.expire_tokens()
        with pytest.raises(PlatformCredentialsError, match="authorise libops again") as raised:
            gateway.publish(share(weibo_text("再来一条")), "post-11:weibo")
        assert raised.value.retryable is False
        assert "21327" in str(raised.value)
        assert WEIBO_TOKEN not in str(raised.value)
        assert WEIBO_TOKEN not in repr(gateway)
        assert len(weibo.fake.statuses()) == 1
        assert weibo.sleeps == []

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("新书上架, 没有链接", "safe domain"),
            ("新书上架 https://elsewhere.example.com/x", "safe domain"),
            (f"#世界读书日# 新书 https://{SAFE}/x", "#topics#"),
            (f"{'书' * 130} https://{SAFE}/x", "140"),
        ],
    )
    def test_share_rules_refused_before_any_request(
        self, weibo: WeiboRig, text: str, problem: str
    ) -> None:
        """What the share API would refuse is refused before any request, for good."""
        gateway = weibo.gateway()
        with pytest.raises(PlatformError, match=problem) as raised:
            gateway.publish(share(text), "post-12:weibo")
        assert raised.value.retryable is False
        assert weibo.fake.requests() == []

    def test_other_platform_media_and_bad_keys_refused(self, weibo: WeiboRig) -> None:
        gateway = weibo.gateway()
        with pytest.raises(PlatformError, match="douyin variant"):
            gateway.publish(PostVariant(Platform.DOUYIN, "hi", media=("v.mp4",)), "k:weibo")
        with pytest.raises(PlatformError, match="media"):
            gateway.publish(PostVariant(Platform.WEIBO, weibo_text(), media=("a.jpg",)), "k")
        with pytest.raises(InvalidValueError):
            gateway.publish(share(), " ")
        assert weibo.fake.requests() == []

    def test_unbound_domain_refused_by_weibo_is_permanent(self, weibo: WeiboRig) -> None:
        """A domain the adapter thinks safe but the app has not bound: Weibo's 10017."""
        gateway = weibo.gateway(safe_domains="elsewhere.example.com")
        with pytest.raises(PlatformRejectedError, match="10017 text not find domain") as raised:
            gateway.publish(share("新书 https://elsewhere.example.com/x"), "post-13:weibo")
        assert raised.value.status == 400
        assert raised.value.retryable is False
        assert weibo.sleeps == []

    def test_removed_endpoints_answer_10014(self, weibo: WeiboRig) -> None:
        """The fake, like Weibo since 2017, refuses statuses/update to ordinary apps."""
        answer = httpx.post(
            f"{weibo.fake.base_url}/2/statuses/update.json",
            data={"status": "hi"},
            headers={"Authorization": f"OAuth2 {WEIBO_TOKEN}"},
        )
        assert answer.status_code == 403
        assert answer.json()["error_code"] == 10014


class TestWeiboReading:
    def test_counts_map_to_the_snapshot(self, weibo: WeiboRig) -> None:
        """attitudes → likes, comments → comments, reposts → shares; no reads (exports)."""
        gateway = weibo.gateway()
        receipt = gateway.publish(share(), "read-1:weibo")
        weibo.clock.advance(timedelta(days=4))
        snapshot = gateway.metrics(receipt.external_id)
        assert snapshot.likes > 0
        assert snapshot.shares > 0
        assert snapshot.reads == 0
        assert snapshot.followers_gained is None
        comments = gateway.comments(receipt.external_id)
        assert len(comments) == snapshot.comments
        assert all(c.author_handle.startswith("读者") for c in comments)

    def test_deleted_status_is_unknown(self, weibo: WeiboRig) -> None:
        """A status deleted on weibo.com drops out of count.json: unknown, not found by key."""
        gateway = weibo.gateway()
        receipt = gateway.publish(share(), "read-2:weibo")
        weibo.fake.delete(receipt.external_id)
        with pytest.raises(UnknownPlatformPostError):
            gateway.metrics(receipt.external_id)
        with pytest.raises(UnknownPlatformPostError):
            gateway.comments(receipt.external_id)
        assert gateway.find_published("read-2:weibo") is None

    def test_a_non_numeric_id_is_unknown_without_a_request(self, weibo: WeiboRig) -> None:
        with pytest.raises(UnknownPlatformPostError):
            weibo.gateway().metrics("at://not-weibo")
        assert weibo.fake.requests() == []

    def test_fingerprint_ignores_links_and_spacing(self) -> None:
        assert fingerprint(f"新书  上架 https://{SAFE}/a") == fingerprint("新书 上架 http://t.cn/x")
        assert fingerprint("新书上架") != fingerprint("新书下架")


class TestWeiboConfiguration:
    @pytest.mark.parametrize(
        "options",
        [{"safe_domains": ""}, {"safe_domains": "not a domain"}, {"rip": "localhost"}],
    )
    def test_bad_settings(self, weibo: WeiboRig, options: dict[str, object]) -> None:
        with pytest.raises(PlatformAdapterConfigError):
            weibo.gateway(**options)

    def test_from_credentials_reads_the_entries(self, tmp_path: Path, weibo: WeiboRig) -> None:
        """access_token, safe_domains and rip from a 0600 file; a rotated token is used at
        once; a missing entry is named with the command that stores it."""
        store = FileCredentialStore(tmp_path / "libops.credentials.json", clock=weibo.clock)
        with pytest.raises(PlatformAdapterConfigError, match="libops credentials set weibo"):
            WeiboGateway.from_credentials(weibo.fake.base_url, store, clock=weibo.clock)
        store.set("weibo", "access_token", "old-token")
        store.set("weibo", "safe_domains", f"{SAFE}, www.{SAFE}")
        with pytest.raises(PlatformAdapterConfigError, match="'rip'"):
            WeiboGateway.from_credentials(weibo.fake.base_url, store, clock=weibo.clock)
        store.set("weibo", "rip", RIP)
        gateway = WeiboGateway.from_credentials(
            weibo.fake.base_url, store, clock=weibo.clock, retry=QUICK, sleep=weibo.sleeps
        )
        try:
            store.set("weibo", "access_token", WEIBO_TOKEN)  # rotated after it was built
            receipt = gateway.publish(share(), "cred-1:weibo")
            assert receipt.external_id == weibo.fake.statuses()[0]["idstr"]
            store.remove("weibo", "access_token")
            with pytest.raises(PlatformCredentialsError, match="no access token"):
                gateway.metrics(receipt.external_id)
        finally:
            gateway.close()


# --- through libops, on every store ------------------------------------------------------------


def credential_store(store_url: str, tmp_path: Path, clock: ManualClock) -> CredentialStore:
    """The credential store a deployment on ``store_url`` keeps its tokens in."""
    if store_url.startswith("memory:"):
        return MemoryCredentialStore(clock)
    return FileCredentialStore(tmp_path / "libops.credentials.json", clock=clock)


class TestThroughLibops:
    def test_weibo_lost_answers_publish_once(
        self,
        store_url: str,
        tmp_path: Path,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
    ) -> None:
        """Every answer lost: libops records a retryable failure; publishing again finds the
        status in the timeline and records it. One status on Weibo."""
        made = WeiboRig()
        try:
            credentials = credential_store(store_url, tmp_path, made.clock)
            credentials.set("weibo", "access_token", WEIBO_TOKEN)
            credentials.set("weibo", "safe_domains", SAFE)
            credentials.set("weibo", "rip", RIP)
            gateway = WeiboGateway.from_credentials(
                made.fake.base_url, credentials, clock=made.clock, retry=QUICK, sleep=made.sleeps
            )
            with LibOps.open(store_url, clock=made.clock, migrate=True, gateways=[gateway]) as ops:
                post_id = ops.posts.draft(
                    planner,
                    title="New arrivals",
                    body="New arrivals this week.",
                    content_type="news",
                    format="image_text",
                    variants=[share()],
                )
                ops.posts.submit_for_review(planner, post_id)
                ops.posts.review(reviewer, post_id, CHECKED, approve=True)
                made.fake.lose_response_next(1 + QUICK.attempts)
                with pytest.raises(PublishFailedError) as raised:
                    ops.publishing.publish(admin, post_id, Platform.WEIBO)
                assert raised.value.retryable is True
                made.clock.advance(timedelta(minutes=30))
                receipt = ops.publishing.publish(admin, post_id, Platform.WEIBO)
                assert [s["idstr"] for s in made.fake.statuses()] == [receipt.external_id]
                post = ops.posts.get(post_id)
                assert post.platform_status(Platform.WEIBO) is PlatformStatus.PUBLISHED
                assert post.receipt(Platform.WEIBO) == receipt
            gateway.close()
        finally:
            made.close()


class TestSecretsStayOut:
    def test_no_weibo_token_in_any_log_record(
        self, weibo: WeiboRig, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Publishing, reading and a refused token log no token, even with httpx at DEBUG."""
        caplog.set_level(logging.DEBUG)
        gateway = weibo.gateway()
        receipt = gateway.publish(share(), "log-1:weibo")
        gateway.metrics(receipt.external_id)
        weibo.fake.expire_tokens()
        with pytest.raises(PlatformCredentialsError):
            gateway.comments(receipt.external_id)
        text = "\n".join(record.getMessage() for record in caplog.records)
        assert caplog.records
        assert WEIBO_TOKEN not in text

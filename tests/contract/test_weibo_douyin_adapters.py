"""The HTTP adapters for Weibo and Douyin, each against its local fake over loopback: the
shipped gateway fault contract, each platform's own rules (Weibo's share API and its error
codes; Douyin's OAuth refresh, capabilities and data endpoints), credentials from the
credential stores, and publishing through libops on every store."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from libops import Actor, LibOps, ReviewChecklist
from libops.adapters.clock import ManualClock
from libops.adapters.credentials import (
    EnvCredentialStore,
    FileCredentialStore,
    MemoryCredentialStore,
    PostgresCredentialStore,
    credentials_path,
    env_variable,
)
from libops.adapters.keystore import open_key_store
from libops.adapters.platforms_http import DouyinGateway, HttpRetry, WeiboGateway
from libops.adapters.platforms_http.douyin import DOUYIN_API_LIMITS, EXPIRES_ENTRY
from libops.adapters.platforms_http.weibo import fingerprint
from libops.adapters.storage import parse_store_url
from libops.bootstrap import migrate_store
from libops.domain.errors import (
    InvalidValueError,
    PlatformAdapterConfigError,
    PlatformCredentialsError,
    PlatformError,
    PlatformRateLimitedError,
    PlatformRejectedError,
    PlatformTimeoutError,
    PublishFailedError,
    PublishingNotAllowedError,
    UnknownPlatformPostError,
)
from libops.domain.platforms import profile_of
from libops.domain.ports import CredentialStore, PlatformGateway
from libops.domain.post import PlatformStatus
from libops.domain.values import Platform, PostVariant
from libops.testing import AdvanceTime, PlatformFaults, PlatformGatewayFaultContract
from libops.testing.fakes import FakeDouyin, FakeServer, FakeWeibo
from libops.testing.fakes.douyin import ITEM_DATA, PUBLISH, RENEW, USER_DATA

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
        body = text or f"libops contract check {uuid.uuid4().hex[:8]}: new books this week?"
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

    def test_the_variants_link_is_shared_after_its_text(self, weibo: WeiboRig) -> None:
        """A variant's link (its own field) goes after the text, and counts in the 140."""
        gateway = weibo.gateway()
        variant = PostVariant(Platform.WEIBO, "新书上架", link=f"https://{SAFE}/new")
        receipt = gateway.publish(variant, "post-14:weibo")
        [status] = weibo.fake.statuses()
        assert status["text"].startswith("新书上架 http://t.cn/")
        assert gateway.find_published("post-14:weibo") == receipt
        long = PostVariant(Platform.WEIBO, "书" * 130, link=f"https://{SAFE}/new")
        with pytest.raises(PlatformError, match="text and link are 161 characters"):
            gateway.publish(long, "post-15:weibo")

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


@pytest.fixture
def credentials(store_url: str) -> Iterator[CredentialStore]:
    """The credential store a deployment on each kind of store keeps its tokens in: memory,
    the 0600 file beside a SQLite store, the sealed table of a PostgreSQL store."""
    clock = ManualClock(START)
    if store_url.startswith("memory:"):
        yield MemoryCredentialStore(clock)
        return
    config = parse_store_url(store_url)
    if config.scheme != "postgresql":
        yield FileCredentialStore(credentials_path(config), clock=clock)
        return
    migrate_store(store_url)
    keys = open_key_store(config)
    try:
        yield PostgresCredentialStore(config, keys, clock=clock)
    finally:
        keys.close()


class TestThroughLibops:
    def test_weibo_lost_answers_publish_once(
        self,
        store_url: str,
        credentials: CredentialStore,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
    ) -> None:
        """Every answer lost: libops records a retryable failure; publishing again finds the
        status in the timeline and records it. One status on Weibo."""
        made = WeiboRig()
        try:
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


# --- Douyin ------------------------------------------------------------------------------------

DOUYIN_ACCESS = "act.douyin-secret-access-0123"
DOUYIN_REFRESH = "rft.douyin-secret-refresh-4567"
CLIENT_KEY = "awlibopsclientkey"
OPEN_ID = "_000libopsOpenId"
VIDEO = b"\x00\x00\x00\x18ftypmp42 a short library video"


def douyin_entries(store: CredentialStore, account: str = "douyin") -> CredentialStore:
    for name, value in (
        ("client_key", CLIENT_KEY),
        ("open_id", OPEN_ID),
        ("access_token", DOUYIN_ACCESS),
        ("refresh_token", DOUYIN_REFRESH),
    ):
        store.set(account, name, value)
    return store


def video(text: str = "馆员带你逛新馆: 三楼的儿童阅览区") -> PostVariant:
    return PostVariant(Platform.DOUYIN, text, media=("new-building.mp4",))


class DouyinRig:
    """A clock, a started FakeDouyin, a credential store with the account's entries, and
    gateways on them; stopped by :meth:`close`."""

    def __init__(
        self,
        *,
        timeout: float = 2.0,
        capabilities: frozenset[str] = frozenset((PUBLISH, ITEM_DATA, USER_DATA, RENEW)),
        credentials: CredentialStore | None = None,
        clock: ManualClock | None = None,
    ) -> None:
        self.clock = clock or ManualClock(START)
        self.sleeps = Sleeps()
        self.fake = FakeDouyin(
            self.clock,
            client_key=CLIENT_KEY,
            open_id=OPEN_ID,
            access_token=DOUYIN_ACCESS,
            refresh_token=DOUYIN_REFRESH,
            capabilities=capabilities,
        ).start()
        self.credentials = douyin_entries(credentials or MemoryCredentialStore(self.clock))
        self.timeout = timeout
        self._gateways: list[DouyinGateway] = []

    def gateway(self, **options: object) -> DouyinGateway:
        settings: dict[str, object] = {
            "publishing": True,
            "media": lambda name: VIDEO,
            "clock": self.clock,
            "timeout": self.timeout,
            "retry": QUICK,
            "sleep": self.sleeps,
            **options,
        }
        made = DouyinGateway.from_credentials(self.fake.base_url, self.credentials, **settings)  # type: ignore[arg-type]  # test options pass through
        self._gateways.append(made)
        return made

    def close(self) -> None:
        for made in self._gateways:
            made.close()
        self.fake.stop()


@pytest.fixture
def douyin() -> Iterator[DouyinRig]:
    made = DouyinRig()
    yield made
    made.close()


class DouyinFaults:
    """The contract's faults, on a FakeDouyin (aimed at create_video)."""

    def __init__(self, fake: FakeDouyin) -> None:
        self.fake = fake

    def fail_next(self) -> None:
        self.fake.fail_next(path="create_video")

    def rate_limit_next(self) -> None:
        self.fake.rate_limit_next(retry_after=0.5, path="create_video")

    def slow_next(self) -> None:
        self.fake.slow_next(seconds=SLOW, path="create_video")

    def lose_response_next(self) -> None:
        self.fake.lose_response_next(path="create_video")

    def expire_credentials(self) -> None:
        self.fake.expire_tokens()

    def posts_made(self) -> int:
        return len(self.fake.items())

    def secrets(self) -> list[str]:
        return [DOUYIN_ACCESS, DOUYIN_REFRESH]


class TestDouyinContract(PlatformGatewayFaultContract):
    """For an organisation whose app holds video.create.bind; the tokens are kept (and
    renewed) in each kind of credential store."""

    @pytest.fixture(autouse=True)
    def _rigs(self, credentials: CredentialStore) -> Iterator[None]:
        self.rigs: list[DouyinRig] = []
        self.credentials = credentials
        yield
        for made in self.rigs:
            made.close()

    def make_faulty_gateway(self) -> tuple[PlatformGateway, AdvanceTime, PlatformFaults]:
        made = DouyinRig(timeout=CONTRACT_TIMEOUT, credentials=self.credentials)
        self.rigs.append(made)
        return made.gateway(), made.clock.advance, DouyinFaults(made.fake)

    def unknown_external_id(self, gateway: PlatformGateway) -> str:
        return "@9VwNoSuchItemAtAll"


class TestDouyinPublishing:
    def test_publishing_is_refused_by_default_saying_to_publish_by_hand(
        self, douyin: DouyinRig
    ) -> None:
        """Without video.create.bind the adapter refuses before any request, for good,
        naming post.record_manual_publication and the export import."""
        gateway = douyin.gateway(publishing=False)
        with pytest.raises(PublishingNotAllowedError, match="record_manual_publication") as raised:
            gateway.publish(video(), "dy-1:douyin")
        assert raised.value.retryable is False
        assert "import the statistics" in str(raised.value)
        assert douyin.fake.requests() == []

    def test_limits_follow_what_the_gateway_does(self, douyin: DouyinRig) -> None:
        """Publishing through the API: one video, 1,000 characters. Not publishing: the
        profile's limits (a picture set by hand), so drafts are not refused for the API."""
        assert douyin.gateway().limits == DOUYIN_API_LIMITS
        by_hand = douyin.gateway(publishing=False, media=None).limits
        assert by_hand == profile_of("douyin").limits
        assert by_hand.max_media > 1

    def test_an_app_without_the_capability_is_told_to_publish_by_hand(self) -> None:
        """publishing=True, but Douyin answers 28001018 (HTTP 200): not allowed, permanent."""
        made = DouyinRig(capabilities=frozenset((ITEM_DATA, USER_DATA)))
        try:
            with pytest.raises(PublishingNotAllowedError, match="28001018") as raised:
                made.gateway().publish(video(), "dy-2:douyin")
            assert raised.value.retryable is False
            assert made.fake.items() == []
            assert made.sleeps == []
        finally:
            made.close()

    def test_lost_create_is_found_in_the_video_list(self, douyin: DouyinRig) -> None:
        """The item is made and the answer lost: the video list finds it before a retry."""
        gateway = douyin.gateway()
        douyin.fake.lose_response_next(path="create_video")
        receipt = gateway.publish(video(), "dy-3:douyin")
        assert [i["item_id"] for i in douyin.fake.items()] == [receipt.external_id]
        assert posts_on(douyin.fake, "/api/douyin/v1/video/create_video/") == 1
        assert receipt.url.startswith("https://www.iesdouyin.com/share/video/")

    def test_every_answer_lost_then_found_later(self, douyin: DouyinRig) -> None:
        """Create and every look-up lost: retryable; the next publish finds the item."""
        gateway = douyin.gateway()
        gateway.metrics(gateway.publish(video("热身"), "warm:douyin").external_id)
        douyin.fake.lose_response_next(path="create_video")
        douyin.fake.lose_response_next(QUICK.attempts, path="video_list")
        with pytest.raises(PlatformTimeoutError):
            gateway.publish(video(), "dy-4:douyin")
        assert len(douyin.fake.items()) == 2
        douyin.clock.advance(timedelta(hours=1))
        receipt = gateway.publish(video(), "dy-4:douyin")
        assert douyin.fake.items()[-1]["item_id"] == receipt.external_id
        assert len(douyin.fake.items()) == 2

    def test_over_limits_and_other_platforms_refused_before_any_request(
        self, douyin: DouyinRig
    ) -> None:
        gateway = douyin.gateway()
        for variant in (
            PostVariant(Platform.DOUYIN, "没有视频"),
            PostVariant(Platform.DOUYIN, "链接", media=("a.mp4",), link=f"https://{SAFE}/x"),
            PostVariant(Platform.DOUYIN, "书" * 1001, media=("a.mp4",)),
            share(),
        ):
            with pytest.raises(PlatformError) as raised:
                gateway.publish(variant, "dy-5:douyin")
            assert raised.value.retryable is False
        assert douyin.fake.requests() == []

    def test_rate_limit_in_a_200_honours_retry_after(self, douyin: DouyinRig) -> None:
        """28003018 "too frequent" comes in an HTTP 200: waited out after Retry-After."""
        gateway = douyin.gateway()
        douyin.fake.rate_limit_next(retry_after=2, path="create_video")
        gateway.publish(video(), "dy-6:douyin")
        assert [w for w in douyin.sleeps if w >= 1] == [pytest.approx(2, abs=0.01)]
        assert len(douyin.fake.items()) == 1


class TestDouyinTokens:
    def test_expired_token_is_refreshed_once_and_stored(self, credentials: CredentialStore) -> None:
        """28001008: the adapter renews the access token with the refresh token, stores the
        new one and its expiry in the credential store, and the call goes through; a
        second gateway on the same store uses the stored token without renewing."""
        clock = ManualClock(START)
        made = DouyinRig(credentials=credentials, clock=clock)
        try:
            gateway = made.gateway()
            receipt = gateway.publish(video(), "tok-1:douyin")
            made.fake.expire_tokens()
            assert gateway.metrics(receipt.external_id).views >= 0
            assert made.fake.refreshes == 1
            stored = made.credentials.get("douyin", "access_token")
            assert stored is not None
            assert stored.reveal() != DOUYIN_ACCESS
            expires = made.credentials.get("douyin", EXPIRES_ENTRY)
            assert expires is not None
            assert datetime.fromisoformat(expires.reveal()) == START + timedelta(days=15)
            again = made.gateway()
            again.metrics(receipt.external_id)
            assert made.fake.refreshes == 1
        finally:
            made.close()

    def test_a_token_near_its_expiry_is_renewed_before_the_call(self, douyin: DouyinRig) -> None:
        """Once its expiry is known, the token is renewed before it runs out: no call
        meets an expired-token answer."""
        gateway = douyin.gateway()
        receipt = gateway.publish(video(), "tok-2:douyin")
        douyin.fake.expire_tokens()
        gateway.metrics(receipt.external_id)
        before = len(douyin.fake.requests())
        douyin.clock.advance(timedelta(days=15))
        gateway.metrics(receipt.external_id)
        assert douyin.fake.refreshes == 2
        paths = [p for _m, p in douyin.fake.requests()[before:]]
        assert paths[:2] == ["/oauth/renew_refresh_token/", "/oauth/refresh_token/"]
        assert paths.count("/api/douyin/v1/video/video_data/") == 1  # met no expired token

    def test_refresh_token_is_renewed_before_it_runs_out(self, douyin: DouyinRig) -> None:
        """With renew_refresh_token, a refresh token with less than 16 days left is renewed
        before use (new one stored): the account keeps working past 30 days, until Douyin's
        5 renewals are spent; then the refresh token dies and staff are asked to authorise
        libops again."""
        gateway = douyin.gateway(watch_time=False)
        receipt = gateway.publish(video(), "tok-4:douyin")
        for _fortnight in range(6):  # 90 days: three times a first refresh token's life
            douyin.clock.advance(timedelta(days=15))
            gateway.metrics(receipt.external_id)
        assert douyin.fake.renewals == 5
        stored = douyin.credentials.get("douyin", "refresh_token")
        assert stored is not None
        assert stored.reveal() != DOUYIN_REFRESH
        douyin.clock.advance(timedelta(days=15))
        with pytest.raises(PlatformCredentialsError, match="10010"):
            gateway.metrics(receipt.external_id)

    def test_without_renewal_the_refresh_token_lasts_30_days(self) -> None:
        """An app without renew_refresh_token: fine for 30 days, then a credentials error."""
        made = DouyinRig(capabilities=frozenset((PUBLISH,)))
        try:
            gateway = made.gateway(watch_time=False)
            receipt = gateway.publish(video(), "tok-5:douyin")
            made.clock.advance(timedelta(days=16))
            gateway.metrics(receipt.external_id)
            made.clock.advance(timedelta(days=15))
            with pytest.raises(PlatformCredentialsError, match="authorise libops again"):
                gateway.metrics(receipt.external_id)
            assert made.fake.renewals == 0
        finally:
            made.close()

    def test_dead_refresh_token_asks_for_a_new_authorisation(self, douyin: DouyinRig) -> None:
        """10010: a credentials error, not retryable, without any token; nothing posted."""
        gateway = douyin.gateway()
        douyin.fake.expire_refresh()
        with pytest.raises(PlatformCredentialsError, match="authorise libops again") as raised:
            gateway.publish(video(), "tok-3:douyin")
        assert raised.value.retryable is False
        assert "10010" in str(raised.value)
        for secret in (DOUYIN_ACCESS, DOUYIN_REFRESH):
            assert secret not in str(raised.value)
            assert secret not in repr(gateway)
        assert douyin.fake.items() == []

    def test_tokens_from_the_environment_are_renewed_in_memory(self, douyin: DouyinRig) -> None:
        """A read-only store (environment variables): the renewed access token is used from
        memory, and the refresh token is not renewed (it could not be kept)."""
        environ = {
            env_variable("douyin", name): value
            for name, value in (
                ("client_key", CLIENT_KEY),
                ("open_id", OPEN_ID),
                ("access_token", DOUYIN_ACCESS),
                ("refresh_token", DOUYIN_REFRESH),
            )
        }
        gateway = DouyinGateway.from_credentials(
            douyin.fake.base_url,
            EnvCredentialStore(environ),
            clock=douyin.clock,
            retry=QUICK,
            sleep=douyin.sleeps,
            watch_time=False,
        )
        try:
            item = douyin.fake.publish_in_app("展览预告")
            douyin.fake.expire_tokens()
            gateway.metrics(item)
            gateway.metrics(item)
            assert douyin.fake.refreshes == 1
            douyin.clock.advance(timedelta(days=15))
            gateway.metrics(item)
            assert douyin.fake.refreshes == 2
            assert douyin.fake.renewals == 0
        finally:
            gateway.close()

    def test_missing_entries_are_named(self, douyin: DouyinRig) -> None:
        douyin.credentials.remove("douyin", "refresh_token")
        with pytest.raises(PlatformAdapterConfigError, match="libops credentials set douyin"):
            douyin.gateway()
        douyin.credentials.remove("douyin", "open_id")
        with pytest.raises(PlatformAdapterConfigError, match="'open_id'"):
            douyin.gateway()

    def test_publishing_needs_a_media_loader(self, douyin: DouyinRig) -> None:
        with pytest.raises(PlatformAdapterConfigError, match="media="):
            douyin.gateway(media=None)

    def test_a_video_that_cannot_be_read_is_refused(self, douyin: DouyinRig) -> None:
        """The media loader's OSError, or an empty video, is a final error; nothing sent."""

        def missing(name: str) -> bytes:
            raise FileNotFoundError(2, "No such file or directory", name)

        for loader in (missing, lambda name: b""):
            with pytest.raises(PlatformError, match=r"new-building\.mp4") as raised:
                douyin.gateway(media=loader).publish(video(), "media-1:douyin")
            assert raised.value.retryable is False
        assert douyin.fake.requests() == []


class TestDouyinData:
    def test_item_data_and_watch_time(self, douyin: DouyinRig) -> None:
        """play → views, digg → likes, share + forward → shares; the base data's average
        watch time goes in extra as avg_watch_seconds, the profile's own metric."""
        gateway = douyin.gateway()
        receipt = gateway.publish(video(), "data-1:douyin")
        douyin.clock.advance(timedelta(days=2))
        snapshot = gateway.metrics(receipt.external_id)
        [item] = [i for i in douyin.fake.items() if i["item_id"] == receipt.external_id]
        assert snapshot.views > 0
        assert snapshot.likes > 0
        assert set(snapshot.extra) == {"avg_watch_seconds"}
        assert snapshot.extra["avg_watch_seconds"] > 0
        assert item["title"] == video().text

    def test_no_watch_time_for_old_items_or_the_first_day(self) -> None:
        """item/base is empty on the day of the authorisation and for items past 30 days:
        the snapshot then has no own metric (not a zero)."""
        clock = ManualClock(START)
        made = DouyinRig(clock=clock)
        made.fake.authorised_at = START
        try:
            gateway = made.gateway()
            receipt = gateway.publish(video(), "data-2:douyin")
            assert gateway.metrics(receipt.external_id).extra == {}
            clock.advance(timedelta(days=1))
            assert set(gateway.metrics(receipt.external_id).extra) == {"avg_watch_seconds"}
            clock.advance(timedelta(days=15))
            assert set(gateway.metrics(receipt.external_id).extra) == {"avg_watch_seconds"}
            clock.advance(timedelta(days=16))
            assert gateway.metrics(receipt.external_id).extra == {}
        finally:
            made.close()

    def test_without_the_item_data_scope(self) -> None:
        """28001012 (scope not granted) is a permanent refusal; watch_time=False skips it."""
        made = DouyinRig(capabilities=frozenset((PUBLISH,)))
        try:
            item = made.fake.publish_in_app("馆藏展")
            with pytest.raises(PlatformRejectedError, match="28001012"):
                made.gateway().metrics(item)
            assert made.gateway(watch_time=False).metrics(item).extra == {}
        finally:
            made.close()

    def test_fans_data_are_follower_days(self, douyin: DouyinRig) -> None:
        """data/external/user/fans → FollowerDay(day, gained=new_fans, total=total_fans)."""
        gateway = douyin.gateway()
        days = gateway.follower_days(7)
        assert [d.day for d in days] == sorted(d.day for d in days)
        assert days[-1].day == (START - timedelta(days=1)).date()
        assert all(d.gained is not None and d.total is not None for d in days)
        with pytest.raises(InvalidValueError):
            gateway.follower_days(8)

    def test_comments_are_none_for_known_items_and_unknown_raise(self, douyin: DouyinRig) -> None:
        gateway = douyin.gateway()
        receipt = gateway.publish(video(), "data-3:douyin")
        assert gateway.comments(receipt.external_id) == []
        with pytest.raises(UnknownPlatformPostError):
            gateway.comments("@9VwUnknown")


class TestDouyinThroughLibops:
    def test_refused_then_published_by_hand_and_measured(
        self,
        store_url: str,
        credentials: CredentialStore,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
    ) -> None:
        """An account without the capability: libops records a final failure that says to
        publish by hand; staff publish in the app and record it; the metrics come from the
        item data through the same gateway."""
        clock = ManualClock(START)
        made = DouyinRig(
            capabilities=frozenset((ITEM_DATA, USER_DATA)),
            credentials=credentials,
            clock=clock,
        )
        try:
            gateway = made.gateway(publishing=False, media=None)
            with LibOps.open(store_url, clock=clock, migrate=True, gateways=[gateway]) as ops:
                post_id = ops.posts.draft(
                    planner,
                    title="New building",
                    body="A tour of the new building.",
                    content_type="news",
                    format="video",
                    variants=[video()],
                )
                ops.posts.submit_for_review(planner, post_id)
                ops.posts.review(reviewer, post_id, CHECKED, approve=True)
                with pytest.raises(PublishFailedError, match="by hand") as raised:
                    ops.publishing.publish(admin, post_id, Platform.DOUYIN)
                assert raised.value.retryable is False
                item_id = made.fake.publish_in_app(video().text)
                ops.publishing.record_manual_publication(
                    admin,
                    post_id,
                    Platform.DOUYIN,
                    url=f"https://www.douyin.com/video/{item_id}",
                    external_id=item_id,
                )
                clock.advance(timedelta(days=1))
                [collected] = ops.publishing.collect_metrics(admin)
                assert collected.snapshot is not None
                assert collected.snapshot.views > 0
                assert ops.posts.get(post_id).latest_metrics(Platform.DOUYIN) == collected.snapshot
        finally:
            made.close()

    def test_no_douyin_secret_in_any_log_record(
        self, douyin: DouyinRig, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        gateway = douyin.gateway()
        receipt = gateway.publish(video(), "log-1:douyin")
        douyin.fake.expire_tokens()
        gateway.metrics(receipt.external_id)
        douyin.fake.expire_refresh()
        with pytest.raises(PlatformCredentialsError):
            gateway.follower_days()
        text = "\n".join(record.getMessage() for record in caplog.records)
        stored = douyin.credentials.get("douyin", "access_token")
        assert stored is not None
        for secret in (DOUYIN_ACCESS, DOUYIN_REFRESH, stored.reveal()):
            assert secret not in text


class TestDouyinLegacyEnvelope:
    """Douyin's older endpoints answer with the legacy codes (2190008 token expired, 2100004
    busy) in the same ``data`` envelope: they mean what the current codes mean."""

    def test_legacy_codes_renew_and_retry(self) -> None:
        clock = ManualClock(START)
        answers = iter(
            [
                {"data": {"error_code": 2190008, "description": "access_token过期"}},
                {
                    "data": {
                        "access_token": "act.renewed",
                        "expires_in": 1296000,
                        "error_code": 0,
                        "description": "",
                    },
                    "message": "success",
                },
                {"data": {"error_code": 2100004, "description": "系统繁忙"}},
                {
                    "data": {
                        "error_code": 0,
                        "list": [
                            {
                                "item_id": "@9VwLegacy",
                                "create_time": int(START.timestamp()),
                                "statistics": {"play_count": "12", "digg_count": 3},
                            }
                        ],
                    }
                },
            ]
        )
        seen: list[tuple[str, str]] = []

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append((request.url.path, request.headers.get("access-token", "")))
            return httpx.Response(200, json=next(answers))

        sleeps = Sleeps()
        gateway = DouyinGateway.from_credentials(
            "https://open.douyin.example",
            douyin_entries(MemoryCredentialStore(clock)),
            clock=clock,
            retry=QUICK,
            sleep=sleeps,
            watch_time=False,
            transport=httpx.MockTransport(answer),
        )
        try:
            snapshot = gateway.metrics("@9VwLegacy")
        finally:
            gateway.close()
        assert (snapshot.views, snapshot.likes) == (12, 3)
        assert [path for path, _token in seen] == [
            "/api/douyin/v1/video/video_data/",
            "/oauth/refresh_token/",
            "/api/douyin/v1/video/video_data/",
            "/api/douyin/v1/video/video_data/",
        ]
        assert [token for _path, token in seen][2:] == ["act.renewed", "act.renewed"]
        assert len(sleeps) == 1  # the busy answer was retried once, after a backoff

"""The review's three credential and Douyin bugs (issue 11), each against FakeDouyin over
loopback or the token cache itself:

- renewed Douyin tokens are kept when run from the command line (its chain of the
  environment and the 0600 file writes to the file), rotated refresh token included;
- a publish whose item Douyin lists late is one publish with a receipt, not an error after
  the video went out (and a second video on the retry);
- a refused token refresh reaches the caller as the platform's own error class, without a
  secret, and the gateways keep no stash of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from libops.adapters.clock import ManualClock, SystemClock
from libops.adapters.credentials import (
    EnvCredentialStore,
    FileCredentialStore,
    MemoryCredentialStore,
    Token,
    TokenCache,
    env_variable,
)
from libops.adapters.platforms_http import (
    HTTP_GATEWAYS,
    CredentialChain,
    DouyinGateway,
    WeChatGateway,
)
from libops.adapters.platforms_http.douyin import EXPIRES_ENTRY, REFRESH_EXPIRES_ENTRY
from libops.cli.publish_command import gateways_from
from libops.domain.errors import (
    CredentialError,
    MissingCredentialError,
    PlatformAdapterConfigError,
    PlatformCredentialsError,
    PlatformError,
    PlatformRejectedError,
    ReadOnlyCredentialStoreError,
    TokenRefreshError,
)
from libops.domain.values import Platform, PostVariant
from libops.testing.fakes import FakeDouyin, FakeWeChat
from libops.testing.fakes.douyin import ITEM_DATA, PUBLISH, USER_DATA

ACCESS = "act.cli-secret-access-0001"
REFRESH = "rft.cli-secret-refresh-0002"
CLIENT_KEY = "awclichainclientkey"
OPEN_ID = "_000cliChainOpenId"
VIDEO = b"\x00\x00\x00\x18ftypmp42 a short library video"


def _sleep(_seconds: float) -> None:
    """No real waiting in these tests."""


@pytest.fixture
def fake() -> Iterator[FakeDouyin]:
    """A Douyin that rotates the refresh token at each refresh, on a clock at the real
    time (the command line's gateways run on the system clock)."""
    made = FakeDouyin(
        ManualClock(SystemClock().now()),
        client_key=CLIENT_KEY,
        open_id=OPEN_ID,
        access_token=ACCESS,
        refresh_token=REFRESH,
        capabilities=frozenset((PUBLISH, ITEM_DATA, USER_DATA)),
        rotate_refresh=True,
    ).start()
    yield made
    made.stop()


# --- 4. renewed tokens are kept when run from the command line --------------------------------


class TestCommandLineChainKeepsRenewedTokens:
    def test_a_rotated_refresh_token_is_kept_in_the_file(
        self, fake: FakeDouyin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The command line's chain (the app's key and user in the environment, the tokens
        in the 0600 file): after a refresh the file holds the new access token, the rotated
        refresh token and their expiries; a second gateway (the next tick's process) uses
        them without refreshing, and refreshes later with the rotated refresh token."""
        path = tmp_path / "libops.credentials.json"
        monkeypatch.setenv("LIBOPS_CREDENTIALS", str(path))
        monkeypatch.setenv(env_variable("douyin", "client_key"), CLIENT_KEY)
        monkeypatch.setenv(env_variable("douyin", "open_id"), OPEN_ID)
        file = FileCredentialStore(path)
        file.set("douyin", "access_token", ACCESS)
        file.set("douyin", "refresh_token", REFRESH)
        spec = f"douyin={fake.base_url}"
        item = fake.publish_in_app("开馆时间调整")

        [first] = gateways_from([spec])
        try:
            fake.expire_tokens()
            first.metrics(item)
        finally:
            first.close()  # type: ignore[attr-defined]  # an HTTP gateway
        assert fake.refreshes == 1
        kept = FileCredentialStore(path)
        access, refresh = kept.get("douyin", "access_token"), kept.get("douyin", "refresh_token")
        assert access is not None
        assert access.reveal() not in (ACCESS, "")
        assert refresh is not None
        assert refresh.reveal() != REFRESH
        assert kept.get("douyin", EXPIRES_ENTRY) is not None
        assert kept.get("douyin", REFRESH_EXPIRES_ENTRY) is not None
        assert path.stat().st_mode & 0o777 == 0o600

        [second] = gateways_from([spec])
        try:
            second.metrics(item)
            assert fake.refreshes == 1  # the stored token, not a new refresh
            fake.expire_tokens()
            second.metrics(item)  # refreshed with the rotated refresh token (the old is dead)
            assert fake.refreshes == 2
        finally:
            second.close()  # type: ignore[attr-defined]  # an HTTP gateway

    def test_tokens_the_environment_holds_stay_in_the_process(
        self, fake: FakeDouyin, tmp_path: Path
    ) -> None:
        """Every entry in the environment: the renewed tokens cannot be kept (the variables
        would hide them), so they and their expiries live in the process, and the file
        gets no expiry beside a token it does not hold."""
        environ = {
            env_variable("douyin", name): value
            for name, value in (
                ("client_key", CLIENT_KEY),
                ("open_id", OPEN_ID),
                ("access_token", ACCESS),
                ("refresh_token", REFRESH),
            )
        }
        file = FileCredentialStore(tmp_path / "libops.credentials.json")
        chain = CredentialChain([EnvCredentialStore(environ), file])
        gateway = DouyinGateway.from_credentials(
            fake.base_url, chain, clock=fake.clock, sleep=_sleep, watch_time=False
        )
        try:
            item = fake.publish_in_app("讲座预告")
            fake.expire_tokens()
            gateway.metrics(item)
            gateway.metrics(item)
            assert fake.refreshes == 1
        finally:
            gateway.close()
        assert file.list() == []

    def test_the_chain_writes_to_the_first_store_that_can(self, tmp_path: Path) -> None:
        env = EnvCredentialStore({env_variable("weibo", "app_key"): "from-env"})
        file = FileCredentialStore(tmp_path / "c.json")
        chain = CredentialChain([env, file])
        info = chain.set("weibo", "access_token", "t-1")
        assert info.source == "file"
        secret = file.get("weibo", "access_token")
        assert secret is not None
        assert secret.reveal() == "t-1"
        assert chain.get("weibo", "access_token") == secret

    def test_a_value_the_environment_holds_is_not_hidden_by_a_write(self, tmp_path: Path) -> None:
        """Written to the file, it would never be read (the environment comes first): the
        chain refuses, naming the variable, and writes nothing."""
        env = EnvCredentialStore({env_variable("weibo", "access_token"): "from-env"})
        file = FileCredentialStore(tmp_path / "c.json")
        chain = CredentialChain([env, file])
        with pytest.raises(ReadOnlyCredentialStoreError, match="LIBOPS_CRED_WEIBO_ACCESS_TOKEN"):
            chain.set("weibo", "access_token", "t-2")
        assert file.list() == []

    def test_only_read_only_stores_refuse_clearly(self) -> None:
        chain = CredentialChain([EnvCredentialStore({})])
        with pytest.raises(ReadOnlyCredentialStoreError, match=r"no store .* can keep") as raised:
            chain.set("douyin", "access_token", "a-secret-never-shown")
        assert "a-secret-never-shown" not in str(raised.value)


# --- 5. a late-listed item is one publish with a receipt ----------------------------------------


class TestDouyinLateListing:
    def test_one_publish_one_item_and_a_receipt(self) -> None:
        """Douyin creates the item but lists it only later: the receipt comes from the
        create answer (the publish does not fail after the video went out), and a repeat
        of the publish with the same key finds it rather than posting again."""
        clock = ManualClock(SystemClock().now())
        fake = FakeDouyin(
            clock,
            client_key=CLIENT_KEY,
            open_id=OPEN_ID,
            access_token=ACCESS,
            refresh_token=REFRESH,
            capabilities=frozenset((PUBLISH, ITEM_DATA, USER_DATA)),
            listing_delay=timedelta(minutes=5),
        ).start()
        store = MemoryCredentialStore(clock)
        for name, value in (
            ("client_key", CLIENT_KEY),
            ("open_id", OPEN_ID),
            ("access_token", ACCESS),
            ("refresh_token", REFRESH),
        ):
            store.set("douyin", name, value)
        gateway = DouyinGateway.from_credentials(
            fake.base_url,
            store,
            clock=clock,
            publishing=True,
            media=lambda name: VIDEO,
            sleep=_sleep,
        )
        variant = PostVariant(Platform.DOUYIN, "新馆导览: 二楼期刊区", media=("tour.mp4",))
        try:
            receipt = gateway.publish(variant, "late-1:douyin")
            assert [i["item_id"] for i in fake.items()] == [receipt.external_id]
            assert receipt.external_id in receipt.url
            assert gateway.publish(variant, "late-1:douyin") == receipt
            assert len(fake.items()) == 1
            clock.advance(timedelta(minutes=6))
            assert gateway.find_published("late-1:douyin") is not None
        finally:
            gateway.close()
            fake.stop()


# --- 6. a failed refresh keeps its error --------------------------------------------------------


class TestRefreshErrorsPassThrough:
    def test_a_platform_error_reaches_the_caller_as_it_is(self) -> None:
        refused = PlatformCredentialsError("douyin", "authorise libops again (10010)")

        def refresh(account: str) -> Token:
            raise refused

        cache = TokenCache(refresh)
        with pytest.raises(PlatformCredentialsError) as raised:
            cache.get("douyin")
        assert raised.value is refused

    def test_a_credential_error_reaches_the_caller_as_it_is(self) -> None:
        def refresh(account: str) -> Token:
            raise ReadOnlyCredentialStoreError("the store only reads")

        with pytest.raises(ReadOnlyCredentialStoreError):
            TokenCache(refresh).get("douyin")

    def test_any_other_error_is_a_refresh_error_without_its_words(self) -> None:
        """Its text may quote a secret: only its kind is named, and it is not chained."""

        def refresh(account: str) -> Token:
            raise ValueError("bad answer with rft.leaked-secret-123 in it")

        with pytest.raises(TokenRefreshError) as raised:
            TokenCache(refresh).get("douyin")
        assert "rft.leaked-secret-123" not in str(raised.value)
        assert "ValueError" in str(raised.value)
        assert raised.value.__cause__ is None
        assert raised.value.__suppress_context__

    def test_douyin_refresh_refused_is_the_platforms_error(self, fake: FakeDouyin) -> None:
        store = MemoryCredentialStore()
        for name, value in (
            ("client_key", CLIENT_KEY),
            ("open_id", OPEN_ID),
            ("access_token", ACCESS),
            ("refresh_token", REFRESH),
        ):
            store.set("douyin", name, value)
        gateway = DouyinGateway.from_credentials(fake.base_url, store, sleep=_sleep)
        item = fake.publish_in_app("讲座预告")
        fake.expire_refresh()
        try:
            with pytest.raises(PlatformCredentialsError, match="10010") as raised:
                gateway.metrics(item)
        finally:
            gateway.close()
        for secret in (ACCESS, REFRESH):
            assert secret not in str(raised.value)
            assert secret not in repr(raised.value)
            assert secret not in repr(gateway)
        assert not hasattr(gateway, "_failure")

    def test_wechat_refresh_refused_is_the_platforms_error(self) -> None:
        secret = "wechat-wrong-secret-000111"
        clock = ManualClock(SystemClock().now())
        fake = FakeWeChat(clock, appid="wx00aa11bb22cc33dd", secret="the-right-one").start()
        gateway = WeChatGateway(fake.base_url, "wx00aa11bb22cc33dd", lambda: secret, clock=clock)
        try:
            with pytest.raises(PlatformCredentialsError, match="AppSecret") as raised:
                gateway.find_published("nothing-yet:wechat")
            assert isinstance(raised.value, PlatformError)
            assert not isinstance(raised.value, CredentialError)
        finally:
            gateway.close()
            fake.stop()
        assert secret not in str(raised.value)
        assert secret not in repr(raised.value)
        assert secret not in repr(gateway)
        assert not hasattr(gateway, "_refusal")


# --- every adapter's from_credentials refuses a missing entry alike ----------------------------


@pytest.mark.parametrize("platform", sorted(HTTP_GATEWAYS))
def test_a_missing_credential_is_the_same_error_for_every_adapter(platform: str) -> None:
    """Each factory the command line uses refuses an empty store before any request with
    MissingCredentialError (a gateway configuration error too), naming the entry and the
    command that stores it."""
    with pytest.raises(MissingCredentialError, match=f"libops credentials set {platform} ") as e:
        HTTP_GATEWAYS[platform]("https://api.example.org", MemoryCredentialStore(), SystemClock())
    assert isinstance(e.value, PlatformAdapterConfigError)
    assert e.value.account == platform


def test_wechat_renews_only_on_its_token_codes_not_on_an_http_401() -> None:
    """WeChat's 40001 in an HTTP 200 renews the token once; a real HTTP 401 (a proxy, say)
    is refused as it is, without fetching a new token (as before WeChat's calls went
    through the exchange's retry loop)."""
    fetched: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/stable_token":
            fetched.append(request.url.path)
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 7200})
        return httpx.Response(401, json={"message": "unauthorised"})

    gateway = WeChatGateway(
        "https://api.weixin.example",
        "wx00aa11bb22cc33dd",
        lambda: "a-secret",
        transport=httpx.MockTransport(answer),
        sleep=_sleep,
    )
    try:
        with pytest.raises(PlatformRejectedError, match="401"):
            gateway.metrics("2247483650_1")
    finally:
        gateway.close()
    assert fetched == ["/cgi-bin/stable_token"]

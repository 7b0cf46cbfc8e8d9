"""What a second review of the Douyin and WeChat credential fixes found (issue 11), each
against the platform's fake over loopback:

1. a Douyin refresh answer without a ``refresh_token`` keeps the real refresh token (the
   store held the text ``Secret('***')``, and the account had to be authorised again);
2. WeChat renews its token only for the expired-token codes, not for every permanent
   refusal (48001 on an unverified account forced a ``stable_token`` and a second submit);
3. a Douyin item a key made and Douyin does not list counts as made, however late the
   repeat (after an hour it was taken for gone and posted again);
4. two processes renewing a rotating Douyin refresh token at once: the slower one, refused
   with 10010, reads the token the faster one stored and tries once more.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from libops.adapters.clock import ManualClock, SystemClock
from libops.adapters.credentials import FileCredentialStore, MemoryCredentialStore
from libops.adapters.platforms_http import DouyinGateway
from libops.domain.errors import PlatformApiAccessError, PlatformCredentialsError, PlatformError
from libops.domain.ports import CredentialInfo, CredentialStore, Secret
from libops.domain.values import Platform, PostVariant
from libops.testing.fakes import FakeDouyin
from libops.testing.fakes.douyin import ITEM_DATA, PUBLISH, USER_DATA
from tests.contract.test_wechat_adapter import SUBMIT, Rig, article, calls

ACCESS = "act.review-access-0001"
REFRESH = "rft.review-refresh-0002"
CLIENT_KEY = "awreviewclientkey"
OPEN_ID = "_000reviewOpenId"
VIDEO = b"\x00\x00\x00\x18ftypmp42 a short library video"


def _sleep(_seconds: float) -> None:
    """No real waiting in these tests."""


def _douyin(clock: ManualClock, **options: object) -> FakeDouyin:
    return FakeDouyin(
        clock,
        client_key=CLIENT_KEY,
        open_id=OPEN_ID,
        access_token=ACCESS,
        refresh_token=REFRESH,
        capabilities=frozenset((PUBLISH, ITEM_DATA, USER_DATA)),
        **options,  # type: ignore[arg-type]  # the fake's options pass through
    ).start()


def _stored(store: CredentialStore) -> CredentialStore:
    for name, value in (
        ("client_key", CLIENT_KEY),
        ("open_id", OPEN_ID),
        ("access_token", ACCESS),
        ("refresh_token", REFRESH),
    ):
        store.set("douyin", name, value)
    return store


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> CredentialStore:
    """The credential stores a Douyin gateway keeps its tokens in (memory, the 0600 file)."""
    if request.param == "memory":
        return _stored(MemoryCredentialStore())
    return _stored(FileCredentialStore(tmp_path / "libops.credentials.json"))


# --- 1. a refresh answer without a refresh token keeps the real one -----------------------------


class TestRefreshAnswerWithoutRefreshToken:
    def test_the_store_keeps_the_real_refresh_token(self, store: CredentialStore) -> None:
        clock = ManualClock(SystemClock().now())
        fake = _douyin(clock, omit_refresh_token=True)
        gateway = DouyinGateway.from_credentials(
            fake.base_url, store, clock=clock, sleep=_sleep, watch_time=False
        )
        try:
            item = fake.publish_in_app("开馆时间调整")
            fake.expire_tokens()
            gateway.metrics(item)
            assert fake.refreshes == 1
            kept = store.get("douyin", "refresh_token")
            assert kept is not None
            assert kept.reveal() == REFRESH  # not the placeholder "Secret('***')"
            fake.expire_tokens()
            gateway.metrics(item)  # renewed again with the kept refresh token
            assert fake.refreshes == 2
        finally:
            gateway.close()
            fake.stop()


# --- 2. WeChat renews its token only when WeChat says it expired ---------------------------------


class TestWeChatRenewsOnlyExpiredTokens:
    def test_an_unverified_account_fetches_one_token_and_submits_once(self) -> None:
        made = Rig(verified=False)
        try:
            gateway = made.gateway()
            with pytest.raises(PlatformApiAccessError, match="48001"):
                gateway.publish(article(), "post-1:wechat")
            assert made.fake.tokens_issued == 1
            assert calls(made.fake, SUBMIT) == 1
        finally:
            made.close()

    def test_an_expired_token_is_still_renewed_once(self) -> None:
        made = Rig()
        try:
            gateway = made.gateway()
            gateway.publish(article(), "post-2:wechat")
            assert made.fake.tokens_issued == 1
            made.fake.expire_tokens()
            made.clock.advance(timedelta(minutes=1))
            assert gateway.find_published("post-2:wechat") is not None
            assert made.fake.tokens_issued == 2
        finally:
            made.close()


# --- 3. an item a key made counts as made, however late Douyin lists it --------------------------


class TestDouyinNeverRepostsAnUnlistedItem:
    def test_a_retry_two_hours_later_posts_nothing(self) -> None:
        clock = ManualClock(SystemClock().now())
        fake = _douyin(clock, listing_delay=timedelta(hours=6))
        ledger: dict[str, str] = {}  # the persistent ledger a deployment passes

        def gateway() -> DouyinGateway:
            return DouyinGateway.from_credentials(
                fake.base_url,
                _stored(MemoryCredentialStore(clock)),
                clock=clock,
                publishing=True,
                media=lambda name: VIDEO,
                sleep=_sleep,
                ledger=ledger,
            )

        variant = PostVariant(Platform.DOUYIN, "少儿阅览室暑期开放", media=("summer.mp4",))
        first = gateway()
        try:
            receipt = first.publish(variant, "crash-1:douyin")
        finally:
            first.close()
        clock.advance(timedelta(hours=2))  # the job crashed; its retry comes later
        second = gateway()
        try:
            assert second.find_published("crash-1:douyin") == receipt
            assert second.publish(variant, "crash-1:douyin") == receipt
            clock.advance(timedelta(days=3))  # listed by now: the same item, its share URL
            assert second.publish(variant, "crash-1:douyin").external_id == receipt.external_id
        finally:
            second.close()
            fake.stop()
        assert [i["item_id"] for i in fake.items()] == [receipt.external_id]

    def test_an_old_entry_without_a_time_is_refused_not_posted_again(self) -> None:
        """A ledger entry from before the ledger kept times names an item Douyin does not
        list: the publish is refused for good (staff look in the app), never made again."""
        clock = ManualClock(SystemClock().now())
        fake = _douyin(clock)
        gateway = DouyinGateway.from_credentials(
            fake.base_url,
            _stored(MemoryCredentialStore(clock)),
            clock=clock,
            publishing=True,
            media=lambda name: VIDEO,
            sleep=_sleep,
            ledger={"old-1:douyin": "@9VwGoneItem000"},
        )
        variant = PostVariant(Platform.DOUYIN, "旧的发布", media=("old.mp4",))
        try:
            with pytest.raises(PlatformError, match="not posted again") as raised:
                gateway.publish(variant, "old-1:douyin")
            assert raised.value.retryable is False
        finally:
            gateway.close()
            fake.stop()
        assert fake.items() == []


# --- 4. two processes renewing a rotating refresh token at once ----------------------------------


class _Racing:
    """The slower process's view of the shared file: right after it reads the refresh
    token, the faster process renews (and rotates) it."""

    def __init__(self, store: CredentialStore, meanwhile: object) -> None:
        self._store = store
        self._meanwhile = meanwhile
        self.armed = False  # set once the gateway is built (it checks the entries)
        self.raced = False

    def get(self, account: str, name: str) -> Secret | None:
        value = self._store.get(account, name)
        if name == "refresh_token" and self.armed and not self.raced:
            self.raced = True
            self._meanwhile()  # type: ignore[operator]  # a callable
        return value

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        return self._store.set(account, name, value)

    def remove(self, account: str, name: str) -> bool:
        return self._store.remove(account, name)

    def list(self, account: str | None = None) -> list[CredentialInfo]:
        return list(self._store.list(account))


class TestConcurrentRotation:
    def test_the_slower_process_uses_the_token_the_faster_stored(self, tmp_path: Path) -> None:
        clock = ManualClock(SystemClock().now())
        fake = _douyin(clock, rotate_refresh=True)
        path = tmp_path / "libops.credentials.json"
        _stored(FileCredentialStore(path))
        item = fake.publish_in_app("古籍修复展")
        faster = DouyinGateway.from_credentials(
            fake.base_url, FileCredentialStore(path), clock=clock, sleep=_sleep, watch_time=False
        )
        racing = _Racing(FileCredentialStore(path), lambda: faster.metrics(item))
        slower = DouyinGateway.from_credentials(
            fake.base_url, racing, clock=clock, sleep=_sleep, watch_time=False
        )
        racing.armed = True
        try:
            fake.expire_tokens()
            slower.metrics(item)
            assert racing.raced
            assert fake.refreshes == 2  # the faster's, then the slower's with the rotated one
            third = DouyinGateway.from_credentials(
                fake.base_url,
                FileCredentialStore(path),
                clock=clock,
                sleep=_sleep,
                watch_time=False,
            )
            try:
                third.metrics(item)  # the file holds good tokens
                fake.expire_tokens()
                third.metrics(item)
                assert fake.refreshes == 3
            finally:
                third.close()
        finally:
            faster.close()
            slower.close()
            fake.stop()

    def test_a_dead_refresh_token_nobody_replaced_still_asks_for_authorisation(
        self, tmp_path: Path
    ) -> None:
        clock = ManualClock(SystemClock().now())
        fake = _douyin(clock)
        gateway = DouyinGateway.from_credentials(
            fake.base_url,
            _stored(FileCredentialStore(tmp_path / "c.json")),
            clock=clock,
            sleep=_sleep,
            watch_time=False,
        )
        try:
            item = fake.publish_in_app("讲座预告")
            fake.expire_refresh()
            with pytest.raises(PlatformCredentialsError, match="10010"):
                gateway.metrics(item)
            assert fake.refreshes == 0
        finally:
            gateway.close()
            fake.stop()

"""The WeChat Official Accounts adapter against its local fake over loopback: the shipped
gateway fault contract, the asynchronous publish (publishing → success, failed, rejected),
lost answers at each step, tokens (expiry, renewal, wrong secrets, the whitelist), quotas
and busy answers, the datacube's statistics, the unverified account, take-down, and
publishing through libops on every store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.credentials import MemoryCredentialStore
from libops.adapters.platforms_http import HttpRetry, WeChatGateway
from libops.adapters.platforms_http.wechat import article_html, fingerprint, msgid_of
from libops.domain.errors import (
    InvalidValueError,
    PlatformAdapterConfigError,
    PlatformApiAccessError,
    PlatformCredentialsError,
    PlatformError,
    PlatformPublicationFailedError,
    PlatformRateLimitedError,
    PlatformRejectedError,
    PlatformTimeoutError,
    PublishFailedError,
    UnknownCredentialError,
    UnknownPlatformPostError,
)
from libops.domain.ports import PlatformGateway, SupportsTakeDown
from libops.domain.post import PlatformStatus
from libops.domain.values import Platform, PostVariant
from libops.testing import AdvanceTime, PlatformFaults, PlatformGatewayFaultContract
from libops.testing.fakes import FakeWeChat

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 16:00 in Beijing
APPID = "wx1234567890abcdef"
SECRET = "wechat-app-secret-0123456789abcdef"
COVER = "cover.jpg"
CONTRACT_TIMEOUT = 1.0
SLOW = 1.5
QUICK = HttpRetry(attempts=3, base_delay=0.01, max_delay=5.0)


class ClockSleeps(list[float]):
    """A ``sleep`` that records each wait and moves the shared clock on by it (no real
    waiting), so the fake's asynchronous publish progresses while the adapter polls."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self.clock = clock

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))


class Rig:
    """A clock, a started FakeWeChat with one cover, and gateways on it."""

    def __init__(self, *, timeout: float = 2.0, verified: bool = True) -> None:
        self.clock = ManualClock(START)
        self.sleeps = ClockSleeps(self.clock)
        self.fake = FakeWeChat(self.clock, appid=APPID, secret=SECRET, verified=verified).start()
        self.cover = self.fake.add_material(COVER)
        self.secret = SECRET
        self.timeout = timeout
        self._gateways: list[WeChatGateway] = []

    def gateway(self, **options: object) -> WeChatGateway:
        gateway = WeChatGateway(
            self.fake.base_url,
            APPID,
            lambda: self.secret,
            **{  # type: ignore[arg-type]  # test options pass through
                "covers": {COVER: self.cover, "contract-check-image.jpg": self.cover},
                "clock": self.clock,
                "timeout": self.timeout,
                "retry": QUICK,
                "sleep": self.sleeps,
                "seed": 7,
                **options,
            },
        )
        self._gateways.append(gateway)
        return gateway

    def close(self) -> None:
        for gateway in self._gateways:
            gateway.close()
        self.fake.stop()


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig()
    yield made
    made.close()


def article(text: str = "本周新书推荐\n三本关于城市历史的新书已经上架，欢迎借阅。") -> PostVariant:
    return PostVariant(Platform.WECHAT, text, media=(COVER,))


def calls(fake: FakeWeChat, path: str) -> int:
    return sum(1 for _method, p in fake.requests() if p == path)


SUBMIT = "/cgi-bin/freepublish/submit"


# --- the shipped contract, over real HTTP ----------------------------------------------------


class WeChatFaults:
    """The contract's faults, aimed at freepublish/submit."""

    def __init__(self, fake: FakeWeChat) -> None:
        self.fake = fake

    def fail_next(self) -> None:
        self.fake.fail_next(status=502, path=SUBMIT)

    def rate_limit_next(self) -> None:
        self.fake.rate_limit_next(path=SUBMIT)

    def slow_next(self) -> None:
        self.fake.slow_next(seconds=SLOW, path=SUBMIT)

    def lose_response_next(self) -> None:
        self.fake.lose_response_next(path=SUBMIT)

    def expire_credentials(self) -> None:
        self.fake.expire_tokens()

    def posts_made(self) -> int:
        return len(self.fake.live_articles())

    def secrets(self) -> list[str]:
        return [SECRET]


class TestWeChatContract(PlatformGatewayFaultContract):
    @pytest.fixture(autouse=True)
    def _rigs(self) -> Iterator[None]:
        self.rigs: list[Rig] = []
        yield
        for made in self.rigs:
            made.close()

    def make_faulty_gateway(self) -> tuple[PlatformGateway, AdvanceTime, PlatformFaults]:
        made = Rig(timeout=CONTRACT_TIMEOUT)
        self.rigs.append(made)
        return made.gateway(), made.clock.advance, WeChatFaults(made.fake)

    def unknown_external_id(self, gateway: PlatformGateway) -> str:
        return "ART9999nosucharticle0000"


# --- publishing --------------------------------------------------------------------------------


class TestAsynchronousPublish:
    def test_draft_submit_poll_until_out(self, rig: Rig) -> None:
        """draft/add, one submit, then freepublish/get polled with growing waits until
        publish_status 0; the receipt names the article, its URL and the time it went out."""
        gateway = rig.gateway()
        receipt = gateway.publish(article(), "post-1:wechat")
        [out] = rig.fake.live_articles()
        assert receipt.external_id == out["article_id"]
        assert receipt.url == out["url"]
        assert receipt.published_at >= START + rig.fake.publish_delay
        assert calls(rig.fake, "/cgi-bin/draft/add") == calls(rig.fake, SUBMIT) == 1
        assert calls(rig.fake, "/cgi-bin/freepublish/get") >= 2  # publishing, then success
        assert rig.sleeps == sorted(rig.sleeps)
        assert rig.fake.drafts() == []  # the draft left the draft box
        news = out["news_item"][0]
        assert news["title"] == "本周新书推荐"
        assert f'data-libops="{fingerprint("post-1:wechat")}"' in news["content"]
        assert news["thumb_media_id"] == rig.cover
        assert gateway.find_published("post-1:wechat") == receipt

    @pytest.mark.parametrize(
        ("status", "reason", "words"),
        [
            (2, "originality_failed", "originality"),
            (3, "failed", "publication failed"),
            (4, "rejected", "review"),
        ],
    )
    def test_failed_publication_is_permanent_and_named(
        self, rig: Rig, status: int, reason: str, words: str
    ) -> None:
        """A publication that ends in 2, 3 or 4 raises a non-retryable error naming the
        reason and the way out; nothing is out, the draft stays in the draft box, and a
        later publish with the same key makes a new draft and goes out once."""
        gateway = rig.gateway()
        rig.fake.fail_next_publication(status)
        with pytest.raises(PlatformPublicationFailedError, match=words) as raised:
            gateway.publish(article(), "post-2:wechat")
        assert raised.value.retryable is False
        assert raised.value.reason == reason
        assert "record_manual_publication" in str(raised.value)
        assert rig.fake.live_articles() == []
        assert len(rig.fake.drafts()) == 1
        assert gateway.find_published("post-2:wechat") is None
        receipt = gateway.publish(article(), "post-2:wechat")
        assert [a["article_id"] for a in rig.fake.live_articles()] == [receipt.external_id]

    @pytest.mark.parametrize(("status", "reason"), [(5, "deleted"), (6, "banned")])
    def test_deleted_or_banned_at_once_is_never_republished(
        self, rig: Rig, status: int, reason: str
    ) -> None:
        """An article out and then deleted (5) or banned (6) is a permanent error; asking
        again with the key repeats it from the same publish job and puts nothing out."""
        gateway = rig.gateway()
        rig.fake.fail_next_publication(status)
        for _attempt in range(2):
            with pytest.raises(PlatformPublicationFailedError, match=reason) as raised:
                gateway.publish(article(), "post-2b:wechat")
            assert raised.value.reason == reason
        assert calls(rig.fake, SUBMIT) == 1
        assert rig.fake.live_articles() == []
        assert len(rig.fake.articles()) == 1

    def test_still_publishing_after_the_wait_resumes_the_same_job(self, rig: Rig) -> None:
        """A publication slower than publish_wait gives up retryably; the next attempt
        polls the same publish job (no second submit) and returns the article."""
        rig.fake.publish_delay = timedelta(minutes=10)
        gateway = rig.gateway(publish_wait=timedelta(seconds=30))
        with pytest.raises(PlatformError, match="still publishing") as raised:
            gateway.publish(article(), "post-3:wechat")
        assert raised.value.retryable is True
        assert sum(rig.sleeps) <= 30
        rig.clock.advance(timedelta(minutes=10))
        receipt = gateway.publish(article(), "post-3:wechat")
        assert calls(rig.fake, SUBMIT) == 1
        assert [a["article_id"] for a in rig.fake.live_articles()] == [receipt.external_id]

    def test_lost_submit_answer_is_waited_for_not_resubmitted(self, rig: Rig) -> None:
        """The submit goes through and its answer is lost; the repeat finds the draft taken
        (40007) and the adapter waits for the article to appear, finding it by fingerprint."""
        gateway = rig.gateway()
        rig.fake.lose_response_next(path=SUBMIT)
        receipt = gateway.publish(article(), "post-4:wechat")
        assert [a["article_id"] for a in rig.fake.live_articles()] == [receipt.external_id]
        assert calls(rig.fake, SUBMIT) == 2  # the lost one, and the refused repeat

    def test_every_answer_lost_then_a_new_gateway_finds_it(self, rig: Rig) -> None:
        """Every submit answer lost: a retryable error. A gateway without the ledger
        (another process) finds the article by its fingerprint and publishes nothing."""
        gateway = rig.gateway()
        rig.fake.lose_response_next(QUICK.attempts, path=SUBMIT)
        with pytest.raises(PlatformTimeoutError) as raised:
            gateway.publish(article(), "post-5:wechat")
        assert raised.value.retryable is True
        rig.clock.advance(timedelta(minutes=1))
        other = rig.gateway()
        found = other.find_published("post-5:wechat")
        assert found is not None
        assert other.publish(article(), "post-5:wechat") == found
        assert [a["article_id"] for a in rig.fake.live_articles()] == [found.external_id]

    def test_lost_draft_answer_is_found_in_the_draft_box(self, rig: Rig) -> None:
        """draft/add goes through and its answer is lost: before repeating it the adapter
        finds the draft by its fingerprint (draft/batchget) and submits that one."""
        gateway = rig.gateway()
        rig.fake.lose_response_next(path="/cgi-bin/draft/add")
        gateway.publish(article(), "post-6:wechat")
        assert calls(rig.fake, "/cgi-bin/draft/add") == 1
        assert len(rig.fake.live_articles()) == 1
        assert rig.fake.drafts() == []

    def test_draft_made_by_a_failed_attempt_is_reused(self, rig: Rig) -> None:
        """The draft/add answer and every look-up for the draft lost: a retryable error;
        the next attempt finds the draft made first and submits it; no draft is left over."""
        gateway = rig.gateway()
        gateway.find_published("warm-up")
        rig.fake.lose_response_next(1 + QUICK.attempts, path="/cgi-bin/draft/")
        with pytest.raises(PlatformTimeoutError):
            gateway.publish(article(), "post-6b:wechat")
        assert len(rig.fake.drafts()) == 1
        receipt = gateway.publish(article(), "post-6b:wechat")
        assert [a["article_id"] for a in rig.fake.live_articles()] == [receipt.external_id]
        assert rig.fake.drafts() == []

    def test_a_revised_text_gets_a_new_draft(self, rig: Rig) -> None:
        """A draft made for an earlier text (its answer lost, never submitted) is not
        reused for a revised variant: a new draft goes out, the old one stays unused."""
        gateway = rig.gateway()
        gateway.find_published("warm-up")
        rig.fake.lose_response_next(1 + QUICK.attempts, path="/cgi-bin/draft/")
        with pytest.raises(PlatformTimeoutError):
            gateway.publish(article(), "post-6c:wechat")
        gateway.publish(article("修订后的标题\n新的正文"), "post-6c:wechat")
        [out] = rig.fake.live_articles()
        assert out["news_item"][0]["title"] == "修订后的标题"
        assert [d["articles"][0]["title"] for d in rig.fake.drafts()] == ["本周新书推荐"]

    def test_a_submit_that_may_have_gone_through_keeps_its_draft(self, rig: Rig) -> None:
        """After submits that failed (5xx: they may have gone through), a revised variant
        does not make a second article: the draft already submitted is the one that goes
        out, once."""
        gateway = rig.gateway()
        gateway.find_published("warm-up")
        rig.fake.fail_next(QUICK.attempts, status=502, path=SUBMIT)
        with pytest.raises(PlatformError):
            gateway.publish(article(), "post-6d:wechat")
        gateway.publish(article("修订后的标题\n新的正文"), "post-6d:wechat")
        [out] = rig.fake.live_articles()
        assert out["news_item"][0]["title"] == "本周新书推荐"
        assert calls(rig.fake, "/cgi-bin/draft/add") == 1

    def test_busy_and_5xx_are_retried_with_jittered_backoff(self, rig: Rig) -> None:
        """errcode -1 and a 503 are retried with growing jittered waits; one article."""
        gateway = rig.gateway()
        gateway.find_published("warm-up")
        rig.fake.busy_next(path="/cgi-bin/draft/add")
        rig.fake.fail_next(status=503, path="/cgi-bin/draft/add")
        gateway.publish(article(), "post-7:wechat")
        first, second = rig.sleeps[:2]
        assert 0.005 <= first <= 0.01
        assert 0.01 <= second <= 0.02
        assert len(rig.fake.live_articles()) == 1

    def test_quota_that_persists_is_a_rate_limit_until_midnight_beijing(self, rig: Rig) -> None:
        """45009 on every attempt: a retryable PlatformRateLimitedError whose retry_after is
        the time to midnight in Beijing (the daily quota's reset); nothing is out."""
        gateway = rig.gateway()
        gateway.find_published("warm-up")
        rig.fake.rate_limit_next(QUICK.attempts, path="/cgi-bin/draft/add")
        with pytest.raises(PlatformRateLimitedError) as raised:
            gateway.publish(article(), "post-8:wechat")
        assert raised.value.retryable is True
        assert raised.value.retry_after == pytest.approx(8 * 3600, abs=5)  # 16:00 → 24:00
        assert rig.fake.live_articles() == []

    def test_refusals_are_permanent_with_wechats_words(self, rig: Rig) -> None:
        """An unknown cover is 40007 from draft/add: permanent, with the errcode; nothing is
        retried."""
        gateway = rig.gateway()
        variant = PostVariant(Platform.WECHAT, "标题\n正文", media=("not-uploaded.jpg",))
        with pytest.raises(PlatformRejectedError, match="40007") as raised:
            gateway.publish(variant, "post-9:wechat")
        assert raised.value.retryable is False
        assert rig.sleeps == []

    def test_over_limits_refused_before_any_request(self, rig: Rig) -> None:
        """No cover, two covers, another platform's variant or an empty key: refused before
        WeChat is asked."""
        gateway = rig.gateway()
        for variant in (
            PostVariant(Platform.WECHAT, "无封面"),
            PostVariant(Platform.WECHAT, "两张", media=(COVER, COVER)),
            PostVariant(Platform.WECHAT, "x" * 20001, media=(COVER,)),
        ):
            with pytest.raises(PlatformError) as raised:
                gateway.publish(variant, "post-10:wechat")
            assert raised.value.retryable is False
        with pytest.raises(PlatformError, match="mastodon variant"):
            gateway.publish(PostVariant(Platform.MASTODON, "hi"), "post-10:wechat")
        with pytest.raises(InvalidValueError):
            gateway.publish(article(), " ")
        assert rig.fake.requests() == []

    def test_title_and_html(self) -> None:
        """The first line is the title (cut to 32 characters), the rest escaped paragraphs
        inside the marked section; a one-line text is its own body."""
        title, content = article_html(PostVariant(Platform.WECHAT, "书单 <新>\n甲 & 乙\n\n丙"), "m")
        assert title == "书单 <新>"
        assert content == '<section data-libops="m"><p>甲 &amp; 乙</p><p>丙</p></section>'
        long_title, _ = article_html(PostVariant(Platform.WECHAT, "长" * 40), "m")
        assert long_title == "长" * 31 + "…"
        assert msgid_of("https://mp.weixin.qq.com/s?__biz=X&mid=42&idx=2&sn=y#rd") == ("42", 2)
        assert msgid_of("https://mp.weixin.qq.com/s/AbCd") is None


# --- tokens and credentials ----------------------------------------------------------------------


class TestFakeControls:
    @pytest.mark.parametrize("count", [0, -1, True, "2"])
    def test_counts_must_be_positive(self, rig: Rig, count: object) -> None:
        with pytest.raises(InvalidValueError):
            rig.fake.busy_next(count)  # type: ignore[arg-type]  # deliberately wrong
        with pytest.raises(InvalidValueError):
            rig.fake.fail_next_publication(3, count)  # type: ignore[arg-type]  # wrong

    @pytest.mark.parametrize("status", [0, 1, 7, -1])
    def test_only_failure_states_can_be_queued(self, rig: Rig, status: int) -> None:
        with pytest.raises(InvalidValueError):
            rig.fake.fail_next_publication(status)

    def test_errcode_bodies_on_http_200(self, rig: Rig) -> None:
        """WeChat's errors come as HTTP 200 with errcode and errmsg: a missing token, an
        unknown one, a quota."""
        url = f"{rig.fake.base_url}/cgi-bin/freepublish/batchget"
        missing = httpx.post(url, json={"offset": 0, "count": 20})
        assert (missing.status_code, missing.json()["errcode"]) == (200, 41001)
        unknown = httpx.post(url, params={"access_token": "x"}, json={"offset": 0, "count": 1})
        assert unknown.json()["errcode"] == 40001
        rig.fake.rate_limit_next()
        assert httpx.post(url, json={}).json()["errcode"] == 45009


class TestTokens:
    def test_token_is_cached_and_renewed_once_on_expiry(self, rig: Rig) -> None:
        """One stable_token for many calls; after expiry (42001) one renewal, then on."""
        gateway = rig.gateway()
        gateway.publish(article(), "post-11:wechat")
        assert rig.fake.tokens_issued == 1
        rig.fake.expire_tokens()
        gateway.publish(article("第二篇\n正文"), "post-12:wechat")
        assert rig.fake.tokens_issued == 2
        assert len(rig.fake.live_articles()) == 2

    def test_refused_token_is_forced_anew(self, rig: Rig) -> None:
        """40001 for a token stable_token still hands out: the adapter asks again with
        force_refresh and the call goes through, once."""
        gateway = rig.gateway()
        gateway.publish(article(), "post-17:wechat")
        rig.fake.refuse_tokens()
        gateway.publish(article("又一篇\n正文"), "post-18:wechat")
        assert calls(rig.fake, "/cgi-bin/stable_token") == 3  # first, normal again, forced
        assert rig.fake.tokens_issued == 2
        assert len(rig.fake.live_articles()) == 2

    def test_a_shared_ledger_answers_without_reading_the_publications(self, rig: Rig) -> None:
        """Two gateways on one ledger (a shelve in production): the second finds the
        article from the ledger, checked with getarticle, without freepublish/batchget."""
        ledger: dict[str, str] = {}
        receipt = rig.gateway(ledger=ledger).publish(article(), "post-19:wechat")
        scans = calls(rig.fake, "/cgi-bin/freepublish/batchget")
        assert rig.gateway(ledger=ledger).find_published("post-19:wechat") == receipt
        assert calls(rig.fake, "/cgi-bin/freepublish/batchget") == scans
        assert "post-19:wechat" in ledger

    def test_http_429_honours_retry_after(self) -> None:
        """A proxy's HTTP 429 with Retry-After is waited out as asked, then the call goes on."""
        answers = iter([httpx.Response(429, headers={"Retry-After": "2"}, json={})])

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/cgi-bin/stable_token":
                return httpx.Response(200, json={"access_token": "T", "expires_in": 7200})
            return next(answers, httpx.Response(200, json={"total_count": 0, "item": []}))

        sleeps: list[float] = []
        gateway = WeChatGateway(
            "https://api.weixin.qq.com",
            APPID,
            lambda: SECRET,
            clock=ManualClock(START),
            retry=QUICK,
            sleep=sleeps.append,
            transport=httpx.MockTransport(handler),
        )
        assert gateway.find_published("k") is None
        [waited] = sleeps
        assert 2 <= waited < 2.01

    @pytest.mark.parametrize(
        ("errcode", "error", "waits"),
        [(45011, PlatformRateLimitedError, 60.0), (-1, PlatformError, None)],
    )
    def test_minute_quota_and_busy_that_persist(
        self, errcode: int, error: type[PlatformError], waits: float | None
    ) -> None:
        """45011 (a minute's quota) and -1 (busy) on every attempt: retried with backoff,
        then a retryable error (45011's retry_after is a minute)."""

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path == "/cgi-bin/stable_token":
                return httpx.Response(200, json={"access_token": "T", "expires_in": 7200})
            return httpx.Response(200, json={"errcode": errcode, "errmsg": "try later"})

        sleeps: list[float] = []
        gateway = WeChatGateway(
            "https://api.weixin.qq.com",
            APPID,
            lambda: SECRET,
            clock=ManualClock(START),
            retry=QUICK,
            sleep=sleeps.append,
            transport=httpx.MockTransport(handler),
        )
        with pytest.raises(error) as raised:
            gateway.find_published("k")
        assert raised.value.retryable is True
        assert len(sleeps) == QUICK.attempts - 1
        if waits is not None:
            assert isinstance(raised.value, PlatformRateLimitedError)
            assert raised.value.retry_after == waits

    def test_token_renewed_when_its_time_is_up(self, rig: Rig) -> None:
        """Three hours later the 7,200-second token is renewed before it is used."""
        gateway = rig.gateway()
        receipt = gateway.publish(article(), "post-13:wechat")
        rig.clock.advance(timedelta(hours=3))
        assert gateway.find_published("post-13:wechat") == receipt
        assert rig.fake.tokens_issued == 2

    def test_wrong_secret_is_a_credentials_error_without_it(self, rig: Rig) -> None:
        """40125 names what to do and shows no secret, in the error or the repr."""
        rig.secret = "a-wrong-secret-value-123"
        gateway = rig.gateway()
        with pytest.raises(PlatformCredentialsError, match="AppSecret") as raised:
            gateway.publish(article(), "post-14:wechat")
        assert raised.value.retryable is False
        assert "a-wrong-secret-value-123" not in str(raised.value)
        assert "a-wrong-secret-value-123" not in repr(gateway)
        assert rig.fake.live_articles() == []

    def test_ip_off_the_whitelist(self, rig: Rig) -> None:
        """40164 says where to add the address."""
        rig.fake.ip_allowed = False
        with pytest.raises(PlatformCredentialsError, match="IP白名单"):
            rig.gateway().publish(article(), "post-15:wechat")

    def test_from_credentials_reads_the_store(self, rig: Rig) -> None:
        """appid and app_secret of the account ``wechat`` in a credential store; a missing
        entry is named; a rotated secret is read at the next token fetch."""
        store = MemoryCredentialStore()
        with pytest.raises(UnknownCredentialError, match="appid"):
            WeChatGateway.from_credentials(rig.fake.base_url, store, clock=rig.clock)
        store.set("wechat", "appid", APPID)
        with pytest.raises(UnknownCredentialError, match="app_secret"):
            WeChatGateway.from_credentials(rig.fake.base_url, store, clock=rig.clock)
        store.set("wechat", "app_secret", "old-secret")
        gateway = WeChatGateway.from_credentials(
            rig.fake.base_url,
            [MemoryCredentialStore(), store],
            clock=rig.clock,
            covers={COVER: rig.cover},
            retry=QUICK,
            sleep=rig.sleeps,
        )
        try:
            with pytest.raises(PlatformCredentialsError):
                gateway.find_published("k")
            store.set("wechat", "app_secret", SECRET)
            assert gateway.publish(article(), "post-16:wechat").external_id
            assert SECRET not in repr(gateway)
            store.remove("wechat", "app_secret")
            rig.clock.advance(timedelta(hours=3))  # the token expired: a new one is needed
            with pytest.raises(PlatformCredentialsError, match="app_secret") as raised:
                gateway.find_published("post-16:wechat")
            assert raised.value.retryable is False
        finally:
            gateway.close()

    def test_no_secret_in_any_log_record(self, rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
        """httpx logs every URL, and WeChat's carry the access token: it is redacted; the
        AppSecret travels in a body and is never logged."""
        caplog.set_level(logging.DEBUG)
        gateway = rig.gateway()
        gateway.publish(article(), "log-1:wechat")
        rig.fake.expire_tokens()
        gateway.publish(article("再一篇\n正文"), "log-2:wechat")
        text = "\n".join(record.getMessage() for record in caplog.records)
        assert "access_token=***" in text  # httpx did log the URLs
        assert "ACCESS_" not in text
        assert SECRET not in text

    @pytest.mark.parametrize(
        "options",
        [{"timeout": 0}, {"publish_wait": timedelta(0)}, {"author": "x" * 17}, {"retry": 3}],
    )
    def test_bad_configuration(self, rig: Rig, options: dict[str, object]) -> None:
        with pytest.raises(PlatformAdapterConfigError):
            rig.gateway(**options)

    def test_bad_appid_or_secret_provider(self, rig: Rig) -> None:
        with pytest.raises(PlatformAdapterConfigError):
            WeChatGateway(rig.fake.base_url, " ", lambda: SECRET)
        with pytest.raises(PlatformAdapterConfigError):
            WeChatGateway(rig.fake.base_url, APPID, SECRET)  # type: ignore[arg-type]  # wrong
        with pytest.raises(PlatformAdapterConfigError):
            WeChatGateway("api.weixin.qq.com", APPID, lambda: SECRET)


# --- statistics, comments, take-down -------------------------------------------------------------


class TestStatistics:
    def test_datacube_figures_arrive_the_next_morning(self, rig: Rig) -> None:
        """Nothing on the publication day; from 08:00 Beijing the next day the day's
        figures; later days add up. 在看 and 阅读完成率 are WeChat's own metrics."""
        gateway = rig.gateway()
        receipt = gateway.publish(article(), "post-20:wechat")
        rig.clock.advance(timedelta(hours=7))  # 23:00 Beijing, the same day
        same_day = gateway.metrics(receipt.external_id)
        assert same_day.reads == 0
        assert same_day.extra == {}
        rig.clock.advance(timedelta(hours=8, minutes=30))  # 07:30 the next day: not yet
        assert gateway.metrics(receipt.external_id).reads == 0
        rig.clock.advance(timedelta(minutes=31))  # 08:01: yesterday's figures
        first = gateway.metrics(receipt.external_id)
        assert first.reads > 0
        assert set(first.extra) == {"wow", "read_completion"}
        assert Decimal(0) <= first.extra["read_completion"] <= 1
        rig.clock.advance(timedelta(days=3))
        later = gateway.metrics(receipt.external_id)
        assert later.reads >= first.reads
        assert later.lowered(first) == []
        assert later.comments == len(gateway.comments(receipt.external_id))

    def test_figures_match_the_datacube_rows(self, rig: Rig) -> None:
        """The snapshot is the sum of the article's detail_list days, field by field."""
        gateway = rig.gateway()
        receipt = gateway.publish(article(), "post-21:wechat")
        rig.clock.advance(timedelta(days=4))
        snapshot = gateway.metrics(receipt.external_id)
        token = httpx.post(
            f"{rig.fake.base_url}/cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": APPID, "secret": SECRET},
        ).json()["access_token"]
        day = (START + timedelta(hours=8)).date().isoformat()
        rows = httpx.post(
            f"{rig.fake.base_url}/datacube/getarticletotaldetail",
            params={"access_token": token},
            json={"begin_date": day, "end_date": day},
        ).json()["list"]
        [row] = rows
        days = row["detail_list"]
        assert len(days) == 4
        assert snapshot.reads == sum(d["read_user"] for d in days)
        assert snapshot.likes == sum(d["like_user"] for d in days)
        assert snapshot.shares == sum(d["share_user"] for d in days)
        assert snapshot.favourites == sum(d["collection_user"] for d in days)
        assert snapshot.extra["wow"] == sum(d["zaikan_user"] for d in days)
        assert msgid_of(receipt.url) == (row["msgid"].split("_")[0], 1)

    def test_statistics_of_an_article_this_gateway_did_not_publish(self, rig: Rig) -> None:
        """Another gateway (no ledger) finds the article's day among the publications."""
        receipt = rig.gateway().publish(article(), "post-22:wechat")
        rig.clock.advance(timedelta(days=2))
        assert rig.gateway().metrics(receipt.external_id).reads > 0

    def test_datacube_validation(self, rig: Rig) -> None:
        """The fake refuses a bad date (61500) and an end date from today on (61501)."""
        token = httpx.post(
            f"{rig.fake.base_url}/cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": APPID, "secret": SECRET},
        ).json()["access_token"]
        url = f"{rig.fake.base_url}/datacube/getarticletotaldetail"
        for dates, code in (
            ({"begin_date": "2026/03/01", "end_date": "2026-03-01"}, 61500),
            ({"begin_date": "2026-03-02", "end_date": "2026-03-02"}, 61501),
        ):
            answer = httpx.post(url, params={"access_token": token}, json=dates).json()
            assert answer["errcode"] == code

    def test_take_down_deletes_the_publication(self, rig: Rig) -> None:
        """freepublish/delete; afterwards the article is unknown and not found by key; a
        second take-down is fine."""
        gateway = rig.gateway()
        assert isinstance(gateway, SupportsTakeDown)
        receipt = gateway.publish(article(), "post-23:wechat")
        gateway.take_down(receipt.external_id)
        gateway.take_down(receipt.external_id)
        assert rig.fake.live_articles() == []
        assert gateway.find_published("post-23:wechat") is None
        with pytest.raises(PlatformPublicationFailedError, match="deleted"):
            gateway.publish(article(), "post-23:wechat")  # the job now says 5: not again
        assert rig.fake.live_articles() == []
        with pytest.raises(UnknownPlatformPostError):
            gateway.metrics(receipt.external_id)


# --- the unverified account -----------------------------------------------------------------------


class TestUnverifiedAccount:
    def test_publishing_says_to_publish_by_hand(self) -> None:
        """48001 from freepublish: a permanent PlatformApiAccessError that says to publish
        by hand, record it with post.record_manual_publication and import the statistics."""
        made = Rig(verified=False)
        try:
            gateway = made.gateway()
            with pytest.raises(PlatformApiAccessError) as raised:
                gateway.publish(article(), "post-30:wechat")
            message = str(raised.value)
            assert raised.value.retryable is False
            assert "by hand" in message
            assert "post.record_manual_publication" in message
            assert "import" in message
            assert "48001" in message
            assert made.fake.live_articles() == []
        finally:
            made.close()

    def test_statistics_say_to_import(self) -> None:
        """The datacube refuses an unverified account: the error says to import the back
        office's statistics."""
        made = Rig()
        try:
            gateway = made.gateway()
            receipt = gateway.publish(article(), "post-31:wechat")
            made.clock.advance(timedelta(days=2))
            made.fake.verified = False  # the account lost its verification
            with pytest.raises(PlatformApiAccessError, match="verified") as raised:
                gateway.metrics(receipt.external_id)
            assert "libops import" in str(raised.value)
        finally:
            made.close()


# --- through libops, on every store ------------------------------------------------------------


class TestPublishingThroughLibops:
    def test_lost_answers_publish_once(
        self, store_url: str, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Every submit answer lost: the publish is recorded as a retryable failure; the
        next publish finds the article and records it. One article, on each store."""
        from tests.integration.test_publishing import approved_post

        made = Rig()
        try:
            gateway = made.gateway()
            with LibOps.open(store_url, clock=made.clock, migrate=True, gateways=[gateway]) as ops:
                post_id = approved_post(ops, planner, reviewer, Platform.WECHAT)
                made.fake.lose_response_next(QUICK.attempts, path=SUBMIT)
                with pytest.raises(PublishFailedError) as raised:
                    ops.publishing.publish(admin, post_id, Platform.WECHAT)
                assert raised.value.retryable is True
                assert ops.posts.get(post_id).platform_status(Platform.WECHAT) is (
                    PlatformStatus.FAILED
                )
                receipt = ops.publishing.publish(admin, post_id, Platform.WECHAT)
                assert [a["article_id"] for a in made.fake.live_articles()] == [receipt.external_id]
                post = ops.posts.get(post_id)
                assert post.platform_status(Platform.WECHAT) is PlatformStatus.PUBLISHED
                assert post.receipt(Platform.WECHAT) == receipt
        finally:
            made.close()

    def test_unverified_account_fails_for_good(
        self, store_url: str, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """On an unverified account the publish is recorded as a final failure whose text
        tells staff to publish by hand; recording the manual publication then works."""
        from tests.integration.test_publishing import approved_post

        made = Rig(verified=False)
        try:
            gateway = made.gateway()
            with LibOps.open(store_url, clock=made.clock, migrate=True, gateways=[gateway]) as ops:
                post_id = approved_post(ops, planner, reviewer, Platform.WECHAT)
                with pytest.raises(PublishFailedError, match="by hand") as raised:
                    ops.publishing.publish(admin, post_id, Platform.WECHAT)
                assert raised.value.retryable is False
                receipt = ops.publishing.record_manual_publication(
                    admin, post_id, Platform.WECHAT, url="https://mp.weixin.qq.com/s/AbCdEf"
                )
                assert ops.posts.get(post_id).receipt(Platform.WECHAT) == receipt
        finally:
            made.close()

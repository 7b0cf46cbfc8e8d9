"""The HTTP adapters for Mastodon and Bluesky, each against its local fake over loopback:
the shipped gateway contract, the failure paths (lost answers, timeouts, 5xx, 429,
expired or revoked credentials, refusals), and publishing through libops on every store."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.platforms_http import (
    BlueskyGateway,
    HttpRetry,
    MastodonGateway,
    rkey_for,
)
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
from libops.domain.ports import PlatformGateway
from libops.domain.post import PlatformStatus
from libops.domain.values import Platform, PlatformLimits, PostVariant
from libops.testing import AdvanceTime, PlatformFaults, PlatformGatewayFaultContract
from libops.testing.fakes import FakeBluesky, FakeMastodon, FakeServer
from tests.integration.test_publishing import approved_post

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TOKEN = "mastodon-secret-token-0123456789"
PASSWORD = "bsky-app-pass-abcd-efgh"
FAKE_DID = "did:plc:citylibraryfake0000000"
CONTRACT_TIMEOUT = 1.0
SLOW = 1.5
"""The contract's gateways time out after a second; a slow answer comes after 1.5."""
QUICK = HttpRetry(attempts=3, base_delay=0.01, max_delay=5.0)
"""Few, short retries: a failing test ends fast; the sleeps are recorded, not slept."""


class Sleeps(list[float]):
    """A ``sleep`` that records how long it was asked to wait and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Rig:
    """A clock, both fakes (started) and gateways on them; stopped by :meth:`close`."""

    def __init__(self, *, timeout: float = 2.0, retry: HttpRetry = QUICK) -> None:
        self.clock = ManualClock(START)
        self.sleeps = Sleeps()
        self.mastodon = FakeMastodon(self.clock, token=TOKEN).start()
        self.bluesky = FakeBluesky(self.clock, password=PASSWORD).start()
        self.token = TOKEN
        self.password = PASSWORD
        self.timeout, self.retry = timeout, retry
        self._gateways: list[MastodonGateway | BlueskyGateway] = []

    def mastodon_gateway(self, **options: object) -> MastodonGateway:
        gateway = MastodonGateway(
            self.mastodon.base_url,
            lambda: self.token,
            **{  # type: ignore[arg-type]  # test options pass through
                "clock": self.clock,
                "timeout": self.timeout,
                "retry": self.retry,
                "sleep": self.sleeps,
                **options,
            },
        )
        self._gateways.append(gateway)
        return gateway

    def bluesky_gateway(self, **options: object) -> BlueskyGateway:
        gateway = BlueskyGateway(
            self.bluesky.base_url,
            self.bluesky.handle,
            lambda: self.password,
            **{  # type: ignore[arg-type]  # test options pass through
                "clock": self.clock,
                "timeout": self.timeout,
                "retry": self.retry,
                "sleep": self.sleeps,
                **options,
            },
        )
        self._gateways.append(gateway)
        return gateway

    def close(self) -> None:
        for gateway in self._gateways:
            gateway.close()
        self.mastodon.stop()
        self.bluesky.stop()


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig()
    yield made
    made.close()


def toot(text: str = "New graphic novels on the second floor. Favourites?") -> PostVariant:
    return PostVariant(Platform.MASTODON, text)


def skeet(text: str = "Our book club meets Thursday. What should we read?") -> PostVariant:
    return PostVariant(Platform.BLUESKY, text)


def posts_on(fake: FakeServer, path: str) -> int:
    return sum(1 for method, p in fake.requests() if method == "POST" and p == path)


# --- the shipped contract, over real HTTP ----------------------------------------------------


class MastodonFaults:
    """The contract's faults, on a FakeMastodon."""

    def __init__(self, fake: FakeMastodon) -> None:
        self.fake = fake

    def fail_next(self) -> None:
        self.fake.fail_next(path="/api/v1/statuses")

    def rate_limit_next(self) -> None:
        self.fake.rate_limit_next(retry_after=0.5, path="/api/v1/statuses")

    def slow_next(self) -> None:
        self.fake.slow_next(seconds=SLOW, path="/api/v1/statuses")

    def lose_response_next(self) -> None:
        self.fake.lose_response_next(path="/api/v1/statuses")

    def expire_credentials(self) -> None:
        self.fake.revoke_tokens()

    def posts_made(self) -> int:
        return len(self.fake.statuses())

    def secrets(self) -> list[str]:
        return [TOKEN]


class BlueskyFaults:
    """The contract's faults, on a FakeBluesky (aimed at createRecord)."""

    def __init__(self, fake: FakeBluesky) -> None:
        self.fake = fake

    def fail_next(self) -> None:
        self.fake.fail_next(status=502, path="createRecord")

    def rate_limit_next(self) -> None:
        self.fake.rate_limit_next(retry_after=0.5, path="createRecord")

    def slow_next(self) -> None:
        self.fake.slow_next(seconds=SLOW, path="createRecord")

    def lose_response_next(self) -> None:
        self.fake.lose_response_next(path="createRecord")

    def expire_credentials(self) -> None:
        self.fake.expire_tokens()

    def posts_made(self) -> int:
        return len(self.fake.posts())

    def secrets(self) -> list[str]:
        return [PASSWORD]


class _OverHttp(PlatformGatewayFaultContract):
    @pytest.fixture(autouse=True)
    def _rigs(self) -> Iterator[None]:
        self.rigs: list[Rig] = []
        yield
        for made in self.rigs:
            made.close()

    def rig(self) -> Rig:
        made = Rig(timeout=CONTRACT_TIMEOUT)
        self.rigs.append(made)
        return made


class TestMastodonContract(_OverHttp):
    def make_faulty_gateway(self) -> tuple[PlatformGateway, AdvanceTime, PlatformFaults]:
        made = self.rig()
        return made.mastodon_gateway(), made.clock.advance, MastodonFaults(made.mastodon)

    def unknown_external_id(self, gateway: PlatformGateway) -> str:
        return "109999999999999999"


class TestBlueskyContract(_OverHttp):
    def make_faulty_gateway(self) -> tuple[PlatformGateway, AdvanceTime, PlatformFaults]:
        made = self.rig()
        return made.bluesky_gateway(), made.clock.advance, BlueskyFaults(made.bluesky)

    def unknown_external_id(self, gateway: PlatformGateway) -> str:
        return f"at://{FAKE_DID}/app.bsky.feed.post/3kzzzzzzzzzzz"


# --- Mastodon ----------------------------------------------------------------------------------


class TestMastodonFailures:
    def test_lost_answer_is_found_again_not_posted_twice(self, rig: Rig) -> None:
        """The server posts, then drops the connection: the adapter repeats with the same
        Idempotency-Key and gets the same status back."""
        gateway = rig.mastodon_gateway()
        rig.mastodon.lose_response_next()
        receipt = gateway.publish(toot(), "post-1:mastodon")
        assert [s["id"] for s in rig.mastodon.statuses()] == [receipt.external_id]
        assert posts_on(rig.mastodon, "/api/v1/statuses") == 2
        assert gateway.find_published("post-1:mastodon") == receipt

    def test_timeout_is_retried_with_the_same_key(self) -> None:
        """A slow answer times out; the retry with the same key yields the one status."""
        made = Rig(timeout=0.3)
        try:
            gateway = made.mastodon_gateway()
            made.mastodon.slow_next(seconds=1.0)
            receipt = gateway.publish(toot(), "post-2:mastodon")
            assert [s["id"] for s in made.mastodon.statuses()] == [receipt.external_id]
        finally:
            made.close()

    def test_every_attempt_lost_is_a_retryable_timeout(self, rig: Rig) -> None:
        """When every answer is lost the adapter gives up after its attempts, retryably."""
        gateway = rig.mastodon_gateway()
        rig.mastodon.lose_response_next(QUICK.attempts)
        with pytest.raises(PlatformTimeoutError) as raised:
            gateway.publish(toot(), "post-3:mastodon")
        assert raised.value.retryable is True
        assert len(rig.sleeps) == QUICK.attempts - 1
        assert len(rig.mastodon.statuses()) == 1  # it went out once; a retry replays it
        again = gateway.publish(toot(), "post-3:mastodon")
        assert [s["id"] for s in rig.mastodon.statuses()] == [again.external_id]

    def test_lost_answer_found_after_the_key_is_forgotten(self, rig: Rig) -> None:
        """Every answer lost, then a retry two hours later (Mastodon has forgotten the key):
        the adapter finds the status among the account's latest, and posts nothing new."""
        gateway = rig.mastodon_gateway()
        rig.mastodon.lose_response_next(QUICK.attempts)
        with pytest.raises(PlatformTimeoutError):
            gateway.publish(toot(), "post-14:mastodon")
        [status] = rig.mastodon.statuses()
        rig.clock.advance(timedelta(hours=2))
        found = gateway.find_published("post-14:mastodon")
        assert found is not None
        assert found.external_id == status["id"]
        assert gateway.publish(toot(), "post-14:mastodon") == found
        assert len(rig.mastodon.statuses()) == 1

    def test_unanswered_publish_that_never_arrived_is_sent(self, rig: Rig) -> None:
        """A publish refused by 5xx every time left nothing: the next one posts it."""
        gateway = rig.mastodon_gateway()
        rig.mastodon.fail_next(QUICK.attempts)
        with pytest.raises(PlatformError):
            gateway.publish(toot(), "post-15:mastodon")
        rig.clock.advance(timedelta(hours=2))
        assert gateway.find_published("post-15:mastodon") is None
        receipt = gateway.publish(toot(), "post-15:mastodon")
        assert [s["id"] for s in rig.mastodon.statuses()] == [receipt.external_id]

    def test_5xx_backs_off_with_jitter(self, rig: Rig) -> None:
        """Two 503s are retried with growing, jittered waits, then the status is posted."""
        gateway = rig.mastodon_gateway()
        rig.mastodon.fail_next(2, status=503)
        gateway.publish(toot(), "post-4:mastodon")
        assert len(rig.sleeps) == 2
        first, second = rig.sleeps
        assert 0.005 <= first <= 0.01
        assert 0.01 <= second <= 0.02
        assert len(rig.mastodon.statuses()) == 1

    def test_5xx_every_time_is_retryable(self, rig: Rig) -> None:
        """A server that keeps failing makes a retryable PlatformError after the attempts."""
        gateway = rig.mastodon_gateway()
        rig.mastodon.fail_next(QUICK.attempts, status=502)
        with pytest.raises(PlatformError, match="502") as raised:
            gateway.publish(toot(), "post-5:mastodon")
        assert raised.value.retryable is True
        assert rig.mastodon.statuses() == []

    def test_rate_limit_honours_retry_after(self, rig: Rig) -> None:
        """A 429 is retried after the Retry-After the server asked for."""
        gateway = rig.mastodon_gateway()
        rig.mastodon.rate_limit_next(retry_after=2)
        gateway.publish(toot(), "post-6:mastodon")
        [waited] = rig.sleeps
        assert 2 <= waited < 2.01

    def test_rate_limit_longer_than_allowed_gives_up(self, rig: Rig) -> None:
        """A Retry-After beyond max_delay ends at once with the wait in the error."""
        gateway = rig.mastodon_gateway()
        rig.mastodon.rate_limit_next(retry_after=600)
        with pytest.raises(PlatformRateLimitedError) as raised:
            gateway.publish(toot(), "post-7:mastodon")
        assert raised.value.retry_after == 600
        assert raised.value.retryable is True
        assert rig.sleeps == []
        assert rig.mastodon.statuses() == []

    def test_revoked_token_asks_for_a_new_one(self, rig: Rig) -> None:
        """A revoked token is a non-retryable credentials error that tells staff what to do
        and never shows the token; a new token in the provider works at once."""
        gateway = rig.mastodon_gateway()
        rig.mastodon.revoke_tokens()
        with pytest.raises(PlatformCredentialsError, match="issue a new token") as raised:
            gateway.publish(toot(), "post-8:mastodon")
        assert raised.value.retryable is False
        assert TOKEN not in str(raised.value)
        assert TOKEN not in repr(gateway)
        assert rig.mastodon.statuses() == []
        rig.token = "mastodon-new-token"
        rig.mastodon.issue_token(rig.token)
        assert gateway.publish(toot(), "post-8:mastodon").external_id

    def test_validation_refusal_is_permanent_with_the_servers_words(self) -> None:
        """A 422 is not retried and carries Mastodon's message."""
        made = Rig()
        try:
            made.mastodon.max_characters = 20
            gateway = made.mastodon_gateway()
            with pytest.raises(PlatformRejectedError, match="character limit of 20") as raised:
                gateway.publish(toot(), "post-9:mastodon")
            assert raised.value.retryable is False
            assert raised.value.status == 422
            assert made.sleeps == []
        finally:
            made.close()

    def test_missing_scope_is_permanent(self, rig: Rig) -> None:
        """A token without the write scope gets 403: a permanent refusal, not retried."""
        rig.token = "read-only-token"
        rig.mastodon.issue_token(rig.token, write=False)
        gateway = rig.mastodon_gateway()
        with pytest.raises(PlatformRejectedError, match="authorized scopes") as raised:
            gateway.publish(toot(), "post-13:mastodon")
        assert raised.value.status == 403
        assert raised.value.retryable is False
        assert rig.sleeps == []

    def test_over_limits_refused_before_any_request(self, rig: Rig) -> None:
        """A status over the adapter's limits, or with media, never reaches the server."""
        gateway = rig.mastodon_gateway()
        for variant in (toot("x" * 501), PostVariant(Platform.MASTODON, "hi", media=("a.jpg",))):
            with pytest.raises(PlatformError) as raised:
                gateway.publish(variant, "post-10:mastodon")
            assert raised.value.retryable is False
        with pytest.raises(PlatformError, match="bluesky variant"):
            gateway.publish(skeet(), "post-10:mastodon")
        with pytest.raises(InvalidValueError):
            gateway.publish(toot(), " ")
        assert rig.mastodon.requests() == []

    def test_counts_and_replies_come_from_the_status(self, rig: Rig) -> None:
        """Metrics map favourites, replies and boosts; comments are the thread's replies."""
        gateway = rig.mastodon_gateway()
        receipt = gateway.publish(toot(), "post-11:mastodon")
        rig.clock.advance(timedelta(days=3))
        snapshot = gateway.metrics(receipt.external_id)
        status = httpx.get(
            f"{rig.mastodon.base_url}/api/v1/statuses/{receipt.external_id}",
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).json()
        assert (snapshot.likes, snapshot.comments, snapshot.shares) == (
            status["favourites_count"],
            status["replies_count"],
            status["reblogs_count"],
        )
        assert snapshot.likes > 0
        assert len(gateway.comments(receipt.external_id)) == snapshot.comments
        assert all("<" not in c.text for c in gateway.comments(receipt.external_id))

    def test_rate_limit_headers_on_every_answer(self, rig: Rig) -> None:
        """The fake reports X-RateLimit-* like Mastodon, counting down per token."""
        url = f"{rig.mastodon.base_url}/api/v1/accounts/verify_credentials"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        first, second = httpx.get(url, headers=auth), httpx.get(url, headers=auth)
        assert first.headers["X-RateLimit-Limit"] == "300"
        assert int(second.headers["X-RateLimit-Remaining"]) == 298
        assert re.match(r"^\d{4}-\d\d-\d\dT", first.headers["X-RateLimit-Reset"])

    def test_take_down_deletes_the_status(self, rig: Rig) -> None:
        """take_down removes the status; afterwards it is unknown and not found by key."""
        gateway = rig.mastodon_gateway()
        receipt = gateway.publish(toot(), "post-12:mastodon")
        gateway.take_down(receipt.external_id)
        gateway.take_down(receipt.external_id)  # gone already: still fine
        assert rig.mastodon.statuses() == []
        with pytest.raises(UnknownPlatformPostError):
            gateway.metrics(receipt.external_id)
        assert gateway.find_published("post-12:mastodon") is None

    @pytest.mark.parametrize(
        "options",
        [{"timeout": 0}, {"timeout": -1.0}, {"visibility": "everyone"}],
    )
    def test_bad_configuration(self, rig: Rig, options: dict[str, object]) -> None:
        """Bad adapter settings are refused with a specific error."""
        with pytest.raises(InvalidValueError):
            rig.mastodon_gateway(**options)

    @pytest.mark.parametrize("url", ["ftp://example.org", "mastodon.social", ""])
    def test_bad_base_url(self, url: str) -> None:
        with pytest.raises(PlatformAdapterConfigError):
            MastodonGateway(url, lambda: TOKEN)

    @pytest.mark.parametrize("attempts", [0, -1, 1.5])
    def test_bad_retry(self, attempts: float) -> None:
        with pytest.raises(PlatformAdapterConfigError):
            HttpRetry(attempts=attempts)  # type: ignore[arg-type]  # deliberately wrong


# --- Bluesky -----------------------------------------------------------------------------------


class TestBlueskyFailures:
    def test_rkey_is_a_stable_tid(self) -> None:
        """The record key is TID-shaped, the same for a key, different for another."""
        key = "0c4e7b4a-5a36-4e0b-9f7e-3f1f5b0ad7f1:bluesky"
        assert rkey_for(key) == rkey_for(key)
        assert rkey_for(key) != rkey_for(key + "x")
        assert re.match(r"^[234567a-j][234567a-z]{12}$", rkey_for(key))

    def test_lost_answer_is_found_again_not_posted_twice(self, rig: Rig) -> None:
        """The PDS creates the record and drops the connection: the adapter looks the rkey
        up before trying again and returns the record it finds."""
        gateway = rig.bluesky_gateway()
        rig.bluesky.lose_response_next(path="createRecord")
        receipt = gateway.publish(skeet(), "post-1:bluesky")
        assert [p["rkey"] for p in rig.bluesky.posts()] == [rkey_for("post-1:bluesky")]
        assert posts_on(rig.bluesky, "/xrpc/com.atproto.repo.createRecord") == 1
        assert gateway.find_published("post-1:bluesky") == receipt

    def test_timeout_is_found_again(self) -> None:
        """A slow createRecord times out; the look-up before the retry finds the post (or
        the retry makes it, and the late original is refused as a duplicate rkey)."""
        made = Rig(timeout=0.3)
        try:
            gateway = made.bluesky_gateway()
            made.bluesky.slow_next(seconds=0.8, path="createRecord")
            receipt = gateway.publish(skeet(), "post-2:bluesky")
            time.sleep(0.8)  # let the slow original finish on the server
            assert [p["rkey"] for p in made.bluesky.posts()] == [rkey_for("post-2:bluesky")]
            assert gateway.find_published("post-2:bluesky") == receipt
        finally:
            made.close()

    def test_every_attempt_lost_then_retry_finds_it(self, rig: Rig) -> None:
        """All answers lost: a retryable timeout; the next publish finds the record."""
        gateway = rig.bluesky_gateway()
        gateway.find_published("warm-up")  # make the session first
        # createRecord goes through, then every look-up before the retry is lost too
        rig.bluesky.lose_response_next(1 + QUICK.attempts, path="Record")
        with pytest.raises(PlatformTimeoutError):
            gateway.publish(skeet(), "post-3:bluesky")
        assert len(rig.bluesky.posts()) == 1
        receipt = gateway.publish(skeet(), "post-3:bluesky")
        assert [p["rkey"] for p in rig.bluesky.posts()] == [receipt.url.rsplit("/", 1)[-1]]

    def test_5xx_then_success(self, rig: Rig) -> None:
        """A 502 on createRecord is retried after a look-up; one record results."""
        gateway = rig.bluesky_gateway()
        gateway.find_published("warm-up")  # make the session first
        rig.bluesky.fail_next(status=502, path="createRecord")
        gateway.publish(skeet(), "post-4:bluesky")
        assert len(rig.sleeps) == 1
        assert len(rig.bluesky.posts()) == 1

    def test_rate_limit_honours_retry_after(self, rig: Rig) -> None:
        """A 429 RateLimitExceeded is retried after Retry-After."""
        gateway = rig.bluesky_gateway()
        gateway.find_published("warm-up")
        rig.bluesky.rate_limit_next(retry_after=3, path="createRecord")
        gateway.publish(skeet(), "post-5:bluesky")
        [waited] = rig.sleeps
        assert 3 <= waited < 3.01

    def test_expired_access_token_is_refreshed_once(self, rig: Rig) -> None:
        """ExpiredToken (400) → refreshSession → the call succeeds; no new login."""
        gateway = rig.bluesky_gateway()
        gateway.publish(skeet(), "post-6:bluesky")
        rig.bluesky.expire_tokens()
        gateway.publish(skeet("Second post."), "post-7:bluesky")
        assert rig.bluesky.sessions_created == 1
        assert posts_on(rig.bluesky, "/xrpc/com.atproto.server.refreshSession") == 1
        assert len(rig.bluesky.posts()) == 2

    def test_time_passing_expires_and_refreshes(self, rig: Rig) -> None:
        """Three hours later the 120-minute access JWT has expired and is refreshed."""
        gateway = rig.bluesky_gateway()
        receipt = gateway.publish(skeet(), "post-8:bluesky")
        rig.clock.advance(timedelta(hours=3))
        assert gateway.metrics(receipt.external_id).platform is Platform.BLUESKY
        assert rig.bluesky.sessions_created == 1

    def test_dead_session_logs_in_again(self, rig: Rig) -> None:
        """When the refresh JWT is dead too, a new session is made with the app password."""
        gateway = rig.bluesky_gateway()
        gateway.publish(skeet(), "post-9:bluesky")
        rig.bluesky.expire_sessions()
        gateway.publish(skeet("Again."), "post-10:bluesky")
        assert rig.bluesky.sessions_created == 2

    def test_wrong_app_password(self, rig: Rig) -> None:
        """A refused app password is a credentials error without the password in it."""
        rig.password = "wrong-password-value"
        gateway = rig.bluesky_gateway()
        with pytest.raises(PlatformCredentialsError, match="new app password") as raised:
            gateway.publish(skeet(), "post-11:bluesky")
        assert raised.value.retryable is False
        assert "wrong-password-value" not in str(raised.value)
        assert "wrong-password-value" not in repr(gateway)
        assert rig.bluesky.posts() == []

    def test_validation_refusal_is_permanent(self, rig: Rig) -> None:
        """The PDS's InvalidRequest is a permanent refusal with its message."""
        gateway = rig.bluesky_gateway(limits=PlatformLimits(max_text_length=1000, max_media=0))
        with pytest.raises(PlatformRejectedError, match="300 graphemes") as raised:
            gateway.publish(skeet("y" * 301), "post-12:bluesky")
        assert raised.value.retryable is False
        assert rig.bluesky.posts() == []

    def test_metrics_carry_quotes(self, rig: Rig) -> None:
        """getPosts counts map to likes, comments, shares, and quotes as an own metric."""
        gateway = rig.bluesky_gateway()
        receipt = gateway.publish(skeet(), "post-13:bluesky")
        assert gateway.metrics(receipt.external_id).extra == {"quotes": 0}
        rig.clock.advance(timedelta(days=5))
        snapshot = gateway.metrics(receipt.external_id)
        assert snapshot.likes > 0
        assert set(snapshot.extra) == {"quotes"}
        assert len(gateway.comments(receipt.external_id)) == snapshot.comments

    def test_take_down_deletes_the_record(self, rig: Rig) -> None:
        """take_down deletes the record; the key then finds nothing."""
        gateway = rig.bluesky_gateway()
        receipt = gateway.publish(skeet(), "post-14:bluesky")
        gateway.take_down(receipt.external_id)
        assert rig.bluesky.posts() == []
        assert gateway.find_published("post-14:bluesky") is None
        with pytest.raises(UnknownPlatformPostError):
            gateway.metrics(receipt.external_id)


# --- publishing through libops, on every store ---------------------------------------------------


class TestPublishingThroughLibops:
    def test_lost_answers_publish_once_on_each_platform(
        self, store_url: str, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """With both adapters registered: Mastodon's answers all lost fails retryably and
        publishing again gets the same status back; Bluesky's lost answer is found again by
        the adapter itself. Each platform ends with exactly one post, recorded on the post."""
        made = Rig()
        try:
            mastodon, bluesky = made.mastodon_gateway(), made.bluesky_gateway()
            with LibOps.open(
                store_url, clock=made.clock, migrate=True, gateways=[mastodon, bluesky]
            ) as ops:
                post_id = approved_post(ops, planner, reviewer, Platform.MASTODON, Platform.BLUESKY)
                made.mastodon.lose_response_next(QUICK.attempts)
                with pytest.raises(PublishFailedError) as raised:
                    ops.publishing.publish(admin, post_id, Platform.MASTODON)
                assert raised.value.retryable is True
                failed = ops.posts.get(post_id)
                assert failed.platform_status(Platform.MASTODON) is PlatformStatus.FAILED
                made.bluesky.lose_response_next(path="createRecord")
                receipts = {
                    platform: ops.publishing.publish(admin, post_id, platform)
                    for platform in (Platform.MASTODON, Platform.BLUESKY)
                }
                assert [s["id"] for s in made.mastodon.statuses()] == [
                    receipts[Platform.MASTODON].external_id
                ]
                assert [p["rkey"] for p in made.bluesky.posts()] == [
                    receipts[Platform.BLUESKY].url.rsplit("/", 1)[-1]
                ]
                post = ops.posts.get(post_id)
                for platform, receipt in receipts.items():
                    assert post.platform_status(platform) is PlatformStatus.PUBLISHED
                    assert post.receipt(platform) == receipt
        finally:
            made.close()


class TestFakesAndPorts:
    def test_adapters_offer_take_down(self, rig: Rig) -> None:
        """Both adapters satisfy the optional SupportsTakeDown port; the sandbox does not."""
        from libops.adapters.sandbox import SandboxPlatform
        from libops.domain.ports import SupportsTakeDown

        assert isinstance(rig.mastodon_gateway(), SupportsTakeDown)
        assert isinstance(rig.bluesky_gateway(), SupportsTakeDown)
        sandbox = SandboxPlatform("mastodon", seed=1, clock=rig.clock)
        assert not isinstance(sandbox, SupportsTakeDown)

    @pytest.mark.parametrize("count", [0, -2, True, "1"])
    def test_fault_counts_must_be_positive(self, rig: Rig, count: object) -> None:
        """A fault count must be a positive whole number."""
        with pytest.raises(InvalidValueError):
            rig.mastodon.fail_next(count)  # type: ignore[arg-type]  # deliberately wrong
        with pytest.raises(InvalidValueError):
            rig.bluesky.lose_response_next(count)  # type: ignore[arg-type]  # deliberately wrong

    def test_fault_settings_are_checked(self, rig: Rig) -> None:
        """Only 5xx statuses, non-negative Retry-After and positive delays are accepted."""
        with pytest.raises(InvalidValueError):
            rig.mastodon.fail_next(status=404)
        with pytest.raises(InvalidValueError):
            rig.mastodon.rate_limit_next(retry_after=-1)
        with pytest.raises(InvalidValueError):
            rig.bluesky.slow_next(seconds=0)

    def test_faults_apply_to_matching_paths_only(self, rig: Rig) -> None:
        """A fault aimed at one endpoint leaves the others alone, then hits its own."""
        rig.bluesky.fail_next(status=500, path="getPosts")
        login = httpx.post(
            f"{rig.bluesky.base_url}/xrpc/com.atproto.server.createSession",
            json={"identifier": rig.bluesky.handle, "password": PASSWORD},
        )
        assert login.status_code == 200
        posts = httpx.get(
            f"{rig.bluesky.base_url}/xrpc/app.bsky.feed.getPosts",
            headers={"Authorization": f"Bearer {login.json()['accessJwt']}"},
        )
        assert posts.status_code == 500
        assert posts.json()["error"] == "InternalServerError"

    def test_bluesky_duplicate_rkey_is_a_500(self, rig: Rig) -> None:
        """As on today's PDS, creating a record under a taken rkey fails with 500."""
        session = httpx.post(
            f"{rig.bluesky.base_url}/xrpc/com.atproto.server.createSession",
            json={"identifier": rig.bluesky.handle, "password": PASSWORD},
        ).json()
        body = {
            "repo": session["did"],
            "collection": "app.bsky.feed.post",
            "rkey": rkey_for("dup"),
            "record": {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": START.isoformat()},
        }
        auth = {"Authorization": f"Bearer {session['accessJwt']}"}
        url = f"{rig.bluesky.base_url}/xrpc/com.atproto.repo.createRecord"
        assert httpx.post(url, json=body, headers=auth).status_code == 200
        again = httpx.post(url, json=body, headers=auth)
        assert again.status_code == 500
        assert len(rig.bluesky.posts()) == 1


class TestSecretsStayOut:
    def test_no_secret_in_any_log_record(self, rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
        """Publishing, renewing a session and failing log no token, password or JWT, even
        with every logger (httpx's and httpcore's included) at DEBUG."""
        caplog.set_level(logging.DEBUG)
        mastodon, bluesky = rig.mastodon_gateway(), rig.bluesky_gateway()
        mastodon.publish(toot(), "log-1:mastodon")
        bluesky.publish(skeet(), "log-1:bluesky")
        rig.bluesky.expire_sessions()
        bluesky.publish(skeet("Again."), "log-2:bluesky")
        rig.mastodon.revoke_tokens()
        with pytest.raises(PlatformCredentialsError):
            mastodon.publish(toot("Once more."), "log-2:mastodon")
        text = "\n".join(record.getMessage() for record in caplog.records)
        assert caplog.records  # httpx did log the requests
        for secret in (TOKEN, PASSWORD, "eyJhbGciOiJIUzI1NiJ9"):
            assert secret not in text

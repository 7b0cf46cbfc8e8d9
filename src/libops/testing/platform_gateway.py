"""The contract every :class:`~libops.domain.ports.PlatformGateway` adapter passes."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Protocol

from libops.domain.errors import PlatformError
from libops.domain.ports import PlatformGateway
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
)

AdvanceTime = Callable[[timedelta], object]
"""Moves the time the gateway sees forward (for a test server: its clock; for a live one: sleep)."""


class PlatformGatewayContract(abc.ABC):
    """What every :class:`~libops.domain.ports.PlatformGateway` adapter promises.

    A pytest-style base class: subclass it as ``TestSomething`` and implement
    :meth:`make_gateway`. Each check builds a fresh gateway. Override :meth:`sample_variant`
    if your platform needs particular content, :meth:`unknown_external_id` if the default
    could exist on your platform, :attr:`metric_checkpoints` to sample metrics at
    other times after publishing, and :attr:`remembered_for` if your platform's own
    lookup reaches back less far (then retries must come sooner than that).
    """

    metric_checkpoints: tuple[timedelta, ...] = (
        timedelta(0),
        timedelta(minutes=30),
        timedelta(hours=3),
        timedelta(hours=12),
        timedelta(days=2),
        timedelta(days=7),
    )
    """When (after publishing) the metrics check reads a post's counts."""

    comments_after: timedelta = timedelta(days=3)
    """How long the comments check waits after publishing before reading comments."""

    remembered_for: timedelta = timedelta(days=2)
    """How long after publishing find_published must still find the post."""

    @abc.abstractmethod
    def make_gateway(self) -> tuple[PlatformGateway, AdvanceTime]:
        """A fresh gateway under test, and a function that moves its time forward."""

    # --- hooks ---------------------------------------------------------------------------

    def new_key(self, gateway: PlatformGateway) -> str:
        """A fresh idempotency key, shaped as libops makes them (``post-id:platform``)."""
        return f"{uuid.uuid4()}:{gateway.platform.value}"

    def sample_variant(self, gateway: PlatformGateway, text: str = "") -> PostVariant:
        """A post variant that fits the gateway's declared limits."""
        limits = gateway.limits
        body = text or f"libops contract check {uuid.uuid4().hex[:8]}: new books this week?"
        media = ("contract-check-image.jpg",) if limits.requires_media else ()
        return PostVariant(
            platform=gateway.platform, text=body[: limits.max_text_length], media=media
        )

    def unknown_external_id(self, gateway: PlatformGateway) -> str:
        """An external id that names no post on the gateway's platform."""
        return f"libops-contract-no-such-post-{uuid.uuid4().hex}"

    # --- the contract ----------------------------------------------------------------------

    def test_is_a_platform_gateway(self) -> None:
        """The adapter satisfies the PlatformGateway protocol and names its platform."""
        gateway, _advance = self.make_gateway()
        assert isinstance(gateway, PlatformGateway), f"{gateway!r} lacks part of the port"
        assert isinstance(gateway.platform, Platform), "platform must be a libops Platform"
        assert isinstance(gateway.supports_idempotency_key, bool), (
            "supports_idempotency_key must be True or False"
        )

    def test_declares_limits(self) -> None:
        """The adapter declares sensible limits for one post."""
        gateway, _advance = self.make_gateway()
        limits = gateway.limits
        assert isinstance(limits, PlatformLimits), "limits must be PlatformLimits"
        assert limits.max_text_length > 0, "a post must be able to carry some text"
        assert limits.max_media >= 0, "max_media cannot be negative"
        assert not limits.requires_media or limits.max_media >= 1, (
            "a platform that requires media must accept at least one item"
        )
        assert limits.violations(self.sample_variant(gateway)) == [], (
            "sample_variant must fit the declared limits"
        )

    def test_publish_returns_a_receipt_for_its_platform(self) -> None:
        """Publishing returns a receipt with this platform, an id, a URL and an aware time."""
        gateway, _advance = self.make_gateway()
        receipt = gateway.publish(self.sample_variant(gateway), self.new_key(gateway))
        assert receipt.platform is gateway.platform, (
            f"receipt is for {receipt.platform}, gateway is for {gateway.platform}"
        )
        assert receipt.external_id.strip(), "the receipt needs the platform's id of the post"
        assert receipt.url.startswith(("https://", "http://")), f"not a URL: {receipt.url!r}"
        assert receipt.published_at.utcoffset() is not None, "published_at must be aware"

    def test_publishes_are_distinct(self) -> None:
        """Two publishes with different keys are two different posts."""
        gateway, _advance = self.make_gateway()
        first = gateway.publish(self.sample_variant(gateway), self.new_key(gateway))
        second = gateway.publish(self.sample_variant(gateway), self.new_key(gateway))
        assert first.external_id != second.external_id, "different keys must be different posts"

    def test_repeated_publish_never_publishes_twice(self) -> None:
        """A repeat with the same key is absorbed, or find_published lets the caller skip it."""
        gateway, _advance = self.make_gateway()
        variant, key = self.sample_variant(gateway), self.new_key(gateway)
        first = gateway.publish(variant, key)
        if gateway.supports_idempotency_key:
            again = gateway.publish(variant, key)
            assert again.external_id == first.external_id, (
                "a gateway that supports idempotency keys published the same key twice "
                f"({first.external_id} and {again.external_id})"
            )
        else:
            found = gateway.find_published(key)
            assert found is not None, (
                "without idempotency keys, find_published must report an earlier publish "
                "so that a retry does not publish twice"
            )
            assert found.external_id == first.external_id, "find_published named another post"
        found = gateway.find_published(key)
        assert found is not None, "find_published must find a post published with the key"
        assert found.external_id == first.external_id, "find_published named another post"

    def test_find_published_is_truthful(self) -> None:
        """find_published finds exactly the posts made with a key, and nothing for others."""
        gateway, _advance = self.make_gateway()
        key, other = self.new_key(gateway), self.new_key(gateway)
        assert gateway.find_published(key) is None, "nothing was published with a fresh key"
        receipt = gateway.publish(self.sample_variant(gateway), key)
        found = gateway.find_published(key)
        assert found is not None, "find_published missed a post that went out"
        assert found.external_id == receipt.external_id, "find_published named another post"
        assert found.platform is gateway.platform, "find_published answered for another platform"
        assert gateway.find_published(other) is None, "find_published invented a post"

    def test_find_published_remembers_old_posts(self) -> None:
        """find_published still finds a post days later (a claim's holder may have died).

        libops asks it before taking over a publishing claim that expired without an
        outcome, and before every retry on a platform without idempotency keys: a gateway
        that forgets keys after an hour would let such a retry post a second time.
        """
        gateway, advance = self.make_gateway()
        key = self.new_key(gateway)
        receipt = gateway.publish(self.sample_variant(gateway), key)
        advance(self.remembered_for)
        found = gateway.find_published(key)
        assert found is not None, (
            f"find_published forgot a post published {self.remembered_for} ago"
        )
        assert found.external_id == receipt.external_id, "find_published named another post"

    def test_metrics_are_cumulative(self) -> None:
        """A published post's counts are for its platform and never go down as time passes."""
        gateway, advance = self.make_gateway()
        receipt = gateway.publish(self.sample_variant(gateway), self.new_key(gateway))
        previous: MetricSnapshot | None = None
        elapsed = timedelta(0)
        for checkpoint in self.metric_checkpoints:
            if checkpoint > elapsed:
                advance(checkpoint - elapsed)
                elapsed = checkpoint
            snapshot = gateway.metrics(receipt.external_id)
            assert isinstance(snapshot, MetricSnapshot), "metrics must be a MetricSnapshot"
            assert snapshot.platform is gateway.platform, "metrics for another platform"
            assert snapshot.observed_at.utcoffset() is not None, "observed_at must be aware"
            if previous is not None:
                assert snapshot.observed_at >= previous.observed_at, "observed_at went backwards"
                lowered = snapshot.lowered(previous)
                assert not lowered, f"cumulative counts went down after {checkpoint}: {lowered}"
            previous = snapshot

    def test_unknown_external_id_is_a_platform_error(self) -> None:
        """Asking about a post the platform does not have raises PlatformError."""
        gateway, _advance = self.make_gateway()
        unknown = self.unknown_external_id(gateway)
        for name, call in (
            ("metrics", lambda: gateway.metrics(unknown)),
            ("comments", lambda: gateway.comments(unknown)),
        ):
            try:
                call()
            except PlatformError:
                continue
            raise AssertionError(f"{name}({unknown!r}) did not raise PlatformError")

    def test_comments_are_ordered_and_respect_since(self) -> None:
        """Comments come oldest first, and ``since`` returns exactly the later ones."""
        gateway, advance = self.make_gateway()
        receipt = gateway.publish(self.sample_variant(gateway), self.new_key(gateway))
        advance(self.comments_after)
        comments = list(gateway.comments(receipt.external_id))
        times = [comment.posted_at for comment in comments]
        assert all(t.utcoffset() is not None for t in times), "posted_at must be aware"
        assert times == sorted(times), "comments must come oldest first"
        ids = [comment.external_id for comment in comments]
        assert len(set(ids)) == len(ids), "comment ids must be unique"
        assert all(t >= receipt.published_at for t in times), "a comment predates its post"
        after_all = gateway.comments(receipt.external_id, since=receipt.published_at)
        assert [c.external_id for c in after_all] == [
            c.external_id for c in comments if c.posted_at > receipt.published_at
        ], "since=published_at must return every later comment"
        if comments:
            cut = comments[len(comments) // 2].posted_at
            later = list(gateway.comments(receipt.external_id, since=cut))
            assert [c.external_id for c in later] == [
                c.external_id for c in comments if c.posted_at > cut
            ], "since must return exactly the comments posted after it, in order"
            last = comments[-1].posted_at
            assert list(gateway.comments(receipt.external_id, since=last)) == [], (
                "nothing comes after the last comment"
            )


# --- failure paths: for adapters that talk to a server (issue 11, item 5) -----------------


class PlatformFaults(Protocol):
    """Makes the platform behind a gateway misbehave on the next publish, and counts posts.

    Implement it over your local fake of the platform (``libops.testing.fakes`` has fakes
    whose controls map onto these one for one).
    """

    def fail_next(self) -> None:
        """The next publish request gets a transient server error (5xx) and does nothing."""
        ...

    def rate_limit_next(self) -> None:
        """The next publish request is rate-limited (429, a short ``Retry-After``)."""
        ...

    def slow_next(self) -> None:
        """The next publish request is answered only after the gateway's timeout."""
        ...

    def lose_response_next(self) -> None:
        """The next publish request is carried out, then its answer is lost."""
        ...

    def expire_credentials(self) -> None:
        """The credentials the gateway holds stop working (expired or revoked)."""
        ...

    def posts_made(self) -> int:
        """How many posts exist on the platform now."""
        ...

    def secrets(self) -> Sequence[str]:
        """The secrets the gateway was given (no error or repr may contain them)."""
        ...


class PlatformGatewayFaultContract(PlatformGatewayContract):
    """The contract, plus what a gateway over a network promises when things go wrong:
    a transient failure, a rate limit, a slow answer or a lost one never makes a second
    post (retried inside the gateway, or raised as retryable so that libops retries), and
    expired credentials are renewed or reported as a non-retryable error without secrets.

    Implement :meth:`make_faulty_gateway`; :meth:`make_gateway` comes from it.
    """

    retries: int = 3
    """How many times the checks publish again after a retryable error, as libops would."""

    @abc.abstractmethod
    def make_faulty_gateway(self) -> tuple[PlatformGateway, AdvanceTime, PlatformFaults]:
        """A fresh gateway, its time control, and the faults of the platform behind it."""

    def make_gateway(self) -> tuple[PlatformGateway, AdvanceTime]:
        gateway, advance, _faults = self.make_faulty_gateway()
        return gateway, advance

    def publish_as_libops(self, gateway: PlatformGateway, key: str) -> PublishReceipt:
        """Publish like libops: ask first unless the platform absorbs repeats, and publish
        again after a retryable error (at most :attr:`retries` times)."""
        variant = self.sample_variant(gateway)
        attempt = 0
        while True:
            try:
                found = None
                if attempt or not gateway.supports_idempotency_key:
                    found = gateway.find_published(key)
                return found if found is not None else gateway.publish(variant, key)
            except PlatformError as error:
                if not error.retryable or attempt == self.retries:
                    raise
            attempt += 1

    def _posts_once(self, inject: Callable[[PlatformFaults], None], what: str) -> None:
        gateway, _advance, faults = self.make_faulty_gateway()
        before = faults.posts_made()
        key = self.new_key(gateway)
        inject(faults)
        receipt = self.publish_as_libops(gateway, key)
        assert faults.posts_made() == before + 1, f"after {what} the post went out " + (
            f"{faults.posts_made() - before} times"
        )
        found = gateway.find_published(key)
        assert found is not None, f"after {what} find_published missed the post"
        assert found.external_id == receipt.external_id, f"after {what} another post was named"

    def test_transient_failure_posts_once(self) -> None:
        """A 5xx is retried (or raised as retryable); the post goes out exactly once."""
        self._posts_once(lambda faults: faults.fail_next(), "a server error")

    def test_rate_limit_posts_once(self) -> None:
        """A rate limit is waited out (or raised as retryable); one post."""
        self._posts_once(lambda faults: faults.rate_limit_next(), "a rate limit")

    def test_slow_answer_posts_once(self) -> None:
        """A timed-out publish, which may have gone through, never makes a second post."""
        self._posts_once(lambda faults: faults.slow_next(), "a timeout")

    def test_lost_answer_posts_once(self) -> None:
        """A publish carried out whose answer was lost is found again, not repeated."""
        self._posts_once(lambda faults: faults.lose_response_next(), "a lost answer")

    def test_expired_credentials_renewed_or_reported(self) -> None:
        """Expired credentials are renewed (one post), or a non-retryable error without
        secrets (no post)."""
        gateway, _advance, faults = self.make_faulty_gateway()
        before = faults.posts_made()
        faults.expire_credentials()
        refused: PlatformError | None = None
        try:
            self.publish_as_libops(gateway, self.new_key(gateway))
        except PlatformError as error:
            refused = error
        if refused is None:
            assert faults.posts_made() == before + 1, "a renewed publish made no single post"
        else:
            assert not refused.retryable, "credentials that cannot be renewed are not retryable"
            assert faults.posts_made() == before, "a refused publish made a post"
            for secret in faults.secrets():
                assert secret not in str(refused), "the error shows a secret"
        for secret in faults.secrets():
            assert secret not in repr(gateway), "the gateway's repr shows a secret"

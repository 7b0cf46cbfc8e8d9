"""The contract every :class:`~libops.domain.ports.PlatformGateway` adapter passes."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Callable
from datetime import timedelta

from libops.domain.errors import PlatformError
from libops.domain.ports import PlatformGateway
from libops.domain.values import MetricSnapshot, Platform, PlatformLimits, PostVariant

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

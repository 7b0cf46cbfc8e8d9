"""Contract tests for every platform adapter, key store and view store, shipped for third parties.

Subclass :class:`PlatformGatewayContract` in your adapter's test suite and implement
:meth:`~PlatformGatewayContract.make_gateway`; pytest then runs every check below against
your adapter::

    from datetime import UTC, datetime

    from libops.adapters.clock import ManualClock
    from libops.adapters.sandbox import SandboxPlatform
    from libops.testing import PlatformGatewayContract


    class TestMyGateway(PlatformGatewayContract):
        def make_gateway(self):
            clock = ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
            return SandboxPlatform("mastodon", seed=1, clock=clock), clock.advance

The module needs only libops itself (no pytest import), so it can be shipped and imported
anywhere; the checks use plain ``assert`` statements with messages.
"""

from __future__ import annotations

import abc
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from libops.domain.errors import InvalidValueError, PlatformError, SubjectErasedError
from libops.domain.ports import KeyStore, PlatformGateway
from libops.domain.values import MetricSnapshot, Platform, PlatformLimits, PostVariant
from libops.projections.ports import ViewChanges, ViewStore

AdvanceTime = Callable[[timedelta], object]
"""Moves the time the gateway sees forward (for a test server: its clock; for a live one: sleep)."""


class PlatformGatewayContract(abc.ABC):
    """What every :class:`~libops.domain.ports.PlatformGateway` adapter promises.

    A pytest-style base class: subclass it as ``TestSomething`` and implement
    :meth:`make_gateway`. Each check builds a fresh gateway. Override :meth:`sample_variant`
    if your platform needs particular content, :meth:`unknown_external_id` if the default
    could exist on your platform, and :attr:`metric_checkpoints` to sample metrics at
    other times after publishing.
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


class KeyStoreContract(abc.ABC):
    """What every :class:`~libops.domain.ports.KeyStore` adapter promises.

    A pytest-style base class: subclass it as ``TestSomething`` and implement
    :meth:`make_key_store` (a fresh, migrated, empty store). Override :meth:`reopen` to also
    check that keys, erasures and the secret survive opening the same storage again::

        from libops.adapters.keystore import MemoryKeyStore
        from libops.testing import KeyStoreContract


        class TestMyKeyStore(KeyStoreContract):
            def make_key_store(self):
                return MemoryKeyStore()

    Every check closes the stores it opened.
    """

    threads: int = 8
    """How many threads the concurrency checks use."""

    @abc.abstractmethod
    def make_key_store(self) -> KeyStore:
        """A fresh key store under test, migrated and holding no keys."""

    def reopen(self, store: KeyStore) -> KeyStore | None:
        """A second key store on the same storage as ``store``, or None if it has none."""
        return None

    # --- hooks ---------------------------------------------------------------------------

    def new_subject(self) -> str:
        """A subject id no store has seen."""
        return f"subject-{uuid.uuid4().hex}"

    @contextmanager
    def _store(self) -> Iterator[KeyStore]:
        store = self.make_key_store()
        try:
            yield store
        finally:
            store.close()

    # --- the contract ----------------------------------------------------------------------

    def test_is_a_key_store(self) -> None:
        """The adapter satisfies the KeyStore protocol."""
        with self._store() as store:
            assert isinstance(store, KeyStore), f"{store!r} lacks part of the port"

    def test_a_subject_keeps_one_key(self) -> None:
        """get_or_create makes a 32-byte key once and returns the same key after."""
        with self._store() as store:
            subject = self.new_subject()
            assert store.get(subject) is None, "a new subject has no key"
            key = store.get_or_create(subject)
            assert isinstance(key, bytes), f"a key is bytes, not {type(key).__name__}"
            assert len(key) == 32, f"a key is 32 bytes (AES-256), not {len(key)}"
            assert store.get_or_create(subject) == key, "get_or_create made a second key"
            assert store.get(subject) == key, "get does not return the subject's key"
            assert not store.is_erased(subject), "a subject with a key is not erased"

    def test_subjects_have_their_own_keys(self) -> None:
        """Different subjects get different keys."""
        with self._store() as store:
            keys = {store.get_or_create(self.new_subject()) for _ in range(20)}
            assert len(keys) == 20, "two subjects were given the same key"

    def test_unknown_subject(self) -> None:
        """A subject the store never saw has no key and is not erased."""
        with self._store() as store:
            subject = self.new_subject()
            assert store.get(subject) is None, "a key appeared for an unknown subject"
            assert not store.is_erased(subject), "an unknown subject counts as erased"
            assert store.get(subject) is None, "asking made a key"

    def test_erasing_deletes_the_key(self) -> None:
        """After erase, the subject has no key and is erased; other subjects keep theirs."""
        with self._store() as store:
            subject, other = self.new_subject(), self.new_subject()
            store.get_or_create(subject)
            kept = store.get_or_create(other)
            assert store.erase(subject) is True, "the first erasure must return True"
            assert store.get(subject) is None, "the erased subject's key is still there"
            assert store.is_erased(subject), "the erased subject is not marked erased"
            assert store.get(other) == kept, "erasing one subject changed another's key"
            assert not store.is_erased(other), "erasing one subject erased another"

    def test_an_erased_subject_never_gets_a_new_key(self) -> None:
        """get_or_create refuses an erased subject with SubjectErasedError, every time."""
        with self._store() as store:
            subject = self.new_subject()
            store.get_or_create(subject)
            store.erase(subject)
            for _ in range(2):
                error = _refused_key(store, subject)
                assert error.subject_id == subject, "the error names another subject"
                assert store.get(subject) is None, "a refused get_or_create left a key"

    def test_erasing_twice(self) -> None:
        """Erasing an erased subject changes nothing and returns False."""
        with self._store() as store:
            subject = self.new_subject()
            store.get_or_create(subject)
            assert store.erase(subject) is True
            assert store.erase(subject) is False, "a repeated erasure must return False"
            assert store.is_erased(subject)

    def test_erasing_a_subject_without_a_key(self) -> None:
        """A subject erased before it had a key is erased: it never gets one."""
        with self._store() as store:
            subject = self.new_subject()
            assert store.erase(subject) is True
            assert store.is_erased(subject)
            _refused_key(store, subject)

    def test_pseudonym_secret(self) -> None:
        """The store has one secret of at least 32 bytes that erasures do not change."""
        with self._store() as store:
            secret = store.pseudonym_secret()
            assert isinstance(secret, bytes), "the secret is bytes"
            assert len(secret) >= 32, "the secret is at least 32 bytes"
            subject = self.new_subject()
            store.get_or_create(subject)
            store.erase(subject)
            assert store.pseudonym_secret() == secret, "the secret changed"
        with self._store() as another:
            assert another.pseudonym_secret() != secret, "two stores share a secret"

    def test_bad_subject_ids_are_refused(self) -> None:
        """Blank, spaced, non-ASCII, over-long or non-text subject ids are InvalidValueError."""
        bad: list[object] = [
            "",
            " ",
            "has space",
            "名字",
            "reader@example.org",
            "a" * 129,
            42,
            None,
        ]
        with self._store() as store:
            for subject in bad:
                for name in ("get_or_create", "get", "erase", "is_erased"):
                    try:
                        getattr(store, name)(subject)
                    except InvalidValueError:
                        continue
                    raise AssertionError(f"{name}({subject!r}) was not refused")

    def test_concurrent_creation_makes_one_key(self) -> None:
        """Threads asking for a new subject's key at once all get the same key."""
        with self._store() as store:
            for _ in range(3):
                subject = self.new_subject()
                keys = self._in_threads(lambda subject=subject: store.get_or_create(subject))
                assert len(set(keys)) == 1, "concurrent get_or_create made several keys"
                assert store.get(subject) == keys[0]

    def test_erasure_wins_over_concurrent_creation(self) -> None:
        """Once erase returns, no key exists and none can be made, whatever ran beside it."""
        with self._store() as store:
            subject = self.new_subject()
            barrier = threading.Barrier(self.threads)

            def race(index: int) -> object:
                barrier.wait()
                if index == 0:
                    return store.erase(subject)
                try:
                    return store.get_or_create(subject)
                except SubjectErasedError:
                    return None

            self._in_threads(race, indexed=True)
            assert store.get(subject) is None, "a key survived the erasure"
            assert store.is_erased(subject)
            _refused_key(store, subject)

    def test_keys_survive_reopening(self) -> None:
        """Another store on the same storage sees the same keys, erasures and secret."""
        with self._store() as store:
            again = self.reopen(store)
            if again is None:
                return  # the store lives only in this object
            try:
                kept, erased = self.new_subject(), self.new_subject()
                key = store.get_or_create(kept)
                store.get_or_create(erased)
                store.erase(erased)
                assert again.get(kept) == key, "the key is not seen through the other store"
                assert again.get(erased) is None, "the erased key is seen through the other store"
                assert again.is_erased(erased), "the erasure is not seen through the other store"
                assert again.pseudonym_secret() == store.pseudonym_secret(), "secrets differ"
                newer = again.get_or_create(self.new_subject())
                assert len(newer) == 32
            finally:
                again.close()

    def _in_threads(self, work: Callable[..., object], *, indexed: bool = False) -> list[object]:
        results: list[object] = [None] * self.threads
        errors: list[BaseException] = []

        def run(index: int) -> None:
            try:
                results[index] = work(index) if indexed else work()
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(self.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        if errors:
            raise errors[0]
        return results


class ViewStoreContract(abc.ABC):
    """What every :class:`~libops.projections.ports.ViewStore` adapter promises the engine.

    A pytest-style base class: subclass it as ``TestSomething`` and implement
    :meth:`make_view_store` (a fresh, migrated store holding no views). Override
    :meth:`reopen` to also check a second connection to the same views::

        from libops.adapters.viewstores import MemoryViewStore
        from libops.testing import ViewStoreContract


        class TestMyViewStore(ViewStoreContract):
            def make_view_store(self):
                return MemoryViewStore()

    Documents are compared decoded (a store may keep JSON in its own spelling, as
    PostgreSQL's ``jsonb`` does). Every check closes the stores it opened.
    """

    threads: int = 8
    """How many threads race in the compare-and-set check."""

    @abc.abstractmethod
    def make_view_store(self) -> ViewStore:
        """A fresh view store under test, migrated and holding no views."""

    def reopen(self, store: ViewStore) -> ViewStore | None:
        """A second view store on the same views as ``store``, or None if it has none."""
        return None

    # --- hooks ---------------------------------------------------------------------------

    def new_name(self) -> str:
        """A projection name no store has seen."""
        return f"contract-{uuid.uuid4().hex[:12]}"

    @contextmanager
    def _store(self) -> Iterator[ViewStore]:
        store = self.make_view_store()
        try:
            yield store
        finally:
            store.close()

    @staticmethod
    def _text(value: object) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)

    def _documents(self, store: ViewStore, name: str) -> dict[str, object]:
        return {key: json.loads(text) for key, text in store.rows(name)}

    # --- the contract ----------------------------------------------------------------------

    def test_is_a_view_store(self) -> None:
        """The adapter satisfies the ViewStore protocol."""
        with self._store() as store:
            assert isinstance(store, ViewStore), f"{type(store).__name__} is not a ViewStore"

    def test_a_new_view_is_empty(self) -> None:
        """An unknown projection has position 0, no documents and no rows."""
        with self._store() as store:
            name = self.new_name()
            assert store.position(name) == 0
            assert store.load(name, "anything") is None
            assert store.rows(name) == []

    def test_commit_writes_documents_and_position(self) -> None:
        """A commit from position 0 writes the documents and the new position together."""
        with self._store() as store:
            name = self.new_name()
            value = {"n": 3, "text": "读书日 ✓", "list": [1, "two", None], "deep": {"x": 1.5}}
            changes = {"b": self._text(value), "a": self._text(7), "c": self._text("seven")}
            assert store.commit([ViewChanges(name, 0, 12, changes)]) is True
            assert store.position(name) == 12
            loaded = store.load(name, "b")
            assert loaded is not None, "a committed document cannot be loaded"
            assert json.loads(loaded) == value
            rows = store.rows(name)
            assert [key for key, _ in rows] == ["a", "b", "c"], "rows are not sorted by key"
            assert self._documents(store, name) == {"a": 7, "b": value, "c": "seven"}

    def test_a_later_commit_updates_and_deletes(self) -> None:
        """A commit from the current position replaces documents and deletes those set to None."""
        with self._store() as store:
            name = self.new_name()
            first = {"a": self._text(1), "b": self._text(2)}
            assert store.commit([ViewChanges(name, 0, 5, first)])
            second = {"a": self._text({"now": "a dict"}), "b": None, "c": self._text([])}
            assert store.commit([ViewChanges(name, 5, 9, second)])
            assert store.position(name) == 9
            assert self._documents(store, name) == {"a": {"now": "a dict"}, "c": []}
            assert store.load(name, "b") is None

    def test_a_stale_position_writes_nothing(self) -> None:
        """Compare-and-set: a commit read after an old position is refused and changes nothing."""
        with self._store() as store:
            name = self.new_name()
            assert store.commit([ViewChanges(name, 0, 5, {"a": self._text(1)})])
            for stale in (0, 3, 6):
                refused = ViewChanges(name, stale, 10, {"a": self._text(99), "z": self._text(0)})
                assert store.commit([refused]) is False, f"a commit expecting {stale} was taken"
            assert store.position(name) == 5
            assert self._documents(store, name) == {"a": 1}

    def test_a_batch_commits_all_or_nothing(self) -> None:
        """When one projection of a batch conflicts, no projection's documents or position move."""
        with self._store() as store:
            ahead, behind = self.new_name(), self.new_name()
            assert store.commit([ViewChanges(ahead, 0, 4, {"k": self._text("ahead")})])
            batch = [
                ViewChanges(behind, 0, 8, {"k": self._text("new")}),
                ViewChanges(ahead, 0, 8, {"k": self._text("clobbered")}),  # stale: it is at 4
            ]
            assert store.commit(batch) is False
            assert store.position(behind) == 0, "the first entry's position moved"
            assert store.rows(behind) == [], "the first entry's documents were written"
            assert store.position(ahead) == 4
            assert self._documents(store, ahead) == {"k": "ahead"}
            batch = [
                ViewChanges(behind, 0, 8, {"k": self._text("new")}),
                ViewChanges(ahead, 4, 8, {"k": self._text("newer")}),
            ]
            assert store.commit(batch) is True
            assert (store.position(behind), store.position(ahead)) == (8, 8)
            assert self._documents(store, ahead) == {"k": "newer"}

    def test_only_one_racing_commit_wins(self) -> None:
        """Commits racing from the same position: exactly one is taken."""
        with self._store() as store:
            name = self.new_name()
            other = self.reopen(store)
            stores = [store] if other is None else [store, other]
            try:
                outcomes = self._in_threads(
                    lambda i: stores[i % len(stores)].commit(
                        [ViewChanges(name, 0, 10 + i, {"winner": self._text(i)})]
                    )
                )
            finally:
                if other is not None:
                    other.close()
            assert outcomes.count(True) == 1, f"{outcomes.count(True)} racing commits were taken"
            winner = outcomes.index(True)
            assert store.position(name) == 10 + winner
            assert self._documents(store, name) == {"winner": winner}

    def test_projections_are_kept_apart(self) -> None:
        """Two projections with the same keys have their own documents and positions."""
        with self._store() as store:
            one, two = self.new_name(), self.new_name()
            assert store.commit([ViewChanges(one, 0, 3, {"k": self._text(1)})])
            assert store.commit([ViewChanges(two, 0, 7, {"k": self._text(2)})])
            assert (store.position(one), store.position(two)) == (3, 7)
            assert self._documents(store, one) == {"k": 1}
            assert self._documents(store, two) == {"k": 2}

    def test_discard_deletes_documents_and_keeps_the_position(self) -> None:
        """Discarded documents go (unknown keys are fine); the position stays."""
        with self._store() as store:
            name = self.new_name()
            docs = {key: self._text(key) for key in ("a", "b", "c")}
            assert store.commit([ViewChanges(name, 0, 6, docs)])
            store.discard(name, ["a", "c", "never-written"])
            assert store.position(name) == 6
            assert self._documents(store, name) == {"b": "b"}

    def test_reset_drops_one_view(self) -> None:
        """Reset drops one projection's documents and position, not another's; it starts at 0."""
        with self._store() as store:
            dropped, kept = self.new_name(), self.new_name()
            assert store.commit([ViewChanges(dropped, 0, 5, {"a": self._text(1)})])
            assert store.commit([ViewChanges(kept, 0, 5, {"a": self._text(2)})])
            store.reset(dropped)
            assert store.position(dropped) == 0
            assert store.rows(dropped) == []
            assert store.position(kept) == 5
            assert self._documents(store, kept) == {"a": 2}
            assert store.commit([ViewChanges(dropped, 0, 2, {"b": self._text(3)})]) is True
            assert self._documents(store, dropped) == {"b": 3}

    def test_views_survive_reopening(self) -> None:
        """Another store on the same views sees what was committed, and its position."""
        with self._store() as store:
            again = self.reopen(store)
            if again is None:
                return  # the views live only in this object
            try:
                name = self.new_name()
                assert store.commit([ViewChanges(name, 0, 4, {"a": self._text([1, 2])})])
                assert again.position(name) == 4
                assert self._documents(again, name) == {"a": [1, 2]}
                assert again.commit([ViewChanges(name, 0, 9, {})]) is False
                assert again.commit([ViewChanges(name, 4, 9, {"a": None})]) is True
                assert store.position(name) == 9
                assert store.rows(name) == []
            finally:
                again.close()

    def _in_threads(self, work: Callable[[int], bool]) -> list[bool]:
        results: list[bool] = [False] * self.threads
        errors: list[BaseException] = []
        start = threading.Barrier(self.threads)

        def run(index: int) -> None:
            try:
                start.wait(timeout=30)
                results[index] = work(index)
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(self.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        if errors:
            raise errors[0]
        return results


def _refused_key(store: KeyStore, subject_id: str) -> SubjectErasedError:
    """The SubjectErasedError that get_or_create raises for an erased subject."""
    try:
        store.get_or_create(subject_id)
    except SubjectErasedError as error:
        return error
    raise AssertionError(f"erased subject {subject_id} was given a new key")

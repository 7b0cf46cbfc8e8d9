"""The contract every :class:`~libops.domain.ports.KeyStore` adapter passes."""

from __future__ import annotations

import abc
import threading
import uuid
from contextlib import closing

from libops.domain.errors import InvalidValueError, SubjectErasedError
from libops.domain.ports import KeyStore
from libops.testing._threads import in_threads


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

    def _store(self) -> closing[KeyStore]:
        return closing(self.make_key_store())

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

                def create(_: int, subject: str = subject) -> bytes:
                    return store.get_or_create(subject)

                keys = in_threads(self.threads, create)
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

            in_threads(self.threads, race)
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


def _refused_key(store: KeyStore, subject_id: str) -> SubjectErasedError:
    """The SubjectErasedError that get_or_create raises for an erased subject."""
    try:
        store.get_or_create(subject_id)
    except SubjectErasedError as error:
        return error
    raise AssertionError(f"erased subject {subject_id} was given a new key")

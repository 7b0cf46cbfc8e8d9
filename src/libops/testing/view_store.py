"""The contract every :class:`~libops.projections.ports.ViewStore` adapter passes."""

from __future__ import annotations

import abc
import json
import uuid
from contextlib import closing

from libops.projections.ports import ViewChanges, ViewStore
from libops.testing._threads import in_threads


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

    def _store(self) -> closing[ViewStore]:
        return closing(self.make_view_store())

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
                outcomes = in_threads(
                    self.threads,
                    lambda i: stores[i % len(stores)].commit(
                        [ViewChanges(name, 0, 10 + i, {"winner": self._text(i)})]
                    ),
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

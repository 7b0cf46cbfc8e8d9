"""The ViewStore contract on every adapter: memory, a SQLite store file, a PostgreSQL schema.

The contract (:class:`libops.testing.ViewStoreContract`) checks what the projection engine
relies on: documents and positions, compare-and-set of a position with its documents in one
transaction, discard and reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from libops.adapters.storage import parse_store_url
from libops.adapters.viewstores import (
    MemoryViewStore,
    PostgresViewStore,
    SQLiteViewStore,
    open_view_store,
)
from libops.bootstrap import migrate_store
from libops.projections.ports import ViewChanges, ViewStore
from libops.testing import ViewStoreContract


class _Owner:
    """What a memory view store's views live as long as (libops uses the recorder)."""


class TestMemoryViewStore(ViewStoreContract):
    """Views in process memory, shared by every store opened on the same owner."""

    def make_view_store(self) -> ViewStore:
        self._owner = _Owner()
        return MemoryViewStore(self._owner)

    def reopen(self, store: ViewStore) -> ViewStore | None:
        return MemoryViewStore(self._owner)


class TestSQLiteViewStore(ViewStoreContract):
    """Views in the tables of a migrated SQLite store file."""

    @pytest.fixture(autouse=True)
    def _store_file(self, tmp_path: Path) -> None:
        self._url = f"sqlite:///{tmp_path}/libops.db"
        migrate_store(self._url)

    def make_view_store(self) -> ViewStore:
        return SQLiteViewStore(parse_store_url(self._url))

    def reopen(self, store: ViewStore) -> ViewStore | None:
        return SQLiteViewStore(parse_store_url(self._url))


class TestPostgresViewStore(ViewStoreContract):
    """Views in the tables of a migrated PostgreSQL schema."""

    @pytest.fixture(autouse=True)
    def _schema(self, postgres_url: str) -> None:
        self._url = postgres_url
        migrate_store(self._url)

    def make_view_store(self) -> ViewStore:
        return PostgresViewStore(parse_store_url(self._url))

    def reopen(self, store: ViewStore) -> ViewStore | None:
        return PostgresViewStore(parse_store_url(self._url))


class TestOpeningByUrl:
    @pytest.mark.parametrize(
        ("kind", "expected"),
        [
            ("memory", MemoryViewStore),
            ("sqlite", SQLiteViewStore),
            ("postgresql", PostgresViewStore),
        ],
    )
    def test_the_scheme_chooses_the_store(
        self, kind: str, expected: type, tmp_path: Path, request: pytest.FixtureRequest
    ) -> None:
        """open_view_store gives the view store of the URL's kind of store."""
        from tests.conftest import make_store_url

        url = make_store_url(kind, tmp_path, request)
        migrate_store(url)
        store = open_view_store(parse_store_url(url))
        try:
            assert isinstance(store, expected)
        finally:
            store.close()


class _CarelessViewStore(MemoryViewStore):
    """A broken store: it writes every entry's documents and position without comparing."""

    def commit(self, entries: Sequence[ViewChanges]) -> bool:
        tables = self._tables
        with tables.lock:
            for entry in entries:
                docs = tables.documents.setdefault(entry.name, {})
                for key, text in entry.changes.items():
                    if text is None:
                        docs.pop(key, None)
                    else:
                        docs[key] = text
                tables.positions[entry.name] = entry.new
        return True


class TestTheContractItself:
    @pytest.mark.parametrize(
        "check",
        [
            "test_a_stale_position_writes_nothing",
            "test_a_batch_commits_all_or_nothing",
            "test_only_one_racing_commit_wins",
        ],
    )
    def test_catches_a_store_without_compare_and_set(self, check: str) -> None:
        """The compare-and-set checks fail on a store that writes without comparing."""

        class Careless(ViewStoreContract):
            def make_view_store(self) -> ViewStore:
                return _CarelessViewStore()

        with pytest.raises(AssertionError):
            getattr(Careless(), check)()

"""What listings need of a view store, on memory, SQLite and PostgreSQL: keys read in byte
order between two exclusive bounds, either way, with a limit; documents read by many keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from libops.adapters.storage import parse_store_url
from libops.adapters.viewstores import open_view_store
from libops.bootstrap import migrate_store
from libops.projections.listings import ListingStore
from libops.projections.ports import ViewChanges
from tests.conftest import make_store_url

NAME = "listings.contract"
# Byte order, not a language's: upper case before lower case, "-" before digits, "~" last.
KEYS = ["ix:*:0001:b", "ix:*:0001:c", "ix:*:0002:a", "ix:*:A", "ix:*:a", "ix:*:~"]
OUTSIDE = ["ix:*", "ix:*;", "ix:s=x:0001:a", "row:a"]


class _Owner:
    """The owner of a memory store's views."""


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def views(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[ListingStore]:
    url = make_store_url(request.param, tmp_path, request)
    if request.param != "memory":
        migrate_store(url)
    store = open_view_store(parse_store_url(url), memory_owner=_Owner())
    assert isinstance(store, ListingStore)
    changes = {key: f'"{key}"' for key in [*reversed(KEYS), *OUTSIDE]}
    assert store.commit([ViewChanges(NAME, 0, 1, changes)])
    assert store.commit([ViewChanges("other", 0, 1, {"ix:*:0001:z": "1"})])
    try:
        yield store
    finally:
        store.close()


def test_scan_in_byte_order_both_ways(views: ListingStore) -> None:
    assert views.scan(NAME, "ix:*:", "ix:*;", descending=False, limit=100) == KEYS
    assert views.scan(NAME, "ix:*:", "ix:*;", descending=True, limit=100) == KEYS[::-1]


def test_scan_bounds_are_exclusive_and_the_limit_holds(views: ListingStore) -> None:
    assert views.scan(NAME, "ix:*:0001:b", "ix:*:a", descending=False, limit=100) == KEYS[1:4]
    assert views.scan(NAME, "ix:*:0001:b", "ix:*:a", descending=True, limit=2) == [
        KEYS[3],
        KEYS[2],
    ]
    assert views.scan(NAME, "ix:*:", "ix:*;", descending=False, limit=1) == KEYS[:1]
    assert views.scan("nothing", "ix:*:", "ix:*;", descending=False, limit=10) == []


def test_load_many_reads_those_that_exist(views: ListingStore) -> None:
    found = views.load_many(NAME, ["row:a", "ix:*:A", "row:missing"])
    assert found == {"row:a": '"row:a"', "ix:*:A": '"ix:*:A"'}
    assert views.load_many(NAME, []) == {}
    assert views.load_many("other", ["row:a"]) == {}

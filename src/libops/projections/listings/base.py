"""The machinery every listing shares: the keys of rows and index entries, the tags that
name filter values, the view store protocol listings read from, and the ``Listing`` base
class that keeps a row's index entries in step with the row (see
:mod:`libops.projections.listings`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, Final, Protocol, runtime_checkable

from libops.projections.ports import ViewStore
from libops.projections.views import Projection, View, uuid_text

ROW: Final = "row:"
INDEX: Final = "ix:"
ALL: Final = "*"
"""The tag of the entries that answer a list without filters."""

_EPOCH: Final = datetime(1, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


def stamp(moment: datetime) -> str:
    """``moment`` as 18 digits (microseconds since 0001-01-01 UTC): text in time order."""
    return f"{(moment.astimezone(UTC) - _EPOCH) // _MICROSECOND:018d}"


def day_stamp(day: date) -> str:
    """``day`` as 8 digits (``YYYYMMDD``): text in calendar order."""
    return day.strftime("%Y%m%d")


def tags(values: Mapping[str, Sequence[str]]) -> list[str]:
    """The tags of a row with ``values`` (each filter's values, in the filters' order):
    ``*`` and every combination of one value of some of the filters."""
    fields = [(name, list(options)) for name, options in values.items() if options]
    found = [ALL]
    for size in range(1, len(fields) + 1):
        for chosen in itertools.combinations(fields, size):
            for picked in itertools.product(*(options for _, options in chosen)):
                found.append("/".join(f"{n}={v}" for (n, _), v in zip(chosen, picked, strict=True)))
    return found


def tag_of(filters: Mapping[str, str | None]) -> str:
    """The tag of the entries answering ``filters`` (None: not filtered), in the same order
    the listing names its filters."""
    parts = [f"{name}={value}" for name, value in filters.items() if value is not None]
    return "/".join(parts) if parts else ALL


def index_key(tag: str, sort: str, row_id: str) -> str:
    """The key of one index entry."""
    return f"{INDEX}{tag}:{sort}:{row_id}"


def tag_bounds(tag: str) -> tuple[str, str]:
    """The exclusive bounds of the keys of ``tag``'s entries: ``ix:<tag>:`` and ``ix:<tag>;``."""
    return f"{INDEX}{tag}:", f"{INDEX}{tag};"


@runtime_checkable
class ListingStore(ViewStore, Protocol):
    """A view store that reads keys in order: what listings are answered from."""

    def scan(
        self, name: str, after: str, before: str, *, descending: bool, limit: int
    ) -> list[str]:
        """Up to ``limit`` keys of ``name``'s view strictly between ``after`` and ``before``,
        in byte order (``descending``: from ``before`` down)."""
        ...

    def load_many(self, name: str, keys: Sequence[str]) -> dict[str, str]:
        """The JSON text of each of ``keys`` that has a document, by key."""
        ...


class Listing(Projection):
    """A projection keeping ``row:`` documents and their index entries (see the module)."""

    filters: ClassVar[tuple[str, ...]] = ()
    """The names of the filters, in the order their tags name them."""

    def index_values(self, row: Mapping[str, Any]) -> dict[str, list[str]]:
        """Each filter's values for ``row``."""
        raise NotImplementedError

    def sort_key(self, row: Mapping[str, Any]) -> str:
        """``row``'s place in the list, as fixed-width text."""
        raise NotImplementedError

    def entries(self, row: Mapping[str, Any] | None) -> set[str]:
        """The keys of ``row``'s index entries (none for no row)."""
        if row is None:
            return set()
        sort, row_id = self.sort_key(row), row["id"]
        return {index_key(tag, sort, row_id) for tag in tags(self.index_values(row))}

    def has_entry(self, row: Mapping[str, Any], key: str) -> bool:
        """Whether ``key`` is one of ``row``'s index entries (what :meth:`entries` would
        give, checked without making them all)."""
        if not key.startswith(INDEX):
            return False
        tag, sort, row_id = key[len(INDEX) :].rsplit(":", 2)
        if row_id != row["id"] or sort != self.sort_key(row):
            return False
        if tag == ALL:
            return True
        values = self.index_values(row)
        for part in tag.split("/"):
            name, _, value = part.partition("=")
            if value not in values.get(name, ()):
                return False
        return True

    def change(self, view: View, row_id: str, new: Mapping[str, Any] | None) -> None:
        """Store ``new`` as the row ``row_id`` (None deletes it) and move its entries."""
        key = ROW + row_id
        old = view.get(key)
        before = self.entries(old)
        after = self.entries(new)
        for entry in sorted(before - after):
            view.delete(entry)
        for entry in sorted(after - before):
            view.put(entry, 1)
        if new is None:
            view.delete(key)
        else:
            view.put(key, dict(new))

    def row(self, view: View, row_id: str) -> dict[str, Any] | None:
        """A copy of the stored row ``row_id`` (changing it changes nothing until ``change``)."""
        found = view.get(ROW + row_id)
        return None if found is None else _copy(found)

    def event_row(self, view: View, event: Any, **fields: Any) -> dict[str, Any] | None:
        """A copy of the row of ``event``'s aggregate with ``fields`` set (None: no row)."""
        row = self.row(view, uuid_text(event.originator_id))
        if row is not None:
            row.update(fields)
        return row

    def update_row(self, view: View, event: Any, **fields: Any) -> None:
        """Set ``fields`` in the row of ``event``'s aggregate, if it has one, and move its
        entries."""
        row = self.event_row(view, event, **fields)
        if row is not None:
            self.change(view, row["id"], row)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value

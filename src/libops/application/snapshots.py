"""Snapshots of aggregates with long histories, stored so that their state reads back exactly.

eventsourcing's own ``Snapshot`` stores an aggregate's ``__dict__`` through the JSON
transcoder, which turns tuples (and sets) into lists, cannot store a dict keyed by an
enumeration or an id, and looks transcodings up by exact type. A :class:`StateSnapshot`
first writes the state as a tagged tree: tuples, sets, frozensets, dicts (with keys of any
type), enumeration members (by their class's topic and value), dates, time spans and attrs
values (field by field, restored without re-running converters or validators) each carry a
tag; ids, times and decimals are left to the transcoder, which stores them exactly. So a post
loaded from a snapshot equals the post replayed from its events.

A snapshot also records the *schema* it was taken under: a digest of the source of
``libops.domain`` (the aggregates and their values) and of this encoding. One taken under
another schema (an older release) is never used: the aggregate is replayed from its events
instead, and a fresh snapshot is taken at the next interval. Events stay the truth: deleting
every snapshot loses nothing.

A snapshot holds exactly what the aggregate holds: values that events carry sealed (personal
data) stay sealed in it, and after an erasure they can no more be opened from a snapshot than
from the events.
"""

from __future__ import annotations

import enum
import hashlib
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final, cast
from uuid import UUID

import attrs
from eventsourcing.domain import BaseAggregate, Snapshot
from eventsourcing.persistence import EventStore
from eventsourcing.utils import get_topic, register_topic, resolve_topic

import libops.domain

SNAPSHOT_TOPIC: Final = "libops:Snapshot"
"""The stored topic of a libops snapshot (a public name, like the events' topics)."""

ENCODING: Final = "libops-state-1"
"""The name of the tagged encoding below; changing it retires every stored snapshot."""

_TAG: Final = "_t"
_LEAVES: Final = (UUID, datetime, Decimal)
"""Types the JSON transcoder stores exactly by itself (registered by eventsourcing)."""


class SnapshotEncodingError(TypeError):
    """An aggregate holds a value that a snapshot cannot store exactly."""


def encode_state(value: Any) -> Any:
    """``value`` as a tree the JSON transcoder stores exactly (see the module docstring)."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if isinstance(value, enum.Enum):
        return {_TAG: "enum", "c": get_topic(kind), "v": encode_state(value.value)}
    if kind in _LEAVES:
        return value
    if kind is list:
        return [encode_state(item) for item in value]
    if kind is tuple:
        return {_TAG: "tuple", "v": [encode_state(item) for item in value]}
    if kind is dict:
        pairs = [[encode_state(k), encode_state(v)] for k, v in value.items()]
        return {_TAG: "dict", "v": pairs}
    if kind in (set, frozenset):
        return {_TAG: kind.__name__, "v": [encode_state(item) for item in value]}
    if kind is date:
        return {_TAG: "date", "v": value.isoformat()}
    if kind is timedelta:
        return {_TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if attrs.has(kind):
        fields = [[f.name, encode_state(getattr(value, f.name))] for f in attrs.fields(kind)]
        return {_TAG: "attrs", "c": get_topic(kind), "v": fields}
    raise SnapshotEncodingError(
        f"a snapshot cannot store a {kind.__module__}.{kind.__qualname__} exactly"
    )


def decode_state(data: Any) -> Any:
    """The value :func:`encode_state` wrote as ``data`` (as the transcoder gives it back)."""
    if isinstance(data, list):
        return [decode_state(item) for item in data]
    if not isinstance(data, dict):
        return data
    tag = data[_TAG]
    items = data["v"]
    if tag == "tuple":
        return tuple(decode_state(item) for item in items)
    if tag == "dict":
        return {decode_state(k): decode_state(v) for k, v in items}
    if tag == "frozenset":
        return frozenset(decode_state(item) for item in items)
    if tag == "set":
        return {decode_state(item) for item in items}
    if tag == "enum":
        return resolve_topic(data["c"])(decode_state(items))
    if tag == "date":
        return date.fromisoformat(items)
    if tag == "timedelta":
        days, seconds, microseconds = items
        return timedelta(days=days, seconds=seconds, microseconds=microseconds)
    if tag == "attrs":
        value_type = resolve_topic(data["c"])
        value = object.__new__(value_type)
        for name, item in items:
            object.__setattr__(value, name, decode_state(item))
        return value
    raise SnapshotEncodingError(f"unknown snapshot tag {tag!r}")


@cache
def schema() -> str:
    """The digest of the domain's source and of the encoding that snapshots are valid for."""
    digest = hashlib.sha256(ENCODING.encode())
    root = Path(libops.domain.__file__).parent
    sources = sorted(root.rglob("*.py"))
    if not sources:  # run from a zip or a frozen build: trust the release's version
        digest.update(str(getattr(sys.modules["libops"], "__version__", "")).encode())
    for path in sources:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


class StateSnapshot(Snapshot):
    """The state of a libops aggregate at one version, stored exactly (module docstring)."""

    TOPIC = SNAPSHOT_TOPIC

    @classmethod
    def take(cls, aggregate: Any) -> StateSnapshot:
        """A snapshot of ``aggregate`` as it is now."""
        state = dict(vars(aggregate))
        for name in ("_id", "_version", "_pending_events"):
            state.pop(name, None)
        class_version = getattr(type(aggregate), "class_version", 1)
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=cls.create_timestamp(),
            topic=get_topic(type(aggregate)),
            state={
                "schema": schema(),
                "class_version": class_version,
                "attributes": encode_state(state),
            },
        )

    @property
    def usable(self) -> bool:
        """Whether it was taken under the current schema (else the events are replayed)."""
        return isinstance(self.state, dict) and self.state.get("schema") == schema()

    def mutate(self, _: None) -> BaseAggregate[UUID]:
        """The aggregate as it was when the snapshot was taken."""
        aggregate_type = cast(type[BaseAggregate[UUID]], resolve_topic(self.topic))
        state: dict[str, Any] = decode_state(self.state["attributes"])
        from_version = self.state.get("class_version", 1)
        while from_version < getattr(aggregate_type, "class_version", 1):
            getattr(aggregate_type, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        state["_id"] = self.originator_id
        state["_version"] = self.originator_version
        state["_pending_events"] = []
        aggregate = object.__new__(aggregate_type)
        object.__setattr__(aggregate, "__dict__", state)
        return aggregate


register_topic(SNAPSHOT_TOPIC, StateSnapshot)


class SnapshotStore(EventStore[UUID]):
    """The store of snapshots: a libops snapshot of another schema is passed over."""

    def get(
        self,
        originator_id: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[Any]:
        found = super().get(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        return (s for s in found if not isinstance(s, StateSnapshot) or s.usable)

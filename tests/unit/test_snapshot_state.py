"""How a snapshot stores an aggregate's state: every value reads back exactly, type for type.

eventsourcing's JSON transcoder turns tuples into lists and cannot store dicts keyed by
enumerations or ids; libops's snapshots tag such values so that they come back as they were.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from libops import ContentType, MetricSnapshot, Money, Platform, PostStatus
from libops.adapters.transcoding import register_libops_transcodings
from libops.application.snapshots import (
    SnapshotEncodingError,
    decode_state,
    encode_state,
    schema,
)
from libops.domain.budget import BudgetCategory
from libops.domain.post import PlatformStatus, PublishFailure


def same(left: Any, right: Any) -> bool:
    """Equal, with the same type at every level (a tuple is not a list, a set not a
    frozenset, True not 1)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(
            same(k1, k2) and same(v1, right[k2])
            for k1, k2, v1 in zip(left, right, left.values(), strict=True)
        )
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, (set, frozenset)):
        return left == right and all(any(same(a, b) for b in right) for a in left)
    if attrs.has(type(left)):
        return all(
            same(getattr(left, f.name), getattr(right, f.name)) for f in attrs.fields(type(left))
        )
    return bool(left == right)


def transcoder() -> JSONTranscoder:
    """The transcoder a libops store uses."""
    made = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        made.register(transcoding)
    register_libops_transcodings(made)
    return made


def stored_and_read(value: Any) -> Any:
    codec = transcoder()
    return decode_state(codec.decode(codec.encode(encode_state(value))))


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
enums = st.sampled_from([*Platform, *ContentType, *PostStatus, *PlatformStatus, *BudgetCategory])
hashables = st.one_of(
    st.text(max_size=5),
    st.integers(),
    st.uuids(),
    enums,
    moments,
    st.tuples(st.integers(), st.text(max_size=3)),
    st.frozensets(st.integers(), max_size=3),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.text(max_size=10),
    st.uuids(),
    moments,
    st.dates(),
    st.timedeltas(),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    enums,
    st.builds(Money, st.decimals(min_value=0, max_value=10**9, places=2).map(str)),
    st.builds(
        MetricSnapshot,
        st.sampled_from(list(Platform)),
        moments,
        reads=st.integers(0, 10**9),
        followers_gained=st.none() | st.integers(0, 100),
    ),
    st.builds(PublishFailure, st.text(max_size=5), st.booleans(), moments),
)
states = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(hashables, inner, max_size=4),
        st.sets(hashables, max_size=4),
        st.frozensets(hashables, max_size=4),
    ),
    max_leaves=25,
)


class TestStateEncoding:
    @given(states)
    def test_any_state_reads_back_exactly(self, value: Any) -> None:
        """Nested tuples, lists, sets, dicts keyed by anything hashable, enumerations, ids,
        times, dates, spans, decimals and attrs values come back as they were."""
        assert same(stored_and_read(value), value)

    def test_tuples_are_not_lists(self) -> None:
        """What the plain transcoder loses is kept: tuple, enum keys, frozensets."""
        value = {Platform.WEIBO: (1, 2), "keys": frozenset({"a"}), "list": [(3,)]}
        back = stored_and_read(value)
        assert same(back, value)
        assert not same(transcoder().decode(transcoder().encode({"t": (1, 2)})), {"t": (1, 2)})

    def test_attrs_values_are_restored_without_converters(self) -> None:
        """A value is restored field by field, exactly as held (no validator re-runs)."""
        failure = PublishFailure("rate limited", True, datetime(2026, 3, 1, tzinfo=UTC))
        assert same(stored_and_read(failure), failure)
        money = Money("12.30")
        assert same(stored_and_read({"m": money}), {"m": money})
        assert str(stored_and_read(money).amount) == "12.30"

    def test_an_unknown_type_is_refused(self) -> None:
        """A value the encoding cannot store exactly is refused when the snapshot is taken;
        any enumeration, a date, a span and a decimal are stored."""

        class Opaque:
            pass

        with pytest.raises(SnapshotEncodingError):
            encode_state({"x": Opaque()})

        class Flag(enum.Flag):
            A = 1

        assert stored_and_read((Flag.A, date(2026, 1, 1), timedelta(1), Decimal("1.0"))) == (
            Flag.A,
            date(2026, 1, 1),
            timedelta(1),
            Decimal("1.0"),
        )

    def test_schema_is_a_stable_digest(self) -> None:
        """The schema a snapshot is valid for is a digest of the domain's source."""
        assert schema() == schema()
        assert len(schema()) == 32

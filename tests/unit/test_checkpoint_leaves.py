"""The leaf hashes checkpoints compute from stored rows are those :mod:`libops.verify` defines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libops.application.checkpoints import leaf_hashes
from libops.verify import leaf_bytes, leaf_hash

ROWS = st.tuples(
    st.integers(0, 2**64 - 1),
    st.text(max_size=40),
    st.integers(0, 2**64 - 1),
    st.text(max_size=40),
    st.binary(max_size=600),
)


class TestLeafHashes:
    @given(st.lists(ROWS, max_size=20))
    def test_the_same_as_leaf_hash_of_leaf_bytes(
        self, rows: list[tuple[int, str, int, str, bytes]]
    ) -> None:
        """Each row's hash is ``leaf_hash(leaf_bytes(...))`` of the same fields."""
        stored = [(p, i.encode(), v, t.encode(), s) for p, i, v, t, s in rows]
        assert leaf_hashes(stored) == [leaf_hash(leaf_bytes(*row)) for row in rows]

    def test_a_row_with_no_leaf_encoding_is_named(self) -> None:
        """A version beyond 64 bits, or a state that is no bytes, raises ValueError naming it."""
        good = (1, b"a", 1, b"t", b"s")
        with pytest.raises(ValueError, match="event 2 "):
            leaf_hashes([good, (2, b"a", 2**64, b"t", b"s")])
        with pytest.raises(ValueError, match="event 3 "):
            leaf_hashes([good, (3, b"a", 1, b"t", None)])  # type: ignore[list-item]  # altered

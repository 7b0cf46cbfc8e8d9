"""The Merkle tree, proofs and signed checkpoints of libops.verify, checked against RFC 9162.

The reference functions here are written afresh from the RFC's definitions (sections 2.1.1,
2.1.3.1 and 2.1.4.1), with slices and hashlib only, so that the module is compared with the
RFC rather than with itself.
"""

from __future__ import annotations

import ast
import hashlib
import struct
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from libops import verify
from libops.verify import (
    EMPTY_ROOT,
    Frontier,
    checkpoint_bytes,
    checkpoint_time,
    consistency_proof,
    first_broken_checkpoint,
    inclusion_proof,
    leaf_bytes,
    leaf_hash,
    node_hash,
    root,
    sign_checkpoint,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)

# --- RFC 9162, written afresh -------------------------------------------------------------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def rfc_mth(hashes: list[bytes]) -> bytes:
    """MTH over leaf hashes (section 2.1.1)."""
    if not hashes:
        return _sha(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = _k(len(hashes))
    return _sha(b"\x01" + rfc_mth(hashes[:k]) + rfc_mth(hashes[k:]))


def rfc_path(m: int, hashes: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) (section 2.1.3.1)."""
    if len(hashes) == 1:
        return []
    k = _k(len(hashes))
    if m < k:
        return [*rfc_path(m, hashes[:k]), rfc_mth(hashes[k:])]
    return [*rfc_path(m - k, hashes[k:]), rfc_mth(hashes[:k])]


def rfc_subproof(m: int, hashes: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) (section 2.1.4.1)."""
    if m == len(hashes):
        return [] if whole else [rfc_mth(hashes)]
    k = _k(len(hashes))
    if m <= k:
        return [*rfc_subproof(m, hashes[:k], whole), rfc_mth(hashes[k:])]
    return [*rfc_subproof(m - k, hashes[k:], False), rfc_mth(hashes[:k])]


def leaves(n: int, salt: bytes = b"") -> list[bytes]:
    """n distinct leaf hashes."""
    return [_sha(b"\x00" + salt + i.to_bytes(4, "big")) for i in range(n)]


def flip(data: bytes, at: int) -> bytes:
    """``data`` with one bit of byte ``at`` (modulo its length) flipped."""
    at %= len(data)
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


trees = st.lists(st.binary(max_size=12), min_size=1, max_size=80, unique=True).map(
    lambda data: [leaf_hash(d) for d in data]
)


# --- the leaves ---------------------------------------------------------------------------------


def parse_leaf(data: bytes) -> tuple[int, str, int, str, bytes]:
    """Read leaf data back as the module's docstring lays it out (which proves it injective)."""
    position, n = struct.unpack_from(">QI", data, 0)
    aggregate_id = data[12 : 12 + n].decode()
    at = 12 + n
    version, t = struct.unpack_from(">QI", data, at)
    topic = data[at + 12 : at + 12 + t].decode()
    at += 12 + t
    (s,) = struct.unpack_from(">I", data, at)
    state = data[at + 4 : at + 4 + s]
    assert at + 4 + s == len(data), "trailing bytes"
    return position, aggregate_id, version, topic, state


class TestLeaves:
    def test_the_layout_is_the_documented_one(self) -> None:
        """An event's bytes are position, id, version, topic and state, lengths before texts."""
        data = leaf_bytes(7, "ab", 2, "t:É", b"\x00\x01")
        assert data == (
            b"\x00\x00\x00\x00\x00\x00\x00\x07"
            b"\x00\x00\x00\x02ab"
            b"\x00\x00\x00\x00\x00\x00\x00\x02"
            b"\x00\x00\x00\x04t:\xc3\x89"
            b"\x00\x00\x00\x02\x00\x01"
        )

    @pytest.mark.parametrize(
        ("one", "other"),
        [
            ((1, "ab", 1, "c", b""), (1, "a", 1, "bc", b"")),
            ((1, "a", 1, "b", b"c"), (1, "a", 1, "bc", b"")),
            ((1, "", 1, "ab", b""), (1, "ab", 1, "", b"")),
            ((1, "a\x00\x00\x00\x01b", 1, "", b""), (1, "a", 1, "b", b"")),
            ((256, "a", 1, "", b""), (1, "\x00a", 1, "", b"")),
            ((1, "a", 2, "", b""), (1, "a", 1, "\x01", b"")),
        ],
    )
    def test_events_that_concatenate_alike_differ(
        self,
        one: tuple[int, str, int, str, bytes],
        other: tuple[int, str, int, str, bytes],
    ) -> None:
        """Events whose fields run together the same way still have different bytes."""
        assert leaf_bytes(*one) != leaf_bytes(*other)

    @given(
        st.integers(0, 2**64 - 1),
        st.text(),
        st.integers(0, 2**64 - 1),
        st.text(),
        st.binary(),
    )
    def test_the_bytes_read_back_as_the_event(
        self, position: int, aggregate_id: str, version: int, topic: str, state: bytes
    ) -> None:
        """Every event's bytes parse back to that event, so no two events share their bytes."""
        data = leaf_bytes(position, aggregate_id, version, topic, state)
        assert parse_leaf(data) == (position, aggregate_id, version, topic, state)

    @pytest.mark.parametrize(("position", "version"), [(-1, 1), (2**64, 1), (1, -1), (1, 2**64)])
    def test_numbers_beyond_eight_bytes_have_no_encoding(self, position: int, version: int) -> None:
        """A position or version outside 0 .. 2**64 - 1 is refused with a ValueError."""
        with pytest.raises(ValueError, match="no leaf encoding"):
            leaf_bytes(position, "a", version, "t", b"")

    def test_leaf_and_node_hashes_are_prefixed(self) -> None:
        """A leaf hashes with 0x00 in front, a node with 0x01 and its two children."""
        assert leaf_hash(b"abc") == _sha(b"\x00abc")
        assert node_hash(b"L" * 32, b"R" * 32) == _sha(b"\x01" + b"L" * 32 + b"R" * 32)
        assert leaf_hash(b"") != node_hash(b"", b"")


# --- the tree -----------------------------------------------------------------------------------

CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
"""The test vectors of Certificate Transparency's reference implementations (RFC 6962 trees,
the same as RFC 9162's): the roots of the first 1 .. 8 of these leaves."""


class TestRoot:
    def test_the_empty_tree_is_the_hash_of_nothing(self) -> None:
        """MTH({}) is SHA-256 of no bytes, e3b0c442...b855."""
        expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        assert EMPTY_ROOT.hex() == expected
        assert root([]) == EMPTY_ROOT
        assert Frontier().root() == EMPTY_ROOT

    @pytest.mark.parametrize("size", range(1, 9))
    def test_certificate_transparency_vectors(self, size: int) -> None:
        """The roots of CT's test leaves are the published ones, by root() and by Frontier."""
        hashes = [leaf_hash(data) for data in CT_LEAVES[:size]]
        frontier = Frontier()
        frontier.extend(hashes)
        assert root(hashes).hex() == CT_ROOTS[size - 1]
        assert frontier.root().hex() == CT_ROOTS[size - 1]

    def test_small_trees_by_hand(self) -> None:
        """Trees of 1, 2, 3 and 5 leaves have the shapes section 2.1.1 gives them."""
        a, b, c, d, e = leaves(5)
        ab, cd = _sha(b"\x01" + a + b), _sha(b"\x01" + c + d)
        assert root([a]) == a
        assert root([a, b]) == ab
        assert root([a, b, c]) == _sha(b"\x01" + ab + c)
        assert root([a, b, c, d, e]) == _sha(b"\x01" + _sha(b"\x01" + ab + cd) + e)

    @pytest.mark.parametrize("size", range(71))
    def test_root_is_the_rfc_root(self, size: int) -> None:
        """root() agrees with MTH written afresh for every size up to 70."""
        assert root(leaves(size)) == rfc_mth(leaves(size))


class TestFrontier:
    def test_the_root_at_every_size_is_the_rfc_root(self) -> None:
        """Appending leaf after leaf, the frontier's root is MTH of the leaves so far."""
        hashes = leaves(70)
        frontier = Frontier()
        for size in range(71):
            assert frontier.size == size
            assert frontier.root() == rfc_mth(hashes[:size])
            if size < 70:
                frontier.append(hashes[size])

    @given(st.integers(0, 3000))
    def test_random_sizes(self, size: int) -> None:
        """For any size, the frontier's root is root() of the same leaves."""
        hashes = leaves(size)
        frontier = Frontier()
        frontier.extend(hashes)
        assert frontier.size == size
        assert frontier.root() == root(hashes)

    @given(st.integers(0, 200), st.integers(0, 200))
    def test_a_stored_frontier_carries_on(self, first: int, more: int) -> None:
        """A frontier written with to_dict and read with from_dict continues the same tree."""
        hashes = leaves(first + more)
        frontier = Frontier()
        frontier.extend(hashes[:first])
        stored = frontier.to_dict()
        assert stored["size"] == first
        again = Frontier.from_dict(stored)
        again.extend(hashes[first:])
        assert again.root() == rfc_mth(hashes)

    def test_a_copy_is_independent(self) -> None:
        """Extending a copy leaves the original as it was."""
        frontier = Frontier()
        frontier.extend(leaves(5))
        copy = frontier.copy()
        copy.append(leaves(6)[5])
        assert (frontier.size, copy.size) == (5, 6)
        assert frontier.root() == rfc_mth(leaves(5))

    @pytest.mark.parametrize(
        "data",
        [
            {},
            {"size": -1, "nodes": []},
            {"size": True, "nodes": ["00" * 32]},
            {"size": "1", "nodes": ["00" * 32]},
            {"size": 3, "nodes": ["00" * 32]},
            {"size": 1, "nodes": "00" * 32},
            {"size": 1, "nodes": ["00" * 31]},
            {"size": 1, "nodes": ["AA" * 32]},
            {"size": 1, "nodes": [None]},
        ],
    )
    def test_a_malformed_frontier_is_refused(self, data: dict[str, object]) -> None:
        """A stored frontier with a bad size, node count or node text raises ValueError."""
        with pytest.raises(ValueError, match=r"frontier|hexadecimal"):
            Frontier.from_dict(data)


# --- inclusion proofs ---------------------------------------------------------------------------


class TestInclusion:
    @pytest.mark.parametrize("size", range(1, 34))
    def test_every_leaf_of_small_trees(self, size: int) -> None:
        """Every leaf's proof is the RFC's PATH and verifies against the root."""
        hashes = leaves(size)
        top = rfc_mth(hashes)
        for index in range(size):
            proof = inclusion_proof(hashes, index)
            assert proof == rfc_path(index, hashes)
            assert verify_inclusion(hashes[index], index, size, proof, top)

    @given(trees, st.data())
    def test_forged_proofs_fail(self, hashes: list[bytes], data: st.DataObject) -> None:
        """A proof with a flipped bit, a wrong index, a wrong size, another leaf or a hash more
        or less does not verify."""
        size = len(hashes)
        index = data.draw(st.integers(0, size - 1), label="index")
        proof = inclusion_proof(hashes, index)
        top = root(hashes)
        assert verify_inclusion(hashes[index], index, size, proof, top)

        if proof:
            at = data.draw(st.integers(0, len(proof) - 1), label="flipped hash")
            byte = data.draw(st.integers(0, 31), label="flipped byte")
            forged = [*proof[:at], flip(proof[at], byte), *proof[at + 1 :]]
            assert not verify_inclusion(hashes[index], index, size, forged, top)
            assert not verify_inclusion(hashes[index], index, size, proof[:-1], top)
        assert not verify_inclusion(hashes[index], index, size, [*proof, top], top)
        assert not verify_inclusion(flip(hashes[index], 0), index, size, proof, top)
        assert not verify_inclusion(hashes[index], index, size, proof, flip(top, 0))

        if size > 1:
            other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other")
            assert not verify_inclusion(hashes[other], index, size, proof, top)
            assert not verify_inclusion(hashes[index], other, size, proof, top)

        # The size comes with the root from a signed checkpoint; a wrong one fails whenever
        # it gives the leaf a path of another length (the same length is the same shape).
        wrong = data.draw(st.integers(1, 2 * size).filter(lambda s: s != size), label="size")
        if index >= wrong or len(rfc_path(index, leaves(wrong))) != len(proof):
            assert not verify_inclusion(hashes[index], index, wrong, proof, top)

    @pytest.mark.parametrize(("size", "index"), [(0, 0), (1, 1), (5, 5), (5, -1)])
    def test_a_leaf_outside_the_tree_has_no_proof(self, size: int, index: int) -> None:
        """Asking for the proof of a leaf the tree does not have raises ValueError."""
        with pytest.raises(ValueError, match=f"leaf {index} is not in a tree of {size} leaves"):
            inclusion_proof(leaves(size), index)

    @pytest.mark.parametrize(("size", "index"), [(0, 0), (1, 1), (5, 7), (5, -1)])
    def test_an_index_outside_the_tree_does_not_verify(self, size: int, index: int) -> None:
        """A claimed index outside 0 .. size - 1 fails, whatever the proof."""
        assert not verify_inclusion(leaves(1)[0], index, size, [], leaves(1)[0])

    def test_the_only_leaf_is_its_own_root(self) -> None:
        """In a tree of one leaf the proof is empty and the leaf hash is the root."""
        (only,) = leaves(1)
        assert inclusion_proof([only], 0) == []
        assert verify_inclusion(only, 0, 1, [], only)


# --- consistency proofs -------------------------------------------------------------------------


class TestConsistency:
    def test_every_pair_of_sizes_up_to_40(self) -> None:
        """For every 0 <= old <= new <= 40 the proof is the RFC's and verifies."""
        hashes = leaves(40)
        roots = [rfc_mth(hashes[:size]) for size in range(41)]
        for new in range(41):
            for old in range(new + 1):
                proof = consistency_proof(hashes[:new], old)
                expected = [] if old in (0, new) else rfc_subproof(old, hashes[:new], True)
                assert proof == expected, (old, new)
                assert verify_consistency(old, new, roots[old], roots[new], proof), (old, new)

    @given(trees, st.data())
    def test_forged_proofs_fail(self, hashes: list[bytes], data: st.DataObject) -> None:
        """A proof with a flipped bit or a hash more or less, another root, or sizes that give
        the proof another length does not verify."""
        new = len(hashes)
        old = data.draw(st.integers(0, new), label="old size")
        proof = consistency_proof(hashes, old)
        old_root, new_root = root(hashes[:old]), root(hashes)
        assert verify_consistency(old, new, old_root, new_root, proof)
        if old in (0, new):
            assert not verify_consistency(old, new, old_root, new_root, [new_root])
            return

        at = data.draw(st.integers(0, len(proof) - 1), label="flipped hash")
        byte = data.draw(st.integers(0, 31), label="flipped byte")
        forged = [*proof[:at], flip(proof[at], byte), *proof[at + 1 :]]
        assert not verify_consistency(old, new, old_root, new_root, forged)
        assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
        assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])
        assert not verify_consistency(old, new, flip(old_root, 0), new_root, proof)
        assert not verify_consistency(old, new, old_root, flip(new_root, 0), proof)
        assert not verify_consistency(old, new, new_root, new_root, proof)

        # As for inclusion, the sizes come signed with the roots: other sizes fail whenever
        # the RFC would give them a proof of another length.
        other_old = data.draw(st.integers(1, new - 1), label="other old size")
        other_new = data.draw(st.integers(other_old + 1, 2 * new), label="other new size")
        if (other_old, other_new) != (old, new):
            shape = leaves(other_new)
            if len(rfc_subproof(other_old, shape, True)) != len(proof):
                assert not verify_consistency(other_old, other_new, old_root, new_root, proof)

    def test_a_tree_is_consistent_with_itself_only_with_its_own_root(self) -> None:
        """Equal sizes need an empty proof and equal roots."""
        a, b = root(leaves(3)), root(leaves(3, b"other"))
        assert verify_consistency(3, 3, a, a, [])
        assert not verify_consistency(3, 3, a, b, [])
        assert not verify_consistency(3, 3, a, a, [a])

    def test_every_tree_extends_the_empty_tree(self) -> None:
        """From size 0 the proof is empty and any later tree is consistent with it."""
        assert consistency_proof(leaves(5), 0) == []
        assert verify_consistency(0, 5, EMPTY_ROOT, root(leaves(5)), [])
        assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])

    @pytest.mark.parametrize(("old", "new"), [(5, 4), (-1, 3), (1, 0)])
    def test_a_tree_cannot_shrink(self, old: int, new: int) -> None:
        """An old size beyond the new one, or below 0, does not verify and has no proof."""
        assert not verify_consistency(old, new, EMPTY_ROOT, EMPTY_ROOT, [])
        with pytest.raises(ValueError, match=f"no earlier size {old}"):
            consistency_proof(leaves(new), old)


# --- checkpoints --------------------------------------------------------------------------------

TIME = "2026-03-01T08:00:00Z"


class TestCheckpoints:
    def test_the_signed_bytes_are_the_documented_ones(self) -> None:
        """The signed text is a header line, the size, the root in hex and the time."""
        top = bytes(range(32))
        assert checkpoint_bytes(42, top, TIME) == (
            b"libops checkpoint v1\n42\n" + top.hex().encode() + b"\n2026-03-01T08:00:00Z\n"
        )

    def test_a_signature_verifies_with_the_public_key(self) -> None:
        """A checkpoint signed with a key verifies with its raw 32-byte public key."""
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes_raw()
        top = root(leaves(9))
        signature = sign_checkpoint(key, 9, top, TIME)
        assert len(signature) == 64
        assert verify_checkpoint(public, 9, top, TIME, signature)

    @given(st.data())
    def test_any_change_fails(self, data: st.DataObject) -> None:
        """Another size, root, time, signature or key does not verify."""
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes_raw()
        size = data.draw(st.integers(0, 2**64), label="size")
        top = data.draw(st.binary(min_size=32, max_size=32), label="root")
        moment = data.draw(
            st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))
        )
        time = checkpoint_time(moment)
        signature = sign_checkpoint(key, size, top, time)
        assert verify_checkpoint(public, size, top, time, signature)

        byte = data.draw(st.integers(0, 63), label="flipped byte")
        later = checkpoint_time(moment + timedelta(seconds=data.draw(st.integers(1, 10**6))))
        other_key = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        assert not verify_checkpoint(public, size + 1, top, time, signature)
        assert not verify_checkpoint(public, size, flip(top, byte), time, signature)
        assert not verify_checkpoint(public, size, top, later, signature)
        assert not verify_checkpoint(public, size, top, time, flip(signature, byte))
        assert not verify_checkpoint(other_key, size, top, time, signature)

    @pytest.mark.parametrize(
        ("size", "top", "time"),
        [
            (-1, b"\x00" * 32, TIME),
            (1, b"\x00" * 31, TIME),
            (1, b"\x00" * 32, "2026-03-01T08:00:00+00:00"),
            (1, b"\x00" * 32, "2026-03-01T08:00:00.5Z"),
            (1, b"\x00" * 32, "2026-02-30T08:00:00Z"),
            (1, b"\x00" * 32, "2026-03-01 08:00:00Z"),
            (1, b"\x00" * 32, "2026-03-01T08:00:00Z\n"),
        ],
    )
    def test_a_malformed_checkpoint_is_refused(self, size: int, top: bytes, time: str) -> None:
        """Signing a malformed checkpoint raises ValueError; verifying one returns False."""
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes_raw()
        with pytest.raises(ValueError, match="checkpoint"):
            sign_checkpoint(key, size, top, time)
        assert not verify_checkpoint(public, size, top, time, b"\x00" * 64)

    def test_a_short_public_key_is_the_verifiers_mistake(self) -> None:
        """A public key that is not 32 bytes raises ValueError rather than failing quietly."""
        with pytest.raises(ValueError, match="32 bytes"):
            verify_checkpoint(b"\x00" * 31, 1, b"\x00" * 32, TIME, b"\x00" * 64)

    def test_checkpoint_time_writes_utc_to_the_second(self) -> None:
        """A moment in any time zone is written in UTC, seconds truncated, with a Z."""
        paris = timezone(timedelta(hours=1))
        moment = datetime(2026, 3, 1, 9, 0, 0, 750000, tzinfo=paris)
        assert checkpoint_time(moment) == TIME
        with pytest.raises(ValueError, match="no time zone"):
            checkpoint_time(datetime(2026, 3, 1, 8, 0))


# --- checking a log against its checkpoints -----------------------------------------------------


def log(n: int) -> list[tuple[int, str, int, str, bytes]]:
    """n events as a store would hold them (position from 1)."""
    return [(i + 1, f"agg-{i % 3}", i // 3 + 1, "Post.Created", bytes([i]) * 5) for i in range(n)]


def hashes_of(events: list[tuple[int, str, int, str, bytes]]) -> list[bytes]:
    return [leaf_hash(leaf_bytes(*event)) for event in events]


def checkpoints_of(events: list[tuple[int, str, int, str, bytes]]) -> list[tuple[int, bytes]]:
    """Checkpoints at sizes 0, 5, 10, ... and the whole log."""
    hashes = hashes_of(events)
    sizes = sorted({*range(0, len(events), 5), len(events)})
    return [(size, rfc_mth(hashes[:size])) for size in sizes]


class TestFirstBrokenCheckpoint:
    EVENTS = log(23)
    CHECKPOINTS = checkpoints_of(EVENTS)

    def _first_broken_size(self, events: list[tuple[int, str, int, str, bytes]]) -> int | None:
        broken = first_broken_checkpoint(hashes_of(events), self.CHECKPOINTS)
        return None if broken is None else broken[0]

    def test_an_untouched_log_matches_every_checkpoint(self) -> None:
        """The log as checkpointed breaks none of its checkpoints, and may have grown since."""
        assert self._first_broken_size(self.EVENTS) is None
        assert self._first_broken_size(log(30)) is None

    @pytest.mark.parametrize("at", [0, 4, 5, 12, 22])
    def test_a_flipped_byte(self, at: int) -> None:
        """A changed state breaks the first checkpoint that covers the event."""
        events = list(self.EVENTS)
        position, ident, version, topic, state = events[at]
        events[at] = (position, ident, version, topic, flip(state, 2))
        assert self._first_broken_size(events) == min(s for s, _ in self.CHECKPOINTS if s > at)

    def test_a_deleted_row(self) -> None:
        """Deleting event 12 breaks the checkpoint at 15."""
        assert self._first_broken_size(self.EVENTS[:12] + self.EVENTS[13:]) == 15

    def test_two_rows_swapped(self) -> None:
        """Swapping events 6 and 7 breaks the checkpoint at 10."""
        events = list(self.EVENTS)
        events[6], events[7] = events[7], events[6]
        assert self._first_broken_size(events) == 10

    def test_a_truncated_log(self) -> None:
        """A log cut to 21 events breaks the checkpoint at 23 that it can no longer reach."""
        assert self._first_broken_size(self.EVENTS[:21]) == 23
        assert self._first_broken_size(self.EVENTS[:20]) == 23

    def test_an_inserted_row(self) -> None:
        """An event slipped in at 17 breaks the checkpoint at 20."""
        extra = (99, "agg-9", 1, "Post.Created", b"forged")
        assert self._first_broken_size([*self.EVENTS[:17], extra, *self.EVENTS[17:]]) == 20

    def test_it_carries_on_from_a_trusted_frontier(self) -> None:
        """Given the frontier at 10, only the events after it are read; the frontier is kept."""
        hashes = hashes_of(self.EVENTS)
        start = Frontier()
        start.extend(hashes[:10])
        later = [c for c in self.CHECKPOINTS if c[0] >= 10]
        assert first_broken_checkpoint(hashes[10:], later, start) is None
        assert start.size == 10
        forged = [*hashes[10:17], flip(hashes[17], 0), *hashes[18:]]
        assert first_broken_checkpoint(forged, later, start) == later[2]

    def test_checkpoints_out_of_order_are_refused(self) -> None:
        """Checkpoints not sorted by size raise ValueError."""
        with pytest.raises(ValueError, match="sort them by size"):
            first_broken_checkpoint(hashes_of(self.EVENTS), self.CHECKPOINTS[::-1])


# --- standing alone -----------------------------------------------------------------------------


class TestStandingAlone:
    def test_it_imports_only_the_standard_library_and_cryptography(self) -> None:
        """Every import of libops/verify.py, anywhere in it, is stdlib or cryptography."""
        source = Path(verify.__file__).read_text(encoding="utf-8")
        imported: list[str] = []
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, "a relative import"
                imported.append(node.module or "")
        assert imported, "no imports found: the check is not looking"
        allowed = sys.stdlib_module_names | {"cryptography"}
        outside = [name for name in imported if name.split(".")[0] not in allowed]
        assert outside == []

    def test_it_runs_without_libops(self) -> None:
        """Loaded from its file with libops made unimportable, the module computes a root."""
        script = (
            "import importlib.util, sys\n"
            "sys.modules['libops'] = None\n"
            f"spec = importlib.util.spec_from_file_location('verify', {verify.__file__!r})\n"
            "module = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(module)\n"
            "print(module.root([module.leaf_hash(b'')]).hex())\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == CT_ROOTS[0]

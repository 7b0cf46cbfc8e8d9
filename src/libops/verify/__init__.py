"""Tamper evidence for the event log: a Merkle tree over it, proofs and signed checkpoints.

This module is written for an auditor. It imports only the Python standard library and
`cryptography` (for Ed25519), nothing else from libops, so it can be read in one sitting and
copied out and run on its own. The tree is the one of Certificate Transparency, RFC 9162
("Certificate Transparency Version 2.0"), section 2.1; the section numbers below are that RFC's.

The leaves
----------
Leaf number ``i`` (counting from 0) is the ``i``-th event of the notification log, in log order.
Its *leaf data* is the event's canonical bytes (``leaf_bytes``), in this order, with no padding
and no separators::

    8 bytes   position        unsigned, big-endian (the event's notification id in the log)
    4 bytes   n               unsigned, big-endian: length in bytes of the aggregate id
    n bytes   aggregate id    UTF-8 (a UUID as ``uuid.hex``: 32 lower-case hex digits)
    8 bytes   version         unsigned, big-endian (the event's version in its aggregate)
    4 bytes   t               unsigned, big-endian: length in bytes of the topic
    t bytes   topic           UTF-8
    4 bytes   s               unsigned, big-endian: length in bytes of the stored state
    s bytes   stored state    exactly the bytes in the store (compressed and encrypted as stored)

Each variable-length field carries its length, so no two different events have the same leaf
data: for example the id ``"ab"`` with the topic ``"c"`` differs from ``"a"`` with ``"bc"``.
A UUID is written without hyphens because that is how eventsourcing keeps it in SQLite, so rows
read straight from the store need no conversion.

The hash covers the *stored* state, ciphertext included, so erasing a reader's personal data
(throwing away the key that decrypts it) leaves every hash unchanged and the log still verifies.

The tree (section 2.1.1)
------------------------
With SHA-256 as ``HASH`` and ``||`` for concatenation, the Merkle Tree Hash of a list of ``n``
leaf data ``D[n] = {d(0), ..., d(n-1)}`` is::

    MTH({})    = HASH()                                    the hash of no bytes at all
    MTH({d0})  = HASH(0x00 || d0)                          a leaf hash (``leaf_hash``)
    MTH(D[n])  = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   for n > 1 (``node_hash``),
                 where k is the largest power of two smaller than n

The prefixes 0x00 and 0x01 keep a leaf from ever being mistaken for an inner node (a second
preimage attack). The tree and proof functions below take *leaf hashes*, not leaf data: the
caller hashes each event once with ``leaf_hash(leaf_bytes(...))``.

A ``Frontier`` (a "compact range") holds the roots of the perfect subtrees that make up the
tree so far, one per 1-bit of its size, so that appending a leaf costs one hash on average and
the root of the whole tree is a fold of at most 64 hashes. A checkpoint stores its frontier;
the next checkpoint starts from it and hashes only the events recorded since.

Proofs
------
An *inclusion proof* (section 2.1.3) shows that one event is leaf ``index`` of the tree with a
given root: the list of sibling hashes on the path from the leaf to the root. A *consistency
proof* (section 2.1.4) shows that the tree of an earlier checkpoint is a prefix of a later one:
the log only grew, nothing before the earlier size was changed, removed or reordered. Both are
built as the RFC defines them (sections 2.1.3.1 and 2.1.4.1) and checked with the RFC's
verification algorithms (sections 2.1.3.2 and 2.1.4.2), which need no leaves at all. The RFC
defines consistency proofs for 0 < old size < new size only; for the other cases this module
decides:

* consistency of a tree with itself: the proof is empty and the two roots must be equal
  (as in transparency-dev/merkle, the Go library behind Trillian);
* consistency from the empty tree (size 0): the proof is empty and any later tree is consistent
  with it, since every log begins empty (transparency-dev/merkle refuses this case as
  meaningless; accepting it lets a log's first checkpoint be treated like every other);
* a proof with sizes or indices out of range does not verify (the functions return False);
  *building* a proof for an index or size out of range raises ValueError.

A proof ties a leaf, or an older root, to a root; the tree's size is taken on trust from the
signed checkpoint that carries that root (RFC 9162 takes it from the signed tree head). Check
the checkpoint's signature first, then the proof against its size and root.

Checkpoints
-----------
A checkpoint is a signed statement "the log had ``size`` events and its tree had this ``root`` at
this ``time``". The signed bytes (``checkpoint_bytes``) are four lines of ASCII text, each ended
by one line feed (0x0A)::

    libops checkpoint v1
    <size, in decimal, without leading zeros>
    <root, 64 lower-case hexadecimal digits>
    <time, UTC, exactly YYYY-MM-DDTHH:MM:SSZ>

The signature is Ed25519 (RFC 8032) over those bytes, 64 bytes long; the public key is its raw
32 bytes. The signing key is kept outside the event store, so whoever can rewrite the store
cannot sign a checkpoint for the rewritten log. To verify a log, recompute the tree over the
events in order and compare its root at each checkpoint's size with the checkpoint's root
(``first_broken_checkpoint``), after checking each checkpoint's signature.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import struct
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "EMPTY_ROOT",
    "Frontier",
    "LogReport",
    "Problem",
    "StoredCheckpoint",
    "check_log",
    "checkpoint_bytes",
    "checkpoint_time",
    "consistency_proof",
    "first_broken_checkpoint",
    "inclusion_proof",
    "leaf_bytes",
    "leaf_hash",
    "main",
    "node_hash",
    "read_bundle",
    "root",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]

_sha256 = hashlib.sha256

HASH_SIZE = 32
"""Bytes in a SHA-256 hash, hence in a leaf hash, a node hash and a root."""

EMPTY_ROOT = _sha256(b"").digest()
"""MTH({}): the root of the tree with no leaves, SHA-256 of no bytes (section 2.1.1)."""

_NUMBER_AND_LENGTH = struct.Struct(">QI")
"""An 8-byte number (position or version) and the 4-byte length of the text that follows it."""
_LENGTH = struct.Struct(">I")


# --- the leaves ---------------------------------------------------------------------------------


def leaf_bytes(position: int, aggregate_id: str, version: int, topic: str, state: bytes) -> bytes:
    """The canonical bytes of one stored event, as laid out in the module's docstring."""
    ident = aggregate_id.encode("utf-8")
    name = topic.encode("utf-8")
    try:
        return (
            _NUMBER_AND_LENGTH.pack(position, len(ident))
            + ident
            + _NUMBER_AND_LENGTH.pack(version, len(name))
            + name
            + _LENGTH.pack(len(state))
            + state
        )
    except struct.error:
        raise ValueError(
            f"event {position} (version {version}) has no leaf encoding: position and version "
            "must be whole numbers from 0 to 2**64 - 1, and the aggregate id, topic and state "
            "shorter than 2**32 bytes"
        ) from None


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || data) (section 2.1.1)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256(0x01 || left || right) (section 2.1.1)."""
    return _sha256(b"\x01" + left + right).digest()


# --- the tree -----------------------------------------------------------------------------------


def _split(n: int) -> int:
    """k, the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]), written as section 2.1.1 defines it."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[start]
    k = _split(n)
    return node_hash(_mth(leaves, start, start + k), _mth(leaves, start + k, end))


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the leaves (section 2.1.1); EMPTY_ROOT for none."""
    return _mth(leaf_hashes, 0, len(leaf_hashes))


class Frontier:
    """The tree so far, kept as the roots of its perfect subtrees, largest (leftmost) first.

    A tree of 13 = 0b1101 leaves is kept as the roots of its first 8 leaves, the next 4 and the
    last 1. Appending a leaf merges equal-sized subtrees from the right, as adding 1 to a binary
    number carries; ``root()`` folds the subtrees from the right into MTH of all the leaves.
    """

    __slots__ = ("_nodes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._nodes: list[bytes] = []

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        """Add the next leaf of the log, given its leaf hash."""
        nodes, node, size = self._nodes, leaf_hash, self._size
        # Each trailing 1-bit of the size is a subtree as big as the one being carried left.
        while size & 1:
            node = _sha256(b"\x01" + nodes.pop() + node).digest()
            size >>= 1
        nodes.append(node)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Add the next leaves of the log, in order, given their leaf hashes."""
        append = self.append
        for leaf in leaf_hashes:
            append(leaf)

    def root(self) -> bytes:
        """MTH of all the leaves appended so far (EMPTY_ROOT for none)."""
        if not self._nodes:
            return EMPTY_ROOT
        nodes = iter(reversed(self._nodes))
        result = next(nodes)
        for left in nodes:
            result = node_hash(left, result)
        return result

    def copy(self) -> Frontier:
        """Another frontier of the same leaves, to extend without changing this one."""
        other = Frontier()
        other._size, other._nodes = self._size, list(self._nodes)
        return other

    def to_dict(self) -> dict[str, int | list[str]]:
        """A plain form to store beside a checkpoint: the size and the subtree roots in hex."""
        return {"size": self._size, "nodes": [node.hex() for node in self._nodes]}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Frontier:
        """The frontier ``to_dict`` wrote, checked to be well formed."""
        size, nodes = data.get("size"), data.get("nodes")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"a frontier's size must be a whole number >= 0, not {size!r}")
        if not isinstance(nodes, list) or not all(isinstance(node, str) for node in nodes):
            raise ValueError("a frontier's nodes must be a list of hexadecimal strings")
        if len(nodes) != size.bit_count():
            raise ValueError(
                f"a frontier of size {size} has {size.bit_count()} nodes, not {len(nodes)}"
            )
        frontier = cls()
        frontier._size = size
        frontier._nodes = [_hash_from_hex(node) for node in nodes]
        return frontier


def _hash_from_hex(text: str) -> bytes:
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValueError(f"{text!r} is not a hash written as 64 lower-case hexadecimal digits")
    return bytes.fromhex(text)


# --- inclusion proofs (section 2.1.3) -----------------------------------------------------------


def _path(m: int, leaves: Sequence[bytes], start: int, end: int) -> list[bytes]:
    """PATH(m, D[start:end]) as section 2.1.3.1 defines it."""
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, leaves, start, start + k), _mth(leaves, start + k, end)]
    return [*_path(m - k, leaves, start + k, end), _mth(leaves, start, start + k)]


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path proving that leaf ``index`` is in the tree of these leaves (2.1.3.1).

    Building it hashes the whole tree once; checking it takes a few dozen hashes.
    """
    if not 0 <= index < len(leaf_hashes):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaf_hashes)} leaves")
    return _path(index, leaf_hashes, 0, len(leaf_hashes))


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf ``index`` of a tree of ``size`` leaves with this root
    to have this leaf hash (the algorithm of section 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    # fn is the node's number on its level, sn the number of the level's last node.
    for p in proof:
        if sn == 0:  # the root is reached, yet the proof goes on
            return False
        if fn & 1 or fn == sn:  # a right child, or the last node of a level: p is on its left
            r = node_hash(p, r)
            # Up through the levels where the last node has no sibling and is carried up as is.
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# --- consistency proofs (section 2.1.4) ---------------------------------------------------------


def _subproof(m: int, leaves: Sequence[bytes], start: int, end: int, whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[start:end], whole) as section 2.1.4.1 defines it."""
    n = end - start
    if m == n:
        return [] if whole else [_mth(leaves, start, end)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves, start, start + k, whole), _mth(leaves, start + k, end)]
    return [*_subproof(m - k, leaves, start + k, end, False), _mth(leaves, start, start + k)]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """The proof that the tree of the first ``old_size`` leaves is a prefix of the tree of all
    of them (section 2.1.4.1); empty when ``old_size`` is 0 or all the leaves.

    Building it hashes the whole tree once; checking it takes a few dozen hashes.
    """
    if not 0 <= old_size <= len(leaf_hashes):
        raise ValueError(f"a tree of {len(leaf_hashes)} leaves has no earlier size {old_size}")
    if old_size in (0, len(leaf_hashes)):
        return []
    return _subproof(old_size, leaf_hashes, 0, len(leaf_hashes), True)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree of ``old_size`` leaves with ``old_root`` to be a prefix
    of the tree of ``new_size`` leaves with ``new_root`` (the algorithm of section 2.1.4.2)."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old tree is a subtree of the new
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:  # start at the largest perfect subtree ending at the old tree's last leaf
        fn >>= 1
        sn >>= 1
    # fr rebuilds the old root and sr the new one from the same hashes: the nodes left of the
    # old tree's right edge belong to both trees, those to its right only to the new one.
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


# --- checkpoints --------------------------------------------------------------------------------

_CHECKPOINT_HEADER = b"libops checkpoint v1\n"
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)


def checkpoint_time(moment: datetime) -> str:
    """A moment as a checkpoint writes it: UTC, to the second, YYYY-MM-DDTHH:MM:SSZ."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone, so it names no single moment")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def checkpoint_bytes(size: int, root: bytes, time: str) -> bytes:
    """The bytes a checkpoint's signature covers, as laid out in the module's docstring."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"a checkpoint's size must be a whole number >= 0, not {size!r}")
    if len(root) != HASH_SIZE:
        raise ValueError(f"a checkpoint's root is {HASH_SIZE} bytes, not {len(root)}")
    if not _TIME.fullmatch(time):
        raise ValueError(f"a checkpoint's time is written YYYY-MM-DDTHH:MM:SSZ, not {time!r}")
    try:
        datetime.strptime(time, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ValueError(f"a checkpoint's time {time!r} is no moment of the calendar") from None
    return _CHECKPOINT_HEADER + f"{size}\n{root.hex()}\n{time}\n".encode("ascii")


def sign_checkpoint(private_key: Ed25519PrivateKey, size: int, root: bytes, time: str) -> bytes:
    """The Ed25519 signature (64 bytes) of a checkpoint."""
    return private_key.sign(checkpoint_bytes(size, root, time))


def verify_checkpoint(
    public_key_bytes: bytes, size: int, root: bytes, time: str, signature: bytes
) -> bool:
    """Whether ``signature`` is the signature of this checkpoint by the holder of this key.

    A malformed checkpoint does not verify; a public key that is not 32 bytes raises ValueError,
    since that is a mistake of whoever verifies rather than evidence of tampering.
    """
    if len(public_key_bytes) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, not {len(public_key_bytes)}")
    public_key = Ed25519PublicKey.from_public_bytes(public_key_bytes)
    try:
        public_key.verify(signature, checkpoint_bytes(size, root, time))
    except (InvalidSignature, ValueError):
        return False
    return True


def first_broken_checkpoint(
    leaf_hashes: Iterable[bytes],
    checkpoints: Sequence[tuple[int, bytes]],
    start: Frontier | None = None,
) -> tuple[int, bytes] | None:
    """The first ``(size, root)`` checkpoint that the log's leaves do not reproduce, or None.

    ``leaf_hashes`` are the log's leaf hashes in order, read once, only as far as the last
    checkpoint; they follow on from ``start`` (a frontier trusted already) or begin the log.
    A checkpoint beyond the end of the leaves is broken: the log lost events it once had.
    """
    frontier = start.copy() if start is not None else Frontier()
    leaves = iter(leaf_hashes)
    for size, expected in checkpoints:
        if size < frontier.size:
            raise ValueError(
                f"checkpoint of size {size} comes after size {frontier.size}: sort them by size"
            )
        frontier.extend(islice(leaves, size - frontier.size))
        if frontier.size != size or frontier.root() != expected:
            return size, expected
    return None


# --- checking a whole log ---------------------------------------------------------------


class Problem(NamedTuple):
    """The first place where a log and its checkpoints disagree.

    ``kind`` is ``changed`` (an event altered, or two exchanged), ``missing`` (an event or
    a checkpoint removed), ``added`` (an event put in among covered ones), ``truncated``
    (the log cut short) or ``checkpoint`` (a checkpoint altered, unreadable or signed with
    another key).
    """

    position: int
    kind: str
    message: str


class StoredCheckpoint(NamedTuple):
    """A checkpoint as the log keeps it: the signed statement, and what it newly covers.

    ``position`` is the checkpoint's own place in the log (it is an event too);
    ``leaves`` holds, in base64, the 32-byte leaf hash of each event it newly covers, whose
    positions ``positions`` lists as ``[first, last]`` ranges; ``frontier`` is the tree's
    frontier at ``size`` (``Frontier.to_dict``).
    """

    position: int
    size: int
    last_position: int
    root: str
    signed_at: str
    signature: str
    public_key: str
    frontier: Mapping[str, object]
    leaves: str
    positions: Sequence[Sequence[int]]


class LogReport(NamedTuple):
    """What ``check_log`` found."""

    checkpoints: int
    """How many checkpoints the log holds."""
    covered: int
    """How many events were found as the checkpoints cover them."""
    checked: int
    """How many events were read."""
    problem: Problem | None
    public_keys: tuple[str, ...]
    """The keys of the checkpoints that hold, in the order first used."""

    @property
    def intact(self) -> bool:
        """Whether every checkpoint holds and every covered event matches."""
        return self.problem is None

    @property
    def uncovered(self) -> int:
        """Events read after the last checkpoint's (not yet covered by any); 0 if not intact."""
        return self.checked - self.covered if self.problem is None else 0


class _Link(NamedTuple):
    """A checkpoint that holds, with its leaf hashes (32 bytes each, one after the other)."""

    checkpoint: StoredCheckpoint
    leaves: bytes


def _chain(
    checkpoints: Iterable[StoredCheckpoint], pinned: str | None
) -> tuple[list[_Link], list[Problem]]:
    """The checkpoints that hold, in size order, and a problem for each one that does not.

    A checkpoint holds when its signature verifies (with the pinned key, if one is given),
    it continues the one before (its new leaves start where that one ended), and its leaf
    hashes give its signed root and its frontier.
    """
    frontier = Frontier()
    links: list[_Link] = []
    problems: list[Problem] = []
    for cp in sorted(checkpoints, key=lambda c: (c.size, c.position)):
        at = cp.position
        where = f"the checkpoint of size {cp.size} (position {at})"
        try:
            leaves = base64.b64decode(cp.leaves, validate=True)
            root_hash = bytes.fromhex(cp.root)
            signature, key = bytes.fromhex(cp.signature), bytes.fromhex(cp.public_key)
            positions = [p for first, last in cp.positions for p in range(first, last + 1)]
            if len(key) != 32 or len(leaves) % HASH_SIZE:
                raise ValueError("a public key or leaf hash of the wrong length")
        except (ValueError, TypeError, binascii.Error) as error:
            problems.append(Problem(at, "checkpoint", f"{where} is malformed: {error}"))
            continue
        hashes = [leaves[i : i + HASH_SIZE] for i in range(0, len(leaves), HASH_SIZE)]
        if pinned is not None and cp.public_key.lower() != pinned:
            problems.append(Problem(at, "checkpoint", f"{where} is signed with another key"))
            continue
        if not verify_checkpoint(key, cp.size, root_hash, cp.signed_at, signature):
            problems.append(Problem(at, "checkpoint", f"the signature of {where} does not verify"))
            continue
        if cp.size <= frontier.size:
            problems.append(Problem(at, "added", f"{where} repeats a size already signed"))
            continue
        if frontier.size + len(hashes) != cp.size:
            first = positions[0] if positions else at
            message = f"position {first} is missing: the checkpoint before {where} was removed"
            problems.append(Problem(first, "missing", message))
            break  # what follows cannot be tied to the signed roots
        trial = frontier.copy()
        trial.extend(hashes)
        if (
            len(hashes) != len(positions)
            or trial.root() != root_hash
            or trial.to_dict() != dict(cp.frontier)
        ):
            message = f"the leaf hashes {where} keeps do not give its root"
            problems.append(Problem(at, "checkpoint", message))
            continue
        frontier = trial
        links.append(_Link(cp, leaves))
    return links, problems


class _Covered:
    """What the checkpoints cover, in log order, read from the front: runs of consecutive
    positions, each with the leaf hashes kept for it."""

    def __init__(self, links: list[_Link]) -> None:
        # (first position, how many, the leaf hashes they are in, where the first one is)
        self._runs: list[tuple[int, int, bytes, int]] = []
        for link in links:
            index = 0
            for start, end in link.checkpoint.positions:
                if end >= start:
                    self._runs.append((start, end - start + 1, link.leaves, index * HASH_SIZE))
                    index += end - start + 1
        self._run = 0
        self._done = 0  # of the current run
        self.read = 0
        """How many events were found as covered so far."""

    def run(self) -> tuple[int, int, bytes, int] | None:
        """What is left of the current run (None when all is read)."""
        if self._run == len(self._runs):
            return None
        first, count, leaves, offset = self._runs[self._run]
        done = self._done
        return first + done, count - done, leaves, offset + done * HASH_SIZE

    def want(self) -> tuple[int, bytes] | None:
        """The next (position, leaf hash) expected, or None when all is read."""
        run = self.run()
        if run is None:
            return None
        position, _left, leaves, offset = run
        return position, leaves[offset : offset + HASH_SIZE]

    def advance(self, count: int) -> None:
        """Move on by ``count`` events, all within the current run."""
        self._done += count
        self.read += count
        if self._done == self._runs[self._run][1]:
            self._run, self._done = self._run + 1, 0


def _mismatch(at: int, leaf: bytes, want: tuple[int, bytes]) -> Problem | None:
    """What is wrong with the event at ``at`` where the checkpoints expect ``want``."""
    position, expected = want
    if at < position:
        return Problem(
            at,
            "added",
            f"position {at} holds an event inside the checkpointed log that no checkpoint "
            "covered: it was added",
        )
    if at > position:
        return Problem(
            position,
            "missing",
            f"position {position} is missing: the event the checkpoints covered there was removed",
        )
    if leaf != expected:
        return Problem(
            position,
            "changed",
            f"the event at position {position} is not the one the checkpoints covered: it "
            "was changed or moved",
        )
    return None


def _compare(
    positions: Sequence[int], hashes: Sequence[bytes], covering: _Covered
) -> tuple[int, Problem | None]:
    """Compare one page of the log with what the checkpoints cover next: how many of its
    events were read (all, unless a problem stopped it) and the problem found, if any.

    A run of events that are all where and as covered is compared in one go (their leaf
    hashes joined against those kept); only a run that differs is gone through one event at
    a time, to name the first that does not match.
    """
    size = len(positions)
    if covering.run() is None:
        return size, None  # recorded after the last checkpoint: nothing to compare
    done = 0
    while done < size and (run := covering.run()) is not None:
        position, left, leaves, offset = run
        n = min(size - done, left)
        if (
            positions[done] == position
            and positions[done + n - 1] == position + n - 1
            and b"".join(hashes[done : done + n]) == leaves[offset : offset + n * HASH_SIZE]
        ):
            covering.advance(n)
            done += n
            continue
        for index in range(done, done + n):
            want = covering.want()
            assert want is not None  # n is within the current run
            found = _mismatch(positions[index], hashes[index], want)
            if found is not None:
                return index + 1, found
            covering.advance(1)
        done += n
    return size, None


def check_log_pages(
    pages: Iterable[tuple[Sequence[int], Sequence[bytes]]],
    checkpoints: Iterable[StoredCheckpoint],
    *,
    public_key: str | None = None,
    kept: tuple[int, str, int] | None = None,
    unreadable: Iterable[Problem] = (),
) -> LogReport:
    """Check a log's events, page by page, against its checkpoints, naming the first thing
    wrong.

    Each page is the positions of some events in log order and their leaf hashes (a leaf
    hash that cannot be computed, say for a row with its state gone, is ``b""``, which
    matches nothing). ``public_key`` (hex) pins the key every checkpoint must be signed
    with; ``kept`` is ``(size, root hex, last position)`` of a checkpoint kept outside the
    log, which the log must still hold (a log cut short before its checkpoints takes them
    with it); ``unreadable`` holds a problem for each checkpoint that could not be read.
    When several things are wrong, the one at the lowest position is named.
    """
    checkpoints = list(checkpoints)
    pinned = None if public_key is None else public_key.lower()
    links, problems = _chain(checkpoints, pinned)
    unread = list(unreadable)
    # At one position, an unreadable checkpoint says more than the gap it leaves.
    problems[:0] = unread
    covering = _Covered(links)
    checked = last_seen = 0
    found: Problem | None = None
    for positions, hashes in pages:
        if not positions:
            continue
        last_seen = positions[-1]
        read, found = _compare(positions, hashes, covering)
        checked += read
        if found is not None:
            break
    want = covering.want()
    if found is None and want is not None:
        message = (
            f"the log ends before position {want[0]}, which the checkpoints covered: it was "
            "cut short"
        )
        found = Problem(want[0], "truncated", message)
    if found is not None:
        problems.append(found)
    if kept is not None:
        problems.extend(_kept_missing(links, kept, last_seen))
    return LogReport(
        checkpoints=len(checkpoints) + len(unread),
        covered=covering.read,
        checked=checked,
        problem=min(problems, key=lambda p: p.position) if problems else None,
        public_keys=tuple(dict.fromkeys(link.checkpoint.public_key for link in links)),
    )


def check_log(
    rows: Iterable[tuple[int, bytes]],
    checkpoints: Iterable[StoredCheckpoint],
    *,
    public_key: str | None = None,
    kept: tuple[int, str, int] | None = None,
    page: int = 5_000,
) -> LogReport:
    """Like ``check_log_pages``, for the events as ``(position, leaf hash)`` one by one."""

    def pages() -> Iterable[tuple[Sequence[int], Sequence[bytes]]]:
        iterator = iter(rows)
        while batch := list(islice(iterator, page)):
            yield [position for position, _ in batch], [leaf for _, leaf in batch]

    return check_log_pages(pages(), checkpoints, public_key=public_key, kept=kept)


def _kept_missing(links: list[_Link], kept: tuple[int, str, int], last_seen: int) -> list[Problem]:
    size, root_hex, last_position = kept
    for link in links:
        cp = link.checkpoint
        if cp.size == size:
            if cp.root == root_hex:
                return []
            message = f"the checkpoint of size {size} in the log is not the one kept"
            return [Problem(cp.position, "checkpoint", message)]
    if last_seen <= last_position:
        message = (
            f"the log was cut short: position {last_seen + 1} and after, which the kept "
            f"checkpoint covered (up to {last_position}), are gone"
        )
        return [Problem(last_seen + 1, "truncated", message)]
    message = f"the kept checkpoint of size {size} is no longer in the log: it was removed"
    return [Problem(last_position + 1, "missing", message)]


# --- audit bundles ------------------------------------------------------------------------

BUNDLE_FORMAT = "libops audit bundle"
"""The first line's ``format``: what ``libops audit export`` writes."""


def read_bundle(
    lines: Iterable[str],
) -> tuple[dict[str, object], list[StoredCheckpoint], Iterable[tuple[int, bytes]]]:
    """A bundle's header, its checkpoints, and its events as ``(position, leaf hash)``.

    A bundle is JSON Lines (UTF-8, one JSON value a line): first a header object
    ``{"format": "libops audit bundle", "version": 1, "events": n, "checkpoints": k, ...}``,
    then ``k`` lines ``{"checkpoint": {...}}`` with the fields of ``StoredCheckpoint``, then
    ``n`` lines ``{"event": [position, aggregate id, version, topic, stored state in
    base64]}`` in log order. The events are read lazily, one line at a time; a line that is
    not what it should be raises ValueError naming its line number.
    """
    numbered = enumerate(lines, start=1)
    try:
        _, first = next(numbered)
    except StopIteration:
        raise ValueError("the bundle is empty") from None
    header = _json_line(1, first)
    if header.get("format") != BUNDLE_FORMAT or header.get("version") != 1:
        raise ValueError(f"line 1 is not the header of a {BUNDLE_FORMAT}, version 1")
    count = header.get("checkpoints")
    if not isinstance(count, int) or count < 0:
        raise ValueError("line 1: the header does not say how many checkpoints follow")
    checkpoints: list[StoredCheckpoint] = []
    for number, line in islice(numbered, count):
        data = _json_line(number, line).get("checkpoint")
        if not isinstance(data, dict):
            raise ValueError(f"line {number} is not a checkpoint")
        try:
            checkpoints.append(StoredCheckpoint(**data))
        except TypeError as error:
            raise ValueError(f"line {number}: {error}") from None

    def rows() -> Iterable[tuple[int, bytes]]:
        for number, (position, aggregate_id, version, topic, state) in _events(numbered):
            try:
                data = leaf_bytes(position, aggregate_id, version, topic, state)
            except (AttributeError, TypeError, ValueError) as error:
                raise ValueError(f"line {number} is not an event: {error}") from None
            yield position, leaf_hash(data)

    return header, checkpoints, rows()


BundleEvent = tuple[int, str, int, str, bytes]
"""One event of a bundle: position, aggregate id, version, topic and stored state."""


def _events(numbered: Iterable[tuple[int, str]]) -> Iterable[tuple[int, BundleEvent]]:
    """The bundle's event lines, by line number, as they were stored."""
    for number, line in numbered:
        event = _json_line(number, line).get("event")
        if not isinstance(event, list) or len(event) != 5:
            raise ValueError(f"line {number} is not an event")
        position, aggregate_id, version, topic, state = event
        try:
            stored = base64.b64decode(state, validate=True)
        except (TypeError, ValueError, binascii.Error) as error:
            raise ValueError(f"line {number} is not an event: {error}") from None
        yield number, (position, aggregate_id, version, topic, stored)


def bundle_events(lines: Iterable[str]) -> Iterable[BundleEvent]:
    """The events of a bundle (after its header and checkpoints), exactly as stored."""
    numbered = enumerate(lines, start=1)
    header = _json_line(1, next(numbered, (1, "null"))[1])
    count = header.get("checkpoints")
    if header.get("format") != BUNDLE_FORMAT or not isinstance(count, int):
        raise ValueError(f"line 1 is not the header of a {BUNDLE_FORMAT}")
    for _ in islice(numbered, count):
        pass
    return (event for _, event in _events(numbered))


def _json_line(number: int, line: str) -> dict[str, object]:
    try:
        value = json.loads(line)
    except ValueError as error:
        raise ValueError(f"line {number} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ValueError(f"line {number} is not a JSON object")
    return value


def _kept(path: str) -> tuple[int, str, int]:
    """(size, root, last position) of a checkpoint kept as ``libops audit checkpoint`` gave it."""
    with open(path, encoding="utf-8") as file:
        lines = file.read().strip().splitlines()
    fields = dict(line.split(" ", 1) for line in lines[4:] if " " in line)
    if len(lines) < 4 or lines[0] != "libops checkpoint v1" or "last-position" not in fields:
        raise ValueError(f"{path} is not a kept libops checkpoint")
    return int(lines[1]), lines[2], int(fields["last-position"])


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m libops.verify BUNDLE [--public-key HEX] [--kept FILE]``; 0 when intact."""
    parser = argparse.ArgumentParser(
        prog="python -m libops.verify",
        description="Check a libops audit bundle: every checkpoint's signature, and every "
        "event against the checkpoints. Exit code 0 when intact, 1 when not, 2 when the "
        "bundle or the kept checkpoint cannot be read.",
    )
    parser.add_argument("bundle", help="the bundle (JSON Lines), as `libops audit export` wrote it")
    parser.add_argument(
        "--public-key", help="the key (64 hex digits) every checkpoint must be signed with"
    )
    parser.add_argument(
        "--kept",
        help="a checkpoint kept outside the store, as `libops audit checkpoint` printed it",
    )
    args = parser.parse_args(argv)
    try:
        kept = None if args.kept is None else _kept(args.kept)
        with open(args.bundle, encoding="utf-8") as lines:
            _, checkpoints, rows = read_bundle(lines)
            report = check_log(rows, checkpoints, public_key=args.public_key, kept=kept)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if report.problem is not None:
        problem = report.problem
        print(f"{problem.kind} at position {problem.position}: {problem.message}", file=sys.stderr)
        return 1
    print(
        f"intact: {report.checkpoints} checkpoints cover {report.covered} of {report.checked} "
        f"events; signed with {', '.join(report.public_keys) or 'no key'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

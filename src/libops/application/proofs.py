"""Proofs against signed checkpoints: one event is in the log, and the log only grew.

An **inclusion proof** shows that the event at a position is leaf ``index`` of the tree whose
root a checkpoint signed; a **consistency proof** shows that the tree of an earlier
checkpoint is a prefix of a later one's (nothing before the earlier size was changed,
removed or reordered). Both are built from the leaf hashes the checkpoints keep (no event is
read) and checked with :func:`libops.verify.verify_inclusion` and
:func:`libops.verify.verify_consistency`, which need nothing but the proof and the signed
roots.
"""

from __future__ import annotations

import base64
from typing import Any

import attrs

from libops.application.app import LibOpsApplication
from libops.application.bundle import stored_checkpoints
from libops.domain.errors import InvalidValueError
from libops.verify import HASH_SIZE, StoredCheckpoint, consistency_proof, inclusion_proof


@attrs.frozen
class InclusionProof:
    """The event at ``position`` is leaf ``index`` of the tree of ``size`` leaves with ``root``."""

    position: int
    index: int
    size: int
    leaf_hash: str
    root: str
    proof: tuple[str, ...]
    """The sibling hashes from the leaf up to the root (hex), as RFC 9162 section 2.1.3."""
    signed_at: str
    signature: str
    public_key: str
    """The checkpoint that signed ``root`` at ``size``: check its signature first."""

    def to_dict(self) -> dict[str, Any]:
        """A plain form (for JSON)."""
        return {**attrs.asdict(self), "proof": list(self.proof)}


@attrs.frozen
class ConsistencyProof:
    """The tree of ``old_size`` leaves (``old_root``) is a prefix of the tree of ``new_size``."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: tuple[str, ...]
    """The hashes of RFC 9162 section 2.1.4 (hex)."""

    def to_dict(self) -> dict[str, Any]:
        """A plain form (for JSON)."""
        return {**attrs.asdict(self), "proof": list(self.proof)}


def _chain(app: LibOpsApplication) -> list[StoredCheckpoint]:
    checkpoints = sorted(stored_checkpoints(app), key=lambda c: c.size)
    if not checkpoints:
        raise InvalidValueError("the log has no checkpoint yet: record one first")
    return checkpoints


def _checkpoint(checkpoints: list[StoredCheckpoint], size: int | None) -> StoredCheckpoint:
    if size is None:
        return checkpoints[-1]
    for checkpoint in checkpoints:
        if checkpoint.size == size:
            return checkpoint
    sizes = ", ".join(str(c.size) for c in checkpoints)
    raise InvalidValueError(f"no checkpoint has the size {size}; there are: {sizes}")


def _leaves(
    checkpoints: list[StoredCheckpoint], upto: StoredCheckpoint
) -> tuple[list[bytes], list[int]]:
    """The leaf hashes and positions the checkpoints up to ``upto`` cover, in order."""
    hashes: list[bytes] = []
    positions: list[int] = []
    for checkpoint in checkpoints:
        if checkpoint.size > upto.size:
            break
        raw = base64.b64decode(checkpoint.leaves)
        hashes.extend(raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE))
        positions.extend(p for first, last in checkpoint.positions for p in range(first, last + 1))
    if len(hashes) != upto.size or len(positions) != upto.size:
        raise InvalidValueError(
            f"the checkpoints do not cover {upto.size} events: run `libops audit verify`"
        )
    return hashes, positions


def whole_number(name: str, value: Any) -> int:
    """``value`` if it is a whole number (not a bool); else :class:`InvalidValueError` naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(f"{name} is a whole number, not {value!r}")
    return value


def prove_inclusion(
    app: LibOpsApplication, position: int, *, size: int | None = None
) -> InclusionProof:
    """The proof that the event at ``position`` is in the tree of the checkpoint of ``size``
    (the latest checkpoint by default)."""
    position = whole_number("a log position", position)
    checkpoints = _chain(app)
    checkpoint = _checkpoint(checkpoints, None if size is None else whole_number("a size", size))
    hashes, positions = _leaves(checkpoints, checkpoint)
    try:
        index = positions.index(position)
    except ValueError:
        raise InvalidValueError(
            f"position {position} is not among the events the checkpoint of size "
            f"{checkpoint.size} covers"
        ) from None
    return InclusionProof(
        position=position,
        index=index,
        size=checkpoint.size,
        leaf_hash=hashes[index].hex(),
        root=checkpoint.root,
        proof=tuple(node.hex() for node in inclusion_proof(hashes, index)),
        signed_at=checkpoint.signed_at,
        signature=checkpoint.signature,
        public_key=checkpoint.public_key,
    )


def prove_consistency(
    app: LibOpsApplication, old_size: int, new_size: int | None = None
) -> ConsistencyProof:
    """The proof that the checkpoint of ``old_size`` is a prefix of the one of ``new_size``
    (the latest by default)."""
    checkpoints = _chain(app)
    old = _checkpoint(checkpoints, whole_number("a size", old_size))
    new = _checkpoint(checkpoints, None if new_size is None else whole_number("a size", new_size))
    if old.size > new.size:
        raise InvalidValueError(f"the old size {old.size} is after the new size {new.size}")
    hashes, _ = _leaves(checkpoints, new)
    return ConsistencyProof(
        old_size=old.size,
        new_size=new.size,
        old_root=old.root,
        new_root=new.root,
        proof=tuple(node.hex() for node in consistency_proof(hashes, old.size)),
    )

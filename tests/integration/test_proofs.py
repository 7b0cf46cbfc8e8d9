"""Inclusion and consistency proofs against the store's signed checkpoints."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner

from libops import InvalidValueError, LibOps, Money, Period, cli
from libops.verify import (
    leaf_bytes,
    leaf_hash,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from tests.actors import AUDITOR, OWNER

PERIOD = Period(date(2026, 1, 1), date(2026, 12, 31))


def grow(ops: LibOps, count: int) -> None:
    budget_id = ops.budgets.open(OWNER, name="FY", period=PERIOD)
    for _ in range(count - 1):
        ops.budgets.allocate(OWNER, budget_id, "promotion", Money("1.00"))


def hashes(proof: list[str] | tuple[str, ...]) -> list[bytes]:
    return [bytes.fromhex(node) for node in proof]


class TestProofs:
    def test_every_covered_event_is_proved_and_a_forgery_fails(self, ops: LibOps) -> None:
        """Each covered event's proof verifies against the signed root; altered ones do not."""
        grow(ops, 9)
        first = ops.audit.checkpoint(AUDITOR)
        grow(ops, 6)
        latest = ops.audit.checkpoint(AUDITOR)
        assert first is not None
        assert latest is not None
        for position in range(1, latest.last_position + 1):
            proof = ops.audit.prove_inclusion(position)
            assert proof.size == latest.size
            root = bytes.fromhex(proof.root)
            assert verify_checkpoint(
                bytes.fromhex(proof.public_key),
                proof.size,
                root,
                proof.signed_at,
                bytes.fromhex(proof.signature),
            )
            nodes = hashes(proof.proof)
            leaf = bytes.fromhex(proof.leaf_hash)
            assert verify_inclusion(leaf, proof.index, proof.size, nodes, root)
            if nodes:
                forged = [bytes([nodes[0][0] ^ 1]) + nodes[0][1:], *nodes[1:]]
                assert not verify_inclusion(leaf, proof.index, proof.size, forged, root)
            other = leaf_hash(b"another event")
            assert not verify_inclusion(other, proof.index, proof.size, nodes, root)
        older = ops.audit.prove_inclusion(3, size=first.size)
        assert older.root == first.root

    def test_the_leaf_is_the_stored_event(self, ops: LibOps) -> None:
        """The proved leaf hash is the hash of the event's stored bytes at that position."""
        grow(ops, 4)
        assert ops.audit.checkpoint(AUDITOR) is not None
        (notification,) = ops.app.recorder.select_notifications(2, 1)
        proof = ops.audit.prove_inclusion(2)
        originator = notification.originator_id
        assert isinstance(originator, UUID)
        data = leaf_bytes(
            2,
            originator.hex,
            notification.originator_version,
            notification.topic,
            bytes(notification.state),
        )
        assert proof.leaf_hash == leaf_hash(data).hex()

    def test_the_log_only_grew(self, ops: LibOps) -> None:
        """Every earlier checkpoint is consistent with every later one; a forgery is not."""
        sizes = []
        for count in (3, 5, 2, 7):
            grow(ops, count)
            checkpoint = ops.audit.checkpoint(AUDITOR)
            assert checkpoint is not None
            sizes.append(checkpoint.size)
        for old in sizes:
            for new in sizes[sizes.index(old) :]:
                proof = ops.audit.prove_consistency(old, new)
                old_root, new_root = bytes.fromhex(proof.old_root), bytes.fromhex(proof.new_root)
                nodes = hashes(proof.proof)
                assert verify_consistency(old, new, old_root, new_root, nodes)
                if nodes:
                    assert not verify_consistency(old, new, new_root, new_root, nodes)

    def test_bad_requests(self, memory_ops: LibOps) -> None:
        """No checkpoint yet, an uncovered position, an unknown size, sizes out of order."""
        ops = memory_ops
        grow(ops, 3)
        with pytest.raises(InvalidValueError, match="no checkpoint yet"):
            ops.audit.prove_inclusion(1)
        assert ops.audit.checkpoint(AUDITOR) is not None
        with pytest.raises(InvalidValueError, match="position 4 is not among"):
            ops.audit.prove_inclusion(4)  # the checkpoint's own event: not covered yet
        with pytest.raises(InvalidValueError, match="no checkpoint has the size 2"):
            ops.audit.prove_inclusion(1, size=2)
        with pytest.raises(InvalidValueError, match="whole number"):
            ops.audit.prove_inclusion(-1)
        grow(ops, 2)
        assert ops.audit.checkpoint(AUDITOR) is not None
        with pytest.raises(InvalidValueError, match="is after the new size"):
            ops.audit.prove_consistency(6, 3)


def test_the_command_line(tmp_path: Path) -> None:
    """`libops audit prove` and `consistency` print proofs that verify."""
    url = f"sqlite:///{tmp_path}/libops.db"
    with LibOps.open(url, migrate=True) as ops:
        grow(ops, 5)
        assert ops.audit.checkpoint(AUDITOR) is not None
        grow(ops, 3)
        assert ops.audit.checkpoint(AUDITOR) is not None
    runner = CliRunner()
    result = runner.invoke(cli.app, ["audit", "prove", "4", "--store", url])
    assert result.exit_code == 0, result.output
    proof = json.loads(result.stdout)
    assert verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["index"],
        proof["size"],
        hashes(proof["proof"]),
        bytes.fromhex(proof["root"]),
    )
    result = runner.invoke(cli.app, ["audit", "consistency", "5", "--store", url])
    assert result.exit_code == 0, result.output
    grown = json.loads(result.stdout)
    assert verify_consistency(
        5,
        grown["new_size"],
        bytes.fromhex(grown["old_root"]),
        bytes.fromhex(grown["new_root"]),
        hashes(grown["proof"]),
    )
    refused = runner.invoke(cli.app, ["audit", "prove", "99", "--store", url])
    assert refused.exit_code == 1
    assert "position 99 is not among" in refused.stderr

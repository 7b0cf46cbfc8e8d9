"""Checkpoints: signed statements of what the event log held, for tamper evidence.

A checkpoint states that the first ``size`` events of the notification log (up to position
``last_position``) have the Merkle root ``root`` (see :mod:`libops.verify` for the tree, the
leaf encoding and the signature), signed with the store's Ed25519 key at ``signed_at``. It
also keeps what the next checkpoint and a verifier need: the tree's frontier (so the next
checkpoint hashes only the events recorded since), and the leaf hash and position of every
event it newly covers (so a verifier can name the first event that no longer matches).

A checkpoint is an event of the log itself, covered by the next checkpoint. It changes no
business state, which is why auditors may record one.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.permissions import authorize
from libops.domain.values import Actor

CHECKPOINT_NAMESPACE = uuid5(NAMESPACE_URL, "https://libops.invalid/checkpoint")


class Checkpoint(Aggregate):
    """One signed checkpoint of the event log (recorded once, never changed)."""

    TOPIC = "libops:Checkpoint"

    class Event(events.Event):
        TOPIC = "libops:Checkpoint.Event"

    class Recorded(events.Created):
        """The log's Merkle root at a size was signed and recorded."""

        TOPIC = "libops:Checkpoint.Recorded"
        actor_id: str
        size: int
        last_position: int
        root: str
        signed_at: str
        signature: str
        public_key: str
        frontier: dict[str, Any]
        leaves: str
        positions: list[list[int]]

    @staticmethod
    def create_id(size: int, **_: Any) -> UUID:
        return Checkpoint.id_for(size)

    @staticmethod
    def id_for(size: int) -> UUID:
        """The id of the checkpoint at ``size`` events (one checkpoint per size)."""
        return uuid5(CHECKPOINT_NAMESPACE, f"checkpoint:{size}")

    @classmethod
    def record(cls, actor: Actor, **signed: Any) -> Checkpoint:
        """Record a checkpoint made and signed by the application (see the module's notes)."""
        authorize(actor, "audit.checkpoint")
        return cls(actor_id=actor.id, **signed)

    @event(Recorded)
    def __init__(
        self,
        actor_id: str,
        size: int,
        last_position: int,
        root: str,
        signed_at: str,
        signature: str,
        public_key: str,
        frontier: dict[str, Any],
        leaves: str,
        positions: list[list[int]],
    ) -> None:
        self.recorded_by = actor_id
        self.size = size
        self.last_position = last_position
        self.root = root
        self.signed_at = signed_at
        self.signature = signature
        self.public_key = public_key
        self.frontier = frontier
        self.leaves = leaves
        self.positions = positions

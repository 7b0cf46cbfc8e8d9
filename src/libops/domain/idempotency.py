"""Idempotency records: the first result of a command given with an idempotency key."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from libops.domain import events

IDEMPOTENCY_NAMESPACE = uuid5(NAMESPACE_URL, "https://libops.invalid/idempotency")


class IdempotencyRecord(Aggregate):
    """Remembers that a keyed command ran, with what arguments, and what it returned."""

    TOPIC = "libops:IdempotencyRecord"

    class Event(events.Event):
        TOPIC = "libops:IdempotencyRecord.Event"

    class Recorded(events.Created):
        """A keyed command ran for the first time."""

        TOPIC = "libops:IdempotencyRecord.Recorded"
        key: str
        command: str
        fingerprint: str
        result: Any

    @staticmethod
    def create_id(key: str, **_: Any) -> UUID:
        return IdempotencyRecord.id_for(key)

    @staticmethod
    def id_for(key: str) -> UUID:
        """The record id that an idempotency key maps to."""
        return uuid5(IDEMPOTENCY_NAMESPACE, key)

    @event(Recorded)
    def __init__(self, key: str, command: str, fingerprint: str, result: Any) -> None:
        self.key = key
        self.command = command
        self.fingerprint = fingerprint
        self.result = result

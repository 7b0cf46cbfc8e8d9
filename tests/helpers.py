"""Helpers shared by tests."""

from __future__ import annotations

from libops import LibOps


def count_events(ops: LibOps) -> int:
    """How many events the store holds (all aggregates)."""
    return int(ops.app.recorder.max_notification_id() or 0)

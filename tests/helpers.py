"""Helpers shared by tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from libops import LibOps


def count_events(ops: LibOps) -> int:
    """How many events the store holds (all aggregates)."""
    return int(ops.app.recorder.max_notification_id() or 0)


def copy_store(source: Path, target: Path) -> str:
    """Copy the SQLite store ``libops.db`` (and its key file) of ``source`` into ``target``;
    the copy's URL."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("libops.db", "libops.keys.db"):
        shutil.copyfile(source / name, target / name)
    return f"sqlite:///{target}/libops.db"

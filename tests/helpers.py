"""Helpers shared by tests."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from eventsourcing.domain import Aggregate

from libops import LibOps

E = TypeVar("E", bound=Exception)


def count_events(ops: LibOps) -> int:
    """How many events the store holds (all aggregates)."""
    return int(ops.app.recorder.max_notification_id() or 0)


def refused(on: LibOps | Aggregate, error: type[E], command: Callable[[], object]) -> E:
    """Run ``command``: it raises exactly ``error`` (not a subclass) and records nothing.

    ``on`` is what must stay untouched: a store (no event recorded) or an aggregate (no
    pending event, same version, same state). An aggregate's earlier pending events are
    collected first, as a save would. The error is returned for further checks.
    """
    if isinstance(on, LibOps):
        before = count_events(on)
    else:
        on.collect_events()
        # A deep copy: aggregates keep dicts and sets (entries, registrations, lines).
        version, state = on.version, copy.deepcopy(vars(on))
    with pytest.raises(error) as raised:
        command()
    assert type(raised.value) is error, raised.value
    if isinstance(on, LibOps):
        assert count_events(on) == before, "a refused command recorded events"
    else:
        assert on.version == version, "a refused command moved the aggregate's version"
        assert on.collect_events() == [], "a refused command left pending events"
        assert vars(on) == state, "a refused command changed the aggregate's state"
    return raised.value


def give(ops: LibOps, expected: type[Exception] | None, command: Callable[[], object]) -> object:
    """Run ``command``: with no ``expected`` error it succeeds and its result is returned;
    otherwise it is ``refused`` with exactly that error, recording nothing (None returned)."""
    if expected is None:
        return command()
    refused(ops, expected, command)
    return None


def copy_store(source: Path, target: Path) -> str:
    """Copy the SQLite store ``libops.db`` (and its key file) of ``source`` into ``target``;
    the copy's URL."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("libops.db", "libops.keys.db"):
        shutil.copy2(source / name, target / name)
    return f"sqlite:///{target}/libops.db"

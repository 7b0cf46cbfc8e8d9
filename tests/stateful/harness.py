"""Runs a hypothesis state machine on every kind of store: memory, SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from libops import LibOps
from tests.conftest import STORE_KINDS, postgres_schema, postgres_url_or_skip

EXAMPLES = {"memory": 1.0, "sqlite": 0.4, "postgresql": 0.25}
"""The share of the profile's max_examples each store runs (PostgreSQL is slowest)."""


class MachineStore:
    """Fresh libops stores of one kind, for the runs of one state machine."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        if kind not in EXAMPLES:
            raise ValueError(f"no such store kind: {kind!r}")
        self.kind = kind
        self._tmp_path = tmp_path

    @contextmanager
    def opened(self, **options: Any) -> Iterator[LibOps]:
        """libops on a fresh, migrated store of this kind, closed and removed afterwards."""
        with ExitStack() as cleanup:
            if self.kind == "memory":
                url = "memory://"
            elif self.kind == "sqlite":
                # A folder of its own: the store keeps its key file beside the database.
                folder = self._tmp_path / uuid.uuid4().hex
                folder.mkdir()
                cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
                url = f"sqlite:///{folder}/libops.db"
            else:
                url = cleanup.enter_context(postgres_schema(prefix="m"))
            yield cleanup.enter_context(LibOps.open(url, migrate=True, **options))

    @property
    def max_examples(self) -> int:
        """This kind's share of the hypothesis profile's examples (at least 3)."""
        return max(3, round(settings().max_examples * EXAMPLES[self.kind]))


@pytest.fixture(params=STORE_KINDS)
def machine_store(request: pytest.FixtureRequest, tmp_path: Path) -> MachineStore:
    """Each kind of store in turn; PostgreSQL skips without a server (fails where mandatory)."""
    if request.param == "postgresql":
        postgres_url_or_skip()
    return MachineStore(request.param, tmp_path)


def run_machine(
    machine: type[RuleBasedStateMachine],
    store: MachineStore,
    /,
    *,
    steps: int = 40,
    **attributes: Any,
) -> None:
    """Run ``machine`` (given ``attributes`` as class attributes) with ``store``'s examples."""
    on_store = type(f"{machine.__name__}_{store.kind}", (machine,), attributes)
    run_state_machine_as_test(
        on_store,
        settings=settings(
            settings(),
            max_examples=store.max_examples,
            stateful_step_count=steps,
            deadline=None,
        ),
    )

"""Runs a hypothesis state machine on every kind of store: memory, SQLite and PostgreSQL.

Every machine also keeps an audit trail (:class:`AuditTrail`): the state of each aggregate
after every step, as it happened, which the audit service must give back at the end.
"""

from __future__ import annotations

import copy
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, run_state_machine_as_test

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


def comparable(aggregate: Any) -> dict[str, Any]:
    """An aggregate's whole state (eventsourcing's attributes too), copied to compare later."""
    return copy.deepcopy({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})


class AuditTrail(RuleBasedStateMachine):
    """Notes every aggregate a step changed, as it was after the step; checks at the end that
    ``ops.audit`` rebuilds each of those states by version and by log position, and that
    each history lists every version once, in order."""

    ops: ClassVar[LibOps]
    VERSIONS_CHECKED: ClassVar[int] = 40
    """How many of the noted states are looked up by version (spread over the run)."""
    POSITIONS_CHECKED: ClassVar[int] = 6
    """How many of the noted states are also looked up by log position (a scan of the log)."""

    def __init__(self) -> None:
        super().__init__()
        self._audited_to = self.ops.app.recorder.max_notification_id() or 0
        self._noted: list[tuple[UUID, int, int, dict[str, Any]]] = []

    @invariant()
    def note_what_the_step_changed(self) -> None:
        last = self.ops.app.recorder.max_notification_id() or 0
        if last <= self._audited_to:
            return
        changed = self.ops.app.recorder.select_notifications(
            self._audited_to + 1, last - self._audited_to, stop=last
        )
        for aggregate_id in dict.fromkeys(n.originator_id for n in changed):
            assert isinstance(aggregate_id, UUID)
            aggregate: Any = self.ops.app.repository.get(aggregate_id)
            self._noted.append((aggregate_id, aggregate.version, last, comparable(aggregate)))
        self._audited_to = last

    def teardown(self) -> None:
        try:
            audit = self.ops.audit
            every = max(1, len(self._noted) // self.VERSIONS_CHECKED)
            for aggregate_id, version, _position, state in self._noted[::every]:
                assert comparable(audit.as_of(aggregate_id, version=version)) == state
            spread = max(1, len(self._noted) // self.POSITIONS_CHECKED)
            for aggregate_id, _version, position, state in self._noted[::spread]:
                assert comparable(audit.as_of(aggregate_id, position=position)) == state
            for aggregate_id in {noted[0] for noted in self._noted}:
                versions = [entry.version for entry in audit.history(aggregate_id)]
                current: int = self.ops.app.repository.get(aggregate_id).version
                assert versions == list(range(1, current + 1))
        finally:
            super().teardown()


def run_machine(
    machine: type[RuleBasedStateMachine],
    store: MachineStore,
    /,
    *,
    steps: int = 40,
    **attributes: Any,
) -> None:
    """Run ``machine`` (given ``attributes`` as class attributes) with ``store``'s examples."""
    on_store = type(f"{machine.__name__}_{store.kind}", (AuditTrail, machine), attributes)
    run_state_machine_as_test(
        on_store,
        settings=settings(
            settings(),
            max_examples=store.max_examples,
            stateful_step_count=steps,
            deadline=None,
        ),
    )

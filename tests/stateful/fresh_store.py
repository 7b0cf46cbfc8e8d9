"""A state machine whose every run has a fresh store of the test's kind.

For the aggregates a store holds only one of (the standing, the review checklist items):
on a store shared by the runs, that one aggregate grows with every run, and replaying it
after every step makes a run slower the later it comes. Mixed in before the machine, so
that the harness's :class:`~tests.stateful.harness.AuditTrail` audits the run's own store.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, ClassVar

from hypothesis.stateful import RuleBasedStateMachine

from libops import LibOps
from tests.stateful.harness import MachineStore


class FreshStorePerRun(RuleBasedStateMachine):
    """Opens ``store`` (with :meth:`options`) as ``ops`` when a run starts, closes it when the
    run ends (after the audit trail's checks)."""

    ops: ClassVar[LibOps]
    store: ClassVar[MachineStore]

    def options(self) -> dict[str, Any]:
        """The options of the run's store (a clock, gateways): fresh for each run."""
        return {}

    def __init__(self) -> None:
        self._run_store = ExitStack()
        type(self).ops = self._run_store.enter_context(self.store.opened(**self.options()))
        super().__init__()

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            self._run_store.close()

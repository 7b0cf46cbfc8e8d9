"""Catching the projections up, and following the log live (``libops project run --follow``)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

from libops.cli.common import stderr
from libops.projections.reports import merge_reports

if TYPE_CHECKING:
    from libops.application.risk_signals import SignalOutcome
    from libops.projections import ProjectionEngine, RunReport

FOLLOW_INTERVAL: Final = 1.0
"""Seconds ``libops project run --follow`` waits between two looks at the log."""

SIGNALS_VIEW: Final = "risk_signals"
"""The view whose outbox ``libops project run`` dispatches (``RiskSignalsProjection.name``)."""

ProjectionReports = Mapping[str, "RunReport"]


def _new_stop_event() -> threading.Event:
    """The event that ends ``--follow`` (a seam for tests; Ctrl-C ends it too)."""
    return threading.Event()


def _follow(
    engine: ProjectionEngine,
    caught_up: ProjectionReports,
    quiet: bool,
    dispatch: Callable[[], Sequence[SignalOutcome]] | None = None,
) -> dict[str, RunReport]:
    """Follow the log until stopped (by the stop event or Ctrl-C); the totals of the run.

    ``dispatch`` acts on the risk signals after each look that found new ones (the risks it
    records are applied at the next look).
    """
    totals = dict(caught_up)
    stop = _new_stop_event()
    err = stderr()
    if not quiet:
        err.print("following new events (Ctrl-C stops)")

    def show(applied: ProjectionReports, running: ProjectionReports) -> None:
        new = {name: r.applied for name, r in applied.items() if r.applied}
        if new and not quiet:
            err.print(", ".join(f"{name} +{n}" for name, n in new.items()))
        if dispatch is not None and new.get(SIGNALS_VIEW):
            raised = [o for o in dispatch() if o.recorded]
            if raised and not quiet:
                err.print(f"signals raised: {len(raised)}")

    # Ctrl-C sets the stop event, so the follower stops between rounds instead of being
    # interrupted inside a query (which would leave its connection unusable).
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = (
        signal.signal(signal.SIGINT, lambda _signum, _frame: stop.set()) if in_main_thread else None
    )
    try:
        followed = engine.follow(stop=stop, poll_interval=FOLLOW_INTERVAL, on_round=show)
    except KeyboardInterrupt:
        stop.set()
        followed = {}
    finally:
        if in_main_thread and previous is not None:
            signal.signal(signal.SIGINT, previous)
    if not quiet:
        err.print("stopped following")
    merge_reports(totals, followed)
    return totals

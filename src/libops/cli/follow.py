"""Catching the projections up, and following the log live (``libops project run --follow``)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

from libops.cli.common import stderr

if TYPE_CHECKING:
    from libops.projections import ProjectionEngine, RunReport
    from libops.projections.signals import SignalOutcome

FOLLOW_INTERVAL: Final = 1.0
"""Seconds ``libops project run --follow`` waits between two looks at the log."""

SIGNALS_VIEW: Final = "risk_signals"
"""The view whose outbox ``libops project run`` dispatches (``RiskSignalsProjection.name``)."""

ProjectionReports = Mapping[str, "RunReport"]


def _merge(totals: dict[str, RunReport], reports: ProjectionReports) -> None:
    """Add ``reports`` of one run to the running ``totals`` (positions are the latest)."""
    from libops.projections import RunReport

    for name, report in reports.items():
        before = totals.get(name)
        if before is None:
            totals[name] = report
            continue
        totals[name] = RunReport(
            name,
            before.applied + report.applied,
            before.batches + report.batches,
            before.conflicts + report.conflicts,
            report.position,
        )


def catch_up(
    engine: ProjectionEngine,
    *,
    on_batch: Callable[[ProjectionReports], None] | None = None,
    stop: threading.Event | None = None,
) -> dict[str, RunReport]:
    """Catch the projections of ``engine`` up with the log, one batch at a time.

    ``on_batch`` sees the running totals after every batch (to move a progress bar); a set
    ``stop`` ends the catch-up after the batch in progress. The engine reads the log once
    for all its projections, so give it all of them.
    """
    totals: dict[str, RunReport] = {}
    while True:
        reports = engine.run(max_batches=1)
        _merge(totals, reports)
        if not any(report.batches or report.conflicts for report in reports.values()):
            break
        if on_batch is not None:
            on_batch(totals)
        if stop is not None and stop.is_set():
            break
    return totals


def follow_projections(
    engine: ProjectionEngine,
    stop: threading.Event,
    *,
    interval: float = FOLLOW_INTERVAL,
    on_round: Callable[[ProjectionReports, ProjectionReports], None] | None = None,
) -> dict[str, RunReport]:
    """Keep the projections of ``engine`` caught up until ``stop`` is set.

    Looks at the log every ``interval`` seconds; after each look ``on_round`` gets what that
    look applied and the totals so far. Returns the totals.
    """
    totals: dict[str, RunReport] = {}
    while not stop.is_set():
        applied = catch_up(engine, stop=stop)
        _merge(totals, applied)
        if on_round is not None:
            on_round(applied, totals)
        stop.wait(interval)
    return totals


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
        followed = follow_projections(engine, stop, on_round=show)
    except KeyboardInterrupt:
        stop.set()
        followed = {}
    finally:
        if in_main_thread and previous is not None:
            signal.signal(signal.SIGINT, previous)
    if not quiet:
        err.print("stopped following")
    _merge(totals, followed)
    return totals

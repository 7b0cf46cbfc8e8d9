"""``libops project``: run, rebuild and inspect the standard projections."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from libops.adapters.storage import DEFAULT_STORE, parse_store_url
from libops.bootstrap import LibOps
from libops.cli.common import (
    EXIT_USAGE,
    StoreOption,
    _field,
    _report,
    reporting_errors,
    stderr,
    stdout,
)
from libops.cli.follow import ProjectionReports, _follow
from libops.projections.engine import DEFAULT_BATCH_SIZE
from libops.projections.reports import merge_reports

if TYPE_CHECKING:
    from libops.application.risk_signals import SignalOutcome
    from libops.projections import ProjectionEngine

project_app = typer.Typer(
    help="Keep the standard projections (read models) up to date with the event log.",
    no_args_is_help=True,
)

BatchSizeOption = Annotated[
    int,
    typer.Option(
        "--batch-size",
        min=1,
        max=100_000,
        help="Notifications applied and committed as one batch (read 1,000 at a time).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _last_id(ops: LibOps) -> int:
    return int(ops.app.recorder.max_notification_id() or 0)


@contextmanager
def _standard_engine(ops: LibOps, batch_size: int) -> Iterator[ProjectionEngine]:
    """One engine running every standard projection, closed after."""
    from libops.projections import ProjectionEngine
    from libops.projections.standard import standard_projections

    with ProjectionEngine(ops, standard_projections(), batch_size=batch_size) as engine:
        yield engine


def _standard_names() -> tuple[str, ...]:
    from libops.projections.standard import standard_projection_classes

    return tuple(cls.name for cls in standard_projection_classes())


def _positions(ops: LibOps, engine: ProjectionEngine) -> dict[str, tuple[int, bool]]:
    """Each projection's position, and whether no event it handles follows that position."""
    from libops.projections.standard import standard_projection_classes

    topics = {cls.name: cls.topics() for cls in standard_projection_classes()}
    found: dict[str, tuple[int, bool]] = {}
    for name in engine.names:
        position = engine.position(name)
        pending = ops.app.recorder.select_notifications(
            position, 1, topics=topics[name], inclusive_of_start=False
        )
        found[name] = (position, not pending)
    return found


def _rows(
    positions: Mapping[str, tuple[int, bool]],
    last_id: int,
    reports: ProjectionReports | None = None,
) -> dict[str, dict[str, int | bool]]:
    rows: dict[str, dict[str, int | bool]] = {}
    for name, (position, caught_up) in positions.items():
        row: dict[str, int | bool] = {
            "position": position,
            "lag": max(0, last_id - position),
            "caught_up": caught_up,
        }
        if reports is not None:
            report = reports[name]
            row = {
                "applied": report.applied,
                "batches": report.batches,
                "conflicts": report.conflicts,
                **row,
            }
        rows[name] = row
    return rows


def _print_rows(
    title: str, store: str, last_id: int, rows: Mapping[str, Mapping[str, int | bool]]
) -> None:
    from rich.table import Table

    out = stdout()
    out.print(Text(title, style="bold"))
    out.print(_field("store", store))
    out.print(_field("last id", f"{last_id} (last notification in the log)"))
    columns = ["position", "lag", "caught_up"]
    if any("applied" in row for row in rows.values()):
        columns.insert(0, "applied")
    table = Table("projection", *(c.replace("_", " ") for c in columns), box=None)
    for column in table.columns[1:]:
        column.justify = "right"
    for name, row in rows.items():
        table.add_row(name, *(_cell(row[column]) for column in columns))
    out.print(table)


def _cell(value: int | bool) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _print_json(
    store: str,
    last_id: int,
    rows: Mapping[str, Mapping[str, int | bool]],
    signals: Sequence[SignalOutcome] | None = None,
) -> None:
    payload: dict[str, object] = {
        "store": store,
        "last_notification_id": last_id,
        "projections": rows,
    }
    if signals is not None:
        payload["signals"] = [_signal_row(outcome) for outcome in signals]
    print(json.dumps(payload))


def _signal_row(outcome: SignalOutcome) -> dict[str, str | None]:
    return {
        "signal_id": outcome.signal_id,
        "signal": outcome.signal,
        "scope": outcome.scope,
        "action": outcome.action,
        "risk_id": None if outcome.risk_id is None else str(outcome.risk_id),
        "error": outcome.error,
    }


def _dispatch_signals(ops: LibOps, engine: ProjectionEngine) -> list[SignalOutcome]:
    """Open or raise the risks of the signals the risk-signals projection found."""
    from libops.application.risk_signals import dispatch_signals
    from libops.projections.signals import NAME

    return dispatch_signals(ops, engine) if NAME in engine.names else []


def _print_signals(outcomes: Sequence[SignalOutcome]) -> None:
    raised = [o for o in outcomes if o.recorded or o.closed]
    out = stdout()
    out.print(_field("signals raised", str(sum(1 for o in raised if o.recorded))))
    if any(o.closed for o in raised):
        closed = sum(1 for o in raised if o.closed)
        out.print(_field("closed", f"{closed} {'risk' if closed == 1 else 'risks'} (cleared)"))
    for outcome in raised:
        out.print(f"  {outcome.signal_id}: {outcome.action} risk {outcome.risk_id}")
    for outcome in outcomes:
        if outcome.action == "failed":
            out.print(f"  {outcome.signal_id}: failed (kept for the next run): {outcome.error}")


@project_app.command("run")
def project_run(
    store: StoreOption = DEFAULT_STORE,
    batch_size: BatchSizeOption = DEFAULT_BATCH_SIZE,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="After catching up, keep following new events until Ctrl-C (SQLite polls).",
        ),
    ] = False,
    as_json: JsonOption = False,
    signals: Annotated[
        bool,
        typer.Option(
            "--signals/--no-signals",
            help="Open or raise a risk for each risk signal found (the default).",
        ),
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Processes catching up at once (SQLite or PostgreSQL): up to one per core.",
        ),
    ] = 1,
) -> None:
    """Catch every standard projection up with the event log (and with --follow, stay live).

    Safe to run at any time and in several processes at once: each event is applied to
    each view exactly once. Prints, per projection, the events applied and its position.
    Then the risk signals found are dispatched (each opens or raises a risk once, however
    often this runs) and the projections catch up with the risks they recorded.
    With --workers N the projections are split into N groups caught up side by side, one
    process each: faster on a machine with N cores when there is a long way to go.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with reporting_errors(store):
        config = parse_store_url(store)
        if follow and config.scheme == "memory":
            _report(
                "following the log needs a store other processes write to (SQLite or "
                "PostgreSQL), not memory: run `libops project run` without --follow"
            )
            raise typer.Exit(EXIT_USAGE)
        if workers > 1 and config.scheme == "memory":
            _report("--workers needs a store other processes can open (SQLite or PostgreSQL)")
            raise typer.Exit(EXIT_USAGE)
        with LibOps.open(store) as ops, _standard_engine(ops, batch_size) as engine:
            last_id = _last_id(ops)
            with Progress(
                TextColumn("{task.description:<28}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("position / last id"),
                console=stderr(),
                transient=True,
                disable=as_json,
            ) as bar:
                tasks = {
                    name: bar.add_task(name, total=last_id, completed=engine.position(name))
                    for name in engine.names
                }

                def moved(positions: Mapping[str, int]) -> None:
                    for name, position in positions.items():
                        bar.update(tasks[name], completed=position)

                reports = engine.run(workers=workers, on_progress=moved)
            outcomes: list[SignalOutcome] | None = None
            if signals:
                outcomes = _dispatch_signals(ops, engine)
                if any(outcome.recorded for outcome in outcomes):
                    merge_reports(reports, engine.run())  # the risks the signals recorded
                    last_id = _last_id(ops)
            if follow:
                reports = _follow(
                    engine,
                    reports,
                    as_json,
                    (lambda: _dispatch_signals(ops, engine)) if signals else None,
                )
                last_id = _last_id(ops)
            positions = _positions(ops, engine)
    rows = _rows(positions, last_id, reports)
    if as_json:
        _print_json(config.redacted_url, last_id, rows, outcomes)
    else:
        _print_rows("projections caught up", config.redacted_url, last_id, rows)
        if outcomes is not None:
            _print_signals(outcomes)


@project_app.command("rebuild")
def project_rebuild(
    name: Annotated[str, typer.Argument(help="The projection to rebuild.")],
    store: StoreOption = DEFAULT_STORE,
    batch_size: BatchSizeOption = DEFAULT_BATCH_SIZE,
    as_json: JsonOption = False,
) -> None:
    """Drop one projection's view and position, and replay the whole log into it."""
    with reporting_errors(store):
        config = parse_store_url(store)
        names = _standard_names()
        if name not in names:
            _report(f"no projection named {name!r} (known: {', '.join(names)})")
            raise typer.Exit(EXIT_USAGE)
        with LibOps.open(store) as ops, _standard_engine(ops, batch_size) as engine:
            busy: AbstractContextManager[object] = (
                nullcontext() if as_json else stderr().status(f"rebuilding {name}")
            )
            with busy:
                report = engine.rebuild(name)
            last_id = _last_id(ops)
            positions = {name: _positions(ops, engine)[name]}
    rows = _rows(positions, last_id, {name: report})
    if as_json:
        _print_json(config.redacted_url, last_id, rows)
    else:
        _print_rows(f"rebuilt {name}", config.redacted_url, last_id, rows)


@project_app.command("status")
def project_status(store: StoreOption = DEFAULT_STORE, as_json: JsonOption = False) -> None:
    """Show each standard projection's position, lag and whether it is caught up.

    The position is the id of the notification up to which the projection's view is
    complete; the lag is the last notification id in the log minus that position. A
    projection is caught up when no event it handles follows its position.
    """
    with reporting_errors(store):
        config = parse_store_url(store)
        with LibOps.open(store) as ops, _standard_engine(ops, DEFAULT_BATCH_SIZE) as engine:
            last_id = _last_id(ops)
            positions = _positions(ops, engine)
    rows = _rows(positions, last_id)
    if as_json:
        _print_json(config.redacted_url, last_id, rows)
    else:
        _print_rows("projections", config.redacted_url, last_id, rows)

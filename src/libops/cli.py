"""The libops command line: ``libops demo``, ``libops db ...`` and ``libops project ...``.

Every command that touches the event store takes ``--store URL`` (or reads ``LIBOPS_STORE``;
the default is the embedded ``sqlite:///libops.db``). A store that cannot be used ends the
command with a one-line message on standard error and a non-zero exit code, never a
traceback: 2 for a store URL that is wrong as written, 1 for anything else about the store.

New commands are plain functions registered on :data:`app` (or a sub-app such as
:data:`db_app`); wrap their work in :func:`reporting_errors`.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import attrs
import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console
from rich.progress import TaskID
from rich.text import Text

from libops.adapters.storage import (
    DEFAULT_STORE,
    STORE_ENV_VAR,
    count_events,
    parse_store_url,
    scrub_password,
)
from libops.bootstrap import LibOps, migrate
from libops.domain.errors import LibopsError, StoreUrlError
from libops.projections.engine import DEFAULT_BATCH_SIZE

if TYPE_CHECKING:
    from libops.application.risk_signals import SignalOutcome
    from libops.projections import ProjectionEngine, RunReport

EXIT_STORE_ERROR: Final = 1
"""Exit code when the store cannot be used (unreachable, refused, not migrated, ...)."""

EXIT_BAD_URL: Final = 2
"""Exit code when the store URL itself is wrong (malformed, unknown scheme or option)."""

EXIT_USAGE: Final = 2
"""Exit code when the command cannot do what was asked (an unknown projection, say)."""

FOLLOW_INTERVAL: Final = 1.0
"""Seconds ``libops project run --follow`` waits between two looks at the log."""

SIGNALS_VIEW: Final = "risk_signals"
"""The view whose outbox ``libops project run`` dispatches (``RiskSignalsProjection.name``)."""

app = typer.Typer(
    name="libops",
    help="Run a library's social-media operations on an event-sourced store.",
    no_args_is_help=True,
    add_completion=False,
    # Local variables hold store URLs with passwords: never print them in a traceback.
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(
    help="Create and inspect the event store.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
project_app = typer.Typer(
    help="Keep the standard projections (read models) up to date with the event log.",
    no_args_is_help=True,
)
app.add_typer(project_app, name="project")

StoreOption = Annotated[
    str,
    typer.Option(
        "--store",
        envvar=STORE_ENV_VAR,
        help=(
            "Store URL: memory://, sqlite:///path/file.db or "
            "postgresql://user:password@host:port/dbname."
        ),
        show_envvar=True,
    ),
]


def stdout() -> Console:
    """A console on standard output (looked up at call time, so tests can capture it)."""
    return Console(soft_wrap=True)


def stderr() -> Console:
    """A console on standard error."""
    return Console(stderr=True, soft_wrap=True)


def _field(label: str, value: str) -> Text:
    return Text.assemble((f"{label:<8}", "bold"), value)


@contextmanager
def reporting_errors(store: str) -> Iterator[None]:
    """Turn libops's errors into a readable message and an exit code, without a traceback."""
    # libops's own messages name the store by its redacted URL already; an error straight
    # from eventsourcing carries a driver's text, which is scrubbed of the password here.
    try:
        yield
    except StoreUrlError as error:
        _report(str(error))
        raise typer.Exit(EXIT_BAD_URL) from None
    except LibopsError as error:
        _report(str(error))
        raise typer.Exit(EXIT_STORE_ERROR) from None
    except PersistenceError as error:
        _report(f"the store failed: {scrub_password(str(error), store)}")
        raise typer.Exit(EXIT_STORE_ERROR) from None


def _report(message: str) -> None:
    stderr().print(Text.assemble(("error: ", "bold red"), message))


@db_app.command("migrate")
def db_migrate(store: StoreOption = DEFAULT_STORE) -> None:
    """Create libops's tables in the store; run it once per store, before anything opens it."""
    with reporting_errors(store):
        config = parse_store_url(store)
        migrate(store)
    out = stdout()
    out.print(Text.assemble(("migrated", "bold green"), f" {config.scheme} store"))
    out.print(_field("store", config.redacted_url))
    if config.scheme == "memory":
        out.print("(a memory:// store lives only inside one process; it needs no migration)")


@db_app.command("check")
def db_check(store: StoreOption = DEFAULT_STORE) -> None:
    """Open the store and report what it holds, or say exactly why it cannot be opened."""
    with reporting_errors(store):
        config = parse_store_url(store)
        with LibOps.open(store) as ops:
            events = count_events(ops.app.recorder)
    out = stdout()
    out.print(_field("scheme", config.scheme))
    out.print(_field("store", config.redacted_url))
    out.print(_field("events", str(events)))


DEMO_LANGUAGES: Final = ("zh", "en")
"""The languages ``libops demo --lang`` writes the report in."""


@app.command("demo")
def demo(
    store: StoreOption = DEFAULT_STORE,
    seed: Annotated[int, typer.Option(help="Seed of the simulation; same seed, same run.")] = 2026,
    posts: Annotated[
        int, typer.Option(min=1, max=100_000, help="Posts per simulated quarter.")
    ] = 240,
    days: Annotated[
        int, typer.Option(min=1, max=91, help="Days of each quarter to simulate (91: all).")
    ] = 91,
    scale: Annotated[
        int,
        typer.Option(
            min=1, max=1_000, help="Quarters to simulate one after another (a load generator)."
        ),
    ] = 1,
    report_dir: Annotated[
        Path, typer.Option("--report-dir", help="Where to write the report.")
    ] = Path("libops-report"),
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: zh or en.")] = "en",
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Do not write the report.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Simulate one library's quarter on sandbox platforms, write the report, say what happened.

    Three campaigns (World Book Day on Weibo, WeChat and Douyin; a KOL collaboration; an
    e-resources promotion) with a few hundred posts through review, scheduling, publishing
    and daily metrics; Q&A, a reading session, a prize quiz with a verified draw,
    moderation, a budget, risks and an erasure request. Then the projections are caught up,
    risk signals dispatched and the report written. Deterministic from --seed: running it
    again on the same store records nothing new. --scale N simulates N quarters.
    """
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from libops.demo import run_demo, summary_lines

    if lang not in DEMO_LANGUAGES:
        _report(f"unknown report language {lang!r}: choose one of {', '.join(DEMO_LANGUAGES)}")
        raise typer.Exit(EXIT_USAGE)
    labels = {
        "simulate": "simulating the quarter" if scale == 1 else f"simulating {scale} quarters",
        "projections": "running the projections",
    }
    with (
        reporting_errors(store),
        Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            TaskProgressColumn(),
            console=stderr(),
            transient=True,
            disable=as_json,
        ) as bar,
    ):
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        summary = run_demo(
            store,
            seed=seed,
            posts=posts,
            days=days,
            scale=scale,
            project=True,
            report_dir=None if no_report else report_dir,
            lang=lang,
            progress=progress,
        )
    if as_json:
        payload = attrs.asdict(summary)
        payload["new_events"] = summary.new_events
        print(json.dumps(payload, ensure_ascii=False, sort_keys=True))
    else:
        out = stdout()
        out.print(Text("libops demo: one library's quarter on sandbox platforms", style="bold"))
        for line in summary_lines(summary):
            out.print(line)
        if summary.new_events == 0 and summary.events_before:
            out.print("(this seed's run was already in the store: nothing new was recorded)")
    if summary.report_note and summary.report_note.startswith("report not written"):
        _report(summary.report_note)  # the run is recorded; only its report is missing
        raise typer.Exit(EXIT_STORE_ERROR)


# --- libops project ---------------------------------------------------------------------

BatchSizeOption = Annotated[
    int,
    typer.Option(
        "--batch-size", min=1, max=100_000, help="Notifications read and committed at a time."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
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
    raised = [o for o in outcomes if o.recorded]
    out = stdout()
    out.print(_field("signals raised", str(len(raised))))
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
            help="After catching up, keep following new events until Ctrl-C (PostgreSQL).",
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
        if follow and config.scheme != "postgresql":
            _report(
                f"following the log needs a PostgreSQL store, not {config.scheme}: "
                "run `libops project run` without --follow to catch up"
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
                    _merge(reports, catch_up(engine))  # the risks the signals recorded
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


# --- libops report ----------------------------------------------------------------------

EXIT_NO_FONT: Final = 3
"""Exit code of ``libops report --lang zh`` when no CJK font is installed for the charts."""


def _report_day(value: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option as a date, or a usage error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        _report(f"{option} must be a day as YYYY-MM-DD, not {value!r}")
        raise typer.Exit(EXIT_USAGE) from None


@app.command("report")
def report(
    store: StoreOption = DEFAULT_STORE,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="Report on this campaign (its id) only.")
    ] = None,
    first: Annotated[
        str | None,
        typer.Option("--from", help="First day of the period (YYYY-MM-DD, Asia/Shanghai)."),
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last day of the period (YYYY-MM-DD).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the report: zh or en.")] = "en",
    out: Annotated[Path, typer.Option("--out", help="Directory to write the report into.")] = Path(
        "libops-report"
    ),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the files and headline figures as JSON.")
    ] = False,
) -> None:
    """Write the evaluation report (Markdown and self-contained HTML, with charts).

    Background, goals, execution, results against goals, engagement by
    platform, content type and week, cadence, interactions, budget and
    cost-effectiveness, risks, problems and how they were solved, the overall
    judgement, and recommendations derived from the data. The projections are
    caught up first; nothing is recorded. Bad options exit with 2 and write
    nothing; --lang zh without a CJK font exits with 3, naming the package.
    """
    from libops.domain.errors import InvalidValueError, UnknownIdError
    from libops.domain.values import Period
    from libops.report import LANGUAGES, MissingCjkFontError, write_report

    if lang not in LANGUAGES:
        _report(f"unknown report language {lang!r}: choose one of {', '.join(LANGUAGES)}")
        raise typer.Exit(EXIT_USAGE)
    start, end = _report_day(first, "--from"), _report_day(last, "--to")
    if (start is None) != (end is None):
        _report("give both --from and --to, or neither")
        raise typer.Exit(EXIT_USAGE)
    period = None
    if start is not None and end is not None:
        if start > end:
            _report(f"--from ({start}) is after --to ({end})")
            raise typer.Exit(EXIT_USAGE)
        period = Period(start, end)
    with reporting_errors(store):
        config = parse_store_url(store)
        with LibOps.open(store) as ops:
            try:
                files = write_report(ops, out, lang=lang, campaign_id=campaign, period=period)
            except MissingCjkFontError as error:
                _report(str(error))
                raise typer.Exit(EXIT_NO_FONT) from None
            except (UnknownIdError, InvalidValueError) as error:
                _report(str(error))
                raise typer.Exit(EXIT_USAGE) from None
    headline = files.report.headline()
    if as_json:
        print(
            json.dumps(
                {
                    "store": config.redacted_url,
                    "lang": lang,
                    "markdown": str(files.markdown),
                    "html": str(files.html),
                    "charts": [str(path) for path in files.charts],
                    "headline": headline,
                },
                ensure_ascii=False,
                sort_keys=True,
            )
        )
        return
    output = stdout()
    output.print(Text("libops report", style="bold"))
    for label, path in (
        ("markdown", files.markdown),
        ("html", files.html),
        ("charts", files.charts[0].parent),
    ):
        output.print(Text.assemble((f"{label:<10}", "bold"), str(path)))
    judged = files.report.judgement
    rate = "n/a" if judged.engagement_rate is None else f"{judged.engagement_rate * 100:.2f}%"
    output.print(
        f"{judged.posts} post variants, {judged.engagements} engagements (rate {rate}); "
        f"objectives met {judged.objectives_met} of {judged.objectives_total}; "
        f"open risks {judged.open_risks}"
    )


def main() -> None:
    """Run the libops command line (the ``libops`` console script)."""
    app()


if __name__ == "__main__":
    main()

"""``libops tick``: the one command a scheduler runs (see :mod:`libops.tick`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from libops.adapters.storage import DEFAULT_STORE, parse_store_url
from libops.cli.common import StoreOption, reporting_errors, stdout
from libops.cli.publish_command import GatewayOption, JsonOption, gateways_from, opened
from libops.tick import EXIT_PARTIAL, STEPS, TickReport, check_steps, tick


def _endpoints(config: Path | None) -> Sequence[Any]:
    from libops.adapters.webhooks import load_endpoints

    return load_endpoints(config)


def tick_command(
    store: StoreOption = DEFAULT_STORE,
    gateway: GatewayOption = None,
    webhooks: Annotated[
        Path | None,
        typer.Option(
            "--webhooks",
            help="The webhook endpoints file (default: $LIBOPS_WEBHOOKS_CONFIG, else "
            "libops-webhooks.json).",
        ),
    ] = None,
    step: Annotated[
        list[str] | None,
        typer.Option("--step", help=f"Run only these steps (repeat): {', '.join(STEPS)}."),
    ] = None,
    as_json: JsonOption = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log each step on standard error.")
    ] = False,
) -> None:
    """Run what a scheduled job runs: publish what is due, take retracted posts down, collect
    metrics, escalate overdue questions, catch up projections, dispatch risk signals, deliver
    webhooks.

    Each step is timed and reported; one failing does not stop the others. Exit codes: 0 all
    done; 3 some steps failed but the others ran; 1 the store could not be opened; 2 a wrong
    option or store URL (docs/operations.md).
    """
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    parse_store_url(store)  # a bad URL, step or gateway is refused before anything runs
    steps = check_steps(step or STEPS)
    gateways = gateways_from(gateway, store)
    with reporting_errors(store), opened(store, gateways) as ops:
        endpoints: Sequence[Any] | None
        try:
            endpoints = _endpoints(webhooks)
            problem = None
        except Exception as error:  # a bad endpoints file fails its step, not the tick
            endpoints, problem = None, str(error)
        report = tick(ops, webhooks=endpoints, steps=steps)
    if problem is not None and (not step or "webhooks" in step):
        report = _with_webhook_problem(report, problem)
    if as_json:
        print(json.dumps({"store": parse_store_url(store).redacted_url, **report.to_json()}))
    else:
        _print(report)
    if not report.ok:
        raise typer.Exit(EXIT_PARTIAL)


def _with_webhook_problem(report: TickReport, problem: str) -> TickReport:
    import attrs

    steps = tuple(
        attrs.evolve(s, errors=(*s.errors, problem), skipped=None) if s.name == "webhooks" else s
        for s in report.steps
    )
    return TickReport(steps)


def _print(report: TickReport) -> None:
    out = stdout()
    out.print(Text(f"tick {'done' if report.ok else 'done with errors'}", style="bold"))
    table = Table("step", "result", "seconds", box=None)
    for s in report.steps:
        counts = ", ".join(f"{k} {v}" for k, v in s.counts.items() if v) or "nothing to do"
        table.add_row(s.name, s.skipped or counts, f"{s.seconds:.2f}")
    out.print(table)
    for s in report.steps:
        for warning in s.warnings:
            out.print(Text.assemble(("warning: ", "bold yellow"), f"{s.name}: {warning}"))
        for error in s.errors:
            out.print(Text.assemble(("error: ", "bold red"), f"{s.name}: {error}"))

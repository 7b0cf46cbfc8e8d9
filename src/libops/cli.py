"""The libops command line: ``libops demo``, ``libops db migrate`` and ``libops db check``.

Every command that touches the event store takes ``--store URL`` (or reads ``LIBOPS_STORE``;
the default is the embedded ``sqlite:///libops.db``). A store that cannot be used ends the
command with a one-line message on standard error and a non-zero exit code, never a
traceback: 2 for a store URL that is wrong as written, 1 for anything else about the store.

New commands are plain functions registered on :data:`app` (or a sub-app such as
:data:`db_app`); wrap their work in :func:`reporting_errors`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Final

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

EXIT_STORE_ERROR: Final = 1
"""Exit code when the store cannot be used (unreachable, refused, not migrated, ...)."""

EXIT_BAD_URL: Final = 2
"""Exit code when the store URL itself is wrong (malformed, unknown scheme or option)."""

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


@app.command("demo")
def demo(
    store: StoreOption = DEFAULT_STORE,
    seed: Annotated[int, typer.Option(help="Seed of the simulation; same seed, same run.")] = 2026,
    posts: Annotated[int, typer.Option(min=1, max=100_000, help="How many posts to run.")] = 24,
    days: Annotated[int, typer.Option(min=1, max=366, help="How many days to simulate.")] = 21,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Run a World Book Day campaign end to end on sandbox platforms, and say what happened.

    Plans a campaign, drafts posts, reviews them (catching personal data), schedules and
    publishes them on sandbox Weibo, WeChat and Douyin, and records their metrics as
    simulated days pass. Running it again with the same seed records nothing new.
    """
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from libops.demo import run_demo, summary_lines

    labels = {"content": "drafting, reviewing, scheduling", "simulate": "publishing, measuring"}
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

        summary = run_demo(store, seed=seed, posts=posts, days=days, progress=progress)
    if as_json:
        payload = attrs.asdict(summary)
        payload["campaign_id"] = str(summary.campaign_id)
        payload["new_events"] = summary.new_events
        print(json.dumps(payload, ensure_ascii=False, sort_keys=True))
        return
    out = stdout()
    out.print(Text("libops demo: World Book Day 2026", style="bold"))
    for line in summary_lines(summary):
        out.print(line)
    if summary.new_events == 0 and summary.events_before:
        out.print("(this seed's run was already in the store: nothing new was recorded)")


def main() -> None:
    """Run the libops command line (the ``libops`` console script)."""
    app()


if __name__ == "__main__":
    main()

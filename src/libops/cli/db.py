"""``libops db``: create the event store's tables and check what a store holds."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from libops.adapters.storage import DEFAULT_STORE, count_events, parse_store_url
from libops.bootstrap import LibOps, migrate
from libops.cli.common import StoreOption, _field, reporting_errors, stdout

db_app = typer.Typer(
    help="Create and inspect the event store.",
    no_args_is_help=True,
)


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


RepairOption = Annotated[
    bool,
    typer.Option(
        "--repair",
        help="Finish erasures a crash left half-way (destroy the key, record the completion).",
    ),
]


@db_app.command("check")
def db_check(store: StoreOption = DEFAULT_STORE, repair: RepairOption = False) -> None:
    """Open the store and report what it holds, or say exactly why it cannot be opened.

    It also counts the erasures left half-way (requested, not completed), if any;
    ``--repair`` finishes them and names each one.
    """
    with reporting_errors(store):
        config = parse_store_url(store)
        with LibOps.open(store, finish_erasures=False) as ops:
            events = count_events(ops.app.recorder)
            pending = ops.privacy.pending_erasures()
            finished = ops.privacy.finish_pending_erasures() if repair else []
    out = stdout()
    out.print(_field("scheme", config.scheme))
    out.print(_field("store", config.redacted_url))
    out.print(_field("events", str(events)))
    left = len(pending) - len(finished)
    if left:
        out.print(
            Text.assemble(
                ("pending erasures ", "bold"),
                f"{left} (run `libops db check --repair` to finish them)",
            )
        )
    for subject_id in finished:
        out.print(Text.assemble(("finished erasure ", "bold green"), subject_id))

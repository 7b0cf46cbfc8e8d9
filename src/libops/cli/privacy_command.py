"""``libops privacy``: a reader's subject access, and the erasures left half-way."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from libops.adapters.storage import DEFAULT_STORE
from libops.application.privacy import SubjectRecord
from libops.bootstrap import LibOps
from libops.cli.common import StoreOption, operator, print_json, reporting_errors, stdout
from libops.domain.errors import InvalidValueError

privacy_app = typer.Typer(
    help="Readers' personal data: subject access, pending erasures.",
    no_args_is_help=True,
)


def _record_json(record: SubjectRecord) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "event": record.event,
        "aggregate_id": str(record.aggregate_id),
        "version": record.version,
        "recorded_at": record.recorded_at.isoformat(),
        "details": record.details,
        "personal": {
            field: (
                {"erased": True}
                if opened.erased
                else {"name": opened.name, "handle": opened.handle, "contact": opened.contact}
            )
            for field, opened in record.personal.items()
        },
    }


@privacy_app.command("access")
def privacy_access(
    subject: Annotated[
        str | None,
        typer.Argument(help="The data subject's id (or give --platform and --handle)."),
    ] = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why their data is read (recorded).")
    ] = "",
    by: Annotated[
        str, typer.Option("--by", help="Who reads it (an operations admin's id, recorded).")
    ] = "operations-admin",
    platform: Annotated[
        str | None, typer.Option("--platform", help="The platform of --handle.")
    ] = None,
    handle: Annotated[
        str | None, typer.Option("--handle", help="The reader's handle on --platform.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """List every record libops holds about one reader (a subject access request).

    Questions, reading sessions, contest entries, conduct records, readings of their data
    and their erasure, with their personal data opened; the listing is recorded as a
    reading of their data, by --by, for --reason.
    """
    actor = operator(by)
    with reporting_errors(store):
        if (subject is None) == (platform is None or handle is None):
            raise InvalidValueError("give a subject id, or --platform and --handle (not both)")
        with LibOps.open(store) as ops:
            subject_id = (
                subject
                if subject is not None
                else ops.privacy.subject_id_for(platform or "", handle or "")
            )
            records = ops.privacy.subject_access(actor, subject_id, reason)
    if as_json:
        document = {"subject_id": subject_id, "records": [_record_json(r) for r in records]}
        print_json(document)
        return
    out = stdout()
    out.print(f"subject {subject_id}: {len(records)} records")
    table = Table("recorded at", "event", "aggregate", "details", box=None, pad_edge=False)
    for record in records:
        parts = [f"{k}={v}" for k, v in record.details.items()]
        parts += [f"{k}={v.label}" for k, v in record.personal.items()]
        table.add_row(
            record.recorded_at.isoformat(),
            record.event.removeprefix("libops:"),
            f"{record.aggregate_id} v{record.version}",
            "; ".join(parts),
        )
    out.print(table)


@privacy_app.command("pending")
def privacy_pending(store: StoreOption = DEFAULT_STORE) -> None:
    """List the erasures requested and not completed (``libops db check --repair`` ends them)."""
    with reporting_errors(store), LibOps.open(store, finish_erasures=False) as ops:
        pending = ops.privacy.pending_erasures()
    out = stdout()
    out.print(f"{len(pending)} pending erasures")
    for subject_id in pending:
        out.print(subject_id)

"""``libops audit ...``: any aggregate as it was, its history, and any view as of a position.

Read-only: nothing here records an event. Times are given with their UTC offset
(``2026-04-23T18:00+08:00``), and are compared with when events were recorded, by libops's
clock.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import attrs
import typer
from rich.table import Table

from libops.adapters.storage import DEFAULT_STORE
from libops.application.audit import HistoryEntry, plain, state_of
from libops.application.checkpoints import CheckpointInfo
from libops.bootstrap import LibOps
from libops.cli.common import EXIT_USAGE, StoreOption, _report, reporting_errors, stderr, stdout
from libops.domain.errors import InvalidValueError
from libops.domain.values import Actor, Role
from libops.projections.standard import standard_projections

audit_app = typer.Typer(
    help="Look back: any aggregate as it was, its history, a view as of a log position.",
    no_args_is_help=True,
)

EXIT_TAMPERED = 1
"""Exit code of ``libops audit verify`` when the log does not match its checkpoints."""

IdArgument = Annotated[
    str, typer.Argument(help="The aggregate's id (a campaign's, a post's, ...).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValueError(
            f"--at takes a time like 2026-04-23T18:00+08:00, not {text!r}"
        ) from None
    if moment.tzinfo is None:
        raise InvalidValueError(
            f"--at needs the time's UTC offset (2026-04-23T18:00+08:00), not {text!r}"
        )
    return moment


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


@audit_app.command("as-of")
def audit_as_of(
    aggregate_id: IdArgument,
    at: Annotated[str | None, typer.Option("--at", help="A moment, with its UTC offset.")] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="The aggregate's own version (1: created).")
    ] = None,
    position: Annotated[
        int | None, typer.Option("--position", help="A position in the store's event log.")
    ] = None,
    store: StoreOption = DEFAULT_STORE,
    as_json: JsonFlag = False,
) -> None:
    """Show an aggregate as it was at a moment, a version or a log position (give one)."""
    with reporting_errors(store), LibOps.open(store) as ops:
        moment = None if at is None else _moment(at)
        aggregate = ops.audit.as_of(aggregate_id, at=moment, version=version, position=position)
        state = plain(state_of(aggregate))
        kind = type(aggregate).__name__
        shown = {"id": str(aggregate.id), "kind": kind, "version": aggregate.version}
    if as_json:
        _print_json({**shown, "recorded_at": aggregate.modified_on.isoformat(), "state": state})
        return
    out = stdout()
    out.print(
        f"[bold]{kind}[/bold] {aggregate.id}, version {aggregate.version} "
        f"(recorded {aggregate.modified_on.isoformat()})"
    )
    table = Table("field", "value", box=None, pad_edge=False)
    for name, value in state.items():
        table.add_row(name, json.dumps(value, ensure_ascii=False))
    out.print(table)


def _entry(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "version": entry.version,
        "recorded_at": entry.recorded_at.isoformat(),
        "event": entry.event,
        "topic": entry.topic,
        "actor_id": entry.actor_id,
        "fields": plain(entry.fields),
        "changes": [
            {"field": c.field, "before": plain(c.before), "after": plain(c.after)}
            for c in entry.changes
        ],
    }


@audit_app.command("history")
def audit_history(
    aggregate_id: IdArgument, store: StoreOption = DEFAULT_STORE, as_json: JsonFlag = False
) -> None:
    """List an aggregate's versions: when, who, which event and what it changed."""
    with reporting_errors(store), LibOps.open(store) as ops:
        entries = [_entry(entry) for entry in ops.audit.history(aggregate_id)]
    if as_json:
        _print_json(entries)
        return
    table = Table("version", "recorded at", "event", "by", "what changed", box=None, pad_edge=False)
    for entry in entries:
        changes = "; ".join(
            f"{c['field']}: {json.dumps(c['before'], ensure_ascii=False)} → "
            f"{json.dumps(c['after'], ensure_ascii=False)}"
            for c in entry["changes"]
        )
        table.add_row(
            str(entry["version"]),
            entry["recorded_at"],
            entry["event"],
            entry["actor_id"] or "",
            changes,
        )
    stdout().print(table)


@audit_app.command("view")
def audit_view(
    name: Annotated[str, typer.Argument(help="A standard projection's name (budget, ...).")],
    position: Annotated[int, typer.Option("--position", help="The log position to stop at.")],
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Print a standard projection's documents (JSON) as of a log position.

    Built from the start into throwaway views: the store's own views are neither read nor
    changed.
    """
    chosen = {type(p).name: p for p in standard_projections()}
    if name not in chosen:
        _report(f"no standard projection named {name!r}; there are: {', '.join(sorted(chosen))}")
        raise typer.Exit(EXIT_USAGE)
    with reporting_errors(store), LibOps.open(store) as ops:
        documents = ops.audit.view_as_of(chosen[name], position)
    _print_json(documents)


@audit_app.command("checkpoint")
def audit_checkpoint(
    by: Annotated[
        str, typer.Option("--by", help="Who records it (an auditor's id, for the record).")
    ] = "auditor",
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Sign the log's Merkle root over every event recorded since the last checkpoint.

    A long stretch is covered by several checkpoints in a row. Each one's signed text is
    printed: keep the last one (and the public key) outside the store, to check it later
    with `libops audit verify --kept FILE`.
    """
    actor = Actor(by, [Role.AUDITOR])
    made: list[CheckpointInfo] = []
    with reporting_errors(store), LibOps.open(store) as ops:
        stop = ops.app.recorder.max_notification_id() or 0
        while True:
            info = ops.audit.checkpoint(actor)
            if info is None:
                break
            made.append(info)
            stderr().print(
                f"checkpoint of {info.size} events (up to position {info.last_position})"
            )
            if info.last_position >= stop:
                break
    if not made:
        stderr().print("nothing recorded since the last checkpoint: no new one")
        return
    print(made[-1].text(), end="")


@audit_app.command("checkpoints")
def audit_checkpoints(store: StoreOption = DEFAULT_STORE, as_json: JsonFlag = False) -> None:
    """List the log's checkpoints: size, last position, root, time and key."""
    with reporting_errors(store), LibOps.open(store) as ops:
        infos = ops.audit.checkpoints()
    if as_json:
        _print_json([{**attrs.asdict(info), "id": str(info.id)} for info in infos])
        return
    table = Table("size", "up to position", "signed at", "root", box=None, pad_edge=False)
    for info in infos:
        table.add_row(str(info.size), str(info.last_position), info.signed_at, info.root)
    stdout().print(table)


@audit_app.command("verify")
def audit_verify(
    public_key: Annotated[
        str | None,
        typer.Option("--public-key", help="The key every checkpoint must be signed with."),
    ] = None,
    kept: Annotated[
        Path | None,
        typer.Option(
            "--kept", help="A checkpoint kept outside the store (as `checkpoint` printed it)."
        ),
    ] = None,
    store: StoreOption = DEFAULT_STORE,
    as_json: JsonFlag = False,
) -> None:
    """Check the whole log against its checkpoints; name the first event that does not match.

    Exit code 0 when every checkpoint holds and every covered event matches, 1 otherwise.
    """
    with reporting_errors(store):
        kept_info = None
        if kept is not None:
            try:
                kept_info = CheckpointInfo.from_text(kept.read_text(encoding="utf-8"))
            except OSError as error:
                raise InvalidValueError(f"cannot read {kept}: {error.strerror}") from None
        with LibOps.open(store) as ops:
            result = ops.audit.verify(public_key=public_key, kept=kept_info)
    problem = result.problem
    if as_json:
        _print_json(
            {
                "intact": result.intact,
                "checkpoints": result.checkpoints,
                "covered": result.covered,
                "checked": result.checked,
                "uncovered": result.uncovered,
                "public_keys": list(result.public_keys),
                "problem": None if problem is None else problem._asdict(),
            }
        )
    elif problem is None:
        stdout().print(
            f"intact: {result.checkpoints} checkpoints cover {result.covered} events; "
            f"{result.uncovered} recorded since"
        )
    else:
        _report(f"{problem.kind} at position {problem.position}: {problem.message}")
    if problem is not None:
        raise typer.Exit(EXIT_TAMPERED)


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="The bundle file to write (JSON Lines).")],
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Write the whole history (every event as stored, every checkpoint) to an audit bundle.

    An auditor checks it without libops's domain code or a database:
    `python -m libops.verify BUNDLE --kept KEPT-CHECKPOINT`.
    """
    progress = stderr()
    with reporting_errors(store), LibOps.open(store) as ops:
        try:
            with out.open("w", encoding="utf-8") as file:

                def report(at: int, last: int) -> None:
                    progress.print(f"exported up to position {at} of {last}", end="\r")

                written = ops.audit.export(file, on_progress=report)
        except OSError as error:
            raise InvalidValueError(f"cannot write {out}: {error.strerror}") from None
    progress.print(
        f"exported {written.events} events and {written.checkpoints} checkpoints to {out}"
    )


@audit_app.command("prove")
def audit_prove(
    position: Annotated[int, typer.Argument(help="The event's position in the log.")],
    size: Annotated[
        int | None, typer.Option("--size", help="The checkpoint's size (default: the latest).")
    ] = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Print (JSON) the proof that an event is in the tree a checkpoint signed."""
    with reporting_errors(store), LibOps.open(store) as ops:
        proof = ops.audit.prove_inclusion(position, size=size)
    _print_json(proof.to_dict())


@audit_app.command("consistency")
def audit_consistency(
    old_size: Annotated[int, typer.Argument(help="The earlier checkpoint's size.")],
    new_size: Annotated[
        int | None, typer.Argument(help="The later checkpoint's size (default: the latest).")
    ] = None,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Print (JSON) the proof that the log of one checkpoint is a prefix of a later one's."""
    with reporting_errors(store), LibOps.open(store) as ops:
        proof = ops.audit.prove_consistency(old_size, new_size)
    _print_json(proof.to_dict())


@audit_app.command("import")
def audit_import(
    bundle: Annotated[Path, typer.Argument(help="The bundle `libops audit export` wrote.")],
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Load an exported history into an empty SQLite or PostgreSQL store, at its positions.

    The bundle is verified first; a bundle that does not verify is refused. The key store is
    not part of a bundle: copy it too, or the readers' personal data stays sealed.
    """
    with reporting_errors(store), LibOps.open(store, migrate=True) as ops:
        result = ops.audit.import_bundle(bundle)
    if result.problem is not None:
        _report(f"imported, but the store does not verify: {result.problem.message}")
        raise typer.Exit(EXIT_TAMPERED)
    stdout().print(
        f"imported {result.checked} events; {result.checkpoints} checkpoints cover "
        f"{result.covered} of them and verify"
    )


@audit_app.command("access")
def audit_access(
    subject: Annotated[
        str | None, typer.Option("--subject", help="Only this data subject's id.")
    ] = None,
    store: StoreOption = DEFAULT_STORE,
    as_json: JsonFlag = False,
) -> None:
    """List every reading of readers' personal data: when, who, whose, what and why."""
    with reporting_errors(store), LibOps.open(store) as ops:
        rows = [
            {
                "at": access.at.isoformat(),
                "read_by": access.read_by,
                "subject_id": access.subject_id,
                "source_id": str(access.source_id),
                "what": access.what,
                "reason": access.reason,
            }
            for access in ops.audit.access(subject)
        ]
    if as_json:
        _print_json(rows)
        return
    table = Table("at", "read by", "subject", "what", "why", box=None, pad_edge=False)
    for row in rows:
        table.add_row(row["at"], row["read_by"], row["subject_id"][:12], row["what"], row["reason"])
    stdout().print(table)

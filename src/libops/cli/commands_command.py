"""``libops commands``: every command libops knows, with its fields and who may give it."""

from __future__ import annotations

import json
from typing import Annotated

import attrs
import typer
from rich.table import Table

from libops.application.catalogue import all_commands, describe
from libops.cli.common import EXIT_USAGE, _report, print_json, stdout
from libops.domain.errors import UnknownCommandError


def commands(
    name: Annotated[
        str | None,
        typer.Argument(help="One command's name (e.g. campaign.plan) to see its fields."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the descriptions as JSON.")
    ] = False,
) -> None:
    """List the commands (as the HTTP API, importers and ops.execute take them).

    Without NAME: each command's name, roles and summary. With NAME: its fields, their types
    and defaults (in the JSON form build_command reads). Every command also takes an
    optional idempotency_key.
    """
    try:
        infos = [describe(name)] if name is not None else [describe(n) for n in all_commands()]
    except UnknownCommandError as error:
        _report(f"{error}; `libops commands` lists them")
        raise typer.Exit(EXIT_USAGE) from None
    if as_json:
        print_json([attrs.asdict(info) for info in infos])
        return
    out = stdout()
    if name is None:
        table = Table("command", "roles", "what it does", box=None, pad_edge=False)
        for info in infos:
            table.add_row(info.name, ", ".join(info.roles), info.summary)
        out.print(table)
        return
    (info,) = infos
    out.print(f"[bold]{info.name}[/bold] ({info.class_name}): {info.summary}")
    out.print(f"returns {info.returns}; roles: {', '.join(info.roles)}")
    table = Table("field", "type", "default", box=None, pad_edge=False)
    for field in info.fields:
        default = "required" if field.required else json.dumps(field.default, ensure_ascii=False)
        table.add_row(field.name, field.type, default)
    out.print(table)

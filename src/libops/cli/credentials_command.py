"""``libops credentials set|list|remove``: platform credentials, never shown, never in argv."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

import typer
from rich.table import Table

from libops.adapters.credentials import (
    EnvCredentialStore,
    FileCredentialStore,
    PostgresCredentialStore,
    credentials_path,
)
from libops.adapters.storage import DEFAULT_STORE, parse_store_url
from libops.cli.common import StoreOption, reporting_errors, stdout
from libops.domain.errors import CredentialNameError, InvalidValueError
from libops.domain.ports import CredentialInfo, CredentialStore

credentials_app = typer.Typer(
    help="Platform credentials (tokens, app secrets): set, list, remove. Values are never shown.",
    no_args_is_help=True,
)

AccountArgument = Annotated[
    str, typer.Argument(help="The platform account: weibo, or weibo/citylibrary.")
]
NameArgument = Annotated[str, typer.Argument(help="The credential's name: access_token, ...")]
InOption = Annotated[
    str | None,
    typer.Option(
        "--in",
        help=(
            "Where: file (a 0600 file beside the store, or $LIBOPS_CREDENTIALS) or database "
            "(the PostgreSQL store's table, sealed with its key store). Default: database on "
            "a PostgreSQL store (the table the gateways read first, where renewed tokens are "
            "written), else file."
        ),
        show_default=False,
    ),
]


@contextmanager
def _store(store: str, where: str | None) -> Iterator[CredentialStore]:
    config = parse_store_url(store)
    if where is None:
        # Where the gateways look first (cli/publish_command.py gateways_from): a token set
        # in the file of a PostgreSQL store would lose to a dead one in its table.
        where = "database" if config.scheme == "postgresql" else "file"
    chosen: Literal["file", "database"]
    if where == "file":
        chosen = "file"
    elif where == "database":
        chosen = "database"
    else:
        raise InvalidValueError(f"--in is file or database, not {where!r}")
    if chosen == "file":
        yield FileCredentialStore(credentials_path(config))
        return
    if config.scheme != "postgresql":
        raise InvalidValueError("--in database needs a PostgreSQL store (--store postgresql://...)")
    from libops.adapters.keystore import open_key_store

    keys = open_key_store(config)
    try:
        yield PostgresCredentialStore(config, keys)
    finally:
        keys.close()


def _read_value(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        value = sys.stdin.readline().rstrip("\r\n")
    else:
        value = typer.prompt("value", hide_input=True, confirmation_prompt=True)
    if not value.strip():
        raise CredentialNameError("no value was given (type it at the prompt, or pipe it in)")
    return value


@credentials_app.command("set")
def credentials_set(
    account: AccountArgument,
    name: NameArgument,
    store: StoreOption = DEFAULT_STORE,
    where: InOption = None,
    from_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the value from standard input (one line).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (never the value).")] = False,
) -> None:
    """Store a credential, or rotate it (the new value replaces the old, with the time).

    The value is read from a hidden prompt or from standard input, never from the command
    line (where other users and the shell's history would see it).
    """
    with reporting_errors(store):
        value = _read_value(from_stdin)
        with _store(store, where) as credentials:
            info = credentials.set(account, name, value)
    if as_json:
        print(json.dumps(_row(info)))
    else:
        stdout().print(f"{info.account} {info.name} set in the {info.source} store")


@credentials_app.command("list")
def credentials_list(
    account: Annotated[str | None, typer.Argument(help="Only this account.")] = None,
    store: StoreOption = DEFAULT_STORE,
    where: InOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (never values).")] = False,
) -> None:
    """List the credentials kept (and those in LIBOPS_CRED_* variables): names and when
    each was last set, never values."""
    with reporting_errors(store), _store(store, where) as credentials:
        infos = [*credentials.list(account), *EnvCredentialStore().list(account)]
    rows = [_row(i) for i in infos]
    if as_json:
        print(json.dumps({"credentials": rows}))
        return
    table = Table("account", "name", "last set", "kept in", box=None)
    for row in rows:
        table.add_row(row["account"], row["name"], row["rotated_at"] or "-", row["source"])
    stdout().print(table)


@credentials_app.command("remove")
def credentials_remove(
    account: AccountArgument,
    name: NameArgument,
    store: StoreOption = DEFAULT_STORE,
    where: InOption = None,
) -> None:
    """Forget a credential."""
    with reporting_errors(store), _store(store, where) as credentials:
        removed = credentials.remove(account, name)
    if not removed:
        from libops.domain.errors import UnknownCredentialError

        raise UnknownCredentialError(account, name)
    stdout().print(f"{account} {name} removed")


def _row(info: CredentialInfo) -> dict[str, str | None]:
    return {
        "account": info.account,
        "name": info.name,
        "rotated_at": None if info.rotated_at is None else info.rotated_at.isoformat(),
        "source": info.source,
    }

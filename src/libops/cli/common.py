"""What every command shares: the store option, the consoles, errors turned into exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Final

import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console
from rich.text import Text

from libops.adapters.storage import STORE_ENV_VAR, scrub_password
from libops.domain.errors import LibopsError, StoreUrlError

EXIT_STORE_ERROR: Final = 1
"""Exit code when the store cannot be used (unreachable, refused, not migrated, ...)."""

EXIT_BAD_URL: Final = 2
"""Exit code when the store URL itself is wrong (malformed, unknown scheme or option)."""

EXIT_USAGE: Final = 2
"""Exit code when the command cannot do what was asked (an unknown projection, say)."""


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

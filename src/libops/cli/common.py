"""What every command shares: the store option, the consoles, errors turned into exit codes."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Annotated, Any, Final

import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from libops.adapters.storage import STORE_ENV_VAR, scrub_password
from libops.domain.errors import InvalidValueError, LibopsError, StoreUrlError
from libops.domain.values import Actor, Role

EXIT_STORE_ERROR: Final = 1
"""Exit code when the store cannot be used (unreachable, refused, not migrated, ...)."""

EXIT_BAD_URL: Final = 2
"""Exit code when the store URL itself is wrong (malformed, unknown scheme or option)."""

EXIT_USAGE: Final = 2
"""Exit code when the command cannot do what was asked (an unknown projection, say)."""

EXIT_INTERNAL: Final = 70
"""Exit code when libops itself failed unexpectedly (a bug: rerun with --debug, report it)."""

DEBUG_ENV_VAR: Final = "LIBOPS_DEBUG"
"""The environment variable that, like ``--debug``, shows the traceback of an error."""


StoreOption = Annotated[
    str,
    typer.Option(
        "--store",
        envvar=STORE_ENV_VAR,
        # No long URL in the help: rich cuts a word wider than the help column with "…".
        help=(
            "Store URL: memory://, sqlite:///FILE or postgresql://HOST/DB "
            "(with USER:PASSWORD@ before HOST and :PORT after it, as needed)."
        ),
        show_envvar=True,
    ),
]

KeyOption = Annotated[
    str | None,
    typer.Option("--key", help="An idempotency key: repeated with it, nothing new is recorded."),
]
"""A command's ``--key``: the idempotency key of what it records."""


def parse_day(text: str, what: str) -> date:
    """``text`` (``YYYY-MM-DD``) as a day; an :class:`InvalidValueError` naming ``what``
    (the option, say ``--date``) if it is not one."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValueError(f"{what} is a day, YYYY-MM-DD, not {text!r}") from None


def operator(by: str) -> Actor:
    """The person ``--by`` names, acting as an operations admin (the command line's actor)."""
    return Actor(by, [Role.OPERATIONS_ADMIN])


def close_gateways(gateways: Iterable[object]) -> None:
    """Close each gateway that has connections to close (the HTTP ones)."""
    for gateway in gateways:
        close = getattr(gateway, "close", None)
        if callable(close):
            close()


def stdout() -> Console:
    """A console on standard output (looked up at call time, so tests can capture it)."""
    return Console(soft_wrap=True)


def print_json(value: object) -> None:
    """Print ``value`` as indented JSON on standard output (``--json``), non-ASCII text as
    it is."""
    print(json.dumps(value, ensure_ascii=False, indent=2))


def stderr() -> Console:
    """A console on standard error."""
    return Console(stderr=True, soft_wrap=True)


_debugging: ContextVar[bool] = ContextVar("libops_cli_debug", default=False)


def set_debug(debug: bool) -> None:
    """Show errors with their traceback (``--debug``) from now on in this command, or not."""
    _debugging.set(debug)


def debugging() -> bool:
    """Whether ``--debug`` was given: errors then come out with their traceback."""
    return _debugging.get()


def _field(label: str, value: str) -> Text:
    return Text.assemble((f"{label:<8}", "bold"), value)


@contextmanager
def reporting_errors(store: str) -> Iterator[None]:
    """Turn libops's errors into a readable message and an exit code, without a traceback
    (with ``--debug``, they come out as they are)."""
    # libops's own messages name the store by its redacted URL already; an error straight
    # from eventsourcing carries a driver's text, which is scrubbed of the password here.
    try:
        yield
    except (LibopsError, PersistenceError) as error:
        if debugging():
            raise
        if isinstance(error, StoreUrlError):
            _report(str(error))
            raise typer.Exit(EXIT_BAD_URL) from None
        if isinstance(error, LibopsError):
            _report(str(error))
            raise typer.Exit(EXIT_STORE_ERROR) from None
        _report(f"the store failed: {scrub_password(str(error), store)}")
        raise typer.Exit(EXIT_STORE_ERROR) from None


def _report(message: str) -> None:
    stderr().print(Text.assemble(("error: ", "bold red"), message))


# A password in any URL a message quotes (the store's, a driver's connection string).
_URL_PASSWORD: Final = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")


def _unexpected(error: BaseException) -> str:
    text = _URL_PASSWORD.sub(r"\1***@", str(error)).strip()
    return (
        f"libops failed unexpectedly ({type(error).__name__}: {text}); this is a bug: "
        "run the command again with --debug for the traceback and report it"
    )


def unwrap_help(text: str | None) -> str | None:
    """A docstring's paragraphs as single lines, so the help wraps them to the terminal.

    The source wraps docstrings at its own width; typer's rich help keeps those line breaks
    inside a paragraph and wraps again at the terminal's, leaving short broken lines. A
    paragraph that starts with ``\\b`` (click's "keep as written") is kept as it is.
    """
    if text is None:
        return None
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        p if p.startswith("\b") else " ".join(line.strip() for line in p.splitlines())
        for p in paragraphs
    )


def _tidy_help(command: Any) -> None:
    """Unwrap the help of ``command`` and of every command under it."""
    command.help = unwrap_help(command.help)
    for sub in getattr(command, "commands", {}).values():
        _tidy_help(sub)


class LibopsGroup(TyperGroup):
    """The ``libops`` command group: any error a command lets through ends it with a one-line
    message and an exit code, never a traceback (unless ``--debug``). The help of every
    command under it is unwrapped (:func:`unwrap_help`): each paragraph wraps to the
    terminal's width."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _tidy_help(self)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (Exit, Abort, TyperException, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            # The reader went away (`libops demo --help | head`): not libops's failure. Click
            # ends the command quietly (exit 1), as it does for `libops --help | head`.
            raise
        except Exception as error:
            if debugging():
                raise
            if isinstance(error, StoreUrlError | InvalidValueError):
                _report(str(error))
                raise Exit(
                    EXIT_BAD_URL if isinstance(error, StoreUrlError) else EXIT_USAGE
                ) from None
            if isinstance(error, LibopsError):
                _report(str(error))
                raise Exit(EXIT_STORE_ERROR) from None
            _report(_unexpected(error))
            raise Exit(EXIT_INTERNAL) from None


DebugOption = Annotated[
    bool,
    typer.Option(
        "--debug",
        envvar=DEBUG_ENV_VAR,
        help="Show the full traceback of an error instead of a one-line message.",
        show_envvar=True,
    ),
]

"""Every command libops knows, by name: to list them, and to build them from plain data.

The HTTP API, the command line and importers look commands up here and build them with
:func:`build`, so they carry out exactly what the Python API does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Importing the service modules registers their commands.
from libops.application import (  # noqa: F401
    budgets,
    campaigns,
    interactions,
    posts,
    privacy,
    publishing,
    risks,
)
from libops.application.commands import Command, CommandSpec, registry, structure
from libops.domain.errors import UnknownCommandError


def all_commands() -> Mapping[str, CommandSpec]:
    """Every command, by name in name order."""
    known = registry()
    return {name: known[name] for name in sorted(known)}


def command_spec(name: str) -> CommandSpec:
    """The command called ``name``; :class:`UnknownCommandError` if there is none."""
    spec = registry().get(name)
    if spec is None:
        raise UnknownCommandError(name)
    return spec


def build(name: str, data: Mapping[str, Any]) -> Command[Any]:
    """The command called ``name`` built from plain JSON-like ``data``.

    Raises :class:`~libops.domain.errors.InvalidCommandError` naming the field for anything
    missing, unknown or of the wrong kind.
    """
    return structure(command_spec(name).type, data)

"""Every command libops knows, by name: to list them, and to build them from plain data.

The HTTP API, the command line and importers look commands up here and build them with
:func:`build`, so they carry out exactly what the Python API does.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from typing import Any

import attrs

# Importing the service modules registers their commands.
from libops.application import (  # noqa: F401
    budgets,
    campaigns,
    checkpoints,
    interactions,
    posts,
    privacy,
    publishing,
    risks,
    standing,
    users,
)
from libops.application.commands import Command, CommandSpec, registry, structure
from libops.domain.errors import UnknownCommandError
from libops.domain.schema import converter


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


@attrs.frozen
class FieldInfo:
    """One field of a command: its name, its type as text, and whether it must be given."""

    name: str
    type: str
    required: bool
    default: Any
    """The default's plain (JSON) form; None when the field is required."""
    keyword: bool
    """Whether the typed method takes it by keyword only."""


@attrs.frozen
class CommandInfo:
    """What a command is: its name, class, summary, result, roles and fields."""

    name: str
    class_name: str
    summary: str
    returns: str
    roles: tuple[str, ...]
    requires: tuple[str, ...]
    """The role-table entries the actor needs (the roles are those all of them allow)."""
    fields: tuple[FieldInfo, ...]


def describe(name: str) -> CommandInfo:
    """The description of the command called ``name`` (for listings, the reference, APIs)."""
    spec = command_spec(name)
    command_type = spec.type
    fields = tuple(
        FieldInfo(
            name=field.name,
            type=type_text(field.type),
            required=field.default is attrs.NOTHING,
            default=None
            if field.default is attrs.NOTHING
            else converter.unstructure(field.default),
            keyword=field.kw_only,
        )
        for field in attrs.fields(command_type)
        if field.name != "idempotency_key"
    )
    return CommandInfo(
        name=name,
        class_name=command_type.__name__,
        summary=plain_markup(" ".join((command_type.__doc__ or "").split("\n\n")[0].split())),
        returns=type_text(result_type(command_type)),
        roles=tuple(sorted(role.value for role in spec.roles)),
        requires=spec.requires,
        fields=fields,
    )


def result_type(command_type: type[Command[Any]]) -> Any:
    """What a command class says its handler returns (``Command[UUID]`` gives UUID)."""
    for klass in command_type.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            if isinstance(origin, type) and issubclass(origin, Command):
                (result,) = typing.get_args(base)
                if not isinstance(result, typing.TypeVar):
                    return result
    return Any


def type_text(type_: Any) -> str:
    """A type as a reader would write it: ``UUID | str``, ``tuple[Platform, ...]``."""
    if isinstance(type_, str):
        return type_
    if type_ is None or type_ is type(None):
        return "None"
    if isinstance(type_, type) and not typing.get_args(type_):
        return type_.__name__
    words = []
    text = repr(type_).replace("typing.", "")
    for word in text.replace("[", " [ ").replace("]", " ] ").replace(",", " , ").split():
        words.append(word.rsplit(".", 1)[-1] if "." in word and word[0].isalpha() else word)
    return (
        " ".join(words)
        .replace(" [ ", "[")
        .replace(" ] ", "] ")
        .replace(" ]", "]")
        .replace(" , ", ", ")
    )


def plain_markup(text: str) -> str:
    """Docstring markup as plain text: ``:class:`~a.B``` and ````x```` become `B` and `x`."""
    text = re.sub(r":[a-z]+:`~?(?:[\w.]+\.)?(\w+)`", r"`\1`", text)
    return text.replace("``", "`")

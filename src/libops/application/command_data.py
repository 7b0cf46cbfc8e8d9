"""Commands as plain data: JSON-like values in and out, through the one cattrs converter.

:func:`structure` builds a command from what the HTTP API, the command line or an importer
read, refusing anything wrong with an error naming the field; :func:`unstructure` gives a
command's plain form back.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import (
    Any,
    Final,
    TypeVar,
)
from uuid import UUID

import cattrs

from libops.application.command_model import Command
from libops.domain.errors import (
    InvalidCommandError,
    InvalidValueError,
    UnknownIdError,
)
from libops.domain.schema import converter

C = TypeVar("C", bound="Command[Any]")


def _format_error(error: BaseException, type_: Any) -> str:
    if isinstance(error, InvalidValueError | UnknownIdError):
        return str(error)
    return cattrs.v.format_exception(error, type_)


def structure(command_type: type[C], data: Any) -> C:
    """Build a ``command_type`` from plain JSON-like data.

    Unknown fields, missing ones and values of the wrong kind are refused with an
    :class:`InvalidCommandError` naming the field.
    """
    name = command_type.NAME
    if not isinstance(data, Mapping):
        raise InvalidCommandError(name, None, f"expected an object, not {type(data).__name__}")
    try:
        return _json.structure(dict(data), command_type)
    except cattrs.BaseValidationError as error:
        first = cattrs.transform_error(error, path="$", format_exception=_format_error)[0]
        message, _, where = first.rpartition(" @ ")
        field = where.removeprefix("$").lstrip(".") or None
        raise InvalidCommandError(name, field, message or first) from None
    except (InvalidValueError, UnknownIdError, TypeError, ValueError) as error:
        raise InvalidCommandError(name, None, str(error)) from None


def unstructure(command: Command[Any]) -> dict[str, Any]:
    """The command's plain JSON-like form (what :func:`structure` reads back)."""
    plain = _json.unstructure(command, unstructure_as=type(command))
    assert isinstance(plain, dict)
    return plain


def _make_json_converter() -> cattrs.Converter:
    conv = converter.copy(detailed_validation=True, forbid_extra_keys=True)

    def is_union(type_: Any) -> bool:
        return typing.get_origin(type_) in (typing.Union, types.UnionType)

    def is_id_union(type_: Any) -> bool:
        if not is_union(type_):
            return False
        members = set(type_.__args__)
        return bool(members) and members <= {UUID, str, type(None)} and UUID in members

    def structure_id(value: Any, type_: Any) -> Any:
        if value is None and type(None) in type_.__args__:
            return None
        if isinstance(value, UUID):
            return value
        if not isinstance(value, str):
            raise InvalidValueError(f"an id is text, not {type(value).__name__}")
        try:
            return UUID(value)
        except ValueError:
            return value  # refused when loaded, naming the kind of thing it should name

    conv.register_structure_hook_func(is_id_union, structure_id)

    def is_value_or_text(type_: Any) -> bool:
        if not is_union(type_):
            return False
        members = [m for m in type_.__args__ if m is not type(None)]
        return len(members) == 2 and str in members and UUID not in members

    def structure_value_or_text(value: Any, type_: Any) -> Any:
        if value is None and type(None) in type_.__args__:
            return None
        other = next(m for m in type_.__args__ if m is not str and m is not type(None))
        if isinstance(value, str) and not issubclass(other, enum.Enum):
            return value  # a person's id where an Actor may stand, say
        return conv.structure(value, other)

    conv.register_structure_hook_func(is_value_or_text, structure_value_or_text)

    # JSON's own types are taken as they are: no "3" for 3, no 1 for "1", no "no" for True.
    def exactly(kind: type[Any], *also: type[Any]) -> Callable[[Any, Any], Any]:
        def structure_exactly(value: Any, _type: Any) -> Any:
            if isinstance(value, bool) and kind is not bool:
                raise InvalidValueError(f"expected {kind.__name__}, not a true/false value")
            if not isinstance(value, (kind, *also)):
                raise InvalidValueError(f"expected {kind.__name__}, not {type(value).__name__}")
            return value

        return structure_exactly

    conv.register_structure_hook(str, exactly(str))
    conv.register_structure_hook(int, exactly(int))
    conv.register_structure_hook(bool, exactly(bool))
    conv.register_structure_hook(float, exactly(float, int))
    return conv


_json: Final = _make_json_converter()

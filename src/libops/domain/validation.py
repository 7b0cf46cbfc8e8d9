"""The checks values and command arguments go through on construction: text (one line or
many, printable, within its limit), counts, days, moments, ids, enumeration members and lists.

Each raises a specific :class:`~libops.domain.errors.InvalidValueError` naming the field, and
checks the limits of :mod:`libops.domain.limits` unless stored events are being read back.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar
from uuid import UUID

import attrs

from libops.domain.errors import (
    ControlCharacterError,
    DateRangeError,
    InvalidValueError,
    LimitExceededError,
)
from libops.domain.limits import (
    COUNT_MAX,
    EARLIEST_DAY,
    ITEMS_MAX,
    LATEST_DAY,
    NAME_MAX,
    REASON_MAX,
    TEXT_MAX,
    checking_limits,
)

__all__ = [
    "at_most",
    "aware_moment",
    "bool_validator",
    "calendar_day",
    "check_length",
    "count_validator",
    "enum_converter",
    "optional_line",
    "optional_uuid",
    "positive_validator",
    "reason_text",
    "require_count",
    "require_day",
    "require_instance",
    "require_line",
    "require_text",
    "require_uuid",
    "storable_text",
    "text_list",
    "text_validator",
    "to_enum",
    "tuple_of",
    "utc_moment",
]

T = TypeVar("T")


# Any C0 or C1 control character, DEL, or a surrogate (which a Python string holds only
# when it is lone: a valid pair is one character): none is text a person meant to write.
_NOT_IN_A_LINE: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same, less the line breaks and tabs that multi-line text naturally holds.
_NOT_IN_TEXT: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _check_characters(field_name: str, value: str, *, one_line: bool) -> None:
    if not checking_limits():
        return
    bad = (_NOT_IN_A_LINE if one_line else _NOT_IN_TEXT).search(value)
    if bad is None:
        return
    char = bad.group()
    if "\ud800" <= char <= "\udfff":
        raise ControlCharacterError(
            field_name,
            f"{field_name} holds characters that are not valid Unicode "
            f"(a lone surrogate, U+{ord(char):04X}, at position {bad.start()})",
        )
    allowed = "one line of printable text" if one_line else "printable text, tabs and line breaks"
    raise ControlCharacterError(
        field_name,
        f"{field_name} holds the control character U+{ord(char):04X} at position "
        f"{bad.start()}; it must be {allowed}",
    )


def check_length(field_name: str, text: str, max_length: int) -> None:
    if checking_limits() and len(text) > max_length:
        raise LimitExceededError(
            field_name, max_length, f"{field_name} is {len(text)} characters; at most {max_length}"
        )


def storable_text(field_name: str, value: object, *, max_length: int = TEXT_MAX) -> str:
    """``value`` if it is text libops keeps: multi-line, at most ``max_length`` characters, no
    control characters but tabs and line breaks, no lone surrogates (it may be empty)."""
    if not isinstance(value, str):
        raise InvalidValueError(f"{field_name} must be text, not {type(value).__name__}")
    _check_characters(field_name, value, one_line=False)
    check_length(field_name, value.strip(), max_length)
    return value


def require_text(field_name: str, value: object, *, max_length: int | None = None) -> str:
    """``value`` stripped, if it is non-empty multi-line text of at most ``max_length``
    characters (:data:`TEXT_MAX` by default): a body, description, comment, note, reason."""
    stripped = storable_text(field_name, value, max_length=max_length or TEXT_MAX).strip()
    if not stripped:
        raise InvalidValueError(f"{field_name} must not be empty")
    return stripped


def reason_text(value: object, what: str = "reason") -> str:
    """A non-blank reason of at most :data:`~libops.domain.limits.REASON_MAX` characters,
    stripped (``what`` names it in an error)."""
    return require_text(what, value, max_length=REASON_MAX)


def optional_line(field_name: str, value: object, *, max_length: int = NAME_MAX) -> str:
    """``value`` stripped, if it is one line of printable text of at most ``max_length``
    characters (it may be empty): an actor's display name, say."""
    if not isinstance(value, str):
        raise InvalidValueError(f"{field_name} must be text, not {type(value).__name__}")
    stripped = value.strip()  # a line break or tab at either end is dropped, not refused
    _check_characters(field_name, stripped, one_line=True)
    check_length(field_name, stripped, max_length)
    return stripped


def require_line(field_name: str, value: object, *, max_length: int = NAME_MAX) -> str:
    """``value`` stripped, if it is one non-empty line of printable text of at most
    ``max_length`` characters: a name, title, handle, id or reference."""
    stripped = optional_line(field_name, value, max_length=max_length)
    if not stripped:
        raise InvalidValueError(f"{field_name} must not be empty")
    return stripped


def at_most(field_name: str, values: Iterable[T], limit: int = ITEMS_MAX) -> tuple[T, ...]:
    """``values`` as a tuple, if there are at most ``limit`` of them."""
    items: list[T] = []
    for value in values:
        items.append(value)
        if len(items) > limit and checking_limits():
            raise LimitExceededError(
                field_name, limit, f"{field_name} holds more than {limit} items; at most {limit}"
            )
    return tuple(items)


def require_count(field_name: str, value: object) -> int:
    """``value`` if it is a whole number from 0 to :data:`COUNT_MAX`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"{field_name} must be a whole number, not {type(value).__name__}")
    if value < 0:
        raise InvalidValueError(f"{field_name} must not be negative")
    if value > COUNT_MAX and checking_limits():
        raise LimitExceededError(field_name, COUNT_MAX, f"{field_name} is above {COUNT_MAX:,}")
    return value


D = TypeVar("D", bound=date)


def require_instance(
    kind: type[T], value: object, what: str, error: type[InvalidValueError] = InvalidValueError
) -> T:
    """``value`` if it is a ``kind``; else ``error`` saying ``what`` it must be and what it
    was (``what`` is the start of the message: "a post id is a UUID")."""
    if not isinstance(value, kind):
        raise error(f"{what}, not {type(value).__name__}")
    return value


def calendar_day(
    value: object, what: str, error: type[InvalidValueError] = InvalidValueError
) -> date:
    """``value`` if it is a calendar day (a date, not a datetime); else ``error`` saying
    ``what`` it must be and what it was (``what`` starts the message: "due_on is a date")."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise error(f"{what}, not {type(value).__name__}")
    return value


def require_day(field_name: str, value: D) -> D:
    """``value`` (a date, or the day of a datetime) if it lies in the years libops accepts."""
    day = value.date() if isinstance(value, datetime) else value
    if checking_limits() and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise DateRangeError(
            f"{field_name} ({value.isoformat()}) is outside the days libops accepts, "
            f"{EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}"
        )
    return value


def text_validator(max_length: int | None = None, *, one_line: bool = False) -> Any:
    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if one_line:
            require_line(attribute.name, value, max_length=max_length or NAME_MAX)
        else:
            require_text(attribute.name, value, max_length=max_length)

    return validate


E = TypeVar("E", bound=enum.Enum)


def to_enum(enum_type: type[E], value: object) -> E:
    """Return ``value`` as a member of ``enum_type`` (given the member or its value)."""
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in enum_type)
        raise InvalidValueError(
            f"{value!r} is not a {enum_type.__name__}; expected one of: {choices}"
        ) from None


def enum_converter(enum_type: type[E]) -> Callable[[object], E]:
    """A converter that turns a member or its value into a member of ``enum_type``."""

    def convert(value: object) -> E:
        return to_enum(enum_type, value)

    return convert


def tuple_of(kind: type[T], what: str, values: Iterable[object]) -> tuple[T, ...]:
    """``values`` as a tuple, each of them a ``kind`` (``what`` names them in the error)."""
    checked: list[T] = []
    for value in at_most(what, values):
        if not isinstance(value, kind):
            raise InvalidValueError(f"{what} must be {kind.__name__} values, not {value!r}")
        checked.append(value)
    return tuple(checked)


def aware_moment(field_name: str, value: object) -> datetime:
    """``value`` if it is a timezone-aware datetime (in its own zone), else InvalidValueError."""
    value = require_instance(datetime, value, f"{field_name} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValueError(f"{field_name} must be timezone-aware")
    return value


def utc_moment(field_name: str, value: object) -> datetime:
    """``value`` converted to UTC if it is a timezone-aware datetime, else InvalidValueError."""
    # Stored times are UTC: a moment in a repeated local hour (fold=1) would otherwise not
    # equal itself once reloaded with a fixed offset.
    aware = aware_moment(field_name, value)
    try:
        moment = aware.astimezone(UTC)
    except OverflowError:
        raise DateRangeError(f"{field_name} is out of range ({value!r})") from None
    return require_day(field_name, moment)


def require_uuid(what: str, value: object) -> UUID:
    """``value`` as a UUID (given as a UUID or its text), else InvalidValueError."""
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            pass
    raise InvalidValueError(f"{value!r} is not a {what}")


def optional_uuid(what: str, value: object) -> UUID | None:
    """``value`` as a UUID (given as a UUID or its text), None as None, else InvalidValueError."""
    return None if value is None else require_uuid(what, value)


def count_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.default is None:
        return
    require_count(attribute.name, value)


def bool_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: the field is True or False (not 0, 1 or text)."""
    if not isinstance(value, bool):
        raise InvalidValueError(f"{attribute.name} must be True or False, not {value!r}")


def positive_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: the field is a whole number from 1 (never a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(f"{attribute.name} must be a positive whole number, not {value!r}")


def text_list(what: str, value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise InvalidValueError(f"{what} is a list of texts, not a single text")
    try:
        return at_most(what, value)
    except TypeError:
        raise InvalidValueError(f"{what} is a list of texts, not {value!r}") from None

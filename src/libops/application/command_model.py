"""What a command is: the base class every command derives from, and its field converters.

A command is a frozen attrs class holding its target's id, its fields and an optional
idempotency key (:class:`Command`); :mod:`libops.application.commands` registers each one
and carries it out. Kept apart so that the plain-data form
(:mod:`libops.application.command_data`) builds on it without the execution path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import (
    Any,
    ClassVar,
    Final,
    Generic,
    TypeVar,
)

import attrs

from libops.application.dependencies import Dependencies
from libops.domain.errors import (
    InvalidValueError,
)
from libops.domain.values import require_line

R_co = TypeVar("R_co", covariant=True)

IDEMPOTENCY_KEY_MAX: Final = 200
"""The longest idempotency key accepted, in characters."""


def _check_key(_instance: object, _attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is None:
        return
    require_line("an idempotency key", value, max_length=IDEMPOTENCY_KEY_MAX)


@attrs.frozen
class Command(Generic[R_co]):
    """A request to change the record, as data; its handler says what it returns.

    Subclasses are named and registered by :func:`command`, which sets ``NAME``
    (``"campaign.plan"``) and ``REQUIRES`` (the role-table entries the actor needs;
    ``(NAME,)`` when empty).
    """

    NAME: ClassVar[str]
    REQUIRES: ClassVar[tuple[str, ...]] = ()
    KEYED: ClassVar[bool] = True
    """False for a command whose result must never be stored (personal data it opens): it
    takes no idempotency key, since the first result of a keyed command is stored."""

    idempotency_key: str | None = attrs.field(default=None, kw_only=True, validator=_check_key)

    def permissions(self) -> tuple[str, ...]:
        """The role-table entries the acting person needs for this command."""
        return type(self).REQUIRES or (type(self).NAME,)

    def fingerprint_data(self, deps: Dependencies) -> dict[str, Any]:
        """What the idempotency fingerprint is made of: the fields, less the key.

        Commands that carry personal data put the participant's subject id in its place,
        so that no digest of personal data outlives an erasure. Values are taken as they
        are (a bad one is refused by the handler, not here).
        """
        return self.arguments()

    def arguments(self, *leave_out: str) -> dict[str, Any]:
        """The command's fields by name (without the idempotency key and ``leave_out``)."""
        return {
            field.name: getattr(self, field.name)
            for field in attrs.fields(type(self))
            if field.name != "idempotency_key" and field.name not in leave_out
        }


# --- field converters: what the typed methods accept, made into plain values -------------


def items(values: Iterable[Any]) -> tuple[Any, ...]:
    """A list given to a command, as a tuple (a lone string is refused, not split up)."""
    if isinstance(values, str | bytes):
        raise InvalidValueError(f"expected a list of values, not the text {values!r}")
    try:
        return tuple(values)
    except TypeError:
        raise InvalidValueError(f"expected a list of values, not {values!r}") from None


def optional_items(values: Iterable[Any] | None) -> tuple[Any, ...] | None:
    """Like :func:`items`, but None (leave unchanged) stays None."""
    return None if values is None else items(values)

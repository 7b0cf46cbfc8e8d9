"""Exact arithmetic for the analysis: fractions in, Decimals rounded once to 28 digits out."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Final, TypeAlias

from libops.domain.errors import InvalidValueError

PRECISION: Final = 28
"""Significant digits of every computed Decimal (rates, means, deviations, coefficients)."""

_CONTEXT: Final = Context(prec=PRECISION, rounding=ROUND_HALF_EVEN)

COUNTS: Final = ("reads", "views", "likes", "comments", "shares", "favourites", "followers_gained")
"""The cumulative counts of a snapshot (``followers_gained`` is ``None`` where not reported)."""

Number: TypeAlias = Decimal | int | float
"""What the statistics accept: Decimal, int, or a finite float (read as its shortest text)."""


def _decimal(value: Fraction) -> Decimal:
    """``value`` rounded once to :data:`PRECISION` significant digits."""
    return _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _sqrt(value: Fraction) -> Decimal:
    """The square root of a non-negative fraction, to :data:`PRECISION` digits."""
    # Scale up so the one rounding of the division loses nothing the root would show.
    return _CONTEXT.sqrt(
        Context(prec=PRECISION + 10).divide(Decimal(value.numerator), Decimal(value.denominator))
    )


def _rate(numerator: int, denominator: int) -> Decimal | None:
    return None if denominator == 0 else _decimal(Fraction(numerator, denominator))


def _exact(value: object, what: str) -> Fraction:
    """``value`` as an exact fraction, or :class:`InvalidValueError` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        hint = " (convert text with Decimal(text))" if isinstance(value, str) else ""
        raise InvalidValueError(f"{what} must be a number, not {value!r}{hint}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValueError(f"{what} must be a finite number, not {value!r}")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidValueError(f"{what} must be a finite number, not {value!r}")
    return Fraction(value)


def _numbers(values: Iterable[Number | None], what: str) -> tuple[list[Fraction], int]:
    """The numbers of ``values`` as fractions (in order) and how many were ``None``."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidValueError(f"{what} must be a sequence of numbers, not {values!r}")
    found: list[Fraction] = []
    missing = 0
    for index, value in enumerate(values):
        if value is None:
            missing += 1
        else:
            found.append(_exact(value, f"{what}[{index}]"))
    return found, missing


def _whole(value: object, what: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidValueError(f"{what} must be a whole number >= {minimum}, not {value!r}")
    return value

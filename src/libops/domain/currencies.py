"""ISO 4217 currency codes and their minor units (the number of decimal places), the
checks an amount of money and its currency go through, and :class:`Money` itself.

Only currencies with a defined minor unit are listed: precious metals, testing codes and
the like (XAU, XTS, XXX...) are not money a library spends.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Final

import attrs

from libops.domain.errors import CurrencyError, MoneyError

_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB "
    "EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS "
    "KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN "
    "MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD "
    "SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS "
    "UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)


def _table() -> dict[str, int]:
    table: dict[str, int] = {}
    for codes, minor in ((_ZERO, 0), (_TWO, 2), (_THREE, 3), (_FOUR, 4)):
        for code in codes.split():
            table[code] = minor
    return table


MINOR_UNITS: Final = MappingProxyType(_table())
"""Decimal places of each ISO 4217 currency, keyed by its three-letter code."""

DEFAULT_CURRENCY: Final = "CNY"


def currency_code(value: object) -> str:
    """Return ``value`` as a known ISO 4217 code, or raise :class:`CurrencyError`."""
    if not isinstance(value, str) or value not in MINOR_UNITS:
        raise CurrencyError(f"{value!r} is not an ISO 4217 currency code with a minor unit")
    return value


def exact_decimal(value: Decimal | int | str) -> Decimal:
    """``value`` as an exact, finite, non-negative Decimal, else :class:`MoneyError`."""
    # A float (or a bool) is not exact money; callers that pass one anyway are refused here.
    if isinstance(value, bool | float):
        raise MoneyError(
            f"money must be given as a Decimal, int or string, never a float ({value!r})"
        )
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(f"{value!r} is not a number") from None
    elif isinstance(value, Decimal):
        amount = value
    else:
        raise MoneyError(f"money cannot be made from a {type(value).__name__}")
    if not amount.is_finite():
        raise MoneyError(f"money must be finite, not {amount}")
    if amount < 0:
        raise MoneyError(f"money must not be negative ({amount})")
    return amount


# --- money -----------------------------------------------------------------------------


def _currency_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    currency_code(value)


@attrs.frozen(order=False)
class Money:
    """An exact, non-negative amount in one currency, quantised to its minor unit."""

    amount: Decimal = attrs.field(converter=exact_decimal)
    currency: str = attrs.field(default=DEFAULT_CURRENCY, validator=_currency_validator)

    def __attrs_post_init__(self) -> None:
        exponent = Decimal(1).scaleb(-MINOR_UNITS[self.currency])
        try:
            quantised = self.amount.quantize(exponent)
        except InvalidOperation:
            # More digits than the decimal context holds exactly (28 by default).
            raise MoneyError(
                f"{self.amount} {self.currency} is too large to hold exactly"
            ) from None
        if quantised != self.amount:
            raise MoneyError(
                f"{self.amount} has more decimal places than {self.currency} allows "
                f"({MINOR_UNITS[self.currency]})"
            )
        # copy_abs: a negative zero ("-0") is stored and shown as plain zero.
        object.__setattr__(self, "amount", quantised.copy_abs())

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        """No money, in ``currency``."""
        return cls(Decimal(0), currency)

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise MoneyError(f"cannot combine money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

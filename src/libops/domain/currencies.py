"""ISO 4217 currency codes and their minor units (the number of decimal places).

Only currencies with a defined minor unit are listed: precious metals, testing codes and
the like (XAU, XTS, XXX...) are not money a library spends.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

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

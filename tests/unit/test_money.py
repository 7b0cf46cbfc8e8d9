"""Money: exact Decimal amounts quantised to the currency's minor unit; everything else refused."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libops import Actor, KolPartner, LibOps, Money, Period, Platform
from libops.domain.currencies import DEFAULT_CURRENCY, MINOR_UNITS
from libops.domain.errors import CurrencyError, InvalidValueError, MoneyError
from tests.helpers import refused

_CURRENCIES = sorted(MINOR_UNITS)
_currencies = st.sampled_from(_CURRENCIES)


def _minor(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


@st.composite
def _exact_amounts(draw: st.DrawFn) -> tuple[Decimal, str]:
    """An amount with at most the currency's decimal places, and the currency."""
    currency = draw(_currencies)
    units = draw(st.integers(min_value=0, max_value=10**20))
    return Decimal(units).scaleb(-MINOR_UNITS[currency]), currency


# --- bad amounts, by class -------------------------------------------------------------


def _is_garbage(text: str) -> bool:
    try:
        Decimal(text.strip())
    except InvalidOperation:
        return True
    return False


@st.composite
def _too_precise(draw: st.DrawFn) -> tuple[object, str]:
    currency = draw(_currencies)
    # A last digit other than 0 makes the value itself finer than the minor unit.
    units = draw(st.integers(min_value=1, max_value=10**12).filter(lambda n: n % 10 != 0))
    extra = draw(st.integers(min_value=1, max_value=6))
    amount = Decimal(units).scaleb(-(MINOR_UNITS[currency] + extra))
    return draw(st.sampled_from([amount, str(amount)])), currency


@st.composite
def _too_large(draw: st.DrawFn) -> tuple[object, str]:
    currency = draw(_currencies)
    digits = draw(st.integers(min_value=29 - MINOR_UNITS[currency], max_value=400))
    amount = Decimal(draw(st.integers(min_value=1, max_value=9))).scaleb(digits)
    return draw(st.sampled_from([amount, str(amount), int(amount)])), currency


_negative_decimals = st.decimals(
    max_value=Decimal("-0.0001"), allow_nan=False, allow_infinity=False, places=4
)
_nan_spellings = ["NaN", "nan", "-NaN", "sNaN", "-sNaN", "NaN123", "  nan  "]
_infinity_spellings = ["Infinity", "-Infinity", "inf", "-inf", "Inf", " infinity "]

BAD_AMOUNTS: dict[str, st.SearchStrategy[tuple[object, str]]] = {
    "float": st.tuples(
        st.floats(allow_nan=False, allow_infinity=False) | st.integers(0, 10**6).map(float),
        _currencies,
    ),
    "nan": st.tuples(
        st.sampled_from(_nan_spellings).flatmap(lambda s: st.sampled_from([s, Decimal(s)]))
        | st.just(float("nan")),
        _currencies,
    ),
    "infinite": st.tuples(
        st.sampled_from(_infinity_spellings).flatmap(lambda s: st.sampled_from([s, Decimal(s)]))
        | st.sampled_from([float("inf"), float("-inf")]),
        _currencies,
    ),
    "negative": st.tuples(
        st.one_of(
            _negative_decimals,
            _negative_decimals.map(str),
            st.integers(max_value=-1),
        ),
        _currencies,
    ),
    "too precise": _too_precise(),
    "too large": _too_large(),
    "bool or None": st.tuples(st.sampled_from([True, False, None]), _currencies),
    "garbage text": st.tuples(
        st.sampled_from(["", " ", "abc", "1,000", "12.3.4", "¥100", "1e", "--1", "0x10", "½"])
        | st.text(max_size=12).filter(_is_garbage),
        _currencies,
    ),
    "other type": st.tuples(
        st.sampled_from([[1], {"amount": "1"}, b"1", 1j, Fraction(1, 2), object(), (1, 2)]),
        _currencies,
    ),
}
"""Ways to give a bad amount (with a valid currency); each raises MoneyError."""

BAD_CURRENCIES: dict[str, st.SearchStrategy[object]] = {
    "unknown code": st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3).filter(
        lambda code: code not in MINOR_UNITS
    ),
    "lower case": _currencies.map(str.lower),
    "padded or mixed case": _currencies.flatmap(
        lambda c: st.sampled_from([f" {c}", f"{c} ", c.capitalize()])
    ),
    "not text": st.sampled_from([None, 156, b"CNY", ["CNY"], 1.0]),
    "precious metal or test code": st.sampled_from(["XAU", "XAG", "XTS", "XXX", "XDR"]),
}
"""Ways to give a bad currency (with a valid amount); each raises CurrencyError."""

_EXAMPLES_PER_CLASS = 40  # x 9 classes of amounts and 5 of currencies: well over 200 bad inputs


class TestValidAmounts:
    @pytest.mark.parametrize(
        ("currency", "given", "stored"),
        [
            ("JPY", "1500", "1500"),
            ("JPY", Decimal("1500.0"), "1500"),
            ("CNY", "12.5", "12.50"),
            ("CNY", 7, "7.00"),
            ("KWD", "0.125", "0.125"),
            ("KWD", "3", "3.000"),
            ("CLF", "1.2345", "1.2345"),
            ("CLF", Decimal("2"), "2.0000"),
        ],
    )
    def test_quantised_to_minor_unit(
        self, currency: str, given: Decimal | int | str, stored: str
    ) -> None:
        """JPY has 0 decimal places, CNY 2, KWD 3, CLF 4: amounts are held at exactly that."""
        money = Money(given, currency)
        assert str(money.amount) == stored
        assert money.amount.as_tuple().exponent == -MINOR_UNITS[currency]
        assert str(money) == f"{stored} {currency}"

    @given(_exact_amounts())
    def test_every_exact_amount_is_kept(self, amount_currency: tuple[Decimal, str]) -> None:
        """Any non-negative amount within the minor unit is kept, given as Decimal or text."""
        amount, currency = amount_currency
        for given_as in (amount, str(amount), f"  {amount}  "):
            money = Money(given_as, currency)
            assert money.amount == amount
            assert money.amount.as_tuple().exponent == -MINOR_UNITS[currency]
            assert money.currency == currency

    @given(_currencies, st.integers(min_value=0, max_value=10**15))
    def test_whole_numbers_in_every_currency(self, currency: str, units: int) -> None:
        """An int is an exact amount in any currency."""
        assert Money(units, currency).amount == Decimal(units)

    def test_trailing_zeros_beyond_the_minor_unit_are_exact(self) -> None:
        """'1.5000' CNY is exactly 1.50: zeros past the minor unit lose nothing."""
        assert str(Money("1.5000", "CNY").amount) == "1.50"

    def test_negative_zero_is_zero(self) -> None:
        """'-0' is stored and shown as 0.00, never as -0.00."""
        money = Money("-0.00", "CNY")
        assert str(money) == "0.00 CNY"
        assert money == Money.zero("CNY")

    def test_default_currency_is_cny(self) -> None:
        """Without a currency, money is in CNY."""
        assert DEFAULT_CURRENCY == "CNY"
        assert Money(Decimal(1)).currency == "CNY"
        assert Money.zero() == Money(Decimal("0.00"), "CNY")

    def test_every_listed_currency_has_a_known_minor_unit(self) -> None:
        """The currency table holds three-letter upper-case codes with 0, 2, 3 or 4 places."""
        assert {"JPY": 0, "CNY": 2, "KWD": 3, "CLF": 4}.items() <= MINOR_UNITS.items()
        for code, places in MINOR_UNITS.items():
            assert len(code) == 3
            assert code.isascii()
            assert code.isupper()
            assert places in (0, 2, 3, 4)


class TestBadAmounts:
    @pytest.mark.parametrize("kind", list(BAD_AMOUNTS))
    @settings(max_examples=_EXAMPLES_PER_CLASS)
    @given(data=st.data())
    def test_bad_amount_is_refused(self, kind: str, data: st.DataObject) -> None:
        """Floats, NaN, sNaN, infinities, negatives, too many places, bools, None, garbage."""
        amount, currency = data.draw(BAD_AMOUNTS[kind])
        with pytest.raises(MoneyError):
            Money(amount, currency)  # type: ignore[arg-type]  # bad amounts are refused at run time

    @pytest.mark.parametrize("kind", list(BAD_CURRENCIES))
    @settings(max_examples=_EXAMPLES_PER_CLASS)
    @given(data=st.data())
    def test_bad_currency_is_refused(self, kind: str, data: st.DataObject) -> None:
        """Unknown, lower-case, padded codes and non-text currencies raise CurrencyError."""
        currency = data.draw(BAD_CURRENCIES[kind])
        with pytest.raises(CurrencyError):
            Money(Decimal(1), currency)  # type: ignore[arg-type]  # deliberately not a code

    def test_money_errors_are_invalid_values(self) -> None:
        """Both errors are InvalidValueErrors (and ValueErrors) a caller can catch together."""
        assert issubclass(MoneyError, InvalidValueError)
        assert issubclass(CurrencyError, InvalidValueError)
        assert issubclass(MoneyError, ValueError)

    def test_error_says_what_was_wrong(self) -> None:
        """The message names the float, the lost decimal places or the bad code."""
        with pytest.raises(MoneyError, match="never a float"):
            Money(0.1, "CNY")  # type: ignore[arg-type]  # a float is refused at run time
        with pytest.raises(MoneyError, match="more decimal places than JPY allows"):
            Money("1.5", "JPY")
        with pytest.raises(CurrencyError, match="'cny'"):
            Money(Decimal(1), "cny")


_ORDERINGS: list[Callable[[Any, Any], Any]] = [
    operator.add,
    operator.sub,
    operator.lt,
    operator.le,
    operator.gt,
    operator.ge,
]


class TestArithmetic:
    @given(
        _exact_amounts(),
        _exact_amounts(),
        st.sampled_from(_ORDERINGS),
    )
    def test_across_currencies_refused(
        self,
        a: tuple[Decimal, str],
        b: tuple[Decimal, str],
        op: Callable[[Any, Any], Any],
    ) -> None:
        """Adding, subtracting or comparing two currencies raises CurrencyError."""
        if a[1] == b[1]:
            return
        with pytest.raises(CurrencyError):
            op(Money(*a), Money(*b))

    @pytest.mark.parametrize("op", _ORDERINGS, ids=lambda op: op.__name__)
    @pytest.mark.parametrize("other", [1, Decimal(1), "1", 1.0, None])
    def test_with_a_non_money_refused(self, op: Callable[[Any, Any], Any], other: object) -> None:
        """Money combines only with Money."""
        with pytest.raises(MoneyError):
            op(Money(Decimal(1), "CNY"), other)

    @given(_currencies, st.integers(0, 10**15), st.integers(0, 10**15))
    def test_sum_and_difference_are_exact(self, currency: str, x: int, y: int) -> None:
        """Sums are exact in the currency's minor unit; a difference below zero is refused."""
        a = Money(Decimal(x).scaleb(-MINOR_UNITS[currency]), currency)
        b = Money(Decimal(y).scaleb(-MINOR_UNITS[currency]), currency)
        assert (a + b).amount == a.amount + b.amount
        assert (a + b).amount.as_tuple().exponent == -MINOR_UNITS[currency]
        assert a + b == b + a
        if x >= y:
            assert (a - b) + b == a
        else:
            with pytest.raises(MoneyError, match="negative"):
                a - b

    def test_a_sum_too_large_to_hold_is_refused(self) -> None:
        """A sum with more digits than Decimal holds exactly raises MoneyError, not rounding."""
        big = Money("9" * 26, "CNY")
        with pytest.raises(MoneyError, match="too large"):
            big + big

    def test_ordering_within_a_currency(self) -> None:
        """Amounts in one currency compare by value."""
        small, large = Money(Decimal("1.00"), "USD"), Money(Decimal("2"), "USD")
        assert small < large
        assert small <= large
        assert large > small
        assert large >= small
        assert Money(Decimal(1), "USD") != Money(Decimal(1), "EUR")


# --- through the service ---------------------------------------------------------------

_PERIOD = Period(date(2026, 4, 1), date(2026, 4, 30))


def _partner(fee: object) -> KolPartner:
    # Bad fees are the point: KolPartner refuses anything but Money at run time.
    return KolPartner("@bookworm", Platform.DOUYIN, 120_000, ("two videos",), fee)  # type: ignore[arg-type]  # deliberately not Money


class TestKolFeeThroughTheService:
    @pytest.mark.parametrize(
        ("make_fee", "error"),
        [
            (lambda: Money(8000.0, "CNY"), MoneyError),  # type: ignore[arg-type]  # a float is refused at run time
            (lambda: Money(Decimal("NaN"), "CNY"), MoneyError),
            (lambda: Money("Infinity", "CNY"), MoneyError),
            (lambda: Money("-8000", "CNY"), MoneyError),
            (lambda: Money("8000.001", "CNY"), MoneyError),
            (lambda: Money("8000.5", "JPY"), MoneyError),
            (lambda: Money(Decimal(8000), "cny"), CurrencyError),
            (lambda: Money(Decimal(8000), "RMB"), CurrencyError),
            (lambda: Decimal("8000"), MoneyError),
            (lambda: "8000 CNY", MoneyError),
            (lambda: 8000.0, MoneyError),
        ],
        ids=[
            "float",
            "nan",
            "infinite",
            "negative",
            "too-precise-cny",
            "too-precise-jpy",
            "lower-case-currency",
            "unknown-currency",
            "decimal-not-money",
            "text-not-money",
            "bare-float",
        ],
    )
    def test_bad_fee_records_nothing(
        self,
        ops: LibOps,
        planner: Actor,
        make_fee: Callable[[], object],
        error: type[Exception],
    ) -> None:
        """A partner with a bad fee cannot even be constructed, and nothing is recorded."""
        campaign_id = ops.campaigns.plan(planner, name="Readers", kind="kol", period=_PERIOD)
        refused(
            ops,
            error,
            lambda: ops.campaigns.add_kol_partner(planner, campaign_id, _partner(make_fee())),
        )
        assert ops.campaigns.get(campaign_id).kol_partners == ()

    def test_good_fee_is_recorded_exactly(self, ops: LibOps, planner: Actor) -> None:
        """A valid fee is stored and reads back quantised, as the same Money."""
        campaign_id = ops.campaigns.plan(planner, name="Readers", kind="kol", period=_PERIOD)
        ops.campaigns.add_kol_partner(planner, campaign_id, _partner(Money("250.5", "KWD")))
        [partner] = ops.campaigns.get(campaign_id).kol_partners
        assert partner.fee == Money(Decimal("250.500"), "KWD")
        assert str(partner.fee.amount) == "250.500"

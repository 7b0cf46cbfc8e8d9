"""Money in budgets is exact: only Money in the budget's currency, never float, NaN or rounding.

The central test here gives at least 200 hypothesis-generated bad amounts (floats, NaN,
infinities, negative numbers, too many decimal places for the currency, the wrong currency,
bools, None and other garbage, and Money objects altered after construction) to allocate,
commit, record_expense, release and move through ``ops.budgets``: every one is refused with
MoneyError or CurrencyError, and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libops import Budget, BudgetCategory, LibOps, Money, Period, Position
from libops.domain.currencies import MINOR_UNITS
from libops.domain.errors import CurrencyError, MoneyError
from tests.actors import ADMIN, OWNER, PLANNER
from tests.helpers import count_events, refused

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
PROMOTION = BudgetCategory.PROMOTION

BAD_AMOUNT_EXAMPLES = 300
"""How many bad amounts hypothesis generates (each is given to five commands)."""

MINIMUM_BAD_AMOUNTS = 200


_UNSET = object()


def _forged(amount: object = _UNSET, currency: object = _UNSET) -> Money:
    """A Money whose amount or currency was changed after it was checked (it is frozen)."""
    money = Money(Decimal(1), "CNY")
    if amount is not _UNSET:
        object.__setattr__(money, "amount", amount)
    if currency is not _UNSET:
        object.__setattr__(money, "currency", currency)
    return money


_finite_floats = st.floats(allow_nan=False, allow_infinity=False)
_special_decimals = st.sampled_from(
    [Decimal("NaN"), Decimal("-NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")]
)
_negative_decimals = st.decimals(max_value=Decimal("-0.01"), allow_nan=False, places=2)
_too_precise = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal(10**9), allow_nan=False, places=3
).filter(lambda d: d != d.quantize(Decimal("0.01")))
_garbage = st.one_of(
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.complex_numbers(allow_nan=False, allow_infinity=False),
    st.fractions(),
    st.just(object()),
)

_wrong_currency = st.builds(
    lambda currency, units: Money(Decimal(units).scaleb(-MINOR_UNITS[currency]), currency),
    st.sampled_from(sorted(set(MINOR_UNITS) - {"CNY"})),
    st.integers(min_value=0, max_value=10**15),
)

BAD_SORTS: dict[str, tuple[st.SearchStrategy[object], type[Exception]]] = {
    "float": (st.floats(allow_nan=False, allow_infinity=False), MoneyError),
    "NaN or infinite float": (
        st.sampled_from([float("nan"), float("inf"), float("-inf")]),
        MoneyError,
    ),
    "NaN or infinite Decimal": (_special_decimals, MoneyError),
    "negative Decimal": (_negative_decimals, MoneyError),
    "too many decimals for CNY (Decimal)": (_too_precise, MoneyError),
    "Decimal or int (not Money)": (
        st.one_of(st.decimals(allow_nan=False, allow_infinity=False), st.integers()),
        MoneyError,
    ),
    "numeric text": (st.decimals(allow_nan=True).map(str), MoneyError),
    "bool, None or garbage": (_garbage, MoneyError),
    "Money altered to NaN, infinite, negative or too precise": (
        st.one_of(
            _special_decimals,
            _negative_decimals,
            _too_precise,
            _finite_floats,
            st.sampled_from([float("nan"), float("inf"), True, None, "1.005", Fraction(1, 3)]),
        ).map(lambda v: _forged(amount=v)),
        MoneyError,
    ),
    "Money altered to an unknown currency": (
        st.sampled_from(["XYZ", "cny", "", None, 156, "XAU"]).map(lambda c: _forged(currency=c)),
        CurrencyError,
    ),
    "Money in another currency": (_wrong_currency, CurrencyError),
    "zero": (st.just(Money(0, "CNY")), MoneyError),
}
"""Each sort of bad amount for a CNY budget: how to make one, and the error it must raise."""

BadAmount = tuple[str, object, type[Exception]]


def bad_amounts() -> st.SearchStrategy[BadAmount]:
    """(sort, value, the error it must raise): a sort picked evenly, then a value of it."""
    return st.sampled_from(sorted(BAD_SORTS)).flatmap(
        lambda sort: BAD_SORTS[sort][0].map(lambda value: (sort, value, BAD_SORTS[sort][1]))
    )


@pytest.fixture
def funded(memory_ops: LibOps) -> tuple[LibOps, Any]:
    """A CNY budget on memory with money on the promotion line and one commitment."""
    ops = memory_ops
    budget_id = ops.budgets.open(OWNER, name="2026", period=YEAR)
    ops.budgets.allocate(OWNER, budget_id, PROMOTION, Money(100_000))
    ops.budgets.commit(PLANNER, budget_id, reference="PO-1", amount=Money(1000), category=PROMOTION)
    return ops, budget_id


def _commands(ops: LibOps, budget_id: Any) -> dict[str, Callable[[object, int], object]]:
    """Each budget command that takes an amount, given that amount and a serial number."""
    budgets = ops.budgets
    return {
        "allocate": lambda v, n: budgets.allocate(OWNER, budget_id, PROMOTION, v),  # type: ignore[arg-type]  # bad on purpose
        "commit": lambda v, n: budgets.commit(
            PLANNER,
            budget_id,
            reference=f"PO-bad-{n}",
            amount=v,  # type: ignore[arg-type]  # bad on purpose
            category=PROMOTION,
            idempotency_key=f"commit-bad-{n}",
        ),
        "record_expense": lambda v, n: budgets.record_expense(
            ADMIN,
            budget_id,
            vendor="Print shop",
            invoice_reference=f"INV-bad-{n}",
            amount=v,  # type: ignore[arg-type]  # bad on purpose
            category=PROMOTION,
        ),
        # For release, no amount (None) means all that is held: it is given Money(0) instead.
        "release": lambda v, n: budgets.release(
            ADMIN,
            budget_id,
            "PO-1",
            reason="fewer posters",
            amount=Money(0) if v is None else v,  # type: ignore[arg-type]  # bad on purpose
        ),
        "move": lambda v, n: budgets.move(
            PLANNER,
            budget_id,
            amount=v,  # type: ignore[arg-type]  # bad on purpose
            from_category=PROMOTION,
            to_category=BudgetCategory.STAFF,
            reason="x",
            approver=OWNER,
        ),
    }


class TestBadAmounts:
    def test_hypothesis_bad_amounts_are_all_refused(
        self, funded: tuple[LibOps, Any], capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Hundreds of bad amounts, each given to five commands: all refused, nothing recorded."""
        ops, budget_id = funded
        commands = _commands(ops, budget_id)
        tried: list[str] = []
        positions = ops.budgets.positions(budget_id)

        @settings(
            max_examples=BAD_AMOUNT_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(case=bad_amounts())
        def attempt(case: BadAmount) -> None:
            sort, value, expected = case
            for name, command in commands.items():
                before = count_events(ops)
                with pytest.raises(expected) as raised:
                    command(value, len(tried))
                assert type(raised.value) is expected, (name, sort, value, raised.value)
                assert count_events(ops) == before, (name, sort, value)
            tried.append(sort)

        attempt()
        assert ops.budgets.positions(budget_id) == positions
        assert len(tried) >= MINIMUM_BAD_AMOUNTS
        with capsys.disabled():
            sorts = {sort: tried.count(sort) for sort in sorted(set(tried))}
            print(f"\nbad amounts tried: {len(tried)} (x{len(commands)} commands): {sorts}")

    @pytest.mark.parametrize(
        ("value", "error"),
        [
            (0.1, MoneyError),
            (float("nan"), MoneyError),
            (float("-inf"), MoneyError),
            (Decimal("NaN"), MoneyError),
            (Decimal("-5"), MoneyError),
            (Decimal("1.005"), MoneyError),
            ("12.50", MoneyError),
            (True, MoneyError),
            (None, MoneyError),
            (Money(1, "USD"), CurrencyError),
            (_forged(amount=Decimal("1.005")), MoneyError),
            (_forged(amount=Decimal("-1")), MoneyError),
            (_forged(amount=float("nan")), MoneyError),
            (_forged(currency="XYZ"), CurrencyError),
        ],
        ids=repr,
    )
    def test_named_bad_amounts(
        self, funded: tuple[LibOps, Any], value: object, error: type[Exception]
    ) -> None:
        """Each kind of bad amount, written out, is refused by every command; nothing recorded."""
        ops, budget_id = funded
        for command in _commands(ops, budget_id).values():
            refused(ops, error, partial(command, value, 0))


class TestBudgetCurrencies:
    @pytest.mark.parametrize(("currency", "amount"), [("JPY", "1500"), ("KWD", "12.345")])
    def test_minor_units_of_the_budget_currency(self, currency: str, amount: str) -> None:
        """A JPY budget takes whole yen; a KWD budget takes three decimal places."""
        budget = Budget.open(OWNER, name="2026", period=YEAR, currency=currency)
        budget.allocate(OWNER, PROMOTION, Money(Decimal(amount), currency))
        assert budget.category_position(PROMOTION).allocated == Money(Decimal(amount), currency)
        with pytest.raises(CurrencyError):
            budget.allocate(OWNER, PROMOTION, Money(Decimal(1), "CNY"))
        with pytest.raises(MoneyError):
            budget.allocate(OWNER, PROMOTION, _forged(amount=Decimal("0.0001"), currency=currency))

    def test_a_money_subclass_is_checked_again(self) -> None:
        """A value that merely looks like Money is rebuilt; the stored amount is plain Money."""

        class Sneaky(Money):
            pass

        budget = Budget.open(OWNER, name="2026", period=YEAR)
        budget.allocate(OWNER, PROMOTION, Sneaky(Decimal("5"), "CNY"))
        [_, allocated] = budget.collect_events()
        assert type(allocated.amount) is Money  # type: ignore[attr-defined]  # Allocated event


@st.composite
def _cny_amounts(draw: st.DrawFn) -> Money:
    cents = draw(st.integers(min_value=1, max_value=10**14))
    return Money(Decimal(cents).scaleb(-2), "CNY")


class TestExactness:
    @given(amounts=st.lists(_cny_amounts(), min_size=1, max_size=30))
    def test_totals_are_exact_sums(self, amounts: list[Money]) -> None:
        """Allocated totals are the exact sum of the allocations: nothing is ever rounded."""
        budget = Budget.open(OWNER, name="2026", period=YEAR)
        for amount in amounts:
            budget.allocate(OWNER, PROMOTION, amount)
        exact = sum((m.amount for m in amounts), Decimal(0))
        assert budget.category_position(PROMOTION).allocated.amount == exact
        assert budget.total_position().allocated.amount == exact

    @given(
        allocations=st.lists(_cny_amounts(), min_size=1, max_size=5),
        spends=st.lists(_cny_amounts(), max_size=10),
    )
    def test_available_never_drifts(self, allocations: list[Money], spends: list[Money]) -> None:
        """After any mix of commitments and expenses, available is exactly what is left."""
        budget = Budget.open(OWNER, name="2026", period=YEAR)
        for amount in allocations:
            budget.allocate(OWNER, PROMOTION, amount)
        left = sum((m.amount for m in allocations), Decimal(0))
        for n, amount in enumerate(spends):
            if amount.amount > left:
                continue
            if n % 2:
                budget.commit(PLANNER, reference=f"PO-{n}", amount=amount, category=PROMOTION)
            else:
                budget.record_expense(
                    ADMIN,
                    vendor="v",
                    invoice_reference=f"INV-{n}",
                    amount=amount,
                    category=PROMOTION,
                )
            left -= amount.amount
        position = budget.category_position(PROMOTION)
        assert position.available == left
        assert isinstance(position, Position)

    def test_one_tenth_plus_two_tenths(self) -> None:
        """0.10 + 0.20 is exactly 0.30 (a float would give 0.30000000000000004)."""
        budget = Budget.open(OWNER, name="2026", period=YEAR)
        budget.allocate(OWNER, PROMOTION, Money(Decimal("0.10")))
        budget.allocate(OWNER, PROMOTION, Money(Decimal("0.20")))
        budget.record_expense(
            ADMIN,
            vendor="v",
            invoice_reference="I",
            amount=Money(Decimal("0.30")),
            category=PROMOTION,
        )
        assert budget.category_position(PROMOTION).available == 0

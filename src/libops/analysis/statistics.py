"""Descriptive statistics and correlation (Pearson, Spearman) over exact numbers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Final

import attrs

from libops.analysis.engagement import NUMERIC_FIELDS, Observation, _rows
from libops.analysis.exact import Number, _decimal, _exact, _numbers, _sqrt
from libops.domain.errors import InvalidValueError

# --- descriptive statistics -------------------------------------------------------------


@attrs.frozen
class Description:
    """Descriptive statistics of a list of numbers, as Decimal.

    ``stdev`` is the sample standard deviation (divisor n - 1; ``None`` for one value).
    Quartiles and median use linear interpolation between order statistics (Hyndman and
    Fan type 7, as ``statistics.quantiles(method="inclusive")``, numpy's default and
    Excel's QUARTILE.INC). ``missing`` counts the ``None`` values left out.
    """

    count: int
    missing: int
    mean: Decimal
    median: Decimal
    stdev: Decimal | None
    minimum: Decimal
    q1: Decimal
    q3: Decimal
    maximum: Decimal


def _quantile(ordered: Sequence[Fraction], p: Fraction) -> Fraction:
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def _probability(p: object) -> Fraction:
    value = _exact(p, "the quantile's probability")
    if not 0 <= value <= 1:
        raise InvalidValueError(f"the quantile's probability must be in [0, 1], not {p!r}")
    return value


def quantile(values: Iterable[Number | None], p: Number) -> Decimal:
    """The ``p``-quantile (0 to 1) of the numbers by linear interpolation (type 7);
    ``None`` values are ignored."""
    probability = _probability(p)
    found, missing = _numbers(values, "values")
    if not found:
        raise InvalidValueError(f"no numbers to take a quantile of ({missing} missing)")
    return _decimal(_quantile(sorted(found), probability))


def describe(values: Iterable[Number | None]) -> Description:
    """Count, mean, median, sample standard deviation, minimum, quartiles and maximum.

    ``None`` values are ignored and counted as missing; anything else that is not a
    Decimal, int or finite float is refused.
    """
    found, missing = _numbers(values, "values")
    if not found:
        raise InvalidValueError(f"no numbers to describe ({missing} missing)")
    ordered = sorted(found)
    n = len(ordered)
    mean = sum(ordered, Fraction(0)) / n
    stdev = None
    if n > 1:
        stdev = _sqrt(sum(((x - mean) ** 2 for x in ordered), Fraction(0)) / (n - 1))
    return Description(
        count=n,
        missing=missing,
        mean=_decimal(mean),
        median=_decimal(_quantile(ordered, Fraction(1, 2))),
        stdev=stdev,
        minimum=_decimal(ordered[0]),
        q1=_decimal(_quantile(ordered, Fraction(1, 4))),
        q3=_decimal(_quantile(ordered, Fraction(3, 4))),
        maximum=_decimal(ordered[-1]),
    )


# --- correlation ------------------------------------------------------------------------

MINIMUM_PAIRS: Final = 3
"""Fewer pairs than this give no correlation coefficient (two points always line up)."""


@attrs.frozen
class Correlation:
    """A correlation coefficient with the number of pairs it rests on.

    ``coefficient`` is ``None`` when it cannot be computed (fewer than 3 pairs, or a
    variable that does not vary), with ``reason`` saying why. ``missing`` counts the pairs
    left out because either value was ``None``.
    """

    method: str
    labels: tuple[str, str]
    n: int
    missing: int
    coefficient: Decimal | None
    reason: str | None = None

    @property
    def strength(self) -> str | None:
        """Cohen's (1988) bands of |r|: negligible (< 0.1), weak (< 0.3), moderate
        (< 0.5), strong (0.5 and over)."""
        if self.coefficient is None:
            return None
        size = abs(self.coefficient)
        if size < Decimal("0.1"):
            return "negligible"
        if size < Decimal("0.3"):
            return "weak"
        return "moderate" if size < Decimal("0.5") else "strong"

    @property
    def verdict(self) -> str:
        """One sentence: the direction and strength, or why there is no coefficient."""
        x, y = self.labels
        if self.coefficient is None:
            return f"no {self.method} correlation of {x} and {y}: {self.reason}"
        direction = (
            "positive" if self.coefficient > 0 else "negative" if self.coefficient < 0 else "no"
        )
        rounded = self.coefficient.quantize(Decimal("0.001"), ROUND_HALF_EVEN)
        return (
            f"{self.strength} {direction} {self.method} correlation of {x} and {y} "
            f"(r = {rounded}, n = {self.n})"
        )


def _pairs(
    xs: Iterable[Number | None], ys: Iterable[Number | None], labels: tuple[str, str]
) -> tuple[list[tuple[Fraction, Fraction]], int]:
    if (
        not isinstance(labels, tuple)
        or len(labels) != 2
        or not all(isinstance(label, str) and label for label in labels)
    ):
        raise InvalidValueError(f"labels must be two names, not {labels!r}")
    for values, label in ((xs, labels[0]), (ys, labels[1])):
        if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
            raise InvalidValueError(f"{label} must be a sequence of numbers, not {values!r}")
    left, right = list(xs), list(ys)
    if len(left) != len(right):
        raise InvalidValueError(
            f"{labels[0]} has {len(left)} values but {labels[1]} has {len(right)}: "
            f"a correlation pairs them one to one"
        )
    pairs: list[tuple[Fraction, Fraction]] = []
    missing = 0
    for index, (x, y) in enumerate(zip(left, right, strict=True)):
        exact_x = None if x is None else _exact(x, f"{labels[0]}[{index}]")
        exact_y = None if y is None else _exact(y, f"{labels[1]}[{index}]")
        if exact_x is None or exact_y is None:
            missing += 1
        else:
            pairs.append((exact_x, exact_y))
    return pairs, missing


def _undefined(
    method: str, pairs: list[tuple[Fraction, Fraction]], missing: int, labels: tuple[str, str]
) -> Correlation | None:
    """The answer without a coefficient (too few pairs, a constant variable), if so."""
    n = len(pairs)
    if n < MINIMUM_PAIRS:
        return Correlation(
            method,
            labels,
            n,
            missing,
            None,
            f"{n} complete pair(s); at least {MINIMUM_PAIRS} are needed",
        )
    for side, label in enumerate(labels):
        first = pairs[0][side]
        if all(pair[side] == first for pair in pairs):
            return Correlation(
                method,
                labels,
                n,
                missing,
                None,
                f"{label} is constant (every value is {_decimal(first)}): it cannot correlate",
            )
    return None


def _coefficient(
    method: str, pairs: list[tuple[Fraction, Fraction]], missing: int, labels: tuple[str, str]
) -> Correlation:
    """Pearson's r of ``pairs`` (at least 3, neither side constant), exact until one rounding."""
    n = len(pairs)
    mean_x = sum((x for x, _ in pairs), Fraction(0)) / n
    mean_y = sum((y for _, y in pairs), Fraction(0)) / n
    sxx = sum(((x - mean_x) ** 2 for x, _ in pairs), Fraction(0))
    syy = sum(((y - mean_y) ** 2 for _, y in pairs), Fraction(0))
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in pairs), Fraction(0))
    # r² is exact, and |r| <= 1 survives the one rounding of its square root.
    size = _sqrt(sxy * sxy / (sxx * syy))
    return Correlation(method, labels, n, missing, size if sxy >= 0 else -size)


def pearson(
    xs: Iterable[Number | None],
    ys: Iterable[Number | None],
    *,
    labels: tuple[str, str] = ("x", "y"),
) -> Correlation:
    """Pearson's product-moment correlation of paired values (pairs with a ``None`` left out)."""
    pairs, missing = _pairs(xs, ys, labels)
    return _undefined("pearson", pairs, missing, labels) or _coefficient(
        "pearson", pairs, missing, labels
    )


def _ranks(values: Sequence[Fraction]) -> list[Fraction]:
    """Ranks from 1, ties given the average of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [Fraction(0)] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        average = Fraction(start + end + 2, 2)  # ranks start+1 .. end+1
        for i in order[start : end + 1]:
            ranks[i] = average
        start = end + 1
    return ranks


def spearman(
    xs: Iterable[Number | None],
    ys: Iterable[Number | None],
    *,
    labels: tuple[str, str] = ("x", "y"),
) -> Correlation:
    """Spearman's rank correlation: Pearson's on the ranks, ties ranked by their average."""
    pairs, missing = _pairs(xs, ys, labels)
    undefined = _undefined("spearman", pairs, missing, labels)
    if undefined is not None:
        return undefined
    ranked = zip(_ranks([x for x, _ in pairs]), _ranks([y for _, y in pairs]), strict=True)
    return _coefficient("spearman", list(ranked), missing, labels)


def _field(name: object) -> str:
    if name not in NUMERIC_FIELDS:
        raise InvalidValueError(
            f"cannot correlate {name!r}: choose from {', '.join(NUMERIC_FIELDS)}"
        )
    return str(name)


def correlate(
    rows: Iterable[Observation],
    x: str = "hour",
    y: str = "engagement_rate",
    *,
    method: str = "spearman",
) -> Correlation:
    """The correlation of two numeric fields of the observations (:data:`NUMERIC_FIELDS`),
    by ``"spearman"`` (default: robust to outliers and to non-linear but monotone links)
    or ``"pearson"``. For a category such as content type, use :func:`compare`."""
    chosen = {"pearson": pearson, "spearman": spearman}.get(method)
    if chosen is None:
        raise InvalidValueError(f"method must be 'pearson' or 'spearman', not {method!r}")
    fx, fy = _field(x), _field(y)
    found = _rows(rows)
    return chosen([getattr(r, fx) for r in found], [getattr(r, fy) for r in found], labels=(fx, fy))

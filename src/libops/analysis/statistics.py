"""Descriptive statistics, correlation (Pearson, Spearman) and trend tests (Mann-Kendall, the
least-squares slope with its confidence interval) over exact numbers.

The normal and t distributions they rest on are in :mod:`libops.analysis.distributions`;
``normal_cdf``, ``t_quantile`` and ``T_EXACT_MAX_DF`` are re-exported here."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Final

import attrs

from libops.analysis.distributions import (
    T_EXACT_MAX_DF,
    _upper_tail,
    normal_cdf,
    t_quantile,
)
from libops.analysis.engagement import NUMERIC_FIELDS, Observation, _rows
from libops.analysis.exact import (
    _CONTEXT,
    Number,
    _decimal,
    _exact,
    _numbers,
    _sqrt,
)
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


# --- tests of a trend: Mann-Kendall, and the least-squares slope with its interval -------

MANN_KENDALL_EXACT_MAX: Final = 40
"""Up to this many values without ties, the Mann-Kendall p-value is exact (the distribution
of S enumerated over every ordering); beyond, or with ties, the normal approximation."""

CONFIDENCE: Final = Decimal("0.95")
"""The level of the slope's confidence interval."""


@attrs.frozen
class MannKendall:
    """The Mann-Kendall test of a monotone trend in a series (values in time order).

    ``s`` = Σ sign(x_j - x_i) over every pair i < j; ``variance`` = (n(n-1)(2n+5) - Σ
    t(t-1)(2t+5)) / 18, ``t`` the size of each group of tied values; ``z`` = (S - 1) / √var
    for S > 0, (S + 1) / √var for S < 0, 0 for S = 0 (continuity correction); ``p_value``
    two-sided. ``method`` is ``"exact"`` (no ties and at most
    :data:`MANN_KENDALL_EXACT_MAX` values: P(|S| >= |s|) counted over every ordering) or
    ``"normal"`` (2(1 - Φ(|z|))). A series that never varies has variance 0 and p = 1.
    """

    n: int
    s: int
    variance: Decimal
    z: Decimal
    p_value: Decimal
    method: str
    ties: int
    """How many groups of equal values there are (a value alone is not a group)."""

    def significant(self, alpha: Number = Decimal("0.05")) -> bool:
        """Whether the trend is beyond chance at level ``alpha`` (p < alpha)."""
        return self.p_value < Decimal(_exact(alpha, "alpha").numerator) / Decimal(
            _exact(alpha, "alpha").denominator
        )


def _inversions(n: int) -> list[int]:
    """How many orderings of n distinct values have k inversions, for k = 0 .. n(n-1)/2
    (Mahonian numbers: adding the i-th value adds 0 to i-1 inversions)."""
    counts = [1]
    for i in range(2, n + 1):
        grown = [0] * (len(counts) + i - 1)
        for k, c in enumerate(counts):
            for added in range(i):
                grown[k + added] += c
        counts = grown
    return counts


def mann_kendall(values: Iterable[Number | None], *, method: str = "auto") -> MannKendall:
    """The Mann-Kendall trend test of ``values`` in time order (``None`` values are left
    out). ``method``: ``"auto"`` (exact when it can be, else normal), ``"exact"`` or
    ``"normal"``. At least two values are needed."""
    if method not in ("auto", "exact", "normal"):
        raise InvalidValueError(f"method must be 'auto', 'exact' or 'normal', not {method!r}")
    found, _ = _numbers(values, "values")
    if len(found) < 2:
        raise InvalidValueError(f"a Mann-Kendall test needs at least 2 values, not {len(found)}")
    return _mann_kendall(found, method)


def _mann_kendall(found: Sequence[Fraction], method: str) -> MannKendall:
    """The test of at least two exact values (the checks done)."""
    n = len(found)
    s = sum(
        (found[j] > found[i]) - (found[j] < found[i]) for i in range(n) for j in range(i + 1, n)
    )
    sizes = [t for t in Counter(found).values() if t > 1]
    variance = Fraction(
        n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in sizes), 18
    )
    if variance == 0:
        z = Decimal(0)
    else:
        corrected = s - 1 if s > 0 else s + 1 if s < 0 else 0
        z = _CONTEXT.divide(Decimal(corrected), _sqrt(variance))
    exact_possible = not sizes and n <= MANN_KENDALL_EXACT_MAX
    if method == "exact" and not exact_possible:
        raise InvalidValueError(
            f"an exact Mann-Kendall p-value needs at most {MANN_KENDALL_EXACT_MAX} values "
            f"and no ties ({n} values, {len(sizes)} tied groups)"
        )
    chosen = "exact" if exact_possible and method != "normal" else "normal"
    if variance == 0:
        p = Decimal(1)
    elif chosen == "exact":
        pairs = n * (n - 1) // 2
        counts = _inversions(n)
        # S = pairs - 2 * inversions.
        extreme = sum(c for k, c in enumerate(counts) if abs(pairs - 2 * k) >= abs(s))
        p = _decimal(Fraction(extreme, math.factorial(n)))
    else:
        p = _CONTEXT.plus(min(Decimal(1), 2 * _upper_tail(abs(z))))
    return MannKendall(n, s, _decimal(variance), z, p, chosen, len(sizes))


@attrs.frozen
class LinearFit:
    """The least-squares line y = intercept + slope · x, with the slope's confidence interval.

    ``standard_error`` = √(Σ residual² / (n - 2) / Sxx); the interval is slope ± t · SE, t the
    (1 + level) / 2 quantile of Student's t with n - 2 degrees of freedom. With two points
    (no degrees of freedom) there is no error, interval or t: they are ``None``.
    """

    n: int
    slope: Decimal
    intercept: Decimal
    standard_error: Decimal | None
    t: Decimal | None
    ci_low: Decimal | None
    ci_high: Decimal | None
    level: Decimal = CONFIDENCE

    @property
    def excludes_zero(self) -> bool | None:
        """Whether the interval lies wholly on one side of 0 (``None`` without one)."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return self.ci_low > 0 or self.ci_high < 0


def linear_fit(
    xs: Iterable[Number | None], ys: Iterable[Number | None], *, level: Number = CONFIDENCE
) -> LinearFit:
    """The least-squares slope of ``ys`` on ``xs`` and its ``level`` confidence interval
    (pairs with a ``None`` left out; at least two pairs, ``xs`` not all equal)."""
    chosen = _exact(level, "the confidence level")
    if not 0 < chosen < 1:
        raise InvalidValueError(f"the confidence level must be in (0, 1), not {level!r}")
    pairs, _ = _pairs(xs, ys, ("x", "y"))
    if len(pairs) < 2:
        raise InvalidValueError(f"a least-squares line needs at least 2 pairs, not {len(pairs)}")
    if all(x == pairs[0][0] for x, _ in pairs):
        raise InvalidValueError("x is constant: a least-squares slope needs x to vary")
    return _linear_fit(pairs, chosen)


def _linear_fit(pairs: Sequence[tuple[Fraction, Fraction]], chosen: Fraction) -> LinearFit:
    """The fit of at least two exact pairs whose x varies (the checks done)."""
    n = len(pairs)
    mean_x = sum((x for x, _ in pairs), Fraction(0)) / n
    mean_y = sum((y for _, y in pairs), Fraction(0)) / n
    sxx = sum(((x - mean_x) ** 2 for x, _ in pairs), Fraction(0))
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in pairs), Fraction(0))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    level_decimal = _decimal(chosen)
    if n == 2:
        return LinearFit(
            n, _decimal(slope), _decimal(intercept), None, None, None, None, level_decimal
        )
    residuals = sum(((y - intercept - slope * x) ** 2 for x, y in pairs), Fraction(0))
    error = _sqrt(residuals / (n - 2) / sxx)
    t = t_quantile(_decimal((1 + chosen) / 2), n - 2)
    margin = _CONTEXT.multiply(t, error)
    centre = _decimal(slope)
    return LinearFit(
        n,
        centre,
        _decimal(intercept),
        error,
        t,
        _CONTEXT.subtract(centre, margin),
        _CONTEXT.add(centre, margin),
        level_decimal,
    )


__all__ = [
    "CONFIDENCE",
    "MANN_KENDALL_EXACT_MAX",
    "MINIMUM_PAIRS",
    "T_EXACT_MAX_DF",
    "Correlation",
    "Description",
    "LinearFit",
    "MannKendall",
    "correlate",
    "describe",
    "linear_fit",
    "mann_kendall",
    "normal_cdf",
    "pearson",
    "quantile",
    "spearman",
    "t_quantile",
]

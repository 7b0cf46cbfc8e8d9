"""The normal and Student's t distributions to :data:`~libops.analysis.exact.PRECISION` digits,
computed with Decimal at a wider working precision: Φ and its tail, and the t quantile the
statistics' confidence intervals use (:mod:`libops.analysis.statistics`)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from fractions import Fraction
from typing import Final

from libops.analysis.exact import _CONTEXT, PRECISION, Number, _exact, _whole
from libops.domain.errors import InvalidValueError

_WIDE: Final = Context(prec=PRECISION + 22, rounding=ROUND_HALF_EVEN)
"""Working precision of the normal and t distributions (rounded once to PRECISION after)."""


def _pi() -> Decimal:
    """π to the working precision (Machin: 16 atan(1/5) - 4 atan(1/239))."""
    return 16 * _atan_small(Decimal(1) / 5) - 4 * _atan_small(Decimal(1) / 239)


def _atan_small(x: Decimal) -> Decimal:
    """atan(x) by its Taylor series, for |x| well below 1."""
    with localcontext(_WIDE):
        total, power, k = Decimal(0), x, 0
        square = x * x
        while True:
            term = power / (2 * k + 1)
            if abs(term) < Decimal(10) ** -(_WIDE.prec + 2):
                return +total
            total += -term if k % 2 else term
            power *= square
            k += 1


def _atan(x: Decimal) -> Decimal:
    """atan(x) for x >= 0: halve the angle until the series converges fast, then double."""
    with localcontext(_WIDE):
        halvings = 0
        while x > Decimal("0.1"):
            x = x / (1 + (1 + x * x).sqrt())
            halvings += 1
        return _atan_small(x) * Decimal(2**halvings)


def _upper_tail(size: Decimal) -> Decimal:
    """1 - Φ(size) for size >= 0, at the working precision (so a tail of 1e-24 keeps its
    digits): below 5 by the power series of Φ, beyond by Laplace's continued fraction."""
    with localcontext(_WIDE):
        density = (-(size * size) / 2).exp() / (2 * _pi()).sqrt()
        if size <= 5:
            total, term, k = Decimal(0), size, 0
            while term > Decimal(10) ** -(_WIDE.prec + 2):
                total += term
                k += 1
                term = term * size * size / (2 * k + 1)
            return Decimal("0.5") - density * total
        fraction = size
        for k in range(400, 0, -1):
            fraction = size + k / fraction
        return density / fraction


def normal_cdf(z: Number) -> Decimal:
    """Φ(z), the standard normal distribution function, to :data:`PRECISION` digits.

    Below |z| = 5 by its power series (Φ(z) = 1/2 + φ(z)(z + z³/3 + z⁵/15 + ...)); beyond, the
    tail by Laplace's continued fraction, evaluated from its 400th term back.
    """
    exact = _exact(z, "z")
    x = Decimal(exact.numerator) / Decimal(exact.denominator)
    tail = _upper_tail(abs(x))
    with localcontext(_WIDE):
        result = 1 - tail if x >= 0 else tail
    return _CONTEXT.plus(result)


def _t_within(t: Decimal, df: int) -> Decimal:
    """P(|T| <= t) for Student's t with ``df`` degrees of freedom, t >= 0 (Abramowitz and
    Stegun 26.7.3-4: finite sums of powers of cos θ, θ = atan(t / √df))."""
    with localcontext(_WIDE):
        root = (df + t * t).sqrt()
        sin, cos = t / root, Decimal(df).sqrt() / root
        square = cos * cos
        if df % 2 == 0:
            term = total = Decimal(1)
            for k in range(2, df - 1, 2):
                term *= square * (k - 1) / k
                total += term
            return sin * total
        theta = _atan(t / Decimal(df).sqrt())
        total = Decimal(0)
        if df > 1:
            term = total = cos
            for k in range(3, df - 1, 2):
                term *= square * (k - 1) / k
                total += term
        return 2 / _pi() * (theta + sin * total)


T_EXACT_MAX_DF: Final = 400
"""Up to this many degrees of freedom the t quantile is found on the exact distribution;
beyond, by the Cornish-Fisher expansion about the normal quantile (error below 1e-9)."""


def _normal_quantile(p: Decimal) -> Decimal:
    """The normal quantile of ``p`` (0 < p < 1) by bisection on :func:`normal_cdf`."""
    low, high = Decimal(-40), Decimal(40)
    step = Decimal(10) ** -(PRECISION - 4)
    while high - low > step:
        middle = (low + high) / 2
        if normal_cdf(middle) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def t_quantile(p: Number, df: int) -> Decimal:
    """The ``p``-quantile (0 < p < 1) of Student's t distribution with ``df`` degrees of
    freedom (``t_quantile(0.975, 10)`` is 2.228139, the two-sided 95% critical value).

    Found by bisection, to 20 decimals, on the exact distribution function (finite sums for
    whole degrees of freedom) up to :data:`T_EXACT_MAX_DF`; beyond, the Cornish-Fisher
    expansion of the normal quantile to the fourth order in 1/df.
    """
    probability = _exact(p, "the t quantile's probability")
    if not 0 < probability < 1:
        raise InvalidValueError(f"the t quantile's probability must be in (0, 1), not {p!r}")
    degrees = _whole(df, "degrees of freedom", minimum=1)
    if probability == Fraction(1, 2):
        return Decimal(0)
    upper = probability > Fraction(1, 2)
    # P(T <= t) = 1/2 + P(|T| <= t) / 2 for t >= 0, so t solves P(|T| <= t) = |2p - 1|.
    within = abs(2 * probability - 1)
    target = Decimal(within.numerator) / Decimal(within.denominator)
    if degrees > T_EXACT_MAX_DF:
        z = _normal_quantile((1 + target) / 2)
        with localcontext(_WIDE):
            v = Decimal(degrees)
            z2 = z * z
            size = (
                z
                + z * (z2 + 1) / (4 * v)
                + z * (5 * z2 * z2 + 16 * z2 + 3) / (96 * v * v)
                + z * (3 * z2**3 + 19 * z2 * z2 + 17 * z2 - 15) / (384 * v**3)
                + z * (79 * z2**4 + 776 * z2**3 + 1482 * z2 * z2 - 1920 * z2 - 945) / (92160 * v**4)
            )
    else:
        low, high = Decimal(0), Decimal(1)
        while _t_within(high, degrees) < target:
            high *= 2
        step = Decimal(10) ** -20
        while high - low > step:
            middle = (low + high) / 2
            if _t_within(middle, degrees) < target:
                low = middle
            else:
                high = middle
        size = (low + high) / 2
    size = size.quantize(Decimal(10) ** -20)
    return _CONTEXT.plus(size if upper else -size)

"""Satisfaction measures of survey answers: CSAT and the Net Promoter Score with its interval.

**CSAT** (customer satisfaction) is the share of answers to a 1-5 rating question that are
4 or 5 ("satisfied" or "very satisfied"), out of every rating given.

**NPS** (Net Promoter Score) is worked out from the answers to the 0-10 question "how likely
are you to recommend us": *promoters* answered 9 or 10, *passives* 7 or 8, *detractors* 0 to
6. NPS = 100 (p+ - p-) points, where p+ and p- are the shares of promoters and detractors
among the n answers: from -100 (all detractors) to +100 (all promoters).

Its **95% confidence interval** treats each answer as a draw from a trinomial distribution
scoring +1 (promoter), 0 (passive) or -1 (detractor). The mean of that score is p+ - p-, its
variance per answer is Var = p+ + p- - (p+ - p-)^2, so the standard error of the NPS (as a
share) is sqrt(Var / n); the interval is NPS ± z · 100 · sqrt(Var / n) with z = 1.959964
(the normal 97.5% quantile), clipped to [-100, 100]. It is the normal (Wald) interval of a
mean; with few answers (n under about 30), or when every answer is of one kind (Var = 0, the
interval shrinks to a point), read it as a rough guide only. A survey without answers has no
score and no interval (``None``).

The functions are pure and exact: counts in, :class:`~decimal.Decimal` out, computed from
exact fractions and rounded once to 28 significant digits (see :mod:`libops.analysis.exact`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs

from libops.analysis.exact import _decimal, _sqrt, _whole
from libops.domain.errors import InvalidValueError

Z_95: Final = Decimal("1.959963984540054")
"""The 97.5% quantile of the standard normal distribution: the z of a 95% two-sided interval."""

SATISFIED: Final = frozenset({4, 5})
"""The ratings (1-5) CSAT counts as satisfied."""

PROMOTERS: Final = frozenset({9, 10})
"""The recommendation answers (0-10) of promoters."""

DETRACTORS: Final = frozenset(range(7))
"""The recommendation answers (0-10) of detractors: 0 to 6."""


def _counts(counts: Mapping[int, int], low: int, high: int, what: str) -> dict[int, int]:
    if not isinstance(counts, Mapping):
        raise InvalidValueError(f"{what} map each answer to how many gave it, not {counts!r}")
    checked: dict[int, int] = {}
    for answer, n in counts.items():
        if isinstance(answer, bool) or not isinstance(answer, int) or not low <= answer <= high:
            raise InvalidValueError(
                f"{what} are whole numbers from {low} to {high}, not {answer!r}"
            )
        checked[answer] = _whole(n, f"the count of {what} {answer}")
    return checked


@attrs.frozen
class Csat:
    """CSAT: ``satisfied`` ratings (4 or 5) of ``rated``; ``share`` is None without ratings."""

    satisfied: int
    rated: int
    share: Decimal | None


def csat(ratings: Mapping[int, int]) -> Csat:
    """CSAT of the ratings counted in ``ratings`` (rating 1-5 -> how many gave it)."""
    counts = _counts(ratings, 1, 5, "ratings")
    rated = sum(counts.values())
    satisfied = sum(n for rating, n in counts.items() if rating in SATISFIED)
    share = None if rated == 0 else _decimal(Fraction(satisfied, rated))
    return Csat(satisfied=satisfied, rated=rated, share=share)


@attrs.frozen
class Nps:
    """The Net Promoter Score of ``answers`` recommendation answers, in points, with its
    95% interval (``low`` to ``high``, ``margin`` before clipping); None without answers."""

    promoters: int
    passives: int
    detractors: int
    answers: int
    score: Decimal | None
    margin: Decimal | None
    low: Decimal | None
    high: Decimal | None


def nps(recommendations: Mapping[int, int], *, z: Decimal = Z_95) -> Nps:
    """The NPS of the answers counted in ``recommendations`` (0-10 -> how many gave it),
    with its normal interval from the trinomial variance (see the module's text)."""
    counts = _counts(recommendations, 0, 10, "recommendation answers")
    if not isinstance(z, Decimal) or not z.is_finite() or z <= 0:
        raise InvalidValueError(f"z is a positive Decimal, not {z!r}")
    n = sum(counts.values())
    promoters = sum(k for answer, k in counts.items() if answer in PROMOTERS)
    detractors = sum(k for answer, k in counts.items() if answer in DETRACTORS)
    passives = n - promoters - detractors
    if n == 0:
        return Nps(promoters, passives, detractors, 0, None, None, None, None)
    p_plus, p_minus = Fraction(promoters, n), Fraction(detractors, n)
    difference = p_plus - p_minus
    variance = p_plus + p_minus - difference**2
    score = _decimal(100 * difference)
    margin = 100 * z * _sqrt(variance / n)
    hundred = Decimal(100)
    return Nps(
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        answers=n,
        score=score,
        margin=margin,
        low=max(score - margin, -hundred),
        high=min(score + margin, hundred),
    )

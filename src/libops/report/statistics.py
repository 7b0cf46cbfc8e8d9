"""The report's descriptive statistics and correlations per platform (plan 6.2).

For each platform, the measured posts in scope (post variants with at least one metric
snapshot: an unmeasured post's zeros were never observed): the distribution of their
engagement rate and of their reach (:func:`libops.analysis.describe`), and Spearman's rank
correlation (:func:`libops.analysis.spearman`) of reach with engagements and of posting hour
(Asia/Shanghai) with the engagement rate. A correlation rests on at least
:data:`MIN_POSTS_FOR_CORRELATION` posts, else the report says there were too few. The posts'
content length is not in the engagement view, so it is not correlated.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from libops import analysis
from libops.report.sections import CorrelationRow, Distribution, PlatformStatistics

MIN_POSTS_FOR_CORRELATION: Final = 8
"""Fewer posts than this give no correlation in the report (with 3 to 7 ranks a coefficient
says little: its 95% interval spans most of -1 to 1)."""

PAIRS: Final = (("reach", "engagements"), ("hour", "engagement_rate"))
"""The figures correlated per platform: (x, y), as :data:`libops.analysis.NUMERIC_FIELDS`."""


def _distribution(values: Sequence[int | Decimal | None]) -> Distribution | None:
    if all(v is None for v in values):
        return None
    found = analysis.describe(values)
    return Distribution(
        n=found.count,
        mean=found.mean,
        median=found.median,
        sd=found.stdev,
        minimum=found.minimum,
        maximum=found.maximum,
    )


def _correlation(rows: Sequence[analysis.Observation], x: str, y: str) -> CorrelationRow:
    found = analysis.correlate(rows, x, y, method="spearman")
    if found.n < MIN_POSTS_FOR_CORRELATION:
        return CorrelationRow(x, y, found.n, None, None, "too_few_posts")
    if found.coefficient is None:
        return CorrelationRow(x, y, found.n, None, None, "constant")
    return CorrelationRow(x, y, found.n, found.coefficient, found.strength, None)


def _statistics(rows: Sequence[analysis.Observation]) -> tuple[PlatformStatistics, ...]:
    """Per platform (by id), the measured posts' distributions and correlations."""
    measured = [o for o in rows if o.observed_at is not None]
    result = []
    for platform in sorted({o.platform for o in measured}):
        mine = [o for o in measured if o.platform == platform]
        result.append(
            PlatformStatistics(
                platform=platform,
                posts=len(mine),
                rate=_distribution([o.engagement_rate for o in mine]),
                reach=_distribution([o.reach for o in mine]),
                correlations=tuple(_correlation(mine, x, y) for x, y in PAIRS),
            )
        )
    return tuple(result)

"""Data analysis over the read models: clean, group, describe, correlate, compare, trend.

The method of the operations plan: **clean** the metric snapshots (remove duplicates, resolve
corrections, fill gaps), **group** the posts (by platform, which stands for its audience, by
content type, format, campaign, posting hour, weekday, ISO week), and **analyse** them
(descriptive statistics, correlation, trend over weeks, tested against the week-to-week
noise), and compute the communication indices of the Chinese practice
(:mod:`libops.analysis.indices`: BCI, a short-video index, a weighted cross-platform index).
The functions are pure: only
:func:`observations` reads a view, from a :class:`~libops.projections.ProjectionEngine` that
has run the engagement projection, or from its documents.

Numbers are exact: counts are ``int``; rates and statistics are :class:`~decimal.Decimal`,
computed from exact fractions and rounded once, to 28 significant digits (half-even), whatever
the caller's decimal context. Round them for display yourself (``rate.quantize(Decimal(
"0.0001"))``). A rate whose denominator is 0 is ``None``, never 0 and never an error.

**Engagement rate** = engagements / reach, where engagements = likes + comments + shares +
favourites and reach is the count the platform reports as its reach (``reads`` on WeChat and
Weibo, ``views`` on Douyin and the others: :data:`libops.projections.engagement.REACH`), the
same denominator as the engagement projection. A group's rate is pooled: the sum of its
engagements over the sum of its reach (not the mean of its posts' rates).
"""

from __future__ import annotations

from libops.analysis.cleaning import Cleaned, CleanReport, Rejection, SnapshotRecord, clean
from libops.analysis.comparison import (
    TREND_ALPHA,
    TREND_METRICS,
    TREND_TEST,
    Ranked,
    Ranking,
    Trend,
    WeekPoint,
    compare,
    trend,
)
from libops.analysis.engagement import (
    DIMENSIONS,
    NUMERIC_FIELDS,
    Group,
    Observation,
    group,
    observations,
    total,
)
from libops.analysis.exact import COUNTS, PRECISION
from libops.analysis.exact import Number as Number  # the type the statistics accept
from libops.analysis.indices import (
    BCI_VERSION,
    DEFAULT_INDEX_WEIGHTS,
    INDEX_OF,
    INDEX_PLATFORMS,
    VIDEO_INDEX_VERSION,
    VIDEO_PLATFORMS,
    WCI_VERSION,
    IndexWeight,
    IndexWeights,
    WeightedIndex,
    bci,
    index_weights,
    video_index,
    weighted_index,
)
from libops.analysis.statistics import (
    CONFIDENCE,
    MANN_KENDALL_EXACT_MAX,
    MINIMUM_PAIRS,
    T_EXACT_MAX_DF,
    Correlation,
    Description,
    LinearFit,
    MannKendall,
    correlate,
    describe,
    linear_fit,
    mann_kendall,
    normal_cdf,
    pearson,
    quantile,
    spearman,
    t_quantile,
)

__all__ = [
    "BCI_VERSION",
    "CONFIDENCE",
    "COUNTS",
    "DEFAULT_INDEX_WEIGHTS",
    "DIMENSIONS",
    "INDEX_OF",
    "INDEX_PLATFORMS",
    "MANN_KENDALL_EXACT_MAX",
    "MINIMUM_PAIRS",
    "NUMERIC_FIELDS",
    "PRECISION",
    "TREND_ALPHA",
    "TREND_METRICS",
    "TREND_TEST",
    "T_EXACT_MAX_DF",
    "VIDEO_INDEX_VERSION",
    "VIDEO_PLATFORMS",
    "WCI_VERSION",
    "CleanReport",
    "Cleaned",
    "Correlation",
    "Description",
    "Group",
    "IndexWeight",
    "IndexWeights",
    "LinearFit",
    "MannKendall",
    "Observation",
    "Ranked",
    "Ranking",
    "Rejection",
    "SnapshotRecord",
    "Trend",
    "WeekPoint",
    "WeightedIndex",
    "bci",
    "clean",
    "compare",
    "correlate",
    "describe",
    "group",
    "index_weights",
    "linear_fit",
    "mann_kendall",
    "normal_cdf",
    "observations",
    "pearson",
    "quantile",
    "spearman",
    "t_quantile",
    "total",
    "trend",
    "video_index",
    "weighted_index",
]

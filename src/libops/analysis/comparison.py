"""Comparing categories by engagement rate, and the trend of a metric over ISO weeks, tested
against the week-to-week noise."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs

from libops.analysis.engagement import Group, Observation, _dimensions, group
from libops.analysis.exact import _CONTEXT, _exact, _rate, _whole
from libops.analysis.statistics import (
    CONFIDENCE,
    Description,
    LinearFit,
    MannKendall,
    _linear_fit,
    _mann_kendall,
    describe,
)
from libops.domain.errors import InvalidValueError
from libops.domain.values import Period

# --- comparison of categories -----------------------------------------------------------


@attrs.frozen
class Ranked:
    """A group in a ranking: ``rank`` 1 is the highest pooled engagement rate (equal rates
    share a rank); ``None`` when the group has no reach or fewer posts than required."""

    rank: int | None
    group: Group
    post_rates: Description | None
    note: str | None = None


@attrs.frozen
class Ranking:
    """Groups ranked by pooled engagement rate, highest first; unranked ones last."""

    by: tuple[str, ...]
    entries: tuple[Ranked, ...]

    @property
    def best(self) -> Ranked | None:
        """The first ranked entry (``None`` if nothing could be ranked)."""
        return next((e for e in self.entries if e.rank is not None), None)

    def summary(self) -> str:
        """The ranking as lines of text with the figures behind each rate."""
        lines = []
        for entry in self.entries:
            g = entry.group
            place = f"{entry.rank}." if entry.rank is not None else "-"
            rate = "n/a" if g.engagement_rate is None else f"{g.engagement_rate:.4f}"
            line = (
                f"{place} {g.label}: engagement rate {rate} "
                f"({g.engagements} engagements / {g.reach} reach, "
                f"{g.posts} post{'' if g.posts == 1 else 's'})"
            )
            lines.append(line + (f" [{entry.note}]" if entry.note else ""))
        return "\n".join(lines)


def compare(
    rows: Iterable[Observation], by: str | Sequence[str] = "content_type", *, min_posts: int = 1
) -> Ranking:
    """Rank the groups of ``by`` (e.g. content type, or content type and hour) by pooled
    engagement rate, highest first, each with its n and the spread of its posts' own rates.

    A group with fewer than ``min_posts`` posts, or no reach, is listed unranked with a note.
    """
    least = _whole(min_posts, "min_posts", minimum=1)
    groups = group(rows, by)
    rankable = [g for g in groups if g.engagement_rate is not None and g.posts >= least]
    rankable.sort(key=lambda g: (-(g.engagement_rate or 0), g.key))
    entries: list[Ranked] = []
    previous: tuple[Decimal | None, int] = (None, 0)
    for place, g in enumerate(rankable, start=1):
        rank = previous[1] if g.engagement_rate == previous[0] else place
        previous = (g.engagement_rate, rank)
        entries.append(Ranked(rank, g, _post_rates(g)))
    ranked = {id(g) for g in rankable}
    for g in groups:
        if id(g) in ranked:
            continue
        note = "no reach" if g.engagement_rate is None else f"fewer than {least} posts"
        entries.append(Ranked(None, g, _post_rates(g), note))
    return Ranking(_dimensions(by), tuple(entries))


def _post_rates(g: Group) -> Description | None:
    rates = g.post_rates()
    return describe(rates) if any(r is not None for r in rates) else None


# --- trend over weeks -------------------------------------------------------------------

TREND_METRICS: Final = ("engagement_rate", "engagements", "reach", "posts", "followers_gained")


TREND_ALPHA: Final = Decimal("0.05")
"""A trend is significant when its Mann-Kendall two-sided p-value is below this."""

TREND_TEST: Final = "mann-kendall"
"""The test a :class:`Trend`'s ``p_value`` comes from."""


@attrs.frozen
class WeekPoint:
    """One ISO week of publication: its posts' totals and the change from the week before.

    Weeks without posts inside the span are included (0 posts, rate ``None``), so changes
    are truly week over week. ``engagements_change_ratio`` is the relative change
    (``None`` when the week before had none). ``full`` is False for a week that does not
    lie wholly inside the period the trend was asked for (a partial first or last week).
    """

    week: str
    monday: date
    posts: int
    engagements: int
    reach: int
    followers_gained: int
    engagement_rate: Decimal | None
    engagements_change: int | None
    engagements_change_ratio: Decimal | None
    engagement_rate_change: Decimal | None
    full: bool = True

    @property
    def sunday(self) -> date:
        """The last day of the week."""
        return self.monday + timedelta(days=6)


@attrs.frozen
class Trend:
    """Weekly points, the least-squares slope of ``metric`` per week, and whether the trend
    is beyond the week-to-week noise.

    Only full weeks with a value count (``n`` of them). ``direction`` is ``"rising"``,
    ``"falling"`` or ``"flat"`` by the slope's sign; slope and direction are ``None`` (with
    ``reason``) when fewer than two weeks have a value. ``test`` is :data:`TREND_TEST`:
    ``p_value`` is the Mann-Kendall two-sided p-value of the weekly values in order
    (``mann_kendall`` holds S, its variance, z and the method), ``significant`` is p <
    :data:`TREND_ALPHA`. ``ci_low`` and ``ci_high`` bound the slope's 95% confidence
    interval (Student's t with n - 2 degrees of freedom; ``None`` with two weeks).
    """

    metric: str
    weeks: tuple[WeekPoint, ...]
    n: int
    slope: Decimal | None
    direction: str | None
    reason: str | None = None
    test: str | None = None
    p_value: Decimal | None = None
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    significant: bool | None = None
    mann_kendall: MannKendall | None = None
    fit: LinearFit | None = None

    @property
    def partial_weeks(self) -> int:
        """How many weeks shown were left out of the trend as partial."""
        return sum(1 for p in self.weeks if not p.full)

    @property
    def verdict(self) -> str:
        """One sentence stating the slope, its sign and the test, or why there is none."""
        if self.slope is None:
            return f"no trend of {self.metric}: {self.reason}"
        said = (
            f"{self.metric} is {self.direction} by {self.slope:.6g} a week "
            f"(least squares over {self.n} weeks)"
        )
        if self.p_value is None:
            return said
        beyond = "significant" if self.significant else "not significant"
        return f"{said}; Mann-Kendall p = {self.p_value:.3g}, {beyond} at {TREND_ALPHA}"


def _monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def trend(
    rows: Iterable[Observation], metric: str = "engagement_rate", *, period: Period | None = None
) -> Trend:
    """Totals per ISO week of publication (Asia/Shanghai), week-over-week change, the
    least-squares slope of ``metric`` (one of :data:`TREND_METRICS`) over the weeks with its
    95% confidence interval, and the Mann-Kendall test of the weekly values.

    With ``period``, a week not lying wholly inside it (a partial first or last week) is
    shown with ``full=False`` and left out of the slope and the test: a week with three days
    of posts is not comparable with a whole one. Without a period every week counts.

    A week's figures are the latest counts of the posts published in it (as the engagement
    projection's ``week:`` roll-ups), not the engagement that happened during that week.
    """
    if metric not in TREND_METRICS:
        raise InvalidValueError(f"cannot trend {metric!r}: choose from {', '.join(TREND_METRICS)}")
    if period is not None and not isinstance(period, Period):
        raise InvalidValueError(f"a trend's period is a Period, not {period!r}")
    by_week = {g.key[0]: g for g in group(rows, "week")}
    if not by_week:
        return Trend(metric, (), 0, None, None, "no observations")
    mondays = sorted(_monday(str(w)) for w in by_week)
    first, last = mondays[0], mondays[-1]
    points: list[WeekPoint] = []
    before: WeekPoint | None = None
    for step in range((last - first).days // 7 + 1):
        monday = first + timedelta(weeks=step)
        year, number, _ = monday.isocalendar()
        name = f"{year}-W{number:02d}"
        g = by_week.get(name)
        engagements = g.engagements if g else 0
        rate = g.engagement_rate if g else None
        point = WeekPoint(
            week=name,
            monday=monday,
            posts=g.posts if g else 0,
            engagements=engagements,
            reach=g.reach if g else 0,
            followers_gained=g.followers_gained if g else 0,
            engagement_rate=rate,
            engagements_change=None if before is None else engagements - before.engagements,
            engagements_change_ratio=None
            if before is None
            else _rate(engagements - before.engagements, before.engagements),
            engagement_rate_change=None
            if before is None or before.engagement_rate is None or rate is None
            else _CONTEXT.subtract(rate, before.engagement_rate),
            full=period is None
            or (period.start <= monday and monday + timedelta(days=6) <= period.end),
        )
        points.append(point)
        before = point
    values = [
        (Fraction(i), _exact(v, metric))
        for i, p in enumerate(points)
        if p.full and (v := getattr(p, metric)) is not None
    ]
    if len(values) < 2:
        partial = sum(1 for p in points if not p.full)
        left_out = f" ({partial} partial week(s) left out)" if partial else ""
        return Trend(
            metric,
            tuple(points),
            len(values),
            None,
            None,
            f"{len(values)} week(s) with a value{left_out}; a slope needs at least 2",
        )
    fit = _linear_fit(values, Fraction(CONFIDENCE))
    test = _mann_kendall([y for _, y in values], "auto")
    slope = fit.slope
    direction = "rising" if slope > 0 else "falling" if slope < 0 else "flat"
    return Trend(
        metric,
        tuple(points),
        len(values),
        slope,
        direction,
        test=TREND_TEST,
        p_value=test.p_value,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        significant=test.significant(TREND_ALPHA),
        mann_kendall=test,
        fit=fit,
    )

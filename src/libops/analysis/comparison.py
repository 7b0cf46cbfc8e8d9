"""Comparing categories by engagement rate, and the trend of a metric over ISO weeks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs

from libops.analysis.engagement import Group, Observation, _dimensions, group
from libops.analysis.exact import _CONTEXT, _decimal, _exact, _rate, _whole
from libops.analysis.statistics import Description, describe
from libops.domain.errors import InvalidValueError

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


@attrs.frozen
class WeekPoint:
    """One ISO week of publication: its posts' totals and the change from the week before.

    Weeks without posts inside the span are included (0 posts, rate ``None``), so changes
    are truly week over week. ``engagements_change_ratio`` is the relative change
    (``None`` when the week before had none).
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


@attrs.frozen
class Trend:
    """Weekly points and the least-squares slope of ``metric`` per week.

    ``direction`` is ``"rising"``, ``"falling"`` or ``"flat"`` by the slope's sign; slope
    and direction are ``None`` (with ``reason``) when fewer than two weeks have a value.
    """

    metric: str
    weeks: tuple[WeekPoint, ...]
    n: int
    slope: Decimal | None
    direction: str | None
    reason: str | None = None

    @property
    def verdict(self) -> str:
        """One sentence stating the slope and its sign, or why there is none."""
        if self.slope is None:
            return f"no trend of {self.metric}: {self.reason}"
        return (
            f"{self.metric} is {self.direction} by {self.slope:.6g} a week "
            f"(least squares over {self.n} weeks)"
        )


def _monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def trend(rows: Iterable[Observation], metric: str = "engagement_rate") -> Trend:
    """Totals per ISO week of publication (Asia/Shanghai), week-over-week change, and the
    least-squares slope of ``metric`` (one of :data:`TREND_METRICS`) over the weeks.

    A week's figures are the latest counts of the posts published in it (as the engagement
    projection's ``week:`` roll-ups), not the engagement that happened during that week.
    """
    if metric not in TREND_METRICS:
        raise InvalidValueError(f"cannot trend {metric!r}: choose from {', '.join(TREND_METRICS)}")
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
        )
        points.append(point)
        before = point
    values = [
        (Fraction(i), _exact(v, metric))
        for i, p in enumerate(points)
        if (v := getattr(p, metric)) is not None
    ]
    if len(values) < 2:
        return Trend(
            metric,
            tuple(points),
            len(values),
            None,
            None,
            f"{len(values)} week(s) with a value; a slope needs at least 2",
        )
    mean_x = sum((x for x, _ in values), Fraction(0)) / len(values)
    mean_y = sum((y for _, y in values), Fraction(0)) / len(values)
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in values), Fraction(0))
    sxx = sum(((x - mean_x) ** 2 for x, _ in values), Fraction(0))
    slope = sxy / sxx
    direction = "rising" if slope > 0 else "falling" if slope < 0 else "flat"
    return Trend(metric, tuple(points), len(values), _decimal(slope), direction)

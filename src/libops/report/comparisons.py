"""The report's period comparisons: 环比 (the previous period) and 同比 (the same days a year
earlier), from the engagement view.

The previous period of a calendar month, quarter, half-year or year is the calendar unit
before it (Q2 against Q1, March against February); of any other period, the days of the
same number just before it.

Each earlier period is compared only when the store holds at least one post published in it
(a comparison with nothing is no comparison); the figures are those of the report's own
period and of the earlier one, counted the same way (every published post variant, its
latest counts, as the engagement section counts them). A campaign's report is not compared:
a campaign has no earlier period of its own.

Like is compared with like: only the platforms with posts in both periods count, on both
sides. A platform the library began (or stopped) using between them, or whose earlier
history the store does not hold (an account whose past was imported for one platform only),
would otherwise turn a change of coverage into a rise or fall of thousands of per cent; the
comparison names the platforms it left out (:attr:`~libops.report.sections.Comparison.left_out`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final

from libops import analysis
from libops.domain.errors import InvalidValueError
from libops.domain.values import Period
from libops.report.sections import Comparison, Comparisons, Headline


def headline(rows: Sequence[analysis.Observation]) -> Headline:
    """The headline figures of some post variants."""
    total = analysis.total(rows)
    return Headline(
        posts=total.posts,
        reach=total.reach,
        engagements=total.engagements,
        engagement_rate=total.engagement_rate,
        followers_gained=total.followers_gained,
    )


_MONTHS: Final = {"monthly": 1, "quarterly": 3, "half_year": 6, "annual": 12}


def previous_period(period: Period, kind: str | None = None) -> Period:
    """The period before ``period``: for a ``kind`` of calendar unit (monthly, quarterly,
    half-year, annual), the unit before; otherwise the same number of days just before."""
    end = period.start - timedelta(days=1)
    months = _MONTHS.get(kind or "")
    if months is not None:
        month = period.start.month - 1 - months  # months from January, may be negative
        return Period(date(period.start.year + month // 12, month % 12 + 1, 1), end)
    return Period(end - (period.end - period.start), end)


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February: the year before has no such day
        return day.replace(year=day.year - 1, day=28)


def year_earlier(period: Period) -> Period:
    """The same days a year before (29 February becomes the 28th)."""
    return Period(_a_year_before(period.start), _a_year_before(period.end))


def _comparisons(
    every: Sequence[analysis.Observation],
    now: Sequence[analysis.Observation],
    period: Period | None,
    campaign: str | None,
    kind: str | None = None,
) -> Comparisons:
    """环比 and 同比 of ``now`` (the report's rows) against ``every`` published variant."""
    if campaign is not None:
        return Comparisons(None, None, "campaign")
    if period is None:
        return Comparisons(None, None, "no_period")
    found: dict[str, Comparison | None] = {}
    for which in ("previous", "year_earlier"):
        try:
            earlier = previous_period(period, kind) if which == "previous" else year_earlier(period)
        except InvalidValueError:  # before the first day libops accepts: no such period
            found[which] = None
            continue
        then = [o for o in every if o.day in earlier]
        found[which] = _like_with_like(which, earlier, now, then) if then else None
    reason = None if any(found.values()) else "no_data"
    return Comparisons(found["previous"], found["year_earlier"], reason)


def _like_with_like(
    kind: str,
    earlier: Period,
    now: Sequence[analysis.Observation],
    then: Sequence[analysis.Observation],
) -> Comparison | None:
    """``now`` against ``then`` on the platforms both have posts on (``None`` if none)."""
    here, there = {o.platform for o in now}, {o.platform for o in then}
    both = here & there
    if not both:
        return None
    return Comparison(
        kind,
        earlier.start,
        earlier.end,
        headline([o for o in now if o.platform in both]),
        headline([o for o in then if o.platform in both]),
        platforms=tuple(sorted(both)),
        left_out=tuple(sorted(here ^ there)),
    )

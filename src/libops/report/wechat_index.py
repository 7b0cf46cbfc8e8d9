"""The report's WeChat index: the WCI (Qingbo V14.2) of the WeChat posts in scope.

The formula is :func:`libops.projections.wci.wci` (its module docstring gives it, its source
and how libops fills it in). The report takes each WeChat post in scope from the WCI view
(``post:<id>``: its latest reads, 在看, likes and shares) and works out the index of the
report's period (d = the period's days, n = its articles, each day's headline its first
post, the peak the highest count of any one article) and of each ISO week (d = 7; a week
cut by the period's first or last day counts only its days inside the period), so a
campaign's report counts the campaign's posts only. For a report on everything, a whole
week's figure is the WCI view's ``week:`` document's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, TypedDict

from libops.domain.values import Period
from libops.projections.wci import COUNTS, WciProjection, summarise_period
from libops.report.sections import WciWeek, WechatIndex

VERSION: Final = "V14.2"
"""The version of Qingbo's WCI formula :mod:`libops.projections.wci` implements."""


def _index(articles: Sequence[tuple[str, Mapping[str, Any]]], days: int) -> Decimal:
    """The WCI of ``articles`` ((post id, WCI view document)) over ``days`` days, summarised
    as the WCI projection summarises its own periods."""
    period: dict[str, Any] = {"articles": dict(articles), "days": days}
    summarise_period(period)
    return Decimal(period["wci"])


class _Totals(TypedDict):
    """How many articles, and their reads, likes and shares summed (as the sections name them)."""

    articles: int
    reads: int
    likes: int
    shares: int


def _totals(articles: Sequence[tuple[str, Mapping[str, Any]]]) -> _Totals:
    """The totals of ``articles`` ((post id, WCI view document)), for the period or a week."""
    return _Totals(
        articles=len(articles),
        reads=sum(int(doc["reads"]) for _, doc in articles),
        likes=sum(int(doc["likes"]) for _, doc in articles),
        shares=sum(int(doc["shares"]) for _, doc in articles),
    )


def _wechat_index(
    view: Mapping[str, Any], post_ids: Iterable[str], period: Period | None
) -> WechatIndex | None:
    """The WCI of the WeChat posts ``post_ids`` (those in scope) over ``period``; ``None``
    without a period (nothing was published)."""
    if period is None:
        return None
    articles = sorted(
        (post_id, view[f"post:{post_id}"]) for post_id in set(post_ids) if f"post:{post_id}" in view
    )
    weeks: dict[str, list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
    for post_id, doc in articles:
        weeks[doc["week"]].append((post_id, doc))
    days = (period.end - period.start).days + 1
    # 在看 counts when any article in scope recorded it (WeChat's own metric) or a subclass
    # of the projection takes another count for it.
    wow_count = WciProjection.WOW_COUNT or (
        "wow" if any(doc.get("wow_recorded") for _, doc in articles) else None
    )
    return WechatIndex(
        version=VERSION,
        days=days,
        **_totals(articles),
        period_wci=_index(articles, days) if articles else None,
        weeks=tuple(_week(week, found, period) for week, found in sorted(weeks.items())),
        inputs_used=("reads", "likes", "shares") if wow_count is None else COUNTS,
        inputs_left_out=("wows",) if wow_count is None else (),
    )


def _week(week: str, found: Sequence[tuple[str, Mapping[str, Any]]], period: Period) -> WciWeek:
    """The WCI of one ISO week's posts; a week cut by the period's first or last day counts
    only its days inside the period (d = those days, not 7)."""
    start = max(_monday(week), period.start)
    end = min(_monday(week) + timedelta(days=6), period.end)
    return WciWeek(
        week=week,
        start=start,
        end=end,
        **_totals(found),
        wci=_index(found, (end - start).days + 1),
    )


def _monday(week: str) -> date:
    """The Monday of an ISO week written ``2026-W14``."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)

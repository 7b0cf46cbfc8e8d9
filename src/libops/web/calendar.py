"""The content calendar's data (``/calendar``): a week or a month, day by day and platform by
platform, with the posts scheduled and published, the cadence warnings and the key dates.

Days are the cadence policy's days (its timezone, Asia/Shanghai unless configured), weeks are
ISO weeks (Monday to Sunday). Published posts come from the posts listing
(``ops.posts.list``), scheduled ones from each platform's calendar (``ops.posts.calendar``);
the warnings are the policy's own judgement of each period's count, published and scheduled
together (``CadencePolicy.assess``, what scheduling checks too), its maximum raised by a surge
window.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import attrs
from starlette.responses import Response

from libops.bootstrap import LibOps
from libops.domain.cadence import CadenceBreach, CadencePeriod, CadencePolicy
from libops.domain.errors import QueryParameterError
from libops.domain.platforms import REGISTRY
from libops.web.base import Page, WebBase
from libops.web.key_dates import KEY_DATES

_WEEK: Final = re.compile(r"(\d{4})-W(\d{2})")
_MONTH: Final = re.compile(r"(\d{4})-(\d{2})")
LISTING_PAGE: Final = 200
YEARS: Final = range(1900, 3000)
"""The years the calendar shows (a week or month beyond has no neighbours to link)."""


@attrs.frozen
class Span:
    """The days shown: a week (``kind`` ``"week"``) or a month, with its neighbours' names."""

    kind: str
    name: str
    first: date
    last: date
    previous: str
    next: str

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _week_name(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_span(monday: date) -> Span:
    return Span(
        "week",
        _week_name(monday),
        monday,
        monday + timedelta(days=6),
        _week_name(monday - timedelta(days=7)),
        _week_name(monday + timedelta(days=7)),
    )


def month_span(first: date) -> Span:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    before = first - timedelta(days=1)
    return Span(
        "month",
        f"{first.year}-{first.month:02d}",
        first,
        following - timedelta(days=1),
        f"{before.year}-{before.month:02d}",
        f"{following.year}-{following.month:02d}",
    )


def parse_span(week: str | None, month: str | None, today: date) -> Span:
    """The span ``?week=YYYY-Www`` or ``?month=YYYY-MM`` names (this week without either);
    :class:`QueryParameterError` for anything else."""
    if week is not None and month is not None:
        raise QueryParameterError("week", "give a week or a month, not both")
    if month is not None:
        found = _MONTH.fullmatch(month.strip())
        if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) not in YEARS:
            raise QueryParameterError("month", f"month is written YYYY-MM (2026-04), not {month!r}")
        return month_span(date(int(found[1]), int(found[2]), 1))
    if week is not None:
        found = _WEEK.fullmatch(week.strip())
        try:
            if found is None or int(found[1]) not in YEARS:
                raise ValueError(week)
            monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
        except ValueError:
            raise QueryParameterError(
                "week", f"week is an ISO week written YYYY-Www (2026-W17), not {week!r}"
            ) from None
        return week_span(monday)
    return week_span(today - timedelta(days=today.weekday()))


@attrs.frozen
class Entry:
    """One post on one platform on one day."""

    post_id: str
    title: str
    at: datetime
    state: str  # "scheduled" or "published"
    url: str | None = None


@attrs.frozen
class Warning:
    """A period whose count of posts (published and scheduled) leaves a cadence rule."""

    platform: str
    per: str
    first: date
    last: date
    count: int
    limit: int
    breach: str  # "over" or "under"
    surge: str | None = None


@attrs.frozen
class Calendar:
    span: Span
    platforms: tuple[str, ...]
    cells: Mapping[tuple[date, str], tuple[Entry, ...]]
    key_dates: Mapping[date, tuple[str, ...]]
    surges: Mapping[date, tuple[str, ...]]
    warnings: tuple[Warning, ...]
    day_warnings: Mapping[tuple[date, str], Warning]
    timezone: str


def _published(ops: LibOps, first: datetime, after: datetime) -> Iterable[Mapping[str, Any]]:
    cursor = None
    while True:
        page = ops.posts.list(
            published_after=first,
            published_before=after,
            limit=LISTING_PAGE,
            cursor=cursor,
        )
        yield from page.items
        cursor = page.next_cursor
        if cursor is None:
            return


def build(
    ops: LibOps,
    span: Span,
    lang: str,
    title_of: Callable[[Mapping[str, Any] | str], str],
    only: str | None = None,
) -> Calendar:
    """The calendar of ``span`` (one platform if ``only``); ``title_of`` gives a post's title
    from its listing row or its id."""
    policy: CadencePolicy = ops.posts.cadence
    zone = policy.zone
    start = datetime.combine(span.first, time(), zone)
    end = datetime.combine(span.last + timedelta(days=1), time(), zone)
    # The weeks that hold the span's days: a week's count needs all its days.
    wide_first = span.first - timedelta(days=span.first.weekday())
    wide_last = span.last + timedelta(days=6 - span.last.weekday())
    wide_start = datetime.combine(wide_first, time(), zone)
    wide_end = datetime.combine(wide_last + timedelta(days=1), time(), zone)
    publishing = [p.id for p in REGISTRY if p.publishes]
    wanted = publishing if only is None else [only]
    counted: dict[str, list[date]] = {p: [] for p in wanted}
    cells: dict[tuple[date, str], list[Entry]] = {}

    def place(
        platform: str,
        at: datetime,
        post: Mapping[str, Any] | str,
        kind: str,
        url: str | None = None,
    ) -> None:
        """Count a post (its view row, or its id) going out ``at`` on its local day (in the
        whole weeks around the span) and, inside the span, show it in its day's cell."""
        if not wide_start <= at < wide_end:
            return
        day = policy.local_day(at)
        counted[platform].append(day)
        if start <= at < end:
            post_id = post if isinstance(post, str) else post["id"]
            cells.setdefault((day, platform), []).append(
                Entry(post_id, title_of(post), at, kind, url)
            )

    for row in _published(ops, wide_start, wide_end):
        for platform, entry in row["platforms"].items():
            if platform not in counted or not entry.get("published_at"):
                continue
            at = datetime.fromisoformat(entry["published_at"])
            place(platform, at, row, "published", entry.get("url"))
    for platform in wanted:
        for post_id, at in ops.posts.calendar(platform):
            place(platform, at, str(post_id), "scheduled")
    warnings: list[Warning] = []
    day_warnings: dict[tuple[date, str], Warning] = {}
    for platform in wanted:
        for rule in policy.rules_for(platform):
            if rule.per is CadencePeriod.DAY:
                periods = [(day, day) for day in span.days()]
            else:
                mondays = range(0, (wide_last - wide_first).days + 1, 7)
                periods = [
                    (wide_first + timedelta(days=n), wide_first + timedelta(days=n + 6))
                    for n in mondays
                ]
            for first, last in periods:
                count = sum(1 for day in counted[platform] if first <= day <= last)
                for judged in policy.assess(rule, first, last, count):  # the domain's rule
                    found = Warning(
                        platform,
                        rule.per.value,
                        first,
                        last,
                        count,
                        judged.limit,
                        "over" if judged.breach is CadenceBreach.OVER_MAX else "under",
                        judged.surge,
                    )
                    warnings.append(found)
                    if rule.per is CadencePeriod.DAY:
                        day_warnings[(first, platform)] = found
    shown = [
        p
        for p in wanted
        if only is not None or policy.rules_for(p) or any(platform == p for _, platform in cells)
    ]
    key_dates = {
        day: tuple(k.name(lang) for k in KEY_DATES if (k.month, k.day) == (day.month, day.day))
        for day in span.days()
    }
    surges = {day: tuple(s.name for s in policy.surges if s.covers(day)) for day in span.days()}
    return Calendar(
        span=span,
        platforms=tuple(shown),
        cells={key: tuple(sorted(found, key=lambda e: e.at)) for key, found in cells.items()},
        key_dates={day: names for day, names in key_dates.items() if names},
        surges={day: names for day, names in surges.items() if names},
        warnings=tuple(warnings),
        day_warnings=day_warnings,
        timezone=policy.timezone,
    )


def check_platform(value: str | None) -> str | None:
    """``value`` if it names a platform libops publishes on (None for all)."""
    if value is None or value == "":
        return None
    publishing = [p.id for p in REGISTRY if p.publishes]
    if value not in publishing:
        raise QueryParameterError(
            "platform", f"platform is one of {', '.join(publishing)}, not {value!r}"
        )
    return value


class CalendarScreen(WebBase):
    """The content calendar's page (``/calendar``), by week or month, one platform or all."""

    def calendar(self, page: Page) -> Response:
        query = page.request.query_params
        today = self.ops.posts.cadence.local_day(self.ops.app.clock.now())
        span = parse_span(query.get("week"), query.get("month"), today)
        only = check_platform(query.get("platform"))
        titles: dict[str, str] = {}

        def title_of(row: Mapping[str, Any] | str) -> str:
            key = row if isinstance(row, str) else str(row["id"])
            if key not in titles:
                titles[key] = (
                    self.ops.posts.get(key).title if isinstance(row, str) else self._title(row)
                )
            return titles[key]

        shown = build(self.ops, span, page.lang, title_of, only)
        return self.render(
            page,
            "calendar.html",
            cal=shown,
            only=only,
            platform_names=self._platform_names(page),
            publishing=[p.id for p in REGISTRY if p.publishes],
            today=today,
            zone=self.ops.posts.cadence.zone,
        )

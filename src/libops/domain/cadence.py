"""The cadence policy: how often each platform should carry a post, and special periods.

Readers tire of over-posting and forget an account that goes quiet, so each platform gets a
minimum and maximum number of posts per day or per ISO week (Weibo 1 to 2 a day and WeChat 3
to 4 a week by default). Surge windows such as World Book Day raise the maximum for a while.
Days and weeks are counted in the library's timezone (Asia/Shanghai unless configured).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from libops.domain.errors import CadenceError, InvalidValueError, PeriodError
from libops.domain.validation import aware_moment, calendar_day, positive_validator
from libops.domain.values import (
    Platform,
    require_line,
    to_enum,
    to_platform,
    to_platforms,
    tuple_of,
)

DEFAULT_TIMEZONE: Final = "Asia/Shanghai"


class CadencePeriod(enum.Enum):
    """The span a cadence rule counts posts over."""

    DAY = "day"
    WEEK = "week"


class CadenceBreach(enum.Enum):
    """Which way a schedule leaves a cadence rule."""

    OVER_MAX = "over_max"
    UNDER_MIN = "under_min"


def _to_period(value: CadencePeriod | str) -> CadencePeriod:
    return to_enum(CadencePeriod, value)


def _to_breach(value: CadenceBreach | str) -> CadenceBreach:
    return to_enum(CadenceBreach, value)


def _optional_count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(f"{attribute.name} must be a whole number of posts, not {value!r}")


def _day(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    calendar_day(value, f"{attribute.name} must be a date", PeriodError)


def _surge_name(value: str) -> str:
    return require_line("surge window name", value)


def _platform_set(values: Iterable[Platform | str]) -> frozenset[Platform]:
    return frozenset(to_platforms(values))


@attrs.frozen
class CadenceRule:
    """At least ``minimum`` and at most ``maximum`` posts on a platform per day or per week."""

    platform: Platform = attrs.field(converter=to_platform)
    per: CadencePeriod = attrs.field(converter=_to_period)
    minimum: int | None = attrs.field(default=None, validator=_optional_count)
    maximum: int | None = attrs.field(default=None, validator=_optional_count)

    def __attrs_post_init__(self) -> None:
        if self.minimum is None and self.maximum is None:
            raise InvalidValueError("a cadence rule needs a minimum, a maximum or both")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise InvalidValueError(
                f"a cadence rule's minimum ({self.minimum}) is above its maximum ({self.maximum})"
            )
        if self.maximum == 0:
            raise InvalidValueError("a maximum of 0 posts is not a cadence; leave the platform out")


@attrs.frozen
class SurgeWindow:
    """A special period (a festival, World Book Day) that allows more posts than usual.

    The window covers ``start`` to ``end``, both days included. An ``annual`` window recurs
    every year on the same days (the years of ``start`` and ``end`` are then ignored, and the
    window may run over New Year). ``platforms`` empty means every platform.
    """

    name: str = attrs.field(converter=_surge_name)
    start: date = attrs.field(validator=_day)
    end: date = attrs.field(validator=_day)
    raise_max_by: int = attrs.field(validator=positive_validator)
    platforms: frozenset[Platform] = attrs.field(default=frozenset(), converter=_platform_set)
    annual: bool = False

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.annual, bool):
            raise InvalidValueError("annual must be true or false")
        if not self.annual and self.end < self.start:
            raise PeriodError(f"surge window {self.name!r} ends before it starts")

    def applies_to(self, platform: Platform) -> bool:
        """Whether the window raises the maximum on ``platform``."""
        return not self.platforms or platform in self.platforms

    def covers(self, day: date) -> bool:
        """Whether ``day`` falls in the window."""
        if not self.annual:
            return self.start <= day <= self.end
        first = (self.start.month, self.start.day)
        last = (self.end.month, self.end.day)
        today = (day.month, day.day)
        if first <= last:
            return first <= today <= last
        return today >= first or today <= last  # runs over New Year

    def overlaps(self, first: date, last: date) -> bool:
        """Whether any day from ``first`` to ``last`` (both included) falls in the window."""
        return any(self.covers(first + timedelta(days=n)) for n in range((last - first).days + 1))


WORLD_BOOK_DAY: Final = SurgeWindow(
    "World Book Day", date(2000, 4, 23), date(2000, 4, 23), raise_max_by=1, annual=True
)
"""23 April every year: one more post than usual allowed on every platform."""

DEFAULT_RULES: Final = (
    CadenceRule(Platform.WEIBO, CadencePeriod.DAY, minimum=1, maximum=2),
    CadenceRule(Platform.WECHAT, CadencePeriod.WEEK, minimum=3, maximum=4),
)
"""The operations plan's frequencies: Weibo 1 to 2 posts a day, WeChat 3 to 4 a week."""


@attrs.frozen
class CadenceWarning:
    """A schedule leaves a cadence rule: ``count`` posts in the period against ``limit``."""

    platform: Platform = attrs.field(converter=to_platform)
    per: CadencePeriod = attrs.field(converter=_to_period)
    breach: CadenceBreach = attrs.field(converter=_to_breach)
    period_start: date
    period_end: date
    count: int
    limit: int
    surge: str | None = None

    def __str__(self) -> str:
        span = (
            f"on {self.period_start}"
            if self.per is CadencePeriod.DAY
            else f"in the week {self.period_start} to {self.period_end}"
        )
        surge = f" (raised for {self.surge})" if self.surge else ""
        if self.breach is CadenceBreach.OVER_MAX:
            return (
                f"{self.platform.value}: {self.count} posts {span}, "
                f"over the maximum of {self.limit}{surge}"
            )
        return (
            f"{self.platform.value}: {self.count} posts {span}, under the minimum of {self.limit}"
        )


def _rules(values: Iterable[CadenceRule]) -> tuple[CadenceRule, ...]:
    rules = tuple(values)
    seen: set[tuple[Platform, CadencePeriod]] = set()
    for rule in rules:
        if not isinstance(rule, CadenceRule):
            raise InvalidValueError(f"cadence rules must be CadenceRule values, not {rule!r}")
        if (rule.platform, rule.per) in seen:
            raise InvalidValueError(
                f"two cadence rules per {rule.per.value} for {rule.platform.value}"
            )
        seen.add((rule.platform, rule.per))
    return rules


def _surges(values: Iterable[SurgeWindow]) -> tuple[SurgeWindow, ...]:
    return tuple_of(SurgeWindow, "surge windows", values)


def _timezone_name(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"a timezone is an IANA name such as Asia/Shanghai, not {value!r}")
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValueError(f"{value!r} is not a known timezone") from None
    return value.strip()


def _aware(at: object) -> datetime:
    return aware_moment("a scheduled time", at)


@attrs.frozen
class CadencePolicy:
    """Per-platform posting frequency, surge windows, and whether breaking it is refused.

    With ``enforce`` off, scheduling over a maximum only warns; with it on, it raises
    :class:`CadenceError`. Falling under a minimum always only warns: the rest of the period
    may still be filled. A platform without rules has no cadence.
    """

    rules: tuple[CadenceRule, ...] = attrs.field(default=DEFAULT_RULES, converter=_rules)
    surges: tuple[SurgeWindow, ...] = attrs.field(default=(WORLD_BOOK_DAY,), converter=_surges)
    enforce: bool = False
    timezone: str = attrs.field(default=DEFAULT_TIMEZONE, converter=_timezone_name)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.enforce, bool):
            raise InvalidValueError("enforce must be true or false")

    @property
    def zone(self) -> tzinfo:
        """The timezone days and weeks are counted in."""
        return ZoneInfo(self.timezone)

    def rules_for(self, platform: Platform | str) -> tuple[CadenceRule, ...]:
        """The rules that apply to ``platform`` (none: no cadence there)."""
        platform = to_platform(platform)
        return tuple(rule for rule in self.rules if rule.platform is platform)

    def with_rule(self, rule: CadenceRule) -> CadencePolicy:
        """This policy with ``rule`` added, replacing a rule for the same platform and period."""
        kept = [r for r in self.rules if (r.platform, r.per) != (rule.platform, rule.per)]
        return attrs.evolve(self, rules=(*kept, rule))

    def without_rules(self, platform: Platform | str) -> CadencePolicy:
        """This policy with no rules for ``platform``."""
        platform = to_platform(platform)
        return attrs.evolve(self, rules=[r for r in self.rules if r.platform is not platform])

    def local_day(self, at: datetime) -> date:
        """The calendar day ``at`` falls on in the policy's timezone."""
        return _aware(at).astimezone(self.zone).date()

    def period_of(self, per: CadencePeriod, at: datetime) -> tuple[date, date]:
        """The first and last day of the day or ISO week (Monday to Sunday) holding ``at``."""
        day = self.local_day(at)
        if per is CadencePeriod.DAY:
            return day, day
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)

    def maximum_for(
        self, rule: CadenceRule, first: date, last: date
    ) -> tuple[int | None, str | None]:
        """The rule's maximum over ``first`` to ``last``, raised by the largest surge there."""
        if rule.maximum is None:
            return None, None
        best: SurgeWindow | None = None
        for surge in self.surges:
            if (
                surge.applies_to(rule.platform)
                and surge.overlaps(first, last)
                and (best is None or surge.raise_max_by > best.raise_max_by)
            ):
                best = surge
        if best is None:
            return rule.maximum, None
        return rule.maximum + best.raise_max_by, best.name

    def assess(
        self, rule: CadenceRule, first: date, last: date, count: int
    ) -> tuple[CadenceWarning, ...]:
        """The warnings for ``count`` posts in ``rule``'s period from ``first`` to ``last``:
        over its maximum (raised by a surge there), under its minimum, or none. The one
        judgement :meth:`check` makes for a schedule and the content calendar for its days."""
        warnings: list[CadenceWarning] = []
        maximum, surge = self.maximum_for(rule, first, last)
        if maximum is not None and count > maximum:
            warnings.append(
                CadenceWarning(
                    rule.platform,
                    rule.per,
                    CadenceBreach.OVER_MAX,
                    first,
                    last,
                    count,
                    maximum,
                    surge,
                )
            )
        if rule.minimum is not None and count < rule.minimum:
            warnings.append(
                CadenceWarning(
                    rule.platform,
                    rule.per,
                    CadenceBreach.UNDER_MIN,
                    first,
                    last,
                    count,
                    rule.minimum,
                )
            )
        return tuple(warnings)

    def check(
        self, platform: Platform | str, at: datetime, others: Iterable[datetime]
    ) -> tuple[CadenceWarning, ...]:
        """The warnings for scheduling one more post on ``platform`` at ``at``.

        ``others`` are the times of the platform's other scheduled or published posts.
        Raises :class:`CadenceError` instead when enforcing and a maximum would be exceeded.
        """
        platform = to_platform(platform)
        at = _aware(at)
        # A period is at most an ISO week, so only times within eight days of ``at`` can
        # share one with it; skipping the rest keeps a long-lived calendar's check cheap.
        near = timedelta(days=8)
        other_days = [self.local_day(t) for t in map(_aware, others) if abs(t - at) <= near]
        warnings: list[CadenceWarning] = []
        for rule in self.rules_for(platform):
            first, last = self.period_of(rule.per, at)
            count = 1 + sum(1 for day in other_days if first <= day <= last)
            warnings += self.assess(rule, first, last, count)
        over = tuple(w for w in warnings if w.breach is CadenceBreach.OVER_MAX)
        if self.enforce and over:
            raise CadenceError("; ".join(str(w) for w in over), over)
        return tuple(warnings)

"""The cadence policy: posts per day or week per platform, surge windows, enforcement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libops import (
    CadenceBreach,
    CadencePeriod,
    CadencePolicy,
    CadenceRule,
    CadenceWarning,
    Platform,
    SurgeWindow,
)
from libops.domain.cadence import DEFAULT_RULES, WORLD_BOOK_DAY
from libops.domain.errors import CadenceError, InvalidValueError, PeriodError

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = CadencePeriod.DAY
WEEK = CadencePeriod.WEEK
OVER = CadenceBreach.OVER_MAX
UNDER = CadenceBreach.UNDER_MIN


def local(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A time in Beijing."""
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def breaches(warnings: tuple[CadenceWarning, ...]) -> list[tuple[CadenceBreach, int, int]]:
    return [(w.breach, w.count, w.limit) for w in warnings]


class TestDefaults:
    def test_default_rules(self) -> None:
        """Weibo 1 to 2 a day, WeChat 3 to 4 a week, nothing for the rest."""
        policy = CadencePolicy()
        assert policy.rules == DEFAULT_RULES
        assert policy.rules_for("weibo") == (CadenceRule("weibo", "day", 1, 2),)
        assert policy.rules_for("wechat") == (CadenceRule("wechat", "week", 3, 4),)
        for platform in Platform:
            if platform not in (Platform.WEIBO, Platform.WECHAT):
                assert policy.rules_for(platform) == ()
        assert policy.timezone == "Asia/Shanghai"
        assert policy.enforce is False
        assert policy.surges == (WORLD_BOOK_DAY,)

    def test_platform_without_rules_never_warns(self) -> None:
        """A platform with no rule has no cadence, however busy."""
        at = local(2026, 3, 2)
        assert CadencePolicy().check("douyin", at, [at] * 20) == ()


class TestDailyRule:
    def test_within_range_no_warning(self) -> None:
        """The first and second Weibo post of a day are fine."""
        policy = CadencePolicy()
        at = local(2026, 3, 2, 9)
        assert policy.check("weibo", at, []) == ()
        assert policy.check("weibo", at, [local(2026, 3, 2, 18)]) == ()

    def test_over_the_maximum_warns(self) -> None:
        """A third Weibo post in one day is over the maximum."""
        warnings = CadencePolicy().check(
            "weibo", local(2026, 3, 2, 20), [local(2026, 3, 2, 8), local(2026, 3, 2, 12)]
        )
        (warning,) = warnings
        assert warning == CadenceWarning(
            Platform.WEIBO, DAY, OVER, date(2026, 3, 2), date(2026, 3, 2), 3, 2
        )
        assert "3 posts on 2026-03-02, over the maximum of 2" in str(warning)

    def test_other_days_do_not_count(self) -> None:
        """Posts on other days do not count towards the day."""
        others = [local(2026, 3, 1, 9), local(2026, 3, 1, 12), local(2026, 3, 3, 9)]
        assert CadencePolicy().check("weibo", local(2026, 3, 2), others) == ()

    def test_day_is_counted_in_beijing_time(self) -> None:
        """Days are Beijing days: 16:30 UTC is already the next day there."""
        policy = CadencePolicy()
        # 2 March 01:00 and 03:00 Beijing are 1 March 17:00 and 19:00 UTC.
        others = [datetime(2026, 3, 1, 17, tzinfo=UTC), datetime(2026, 3, 1, 19, tzinfo=UTC)]
        assert breaches(
            policy.check("weibo", datetime(2026, 3, 1, 16, 30, tzinfo=UTC), others)
        ) == [(OVER, 3, 2)]
        assert policy.check("weibo", datetime(2026, 3, 1, 15, 59, tzinfo=UTC), others) == ()

    def test_configurable_timezone(self) -> None:
        """With UTC as the timezone the same times fall on different days."""
        policy = CadencePolicy(timezone="UTC")
        others = [datetime(2026, 3, 1, 17, tzinfo=UTC), datetime(2026, 3, 1, 19, tzinfo=UTC)]
        assert breaches(
            policy.check("weibo", datetime(2026, 3, 1, 16, 30, tzinfo=UTC), others)
        ) == [(OVER, 3, 2)]
        assert policy.check("weibo", datetime(2026, 3, 2, 0, 30, tzinfo=UTC), others) == ()


class TestWeeklyRule:
    def test_under_the_minimum_warns(self) -> None:
        """The first WeChat post of a week is under the weekly minimum of 3."""
        (warning,) = CadencePolicy().check("wechat", local(2026, 3, 4), [])
        assert warning == CadenceWarning(
            Platform.WECHAT, WEEK, UNDER, date(2026, 3, 2), date(2026, 3, 8), 1, 3
        )
        assert "under the minimum of 3" in str(warning)
        assert "week 2026-03-02 to 2026-03-08" in str(warning)

    def test_within_range_no_warning(self) -> None:
        """Three or four WeChat posts in a week are fine."""
        policy = CadencePolicy()
        week = [local(2026, 3, 2), local(2026, 3, 4), local(2026, 3, 6)]
        assert policy.check("wechat", local(2026, 3, 8), week[:2]) == ()
        assert policy.check("wechat", local(2026, 3, 8), week) == ()

    def test_over_the_maximum_warns(self) -> None:
        """A fifth WeChat post in a week is over the maximum of 4."""
        week = [local(2026, 3, d) for d in (2, 3, 4, 5)]
        assert breaches(CadencePolicy().check("wechat", local(2026, 3, 8), week)) == [(OVER, 5, 4)]

    def test_iso_week_starts_on_monday(self) -> None:
        """Sunday belongs to the week before; Monday starts a new one."""
        policy = CadencePolicy()
        week = [local(2026, 3, 2), local(2026, 3, 3), local(2026, 3, 4), local(2026, 3, 5)]
        sunday, monday = local(2026, 3, 8, 23), local(2026, 3, 9, 0)
        assert breaches(policy.check("wechat", sunday, week)) == [(OVER, 5, 4)]
        assert breaches(policy.check("wechat", monday, week)) == [(UNDER, 1, 3)]
        assert policy.period_of(WEEK, monday) == (date(2026, 3, 9), date(2026, 3, 15))

    def test_week_across_new_year(self) -> None:
        """ISO week 1 of 2026 runs from Monday 29 December 2025 to Sunday 4 January 2026."""
        policy = CadencePolicy()
        assert policy.period_of(WEEK, local(2026, 1, 1)) == (date(2025, 12, 29), date(2026, 1, 4))
        others = [local(2025, 12, 29), local(2025, 12, 31), local(2026, 1, 2), local(2026, 1, 4)]
        assert breaches(policy.check("wechat", local(2026, 1, 1), others)) == [(OVER, 5, 4)]
        assert breaches(policy.check("wechat", local(2025, 12, 28), others)) == [(UNDER, 1, 3)]

    def test_week_boundary_in_beijing_time(self) -> None:
        """Sunday 17:00 UTC is already Monday in Beijing, the next week."""
        policy = CadencePolicy()
        at = datetime(2026, 3, 8, 17, tzinfo=UTC)
        assert policy.period_of(WEEK, at) == (date(2026, 3, 9), date(2026, 3, 15))

    @given(
        st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
        )
    )
    def test_period_of_week_is_the_iso_week(self, at: datetime) -> None:
        """The week is the ISO week of the local date, Monday to Sunday."""
        first, last = CadencePolicy().period_of(WEEK, at)
        day = at.astimezone(SHANGHAI).date()
        assert first.isocalendar()[:2] == day.isocalendar()[:2]
        assert first.weekday() == 0
        assert last - first == timedelta(days=6)
        assert first <= day <= last


class TestSurgeWindows:
    def test_world_book_day_raises_the_maximum(self) -> None:
        """On 23 April a third Weibo post is allowed; a fourth is over the raised maximum."""
        policy = CadencePolicy()
        two = [local(2026, 4, 23, 8), local(2026, 4, 23, 12)]
        assert policy.check("weibo", local(2026, 4, 23, 20), two) == ()
        (warning,) = policy.check("weibo", local(2026, 4, 23, 21), [*two, local(2026, 4, 23, 20)])
        assert (warning.count, warning.limit, warning.surge) == (4, 3, "World Book Day")
        assert "raised for World Book Day" in str(warning)

    def test_surge_ends_with_its_window(self) -> None:
        """On 24 April the usual maximum is back."""
        two = [local(2026, 4, 24, 8), local(2026, 4, 24, 12)]
        (warning,) = CadencePolicy().check("weibo", local(2026, 4, 24, 20), two)
        assert (warning.limit, warning.surge) == (2, None)

    def test_surge_raises_the_whole_week(self) -> None:
        """A week holding World Book Day allows one more WeChat post."""
        week = [local(2026, 4, 20 + d) for d in range(4)]
        assert breaches(CadencePolicy().check("wechat", local(2026, 4, 26), week)) == []
        assert breaches(
            CadencePolicy().check("wechat", local(2026, 4, 26), [*week, local(2026, 4, 25)])
        ) == [(OVER, 6, 5)]

    def test_annual_window_recurs(self) -> None:
        """An annual window applies every year on the same days."""
        assert WORLD_BOOK_DAY.covers(date(2031, 4, 23))
        assert not WORLD_BOOK_DAY.covers(date(2031, 4, 22))

    def test_annual_window_over_new_year(self) -> None:
        """An annual window may run over New Year."""
        holidays = SurgeWindow("New Year", date(2000, 12, 30), date(2000, 1, 2), 2, annual=True)
        assert holidays.covers(date(2026, 12, 31))
        assert holidays.covers(date(2027, 1, 1))
        assert not holidays.covers(date(2027, 1, 3))
        assert not holidays.covers(date(2026, 12, 29))

    def test_dated_window_and_platforms(self) -> None:
        """A one-off window applies only in its year and only to its platforms."""
        festival = SurgeWindow(
            "Spring Festival",
            date(2026, 2, 16),
            date(2026, 2, 22),
            raise_max_by=2,
            platforms=["weibo"],
        )
        policy = CadencePolicy(surges=[festival])
        busy = [local(2026, 2, 17, h) for h in (8, 10, 12)]
        assert policy.check("weibo", local(2026, 2, 17, 20), busy) == ()
        assert breaches(
            policy.check("weibo", local(2027, 2, 17, 20), [local(2027, 2, 17, h) for h in (8, 10)])
        ) == [(OVER, 3, 2)]
        assert not festival.applies_to(Platform.WECHAT)

    def test_largest_overlapping_surge_wins(self) -> None:
        """Overlapping windows do not add up: the largest raise applies."""
        small = SurgeWindow("Reading month", date(2026, 4, 1), date(2026, 4, 30), 1)
        big = SurgeWindow("Book fair", date(2026, 4, 22), date(2026, 4, 24), 3)
        policy = CadencePolicy(surges=[small, big])
        assert policy.maximum_for(
            policy.rules_for("weibo")[0], date(2026, 4, 23), date(2026, 4, 23)
        ) == (5, "Book fair")
        assert policy.maximum_for(
            policy.rules_for("weibo")[0], date(2026, 4, 10), date(2026, 4, 10)
        ) == (3, "Reading month")

    def test_surge_does_not_change_the_minimum(self) -> None:
        """Surges raise only the maximum."""
        (warning,) = CadencePolicy().check("wechat", local(2026, 4, 23), [])
        assert (warning.breach, warning.limit) == (UNDER, 3)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"name": " ", "start": date(2026, 1, 1), "end": date(2026, 1, 2), "raise_max_by": 1},
            {"name": "x", "start": date(2026, 1, 1), "end": date(2026, 1, 2), "raise_max_by": 0},
            {"name": "x", "start": date(2026, 1, 1), "end": date(2026, 1, 2), "raise_max_by": True},
            {"name": "x", "start": "2026-01-01", "end": date(2026, 1, 2), "raise_max_by": 1},
            {
                "name": "x",
                "start": date(2026, 1, 1),
                "end": date(2026, 1, 2),
                "raise_max_by": 1,
                "platforms": ["myspace"],
            },
            {
                "name": "x",
                "start": date(2026, 1, 1),
                "end": date(2026, 1, 2),
                "raise_max_by": 1,
                "annual": "yes",
            },
        ],
    )
    def test_bad_windows_refused(self, kwargs: dict[str, Any]) -> None:
        """Malformed surge windows are refused."""
        with pytest.raises(InvalidValueError):
            SurgeWindow(**kwargs)

    def test_window_ending_before_start_refused(self) -> None:
        """A one-off window cannot end before it starts."""
        with pytest.raises(PeriodError):
            SurgeWindow("x", date(2026, 5, 2), date(2026, 5, 1), 1)


class TestEnforcement:
    def test_enforced_maximum_raises(self) -> None:
        """With enforcement on, going over the maximum is refused with the warnings."""
        policy = CadencePolicy(enforce=True)
        two = [local(2026, 3, 2, 8), local(2026, 3, 2, 12)]
        with pytest.raises(CadenceError, match="over the maximum of 2") as caught:
            policy.check("weibo", local(2026, 3, 2, 20), two)
        assert breaches(caught.value.warnings) == [(OVER, 3, 2)]

    def test_enforced_minimum_only_warns(self) -> None:
        """Falling under a minimum is never refused: the rest of the period may fill it."""
        assert breaches(CadencePolicy(enforce=True).check("wechat", local(2026, 3, 2), [])) == [
            (UNDER, 1, 3)
        ]

    def test_enforced_within_range_passes(self) -> None:
        """With enforcement on, a schedule within the rules passes silently."""
        assert CadencePolicy(enforce=True).check("weibo", local(2026, 3, 2), []) == ()


class TestConfiguration:
    def test_with_rule_replaces_same_platform_and_period(self) -> None:
        """A new rule replaces the one for the same platform and period, keeping the rest."""
        policy = CadencePolicy().with_rule(CadenceRule("weibo", "day", 2, 3))
        policy = policy.with_rule(CadenceRule("weibo", "week", maximum=15))
        policy = policy.with_rule(CadenceRule("douyin", "day", maximum=1))
        assert set(policy.rules_for("weibo")) == {
            CadenceRule("weibo", "day", 2, 3),
            CadenceRule("weibo", "week", None, 15),
        }
        at = local(2026, 3, 2)
        assert breaches(policy.check("douyin", at, [at])) == [(OVER, 2, 1)]
        assert policy.rules_for("wechat") == CadencePolicy().rules_for("wechat")

    def test_daily_and_weekly_rule_together(self) -> None:
        """Both a daily and a weekly rule on one platform are checked."""
        policy = CadencePolicy(
            rules=[
                CadenceRule("weibo", "day", maximum=2),
                CadenceRule("weibo", "week", maximum=3),
            ]
        )
        others = [local(2026, 3, 2), local(2026, 3, 3), local(2026, 3, 4, 9)]
        warnings = policy.check("weibo", local(2026, 3, 4, 15), others)
        assert [(w.per, w.count, w.limit) for w in warnings] == [(WEEK, 4, 3)]

    def test_without_rules(self) -> None:
        """A platform's rules can be removed entirely."""
        policy = CadencePolicy().without_rules("weibo")
        assert policy.rules_for("weibo") == ()
        assert policy.rules_for("wechat") != ()

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"minimum": 3, "maximum": 2},
            {},
            {"minimum": -1},
            {"maximum": 0},
            {"maximum": 2.5},
            {"maximum": True},
        ],
    )
    def test_bad_rules_refused(self, kwargs: dict[str, Any]) -> None:
        """A rule needs whole, consistent, non-negative bounds and a positive maximum."""
        with pytest.raises(InvalidValueError):
            CadenceRule("weibo", "day", **kwargs)

    def test_bad_rule_fields_refused(self) -> None:
        """A rule needs a known platform and period."""
        with pytest.raises(InvalidValueError):
            CadenceRule("myspace", "day", maximum=1)
        with pytest.raises(InvalidValueError):
            CadenceRule("weibo", "month", maximum=1)

    def test_two_rules_for_same_period_refused(self) -> None:
        """One rule per platform and period."""
        with pytest.raises(InvalidValueError, match="two cadence rules"):
            CadencePolicy(
                rules=[
                    CadenceRule("weibo", "day", maximum=1),
                    CadenceRule("weibo", "day", maximum=2),
                ]
            )

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"timezone": "Mars/Olympus"},
            {"timezone": ""},
            {"enforce": "yes"},
            {"rules": ["weibo 1-2"]},
            {"surges": ["World Book Day"]},
        ],
    )
    def test_bad_policy_refused(self, kwargs: dict[str, Any]) -> None:
        """Unknown timezones, non-boolean enforce and malformed rules are refused."""
        with pytest.raises(InvalidValueError):
            CadencePolicy(**kwargs)

    def test_naive_times_refused(self) -> None:
        """Times without a timezone cannot be placed in a day and are refused."""
        with pytest.raises(InvalidValueError):
            CadencePolicy().check("weibo", datetime(2026, 3, 2, 9), [])
        with pytest.raises(InvalidValueError):
            CadencePolicy().check("weibo", local(2026, 3, 2), [datetime(2026, 3, 2, 9)])

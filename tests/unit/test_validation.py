"""The shared checks of libops.domain.validation (issue 10: one home for a check written
again per class): what they accept, the specific error and message they give otherwise, and
that the values and aggregates built on them still refuse the same inputs the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from libops.domain import validation, values
from libops.domain.errors import InvalidValueError, NotAnActorError, PeriodError
from libops.domain.validation import aware_moment, calendar_day, require_instance
from libops.domain.values import Period


class TestRequireInstance:
    def test_gives_back_a_value_of_the_kind(self) -> None:
        post_id = uuid4()
        assert require_instance(UUID, post_id, "a post id is a UUID") is post_id

    def test_refuses_another_kind_naming_it(self) -> None:
        with pytest.raises(InvalidValueError, match=r"^a post id is a UUID, not str$"):
            require_instance(UUID, str(uuid4()), "a post id is a UUID")

    def test_raises_the_error_class_given(self) -> None:
        with pytest.raises(NotAnActorError, match=r"^approver must be an Actor, not int$"):
            require_instance(values.Actor, 3, "approver must be an Actor", NotAnActorError)


class TestCalendarDay:
    def test_gives_back_a_date(self) -> None:
        day = date(2026, 3, 1)
        assert calendar_day(day, "due_on is a date") is day

    @pytest.mark.parametrize(
        ("value", "kind"),
        [(datetime(2026, 3, 1, tzinfo=UTC), "datetime"), ("2026-03-01", "str"), (None, "NoneType")],
    )
    def test_refuses_anything_but_a_date(self, value: object, kind: str) -> None:
        with pytest.raises(InvalidValueError, match=rf"^due_on is a date, not {kind}$"):
            calendar_day(value, "due_on is a date")

    def test_raises_the_error_class_given(self) -> None:
        with pytest.raises(PeriodError):
            calendar_day(datetime(2026, 3, 1, tzinfo=UTC), "start must be a date", PeriodError)


class TestAwareMoment:
    def test_keeps_an_aware_moment_in_its_own_zone(self) -> None:
        moment = datetime(2026, 3, 1, 9, tzinfo=timezone(timedelta(hours=8)))
        assert aware_moment("at", moment) is moment

    def test_refuses_a_naive_datetime(self) -> None:
        with pytest.raises(InvalidValueError, match=r"^at must be timezone-aware$"):
            aware_moment("at", datetime(2026, 3, 1, 9))

    def test_refuses_what_is_not_a_datetime(self) -> None:
        with pytest.raises(InvalidValueError, match=r"^at must be a datetime, not date$"):
            aware_moment("at", date(2026, 3, 1))


class TestValuesBuiltOnThem:
    def test_a_period_refuses_a_datetime_end_as_before(self) -> None:
        moment = datetime(2026, 3, 1, tzinfo=UTC)
        with pytest.raises(PeriodError, match=r"^period end must be a date, not datetime$"):
            Period(date(2026, 1, 1), moment)


class TestOldImportPaths:
    def test_values_still_exports_every_check_and_limit(self) -> None:
        from libops.domain import limits

        for module in (validation, limits):
            for name in module.__all__:
                assert getattr(values, name) is getattr(module, name), name

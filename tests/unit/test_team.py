"""The team on the User aggregate (issue 17, item 7): duties, joining, leaving (which
disables), training records; bad input refused with a specific error and nothing recorded;
the team projection's roster, actions and training figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.application.authentication import Authentication
from libops.domain.errors import (
    AuthenticationError,
    DateRangeError,
    DuplicateTrainingError,
    InvalidValueError,
    MemberLeftError,
    PermissionDeniedError,
    TeamDayError,
    TrainingHoursError,
    UnknownIdError,
)
from libops.domain.users import DUTIES_MAX, training_hours
from libops.domain.values import Actor, Period, Platform, PostVariant, Role
from libops.projections.team import roster, team_figures
from tests import actors
from tests.http.support import last_event

ADMIN = actors.ADMIN
TODAY = date(2026, 3, 1)  # the clock fixture's day (08:00 UTC is 16:00 in Shanghai)
PASSWORD = "correct horse battery staple"


def _add(ops: LibOps, login: str = "li.na", roles: tuple[str, ...] = ("content_planner",)) -> None:
    ops.users.add(ADMIN, login=login, name="Li Na", roles=list(roles))


def _training(ops: LibOps, actor: Actor = ADMIN, **fields: Any) -> str:
    fields.setdefault("login", "li.na")
    fields.setdefault("course", "New media writing")
    fields.setdefault("on", date(2026, 2, 20))
    fields.setdefault("hours", "6")
    return ops.users.record_training(actor, **fields)


class TestRoster:
    def test_duties_joining_training_leaving_and_rejoining(self, ops: LibOps) -> None:
        """Every team command on each kind of store, read back from the aggregate."""
        _add(ops)
        ops.users.set_duties(ADMIN, login="li.na", duties=[" WeChat editor ", "摄影", "摄影"])
        ops.users.join(ADMIN, login="li.na", on=date(2025, 9, 1))
        first = _training(ops, hours=Decimal("6.5"), provider="Society", certificate="C-1")
        second = _training(ops, course="Photography", on=date(2026, 2, 21), hours=2)
        assert (first, second) == ("t1", "t2")
        ops.users.leave(ADMIN, login="li.na", on=date(2026, 2, 28), reason="moved")
        member = ops.users.get("li.na")
        assert member.duties == ("WeChat editor", "摄影")
        assert (member.joined_on, member.left_on, member.disabled) == (
            date(2025, 9, 1),
            date(2026, 2, 28),
            True,
        )
        assert [t.hours for t in member.trainings.values()] == [Decimal("6.5"), Decimal(2)]
        ops.users.join(ADMIN, login="li.na", on=date(2026, 3, 1))
        member = ops.users.get("li.na")
        assert (member.joined_on, member.left_on, member.disabled) == (
            date(2026, 3, 1),
            None,
            False,
        )

    def test_the_team_projection(self, ops: LibOps, clock: ManualClock) -> None:
        """The roster shows roles with the day they changed, duties, joining (the day added
        when none was recorded) and leaving; actions and training sum by period."""
        _add(ops)
        _add(ops, login="zhao.lei")
        ops.users.set_duties(ADMIN, login="li.na", duties=["WeChat editor"])
        clock.advance(timedelta(days=2))
        ops.users.change_roles(ADMIN, login="li.na", roles=["content_planner", "reviewer"])
        _training(ops, hours="6")
        _training(ops, login="zhao.lei", hours="6")
        _training(ops, login="zhao.lei", course="Photography", on=date(2026, 1, 10), hours="3")
        ops.users.leave(ADMIN, login="zhao.lei", on=date(2026, 3, 3), reason="moved")
        li_na = Actor("li.na", [Role.CONTENT_PLANNER])
        ops.posts.draft(
            li_na,
            title="New books",
            body="Twelve new books this week.",
            content_type="news",
            format="image_text",
            variants=[PostVariant(Platform.WEIBO, "Twelve new books this week.")],
        )
        ops.projections.run()
        view = ops.projections.view("team")
        members = {m.login: m for m in roster(view)}
        li, zhao = members["li.na"], members["zhao.lei"]
        assert (li.joined, li.joined_recorded) == (TODAY, False)
        assert li.roles == ("content_planner", "reviewer")
        assert [(d.isoformat(), c) for d, c, _ in li.history] == [
            ("2026-03-01", "added"),
            ("2026-03-01", "duties"),
            ("2026-03-03", "roles"),
        ]
        assert (zhao.left, zhao.left_reason, zhao.disabled) == (date(2026, 3, 3), "moved", True)
        figures = team_figures(view, Period(date(2026, 2, 1), date(2026, 3, 31)))
        assert figures.training_hours == Decimal(12)
        assert [(c.course, c.people, c.hours) for c in figures.courses] == [
            ("New media writing", ("li.na", "zhao.lei"), Decimal(12))
        ]
        assert [(a.actor_id, a.drafted) for a in figures.actions] == [("li.na", 1)]
        assert team_figures(view).training_hours == Decimal(15)
        assert team_figures(view, Period(date(2026, 4, 1), date(2026, 4, 30))) == type(figures)()

    def test_a_member_who_left_cannot_sign_in_or_be_enabled(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        memory_ops.users.set_password(ADMIN, login="li.na", password=PASSWORD)
        auth = Authentication(memory_ops)
        auth.password("li.na", PASSWORD)
        memory_ops.users.leave(ADMIN, login="li.na", on=TODAY)
        with pytest.raises(AuthenticationError):
            auth.password("li.na", PASSWORD)
        before = last_event(memory_ops)
        for command in (
            lambda: memory_ops.users.enable(ADMIN, login="li.na"),
            lambda: memory_ops.users.set_duties(ADMIN, login="li.na", duties=["x"]),
            lambda: _training(memory_ops),
            lambda: memory_ops.users.leave(ADMIN, login="li.na", on=TODAY),
        ):
            with pytest.raises(MemberLeftError):
                command()
        assert last_event(memory_ops) == before


class TestBadInput:
    @pytest.mark.parametrize(
        ("fields", "error"),
        [
            ({"hours": "0"}, TrainingHoursError),
            ({"hours": "-1"}, TrainingHoursError),
            ({"hours": "500.01"}, TrainingHoursError),
            ({"hours": "1.234"}, TrainingHoursError),
            ({"hours": 1.5}, TrainingHoursError),
            ({"hours": True}, TrainingHoursError),
            ({"hours": "NaN"}, TrainingHoursError),
            ({"hours": "six"}, TrainingHoursError),
            ({"on": date(2026, 3, 2)}, TeamDayError),
            ({"on": date(1800, 1, 1)}, DateRangeError),
            ({"on": "2026-02-01"}, InvalidValueError),
            ({"course": " "}, InvalidValueError),
            ({"course": "a\x00b"}, InvalidValueError),
            ({"provider": "two\nlines"}, InvalidValueError),
            ({"learned": "x" * 2_001}, InvalidValueError),
            ({"login": "nobody"}, UnknownIdError),
        ],
    )
    def test_training(self, memory_ops: LibOps, fields: dict[str, Any], error: type) -> None:
        _add(memory_ops)
        before = last_event(memory_ops)
        with pytest.raises(error):
            _training(memory_ops, **fields)
        assert last_event(memory_ops) == before

    def test_the_same_course_on_the_same_day_twice(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        _training(memory_ops)
        before = last_event(memory_ops)
        with pytest.raises(DuplicateTrainingError):
            _training(memory_ops, course="NEW MEDIA WRITING")
        assert last_event(memory_ops) == before

    def test_days(self, memory_ops: LibOps) -> None:
        """Joining or leaving in the future, leaving before joining and rejoining before
        leaving are refused."""
        _add(memory_ops)
        memory_ops.users.join(ADMIN, login="li.na", on=date(2026, 2, 1))
        before = last_event(memory_ops)
        commands: list[Callable[[], object]] = [
            lambda: memory_ops.users.join(ADMIN, login="li.na", on=date(2026, 3, 2)),
            lambda: memory_ops.users.leave(ADMIN, login="li.na", on=date(2026, 3, 2)),
            lambda: memory_ops.users.leave(ADMIN, login="li.na", on=date(2026, 1, 31)),
        ]
        for command in commands:
            with pytest.raises(TeamDayError):
                command()
        assert last_event(memory_ops) == before
        memory_ops.users.leave(ADMIN, login="li.na", on=date(2026, 2, 20))
        before = last_event(memory_ops)
        with pytest.raises(TeamDayError):
            memory_ops.users.join(ADMIN, login="li.na", on=date(2026, 2, 19))
        assert last_event(memory_ops) == before

    def test_duties(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        for duties in (
            [f"duty {n}" for n in range(DUTIES_MAX + 1)],
            ["x" * 101],
            ["two\nlines"],
            [""],
            [3],
        ):
            with pytest.raises(InvalidValueError):
                memory_ops.users.set_duties(ADMIN, login="li.na", duties=duties)  # type: ignore[arg-type]
        assert memory_ops.users.get("li.na").duties == ()
        memory_ops.users.set_duties(ADMIN, login="li.na", duties=[])
        assert memory_ops.users.get("li.na").duties == ()

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("6", Decimal(6)), (6, Decimal(6)), (" 0.25 ", Decimal("0.25")), ("500", Decimal(500))],
    )
    def test_hours_accepted(self, value: object, expected: Decimal) -> None:
        assert training_hours(value) == expected


class TestWhoMay:
    def test_only_admins_manage_the_roster(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        before = last_event(memory_ops)
        for actor in (actors.PLANNER, actors.REVIEWER, actors.TECH, actors.OWNER):
            with pytest.raises(PermissionDeniedError):
                memory_ops.users.set_duties(actor, login="li.na", duties=["x"])
            with pytest.raises(PermissionDeniedError):
                memory_ops.users.join(actor, login="li.na", on=TODAY)
            with pytest.raises(PermissionDeniedError):
                memory_ops.users.leave(actor, login="li.na", on=TODAY)
        assert last_event(memory_ops) == before

    def test_a_member_records_their_own_training_only(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        _add(memory_ops, login="zhao.lei")
        herself = Actor("li.na", [Role.CONTENT_PLANNER])
        assert _training(memory_ops, herself) == "t1"
        before = last_event(memory_ops)
        with pytest.raises(PermissionDeniedError):
            _training(memory_ops, herself, login="zhao.lei")
        assert last_event(memory_ops) == before


class TestCorrectingATraining:
    def test_a_correction_replaces_the_fields_given(self, ops: LibOps) -> None:
        """On each kind of store: the fields given replace the recorded ones, the others
        stay; the team projection (the report's training table) shows the record as
        corrected; a member who left may still have their record corrected."""
        _add(ops)
        _training(ops, provider="Society", certificate="C-1")
        _training(ops, course="Photography", on=date(2026, 2, 21), hours=2)
        ops.users.leave(ADMIN, login="li.na", on=date(2026, 2, 28))
        ops.users.correct_training(
            ADMIN,
            login="li.na",
            training_id="t1",
            on=date(2026, 2, 19),
            hours="4.5",
            reason="the certificate says 4.5 hours on the 19th",
        )
        ops.app.repository.cache = None  # read back from the stored events
        corrected = ops.users.get("li.na").trainings["t1"]
        assert (corrected.course, corrected.provider, corrected.certificate) == (
            "New media writing",
            "Society",
            "C-1",
        )
        assert (corrected.day, corrected.hours) == (date(2026, 2, 19), Decimal("4.5"))
        assert ops.users.get("li.na").trainings["t2"].hours == Decimal(2)
        ops.projections.run()
        (member,) = roster(ops.projections.view("team"))
        assert [(t.training_id, t.day, t.hours) for t in member.trainings] == [
            ("t1", date(2026, 2, 19), Decimal("4.5")),
            ("t2", date(2026, 2, 21), Decimal(2)),
        ]

    @pytest.mark.parametrize(
        ("fields", "error"),
        [
            ({"training_id": "t9"}, UnknownIdError),
            ({"login": "nobody"}, UnknownIdError),
            ({"reason": " "}, InvalidValueError),
            ({"hours": "0"}, TrainingHoursError),
            ({"on": date(2026, 3, 2)}, TeamDayError),
            ({"course": " "}, InvalidValueError),
            ({"hours": "6"}, InvalidValueError),  # changes nothing
            ({"hours": None, "course": " New media writing "}, InvalidValueError),
            ({"course": "Photography", "on": date(2026, 2, 21)}, DuplicateTrainingError),
        ],
    )
    def test_bad_corrections_record_nothing(
        self, memory_ops: LibOps, fields: dict[str, Any], error: type
    ) -> None:
        _add(memory_ops)
        _training(memory_ops)
        _training(memory_ops, course="Photography", on=date(2026, 2, 21), hours=2)
        given: dict[str, Any] = {
            "login": "li.na",
            "training_id": "t1",
            "hours": "5",
            "reason": "typo",
        }
        given.update(fields)
        before = last_event(memory_ops)
        with pytest.raises(error) as raised:
            memory_ops.users.correct_training(ADMIN, **given)
        assert type(raised.value) is error
        assert last_event(memory_ops) == before

    def test_a_member_corrects_their_own_training_only(self, memory_ops: LibOps) -> None:
        _add(memory_ops)
        _add(memory_ops, login="zhao.lei")
        _training(memory_ops)
        _training(memory_ops, login="zhao.lei")
        herself = Actor("li.na", [Role.CONTENT_PLANNER])
        before = last_event(memory_ops)
        with pytest.raises(PermissionDeniedError):
            memory_ops.users.correct_training(
                herself, login="zhao.lei", training_id="t1", hours="3", reason="typo"
            )
        assert last_event(memory_ops) == before
        memory_ops.users.correct_training(
            herself, login="li.na", training_id="t1", hours="3", reason="typo"
        )
        assert memory_ops.users.get("li.na").trainings["t1"].hours == Decimal(3)

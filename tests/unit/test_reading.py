"""The ReadingSession aggregate: places, registration, attendance, contributions, closing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from libops import Actor, Platform
from libops.domain.errors import (
    AlreadyRegisteredError,
    ConsentError,
    InvalidTransitionError,
    InvalidValueError,
    NotRegisteredError,
    PermissionDeniedError,
    PersonalDataFoundError,
    RegistrationClosedError,
    ScheduleInPastError,
    SessionFullError,
    SessionNotStartedError,
)
from libops.domain.interaction.reading import ReadingSession, SessionStatus
from tests.actors import ADMIN, PLANNER
from tests.helpers import refused
from tests.unit.interaction_support import EVERYONE, START, sealed_for

STARTS = START + timedelta(days=3)
ENDS = STARTS + timedelta(hours=2)
DURING = STARTS + timedelta(minutes=30)


def _schedule(actor: Actor = PLANNER, **changes: Any) -> ReadingSession:
    arguments: dict[str, Any] = {
        "title": "  Reading club: The Three-Body Problem  ",
        "starts_at": STARTS,
        "ends_at": ENDS,
        "capacity": 2,
        "now": START,
        "platform": "wechat",
        "place": " Reading room 2 ",
        "description": " bring your notes ",
        **changes,
    }
    return ReadingSession.schedule(actor, **arguments)


def _session(registered: int = 0) -> ReadingSession:
    session = _schedule()
    for n in range(registered):
        session.register(PLANNER, sealed_for(f"reader-{n + 1}"), now=START)
    session.collect_events()
    return session


class TestSchedule:
    def test_schedule_records_the_session(self) -> None:
        """The session keeps its title, times, places, platform and place, stripped."""
        session = _schedule()
        [scheduled] = session.collect_events()
        assert isinstance(scheduled, ReadingSession.Scheduled)
        assert scheduled.actor_id == PLANNER.id
        assert session.title == "Reading club: The Three-Body Problem"
        assert (session.starts_at, session.ends_at) == (STARTS, ENDS)
        assert session.capacity == session.places_left == 2
        assert session.platform is Platform.WECHAT
        assert session.place == "Reading room 2"
        assert session.description == "bring your notes"
        assert session.status is SessionStatus.SCHEDULED

    def test_online_only_or_in_a_place_only(self) -> None:
        """A platform alone or a place alone is enough."""
        assert _schedule(place=None).place is None
        assert _schedule(platform=None).platform is None

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"title": " "}, InvalidValueError),
            ({"ends_at": STARTS}, InvalidValueError),
            ({"starts_at": START - timedelta(minutes=1)}, ScheduleInPastError),
            ({"starts_at": datetime(2026, 3, 4)}, InvalidValueError),
            ({"capacity": 0}, InvalidValueError),
            ({"capacity": 2.5}, InvalidValueError),
            ({"capacity": True}, InvalidValueError),
            ({"platform": None, "place": "  "}, InvalidValueError),
            ({"platform": "myspace"}, InvalidValueError),
            ({"place": "x" * 501}, InvalidValueError),
            ({"campaign_id": "nope"}, InvalidValueError),
        ],
        ids=str,
    )
    def test_bad_sessions(self, changes: dict[str, Any], error: type[Exception]) -> None:
        """Malformed sessions and sessions in the past are refused."""
        with pytest.raises(error):
            _schedule(**changes)


class TestRegistration:
    def test_register_keeps_the_sealed_participant(self) -> None:
        """A registration keeps the sealed data, the time and the version it is bound to."""
        session = _session()
        session.register(ADMIN, sealed_for("reader-1"), now=START)
        [registered] = session.collect_events()
        assert isinstance(registered, ReadingSession.Registered)
        registration = session.registration("reader-1")
        assert registration.participant == sealed_for("reader-1")
        assert registration.registered_at == START
        assert registration.version == 2
        assert session.places_left == 1

    def test_one_registration_per_person(self) -> None:
        """The same subject registering again is refused."""
        session = _session(1)
        refused(
            session,
            AlreadyRegisteredError,
            lambda: session.register(PLANNER, sealed_for("reader-1"), now=START),
        )

    def test_capacity(self) -> None:
        """No more registrations than places; a duplicate in a full session is a duplicate."""
        session = _session(2)
        refused(
            session,
            SessionFullError,
            lambda: session.register(PLANNER, sealed_for("reader-3"), now=START),
        )
        refused(
            session,
            AlreadyRegisteredError,
            lambda: session.register(PLANNER, sealed_for("reader-2"), now=START),
        )

    def test_registration_closes_at_the_start(self) -> None:
        """From the start of the session, registration is closed."""
        session = _session()
        refused(
            session,
            RegistrationClosedError,
            lambda: session.register(PLANNER, sealed_for("reader-1"), now=STARTS),
        )

    @pytest.mark.parametrize(
        ("participant", "error"),
        [
            ("Zhang San", InvalidValueError),
            (sealed_for("reader-1", third_parties=True), ConsentError),
        ],
        ids=str,
    )
    def test_bad_registrations(self, participant: Any, error: type[Exception]) -> None:
        """Unsealed data and consent to pass data on are refused."""
        session = _session()
        refused(session, error, lambda: session.register(PLANNER, participant, now=START))

    def test_check_registration_raises_what_register_would(self) -> None:
        """check_registration refuses before sealing, with the same errors."""
        session = _session(2)
        refused(
            session,
            SessionFullError,
            lambda: session.check_registration(PLANNER, subject_id="reader-3", now=START),
        )
        refused(
            session,
            InvalidValueError,
            lambda: session.check_registration(PLANNER, subject_id="Zhang San", now=START),
        )


class TestAtTheSession:
    def test_attendance_and_contributions(self) -> None:
        """Attendance is recorded once; contributions accumulate per participant."""
        session = _session(2)
        session.record_attendance(PLANNER, "reader-1", now=DURING)
        session.record_contribution(PLANNER, "reader-1", " Loved the ending. ", now=DURING)
        session.record_contribution(ADMIN, "reader-2", "Try the sequel.", now=DURING)
        session.record_contribution(PLANNER, "reader-1", "Also: the audiobook.", now=DURING)
        events = session.collect_events()
        assert [type(e).__name__ for e in events] == [
            "AttendanceRecorded",
            "ContributionRecorded",
            "ContributionRecorded",
            "ContributionRecorded",
        ]
        assert session.attendance == 1
        assert session.registration("reader-1").attended
        assert not session.registration("reader-2").attended
        assert session.contributions == (
            ("reader-1", "Loved the ending."),
            ("reader-1", "Also: the audiobook."),
            ("reader-2", "Try the sequel."),
        )
        refused(
            session,
            InvalidTransitionError,
            lambda: session.record_attendance(PLANNER, "reader-1", now=DURING),
        )

    def test_attendance_needs_the_session_started(self) -> None:
        """Nobody attends a session that has not started."""
        session = _session(1)
        refused(
            session,
            SessionNotStartedError,
            lambda: session.record_attendance(PLANNER, "reader-1", now=START),
        )

    @pytest.mark.parametrize(
        "command",
        [
            lambda s: s.record_attendance(PLANNER, "stranger", now=DURING),
            lambda s: s.record_contribution(PLANNER, "stranger", "Hello", now=DURING),
        ],
        ids=["attendance", "contribution"],
    )
    def test_only_registered_participants(self, command: Callable[[ReadingSession], None]) -> None:
        """Attendance and contributions are for registered participants only."""
        session = _session(1)
        refused(session, NotRegisteredError, lambda: command(session))

    @pytest.mark.parametrize(
        ("text", "error"),
        [("", InvalidValueError), ("my number 13812345678", PersonalDataFoundError)],
        ids=str,
    )
    def test_bad_contributions(self, text: str, error: type[Exception]) -> None:
        """Blank contributions and personal data in clear are refused."""
        session = _session(1)
        refused(
            session,
            error,
            lambda: session.record_contribution(PLANNER, "reader-1", text, now=DURING),
        )


class TestClosing:
    def test_close_after_the_start(self) -> None:
        """A session closes once it has started; nothing more is recorded on it."""
        session = _session(1)
        refused(session, SessionNotStartedError, lambda: session.close(PLANNER, now=START))
        session.close(PLANNER, now=ENDS)
        [closed] = session.collect_events()
        assert isinstance(closed, ReadingSession.Closed)
        assert session.status is SessionStatus.CLOSED
        for command in (
            lambda: session.close(PLANNER, now=ENDS),
            lambda: session.cancel(ADMIN, "x", now=ENDS),
            lambda: session.register(PLANNER, sealed_for("reader-9"), now=START),
            lambda: session.record_attendance(PLANNER, "reader-1", now=ENDS),
            lambda: session.record_contribution(PLANNER, "reader-1", "late note", now=ENDS),
        ):
            refused(session, InvalidTransitionError, command)

    def test_cancel_with_a_reason(self) -> None:
        """A scheduled session is cancelled with its reason; a blank reason is refused."""
        session = _session(1)
        refused(session, InvalidValueError, lambda: session.cancel(ADMIN, " ", now=START))
        session.cancel(ADMIN, " heating broke down ", now=START)
        assert session.cancellation_reason == "heating broke down"
        assert session.status is SessionStatus.CANCELLED


COMMANDS: dict[str, Callable[[ReadingSession, Actor], object]] = {
    "register": lambda s, a: s.register(a, sealed_for("reader-9"), now=START),
    "record_attendance": lambda s, a: s.record_attendance(a, "reader-1", now=DURING),
    "record_contribution": lambda s, a: s.record_contribution(a, "reader-1", "Hi", now=DURING),
    "close": lambda s, a: s.close(a, now=ENDS),
    "cancel": lambda s, a: s.cancel(a, "closed", now=START),
}
ALLOWED = {
    "schedule": {"planner", "admin"},
    "register": {"planner", "admin"},
    "record_attendance": {"planner", "admin"},
    "record_contribution": {"planner", "admin"},
    "close": {"planner", "admin"},
    "cancel": {"admin"},
}


class TestPermissions:
    @pytest.mark.parametrize("role", sorted(EVERYONE))
    @pytest.mark.parametrize("command", sorted(COMMANDS))
    def test_commands_by_role(self, command: str, role: str) -> None:
        """Each command is allowed to its roles and refused (changing nothing) to the rest."""
        session = _session(1)
        actor = EVERYONE[role]
        if role in ALLOWED[command]:
            COMMANDS[command](session, actor)
            assert session.collect_events()
        else:
            refused(session, PermissionDeniedError, lambda: COMMANDS[command](session, actor))

    @pytest.mark.parametrize("role", sorted(EVERYONE))
    def test_schedule_by_role(self, role: str) -> None:
        """Scheduling is for content planners and operations admins."""
        if role in ALLOWED["schedule"]:
            assert _schedule(EVERYONE[role]).version == 1
        else:
            with pytest.raises(PermissionDeniedError):
                _schedule(EVERYONE[role])


class TestReplay:
    def test_a_session_rebuilds_from_its_events(self) -> None:
        """Replaying the events rebuilds the same session."""
        session = _schedule()
        session.register(PLANNER, sealed_for("reader-1"), now=START)
        session.record_attendance(PLANNER, "reader-1", now=DURING)
        session.record_contribution(PLANNER, "reader-1", "Great book.", now=DURING)
        session.close(PLANNER, now=ENDS)
        rebuilt: Any = None
        for event in session.collect_events():
            rebuilt = event.mutate(rebuilt)
        assert isinstance(rebuilt, ReadingSession)
        assert vars(rebuilt) == vars(session)

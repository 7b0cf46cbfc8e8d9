"""The golden file of the team's events on the User aggregate
(``tests/golden/user_team_events.json``, issue 17): decoded field by field against
expectations written out here, and the member reconstructed from it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from libops import LibOps
from libops.domain.users import User, user_id
from libops.domain.values import Role
from tests.unit.test_golden import _assert_decodes, _assert_records, _loaded, fresh_ops

__all__ = ["fresh_ops"]  # the fixture, used by name

WANG_FANG = UUID("8423d691-dbc9-5ca6-80c3-190c590fd3fd")

TEAM_EVENTS: list[tuple[type[Any], UUID, int, dict[str, Any]]] = [
    (
        User.Added,
        WANG_FANG,
        1,
        {
            "originator_topic": "libops:User",
            "actor_id": "admin-1",
            "login": "wang.fang",
            "name": "王芳",
            "roles": [Role.CONTENT_PLANNER],
            "platforms": None,
            "campaigns": None,
        },
    ),
    (User.DutiesSet, WANG_FANG, 2, {"actor_id": "admin-1", "duties": ["WeChat editor", "摄影"]}),
    (User.Joined, WANG_FANG, 3, {"actor_id": "admin-1", "day": "2026-01-05"}),
    (
        User.TrainingRecorded,
        WANG_FANG,
        4,
        {
            "actor_id": "wang.fang",
            "training_id": "t1",
            "course": "新媒体写作",
            "provider": "Provincial Library Society",
            "day": "2026-02-27",
            "hours": Decimal("6.5"),
            "learned": "Headlines that say what a post is about.",
            "certificate": "PLS-2026-0042",
        },
    ),
    (
        User.Left,
        WANG_FANG,
        5,
        {"actor_id": "admin-1", "day": "2026-03-02", "reason": "study leave"},
    ),
    (User.Joined, WANG_FANG, 6, {"actor_id": "admin-1", "day": "2026-03-02"}),
]


class TestTeamGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """Topics, aggregate ids and versions of the stored records are as expected."""
        _assert_records("user_team_events.json", TEAM_EVENTS)

    def test_events_decode_to_the_expected_values(self, fresh_ops: LibOps) -> None:
        """Each stored record decodes to exactly the expected event, field by field."""
        _assert_decodes(fresh_ops, "user_team_events.json", TEAM_EVENTS)

    def test_the_member_reconstructs(self, fresh_ops: LibOps) -> None:
        """The member comes back as the events left them: duties, rejoined (so enabled,
        with no leaving day) and the training with its exact hours."""
        ops = _loaded(fresh_ops, "user_team_events.json")
        assert user_id("wang.fang") == WANG_FANG
        member = ops.users.get("wang.fang")
        assert member.duties == ("WeChat editor", "摄影")
        assert (member.joined_on, member.left_on, member.disabled) == (
            date(2026, 3, 2),
            None,
            False,
        )
        (training,) = member.trainings.values()
        assert (training.course, training.day, training.hours) == (
            "新媒体写作",
            date(2026, 2, 27),
            Decimal("6.5"),
        )

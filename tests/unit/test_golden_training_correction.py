"""The golden file of a training record corrected
(``tests/golden/user_training_correction_events.json``, issue 17): decoded field by field
against expectations written out here, and the member's training reconstructed from it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from libops import LibOps
from libops.domain.users import Training, User, user_id
from libops.domain.values import Role
from tests.unit.test_golden import _assert_decodes, _assert_records, _loaded, fresh_ops

__all__ = ["fresh_ops"]  # the fixture, used by name

ZHAO_LEI = UUID("55e9997c-8592-598a-9bb7-b1a52aa7c740")

CORRECTION_EVENTS: list[tuple[type[Any], UUID, int, dict[str, Any]]] = [
    (
        User.Added,
        ZHAO_LEI,
        1,
        {
            "originator_topic": "libops:User",
            "actor_id": "admin-1",
            "login": "zhao.lei",
            "name": "赵磊",
            "roles": [Role.CONTENT_PLANNER],
            "platforms": None,
            "campaigns": None,
        },
    ),
    (
        User.TrainingRecorded,
        ZHAO_LEI,
        2,
        {
            "actor_id": "admin-1",
            "training_id": "t1",
            "course": "短视频剪辑",
            "provider": "市图书馆学会",
            "day": "2026-02-20",
            "hours": Decimal("8"),
            "learned": "",
            "certificate": "",
        },
    ),
    (
        User.TrainingCorrected,
        ZHAO_LEI,
        3,
        {
            "actor_id": "admin-1",
            "training_id": "t1",
            "course": "短视频剪辑",
            "provider": "市图书馆学会",
            "day": "2026-02-21",
            "hours": Decimal("3.5"),
            "learned": "Cutting to the beat.",
            "certificate": "",
            "reason": "the certificate says 3.5 hours on 21 February",
        },
    ),
]


class TestTrainingCorrectionGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """Topics, aggregate ids and versions of the stored records are as expected."""
        assert user_id("zhao.lei") == ZHAO_LEI
        _assert_records("user_training_correction_events.json", CORRECTION_EVENTS)

    def test_events_decode_to_the_expected_values(self, fresh_ops: LibOps) -> None:
        """Each stored record decodes to exactly the expected event, field by field."""
        _assert_decodes(fresh_ops, "user_training_correction_events.json", CORRECTION_EVENTS)

    def test_the_training_reconstructs_as_corrected(self, fresh_ops: LibOps) -> None:
        ops = _loaded(fresh_ops, "user_training_correction_events.json")
        assert ops.users.get("zhao.lei").trainings == {
            "t1": Training(
                "t1",
                "短视频剪辑",
                "市图书馆学会",
                date(2026, 2, 21),
                Decimal("3.5"),
                "Cutting to the beat.",
                "",
            )
        }

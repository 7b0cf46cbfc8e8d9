"""The ConductRecord aggregate: moderation steps with reasons, and the automatic sanction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from libops import Actor, Platform
from libops.domain.errors import AlreadyModeratedError, InvalidValueError, PermissionDeniedError
from libops.domain.interaction.moderation import (
    CommentRef,
    ConductRecord,
    ModerationAction,
    ModerationPolicy,
    SanctionMeasure,
)
from tests.actors import ADMIN, PLANNER
from tests.helpers import refused
from tests.unit.interaction_support import EVERYONE

POST = UUID("b0570000-0000-4000-8000-000000000002")
POLICY = ModerationPolicy(sanction_after_warnings=2, automatic_measure="block")


def comment(n: int) -> CommentRef:
    """The ``n``th comment on the test post on Weibo."""
    return CommentRef(str(POST), "weibo", f"c{n}")


def _record() -> ConductRecord:
    record = ConductRecord.start(ADMIN, "reader-1")
    record.collect_events()
    return record


class TestValues:
    def test_comment_ref(self) -> None:
        """A comment reference converts its post id and platform."""
        ref = CommentRef(str(POST), "weibo", " 4930 ")
        assert ref == CommentRef(POST, Platform.WEIBO, "4930")

    @pytest.mark.parametrize(
        "changes",
        [{"post_id": "x"}, {"post_id": 7}, {"platform": "myspace"}, {"external_id": " "}],
        ids=str,
    )
    def test_bad_comment_refs(self, changes: dict[str, Any]) -> None:
        """Malformed comment references are refused."""
        arguments: dict[str, Any] = {"post_id": POST, "platform": "weibo", "external_id": "c"}
        with pytest.raises(InvalidValueError):
            CommentRef(**{**arguments, **changes})

    @pytest.mark.parametrize(
        "changes",
        [
            {"sanction_after_warnings": 0},
            {"sanction_after_warnings": True},
            {"automatic_measure": "flog"},
        ],
        ids=str,
    )
    def test_bad_policies(self, changes: dict[str, Any]) -> None:
        """A threshold below one, or an unknown measure, is refused."""
        with pytest.raises(InvalidValueError):
            ModerationPolicy(**changes)

    def test_default_policy(self) -> None:
        """By default, the third warning brings a mute."""
        assert ModerationPolicy() == ModerationPolicy(3, SanctionMeasure.MUTE)


class TestRecord:
    def test_id_follows_the_subject(self) -> None:
        """A participant's record has the same id in every store."""
        record = ConductRecord.start(ADMIN, "reader-1")
        assert record.id == ConductRecord.id_for("reader-1")
        assert record.subject_id == "reader-1"
        with pytest.raises(InvalidValueError):
            ConductRecord.id_for("Zhang San")
        with pytest.raises(InvalidValueError):
            ConductRecord.start("admin-1", "reader-1")  # type: ignore[arg-type]  # deliberately bad

    def test_every_step_is_kept_with_its_reason(self) -> None:
        """Hide, warn, sanction, feature and reward each record their event and a step."""
        record = _record()
        record.hide(ADMIN, comment(1), " spam link ")
        assert record.warn(ADMIN, comment(1), "spam", policy=POLICY) is False
        record.sanction(ADMIN, comment(2), "insults", "exclude_from_activities")
        record.feature(PLANNER, comment(3), "thoughtful review")
        record.reward(PLANNER, comment(3), "thoughtful review", " bookmark set ")
        events = record.collect_events()
        assert [type(e).__name__ for e in events] == [
            "CommentHidden",
            "Warned",
            "Sanctioned",
            "CommentFeatured",
            "Rewarded",
        ]
        assert [s.action for s in record.steps] == [
            ModerationAction.HIDE,
            ModerationAction.WARN,
            ModerationAction.SANCTION,
            ModerationAction.FEATURE,
            ModerationAction.REWARD,
        ]
        assert record.steps[0].reason == "spam link"
        assert record.hidden_comments == (comment(1),)
        assert record.featured_comments == (comment(3),)
        assert record.warnings == 1
        assert record.is_sanctioned
        assert record.sanctions[0].measure is SanctionMeasure.EXCLUDE_FROM_ACTIVITIES
        assert record.rewards[0].reward == "bookmark set"
        assert record.automatic_sanction is None

    @pytest.mark.parametrize(
        "step",
        [
            lambda r, c: r.hide(ADMIN, c, "again"),
            lambda r, c: r.warn(ADMIN, c, "again", policy=POLICY),
            lambda r, c: r.sanction(ADMIN, c, "again"),
            lambda r, c: r.feature(ADMIN, c, "again"),
            lambda r, c: r.reward(ADMIN, c, "again", "a pen"),
        ],
        ids=["hide", "warn", "sanction", "feature", "reward"],
    )
    def test_the_same_step_twice_on_one_comment(
        self, step: Callable[[ConductRecord, CommentRef], object]
    ) -> None:
        """The same step on the same comment is refused (a retry never counts twice)."""
        record = _record()
        step(record, comment(1))
        record.collect_events()
        refused(record, AlreadyModeratedError, lambda: step(record, comment(1)))
        step(record, comment(2))  # another comment is another matter

    @pytest.mark.parametrize(
        "step",
        [
            lambda r: r.hide(ADMIN, comment(1), " "),
            lambda r: r.warn(ADMIN, comment(1), "", policy=POLICY),
            lambda r: r.warn(ADMIN, comment(1), "x", policy=3),
            lambda r: r.sanction(ADMIN, comment(1), "x", "flog"),
            lambda r: r.feature(ADMIN, "c1", "x"),
            lambda r: r.reward(ADMIN, comment(1), "x", " "),
        ],
        ids=["hide", "warn", "policy", "measure", "comment", "reward"],
    )
    def test_bad_steps(self, step: Callable[[ConductRecord], object]) -> None:
        """Blank reasons, unknown measures and malformed comments are refused."""
        record = _record()
        refused(record, InvalidValueError, lambda: step(record))


class TestAutomaticSanction:
    def test_sanction_follows_when_warnings_reach_the_threshold(self) -> None:
        """The warning that reaches the threshold brings the policy's sanction, as its own event."""
        record = _record()
        assert record.warn(ADMIN, comment(1), "off topic", policy=POLICY) is False
        assert record.warn(ADMIN, comment(2), "insults", policy=POLICY) is True
        events = record.collect_events()
        assert [type(e).__name__ for e in events] == ["Warned", "Warned", "SanctionedAutomatically"]
        automatic = events[-1]
        assert isinstance(automatic, ConductRecord.SanctionedAutomatically)
        assert (automatic.warnings, automatic.threshold) == (2, 2)
        assert automatic.measure is SanctionMeasure.BLOCK
        assert automatic.comment == comment(2)
        assert automatic.reason == "2 warnings reached the threshold of 2"
        assert record.automatic_sanction is not None
        assert record.is_sanctioned

    def test_the_automatic_sanction_comes_once(self) -> None:
        """Later warnings record only the warning: the policy sanctions a participant once."""
        record = _record()
        for n in range(1, 6):
            record.warn(ADMIN, comment(n), "off topic", policy=POLICY)
        automatic = [
            e
            for e in record.collect_events()
            if isinstance(e, ConductRecord.SanctionedAutomatically)
        ]
        assert len(automatic) == 1
        assert record.warnings == 5
        assert len(record.sanctions) == 1

    def test_a_manual_sanction_does_not_count_as_the_automatic_one(self) -> None:
        """A moderator's sanction is separate; the threshold still brings the automatic one."""
        record = _record()
        record.sanction(ADMIN, comment(1), "insults")
        record.warn(ADMIN, comment(2), "x", policy=POLICY)
        assert record.warn(ADMIN, comment(3), "y", policy=POLICY) is True
        assert len(record.sanctions) == 2

    def test_a_refused_warning_brings_no_sanction(self) -> None:
        """A repeated warning on one comment is refused whole: no warning, no sanction."""
        record = _record()
        record.warn(ADMIN, comment(1), "x", policy=POLICY)
        record.collect_events()
        refused(
            record,
            AlreadyModeratedError,
            lambda: record.warn(ADMIN, comment(1), "x", policy=POLICY),
        )
        assert record.automatic_sanction is None


COMMANDS: dict[str, Callable[[ConductRecord, Actor], object]] = {
    "hide": lambda r, a: r.hide(a, comment(1), "spam"),
    "warn": lambda r, a: r.warn(a, comment(1), "spam", policy=POLICY),
    "sanction": lambda r, a: r.sanction(a, comment(1), "spam"),
    "feature": lambda r, a: r.feature(a, comment(1), "good"),
    "reward": lambda r, a: r.reward(a, comment(1), "good", "a pen"),
}
ALLOWED = {
    "hide": {"admin"},
    "warn": {"admin"},
    "sanction": {"admin"},
    "feature": {"planner", "admin"},
    "reward": {"planner", "admin"},
}


class TestPermissions:
    @pytest.mark.parametrize("role", sorted(EVERYONE))
    @pytest.mark.parametrize("command", sorted(COMMANDS))
    def test_steps_by_role(self, command: str, role: str) -> None:
        """Sanctions are for operations admins; featuring and rewarding for planners too."""
        record = _record()
        actor = EVERYONE[role]
        if role in ALLOWED[command]:
            COMMANDS[command](record, actor)
            assert record.collect_events()
        else:
            refused(record, PermissionDeniedError, lambda: COMMANDS[command](record, actor))


class TestReplay:
    def test_a_record_rebuilds_from_its_events(self) -> None:
        """Replaying the events rebuilds the same record, automatic sanction included."""
        record = ConductRecord.start(ADMIN, "reader-1")
        record.warn(ADMIN, comment(1), "x", policy=POLICY)
        record.warn(ADMIN, comment(2), "y", policy=POLICY)
        record.reward(PLANNER, comment(3), "z", "a pen")
        rebuilt: Any = None
        for event in record.collect_events():
            rebuilt = event.mutate(rebuilt)
        assert isinstance(rebuilt, ConductRecord)
        assert vars(rebuilt) == vars(record)

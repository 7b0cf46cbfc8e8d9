"""The ConductRecord aggregate: how one participant's comments on the library's posts were met.

Moderators hide, warn, sanction, feature and reward, each on one comment (a post, a platform
and the comment's id there) and each with a reason. A participant's conduct record keeps all
of it under their pseudonymous subject id. When a participant's warnings reach the threshold
of the moderation policy, a sanction follows automatically, recorded as its own event, once.
"""

from __future__ import annotations

import enum
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import AlreadyModeratedError, InvalidValueError
from libops.domain.interaction.common import whole_number
from libops.domain.permissions import authorize
from libops.domain.personal import require_subject_id
from libops.domain.validation import reason_text, require_instance
from libops.domain.values import (
    Actor,
    Platform,
    require_line,
    require_text,
    require_uuid,
    to_enum,
    to_platform,
)

CONDUCT_NAMESPACE: Final = uuid5(NAMESPACE_URL, "https://libops.invalid/conduct-record")


class ModerationAction(enum.Enum):
    """A step a moderator (or the policy) took on a comment."""

    HIDE = "hide"
    WARN = "warn"
    SANCTION = "sanction"
    AUTOMATIC_SANCTION = "automatic_sanction"
    FEATURE = "feature"
    REWARD = "reward"


class SanctionMeasure(enum.Enum):
    """What a sanction does to the participant."""

    MUTE = "mute"
    BLOCK = "block"
    EXCLUDE_FROM_ACTIVITIES = "exclude_from_activities"


def _post_id(value: UUID | str) -> UUID:
    return require_uuid("post id", value)


def _external_id(value: str) -> str:
    return require_line("a comment's external id", value)


@attrs.frozen
class CommentRef:
    """A reader's comment: the post it is on, the platform, and the comment's id there."""

    post_id: UUID = attrs.field(converter=_post_id)
    platform: Platform = attrs.field(converter=to_platform)
    external_id: str = attrs.field(converter=_external_id)


def _threshold(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    whole_number("sanction_after_warnings", value, minimum=1, maximum=1000)


def _measure(value: SanctionMeasure | str) -> SanctionMeasure:
    return to_enum(SanctionMeasure, value)


@attrs.frozen
class ModerationPolicy:
    """When a sanction follows warnings automatically, and what it is."""

    sanction_after_warnings: int = attrs.field(default=3, validator=_threshold)
    """A participant whose warnings reach this number is sanctioned automatically, once."""
    automatic_measure: SanctionMeasure = attrs.field(
        default=SanctionMeasure.MUTE, converter=_measure
    )


@attrs.frozen
class ConductStep:
    """One step in a participant's conduct record."""

    action: ModerationAction
    comment: CommentRef
    reason: str
    actor_id: str
    measure: SanctionMeasure | None = None
    reward: str | None = None


def _comment(value: object) -> CommentRef:
    return require_instance(CommentRef, value, "a comment is a CommentRef")


class ConductRecord(Aggregate):
    """The moderation history of one participant (by subject id), comment by comment."""

    TOPIC = "libops:ConductRecord"

    class Event(events.Event):
        TOPIC = "libops:ConductRecord.Event"

    class Opened(events.Created):
        """The participant's conduct record was started (by its first moderation step)."""

        TOPIC = "libops:ConductRecord.Opened"
        actor_id: str
        subject_id: str

    class CommentHidden(events.Event):
        """A comment of the participant was hidden."""

        TOPIC = "libops:ConductRecord.CommentHidden"
        actor_id: str
        comment: CommentRef
        reason: str

    class Warned(events.Event):
        """The participant was warned about a comment."""

        TOPIC = "libops:ConductRecord.Warned"
        actor_id: str
        comment: CommentRef
        reason: str

    class Sanctioned(events.Event):
        """A moderator sanctioned the participant for a comment."""

        TOPIC = "libops:ConductRecord.Sanctioned"
        actor_id: str
        comment: CommentRef
        reason: str
        measure: SanctionMeasure

    class SanctionedAutomatically(events.Event):
        """The participant's warnings reached the policy's threshold: the policy sanctioned."""

        TOPIC = "libops:ConductRecord.SanctionedAutomatically"
        actor_id: str
        comment: CommentRef
        reason: str
        measure: SanctionMeasure
        warnings: int
        threshold: int

    class CommentFeatured(events.Event):
        """A comment of the participant was featured as a good contribution."""

        TOPIC = "libops:ConductRecord.CommentFeatured"
        actor_id: str
        comment: CommentRef
        reason: str

    class Rewarded(events.Event):
        """The participant was rewarded for a comment."""

        TOPIC = "libops:ConductRecord.Rewarded"
        actor_id: str
        comment: CommentRef
        reason: str
        reward: str

    # --- creation ------------------------------------------------------------------------

    @staticmethod
    def create_id(subject_id: str, **_: Any) -> UUID:
        return ConductRecord.id_for(subject_id)

    @staticmethod
    def id_for(subject_id: str) -> UUID:
        """The id of the conduct record of ``subject_id`` (the same in every store)."""
        return uuid5(CONDUCT_NAMESPACE, require_subject_id(subject_id))

    @classmethod
    def start(cls, actor: Actor, subject_id: str) -> ConductRecord:
        """Start a participant's record; it follows the first moderation step, whose
        permission is checked by that step (a record is only saved with a step in it)."""
        if not isinstance(actor, Actor):
            raise InvalidValueError(f"a record is started by an Actor, not {actor!r}")
        return cls(actor_id=actor.id, subject_id=require_subject_id(subject_id))

    @event(Opened)
    def __init__(self, actor_id: str, subject_id: str) -> None:
        self.subject_id = subject_id
        self.steps: tuple[ConductStep, ...] = ()
        self.automatic_sanction: ConductStep | None = None

    # --- queries -------------------------------------------------------------------------

    def _count(self, action: ModerationAction) -> int:
        return sum(1 for step in self.steps if step.action is action)

    @property
    def warnings(self) -> int:
        """How many warnings the participant has had."""
        return self._count(ModerationAction.WARN)

    @property
    def sanctions(self) -> tuple[ConductStep, ...]:
        """Every sanction, by a moderator or automatic, in order."""
        kinds = (ModerationAction.SANCTION, ModerationAction.AUTOMATIC_SANCTION)
        return tuple(step for step in self.steps if step.action in kinds)

    @property
    def is_sanctioned(self) -> bool:
        """Whether the participant has been sanctioned at all."""
        return bool(self.sanctions)

    @property
    def hidden_comments(self) -> tuple[CommentRef, ...]:
        """The participant's comments that were hidden."""
        return tuple(s.comment for s in self.steps if s.action is ModerationAction.HIDE)

    @property
    def featured_comments(self) -> tuple[CommentRef, ...]:
        """The participant's comments that were featured."""
        return tuple(s.comment for s in self.steps if s.action is ModerationAction.FEATURE)

    @property
    def rewards(self) -> tuple[ConductStep, ...]:
        """Every reward, in order."""
        return tuple(s for s in self.steps if s.action is ModerationAction.REWARD)

    def _new_step(self, action: ModerationAction, comment: object) -> CommentRef:
        """``comment`` if it is a comment not yet given the step ``action``, else raise."""
        checked = _comment(comment)
        self._require_new(action, checked)
        return checked

    def _require_new(self, action: ModerationAction, comment: CommentRef) -> None:
        if any(s.action is action and s.comment == comment for s in self.steps):
            raise AlreadyModeratedError(
                f"comment {comment.external_id} on {comment.platform.value} was already "
                f"given the step {action.value!r}"
            )

    def _add(self, step: ConductStep) -> None:
        self.steps = (*self.steps, step)

    # --- commands ------------------------------------------------------------------------

    def hide(self, actor: Actor, comment: CommentRef, reason: str) -> None:
        """Hide one of the participant's comments, saying why."""
        authorize(actor, "conduct.hide_comment")
        comment = self._new_step(ModerationAction.HIDE, comment)
        self._hide(actor_id=actor.id, comment=comment, reason=reason_text(reason))

    @event(CommentHidden)
    def _hide(self, actor_id: str, comment: CommentRef, reason: str) -> None:
        self._add(ConductStep(ModerationAction.HIDE, comment, reason, actor_id))

    def warn(
        self, actor: Actor, comment: CommentRef, reason: str, *, policy: ModerationPolicy
    ) -> bool:
        """Warn the participant about a comment; True if this brought the automatic sanction.

        When the warnings reach ``policy.sanction_after_warnings`` and the policy has not
        sanctioned this participant before, a sanction follows as its own event.
        """
        authorize(actor, "conduct.warn")
        comment = _comment(comment)
        if not isinstance(policy, ModerationPolicy):
            raise InvalidValueError(f"policy must be a ModerationPolicy, not {policy!r}")
        self._require_new(ModerationAction.WARN, comment)
        self._warn(actor_id=actor.id, comment=comment, reason=reason_text(reason))
        threshold = policy.sanction_after_warnings
        if self.automatic_sanction is not None or self.warnings < threshold:
            return False
        self._sanction_automatically(
            actor_id=actor.id,
            comment=comment,
            reason=f"{self.warnings} warnings reached the threshold of {threshold}",
            measure=policy.automatic_measure,
            warnings=self.warnings,
            threshold=threshold,
        )
        return True

    @event(Warned)
    def _warn(self, actor_id: str, comment: CommentRef, reason: str) -> None:
        self._add(ConductStep(ModerationAction.WARN, comment, reason, actor_id))

    @event(SanctionedAutomatically)
    def _sanction_automatically(
        self,
        actor_id: str,
        comment: CommentRef,
        reason: str,
        measure: SanctionMeasure,
        warnings: int,
        threshold: int,
    ) -> None:
        step = ConductStep(
            ModerationAction.AUTOMATIC_SANCTION, comment, reason, actor_id, measure=measure
        )
        self._add(step)
        self.automatic_sanction = step

    def sanction(
        self,
        actor: Actor,
        comment: CommentRef,
        reason: str,
        measure: SanctionMeasure | str = SanctionMeasure.MUTE,
    ) -> None:
        """Sanction the participant for a comment, saying why and how."""
        authorize(actor, "conduct.sanction")
        comment = self._new_step(ModerationAction.SANCTION, comment)
        self._sanction(
            actor_id=actor.id,
            comment=comment,
            reason=reason_text(reason),
            measure=to_enum(SanctionMeasure, measure),
        )

    @event(Sanctioned)
    def _sanction(
        self, actor_id: str, comment: CommentRef, reason: str, measure: SanctionMeasure
    ) -> None:
        self._add(ConductStep(ModerationAction.SANCTION, comment, reason, actor_id, measure))

    def feature(self, actor: Actor, comment: CommentRef, reason: str) -> None:
        """Feature one of the participant's comments as a good contribution."""
        authorize(actor, "conduct.feature_comment")
        comment = self._new_step(ModerationAction.FEATURE, comment)
        self._feature(actor_id=actor.id, comment=comment, reason=reason_text(reason))

    @event(CommentFeatured)
    def _feature(self, actor_id: str, comment: CommentRef, reason: str) -> None:
        self._add(ConductStep(ModerationAction.FEATURE, comment, reason, actor_id))

    def reward(self, actor: Actor, comment: CommentRef, reason: str, reward: str) -> None:
        """Reward the participant for a comment: what they get, and why."""
        authorize(actor, "conduct.reward")
        comment = self._new_step(ModerationAction.REWARD, comment)
        self._reward(
            actor_id=actor.id,
            comment=comment,
            reason=reason_text(reason),
            reward=require_text("reward", reward, max_length=500),
        )

    @event(Rewarded)
    def _reward(self, actor_id: str, comment: CommentRef, reason: str, reward: str) -> None:
        self._add(ConductStep(ModerationAction.REWARD, comment, reason, actor_id, reward=reward))

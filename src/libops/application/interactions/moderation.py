"""Commands on readers' conduct: hide, warn, sanction, feature and reward on comments."""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

from libops.application.commands import Command, Context, Executes, command_method, handles
from libops.domain.errors import InvalidValueError, UnknownIdError
from libops.domain.interaction.moderation import (
    CommentRef,
    ConductRecord,
    ModerationPolicy,
    SanctionMeasure,
)
from libops.domain.post import Post
from libops.domain.values import Actor

R = TypeVar("R")


@attrs.frozen
class Moderate(Command[R]):
    """What every moderation step names: the participant, their comment and the reason."""

    subject_id: str
    comment: CommentRef
    reason: str


def _conduct_record(ctx: Context, actor: Actor, command: Moderate[Any]) -> ConductRecord:
    """The participant's conduct record (started now if new), once the comment checks out."""
    comment = command.comment
    if not isinstance(comment, CommentRef):
        raise InvalidValueError(f"a comment is a CommentRef, not {comment!r}")
    post = ctx.load(Post, comment.post_id, "post")
    post.platform_status(comment.platform)  # the post is on that platform
    record = ctx.find(ConductRecord, ConductRecord.id_for(command.subject_id), "conduct record")
    return record or ctx.add(ConductRecord.start(actor, command.subject_id))


@attrs.frozen
class HideComment(Moderate[None]):
    """Hide a participant's comment, saying why."""

    NAME = "conduct.hide_comment"


@handles(HideComment)
def hide_comment(ctx: Context, actor: Actor, command: HideComment) -> None:
    _conduct_record(ctx, actor, command).hide(actor, command.comment, command.reason)


@attrs.frozen
class Warn(Moderate[bool]):
    """Warn a participant about a comment; True if the policy's sanction followed."""

    NAME = "conduct.warn"


@handles(Warn)
def warn(ctx: Context, actor: Actor, command: Warn) -> bool:
    record = _conduct_record(ctx, actor, command)
    return record.warn(actor, command.comment, command.reason, policy=ctx.deps.moderation)


@attrs.frozen
class Sanction(Moderate[None]):
    """Sanction a participant for a comment (muted unless another measure is given)."""

    NAME = "conduct.sanction"

    measure: SanctionMeasure | str = SanctionMeasure.MUTE


@handles(Sanction)
def sanction(ctx: Context, actor: Actor, command: Sanction) -> None:
    record = _conduct_record(ctx, actor, command)
    record.sanction(actor, command.comment, command.reason, command.measure)


@attrs.frozen
class FeatureComment(Moderate[None]):
    """Feature a participant's comment as a good contribution."""

    NAME = "conduct.feature_comment"


@handles(FeatureComment)
def feature_comment(ctx: Context, actor: Actor, command: FeatureComment) -> None:
    _conduct_record(ctx, actor, command).feature(actor, command.comment, command.reason)


@attrs.frozen
class Reward(Moderate[None]):
    """Reward a participant for a comment."""

    NAME = "conduct.reward"

    reward: str


@handles(Reward)
def reward(ctx: Context, actor: Actor, command: Reward) -> None:
    record = _conduct_record(ctx, actor, command)
    record.reward(actor, command.comment, command.reason, command.reward)


class ModerationService(Executes):
    """Hide, warn, sanction, feature and reward on readers' comments; keep conduct records."""

    hide = command_method(HideComment)
    warn = command_method(Warn)
    sanction = command_method(Sanction)
    feature = command_method(FeatureComment)
    reward = command_method(Reward)

    @property
    def policy(self) -> ModerationPolicy:
        """The policy that sanctions after repeated warnings."""
        return self._deps.moderation

    def record(self, subject_id: str) -> ConductRecord | None:
        """The participant's conduct record, or None if they were never moderated."""
        try:
            return self._app.load(ConductRecord, ConductRecord.id_for(subject_id), "conduct record")
        except UnknownIdError:
            return None

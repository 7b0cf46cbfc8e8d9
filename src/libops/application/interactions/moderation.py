"""Commands on readers' conduct: hide, warn, sanction, feature and reward on comments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from libops.application.commands import Command, Context, Executes, command, command_method, handles
from libops.domain.errors import InvalidValueError
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


def _moderating(method: Callable[..., R], **policy: bool) -> Callable[[Context, Actor, Any], R]:
    """The handler of a moderation step: ``method`` on the participant's conduct record.

    The record is started if the participant is new, once the comment checks out (the
    post exists and is on the comment's platform). With ``policy``, the method is given
    the configured moderation policy too.
    """

    def handler(ctx: Context, actor: Actor, command: Any) -> R:
        comment = command.comment
        if not isinstance(comment, CommentRef):
            raise InvalidValueError(f"a comment is a CommentRef, not {comment!r}")
        post = ctx.load(Post, comment.post_id)
        post.platform_status(comment.platform)  # the post is on that platform
        subject_id = command.subject_id
        record = ctx.find(ConductRecord, ConductRecord.id_for(subject_id))
        record = record or ctx.add(ConductRecord.start(actor, subject_id))
        extra = {"policy": ctx.deps.moderation} if policy else {}
        return method(record, actor, **command.arguments("subject_id"), **extra)

    return handler


@command("conduct.hide_comment")
@attrs.frozen
class HideComment(Moderate[None]):
    """Hide a participant's comment, saying why."""


handles(HideComment)(_moderating(ConductRecord.hide))


@command("conduct.warn")
@attrs.frozen
class Warn(Moderate[bool]):
    """Warn a participant about a comment; True if the policy's sanction followed."""


handles(Warn)(_moderating(ConductRecord.warn, policy=True))


@command("conduct.sanction")
@attrs.frozen
class Sanction(Moderate[None]):
    """Sanction a participant for a comment (muted unless another measure is given)."""

    measure: SanctionMeasure | str = SanctionMeasure.MUTE


handles(Sanction)(_moderating(ConductRecord.sanction))


@command("conduct.feature_comment")
@attrs.frozen
class FeatureComment(Moderate[None]):
    """Feature a participant's comment as a good contribution."""


handles(FeatureComment)(_moderating(ConductRecord.feature))


@command("conduct.reward")
@attrs.frozen
class Reward(Moderate[None]):
    """Reward a participant for a comment."""

    reward: str


handles(Reward)(_moderating(ConductRecord.reward))


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
        return self._app.find(ConductRecord, ConductRecord.id_for(subject_id))

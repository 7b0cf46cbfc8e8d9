"""The Question aggregate: a reader's question, the staff answer and how long it took.

A question arrives from a platform user (whose personal data is sealed), on a post or not. Its
text is sealed with the asker's details (under their key), so erasing the asker erases it:
the stored event's ``text`` is then empty (:data:`TEXT_SEALED`); questions recorded before
keep their text in clear. A staff member answers it; the response time runs from when it
was asked to when it was answered, both business times from the application's clock. A
question left unanswered for longer than the escalation time is escalated, once.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    QuestionNotOverdueError,
)
from libops.domain.interaction.common import optional_id, public_text, sealed, utc
from libops.domain.permissions import authorize
from libops.domain.personal import SealedPersonalData
from libops.domain.validation import require_instance
from libops.domain.values import Actor, Platform, to_enum

TEXT_SEALED: Final = ""
"""The ``text`` a Received event stores when the question's text is sealed with the asker
(never a question's own text: an empty question is refused)."""


class QuestionStatus(enum.Enum):
    """Whether a question still waits for its answer."""

    OPEN = "open"
    ANSWERED = "answered"


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def escalation_after(value: object) -> timedelta:
    """``value`` if it is a positive :class:`~datetime.timedelta`, else raise."""
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidValueError(f"an escalation time is a positive timedelta, not {value!r}")
    return value


class Question(Aggregate):
    """A reader's question to the library, answered by a member of staff."""

    TOPIC = "libops:Question"

    class Event(events.Event):
        TOPIC = "libops:Question.Event"

    class Received(events.Created):
        """A reader asked a question (on a post, or directly)."""

        TOPIC = "libops:Question.Received"
        actor_id: str
        platform: Platform
        post_id: UUID | None
        asker: SealedPersonalData
        text: str
        asked_at: datetime
        received_at: datetime

    class Answered(events.Event):
        """A member of staff answered; ``response_seconds`` runs from asking to answering."""

        TOPIC = "libops:Question.Answered"
        actor_id: str
        text: str
        answered_at: datetime
        response_seconds: int

    class Escalated(events.Event):
        """The question waited longer than the escalation time without an answer."""

        TOPIC = "libops:Question.Escalated"
        actor_id: str
        at: datetime
        waited_seconds: int
        threshold_seconds: int

    # --- creation ------------------------------------------------------------------------

    @classmethod
    def check_receive(
        cls,
        actor: Actor,
        *,
        platform: Platform | str,
        text: str,
        asked_at: datetime,
        now: datetime,
        post_id: UUID | str | None = None,
    ) -> None:
        """Raise the error :meth:`receive` would raise, before the asker's data is sealed."""
        authorize(actor, "question.receive")
        to_enum(Platform, platform)
        public_text("question", text)
        optional_id("post", post_id)
        if utc("asked_at", asked_at) > utc("now", now):
            raise InvalidValueError("a question cannot have been asked in the future")

    @classmethod
    def receive(
        cls,
        actor: Actor,
        *,
        question_id: UUID,
        platform: Platform | str,
        asker: SealedPersonalData,
        text: str,
        asked_at: datetime,
        now: datetime,
        post_id: UUID | str | None = None,
        text_sealed: bool = False,
    ) -> Question:
        """Record a reader's question; ``asker`` was sealed for this question's first event.

        With ``text_sealed``, ``text`` was sealed inside ``asker`` and is not stored in clear.
        """
        question_id = require_instance(UUID, question_id, "a question id is a UUID")
        asker = sealed("asker", asker)
        cls.check_receive(
            actor, platform=platform, text=text, asked_at=asked_at, now=now, post_id=post_id
        )
        # An explicit id: the asker's data is sealed for this id before the question exists.
        return cls._create(
            cls.Received,
            id=question_id,
            actor_id=actor.id,
            platform=to_enum(Platform, platform),
            post_id=optional_id("post", post_id),
            asker=asker,
            text=TEXT_SEALED if text_sealed is True else public_text("question", text),
            asked_at=utc("asked_at", asked_at),
            received_at=utc("now", now),
        )

    @event(Received)
    def __init__(
        self,
        actor_id: str,
        platform: Platform,
        post_id: UUID | None,
        asker: SealedPersonalData,
        text: str,
        asked_at: datetime,
        received_at: datetime,
    ) -> None:
        self.received_by = actor_id
        self.platform = platform
        self.post_id = post_id
        self.asker = asker
        self.text = text
        self.asked_at = asked_at
        self.received_at = received_at
        self.status = QuestionStatus.OPEN
        self.answer_text: str | None = None
        self.answered_by: str | None = None
        self.answered_at: datetime | None = None
        self.response_time: timedelta | None = None
        self.escalated_at: datetime | None = None

    # --- queries -------------------------------------------------------------------------

    @property
    def text_sealed(self) -> bool:
        """Whether the text is sealed with the asker (read it with ``ops.questions.text``)."""
        return self.text == TEXT_SEALED

    @property
    def escalated(self) -> bool:
        """Whether the question was escalated for waiting too long."""
        return self.escalated_at is not None

    def waited(self, now: datetime) -> timedelta:
        """How long the question has waited for an answer at ``now`` (or waited, if answered)."""
        end = self.answered_at if self.answered_at is not None else utc("now", now)
        return max(end - self.asked_at, timedelta(0))

    def is_overdue(self, now: datetime, after: timedelta) -> bool:
        """Whether the question is unanswered and has waited longer than ``after``."""
        return self.status is QuestionStatus.OPEN and self.waited(now) > escalation_after(after)

    # --- commands ------------------------------------------------------------------------

    def answer(self, actor: Actor, text: str, *, now: datetime) -> timedelta:
        """Answer the question as ``actor``; returns the response time."""
        authorize(actor, "question.answer")
        if self.status is not QuestionStatus.OPEN:
            raise InvalidTransitionError("question", "answer", self.status.value)
        text = public_text("answer", text)
        now = utc("now", now)
        response = max(now - self.asked_at, timedelta(0))
        self._answer(
            actor_id=actor.id, text=text, answered_at=now, response_seconds=_seconds(response)
        )
        return response

    @event(Answered)
    def _answer(
        self, actor_id: str, text: str, answered_at: datetime, response_seconds: int
    ) -> None:
        self.status = QuestionStatus.ANSWERED
        self.answer_text = text
        self.answered_by = actor_id
        self.answered_at = answered_at
        self.response_time = max(answered_at - self.asked_at, timedelta(0))

    def escalate(self, actor: Actor, *, now: datetime, after: timedelta) -> None:
        """Escalate an unanswered question that has waited longer than ``after``, once."""
        authorize(actor, "question.escalate")
        after = escalation_after(after)
        now = utc("now", now)
        if self.status is not QuestionStatus.OPEN:
            raise InvalidTransitionError("question", "escalate", self.status.value)
        if self.escalated:
            raise InvalidTransitionError("question", "escalate", "already escalated")
        if not self.is_overdue(now, after):
            raise QuestionNotOverdueError(
                f"question {self.id} has waited {self.waited(now)}, not more than {after}"
            )
        self._escalate(
            actor_id=actor.id,
            at=now,
            waited_seconds=_seconds(self.waited(now)),
            threshold_seconds=_seconds(after),
        )

    @event(Escalated)
    def _escalate(
        self, actor_id: str, at: datetime, waited_seconds: int, threshold_seconds: int
    ) -> None:
        self.escalated_at = at

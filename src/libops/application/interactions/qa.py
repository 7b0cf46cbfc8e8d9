"""Commands on readers' questions: receive, answer, escalate those left waiting."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final
from uuid import UUID, uuid4

import attrs

from libops.application.access import read_sealed
from libops.application.app import LibOpsApplication
from libops.application.commands import Command, Context, Executes, command, command_method, handles
from libops.application.interactions.common import CarriesPersonalData
from libops.application.personal_data import Opened
from libops.application.queries import DEFAULT_LIMIT, Page, Queries, queries_of
from libops.domain.errors import InvalidValueError
from libops.domain.interaction.qa import Question
from libops.domain.personal import Consent, ErasedPersonalInfo, PersonalInfo
from libops.domain.post import Post
from libops.domain.values import Actor, Platform

DEFAULT_ESCALATION: Final = timedelta(hours=24)
"""How long a question may wait for its answer before it is escalated, unless configured."""

SCAN_BATCH: Final = 500
"""How many notifications one read of the log returns when looking for open questions."""


@command("question.receive")
@attrs.frozen(kw_only=True)
class ReceiveQuestion(CarriesPersonalData, Command[UUID]):
    """Record a reader's question (asked now, or at ``asked_at``); returns its id.

    The asker is named by ``subject_id`` or, without one, by their handle on
    ``platform``. Their personal data is sealed, and ``text`` with it (under their key, so
    it goes when they are erased; ``ops.questions.text`` reads it); it must not hold
    contact details all the same.
    """

    PERSONAL = "asker"

    platform: Platform | str
    text: str
    asker: PersonalInfo
    consent: Consent
    subject_id: str | None = None
    post_id: UUID | str | None = None
    asked_at: datetime | None = None


@handles(ReceiveQuestion)
def receive_question(ctx: Context, actor: Actor, command: ReceiveQuestion) -> UUID:
    subject = command.subject(ctx.deps)
    now = ctx.now()
    when = now if command.asked_at is None else command.asked_at
    Question.check_receive(
        actor,
        platform=command.platform,
        text=command.text,
        asked_at=when,
        now=now,
        post_id=command.post_id,
    )
    if command.post_id is not None:
        ctx.load(Post, command.post_id)
    question_id = uuid4()
    sealed = ctx.deps.personal.seal(
        subject,
        command.asker,
        command.consent,
        aggregate_id=question_id,
        version=1,
        topic=Question.Received.TOPIC,
        field="asker",
        text=command.text,
    )
    question = Question.receive(
        actor,
        question_id=question_id,
        platform=command.platform,
        asker=sealed,
        text=command.text,
        asked_at=when,
        now=now,
        post_id=command.post_id,
        text_sealed=True,
    )
    return ctx.add(question).id


@command("question.answer")
@attrs.frozen
class AnswerQuestion(Command[int]):
    """Answer a question now; returns the response time in whole seconds."""

    question_id: UUID | str
    text: str


@handles(AnswerQuestion)
def answer_question(ctx: Context, actor: Actor, command: AnswerQuestion) -> int:
    question = ctx.load(Question, command.question_id)
    return int(question.answer(actor, command.text, now=ctx.now()).total_seconds())


@command("question.escalate")
@attrs.frozen
class EscalateOverdue(Command[tuple[UUID, ...]]):
    """Escalate every question unanswered for longer than the escalation time, once.

    ``now`` defaults to the clock's time (a time after it is refused). Returns the ids of
    the questions escalated by this call; all of them are saved together.
    """

    now: datetime | None = None


@handles(EscalateOverdue)
def escalate_overdue(ctx: Context, actor: Actor, command: EscalateOverdue) -> tuple[UUID, ...]:
    at = checked_now(ctx.now(), command.now)
    after = ctx.deps.escalate_questions_after
    escalated = []
    for question_id in open_question_ids(ctx.app, escalated=False):
        question = ctx.load(Question, question_id)
        if question.is_overdue(at, after) and not question.escalated:
            question.escalate(actor, now=at, after=after)
            escalated.append(question.id)
    return tuple(escalated)


def checked_now(clock_now: datetime, now: datetime | None) -> datetime:
    """``now`` if given (aware, not after the clock's time), else the clock's time."""
    if now is None:
        return clock_now
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise InvalidValueError("now must be a timezone-aware datetime")
    if now > clock_now:
        raise InvalidValueError(
            f"cannot escalate as of {now.isoformat()}: the clock says {clock_now.isoformat()}"
        )
    return now


def open_question_ids(app: LibOpsApplication, *, escalated: bool = True) -> list[UUID]:
    """The ids of questions not answered yet, oldest first (without ``escalated``, only those
    not escalated either).

    Read from the notification log, filtered by topic in the store, without decoding
    any event: a question is open until an Answered event names it. Escalation is a flag
    on an open question, not a closing: the most urgent questions stay in every inbox.
    """
    topics: tuple[str, ...] = (Question.Received.TOPIC, Question.Answered.TOPIC)
    if not escalated:
        topics += (Question.Escalated.TOPIC,)
    open_ids: dict[UUID, None] = {}
    for notification in app.notifications(*topics, page=SCAN_BATCH):
        question_id = UUID(str(notification.originator_id))
        if notification.topic == Question.Received.TOPIC:
            open_ids[question_id] = None
        else:
            open_ids.pop(question_id, None)
    return list(open_ids)


@command("privacy.read_asker", requires=("privacy.read",))
@attrs.frozen
class ReadAsker(Command[Opened]):
    """Open who asked a question (ERASED once erased), saying why; the reading is recorded."""

    KEYED = False

    question_id: UUID | str
    reason: str


def _read_asker(ctx: Context, actor: Actor, question: Question, reason: str, what: str) -> Opened:
    """Open the asker's sealed value of ``question``, recording who read ``what`` and why."""
    return read_sealed(
        ctx,
        actor,
        question.asker,
        aggregate_id=question.id,
        version=1,
        topic=Question.Received.TOPIC,
        field="asker",
        reason=reason,
        what=what,
    )


@handles(ReadAsker)
def read_asker(ctx: Context, actor: Actor, command: ReadAsker) -> Opened:
    question = ctx.load(Question, command.question_id)
    return _read_asker(ctx, actor, question, command.reason, "asker")


@command("privacy.read_question", requires=("privacy.read",))
@attrs.frozen
class ReadQuestionText(Command[str | ErasedPersonalInfo]):
    """Read what a reader asked (ERASED once they are erased), saying why; recorded.

    A question's text is sealed with its asker, so reading it is reading their data. A
    question recorded before texts were sealed has it in clear: returned as it is.
    """

    KEYED = False

    question_id: UUID | str
    reason: str


@handles(ReadQuestionText)
def read_question_text(
    ctx: Context, actor: Actor, command: ReadQuestionText
) -> str | ErasedPersonalInfo:
    question = ctx.load(Question, command.question_id)
    if not question.text_sealed:
        return question.text
    _read_asker(ctx, actor, question, command.reason, "question text")
    return ctx.deps.personal.open_text(
        question.asker, aggregate_id=question.id, version=1, topic=Question.Received.TOPIC
    )


class QuestionService(Executes):
    """Receive readers' questions, answer them, and escalate those left waiting too long."""

    asker = command_method(ReadAsker)
    text = command_method(ReadQuestionText)
    receive = command_method(ReceiveQuestion)
    answer = command_method(AnswerQuestion)
    escalate_overdue = command_method(EscalateOverdue)

    @property
    def escalate_after(self) -> timedelta:
        """How long a question may wait before it is escalated."""
        return self._deps.escalate_questions_after

    def get(self, question_id: UUID | str) -> Question:
        """The question's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Question, question_id)

    def open_question_ids(self) -> list[UUID]:
        """The ids of questions not answered yet, oldest first, escalated ones included."""
        return open_question_ids(self._app)

    def overdue(self, now: datetime | None = None) -> list[UUID]:
        """The questions not answered yet that have waited longer than the escalation time at
        ``now`` (the clock's time by default), escalated ones included, oldest first."""
        at = checked_now(self._app.clock.now(), now)
        return [
            question_id
            for question_id in self.open_question_ids()
            if self.get(question_id).is_overdue(at, self.escalate_after)
        ]

    # Queries (issue 15): answered from the indexed questions listing (docs/queries.md).
    queries: Queries | None = None
    """The store's lists (set by :class:`~libops.LibOps` when it opens the store)."""

    def list(
        self,
        *,
        state: str | None = None,
        platform: Platform | str | None = None,
        answered_since: datetime | str | None = None,
        limit: int | str = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """A page of readers' questions (rows without their text or asker: personal data).

        ``state``: ``"waiting"`` (not answered), ``"overdue"`` (waiting longer than
        :attr:`escalate_after` by the clock), ``"escalated"`` (escalated, still waiting),
        each oldest asked first; ``"answered"``, latest answered first (``answered_since``:
        answered at or after that time); None: every question, waiting ones (latest asked
        first) then answered ones. ``platform`` keeps one platform's questions."""
        return queries_of(self.queries).questions(
            state=state,
            platform=platform,
            answered_since=answered_since,
            limit=limit,
            cursor=cursor,
        )

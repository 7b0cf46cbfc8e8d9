"""The Survey aggregate: a satisfaction survey with its questions, opened, answered, closed.

A survey asks questions of five kinds (:class:`QuestionKind`): a rating from 1 to 5, a 0-10
recommendation (the question behind the Net Promoter Score), a single or a multiple choice
among its options, and free text. It is about a target (:class:`SurveyTarget`): an activity
(a reading session or a contest, by id), a campaign, or the account over a period. It is
created, opened, and closed; responses are taken only while it is open.

A **named** survey records who responded as sealed personal data, like every participant of
an interaction, under their pseudonymous subject id: one response per person
(:class:`~libops.domain.errors.AlreadyRespondedError` for a second one), and their free-text
answers are sealed with their data (the stored event keeps ``""`` for each), so erasing them
erases what they wrote. An **anonymous** survey stores no subject at all: its free-text answers
are kept in clear (refused if they hold contact details), and since nobody is known, one
response per person cannot be checked there: every response recorded counts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    AlreadyRespondedError,
    AnswerKindError,
    AnswerOutOfRangeError,
    InvalidTransitionError,
    InvalidValueError,
    MissingAnswerError,
    NotRespondedError,
    SurveyFormError,
    SurveyNotOpenError,
    SurveyRespondentError,
    UnknownSurveyQuestionError,
)
from libops.domain.interaction.common import optional_id, public_id, public_text, sealed, utc
from libops.domain.permissions import authorize
from libops.domain.personal import SealedPersonalData, require_subject_id
from libops.domain.values import Actor, Period, require_line, to_enum

TEXT_SEALED: Final = ""
"""A free-text answer's stored value in a named survey: the text is sealed with the respondent."""

MAX_QUESTIONS: Final = 50
"""The most questions one survey asks."""

MAX_OPTIONS: Final = 30
"""The most options one choice question offers."""

OPTION_MAX: Final = 200
"""The longest option, in characters."""

RATING_RANGE: Final = (1, 5)
"""A rating answer: a whole number from 1 to 5."""

RECOMMENDATION_RANGE: Final = (0, 10)
"""A recommendation answer: a whole number from 0 to 10."""


class QuestionKind(enum.Enum):
    """What a survey question asks for."""

    RATING = "rating"
    """A rating from 1 (very dissatisfied) to 5 (very satisfied): what CSAT counts."""
    RECOMMENDATION = "recommendation"
    """How likely the reader is to recommend us, from 0 to 10: what NPS counts."""
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    FREE_TEXT = "free_text"


CHOICES: Final = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})


class SurveyTarget(enum.Enum):
    """What a survey asks about."""

    ACTIVITY = "activity"
    """An activity, by id: a reading session or a contest."""
    CAMPAIGN = "campaign"
    ACCOUNT = "account"
    """The account as a whole, over a period."""


class SurveyStatus(enum.Enum):
    """Where a survey is in its life."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


def _question_id(value: str) -> str:
    return public_id("a survey question's id", value)


def _question_text(value: str) -> str:
    return public_text("survey question", value)


def _kind(value: QuestionKind | str) -> QuestionKind:
    return to_enum(QuestionKind, value)


def _options(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise SurveyFormError("options are a list of texts, not one text")
    options = tuple(
        require_line("a survey question's option", value, max_length=OPTION_MAX) for value in values
    )
    if len(options) > MAX_OPTIONS:
        raise SurveyFormError(
            f"a question offers at most {MAX_OPTIONS} options, not {len(options)}"
        )
    if len(set(options)) != len(options):
        raise SurveyFormError(f"a question's options are all different, not {list(options)}")
    return options


def _required(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidValueError(f"required is True or False, not {value!r}")


@attrs.frozen
class SurveyQuestion:
    """One question of a survey: its id (what answers name), text, kind, whether it must be
    answered, and the options of a choice question (two or more; none for other kinds)."""

    id: str = attrs.field(converter=_question_id)
    text: str = attrs.field(converter=_question_text)
    kind: QuestionKind = attrs.field(converter=_kind)
    required: bool = attrs.field(default=True, validator=_required)
    options: tuple[str, ...] = attrs.field(default=(), converter=_options)

    def __attrs_post_init__(self) -> None:
        if self.kind in CHOICES and len(self.options) < 2:
            raise SurveyFormError(f"choice question {self.id!r} needs at least two options")
        if self.kind not in CHOICES and self.options:
            raise SurveyFormError(
                f"question {self.id!r} ({self.kind.value}) takes no options; "
                "only choice questions do"
            )


def survey_questions(values: Iterable[object]) -> tuple[SurveyQuestion, ...]:
    """``values`` as a survey's questions: 1 to :data:`MAX_QUESTIONS`, with distinct ids."""
    if isinstance(values, SurveyQuestion):
        values = [values]
    questions: list[SurveyQuestion] = []
    for value in values:
        if not isinstance(value, SurveyQuestion):
            raise SurveyFormError(f"a survey's questions are SurveyQuestion values, not {value!r}")
        questions.append(value)
    if not questions:
        raise SurveyFormError("a survey asks at least one question")
    if len(questions) > MAX_QUESTIONS:
        raise SurveyFormError(f"a survey asks at most {MAX_QUESTIONS} questions")
    ids = [q.id for q in questions]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise SurveyFormError(f"question ids are used once each; repeated: {repeated}")
    return tuple(questions)


def _whole(question: SurveyQuestion, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnswerKindError(
            question.id, f"a {question.kind.value} is a whole number, not {value!r}"
        )
    if not low <= value <= high:
        raise AnswerOutOfRangeError(
            question.id, f"a {question.kind.value} is from {low} to {high}, not {value}"
        )
    return value


def _option(question: SurveyQuestion, value: object) -> str:
    if not isinstance(value, str):
        raise AnswerKindError(question.id, f"an option is a text, not {value!r}")
    if value not in question.options:
        raise AnswerOutOfRangeError(
            question.id, f"{value!r} is not one of the options {list(question.options)}"
        )
    return value


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, list | tuple) and not value)


def check_answers(
    questions: tuple[SurveyQuestion, ...], answers: Mapping[str, object]
) -> tuple[dict[str, Any], dict[str, str]]:
    """``answers`` (question id to answer) checked against ``questions``.

    Returns the choice and number answers (a rating or recommendation as an int, a single
    choice as its option, a multiple choice as the list of options chosen, in the question's
    order) and the free-text answers, each in the questions' order. ``None`` or an empty
    selection is no answer. Raises :class:`~libops.domain.errors.UnknownSurveyQuestionError`,
    :class:`~libops.domain.errors.MissingAnswerError`,
    :class:`~libops.domain.errors.AnswerKindError` or
    :class:`~libops.domain.errors.AnswerOutOfRangeError`.
    """
    if not isinstance(answers, Mapping):
        raise InvalidValueError(
            f"answers map question ids to answers, not {type(answers).__name__}"
        )
    by_id = {q.id: q for q in questions}
    for question_id in answers:
        if question_id not in by_id:
            raise UnknownSurveyQuestionError(
                str(question_id), f"the survey asks no such question (it asks {list(by_id)})"
            )
    chosen: dict[str, Any] = {}
    texts: dict[str, str] = {}
    for question in questions:
        value = answers.get(question.id)
        if _is_blank(value):
            if question.required:
                raise MissingAnswerError(question.id, "a required question was not answered")
            continue
        kind = question.kind
        if kind is QuestionKind.RATING:
            chosen[question.id] = _whole(question, value, *RATING_RANGE)
        elif kind is QuestionKind.RECOMMENDATION:
            chosen[question.id] = _whole(question, value, *RECOMMENDATION_RANGE)
        elif kind is QuestionKind.SINGLE_CHOICE:
            chosen[question.id] = _option(question, value)
        elif kind is QuestionKind.MULTIPLE_CHOICE:
            if not isinstance(value, list | tuple | set | frozenset):
                raise AnswerKindError(
                    question.id, f"a multiple choice is a list of options, not {value!r}"
                )
            picked = {_option(question, item) for item in value}
            if len(picked) != len(value):
                raise AnswerKindError(question.id, "an option is chosen once")
            chosen[question.id] = [o for o in question.options if o in picked]
        else:
            if not isinstance(value, str):
                raise AnswerKindError(question.id, f"a free-text answer is a text, not {value!r}")
            texts[question.id] = public_text("free-text answer", value)
    if not chosen and not texts:
        raise MissingAnswerError(questions[0].id, "a response answers at least one question")
    return chosen, texts


class Survey(Aggregate):
    """A satisfaction survey: its questions and target, opened, answered, closed."""

    TOPIC = "libops:Survey"

    class Event(events.Event):
        TOPIC = "libops:Survey.Event"

    class Created(events.Created):
        """A survey was drawn up (not yet taking responses)."""

        TOPIC = "libops:Survey.Created"
        actor_id: str
        title: str
        target: SurveyTarget
        target_id: UUID | None
        period: Period | None
        questions: list[SurveyQuestion]
        anonymous: bool

    class Opened(events.Event):
        """The survey takes responses from now on."""

        TOPIC = "libops:Survey.Opened"
        actor_id: str
        at: datetime

    class Responded(events.Event):
        """A response: the respondent sealed (None in an anonymous survey), the answers.

        ``answers`` holds the rating, recommendation and choice answers by question id;
        ``texts`` the free-text ones, each :data:`TEXT_SEALED` when sealed with the respondent.
        """

        TOPIC = "libops:Survey.Responded"
        actor_id: str
        respondent: SealedPersonalData | None
        answers: dict[str, Any]
        texts: dict[str, str]
        at: datetime

    class Closed(events.Event):
        """The survey takes no more responses."""

        TOPIC = "libops:Survey.Closed"
        actor_id: str
        at: datetime

    # --- creation ------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        actor: Actor,
        *,
        title: str,
        target: SurveyTarget | str,
        questions: Iterable[SurveyQuestion],
        target_id: UUID | str | None = None,
        period: Period | None = None,
        anonymous: bool = False,
    ) -> Survey:
        """Draw up a survey about an activity or campaign (``target_id``) or the account over
        a ``period``."""
        authorize(actor, "survey.create")
        kind = to_enum(SurveyTarget, target)
        about = optional_id("target", target_id)
        if period is not None and not isinstance(period, Period):
            raise InvalidValueError(f"a survey's period is a Period, not {type(period).__name__}")
        if kind is SurveyTarget.ACCOUNT:
            if about is not None:
                raise InvalidValueError("a survey of the account names no target id")
            if period is None:
                raise InvalidValueError("a survey of the account says which period it is about")
        elif about is None:
            raise InvalidValueError(f"a survey of a {kind.value} names it by target_id")
        if not isinstance(anonymous, bool):
            raise InvalidValueError(f"anonymous is True or False, not {anonymous!r}")
        return cls._create(
            cls.Created,
            actor_id=actor.id,
            title=require_line("title", title),
            target=kind,
            target_id=about,
            period=period,
            questions=list(survey_questions(questions)),
            anonymous=anonymous,
        )

    @event(Created)
    def __init__(
        self,
        actor_id: str,
        title: str,
        target: SurveyTarget,
        target_id: UUID | None,
        period: Period | None,
        questions: list[SurveyQuestion],
        anonymous: bool,
    ) -> None:
        self.created_by = actor_id
        self.title = title
        self.target = target
        self.target_id = target_id
        self.period = period
        self.questions = tuple(questions)
        self.anonymous = anonymous
        self.status = SurveyStatus.DRAFT
        self.opened_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.responses = 0
        self._respondents: dict[str, tuple[int, SealedPersonalData]] = {}

    # --- queries -------------------------------------------------------------------------

    @property
    def respondents(self) -> tuple[str, ...]:
        """The subject ids of the respondents of a named survey, in the order they answered."""
        return tuple(self._respondents)

    def response_of(self, subject_id: str) -> tuple[int, SealedPersonalData]:
        """The version of the response of ``subject_id`` (their sealed data is bound to it)
        and their sealed data; :class:`~libops.domain.errors.NotRespondedError` if none."""
        try:
            return self._respondents[subject_id]
        except (KeyError, TypeError):
            raise NotRespondedError(
                f"{subject_id!r} has not responded to survey {self.id}"
            ) from None

    # --- commands ------------------------------------------------------------------------

    def open(self, actor: Actor, *, now: datetime) -> None:
        """Start taking responses."""
        authorize(actor, "survey.open")
        if self.status is not SurveyStatus.DRAFT:
            raise InvalidTransitionError("survey", "open", self.status.value)
        self._open(actor_id=actor.id, at=utc("now", now))

    @event(Opened)
    def _open(self, actor_id: str, at: datetime) -> None:
        self.status = SurveyStatus.OPEN
        self.opened_at = at

    def close(self, actor: Actor, *, now: datetime) -> None:
        """Stop taking responses."""
        authorize(actor, "survey.close")
        if self.status is not SurveyStatus.OPEN:
            raise InvalidTransitionError("survey", "close", self.status.value)
        self._close(actor_id=actor.id, at=utc("now", now))

    @event(Closed)
    def _close(self, actor_id: str, at: datetime) -> None:
        self.status = SurveyStatus.CLOSED
        self.closed_at = at

    def check_response(
        self, actor: Actor, *, subject_id: str | None, answers: Mapping[str, object]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Raise the error :meth:`respond` would raise, before the respondent's data is sealed;
        returns the answers checked (see :func:`check_answers`)."""
        authorize(actor, "survey.record_response")
        if self.status is not SurveyStatus.OPEN:
            raise SurveyNotOpenError("survey", "record a response to", self.status.value)
        if self.anonymous and subject_id is not None:
            raise SurveyRespondentError(
                f"survey {self.id} is anonymous: it records nobody's personal data"
            )
        if not self.anonymous:
            if subject_id is None:
                raise SurveyRespondentError(
                    f"survey {self.id} is named: give the respondent (or make it anonymous)"
                )
            require_subject_id(subject_id)
            if subject_id in self._respondents:
                raise AlreadyRespondedError(
                    f"{subject_id} already responded to survey {self.id}; one response a person"
                )
        return check_answers(self.questions, answers)

    def respond(
        self,
        actor: Actor,
        respondent: SealedPersonalData | None,
        answers: Mapping[str, object],
        *,
        now: datetime,
        texts_sealed: bool = False,
    ) -> None:
        """Record a response (``respondent`` sealed for this event, None when anonymous).

        With ``texts_sealed`` (named surveys only), the free-text answers were sealed inside
        ``respondent`` and are stored as :data:`TEXT_SEALED`.
        """
        if respondent is not None:
            respondent = sealed("respondent", respondent)
        chosen, texts = self.check_response(
            actor,
            subject_id=None if respondent is None else respondent.subject_id,
            answers=answers,
        )
        if texts_sealed and respondent is None:
            raise SurveyRespondentError("free text is sealed only with a named respondent")
        self._respond(
            actor_id=actor.id,
            respondent=respondent,
            answers=chosen,
            texts=dict.fromkeys(texts, TEXT_SEALED) if texts_sealed else texts,
            at=utc("now", now),
        )

    @event(Responded)
    def _respond(
        self,
        actor_id: str,
        respondent: SealedPersonalData | None,
        answers: dict[str, Any],
        texts: dict[str, str],
        at: datetime,
    ) -> None:
        self.responses += 1
        if respondent is not None:
            # bound to this event's version, which applying it is about to give the survey
            self._respondents[respondent.subject_id] = (self.version + 1, respondent)

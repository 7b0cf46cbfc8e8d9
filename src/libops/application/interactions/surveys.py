"""Commands on satisfaction surveys: create, open, record responses, close, read free text.

A named survey's respondent is named like every participant: by ``subject_id``, or by their
handle on ``platform`` (made into the same pseudonymous subject id the other interactions use).
Their personal data is sealed for the Responded event, with their free-text answers, only
after every check of the command has passed. An anonymous survey takes no respondent at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import attrs

from libops.application.access import read_sealed
from libops.application.commands import Command, Context, Executes, command, command_method, handles
from libops.application.dependencies import Dependencies
from libops.application.interactions.common import participant_subject
from libops.application.personal_data import Opened
from libops.domain.campaign import Campaign
from libops.domain.errors import SurveyRespondentError, UnknownIdError
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.reading import ReadingSession
from libops.domain.interaction.survey import Survey, SurveyQuestion, SurveyTarget
from libops.domain.personal import Consent, ErasedPersonalInfo, PersonalInfo
from libops.domain.values import Actor, Period, Platform, to_enum

ACTIVITY_TYPES: tuple[type[ReadingSession] | type[Contest], ...] = (ReadingSession, Contest)
"""The aggregates a survey of an activity may be about."""


@command("survey.create")
@attrs.frozen(kw_only=True)
class CreateSurvey(Command[UUID]):
    """Draw up a survey; returns its id. It takes responses once opened.

    ``target`` is ``activity`` (``target_id`` names a reading session or a contest),
    ``campaign`` (``target_id`` names it) or ``account`` (with the ``period`` asked about).
    An ``anonymous`` survey records nobody's personal data.
    """

    title: str
    target: SurveyTarget | str
    questions: tuple[SurveyQuestion, ...]
    target_id: UUID | str | None = None
    period: Period | None = None
    anonymous: bool = False


@handles(CreateSurvey)
def create_survey(ctx: Context, actor: Actor, command: CreateSurvey) -> UUID:
    survey = Survey.create(actor, **command.arguments())
    if survey.target_id is not None:
        if survey.target is SurveyTarget.CAMPAIGN:
            ctx.load(Campaign, survey.target_id)
        elif not any(ctx.find(kind, survey.target_id) for kind in ACTIVITY_TYPES):
            raise UnknownIdError("activity (reading session or contest)", survey.target_id)
    return ctx.add(survey).id


@command("survey.open", calls=Survey.open, now=True)
@attrs.frozen
class OpenSurvey(Command[None]):
    """Start taking responses to a survey."""

    survey_id: UUID | str


@command("survey.close", calls=Survey.close, now=True)
@attrs.frozen
class CloseSurvey(Command[None]):
    """Stop taking responses to a survey."""

    survey_id: UUID | str


@command("survey.record_response")
@attrs.frozen(kw_only=True)
class RecordResponse(Command[str | None]):
    """Record a response to an open survey; returns the respondent's subject id (None when
    the survey is anonymous).

    ``answers`` maps question ids to answers: a whole number for a rating (1-5) or a
    recommendation (0-10), an option for a single choice, a list of options for a multiple
    choice, a text for free text. A named survey needs the ``respondent`` and their
    ``consent`` (and ``subject_id``, or their handle and ``platform``); an anonymous one
    refuses them.
    """

    survey_id: UUID | str = attrs.field(kw_only=False)
    answers: Mapping[str, Any]
    respondent: PersonalInfo | None = None
    consent: Consent | None = None
    subject_id: str | None = None
    platform: Platform | str | None = None

    def respondent_subject(self, deps: Dependencies) -> str | None:
        """The respondent's subject id; None if no respondent is given."""
        if self.respondent is None and self.subject_id is None:
            return None
        return participant_subject(deps.personal, self.subject_id, self.platform, self.respondent)

    def fingerprint_data(self, deps: Dependencies) -> dict[str, Any]:
        """The structured form with the personal data replaced by the subject id."""
        plain = self.arguments("respondent")
        plain["subject_id"] = self.respondent_subject(deps)
        return plain


@handles(RecordResponse)
def record_response(ctx: Context, actor: Actor, command: RecordResponse) -> str | None:
    survey = ctx.load(Survey, command.survey_id)
    if command.platform is not None:
        to_enum(Platform, command.platform)
    given = (command.respondent, command.consent, command.subject_id)
    if survey.anonymous and any(value is not None for value in given):
        raise SurveyRespondentError(
            f"survey {survey.id} is anonymous: it records nobody's personal data"
        )
    subject = command.respondent_subject(ctx.deps)
    # Checks the state, the respondent (none for an anonymous survey) and every answer.
    _, texts = survey.check_response(actor, subject_id=subject, answers=command.answers)
    now = ctx.now()
    if subject is None:
        survey.respond(actor, None, command.answers, now=now)
        return None
    if command.respondent is None or command.consent is None:
        raise SurveyRespondentError(
            f"survey {survey.id} is named: give the respondent's data and their consent"
        )
    sealed = ctx.deps.personal.seal(
        subject,
        command.respondent,
        command.consent,
        aggregate_id=survey.id,
        version=survey.version + 1,
        topic=Survey.Responded.TOPIC,
        field="respondent",
        text=json.dumps(texts, ensure_ascii=False, sort_keys=True),
    )
    survey.respond(actor, sealed, command.answers, now=now, texts_sealed=True)
    return subject


@command("privacy.read_respondent", requires=("privacy.read",))
@attrs.frozen
class ReadRespondent(Command[Opened]):
    """Open a named survey's respondent's personal data, saying why; the reading is recorded."""

    KEYED = False

    survey_id: UUID | str
    subject_id: str
    reason: str


def _read(
    ctx: Context, actor: Actor, survey: Survey, subject_id: str, reason: str, what: str
) -> Opened:
    version, sealed = survey.response_of(subject_id)
    return read_sealed(
        ctx,
        actor,
        sealed,
        aggregate_id=survey.id,
        version=version,
        topic=Survey.Responded.TOPIC,
        field="respondent",
        reason=reason,
        what=what,
    )


@handles(ReadRespondent)
def read_respondent(ctx: Context, actor: Actor, command: ReadRespondent) -> Opened:
    survey = ctx.load(Survey, command.survey_id)
    return _read(ctx, actor, survey, command.subject_id, command.reason, "respondent")


@command("privacy.read_response_texts", requires=("privacy.read",))
@attrs.frozen
class ReadResponseTexts(Command[dict[str, str] | ErasedPersonalInfo]):
    """Read the free-text answers of a named survey's respondent (ERASED once erased), saying
    why; they are sealed with the respondent, so the reading is recorded as reading their data.
    """

    KEYED = False

    survey_id: UUID | str
    subject_id: str
    reason: str


@handles(ReadResponseTexts)
def read_response_texts(
    ctx: Context, actor: Actor, command: ReadResponseTexts
) -> dict[str, str] | ErasedPersonalInfo:
    survey = ctx.load(Survey, command.survey_id)
    _read(ctx, actor, survey, command.subject_id, command.reason, "free-text answers")
    version, sealed = survey.response_of(command.subject_id)
    opened = ctx.deps.personal.open_text(
        sealed,
        aggregate_id=survey.id,
        version=version,
        topic=Survey.Responded.TOPIC,
    )
    if isinstance(opened, ErasedPersonalInfo):
        return opened
    texts: dict[str, str] = json.loads(opened)
    return texts


class SurveyService(Executes):
    """Draw up satisfaction surveys, open them, record responses, close them."""

    create = command_method(CreateSurvey)
    open = command_method(OpenSurvey)
    record_response = command_method(RecordResponse)
    close = command_method(CloseSurvey)
    respondent = command_method(ReadRespondent)
    texts = command_method(ReadResponseTexts)

    def get(self, survey_id: UUID | str) -> Survey:
        """The survey's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Survey, survey_id)

"""Satisfaction surveys through ``ops.surveys``: the form, the target, the life of a survey,
responses (named and anonymous), every bad input refused with its own error and nothing
recorded, and erasure of a respondent through ``ops.privacy``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from libops import LibOps, Period, SurveyQuestion
from libops.adapters.clock import ManualClock
from libops.domain.errors import (
    AlreadyRespondedError,
    AnswerKindError,
    AnswerOutOfRangeError,
    ConsentError,
    InvalidTransitionError,
    InvalidValueError,
    MissingAnswerError,
    NotRespondedError,
    PermissionDeniedError,
    PersonalDataFoundError,
    SurveyFormError,
    SurveyNotOpenError,
    SurveyRespondentError,
    UnknownIdError,
    UnknownSurveyQuestionError,
)
from libops.domain.interaction.survey import QuestionKind, SurveyStatus, SurveyTarget
from libops.domain.personal import ERASED, Consent, PersonalInfo
from tests.actors import ADMIN, AUDITOR, PLANNER, REVIEWER
from tests.helpers import count_events, refused

START = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
QUESTIONS = (
    SurveyQuestion("overall", "How satisfied are you?", "rating"),
    SurveyQuestion("recommend", "Would you recommend us?", "recommendation"),
    SurveyQuestion("format", "Which format?", "single_choice", options=("online", "in person")),
    SurveyQuestion(
        "topics", "Topics?", "multiple_choice", required=False, options=("poetry", "history")
    ),
    SurveyQuestion("comment", "Anything else?", "free_text", required=False),
)
GOOD = {"overall": 4, "recommend": 9, "format": "online"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def ops(clock: ManualClock) -> Iterator[LibOps]:
    with LibOps.open("memory://", clock=clock) as opened:
        yield opened


def _survey(ops: LibOps, *, anonymous: bool = False, opened: bool = True) -> UUID:
    survey_id = ops.surveys.create(
        PLANNER,
        title="Our accounts in April",
        target="account",
        period=APRIL,
        questions=QUESTIONS,
        anonymous=anonymous,
    )
    if opened:
        ops.surveys.open(PLANNER, survey_id)
    return survey_id


def _last_event(ops: LibOps, survey_id: UUID) -> Any:
    return list(ops.app.events.get(survey_id))[-1]


def _named(
    ops: LibOps,
    survey_id: UUID,
    answers: dict[str, Any] | None = None,
    *,
    subject: str = "card-1",
) -> Any:
    return ops.surveys.record_response(
        PLANNER,
        survey_id,
        answers=answers or GOOD,
        respondent=PersonalInfo(name="王芳", contact="13800138000"),
        consent=Consent("the April survey", START),
        subject_id=subject,
    )


class TestForm:
    def test_a_question_keeps_its_parts(self) -> None:
        q = SurveyQuestion("topics", " Topics? ", "multiple_choice", options=[" a ", "b"])
        assert (q.id, q.text, q.kind, q.required, q.options) == (
            "topics",
            "Topics?",
            QuestionKind.MULTIPLE_CHOICE,
            True,
            ("a", "b"),
        )

    @pytest.mark.parametrize(
        ("arguments", "error"),
        [
            ({"kind": "single_choice", "options": ("only",)}, SurveyFormError),
            ({"kind": "multiple_choice"}, SurveyFormError),
            ({"kind": "single_choice", "options": ("a", "a")}, SurveyFormError),
            ({"kind": "rating", "options": ("a", "b")}, SurveyFormError),
            ({"kind": "single_choice", "options": "ab"}, SurveyFormError),
            ({"kind": "stars"}, InvalidValueError),
            ({"kind": "rating", "required": "yes"}, InvalidValueError),
        ],
    )
    def test_malformed_questions_are_refused(
        self, arguments: dict[str, Any], error: type[Exception]
    ) -> None:
        with pytest.raises(error):
            SurveyQuestion("q1", "A question?", **arguments)

    def test_a_question_with_contact_details_is_refused(self) -> None:
        with pytest.raises(PersonalDataFoundError):
            SurveyQuestion("q1", "Call 13800138000?", "rating")

    @pytest.mark.parametrize("bad_id", ["", "two words", "问题", "-lead"])
    def test_question_ids_are_public_ids(self, bad_id: str) -> None:
        with pytest.raises(InvalidValueError):
            SurveyQuestion(bad_id, "A question?", "rating")

    @pytest.mark.parametrize(
        "questions",
        [(), (QUESTIONS[0], QUESTIONS[0]), ("overall",)],
        ids=["none", "repeated id", "not a question"],
    )
    def test_a_survey_needs_well_formed_questions(
        self, ops: LibOps, questions: tuple[Any, ...]
    ) -> None:
        refused(
            ops,
            SurveyFormError,
            lambda: ops.surveys.create(
                PLANNER, title="T", target="account", period=APRIL, questions=questions
            ),
        )


class TestTarget:
    def test_an_account_survey_needs_its_period(self, ops: LibOps) -> None:
        refused(
            ops,
            InvalidValueError,
            lambda: ops.surveys.create(PLANNER, title="T", target="account", questions=QUESTIONS),
        )

    def test_an_activity_survey_names_an_existing_activity(self, ops: LibOps) -> None:
        refused(
            ops,
            InvalidValueError,
            lambda: ops.surveys.create(PLANNER, title="T", target="activity", questions=QUESTIONS),
        )
        refused(
            ops,
            UnknownIdError,
            lambda: ops.surveys.create(
                PLANNER, title="T", target="activity", target_id=uuid4(), questions=QUESTIONS
            ),
        )

    def test_an_activity_survey_of_a_reading_session(self, ops: LibOps, clock: ManualClock) -> None:
        session = ops.sessions.schedule(
            PLANNER,
            title="Reading circle",
            starts_at=START + timedelta(days=1),
            ends_at=START + timedelta(days=1, hours=2),
            capacity=10,
            place="Reading room",
        )
        survey_id = ops.surveys.create(
            PLANNER, title="T", target="activity", target_id=session, questions=QUESTIONS
        )
        survey = ops.surveys.get(survey_id)
        assert (survey.target, survey.target_id) == (SurveyTarget.ACTIVITY, session)

    def test_a_campaign_survey_names_an_existing_campaign(self, ops: LibOps) -> None:
        refused(
            ops,
            UnknownIdError,
            lambda: ops.surveys.create(
                PLANNER, title="T", target="campaign", target_id=uuid4(), questions=QUESTIONS
            ),
        )
        campaign = ops.campaigns.plan(PLANNER, name="Reading month", kind="topic", period=APRIL)
        survey_id = ops.surveys.create(
            PLANNER, title="T", target="campaign", target_id=campaign, questions=QUESTIONS
        )
        assert ops.surveys.get(survey_id).target is SurveyTarget.CAMPAIGN


class TestLife:
    def test_open_then_close(self, ops: LibOps) -> None:
        survey_id = _survey(ops, opened=False)
        assert ops.surveys.get(survey_id).status is SurveyStatus.DRAFT
        refused(ops, SurveyNotOpenError, lambda: _named(ops, survey_id))
        ops.surveys.open(ADMIN, survey_id)
        refused(ops, InvalidTransitionError, lambda: ops.surveys.open(ADMIN, survey_id))
        ops.surveys.close(PLANNER, survey_id)
        survey = ops.surveys.get(survey_id)
        assert (survey.status, survey.opened_at, survey.closed_at) == (
            SurveyStatus.CLOSED,
            START,
            START,
        )
        refused(ops, SurveyNotOpenError, lambda: _named(ops, survey_id))
        refused(ops, InvalidTransitionError, lambda: ops.surveys.close(PLANNER, survey_id))

    @pytest.mark.parametrize("actor", [REVIEWER, AUDITOR])
    def test_only_planners_and_admins(self, ops: LibOps, actor: Any) -> None:
        survey_id = _survey(ops)
        refused(ops, PermissionDeniedError, lambda: ops.surveys.close(actor, survey_id))
        refused(
            ops,
            PermissionDeniedError,
            lambda: ops.surveys.record_response(actor, survey_id, answers=GOOD),
        )


class TestResponses:
    def test_a_named_response(self, ops: LibOps) -> None:
        survey_id = _survey(ops)
        subject = _named(
            ops, survey_id, {**GOOD, "topics": ["history", "poetry"], "comment": "Nice"}
        )
        assert subject == "card-1"
        survey = ops.surveys.get(survey_id)
        assert (survey.responses, survey.respondents) == (1, ("card-1",))
        event = _last_event(ops, survey_id)
        assert event.answers == {**GOOD, "topics": ["poetry", "history"]}  # the options' order
        assert event.texts == {"comment": ""}  # sealed with the respondent
        assert ops.surveys.texts(ADMIN, survey_id, "card-1", "to reply") == {"comment": "Nice"}

    def test_one_response_per_person(self, ops: LibOps) -> None:
        survey_id = _survey(ops)
        _named(ops, survey_id)
        refused(ops, AlreadyRespondedError, lambda: _named(ops, survey_id))
        _named(ops, survey_id, subject="card-2")
        assert ops.surveys.get(survey_id).responses == 2

    def test_a_respondent_named_by_handle(self, ops: LibOps) -> None:
        survey_id = _survey(ops)
        subject = ops.surveys.record_response(
            PLANNER,
            survey_id,
            answers=GOOD,
            respondent=PersonalInfo(handle="@bookworm"),
            consent=Consent("the April survey", START),
            platform="weibo",
        )
        assert subject == ops.privacy.subject_id_for("weibo", "@bookworm")

    @pytest.mark.parametrize(
        ("answers", "error"),
        [
            ({**GOOD, "overall": 6}, AnswerOutOfRangeError),
            ({**GOOD, "overall": 0}, AnswerOutOfRangeError),
            ({**GOOD, "recommend": 11}, AnswerOutOfRangeError),
            ({**GOOD, "recommend": -1}, AnswerOutOfRangeError),
            ({**GOOD, "format": "radio"}, AnswerOutOfRangeError),
            ({**GOOD, "topics": ["poetry", "maths"]}, AnswerOutOfRangeError),
            ({**GOOD, "overall": "4"}, AnswerKindError),
            ({**GOOD, "overall": 4.0}, AnswerKindError),
            ({**GOOD, "overall": True}, AnswerKindError),
            ({**GOOD, "format": ["online"]}, AnswerKindError),
            ({**GOOD, "topics": "poetry"}, AnswerKindError),
            ({**GOOD, "topics": ["poetry", "poetry"]}, AnswerKindError),
            ({**GOOD, "comment": 5}, AnswerKindError),
            ({**GOOD, "mood": 3}, UnknownSurveyQuestionError),
            ({"recommend": 9, "format": "online"}, MissingAnswerError),
            ({**GOOD, "overall": None}, MissingAnswerError),
            ({**GOOD, "comment": "call me on 13800138000"}, PersonalDataFoundError),
            ({**GOOD, "comment": "   "}, InvalidValueError),
        ],
    )
    def test_bad_answers_are_refused_and_record_nothing(
        self, ops: LibOps, answers: dict[str, Any], error: type[Exception]
    ) -> None:
        survey_id, anonymous = _survey(ops), _survey(ops, anonymous=True)
        refused(ops, error, lambda: _named(ops, survey_id, answers))
        refused(
            ops,
            error,
            lambda: ops.surveys.record_response(PLANNER, anonymous, answers=answers),
        )

    def test_the_error_names_the_question(self, ops: LibOps) -> None:
        survey_id = _survey(ops)
        error = refused(
            ops, AnswerOutOfRangeError, lambda: _named(ops, survey_id, {**GOOD, "overall": 6})
        )
        assert error.question_id == "overall"
        assert "from 1 to 5, not 6" in str(error)

    def test_a_named_survey_needs_its_respondent_and_consent(self, ops: LibOps) -> None:
        survey_id = _survey(ops)
        refused(
            ops,
            SurveyRespondentError,
            lambda: ops.surveys.record_response(PLANNER, survey_id, answers=GOOD),
        )
        refused(
            ops,
            SurveyRespondentError,
            lambda: ops.surveys.record_response(
                PLANNER,
                survey_id,
                answers=GOOD,
                respondent=PersonalInfo(name="Li"),
                subject_id="card-9",
            ),
        )
        refused(
            ops,
            ConsentError,
            lambda: ops.surveys.record_response(
                PLANNER,
                survey_id,
                answers=GOOD,
                respondent=PersonalInfo(name="Li"),
                consent=Consent("the survey", START, third_parties=True),
                subject_id="card-9",
            ),
        )

    def test_a_personal_data_free_named_lookup_fails_cleanly(self, ops: LibOps) -> None:
        survey_id = _survey(ops)
        refused(
            ops, NotRespondedError, lambda: ops.surveys.respondent(ADMIN, survey_id, "card-7", "x")
        )


class TestAnonymous:
    def test_an_anonymous_survey_stores_no_subject(self, ops: LibOps) -> None:
        survey_id = _survey(ops, anonymous=True)
        before = count_events(ops)
        result = ops.surveys.record_response(
            PLANNER, survey_id, answers={**GOOD, "comment": "More poetry"}
        )
        assert result is None
        event = _last_event(ops, survey_id)
        assert event.respondent is None
        assert event.texts == {"comment": "More poetry"}  # in clear: nobody to erase
        assert count_events(ops) == before + 1

    def test_duplicates_cannot_be_told_apart(self, ops: LibOps) -> None:
        """Nobody is known in an anonymous survey: every response counts (documented)."""
        survey_id = _survey(ops, anonymous=True)
        ops.surveys.record_response(PLANNER, survey_id, answers=GOOD)
        ops.surveys.record_response(PLANNER, survey_id, answers=GOOD)
        assert ops.surveys.get(survey_id).responses == 2

    @pytest.mark.parametrize(
        "personal",
        [
            {"respondent": PersonalInfo(name="Li")},
            {"subject_id": "card-1"},
            {"consent": Consent("the survey", START)},
        ],
    )
    def test_an_anonymous_survey_refuses_personal_data(
        self, ops: LibOps, personal: dict[str, Any]
    ) -> None:
        survey_id = _survey(ops, anonymous=True)
        refused(
            ops,
            SurveyRespondentError,
            lambda: ops.surveys.record_response(PLANNER, survey_id, answers=GOOD, **personal),
        )


class TestErasure:
    def test_erasure_takes_the_respondent_and_their_free_text(self, ops: LibOps) -> None:
        survey_id = _survey(ops)
        _named(ops, survey_id, {**GOOD, "comment": "I loved the poetry evening"})
        assert ops.surveys.respondent(ADMIN, survey_id, "card-1", "to reply") == PersonalInfo(
            name="王芳", contact="13800138000"
        )
        ops.privacy.erase(ADMIN, "card-1", "the reader asked")
        assert ops.surveys.respondent(ADMIN, survey_id, "card-1", "checking") == ERASED
        assert ops.surveys.texts(ADMIN, survey_id, "card-1", "checking") == ERASED
        # the answers without personal data stay, and the response still counts
        assert ops.surveys.get(survey_id).responses == 1
        assert _last_event(ops, survey_id).answers == GOOD

    def test_the_subject_access_listing_shows_survey_responses(self, ops: LibOps) -> None:
        survey_id = _survey(ops)
        _named(ops, survey_id)
        records = ops.privacy.subject_access(ADMIN, "card-1", "the reader asked")
        response = [r for r in records if r.event == "libops:Survey.Responded"]
        assert [r.aggregate_id for r in response] == [survey_id]
        assert response[0].personal["respondent"] == PersonalInfo(
            name="王芳", contact="13800138000"
        )

    def test_an_erased_reader_cannot_respond_again(self, ops: LibOps) -> None:
        from libops.domain.errors import SubjectErasedError

        survey_id = _survey(ops)
        ops.privacy.erase(ADMIN, "card-5", "the reader asked")
        refused(ops, SubjectErasedError, lambda: _named(ops, survey_id, subject="card-5"))

"""The golden file of the Survey aggregate (``tests/golden/survey_events.json``): its stored
form is fixed, decoded field by field against expectations written out here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from libops import LibOps, Period, PersonalInfo
from libops.domain.interaction.reading import ReadingSession
from libops.domain.interaction.survey import (
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyStatus,
    SurveyTarget,
)
from libops.domain.personal import ERASED, Consent
from tests.actors import ADMIN as READER
from tests.unit.test_golden import (
    SealedFor,
    _assert_decodes,
    _assert_records,
    _loaded,
    _raw,
    fresh_ops,
    golden_ops,
)

__all__ = ["fresh_ops", "golden_ops"]  # the fixtures, used by name

NAME = "survey_events.json"
SESSION = UUID("5a7e0000-0000-4000-8000-000000000001")
CIRCLE_SURVEY = UUID("5a7e0000-0000-4000-8000-000000000002")
ACCOUNT_SURVEY = UUID("5a7e0000-0000-4000-8000-000000000003")
FANG, LEI = "card-20260007", "card-20260042"
REGISTERED = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
ATTENDED = datetime(2026, 4, 23, 11, 5, tzinfo=UTC)
ANSWERED = datetime(2026, 4, 23, 13, 30, tzinfo=UTC)
CIRCLE_CONSENT = Consent("the reading circle of 23 April", REGISTERED)
SURVEY_CONSENT = Consent("the survey of the reading circle", ANSWERED)

CIRCLE_QUESTIONS = [
    SurveyQuestion("overall", "How satisfied are you with the circle?", QuestionKind.RATING),
    SurveyQuestion("recommend", "Would you recommend it to a friend?", "recommendation"),
    SurveyQuestion(
        "next",
        "What would you like next?",
        "multiple_choice",
        required=False,
        options=("poetry", "history", "science"),
    ),
    SurveyQuestion("comment", "Anything else?", "free_text", required=False),
]
ACCOUNT_QUESTIONS = [
    SurveyQuestion("recommend", "Would you recommend our accounts?", "recommendation"),
    SurveyQuestion(
        "platform", "Where do you follow us?", "single_choice", options=("wechat", "weibo")
    ),
    SurveyQuestion("comment", "Anything else?", "free_text", required=False),
]

SURVEY_EVENTS: list[tuple[type[Any], UUID, int, dict[str, Any]]] = [
    (
        ReadingSession.Scheduled,
        SESSION,
        1,
        {
            "originator_topic": "libops:ReadingSession",
            "actor_id": "planner-1",
            "title": "World Book Day reading circle",
            "description": "",
            "starts_at": datetime(2026, 4, 23, 11, 0, tzinfo=UTC),
            "ends_at": datetime(2026, 4, 23, 13, 0, tzinfo=UTC),
            "capacity": 20,
            "platform": None,
            "place": "City Library, 3F reading room",
            "campaign_id": None,
        },
    ),
    (
        ReadingSession.Registered,
        SESSION,
        2,
        {
            "actor_id": "planner-1",
            "participant": SealedFor(FANG, CIRCLE_CONSENT, blocks=1),
            "at": REGISTERED,
        },
    ),
    (
        ReadingSession.Registered,
        SESSION,
        3,
        {
            "actor_id": "planner-1",
            "participant": SealedFor(LEI, CIRCLE_CONSENT, blocks=1),
            "at": REGISTERED,
        },
    ),
    (
        ReadingSession.AttendanceRecorded,
        SESSION,
        4,
        {"actor_id": "planner-1", "subject_id": FANG, "at": ATTENDED},
    ),
    (
        ReadingSession.AttendanceRecorded,
        SESSION,
        5,
        {"actor_id": "planner-1", "subject_id": LEI, "at": ATTENDED},
    ),
    (
        Survey.Created,
        CIRCLE_SURVEY,
        1,
        {
            "originator_topic": "libops:Survey",
            "actor_id": "planner-1",
            "title": "How was the reading circle? · 读书分享会满意度",
            "target": SurveyTarget.ACTIVITY,
            "target_id": SESSION,
            "period": None,
            "questions": CIRCLE_QUESTIONS,
            "anonymous": False,
        },
    ),
    (
        Survey.Opened,
        CIRCLE_SURVEY,
        2,
        {"actor_id": "planner-1", "at": datetime(2026, 4, 23, 13, 10, tzinfo=UTC)},
    ),
    (
        Survey.Responded,
        CIRCLE_SURVEY,
        3,
        {
            "actor_id": "planner-1",
            "respondent": SealedFor(FANG, SURVEY_CONSENT, blocks=2),
            "answers": {"overall": 5, "recommend": 10, "next": ["poetry", "history"]},
            "texts": {"comment": ""},
            "at": ANSWERED,
        },
    ),
    (
        Survey.Responded,
        CIRCLE_SURVEY,
        4,
        {
            "actor_id": "admin-1",
            "respondent": SealedFor(LEI, SURVEY_CONSENT, blocks=2),
            "answers": {"overall": 3, "recommend": 6},
            "texts": {},
            "at": ANSWERED,
        },
    ),
    (
        Survey.Closed,
        CIRCLE_SURVEY,
        5,
        {"actor_id": "admin-1", "at": datetime(2026, 4, 30, 9, 0, tzinfo=UTC)},
    ),
    (
        Survey.Created,
        ACCOUNT_SURVEY,
        1,
        {
            "originator_topic": "libops:Survey",
            "actor_id": "admin-1",
            "title": "Our accounts in April",
            "target": SurveyTarget.ACCOUNT,
            "target_id": None,
            "period": Period(date(2026, 4, 1), date(2026, 4, 30)),
            "questions": ACCOUNT_QUESTIONS,
            "anonymous": True,
        },
    ),
    (
        Survey.Opened,
        ACCOUNT_SURVEY,
        2,
        {"actor_id": "admin-1", "at": datetime(2026, 4, 30, 9, 0, tzinfo=UTC)},
    ),
    (
        Survey.Responded,
        ACCOUNT_SURVEY,
        3,
        {
            "actor_id": "planner-1",
            "respondent": None,
            "answers": {"recommend": 9, "platform": "wechat"},
            "texts": {"comment": "More reading lists, please"},
            "at": datetime(2026, 4, 30, 10, 0, tzinfo=UTC),
        },
    ),
]


class TestSurveyGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """Topics, aggregate ids and versions of the stored records are as expected."""
        _assert_records(NAME, SURVEY_EVENTS)

    def test_events_decode_to_the_expected_values(self, fresh_ops: LibOps) -> None:
        """Each stored record decodes to exactly the expected event, field by field."""
        _assert_decodes(fresh_ops, NAME, SURVEY_EVENTS)

    def test_stored_names_in_the_raw_state(self) -> None:
        """Survey values are stored under their fixed names; the respondent sealed."""
        created = _raw(NAME, 5)
        assert created["target"] == {"_type_": "libops.SurveyTarget", "_data_": "activity"}
        assert created["questions"][2] == {
            "_type_": "libops.SurveyQuestion",
            "_data_": {
                "id": "next",
                "text": "What would you like next?",
                "kind": "multiple_choice",
                "required": False,
                "options": ["poetry", "history", "science"],
            },
        }
        responded = _raw(NAME, 7)
        assert responded["respondent"]["_type_"] == "libops.SealedPersonalData"
        assert responded["respondent"]["_data_"]["field"] == "respondent"
        assert responded["texts"] == {"comment": ""}  # the text is sealed, not stored
        assert _raw(NAME, 12)["respondent"] is None

    def test_the_surveys_reconstruct(self, fresh_ops: LibOps) -> None:
        """The named survey is closed with two respondents; the anonymous one open."""
        ops = _loaded(fresh_ops, NAME)
        circle = ops.surveys.get(CIRCLE_SURVEY)
        assert (circle.version, circle.status, circle.responses) == (5, SurveyStatus.CLOSED, 2)
        assert circle.respondents == (FANG, LEI)
        assert circle.questions == tuple(CIRCLE_QUESTIONS)
        assert (circle.target, circle.target_id, circle.anonymous) == (
            SurveyTarget.ACTIVITY,
            SESSION,
            False,
        )
        account = ops.surveys.get(ACCOUNT_SURVEY)
        assert (account.status, account.responses, account.respondents) == (
            SurveyStatus.OPEN,
            1,
            (),
        )
        assert account.period == Period(date(2026, 4, 1), date(2026, 4, 30))

    def test_the_respondents_and_their_texts_open(self, golden_ops: LibOps) -> None:
        """The sealed respondent and free text open where they were recorded, and erasure
        takes both."""
        ops = _loaded(golden_ops, NAME)
        assert ops.surveys.respondent(READER, CIRCLE_SURVEY, FANG, "checking") == PersonalInfo(
            name="王芳"
        )
        assert ops.surveys.texts(READER, CIRCLE_SURVEY, FANG, "checking") == {
            "comment": "多一些诗歌"
        }
        assert ops.surveys.texts(READER, CIRCLE_SURVEY, LEI, "checking") == {}
        ops.privacy.erase(READER, FANG, "the reader asked")
        assert ops.surveys.respondent(READER, CIRCLE_SURVEY, FANG, "checking") == ERASED
        assert ops.surveys.texts(READER, CIRCLE_SURVEY, FANG, "checking") == ERASED

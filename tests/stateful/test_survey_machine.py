"""A plain model of satisfaction surveys beside the real libops, on memory, SQLite and PostgreSQL.

Hypothesis gives random sequences of survey commands (allowed and refused: by actors with and
without the roles, on draft, open and closed surveys, named and anonymous, with good answers
and answers out of range, of the wrong kind, to unknown questions or missing a required one,
second responses from the same reader, responses from erased readers) to both, while the clock
moves on. After every step the invariants check that each stored survey's status, response
count, respondents and event count equal the model's, and that refused commands recorded
nothing; a rule runs the surveys projection and checks its counts, CSAT and NPS against the
model's answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from libops import Actor, LibOps, Period, Role, SurveyQuestion
from libops.adapters.clock import ManualClock
from libops.analysis.satisfaction import csat, nps
from libops.domain.errors import (
    AlreadyRespondedError,
    AnswerKindError,
    AnswerOutOfRangeError,
    InvalidTransitionError,
    MissingAnswerError,
    PermissionDeniedError,
    SubjectErasedError,
    SurveyNotOpenError,
    SurveyRespondentError,
    UnknownSurveyQuestionError,
)
from libops.domain.interaction.survey import SurveyStatus
from libops.domain.personal import Consent, PersonalInfo
from libops.projections.interactions import ratio
from tests.actors import ADMIN, AUDITOR, PLANNER, PLANNER_ADMIN, REVIEWER, TECH
from tests.helpers import count_events, give
from tests.stateful.harness import MachineStore, run_machine

PLANNERS = frozenset({Role.CONTENT_PLANNER, Role.OPERATIONS_ADMIN})
MAY_GIVE = {"create": PLANNERS, "open": PLANNERS, "close": PLANNERS, "respond": PLANNERS}
"""Who may give what, as the model understands it (independent of PERMISSIONS)."""

ACTORS = [PLANNER, ADMIN, PLANNER_ADMIN, REVIEWER, TECH, AUDITOR]
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
MAX_SURVEYS = 3

QUESTIONS = (
    SurveyQuestion("overall", "How satisfied are you?", "rating"),
    SurveyQuestion("recommend", "Would you recommend us?", "recommendation"),
    SurveyQuestion(
        "next", "What next?", "multiple_choice", required=False, options=("poetry", "history")
    ),
    SurveyQuestion("comment", "Anything else?", "free_text", required=False),
)

DEFECTS: dict[str, type[Exception] | None] = {
    "none": None,
    "out_of_range": AnswerOutOfRangeError,
    "unknown": UnknownSurveyQuestionError,
    "missing": MissingAnswerError,
    "wrong_kind": AnswerKindError,
}


def _may(actor: Actor, command: str) -> bool:
    return bool(actor.roles & MAY_GIVE[command])


def actors_for(command: str) -> st.SearchStrategy[Actor]:
    """Mostly actors who may give ``command``, sometimes anyone (auditor included)."""
    allowed = [a for a in ACTORS if _may(a, command)]
    return st.sampled_from(allowed * 3 + ACTORS)


@attrs.define
class ModelSurvey:
    """What the model expects a survey to be."""

    anonymous: bool
    status: SurveyStatus = SurveyStatus.DRAFT
    respondents: list[str] = attrs.field(factory=list)
    ratings: dict[int, int] = attrs.field(factory=dict)
    recommendations: dict[int, int] = attrs.field(factory=dict)
    responses: int = 0
    events: int = 1


class SurveyMachine(RuleBasedStateMachine):
    """Survey commands on libops and on the model, step by step."""

    ops: ClassVar[LibOps]
    clock: ClassVar[ManualClock]
    runs: ClassVar[int] = 0

    surveys = Bundle("surveys")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[UUID, ModelSurvey] = {}
        type(self).runs += 1
        self.run = type(self).runs  # readers of their own: erasures outlive a run
        self.erased: set[str] = set()

    def _subject(self, reader: int) -> str:
        return f"reader-{self.run}-{reader}"

    # --- rules -------------------------------------------------------------------------

    @initialize(target=surveys, anonymous=st.booleans())
    def an_open_survey(self, anonymous: bool) -> UUID:
        """Every run starts with one survey open, so that runs reach responses."""
        survey_id = self._create(PLANNER, anonymous)
        self.ops.surveys.open(PLANNER, survey_id)
        self.model[survey_id] = ModelSurvey(anonymous, SurveyStatus.OPEN, events=2)
        return survey_id

    def _create(self, actor: Actor, anonymous: bool) -> UUID:
        return self.ops.surveys.create(
            actor,
            title="Our accounts this month",
            target="account",
            period=Period(date(2026, 3, 1), date(2026, 3, 31)),
            questions=QUESTIONS,
            anonymous=anonymous,
        )

    @rule(step=st.sampled_from([timedelta(minutes=30), timedelta(hours=6)]))
    def time_passes(self, step: timedelta) -> None:
        self.clock.advance(step)

    @precondition(lambda self: len(self.model) < MAX_SURVEYS)
    @rule(target=surveys, actor=actors_for("create"), anonymous=st.booleans())
    def create(self, actor: Actor, anonymous: bool) -> Any:
        expected = None if _may(actor, "create") else PermissionDeniedError
        survey_id = give(self.ops, expected, lambda: self._create(actor, anonymous))
        if survey_id is None:
            return multiple()
        assert isinstance(survey_id, UUID)
        self.model[survey_id] = ModelSurvey(anonymous)
        return survey_id

    @rule(survey_id=surveys, actor=actors_for("open"))
    def open(self, survey_id: UUID, actor: Actor) -> None:
        survey = self.model[survey_id]
        expected: Any = None
        if not _may(actor, "open"):
            expected = PermissionDeniedError
        elif survey.status is not SurveyStatus.DRAFT:
            expected = InvalidTransitionError
        give(self.ops, expected, lambda: self.ops.surveys.open(actor, survey_id))
        if expected is None:
            survey.status = SurveyStatus.OPEN
            survey.events += 1

    @rule(survey_id=surveys, actor=actors_for("close"))
    def close(self, survey_id: UUID, actor: Actor) -> None:
        survey = self.model[survey_id]
        expected: Any = None
        if not _may(actor, "close"):
            expected = PermissionDeniedError
        elif survey.status is not SurveyStatus.OPEN:
            expected = InvalidTransitionError
        give(self.ops, expected, lambda: self.ops.surveys.close(actor, survey_id))
        if expected is None:
            survey.status = SurveyStatus.CLOSED
            survey.events += 1

    @rule(
        survey_id=surveys,
        actor=actors_for("respond"),
        reader=st.integers(min_value=1, max_value=5),
        named=st.sampled_from([True, True, True, False]),
        rating=st.integers(min_value=1, max_value=5),
        recommendation=st.integers(min_value=0, max_value=10),
        extras=st.sampled_from([{}, {"next": ["history"]}, {"comment": "More poetry"}]),
        defect=st.sampled_from(["none"] * 6 + list(DEFECTS)),
    )
    def respond(
        self,
        survey_id: UUID,
        actor: Actor,
        reader: int,
        named: bool,
        rating: int,
        recommendation: int,
        extras: dict[str, Any],
        defect: str,
    ) -> None:
        survey = self.model[survey_id]
        subject = self._subject(reader)
        answers: dict[str, Any] = {"overall": rating, "recommend": recommendation, **extras}
        if defect == "out_of_range":
            answers["overall"] = 6
        elif defect == "unknown":
            answers["mood"] = 3
        elif defect == "missing":
            del answers["overall"]
        elif defect == "wrong_kind":
            answers["recommend"] = str(recommendation)
        expected: Any = None
        if not _may(actor, "respond"):
            expected = PermissionDeniedError
        elif survey.anonymous and named:
            expected = SurveyRespondentError
        elif survey.status is not SurveyStatus.OPEN:
            expected = SurveyNotOpenError
        elif not survey.anonymous and not named:
            expected = SurveyRespondentError
        elif not survey.anonymous and subject in survey.respondents:
            expected = AlreadyRespondedError
        elif DEFECTS[defect] is not None:
            expected = DEFECTS[defect]
        elif not survey.anonymous and subject in self.erased:
            expected = SubjectErasedError  # every check passed: sealing finds no key
        personal: dict[str, Any] = {}
        if named:
            personal = {
                "respondent": PersonalInfo(name=f"Reader {reader}"),
                "consent": Consent("the survey", self.clock.now()),
                "subject_id": subject,
            }
        result = give(
            self.ops,
            expected,
            lambda: self.ops.surveys.record_response(actor, survey_id, answers=answers, **personal),
        )
        if expected is None:
            assert result == (None if survey.anonymous else subject)
            survey.responses += 1
            survey.events += 1
            survey.ratings[rating] = survey.ratings.get(rating, 0) + 1
            survey.recommendations[recommendation] = (
                survey.recommendations.get(recommendation, 0) + 1
            )
            if not survey.anonymous:
                survey.respondents.append(subject)

    @rule(reader=st.integers(min_value=1, max_value=5))
    def erase_reader(self, reader: int) -> None:
        subject = self._subject(reader)
        self.ops.privacy.erase(ADMIN, subject, "the reader asked")
        self.erased.add(subject)

    @rule()
    def the_projection_agrees(self) -> None:
        """The surveys view counts what the model counts (no subject, no text in it)."""
        self.ops.projections.run()
        view = self.ops.projections.view("surveys")
        for survey_id, expected in self.model.items():
            doc: Any = view.get(f"survey:{survey_id}")
            assert doc["responses"] == expected.responses
            assert doc["status"] == expected.status.value
            want_csat = csat(expected.ratings)
            assert doc["csat"]["share"] == ratio(want_csat.satisfied, want_csat.rated)
            want_nps = nps(expected.recommendations)
            assert (doc["nps"]["promoters"], doc["nps"]["detractors"]) == (
                want_nps.promoters,
                want_nps.detractors,
            )
            assert doc["questions"]["comment"]["distribution"] == {}
            assert "More poetry" not in str(doc)
            assert not any(s in str(doc) for s in expected.respondents)

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def surveys_match_the_model(self) -> None:
        for survey_id, expected in self.model.items():
            stored = self.ops.surveys.get(survey_id)
            assert stored.status is expected.status
            assert stored.version == expected.events
            assert stored.responses == expected.responses
            assert list(stored.respondents) == expected.respondents
            assert stored.anonymous is expected.anonymous


def test_survey_state_machine(machine_store: MachineStore) -> None:
    """Random command sequences keep the stored surveys equal to the plain model."""
    clock = ManualClock(START)
    with machine_store.opened(clock=clock) as ops:
        assert count_events(ops) == 0
        run_machine(SurveyMachine, machine_store, ops=ops, clock=clock)

"""Interaction with readers: questions, reading sessions, contests and comment moderation.

Four aggregates, one per kind of interaction: :class:`~.qa.Question`,
:class:`~.reading.ReadingSession`, :class:`~.contest.Contest` (with its verifiable draw in
:mod:`.draw`) and :class:`~.moderation.ConductRecord`. Participants' personal data travels only
as :class:`~libops.domain.personal.SealedPersonalData`.
"""

from libops.domain.interaction.contest import (
    Contest,
    ContestKind,
    ContestRules,
    ContestStatus,
    Entry,
    EntryMethod,
    Prize,
)
from libops.domain.interaction.draw import DrawVerification, draw_winners, verify_draw
from libops.domain.interaction.moderation import (
    CommentRef,
    ConductRecord,
    ConductStep,
    ModerationAction,
    ModerationPolicy,
    SanctionMeasure,
)
from libops.domain.interaction.qa import Question, QuestionStatus
from libops.domain.interaction.reading import ReadingSession, Registration, SessionStatus
from libops.domain.interaction.survey import (
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyStatus,
    SurveyTarget,
)

__all__ = [
    "CommentRef",
    "ConductRecord",
    "ConductStep",
    "Contest",
    "ContestKind",
    "ContestRules",
    "ContestStatus",
    "DrawVerification",
    "Entry",
    "EntryMethod",
    "ModerationAction",
    "ModerationPolicy",
    "Prize",
    "Question",
    "QuestionKind",
    "QuestionStatus",
    "ReadingSession",
    "Registration",
    "SanctionMeasure",
    "SessionStatus",
    "Survey",
    "SurveyQuestion",
    "SurveyStatus",
    "SurveyTarget",
    "draw_winners",
    "verify_draw",
]

"""Errors of the interaction services: questions, reading sessions, contests, moderation
and surveys.
"""

from __future__ import annotations

from libops.domain.errors.core import (
    InvalidTransitionError,
    InvalidValueError,
    LibopsError,
    RuleViolationError,
)


class QuestionNotOverdueError(RuleViolationError):
    """A question is escalated only once it has waited longer than the escalation time."""


class RegistrationClosedError(RuleViolationError):
    """A reading session takes registrations only until it starts."""


class AlreadyRegisteredError(RuleViolationError):
    """The participant is already registered for the reading session."""


class SessionFullError(RuleViolationError):
    """The reading session has as many participants registered as it has places."""


class NotRegisteredError(RuleViolationError, LookupError):
    """The participant is not registered for the reading session."""


class SessionNotStartedError(RuleViolationError):
    """Attendance is recorded, and a session closed, only once it has started."""


class RulesMissingError(RuleViolationError):
    """A contest opens only once its rules are stated."""


class RulesFrozenError(InvalidTransitionError):
    """A contest's rules never change once it has opened."""


class ContestWindowError(RuleViolationError):
    """A contest opens only before its window is over, and closes only after it."""


class EntryRefusedError(RuleViolationError):
    """A contest entry was refused; ``reason`` says why."""

    def __init__(self, entry_id: str, reason: str) -> None:
        super().__init__(f"entry {entry_id} refused: {reason}")
        self.entry_id = entry_id
        self.reason = reason


class EarlyEntryError(EntryRefusedError):
    """The entry came before the contest (or its window) opened."""


class LateEntryError(EntryRefusedError):
    """The entry came after the contest's window closed, or after the contest closed."""


class DuplicateEntryError(EntryRefusedError):
    """An entry with the same public id was already recorded."""


class EntryLimitError(EntryRefusedError):
    """The participant already made as many entries as the rules allow one person."""


class IneligibleEntryError(EntryRefusedError):
    """The entry does not meet the contest's rules (platform, entry method, correct answer)."""


class UnknownEntryError(RuleViolationError, LookupError):
    """The contest has no entry with that id."""


class SeedMismatchError(RuleViolationError):
    """A seed revealed at a draw is not the seed committed to when the contest closed."""


class SeedUnavailableError(LibopsError):
    """The sealed seed of a closed contest cannot be opened (its key is gone from the store)."""


class AlreadyModeratedError(RuleViolationError):
    """The same moderation step was already taken on that comment."""


class SurveyFormError(InvalidValueError):
    """A survey's questions are not well formed (no questions, a repeated id, a choice
    question without two options or with repeated ones, options on a question that has none)."""


class SurveyNotOpenError(InvalidTransitionError):
    """A survey takes responses only while it is open (not before it opens, nor once closed)."""


class AlreadyRespondedError(RuleViolationError):
    """The person (data subject) already responded to this survey: one response per person."""


class NotRespondedError(RuleViolationError, LookupError):
    """The person has no response recorded in the named survey."""


class SurveyRespondentError(RuleViolationError):
    """A named survey needs its respondent; an anonymous one refuses any personal data."""


class SurveyAnswerError(InvalidValueError):
    """An answer does not fit the survey's questions; ``question_id`` names the question."""

    def __init__(self, question_id: str, message: str) -> None:
        super().__init__(f"question {question_id!r}: {message}")
        self.question_id = question_id


class UnknownSurveyQuestionError(SurveyAnswerError, LookupError):
    """The answer names a question the survey does not ask."""


class MissingAnswerError(SurveyAnswerError):
    """A required question was left unanswered."""


class AnswerKindError(SurveyAnswerError):
    """The answer is of the wrong kind for its question (text for a rating, a list for a
    single choice, ...)."""


class AnswerOutOfRangeError(SurveyAnswerError):
    """A rating outside 1-5, a recommendation outside 0-10, or an option the question does
    not offer."""

"""Commands on interactions with readers: questions, reading sessions, contests, moderation.

Participants' personal data is sealed inside each command, for the very event that carries
it, and only after every check of the command has passed. Idempotency fingerprints never
include personal data: they name the participant by their pseudonymous subject id.
"""

from libops.application.interactions.contest import ContestService, seed_key_subject
from libops.application.interactions.moderation import ModerationService
from libops.application.interactions.qa import DEFAULT_ESCALATION, QuestionService
from libops.application.interactions.reading import ReadingSessionService
from libops.application.interactions.surveys import SurveyService

__all__ = [
    "DEFAULT_ESCALATION",
    "ContestService",
    "ModerationService",
    "QuestionService",
    "ReadingSessionService",
    "SurveyService",
    "seed_key_subject",
]

"""Errors of the risk register: ratings, mitigations, incidents and reviews."""

from __future__ import annotations

from libops.domain.errors.core import (
    InvalidTransitionError,
    InvalidValueError,
    RuleViolationError,
    UnknownIdError,
)


class RiskRatingError(InvalidValueError):
    """A risk's likelihood or impact is not a whole number from 1 to 5."""


class RiskClosedError(InvalidTransitionError):
    """A closed risk changes no more."""


class OpenIncidentsError(RuleViolationError):
    """A risk is not closed while one of its incidents is still open."""


class UnknownMitigationActionError(UnknownIdError):
    """The risk has no mitigation action with that number."""


class UnknownIncidentError(UnknownIdError):
    """The risk has no incident with that number."""


class MitigationCompletedError(InvalidTransitionError):
    """A mitigation action is completed once."""


class IncidentResolvedError(InvalidTransitionError):
    """An incident is resolved once."""


class ReviewScheduleError(RuleViolationError):
    """A risk review is dated in the future or before the last one, or its next review does
    not come after it."""


class IncidentTimeError(RuleViolationError):
    """An incident starts or is resolved in the future, or is resolved before it started."""

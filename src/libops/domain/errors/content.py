"""Errors of content work: content briefs and the media library."""

from __future__ import annotations

from libops.domain.errors.core import InvalidTransitionError, InvalidValueError, RuleViolationError


class BriefEndedError(InvalidTransitionError):
    """A drafted or dropped content brief changes no more."""


class BriefRequirementsError(RuleViolationError):
    """A content brief is planned only with at least one platform."""


class BriefDueDateError(RuleViolationError):
    """A content brief's due day is before today (the library's day) when it is planned or
    replanned."""


class BriefPostMismatchError(RuleViolationError):
    """The post a content brief is marked drafted as belongs to another campaign than the
    brief's."""


class MediaWithdrawnError(InvalidTransitionError):
    """A withdrawn media asset changes no more (its licence is not updated, it is not
    withdrawn twice)."""


class LicenceTermsError(InvalidValueError):
    """A media licence's terms do not hang together: a Creative Commons licence without its
    id (``CC BY 4.0``), an id on another kind of licence, a licence other than public
    domain without a holder."""


class MediaLicenceError(RuleViolationError):
    """A post's media have no licence valid for its platforms on the day: an asset is
    unknown, withdrawn, its licence expired or excludes a platform. Approval and scheduling
    are refused until the licence is fixed or the asset swapped."""

    def __init__(self, message: str, findings: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class ReviewItemError(InvalidValueError):
    """A checklist item a library defines is malformed (its key is not a short lowercase
    name, or is one of the built-in items; a label is missing), or a review's answers to
    the defined items name an item that is not defined or give an answer that is not
    ``checked``, ``not_checked`` or ``not_applicable``."""

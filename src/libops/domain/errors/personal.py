"""Errors of personal data: sealing, erasure, consent, and the sealed texts of drafts."""

from __future__ import annotations

from libops.domain.errors.core import InvalidValueError, LibopsError, RuleViolationError
from libops.domain.errors.storage import StorageError


class PersonalDataError(LibopsError):
    """Personal data cannot be sealed or opened."""


class SubjectErasedError(PersonalDataError, RuleViolationError):
    """The data subject was erased: no new key, and so no new personal data, for them."""

    def __init__(self, subject_id: str) -> None:
        super().__init__(f"data subject {subject_id} was erased; their data is not kept again")
        self.subject_id = subject_id


class PersonalDataTamperedError(PersonalDataError):
    """Sealed personal data does not open with its subject's key where it is: it was altered
    or moved from the event it was sealed for."""


class SubjectKeyMissingError(PersonalDataError, StorageError):
    """The key store has no key for a subject that was never erased: it is not this store's."""


class ConsentError(InvalidValueError):
    """The consent given does not allow what libops would do with the data."""


class UnknownRevisionError(RuleViolationError, LookupError):
    """The post has no revision with that number that carries text."""


class RevisionNotSealedError(RuleViolationError):
    """The revision was recorded before drafts were sealed: its text is in the event itself,
    and destroying a key cannot redact it."""


class PublishedRevisionError(RuleViolationError):
    """The revision's text went out on a platform: published text is never redacted."""


class DraftTextUnavailableError(RuleViolationError):
    """A text of the post cannot be read here (redacted, or sealed and not opened)."""


class RedactedTextError(DraftTextUnavailableError):
    """A text of the post was redacted: revise it before the post goes on."""


class DraftTamperedError(PersonalDataError):
    """A sealed draft text does not open with its revision's key where it is: it was altered
    or moved from the post, revision or field it was sealed for."""


class DraftKeyMissingError(PersonalDataError, StorageError):
    """The key store has no key for a revision that was never redacted: it is not this
    store's key store."""

"""Errors as RFC 9457 problem details: ``application/problem+json`` naming the libops error.

Every error libops raises on purpose has a type, ``/v1/problems/<ErrorClass>``, which the API
serves (:func:`problem_types` lists them, with the meaning the reference gives), and an HTTP
status chosen by :func:`status_of` from the most specific class it derives from.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Final

from libops.application.catalogue import plain_markup
from libops.domain.errors import (
    AuthenticationError,
    ConcurrencyError,
    DraftKeyMissingError,
    DraftTamperedError,
    IdempotencyKeyReuseError,
    InvalidTransitionError,
    InvalidValueError,
    LibopsError,
    LoginThrottledError,
    MalformedRequestError,
    NoGatewayError,
    NoStateThenError,
    PermissionDeniedError,
    PersonalDataTamperedError,
    PlatformError,
    PlatformTimeoutError,
    PublishClaimedError,
    RequestTooLargeError,
    RuleViolationError,
    StorageError,
    StoreBusyError,
    SubjectKeyMissingError,
    UnknownCommandError,
    UnknownIdError,
    UnsupportedMediaTypeError,
    VersionMismatchError,
)

PROBLEM_JSON: Final = "application/problem+json"
PROBLEMS_PATH: Final = "/v1/problems/"

STATUS: Final[Mapping[type[LibopsError], int]] = {
    MalformedRequestError: 400,  # the request itself: not JSON, a bad header or parameter
    RequestTooLargeError: 413,
    UnsupportedMediaTypeError: 415,
    InvalidValueError: 422,  # well-formed JSON, but a field is missing, unknown or wrong
    LoginThrottledError: 429,  # too many failed sign-ins: wait Retry-After seconds
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    UnknownIdError: 404,
    UnknownCommandError: 404,
    NoStateThenError: 404,
    VersionMismatchError: 412,
    IdempotencyKeyReuseError: 409,
    InvalidTransitionError: 409,  # the aggregate's state does not allow it now
    PublishClaimedError: 409,
    ConcurrencyError: 409,
    RuleViolationError: 422,
    PlatformTimeoutError: 504,
    PlatformError: 502,
    NoGatewayError: 501,
    PersonalDataTamperedError: 500,  # the record was altered
    DraftTamperedError: 500,
    SubjectKeyMissingError: 500,  # the key store is not the event store's: waiting won't help
    DraftKeyMissingError: 500,
    StorageError: 503,
    LibopsError: 500,
}
"""The HTTP status of each error class; an error takes that of the first class in its MRO."""

RETRY_AFTER: Final[Mapping[type[LibopsError], int]] = {
    StoreBusyError: 1,
    ConcurrencyError: 1,
    StorageError: 5,
}
"""Seconds a client should wait before trying again (``Retry-After``), by error class."""

INTERNAL_ERROR: Final = "InternalError"
"""The ``error`` of a problem that is no libops error (a fault, logged on the server)."""


def status_of(error_type: type[LibopsError]) -> int:
    """The HTTP status of errors of ``error_type``."""
    for klass in error_type.__mro__:
        if klass in STATUS:
            return STATUS[klass]
    return 500


def retry_after(error_type: type[LibopsError]) -> int | None:
    """Seconds to wait before trying again after an error of ``error_type`` (None: no use)."""
    if status_of(error_type) not in (409, 503):
        return None
    for klass in error_type.__mro__:
        if klass in RETRY_AFTER:
            return RETRY_AFTER[klass]
    return None


def problem_types() -> dict[str, type[LibopsError]]:
    """Every libops error class by name: the problem types the API may answer with."""
    found: dict[str, type[LibopsError]] = {}
    pending: list[type[LibopsError]] = [LibopsError]
    while pending:
        klass = pending.pop()
        if klass.__name__ not in found:
            found[klass.__name__] = klass
            pending += klass.__subclasses__()
    return dict(sorted(found.items()))


def title_of(error_type: type[BaseException]) -> str:
    """The short meaning of an error class: its docstring's first paragraph."""
    text = plain_markup(inspect.cleandoc(error_type.__doc__ or ""))
    first = text.split("\n\n")[0]
    return " ".join(first.split()) or error_type.__name__


def problem(error: LibopsError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The status, problem body and extra headers answering ``error``."""
    error_type = type(error)
    status = status_of(error_type)
    body: dict[str, Any] = {
        "type": PROBLEMS_PATH + error_type.__name__,
        "title": title_of(error_type),
        "status": status,
        "detail": str(error),
        "error": error_type.__name__,
    }
    field = getattr(error, "field", None)
    if isinstance(field, str) and field:
        body["field"] = field
    headers: dict[str, str] = {}
    wait = retry_after(error_type)
    if isinstance(error, LoginThrottledError):
        wait = error.retry_after
    if wait is not None:
        headers["Retry-After"] = str(wait)
    if isinstance(error, AuthenticationError):
        headers["WWW-Authenticate"] = error.challenge
    return status, body, headers


def description(name: str) -> dict[str, Any]:
    """What the problem type ``name`` means, as ``GET /v1/problems/<name>`` answers it."""
    error_type = problem_types().get(name)
    if error_type is None:
        raise UnknownIdError("problem type", name)
    paragraphs = [
        " ".join(p.split())
        for p in plain_markup(inspect.cleandoc(error_type.__doc__ or "")).split("\n\n")
        if p.strip()
    ]
    return {
        "type": PROBLEMS_PATH + name,
        "title": title_of(error_type),
        "status": status_of(error_type),
        "description": "\n\n".join(paragraphs),
        "derives_from": [
            base.__name__ for base in error_type.__mro__[1:] if issubclass(base, LibopsError)
        ],
    }

"""Errors of the HTTP API and the web app: authentication, sessions, requests, queries with
cursors and webhooks.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from libops.domain.errors.core import (
    InvalidValueError,
    LibopsError,
    LimitExceededError,
    PermissionDeniedError,
)


class AuthenticationError(LibopsError):
    """A request does not say who is acting, or does not prove it (no credential, or one that
    is unknown, expired or revoked)."""

    def __init__(self, message: str, *, challenge: str = 'Bearer realm="libops"') -> None:
        super().__init__(message)
        self.challenge = challenge
        """What the HTTP API answers in ``WWW-Authenticate``."""


class VersionMismatchError(LibopsError):
    """An aggregate is not at the version a command expected (HTTP ``If-Match``): it was
    changed since the caller read it."""

    def __init__(self, kind: str, id: UUID | str, expected: int, actual: int) -> None:
        super().__init__(
            f"the {kind} {id} is at version {actual}, not {expected} as expected: it was "
            "changed since; read it again"
        )
        self.kind = kind
        self.id = id
        self.expected = expected
        self.actual = actual


class MalformedRequestError(InvalidValueError):
    """An HTTP request is malformed: its body is not a JSON object, or a header or query
    parameter (named in ``field``) is not of its form."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


class FeedParameterError(InvalidValueError):
    """A parameter of the event feed (named in ``field``: ``after``, ``limit`` or ``kinds``)
    is out of its range or unknown."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class RequestTooLargeError(LimitExceededError):
    """An HTTP request's body is larger than the API accepts."""


class UnsupportedMediaTypeError(InvalidValueError):
    """An HTTP request's body is not of the one content type the API reads,
    ``application/json``."""


class WebhookConfigError(InvalidValueError):
    """A webhook endpoint's configuration is wrong: its URL (only http and https), its
    name, kinds, format or secret, or the file that keeps the endpoints."""


class WebhookDeliveryError(LibopsError):
    """A receiver did not take a notification: unreachable, an HTTP error, or a bot that
    answered with an error code. ``retryable`` says whether trying again later may work."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class QueryParameterError(InvalidValueError):
    """A parameter of a list query (named in ``field``: ``status``, ``platform``, ``limit``,
    ``order``, ...) is unknown or out of its range."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidCursorError(QueryParameterError):
    """A list's cursor is not one libops gave out for this same list (same filters and
    order): malformed, edited or from another query."""

    def __init__(self, message: str) -> None:
        super().__init__("cursor", message)


class WebSessionError(AuthenticationError):
    """A web page was asked for without a live session: no session cookie, or one that is
    unknown, signed out, idle too long or past its absolute lifetime (sign in again)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, challenge='Cookie realm="libops"')


class InactiveUserError(AuthenticationError):
    """A person named by a session, a sign-off link or a waiting request may no longer act:
    their user is unknown, disabled or holds no role, so nothing is done in their name."""

    def __init__(self, login: str) -> None:
        super().__init__(
            f"{login} may no longer act (disabled or without a role): nothing is done in "
            "their name",
            challenge='Cookie realm="libops"',
        )
        self.login = login


class CrossSiteRequestError(PermissionDeniedError):
    """A form was posted without the session's CSRF token, with a wrong one, or from another
    origin than the web app's own (its ``Origin`` or ``Referer`` names another site)."""

    def __init__(self, message: str) -> None:
        LibopsError.__init__(self, message)
        self.actor_id = ""
        self.command = ""
        self.allowed: frozenset[Any] = frozenset()

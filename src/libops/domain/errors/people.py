"""Errors of the people who use libops: users, passwords, tokens, scopes and the team."""

from __future__ import annotations

from libops.domain.errors.api import AuthenticationError
from libops.domain.errors.core import (
    InvalidTransitionError,
    InvalidValueError,
    LibopsError,
    PermissionDeniedError,
    RuleViolationError,
)


class OutOfScopeError(PermissionDeniedError):
    """The acting person holds a role that allows the command, but only for some platforms'
    accounts or some campaigns, and the command is about others (or about none that can be
    told)."""

    def __init__(self, actor_id: str, command: str, reason: str) -> None:
        LibopsError.__init__(self, f"actor {actor_id!r} may not {command}: {reason}")
        self.actor_id = actor_id
        self.command = command
        self.allowed = frozenset()


class UserExistsError(RuleViolationError):
    """A user with that login exists already (logins are compared case-insensitively)."""

    def __init__(self, login: str) -> None:
        super().__init__(f"a user with the login {login!r} exists already")
        self.login = login


class PasswordPolicyError(InvalidValueError):
    """A new password is too short or too long (its text is never repeated in the message)."""

    field = "password"


class TokenRolesError(RuleViolationError):
    """An API token was asked for roles its user does not hold: a token's roles are a subset
    of its user's."""


class TokenLifetimeError(InvalidValueError):
    """An API token's lifetime is not between one day and the longest allowed (a year)."""

    field = "expires_days"


class LoginThrottledError(AuthenticationError):
    """Too many failed sign-ins for a login or from one client address: sign-ins from it are
    refused for a while (HTTP 429 with ``Retry-After``), even with the right credential."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after


class TeamDayError(RuleViolationError):
    """A joining, leaving or training day is in the future, or before the member joined (a
    leaving day) or left (a rejoining day)."""


class MemberLeftError(InvalidTransitionError):
    """The member has left the team: they cannot sign in, act, be given duties or have
    training recorded until they rejoin (``user.join``)."""

    def __init__(self, login: str, action: str) -> None:
        RuleViolationError.__init__(
            self, f"{login} has left the team: cannot {action} (rejoin them with user.join)"
        )
        self.login = login
        self.kind = "member"
        self.action = action
        self.state = "left"


class TrainingHoursError(InvalidValueError):
    """A training's hours are not a number above 0 and at most the most one record may
    hold, with at most two decimal places."""

    field = "hours"


class DuplicateTrainingError(RuleViolationError):
    """The member's training with that course on that day is recorded already."""

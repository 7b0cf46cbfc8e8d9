"""The base of every libops error and its general kinds (bad input, unknown ids and commands,
permissions, broken rules, conflicts), with the rules of campaigns and posts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID


class LibopsError(Exception):
    """Base class of every error libops raises on purpose."""


class InvalidValueError(LibopsError, ValueError):
    """A value given to libops is malformed (wrong type, empty, out of range)."""


class NotAnActorError(InvalidValueError, TypeError):
    """A command was given without an :class:`~libops.domain.values.Actor` naming who acts."""


class MoneyError(InvalidValueError):
    """An amount of money is not an exact, finite, non-negative amount for its currency."""


class IndexWeightsError(InvalidValueError):
    """The weights of a cross-platform index are not a mapping of platforms that have an
    index to finite, non-negative numbers with a positive total."""


class CurrencyError(InvalidValueError):
    """A currency code is not an ISO 4217 code, or two currencies were mixed."""


class PeriodError(InvalidValueError):
    """A period of time ends before it starts, or is not timezone-aware."""


class LimitExceededError(InvalidValueError):
    """A text is longer, a list holds more items or a count is larger than libops accepts
    (docs/limits.md lists every limit)."""

    def __init__(self, field: str, limit: int, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.limit = limit


class ControlCharacterError(InvalidValueError):
    """A text holds a control character (or a lone surrogate) where only printable text,
    and in multi-line texts tabs and line breaks, belong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DateRangeError(InvalidValueError):
    """A day or moment lies outside the years libops accepts (see docs/limits.md)."""


class InvalidCommandError(InvalidValueError):
    """A command built from plain data has a field missing, unknown or of the wrong kind."""

    def __init__(self, command: str, field: str | None, message: str) -> None:
        where = f" (field {field})" if field else ""
        super().__init__(f"{command}{where}: {message}")
        self.command = command
        self.field = field
        self.reason = message


class CommandArgumentsError(InvalidCommandError, TypeError):
    """A service method was called with arguments its command does not take (too many given
    by position, a keyword it does not know, one it needs left out)."""


class UnknownIdError(LibopsError, LookupError):
    """No aggregate of the expected kind has the given id."""

    def __init__(self, kind: str, id: UUID | str | int) -> None:
        super().__init__(f"no {kind} with id {id}")
        self.kind = kind
        self.id = id


class UnknownCommandError(LibopsError, LookupError):
    """No command of that name (or class) is registered."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no command named {name}")
        self.name = name


class NoStateThenError(LibopsError, LookupError):
    """An aggregate was asked for as it was before its first event: it did not exist then."""

    def __init__(self, id: UUID | str, then: str, first_recorded: datetime) -> None:
        super().__init__(
            f"{id} did not exist yet {then}: its first event was recorded at "
            f"{first_recorded.isoformat()}"
        )
        self.id = id
        self.first_recorded = first_recorded


class PermissionDeniedError(LibopsError, PermissionError):
    """The acting person does not hold a role that allows the command."""

    def __init__(self, actor_id: str, command: str, allowed: Any) -> None:
        roles = ", ".join(sorted(r.value for r in allowed))
        super().__init__(
            f"actor {actor_id!r} may not {command}: it needs one of the roles [{roles}]"
        )
        self.actor_id = actor_id
        self.command = command
        self.allowed = frozenset(allowed)


class RuleViolationError(LibopsError):
    """A command breaks a business rule of the aggregate it acts on."""


class InvalidTransitionError(RuleViolationError):
    """A command was given while the aggregate is in a state that does not allow it."""

    def __init__(self, kind: str, action: str, state: str) -> None:
        super().__init__(f"cannot {action} a {kind} that is {state}")
        self.kind = kind
        self.action = action
        self.state = state


class CampaignEndedError(InvalidTransitionError):
    """A completed or cancelled campaign changes no more."""


class LaunchRequirementsError(RuleViolationError):
    """A campaign cannot launch without at least one platform and one objective."""


class ReviewerIsAuthorError(RuleViolationError):
    """A post is never reviewed by its own author."""


class VariantLimitError(RuleViolationError):
    """A platform variant breaks that platform's declared limits (length, media, links)."""

    def __init__(self, *violations: str) -> None:
        super().__init__("; ".join(violations))
        self.violations = tuple(violations)


class ScheduleInPastError(RuleViolationError):
    """A post cannot be scheduled for a time that has already passed."""


class CadenceError(RuleViolationError):
    """Scheduling breaks an enforced cadence policy."""

    def __init__(self, message: str, warnings: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.warnings = warnings


class PlatformNotTargetedError(RuleViolationError):
    """The post has no variant for that platform."""


class AlreadyPublishedError(InvalidTransitionError):
    """A post's variant for that platform is already published."""


class ChecklistIncompleteError(RuleViolationError):
    """A post is approved only when accuracy, copyright and privacy are all confirmed."""


class PersonalDataFoundError(RuleViolationError):
    """A post is not approved while the automatic review found personal data in it."""

    def __init__(self, message: str, findings: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class StaleMetricsError(RuleViolationError):
    """A metric snapshot was observed before the latest one recorded for that platform."""


class FutureMetricsError(RuleViolationError):
    """A metric snapshot was observed further ahead of libops's clock than the margin allows."""


class UnknownMetricSnapshotError(RuleViolationError, LookupError):
    """No voidable metric snapshot of a post was observed at the moment given."""


class IdempotencyKeyReuseError(RuleViolationError):
    """An idempotency key was reused for a different command or different arguments."""


class ConcurrencyError(LibopsError):
    """A command kept losing the race with concurrent writers and gave up."""


class ReusedItselfError(RuleViolationError):
    """A post was said to be made from itself: reused content names another post."""

"""The errors libops raises: one specific class for every way a command can be refused.

Every error derives from :class:`LibopsError`. A command that raises records nothing.
"""

from __future__ import annotations

from typing import Any


class LibopsError(Exception):
    """Base class of every error libops raises on purpose."""


# --- bad input -------------------------------------------------------------------------


class InvalidValueError(LibopsError, ValueError):
    """A value given to libops is malformed (wrong type, empty, out of range)."""


class NotAnActorError(InvalidValueError, TypeError):
    """A command was given without an :class:`~libops.domain.values.Actor` naming who acts."""


class MoneyError(InvalidValueError):
    """An amount of money is not an exact, finite, non-negative amount for its currency."""


class CurrencyError(InvalidValueError):
    """A currency code is not an ISO 4217 code, or two currencies were mixed."""


class PeriodError(InvalidValueError):
    """A period of time ends before it starts, or is not timezone-aware."""


# --- unknown things --------------------------------------------------------------------


class UnknownIdError(LibopsError, LookupError):
    """No aggregate of the expected kind has the given id."""

    def __init__(self, kind: str, id: object) -> None:
        super().__init__(f"no {kind} with id {id}")
        self.kind = kind
        self.id = id


# --- who may do what -------------------------------------------------------------------


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


# --- broken business rules -------------------------------------------------------------


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


class IdempotencyKeyReuseError(RuleViolationError):
    """An idempotency key was reused for a different command or different arguments."""


class ConcurrencyError(LibopsError):
    """A command kept losing the race with concurrent writers and gave up."""


# --- platforms -------------------------------------------------------------------------


class PlatformError(LibopsError):
    """A platform refused or failed a request."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class PlatformTimeoutError(PlatformError):
    """A platform did not answer in time; the request may or may not have gone through."""


class UnknownPlatformPostError(PlatformError):
    """The platform has no post with that external id."""

    def __init__(self, platform: str, external_id: str) -> None:
        super().__init__(f"{platform} has no post with id {external_id!r}", retryable=False)
        self.platform = platform
        self.external_id = external_id


class NoGatewayError(LibopsError, LookupError):
    """No platform gateway is registered for the platform a command needs."""

    def __init__(self, platform: str) -> None:
        super().__init__(
            f"no gateway is registered for {platform}; pass one to LibOps.open(gateways=...)"
        )
        self.platform = platform


class PublishFailedError(PlatformError):
    """Publishing one platform variant of a post failed; the failure was recorded on the post."""

    def __init__(self, post_id: object, platform: str, message: str, *, retryable: bool) -> None:
        super().__init__(
            f"publishing post {post_id} on {platform} failed: {message}", retryable=retryable
        )
        self.post_id = post_id
        self.platform = platform


# --- storage ---------------------------------------------------------------------------


class StorageError(LibopsError):
    """The event store cannot be opened or used."""


class StoreUrlError(StorageError, ValueError):
    """A store URL is malformed or names an unknown scheme."""


class StoreUnavailableError(StorageError):
    """The store's server cannot be reached, or its file's directory does not exist."""


class StoreAuthenticationError(StorageError):
    """The store's server refused the credentials in the URL."""


class MigrationRequiredError(StorageError):
    """The store's tables do not exist yet: run the migration step first."""


class UnsafeStoreSettingError(StorageError):
    """A storage setting that loses events is switched on."""

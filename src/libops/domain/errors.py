"""The errors libops raises: one specific class for every way a command can be refused.

Every error derives from :class:`LibopsError`. A command that raises records nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID


class LibopsError(Exception):
    """Base class of every error libops raises on purpose."""


# --- bad input -------------------------------------------------------------------------


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


# --- unknown things --------------------------------------------------------------------


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


class FutureMetricsError(RuleViolationError):
    """A metric snapshot was observed further ahead of libops's clock than the margin allows."""


class UnknownMetricSnapshotError(RuleViolationError, LookupError):
    """No voidable metric snapshot of a post was observed at the moment given."""


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


class PlatformProfileError(InvalidValueError):
    """A platform profile is malformed (a bad id, a negative limit, a metric declared twice,
    ...) or cannot be registered (its id is taken, its entry point does not load)."""


class DuplicatePlatformError(PlatformProfileError):
    """A platform profile was registered under an id another profile holds already."""

    def __init__(self, platform: str) -> None:
        super().__init__(f"a platform with the id {platform!r} is registered already")
        self.platform = platform


class OwnMetricError(InvalidValueError):
    """A metric snapshot carries a platform's own metric the platform's profile does not
    declare, or a value of the wrong kind for it (a ratio for a count, ...)."""


class NotAPublishingPlatformError(RuleViolationError):
    """A post variant, schedule or publication was asked for on one of the library's own
    channels (its website form, e-mail, telephone, the desk), where nothing is published."""

    def __init__(self, platform: str) -> None:
        super().__init__(
            f"{platform} is one of the library's own channels and does not publish posts"
        )
        self.platform = platform


class PublishFailedError(PlatformError):
    """Publishing one platform variant of a post failed; the failure was recorded on the post."""

    def __init__(self, post_id: UUID, platform: str, message: str, *, retryable: bool) -> None:
        super().__init__(
            f"publishing post {post_id} on {platform} failed: {message}", retryable=retryable
        )
        self.post_id = post_id
        self.platform = platform


class PublishClaimedError(RuleViolationError):
    """Another process has claimed publishing that post on that platform and is at it now."""

    def __init__(self, post_id: UUID, platform: str, holder_id: str, until: datetime) -> None:
        super().__init__(
            f"post {post_id} on {platform} is being published elsewhere: claimed by "
            f"{holder_id} until {until.isoformat()}; its outcome will be recorded there"
        )
        self.post_id = post_id
        self.platform = platform
        self.holder_id = holder_id
        self.until = until


class NoTakeDownError(RuleViolationError, LookupError):
    """The post has no open take-down on that platform (not retracted while live there, or
    taken down or confirmed already)."""


class TakeDownFailedError(PlatformError):
    """Taking a retracted post down on one platform failed; the failure was recorded on it."""

    def __init__(self, post_id: UUID, platform: str, message: str, *, retryable: bool) -> None:
        super().__init__(
            f"taking post {post_id} down on {platform} failed: {message}", retryable=retryable
        )
        self.post_id = post_id
        self.platform = platform


class TakeDownUnsupportedError(RuleViolationError, LookupError):
    """No gateway that can take posts down is configured for that platform: staff take the
    post down by hand and confirm it."""

    def __init__(self, platform: str) -> None:
        super().__init__(
            f"no gateway that can take posts down is configured for {platform}: take the post "
            "down on the platform by hand, then confirm it (post.confirm_take_down)"
        )
        self.platform = platform


class TakeDownUrlError(InvalidValueError):
    """A take-down is confirmed with an http or https address (or none), nothing else."""


class DemoStoreInUseError(LibopsError):
    """The demo was asked to run on a store that holds another scenario or other records."""


# --- storage ---------------------------------------------------------------------------


class StorageError(LibopsError):
    """The event store cannot be opened or used."""


class StoreUrlError(StorageError, ValueError):
    """A store URL is malformed or names an unknown scheme."""


class StoreUnavailableError(StorageError):
    """The store's server cannot be reached, or its file's directory does not exist."""


class StoreAuthenticationError(StorageError):
    """The store's server refused the credentials in the URL."""


class NotAStoreError(StorageError):
    """The file a SQLite store URL names exists but is not a SQLite database."""


class MigrationRequiredError(StorageError):
    """The store's tables do not exist yet: run the migration step first."""


class UnsafeStoreSettingError(StorageError):
    """A storage setting that loses events is switched on."""


class FileModeError(StorageError):
    """A key file or event database may be read by other users: libops refuses to use it."""


class StoreBusyError(StorageError):
    """The store stayed locked by other writers for longer than a command retries."""


# --- personal data ---------------------------------------------------------------------


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


# --- risks -----------------------------------------------------------------------------


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


# --- budgets ---------------------------------------------------------------------------


class BudgetClosedError(InvalidTransitionError):
    """A closed budget changes no more."""


class OverspendError(RuleViolationError):
    """Spending or moving more than a budget line has available, without an override."""

    def __init__(self, category: str, amount: Any, available: Any, campaign_id: Any = None) -> None:
        line = f"the {category} line"
        if campaign_id is not None:
            line += f" of campaign {campaign_id}"
        currency = getattr(amount, "currency", "")
        super().__init__(f"{amount} is more than {line} has available ({available} {currency})")
        self.category = category
        self.amount = amount
        self.available = available
        self.campaign_id = campaign_id


class NoBudgetLineError(RuleViolationError, LookupError):
    """A campaign has no line in that category of the budget: allocate money to it first."""


class DuplicateCommitmentError(RuleViolationError):
    """A budget already holds a commitment with that reference."""


class UnknownCommitmentError(UnknownIdError):
    """A budget holds no commitment with that reference."""


class CommitmentClosedError(InvalidTransitionError):
    """A commitment with nothing outstanding (settled or released) cannot be drawn on again."""


class CommitmentExceededError(RuleViolationError):
    """More was to be released from a commitment than it has outstanding."""


class CommitmentMismatchError(RuleViolationError):
    """An expense settles a commitment of another category or campaign."""


class InvoiceConflictError(RuleViolationError):
    """An invoice reference already recorded comes again with a different vendor or amount."""


class SelfApprovalError(RuleViolationError):
    """A budget adjustment is approved by someone other than the person requesting it."""


class OpenCommitmentsError(RuleViolationError):
    """A budget is closed only when no commitment is outstanding."""


# --- interaction: questions, reading sessions, contests, moderation --------------------


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


# --- sealed drafts ---------------------------------------------------------------------


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


# --- the HTTP API ----------------------------------------------------------------------


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


# --- the account's standing: peer rankings, honours, typical cases, service uses --------


class RankingTableError(InvalidValueError):
    """A peer ranking table is malformed: no rows, a row without a name, a rank below 1, a
    value that is not a finite number, a library listed twice, or this library not in it."""


class RankingFileError(RankingTableError):
    """A ranking table's file (CSV) cannot be read: ``line`` and ``column`` (1-based; None
    when the whole file or line is at fault) say where."""

    def __init__(self, line: int | None, column: str | None, message: str) -> None:
        where = ", ".join(
            part
            for part in (
                None if line is None else f"line {line}",
                None if column is None else f"column {column}",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.line = line
        self.column = column
        self.reason = message


class UnknownHonourError(UnknownIdError):
    """No honour with that id is recorded."""


class HonourWithdrawnError(InvalidTransitionError):
    """An honour already withdrawn cannot be withdrawn again."""


class DuplicateHonourError(RuleViolationError):
    """The same honour (title, awarding body, day) is recorded already and not withdrawn."""


class TypicalCaseError(RuleViolationError):
    """A typical case cannot be marked or unmarked: the post is not published, or the post
    or campaign is marked already, or is not marked."""


# --- users, passwords, tokens and scopes (issue 15, people and access) -------------------


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


# --- notifications (issue 15, webhooks) --------------------------------------------------


class WebhookConfigError(InvalidValueError):
    """A webhook endpoint's configuration is wrong: its URL (only http and https), its
    name, kinds, format or secret, or the file that keeps the endpoints."""


class WebhookDeliveryError(LibopsError):
    """A receiver did not take a notification: unreachable, an HTTP error, or a bot that
    answered with an error code. ``retryable`` says whether trying again later may work."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


# --- queries: indexed lists with cursors (issue 15, item 3) ---------------------------------


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


class ReusedItselfError(RuleViolationError):
    """A post was said to be made from itself: reused content names another post."""


# --- surveys (issue 17, item 1) ----------------------------------------------------------


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


# --- content briefs (issue 17, part "content briefs") ------------------------------------


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


# --- HTTP platform adapters (issue 11, items 2 and 5) ------------------------------------


class PlatformCredentialsError(PlatformError):
    """A platform refused the credentials an adapter holds (revoked, expired and not
    refreshable, or a wrong app password). Not retryable: staff must issue new ones; the
    message says how and never contains the secret."""

    def __init__(self, platform: str, message: str) -> None:
        super().__init__(f"{platform}: {message}", retryable=False)
        self.platform = platform


class PlatformRateLimitedError(PlatformError):
    """A platform kept answering "too many requests" after the adapter's bounded retries;
    ``retry_after`` is how many seconds the platform asked to wait (None if it did not say)."""

    def __init__(self, platform: str, retry_after: float | None) -> None:
        wait = "" if retry_after is None else f"; it asks to wait {retry_after:g} seconds"
        super().__init__(f"{platform} is rate-limiting this account{wait}", retryable=True)
        self.platform = platform
        self.retry_after = retry_after


class PlatformRejectedError(PlatformError):
    """A platform refused a request for good (a validation failure, a missing permission):
    repeating it will not help. ``status`` is the HTTP status, the message the platform's."""

    def __init__(self, platform: str, status: int, message: str) -> None:
        super().__init__(f"{platform} refused the request ({status}): {message}", retryable=False)
        self.platform = platform
        self.status = status


# Weibo and Douyin HTTP adapters (issue 11, items 2 and 5)


class PublishingNotAllowedError(PlatformError):
    """The platform's API does not let this account publish (Douyin's publishing needs the
    ``video.create.bind`` capability, granted only to approved organisations): not
    retryable; publish by hand, record it with ``post.record_manual_publication`` and
    import the statistics."""

    def __init__(self, platform: str, reason: str) -> None:
        super().__init__(
            f"{platform} does not let libops publish for this account ({reason}): publish it "
            "by hand in the platform's app, record it with post.record_manual_publication "
            "(`libops publish record`), and import the statistics from the platform's export",
            retryable=False,
        )
        self.platform = platform


class PlatformAdapterConfigError(InvalidValueError):
    """An HTTP platform adapter was configured wrongly (a base URL that is not http(s), a
    non-positive timeout or attempt count, an empty account name)."""


# --- the WeChat adapter (issue 11, part "wechat") ---------------------------------------


class PlatformApiAccessError(PlatformError):
    """The platform does not let this account do that through its API (since July 2025 an
    unverified WeChat account may not publish by API, and only verified ones read the
    statistics). Not retryable: the message says what to do by hand instead."""

    def __init__(self, platform: str, message: str) -> None:
        super().__init__(f"{platform}: {message}", retryable=False)
        self.platform = platform


class PlatformPublicationFailedError(PlatformError):
    """The platform accepted a publication and then failed it (WeChat's asynchronous publish
    ended in a failed originality check, a general failure or a review rejection, or the
    article was deleted or banned at once). Not retryable; ``reason`` names the outcome."""

    def __init__(self, platform: str, reason: str, message: str) -> None:
        super().__init__(f"{platform}: {message}", retryable=False)
        self.platform = platform
        self.reason = reason


# --- the web app (issue 16, part "web foundation") ---------------------------------------


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


# --- operations: publishing by hand, credentials, tick (issue 11, items 3, 4 and 8) ----------


class ManualPublicationUrlError(InvalidValueError):
    """The address recorded for a post published by hand is not an http(s) URL with a host."""


class CredentialError(LibopsError):
    """A platform credential cannot be read, stored or refreshed (the message never holds the
    secret itself)."""


class CredentialNameError(CredentialError, InvalidValueError):
    """A credential's account or name is empty, too long or holds characters other than
    letters, digits, ``.``, ``_``, ``-`` and ``/``; or a value is empty."""


class UnknownCredentialError(CredentialError, LookupError):
    """No credential is stored under that account and name."""

    def __init__(self, account: str, name: str) -> None:
        super().__init__(f"no credential {name!r} is stored for {account!r}")
        self.account = account
        self.name = name


class MissingCredentialError(UnknownCredentialError, PlatformAdapterConfigError):
    """A platform gateway needs a credential no store holds: the message names the entry to
    set (account and name, never a value) and the command that sets it. Every HTTP
    adapter's ``from_credentials`` raises it (a gateway set up without what it needs)."""

    def __init__(self, platform: str, account: str, name: str) -> None:
        super().__init__(account, name)
        variable = "LIBOPS_CRED_" + "_".join(
            "".join(c if c.isalnum() else "_" for c in part).upper() for part in (account, name)
        )
        self.args = (
            f"the {platform} gateway needs the credential {name!r} of account {account!r}, "
            f"and none is stored: set it with `libops credentials set {account} {name}` "
            f"(or the environment variable {variable})",
        )


class ReadOnlyCredentialStoreError(CredentialError):
    """The credential store only reads (environment variables): set and remove go elsewhere."""


class CredentialFileError(CredentialError):
    """The credentials file cannot be read or written, is malformed, or others may read it."""


class CredentialTableMissingError(CredentialError):
    """A PostgreSQL store has no credentials table yet (``libops db migrate`` makes it), so
    renewed tokens would have nowhere to go but a file in the job's working directory."""


class TokenRefreshError(CredentialError):
    """A platform token could not be refreshed (the refresh callback failed or gave nothing)."""


# --- analytics-export imports (issue 11, part "importers") -------------------------------


class ImportFileError(InvalidValueError):
    """An analytics export cannot be read: its layout is unknown, a column is missing, or a
    cell (named by row and column) holds what its column cannot hold. Nothing is recorded."""


class AmbiguousImportMatchError(RuleViolationError):
    """An export's row matches more than one post (same platform, title and time)."""


class FollowerFiguresError(InvalidValueError):
    """An account's daily follower figures do not add up (gained minus lost is not the net
    change), or are not figures at all."""


# --- the team (issue 17, item 7) -----------------------------------------------------------


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


# --- media library (issue 17, item 8) ----------------------------------------------------


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


# --- bulk imports (issue 11, item 7) ------------------------------------------------------


class BulkImportError(RuleViolationError):
    """A bulk import's batch does not follow the rules: rows out of order or already
    recorded, columns of different lengths, an unknown count, an import already finished."""


class UnmatchedImportRowError(RuleViolationError):
    """A bulk import's row matches no post: the bulk path records snapshots of posts libops
    knows (import the posts' totals without ``--bulk`` first, or skip such rows)."""


# --- bulk imports: the review's mends (issue 11) ------------------------------------------


class BulkBatchValueError(BulkImportError, InvalidValueError):
    """A bulk import's batch holds a value a metric snapshot cannot hold: a count that is
    negative, not a whole number or over the limit, a time that is not an ISO 8601 moment
    with its offset, an own metric the platform does not report. The message names the row
    (its number in the file) and ``field`` the column; nothing is recorded."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class DuplicateBatchPostError(BulkBatchValueError):
    """A bulk import's batch names the same post twice in its ``posts`` (each post is
    listed once, with its campaign, and rows point at it)."""


class UnknownLoweredCountError(BulkBatchValueError):
    """A bulk import's batch says a row lowered something that is not one of the common
    counts (reads, views, likes, comments, shares, favourites, followers gained), or names
    a count twice."""


# --- bulk imports: the second review's mends (issue 11, bulkfix2) -------------------------


class BatchTimeOrderError(BulkBatchValueError):
    """A bulk import's batch gives one post's rows out of time order, or the same post and
    observation time twice: each post's snapshots rise in time, row after row."""


class StaleBatchRowError(BulkBatchValueError, StaleMetricsError):
    """A bulk import's batch holds a row observed before its post's latest snapshot (its
    own, or an earlier bulk import's), as ``Post.record_metrics`` refuses one."""


class LoweredMismatchError(BulkBatchValueError):
    """A bulk import's batch says a row lowered other counts than those its counts lower
    (against the post's previous snapshot): a lower count is a correction, said, never
    stored silently."""

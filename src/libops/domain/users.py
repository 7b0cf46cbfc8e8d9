"""The people who use libops: one :class:`User` aggregate per login, with roles, a scope, a
password hash and API tokens (their hashes).

A user's id is derived from the normalised login (:func:`user_id`), so a sign-in finds the
user without a scan. Only hashes are ever recorded: the password's (a memory-hard scrypt
hash, made by ``libops.application.authentication``) and each token secret's (SHA-256). The
domain makes neither; it keeps what it is given and checks who may change what:

- operations admins manage users (add, roles, scopes, disable, enable) and their tokens;
- anyone may set their own password, and issue or revoke their own tokens (a token's roles
  are a subset of the user's, so no one gains a role by it).

The same aggregate is the team's roster (issue 17, see docs/team.md): a user's duties
(:meth:`User.set_duties`), the day they joined (:meth:`User.join`, which also brings back
a member who left), the day they left (:meth:`User.leave`: leaving disables, so a member
who left can neither sign in nor act) and their training (:meth:`User.record_training`:
operations admins for anyone, and each member for themself). Days are checked against
``today``, given by the application (the domain reads no clock).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    DuplicateTrainingError,
    InvalidTransitionError,
    InvalidValueError,
    MemberLeftError,
    PermissionDeniedError,
    RuleViolationError,
    TeamDayError,
    TokenRolesError,
    TrainingHoursError,
    UnknownIdError,
)
from libops.domain.permissions import authorize
from libops.domain.validation import calendar_day, require_instance
from libops.domain.values import (
    Actor,
    Platform,
    Role,
    Scope,
    optional_line,
    require_day,
    require_line,
    require_text,
    storable_text,
    to_enum,
)

USER_NAMESPACE: Final = uuid5(NAMESPACE_URL, "https://libops.invalid/user")

LOGIN_MAX: Final = 100
"""Characters in a login."""

_LOGIN: Final = re.compile(r"^[a-z0-9][a-z0-9._@-]*$")

TOKEN_LABEL_MAX: Final = 200
"""Characters in a token's label."""

DUTIES_MAX: Final = 20
"""Duties a member holds at most."""

DUTY_MAX: Final = 100
"""Characters in one duty."""

TRAINING_HOURS_MAX: Final = Decimal(500)
"""Hours one training record holds at most."""

LEARNED_MAX: Final = 2_000
"""Characters in what a training taught."""


def normalise_login(login: object) -> str:
    """A login as libops keeps it: trimmed, lower case; letters, digits and ``. _ @ -``."""
    login = require_instance(str, login, "a login is text")
    text = login.strip().lower()
    if not text or len(text) > LOGIN_MAX or not _LOGIN.match(text):
        raise InvalidValueError(
            f"a login is 1 to {LOGIN_MAX} letters, digits and . _ @ - (starting with a letter "
            f"or digit), not {login!r}"
        )
    return text


def user_id(login: str) -> UUID:
    """The id of the user with ``login`` (derived from it: no lookup needed)."""
    return uuid5(USER_NAMESPACE, normalise_login(login))


def _roles(roles: Iterable[Role | str]) -> tuple[Role, ...]:
    if isinstance(roles, str | Role):
        roles = [roles]
    found = sorted({to_enum(Role, r) for r in roles}, key=lambda r: r.value)
    if not found:
        raise InvalidValueError("a user holds at least one role")
    return tuple(found)


@attrs.frozen
class Token:
    """An API token of a user, as recorded: its id, its secret's SHA-256, roles and expiry."""

    token_id: str
    secret_hash: str = attrs.field(repr=False)
    roles: frozenset[Role]
    expires_at: datetime
    label: str
    revoked: bool = False


@attrs.frozen
class Training:
    """A training a member took, as recorded."""

    training_id: str
    course: str
    provider: str
    day: date
    hours: Decimal
    learned: str
    certificate: str


class User(Aggregate):
    """A person who signs in to libops: login, display name, roles, scope and credentials."""

    TOPIC = "libops:User"

    class Event(events.Event):
        TOPIC = "libops:User.Event"

    class Added(events.Created):
        """A user was added with roles (and a scope: None is unrestricted)."""

        TOPIC = "libops:User.Added"
        actor_id: str
        login: str
        name: str
        roles: tuple[Role, ...]
        platforms: tuple[Platform, ...] | None
        campaigns: tuple[UUID, ...] | None

    class PasswordSet(Event):
        """The user's password was set; only its hash (with salt and parameters) is kept."""

        TOPIC = "libops:User.PasswordSet"
        actor_id: str
        password_hash: str

    class RolesChanged(Event):
        """The user's roles were replaced."""

        TOPIC = "libops:User.RolesChanged"
        actor_id: str
        roles: tuple[Role, ...]

    class ScopesChanged(Event):
        """The platforms and campaigns the user's roles reach were replaced."""

        TOPIC = "libops:User.ScopesChanged"
        actor_id: str
        platforms: tuple[Platform, ...] | None
        campaigns: tuple[UUID, ...] | None

    class Disabled(Event):
        """The user may no longer sign in, by password or token."""

        TOPIC = "libops:User.Disabled"
        actor_id: str
        reason: str

    class Enabled(Event):
        """A disabled user may sign in again."""

        TOPIC = "libops:User.Enabled"
        actor_id: str

    class TokenIssued(Event):
        """An API token was issued; only its secret's SHA-256 is kept."""

        TOPIC = "libops:User.TokenIssued"
        actor_id: str
        token_id: str
        secret_hash: str
        roles: tuple[Role, ...]
        expires_at: datetime
        label: str

    class TokenRevoked(Event):
        """An API token was revoked: it is refused from now on."""

        TOPIC = "libops:User.TokenRevoked"
        actor_id: str
        token_id: str

    # --- the team (issue 17): days are ISO text (YYYY-MM-DD) -------------------------

    class DutiesSet(Event):
        """The member's duties (free text lines, e.g. "WeChat editor") were replaced."""

        TOPIC = "libops:User.DutiesSet"
        actor_id: str
        duties: tuple[str, ...]

    class Joined(Event):
        """The member joined the team on ``day`` (or rejoined, after leaving)."""

        TOPIC = "libops:User.Joined"
        actor_id: str
        day: str

    class Left(Event):
        """The member left the team on ``day``: they are disabled from now on."""

        TOPIC = "libops:User.Left"
        actor_id: str
        day: str
        reason: str

    class TrainingRecorded(Event):
        """The member took a training: course, provider, day, hours and what they learned."""

        TOPIC = "libops:User.TrainingRecorded"
        actor_id: str
        training_id: str
        course: str
        provider: str
        day: str
        hours: Decimal
        learned: str
        certificate: str

    class TrainingCorrected(Event):
        """A training record was corrected, with the reason: the event holds the whole
        record as corrected (course, provider, day, hours, what was learned, certificate)."""

        TOPIC = "libops:User.TrainingCorrected"
        actor_id: str
        training_id: str
        course: str
        provider: str
        day: str
        hours: Decimal
        learned: str
        certificate: str
        reason: str

    @staticmethod
    def create_id(login: str, **_: Any) -> UUID:
        return user_id(login)

    # --- creation ----------------------------------------------------------------------

    @classmethod
    def add(
        cls,
        actor: Actor,
        *,
        login: str,
        name: str,
        roles: Iterable[Role | str],
        scope: Scope | None = None,
    ) -> User:
        """Add a user (operations admins only)."""
        authorize(actor, "user.add")
        scope = Scope() if scope is None else scope
        optional_line("a user's name", name)
        return cls(
            actor_id=actor.id,
            login=normalise_login(login),
            name=name.strip(),
            roles=_roles(roles),
            **_scope_fields(scope),
        )

    @event(Added)
    def __init__(
        self,
        actor_id: str,
        login: str,
        name: str,
        roles: tuple[Role, ...],
        platforms: tuple[Platform, ...] | None,
        campaigns: tuple[UUID, ...] | None,
    ) -> None:
        self.added_by = actor_id
        self.login = login
        self.name = name
        self.roles = frozenset(roles)
        self.scope = Scope(platforms, campaigns)
        self.password_hash: str | None = None
        self.disabled = False
        self.tokens: dict[str, Token] = {}
        self.duties: tuple[str, ...] = ()
        self.joined_on: date | None = None
        self.left_on: date | None = None
        self.trainings: dict[str, Training] = {}

    def __repr__(self) -> str:
        return f"User(login={self.login!r}, roles={sorted(r.value for r in self.roles)})"

    # --- queries -----------------------------------------------------------------------

    def actor(self, roles: Iterable[Role] | None = None) -> Actor:
        """The :class:`Actor` this user acts as (with ``roles``, a token's, if given)."""
        held = self.roles if roles is None else self.roles & frozenset(roles)
        return Actor(self.login, held, name=self.name, scope=self.scope)

    # --- commands ----------------------------------------------------------------------

    def _self_or_admin(self, actor: Actor, command: str) -> None:
        """Refuse ``actor`` (allowed ``command`` by the role table) another's credentials."""
        if actor.id != self.login and Role.OPERATIONS_ADMIN not in actor.roles:
            raise PermissionDeniedError(
                actor.id, f"{command} for {self.login}", {Role.OPERATIONS_ADMIN}
            )

    def set_password(self, actor: Actor, *, password_hash: str) -> None:
        """Keep a new password hash (the user themself, or an operations admin)."""
        authorize(actor, "user.set_password")
        self._self_or_admin(actor, "user.set_password")
        require_line("a password hash", password_hash, max_length=1_000)
        self._set_password(actor_id=actor.id, password_hash=password_hash)

    @event(PasswordSet)
    def _set_password(self, actor_id: str, password_hash: str) -> None:
        self.password_hash = password_hash

    def change_roles(self, actor: Actor, *, roles: Iterable[Role | str]) -> None:
        """Replace the user's roles (their tokens keep only the roles the user still holds)."""
        authorize(actor, "user.change_roles")
        self._change_roles(actor_id=actor.id, roles=_roles(roles))

    @event(RolesChanged)
    def _change_roles(self, actor_id: str, roles: tuple[Role, ...]) -> None:
        self.roles = frozenset(roles)

    def change_scopes(self, actor: Actor, *, scope: Scope) -> None:
        """Replace the platforms and campaigns the user's roles reach."""
        authorize(actor, "user.change_scopes")
        self._change_scopes(actor_id=actor.id, **_scope_fields(scope))

    @event(ScopesChanged)
    def _change_scopes(
        self,
        actor_id: str,
        platforms: tuple[Platform, ...] | None,
        campaigns: tuple[UUID, ...] | None,
    ) -> None:
        self.scope = Scope(platforms, campaigns)

    def disable(self, actor: Actor, *, reason: str = "") -> None:
        """Stop the user signing in (passwords and tokens alike)."""
        authorize(actor, "user.disable")
        if self.disabled:
            raise InvalidTransitionError("user", "disable", "disabled")
        optional_line("the reason", reason)
        self._disable(actor_id=actor.id, reason=reason.strip())

    @event(Disabled)
    def _disable(self, actor_id: str, reason: str) -> None:
        self.disabled = True

    def enable(self, actor: Actor) -> None:
        """Let a disabled user sign in again."""
        authorize(actor, "user.enable")
        self._not_left("be enabled")
        if not self.disabled:
            raise InvalidTransitionError("user", "enable", "enabled")
        self._enable(actor_id=actor.id)

    @event(Enabled)
    def _enable(self, actor_id: str) -> None:
        self.disabled = False

    # --- the team ----------------------------------------------------------------------

    @property
    def has_left(self) -> bool:
        """Whether the member left the team (and has not rejoined)."""
        return self.left_on is not None

    def _not_left(self, action: str) -> None:
        if self.left_on is not None:
            raise MemberLeftError(self.login, action)

    def set_duties(self, actor: Actor, *, duties: Iterable[str]) -> None:
        """Replace the member's duties (up to :data:`DUTIES_MAX` distinct lines)."""
        authorize(actor, "user.set_duties")
        self._not_left("be given duties")
        self._set_duties(actor_id=actor.id, duties=_duties(duties))

    @event(DutiesSet)
    def _set_duties(self, actor_id: str, duties: tuple[str, ...]) -> None:
        self.duties = tuple(duties)

    def join(self, actor: Actor, *, day: date, today: date) -> None:
        """Record the day the member joined; for a member who left, they rejoin (and may
        sign in again) on a day not before the one they left."""
        authorize(actor, "user.join")
        day = _past_day("the joining day", day, today)
        if self.left_on is not None and day < self.left_on:
            raise TeamDayError(
                f"{self.login} left on {self.left_on.isoformat()}: they cannot rejoin on "
                f"{day.isoformat()}, before that"
            )
        self._join(actor_id=actor.id, day=day.isoformat())

    @event(Joined)
    def _join(self, actor_id: str, day: str) -> None:
        if self.left_on is not None:
            self.left_on = None
            self.disabled = False
        self.joined_on = date.fromisoformat(day)

    def leave(self, actor: Actor, *, day: date, reason: str = "", today: date) -> None:
        """Record that the member left the team on ``day``: they are disabled (they can
        neither sign in nor act) until they rejoin."""
        authorize(actor, "user.leave")
        self._not_left("leave again")
        day = _past_day("the leaving day", day, today)
        if self.joined_on is not None and day < self.joined_on:
            raise TeamDayError(
                f"{self.login} joined on {self.joined_on.isoformat()}: they cannot leave on "
                f"{day.isoformat()}, before that"
            )
        optional_line("the reason", reason)
        self._leave(actor_id=actor.id, day=day.isoformat(), reason=reason.strip())

    @event(Left)
    def _leave(self, actor_id: str, day: str, reason: str) -> None:
        self.left_on = date.fromisoformat(day)
        self.disabled = True

    def record_training(
        self,
        actor: Actor,
        *,
        course: str,
        provider: str,
        day: date,
        hours: Decimal | int | str,
        learned: str = "",
        certificate: str = "",
        today: date,
    ) -> str:
        """Record a training the member took (an operations admin, or the member themself);
        returns its id (``t1``, ``t2``, ... in the order recorded)."""
        authorize(actor, "user.record_training")
        self._self_or_admin(actor, "user.record_training")
        self._not_left("have training recorded")
        course = _course(course)
        provider = _provider(provider)
        day = _training_day(day, today)
        amount = training_hours(hours)
        learned = _learned(learned)
        certificate = _certificate(certificate)
        self._no_other_training(course, day)
        training_id = f"t{len(self.trainings) + 1}"
        self._record_training(
            actor_id=actor.id,
            training_id=training_id,
            course=course,
            provider=provider,
            day=day.isoformat(),
            hours=amount,
            learned=learned,
            certificate=certificate,
        )
        return training_id

    def _no_other_training(self, course: str, day: date, *, but: str = "") -> None:
        """Refuse a second record of one course (in any case) on one day; ``but``: the
        record being corrected."""
        for known in self.trainings.values():
            if (
                known.training_id != but
                and known.course.casefold() == course.casefold()
                and known.day == day
            ):
                raise DuplicateTrainingError(
                    f"{self.login}'s training {course!r} on {day.isoformat()} is recorded "
                    f"already (as {known.training_id})"
                )

    @event(TrainingRecorded)
    def _record_training(
        self,
        actor_id: str,
        training_id: str,
        course: str,
        provider: str,
        day: str,
        hours: Decimal,
        learned: str,
        certificate: str,
    ) -> None:
        self.trainings[training_id] = Training(
            training_id, course, provider, date.fromisoformat(day), hours, learned, certificate
        )

    def correct_training(
        self,
        actor: Actor,
        training_id: str,
        *,
        reason: str,
        today: date,
        course: str | None = None,
        provider: str | None = None,
        day: date | None = None,
        hours: Decimal | int | str | None = None,
        learned: str | None = None,
        certificate: str | None = None,
    ) -> None:
        """Correct a training recorded in error (an operations admin, or the member
        themself), saying why: the fields given replace the recorded ones, the others stay.
        A member who left keeps their record, and it may still be corrected."""
        authorize(actor, "user.correct_training")
        self._self_or_admin(actor, "user.correct_training")
        known = self.trainings.get(training_id) if isinstance(training_id, str) else None
        if known is None:
            raise UnknownIdError(f"training of {self.login}", training_id)
        reason = require_text("the reason", reason, max_length=LEARNED_MAX)
        corrected = Training(
            known.training_id,
            known.course if course is None else _course(course),
            known.provider if provider is None else _provider(provider),
            known.day if day is None else _training_day(day, today),
            known.hours if hours is None else training_hours(hours),
            known.learned if learned is None else _learned(learned),
            known.certificate if certificate is None else _certificate(certificate),
        )
        if corrected == known:
            raise InvalidValueError(
                f"the correction changes nothing in {self.login}'s training {training_id}"
            )
        self._no_other_training(corrected.course, corrected.day, but=training_id)
        self._correct_training(
            actor_id=actor.id,
            training_id=training_id,
            course=corrected.course,
            provider=corrected.provider,
            day=corrected.day.isoformat(),
            hours=corrected.hours,
            learned=corrected.learned,
            certificate=corrected.certificate,
            reason=reason,
        )

    @event(TrainingCorrected)
    def _correct_training(
        self,
        actor_id: str,
        training_id: str,
        course: str,
        provider: str,
        day: str,
        hours: Decimal,
        learned: str,
        certificate: str,
        reason: str,
    ) -> None:
        self.trainings[training_id] = Training(
            training_id, course, provider, date.fromisoformat(day), hours, learned, certificate
        )

    def issue_token(
        self,
        actor: Actor,
        *,
        token_id: str,
        secret_hash: str,
        roles: Iterable[Role | str] | None,
        expires_at: datetime,
        label: str = "",
    ) -> None:
        """Keep a new token's hash (the user themself, or an operations admin)."""
        authorize(actor, "user.issue_token")
        self._self_or_admin(actor, "user.issue_token")
        if self.disabled:
            raise InvalidTransitionError("user", "issue a token for", "disabled")
        # Someone issuing their own token gives it at most the roles they act with now (a
        # token's, if they signed in by one); an operations admin, any of the user's.
        held = self.roles if Role.OPERATIONS_ADMIN in actor.roles else self.roles & actor.roles
        wanted = held if roles is None else frozenset(_roles(roles))
        extra = wanted - held
        if extra:
            raise TokenRolesError(
                f"{actor.id} may not give {self.login}'s token the roles "
                f"{', '.join(sorted(r.value for r in extra))}: a token's roles are some of "
                "its user's (and of the roles its issuer acts with)"
            )
        if not wanted:
            raise TokenRolesError("a token holds at least one role")
        if token_id in self.tokens:
            raise RuleViolationError(f"{self.login} has a token {token_id} already")
        optional_line("a token's label", label)
        if len(label) > TOKEN_LABEL_MAX:
            raise InvalidValueError(f"a token's label is at most {TOKEN_LABEL_MAX} characters")
        self._issue_token(
            actor_id=actor.id,
            token_id=token_id,
            secret_hash=secret_hash,
            roles=tuple(sorted(wanted, key=lambda r: r.value)),
            expires_at=expires_at,
            label=label.strip(),
        )

    @event(TokenIssued)
    def _issue_token(
        self,
        actor_id: str,
        token_id: str,
        secret_hash: str,
        roles: tuple[Role, ...],
        expires_at: datetime,
        label: str,
    ) -> None:
        self.tokens[token_id] = Token(token_id, secret_hash, frozenset(roles), expires_at, label)

    def revoke_token(self, actor: Actor, *, token_id: str) -> None:
        """Revoke one of the user's tokens (the user themself, or an operations admin)."""
        authorize(actor, "user.revoke_token")
        self._self_or_admin(actor, "user.revoke_token")
        token = self.tokens.get(token_id)
        if token is None:
            raise InvalidValueError(f"{self.login} has no token {token_id!r}")
        if token.revoked:
            raise InvalidTransitionError("token", "revoke", "revoked")
        self._revoke_token(actor_id=actor.id, token_id=token_id)

    @event(TokenRevoked)
    def _revoke_token(self, actor_id: str, token_id: str) -> None:
        self.tokens[token_id] = attrs.evolve(self.tokens[token_id], revoked=True)


def _scope_fields(scope: Scope) -> dict[str, Any]:
    scope = require_instance(Scope, scope, "a scope is a Scope")
    return {
        "platforms": None
        if scope.platforms is None
        else tuple(sorted(scope.platforms, key=lambda p: p.value)),
        "campaigns": None if scope.campaigns is None else tuple(sorted(scope.campaigns)),
    }


def _duties(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    found: list[str] = []
    for value in values:
        duty = require_line("a duty", value, max_length=DUTY_MAX).strip()
        if duty not in found:
            found.append(duty)
    if len(found) > DUTIES_MAX:
        raise InvalidValueError(f"a member holds at most {DUTIES_MAX} duties, not {len(found)}")
    return tuple(found)


def _past_day(what: str, value: object, today: date) -> date:
    value = require_day(what, calendar_day(value, f"{what} is a date"))
    if value > today:
        raise TeamDayError(
            f"{what} ({value.isoformat()}) is in the future (today is {today.isoformat()})"
        )
    return value


# The fields of a training record, checked alike when it is recorded and when corrected.


def _course(value: object) -> str:
    return require_line("a training's course", value)


def _provider(value: object) -> str:
    return optional_line("a training's provider", value)


def _training_day(value: object, today: date) -> date:
    return _past_day("the training day", value, today)


def _learned(value: object) -> str:
    return storable_text("what a training taught", value, max_length=LEARNED_MAX).strip()


def _certificate(value: object) -> str:
    return optional_line("a certificate reference", value)


def training_hours(value: object) -> Decimal:
    """A training's hours: a number above 0, at most :data:`TRAINING_HOURS_MAX`, with at
    most two decimal places (a Decimal, an int or text; never a float)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TrainingHoursError(
            f"a training's hours are a Decimal, an int or text, not {type(value).__name__}"
        )
    try:
        hours = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise TrainingHoursError(f"a training's hours are a number, not {value!r}") from None
    if not hours.is_finite() or not Decimal(0) < hours <= TRAINING_HOURS_MAX:
        raise TrainingHoursError(
            f"a training's hours are above 0 and at most {TRAINING_HOURS_MAX}, not {value}"
        )
    if hours != hours.quantize(Decimal("0.01")):
        raise TrainingHoursError(f"a training's hours have at most two decimal places, not {value}")
    return hours

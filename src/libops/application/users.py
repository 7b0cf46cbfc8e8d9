"""Users, their passwords and API tokens, as commands (``user.*``) and ``ops.users``.

Every change goes through the one command path. Commands carrying a secret
(``user.set_password``) or returning one (``user.issue_token``) take no idempotency key,
since a keyed command's result is stored; the password is hashed before anything is
recorded, never shown by ``repr``, and never repeated in an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

import attrs

from libops.application.authentication import (
    TOKEN_DAYS_DEFAULT,
    TOKEN_DAYS_MAX,
    check_password_policy,
    hash_password,
    new_token,
)
from libops.application.commands import (
    Command,
    Context,
    Executes,
    command,
    command_method,
    handles,
    optional_items,
)
from libops.domain.errors import TokenLifetimeError, UnknownIdError, UserExistsError
from libops.domain.users import User, normalise_login, user_id
from libops.domain.values import Actor, Platform, Role, Scope


def _roles(values: Iterable[Role | str]) -> tuple[Role | str, ...]:
    items = optional_items(values)
    return () if items is None else items


def _load(ctx: Context, login: str) -> User:
    user = ctx.find(User, user_id(login))
    if user is None:  # named by login, not by the id derived from it
        raise UnknownIdError("user", normalise_login(login))
    return user


@command("user.add")
@attrs.frozen
class AddUser(Command[UUID]):
    """Add a user with roles, limited (if given) to some platforms' accounts or campaigns."""

    login: str
    name: str
    roles: tuple[Role | str, ...] = attrs.field(converter=_roles)
    platforms: tuple[Platform | str, ...] | None = attrs.field(
        default=None, converter=optional_items
    )
    campaigns: tuple[UUID | str, ...] | None = attrs.field(default=None, converter=optional_items)


@handles(AddUser)
def _add(ctx: Context, actor: Actor, command: AddUser) -> UUID:
    login = normalise_login(command.login)
    if ctx.find(User, user_id(login)) is not None:
        raise UserExistsError(login)
    scope = Scope(command.platforms, command.campaigns)
    user = User.add(actor, login=login, name=command.name, roles=command.roles, scope=scope)
    return ctx.add(user).id


@command("user.set_password")
@attrs.frozen
class SetPassword(Command[None]):
    """Set a user's password (12 to 1,024 characters); only its scrypt hash is recorded."""

    KEYED: ClassVar[bool] = False
    login: str
    password: str = attrs.field(repr=False)


@handles(SetPassword)
def _set_password(ctx: Context, actor: Actor, command: SetPassword) -> None:
    user = _load(ctx, command.login)
    check_password_policy(command.password)
    user.set_password(actor, password_hash=hash_password(command.password))


@command("user.change_roles")
@attrs.frozen
class ChangeRoles(Command[None]):
    """Replace a user's roles (their tokens keep only the roles the user still holds)."""

    login: str
    roles: tuple[Role | str, ...] = attrs.field(converter=_roles)


@handles(ChangeRoles)
def _change_roles(ctx: Context, actor: Actor, command: ChangeRoles) -> None:
    _load(ctx, command.login).change_roles(actor, roles=command.roles)


@command("user.change_scopes")
@attrs.frozen
class ChangeScopes(Command[None]):
    """Replace the platforms and campaigns a user's roles reach (None: all of them)."""

    login: str
    platforms: tuple[Platform | str, ...] | None = attrs.field(
        default=None, converter=optional_items
    )
    campaigns: tuple[UUID | str, ...] | None = attrs.field(default=None, converter=optional_items)


@handles(ChangeScopes)
def _change_scopes(ctx: Context, actor: Actor, command: ChangeScopes) -> None:
    scope = Scope(command.platforms, command.campaigns)
    _load(ctx, command.login).change_scopes(actor, scope=scope)


@command("user.disable")
@attrs.frozen
class DisableUser(Command[None]):
    """Stop a user signing in, by password or token."""

    login: str
    reason: str = ""


@handles(DisableUser)
def _disable(ctx: Context, actor: Actor, command: DisableUser) -> None:
    _load(ctx, command.login).disable(actor, reason=command.reason)


@command("user.enable")
@attrs.frozen
class EnableUser(Command[None]):
    """Let a disabled user sign in again."""

    login: str


@handles(EnableUser)
def _enable(ctx: Context, actor: Actor, command: EnableUser) -> None:
    _load(ctx, command.login).enable(actor)


@attrs.frozen
class IssuedToken:
    """A token just issued: its id, its text (shown this once, never again) and expiry."""

    token_id: str
    token: str = attrs.field(repr=False)
    expires_at: datetime


@command("user.issue_token")
@attrs.frozen
class IssueToken(Command[IssuedToken]):
    """Issue an API token for a user, with some of their roles (all, if none are named),
    for ``expires_days`` days (1 to 366; 90 if not given)."""

    KEYED: ClassVar[bool] = False
    login: str
    roles: tuple[Role | str, ...] | None = attrs.field(default=None, converter=optional_items)
    expires_days: int = TOKEN_DAYS_DEFAULT
    label: str = ""


@handles(IssueToken)
def _issue_token(ctx: Context, actor: Actor, command: IssueToken) -> IssuedToken:
    user = _load(ctx, command.login)
    days = command.expires_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= TOKEN_DAYS_MAX:
        raise TokenLifetimeError(
            f"a token lasts 1 to {TOKEN_DAYS_MAX} days, not {command.expires_days!r}"
        )
    token_id, text, hashed = new_token(user.id)
    expires_at = ctx.now() + timedelta(days=days)
    user.issue_token(
        actor,
        token_id=token_id,
        secret_hash=hashed,
        roles=command.roles,
        expires_at=expires_at,
        label=command.label,
    )
    return IssuedToken(token_id, text, expires_at)


@command("user.revoke_token")
@attrs.frozen
class RevokeToken(Command[None]):
    """Revoke one of a user's API tokens."""

    login: str
    token_id: str


@handles(RevokeToken)
def _revoke_token(ctx: Context, actor: Actor, command: RevokeToken) -> None:
    _load(ctx, command.login).revoke_token(actor, token_id=command.token_id)


# --- the team (issue 17): duties, joining, leaving, training -------------------------------


def _duty_lines(values: Iterable[str]) -> tuple[str, ...]:
    items = optional_items(values)
    return () if items is None else items


@command("user.set_duties")
@attrs.frozen
class SetDuties(Command[None]):
    """Replace a member's duties (free text lines, e.g. "WeChat editor"; none clears them)."""

    login: str
    duties: tuple[str, ...] = attrs.field(converter=_duty_lines)


@handles(SetDuties)
def _set_duties(ctx: Context, actor: Actor, command: SetDuties) -> None:
    _load(ctx, command.login).set_duties(actor, duties=command.duties)


@command("user.join")
@attrs.frozen
class JoinTeam(Command[None]):
    """Record the day a member joined the team (not in the future); a member who left
    rejoins this way, and may sign in again."""

    login: str
    on: date


@handles(JoinTeam)
def _join(ctx: Context, actor: Actor, command: JoinTeam) -> None:
    _load(ctx, command.login).join(actor, day=command.on, today=ctx.deps.today())


@command("user.leave")
@attrs.frozen
class LeaveTeam(Command[None]):
    """Record the day a member left the team (not in the future): they are disabled, so
    they can neither sign in nor act, until they rejoin."""

    login: str
    on: date
    reason: str = ""


@handles(LeaveTeam)
def _leave(ctx: Context, actor: Actor, command: LeaveTeam) -> None:
    _load(ctx, command.login).leave(
        actor, day=command.on, reason=command.reason, today=ctx.deps.today()
    )


@command("user.record_training")
@attrs.frozen
class RecordTraining(Command[str]):
    """Record a training a member took: course, provider, day (not in the future), hours
    (above 0, at most 500), what they learned and a certificate reference; returns its id."""

    login: str
    course: str
    on: date
    hours: Decimal | str
    provider: str = ""
    learned: str = ""
    certificate: str = ""


@handles(RecordTraining)
def _record_training(ctx: Context, actor: Actor, command: RecordTraining) -> str:
    return _load(ctx, command.login).record_training(
        actor,
        course=command.course,
        provider=command.provider,
        day=command.on,
        hours=command.hours,
        learned=command.learned,
        certificate=command.certificate,
        today=ctx.deps.today(),
    )


@command("user.correct_training")
@attrs.frozen(kw_only=True)
class CorrectTraining(Command[None]):
    """Correct a training recorded in error (an operations admin, or the member themself),
    saying why: the fields given replace the recorded ones, those left out (None) stay."""

    login: str
    training_id: str
    reason: str
    course: str | None = None
    on: date | None = None
    hours: Decimal | str | None = None
    provider: str | None = None
    learned: str | None = None
    certificate: str | None = None


@handles(CorrectTraining)
def _correct_training(ctx: Context, actor: Actor, command: CorrectTraining) -> None:
    _load(ctx, command.login).correct_training(
        actor,
        command.training_id,
        reason=command.reason,
        course=command.course,
        provider=command.provider,
        day=command.on,
        hours=command.hours,
        learned=command.learned,
        certificate=command.certificate,
        today=ctx.deps.today(),
    )


class UserService(Executes):
    """The users of a store: ``ops.users``."""

    add = command_method(AddUser)
    set_password = command_method(SetPassword)
    change_roles = command_method(ChangeRoles)
    change_scopes = command_method(ChangeScopes)
    disable = command_method(DisableUser)
    enable = command_method(EnableUser)
    issue_token = command_method(IssueToken)
    revoke_token = command_method(RevokeToken)
    set_duties = command_method(SetDuties)
    join = command_method(JoinTeam)
    leave = command_method(LeaveTeam)
    record_training = command_method(RecordTraining)
    correct_training = command_method(CorrectTraining)

    def get(self, login: str) -> User:
        """The user with ``login``; :class:`UnknownIdError` if there is none."""
        return self._app.load(User, user_id(login), kind="user")

    def find(self, login: str) -> User | None:
        """The user with ``login``, or None."""
        return self._app.find(User, user_id(login))

    def logins(self) -> list[str]:
        """Every user's login, sorted (read from the log's ``User.Added`` events)."""
        found: set[str] = set()
        for notification in self._app.notifications(User.Added.TOPIC):
            found.add(self._event_login(notification))
        return sorted(found)

    def _event_login(self, notification: Any) -> str:
        event = self._app.mapper.to_domain_event(notification)
        return str(getattr(event, "login", ""))

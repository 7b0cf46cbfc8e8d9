"""The people who use libops: one :class:`User` aggregate per login, with roles, a scope, a
password hash and API tokens (their hashes).

A user's id is derived from the normalised login (:func:`user_id`), so a sign-in finds the
user without a scan. Only hashes are ever recorded: the password's (a memory-hard scrypt
hash, made by ``libops.application.authentication``) and each token secret's (SHA-256). The
domain makes neither; it keeps what it is given and checks who may change what:

- operations admins manage users (add, roles, scopes, disable, enable) and their tokens;
- anyone may set their own password, and issue or revoke their own tokens (a token's roles
  are a subset of the user's, so no one gains a role by it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    RuleViolationError,
    TokenRolesError,
)
from libops.domain.permissions import authorize
from libops.domain.values import (
    Actor,
    Platform,
    Role,
    Scope,
    optional_line,
    require_line,
    to_enum,
)

USER_NAMESPACE: Final = uuid5(NAMESPACE_URL, "https://libops.invalid/user")

LOGIN_MAX: Final = 100
"""Characters in a login."""

_LOGIN: Final = re.compile(r"^[a-z0-9][a-z0-9._@-]*$")

TOKEN_LABEL_MAX: Final = 200
"""Characters in a token's label."""


def normalise_login(login: object) -> str:
    """A login as libops keeps it: trimmed, lower case; letters, digits and ``. _ @ -``."""
    if not isinstance(login, str):
        raise InvalidValueError(f"a login is text, not {type(login).__name__}")
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
        if not self.disabled:
            raise InvalidTransitionError("user", "enable", "enabled")
        self._enable(actor_id=actor.id)

    @event(Enabled)
    def _enable(self, actor_id: str) -> None:
        self.disabled = False

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
    if not isinstance(scope, Scope):
        raise InvalidValueError(f"a scope is a Scope, not {type(scope).__name__}")
    return {
        "platforms": None
        if scope.platforms is None
        else tuple(sorted(scope.platforms, key=lambda p: p.value)),
        "campaigns": None if scope.campaigns is None else tuple(sorted(scope.campaigns)),
    }

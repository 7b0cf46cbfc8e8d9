"""Access tokens cached until they expire: :class:`Token` (a secret and its expiry) and
:class:`TokenCache`, which asks a refresh callback for a new one when a token expired, or
once when the platform refused it. :mod:`libops.adapters.credentials` re-exports them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs

from libops.adapters.credential_entries import checked_part, checked_value, now_of
from libops.domain.errors import (
    CredentialError,
    PlatformError,
    TokenRefreshError,
)
from libops.domain.ports import Clock, Secret


@attrs.frozen
class Token:
    """An access token and when it stops working (None: it does not expire)."""

    value: Secret = attrs.field(converter=checked_value)
    expires_at: datetime | None = None

    def valid_at(self, now: datetime, margin: timedelta) -> bool:
        """Whether the token still works ``margin`` after ``now``."""
        return self.expires_at is None or now + margin < self.expires_at


Refresh = Callable[[str], Token]
"""Gets a new token for an account (from the platform's OAuth endpoint, say)."""


class TokenCache:
    """Each account's access token, kept until it expires and then refreshed once.

    ``refresh(account)`` is the callback that gets a new :class:`Token`; :meth:`get` calls it
    when the account has no token yet or its token expires within ``margin``. An HTTP adapter
    that got a 401 calls :meth:`invalidate` with the token it used and then :meth:`get` again:
    the token is refreshed once, however many requests saw the same 401 at once. A refresh
    that fails with a :class:`~libops.domain.errors.PlatformError` or a
    :class:`~libops.domain.errors.CredentialError` raises it as it is (the platform's own
    class, which an adapter words without a secret); any other failure raises
    :class:`TokenRefreshError` (its message names the account and the error's kind, never
    its text, which might quote a token).
    """

    def __init__(
        self,
        refresh: Refresh,
        *,
        clock: Clock | None = None,
        margin: timedelta = timedelta(seconds=60),
    ) -> None:
        if not callable(refresh):
            raise TypeError("refresh must be a function of the account")
        self._refresh = refresh
        self._clock = clock
        self._margin = margin
        self._tokens: dict[str, Token] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.refreshes = 0
        """How many times the callback was called (for tests and diagnostics)."""

    def __repr__(self) -> str:
        return f"TokenCache({len(self._tokens)} tokens)"

    def _lock(self, account: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(account, threading.Lock())

    def get(self, account: str) -> Secret:
        """A valid token for ``account``: the cached one, or a refreshed one."""
        account = checked_part("account", account)
        with self._lock(account):
            token = self._tokens.get(account)
            if token is None or not token.valid_at(now_of(self._clock), self._margin):
                token = self._call_refresh(account)
            return token.value

    def invalidate(self, account: str, used: Secret) -> None:
        """The platform refused ``used`` (401): drop it, unless it was refreshed already."""
        account = checked_part("account", account)
        with self._lock(account):
            token = self._tokens.get(account)
            if token is not None and token.value == used:
                del self._tokens[account]

    def call(
        self, account: str, request: Callable[[Secret], Any], unauthorized: type[Exception]
    ) -> Any:
        """Run ``request`` with a valid token; on ``unauthorized`` (a 401), refresh once and
        run it again (a second 401 is raised as it is)."""
        token = self.get(account)
        try:
            return request(token)
        except unauthorized:
            self.invalidate(account, token)
            return request(self.get(account))

    def _call_refresh(self, account: str) -> Token:
        self.refreshes += 1
        try:
            token = self._refresh(account)
        except (PlatformError, CredentialError):
            raise  # the platform's or the store's own error: its message holds no secret
        except Exception as error:
            # Any other error's text may quote a secret: only its kind is named.
            raise TokenRefreshError(
                f"the token of {account!r} could not be refreshed ({type(error).__name__})"
            ) from None
        if not isinstance(token, Token):
            raise TokenRefreshError(
                f"the refresh of {account!r} gave a {type(token).__name__}, not a Token"
            )
        self._tokens[account] = token
        return token

"""One Douyin account's OAuth tokens: the access token read from the credential store while
it is good, renewed with the refresh token shortly before it expires or once when Douyin
refuses it, the refresh token renewed before it runs out, and what was renewed written back
to the store (or kept for this process when the store only reads). :class:`DouyinTokens`
is the base of :class:`~libops.adapters.platforms_http.douyin.DouyinGateway`."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import httpx

from libops.adapters.credentials import Secret, Token, TokenCache
from libops.adapters.platforms_http._credentials import required
from libops.adapters.platforms_http._douyin_api import (
    EXPIRES_ENTRY,
    REFRESH_DEAD,
    REFRESH_EXPIRES_ENTRY,
    RENEW_WITHIN,
    TOKEN_DEAD,
    classify,
    code_of,
    seconds_of,
    words_of,
)
from libops.adapters.platforms_http._http import (
    HttpGateway,
)
from libops.domain.errors import (
    PlatformCredentialsError,
    PlatformError,
    ReadOnlyCredentialStoreError,
)
from libops.domain.ports import CredentialStore


class DouyinTokens(HttpGateway):
    """The token side of the Douyin gateway; its constructor sets the credential store,
    the account and the app's ``client_key`` these read, and the cache they fill."""

    _credentials: CredentialStore
    _account: str
    _client_key: str
    _tokens: TokenCache
    _refused: Secret | None
    _unkept: dict[str, str]
    _lock: threading.Lock

    def _entry(self, name: str) -> str:
        return required(self._credentials, "douyin", self._account, name).reveal()

    def _fresh_token(self, account: str) -> Token:
        """The stored access token while it is good, else a renewed one (stored too)."""
        stored = self._read(account, "access_token")
        until = self._stored_time(account, EXPIRES_ENTRY)
        good = until is None or self._clock.now() + timedelta(seconds=60) < until
        with self._lock:
            refused = self._refused
        if stored is not None and stored != refused and good:
            return Token(stored, until)
        return self._renew_token(account)

    def _read(self, account: str, name: str) -> Secret | None:
        """The entry as this process last renewed it, else as the store holds it."""
        with self._lock:
            unkept = self._unkept.get(name)
        return Secret(unkept) if unkept is not None else self._credentials.get(account, name)

    def _keep(self, account: str, name: str, value: str) -> bool:
        """Write a renewed entry to the credential store; if the store only reads (the
        environment), keep it for this process and say False."""
        try:
            self._credentials.set(account, name, value)
        except ReadOnlyCredentialStoreError:
            with self._lock:
                self._unkept[name] = value
            return False
        with self._lock:
            self._unkept.pop(name, None)
        return True

    def _keep_with_expiry(
        self, account: str, name: str, value: str, expiry: str, until: datetime | None
    ) -> bool:
        """Keep a renewed token and, where it went (the store, else this process), when it
        expires: a store never holds an expiry beside a token it did not keep."""
        kept = self._keep(account, name, value)
        if until is not None:
            if kept:
                self._keep(account, expiry, until.isoformat())
            else:
                with self._lock:
                    self._unkept[expiry] = until.isoformat()
        return kept

    def _stored_time(self, account: str, name: str) -> datetime | None:
        stored = self._read(account, name)
        if stored is None:
            return None
        try:
            return datetime.fromisoformat(stored.reveal())
        except ValueError:
            return None

    def _refresh_token(self, account: str) -> Secret:
        """The stored refresh token, renewed first when it runs out within
        :data:`RENEW_WITHIN` (if Douyin will not renew it, it is used as it is)."""
        refresh = self._read(account, "refresh_token")
        if refresh is None:
            raise PlatformCredentialsError(
                "douyin", f"no refresh token is stored for {account!r}; authorise libops again"
            )
        # Its expiry is stored only beside a refresh token the store kept (_renew_token): a
        # store that could not keep a renewed one never has it, and the old one stays good.
        stored = self._credentials.get(account, REFRESH_EXPIRES_ENTRY)
        until = self._stored_time(account, REFRESH_EXPIRES_ENTRY) if stored else None
        if until is None or until - self._clock.now() >= RENEW_WITHIN:
            return refresh
        response = self._http.send(
            "POST",
            "/oauth/renew_refresh_token/",
            headers=dict,
            data={"client_key": self._client_key, "refresh_token": refresh.reveal()},
            classify=classify,
        )
        data = response.json().get("data") if response.status_code == 200 else None
        if not isinstance(data, dict) or data.get("error_code") or not data.get("refresh_token"):
            return refresh  # not granted renew_refresh_token, or renewed 5 times already
        renewed = str(data["refresh_token"])
        lifetime = seconds_of(data.get("expires_in"))
        until = None if lifetime is None else self._clock.now() + lifetime
        self._keep_with_expiry(account, "refresh_token", renewed, REFRESH_EXPIRES_ENTRY, until)
        return Secret(renewed)

    def _send_refresh(self, refresh: Secret) -> httpx.Response:
        return self._http.send(
            "POST",
            "/oauth/refresh_token/",
            headers=dict,
            data={
                "client_key": self._client_key,
                "grant_type": "refresh_token",
                "refresh_token": refresh.reveal(),
            },
            classify=classify,
        )

    def _renew_token(self, account: str) -> Token:
        refresh = self._refresh_token(account)
        response = self._send_refresh(refresh)
        if code_of(response) == REFRESH_DEAD:
            # Another process may have renewed it meanwhile (a rotating refresh token: the
            # one read here died when that process's refresh handed out a new one): once,
            # with the refresh token the store holds now, if it is another.
            stored = self._credentials.get(account, "refresh_token")
            if stored is not None and stored != refresh:
                refresh = stored
                response = self._send_refresh(refresh)
        data = response.json().get("data") if response.status_code == 200 else None
        if not isinstance(data, dict) or data.get("error_code") or not data.get("access_token"):
            if code_of(response) is not None:
                raise PlatformCredentialsError(
                    "douyin",
                    f"Douyin would not renew the access token ({words_of(response)}); the refresh "
                    "token lasts 30 days: a staff member must authorise libops again in Douyin "
                    f"and store the new tokens (`libops credentials set {account} "
                    "access_token --store STORE` and `... refresh_token`, with the job's store: "
                    "on a PostgreSQL store they go to its credentials table, read first)",
                )
            raise PlatformError(f"douyin: renewing the access token failed ({words_of(response)})")
        lifetime = seconds_of(data.get("expires_in"))
        until = None if lifetime is None else self._clock.now() + lifetime
        token = str(data["access_token"])
        self._keep_with_expiry(account, "access_token", token, EXPIRES_ENTRY, until)
        # Douyin may hand out a new refresh token (the old one then dies): kept at once, and
        # its expiry only beside a refresh token the store kept.
        refresh_life = seconds_of(data.get("refresh_expires_in"))
        refresh_until = None if refresh_life is None else self._clock.now() + refresh_life
        # An answer without one leaves the refresh token as it was: its value, never the
        # Secret's placeholder text, is what stays in the store.
        new_refresh = str(data.get("refresh_token") or "") or refresh.reveal()
        if (
            self._keep_with_expiry(
                account, "refresh_token", new_refresh, REFRESH_EXPIRES_ENTRY, refresh_until
            )
            and refresh_until is not None
        ):
            self._refresh_token(account)  # renewed now if it would run out before the next
        with self._lock:
            self._refused = None
        return Token(token, until)

    def _headers(self) -> dict[str, str]:
        return {"access-token": self._tokens.get(self._account).reveal()}

    def _renew(self, response: httpx.Response) -> bool:
        """After an expired-token answer: drop the token so the next call renews it."""
        if code_of(response) not in TOKEN_DEAD:
            return False
        used = Secret(str(response.request.headers.get("access-token", "")))
        with self._lock:
            self._refused = used
        self._tokens.invalidate(self._account, used)
        return True

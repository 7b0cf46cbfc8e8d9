"""One WeChat Official Account's authorised calls: the access token (fetched from
``/cgi-bin/stable_token`` with the AppID and AppSecret, cached, forced anew once when WeChat
refuses it) in each call's query, and WeChat's ``errcode`` (in HTTP 200 answers) read as a
retry, a renewal or the error it stands for. :class:`WeChatCalls` is the base of
:class:`~libops.adapters.platforms_http.wechat.WeChatGateway`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import httpx

from libops.adapters.credentials import Token, TokenCache
from libops.adapters.platforms_http._http import (
    HttpGateway,
    TokenProvider,
    json_object,
)
from libops.adapters.platforms_http._wechat_api import (
    BUSY,
    EXPIRED_TOKEN,
    QUOTA,
    quota_wait,
    refusal_for,
)
from libops.domain.errors import (
    CredentialError,
    PlatformCredentialsError,
    PlatformError,
    PlatformRateLimitedError,
    PlatformRejectedError,
)
from libops.domain.ports import Secret


class WeChatCalls(HttpGateway):
    """Calls WeChat's API as the account ``_appid`` (whose AppSecret ``_secret`` returns),
    with the tokens ``_tokens`` caches; the gateway's constructor sets them."""

    _appid: str
    _secret: TokenProvider
    _tokens: TokenCache
    _refused: Secret | None
    _lock: threading.Lock

    def _call(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        allow: frozenset[int] = frozenset(),
        before_retry: Callable[[], dict[str, Any] | None] | None = None,
        publishing: bool = False,
        statistics: bool = False,
        authorised: bool = True,
    ) -> dict[str, Any]:
        """One API call: its JSON body when ``errcode`` is 0 (or in ``allow``), retrying -1,
        45009/45011, 5xx, 429 and timeouts with jittered backoff, renewing the token once
        (the exchange's retry loop; WeChat's codes come in HTTP 200 answers)."""
        sent: list[Secret | None] = []  # the token of each attempt, the last one last
        retried: list[dict[str, Any] | None] = []  # what each look-up before a repeat found

        def params() -> dict[str, str] | None:
            token = self._token() if authorised else None
            sent.append(token)
            return None if token is None else {"access_token": token.reveal()}

        def classify(response: httpx.Response) -> int | PlatformError | None:
            if response.status_code >= 300:
                return None  # the HTTP status says it
            code = self._json(response, path).get("errcode", 0)
            if not isinstance(code, int):
                raise PlatformError(f"wechat sent a bad errcode {code!r}", retryable=True)
            if code == 0 or code in allow:
                return None
            if code in EXPIRED_TOKEN:
                return 401
            if code in BUSY:
                words = str(response.json().get("errmsg") or "")
                return PlatformError(f"wechat is busy (-1 {words}) answering {path}")
            if code in QUOTA:
                return PlatformRateLimitedError("wechat", quota_wait(code, self._clock))
            return 400

        def renew(response: httpx.Response) -> bool:
            token = sent[-1]
            if token is None or response.status_code >= 300:
                return False  # a real HTTP 4xx is refused as it is
            if self._json(response, path).get("errcode") not in EXPIRED_TOKEN:
                return False  # a permanent refusal (48001, ...): no forced token, no repeat
            with self._lock:
                self._refused = token
            self._tokens.invalidate(self._account, token)
            return True

        def look_up() -> httpx.Response | None:
            retried.append(None if before_retry is None else before_retry())
            return None if retried[-1] is None else httpx.Response(200)

        response = self._http.send(
            "POST",
            path,
            headers=lambda: {"Content-Type": "application/json; charset=utf-8"},
            json=dict(body),
            params=params,
            renew=renew,
            before_retry=look_up,
            classify=classify,
        )
        if retried and retried[-1] is not None:
            return retried[-1]  # a repeat's look-up found it done
        data = self._json(response, path)
        code = data.get("errcode", 0)
        if code == 0 or code in allow:
            if retried:
                data["_retried"] = True
            return data
        words = str(data.get("errmsg") or "")
        raise refusal_for(code, words, path, publishing=publishing, statistics=statistics)

    @property
    def _account(self) -> str:
        return f"wechat/{self._appid}"

    def _json(self, response: httpx.Response, path: str) -> dict[str, Any]:
        if response.status_code >= 400:
            raise PlatformRejectedError("wechat", response.status_code, response.reason_phrase)
        data = json_object(response)
        if data is None:
            raise PlatformError(f"wechat answered {path} with no JSON object", retryable=True)
        return data

    def _token(self) -> Secret:
        try:
            return self._tokens.get(self._account)
        except CredentialError as failed:  # the secret is not stored, or its reader failed
            raise PlatformCredentialsError(
                "wechat",
                f"no access token could be fetched ({failed}); check the account's appid and "
                "app_secret in the credential store",
            ) from None

    def _fetch_token(self, _account: str) -> Token:
        """A token from ``/cgi-bin/stable_token``; forced anew when WeChat refused the one
        the normal mode gives (it returns the same token while it is valid). WeChat's
        refusal reaches the caller as it is (the token cache lets it through)."""
        with self._lock:
            refused = self._refused
        token = self._stable_token(force=False)
        if refused is not None and token.value == refused:
            token = self._stable_token(force=True)
        with self._lock:
            self._refused = None
        return token

    def _stable_token(self, *, force: bool) -> Token:
        data = self._call(
            "/cgi-bin/stable_token",
            {
                "grant_type": "client_credential",
                "appid": self._appid,
                "secret": self._secret(),
                "force_refresh": force,
            },
            authorised=False,
        )
        value, lifetime = data.get("access_token"), data.get("expires_in")
        if not isinstance(value, str) or not value or not isinstance(lifetime, int):
            raise PlatformError("wechat: stable_token answered without a token", retryable=True)
        return Token(Secret(value), self._clock.now() + timedelta(seconds=lifetime))

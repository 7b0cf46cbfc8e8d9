"""A :class:`~libops.domain.ports.PlatformGateway` for one Weibo account, over the open API.

Ordinary Weibo apps may post only through ``POST /2/statuses/share.json`` ("share a link to
Weibo", API-FACTS section 2): at most 140 characters, no ``#topic#``, and the text must
carry a link under one of the app's approved safe domains (``安全域名``); ``statuses/update``
and ``statuses/upload`` answer 10014 since 2017. Weibo has no idempotency keys, and a text
repeated right after itself is refused (20019 "repeat content!"), so this adapter notes each
publish in a **ledger** (idempotency key → status id, or a fingerprint of the text while the
answer is outstanding) and finds a publish whose answer was lost again in the account's
timeline by that fingerprint, before any retry. A post is never made twice.

Metrics are point-in-time counts (``statuses/count.json``: reposts, comments, attitudes);
Weibo's open API gives no read counts, which come from the back office's exports.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping, MutableMapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Self
from urllib.parse import urlsplit

import httpx

from libops.adapters.platforms_http._credentials import required
from libops.adapters.platforms_http._http import (
    HttpGateway,
    HttpRetry,
    Sleep,
    TokenProvider,
    check_platform,
    check_since,
    checked_key,
    default_sleep,
    json_object,
    oldest_first,
    sent_count,
    sent_moment,
)
from libops.adapters.platforms_http._ledger import Pending, PublishLedger, match
from libops.domain.errors import (
    InvalidValueError,
    PlatformAdapterConfigError,
    PlatformCredentialsError,
    PlatformError,
    PlatformRejectedError,
    UnknownPlatformPostError,
)
from libops.domain.ports import Clock, Comment, CredentialStore
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
)

WEIBO_SHARE_LIMITS: Final = PlatformLimits(max_text_length=140, max_media=0)
"""``statuses/share``'s 140 characters; no picture (this adapter uploads no media)."""

RATE_LIMITED: Final = frozenset((10022, 10023, 10024))
"""IP, user, and user-per-endpoint requests out of rate limit: back off and retry."""
TRANSIENT: Final = frozenset((10001, 10002, 10009, 10011))
"""System error, service unavailable, too many pending tasks, RPC error: retry."""
TOKEN_DEAD: Final = frozenset((21301, 21314, 21315, 21316, 21317, 21327, 21332))
"""Authorisation failed, token used/expired/revoked/rejected, expired_token, invalid token."""
NO_SUCH_STATUS: Final = 20101
"""Weibo's "target weibo does not exist"."""
REPEAT_CONTENT: Final = 20019

_SCANNED: Final = 100
"""How many of the account's latest statuses a look-up by text reads (one timeline page)."""
_SLACK: Final = timedelta(minutes=10)
"""How much earlier than the publish was sent a found status may seem to be (clock skew)."""
_URL: Final = re.compile(r"https?://[^\s<>\"']+")
_TOPIC: Final = re.compile(r"#[^#\s][^#]*#")
_CREATED: Final = "%a %b %d %H:%M:%S %z %Y"
"""Weibo's time format: ``Tue May 31 17:46:55 +0800 2011``."""


def fingerprint(text: str) -> str:
    """A hash of ``text`` without its links and with its whitespace normalised: Weibo shows a
    shared status's links as short ``t.cn`` links, so the links cannot be compared."""
    bare = " ".join(_URL.sub(" ", text).split())
    return hashlib.sha256(bare.encode()).hexdigest()[:32]


def _code(response: httpx.Response) -> int | None:
    body = json_object(response)
    if body is None or "error_code" not in body:
        return None
    try:
        return int(body["error_code"])
    except (TypeError, ValueError):
        return None


def _words(response: httpx.Response) -> str:
    body = json_object(response)
    if body is not None and "error_code" in body:
        return f"{body.get('error_code')} {str(body.get('error') or '')[:300]}".strip()
    return response.reason_phrase


def _classify(response: httpx.Response) -> int | None:
    """The status a Weibo error stands for: its ``error_code``, not its HTTP status, says."""
    code = _code(response)
    if code in RATE_LIMITED:
        return 429
    if code in TRANSIENT:
        return 503
    if code in TOKEN_DEAD:
        return 401
    return None


def _moment(value: Any, what: str) -> datetime:
    """A time Weibo sent, in its own format (:data:`_CREATED`) or as ISO 8601 text."""
    try:
        return datetime.strptime(str(value), _CREATED)
    except ValueError:
        pass
    return sent_moment(Platform.WEIBO, value, what)


def _domains(safe_domains: Sequence[str] | str) -> tuple[str, ...]:
    names = safe_domains.split(",") if isinstance(safe_domains, str) else list(safe_domains)
    cleaned = tuple(str(n).strip().lower().lstrip(".") for n in names if str(n).strip())
    if not cleaned or not all(re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", n) for n in cleaned):
        raise PlatformAdapterConfigError(
            "safe_domains must name the app's approved safe domains (安全域名), such as "
            f"'library.example.cn', not {safe_domains!r}"
        )
    return cleaned


def _rip(rip: str) -> str:
    try:
        return str(ipaddress.ip_address(str(rip).strip()))
    except ValueError:
        raise PlatformAdapterConfigError(
            f"rip must be the public IP address libops posts from (share.json's rip), not {rip!r}"
        ) from None


class WeiboGateway(HttpGateway):
    """Publishes to and reads from one Weibo account through ``api.weibo.com``.

    ``token`` returns the account's OAuth access token each time it is needed (sent in the
    ``Authorization: OAuth2`` header, so it is in no URL or log line). ``safe_domains`` are
    the app's approved safe domains: every post must link to one (the share API's rule); a
    variant without such a link, longer than 140 characters, or with a ``#topic#`` is
    refused before any request. ``rip`` is the public IP address libops posts from (the
    share API asks for the end user's IP).

    Weibo gives ordinary apps no refresh token: when Weibo says the token expired or was
    revoked (21327, 21332, ...), the adapter reads ``token`` once more, and if a staff member
    stored a new one it tries again with it; otherwise it raises
    :class:`~libops.domain.errors.PlatformCredentialsError` asking for a new authorisation.

    ``ledger`` maps idempotency keys to status ids (a dict by default; pass a persistent
    mapping, such as a ``shelve``, to keep it across processes and restarts).
    """

    PLATFORM = Platform.WEIBO

    supports_idempotency_key = False

    def __init__(
        self,
        base_url: str,
        token: TokenProvider,
        *,
        safe_domains: Sequence[str] | str,
        rip: str,
        web_url: str = "https://weibo.com",
        limits: PlatformLimits = WEIBO_SHARE_LIMITS,
        clock: Clock | None = None,
        timeout: float = 10.0,
        retry: HttpRetry | None = None,
        sleep: Sleep = default_sleep,
        ledger: MutableMapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not callable(token):
            raise InvalidValueError("token must be a callable that returns the access token")
        self._domains = _domains(safe_domains)
        self._rip = _rip(rip)
        self._connect(
            base_url,
            limits=limits,
            clock=clock,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            transport=transport,
        )
        self._token = token
        self._web_url = web_url.rstrip("/")
        self._ledger = PublishLedger(ledger)

    @classmethod
    def from_credentials(
        cls,
        base_url: str,
        credentials: CredentialStore,
        *,
        clock: Clock | None = None,
        account: str = "weibo",
        **options: Any,
    ) -> Self:
        """A gateway whose settings come from the credential store's entries of ``account``:
        ``access_token`` (read again on every call, so a rotated token is used at once),
        ``safe_domains`` (comma-separated) and ``rip``; ``safe_domains=`` and ``rip=`` in
        ``options`` win over the entries. Other ``options`` go to the constructor."""
        required(credentials, "weibo", account, "access_token")  # refused now, not at a post

        def token() -> str:
            found = credentials.get(account, "access_token")
            if found is None:
                raise PlatformCredentialsError(
                    "weibo", f"no access token is stored for {account!r} any more"
                )
            return found.reveal()

        for name in ("safe_domains", "rip"):
            if name not in options:
                options[name] = required(credentials, "weibo", account, name).reveal()
        return cls(base_url, token, clock=clock, **options)

    # --- the port ------------------------------------------------------------------------------

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        """Share ``variant`` (it must link to a safe domain); a status made earlier with the
        same key, or found in the timeline after a lost answer, is returned instead."""
        key = checked_key(idempotency_key)
        text = self._check(variant)
        earlier = self.find_published(key)
        if earlier is not None:
            return earlier
        pending = self._ledger.pending(key, fingerprint(text), self._clock.now())

        def look_up() -> httpx.Response | None:
            found = self._find_by_text(key, pending)
            return None if found is None else httpx.Response(200, json=found)

        response = self._http.send(
            "POST",
            "/2/statuses/share.json",
            headers=self._headers,
            data={"status": text, "rip": self._rip},
            renew=self._renew,
            before_retry=look_up,
            classify=_classify,
        )
        if _code(response) == REPEAT_CONTENT:
            # Weibo refuses a repeat of the latest text: the first send may have gone out.
            found = self._find_by_text(key, pending)
            if found is not None:
                response = httpx.Response(200, json=found)
        status = self._checked(response).json()
        receipt = self._receipt(status)
        self._ledger.made(key, receipt.external_id)
        return receipt

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        """The status published with the key, if it is still up; a publish whose answer was
        lost is looked for among the account's latest statuses by its text."""
        key = checked_key(idempotency_key)

        def search(pending: Pending) -> PublishReceipt | None:
            found = self._find_by_text(key, pending)
            return None if found is None else self._receipt(found)

        return self._ledger.find_published(
            key, search=search, fetch=lambda status_id, _at: self._receipt(self._status(status_id))
        )

    def metrics(self, external_id: str) -> MetricSnapshot:
        """Reposts, comments and attitudes (likes) now, from ``statuses/count.json``."""
        status_id = _status_id(external_id)
        response = self._call("GET", "/2/statuses/count.json", params={"ids": status_id})
        body = response.json()
        row = (
            next((r for r in body if isinstance(r, dict) and str(r.get("id")) == status_id), None)
            if isinstance(body, list)
            else None
        )
        if row is None:  # Weibo leaves deleted and unknown ids out
            raise UnknownPlatformPostError("weibo", external_id)
        return MetricSnapshot(
            platform=Platform.WEIBO,
            observed_at=self._clock.now(),
            likes=sent_count(self.PLATFORM, row.get("attitudes")),
            comments=sent_count(self.PLATFORM, row.get("comments")),
            shares=sent_count(self.PLATFORM, row.get("reposts")),
        )

    def comments(self, external_id: str, since: datetime | None = None) -> Sequence[Comment]:
        """Comments on the status (``comments/show.json``), oldest first, after ``since``."""
        check_since(since)
        status_id = _status_id(external_id)
        response = self._call(
            "GET",
            "/2/comments/show.json",
            params={"id": status_id, "count": 200},
            about=external_id,
        )
        found = []
        for comment in response.json().get("comments") or []:
            posted_at = _moment(comment.get("created_at"), "comment time")
            if since is not None and posted_at <= since:
                continue
            user = comment.get("user") or {}
            found.append(
                Comment(
                    external_id=str(comment.get("idstr") or comment["id"]),
                    author_handle=str(user.get("screen_name") or user.get("idstr") or ""),
                    text=str(comment.get("text") or ""),
                    posted_at=posted_at,
                )
            )
        return oldest_first(found)

    # --- inside ----------------------------------------------------------------------------

    def _check(self, variant: PostVariant) -> str:
        """The status to share: the variant's text, with its link after it unless the text
        holds the link already; refused if the share API would refuse it."""
        check_platform(self.PLATFORM, variant)
        text = variant.text
        if variant.link and variant.link not in text:
            text = f"{text} {variant.link}"
        problems = list(self._limits.violations(variant))
        if len(text) > self._limits.max_text_length and not problems:
            problems.append(
                f"text and link are {len(text)} characters, weibo allows "
                f"{self._limits.max_text_length}"
            )
        hosts = [urlsplit(url).hostname or "" for url in _URL.findall(text)]
        if not any(h == d or h.endswith(f".{d}") for h in hosts for d in self._domains):
            problems.append(
                "Weibo's share API posts only text that links to the app's safe domain "
                f"({', '.join(self._domains)}): add the post's link on the library's site"
            )
        if _TOPIC.search(text):
            problems.append("Weibo's share API refuses #topics#: take the topic out")
        if problems:
            raise PlatformError(f"weibo: {'; '.join(problems)}", retryable=False)
        return text

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"OAuth2 {self._token()}"}

    def _renew(self, response: httpx.Response) -> bool:
        """After a dead-token error: True (try again) if a new token was stored meanwhile."""
        if _code(response) not in TOKEN_DEAD:
            return False
        used = str(response.request.headers.get("authorization", ""))
        return self._headers()["Authorization"] != used

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        about: str | None = None,
    ) -> httpx.Response:
        response = self._http.send(
            method,
            path,
            headers=self._headers,
            params=params,
            renew=self._renew,
            classify=_classify,
        )
        if about is not None and _code(response) == NO_SUCH_STATUS:
            raise UnknownPlatformPostError("weibo", about)
        return self._checked(response)

    def _checked(self, response: httpx.Response) -> httpx.Response:
        code = _code(response)
        if response.status_code < 400 and code in (None, 0):
            return response
        if code in TOKEN_DEAD or response.status_code == 401:
            raise PlatformCredentialsError(
                "weibo",
                f"Weibo refused the access token ({_words(response)}); Weibo gives apps no "
                "refresh token, so a staff member must authorise libops again and store the "
                "new token (`libops credentials set weibo access_token`)",
            )
        raise PlatformRejectedError("weibo", response.status_code, _words(response))

    def _status(self, status_id: str) -> dict[str, Any]:
        response = self._call(
            "GET", "/2/statuses/show.json", params={"id": _status_id(status_id)}, about=status_id
        )
        body: dict[str, Any] = response.json()
        return body

    def _find_by_text(self, key: str, pending: Pending) -> dict[str, Any] | None:
        """The status a pending publish made, found in the timeline by text and time."""
        if pending.sent_at is None:
            return None
        claimed = self._ledger.claimed(key)
        response = self._call("GET", "/2/statuses/user_timeline.json", params={"count": _SCANNED})
        return match(
            pending,
            claimed,
            response.json().get("statuses") or [],
            id_of=lambda status: str(status.get("idstr") or status.get("id")),
            fingerprint_of=lambda status: fingerprint(str(status.get("text") or "")),
            time_of=lambda status: _moment(status.get("created_at"), "status time"),
            slack=_SLACK,
        )

    def _receipt(self, status: Mapping[str, Any]) -> PublishReceipt:
        try:
            user = status.get("user") or {}
            uid = str(user.get("idstr") or user["id"])
            return PublishReceipt(
                platform=Platform.WEIBO,
                external_id=str(status.get("idstr") or status["id"]),
                url=f"{self._web_url}/{uid}/{status.get('mid') or status['id']}",
                published_at=_moment(status["created_at"], "status time"),
            )
        except (KeyError, TypeError) as error:
            raise PlatformError(f"weibo sent a status without {error}", retryable=False) from error


def _status_id(external_id: str) -> str:
    if not isinstance(external_id, str) or not external_id.strip().isdigit():
        raise UnknownPlatformPostError("weibo", str(external_id))
    return external_id.strip()

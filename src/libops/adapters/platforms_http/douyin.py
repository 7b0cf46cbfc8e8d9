"""A :class:`~libops.domain.ports.PlatformGateway` for one Douyin account, over the open API.

Douyin authorises an app per user with OAuth (API-FACTS section 3): an access token for 15
days and a refresh token for 30. This adapter keeps the tokens in the credential store,
renews the access token with ``POST /oauth/refresh_token/`` shortly before it expires or
once when Douyin says it expired (28001008, ...), stores the renewed one, and tries again;
a dead refresh token (10010) is a credentials error asking for a new authorisation.

Metrics come from the item data (``video/video_data``: plays, likes, comments, shares) and,
where the account has the ``data.external.item`` scope, the item's base data (average watch
time as the profile's ``avg_watch_seconds``); the account's daily fans data
(``data/external/user/fans``) is :meth:`DouyinGateway.follower_days`.

Publishing on a user's behalf needs the ``video.create.bind`` capability, which Douyin grants
only to approved organisations: without ``publishing=True`` (or when Douyin answers that the
app lacks the capability) a publish raises
:class:`~libops.domain.errors.PublishingNotAllowedError`, saying to publish by hand. With it,
the video is uploaded and the item created; Douyin has no idempotency keys and a video may
be used once, so a create whose answer was lost is found again in the account's video list
by its text, never posted twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Self

import httpx

from libops.adapters.credentials import Secret, Token, TokenCache
from libops.adapters.platforms_http._credentials import required
from libops.adapters.platforms_http._http import (
    HttpGateway,
    HttpRetry,
    Sleep,
    check_platform,
    check_variant,
    checked_key,
    default_sleep,
)
from libops.adapters.platforms_http._ledger import Pending, PublishLedger, match
from libops.adapters.platforms_http.weibo import fingerprint
from libops.domain.errors import (
    InvalidValueError,
    PlatformAdapterConfigError,
    PlatformCredentialsError,
    PlatformError,
    PlatformRejectedError,
    PublishingNotAllowedError,
    ReadOnlyCredentialStoreError,
    UnknownPlatformPostError,
)
from libops.domain.followers import FollowerDay
from libops.domain.platforms import profile_of
from libops.domain.ports import Clock, Comment, CredentialStore
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
)

DOUYIN_API_LIMITS: Final = PlatformLimits(
    max_text_length=1000, max_media=1, allows_links=False, requires_media=True
)
"""One video per item (create_video takes one ``video_id``), a description of up to 1,000
characters, no links."""

RETRY: Final = frozenset((28001005, 28001006, 2100004))
"""Busy, network error (and the legacy busy): try again."""
BACK_OFF: Final = frozenset((28001052, 28003017, 28003018, 2190001))
"""Risk control, quota exhausted, too frequent (and the legacy quota): a rate limit."""
TOKEN_DEAD: Final = frozenset((28001008, 28001003, 2190008, 2190002))
"""Access token expired or invalid: refresh it."""
NOT_ALLOWED: Final = frozenset((28001012, 28001014, 28001018, 28001019, 2190004, 2100007))
"""The user did not grant the scope, the app lacks or was banned from the capability."""
NO_SUCH_ITEM: Final = 28001007
REFRESH_DEAD: Final = 10010
"""The refresh token expired or was replaced (a rotation): only another one helps."""

CREDENTIAL_ENTRIES: Final = ("client_key", "open_id", "access_token", "refresh_token")
"""What :meth:`DouyinGateway.from_credentials` needs in the credential store."""
EXPIRES_ENTRY: Final = "access_token_expires_at"
"""The entry the adapter writes beside a renewed access token: when it expires (ISO 8601)."""
REFRESH_EXPIRES_ENTRY: Final = "refresh_token_expires_at"
"""The entry the adapter writes beside the refresh token: when it expires (ISO 8601)."""
RENEW_WITHIN: Final = timedelta(days=16)
"""A refresh token with less left than this (an access token's 15 days and a day) is
renewed (``renew_refresh_token``, at most 5 times) before it is used, so it never runs out
between two renewals of the access token."""

_SCANNED: Final = 20
_SLACK: Final = timedelta(minutes=10)


def _code(response: httpx.Response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for part in ("data", "extra"):
        inner = body.get(part)
        if isinstance(inner, dict) and inner.get("error_code"):
            try:
                return int(inner["error_code"])
            except (TypeError, ValueError):
                return -1
    return None


def _words(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    inner = body.get("data") if isinstance(body, dict) else None
    extra = body.get("extra") if isinstance(body, dict) else None
    for part in (inner, extra):
        if isinstance(part, dict) and part.get("error_code"):
            words = str(part.get("description") or part.get("sub_description") or "")[:300]
            return f"{part['error_code']} {words}".strip()
    return response.reason_phrase


def _classify(response: httpx.Response) -> int | None:
    """Douyin answers HTTP 200 with an ``error_code``: the status that code stands for."""
    code = _code(response)
    if code is None:
        return None
    if code in RETRY:
        return 503
    if code in BACK_OFF:
        return 429
    if code in TOKEN_DEAD:
        return 401
    return 400


def _moment(value: Any, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError) as error:
        raise PlatformError(f"douyin sent a bad {what}: {value!r}", retryable=False) from error


def _seconds(value: Any) -> timedelta | None:
    """A lifetime Douyin sent in seconds (``expires_in``), if it sent a positive one."""
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return timedelta(seconds=seconds) if seconds > 0 else None


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        raise PlatformError(
            f"douyin sent a count that is not a number: {value!r}", retryable=False
        ) from None


MediaLoader = Callable[[str], bytes]
"""Gives the bytes of a media item a post variant names (its video file)."""


class DouyinGateway(HttpGateway):
    """Reads (and, for approved organisations, publishes to) one Douyin account.

    ``credentials`` holds, under ``account``, the entries :data:`CREDENTIAL_ENTRIES`
    (``client_key``: the app's key; ``open_id``: the authorised user; ``access_token`` and
    ``refresh_token``: the user's tokens), and the adapter writes ``access_token`` and
    :data:`EXPIRES_ENTRY` there when it renews the token. ``publishing=True`` says the app
    holds ``video.create.bind`` for this account; ``media`` then gives each video's bytes.
    ``watch_time`` reads the item's base data for its average watch time (scope
    ``data.external.item``). ``ledger`` maps idempotency keys to item ids (a dict by
    default; pass a persistent mapping to keep it across processes). Its :attr:`limits` are
    the API's when publishing (:data:`DOUYIN_API_LIMITS`), else what staff may post in the
    app (the Douyin profile's limits).
    """

    PLATFORM = Platform.DOUYIN

    supports_idempotency_key = False

    def __init__(
        self,
        base_url: str,
        credentials: CredentialStore,
        *,
        account: str = "douyin",
        publishing: bool = False,
        media: MediaLoader | None = None,
        watch_time: bool = True,
        web_url: str = "https://www.douyin.com",
        limits: PlatformLimits | None = None,
        clock: Clock | None = None,
        timeout: float = 10.0,
        retry: HttpRetry | None = None,
        sleep: Sleep = default_sleep,
        ledger: MutableMapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not isinstance(publishing, bool) or not isinstance(watch_time, bool):
            raise PlatformAdapterConfigError("publishing and watch_time are True or False")
        if publishing and not callable(media):
            raise PlatformAdapterConfigError(
                "publishing=True needs media=, a function giving a video's bytes by its name"
            )
        # An adapter's limits win over the profile's when variants are drafted: one that
        # does not publish must not hold staff, who publish by hand, to the API's rules.
        by_hand = None if publishing else profile_of("douyin").limits
        self._connect(
            base_url,
            limits=limits or by_hand or DOUYIN_API_LIMITS,
            clock=clock,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            transport=transport,
        )
        self._credentials = credentials
        self._account = account
        self._client_key = self._entry("client_key")
        self._open_id = self._entry("open_id")
        self._entry("access_token")
        self._publishing = publishing
        self._media = media
        self._watch_time = watch_time
        self._web_url = web_url.rstrip("/")
        self._ledger = PublishLedger(ledger, keep_times=True)
        self._tokens = TokenCache(self._fresh_token, clock=self._clock)
        self._refused: Secret | None = None
        self._unkept: dict[str, str] = {}  # entries a read-only store refused: this process's
        self._lock = threading.Lock()

    @classmethod
    def from_credentials(
        cls,
        base_url: str,
        credentials: CredentialStore,
        *,
        clock: Clock | None = None,
        account: str = "douyin",
        **options: Any,
    ) -> Self:
        """A gateway on the credential store's entries of ``account`` (:data:`CREDENTIAL_ENTRIES`;
        ``refresh_token`` is checked now, not at the first renewal)."""
        gateway = cls(base_url, credentials, account=account, clock=clock, **options)
        gateway._entry("refresh_token")
        return gateway

    def __repr__(self) -> str:
        return f"DouyinGateway({self._http.base_url!r}, {self._account!r})"

    # --- the port ------------------------------------------------------------------------------

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        """Upload the variant's video and create the item, unless one was made with the key."""
        key = checked_key(idempotency_key)
        check_platform(self.PLATFORM, variant)
        if not self._publishing or self._media is None:
            raise PublishingNotAllowedError(
                "douyin",
                "publishing on a user's behalf needs the video.create.bind capability, which "
                "Douyin grants only to approved organisations",
            )
        check_variant(self.PLATFORM, self._limits, variant)
        earlier = self.find_published(key)
        if earlier is not None:
            return earlier
        try:
            video = self._media(variant.media[0])
        except OSError as error:
            raise PlatformError(
                f"douyin: cannot read the video {variant.media[0]!r} ({error.strerror})",
                retryable=False,
            ) from None
        if not isinstance(video, bytes) or not video:
            raise PlatformError(
                f"douyin: the video {variant.media[0]!r} is empty or not bytes", retryable=False
            )
        uploaded = self._call(
            "POST",
            "/api/douyin/v1/video/upload_video/",
            files={"video": (variant.media[0], video, "video/mp4")},
            publishing=True,
        )
        video_id = str((uploaded.json()["data"].get("video") or {}).get("video_id") or "")
        if not video_id:
            raise PlatformError("douyin answered an upload without a video_id")
        pending = self._ledger.pending(key, fingerprint(variant.text), self._clock.now())

        def look_up() -> httpx.Response | None:
            found = self._find_by_text(key, pending)
            return None if found is None else httpx.Response(200, json={"data": found})

        created = self._call(
            "POST",
            "/api/douyin/v1/video/create_video/",
            json={"video_id": video_id, "text": variant.text},
            publishing=True,
            before_retry=look_up,
            lost=lambda: self._find_by_text(key, pending),
        )
        item_id = str(created.json()["data"].get("item_id") or "")
        if not item_id:
            raise PlatformError("douyin answered a create without an item_id")
        # The receipt comes from the answer: a fresh item may not be listed yet, and an error
        # here, after the video went out, would have the publish repeated.
        answer = created.json()["data"]
        made = _moment(answer.get("create_time") or int(self._clock.now().timestamp()), "time")
        self._ledger.made(key, item_id, made)  # from here on the key names it
        return self._receipt({**answer, "item_id": item_id, "create_time": made.timestamp()})

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        """The item created with the key, if it is still there (a create whose answer was
        lost is looked for in the account's video list by its text)."""
        key = checked_key(idempotency_key)

        def search(pending: Pending) -> PublishReceipt | None:
            found = self._find_by_text(key, pending)
            return None if found is None else self._receipt(found)

        return self._ledger.find_published(key, search=search, fetch=self._made_item)

    def _made_item(self, item_id: str, made: datetime | None) -> PublishReceipt:
        """The receipt of an item a key made, even while Douyin does not list it: Douyin
        lists a fresh item late, for an unknown while, and says the same (28001007) of an
        item not listed yet and of one deleted, so an item a key made counts as made for
        good and the key never posts again (a deleted one is confirmed by staff)."""
        try:
            return self._receipt(self._item(item_id))
        except UnknownPlatformPostError:
            if made is None:  # an entry from before the ledger kept times
                raise PlatformError(
                    f"douyin does not list the item {item_id} this publish made already; it "
                    "is not posted again: check the account in the Douyin app",
                    retryable=False,
                ) from None
            return self._receipt({"item_id": item_id, "create_time": made.timestamp()})

    def metrics(self, external_id: str) -> MetricSnapshot:
        """Plays, likes, comments and shares (shares plus forwards) from the item data, and
        the average watch time from the item's base data where Douyin has it."""
        item = self._item(external_id)
        stats = item.get("statistics") or {}
        extra: dict[str, Decimal] = {}
        if self._watch_time:
            watched = self._avg_watch_seconds(external_id)
            if watched is not None:
                extra["avg_watch_seconds"] = watched
        return MetricSnapshot(
            platform=Platform.DOUYIN,
            observed_at=self._clock.now(),
            views=_count(stats.get("play_count")),
            likes=_count(stats.get("digg_count")),
            comments=_count(stats.get("comment_count")),
            shares=_count(stats.get("share_count")) + _count(stats.get("forward_count")),
            extra=extra,
        )

    def comments(self, external_id: str, since: datetime | None = None) -> Sequence[Comment]:
        """None: Douyin's open API gives a third-party app no comment text for a user's
        videos. The item is checked to exist (an unknown one raises)."""
        if since is not None and since.utcoffset() is None:
            raise InvalidValueError("since must be timezone-aware")
        self._item(external_id)
        return []

    def follower_days(self, days: int = 7) -> list[FollowerDay]:
        """The account's fans data for the last 7, 15 or 30 days (``data.external.user``):
        each day's new followers and total, ready to record as the account's figures."""
        if days not in (7, 15, 30):
            raise InvalidValueError(f"Douyin's fans data covers 7, 15 or 30 days, not {days!r}")
        response = self._call("GET", "/data/external/user/fans/", params={"date_type": days})
        found = []
        for row in response.json()["data"].get("result_list") or []:
            try:
                day = date.fromisoformat(str(row["date"]))
            except (KeyError, ValueError) as error:
                raise PlatformError(
                    f"douyin sent a fans row without a date: {row!r}", retryable=False
                ) from error
            found.append(
                FollowerDay(
                    day, gained=_count(row.get("new_fans")), total=_count(row.get("total_fans"))
                )
            )
        return sorted(found, key=lambda d: d.day)

    # --- tokens ----------------------------------------------------------------------------

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
            classify=_classify,
        )
        data = response.json().get("data") if response.status_code == 200 else None
        if not isinstance(data, dict) or data.get("error_code") or not data.get("refresh_token"):
            return refresh  # not granted renew_refresh_token, or renewed 5 times already
        renewed = str(data["refresh_token"])
        lifetime = _seconds(data.get("expires_in"))
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
            classify=_classify,
        )

    def _renew_token(self, account: str) -> Token:
        refresh = self._refresh_token(account)
        response = self._send_refresh(refresh)
        if _code(response) == REFRESH_DEAD:
            # Another process may have renewed it meanwhile (a rotating refresh token: the
            # one read here died when that process's refresh handed out a new one): once,
            # with the refresh token the store holds now, if it is another.
            stored = self._credentials.get(account, "refresh_token")
            if stored is not None and stored != refresh:
                refresh = stored
                response = self._send_refresh(refresh)
        data = response.json().get("data") if response.status_code == 200 else None
        if not isinstance(data, dict) or data.get("error_code") or not data.get("access_token"):
            if _code(response) is not None:
                raise PlatformCredentialsError(
                    "douyin",
                    f"Douyin would not renew the access token ({_words(response)}); the refresh "
                    "token lasts 30 days: a staff member must authorise libops again in Douyin "
                    f"and store the new tokens (`libops credentials set {account} "
                    "access_token --store STORE` and `... refresh_token`, with the job's store: "
                    "on a PostgreSQL store they go to its credentials table, read first)",
                )
            raise PlatformError(f"douyin: renewing the access token failed ({_words(response)})")
        lifetime = _seconds(data.get("expires_in"))
        until = None if lifetime is None else self._clock.now() + lifetime
        token = str(data["access_token"])
        self._keep_with_expiry(account, "access_token", token, EXPIRES_ENTRY, until)
        # Douyin may hand out a new refresh token (the old one then dies): kept at once, and
        # its expiry only beside a refresh token the store kept.
        refresh_life = _seconds(data.get("refresh_expires_in"))
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
        if _code(response) not in TOKEN_DEAD:
            return False
        used = Secret(str(response.request.headers.get("access-token", "")))
        with self._lock:
            self._refused = used
        self._tokens.invalidate(self._account, used)
        return True

    # --- inside ----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        publishing: bool = False,
        about: str | None = None,
        before_retry: Callable[[], httpx.Response | None] | None = None,
        lost: Callable[[], dict[str, Any] | None] | None = None,
    ) -> httpx.Response:
        response = self._http.send(
            method,
            path,
            headers=self._headers,
            json=json,
            params={"open_id": self._open_id, **(params or {})},
            files=files,
            renew=self._renew,
            before_retry=before_retry,
            classify=_classify,
        )
        code = _code(response)
        if response.status_code < 400 and code is None:
            return response
        if lost is not None and code == NO_SUCH_ITEM:
            found = lost()  # the video was used: an earlier create went through
            if found is not None:
                return httpx.Response(200, json={"data": found})
        if code in TOKEN_DEAD or response.status_code == 401:
            raise PlatformCredentialsError(
                "douyin",
                f"Douyin refused the renewed access token too ({_words(response)}); "
                "authorise libops again and store the new tokens",
            )
        if publishing and code in NOT_ALLOWED:
            raise PublishingNotAllowedError("douyin", f"Douyin answered {_words(response)}")
        if about is not None and code == NO_SUCH_ITEM:
            raise UnknownPlatformPostError("douyin", about)
        raise PlatformRejectedError("douyin", response.status_code, _words(response))

    def _item(self, item_id: str) -> dict[str, Any]:
        if not isinstance(item_id, str) or not item_id.strip():
            raise UnknownPlatformPostError("douyin", str(item_id))
        response = self._call(
            "POST",
            "/api/douyin/v1/video/video_data/",
            json={"item_ids": [item_id]},
            about=item_id,
        )
        for item in response.json()["data"].get("list") or []:
            if str(item.get("item_id")) == item_id:
                return dict(item)
        raise UnknownPlatformPostError("douyin", item_id)

    def _avg_watch_seconds(self, item_id: str) -> Decimal | None:
        """The item's average watch time (30 days), or None while Douyin has none for it
        (the day of the authorisation, or an item older than 30 days)."""
        response = self._call(
            "GET", "/data/external/item/base/", params={"item_id": item_id}, about=item_id
        )
        result = response.json()["data"].get("result") or {}
        value = result.get("avg_play_duration")
        if value is None:
            return None
        try:
            seconds = Decimal(str(value))
        except InvalidOperation:
            raise PlatformError(
                f"douyin sent an average watch time that is not a number: {value!r}",
                retryable=False,
            ) from None
        return seconds if seconds >= 0 else None

    def _find_by_text(self, key: str, pending: Pending) -> dict[str, Any] | None:
        """The item a pending create made, found in the video list by text and time."""
        if pending.sent_at is None:
            return None
        claimed = self._ledger.claimed(key)
        response = self._call(
            "GET", "/api/douyin/v1/video/video_list/", params={"cursor": 0, "count": _SCANNED}
        )
        return match(
            pending,
            claimed,
            response.json()["data"].get("list") or [],
            id_of=lambda item: str(item.get("item_id")),
            fingerprint_of=lambda item: fingerprint(str(item.get("title") or "")),
            time_of=lambda item: _moment(item.get("create_time"), "item time"),
            slack=_SLACK,
        )

    def _receipt(self, item: Mapping[str, Any]) -> PublishReceipt:
        item_id = str(item.get("item_id") or "")
        if not item_id:
            raise PlatformError("douyin sent an item without an item_id", retryable=False)
        url = str(item.get("share_url") or "") or f"{self._web_url}/video/{item_id}"
        return PublishReceipt(
            platform=Platform.DOUYIN,
            external_id=item_id,
            url=url,
            published_at=_moment(item.get("create_time"), "item time"),
        )

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

This module holds the gateway (the port's calls, metrics and fans data); the OAuth tokens are
:mod:`._douyin_tokens`', what Douyin's API says and takes :mod:`._douyin_api`'s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Self

import httpx

from libops.adapters.credentials import Secret, TokenCache
from libops.adapters.platforms_http._douyin_api import (
    CREDENTIAL_ENTRIES,
    DOUYIN_API_LIMITS,
    EXPIRES_ENTRY,
    NO_SUCH_ITEM,
    NOT_ALLOWED,
    REFRESH_EXPIRES_ENTRY,
    RENEW_WITHIN,
    SCANNED,
    SLACK,
    TOKEN_DEAD,
    classify,
    code_of,
    count_of,
    moment_of,
    words_of,
)
from libops.adapters.platforms_http._douyin_tokens import DouyinTokens
from libops.adapters.platforms_http._http import (
    HttpRetry,
    Sleep,
    check_platform,
    check_since,
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

MediaLoader = Callable[[str], bytes]
"""Gives the bytes of a media item a post variant names (its video file)."""


class DouyinGateway(DouyinTokens):
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
        made = moment_of(answer.get("create_time") or int(self._clock.now().timestamp()), "time")
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
            views=count_of(stats.get("play_count")),
            likes=count_of(stats.get("digg_count")),
            comments=count_of(stats.get("comment_count")),
            shares=count_of(stats.get("share_count")) + count_of(stats.get("forward_count")),
            extra=extra,
        )

    def comments(self, external_id: str, since: datetime | None = None) -> Sequence[Comment]:
        """None: Douyin's open API gives a third-party app no comment text for a user's
        videos. The item is checked to exist (an unknown one raises)."""
        check_since(since)
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
                    day, gained=count_of(row.get("new_fans")), total=count_of(row.get("total_fans"))
                )
            )
        return sorted(found, key=lambda d: d.day)

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
            classify=classify,
        )
        code = code_of(response)
        if response.status_code < 400 and code is None:
            return response
        if lost is not None and code == NO_SUCH_ITEM:
            found = lost()  # the video was used: an earlier create went through
            if found is not None:
                return httpx.Response(200, json={"data": found})
        if code in TOKEN_DEAD or response.status_code == 401:
            raise PlatformCredentialsError(
                "douyin",
                f"Douyin refused the renewed access token too ({words_of(response)}); "
                "authorise libops again and store the new tokens",
            )
        if publishing and code in NOT_ALLOWED:
            raise PublishingNotAllowedError("douyin", f"Douyin answered {words_of(response)}")
        if about is not None and code == NO_SUCH_ITEM:
            raise UnknownPlatformPostError("douyin", about)
        raise PlatformRejectedError("douyin", response.status_code, words_of(response))

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
            "GET", "/api/douyin/v1/video/video_list/", params={"cursor": 0, "count": SCANNED}
        )
        return match(
            pending,
            claimed,
            response.json()["data"].get("list") or [],
            id_of=lambda item: str(item.get("item_id")),
            fingerprint_of=lambda item: fingerprint(str(item.get("title") or "")),
            time_of=lambda item: moment_of(item.get("create_time"), "item time"),
            slack=SLACK,
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
            published_at=moment_of(item.get("create_time"), "item time"),
        )


__all__ = [
    "CREDENTIAL_ENTRIES",
    "DOUYIN_API_LIMITS",
    "EXPIRES_ENTRY",
    "REFRESH_EXPIRES_ENTRY",
    "RENEW_WITHIN",
    "DouyinGateway",
    "MediaLoader",
]

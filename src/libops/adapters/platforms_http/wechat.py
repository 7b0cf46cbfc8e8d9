"""A :class:`~libops.domain.ports.PlatformGateway` for one WeChat Official Account (公众号).

Publishing is asynchronous on WeChat: the article is saved as a draft (``draft/add``), the
draft is submitted (``freepublish/submit``, which answers with a ``publish_id`` at once) and
the publication is polled (``freepublish/get``) until it succeeded or failed. Every call
answers HTTP 200 with an ``errcode`` in the body; the access token goes in the query string
and comes from ``/cgi-bin/stable_token`` (the account's AppID and AppSecret), cached until it
expires and renewed once when WeChat says it is invalid (40001, 40014, 42001).

WeChat has no idempotency keys, and a blind repeat of ``freepublish/submit`` could publish
twice, so each article carries an invisible fingerprint of its idempotency key (a
``data-libops`` attribute on the article's outer ``<section>``) and the gateway keeps a
**ledger** (idempotency key → draft, publish job, article). A publish whose answer was lost is
found again through the ledger's publish job, or by the fingerprint among the account's
latest publications (``freepublish/batchget``); a repeated submit of a draft an earlier
submit took is refused by WeChat (40007) and then waited for, never sent again.

Metrics come from the datacube's ``getarticletotaldetail`` (T+1: yesterday's figures after
08:00 Beijing time), comments from ``/cgi-bin/comment/list``; ``take_down`` is
``freepublish/delete``. Accounts WeChat does not let publish or read statistics by API
(48001, unverified accounts since July 2025) get a
:class:`~libops.domain.errors.PlatformApiAccessError` saying to publish by hand
(``post.record_manual_publication``) and import the back office's statistics.

This module holds the gateway (the port's calls, reading articles and their statistics); the
publishing pipeline and ledger are :mod:`._wechat_publishing`'s, the authorised calls and
tokens :mod:`._wechat_calls`', what WeChat's API says and takes :mod:`._wechat_api`'s.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Mapping, MutableMapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from libops.adapters.credentials import TokenCache
from libops.adapters.platforms_http._credentials import CredentialChain, reader, required
from libops.adapters.platforms_http._http import (
    HttpRetry,
    Sleep,
    TokenProvider,
    check_since,
    check_variant,
    checked_key,
    default_sleep,
    oldest_first,
)
from libops.adapters.platforms_http._wechat_api import (
    APP_SECRET,
    APPID,
    BEIJING,
    CONTENT_MAX,
    SCANNED,
    UNKNOWN_ARTICLE,
    WECHAT_LIMITS,
    article_html,
    checked_article_id,
    count_of,
    fingerprint,
    msgid_of,
    ratio_of,
)
from libops.adapters.platforms_http._wechat_publishing import WeChatPublishing
from libops.domain.errors import (
    PlatformAdapterConfigError,
    PlatformError,
    UnknownPlatformPostError,
)
from libops.domain.ports import Clock, Comment, CredentialStore, Secret
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
)


class WeChatGateway(WeChatPublishing):
    """Publishes to and reads from one WeChat Official Account through its HTTP API.

    ``base_url`` is ``https://api.weixin.qq.com``; ``appid`` the account's AppID and
    ``secret`` returns its AppSecret when a token must be fetched (read on each use, so a
    rotated secret is picked up). ``covers`` maps a variant's media reference to the
    permanent material ``media_id`` of its cover (uploaded once in the back office or with
    ``material/add_material``); a reference not in it is sent as a ``media_id`` itself.
    ``author`` is shown under the title; ``open_comments`` opens the article to comments.

    ``ledger`` keeps, per idempotency key, the draft, publish job and article this gateway
    made (a dict by default; pass a persistent mapping, a ``shelve`` say, to share it
    across processes). Without it a lost answer is still found by the article's fingerprint
    among the latest 100 publications. ``publish_wait`` bounds how long ``publish`` polls a
    publication that is still being published before it gives up, retryably.
    """

    PLATFORM = Platform.WECHAT

    supports_idempotency_key = False

    def __init__(
        self,
        base_url: str,
        appid: str,
        secret: TokenProvider,
        *,
        covers: Mapping[str, str] | None = None,
        author: str = "",
        open_comments: bool = True,
        limits: PlatformLimits = WECHAT_LIMITS,
        clock: Clock | None = None,
        timeout: float = 10.0,
        retry: HttpRetry | None = None,
        publish_wait: timedelta = timedelta(minutes=5),
        sleep: Sleep = default_sleep,
        ledger: MutableMapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        seed: int | None = None,
    ) -> None:
        if not isinstance(appid, str) or not appid.strip():
            raise PlatformAdapterConfigError("appid must be the account's AppID (wx...)")
        if not callable(secret):
            raise PlatformAdapterConfigError("secret must be a callable that returns the AppSecret")
        if not isinstance(publish_wait, timedelta) or publish_wait <= timedelta(0):
            raise PlatformAdapterConfigError(
                f"publish_wait must be a positive timedelta, not {publish_wait!r}"
            )
        if not isinstance(author, str) or len(author) > 16:
            raise PlatformAdapterConfigError("author must be text of at most 16 characters")
        self._retry = retry or HttpRetry()
        if not isinstance(self._retry, HttpRetry):
            raise PlatformAdapterConfigError(f"retry must be an HttpRetry, not {retry!r}")
        self._connect(
            base_url,
            limits=limits,
            clock=clock,
            timeout=timeout,
            retry=self._retry,
            sleep=sleep,
            transport=transport,
            seed=seed,
        )
        self._appid = appid
        self._secret = secret
        self._covers = dict(covers or {})
        self._author = author
        self._open_comments = bool(open_comments)
        self._publish_wait = publish_wait
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._ledger: MutableMapping[str, str] = {} if ledger is None else ledger
        self._articles: dict[str, tuple[str, datetime]] = {}  # article id -> url, published
        self._refused: Secret | None = None
        self._tokens = TokenCache(self._fetch_token, clock=self._clock)
        self._lock = threading.Lock()

    @classmethod
    def from_credentials(
        cls,
        base_url: str,
        credentials: CredentialStore | Sequence[CredentialStore],
        *,
        clock: Clock | None = None,
        account: str = "wechat",
        **options: Any,
    ) -> WeChatGateway:
        """A gateway whose AppID and AppSecret are the credential-store entries ``appid``
        and ``app_secret`` of ``account`` (``wechat`` by default, or ``wechat/<name>`` for
        one of several accounts); the first of several stores that holds one wins. The
        secret is read again whenever a token is fetched, so a rotation takes effect."""
        store = CredentialChain(credentials) if isinstance(credentials, Sequence) else credentials
        appid = required(store, "wechat", account, APPID).reveal()
        secret = reader(store, "wechat", account, APP_SECRET)
        return cls(base_url, appid, secret, clock=clock, **options)

    def __repr__(self) -> str:
        return f"WeChatGateway({self._http.base_url!r}, {self._appid!r})"

    # --- the port ------------------------------------------------------------------------------

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        """Draft, submit and poll the article until it is out; after an earlier attempt
        with the same key (in the ledger) the article it made, if any, is returned instead.
        Ask :meth:`find_published` first when the ledger is not shared (libops does)."""
        key = checked_key(idempotency_key)
        check_variant(self.PLATFORM, self._limits, variant, verb="published")
        mark = fingerprint(key)
        title, content = article_html(variant, mark)
        if len(content) >= CONTENT_MAX:
            raise PlatformError(
                f"wechat: the article's HTML is {len(content)} characters; WeChat takes fewer "
                f"than {CONTENT_MAX}",
                retryable=False,
            )
        # libops asks find_published before every publish (supports_idempotency_key is
        # False); publish looks again only when its own ledger shows an earlier attempt.
        if self._entry(key):
            earlier = self.find_published(key)
            if earlier is not None:
                return earlier
        entry = self._entry(key)
        if "publish_id" not in entry:
            text = hashlib.sha256(content.encode()).hexdigest()[:16]
            stale = entry.get("text") != text and not entry.get("submitted")
            if "media_id" not in entry or stale:
                media_id = self._draft(key, entry, variant, title, content, text)
                entry = {"media_id": media_id, "text": text}
                self._save(key, entry)
            entry = self._submit(key, entry, mark)
            if "article_id" in entry:
                return self._receipt(entry)
        return self._await(key, entry)

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        """The article published with the key, if it is out: from the ledger (checked with
        ``freepublish/getarticle``), its publish job, or its fingerprint among the latest
        publications."""
        key = checked_key(idempotency_key)
        entry = self._entry(key)
        if "article_id" in entry:
            if self._article_gone(entry["article_id"]):
                return None
            return self._receipt(entry)
        if "publish_id" in entry:
            data = self._job(entry["publish_id"])
            if data.get("publish_status") == 0:
                return self._receipt(self._succeeded(key, entry, data))
        found = self._scan(fingerprint(key))
        if found is None:
            return None
        self._save(key, {**entry, **found})
        return self._receipt(found)

    def metrics(self, external_id: str) -> MetricSnapshot:
        """The article's cumulative figures from the datacube (``getarticletotaldetail``
        for its publication day): reads, likes, comments, shares, favourites, and WeChat's
        own 在看 (``wow``) and 阅读完成率 (``read_completion``). WeChat publishes a day's
        figures after 08:00 the next day (Beijing), so today's reactions show tomorrow."""
        article_id = checked_article_id(external_id)
        url, published_at = self._article(article_id)
        ids = msgid_of(url)
        if ids is None:
            raise PlatformError(
                f"wechat: the URL of article {article_id!r} carries no mid and idx, so its "
                "statistics cannot be matched; import them from the back office",
                retryable=False,
            )
        now = self._clock.now()
        snapshot = MetricSnapshot(platform=Platform.WECHAT, observed_at=now)
        day = published_at.astimezone(BEIJING).date()
        if day >= now.astimezone(BEIJING).date():
            return snapshot  # the datacube has nothing for today yet
        data = self._call(
            "/datacube/getarticletotaldetail",
            {"begin_date": day.isoformat(), "end_date": day.isoformat()},
            statistics=True,
        )
        msgid = f"{ids[0]}_{ids[1]}"
        row = next(
            (r for r in data.get("list") or [] if isinstance(r, dict) and r.get("msgid") == msgid),
            None,
        )
        if row is None:
            return snapshot
        return self._snapshot(row, now)

    def comments(self, external_id: str, since: datetime | None = None) -> Sequence[Comment]:
        """The article's comments (``/cgi-bin/comment/list``), oldest first, after ``since``
        if given; the author is the commenter's openid (WeChat gives no name)."""
        check_since(since)
        article_id = checked_article_id(external_id)
        url, _published = self._article(article_id)
        ids = msgid_of(url)
        if ids is None:
            return []
        found: list[Comment] = []
        begin = 0
        while True:
            data = self._call(
                "/cgi-bin/comment/list",
                {
                    "msg_data_id": ids[0],
                    "index": ids[1] - 1,
                    "begin": begin,
                    "count": 50,
                    "type": 0,
                },
            )
            page = [c for c in data.get("comment") or [] if isinstance(c, dict)]
            for item in page:
                posted_at = datetime.fromtimestamp(count_of(item.get("create_time")), UTC)
                if since is not None and posted_at <= since:
                    continue
                found.append(
                    Comment(
                        external_id=f"{ids[0]}_{ids[1]}:{item.get('user_comment_id')}",
                        author_handle=str(item.get("openid") or ""),
                        text=str(item.get("content") or ""),
                        posted_at=posted_at,
                    )
                )
            begin += len(page)
            if not page or begin >= count_of(data.get("total")):
                break
        return oldest_first(found)

    def take_down(self, external_id: str) -> None:
        """Delete the publication (``freepublish/delete``, irreversible); an article gone
        already counts as taken down."""
        article_id = checked_article_id(external_id)
        if self._article_gone(article_id):
            return
        self._call("/cgi-bin/freepublish/delete", {"article_id": article_id, "index": 0})

    # --- articles and statistics ---------------------------------------------------------

    def _article_gone(self, article_id: str) -> bool:
        data = self._call(
            "/cgi-bin/freepublish/getarticle",
            {"article_id": article_id},
            allow=UNKNOWN_ARTICLE,
        )
        if data.get("errcode") in UNKNOWN_ARTICLE:
            return True
        news = [n for n in data.get("news_item") or [] if isinstance(n, dict)]
        return not news or all(n.get("is_deleted") for n in news)

    def _article(self, article_id: str) -> tuple[str, datetime]:
        """The article's URL and publication time; unknown or deleted ones are refused."""
        if self._article_gone(article_id):
            self._articles.pop(article_id, None)
            raise UnknownPlatformPostError("wechat", article_id)
        known = self._articles.get(article_id)
        if known is not None:
            return known
        found = self._scan(article_id=article_id)
        if found is None:
            raise PlatformError(
                f"wechat: article {article_id!r} is not among the account's latest "
                f"{SCANNED} publications, so its day is unknown; import its statistics from "
                "the back office",
                retryable=False,
            )
        return self._articles[article_id]

    def _snapshot(self, row: Mapping[str, Any], now: datetime) -> MetricSnapshot:
        """Sum the row's days (``detail_list``): each is one day's figures."""
        days = [d for d in row.get("detail_list") or [] if isinstance(d, dict)]

        def total(name: str) -> int:
            return sum(count_of(d.get(name)) for d in days)

        reads = total("read_user")
        extra: dict[str, int | Decimal] = {"wow": total("zaikan_user")}
        weighted = [
            (rate, count_of(d.get("read_user")))
            for d in days
            if (rate := ratio_of(d.get("read_finish_rate"))) is not None
        ]
        weight = sum(n for _rate, n in weighted)
        if weight:
            mean = sum((rate * n for rate, n in weighted), Decimal(0)) / weight
            extra["read_completion"] = min(Decimal(1), mean.quantize(Decimal("0.0001")))
        return MetricSnapshot(
            platform=Platform.WECHAT,
            observed_at=now,
            reads=reads,
            likes=total("like_user"),
            comments=total("comment_count"),
            shares=total("share_user"),
            favourites=total("collection_user"),
            extra=extra,
        )


__all__ = [
    "APPID",
    "APP_SECRET",
    "BEIJING",
    "WECHAT_LIMITS",
    "WeChatGateway",
    "article_html",
    "fingerprint",
    "msgid_of",
]

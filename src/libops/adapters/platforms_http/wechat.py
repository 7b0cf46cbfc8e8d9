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
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import random
import re
import threading
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import httpx

from libops.adapters.credentials import Token, TokenCache
from libops.adapters.platforms_http._credentials import CredentialChain, reader, required
from libops.adapters.platforms_http._http import (
    HttpGateway,
    HttpRetry,
    Sleep,
    TokenProvider,
    check_variant,
    checked_key,
    default_sleep,
)
from libops.domain.errors import (
    CredentialError,
    InvalidValueError,
    PlatformAdapterConfigError,
    PlatformApiAccessError,
    PlatformCredentialsError,
    PlatformError,
    PlatformPublicationFailedError,
    PlatformRateLimitedError,
    PlatformRejectedError,
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

WECHAT_LIMITS: Final = PlatformLimits(max_text_length=20000, max_media=1, requires_media=True)
"""One news article: its HTML under 20,000 characters, one cover (the first media item, a
permanent material ``media_id``), which WeChat requires."""

TITLE_MAX: Final = 32
"""``draft/add`` takes titles of at most 32 characters (the current documentation)."""

CONTENT_MAX: Final = 20000
"""``draft/add`` takes article HTML of fewer than 20,000 characters."""

BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
"""WeChat's days (the datacube's dates, the daily quotas) are Beijing days (no summer time)."""

APPID: Final = "appid"
"""The credential-store name of the account's AppID (``from_credentials``)."""

APP_SECRET: Final = "app_secret"
"""The credential-store name of the account's AppSecret (``from_credentials``)."""

EXPIRED_TOKEN: Final = frozenset((40001, 40014, 42001))
"""Invalid or expired access token: renew once and repeat (as wechatpy does)."""

_BUSY: Final = frozenset((-1,))
_QUOTA: Final = frozenset((45009, 45011))
_NO_ACCESS: Final = frozenset((48001, 48004, 50001, 50002))
_BAD_APP: Final = frozenset((40013, 40125, 41002, 41004))
_IP_REFUSED: Final = 40164
_INVALID_MEDIA: Final = 40007
_UNKNOWN_ARTICLE: Final = frozenset((40007, 53600))
_SCANNED: Final = 100
"""How many of the account's latest publications a look-up by fingerprint reads."""
_PAGE: Final = 20
"""``freepublish/batchget`` returns at most 20 publications a call."""

_FAILED_STATES: Final = {
    2: ("originality_failed", "the originality (原创) check failed"),
    3: ("failed", "the publication failed (常规失败)"),
    4: ("rejected", "the review (审核) rejected it"),
    5: ("deleted", "it was published and then deleted by the account (已删除)"),
    6: ("banned", "it was published and then banned by the platform (已封禁)"),
}
"""``freepublish/get``'s ``publish_status`` for publications that did not stay out."""

_SECRET_IN_URL: Final = re.compile(r"(access_token=)[^&\s\"']+")


class _RedactTokens(logging.Filter):
    """httpx logs each request's URL at INFO; WeChat's carry the access token: hide it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "access_token=" in message:
            record.msg, record.args = _SECRET_IN_URL.sub(r"\1***", message), None
        return True


def _install_redaction() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactTokens) for f in logger.filters):
        logger.addFilter(_RedactTokens())


_install_redaction()


def fingerprint(idempotency_key: str) -> str:
    """The mark an article published with ``idempotency_key`` carries (its ``data-libops``
    attribute): 24 hex digits of a SHA-256 hash of the key, the same every time."""
    return hashlib.sha256(f"libops-wechat:{idempotency_key}".encode()).hexdigest()[:24]


def article_html(variant: PostVariant, mark: str) -> tuple[str, str]:
    """The title and the article HTML ``draft/add`` gets for ``variant``: the title is the
    text's first line (cut to 32 characters), the body its other lines (or the whole text
    when it has one line), each paragraph a ``<p>``, all in a ``<section data-libops>``."""
    lines = [line.strip() for line in variant.text.strip().splitlines()]
    first = lines[0] if lines else ""
    title = first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"
    rest = [line for line in lines[1:] if line] or [first]
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in rest)
    return title, f'<section data-libops="{mark}">{paragraphs}</section>'


def msgid_of(url: str) -> tuple[str, int] | None:
    """The datacube's ``(msg_data_id, index)`` of an article, from its permanent URL's
    ``mid`` and ``idx`` (``https://mp.weixin.qq.com/s?__biz=...&mid=...&idx=1&sn=...``)."""
    query = parse_qs(urlsplit(url).query)
    mid, idx = query.get("mid", [""])[0], query.get("idx", [""])[0]
    if not mid.isdigit() or not idx.isdigit():
        return None
    return mid, int(idx)


def _article_id(external_id: str) -> str:
    if not isinstance(external_id, str) or not external_id.strip():
        raise InvalidValueError("a WeChat article id must be non-empty text")
    return external_id


def _count(value: Any) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise PlatformError(
            f"wechat sent a count that is not a number: {value!r}", retryable=False
        ) from None
    return max(0, number)


def _ratio(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    if not number.is_finite() or number < 0:
        return None
    return number / 100 if number > 1 else number


class WeChatGateway(HttpGateway):
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
            data = self._call(
                "/cgi-bin/freepublish/get",
                {"publish_id": entry["publish_id"]},
                allow=frozenset((_INVALID_MEDIA,)),
            )
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
        article_id = _article_id(external_id)
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
        if since is not None and since.utcoffset() is None:
            raise InvalidValueError("since must be timezone-aware")
        article_id = _article_id(external_id)
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
                posted_at = datetime.fromtimestamp(_count(item.get("create_time")), UTC)
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
            if not page or begin >= _count(data.get("total")):
                break
        return sorted(found, key=lambda c: (c.posted_at, c.external_id))

    def take_down(self, external_id: str) -> None:
        """Delete the publication (``freepublish/delete``, irreversible); an article gone
        already counts as taken down."""
        article_id = _article_id(external_id)
        if self._article_gone(article_id):
            return
        self._call("/cgi-bin/freepublish/delete", {"article_id": article_id, "index": 0})

    # --- publishing ----------------------------------------------------------------------------

    def _draft(
        self,
        key: str,
        entry: Mapping[str, Any],
        variant: PostVariant,
        title: str,
        content: str,
        text: str,
    ) -> str:
        """The draft's ``media_id``: one an earlier attempt made whose answer was lost (found
        in the draft box by its fingerprint and text), or a new one."""
        mark = fingerprint(key)

        def look_up() -> dict[str, Any] | None:
            return self._find_draft(mark, content)

        if entry.get("drafting") == text:
            found = look_up()
            if found is not None:
                return str(found["media_id"])
        self._save(key, {"drafting": text})
        return self._add_draft(variant, title, content, look_up)

    def _find_draft(self, mark: str, content: str) -> dict[str, Any] | None:
        """The newest draft in the draft box (``draft/batchget``, 100 at most) whose content
        carries ``mark`` and is ``content``."""
        needle = f'data-libops="{mark}"'
        offset = 0
        while offset < _SCANNED:
            data = self._call(
                "/cgi-bin/draft/batchget", {"offset": offset, "count": _PAGE, "no_content": 0}
            )
            items = [i for i in data.get("item") or [] if isinstance(i, dict)]
            for item in items:
                news = list((item.get("content") or {}).get("news_item") or [])
                first = news[0] if news and isinstance(news[0], dict) else {}
                body = str(first.get("content") or "")
                if needle in body and body == content and isinstance(item.get("media_id"), str):
                    return {"media_id": item["media_id"]}
            offset += len(items)
            if not items or offset >= _count(data.get("total_count")):
                break
        return None

    def _add_draft(
        self,
        variant: PostVariant,
        title: str,
        content: str,
        look_up: Callable[[], dict[str, Any] | None],
    ) -> str:
        reference = variant.media[0] if variant.media else ""
        article: dict[str, Any] = {
            "article_type": "news",
            "title": title,
            "content": content,
            "thumb_media_id": self._covers.get(reference, reference),
            "need_open_comment": 1 if self._open_comments else 0,
        }
        if self._author:
            article["author"] = self._author
        if variant.link:
            article["content_source_url"] = variant.link
        data = self._call(
            "/cgi-bin/draft/add", {"articles": [article]}, before_retry=look_up, publishing=True
        )
        media_id = data.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise PlatformError("wechat: draft/add answered without a media_id", retryable=True)
        return media_id

    def _submit(self, key: str, entry: dict[str, Any], mark: str) -> dict[str, Any]:
        """Submit the draft; if an earlier submit of it may have gone through, look for the
        article instead of publishing it again."""
        sent_before = bool(entry.get("submitted"))
        entry = {**entry, "submitted": True}
        self._save(key, entry)

        def look_up() -> dict[str, Any] | None:
            return self._scan(mark)

        data = self._call(
            "/cgi-bin/freepublish/submit",
            {"media_id": entry["media_id"]},
            allow=frozenset((_INVALID_MEDIA,)),
            before_retry=look_up,
            publishing=True,
        )
        if "article_id" in data:  # found by the look-up before a retry
            entry = {**entry, **data}
            self._save(key, entry)
            return entry
        if data.get("errcode") == _INVALID_MEDIA:
            if sent_before or data.get("_retried"):
                return self._await_lost(key, entry, mark)
            self._save(key, {})
            raise PlatformError(
                f"wechat: the draft {entry['media_id']!r} is no longer in the draft box "
                "(40007); publishing again makes a new draft",
                retryable=True,
            )
        publish_id = data.get("publish_id")
        if publish_id is None:
            raise PlatformError("wechat: freepublish/submit gave no publish_id", retryable=True)
        entry = {**entry, "publish_id": str(publish_id)}
        if data.get("msg_data_id") is not None:
            entry["msg_data_id"] = str(data["msg_data_id"])
        self._save(key, entry)
        return entry

    def _await_lost(self, key: str, entry: dict[str, Any], mark: str) -> dict[str, Any]:
        """An earlier submit took the draft but its answer was lost: wait for the article to
        appear among the publications (bounded), never submitting again."""
        for wait in self._poll_waits():
            found = self._scan(mark)
            if found is not None:
                entry = {**entry, **found}
                self._save(key, entry)
                return entry
            if wait is None:
                break
            self._sleep(wait)
        raise PlatformError(
            "wechat: an earlier submit of this article was accepted but its answer was lost, "
            "and the article is not out yet (still publishing, or failed); libops looks "
            "for it again on the next attempt and does not submit it twice",
            retryable=True,
        )

    def _await(self, key: str, entry: dict[str, Any]) -> PublishReceipt:
        """Poll ``freepublish/get`` with growing waits until the publication succeeded or
        failed, for at most ``publish_wait``."""
        for wait in self._poll_waits():
            data = self._call(
                "/cgi-bin/freepublish/get",
                {"publish_id": entry["publish_id"]},
                allow=frozenset((_INVALID_MEDIA,)),
            )
            if data.get("errcode") == _INVALID_MEDIA:
                self._save(key, {})
                raise PlatformError(
                    f"wechat does not know the publish job {entry['publish_id']!r} any more; "
                    "publishing again starts over",
                    retryable=True,
                )
            status = data.get("publish_status")
            if status == 0:
                return self._receipt(self._succeeded(key, entry, data))
            if status in _FAILED_STATES:
                reason, words = _FAILED_STATES[status]
                if status in (2, 3, 4):
                    self._save(key, {})  # the draft stays; a later publish makes a new one
                failed = ", ".join(str(i) for i in data.get("fail_idx") or [])
                where = f" (articles {failed})" if failed else ""
                raise PlatformPublicationFailedError(
                    "wechat",
                    reason,
                    f"{words}{where}; fix it in the back office or publish the article "
                    "by hand and record it (post.record_manual_publication)",
                )
            if status != 1:
                raise PlatformError(
                    f"wechat sent an unknown publish_status {status!r}", retryable=True
                )
            if wait is None:
                break
            self._sleep(wait)
        raise PlatformError(
            f"wechat is still publishing the article after {self._publish_wait}; libops "
            "polls the same publish job again on the next attempt",
            retryable=True,
        )

    def _poll_waits(self) -> list[float | None]:
        """Waits between polls: 1, 2, 4 ... seconds (jittered, at most ``max_delay``),
        adding up to at most ``publish_wait``; the last entry is None (no wait after it)."""
        waits: list[float | None] = []
        total, step = 0.0, 1.0
        budget = self._publish_wait.total_seconds()
        while True:
            wait = min(step, self._retry.max_delay) * self._rng.uniform(0.75, 1.0)
            if total + wait > budget:
                break
            waits.append(wait)
            total += wait
            step *= 2
        return [*waits, None]

    def _succeeded(
        self, key: str, entry: dict[str, Any], data: Mapping[str, Any]
    ) -> dict[str, Any]:
        items = (data.get("article_detail") or {}).get("item") or []
        urls = [i.get("article_url") for i in items if isinstance(i, dict)]
        if not data.get("article_id") or not urls or not isinstance(urls[0], str):
            raise PlatformError(
                "wechat reported a publication without its article_id or URL", retryable=True
            )
        entry = {
            **entry,
            "article_id": str(data["article_id"]),
            "url": urls[0],
            "published_at": self._clock.now().isoformat(),
        }
        self._save(key, entry)
        return entry

    def _scan(self, mark: str = "", article_id: str = "") -> dict[str, Any] | None:
        """The latest publications (``freepublish/batchget``, 20 a page, 100 at most): the
        one carrying ``mark`` in its content, or with ``article_id``."""
        needle = f'data-libops="{mark}"'
        offset = 0
        while offset < _SCANNED:
            data = self._call(
                "/cgi-bin/freepublish/batchget",
                {"offset": offset, "count": _PAGE, "no_content": 0 if mark else 1},
            )
            items = [i for i in data.get("item") or [] if isinstance(i, dict)]
            for item in items:
                news = list((item.get("content") or {}).get("news_item") or [])
                first = news[0] if news and isinstance(news[0], dict) else {}
                if first.get("is_deleted"):
                    continue
                hit = (mark and needle in str(first.get("content") or "")) or (
                    article_id and str(item.get("article_id")) == article_id
                )
                if hit and isinstance(first.get("url"), str):
                    at = datetime.fromtimestamp(_count(item.get("update_time")), UTC)
                    found = {
                        "article_id": str(item["article_id"]),
                        "url": first["url"],
                        "published_at": at.isoformat(),
                    }
                    self._articles[found["article_id"]] = (found["url"], at)
                    return found
            offset += len(items)
            if not items or offset >= _count(data.get("total_count")):
                break
        return None

    def _receipt(self, entry: Mapping[str, Any]) -> PublishReceipt:
        at = datetime.fromisoformat(str(entry["published_at"]))
        self._articles[str(entry["article_id"])] = (str(entry["url"]), at)
        return PublishReceipt(
            platform=Platform.WECHAT,
            external_id=str(entry["article_id"]),
            url=str(entry["url"]),
            published_at=at,
        )

    # --- articles and statistics ---------------------------------------------------------

    def _article_gone(self, article_id: str) -> bool:
        data = self._call(
            "/cgi-bin/freepublish/getarticle",
            {"article_id": article_id},
            allow=_UNKNOWN_ARTICLE,
        )
        if data.get("errcode") in _UNKNOWN_ARTICLE:
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
                f"{_SCANNED} publications, so its day is unknown; import its statistics from "
                "the back office",
                retryable=False,
            )
        return self._articles[article_id]

    def _snapshot(self, row: Mapping[str, Any], now: datetime) -> MetricSnapshot:
        """Sum the row's days (``detail_list``): each is one day's figures."""
        days = [d for d in row.get("detail_list") or [] if isinstance(d, dict)]

        def total(name: str) -> int:
            return sum(_count(d.get(name)) for d in days)

        reads = total("read_user")
        extra: dict[str, int | Decimal] = {"wow": total("zaikan_user")}
        weighted = [
            (rate, _count(d.get("read_user")))
            for d in days
            if (rate := _ratio(d.get("read_finish_rate"))) is not None
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

    # --- calls, tokens, errors -----------------------------------------------------------

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
            if code in _BUSY:
                words = str(response.json().get("errmsg") or "")
                return PlatformError(f"wechat is busy (-1 {words}) answering {path}")
            if code in _QUOTA:
                return PlatformRateLimitedError("wechat", _quota_wait(code, self._clock))
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
        raise self._refusal_for(code, words, path, publishing, statistics)

    @property
    def _account(self) -> str:
        return f"wechat/{self._appid}"

    def _json(self, response: httpx.Response, path: str) -> dict[str, Any]:
        if response.status_code >= 400:
            raise PlatformRejectedError("wechat", response.status_code, response.reason_phrase)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
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

    def _refusal_for(
        self, code: int, words: str, path: str, publishing: bool, statistics: bool
    ) -> PlatformError:
        if code in EXPIRED_TOKEN:
            return PlatformCredentialsError(
                "wechat",
                f"WeChat refused a freshly fetched access token ({code} {words}); check the "
                "AppSecret in the credential store and that no other system forces new tokens",
            )
        if code in _BAD_APP:
            return PlatformCredentialsError(
                "wechat",
                f"WeChat refused the AppID or AppSecret ({code} {words}); copy them again from "
                "the back office (设置与开发 > 基本配置) into the credential store",
            )
        if code == _IP_REFUSED:
            return PlatformCredentialsError(
                "wechat",
                f"this machine's IP address is not on the account's whitelist ({words}); add "
                "it under 设置与开发 > 基本配置 > IP白名单 (takes about 5 minutes)",
            )
        if code in _NO_ACCESS:
            if statistics:
                advice = (
                    "only verified (认证) accounts may read the statistics by API: download "
                    "them from the back office (数据分析) and import them (libops import)"
                )
            elif publishing or "freepublish" in path:
                advice = (
                    "WeChat no longer lets this account publish by API (unverified and "
                    "personal accounts lost it in July 2025): publish the approved text by "
                    "hand in the back office, record it with post.record_manual_publication, "
                    "and import the statistics from the back office (libops import)"
                )
            else:
                advice = "this account may not use this API; do it in the back office"
            return PlatformApiAccessError("wechat", f"{advice} ({code} {words})")
        return PlatformRejectedError("wechat", 200, f"{path} errcode {code}: {words}")

    # --- the ledger ----------------------------------------------------------------------

    def _entry(self, key: str) -> dict[str, Any]:
        with self._lock:
            raw = self._ledger.get(key)
        if not raw:
            return {}
        try:
            entry = json.loads(raw)
        except ValueError:
            return {}
        return entry if isinstance(entry, dict) else {}

    def _save(self, key: str, entry: Mapping[str, Any]) -> None:
        with self._lock:
            if entry:
                clean = {k: v for k, v in entry.items() if not k.startswith("_")}
                self._ledger[key] = json.dumps(clean, sort_keys=True)
            else:
                self._ledger.pop(key, None)


def _quota_wait(code: int, clock: Clock) -> float | None:
    """45009 is a daily quota: the seconds until midnight in Beijing; 45011 a minute's."""
    if code == 45011:
        return 60.0
    now = clock.now().astimezone(BEIJING)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), BEIJING)
    return (midnight - now).total_seconds()


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

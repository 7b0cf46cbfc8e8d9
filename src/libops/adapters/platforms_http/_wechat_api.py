"""What WeChat's Official Account API says and takes, apart from any call: its limits,
error codes and publication states, the article HTML and the fingerprint it carries, the
datacube's ids, quota waits, the errors its refusals stand for, and the redaction of access
tokens from httpx's log lines. :mod:`libops.adapters.platforms_http.wechat` uses them."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from libops.adapters.platforms_http._http import sent_count
from libops.domain.errors import (
    InvalidValueError,
    PlatformApiAccessError,
    PlatformCredentialsError,
    PlatformError,
    PlatformRejectedError,
)
from libops.domain.ports import Clock
from libops.domain.values import (
    Platform,
    PlatformLimits,
    PostVariant,
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

BUSY: Final = frozenset((-1,))
QUOTA: Final = frozenset((45009, 45011))
NO_ACCESS: Final = frozenset((48001, 48004, 50001, 50002))
BAD_APP: Final = frozenset((40013, 40125, 41002, 41004))
IP_REFUSED: Final = 40164
INVALID_MEDIA: Final = 40007
UNKNOWN_ARTICLE: Final = frozenset((40007, 53600))
SCANNED: Final = 100
"""How many of the account's latest publications a look-up by fingerprint reads."""
PAGE: Final = 20
"""``freepublish/batchget`` returns at most 20 publications a call."""

FAILED_STATES: Final = {
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


def checked_article_id(external_id: str) -> str:
    if not isinstance(external_id, str) or not external_id.strip():
        raise InvalidValueError("a WeChat article id must be non-empty text")
    return external_id


def count_of(value: Any) -> int:
    """A count WeChat sent (none is 0, a negative one 0)."""
    return sent_count(Platform.WECHAT, value)


def ratio_of(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    if not number.is_finite() or number < 0:
        return None
    return number / 100 if number > 1 else number


def refusal_for(
    code: int, words: str, path: str, *, publishing: bool, statistics: bool
) -> PlatformError:
    """The error WeChat's ``errcode`` ``code`` (with its ``errmsg`` ``words``) stands for
    when ``path`` refused it for good: what to do about it, in the back office or by hand."""
    if code in EXPIRED_TOKEN:
        return PlatformCredentialsError(
            "wechat",
            f"WeChat refused a freshly fetched access token ({code} {words}); check the "
            "AppSecret in the credential store and that no other system forces new tokens",
        )
    if code in BAD_APP:
        return PlatformCredentialsError(
            "wechat",
            f"WeChat refused the AppID or AppSecret ({code} {words}); copy them again from "
            "the back office (设置与开发 > 基本配置) into the credential store",
        )
    if code == IP_REFUSED:
        return PlatformCredentialsError(
            "wechat",
            f"this machine's IP address is not on the account's whitelist ({words}); add "
            "it under 设置与开发 > 基本配置 > IP白名单 (takes about 5 minutes)",
        )
    if code in NO_ACCESS:
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


def quota_wait(code: int, clock: Clock) -> float | None:
    """45009 is a daily quota: the seconds until midnight in Beijing; 45011 a minute's."""
    if code == 45011:
        return 60.0
    now = clock.now().astimezone(BEIJING)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), BEIJING)
    return (midnight - now).total_seconds()

"""What Douyin's open API says and takes, apart from any call: the publishing limits, the
``error_code`` values and the HTTP status each stands for, the credential entries the
gateway reads and writes, and how its answers' times, lifetimes and counts are read.
:mod:`libops.adapters.platforms_http.douyin` uses them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx

from libops.adapters.platforms_http._http import json_object, sent_count
from libops.domain.errors import (
    PlatformError,
)
from libops.domain.values import (
    Platform,
    PlatformLimits,
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

SCANNED: Final = 20
SLACK: Final = timedelta(minutes=10)


def code_of(response: httpx.Response) -> int | None:
    """The ``error_code`` an answer carries in its ``data`` or ``extra``, if any."""
    body = json_object(response)
    if body is None:
        return None
    for part in ("data", "extra"):
        inner = body.get(part)
        if isinstance(inner, dict) and inner.get("error_code"):
            try:
                return int(inner["error_code"])
            except (TypeError, ValueError):
                return -1
    return None


def words_of(response: httpx.Response) -> str:
    """Douyin's own words for a failed answer: its error code and description."""
    body = json_object(response) or {}
    for part in (body.get("data"), body.get("extra")):
        if isinstance(part, dict) and part.get("error_code"):
            words = str(part.get("description") or part.get("sub_description") or "")[:300]
            return f"{part['error_code']} {words}".strip()
    return response.reason_phrase


def classify(response: httpx.Response) -> int | None:
    """Douyin answers HTTP 200 with an ``error_code``: the status that code stands for."""
    code = code_of(response)
    if code is None:
        return None
    if code in RETRY:
        return 503
    if code in BACK_OFF:
        return 429
    if code in TOKEN_DEAD:
        return 401
    return 400


def moment_of(value: Any, what: str) -> datetime:
    """A time Douyin sent as a Unix timestamp (``what`` names it in the error)."""
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError) as error:
        raise PlatformError(f"douyin sent a bad {what}: {value!r}", retryable=False) from error


def seconds_of(value: Any) -> timedelta | None:
    """A lifetime Douyin sent in seconds (``expires_in``), if it sent a positive one."""
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return timedelta(seconds=seconds) if seconds > 0 else None


def count_of(value: Any) -> int:
    """A count Douyin sent (none is 0, a negative one 0)."""
    return sent_count(Platform.DOUYIN, value)

"""What the HTTP platform adapters share: one bounded retry loop over an httpx client.

Retryable answers (429, 5xx, a timeout, a dropped connection) are tried again after a
backoff with jitter, honouring ``Retry-After``, up to :attr:`HttpRetry.attempts` calls in
all; credentials that expired are renewed once through the adapter's own hook; any other
4xx is the platform's final word. Nothing here logs, and no error carries a header.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import attrs
import httpx

from libops.adapters.clock import SystemClock
from libops.domain.errors import (
    InvalidValueError,
    PlatformAdapterConfigError,
    PlatformError,
    PlatformRateLimitedError,
    PlatformTimeoutError,
)
from libops.domain.ports import Clock, Comment
from libops.domain.values import Platform, PlatformLimits, PostVariant

Sleep = Callable[[float], object]
"""Waits that many seconds (``time.sleep``; tests pass a recorder)."""

TokenProvider = Callable[[], str]
"""Returns a secret (an access token, an app password) when the adapter needs it; read on
each use, so a token replaced in the provider's store is picked up without a restart."""


def _positive(name: str) -> Callable[[Any, Any, float], None]:
    def check(_instance: Any, _attribute: Any, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise PlatformAdapterConfigError(f"{name} must be a positive number, not {value!r}")

    return check


@attrs.frozen
class HttpRetry:
    """How an adapter retries a retryable failure: at most ``attempts`` calls in all, waiting
    ``base_delay * 2**n`` seconds (capped at ``max_delay``, times a random 0.5-1.0) between
    them, or what the platform's ``Retry-After`` says when it says; a platform asking to
    wait longer than ``max_delay`` ends the retries at once."""

    attempts: int = attrs.field(default=4, validator=_positive("attempts"))
    base_delay: float = attrs.field(default=0.5, validator=_positive("base_delay"))
    max_delay: float = attrs.field(default=30.0, validator=_positive("max_delay"))

    def __attrs_post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int):
            raise PlatformAdapterConfigError(
                f"attempts must be a whole number, not {self.attempts!r}"
            )

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float | None:
        """Seconds to wait after failed call number ``attempt``; None to stop retrying."""
        if attempt >= self.attempts:
            return None
        if retry_after is not None:
            if retry_after > self.max_delay:
                return None
            return retry_after + rng.uniform(0, self.base_delay / 10)
        backoff: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return backoff * rng.uniform(0.5, 1.0)


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash, if it is an http(s) URL with a host."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise PlatformAdapterConfigError(
            f"a platform base URL must be http(s)://host..., not {url!r}"
        )
    return url.rstrip("/")


def retry_after_of(response: httpx.Response) -> float | None:
    """The seconds a ``Retry-After`` header asks for (a number of seconds), if any."""
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """An answer's body if it is a JSON object; None if it is not JSON, or not an object."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def error_text(response: httpx.Response) -> str:
    """The platform's own words for a failed answer (its ``message`` or ``error``)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        inner = body["data"] if isinstance(body.get("data"), dict) else {}
        words = body.get("message") or body.get("error") or inner.get("description") or ""
        name = body.get("error") if body.get("message") else None
        text = f"{name}: {words}" if name and name != words else str(words)
        return text[:500] or response.reason_phrase
    return response.reason_phrase


class HttpExchange:
    """One platform's httpx client with the retry loop; adapters own one each."""

    def __init__(
        self,
        platform: str,
        base_url: str,
        *,
        timeout: float,
        retry: HttpRetry,
        sleep: Sleep,
        transport: httpx.BaseTransport | None = None,
        seed: int | None = None,
    ) -> None:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise PlatformAdapterConfigError(f"timeout must be a positive number, not {timeout!r}")
        if not isinstance(retry, HttpRetry):
            raise PlatformAdapterConfigError(f"retry must be an HttpRetry, not {retry!r}")
        self.platform = platform
        self.base_url = check_base_url(base_url)
        self.retry = retry
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": "libops"},
        )

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        headers: Callable[[], Mapping[str, str]],
        json: Any = None,
        params: Mapping[str, Any] | Callable[[], Mapping[str, Any] | None] | None = None,
        renew: Callable[[httpx.Response], bool] | None = None,
        before_retry: Callable[[], httpx.Response | None] | None = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        classify: Callable[[httpx.Response], int | PlatformError | None] | None = None,
    ) -> httpx.Response:
        """One logical call: the answer unless retryable (then retried); 4xx answers return.

        ``renew(response)`` is asked about each 4xx answer: it renews the credentials and
        returns True to try once more (once per call). ``before_retry`` runs before each
        repeat; if it returns an answer, that answer ends the call (a publish found done).
        ``data`` is a form body, ``files`` a multipart upload (field → name, bytes, type).
        ``classify(response)`` names the HTTP status an answer stands for when the platform
        says it in the body (Weibo's ``error_code`` in a 403, Douyin's in a 200), or None to
        go by the real status; or it gives the error the answer stands for, tried again if
        it is retryable (WeChat's "busy" in a 200), else raised. ``params`` may be a function
        called for each attempt (a token in the query, WeChat's, renewed between attempts).
        """
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1 and before_retry is not None:
                found = before_retry()
                if found is not None:
                    return found
            retry_after: float | None = None
            try:
                response = self._client.request(
                    method,
                    path,
                    headers=dict(headers()),
                    json=json,
                    params=params() if callable(params) else params,
                    data=data,
                    files=files,
                )
            except httpx.TimeoutException:
                failure: PlatformError = PlatformTimeoutError(
                    f"{self.platform} did not answer {method} {path} in time"
                )
            except httpx.TransportError as error:
                failure = PlatformTimeoutError(
                    f"{self.platform}: the answer to {method} {path} was lost "
                    f"({type(error).__name__}); the request may have gone through"
                )
            else:
                said = None if classify is None else classify(response)
                if isinstance(said, PlatformError):
                    if not said.retryable:
                        raise said
                    failure = said  # the platform's own retryable failure
                else:
                    status = said or response.status_code
                    if status < 300:
                        return response
                    if 400 <= status < 500 and status != 429:
                        if renew is not None and not renewed and renew(response):
                            renewed = True
                            attempt -= 1
                            continue
                        return response
                    if status == 429:
                        retry_after = retry_after_of(response)
                        failure = PlatformRateLimitedError(self.platform, retry_after)
                    else:
                        failure = PlatformError(
                            f"{self.platform} failed {method} {path} ({status}): "
                            f"{error_text(response)}",
                            retryable=True,
                        )
            wait = self.retry.delay(attempt, retry_after, self._rng)
            if wait is None:
                raise failure
            self._sleep(wait)


def default_sleep(seconds: float) -> None:
    """``time.sleep``."""
    time.sleep(seconds)


def checked_key(value: str) -> str:
    """The key a publish was given, if it is non-empty text."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError("an idempotency key must be non-empty text")
    return value


def check_platform(platform: Platform, variant: PostVariant, *, verb: str = "posted") -> None:
    """Refuse (for good) a variant written for another platform."""
    if variant.platform is not platform:
        raise PlatformError(
            f"a {variant.platform.value} variant cannot be {verb} on {platform.value}",
            retryable=False,
        )


def check_variant(
    platform: Platform, limits: PlatformLimits, variant: PostVariant, *, verb: str = "posted"
) -> None:
    """Refuse (for good, before any request) a variant for another platform or over
    ``limits``, naming every limit it breaks."""
    check_platform(platform, variant, verb=verb)
    problems = limits.violations(variant)
    if problems:
        raise PlatformError(f"{platform.value}: {'; '.join(problems)}", retryable=False)


def sent_moment(platform: Platform, value: Any, what: str) -> datetime:
    """A time ``platform`` sent as ISO 8601 text with an offset (``what`` names it in the
    error, which is final: the platform would send the same again)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise PlatformError(
            f"{platform.value} sent a bad {what}: {value!r}", retryable=False
        ) from error
    if moment.utcoffset() is None:
        raise PlatformError(
            f"{platform.value} sent a {what} without a timezone: {value!r}", retryable=False
        )
    return moment


def sent_count(platform: Platform, value: Any) -> int:
    """A count ``platform`` sent: a number, or a number as text (none, and a negative one,
    count 0); anything else is refused for good."""
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        raise PlatformError(
            f"{platform.value} sent a count that is not a number: {value!r}", retryable=False
        ) from None


def check_since(since: datetime | None) -> None:
    """Refuse a ``since`` (the start of a comments call) without a timezone."""
    if since is not None and since.utcoffset() is None:
        raise InvalidValueError("since must be timezone-aware")


def oldest_first(found: Iterable[Comment]) -> list[Comment]:
    """Comments in the port's order: oldest first, then by id."""
    return sorted(found, key=lambda c: (c.posted_at, c.external_id))


class HttpGateway:
    """What every HTTP gateway shares: its platform (:attr:`PLATFORM`), its limits, its
    exchange (closed by :meth:`close`) and a repr naming its server (never a secret)."""

    PLATFORM: ClassVar[Platform]
    _http: HttpExchange
    _limits: PlatformLimits
    _clock: Clock

    def _connect(
        self,
        base_url: str,
        *,
        limits: PlatformLimits,
        clock: Clock | None,
        timeout: float,
        retry: HttpRetry | None,
        sleep: Sleep,
        transport: httpx.BaseTransport | None,
        seed: int | None = None,
    ) -> None:
        """Set up what every gateway's constructor sets up: the exchange with ``base_url``
        (named after :attr:`PLATFORM`; ``retry`` None is the default :class:`HttpRetry`),
        the limits, and the clock (the system's when None)."""
        self._http = HttpExchange(
            self.PLATFORM.value,
            base_url,
            timeout=timeout,
            retry=retry or HttpRetry(),
            sleep=sleep,
            transport=transport,
            seed=seed,
        )
        self._limits = limits
        self._clock = clock or SystemClock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._http.base_url!r})"

    @property
    def platform(self) -> Platform:
        """The platform this gateway publishes to."""
        return self.PLATFORM

    @property
    def limits(self) -> PlatformLimits:
        """What one post may hold through this gateway."""
        return self._limits

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

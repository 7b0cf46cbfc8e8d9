"""The part every local platform fake shares: a threaded HTTP server on 127.0.0.1 that
answers JSON, keeps time on a clock the test controls, and misbehaves on request."""

from __future__ import annotations

import abc
import hashlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import attrs

from libops.domain.errors import InvalidValueError
from libops.domain.ports import Clock

Json = dict[str, Any]
_FORM = "application/x-www-form-urlencoded"
"""A form body reaches the routes as a dict of each field's (first) value."""


@attrs.frozen
class Answer:
    """One HTTP answer of a fake: status, JSON body and extra headers."""

    status: int
    body: Json | list[Json]
    headers: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Request:
    """One HTTP request as a fake's routes see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Json
    raw: bytes = b""
    """The body as sent (what a multipart upload's route reads)."""


@attrs.frozen
class _Fault:
    kind: str  # "status", "rate_limit", "slow", "lose"
    status: int = 503
    seconds: float = 0.0
    path: str = ""


def _require_count(count: object) -> int:
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise InvalidValueError(f"a fault count must be a positive whole number, not {count!r}")
    return count


class FakeServer(abc.ABC):
    """A platform fake on a free loopback port; subclasses implement :meth:`route`.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`). ``base_url`` is
    where it answers. Faults queued with :meth:`fail_next`, :meth:`rate_limit_next`,
    :meth:`slow_next` and :meth:`lose_response_next` apply to the next requests whose path
    contains ``path`` (every request when it is empty), one fault per request, in order.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._faults: deque[_Fault] = deque()
        self._requests: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms stall

            def log_message(self, format: str, *args: Any) -> None:  # stdlib name
                """Quiet: tests read the fake's state, not its log."""

            def do_GET(self) -> None:  # stdlib naming
                fake._handle(self, "GET")

            def do_POST(self) -> None:  # stdlib naming
                fake._handle(self, "POST")

            def do_DELETE(self) -> None:  # stdlib naming
                fake._handle(self, "DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- life ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, where the fake answers."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Start answering in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},  # stop() waits up to one interval
                name=type(self).__name__,
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and free the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- faults ----------------------------------------------------------------------------

    def fail_next(self, count: int = 1, *, status: int = 503, path: str = "") -> None:
        """Answer the next ``count`` matching requests with HTTP ``status`` (doing nothing)."""
        if not 500 <= status <= 599:
            raise InvalidValueError(f"fail_next takes a 5xx status, not {status!r}")
        self._queue(count, _Fault("status", status=status, path=path))

    def rate_limit_next(self, count: int = 1, *, retry_after: float = 1, path: str = "") -> None:
        """Answer the next ``count`` matching requests with 429 and ``Retry-After``."""
        if retry_after < 0:
            raise InvalidValueError("retry_after cannot be negative")
        self._queue(count, _Fault("rate_limit", seconds=retry_after, path=path))

    def slow_next(self, count: int = 1, *, seconds: float = 2.0, path: str = "") -> None:
        """Wait ``seconds`` (real time) before doing and answering the next matching requests."""
        if seconds <= 0:
            raise InvalidValueError("slow_next takes a positive number of seconds")
        self._queue(count, _Fault("slow", seconds=seconds, path=path))

    def lose_response_next(self, count: int = 1, *, path: str = "") -> None:
        """Do the work of the next matching requests, then drop the connection unanswered."""
        self._queue(count, _Fault("lose", path=path))

    def requests(self) -> list[tuple[str, str]]:
        """Every request answered or dropped so far, as ``(method, path)``, in order."""
        with self._lock:
            return list(self._requests)

    def _queue(self, count: int, fault: _Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * _require_count(count))

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path in path:
                    self._faults.remove(fault)
                    return fault
            return None

    # --- answering -------------------------------------------------------------------------

    def now(self) -> datetime:
        """The fake's time (its clock's)."""
        return self.clock.now()

    @abc.abstractmethod
    def route(self, request: Request) -> Answer:
        """Answer one request (called with the fake's lock held)."""

    def common_headers(self, request: Request) -> dict[str, str]:
        """Headers on every answer (rate-limit headers, ...)."""
        return {}

    def rate_limited(self, request: Request, retry_after: float) -> Answer:
        """The platform's 429 answer."""
        return Answer(429, {"error": "Too many requests"}, {"Retry-After": f"{retry_after:g}"})

    def server_error(self, request: Request, status: int) -> Answer:
        """The platform's 5xx answer."""
        return Answer(status, {"error": "Service unavailable"})

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            if handler.headers.get("Content-Type", "").startswith("multipart/"):
                body = {}
            elif handler.headers.get("Content-Type", "").startswith(_FORM):
                form = parse_qs(raw.decode(), keep_blank_values=True)
                body = {name: values[0] for name, values in form.items()}
            else:
                body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        request = Request(
            method=method,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body if isinstance(body, dict) else {},
            raw=raw,
        )
        with self._lock:
            self._requests.append((method, parts.path))
        fault = self._take_fault(parts.path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "status":
            answer = self.server_error(request, fault.status)
        elif fault is not None and fault.kind == "rate_limit":
            answer = self.rate_limited(request, fault.seconds)
        elif body is None:
            answer = Answer(400, {"error": "InvalidRequest", "message": "body is not JSON"})
        else:
            with self._lock:
                answer = self.route(request)
        if fault is not None and fault.kind == "lose":
            handler.close_connection = True
            return
        payload = json.dumps(answer.body).encode()
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in {**self.common_headers(request), **answer.headers}.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:  # the client gave up waiting (a timeout test): nothing to answer
            handler.close_connection = True


def iso_millis(moment: datetime) -> str:
    """``moment`` as the ActivityPub and AT Protocol servers write times: ISO 8601 with
    milliseconds and ``Z`` for UTC."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def deterministic(seed: str) -> Callable[[int], int]:
    """A stable pseudo-random number source for ``seed``: ``n -> 0..2**32-1``."""

    def draw(n: int) -> int:
        digest = hashlib.sha256(f"{seed}:{n}".encode()).digest()
        return int.from_bytes(digest[:4], "big")

    return draw


@attrs.frozen
class Audience:
    """How readers react to one fake post over time: cumulative counts that only grow, and
    replies at fixed moments after the post (all derived from the post's id)."""

    seed: str
    created_at: datetime

    def count(self, now: datetime, which: int, top: int, half_life_hours: float) -> int:
        """A cumulative count: up to ``top`` plus a per-post spread, rising with age."""
        hours = max(0.0, (now - self.created_at).total_seconds() / 3600)
        ceiling = top // 2 + deterministic(self.seed)(which) % (top + 1)
        return int(ceiling * (1 - math.exp(-hours / half_life_hours)))

    def reply_times(self) -> list[datetime]:
        """When readers reply to the post (oldest first)."""
        draw = deterministic(self.seed)
        moments, at = [], self.created_at
        for n in range(draw(99) % 6):
            at = at + timedelta(hours=1 + draw(100 + n) % 11, minutes=draw(200 + n) % 60)
            moments.append(at)
        return moments

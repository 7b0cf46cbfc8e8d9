"""The HTTP API as an ASGI app: ``create_app(ops, authenticate=...)`` (docs/http.md).

Every command is a ``POST /v1/commands/<name>`` of its JSON form, carried out by the one
execution path (:meth:`libops.application.commands.CommandBus.execute`) for the person the
authenticator names, never for one named in the body. Reads give aggregates, the standard
projections' documents, the activity log and the report. Every error is an RFC 9457 problem
(:mod:`libops.http.problems`); the OpenAPI document is generated (:mod:`libops.http.openapi`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, Protocol, TypeVar
from urllib.parse import urlencode

import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from libops.application.bulk_imports import latest_snapshot
from libops.application.catalogue import all_commands, build, command_spec, describe
from libops.application.commands import Context
from libops.application.feed import DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT
from libops.application.public import plain
from libops.bootstrap import LibOps
from libops.domain.errors import (
    FeedParameterError,
    InvalidCommandError,
    InvalidValueError,
    LibopsError,
    MalformedRequestError,
    RequestTooLargeError,
    StorageError,
    UnknownIdError,
    UnsupportedMediaTypeError,
    VersionMismatchError,
)
from libops.domain.post import Post
from libops.domain.values import Actor, MetricSnapshot, Platform
from libops.http.openapi import openapi_document
from libops.http.problems import INTERNAL_ERROR, PROBLEM_JSON, description, problem
from libops.http.public import aggregate_state
from libops.http.queries import query_routes
from libops.http.targets import AGGREGATES, target_of
from libops.projections.activity import PAGE_SIZE, expand, page_key, summarised
from libops.report import build_report, render_html, render_markdown

log = logging.getLogger("libops.http")

MAX_BODY: Final = 1024 * 1024
"""The largest request body the API reads, in bytes (1 MiB); a larger one is refused (413)."""

PAGE_LIMIT: Final = 500
"""The most documents or entries one read returns."""

DEFAULT_LIMIT: Final = 50
"""How many documents or entries a read returns when no ``limit`` is given."""

WORKER_THREADS: Final = 4
"""The threads that carry out commands and reads for one app on SQLite or in memory.

Few: the GIL runs one thread's Python at a time and the store takes one write at a time, so
more threads than this only wait, and each wait costs the server context switches (32
threads took 45 switches and about 2.2 ms of the server's CPU per command, 4 threads 18 and
1.5 ms; docs/http.md, Speed). While one thread waits for its commit, the others work."""

POSTGRES_WORKER_THREADS: Final = 32
"""The threads of an app on PostgreSQL, whose server works on several commands at once."""

_T = TypeVar("_T")

_ETAG: Final = re.compile(r'^"([0-9]{1,18})"$')


class Authenticator(Protocol):
    """Says who is acting from a request's headers, or raises :class:`AuthenticationError`.

    It is called for every request under ``/v1`` but the OpenAPI document and the problem
    descriptions, in a worker thread (it may look tokens up in a store).
    """

    def __call__(self, headers: Mapping[str, str]) -> Actor:
        """The acting person; :class:`AuthenticationError` if the headers do not prove one."""
        ...


Endpoint = Callable[[Request], Awaitable[Response]]


def _client(request: Request) -> str | None:
    return None if request.client is None else request.client.host


class JSONText(JSONResponse):
    """JSON with text as it is (Chinese stays Chinese), compact."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def problem_response(error: LibopsError) -> Response:
    """The problem answer to ``error``."""
    status, body, headers = problem(error)
    return JSONText(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _plain_problem(status: int, title: str, detail: str, error: str) -> Response:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "error": error,
    }
    return JSONText(body, status_code=status, media_type=PROBLEM_JSON)


def _answering_problems(endpoint: Endpoint) -> Endpoint:
    """Answer a libops error as its problem, and anything else as a 500 without details."""

    @functools.wraps(endpoint)
    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except LibopsError as error:
            log.info("%s %s refused: %s", request.method, request.url.path, type(error).__name__)
            return problem_response(error)
        except Exception:
            incident = uuid.uuid4().hex[:12]
            log.exception("%s %s failed (incident %s)", request.method, request.url.path, incident)
            return _plain_problem(
                500,
                "Internal Server Error",
                f"an unexpected error; it was logged on the server as incident {incident}",
                INTERNAL_ERROR,
            )

    return answer


def _settle(answer: asyncio.Future[_T], result: _T) -> None:
    if not answer.done():  # not cancelled meanwhile
        answer.set_result(result)


def _fail(answer: asyncio.Future[Any], error: BaseException) -> None:
    if not answer.done():
        answer.set_exception(error)


def _refuse_constant(name: str) -> Any:
    raise MalformedRequestError(None, f"the body is not JSON: {name} is not a JSON number")


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise MalformedRequestError(key, f"the body gives the key {key!r} twice")
        found[key] = value
    return found


def _limit(request: Request, name: str = "limit") -> int:
    text = request.query_params.get(name)
    if text is None:
        return DEFAULT_LIMIT
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= PAGE_LIMIT:
        raise MalformedRequestError(
            name, f"{name} is a whole number from 1 to {PAGE_LIMIT}, not {text!r}"
        )
    return int(text)


def _choice(request: Request, name: str, choices: tuple[str, ...]) -> str:
    text = request.query_params.get(name, choices[0])
    if text not in choices:
        raise MalformedRequestError(name, f"{name} is one of {', '.join(choices)}, not {text!r}")
    return text


def _expected_version(header: str | None) -> int | None:
    if header is None:
        return None
    found = _ETAG.match(header.strip())
    if found is None:
        raise MalformedRequestError(
            "If-Match", f'If-Match is one version as an ETag, such as "3", not {header!r}'
        )
    return int(found[1])


class _Api:
    """The endpoints, over one opened store."""

    def __init__(
        self, ops: LibOps, authenticate: Authenticator, max_body: int, threads: int
    ) -> None:
        self.ops = ops
        self.authenticate = authenticate
        self.max_body = max_body
        self.engine = ops.projections  # made now, not by two requests at once
        self._views = ops.open_view_store()
        self._report_lock = threading.Lock()
        self._openapi: dict[str, Any] | None = None
        self.threads = threads
        """How many worker threads carry out commands and reads."""
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="libops-http")
        # Reports take seconds and are made one at a time: a thread of their own, so that
        # requests for reports never hold the few threads commands and reads wait for.
        self._report_thread = ThreadPoolExecutor(1, thread_name_prefix="libops-http-report")

    def close(self) -> None:
        self._threads.shutdown(wait=False)
        self._report_thread.shutdown(wait=False)
        self._views.close()

    async def in_thread(self, function: Callable[..., _T], *args: Any) -> _T:
        """``function(*args)`` in one of the app's worker threads (it may wait for the store).

        A plain executor rather than Starlette's ``run_in_threadpool`` (anyio's), and the
        worker settles the awaited future itself (one callback on the event loop) instead of
        ``loop.run_in_executor``'s chain of futures: each costs the event loop, which every
        request passes through, less time per call (docs/http.md, Speed). Cancelled before a
        worker takes it, the call is not made (as with ``run_in_executor``).
        """
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[_T] = loop.create_future()

        def work() -> None:
            try:
                result = function(*args)
            except BaseException as error:  # handed to the awaiting request, as it was raised
                loop.call_soon_threadsafe(_fail, answer, error)
            else:
                loop.call_soon_threadsafe(_settle, answer, result)

        taken = self._threads.submit(work)
        answer.add_done_callback(lambda done: done.cancelled() and taken.cancel())
        return await answer

    # --- the parts of a request -----------------------------------------------------------

    def who(self, headers: Mapping[str, str], client: str | None) -> Actor:
        """The acting person of a request (called in a worker thread: it may read the store)."""
        # An authenticator that throttles by client address (TokenAuthenticator) gets it.
        by_client = getattr(self.authenticate, "authenticate_client", None)
        actor = by_client(headers, client) if callable(by_client) else self.authenticate(headers)
        if not isinstance(actor, Actor):
            raise TypeError(f"the authenticator gave a {type(actor).__name__}, not an Actor")
        return actor

    async def actor(self, request: Request) -> Actor:
        return await self.in_thread(self.who, request.headers, _client(request))

    async def body(self, request: Request) -> bytes | LibopsError:
        """The request's body, or the error it is refused with (raised after authentication)."""
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isascii() or not length.isdigit():
                return MalformedRequestError("Content-Length", f"not a length: {length!r}")
            if int(length) > self.max_body:
                return self._too_large()
        size = 0
        chunks: list[bytes] = []
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                return self._too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def json_object(self, headers: Mapping[str, str], raw: bytes | LibopsError) -> dict[str, Any]:
        """The body read by :meth:`body` as a JSON object, or the libops error refusing it."""
        if isinstance(raw, LibopsError):
            raise raw
        if not raw.strip():
            return {}
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json" and not (
            media.startswith("application/") and media.endswith("+json")
        ):
            raise UnsupportedMediaTypeError(
                f"the body is read as application/json, not {media or 'untyped data'}"
            )
        try:
            data = json.loads(
                raw.decode("utf-8"), parse_constant=_refuse_constant, object_pairs_hook=_no_repeats
            )
        except UnicodeDecodeError:
            raise MalformedRequestError(None, "the body is not UTF-8 text") from None
        except json.JSONDecodeError as error:
            raise MalformedRequestError(None, f"the body is not JSON: {error}") from None
        except RecursionError:
            raise MalformedRequestError(None, "the body nests too deeply") from None
        if not isinstance(data, dict):
            raise MalformedRequestError(
                None, f"the body is a JSON object, not {type(data).__name__}"
            )
        return data

    def _too_large(self) -> RequestTooLargeError:
        return RequestTooLargeError(
            "body", self.max_body, f"the body is larger than {self.max_body} bytes"
        )

    # --- commands -------------------------------------------------------------------------

    async def list_commands(self, request: Request) -> Response:
        await self.actor(request)
        found = []
        for name, spec in all_commands().items():
            info = describe(name)
            target = target_of(spec.type)
            found.append(
                {
                    "name": info.name,
                    "class_name": info.class_name,
                    "summary": info.summary,
                    "returns": info.returns,
                    "roles": list(info.roles),
                    "requires": list(info.requires),
                    "target": None if target is None else target.field,
                    "fields": [
                        {
                            "name": f.name,
                            "type": f.type,
                            "required": f.required,
                            "default": plain(f.default),
                        }
                        for f in info.fields
                    ],
                }
            )
        return JSONText(found)

    async def run_command(self, request: Request) -> Response:
        # One trip to a worker thread for the whole command (signing in, reading the body,
        # carrying it out): each trip waits for the GIL behind the other requests' work.
        raw = await self.body(request)
        result, headers = await self.in_thread(
            self._run_command,
            request.headers,
            _client(request),
            request.path_params["name"],
            raw,
        )
        return JSONText({"result": plain(result)}, headers=headers)

    def _run_command(
        self,
        request_headers: Mapping[str, str],
        client: str | None,
        name: str,
        raw: bytes | LibopsError,
    ) -> tuple[Any, dict[str, str]]:
        actor = self.who(request_headers, client)
        spec = command_spec(name)
        data = self.json_object(request_headers, raw)
        header_key = request_headers.get("idempotency-key")
        if header_key is not None:
            given = data.get("idempotency_key")
            if given is not None and given != header_key:
                raise MalformedRequestError(
                    "idempotency_key",
                    "the body's idempotency_key differs from the Idempotency-Key header",
                )
            data["idempotency_key"] = header_key
        expected = _expected_version(request_headers.get("if-match"))
        target = target_of(spec.type)
        if expected is not None and target is None:
            raise MalformedRequestError(
                "If-Match",
                f"{name} acts on no existing aggregate of its own: it takes no If-Match",
            )
        known = {field.alias or field.name for field in attrs.fields(spec.type)}
        unknown = sorted(set(data) - known)
        if unknown:  # named here: the structuring error lists them without a field
            raise InvalidCommandError(
                name,
                unknown[0],
                f"it takes no field {', '.join(unknown)} (its fields: {', '.join(sorted(known))})",
            )
        command = build(name, data)
        versions: list[int] = []
        prepare: Callable[[Context], None] | None = None
        if target is not None:
            target_id = getattr(command, target.field)

            def check_and_watch(ctx: Context) -> None:
                if expected is not None:
                    aggregate = ctx.load(target.type, target_id)
                    if aggregate.version != expected:
                        raise VersionMismatchError(
                            target.kind, aggregate.id, expected, aggregate.version
                        )

                def saved() -> None:
                    with contextlib.suppress(LibopsError):
                        versions.append(ctx.load(target.type, target_id).version)

                ctx.after_save(saved)

            prepare = check_and_watch

        result = self.ops.bus.execute(actor, command, prepare=prepare)
        headers: dict[str, str] = {}
        if target is not None:
            if not versions:  # a repeat answered with the first result: the version now
                with contextlib.suppress(LibopsError):
                    versions.append(self.ops.app.load(target.type, target_id).version)
            if versions:
                headers["ETag"] = f'"{versions[-1]}"'
        return result, headers

    # --- reads ----------------------------------------------------------------------------

    async def read_aggregate(self, request: Request) -> Response:
        kind = request.path_params["kind"]

        def read() -> tuple[dict[str, Any], int]:  # signing in and reading: one thread trip
            self.who(request.headers, _client(request))
            known = AGGREGATES.get(kind)
            if known is None:
                raise UnknownIdError(
                    "kind of aggregate (known: " + ", ".join(AGGREGATES) + ")", kind
                )
            aggregate = self.ops.app.load(known[0], request.path_params["id"])
            app = self.ops.app

            def latest(post: Post, platform: Platform) -> MetricSnapshot | None:
                return latest_snapshot(app, post, platform)

            return aggregate_state(aggregate, kind, latest), aggregate.version

        state, version = await self.in_thread(read)
        return JSONText(state, headers={"ETag": f'"{version}"'})

    def _projection(self, request: Request) -> str:
        name: str = request.path_params["projection"]
        if name not in self.engine.names:
            raise UnknownIdError("projection (known: " + ", ".join(self.engine.names) + ")", name)
        return name

    async def read_document(self, request: Request) -> Response:
        key = request.path_params["document_id"]

        def read() -> str:  # signing in and reading: one thread trip
            self.who(request.headers, _client(request))
            name = self._projection(request)
            found = self._views.load(name, key)
            if found is None:
                raise UnknownIdError(f"document of the {name} view", key)
            return found

        found = await self.in_thread(read)
        # The document is stored as JSON text: it goes out as it is, not decoded and encoded.
        return Response(
            b'{"id":%s,"document":%s}'
            % (json.dumps(key, ensure_ascii=False).encode("utf-8"), found.encode("utf-8")),
            media_type="application/json",
        )

    async def list_documents(self, request: Request) -> Response:
        await self.actor(request)
        name = self._projection(request)
        limit = _limit(request)
        prefix = request.query_params.get("prefix", "")
        after = request.query_params.get("after", "")
        rows = await self.in_thread(self._views.rows, name)
        chosen = [(key, text) for key, text in rows if key.startswith(prefix) and key > after][
            : limit + 1
        ]
        page = chosen[:limit]
        return JSONText(
            {
                "projection": name,
                "position": await self.in_thread(self._views.position, name),
                "documents": [{"id": key, "document": json.loads(text)} for key, text in page],
                "next": page[-1][0] if len(chosen) > limit else None,
            }
        )

    async def read_activity(self, request: Request) -> Response:
        await self.actor(request)
        limit = _limit(request)
        since_text = request.query_params.get("since", "0")
        if not since_text.isascii() or not since_text.isdigit():
            raise MalformedRequestError(
                "since", f"since is a sequence number (0 or more), not {since_text!r}"
            )
        since = int(since_text)
        found = await self.in_thread(self._activity, since, limit)
        return JSONText(found)

    def _activity(self, since: int, limit: int) -> dict[str, Any]:
        total_text = self._views.load("activity", "sequence")
        total = 0 if total_text is None else int(json.loads(total_text))
        entries: list[dict[str, Any]] = []
        pages: dict[str, list[Any]] = {}
        for sequence in range(since + 1, min(total, since + limit) + 1):
            key = page_key(sequence)
            if key not in pages:
                text = self._views.load("activity", key)
                pages[key] = [] if text is None else json.loads(text)
            rows = pages[key]
            index = (sequence - 1) % PAGE_SIZE
            if index < len(rows):
                entries.append(plain(summarised(self.ops.event_log(), expand(rows[index]))))
        last = entries[-1]["sequence"] if entries else since
        return {"entries": entries, "total": total, "next": last if last < total else None}

    async def read_feed(self, request: Request) -> Response:
        await self.actor(request)
        after_text = request.query_params.get("after", "0")
        if not after_text.isascii() or not after_text.isdigit():
            raise MalformedRequestError(
                "after", f"after is a notification position (0 or more), not {after_text!r}"
            )
        limit_text = request.query_params.get("limit", str(DEFAULT_FEED_LIMIT))
        if not limit_text.isascii() or not limit_text.isdigit():
            raise MalformedRequestError(
                "limit", f"limit is a whole number from 1 to {MAX_FEED_LIMIT}, not {limit_text!r}"
            )
        kinds_text = request.query_params.get("kinds")
        kinds = None if kinds_text is None else kinds_text.split(",")
        try:
            page = await self.in_thread(self.ops.feed, int(after_text), kinds, int(limit_text))
        except FeedParameterError as error:
            raise MalformedRequestError(error.field, str(error)) from None
        headers = {}
        if not page.at_end:
            # The next page, as a link (RFC 8288): the same query from the new cursor.
            query = {**request.query_params, "after": str(page.next_after)}
            headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
        return JSONText(
            {"events": list(page.events), "next_after": page.next_after, "at_end": page.at_end},
            headers=headers,
        )

    async def read_report(self, request: Request) -> Response:
        await self.actor(request)
        lang = _choice(request, "lang", ("en", "zh"))
        form = _choice(request, "format", ("md", "html"))
        campaign_id = request.query_params.get("campaign_id")

        def make() -> str:
            with self._report_lock:  # it catches the projections up first
                report = build_report(self.ops, campaign_id=campaign_id, lang=lang)
            return render_markdown(report) if form == "md" else render_html(report)

        loop = asyncio.get_running_loop()
        text = await loop.run_in_executor(self._report_thread, make)
        media = "text/markdown; charset=utf-8" if form == "md" else "text/html; charset=utf-8"
        return Response(text, media_type=media)

    # --- about the API --------------------------------------------------------------------

    async def openapi(self, request: Request) -> Response:
        if self._openapi is None:
            self._openapi = openapi_document(
                aggregate_kinds=tuple(AGGREGATES), projections=self.engine.names
            )
        return JSONText(self._openapi)

    async def describe_problem(self, request: Request) -> Response:
        return JSONText(description(request.path_params["name"]))

    async def health(self, request: Request) -> Response:
        return JSONText({"status": "up"})

    async def readiness(self, request: Request) -> Response:
        try:
            last, positions = await self.in_thread(self._positions)
        except LibopsError:
            raise
        except Exception as error:
            raise StorageError(
                f"the store at {self.ops.config.redacted_url} does not answer: "
                f"{self.ops.config.scrub(str(error))}"
            ) from None
        return JSONText(
            {
                "status": "ready",
                "last_notification_id": last,
                "projections": {
                    name: {"position": position, "lag": last - position}
                    for name, position in positions.items()
                },
            }
        )

    def _positions(self) -> tuple[int, dict[str, int]]:
        last = self.ops.app.recorder.max_notification_id() or 0
        return last, {name: self._views.position(name) for name in self.engine.names}


async def _http_problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    phrase = {404: "Not Found", 405: "Method Not Allowed"}.get(error.status_code, "Error")
    detail = error.detail if isinstance(error.detail, str) else phrase
    response = _plain_problem(error.status_code, phrase, detail, "HTTPError")
    response.headers.update(dict(error.headers or {}))
    return response


class ApiApp(Starlette):
    """The API's Starlette app, answering its two busiest routes directly.

    ``POST /v1/commands/{name}`` and ``GET /v1/views/{projection}/{document_id}`` go
    straight to their endpoints, the very ones Starlette's router calls, without passing
    through Starlette's error and exception middleware and its router: the endpoints answer
    every error themselves (as problems), so those layers do nothing for them but take the
    server's time. Everything else, and every request once middleware has been added to the
    app (``add_middleware``, which should see all requests), goes the ordinary way.
    """

    fast_endpoints: tuple[Endpoint, Endpoint] | None = None
    """The wrapped command and document endpoints; None: every request goes the usual way."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        if scope["type"] == "http" and self.fast_endpoints is not None:
            found = self._fast_route(scope)
        if found is None:
            await super().__call__(scope, receive, send)
            return
        endpoint, params = found
        # What Starlette's router would have put in the scope for these routes.
        scope["app"] = self
        scope.setdefault("router", self.router)
        scope["path_params"] = params
        request = Request(scope, receive, send)
        response = await endpoint(request)
        await response(scope, receive, send)

    def _fast_route(self, scope: Scope) -> tuple[Endpoint, dict[str, str]] | None:
        """The endpoint and path parameters of a request for a direct route, or None.

        It matches exactly what the router's patterns match: ``/v1/commands/{name}`` (a
        name without ``/``) and ``/v1/views/{projection}/{document_id:path}``.
        """
        assert self.fast_endpoints is not None
        if self.user_middleware or scope.get("root_path"):
            return None
        path: str = scope["path"]
        method = scope["method"]
        if method == "POST" and path.startswith(_COMMANDS):
            name = path[len(_COMMANDS) :]
            if name and "/" not in name:
                return self.fast_endpoints[0], {"name": name}
        elif method == "GET" and path.startswith(_VIEWS):
            projection, slash, document_id = path[len(_VIEWS) :].partition("/")
            if projection and slash:
                return self.fast_endpoints[1], {
                    "projection": projection,
                    "document_id": document_id,
                }
        return None


_COMMANDS: Final = "/v1/commands/"
_VIEWS: Final = "/v1/views/"


def create_app(
    ops: LibOps,
    *,
    authenticate: Authenticator,
    max_body: int = MAX_BODY,
    threads: int | None = None,
) -> ApiApp:
    """The HTTP API over ``ops`` (an opened store), with ``authenticate`` saying who acts.

    ``max_body`` is the largest request body read, in bytes; ``threads`` the worker threads
    that carry out commands and reads (by default :data:`WORKER_THREADS` on SQLite and in
    memory, :data:`POSTGRES_WORKER_THREADS` on PostgreSQL). The app does not close ``ops``;
    it closes the view-store connection it opens when it shuts down.
    """
    if not isinstance(ops, LibOps):
        raise TypeError(f"create_app needs an opened LibOps, not {type(ops).__name__}")
    if not callable(authenticate):
        raise TypeError("authenticate must be callable: headers -> Actor")
    if threads is None:
        one_writer = ops.config.scheme in {"sqlite", "memory"}
        threads = WORKER_THREADS if one_writer else POSTGRES_WORKER_THREADS
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InvalidValueError(f"threads is a whole number of at least 1, not {threads!r}")
    api = _Api(ops, authenticate, max_body, threads)

    def route(path: str, endpoint: Endpoint, method: str = "GET") -> Route:
        return Route(path, _answering_problems(endpoint), methods=[method])

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            api.close()

    run_command = route("/v1/commands/{name}", api.run_command, "POST")
    read_document = route("/v1/views/{projection}/{document_id:path}", api.read_document)
    app = ApiApp(
        routes=[
            route("/healthz", api.health),
            route("/readyz", api.readiness),
            route("/v1/openapi.json", api.openapi),
            route("/v1/problems/{name}", api.describe_problem),
            route("/v1/commands", api.list_commands),
            run_command,
            route("/v1/aggregates/{kind}/{id}", api.read_aggregate),
            route("/v1/views/{projection}", api.list_documents),
            read_document,
            route("/v1/activity", api.read_activity),
            route("/v1/feed", api.read_feed),
            route("/v1/report", api.read_report),
            *query_routes(ops, api.actor, route),  # lists: GET /v1/posts, ... (queries.py)
        ],
        exception_handlers={HTTPException: _http_problem},
        lifespan=lifespan,
    )
    # The same wrapped endpoints the two routes call (problems, logging), taken directly.
    app.fast_endpoints = (run_command.endpoint, read_document.endpoint)
    app.state.libops = api
    return app

"""The HTTP API's endpoints over one opened store (:class:`Api`): commands and reads.

Each endpoint signs the request in (the :class:`~libops.http.common.Authenticator`), and
does its work, the sign-in included, in one trip to one of the app's worker threads
(:meth:`Api.in_thread`): commands through the one execution path
(:meth:`libops.application.commands.CommandBus.execute`), reads from the store and the view
store. :mod:`libops.http.app` routes requests to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

import attrs
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
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
from libops.http.common import (
    Authenticator,
    JSONText,
    choice_of,
    client_gone,
    client_of,
    expected_version,
    json_bytes,
    limit_of,
    log,
    no_repeats,
    plain_problem_body,
    refuse_constant,
    unexpected,
)
from libops.http.openapi import openapi_document
from libops.http.problems import PROBLEM_JSON, description, problem
from libops.http.public import aggregate_state
from libops.http.targets import AGGREGATES, target_of
from libops.projections.activity import PAGE_SIZE, expand, page_key, summarised
from libops.report import build_report, render_html, render_markdown

_T = TypeVar("_T")

_PROBLEM: Final = PROBLEM_JSON.encode("ascii")


_FIELD_NAMES: dict[type[Any], frozenset[str]] = {}


def _field_names(command_type: type[Any]) -> frozenset[str]:
    """The names a command's JSON form may give (its fields, by alias where one has one)."""
    found = _FIELD_NAMES.get(command_type)
    if found is None:
        found = frozenset(field.alias or field.name for field in attrs.fields(command_type))
        _FIELD_NAMES[command_type] = found
    return found


def _settle(answer: asyncio.Future[_T], result: _T) -> None:
    if not answer.done():  # not cancelled meanwhile
        answer.set_result(result)


def _fail(answer: asyncio.Future[Any], error: BaseException) -> None:
    if not answer.done():
        answer.set_exception(error)


class Api:
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
        # Listing a view reads all its rows: on threads of their own too, so that a few
        # listings of large views at once never hold every thread commands wait for.
        self._listing_threads = ThreadPoolExecutor(threads, thread_name_prefix="libops-http-list")

    def close(self) -> None:
        self._threads.shutdown(wait=False)
        self._report_thread.shutdown(wait=False)
        self._listing_threads.shutdown(wait=False)
        self._views.close()

    async def in_thread(self, function: Callable[..., _T], *args: Any) -> _T:
        """``function(*args)`` in one of the app's worker threads (it may wait for the store)."""
        return await self._in(self._threads, function, *args)

    async def _in(self, threads: ThreadPoolExecutor, function: Callable[..., _T], *args: Any) -> _T:
        """``function(*args)`` in one of ``threads`` (it may wait for the store).

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

        taken = threads.submit(work)
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
        return await self.in_thread(self.who, request.headers, client_of(request))

    async def body(self, request: Request) -> bytes | LibopsError:
        """The request's body, or the error it is refused with (raised after authentication)."""
        return await self._read_body(request.headers, request.stream())

    async def _read_body(
        self, headers: Mapping[str, str], stream: AsyncIterator[bytes]
    ) -> bytes | LibopsError:
        """The body from its ``Content-Length`` and the ``stream`` of its chunks, or the error
        it is refused with: a malformed length, or over :attr:`max_body` (said or read)."""
        length = headers.get("content-length")
        if length is not None:
            if not length.isascii() or not length.isdigit():
                return MalformedRequestError("Content-Length", f"not a length: {length!r}")
            if int(length) > self.max_body:
                return self._too_large()
        size = 0
        chunks: list[bytes] = []
        async for chunk in stream:
            size += len(chunk)
            if size > self.max_body:
                return self._too_large()
            chunks.append(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

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
                raw.decode("utf-8"), parse_constant=refuse_constant, object_pairs_hook=no_repeats
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
            client_of(request),
            request.path_params["name"],
            raw,
        )
        return JSONText({"result": plain(result)}, headers=headers)

    async def run_command_directly(
        self, scope: Scope, receive: Receive, send: Send, name: str
    ) -> None:
        """``POST /v1/commands/{name}`` as :meth:`run_command` answers it (the same answers,
        errors and log lines), spoken in ASGI messages: no request and response objects,
        the body taken from ``receive`` and the answer given to ``send`` as two messages."""
        headers = Headers(scope=scope)
        client = scope.get("client")
        extra: Mapping[str, str] = {}
        try:
            raw = await self._received_body(headers, receive)
            result, extra = await self.in_thread(
                self._run_command, headers, None if client is None else client[0], name, raw
            )
            status, body, media = 200, json_bytes({"result": plain(result)}), b"application/json"
        except ClientDisconnect:
            status, content, extra = problem(client_gone("POST", scope["path"]))
            body, media = json_bytes(content), _PROBLEM
        except LibopsError as error:
            log.info("POST %s refused: %s", scope["path"], type(error).__name__)
            status, content, extra = problem(error)
            body, media = json_bytes(content), _PROBLEM
        except Exception:
            failed = unexpected("POST", scope["path"])
            status, body, media = failed[0], json_bytes(plain_problem_body(*failed)), _PROBLEM
            extra = {}
        answer_headers = [
            (b"content-length", b"%d" % len(body)),
            (b"content-type", media),
            *((key.lower().encode("latin-1"), val.encode("latin-1")) for key, val in extra.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": answer_headers})
        await send({"type": "http.response.body", "body": body})

    async def _received_body(self, headers: Headers, receive: Receive) -> bytes | LibopsError:
        """:meth:`body`, from ASGI messages (a client gone: Starlette's ClientDisconnect)."""

        async def chunks() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientDisconnect()
                yield message.get("body", b"")
                if not message.get("more_body", False):
                    return

        return await self._read_body(headers, chunks())

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
        expected = expected_version(request_headers.get("if-match"))
        target = target_of(spec.type)
        if expected is not None and target is None:
            raise MalformedRequestError(
                "If-Match",
                f"{name} acts on no existing aggregate of its own: it takes no If-Match",
            )
        known = _field_names(spec.type)
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
            self.who(request.headers, client_of(request))
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
            self.who(request.headers, client_of(request))
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
        limit = limit_of(request)
        prefix = request.query_params.get("prefix", "")
        after = request.query_params.get("after", "")
        rows = await self._in(self._listing_threads, self._views.rows, name)
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
        limit = limit_of(request)
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
        lang = choice_of(request, "lang", ("en", "zh"))
        form = choice_of(request, "format", ("md", "html"))
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

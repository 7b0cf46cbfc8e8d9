"""The HTTP API as an ASGI app: ``create_app(ops, authenticate=...)`` (docs/http.md).

Every command is a ``POST /v1/commands/<name>`` of its JSON form, carried out by the one
execution path (:meth:`libops.application.commands.CommandBus.execute`) for the person the
authenticator names, never for one named in the body. Reads give aggregates, the standard
projections' documents, the activity log and the report. Every error is an RFC 9457 problem
(:mod:`libops.http.problems`); the OpenAPI document is generated (:mod:`libops.http.openapi`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from libops.bootstrap import LibOps
from libops.domain.errors import InvalidValueError
from libops.http.common import (
    DEFAULT_LIMIT,
    MAX_BODY,
    PAGE_LIMIT,
    Authenticator,
    Endpoint,
    JSONText,
    answering_problems,
    http_problem,
    problem_response,
)
from libops.http.endpoints import Api
from libops.http.queries import query_routes

_Api = Api  # its name before the endpoints had a module of their own

WORKER_THREADS: Final = 2
"""The threads that carry out commands and reads for one app on SQLite or in memory.

Few: the GIL runs one thread's Python at a time and the store takes one write at a time, so
more threads than this only wait, and each wait costs the server context switches (32
threads took 45 switches and about 2.2 ms of the server's CPU per command, 4 threads 18 and
1.5 ms). Two: while one waits for its commit, the other works; against four, the server spent
1.36 to 1.47 ms of CPU per command instead of 1.62 to 1.73 ms and answered 753 to 819
commands a second instead of 646 to 690 (docs/http.md, Speed: fifth pass)."""

POSTGRES_WORKER_THREADS: Final = 32
"""The threads of an app on PostgreSQL, whose server works on several commands at once."""


class ApiApp(Starlette):
    """The API's Starlette app, answering its two busiest routes directly.

    ``POST /v1/commands/{name}`` and ``GET /v1/views/{projection}/{document_id}`` go
    straight to their endpoints, the very ones Starlette's router calls, without passing
    through Starlette's error and exception middleware and its router: the endpoints answer
    every error themselves (as problems), so those layers do nothing for them but take the
    server's time; a command is answered in ASGI messages, without Starlette's request and
    response objects either. Everything else, and every request once middleware has been
    added to the app (``add_middleware``, which should see all requests), goes the ordinary
    way.
    """

    fast_endpoints: tuple[Endpoint, Endpoint] | None = None
    """The wrapped command and document endpoints; None: every request goes the usual way."""

    direct_command: Callable[[Scope, Receive, Send, str], Awaitable[None]] | None = None
    """The command route in ASGI messages (:meth:`Api.run_command_directly`: the same
    answers as the command endpoint, without request and response objects); None: the
    command endpoint of :attr:`fast_endpoints` answers."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        fast = self.fast_endpoints
        if scope["type"] == "http" and fast is not None:
            found = self._fast_route(scope)
        if found is None or fast is None:
            await super().__call__(scope, receive, send)
            return
        endpoint, params = found
        if self.direct_command is not None and endpoint is fast[0]:
            await self.direct_command(scope, receive, send, params["name"])
            return
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
    api = Api(ops, authenticate, max_body, threads)

    def route(path: str, endpoint: Endpoint, method: str = "GET") -> Route:
        return Route(path, answering_problems(endpoint), methods=[method])

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
        exception_handlers={HTTPException: http_problem},
        lifespan=lifespan,
    )
    # The same wrapped endpoints the two routes call (problems, logging), taken directly.
    app.fast_endpoints = (run_command.endpoint, read_document.endpoint)
    app.direct_command = api.run_command_directly
    app.state.libops = api
    return app


__all__ = [
    "DEFAULT_LIMIT",
    "MAX_BODY",
    "PAGE_LIMIT",
    "POSTGRES_WORKER_THREADS",
    "WORKER_THREADS",
    "ApiApp",
    "Authenticator",
    "JSONText",
    "create_app",
    "problem_response",
]

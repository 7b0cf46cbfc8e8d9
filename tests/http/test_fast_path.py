"""The two routes ``ApiApp`` answers directly (a command, a view document) answer exactly as
Starlette's router does, and the worker threads the app is given."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, MutableMapping
from typing import Any

import httpx
import pytest
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from libops import LibOps
from libops.domain.errors import InvalidValueError
from libops.http import create_app
from libops.http.app import POSTGRES_WORKER_THREADS, WORKER_THREADS, ApiApp
from tests import actors
from tests.http.support import BODIES, NO_IDS, Client, auth, authenticate

PLAN = {
    **BODIES["campaign.plan"](NO_IDS),
    "platforms": ["weibo"],
    "objectives": [{"metric": "reads", "target": 500}],
}

JSON = {"Content-Type": "application/json"}

Call = Callable[[Client], httpx.Response]

REQUESTS: dict[str, Call] = {
    "a command": lambda c: c.command("campaign.plan", PLAN, as_=actors.PLANNER),
    "a keyed command": lambda c: c.command(
        "campaign.plan", PLAN, as_=actors.PLANNER, headers={"Idempotency-Key": "same-key"}
    ),
    "no token": lambda c: c.post("/v1/commands/campaign.plan", json=PLAN),
    "a wrong token": lambda c: c.post(
        "/v1/commands/campaign.plan", json=PLAN, headers={"Authorization": "Bearer nope"}
    ),
    "a role that may not": lambda c: c.command("campaign.plan", PLAN, as_=actors.AUDITOR),
    "an unknown command": lambda c: c.command("campaign.launch", PLAN, as_=actors.PLANNER),
    "an unknown field": lambda c: c.command(
        "campaign.plan", {**PLAN, "colour": "red"}, as_=actors.PLANNER
    ),
    "not JSON": lambda c: c.post(
        "/v1/commands/campaign.plan", as_=actors.PLANNER, content=b"{", headers=JSON
    ),
    "not a JSON object": lambda c: c.post(
        "/v1/commands/campaign.plan", as_=actors.PLANNER, content=b"[1]", headers=JSON
    ),
    "a key given twice": lambda c: c.post(
        "/v1/commands/campaign.plan",
        as_=actors.PLANNER,
        content=b'{"name": "a", "name": "b"}',
        headers=JSON,
    ),
    "text, not JSON": lambda c: c.post(
        "/v1/commands/campaign.plan",
        as_=actors.PLANNER,
        content=b"name=a",
        headers={"Content-Type": "text/plain"},
    ),
    "a body too large": lambda c: c.post(
        "/v1/commands/campaign.plan",
        as_=actors.PLANNER,
        content=b"{" + b" " * 3000 + b"}",
        headers=JSON,
    ),
    "a malformed If-Match": lambda c: c.command(
        "campaign.plan", PLAN, as_=actors.PLANNER, headers={"If-Match": "three"}
    ),
    "If-Match without a target": lambda c: c.command(
        "campaign.plan", PLAN, as_=actors.PLANNER, headers={"If-Match": '"3"'}
    ),
    "a command path of two parts": lambda c: c.post(
        "/v1/commands/campaign/plan", json=PLAN, as_=actors.PLANNER
    ),
    "GET of a command": lambda c: c.get("/v1/commands/campaign.plan", as_=actors.PLANNER),
    "a document": lambda c: c.get("/v1/views/activity/sequence", as_=actors.PLANNER),
    "a missing document": lambda c: c.get("/v1/views/engagement/nothing", as_=actors.PLANNER),
    "an empty document id": lambda c: c.get("/v1/views/engagement/", as_=actors.PLANNER),
    "a document id with a slash": lambda c: c.get("/v1/views/engagement/a/b", as_=actors.PLANNER),
    "an unknown view": lambda c: c.get("/v1/views/horoscope/x", as_=actors.PLANNER),
    "a document without a token": lambda c: c.get("/v1/views/activity/sequence"),
    "HEAD of a document": lambda c: c.request(
        "HEAD", "/v1/views/activity/sequence", as_=actors.PLANNER
    ),
    "a view's list": lambda c: c.get("/v1/views/engagement", as_=actors.PLANNER),
}


def _answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], Any]:
    """What a client sees of an answer; the ids a new campaign gets are left out."""
    headers = sorted(response.headers.multi_items())
    if response.request.url.path.startswith("/v1/commands") and response.status_code == 200:
        assert isinstance(response.json()["result"], str)
        headers = [(k, v) for k, v in headers if k != "content-length"]
        return response.status_code, headers, "<an id>"
    if response.request.method == "HEAD":
        return response.status_code, headers, response.content
    return response.status_code, headers, response.json()


@pytest.fixture
def ordinary_and_direct(ops: LibOps) -> tuple[Client, Client]:
    """Two apps on one store: one answering every request through Starlette's router."""
    ordinary = create_app(ops, authenticate=authenticate, max_body=2000)
    ordinary.fast_endpoints = None
    direct = create_app(ops, authenticate=authenticate, max_body=2000)
    assert direct.fast_endpoints is not None
    ops.projections.run()
    return Client(ordinary), Client(direct)


@pytest.mark.parametrize("what", list(REQUESTS))
def test_the_direct_routes_answer_as_the_router_does(
    ordinary_and_direct: tuple[Client, Client], what: str
) -> None:
    ordinary, direct = ordinary_and_direct
    first = REQUESTS[what](ordinary)
    assert _answer(REQUESTS[what](direct)) == _answer(first)


def test_both_record_the_same_commands(ops: LibOps) -> None:
    ordinary = create_app(ops, authenticate=authenticate)
    ordinary.fast_endpoints = None
    for app in (ordinary, create_app(ops, authenticate=authenticate)):
        response = Client(app).command("campaign.plan", PLAN, as_=actors.PLANNER)
        assert response.status_code == 200, response.text
        assert ops.campaigns.get(response.json()["result"]).name == PLAN["name"]


class _Spy:
    """Stands for the app's middleware stack and counts the requests it is given."""

    def __init__(self, app: ApiApp) -> None:
        self.inner = app.build_middleware_stack()
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.inner(scope, receive, send)


def test_only_the_two_routes_go_around_the_router(memory_ops: LibOps) -> None:
    app = create_app(memory_ops, authenticate=authenticate)
    spy = _Spy(app)
    app.middleware_stack = spy
    client = Client(app)
    assert client.command("campaign.plan", PLAN, as_=actors.PLANNER).status_code == 200
    assert client.get("/v1/views/activity/sequence", as_=actors.PLANNER).status_code in {200, 404}
    assert spy.paths == []
    assert client.get("/healthz").status_code == 200
    assert client.get("/v1/views/engagement", as_=actors.PLANNER).status_code == 200
    assert client.get("/v1/commands/campaign.plan", as_=actors.PLANNER).status_code == 405
    assert spy.paths == ["/healthz", "/v1/views/engagement", "/v1/commands/campaign.plan"]


def test_added_middleware_sees_every_request(memory_ops: LibOps) -> None:
    seen: list[str] = []

    async def note(request: Request, call_next: RequestResponseEndpoint) -> Response:
        seen.append(request.url.path)
        response = await call_next(request)
        response.headers["X-Noted"] = "yes"
        return response

    app = create_app(memory_ops, authenticate=authenticate)
    app.add_middleware(BaseHTTPMiddleware, dispatch=note)
    response = Client(app).command("campaign.plan", PLAN, as_=actors.PLANNER)
    assert response.status_code == 200, response.text
    assert response.headers["X-Noted"] == "yes"
    assert seen == ["/v1/commands/campaign.plan"]


def test_a_root_path_goes_the_ordinary_way(memory_ops: LibOps) -> None:
    app = create_app(memory_ops, authenticate=authenticate)
    spy = _Spy(app)
    app.middleware_stack = spy

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, root_path="/api")
        async with httpx.AsyncClient(transport=transport, base_url="http://libops.test") as c:
            return await c.post(
                "/api/v1/commands/campaign.plan", json=PLAN, headers=auth(actors.PLANNER)
            )

    response = asyncio.run(send())
    assert response.status_code == 200, response.text
    assert spy.paths == ["/api/v1/commands/campaign.plan"]


def test_the_worker_threads_by_store(ops: LibOps) -> None:
    app = create_app(ops, authenticate=authenticate)
    expected = (
        POSTGRES_WORKER_THREADS if ops.config.scheme.startswith("postgres") else (WORKER_THREADS)
    )
    assert app.state.libops.threads == expected
    assert create_app(ops, authenticate=authenticate, threads=2).state.libops.threads == 2


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "4"])
def test_a_bad_number_of_threads_is_refused(memory_ops: LibOps, threads: Any) -> None:
    with pytest.raises(InvalidValueError, match="threads is a whole number"):
        create_app(memory_ops, authenticate=authenticate, threads=threads)


def test_a_report_being_made_holds_up_no_command(
    memory_ops: LibOps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reports take a thread of their own: with one worker thread, a command is carried out
    while a report is still being made."""
    released = threading.Event()
    waited: list[bool] = []

    def slow_report(ops: LibOps, **_options: Any) -> Any:
        waited.append(released.wait(timeout=10))
        raise RuntimeError("no report in this test")

    monkeypatch.setattr("libops.http.endpoints.build_report", slow_report)
    app = create_app(memory_ops, authenticate=authenticate, threads=1)

    async def both() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://libops.test") as c:
            report = asyncio.create_task(c.get("/v1/report", headers=auth(actors.PLANNER)))
            await asyncio.sleep(0.05)  # the report's request is in its thread, waiting
            command = await c.post(
                "/v1/commands/campaign.plan", json=PLAN, headers=auth(actors.PLANNER)
            )
            released.set()
            return command, await report

    command, report = asyncio.run(both())
    assert command.status_code == 200, command.text
    assert report.status_code == 500
    assert waited == [True]  # released by the command's end, not by the timeout


def test_listings_of_views_hold_up_no_command(memory_ops: LibOps) -> None:
    """Listing a view (which reads all its rows) takes threads of its own: with every
    worker thread's worth of listings waiting, a command is still carried out."""
    app = create_app(memory_ops, authenticate=authenticate, threads=2)
    api = app.state.libops
    released = threading.Event()
    entered: list[str] = []
    waited: list[bool] = []
    rows = api._views.rows

    def slow_rows(name: str) -> Any:
        entered.append(name)
        waited.append(released.wait(timeout=5))
        return rows(name)

    api._views.rows = slow_rows

    async def all_at_once() -> tuple[httpx.Response, list[httpx.Response]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://libops.test") as c:
            listings = [
                asyncio.create_task(c.get("/v1/views/activity", headers=auth(actors.PLANNER)))
                for _ in range(2)
            ]
            while len(entered) < 2:  # both listings are in their threads, waiting
                await asyncio.sleep(0.01)
            command = await c.post(
                "/v1/commands/campaign.plan", json=PLAN, headers=auth(actors.PLANNER)
            )
            released.set()
            return command, [await listing for listing in listings]

    command, listings = asyncio.run(all_at_once())
    assert command.status_code == 200, command.text
    assert [listing.status_code for listing in listings] == [200, 200]
    assert waited == [True, True]  # released after the command, not by the timeout


def _asgi_post(
    app: ApiApp, path: str, chunks: list[bytes], headers: dict[str, str], *, ends: bool = True
) -> Any:
    """POST ``chunks`` as separate ASGI body messages (the last one saying more is to come
    unless ``ends``; then the client is gone); the messages the app sent back."""
    messages = [
        {"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1 or not ends}
        for n, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(app(scope, receive, send))
    return sent


def test_a_command_is_answered_in_asgi_messages(
    memory_ops: LibOps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No request or response object is made for a command; its body may come in pieces."""

    def no_objects(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a request or response object was made")

    monkeypatch.setattr("libops.http.app.Request", no_objects)
    monkeypatch.setattr("libops.http.endpoints.JSONText", no_objects)
    app = create_app(memory_ops, authenticate=authenticate, max_body=2000)
    body = json.dumps(PLAN).encode()
    headers = {**auth(actors.PLANNER), "Content-Type": "application/json"}
    pieces = [body[:10], body[10:20], body[20:]]
    start, answer = _asgi_post(app, "/v1/commands/campaign.plan", pieces, headers)
    assert start["status"] == 200
    assert dict(start["headers"])[b"content-length"] == b"%d" % len(answer["body"])
    campaign_id = json.loads(answer["body"])["result"]
    assert memory_ops.campaigns.get(campaign_id).name == PLAN["name"]
    # Too large in pieces (no Content-Length): refused as the endpoint refuses it.
    start, answer = _asgi_post(
        app, "/v1/commands/campaign.plan", [b"{" + b" " * 1500, b" " * 1500 + b"}"], headers
    )
    assert start["status"] == 413
    assert dict(start["headers"])[b"content-type"] == b"application/problem+json"
    assert json.loads(answer["body"])["error"] == "RequestTooLargeError"


def test_a_client_gone_before_its_body_is_read_is_no_incident(
    memory_ops: LibOps, caplog: pytest.LogCaptureFixture
) -> None:
    """A client gone while its body is read: nothing is carried out or recorded, the server
    logs it as information, not as an incident, and answers an ordinary 400 problem (which
    the server drops: nobody is there), the same on the direct route, through the router,
    and through a middleware (which must see an answer)."""

    class PassThrough(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Any:
            return await call_next(request)

    for way in ("direct", "router", "middleware"):
        app = create_app(memory_ops, authenticate=authenticate)
        if way == "router":
            app.fast_endpoints = None
        elif way == "middleware":
            app.add_middleware(PassThrough)
        headers = {**auth(actors.PLANNER), "Content-Type": "application/json"}
        caplog.clear()
        with caplog.at_level(logging.INFO):
            sent = _asgi_post(
                app, "/v1/commands/campaign.plan", [b'{"name": '], headers, ends=False
            )
        assert sent[0]["status"] == 400, way
        assert json.loads(sent[1]["body"])["error"] == "MalformedRequestError", way
        gone = [r for r in caplog.records if "the client left" in r.getMessage()]
        assert [r.levelno for r in gone] == [logging.INFO], way
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING], way
    assert memory_ops.campaigns.list() == ()

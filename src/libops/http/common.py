"""What the HTTP API's endpoints share: limits, the answers' forms, the request's parts.

JSON answers (:class:`JSONText`), problems (RFC 9457, :mod:`libops.http.problems`) and the
wrapper that answers an endpoint's errors as problems; the parsing of a query's ``limit`` and
choices and of ``If-Match``; the JSON body's strictness (no repeated keys, no ``NaN``).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Protocol

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from libops.domain.errors import LibopsError, MalformedRequestError
from libops.domain.values import Actor
from libops.http.problems import INTERNAL_ERROR, PROBLEM_JSON, problem

log = logging.getLogger("libops.http")

MAX_BODY: Final = 1024 * 1024
"""The largest request body the API reads, in bytes (1 MiB); a larger one is refused (413)."""

PAGE_LIMIT: Final = 500
"""The most documents or entries one read returns."""

DEFAULT_LIMIT: Final = 50
"""How many documents or entries a read returns when no ``limit`` is given."""

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


def client_of(request: Request) -> str | None:
    return None if request.client is None else request.client.host


class JSONText(JSONResponse):
    """JSON with text as it is (Chinese stays Chinese), compact."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


def problem_response(error: LibopsError) -> Response:
    """The problem answer to ``error``."""
    status, body, headers = problem(error)
    return JSONText(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def plain_problem(status: int, title: str, detail: str, error: str) -> Response:
    body = plain_problem_body(status, title, detail, error)
    return JSONText(body, status_code=status, media_type=PROBLEM_JSON)


def client_gone(method: str, path: str) -> MalformedRequestError:
    """Log a client that left before its request's body was read: not the server's fault, so
    not an incident, and nothing was carried out (a command needs its whole body). Returns
    the error answering it: an ordinary 400 problem, which reaches nobody (the server drops
    what is sent to a client gone) but which a middleware sees as any other answer."""
    log.info("%s %s: the client left before its request was read; nothing done", method, path)
    return MalformedRequestError(
        "body", "the client closed the connection before its request's body arrived"
    )


def answering_problems(endpoint: Endpoint) -> Endpoint:
    """Answer a libops error as its problem, and anything else as a 500 without details; a
    client gone before its request was read is no incident (:func:`client_gone`)."""

    @functools.wraps(endpoint)
    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ClientDisconnect:
            return problem_response(client_gone(request.method, request.url.path))
        except LibopsError as error:
            log.info("%s %s refused: %s", request.method, request.url.path, type(error).__name__)
            return problem_response(error)
        except Exception:
            return plain_problem(*unexpected(request.method, request.url.path))

    return answer


def unexpected(method: str, path: str) -> tuple[int, str, str, str]:
    """Log the exception being handled as an incident; the problem answering it (status,
    title, detail, error), which tells nothing of it but the incident's number."""
    incident = uuid.uuid4().hex[:12]
    log.exception("%s %s failed (incident %s)", method, path, incident)
    return (
        500,
        "Internal Server Error",
        f"an unexpected error; it was logged on the server as incident {incident}",
        INTERNAL_ERROR,
    )


def json_bytes(content: Any) -> bytes:
    """``content`` as :class:`JSONText` writes it: compact UTF-8, text as it is."""
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def plain_problem_body(status: int, title: str, detail: str, error: str) -> dict[str, Any]:
    """The body of a problem that is not a libops error's (:func:`plain_problem`)."""
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "error": error,
    }


def refuse_constant(name: str) -> Any:
    raise MalformedRequestError(None, f"the body is not JSON: {name} is not a JSON number")


def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise MalformedRequestError(key, f"the body gives the key {key!r} twice")
        found[key] = value
    return found


def limit_of(request: Request, name: str = "limit") -> int:
    text = request.query_params.get(name)
    if text is None:
        return DEFAULT_LIMIT
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= PAGE_LIMIT:
        raise MalformedRequestError(
            name, f"{name} is a whole number from 1 to {PAGE_LIMIT}, not {text!r}"
        )
    return int(text)


def choice_of(request: Request, name: str, choices: tuple[str, ...]) -> str:
    text = request.query_params.get(name, choices[0])
    if text not in choices:
        raise MalformedRequestError(name, f"{name} is one of {', '.join(choices)}, not {text!r}")
    return text


def expected_version(header: str | None) -> int | None:
    if header is None:
        return None
    found = _ETAG.match(header.strip())
    if found is None:
        raise MalformedRequestError(
            "If-Match", f'If-Match is one version as an ETag, such as "3", not {header!r}'
        )
    return int(found[1])


async def http_problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    phrase = {404: "Not Found", 405: "Method Not Allowed"}.get(error.status_code, "Error")
    detail = error.detail if isinstance(error.detail, str) else phrase
    response = plain_problem(error.status_code, phrase, detail, "HTTPError")
    response.headers.update(dict(error.headers or {}))
    return response

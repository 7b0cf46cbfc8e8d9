"""The web app's edge with HTTP: reading a request's form or multipart body, refusing a form
posted from another site, the security headers every answer carries, keeping a redirect on this
site, and keeping sign-off secrets out of logged paths. :mod:`libops.web.base` builds its
request wrapper on these (and re-exports them)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import attrs
from starlette.requests import Request

from libops.domain.errors import CrossSiteRequestError, MalformedRequestError

_SIGNOFF_SECRET: Final = re.compile(r"(/sign-off/)[A-Za-z0-9_-]+")


def redact(path: str) -> str:
    """``path`` with any sign-off secret in it replaced (for logs)."""
    return _SIGNOFF_SECRET.sub(r"\1[secret]", path)


CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: Final[Mapping[str, str]] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""The headers every answer of the web app carries."""


def parse_form(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedRequestError(None, f"the form cannot be read: {error}") from None
    return dict(pairs)


def same_origin(headers: Mapping[str, str]) -> None:
    """Raise :class:`CrossSiteRequestError` unless the request's ``Origin`` (or, without one,
    its ``Referer``) names the host it was sent to (``Host``)."""
    host = headers.get("host", "")
    origin = headers.get("origin")
    if origin is not None and origin != "null":
        where = origin
    elif origin == "null":
        raise CrossSiteRequestError("the form was posted from an opaque origin")
    else:
        where = headers.get("referer", "")
        if not where:
            raise CrossSiteRequestError("the form was posted without an Origin or a Referer")
    if not host or urlsplit(where).netloc.lower() != host.lower():
        raise CrossSiteRequestError(f"the form was posted from another site ({where})")


@attrs.frozen
class Multipart:
    fields: Mapping[str, str] = {}
    file: tuple[str, bytes] | None = None
    error: str | None = None


async def read_multipart(request: Request, body: bytes) -> Multipart:
    """A multipart form's text fields and its one file (``file``), read from ``body``."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, receive).form(max_files=1, max_fields=20)
    except Exception as error:  # (Starlette's own refusals: not multipart, too many parts)
        return Multipart(error=f"the form cannot be read: {getattr(error, 'detail', error)}")
    try:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        given = form.get("file")
        found = None
        if given is not None and not isinstance(given, str) and given.filename:
            found = (given.filename, await given.read())
        return Multipart(fields, found)
    finally:
        await form.close()


def local_path(target: str | None) -> str:
    """``target`` if it is a path on this site (never another site's address), else ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target

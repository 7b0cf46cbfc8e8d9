"""libops over HTTP: an ASGI app carrying every command and the reads (docs/http.md).

``create_app(ops, authenticate=...)`` makes the app on an opened store; ``authenticate`` is
an :class:`Authenticator` that names the acting person from a request's headers.
"""

from __future__ import annotations

from libops.application.authentication import TokenAuthenticator
from libops.http.app import MAX_BODY, ApiApp, Authenticator, create_app
from libops.http.openapi import openapi_document

__all__ = [
    "MAX_BODY",
    "ApiApp",
    "Authenticator",
    "TokenAuthenticator",
    "create_app",
    "openapi_document",
]

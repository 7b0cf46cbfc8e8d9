"""``libops serve``: the HTTP API on uvicorn, signing people in by API token.

Each worker process calls :func:`app_from_environment` (uvicorn's app factory), which opens
its own :class:`LibOps` on the store named in ``LIBOPS_SERVE_STORE``. It listens on the
loopback address unless ``--allow-remote``: the API speaks plain HTTP, and bearer tokens
must not cross a network in clear, so it belongs behind a reverse proxy that terminates TLS.
"""

from __future__ import annotations

import os
from typing import Annotated, Final

import typer
import uvicorn
from starlette.applications import Starlette

from libops.adapters.storage import DEFAULT_STORE
from libops.application.authentication import TokenAuthenticator
from libops.bootstrap import LibOps
from libops.cli.common import StoreOption, close_gateways, reporting_errors, stdout
from libops.cli.publish_command import GatewayOption, gateways_from
from libops.domain.errors import InvalidValueError
from libops.http import create_app
from libops.tick import is_loopback
from libops.web import mount_web
from libops.web.signoff import keep_secrets_out_of_logs

STORE_ENV: Final = "LIBOPS_SERVE_STORE"
"""The environment variable by which ``libops serve`` tells its workers the store's URL."""

WEB_ENV: Final = "LIBOPS_SERVE_WEB"
"""How ``libops serve`` tells its workers about the web app: ``secure`` (its cookies only
over HTTPS, the default), ``plain-http`` (cookies over plain HTTP on loopback) or ``off``."""

GATEWAYS_ENV: Final = "LIBOPS_SERVE_GATEWAYS"
"""How ``libops serve`` tells its workers the platforms' gateways (``--gateway`` specs,
``PLATFORM=URL``, separated by spaces): each worker opens its own."""


def app_from_environment() -> Starlette:
    """The API on the store named by ``LIBOPS_SERVE_STORE`` (one per worker process)."""
    url = os.environ.get(STORE_ENV)
    if not url:
        raise RuntimeError(f"{STORE_ENV} names no store")
    specs = os.environ.get(GATEWAYS_ENV, "").split()
    ops = LibOps.open(url, gateways=gateways_from(specs, url) if specs else ())
    app = create_app(ops, authenticate=TokenAuthenticator(ops))
    web = os.environ.get(WEB_ENV, "secure")
    if web != "off":
        mount_web(app, ops, secure_cookies=web != "plain-http")  # pages at /, beside /v1
        keep_secrets_out_of_logs()  # sign-off links carry a secret in their path
    return app


def _http_protocol() -> str:
    """uvicorn's ``http=``: httptools writing an answer at once (:mod:`libops.http.server`),
    or uvicorn's own choice where httptools is not installed."""
    try:
        import httptools  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency of libops (uvicorn[standard])
        return "auto"
    from libops.http.server import PROTOCOL

    return PROTOCOL


def serve(
    store: StoreOption = DEFAULT_STORE,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", help="Worker processes (each opens the store).")
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log every request (off by default: a line per request costs time, and a "
            "reverse proxy logs them anyway).",
        ),
    ] = False,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Listen on a non-loopback address (only behind a TLS reverse proxy).",
        ),
    ] = False,
    web: Annotated[
        bool,
        typer.Option("--web/--no-web", help="Serve the web app at / beside the API (docs/web.md)."),
    ] = True,
    plain_http_cookies: Annotated[
        bool,
        typer.Option(
            "--plain-http-cookies",
            help="Send the web app's session cookie over plain HTTP (no Secure flag): only for "
            "a browser on this machine, never with --allow-remote.",
        ),
    ] = False,
    gateway: GatewayOption = None,
) -> None:
    """Serve the HTTP API (docs/http.md) and the web app (docs/web.md); API clients sign in
    with API tokens (``libops users tokens issue``), people with their password."""
    from libops.tick import gateway_specs

    specs = gateway_specs(gateway or [])
    # A wrong one is a usage error here, not in every worker.
    close_gateways(gateways_from(specs, store))
    with reporting_errors(store):
        if not is_loopback(host) and not allow_remote:
            raise InvalidValueError(
                f"{host} is not a loopback address: the API speaks plain HTTP, so put it "
                "behind a reverse proxy with TLS and give --allow-remote to listen there"
            )
        if not 1 <= port <= 65535:
            raise InvalidValueError(f"--port is 1 to 65535, not {port}")
        if not 1 <= workers <= 64:
            raise InvalidValueError(f"--workers is 1 to 64, not {workers}")
        if plain_http_cookies and allow_remote:
            raise InvalidValueError(
                "--plain-http-cookies sends session cookies in clear: it is for a browser on "
                "this machine only, never with --allow-remote (a TLS proxy serves HTTPS)"
            )
        LibOps.open(store).close()  # fail now, not in every worker, if the store is wrong
    os.environ[GATEWAYS_ENV] = " ".join(specs)
    os.environ[STORE_ENV] = store
    os.environ[WEB_ENV] = "off" if not web else "plain-http" if plain_http_cookies else "secure"
    stdout().print(
        f"libops API on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''}); "
        "Ctrl-C stops it"
    )
    uvicorn.run(
        "libops.cli.serve_command:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log,
        # httptools and uvloop (uvicorn[standard], a dependency of libops): the HTTP parsing
        # and the event loop in C rather than in Python; an answer in one socket write.
        http=_http_protocol(),
        loop="auto",
    )

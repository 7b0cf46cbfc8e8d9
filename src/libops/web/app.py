"""The team's web app: server-rendered pages over the same commands, users and roles as the
HTTP API (docs/web.md).

:class:`WebApp` puts the screens together: each is a class of its own module built on
:class:`~libops.web.base.WebBase` (the dashboard in :mod:`libops.web.dashboard`, the review
queue in :mod:`libops.web.review`, ...); this module keeps the composition and the routes.

:func:`web_routes` gives its routes (``libops serve`` adds them beside ``/v1``);
:func:`create_web_app` serves them alone. Every page is rendered by Jinja2 with autoescaping
on; every answer carries the security headers of :data:`SECURITY_HEADERS` (no inline script,
no framing); every POST is checked for the web app's own origin and, once signed in, for the
session's CSRF token (:mod:`libops.web.sessions`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from libops.bootstrap import LibOps
from libops.web.activity import ActivityScreen
from libops.web.admin import AdminScreen
from libops.web.base import WebBase
from libops.web.budget import BudgetScreen
from libops.web.calendar import CalendarScreen
from libops.web.contests import ContestsScreen
from libops.web.dashboard import DashboardScreen
from libops.web.http_edge import CSP, SECURITY_HEADERS, same_origin
from libops.web.imports import ImportsScreen
from libops.web.posts import PostsScreen
from libops.web.publishing import PublishingScreen
from libops.web.questions import QuestionsScreen
from libops.web.report import ReportScreen
from libops.web.review import ReviewScreen
from libops.web.risks import RisksScreen
from libops.web.signoff import SignOffScreen


class WebApp(
    DashboardScreen,
    ReviewScreen,
    PostsScreen,
    CalendarScreen,
    QuestionsScreen,
    BudgetScreen,
    RisksScreen,
    ActivityScreen,
    ReportScreen,
    ImportsScreen,
    SignOffScreen,
    AdminScreen,
    PublishingScreen,
    ContestsScreen,
    WebBase,
):
    """The web app's pages over one opened store: its screens, put together."""

    def routes(self) -> list[BaseRoute]:
        """The web app's routes (none under ``/v1``, ``/healthz`` or ``/readyz``)."""
        both = ["GET", "POST"]
        return [
            Route("/", self.page(self.dashboard)),
            Route("/sign-in", self.page(self.sign_in, signed_in=False), methods=both),
            Route("/sign-out", self.page(self.sign_out), methods=["POST"]),
            Route("/language", self.page(self.public_language, signed_in=False), methods=["POST"]),
            Route("/review", self.page(self.review_queue)),
            Route("/review/{post_id}", self.page(self.review), methods=both),
            Route("/posts", self.page(self.posts)),
            Route("/posts/new", self.page(self.editor), methods=both),
            Route("/posts/{post_id}/edit", self.page(self.editor), methods=both),
            Route("/calendar", self.page(self.calendar)),
            Route("/publishing", self.page(self.publishing)),
            Route("/publishing/publish", self.page(self.publish_now), methods=["POST"]),
            Route("/publishing/schedule", self.page(self.schedule), methods=["POST"]),
            Route("/publishing/retract", self.page(self.retract), methods=["POST"]),
            Route("/publishing/take-down", self.page(self.confirm_take_down), methods=["POST"]),
            Route("/publishing/metrics", self.page(self.collect_metrics), methods=["POST"]),
            Route(
                "/publishing/by-hand/{post_id}/{platform}", self.page(self.by_hand), methods=both
            ),
            Route("/questions", self.page(self.questions)),
            Route("/questions/escalate", self.page(self.escalate_questions), methods=["POST"]),
            Route("/questions/{question_id}", self.page(self.question), methods=both),
            Route("/budget", self.page(self.budget)),
            Route("/budget/expense", self.page(self.record_expense), methods=["POST"]),
            Route("/budget/adjustment", self.page(self.request_adjustment), methods=["POST"]),
            Route("/budget/decide", self.page(self.decide), methods=["POST"]),
            Route("/risks", self.page(self.risks)),
            Route("/risks/identify", self.page(self.identify_risk), methods=["POST"]),
            Route("/risks/reassess", self.page(self.reassess_risk), methods=["POST"]),
            Route("/activity", self.page(self.activity)),
            Route("/report", self.page(self.report)),
            Route("/imports", self.page(self.imports)),
            Route(
                "/imports/preview",
                self.page(self.preview_import, upload=True),
                methods=["POST"],
            ),
            Route("/imports/run", self.page(self.run_import), methods=["POST"]),
            Route("/report/download", self.page(self.download_report)),
            Route("/admin/users", self.page(self.users)),
            Route("/admin/sign-off", self.page(self.make_signoff), methods=both),
            Route("/admin/tokens", self.page(self.tokens)),
            Route("/admin/tokens/issue", self.page(self.issue_token), methods=["POST"]),
            Route("/admin/tokens/revoke", self.page(self.revoke_token), methods=["POST"]),
            Route(
                "/sign-off/{secret}",
                self.page(self.use_signoff, signed_in=False),
                methods=both,
            ),
            Route("/contests", self.page(self.contests)),
            Route("/contests/new", self.page(self.new_contest), methods=both),
            Route("/contests/{contest_id}", self.page(self.contest), methods=both),
            Route("/public/contests", self.page(self.verify, signed_in=False)),
            Route("/public/contests/{contest_id}", self.page(self.verify, signed_in=False)),
            Route("/static/{name}", self.static),
        ]


def web_routes(ops: LibOps, *, secure_cookies: bool = True) -> tuple[list[BaseRoute], WebApp]:
    """The web app's routes over ``ops``, and the :class:`WebApp` (close it when done)."""
    web = WebApp(ops, secure_cookies=secure_cookies)
    return web.routes(), web


def mount_web(app: Starlette, ops: LibOps, *, secure_cookies: bool = True) -> WebApp:
    """Add the web app's pages to ``app`` (the HTTP API's app: its routes come first), closing
    the web app's connection when ``app`` shuts down."""
    routes, web = web_routes(ops, secure_cookies=secure_cookies)
    app.router.routes.extend(routes)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(started: Any) -> AsyncIterator[None]:
        try:
            async with inner(started):
                yield
        finally:
            web.close()

    app.router.lifespan_context = lifespan
    return web


def create_web_app(ops: LibOps, *, secure_cookies: bool = True) -> Starlette:
    """The web app alone over ``ops`` (an opened store), as an ASGI app."""
    routes, web = web_routes(ops, secure_cookies=secure_cookies)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            web.close()

    async def not_found(request: Request, error: Exception) -> Response:
        return await web.page(web.missing, signed_in=False)(request)

    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found}
    )
    app.state.web = web
    return app


__all__ = [
    "CSP",
    "SECURITY_HEADERS",
    "WebApp",
    "create_web_app",
    "mount_web",
    "same_origin",
    "web_routes",
]

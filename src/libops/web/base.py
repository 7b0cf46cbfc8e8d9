"""The web app's frame: the request wrapper every page goes through (form, origin, CSRF,
session, errors as pages, security headers), rendering, cookies, signing in and out, and the
small parsers the screens share (reading bodies, the same-origin check and the security headers
themselves are in :mod:`libops.web.http_edge`). Each screen is a class of its own module built
on :class:`WebBase`; :class:`libops.web.app.WebApp` puts them together (docs/web.md)."""

from __future__ import annotations

import contextlib
import hmac
import logging
import secrets
import threading
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta, tzinfo
from importlib import resources
from typing import Any, Final, TypeVar
from uuid import UUID

import attrs
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from libops.application.authentication import Authentication
from libops.bootstrap import LibOps
from libops.domain.errors import (
    AuthenticationError,
    CrossSiteRequestError,
    InactiveUserError,
    LibopsError,
    LoginThrottledError,
    MalformedRequestError,
    PermissionDeniedError,
    UnknownIdError,
    WebSessionError,
)
from libops.domain.permissions import roles_for
from libops.domain.platforms import REGISTRY
from libops.domain.risk import MAX_RATING as RATINGS
from libops.domain.values import (
    Actor,
)
from libops.web.http_edge import (
    SECURITY_HEADERS,
    Multipart,
    local_path,
    parse_form,
    read_multipart,
    redact,
    same_origin,
)
from libops.web.preferences import Preferences
from libops.web.sessions import Session, Sessions
from libops.web.strings_en import STRINGS as ENGLISH
from libops.web.strings_zh import STRINGS as CHINESE

log = logging.getLogger("libops.web")

LANGUAGES: Final[Mapping[str, Mapping[str, str]]] = {
    "en": ENGLISH,
    "zh": CHINESE,
}
"""Each language's texts, by key."""

SESSION_COOKIE: Final = "libops_session"
SIGNIN_COOKIE: Final = "libops_signin"
LANG_COOKIE: Final = "libops_lang"
SECURE_PREFIX: Final = "__Host-"
"""Cookies sent only over HTTPS carry this prefix: the browser then also refuses them a
``Domain`` and any ``Path`` but ``/`` (no other host or path can set them)."""

MAX_LISTED: Final = 100
"""How many rows a list page (readers' questions) shows at once (then a link to the next)."""

ACTIVITY_PAGE: Final = 50
"""How many entries of the activity log a page shows (the latest first)."""

POSTS_PAGE: Final = 30
"""How many posts the posts page lists (the latest first): each sealed title is opened."""

MAX_FORM: Final = 256 * 1024
"""The largest form body read, in bytes."""

MAX_UPLOAD: Final = 10 * 1024 * 1024
"""The largest upload accepted, in bytes (larger ones: ``libops import`` or ``--bulk``)."""

STATIC: Final[Mapping[str, str]] = {"web.js": "text/javascript", "web.css": "text/css"}

_NAV: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("/", "nav.dashboard", None),
    ("/review", "nav.review", "post.review"),
    ("/posts", "nav.posts", None),
    ("/calendar", "nav.calendar", None),
    ("/publishing", "nav.publishing", None),
    ("/questions", "nav.questions", None),
    ("/contests", "nav.contests", None),
    ("/budget", "nav.budget", None),
    ("/risks", "nav.risks", None),
    ("/activity", "nav.activity", None),
    ("/report", "nav.report", None),
    ("/imports", "nav.imports", "import.apply"),
    ("/posts/new", "nav.new_post", "post.draft"),
    ("/admin/users", "nav.users", "user.add"),
    ("/admin/sign-off", "nav.signoff", "user.add"),
    ("/admin/tokens", "nav.tokens", "user.add"),
)
"""The navigation of a signed-in person, in order: each link's path, the key of its text and
the command the person must be allowed (None: everyone signed in)."""


@attrs.define
class Page:
    """One request as a page handler sees it."""

    request: Request
    form: dict[str, str]
    lang: str
    session: Session | None = None
    actor: Actor | None = None
    upload: tuple[str, bytes] | None = None
    """A multipart form's file (its name and contents), on the pages that take one."""

    @property
    def person(self) -> Actor:
        """The signed-in person (pages that need one are only called with one)."""
        assert self.actor is not None
        return self.actor


Handler = Callable[[Page], Response]

T = TypeVar("T")


@attrs.frozen
class Refused:
    """What a form asked for and the record refused: the reason, for the form's page."""

    message: str


class WebBase:
    """The web app's frame over one opened store; the screens build on it."""

    def __init__(self, ops: LibOps, *, secure_cookies: bool = True) -> None:
        self.ops = ops
        self.secure_cookies = secure_cookies
        self._views = ops.open_view_store()
        self.sessions = Sessions(self._views, ops.app.clock.now)
        self.authentication = Authentication(ops)
        self.preferences = Preferences(self._views, frozenset(LANGUAGES))
        self._report_lock = threading.Lock()  # building a report catches the views up
        self.templates = Environment(
            loader=PackageLoader("libops.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._static = {
            name: resources.files("libops.web").joinpath("static", name).read_bytes()
            for name in STATIC
        }

    @staticmethod
    def attempt(action: Callable[[], T]) -> T | Refused:
        """``action()``, or its refusal as :class:`Refused` for the form's page to show. A
        refusal of the person (:class:`PermissionDeniedError`: 403) or an unknown id
        (:class:`UnknownIdError`: 404) goes on to the wrapper's error pages, as on every
        form."""
        try:
            return action()
        except (PermissionDeniedError, UnknownIdError):
            raise
        except LibopsError as refused:
            return Refused(str(refused))

    def end_expired(self) -> None:
        """Delete what expired in the view store (sessions; a screen with more adds it)."""
        self.sessions.end_expired()

    def close(self) -> None:
        """Release the view-store connection (a screen with more to release adds it)."""
        self._views.close()

    # --- cookies and languages ----------------------------------------------------------

    def cookie_name(self, name: str) -> str:
        return SECURE_PREFIX + name if self.secure_cookies else name

    def _set_cookie(self, response: Response, name: str, value: str, *, max_age: int) -> None:
        response.set_cookie(
            self.cookie_name(name),
            value,
            max_age=max_age,
            path="/",
            secure=self.secure_cookies,
            httponly=True,
            samesite="lax",
        )

    def _drop_cookie(self, response: Response, name: str) -> None:
        response.delete_cookie(
            self.cookie_name(name),
            path="/",
            secure=self.secure_cookies,
            httponly=True,
            samesite="lax",
        )

    @staticmethod
    def language(request: Request) -> str:
        chosen = request.cookies.get(LANG_COOKIE, "")
        if chosen in LANGUAGES:
            return chosen
        accepted = request.headers.get("accept-language", "").lower()
        return "zh" if accepted.startswith("zh") else "en"

    # --- rendering ----------------------------------------------------------------------

    def render(self, page: Page, template: str, status: int = 200, **values: Any) -> Response:
        texts = LANGUAGES[page.lang]

        def t(key: str, **names: Any) -> str:
            return texts[key].format(**names)

        actor = page.actor
        nav = [
            (path, t(key))
            for path, key, command in _NAV
            if actor is not None and (command is None or may(actor, command))
        ]
        nav.append(("/public/contests", t("nav.verify")))
        html = self.templates.get_template(template).render(
            t=t,
            lang=page.lang,
            actor=actor,
            csrf=None if page.session is None else page.session.csrf,
            nav=nav,
            path=page.request.url.path,
            **values,
        )
        return HTMLResponse(html, status_code=status)

    def error_page(self, page: Page, status: int, message: str) -> Response:
        return self.render(page, "error.html", status, message=message)

    # --- what the screens share ---------------------------------------------------------

    def _title(self, item: Mapping[str, Any]) -> str:
        title = item.get("title") or {}
        if isinstance(title, str):  # the lists give it opened (sealed titles too)
            return title
        if isinstance(title, Mapping) and "text" in title:
            return str(title["text"])
        return self.ops.posts.get(item["id"]).title

    def _platform_names(self, page: Page) -> dict[str, str]:
        return {profile.id: profile.name(page.lang) for profile in REGISTRY}

    def missing(self, page: Page) -> Response:
        """The answer to a path the web app does not have (when it is served alone)."""
        return self.error_page(page, 404, tr(page, "error.not_found"))

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return self._secured(Response("not found", status_code=404, media_type="text/plain"))
        response = Response(self._static[name], media_type=STATIC[name])
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    # --- the wrapper every page goes through --------------------------------------------

    def page(
        self, handler: Handler, *, signed_in: bool = True, upload: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        """``handler`` as an endpoint: its form read, its origin and CSRF token checked on
        POST, its session found, its errors as pages, the security headers added.

        ``upload``: the form is multipart with one file (``file``), up to
        :data:`MAX_UPLOAD` bytes; its origin and session are checked
        before its body is read, so a visitor's or another site's upload is never parsed
        (its CSRF token, a field of the form, is checked once the form is read)."""
        limit = MAX_UPLOAD if upload else MAX_FORM

        async def endpoint(request: Request) -> Response:
            if upload and request.method == "POST":
                refused = await run_in_threadpool(self._admit, request, signed_in)
                if refused is not None:
                    return self._secured(refused)
            chunks = bytearray()
            if request.method == "POST":
                async for chunk in request.stream():
                    chunks += chunk
                    if len(chunks) > limit:
                        too_large = f"the form is larger than {limit} bytes"
                        return self._secured(HTMLResponse(too_large, status_code=413))
            body = bytes(chunks)
            parsed = await read_multipart(request, body) if upload and body else None
            response = await run_in_threadpool(self._run, handler, request, body, signed_in, parsed)
            return self._secured(response)

        return endpoint

    def _admit(self, request: Request, signed_in: bool) -> Response | None:
        """None if a POST of ``request`` comes from this site and, if ``signed_in``, with a
        live session; else the page refusing it."""
        page = Page(request, {}, self.language(request))
        try:
            same_origin(request.headers)
            if signed_in:
                self._actor(
                    self.sessions.find(request.cookies.get(self.cookie_name(SESSION_COOKIE)))
                )
        except LibopsError as error:
            return self._refused(page, error)
        return None

    @staticmethod
    def _secured(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    def _run(
        self,
        handler: Handler,
        request: Request,
        body: bytes,
        signed_in: bool,
        parsed: Multipart | None = None,
    ) -> Response:
        page = Page(request, {}, self.language(request))
        try:
            if request.method == "POST":
                same_origin(request.headers)
                if parsed is None:
                    page.form = parse_form(body)
                elif parsed.error is not None:
                    raise MalformedRequestError(None, parsed.error)
                else:
                    page.form, page.upload = dict(parsed.fields), parsed.file
            if signed_in:
                page.session = self.sessions.find(
                    request.cookies.get(self.cookie_name(SESSION_COOKIE))
                )
                page.actor = self._actor(page.session)
                if request.method == "POST":
                    page.session.check_csrf(page.form.get("csrf"))
            return handler(page)
        except Exception as error:
            return self._refused(page, error)

    def _refused(self, page: Page, error: Exception) -> Response:
        """The page answering ``error``, raised while serving ``page``."""
        request = page.request
        if isinstance(error, WebSessionError):
            if request.method == "GET":
                return RedirectResponse("/sign-in?next=" + request.url.path, status_code=303)
            return self.error_page(page, 401, LANGUAGES[page.lang]["signin.title"])
        if isinstance(error, InactiveUserError):
            return self.error_page(page, 403, tr(page, "error.inactive", login=error.login))
        if isinstance(error, CrossSiteRequestError):
            return self.error_page(page, 403, tr(page, "error.csrf", detail=str(error)))
        if isinstance(error, PermissionDeniedError):
            roles = ", ".join(
                tr(page, f"role.{role.value}")
                for role in sorted(error.allowed, key=lambda role: role.value)
            )
            return self.error_page(page, 403, tr(page, "error.forbidden", roles=roles))
        if isinstance(error, UnknownIdError):
            return self.error_page(page, 404, tr(page, "error.not_found"))
        if isinstance(error, LibopsError):
            return self.error_page(page, 422, tr(page, "error.refused", detail=str(error)))
        incident = uuid.uuid4().hex[:12]
        path = redact(request.url.path)  # (a sign-off link's secret stays out)
        log.error("%s %s failed (incident %s)", request.method, path, incident, exc_info=error)
        return self.error_page(page, 500, tr(page, "error.internal", incident=incident))

    def _actor(self, session: Session) -> Actor:
        try:
            return self.active_actor(session.login)
        except InactiveUserError:
            self._views.discard("web.sessions", [session.key])
            raise WebSessionError("the session's user is disabled or holds no role") from None

    def active_actor(self, login: str) -> Actor:
        """The person ``login`` as an actor, if they may still act: the one check of a
        session, a sign-off link and a waiting budget request (:class:`InactiveUserError` when
        the user is unknown, disabled or holds no role)."""
        user = self.ops.users.find(login)
        if user is None or user.disabled or not user.roles:
            raise InactiveUserError(login)
        return user.actor()

    # --- signing in and out -------------------------------------------------------------

    def sign_in_form(self, page: Page, *, status: int = 200, error: str | None = None) -> Response:
        token = secrets.token_urlsafe(32)
        response = self.render(
            page,
            "sign_in.html",
            status,
            signin_token=token,
            error=error,
            next=local_path(page.request.query_params.get("next") or page.form.get("next")),
        )
        self._set_cookie(response, SIGNIN_COOKIE, token, max_age=3600)
        return response

    def sign_in(self, page: Page) -> Response:
        if page.request.method == "GET":
            return self.sign_in_form(page)
        cookie = page.request.cookies.get(self.cookie_name(SIGNIN_COOKIE), "")
        given = page.form.get("signin_token", "")
        if not cookie or not given or not hmac.compare_digest(cookie, given):
            raise CrossSiteRequestError("the sign-in form is not the one this browser was given")
        client = None if page.request.client is None else page.request.client.host
        try:
            actor = self.authentication.password(
                page.form.get("login", ""), page.form.get("password", ""), client=client
            )
        except LoginThrottledError as error:
            message = tr(page, "signin.throttled", seconds=error.retry_after)
            return self.sign_in_form(page, status=429, error=message)
        except AuthenticationError as error:
            key = "signin.disabled" if "disabled" in str(error) else "signin.failed"
            return self.sign_in_form(page, status=401, error=tr(page, key))
        previous = page.request.cookies.get(self.cookie_name(SESSION_COOKIE))
        session_id, _ = self.sessions.start(actor.id, replacing=previous)
        self.end_expired()  # a team's sessions (and uploads): a short scan, once per sign-in
        response = RedirectResponse(local_path(page.form.get("next")), status_code=303)
        self._set_cookie(
            response,
            SESSION_COOKIE,
            session_id,
            max_age=int(self.sessions.absolute.total_seconds()),
        )
        self._drop_cookie(response, SIGNIN_COOKIE)
        preferred = self.preferences.language(actor.id)
        if preferred is not None:
            self._set_language(response, preferred)
        return response

    def sign_out(self, page: Page) -> Response:
        session_id = page.request.cookies.get(self.cookie_name(SESSION_COOKIE))
        if session_id:
            self.sessions.end(session_id)
        response = RedirectResponse("/sign-in", status_code=303)
        self._drop_cookie(response, SESSION_COOKIE)
        return response

    def choose_language(self, page: Page) -> Response:
        lang = page.form.get("lang", "")
        if lang not in LANGUAGES:
            raise MalformedRequestError("lang", f"lang is one of en, zh, not {lang!r}")
        response = RedirectResponse(local_path(page.form.get("next")), status_code=303)
        self._set_language(response, lang)
        return response

    def _set_language(self, response: Response, lang: str) -> None:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            path="/",
            secure=self.secure_cookies,
            httponly=True,
            samesite="lax",
        )

    def public_language(self, page: Page) -> Response:
        """The language switch, for visitors too: the origin is checked, and the session's
        CSRF token when signed in."""
        session_id = page.request.cookies.get(self.cookie_name(SESSION_COOKIE))
        login = None
        if session_id:
            with contextlib.suppress(WebSessionError):
                session = self.sessions.find(session_id)
                session.check_csrf(page.form.get("csrf"))
                login = session.login
        response = self.choose_language(page)
        if login is not None:  # remembered for the person's next sign-in, on any browser
            self.preferences.choose(login, page.form["lang"])
        return response


def tr(page: Page, key: str, **names: Any) -> str:
    return LANGUAGES[page.lang][key].format(**names)


def may(actor: Actor, command: str) -> bool:
    return bool(actor.roles & roles_for([command]))


def parse_id(text: str, kind: str = "post") -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise UnknownIdError(kind, text) from None


def parse_rating(text: str, field: str) -> int:
    """``text`` as a rating from 1 to 5 (the form's choice)."""
    if len(text) == 1 and text.isascii() and text.isdigit() and 1 <= int(text) <= RATINGS:
        return int(text)
    raise MalformedRequestError(
        field, f"{field} is a whole number from 1 to {RATINGS}, not {text!r}"
    )


def parse_moment(page: Page, field: str, zone: tzinfo, label: str) -> datetime:
    """The form's ``field`` (a ``datetime-local`` value, ``YYYY-MM-DDTHH:MM``) as a moment: in
    the library's ``zone`` when it names none. A value that is not a date and time is refused
    (:class:`MalformedRequestError` naming the field by its ``label``)."""
    text = page.form.get(field, "").strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedRequestError(
            field, tr(page, "form.bad_time", field=label, at=text)
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def duration_text(page: Page, span: timedelta) -> str:
    """``span`` in days, hours and minutes, in the page's language."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return tr(page, "duration.days", d=days, h=hours)
    if hours:
        return tr(page, "duration.hours", h=hours, m=minutes)
    return tr(page, "duration.minutes", m=minutes)

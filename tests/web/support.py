"""What the web app's tests share: a team with passwords, a browser-like client (cookies
kept, forms posted with their CSRF token and the site's own Origin), and the served app in this
process on a clock the test moves (:func:`clocked_server`)."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
import httpx
from starlette.applications import Starlette

from libops import Actor, LibOps, Role
from libops.adapters.clock import ManualClock
from libops.domain.ports import PlatformGateway

BASE = "https://libops.test"
"""The address the in-process client speaks to (HTTPS: the cookies are Secure)."""

PASSWORD = "correct horse battery staple"
"""Every test user's password."""

ADMIN = Actor("root", [Role.OPERATIONS_ADMIN], name="Root")
TEAM: Mapping[str, tuple[str, tuple[Role, ...]]] = {
    "li.na": ("Li Na", (Role.CONTENT_PLANNER,)),
    "wang.fang": ("Wang Fang", (Role.REVIEWER,)),
    "chen.jie": ("Chen Jie", (Role.OPERATIONS_ADMIN,)),
    "zhao.lei": ("Zhao Lei", (Role.AUDITOR,)),
    "sun.li": ("Sun Li", (Role.BUDGET_OWNER,)),
    "zhou.min": ("Zhou Min", (Role.BUDGET_OWNER,)),
}


def add_team(ops: LibOps) -> None:
    """Add the users of :data:`TEAM`, each with :data:`PASSWORD`."""
    for login, (name, roles) in TEAM.items():
        ops.users.add(ADMIN, login=login, name=name, roles=list(roles))
        ops.users.set_password(ADMIN, login=login, password=PASSWORD)


def events(ops: LibOps) -> int:
    """How many events the store holds (its last notification id)."""
    return ops.app.recorder.max_notification_id() or 0


def web_store(
    url: str, clock: ManualClock, gateways: Sequence[PlatformGateway] = ()
) -> Iterator[LibOps]:
    """libops on the store at ``url`` opened with ``clock`` and ``gateways``, with the test
    team and the web app over it (``ops.web_app``, for :func:`browser`); the app is closed
    after. Used by the fixtures as ``yield from web_store(...)``."""
    from libops.web import create_web_app

    with LibOps.open(url, clock=clock, migrate=True, gateways=list(gateways)) as opened:
        add_team(opened)
        app = create_web_app(opened)
        opened.web_app = app  # type: ignore[attr-defined]
        yield opened
        app.state.web.close()


def web_of(ops: LibOps) -> Any:
    """The :class:`~libops.web.app.WebApp` behind the web app of :func:`web_store`."""
    return ops.web_app.state.web  # type: ignore[attr-defined]


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_SIGNIN = re.compile(r'name="signin_token" value="([^"]+)"')


class Browser:
    """A client of the web app in this process that keeps cookies as a browser does."""

    def __init__(self, app: Starlette, origin: str = BASE) -> None:
        self.app = app
        self.origin = origin
        self.cookies = httpx.Cookies()
        self.last: httpx.Response | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url=BASE, cookies=self.cookies
            ) as client:
                response = await client.request(method, path, **kwargs)
                self.cookies = client.cookies
                return response

        self.last = asyncio.run(send())
        return self.last

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(
        self, path: str, data: Mapping[str, str], *, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        sent = {"Origin": self.origin} if headers is None else dict(headers)
        return self.request("POST", path, data=dict(data), headers=sent)

    def csrf(self, path: str = "/") -> str:
        """The CSRF token in the forms of the page at ``path``."""
        found = _CSRF.search(self.get(path).text)
        assert found is not None, "no CSRF token on the page"
        return found[1]

    def submit(self, path: str, data: Mapping[str, str], page: str | None = None) -> httpx.Response:
        """Post ``data`` to ``path`` with the CSRF token of the page at ``page`` (``path``)."""
        return self.post(path, {**data, "csrf": self.csrf(page or path)})

    def sign_in(self, login: str, password: str = PASSWORD) -> httpx.Response:
        form = self.get("/sign-in")
        token = _SIGNIN.search(form.text)
        assert token is not None
        return self.post(
            "/sign-in", {"login": login, "password": password, "signin_token": token[1]}
        )


def browser(ops: LibOps, login: str | None = None, lang: str = "en") -> Browser:
    """A browser on the web app of :func:`web_store`, signed in as ``login`` (if any) and
    reading in ``lang``."""
    opened = Browser(ops.web_app)  # type: ignore[attr-defined]
    if login is not None:
        opened.sign_in(login)
    if lang != "en":
        opened.submit("/language", {"lang": lang, "next": "/"}, "/")
    return opened


def drawn_contest(ops: LibOps, clock: Any) -> str:
    """A contest announced, opened, entered by five readers, closed and drawn (its id);
    ``clock`` is the store's :class:`~libops.adapters.clock.ManualClock`."""
    from datetime import timedelta

    from libops.domain.interaction import ContestRules, Prize
    from libops.domain.personal import Consent, PersonalInfo

    planner = Actor("li.na", [Role.CONTENT_PLANNER], name="Li Na")
    rules = ContestRules(
        eligibility="Readers with a City Library card.",
        opens_at=clock.now() + timedelta(hours=1),
        closes_at=clock.now() + timedelta(days=7),
        entry_method="repost",
        platforms=["weibo"],
        entries_per_person=1,
        prizes=[Prize("Book token", 2)],
    )
    contest = ops.contests.announce(planner, kind="repost_draw", title="Book draw", rules=rules)
    ops.contests.open(ADMIN, contest)
    clock.advance(timedelta(hours=2))
    consent = Consent("the book draw", clock.now())
    for n in range(1, 6):
        ops.contests.enter(
            planner,
            contest,
            participant=PersonalInfo(handle=f"@reader_{n}"),
            consent=consent,
            platform="weibo",
            method="repost",
            entry_id=f"weibo:{n:04d}",
        )
    clock.advance(timedelta(days=7))
    ops.contests.close(ADMIN, contest)
    ops.contests.draw(ADMIN, contest)
    return str(contest)


PLANNER = Actor("li.na", [Role.CONTENT_PLANNER], name="Li Na")
REVIEWER = Actor("wang.fang", [Role.REVIEWER], name="Wang Fang")
OPERATOR = Actor("chen.jie", [Role.OPERATIONS_ADMIN], name="Chen Jie")


def approved_post(ops: LibOps, title: str, variants: Mapping[str, str]) -> Any:
    """A post drafted by Li Na with a text for each platform of ``variants``, approved by
    Wang Fang (its id)."""
    from libops.domain.values import PostVariant, ReviewChecklist

    post_id = ops.posts.draft(
        PLANNER,
        title=title,
        body=f"{title}: the library's post.",
        content_type="news",
        format="image_text",
        variants=[PostVariant(platform, text) for platform, text in variants.items()],
    )
    ops.posts.submit_for_review(PLANNER, post_id)
    ops.posts.review(REVIEWER, post_id, ReviewChecklist(True, True, True), approve=True)
    return post_id


BUDGET_OWNER = Actor("sun.li", [Role.BUDGET_OWNER], name="Sun Li")


def open_budget(ops: LibOps, promotion: str = "5000") -> str:
    """A budget for 2026 Q2 in CNY with ``promotion`` allocated to promotion (its id)."""
    from datetime import date

    from libops import Period
    from libops.domain.values import Money

    budget = ops.budgets.open(
        BUDGET_OWNER,
        name="2026 Q2",
        period=Period(date(2026, 4, 1), date(2026, 6, 30)),
        currency="CNY",
    )
    ops.budgets.allocate(BUDGET_OWNER, budget, "promotion", Money(promotion, "CNY"))
    return str(budget)


@attrs.frozen
class ClockedSite:
    """The API and the web app served in this process on a clock the test moves."""

    base: str
    """The server's address (``http://127.0.0.1:PORT``)."""
    store: str
    clock: ManualClock
    ops: LibOps
    """The server's own :class:`LibOps` (its clock is :attr:`clock`)."""


@contextmanager
def clocked_server(
    store: str, clock: ManualClock, gateways: Sequence[PlatformGateway] = ()
) -> Iterator[ClockedSite]:
    """What ``libops serve --plain-http-cookies`` serves (the API at ``/v1``, the web app at
    ``/``) on ``store`` opened with ``clock`` and ``gateways``, on uvicorn in a thread of this
    process, on a free loopback port. Everything the server does (sessions, schedules, due
    posts, the sandbox's readers) follows ``clock``: a test advances it to make a scheduled
    post due instead of waiting. ``libops serve`` runs the same app in a process of its own
    (:func:`libops.testing.serving.running_server`), always on the system clock."""
    import uvicorn

    from libops.application.authentication import TokenAuthenticator
    from libops.http import create_app
    from libops.testing.serving import free_port
    from libops.web import mount_web

    with LibOps.open(store, clock=clock, gateways=gateways) as ops:
        app = create_app(ops, authenticate=TokenAuthenticator(ops))
        mount_web(app, ops, secure_cookies=False)
        port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="clocked-server", daemon=True)
        thread.start()
        try:
            for _ in range(600):  # up to 30 s
                if server.started or not thread.is_alive():
                    break
                time.sleep(0.05)
            if not server.started:
                raise RuntimeError("the in-process server did not start")
            yield ClockedSite(f"http://127.0.0.1:{port}", store, clock, ops)
        finally:
            server.should_exit = True
            thread.join(timeout=30)

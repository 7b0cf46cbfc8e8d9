"""The web app in this process (httpx over ASGI): sessions, CSRF, headers, escaping, roles
and the review journey by forms, on every kind of store (sessions live in the store)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.web import CSP, create_web_app
from libops.web.base import SESSION_COOKIE
from libops.web.sessions import ABSOLUTE, IDLE, SESSIONS, Sessions
from tests.web.support import PASSWORD, Browser, add_team, drawn_contest

COOKIE = "__Host-" + SESSION_COOKIE

PHONE_POST = {
    "title": "读书会预告",
    "body": "报名请致电 13812345678",
    "content_type": "news",
    "format": "image_text",
    "variant_weibo": "#读书日# 报名请致电 13812345678",
    "action": "submit",
}


@pytest.fixture
def web(ops: LibOps) -> Iterator[Browser]:
    """A browser on the web app over a fresh store of each kind, with the test team."""
    add_team(ops)
    app = create_web_app(ops)
    yield Browser(app)
    app.state.web.close()


@pytest.fixture
def memory_web(memory_ops: LibOps) -> Iterator[Browser]:
    add_team(memory_ops)
    app = create_web_app(memory_ops)
    yield Browser(app)
    app.state.web.close()


def events(ops: LibOps) -> int:
    return ops.app.recorder.max_notification_id() or 0


def another(browser: Browser) -> Browser:
    """A second browser (cookies of its own) on the same app."""
    return Browser(browser.app)


class TestSessions:
    def test_a_page_needs_a_session_and_sign_in_sets_a_secure_cookie(
        self, web: Browser, ops: LibOps
    ) -> None:
        assert web.get("/").status_code == 303
        assert web.last is not None
        assert web.last.headers["location"] == "/sign-in?next=/"
        signed = web.sign_in("li.na")
        assert signed.status_code == 303
        cookie = next(
            c for c in signed.headers.get_list("set-cookie") if c.startswith(COOKIE + "=")
        )
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "secure", "samesite=lax", "path=/"} <= attributes
        session_id = web.cookies[COOKIE]
        assert len(session_id) >= 43  # 32 random bytes in base64url
        page = web.get("/")
        assert page.status_code == 200
        assert "Li Na" in page.text
        # Kept hashed in the store: the id itself is nowhere in it.
        views = ops.open_view_store()
        try:
            rows = dict(views.rows(SESSIONS))
        finally:
            views.close()
        assert list(rows) == [hashlib.sha256(session_id.encode()).hexdigest()]
        assert session_id not in json.dumps(rows)

    def test_sign_in_makes_a_new_id_and_ends_the_one_before(self, web: Browser) -> None:
        web.cookies.set(COOKIE, "planted-by-an-attacker", domain="libops.test")
        web.sign_in("li.na")
        first = web.cookies[COOKIE]
        assert first != "planted-by-an-attacker"
        web.sign_in("li.na")
        second = web.cookies[COOKIE]
        assert second != first
        stale = another(web)
        stale.cookies.set(COOKIE, first, domain="libops.test")
        assert stale.get("/").status_code == 303  # the id before sign-in works no more

    @pytest.mark.parametrize(
        ("given", "goes_to"),
        [
            ("/review", "/review"),
            ("//evil.test/", "/"),
            ("https://evil.test/", "/"),
            ("/\\evil.test", "/"),
            ("", "/"),
        ],
    )
    def test_sign_in_goes_back_only_to_a_page_of_this_site(
        self, memory_web: Browser, given: str, goes_to: str
    ) -> None:
        import re

        form = memory_web.get("/sign-in?next=" + given)
        token = re.search(r'name="signin_token" value="([^"]+)"', form.text)
        assert token is not None
        signed = memory_web.post(
            "/sign-in",
            {"login": "li.na", "password": PASSWORD, "signin_token": token[1], "next": given},
        )
        assert signed.status_code == 303
        assert signed.headers["location"] == goes_to

    def test_sign_out_ends_the_session(self, web: Browser) -> None:
        web.sign_in("wang.fang")
        session_id = web.cookies[COOKIE]
        assert web.submit("/sign-out", {}, page="/").status_code == 303
        replay = another(web)
        replay.cookies.set(COOKIE, session_id, domain="libops.test")
        assert replay.get("/").status_code == 303

    def test_a_wrong_password_is_refused_and_throttled(self, web: Browser) -> None:
        refused = web.sign_in("li.na", "not the password at all")
        assert refused.status_code == 401
        assert "Unknown login or wrong password." in refused.text
        assert COOKIE not in web.cookies
        for _ in range(4):
            web.sign_in("li.na", "not the password at all")
        throttled = web.sign_in("li.na")  # the right password, but locked out now
        assert throttled.status_code == 429
        assert "Too many failed sign-ins" in throttled.text

    def test_a_sign_in_form_from_elsewhere_is_refused(self, web: Browser) -> None:
        forged = web.post(
            "/sign-in", {"login": "li.na", "password": "x" * 12, "signin_token": "guess"}
        )
        assert forged.status_code == 403
        assert COOKIE not in web.cookies

    def test_idle_and_absolute_expiry(
        self, memory_web: Browser, memory_ops: LibOps, clock: ManualClock
    ) -> None:
        memory_web.sign_in("li.na")
        clock.advance(IDLE - timedelta(minutes=1))
        assert memory_web.get("/posts").status_code == 200
        clock.advance(IDLE - timedelta(minutes=1))
        assert memory_web.get("/posts").status_code == 200  # used: not idle
        clock.advance(IDLE)
        assert memory_web.get("/posts").status_code == 303  # idle too long
        memory_web.sign_in("li.na")
        for _ in range(int(ABSOLUTE / timedelta(hours=1)) - 1):
            clock.advance(timedelta(hours=1))
            assert memory_web.get("/posts").status_code == 200
        clock.advance(timedelta(hours=1))
        assert memory_web.get("/posts").status_code == 303  # past its lifetime

    def test_expired_sessions_are_removed(self, memory_ops: LibOps, clock: ManualClock) -> None:
        views = memory_ops.open_view_store()
        sessions = Sessions(views, clock.now)
        sessions.start("li.na")
        kept, _ = sessions.start("wang.fang")
        clock.advance(IDLE - timedelta(minutes=5))
        sessions.find(kept)
        clock.advance(timedelta(minutes=10))
        assert sessions.end_expired() == 1
        assert sessions.find(kept).login == "wang.fang"
        assert len(views.rows(SESSIONS)) == 1

    def test_a_sign_in_removes_the_expired_sessions(
        self, memory_web: Browser, memory_ops: LibOps, clock: ManualClock
    ) -> None:
        memory_web.sign_in("li.na")
        clock.advance(IDLE)
        another(memory_web).sign_in("wang.fang")
        views = memory_ops.open_view_store()
        assert [json.loads(text)["login"] for _, text in views.rows(SESSIONS)] == ["wang.fang"]

    def test_a_disabled_user_is_signed_out(self, web: Browser, ops: LibOps) -> None:
        from tests.web.support import ADMIN

        web.sign_in("li.na")
        ops.users.disable(ADMIN, login="li.na", reason="left the team")
        assert web.get("/").status_code == 303


class TestCsrf:
    def test_a_form_without_the_token_records_nothing(self, web: Browser, ops: LibOps) -> None:
        web.sign_in("li.na")
        before = events(ops)
        refused = web.post("/posts/new", PHONE_POST)
        assert refused.status_code == 403
        assert "CSRF" in refused.text
        wrong = web.post("/posts/new", {**PHONE_POST, "csrf": "x" * 43})
        assert wrong.status_code == 403
        assert events(ops) == before

    @pytest.mark.parametrize(
        "headers",
        [
            {"Origin": "http://127.0.0.1:9999"},
            {"Origin": "null"},
            {"Referer": "https://evil.test/form.html"},
            {},
        ],
    )
    def test_a_form_from_another_origin_is_refused(
        self, memory_web: Browser, memory_ops: LibOps, headers: dict[str, str]
    ) -> None:
        memory_web.sign_in("li.na")
        token = memory_web.csrf("/posts/new")
        before = events(memory_ops)
        refused = memory_web.post("/posts/new", {**PHONE_POST, "csrf": token}, headers=headers)
        assert refused.status_code == 403
        assert events(memory_ops) == before

    def test_a_referer_of_the_site_itself_is_enough(
        self, memory_web: Browser, memory_ops: LibOps
    ) -> None:
        memory_web.sign_in("li.na")
        token = memory_web.csrf("/posts/new")
        posted = memory_web.post(
            "/posts/new",
            {**PHONE_POST, "csrf": token},
            headers={"Referer": "https://libops.test/posts/new"},
        )
        assert posted.status_code == 200
        assert "Submitted for review." in posted.text


class TestPages:
    @pytest.mark.parametrize(
        "path",
        [
            "/sign-in",
            "/",
            "/posts",
            "/posts/new",
            "/public/contests",
            "/no-such-page",
            "/calendar",
            "/publishing",
            "/questions",
            "/budget",
            "/risks",
            "/activity",
        ],
    )
    def test_every_page_carries_the_security_headers(self, memory_web: Browser, path: str) -> None:
        memory_web.sign_in("li.na")
        page = memory_web.get(path)
        assert page.headers["content-security-policy"] == CSP
        assert "frame-ancestors 'none'" in CSP
        assert "script-src 'self'" in CSP
        assert "unsafe-inline" not in CSP
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "same-origin"

    def test_user_text_is_escaped(self, memory_web: Browser) -> None:
        memory_web.sign_in("li.na")
        script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        memory_web.submit(
            "/posts/new",
            {**PHONE_POST, "title": script, "body": script, "variant_weibo": "fine"},
        )
        page = memory_web.get("/posts")
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        assert "<script" not in page.text.replace('<script src="/static/web.js" defer>', "")

    def test_a_reviewer_reaching_an_admin_page_is_forbidden(self, memory_web: Browser) -> None:
        memory_web.sign_in("wang.fang")
        refused = memory_web.get("/admin/users")
        assert refused.status_code == 403
        assert "operations admin" in refused.text
        admin = another(memory_web)
        admin.sign_in("chen.jie")
        listed = admin.get("/admin/users")
        assert listed.status_code == 200
        assert "wang.fang" in listed.text
        assert "reviewer" in listed.text

    def test_a_planner_has_no_review_queue(self, memory_web: Browser) -> None:
        memory_web.sign_in("li.na")
        assert memory_web.get("/review").status_code == 403
        assert 'href="/review"' not in memory_web.get("/").text

    def test_chinese_is_chosen_per_browser(self, memory_web: Browser) -> None:
        memory_web.sign_in("li.na")
        switched = memory_web.submit("/language", {"lang": "zh", "next": "/posts/new"}, "/")
        assert switched.status_code == 303
        assert switched.headers["location"] == "/posts/new"
        page = memory_web.get("/posts/new")
        assert '<html lang="zh-CN">' in page.text
        assert "新建帖子" in page.text
        assert "保存并提交审核" in page.text
        assert "微博" in page.text
        refused = memory_web.submit("/language", {"lang": "fr"}, "/")
        assert refused.status_code == 422

    def test_the_editor_shows_each_platforms_limit(self, memory_web: Browser) -> None:
        memory_web.sign_in("li.na")
        page = memory_web.get("/posts/new").text
        assert 'name="variant_weibo"' in page
        assert 'data-limit="2000"' in page or "data-limit=" in page
        for control in ("title", "body", "content_type", "format", "variant_weibo"):
            assert f'<label for="{control}">' in page  # every control labelled

    def test_an_unexpected_error_is_a_page_without_details(
        self, memory_web: Browser, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken() -> None:
            raise RuntimeError("secret detail of the failure")

        monkeypatch.setattr(memory_web.app.state.web.ops.projections, "run", broken)
        memory_web.sign_in("li.na")
        page = memory_web.get("/")
        assert page.status_code == 500
        assert "logged on the server as incident" in page.text
        assert "secret detail" not in page.text
        assert page.headers["x-frame-options"] == "DENY"

    def test_an_unreadable_form_is_refused(self, memory_web: Browser) -> None:
        memory_web.sign_in("li.na")
        token = memory_web.csrf("/posts/new")
        garbled = memory_web.request(
            "POST",
            "/posts/new",
            content=b"csrf=" + token.encode() + b"&title=\xff\xfe",
            headers={"Origin": memory_web.origin},
        )
        assert garbled.status_code == 422
        assert "the form cannot be read" in garbled.text

    def test_a_refused_draft_says_why_and_records_nothing(
        self, memory_web: Browser, memory_ops: LibOps
    ) -> None:
        memory_web.sign_in("li.na")
        before = events(memory_ops)
        refused = memory_web.submit("/posts/new", {**PHONE_POST, "variant_weibo": "书" * 5001})
        assert refused.status_code == 422
        assert 'id="form-error"' in refused.text
        empty = memory_web.submit("/posts/new", {**PHONE_POST, "variant_weibo": ""})
        assert empty.status_code == 422
        assert "at least one platform" in empty.text
        assert events(memory_ops) == before


class TestJourneys:
    def test_the_review_journey_by_forms(self, web: Browser, ops: LibOps) -> None:
        web.sign_in("li.na")
        drafted = web.submit("/posts/new", PHONE_POST)
        assert "Submitted for review." in drafted.text
        post_id = ops.posts.list().items[0]["id"]
        assert web.get(f"/review/{post_id}").status_code == 403  # never one's own: no role

        reviewer = another(web)
        reviewer.sign_in("wang.fang")
        queue = reviewer.get("/review")
        assert f'href="/review/{post_id}"' in queue.text
        page = reviewer.get(f"/review/{post_id}")
        assert "mobile number" in page.text
        assert "13812345678" in page.text  # the body, shown to the reviewer
        no_comment = reviewer.submit(f"/review/{post_id}", {"decision": "send_back"})
        assert no_comment.status_code == 422
        sent_back = reviewer.submit(
            f"/review/{post_id}",
            {"decision": "send_back", "accuracy": "on", "comments": "请删除电话号码"},
        )
        assert "Sent back for changes." in sent_back.text

        editor = web.get(f"/posts/{post_id}/edit")
        assert "请删除电话号码" in editor.text
        assert "mobile number" in editor.text
        fixed = web.submit(
            f"/posts/{post_id}/edit",
            {
                "title": "读书会预告",
                "body": "欢迎参加",
                "variant_weibo": "#读书日# 欢迎参加",
                "action": "submit",
            },
        )
        assert "Submitted for review." in fixed.text

        approved = reviewer.submit(
            f"/review/{post_id}",
            {"decision": "approve", "accuracy": "on", "copyright": "on", "privacy": "on"},
        )
        assert "Approved." in approved.text
        assert ops.posts.get(post_id).status.value == "approved"
        assert "approved" in web.get("/posts").text

    def test_a_visitor_verifies_a_draw_without_signing_in(
        self, web: Browser, ops: LibOps, clock: ManualClock
    ) -> None:
        contest = drawn_contest(ops, clock)
        page = web.get(f"/public/contests?id={contest}")
        assert page.status_code == 200
        assert "The draw matches" in page.text
        assert "weibo:000" in page.text
        unknown = web.get("/public/contests/00000000-0000-4000-8000-000000000000")
        assert unknown.status_code == 404
        assert "There is no contest" in unknown.text
        garbled = web.get("/public/contests?id=%3Cb%3Enot-an-id")
        assert garbled.status_code == 422
        assert "&lt;b&gt;not-an-id is not a contest id" in garbled.text

    def test_the_dashboard_shows_the_scorecard(self, memory_web: Browser) -> None:
        from datetime import date

        from libops import Actor, Objective, Period, Role

        ops = memory_web.app.state.web.ops
        planner = Actor("li.na", [Role.CONTENT_PLANNER], name="Li Na")
        ops.campaigns.plan(
            planner,
            name="<b>World Book Day</b>",
            kind="topic",
            period=Period(date(2026, 4, 13), date(2026, 4, 30)),
            platforms=["weibo"],
            objectives=[Objective("reads", 5_000)],
        )
        memory_web.sign_in("zhao.lei")  # an auditor reads the dashboard
        page = memory_web.get("/")
        assert page.status_code == 200
        assert "&lt;b&gt;World Book Day&lt;/b&gt;" in page.text
        assert "reads" in page.text


class TestCatalogues:
    def test_both_languages_have_the_same_keys_and_placeholders(self) -> None:
        import string

        from libops.web import strings_en, strings_zh

        assert list(strings_en.STRINGS) == list(strings_zh.STRINGS)
        for key, english in strings_en.STRINGS.items():
            chinese = strings_zh.STRINGS[key]

            def names(text: str) -> set[str]:
                return {name for _, name, _, _ in string.Formatter().parse(text) if name}

            assert names(english) == names(chinese), key
            if key != "app":
                assert english != chinese, f"{key} is not translated"

    def test_the_chinese_pages_show_no_english_of_their_own(self, memory_web: Browser) -> None:
        from libops.web import strings_en

        memory_web.sign_in("chen.jie")
        memory_web.submit("/language", {"lang": "zh"}, "/")
        for path in (
            "/",
            "/posts",
            "/admin/users",
            "/public/contests",
            "/calendar",
            "/calendar?month=2026-04",
            "/publishing",
            "/questions",
            "/budget",
            "/risks",
            "/activity",
        ):
            text = memory_web.get(path).text
            for key, english in strings_en.STRINGS.items():
                if key != "app" and "{" not in english and len(english) > 3:
                    assert f">{english}<" not in text, (path, key)

"""The web app's review bugs (issue 16): a budget request decided once, a disabled approver's
sign-off link refused, an anonymous upload refused unread, an unknown id answered 404 by every
form, and the calendar's warnings from the domain's cadence check."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from libops import LibOps, Role
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.web.budget import Request
from tests.web.support import (
    ADMIN,
    OPERATOR,
    Browser,
    approved_post,
    browser,
    events,
    open_budget,
    web_of,
    web_store,
)


@pytest.fixture
def stored(store_url: str, april: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """libops on a fresh store of each kind, with the team and the web app."""
    yield from web_store(store_url, april, [weibo])


@pytest.fixture
def site(april: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """The same on a memory store only."""
    yield from web_store("memory://", april, [weibo])


def overspend_request(ops: LibOps) -> tuple[str, str]:
    """A budget with 1000 CNY for promotion and Chen Jie's request to spend 1500 on it (the
    budget's id, the request's id)."""
    budget = open_budget(ops, promotion="1000")
    admin = browser(ops, "chen.jie")
    asked = admin.submit(
        "/budget/expense",
        {
            "budget_id": budget,
            "vendor": "Print shop",
            "invoice_reference": "INV-9",
            "amount": "1500",
            "category": "promotion",
            "request_override": "on",
            "reason": "posters for World Book Day",
        },
        "/budget",
    )
    assert "A budget owner is asked to authorise it." in asked.text
    found = re.search(r'name="request_id" value="([0-9a-f]+)"', asked.text)
    assert found is not None
    return budget, found[1]


class TestBudgetDecidedOnce:
    def test_a_double_click_records_one_expense(self, stored: LibOps) -> None:
        budget, request_id = overspend_request(stored)
        owner = browser(stored, "sun.li")
        csrf = owner.csrf("/budget")
        decision = {"request_id": request_id, "decision": "approve", "csrf": csrf}
        first = owner.post("/budget/decide", decision)
        assert first.status_code == 200, first.text
        after = events(stored)
        second = owner.post("/budget/decide", decision)
        assert second.status_code == 404
        other = browser(stored, "zhou.min").submit(
            "/budget/decide", {"request_id": request_id, "decision": "approve"}, "/budget"
        )
        assert other.status_code == 404
        assert events(stored) == after
        assert len(stored.budgets.expenses(budget)) == 1
        assert len(stored.budgets.overrides(budget)) == 1

    def test_two_owners_at_once_record_one_expense(
        self, stored: LibOps, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        budget, request_id = overspend_request(stored)
        owners = [browser(stored, "sun.li"), browser(stored, "zhou.min")]
        forms = [
            {"request_id": request_id, "decision": "approve", "csrf": who.csrf("/budget")}
            for who in owners
        ]
        # Both read the request before either goes on: the race a double-click opens.
        requests = web_of(stored).budget_requests
        read = requests.get
        both = threading.Barrier(2, timeout=30)

        def get_together(request_id: str) -> Request:
            found: Request = read(request_id)
            both.wait()
            return found

        monkeypatch.setattr(requests, "get", get_together)
        answers: list[httpx.Response] = []

        def decide(who: Browser, form: dict[str, str]) -> None:
            answers.append(who.post("/budget/decide", form))

        threads = [
            threading.Thread(target=decide, args=(who, form))
            for who, form in zip(owners, forms, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answer.status_code for answer in answers) == [200, 404]
        assert len(stored.budgets.expenses(budget)) == 1
        assert len(stored.budgets.overrides(budget)) == 1
        assert not list(requests.all())

    def test_a_refused_approval_gives_the_request_back(self, site: LibOps) -> None:
        budget, request_id = overspend_request(site)
        site.users.disable(ADMIN, login="chen.jie")  # the requester leaves meanwhile
        owner = browser(site, "sun.li")
        before = events(site)
        refused = owner.submit(
            "/budget/decide", {"request_id": request_id, "decision": "approve"}, "/budget"
        )
        assert refused.status_code == 422
        assert "chen.jie" in refused.text
        assert events(site) == before
        site.users.enable(ADMIN, login="chen.jie")
        approved = owner.submit(
            "/budget/decide", {"request_id": request_id, "decision": "approve"}, "/budget"
        )
        assert approved.status_code == 200, approved.text
        assert len(site.budgets.expenses(budget)) == 1


def make_link(admin: Browser, post_id: str, login: str = "director") -> str:
    made = admin.submit("/admin/sign-off", {"post_id": post_id, "login": login})
    assert made.status_code == 200, made.text
    found = re.search(r'id="signoff-link" readonly value="([^"]+)"', made.text)
    assert found is not None
    return found[1].removeprefix("https://libops.test")


def in_review(ops: LibOps, title: str) -> str:
    from libops.domain.values import PostVariant
    from tests.web.support import PLANNER

    post_id = ops.posts.draft(
        PLANNER,
        title=title,
        body=f"{title}: the library's post.",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "Read with us")],
    )
    ops.posts.submit_for_review(PLANNER, post_id)
    return str(post_id)


class TestInactiveApprover:
    def test_a_disabled_approvers_link_is_refused(self, stored: LibOps) -> None:
        site = stored
        site.users.add(ADMIN, login="director", name="Director Wu", roles=[Role.REVIEWER])
        post = in_review(site, "Spring fair")
        link = make_link(browser(site, "chen.jie"), post)
        site.users.disable(ADMIN, login="director", reason="left the library")
        visitor = browser(site)
        before = events(site)
        page = visitor.get(link)
        assert page.status_code == 403
        assert "director" in page.text
        assert "Spring fair" not in page.text
        refused = visitor.post(
            link,
            {"decision": "approve", "accuracy": "on", "copyright": "on", "privacy": "on"},
        )
        assert refused.status_code == 403
        assert events(site) == before
        assert site.posts.get(post).status.value == "in_review"
        assert not site.posts.get(post).reviews

    def test_a_disabled_users_session_ends(self, site: LibOps) -> None:
        planner = browser(site, "li.na")
        assert planner.get("/posts").status_code == 200
        site.users.disable(ADMIN, login="li.na")
        gone = planner.get("/posts")
        assert gone.status_code == 303
        assert gone.headers["location"].startswith("/sign-in")


class TestUploadChecksFirst:
    def test_an_anonymous_upload_is_refused_unparsed(
        self, site: LibOps, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import libops.web.base as base

        async def never(*args: Any) -> Any:
            raise AssertionError("an anonymous upload was parsed")

        monkeypatch.setattr(base, "read_multipart", never)
        visitor = browser(site)
        before = events(site)
        refused = visitor.request(
            "POST",
            "/imports/preview",
            data={"csrf": "x"},
            files={"file": ("export.csv", b"a,b\n1,2\n", "text/csv")},
            headers={"Origin": visitor.origin},
        )
        assert refused.status_code == 401
        assert events(site) == before

    def test_an_upload_from_another_site_is_refused_unparsed(
        self, site: LibOps, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import libops.web.base as base

        admin = browser(site, "chen.jie")
        csrf = admin.csrf("/imports")

        async def never(*args: Any) -> Any:
            raise AssertionError("a cross-site upload was parsed")

        monkeypatch.setattr(base, "read_multipart", never)
        refused = admin.request(
            "POST",
            "/imports/preview",
            data={"csrf": csrf},
            files={"file": ("export.csv", b"a,b\n1,2\n", "text/csv")},
            headers={"Origin": "https://evil.example"},
        )
        assert refused.status_code == 403

    def test_a_signed_in_upload_still_needs_the_csrf_token(self, site: LibOps) -> None:
        admin = browser(site, "chen.jie")
        refused = admin.request(
            "POST",
            "/imports/preview",
            data={"csrf": "not-the-token"},
            files={"file": ("export.csv", b"a,b\n1,2\n", "text/csv")},
            headers={"Origin": admin.origin},
        )
        assert refused.status_code == 403


UNKNOWN = "7d5cf446-047c-4e5d-8537-18e105df38ff"  # fixed: test ids must match across xdist workers

# (who, method, path, form): each names an id nothing has.
ID_FORMS: list[tuple[str, str, str, dict[str, str]]] = [
    ("wang.fang", "GET", f"/review/{UNKNOWN}", {}),
    ("wang.fang", "POST", f"/review/{UNKNOWN}", {"decision": "approve", "accuracy": "on"}),
    ("li.na", "GET", f"/posts/{UNKNOWN}/edit", {}),
    ("li.na", "POST", f"/posts/{UNKNOWN}/edit", {"title": "T", "variant_weibo": "x"}),
    ("chen.jie", "GET", f"/questions/{UNKNOWN}", {}),
    ("chen.jie", "POST", f"/questions/{UNKNOWN}", {"action": "answer", "answer": "Yes"}),
    ("sun.li", "GET", f"/budget?id={UNKNOWN}", {}),
    (
        "chen.jie",
        "POST",
        "/budget/expense",
        {
            "budget_id": UNKNOWN,
            "vendor": "V",
            "invoice_reference": "I",
            "amount": "1",
            "category": "promotion",
        },
    ),
    (
        "sun.li",
        "POST",
        "/budget/adjustment",
        {"budget_id": UNKNOWN, "category": "promotion", "allocation": "9", "reason": "r"},
    ),
    ("sun.li", "POST", "/budget/decide", {"request_id": "0123abcd", "decision": "approve"}),
    (
        "chen.jie",
        "POST",
        "/risks/reassess",
        {"risk_id": UNKNOWN, "likelihood": "2", "impact": "2", "reason": "r"},
    ),
    ("chen.jie", "POST", "/admin/sign-off", {"post_id": UNKNOWN, "login": "wang.fang"}),
    ("chen.jie", "POST", "/publishing/publish", {"post_id": UNKNOWN, "platform": "weibo"}),
    (
        "chen.jie",
        "POST",
        "/publishing/schedule",
        {"post_id": UNKNOWN, "platform": "weibo", "at": "2026-05-01T10:00"},
    ),
    ("chen.jie", "POST", "/publishing/retract", {"post_id": UNKNOWN, "reason": "wrong"}),
    (
        "chen.jie",
        "POST",
        "/publishing/take-down",
        {"post_id": UNKNOWN, "platform": "weibo", "note": "n"},
    ),
    ("chen.jie", "GET", f"/publishing/by-hand/{UNKNOWN}/mastodon", {}),
    (
        "chen.jie",
        "POST",
        f"/publishing/by-hand/{UNKNOWN}/mastodon",
        {"url": "https://example.org/1"},
    ),
    ("chen.jie", "POST", "/admin/tokens/issue", {"login": "nobody", "expires_days": "5"}),
    ("chen.jie", "POST", "/admin/tokens/revoke", {"login": "nobody", "token_id": "t1"}),
]


class TestUnknownIds:
    @pytest.mark.parametrize(
        ("who", "method", "path", "form"),
        ID_FORMS,
        ids=[f"{method} {path.split('?')[0]}" for _, method, path, _ in ID_FORMS],
    )
    def test_an_unknown_id_is_not_found(
        self, site: LibOps, who: str, method: str, path: str, form: dict[str, str]
    ) -> None:
        person = browser(site, who)
        before = events(site)
        answer = person.get(path) if method == "GET" else person.submit(path, form, "/")
        assert answer.status_code == 404, answer.text
        assert "There is no such page." in answer.text
        assert events(site) == before


class TestCalendarUsesTheDomainCheck:
    def test_the_warnings_are_the_policys(
        self, site: LibOps, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from libops.domain.cadence import CadencePolicy

        for n, hour in enumerate((1, 2, 3)):
            post = approved_post(site, f"Post {n}", {"weibo": f"text {n}"})
            site.posts.schedule(OPERATOR, post, "weibo", datetime(2026, 4, 22, hour, tzinfo=UTC))
        asked: list[tuple[Any, ...]] = []
        assess: Callable[..., Any] = CadencePolicy.assess

        def counted(self: CadencePolicy, *args: Any, **kwargs: Any) -> Any:
            asked.append(args)
            return assess(self, *args, **kwargs)

        monkeypatch.setattr(CadencePolicy, "assess", counted)
        text = browser(site, "li.na").get("/calendar?week=2026-W17&platform=weibo").text
        assert "Weibo on 2026-04-22: 3 published or scheduled, above the maximum of 2" in text
        assert asked  # every period was judged by the domain's policy

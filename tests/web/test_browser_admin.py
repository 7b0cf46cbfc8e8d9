"""The admin and inbox journeys of issue 16 in a real browser (Playwright on Debian's
Chromium), for the screens no other journey reaches:

- an admin uploads the WeChat export the package ships on ``/imports``, reads the dry-run
  preview, confirms it, and the store holds the imported posts and their counts; the same file
  uploaded again previews nothing new to record;
- an admin issues an API token for the auditor on ``/admin/tokens`` (shown once), the token
  reads the API on the same server, the admin revokes it on the page and the API refuses it
  (401); ``/admin/users`` lists the team and their roles;
- a planner switches the page to Chinese, opens a reader's question in the Q&A inbox (the
  reason is recorded), answers it, and it leaves the waiting list.

The server is the app ``libops serve`` serves, run in this process
(``tests.web.support.clocked_server``). Screenshots go where the other journeys' go.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import libops
from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.domain.personal import Consent, PersonalInfo
from tests.web.support import PLANNER, ClockedSite, add_team, clocked_server
from tests.web.test_browser import Person, assert_labelled, browser

__all__ = ["browser"]  # (the Chromium fixture of tests/web/test_browser.py, shared by the journeys)

WECHAT_EXPORT = (
    Path(libops.__file__).parent / "demo" / "exports" / "wechat_article_total_2026H1.xls"
)
QUESTION = "阅览室周末几点开门？"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockedSite]:
    """The API and web app on a SQLite store with the test team and a reader's question on
    Weibo asked three hours ago."""
    folder = tmp_path_factory.mktemp("web-admin")
    store = f"sqlite:///{folder}/libops.db"
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    with LibOps.open(store, clock=clock, migrate=True) as ops:
        add_team(ops)
        ops.questions.receive(
            PLANNER,
            platform="weibo",
            text=QUESTION,
            asker=PersonalInfo(name="张伟", handle="@zhangwei_reads"),
            consent=Consent("answering this question", clock.now()),
            asked_at=clock.now() - timedelta(hours=3),
        )
    with clocked_server(store, clock) as site:
        yield site


@pytest.fixture
def people(browser: Any, served: ClockedSite) -> Iterator[Any]:
    opened: list[Person] = []

    def person() -> Person:
        opened.append(Person(browser, served.base))
        return opened[-1]

    yield person
    for each in opened:
        each.close()


def _preview(page: Any) -> None:
    """Upload the WeChat export on the import page (keyboard to the button) for a dry run."""
    page.get_by_label("Export file").set_input_files(str(WECHAT_EXPORT))
    page.get_by_label("Platform (to read only its layout)").select_option(label="WeChat")
    page.get_by_role("button", name="Preview (records nothing)").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#import-counts")


def test_an_admin_imports_a_platform_export_after_its_dry_run(
    people: Any, served: ClockedSite
) -> None:
    admin = people()
    admin.sign_in("chen.jie")
    page = admin.page
    page.get_by_role("link", name="Import").click()
    assert_labelled(page)
    _preview(page)
    heading = "Dry run of wechat_article_total_2026H1.xls: nothing recorded yet"
    assert page.inner_text("#preview") == heading
    counts = page.inner_text("#import-counts")
    assert counts.startswith("Matched: 0. New: 67. Refused: 0. Skipped: 0.")
    rows = page.locator("#import-rows tbody tr")
    assert rows.count() > 0
    assert page.locator("#import-rows tr.import-new").count() == rows.count()
    first = rows.first.inner_text()
    assert "wechat" in first
    assert "新年开馆时间安排" in first
    admin.shot("import-dry-run-preview")
    with LibOps.open(served.store) as ops:  # the dry run recorded nothing
        assert not ops.posts.list(platform="wechat").items

    page.get_by_role("button", name="Import it (67 rows to record)").click()
    page.wait_for_selector("#form-message")
    assert page.inner_text("#form-message") == (
        "Imported wechat_article_total_2026H1.xls: 67 rows recorded."
    )
    with LibOps.open(served.store) as ops:
        imported = ops.posts.list(platform="wechat", limit=100).items
        assert len(imported) == 67
        titles = {item["title"] for item in imported}
        assert "新年开馆时间安排" in titles
        post = ops.posts.get(next(i["id"] for i in imported if i["title"] == "新年开馆时间安排"))
        assert post.latest_metrics("wechat") is not None

    # The same file again: every row matches a post whose counts are already recorded.
    page.goto("/imports")
    _preview(page)
    assert page.inner_text("#import-counts").startswith(
        "Matched: 67. New: 0. Refused: 0. Skipped: 0."
    )
    assert page.locator("#import-rows tr.import-new").count() == 0
    assert page.get_by_role("button", name="Import it (0 rows to record)").count() == 1
    admin.shot("import-second-upload-nothing-new")


def test_an_admin_issues_a_token_the_api_accepts_then_revokes_it(
    people: Any, served: ClockedSite
) -> None:
    admin = people()
    admin.sign_in("chen.jie")
    page = admin.page
    page.get_by_role("link", name="Users").click()
    auditor = page.get_by_role("row", name=re.compile(r"^zhao\.lei\b"))
    assert "Zhao Lei" in auditor.inner_text()
    assert "auditor" in auditor.inner_text()
    assert "enabled" in auditor.inner_text()
    planner = page.get_by_role("row", name=re.compile(r"^li\.na\b")).inner_text()
    assert "content planner" in planner

    page.get_by_role("link", name="API tokens").click()
    assert_labelled(page)
    page.get_by_label("Login").select_option(label="Zhao Lei (zhao.lei)")
    page.get_by_label("auditor", exact=True).check()
    page.get_by_label("Days until it expires (1 to 366)").fill("30")
    page.get_by_label("What it is for").fill("Audit journey")
    page.get_by_role("button", name="Issue the token").click()
    page.wait_for_selector("#token-issued")
    secret = page.get_by_label("The token").input_value()
    assert secret
    listed = page.locator("#token-list").get_by_role("row", name=re.compile(r"^zhao\.lei\b"))
    assert "Audit journey" in listed.inner_text()
    page.get_by_role("link", name="API tokens").click()
    assert secret not in page.content()  # shown once
    assert page.locator("#token-issued").count() == 0

    api = httpx.Client(base_url=served.base, headers={"Authorization": f"Bearer {secret}"})
    with api:
        assert api.get("/v1/activity").status_code == 200
        assert httpx.get(f"{served.base}/v1/activity").status_code == 401  # no token

        listed = page.locator("#token-list").get_by_role("row", name=re.compile(r"^zhao\.lei\b"))
        listed.get_by_role("button", name=re.compile(r"^Revoke")).click()
        page.wait_for_selector("#form-message")
        assert re.fullmatch(r"Token \S+ of zhao\.lei revoked\.", page.inner_text("#form-message"))
        assert "revoked" in listed.inner_text()
        admin.shot("token-revoked")
        refused = api.get("/v1/activity")
    assert refused.status_code == 401
    with LibOps.open(served.store) as ops:
        (token,) = ops.users.get("zhao.lei").tokens.values()
        assert token.revoked
        assert token.label == "Audit journey"


def test_a_planner_answers_a_readers_question_in_chinese(people: Any, served: ClockedSite) -> None:
    planner = people()
    planner.sign_in("li.na")
    page = planner.page
    page.get_by_label("Language").select_option("zh")
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector("html[lang=zh-CN]")
    page.get_by_role("link", name="读者提问").click()
    assert_labelled(page)
    waiting = page.locator("#questions tbody tr")
    assert waiting.count() == 1
    assert "3 小时" in waiting.first.inner_text()
    assert QUESTION not in page.inner_text("body")  # the reader's text stays sealed
    waiting.first.get_by_role("link", name=re.compile(r"^查看")).click()
    assert page.inner_text("#question-state") == "待回复"
    assert_labelled(page)

    page.get_by_label("查看理由").fill("回复读者的提问")
    page.get_by_label("查看理由").press("Enter")  # by keyboard
    page.wait_for_selector("#question-text")
    assert page.inner_text("#question-text") == QUESTION
    page.get_by_label("你的回复（公开）").fill("周末 9:00 至 21:00 开放。")
    page.get_by_role("button", name="回复", exact=True).click()
    page.wait_for_selector("#answer-text")
    assert page.inner_text("#form-message") == "已回复。"
    assert page.inner_text("#answer-text") == "周末 9:00 至 21:00 开放。"
    assert page.inner_text("#question-state") == "已回复"
    planner.shot("question-answered-zh")

    page.get_by_role("link", name="返回读者提问").click()
    assert page.locator("#questions").count() == 0
    assert "这里没有提问。" in page.inner_text("main")
    page.get_by_label("显示").select_option("answered")
    page.get_by_role("button", name="查看", exact=True).click()
    assert page.locator("#questions tbody tr").count() == 1
    with LibOps.open(served.store) as ops:
        (row,) = ops.questions.list(state="answered").items
        question = ops.questions.get(row["id"])
        assert question.answer_text == "周末 9:00 至 21:00 开放。"
        readings = [
            (each.read_by, each.reason, each.what)
            for each in ops.audit.access()
            if each.source_id == question.id
        ]
    assert readings == [("li.na", "回复读者的提问", "question text")]

"""The publishing journeys of issue 16 in a real browser (Playwright on Debian's Chromium):

- a planner drafts a post with a phone number, the reviewer sends it back, the planner fixes
  it, the reviewer approves, an admin **schedules** it for a later slot on the Weibo sandbox,
  the slot comes due (the test moves the server's clock: nothing waits in real time), the
  admin publishes it from the due list, collects its metrics from the page, and the dashboard
  shows them;
- an admin makes a sign-off link for an approver outside the team, who opens it in a browser
  without a session and approves; the post shows as approved by that person, and the link
  opened again is gone (410).

The server is the app ``libops serve`` serves, run in this process on a
:class:`~libops.adapters.clock.ManualClock` (``tests.web.support.clocked_server``). Screenshots
go where the other journeys' go.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from libops import LibOps, Role
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from tests.web.support import ADMIN, PASSWORD, ClockedSite, add_team, clocked_server
from tests.web.test_browser import Person, assert_labelled, browser

__all__ = ["browser"]  # (the Chromium fixture of tests/web/test_browser.py, shared by the journeys)

CHECKLIST = ("The facts are accurate", "Copyright is cleared", "No personal data is exposed")


@pytest.fixture(scope="module")
def clocked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockedSite]:
    """The API and web app on a SQLite store with the test team and an outside approver
    (Director Liu, reviewer role), a Weibo sandbox, all on a clock the tests move."""
    folder = tmp_path_factory.mktemp("web-clocked")
    store = f"sqlite:///{folder}/libops.db"
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    weibo = SandboxPlatform("weibo", seed="journey", clock=clock)
    with LibOps.open(store, clock=clock, migrate=True) as ops:
        add_team(ops)
        ops.users.add(ADMIN, login="director", name="Director Liu", roles=[Role.REVIEWER])
        ops.users.set_password(ADMIN, login="director", password=PASSWORD)
    with clocked_server(store, clock, [weibo]) as site:
        yield site


@pytest.fixture
def people(browser: Any, clocked: ClockedSite) -> Iterator[Any]:
    opened: list[Person] = []

    def person() -> Person:
        opened.append(Person(browser, clocked.base))
        return opened[-1]

    yield person
    for each in opened:
        each.close()


def _submit(planner: Person, title: str, body: str, weibo: str) -> None:
    page = planner.page
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill(body)
    page.get_by_label("Text for Weibo").fill(weibo)
    page.get_by_role("button", name="Save and submit for review").click()
    assert page.inner_text("#done-message") == "Submitted for review."


def test_scheduled_published_when_due_and_its_metrics_on_the_dashboard(
    people: Any, clocked: ClockedSite
) -> None:
    title = "Book night journey"
    planner, reviewer, admin = people(), people(), people()
    planner.sign_in("li.na")
    _submit(planner, title, "报名请致电 13812345678", "#读书日# 报名请致电 13812345678")

    reviewer.sign_in("wang.fang")
    review = reviewer.page
    review.get_by_role("link", name="Review queue").click()
    review.get_by_role("row", name=title).get_by_role("link").click()
    assert "mobile number" in review.inner_text("table.findings")
    review.get_by_label("Comments (needed to send back)").fill("请删除电话号码")
    review.get_by_role("button", name="Send back for changes").click()
    assert review.inner_text("#done-message") == "Sent back for changes."

    page = planner.page
    page.goto("/posts")
    page.get_by_role("row", name=title).get_by_role("link", name="Edit").click()
    page.get_by_label("Body").fill("欢迎参加读书日活动")
    page.get_by_label("Text for Weibo").fill("#读书日# 欢迎参加")
    page.get_by_role("button", name="Save and submit for review").click()
    assert page.inner_text("#done-message") == "Submitted for review."

    review.goto("/review")
    review.get_by_role("row", name=title).get_by_role("link").click()
    for label in CHECKLIST:
        review.get_by_label(label).check()
    review.get_by_role("button", name="Approve").click()
    assert review.inner_text("#done-message") == "Approved."

    # The admin books it an hour ahead, in the library's own time (the field's format).
    admin.sign_in("chen.jie")
    desk = admin.page
    desk.get_by_role("link", name="Publishing").click()
    assert_labelled(desk)
    zone = clocked.ops.posts.cadence.zone
    slot = (clocked.clock.now() + timedelta(hours=1)).astimezone(zone).replace(second=0)
    row = desk.get_by_role("row", name=title)
    row.get_by_label("Publish at").fill(slot.strftime("%Y-%m-%dT%H:%M"))
    row.get_by_role("button", name=re.compile(r"^Schedule\W")).click()
    desk.wait_for_selector("#form-message")
    assert desk.inner_text("#form-message").startswith(
        f"Scheduled for {slot.strftime('%Y-%m-%d %H:%M')}."
    )
    assert desk.locator("#due-list").count() == 0  # not due yet
    with LibOps.open(clocked.store) as ops:
        post_id = next(
            item["id"]
            for item in ops.posts.list(status="approved", limit=50).items
            if item["title"] == title
        )
        assert ops.posts.get(post_id).scheduled_at("weibo") == slot

    # An hour and a minute later (on the server's clock) it is due; the admin publishes it
    # from the due list.
    clocked.clock.advance(timedelta(hours=1, minutes=1))
    desk.reload()
    due = desk.locator("#due-list").get_by_role("row", name=title)
    assert slot.strftime("%Y-%m-%d %H:%M") in due.inner_text()
    due.get_by_role("button", name="Publish now").click()
    desk.wait_for_selector("#form-message")
    assert desk.inner_text("#form-message").startswith("Published on Weibo: https://")
    assert title in desk.inner_text("#published-list")

    # Readers react over the next hour and a half; the admin collects the counts.
    clocked.clock.advance(timedelta(minutes=90))
    desk.get_by_role("button", name="Collect metrics now").click()
    desk.wait_for_selector("#form-message")
    assert desk.inner_text("#form-message") == (
        "Metrics read for 1 published variants: 1 recorded, 0 corrected, 0 unchanged, 0 failed."
    )
    with LibOps.open(clocked.store) as ops:
        snapshot = ops.posts.get(post_id).latest_metrics("weibo")
        assert snapshot is not None
        ops.projections.run()
        weibo = ops.projections.view("engagement")["platform:weibo"]
    assert weibo["reach"] > 0

    desk.get_by_role("link", name="Dashboard").click()
    cells = desk.get_by_role("row", name="Weibo").locator("td")
    assert cells.nth(0).inner_text() == "1"
    assert cells.nth(1).inner_text() == str(weibo["reach"])
    assert cells.nth(2).inner_text() == str(weibo["engagements"])
    admin.shot("scheduled-published-metrics-dashboard")


def test_an_outside_approver_signs_off_by_link(people: Any, clocked: ClockedSite) -> None:
    title = "Director sign-off journey"
    planner, admin = people(), people()
    planner.sign_in("li.na")
    _submit(planner, title, "馆长寄语", "#读书日# 馆长寄语")

    admin.sign_in("chen.jie")
    desk = admin.page
    desk.get_by_role("link", name="Sign-off links").click()
    assert_labelled(desk)
    desk.get_by_label("Post in review").select_option(label=title)
    desk.get_by_label("Approver").select_option(label="Director Liu (director)")
    desk.get_by_role("button", name="Make the link").click()
    desk.wait_for_selector("#signoff-made")
    link = desk.get_by_label("The sign-off link").input_value()
    assert link.startswith(f"{clocked.base}/sign-off/")

    # The director's own browser: no session, no sign-in.
    director = people()
    outside = director.page
    answer = outside.goto(link)
    assert answer is not None
    assert answer.status == 200
    assert outside.url == link  # not sent to the sign-in page
    assert "You are signing off as Director Liu." in outside.inner_text("#signoff-who")
    assert outside.inner_text("#post-body") == "馆长寄语"
    assert_labelled(outside)
    for label in CHECKLIST:
        outside.get_by_label(label).check()
    outside.get_by_role("button", name="Approve").click()
    outside.wait_for_selector("#form-message")
    assert outside.inner_text("#form-message") == "Approved."
    assert "Sign out" not in outside.inner_text("body")
    director.shot("signoff-by-link-approved")

    # Approved, and by the director: the posts list and the activity log say so.
    desk.goto("/posts")
    assert "approved" in desk.get_by_role("row", name=title).inner_text()
    desk.goto("/activity")
    approval = desk.locator("#activity tbody tr").filter(has_text="Post.Approved").first
    assert "director" in approval.inner_text()
    with LibOps.open(clocked.store) as ops:
        post_id = next(
            item["id"] for item in ops.posts.list(limit=50).items if item["title"] == title
        )
        review = ops.posts.get(post_id).last_review
    assert review is not None
    assert (review.reviewer_id, review.approved) == ("director", True)

    # The link works once: opened again, it is gone.
    again = director.page.goto(link)
    assert again is not None
    assert again.status == 410
    assert "has been used already" in director.page.inner_text("#error-message")
    director.shot("signoff-by-link-used")

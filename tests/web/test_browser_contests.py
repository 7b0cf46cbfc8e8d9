"""The contests journey in a real browser (issue 16): a planner announces a contest, an
admin opens it, entries are recorded on its page, the admin closes it and draws the winners,
follows the link to the public page, and a visitor with no session verifies the draw there.

A contest's window is real time in the domain (entries before it opens or after it closes
are refused, and it closes only once its window is over), so this journey serves the web app
in this process on a store whose clock the test moves (:class:`ManualClock`), with uvicorn
on loopback (``tests.web.support.clocked_server``), instead of ``libops serve`` (which reads
the system clock).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from tests.web.support import ClockedSite, add_team, clocked_server
from tests.web.test_browser import Person, assert_labelled, browser

__all__ = ["browser"]  # (the module's Chromium fixture, shared with the other journeys)


@pytest.fixture(scope="module")
def contest_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockedSite]:
    """The web app on a SQLite store with the test team, its clock on 20 April 2026 at
    09:00 in Shanghai, served on loopback (:func:`tests.web.support.clocked_server`)."""
    folder = tmp_path_factory.mktemp("web-contests")
    store = f"sqlite:///{folder}/libops.db"
    clock = ManualClock(datetime(2026, 4, 20, 1, 0, tzinfo=UTC))
    with LibOps.open(store, clock=clock, migrate=True) as ops:
        add_team(ops)
    with clocked_server(store, clock) as site:
        yield site


def test_a_contest_is_announced_run_drawn_and_verified_by_a_visitor(
    browser: Any, contest_site: ClockedSite
) -> None:
    base, ops, clock = contest_site.base, contest_site.ops, contest_site.clock
    planner, admin, visitor = (Person(browser, base) for _ in range(3))
    try:
        # A planner announces a repost draw with its rules.
        planner.sign_in("li.na")
        page = planner.page
        page.get_by_role("link", name="Contests").click()
        page.get_by_role("link", name="Announce a contest").click()
        assert_labelled(page)
        page.get_by_label("Name").fill("世界读书日转发抽奖")
        page.get_by_label("Kind").select_option("repost_draw")
        page.get_by_label("Who may take part (eligibility)").fill("持本馆读者证的读者")
        page.get_by_label("Entries open at").fill("2026-04-20T10:00")
        page.get_by_label("Entries close at").fill("2026-04-27T10:00")
        page.get_by_label("How readers enter").select_option("repost")
        page.get_by_label("Weibo", exact=True).check()
        page.get_by_label("Prize 1", exact=True).fill("Book token")
        page.get_by_label("Winners of prize 1").fill("2")
        page.get_by_role("button", name="Announce the contest").click()
        page.wait_for_selector("#form-message")
        assert page.inner_text("#form-message") == "Contest announced."
        contest_path = page.url.split("?")[0].removeprefix(base)

        # An admin opens it from the list.
        admin.sign_in("chen.jie")
        desk = admin.page
        desk.get_by_role("link", name="Contests").click()
        row = desk.get_by_role("row", name="世界读书日转发抽奖")
        assert "announced" in row.inner_text()
        row.get_by_role("link").click()
        desk.get_by_role("button", name="Open the contest").click()
        assert desk.inner_text("#form-message") == "The contest is open."

        # Half an hour into the window, the planner records three reposts on its page.
        clock.set(datetime(2026, 4, 20, 2, 30, tzinfo=UTC))
        page.goto(contest_path)
        assert_labelled(page)
        for n in (1, 2, 3):
            page.get_by_label("Reader's handle on the platform").fill(f"@reader_{n}")
            page.get_by_label("Entry id").fill(f"weibo:{n:04d}")
            page.get_by_label("Entry id").press("Enter")  # by keyboard
            page.wait_for_selector("#form-message")
            assert page.inner_text("#form-message") == f"Entry weibo:{n:04d} recorded."
        assert "Entries recorded: 3" in page.inner_text("#entries-summary")
        assert "@reader_" not in page.inner_text("main")  # the handles stay sealed

        # After the window, the admin closes entries and draws the winners.
        clock.set(datetime(2026, 4, 27, 3, 0, tzinfo=UTC))
        admin.sign_in("chen.jie")  # (a week later: a new session)
        desk.goto(contest_path)
        desk.get_by_role("button", name="Close entries").click()
        assert desk.inner_text("#form-message").startswith("Entries closed")
        desk.get_by_role("button", name="Draw the winners").click()
        assert desk.inner_text("#form-message") == "Winners drawn: 2."
        assert desk.locator("#winners li").count() == 2
        admin.shot("contest-drawn")
        desk.get_by_role("link", name="Verify this draw on the public page").click()
        desk.wait_for_selector("#verdict")
        public_url = desk.url

        # A visitor, never signed in, checks the draw on the public page.
        view = visitor.page
        view.goto(public_url.removeprefix(base))
        assert "The draw matches" in view.inner_text("#verdict")
        assert view.inner_text("#recorded-winners") == view.inner_text("#expected-winners")
        assert view.locator("#recorded-winners li").count() == 2
        assert "Sign out" not in view.inner_text("header")
        visitor.shot("contest-verified-by-a-visitor")
        winners = ops.contests.get(contest_path.rsplit("/", 1)[1]).winners
        assert view.inner_text("#recorded-winners").split() == list(winners)
    finally:
        for person in (planner, admin, visitor):
            person.close()

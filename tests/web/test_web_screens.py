"""The web app's screens of issue 16's second part (calendar, publishing, Q&A, ...), in this
process: what each shows, who may use it, and that a bad input is refused recording nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from tests.web.support import OPERATOR, Browser, add_team, approved_post


def events(ops: LibOps) -> int:
    return ops.app.recorder.max_notification_id() or 0


@pytest.fixture
def april(clock: ManualClock) -> ManualClock:
    """The clock on Monday 20 April 2026, 09:00 in Shanghai (week 2026-W17)."""
    clock.set(datetime(2026, 4, 20, 1, 0, tzinfo=UTC))
    return clock


@pytest.fixture
def weibo(april: ManualClock) -> SandboxPlatform:
    return SandboxPlatform("weibo", seed=1, clock=april)


def _opened(url: str, clock: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    from libops.web import create_web_app

    with LibOps.open(url, clock=clock, migrate=True, gateways=[weibo]) as opened:
        add_team(opened)
        app = create_web_app(opened)
        opened.web_app = app  # type: ignore[attr-defined]
        yield opened
        app.state.web.close()


@pytest.fixture
def stored(store_url: str, april: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """libops on a fresh store of each kind, a Weibo sandbox (no other gateway), the team."""
    yield from _opened(store_url, april, weibo)


@pytest.fixture
def site(april: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """The same on a memory store only."""
    yield from _opened("memory://", april, weibo)


def browser(ops: LibOps, login: str | None = None) -> Browser:
    opened = Browser(ops.web_app)  # type: ignore[attr-defined]
    if login is not None:
        opened.sign_in(login)
    return opened


class TestCalendar:
    def test_a_week_shows_scheduled_and_published_posts_key_dates_and_warnings(
        self, stored: LibOps
    ) -> None:
        site = stored
        booked = approved_post(
            site, "读书日 <b>活动</b>", {"weibo": "4月23日见", "mastodon": "See you"}
        )
        site.posts.schedule(OPERATOR, booked, "weibo", datetime(2026, 4, 23, 2, 0, tzinfo=UTC))
        out = approved_post(site, "Out already", {"weibo": "Out now"})
        site.publishing.publish(OPERATOR, out, "weibo")
        page = browser(site, "zhao.lei").get("/calendar?week=2026-W17")
        assert page.status_code == 200
        text = page.text
        assert "Content calendar, week 2026-W17" in text
        assert "World Book Day" in text
        assert "one more post allowed: World Book Day" in text
        assert "10:00</time> scheduled: 读书日 &lt;b&gt;活动&lt;/b&gt;" in text
        assert '09:00</time> published: <a href="https://weibo.com/' in text
        # Weibo asks 1 to 2 posts a day: the days without one are flagged, the others not.
        assert "Weibo on 2026-04-21: 0 published or scheduled, below the minimum of 1" in text
        assert "Weibo on 2026-04-20" not in text
        assert "Weibo on 2026-04-23" not in text
        assert "WeChat, week 2026-04-20 to 2026-04-26" in text
        assert 'href="/calendar?week=2026-W16"' in text
        assert 'href="/calendar?week=2026-W18"' in text

    def test_going_over_the_maximum_is_flagged_raised_on_world_book_day(self, site: LibOps) -> None:
        for n, hour in enumerate((1, 2, 3, 4)):
            post = approved_post(site, f"Post {n}", {"weibo": f"text {n}"})
            day = 22 if n < 3 else 23
            site.posts.schedule(OPERATOR, post, "weibo", datetime(2026, 4, day, hour, tzinfo=UTC))
        text = browser(site, "li.na").get("/calendar?week=2026-W17&platform=weibo").text
        # Three on the 22nd: over the maximum of 2. One on the 23rd (World Book Day allows 3).
        assert "Weibo on 2026-04-22: 3 published or scheduled, above the maximum of 2" in text
        assert "Weibo on 2026-04-23" not in text
        assert '<th scope="col">WeChat</th>' not in text  # one platform asked for

    def test_a_month_and_the_current_week(self, site: LibOps) -> None:
        reader = browser(site, "wang.fang")
        month = reader.get("/calendar?month=2026-04")
        assert month.status_code == 200
        assert "Content calendar, 2026-04" in month.text
        assert month.text.count('<th scope="row">') == 30
        assert "International Children&#39;s Book Day" in month.text
        assert 'href="/calendar?month=2026-03"' in month.text
        assert 'href="/calendar?month=2026-05"' in month.text
        this_week = reader.get("/calendar")
        assert "week 2026-W17" in this_week.text
        assert 'aria-current="date"' in this_week.text

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("week=2026-17", "week"),
            ("week=2026-W54", "week"),
            ("month=2026-13", "month"),
            ("month=April", "month"),
            ("week=2026-W17&month=2026-04", "week"),
            ("platform=myspace", "platform"),
        ],
    )
    def test_a_bad_week_month_or_platform_is_a_readable_refusal(
        self, site: LibOps, query: str, field: str
    ) -> None:
        page = browser(site, "li.na").get("/calendar?" + query)
        assert page.status_code == 422
        assert f"Refused: {field} " in page.text or "give a week or a month" in page.text

    def test_in_chinese(self, site: LibOps) -> None:
        reader = browser(site, "li.na")
        reader.submit("/language", {"lang": "zh"}, "/")
        text = reader.get("/calendar?week=2026-W17").text
        assert "内容日历：2026-W17 周" in text
        assert "世界读书日" in text
        assert "周四" in text
        assert "微博，2026-04-21" in text

    def test_signed_out_goes_to_sign_in(self, site: LibOps) -> None:
        page = browser(site).get("/calendar")
        assert page.status_code == 303
        assert page.headers["location"] == "/sign-in?next=/calendar"

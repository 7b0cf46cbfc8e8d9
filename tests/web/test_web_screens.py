"""The web app's screens of issue 16's second part (calendar, publishing, Q&A, ...), in this
process: what each shows, who may use it, and that a bad input is refused recording nothing."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from libops import LibOps, Role
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import PublishFailedError
from tests.web.support import (
    ADMIN,
    OPERATOR,
    PASSWORD,
    PLANNER,
    Browser,
    approved_post,
    browser,
    events,
    open_budget,
    web_store,
)


@pytest.fixture
def stored(store_url: str, april: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """libops on a fresh store of each kind, a Weibo sandbox (no other gateway), the team."""
    yield from web_store(store_url, april, [weibo])


@pytest.fixture
def site(april: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """The same on a memory store only."""
    yield from web_store("memory://", april, [weibo])


def section(text: str, element_id: str) -> str:
    """The element of ``text`` with the id ``element_id`` (to its closing tag)."""
    found = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', text, re.S)
    assert found is not None, element_id
    return found[2]


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
            ("month=9999-12", "month"),
            ("week=0001-W01", "week"),
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


class TestPublishing:
    def test_failures_with_attempts_and_a_retry_by_an_admin(
        self, stored: LibOps, weibo: SandboxPlatform
    ) -> None:
        site = stored
        post = approved_post(site, "Failing <i>", {"weibo": "Out soon"})
        weibo.fail_next(2)
        for _ in range(2):
            with pytest.raises(PublishFailedError):
                site.publishing.publish(OPERATOR, post, "weibo")
        admin = browser(site, "chen.jie")
        page = admin.get("/publishing")
        assert page.status_code == 200
        failures = section(page.text, "failures")
        assert "Failing &lt;i&gt;" in failures
        assert "the platform is unavailable (sandbox failure) (can be retried)" in failures
        assert '<td class="number">2</td>' in failures
        assert "Retry now" in failures
        before = events(site)
        retried = admin.submit(
            "/publishing/publish", {"post_id": str(post), "platform": "weibo"}, "/publishing"
        )
        assert retried.status_code == 200
        assert "Published on Weibo: https://weibo.com/" in retried.text
        assert events(site) > before
        assert site.posts.get(post).receipt("weibo") is not None
        assert "No publication has failed." in retried.text
        assert "Failing &lt;i&gt;" in section(retried.text, "published-list")

    def test_an_admin_schedules_then_publishes_when_due(
        self, site: LibOps, april: ManualClock
    ) -> None:
        post = approved_post(site, "Ready", {"weibo": "Ready text"})
        admin = browser(site, "chen.jie")
        assert "Approved, not scheduled" in admin.get("/publishing").text
        done = admin.submit(
            "/publishing/schedule",
            {"post_id": str(post), "platform": "weibo", "at": "2026-04-20T12:30"},
            "/publishing",
        )
        assert done.status_code == 200
        assert "Scheduled for 2026-04-20 12:30." in done.text
        assert site.posts.get(post).scheduled_at("weibo") == datetime(
            2026, 4, 20, 4, 30, tzinfo=UTC
        )
        april.advance(timedelta(hours=1, minutes=50))
        assert "2026-04-20 12:30" not in admin.get("/publishing").text.split('id="scheduled"')[0]
        april.advance(timedelta(hours=1, minutes=50))  # (a session ends after 2 idle hours)
        due = admin.get("/publishing").text
        assert "2026-04-20 12:30" in section(due, "due-list")
        admin.submit(
            "/publishing/publish", {"post_id": str(post), "platform": "weibo"}, "/publishing"
        )
        assert site.posts.get(post).receipt("weibo") is not None

    def test_the_hand_publishing_path(self, stored: LibOps) -> None:
        site = stored
        post = approved_post(site, "By hand", {"mastodon": "Toot <b>this</b>", "weibo": "W"})
        admin = browser(site, "chen.jie")
        listed = admin.get("/publishing").text
        link = f"/publishing/by-hand/{post}/mastodon"
        assert f'href="{link}"' in listed
        handoff = admin.get(link)
        assert handoff.status_code == 200
        assert (
            '<div class="text" id="handoff-text">Toot &lt;b&gt;this&lt;/b&gt;</div>' in handoff.text
        )
        assert 'data-copy="handoff-text"' in handoff.text
        url = "https://mastodon.social/@citylibrary/1234"
        recorded = admin.submit(link, {"url": url, "external_id": "1234"})
        assert recorded.status_code == 200
        assert "Recorded as published on Mastodon." in recorded.text
        receipt = site.posts.get(post).receipt("mastodon")
        assert receipt is not None
        assert (receipt.url, receipt.external_id) == (url, "1234")
        assert f'<a href="{url}"' in section(recorded.text, "published-list")
        # Published: its hand-off is no longer offered, and asking again is refused.
        assert f'href="{link}"' not in recorded.text
        assert admin.get(link).status_code == 422

    @pytest.mark.parametrize(
        "form",
        [
            {"url": "not an address"},
            {"url": "ftp://example.org/post"},
            {"url": ""},
        ],
    )
    def test_a_bad_address_is_refused_and_records_nothing(
        self, site: LibOps, form: dict[str, str]
    ) -> None:
        post = approved_post(site, "By hand", {"mastodon": "Toot"})
        admin = browser(site, "chen.jie")
        link = f"/publishing/by-hand/{post}/mastodon"
        before = events(site)
        refused = admin.submit(link, form)
        assert refused.status_code == 422
        assert 'id="form-error"' in refused.text
        assert "http or https" in refused.text
        assert events(site) == before
        assert site.posts.get(post).receipt("mastodon") is None

    @pytest.mark.parametrize(
        ("path", "form", "says"),
        [
            ("/publishing/publish", {"platform": "myspace"}, "platform is one of"),
            ("/publishing/publish", {"platform": ""}, "Name the platform"),
            ("/publishing/schedule", {"platform": "weibo", "at": "tomorrow"}, "is not a date"),
            (
                "/publishing/schedule",
                {"platform": "weibo", "at": "2026-04-01T10:00"},
                "it is already",
            ),
        ],
    )
    def test_bad_actions_are_refused_and_record_nothing(
        self, site: LibOps, path: str, form: dict[str, str], says: str
    ) -> None:
        post = approved_post(site, "Ready", {"weibo": "Ready text"})
        admin = browser(site, "chen.jie")
        before = events(site)
        refused = admin.submit(path, {"post_id": str(post), **form}, "/publishing")
        assert refused.status_code == 422
        assert says in refused.text
        assert events(site) == before

    def test_who_may_do_what(self, site: LibOps) -> None:
        post = approved_post(site, "Ready", {"weibo": "Ready text", "mastodon": "Toot"})
        auditor = browser(site, "zhao.lei")
        page = auditor.get("/publishing")
        assert page.status_code == 200
        assert "Ready" in page.text
        assert '<form method="post" action="/publishing' not in page.text
        assert "/publishing/by-hand/" not in page.text
        before = events(site)
        planner = browser(site, "li.na")
        refused = planner.submit(
            "/publishing/publish", {"post_id": str(post), "platform": "weibo"}, "/publishing"
        )
        assert refused.status_code == 403
        assert "operations admin" in refused.text
        assert planner.get(f"/publishing/by-hand/{post}/mastodon").status_code == 403
        assert events(site) == before
        missing = browser(site, "chen.jie").get(f"/publishing/by-hand/{uuid4()}/mastodon")
        assert missing.status_code == 404

    def test_retracting_leaves_a_take_down_task_that_staff_confirm(self, stored: LibOps) -> None:
        site = stored
        post = approved_post(site, "Gone <b>soon</b>", {"mastodon": "Toot", "weibo": "W"})
        site.publishing.publish(OPERATOR, post, "weibo")
        site.publishing.record_manual_publication(
            OPERATOR, post, "mastodon", url="https://mastodon.social/@lib/9", external_id="9"
        )
        admin = browser(site, "chen.jie")
        listed = admin.get("/publishing").text
        assert 'action="/publishing/retract"' in section(listed, "published-list")
        assert "No retracted post is left live." in listed
        retracted = admin.submit(
            "/publishing/retract", {"post_id": str(post), "reason": "Wrong date"}, "/publishing"
        )
        assert retracted.status_code == 200
        assert "Retracted. Platforms where it is still to be taken down: 2." in retracted.text
        assert site.posts.get(post).status.value == "retracting"
        tasks = section(retracted.text, "take-down-list")
        assert "Gone &lt;b&gt;soon&lt;/b&gt;" in tasks
        assert "Mastodon <span" in tasks  # (neither has a gateway that can take posts down)
        assert "Weibo <span" in tasks
        assert 'action="/publishing/take-down"' in tasks
        before = events(site)
        refused = admin.submit(
            "/publishing/take-down",
            {"post_id": str(post), "platform": "mastodon", "note": "Deleted", "url": "ftp://x"},
            "/publishing",
        )
        assert refused.status_code == 422
        assert "http or https" in refused.text
        assert events(site) == before
        done = admin.submit(
            "/publishing/take-down",
            {
                "post_id": str(post),
                "platform": "mastodon",
                "note": "Deleted by hand",
                "url": "https://mastodon.social/@lib/9/deleted",
            },
            "/publishing",
        )
        assert done.status_code == 200
        assert "Recorded as taken down on Mastodon." in done.text
        assert "Mastodon <span" not in section(done.text, "take-down-list")
        assert site.posts.get(post).status.value == "retracting"
        admin.submit(
            "/publishing/take-down",
            {"post_id": str(post), "platform": "weibo", "note": "Deleted on Weibo"},
            "/publishing",
        )
        assert "No retracted post is left live." in admin.get("/publishing").text
        assert site.posts.get(post).status.value == "retracted"
        assert site.posts.open_take_downs() == []

    @pytest.mark.parametrize(
        ("path", "form", "says"),
        [
            ("/publishing/retract", {"reason": ""}, "reason"),
            ("/publishing/take-down", {"platform": "mastodon", "note": "x"}, "take-down"),
            ("/publishing/take-down", {"platform": "", "note": "x"}, "Name the platform"),
        ],
    )
    def test_bad_retractions_and_confirmations_record_nothing(
        self, site: LibOps, path: str, form: dict[str, str], says: str
    ) -> None:
        post = approved_post(site, "Live", {"weibo": "W"})
        site.publishing.publish(OPERATOR, post, "weibo")
        admin = browser(site, "chen.jie")
        before = events(site)
        refused = admin.submit(path, {"post_id": str(post), **form}, "/publishing")
        assert refused.status_code == 422
        assert says in refused.text
        assert events(site) == before

    def test_only_those_allowed_retract_or_confirm(self, site: LibOps) -> None:
        post = approved_post(site, "Live", {"mastodon": "Toot"})
        site.publishing.record_manual_publication(
            OPERATOR, post, "mastodon", url="https://mastodon.social/@lib/9", external_id="9"
        )
        for login in ("zhao.lei", "li.na"):
            page = browser(site, login).get("/publishing").text
            assert 'action="/publishing/retract"' not in page
        before = events(site)
        planner = browser(site, "li.na")
        refused = planner.submit(
            "/publishing/retract", {"post_id": str(post), "reason": "No"}, "/publishing"
        )
        assert refused.status_code == 403
        assert events(site) == before
        site.posts.retract(OPERATOR, post, "Wrong")
        auditor = browser(site, "zhao.lei")
        page = auditor.get("/publishing").text
        assert "Live" in section(page, "take-down-list")
        assert 'action="/publishing/take-down"' not in page
        before = events(site)
        refused = auditor.submit(
            "/publishing/take-down",
            {"post_id": str(post), "platform": "mastodon", "note": "x"},
            "/publishing",
        )
        assert refused.status_code == 403
        assert events(site) == before

    def test_in_chinese(self, site: LibOps) -> None:
        post = approved_post(site, "手动", {"mastodon": "嘟文"})
        admin = browser(site, "chen.jie")
        admin.submit("/language", {"lang": "zh"}, "/")
        listed = admin.get("/publishing").text
        assert "待手动发布" in listed
        assert "没有仍在显示的已撤回帖子。" in listed
        handoff = admin.get(f"/publishing/by-hand/{post}/mastodon").text
        assert "复制文字" in handoff
        assert "登记为已发布" in handoff


def ask(ops: LibOps, text: str, hours_ago: float, platform: str = "weibo") -> str:
    from libops.domain.personal import Consent, PersonalInfo

    now = ops.app.clock.now()
    return str(
        ops.questions.receive(
            PLANNER,
            platform=platform,
            text=text,
            asker=PersonalInfo(name="张伟", handle="@zhangwei_reads"),
            consent=Consent("answering this question", now),
            asked_at=now - timedelta(hours=hours_ago),
        )
    )


class TestQuestions:
    def test_the_inbox_with_waiting_times_read_answer_and_escalate(self, stored: LibOps) -> None:
        site = stored
        late = ask(site, "阅览室几点开门? <script>", 30)
        fresh = ask(site, "Can I renew online?", 0.5, "mastodon")
        planner = browser(site, "li.na")
        inbox = planner.get("/questions")
        assert inbox.status_code == 200
        table = section(inbox.text, "questions")
        assert "1 d 6 h" in table
        assert "30 min" in table
        assert "overdue" in table
        assert "阅览室" not in inbox.text  # no reader's text in the list
        assert "Escalate the overdue questions" not in inbox.text  # a planner does not
        admin = browser(site, "chen.jie")
        escalated = admin.submit("/questions/escalate", {}, "/questions")
        assert escalated.status_code == 200
        assert "Questions escalated now: 1." in escalated.text
        assert site.questions.get(late).escalated
        assert not site.questions.get(fresh).escalated
        link = f"/questions/{late}"
        opened = planner.get(link)
        assert "Open the text" in opened.text
        before = events(site)
        read = planner.submit(link, {"action": "read", "reason": "to answer it"})
        assert read.status_code == 200
        assert (
            '<div class="text" id="question-text">阅览室几点开门? &lt;script&gt;</div>' in read.text
        )
        assert events(site) == before + 1  # the reading is recorded
        answered = planner.submit(link, {"action": "answer", "answer": "9:00 to 21:00."})
        assert answered.status_code == 200
        assert "Answered." in answered.text
        assert site.questions.get(late).answer_text == "9:00 to 21:00."
        done = planner.get("/questions?state=answered")
        assert f'href="/questions/{late}"' in done.text
        assert f'href="/questions/{late}"' not in planner.get("/questions").text

    @pytest.mark.parametrize(
        ("form", "says"),
        [
            ({"action": "answer", "answer": "  "}, "answer"),
            ({"action": "read", "reason": ""}, "reason"),
            ({"action": "delete"}, "action is read or answer"),
        ],
    )
    def test_a_bad_form_is_refused_and_records_nothing(
        self, site: LibOps, form: dict[str, str], says: str
    ) -> None:
        question = ask(site, "When do you open?", 2)
        planner = browser(site, "li.na")
        before = events(site)
        refused = planner.submit(f"/questions/{question}", form)
        assert refused.status_code == 422
        assert 'id="form-error"' in refused.text
        assert says in section(refused.text, "form-error")
        assert events(site) == before

    @pytest.mark.parametrize("query", ["state=lost", "platform=myspace", "cursor=forged"])
    def test_a_bad_filter_is_refused(self, site: LibOps, query: str) -> None:
        assert browser(site, "li.na").get("/questions?" + query).status_code == 422

    def test_an_auditor_reads_the_inbox_and_can_change_nothing(self, site: LibOps) -> None:
        question = ask(site, "When do you open?", 30)
        auditor = browser(site, "zhao.lei")
        inbox = auditor.get("/questions")
        assert inbox.status_code == 200
        assert f'href="/questions/{question}"' in inbox.text
        assert 'action="/questions/escalate"' not in inbox.text
        page = auditor.get(f"/questions/{question}")
        assert page.status_code == 200
        assert "your roles do not open it" in page.text
        assert 'name="answer"' not in page.text
        before = events(site)
        for path, form in (
            (f"/questions/{question}", {"action": "answer", "answer": "Sneaky"}),
            (f"/questions/{question}", {"action": "read", "reason": "curious"}),
            ("/questions/escalate", {}),
        ):
            refused = auditor.submit(path, form, f"/questions/{question}")
            assert refused.status_code == 403
        assert events(site) == before
        assert browser(site, "li.na").get(f"/questions/{uuid4()}").status_code == 404
        assert browser(site, "li.na").get("/questions/not-an-id").status_code == 404

    def test_in_chinese(self, site: LibOps) -> None:
        ask(site, "When do you open?", 30)
        planner = browser(site, "li.na")
        planner.submit("/language", {"lang": "zh"}, "/")
        text = planner.get("/questions").text
        assert "读者提问" in text
        assert "1 天 6 小时" in text
        assert "已超时" in text


class TestBudget:
    def test_positions_expenses_and_an_adjustment_approved_by_another_owner(
        self, stored: LibOps
    ) -> None:
        site = stored
        budget = open_budget(site)
        owner = browser(site, "sun.li")
        page = owner.get("/budget")
        assert page.status_code == 200
        lines = section(page.text, "lines")
        assert "promotion" in lines
        assert '<td class="number">5000.00</td>' in lines
        recorded = owner.submit(
            "/budget/expense",
            {
                "budget_id": budget,
                "vendor": "Weibo Ads <Ltd>",
                "invoice_reference": "INV-1",
                "amount": "1,200.50",
                "category": "promotion",
            },
            "/budget",
        )
        assert recorded.status_code == 200
        assert "The expense is recorded." in recorded.text
        assert '<td class="number">3799.50</td>' in section(recorded.text, "lines")
        # Sun Li asks for more; Sun Li cannot approve it, Zhou Min can.
        asked = owner.submit(
            "/budget/adjustment",
            {
                "budget_id": budget,
                "category": "promotion",
                "allocation": "8000",
                "reason": "读书日推广",
            },
            "/budget",
        )
        assert "Sent: a budget owner other than you approves it." in asked.text
        waiting = section(asked.text, "requests")
        assert "Set the promotion allocation to 8000 CNY" in waiting
        assert "Your request: another budget owner approves it." in waiting
        assert 'value="approve"' not in waiting
        request_id = re.search(r'name="request_id" value="([0-9a-f]+)"', waiting)
        assert request_id is not None
        before = events(site)
        own = owner.submit(
            "/budget/decide", {"request_id": request_id[1], "decision": "approve"}, "/budget"
        )
        assert own.status_code == 422
        assert "cannot approve their own request" in own.text
        assert events(site) == before
        other = browser(site, "zhou.min")
        approved = other.submit(
            "/budget/decide", {"request_id": request_id[1], "decision": "approve"}, "/budget"
        )
        assert approved.status_code == 200
        assert "Approved and recorded." in approved.text
        assert "Nothing waits for approval." in approved.text
        (adjustment,) = site.budgets.adjustments(budget)
        assert (adjustment.requested_by, adjustment.approved_by) == ("sun.li", "zhou.min")
        assert (
            "Asked by Sun Li (sun.li), approved by Zhou Min (zhou.min) (读书日推广)"
            in approved.text
        )
        assert '<td class="number">8000.00</td>' in section(approved.text, "lines")

    def test_an_overspend_waits_for_an_override(self, site: LibOps) -> None:
        budget = open_budget(site, promotion="1000")
        admin = browser(site, "chen.jie")
        expense = {
            "budget_id": budget,
            "vendor": "Print shop",
            "invoice_reference": "INV-9",
            "amount": "1500",
            "category": "promotion",
        }
        before = events(site)
        refused = admin.submit("/budget/expense", expense, "/budget")
        assert refused.status_code == 422
        assert "more than the promotion line has available" in refused.text
        asked = admin.submit(
            "/budget/expense",
            {**expense, "request_override": "on", "reason": "posters for World Book Day"},
            "/budget",
        )
        assert "A budget owner is asked to authorise it." in asked.text
        assert events(site) == before  # nothing recorded until a budget owner decides
        owner = browser(site, "sun.li")
        waiting = section(owner.get("/budget").text, "requests")
        assert (
            "Spend 1500 CNY on promotion past what is available (Print shop, invoice INV-9)"
            in waiting
        )
        request_id = re.search(r'name="request_id" value="([0-9a-f]+)"', waiting)
        assert request_id is not None
        owner.submit(
            "/budget/decide", {"request_id": request_id[1], "decision": "approve"}, "/budget"
        )
        (override,) = site.budgets.overrides(budget)
        assert (override.recorded_by, override.approved_by) == ("chen.jie", "sun.li")

    @pytest.mark.parametrize(
        ("path", "form", "says"),
        [
            (
                "/budget/expense",
                {"vendor": "", "invoice_reference": "I", "amount": "1", "category": "promotion"},
                "vendor is one line",
            ),
            (
                "/budget/expense",
                {"vendor": "V", "invoice_reference": "I", "amount": "-5", "category": "promotion"},
                "positive number",
            ),
            (
                "/budget/expense",
                {
                    "vendor": "V",
                    "invoice_reference": "I",
                    "amount": "1.005",
                    "category": "promotion",
                },
                "two decimals",
            ),
            (
                "/budget/expense",
                {"vendor": "V", "invoice_reference": "I", "amount": "1", "category": "snacks"},
                "the category is one of",
            ),
            (
                "/budget/adjustment",
                {"category": "promotion", "allocation": "lots", "reason": "r"},
                "positive number",
            ),
            (
                "/budget/adjustment",
                {"category": "promotion", "allocation": "9" * 40, "reason": "r"},
                "too large",
            ),
            (
                "/budget/adjustment",
                {"category": "promotion", "allocation": "10", "reason": " "},
                "reason is one line",
            ),
        ],
    )
    def test_a_bad_form_is_refused_and_records_nothing(
        self, site: LibOps, path: str, form: dict[str, str], says: str
    ) -> None:
        budget = open_budget(site)
        owner = browser(site, "sun.li")
        before = events(site)
        refused = owner.submit(path, {"budget_id": budget, **form}, "/budget")
        assert refused.status_code == 422
        assert says in section(refused.text, "form-error")
        assert events(site) == before
        assert "Nothing waits for approval." in refused.text

    def test_who_may_do_what(self, site: LibOps) -> None:
        budget = open_budget(site)
        planner = browser(site, "li.na")
        page = planner.get("/budget").text
        assert 'action="/budget/adjustment"' in page  # a planner may ask
        assert 'action="/budget/expense"' not in page  # but not spend
        planner.submit(
            "/budget/adjustment",
            {"budget_id": budget, "category": "promotion", "allocation": "9000", "reason": "more"},
            "/budget",
        )
        auditor = browser(site, "zhao.lei")
        seen = auditor.get("/budget").text
        assert "Set the promotion allocation to 9000 CNY" in seen
        assert '<form method="post" action="/budget' not in seen
        request_id = re.search(
            r"name=\"request_id\" value=\"([0-9a-f]+)\"",
            browser(site, "sun.li").get("/budget").text,
        )
        assert request_id is not None
        before = events(site)
        for person, path, form in (
            (
                auditor,
                "/budget/expense",
                {"vendor": "V", "invoice_reference": "I", "amount": "1", "category": "promotion"},
            ),
            (
                auditor,
                "/budget/adjustment",
                {"category": "promotion", "allocation": "1", "reason": "r"},
            ),
            (auditor, "/budget/decide", {"request_id": request_id[1], "decision": "approve"}),
            (planner, "/budget/decide", {"request_id": request_id[1], "decision": "decline"}),
        ):
            refused = person.submit(path, {"budget_id": budget, **form}, "/")
            assert refused.status_code == 403, path
        assert events(site) == before
        assert "Set the promotion allocation to 9000 CNY" in auditor.get("/budget").text
        assert planner.get(f"/budget?id={uuid4()}").status_code == 404

    def test_in_chinese(self, site: LibOps) -> None:
        open_budget(site)
        owner = browser(site, "sun.li")
        owner.submit("/language", {"lang": "zh"}, "/")
        text = owner.get("/budget").text
        assert "推广" in text
        assert "登记支出" in text
        assert "申请调整预算" in text


def heat_cell(text: str, likelihood: int, impact: int) -> str:
    """The text of the heat map's cell for ``likelihood`` and ``impact``."""
    table = section(text, "heat-map")
    rows = re.findall(r"<tr><th scope=\"row\">Likelihood (\d)</th>(.*?)</tr>", table, re.S)
    cells = dict(rows)[str(likelihood)]
    found = re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
    return re.sub(r"<[^>]+>", "", found[impact - 1]).strip()


class TestRisks:
    def test_the_register_and_its_heat_map(self, stored: LibOps) -> None:
        site = stored
        admin = browser(site, "chen.jie")
        page = admin.get("/risks")
        assert page.status_code == 200
        assert heat_cell(page.text, 4, 3) == "0 high"
        assert heat_cell(page.text, 5, 5) == "0 critical"
        assert heat_cell(page.text, 1, 1) == "0 low"
        for title in ("Weibo outage <b>", "Account locked"):
            recorded = admin.submit(
                "/risks/identify",
                {
                    "title": title,
                    "category": "technical",
                    "likelihood": "4",
                    "impact": "3",
                    "owner": "chen.jie",
                    "description": "",
                },
                "/risks",
            )
            assert recorded.status_code == 200
            assert "The risk is recorded." in recorded.text
        assert heat_cell(recorded.text, 4, 3) == "2 high"
        assert "Weibo outage &lt;b&gt;" in section(recorded.text, "risk-list")
        risk_id = re.search(r'name="risk_id" value="([0-9a-f-]+)"', recorded.text)
        assert risk_id is not None
        moved = admin.submit(
            "/risks/reassess",
            {
                "risk_id": risk_id[1],
                "likelihood": "5",
                "impact": "5",
                "reason": "it happened twice",
            },
            "/risks",
        )
        assert "The risk is reassessed." in moved.text
        assert heat_cell(moved.text, 4, 3) == "1 high"
        assert heat_cell(moved.text, 5, 5) == "1 critical"
        assert "escalated" in section(moved.text, "risk-list")

    @pytest.mark.parametrize(
        ("path", "form", "says"),
        [
            (
                "/risks/identify",
                {
                    "title": "T",
                    "category": "technical",
                    "likelihood": "6",
                    "impact": "1",
                    "owner": "chen.jie",
                },
                "likelihood is a whole number from 1 to 5",
            ),
            (
                "/risks/identify",
                {
                    "title": "T",
                    "category": "technical",
                    "likelihood": "1",
                    "impact": "x",
                    "owner": "chen.jie",
                },
                "impact is a whole number",
            ),
            (
                "/risks/identify",
                {
                    "title": "",
                    "category": "technical",
                    "likelihood": "1",
                    "impact": "1",
                    "owner": "chen.jie",
                },
                "title",
            ),
            (
                "/risks/identify",
                {
                    "title": "T",
                    "category": "weather",
                    "likelihood": "1",
                    "impact": "1",
                    "owner": "chen.jie",
                },
                "weather",
            ),
        ],
    )
    def test_a_bad_form_is_refused_and_records_nothing(
        self, site: LibOps, path: str, form: dict[str, str], says: str
    ) -> None:
        admin = browser(site, "chen.jie")
        before = events(site)
        refused = admin.submit(path, form, "/risks")
        assert refused.status_code == 422
        assert says in section(refused.text, "form-error")
        assert events(site) == before

    def test_a_reassessment_needs_a_reason(self, site: LibOps) -> None:
        admin = browser(site, "chen.jie")
        admin.submit(
            "/risks/identify",
            {
                "title": "T",
                "category": "market",
                "likelihood": "2",
                "impact": "2",
                "owner": "chen.jie",
            },
            "/risks",
        )
        risk_id = re.search(r'name="risk_id" value="([0-9a-f-]+)"', admin.get("/risks").text)
        assert risk_id is not None
        before = events(site)
        refused = admin.submit(
            "/risks/reassess",
            {"risk_id": risk_id[1], "likelihood": "3", "impact": "3", "reason": ""},
            "/risks",
        )
        assert refused.status_code == 422
        assert events(site) == before

    def test_who_may_do_what(self, site: LibOps) -> None:
        reviewer = browser(site, "wang.fang")
        page = reviewer.get("/risks").text
        # A reviewer may record content risks only, and reassess none.
        form = section(page, "risk-category")
        assert '<option value="content"' in form
        assert 'value="technical"' not in form
        refused = reviewer.submit(
            "/risks/identify",
            {
                "title": "T",
                "category": "technical",
                "likelihood": "1",
                "impact": "1",
                "owner": "wang.fang",
            },
            "/risks",
        )
        assert refused.status_code == 403
        accepted = reviewer.submit(
            "/risks/identify",
            {
                "title": "A misleading post",
                "category": "content",
                "likelihood": "2",
                "impact": "3",
                "owner": "wang.fang",
            },
            "/risks",
        )
        assert accepted.status_code == 200
        assert 'action="/risks/reassess"' not in accepted.text
        auditor = browser(site, "zhao.lei")
        seen = auditor.get("/risks").text
        assert "A misleading post" in seen
        assert '<form method="post" action="/risks' not in seen
        before = events(site)
        refused = auditor.submit(
            "/risks/identify",
            {
                "title": "T",
                "category": "content",
                "likelihood": "1",
                "impact": "1",
                "owner": "zhao.lei",
            },
            "/risks",
        )
        assert refused.status_code == 403
        assert events(site) == before

    def test_in_chinese(self, site: LibOps) -> None:
        admin = browser(site, "chen.jie")
        admin.submit("/language", {"lang": "zh"}, "/")
        text = admin.get("/risks").text
        assert "风险热力图" in text
        assert "可能性 5" in text
        assert "极高" in text


def busy(ops: LibOps, weibo: SandboxPlatform) -> dict[str, str]:
    """A store with something on every screen: posts (scheduled, failed, to publish by hand),
    a question, a budget with a waiting adjustment, a risk. Their ids by name."""
    from libops.web.budget import Requests

    scheduled = approved_post(ops, "Scheduled <post>", {"weibo": "Soon"})
    ops.posts.schedule(OPERATOR, scheduled, "weibo", ops.app.clock.now() + timedelta(days=1))
    failed = approved_post(ops, "Failed post", {"weibo": "Failing"})
    weibo.fail_next(1)
    with pytest.raises(PublishFailedError):
        ops.publishing.publish(OPERATOR, failed, "weibo")
    by_hand = approved_post(ops, "By hand", {"mastodon": "Toot"})
    question = ask(ops, "Open on Sunday?", 30)
    budget = open_budget(ops)
    views = ops.open_view_store()
    try:
        Requests(views, ops.app.clock.now).add(
            kind="adjustment",
            budget_id=budget,
            requested_by="sun.li",
            category="promotion",
            amount=Decimal("9000"),
            reason="more posters",
        )
    finally:
        views.close()
    risk = ops.risks.identify(
        OPERATOR, title="Outage", category="technical", likelihood=3, impact=4, owner="chen.jie"
    )
    return {
        "scheduled": str(scheduled),
        "failed": str(failed),
        "by_hand": str(by_hand),
        "question": question,
        "budget": budget,
        "risk": str(risk),
    }


class TestActivity:
    def test_the_log_latest_first_and_paged(self, stored: LibOps, weibo: SandboxPlatform) -> None:
        site = stored
        busy(site, weibo)
        for n in range(15):  # three entries each: drafted, submitted, approved
            approved_post(site, f"Post {n}", {"weibo": f"Text {n}"})
        total = events(site)
        reader = browser(site, "li.na")
        page = reader.get("/activity")
        assert page.status_code == 200
        table = section(page.text, "activity")
        numbers = [int(n) for n in re.findall(r'<th scope="row" class="number">(\d+)</th>', table)]
        assert numbers == sorted(numbers, reverse=True)
        assert len(numbers) == 50
        assert "Risk.Identified" in table
        assert "chen.jie" in table
        assert "Open on Sunday?" not in page.text  # a reader's text is personal data
        older = re.search(r'href="/activity\?before=(\d+)" rel="next"', page.text)
        assert older is not None
        earlier = reader.get(f"/activity?before={older[1]}")
        first = [
            int(n)
            for n in re.findall(r'class="number">(\d+)</th>', section(earlier.text, "activity"))
        ]
        assert first[0] == numbers[-1] - 1
        assert 'rel="prev"' in earlier.text
        assert total >= numbers[0]

    @pytest.mark.parametrize("before", ["x", "0", "-3", "9" * 5000])
    def test_a_bad_position_is_refused(self, site: LibOps, before: str) -> None:
        refused = browser(site, "li.na").get(f"/activity?before={before}")
        assert refused.status_code == 422
        assert "before is an entry" in refused.text


GET_PAGES = (
    "/",
    "/posts",
    "/calendar",
    "/calendar?month=2026-04",
    "/publishing",
    "/questions",
    "/questions?state=answered",
    "/questions/{question}",
    "/budget",
    "/risks",
    "/activity",
    "/report",
    "/report/download?quarter=2026-Q2&format=html",
    "/public/contests",
)
REFUSED_PAGES = (
    "/admin/sign-off",
    "/admin/tokens",
    "/review",
    "/posts/new",
    "/admin/users",
    "/publishing/by-hand/{by_hand}/mastodon",
    "/imports",
)


class TestAuditor:
    def test_an_auditor_reads_every_screen_and_changes_nothing(
        self, stored: LibOps, weibo: SandboxPlatform
    ) -> None:
        site = stored
        made = busy(site, weibo)
        auditor = browser(site, "zhao.lei")
        site.projections.run()
        before = events(site)
        for path in GET_PAGES:
            page = auditor.get(path.format(**made))
            assert page.status_code == 200, path
            # Only the language switch and signing out: no form that changes anything.
            actions = re.findall(r'<form method="post"(?: action="([^"]*)")?', page.text)
            assert set(actions) <= {"/language", "/sign-out"}, (path, actions)
        for path in REFUSED_PAGES:
            assert auditor.get(path.format(**made)).status_code == 403, path
        waiting = re.search(
            r'name="request_id" value="([0-9a-f]+)"', browser(site, "sun.li").get("/budget").text
        )
        assert waiting is not None
        posts = [
            ("/publishing/publish", {"post_id": made["failed"], "platform": "weibo"}),
            (
                "/publishing/schedule",
                {"post_id": made["by_hand"], "platform": "mastodon", "at": "2026-05-01T10:00"},
            ),
            (f"/publishing/by-hand/{made['by_hand']}/mastodon", {"url": "https://example.org/1"}),
            ("/questions/escalate", {}),
            (f"/questions/{made['question']}", {"action": "answer", "answer": "Yes"}),
            (f"/questions/{made['question']}", {"action": "read", "reason": "curious"}),
            (
                "/budget/expense",
                {
                    "budget_id": made["budget"],
                    "vendor": "V",
                    "invoice_reference": "I",
                    "amount": "1",
                    "category": "promotion",
                },
            ),
            (
                "/budget/adjustment",
                {
                    "budget_id": made["budget"],
                    "category": "promotion",
                    "allocation": "1",
                    "reason": "r",
                },
            ),
            ("/budget/decide", {"request_id": waiting[1], "decision": "approve"}),
            ("/budget/decide", {"request_id": waiting[1], "decision": "decline"}),
            (
                "/risks/identify",
                {
                    "title": "T",
                    "category": "content",
                    "likelihood": "1",
                    "impact": "1",
                    "owner": "zhao.lei",
                },
            ),
            (
                "/risks/reassess",
                {"risk_id": made["risk"], "likelihood": "1", "impact": "1", "reason": "r"},
            ),
            (
                "/posts/new",
                {
                    "title": "T",
                    "body": "B",
                    "content_type": "news",
                    "format": "image_text",
                    "variant_weibo": "W",
                },
            ),
            (f"/review/{made['scheduled']}", {"decision": "approve"}),
            ("/publishing/retract", {"post_id": made["failed"], "reason": "r"}),
            ("/imports/run", {"upload": "x"}),
            ("/admin/tokens/issue", {"login": "zhao.lei", "expires_days": "5"}),
            (
                "/publishing/take-down",
                {"post_id": made["failed"], "platform": "weibo", "note": "n"},
            ),
        ]
        for path, form in posts:
            refused = auditor.submit(path, form, "/activity")
            assert refused.status_code == 403, path
        assert events(site) == before
        assert (
            "Set the promotion allocation to 9000 CNY" in auditor.get("/budget").text
        )  # still waiting


class TestLanguagePerPerson:
    def test_the_language_chosen_is_used_at_the_next_sign_in_anywhere(self, stored: LibOps) -> None:
        site = stored
        first = browser(site, "li.na")
        first.submit("/language", {"lang": "zh", "next": "/calendar"}, "/")
        elsewhere = browser(site, "li.na")  # another browser, no language cookie of its own
        assert '<html lang="zh-CN">' in elsewhere.get("/").text
        other = browser(site, "wang.fang")
        assert '<html lang="en">' in other.get("/").text
        elsewhere.submit("/language", {"lang": "en"}, "/")
        assert '<html lang="en">' in browser(site, "li.na").get("/").text

    def test_a_visitor_choosing_remembers_nothing_for_anyone(self, site: LibOps) -> None:
        visitor = browser(site)
        visitor.post("/language", {"lang": "zh", "next": "/public/contests"})
        assert '<html lang="en">' in browser(site, "li.na").get("/").text
        refused = browser(site, "li.na").submit("/language", {"lang": "fr"}, "/")
        assert refused.status_code == 422
        assert '<html lang="en">' in browser(site, "li.na").get("/").text


def test_a_budget_owner_cannot_authorise_their_own_overspend(site: LibOps) -> None:
    budget = open_budget(site, promotion="100")
    owner = browser(site, "sun.li")
    owner.submit(
        "/budget/expense",
        {
            "budget_id": budget,
            "vendor": "Print shop",
            "invoice_reference": "INV-10",
            "amount": "150",
            "category": "promotion",
            "request_override": "on",
            "reason": "posters",
        },
        "/budget",
    )
    waiting = section(owner.get("/budget").text, "requests")
    assert 'value="approve"' not in waiting
    request_id = re.search(r'name="request_id" value="([0-9a-f]+)"', waiting)
    assert request_id is not None
    before = events(site)
    own = owner.submit(
        "/budget/decide", {"request_id": request_id[1], "decision": "approve"}, "/budget"
    )
    assert own.status_code == 422
    assert "cannot approve their own request" in own.text
    assert events(site) == before
    assert site.budgets.overrides(budget) == ()
    withdrawn = owner.submit(
        "/budget/decide", {"request_id": request_id[1], "decision": "withdraw"}, "/budget"
    )
    assert "The request is withdrawn." in withdrawn.text
    assert "Nothing waits for approval." in withdrawn.text
    assert events(site) == before


class TestReport:
    def test_an_auditor_downloads_the_report_in_each_format_and_language(
        self, stored: LibOps
    ) -> None:
        site = stored
        post = approved_post(site, "Spring <reading>", {"weibo": "Read with us"})
        site.publishing.publish(OPERATOR, post, "weibo")
        auditor = browser(site, "zhao.lei")
        form = auditor.get("/report")
        assert form.status_code == 200
        assert 'href="/report"' in form.text
        assert '<label for="report-quarter">' in form.text
        before = events(site)
        page = auditor.get("/report/download?quarter=2026-Q2&lang=en&format=html")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        disposition = page.headers["content-disposition"]
        assert disposition == 'attachment; filename="libops-report-2026-04-01-2026-06-30-en.html"'
        assert "<!DOCTYPE html>" in page.text
        assert "2026-04-01" in page.text
        assert "Content-Security-Policy" in page.headers
        chinese = auditor.get("/report/download?from=2026-04-01&to=2026-04-30&lang=zh")
        assert chinese.status_code == 200
        assert '<html lang="zh-CN">' in chinese.text
        packed = auditor.get("/report/download?quarter=2026Q2&lang=en&format=md")
        assert packed.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(packed.content)) as archive:
            names = archive.namelist()
            stem = "libops-report-2026-04-01-2026-06-30-en"
            markdown = archive.read(f"{stem}/report.md").decode("utf-8")
        linked = set(re.findall(r"\]\((charts/[\w-]+\.png)\)", markdown))
        assert linked
        assert {f"{stem}/{name}" for name in linked} <= set(names)
        word = auditor.get("/report/download?lang=en&format=docx")
        assert word.status_code == 200
        assert word.content[:2] == b"PK"
        assert 'filename="libops-report-en.docx"' in word.headers["content-disposition"]
        assert events(site) == before

    @pytest.mark.parametrize(
        ("query", "says"),
        [
            ("quarter=2026-Q5", "a quarter is written like 2026-Q2"),
            ("from=2026-04-01", "give both the first and the last day"),
            ("from=2026-04-30&to=2026-04-01", "before it starts"),
            ("from=April&to=2026-04-01", "YYYY-MM-DD"),
            ("quarter=2026-Q2&from=2026-04-01&to=2026-04-02", "not both"),
            ("lang=fr", "lang is one of en, zh"),
            ("format=pdf", "format is one of html, md, docx"),
        ],
    )
    def test_a_bad_choice_is_refused_and_records_nothing(
        self, site: LibOps, query: str, says: str
    ) -> None:
        auditor = browser(site, "zhao.lei")
        before = events(site)
        refused = auditor.get(f"/report/download?{query}")
        assert refused.status_code == 422
        assert says in section(refused.text, "form-error")
        assert 'id="report-form"' in refused.text
        assert events(site) == before

    def test_signed_out_goes_to_sign_in_and_the_form_in_chinese(self, site: LibOps) -> None:
        page = browser(site).get("/report/download?format=html")
        assert page.status_code == 303
        assert page.headers["location"] == "/sign-in?next=/report/download"
        admin = browser(site, "chen.jie")
        admin.submit("/language", {"lang": "zh"}, "/")
        form = admin.get("/report").text
        assert "下载报告" in form
        assert '<option value="zh" selected>' in form


EXPORT = Path(__file__).parents[1] / "fixtures" / "exports" / "facebook_posts_export.csv"


def upload(who: Browser, name: str, data: bytes, **fields: str) -> httpx.Response:
    """Post ``data`` as the file ``name`` to the import preview, with the page's CSRF token."""
    form = {"csrf": who.csrf("/imports"), **fields}
    return who.request(
        "POST",
        "/imports/preview",
        data=form,
        files={"file": (name, data, "text/csv")},
        headers={"Origin": who.origin},
    )


class TestImports:
    def test_a_dry_run_preview_then_the_import_confirmed(self, stored: LibOps) -> None:
        site = stored
        admin = browser(site, "chen.jie")
        form = admin.get("/imports")
        assert form.status_code == 200
        assert 'enctype="multipart/form-data"' in form.text
        assert '<label for="import-file">' in form.text
        before = events(site)
        preview = upload(admin, "facebook_posts_export.csv", EXPORT.read_bytes())
        assert preview.status_code == 200
        assert "Dry run of facebook_posts_export.csv" in preview.text
        assert "New: 5." in section(preview.text, "import-counts")
        assert section(preview.text, "import-rows").count('class="import-new"') == 5
        assert events(site) == before
        key = re.search(r'name="upload" value="([^"]+)"', preview.text)
        assert key is not None
        assert "/tmp" not in preview.text  # (no path is sent to the browser)
        done = admin.submit("/imports/run", {"upload": key[1]}, "/imports")
        assert done.status_code == 200
        assert "Imported facebook_posts_export.csv: 5 rows recorded." in done.text
        assert events(site) > before
        assert site.posts.list(platform="facebook").items
        # The upload is used: confirming it again is refused and records nothing.
        after = events(site)
        again = admin.submit("/imports/run", {"upload": key[1]}, "/imports")
        assert again.status_code == 422
        assert "expired or was imported already" in again.text
        assert events(site) == after

    @pytest.mark.parametrize(
        ("name", "data", "fields", "says"),
        [
            ("notes.txt", b"hello", {}, "an export is a .csv, .xls, .xlsx file"),
            ("export.csv", b"just,some\n1,2\n", {}, "export.csv"),
            ("export.csv", b"a,b\n", {"platform": "myspace"}, "platform is one of"),
        ],
    )
    def test_a_bad_upload_is_refused_and_records_nothing(
        self, site: LibOps, name: str, data: bytes, fields: dict[str, str], says: str
    ) -> None:
        admin = browser(site, "chen.jie")
        before = events(site)
        refused = upload(admin, name, data, **fields)
        assert refused.status_code == 422
        assert says in refused.text
        assert events(site) == before
        assert not site.web_app.state.web.uploads.waiting()  # type: ignore[attr-defined]

    def test_another_persons_or_a_made_up_upload_is_refused(self, site: LibOps) -> None:
        admin = browser(site, "chen.jie")
        preview = upload(admin, "facebook_posts_export.csv", EXPORT.read_bytes())
        key = re.search(r'name="upload" value="([^"]+)"', preview.text)
        assert key is not None
        site.users.add(ADMIN, login="he.yu", name="He Yu", roles=[Role.OPERATIONS_ADMIN])
        site.users.set_password(ADMIN, login="he.yu", password=PASSWORD)
        before = events(site)
        other = browser(site, "he.yu")
        for given in (key[1], "../../etc/passwd", ""):
            refused = other.submit("/imports/run", {"upload": given}, "/imports")
            assert refused.status_code == 422, given
            assert "upload the file again" in refused.text
        assert events(site) == before

    def test_only_those_who_may_import_and_in_chinese(self, site: LibOps) -> None:
        for login in ("zhao.lei", "li.na"):
            who = browser(site, login)
            assert who.get("/imports").status_code == 403
            assert 'href="/imports"' not in who.get("/").text
        before = events(site)
        planner = browser(site, "li.na")
        refused = planner.request(
            "POST",
            "/imports/preview",
            data={"csrf": planner.csrf("/")},
            files={"file": ("x.csv", EXPORT.read_bytes(), "text/csv")},
            headers={"Origin": planner.origin},
        )
        assert refused.status_code == 403
        assert events(site) == before
        admin = browser(site, "chen.jie")
        admin.submit("/language", {"lang": "zh"}, "/")
        assert "上传导出文件" in admin.get("/imports").text

    def test_a_file_over_the_limit_is_refused_unread(self, site: LibOps) -> None:
        from libops.web.imports import MAX_UPLOAD

        admin = browser(site, "chen.jie")
        before = events(site)
        refused = upload(admin, "big.csv", b"x" * (MAX_UPLOAD + 1))
        assert refused.status_code == 413
        assert events(site) == before


def in_review(ops: LibOps, title: str) -> str:
    """A post drafted by Li Na and submitted for review (its id)."""
    from libops.domain.values import PostVariant

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


def make_link(admin: Browser, post_id: str, login: str = "director") -> str:
    made = admin.submit("/admin/sign-off", {"post_id": post_id, "login": login})
    assert made.status_code == 200, made.text
    found = re.search(r'id="signoff-link" readonly value="([^"]+)"', made.text)
    assert found is not None
    return found[1].removeprefix("https://libops.test")


class TestSignOff:
    @pytest.fixture
    def director(self, site: LibOps) -> LibOps:
        site.users.add(ADMIN, login="director", name="Director Wu", roles=[Role.REVIEWER])
        return site

    def test_a_director_approves_by_link_once(self, stored: LibOps) -> None:
        site = stored
        site.users.add(ADMIN, login="director", name="Director Wu", roles=[Role.REVIEWER])
        post = in_review(site, "Spring <fair>")
        admin = browser(site, "chen.jie")
        link = make_link(admin, post)
        assert link.startswith("/sign-off/")
        assert link.removeprefix("/sign-off/") not in admin.get("/admin/sign-off").text
        visitor = browser(site)  # no sign-in
        page = visitor.get(link)
        assert page.status_code == 200
        assert "You are signing off as Director Wu." in page.text
        assert "Spring &lt;fair&gt;" in page.text
        before = events(site)
        unchecked = visitor.post(link, {"decision": "approve"})
        assert unchecked.status_code == 422
        assert events(site) == before
        approved = visitor.post(
            link,
            {"decision": "approve", "accuracy": "on", "copyright": "on", "privacy": "on"},
        )
        assert approved.status_code == 200
        assert site.posts.get(post).status.value == "approved"
        review = site.posts.get(post).reviews[-1]
        assert review.reviewer_id == "director"
        again = visitor.get(link)
        assert again.status_code == 410
        assert "has been used already" in again.text
        after = events(site)
        assert visitor.post(link, {"decision": "send_back", "comments": "x"}).status_code == 410
        assert events(site) == after

    def test_a_tampered_or_expired_link_is_refused(
        self, director: LibOps, april: ManualClock
    ) -> None:
        site = director
        post = in_review(site, "Fair")
        link = make_link(browser(site, "chen.jie"), post)
        visitor = browser(site)
        tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
        for bad in (tampered, "/sign-off/short", "/sign-off/" + "x" * 43):
            refused = visitor.get(bad)
            assert refused.status_code == 410, bad
            assert "this sign-off link is not valid" in refused.text
        april.advance(timedelta(days=3, seconds=1))
        expired = visitor.get(link)
        assert expired.status_code == 410
        assert "has expired" in expired.text
        before = events(site)
        assert visitor.post(link, {"decision": "approve"}).status_code == 410
        assert events(site) == before

    @pytest.mark.parametrize(
        ("login", "says"),
        [("li.na", "not an enabled user with the reviewer role"), ("nobody", "not an enabled")],
    )
    def test_a_bad_approver_is_refused(self, director: LibOps, login: str, says: str) -> None:
        post = in_review(director, "Fair")
        admin = browser(director, "chen.jie")
        refused = admin.submit("/admin/sign-off", {"post_id": post, "login": login})
        assert refused.status_code == 422
        assert says in section(refused.text, "form-error")
        assert 'id="signoff-link"' not in refused.text

    def test_only_admins_make_links_and_in_chinese(self, director: LibOps) -> None:
        post = in_review(director, "Fair")
        for login in ("zhao.lei", "wang.fang"):
            who = browser(director, login)
            assert who.get("/admin/sign-off").status_code == 403
            refused = who.submit("/admin/sign-off", {"post_id": post, "login": "director"}, "/")
            assert refused.status_code == 403
        assert not list(director.web_app.state.web._views.rows("web.signoffs"))  # type: ignore[attr-defined]
        admin = browser(director, "chen.jie")
        admin.submit("/language", {"lang": "zh"}, "/")
        assert "生成链接" in admin.get("/admin/sign-off").text


def test_sign_off_secrets_stay_out_of_the_access_log() -> None:
    import logging

    from libops.web.signoff import RedactSecrets

    secret = "A" * 43
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", f"/sign-off/{secret}", "1.1", 200),
        None,
    )
    assert RedactSecrets().filter(record)
    assert secret not in record.getMessage()
    assert "/sign-off/[secret]" in record.getMessage()


class TestTokens:
    def test_an_admin_issues_a_token_shown_once_and_revokes_it(self, stored: LibOps) -> None:
        site = stored
        admin = browser(site, "chen.jie")
        page = admin.get("/admin/tokens")
        assert page.status_code == 200
        assert '<label for="token-days">' in page.text
        issued = admin.submit(
            "/admin/tokens/issue",
            {
                "login": "zhao.lei",
                "role_auditor": "on",
                "expires_days": "30",
                "label": "Audit <script>",
            },
            "/admin/tokens",
        )
        assert issued.status_code == 200
        found = re.search(r'id="token-text" readonly value="([^"]+)"', issued.text)
        assert found is not None
        secret = found[1]
        assert "Audit &lt;script&gt;" in section(issued.text, "token-list")
        (token,) = site.users.get("zhao.lei").tokens.values()
        assert token.roles == frozenset({Role.AUDITOR})
        assert secret not in admin.get("/admin/tokens").text  # shown once
        revoked = admin.submit(
            "/admin/tokens/revoke",
            {"login": "zhao.lei", "token_id": token.token_id},
            "/admin/tokens",
        )
        assert revoked.status_code == 200
        assert f"Token {token.token_id} of zhao.lei revoked." in revoked.text
        assert site.users.get("zhao.lei").tokens[token.token_id].revoked

    @pytest.mark.parametrize(
        ("path", "form", "says"),
        [
            ("/admin/tokens/issue", {"login": "zhao.lei", "expires_days": "lots"}, "not a number"),
            ("/admin/tokens/issue", {"login": "zhao.lei", "expires_days": "400"}, "366"),
            (
                "/admin/tokens/issue",
                {"login": "zhao.lei", "expires_days": "5", "role_operations_admin": "on"},
                "operations",
            ),
            ("/admin/tokens/revoke", {"login": "zhao.lei", "token_id": "nope"}, "nope"),
        ],
    )
    def test_a_bad_form_is_refused_and_records_nothing(
        self, site: LibOps, path: str, form: dict[str, str], says: str
    ) -> None:
        admin = browser(site, "chen.jie")
        before = events(site)
        refused = admin.submit(path, form, "/admin/tokens")
        assert refused.status_code in (404, 422), refused.text
        assert says in refused.text
        assert events(site) == before

    def test_only_admins(self, site: LibOps) -> None:
        for login in ("zhao.lei", "wang.fang"):
            who = browser(site, login)
            assert who.get("/admin/tokens").status_code == 403
            before = events(site)
            refused = who.submit("/admin/tokens/issue", {"login": login, "expires_days": "5"}, "/")
            assert refused.status_code == 403
            assert events(site) == before
        admin = browser(site, "chen.jie")
        admin.submit("/language", {"lang": "zh"}, "/")
        assert "签发令牌" in admin.get("/admin/tokens").text

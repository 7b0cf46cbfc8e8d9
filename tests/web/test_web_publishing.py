"""The publishing screen (``/publishing``) in this process: failures and their attempts read
from the posts listing (no post loaded, no log read), and collecting metrics from the page."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import attrs
import pytest

from libops import LibOps, Role
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import PublishFailedError
from libops.domain.post import Post
from libops.web.publishing import publishing_status
from tests.web.support import (
    ADMIN,
    OPERATOR,
    PASSWORD,
    Browser,
    approved_post,
    browser,
    events,
    web_store,
)


def section(text: str, element_id: str) -> str:
    """The element of ``text`` with the id ``element_id`` (to its closing tag)."""
    found = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', text, re.S)
    assert found is not None, element_id
    return found[2]


@pytest.fixture
def stored(store_url: str, april: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """libops on a fresh store of each kind, a Weibo sandbox, the team, the web app."""
    yield from web_store(store_url, april, [weibo])


@pytest.fixture
def no_gateway(store_url: str, april: ManualClock) -> Iterator[LibOps]:
    """The same without any platform gateway."""
    yield from web_store(store_url, april, [])


def collect(web: Browser) -> Any:
    """Collect metrics now from the publishing page: the POST is answered with a redirect to
    the page saying what was collected (a reload posts nothing again); that page."""
    posted = web.submit("/publishing/metrics", {}, "/publishing")
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].startswith("/publishing?done=metrics&run=")
    shown = web.get(posted.headers["location"])
    assert shown.status_code == 200
    return shown


def _fail(ops: LibOps, weibo: SandboxPlatform, post: Any, times: int) -> None:
    weibo.fail_next(times)
    for _ in range(times):
        with pytest.raises(PublishFailedError):
            ops.publishing.publish(OPERATOR, post, "weibo")


def _posts_read(monkeypatch: pytest.MonkeyPatch, ops: LibOps) -> list[tuple[str, Any]]:
    """Record every post the application reads (``ops.posts.get``) and every aggregate whose
    events are read from the log (``recorder.select_events``): (what, id) pairs."""
    read: list[tuple[str, Any]] = []
    get, select = ops.posts.get, ops.app.recorder.select_events

    def counted_get(post_id: Any, *args: Any, **kwargs: Any) -> Any:
        read.append(("post", post_id))
        return get(post_id, *args, **kwargs)

    def counted_select(originator_id: Any, *args: Any, **kwargs: Any) -> Any:
        read.append(("log", originator_id))
        return select(originator_id, *args, **kwargs)

    monkeypatch.setattr(ops.posts, "get", counted_get)
    monkeypatch.setattr(ops.app.recorder, "select_events", counted_select)
    return read


class TestFailures:
    def test_the_post_counts_its_failed_attempts(
        self, stored: LibOps, weibo: SandboxPlatform, april: ManualClock
    ) -> None:
        post = approved_post(stored, "Failing", {"weibo": "Out soon", "mastodon": "Toot"})
        _fail(stored, weibo, post, 2)
        april.advance(timedelta(minutes=5))
        _fail(stored, weibo, post, 1)
        failure = stored.posts.get(post).last_failure("weibo")
        assert failure is not None
        assert failure.attempts == 3
        assert failure.at == april.now()
        assert stored.posts.get(post).last_failure("mastodon") is None
        # Replayed from the events alone (no snapshot, no cache): the same count.
        replayed: Post = stored.app.repository.get(post)
        assert isinstance(replayed, Post)
        assert replayed.last_failure("weibo") == failure

    def test_the_screen_reads_failures_from_the_listing_without_loading_posts(
        self, stored: LibOps, weibo: SandboxPlatform, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        first = approved_post(stored, "Failing <i>", {"weibo": "Out soon"})
        second = approved_post(stored, "Failing too", {"weibo": "Out later"})
        _fail(stored, weibo, first, 3)
        _fail(stored, weibo, second, 1)
        admin = browser(stored, "chen.jie")
        read = _posts_read(monkeypatch, stored)
        page = admin.get("/publishing")
        assert page.status_code == 200
        # Titles, failures and attempts all come from the listing: neither post is read
        # (the signed-in user is, as on every page).
        assert [r for r in read if str(r[1]) in (str(first), str(second))] == []
        failures = section(page.text, "failures")
        found = re.findall(
            r'<th scope="row">([^<]*)</th>.*?<td class="number">(\d+)</td>', failures, re.S
        )
        counts = dict(found)
        assert counts == {"Failing &lt;i&gt;": "3", "Failing too": "1"}
        assert "the platform is unavailable (sandbox failure) (can be retried)" in failures

    def test_a_listing_row_from_before_attempts_were_counted_asks_the_post(
        self, stored: LibOps, weibo: SandboxPlatform, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        post = approved_post(stored, "Old row", {"weibo": "Out soon"})
        _fail(stored, weibo, post, 2)
        # A row the listing wrote before it kept failures: only the status.
        old_entry = {"status": "failed", "scheduled_at": None, "published_at": None, "url": None}
        row: dict[str, Any] = {
            "id": str(post),
            "title": "Old row",
            "platforms": {"weibo": old_entry},
        }
        listed = stored.posts.list(status="approved", limit=10)
        monkeypatch.setattr(
            stored.posts, "list", lambda **_: attrs.evolve(listed, items=(row,), next_cursor=None)
        )
        shown = publishing_status(stored, lambda item: str(item["title"]))
        (variant,) = shown.failed
        assert (variant.attempts, variant.retryable, variant.gateway) == (2, True, True)
        assert variant.error == "the platform is unavailable (sandbox failure)"

    def test_the_rebuilt_listing_counts_the_same(
        self, stored: LibOps, weibo: SandboxPlatform
    ) -> None:
        post = approved_post(stored, "Rebuilt", {"weibo": "Out soon"})
        _fail(stored, weibo, post, 2)
        before = _entry(stored, post)
        assert (before["attempts"], before["retryable"]) == (2, True)
        stored.queries.rebuild("listings.posts")
        assert _entry(stored, post) == before
        weibo_receipt = stored.publishing.publish(OPERATOR, post, "weibo")
        assert _entry(stored, post)["status"] == "published"
        assert weibo_receipt.url == _entry(stored, post)["url"]


def _entry(ops: LibOps, post: Any) -> dict[str, Any]:
    ops.projections.run()
    (row,) = [r for r in ops.posts.list(limit=50).items if r["id"] == str(post)]
    entry: dict[str, Any] = row["platforms"]["weibo"]
    return entry


class TestCollectingMetrics:
    def _published(self, ops: LibOps, title: str) -> Any:
        post = approved_post(ops, title, {"weibo": f"{title} #读书日#"})
        ops.publishing.publish(OPERATOR, post, "weibo")
        return post

    def test_an_admin_collects_and_the_dashboard_shows_the_counts(
        self, stored: LibOps, april: ManualClock
    ) -> None:
        post = self._published(stored, "Measured")
        april.advance(timedelta(days=1))  # the sandbox's readers react over time
        admin = browser(stored, "chen.jie")
        page = admin.get("/publishing")
        assert "Collect metrics now" in section(page.text, "collect-metrics")
        before = events(stored)
        done = collect(admin)
        assert (
            "Metrics read for 1 published variants: 1 recorded, 0 corrected, 0 unchanged, "
            "0 failed." in done.text
        )
        snapshot = stored.posts.get(post).latest_metrics("weibo")
        assert snapshot is not None
        assert snapshot.views or snapshot.reads
        assert events(stored) == before + 1
        # Asked again with the counts unchanged: nothing more is recorded.
        again = collect(admin)
        assert "0 recorded, 0 corrected, 1 unchanged" in again.text
        assert events(stored) == before + 1
        recorded = [
            n
            for n in stored.app.notifications(Post.MetricsRecorded.TOPIC)
            if str(n.originator_id) == str(post)
        ]
        assert len(recorded) == 1
        # The views caught up: the dashboard's Weibo row shows the recorded reach.
        doc = stored.projections.view("engagement")["platform:weibo"]
        assert doc["reach"] > 0
        dashboard = admin.get("/").text
        weibo_row = re.search(r'<th scope="row">Weibo</th>(.*?)</tr>', dashboard, re.S)
        assert weibo_row is not None
        cells = re.findall(r'<td class="number">([^<]*)</td>', weibo_row[1])
        assert cells[:3] == [str(doc["posts"]), str(doc["reach"]), str(doc["engagements"])]
        assert cells[1] != "0"

    def test_technical_support_may_collect(self, stored: LibOps, april: ManualClock) -> None:
        stored.users.add(ADMIN, login="ma.tao", name="Ma Tao", roles=[Role.TECHNICAL_SUPPORT])
        stored.users.set_password(ADMIN, login="ma.tao", password=PASSWORD)
        self._published(stored, "Read by tech")
        april.advance(timedelta(days=1))
        tech = browser(stored, "ma.tao")
        done = collect(tech)
        assert "1 recorded" in section(done.text, "form-message")

    def test_the_roles_that_may_not_record_metrics_are_refused(
        self, stored: LibOps, april: ManualClock
    ) -> None:
        self._published(stored, "Not theirs")
        april.advance(timedelta(days=1))
        for login in ("li.na", "wang.fang", "zhao.lei", "sun.li"):
            person = browser(stored, login)
            assert 'id="collect-metrics"' not in person.get("/publishing").text
            before = events(stored)
            refused = person.submit("/publishing/metrics", {}, "/publishing")
            assert refused.status_code == 403, login
            assert "operations admin" in refused.text
            assert events(stored) == before, login

    def test_refused_without_a_gateway_recording_nothing(
        self, no_gateway: LibOps, april: ManualClock
    ) -> None:
        ops = no_gateway
        post = approved_post(ops, "By hand only", {"mastodon": "Toot"})
        ops.publishing.record_manual_publication(
            OPERATOR, post, "mastodon", url="https://mastodon.social/@city/1"
        )
        april.advance(timedelta(days=1))
        admin = browser(ops, "chen.jie")
        page = admin.get("/publishing")
        assert 'id="collect-metrics"' not in page.text
        assert "No platform gateway is configured" in page.text
        before = events(ops)
        refused = admin.submit("/publishing/metrics", {}, "/publishing")
        assert refused.status_code == 422
        assert "No platform gateway is configured" in section(refused.text, "form-error")
        assert events(ops) == before

    def test_nothing_published_on_a_gateway_platform_records_nothing(self, stored: LibOps) -> None:
        admin = browser(stored, "chen.jie")
        before = events(stored)
        done = collect(admin)
        assert "nothing to read" in section(done.text, "form-message")
        assert events(stored) == before

    def test_a_platform_failure_is_shown_and_the_others_recorded(
        self, stored: LibOps, weibo: SandboxPlatform, april: ManualClock
    ) -> None:
        # Published first, the post whose title holds markup is read first: the failure is its.
        self._published(stored, "Read <b>badly</b>")
        self._published(stored, "Read fine")
        april.advance(timedelta(days=1))
        weibo.fail_next(1, "the statistics are not ready", on="metrics")
        admin = browser(stored, "chen.jie")
        done = collect(admin)
        message = section(done.text, "form-message")
        assert "1 recorded, 0 corrected, 0 unchanged, 1 failed." in message
        assert "Read &lt;b&gt;badly&lt;/b&gt; on Weibo: the statistics are not ready" in message
        assert "<b>" not in message  # the title is escaped

    def test_two_at_once_run_one_sweep(
        self, stored: LibOps, april: ManualClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A double click or a second tab while a collection runs starts nothing (nothing
        asked of the platforms twice): it is redirected to the running run's page, which says
        it is still running and, once it is finished, shows its counts (reloading it posts
        nothing). Once the first is done, collecting again is allowed."""
        self._published(stored, "Read once")
        april.advance(timedelta(days=1))
        sweeping, finish = threading.Event(), threading.Event()
        sweeps = []
        real = stored.publishing.collect_metrics

        def slow(*args: Any, **kwargs: Any) -> Any:
            sweeps.append(args)
            sweeping.set()
            assert finish.wait(30)
            return real(*args, **kwargs)

        monkeypatch.setattr(stored.publishing, "collect_metrics", slow)
        first_tab, second_tab = browser(stored, "chen.jie"), browser(stored, "chen.jie")
        csrf = first_tab.csrf("/publishing")
        answers: list[Any] = []
        thread = threading.Thread(
            target=lambda: answers.append(first_tab.post("/publishing/metrics", {"csrf": csrf}))
        )
        thread.start()
        try:
            assert sweeping.wait(30)
            before = events(stored)
            refused = second_tab.submit("/publishing/metrics", {}, "/publishing")
            assert refused.status_code == 303, refused.text
            running = refused.headers["location"]
            assert running.startswith("/publishing?done=metrics&run=")
            shown = section(second_tab.get(running).text, "form-message")
            assert "Chen Jie is still collecting metrics (since 2026-04-21 09:00)" in shown
            assert "Reload" not in shown
            assert events(stored) == before
        finally:
            finish.set()
            thread.join(30)
        (first,) = answers
        assert first.status_code == 303
        assert first.headers["location"] == running  # the same run
        assert len(sweeps) == 1
        assert "1 recorded" in section(second_tab.get(running).text, "form-message")
        # Done: the next collection runs (and finds the counts unchanged).
        assert "1 unchanged" in section(collect(second_tab).text, "form-message")
        assert len(sweeps) == 2

    def test_a_run_left_claimed_expires(self, stored: LibOps, april: ManualClock) -> None:
        """A collection whose server died mid-run holds the claim only until it expires."""
        from libops.web.publishing import METRICS_RUN_EXPIRY, MetricsRuns

        self._published(stored, "Read later")
        april.advance(timedelta(days=1))
        web_app = stored.web_app  # type: ignore[attr-defined]
        runs = MetricsRuns(web_app.state.web._views, april.now)
        assert runs.claim("sun.li") is not None  # never finished
        admin = browser(stored, "chen.jie")
        before = events(stored)
        refused = admin.submit("/publishing/metrics", {}, "/publishing")
        assert refused.status_code == 303
        assert "Sun Li is still collecting" in admin.get(refused.headers["location"]).text
        assert events(stored) == before
        april.advance(METRICS_RUN_EXPIRY + timedelta(seconds=1))
        admin.sign_in("chen.jie")
        assert "1 recorded" in section(collect(admin).text, "form-message")

    def test_a_message_is_shown_only_for_its_run(self, stored: LibOps, april: ManualClock) -> None:
        """The address names a finished run; any other names nothing (no message shown)."""
        self._published(stored, "Read")
        april.advance(timedelta(days=1))
        admin = browser(stored, "chen.jie")
        assert "1 recorded" in collect(admin).text
        page = admin.get("/publishing?done=metrics&run=0123456789abcdef")
        assert page.status_code == 200
        assert 'id="form-message"' not in page.text

    def test_in_chinese(self, stored: LibOps, april: ManualClock) -> None:
        self._published(stored, "中文")
        april.advance(timedelta(days=1))
        admin = browser(stored, "chen.jie")
        admin.post("/language", {"lang": "zh", "csrf": admin.csrf("/publishing")})
        page = admin.get("/publishing")
        assert "立即采集数据" in page.text
        done = collect(admin)
        assert "已读取 1 个已发布版本的数据：新记录 1 个" in section(done.text, "form-message")


class TestScheduling:
    @pytest.mark.parametrize(
        ("at", "lang", "says"),
        [
            ("tomorrow", "en", "Publish at: &#39;tomorrow&#39; is not a date and time"),
            ("2026-04-31T10:00", "en", "Publish at: &#39;2026-04-31T10:00&#39; is not a date"),
            ("", "en", "Publish at: &#39;&#39; is not a date and time"),
            ("tomorrow", "zh", "发布时间：&#39;tomorrow&#39; 不是有效的日期时间"),
        ],
    )
    def test_a_time_that_cannot_be_read_is_refused(
        self, stored: LibOps, at: str, lang: str, says: str
    ) -> None:
        """The schedule form's time is read as the contest forms' are (one parser): a value
        that is not a date and time is the form's error, naming the field, recording nothing."""
        post = approved_post(stored, "Ready", {"weibo": "Ready text"})
        admin = browser(stored, "chen.jie")
        if lang == "zh":
            admin.post("/language", {"lang": "zh", "csrf": admin.csrf("/publishing")})
        before = events(stored)
        form = {"post_id": str(post), "platform": "weibo", "at": at}
        refused = admin.submit("/publishing/schedule", form, "/publishing")
        assert refused.status_code == 422
        assert says in section(refused.text, "form-error")
        assert events(stored) == before

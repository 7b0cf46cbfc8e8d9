"""Pages whose cost must not grow with the store (issue 16): the contests list reads the
contests listing (no Contest aggregate loaded) and the publishing screen reads only the
approved posts with work left plus the latest published ones; both show what they showed
when they read everything."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

import libops.web.publishing as publishing
from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import PublishFailedError, QueryParameterError
from libops.domain.interaction import ContestRules, Prize
from libops.domain.personal import Consent, PersonalInfo
from libops.web.publishing import PUBLISHED_SHOWN, publishing_status
from libops.web.strings_en import STRINGS
from tests.web.support import (
    ADMIN,
    OPERATOR,
    PLANNER,
    approved_post,
    browser,
    web_store,
)


@pytest.fixture
def stored(store_url: str, april: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """libops on a fresh store of each kind, a Weibo sandbox, the team and the web app."""
    yield from web_store(store_url, april, [weibo])


# --- contests -------------------------------------------------------------------------------


def rules(clock: ManualClock, prizes: int = 2) -> ContestRules:
    return ContestRules(
        eligibility="Readers with a City Library card.",
        opens_at=clock.now() + timedelta(hours=1),
        closes_at=clock.now() + timedelta(days=7),
        entry_method="repost",
        platforms=["weibo"],
        prizes=[Prize("Book token", prizes)],
    )


def enter(ops: LibOps, contest: UUID, n: int, clock: ManualClock) -> None:
    consent = Consent("the book draw", clock.now())
    for k in range(1, n + 1):
        ops.contests.enter(
            PLANNER,
            contest,
            participant=PersonalInfo(handle=f"@reader_{k}"),
            consent=consent,
            platform="weibo",
            method="repost",
            entry_id=f"weibo:{contest.hex[:6]}:{k:03d}",
        )


def contests_in_every_state(ops: LibOps, clock: ManualClock) -> list[UUID]:
    """Contests announced (with and without rules, rules restated), open with entries and a
    disqualification, closed, drawn and cancelled, in the order announced."""
    start = clock.now()
    bare = ops.contests.announce(PLANNER, kind="repost_draw", title="No rules yet")
    restated = ops.contests.announce(
        PLANNER, kind="repost_draw", title="<b>Restated</b> & co", rules=rules(clock)
    )
    ops.contests.state_rules(PLANNER, restated, rules=rules(clock, prizes=3))
    running = ops.contests.announce(PLANNER, kind="repost_draw", title="Open", rules=rules(clock))
    ended = ops.contests.announce(PLANNER, kind="repost_draw", title="Closed", rules=rules(clock))
    drawn = ops.contests.announce(PLANNER, kind="repost_draw", title="Drawn", rules=rules(clock))
    called_off = ops.contests.announce(
        PLANNER, kind="repost_draw", title="Cancelled", rules=rules(clock)
    )
    for contest in (running, ended, drawn, called_off):
        ops.contests.open(ADMIN, contest)
    clock.advance(timedelta(hours=2))
    for contest, n in ((running, 4), (ended, 3), (drawn, 5)):
        enter(ops, contest, n, clock)
    first = ops.contests.get(running).entries[0].entry_id
    ops.contests.disqualify(ADMIN, running, first, "Entered twice under two accounts.")
    ops.contests.cancel(ADMIN, called_off, "The prizes did not arrive.")
    clock.set(start + timedelta(days=8))
    ops.contests.close(ADMIN, ended)
    ops.contests.close(ADMIN, drawn)
    ops.contests.draw(ADMIN, drawn)
    return [bare, restated, running, ended, drawn, called_off]


def table_rows(text: str) -> list[list[str]]:
    """The contests table's rows as lists of cell texts (tags removed)."""
    body = re.search(r'<table id="contests">.*?<tbody>(.*?)</tbody>', text, re.S)
    assert body is not None, "no contests table"
    rows = re.findall(r"<tr>(.*?)</tr>", body[1], re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def expected_rows(ops: LibOps, ids: list[UUID]) -> list[list[str]]:
    """The rows the page showed when it loaded every contest (the old rendering: the same
    template cells worked out from the aggregates), latest announced first."""
    zone = ops.posts.cadence.zone
    found = []
    for contest_id in reversed(ids):
        contest = ops.contests.get(contest_id)
        if contest.rules is None:
            window = STRINGS["contests.no_rules"]
        else:
            opens = contest.rules.opens_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            closes = contest.rules.closes_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            window = f"{opens} – {closes}"
        if contest.winners:
            winners = ", ".join(contest.winners)
        elif contest.rules is not None:
            winners = STRINGS["contests.winners_planned"].format(n=contest.rules.winners)
        else:
            winners = "–"
        found.append(
            [
                html.escape(contest.title, quote=False),
                STRINGS[f"contest.status_{contest.status.value}"],
                window,
                str(len(contest.entries)),
                winners,
            ]
        )
    return found


class TestContestsList:
    def test_the_list_shows_what_loading_every_contest_showed_and_loads_none(
        self, stored: LibOps, april: ManualClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ids = contests_in_every_state(stored, april)
        expected = expected_rows(stored, ids)
        loaded: list[object] = []
        real_get = stored.contests.get

        def counted(contest_id: Any) -> Any:
            loaded.append(contest_id)
            return real_get(contest_id)

        monkeypatch.setattr(stored.contests, "get", counted)
        text = browser(stored, "zhao.lei").get("/contests").text
        assert table_rows(text) == expected
        assert loaded == []
        assert STRINGS["contests.more"] not in text
        for contest_id in ids:
            assert f'href="/contests/{contest_id}"' in text

    def test_more_than_a_page_says_so_and_shows_the_latest(
        self, stored: LibOps, april: ManualClock
    ) -> None:
        ids = [
            stored.contests.announce(PLANNER, kind="repost_draw", title=f"Draw {n:03d}")
            for n in range(101)
        ]
        text = browser(stored, "zhao.lei").get("/contests").text
        shown = table_rows(text)
        assert len(shown) == 100
        assert shown[0][0] == "Draw 100"
        assert shown[-1][0] == "Draw 001"
        assert f'href="/contests/{ids[0]}"' not in text
        assert STRINGS["contests.more"] in text

    def test_the_query_pages_and_filters_by_status(
        self, stored: LibOps, april: ManualClock
    ) -> None:
        ids = contests_in_every_state(stored, april)
        first = stored.queries.contests(limit=4)
        rest = stored.queries.contests(limit=4, cursor=first.next_cursor)
        assert [r["id"] for r in (*first.items, *rest.items)] == [str(i) for i in reversed(ids)]
        assert rest.next_cursor is None
        drawn = stored.queries.contests(status="drawn").items
        assert [r["title"] for r in drawn] == ["Drawn"]
        assert len(drawn[0]["winners"]) == 2
        assert drawn[0]["entries"] == 5
        with pytest.raises(QueryParameterError, match="status"):
            stored.queries.contests(status="finished")
        assert stored.queries.rebuild("listings.contests") > 0
        again = stored.queries.contests(limit=10).items
        assert [r["id"] for r in again] == [str(i) for i in reversed(ids)]


# --- publishing -----------------------------------------------------------------------------


def old_rows(ops: LibOps) -> list[Mapping[str, Any]]:
    """What the screen read before: every approved post, published or not."""
    rows: list[Mapping[str, Any]] = []
    cursor = None
    while True:
        page = ops.posts.list(status="approved", limit=200, cursor=cursor)
        rows.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return rows


def busy_publishing(ops: LibOps, weibo: SandboxPlatform, clock: ManualClock, published: int) -> int:
    """``published`` posts published on Weibo (one each hour), and beside them posts with
    work left: published on Weibo but waiting for Mastodon by hand, ready, failed and
    scheduled. Returns how many posts have work left."""
    for n in range(published):
        post = approved_post(ops, f"Published {n:03d}", {"weibo": f"Weibo post {n}"})
        ops.publishing.publish(OPERATOR, post, "weibo")
        clock.advance(timedelta(hours=1))
    for n in range(3):
        both = {"weibo": f"Both {n}", "mastodon": f"Both on Mastodon {n}"}
        post = approved_post(ops, f"Half published {n}", both)
        ops.publishing.publish(OPERATOR, post, "weibo")
        clock.advance(timedelta(minutes=30))
    approved_post(ops, "Ready", {"weibo": "Ready to go"})
    failing = approved_post(ops, "Failing", {"weibo": "This one fails"})
    weibo.fail_next(1)
    with pytest.raises(PublishFailedError):
        ops.publishing.publish(OPERATOR, failing, "weibo")
    booked = approved_post(ops, "Booked", {"weibo": "Later today"})
    ops.posts.schedule(OPERATOR, booked, "weibo", clock.now() + timedelta(hours=3))
    return 6


def title(row: Mapping[str, Any]) -> str:
    return str(row["title"])


class TestPublishingScreen:
    def test_the_screen_shows_the_same_reading_a_bounded_number_of_rows(
        self,
        stored: LibOps,
        weibo: SandboxPlatform,
        april: ManualClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        published = PUBLISHED_SHOWN + 8
        with_work = busy_publishing(stored, weibo, april, published)
        new = publishing_status(stored, title)
        read = publishing._rows(stored)
        monkeypatch.setattr(publishing, "_rows", old_rows)
        before = publishing_status(stored, title)
        assert new == before
        assert len(new.published) == PUBLISHED_SHOWN
        assert {v.title for v in new.failed} == {"Failing"}
        assert {v.title for v in new.by_hand} == {f"Half published {n}" for n in range(3)}
        # Every post with work left, and only the latest published ones beside them (the
        # three half-published posts, published last, are both: read once).
        assert len(read) == with_work + PUBLISHED_SHOWN - 3
        assert len(old_rows(stored)) == with_work + published
        assert not any(r["title"] in ("Published 000", "Published 007") for r in read)

    def test_the_page_renders_the_latest_published(
        self, stored: LibOps, weibo: SandboxPlatform, april: ManualClock
    ) -> None:
        busy_publishing(stored, weibo, april, PUBLISHED_SHOWN + 2)
        text = browser(stored, "chen.jie").get("/publishing").text
        assert f"Published {PUBLISHED_SHOWN + 1:03d}" in text
        assert "Published 001<" not in text
        assert "Half published 2" in text

    def test_the_query_checks_its_filter(self, stored: LibOps) -> None:
        with pytest.raises(QueryParameterError, match="work"):
            stored.queries.publishing(work="yes")  # type: ignore[arg-type]

"""Indexed lists with cursors: ``ops.posts.list``, ``ops.posts.review_queue`` and
``ops.campaigns.page`` on memory, SQLite and PostgreSQL (issue 15, "Queries")."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from libops import (
    Actor,
    Consent,
    LibOps,
    Money,
    Objective,
    Period,
    PersonalInfo,
    Platform,
    PostVariant,
    PublishReceipt,
)
from libops.adapters.clock import ManualClock
from libops.adapters.viewstores import postgres_scan_statement, sqlite_scan_statement
from libops.application.posts import find_calendar
from libops.application.queries import encode_cursor
from libops.domain.errors import InvalidCursorError, PermissionDeniedError, QueryParameterError
from libops.domain.values import ReviewChecklist
from libops.projections.listings import POSTS
from tests.helpers import count_events

PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)


def draft(
    ops: LibOps, actor: Actor, title: str, platforms: tuple[Platform, ...], **extra: Any
) -> UUID:
    return ops.posts.draft(
        actor,
        title=title,
        body="Ten books our librarians loved this year.",
        content_type="knowledge",
        format="image_text",
        variants=[PostVariant(p, f"{title} on {p.value}", media=("c.jpg",)) for p in platforms],
        **extra,
    )


def publish(ops: LibOps, actor: Actor, post_id: UUID, platform: Platform) -> None:
    """Record a publication the way the publishing service does."""
    post = ops.posts.get(post_id)
    external = f"{platform.value}-{post_id.hex[:8]}"
    post.record_published(
        actor,
        PublishReceipt(platform, external, f"https://example.org/{external}", ops.clock.now()),
    )
    to_save: list[Any] = [post]
    calendar = find_calendar(ops.app, platform)
    if calendar is not None:
        calendar.release(post.id, actor=actor)
        to_save.append(calendar)
    ops.app.save(*to_save)


def approve(ops: LibOps, planner: Actor, reviewer: Actor, post_id: UUID) -> None:
    ops.posts.submit_for_review(planner, post_id)
    ops.posts.review(reviewer, post_id, PASSED, approve=True)


def every_page(fetch: Any, **kwargs: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = fetch(cursor=cursor, **kwargs)
        rows.extend(page.items)
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


@pytest.fixture
def world(
    ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, tech: Actor, admin: Actor
) -> dict[str, Any]:
    """Six posts: four published an hour apart (one retracted), one in review, one drafted."""
    campaign = ops.campaigns.plan(
        planner,
        name="World Book Day",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        platforms=["weibo"],
    )
    published = []
    for n in range(4):
        platforms = (Platform.WEIBO,) if n % 2 == 0 else (Platform.WEIBO, Platform.WECHAT)
        post_id = draft(
            ops, planner, f"Post {n}", platforms, campaign_id=campaign if n < 2 else None
        )
        approve(ops, planner, reviewer, post_id)
        clock.advance(timedelta(hours=1))
        for platform in platforms:
            publish(ops, tech, post_id, platform)
        published.append(post_id)
    ops.posts.retract(admin, published[3], "A wrong date")
    for live in ("weibo", "wechat"):  # live on both: retracted once staff confirm
        ops.posts.confirm_take_down(admin, published[3], live, note="deleted by hand")
    clock.advance(timedelta(hours=1))
    in_review = draft(ops, planner, "Waiting", (Platform.WECHAT,))
    ops.posts.submit_for_review(planner, in_review)
    clock.advance(timedelta(minutes=1))
    drafted = draft(ops, planner, "Drafted", (Platform.WEIBO,))
    return {
        "campaign": campaign,
        "published": published,
        "in_review": in_review,
        "drafted": drafted,
    }


def ids(rows: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> list[UUID]:
    return [UUID(row["id"]) for row in rows]


class TestPosts:
    def test_latest_first_then_unpublished(self, ops: LibOps, world: dict[str, Any]) -> None:
        page = ops.posts.list(limit=200)
        published = world["published"]
        assert ids(page.items) == [
            *reversed(published),
            world["drafted"],
            world["in_review"],
        ]
        assert page.next_cursor is None
        assert page.position == ops.app.recorder.max_notification_id()
        assert ids(ops.posts.list(order="published_at").items) == [
            world["in_review"],
            world["drafted"],
            *published,
        ]

    def test_rows_have_titles_urls_and_retraction(self, ops: LibOps, world: dict[str, Any]) -> None:
        rows = {UUID(r["id"]): r for r in ops.posts.list().items}
        first = rows[world["published"][1]]
        assert first["title"] == "Post 1"
        assert first["status"] == "approved"
        assert first["campaign_id"] == str(world["campaign"])
        assert set(first["platforms"]) == {"weibo", "wechat"}
        for platform, entry in first["platforms"].items():
            assert entry["status"] == "published"
            assert entry["url"] == f"https://example.org/{platform}-{world['published'][1].hex[:8]}"
        assert first["retracted"] is False
        retracted = rows[world["published"][3]]
        assert retracted["retracted"] is True
        assert retracted["status"] == "retracted"
        assert rows[world["drafted"]]["published_at"] is None

    def test_filters(self, ops: LibOps, world: dict[str, Any]) -> None:
        published = world["published"]
        assert ids(ops.posts.list(status="retracted").items) == [published[3]]
        assert ids(ops.posts.list(platform="wechat").items) == [
            published[3],
            published[1],
            world["in_review"],
        ]
        assert ids(ops.posts.list(campaign_id=world["campaign"]).items) == [
            published[1],
            published[0],
        ]
        assert ids(
            ops.posts.list(
                status="approved", platform=Platform.WECHAT, campaign_id=world["campaign"]
            ).items
        ) == [published[1]]
        assert ops.posts.list(status="changes_requested").items == ()

    def test_published_between(self, ops: LibOps, world: dict[str, Any]) -> None:
        rows = {UUID(r["id"]): r for r in ops.posts.list().items}
        from datetime import datetime

        times = [datetime.fromisoformat(rows[p]["published_at"]) for p in world["published"]]
        published = world["published"]
        assert ids(ops.posts.list(published_after=times[1]).items) == [
            published[3],
            published[2],
            published[1],
        ]
        assert ids(ops.posts.list(published_before=times[1]).items) == [published[0]]
        assert ids(
            ops.posts.list(
                published_after=times[1].isoformat(),
                published_before=times[3],
                order="published_at",
            ).items
        ) == [published[1], published[2]]

    def test_paging_visits_every_row_once_with_inserts_between_pages(
        self, ops: LibOps, world: dict[str, Any], planner: Actor
    ) -> None:
        before = {UUID(r["id"]) for r in ops.posts.list(limit=200).items}
        seen: list[UUID] = []
        page = ops.posts.list(limit=2)
        added: list[UUID] = []
        while True:
            seen.extend(ids(page.items))
            assert len(page.items) <= 2
            # A new draft (drafted now: newest of the unpublished) between every two pages.
            added.append(draft(ops, planner, f"New {len(added)}", (Platform.WEIBO,)))
            if page.next_cursor is None:
                break
            page = ops.posts.list(limit=2, cursor=page.next_cursor)
        assert len(seen) == len(set(seen))
        assert before <= set(seen)

    def test_every_order_and_filter_pages_completely(
        self, ops: LibOps, world: dict[str, Any]
    ) -> None:
        for order in ("-published_at", "published_at"):
            for platform in (None, "weibo", "wechat"):
                whole = ops.posts.list(order=order, platform=platform, limit=200).items
                paged = every_page(ops.posts.list, order=order, platform=platform, limit=1)
                assert ids(paged) == ids(whole)

    def test_index_holds_exactly_the_rows_entries(
        self, ops: LibOps, world: dict[str, Any], admin: Actor, planner: Actor
    ) -> None:
        """After drafting, review, publishing and retraction, the listing keeps each row's
        current entries and nothing else (no entry of a row's earlier state is left)."""
        import json

        from libops.projections.listings import PostListing

        ops.posts.list()  # caught up
        views = ops.open_view_store()
        try:
            documents = dict(views.rows(POSTS))
        finally:
            views.close()
        rows = [json.loads(text) for key, text in documents.items() if key.startswith("row:")]
        assert len(rows) == 6
        expected = set().union(*(PostListing().entries(row) for row in rows))
        assert {key for key in documents if key.startswith("ix:")} == expected

    def test_a_rebuilt_listing_answers_the_same(self, ops: LibOps, world: dict[str, Any]) -> None:
        whole = ops.posts.list(limit=200).items
        ops.queries.rebuild(POSTS)
        assert ops.posts.list(limit=200).items == whole

    def test_bad_parameters_name_their_field(self, ops: LibOps, world: dict[str, Any]) -> None:
        bad: list[tuple[dict[str, Any], str]] = [
            ({"status": "bogus"}, "status"),
            ({"platform": "myspace"}, "platform"),
            ({"campaign_id": "not-an-id"}, "campaign_id"),
            ({"published_after": "yesterday"}, "published_after"),
            ({"published_before": "2026-03-01T08:00:00"}, "published_before"),
            ({"order": "title"}, "order"),
            ({"limit": 0}, "limit"),
            ({"limit": 201}, "limit"),
            ({"limit": True}, "limit"),
        ]
        events = count_events(ops)
        for kwargs, field in bad:
            with pytest.raises(QueryParameterError) as refused:
                ops.posts.list(**kwargs)
            assert refused.value.field == field, kwargs
            assert field in str(refused.value)
        assert count_events(ops) == events

    def test_bad_cursors_are_refused(self, ops: LibOps, world: dict[str, Any]) -> None:
        cursor = ops.posts.list(limit=1).next_cursor
        assert cursor is not None
        tampered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
        for bad in ("", "!!!", "abc", tampered, cursor + "x"):
            with pytest.raises(InvalidCursorError) as refused:
                ops.posts.list(limit=1, cursor=bad)
            assert refused.value.field == "cursor"
        with pytest.raises(InvalidCursorError, match="another list"):
            ops.posts.list(limit=1, status="approved", cursor=cursor)
        with pytest.raises(InvalidCursorError, match="another list"):
            ops.posts.list(limit=1, order="published_at", cursor=cursor)
        forged = encode_cursor(POSTS, "*", "-published_at", "row:elsewhere")
        with pytest.raises(InvalidCursorError):
            ops.posts.list(limit=1, cursor=forged)


class TestReviewQueue:
    def test_excludes_own_posts_and_needs_a_reviewer(
        self,
        ops: LibOps,
        world: dict[str, Any],
        planner: Actor,
        planner2: Actor,
        reviewer: Actor,
    ) -> None:
        theirs = draft(ops, planner2, "Another's", (Platform.WEIBO,))
        ops.posts.submit_for_review(planner2, theirs)
        assert ids(ops.posts.review_queue(reviewer).items) == [world["in_review"], theirs]
        assert ids(ops.posts.review_queue(planner.id).items) == [theirs]
        assert ids(ops.posts.review_queue(planner2.id).items) == [world["in_review"]]
        first = ops.posts.review_queue(reviewer, limit=1)
        assert ids(first.items) == [world["in_review"]]
        assert first.next_cursor is not None
        rest = ops.posts.review_queue(reviewer, limit=1, cursor=first.next_cursor)
        assert ids(rest.items) == [theirs]
        assert rest.next_cursor is None
        with pytest.raises(InvalidCursorError, match="another list"):
            ops.posts.review_queue(planner2.id, cursor=first.next_cursor)
        with pytest.raises(PermissionDeniedError):
            ops.posts.review_queue(planner)
        ops.posts.review(reviewer, theirs, PASSED, approve=True)
        assert ids(ops.posts.review_queue(reviewer).items) == [world["in_review"]]


class TestCampaigns:
    def test_by_state_and_start(self, ops: LibOps, planner: Actor, admin: Actor) -> None:
        made = []
        for month in (3, 5, 4):
            made.append(
                ops.campaigns.plan(
                    planner,
                    name=f"Month {month}",
                    kind="topic",
                    period=Period(date(2026, month, 1), date(2026, month, 20)),
                    platforms=["weibo"],
                    objectives=[Objective("reads", 100)],
                )
            )
        ops.campaigns.launch(admin, made[1])
        assert ids(ops.campaigns.page().items) == [made[1], made[2], made[0]]
        assert ids(ops.campaigns.page(order="start").items) == [made[0], made[2], made[1]]
        assert ids(ops.campaigns.page(state="active").items) == [made[1]]
        assert ids(ops.campaigns.page(state="planned").items) == [made[2], made[0]]
        assert ids(every_page(ops.campaigns.page, limit=1)) == [made[1], made[2], made[0]]
        row = ops.campaigns.page(state="active").items[0]
        assert row["name"] == "Month 5"
        assert row["start"] == "2026-05-01"
        with pytest.raises(QueryParameterError) as refused:
            ops.campaigns.page(state="finished")
        assert refused.value.field == "state"


def test_sqlite_lists_use_an_index(tmp_path: Any, clock: ManualClock, planner: Actor) -> None:
    url = f"sqlite:///{tmp_path}/libops.db"
    with LibOps.open(url, clock=clock, migrate=True) as ops:
        draft(ops, planner, "One", (Platform.WEIBO,))
        assert len(ops.posts.list().items) == 1
    conn = sqlite3.connect(f"{tmp_path}/libops.db")
    try:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN " + sqlite_scan_statement(descending=True),
            (POSTS, "ix:*:", "ix:*;", 11),
        ).fetchall()
    finally:
        conn.close()
    detail = " ".join(str(row[-1]) for row in plan)
    assert detail.startswith("SEARCH libops_projection_documents USING"), detail
    assert "INDEX" in detail, detail
    assert "TEMP B-TREE" not in detail, detail


def test_unknown_listing_store_position_is_fresh(memory_ops: LibOps, planner: Actor) -> None:
    """A list catches its listing up first: a post drafted a moment ago is listed."""
    assert memory_ops.posts.list().items == ()
    post_id = draft(memory_ops, planner, "Fresh", (Platform.WEIBO,))
    assert ids(memory_ops.posts.list().items) == [post_id]
    assert uuid4() not in ids(memory_ops.posts.list().items)


def test_postgres_lists_use_the_byte_ordered_index(
    postgres_url: str, clock: ManualClock, planner: Actor
) -> None:
    from psycopg import sql

    from tests.conftest import _pg_connect

    with LibOps.open(postgres_url, clock=clock, migrate=True) as ops:
        draft(ops, planner, "One", (Platform.WEIBO,))
        assert len(ops.posts.list().items) == 1
        schema = ops.config.schema
    base, _, _ = postgres_url.partition("?")
    with _pg_connect(base) as conn:
        conn.execute("SET enable_seqscan = off")  # a tiny table: make the planner show its index
        statement = postgres_scan_statement(POSTS, descending=True)
        plan = conn.execute(
            sql.SQL("EXPLAIN " + statement).format(
                documents=sql.Identifier(schema, "libops_projection_documents")
            ),
            (POSTS, "ix:*:", "ix:*;", 11),
        ).fetchall()
    detail = " ".join(str(row[0]) for row in plan)
    assert "libops_projection_documents_listing_keys" in detail, detail
    assert "Sort" not in detail, detail


class TestQuestions:
    def test_waiting_overdue_escalated_and_answered_since(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        def receive(platform: str, handle: str) -> UUID:
            question = ops.questions.receive(
                planner,
                platform=platform,
                text="Is the reading room open on Sunday?",
                asker=PersonalInfo(name="Zhang Wei", handle=handle),
                consent=Consent("answering this question", clock.now()),
            )
            clock.advance(timedelta(hours=1))
            return question

        old = receive("weibo", "@old")
        late = receive("wechat", "@late")
        clock.advance(ops.questions.escalate_after)
        ops.questions.escalate_overdue(admin)  # both have waited long enough
        fresh = receive("weibo", "@fresh")
        ops.questions.answer(planner, old, "Yes, from 9:00.")
        answered_at = clock.now()
        clock.advance(timedelta(hours=1))
        young = receive("weibo", "@young")
        ops.questions.answer(planner, fresh, "Yes.")

        assert ids(ops.questions.list(state="waiting").items) == [late, young]
        assert ids(ops.questions.list(state="escalated").items) == [late]
        assert ids(ops.questions.list(state="overdue").items) == [late]
        clock.advance(ops.questions.escalate_after)
        assert ids(ops.questions.list(state="overdue").items) == [late, young]
        assert ids(ops.questions.list(state="answered").items) == [fresh, old]
        assert ids(ops.questions.list(answered_since=answered_at + timedelta(minutes=1)).items) == [
            fresh
        ]
        assert ids(ops.questions.list(answered_since=answered_at).items) == [fresh, old]
        assert ids(ops.questions.list(platform="wechat").items) == [late]
        assert ids(ops.questions.list().items) == [young, late, fresh, old]
        assert ids(every_page(ops.questions.list, limit=1)) == [young, late, fresh, old]
        row = ops.questions.list(state="escalated").items[0]
        assert row["escalated"] is True
        assert row["platform"] == "wechat"
        assert "text" not in row
        assert "asker" not in row
        events = count_events(ops)
        bad: list[tuple[dict[str, Any], str]] = [
            ({"state": "late"}, "state"),
            ({"platform": "fax"}, "platform"),
            ({"state": "waiting", "answered_since": answered_at}, "answered_since"),
            ({"answered_since": "noon"}, "answered_since"),
        ]
        for kwargs, field in bad:
            with pytest.raises(QueryParameterError) as refused:
                ops.questions.list(**kwargs)
            assert refused.value.field == field
        assert count_events(ops) == events


class TestBudgets:
    def test_by_status_with_lines_as_the_positions_view(
        self, ops: LibOps, owner: Actor, planner: Actor
    ) -> None:
        campaign = ops.campaigns.plan(
            planner,
            name="World Book Day",
            kind="topic",
            period=Period(date(2026, 4, 1), date(2026, 4, 30)),
        )
        made = []
        for year in (2025, 2026):
            budget = ops.budgets.open(
                owner, name=f"FY {year}", period=Period(date(year, 1, 1), date(year, 12, 31))
            )
            ops.budgets.allocate(owner, budget, "promotion", Money("500.00"))
            ops.budgets.allocate(owner, budget, "promotion", Money("300.00"), campaign_id=campaign)
            ops.budgets.record_expense(
                owner,
                budget,
                vendor="Print shop",
                invoice_reference=f"INV-{year}",
                amount=Money("120.50"),
                category="promotion",
                campaign_id=campaign,
            )
            made.append(budget)
        ops.budgets.close(owner, made[0])

        page = ops.budgets.list()
        assert ids(page.items) == [made[1], made[0]]
        assert ids(ops.budgets.list(status="open").items) == [made[1]]
        assert ids(ops.budgets.list(status="closed", order="start").items) == [made[0]]
        assert ids(every_page(ops.budgets.list, order="start", limit=1)) == made
        row = page.items[0]
        assert row["name"] == "FY 2026"
        assert row["status"] == "open"
        assert (row["allocated"], row["spent"], row["available"]) == ("800.00", "120.50", "679.50")
        ops.projections.run()
        positions = ops.projections.view("budget")
        assert row["lines"] == [
            positions[f"line:{made[1]}:promotion:{campaign}"],
            positions[f"line:{made[1]}:promotion:general"],
        ]
        with pytest.raises(QueryParameterError) as refused:
            ops.budgets.list(status="spent")
        assert refused.value.field == "status"


def test_has_entry_agrees_with_entries() -> None:
    """The check a page makes of each row read (still one of its entries?) says what the
    entries themselves say, for entries of the row and for others."""
    from libops.projections.listings import PostListing, index_key

    listing = PostListing()
    row: dict[str, Any] = {
        "id": str(uuid4()),
        "status": "approved",
        "platforms": {"weibo": {}, "wechat": {}},
        "campaign_id": str(uuid4()),
        "published_at": "2026-04-20T12:00:00+00:00",
        "drafted_at": "2026-04-19T12:00:00+00:00",
    }
    entries = listing.entries(row)
    assert len(entries) == 12
    assert all(listing.has_entry(row, key) for key in entries)
    sort = listing.sort_key(row)
    others = [
        index_key("s=drafted", sort, row["id"]),
        index_key("p=x", sort, row["id"]),
        index_key("s=approved/p=douyin", sort, row["id"]),
        index_key("*", "d" + sort[1:], row["id"]),
        index_key("*", sort, str(uuid4())),
        "row:" + row["id"],
    ]
    for key in others:
        assert key not in entries
        assert not listing.has_entry(row, key), key


def test_catching_up_after_a_restart_applies_only_what_is_new(
    tmp_path: Any, clock: ManualClock, planner: Actor
) -> None:
    """A listing kept in a SQLite store goes on from its position when the store is opened
    again: the first list after the restart applies the events recorded since, once."""
    url = f"sqlite:///{tmp_path}/libops.db"
    with LibOps.open(url, clock=clock, migrate=True) as ops:
        first = draft(ops, planner, "Before", (Platform.WEIBO,))
        assert ids(ops.posts.list().items) == [first]
        before = ops.posts.list().position
    with LibOps.open(url, clock=clock) as ops:
        clock.advance(timedelta(minutes=1))
        second = draft(ops, planner, "After", (Platform.WEIBO,))
        views = ops.open_view_store()
        try:
            assert views.position(POSTS) == before  # kept, not rebuilt
        finally:
            views.close()
        page = ops.posts.list()
        assert ids(page.items) == [second, first]
        assert page.position == ops.app.recorder.max_notification_id()
        assert page.position > before
        assert ops.queries.rebuild(POSTS) == page.position
        assert ops.posts.list().items == page.items

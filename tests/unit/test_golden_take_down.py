"""The golden files of retractions and take-downs (issue 11, item 2).

``post_take_down_events.json`` pins the stored form of the four take-down events;
``post_events.v2.json`` is ``post_events.json`` (the record of retractions before take-downs,
kept unchanged) with the take-down task its retraction now records. Written out by hand, never
generated from the files. The old file still reads as it always did: its retracted post stays
retracted, in the aggregate and in the posts listing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from libops import LibOps
from libops.domain.post import PlatformStatus, Post, PostStatus
from libops.domain.values import Platform
from tests.golden.regenerate import load, stored_events

NAME = "post_take_down_events.json"
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
POST = UUID("7a4ed000-0000-4000-8000-000000000001")
OLD_POST = UUID("b0570000-0000-4000-8000-000000000002")
MASTODON_ID = "111431035802456967"
BLUESKY_ID = "at://did:plc:7nie5dbxs4zknnvwv2suaicj/app.bsky.feed.post/3jjtffqp6uawk"
WEIBO_ID = "5097663302485912"

_ADMIN = {"actor_id": "admin-1", "campaign_id": None}

TAKE_DOWN_EVENTS: list[tuple[type[Any], int, dict[str, Any]]] = [
    (Post.Retracted, 7, {**_ADMIN, "reason": "the hours were wrong: we close at 16:00"}),
    (
        Post.TakeDownRequested,
        8,
        {
            **_ADMIN,
            "platform": Platform.MASTODON,
            "external_id": MASTODON_ID,
            "by_hand": False,
            "reason": "to be taken down through the mastodon gateway",
        },
    ),
    (
        Post.TakeDownRequested,
        9,
        {
            **_ADMIN,
            "platform": Platform.BLUESKY,
            "external_id": BLUESKY_ID,
            "by_hand": False,
            "reason": "to be taken down through the bluesky gateway",
        },
    ),
    (
        Post.TakeDownRequested,
        10,
        {
            **_ADMIN,
            "platform": Platform.WEIBO,
            "external_id": WEIBO_ID,
            "by_hand": True,
            "reason": "no weibo gateway that can take posts down is configured",
        },
    ),
    (
        Post.TakeDownFailed,
        11,
        {
            **_ADMIN,
            "platform": Platform.MASTODON,
            "error": "mastodon: the answer was lost (timeout)",
            "retryable": True,
            "at": datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
        },
    ),
    (
        Post.TakeDownFailed,
        12,
        {
            **_ADMIN,
            "platform": Platform.BLUESKY,
            "error": "bluesky: 403 this account may not delete records",
            "retryable": False,
            "at": datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
        },
    ),
    (
        Post.TakenDown,
        13,
        {
            "actor_id": "tech-1",
            "campaign_id": None,
            "platform": Platform.MASTODON,
            "external_id": MASTODON_ID,
            "at": datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
        },
    ),
    (
        Post.TakeDownConfirmed,
        14,
        {
            **_ADMIN,
            "platform": Platform.BLUESKY,
            "external_id": BLUESKY_ID,
            "note": "deleted in the Bluesky app",
            "url": "https://bsky.app/profile/x",
            "at": datetime(2026, 3, 2, 7, 30, tzinfo=UTC),
        },
    ),
    (
        Post.TakeDownConfirmed,
        15,
        {
            **_ADMIN,
            "platform": Platform.WEIBO,
            "external_id": WEIBO_ID,
            "note": "删除于微博客户端",
            "url": None,
            "at": datetime(2026, 3, 2, 7, 30, tzinfo=UTC),
        },
    ),
]
"""The file's events from the retraction on (version 7), each decoded field by field."""

BEFORE_RETRACTION = [
    "libops:Post.Drafted",
    "libops:Post.SubmittedForReview",
    "libops:Post.Approved",
    "libops:Post.Published",
    "libops:Post.Published",
    "libops:Post.Published",
]


@pytest.fixture
def fresh_ops() -> Iterator[LibOps]:
    with LibOps.open("memory://") as opened:
        yield opened


def _loaded(ops: LibOps, name: str) -> LibOps:
    ops.app.recorder.insert_events(stored_events(load(name)))
    return ops


class TestTakeDownGoldenFile:
    def test_records(self) -> None:
        """The file holds one post's events: published on three platforms, then the
        retraction and its take-downs, in this order."""
        records = load(NAME)
        assert [(r["originator_id"], r["originator_version"]) for r in records] == [
            (str(POST), version) for version in range(1, 16)
        ]
        assert [r["topic"] for r in records] == BEFORE_RETRACTION + [
            get_topic(cls) for cls, _v, _f in TAKE_DOWN_EVENTS
        ]
        assert Post.TakeDownRequested.TOPIC == "libops:Post.TakeDownRequested"
        assert Post.TakenDown.TOPIC == "libops:Post.TakenDown"
        assert Post.TakeDownFailed.TOPIC == "libops:Post.TakeDownFailed"
        assert Post.TakeDownConfirmed.TOPIC == "libops:Post.TakeDownConfirmed"

    def test_each_take_down_event_decodes_field_by_field(self, fresh_ops: LibOps) -> None:
        """Every stored take-down event decodes to exactly the fields written out here."""
        decoded = [fresh_ops.app.mapper.to_domain_event(s) for s in stored_events(load(NAME))]
        for minute, event in enumerate(decoded[6:], start=6):
            cls, version, fields = TAKE_DOWN_EVENTS[minute - 6]
            assert type(event) is cls
            assert vars(event) == {
                "originator_id": POST,
                "originator_version": version,
                "timestamp": START + timedelta(minutes=minute),
                **fields,
            }

    def test_the_post_reads_retracted_with_its_take_downs(self, fresh_ops: LibOps) -> None:
        """Replayed, the post is retracted, live nowhere, each take-down done as recorded."""
        post = _loaded(fresh_ops, NAME).app.load(Post, POST)
        assert post.status is PostStatus.RETRACTED
        assert post.live_platforms() == ()
        assert post.open_take_downs() == ()
        mastodon = post.take_down(Platform.MASTODON)
        bluesky = post.take_down(Platform.BLUESKY)
        weibo = post.take_down(Platform.WEIBO)
        assert mastodon is not None
        assert bluesky is not None
        assert weibo is not None
        assert (mastodon.done_at, mastodon.confirmed_by) == (
            datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
            None,
        )
        assert mastodon.error == "mastodon: the answer was lost (timeout)"
        assert (bluesky.by_hand, bluesky.retryable, bluesky.confirmed_by) == (
            True,
            False,
            "admin-1",
        )
        assert (
            bluesky.reason
            == "the platform refused: bluesky: 403 this account may not delete records"
        )
        assert (weibo.by_hand, weibo.note, weibo.url) == (True, "删除于微博客户端", None)
        for platform in (Platform.MASTODON, Platform.BLUESKY, Platform.WEIBO):
            assert post.platform_status(platform) is PlatformStatus.PUBLISHED  # it went out

    def test_the_listing_reads_retracted(self, fresh_ops: LibOps) -> None:
        """The posts listing shows the post retracted, each platform taken down or confirmed."""
        (row,) = _loaded(fresh_ops, NAME).posts.list().items
        assert (row["status"], row["retracted"]) == ("retracted", True)
        assert {p: e["take_down"] for p, e in row["platforms"].items()} == {
            "mastodon": "taken down",
            "bluesky": "confirmed",
            "weibo": "confirmed",
        }
        assert row["platforms"]["mastodon"]["taken_down_at"] == "2026-03-02T07:00:00+00:00"


class TestRetractionsBeforeTakeDowns:
    def test_the_v2_file_is_the_old_one_with_a_take_down_task(self) -> None:
        """post_events.v2.json holds post_events.json's records, and after the retraction
        the take-down task for Weibo, where the post was live (the rest one minute later)."""
        old, new = load("post_events.json"), load("post_events.v2.json")
        retracted = next(i for i, r in enumerate(old) if r["topic"] == "libops:Post.Retracted")
        assert new[: retracted + 1] == old[: retracted + 1]
        task = new[retracted + 1]
        assert (task["topic"], task["originator_id"], task["originator_version"]) == (
            "libops:Post.TakeDownRequested",
            str(OLD_POST),
            17,
        )
        rest = [(r["topic"], r["originator_id"]) for r in new[retracted + 2 :]]
        assert rest == [(r["topic"], r["originator_id"]) for r in old[retracted + 1 :]]

    def test_the_v2_task_decodes(self, fresh_ops: LibOps) -> None:
        """The task names Weibo, the published post's id there, and that staff must do it."""
        stored = stored_events(load("post_events.v2.json"))
        event = next(
            e
            for e in map(fresh_ops.app.mapper.to_domain_event, stored)
            if isinstance(e, Post.TakeDownRequested)
        )
        assert (event.platform, event.external_id, event.by_hand) == (
            Platform.WEIBO,
            "5040557670457632",
            True,
        )
        assert event.reason == "no weibo gateway that can take posts down is configured"
        post = _loaded(fresh_ops, "post_events.v2.json").app.load(Post, OLD_POST)
        assert post.status is PostStatus.RETRACTING
        assert post.live_platforms() == (Platform.WEIBO,)

    def test_an_old_retraction_still_reads_retracted(self, fresh_ops: LibOps) -> None:
        """A Retracted event recorded before take-downs existed, on a published post, reads
        as it always did: retracted, in the aggregate and in the listing, with no task."""
        ops = _loaded(fresh_ops, "post_events.json")
        post = ops.app.load(Post, OLD_POST)
        assert post.status is PostStatus.RETRACTED
        assert post.platform_status(Platform.WEIBO) is PlatformStatus.PUBLISHED
        assert post.open_take_downs() == ()
        assert ops.posts.open_take_downs() == []
        (row,) = ops.posts.list().items
        assert (row["status"], row["retracted"]) == ("retracted", True)
        assert "take_down" not in row["platforms"]["weibo"]

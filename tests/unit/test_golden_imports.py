"""The golden file of an analytics-export import (issue 11, part "importers"): posts
published outside libops, their counts, a re-import recording nothing and a correction, as
stored, written out by hand (tests/golden/regenerate.py says why)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from libops import LibOps
from libops.domain.followers import AccountFollowers, FollowerDay
from libops.domain.post import PlatformStatus, Post, PostStatus
from tests.golden.regenerate import GoldenKeyStore, load, stored_events

NAME = "import_events.json"
BY_URL = UUID("1b0e7000-0000-4000-8000-000000000001")
BY_TITLE = UUID("1b0e7000-0000-4000-8000-000000000002")

RECORDS = [
    ("libops:Post.Drafted", BY_URL, 1),
    ("libops:Post.RecordedExternally", BY_URL, 2),
    ("libops:Post.Published", BY_URL, 3),
    ("libops:Post.MetricsRecorded", BY_URL, 4),
    ("libops:Post.Drafted", BY_TITLE, 1),
    ("libops:Post.RecordedExternally", BY_TITLE, 2),
    ("libops:Post.Published", BY_TITLE, 3),
    ("libops:Post.MetricsRecorded", BY_TITLE, 4),
    ("libops:Post.MetricsCorrected", BY_URL, 5),
]


@pytest.fixture
def loaded() -> Iterator[LibOps]:
    with LibOps.open("memory://", keys=GoldenKeyStore()) as ops:
        ops.app.recorder.insert_events(stored_events(load(NAME)))
        yield ops


def _state(position: int) -> dict[str, object]:
    state = json.loads(load(NAME)[position]["state"])
    assert isinstance(state, dict)
    return state


def test_the_records_are_as_written() -> None:
    assert [
        (r["topic"], UUID(r["originator_id"]), r["originator_version"]) for r in load(NAME)
    ] == RECORDS
    assert set(_state(1)) == {"timestamp", "actor_id", "campaign_id"}
    assert _state(2)["receipt"] == {
        "_type_": "libops.PublishReceipt",
        "_data_": {
            "platform": "weibo",
            "external_id": "export-8aa3069b14bf45dfc56e4dc4",
            "url": "https://weibo.com/1234/AbCd",
            "published_at": "2026-03-02T02:00:00+00:00",
        },
    }
    assert _state(8)["lowered"] == ["reads"]


def test_the_posts_read_back(loaded: LibOps) -> None:
    first = loaded.posts.get(BY_URL)
    assert first.external
    assert first.status is PostStatus.APPROVED
    assert first.title == "春季书展开幕"
    assert first.platform_status("weibo") is PlatformStatus.PUBLISHED
    latest = first.latest_metrics("weibo")
    assert latest is not None
    assert (latest.reads, latest.likes) == (1500, 88)
    assert latest.observed_at == datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
    second = loaded.posts.get(BY_TITLE)
    receipt = second.receipt("weibo")
    assert receipt is not None
    assert (receipt.url, receipt.published_at) == ("", datetime(2026, 3, 5, 11, 30, tzinfo=UTC))
    # A post from before this event existed is not external.
    assert Post.external is False


FOLLOWERS = "account_follower_events.json"
WECHAT_FOLLOWERS = UUID("73d480d4-6c76-5c99-8395-f71ce60127c9")


def test_the_follower_records_are_as_written() -> None:
    assert [
        (r["topic"], UUID(r["originator_id"]), r["originator_version"]) for r in load(FOLLOWERS)
    ] == [
        ("libops:AccountFollowers.Opened", WECHAT_FOLLOWERS, 1),
        ("libops:AccountFollowers.DayRecorded", WECHAT_FOLLOWERS, 2),
        ("libops:AccountFollowers.DayRecorded", WECHAT_FOLLOWERS, 3),
        ("libops:AccountFollowers.DayRecorded", WECHAT_FOLLOWERS, 4),
    ]
    last = json.loads(load(FOLLOWERS)[3]["state"])
    del last["timestamp"]
    assert last == {
        "actor_id": "admin-1",
        "day": "2026-03-02",
        "gained": 6,
        "lost": 10,
        "net": -4,
        "total": 4807,
        "replaced": True,
    }
    assert AccountFollowers.id_for("wechat") == WECHAT_FOLLOWERS


def test_the_follower_days_read_back() -> None:
    with LibOps.open("memory://") as ops:
        ops.app.recorder.insert_events(stored_events(load(FOLLOWERS)))
        days = ops.imports.follower_days("wechat")
        assert days == [
            FollowerDay(date(2026, 3, 1), 21, 10, 11, 4811),
            FollowerDay(date(2026, 3, 2), 6, 10, -4, 4807),
        ]
        period = ops.imports.followers("wechat", date(2026, 3, 1), date(2026, 3, 2))
        assert (period.net, period.start_total, period.end_total) == (7, 4800, 4807)

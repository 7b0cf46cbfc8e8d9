"""Golden files: stored events written by earlier code still decode to the same events.

The expectations below are written out by hand, never read from the files, so a change of a
topic, a stored type name, a field name or a stored value format fails here. When such a
change is intended, read the docstring of tests/golden/regenerate.py first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from libops import (
    Actor,
    Campaign,
    CampaignKind,
    CampaignStatus,
    ContentType,
    Finding,
    FindingKind,
    Format,
    KolPartner,
    LibOps,
    Metric,
    MetricSnapshot,
    Money,
    Objective,
    Period,
    Platform,
    PlatformCalendar,
    PlatformStatus,
    Post,
    PostStatus,
    PostVariant,
    PublishReceipt,
    ReviewChecklist,
    Role,
)
from libops.domain.idempotency import IdempotencyRecord
from libops.domain.post import PublishFailure, Review
from tests.golden.inventory import aggregate_classes, recorded_event_classes
from tests.golden.regenerate import (
    GOLDEN_DIR,
    SCENARIOS,
    Golden,
    golden_files,
    load,
    render,
    stored_events,
)
from tests.helpers import count_events

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
WORLD_BOOK_DAY = UUID("ca000000-0000-4000-8000-000000000001")
READING_CLUB = UUID("ca000000-0000-4000-8000-000000000002")
IDEMPOTENCY_KEY = "golden-plan-world-book-day"
KEY_RECORD = UUID("bdb49f6d-a8a2-54b1-b644-54fb89374870")

BOOKWORM = KolPartner(
    "@bookworm",
    Platform.DOUYIN,
    120_000,
    ("2 short videos", "1 live stream"),
    Money(Decimal("8000.00"), "CNY"),
)
READERS_KW = KolPartner("@readers_kw", Platform.X, 4_500, (), Money(Decimal("250.500"), "KWD"))
READS = Objective(Metric.READS, Decimal(50000))
FOLLOWERS = Objective(Metric.FOLLOWERS_GAINED, Decimal(300), Platform.WECHAT)

# (event class, aggregate id, version, fields other than id, version and timestamp)
# Tuples in events come back from storage as lists: that is part of the stored format.
CAMPAIGN_EVENTS: list[tuple[type[Any], UUID, int, dict[str, Any]]] = [
    (
        Campaign.Planned,
        WORLD_BOOK_DAY,
        1,
        {
            "originator_topic": "libops:Campaign",
            "actor_id": "planner-1",
            "name": "World Book Day 2026",
            "kind": CampaignKind.TOPIC,
            "period": Period(date(2026, 4, 1), date(2026, 4, 30)),
            "platforms": [Platform.WEIBO, Platform.WECHAT],
            "objectives": [READS, FOLLOWERS],
            "hashtags": ["世界读书日", "WorldBookDay"],
            "description": "读书月: a month of reading events",
        },
    ),
    (
        IdempotencyRecord.Recorded,
        KEY_RECORD,
        1,
        {
            "originator_topic": "libops:IdempotencyRecord",
            "key": IDEMPOTENCY_KEY,
            "command": "campaign.plan",
            "fingerprint": "d4bb7995466596ea43254171c9abaa6ac90f13dc343e5c160fd9e4da16738818",
            "result": WORLD_BOOK_DAY,
        },
    ),
    (
        Campaign.Amended,
        WORLD_BOOK_DAY,
        2,
        {
            "actor_id": "planner-1",
            "name": "World Book Day 2026 · 世界读书日",
            "period": Period(date(2026, 4, 1), date(2026, 5, 5)),
            "platforms": None,
            "objectives": None,
            "hashtags": ["世界读书日", "WorldBookDay", "读书"],
            "description": None,
        },
    ),
    (Campaign.KolPartnerAdded, WORLD_BOOK_DAY, 3, {"actor_id": "planner-1", "partner": BOOKWORM}),
    (Campaign.KolPartnerAdded, WORLD_BOOK_DAY, 4, {"actor_id": "admin-1", "partner": READERS_KW}),
    (Campaign.Launched, WORLD_BOOK_DAY, 5, {"actor_id": "admin-1"}),
    (Campaign.Paused, WORLD_BOOK_DAY, 6, {"actor_id": "admin-1", "reason": "Weibo outage"}),
    (Campaign.Resumed, WORLD_BOOK_DAY, 7, {"actor_id": "admin-1"}),
    (Campaign.Completed, WORLD_BOOK_DAY, 8, {"actor_id": "admin-1"}),
    (
        Campaign.Planned,
        READING_CLUB,
        1,
        {
            "originator_topic": "libops:Campaign",
            "actor_id": "admin-1",
            "name": "Summer reading club",
            "kind": CampaignKind.READING_EVENT,
            "period": Period(date(2026, 7, 1), date(2026, 8, 31)),
            "platforms": [],
            "objectives": [],
            "hashtags": [],
            "description": "",
        },
    ),
    (
        Campaign.Cancelled,
        READING_CLUB,
        2,
        {"actor_id": "admin-1", "reason": "venue under renovation"},
    ),
]

# --- the post scenario -----------------------------------------------------------------

POST_CAMPAIGN = UUID("b0570000-0000-4000-8000-000000000001")
POST = UUID("b0570000-0000-4000-8000-000000000002")
WEIBO_CALENDAR = UUID("28451e0a-c2b4-5cb2-a7b5-a129f03f4082")
WECHAT_CALENDAR = UUID("6e984e00-514c-5773-a88d-09a76b5249e2")

COVER, LIST = "img/cover.jpg", "img/list.png"
WBD_LINK = "https://library.example.org/wbd2026"
WEIBO_DRAFT = PostVariant(
    Platform.WEIBO, "#世界读书日# 馆员推荐十本好书，咨询 13812345678", (COVER,)
)
WECHAT_DRAFT = PostVariant(
    Platform.WECHAT,
    "世界读书日｜馆员推荐的十本书。来信 zhang.san@example.org",
    (COVER, LIST),
    WBD_LINK,
)
WEIBO_FINAL = PostVariant(Platform.WEIBO, "#世界读书日# 馆员推荐十本好书", (COVER,))
WECHAT_FINAL = PostVariant(Platform.WECHAT, "世界读书日｜馆员推荐的十本书", (COVER, LIST), WBD_LINK)

PHONE_IN_BODY = Finding(FindingKind.MOBILE_NUMBER, "body", "138****5678")
SUPERLATIVE = Finding(FindingKind.SENSITIVE_WORD, "body", "最佳")
PHONE_ON_WEIBO = Finding(FindingKind.MOBILE_NUMBER, "variant:weibo", "138****5678")
EMAIL_ON_WECHAT = Finding(FindingKind.EMAIL_ADDRESS, "variant:wechat", "z***@example.org")
FIRST_FINDINGS = [PHONE_IN_BODY, SUPERLATIVE, PHONE_ON_WEIBO, EMAIL_ON_WECHAT]

NOT_PRIVATE = ReviewChecklist(accuracy=True, copyright=True, privacy=False, notes="电话与邮箱")
ALL_CLEAR = ReviewChecklist(accuracy=True, copyright=True, privacy=True, notes="")
CHANGES_COMMENT = "Remove the phone number and the e-mail address."
APPROVAL_COMMENT = "“最佳” names the list; fine."

WEIBO_SLOT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, as scheduled
FIRST_WECHAT_SLOT = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
WECHAT_SLOT = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)
PUBLISHED_AT = datetime(2026, 3, 2, 2, 0, 7, tzinfo=UTC)
FAILED_AT = datetime(2026, 3, 3, 4, 0, 3, tzinfo=UTC)
WEIBO_RECEIPT = PublishReceipt(
    Platform.WEIBO,
    "5040557670457632",
    "https://weibo.com/5790853339/Oh15B1V3a",
    PUBLISHED_AT,
)
WECHAT_ERROR = "freepublish/submit: errcode 45009, api freq out of limit"
FIRST_METRICS = MetricSnapshot(
    Platform.WEIBO,
    datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
    reads=2480,
    views=0,
    likes=51,
    comments=9,
    shares=7,
    favourites=4,
    followers_gained=5,
)
CORRECTED_METRICS = MetricSnapshot(
    Platform.WEIBO,
    datetime(2026, 3, 4, 8, 0, tzinfo=UTC),
    reads=2480,
    views=0,
    likes=49,
    comments=9,
    shares=7,
    favourites=4,
    followers_gained=6,
)
RETRACTION = "a listed book was withdrawn by its publisher"

# Every post event carries its campaign's id.
_LINKED = {"campaign_id": POST_CAMPAIGN}

POST_EVENTS: list[tuple[type[Any], UUID, int, dict[str, Any]]] = [
    (
        Campaign.Planned,
        POST_CAMPAIGN,
        1,
        {
            "originator_topic": "libops:Campaign",
            "actor_id": "planner-1",
            "name": "World Book Day 2026",
            "kind": CampaignKind.TOPIC,
            "period": Period(date(2026, 4, 1), date(2026, 4, 30)),
            "platforms": [Platform.WEIBO, Platform.WECHAT],
            "objectives": [],
            "hashtags": [],
            "description": "",
        },
    ),
    (
        Post.Drafted,
        POST,
        1,
        {
            "originator_topic": "libops:Post",
            "actor_id": "planner-1",
            **_LINKED,
            "title": "Ten books we loved · 馆员书单",
            "body": "年度最佳书单: ten books our librarians loved. 咨询电话 13812345678",
            "content_type": ContentType.KNOWLEDGE,
            "format": Format.IMAGE_TEXT,
            "variants": [WEIBO_DRAFT, WECHAT_DRAFT],
            "media": [COVER, LIST],
            "source": "Reader services, City Library",
            "licence": "CC BY 4.0",
        },
    ),
    (
        Post.Revised,
        POST,
        2,
        {
            "actor_id": "planner-2",
            **_LINKED,
            "title": "World Book Day: ten books we loved",
            "body": None,
            "variants": None,
            "media": None,
            "source": None,
            "licence": "",  # "" clears; None leaves as it was
        },
    ),
    (
        Post.SubmittedForReview,
        POST,
        3,
        {"actor_id": "planner-1", **_LINKED, "findings": FIRST_FINDINGS},
    ),
    (
        Post.ChangesRequested,
        POST,
        4,
        {
            "actor_id": "reviewer-1",
            **_LINKED,
            "checklist": NOT_PRIVATE,
            "findings": FIRST_FINDINGS,
            "comments": CHANGES_COMMENT,
        },
    ),
    (
        Post.Revised,
        POST,
        5,
        {
            "actor_id": "planner-1",
            **_LINKED,
            "title": None,
            "body": "年度最佳书单: ten books our librarians loved.",
            "variants": [WEIBO_FINAL, WECHAT_FINAL],
            "media": None,
            "source": None,
            "licence": None,
        },
    ),
    (
        Post.SubmittedForReview,
        POST,
        6,
        {"actor_id": "planner-1", **_LINKED, "findings": [SUPERLATIVE]},
    ),
    (
        Post.Approved,
        POST,
        7,
        {
            "actor_id": "reviewer-1",
            **_LINKED,
            "checklist": ALL_CLEAR,
            "findings": [SUPERLATIVE],
            "comments": APPROVAL_COMMENT,
        },
    ),
    (
        Post.Scheduled,
        POST,
        8,
        {"actor_id": "admin-1", **_LINKED, "platform": Platform.WEIBO, "at": WEIBO_SLOT},
    ),
    (
        PlatformCalendar.Opened,
        WEIBO_CALENDAR,
        1,
        {
            "originator_topic": "libops:PlatformCalendar",
            "actor_id": "admin-1",
            "platform": Platform.WEIBO,
        },
    ),
    (
        PlatformCalendar.SlotBooked,
        WEIBO_CALENDAR,
        2,
        {"actor_id": "admin-1", "post_id": POST, "at": WEIBO_SLOT},
    ),
    (
        Post.Scheduled,
        POST,
        9,
        {
            "actor_id": "planner-1",
            **_LINKED,
            "platform": Platform.WECHAT,
            "at": FIRST_WECHAT_SLOT,
        },
    ),
    (
        PlatformCalendar.Opened,
        WECHAT_CALENDAR,
        1,
        {
            "originator_topic": "libops:PlatformCalendar",
            "actor_id": "planner-1",
            "platform": Platform.WECHAT,
        },
    ),
    (
        PlatformCalendar.SlotBooked,
        WECHAT_CALENDAR,
        2,
        {"actor_id": "planner-1", "post_id": POST, "at": FIRST_WECHAT_SLOT},
    ),
    (
        Post.Unscheduled,
        POST,
        10,
        {"actor_id": "planner-1", **_LINKED, "platform": Platform.WECHAT},
    ),
    (
        PlatformCalendar.SlotWithdrawn,
        WECHAT_CALENDAR,
        3,
        {"actor_id": "planner-1", "post_id": POST},
    ),
    (
        Post.Scheduled,
        POST,
        11,
        {"actor_id": "planner-1", **_LINKED, "platform": Platform.WECHAT, "at": WECHAT_SLOT},
    ),
    (
        PlatformCalendar.SlotBooked,
        WECHAT_CALENDAR,
        4,
        {"actor_id": "planner-1", "post_id": POST, "at": WECHAT_SLOT},
    ),
    (
        Post.Published,
        POST,
        12,
        {"actor_id": "admin-1", **_LINKED, "receipt": WEIBO_RECEIPT},
    ),
    (
        PlatformCalendar.SlotReleased,
        WEIBO_CALENDAR,
        3,
        {"actor_id": "admin-1", "post_id": POST, "at": PUBLISHED_AT},
    ),
    (
        Post.PublishFailed,
        POST,
        13,
        {
            "actor_id": "tech-1",
            **_LINKED,
            "platform": Platform.WECHAT,
            "error": WECHAT_ERROR,
            "retryable": True,
            "at": FAILED_AT,
        },
    ),
    (
        Post.MetricsRecorded,
        POST,
        14,
        {"actor_id": "tech-1", **_LINKED, "snapshot": FIRST_METRICS},
    ),
    # The same counts again (observed 2026-03-03 20:00) recorded nothing.
    (
        Post.MetricsCorrected,
        POST,
        15,
        {
            "actor_id": "admin-1",
            **_LINKED,
            "snapshot": CORRECTED_METRICS,
            "lowered": ["likes"],
        },
    ),
    (Post.Retracted, POST, 16, {"actor_id": "admin-1", **_LINKED, "reason": RETRACTION}),
    (
        PlatformCalendar.SlotWithdrawn,
        WECHAT_CALENDAR,
        5,
        {"actor_id": "admin-1", "post_id": POST},
    ),
]

PENDING_AGGREGATES: set[str] = set()
"""Aggregates whose golden scenario is still to be written (see tests/golden/regenerate.py).
Remove an aggregate from here when its scenario is added; the test below says when."""


@pytest.fixture
def fresh_ops() -> Iterator[LibOps]:
    """A fresh application on an empty memory store."""
    with LibOps.open("memory://") as opened:
        yield opened


def _loaded(ops: LibOps, name: str) -> LibOps:
    """``ops`` with the stored events of golden file ``name`` inserted as they are."""
    ops.app.recorder.insert_events(stored_events(load(name)))
    return ops


def _assert_records(name: str, expected: list[tuple[type[Any], UUID, int, dict[str, Any]]]) -> None:
    """The topics, aggregate ids and versions of golden file ``name`` are ``expected``'s."""
    assert [
        (r["topic"], UUID(r["originator_id"]), r["originator_version"]) for r in load(name)
    ] == [(get_topic(cls), oid, version) for cls, oid, version, _ in expected]


def _assert_decodes(
    ops: LibOps, name: str, expected: list[tuple[type[Any], UUID, int, dict[str, Any]]]
) -> None:
    """Each record of golden file ``name`` decodes to exactly the expected event."""
    decoded = [ops.app.mapper.to_domain_event(stored) for stored in stored_events(load(name))]
    assert len(decoded) == len(expected)
    for minute, (event, (cls, oid, version, fields)) in enumerate(
        zip(decoded, expected, strict=True)
    ):
        assert type(event) is cls
        want = {
            "originator_id": oid,
            "originator_version": version,
            "timestamp": START + timedelta(minutes=minute),
            **fields,
        }
        assert vars(event) == want, (minute, cls)


class TestCampaignGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """Topics, aggregate ids and versions of the stored records are as expected."""
        _assert_records("campaign_events.json", CAMPAIGN_EVENTS)

    def test_stored_names_in_the_raw_state(self) -> None:
        """The stored JSON uses the fixed type names of the schema, not Python class paths."""
        planned = json.loads(load("campaign_events.json")[0]["state"])
        assert planned["kind"] == {"_type_": "libops.CampaignKind", "_data_": "topic"}
        assert planned["platforms"][0] == {"_type_": "libops.Platform", "_data_": "weibo"}
        assert planned["period"] == {
            "_type_": "libops.Period",
            "_data_": {"start": "2026-04-01", "end": "2026-04-30"},
        }
        assert planned["objectives"][1] == {
            "_type_": "libops.Objective",
            "_data_": {"metric": "followers_gained", "target": "300", "platform": "wechat"},
        }
        partner = json.loads(load("campaign_events.json")[4]["state"])["partner"]
        assert partner["_type_"] == "libops.KolPartner"
        assert partner["_data_"]["fee"] == {"amount": "250.500", "currency": "KWD"}

    def test_events_decode_to_the_expected_values(self, fresh_ops: LibOps) -> None:
        """Each stored record decodes to exactly the expected event, field by field."""
        _assert_decodes(fresh_ops, "campaign_events.json", CAMPAIGN_EVENTS)

    def test_world_book_day_reconstructs(self, fresh_ops: LibOps) -> None:
        """The completed campaign rebuilt from the golden events has the expected state."""
        campaign = _loaded(fresh_ops, "campaign_events.json").campaigns.get(WORLD_BOOK_DAY)
        assert campaign.id == WORLD_BOOK_DAY
        assert campaign.version == 8
        assert campaign.created_on == START
        assert campaign.modified_on == START + timedelta(minutes=8)
        assert campaign.planned_by == "planner-1"
        assert campaign.name == "World Book Day 2026 · 世界读书日"
        assert campaign.kind is CampaignKind.TOPIC
        assert campaign.period == Period(date(2026, 4, 1), date(2026, 5, 5))
        assert campaign.platforms == (Platform.WEIBO, Platform.WECHAT)
        assert campaign.objectives == (READS, FOLLOWERS)
        assert campaign.hashtags == ("世界读书日", "WorldBookDay", "读书")
        assert campaign.description == "读书月: a month of reading events"
        assert campaign.kol_partners == (BOOKWORM, READERS_KW)
        assert campaign.status is CampaignStatus.COMPLETED
        assert campaign.has_ended

    def test_reading_club_reconstructs(self, fresh_ops: LibOps) -> None:
        """The cancelled campaign rebuilt from the golden events has the expected state."""
        campaign = _loaded(fresh_ops, "campaign_events.json").campaigns.get(READING_CLUB)
        assert campaign.version == 2
        assert campaign.created_on == START + timedelta(minutes=9)
        assert campaign.name == "Summer reading club"
        assert campaign.kind is CampaignKind.READING_EVENT
        assert campaign.period == Period(date(2026, 7, 1), date(2026, 8, 31))
        assert (campaign.platforms, campaign.objectives, campaign.hashtags) == ((), (), ())
        assert campaign.kol_partners == ()
        assert campaign.status is CampaignStatus.CANCELLED

    def test_the_idempotency_record_still_answers(self, fresh_ops: LibOps) -> None:
        """Repeating the keyed command of the golden history returns its result, recording nothing.

        This pins the idempotency record's id (from its key) and the fingerprint of the
        command's arguments: changing either would make old keys useless.
        """
        ops = _loaded(fresh_ops, "campaign_events.json")
        assert IdempotencyRecord.id_for(IDEMPOTENCY_KEY) == KEY_RECORD
        before = count_events(ops)
        again = ops.campaigns.plan(
            Actor("planner-1", [Role.CONTENT_PLANNER], name="Li Na"),
            name="World Book Day 2026",
            kind="topic",
            period=Period(date(2026, 4, 1), date(2026, 4, 30)),
            platforms=["weibo", "wechat"],
            objectives=[READS, FOLLOWERS],
            hashtags=["#世界读书日", "WorldBookDay"],
            description="读书月: a month of reading events",
            idempotency_key=IDEMPOTENCY_KEY,
        )
        assert again == WORLD_BOOK_DAY
        assert count_events(ops) == before


class TestPostGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """Topics, aggregate ids and versions of the stored records are as expected."""
        _assert_records("post_events.json", POST_EVENTS)

    def test_calendar_ids_derive_from_the_platform(self) -> None:
        """A platform's calendar has the same id in every store: changing it orphans history."""
        assert PlatformCalendar.id_for(Platform.WEIBO) == WEIBO_CALENDAR
        assert PlatformCalendar.id_for("wechat") == WECHAT_CALENDAR

    def test_stored_names_in_the_raw_state(self) -> None:
        """Post values are stored under their fixed names; times as UTC, ids as hex."""
        records = load("post_events.json")
        drafted = json.loads(records[1]["state"])
        assert drafted["campaign_id"] == {
            "_type_": "uuid_hex",
            "_data_": "b0570000000040008000000000000001",
        }
        assert drafted["content_type"] == {"_type_": "libops.ContentType", "_data_": "knowledge"}
        assert drafted["format"] == {"_type_": "libops.Format", "_data_": "image_text"}
        assert drafted["variants"][1] == {
            "_type_": "libops.PostVariant",
            "_data_": {
                "platform": "wechat",
                "text": "世界读书日｜馆员推荐的十本书。来信 zhang.san@example.org",
                "media": ["img/cover.jpg", "img/list.png"],
                "link": "https://library.example.org/wbd2026",
            },
        }
        submitted = json.loads(records[3]["state"])
        assert submitted["findings"][3] == {
            "_type_": "libops.Finding",
            "_data_": {
                "kind": "email_address",
                "where": "variant:wechat",
                "excerpt": "z***@example.org",
            },
        }
        changes = json.loads(records[4]["state"])
        assert changes["checklist"] == {
            "_type_": "libops.ReviewChecklist",
            "_data_": {
                "accuracy": True,
                "copyright": True,
                "privacy": False,
                "notes": "电话与邮箱",
            },
        }
        scheduled = json.loads(records[8]["state"])  # given as 10:00 in Beijing
        assert scheduled["at"] == {"_type_": "datetime_iso", "_data_": "2026-03-02T02:00:00+00:00"}
        booked = json.loads(records[10]["state"])
        assert booked["post_id"] == {
            "_type_": "uuid_hex",
            "_data_": "b0570000000040008000000000000002",
        }
        published = json.loads(records[18]["state"])
        assert published["receipt"] == {
            "_type_": "libops.PublishReceipt",
            "_data_": {
                "platform": "weibo",
                "external_id": "5040557670457632",
                "url": "https://weibo.com/5790853339/Oh15B1V3a",
                "published_at": "2026-03-02T02:00:07+00:00",
            },
        }
        corrected = json.loads(records[22]["state"])
        assert corrected["snapshot"] == {
            "_type_": "libops.MetricSnapshot",
            "_data_": {
                "platform": "weibo",
                "observed_at": "2026-03-04T08:00:00+00:00",
                "reads": 2480,
                "views": 0,
                "likes": 49,
                "comments": 9,
                "shares": 7,
                "favourites": 4,
                "followers_gained": 6,
            },
        }
        assert corrected["lowered"] == ["likes"]

    def test_events_decode_to_the_expected_values(self, fresh_ops: LibOps) -> None:
        """Each stored record decodes to exactly the expected event, field by field."""
        _assert_decodes(fresh_ops, "post_events.json", POST_EVENTS)

    def test_the_post_reconstructs(self, fresh_ops: LibOps) -> None:
        """The retracted post rebuilt from the golden events has the expected state."""
        post = _loaded(fresh_ops, "post_events.json").posts.get(POST)
        assert post.id == POST
        assert post.version == 16
        assert post.created_on == START + timedelta(minutes=1)
        assert post.modified_on == START + timedelta(minutes=23)
        assert post.campaign_id == POST_CAMPAIGN
        assert post.author_id == "planner-1"
        assert post.authors == frozenset({"planner-1", "planner-2"})
        assert post.title == "World Book Day: ten books we loved"
        assert post.body == "年度最佳书单: ten books our librarians loved."
        assert post.content_type is ContentType.KNOWLEDGE
        assert post.format is Format.IMAGE_TEXT
        assert post.platforms == (Platform.WEIBO, Platform.WECHAT)
        assert post.variants == (WEIBO_FINAL, WECHAT_FINAL)
        assert post.variant("wechat") == WECHAT_FINAL
        assert post.media == (COVER, LIST)
        assert post.source == "Reader services, City Library"
        assert post.licence is None
        assert post.status is PostStatus.RETRACTED
        assert post.retraction_reason == RETRACTION
        assert post.findings == (SUPERLATIVE,)
        assert post.reviews == (
            Review("reviewer-1", False, NOT_PRIVATE, tuple(FIRST_FINDINGS), CHANGES_COMMENT),
            Review("reviewer-1", True, ALL_CLEAR, (SUPERLATIVE,), APPROVAL_COMMENT),
        )
        assert post.last_review == post.reviews[1]

    def test_the_post_reconstructs_per_platform(self, fresh_ops: LibOps) -> None:
        """Each platform's status, slot, receipt, failure and metrics are as recorded."""
        post = _loaded(fresh_ops, "post_events.json").posts.get(POST)
        assert post.platform_status("weibo") is PlatformStatus.PUBLISHED
        assert post.scheduled_at("weibo") == WEIBO_SLOT  # kept: it went out
        assert post.receipt("weibo") == WEIBO_RECEIPT
        assert post.last_failure("weibo") is None
        assert post.latest_metrics("weibo") == CORRECTED_METRICS
        assert post.publish_key("weibo") == "b0570000-0000-4000-8000-000000000002:weibo"
        assert post.platform_status("wechat") is PlatformStatus.FAILED
        assert post.scheduled_at("wechat") is None  # freed by the retraction
        assert post.receipt("wechat") is None
        assert post.last_failure("wechat") == PublishFailure(WECHAT_ERROR, True, FAILED_AT)
        assert post.latest_metrics("wechat") is None

    def test_the_weibo_calendar_reconstructs(self, fresh_ops: LibOps) -> None:
        """Weibo's calendar has no booked slot, and keeps the published time for cadence."""
        ops = _loaded(fresh_ops, "post_events.json")
        calendar = ops.app.load(PlatformCalendar, WEIBO_CALENDAR, "platform calendar")
        assert calendar.version == 3
        assert calendar.created_on == START + timedelta(minutes=9)
        assert calendar.modified_on == START + timedelta(minutes=19)
        assert calendar.platform is Platform.WEIBO
        assert calendar.slots() == []
        assert calendar.slot(POST) is None
        assert calendar.due(datetime(2026, 4, 1, tzinfo=UTC)) == []
        assert calendar.occupied() == [PUBLISHED_AT]
        assert calendar.occupied(excluding=POST) == []
        assert ops.posts.calendar("weibo") == []

    def test_the_wechat_calendar_reconstructs(self, fresh_ops: LibOps) -> None:
        """WeChat's calendar was booked twice and withdrawn twice: nothing is left on it."""
        ops = _loaded(fresh_ops, "post_events.json")
        calendar = ops.app.load(PlatformCalendar, WECHAT_CALENDAR, "platform calendar")
        assert calendar.version == 5
        assert calendar.created_on == START + timedelta(minutes=12)
        assert calendar.modified_on == START + timedelta(minutes=24)
        assert calendar.platform is Platform.WECHAT
        assert calendar.slots() == []
        assert calendar.slot(POST) is None
        assert calendar.occupied() == []
        assert ops.posts.calendar("wechat") == []

    def test_the_campaign_reconstructs(self, fresh_ops: LibOps) -> None:
        """The campaign the post is linked to loads from the same file."""
        campaign = _loaded(fresh_ops, "post_events.json").campaigns.get(POST_CAMPAIGN)
        assert campaign.version == 1
        assert campaign.name == "World Book Day 2026"
        assert campaign.status is CampaignStatus.PLANNED


class TestEveryGoldenFile:
    def test_there_are_golden_files(self) -> None:
        """Every scenario's file exists (run python -m tests.golden.regenerate if not)."""
        on_disk = {path.name for path in golden_files()}
        assert {golden.name for golden in SCENARIOS} <= on_disk

    @pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
    def test_decodes_and_encodes_back_the_same(self, path: Path, fresh_ops: LibOps) -> None:
        """Every stored record decodes with a fresh application and encodes back identically."""
        for stored in stored_events(load(path.name)):
            event = fresh_ops.app.mapper.to_domain_event(stored)
            again = fresh_ops.app.mapper.to_stored_event(event)
            assert (again.topic, again.state) == (stored.topic, stored.state)

    @pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
    def test_every_aggregate_reconstructs(self, path: Path, fresh_ops: LibOps) -> None:
        """Every aggregate in a golden file loads from its events, at its last version."""
        records = load(path.name)
        _loaded(fresh_ops, path.name)
        last: dict[UUID, int] = {}
        for record in records:
            last[UUID(record["originator_id"])] = record["originator_version"]
        for aggregate_id, version in last.items():
            assert fresh_ops.app.repository.get(aggregate_id).version == version

    @pytest.mark.parametrize("golden", SCENARIOS, ids=lambda g: g.name)
    def test_the_code_writes_the_golden_form_today(self, golden: Golden) -> None:
        """Running the scenario now stores exactly what the golden file holds.

        If this fails after an intended change of the stored form, read the docstring of
        tests/golden/regenerate.py: keep the old file, add upcasters, then regenerate.
        """
        assert render(golden) == (GOLDEN_DIR / golden.name).read_text(encoding="utf-8")

    def test_every_event_class_has_a_golden_record(self) -> None:
        """Each event class of each aggregate in libops.domain appears in some golden file."""
        stored_topics = {record["topic"] for path in golden_files() for record in load(path.name)}
        missing = sorted(
            get_topic(event_class)
            for aggregate in aggregate_classes()
            if get_topic(aggregate) not in PENDING_AGGREGATES
            for event_class in recorded_event_classes(aggregate)
            if get_topic(event_class) not in stored_topics
        )
        assert missing == [], "add them to a scenario in tests/golden/regenerate.py"

    def test_pending_aggregates_are_still_pending(self) -> None:
        """An aggregate listed as pending has no golden records yet (else un-list it)."""
        stored_topics = {record["topic"] for path in golden_files() for record in load(path.name)}
        covered = {
            pending
            for pending in PENDING_AGGREGATES
            if any(topic.startswith(pending + ".") for topic in stored_topics)
        }
        assert covered == set(), "remove these from PENDING_AGGREGATES in this file"

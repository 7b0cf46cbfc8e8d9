"""The media library's golden file (``media_events.json``) decodes to the events written out
here by hand, and the assets and the post's findings reconstruct from it (see
tests/golden/regenerate.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from libops import LibOps, Platform, ReviewChecklist
from libops.domain.media import Licence, LicenceKind, MediaAsset, MediaKind, MediaStatus
from libops.domain.post import Post
from libops.domain.review import REVIEW_ITEMS_ID, ReviewItem, ReviewItems
from libops.domain.values import Finding, FindingKind
from tests.golden.regenerate import load, stored_events

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
PHOTO = UUID("3ed1a000-0000-4000-8000-000000000001")
TRACK = UUID("3ed1a000-0000-4000-8000-000000000002")
POST = UUID("3ed1a000-0000-4000-8000-000000000003")

CC_LICENCE: dict[str, Any] = {
    "kind": "creative_commons",
    "holder": "Shanghai-Lib",
    "cc_id": "CC BY 4.0",
    "reference": "https://creativecommons.org/licenses/by/4.0/",
    "expires_on": "2026-04-30",
    "platforms": ["weibo"],
    "attribution": "Photo: Shanghai-Lib, CC BY 4.0",
}
PURCHASED: dict[str, Any] = {
    "kind": "purchased",
    "holder": "Visual China",
    "cc_id": None,
    "reference": "VC-2026-0418",
    "expires_on": None,
    "platforms": [],
    "attribution": None,
}
PUBLIC_DOMAIN: dict[str, Any] = {
    "kind": "public_domain",
    "holder": None,
    "cc_id": None,
    "reference": None,
    "expires_on": None,
    "platforms": [],
    "attribution": None,
}
WITHDRAWN = "the recording itself is not in the public domain"

MEDIA_EVENTS: dict[int, tuple[type[Any], UUID, int, dict[str, Any]]] = {
    0: (
        MediaAsset.Registered,
        PHOTO,
        1,
        {
            "originator_topic": "libops:MediaAsset",
            "actor_id": "planner-1",
            "title": "阅览室 · Reading room",
            "kind": "image",
            "source": "Wikimedia Commons, user Shanghai-Lib",
            "content_ref": "sha256:" + "5e" * 32,
            "licence": CC_LICENCE,
        },
    ),
    1: (MediaAsset.LicenceUpdated, PHOTO, 2, {"actor_id": "admin-1", "licence": PURCHASED}),
    2: (
        MediaAsset.Registered,
        TRACK,
        1,
        {
            "originator_topic": "libops:MediaAsset",
            "actor_id": "planner-1",
            "title": "Für Elise",
            "kind": "music",
            "source": "Musopen recording",
            "content_ref": "https://media.example.org/elise.mp3",
            "licence": PUBLIC_DOMAIN,
        },
    ),
    3: (MediaAsset.Withdrawn, TRACK, 2, {"actor_id": "admin-1", "reason": WITHDRAWN}),
    5: (
        Post.SubmittedForReview,
        POST,
        2,
        {
            "actor_id": "planner-1",
            "campaign_id": None,
            "findings": [Finding(FindingKind.MEDIA_WITHDRAWN, f"media:{TRACK}", WITHDRAWN)],
        },
    ),
    6: (
        ReviewItems.Started,
        REVIEW_ITEMS_ID,
        1,
        {
            "originator_topic": "libops:ReviewItems",
            "actor_id": "admin-1",
        },
    ),
    7: (
        ReviewItems.ItemDefined,
        REVIEW_ITEMS_ID,
        2,
        {
            "actor_id": "admin-1",
            "key": "orientation",
            "label_en": "Orientation",
            "label_zh": "导向",
        },
    ),
    8: (
        Post.ChangesRequested,
        POST,
        3,
        {
            "actor_id": "reviewer-1",
            "campaign_id": None,
            "checklist": ReviewChecklist(accuracy=True, copyright=False, privacy=True),
            "findings": [Finding(FindingKind.MEDIA_WITHDRAWN, f"media:{TRACK}", WITHDRAWN)],
            "comments": "the track may not be used: swap it",
            "answers": {"orientation": "not_applicable"},
        },
    ),
}
"""The events of the file by position (4: the post drafted)."""


@pytest.fixture
def fresh_ops() -> Iterator[LibOps]:
    with LibOps.open("memory://") as opened:
        yield opened


def test_the_file_holds_the_expected_records() -> None:
    records = load("media_events.json")
    assert [r["topic"] for r in records] == [
        "libops:MediaAsset.Registered",
        "libops:MediaAsset.LicenceUpdated",
        "libops:MediaAsset.Registered",
        "libops:MediaAsset.Withdrawn",
        "libops:Post.Drafted",
        "libops:Post.SubmittedForReview",
        "libops:ReviewItems.Started",
        "libops:ReviewItems.ItemDefined",
        "libops:Post.ChangesRequested",
    ]


def test_media_events_decode_to_the_expected_values(fresh_ops: LibOps) -> None:
    decoded = [
        fresh_ops.app.mapper.to_domain_event(stored)
        for stored in stored_events(load("media_events.json"))
    ]
    for position, (cls, originator, version, fields) in MEDIA_EVENTS.items():
        event = decoded[position]
        assert type(event) is cls
        assert vars(event) == {
            "originator_id": originator,
            "originator_version": version,
            "timestamp": START + timedelta(minutes=position),
            **fields,
        }


def test_the_assets_reconstruct(fresh_ops: LibOps) -> None:
    fresh_ops.app.recorder.insert_events(stored_events(load("media_events.json")))
    photo = fresh_ops.media.get(PHOTO)
    assert (photo.kind, photo.status, photo.title) == (
        MediaKind.IMAGE,
        MediaStatus.ACTIVE,
        "阅览室 · Reading room",
    )
    assert photo.licence == Licence(
        kind=LicenceKind.PURCHASED, holder="Visual China", reference="VC-2026-0418"
    )
    assert photo.licence.allows(Platform.WECHAT)
    track = fresh_ops.media.get(TRACK)
    assert (track.kind, track.status, track.withdraw_reason) == (
        MediaKind.MUSIC,
        MediaStatus.WITHDRAWN,
        WITHDRAWN,
    )
    assert track.licence.kind is LicenceKind.PUBLIC_DOMAIN
    assert [a.id for a in fresh_ops.media.list()] == [TRACK, PHOTO]  # by title
    post = fresh_ops.posts.get(POST)
    assert [(f.kind, f.where) for f in post.findings] == [
        (FindingKind.MEDIA_WITHDRAWN, f"media:{TRACK}")
    ]
    assert photo.licence.valid_on(date(2099, 1, 1))
    assert fresh_ops.review_items.list() == (ReviewItem("orientation", "Orientation", "导向"),)
    assert post.reviews[-1].answers == {"orientation": "not_applicable"}

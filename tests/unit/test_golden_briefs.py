"""The content briefs' golden file (``brief_events.json``) decodes to the events written out
here by hand, and the briefs reconstruct from it (see tests/golden/regenerate.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from libops import ContentType, Format, LibOps, Platform
from libops.domain.brief import BriefReference, BriefStatus, ContentBrief, ReferenceKind
from tests.golden.regenerate import load, stored_events

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
CAMPAIGN = UUID("b41ef000-0000-4000-8000-000000000001")
BRIEF = UUID("b41ef000-0000-4000-8000-000000000002")
POST = UUID("b41ef000-0000-4000-8000-000000000003")
DROPPED = UUID("b41ef000-0000-4000-8000-000000000004")

BRIEF_EVENTS: dict[int, tuple[type[Any], UUID, int, dict[str, Any]]] = {
    1: (
        ContentBrief.Proposed,
        BRIEF,
        1,
        {
            "originator_topic": "libops:ContentBrief",
            "actor_id": "planner-1",
            "title": "诗歌入门书单 · Poetry picks",
            "need": "Readers keep asking where to start with poetry.",
            "references": [
                {"kind": "question", "note": "12 questions about poetry in March", "ref": "q-118"},
                {"kind": "survey", "note": "survey: 38% want reading lists", "ref": "survey-3"},
                {"kind": "figure", "note": "reads of last year's list: 18,400", "ref": None},
                {"kind": "note", "note": "staff note", "ref": None},
            ],
            "platforms": [Platform.WEIBO, Platform.WECHAT],
            "content_type": ContentType.KNOWLEDGE,
            "format": Format.IMAGE_TEXT,
            "campaign_id": CAMPAIGN,
        },
    ),
    2: (
        ContentBrief.Planned,
        BRIEF,
        2,
        {"actor_id": "planner-1", "due_on": "2026-04-20", "assignee": "planner-2"},
    ),
    3: (
        ContentBrief.Replanned,
        BRIEF,
        3,
        {"actor_id": "admin-1", "due_on": "2026-04-18", "assignee": "planner-1"},
    ),
    4: (ContentBrief.ProductionStarted, BRIEF, 4, {"actor_id": "planner-1"}),
    6: (ContentBrief.Drafted, BRIEF, 5, {"actor_id": "planner-1", "post_id": POST}),
    7: (
        ContentBrief.Proposed,
        DROPPED,
        1,
        {
            "originator_topic": "libops:ContentBrief",
            "actor_id": "admin-1",
            "title": "Night reading live",
            "need": "Late readers",
            "references": [],
            "platforms": [],
            "content_type": ContentType.INTERACTIVE,
            "format": Format.LIVE,
            "campaign_id": None,
        },
    ),
    8: (
        ContentBrief.Dropped,
        DROPPED,
        2,
        {"actor_id": "admin-1", "reason": "no presenter this month"},
    ),
}
"""The brief events of the file by position (0: the campaign, 5: the post drafted)."""


@pytest.fixture
def fresh_ops() -> Iterator[LibOps]:
    with LibOps.open("memory://") as opened:
        yield opened


def test_the_file_holds_the_expected_records() -> None:
    records = load("brief_events.json")
    assert [r["topic"] for r in records] == [
        "libops:Campaign.Planned",
        "libops:ContentBrief.Proposed",
        "libops:ContentBrief.Planned",
        "libops:ContentBrief.Replanned",
        "libops:ContentBrief.ProductionStarted",
        "libops:Post.Drafted",
        "libops:ContentBrief.Drafted",
        "libops:ContentBrief.Proposed",
        "libops:ContentBrief.Dropped",
    ]


def test_brief_events_decode_to_the_expected_values(fresh_ops: LibOps) -> None:
    decoded = [
        fresh_ops.app.mapper.to_domain_event(stored)
        for stored in stored_events(load("brief_events.json"))
    ]
    for position, (cls, originator, version, fields) in BRIEF_EVENTS.items():
        event = decoded[position]
        assert type(event) is cls
        assert vars(event) == {
            "originator_id": originator,
            "originator_version": version,
            "timestamp": START + timedelta(minutes=position),
            **fields,
        }


def test_the_briefs_reconstruct(fresh_ops: LibOps) -> None:
    fresh_ops.app.recorder.insert_events(stored_events(load("brief_events.json")))
    brief = fresh_ops.briefs.get(BRIEF)
    assert (brief.status, brief.due_on, brief.assignee, brief.post_id) == (
        BriefStatus.DRAFTED,
        date(2026, 4, 18),
        "planner-1",
        POST,
    )
    assert brief.platforms == (Platform.WEIBO, Platform.WECHAT)
    assert brief.campaign_id == CAMPAIGN
    assert brief.references[0] == BriefReference(
        "12 questions about poetry in March", ReferenceKind.QUESTION, "q-118"
    )
    assert brief.references[3] == BriefReference("staff note")
    dropped = fresh_ops.briefs.get(DROPPED)
    assert (dropped.status, dropped.drop_reason, dropped.platforms) == (
        BriefStatus.DROPPED,
        "no presenter this month",
        (),
    )
    assert [b.id for b in fresh_ops.briefs.list()] == [BRIEF, DROPPED]

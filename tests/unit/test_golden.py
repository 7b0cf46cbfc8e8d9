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
    KolPartner,
    LibOps,
    Metric,
    Money,
    Objective,
    Period,
    Platform,
    Role,
)
from libops.domain.idempotency import IdempotencyRecord
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

PENDING_AGGREGATES = {"libops:Post", "libops:PlatformCalendar"}
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


class TestCampaignGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """Topics, aggregate ids and versions of the stored records are as expected."""
        records = load("campaign_events.json")
        assert [
            (r["topic"], UUID(r["originator_id"]), r["originator_version"]) for r in records
        ] == [(get_topic(cls), oid, version) for cls, oid, version, _ in CAMPAIGN_EVENTS]

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
        decoded = [
            fresh_ops.app.mapper.to_domain_event(stored)
            for stored in stored_events(load("campaign_events.json"))
        ]
        assert len(decoded) == len(CAMPAIGN_EVENTS)
        for minute, (event, (cls, oid, version, fields)) in enumerate(
            zip(decoded, CAMPAIGN_EVENTS, strict=True)
        ):
            assert type(event) is cls
            expected = {
                "originator_id": oid,
                "originator_version": version,
                "timestamp": START + timedelta(minutes=minute),
                **fields,
            }
            assert vars(event) == expected, cls

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

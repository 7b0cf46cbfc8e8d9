"""The event log the projection engine reads: the same notifications and events as
eventsourcing's recorder and mapper give, on every kind of store (on SQLite, read by the
log itself)."""

from __future__ import annotations

import gc
import sqlite3
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.persistence import Mapper, StoredEvent

from libops import Actor, LibOps
from libops.adapters import eventlog
from libops.adapters.eventlog import EventDecoder, StoredNotification
from libops.domain.errors import StorageError
from libops.domain.values import Objective, Period
from libops.projections import ProjectionEngine
from libops.projections.standard import standard_projections
from tests.golden.regenerate import golden_files, load, stored_events

PERIOD = Period(date(2026, 4, 1), date(2026, 4, 30))


def history(ops: LibOps, planner: Actor, admin: Actor) -> None:
    """A few campaigns with several events each (so aggregate ids repeat)."""
    for number in range(6):
        campaign = ops.campaigns.plan(
            planner,
            name=f"Campaign {number}",
            kind="topic",
            period=PERIOD,
            platforms=["weibo", "wechat"],
            objectives=[Objective("reads", 500)],
        )
        ops.campaigns.amend(planner, campaign, name=f"Campaign {number}, amended")
        if number % 2:
            ops.campaigns.launch(admin, campaign)
        else:
            ops.campaigns.cancel(admin, campaign, "not this year")


def as_rows(notifications: Any) -> list[tuple[Any, ...]]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in notifications]


class TestEventLogReads:
    @pytest.mark.parametrize(
        ("start", "limit", "stop", "topic_names"),
        [
            (0, 1_000, None, ()),
            (0, 5, None, ()),
            (3, 7, None, ()),
            (0, 1_000, 9, ()),
            (0, 1_000, None, ("Campaign.Amended",)),
            (2, 3, 20, ("Campaign.Launched", "Campaign.Cancelled")),
            (0, 1_000, None, ("Campaign.Nothing",)),
            (10_000, 10, None, ()),
        ],
    )
    def test_the_same_notifications_as_the_recorder(
        self,
        ops: LibOps,
        planner: Actor,
        admin: Actor,
        start: int,
        limit: int,
        stop: int | None,
        topic_names: tuple[str, ...],
    ) -> None:
        """Every slice of the log (after ``start``, up to ``stop``, of some topics) holds the
        notifications eventsourcing's recorder selects, decoded to equal events."""
        history(ops, planner, admin)
        topics = tuple(f"libops:{name}" for name in topic_names)
        log = ops.event_log()
        read = log.select_notifications(start, limit, stop=stop, topics=topics)
        expected = ops.app.recorder.select_notifications(
            start, limit, stop=stop, topics=topics, inclusive_of_start=False
        )
        assert as_rows(read) == as_rows(expected)
        assert [log.to_domain_event(n) for n in read] == [
            ops.app.mapper.to_domain_event(n) for n in expected
        ]

    def test_sqlite_notifications_are_plain_rows(
        self, tmp_path: object, planner: Actor, admin: Actor
    ) -> None:
        """On SQLite the log makes its own light notifications, one UUID per aggregate."""
        with LibOps.open(f"sqlite:///{tmp_path}/libops.db", migrate=True) as ops:
            history(ops, planner, admin)
            read = ops.event_log().select_notifications(0, 1_000)
            assert read
            rows = [n for n in read if isinstance(n, StoredNotification)]
            assert len(rows) == len(read)
            by_aggregate: dict[Any, set[int]] = {}
            for notification in rows:
                by_aggregate.setdefault(notification.originator_id, set()).add(
                    id(notification.originator_id)
                )
            assert all(len(objects) == 1 for objects in by_aggregate.values())

    def test_a_malformed_aggregate_id_is_a_failure_to_read_the_log(
        self, tmp_path: object, planner: Actor, admin: Actor
    ) -> None:
        """A stored aggregate id that is not a UUID fails the read itself (the engine says
        it cannot read the log), not the applying of the page later."""
        with LibOps.open(f"sqlite:///{tmp_path}/libops.db", migrate=True) as ops:
            history(ops, planner, admin)
            with sqlite3.connect(f"{tmp_path}/libops.db") as connection:
                connection.execute(
                    "UPDATE stored_events SET originator_id = 'not-a-uuid' WHERE rowid = 3"
                )
            log = ops.event_log()
            with pytest.raises(ValueError, match="badly formed"):
                log.select_notifications(0, 1_000)
            with (
                ProjectionEngine(ops, standard_projections()) as engine,
                pytest.raises(StorageError, match="cannot read the event log"),
            ):
                engine.run()

    def test_a_sqlite_page_makes_its_notifications_as_asked(
        self, tmp_path: object, planner: Actor, admin: Actor
    ) -> None:
        """A SQLite page holds SQLite's plain rows, which the garbage collector stops
        tracking, and makes each notification when it is asked for: by index (from the end
        too), by slice or in turn, the same ones every way."""
        with LibOps.open(f"sqlite:///{tmp_path}/libops.db", migrate=True) as ops:
            history(ops, planner, admin)
            read = ops.event_log().select_notifications(0, 1_000)
            listed = list(read)
            assert len(listed) == len(read) > 3
            assert [read[index] for index in range(len(read))] == listed
            assert read[-1] == listed[-1]
            assert read[1:3] == listed[1:3]
            with pytest.raises(IndexError):
                read[len(read)]
            gc.collect()
            held = [row for part in gc.get_referents(read) if type(part) is list for row in part]
            assert len(held) == len(read)
            assert not any(gc.is_tracked(row) for row in held)


def _golden_events() -> list[StoredEvent]:
    return [stored for path in golden_files() for stored in stored_events(load(path.name))]


def _decoded(event: Any) -> tuple[type[Any], list[tuple[str, Any]]]:
    """An event's class and its fields in order."""
    return type(event), list(vars(event).items())


class TestEventDecoder:
    def test_golden_events_decode_as_the_mapper_decodes_them(self, memory_ops: LibOps) -> None:
        """Every event of every golden file decodes to the mapper's event: the same class and
        the same fields, in the same order."""
        mapper = memory_ops.app.mapper
        decode = EventDecoder(mapper)
        stored = _golden_events()
        assert [_decoded(decode(s)) for s in stored] == [
            _decoded(mapper.to_domain_event(s)) for s in stored
        ]

    def test_decoded_events_are_the_same_when_values_are_forgotten(
        self, memory_ops: LibOps, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Values remembered between events are forgotten when too many, with no change."""
        monkeypatch.setattr(eventlog, "_VALUES_KEPT", 2)
        mapper = memory_ops.app.mapper
        decode = EventDecoder(mapper)
        stored = _golden_events()
        assert [_decoded(decode(s)) for s in stored] == [
            _decoded(mapper.to_domain_event(s)) for s in stored
        ]

    def test_repeated_immutable_values_are_shared(self, memory_ops: LibOps) -> None:
        """A campaign id stored again by later events is the one decoded before."""
        decode = EventDecoder(memory_ops.app.mapper)
        posts = [decode(s) for s in _golden_events() if s.topic.startswith("libops:Post.")]
        by_campaign: dict[Any, list[int]] = {}
        for post_event in posts:
            by_campaign.setdefault(post_event.campaign_id, []).append(id(post_event.campaign_id))
        assert max(len(objects) for objects in by_campaign.values()) > 1
        assert all(len(set(objects)) == 1 for objects in by_campaign.values())

    def test_a_compressed_store_is_left_to_the_mapper(self, memory_ops: LibOps) -> None:
        """With a compressor (or a cipher) the mapper decodes: the decoder does not guess."""
        mapper: Mapper[UUID] = Mapper(memory_ops.app.mapper.transcoder, compressor=ZlibCompressor())
        decode = EventDecoder(mapper)
        stored = [
            mapper.to_stored_event(memory_ops.app.mapper.to_domain_event(s))
            for s in _golden_events()[:20]
        ]
        assert [_decoded(decode(s)) for s in stored] == [
            _decoded(mapper.to_domain_event(s)) for s in stored
        ]

    def test_text_with_spaces_around_decodes(self, memory_ops: LibOps) -> None:
        """Stored text the scanner does not end on (spaces after it) decodes as usual."""
        mapper = memory_ops.app.mapper
        original = _golden_events()[0]
        stored = StoredEvent(
            original.originator_id,
            original.originator_version,
            original.topic,
            b" " + original.state + b" \n",
        )
        assert _decoded(EventDecoder(mapper)(stored)) == _decoded(mapper.to_domain_event(stored))

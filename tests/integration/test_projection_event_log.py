"""The event log the projection engine reads: the same notifications and events as
eventsourcing's recorder and mapper give, on every kind of store (on SQLite, read by the
log itself)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from libops import Actor, LibOps
from libops.adapters.eventlog import StoredNotification
from libops.domain.values import Objective, Period

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

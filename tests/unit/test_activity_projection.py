"""The activity log projection: who did what, when, on which aggregate, never personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import attrs
import pytest

from libops import Actor, LibOps, Objective, Period
from libops.adapters.clock import ManualClock
from libops.domain.errors import InvalidValueError
from libops.domain.personal import Consent, PersonalInfo
from libops.projections import ProjectionEngine
from libops.projections.activity import (
    ENTRY_FIELDS,
    PAGE_SIZE,
    PERSONAL,
    ActivityLogProjection,
    entries,
    entry,
    expand,
    page_key,
    summarised,
    summary,
)

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
CONSENT = Consent("World Book Day activities", datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
ASKER = PersonalInfo(name="王小明", handle="@wang_xm", contact="13812340001")


def history(ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor) -> tuple[str, str]:
    """Plan and launch a campaign, take and answer a question, erase the asker."""
    campaign = ops.campaigns.plan(
        planner,
        name="World Book Day",
        kind="topic",
        period=APRIL,
        platforms=["weibo"],
        objectives=[Objective("reads", 5000)],
    )
    ops.campaigns.launch(admin, campaign)
    question = ops.questions.receive(
        planner,
        platform="weibo",
        text="When is the reading club?",
        asker=ASKER,
        consent=CONSENT,
    )
    clock.advance(timedelta(minutes=10))
    ops.questions.answer(admin, question, "Saturday at ten.")
    subject = ops.privacy.subject_id_for("weibo", "@wang_xm")
    ops.privacy.erase(admin, subject, "asked to be forgotten")
    return str(campaign), str(question)


def caught_up(ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor) -> dict[str, Any]:
    """The activity view of :func:`history`, caught up."""
    history(ops, clock, planner, admin)
    with ProjectionEngine(ops, [ActivityLogProjection()]) as engine:
        engine.run()
        return engine.view("activity")


class TestActivityLog:
    def test_one_entry_per_event_in_log_order(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Five commands, six entries (an erasure is a request and its completion) in order."""
        campaign, question = history(ops, clock, planner, admin)
        with ProjectionEngine(ops, [ActivityLogProjection()]) as engine:
            assert engine.run()["activity"].applied == 6
            view = engine.view("activity")
        assert view["sequence"] == 6
        expected = [
            ("planner-1", "libops:Campaign.Planned", "Campaign", campaign, 1),
            ("admin-1", "libops:Campaign.Launched", "Campaign", campaign, 2),
            ("planner-1", "libops:Question.Received", "Question", question, 1),
            ("admin-1", "libops:Question.Answered", "Question", question, 2),
            ("admin-1", "libops:DataSubject.ErasureRequested", "DataSubject", None, 1),
            ("admin-1", "libops:DataSubject.Erased", "DataSubject", None, 2),
        ]
        logged = entries(view)
        assert len(logged) == 6
        for n, (actor, topic, kind, aggregate, version) in enumerate(expected, start=1):
            item = logged[n - 1]
            assert item["sequence"] == n
            assert (item["actor_id"], item["topic"], item["aggregate_type"]) == (
                actor,
                topic,
                kind,
            )
            assert item["version"] == version
            if aggregate is not None:
                assert item["aggregate_id"] == aggregate
            assert datetime.fromisoformat(item["recorded_at"]).tzinfo is not None
        assert list(view) == ["actor:admin-1", "actor:planner-1", page_key(1), "sequence"]

    def test_pages_of_entries(self) -> None:
        """Entry n is item (n - 1) % PAGE_SIZE of page (n - 1) // PAGE_SIZE + 1; bad
        sequences are refused."""
        assert page_key(1) == page_key(PAGE_SIZE) == "page:0000000001"
        assert page_key(PAGE_SIZE + 1) == "page:0000000002"
        for bad in (0, -1, 1.5, True, "1"):
            with pytest.raises(InvalidValueError):
                page_key(bad)  # type: ignore[arg-type]  # the mistake under test

    def test_entries_across_pages(self, memory_ops: LibOps, planner: Actor) -> None:
        """More events than a page holds: every entry once, in order, readable one by one."""
        campaign = memory_ops.campaigns.plan(
            planner,
            name="Many",
            kind="topic",
            period=APRIL,
            platforms=["weibo"],
        )
        for n in range(PAGE_SIZE + 4):
            memory_ops.campaigns.amend(planner, campaign, description=f"d{n}")
        with ProjectionEngine(memory_ops, [ActivityLogProjection()], batch_size=7) as engine:
            engine.run()
            logged = entries(engine.view("activity"))
            assert [item["sequence"] for item in logged] == list(range(1, PAGE_SIZE + 6))
            assert [item["version"] for item in logged] == list(range(1, PAGE_SIZE + 6))
            last = entry(engine, PAGE_SIZE + 5)
            assert last is not None
            assert last["version"] == PAGE_SIZE + 5
            assert entry(engine, PAGE_SIZE + 6) is None

    def test_counts_per_actor(
        self, memory_ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """The planner caused two events, the administrator three (launch, answer, erasure)."""
        history(memory_ops, clock, planner, admin)
        with ProjectionEngine(memory_ops, [ActivityLogProjection()]) as engine:
            engine.run()
            assert engine.get("activity", "actor:planner-1") == {
                "events": 2,
                "by_topic": {"libops:Campaign.Planned": 1, "libops:Question.Received": 1},
            }
            assert engine.get("activity", "actor:admin-1") == {
                "events": 4,
                "by_topic": {
                    "libops:Campaign.Launched": 1,
                    "libops:Question.Answered": 1,
                    "libops:DataSubject.ErasureRequested": 1,
                    "libops:DataSubject.Erased": 1,
                },
            }

    def test_summaries_hold_no_personal_data(
        self, memory_ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """The asker shows as [personal data]; neither name, handle, phone nor text appears."""
        view = caught_up(memory_ops, clock, planner, admin)
        logged = entries(view, ops=memory_ops)  # summaries read from the log, after erasure
        received = logged[2]["summary"]
        assert received.startswith("Received: ")
        assert f"asker={PERSONAL}" in received
        assert "platform=weibo" in received
        assert "Planned: " in logged[0]["summary"]
        assert "name=World Book Day" in logged[0]["summary"]
        assert "reason=asked to be forgotten" in logged[4]["summary"]
        text = repr(view) + repr(logged)
        for secret in ("王小明", "wang_xm", "13812340001", "reading club", "Saturday"):
            assert secret not in text

    def test_summaries_are_read_from_the_log_not_stored(
        self, memory_ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """The view holds no summary; reading one summarises the entry's own event."""
        view = caught_up(memory_ops, clock, planner, admin)
        events = [
            memory_ops.app.mapper.to_domain_event(n)
            for n in memory_ops.app.recorder.select_notifications(0, 100, inclusive_of_start=False)
            if n.topic in ActivityLogProjection.topics()
        ]
        assert all(len(row) == len(ENTRY_FIELDS) for row in view[page_key(1)])
        assert "summary" not in entries(view)[0]
        summaries = [e["summary"] for e in entries(view, ops=memory_ops)]
        assert summaries == [summary(event) for event in events]
        with ProjectionEngine(memory_ops, [ActivityLogProjection()]) as engine:
            third = entry(engine, 3)
            assert third is not None
            assert third["summary"] == summaries[2]

    def test_an_entry_whose_event_is_missing_is_refused(self, memory_ops: LibOps) -> None:
        """An entry pointing at no event (a view from another store) says which."""
        row = [
            1,
            "planner-1",
            "libops:Campaign.Planned",
            str(uuid4()),
            1,
            "2026-04-01T00:00:00+00:00",
        ]
        with pytest.raises(InvalidValueError, match="entry 1: the log holds no event 1 of"):
            summarised(memory_ops, expand(row))

    def test_rows_stored_with_a_summary_keep_it(self, memory_ops: LibOps) -> None:
        """Pages written before summaries were read from the log still read as they were."""
        row = [
            1,
            "planner-1",
            "libops:Campaign.Planned",
            str(uuid4()),
            1,
            "2026-04-01T00:00:00+00:00",
            "Planned: name=Old",
        ]
        found = expand(row)
        assert found["summary"] == "Planned: name=Old"
        assert summarised(memory_ops, found)["summary"] == "Planned: name=Old"

    def test_summary_is_short(self, memory_ops: LibOps, planner: Actor) -> None:
        """A long field is cut, and the whole summary stays within 240 characters."""
        campaign = memory_ops.campaigns.plan(
            planner,
            name="N" * 150,
            kind="topic",
            period=APRIL,
            platforms=["weibo"],
            hashtags=[f"tag{n}" for n in range(30)],
        )
        assert memory_ops.campaigns.get(campaign).name == "N" * 150
        with ProjectionEngine(memory_ops, [ActivityLogProjection()]) as engine:
            engine.run()
            first = entry(engine, 1)
            assert first is not None
            text = first["summary"]
        assert len(text) <= 240
        assert "N" * 60 not in text
        assert "hashtags=30 items" in text

    def test_summary_of_event_without_fields(self) -> None:
        """An event with only bookkeeping fields is summarised by its name alone."""

        class Bare:
            actor_id = "a"

        assert summary(Bare()) == "Bare"

    def test_nested_personal_data_is_hidden(
        self, memory_ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Sealed data inside a tuple or a value object shows as [personal data] too."""
        _, question = history(memory_ops, clock, planner, admin)
        sealed = memory_ops.questions.get(question).asker

        @attrs.frozen
        class Holder:
            who: object

        class Carrier:
            def __init__(self) -> None:
                self.people = (sealed,)
                self.holder = Holder(sealed)
                self.count = 3

        assert summary(Carrier()) == (f"Carrier: count=3, holder={PERSONAL}, people={PERSONAL}")

    def test_rebuild_gives_the_same_log(
        self, memory_ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Rebuilding from zero numbers the entries the same way."""
        history(memory_ops, clock, planner, admin)
        with ProjectionEngine(memory_ops, [ActivityLogProjection()]) as engine:
            engine.run()
            before = engine.view("activity")
            assert engine.rebuild("activity").applied == 6
            assert engine.view("activity") == before

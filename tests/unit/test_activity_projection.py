"""The activity log projection: who did what, when, on which aggregate, never personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs

from libops import Actor, LibOps, Objective, Period
from libops.adapters.clock import ManualClock
from libops.domain.personal import Consent, PersonalInfo
from libops.projections import ProjectionEngine
from libops.projections.activity import PERSONAL, ActivityLogProjection, entry_key, summary

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
CONSENT = Consent("World Book Day activities", datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
ASKER = PersonalInfo(name="王小明", handle="@wang_xm", contact="13812340001")


def history(ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor) -> tuple[str, str]:
    """Plan and launch a campaign, take and answer a question, erase the asker."""
    campaign = ops.campaigns.plan(
        planner, name="World Book Day", kind="topic", period=APRIL, platforms=["weibo"],
        objectives=[Objective("reads", 5000)],
    )
    ops.campaigns.launch(admin, campaign)
    question = ops.questions.receive(
        planner, platform="weibo", text="When is the reading club?", asker=ASKER,
        consent=CONSENT,
    )
    clock.advance(timedelta(minutes=10))
    ops.questions.answer(admin, question, "Saturday at ten.")
    subject = ops.privacy.subject_id_for("weibo", "@wang_xm")
    ops.privacy.erase(admin, subject, "asked to be forgotten")
    return str(campaign), str(question)


class TestActivityLog:
    def test_one_entry_per_event_in_log_order(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Five commands, five entries with actor, topic, aggregate and version, in order."""
        campaign, question = history(ops, clock, planner, admin)
        with ProjectionEngine(ops, [ActivityLogProjection()]) as engine:
            assert engine.run()["activity"].applied == 5
            view = engine.view("activity")
        assert view["sequence"] == 5
        expected = [
            ("planner-1", "libops:Campaign.Planned", "Campaign", campaign, 1),
            ("admin-1", "libops:Campaign.Launched", "Campaign", campaign, 2),
            ("planner-1", "libops:Question.Received", "Question", question, 1),
            ("admin-1", "libops:Question.Answered", "Question", question, 2),
            ("admin-1", "libops:DataSubject.Erased", "DataSubject", None, 1),
        ]
        for n, (actor, topic, kind, aggregate, version) in enumerate(expected, start=1):
            entry = view[entry_key(n)]
            assert entry["sequence"] == n
            assert (entry["actor_id"], entry["topic"], entry["aggregate_type"]) == (
                actor, topic, kind,
            )
            assert entry["version"] == version
            if aggregate is not None:
                assert entry["aggregate_id"] == aggregate
            assert datetime.fromisoformat(entry["recorded_at"]).tzinfo is not None
        assert entry_key(1) == "entry:000000000001"

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
                "events": 3,
                "by_topic": {
                    "libops:Campaign.Launched": 1,
                    "libops:Question.Answered": 1,
                    "libops:DataSubject.Erased": 1,
                },
            }

    def test_summaries_hold_no_personal_data(
        self, memory_ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """The asker shows as [personal data]; neither name, handle, phone nor text appears."""
        history(memory_ops, clock, planner, admin)
        with ProjectionEngine(memory_ops, [ActivityLogProjection()]) as engine:
            engine.run()
            view = engine.view("activity")
        received = view[entry_key(3)]["summary"]
        assert received.startswith("Received: ")
        assert f"asker={PERSONAL}" in received
        assert "platform=weibo" in received
        assert "Planned: " in view[entry_key(1)]["summary"]
        assert "name=World Book Day" in view[entry_key(1)]["summary"]
        assert "reason=asked to be forgotten" in view[entry_key(5)]["summary"]
        text = repr(view)
        for secret in ("王小明", "wang_xm", "13812340001", "reading club", "Saturday"):
            assert secret not in text

    def test_summary_is_short(self, memory_ops: LibOps, planner: Actor) -> None:
        """A long field is cut, and the whole summary stays within 240 characters."""
        campaign = memory_ops.campaigns.plan(
            planner, name="N" * 150, kind="topic", period=APRIL, platforms=["weibo"],
            hashtags=[f"tag{n}" for n in range(30)],
        )
        assert memory_ops.campaigns.get(campaign).name == "N" * 150
        with ProjectionEngine(memory_ops, [ActivityLogProjection()]) as engine:
            engine.run()
            text = engine.get("activity", entry_key(1))["summary"]
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

        assert summary(Carrier()) == (
            f"Carrier: count=3, holder={PERSONAL}, people={PERSONAL}"
        )

    def test_rebuild_gives_the_same_log(
        self, memory_ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Rebuilding from zero numbers the entries the same way."""
        history(memory_ops, clock, planner, admin)
        with ProjectionEngine(memory_ops, [ActivityLogProjection()]) as engine:
            engine.run()
            before = engine.view("activity")
            assert engine.rebuild("activity").applied == 5
            assert engine.view("activity") == before

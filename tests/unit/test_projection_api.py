"""The custom-projection API: Projection, @handles and the View a handler changes."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libops import LibOps
from libops.domain.bulk import MetricImport
from libops.domain.campaign import Campaign
from libops.domain.errors import InvalidValueError
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot, Platform
from libops.projections import Projection, ProjectionEngine, View, handles
from libops.projections import views as views_module
from libops.projections.views import check_projection, encode, event_topic


class Launches(Projection):
    name = "launches"

    @handles(Campaign.Launched, Campaign.Resumed)
    def live(self, event: Any, view: View) -> None:
        view.increment("live")

    @handles(Campaign.Paused)
    def paused(self, event: Any, view: View) -> None:
        view.increment("paused")


class MoreLaunches(Launches):
    name = "more-launches"

    @handles(Campaign.Cancelled)
    def cancelled(self, event: Any, view: View) -> None:
        view.increment("cancelled")


def view_over(documents: dict[str, Any]) -> View:
    """A view whose stored documents are ``documents``."""
    texts = {key: json.dumps(value) for key, value in documents.items()}
    return View("test", texts.get)


class TestProjectionClass:
    def test_topics_come_from_the_event_classes(self) -> None:
        """The topics are the handled events' TOPICs, sorted."""
        assert Launches.topics() == (
            "libops:Campaign.Launched",
            "libops:Campaign.Paused",
            "libops:Campaign.Resumed",
        )

    def test_subclass_inherits_handlers(self) -> None:
        """A subclass handles its parent's events and its own; the parent is unchanged."""
        assert "libops:Campaign.Cancelled" in MoreLaunches.topics()
        assert "libops:Campaign.Launched" in MoreLaunches.topics()
        assert "libops:Campaign.Cancelled" not in Launches.topics()

    def test_apply_dispatches_by_topic(self) -> None:
        """apply calls the handler registered for the event's topic."""
        view = view_over({})
        Launches().apply("libops:Campaign.Resumed", object(), view)  # type: ignore[arg-type]  # the handler ignores the event
        Launches().apply("libops:Campaign.Paused", object(), view)  # type: ignore[arg-type]  # likewise
        assert view.changes() == {"live": "1", "paused": "1"}

    def test_event_topic_uses_topic_attribute(self) -> None:
        """An event class's topic is its declared TOPIC."""
        assert event_topic(Campaign.Planned) == "libops:Campaign.Planned"

    def test_handles_needs_classes(self) -> None:
        """@handles without classes, or with a non-class, is refused."""
        with pytest.raises(InvalidValueError):
            handles()
        with pytest.raises(InvalidValueError):
            handles("libops:Campaign.Planned")  # type: ignore[arg-type]  # the mistake under test

    def test_projection_without_name_or_handlers_is_refused(self) -> None:
        """A projection needs a name and at least one handler."""

        class Nameless(Projection):
            @handles(Campaign.Launched)
            def live(self, event: Any, view: View) -> None:
                view.increment("live")

        class Idle(Projection):
            name = "idle"

        with pytest.raises(InvalidValueError, match="name"):
            check_projection(Nameless())
        with pytest.raises(InvalidValueError, match="handles no events"):
            check_projection(Idle())
        with pytest.raises(InvalidValueError, match="not a libops Projection"):
            check_projection(object())  # type: ignore[arg-type]  # the mistake under test


class SnapshotRows(Projection):
    """Counts the snapshot events it is given, bulk batches' rows among them."""

    name = "snapshot-rows"
    expands = (MetricImport.BatchRecorded,)

    @handles(Post.MetricsRecorded)
    def recorded(self, event: Any, view: View) -> None:
        view.increment("recorded")


class TestExpandedEvents:
    def test_an_expanded_event_is_read_and_given_as_its_rows(self) -> None:
        """A projection that expands bulk batches reads them, and apply gives each row of one
        to the handler of the event the row stands for."""
        assert SnapshotRows.topics() == (
            "libops:MetricImport.BatchRecorded",
            "libops:Post.MetricsRecorded",
        )
        assert SnapshotRows.expanded_topics() == {"libops:MetricImport.BatchRecorded"}
        recorded = Post.MetricsRecorded(
            originator_id=uuid.uuid4(),
            originator_version=0,
            timestamp=datetime(2026, 3, 1, tzinfo=UTC),
            actor_id="a",  # type: ignore[call-arg]  # eventsourcing's event constructor
            campaign_id=None,
            snapshot=MetricSnapshot(Platform.WEIBO, datetime(2026, 3, 1, tzinfo=UTC), reads=1),
        )
        corrected = Post.MetricsCorrected(
            originator_id=uuid.uuid4(),
            originator_version=0,
            timestamp=datetime(2026, 3, 1, tzinfo=UTC),
            actor_id="a",  # type: ignore[call-arg]  # eventsourcing's event constructor
            campaign_id=None,
            snapshot=MetricSnapshot(Platform.WEIBO, datetime(2026, 3, 1, tzinfo=UTC), reads=0),
            lowered=("reads",),
        )

        class Batch:
            def snapshot_events(self) -> list[Any]:
                return [recorded, corrected, recorded]

        view = view_over({})
        SnapshotRows().apply("libops:MetricImport.BatchRecorded", Batch(), view)  # type: ignore[arg-type]  # stands in for a batch
        assert view.changes() == {"recorded": "2"}  # the correction has no handler here

    def test_bad_expansions_are_refused(self) -> None:
        """Expanding an event that stands for no others, handling the expanded event itself,
        or handling none of the events it stands for is refused, naming the projection."""

        class NotABatch(Launches):
            name = "not-a-batch"
            expands = (Campaign.Launched,)

        class BothWays(SnapshotRows):
            name = "both-ways"

            @handles(MetricImport.BatchRecorded)
            def batch(self, event: Any, view: View) -> None:
                view.increment("batches")

        class NothingToGive(Launches):
            name = "nothing-to-give"
            expands = (MetricImport.BatchRecorded,)

        check_projection(SnapshotRows())
        with pytest.raises(InvalidValueError, match=r"'not-a-batch' expands .*stands for no"):
            check_projection(NotABatch())
        for projection in (BothWays(), NothingToGive()):
            with pytest.raises(InvalidValueError, match="must handle one of the events"):
                check_projection(projection)


class TestEngineArguments:
    def test_duplicate_names_and_bad_batch_size(self, memory_ops: LibOps) -> None:
        """Two projections of one name, or a batch size below 1, are refused."""
        with pytest.raises(InvalidValueError, match="two projections"):
            ProjectionEngine(memory_ops, [Launches(), Launches()])
        for size in (0, -1, 1.5, True):
            with pytest.raises(InvalidValueError, match="batch_size"):
                ProjectionEngine(memory_ops, [Launches()], batch_size=size)  # type: ignore[arg-type]  # bad on purpose

    def test_unknown_projection_name(self, memory_ops: LibOps) -> None:
        """Asking for a projection the engine does not run names the ones it does."""
        with ProjectionEngine(memory_ops, [Launches()]) as engine:
            with pytest.raises(InvalidValueError, match="known: launches"):
                engine.view("other")
            assert engine.names == ("launches",)
            assert engine.position("launches") == 0
            assert engine.view("launches") == {}


class TestView:
    def test_get_returns_the_document_itself(self) -> None:
        """Changing what get returned is a change, saved without put; reads alone are not."""
        view = view_over({"k": {"n": 1}, "r": {"n": 1}})
        document = view.get("k")
        document["n"] = 2
        assert view.get("k") is document
        assert view.get("r") == {"n": 1}
        assert view.changes() == {"k": '{"n": 2}'}

    def test_default_is_not_stored(self) -> None:
        """get's default is handed back as it is and stored only when put."""
        view = view_over({})
        default = view.get("k", {"n": 0})
        default["n"] = 1
        assert "k" not in view
        assert view.changes() == {}
        view.put("k", default)
        assert view.changes() == {"k": '{"n": 1}'}

    def test_put_without_reading_writes(self) -> None:
        """put does not read the stored document; an unchanged rewrite of a read one is
        not a change."""
        reads: list[str] = []
        texts = {"same": '{"a": 1}'}

        def load(key: str) -> str | None:
            reads.append(key)
            return texts.get(key)

        view = View("test", load)
        view.put("fresh", {"a": 1})
        assert view.get("same") == {"a": 1}
        view.put("same", {"a": 1})
        assert reads == ["same"]
        assert view.changes() == {"fresh": '{"a": 1}'}

    def test_keys_keep_the_documents_order(self) -> None:
        """A document is written with its keys in its own order; one stored with its keys
        sorted (as views were written before) or in another order (PostgreSQL's jsonb puts
        shorter keys first) and left alone is not written again, and a key it gains is
        written after the others."""
        view = view_over({"old": {"a": 1, "b": {"c": 2, "d": 3}}, "jsonb": {"b": 1, "aa": 2}})
        view.put("new", {"z": 1, "a": {"y": 2, "b": 3}})
        assert view.get("old") == {"a": 1, "b": {"c": 2, "d": 3}}
        assert view.get("jsonb") == {"aa": 2, "b": 1}
        assert view.changes() == {"new": '{"z": 1, "a": {"y": 2, "b": 3}}'}
        view.get("old")["b"]["aa"] = 4
        assert view.changes()["old"] == '{"a": 1, "b": {"c": 2, "d": 3, "aa": 4}}'

    def test_committed_and_abandoned_batches(self) -> None:
        """After a commit the stored text is remembered (no second read); an abandoned batch
        forgets everything, its changes included."""
        reads: list[str] = []
        texts = {"k": "1"}

        def load(key: str) -> str | None:
            reads.append(key)
            return texts.get(key)

        view = View("test", load)
        view.increment("k")
        view.committed(view.changes())
        view.increment("k")
        assert reads == ["k"]
        assert view.changes() == {"k": "3"}
        view.abandon()
        assert view.get("k") == 1
        assert reads == ["k", "k"]

    def test_remembered_texts_are_bounded(self) -> None:
        """A view remembers at most cache_size characters (100 a document) between batches,
        forgetting the least recently used first."""
        nothing: dict[str, str] = {}
        view = View("test", nothing.get, cache_size=1_000)
        for n in range(100):
            view.put(f"k{n}", "x" * 20)
            view.get("k0")
            view.committed(view.changes())
        assert 0 < len(view._texts) <= 1_000 // 120
        assert "k0" in view._texts
        assert "k99" in view._texts
        assert "k1" not in view._texts

    def test_the_large_documents_of_the_latest_batch_are_kept(self) -> None:
        """A document over an eighth of the bound that every batch uses (a topic's days) is
        not read and decoded again each batch, even when it alone is over the bound; small
        ones are forgotten as before, and a large one no longer used is forgotten too."""
        stored = {"big": json.dumps("x" * 2_000), "other": json.dumps("y" * 2_000)}
        stored.update({f"k{n}": json.dumps("x" * 20) for n in range(100)})
        reads: list[str] = []

        def load(key: str) -> str | None:
            reads.append(key)
            return stored.get(key)

        view = View("test", load, cache_size=1_000)
        for n in range(100):
            view.get("big")
            view.get(f"k{n}")
            view.committed(view.changes())
        assert reads.count("big") == 1
        assert 0 < len(view._texts) <= 1_000 // 120 + 1
        for _ in range(3):
            view.get("other")
            view.committed(view.changes())
        assert "big" not in view._texts  # not used by the latest batch: forgotten
        assert reads.count("other") == 1

    def test_the_large_documents_kept_are_bounded_too(self) -> None:
        """However many large documents one batch uses, a view keeps at most 16 times its
        bound of them; the small ones are forgotten down to half the bound as before; and a
        bound under 8 keeps nothing large (0 remembers nothing)."""
        stored = {f"t{n}": json.dumps("x" * 400) for n in range(200)}
        stored.update({f"k{n}": json.dumps("y" * 20) for n in range(50)})
        view = View("test", stored.get, cache_size=1_000)
        for key in stored:
            view.get(key)
        view.committed(view.changes())
        large = sum(len(text or "") + 100 for key, text in view._texts.items() if key[0] == "t")
        assert 0 < large <= 16 * 1_000
        assert view._cached <= 16 * 1_000 + 1_000
        nothing = View("test", {"a": '"x"'}.get, cache_size=0)
        nothing.get("a")
        nothing.committed(nothing.changes())
        assert nothing._texts == {}

    def test_documents_read_count_towards_the_bound(self) -> None:
        """Documents only read (never changed) are forgotten like changed ones, so a run
        that reads many stored documents stays within the bound."""
        stored = {f"k{n}": json.dumps("x" * 20) for n in range(200)}
        view = View("test", stored.get, cache_size=1_000)
        for n in range(200):
            view.get(f"k{n}")
            view.committed(view.changes())
        assert 0 < len(view._texts) <= 1_000 // 120
        assert 0 < view._cached <= 1_000

    def test_a_view_known_empty_reads_only_keys_it_wrote(self) -> None:
        """Starting empty, a view does not look up keys it never wrote; a key it wrote and
        then forgot (cache bound) is read back; after an abandoned batch it reads again."""
        stored: dict[str, str] = {}
        reads: list[str] = []

        def load(key: str) -> str | None:
            reads.append(key)
            return stored.get(key)

        view = View("test", load, cache_size=1_000, empty=True)
        for n in range(50):
            view.increment(f"k{n}")
            changes = view.changes()
            stored.update({k: v for k, v in changes.items() if v is not None})
            view.committed(changes)
        assert reads == []
        assert view.get("k0") == 1  # forgotten by the cache bound, so read from the store
        assert reads == ["k0"]
        view.abandon()
        assert view.get("never") is None
        assert reads == ["k0", "never"]

    def test_touched_lists_keys_in_first_touch_order(self) -> None:
        """touched() names every key read or changed in this batch."""
        view = view_over({"a": 1})
        view.get("a")
        view.put("b", 2)
        view.get("a")
        view.delete("c")
        assert view.touched() == ["a", "b", "c"]

    def test_put_update_increment_delete(self) -> None:
        """Each change shows in later reads and in changes() as JSON text or None."""
        view = view_over({"old": 1, "gone": {"x": 1}})
        view.put("new", [1, "two"])
        view.update("doc", a=1)
        view.update("doc", b="z")
        view.increment("old", 2)
        view.increment("counts", field="seen")
        view.increment("counts", 0.5, field="seen")
        view.delete("gone")
        view.delete("never")
        assert "gone" not in view
        assert "new" in view
        assert view.get("counts") == {"seen": 1.5}
        assert view.changes() == {
            "counts": '{"seen": 1.5}',
            "doc": '{"a": 1, "b": "z"}',
            "gone": None,
            "new": '[1, "two"]',
            "old": "3",
        }

    def test_loads_each_key_once(self) -> None:
        """A document is read from the store once per batch."""
        reads: list[str] = []

        def load(key: str) -> str:
            reads.append(key)
            return "5"

        view = View("test", load)
        view.increment("k")
        view.increment("k")
        assert view.get("k") == 7
        assert reads == ["k"]

    @pytest.mark.parametrize(
        "value", [None, Decimal("1.5"), {"when": object()}, float("nan"), {1, 2}]
    )
    def test_only_plain_json_is_stored(self, value: Any) -> None:
        """None, Decimal, sets, NaN and other non-JSON values are refused: at put for the
        top level, when the batch's changes are taken for anything nested."""
        view = view_over({})

        def store() -> None:
            view.put("k", value)
            view.changes()

        with pytest.raises(InvalidValueError, match=r"plain JSON|None|'test'"):
            store()

    def test_nested_non_json_names_projection_and_key(self) -> None:
        """A non-JSON value inside a document is refused naming the projection and key."""
        view = view_over({"doc": {"a": 1}})
        view.get("doc")["a"] = Decimal("1.5")
        with pytest.raises(InvalidValueError, match="projection 'test', document 'doc'"):
            view.changes()

    def test_a_document_containing_itself_is_refused(self) -> None:
        """A document that contains itself, or one nested too deeply to encode, is refused
        when the batch commits, naming the projection and key, like any non-JSON value; the
        next document encodes as usual."""
        view = view_over({"doc": {"a": []}})
        inner = view.get("doc")["a"]
        inner.append(inner)
        with pytest.raises(InvalidValueError, match=r"projection 'test', document 'doc'.*ircular"):
            view.changes()
        view.abandon()
        deep: list[Any] = []
        for _ in range(100_000):
            deep = [deep]
        view.put("deep", deep)
        with pytest.raises(InvalidValueError, match=r"document 'deep'.*nested too deeply"):
            view.changes()
        view.abandon()
        view.put("fine", [[1], {"a": [2]}])
        assert view.changes() == {"fine": '[[1], {"a": [2]}]'}

    def test_a_document_containing_itself_never_recurses(self) -> None:
        """A document that contains itself is found by the encoder's record of the
        containers it is in, not by running into the recursion limit (which, raised, would
        overflow the C stack on Python 3.11 rather than raise)."""
        looped: list[Any] = []
        looped.append(looped)
        depth, frame = 0, sys._getframe()
        caller: FrameType | None = frame
        while caller is not None:  # the depth this test runs at
            depth, caller = depth + 1, caller.f_back
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(depth + 40)  # a few levels of encoding to spare, no more
        try:
            with pytest.raises(InvalidValueError, match="ircular"):
                encode({"a": [{"b": looped}]})
        finally:
            sys.setrecursionlimit(limit)

    def test_wrong_shapes_are_refused(self) -> None:
        """Incrementing a non-number, updating a non-dict or an empty key is refused."""
        view = view_over({"text": "a", "list": [1], "doc": {"f": "x"}})
        with pytest.raises(InvalidValueError):
            view.increment("text")
        with pytest.raises(InvalidValueError):
            view.increment("list", field="f")
        with pytest.raises(InvalidValueError):
            view.increment("doc", field="f")
        with pytest.raises(InvalidValueError):
            view.increment("n", by=True)
        with pytest.raises(InvalidValueError):
            view.update("list", a=1)
        with pytest.raises(InvalidValueError):
            view.get("")
        assert view.changes() == {}


class TestLocalDays:
    """local_date and local_day: the day of a moment in Asia/Shanghai, worked out once."""

    @settings(max_examples=200, deadline=None)
    @given(
        moment=st.datetimes(
            min_value=datetime(1900, 1, 1),
            max_value=datetime(2200, 1, 1),
            timezones=st.sampled_from([UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/London")]),
        )
    )
    def test_the_day_in_shanghai(self, moment: datetime) -> None:
        """The same day as astimezone gives, asked once or again, in any zone's terms."""
        expected = moment.astimezone(ZoneInfo("Asia/Shanghai")).date()
        for _ in range(2):
            assert views_module.local_date(moment) == expected
            assert views_module.local_day(moment) == expected.isoformat()

    def test_the_second_of_a_repeated_hour(self) -> None:
        """02:30 on 7 April 2024 in Sydney came twice (fold 0 and 1), an hour apart, and the
        two compare equal: each still gets its own day in Shanghai, in either order."""
        sydney = ZoneInfo("Australia/Sydney")
        first = datetime(2024, 4, 7, 2, 30, tzinfo=sydney)
        second = first.replace(fold=1)
        assert first == second
        for moments in ([first, second], [second, first]):
            for moment in moments:
                expected = moment.astimezone(ZoneInfo("Asia/Shanghai")).date()
                assert views_module.local_date(moment) == expected
        assert views_module.local_day(first) == "2024-04-06"
        assert views_module.local_day(second) == "2024-04-07"

    def test_forgets_everything_when_full(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """At most _LOCAL_DAYS_KEPT moments are kept: the next one starts afresh."""
        monkeypatch.setattr(views_module, "_LOCAL_DAYS_KEPT", 2)
        monkeypatch.setattr(views_module, "_LOCAL_DAYS", {})
        # 16:00 UTC is midnight in Shanghai: the day changes at it.
        moments = [datetime(2026, 3, 1, hour, tzinfo=UTC) for hour in (15, 16, 17)]
        days = [views_module.local_day(m) for m in moments]
        assert days == ["2026-03-01", "2026-03-02", "2026-03-02"]
        assert list(views_module._LOCAL_DAYS) == [moments[2]]


class TestUuidText:
    def test_is_the_uuid_as_text(self) -> None:
        """uuid_text gives str(uuid), the same object the second time."""
        value = uuid.uuid4()
        first = views_module.uuid_text(value)
        assert first == str(value)
        assert views_module.uuid_text(uuid.UUID(str(value))) is first

    def test_forgets_everything_when_full(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The cache holds at most _UUID_TEXTS_KEPT ids: the next one starts it afresh."""
        monkeypatch.setattr(views_module, "_UUID_TEXTS_KEPT", 3)
        monkeypatch.setattr(views_module, "_UUID_TEXTS", {})
        ids = [uuid.uuid4() for _ in range(4)]
        assert [views_module.uuid_text(i) for i in ids] == [str(i) for i in ids]
        assert list(views_module._UUID_TEXTS) == [ids[3]]

"""The custom-projection API: Projection, @handles and the View a handler changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from libops import LibOps
from libops.domain.campaign import Campaign
from libops.domain.errors import InvalidValueError
from libops.projections import Projection, ProjectionEngine, View, handles
from libops.projections.views import check_projection, event_topic


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
    return View("test", documents.get)


class TestProjectionClass:
    def test_topics_come_from_the_event_classes(self) -> None:
        """The topics are the handled events' TOPICs, sorted."""
        assert Launches.topics() == (
            "libops:Campaign.Launched", "libops:Campaign.Paused", "libops:Campaign.Resumed"
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
    def test_get_returns_a_copy(self) -> None:
        """Changing what get returned changes nothing until put."""
        view = view_over({"k": {"n": 1}})
        document = view.get("k")
        document["n"] = 2
        assert view.get("k") == {"n": 1}
        assert view.changes() == {}

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

        def load(key: str) -> Any:
            reads.append(key)
            return 5

        view = View("test", load)
        view.increment("k")
        view.increment("k")
        assert view.get("k") == 7
        assert reads == ["k"]

    @pytest.mark.parametrize(
        "value", [None, Decimal("1.5"), {"when": object()}, float("nan"), {1, 2}]
    )
    def test_only_plain_json_is_stored(self, value: Any) -> None:
        """None, Decimal, sets, NaN and other non-JSON values are refused."""
        view = view_over({})
        with pytest.raises(InvalidValueError):
            view.put("k", value)
        assert view.changes() == {}

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

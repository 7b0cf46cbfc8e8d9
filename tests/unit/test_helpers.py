"""The shared test helpers fail when they should, so the tests that use them can fail."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.domain import Aggregate, event

from libops import Actor, LibOps, Period
from tests.helpers import give, refused


class Shelf(Aggregate):
    """A tiny aggregate for the helper's own tests."""

    def __init__(self) -> None:
        self.books: list[str] = []

    @event("Shelved")
    def shelve(self, title: str) -> None:
        self.books.append(title)


def _plan(ops: LibOps, planner: Actor) -> None:
    ops.campaigns.plan(
        planner,
        name="World Book Day",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
    )


class TestRefused:
    def test_returns_the_error(self) -> None:
        """A command that raises exactly the error and changes nothing passes, giving the error."""
        shelf = Shelf()

        def fail() -> None:
            raise KeyError("no such book")

        assert isinstance(refused(shelf, KeyError, fail), KeyError)

    def test_a_subclass_is_not_the_error(self) -> None:
        """A subclass of the expected error fails: tests name the exact error."""

        def fail() -> None:
            raise KeyError("no such book")

        with pytest.raises(AssertionError):
            refused(Shelf(), LookupError, fail)

    def test_a_pending_event_fails(self) -> None:
        """An aggregate command that triggers an event and then raises fails the check."""
        shelf = Shelf()

        def half_done() -> None:
            shelf.shelve("Wolf Totem")
            raise ValueError("too late")

        with pytest.raises(AssertionError):
            refused(shelf, ValueError, half_done)

    def test_a_changed_state_fails(self) -> None:
        """A change of state without an event (the deep copy sees inside lists) fails too."""
        shelf = Shelf()

        def mutate() -> None:
            shelf.books.append("Wolf Totem")
            raise ValueError("too late")

        with pytest.raises(AssertionError):
            refused(shelf, ValueError, mutate)

    def test_a_recorded_event_fails(self, memory_ops: LibOps, planner: Actor) -> None:
        """A store command that records events and then raises fails the check."""

        def half_done() -> None:
            _plan(memory_ops, planner)
            raise ValueError("too late")

        with pytest.raises(AssertionError, match="recorded events"):
            refused(memory_ops, ValueError, half_done)


class TestGive:
    def test_an_obeyed_command_gives_its_result(self, memory_ops: LibOps) -> None:
        """With no expected error the command runs and its result comes back."""
        assert give(memory_ops, None, lambda: 42) == 42

    def test_an_expected_error_is_a_refusal(self, memory_ops: LibOps, planner: Actor) -> None:
        """With an expected error the command must be refused, recording nothing."""

        def half_done() -> None:
            _plan(memory_ops, planner)
            raise ValueError("too late")

        shelves: dict[str, Shelf] = {}
        assert give(memory_ops, KeyError, lambda: shelves["x"]) is None
        with pytest.raises(AssertionError, match="recorded events"):
            give(memory_ops, ValueError, half_done)

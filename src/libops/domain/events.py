"""The base classes of every libops event: stamped with the time by libops's clock.

An event's ``timestamp`` is when it was recorded, by the clock of the command that recorded
it: the wall clock in production, the simulated clock in the demo and in tests. So "the
state as of 23 April" means the same thing in both. The application layer names the clock
for the duration of a command with :func:`stamped_by`; an event recorded outside any
command (a test building an aggregate by hand) is stamped by the wall clock, as
eventsourcing does by default.

Facts that happened before they were recorded (a back-dated expense, an imported row of a
platform's export) keep their own date fields: ``timestamp`` is never that date.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from eventsourcing.domain import Aggregate, datetime_now_with_tzinfo

from libops.domain.ports import Clock

_CLOCK: ContextVar[Clock | None] = ContextVar("libops_event_clock", default=None)


@contextmanager
def stamped_by(clock: Clock) -> Iterator[None]:
    """Stamp the events recorded inside the ``with`` block by ``clock``."""
    token = _CLOCK.set(clock)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def event_time() -> datetime:
    """The time an event recorded now is stamped with."""
    clock = _CLOCK.get()
    return datetime_now_with_tzinfo() if clock is None else clock.now()


class Event(Aggregate.Event):
    """An event of a libops aggregate."""

    @staticmethod
    def create_timestamp() -> datetime:
        return event_time()


class Created(Event, Aggregate.Created):
    """The event that starts a libops aggregate."""

"""Clock adapters: the system clock, and a manual clock for tests and simulations."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from libops.domain.errors import InvalidValueError


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current moment."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to; for tests, the demo and replays."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise InvalidValueError("a clock's start must be timezone-aware")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The moment the clock shows."""
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` and return the new time."""
        if delta < timedelta(0):
            raise InvalidValueError("a clock never goes backwards")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, moment: datetime) -> None:
        """Move the clock forward to ``moment``."""
        with self._lock:
            if moment < self._now:
                raise InvalidValueError("a clock never goes backwards")
            self._now = moment

"""The platform calendar: which posts are booked to go out on one platform, and when.

One calendar per platform. Scheduling a post books a slot; publishing it releases the slot
(the time is kept, so the cadence policy still counts the post); unscheduling or retracting
it withdraws the slot. The calendar is saved in the same transaction as the post, so two
people scheduling on one platform at once cannot both miss each other: one of them retries.

The calendar follows the Post: commands are authorised on the Post, and the calendar only
records who caused each change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.validation import require_instance
from libops.domain.values import Actor, Platform, to_platform, utc_moment

CALENDAR_NAMESPACE = uuid5(NAMESPACE_URL, "https://libops.invalid/platform-calendar")

RELEASE_RETENTION = timedelta(days=9)
"""How long a published post's time is kept for cadence checks (a week, plus time zones)."""


_aware_utc = utc_moment


def _post_id(value: object) -> UUID:
    return require_instance(UUID, value, "a post id must be a UUID")


class PlatformCalendar(Aggregate):
    """The posts booked to go out on one platform, with the times of those already out."""

    TOPIC = "libops:PlatformCalendar"

    class Event(events.Event):
        TOPIC = "libops:PlatformCalendar.Event"

    class Opened(events.Created):
        """The platform's calendar was started (by the first schedule on it)."""

        TOPIC = "libops:PlatformCalendar.Opened"
        actor_id: str
        platform: Platform

    class SlotBooked(events.Event):
        """A post was booked to go out at a time (replacing an earlier slot of the post)."""

        TOPIC = "libops:PlatformCalendar.SlotBooked"
        actor_id: str
        post_id: UUID
        at: datetime

    class SlotReleased(events.Event):
        """A booked post went out; ``at`` is kept for the cadence count."""

        TOPIC = "libops:PlatformCalendar.SlotReleased"
        actor_id: str | None
        post_id: UUID
        at: datetime

    class SlotWithdrawn(events.Event):
        """A booked post will not go out at its slot (unscheduled or retracted)."""

        TOPIC = "libops:PlatformCalendar.SlotWithdrawn"
        actor_id: str
        post_id: UUID

    @staticmethod
    def create_id(platform: Platform, **_: object) -> UUID:
        return PlatformCalendar.id_for(platform)

    @staticmethod
    def id_for(platform: Platform | str) -> UUID:
        """The id of ``platform``'s calendar (the same in every store)."""
        return uuid5(CALENDAR_NAMESPACE, to_platform(platform).value)

    @classmethod
    def open(cls, actor: Actor, platform: Platform | str) -> PlatformCalendar:
        """Start the calendar of ``platform``."""
        return cls(actor_id=actor.id, platform=to_platform(platform))

    @event(Opened)
    def __init__(self, actor_id: str, platform: Platform) -> None:
        self.platform = platform
        # Keyed by the post id's text so the state can be stored as a snapshot (JSON keys
        # are text); released times are kept only as long as a cadence check can need them.
        self._slots: dict[str, datetime] = {}
        self._released: dict[str, datetime] = {}

    # --- queries -----------------------------------------------------------------------

    def slot(self, post_id: UUID) -> datetime | None:
        """When ``post_id`` is booked to go out, if it is."""
        return self._slots.get(str(post_id))

    def slots(self) -> list[tuple[UUID, datetime]]:
        """Every booked slot as ``(post_id, at)``, earliest first."""
        return sorted(
            ((UUID(post_id), at) for post_id, at in self._slots.items()),
            key=lambda item: (item[1], str(item[0])),
        )

    def due(self, now: datetime) -> list[tuple[UUID, datetime]]:
        """The booked slots at or before ``now``, oldest first."""
        now = _aware_utc("now", now)
        return [(post_id, at) for post_id, at in self.slots() if at <= now]

    def occupied(self, *, excluding: UUID | None = None) -> list[datetime]:
        """The times of every booked or released post, but ``excluding``'s (for cadence)."""
        skip = None if excluding is None else str(excluding)
        times = [at for post_id, at in self._slots.items() if post_id != skip]
        times += [at for post_id, at in self._released.items() if post_id != skip]
        return sorted(times)

    # --- commands ----------------------------------------------------------------------

    def book(self, actor: Actor, post_id: UUID, at: datetime) -> None:
        """Book ``post_id`` to go out at ``at``; booking the same time again records nothing."""
        post_id = _post_id(post_id)
        at = _aware_utc("at", at)
        if self._slots.get(str(post_id)) == at:
            return
        self._book(actor_id=actor.id, post_id=post_id, at=at)

    @event(SlotBooked)
    def _book(self, actor_id: str, post_id: UUID, at: datetime) -> None:
        self._slots[str(post_id)] = at

    def release(
        self, post_id: UUID, *, published_at: datetime | None = None, actor: Actor | None = None
    ) -> None:
        """The post went out: free its slot, keeping its time (``published_at`` if given).

        Records nothing when the post has no slot.
        """
        post_id = _post_id(post_id)
        slot = self._slots.get(str(post_id))
        if slot is None:
            return
        at = slot if published_at is None else _aware_utc("published_at", published_at)
        self._release(actor_id=None if actor is None else actor.id, post_id=post_id, at=at)

    @event(SlotReleased)
    def _release(self, actor_id: str | None, post_id: UUID, at: datetime) -> None:
        self._slots.pop(str(post_id), None)
        self._released[str(post_id)] = at
        # A cadence period is at most an ISO week: older release times can no longer share
        # a period with anything scheduled from now on (schedules in the past are refused).
        horizon = at - RELEASE_RETENTION
        for old_id in [pid for pid, when in self._released.items() if when < horizon]:
            del self._released[old_id]

    def withdraw(self, actor: Actor, post_id: UUID) -> None:
        """The post will not go out at its slot; records nothing when it has none."""
        post_id = _post_id(post_id)
        if str(post_id) not in self._slots:
            return
        self._withdraw(actor_id=actor.id, post_id=post_id)

    @event(SlotWithdrawn)
    def _withdraw(self, actor_id: str, post_id: UUID) -> None:
        self._slots.pop(str(post_id), None)

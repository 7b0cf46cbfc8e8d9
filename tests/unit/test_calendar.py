"""The platform calendar: booked slots, what is due, releases and withdrawals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from libops import Actor, LibOps, Platform, PlatformCalendar
from libops.domain.errors import InvalidValueError

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def opened(actor: Actor, platform: Platform = Platform.WEIBO) -> PlatformCalendar:
    calendar = PlatformCalendar.open(actor, platform)
    calendar.collect_events()
    return calendar


class TestIdentity:
    def test_one_calendar_per_platform(self, planner: Actor) -> None:
        """Each platform's calendar has a fixed id of its own."""
        ids = {PlatformCalendar.id_for(p) for p in Platform}
        assert len(ids) == len(Platform)
        assert PlatformCalendar.id_for("weibo") == PlatformCalendar.id_for(Platform.WEIBO)
        assert PlatformCalendar.open(planner, "weibo").id == PlatformCalendar.id_for("weibo")

    def test_topics_are_explicit(self) -> None:
        """The calendar and its events have fixed libops topics."""
        assert PlatformCalendar.TOPIC == "libops:PlatformCalendar"
        for name in ("Event", "Opened", "SlotBooked", "SlotReleased", "SlotWithdrawn"):
            assert f"libops:PlatformCalendar.{name}" == getattr(PlatformCalendar, name).TOPIC

    def test_unknown_platform_refused(self, planner: Actor) -> None:
        """A calendar is for a known platform."""
        with pytest.raises(InvalidValueError):
            PlatformCalendar.open(planner, "myspace")


class TestBooking:
    def test_slots_sorted_and_in_utc(self, planner: Actor) -> None:
        """Slots come back earliest first, in UTC."""
        calendar = opened(planner)
        first, second = uuid4(), uuid4()
        calendar.book(planner, second, NOW + timedelta(hours=2))
        calendar.book(planner, first, datetime(2026, 3, 1, 17, tzinfo=timezone(timedelta(hours=8))))
        assert calendar.slots() == [
            (first, NOW + timedelta(hours=1)),
            (second, NOW + timedelta(hours=2)),
        ]
        assert calendar.slot(first) == NOW + timedelta(hours=1)
        assert calendar.slot(uuid4()) is None

    def test_rebooking_moves_and_same_time_records_nothing(self, planner: Actor) -> None:
        """Booking a post again moves its slot; the same time again records nothing."""
        calendar = opened(planner)
        post = uuid4()
        calendar.book(planner, post, NOW)
        calendar.book(planner, post, NOW + timedelta(days=1))
        assert calendar.slots() == [(post, NOW + timedelta(days=1))]
        assert len(calendar.collect_events()) == 2
        calendar.book(planner, post, NOW + timedelta(days=1))
        assert calendar.collect_events() == []

    def test_due_slots(self, planner: Actor) -> None:
        """Slots at or before now are due, oldest first."""
        calendar = opened(planner)
        early, on_time, later = uuid4(), uuid4(), uuid4()
        calendar.book(planner, later, NOW + timedelta(minutes=1))
        calendar.book(planner, on_time, NOW)
        calendar.book(planner, early, NOW - timedelta(hours=1))
        assert calendar.due(NOW) == [(early, NOW - timedelta(hours=1)), (on_time, NOW)]
        assert calendar.due(NOW - timedelta(days=1)) == []

    @pytest.mark.parametrize(
        ("post_id", "at"), [("not-a-uuid", NOW), (uuid4(), datetime(2026, 3, 1))]
    )
    def test_bad_booking_refused(self, planner: Actor, post_id: object, at: datetime) -> None:
        """A booking needs a post id and an aware time; nothing is recorded otherwise."""
        calendar = opened(planner)
        with pytest.raises(InvalidValueError):
            calendar.book(planner, post_id, at)  # type: ignore[arg-type]  # deliberately wrong
        assert calendar.collect_events() == []

    def test_naive_now_refused(self, planner: Actor) -> None:
        """Asking what is due needs an aware time."""
        with pytest.raises(InvalidValueError):
            opened(planner).due(datetime(2026, 3, 1))


class TestReleaseAndWithdraw:
    def test_release_frees_slot_and_keeps_time(self, planner: Actor) -> None:
        """A published post leaves the slots but still counts for cadence."""
        calendar = opened(planner)
        post, other = uuid4(), uuid4()
        calendar.book(planner, post, NOW)
        calendar.book(planner, other, NOW + timedelta(hours=3))
        calendar.release(post)
        assert calendar.slots() == [(other, NOW + timedelta(hours=3))]
        assert calendar.due(NOW + timedelta(days=1)) == [(other, NOW + timedelta(hours=3))]
        assert calendar.occupied() == [NOW, NOW + timedelta(hours=3)]
        assert calendar.occupied(excluding=other) == [NOW]

    def test_release_with_publication_time(self, planner: Actor, tech: Actor) -> None:
        """A release may say when the post really went out."""
        calendar = opened(planner)
        post = uuid4()
        calendar.book(planner, post, NOW)
        calendar.collect_events()
        calendar.release(post, published_at=NOW + timedelta(minutes=7), actor=tech)
        (event,) = calendar.collect_events()
        assert isinstance(event, PlatformCalendar.SlotReleased)
        assert (event.actor_id, event.at) == (tech.id, NOW + timedelta(minutes=7))
        assert calendar.occupied() == [NOW + timedelta(minutes=7)]

    def test_release_without_slot_records_nothing(self, planner: Actor) -> None:
        """Releasing a post that has no slot records nothing."""
        calendar = opened(planner)
        post = uuid4()
        calendar.release(post)
        calendar.book(planner, post, NOW)
        calendar.release(post)
        calendar.collect_events()
        calendar.release(post)
        assert calendar.collect_events() == []

    def test_withdraw_forgets_the_post(self, planner: Actor) -> None:
        """An unscheduled or retracted post neither holds a slot nor counts for cadence."""
        calendar = opened(planner)
        post = uuid4()
        calendar.book(planner, post, NOW)
        calendar.withdraw(planner, post)
        assert calendar.slots() == []
        assert calendar.occupied() == []
        calendar.collect_events()
        calendar.withdraw(planner, post)
        assert calendar.collect_events() == []


class TestStored:
    def test_round_trip(self, memory_ops: LibOps, planner: Actor) -> None:
        """A calendar reads back from the store exactly as it was."""
        calendar = PlatformCalendar.open(planner, "wechat")
        kept, gone, out = uuid4(), uuid4(), uuid4()
        calendar.book(planner, kept, NOW)
        calendar.book(planner, gone, NOW + timedelta(hours=1))
        calendar.book(planner, out, NOW - timedelta(hours=1))
        calendar.withdraw(planner, gone)
        calendar.release(out)
        memory_ops.app.save(calendar)
        loaded: object = memory_ops.app.repository.get(PlatformCalendar.id_for("wechat"))
        assert isinstance(loaded, PlatformCalendar)
        assert loaded.platform is Platform.WECHAT
        assert loaded.slots() == calendar.slots() == [(kept, NOW)]
        assert loaded.occupied() == calendar.occupied()
        assert loaded.version == calendar.version == 6

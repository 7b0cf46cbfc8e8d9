"""Topic heat: the maths (peak, decline, cold days in a row, live) and the projection's daily
figures and cooling notices, from real commands."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libops import LibOps, Period, Platform
from libops.adapters.clock import ManualClock
from libops.domain.errors import InvalidValueError
from libops.domain.values import MetricSnapshot
from libops.projections import ProjectionEngine
from libops.projections.topics import (
    TopicHeatProjection,
    _complete_peak,
    _decline,
    day_changed,
    heats,
    known_peak,
    notices,
    topic_heat,
)
from tests.actors import ADMIN, PLANNER
from tests.unit.test_engagement_projection import open_with_sandboxes, publish_post

D = date(2026, 3, 1)


def days(*engagements: int, start: date = D) -> dict[str, dict[str, int]]:
    return {
        (start + timedelta(days=n)).isoformat(): {"posts": 0, "engagement": e, "reach": 10 * e}
        for n, e in enumerate(engagements)
    }


class TestTheMaths:
    def test_peak_latest_share_and_decline(self) -> None:
        heat = topic_heat("读书", days(100, 200, 150, 60, 50, 40), D + timedelta(days=6), D)
        assert (heat.peak_day, heat.peak) == (D + timedelta(days=1), 200)
        assert (heat.latest_day, heat.latest) == (D + timedelta(days=5), 40)
        assert heat.share == Fraction(1, 5)
        assert heat.decline == Fraction(4, 5)
        assert heat.days_below == 3  # 60, 50 and 40 are below 80 (40% of 200); 150 is not
        assert (heat.engagement, heat.reach) == (600, 6000)
        assert heat.live
        assert heat.cooling

    def test_today_does_not_count_until_it_is_over(self) -> None:
        # Today's 500 is not complete: the peak and the latest are of the days before.
        heat = topic_heat("t", days(200, 60, 50, 40, 500), D + timedelta(days=4), D)
        assert (heat.peak, heat.latest, heat.days_below) == (200, 40, 3)

    def test_days_without_figures_count_as_nothing(self) -> None:
        figures = days(200)
        heat = topic_heat("t", figures, D + timedelta(days=4), D)
        assert (heat.latest, heat.days_below, heat.share) == (0, 3, Fraction(0))
        assert heat.cooling

    def test_fewer_cold_days_than_asked_is_not_cooling(self) -> None:
        heat = topic_heat("t", days(200, 60, 50), D + timedelta(days=3), D)
        assert (heat.days_below, heat.cooling) == (2, False)
        assert topic_heat("t", days(200, 60, 50), D + timedelta(days=3), D, days_below=2).cooling

    def test_a_warm_day_breaks_the_run(self) -> None:
        heat = topic_heat("t", days(200, 60, 90, 50, 40), D + timedelta(days=5), D)
        assert heat.days_below == 2  # 90 is at least 80
        assert not heat.cooling
        # With a higher share, 90 is cold too.
        assert topic_heat(
            "t", days(200, 60, 90, 50, 40), D + timedelta(days=5), D, share=Fraction(1, 2)
        ).cooling

    def test_the_earliest_peak_wins_a_tie_and_the_days_before_it_do_not_count(self) -> None:
        heat = topic_heat("t", days(10, 200, 200, 30), D + timedelta(days=4), D)
        assert heat.peak_day == D + timedelta(days=1)
        assert heat.days_below == 1

    def test_a_topic_not_posted_on_lately_is_not_live(self) -> None:
        figures = days(200, 60, 50, 40)
        today = D + timedelta(days=20)
        assert not topic_heat("t", figures, today, D).cooling
        assert topic_heat("t", figures, today, D, live_days=30).cooling
        assert not topic_heat("t", figures, D + timedelta(days=4), None).live

    def test_no_engagement_is_no_peak(self) -> None:
        heat = topic_heat("t", days(0, 0, 0, 0), D + timedelta(days=4), D)
        assert (heat.peak_day, heat.peak, heat.share, heat.cooling) == (None, 0, None, False)
        assert heat.decline is None


# --- the projection --------------------------------------------------------------------


@pytest.fixture
def pub(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    with open_with_sandboxes(store_url, clock) as opened:
        yield opened


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def snapshot(ops: LibOps, clock: ManualClock, post: Any, day: int, likes: int) -> None:
    clock.set(at(day))
    ops.posts.record_metrics(
        ADMIN, post, MetricSnapshot(Platform.WEIBO, at(day), reads=10 * likes, likes=likes)
    )


def view(ops: LibOps) -> dict[str, Any]:
    with ProjectionEngine(ops, [TopicHeatProjection()]) as engine:
        engine.run()
        return dict(engine.view("topics"))


def test_a_cooling_topic_raises_a_notice_that_ends_when_it_warms(
    pub: LibOps, clock: ManualClock
) -> None:
    campaign = pub.campaigns.plan(
        PLANNER,
        name="World Book Day",
        kind="topic",
        period=Period(date(2026, 3, 1), date(2026, 4, 30)),
        hashtags=["#世界读书日", "读书"],
    )
    post = publish_post(pub, clock, at(2, 1), Platform.WEIBO, campaign_id=campaign)
    publish_post(pub, clock, at(2, 2), Platform.WEIBO)  # no campaign: no topic
    cumulative = 0
    for day, gained in zip(range(2, 9), (100, 200, 150, 60, 50, 40, 20), strict=True):
        cumulative += gained
        snapshot(pub, clock, post, day, cumulative)
    found = view(pub)
    figures = found["topic:世界读书日"]["days"]
    assert figures["2026-03-02"] == {"posts": 1, "engagement": 100, "reach": 1000}
    assert figures["2026-03-03"] == {"posts": 0, "engagement": 200, "reach": 2000}
    assert found["topic:读书"]["days"] == figures
    assert found["topic:世界读书日"]["last_posted"] == "2026-03-02"
    # On the 8th, the 5th, 6th and 7th (60, 50, 40) were below 80, 40% of the peak (200).
    assert [n for n in notices(found) if n["topic"] == "世界读书日"] == [
        {
            "topic": "世界读书日",
            "n": 1,
            "noticed_on": "2026-03-08",
            "peak_day": "2026-03-03",
            "peak": 200,
            "latest_day": "2026-03-07",
            "latest": 40,
            "share": "0.2000",
            "days_below": 3,
            "threshold": "0.4000",
            "ended_on": None,
        }
    ]
    heat = {h.topic: h for h in heats(found)}["世界读书日"]
    assert (heat.peak, heat.latest, heat.days_below, heat.cooling) == (200, 40, 3, True)
    # A warm day (90 >= 80) ends the episode the day after; a new cold run notices again.
    # (An identical snapshot records nothing: each day below gains a like.)
    snapshot(pub, clock, post, 9, cumulative + 90)
    snapshot(pub, clock, post, 10, cumulative + 91)
    found = view(pub)
    assert found["notice:世界读书日:1"]["ended_on"] == "2026-03-10"
    assert found["cooling:世界读书日"] == {"notices": 1, "open": False}
    for day in (11, 12, 13, 14):
        snapshot(pub, clock, post, day, cumulative + 81 + day)
    found = view(pub)
    assert found["notice:世界读书日:2"]["noticed_on"] == "2026-03-13"
    assert found["notice:世界读书日:2"]["days_below"] == 3


def test_a_voided_snapshot_is_taken_back_on_its_day(pub: LibOps, clock: ManualClock) -> None:
    campaign = pub.campaigns.plan(
        PLANNER,
        name="Poetry",
        kind="topic",
        period=Period(date(2026, 3, 1), date(2026, 4, 30)),
        hashtags=["诗歌"],
    )
    post = publish_post(pub, clock, at(2, 1), Platform.WEIBO, campaign_id=campaign)
    snapshot(pub, clock, post, 2, 100)
    snapshot(pub, clock, post, 3, 5000)  # a bad export
    pub.publishing.void_metrics(ADMIN, post, "weibo", at(3), "a zero too many")
    figures = view(pub)["topic:诗歌"]["days"]
    assert figures["2026-03-02"]["engagement"] == 100
    assert figures["2026-03-03"]["engagement"] == 0


class TestTheKeptPeak:
    """The topic documents keep their peak as days complete and change
    (:func:`known_peak`, :func:`day_changed`), so that judging a topic every day does not go
    through all its history: whatever happens, the kept peak is the one worked out afresh."""

    @settings(max_examples=200, deadline=None)
    @given(
        steps=st.lists(
            st.one_of(
                st.tuples(st.just("advance"), st.integers(0, 40)),
                st.tuples(st.just("change"), st.integers(-30, 40), st.integers(-50, 80)),
                st.tuples(st.just("forget"), st.just(0)),
            ),
            max_size=40,
        )
    )
    def test_the_kept_peak_is_the_peak_of_the_complete_days(
        self, steps: list[tuple[Any, ...]]
    ) -> None:
        doc: dict[str, Any] = {"days": {}}
        today = D
        for step in steps:
            if step[0] == "advance":
                today += timedelta(days=step[1])
            elif step[0] == "change":
                day = (today + timedelta(days=step[1])).isoformat()
                figures = doc["days"].setdefault(day, {"posts": 0, "engagement": 0, "reach": 0})
                figures["engagement"] += step[2]
                day_changed(doc, day)
            else:
                doc.pop("peak", None)  # an older document, from before the field
            expected = _complete_peak(doc["days"], today.isoformat())
            assert known_peak(doc, today) == expected
            assert doc["peak"]["before"] == today.isoformat()
            # and the heat judged from it is the heat worked out from all the days
            heat = topic_heat("t", doc["days"], today, today)
            assert (heat.peak_day, heat.peak) == (
                None if expected[0] is None else date.fromisoformat(expected[0]),
                expected[1],
            )

    def test_a_long_gap_is_folded_in_from_the_days_kept(self) -> None:
        doc: dict[str, Any] = {"days": days(5, 300, 7)}
        assert known_peak(doc, D + timedelta(days=1)) == (D.isoformat(), 5, True)
        # ten years later: the days between are not walked one by one, the peak is found
        later = D + timedelta(days=3650)
        assert known_peak(doc, later) == ((D + timedelta(days=1)).isoformat(), 300, True)

    def test_the_peak_day_falling_is_worked_out_again(self) -> None:
        doc: dict[str, Any] = {"days": days(100, 200, 150)}
        today = D + timedelta(days=3)
        assert known_peak(doc, today)[:2] == ((D + timedelta(days=1)).isoformat(), 200)
        doc["days"][(D + timedelta(days=1)).isoformat()]["engagement"] = 20  # a void
        day_changed(doc, (D + timedelta(days=1)).isoformat())
        assert known_peak(doc, today)[:2] == ((D + timedelta(days=2)).isoformat(), 150)

    def test_a_peak_left_stale_by_an_older_libops_is_worked_out_again(self) -> None:
        """An older libops writing the view keeps the field as it found it: a void it applied
        to the peak's day shows as a peak day that no longer has that engagement."""
        doc: dict[str, Any] = {"days": days(100, 50)}
        today = D + timedelta(days=2)
        assert known_peak(doc, today)[:2] == (D.isoformat(), 100)
        doc["days"][D.isoformat()]["engagement"] = 20  # without day_changed, as old code did
        assert known_peak(doc, today)[:2] == ((D + timedelta(days=1)).isoformat(), 50)


def test_days_must_be_keyed_by_their_iso_date() -> None:
    """Days are compared as text, so a key in another form (20260301, a week date) would be
    misplaced: it is refused, naming it."""
    for key in ("20260301", "2026-W09-7", "2026-3-1"):
        with pytest.raises(InvalidValueError, match=key):
            topic_heat("t", {key: {"engagement": 50}}, D + timedelta(days=3), D)


class TestCountingColdDaysOnlyAsFarAsNeeded:
    """The view judges a topic counting its cold days only up to the number that makes it
    cool; only a new notice counts them all. Both must agree on everything else."""

    @settings(max_examples=200, deadline=None)
    @given(
        engagements=st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=30),
        today_offset=st.integers(min_value=0, max_value=35),
        posted_offset=st.integers(min_value=0, max_value=30),
        count_to=st.integers(min_value=1, max_value=5),
    )
    def test_a_bounded_count_decides_the_same(
        self, engagements: list[int], today_offset: int, posted_offset: int, count_to: int
    ) -> None:
        history = days(*engagements)
        today = D + timedelta(days=today_offset)
        last_posted = D + timedelta(days=posted_offset)
        peak_day, peak, any_complete = known_peak({"days": history}, today)
        judged = functools.partial(
            _decline,
            history,
            today,
            last_posted,
            peak_day,
            peak,
            any_complete,
            share=Fraction(2, 5),
            days_below=count_to,
            live_days=14,
        )
        full, bounded = judged(), judged(count_to=count_to)
        assert bounded.cooling == full.cooling
        assert bounded.days_below == min(full.days_below, count_to)
        assert (bounded.peak_day, bounded.latest_day, bounded.latest, bounded.share) == (
            full.peak_day,
            full.latest_day,
            full.latest,
            full.share,
        )

"""The interaction effectiveness projection: participants, Q&A, reading, contests, moderation."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from libops import Actor, LibOps, Platform, PostVariant
from libops.adapters.clock import ManualClock
from libops.domain.interaction import CommentRef, ContestRules, Prize
from libops.domain.personal import Consent, PersonalInfo
from libops.projections import ProjectionEngine
from libops.projections.interactions import (
    InteractionEffectivenessProjection,
    median,
    median_of_counts,
    percentile_90,
    percentile_90_of_counts,
    ratio,
)

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CONSENT = Consent("World Book Day activities at City Library", START)
RULES = ContestRules(
    eligibility="Readers with a City Library card; staff excluded.",
    opens_at=START + timedelta(hours=1),
    closes_at=START + 7 * DAY,
    entry_method="repost",
    prizes=(Prize("Book token, 200 CNY", 2),),
    platforms=("weibo",),
)


def reader(n: int) -> PersonalInfo:
    return PersonalInfo(name=f"读者{n}号", handle=f"@reader_{n}", contact=f"1381234{n:04d}")


def history(ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor) -> dict[str, object]:
    """Five questions, a reading session, a contest and some moderation over a week."""
    session = ops.sessions.schedule(
        planner,
        title="Reading club",
        starts_at=START + DAY,
        ends_at=START + DAY + timedelta(hours=2),
        capacity=5,
        platform="wechat",
    )
    one = ops.sessions.register(
        planner, session, participant=reader(1), consent=CONSENT, platform="weibo"
    )
    ops.sessions.register(
        planner, session, participant=reader(3), consent=CONSENT, platform="weibo"
    )
    walk_in = ops.sessions.register(
        admin,
        session,
        participant=PersonalInfo(name="Li Hua"),
        consent=CONSENT,
        subject_id="walk-in-0001",
    )
    contest = ops.contests.announce(planner, kind="repost_draw", title="Repost draw", rules=RULES)
    ops.contests.open(admin, contest)
    questions = [
        ops.questions.receive(
            planner, platform="weibo", text=f"Question {n}?", asker=reader(r), consent=CONSENT
        )
        for n, r in enumerate([1, 2, 3, 4, 1], start=1)
    ]
    clock.set(START + timedelta(minutes=10))
    ops.questions.answer(admin, questions[0], "Yes.")  # 600 s
    clock.set(START + timedelta(minutes=30))
    ops.questions.answer(admin, questions[1], "No.")  # 1800 s
    clock.set(START + timedelta(minutes=60))
    ops.questions.answer(planner, questions[2], "At ten.")  # 3600 s
    clock.set(START + timedelta(minutes=70))
    entries = [
        ops.contests.enter(
            planner,
            contest,
            participant=reader(r),
            consent=CONSENT,
            platform="weibo",
            method="repost",
        )
        for r in (1, 4, 5)
    ]
    ops.contests.disqualify(admin, contest, entries[2], "staff member")
    clock.set(START + timedelta(minutes=120))
    ops.questions.answer(admin, questions[4], "Room 2.")  # 7200 s
    post = ops.posts.draft(
        planner,
        title="Reading list",
        body="Ten books.",
        content_type="knowledge",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, "书单", media=("a.jpg",))],
    )
    troll = ops.privacy.subject_id_for("weibo", "@troll")
    for n in range(3):
        ops.moderation.warn(admin, troll, CommentRef(post, "weibo", f"c{n}"), "insults")
    ops.moderation.hide(admin, troll, CommentRef(post, "weibo", "c0"), "insults")
    ops.moderation.feature(
        planner,
        ops.privacy.subject_id_for("weibo", "@reader_1"),
        CommentRef(post, "weibo", "good"),
        "thoughtful",
    )
    clock.set(START + DAY + timedelta(minutes=5))
    ops.sessions.record_attendance(planner, session, one)
    ops.sessions.record_attendance(planner, session, walk_in)
    ops.sessions.record_contribution(planner, session, one, "The ending surprised me.")
    clock.set(START + DAY + timedelta(hours=3))
    ops.sessions.close(planner, session)
    escalated = ops.questions.escalate_overdue(admin)
    clock.set(START + 7 * DAY)
    ops.contests.close(admin, contest)
    return {
        "session": session,
        "contest": contest,
        "escalated": escalated,
        "unanswered": questions[3],
    }


class TestInteractionEffectiveness:
    def test_views_worked_out_by_hand(
        self, memory_ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Seven distinct participants; Q&A 4 of 5 answered; 2 of 3 attended; 3 entries."""
        ids = history(memory_ops, clock, planner, admin)
        assert ids["escalated"] == (ids["unanswered"],)
        with ProjectionEngine(memory_ops, [InteractionEffectivenessProjection()]) as engine:
            engine.run()
            view = engine.view("interactions")
        # readers 1-5, the walk-in and the troll; reader 1 asked twice, registered, entered
        # and was featured
        assert view["participants"] == {
            "total": 7,
            "by_kind": {"qa": 4, "reading": 3, "contest": 3, "moderation": 2},
        }
        assert view["qa"] == {
            "received": 5,
            "answered": 4,
            "escalated": 1,
            "answer_rate": "0.8000",
            "response_counts": {"600": 1, "1800": 1, "3600": 1, "7200": 1},
            "median_response_seconds": "2700",
            "p90_response_seconds": 7200,
        }
        assert view["reading"] == {
            "sessions": 1,
            "registrations": 3,
            "attendance": 2,
            "contributions": 1,
            "attendance_rate": "0.6667",
        }
        assert view[f"session:{ids['session']}"] == {
            "title": "Reading club",
            "campaign_id": None,
            "capacity": 5,
            "registered": 3,
            "attended": 2,
            "contributions": 1,
            "status": "closed",
        }
        assert view["contests"] == {
            "contests": 1,
            "entries": 3,
            "disqualified": 1,
            "eligible": 2,
            "drawn": 0,
            "cancelled": 0,
        }
        assert view[f"contest:{ids['contest']}"]["status"] == "closed"
        # the third warning brings the default policy's sanction
        assert view["moderation"] == {
            "hidden": 1,
            "warned": 3,
            "sanctioned": 0,
            "sanctioned_automatically": 1,
            "featured": 1,
            "rewarded": 0,
        }
        text = repr(view)
        for secret in ("读者", "reader_", "13812340", "Li Hua", "surprised"):
            assert secret not in text

    def test_a_cancelled_session(self, memory_ops: LibOps, planner: Actor, admin: Actor) -> None:
        """A session called off reads "cancelled"; its schedule still counts."""
        session = memory_ops.sessions.schedule(
            planner,
            title="Poetry evening",
            starts_at=START + DAY,
            ends_at=START + DAY + timedelta(hours=1),
            capacity=10,
            platform="wechat",
        )
        memory_ops.sessions.cancel(admin, session, reason="the room flooded")
        with ProjectionEngine(memory_ops, [InteractionEffectivenessProjection()]) as engine:
            engine.run()
            view = engine.view("interactions")
        assert view[f"session:{session}"]["status"] == "cancelled"
        assert view["reading"]["sessions"] == 1

    def test_batches_of_one_give_the_same_views(
        self, memory_ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Applied one event per batch, stopped and resumed, the views are the same."""
        history(memory_ops, clock, planner, admin)
        with ProjectionEngine(memory_ops, [InteractionEffectivenessProjection()]) as engine:
            engine.run()
            whole = engine.view("interactions")

        class Copy(InteractionEffectivenessProjection):
            name = "interactions-copy"

        with ProjectionEngine(memory_ops, [Copy()], batch_size=1) as engine:
            assert engine.run(max_batches=7)["interactions-copy"].applied == 7
        with ProjectionEngine(memory_ops, [Copy()], batch_size=1) as engine:
            engine.run()
            assert engine.view("interactions-copy") == whole


class TestStatistics:
    def test_median(self) -> None:
        """Odd count: the middle value; even: the mean of the two middle ones; none: None."""
        assert median([5, 7, 100]) == "7"
        assert median([1, 2]) == "1.5"
        assert median([]) is None

    @given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=60))
    def test_counts_give_what_the_sorted_list_gives(self, values: list[int]) -> None:
        """The median and 90th percentile of a histogram equal those of the sorted list."""
        ordered = sorted(values)
        expected_median = (
            None
            if not ordered
            else (
                str(ordered[len(ordered) // 2])
                if len(ordered) % 2
                else str(
                    (Decimal(ordered[len(ordered) // 2 - 1]) + Decimal(ordered[len(ordered) // 2]))
                    / 2
                )
            )
        )
        expected_p90 = ordered[math.ceil(Fraction(9, 10) * len(ordered)) - 1] if ordered else None
        counts = Counter(values)
        assert median_of_counts(counts) == expected_median
        assert percentile_90_of_counts(counts) == expected_p90

    def test_percentile_90_by_nearest_rank(self) -> None:
        """The ceil(0.9 n)-th smallest: 9th of 10, 10th of 11, the only one of 1."""
        assert percentile_90(list(range(1, 11))) == 9
        assert percentile_90(list(range(1, 12))) == 10
        assert percentile_90([42]) == 42
        assert percentile_90(list(range(1, 71))) == 63  # 0.9 * 70 is 63.000...01 in floats
        assert percentile_90([]) is None

    def test_ratio(self) -> None:
        """Four places, half-even; no whole gives None."""
        assert ratio(2, 3) == "0.6667"
        assert ratio(1, 8) == "0.1250"
        assert ratio(1, 0) is None

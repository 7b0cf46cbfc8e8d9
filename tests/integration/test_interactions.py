"""Questions, reading sessions, contests and moderation through LibOps, on every kind of store.

Every refused command is checked to record nothing (events counted before and after). Contest
draws are verified from the stored history, also after the history was altered in the
database itself, and after a participant's personal data was erased.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest

from libops import Actor, LibOps, Platform, PostVariant
from libops.adapters.clock import ManualClock
from libops.application.interactions import seed_key_subject
from libops.domain.errors import (
    AlreadyModeratedError,
    AlreadyRegisteredError,
    ContestWindowError,
    EarlyEntryError,
    EntryLimitError,
    IdempotencyKeyReuseError,
    IneligibleEntryError,
    InvalidValueError,
    LateEntryError,
    PermissionDeniedError,
    PersonalDataFoundError,
    PlatformNotTargetedError,
    RegistrationClosedError,
    SeedUnavailableError,
    SessionFullError,
    SessionNotStartedError,
    UnknownIdError,
)
from libops.domain.interaction import (
    CommentRef,
    ContestRules,
    ContestStatus,
    Prize,
    QuestionStatus,
    SessionStatus,
    verify_draw,
)
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.draw import draw_winners, seed_commitment
from libops.domain.personal import ERASED, Consent, PersonalInfo
from tests.actors import ADMIN as READER
from tests.conftest import _pg_connect, make_store_url
from tests.helpers import count_events, refused

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
CONSENT = Consent("World Book Day activities at City Library", START)
DAY = timedelta(days=1)


def reader(n: int) -> PersonalInfo:
    """A reader with a name, a Weibo handle and a phone number."""
    return PersonalInfo(name=f"读者{n}号", handle=f"@reader_{n}", contact=f"1381234{n:04d}")


def stored_states(ops: LibOps) -> list[bytes]:
    """The stored state of every event in the store, as bytes."""
    return [bytes(n.state) for n in ops.app.recorder.select_notifications(1, 1_000_000)]


def post_on_weibo(ops: LibOps, planner: Actor) -> UUID:
    """A drafted post with a Weibo and a WeChat variant, for comments to be on."""
    return ops.posts.draft(
        planner,
        title="World Book Day reading list",
        body="Ten books our librarians loved this year.",
        content_type="knowledge",
        format="image_text",
        variants=[
            PostVariant(Platform.WEIBO, "4月23日世界读书日", media=("poster.jpg",)),
            PostVariant(Platform.WECHAT, "世界读书日书单", media=("cover.jpg",)),
        ],
    )


# --- questions -------------------------------------------------------------------------------


class TestQuestions:
    def test_receive_and_answer(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """A question on a post is answered; the response time comes from the clock."""
        post_id = post_on_weibo(ops, planner)
        question_id = ops.questions.receive(
            planner,
            platform="weibo",
            text="Is the list on the shelf?",
            asker=reader(1),
            consent=CONSENT,
            post_id=post_id,
        )
        clock.advance(timedelta(minutes=42))
        assert ops.questions.answer(admin, question_id, "Yes, by the entrance.") == 42 * 60
        question = ops.questions.get(question_id)
        assert question.status is QuestionStatus.ANSWERED
        assert question.answered_by == admin.id
        assert question.post_id == post_id
        assert question.response_time == timedelta(minutes=42)
        assert ops.questions.asker(READER, question_id, "checking") == reader(1)
        assert question.asker.subject_id == ops.privacy.subject_id_for("weibo", "@reader_1")

    def test_refused_questions_record_nothing(
        self, ops: LibOps, planner: Actor, auditor: Actor
    ) -> None:
        """No role, personal data in the text, an unknown post, a future time: nothing kept."""
        good: dict[str, Any] = {
            "platform": "weibo",
            "text": "When do you open?",
            "asker": reader(1),
            "consent": CONSENT,
        }
        refused(ops, PermissionDeniedError, lambda: ops.questions.receive(auditor, **good))
        refused(
            ops,
            PersonalDataFoundError,
            lambda: ops.questions.receive(planner, **{**good, "text": "Call 13812345678"}),
        )
        refused(
            ops,
            UnknownIdError,
            lambda: ops.questions.receive(planner, **good, post_id=UUID(int=7)),
        )
        refused(
            ops,
            InvalidValueError,
            lambda: ops.questions.receive(planner, **good, asked_at=START + DAY),
        )
        refused(
            ops,
            InvalidValueError,
            lambda: ops.questions.receive(
                planner, **{**good, "asker": PersonalInfo(name="Zhang San")}
            ),
        )
        refused(ops, UnknownIdError, lambda: ops.questions.answer(planner, UUID(int=1), "Yes"))

    def test_idempotent_receive_keeps_no_personal_data(self, ops: LibOps, planner: Actor) -> None:
        """A keyed repeat returns the first id; no stored byte holds the asker's details."""
        arguments: dict[str, Any] = {
            "platform": "weibo",
            "text": "When do you open?",
            "asker": reader(7),
            "consent": CONSENT,
            "idempotency_key": "q-7",
        }
        first = ops.questions.receive(planner, **arguments)
        before = count_events(ops)
        assert ops.questions.receive(planner, **arguments) == first
        assert count_events(ops) == before
        refused(
            ops,
            IdempotencyKeyReuseError,
            lambda: ops.questions.receive(planner, **{**arguments, "text": "Other?"}),
        )
        for state in stored_states(ops):
            for secret in ("reader_7", "读者7号", "13812340007"):
                assert secret.encode() not in state
                assert json.dumps(secret).encode() not in state

    def test_escalate_overdue_once(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor, auditor: Actor
    ) -> None:
        """Only questions unanswered past the escalation time escalate, each once."""
        asked = [
            ops.questions.receive(
                planner,
                platform="wechat",
                text=f"Question {n}?",
                asker=reader(n),
                consent=CONSENT,
            )
            for n in range(4)
        ]
        earlier = ops.questions.receive(
            planner,
            platform="wechat",
            text="Asked yesterday?",
            asker=reader(9),
            consent=CONSENT,
            asked_at=START - timedelta(hours=23),
        )
        ops.questions.answer(planner, asked[0], "Answered at once.")
        clock.advance(timedelta(hours=2))
        assert ops.questions.escalate_overdue(admin) == (earlier,)
        clock.advance(DAY)
        assert set(ops.questions.escalate_overdue(admin)) == set(asked[1:])
        refused(ops, PermissionDeniedError, lambda: ops.questions.escalate_overdue(auditor))
        before = count_events(ops)
        assert ops.questions.escalate_overdue(admin) == ()
        assert count_events(ops) == before
        assert not ops.questions.get(asked[0]).escalated
        assert all(ops.questions.get(q).escalated for q in [earlier, *asked[1:]])
        assert set(ops.questions.open_question_ids()) == {earlier, *asked[1:]}  # still open
        refused(
            ops,
            InvalidValueError,
            lambda: ops.questions.escalate_overdue(admin, clock.now() + timedelta(seconds=1)),
        )

    def test_escalation_as_of_an_earlier_time(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """escalate_overdue(now) judges by the time given, which may not be in the future."""
        question_id = ops.questions.receive(
            planner, platform="wechat", text="Open on Sunday?", asker=reader(1), consent=CONSENT
        )
        clock.advance(3 * DAY)
        assert ops.questions.overdue(START + timedelta(hours=23)) == []
        assert ops.questions.escalate_overdue(admin, START + timedelta(hours=23)) == ()
        assert ops.questions.escalate_overdue(admin, START + timedelta(hours=25)) == (question_id,)
        assert ops.questions.get(question_id).escalated_at == START + timedelta(hours=25)


# --- reading sessions ------------------------------------------------------------------------


class TestReadingSessions:
    def test_a_session_from_schedule_to_close(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Register, attend, contribute and close; participants open from their sealed data."""
        session_id = ops.sessions.schedule(
            planner,
            title="Reading club",
            starts_at=START + DAY,
            ends_at=START + DAY + timedelta(hours=2),
            capacity=2,
            platform="wechat",
            place="Reading room 2",
        )
        one = ops.sessions.register(
            planner, session_id, participant=reader(1), consent=CONSENT, platform="weibo"
        )
        two = ops.sessions.register(
            admin,
            session_id,
            participant=PersonalInfo(name="Li Hua"),
            consent=CONSENT,
            subject_id="walk-in-0001",
        )
        refused(
            ops,
            SessionFullError,
            lambda: ops.sessions.register(
                planner, session_id, participant=reader(3), consent=CONSENT, platform="weibo"
            ),
        )
        refused(
            ops,
            AlreadyRegisteredError,
            lambda: ops.sessions.register(
                planner, session_id, participant=reader(1), consent=CONSENT, platform="weibo"
            ),
        )
        refused(
            ops,
            SessionNotStartedError,
            lambda: ops.sessions.record_attendance(planner, session_id, one),
        )
        clock.advance(DAY + timedelta(minutes=5))
        ops.sessions.record_attendance(planner, session_id, one)
        ops.sessions.record_contribution(planner, session_id, one, "The ending surprised me.")
        refused(
            ops,
            RegistrationClosedError,
            lambda: ops.sessions.register(
                planner, session_id, participant=reader(4), consent=CONSENT, platform="weibo"
            ),
        )
        ops.sessions.close(planner, session_id)
        session = ops.sessions.get(session_id)
        assert session.status is SessionStatus.CLOSED
        assert session.attendance == 1
        assert session.contributions == ((one, "The ending surprised me."),)
        assert ops.sessions.participant(READER, session_id, one, "checking") == reader(1)
        assert ops.sessions.participant(READER, session_id, two, "checking") == PersonalInfo(
            name="Li Hua"
        )

    def test_a_subject_is_needed(self, ops: LibOps, planner: Actor) -> None:
        """Without a subject id or a handle and platform, a registration is refused."""
        session_id = ops.sessions.schedule(
            planner,
            title="Club",
            starts_at=START + DAY,
            ends_at=START + 2 * DAY,
            capacity=5,
            place="Hall",
        )
        refused(
            ops,
            InvalidValueError,
            lambda: ops.sessions.register(
                planner, session_id, participant=PersonalInfo(name="Li Hua"), consent=CONSENT
            ),
        )
        refused(
            ops,
            UnknownIdError,
            lambda: ops.sessions.schedule(
                planner,
                title="Club",
                starts_at=START + DAY,
                ends_at=START + 2 * DAY,
                capacity=5,
                place="Hall",
                campaign_id=UUID(int=3),
            ),
        )


# --- contests --------------------------------------------------------------------------------

RULES = ContestRules(
    eligibility="Readers with a City Library card; staff excluded.",
    opens_at=START + timedelta(hours=1),
    closes_at=START + 7 * DAY,
    entry_method="repost",
    prizes=(Prize("Book token, 200 CNY", 2), Prize("Tote bag")),
    platforms=("weibo",),
    entries_per_person=1,
)


def run_contest(
    ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor, *, entries: int = 8
) -> UUID:
    """A contest announced, opened, entered by ``entries`` readers and closed (not drawn)."""
    contest_id = ops.contests.announce(
        planner, kind="repost_draw", title="World Book Day repost draw", rules=RULES
    )
    ops.contests.open(admin, contest_id)
    clock.advance(timedelta(hours=2))
    for n in range(entries):
        ops.contests.enter(
            planner,
            contest_id,
            participant=reader(n),
            consent=CONSENT,
            platform="weibo",
            method="repost",
        )
    clock.set(START + 7 * DAY)
    ops.contests.close(admin, contest_id)
    return contest_id


class TestContests:
    def test_a_contest_is_drawn_and_verified(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor, auditor: Actor
    ) -> None:
        """Entries refused with reasons record nothing; the draw verifies from the history."""
        contest_id = ops.contests.announce(
            planner, kind="repost_draw", title="World Book Day repost draw", rules=RULES
        )
        enter: dict[str, Any] = {
            "participant": reader(1),
            "consent": CONSENT,
            "platform": "weibo",
            "method": "repost",
        }
        refused(ops, EarlyEntryError, lambda: ops.contests.enter(planner, contest_id, **enter))
        ops.contests.open(admin, contest_id)
        refused(ops, EarlyEntryError, lambda: ops.contests.enter(planner, contest_id, **enter))
        clock.advance(timedelta(hours=2))
        first = ops.contests.enter(planner, contest_id, **enter)
        assert first == "E000001"
        limit = refused(
            ops, EntryLimitError, lambda: ops.contests.enter(planner, contest_id, **enter)
        )
        assert "1 entries the rules allow" in str(limit)
        refused(
            ops,
            IneligibleEntryError,
            lambda: ops.contests.enter(
                planner, contest_id, **{**enter, "participant": reader(2), "method": "comment"}
            ),
        )
        refused(
            ops,
            PermissionDeniedError,
            lambda: ops.contests.enter(auditor, contest_id, **{**enter, "participant": reader(2)}),
        )
        for n in range(2, 7):
            ops.contests.enter(
                planner,
                contest_id,
                **{**enter, "participant": reader(n)},
                entry_id=f"weibo:50405576704576{n:02d}",
            )
        ops.contests.disqualify(admin, contest_id, "weibo:5040557670457603", "staff account")
        refused(ops, ContestWindowError, lambda: ops.contests.close(admin, contest_id))
        clock.set(START + 7 * DAY)
        refused(
            ops,
            LateEntryError,
            lambda: ops.contests.enter(planner, contest_id, **{**enter, "participant": reader(8)}),
        )
        commitment = ops.contests.close(admin, contest_id)
        contest = ops.contests.get(contest_id)
        assert contest.seed_commitment == commitment
        assert contest.status is ContestStatus.CLOSED
        assert ops.keys.get(seed_key_subject(contest.id)) is not None
        states_before_draw = stored_states(ops)

        refused(ops, PermissionDeniedError, lambda: ops.contests.draw(auditor, contest_id))
        winners = ops.contests.draw(admin, contest_id)
        contest = ops.contests.get(contest_id)
        assert contest.winners == winners
        assert len(winners) == 3
        assert "weibo:5040557670457603" not in winners
        assert seed_commitment(bytes.fromhex(contest.seed or "")) == commitment
        assert winners == draw_winners(
            bytes.fromhex(contest.seed or ""), contest.eligible_entry_ids(), 3
        )

        # The seed was in no stored event before the draw, and its key is gone after it.
        seed = bytes.fromhex(contest.seed or "")
        for state in states_before_draw:
            assert seed.hex().encode() not in state
            assert seed not in state
        assert ops.keys.get(seed_key_subject(contest.id)) is None

        verification = verify_draw(ops.app.events.get(contest.id))
        assert verification.matches, verification.reasons
        assert verification.expected_winners == winners
        assert ops.contests.verify(contest_id) == verification
        names = {ops.contests.participant(READER, contest_id, w, "checking").label for w in winners}
        assert names <= {reader(n).label for n in range(1, 7)}

    def test_erasing_a_winner_keeps_the_draw_verifiable(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """After a winner's data is erased, the draw still verifies and others stay readable."""
        contest_id = run_contest(ops, clock, planner, admin)
        winners = ops.contests.draw(admin, contest_id)
        erased = ops.contests.get(contest_id).entry(winners[0])
        ops.privacy.erase(admin, erased.subject_id, "asked to be forgotten")
        assert ops.contests.participant(READER, contest_id, winners[0], "checking") is ERASED
        assert ops.contests.participant(READER, contest_id, winners[1], "checking").erased is False
        assert ops.contests.verify(contest_id).matches

    def test_idempotent_entries(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """A keyed entry repeated returns the same entry id and records nothing new."""
        contest_id = ops.contests.announce(planner, kind="prize_quiz", title="Quiz", rules=RULES)
        ops.contests.open(admin, contest_id)
        clock.advance(timedelta(hours=2))
        arguments: dict[str, Any] = {
            "participant": reader(1),
            "consent": CONSENT,
            "platform": "weibo",
            "method": "repost",
            "idempotency_key": "entry-1",
        }
        first = ops.contests.enter(planner, contest_id, **arguments)
        before = count_events(ops)
        assert ops.contests.enter(planner, contest_id, **arguments) == first
        assert count_events(ops) == before

    def test_a_lost_seed_key_stops_the_draw(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Without the seed's key the draw is refused and nothing is recorded."""
        contest_id = run_contest(ops, clock, planner, admin, entries=3)
        ops.keys.erase(seed_key_subject(contest_id))
        refused(ops, SeedUnavailableError, lambda: ops.contests.draw(admin, contest_id))
        assert ops.contests.get(contest_id).status is ContestStatus.CLOSED

    def test_unknown_contest(self, ops: LibOps, admin: Actor) -> None:
        """An unknown contest id is a specific error."""
        refused(ops, UnknownIdError, lambda: ops.contests.open(admin, UUID(int=5)))
        refused(ops, UnknownIdError, lambda: ops.contests.draw(admin, "not-an-id"))


@pytest.fixture(params=["sqlite", "postgresql"])
def file_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated store that outlives one LibOps instance (SQLite file, PostgreSQL schema)."""
    url = make_store_url(request.param, tmp_path, request)
    LibOps.open(url, migrate=True).close()
    return url


def _rewrite_entry(url: str, old: str, new: str) -> int:
    """Change an entry id inside the stored events, in the database itself; rows changed."""
    if url.startswith("sqlite"):
        path = urlsplit(url).path
        with sqlite3.connect(path) as db:
            rows = db.execute(
                "SELECT rowid, state FROM stored_events WHERE topic = ?",
                (Contest.EntryRecorded.TOPIC,),
            ).fetchall()
            changed = 0
            for rowid, state in rows:
                text = bytes(state).decode()
                if json.dumps(old) in text:
                    db.execute(
                        "UPDATE stored_events SET state = ? WHERE rowid = ?",
                        (text.replace(json.dumps(old), json.dumps(new)).encode(), rowid),
                    )
                    changed += 1
            return changed
    schema = parse_qs(urlsplit(url).query)["schema"][0]
    with _pg_connect(url.split("?")[0]) as conn:
        cursor = conn.execute(
            f"UPDATE {schema}.libops_events SET state = convert_to(replace(convert_from(state, "
            "'UTF8'), %s, %s), 'UTF8') WHERE topic = %s AND position(%s in convert_from(state, "
            "'UTF8')) > 0",
            (json.dumps(old), json.dumps(new), Contest.EntryRecorded.TOPIC, json.dumps(old)),
        )
        return int(cursor.rowcount)


class TestContestsAcrossProcesses:
    def test_close_in_one_process_draw_in_another(
        self, file_url: str, planner: Actor, admin: Actor
    ) -> None:
        """The seed waits sealed in the key store: another process can draw."""
        clock = ManualClock(START)
        with LibOps.open(file_url, clock=clock) as first:
            contest_id = run_contest(first, clock, planner, admin, entries=5)
        with LibOps.open(file_url, clock=clock) as second:
            winners = second.contests.draw(admin, contest_id)
            assert second.contests.verify(contest_id).matches
            assert len(winners) == 3

    def test_an_entry_altered_in_the_database_is_detected(
        self, file_url: str, planner: Actor, admin: Actor
    ) -> None:
        """Rewriting an entry's id in the stored events after the draw breaks verification."""
        clock = ManualClock(START)
        with LibOps.open(file_url, clock=clock) as ops:
            contest_id = run_contest(ops, clock, planner, admin, entries=6)
            ops.contests.draw(admin, contest_id)
            assert ops.contests.verify(contest_id).matches
        assert _rewrite_entry(file_url, "E000004", "E000099") == 1
        with LibOps.open(file_url, clock=clock) as ops:
            result = verify_draw(ops.app.events.get(contest_id))
        assert not result.matches
        assert any("entries digest" in reason for reason in result.reasons)
        assert "E000099" in result.eligible_entries


# --- moderation ------------------------------------------------------------------------------


class TestModeration:
    def test_warnings_bring_one_automatic_sanction(
        self, ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """The third warning (the default policy) brings a sanction, once; all reloads."""
        post_id = post_on_weibo(ops, planner)
        subject = ops.privacy.subject_id_for("weibo", "@troll")
        assert ops.moderation.record(subject) is None
        results = [
            ops.moderation.warn(admin, subject, CommentRef(post_id, "weibo", f"c{n}"), "insults")
            for n in range(5)
        ]
        assert results == [False, False, True, False, False]
        ops.moderation.hide(admin, subject, CommentRef(post_id, "weibo", "c1"), "insults")
        ops.moderation.feature(planner, subject, CommentRef(post_id, "wechat", "w1"), "apology")
        ops.moderation.reward(
            planner, subject, CommentRef(post_id, "wechat", "w1"), "apology", "bookmark"
        )
        record = ops.moderation.record(subject)
        assert record is not None
        assert record.warnings == 5
        assert len(record.sanctions) == 1
        assert record.automatic_sanction is not None
        assert record.hidden_comments == (CommentRef(post_id, "weibo", "c1"),)
        assert record.version == 1 + 5 + 1 + 3

    def test_refused_moderation_records_nothing(
        self, ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """Unknown posts, untargeted platforms, repeats and missing roles record nothing."""
        post_id = post_on_weibo(ops, planner)
        comment = CommentRef(post_id, "weibo", "c1")
        refused(
            ops,
            UnknownIdError,
            lambda: ops.moderation.hide(
                admin, "reader-1", CommentRef(UUID(int=9), "weibo", "c"), "spam"
            ),
        )
        refused(
            ops,
            PlatformNotTargetedError,
            lambda: ops.moderation.hide(
                admin, "reader-1", CommentRef(post_id, "douyin", "c"), "spam"
            ),
        )
        refused(
            ops,
            PermissionDeniedError,
            lambda: ops.moderation.warn(planner, "reader-1", comment, "spam"),
        )
        refused(
            ops, InvalidValueError, lambda: ops.moderation.hide(admin, "Zhang San", comment, "spam")
        )
        assert ops.moderation.record("reader-1") is None  # no record without a step
        ops.moderation.hide(admin, "reader-1", comment, "spam")
        refused(
            ops,
            AlreadyModeratedError,
            lambda: ops.moderation.hide(admin, "reader-1", comment, "spam again"),
        )

    def test_a_stricter_policy(
        self, store_url: str, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """LibOps.open(moderation=...) sets the threshold and the measure."""
        from libops.domain.interaction import ModerationPolicy, SanctionMeasure

        policy = ModerationPolicy(sanction_after_warnings=1, automatic_measure="block")
        with LibOps.open(store_url, clock=clock, migrate=True, moderation=policy) as ops:
            post_id = post_on_weibo(ops, planner)
            assert ops.moderation.warn(admin, "reader-1", CommentRef(post_id, "weibo", "c"), "x")
            record = ops.moderation.record("reader-1")
            assert record is not None
            assert record.sanctions[0].measure is SanctionMeasure.BLOCK


class TestOptions:
    @pytest.mark.parametrize(
        "options",
        [
            {"escalate_questions_after": timedelta(0)},
            {"escalate_questions_after": 3600},
            {"moderation": {"sanction_after_warnings": 2}},
        ],
        ids=str,
    )
    def test_bad_options_fail_before_opening(self, options: dict[str, Any]) -> None:
        """Bad interaction options are refused by LibOps.open."""
        with pytest.raises(InvalidValueError):
            LibOps.open("memory://", **options)

    def test_escalation_time_option(self, clock: ManualClock, planner: Actor, admin: Actor) -> None:
        """LibOps.open(escalate_questions_after=...) sets when questions escalate."""
        with LibOps.open(
            "memory://", clock=clock, escalate_questions_after=timedelta(hours=1)
        ) as ops:
            question_id = ops.questions.receive(
                planner, platform="x", text="Hello?", asker=reader(1), consent=CONSENT
            )
            clock.advance(timedelta(minutes=61))
            assert ops.questions.escalate_overdue(admin) == (question_id,)


class TestPersonalDataInInteractions:
    def test_sealed_values_open_where_they_are(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """Every sealed value of every interaction event opens, bound to its own event."""
        ops.questions.receive(
            planner, platform="weibo", text="Open today?", asker=reader(1), consent=CONSENT
        )
        session_id = ops.sessions.schedule(
            planner,
            title="Club",
            starts_at=START + DAY,
            ends_at=START + 2 * DAY,
            capacity=3,
            place="Hall",
        )
        ops.sessions.register(
            planner, session_id, participant=reader(2), consent=CONSENT, platform="weibo"
        )
        contest_id = run_contest(ops, clock, planner, admin, entries=3)
        ops.contests.draw(admin, contest_id)
        opened = [
            value
            for notification in ops.app.recorder.select_notifications(1, 10_000)
            for value in ops.deps.personal.reveal(
                ops.app.mapper.to_domain_event(notification)
            ).values()
        ]
        assert sorted(info.label for info in opened) == sorted(
            reader(n).label for n in (1, 2, 0, 1, 2)
        )

    def test_no_personal_data_in_clear_anywhere(
        self, ops: LibOps, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """After keyed commands of every kind, no stored event holds a reader's details."""
        ops.questions.receive(
            planner,
            platform="weibo",
            text="Open today?",
            asker=reader(1),
            consent=CONSENT,
            idempotency_key="q",
        )
        session_id = ops.sessions.schedule(
            planner,
            title="Club",
            starts_at=START + DAY,
            ends_at=START + 2 * DAY,
            capacity=3,
            place="Hall",
        )
        ops.sessions.register(
            planner,
            session_id,
            participant=reader(2),
            consent=CONSENT,
            platform="weibo",
            idempotency_key="r",
        )
        contest_id = ops.contests.announce(planner, kind="prize_quiz", title="Q", rules=RULES)
        ops.contests.open(admin, contest_id)
        clock.advance(timedelta(hours=2))
        ops.contests.enter(
            planner,
            contest_id,
            participant=reader(3),
            consent=CONSENT,
            platform="weibo",
            method="repost",
            idempotency_key="e",
        )
        states = stored_states(ops)
        assert len(states) >= 8
        for n in (1, 2, 3):
            for secret in (reader(n).name, reader(n).handle, reader(n).contact):
                assert secret is not None
                for form in (secret, json.dumps(secret), secret.lstrip("@")):
                    assert form.encode() not in b"".join(states), (n, form)

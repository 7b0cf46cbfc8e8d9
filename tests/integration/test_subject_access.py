"""A question's text is sealed with its asker; a subject-access listing of one reader's records.

On every store: the text is not in the store in clear, reads back (recorded) until the asker
is erased and as ERASED after; the listing finds the reader's questions, reading-session
records, contest entry, conduct record, the readings of their data and their erasure, and
nobody else's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from typer.testing import CliRunner

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.cli import app as cli
from libops.domain.errors import InvalidValueError, PermissionDeniedError
from libops.domain.interaction.moderation import CommentRef
from libops.domain.interaction.qa import TEXT_SEALED
from libops.domain.personal import ERASED, Consent, PersonalInfo
from libops.domain.values import Platform, PostVariant
from tests.helpers import count_events

QUESTION = "Can I borrow the 1936 edition of 骆驼祥子 from the reading room?"
LI = PersonalInfo(name="Li Ming", handle="@LiMing1990", contact="li.ming@example.org")
WANG = PersonalInfo(name="王芳", handle="@bookish_fang")
GIVEN = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def consent(purpose: str = "answering this question") -> Consent:
    return Consent(purpose, GIVEN)


def ask(ops: LibOps, actor: Actor, who: PersonalInfo = LI, text: str = QUESTION) -> UUID:
    return ops.questions.receive(actor, platform="weibo", text=text, asker=who, consent=consent())


class TestTheQuestionTextIsSealed:
    def test_not_in_clear_and_read_back(self, ops: LibOps, admin: Actor, planner: Actor) -> None:
        """The stored event holds no text; reading it back is recorded like the asker's."""
        question = ask(ops, admin)
        assert ops.questions.get(question).text == TEXT_SEALED
        assert ops.questions.get(question).text_sealed
        for notification in ops.app.recorder.select_notifications(start=1, limit=1000):
            assert "骆驼祥子".encode() not in notification.state
            assert b"1936 edition" not in notification.state
        before = count_events(ops)
        assert ops.questions.text(planner, question, "answering it") == QUESTION
        assert count_events(ops) == before + 1
        (access,) = ops.audit.access()
        assert (access.what, access.reason) == ("question text", "answering it")

    def test_erased_with_the_asker(self, ops: LibOps, admin: Actor, planner: Actor) -> None:
        """Once the asker is erased the text reads as ERASED; another's question stays."""
        question = ask(ops, admin)
        other = ask(ops, admin, WANG, "Is the atrium open on 23 April?")
        ops.privacy.erase(admin, ops.privacy.subject_id_for("weibo", "@LiMing1990"), "asked")
        assert ops.questions.text(planner, question, "checking") == ERASED
        assert ops.questions.text(planner, other, "checking") == "Is the atrium open on 23 April?"
        ops.questions.answer(admin, question, "Yes, at the desk.")  # the rest works on
        assert ops.questions.get(question).answer_text == "Yes, at the desk."

    def test_reading_needs_the_permission(self, memory_ops: LibOps, admin: Actor) -> None:
        """A reviewer may not read it; nothing is recorded."""
        from tests.actors import REVIEWER

        question = ask(memory_ops, admin)
        before = count_events(memory_ops)
        with pytest.raises(PermissionDeniedError):
            memory_ops.questions.text(REVIEWER, question, "curious")
        assert count_events(memory_ops) == before


def _everything(ops: LibOps, admin: Actor, planner: Actor, clock: ManualClock) -> dict[str, UUID]:
    """A reader (LI) who asks, registers, enters a contest and is warned; WANG asks too."""
    li = ops.privacy.subject_id_for("weibo", "@LiMing1990")
    question = ask(ops, admin)
    ask(ops, admin, WANG, "When does the book swap start?")
    session = ops.sessions.schedule(
        planner,
        title="Reading circle",
        starts_at=GIVEN + timedelta(days=2),
        ends_at=GIVEN + timedelta(days=2, hours=2),
        capacity=10,
        platform="weibo",
    )
    ops.sessions.register(
        planner, session, participant=LI, consent=consent("the circle"), platform="weibo"
    )
    ops.sessions.register(
        planner, session, participant=WANG, consent=consent("the circle"), platform="weibo"
    )
    clock.set(GIVEN + timedelta(days=2, minutes=30))
    ops.sessions.record_attendance(planner, session, li)
    post = ops.posts.draft(
        planner,
        title="Which book changed your life?",
        body="Tell us in the comments.",
        content_type="interactive",
        format="image_text",
        variants=[PostVariant(Platform.WEIBO, "Which book changed your life?", ["img/q.png"])],
    )
    ops.moderation.warn(admin, li, CommentRef(post, "weibo", "4990001"), "off-topic advertising")
    ops.questions.asker(admin, question, "replying by e-mail")
    return {"question": question, "session": session}


class TestSubjectAccess:
    def test_every_record_of_one_reader(
        self, ops: LibOps, admin: Actor, planner: Actor, clock: ManualClock
    ) -> None:
        """Questions, sessions, conduct, readings: all of LI's records, none of WANG's."""
        ids = _everything(ops, admin, planner, clock)
        li = ops.privacy.subject_id_for("weibo", "@LiMing1990")
        records = ops.privacy.subject_access(admin, li, "subject access request #7")
        events = [r.event for r in records]
        assert events.count("libops:Question.Received") == 1
        assert "libops:ReadingSession.Registered" in events
        assert "libops:ReadingSession.AttendanceRecorded" in events
        assert "libops:ConductRecord.Opened" in events
        assert "libops:ConductRecord.Warned" in events
        assert "libops:DataAccess.Read" in events
        (received,) = [r for r in records if r.event == "libops:Question.Received"]
        assert received.aggregate_id == ids["question"]
        assert received.personal == {"asker": LI}
        assert received.details["text"] == QUESTION
        (registered,) = [r for r in records if r.event == "libops:ReadingSession.Registered"]
        assert registered.personal == {"participant": LI}
        assert all(WANG not in r.personal.values() for r in records)
        assert [r.recorded_at for r in records] == sorted(r.recorded_at for r in records)
        # The listing is itself a recorded reading, found by the next one.
        again = ops.privacy.subject_access(admin, li, "checking the listing")
        reads = [r for r in again if r.event == "libops:DataAccess.Read"]
        assert any(r.details.get("what") == "subject access listing" for r in reads)

    def test_after_the_erasure(
        self, ops: LibOps, admin: Actor, planner: Actor, clock: ManualClock
    ) -> None:
        """After erasure the records are listed with their data ERASED, and the erasure too."""
        _everything(ops, admin, planner, clock)
        li = ops.privacy.subject_id_for("weibo", "@LiMing1990")
        ops.privacy.erase(admin, li, "the reader asked")
        records = ops.privacy.subject_access(admin, li, "closing the request")
        assert {r.event for r in records} >= {
            "libops:DataSubject.ErasureRequested",
            "libops:DataSubject.Erased",
        }
        (received,) = [r for r in records if r.event == "libops:Question.Received"]
        assert received.personal == {"asker": ERASED}
        assert received.details["text"] == str(ERASED)

    def test_a_reader_libops_never_saw(self, memory_ops: LibOps, admin: Actor) -> None:
        """Nothing is found; the listing itself is recorded, and the next one shows it."""
        records = memory_ops.privacy.subject_access(admin, "reader-unknown", "a request")
        assert records == ()
        again = memory_ops.privacy.subject_access(admin, "reader-unknown", "a request")
        assert [r.event for r in again] == ["libops:DataAccess.Read"]

    @pytest.mark.parametrize(("subject", "reason"), [("bad id", "why"), ("reader-1", " ")])
    def test_bad_requests(
        self, memory_ops: LibOps, admin: Actor, subject: str, reason: str
    ) -> None:
        """A malformed subject id or a blank reason is refused; nothing is recorded."""
        before = count_events(memory_ops)
        with pytest.raises(InvalidValueError):
            memory_ops.privacy.subject_access(admin, subject, reason)
        assert count_events(memory_ops) == before

    def test_only_those_allowed(self, memory_ops: LibOps) -> None:
        """Auditors and reviewers may not list a reader's data."""
        from tests.actors import AUDITOR

        with pytest.raises(PermissionDeniedError):
            memory_ops.privacy.subject_access(AUDITOR, "reader-1", "curious")


class TestTheCommandLine:
    def test_privacy_access(
        self, tmp_path: object, admin: Actor, planner: Actor, clock: ManualClock
    ) -> None:
        """`libops privacy access` by handle, as JSON and as a table."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            _everything(ops, admin, planner, clock)
            li = ops.privacy.subject_id_for("weibo", "@LiMing1990")
        runner = CliRunner()
        result = runner.invoke(
            cli,
            [
                "privacy", "access", "--platform", "weibo", "--handle", "@LiMing1990",
                "--reason", "request #7", "--json", "--store", url,
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        document = json.loads(result.output)
        assert document["subject_id"] == li
        received = [r for r in document["records"] if r["event"] == "libops:Question.Received"]
        assert received[0]["personal"]["asker"]["name"] == "Li Ming"
        table = runner.invoke(
            cli, ["privacy", "access", li, "--reason", "request #7", "--store", url]
        )
        assert table.exit_code == 0, table.output
        assert "Question.Received" in table.output
        missing = runner.invoke(cli, ["privacy", "access", "--store", url, "--reason", "x"])
        assert missing.exit_code == 1
        assert "give a subject id" in missing.output

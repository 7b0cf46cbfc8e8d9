"""Erasure in two steps: a crash between them loses no record, and the next open finishes it.

The request is saved first, then the subject's key is destroyed, then the completion is
saved. Each test breaks one step (the completion's save, the key store, a locked SQLite
database) and checks what is left: the request recorded, the data reading as erased, and
the erasure finished by the next ``LibOps.open`` (or ``libops db check --repair``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import PersistenceError
from typer.testing import CliRunner

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.application.app import RetryPolicy
from libops.application.privacy import ERASURE_ACTOR
from libops.cli import app as cli
from libops.domain.errors import LibopsError, StorageError, SubjectErasedError
from libops.domain.personal import ERASED, Consent, DataSubject, PersonalInfo
from tests.helpers import count_events

ASKER = PersonalInfo(name="Li Ming", handle="@LiMing1990", contact="li.ming@example.org")
REASON = "the reader asked for their data to go"


def ask(ops: LibOps, actor: Actor) -> tuple[Any, str]:
    """A question from ASKER; returns its id and the asker's subject id."""
    question = ops.questions.receive(
        actor,
        platform="weibo",
        text="How do I renew a book?",
        asker=ASKER,
        consent=Consent("answering this question", datetime(2026, 3, 1, tzinfo=UTC)),
    )
    return question, ops.privacy.subject_id_for("weibo", ASKER.handle or "")


@contextmanager
def failing_completion(ops: LibOps) -> Iterator[None]:
    """Saving the completion of an erasure fails (as on a kill or an outage); the rest works."""
    save = ops.app.save

    def broken_save(*aggregates: Any, **kwargs: Any) -> Any:
        for aggregate in aggregates:
            if any(isinstance(e, DataSubject.Erased) for e in aggregate.pending_events):
                raise StorageError("the store went away (injected)")
        return save(*aggregates, **kwargs)

    ops.app.save = broken_save  # type: ignore[method-assign]  # a fault injected for the test
    try:
        yield
    finally:
        ops.app.save = save  # type: ignore[method-assign]  # put back


@contextmanager
def failing_key_store(ops: LibOps) -> Iterator[None]:
    """Destroying a key fails (the key file locked, the server gone); reading still works."""
    erase = ops.keys.erase

    def broken_erase(subject_id: str) -> bool:
        raise StorageError("the key store went away (injected)")

    ops.keys.erase = broken_erase  # type: ignore[method-assign]  # a fault injected for the test
    try:
        yield
    finally:
        ops.keys.erase = erase  # type: ignore[method-assign]  # put back


def assert_pending(ops: LibOps, question: Any, subject: str, reader: Actor) -> None:
    """The request is recorded, the completion is not, and the data already reads as erased."""
    record = ops.privacy.erasure(subject)
    assert record is not None
    assert (record.pending, record.erased) == (True, False)
    assert (record.erased_by, record.reason) == ("admin-1", REASON)
    assert ops.privacy.pending_erasures() == [subject]
    assert ops.privacy.is_erased(subject)
    assert ops.questions.asker(reader, question, "checking the erasure") == ERASED


def assert_complete(ops: LibOps, question: Any, subject: str, reader: Actor) -> None:
    """The erasure is complete: key gone, completion recorded, data erased."""
    record = ops.privacy.erasure(subject)
    assert record is not None
    assert (record.pending, record.erased) == (False, True)
    assert record.reason == REASON
    assert ops.keys.get(subject) is None
    assert ops.privacy.pending_erasures() == []
    assert ops.questions.asker(reader, question, "checking the erasure") == ERASED


class TestACrashBetweenTheSteps:
    def test_a_failed_completion_leaves_the_request(
        self, store_url: str, ops: LibOps, admin: Actor, planner: Actor, clock: ManualClock
    ) -> None:
        """The key is gone and the completion unsaved: the request says who, when and why."""
        question, subject = ask(ops, admin)
        with failing_completion(ops), pytest.raises(StorageError, match="injected"):
            ops.privacy.erase(admin, subject, REASON)
        assert ops.keys.get(subject) is None  # the second step happened
        assert_pending(ops, question, subject, planner)
        if store_url == "memory://":
            assert ops.privacy.finish_pending_erasures() == [subject]
            assert_complete(ops, question, subject, planner)
            return
        with LibOps.open(store_url, clock=clock) as again:
            assert again.erasures_finished == (subject,)
            assert_complete(again, question, subject, planner)
            record = again.privacy.erasure(subject)
            assert record is not None
            assert record.completed_by == ERASURE_ACTOR.id
            assert record.erased_by == admin.id  # who asked stays on record
        with LibOps.open(store_url, clock=clock) as third:
            assert third.erasures_finished == ()  # nothing left to do

    def test_a_failed_key_store_leaves_the_request_and_the_key(
        self, store_url: str, ops: LibOps, admin: Actor, planner: Actor, clock: ManualClock
    ) -> None:
        """The key store fails: the key is still there, yet the data reads as erased."""
        question, subject = ask(ops, admin)
        with failing_key_store(ops), pytest.raises(StorageError, match="injected"):
            ops.privacy.erase(admin, subject, REASON)
        assert ops.keys.get(subject) is not None  # not destroyed yet
        assert_pending(ops, question, subject, planner)
        if store_url == "memory://":
            assert ops.privacy.finish_pending_erasures() == [subject]
            assert_complete(ops, question, subject, planner)
            return
        with LibOps.open(store_url, clock=clock) as again:
            assert again.erasures_finished == (subject,)
            assert_complete(again, question, subject, planner)

    def test_erasing_again_finishes_it(self, ops: LibOps, admin: Actor, planner: Actor) -> None:
        """Erasing a half-erased subject again completes it, keeping the first request."""
        question, subject = ask(ops, admin)
        with failing_completion(ops), pytest.raises(StorageError):
            ops.privacy.erase(admin, subject, REASON)
        ops.privacy.erase(admin, subject, "asked again")
        assert_complete(ops, question, subject, planner)
        before = count_events(ops)
        ops.privacy.erase(admin, subject, "asked a third time")  # idempotent
        assert count_events(ops) == before
        assert ops.privacy.finish_pending_erasures() == []

    def test_no_new_data_after_the_request(self, ops: LibOps, admin: Actor) -> None:
        """Once the key is gone, new data for the half-erased subject is refused."""
        _question, subject = ask(ops, admin)
        with failing_completion(ops), pytest.raises(StorageError):
            ops.privacy.erase(admin, subject, REASON)
        with pytest.raises(SubjectErasedError):
            ask(ops, admin)

    def test_opening_says_so(
        self, tmp_path: Path, admin: Actor, clock: ManualClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Opening logs a warning for each erasure it finished; finish_erasures=False waits."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            _question, subject = ask(ops, admin)
            with failing_completion(ops), pytest.raises(StorageError):
                ops.privacy.erase(admin, subject, REASON)
        with LibOps.open(url, clock=clock, finish_erasures=False) as waiting:
            assert waiting.erasures_finished == ()
            assert waiting.privacy.pending_erasures() == [subject]
        with (
            caplog.at_level(logging.WARNING, logger="libops"),
            LibOps.open(url, clock=clock) as ops,
        ):
            assert ops.erasures_finished == (subject,)
        assert f"finished the erasure of data subject {subject}" in caplog.text


class TestALockedDatabase:
    def test_a_locked_database_at_the_completion(
        self, tmp_path: Path, admin: Actor, planner: Actor, clock: ManualClock
    ) -> None:
        """The event database is locked by another process when the completion is saved."""
        url = f"sqlite:///{tmp_path}/libops.db?lock_timeout=1"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            question, subject = ask(ops, admin)
            erase = ops.keys.erase
            blocker = sqlite3.connect(tmp_path / "libops.db", isolation_level=None)

            def erase_then_lock(subject_id: str) -> bool:
                erased = erase(subject_id)
                if not blocker.in_transaction:  # the command retries: lock once
                    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database
                return erased

            ops.keys.erase = erase_then_lock  # type: ignore[method-assign]  # the fault
            ops.app.retry = RetryPolicy(deadline=1.0)  # give up on the lock soon
            try:
                with pytest.raises((LibopsError, PersistenceError)):
                    ops.privacy.erase(admin, subject, REASON)
            finally:
                blocker.execute("ROLLBACK")
                blocker.close()
                ops.keys.erase = erase  # type: ignore[method-assign]  # put back
            assert_pending(ops, question, subject, planner)
        with LibOps.open(url, clock=clock) as again:
            assert again.erasures_finished == (subject,)
            assert_complete(again, question, subject, planner)


class TestTheRepairCommand:
    def test_db_check_repair_finishes_and_prints(
        self, tmp_path: Path, admin: Actor, clock: ManualClock
    ) -> None:
        """`db check` reports the erasures left half-way; `--repair` finishes and names them."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            _question, subject = ask(ops, admin)
            with failing_completion(ops), pytest.raises(StorageError):
                ops.privacy.erase(admin, subject, REASON)
        runner = CliRunner()
        checked = runner.invoke(cli, ["db", "check", "--store", url])
        assert checked.exit_code == 0, checked.output
        assert "pending erasures" in checked.output
        assert "1" in checked.output.split("pending erasures", 1)[1].splitlines()[0]
        assert "--repair" in checked.output
        repaired = runner.invoke(cli, ["db", "check", "--repair", "--store", url])
        assert repaired.exit_code == 0, repaired.output
        assert f"finished erasure {subject}" in repaired.output
        with LibOps.open(url, clock=clock, finish_erasures=False) as ops:
            assert ops.privacy.pending_erasures() == []
        again = runner.invoke(cli, ["db", "check", "--repair", "--store", url])
        assert "finished erasure" not in again.output

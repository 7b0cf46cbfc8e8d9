"""Signed checkpoints and ``ops.audit.verify``: every kind of tampering is found and located.

The tampering is done as an attacker with write access to the database would do it: with SQL
on the events table, behind libops's back (SQLite and PostgreSQL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libops import (
    Consent,
    InvalidValueError,
    LibOps,
    Money,
    Period,
    PermissionDeniedError,
    PersonalInfo,
)
from libops.adapters.storage import parse_store_url
from libops.application.checkpoints import SIGNING_KEY_SUBJECT, CheckpointInfo
from tests.actors import ADMIN, AUDITOR, OWNER, PLANNER, PLANNER_ADMIN
from tests.conftest import postgres_schema, postgres_url_or_skip

PERIOD = Period(date(2026, 1, 1), date(2026, 12, 31))


class Tamper:
    """Changes the events table directly, as someone with the database's password could."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.config = parse_store_url(url)

    @contextmanager
    def _sql(self) -> Iterator[Any]:
        if self.config.scheme == "sqlite":
            path = self.url.removeprefix("sqlite:///").split("?")[0]
            lite = sqlite3.connect(path)
            try:
                yield lite
                lite.commit()
            finally:
                lite.close()
        else:
            base, _, query = self.url.partition("?")
            schema = query.removeprefix("schema=")
            with psycopg.connect(base, autocommit=False) as conn:
                conn.execute(f"SET search_path TO {schema}")
                yield conn

    def _id(self) -> str:
        return "rowid" if self.config.scheme == "sqlite" else "notification_id"

    def _table(self) -> str:
        return "stored_events" if self.config.scheme == "sqlite" else "libops_events"

    def _p(self) -> str:
        return "?" if self.config.scheme == "sqlite" else "%s"

    def flip(self, position: int) -> None:
        """Flip one bit of the stored state of the event at ``position``."""
        with self._sql() as conn:
            (state,) = conn.execute(
                f"SELECT state FROM {self._table()} WHERE {self._id()} = {self._p()}", (position,)
            ).fetchone()
            changed = bytearray(state)
            changed[len(changed) // 2] ^= 0x01
            conn.execute(
                f"UPDATE {self._table()} SET state = {self._p()} WHERE {self._id()} = {self._p()}",
                (bytes(changed), position),
            )

    def delete(self, position: int) -> None:
        with self._sql() as conn:
            conn.execute(
                f"DELETE FROM {self._table()} WHERE {self._id()} = {self._p()}", (position,)
            )

    def truncate(self, position: int) -> None:
        """Delete the event at ``position`` and every later one."""
        with self._sql() as conn:
            conn.execute(
                f"DELETE FROM {self._table()} WHERE {self._id()} >= {self._p()}", (position,)
            )

    def swap(self, first: int, second: int) -> None:
        """Exchange the places of two events in the log."""
        table, id_, far = self._table(), self._id(), 10**9
        with self._sql() as conn:
            conn.execute(f"UPDATE {table} SET {id_} = {far} WHERE {id_} = {first}")
            conn.execute(f"UPDATE {table} SET {id_} = {first} WHERE {id_} = {second}")
            conn.execute(f"UPDATE {table} SET {id_} = {second} WHERE {id_} = {far}")

    def insert(self, position: int) -> None:
        """Put a new event in at ``position``, moving that event and every later one on by one."""
        table, id_, far = self._table(), self._id(), 10**9
        with self._sql() as conn:
            conn.execute(f"UPDATE {table} SET {id_} = {id_} + {far} WHERE {id_} >= {position}")
            conn.execute(f"UPDATE {table} SET {id_} = {id_} - {far} + 1 WHERE {id_} >= {far}")
            row = conn.execute(
                f"SELECT originator_id, originator_version, topic, state FROM {table} "
                f"WHERE {id_} = {position + 1}"
            ).fetchone()
            columns = "originator_id, originator_version, topic, state"
            marks = ", ".join([self._p()] * 5)
            forged = (position, row[0], row[1] + 1000, row[2], row[3])
            conn.execute(f"INSERT INTO {table} ({id_}, {columns}) VALUES ({marks})", forged)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite or PostgreSQL store."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/libops.db"
        return
    postgres_url_or_skip()
    with postgres_schema(prefix="c") as schema_url:
        yield schema_url


def record_some(ops: LibOps, count: int) -> None:
    """``count`` events: a budget opened and allocated to."""
    budget_id = ops.budgets.open(OWNER, name="FY", period=PERIOD)
    for _ in range(count - 1):
        ops.budgets.allocate(OWNER, budget_id, "promotion", Money("5.00"))


def checkpointed(url: str, counts: list[int]) -> CheckpointInfo:
    """A store with ``counts[i]`` events before checkpoint ``i``; returns the last checkpoint."""
    with LibOps.open(url, migrate=True) as ops:
        info = None
        for count in counts:
            record_some(ops, count)
            info = ops.audit.checkpoint(AUDITOR)
        assert info is not None
        return info


def verify(url: str, **options: Any) -> Any:
    with LibOps.open(url) as ops:
        return ops.audit.verify(**options)


class TestCheckpoints:
    def test_checkpoint_rows_are_guarded_too(self, url: str) -> None:
        """An altered, removed or truncated-away checkpoint is found where it stood."""
        with LibOps.open(url, migrate=True) as ops:
            record_some(ops, 6)
            first = ops.audit.checkpoint(AUDITOR)
            assert first is not None
            record_some(ops, 6)
            assert ops.audit.checkpoint(AUDITOR) is not None
        checkpoint_at = first.last_position + 1
        Tamper(url).flip(checkpoint_at)
        problem = verify(url).problem
        assert problem is not None
        assert problem.position == checkpoint_at

    def test_a_log_cut_before_its_checkpoints_needs_the_kept_one(self, url: str) -> None:
        """Cutting the log short before every checkpoint removes them; the kept one shows it."""
        kept = checkpointed(url, [8])
        Tamper(url).truncate(3)
        assert verify(url).intact  # nothing left to compare with
        problem = verify(url, kept=kept).problem
        assert problem is not None
        assert (problem.kind, problem.position) == ("truncated", 3)

    def test_an_untouched_log_verifies(self, url: str) -> None:
        """Every checkpoint holds; events after the last one are counted as not covered."""
        size = checkpointed(url, [12, 7]).size
        with LibOps.open(url) as ops:
            record_some(ops, 3)
            first, second = ops.audit.checkpoints()
            result = ops.audit.verify(public_key=first.public_key)
        assert result.intact, result.problem
        assert (result.checkpoints, result.covered) == (2, size)
        assert result.uncovered == 4  # the second checkpoint's own event and 3 more
        assert first.public_key == second.public_key
        assert second.size == 12 + 1 + 7

    def test_the_signed_statement(self, url: str) -> None:
        """A checkpoint's text is what an auditor keeps: size, root, time, signature, key."""
        checkpointed(url, [5])
        with LibOps.open(url) as ops:
            (info,) = ops.audit.checkpoints()
        lines = info.text().splitlines()
        assert lines[:3] == ["libops checkpoint v1", "5", info.root]
        assert lines[4:] == [
            f"signature {info.signature}",
            f"public-key {info.public_key}",
            f"last-position {info.last_position}",
        ]
        assert CheckpointInfo.from_text(info.text()) == info

    @pytest.mark.parametrize(
        ("kind", "tamper", "position"),
        [
            ("changed", lambda t: t.flip(7), 7),
            ("missing", lambda t: t.delete(9), 9),
            ("changed", lambda t: t.swap(4, 11), 4),
            ("truncated", lambda t: t.truncate(15), 15),
            ("changed", lambda t: t.insert(6), 6),
        ],
    )
    def test_tampering_is_found_and_located(
        self, url: str, kind: str, tamper: Any, position: int
    ) -> None:
        """Each kind of tampering is reported at the first position it touched."""
        kept = checkpointed(url, [10, 10])
        tamper(Tamper(url))
        result = verify(url, kept=kept)
        assert not result.intact
        assert (result.problem.kind, result.problem.position) == (kind, position)
        assert str(position) in result.problem.message

    def test_a_checkpoint_signed_with_another_key(self, url: str) -> None:
        """With the key pinned, a checkpoint signed with another one is refused."""
        checkpointed(url, [4])
        result = verify(url, public_key="ab" * 32)
        assert result.problem is not None
        assert result.problem.kind == "checkpoint"
        assert "another key" in result.problem.message
        with pytest.raises(InvalidValueError, match="64 hex digits"):
            verify(url, public_key="xyz")

    def test_erased_personal_data_still_verifies(self, url: str) -> None:
        """The hash covers the stored ciphertext: throwing its key away changes nothing."""
        with LibOps.open(url, migrate=True) as ops:
            session_id = ops.sessions.schedule(
                PLANNER,
                title="Poetry evening",
                starts_at=datetime(2027, 1, 9, 18, tzinfo=UTC),
                ends_at=datetime(2027, 1, 9, 20, tzinfo=UTC),
                capacity=5,
                place="Room 2",
            )
            reader = PersonalInfo(name="Wang Fang", handle="wangfang")
            consent = Consent(purpose="reading evenings", given_at=datetime(2026, 1, 1, tzinfo=UTC))
            ops.sessions.register(
                PLANNER_ADMIN, session_id, participant=reader, consent=consent, platform="weibo"
            )
            assert ops.audit.checkpoint(AUDITOR) is not None
            ops.privacy.erase(ADMIN, ops.privacy.subject_id_for("weibo", "wangfang"), "asked")
            result = ops.audit.verify()
        assert result.intact, result.problem

    def test_who_may_checkpoint(self, url: str) -> None:
        """Auditors, technical support and operations admins; the signing key is no subject's."""
        with LibOps.open(url, migrate=True) as ops:
            record_some(ops, 2)
            with pytest.raises(PermissionDeniedError):
                ops.audit.checkpoint(PLANNER)
            assert ops.audit.checkpoint(ADMIN) is not None
            assert ops.audit.checkpoint(ADMIN) is None  # nothing new but the checkpoint
            with pytest.raises(InvalidValueError, match="libops's own key"):
                ops.privacy.erase(ADMIN, SIGNING_KEY_SUBJECT, "no")


TAMPERING = st.sampled_from(["flip", "delete", "swap", "truncate", "insert"])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    counts=st.lists(st.integers(2, 15), min_size=1, max_size=3),
    how=TAMPERING,
    where=st.floats(0, 1),
    other=st.floats(0, 1),
)
def test_random_tampering_never_passes(
    tmp_path_factory: pytest.TempPathFactory,
    counts: list[int],
    how: str,
    where: float,
    other: float,
) -> None:
    """Random logs, random checkpoints, random tampering inside them: always found.

    The auditor kept the latest checkpoint outside the store (a log cut short before its
    checkpoints takes them with it, and only the kept one shows it). The problem is named at
    the first position tampered with, whether an event's row or a checkpoint's own.
    """
    url = f"sqlite:///{tmp_path_factory.mktemp('log')}/libops.db"
    with LibOps.open(url, migrate=True) as ops:
        for count in counts:
            record_some(ops, count)
            assert ops.audit.checkpoint(AUDITOR) is not None
        kept = ops.audit.checkpoints()[-1]
    size = kept.size
    position = 1 + int(where * (size - 1))
    tamper = Tamper(url)
    if how == "swap":
        second = 1 + int(other * (size - 1))
        if second == position:
            second = position + 1 if position < size else position - 1
        tamper.swap(position, second)
        position = min(position, second)
    else:
        getattr(tamper, how)(position)
    result = verify(url, kept=kept)
    assert not result.intact
    assert result.problem.position == position, result.problem

"""The reliability suite with CI's counts: kills, server stops, contention, live followers.

Each test prints its row of the suite's table (tried, acknowledged, lost, half-done, failed)
whatever the outcome, then holds it to issue 13's targets. ``python -m tests.reliability
--full`` runs the same scenarios with the full counts (docs/reliability.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from libops import LibOps
from libops.domain.personal import PersonalInfo
from tests.conftest import REQUIRE_POSTGRES_VAR
from tests.reliability import postgres
from tests.reliability.__main__ import MAX_FAILED_PCT, shortfalls
from tests.reliability.scenarios import (
    CI,
    Tally,
    check_logs,
    contention,
    followers,
    postgres_stops,
    sqlite_kills,
    table,
    throwaway_cluster,
)
from tests.reliability.workload import (
    ADMIN,
    CONSENT,
    PLANNER,
    AckLog,
    prepare_store,
    subject_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def report(capsys: pytest.CaptureFixture[str]) -> Iterator[list[Tally]]:
    """Tallies to show: printed to the terminal as a table when the test ends."""
    tallies: list[Tally] = []
    yield tallies
    with capsys.disabled():
        print("\n" + table(tallies))


@pytest.fixture(scope="module")
def cluster() -> Iterator[postgres.Cluster]:
    """A throwaway PostgreSQL cluster of this module's own (never the shared test server)."""
    reason = postgres.missing_reason()
    if reason:
        if os.environ.get(REQUIRE_POSTGRES_VAR):
            pytest.fail(f"PostgreSQL tests are mandatory here but {reason}")
        pytest.skip(reason)
    with throwaway_cluster() as made:
        yield made


def _quiet(_: str) -> None:
    """Progress goes nowhere under pytest (the table is printed at the end)."""


def test_sqlite_writers_killed_mid_write_lose_nothing(tmp_path: Path, report: list[Tally]) -> None:
    """Writers SIGKILLed at random moments: every acknowledged command is in the store after
    the next open, and no erasure is left half-done (key gone but no Erased, or the reverse)."""
    tally = sqlite_kills(CI.kills, tmp_path, _quiet)
    report.append(tally)
    assert tally.extra["kills"] >= CI.kills
    assert tally.acknowledged > 0
    assert tally.lost == 0, tally.problems
    assert tally.half_done == 0, tally.problems


@pytest.mark.postgres
def test_postgres_stopped_abruptly_loses_nothing(
    cluster: postgres.Cluster, tmp_path: Path, report: list[Tally]
) -> None:
    """The server stopped (immediate) under three writers and started again: every
    acknowledged command is there, no erasure half-done, and every writer carried on."""
    tally = postgres_stops(CI.stops, cluster, tmp_path, _quiet)
    report.append(tally)
    assert tally.acknowledged > 0
    assert tally.lost == 0, tally.problems
    assert tally.half_done == 0, tally.problems


def _contention(url: str, store: str, tmp_path: Path, report: list[Tally]) -> None:
    tallies = contention(url, store, CI.contenders, CI.commands, tmp_path, _quiet)
    report.extend(tallies)
    for tally in tallies:
        assert tally.tried == CI.contenders * CI.commands
        assert tally.lost == 0, tally.problems
        assert tally.extra["recorded though failed"] == 0, tally.problems
        assert tally.extra["recorded twice"] == 0, tally.problems
    for tally in tallies:
        assert tally.failed_pct <= MAX_FAILED_PCT, tally.problems


def test_sqlite_contention_on_one_aggregate(tmp_path: Path, report: list[Tally]) -> None:
    """10 processes on one budget, then on one campaign: none lost, at most 1% failing."""
    _contention(f"sqlite:///{tmp_path}/libops.db", "sqlite", tmp_path, report)


@pytest.mark.postgres
def test_postgres_contention_on_one_aggregate(
    cluster: postgres.Cluster, tmp_path: Path, report: list[Tally]
) -> None:
    """The same on PostgreSQL: none lost, at most 1% failing."""
    _contention(cluster.new_store(), "postgresql", tmp_path, report)


@pytest.mark.postgres
def test_postgres_followers_miss_nothing(
    cluster: postgres.Cluster, tmp_path: Path, report: list[Tally]
) -> None:
    """Two live followers beside eight writers: each view equals a fresh replay, with no event
    missed and none counted twice."""
    tally = followers(cluster, CI.follower_commands, tmp_path, _quiet)
    report.append(tally)
    assert tally.extra["events"] > 8 * CI.follower_commands
    assert tally.extra["follow rounds"] > 1  # each follower followed, rather than caught up once
    assert tally.lost == 0, tally.problems
    assert tally.extra["missed"] == 0, tally.problems
    assert tally.extra["double-counted"] == 0, tally.problems
    assert tally.extra["views unlike a replay"] == 0, tally.problems
    assert shortfalls(tally) == []


def test_the_checks_find_a_lost_command_and_a_half_done_erasure(
    tmp_path: Path, report: list[Tally]
) -> None:
    """What the scenarios count is really found: an acknowledged command the store does not
    hold is lost, and a key destroyed with no Erased record is a half-done erasure."""
    url = f"sqlite:///{tmp_path}/libops.db"
    prepare_store(url)
    log = AckLog(tmp_path / "writer.log")
    with LibOps.open(url) as ops:
        for key in ("a", "b", "c"):
            entry = {"op": "question", "key": key, "subject": subject_for(key)}
            log.write("try", entry)
            made = ops.questions.receive(
                PLANNER,
                platform="weibo",
                text="Is the book on the shelf?",
                asker=PersonalInfo(name=f"Reader {key}", handle=f"@r{key}"),
                consent=CONSENT,
                subject_id=subject_for(key),
                idempotency_key=key,
            )
            log.write("ack", {**entry, "id": str(made)}, sync=True)
        ops.privacy.erase(ADMIN, subject_for("a"), "asked", idempotency_key="erase-a")
        log.write("ack", {"op": "erase", "key": "erase-a", "subject": subject_for("a")})
        ops.keys.erase(subject_for("b"))  # what a crash between the two steps leaves
        # Acknowledged, never given: lost.
        log.write("ack", {"op": "plan", "key": "never", "id": str(UUID(int=7))})
    log.close()
    tally = Tally("the checks themselves", "sqlite")
    with LibOps.open(url) as ops:
        check_logs(ops, [tmp_path / "writer.log"], tally, set())
    report.append(tally)
    assert (tally.tried, tally.acknowledged, tally.lost, tally.half_done) == (3, 5, 1, 1)
    assert any(subject_for("b") in problem for problem in tally.problems)
    assert any("never" in problem for problem in tally.problems)

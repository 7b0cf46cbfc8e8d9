"""``libops audit as-of``, ``history`` and ``view`` on a SQLite store."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner, Result

from libops import LibOps, Money, Period, cli
from libops.adapters.clock import ManualClock
from tests.actors import OWNER

START = datetime(2026, 4, 1, 9, tzinfo=UTC)


def run(*args: str) -> Result:
    """Run the command line in-process."""
    return CliRunner().invoke(cli.app, list(args))


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, UUID, int]:
    """A store with a budget opened on 1 April and allocated to on 2 and 3 April."""
    url = f"sqlite:///{tmp_path}/libops.db"
    clock = ManualClock(START)
    with LibOps.open(url, migrate=True, clock=clock) as ops:
        budget_id = ops.budgets.open(
            OWNER, name="FY", period=Period(date(2026, 1, 1), date(2026, 12, 31))
        )
        clock.advance(timedelta(days=1))
        ops.budgets.allocate(OWNER, budget_id, "promotion", Money("500.00"))
        position = ops.app.recorder.max_notification_id() or 0
        clock.advance(timedelta(days=1))
        ops.budgets.allocate(OWNER, budget_id, "promotion", Money("100.00"))
    return url, budget_id, position


class TestAuditCli:
    def test_as_of_a_moment_a_version_and_a_position(self, store: tuple[str, UUID, int]) -> None:
        """Each way of saying when gives the state then; --json gives it whole."""
        url, budget_id, position = store
        by_time = run(
            "audit",
            "as-of",
            str(budget_id),
            "--at",
            "2026-04-02T18:00+08:00",
            "--store",
            url,
            "--json",
        )
        assert by_time.exit_code == 0, by_time.output
        then = json.loads(by_time.stdout)
        assert (then["kind"], then["version"]) == ("Budget", 2)
        assert then["recorded_at"] == "2026-04-02T09:00:00+00:00"
        by_version = json.loads(
            run("audit", "as-of", str(budget_id), "--version", "2", "--store", url, "--json").stdout
        )
        by_position = run(
            "audit", "as-of", str(budget_id), "--position", str(position), "--store", url, "--json"
        )
        assert by_version == then == json.loads(by_position.stdout)
        table = run("audit", "as-of", str(budget_id), "--version", "1", "--store", url)
        assert table.exit_code == 0
        assert "Budget" in table.stdout
        assert "version 1" in table.stdout

    def test_history(self, store: tuple[str, UUID, int]) -> None:
        """Every version with its time, event, actor and what changed."""
        url, budget_id, _ = store
        result = run("audit", "history", str(budget_id), "--store", url, "--json")
        assert result.exit_code == 0, result.output
        entries = json.loads(result.stdout)
        assert [e["event"] for e in entries] == [
            "Budget.Opened",
            "Budget.Allocated",
            "Budget.Allocated",
        ]
        assert [e["recorded_at"][:10] for e in entries] == [
            "2026-04-01",
            "2026-04-02",
            "2026-04-03",
        ]
        assert {e["actor_id"] for e in entries} == {OWNER.id}
        changes = {c["field"]: c for c in entries[2]["changes"]}
        assert set(changes) == {"lines[promotion, None]", "totals"}
        change = changes["lines[promotion, None]"]
        assert (change["before"]["allocated"], change["after"]["allocated"]) == ("500.00", "600.00")
        assert "Budget.Allocated" in run("audit", "history", str(budget_id), "--store", url).stdout

    def test_a_view_as_of_a_position(self, store: tuple[str, UUID, int]) -> None:
        """A standard projection's documents as they were at the position."""
        url, budget_id, position = store
        result = run("audit", "view", "budget", "--position", str(position), "--store", url)
        assert result.exit_code == 0, result.output
        documents = json.loads(result.stdout)
        assert documents[f"budget:{budget_id}"]["allocated"] == "500.00"

    @pytest.mark.parametrize(
        ("args", "code", "message"),
        [
            (["as-of", "{id}", "--at", "2026-04-02"], 1, "UTC offset"),
            (["as-of", "{id}", "--at", "soon"], 1, "takes a time like"),
            (["as-of", "{id}"], 1, "exactly one of"),
            (["as-of", "{id}", "--version", "9"], 1, "version 9 is not one of"),
            (["as-of", "{id}", "--at", "2026-03-01T00:00Z"], 1, "did not exist yet"),
            (["as-of", "nope", "--version", "1"], 1, "no aggregate with id nope"),
            (["history", str(UUID(int=5))], 1, "no aggregate"),
            (["view", "nope", "--position", "1"], 2, "no standard projection named 'nope'"),
        ],
    )
    def test_bad_questions(
        self, store: tuple[str, UUID, int], args: list[str], code: int, message: str
    ) -> None:
        """A readable one-line error and a non-zero exit, never a traceback."""
        url, budget_id, _ = store
        result = run("audit", *[a.replace("{id}", str(budget_id)) for a in args], "--store", url)
        assert result.exit_code == code
        assert message in result.stderr
        assert "Traceback" not in result.output


class TestCheckpointCli:
    def test_checkpoint_then_verify(self, store: tuple[str, UUID, int], tmp_path: Path) -> None:
        """The signed text is printed to keep; verify checks the log against it."""
        url, _, _ = store
        made = run("audit", "checkpoint", "--store", url)
        assert made.exit_code == 0, made.output
        assert made.stdout.startswith("libops checkpoint v1\n3\n")
        kept = tmp_path / "kept.txt"
        kept.write_text(made.stdout, encoding="utf-8")
        again = run("audit", "checkpoint", "--store", url)
        assert again.exit_code == 0
        assert "no new one" in again.stderr
        listing = json.loads(run("audit", "checkpoints", "--store", url, "--json").stdout)
        assert [entry["size"] for entry in listing] == [3]
        checked = run("audit", "verify", "--kept", str(kept), "--store", url)
        assert checked.exit_code == 0, checked.output
        assert "intact: 1 checkpoints cover 3 events" in checked.stdout
        pinned = listing[0]["public_key"]
        report = json.loads(
            run("audit", "verify", "--public-key", pinned, "--store", url, "--json").stdout
        )
        assert report["intact"] is True
        assert report["uncovered"] == 1

    def test_verify_names_the_first_bad_position(
        self, store: tuple[str, UUID, int], tmp_path: Path
    ) -> None:
        """A changed event: exit code 1 and the position named."""
        url, _, _ = store
        assert run("audit", "checkpoint", "--store", url).exit_code == 0
        path = url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE stored_events SET state = x'00' WHERE rowid = 2")
        result = run("audit", "verify", "--store", url)
        assert result.exit_code == 1
        assert "changed at position 2" in result.stderr
        bad = tmp_path / "bad.txt"
        bad.write_text("libops checkpoint v1\n3\n", encoding="utf-8")
        refused = run("audit", "verify", "--kept", str(bad), "--store", url)
        assert refused.exit_code == 1
        assert "not a kept libops checkpoint" in refused.stderr

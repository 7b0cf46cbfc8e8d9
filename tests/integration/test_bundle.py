"""``libops audit export`` and the standalone verifier: a bundle an auditor checks alone."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from libops import InvalidValueError, LibOps, Money, Period, cli
from libops.application.checkpoints import CheckpointInfo
from libops.verify import main as verify_main
from tests.actors import AUDITOR, OWNER
from tests.conftest import postgres_schema, postgres_url_or_skip


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Path]:
    """A SQLite store of 25 events under two checkpoints, exported; and the kept checkpoint."""
    url = f"sqlite:///{tmp_path}/libops.db"
    with LibOps.open(url, migrate=True) as ops:
        budget_id = ops.budgets.open(
            OWNER, name="FY", period=Period(date(2026, 1, 1), date(2026, 12, 31))
        )
        for n in range(12):
            ops.budgets.allocate(OWNER, budget_id, "promotion", Money(f"{n + 1}.00"))
        assert ops.audit.checkpoint(AUDITOR) is not None
        for _ in range(10):
            ops.budgets.allocate(OWNER, budget_id, "promotion", Money("1.00"))
        last = ops.audit.checkpoint(AUDITOR)
        assert last is not None
    kept = tmp_path / "kept.txt"
    kept.write_text(last.text(), encoding="utf-8")
    bundle = tmp_path / "bundle.jsonl"
    result = CliRunner().invoke(cli.app, ["audit", "export", "--out", str(bundle), "--store", url])
    assert result.exit_code == 0, result.output
    assert "exported 25 events and 2 checkpoints" in result.stderr
    return bundle, kept


def rewrite(bundle: Path, change: Callable[[list[str]], list[str]]) -> None:
    """Change the bundle's event lines (its header and checkpoint lines stay as they are)."""
    lines = bundle.read_text(encoding="utf-8").splitlines()
    head = 1 + json.loads(lines[0])["checkpoints"]
    bundle.write_text("\n".join(lines[:head] + change(lines[head:])) + "\n", encoding="utf-8")


def insert(lines: list[str], index: int) -> list[str]:
    """Put a forged event in at ``lines[index]``'s position, moving it and the rest on by one."""
    forged = json.loads(lines[index])
    forged["event"][2] += 1000
    moved = []
    for line in lines[index:]:
        event = json.loads(line)
        event["event"][0] += 1
        moved.append(json.dumps(event))
    return [*lines[:index], json.dumps(forged), *moved]


def swap(lines: list[str], first: int, second: int) -> list[str]:
    """Exchange two events' places: each one's contents under the other's position."""
    a, b = json.loads(lines[first]), json.loads(lines[second])
    a["event"][1:], b["event"][1:] = b["event"][1:], a["event"][1:]
    changed = list(lines)
    changed[first], changed[second] = json.dumps(a), json.dumps(b)
    return changed


def flip(line: str) -> str:
    event = json.loads(line)
    state = bytearray(base64.b64decode(event["event"][4]))
    state[len(state) // 2] ^= 1
    event["event"][4] = base64.b64encode(bytes(state)).decode()
    return json.dumps(event)


class TestBundle:
    def test_an_export_verifies_in_process_and_standalone(
        self, exported: tuple[Path, Path], tmp_path: Path
    ) -> None:
        """The verifier accepts the export, run from libops and as a copied lone file."""
        bundle, kept = exported
        assert verify_main([str(bundle), "--kept", str(kept)]) == 0
        lone = tmp_path / "verify.py"
        shutil.copy(Path(__file__).parents[2] / "src" / "libops" / "verify" / "__init__.py", lone)
        run = subprocess.run(
            [sys.executable, "-I", str(lone), str(bundle), "--kept", str(kept)],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.startswith("intact: 2 checkpoints cover 24 of 25 events")
        module = subprocess.run(
            [sys.executable, "-m", "libops.verify", str(bundle), "--kept", str(kept)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert module.returncode == 0, module.stderr
        assert module.stderr == ""  # no warning either
        assert module.stdout == run.stdout

    @pytest.mark.parametrize(
        ("change", "kind", "position"),
        [
            (lambda lines: [*lines[:6], flip(lines[6]), *lines[7:]], "changed", 7),
            (lambda lines: [*lines[:3], *lines[4:]], "missing", 4),
            (lambda lines: swap(lines, 2, 9), "changed", 3),
            (lambda lines: lines[:5], "truncated", 6),
            (lambda lines: insert(lines, 4), "changed", 5),
        ],
        ids=["flipped", "deleted", "swapped", "truncated", "inserted"],
    )
    def test_each_tampering_is_refused_and_located(
        self,
        exported: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str],
        change: Callable[[list[str]], list[str]],
        kind: str,
        position: int,
    ) -> None:
        """Exit code 1, naming the kind and the first position tampered with."""
        bundle, kept = exported
        rewrite(bundle, change)
        assert verify_main([str(bundle), "--kept", str(kept)]) == 1
        assert f"{kind} at position {position}:" in capsys.readouterr().err

    def test_a_bundle_that_cannot_be_read(
        self, exported: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit code 2 with the line at fault; a missing file, a wrong kept checkpoint too."""
        bundle, _ = exported
        rewrite(bundle, lambda lines: [*lines[:2], "not json", *lines[2:]])
        assert verify_main([str(bundle)]) == 2
        assert "is not JSON" in capsys.readouterr().err
        assert verify_main([str(tmp_path / "none.jsonl")]) == 2
        assert verify_main([str(bundle), "--kept", str(bundle)]) == 2
        assert "not a kept libops checkpoint" in capsys.readouterr().err
        empty = tmp_path / "empty.jsonl"
        empty.write_text("", encoding="utf-8")
        assert verify_main([str(empty)]) == 2


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty SQLite or PostgreSQL store to import into."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/imported.db"
        return
    postgres_url_or_skip()
    with postgres_schema(prefix="i") as url:
        yield url


class TestImport:
    def test_export_import_export_gives_the_same_history(
        self, exported: tuple[Path, Path], empty_url: str, tmp_path: Path
    ) -> None:
        """Imported, the store holds the same events at the same positions, and verifies;
        exported again and imported back, the history is still the same, line for line."""
        bundle, kept = exported
        runner = CliRunner()
        result = runner.invoke(cli.app, ["audit", "import", str(bundle), "--store", empty_url])
        assert result.exit_code == 0, result.output
        assert "imported 25 events; 2 checkpoints cover 24 of them" in result.stdout
        again = tmp_path / "again.jsonl"
        result = runner.invoke(
            cli.app, ["audit", "export", "--out", str(again), "--store", empty_url]
        )
        assert result.exit_code == 0, result.output
        assert again.read_text().splitlines()[1:] == bundle.read_text().splitlines()[1:]
        assert verify_main([str(again), "--kept", str(kept)]) == 0
        back = f"sqlite:///{tmp_path}/back.db"  # and back again, into SQLite
        result = runner.invoke(cli.app, ["audit", "import", str(again), "--store", back])
        assert result.exit_code == 0, result.output
        third = tmp_path / "third.jsonl"
        assert (
            runner.invoke(
                cli.app, ["audit", "export", "--out", str(third), "--store", back]
            ).exit_code
            == 0
        )
        assert third.read_text().splitlines()[1:] == bundle.read_text().splitlines()[1:]
        with LibOps.open(empty_url) as ops:
            assert ops.audit.verify(kept=CheckpointInfo.from_text(kept.read_text())).intact
            # New events follow the imported ones.
            before = ops.app.recorder.max_notification_id()
            ops.budgets.open(
                OWNER, name="next", period=Period(date(2027, 1, 1), date(2027, 12, 31))
            )
            assert ops.app.recorder.max_notification_id() == (before or 0) + 1

    def test_a_tampered_bundle_or_a_full_store_is_refused(
        self, exported: tuple[Path, Path], empty_url: str
    ) -> None:
        """Nothing is imported from a bundle that does not verify, or into a store in use."""
        bundle, _ = exported
        rewrite(bundle, lambda lines: [*lines[:3], *lines[4:]])
        with LibOps.open(empty_url, migrate=True) as ops:
            with pytest.raises(InvalidValueError, match="does not verify: missing at position 4"):
                ops.audit.import_bundle(bundle)
            assert ops.app.recorder.max_notification_id() in (None, 0)
            ops.budgets.open(OWNER, name="x", period=Period(date(2027, 1, 1), date(2027, 12, 31)))
            with pytest.raises(InvalidValueError, match="empty store; this one holds 1 events"):
                ops.audit.import_bundle(bundle)

    def test_memory_stores_are_refused(self, exported: tuple[Path, Path]) -> None:
        """A memory store cannot keep positions given to it."""
        bundle, _ = exported
        with LibOps.open("memory://") as ops, pytest.raises(InvalidValueError, match="SQLite or"):
            ops.audit.import_bundle(bundle)

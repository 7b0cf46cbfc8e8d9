"""The files of a SQLite store are owner-only (0600), and a wider mode is refused with the fix."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from libops import Actor, LibOps
from libops.adapters.keystore import SQLiteKeyStore, key_store_path
from libops.cli import app as cli
from libops.domain.errors import FileModeError, StorageError
from libops.domain.personal import Consent, PersonalInfo

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def store(tmp_path: Path, admin: Actor) -> Path:
    """A migrated SQLite store holding one sealed asker (so keys and a log exist)."""
    path = tmp_path / "libops.db"
    with LibOps.open(f"sqlite:///{path}", migrate=True) as ops:
        ops.questions.receive(
            admin,
            platform="weibo",
            text="Is the library open?",
            asker=PersonalInfo(name="Li Ming", handle="@LiMing1990"),
            consent=Consent("answering this question", datetime(2026, 3, 1, tzinfo=UTC)),
        )
    return path


class TestCreatedOwnerOnly:
    def test_event_database_and_key_file(self, store: Path) -> None:
        """The event database, the key file and SQLite's files beside them are 0600."""
        made = [p for p in store.parent.iterdir() if p.name.startswith("libops.")]
        assert store in made
        assert key_store_path(store) in made
        for path in made:
            if path.name.endswith(".migrate-lock"):
                continue  # an empty lock file, nothing in it
            assert mode(path) == 0o600, path.name

    def test_even_with_a_permissive_umask(self, tmp_path: Path) -> None:
        """A umask of 000 does not widen them."""
        old = os.umask(0)
        try:
            LibOps.open(f"sqlite:///{tmp_path}/open.db", migrate=True).close()
        finally:
            os.umask(old)
        assert mode(tmp_path / "open.db") == 0o600
        assert mode(key_store_path(tmp_path / "open.db")) == 0o600


class TestAWiderModeIsRefused:
    @pytest.mark.parametrize("wider", [0o644, 0o640, 0o604, 0o660])
    def test_a_key_file_readable_by_others(self, store: Path, wider: int) -> None:
        """A key file restored with a wider mode is refused, saying how to fix it."""
        keys = key_store_path(store)
        keys.chmod(wider)
        with pytest.raises(FileModeError, match=rf"chmod 600 {keys}") as raised:
            LibOps.open(f"sqlite:///{store}")
        assert "key file" in str(raised.value)
        assert f"{wider:04o}" in str(raised.value)
        with pytest.raises(FileModeError):
            SQLiteKeyStore(keys)
        keys.chmod(0o600)  # the fix the message gives
        LibOps.open(f"sqlite:///{store}").close()

    def test_an_event_database_readable_by_others(self, store: Path) -> None:
        """An event database with mode 0644 is refused when opened and when migrated."""
        store.chmod(0o644)
        with pytest.raises(FileModeError, match=rf"event database .*chmod 600 {store}"):
            LibOps.open(f"sqlite:///{store}")
        with pytest.raises(FileModeError):
            LibOps.open(f"sqlite:///{store}", migrate=True)
        assert isinstance(FileModeError("x"), StorageError)

    def test_the_cli_says_so_without_a_traceback(self, store: Path) -> None:
        """`libops db check` ends with the message and exit code 1."""
        key_store_path(store).chmod(0o644)
        result = CliRunner().invoke(cli, ["db", "check", "--store", f"sqlite:///{store}"])
        assert result.exit_code == 1
        assert "chmod 600" in result.output
        assert "Traceback" not in result.output

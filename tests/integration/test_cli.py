"""The command line's store commands: ``libops db migrate`` and ``libops db check``."""

from __future__ import annotations

import socket
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from eventsourcing.domain import Aggregate
from typer.testing import CliRunner, Result

from libops import LibOps, cli
from libops.adapters.storage import STORE_ENV_VAR

SECRET = "Cli-Secr3t/P@ss"


class Note(Aggregate):
    """A stand-in aggregate to put events in a store."""

    def __init__(self, text: str) -> None:
        self.text = text


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the libops command line in-process."""
    return CliRunner().invoke(cli.app, list(args), env=env)


def assert_clean_failure(result: Result, code: int, *fragments: str) -> None:
    """A failure with a one-line message on stderr, the given exit code and no traceback."""
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert result.stdout == ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _no_store_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)
    monkeypatch.delenv("POSTGRES_ENABLE_DB_FUNCTIONS", raising=False)


class TestDbMigrateAndCheck:
    def test_migrate_then_check_sqlite(self, tmp_path: Path) -> None:
        """migrate creates the store; check shows its scheme, URL and number of events."""
        url = f"sqlite:///{tmp_path}/libops.db"
        migrated = run("db", "migrate", "--store", url)
        assert migrated.exit_code == 0, migrated.output
        assert "migrated sqlite store" in migrated.stdout
        assert url in migrated.stdout
        checked = run("db", "check", "--store", url)
        assert checked.exit_code == 0, checked.output
        assert checked.stdout.splitlines() == [
            "scheme  sqlite",
            f"store   {url}",
            "events  0",
        ]

    def test_check_counts_events(self, tmp_path: Path) -> None:
        """check reports how many events the store holds."""
        url = f"sqlite:///{tmp_path}/libops.db"
        assert run("db", "migrate", "--store", url).exit_code == 0
        with LibOps.open(url) as ops:
            ops.app.save(Note("a"), Note("b"))
        checked = run("db", "check", "--store", url)
        assert checked.exit_code == 0, checked.output
        assert "events  2" in checked.stdout

    def test_store_from_environment(self, tmp_path: Path) -> None:
        """Without --store, LIBOPS_STORE names the store."""
        url = f"sqlite:///{tmp_path}/env.db"
        assert run("db", "migrate", env={STORE_ENV_VAR: url}).exit_code == 0
        assert (tmp_path / "env.db").is_file()
        checked = run("db", "check", env={STORE_ENV_VAR: url})
        assert checked.exit_code == 0, checked.output
        assert url in checked.stdout

    def test_default_store_in_current_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without --store or LIBOPS_STORE, the store is libops.db in the current directory."""
        monkeypatch.chdir(tmp_path)
        assert run("db", "migrate").exit_code == 0
        assert (tmp_path / "libops.db").is_file()
        checked = run("db", "check")
        assert checked.exit_code == 0, checked.output
        assert "sqlite:///libops.db" in checked.stdout

    def test_memory_store(self) -> None:
        """memory:// needs no migration; check reports it empty."""
        migrated = run("db", "migrate", "--store", "memory://")
        assert migrated.exit_code == 0
        assert "needs no migration" in migrated.stdout
        checked = run("db", "check", "--store", "memory://")
        assert checked.exit_code == 0
        assert "scheme  memory" in checked.stdout

    def test_console_script_runs_main(self, tmp_path: Path) -> None:
        """The `libops` console script is cli.main, and it runs as a real process."""
        (script,) = entry_points(group="console_scripts", name="libops")
        assert script.load() is cli.main
        url = f"sqlite:///{tmp_path}/libops.db"
        done = subprocess.run(
            [sys.executable, "-m", "libops.cli", "db", "check", "--store", url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == cli.EXIT_STORE_ERROR
        assert "libops db migrate" in done.stderr
        assert "Traceback" not in done.stderr


class TestDbErrors:
    @pytest.mark.parametrize("command", ["migrate", "check"])
    @pytest.mark.parametrize(
        ("url", "fragment"),
        [
            ("libops.db", "is not a store URL"),
            ("", "the store URL is empty"),
            ("sqlite:///x.db?pool_size=3", "unknown option 'pool_size'"),
            ("mysql://u:p@h/db", "unknown store scheme 'mysql'"),
            ("postgresql://u:p@h:99999/db", "not a port number"),
        ],
    )
    def test_bad_url(self, command: str, url: str, fragment: str) -> None:
        """A URL that is wrong as written exits 2 with the reason and no traceback."""
        assert_clean_failure(run("db", command, "--store", url), cli.EXIT_BAD_URL, fragment)

    @pytest.mark.parametrize("command", ["migrate", "check"])
    def test_missing_directory(self, command: str, tmp_path: Path) -> None:
        """A SQLite file in a missing directory exits 1 and creates nothing."""
        result = run("db", command, "--store", f"sqlite:///{tmp_path}/missing/libops.db")
        assert_clean_failure(result, cli.EXIT_STORE_ERROR, "does not exist")
        assert list(tmp_path.iterdir()) == []

    def test_check_before_migrate(self, tmp_path: Path) -> None:
        """check on a store never migrated exits 1, says to migrate, and creates no file."""
        result = run("db", "check", "--store", f"sqlite:///{tmp_path}/libops.db")
        assert_clean_failure(result, cli.EXIT_STORE_ERROR, "libops db migrate")
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize("command", ["migrate", "check"])
    def test_unsafe_setting(self, command: str, tmp_path: Path) -> None:
        """POSTGRES_ENABLE_DB_FUNCTIONS on makes every store command refuse."""
        result = run(
            "db",
            command,
            "--store",
            f"sqlite:///{tmp_path}/libops.db",
            env={"POSTGRES_ENABLE_DB_FUNCTIONS": "true"},
        )
        assert_clean_failure(result, cli.EXIT_STORE_ERROR, "POSTGRES_ENABLE_DB_FUNCTIONS")
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize("command", ["migrate", "check"])
    def test_unreachable_server_hides_password(self, command: str) -> None:
        """An unreachable server exits 1; the message shows the URL with *** for the password."""
        url = f"postgresql://libops:{quote(SECRET, safe='')}@127.0.0.1:{_free_port()}/libops"
        result = run("db", command, "--store", url)
        assert_clean_failure(result, cli.EXIT_STORE_ERROR, "cannot reach", "libops:***@")
        assert SECRET not in result.output
        assert quote(SECRET, safe="") not in result.output


@pytest.mark.postgres
class TestDbOnPostgres:
    def test_migrate_then_check(self, postgres_url: str) -> None:
        """migrate then check on PostgreSQL; the output never shows the password."""
        password = urlsplit(postgres_url).password or ""
        migrated = run("db", "migrate", "--store", postgres_url)
        assert migrated.exit_code == 0, migrated.output
        checked = run("db", "check", "--store", postgres_url)
        assert checked.exit_code == 0, checked.output
        assert "scheme  postgresql" in checked.stdout
        assert "events  0" in checked.stdout
        assert ":***@" in checked.stdout
        assert f":{password}@" not in checked.output

    def test_check_before_migrate(self, postgres_url: str) -> None:
        """check on a schema never migrated exits 1 and says to migrate."""
        result = run("db", "check", "--store", postgres_url)
        assert_clean_failure(result, cli.EXIT_STORE_ERROR, "libops db migrate")

    def test_wrong_password(self, postgres_url: str) -> None:
        """A wrong password exits 1 naming the refusal, without showing the password."""
        parts = urlsplit(postgres_url)
        netloc = f"{parts.username}:{quote(SECRET, safe='')}@{parts.hostname}:{parts.port}"
        url = urlunsplit(parts._replace(netloc=netloc))
        result = run("db", "check", "--store", url)
        assert_clean_failure(result, cli.EXIT_STORE_ERROR, "refused the credentials")
        assert SECRET not in result.output
        assert quote(SECRET, safe="") not in result.output

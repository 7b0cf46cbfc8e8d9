"""Opening and migrating real stores: SQLite files, a PostgreSQL server, and every way it fails."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

import libops
from libops import LibOps
from libops.adapters.storage import count_events, parse_store_url
from libops.domain.errors import (
    MigrationRequiredError,
    StorageError,
    StoreAuthenticationError,
    StoreUnavailableError,
    StoreUrlError,
    UnsafeStoreSettingError,
)
from tests.conftest import _pg_connect, postgres_url_or_skip

SECRET = "Sup3r-Secr3t/P@ss#1"
"""A password with characters that must be percent-encoded; it must never be shown."""


class Note(Aggregate):
    """A stand-in aggregate: the storage tests are about rows, not about the domain."""

    def __init__(self, text: str) -> None:
        self.text = text


def _with_login(url: str, *, user: str | None = None, password: str | None = None) -> str:
    """``url`` with another user or password (percent-encoded)."""
    parts = urlsplit(url)
    name = quote(user, safe="") if user is not None else parts.username or ""
    secret = quote(password, safe="") if password is not None else parts.password or ""
    netloc = f"{name}:{secret}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


def _with_database(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{dbname}"))


def _free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _schema_objects(base_url: str, schema: str) -> list[str]:
    """The tables and types in ``schema`` (an empty list when the schema has none)."""
    with _pg_connect(base_url) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
        types = conn.execute(
            "SELECT t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n "
            "ON n.oid = t.typnamespace WHERE n.nspname = %s AND t.typtype = 'c' "
            "AND t.typrelid NOT IN (SELECT oid FROM pg_catalog.pg_class WHERE relkind = 'r')",
            (schema,),
        ).fetchall()
    return sorted(str(row[0]) for row in [*tables, *types])


def _assert_no_secret(error: BaseException) -> None:
    for shown in (str(error), repr(error)):
        assert SECRET not in shown
        assert quote(SECRET, safe="") not in shown


@pytest.fixture
def pg_base() -> str:
    """The test server's URL (skips, or fails where PostgreSQL is mandatory, without it)."""
    return postgres_url_or_skip()


@pytest.fixture
def fresh_schema(pg_base: str) -> Iterator[tuple[str, str]]:
    """A store URL naming a schema that does not exist yet, and that schema (dropped after)."""
    schema = f"m_{uuid.uuid4().hex[:16]}"
    try:
        yield f"{pg_base}?schema={schema}", schema
    finally:
        with _pg_connect(pg_base) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _migrate_concurrently(url: str, processes: int, tmp_path: Path) -> list[str]:
    """Run ``libops.migrate(url)`` in ``processes`` processes released at the same moment."""
    go = tmp_path / f"go-{uuid.uuid4().hex}"
    script = (
        "import os, sys, time\n"
        "import libops\n"
        "go = sys.argv[2]\n"
        "deadline = time.monotonic() + 60\n"
        "while not os.path.exists(go) and time.monotonic() < deadline:\n"
        "    time.sleep(0.001)\n"
        "libops.migrate(sys.argv[1])\n"
        "print('migrated')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("ENABLE_DB_FUNCTIONS")}
    started = [
        subprocess.Popen(
            [sys.executable, "-c", script, url, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        for _ in range(processes)
    ]
    time.sleep(2.0)  # let every process import libops, then release them together
    go.touch()
    failures = []
    for process in started:
        out, err = process.communicate(timeout=120)
        if process.returncode != 0 or out.strip() != "migrated":
            failures.append(err.strip().splitlines()[-1] if err.strip() else out)
    return failures


class TestSQLiteStore:
    def test_migrate_then_open(self, tmp_path: Path) -> None:
        """migrate creates the file and its table; open then records and reads events."""
        url = f"sqlite:///{tmp_path}/libops.db"
        libops.migrate(url)
        with LibOps.open(url) as ops:
            assert count_events(ops.app.recorder) == 0
            ops.app.save(Note("hello"))
            assert count_events(ops.app.recorder) == 1

    def test_migrate_twice_keeps_events(self, tmp_path: Path) -> None:
        """Running the migration again changes nothing and keeps what is stored."""
        url = f"sqlite:///{tmp_path}/libops.db"
        libops.migrate(url)
        with LibOps.open(url) as ops:
            note = Note("kept")
            ops.app.save(note)
        libops.migrate(url)
        with LibOps.open(url) as ops:
            assert count_events(ops.app.recorder) == 1
            loaded: Aggregate = ops.app.repository.get(note.id)
            assert isinstance(loaded, Note)
            assert loaded.text == "kept"

    def test_relative_url_in_current_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """sqlite:///libops.db is a file in the current directory."""
        monkeypatch.chdir(tmp_path)
        libops.migrate("sqlite:///libops.db")
        assert (tmp_path / "libops.db").is_file()
        with LibOps.open("sqlite:///libops.db") as ops:
            assert count_events(ops.app.recorder) == 0

    def test_missing_directory(self, tmp_path: Path) -> None:
        """A file in a missing directory is StoreUnavailableError; nothing is created."""
        url = f"sqlite:///{tmp_path}/missing/libops.db"
        with pytest.raises(StoreUnavailableError, match="does not exist"):
            libops.migrate(url)
        with pytest.raises(StoreUnavailableError, match="does not exist"):
            LibOps.open(url)
        assert list(tmp_path.iterdir()) == []

    def test_file_not_migrated(self, tmp_path: Path) -> None:
        """Opening a file that was never migrated is MigrationRequiredError; no file appears."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with pytest.raises(MigrationRequiredError, match="libops db migrate"):
            LibOps.open(url)
        assert list(tmp_path.iterdir()) == []

    def test_empty_database_not_migrated(self, tmp_path: Path) -> None:
        """A SQLite file without libops's table is MigrationRequiredError; open adds none."""
        path = tmp_path / "libops.db"
        sqlite3.connect(path).close()
        with pytest.raises(MigrationRequiredError, match="libops db migrate"):
            LibOps.open(f"sqlite:///{path}")
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []

    def test_not_a_database(self, tmp_path: Path) -> None:
        """A file that is not SQLite is refused by name, and left as it was."""
        path = tmp_path / "libops.db"
        path.write_text("not a database, just words " * 100)
        with pytest.raises(StorageError, match=r"libops\.db"):
            LibOps.open(f"sqlite:///{path}")
        assert path.read_text().startswith("not a database")

    def test_concurrent_migrations(self, tmp_path: Path) -> None:
        """Four processes migrating one new SQLite file at once all succeed."""
        url = f"sqlite:///{tmp_path}/libops.db"
        assert _migrate_concurrently(url, 4, tmp_path) == []
        with LibOps.open(url) as ops:
            assert count_events(ops.app.recorder) == 0


class TestSQLiteLocksKept:
    def test_opening_the_store_again_keeps_this_process_locks(self, tmp_path: Path) -> None:
        """Opening a store a second time in one process leaves the first connection's locks.

        Closing any file descriptor on a file drops every POSIX lock the process holds on
        it; a check that read the file with Python's own ``open()`` did that, so another
        process closing its connection believed itself the last one and checkpointed and
        removed the write-ahead log while this process still wrote to it.
        """
        url = f"sqlite:///{tmp_path}/libops.db"
        wal = tmp_path / "libops.db-wal"
        with LibOps.open(url, migrate=True) as first:
            first.app.save(Note("a note"))
            with LibOps.open(url) as second:  # the file is checked again here
                second.app.save(Note("a note"))
                assert wal.exists()
                # Another process connects, reads and closes: the WAL must stay in use.
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "import sqlite3, sys\n"
                        "c = sqlite3.connect(sys.argv[1])\n"
                        "c.execute('SELECT count(*) FROM sqlite_master').fetchone()\n"
                        "c.close()\n",
                        str(tmp_path / "libops.db"),
                    ],
                    check=True,
                )
                assert wal.exists(), "another process removed the write-ahead log in use"
                first.app.save(Note("a note"))
            assert count_events(first.app.recorder) == 3


class TestMemoryStore:
    def test_memory_needs_no_migration(self) -> None:
        """memory:// opens without a migration, and migrating it does nothing."""
        libops.migrate("memory://")
        with LibOps.open("memory://") as ops:
            ops.app.save(Note("x"))
            assert count_events(ops.app.recorder) == 1


class TestBadUrls:
    @pytest.mark.parametrize(
        "url", ["", "libops.db", "sqlite:libops.db", "postgresql://u:p@h", "sqlite:///x.db?x=1"]
    )
    def test_malformed_url(self, url: str) -> None:
        """A malformed URL is StoreUrlError for open and for migrate."""
        with pytest.raises(StoreUrlError):
            LibOps.open(url)
        with pytest.raises(StoreUrlError):
            libops.migrate(url)

    def test_unknown_scheme(self) -> None:
        """An unknown scheme is StoreUrlError, naming the scheme and not the password."""
        url = f"mysql://u:{quote(SECRET, safe='')}@127.0.0.1/db"
        with pytest.raises(StoreUrlError, match="mysql") as raised:
            LibOps.open(url)
        _assert_no_secret(raised.value)


class TestUnsafeSetting:
    @pytest.mark.parametrize(
        "key", ["POSTGRES_ENABLE_DB_FUNCTIONS", "LIBOPS_POSTGRES_ENABLE_DB_FUNCTIONS"]
    )
    def test_refused_before_anything_opens(
        self, key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the setting on, open and migrate refuse before touching any store."""
        monkeypatch.setenv(key, "yes")
        url = f"sqlite:///{tmp_path}/libops.db"
        with pytest.raises(UnsafeStoreSettingError, match=key):
            libops.migrate(url)
        with pytest.raises(UnsafeStoreSettingError):
            LibOps.open(url)
        with pytest.raises(UnsafeStoreSettingError):
            LibOps.open("memory://")
        # A server that does not exist is not even tried: the refusal comes first.
        unreachable = f"postgresql://u:p@127.0.0.1:{_free_port()}/db"
        with pytest.raises(UnsafeStoreSettingError):
            LibOps.open(unreachable)
        assert list(tmp_path.iterdir()) == []

    def test_switched_off_is_fine(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The setting present but off does not stop libops."""
        monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "no")
        with LibOps.open("memory://") as ops:
            assert count_events(ops.app.recorder) == 0


@pytest.mark.postgres
class TestPostgresStore:
    def test_migrate_then_open(self, postgres_url: str) -> None:
        """migrate creates libops's tables; open then records and reads events."""
        libops.migrate(postgres_url)
        with LibOps.open(postgres_url) as ops:
            assert count_events(ops.app.recorder) == 0
            note = Note("hello")
            ops.app.save(note)
            loaded: Aggregate = ops.app.repository.get(note.id)
            assert isinstance(loaded, Note)
            assert count_events(ops.app.recorder) == 1

    def test_open_does_not_create_tables(self, pg_base: str, postgres_url: str) -> None:
        """Opening a schema never migrated is MigrationRequiredError, and creates nothing."""
        schema = parse_store_url(postgres_url).schema
        with pytest.raises(MigrationRequiredError, match="libops db migrate"):
            LibOps.open(postgres_url)
        assert _schema_objects(pg_base, schema) == []

    def test_migrate_twice_keeps_events(self, postgres_url: str) -> None:
        """Running the migration again changes nothing and keeps what is stored."""
        libops.migrate(postgres_url)
        with LibOps.open(postgres_url) as ops:
            ops.app.save(Note("kept"))
        libops.migrate(postgres_url)
        with LibOps.open(postgres_url) as ops:
            assert count_events(ops.app.recorder) == 1

    def test_migrate_creates_missing_schema(
        self, pg_base: str, fresh_schema: tuple[str, str]
    ) -> None:
        """A schema named in the URL that does not exist is created by the migration."""
        url, schema = fresh_schema
        with pytest.raises(MigrationRequiredError):
            LibOps.open(url)
        libops.migrate(url)
        assert "libops_events" in _schema_objects(pg_base, schema)
        with LibOps.open(url) as ops:
            assert count_events(ops.app.recorder) == 0

    def test_concurrent_migrations(
        self, pg_base: str, postgres_url: str, fresh_schema: tuple[str, str], tmp_path: Path
    ) -> None:
        """Four processes migrating at once all succeed (existing and new schema)."""
        new_url, new_schema = fresh_schema
        for url in (postgres_url, new_url):
            assert _migrate_concurrently(url, 4, tmp_path) == []
            with LibOps.open(url) as ops:
                assert count_events(ops.app.recorder) == 0
        assert "libops_events" in _schema_objects(pg_base, new_schema)

    def test_count_is_not_the_last_notification_id(self, postgres_url: str) -> None:
        """count_events counts rows, even when a failed write left a gap in the ids."""
        libops.migrate(postgres_url)
        with LibOps.open(postgres_url) as ops:
            first = Note("first")
            ops.app.save(first)
            copy: Aggregate = ops.app.repository.get(first.id)
            first.trigger_event(Aggregate.Event)
            copy.trigger_event(Aggregate.Event)
            ops.app.save(first)
            with pytest.raises(IntegrityError):
                ops.app.save(copy)
            ops.app.save(Note("second"))
            assert count_events(ops.app.recorder) == 3
            assert (ops.app.recorder.max_notification_id() or 0) >= 3

    def test_unreachable_port(self, pg_base: str) -> None:
        """A port nothing listens on is StoreUnavailableError within a couple of seconds."""
        url = _with_login(pg_base, password=SECRET)
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0] + f":{_free_port()}"))
        for action in (LibOps.open, libops.migrate):
            started = time.monotonic()
            with pytest.raises(StoreUnavailableError, match="cannot reach") as raised:
                action(url)
            assert time.monotonic() - started < 3
            _assert_no_secret(raised.value)

    def test_wrong_password(self, pg_base: str) -> None:
        """A wrong password is StoreAuthenticationError and the password is never shown."""
        url = _with_login(pg_base, password=SECRET)
        for action in (LibOps.open, libops.migrate):
            with pytest.raises(StoreAuthenticationError, match="refused the credentials") as raised:
                action(url)
            _assert_no_secret(raised.value)

    def test_unknown_user(self, pg_base: str) -> None:
        """A user the server does not know is StoreAuthenticationError."""
        url = _with_login(pg_base, user="nobody_here", password=SECRET)
        with pytest.raises(StoreAuthenticationError) as raised:
            LibOps.open(url)
        _assert_no_secret(raised.value)

    def test_database_does_not_exist(self, pg_base: str) -> None:
        """A database the server does not have is StoreUnavailableError naming it."""
        url = _with_database(pg_base, f"no_such_db_{uuid.uuid4().hex[:8]}")
        for action in (LibOps.open, libops.migrate):
            with pytest.raises(StoreUnavailableError, match="database does not exist"):
                action(url)

    def test_unsafe_setting_opens_nothing(
        self, pg_base: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With POSTGRES_ENABLE_DB_FUNCTIONS on, migrate creates no table and open refuses."""
        monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")
        with pytest.raises(UnsafeStoreSettingError):
            libops.migrate(postgres_url)
        assert _schema_objects(pg_base, parse_store_url(postgres_url).schema) == []
        monkeypatch.delenv("POSTGRES_ENABLE_DB_FUNCTIONS")
        libops.migrate(postgres_url)
        monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")
        with pytest.raises(UnsafeStoreSettingError):
            LibOps.open(postgres_url)

    def test_pool_options_reach_eventsourcing(self, postgres_url: str) -> None:
        """Pool size and overflow from the URL configure eventsourcing's connection pool."""
        libops.migrate(postgres_url)
        with LibOps.open(f"{postgres_url}&pool_size=2&max_overflow=1") as ops:
            pool = ops.app.factory.datastore.pool  # type: ignore[attr-defined]  # PostgreSQL's only
            assert (pool.min_size, pool.max_size) == (2, 3)

"""The KeyStore contract on every adapter, and what each adapter promises beyond it.

The contract (:class:`libops.testing.KeyStoreContract`) runs on the in-memory store, on a SQLite
key file and on PostgreSQL tables. The SQLite checks read the key file and its write-ahead log
byte by byte: an erased key must be in neither.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from libops import LibOps
from libops.adapters.keystore import (
    ERASED_TABLE,
    KEY_STORE_TABLES,
    KEYS_TABLE,
    MemoryKeyStore,
    PostgresKeyStore,
    SQLiteKeyStore,
    key_store_path,
    migrate_key_store,
    migrate_sqlite_key_store,
    open_key_store,
)
from libops.adapters.keystore import postgres as postgres_key_store
from libops.adapters.storage import parse_store_url
from libops.bootstrap import migrate_store
from libops.domain.errors import InvalidValueError, MigrationRequiredError
from libops.domain.ports import KeyStore
from libops.testing import KeyStoreContract
from tests.conftest import _pg_connect, postgres_url_or_skip

# --- the contract on each adapter -----------------------------------------------------------


class TestMemoryKeyStore(KeyStoreContract):
    """Keys in process memory."""

    def make_key_store(self) -> KeyStore:
        return MemoryKeyStore()


class TestSQLiteKeyStore(KeyStoreContract):
    """Keys in a SQLite file of their own, each store a new file."""

    @pytest.fixture(autouse=True)
    def _directory(self, tmp_path: Path) -> None:
        self._tmp = tmp_path

    def make_key_store(self) -> KeyStore:
        path = self._tmp / f"{uuid.uuid4().hex}.keys.db"
        migrate_sqlite_key_store(path)
        return SQLiteKeyStore(path)

    def reopen(self, store: KeyStore) -> KeyStore | None:
        assert isinstance(store, SQLiteKeyStore)
        return SQLiteKeyStore(store.path)


@pytest.fixture
def pg_schemas() -> Iterator[Callable[[], str]]:
    """Makes store URLs in fresh, migrated key-store schemas; drops them all afterwards."""
    base = postgres_url_or_skip()
    made: list[str] = []

    def make() -> str:
        schema = f"k_{uuid.uuid4().hex[:16]}"
        with _pg_connect(base) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        url = f"{base}?schema={schema}"
        migrate_key_store(parse_store_url(url))
        return url

    try:
        yield make
    finally:
        with _pg_connect(base) as conn:
            for schema in made:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.mark.postgres
class TestPostgresKeyStore(KeyStoreContract):
    """Keys in tables of a PostgreSQL schema, each store a new schema."""

    @pytest.fixture(autouse=True)
    def _schemas(self, pg_schemas: Callable[[], str]) -> None:
        self._make_schema = pg_schemas

    def make_key_store(self) -> KeyStore:
        return PostgresKeyStore(parse_store_url(self._make_schema()))

    def reopen(self, store: KeyStore) -> KeyStore | None:
        assert isinstance(store, PostgresKeyStore)
        return PostgresKeyStore(store.config)


class TestContractCoverage:
    def test_the_contract_has_its_checks(self) -> None:
        """Each adapter's class carries every check of the shipped contract."""
        checks = {name for name in dir(KeyStoreContract) if name.startswith("test_")}
        assert len(checks) >= 12
        for case in (TestMemoryKeyStore, TestSQLiteKeyStore, TestPostgresKeyStore):
            assert checks <= {name for name in dir(case) if name.startswith("test_")}


# --- the SQLite key file ------------------------------------------------------------------


def _contents(path: Path) -> bytes:
    """The bytes of a database file and of its write-ahead log, if it has one."""
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


class TestKeyFileName:
    @pytest.mark.parametrize(
        ("store", "keys"),
        [
            ("/data/libops.db", "/data/libops.keys.db"),
            ("/data/store.sqlite3", "/data/store.keys.sqlite3"),
            ("/data/events", "/data/events.keys"),
            ("/data/my.store.db", "/data/my.store.keys.db"),
        ],
    )
    def test_beside_the_event_store(self, store: str, keys: str) -> None:
        """The key file sits beside the event store's file, named after it."""
        assert key_store_path(store) == Path(keys)

    def test_the_url_chooses_the_file(self, tmp_path: Path) -> None:
        """A migrated sqlite:/// store opens its keys from the file beside it."""
        url = f"sqlite:///{tmp_path}/libops.db"
        migrate_store(url)
        assert (tmp_path / "libops.keys.db").is_file()
        store = open_key_store(parse_store_url(url))
        try:
            assert isinstance(store, SQLiteKeyStore)
            assert store.path == tmp_path / "libops.keys.db"
        finally:
            store.close()


class TestSQLiteKeyFile:
    def test_migration_makes_an_owner_only_file(self, tmp_path: Path) -> None:
        """The key file is created readable by its owner only, in WAL mode, with its tables."""
        path = tmp_path / "libops.keys.db"
        migrate_sqlite_key_store(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        conn.close()
        assert set(KEY_STORE_TABLES) <= tables

    def test_migrating_again_keeps_keys_and_secret(self, tmp_path: Path) -> None:
        """A second migration changes neither the keys nor the store's secret."""
        path = tmp_path / "libops.keys.db"
        migrate_sqlite_key_store(path)
        store = SQLiteKeyStore(path)
        key, secret = store.get_or_create("reader-1"), store.pseudonym_secret()
        store.close()
        migrate_sqlite_key_store(path)
        store = SQLiteKeyStore(path)
        try:
            assert store.get("reader-1") == key
            assert store.pseudonym_secret() == secret
        finally:
            store.close()

    def test_missing_file(self, tmp_path: Path) -> None:
        """Opening a key file that was never migrated is MigrationRequiredError; none appears."""
        with pytest.raises(MigrationRequiredError, match="migrate"):
            SQLiteKeyStore(tmp_path / "libops.keys.db")
        assert list(tmp_path.iterdir()) == []

    def test_file_without_tables(self, tmp_path: Path) -> None:
        """A SQLite file without the key tables is MigrationRequiredError, and left as it was."""
        path = tmp_path / "libops.keys.db"
        sqlite3.connect(path).close()
        with pytest.raises(MigrationRequiredError, match=KEYS_TABLE):
            SQLiteKeyStore(path)
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
        conn.close()

    def test_secure_delete_is_on(self, tmp_path: Path) -> None:
        """The store's connection overwrites deleted rows (PRAGMA secure_delete)."""
        path = tmp_path / "libops.keys.db"
        migrate_sqlite_key_store(path)
        store = SQLiteKeyStore(path)
        try:
            assert store._conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
        finally:
            store.close()

    @pytest.mark.parametrize("subjects", [1, 300], ids=["one key", "many keys"])
    def test_an_erased_key_is_in_neither_the_file_nor_its_log(
        self, tmp_path: Path, subjects: int
    ) -> None:
        """After erasure the key's bytes are found neither in the key file nor in its -wal.

        The search first finds the key while it exists (so it can find it at all), and the
        other subjects' keys stay where they are.
        """
        path = tmp_path / "libops.keys.db"
        migrate_sqlite_key_store(path)
        store = SQLiteKeyStore(path)
        watcher = SQLiteKeyStore(path)  # another connection, open and idle, as in a 2nd process
        try:
            keys = {f"reader-{n}": store.get_or_create(f"reader-{n}") for n in range(subjects)}
            victim = f"reader-{subjects // 2}"
            assert watcher.get(victim) == keys[victim]
            assert keys[victim] in _contents(path)
            assert store.erase(victim)
            after = _contents(path)
            assert keys[victim] not in after
            assert all(key in after for subject, key in keys.items() if subject != victim)
            assert watcher.get(victim) is None
        finally:
            watcher.close()
            store.close()
        assert keys[victim] not in _contents(path)

    def test_a_key_outlives_a_crash_of_its_process(self, tmp_path: Path) -> None:
        """A key handed out is on disk at once: a process killed without closing keeps it."""
        import subprocess
        import sys

        path = tmp_path / "libops.keys.db"
        migrate_sqlite_key_store(path)
        script = (
            "import os, sys\n"
            "from libops.adapters.keystore import SQLiteKeyStore\n"
            "key = SQLiteKeyStore(sys.argv[1]).get_or_create('reader-1')\n"
            "sys.stdout.write(key.hex()); sys.stdout.flush()\n"
            "os._exit(0)\n"
        )
        made = subprocess.run(
            [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
        ).stdout
        store = SQLiteKeyStore(path)
        try:
            assert store.get("reader-1") == bytes.fromhex(made)
        finally:
            store.close()


def _relfilenode(table: str) -> int:
    """The number of the table's current data file."""
    with _pg_connect(postgres_url_or_skip()) as conn:
        row = conn.execute(
            "SELECT relfilenode FROM pg_class WHERE oid = %s::regclass", (table,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def _data_file(table: str) -> bytes | None:
    """The bytes of the table's data file, or None where this process cannot read it.

    Only a local test server's files can be read, and only by a role that may read the
    server's settings and write a checkpoint (the table may still sit in shared buffers).
    """
    with _pg_connect(postgres_url_or_skip()) as conn:
        try:
            setting = conn.execute("SHOW data_directory").fetchone()
            row = conn.execute("SELECT pg_relation_filepath(%s::regclass)", (table,)).fetchone()
            conn.execute("CHECKPOINT")
        except Exception:  # the role may not read settings or checkpoint: no file check
            return None
    assert setting is not None
    assert row is not None
    data_file = Path(setting[0]) / row[0]
    return data_file.read_bytes() if os.access(data_file, os.R_OK) else None


def test_a_vacuum_that_kept_dead_rows_is_noticed() -> None:
    """VACUUM VERBOSE's detail saying dead rows had to stay is counted; other notices are not."""

    class Notice:
        def __init__(self, detail: str | None) -> None:
            self.message_detail = detail

    kept: list[int] = []
    handler = postgres_key_store._kept_rows_counter(kept)
    handler(Notice(None))
    handler(Notice("CPU: user: 0.00 s, system: 0.00 s, elapsed: 0.00 s."))
    handler(Notice("0 dead row versions cannot be removed yet.\nCPU: user: 0.00 s"))
    handler(Notice("2 dead row versions cannot be removed yet.\nCPU: user: 0.00 s"))
    assert kept == [0, 2]


# --- the PostgreSQL tables --------------------------------------------------------------


@pytest.mark.postgres
class TestPostgresKeyTables:
    def test_migration_makes_the_tables_in_the_store_schema(
        self, pg_schemas: Callable[[], str]
    ) -> None:
        """The key store's tables are created in the schema the URL names."""
        config = parse_store_url(pg_schemas())
        with _pg_connect(postgres_url_or_skip()) as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (config.schema,)
            ).fetchall()
        assert set(KEY_STORE_TABLES) <= {row[0] for row in rows}

    def test_not_migrated(self, postgres_url: str) -> None:
        """A schema without the key tables is MigrationRequiredError."""
        with pytest.raises(MigrationRequiredError, match="migrate"):
            PostgresKeyStore(parse_store_url(postgres_url))

    def test_an_erased_key_is_gone_from_the_tables(self, pg_schemas: Callable[[], str]) -> None:
        """After erasure no row of the schema holds the key; the erased list holds the id only."""
        config = parse_store_url(pg_schemas())
        store = PostgresKeyStore(config)
        try:
            key = store.get_or_create("reader-1")
            kept = store.get_or_create("reader-2")
            store.erase("reader-1")
        finally:
            store.close()
        with _pg_connect(postgres_url_or_skip()) as conn:
            keys = conn.execute(
                f"SELECT subject_id, key FROM {config.schema}.{KEYS_TABLE}"
            ).fetchall()
            erased = conn.execute(f"SELECT * FROM {config.schema}.{ERASED_TABLE}").fetchall()
            found = conn.execute(
                f"SELECT count(*) FROM {config.schema}.{KEYS_TABLE} "
                "WHERE position(%s::bytea in key) > 0",
                (key,),
            ).fetchone()
        assert [(row[0], bytes(row[1])) for row in keys] == [("reader-2", kept)]
        assert erased == [("reader-1",)]
        assert found == (0,)

    def test_the_table_is_rewritten(self, pg_schemas: Callable[[], str]) -> None:
        """Erasing rewrites the keys table (VACUUM FULL): it moves to a new data file.

        Where this process can read the server's data directory (a local test server), the
        new file is searched too: the kept key is in it, the erased key is not.
        """
        config = parse_store_url(pg_schemas())
        table = f"{config.schema}.{KEYS_TABLE}"
        # Other tests' transactions share the database: wait them out, however long.
        store = PostgresKeyStore(config, rewrite_wait=120.0)
        try:
            erased, kept = store.get_or_create("reader-1"), store.get_or_create("reader-2")
            before = _relfilenode(table)
            store.erase("reader-1")
            after = _relfilenode(table)
        finally:
            store.close()
        assert after != before, "the keys table was not rewritten"
        contents = _data_file(table)
        if contents is not None:
            assert kept in contents
            assert erased not in contents

    @pytest.mark.parametrize("holds", ["a snapshot", "a write"])
    def test_an_older_transaction_keeps_the_row_until_the_next_rewrite(
        self, pg_schemas: Callable[[], str], caplog: pytest.LogCaptureFixture, holds: str
    ) -> None:
        """A transaction begun before an erasure may still read the erased key's row, so
        PostgreSQL keeps it, and so does a rewrite. The erasure waits for such a transaction
        (up to ``rewrite_wait``), then warns naming its session; once it has ended, the next
        erasure's rewrite takes the row out of the data file.
        """
        config = parse_store_url(pg_schemas())
        table = f"{config.schema}.{KEYS_TABLE}"
        store = PostgresKeyStore(config, rewrite_wait=0.3)
        try:
            first, second = store.get_or_create("reader-1"), store.get_or_create("reader-2")
            with _pg_connect(postgres_url_or_skip()) as older:
                if holds == "a snapshot":  # a snapshot kept for the whole transaction
                    older.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                    older.execute(f"SELECT count(*) FROM {config.schema}.{ERASED_TABLE}")
                else:  # no snapshot kept between statements, but a transaction id
                    older.execute("BEGIN")
                    older.execute("CREATE TEMPORARY TABLE scratch (n int)")
                    older.execute("INSERT INTO scratch VALUES (1)")
                with caplog.at_level(logging.WARNING, logger=postgres_key_store.__name__):
                    started = time.monotonic()
                    assert store.erase("reader-1")
                    waited = time.monotonic() - started
                older.execute("ROLLBACK")
                session = older.info.backend_pid
            assert store.get("reader-1") is None
            assert waited >= 0.3
            [warning] = [r for r in caplog.records if "old row is still" in r.getMessage()]
            assert str(session) in warning.getMessage()
            contents = _data_file(table)
            if contents is not None:
                assert first in contents
            caplog.clear()
            store.rewrite_wait = 120.0  # others' transactions share the database: wait them out
            with caplog.at_level(logging.WARNING, logger=postgres_key_store.__name__):
                store.erase("reader-2")
        finally:
            store.close()
        assert not caplog.records
        contents = _data_file(table)
        if contents is not None:
            assert first not in contents
            assert second not in contents

    def test_migrate_store_makes_the_key_tables(self, postgres_url: str) -> None:
        """libops.migrate creates the key store with the event store, under the same lock."""
        migrate_store(postgres_url)
        store = open_key_store(parse_store_url(postgres_url))
        try:
            assert isinstance(store, PostgresKeyStore)
            assert len(store.get_or_create("reader-1")) == 32
        finally:
            store.close()


# --- choosing the key store ---------------------------------------------------------------


class TestKeyStoreOfAStore:
    def test_memory_gets_memory_keys(self) -> None:
        """memory:// keeps its keys in memory, one key store per opened store."""
        with LibOps.open("memory://") as first, LibOps.open("memory://") as second:
            assert isinstance(first.keys, MemoryKeyStore)
            assert first.keys is not second.keys

    def test_a_given_key_store_is_used_and_left_open(self, tmp_path: Path) -> None:
        """LibOps.open(keys=...) uses that store and does not close it."""
        path = tmp_path / "elsewhere.keys.db"
        migrate_sqlite_key_store(path)
        keys = SQLiteKeyStore(path)
        try:
            with LibOps.open(f"sqlite:///{tmp_path}/libops.db", migrate=True, keys=keys) as ops:
                assert ops.keys is keys
                assert ops.privacy.keys is keys
            assert keys.get_or_create("reader-1")  # still open
        finally:
            keys.close()

    def test_not_a_key_store(self) -> None:
        """Something that is not a KeyStore is refused before anything opens."""
        with pytest.raises(InvalidValueError, match="KeyStore"):
            LibOps.open("memory://", keys={"reader-1": b"0" * 32})  # type: ignore[arg-type]  # deliberately bad

    def test_event_store_without_key_file(self, tmp_path: Path) -> None:
        """An event store whose key file is missing does not open: migrate again."""
        url = f"sqlite:///{tmp_path}/libops.db"
        migrate_store(url)
        os.remove(tmp_path / "libops.keys.db")
        with pytest.raises(MigrationRequiredError, match="key file"):
            LibOps.open(url)
        migrate_store(url)
        with LibOps.open(url) as ops:
            assert isinstance(ops.keys, SQLiteKeyStore)

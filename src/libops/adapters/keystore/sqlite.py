"""The SQLite key store: a file of its own beside the event store's file."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from libops.adapters.keystore.schema import (
    ERASED_TABLE,
    KEY_STORE_TABLES,
    KEYS_TABLE,
    SECRET_TABLE,
    key_or_none,
    new_key,
    new_secret,
)
from libops.adapters.storage import PRIVATE_MODE, require_private_file
from libops.domain.errors import (
    FileModeError,
    MigrationRequiredError,
    StorageError,
    SubjectErasedError,
)
from libops.domain.personal import require_subject_id

DEFAULT_SQLITE_LOCK_TIMEOUT: Final = 5.0
"""Seconds a SQLite key store waits for another process's write."""

_CHECKPOINT_ATTEMPTS: Final = 20
_CHECKPOINT_PAUSE: Final = 0.05


def key_store_path(event_store_file: str | os.PathLike[str]) -> Path:
    """The key file beside a SQLite event store: ``libops.db`` -> ``libops.keys.db``."""
    path = Path(event_store_file)
    if path.suffix:
        return path.with_name(f"{path.stem}.keys{path.suffix}")
    return path.with_name(f"{path.name}.keys")


_SQLITE_SCHEMA: Final = (
    f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} "
    "(subject_id TEXT PRIMARY KEY, key BLOB NOT NULL) WITHOUT ROWID",
    f"CREATE TABLE IF NOT EXISTS {ERASED_TABLE} (subject_id TEXT PRIMARY KEY) WITHOUT ROWID",
    f"CREATE TABLE IF NOT EXISTS {SECRET_TABLE} "
    "(id INTEGER PRIMARY KEY CHECK (id = 1), secret BLOB NOT NULL)",
)


def migrate_sqlite_key_store(path: str | os.PathLike[str]) -> None:
    """Create the key file at ``path`` with its tables and secret (changes nothing if done).

    The file is created readable by its owner only. Callers serialise migrations (the store's
    migration lock); the statements are safe to repeat.
    """
    path = Path(path)
    if not path.exists():
        # Owner-only from the first byte; SQLite gives its -wal and -shm files the same mode.
        with contextlib.suppress(FileExistsError):  # another migration made it first
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
    require_private_file(path, "key file")
    conn = sqlite3.connect(path, isolation_level=None, timeout=DEFAULT_SQLITE_LOCK_TIMEOUT)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        for statement in _SQLITE_SCHEMA:
            conn.execute(statement)
        conn.execute(
            f"INSERT OR IGNORE INTO {SECRET_TABLE} (id, secret) VALUES (1, ?)",
            (new_secret(),),
        )
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        raise StorageError(f"cannot create the key file {str(path)!r}: {error}") from error
    finally:
        conn.close()


class SQLiteKeyStore:
    """Keys in a SQLite file of their own; an erased key is overwritten, not just unlinked.

    Every connection runs with ``PRAGMA secure_delete = ON`` (deleted rows are overwritten
    with zeros), and erasing checkpoints and truncates the write-ahead log, so the key's bytes
    are left neither in the file nor in its ``-wal`` file. One connection is shared by the
    threads of a process, one statement at a time; processes coordinate through SQLite's locks.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, lock_timeout: float = DEFAULT_SQLITE_LOCK_TIMEOUT
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise MigrationRequiredError(
                f"the key file {str(self.path)!r} does not exist yet; "
                "run `libops db migrate --store URL` (or libops.migrate(url)) once first"
            )
        try:
            self._conn = sqlite3.connect(
                f"file:{quote(str(self.path))}?mode=rw",
                uri=True,
                isolation_level=None,
                timeout=lock_timeout,
                check_same_thread=False,
            )
        except sqlite3.Error as error:
            raise StorageError(f"cannot open the key file {str(self.path)!r}: {error}") from None
        self._lock = threading.Lock()
        self._secret: bytes | None = None
        try:
            self._conn.execute("PRAGMA secure_delete = ON")
            # A key that was handed out must survive a crash: the events sealed with it do.
            self._conn.execute("PRAGMA synchronous = FULL")
            present = {
                str(row[0])
                for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.Error as error:
            self._conn.close()
            raise StorageError(f"cannot read the key file {str(self.path)!r}: {error}") from None
        missing = [table for table in KEY_STORE_TABLES if table not in present]
        if missing:
            self._conn.close()
            raise MigrationRequiredError(
                f"the key file {str(self.path)!r} has no {', '.join(missing)} table; "
                "run `libops db migrate --store URL` (or libops.migrate(url)) once first"
            )
        # A key file others may read is as good as no encryption: refuse it (a backup
        # restored with the wrong mode, say) rather than use it silently.
        try:
            require_private_file(self.path, "key file")
        except FileModeError:
            self._conn.close()
            raise

    def _one(self, statement: str, parameters: tuple[Any, ...]) -> Any:
        try:
            row = self._conn.execute(statement, parameters).fetchone()
        except sqlite3.Error as error:
            raise StorageError(f"the key file {str(self.path)!r} failed: {error}") from error
        return None if row is None else row[0]

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (the caller holds the lock); undone on error."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise StorageError(f"the key file {str(self.path)!r} failed: {error}") from error

    def get_or_create(self, subject_id: str) -> bytes:
        """The subject's key, made now if it has none; refused for an erased subject."""
        subject_id = require_subject_id(subject_id)
        select = f"SELECT key FROM {KEYS_TABLE} WHERE subject_id = ?"
        with self._lock:
            key = key_or_none(self._one(select, (subject_id,)))
            if key is not None:
                return key  # a subject with a key is not erased: erasing deletes the key
            with self._writing() as conn:
                erased = conn.execute(
                    f"SELECT 1 FROM {ERASED_TABLE} WHERE subject_id = ?", (subject_id,)
                ).fetchone()
                if erased is not None:
                    raise SubjectErasedError(subject_id)
                row = conn.execute(select, (subject_id,)).fetchone()
                if row is None:
                    key = new_key()
                    conn.execute(
                        f"INSERT INTO {KEYS_TABLE} (subject_id, key) VALUES (?, ?)",
                        (subject_id, key),
                    )
                else:
                    key = bytes(row[0])
            return key

    def get(self, subject_id: str) -> bytes | None:
        """The subject's key, or None if erased or unknown."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            return key_or_none(
                self._one(f"SELECT key FROM {KEYS_TABLE} WHERE subject_id = ?", (subject_id,))
            )

    def erase(self, subject_id: str) -> bool:
        """Delete the subject's key (overwriting its bytes) and remember the subject as erased."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            with self._writing() as conn:
                conn.execute(f"DELETE FROM {KEYS_TABLE} WHERE subject_id = ?", (subject_id,))
                added = conn.execute(
                    f"INSERT OR IGNORE INTO {ERASED_TABLE} (subject_id) VALUES (?)",
                    (subject_id,),
                ).rowcount
            self._truncate_log()
            return added == 1

    def _truncate_log(self) -> None:
        """Copy the log into the file and empty it, so no old page with the key stays in it.

        A reader in another process can hold the log open for a moment; try again briefly.
        If it stays busy, the next erasure or checkpoint empties the log instead.
        """
        for _attempt in range(_CHECKPOINT_ATTEMPTS):
            try:
                row = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.OperationalError:
                row = (1,)  # locked by another process: as busy
            if row is None or row[0] == 0:
                return
            time.sleep(_CHECKPOINT_PAUSE)

    def is_erased(self, subject_id: str) -> bool:
        """Whether the subject was erased."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            found = self._one(f"SELECT 1 FROM {ERASED_TABLE} WHERE subject_id = ?", (subject_id,))
        return found is not None

    def pseudonym_secret(self) -> bytes:
        """This store's secret for pseudonyms (read once, it never changes)."""
        if self._secret is None:
            with self._lock:
                secret = self._one(f"SELECT secret FROM {SECRET_TABLE} WHERE id = 1", ())
            if secret is None:
                raise MigrationRequiredError(
                    f"the key file {str(self.path)!r} has no secret; run the migration again"
                )
            self._secret = bytes(secret)
        return self._secret

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._conn.close()

"""The PostgreSQL key store: tables in the store's schema, shared by every process using it."""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Final

from libops.adapters.keystore.schema import (
    ERASED_TABLE,
    KEY_STORE_TABLES,
    KEYS_TABLE,
    SECRET_TABLE,
    new_key,
    new_secret,
)
from libops.adapters.storage import StoreConfig, postgres_server, translate_storage_error
from libops.domain.errors import MigrationRequiredError, StorageError, SubjectErasedError
from libops.domain.personal import require_subject_id

if TYPE_CHECKING:
    import psycopg

_ADVISORY_CLASS: Final = 0x11B0  # a fixed class id: per-subject locks of the key store

PG_LOCK_TIMEOUT_MS: Final = 10_000
"""Milliseconds a PostgreSQL key store waits for a lock before giving up with an error."""

REWRITE_WAIT_SECONDS: Final = 5.0
"""Seconds an erasure waits for older transactions to end before rewriting the keys table."""

_log = logging.getLogger(__name__)

# Sessions of this database whose snapshot or transaction is older than the erasure's:
# PostgreSQL keeps the deleted row for them, and so does a rewrite. Autovacuum's own
# snapshots hold nothing back. What pg_stat_activity does not list (a prepared transaction,
# a replication slot, a standby's feedback) is found by VACUUM VERBOSE's report instead.
_OLDER_SNAPSHOTS: Final = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type <> 'autovacuum worker' AND ("
    "(backend_xmin IS NOT NULL AND age(backend_xmin) >= age(%(xid)s::xid)) OR "
    "(backend_xid IS NOT NULL AND age(backend_xid) >= age(%(xid)s::xid)))"
)
# VACUUM VERBOSE's count of dead rows it had to keep (servers whose messages are in English).
_KEPT_ROWS: Final = re.compile(r"(\d+) dead row versions? cannot be removed yet")


def _pg_connect(config: StoreConfig) -> psycopg.Connection[Any]:
    import psycopg

    try:
        return psycopg.connect(
            **postgres_server(config),
            application_name="libops-keys",
            autocommit=True,
            # Waiting for a lock (a subject being erased, a table being rewritten) has a limit.
            options=f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}",
        )
    except psycopg.Error as error:
        raise _pg_error(error, config) from None


def _pg_error(error: Exception, config: StoreConfig) -> StorageError:
    return translate_storage_error(error, config) or StorageError(
        f"the key store of {config.redacted_url} failed: {config.scrub(str(error)).strip()}"
    )


def _pg_tables(schema: str) -> dict[str, Any]:
    from psycopg import sql

    return {name: sql.Identifier(schema, name) for name in (KEYS_TABLE, ERASED_TABLE, SECRET_TABLE)}


def _lock_subject(conn: psycopg.Connection[Any], subject_id: str) -> None:
    """Hold the subject's advisory lock until the transaction ends: create and erase take turns."""
    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_ADVISORY_CLASS, subject_id))


_PG_SCHEMA: Final = (
    (KEYS_TABLE, "(subject_id TEXT PRIMARY KEY, key BYTEA NOT NULL)"),
    (ERASED_TABLE, "(subject_id TEXT PRIMARY KEY)"),
    (SECRET_TABLE, "(id SMALLINT PRIMARY KEY CHECK (id = 1), secret BYTEA NOT NULL)"),
)


def migrate_postgres_key_store(config: StoreConfig) -> None:
    """Create the key store's tables and secret in the store's schema (safe to repeat).

    Run it under the store's migration lock: concurrent ``CREATE TABLE`` fails on PostgreSQL.
    """
    import psycopg
    from psycopg import sql

    t = _pg_tables(config.schema)
    conn = _pg_connect(config)
    try:
        with conn.transaction():
            for table, columns in _PG_SCHEMA:
                conn.execute(sql.SQL(f"CREATE TABLE IF NOT EXISTS {{}} {columns}").format(t[table]))
            conn.execute(
                sql.SQL("INSERT INTO {} (id, secret) VALUES (1, %s) ON CONFLICT DO NOTHING").format(
                    t[SECRET_TABLE]
                ),
                (new_secret(),),
            )
    except psycopg.Error as error:
        raise _pg_error(error, config) from None
    finally:
        conn.close()


class PostgresKeyStore:
    """Keys in tables of the store's PostgreSQL schema, shared by every process using it.

    Creating and erasing take a per-subject advisory lock, so a key is never made for a
    subject while it is being erased. After an erasure the keys table is rewritten
    (``VACUUM FULL``) so the deleted row's bytes leave its data file; the server's write-ahead
    log and backups keep them until they are recycled (see docs/privacy.md). A transaction
    begun before the erasure still sees the row, so a rewrite would copy it: the erasure waits
    up to ``rewrite_wait`` seconds for such transactions to end (and makes no rewrite that
    would copy the row), and logs a warning if the row had to stay (the next erasure's rewrite
    removes it).
    """

    def __init__(self, config: StoreConfig, *, rewrite_wait: float = REWRITE_WAIT_SECONDS) -> None:
        self.config = config
        self.rewrite_wait = rewrite_wait
        self._tables = _pg_tables(config.schema)
        self._lock = threading.Lock()
        self._secret: bytes | None = None
        self._conn: psycopg.Connection[Any] | None = _pg_connect(config)
        try:
            rows = self._conn.execute(
                "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s",
                (config.schema,),
            ).fetchall()
        except Exception as error:
            self._conn.close()
            raise _pg_error(error, config) from None
        missing = [t for t in KEY_STORE_TABLES if t not in {str(row[0]) for row in rows}]
        if missing:
            self._conn.close()
            raise MigrationRequiredError(
                f"the store at {config.redacted_url} has no key store yet "
                f"({', '.join(missing)} missing); run `libops db migrate --store URL` "
                "(or libops.migrate(url)) once first"
            )

    def _sql(self, template: str, table: str) -> psycopg.sql.Composed:
        """``template`` with ``table`` of the store's schema in its ``{}``."""
        from psycopg import sql

        return sql.SQL(template).format(self._tables[table])

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = _pg_connect(self.config)
        return self._conn

    def _run(self, work: Any) -> Any:
        """Run ``work(connection)`` under the lock; a broken connection is replaced next time."""
        import psycopg

        with self._lock:
            conn = self._connection()
            try:
                return work(conn)
            except psycopg.Error as error:
                if conn.broken:
                    conn.close()
                raise _pg_error(error, self.config) from None

    def get_or_create(self, subject_id: str) -> bytes:
        """The subject's key, made now if it has none; refused for an erased subject."""
        subject_id = require_subject_id(subject_id)
        select = self._sql("SELECT key FROM {} WHERE subject_id = %s", KEYS_TABLE)

        def work(conn: psycopg.Connection[Any]) -> bytes:
            row = conn.execute(select, (subject_id,)).fetchone()
            if row is not None:
                return bytes(row[0])  # a subject with a key is not erased
            with conn.transaction():
                _lock_subject(conn, subject_id)
                erased = conn.execute(
                    self._sql("SELECT 1 FROM {} WHERE subject_id = %s", ERASED_TABLE),
                    (subject_id,),
                ).fetchone()
                if erased is not None:
                    raise SubjectErasedError(subject_id)
                row = conn.execute(select, (subject_id,)).fetchone()
                if row is not None:
                    return bytes(row[0])
                key = new_key()
                conn.execute(
                    self._sql("INSERT INTO {} (subject_id, key) VALUES (%s, %s)", KEYS_TABLE),
                    (subject_id, key),
                )
                return key

        result: bytes = self._run(work)
        return result

    def get(self, subject_id: str) -> bytes | None:
        """The subject's key, or None if erased or unknown."""
        subject_id = require_subject_id(subject_id)
        statement = self._sql("SELECT key FROM {} WHERE subject_id = %s", KEYS_TABLE)
        row = self._run(lambda conn: conn.execute(statement, (subject_id,)).fetchone())
        return None if row is None else bytes(row[0])

    def erase(self, subject_id: str) -> bool:
        """Delete the subject's key and remember the subject as erased."""
        subject_id = require_subject_id(subject_id)

        def work(conn: psycopg.Connection[Any]) -> bool:
            with conn.transaction():
                _lock_subject(conn, subject_id)
                deleted = conn.execute(
                    self._sql(
                        # txid_current(): the xid with its epoch, which works on every version.
                        "DELETE FROM {} WHERE subject_id = %s "
                        "RETURNING mod(txid_current(), 4294967296)",
                        KEYS_TABLE,
                    ),
                    (subject_id,),
                ).fetchone()
                added = conn.execute(
                    self._sql(
                        "INSERT INTO {} (subject_id) VALUES (%s) ON CONFLICT DO NOTHING",
                        ERASED_TABLE,
                    ),
                    (subject_id,),
                ).rowcount
            if deleted is not None:
                self._rewrite(conn, str(deleted[0]))
            return added == 1

        result: bool = self._run(work)
        return result

    def _rewrite(self, conn: psycopg.Connection[Any], deleted_by: str) -> None:
        """Rewrite the keys table so the row deleted by transaction ``deleted_by`` leaves it.

        The key is already gone for every reader and the erasure is committed, so nothing
        here may fail it: a refusal (say the role does not own the table, or a long
        transaction holds it) or a lost connection is logged, and the dead row is then
        reclaimed by autovacuum or the next erasure's rewrite.
        """
        import psycopg

        try:
            older = self._rewrite_when_alone(conn, deleted_by)
        except psycopg.Error as error:
            if conn.broken:
                conn.close()  # a new connection is made next time
            _log.warning(
                "the keys table was not rewritten after an erasure (%s); the erased key's "
                "deleted row waits for autovacuum or the next erasure's rewrite",
                self.config.scrub(str(error)).strip(),
            )
            return
        if older is not None:
            _log.warning(
                "the erased key's old row is still in the key store's data file: a "
                "transaction begun before the erasure may still read it (%s); it leaves the "
                "file at the next erasure's rewrite of the keys table",
                f"sessions {', '.join(map(str, older))}"
                if older
                else "none listed in pg_stat_activity: a prepared transaction, a replication "
                "slot or a standby's feedback",
            )

    def _rewrite_when_alone(
        self, conn: psycopg.Connection[Any], deleted_by: str
    ) -> list[int] | None:
        """Rewrite the table once no session listed holds the row (waiting up to
        :attr:`rewrite_wait`): None once the row is gone, else the sessions still holding it.

        A rewrite while a listed session holds the row would copy it, so none is made; a
        rewrite whose report says the row had to stay for something unlisted is made once
        more at the deadline, not over and over (each rewrite locks the table and writes it
        all to the write-ahead log).
        """
        deadline = time.monotonic() + self.rewrite_wait
        rewritten = False
        while True:
            older = [int(row[0]) for row in conn.execute(_OLDER_SNAPSHOTS, {"xid": deleted_by})]
            last = time.monotonic() >= deadline
            if not older and (not rewritten or last):
                kept = self._vacuum_full(conn)
                if not kept:
                    return None
                rewritten = True
                if last:
                    return []
            elif last:
                return older
            time.sleep(0.05)

    def _vacuum_full(self, conn: psycopg.Connection[Any]) -> bool:
        """Rewrite the keys table; whether its report says dead rows had to stay (False
        where the server's messages are not in English and it cannot be told)."""
        kept: list[int] = []
        conn.add_notice_handler(handler := _kept_rows_counter(kept))
        try:
            conn.execute(self._sql("VACUUM (FULL, VERBOSE) {}", KEYS_TABLE))
        finally:
            conn.remove_notice_handler(handler)
        return any(kept)

    def is_erased(self, subject_id: str) -> bool:
        """Whether the subject was erased."""
        subject_id = require_subject_id(subject_id)
        statement = self._sql("SELECT 1 FROM {} WHERE subject_id = %s", ERASED_TABLE)
        return self._run(lambda conn: conn.execute(statement, (subject_id,)).fetchone()) is not None

    def pseudonym_secret(self) -> bytes:
        """This store's secret for pseudonyms (read once, it never changes)."""
        if self._secret is None:
            statement = self._sql("SELECT secret FROM {} WHERE id = 1", SECRET_TABLE)
            row = self._run(lambda conn: conn.execute(statement).fetchone())
            if row is None:
                raise MigrationRequiredError(
                    f"the key store of {self.config.redacted_url} has no secret; "
                    "run the migration again"
                )
            self._secret = bytes(row[0])
        return self._secret

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _kept_rows_counter(kept: list[int]) -> Any:
    """A notice handler adding to ``kept`` the dead rows a VACUUM said it had to keep."""

    def handler(diagnostic: Any) -> None:
        found = _KEPT_ROWS.search(diagnostic.message_detail or "")
        if found:
            kept.append(int(found.group(1)))

    return handler

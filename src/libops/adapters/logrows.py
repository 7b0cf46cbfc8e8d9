"""The event log's rows exactly as SQLite stores them, for checkpoints to hash.

:class:`SQLiteLogRows` implements :class:`~libops.application.checkpoints.LogRows`: it reads
the events table with one plain statement and hands the rows back as SQLite returns them,
the aggregate id and topic as their stored UTF-8 bytes. eventsourcing's recorder would make a
frozen dataclass and a UUID of every row, which a checkpoint would only turn back into bytes;
that costs several times what hashing the row does. Other stores are read through the
recorder (see :func:`log_rows_for`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from eventsourcing.sqlite import SQLiteDatastore

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder

StoredRow = tuple[int, bytes, int, bytes, bytes]
"""Position, aggregate id (UTF-8), version, topic (UTF-8) and stored state of one event."""


class SQLiteLogRows:
    """The events of a SQLite log as stored: ``CAST(... AS BLOB)`` gives the text's bytes."""

    def __init__(self, datastore: SQLiteDatastore, table: str) -> None:
        self._datastore = datastore
        self._statement: Final = (
            "SELECT rowid, CAST(originator_id AS BLOB), originator_version, "
            f"CAST(topic AS BLOB), state FROM {table} "
            "WHERE rowid>? AND rowid<=? ORDER BY rowid LIMIT ?"
        )

    def rows(self, after: int, stop: int, limit: int) -> Sequence[StoredRow]:
        """Up to ``limit`` events after position ``after`` and up to ``stop``, in log order."""
        with self._datastore.transaction(commit=False) as cursor:
            plain = cursor.sqlite_cursor
            plain.row_factory = None  # plain tuples, not sqlite3.Row
            plain.execute(self._statement, (after, stop, limit))
            found: list[StoredRow] = plain.fetchall()
        return found


def log_rows_for(recorder: ApplicationRecorder) -> SQLiteLogRows | None:
    """The fast reader of ``recorder``'s rows where there is one (SQLite), else None."""
    datastore = getattr(recorder, "datastore", None)
    table = getattr(recorder, "events_table_name", None)
    if isinstance(datastore, SQLiteDatastore) and isinstance(table, str):
        return SQLiteLogRows(datastore, table)
    return None

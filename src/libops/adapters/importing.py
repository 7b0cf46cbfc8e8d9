"""Writing events into an empty store at the positions they had in another one.

eventsourcing numbers events as it records them; an imported history must keep its
positions instead (its checkpoints and proofs name them, and a deleted row's gap must stay
a gap), so the rows go in with their position given, by SQL on the events table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, Final
from uuid import UUID

from psycopg.sql import SQL, Identifier

from libops.adapters.storage import StoreConfig
from libops.domain.errors import InvalidValueError

BATCH: Final = 2_000
"""How many events one insert statement writes."""

Row = tuple[int, str, int, str, bytes]
"""position, aggregate id (hex), version, topic, stored state."""


def _batches(rows: Iterable[Row]) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def insert_at_positions(config: StoreConfig, recorder: Any, rows: Iterable[Row]) -> int:
    """Write ``rows`` (in position order) into the empty events table, in one transaction.

    Returns how many were written. Positions must increase; an aggregate's versions must not
    repeat (the table's key refuses it, and nothing is written).
    """
    if config.scheme == "sqlite":
        return _sqlite(recorder, rows)
    if config.scheme == "postgresql":
        return _postgres(recorder, rows)
    raise InvalidValueError(
        f"a history can be imported into a SQLite or PostgreSQL store, not {config.scheme}://"
    )


def _checked(batch: list[Row], after: int) -> int:
    for position, _aggregate_id, _version, _topic, _state in batch:
        if position <= after:
            raise InvalidValueError(f"position {position} does not follow position {after}")
        after = position
    return after


def _sqlite(recorder: Any, rows: Iterable[Row]) -> int:
    written = after = 0
    table = recorder.events_table_name
    statement = (
        f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    with recorder.datastore.transaction(commit=True) as cursor:
        for batch in _batches(rows):
            after = _checked(batch, after)
            cursor.executemany(statement, [(p, UUID(a).hex, v, t, s) for p, a, v, t, s in batch])
            written += len(batch)
    return written


def _postgres(recorder: Any, rows: Iterable[Row]) -> int:
    written = after = 0
    schema, table = recorder.datastore.schema, recorder.events_table_name
    statement = SQL(
        "INSERT INTO {schema}.{table} "
        "(notification_id, originator_id, originator_version, topic, state) "
        "VALUES (%s, %s, %s, %s, %s)"
    ).format(schema=Identifier(schema), table=Identifier(table))
    with recorder.datastore.transaction(commit=True) as cursor:
        for batch in _batches(rows):
            after = _checked(batch, after)
            cursor.executemany(statement, [(p, UUID(a), v, t, s) for p, a, v, t, s in batch])
            written += len(batch)
        if written:
            # The next event recorded follows the last imported one.
            cursor.execute(
                SQL("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)"),
                (f"{schema}.{table}", after),
            )
    return written

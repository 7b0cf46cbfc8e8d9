"""The SQLite documents table: a rowid table in a new store, and a store made with the
earlier WITHOUT ROWID table keeps working with the same statements."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.viewstores import DOCUMENTS_TABLE
from libops.domain.values import Objective, Period
from libops.projections import ProjectionEngine
from libops.projections.standard import standard_projections

PERIOD = Period(date(2026, 4, 1), date(2026, 4, 30))

EARLIER_DDL = (
    f"CREATE TABLE {DOCUMENTS_TABLE} (projection TEXT NOT NULL, key TEXT NOT NULL, "
    "value TEXT NOT NULL, PRIMARY KEY (projection, key)) WITHOUT ROWID"
)


def table_sql(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (DOCUMENTS_TABLE,)
        ).fetchone()
    finally:
        conn.close()
    return str(row[0])


def record(ops: LibOps, planner: Actor, admin: Actor) -> None:
    for number in range(5):
        campaign = ops.campaigns.plan(
            planner,
            name=f"C{number}",
            kind="topic",
            period=PERIOD,
            platforms=["weibo"],
            objectives=[Objective("reads", 100 * (number + 1))],
        )
        ops.campaigns.launch(admin, campaign)


class TestDocumentsTable:
    def test_a_new_store_keeps_documents_in_a_rowid_table(self, tmp_path: Path) -> None:
        """``migrate`` makes the documents table without WITHOUT ROWID."""
        path = tmp_path / "libops.db"
        with LibOps.open(f"sqlite:///{path}", migrate=True):
            pass
        sql = table_sql(path)
        assert "PRIMARY KEY (projection, key)" in sql
        assert "WITHOUT ROWID" not in sql.upper()

    def test_a_store_with_the_earlier_table_gives_the_same_views(
        self, tmp_path: Path, clock: ManualClock, planner: Actor, admin: Actor
    ) -> None:
        """One history caught up in a store with the earlier WITHOUT ROWID table and in a
        copy with the new one gives the same documents; a second run applies nothing."""
        new = tmp_path / "new.db"
        with LibOps.open(f"sqlite:///{new}", clock=clock, migrate=True) as ops:
            record(ops, planner, admin)
        earlier = tmp_path / "earlier.db"
        shutil.copy2(new, earlier)
        shutil.copy2(tmp_path / "new.keys.db", tmp_path / "earlier.keys.db")
        conn = sqlite3.connect(earlier)
        conn.execute(f"DROP TABLE {DOCUMENTS_TABLE}")
        conn.execute(EARLIER_DDL)
        conn.commit()
        conn.close()
        views = []
        for path in (earlier, new):
            with (
                LibOps.open(f"sqlite:///{path}", clock=clock, migrate=True) as ops,
                ProjectionEngine(ops, standard_projections(), batch_size=3) as engine,
            ):
                assert engine.run()["scorecard"].applied == 10
                assert all(r.applied == 0 for r in engine.run().values())
                views.append({name: engine.view(name) for name in engine.names})
            assert ("WITHOUT ROWID" in table_sql(path).upper()) == (path == earlier)
        assert views[0] == views[1]
        assert views[0]["scorecard"]

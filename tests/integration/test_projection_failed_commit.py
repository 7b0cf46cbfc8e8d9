"""A catch-up whose commit fails part way: the batches before stay written, and a later run
finishes the job as if nothing had happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from libops import LibOps
from libops.adapters.viewstores import SQLiteViewStore
from libops.demo import run_demo
from libops.domain.errors import StorageError
from libops.projections import ProjectionEngine
from libops.projections.standard import standard_projections
from tests.helpers import copy_store


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo history in a SQLite file, projections not run."""
    directory = tmp_path_factory.mktemp("failed-commit")
    run_demo(f"sqlite:///{directory}/libops.db", seed=3, posts=12, days=7)
    return directory


def _one_by_one(url: str) -> dict[str, Any]:
    """Every view, caught up a batch at a time (each committed before the next is read)."""
    with (
        LibOps.open(url) as ops,
        ProjectionEngine(ops, standard_projections(), batch_size=25) as engine,
    ):
        while any(r.batches for r in engine.run(max_batches=1).values()):
            pass
        return {name: engine.view(name) for name in engine.names}


def test_a_failed_commit_leaves_the_last_written_batch(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The third commit fails: the error is raised, positions stand at the second batch's,
    and a later run ends with the views of an uninterrupted one."""
    expected = _one_by_one(copy_store(history, tmp_path / "one"))
    commit = SQLiteViewStore.commit
    calls: list[int] = []
    seen: list[dict[str, int]] = []

    def failing(self: Any, entries: Any) -> bool:
        calls.append(1)
        if len(calls) == 3:
            raise StorageError("disk full")
        return bool(commit(self, entries))

    url = copy_store(history, tmp_path / "all")
    monkeypatch.setattr(SQLiteViewStore, "commit", failing)
    with (
        LibOps.open(url) as ops,
        ProjectionEngine(ops, standard_projections(), batch_size=25) as engine,
    ):
        with pytest.raises(StorageError, match="disk full"):
            engine.run(on_progress=seen.append)
        assert len(seen) == 2  # two batches written and reported
        assert {name: engine.position(name) for name in engine.names} == seen[-1]
    monkeypatch.setattr(SQLiteViewStore, "commit", commit)
    with LibOps.open(url) as ops, ProjectionEngine(ops, standard_projections()) as engine:
        engine.run()
        assert {name: engine.view(name) for name in engine.names} == expected

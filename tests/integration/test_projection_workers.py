"""Catching projections up in worker processes (``engine.run(workers=N)``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from libops import LibOps
from libops.demo import run_demo
from libops.domain.errors import InvalidValueError
from libops.domain.post import Post
from libops.projections import Projection, ProjectionEngine, View, handles
from libops.projections.parallel import EXHAUSTIVE, SAMPLE, plan
from libops.projections.standard import standard_projections
from tests.helpers import copy_store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class PublishedCount(Projection):
    """Counts Post.Published events (a custom projection a worker must be able to load)."""

    name = "published_count"

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        view.increment("published")


class FailsOnThirdMetric(Projection):
    """Fails on the third metric snapshot it sees."""

    name = "fails_on_third_metric"

    @handles(Post.MetricsRecorded)
    def metrics(self, event: Post.MetricsRecorded, view: View) -> None:
        seen = view.get("seen", 0) + 1
        if seen == 3:
            raise RuntimeError("third snapshot refused")
        view.put("seen", seen)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo history in a SQLite file, projections not run."""
    directory = tmp_path_factory.mktemp("workers")
    run_demo(f"sqlite:///{directory}/libops.db", seed=11, posts=8, days=7)
    return directory


def _views(ops: LibOps, workers: int, extra: list[Projection] | None = None) -> dict[str, Any]:
    projections = [*standard_projections(), *(extra or [])]
    with ProjectionEngine(ops, projections, batch_size=50) as engine:
        reports = engine.run(workers=workers)
        last = engine.last_id()
        assert all(report.position == last for report in reports.values())
        return {name: engine.view(name) for name in engine.names}


def _cost(group: list[Projection], counts: dict[str, int]) -> float:
    """What plan() says a group costs: events read once for the group, plus each
    projection's handled events times its apply_cost."""
    read = {t for p in group for t in p.topics()}
    return sum(counts.get(t, 0) for t in read) + sum(
        counts.get(t, 0) * type(p).apply_cost for p in group for t in p.topics()
    )


def _numbered(n: int, cost: float) -> Projection:
    """A projection class of its own handling Post.Published, named n, with apply_cost."""
    cls = type(f"P{n}", (PublishedCount,), {"name": f"p{n}", "apply_cost": cost})
    return cls()  # type: ignore[no-any-return]  # type() makes the class, so mypy sees Any


class TestPlan:
    def test_every_projection_in_one_group_the_costliest_first(self) -> None:
        projections = standard_projections()
        counts = {topic: 10 for p in projections for topic in p.topics()}
        counts["libops:Post.MetricsRecorded"] = 5_000
        groups = plan(projections, counts, 3)
        assert len(groups) == 3
        names = [type(p).name for group in groups for p in group]
        assert Counter(names) == Counter(type(p).name for p in projections)
        costs = [_cost(group, counts) for group in groups]
        assert costs == sorted(costs, reverse=True)
        assert plan(list(reversed(projections)), counts, 3) == groups  # deterministic

    def test_two_groups_are_the_best_split(self) -> None:
        """With few projections every split is tried: no other has a cheaper costliest group.

        (Ten of the standard projections: with all of them there are too many ways to try,
        and the plan places them one by one, as the test below checks.)"""
        projections = standard_projections()[:10]
        assert 2 ** len(projections) <= EXHAUSTIVE
        counts = {
            topic: 7 * (i + 1)
            for i, topic in enumerate(sorted({t for p in projections for t in p.topics()}))
        }
        groups = plan(projections, counts, 2)
        best = max(_cost(g, counts) for g in groups)
        for mask in range(1, 2 ** len(projections) - 1):
            one = [p for i, p in enumerate(projections) if mask >> i & 1]
            two = [p for i, p in enumerate(projections) if not mask >> i & 1]
            assert max(_cost(one, counts), _cost(two, counts)) >= best - 1e-9

    def test_a_costly_projection_is_kept_apart(self) -> None:
        """Same events, one projection far costlier to apply: it gets a group of its own."""
        projections = [_numbered(n, 5.0 if n == 3 else 0.1) for n in range(6)]
        groups = plan(projections, {"libops:Post.Published": 100}, 2)
        assert [type(p).name for p in groups[0]] == ["p3"]

    def test_many_projections_are_placed_one_by_one(self) -> None:
        """Too many ways to try them all: each still lands in exactly one group, none idle."""
        projections = [_numbered(n, 0.1 * (n + 1)) for n in range(12)]
        groups = plan(projections, {"libops:Post.Published": 100}, 4)
        assert len(groups) == 4
        assert all(groups)
        assert sorted(type(p).name for g in groups for p in g) == sorted(
            type(p).name for p in projections
        )
        costs = [_cost(g, {"libops:Post.Published": 100}) for g in groups]
        assert costs == sorted(costs, reverse=True)
        assert max(costs) <= 2 * min(costs)

    def test_no_more_groups_than_projections(self) -> None:
        assert len(plan([PublishedCount()], {}, 4)) == 1
        assert plan([], {}, 2) == []

    @pytest.mark.parametrize("workers", [0, -1, True, 1.5, "2"])
    def test_bad_workers_are_refused(self, workers: Any) -> None:
        with pytest.raises(InvalidValueError, match="workers must be a whole number"):
            plan([PublishedCount()], {}, workers)


class TestRunInWorkers:
    def test_two_workers_give_the_views_one_process_gives(
        self, history: Path, tmp_path: Path
    ) -> None:
        with LibOps.open(copy_store(history, tmp_path / "one")) as ops:
            alone = _views(ops, 1, [PublishedCount()])
        with LibOps.open(copy_store(history, tmp_path / "two")) as ops:
            shared = _views(ops, 2, [PublishedCount()])
        assert shared == alone
        assert alone["published_count"]["published"] > 0
        assert alone["activity"]["sequence"] > 100

    def test_progress_reports_every_position(self, history: Path, tmp_path: Path) -> None:
        seen: list[dict[str, int]] = []
        with (
            LibOps.open(copy_store(history, tmp_path)) as ops,
            ProjectionEngine(ops, standard_projections(), batch_size=40) as engine,
        ):
            reports = engine.run(workers=2, on_progress=seen.append)
            assert seen, "on_progress was never called"
            assert set(seen[-1]) == set(engine.names)
            assert seen[-1] == {name: report.position for name, report in reports.items()}
            assert all(position == engine.last_id() for position in seen[-1].values())

    def test_a_failing_group_raises_and_the_others_commit(
        self, history: Path, tmp_path: Path
    ) -> None:
        projections = [*standard_projections(), FailsOnThirdMetric()]
        with (
            LibOps.open(copy_store(history, tmp_path)) as ops,
            ProjectionEngine(ops, projections, batch_size=1) as engine,
        ):
            groups = plan(projections, engine.sample_topics(0, SAMPLE), 2)
            with pytest.raises(RuntimeError, match="third snapshot refused") as raised:
                engine.run(workers=2)
            notes = " ".join(getattr(raised.value, "__notes__", []))
            assert "fails_on_third_metric" in notes
            assert engine.get("fails_on_third_metric", "seen") == 2  # two batches of one
            others = [
                type(p).name
                for group in groups
                for p in group
                if not any(isinstance(q, FailsOnThirdMetric) for q in group)
            ]
            assert others, "the failing projection should not be alone"
            assert all(engine.position(name) == engine.last_id() for name in others)

    def test_a_projection_a_worker_cannot_load_is_refused_before_anything_runs(
        self, history: Path, tmp_path: Path
    ) -> None:
        class Local(Projection):  # defined in a function: pickle cannot find it
            name = "local"

            @handles(Post.Published)
            def published(self, event: Post.Published, view: View) -> None:
                view.increment("published")

        with (
            LibOps.open(copy_store(history, tmp_path)) as ops,
            ProjectionEngine(ops, [*standard_projections(), Local()]) as engine,
        ):
            with pytest.raises(InvalidValueError, match="'local' cannot be sent to a worker"):
                engine.run(workers=2)
            assert all(engine.position(name) == 0 for name in engine.names)

    def test_memory_store_and_max_batches_are_refused(self, history: Path) -> None:
        with LibOps.open("memory://") as ops, ProjectionEngine(ops, [PublishedCount()]) as e:
            with pytest.raises(InvalidValueError, match="cannot open a memory:// store"):
                e.run(workers=2)
            with pytest.raises(InvalidValueError, match="max_batches works with workers=1"):
                e.run(workers=2, max_batches=1)
            with pytest.raises(InvalidValueError, match="workers must be a whole number"):
                e.run(workers=0)

    def test_sample_topics_counts_what_the_log_holds(self, history: Path, tmp_path: Path) -> None:
        with (
            LibOps.open(copy_store(history, tmp_path)) as ops,
            ProjectionEngine(ops, [PublishedCount()]) as engine,
        ):
            everything = Counter(
                n.topic
                for n in ops.app.recorder.select_notifications(0, 10**6, inclusive_of_start=False)
            )
            assert engine.sample_topics(0, 10**6) == everything
            sampled = engine.sample_topics(0, 300)
            assert 0 < sum(sampled.values()) <= 300
            assert set(sampled) <= set(everything)
            assert engine.sample_topics(engine.last_id(), 100) == Counter()


def test_two_workers_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    run_demo(postgres_url, seed=5, posts=3, days=3)
    with LibOps.open(postgres_url) as ops:
        shared = _views(ops, 2, [PublishedCount()])
    sqlite_url = f"sqlite:///{tmp_path}/libops.db"
    run_demo(sqlite_url, seed=5, posts=3, days=3)
    with LibOps.open(sqlite_url) as ops:
        alone = _views(ops, 1, [PublishedCount()])
    # Same seed, same history: the same figures (ids differ, so compare what does not).
    assert shared["published_count"] == alone["published_count"]
    assert shared["activity"]["sequence"] == alone["activity"]["sequence"]
    assert {k: v["posts"] for k, v in shared["cadence"].items()} == {
        k: v["posts"] for k, v in alone["cadence"].items()
    }

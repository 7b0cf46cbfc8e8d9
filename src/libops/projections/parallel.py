"""Catching projections up in several worker processes at once.

One engine reads the log once for all its projections, in one process, so it uses one
processor core. :func:`run_in_workers` splits the projections into groups that cost about the
same and catches each group up in a worker process of its own, with its own engine (made by
the factory it is given) on the same store (opened by the opener it is given). The guarantees do
not change: every projection is still applied by one engine at a time, batch by batch, with its
documents and its position committed together under compare-and-set.

How the groups are chosen: the topics of a sample of the log (up to :data:`SAMPLE` events
after the lowest position) give each projection's share of the events it handles; a group
costs the events its projections read together (each read and decoded once for the group,
weighted :data:`READ_WEIGHT`) plus the events each projection applies. The projections,
heaviest first, each join the group they make cheapest.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import pickle
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Final, Protocol

from libops.domain.errors import InvalidValueError, StorageError
from libops.projections.ports import EventLog, ProjectionStore, StoreOpener
from libops.projections.reports import RunReport
from libops.projections.views import Projection

SAMPLE: Final = 20_000
"""How many events (notifications, not decoded) the plan reads to weigh the projections."""

POLL_INTERVAL: Final = 0.25
"""How often (seconds) the parent reads the positions to report progress."""

EXHAUSTIVE: Final = 50_000
"""Up to this many ways of sharing the projections out, the plan tries them all."""


def plan(
    projections: Sequence[Projection], topic_counts: Mapping[str, int], workers: int
) -> list[list[Projection]]:
    """Split ``projections`` into at most ``workers`` groups of about the same cost, the
    costliest first.

    ``topic_counts`` says how many events of each topic there are (or their share of a
    sample). A group costs the events its projections read together (1 each: read and
    decoded once for the group) plus, for each projection, the events it handles times its
    :attr:`~libops.projections.Projection.apply_cost`. The plan makes the costliest group as
    cheap as it can: trying every way when there are few (up to :data:`EXHAUSTIVE`),
    otherwise placing the projections, costliest first, each where it adds least.
    Deterministic: the same inputs give the same groups, in the same order.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidValueError(f"workers must be a whole number >= 1, not {workers!r}")
    chosen = sorted(projections, key=lambda p: type(p).name)
    size = min(workers, len(chosen))
    if size == 0:
        return []
    topics = [frozenset(p.topics()) for p in chosen]
    applying = [
        sum(topic_counts.get(t, 0) for t in topics[i]) * float(type(p).apply_cost)
        for i, p in enumerate(chosen)
    ]

    def cost(members: Sequence[int]) -> float:
        read: set[str] = set().union(*(topics[i] for i in members))
        return sum(topic_counts.get(t, 0) for t in read) + sum(applying[i] for i in members)

    def split(assignment: Sequence[int]) -> list[list[int]]:
        return [[i for i, g in enumerate(assignment) if g == group] for group in range(size)]

    best: tuple[float, float, tuple[int, ...]] | None = None
    if size ** len(chosen) <= EXHAUSTIVE:
        # The first projection always in group 0: the other orders are the same splits.
        for rest in itertools.product(range(size), repeat=len(chosen) - 1):
            assignment = (0, *rest)
            groups = split(assignment)
            if any(not g for g in groups):
                continue
            costs = [cost(g) for g in groups]
            key = (max(costs), sum(costs), assignment)
            if best is None or key < best:
                best = key
        assert best is not None
        members = split(best[2])
    else:
        members = [[] for _ in range(size)]
        order = sorted(range(len(chosen)), key=lambda i: (-cost([i]), i))
        for i in order:
            target = min(range(size), key=lambda g: (bool(members[g]), cost([*members[g], i]), g))
            members[target].append(i)
    members.sort(key=lambda g: (-cost(g), g))
    return [[chosen[i] for i in group] for group in members]


def check_picklable(projections: Sequence[Projection]) -> None:
    """Refuse a projection a worker process could not be sent, naming it and saying why."""
    for projection in projections:
        try:
            pickle.dumps(projection)
        except Exception as error:
            raise InvalidValueError(
                f"projection {type(projection).name!r} cannot be sent to a worker process "
                f"({type(error).__name__}: {error}); define its class at the top level of a "
                "module, or run with workers=1"
            ) from None


class Engine(Protocol):
    """What :func:`run_in_workers` needs of a projection engine."""

    @property
    def source(self) -> ProjectionStore | EventLog:
        """The opened store the engine runs on."""
        ...

    def position(self, name: str) -> int:
        """The position of the projection ``name``."""
        ...

    def sample_topics(self, after: int, size: int) -> Counter[str]:
        """How many events of each topic a sample of the log after ``after`` holds."""
        ...

    def run(
        self, *, on_progress: Callable[[dict[str, int]], None] | None = None
    ) -> dict[str, RunReport]:
        """Catch the engine's projections up with the log."""
        ...

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...


EngineFactory = Callable[..., Engine]
"""Makes an engine: ``factory(store, projections, batch_size=n)`` (picklable: a class)."""


def _work(
    make_engine: EngineFactory,
    opener: StoreOpener,
    projections: list[Projection],
    batch_size: int,
) -> dict[str, RunReport]:
    """In a worker process: open the store with ``opener`` and catch ``projections`` up."""
    with opener() as store, make_engine(store, projections, batch_size=batch_size) as engine:
        return engine.run()


def run_in_workers(
    engine: Engine,
    make_engine: EngineFactory,
    projections: Sequence[Projection],
    *,
    opener: StoreOpener,
    workers: int,
    batch_size: int,
    on_progress: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, RunReport]:
    """Catch ``projections`` up in up to ``workers`` processes; the reports by name.

    The costliest group is caught up in this process, the others each in a worker process
    started for it, which opens the store with ``opener`` and makes its engine with
    ``make_engine`` (both sent to it by pickling). ``on_progress`` gets the positions of all
    the projections, by name, about every :data:`POLL_INTERVAL` seconds. A group that fails
    does not stop the others (each commits batch by batch); the first error is raised once
    all have ended.
    """
    check_picklable(projections)
    low = min(engine.position(type(p).name) for p in projections)
    groups = plan(projections, engine.sample_topics(low, SAMPLE), workers)
    if len(groups) < 2:  # nothing to share out
        return engine.run(on_progress=on_progress)
    names = [type(p).name for p in projections]
    last_report = 0.0

    def progress(force: bool = False) -> None:
        nonlocal last_report
        now = time.monotonic()
        if on_progress is not None and (force or now - last_report >= POLL_INTERVAL):
            last_report = now
            on_progress({name: engine.position(name) for name in names})

    reports: dict[str, RunReport] = {}
    failures: list[BaseException] = []
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(len(groups) - 1, mp_context=context) as pool:
        futures = {
            pool.submit(_work, make_engine, opener, group, batch_size): group
            for group in groups[1:]
        }
        here = groups[0]
        try:
            # One run (its views keep their documents between batches), reporting the
            # positions of all the projections after its batches.
            with make_engine(engine.source, here, batch_size=batch_size) as local:
                reports.update(local.run(on_progress=lambda _positions: progress()))
        except Exception as error:
            error.add_note(f"while catching up {', '.join(type(p).name for p in here)}")
            failures.append(error)
        pending = set(futures)
        while pending:
            done, pending = concurrent.futures.wait(pending, timeout=POLL_INTERVAL)
            for future in done:
                group = ", ".join(type(p).name for p in futures[future])
                try:
                    reports.update(future.result())
                except concurrent.futures.process.BrokenProcessPool as error:
                    failures.append(
                        StorageError(f"the worker process catching up {group} died: {error}")
                    )
                except Exception as error:
                    error.add_note(f"in the worker process catching up {group}")
                    failures.append(error)
            progress()
    progress(force=True)
    if failures:
        raise failures[0]
    return {name: reports[name] for name in names}

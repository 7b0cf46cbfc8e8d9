"""Work started in several threads at once, for the contracts' concurrency checks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def in_threads(count: int, work: Callable[[int], T]) -> list[T]:
    """What ``work(index)`` returned in each of ``count`` threads released together.

    The first error a thread raised is raised again here, in the test's thread.
    """
    results: dict[int, T] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    assert len(results) == count, f"{count - len(results)} threads did not finish in 60 s"
    return [results[index] for index in range(count)]

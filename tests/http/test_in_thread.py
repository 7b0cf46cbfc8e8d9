"""The app's hop to its worker threads (``Api.in_thread``): the answer, the error as raised,
and a call cancelled before a worker took it is never made."""

from __future__ import annotations

import asyncio
import threading

import pytest

from libops import LibOps
from libops.domain.errors import UnknownIdError
from libops.http import create_app
from libops.http.endpoints import Api
from tests import actors


def _api(ops: LibOps, threads: int) -> Api:
    api = create_app(ops, authenticate=lambda headers: actors.PLANNER, threads=threads).state.libops
    assert isinstance(api, Api)
    return api


def test_a_call_answers_in_a_worker_thread(memory_ops: LibOps) -> None:
    api = _api(memory_ops, 2)

    async def main() -> tuple[str, str]:
        loop_thread = threading.current_thread().name
        name: str = await api.in_thread(lambda: threading.current_thread().name)
        return loop_thread, name

    loop_thread, worker = asyncio.run(main())
    assert worker.startswith("libops-http")
    assert worker != loop_thread
    api.close()


def test_an_error_is_raised_to_the_request_as_it_was(memory_ops: LibOps) -> None:
    api = _api(memory_ops, 1)
    error = UnknownIdError("campaign", "nope")

    def fails() -> None:
        raise error

    async def main() -> None:
        await api.in_thread(fails)

    with pytest.raises(UnknownIdError) as raised:
        asyncio.run(main())
    assert raised.value is error
    api.close()


def test_a_call_cancelled_before_a_worker_takes_it_is_not_made(memory_ops: LibOps) -> None:
    """With its one worker busy, a request's call waits; cancelled then (the request gone),
    it is never made, and the busy call's answer is still delivered."""
    api = _api(memory_ops, 1)
    release = threading.Event()
    made: list[str] = []

    def busy() -> str:
        release.wait(10)
        return "busy done"

    async def main() -> str:
        first = asyncio.ensure_future(api.in_thread(busy))
        second = asyncio.ensure_future(api.in_thread(made.append, "second"))
        await asyncio.sleep(0.05)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        release.set()
        answer: str = await first
        await api.in_thread(lambda: None)  # the queue has drained
        return answer

    assert asyncio.run(main()) == "busy done"
    assert made == []
    api.close()

"""``libops serve``'s protocol: an answer goes out in one socket write (libops.http.server)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from libops import LibOps
from libops.cli.serve_command import _http_protocol
from libops.http import create_app
from libops.http.server import (
    GATHER_AT_MOST,
    PROTOCOL,
    OneWriteHttpToolsProtocol,
    OneWritePerTurn,
)
from tests import actors
from tests.http.support import BODIES, NO_IDS, auth, authenticate, serve_on_loopback


class Recorded(asyncio.Transport):
    """A transport that records its writes and whether it was closed or aborted."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5000)}.get(name, default)


def _turns(*steps: Any) -> Recorded:
    """Run ``steps`` (each a function of the wrapping transport), one turn of a loop each."""
    recorded = Recorded()

    async def run() -> None:
        transport = OneWritePerTurn(recorded, asyncio.get_running_loop())
        for step in steps:
            step(transport)
            await asyncio.sleep(0)  # the turn ends
            await asyncio.sleep(0)

    asyncio.run(run())
    return recorded


def test_the_writes_of_one_turn_are_one_write() -> None:
    recorded = _turns(lambda t: (t.write(b"HTTP/1.1 200 OK\r\n\r\n"), t.write(b"{}")))
    assert recorded.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]


def test_the_writes_of_separate_turns_are_not_held_back() -> None:
    """A streamed answer goes out as it is written, a turn at a time."""
    recorded = _turns(lambda t: t.write(b"one"), lambda t: t.writelines([b"two", b"three"]))
    assert recorded.writes == [b"one", b"twothree"]


def test_closing_writes_what_is_gathered_first() -> None:
    recorded = _turns(lambda t: (t.write(b"last words"), t.close()))
    assert recorded.writes == [b"last words"]
    assert recorded.closed


def test_aborting_drops_what_is_gathered() -> None:
    recorded = _turns(lambda t: (t.write(b"never sent"), t.abort()))
    assert recorded.writes == []
    assert recorded.aborted


def test_a_large_answer_is_written_without_waiting_for_the_turn() -> None:
    seen: list[int] = []
    big = b"x" * GATHER_AT_MOST

    def step(transport: OneWritePerTurn) -> None:
        transport.write(b"head")
        transport.write(big)
        seen.append(len(recorded_writes(transport)))

    def recorded_writes(transport: OneWritePerTurn) -> list[bytes]:
        inner = transport._transport
        assert isinstance(inner, Recorded)
        return inner.writes

    recorded = _turns(step)
    assert seen == [1]  # written within the turn
    assert recorded.writes == [b"head" + big]


def test_nothing_is_written_to_a_closing_transport() -> None:
    def step(transport: OneWritePerTurn) -> None:
        transport.write(b"too late")
        inner = transport._transport
        assert isinstance(inner, Recorded)
        inner.closed = True

    assert _turns(step).writes == []


class RefusesWrites(Recorded):
    """A transport whose write fails (uvloop's, written to after ``write_eof``)."""

    def write(self, data: Any) -> None:
        raise RuntimeError("Cannot call write() after write_eof()")


def test_closing_closes_even_when_the_last_write_fails() -> None:
    refusing = RefusesWrites()

    async def run() -> None:
        transport = OneWritePerTurn(refusing, asyncio.get_running_loop())
        transport.write(b"last words")
        with pytest.raises(RuntimeError):
            transport.close()

    asyncio.run(run())
    assert refusing.closed  # the socket is not left open


def test_a_memoryview_counts_its_bytes() -> None:
    """A large answer given as a memoryview of wider items is written at once too."""
    wide = memoryview(bytes(GATHER_AT_MOST)).cast("I")  # a quarter as many items as bytes
    seen: list[int] = []

    def step(transport: OneWritePerTurn) -> None:
        transport.write(wide)
        inner = transport._transport
        assert isinstance(inner, Recorded)
        seen.append(len(inner.writes))

    recorded = _turns(step)
    assert seen == [1]  # written within the turn, as its size in bytes asks
    assert recorded.writes == [bytes(GATHER_AT_MOST)]


def test_libops_serve_uses_it() -> None:
    assert _http_protocol() == PROTOCOL
    assert uvicorn.importer.import_from_string(PROTOCOL) is OneWriteHttpToolsProtocol


class _WriteSpy(asyncio.Transport):
    """A real transport with its writes seen by ``spy`` (which writes them)."""

    def __init__(self, transport: asyncio.Transport, spy: Any) -> None:
        super().__init__()
        self._inner = transport
        self.write = spy  # type: ignore[method-assign]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def is_closing(self) -> bool:
        return self._inner.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._inner.get_extra_info(name, default)

    def close(self) -> None:
        self._inner.close()


def _served(ops: LibOps, protocol: type[HttpToolsProtocol], writes: list[bytes]) -> Iterator[str]:
    class Spied(protocol):  # type: ignore[valid-type, misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            def write(data: Any) -> None:
                writes.append(bytes(data))
                transport.write(data)

            super().connection_made(_WriteSpy(transport, write))

    return serve_on_loopback(create_app(ops, authenticate=authenticate), Spied)


@pytest.mark.parametrize(
    ("protocol", "per_answer"), [(OneWriteHttpToolsProtocol, 1), (HttpToolsProtocol, 2)]
)
def test_an_answer_is_one_socket_write(
    memory_ops: LibOps, protocol: type[HttpToolsProtocol], per_answer: int
) -> None:
    """Served with libops's protocol, a command's answer, a read's and a problem each reach
    the socket in one write; with uvicorn's own, in two (headers, then body)."""
    writes: list[bytes] = []
    served = _served(memory_ops, protocol, writes)
    base_url = next(served)
    try:
        body = {**BODIES["campaign.plan"](NO_IDS), "platforms": ["weibo"]}
        with httpx.Client(base_url=base_url, timeout=30) as client:
            planned = client.post(
                "/v1/commands/campaign.plan", json=body, headers=auth(actors.PLANNER)
            )
            assert planned.status_code == 200, planned.text
            campaign_id = planned.json()["result"]
            read = client.get(f"/v1/aggregates/campaign/{campaign_id}", headers=auth(actors.ADMIN))
            assert read.status_code == 200
            assert read.json()["id"] == campaign_id
            refused = client.post(
                "/v1/commands/campaign.amend", json={}, headers=auth(actors.ADMIN)
            )
            assert refused.status_code == 422
            assert refused.headers["content-type"] == "application/problem+json"
    finally:
        with pytest.raises(StopIteration):
            next(served)
    assert len(writes) == 3 * per_answer
    if per_answer == 1:
        assert all(w.startswith(b"HTTP/1.1 ") and w.endswith((b"}", b"]")) for w in writes)

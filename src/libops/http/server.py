"""How ``libops serve`` speaks HTTP: uvicorn's httptools protocol, one socket write per answer.

uvicorn writes an answer's status line and headers with one ``transport.write`` and its body
with another, and the event loop (uvloop) sends each as a ``write`` system call of its own:
two TCP segments per answer, each one a trip through the kernel's network stack (on
loopback, the receiving side's work too, and a wake-up of the client for each). Traced on
``libops serve`` (``strace``), an answer to a command was ``write(136 bytes)`` then
``write(15 bytes)``. :class:`OneWriteHttpToolsProtocol` gives uvicorn's protocol a transport
that gathers what is written in one turn of the event loop and writes it at the end of that
turn, at once: an answer whose headers and body are sent together (every answer of this API
but the report's) goes out in one system call and one segment. Nothing waits longer than
the turn it was written in, so a streamed answer still goes out piece by piece; closing the
connection writes what is gathered first (docs/http.md, Speed).
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

GATHER_AT_MOST: Final = 64 * 1024
"""Bytes gathered before they are written at once, without waiting for the turn's end."""


class OneWritePerTurn(asyncio.Transport):
    """A transport that writes what it is given in one turn of the loop as one write.

    Everything but writing and closing goes to the wrapped transport as it is.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._gathered: list[bytes] = []
        self._size = 0
        self._scheduled = False

    # --- writing ----------------------------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        chunk = bytes(data)  # a memoryview's len() counts items, not bytes
        self._gathered.append(chunk)
        self._size += len(chunk)
        if self._size >= GATHER_AT_MOST:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._at_turn_end)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def _at_turn_end(self) -> None:
        self._scheduled = False
        self.flush()

    def flush(self) -> None:
        """Write what was gathered, now (once, as one write)."""
        if not self._gathered:
            return
        data = self._gathered[0] if len(self._gathered) == 1 else b"".join(self._gathered)
        self._gathered.clear()
        self._size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._size

    def write_eof(self) -> None:
        try:
            self.flush()
        finally:
            self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            # a write that fails (a transport already half-closed) must not keep the socket
            self._transport.close()

    def abort(self) -> None:
        self._gathered.clear()
        self._size = 0
        self._transport.abort()

    # --- the rest, as the wrapped transport does it ----------------------------------------

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through :class:`OneWritePerTurn`."""

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(OneWritePerTurn(transport, self.loop))


PROTOCOL: Final = "libops.http.server:OneWriteHttpToolsProtocol"
"""The protocol ``libops serve`` gives uvicorn (``http=``), by its import path."""

"""The plain-socket client of benchmarks/http.py reads answers as httpx does: the same status
and body for a command, a document, an error, one after another on one connection."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from libops.testing.serving import running_server, user_with_token

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "http.py"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("libops_http_benchmark", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_client_answers_as_httpx_does(tmp_path: Path) -> None:
    bench = _benchmark()
    store = f"sqlite:///{tmp_path / 'libops.db'}"
    token = user_with_token(store, "li.na", name="Li Na", roles=["content_planner"])
    plan = bench._plan(1)
    with (
        running_server(store, log=tmp_path / "serve.log") as server,
        httpx.Client(
            base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as reference,
    ):
        connection = bench.Connection(server.port, token)
        try:
            status, body = connection.request("POST", "/v1/commands/campaign.plan", plan)
            assert status == 200
            campaign_id = json.loads(body)["result"]
            expected = reference.get(f"/v1/aggregates/campaign/{campaign_id}")
            for _ in range(2):  # the same connection, kept alive
                status, body = connection.request("GET", f"/v1/aggregates/campaign/{campaign_id}")
                assert (status, body) == (expected.status_code, expected.content)
            status, body = connection.request("POST", "/v1/commands/campaign.plan", {"name": 3})
            refused = reference.post("/v1/commands/campaign.plan", json={"name": 3})
            assert (status, body) == (refused.status_code, refused.content)
            assert status == 422
            status, body = connection.request("GET", "/v1/no-such-thing")
            assert status == 404
            assert json.loads(body)["status"] == 404
            amend = {"campaign_id": campaign_id, "description": "长" * 19_000}
            status, body = connection.request("POST", "/v1/commands/campaign.amend", amend)
            assert status == 200, body[:200]
            # An answer of some 60 kB (the Chinese text as UTF-8), read over several chunks.
            expected = reference.get(f"/v1/aggregates/campaign/{campaign_id}")
            status, body = connection.request("GET", f"/v1/aggregates/campaign/{campaign_id}")
            assert len(body) > 50_000
            assert (status, body) == (expected.status_code, expected.content)
        finally:
            connection.close()
        stranger = bench.Connection(server.port, "lo_not_a_token")
        try:
            status, body = stranger.request("GET", "/v1/commands")
            assert status == 401
            assert json.loads(body)["error"] == "AuthenticationError"
        finally:
            stranger.close()


def test_an_answer_the_client_cannot_read_is_an_error() -> None:
    """Without Content-Length, or chunked, an answer is refused (counted as a failure)."""
    bench = _benchmark()
    connection = bench.Connection.__new__(bench.Connection)
    for head in (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        b"SPDY/3 200 OK\r\nContent-Length: 2\r\n\r\n{}",
    ):

        class Socket:
            def sendall(self, data: bytes) -> None:
                pass

            def recv(self, size: int) -> bytes:
                return b""

        connection.socket = Socket()
        connection.headers = b""
        connection.received = head
        with pytest.raises(RuntimeError):
            connection.request("GET", "/v1/commands")

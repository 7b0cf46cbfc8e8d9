"""Commands and view reads over HTTP (``libops serve``) against the same commands in process.

Each run makes two fresh SQLite stores in a temporary directory and gives both the same
command mix, from ``--clients`` concurrent clients (threads) of ``--commands`` commands each.
Every client works on aggregates of its own (one campaign it plans, then amends; posts it
drafts in that campaign), so the figures are of throughput, not of one aggregate's contention
(``benchmarks/contention.py`` measures that):

* **in process**: the commands are built from their JSON form (``build_command``) and given
  to ``ops.execute`` by ``--clients`` threads sharing one opened store, measured exactly as
  the HTTP clients are (same threads, same mix) -> ``inprocess_per_s``;
* **HTTP**: the store is migrated and a user and an API token are made with the CLI, and
  ``libops serve`` is started as a subprocess on a free loopback port (``--workers``, 1 by
  default), both by :mod:`libops.testing.serving`; ``--clients`` threads, each with one
  keep-alive HTTP/1.1 connection (a plain socket: :class:`Connection`), ``POST
  /v1/commands/{name}`` the same JSON forms with the Bearer token -> ``http_per_s`` and
  latency p50/p95/p99; an answer counts only with status 200 and, for a plan or a draft, an
  id as its result (anything else is a failure). The clients run on the same cores as the
  server, so they are kept cheap, and their CPU per command is reported
  (``client_cpu_ms_per_command``): a full client library's CPU per request (httpx took
  about a third of a core at these rates, the standard library's ``http.client`` about 0.2
  ms a request) would otherwise be taken from the server and counted against it;
* **reads**: the server reads views as the projection workers left them, so the projections
  are run in this process on the same store file (``ops.projections.run()``), then
  ``--reads`` ``GET /v1/views/{projection}/{document_id}`` of documents that exist (up to 500
  each of the engagement, scorecard and activity views, in turn), spread over the clients
  -> ``read_p99_ms``; a read counts only with status 200 and the document's id and a
  document in its body;
* **CPU per command**: the user and system time of the server's processes (from Linux's
  ``/proc``, ``--workers`` included) over the command phase, and of this process over the
  in-process phase (``time.process_time``), each per command acknowledged ->
  ``server_cpu_ms_per_command`` and ``inprocess_cpu_ms_per_command``. On a shared machine
  the rates move with the other processes' load far more than these do.

Nothing lost: afterwards each acknowledged command's event is looked for in its aggregate's
stored history (a plan or an amendment in the campaign's, a draft in the post's); ``lost``
counts those missing and ``unexpected`` the events nobody acknowledged.

On a shared machine the load can change between the two phases, and with it either rate:
``--rounds N`` runs the in-process phase and the HTTP phase in turn N times, each round on
fresh stores, and reports the figures of all rounds together (rates from the totals,
percentiles of all latencies), so that both phases meet the same changes of load.

The target (issue 15, item 7): ``http_per_s`` at least 70% of ``inprocess_per_s``, p99
command latency under 100 ms, p99 read latency under 20 ms. The benchmark reports, it does
not assert: it exits 0 and says which targets were met. One line per phase, then a JSON line.

    python benchmarks/http.py              # 16 clients x 100 commands, 2,000 reads
    python benchmarks/http.py --quick      # 16 clients x 10 commands, 200 reads
    python benchmarks/http.py --workers 2
    python benchmarks/http.py --rounds 3   # the two phases in turn, three times
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as ``python benchmarks/http.py``, this file's folder comes first on the path, where its
# own name hides the standard library's ``http`` (which httpx imports): take the folder off.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import contextlib
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from libops import Actor, LibOps, Role, build_command
from libops.domain.campaign import Campaign
from libops.testing.serving import running_server, user_with_token

PLANNER_LOGIN = "bench.planner"
PLANNER = Actor(PLANNER_LOGIN, [Role.CONTENT_PLANNER], name="Bench Planner")

READ_VIEWS = ("engagement", "scorecard", "activity")
"""The views read: a post's engagement, a campaign's scorecard, the activity log's pages."""

Form = tuple[str, dict[str, Any]]
"""A command's name and its JSON form."""


def _plan(client: int) -> dict[str, Any]:
    return {
        "name": f"Benchmark campaign {client}",
        "kind": "topic",
        "period": {"start": "2026-04-01", "end": "2026-04-30"},
        "platforms": ["weibo", "wechat"],
        "objectives": [{"metric": "reads", "target": 50000}],
    }


def _next(client: int, n: int, campaign_id: str) -> Form:
    """The client's ``n``-th command after its plan: amendments and drafts in turn."""
    if n % 2:
        return "campaign.amend", {"campaign_id": campaign_id, "description": f"c{client}-n{n}"}
    return "post.draft", {
        "title": f"Post {n} of client {client}",
        "body": "Twelve new books this week.",
        "content_type": "news",
        "format": "image_text",
        "variants": [{"platform": "weibo", "text": "Twelve new books this week."}],
        "campaign_id": campaign_id,
    }


class Tally:
    """What the clients were told: latencies, acknowledged commands, failures."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.campaigns: dict[str, int] = {}  # campaign id -> amendments acknowledged
        self.posts: list[str] = []
        self.failures: dict[str, int] = {}

    def ok(self, name: str, result: Any, campaign_id: str | None, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if name == "campaign.plan":
                self.campaigns[str(result)] = 0
            elif name == "campaign.amend" and campaign_id is not None:
                self.campaigns[campaign_id] += 1
            elif name == "post.draft":
                self.posts.append(str(result))

    def failed(self, what: str) -> None:
        with self.lock:
            self.failures[what] = self.failures.get(what, 0) + 1

    @property
    def acknowledged(self) -> int:
        return len(self.latencies)


Send = Callable[[str, dict[str, Any]], Any]
"""Gives one command (name, JSON form) and answers its result; raises on failure."""


def _client_loop(
    client: int, commands: int, send: Send, tally: Tally, start: threading.Barrier
) -> None:
    start.wait()
    campaign_id: str | None = None
    for n in range(commands):
        name, form = (
            ("campaign.plan", _plan(client))
            if campaign_id is None
            else _next(client, n, campaign_id)
        )
        began = time.perf_counter()
        try:
            result = send(name, form)
        except Exception as error:  # counted, not hidden
            tally.failed(f"{name}: {type(error).__name__}: {error}"[:200])
            if campaign_id is None:
                return  # without its campaign the client cannot go on
            continue
        tally.ok(name, result, campaign_id, time.perf_counter() - began)
        if campaign_id is None:
            campaign_id = str(result)


def _run_clients(clients: int, commands: int, make_send: Callable[[], Send]) -> tuple[Tally, float]:
    """``clients`` threads giving ``commands`` commands each; the tally and the seconds."""
    tally = Tally()
    start = threading.Barrier(clients + 1)
    threads = [
        threading.Thread(target=_client_loop, args=(i, commands, make_send(), tally, start))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - began


def _percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) in milliseconds (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[rank] * 1000, 2)


def _check(url: str, tally: Tally) -> dict[str, int]:
    """Every acknowledged command's event in its aggregate's history, and no other."""
    lost = unexpected = 0
    with LibOps.open(url) as ops:
        store = ops.app.repository.event_store
        for campaign_id, amended in tally.campaigns.items():
            history = list(store.get(UUID(campaign_id)))
            planned = sum(isinstance(e, Campaign.Planned) for e in history)
            amends = sum(isinstance(e, Campaign.Amended) for e in history)
            lost += max(0, 1 - planned) + max(0, amended - amends)
            unexpected += max(0, planned - 1) + max(0, amends - amended)
        for post_id in tally.posts:
            lost += 0 if list(store.get(UUID(post_id))) else 1
    return {"lost": lost, "unexpected": unexpected}


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``--workers`` processes), from Linux's ``/proc``."""
    found: list[int] = []
    waiting = [pid]
    while waiting:
        one = waiting.pop()
        found.append(one)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{one}/task"):
                children = Path(f"/proc/{one}/task/{task}/children").read_text()
                waiting += [int(child) for child in children.split()]
    return found


def _cpu_seconds(pids: list[int]) -> float | None:
    """The CPU time (user and system, all threads) the processes used so far; None where
    ``/proc`` does not tell (not Linux)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def inprocess(directory: Path, clients: int, commands: int) -> dict[str, Any]:
    url = f"sqlite:///{directory / 'inprocess.db'}"
    with LibOps.open(url, migrate=True) as ops:

        def make_send() -> Send:
            return lambda name, form: ops.execute(PLANNER, build_command(name, form))

        began = time.process_time()
        tally, seconds = _run_clients(clients, commands, make_send)
        cpu = time.process_time() - began
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "latencies": tally.latencies,
        "acknowledged": tally.acknowledged,
        "failures": tally.failures,
        **_check(url, tally),
    }


class Connection:
    """One keep-alive HTTP/1.1 connection to the server, with the Bearer token.

    The request is written to the socket as bytes and the answer read by its
    ``Content-Length`` (the API gives one to every answer; one without it, chunked or not
    HTTP/1.x is an error, so counted as a failure). The clients run on the server's cores:
    the standard library's ``http.client`` spent about 0.2 ms of CPU per request (its header
    checks and its ``email`` parser for the answer's headers), taken from the server.
    """

    def __init__(self, port: int, token: str) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.headers = (
            f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Accept-Encoding: identity\r\n"
        ).encode("ascii")
        self.received = b""

    def _more(self) -> None:
        chunk = self.socket.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.received += chunk

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """The status and body of the answer to one request (``body`` sent as JSON)."""
        parts = [f"{method} {path} HTTP/1.1\r\n".encode("ascii"), self.headers]
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            parts += [b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data)]
            parts.append(data)
        else:
            parts.append(b"\r\n")
        self.socket.sendall(b"".join(parts))
        while b"\r\n\r\n" not in self.received:
            self._more()
        head, _, self.received = self.received.partition(b"\r\n\r\n")
        status_line, *lines = head.split(b"\r\n")
        version, status, _reason = (status_line + b" ").split(b" ", 2)
        if not version.startswith(b"HTTP/1.") or not status.isdigit():
            raise RuntimeError(f"not an HTTP/1.x answer: {status_line[:80]!r}")
        length = None
        for line in lines:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise RuntimeError(f"an answer with Transfer-Encoding {value.strip()!r}")
        if length is None:
            raise RuntimeError("an answer without Content-Length")
        while len(self.received) < length:
            self._more()
        answer, self.received = self.received[:length], self.received[length:]
        return int(status), answer

    def close(self) -> None:
        self.socket.close()


def _is_document(body: bytes, document_id: str) -> bool:
    """Whether ``body`` is the answer for the document ``document_id``: its id and a document."""
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("id") == document_id and "document" in answer


def _reads(
    port: int, token: str, clients: int, reads: int, ids: list[str]
) -> tuple[list[float], int]:
    """``reads`` document reads spread over ``clients`` threads; latencies and failures."""
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def loop(client: int) -> None:
        mine = range(client, reads, clients)
        connection = Connection(port, token)
        try:
            start.wait()
            for n in mine:
                began = time.perf_counter()
                wanted = ids[n % len(ids)]
                status, body = connection.request("GET", f"/v1/views/{wanted}")
                seconds = time.perf_counter() - began
                with lock:
                    if status == 200 and _is_document(body, wanted.split("/", 1)[1]):
                        latencies.append(seconds)
                    else:
                        failed[0] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failed[0]


def over_http(
    directory: Path, clients: int, commands: int, reads: int, workers: int
) -> dict[str, Any]:
    url = f"sqlite:///{directory / 'http.db'}"
    token = user_with_token(url, PLANNER_LOGIN, name="Bench Planner", roles=["content_planner"])
    # Its output goes to a file: a pipe nobody reads fills up and stops the server.
    with running_server(url, workers=workers, log=directory / "serve.log") as server:

        def make_send() -> Send:
            connection = Connection(server.port, token)

            def send(name: str, form: dict[str, Any]) -> Any:
                status, body = connection.request("POST", f"/v1/commands/{name}", form)
                if status != 200:
                    raise RuntimeError(f"{status} {body[:120].decode('utf-8', 'replace')}")
                result = json.loads(body)["result"]
                if name != "campaign.amend":
                    UUID(result)  # a plan's or a draft's answer is the new aggregate's id
                return result

            return send

        server_pids = _process_tree(server.process.pid)
        cpu_before = _cpu_seconds(server_pids)
        clients_began = time.process_time()
        tally, seconds = _run_clients(clients, commands, make_send)
        clients_cpu = time.process_time() - clients_began
        cpu_after = _cpu_seconds(server_pids)
        with LibOps.open(url) as ops:
            ops.projections.run()
        ids: list[str] = []
        listing = Connection(server.port, token)
        for projection in READ_VIEWS:
            status, body = listing.request("GET", f"/v1/views/{projection}?limit=500")
            if status != 200:
                raise RuntimeError(f"listing the {projection} view: {status} {body[:120]!r}")
            ids += [f"{projection}/{document['id']}" for document in json.loads(body)["documents"]]
        listing.close()
        read_latencies, read_failed = _reads(server.port, token, clients, reads, ids)
    return {
        "seconds": seconds,
        "cpu_seconds": None if cpu_before is None or cpu_after is None else cpu_after - cpu_before,
        "client_cpu_seconds": clients_cpu,
        "latencies": tally.latencies,
        "acknowledged": tally.acknowledged,
        "failures": tally.failures,
        "read_latencies": read_latencies,
        "read_documents": len(ids),
        "read_failed": read_failed,
        **_check(url, tally),
    }


def _combined(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One phase's figures over all rounds: rates from the totals, percentiles of all."""
    latencies = [x for one in rounds for x in one["latencies"]]
    acknowledged = sum(one["acknowledged"] for one in rounds)
    failures: dict[str, int] = {}
    for one in rounds:
        for what, count in one["failures"].items():
            failures[what] = failures.get(what, 0) + count
    cpu = [one["cpu_seconds"] for one in rounds]
    found: dict[str, Any] = {
        "per_s": round(acknowledged / sum(one["seconds"] for one in rounds), 1),
        "cpu_ms_per_command": (
            None if None in cpu or not acknowledged else round(1000 * sum(cpu) / acknowledged, 2)
        ),
        "acknowledged": acknowledged,
        "failed": sum(failures.values()),
        "failures": failures,
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
        "p99_ms": _percentile(latencies, 99),
        "lost": sum(one["lost"] for one in rounds),
        "unexpected": sum(one["unexpected"] for one in rounds),
    }
    if "client_cpu_seconds" in rounds[0] and acknowledged:
        clients_cpu = sum(one["client_cpu_seconds"] for one in rounds)
        found["client_cpu_ms_per_command"] = round(1000 * clients_cpu / acknowledged, 2)
    if "read_latencies" in rounds[0]:
        reads = [x for one in rounds for x in one["read_latencies"]]
        found |= {
            "reads": len(reads),
            "read_documents": max(one["read_documents"] for one in rounds),
            "read_failed": sum(one["read_failed"] for one in rounds),
            "read_p50_ms": _percentile(reads, 50),
            "read_p99_ms": _percentile(reads, 99),
        }
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--commands", type=int, default=100, help="commands per client")
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1, help="libops serve --workers")
    parser.add_argument("--quick", action="store_true", help="16 clients x 10 commands, 200 reads")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="in process then HTTP, this many times in turn, each on fresh stores; the "
        "figures are of all rounds together (on a shared machine, both phases then meet "
        "the same changes of load)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.commands, args.reads = 10, 200
    if args.rounds < 1:
        parser.error("--rounds is 1 or more")
    locals_: list[dict[str, Any]] = []
    remotes: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="libops-http-bench-") as tmp:
        for n in range(args.rounds):
            directory = Path(tmp) / f"round-{n + 1}"
            directory.mkdir()
            locals_.append(inprocess(directory, args.clients, args.commands))
            remotes.append(
                over_http(directory, args.clients, args.commands, args.reads, args.workers)
            )
    local, remote = _combined(locals_), _combined(remotes)
    print(
        f"in process: {args.clients} clients x {args.commands} commands"
        f"{f' x {args.rounds} rounds' if args.rounds > 1 else ''}, "
        f"{local['per_s']:.1f} commands/s, p99 {local['p99_ms']} ms, "
        f"{local['acknowledged']} acknowledged, {local['failed']} failed, {local['lost']} lost, "
        f"{local['cpu_ms_per_command']} ms of CPU per command"
    )
    ratio = round(remote["per_s"] / local["per_s"], 3) if local["per_s"] else 0.0
    print(
        f"HTTP ({args.workers} worker{'s' if args.workers > 1 else ''}): "
        f"{remote['per_s']:.1f} commands/s ({ratio:.0%} of in process), latency p50 "
        f"{remote['p50_ms']} / p95 {remote['p95_ms']} / p99 {remote['p99_ms']} ms, "
        f"{remote['acknowledged']} acknowledged, {remote['failed']} failed, "
        f"{remote['lost']} lost, {remote['unexpected']} unexpected, "
        f"{remote['cpu_ms_per_command']} ms of the server's CPU per command, "
        f"{remote.get('client_cpu_ms_per_command')} ms of the clients'"
    )
    print(
        f"reads: {remote['reads']} of {remote['read_documents']} documents, "
        f"p50 {remote['read_p50_ms']} / p99 {remote['read_p99_ms']} ms, "
        f"{remote['read_failed']} failed"
    )
    targets = {
        "ratio_at_least_0.7": ratio >= 0.7,
        "p99_under_100_ms": remote["p99_ms"] < 100,
        "read_p99_under_20_ms": remote["read_p99_ms"] < 20,
        "nothing_lost": remote["lost"] == 0 and local["lost"] == 0,
    }
    print("targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in targets.items()))
    summary = {
        "http_per_s": remote["per_s"],
        "inprocess_per_s": local["per_s"],
        "ratio": ratio,
        "p50_ms": remote["p50_ms"],
        "p95_ms": remote["p95_ms"],
        "p99_ms": remote["p99_ms"],
        "read_p99_ms": remote["read_p99_ms"],
        "inprocess_p99_ms": local["p99_ms"],
        "server_cpu_ms_per_command": remote["cpu_ms_per_command"],
        "inprocess_cpu_ms_per_command": local["cpu_ms_per_command"],
        "client_cpu_ms_per_command": remote.get("client_cpu_ms_per_command"),
        "clients": args.clients,
        "commands": args.commands,
        "workers": args.workers,
        "rounds": args.rounds,
        "reads": remote["reads"],
        "acknowledged": remote["acknowledged"],
        "failed": remote["failed"],
        "lost": remote["lost"],
        "unexpected": remote["unexpected"],
        "inprocess_acknowledged": local["acknowledged"],
        "inprocess_failed": local["failed"],
        "inprocess_lost": local["lost"],
        "read_failed": remote["read_failed"],
        "failures": {**local["failures"], **remote["failures"]},
        "targets_met": targets,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

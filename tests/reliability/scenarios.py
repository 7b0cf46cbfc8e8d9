"""The four scenarios of the reliability suite, each returning what it tried and found.

Every scenario starts its processes in sessions of their own and kills whatever is left of
them (the whole process group) before it returns or raises, so a failure leaves nothing
running behind.
"""

from __future__ import annotations

import functools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import attrs

from libops import LibOps
from libops.domain.budget import Budget
from libops.domain.campaign import Campaign
from libops.projections import ProjectionEngine
from libops.projections.activity import ActivityLogProjection
from tests.reliability.postgres import ROOT, Cluster
from tests.reliability.workload import (
    EventCounter,
    counter,
    half_done,
    prepare_store,
    read_log,
    recorded,
)

Progress = Callable[[str], None]
WAIT_S = 180.0
"""The longest any wait of the suite lasts before it counts as a failure."""


@attrs.frozen
class Counts:
    """How much each scenario does."""

    kills: int
    """Writer processes SIGKILLed on SQLite (two writers run at once, both killed a round)."""
    stops: int
    """Abrupt stops of the PostgreSQL server while three writers write."""
    contenders: int
    """Processes giving commands on one aggregate at once."""
    commands: int
    """Commands each contender gives."""
    follower_commands: int
    """Commands each of the 8 writers gives while the 2 followers follow."""


CI = Counts(kills=6, stops=2, contenders=10, commands=20, follower_commands=15)
"""Modest counts: the whole suite in about two minutes on two cores."""
FULL = Counts(kills=30, stops=6, contenders=10, commands=50, follower_commands=60)
"""The counts of issue 13's Done-when (at least 25 kills and 5 stops; 10 x 50)."""


@attrs.define
class Tally:
    """What a scenario tried, what was acknowledged, lost, half-done and failed."""

    scenario: str
    store: str
    tried: int = 0
    acknowledged: int = 0
    failed: int = 0
    lost: int = 0
    half_done: int = 0
    extra: dict[str, int] = attrs.field(factory=dict)
    problems: list[str] = attrs.field(factory=list)

    @property
    def failed_pct(self) -> float:
        """Commands that raised, in percent of those tried."""
        return 100.0 * self.failed / self.tried if self.tried else 0.0

    def problem(self, text: str) -> None:
        """Note one thing that went wrong (the first few are kept for the report)."""
        if len(self.problems) < 10:
            self.problems.append(text)

    def row(self) -> str:
        """One line of the table :func:`table` prints."""
        extra = ", ".join(f"{k} {v}" for k, v in self.extra.items())
        return (
            f"{self.scenario:<22} {self.store:<10} {self.tried:>6} {self.acknowledged:>6} "
            f"{self.lost:>5} {self.half_done:>5} {self.failed:>6} {self.failed_pct:>6.1f}%  {extra}"
        )


HEADER = (
    f"{'scenario':<22} {'store':<10} {'tried':>6} {'acked':>6} {'lost':>5} {'half':>5} "
    f"{'failed':>6} {'failed%':>7}  details"
)


def table(tallies: Iterable[Tally]) -> str:
    """The tallies as a table, with the first problems each found."""
    lines = [HEADER, "-" * len(HEADER)]
    notes = []
    for tally in tallies:
        lines.append(tally.row())
        notes += [f"  {tally.scenario} ({tally.store}): {p}" for p in tally.problems]
    return "\n".join(lines + notes)


# --- processes ------------------------------------------------------------------------------


def _start(role: str, spec: dict[str, Any], stderr: Path) -> subprocess.Popen[bytes]:
    """A workload process in a session of its own (so that its whole group can be killed)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    with stderr.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.workload", role, json.dumps(spec)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and its group, and reap it."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=WAIT_S)


@contextmanager
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """A list to start processes into; whatever still runs at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for process in started:
            _kill(process)


def _wait(condition: Callable[[], bool], what: str, *, died: Callable[[], str | None]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        reason = died()
        if reason:
            raise AssertionError(f"while waiting for {what}: {reason}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _exited(procs: list[subprocess.Popen[bytes]], stderr: Path) -> Callable[[], str | None]:
    """A check that no process in ``procs`` has exited (its stderr if one has)."""

    def check() -> str | None:
        for process in procs:
            if process.poll() is not None:
                return f"a process exited early ({process.returncode}):\n{stderr.read_text()}"
        return None

    return check


def _acks(log: Path) -> int:
    return sum(1 for e in read_log(log) if e["t"] == "ack")


def _all_started(logs: list[Path]) -> bool:
    return all(read_log(log) for log in logs)


def _all_acknowledged(logs: list[Path], before: list[int] | None = None) -> bool:
    """Whether each log has an acknowledgement (more than ``before`` said, if given)."""
    return all(_acks(log) > (before[i] if before else 0) for i, log in enumerate(logs))


# --- checks ---------------------------------------------------------------------------------


def check_logs(ops: LibOps, logs: Iterable[Path], tally: Tally, half: set[str]) -> None:
    """Count what the logs tried and acknowledged, and what the store lost or left half-done.

    ``half`` collects the subjects found half-done (each counted once however often seen).
    """
    asked: dict[str, bool] = {}
    for log in logs:
        entries = read_log(log)
        for entry in entries:
            if entry["t"] == "try":
                tally.tried += 1
            elif entry["t"] == "fail":
                tally.failed += 1
                # By error type; a raw (non-libops) error is marked so.
                error = entry["error"] + (" (raw)" if entry.get("raw") else "")
                tally.extra[error] = tally.extra.get(error, 0) + 1
            elif entry["t"] == "ack":
                tally.acknowledged += 1
                if entry["op"] == "erase":
                    tally.extra["erasures"] = tally.extra.get("erasures", 0) + 1
                if not recorded(ops, entry):
                    tally.lost += 1
                    tally.problem(f"acknowledged but not found: {entry}")
            if "subject" in entry:
                asked[entry["subject"]] = asked.get(entry["subject"], False) or (
                    entry["t"] == "ack" and entry["op"] == "question"
                )
    for subject, was_asked in asked.items():
        wrong = half_done(ops, subject, asked=was_asked)
        if wrong and subject not in half:
            half.add(subject)
            tally.problem(f"{subject}: {wrong}")
    tally.half_done = len(half)


# --- 1. SQLite: writers killed mid-write ----------------------------------------------------


def sqlite_kills(kills: int, workdir: Path, progress: Progress, seed: int = 13) -> Tally:
    """Two writers at once on one SQLite store, each SIGKILLed at a random moment mid-write.

    After each round the store is opened again (``LibOps.open``, as the next process
    would) and every acknowledged command of the round is looked for, and every subject a
    writer asked about or erased is checked whole; at the end all are checked again.
    """
    rng = random.Random(seed)
    url = f"sqlite:///{workdir}/libops.db"
    budget, _ = prepare_store(url)
    tally = Tally("writers SIGKILLed", "sqlite")
    stderr = workdir / "writers.err"
    logs: list[Path] = []
    half: set[str] = set()
    done = round_ = mid_command = mid_erasure = 0
    while done < kills:
        round_ += 1
        round_logs = [workdir / f"writer-{round_}-{i}.log" for i in range(2)]
        logs += round_logs
        with processes() as procs:
            for i, log in enumerate(round_logs):
                spec = {
                    "url": url,
                    "log": str(log),
                    "prefix": f"k{round_}w{i}",
                    "seed": rng.randrange(2**32),
                    "budget": str(budget),
                }
                procs.append(_start("write", spec, stderr))
            _wait(
                functools.partial(_all_acknowledged, round_logs),
                "the writers to acknowledge a command",
                died=_exited(procs, stderr),
            )
            for process, log in zip(procs, round_logs, strict=True):
                time.sleep(rng.uniform(0.0, 0.6))  # each at its own random moment
                assert process.poll() is None, stderr.read_text()
                _kill(process)
                assert process.returncode == -signal.SIGKILL
                done += 1
                last = read_log(log)[-1]
                if last["t"] == "try":  # the command it was giving had not returned
                    mid_command += 1
                    mid_erasure += last["op"] == "erase"
        round_tally = Tally("round", "sqlite")
        with LibOps.open(url) as ops:  # the next open: whatever it finishes, it finishes
            check_logs(ops, round_logs, round_tally, half)
        progress(
            f"  kill round {round_}: {done}/{kills} kills, tried {round_tally.tried}, "
            f"acknowledged {round_tally.acknowledged}, lost {round_tally.lost}, "
            f"half-done so far {len(half)}"
        )
    with LibOps.open(url) as ops:
        check_logs(ops, logs, tally, set())
    tally.extra.update(
        {"kills": done, "killed mid-command": mid_command, "killed mid-erasure": mid_erasure}
    )
    return tally


# --- 2. PostgreSQL: the server stopped abruptly ---------------------------------------------


def postgres_stops(
    stops: int, cluster: Cluster, workdir: Path, progress: Progress, seed: int = 13
) -> Tally:
    """Three writers on PostgreSQL while the server is stopped (immediate) and started again.

    After each restart the suite waits until every writer has had a command acknowledged
    again; at the end the writers stop, the store is opened and every acknowledged command
    and every subject is checked.
    """
    rng = random.Random(seed)
    url = cluster.new_store()
    budget, _ = prepare_store(url)
    tally = Tally("server stopped", "postgresql")
    stderr = workdir / "pg-writers.err"
    stop = workdir / "pg-writers.stop"
    logs = [workdir / f"pg-writer-{i}.log" for i in range(3)]
    with processes() as procs:
        for i, log in enumerate(logs):
            spec = {
                "url": url,
                "log": str(log),
                "prefix": f"s{i}",
                "seed": rng.randrange(2**32),
                "budget": str(budget),
                "stop": str(stop),
            }
            procs.append(_start("write", spec, stderr))
        died = _exited(procs, stderr)
        _wait(functools.partial(_all_acknowledged, logs), "the writers to start", died=died)
        for n in range(1, stops + 1):
            time.sleep(rng.uniform(0.3, 1.2))
            cluster.stop_immediately()
            time.sleep(rng.uniform(0.2, 1.0))
            cluster.restart()
            _wait(
                functools.partial(_all_acknowledged, logs, [_acks(log) for log in logs]),
                "every writer to have a command acknowledged after the restart",
                died=died,
            )
            progress(f"  stop {n}/{stops}: server stopped, started, every writer writing again")
        stop.touch()
        for process in procs:
            process.wait(timeout=WAIT_S)
            assert process.returncode == 0, stderr.read_text()
    with LibOps.open(url) as ops:
        check_logs(ops, logs, tally, set())
    tally.extra["stops"] = stops
    return tally


# --- 3. Contention: many processes, one aggregate -------------------------------------------


def contention(
    url: str, store: str, contenders: int, commands: int, workdir: Path, progress: Progress
) -> list[Tally]:
    """``contenders`` processes x ``commands`` on one budget (expenses), then on one campaign.

    Failed: commands that raised (``ConcurrencyError`` counted apart); lost: acknowledged
    but missing from the aggregate; recorded though failed: found but never acknowledged.
    """
    budget, campaign = prepare_store(url)
    tallies = []
    for target, aggregate in (("budget", budget), ("campaign", campaign)):
        tally = Tally(f"contention: {target}", store)
        stderr = workdir / f"contend-{store}-{target}.err"
        go = workdir / f"contend-{store}-{target}.go"
        logs = [workdir / f"contend-{store}-{target}-{i}.log" for i in range(contenders)]
        with processes() as procs:
            for i, log in enumerate(logs):
                spec = {
                    "url": url,
                    "log": str(log),
                    "prefix": f"c{target[0]}{i}",
                    "count": commands,
                    "target": target,
                    "aggregate": str(aggregate),
                    "go": str(go),
                }
                procs.append(_start("contend", spec, stderr))
            _wait(
                functools.partial(_all_started, logs),
                "every contender to be ready",
                died=_exited(procs, stderr),
            )
            started = time.monotonic()
            go.touch()
            for process in procs:
                process.wait(timeout=WAIT_S * 2)
                assert process.returncode == 0, stderr.read_text()
            took = time.monotonic() - started
        entries = [e for log in logs for e in read_log(log)]
        acked = {e["key"] for e in entries if e["t"] == "ack"}
        failed = Counter(e["error"] for e in entries if e["t"] == "fail")
        with LibOps.open(url) as ops:
            if target == "budget":
                present = [e.invoice_reference for e in ops.app.load(Budget, budget).expenses]
            else:
                present = [
                    e.description.removeprefix("note ")
                    for e in ops.app.events.get(campaign)
                    if isinstance(e, Campaign.Amended) and e.description
                ]
        tally.tried = sum(1 for e in entries if e["t"] == "try")
        tally.acknowledged = len(acked)
        tally.failed = sum(failed.values())
        tally.lost = len(acked - set(present))
        tally.extra["ConcurrencyError"] = failed.get("ConcurrencyError", 0)
        tally.extra["other errors"] = tally.failed - tally.extra["ConcurrencyError"]
        tally.extra["recorded though failed"] = len(set(present) - acked)
        tally.extra["recorded twice"] = len(present) - len(set(present))
        tally.extra["seconds"] = round(took)
        for key in sorted(acked - set(present))[:3]:
            tally.problem(f"acknowledged but not found: {key}")
        for error, message in {
            e["error"]: e["message"] for e in entries if e["t"] == "fail"
        }.items():
            tally.problem(f"{error}: {message}")
        progress(f"  {store}, {target}: {contenders} processes done in {took:.1f} s")
        tallies.append(tally)
    return tallies


# --- 4. Followers: 8 writers, 2 live followers on PostgreSQL --------------------------------


class ReplayedActivity(ActivityLogProjection):
    """The activity log under a name of its own, replayed from the start for comparison."""

    name = "reliability-activity-replay"


def followers(
    cluster: Cluster, commands: int, workdir: Path, progress: Progress, seed: int = 13
) -> Tally:
    """Two processes follow the log live (``engine.follow``) while eight writers write.

    At the end each follower's counter, the counter both share and the shared activity log
    must equal a fresh replay; a counter's missed and double-counted events are counted
    against the log itself.
    """
    rng = random.Random(seed)
    url = cluster.new_store()
    budget, _ = prepare_store(url)
    tally = Tally("8 writers, 2 followers", "postgresql")
    stderr = workdir / "followers.err"
    stop = workdir / "followers.stop"
    writer_logs = [workdir / f"follow-writer-{i}.log" for i in range(8)]
    results = [workdir / f"follower-{i}.json" for i in range(2)]
    with processes() as procs:
        readies = [workdir / f"follower-{i}.ready" for i in range(2)]
        for i in range(2):
            spec = {
                "url": url,
                "index": i,
                "ready": str(readies[i]),
                "stop": str(stop),
                "result": str(results[i]),
            }
            procs.append(_start("follow", spec, stderr))
        _wait(
            lambda: all(r.exists() for r in readies),
            "the followers to start",
            died=_exited(procs, stderr),
        )
        writers = []
        for i, log in enumerate(writer_logs):
            spec = {
                "url": url,
                "log": str(log),
                "prefix": f"f{i}",
                "seed": rng.randrange(2**32),
                "budget": str(budget),
                "mix": "plain",
                "limit": commands,
            }
            writers.append(_start("write", spec, stderr))
        procs += writers
        for process in writers:
            process.wait(timeout=WAIT_S)
            assert process.returncode == 0, stderr.read_text()
        with LibOps.open(url) as ops:
            last = ops.app.recorder.max_notification_id() or 0
        stop.write_text(str(last))
        for process in procs[:2]:
            process.wait(timeout=WAIT_S)
            assert process.returncode == 0, stderr.read_text()
    progress(f"  writers done, followers stopped at position {last}")

    with LibOps.open(url) as ops:
        check_logs(ops, writer_logs, tally, set())
        stored = ops.app.recorder.select_notifications(0, 10**7, inclusive_of_start=False)
        unhandled = Counter(n.topic for n in stored if n.topic not in EventCounter.topics())
        assert not unhandled, f"events the counter does not handle: {unhandled}"
        expected = {f"event:{n.originator_id}:{n.originator_version}" for n in stored}
        replay = counter("reliability-counter-replay")()
        with ProjectionEngine(ops, [replay, ReplayedActivity()]) as engine:
            engine.run()
            replayed = engine.view(replay.name)
            replayed_activity = engine.view(ReplayedActivity.name)
        with ProjectionEngine(ops, [ActivityLogProjection()]) as engine:
            activity = engine.view(ActivityLogProjection.name)
    missed = doubled = differ = 0
    rounds = []
    for i, path in enumerate(results):
        result = json.loads(path.read_text())
        rounds.append(result["rounds"])
        for name, view in result["views"].items():
            counts = {k: v for k, v in view.items() if k != "total"}
            missed += len(expected - set(counts))
            doubled += sum(v - 1 for v in counts.values() if v > 1) + len(set(counts) - expected)
            if view != replayed:
                differ += 1
                tally.problem(f"follower {i}'s {name} differs from a fresh replay")
        if set(result["positions"].values()) != {last}:
            tally.problem(f"follower {i} stopped at {result['positions']}, not {last}")
            differ += 1
    if activity != replayed_activity:
        differ += 1
        tally.problem("the shared activity log differs from a fresh replay")
    tally.extra.update(
        {
            "events": len(expected),
            "missed": missed,
            "double-counted": doubled,
            "views unlike a replay": differ,
            "follow rounds": min(rounds),
        }
    )
    return tally


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A started throwaway cluster, destroyed afterwards whatever happens."""
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()

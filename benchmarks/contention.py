"""Many processes writing to one aggregate at once: how many commands fail, and is any lost?

Each run starts ``--processes`` processes that wait at one barrier and then give
``--commands`` commands each, as fast as they can, all on the same aggregate:

* **budget**: ``ops.budgets.record_expense`` with an invoice reference of its own;
* **campaign**: ``ops.campaigns.amend`` with a description of its own.

A command is *acknowledged* when it returned, *failed* when it raised (by error class;
``ConcurrencyError`` means it kept losing the race until the retry deadline passed), and
*lost* when it was acknowledged but its event is not in the aggregate's stored history
afterwards. The history is also checked for events nobody acknowledged (*unexpected*: a
failed command must record nothing). Every run is on SQLite (a fresh file) and, with
``--postgres URL``, on PostgreSQL too (a fresh schema, dropped afterwards). One line per run,
then a JSON object with every run's figures. The target (issue 13): at most 1% failing and
none lost with 10 processes x 50 commands.

    python benchmarks/contention.py                      # 10 processes x 50 commands
    python benchmarks/contention.py --postgres postgresql://user:pw@host:5432/db
    python benchmarks/contention.py --quick              # 3 processes x 8 commands

``--target budget`` runs one aggregate only, ``--no-sqlite`` PostgreSQL only; ``--deadline``
and ``--max-pause`` set the :class:`~libops.application.app.RetryPolicy` of every process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from threading import Barrier
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID

from libops import Actor, LibOps, Money, Period, Role
from libops.application.app import RETRY_DEADLINE, RETRY_MAX_PAUSE, RetryPolicy
from libops.domain.budget import Budget
from libops.domain.campaign import Campaign
from libops.domain.errors import LibopsError

OWNER = Actor("contention-owner", [Role.BUDGET_OWNER])
PLANNER = Actor("contention-planner", [Role.CONTENT_PLANNER])
TARGETS = ("budget", "campaign")


def _year() -> Period:
    year = datetime.now(UTC).year
    return Period(date(year, 1, 1), date(year, 12, 31))


def _prepare(url: str, target: str) -> UUID:
    """Migrate the store and make the one aggregate every process will write to."""
    with LibOps.open(url, migrate=True) as ops:
        if target == "budget":
            budget_id = ops.budgets.open(OWNER, name="Contention budget", period=_year())
            ops.budgets.allocate(OWNER, budget_id, "content_creation", Money("1000000.00"))
            return budget_id
        return ops.campaigns.plan(PLANNER, name="Contention campaign", kind="topic", period=_year())


def _worker(
    url: str,
    target: str,
    target_id: UUID,
    index: int,
    commands: int,
    start: Barrier,
    retry: RetryPolicy,
) -> tuple[list[str], dict[str, int]]:
    """Give ``commands`` commands on the target; the references acknowledged and the failures."""
    acknowledged: list[str] = []
    failed: Counter[str] = Counter()
    with LibOps.open(url) as ops:
        ops.app.retry = retry
        start.wait()
        for n in range(commands):
            reference = f"p{index}-c{n}"
            try:
                if target == "budget":
                    ops.budgets.record_expense(
                        OWNER,
                        target_id,
                        vendor="Printing shop",
                        invoice_reference=reference,
                        amount=Money("1.00"),
                        category="content_creation",
                    )
                else:
                    ops.campaigns.amend(PLANNER, target_id, description=reference)
            except LibopsError as error:
                failed[type(error).__name__] += 1
            except Exception as error:  # counted, not hidden: a raw exception is a bug
                failed[f"raw {type(error).__name__}: {error}"] += 1
            else:
                acknowledged.append(reference)
    return acknowledged, dict(failed)


def _run_worker(args: tuple[str, str, UUID, int, int, Barrier, RetryPolicy]) -> Any:
    return _worker(*args)


def _recorded(url: str, target: str, target_id: UUID) -> Counter[str]:
    """How often each reference appears in the aggregate's stored history."""
    found: Counter[str] = Counter()
    with LibOps.open(url) as ops:
        for stored in ops.app.repository.event_store.get(target_id):
            if target == "budget" and isinstance(stored, Budget.ExpenseRecorded):
                found[stored.invoice_reference] += 1
            elif (
                target == "campaign"
                and isinstance(stored, Campaign.Amended)
                and stored.description is not None
            ):
                found[stored.description] += 1
    return found


def run_once(
    url: str, target: str, processes: int, commands: int, retry: RetryPolicy | None = None
) -> dict[str, Any]:
    """One run on one store: the figures of ``processes`` x ``commands`` on one aggregate."""
    retry = retry or RetryPolicy()
    target_id = _prepare(url, target)
    context = multiprocessing.get_context("spawn")
    manager = context.Manager()
    try:
        start = manager.Barrier(processes)
        jobs = [(url, target, target_id, i, commands, start, retry) for i in range(processes)]
        began = time.perf_counter()
        with context.Pool(processes) as pool:
            results = pool.map(_run_worker, jobs)
        seconds = time.perf_counter() - began
    finally:
        manager.shutdown()
    acknowledged = [ref for refs, _failed in results for ref in refs]
    failures: Counter[str] = Counter()
    for _refs, failed in results:
        failures.update(failed)
    recorded = _recorded(url, target, target_id)
    lost = [ref for ref in acknowledged if recorded[ref] == 0]
    doubled = [ref for ref, times in recorded.items() if times > 1]
    unexpected = sorted(set(recorded) - set(acknowledged))
    tried = processes * commands
    failed = sum(failures.values())
    return {
        "target": target,
        "processes": processes,
        "commands": commands,
        "tried": tried,
        "acknowledged": len(acknowledged),
        "failed": failed,
        "failed_pct": round(100 * failed / tried, 2),
        "failures": dict(failures),
        "lost": len(lost),
        "doubled": len(doubled),
        "unexpected": len(unexpected),
        "seconds": round(seconds, 2),
    }


@contextmanager
def _postgres_schema(base: str) -> Iterator[str]:
    """``base`` pointed at a fresh schema of its own, dropped afterwards."""
    import psycopg

    parts = urlsplit(base)
    query = dict(parse_qsl(parts.query))
    if "schema" in query:  # the caller chose a schema: use it as it is
        yield base
        return
    schema = f"contention_{uuid.uuid4().hex[:12]}"
    connect = {
        "host": parts.hostname,
        "port": parts.port or 5432,
        "user": parts.username,
        "password": parts.password,
        "dbname": parts.path.lstrip("/"),
        "autocommit": True,
    }
    with psycopg.connect(**connect) as conn:  # type: ignore[arg-type]  # psycopg's kwargs are loose
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield urlunsplit(parts._replace(query=urlencode({**query, "schema": schema})))
    finally:
        with psycopg.connect(**connect) as conn:  # type: ignore[arg-type]  # as above
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _stores(
    postgres: str | None, targets: tuple[str, ...], sqlite: bool = True
) -> Iterator[tuple[str, str, str]]:
    """``(store kind, target, url)`` of every run, each on a fresh store."""
    with tempfile.TemporaryDirectory(prefix="libops-contention-") as tmp:
        for target in targets if sqlite else ():
            yield "sqlite", target, f"sqlite:///{Path(tmp) / f'{target}.db'}"
    if postgres:
        for target in targets:
            with _postgres_schema(postgres) as url:
                yield "postgresql", target, url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=10)
    parser.add_argument("--commands", type=int, default=50, help="commands per process")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument("--quick", action="store_true", help="3 processes x 8 commands")
    parser.add_argument("--target", choices=TARGETS, help="only this aggregate")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument(
        "--deadline", type=float, default=RETRY_DEADLINE, help="retry deadline, seconds"
    )
    parser.add_argument(
        "--max-pause", type=float, default=RETRY_MAX_PAUSE, help="longest pause, seconds"
    )
    args = parser.parse_args(argv)
    retry = RetryPolicy(deadline=args.deadline, max_pause=args.max_pause)
    targets = (args.target,) if args.target else TARGETS
    processes, commands = (3, 8) if args.quick else (args.processes, args.commands)
    if processes < 1 or commands < 1:
        parser.error("--processes and --commands must be at least 1")
    runs = []
    for kind, target, url in _stores(args.postgres, targets, sqlite=not args.no_sqlite):
        figures = {"store": kind, **run_once(url, target, processes, commands, retry)}
        runs.append(figures)
        print(
            f"{kind:<10} {target:<8} {processes} processes x {commands} commands: "
            f"tried {figures['tried']}, acknowledged {figures['acknowledged']}, "
            f"failed {figures['failed']} ({figures['failed_pct']}%), "
            f"lost {figures['lost']}, doubled {figures['doubled']}, "
            f"unexpected {figures['unexpected']}, {figures['seconds']} s"
            + (f"  {figures['failures']}" if figures["failures"] else ""),
            flush=True,
        )
    print(json.dumps({"runs": runs}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

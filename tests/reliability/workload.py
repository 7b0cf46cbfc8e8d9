"""The processes the reliability suite starts: writers, contenders and followers.

Each runs as ``python -m tests.reliability.workload ROLE SPEC`` (SPEC is JSON) in a process
of its own, using libops's public API only, and tells the parent what it did through an
append-only JSON-lines file: a ``try`` line before each command, then an ``ack`` line once
the command has returned (written, flushed and fsynced after the call returns), or a
``fail`` line with the error it raised. A process killed at any moment leaves at most a torn
last line, which :func:`read_log` leaves out.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from libops import Actor, LibOps, Money, Objective, Period, PostVariant, Role
from libops.domain.budget import Budget
from libops.domain.campaign import Campaign
from libops.domain.errors import ConcurrencyError, LibopsError, StorageError, UnknownIdError
from libops.domain.idempotency import IdempotencyRecord
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.post import Post
from libops.projections import Projection, ProjectionEngine, View, handles
from libops.projections.activity import ActivityLogProjection

PLANNER = Actor("reliability-planner", [Role.CONTENT_PLANNER])
ADMIN = Actor("reliability-admin", [Role.OPERATIONS_ADMIN])
OWNER = Actor("reliability-owner", [Role.BUDGET_OWNER])

_TODAY = datetime.now(UTC).date()
YEAR = Period(date(_TODAY.year, 1, 1), date(_TODAY.year, 12, 31))
CONSENT = Consent("Questions about the library's posts", datetime.now(UTC) - timedelta(hours=1))
ONE_YUAN = Money(Decimal("1.00"), "CNY")
ALLOCATION = Money(Decimal("100000000.00"), "CNY")

PLAIN_OPS = ("plan", "amend", "draft", "revise", "expense")
"""Commands without personal data (the followers' writers give these only)."""
ALL_OPS = (*PLAIN_OPS, "question", "erase")
"""Every command a writer gives: campaigns, posts, budgets, interactions and erasures."""
WEIGHTS = {
    "plan": 1,
    "amend": 2,
    "draft": 1,
    "revise": 2,
    "expense": 2,
    "question": 3,
    "erase": 3,
}
"""How often a writer picks each command (erasures often: a half-done one is what we hunt)."""


class AckLog:
    """An append-only JSON-lines file of what a process tried and what came back."""

    def __init__(self, path: str | Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def write(self, kind: str, entry: dict[str, Any], *, sync: bool = False) -> None:
        """Append one line in a single write; with ``sync`` fsync it before returning."""
        os.write(self._fd, (json.dumps({"t": kind, **entry}) + "\n").encode())
        if sync:
            os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """The complete lines of a log (a torn last line, from a kill mid-write, left out)."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return []
    lines = text.split("\n")[:-1]  # the part after the last newline is torn or empty
    return [json.loads(line) for line in lines if line]


def prepare_store(url: str) -> tuple[UUID, UUID]:
    """Migrate the store; open a budget with money in it and plan a shared campaign."""
    with LibOps.open(url, migrate=True) as ops:
        budget = ops.budgets.open(OWNER, name="Reliability", period=YEAR)
        ops.budgets.allocate(OWNER, budget, "promotion", ALLOCATION)
        campaign = ops.campaigns.plan(
            PLANNER, name="Shared", kind="topic", period=YEAR, platforms=["weibo"]
        )
        return budget, campaign


def subject_for(key: str) -> str:
    """The data subject id of the reader asking the question keyed ``key``."""
    return f"reader-{key}"


# --- checking a store against the logs ------------------------------------------------------


def recorded(ops: LibOps, ack: dict[str, Any]) -> bool:
    """Whether the store holds the acknowledged command ``ack`` (and what it changed)."""
    if ack["op"] == "erase":
        subject = ack["subject"]
        return ops.privacy.erasure(subject) is not None and ops.privacy.is_erased(subject)
    # Saved in the same atomic write as what the command changed.
    if IdempotencyRecord.id_for(ack["key"]) not in ops.app.repository:
        return False
    try:
        if ack["op"] == "expense":
            budget = ops.app.load(Budget, ack["budget"])
            return any(e.invoice_reference == ack["key"] for e in budget.expenses)
        if ack["op"] == "plan":
            ops.app.load(Campaign, ack["id"])
        elif ack["op"] == "amend":
            ops.app.load(Campaign, ack["campaign"])
        elif ack["op"] == "draft":
            ops.app.load(Post, ack["id"])
        elif ack["op"] == "revise":
            ops.app.load(Post, ack["post"])
        else:
            assert ack["op"] == "question", ack
            return UUID(ack["id"]) in ops.app.repository
    except UnknownIdError:
        return False
    return True


def half_done(ops: LibOps, subject: str, *, asked: bool) -> str | None:
    """What is wrong with ``subject`` after an open, or None if it is whole.

    Whole is: not erased and (if its question was acknowledged) its key present, or an
    ``Erased`` record and the key gone.
    """
    record = ops.privacy.erasure(subject) is not None
    erased = ops.privacy.is_erased(subject)
    if record and not erased:
        return "erasure recorded but the key is still there"
    if erased and not record:
        return "key destroyed with no erasure recorded"
    if not erased and asked and ops.keys.get(subject) is None:
        return "not erased but the key is missing"
    return None


# --- the processes --------------------------------------------------------------------------


def _stopping(spec: dict[str, Any]) -> bool:
    stop = spec.get("stop")
    return stop is not None and os.path.exists(stop)


def _open(url: str, spec: dict[str, Any]) -> LibOps | None:
    """Open the store, trying again while it is unavailable (None once told to stop)."""
    while True:
        try:
            return LibOps.open(url)
        except Exception:  # a stopped server: wait for it to come back
            if _stopping(spec):
                return None
            time.sleep(0.2)


def _close(ops: LibOps) -> None:
    with suppress(Exception):  # closing a pool whose server went away may fail; no matter
        ops.close()


def _give(
    ops: LibOps,
    op: str,
    key: str,
    spec: dict[str, Any],
    mine: dict[str, list[str]],
    rng: random.Random,
) -> tuple[dict[str, Any], Callable[[], dict[str, Any]]]:
    """The log entry of command ``op`` and a function that gives it (returning what to log)."""
    entry: dict[str, Any] = {"op": op, "key": key}
    if op == "plan":

        def plan() -> dict[str, Any]:
            made = ops.campaigns.plan(
                PLANNER,
                name=f"Campaign {key}",
                kind="topic",
                period=YEAR,
                platforms=["weibo"],
                objectives=[Objective("reads", 100)],
                idempotency_key=key,
            )
            mine["campaigns"].append(str(made))
            return {"id": str(made)}

        return entry, plan
    if op == "amend":
        entry["campaign"] = rng.choice(mine["campaigns"])

        def amend() -> dict[str, Any]:
            ops.campaigns.amend(
                PLANNER, entry["campaign"], description=f"note {key}", idempotency_key=key
            )
            return {}

        return entry, amend
    if op == "draft":

        def draft() -> dict[str, Any]:
            made = ops.posts.draft(
                PLANNER,
                title=f"Post {key}",
                body="Books we loved.",
                content_type="knowledge",
                format="image_text",
                variants=[PostVariant("weibo", f"读书 {key}", media=("a.jpg",))],
                idempotency_key=key,
            )
            mine["posts"].append(str(made))
            return {"id": str(made)}

        return entry, draft
    if op == "revise":
        entry["post"] = rng.choice(mine["posts"])

        def revise() -> dict[str, Any]:
            ops.posts.revise(
                PLANNER, entry["post"], body=f"Books we loved ({key}).", idempotency_key=key
            )
            return {}

        return entry, revise
    if op == "expense":
        entry["budget"] = spec["budget"]

        def expense() -> dict[str, Any]:
            ops.budgets.record_expense(
                OWNER,
                spec["budget"],
                vendor="Print shop",
                invoice_reference=key,
                amount=ONE_YUAN,
                category="promotion",
                idempotency_key=key,
            )
            return {}

        return entry, expense
    if op == "question":
        entry["subject"] = subject = subject_for(key)

        def question() -> dict[str, Any]:
            made = ops.questions.receive(
                PLANNER,
                platform="weibo",
                text="Is the book on the shelf?",
                asker=PersonalInfo(name=f"Reader {key}", handle=f"@r{key}"),
                consent=CONSENT,
                subject_id=subject,
                idempotency_key=key,
            )
            mine["subjects"].append(subject)
            return {"id": str(made)}

        return entry, question
    assert op == "erase"
    subjects = mine["subjects"]
    entry["subject"] = subjects.pop(rng.randrange(len(subjects)))

    def erase() -> dict[str, Any]:
        ops.privacy.erase(ADMIN, entry["subject"], "the reader asked", idempotency_key=key)
        return {}

    return entry, erase


def _choices(mix: tuple[str, ...], mine: dict[str, list[str]]) -> Iterator[str]:
    for op in mix:
        if op == "amend" and not mine["campaigns"]:
            continue
        if op == "revise" and not mine["posts"]:
            continue
        if op == "erase" and not mine["subjects"]:
            continue
        yield op


def write(spec: dict[str, Any]) -> None:
    """A writer: random commands at full speed until killed, or until the stop file appears.

    spec: url, log, prefix, seed, budget, mix ("all" or "plain"), stop (a path, optional),
    limit (commands, optional).
    """
    rng = random.Random(spec["seed"])
    log = AckLog(spec["log"])
    mix = ALL_OPS if spec.get("mix", "all") == "all" else PLAIN_OPS
    mine: dict[str, list[str]] = {"campaigns": [], "posts": [], "subjects": []}
    ops = _open(spec["url"], spec)
    n = 0
    while ops is not None and not _stopping(spec) and n < spec.get("limit", 10**9):
        n += 1
        choices = list(_choices(mix, mine))
        op = rng.choices(choices, [WEIGHTS[c] for c in choices])[0]
        key = f"{spec['prefix']}-{n}"
        entry, give = _give(ops, op, key, spec, mine, rng)
        log.write("try", entry)
        try:
            added = give()
        except LibopsError as error:
            log.write("fail", {**entry, "error": type(error).__name__, "message": str(error)})
            if isinstance(error, StorageError) and not spec["url"].startswith("sqlite"):
                _close(ops)
                ops = _open(spec["url"], spec)
        except Exception as error:  # a raw error (a server gone): note it, start again
            log.write("fail", {**entry, "error": type(error).__name__, "raw": True})
            _close(ops)
            ops = _open(spec["url"], spec)
        else:
            log.write("ack", {**entry, **added}, sync=True)
    if ops is not None:
        ops.close()
    log.close()


def contend(spec: dict[str, Any]) -> None:
    """A contender: ``count`` commands on one aggregate, started when the go file appears.

    spec: url, log, prefix, count, target ("budget" or "campaign"), aggregate, go.
    """
    log = AckLog(spec["log"])
    with LibOps.open(spec["url"]) as ops:
        log.write("ready", {}, sync=True)
        while not os.path.exists(spec["go"]):
            time.sleep(0.002)
        for n in range(spec["count"]):
            key = f"{spec['prefix']}-{n}"
            entry = {"op": spec["target"], "key": key}
            log.write("try", entry)
            try:
                if spec["target"] == "budget":
                    ops.budgets.record_expense(
                        OWNER,
                        spec["aggregate"],
                        vendor="Print shop",
                        invoice_reference=key,
                        amount=ONE_YUAN,
                        category="promotion",
                        idempotency_key=key,
                    )
                else:
                    ops.campaigns.amend(
                        PLANNER, spec["aggregate"], description=f"note {key}", idempotency_key=key
                    )
            except ConcurrencyError as error:
                log.write("fail", {**entry, "error": "ConcurrencyError", "message": str(error)})
            except LibopsError as error:
                log.write("fail", {**entry, "error": type(error).__name__, "message": str(error)})
            else:
                log.write("ack", entry, sync=True)
    log.close()


class EventCounter(Projection):
    """Counts each event it is given, by aggregate and version, and in ``total``."""

    name = "reliability-counter"

    @handles(
        Campaign.Planned,
        Campaign.Amended,
        Post.Drafted,
        Post.Revised,
        Budget.Opened,
        Budget.Allocated,
        Budget.ExpenseRecorded,
        IdempotencyRecord.Recorded,
    )
    def counted(self, event: Any, view: View) -> None:
        view.increment(f"event:{event.originator_id}:{event.originator_version}")
        view.increment("total")


def counter(name: str) -> type[EventCounter]:
    """An :class:`EventCounter` stored under ``name``."""
    return type(f"EventCounter_{name}", (EventCounter,), {"name": name})


def follower_projections(index: int) -> list[Projection]:
    """A follower's projections: a counter of its own, a counter and the activity log shared."""
    return [
        counter(f"reliability-counter-f{index}")(),
        counter("reliability-counter-shared")(),
        ActivityLogProjection(),
    ]


def follow(spec: dict[str, Any]) -> None:
    """A follower: the engine's live follow until the stop file names a position it reached.

    spec: url, index, ready, stop, result.
    """
    with (
        LibOps.open(spec["url"]) as ops,
        ProjectionEngine(ops, follower_projections(spec["index"]), batch_size=7) as engine,
    ):
        Path(spec["ready"]).touch()
        rounds = [0, 0]  # rounds, events applied in them

        def stop() -> bool:
            try:
                target = int(Path(spec["stop"]).read_text())
            except (FileNotFoundError, ValueError):
                return False
            return all(engine.position(name) >= target for name in engine.names)

        def counted(applied: dict[str, Any], _totals: dict[str, Any]) -> None:
            rounds[0] += 1
            rounds[1] += sum(report.applied for report in applied.values())

        totals = engine.follow(stop=stop, poll_interval=0.5, on_round=counted)
        result = {
            "rounds": rounds[0],
            "applied": {name: report.applied for name, report in totals.items()},
            "positions": {name: engine.position(name) for name in engine.names},
            "views": {name: engine.view(name) for name in engine.names if "counter" in name},
        }
        Path(spec["result"]).write_text(json.dumps(result))


ROLES: dict[str, Callable[[dict[str, Any]], None]] = {
    "write": write,
    "contend": contend,
    "follow": follow,
}


if __name__ == "__main__":
    ROLES[sys.argv[1]](json.loads(sys.argv[2]))

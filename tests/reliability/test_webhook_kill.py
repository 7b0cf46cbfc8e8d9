"""Webhooks survive a kill: ``libops webhooks deliver --follow`` killed with SIGKILL while a
slow receiver holds a delivery, then started again, delivers every notification; the
receiver counts each distinct delivery id once (a repeat of the one in flight is allowed:
delivery is at least once), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.adapters.webhooks import Endpoint, save_endpoints
from libops.projections.engine import ProjectionEngine
from libops.projections.notifications import NAME, OUTBOX, NotificationsProjection
from libops.testing.webhook_receivers import FakeReceiver
from tests.actors import TECH
from tests.integration.webhook_scenario import EXPECTED_KINDS, make_everything

SECRET = "kill-test-secret-3e9"
RISKS = 12
"""Risks identified at a score that escalates them: 12 more notifications."""
EXPECTED = len(EXPECTED_KINDS) + RISKS
LIMIT_S = 120.0


def fill(url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    weibo = SandboxPlatform("weibo", seed="weibo", clock=clock)
    with LibOps.open(url, clock=clock, migrate=True, gateways=[weibo]) as ops:
        make_everything(ops, clock, weibo)
        for n in range(RISKS):
            ops.risks.identify(
                TECH, title=f"Risk {n}", category="technical", likelihood=4, impact=4, owner="t"
            )


def start(url: str, config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "libops.cli", "webhooks", "deliver", "--follow", "--quiet"),
            *("--store", url, "--config", str(config)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "LIBOPS_DEBUG": ""},
    )


def wait_for(condition: object, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + LIMIT_S
    while not condition():  # type: ignore[operator]
        if process.poll() is not None:
            raise AssertionError(
                f"the deliverer ended ({process.returncode}) before {what}: "
                + (process.stderr.read().decode() if process.stderr else "")
            )
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def outbox_left(url: str) -> int:
    with LibOps.open(url) as ops, ProjectionEngine(ops, [NotificationsProjection()]) as engine:
        return sum(key.startswith(OUTBOX) for key in engine.view(NAME))


def all_ids(url: str) -> set[str]:
    """Every notification id the store's events make (a fresh rebuild of the outbox)."""
    with LibOps.open(url) as ops, ProjectionEngine(ops, [NotificationsProjection()]) as engine:
        engine.rebuild(NAME)
        ids = {doc["id"] for key, doc in engine.view(NAME).items() if key.startswith(OUTBOX)}
        engine.discard(NAME, [OUTBOX + i for i in ids])
        return ids


def killed_and_restarted(url: str, tmp_path: Path) -> None:
    fill(url)
    with FakeReceiver("generic", secret=SECRET, delay=0.25) as receiver:
        config = tmp_path / "hooks.json"
        save_endpoints([Endpoint("team", "generic", receiver.url, secret=SECRET)], config)
        first = start(url, config)
        try:
            wait_for(lambda: receiver.requests >= 4, first, "4 deliveries arrived")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL
        before = len(set(receiver.delivery_ids()))
        assert 0 < before < EXPECTED, "killed before the end of the delivery"

        second = start(url, config)
        try:
            wait_for(lambda: len(set(receiver.delivery_ids())) >= EXPECTED, second, "all arrived")
            wait_for(lambda: outbox_left(url) == 0, second, "the outbox was emptied")
            time.sleep(1.5)  # another round or so: nothing more may arrive
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
        assert second.returncode == 0, second.stderr.read().decode() if second.stderr else ""
        ids = receiver.delivery_ids()
    distinct = set(ids)
    print(json.dumps({"received": len(ids), "distinct": len(distinct), "expected": EXPECTED}))
    assert len(distinct) == EXPECTED  # none lost
    assert distinct == all_ids(url)
    # At most the one in flight at the kill (and the one after it, sent before the kill
    # landed) arrived twice.
    assert len(ids) - len(distinct) <= 2


class TestWebhooksSurviveAKill:
    def test_sqlite(self, tmp_path: Path) -> None:
        killed_and_restarted(f"sqlite:///{tmp_path}/store.db", tmp_path)

    def test_postgres(self, postgres_url: str, tmp_path: Path) -> None:
        killed_and_restarted(postgres_url, tmp_path)

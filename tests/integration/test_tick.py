"""``libops tick``: one run does everything that is due, reports it, and a second does nothing."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner, Result

from libops import Actor, LibOps, cli
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import PermissionDeniedError
from libops.domain.interaction.moderation import CommentRef
from libops.domain.permissions import PERMISSIONS
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.values import Platform, PostVariant, Role
from libops.tick import EXIT_PARTIAL, EXIT_STORE, SCHEDULER_ACTOR, tick
from tests.helpers import count_events
from tests.integration.test_publishing import CHECKED

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _post(ops: LibOps, planner: Actor, reviewer: Actor, platform: str, title: str) -> UUID:
    post = ops.posts.draft(
        planner,
        title=title,
        body=f"{title}: what is on this week",
        content_type="news",
        format="image_text",
        variants=[
            PostVariant(
                platform,
                f"{title} at the library",
                media=("cover.jpg",) if platform == "wechat" else (),
            )
        ],
    )
    ops.posts.submit_for_review(planner, post)
    ops.posts.review(reviewer, post, CHECKED, approve=True)
    return post


def _setup(
    ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, admin: Actor
) -> tuple[UUID, UUID]:
    """A Weibo post and a WeChat post due in an hour, a reader's question, a comment spike
    (a risk signal); then two days pass."""
    weibo = _post(ops, planner, reviewer, "weibo", "Book Day")
    wechat = _post(ops, planner, reviewer, "wechat", "Reading Night")
    ops.posts.schedule(admin, weibo, "weibo", clock.now() + timedelta(hours=1))
    ops.posts.schedule(admin, wechat, "wechat", clock.now() + timedelta(hours=1))
    ops.questions.receive(
        planner,
        platform="wechat",
        text="Is the reading room open on the holiday?",
        asker=PersonalInfo(name="Reader", handle="@reader"),
        consent=Consent("Questions to City Library", START),
    )
    for n in range(5):
        subject = ops.privacy.subject_id_for("weibo", f"@troll{n}")
        ops.moderation.hide(admin, subject, CommentRef(weibo, "weibo", f"c{n}"), "abuse")
    clock.advance(timedelta(days=2))
    return weibo, wechat


@pytest.fixture
def weibo(clock: ManualClock) -> SandboxPlatform:
    return SandboxPlatform("weibo", seed="weibo", clock=clock)


@pytest.fixture
def ticking(store_url: str, clock: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    """libops on each kind of store, with a gateway for Weibo only."""
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[weibo]) as opened:
        yield opened


def test_one_tick_does_everything_and_a_second_nothing(
    ticking: LibOps,
    clock: ManualClock,
    weibo: SandboxPlatform,
    planner: Actor,
    reviewer: Actor,
    admin: Actor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    weibo_post, wechat_post = _setup(ticking, clock, planner, reviewer, admin)
    with caplog.at_level(logging.INFO, logger="libops.tick"):
        report = tick(ticking)
    assert report.ok, report.to_json()
    assert report.exit_code == 0
    data = report.to_json()
    assert [s["step"] for s in data["steps"]] == [
        "publish",
        "takedowns",
        "metrics",
        "questions",
        "projections",
        "signals",
        "webhooks",
    ]
    publish = report.step("publish")
    assert publish.counts["published"] == 1
    assert publish.counts["needs_publishing_by_hand"] == 1
    assert len(weibo.published()) == 1
    assert str(wechat_post) in publish.warnings[0]
    assert "wechat" in publish.warnings[0]
    assert report.step("metrics").counts["recorded"] == 1
    assert report.step("questions").counts == {"escalated": 1}
    assert report.step("projections").counts["applied"] > 0
    assert report.step("signals").counts["raised"] >= 1
    assert report.step("webhooks").skipped == "no webhook endpoints configured"
    assert all(s["seconds"] >= 0 for s in data["steps"])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(wechat_post) in r.getMessage() for r in warnings)
    assert any(r.getMessage().startswith("publish done") for r in caplog.records)
    assert ticking.posts.get(weibo_post).receipt(Platform.WEIBO) is not None
    # The second run: nothing is due, nothing is recorded.
    before = count_events(ticking)
    again = tick(ticking)
    assert again.ok
    assert count_events(ticking) == before
    assert again.step("publish").counts["published"] == 0
    assert again.step("questions").counts == {"escalated": 0}
    assert again.step("signals").counts["raised"] == 0
    assert again.step("metrics").counts["recorded"] == 0
    assert len(weibo.published()) == 1


def test_a_failing_gateway_fails_its_step_and_the_others_run(
    memory_ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    weibo = SandboxPlatform("weibo", seed="weibo", clock=clock)
    with LibOps.open("memory://", clock=clock, gateways=[weibo]) as ops:
        _setup(ops, clock, planner, reviewer, admin)
        weibo.fail_next(1, "weibo is down")
        report = tick(ops)
    assert not report.ok
    assert report.exit_code == EXIT_PARTIAL
    assert report.step("publish").counts["failed"] == 1
    assert "weibo is down" in report.step("publish").errors[0]
    assert report.step("questions").counts == {"escalated": 1}
    assert report.step("signals").ok
    assert weibo.published() == []


def test_the_scheduler_role_gives_only_what_tick_needs(
    memory_ops: LibOps, planner: Actor, reviewer: Actor
) -> None:
    allowed = {name for name, roles in PERMISSIONS.items() if Role.SCHEDULER in roles}
    # what every role may do for itself (its own password, tokens and training), and
    # exactly the commands tick gives
    everyone = {name for name, roles in PERMISSIONS.items() if roles == frozenset(Role)}
    assert everyone == {
        "user.set_password",
        "user.issue_token",
        "user.revoke_token",
        "user.record_training",
        "user.correct_training",
    }
    assert allowed == {
        "post.publish",
        "post.take_down",
        "post.record_metrics",
        "question.escalate",
        *everyone,
    }
    with pytest.raises(PermissionDeniedError):
        memory_ops.posts.draft(
            SCHEDULER_ACTOR,
            title="x",
            body="x",
            content_type="news",
            format="image_text",
            variants=[PostVariant("weibo", "x")],
        )
    post = memory_ops.posts.draft(
        planner,
        title="Book Day",
        body="A list",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "Book Day")],
    )
    memory_ops.posts.submit_for_review(planner, post)
    with pytest.raises(PermissionDeniedError):
        memory_ops.posts.review(SCHEDULER_ACTOR, post, CHECKED, approve=True)
    for command in ("budget.commit", "budget.record_expense", "risk.identify", "user.add"):
        assert Role.SCHEDULER not in PERMISSIONS[command]


# --- the command line, across processes ------------------------------------------------------


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli.app, list(args))


def _process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "libops.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_tick_from_two_processes_with_the_sandbox_in_a_file(
    tmp_path: Path, planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    url = f"sqlite:///{tmp_path}/libops.db"
    clock = ManualClock(START)
    with LibOps.open(url, clock=clock, migrate=True) as ops:
        weibo_post, _wechat = _setup(ops, clock, planner, reviewer, admin)
    state = tmp_path / "weibo-state.json"
    gateway = f"weibo=sandbox://{state}"
    first = _process("tick", "--store", url, "--gateway", gateway, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["steps"][0]["counts"]["published"] == 1
    steps = {step["step"]: step for step in report["steps"]}
    assert steps["questions"]["counts"] == {"escalated": 1}
    second = _process("tick", "--store", url, "--json", env={"LIBOPS_GATEWAYS": gateway})
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["steps"][0]["counts"]["published"] == 0
    # The second process's sandbox knew the post: its metrics were read there.
    assert {s["step"]: s for s in again["steps"]}["metrics"]["counts"]["failed"] == 0
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert len(saved["platforms"]["weibo"]) == 1
    with LibOps.open(url) as ops:
        receipt = ops.posts.get(weibo_post).receipt(Platform.WEIBO)
    assert receipt is not None
    assert receipt.external_id == saved["platforms"]["weibo"][0]["external_id"]


def test_sandbox_state_file_shared_by_two_instances(tmp_path: Path, clock: ManualClock) -> None:
    state = tmp_path / "state.json"
    one = SandboxPlatform("weibo", seed="s", clock=clock, state_file=state)
    two = SandboxPlatform("weibo", seed="s", clock=clock, state_file=state)
    wechat = SandboxPlatform("wechat", seed="s", clock=clock, state_file=state)
    receipt = one.publish(PostVariant("weibo", "Book Day"), "key-1")
    assert two.find_published("key-1") == receipt
    assert two.publish(PostVariant("weibo", "Book Day"), "key-1") == receipt  # keys honoured
    assert two.metrics(receipt.external_id) == one.metrics(receipt.external_id)
    assert wechat.published() == []
    assert len(one.published()) == 1
    in_memory = SandboxPlatform("weibo", seed="s", clock=clock)
    assert in_memory.find_published("key-1") is None


def test_tick_exit_codes(tmp_path: Path) -> None:
    missing = _cli("tick", "--store", f"sqlite:///{tmp_path}/nowhere/libops.db")
    assert missing.exit_code == EXIT_STORE, missing.output
    bad = _cli("tick", "--store", "memory://", "--gateway", "xiaohongshu=https://x")
    assert bad.exit_code == 2, bad.output
    step = _cli("tick", "--store", "memory://", "--step", "publsh")
    assert step.exit_code == 2, step.output
    assert "unknown tick step(s) publsh" in step.stderr
    url = f"sqlite:///{tmp_path}/libops.db"
    with LibOps.open(url, migrate=True):
        pass
    webhooks = tmp_path / "hooks.json"
    webhooks.write_text('{"endpoints": []}', encoding="utf-8")
    webhooks.chmod(0o644)  # holds secrets, readable by others: its step fails
    partial = _cli("tick", "--store", url, "--webhooks", str(webhooks), "--json")
    assert partial.exit_code == EXIT_PARTIAL, partial.output
    report = json.loads(partial.stdout)
    steps = {s["step"]: s for s in report["steps"]}
    assert not steps["webhooks"]["ok"]
    assert steps["projections"]["ok"]
    webhooks.chmod(0o600)
    fine = _cli("tick", "--store", url, "--webhooks", str(webhooks))
    assert fine.exit_code == 0, fine.output
    assert "tick done" in fine.stdout


def test_publish_due_and_collect_metrics_report_progress(
    memory_ops: LibOps, clock: ManualClock, planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    weibo = SandboxPlatform("weibo", seed="weibo", clock=clock)
    with LibOps.open("memory://", clock=clock, gateways=[weibo]) as ops:
        for title in ("One", "Two"):
            post = _post(ops, planner, reviewer, "weibo", title)
            ops.posts.schedule(admin, post, "weibo", clock.now() + timedelta(hours=1))
        clock.advance(timedelta(hours=2))
        steps: list[tuple[int, int]] = []
        outcomes = ops.publishing.publish_due(
            SCHEDULER_ACTOR, progress=lambda done, total: steps.append((done, total))
        )
        assert [o.published for o in outcomes] == [True, True]
        assert steps == [(0, 2), (1, 2), (2, 2)]
        collected: list[tuple[int, int]] = []
        ops.publishing.collect_metrics(
            SCHEDULER_ACTOR, progress=lambda done, total: collected.append((done, total))
        )
        assert collected == [(0, 2), (1, 2), (2, 2)]


def test_tick_delivers_webhooks_once(
    clock: ManualClock, planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    from libops.adapters.webhooks import Endpoint
    from libops.testing.webhook_receivers import FakeReceiver

    weibo = SandboxPlatform("weibo", seed="weibo", clock=clock)
    with (
        FakeReceiver("generic", secret="hook-secret") as receiver,
        LibOps.open("memory://", clock=clock, gateways=[weibo]) as ops,
    ):
        _setup(ops, clock, planner, reviewer, admin)
        hooks = [Endpoint("team", "generic", receiver.url, secret="hook-secret")]
        report = tick(ops, webhooks=hooks)
        assert report.ok, report.to_json()
        delivered = report.step("webhooks").counts["delivered"]
        assert delivered >= 1
        assert len(receiver.messages) == delivered
        again = tick(ops, webhooks=hooks)
        assert again.step("webhooks").counts["delivered"] == 0
        assert len(receiver.messages) == delivered


def test_two_ticks_at_once_publish_once(
    tmp_path: Path, planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    """Two scheduled runs overlapping, on a sandbox that ignores idempotency keys: the claims
    alone keep the post from going out twice."""
    url = f"sqlite:///{tmp_path}/libops.db"
    clock = ManualClock(START)
    with LibOps.open(url, clock=clock, migrate=True) as ops:
        _setup(ops, clock, planner, reviewer, admin)
    state = tmp_path / "weibo-state.json"
    command = [
        sys.executable,
        "-m",
        "libops.cli",
        "tick",
        "--store",
        url,
        "--gateway",
        f"weibo=sandbox://{state}?keys=no",
        "--json",
    ]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _out, err in results]
    published = [json.loads(out)["steps"][0]["counts"] for out, _err in results]
    assert sum(c["published"] for c in published) == 1
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert len(saved["platforms"]["weibo"]) == 1

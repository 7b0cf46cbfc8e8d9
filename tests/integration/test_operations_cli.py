"""``libops publish``, ``libops metrics collect`` and ``libops credentials`` on the command line."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from libops import Actor, LibOps, cli
from libops.adapters.clock import ManualClock
from libops.domain.values import Platform
from tests.integration.test_tick import _post

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SECRET = "tok-3b7e-secret-value"


def _cli(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli.app, list(args), input=stdin)


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/libops.db"
    with LibOps.open(url, migrate=True):
        pass
    return url


def test_handoff_and_record_by_hand(
    store: str, planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    clock = ManualClock(START)
    with LibOps.open(store, clock=clock) as ops:
        post = _post(ops, planner, reviewer, "wechat", "Reading Night")
        text = ops.posts.get(post).variant(Platform.WECHAT).text
    handoff = _cli(
        "publish", "handoff", str(post), "--platform", "wechat", "--by", "a", "--store", store
    )
    assert handoff.exit_code == 0, handoff.output
    assert handoff.stdout == text + "\n"  # the text alone on standard output, to copy
    assert "cover.jpg" in handoff.stderr
    as_json = _cli(
        "publish",
        "handoff",
        str(post),
        "--platform",
        "wechat",
        "--by",
        "a",
        "--store",
        store,
        "--json",
    )
    assert json.loads(as_json.stdout)["media"] == ["cover.jpg"]
    bad = _cli(
        "publish",
        "record",
        str(post),
        "--platform",
        "wechat",
        "--url",
        "mp.weixin",
        "--by",
        "a",
        "--store",
        store,
    )
    assert bad.exit_code == 1
    assert "http or https" in bad.stderr
    at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    url = "https://mp.weixin.qq.com/s/xyz"
    args = (
        "publish",
        "record",
        str(post),
        "--platform",
        "wechat",
        "--url",
        url,
        "--by",
        "a",
        "--store",
        store,
    )
    recorded = _cli(*args, "--at", at, "--json")
    assert recorded.exit_code == 0, recorded.output
    assert json.loads(recorded.stdout)["url"] == url
    twice = _cli(*args)
    assert twice.exit_code == 1
    assert "already published" in twice.stderr
    with LibOps.open(store) as ops:
        receipt = ops.posts.get(post).receipt(Platform.WECHAT)
    assert receipt is not None
    assert receipt.url == url


def test_publish_due_and_metrics_collect(
    store: str, tmp_path: Path, planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    clock = ManualClock(START)
    with LibOps.open(store, clock=clock) as ops:
        post = _post(ops, planner, reviewer, "weibo", "Book Day")
        ops.posts.schedule(admin, post, "weibo", clock.now() + timedelta(hours=1))
    none = _cli("publish", "due", "--store", store, "--json")
    assert none.exit_code == 0, none.output
    assert json.loads(none.stdout)["needs_publishing_by_hand"] == [
        {"platform": "weibo", "post_ids": [str(post)]}
    ]
    gateway = f"weibo=sandbox://{tmp_path}/state.json"
    due = _cli("publish", "due", "--store", store, "--gateway", gateway, "--json")
    assert due.exit_code == 0, due.output
    assert [o["state"] for o in json.loads(due.stdout)["outcomes"]] == ["published"]
    metrics = _cli("metrics", "collect", "--store", store, "--gateway", gateway, "--json")
    assert metrics.exit_code == 0, metrics.output
    assert [o["outcome"] for o in json.loads(metrics.stdout)["outcomes"]] == ["recorded"]
    # Without the gateway, a variant published through it is left out, not failed.
    alone = _cli("metrics", "collect", "--store", store, "--json")
    assert json.loads(alone.stdout)["outcomes"] == []


def test_credentials_cli_never_shows_values(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIBOPS_CREDENTIALS", raising=False)
    monkeypatch.setenv("LIBOPS_CRED_DOUYIN_CLIENT_KEY", "env-value-123")
    set_ = _cli(
        "credentials", "set", "weibo", "access_token", "--store", store, "--stdin", stdin=SECRET
    )
    assert set_.exit_code == 0, set_.output
    file = tmp_path / "libops.credentials.json"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert SECRET in file.read_text(encoding="utf-8")
    listed = _cli("credentials", "list", "--store", store, "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)["credentials"]
    assert [(r["account"], r["name"], r["source"]) for r in rows] == [
        ("weibo", "access_token", "file"),
        ("*", "LIBOPS_CRED_DOUYIN_CLIENT_KEY", "environment"),
    ]
    assert rows[0]["rotated_at"] is not None
    table = _cli("credentials", "list", "--store", store)
    for output in (set_.output, listed.output, table.output):
        assert SECRET not in output
        assert "env-value-123" not in output
    empty = _cli("credentials", "set", "weibo", "x", "--store", store, "--stdin", stdin="\n")
    assert empty.exit_code == 1
    assert "no value was given" in empty.stderr
    os.chmod(file, 0o644)
    refused = _cli("credentials", "list", "--store", store)
    assert refused.exit_code == 1
    assert "chmod 600" in refused.stderr
    os.chmod(file, 0o600)
    removed = _cli("credentials", "remove", "weibo", "access_token", "--store", store)
    assert removed.exit_code == 0, removed.output
    again = _cli("credentials", "remove", "weibo", "access_token", "--store", store)
    assert again.exit_code == 1
    assert "no credential" in again.stderr


def test_credentials_cli_in_the_postgres_table(postgres_url: str) -> None:
    with LibOps.open(postgres_url, migrate=True):
        pass
    args = ("--store", postgres_url, "--in", "database")
    set_ = _cli("credentials", "set", "weibo", "app_secret", *args, "--stdin", stdin=SECRET)
    assert set_.exit_code == 0, set_.output
    listed = _cli("credentials", "list", *args, "--json")
    rows = json.loads(listed.stdout)["credentials"]
    assert [
        (r["account"], r["name"], r["source"]) for r in rows if r["source"] != "environment"
    ] == [("weibo", "app_secret", "postgresql")]
    assert SECRET not in listed.output
    assert _cli("credentials", "remove", "weibo", "app_secret", *args).exit_code == 0
    memory = _cli("credentials", "list", "--store", "memory://", "--in", "database")
    assert memory.exit_code == 1
    assert "needs a PostgreSQL store" in memory.stderr

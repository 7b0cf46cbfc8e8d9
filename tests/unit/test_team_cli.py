"""``libops users duties|join|leave|training add|roster`` (issue 17, item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from libops import LibOps, cli
from libops.adapters.storage import STORE_ENV_VAR
from libops.application.authentication import Authentication
from libops.domain.errors import AuthenticationError

PASSWORD = "correct horse battery staple"


def run(store: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        cli.app, [*args, "--store", store], input=stdin, env={"COLUMNS": "140"}
    )


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite store with two users."""
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)
    url = f"sqlite:///{tmp_path / 'libops.db'}"
    LibOps.open(url, migrate=True).close()
    for login, name in (("li.na", "Li Na"), ("zhao.lei", "Zhao Lei")):
        added = run(
            url, "users", "add", login, "--name", name, "--role", "content_planner",
            "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
    return url


def test_the_roster_from_the_command_line(store: str) -> None:
    """Duties, joining, training and leaving, read back by ``roster --json`` and the table."""
    duties = run(store, "users", "duties", "li.na", "WeChat editor", "摄影")
    assert duties.exit_code == 0, duties.output
    assert run(store, "users", "join", "li.na", "--on", "2024-09-02").exit_code == 0
    added = run(
        store, "users", "training", "add", "li.na", "--course", "新媒体写作",
        "--date", "2026-01-10", "--hours", "6", "--provider", "省图书馆学会",
        "--learned", "标题直接说明内容", "--certificate", "C-42",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "training t1 recorded for li.na" in added.stdout
    left = run(store, "users", "leave", "zhao.lei", "--on", "2026-01-31", "--reason", "moved")
    assert left.exit_code == 0, left.output
    listed = run(store, "users", "roster", "--json")
    assert listed.exit_code == 0, listed.output
    li_na, zhao_lei = json.loads(listed.stdout)
    assert li_na["duties"] == ["WeChat editor", "摄影"]
    assert (li_na["joined"], li_na["joined_recorded"], li_na["left"]) == (
        "2024-09-02",
        True,
        None,
    )
    assert li_na["training"] == [
        {
            "id": "t1",
            "course": "新媒体写作",
            "provider": "省图书馆学会",
            "date": "2026-01-10",
            "hours": "6",
            "learned": "标题直接说明内容",
            "certificate": "C-42",
        }
    ]
    assert [change for _, change, _ in li_na["history"]] == ["added", "duties", "joined"]
    assert (zhao_lei["left"], zhao_lei["left_reason"], zhao_lei["disabled"]) == (
        "2026-01-31",
        "moved",
        True,
    )
    assert zhao_lei["joined_recorded"] is False  # the day added stands in
    assert zhao_lei["joined"] == zhao_lei["history"][0][0]
    assert zhao_lei["history"][0][1] == "added"
    table = run(store, "users", "roster")
    assert table.exit_code == 0, table.output
    assert "2 members" in table.stdout
    assert "6 h (1)" in table.stdout
    with LibOps.open(store) as ops, pytest.raises(AuthenticationError):
        Authentication(ops).password("zhao.lei", PASSWORD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "training", "add", "li.na", "--course", "x", "--date", "2026-01-10",
          "--hours", "0"), "above 0"),
        (("users", "training", "add", "li.na", "--course", "x", "--date", "2999-01-10",
          "--hours", "2"), "in the future"),
        (("users", "training", "add", "li.na", "--course", "x", "--date", "10/01/2026",
          "--hours", "2"), "--date is a day"),
        (("users", "training", "add", "nobody", "--course", "x", "--date", "2026-01-10",
          "--hours", "2"), "nobody"),
        (("users", "leave", "li.na", "--on", "2999-01-01"), "in the future"),
        (("users", "duties", "li.na", "x" * 101), "duty"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_records_nothing(
    store: str, args: tuple[str, ...], message: str
) -> None:
    with LibOps.open(store) as ops:
        before = ops.app.recorder.max_notification_id()
    result = run(store, *args)
    assert result.exit_code != 0
    assert message in result.output
    with LibOps.open(store) as ops:
        assert ops.app.recorder.max_notification_id() == before

"""``libops users``: adding people, roles, scopes, disabling, and their API tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from libops import LibOps, cli
from libops.adapters.storage import STORE_ENV_VAR
from libops.application.authentication import TokenAuthenticator, parse_token
from libops.domain.errors import AuthenticationError
from libops.domain.values import Role

PASSWORD = "correct horse battery staple"


def run(store: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        cli.app, [*args, "--store", store], input=stdin, env={"COLUMNS": "100"}
    )


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite store with no users."""
    monkeypatch.delenv(STORE_ENV_VAR, raising=False)
    url = f"sqlite:///{tmp_path / 'libops.db'}"
    LibOps.open(url, migrate=True).close()
    return url


def test_add_list_roles_disable(store: str) -> None:
    """The first user is added on a store with none (the operator acts as an admin)."""
    added = run(
        store,
        "users", "add", "Li.Na", "--name", "Li Na", "--role", "content_planner",
        "--role", "reviewer", "--platform", "weibo", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    listed = run(store, "users", "list", "--json")
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert row["login"] == "li.na"
    assert row["roles"] == ["content_planner", "reviewer"]
    assert row["platforms"] == ["weibo"]
    assert row["campaigns"] is None
    assert row["has_password"] is True
    assert run(store, "users", "roles", "li.na", "--role", "reviewer").exit_code == 0
    assert run(store, "users", "scopes", "li.na").exit_code == 0
    assert run(store, "users", "disable", "li.na", "--reason", "left").exit_code == 0
    table = run(store, "users", "list")
    assert "li.na" in table.stdout
    assert "disabled" in table.stdout
    assert run(store, "users", "enable", "li.na").exit_code == 0
    with LibOps.open(store) as ops:
        user = ops.users.get("li.na")
        assert user.roles == {Role.REVIEWER}
        assert user.scope.platforms is None
        assert not user.disabled
        assert ops.users.get("li.na").scope.unrestricted


def test_bad_input_is_a_readable_error(store: str) -> None:
    short = run(store, "users", "add", "x1", "--name", "X", "--role", "reviewer",
                "--password-stdin", stdin="short\n")  # fmt: skip
    assert short.exit_code != 0
    assert "at least 12 characters" in short.output
    bad_role = run(store, "users", "add", "x2", "--name", "X", "--role", "pope", "--no-password")
    assert bad_role.exit_code != 0
    assert "pope" in bad_role.output
    twice = [
        run(store, "users", "add", "x3", "--name", "X", "--role", "reviewer", "--no-password")
        for _ in range(2)
    ]
    assert twice[0].exit_code == 0
    assert twice[1].exit_code != 0
    assert "exists already" in twice[1].output
    assert "no user" in run(store, "users", "disable", "nobody").output


def test_tokens_issue_list_revoke(store: str) -> None:
    """The token is printed once; listing shows its id and never its secret; revoked, it
    no longer signs anyone in."""
    added = run(store, "users", "add", "tech.one", "--name", "Tech", "--role",
                "technical_support", "--role", "operations_admin", "--no-password")  # fmt: skip
    assert added.exit_code == 0, added.output
    issued = run(store, "users", "tokens", "issue", "tech.one", "--role", "technical_support",
                 "--expires-days", "30", "--label", "monitoring")  # fmt: skip
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[0]
    _, token_id, secret = parse_token(token)
    listed = run(store, "users", "tokens", "list", "tech.one", "--json")
    (row,) = json.loads(listed.stdout)
    assert row["token_id"] == token_id
    assert row["roles"] == ["technical_support"]
    assert row["label"] == "monitoring"
    assert secret not in listed.stdout
    assert secret not in run(store, "users", "tokens", "list", "tech.one").stdout
    with LibOps.open(store) as ops:
        assert TokenAuthenticator(ops)({"authorization": f"Bearer {token}"}).roles == {
            Role.TECHNICAL_SUPPORT
        }
    assert run(store, "users", "tokens", "revoke", "tech.one", token_id).exit_code == 0
    with LibOps.open(store) as ops, pytest.raises(AuthenticationError):
        TokenAuthenticator(ops)({"authorization": f"Bearer {token}"})
    too_long = run(store, "users", "tokens", "issue", "tech.one", "--expires-days", "400")
    assert too_long.exit_code != 0
    assert "366" in too_long.output


def test_serve_refuses_a_remote_host_without_allow_remote(store: str) -> None:
    refused = run(store, "serve", "--host", "0.0.0.0")
    assert refused.exit_code != 0
    assert "reverse proxy" in refused.output

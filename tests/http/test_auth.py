"""The API with real users: API tokens, throttling (429), scopes, secrets never answered, and
``libops serve`` run as a process."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import httpx
import pytest

from libops import LibOps
from libops.application.authentication import MAX_FAILURES, parse_token
from libops.domain.values import Period
from libops.http import TokenAuthenticator, create_app
from libops.testing.serving import running_server, user_with_token
from tests import actors
from tests.http.support import Client, last_event, problem_of

PASSWORD = "correct horse battery staple"
PLAN = {
    "name": "Branch reading week",
    "kind": "topic",
    "period": {"start": "2026-04-01", "end": "2026-04-30"},
    "platforms": ["weibo"],
}


def _client(ops: LibOps) -> Client:
    return Client(create_app(ops, authenticate=TokenAuthenticator(ops)))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token(ops: LibOps, login: str, roles: list[str], **scope: object) -> str:
    ops.users.add(actors.ADMIN, login=login, name=login, roles=roles, **scope)  # type: ignore[arg-type]
    return ops.users.issue_token(actors.ADMIN, login=login).token


def test_a_token_acts_as_its_user(ops: LibOps) -> None:
    """On every store: the command is recorded as the token's user; no token, 401."""
    token = _token(ops, "li.na", ["content_planner"])
    client = _client(ops)
    planned = client.post("/v1/commands/campaign.plan", json=PLAN, headers=_bearer(token))
    assert planned.status_code == 200, planned.text
    assert ops.campaigns.get(planned.json()["result"]).planned_by == "li.na"
    missing = client.post("/v1/commands/campaign.plan", json=PLAN)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    refused = client.post(
        "/v1/commands/campaign.launch",
        json={"campaign_id": planned.json()["result"]},
        headers=_bearer(token),
    )
    assert refused.status_code == 403


def test_throttling_answers_429_with_retry_after(memory_ops: LibOps) -> None:
    """Five wrong secrets, then even the right token is refused with 429 and Retry-After."""
    token = _token(memory_ops, "li.na", ["content_planner"])
    user, token_id, _ = parse_token(token)
    client = _client(memory_ops)
    for _ in range(MAX_FAILURES):
        wrong = client.get("/v1/commands", headers=_bearer(f"lo_{user.hex}_{token_id}_guess"))
        assert wrong.status_code == 401
    throttled = client.get("/v1/commands", headers=_bearer(token))
    assert throttled.status_code == 429, throttled.text
    assert problem_of(throttled)["error"] == "LoginThrottledError"
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60


def test_a_scoped_token_is_refused_another_campaign(memory_ops: LibOps) -> None:
    ours = memory_ops.campaigns.plan(
        actors.PLANNER, name="Ours", kind="topic", period=_april(), platforms=["weibo"]
    )
    theirs = memory_ops.campaigns.plan(
        actors.PLANNER, name="Theirs", kind="topic", period=_april(), platforms=["weibo"]
    )
    token = _token(memory_ops, "branch.admin", ["operations_admin"], campaigns=[ours])
    client = _client(memory_ops)
    before = last_event(memory_ops)
    refused = client.post(
        "/v1/commands/campaign.pause",
        json={"campaign_id": str(theirs), "reason": "venue"},
        headers=_bearer(token),
    )
    assert refused.status_code == 403, refused.text
    assert problem_of(refused)["error"] == "OutOfScopeError"
    assert last_event(memory_ops) == before
    allowed = client.post(
        "/v1/commands/campaign.amend",
        json={"campaign_id": str(ours), "name": "Our reading week"},
        headers=_bearer(token),
    )
    assert allowed.status_code == 200, allowed.text


def _april() -> Period:
    return Period(date(2026, 4, 1), date(2026, 4, 30))


def test_secrets_are_never_answered_or_logged(
    memory_ops: LibOps, caplog: pytest.LogCaptureFixture
) -> None:
    """A password set over HTTP and a token's secret appear in no answer (but the one
    issuing the token) and no log record; the body of a refused password is not echoed."""
    caplog.set_level(logging.DEBUG)
    token = _token(memory_ops, "li.na", ["content_planner"])
    secret = parse_token(token)[2]
    client = _client(memory_ops)
    answers = []
    answers.append(
        client.post(
            "/v1/commands/user.set_password",
            json={"login": "li.na", "password": PASSWORD},
            headers=_bearer(token),
        )
    )
    assert answers[-1].status_code == 200, answers[-1].text
    answers.append(
        client.post(
            "/v1/commands/user.set_password",
            json={"login": "li.na", "password": "tooshort"},
            headers=_bearer(token),
        )
    )
    assert answers[-1].status_code == 422
    issued = client.post(
        "/v1/commands/user.issue_token",
        json={"login": "li.na", "label": "second"},
        headers=_bearer(token),
    )
    assert issued.status_code == 200, issued.text
    second = issued.json()["result"]["token"]
    assert parse_token(second)[0] == parse_token(token)[0]
    answers.append(client.get("/v1/aggregates/user/li.na", headers=_bearer(second)))
    answers.append(client.get("/v1/activity", headers=_bearer(second)))
    answers.append(client.get("/v1/commands", headers=_bearer(token + "x")))
    texts = [a.text for a in answers] + [r.getMessage() for r in caplog.records]
    for text in texts:
        assert PASSWORD not in text
        assert "tooshort" not in text
        assert secret not in text
        assert parse_token(second)[2] not in text


# --- libops serve, as a process ----------------------------------------------------------------


def test_libops_serve(tmp_path: Path) -> None:
    """``libops serve`` on a free loopback port: /healthz answers, a token issued by the CLI
    carries out a command, and the server stops on SIGINT."""
    store = f"sqlite:///{tmp_path / 'libops.db'}"
    token = user_with_token(store, "li.na", name="Li Na", roles=["content_planner"])
    with running_server(store, log=tmp_path / "serve.log") as server:
        planned = httpx.post(
            f"{server.base}/v1/commands/campaign.plan",
            json=PLAN,
            headers=_bearer(token),
            timeout=30,
        )
        assert planned.status_code == 200, planned.text
        assert httpx.get(f"{server.base}/v1/commands", timeout=5).status_code == 401
    assert server.process.returncode == 0
    output = server.output()
    assert f"http://127.0.0.1:{server.port}" in output
    assert token not in output
    with LibOps.open(store) as ops:
        (campaign,) = ops.campaigns.list()
        assert campaign.name == PLAN["name"]

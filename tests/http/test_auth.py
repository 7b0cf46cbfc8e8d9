"""The API with real users: API tokens, throttling (429), scopes, secrets never answered, and
``libops serve`` run as a process."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.application.authentication import (
    MAX_FAILURES,
    Authentication,
    SQLiteUserVersions,
    Throttle,
    Verified,
    VerifiedTokens,
    parse_token,
)
from libops.domain.errors import AuthenticationError, LoginThrottledError, StorageError
from libops.domain.users import User
from libops.domain.values import Period, Role
from libops.http import TokenAuthenticator, create_app
from libops.testing.serving import LIBOPS, cli_environment, running_server, user_with_token
from tests import actors
from tests.conftest import make_store_url
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
    assert "POST /v1/commands/campaign.plan" not in output  # no access log by default
    with LibOps.open(store) as ops:
        (campaign,) = ops.campaigns.list()
        assert campaign.name == PLAN["name"]


def test_libops_serve_access_log(tmp_path: Path) -> None:
    """``--access-log`` logs each request (method, path, status), never the token."""
    store = f"sqlite:///{tmp_path / 'libops.db'}"
    token = user_with_token(store, "li.na", name="Li Na", roles=["content_planner"])
    log = tmp_path / "serve.log"
    with running_server(store, options=["--access-log"], log=log) as server:
        answer = httpx.get(f"{server.base}/v1/commands", headers=_bearer(token), timeout=30)
        assert answer.status_code == 200
    output = server.output()
    assert '"GET /v1/commands HTTP/1.1" 200' in output
    assert token not in output


# --- verified tokens, remembered per process ------------------------------------------------


def _header(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}  # as the app gives them: lower-case names


def _counting_loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The users :class:`Authentication` loads from the store from now on."""
    loads: list[object] = []
    original = Authentication._user

    def counted(self: Authentication, user: UUID) -> User | None:
        loads.append(user)
        return original(self, user)

    monkeypatch.setattr(Authentication, "_user", counted)
    return loads


CHANGES: dict[str, tuple[Callable[[LibOps, str], object], str]] = {
    "revoked": (
        lambda ops, token: ops.users.revoke_token(
            actors.ADMIN, login="li.na", token_id=parse_token(token)[1]
        ),
        "revoked",
    ),
    "disabled": (lambda ops, _token: ops.users.disable(actors.ADMIN, login="li.na"), "disabled"),
    "roles taken": (
        lambda ops, _token: ops.users.change_roles(actors.ADMIN, login="li.na", roles=["reviewer"]),
        "no longer holds",
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_remembered_token_is_refused_at_once_after_a_change(
    ops: LibOps, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """On every store: a token verified once is not checked by loading its user again (one
    indexed read says the user is unchanged), but a revocation, a disabled user or a role
    taken away refuses it on the very next request of the same authenticator."""
    token = _token(ops, "li.na", ["content_planner"])
    authenticate = TokenAuthenticator(ops)
    loads = _counting_loads(monkeypatch)
    first = authenticate(_header(token))
    assert authenticate(_header(token)) == first
    assert authenticate(_header(token)).roles == {Role.CONTENT_PLANNER}
    assert len(loads) == 1  # verified once, then remembered
    assert len(authenticate.auth.verified) == 1
    make, refusal = CHANGES[change]
    make(ops, token)
    with pytest.raises(AuthenticationError, match=refusal):
        authenticate(_header(token))
    assert len(loads) == 2


def test_a_remembered_token_with_a_forged_secret_is_refused(memory_ops: LibOps) -> None:
    """Knowing a verified token's id is not enough: the secret is compared every time, and a
    wrong one counts towards throttling."""
    token = _token(memory_ops, "li.na", ["content_planner"])
    user, token_id, _secret = parse_token(token)
    throttle = Throttle(memory_ops.app.clock.now)
    authenticate = TokenAuthenticator(memory_ops, throttle)
    authenticate(_header(token))
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthenticationError, match="unknown"):
            authenticate(_header(f"lo_{user.hex}_{token_id}_forged"))
    with pytest.raises(LoginThrottledError):
        authenticate(_header(token))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_revocation_by_another_process_is_seen_at_once(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest, clock: ManualClock
) -> None:
    """Two processes on one store (two opened stores here): the token verified and
    remembered by one is refused by it on the next request after the other revokes it."""
    url = make_store_url(kind, tmp_path, request)
    with (
        LibOps.open(url, clock=clock, migrate=True) as serving,
        LibOps.open(url, clock=clock) as admin,
    ):
        token = _token(admin, "li.na", ["content_planner"])
        authenticate = TokenAuthenticator(serving)
        assert authenticate(_header(token)).id == "li.na"
        assert authenticate(_header(token)).id == "li.na"
        admin.users.revoke_token(actors.ADMIN, login="li.na", token_id=parse_token(token)[1])
        with pytest.raises(AuthenticationError, match="revoked"):
            authenticate(_header(token))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_libops_serve_refuses_a_token_revoked_by_another_process_at_once(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """``libops serve`` with two worker processes: a token its workers verified and remember
    is refused (401, "revoked") on every request after ``libops users tokens revoke``, a
    third process, has revoked it: no request is let through in the meantime."""
    store = make_store_url(kind, tmp_path, request)
    token = user_with_token(store, "li.na", name="Li Na", roles=["content_planner"])
    with (
        running_server(store, workers=2, log=tmp_path / "serve.log") as server,
        httpx.Client(base_url=server.base, headers=_bearer(token), timeout=30) as client,
    ):
        for _ in range(8):  # new connections: both workers verify and remember it
            with httpx.Client(base_url=server.base, headers=_bearer(token)) as one:
                assert one.get("/v1/commands", timeout=30).status_code == 200
            assert client.get("/v1/commands").status_code == 200
        token_id = parse_token(token)[1]
        subprocess.run(
            [*LIBOPS, "users", "tokens", "revoke", "li.na", token_id, "--store", store],
            check=True,
            env=cli_environment(),
            capture_output=True,
        )
        for _ in range(8):
            with httpx.Client(base_url=server.base, headers=_bearer(token)) as one:
                refused = one.get("/v1/commands", timeout=30)
                assert refused.status_code == 401, refused.text
                assert "revoked" in problem_of(refused)["detail"]
            refused = client.get("/v1/commands")
            assert refused.status_code == 401, refused.text
            planned = client.post("/v1/commands/campaign.plan", json=PLAN)
            assert planned.status_code == 401, planned.text
    with LibOps.open(store) as ops:
        assert not ops.campaigns.list()


def test_the_token_check_reads_a_sqlite_file_beside_the_store_pool(
    tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a SQLite file a remembered token is checked on the check's own connections, not
    through the store's connection pool (where it would wait behind commits); it still sees
    a revocation at once, a failing read is a StorageError, and after ``close`` a check still
    reads (on a connection of its own, closed afterwards)."""
    url = f"sqlite:///{tmp_path / 'libops.db'}"
    with LibOps.open(url, clock=clock, migrate=True) as ops:
        token = _token(ops, "li.na", ["content_planner"])
        authenticate = TokenAuthenticator(ops)
        versions = authenticate.auth._versions
        assert isinstance(versions, SQLiteUserVersions)
        assert authenticate(_header(token)).id == "li.na"  # verified: the user is loaded

        pool = ops.app.recorder.datastore.pool  # type: ignore[attr-defined]
        taken: list[object] = []
        original = pool.get_connection

        def counted(*args: object, **kwargs: object) -> object:
            taken.append(kwargs)
            return original(*args, **kwargs)

        monkeypatch.setattr(pool, "get_connection", counted)
        for _ in range(3):
            assert authenticate(_header(token)).id == "li.na"
        assert taken == []  # remembered, and checked without the pool
        monkeypatch.undo()

        ops.users.revoke_token(actors.ADMIN, login="li.na", token_id=parse_token(token)[1])
        with pytest.raises(AuthenticationError, match="revoked"):
            authenticate(_header(token))

        other = _token(ops, "chen.jie", ["reviewer"])
        assert authenticate(_header(other)).id == "chen.jie"
        versions.close()
        assert authenticate(_header(other)).id == "chen.jie"  # a connection for this check

        empty = tmp_path / "empty.db"
        monkeypatch.setattr(
            SQLiteUserVersions, "_connect", lambda self: sqlite3.connect(empty, uri=False)
        )
        with pytest.raises(StorageError, match="events table missing"):
            authenticate(_header(other))


@pytest.mark.parametrize("kind", ["memory", "postgresql"])
def test_other_stores_check_tokens_through_their_recorder(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The separate SQLite connections are for SQLite files only (an in-memory SQLite store
    lives in its pool's connection; PostgreSQL has no single writer to wait behind)."""
    with LibOps.open(make_store_url(kind, tmp_path, request), migrate=True) as ops:
        assert SQLiteUserVersions.of(ops) is None
        assert TokenAuthenticator(ops).auth._versions is None


def test_the_remembered_tokens_are_bounded() -> None:
    """The least recently used verified token goes first when the cache is full."""
    verified = VerifiedTokens(size=2)
    user = uuid4()
    entry = Verified(1, "hash", datetime(2026, 3, 2, tzinfo=UTC), actors.PLANNER)
    verified.put(user, "a", entry)
    verified.put(user, "b", entry)
    assert verified.get(user, "a") == entry  # "a" is now the most recently used
    verified.put(user, "c", entry)
    assert verified.get(user, "b") is None
    assert verified.get(user, "a") == verified.get(user, "c") == entry
    assert len(verified) == 2
    with pytest.raises(ValueError, match="at least 1"):
        VerifiedTokens(size=0)

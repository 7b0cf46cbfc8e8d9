"""``libops serve`` with the web app: mounted at / beside /v1 (which answers as before), its
sessions shared by the worker processes (kept in the store), ``--no-web``, and the cookie's
Secure flag."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from libops import LibOps
from libops.cli import app as cli_app
from libops.testing.serving import running_server, user_with_password
from tests.web.support import PASSWORD, add_team


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/libops.db"
    with LibOps.open(url, migrate=True) as ops:
        add_team(ops)
    return url


def sign_in(client: httpx.Client, base: str, login: str = "li.na") -> httpx.Response:
    form = client.get("/sign-in")
    token = re.search(r'name="signin_token" value="([^"]+)"', form.text)
    assert token is not None
    return client.post(
        "/sign-in",
        data={"login": login, "password": PASSWORD, "signin_token": token[1]},
        headers={"Origin": base},
    )


def test_sessions_are_shared_by_the_workers_and_v1_answers_as_before(
    store: str, tmp_path: Path
) -> None:
    with (
        running_server(
            store, workers=2, options=["--plain-http-cookies"], log=tmp_path / "serve.log"
        ) as server,
        httpx.Client(base_url=server.base) as client,
    ):
        assert sign_in(client, server.base).status_code == 303
        # Each request opens a new connection: the two workers take turns, and every one
        # finds the session in the store.
        for _ in range(12):
            with httpx.Client(base_url=server.base, cookies=client.cookies) as fresh:
                page = fresh.get("/posts")
                assert page.status_code == 200, server.output()
                assert "Li Na" in page.text
        assert client.get("/v1/openapi.json").status_code == 200
        unknown = client.get("/v1/no-such-thing")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        assert client.get("/v1/commands").status_code == 401  # the API wants a token


def test_cookies_are_secure_by_default_and_no_web_serves_the_api_alone(
    store: str, tmp_path: Path
) -> None:
    with running_server(store, log=tmp_path / "serve.log") as server:
        answer = httpx.get(server.base + "/sign-in")
        assert answer.status_code == 200
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("__Host-libops_signin=")
        assert "Secure" in cookie
    with running_server(store, options=["--no-web"], log=tmp_path / "serve2.log") as server:
        assert httpx.get(server.base + "/sign-in").status_code == 404
        assert httpx.get(server.base + "/v1/openapi.json").status_code == 200


def test_a_user_added_by_the_command_line_signs_in(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/cli.db"
    user_with_password(store, "li.na", name="Li Na", roles=["content_planner"], password=PASSWORD)
    with (
        running_server(store, options=["--plain-http-cookies"], log=tmp_path / "s.log") as server,
        httpx.Client(base_url=server.base) as client,
    ):
        assert sign_in(client, server.base).status_code == 303
        assert "Li Na" in client.get("/").text


def test_plain_http_cookies_are_refused_with_allow_remote(store: str) -> None:
    result = CliRunner().invoke(
        cli_app,
        ["serve", "--store", store, "--plain-http-cookies", "--allow-remote", "--host", "0.0.0.0"],
    )
    assert result.exit_code != 0
    assert "--plain-http-cookies" in result.output


def test_with_a_sandbox_gateway_an_admin_publishes_from_the_web_app(
    store: str, tmp_path: Path
) -> None:
    from tests.web.support import approved_post

    with LibOps.open(store) as ops:
        post = approved_post(ops, "Served", {"weibo": "Out now"})
    with (
        running_server(
            store,
            options=["--plain-http-cookies", "--gateway", "weibo=sandbox://"],
            log=tmp_path / "serve.log",
        ) as server,
        httpx.Client(base_url=server.base) as client,
    ):
        assert sign_in(client, server.base, "chen.jie").status_code == 303
        listed = client.get("/publishing").text
        assert "Publish now" in listed
        csrf = re.search(r'name="csrf" value="([^"]+)"', listed)
        assert csrf is not None
        done = client.post(
            "/publishing/publish",
            data={"csrf": csrf[1], "post_id": str(post), "platform": "weibo"},
            headers={"Origin": server.base},
        )
        assert done.status_code == 200, server.output()
        assert "Published on Weibo" in done.text
    with LibOps.open(store) as ops:
        assert ops.posts.get(post).receipt("weibo") is not None


def test_a_wrong_gateway_is_a_usage_error(store: str) -> None:
    result = CliRunner().invoke(
        cli_app, ["serve", "--store", store, "--gateway", "weibo=ftp://example.org"]
    )
    assert result.exit_code == 2
    assert "ftp://example.org" in result.output

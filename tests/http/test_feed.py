"""``GET /v1/feed``: the public event feed over HTTP, followed with its cursor on every store,
its parameters refused by name, and followed across a ``libops serve`` killed and restarted."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from libops import LibOps
from libops.application.feed import ALL_TOPICS, MAX_FEED_LIMIT
from libops.testing.serving import running_server, user_with_token
from tests import actors
from tests.golden.regenerate import user_scenario
from tests.helpers import count_events
from tests.http.support import Client, client_for, problem_of

PLAN = {
    "name": "Branch reading week",
    "kind": "topic",
    "period": {"start": "2026-04-01", "end": "2026-04-30"},
    "platforms": ["weibo"],
}


def _log_positions(ops: LibOps, topics: tuple[str, ...] = ALL_TOPICS) -> list[int]:
    notifications = ops.app.recorder.select_notifications(
        0, count_events(ops) + 1, inclusive_of_start=False
    )
    return [n.id for n in notifications if n.topic in topics]


def _follow(client: Client, query: str = "", *, limit: int = 3) -> list[dict[str, Any]]:
    collected: list[dict[str, Any]] = []
    after = 0
    while True:
        answer = client.get(f"/v1/feed?after={after}&limit={limit}{query}", as_=actors.AUDITOR)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        collected.extend(page["events"])
        after = page["next_after"]
        if page["at_end"]:
            return collected


def _plan(client: Client, n: int) -> None:
    for i in range(n):
        planned = client.command("campaign.plan", {**PLAN, "name": f"Week {i}"}, as_=actors.PLANNER)
        assert planned.status_code == 200, planned.text


def test_followed_page_by_page(ops: LibOps) -> None:
    """On every store: the events of the log, each once and in order, in the public form."""
    client = client_for(ops)
    _plan(client, 4)
    user_scenario(ops)
    collected = _follow(client)
    assert [event["position"] for event in collected] == _log_positions(ops)
    campaigns = [event for event in collected if event["kind"] == "campaign"]
    assert campaigns[0]["data"]["name"] == "Week 0"
    users = _follow(client, "&kinds=user,data_subject", limit=2)
    assert {event["kind"] for event in users} == {"user"}
    assert [e["position"] for e in users] == [
        e["position"] for e in collected if e["kind"] == "user"
    ]
    for event in users:
        assert "hash" not in str(event["data"])
    assert ops.feed(after=0, limit=MAX_FEED_LIMIT).events == tuple(collected)


def test_the_link_header_leads_to_the_next_page(memory_ops: LibOps) -> None:
    """Following ``Link: <...>; rel="next"`` from the first page gives the same events as
    following ``next_after``; the last page has no link."""
    client = client_for(memory_ops)
    _plan(client, 5)
    path = "/v1/feed?kinds=campaign&limit=2"
    positions: list[int] = []
    while True:
        answer = client.get(path, as_=actors.AUDITOR)
        page = answer.json()
        positions.extend(event["position"] for event in page["events"])
        link = answer.headers.get("link")
        if page["at_end"]:
            assert link is None
            break
        found = re.fullmatch(r'<(/v1/feed\?[^>]+)>; rel="next"', link or "")
        assert found is not None, link
        path = found[1]
        assert f"after={page['next_after']}" in path
    assert positions == _log_positions(memory_ops)


def test_an_empty_page_keeps_the_cursor(memory_ops: LibOps) -> None:
    client = client_for(memory_ops)
    answer = client.get("/v1/feed?after=12", as_=actors.TECH)
    assert answer.json() == {"events": [], "next_after": 12, "at_end": True}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("after=-1", "after"),
        ("after=x", "after"),
        ("after=1.5", "after"),
        ("limit=0", "limit"),
        (f"limit={MAX_FEED_LIMIT + 1}", "limit"),
        ("limit=ten", "limit"),
        ("kinds=post,poster", "kinds"),
        ("kinds=", "kinds"),
        ("kinds=idempotency%20record", "kinds"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    memory_ops: LibOps, query: str, field: str
) -> None:
    answer = client_for(memory_ops).get(f"/v1/feed?{query}", as_=actors.AUDITOR)
    assert answer.status_code == 400
    problem = problem_of(answer)
    assert problem["field"] == field
    assert field in problem["detail"]


def test_only_for_an_authenticated_reader(memory_ops: LibOps) -> None:
    client = client_for(memory_ops)
    assert client.get("/v1/feed").status_code == 401
    described = client.get("/v1/openapi.json").json()["paths"]["/v1/feed"]["get"]
    assert [p["name"] for p in described["parameters"]] == ["after", "kinds", "limit"]
    schema = described["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["events", "next_after", "at_end"]


# --- across a server restart --------------------------------------------------------------------


def test_followed_across_a_killed_and_restarted_server(tmp_path: Path) -> None:
    """A client follows the feed of ``libops serve`` on SQLite, saving ``next_after`` after
    each page; events keep coming; the server is killed (SIGKILL) and started again; the
    client goes on from its saved cursor: it has every position of the log, none twice."""
    store = f"sqlite:///{tmp_path / 'libops.db'}"
    token = user_with_token(store, "li.na", name="Li Na", roles=["content_planner"])
    headers = {"Authorization": f"Bearer {token}"}
    saved = 0  # the client's stored cursor
    collected: list[int] = []

    def plan(base: str, n: int) -> None:
        for i in range(n):
            answer = httpx.post(
                f"{base}/v1/commands/campaign.plan",
                json={**PLAN, "name": f"Week {len(collected)}-{i}"},
                headers=headers,
                timeout=30,
            )
            assert answer.status_code == 200, answer.text

    def follow(base: str, pages: int | None) -> None:
        nonlocal saved
        while pages is None or pages > 0:
            answer = httpx.get(
                f"{base}/v1/feed", params={"after": saved, "limit": 2}, headers=headers, timeout=30
            )
            assert answer.status_code == 200, answer.text
            page = answer.json()
            collected.extend(event["position"] for event in page["events"])  # processed
            saved = page["next_after"]  # then the cursor is stored
            if page["at_end"]:
                return
            if pages is not None:
                pages -= 1

    with running_server(store, stop=signal.SIGKILL) as server:
        plan(server.base, 5)
        follow(server.base, pages=2)
        plan(server.base, 3)
        follow(server.base, pages=1)
        plan(server.base, 2)
    assert 0 < saved < len(collected) + 20
    with running_server(store, stop=signal.SIGKILL) as server:
        plan(server.base, 2)
        follow(server.base, pages=None)
    with LibOps.open(store) as ops:
        expected = _log_positions(ops)
    assert len(expected) >= 14
    assert collected == expected
    assert len(set(collected)) == len(collected)

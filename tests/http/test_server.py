"""The app served by uvicorn on a real socket, as clients reach it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from libops import LibOps
from libops.http import create_app
from libops.http.server import OneWriteHttpToolsProtocol
from tests import actors
from tests.http.support import BODIES, NO_IDS, auth, authenticate, last_event, serve_on_loopback


@pytest.fixture
def base_url(ops: LibOps) -> Iterator[str]:
    """The URL of the app on a fresh store of each kind, served on a free local port (with
    the protocol ``libops serve`` uses)."""
    yield from serve_on_loopback(
        create_app(ops, authenticate=authenticate), OneWriteHttpToolsProtocol
    )


def test_a_command_and_a_read_over_a_socket(ops: LibOps, base_url: str) -> None:
    """Plan a campaign, read it back with its ETag, and be refused a stale If-Match."""
    body = {**BODIES["campaign.plan"](NO_IDS), "platforms": ["weibo"]}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        planned = client.post("/v1/commands/campaign.plan", json=body, headers=auth(actors.PLANNER))
        assert planned.status_code == 200, planned.text
        campaign_id = planned.json()["result"]
        read = client.get(f"/v1/aggregates/campaign/{campaign_id}", headers=auth(actors.ADMIN))
        assert read.headers["etag"] == '"1"'
        amended = client.post(
            "/v1/commands/campaign.amend",
            json={"campaign_id": campaign_id, "description": "with the city library"},
            headers={**auth(actors.ADMIN), "If-Match": '"1"'},
        )
        assert amended.headers["etag"] == '"2"'
        recorded = last_event(ops)
        stale = client.post(
            "/v1/commands/campaign.amend",
            json={"campaign_id": campaign_id, "description": "again"},
            headers={**auth(actors.ADMIN), "If-Match": '"1"'},
        )
        assert stale.status_code == 412
        assert stale.headers["content-type"] == "application/problem+json"
        assert last_event(ops) == recorded
        assert client.get("/readyz").json()["last_notification_id"] == recorded


def test_concurrent_clients_lose_no_update(ops: LibOps, base_url: str) -> None:
    """Four clients amending one campaign at once, over the server's worker threads: every
    amendment answered 200 is recorded, in versions 2 to 1 + n."""
    from concurrent.futures import ThreadPoolExecutor

    body = {**BODIES["campaign.plan"](NO_IDS), "platforms": ["weibo"]}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        planned = client.post("/v1/commands/campaign.plan", json=body, headers=auth(actors.PLANNER))
        campaign_id = planned.json()["result"]

    def amend(worker: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=base_url, timeout=60) as client:
            for step in range(5):
                response = client.post(
                    "/v1/commands/campaign.amend",
                    json={"campaign_id": campaign_id, "description": f"{worker}.{step}"},
                    headers=auth(actors.ADMIN),
                )
                statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(4) as pool:
        statuses = [s for found in pool.map(amend, range(4)) for s in found]
    assert statuses == [200] * 20
    assert ops.campaigns.get(campaign_id).version == 21

"""Commands over HTTP on every store: what they record, idempotency keys and If-Match."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.application.catalogue import build
from tests import actors
from tests.http.support import (
    BODIES,
    NO_IDS,
    Client,
    client_for,
    event_log,
    last_event,
    problem_of,
)

PLAN = BODIES["campaign.plan"](NO_IDS)


@pytest.fixture
def client(ops: LibOps) -> Client:
    """A client of the app on a fresh store of each kind."""
    return client_for(ops)


def _plan(client: Client, **extra: object) -> str:
    response = client.command(
        "campaign.plan",
        {
            **PLAN,
            "platforms": ["weibo"],
            "objectives": [{"metric": "reads", "target": 500}],
            **extra,
        },
        as_=actors.PLANNER,
    )
    assert response.status_code == 200, response.text
    campaign_id = response.json()["result"]
    assert isinstance(campaign_id, str)
    return campaign_id


class TestWhatIsRecorded:
    def test_http_records_what_ops_execute_records(
        self, ops: LibOps, client: Client, clock: ManualClock
    ) -> None:
        """The same commands over HTTP and through ops.execute record the same events."""
        steps = [
            ("campaign.plan", actors.PLANNER, {**PLAN, "platforms": ["weibo", "wechat"]}),
            (
                "campaign.add_kol_partner",
                actors.PLANNER,
                {"partner": BODIES["campaign.add_kol_partner"](NO_IDS)["partner"]},
            ),
            ("campaign.amend", actors.ADMIN, {"hashtags": ["#世界读书日"]}),
            ("campaign.pause", actors.ADMIN, {"reason": "waiting for the venue"}),
        ]
        campaign_id = ""
        for name, actor, body in steps:
            if campaign_id:
                body = {"campaign_id": campaign_id, **body}
            response = client.command(name, body, as_=actor)
            assert response.status_code in (200, 409), response.text
            campaign_id = campaign_id or response.json()["result"]
        twin_clock = ManualClock(clock.now())
        with LibOps.open("memory://", clock=twin_clock) as twin:
            twin_id = None
            for name, actor, body in steps:
                if twin_id is not None:
                    body = {"campaign_id": str(twin_id), **body}
                try:
                    result = twin.execute(actor, build(name, body))
                except Exception:  # the same refusal as over HTTP (pause of a planned one)
                    continue
                twin_id = twin_id or result
            assert event_log(ops) == event_log(twin)
        assert len(event_log(ops)) >= 3

    def test_the_result_is_json(self, client: Client) -> None:
        """A result is the command's result made plain: an id as text, None as null."""
        campaign_id = _plan(client)
        response = client.command("campaign.launch", {"campaign_id": campaign_id}, as_=actors.ADMIN)
        assert response.status_code == 200
        assert response.json() == {"result": None}
        assert response.headers["content-type"] == "application/json"

    def test_the_actor_is_never_taken_from_the_body(self, ops: LibOps, client: Client) -> None:
        """A body naming someone else as the actor is refused as an unknown field."""
        response = client.command(
            "campaign.plan", {**PLAN, "actor": actors.ADMIN.id}, as_=actors.PLANNER
        )
        assert response.status_code == 422
        assert problem_of(response)["field"] == "actor"
        assert last_event(ops) == 0


class TestIdempotency:
    def test_a_repeat_returns_the_first_result_and_records_nothing(
        self, ops: LibOps, client: Client
    ) -> None:
        """The same key and command twice: one campaign, the same id both times."""
        first = client.command(
            "campaign.plan", PLAN, as_=actors.PLANNER, headers={"Idempotency-Key": "form-1"}
        )
        recorded = last_event(ops)
        again = client.command(
            "campaign.plan", PLAN, as_=actors.PLANNER, headers={"Idempotency-Key": "form-1"}
        )
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json()
        assert last_event(ops) == recorded

    def test_the_header_and_a_body_key_that_agree(self, client: Client) -> None:
        """The key may be in the body too, if it is the same."""
        response = client.command(
            "campaign.plan",
            {**PLAN, "idempotency_key": "form-2"},
            as_=actors.PLANNER,
            headers={"Idempotency-Key": "form-2"},
        )
        assert response.status_code == 200

    def test_a_body_key_that_differs_from_the_header(self, ops: LibOps, client: Client) -> None:
        """400, naming idempotency_key, and nothing recorded."""
        response = client.command(
            "campaign.plan",
            {**PLAN, "idempotency_key": "form-3"},
            as_=actors.PLANNER,
            headers={"Idempotency-Key": "form-4"},
        )
        assert response.status_code == 400
        found = problem_of(response)
        assert (found["error"], found["field"]) == ("MalformedRequestError", "idempotency_key")
        assert last_event(ops) == 0

    def test_the_key_reused_for_another_command(self, ops: LibOps, client: Client) -> None:
        """409 IdempotencyKeyReuseError, and nothing more recorded."""
        client.command(
            "campaign.plan", PLAN, as_=actors.PLANNER, headers={"Idempotency-Key": "form-5"}
        )
        recorded = last_event(ops)
        response = client.command(
            "campaign.plan",
            {**PLAN, "name": "Another"},
            as_=actors.PLANNER,
            headers={"Idempotency-Key": "form-5"},
        )
        assert response.status_code == 409
        assert problem_of(response)["error"] == "IdempotencyKeyReuseError"
        assert last_event(ops) == recorded

    def test_a_repeat_answers_the_current_etag(self, client: Client) -> None:
        """A repeat of a command on an aggregate carries the aggregate's version now."""
        campaign_id = _plan(client)
        body = {"campaign_id": campaign_id}
        key = {"Idempotency-Key": "launch-1"}
        first = client.command("campaign.launch", body, as_=actors.ADMIN, headers=key)
        assert first.headers["etag"] == '"2"'
        client.command("campaign.pause", {**body, "reason": "x"}, as_=actors.ADMIN)
        again = client.command("campaign.launch", body, as_=actors.ADMIN, headers=key)
        assert again.status_code == 200
        assert again.headers["etag"] == '"3"'


class TestIfMatch:
    def test_the_etag_is_the_version_after_the_command(self, client: Client) -> None:
        """Launching a planned campaign (version 1) answers ETag "2"; so does a read."""
        campaign_id = _plan(client)
        read = client.get(f"/v1/aggregates/campaign/{campaign_id}", as_=actors.AUDITOR)
        assert read.headers["etag"] == '"1"'
        response = client.command(
            "campaign.launch",
            {"campaign_id": campaign_id},
            as_=actors.ADMIN,
            headers={"If-Match": read.headers["etag"]},
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"2"'

    def test_a_stale_version_is_refused(self, ops: LibOps, client: Client) -> None:
        """412 VersionMismatchError naming both versions, and nothing recorded."""
        campaign_id = _plan(client)
        client.command("campaign.launch", {"campaign_id": campaign_id}, as_=actors.ADMIN)
        recorded = last_event(ops)
        response = client.command(
            "campaign.pause",
            {"campaign_id": campaign_id, "reason": "x"},
            as_=actors.ADMIN,
            headers={"If-Match": '"1"'},
        )
        assert response.status_code == 412
        found = problem_of(response)
        assert found["error"] == "VersionMismatchError"
        assert "version 2, not 1" in found["detail"]
        assert last_event(ops) == recorded
        assert ops.campaigns.get(campaign_id).status.value == "active"

    @pytest.mark.parametrize("header", ["1", '"one"', 'W/"1"', '"1", "2"', "*"])
    def test_a_malformed_if_match(self, client: Client, header: str) -> None:
        """400, naming If-Match."""
        campaign_id = _plan(client)
        response = client.command(
            "campaign.launch",
            {"campaign_id": campaign_id},
            as_=actors.ADMIN,
            headers={"If-Match": header},
        )
        assert response.status_code == 400
        assert problem_of(response)["field"] == "If-Match"

    def test_if_match_on_a_command_without_a_target(self, ops: LibOps, client: Client) -> None:
        """campaign.plan makes a new campaign: If-Match is refused (400) and nothing recorded."""
        response = client.command(
            "campaign.plan", PLAN, as_=actors.PLANNER, headers={"If-Match": '"1"'}
        )
        assert response.status_code == 400
        assert problem_of(response)["field"] == "If-Match"
        assert last_event(ops) == 0


@pytest.fixture
def memory_client() -> Iterator[tuple[LibOps, Client]]:
    """A client on an in-memory store."""
    clock = ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    with LibOps.open("memory://", clock=clock) as ops:
        yield ops, client_for(ops)


def test_if_match_holds_against_a_concurrent_write(
    memory_client: tuple[LibOps, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that lands between the check and the save makes the command run again and
    fail the check: the version is checked inside the bus's retry loop."""
    ops, client = memory_client
    campaign_id = _plan(client)
    from libops.application import commands

    original = commands.CommandBus.execute
    sneaked: list[bool] = []

    def execute_with_a_rival(
        self: commands.CommandBus,
        actor: Actor,
        command: commands.Command[Any],
        *,
        prepare: Callable[[commands.Context], None] | None = None,
    ) -> Any:
        if prepare is None:  # the rival's own command
            return original(self, actor, command)
        check = prepare

        def rival_first(ctx: commands.Context) -> None:
            check(ctx)
            if not sneaked:  # another writer saves after our check, before our save
                sneaked.append(True)
                ops.campaigns.amend(actors.ADMIN, campaign_id, description="rival")

        return original(self, actor, command, prepare=rival_first)

    monkeypatch.setattr(commands.CommandBus, "execute", execute_with_a_rival)
    response = client.command(
        "campaign.launch",
        {"campaign_id": campaign_id},
        as_=actors.ADMIN,
        headers={"If-Match": '"1"'},
    )
    assert sneaked == [True]
    assert response.status_code == 412, response.text
    assert ops.campaigns.get(campaign_id).status.value == "planned"

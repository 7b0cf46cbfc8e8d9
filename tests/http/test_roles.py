"""The role-by-command test: every command POSTed as every role, allowed or refused as the
role table says, and a refused one records nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jsonschema.validators import Draft202012Validator

from libops import LibOps
from libops.application.catalogue import all_commands, build
from libops.domain.permissions import roles_for
from libops.domain.values import Actor
from libops.http.queries import LIST_ENDPOINTS
from tests import actors
from tests.http.support import (
    BODIES,
    NO_IDS,
    Client,
    Ids,
    client_for,
    last_event,
    make_world,
    problem_of,
)


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[LibOps, Client, Ids]]:
    """One store (in memory: who may do what does not depend on storage) with one aggregate
    of each kind."""
    from datetime import UTC, datetime

    from libops.adapters.clock import ManualClock

    clock = ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    with LibOps.open("memory://", clock=clock) as ops:
        client = client_for(ops)
        yield ops, client, make_world(client, ops)


def _allowed(actor: Actor, name: str, ids: Ids) -> bool:
    """What the role table says: may ``actor`` give this command, with this body?"""
    command = build(name, BODIES[name](ids))
    return actor.has_any(roles_for(command.permissions()))


@pytest.mark.parametrize("name", list(all_commands()))
@pytest.mark.parametrize(
    "actor", actors.ONE_PER_ROLE, ids=lambda a: "+".join(sorted(r.value for r in a.roles))
)
def test_every_command_as_every_role(
    world: tuple[LibOps, Client, Ids], name: str, actor: Actor
) -> None:
    """Allowed: not 403, and the body was read (no InvalidCommandError); refused: 403
    PermissionDeniedError naming the command, and nothing recorded."""
    ops, client, ids = world
    before = last_event(ops)
    response = client.command(name, BODIES[name](ids), as_=actor)
    if _allowed(actor, name, ids):
        assert response.status_code != 403, response.text
        if response.status_code != 200:
            assert problem_of(response)["error"] != "InvalidCommandError", response.text
        else:  # the answer is what the OpenAPI document says it is
            document = client.get("/v1/openapi.json").json()
            operation = document["paths"][f"/v1/commands/{name}"]["post"]
            schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
            Draft202012Validator(
                {**schema, "components": document["components"]},
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            ).validate(response.json())
    else:
        assert response.status_code == 403, response.text
        found = problem_of(response)
        assert found["error"] == "PermissionDeniedError"
        assert name.split(".")[0] in found["detail"]
        assert last_event(ops) == before


def test_the_table_gives_every_role_something_and_refuses_some() -> None:
    """The test above is not vacuous: each role is allowed some commands and refused others,
    with the bodies of the table."""
    for actor in actors.ONE_PER_ROLE:
        verdicts = {_allowed(actor, name, _NO) for name in all_commands()}
        assert verdicts == {True, False}, actor


_NO = NO_IDS

REVIEW_QUEUE = "/v1/review-queue"


@pytest.mark.parametrize("actor", actors.ONE_PER_ROLE, ids=lambda a: a.id)
def test_every_read_as_every_role(world: tuple[LibOps, Client, Ids], actor: Actor) -> None:
    """The role table has no read permissions: every person may read every read endpoint."""
    ops, client, ids = world
    ops.projections.run()
    paths = [
        "/v1/commands",
        f"/v1/aggregates/campaign/{ids.campaign}",
        f"/v1/aggregates/post/{ids.post}",
        f"/v1/aggregates/budget/{ids.budget}",
        f"/v1/aggregates/risk/{ids.risk}",
        f"/v1/aggregates/contest/{ids.contest}",
        f"/v1/aggregates/question/{ids.question}",
        f"/v1/aggregates/reading_session/{ids.session}",
        *[f"/v1/views/{name}" for name in ops.projections.names],
        "/v1/views/activity/sequence",
        "/v1/activity",
        "/v1/feed",
        "/v1/report?format=md",
        *[endpoint.path for endpoint in LIST_ENDPOINTS if endpoint.path != REVIEW_QUEUE],
    ]
    for path in paths:
        response = client.get(path, as_=actor)
        assert response.status_code == 200, (path, response.text)


@pytest.mark.parametrize("actor", actors.ONE_PER_ROLE, ids=lambda a: a.id)
def test_the_review_queue_as_every_role(world: tuple[LibOps, Client, Ids], actor: Actor) -> None:
    """The one list that depends on the role: a person's review queue is for those who may
    review posts (the role table's ``post.review``); anyone else gets 403."""
    _ops, client, _ids = world
    assert REVIEW_QUEUE in {endpoint.path for endpoint in LIST_ENDPOINTS}
    response = client.get(REVIEW_QUEUE, as_=actor)
    if actor.has_any(roles_for(("post.review",))):
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403, response.text
        assert problem_of(response)["error"] == "PermissionDeniedError"

"""The OpenAPI document: generated from the registry, covering every command, and the
schemas it gives accept the bodies the commands are built from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from jsonschema.validators import Draft202012Validator

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.application.catalogue import all_commands, build
from libops.domain.errors import InvalidValueError
from libops.http.targets import target_of
from tests.http.support import BODIES, NO_IDS, client_for


@pytest.fixture(scope="module")
def document() -> Iterator[dict[str, Any]]:
    """The document as the API serves it."""
    with LibOps.open("memory://", clock=ManualClock(datetime(2026, 3, 1, tzinfo=UTC))) as ops:
        response = client_for(ops).get("/v1/openapi.json")
        assert response.status_code == 200
        found = response.json()
        assert isinstance(found, dict)
        yield found


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of ``schema`` whose $refs resolve in the document's components."""
    return Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _body_schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    operation = document["paths"][f"/v1/commands/{name}"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert isinstance(schema, dict)
    return schema


class TestTheDocument:
    def test_it_is_openapi_3_1(self, document: dict[str, Any]) -> None:
        """Its version, info, and the read, health and problem paths."""
        assert document["openapi"] == "3.1.0"
        assert {
            "/v1/commands",
            "/v1/aggregates/{kind}/{id}",
            "/v1/views/{projection}",
            "/v1/views/{projection}/{document_id}",
            "/v1/activity",
            "/v1/report",
            "/v1/problems/{name}",
            "/healthz",
            "/readyz",
        } <= set(document["paths"])

    def test_every_command_has_a_path_and_a_body_schema(self, document: dict[str, Any]) -> None:
        """One POST per registered command, named by it, with its roles and problems."""
        commands = {p for p in document["paths"] if p.startswith("/v1/commands/")}
        assert commands == {f"/v1/commands/{name}" for name in all_commands()}
        for name, spec in all_commands().items():
            operation = document["paths"][f"/v1/commands/{name}"]["post"]
            assert operation["operationId"] == name
            for role in spec.roles:
                assert role.value in operation["description"]
            assert {"401", "403", "422"} <= set(operation["responses"])
            assert ("412" in operation["responses"]) == (target_of(spec.type) is not None)
            schema = _body_schema(document, name)
            assert schema["additionalProperties"] is False
            assert "idempotency_key" in schema["properties"]

    def test_every_body_schema_is_valid_json_schema(self, document: dict[str, Any]) -> None:
        """Each schema is itself valid (2020-12) and its $refs resolve."""
        for name in all_commands():
            schema = _body_schema(document, name)
            Draft202012Validator.check_schema(schema)
            _validator(document, schema).is_valid({})  # resolves every $ref it meets

    def test_the_fields_follow_their_types(self, document: dict[str, Any]) -> None:
        """UUIDs, dates, enums, optional values, lists and nested values as JSON Schema."""
        plan = _body_schema(document, "campaign.plan")
        assert set(plan["required"]) == {"name", "kind", "period"}
        assert plan["properties"]["kind"] == {"$ref": "#/components/schemas/CampaignKind"}
        assert plan["properties"]["platforms"]["items"] == {"$ref": "#/components/schemas/Platform"}
        schemas = document["components"]["schemas"]
        assert schemas["Period"]["properties"]["start"] == {"type": "string", "format": "date"}
        assert "topic" in schemas["CampaignKind"]["enum"]
        pause = _body_schema(document, "campaign.pause")
        assert pause["properties"]["campaign_id"]["format"] == "uuid"
        schedule = _body_schema(document, "post.schedule")
        assert schedule["properties"]["at"] == {"type": "string", "format": "date-time"}
        amount = schemas["Money"]["properties"]["amount"]
        assert "string" in amount["type"]
        assert amount["pattern"]
        amend = _body_schema(document, "campaign.amend")
        assert {"type": "null"} in amend["properties"]["name"]["anyOf"]


@pytest.mark.parametrize("name", list(all_commands()))
def test_the_example_body_validates_and_builds(document: dict[str, Any], name: str) -> None:
    """The tests' minimal body of each command fits its schema, and builds the command."""
    body = BODIES[name](NO_IDS)
    _validator(document, _body_schema(document, name)).validate(body)
    build(name, body)


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("campaign.plan", {"name": "x", "kind": "topic"}),  # no period
        (
            "campaign.plan",
            {"name": "x", "kind": "rocket", "period": BODIES["campaign.plan"](NO_IDS)["period"]},
        ),
        ("campaign.pause", {"campaign_id": "x", "reason": 3}),
        ("campaign.pause", {"campaign_id": "x", "reason": "r", "colour": "red"}),
        (
            "budget.allocate",
            {"budget_id": "x", "category": "promotion", "amount": {"amount": "1.5x"}},
        ),
    ],
)
def test_a_body_the_schema_refuses(
    document: dict[str, Any], name: str, bad: dict[str, Any]
) -> None:
    """What the schema refuses, libops refuses too: the schema is not looser than build."""
    with pytest.raises(jsonschema.ValidationError):
        _validator(document, _body_schema(document, name)).validate(bad)
    with pytest.raises(InvalidValueError):
        build(name, bad)

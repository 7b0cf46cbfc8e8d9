"""Every error as an RFC 9457 problem naming the libops error (and the field), with the
status the API documents; a refused request records nothing, and no secret leaks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.domain import errors
from libops.http.problems import STATUS, problem, problem_types, status_of
from tests import actors
from tests.http.support import (
    BODIES,
    NO_IDS,
    TOKEN_OF,
    Client,
    client_for,
    last_event,
    problem_of,
)

PLAN = {**BODIES["campaign.plan"](NO_IDS), "platforms": ["weibo"]}


@pytest.fixture
def store() -> Iterator[LibOps]:
    """An in-memory store (how errors are answered does not depend on storage)."""
    with LibOps.open("memory://", clock=ManualClock(datetime(2026, 3, 1, 8, tzinfo=UTC))) as ops:
        yield ops


@pytest.fixture
def client(store: LibOps) -> Client:
    """A client whose app reads bodies of at most 4 KiB."""
    return client_for(store, max_body=4096)


def _planned(client: Client) -> str:
    response = client.command("campaign.plan", PLAN, as_=actors.PLANNER)
    assert response.status_code == 200, response.text
    campaign_id = response.json()["result"]
    assert isinstance(campaign_id, str)
    return campaign_id


def _send(client: Client, case: dict[str, Any], campaign_id: str) -> httpx.Response:
    body = case.get("body")
    if callable(body):
        body = body(campaign_id)
    kwargs: dict[str, Any] = {"headers": case.get("headers", {})}
    if isinstance(body, bytes):
        kwargs["content"] = body
    elif body is not None:
        kwargs["json"] = body
    return client.post(
        f"/v1/commands/{case.get('command', 'campaign.plan')}",
        as_=case.get("as_", actors.PLANNER),
        **kwargs,
    )


JSON = {"Content-Type": "application/json"}

CASES: dict[str, tuple[dict[str, Any], int, str, str | None]] = {
    "not JSON": ({"body": b"{name:", "headers": JSON}, 400, "MalformedRequestError", None),
    "not UTF-8": (
        {"body": b'{"name": "\xff"}', "headers": JSON},
        400,
        "MalformedRequestError",
        None,
    ),
    "nested too deeply": (
        {"body": b'{"name": ' + b"[" * 2000 + b"]" * 2000 + b"}", "headers": JSON},
        400,
        "MalformedRequestError",
        None,
    ),
    "an array": ({"body": b"[1, 2]", "headers": JSON}, 400, "MalformedRequestError", None),
    "NaN": ({"body": b'{"name": NaN}', "headers": JSON}, 400, "MalformedRequestError", None),
    "a key twice": (
        {"body": b'{"name": "a", "name": "b"}', "headers": JSON},
        400,
        "MalformedRequestError",
        "name",
    ),
    "form data": (
        {"body": b"name=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        415,
        "UnsupportedMediaTypeError",
        None,
    ),
    "too large": (
        {"body": b'{"name": "' + b"x" * 5000 + b'"}', "headers": JSON},
        413,
        "RequestTooLargeError",
        "body",
    ),
    "a missing field": (
        {"body": {"name": "x", "kind": "topic"}},
        422,
        "InvalidCommandError",
        "period",
    ),
    "a field of the wrong kind": (
        {"body": {**PLAN, "name": 3}},
        422,
        "InvalidCommandError",
        "name",
    ),
    "an unknown field": ({"body": {**PLAN, "colour": "red"}}, 422, "InvalidCommandError", "colour"),
    "a bad nested value": (
        {"body": {**PLAN, "period": {"start": "2026-05-01", "end": "2026-04-01"}}},
        422,
        "InvalidCommandError",
        "period",
    ),
    "bad money": (
        {
            "command": "budget.open",
            "as_": actors.OWNER,
            "body": {**BODIES["budget.open"](NO_IDS), "currency": "XXQ"},
        },
        422,
        "CurrencyError",
        None,
    ),
    "a text too long": (
        {"body": {**PLAN, "name": "n" * 3000}},
        422,
        "LimitExceededError",
        "name",
    ),
    "no such command": (
        {"command": "campaign.launch_rocket", "body": {}},
        404,
        "UnknownCommandError",
        None,
    ),
    "no such campaign": (
        {
            "command": "campaign.launch",
            "as_": actors.ADMIN,
            "body": {"campaign_id": "00000000-0000-4000-8000-000000000000"},
        },
        404,
        "UnknownIdError",
        None,
    ),
    "no credential": ({"as_": None, "body": PLAN}, 401, "AuthenticationError", None),
    "an unknown token": (
        {"as_": None, "body": PLAN, "headers": {"Authorization": "Bearer not-a-token"}},
        401,
        "AuthenticationError",
        None,
    ),
    "a role that may not": (
        {"as_": actors.AUDITOR, "body": PLAN},
        403,
        "PermissionDeniedError",
        None,
    ),
    "a state that does not allow it": (
        {
            "command": "campaign.resume",
            "as_": actors.ADMIN,
            "body": lambda cid: {"campaign_id": cid},
        },
        409,
        "InvalidTransitionError",
        None,
    ),
    "a broken rule": (
        {
            "command": "campaign.launch",
            "as_": actors.ADMIN,
            "body": lambda cid: {"campaign_id": cid},
        },
        422,
        "LaunchRequirementsError",
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_refusal_is_a_problem(store: LibOps, client: Client, case: str) -> None:
    """The status, the error's class, its field, its type URI; nothing recorded."""
    request, status, error, field = CASES[case]
    campaign_id = _planned(client)
    before = last_event(store)
    response = _send(client, request, campaign_id)
    assert response.status_code == status, response.text
    found = problem_of(response)
    assert found["error"] == error
    assert found["type"] == f"/v1/problems/{error}"
    assert found.get("field") == field
    assert found["title"]
    assert found["detail"]
    assert last_event(store) == before
    if status == 401:
        assert response.headers["www-authenticate"] == 'Bearer realm="libops"'


class TestStatuses:
    def test_every_libops_error_has_a_status(self) -> None:
        """Each error class answers with a status of the table, found through its bases."""
        found = problem_types()
        assert {"LibopsError", "PermissionDeniedError", "VersionMismatchError"} <= set(found)
        for name, error_type in found.items():
            assert status_of(error_type) in {
                400,
                401,
                403,
                404,
                409,
                412,
                413,
                415,
                422,
                429,
                500,
                501,
                502,
                503,
                504,
            }, name

    def test_the_table_is_read_most_specific_first(self) -> None:
        """An error takes its own class's status before its bases'."""
        assert status_of(errors.RequestTooLargeError) == 413  # a LimitExceededError (422)
        assert status_of(errors.MalformedRequestError) == 400  # an InvalidValueError (422)
        assert status_of(errors.RiskClosedError) == 409  # an InvalidTransitionError
        assert status_of(errors.UnknownIncidentError) == 404  # an UnknownIdError
        assert status_of(errors.SubjectErasedError) == 422  # a RuleViolationError
        assert status_of(errors.StoreUnavailableError) == 503
        # A key store that is not the event store's: a fault of the server, not a wait.
        assert status_of(errors.SubjectKeyMissingError) == 500
        assert problem(errors.SubjectKeyMissingError("no key"))[2] == {}
        assert all(klass in problem_types().values() for klass in STATUS)

    @pytest.mark.parametrize(
        ("error", "wait"),
        [
            (errors.StoreBusyError("the store stayed locked"), "1"),
            (errors.ConcurrencyError("kept losing"), "1"),
            (errors.StoreUnavailableError("the server is down"), "5"),
        ],
    )
    def test_a_busy_or_unavailable_store_says_when_to_try_again(
        self,
        store: LibOps,
        client: Client,
        monkeypatch: pytest.MonkeyPatch,
        error: errors.LibopsError,
        wait: str,
    ) -> None:
        """503 (409 for lost races) with Retry-After."""

        def fail(*_args: object, **_kwargs: object) -> None:
            raise error

        monkeypatch.setattr(store.bus, "execute", fail)
        response = client.command("campaign.plan", PLAN, as_=actors.PLANNER)
        assert response.status_code == status_of(type(error))
        assert response.status_code in (409, 503)
        assert response.headers["retry-after"] == wait
        assert problem_of(response)["error"] == type(error).__name__

    def test_the_problem_of_an_error_names_its_field(self) -> None:
        """A field an error carries is the problem's field."""
        status, body, headers = problem(errors.LimitExceededError("title", 200, "too long"))
        assert (status, body["field"], headers) == (422, "title", {})


class TestProblemTypes:
    def test_each_type_is_described(self, client: Client) -> None:
        """GET /v1/problems/<name> says what it means, without a credential."""
        for name, error_type in problem_types().items():
            response = client.get(f"/v1/problems/{name}")
            assert response.status_code == 200, name
            found = response.json()
            assert found["status"] == status_of(error_type)
            assert found["description"], name
        assert client.get("/v1/problems/PermissionDeniedError").json()["title"] == (
            "The acting person does not hold a role that allows the command."
        )

    def test_an_unknown_type(self, client: Client) -> None:
        """404 UnknownIdError."""
        response = client.get("/v1/problems/NoSuchError")
        assert response.status_code == 404
        assert problem_of(response)["error"] == "UnknownIdError"

    def test_routes_that_do_not_exist(self, client: Client) -> None:
        """An unknown path or method is a problem too (about:blank)."""
        missing = client.get("/v2/anything", as_=actors.ADMIN)
        assert missing.status_code == 404
        assert problem_of(missing)["type"] == "about:blank"
        wrong = client.get("/v1/commands/campaign.plan", as_=actors.ADMIN)
        assert wrong.status_code == 405
        assert problem_of(wrong)["type"] == "about:blank"


class TestFaults:
    def test_an_unexpected_error_is_500_without_details(
        self,
        store: LibOps,
        client: Client,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """The body names no class, message or traceback; the log has them, with an incident
        id the body gives too."""

        def crash(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("internal detail at /srv/secret/path")

        monkeypatch.setattr(store.bus, "execute", crash)
        with caplog.at_level(logging.INFO, logger="libops.http"):
            response = client.command("campaign.plan", PLAN, as_=actors.PLANNER)
        assert response.status_code == 500
        found = problem_of(response)
        assert found["error"] == "InternalError"
        assert "secret" not in response.text
        assert "RuntimeError" not in response.text
        incident = found["detail"].rsplit(" ", 1)[-1]
        logged = [r for r in caplog.records if incident in r.getMessage()]
        assert logged
        assert logged[0].exc_info is not None

    def test_an_authenticator_that_answers_no_actor(self, store: LibOps) -> None:
        """An authenticator returning something else is a fault (500), not a person."""
        from libops.http import create_app
        from tests.http.support import Client as _Client

        app = create_app(store, authenticate=lambda headers: "admin")  # type: ignore[arg-type]
        response = _Client(app).command("campaign.plan", PLAN, as_=actors.PLANNER)
        assert response.status_code == 500


def test_tokens_never_appear_in_answers_or_logs(
    store: LibOps, client: Client, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through success, refusal, a bad token and a fault, no bearer token is echoed or
    logged."""
    campaign_id = _planned(client)
    answers: list[httpx.Response] = []
    with caplog.at_level(logging.DEBUG):
        answers.append(client.command("campaign.plan", PLAN, as_=actors.PLANNER))
        answers.append(client.command("campaign.plan", PLAN, as_=actors.AUDITOR))
        answers.append(client.command("campaign.plan", {"name": 1}, as_=actors.PLANNER))
        answers.append(
            client.post(
                "/v1/commands/campaign.plan",
                json=PLAN,
                headers={"Authorization": "Bearer leaked-guess-123"},
            )
        )
        answers.append(client.get(f"/v1/aggregates/campaign/{campaign_id}", as_=actors.ADMIN))
        answers.append(client.get("/v1/commands", as_=actors.ADMIN))

        def crash(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("fault")

        monkeypatch.setattr(store.bus, "execute", crash)
        answers.append(client.command("campaign.plan", PLAN, as_=actors.PLANNER))
    secrets = [*TOKEN_OF.values(), "leaked-guess-123"]
    assert {a.status_code for a in answers} >= {200, 401, 403, 422, 500}
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records)
    assert "Traceback" in logged  # the fault was logged in full
    assert caplog.records
    for answer in answers:
        seen = answer.text + str(dict(answer.headers))
        assert not any(secret in seen for secret in secrets), answer.text
    assert not any(secret in logged for secret in secrets)

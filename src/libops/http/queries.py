"""The lists of the HTTP API: ``GET /v1/posts``, ``/v1/review-queue``, ``/v1/questions``,
``/v1/campaigns`` and ``/v1/budgets`` (docs/http.md, "Queries"; docs/queries.md).

Each list is declared once, as a :class:`ListEndpoint` with its :class:`QueryParameter`\\ s:
the routes read their parameters from those declarations, and the OpenAPI document
(:mod:`libops.http.openapi`) lists them from the same ones. A list answers
``{"items": [...], "next_cursor": "..." | null}`` from the indexed listings
(:mod:`libops.application.queries`); a bad parameter is a problem naming it (``field``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import attrs
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from libops.application.queries import (
    BUDGET_ORDERS,
    CAMPAIGN_ORDERS,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    POST_ORDERS,
    QUESTION_STATES,
    Page,
)
from libops.bootstrap import LibOps
from libops.domain.budget import BudgetStatus
from libops.domain.campaign import CampaignStatus
from libops.domain.errors import QueryParameterError
from libops.domain.post import PostStatus
from libops.domain.values import Actor, Platform

Endpoint = Callable[[Request], Awaitable[Response]]


@attrs.frozen
class QueryParameter:
    """One query parameter of a list: its name, what it means and its JSON schema."""

    name: str
    description: str
    schema: Mapping[str, Any]


@attrs.frozen
class ListEndpoint:
    """One list of the API: its path, what it is, its parameters and how it is answered."""

    path: str
    operation_id: str
    summary: str
    parameters: tuple[QueryParameter, ...]
    answer: Callable[[LibOps, Actor, dict[str, str]], Page]
    row: Mapping[str, Any]
    """The JSON schema of one item."""


def _limit() -> QueryParameter:
    return QueryParameter(
        "limit",
        f"at most this many rows (1 to {MAX_LIMIT}; {DEFAULT_LIMIT})",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    )


def _cursor() -> QueryParameter:
    return QueryParameter(
        "cursor", "the `next_cursor` of the page before (opaque)", {"type": "string"}
    )


_MOMENT: Final = {"type": "string", "format": "date-time"}
_NULLABLE_TEXT: Final = {"type": ["string", "null"]}
_NULLABLE_MOMENT: Final = {"type": ["string", "null"], "format": "date-time"}

POST_ROW: Final = {
    "type": "object",
    "required": ["id", "title", "status", "platforms", "published_at", "retracted"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "title": {"type": "string", "description": "in clear; `[redacted]` once redacted"},
        "status": {"enum": [s.value for s in PostStatus]},
        "campaign_id": _NULLABLE_TEXT,
        "authors": {"type": "array", "items": {"type": "string"}},
        "drafted_at": _MOMENT,
        "submitted_at": _NULLABLE_MOMENT,
        "published_at": {**_NULLABLE_MOMENT, "description": "its first publication"},
        "retracted": {"type": "boolean"},
        "platforms": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "status": {"enum": ["pending", "scheduled", "published", "failed"]},
                    "scheduled_at": _NULLABLE_MOMENT,
                    "published_at": _NULLABLE_MOMENT,
                    "url": _NULLABLE_TEXT,
                    "take_down": {
                        "enum": ["through gateway", "by hand", "taken down", "confirmed"],
                        "description": "only on a platform the post was live on when retracted",
                    },
                    "taken_down_at": _NULLABLE_MOMENT,
                },
            },
        },
    },
}

QUESTION_ROW: Final = {
    "type": "object",
    "required": ["id", "platform", "asked_at", "state", "escalated", "answered_at"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "platform": {"enum": [p.value for p in Platform]},
        "post_id": _NULLABLE_TEXT,
        "asked_at": _MOMENT,
        "received_at": _MOMENT,
        "state": {"enum": ["waiting", "answered"]},
        "escalated": {"type": "boolean"},
        "escalated_at": _NULLABLE_MOMENT,
        "answered_at": _NULLABLE_MOMENT,
        "response_seconds": {"type": ["integer", "null"]},
    },
}

_AMOUNTS: Final = {
    name: {"type": "string", "description": "a decimal amount, as text"}
    for name in ("allocated", "committed", "spent", "available")
}

BUDGET_ROW: Final = {
    "type": "object",
    "required": ["id", "name", "currency", "status", "start", "end", "lines"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "currency": {"type": "string"},
        "status": {"enum": [s.value for s in BudgetStatus]},
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        **_AMOUNTS,
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "budget_id": {"type": "string"},
                    "category": {"type": "string"},
                    "campaign_id": _NULLABLE_TEXT,
                    "currency": {"type": "string"},
                    **_AMOUNTS,
                },
            },
        },
    },
}

CAMPAIGN_ROW: Final = {
    "type": "object",
    "required": ["id", "name", "kind", "state", "start", "end", "platforms"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "kind": {"type": "string"},
        "state": {"enum": [s.value for s in CampaignStatus]},
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "platforms": {"type": "array", "items": {"type": "string"}},
    },
}


def _posts(ops: LibOps, _actor: Actor, given: dict[str, str]) -> Page:
    return ops.queries.posts(
        status=given.get("status"),
        platform=given.get("platform"),
        campaign_id=given.get("campaign_id"),
        published_after=given.get("published_after"),
        published_before=given.get("published_before"),
        order=given.get("order", POST_ORDERS[0]),
        limit=given.get("limit", DEFAULT_LIMIT),
        cursor=given.get("cursor"),
    )


def _review_queue(ops: LibOps, actor: Actor, given: dict[str, str]) -> Page:
    return ops.queries.review_queue(
        actor, limit=given.get("limit", DEFAULT_LIMIT), cursor=given.get("cursor")
    )


def _questions(ops: LibOps, _actor: Actor, given: dict[str, str]) -> Page:
    return ops.queries.questions(
        state=given.get("state"),
        platform=given.get("platform"),
        answered_since=given.get("answered_since"),
        limit=given.get("limit", DEFAULT_LIMIT),
        cursor=given.get("cursor"),
    )


def _budgets(ops: LibOps, _actor: Actor, given: dict[str, str]) -> Page:
    return ops.queries.budgets(
        status=given.get("status"),
        order=given.get("order", BUDGET_ORDERS[0]),
        limit=given.get("limit", DEFAULT_LIMIT),
        cursor=given.get("cursor"),
    )


def _campaigns(ops: LibOps, _actor: Actor, given: dict[str, str]) -> Page:
    return ops.queries.campaigns(
        state=given.get("state"),
        order=given.get("order", CAMPAIGN_ORDERS[0]),
        limit=given.get("limit", DEFAULT_LIMIT),
        cursor=given.get("cursor"),
    )


LIST_ENDPOINTS: Final = (
    ListEndpoint(
        "/v1/posts",
        "list_posts",
        "Posts by status, platform, campaign and publish time, with their titles and URLs "
        "(retracted ones marked), a page at a time (docs/queries.md).",
        (
            QueryParameter(
                "status", "only posts in this status", {"enum": [s.value for s in PostStatus]}
            ),
            QueryParameter(
                "platform",
                "only posts with a variant for this platform",
                {"enum": [p.value for p in Platform]},
            ),
            QueryParameter(
                "campaign_id",
                "only the posts of this campaign",
                {"type": "string", "format": "uuid"},
            ),
            QueryParameter(
                "published_after", "published at or after this time (with an offset)", _MOMENT
            ),
            QueryParameter(
                "published_before", "published before this time (with an offset)", _MOMENT
            ),
            QueryParameter(
                "order",
                "by publish time, latest first (-published_at) or earliest first; posts not "
                "published yet come after (before) the published ones",
                {"enum": list(POST_ORDERS), "default": POST_ORDERS[0]},
            ),
            _limit(),
            _cursor(),
        ),
        _posts,
        POST_ROW,
    ),
    ListEndpoint(
        "/v1/review-queue",
        "review_queue",
        "The posts waiting for review that the authenticated person may review (a reviewer; "
        "never their own), oldest first.",
        (_limit(), _cursor()),
        _review_queue,
        POST_ROW,
    ),
    ListEndpoint(
        "/v1/questions",
        "list_questions",
        "Readers' questions waiting, overdue or escalated (oldest asked first), or answered "
        "(since a time; latest answered first); never their text or asker (personal data).",
        (
            QueryParameter(
                "state",
                "waiting, overdue (waiting longer than the escalation time), escalated (and "
                "still waiting) or answered; none: every question",
                {"enum": list(QUESTION_STATES)},
            ),
            QueryParameter(
                "platform",
                "only questions asked on this platform",
                {"enum": [p.value for p in Platform]},
            ),
            QueryParameter(
                "answered_since", "answered at or after this time (with an offset)", _MOMENT
            ),
            _limit(),
            _cursor(),
        ),
        _questions,
        QUESTION_ROW,
    ),
    ListEndpoint(
        "/v1/campaigns",
        "list_campaigns",
        "Campaigns by state, ordered by their first day, a page at a time.",
        (
            QueryParameter(
                "state", "only campaigns in this state", {"enum": [s.value for s in CampaignStatus]}
            ),
            QueryParameter(
                "order",
                "by first day, latest first (-start) or earliest first (start)",
                {"enum": list(CAMPAIGN_ORDERS), "default": CAMPAIGN_ORDERS[0]},
            ),
            _limit(),
            _cursor(),
        ),
        _campaigns,
        CAMPAIGN_ROW,
    ),
    ListEndpoint(
        "/v1/budgets",
        "list_budgets",
        "Budgets by status, ordered by their period's first day, each with its amounts and "
        "its lines (allocated, committed, spent, available by category and campaign).",
        (
            QueryParameter(
                "status", "only budgets in this status", {"enum": [s.value for s in BudgetStatus]}
            ),
            QueryParameter(
                "order",
                "by the period's first day, latest first (-start) or earliest first (start)",
                {"enum": list(BUDGET_ORDERS), "default": BUDGET_ORDERS[0]},
            ),
            _limit(),
            _cursor(),
        ),
        _budgets,
        BUDGET_ROW,
    ),
)
"""The lists of the API: what the routes serve and the OpenAPI document lists."""


def query_parameters(endpoint: ListEndpoint, request: Request) -> dict[str, str]:
    """The request's query parameters for ``endpoint`` (empty ones left out); an unknown or
    repeated one is a :class:`QueryParameterError` naming it."""
    known = {parameter.name for parameter in endpoint.parameters}
    given: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in known:
            raise QueryParameterError(
                name,
                f"{endpoint.path} has no parameter {name!r} (it has: {', '.join(sorted(known))})",
            )
        if name in given:
            raise QueryParameterError(name, f"{name} is given twice")
        if value != "":
            given[name] = value
    return given


class _Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        import json

        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def query_routes(
    ops: LibOps,
    actor_of: Callable[[Request], Awaitable[Actor]],
    route: Callable[[str, Endpoint], Route],
) -> list[Route]:
    """The routes of the lists, each made with ``route`` (which answers libops errors as
    problems) and acting for the person ``actor_of`` authenticates."""

    def endpoint_of(endpoint: ListEndpoint) -> Endpoint:
        async def answer(request: Request) -> Response:
            actor = await actor_of(request)
            given = query_parameters(endpoint, request)
            page = await run_in_threadpool(endpoint.answer, ops, actor, given)
            return _Json(page.as_json())

        answer.__name__ = endpoint.operation_id
        return answer

    return [route(endpoint.path, endpoint_of(endpoint)) for endpoint in LIST_ENDPOINTS]


__all__ = [
    "BUDGET_ROW",
    "CAMPAIGN_ROW",
    "LIST_ENDPOINTS",
    "POST_ROW",
    "QUESTION_ROW",
    "ListEndpoint",
    "QueryParameter",
    "query_parameters",
    "query_routes",
]

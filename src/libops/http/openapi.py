"""The OpenAPI 3.1 document of the HTTP API, generated from the command registry.

Each command's request body is the JSON Schema of its JSON form (what
:func:`libops.application.catalogue.build` reads), derived from its attrs fields and their
types; nothing is written twice.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

import attrs

from libops.application.catalogue import all_commands, describe, result_type
from libops.application.commands import IDEMPOTENCY_KEY_MAX, Command
from libops.application.feed import DEFAULT_FEED_LIMIT, MAX_FEED_LIMIT
from libops.http.problems import PROBLEM_JSON, problem_types, status_of
from libops.http.targets import target_of

DECIMAL_PATTERN: Final = r"^-?[0-9]+(\.[0-9]+)?$"

_PROBLEM_REF: Final = {"$ref": "#/components/schemas/Problem"}


class SchemaBuilder:
    """JSON Schemas (2020-12, as OpenAPI 3.1 takes them) of Python types, with named parts."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}
        self._named: dict[type[Any], str] = {}

    def schema(self, type_: Any) -> dict[str, Any]:
        """The schema of the JSON form of ``type_``."""
        if type_ is Any or type_ is object:
            return {}
        if type_ is None or type_ is type(None):
            return {"type": "null"}
        origin = typing.get_origin(type_)
        if origin in (typing.Union, types.UnionType):
            return self._union(typing.get_args(type_))
        if origin is not None:
            return self._generic(origin, typing.get_args(type_))
        if isinstance(type_, type):
            return self._simple(type_)
        return {}

    def _simple(self, type_: type[Any]) -> dict[str, Any]:
        if type_ is bool:
            return {"type": "boolean"}
        if type_ is int:
            return {"type": "integer"}
        if type_ is float:
            return {"type": "number"}
        if type_ is str:
            return {"type": "string"}
        if type_ is Decimal:
            return {
                "type": ["string", "integer"],
                "pattern": DECIMAL_PATTERN,
                "description": 'an exact decimal, as text ("12.50") or a whole number',
            }
        if type_ is UUID:
            return {"type": "string", "format": "uuid"}
        if type_ is datetime:
            return {"type": "string", "format": "date-time"}
        if type_ is date:
            return {"type": "string", "format": "date"}
        if issubclass(type_, enum.Enum):
            return self._ref(type_, lambda: {"enum": [m.value for m in type_]})
        if attrs.has(type_):
            return self._ref(type_, lambda: self._object(type_))
        if type_ in (list, tuple, set, frozenset):
            return {"type": "array"}
        if type_ is dict:
            return {"type": "object"}
        return {}

    def _generic(self, origin: Any, args: Sequence[Any]) -> dict[str, Any]:
        if origin in (tuple,) and args and args[-1] is not Ellipsis:
            return {
                "type": "array",
                "prefixItems": [self.schema(a) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if origin in (tuple, list, set, frozenset) or (
            isinstance(origin, type) and issubclass(origin, Sequence)
        ):
            return {"type": "array", "items": self.schema(args[0]) if args else {}}
        if origin is dict or (isinstance(origin, type) and issubclass(origin, Mapping)):
            value = self.schema(args[1]) if len(args) == 2 else {}
            return {"type": "object", "additionalProperties": value}
        if origin is typing.Literal:
            return {"enum": list(args)}
        return {}

    def _union(self, members: Sequence[Any]) -> dict[str, Any]:
        present = [m for m in members if m is not type(None)]
        nullable = len(present) < len(members)
        if UUID in present and set(present) <= {UUID, str}:
            chosen = [{"type": "string", "format": "uuid", "description": "an id"}]
        elif (
            len(present) == 2
            and str in present
            and isinstance(other := next(m for m in present if m is not str), type)
            and issubclass(other, enum.Enum)
        ):
            chosen = [self.schema(other)]  # an enumeration's value, given as text
        else:
            chosen = []
            for member in present:
                found = self.schema(member)
                if found not in chosen:
                    chosen.append(found)
        if nullable:
            chosen.append({"type": "null"})
        return chosen[0] if len(chosen) == 1 else {"anyOf": chosen}

    def _ref(self, type_: type[Any], make: typing.Callable[[], dict[str, Any]]) -> dict[str, Any]:
        name = self._named.get(type_)
        if name is None:
            name = type_.__name__
            taken = {t for t, n in self._named.items() if n == name}
            if taken:
                name = f"{type_.__module__.rsplit('.', 1)[-1]}.{type_.__name__}"
            self._named[type_] = name
            self.components[name] = {}  # a placeholder while it is built (recursive types)
            built = make()
            doc = (type_.__doc__ or "").strip().split("\n\n")[0]
            if doc and "description" not in built:
                built = {**built, "description": " ".join(doc.split())}
            self.components[name] = built
        return {"$ref": f"#/components/schemas/{name}"}

    def _object(self, type_: type[Any], *, leave_out: Sequence[str] = ()) -> dict[str, Any]:
        hints = typing.get_type_hints(type_)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(type_):
            if field.name in leave_out or not field.init:
                continue
            name = field.alias or field.name.lstrip("_")
            properties[name] = self.schema(hints.get(field.name, Any))
            if field.default is attrs.NOTHING:
                required.append(name)
        found: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if required:
            found["required"] = required
        return found

    def command_body(self, command_type: type[Command[Any]]) -> dict[str, Any]:
        """The schema of a command's JSON form (its fields and the idempotency key)."""
        body = self._object(command_type, leave_out=("idempotency_key",))
        body["properties"]["idempotency_key"] = {
            "anyOf": [
                {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
                {"type": "null"},
            ],
            "description": "the same as the Idempotency-Key header",
        }
        return body


def _problem_responses(*statuses: int) -> dict[str, Any]:
    """References to the shared problem responses of ``statuses``."""
    return {str(status): {"$ref": f"#/components/responses/Problem{status}"} for status in statuses}


def _shared_problem_responses() -> dict[str, Any]:
    """One problem response per status, listing the errors answered with it."""
    names: dict[int, list[str]] = {}
    for name, error_type in problem_types().items():
        names.setdefault(status_of(error_type), []).append(name)
    for status in (400, 401, 403, 404, 409, 412, 413, 415, 422, 500, 503):
        names.setdefault(status, [])
    return {
        f"Problem{status}": {
            "description": "a problem: " + (", ".join(sorted(found)) or "see its detail"),
            "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
        }
        for status, found in sorted(names.items())
    }


_READ_PROBLEMS: Final = (400, 401, 404, 503)

_FEED_EVENT: Final = {
    "type": "object",
    "required": [
        "position",
        "kind",
        "aggregate_id",
        "version",
        "type",
        "topic",
        "recorded_at",
        "data",
    ],
    "properties": {
        "position": {"type": "integer", "minimum": 1},
        "kind": {"type": "string"},
        "aggregate_id": {"type": "string"},
        "version": {"type": "integer", "minimum": 1},
        "type": {"type": "string"},
        "topic": {"type": "string"},
        "recorded_at": {"type": "string", "format": "date-time"},
        "data": {"type": "object"},
    },
}
"""One event of the feed in its public form (docs/http.md, "The event feed")."""

_FEED_PAGE: Final = {
    "type": "object",
    "required": ["events", "next_after", "at_end"],
    "properties": {
        "events": {"type": "array", "items": _FEED_EVENT},
        "next_after": {"type": "integer", "minimum": 0},
        "at_end": {"type": "boolean"},
    },
}


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _list_paths(bearer: list[dict[str, list[str]]]) -> dict[str, Any]:
    """The lists (issue 15, queries), from the declarations their routes read."""
    from libops.http.queries import LIST_ENDPOINTS

    return {
        endpoint.path: {
            "get": {
                "operationId": endpoint.operation_id,
                "summary": endpoint.summary,
                "security": bearer,
                "parameters": [
                    _query(parameter.name, parameter.description, dict(parameter.schema))
                    for parameter in endpoint.parameters
                ],
                "responses": {
                    "200": _json_response(
                        "a page of the list",
                        {
                            "type": "object",
                            "required": ["items", "next_cursor"],
                            "properties": {
                                "items": {"type": "array", "items": dict(endpoint.row)},
                                "next_cursor": {
                                    "type": ["string", "null"],
                                    "description": "the cursor of the next page (null: none)",
                                },
                            },
                        },
                    ),
                    **_problem_responses(400, 401, 403, 422, 503),
                },
            }
        }
        for endpoint in LIST_ENDPOINTS
    }


def openapi_document(
    *, aggregate_kinds: Sequence[str], projections: Sequence[str]
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API: every command, the reads, health and problems."""
    builder = SchemaBuilder()
    paths: dict[str, Any] = {}
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    for name, spec in all_commands().items():
        info = describe(name)
        target = target_of(spec.type)
        body_schema = builder.command_body(spec.type)
        parameters = [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "the command's idempotency key: a repeat returns the first "
                "result and records nothing",
                "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
            }
        ]
        if target is not None:
            parameters.append(
                {
                    "name": "If-Match",
                    "in": "header",
                    "required": False,
                    "description": f"the version of the {target.kind} ({target.field}) the "
                    'command expects, as an ETag: "3"',
                    "schema": {"type": "string"},
                }
            )
            concurrency = (
                f"Acts on the {target.kind} named by `{target.field}`: `If-Match` checks its "
                "version, and the answer's `ETag` is its version afterwards."
            )
        else:
            concurrency = "Acts on no existing aggregate of its own: `If-Match` is refused (400)."
        statuses = [400, 401, 403, 404, 409, 413, 415, 422, 503]
        if target is not None:
            statuses.append(412)
        paths[f"/v1/commands/{name}"] = {
            "post": {
                "operationId": name,
                "summary": info.summary,
                "description": (
                    f"Roles: {', '.join(info.roles) or 'none'} "
                    f"(role-table entries: {', '.join(info.requires)}). {concurrency}"
                ),
                "tags": [name.split(".")[0]],
                "security": bearer,
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": body_schema}},
                },
                "responses": {
                    "200": _json_response(
                        f"the command's result ({info.returns})",
                        {
                            "type": "object",
                            "properties": {"result": builder.schema(result_type(spec.type))},
                            "required": ["result"],
                        },
                    ),
                    **_problem_responses(*sorted(statuses)),
                },
            }
        }
    kinds = {"type": "string", "enum": list(aggregate_kinds)}
    names = {"type": "string", "enum": list(projections)}
    any_object = {"type": "object"}
    paths.update(
        {
            "/v1/commands": {
                "get": {
                    "operationId": "list_commands",
                    "summary": "Every command: name, roles, summary and fields.",
                    "security": bearer,
                    "responses": {
                        "200": _json_response("the commands", {"type": "array"}),
                        **_problem_responses(401),
                    },
                }
            },
            "/v1/aggregates/{kind}/{id}": {
                "get": {
                    "operationId": "read_aggregate",
                    "summary": "An aggregate's public state (no personal data), with its ETag.",
                    "security": bearer,
                    "parameters": [
                        {**_path("kind", "the kind of aggregate"), "schema": kinds},
                        _path("id", "its id"),
                    ],
                    "responses": {
                        "200": _json_response("the aggregate", any_object),
                        **_problem_responses(*_READ_PROBLEMS),
                    },
                }
            },
            "/v1/views/{projection}": {
                "get": {
                    "operationId": "list_view_documents",
                    "summary": "A standard projection's documents in id order, a page at a time.",
                    "security": bearer,
                    "parameters": [
                        {**_path("projection", "the projection"), "schema": names},
                        _query("prefix", "only ids starting with this", {"type": "string"}),
                        _query("after", "the cursor: ids after this one", {"type": "string"}),
                        _query(
                            "limit",
                            "at most this many (1 to 500; 50)",
                            {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
                        ),
                    ],
                    "responses": {
                        "200": _json_response("a page of documents", any_object),
                        **_problem_responses(*_READ_PROBLEMS),
                    },
                }
            },
            "/v1/views/{projection}/{document_id}": {
                "get": {
                    "operationId": "read_view_document",
                    "summary": "One document of a standard projection's view.",
                    "security": bearer,
                    "parameters": [
                        {**_path("projection", "the projection"), "schema": names},
                        _path("document_id", "the document's id"),
                    ],
                    "responses": {
                        "200": _json_response("the document", any_object),
                        **_problem_responses(*_READ_PROBLEMS),
                    },
                }
            },
            "/v1/activity": {
                "get": {
                    "operationId": "read_activity",
                    "summary": "The activity log: who did what, when, after a sequence number.",
                    "security": bearer,
                    "parameters": [
                        _query(
                            "since",
                            "entries after this sequence number (0)",
                            {"type": "integer", "minimum": 0, "default": 0},
                        ),
                        _query(
                            "limit",
                            "at most this many (1 to 500; 50)",
                            {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
                        ),
                    ],
                    "responses": {
                        "200": _json_response("entries", any_object),
                        **_problem_responses(*_READ_PROBLEMS),
                    },
                }
            },
            "/v1/feed": {
                "get": {
                    "operationId": "read_feed",
                    "summary": "The public event feed: every event after a position, in its "
                    "public JSON form, to follow with a cursor (docs/http.md).",
                    "security": bearer,
                    "parameters": [
                        _query(
                            "after",
                            "events after this notification position (0): the `next_after` "
                            "of the page before",
                            {"type": "integer", "minimum": 0, "default": 0},
                        ),
                        _query(
                            "kinds",
                            "only these kinds of aggregate, comma-separated (post,campaign)",
                            {"type": "string"},
                        ),
                        _query(
                            "limit",
                            f"at most this many (1 to {MAX_FEED_LIMIT}; {DEFAULT_FEED_LIMIT})",
                            {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_FEED_LIMIT,
                                "default": DEFAULT_FEED_LIMIT,
                            },
                        ),
                    ],
                    "responses": {
                        "200": {
                            **_json_response("a page of the feed", _FEED_PAGE),
                            "headers": {
                                "Link": {
                                    "description": 'the next page, rel="next" (unless at_end)',
                                    "schema": {"type": "string"},
                                }
                            },
                        },
                        **_problem_responses(*_READ_PROBLEMS),
                    },
                }
            },
            "/v1/report": {
                "get": {
                    "operationId": "read_report",
                    "summary": "The evaluation report, in Markdown or self-contained HTML.",
                    "security": bearer,
                    "parameters": [
                        _query("lang", "en or zh", {"enum": ["en", "zh"], "default": "en"}),
                        _query("format", "md or html", {"enum": ["md", "html"], "default": "md"}),
                        _query("campaign_id", "one campaign only", {"type": "string"}),
                    ],
                    "responses": {
                        "200": {
                            "description": "the report",
                            "content": {
                                "text/markdown": {"schema": {"type": "string"}},
                                "text/html": {"schema": {"type": "string"}},
                            },
                        },
                        **_problem_responses(*_READ_PROBLEMS),
                    },
                }
            },
            "/v1/problems/{name}": {
                "get": {
                    "operationId": "describe_problem",
                    "summary": "What a problem type (a libops error) means. No credential needed.",
                    "parameters": [_path("name", "the error's class name")],
                    "responses": {
                        "200": _json_response("the problem type", any_object),
                        **_problem_responses(404),
                    },
                }
            },
            "/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document. No credential needed.",
                    "responses": {"200": _json_response("OpenAPI 3.1", any_object)},
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "The process is up. No credential needed.",
                    "responses": {"200": _json_response("up", any_object)},
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "readiness",
                    "summary": "The store answers; each projection's lag in events.",
                    "responses": {
                        "200": _json_response("ready", any_object),
                        **_problem_responses(503),
                    },
                }
            },
        }
    )
    paths.update(_list_paths(bearer))
    builder.components["Problem"] = {
        "type": "object",
        "description": "RFC 9457 problem details, naming the libops error (and field).",
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "error": {"type": "string"},
            "field": {"type": "string"},
        },
        "required": ["type", "title", "status"],
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "libops",
            "version": "1",
            "description": "libops's HTTP API: every command as a POST of its JSON form, reads "
            "of aggregates, views, the activity log, the event feed and the report (docs/http.md).",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(builder.components.items())),
            "responses": _shared_problem_responses(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }

"""The reference of libops's public schema, written from the code: ``docs/reference.md``.

Every command with its fields and roles, every stored event with its fields, every standard
view's documents, and every error with what it means. ``python -m libops.reference`` prints
it; the test suite checks that ``docs/reference.md`` is what it prints today.
"""

from __future__ import annotations

import inspect
import json
import sys
import textwrap
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from eventsourcing.domain import Aggregate, CanMutateAggregate

from libops.application.catalogue import all_commands, describe, plain_markup, type_text
from libops.application.commands import CommandMethod
from libops.domain import errors
from libops.domain.access import DataAccess
from libops.domain.budget import Budget
from libops.domain.calendar import PlatformCalendar
from libops.domain.campaign import Campaign
from libops.domain.checkpoint import Checkpoint
from libops.domain.idempotency import IdempotencyRecord
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.moderation import ConductRecord
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.personal import DataSubject
from libops.domain.post import Post
from libops.domain.risk import Risk
from libops.domain.standing import Standing
from libops.projections.standard import standard_projections
from libops.projections.views import Projection

AGGREGATES: tuple[type[Aggregate], ...] = (
    Campaign,
    Post,
    PlatformCalendar,
    Budget,
    Risk,
    Question,
    ReadingSession,
    Contest,
    ConductRecord,
    DataSubject,
    DataAccess,
    Standing,
    Checkpoint,
    IdempotencyRecord,
)
"""The aggregates whose events libops stores, in the order the reference lists them."""

_EVENT_BASE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}

HEADER = """\
# libops reference

Written from the code by `python -m libops.reference > docs/reference.md`; a test checks
that this file is current. [Concepts](concepts.md) explains how commands, events and
projections fit together.

- [Commands](#commands): what can be asked of libops, with its fields and who may ask it.
- [Events](#events): what libops stores, by aggregate, under a topic that never changes.
- [Standard views](#standard-views): the documents each standard projection keeps.
- [Errors](#errors): what each error means; every one derives from `LibopsError`.
"""


def render() -> str:
    """The whole reference, as Markdown."""
    parts = [HEADER, _commands(), _events(), _views(), _errors()]
    return "\n".join(part.rstrip() + "\n" for part in parts)


# --- commands ------------------------------------------------------------------------------


def _commands() -> str:
    lines = [
        "## Commands",
        "",
        "Each command is a frozen class (`from libops import PlanCampaign`) carried out by",
        "`ops.execute(actor, command)` or by the service method named beside it; from plain",
        "JSON, `build_command(name, data)` makes it. Every command also takes",
        "`idempotency_key` (text, optional, keyword-only): repeated with the same key by the",
        "same person, it returns the first result and records nothing. Ids may be given as a",
        "UUID or its text. *Roles* are those of the role table that may give the command.",
        "",
    ]
    services = _service_methods()
    for name, spec in all_commands().items():
        lines += _command(name, services.get(spec.type, ""))
    return "\n".join(lines)


def _service_methods() -> dict[type[Any], str]:
    """The typed method (``ops.campaigns.plan``) of each command, from the services on LibOps."""
    from libops.bootstrap import LibOps

    found: dict[type[Any], str] = {}
    with LibOps.open("memory://") as ops:
        services = {name: type(value) for name, value in vars(ops).items()}
    for attribute, service in services.items():
        for method, value in vars(service).items():
            command_type = getattr(value, "command_type", None)
            if isinstance(value, CommandMethod) and command_type is not None:
                found[command_type] = f"ops.{attribute}.{method}"
    return found


def _command(name: str, method: str) -> list[str]:
    info = describe(name)
    entries = (
        f" (role-table entries: {', '.join(info.requires)})" if info.requires != (name,) else ""
    )
    lines = [
        f"### `{name}`: {info.class_name}",
        "",
        info.summary,
        "",
        f"- returns: {_code(info.returns)}",
        f"- roles: {', '.join(info.roles)}{entries}",
    ]
    if method:
        lines.append(f"- method: `{method}(actor, ...)`")
    lines += ["", "| field | type | default |", "|---|---|---|"]
    for field in info.fields:
        default = (
            "required" if field.required else _code(json.dumps(field.default, ensure_ascii=False))
        )
        where = " (keyword)" if field.keyword else ""
        lines.append(f"| `{field.name}`{where} | {_code(field.type)} | {default} |")
    return [*lines, ""]


def _code(text: str) -> str:
    """Text as inline code in a table cell (a pipe there would end the cell)."""
    return f"`{text}`".replace("|", "\\|")


# --- events --------------------------------------------------------------------------------


def _events() -> str:
    lines = [
        "## Events",
        "",
        "Stored under the topic shown, which never changes; a field added later is optional",
        "or filled in by an upcaster. Every event also has `originator_id` (the aggregate's",
        "id), `originator_version` and `timestamp`.",
        "",
    ]
    for aggregate in AGGREGATES:
        lines += [f"### {aggregate.__name__}", "", _first_paragraph(aggregate.__doc__), ""]
        lines += ["| event | topic | fields |", "|---|---|---|"]
        for event_class in _event_classes(aggregate):
            fields = ", ".join(
                f"`{name}: {kind}`".replace("|", "\\|")
                for name, kind in _event_fields(event_class).items()
                if name not in _EVENT_BASE_FIELDS
            )
            lines.append(f"| {event_class.__name__} | `{event_class.TOPIC}` | {fields or '—'} |")
        lines.append("")
    return "\n".join(lines)


def _event_classes(aggregate: type[Aggregate]) -> Iterator[Any]:
    for name, value in vars(aggregate).items():
        topic = str(getattr(value, "TOPIC", ""))
        if (
            inspect.isclass(value)
            and issubclass(value, CanMutateAggregate)
            and name != "Event"
            and topic.endswith(f".{name}")
        ):
            yield value


def _event_fields(event_class: type[Any]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for klass in reversed(event_class.__mro__):
        if klass.__module__.startswith("libops"):
            for name, kind in getattr(klass, "__annotations__", {}).items():
                if name.isidentifier() and not name.isupper() and not name.startswith("_"):
                    fields[name] = type_text(kind)
    return fields


# --- views ---------------------------------------------------------------------------------


def _views() -> str:
    lines = [
        "## Standard views",
        "",
        "Each standard projection keeps one view, named as shown; `ops.projections.view(name)`",
        "reads it. Documents are JSON objects under the keys listed; amounts are decimal text.",
        "",
    ]
    for projection in standard_projections():
        lines += _view(projection)
    return "\n".join(lines)


def _view(projection: Projection) -> list[str]:
    klass = type(projection)
    module = sys.modules[klass.__module__]
    documents = _documents_section(klass.__doc__) or _documents_section(module.__doc__)
    return [
        f"### `{projection.name}`: {klass.__name__}",
        "",
        _first_paragraph(klass.__doc__),
        "",
        documents or _first_paragraph(module.__doc__),
        "",
        "Events it reads: " + ", ".join(f"`{t}`" for t in sorted(klass.topics())) + ".",
        "",
    ]


def _documents_section(doc: str | None) -> str:
    paragraphs = _paragraphs(doc)
    for index, paragraph in enumerate(paragraphs):
        if "Documents" in paragraph:
            section = [paragraph[paragraph.index("Documents") :]]
            for following in paragraphs[index + 1 :]:
                if not following.startswith("- "):
                    break
                section.append(following)
            return "\n\n".join(section)
    return ""


# --- errors --------------------------------------------------------------------------------


def _errors() -> str:
    lines = [
        "## Errors",
        "",
        "A command that raises records nothing. Errors are grouped by what they derive from;",
        "catch `LibopsError` for all of them.",
        "",
        "| error | derives from | meaning |",
        "|---|---|---|",
    ]
    for name, error in _error_classes(errors):
        bases = ", ".join(f"`{b.__name__}`" for b in error.__bases__)
        lines.append(f"| `{name}` | {bases} | {_first_paragraph(error.__doc__)} |")
    return "\n".join(lines)


def _error_classes(module: ModuleType) -> list[tuple[str, type[Exception]]]:
    # A package lists its errors, in order, in ``__all__``; they live in its modules.
    names = getattr(module, "__all__", None) or list(vars(module))
    return [
        (name, value)
        for name in names
        if inspect.isclass(value := getattr(module, name))
        and issubclass(value, Exception)
        and value.__module__.split(".")[: module.__name__.count(".") + 1]
        == module.__name__.split(".")
    ]


# --- text ----------------------------------------------------------------------------------


def _paragraphs(doc: str | None) -> list[str]:
    text = plain_markup(inspect.cleandoc(doc or ""))
    return [
        " ".join(p.split()) if not p.lstrip().startswith("- ") else _list_item(p)
        for p in text.split("\n\n")
        if p.strip()
    ]


def _list_item(paragraph: str) -> str:
    items = textwrap.dedent(paragraph).strip().split("\n- ")
    return "\n".join("- " + " ".join(item.removeprefix("- ").split()) for item in items)


def _first_paragraph(doc: str | None) -> str:
    paragraphs = _paragraphs(doc)
    return paragraphs[0] if paragraphs else ""


def main() -> None:
    """Print the reference (``python -m libops.reference > docs/reference.md``)."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()

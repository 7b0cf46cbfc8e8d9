"""The reference of libops's public schema, written from the code: ``docs/reference.md``.

Every command with its fields and roles, every stored event with its fields, every standard
view's documents, and every error with what it means. ``python -m libops.reference`` prints
it; the test suite checks that ``docs/reference.md`` is what it prints today.
"""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
import typing
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import attrs
from eventsourcing.domain import Aggregate, CanMutateAggregate

from libops.application.catalogue import all_commands
from libops.application.commands import Command, CommandSpec
from libops.domain import errors
from libops.domain.budget import Budget
from libops.domain.calendar import PlatformCalendar
from libops.domain.campaign import Campaign
from libops.domain.idempotency import IdempotencyRecord
from libops.domain.interaction.contest import Contest
from libops.domain.interaction.moderation import ConductRecord
from libops.domain.interaction.qa import Question
from libops.domain.interaction.reading import ReadingSession
from libops.domain.personal import DataSubject
from libops.domain.post import Post
from libops.domain.risk import Risk
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
        lines += _command(name, spec, services.get(spec.type, ""))
    return "\n".join(lines)


def _service_methods() -> dict[type[Any], str]:
    from libops.application import (
        budgets,
        campaigns,
        interactions,
        posts,
        privacy,
        publishing,
        risks,
    )

    found: dict[type[Any], str] = {}
    services = {
        "budgets": budgets.BudgetService,
        "campaigns": campaigns.CampaignService,
        "contests": interactions.ContestService,
        "moderation": interactions.ModerationService,
        "questions": interactions.QuestionService,
        "sessions": interactions.ReadingSessionService,
        "posts": posts.PostService,
        "privacy": privacy.PersonalDataService,
        "publishing": publishing.PublishingService,
        "risks": risks.RiskService,
    }
    for attribute, service in services.items():
        for method, value in vars(service).items():
            command_type = getattr(value, "command_type", None)
            if command_type is not None:
                found[command_type] = f"ops.{attribute}.{method}"
    return found


def _command(name: str, spec: CommandSpec, method: str) -> list[str]:
    command_type = spec.type
    roles = ", ".join(sorted(role.value for role in spec.roles))
    lines = [
        f"### `{name}`: {command_type.__name__}",
        "",
        _first_paragraph(command_type.__doc__),
        "",
        f"- returns: {_type_text(_result_type(command_type))}",
        f"- roles: {roles}"
        + (
            f" (role-table entries: {', '.join(spec.requires)})" if spec.requires != (name,) else ""
        ),
    ]
    if method:
        lines.append(f"- method: `{method}(actor, ...)`")
    lines += ["", "| field | type | default |", "|---|---|---|"]
    for field in attrs.fields(command_type):
        if field.name == "idempotency_key":
            continue
        default = "required" if field.default is attrs.NOTHING else _default_text(field.default)
        where = " (keyword)" if field.kw_only else ""
        kind = _type_text(field.type).replace("|", "\\|")
        lines.append(f"| `{field.name}`{where} | {kind} | {default} |")
    return [*lines, ""]


def _result_type(command_type: type[Command[Any]]) -> Any:
    for klass in command_type.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = typing.get_origin(base)
            if isinstance(origin, type) and issubclass(origin, Command):
                (result,) = typing.get_args(base)
                if not isinstance(result, typing.TypeVar):
                    return result
    return Any


def _default_text(value: Any) -> str:
    if isinstance(value, attrs.Factory):  # type: ignore[arg-type]  # attrs' own marker
        return "empty"
    if hasattr(value, "value") and type(value).__module__.startswith("libops"):
        return f"`{value.value}`"
    return f"`{value!r}`"


def _type_text(type_: Any) -> str:
    if isinstance(type_, str):
        text = type_
    elif type_ is None or type_ is type(None):
        text = "None"
    elif isinstance(type_, type) and not typing.get_args(type_):
        text = type_.__name__
    else:
        text = repr(type_).replace("typing.", "")
        for prefix in ("uuid.", "datetime.", "decimal."):
            text = text.replace(prefix, "")
        text = _strip_modules(text)
    return f"`{text}`"


def _strip_modules(text: str) -> str:
    words = []
    for word in text.replace("[", " [ ").replace("]", " ] ").replace(",", " , ").split():
        words.append(word.rsplit(".", 1)[-1] if "." in word and word[0].isalpha() else word)
    return (
        " ".join(words)
        .replace(" [ ", "[")
        .replace(" ] ", "]")
        .replace(" ]", "]")
        .replace(" , ", ", ")
    )


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
                    fields[name] = kind if isinstance(kind, str) else _type_text(kind).strip("`")
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
    return [
        (name, value)
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, Exception)
        and value.__module__ == module.__name__
    ]


# --- text ----------------------------------------------------------------------------------


def _markdown(text: str) -> str:
    """Docstring markup as Markdown: ``:class:`~a.B``` and ````x```` become `B` and `x`."""
    text = re.sub(r":[a-z]+:`~?(?:[\w.]+\.)?([\w]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _paragraphs(doc: str | None) -> list[str]:
    text = _markdown(inspect.cleandoc(doc or ""))
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

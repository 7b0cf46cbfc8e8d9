"""What the stored schema consists of: every aggregate in libops.domain and its event classes.

Tests use this to make sure that every event class is covered by a golden file and that every
value type an event carries is registered under a fixed name. It finds aggregates by importing
every module under ``libops.domain``, so a new aggregate is covered without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

from eventsourcing.domain import BaseAggregate, CanMutateAggregate
from eventsourcing.utils import resolve_topic

import libops.domain


def domain_modules() -> list[ModuleType]:
    """Every module of the ``libops.domain`` package, imported."""
    modules = [libops.domain]
    for info in pkgutil.walk_packages(libops.domain.__path__, prefix="libops.domain."):
        modules.append(importlib.import_module(info.name))
    return modules


def aggregate_classes() -> list[type[BaseAggregate[Any]]]:
    """Every aggregate class defined in ``libops.domain``, sorted by topic."""
    found: dict[str, type[BaseAggregate[Any]]] = {}
    for module in domain_modules():
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseAggregate)
                and value.__module__ == module.__name__
            ):
                found[str(getattr(value, "TOPIC", value.__qualname__))] = value
    return [found[topic] for topic in sorted(found)]


def recorded_event_classes(aggregate: type[object]) -> list[type[CanMutateAggregate[Any]]]:
    """The event classes an aggregate records: nested event classes whose topic names them.

    The base ``Event`` class and the ``Created`` class eventsourcing defines on every
    aggregate (which only inherits the base class's topic) are never recorded.
    """
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, CanMutateAggregate)
        and name != "Event"
        and _topic_names(value, name)
    ]


def _topic_names(event_class: type[object], name: str) -> bool:
    topic = str(getattr(event_class, "TOPIC", ""))
    return topic.rpartition(".")[2] == name and resolve_topic(topic) is event_class

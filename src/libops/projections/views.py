"""The public API of custom projections: ``Projection``, ``@handles`` and the ``View``.

A projection is a class naming the events it handles and how each changes its view. It does
no I/O: the engine reads the events, hands them to the projection's handlers with a
:class:`View`, and writes the documents the batch changed together with its position.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, Final, TypeVar

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from libops.domain.errors import InvalidValueError

F = TypeVar("F", bound=Callable[..., None])

_HANDLES: Final = "__libops_handles__"
_DELETED: Final = object()


def event_topic(event_class: type[Any]) -> str:
    """The topic an event class is stored under (its ``TOPIC``, as libops events declare)."""
    if not isinstance(event_class, type):
        raise InvalidValueError(f"{event_class!r} is not an event class")
    topic = getattr(event_class, "TOPIC", None)
    return topic if isinstance(topic, str) and topic else get_topic(event_class)


def handles(*event_classes: type[Any]) -> Callable[[F], F]:
    """Mark a method of a :class:`Projection` as the handler of ``event_classes``.

    The method is called as ``handler(self, event, view)`` for each such event, in log order.
    """
    if not event_classes:
        raise InvalidValueError("@handles needs at least one event class")
    topics = tuple(event_topic(cls) for cls in event_classes)

    def mark(method: F) -> F:
        setattr(method, _HANDLES, (*getattr(method, _HANDLES, ()), *topics))
        return method

    return mark


class Projection:
    """Subclass it: give it a ``name`` and ``@handles(...)`` methods that change the view.

    Handlers must change only the view they are given (no I/O, no other state that grows):
    the engine may apply a batch, fail to commit it and apply it again.
    """

    name: ClassVar[str] = ""
    """The projection's name: its documents and its position are stored under it."""

    _handlers: ClassVar[Mapping[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[str, str] = dict(cls._handlers)
        for attribute, value in vars(cls).items():
            for topic in getattr(value, _HANDLES, ()):
                handlers[topic] = attribute
        cls._handlers = handlers

    @classmethod
    def topics(cls) -> tuple[str, ...]:
        """The topics of the events this projection handles, in a stable order."""
        return tuple(sorted(cls._handlers))

    def apply(self, topic: str, event: DomainEventProtocol[Any], view: View) -> None:
        """Give ``event`` (stored under ``topic``) to its handler."""
        getattr(self, self._handlers[topic])(event, view)


def check_projection(projection: Projection) -> None:
    """Refuse a projection without a name or without handlers, before it runs."""
    if not isinstance(projection, Projection):
        raise InvalidValueError(f"{projection!r} is not a libops Projection")
    name = type(projection).name
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidValueError(
            f"{type(projection).__name__} needs a class attribute `name` (1 to 200 characters)"
        )
    if not projection.topics():
        raise InvalidValueError(
            f"projection {name!r} handles no events: mark a method with @handles(Event)"
        )


def encode(value: Any) -> str:
    """A document as JSON text, or :class:`InvalidValueError` if it is not plain JSON."""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidValueError(
            f"a view document must be plain JSON (dict, list, str, int, float, bool, None): "
            f"{error}"
        ) from None


class View:
    """The documents of one projection, by key, as a batch of events changes them.

    ``get`` reads a document (a copy: change it with ``put``, ``update``, ``increment`` or
    ``delete``). Only the documents a batch touches are held, so memory follows the batch,
    not the number of events.
    """

    def __init__(self, name: str, load: Callable[[str], Any | None]) -> None:
        self.name = name
        self._load = load
        # Documents are held as their JSON text: decoding it (in C) hands out a fresh copy
        # faster than copy.deepcopy, and a changed document is encoded once, when put.
        self._loaded: dict[str, Any] = {}
        self._changed: set[str] = set()

    def _current(self, key: str) -> Any:
        if not isinstance(key, str) or not key:
            raise InvalidValueError(f"a view key must be non-empty text, not {key!r}")
        if key not in self._loaded:
            found = self._load(key)
            self._loaded[key] = _DELETED if found is None else encode(found)
        return self._loaded[key]

    def get(self, key: str, default: Any = None) -> Any:
        """The document at ``key`` (a copy), or ``default`` if there is none."""
        text = self._current(key)
        return default if text is _DELETED else json.loads(text)

    def __contains__(self, key: str) -> bool:
        return self._current(key) is not _DELETED

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (plain JSON, not ``None``) at ``key``."""
        self._current(key)
        if value is None:
            raise InvalidValueError("a view document cannot be None: use delete(key)")
        self._loaded[key] = encode(value)
        self._changed.add(key)

    def update(self, key: str, **fields: Any) -> None:
        """Set ``fields`` of the dict document at ``key`` (created empty if missing)."""
        document = self.get(key, {})
        if not isinstance(document, dict):
            raise InvalidValueError(f"the document at {key!r} is not a dict")
        document.update(fields)
        self.put(key, document)

    def increment(self, key: str, by: int | float = 1, *, field: str | None = None) -> None:
        """Add ``by`` to the number at ``key`` (or to its dict's ``field``); missing is 0."""
        if isinstance(by, bool) or not isinstance(by, int | float):
            raise InvalidValueError(f"increment by a number, not {by!r}")
        if field is None:
            number = self.get(key, 0)
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise InvalidValueError(f"the document at {key!r} is not a number")
            self.put(key, number + by)
            return
        document = self.get(key, {})
        if not isinstance(document, dict):
            raise InvalidValueError(f"the document at {key!r} is not a dict")
        number = document.get(field, 0)
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise InvalidValueError(f"{field!r} of the document at {key!r} is not a number")
        document[field] = number + by
        self.put(key, document)

    def delete(self, key: str) -> None:
        """Remove the document at ``key`` (nothing happens if there is none)."""
        if self._current(key) is not _DELETED:
            self._loaded[key] = _DELETED
            self._changed.add(key)

    def changes(self) -> dict[str, str | None]:
        """The changed documents as JSON text by key; ``None`` for a deleted one."""
        return {
            key: None if self._loaded[key] is _DELETED else self._loaded[key]
            for key in sorted(self._changed)
        }


def documents(rows: Iterator[tuple[str, str]]) -> Iterator[tuple[str, Any]]:
    """Decode ``(key, JSON text)`` rows."""
    for key, text in rows:
        yield key, json.loads(text)

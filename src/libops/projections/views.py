"""The public API of custom projections: ``Projection``, ``@handles`` and the ``View``.

A projection is a class naming the events it handles and how each changes its view. It does
no I/O: the engine reads the events, hands them to the projection's handlers with a
:class:`View`, and writes the documents the batch changed together with its position.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, ClassVar, Final, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from libops.domain.bulk import MetricImport
from libops.domain.cadence import DEFAULT_TIMEZONE
from libops.domain.errors import InvalidValueError
from libops.domain.post import Post

F = TypeVar("F", bound=Callable[..., None])

_HANDLES: Final = "__libops_handles__"
_DELETED: Final = object()
_INF: Final = float("inf")


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


def _batch_rows(batch: MetricImport.BatchRecorded) -> Iterator[tuple[str, Any]]:
    for single in batch.snapshot_events():
        yield single.TOPIC, single


Expansion = Callable[[Any], Iterable[tuple[str, Any]]]
"""Turns an event that stands for many into those events, each with its topic."""

EXPANDED: Final[Mapping[str, tuple[frozenset[str], Expansion]]] = {
    MetricImport.BatchRecorded.TOPIC: (
        frozenset({Post.MetricsRecorded.TOPIC, Post.MetricsCorrected.TOPIC}),
        _batch_rows,
    ),
}
"""The events that stand for many others, by topic: the topics they stand for, and how to
expand one. A bulk import's ``MetricImport.BatchRecorded`` stands for the
``Post.MetricsRecorded`` (or ``Post.MetricsCorrected``) event of each of its rows. A
projection that names the batch class in :attr:`Projection.expands` reads the batches and
is given each row as its event, so its view is the same whichever path recorded the
snapshots; the engine expands a batch once for all such projections."""


class Projection:
    """Subclass it: give it a ``name`` and ``@handles(...)`` methods that change the view.

    Handlers must change only the view they are given (no I/O, no other state that grows):
    the engine may apply a batch, fail to commit it and apply it again.
    """

    name: ClassVar[str] = ""
    """The projection's name: its documents and its position are stored under it."""

    apply_cost: ClassVar[float] = 0.5
    """How long applying one event takes (handler, batch work and writing the documents),
    against reading and decoding one event as 1.0. Used only to share projections out
    between worker processes (``engine.run(workers=N)``); the standard projections set what
    was measured for them."""

    expands: ClassVar[tuple[type[Any], ...]] = ()
    """Events that stand for many others (:data:`EXPANDED`) to read as those others: each is
    given to the handlers of the events it stands for, never to a handler of its own."""

    _handlers: ClassVar[Mapping[str, str]] = {}
    _expanded: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[str, str] = dict(cls._handlers)
        for attribute, value in vars(cls).items():
            for topic in getattr(value, _HANDLES, ()):
                handlers[topic] = attribute
        cls._handlers = handlers
        cls._expanded = frozenset(event_topic(event_class) for event_class in cls.expands)

    @classmethod
    def topics(cls) -> tuple[str, ...]:
        """The topics of the events this projection reads, in a stable order: those it
        handles, and those it :attr:`expands`."""
        return tuple(sorted({*cls._handlers, *cls._expanded}))

    @classmethod
    def expanded_topics(cls) -> frozenset[str]:
        """The topics of the events this projection :attr:`expands`."""
        return cls._expanded

    def apply(self, topic: str, event: DomainEventProtocol[Any], view: View) -> None:
        """Give ``event`` (stored under ``topic``) to its handler."""
        self.handler(topic)(event, view)

    def handler(self, topic: str) -> Callable[[Any, View], None]:
        """The function that handles events stored under ``topic``: the bound method, or for
        an expanded topic one that gives each event it stands for to its handler."""
        if topic in self._expanded:
            expand = EXPANDED[topic][1]

            def expanded(event: Any, view: View) -> None:
                for single_topic, single in expand(event):
                    if single_topic in self._handlers:
                        getattr(self, self._handlers[single_topic])(single, view)

            return expanded
        method: Callable[[Any, View], None] = getattr(self, self._handlers[topic])
        return method

    def before_commit(self, view: View) -> None:
        """Called once per batch, after its events were applied, before it is written.

        Override it to work out derived figures once per batch rather than once per event
        (``view.touched()`` lists the documents the batch read or changed). Like a handler,
        it must change only the view.
        """


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
    handled = set(type(projection)._handlers)
    for topic in sorted(projection.expanded_topics()):
        if topic not in EXPANDED:
            raise InvalidValueError(
                f"projection {name!r} expands {topic}, which stands for no other events "
                f"(these do: {', '.join(sorted(EXPANDED))})"
            )
        if topic in handled or handled.isdisjoint(EXPANDED[topic][0]):
            raise InvalidValueError(
                f"projection {name!r} expands {topic}: it must handle one of the events that "
                f"stands for ({', '.join(sorted(EXPANDED[topic][0]))}) and not {topic} itself"
            )


# Keys are written in the document's own order, not sorted: a document read back has the
# order of its text, so one left unchanged encodes to the same text, and sorting every
# document's keys again at every commit cost a fifth of encoding them.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, sort_keys=False, allow_nan=False)


def _make_fast_encoder() -> Callable[[Any, int], Any] | None:
    """The C encoder ``_ENCODER.encode`` builds anew for every call (the same settings, so
    the same text), built once: a document's text in half the time. None without the C
    accelerator (``encode`` then uses ``_ENCODER``).

    It keeps its record of the containers it is inside (``check_circular``): without it, a
    document that contains itself would recurse until the recursion limit, and on Python
    3.11 a process that raised the limit overflows the C stack first and crashes."""
    if c_make_encoder is None:  # pragma: no cover - CPython has it
        return None
    made: Callable[[Any, int], Any] = c_make_encoder(
        {},  # circular references are refused, as with check_circular
        _ENCODER.default,
        encode_basestring,
        None,
        _ENCODER.key_separator,
        _ENCODER.item_separator,
        False,  # sort_keys
        False,  # skipkeys
        False,  # allow_nan
    )
    return made


_fast_encoder = _make_fast_encoder()


_UUID_TEXTS: dict[UUID, str] = {}
_UUID_TEXTS_KEPT: Final = 16_384


def uuid_text(value: UUID) -> str:
    """``str(value)``, remembered: projections key their documents by aggregate ids, and the
    same id comes by again and again (each of an event's handlers turns it into text). The
    last few thousand ids are kept (about 1 MB), then the cache starts afresh."""
    text = _UUID_TEXTS.get(value)
    if text is None:
        if len(_UUID_TEXTS) >= _UUID_TEXTS_KEPT:
            _UUID_TEXTS.clear()
        text = _UUID_TEXTS[value] = str(value)
    return text


LOCAL_ZONE: Final = ZoneInfo(DEFAULT_TIMEZONE)
"""The library's time zone, whose calendar days the standard projections count in."""

_LOCAL_DAYS: dict[datetime, tuple[date, str]] = {}
_LOCAL_DAYS_KEPT: Final = 4_096


def _local(moment: datetime) -> tuple[date, str]:
    # Several projections ask for the day of the same moment (an event's time, a post's
    # publication): it is worked out once. The last few thousand are kept.
    day = moment.astimezone(LOCAL_ZONE).date()
    found = (day, day.isoformat())
    if not moment.fold:  # the second of a repeated hour equals the first: never remembered
        if len(_LOCAL_DAYS) >= _LOCAL_DAYS_KEPT:
            _LOCAL_DAYS.clear()
        _LOCAL_DAYS[moment] = found
    return found


def local_date(moment: datetime) -> date:
    """The calendar day of ``moment`` in the library's time zone (Asia/Shanghai)."""
    # The remembered day is looked up here, a call fewer: this runs for most events.
    found = None if moment.fold else _LOCAL_DAYS.get(moment)
    return (found or _local(moment))[0]


def local_day(moment: datetime) -> str:
    """The calendar day (ISO text) of ``moment`` in the library's time zone (Asia/Shanghai)."""
    found = None if moment.fold else _LOCAL_DAYS.get(moment)
    return (found or _local(moment))[1]


def encode(value: Any) -> str:
    """A document as JSON text, or :class:`InvalidValueError` if it is not plain JSON."""
    global _fast_encoder
    try:
        if _fast_encoder is None:  # pragma: no cover - CPython has it
            return _ENCODER.encode(value)
        return "".join(_fast_encoder(value, 0))
    except (TypeError, ValueError, RecursionError) as error:
        # A failure may leave the encoder's record of the containers it is inside behind.
        _fast_encoder = _make_fast_encoder()
        if isinstance(error, RecursionError):
            raise InvalidValueError(
                "a view document must be plain JSON: this one is nested too deeply to encode"
            ) from None
        raise InvalidValueError(
            f"a view document must be plain JSON (dict, list, str, int, float, bool, None): {error}"
        ) from None


_UNKNOWN: Final = object()
"""The stored text of a document not read yet (put without reading it first)."""

DEFAULT_CACHE_SIZE: Final = 250_000
"""How much a view remembers between batches of one run: the stored texts' length in
characters (plus 100 a document): about 250 KB of text and a few MB of decoded documents."""

_ENTRY_COST: Final = 100

_LARGE_SHARE: Final = 8
"""A document whose text is over ``cache_size // 8`` characters is *large*: the large
documents the latest batch used are kept when the view forgets documents to keep within
``cache_size``, up to :data:`_LARGE_KEPT` times ``cache_size`` of them (so a view holds at
most ``cache_size`` of other documents and that much more of large ones; with a
``cache_size`` under 8 nothing is large)."""

_LARGE_KEPT: Final = 16
"""How many times ``cache_size`` of large documents a view may keep beyond it (4 MB of text
with the default bound: a few topics' days or people's actions over years)."""

_PLAIN: Final = (dict, list, str, int, float)


class _KeyFilter:
    """A Bloom filter of keys (2**20 bits, two hashes): ``key in f`` is never false for a key
    added, and rarely true for one that was not (about 2% with 100,000 keys)."""

    _BITS: Final = 20
    _MASK: Final = (1 << 20) - 1

    def __init__(self) -> None:
        self._bits = bytearray(1 << (self._BITS - 3))

    def add(self, key: str) -> None:
        code = hash(key)
        first, second = code & self._MASK, (code >> self._BITS) & self._MASK
        bits = self._bits
        bits[first >> 3] |= 1 << (first & 7)
        bits[second >> 3] |= 1 << (second & 7)

    def __contains__(self, key: str) -> bool:
        code = hash(key)
        first, second = code & self._MASK, (code >> self._BITS) & self._MASK
        bits = self._bits
        return bool(bits[first >> 3] & (1 << (first & 7))) and bool(
            bits[second >> 3] & (1 << (second & 7))
        )


class View:
    """The documents of one projection, by key, as a batch of events changes them.

    ``get`` returns the document itself: change it in place (``put`` it back, or not: every
    document a batch read or changed is compared with its stored text when the batch
    commits, and written if it differs). Within a batch, repeated ``get`` calls return the
    same object; store a copy, never the same object, under a second key. Documents must be
    plain JSON; a value that is not is refused when the batch commits (or at ``put``, for a
    top-level value), with the projection and key named. Keys are written in the document's
    own order; a tuple inside a document is written as a list (read from the store it is a
    list, but within one run the view may hand the same tuple back).

    Views are made by the engine. Between batches of one run a view remembers the most
    recently used documents (decoded and as stored text) up to ``cache_size`` characters of
    text, so memory follows the batch and the cache, not the number of events; the large
    documents (over an eighth of ``cache_size``) the latest batch used are kept beyond it,
    up to 16 times ``cache_size`` of them, as reading and decoding them again each batch
    would cost most. Because a remembered document is handed out again as the same object,
    a document must never share an object with another document (put a copy); two keys
    holding the same object are refused at commit.
    """

    def __init__(
        self,
        name: str,
        load: Callable[[str], str | None],
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
        empty: bool = False,
    ) -> None:
        self.name = name
        self._load = load
        self._cache_size = cache_size
        # Known to start empty (position 0): a filter of the keys written since then tells
        # which documents cannot exist, so looking for them needs no read of the store.
        self._written: _KeyFilter | None = _KeyFilter() if empty else None
        self._cached = 0  # characters remembered, with _ENTRY_COST a document
        self._texts: dict[str, str | None] = {}  # key -> committed JSON text (None: no doc)
        self._objects: dict[str, Any] = {}  # key -> committed document, decoded
        self._live: dict[str, Any] = {}  # key -> this batch's document (_DELETED: none)

    def _doc(self, key: str) -> Any:
        live = self._live
        if key in live:
            return live[key]
        if type(key) is not str or not key:
            raise InvalidValueError(f"a view key must be non-empty text, not {key!r}")
        objects = self._objects
        if key in objects:
            # The committed document itself: if this batch fails, abandon() forgets it.
            document = live[key] = objects[key]
            return document
        texts = self._texts
        if key in texts:
            text = texts[key]
        else:
            written = self._written
            text = texts[key] = self._load(key) if written is None or key in written else None
            self._cached += _ENTRY_COST + len(text or "")  # remembered from now on
        document = live[key] = _DELETED if text is None else json.loads(text)
        return document

    def get(self, key: str, default: Any = None) -> Any:
        """The document at ``key`` (the view's own: changes to it are saved), or ``default``.

        ``default`` is returned as it is, not stored: ``put`` it to keep it.
        """
        live = self._live
        document = live[key] if key in live else self._doc(key)
        return default if document is _DELETED else document

    def __contains__(self, key: str) -> bool:
        return self._doc(key) is not _DELETED

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (plain JSON, not ``None``) at ``key``."""
        if type(key) is not str or not key:
            raise InvalidValueError(f"a view key must be non-empty text, not {key!r}")
        if value is None:
            raise InvalidValueError("a view document cannot be None: use delete(key)")
        if not isinstance(value, _PLAIN) or (
            type(value) is float and (value != value or value in (_INF, -_INF))
        ):
            # Nested values are checked when the batch commits; the top level is cheap.
            encode(value)
        self._live[key] = value

    def update(self, key: str, **fields: Any) -> None:
        """Set ``fields`` of the dict document at ``key`` (created empty if missing)."""
        document = self._doc(key)
        if document is _DELETED:
            document = self._live[key] = {}
        elif not isinstance(document, dict):
            raise InvalidValueError(f"the document at {key!r} is not a dict")
        document.update(fields)

    def increment(self, key: str, by: int | float = 1, *, field: str | None = None) -> None:
        """Add ``by`` to the number at ``key`` (or to its dict's ``field``); missing is 0."""
        if isinstance(by, bool) or not isinstance(by, int | float):
            raise InvalidValueError(f"increment by a number, not {by!r}")
        document = self._doc(key)
        if field is None:
            number = 0 if document is _DELETED else document
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise InvalidValueError(f"the document at {key!r} is not a number")
            self._live[key] = number + by
            return
        if document is _DELETED:
            document = {}
        elif not isinstance(document, dict):
            raise InvalidValueError(f"the document at {key!r} is not a dict")
        number = document.get(field, 0)
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise InvalidValueError(f"{field!r} of the document at {key!r} is not a number")
        document[field] = number + by
        self._live[key] = document

    def delete(self, key: str) -> None:
        """Remove the document at ``key`` (nothing happens if there is none)."""
        if self._doc(key) is not _DELETED:
            self._live[key] = _DELETED

    def touched(self) -> list[str]:
        """The keys this batch has read or changed so far, in the order first touched."""
        return list(self._live)

    def touched_count(self) -> int:
        """How many documents this batch has read or changed so far (held until it ends)."""
        return len(self._live)

    def changes(self) -> dict[str, str | None]:
        """The documents this batch changed, as JSON text by key (``None``: deleted).

        A document that is not plain JSON is refused here, naming the projection and key.
        """
        changed: dict[str, str | None] = {}
        texts = self._texts
        owners: dict[int, str] = {}
        for key in sorted(self._live):
            document = self._live[key]
            if document is _DELETED:
                text = None
            elif type(document) in (dict, list) and owners.setdefault(id(document), key) != key:
                raise InvalidValueError(
                    f"projection {self.name!r}: documents {owners[id(document)]!r} and {key!r} "
                    f"are the same object; put a copy under the second key"
                )
            else:
                try:
                    text = encode(document)
                except InvalidValueError as error:
                    raise InvalidValueError(
                        f"projection {self.name!r}, document {key!r}: {error}"
                    ) from None
            if texts.get(key, _UNKNOWN) != text:
                changed[key] = text
        return changed

    def committed(self, changes: Mapping[str, str | None]) -> None:
        """The batch's ``changes`` are stored: keep their text, forget the batch's objects."""
        texts, objects = self._texts, self._objects
        cached = self._cached
        written = self._written
        forget_text, forget_object, changed = texts.pop, objects.pop, changes.get
        for key, document in self._live.items():
            # Re-inserted, so the documents used most recently are forgotten last.
            if key in texts:
                old = forget_text(key)
                cached -= _ENTRY_COST + (len(old) if old else 0)
                text = changed(key, old)
                stored = old is not None
            else:
                text = changed(key)
                stored = False
            # A key with a stored text is in the filter already (it was read, so the filter
            # held it, or an earlier batch wrote it): only new documents are added.
            if not stored and text is not None and written is not None:
                written.add(key)
            texts[key] = text
            cached += _ENTRY_COST + (len(text) if text else 0)
            forget_object(key, None)
            objects[key] = document  # it now equals its stored text
        if cached > self._cache_size:
            # Forget the least recently used, down to half the allowance; but keep the large
            # documents this batch used (a topic's days, a person's actions), the costliest
            # to read and decode again and the likeliest to be wanted by the next batch.
            forgotten = []
            large = self._cache_size // _LARGE_SHARE
            # Large documents kept beyond the bound: at most _LARGE_KEPT times it, in all.
            allowance = _LARGE_KEPT * self._cache_size if large > 0 else 0
            kept = 0
            live = self._live
            for key, text in texts.items():
                if cached - kept <= self._cache_size // 2:
                    break
                if text is not None and len(text) > large and key in live:
                    cost = _ENTRY_COST + len(text)
                    if kept + cost <= allowance:
                        kept += cost
                        continue
                cached -= _ENTRY_COST + len(text or "")
                forgotten.append(key)
            for key in forgotten:
                del texts[key]
                objects.pop(key, None)
        self._live.clear()
        self._cached = cached

    def abandon(self) -> None:
        """The batch was not stored: forget its objects and everything remembered (and, as
        another engine may have written, that the view was known to start empty)."""
        self._written = None
        self._live.clear()
        self._objects.clear()
        self._texts.clear()
        self._cached = 0


def documents(rows: Iterator[tuple[str, str]]) -> Iterator[tuple[str, Any]]:
    """Decode ``(key, JSON text)`` rows."""
    for key, text in rows:
        yield key, json.loads(text)

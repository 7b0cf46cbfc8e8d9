"""Readers' personal data: never stored in clear, sealed per data subject, erasable.

A participant's name, handle and contact details are a :class:`PersonalInfo`. It is never
written to the event store: the application seals it with the data subject's own key (kept
outside the event store, in a :class:`~libops.domain.ports.KeyStore`) and events carry the
resulting :class:`SealedPersonalData`, with the subject's :class:`Consent` beside it in clear.
Erasing a subject deletes its key; from then on the sealed data opens as :data:`ERASED`, and
the :class:`DataSubject` aggregate records who erased it, when and why.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import Any, ClassVar, Final
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import InvalidValueError
from libops.domain.permissions import authorize
from libops.domain.validation import aware_moment, bool_validator, require_instance
from libops.domain.values import Actor, require_text

ERASED_TEXT: Final = "[erased]"
"""How erased personal data reads wherever it is shown."""

NONCE_BYTES: Final = 12
"""The length of an AES-GCM nonce."""

TAG_BYTES: Final = 16
"""The length of an AES-GCM authentication tag (the shortest possible ciphertext)."""

SUBJECT_NAMESPACE: Final = uuid5(NAMESPACE_URL, "https://libops.invalid/data-subject")

_SUBJECT_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

# The longest texts a participant's details may have, once stripped.
NAME_MAX: Final = 200
HANDLE_MAX: Final = 200
CONTACT_MAX: Final = 320
PURPOSE_MAX: Final = 500
REASON_MAX: Final = 500


def require_subject_id(value: object) -> str:
    """Return ``value`` if it is a well-formed data subject id, else raise.

    A subject id is a pseudonym: 1 to 128 ASCII letters, digits and ``. _ : -``, starting
    with a letter or digit. The shape keeps names (with spaces or CJK characters) and e-mail
    addresses out; :meth:`~libops.application.privacy.PersonalDataService.subject_id_for`
    gives one that carries nothing personal at all.
    """
    value = require_instance(str, value, "a subject id must be text")
    if _SUBJECT_ID.fullmatch(value) is None:
        raise InvalidValueError(
            "a subject id is 1 to 128 ASCII letters, digits and . _ : - "
            "(starting with a letter or digit); use ops.privacy.subject_id_for(...)"
        )
    return value


def _subject_id_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_subject_id(value)


def _optional_text(value: object, max_length: int) -> str | None:
    # The field's name is not in the message on purpose: the value never is either.
    return None if value is None else require_text("personal data", value, max_length=max_length)


def _name(value: str | None) -> str | None:
    return _optional_text(value, NAME_MAX)


def _handle(value: str | None) -> str | None:
    return _optional_text(value, HANDLE_MAX)


def _contact(value: str | None) -> str | None:
    return _optional_text(value, CONTACT_MAX)


@attrs.frozen(repr=False)
class PersonalInfo:
    """A participant's name, handle and contact details, in clear. Never stored as it is."""

    name: str | None = attrs.field(default=None, converter=_name)
    handle: str | None = attrs.field(default=None, converter=_handle)
    contact: str | None = attrs.field(default=None, converter=_contact)

    def __attrs_post_init__(self) -> None:
        if self.name is None and self.handle is None and self.contact is None:
            raise InvalidValueError("personal data needs a name, a handle or a contact")

    def __repr__(self) -> str:
        # Personal data stays out of logs and tracebacks: say which parts are there, not what.
        present = [f for f in ("name", "handle", "contact") if getattr(self, f) is not None]
        return f"PersonalInfo(<{', '.join(present)}>)"

    @property
    def erased(self) -> bool:
        """Whether the data was erased: never, for data that can still be read."""
        return False

    @property
    def label(self) -> str:
        """The best way to name the participant: the name, else the handle, else the contact."""
        return next(v for v in (self.name, self.handle, self.contact) if v is not None)


@attrs.frozen
class ErasedPersonalInfo:
    """What sealed personal data opens as after its subject was erased: the key is gone."""

    erased: ClassVar[bool] = True
    """Always true: the data can no longer be read by anyone."""
    # Each part, and the label, is shown as ``[erased]``.
    name: ClassVar[str] = ERASED_TEXT
    handle: ClassVar[str] = ERASED_TEXT
    contact: ClassVar[str] = ERASED_TEXT
    label: ClassVar[str] = ERASED_TEXT

    def __str__(self) -> str:
        return ERASED_TEXT

    def __format__(self, spec: str) -> str:
        return format(ERASED_TEXT, spec)


ERASED: Final = ErasedPersonalInfo()
"""The one erased-data marker (all :class:`ErasedPersonalInfo` values are equal to it)."""


def aware_utc(what: str, value: object) -> datetime:
    """``value`` in UTC if it is a timezone-aware datetime, else raise."""
    value = aware_moment(what, value)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidValueError(f"{what} is out of range ({value!r})") from None


def _given_at(value: datetime) -> datetime:
    return aware_utc("given_at", value)


def _purpose(value: str) -> str:
    return require_text("purpose", value, max_length=PURPOSE_MAX)


@attrs.frozen
class Consent:
    """What a participant agreed their data may be used for, and when.

    Stored in clear beside the sealed data and bound to it: an edit is detected on opening.
    """

    purpose: str = attrs.field(converter=_purpose)
    given_at: datetime = attrs.field(converter=_given_at)
    third_parties: bool = attrs.field(default=False, validator=bool_validator)
    """Whether the data may be passed on. libops never does: sealing refuses True."""


def _decoded(field_name: str, value: object) -> bytes:
    if not isinstance(value, str) or not value.isascii():
        raise InvalidValueError(f"{field_name} must be base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValueError(f"{field_name} is not valid base64") from None


def _nonce_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if len(_decoded(attribute.name, value)) != NONCE_BYTES:
        raise InvalidValueError(f"a nonce is {NONCE_BYTES} bytes")


def _ciphertext_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if len(_decoded(attribute.name, value)) < TAG_BYTES:
        raise InvalidValueError(f"a ciphertext is at least {TAG_BYTES} bytes (its tag)")


def _consent_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_instance(Consent, value, "consent must be a Consent")


SEALED_FORMAT_V1: Final = 1
"""Values sealed before libops bound subject, field and consent: their associated data is
the event's id, version and topic only (they still open as they did)."""

SEALED_FORMAT: Final = 2
"""Values sealed now: the subject id, the field name and the consent are bound as well, and a
binding tag under the key store's secret covers them (so an edit shows even once the
subject's key is gone)."""

BINDING_BYTES: Final = 32
"""The length of a binding tag (HMAC-SHA256)."""

_FIELD_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}(\[[0-9]{1,8}\])?")


def require_field_name(value: object) -> str:
    """``value`` if it names an event's field (``asker``, ``guests[0]``), else raise."""
    if not isinstance(value, str) or _FIELD_NAME.fullmatch(value) is None:
        raise InvalidValueError(
            "a sealed value's field is the name of the event field carrying it "
            f"(``asker``, ``guests[0]``), not {value!r}"
        )
    return value


def _format_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or value not in (SEALED_FORMAT_V1, SEALED_FORMAT):
        raise InvalidValueError(
            f"a sealed value's format is {SEALED_FORMAT_V1} or {SEALED_FORMAT}, not {value!r}"
        )


def _field_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        require_field_name(value)


def _binding_validator(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and len(_decoded(attribute.name, value)) != BINDING_BYTES:
        raise InvalidValueError(f"a binding tag is {BINDING_BYTES} bytes")


@attrs.frozen
class SealedPersonalData:
    """Personal data as events carry it: encrypted with its subject's key, consent beside it.

    ``nonce`` and ``ciphertext`` are base64 text (AES-256-GCM; the ciphertext ends with the
    tag). The ciphertext is bound to the event it was sealed for, so it opens nowhere else.
    Values of :data:`SEALED_FORMAT` (``format=2``, every value sealed now) are also bound to
    their subject id, the ``field`` of the event carrying them and the consent, and carry a
    ``binding`` tag (base64 HMAC-SHA256 under a key derived from the key store's secret) over
    all of it: a rewritten subject id, a value moved to another field or an edited consent is
    detected on opening, even once the subject's key is gone. Values stored without
    ``format`` are of the first format (:data:`SEALED_FORMAT_V1`) and open as they did.
    """

    subject_id: str = attrs.field(validator=_subject_id_validator)
    nonce: str = attrs.field(validator=_nonce_validator)
    ciphertext: str = attrs.field(validator=_ciphertext_validator)
    consent: Consent = attrs.field(validator=_consent_validator)
    format: int = attrs.field(default=SEALED_FORMAT_V1, validator=_format_validator)
    field: str | None = attrs.field(default=None, validator=_field_validator)
    binding: str | None = attrs.field(default=None, validator=_binding_validator)

    def __attrs_post_init__(self) -> None:
        if self.format == SEALED_FORMAT and self.binding is None:
            raise InvalidValueError(f"a sealed value of format {SEALED_FORMAT} has a binding tag")
        if self.format == SEALED_FORMAT_V1 and (self.field, self.binding) != (None, None):
            raise InvalidValueError(
                f"a sealed value of format {SEALED_FORMAT_V1} has no field and no binding tag"
            )

    @property
    def nonce_bytes(self) -> bytes:
        """The nonce, decoded."""
        return base64.b64decode(self.nonce)

    @property
    def ciphertext_bytes(self) -> bytes:
        """The ciphertext with its tag, decoded."""
        return base64.b64decode(self.ciphertext)

    @property
    def binding_bytes(self) -> bytes:
        """The binding tag, decoded (empty for the first format)."""
        return b"" if self.binding is None else base64.b64decode(self.binding)


def associated_data(
    aggregate_id: UUID,
    version: int,
    topic: str,
    *,
    subject_id: str | None = None,
    field: str | None = None,
    consent: Consent | None = None,
) -> bytes:
    """What a sealed value is bound to: the id, version and topic of the event carrying it.

    Given ``subject_id`` and ``consent`` (and ``field``, when the value names one), the
    associated data of :data:`SEALED_FORMAT`, which binds those too; without them, that of
    :data:`SEALED_FORMAT_V1`, as libops sealed before.
    """
    aggregate_id = require_instance(UUID, aggregate_id, "aggregate_id must be a UUID")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidValueError(f"version must be a whole number from 1, not {version!r}")
    if not isinstance(topic, str) or not topic.strip():
        raise InvalidValueError("topic must be the event class's topic text")
    event_part = f"{aggregate_id}:{version}:{topic}"
    if subject_id is None and consent is None and field is None:
        return event_part.encode()
    if subject_id is None or not isinstance(consent, Consent):
        raise InvalidValueError("the second format binds a subject id and a consent")
    # A JSON list: each part is delimited, so no two different bindings give the same bytes.
    return json.dumps(
        [
            "libops-sealed-v2",
            event_part,
            require_subject_id(subject_id),
            "" if field is None else require_field_name(field),
            consent.purpose,
            consent.given_at.isoformat(),
            consent.third_parties,
        ],
        ensure_ascii=True,
        separators=(",", ":"),
    ).encode()


class DataSubject(Aggregate):
    """A person whose personal data libops held, as far as the audit trail needs: the erasure.

    Its id follows from the subject id, so anyone can find whether a subject was erased.
    It holds no personal data: the subject id is a pseudonym. An erasure takes two steps
    that survive a crash between them: the request is recorded (:class:`ErasureRequested`,
    who asked, when and why) before the subject's key is destroyed, and the completion
    (:class:`Erased`) after. A subject with a request and no completion is *pending*: its
    data already reads as erased, and the next ``LibOps.open`` (or ``libops db check
    --repair``) destroys the key if need be and records the completion. Erasures recorded
    before the two steps existed are one :class:`Erased` event, which stands for both.
    """

    TOPIC = "libops:DataSubject"

    class Event(events.Event):
        TOPIC = "libops:DataSubject.Event"

    class ErasureRequested(events.Created):
        """Someone asked for a subject's erasure: their key is destroyed next."""

        TOPIC = "libops:DataSubject.ErasureRequested"
        actor_id: str
        subject_id: str
        reason: str
        at: datetime

    class Erased(events.Created):
        """A subject's key was deleted on request: their sealed data can be read no more.

        After an :class:`ErasureRequested` it records the completion (``actor_id`` is who
        completed it, ``at`` when); stored alone as a subject's first event (libops before
        erasure took two steps), it is the whole erasure.
        """

        TOPIC = "libops:DataSubject.Erased"
        actor_id: str
        subject_id: str
        reason: str
        at: datetime

        def mutate(self, aggregate: Any) -> Any:
            if aggregate is None:  # an erasure in one step: it starts the aggregate
                return super().mutate(None)
            # The completion of a requested erasure: an ordinary next event.
            return Aggregate.Event.mutate(self, aggregate)

        def apply(self, aggregate: Any) -> None:
            aggregate.completed = True
            aggregate.completed_by = self.actor_id
            aggregate.completed_at = self.at

    @staticmethod
    def create_id(subject_id: str, **_: Any) -> UUID:
        return DataSubject.id_for(subject_id)

    @staticmethod
    def id_for(subject_id: str) -> UUID:
        """The aggregate id of the data subject with ``subject_id``."""
        return uuid5(SUBJECT_NAMESPACE, subject_id)

    @classmethod
    def request_erasure(
        cls, actor: Actor, subject_id: str, *, reason: str, at: datetime
    ) -> DataSubject:
        """Record that ``actor`` asked at ``at`` for ``subject_id``'s erasure, for ``reason``."""
        authorize(actor, "privacy.erase")
        return cls(
            actor_id=actor.id,
            subject_id=require_subject_id(subject_id),
            reason=require_text("reason", reason, max_length=REASON_MAX),
            at=aware_utc("the time of an erasure", at),
        )

    erase = request_erasure
    """The first step of an erasure (the name libops used when erasure took one step)."""

    @event(ErasureRequested)
    def __init__(self, actor_id: str, subject_id: str, reason: str, at: datetime) -> None:
        self.subject_id = subject_id
        self.erased_by = actor_id
        self.erased_at = at
        self.reason = reason
        self.completed = False
        self.completed_by: str | None = None
        self.completed_at: datetime | None = None

    def complete(self, actor: Actor, *, at: datetime) -> None:
        """Record that the key is gone; nothing new if the erasure is complete already."""
        if self.completed:
            return
        self.trigger_event(
            DataSubject.Erased,
            originator_topic=DataSubject.TOPIC,
            actor_id=actor.id,
            subject_id=self.subject_id,
            reason=self.reason,
            at=aware_utc("the time of an erasure", at),
        )

    @property
    def erased(self) -> bool:
        """Whether the erasure is complete (the key is gone and that is recorded)."""
        return self.completed

    @property
    def pending(self) -> bool:
        """Whether the erasure was requested and its completion is not recorded yet."""
        return not self.completed


class ErasureLedger(Aggregate):
    """The erasures requested and not completed yet, in one place (one per store).

    Requesting an erasure adds its subject here in the same save as the request, and
    completing it takes the subject off in the same save as the completion, so opening a
    store finds what is left half-way with one load, without reading the whole log.
    """

    TOPIC = "libops:ErasureLedger"
    ID: ClassVar[UUID] = uuid5(SUBJECT_NAMESPACE, "libops:erasure-ledger")

    class Event(events.Event):
        TOPIC = "libops:ErasureLedger.Event"

    class Started(events.Created):
        """The store's ledger of pending erasures was started (by its first erasure)."""

        TOPIC = "libops:ErasureLedger.Started"

    class ErasurePending(events.Event):
        """An erasure was requested: its subject's key is to be destroyed."""

        TOPIC = "libops:ErasureLedger.ErasurePending"
        subject_id: str

    class ErasureFinished(events.Event):
        """The erasure was completed: the key is gone and the completion recorded."""

        TOPIC = "libops:ErasureLedger.ErasureFinished"
        subject_id: str

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return ErasureLedger.ID

    @classmethod
    def start(cls) -> ErasureLedger:
        """The store's ledger, made by its first erasure."""
        return cls()

    @event(Started)
    def __init__(self) -> None:
        self.pending: tuple[str, ...] = ()

    def add(self, subject_id: str) -> None:
        """Note that ``subject_id``'s erasure was requested (nothing new if noted)."""
        if subject_id not in self.pending:
            self._add(subject_id=subject_id)

    @event(ErasurePending)
    def _add(self, subject_id: str) -> None:
        self.pending = (*self.pending, subject_id)

    def remove(self, subject_id: str) -> None:
        """Note that ``subject_id``'s erasure is complete (nothing new if it was not pending)."""
        if subject_id in self.pending:
            self._remove(subject_id=subject_id)

    @event(ErasureFinished)
    def _remove(self, subject_id: str) -> None:
        self.pending = tuple(s for s in self.pending if s != subject_id)

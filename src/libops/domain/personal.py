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
import re
from datetime import UTC, datetime
from typing import Any, ClassVar, Final
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import InvalidValueError
from libops.domain.permissions import authorize
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
    if not isinstance(value, str):
        raise InvalidValueError(f"a subject id must be text, not {type(value).__name__}")
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
    if not isinstance(value, datetime):
        raise InvalidValueError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValueError(f"{what} must be timezone-aware")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidValueError(f"{what} is out of range ({value!r})") from None


def _given_at(value: datetime) -> datetime:
    return aware_utc("given_at", value)


def _strict_bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidValueError(f"{attribute.name} must be True or False, not {value!r}")


def _purpose(value: str) -> str:
    return require_text("purpose", value, max_length=PURPOSE_MAX)


@attrs.frozen
class Consent:
    """What a participant agreed their data may be used for, and when (stored in clear)."""

    purpose: str = attrs.field(converter=_purpose)
    given_at: datetime = attrs.field(converter=_given_at)
    third_parties: bool = attrs.field(default=False, validator=_strict_bool)
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
    if not isinstance(value, Consent):
        raise InvalidValueError(f"consent must be a Consent, not {type(value).__name__}")


@attrs.frozen
class SealedPersonalData:
    """Personal data as events carry it: encrypted with its subject's key, consent beside it.

    ``nonce`` and ``ciphertext`` are base64 text (AES-256-GCM; the ciphertext ends with the
    tag). The ciphertext is bound to the event it was sealed for, so it opens nowhere else.
    """

    subject_id: str = attrs.field(validator=_subject_id_validator)
    nonce: str = attrs.field(validator=_nonce_validator)
    ciphertext: str = attrs.field(validator=_ciphertext_validator)
    consent: Consent = attrs.field(validator=_consent_validator)

    @property
    def nonce_bytes(self) -> bytes:
        """The nonce, decoded."""
        return base64.b64decode(self.nonce)

    @property
    def ciphertext_bytes(self) -> bytes:
        """The ciphertext with its tag, decoded."""
        return base64.b64decode(self.ciphertext)


def associated_data(aggregate_id: UUID, version: int, topic: str) -> bytes:
    """What a sealed value is bound to: the id, version and topic of the event carrying it."""
    if not isinstance(aggregate_id, UUID):
        raise InvalidValueError(f"aggregate_id must be a UUID, not {type(aggregate_id).__name__}")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidValueError(f"version must be a whole number from 1, not {version!r}")
    if not isinstance(topic, str) or not topic.strip():
        raise InvalidValueError("topic must be the event class's topic text")
    return f"{aggregate_id}:{version}:{topic}".encode()


class DataSubject(Aggregate):
    """A person whose personal data libops held, as far as the audit trail needs: the erasure.

    Its id follows from the subject id, so anyone can find whether a subject was erased.
    It holds no personal data: the subject id is a pseudonym.
    """

    TOPIC = "libops:DataSubject"

    class Event(events.Event):
        TOPIC = "libops:DataSubject.Event"

    class Erased(events.Created):
        """A subject's key was deleted on request: their sealed data can be read no more."""

        TOPIC = "libops:DataSubject.Erased"
        actor_id: str
        subject_id: str
        reason: str
        at: datetime

    @staticmethod
    def create_id(subject_id: str, **_: Any) -> UUID:
        return DataSubject.id_for(subject_id)

    @staticmethod
    def id_for(subject_id: str) -> UUID:
        """The aggregate id of the data subject with ``subject_id``."""
        return uuid5(SUBJECT_NAMESPACE, subject_id)

    @classmethod
    def erase(cls, actor: Actor, subject_id: str, *, reason: str, at: datetime) -> DataSubject:
        """Record that ``subject_id`` was erased by ``actor`` at ``at``, for ``reason``."""
        authorize(actor, "privacy.erase")
        return cls(
            actor_id=actor.id,
            subject_id=require_subject_id(subject_id),
            reason=require_text("reason", reason, max_length=REASON_MAX),
            at=aware_utc("the time of an erasure", at),
        )

    @event(Erased)
    def __init__(self, actor_id: str, subject_id: str, reason: str, at: datetime) -> None:
        self.subject_id = subject_id
        self.erased_by = actor_id
        self.erased_at = at
        self.reason = reason

    @property
    def erased(self) -> bool:
        """A recorded data subject is an erased one."""
        return True

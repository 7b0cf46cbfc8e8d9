"""Readers' personal data sealed with a key per data subject, and opened again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from libops.domain.errors import (
    ConsentError,
    InvalidValueError,
    PersonalDataTamperedError,
    SubjectKeyMissingError,
)
from libops.domain.personal import (
    ERASED,
    HANDLE_MAX,
    SEALED_FORMAT,
    Consent,
    ErasedPersonalInfo,
    PersonalInfo,
    SealedPersonalData,
    associated_data,
    require_field_name,
    require_subject_id,
)
from libops.domain.ports import KeyStore, Sealer
from libops.domain.values import Platform, limits_unchecked, require_text, to_platform

PLAINTEXT_BLOCK: Final = 64
"""Sealed texts are padded to a multiple of this many bytes, so lengths say little."""

PLAINTEXT_FORMAT: Final = 1
"""The version of the sealed text's layout (a JSON object), kept inside the ciphertext."""

CASE_INSENSITIVE_HANDLES: Final = frozenset(
    {Platform.MASTODON, Platform.BLUESKY, Platform.X, Platform.INSTAGRAM}
)
"""Platforms whose handles ignore case: ``@Reader`` and ``@reader`` are one person there."""

Opened = PersonalInfo | ErasedPersonalInfo
"""What sealed personal data opens as: the data, or the erased marker."""


def _plaintext(info: PersonalInfo, text: str | None = None) -> bytes:
    layout: dict[str, object] = {
        "v": PLAINTEXT_FORMAT,
        "name": info.name,
        "handle": info.handle,
        "contact": info.contact,
    }
    if text is not None:
        layout["text"] = text  # what they wrote (a question), erased with them
    plain = json.dumps(layout, ensure_ascii=False, separators=(",", ":")).encode()
    # JSON ignores trailing white space: pad with spaces to the next whole block.
    return plain + b" " * (-len(plain) % PLAINTEXT_BLOCK)


def _layout(plaintext: bytes) -> dict[str, Any]:
    try:
        data = json.loads(plaintext)
        if not isinstance(data, dict) or data.get("v") != PLAINTEXT_FORMAT:
            raise ValueError("unknown layout")
        return data
    except ValueError:
        # Only a holder of the key could have written this: treat it as tampering.
        raise PersonalDataTamperedError(
            "sealed personal data opened but does not hold personal data"
        ) from None


def _info(plaintext: bytes) -> PersonalInfo:
    data = _layout(plaintext)
    try:
        with limits_unchecked():  # read back as it was sealed, even past a limit set since
            return PersonalInfo(name=data["name"], handle=data["handle"], contact=data["contact"])
    except (ValueError, KeyError, TypeError):
        raise PersonalDataTamperedError(
            "sealed personal data opened but does not hold personal data"
        ) from None


def _text(plaintext: bytes) -> str:
    text = _layout(plaintext).get("text")
    if not isinstance(text, str):
        raise InvalidValueError("this sealed personal data holds no text")
    return text


def _never_pending(subject_id: str) -> bool:
    return False


def check_field(sealed: SealedPersonalData, name: str, event: DomainEventProtocol[Any]) -> None:
    """Refuse a sealed value found in another field of ``event`` than the one it names."""
    if sealed.field is not None and sealed.field != name:
        raise PersonalDataTamperedError(
            f"sealed personal data in field {name} of version {event.originator_version} of "
            f"{event.originator_id} was sealed for field {sealed.field}: it was moved"
        )


def sealed_values(event: object) -> Iterator[tuple[str, SealedPersonalData]]:
    """Every sealed value ``event`` carries, in field order, with its key: the field's name,
    or ``field[index]`` for one inside a tuple."""
    for name, value in vars(event).items():
        items = enumerate(value) if isinstance(value, tuple | list) else [(None, value)]
        for index, item in items:
            if isinstance(item, SealedPersonalData):
                yield (name if index is None else f"{name}[{index}]"), item


class PersonalData:
    """Seal participants' personal data for events, open it again, and erase data subjects.

    Each data subject has a key of their own in the key store, outside the event store.
    Sealed data is bound to the event that carries it (aggregate id, version and topic), to
    its subject id, the event's field and the consent, so it opens nowhere else and none of
    them can be edited unseen. Erasing a subject deletes the key: their sealed data then
    opens as :data:`~libops.domain.personal.ERASED` everywhere, and nothing else changes.
    ``erasure_pending`` says whether a subject's erasure was requested (recorded) but not
    completed yet: their data already opens as ERASED, though the key may still be there.
    """

    def __init__(
        self,
        keys: KeyStore,
        sealer: Sealer,
        *,
        erasure_pending: Callable[[str], bool] = _never_pending,
    ) -> None:
        self._keys = keys
        self._sealer = sealer
        self._erasure_pending = erasure_pending
        self._binding_key: bytes | None = None

    def _binding(self, bound_to: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
        """The binding tag: an HMAC of what a value is bound to and of its ciphertext.

        Its key comes from the key store's secret, which no erasure deletes, so a rewritten
        subject id or consent is detected even when the subject's own key is gone.
        """
        if self._binding_key is None:
            self._binding_key = hmac.new(
                self._keys.pseudonym_secret(), b"libops-sealed-binding", hashlib.sha256
            ).digest()
        message = b"".join(
            len(part).to_bytes(4, "big") + part for part in (bound_to, nonce, ciphertext)
        )
        return hmac.new(self._binding_key, message, hashlib.sha256).digest()

    @property
    def keys(self) -> KeyStore:
        """The key store the subjects' keys are kept in."""
        return self._keys

    # --- sealing and opening -----------------------------------------------------------

    def seal(
        self,
        subject_id: str,
        info: PersonalInfo,
        consent: Consent,
        *,
        aggregate_id: UUID,
        version: int,
        topic: str,
        field: str | None = None,
        text: str | None = None,
    ) -> SealedPersonalData:
        """Encrypt ``info`` with the subject's key, for the event at ``version`` of an aggregate.

        ``text`` is something the subject wrote (a question) to seal with their details, so
        that erasing them erases it too (:meth:`open_text` reads it).

        ``topic`` is the topic of the event class that will carry the result (for a new
        aggregate's created event, ``version`` is 1) and ``field`` the name of its field
        that will (``guests[0]`` for an item of a list); give it, so that the value cannot
        be moved to another field unseen. The subject id and the consent are bound too. Raises
        :class:`~libops.domain.errors.SubjectErasedError` for an erased subject and
        :class:`~libops.domain.errors.ConsentError` if the consent allows passing the data on.
        """
        subject_id = require_subject_id(subject_id)
        if not isinstance(info, PersonalInfo):
            raise InvalidValueError(f"info must be PersonalInfo, not {type(info).__name__}")
        if not isinstance(consent, Consent):
            raise InvalidValueError(f"consent must be a Consent, not {type(consent).__name__}")
        if consent.third_parties:
            raise ConsentError(
                "libops uses personal data only for the activity and never passes it to third "
                "parties: a consent with third_parties=True cannot be recorded"
            )
        if field is not None:
            require_field_name(field)
        bound_to = associated_data(
            aggregate_id, version, topic, subject_id=subject_id, field=field, consent=consent
        )
        key = self._keys.get_or_create(subject_id)
        if text is not None and not isinstance(text, str):
            raise InvalidValueError(f"text must be text, not {type(text).__name__}")
        nonce, ciphertext = self._sealer.seal(key, _plaintext(info, text), bound_to)
        return SealedPersonalData(
            subject_id=subject_id,
            nonce=base64.b64encode(nonce).decode("ascii"),
            ciphertext=base64.b64encode(ciphertext).decode("ascii"),
            consent=consent,
            format=SEALED_FORMAT,
            field=field,
            binding=base64.b64encode(self._binding(bound_to, nonce, ciphertext)).decode("ascii"),
        )

    def open(
        self, sealed: SealedPersonalData, *, aggregate_id: UUID, version: int, topic: str
    ) -> Opened:
        """The personal data sealed for the event at ``version`` of an aggregate, or ERASED.

        Raises :class:`~libops.domain.errors.PersonalDataTamperedError` if the data does not
        open with the subject's key there (altered, or copied from another event), or if its
        subject id, field or consent was edited (detected even for an erased subject), and
        :class:`~libops.domain.errors.SubjectKeyMissingError` if the key store has no key for a
        subject that was never erased (a key store that does not belong to this event store).
        """
        plaintext = self._plaintext(sealed, aggregate_id=aggregate_id, version=version, topic=topic)
        return ERASED if plaintext is None else _info(plaintext)

    def open_text(
        self, sealed: SealedPersonalData, *, aggregate_id: UUID, version: int, topic: str
    ) -> str | ErasedPersonalInfo:
        """The text sealed with the personal data (see :meth:`seal`), or ERASED.

        Raises as :meth:`open` does, and :class:`~libops.domain.errors.InvalidValueError`
        if the value holds no text.
        """
        plaintext = self._plaintext(sealed, aggregate_id=aggregate_id, version=version, topic=topic)
        return ERASED if plaintext is None else _text(plaintext)

    def _plaintext(
        self, sealed: SealedPersonalData, *, aggregate_id: UUID, version: int, topic: str
    ) -> bytes | None:
        """The plaintext sealed for that event, or None when the subject is erased."""
        if not isinstance(sealed, SealedPersonalData):
            raise InvalidValueError(
                f"sealed must be SealedPersonalData, not {type(sealed).__name__}"
            )
        key = self._keys.get(sealed.subject_id)
        if key is None and not self._keys.is_erased(sealed.subject_id):
            raise SubjectKeyMissingError(
                f"the key store has no key for data subject {sealed.subject_id}, who was never "
                "erased: is this the key store that belongs to the event store?"
            )
        if sealed.format == SEALED_FORMAT:
            bound_to = associated_data(
                aggregate_id,
                version,
                topic,
                subject_id=sealed.subject_id,
                field=sealed.field,
                consent=sealed.consent,
            )
            # Checked before the key: an erased subject's id written over a live reader's
            # must not pass for an erasure.
            expected = self._binding(bound_to, sealed.nonce_bytes, sealed.ciphertext_bytes)
            if not hmac.compare_digest(expected, sealed.binding_bytes):
                raise PersonalDataTamperedError(
                    f"tampering detected: sealed personal data does not open at version "
                    f"{version} of {aggregate_id} ({topic}): it was altered or copied from "
                    "another event (its subject id, field, consent or ciphertext is not what "
                    "was sealed there)"
                )
        else:
            bound_to = associated_data(aggregate_id, version, topic)
        if key is None or self._erasure_pending(sealed.subject_id):
            # Erased, or its erasure requested and the key not destroyed yet: gone either way.
            return None
        plaintext = self._sealer.open(key, sealed.nonce_bytes, sealed.ciphertext_bytes, bound_to)
        if plaintext is None:
            raise PersonalDataTamperedError(
                f"sealed personal data of subject {sealed.subject_id} does not open at "
                f"version {version} of {aggregate_id} ({topic}): it was altered or copied "
                "from another event"
            )
        return plaintext

    def reveal(self, event: DomainEventProtocol[Any]) -> Mapping[str, Opened]:
        """Open every sealed value a stored event carries, keyed by field name.

        A sealed value inside a tuple is keyed ``field[index]``. The event's originator id,
        version and topic are what the values were bound to when they were sealed.
        """
        topic = get_topic(type(event))
        opened: dict[str, Opened] = {}
        for key, item in sealed_values(event):
            check_field(item, key, event)
            opened[key] = self.open(
                item,
                aggregate_id=event.originator_id,
                version=event.originator_version,
                topic=topic,
            )
        return opened

    # --- subjects ------------------------------------------------------------------------

    def subject_id_for(self, platform: Platform | str, handle: str) -> str:
        """A stable pseudonym for the reader with ``handle`` on ``platform`` (64 hex digits).

        An HMAC-SHA256 of platform and handle under this store's secret: the same reader
        gets the same subject id every time, and the id reveals nothing about the handle to
        anyone without the key store. Surrounding spaces and one leading ``@`` are ignored,
        and so is case on platforms whose handles ignore it.
        """
        which = to_platform(platform)
        text = unicodedata.normalize("NFC", require_text("handle", handle, max_length=HANDLE_MAX))
        text = text.removeprefix("@").strip()
        if not text:
            raise InvalidValueError("handle must not be empty")
        if which in CASE_INSENSITIVE_HANDLES:
            text = text.casefold()
        message = f"libops-subject\x00{which.value}\x00{text}".encode()
        return hmac.new(self._keys.pseudonym_secret(), message, hashlib.sha256).hexdigest()

    def is_erased(self, subject_id: str) -> bool:
        """Whether the data subject was erased."""
        return self._keys.is_erased(subject_id)

"""Readers' personal data sealed with a key per data subject, and opened again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping
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
    Consent,
    ErasedPersonalInfo,
    PersonalInfo,
    SealedPersonalData,
    associated_data,
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


def _plaintext(info: PersonalInfo) -> bytes:
    text = json.dumps(
        {"v": PLAINTEXT_FORMAT, "name": info.name, "handle": info.handle, "contact": info.contact},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    # JSON ignores trailing white space: pad with spaces to the next whole block.
    return text + b" " * (-len(text) % PLAINTEXT_BLOCK)


def _info(plaintext: bytes) -> PersonalInfo:
    try:
        data = json.loads(plaintext)
        if not isinstance(data, dict) or data.get("v") != PLAINTEXT_FORMAT:
            raise ValueError("unknown layout")
        with limits_unchecked():  # read back as it was sealed, even past a limit set since
            return PersonalInfo(name=data["name"], handle=data["handle"], contact=data["contact"])
    except (ValueError, KeyError, TypeError):
        # Only a holder of the key could have written this: treat it as tampering.
        raise PersonalDataTamperedError(
            "sealed personal data opened but does not hold personal data"
        ) from None


class PersonalData:
    """Seal participants' personal data for events, open it again, and erase data subjects.

    Each data subject has a key of their own in the key store, outside the event store.
    Sealed data is bound to the event that carries it (aggregate id, version and topic), so
    it opens nowhere else. Erasing a subject deletes the key: their sealed data then opens as
    :data:`~libops.domain.personal.ERASED` everywhere, and nothing else changes.
    """

    def __init__(self, keys: KeyStore, sealer: Sealer) -> None:
        self._keys = keys
        self._sealer = sealer

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
    ) -> SealedPersonalData:
        """Encrypt ``info`` with the subject's key, for the event at ``version`` of an aggregate.

        ``topic`` is the topic of the event class that will carry the result (for a new
        aggregate's created event, ``version`` is 1). Raises
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
        bound_to = associated_data(aggregate_id, version, topic)
        key = self._keys.get_or_create(subject_id)
        nonce, ciphertext = self._sealer.seal(key, _plaintext(info), bound_to)
        return SealedPersonalData(
            subject_id=subject_id,
            nonce=base64.b64encode(nonce).decode("ascii"),
            ciphertext=base64.b64encode(ciphertext).decode("ascii"),
            consent=consent,
        )

    def open(
        self, sealed: SealedPersonalData, *, aggregate_id: UUID, version: int, topic: str
    ) -> Opened:
        """The personal data sealed for the event at ``version`` of an aggregate, or ERASED.

        Raises :class:`~libops.domain.errors.PersonalDataTamperedError` if the data does not
        open with the subject's key there (altered, or copied from another event), and
        :class:`~libops.domain.errors.SubjectKeyMissingError` if the key store has no key for a
        subject that was never erased (a key store that does not belong to this event store).
        """
        if not isinstance(sealed, SealedPersonalData):
            raise InvalidValueError(
                f"sealed must be SealedPersonalData, not {type(sealed).__name__}"
            )
        bound_to = associated_data(aggregate_id, version, topic)
        key = self._keys.get(sealed.subject_id)
        if key is None:
            if self._keys.is_erased(sealed.subject_id):
                return ERASED
            raise SubjectKeyMissingError(
                f"the key store has no key for data subject {sealed.subject_id}, who was never "
                "erased: is this the key store that belongs to the event store?"
            )
        plaintext = self._sealer.open(key, sealed.nonce_bytes, sealed.ciphertext_bytes, bound_to)
        if plaintext is None:
            raise PersonalDataTamperedError(
                f"sealed personal data of subject {sealed.subject_id} does not open at "
                f"version {version} of {aggregate_id} ({topic}): it was altered or copied "
                "from another event"
            )
        return _info(plaintext)

    def reveal(self, event: DomainEventProtocol[Any]) -> Mapping[str, Opened]:
        """Open every sealed value a stored event carries, keyed by field name.

        A sealed value inside a tuple is keyed ``field[index]``. The event's originator id,
        version and topic are what the values were bound to when they were sealed.
        """
        topic = get_topic(type(event))
        opened: dict[str, Opened] = {}
        for name, value in vars(event).items():
            items = list(enumerate(value)) if isinstance(value, tuple | list) else [(None, value)]
            for index, item in items:
                if isinstance(item, SealedPersonalData):
                    key = name if index is None else f"{name}[{index}]"
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

"""Readers' personal data: sealed with a key per data subject, opened, and erased on request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import unicodedata
from collections.abc import Mapping
from typing import Any, Final
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from libops.application.app import LibOpsApplication
from libops.domain.errors import (
    ConsentError,
    InvalidValueError,
    PersonalDataTamperedError,
    SubjectKeyMissingError,
    UnknownIdError,
)
from libops.domain.personal import (
    ERASED,
    HANDLE_MAX,
    NONCE_BYTES,
    Consent,
    DataSubject,
    ErasedPersonalInfo,
    PersonalInfo,
    SealedPersonalData,
    associated_data,
    require_subject_id,
)
from libops.domain.ports import KeyStore
from libops.domain.values import Actor, Platform, require_text, to_platform

PLAINTEXT_BLOCK: Final = 64
"""Sealed texts are padded to a multiple of this many bytes, so lengths say little."""

PLAINTEXT_FORMAT: Final = 1
"""The version of the sealed text's layout (a JSON object), kept inside the ciphertext."""

CASE_INSENSITIVE_HANDLES: Final = frozenset(
    {Platform.MASTODON, Platform.BLUESKY, Platform.X, Platform.INSTAGRAM}
)
"""Platforms whose handles ignore case: ``@Reader`` and ``@reader`` are one person there."""

_BATCH: Final = 500  # notifications read at a time when reapplying erasures

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
        return PersonalInfo(name=data["name"], handle=data["handle"], contact=data["contact"])
    except (ValueError, KeyError, TypeError):
        # Only a holder of the key could have written this: treat it as tampering.
        raise PersonalDataTamperedError(
            "sealed personal data opened but does not hold personal data"
        ) from None


class PersonalDataService:
    """Seal participants' personal data for events, open it again, and erase data subjects.

    Each data subject has a key of their own in the key store, outside the event store.
    Sealed data is bound to the event that carries it (aggregate id, version and topic), so
    it opens nowhere else. Erasing a subject deletes the key: their sealed data then opens as
    :data:`~libops.domain.personal.ERASED` everywhere, and nothing else changes.
    """

    def __init__(self, app: LibOpsApplication, keys: KeyStore) -> None:
        self._app = app
        self._keys = keys

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
        nonce = secrets.token_bytes(NONCE_BYTES)
        ciphertext = AESGCM(key).encrypt(nonce, _plaintext(info), bound_to)
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
        try:
            plaintext = AESGCM(key).decrypt(sealed.nonce_bytes, sealed.ciphertext_bytes, bound_to)
        except InvalidTag:
            raise PersonalDataTamperedError(
                f"sealed personal data of subject {sealed.subject_id} does not open at "
                f"version {version} of {aggregate_id} ({topic}): it was altered or copied "
                "from another event"
            ) from None
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

    def erasure(self, subject_id: str) -> DataSubject | None:
        """The recorded erasure of a subject (who, when, why), or None if it was not erased."""
        try:
            return self._app.load(
                DataSubject, DataSubject.id_for(require_subject_id(subject_id)), "data subject"
            )
        except UnknownIdError:
            return None

    def reapply_erasures(self) -> int:
        """Delete again the key of every subject whose erasure the event history records.

        Run it after restoring a backup of the key store: a backup taken before an erasure
        still holds the key. Returns how many subjects were erased again (0 when the key
        store already agreed with the history). Records nothing.
        """
        erased_again = 0
        start: int | None = 1
        while start is not None:
            batch = self._app.recorder.select_notifications(
                start=start, limit=_BATCH, topics=[DataSubject.Erased.TOPIC]
            )
            for notification in batch:
                erasure = self._app.mapper.to_domain_event(notification)
                assert isinstance(erasure, DataSubject.Erased)
                if self._keys.erase(erasure.subject_id):
                    erased_again += 1
            start = batch[-1].id + 1 if len(batch) == _BATCH else None
        return erased_again

    def erase(self, actor: Actor, subject_id: str, reason: str) -> None:
        """Erase a data subject: delete their key for good and record who did it, when and why.

        Afterwards every event carrying their sealed data still loads, and the data opens as
        ERASED. Erasing an erased subject again records nothing new. Needs ``privacy.erase``.
        """
        arguments = {"actor": actor, "subject_id": subject_id, "reason": reason}

        def run() -> tuple[list[DataSubject], None]:
            # Every check happens before the key goes: a refused erasure deletes nothing.
            subject = DataSubject.erase(actor, subject_id, reason=reason, at=self._app.clock.now())
            self._keys.erase(subject.subject_id)
            if self.erasure(subject.subject_id) is not None:
                return [], None  # erased before: the first record stands
            return [subject], None

        self._app.execute("privacy.erase", run, arguments=arguments)

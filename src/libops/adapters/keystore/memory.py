"""The key store of ``memory://`` stores: keys that live as long as the process."""

from __future__ import annotations

import threading

from libops.adapters.keystore.schema import new_key, new_secret
from libops.domain.errors import SubjectErasedError
from libops.domain.personal import require_subject_id


class MemoryKeyStore:
    """Keys in this process's memory, for ``memory://`` stores and tests."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._erased: set[str] = set()
        self._secret = new_secret()
        self._lock = threading.Lock()

    def get_or_create(self, subject_id: str) -> bytes:
        """The subject's key, made now if it has none; refused for an erased subject."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            if subject_id in self._erased:
                raise SubjectErasedError(subject_id)
            return self._keys.setdefault(subject_id, new_key())

    def get(self, subject_id: str) -> bytes | None:
        """The subject's key, or None if erased or unknown."""
        with self._lock:
            return self._keys.get(require_subject_id(subject_id))

    def erase(self, subject_id: str) -> bool:
        """Forget the subject's key and remember the subject as erased."""
        subject_id = require_subject_id(subject_id)
        with self._lock:
            self._keys.pop(subject_id, None)
            if subject_id in self._erased:
                return False
            self._erased.add(subject_id)
            return True

    def is_erased(self, subject_id: str) -> bool:
        """Whether the subject was erased."""
        with self._lock:
            return require_subject_id(subject_id) in self._erased

    def pseudonym_secret(self) -> bytes:
        """This store's secret for pseudonyms."""
        return self._secret

    def close(self) -> None:
        """Nothing to release."""

"""The one sealing adapter: AES-GCM (256-bit keys, 96-bit random nonces) from cryptography."""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from libops.domain.personal import NONCE_BYTES


class AesGcmSealer:
    """Seals with AES-GCM; the bytes a value is bound to are its associated data."""

    def seal(self, key: bytes, plaintext: bytes, bound_to: bytes) -> tuple[bytes, bytes]:
        """Encrypt ``plaintext`` under ``key`` with a fresh random nonce."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce, AESGCM(key).encrypt(nonce, plaintext, bound_to)

    def open(self, key: bytes, nonce: bytes, ciphertext: bytes, bound_to: bytes) -> bytes | None:
        """The plaintext, or None when the tag does not check out."""
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, bound_to)
        except InvalidTag:
            return None

"""Signatures: libops's own (generic webhooks) and the group bots' (DingTalk, Feishu).

A generic webhook carries ``Libops-Signature: t=<unix seconds>,v1=<hex>``, where the hex is
HMAC-SHA256 with the endpoint's secret over ``<t>.`` followed by the request body's bytes.
:func:`verify_signature` is what a receiver runs (docs/notifications.md shows it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Final

SIGNATURE_HEADER: Final = "Libops-Signature"
DELIVERY_HEADER: Final = "Libops-Delivery"
KIND_HEADER: Final = "Libops-Kind"

DEFAULT_TOLERANCE: Final = 300
"""How many seconds old (or ahead) a signature's timestamp may be."""


class SignatureError(ValueError):
    """A webhook's signature is missing, malformed, stale or wrong (for receivers)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Libops-Signature`` header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> int:
    """Check a ``Libops-Signature`` header against ``body``; its timestamp if it is right.

    Raises :class:`SignatureError` when the header is missing or malformed, its timestamp
    is more than ``tolerance`` seconds from ``now``, or no ``v1`` signature matches.
    """
    if not header:
        raise SignatureError(f"no {SIGNATURE_HEADER} header")
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("the signature has no timestamp t=<unix seconds>") from None
    moment = time.time() if now is None else now
    if abs(moment - timestamp) > tolerance:
        raise SignatureError(f"the signature's timestamp is more than {tolerance} s away")
    expected = sign(secret, timestamp, body).partition("v1=")[2]
    if not any(hmac.compare_digest(expected, given) for given in fields.get("v1", [])):
        raise SignatureError("the signature does not match the body")
    return timestamp


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` (before URL encoding): Base64 of HmacSHA256 with the secret as
    key over ``<timestamp in ms>\\n<secret>``."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's ``sign``: Base64 of HmacSHA256 with ``<timestamp in s>\\n<secret>`` as the
    key over an empty message."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()

"""Outbound ports: what the domain and application need from the world, as protocols."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
)

StoredRow = tuple[int, bytes, int, bytes, bytes]
"""One event as stored: position, aggregate id (UTF-8), version, topic (UTF-8), stored state."""


class LogRows(Protocol):
    """The event log's rows as stored, nothing decoded: what checkpoints hash."""

    def rows(self, after: int, stop: int, limit: int) -> Sequence[StoredRow]:
        """Up to ``limit`` events after position ``after`` and up to ``stop``, in log order."""
        ...


class Clock(Protocol):
    """Tells the current time (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current moment."""
        ...


@attrs.frozen
class Comment:
    """A reader's comment on a published post, as the platform reports it."""

    external_id: str
    author_handle: str
    text: str
    posted_at: datetime


@runtime_checkable
class PlatformGateway(Protocol):
    """Publishes post variants on one platform and reads back what readers did with them."""

    @property
    def platform(self) -> Platform:
        """The platform this gateway talks to."""
        ...

    @property
    def limits(self) -> PlatformLimits:
        """What one post may contain on this platform."""
        ...

    @property
    def supports_idempotency_key(self) -> bool:
        """Whether the platform itself ignores a repeated publish with the same key."""
        ...

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        """Publish ``variant``; raise :class:`~libops.domain.errors.PlatformError` on failure."""
        ...

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        """The receipt of an earlier publish made with ``idempotency_key``, if it went through."""
        ...

    def metrics(self, external_id: str) -> MetricSnapshot:
        """The current cumulative counts of a published post."""
        ...

    def comments(self, external_id: str, since: datetime | None = None) -> Sequence[Comment]:
        """Readers' comments on a published post, oldest first, after ``since`` if given."""
        ...


@runtime_checkable
class KeyStore(Protocol):
    """Keeps one secret key per data subject, outside the event store, and forgets it on request.

    Erasing a subject deletes its key and remembers the subject id (and nothing else) as
    erased, so that no new key is ever made for it. The store also keeps one secret of its
    own, from which stable pseudonyms for platform handles are derived.
    """

    def get_or_create(self, subject_id: str) -> bytes:
        """The subject's 32-byte AES key, made now if it has none.

        Raises :class:`~libops.domain.errors.SubjectErasedError` if the subject was erased.
        """
        ...

    def get(self, subject_id: str) -> bytes | None:
        """The subject's key, or None if the subject was erased or has no key."""
        ...

    def erase(self, subject_id: str) -> bool:
        """Delete the subject's key for good; True if the subject was not erased before."""
        ...

    def is_erased(self, subject_id: str) -> bool:
        """Whether the subject was erased."""
        ...

    def pseudonym_secret(self) -> bytes:
        """This store's own secret (at least 32 bytes) for deriving subject ids; never changes."""
        ...

    def close(self) -> None:
        """Release the store's connections (a closed store is not used again)."""
        ...


@runtime_checkable
class Sealer(Protocol):
    """Authenticated encryption of small secrets, bound to what they belong to.

    Readers' personal data and a contest's seed are sealed with it; whatever is sealed
    opens only with the same key and the same ``bound_to`` bytes.
    """

    def seal(self, key: bytes, plaintext: bytes, bound_to: bytes) -> tuple[bytes, bytes]:
        """Encrypt ``plaintext`` under ``key``; returns ``(nonce, ciphertext)``."""
        ...

    def open(self, key: bytes, nonce: bytes, ciphertext: bytes, bound_to: bytes) -> bytes | None:
        """The plaintext, or None if it does not open (altered, or bound to something else)."""
        ...


# --- taking posts down (issue 11, item 2: HTTP adapters) ---------------------------------


@runtime_checkable
class SupportsTakeDown(Protocol):
    """A gateway that can also remove a published post from its platform (optional: a
    :class:`PlatformGateway` need not offer it; check with ``isinstance``)."""

    def take_down(self, external_id: str) -> None:
        """Remove the post from the platform; a post gone already counts as removed.

        Raises :class:`~libops.domain.errors.PlatformError` when the platform did not
        confirm it: the post must then be treated as still live.
        """


# --- credentials (issue 11, item 4) -----------------------------------------------------------


class Secret:
    """A secret value (a token, a password, an app secret) that never shows itself.

    Its ``repr`` and ``str`` are ``Secret('***')``, so a secret in a log line, an error, a
    traceback's locals or an attrs class's repr gives nothing away; :meth:`reveal` hands the
    value to the one place that sends it. Two secrets are equal when their values are
    (compared in constant time).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds text, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
        """The value itself: pass it straight to the platform, never print or log it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        import hmac

        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, len(self._value)))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not pickled: keep it in a credential store")


@attrs.frozen
class CredentialInfo:
    """What may be shown about a stored credential: its account, name, when it was last set
    (rotated) and where it is kept. Never its value."""

    account: str
    name: str
    rotated_at: datetime | None
    source: str


class CredentialStore(Protocol):
    """Where platform credentials are kept, by platform account (``weibo`` or
    ``weibo/citylibrary``) and name (``access_token``, ``app_secret``, ...).

    Setting a name that exists rotates it: the new value replaces the old, with the time.
    """

    def get(self, account: str, name: str) -> Secret | None:
        """The credential's value, or None if none is stored."""
        ...

    def set(self, account: str, name: str, value: Secret | str) -> CredentialInfo:
        """Store (or rotate) a credential; what may be shown about it afterwards."""
        ...

    def remove(self, account: str, name: str) -> bool:
        """Forget a credential; whether there was one."""
        ...

    def list(self, account: str | None = None) -> Sequence[CredentialInfo]:
        """What is stored (all accounts, or one), by account and name; never values."""
        ...

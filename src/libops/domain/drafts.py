"""Sealed drafts: the free text of each revision of a post, under a key of its own.

A post's title, body, source, licence and the text of each platform variant can carry
personal data that the review finds (a reader's phone number, an ID-card number). None of it
is written to the event store in clear: the application seals each text of a revision (the
draft is revision 1, each revision after it is the version of its ``Post.Revised`` event)
under that revision's own key, kept in the key store outside the event store, and the event
carries the sealed texts (and :data:`SEALED_TEXT` where the text was). Destroying the key of
a revision (a *redaction*) makes its texts unreadable for good; they then read as
:data:`REDACTED_TEXT` everywhere. Events recorded before drafts were sealed keep their text
in clear and read as before.

Pure: sealing needs a key store and random nonces, so the aggregate is given a
:class:`DraftSealer` by the application and never opens anything itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Protocol
from uuid import UUID

import attrs

from libops.domain.errors import InvalidValueError
from libops.domain.validation import require_instance

SEALED_TEXT: Final = "[sealed]"
"""What a stored event holds where a text was sealed (its clear form is in ``sealed``)."""

REDACTED_TEXT: Final = "[redacted]"
"""How the text of a redacted revision reads wherever it is shown."""

DRAFT_KEY_PREFIX: Final = "post-draft"
"""Key store ids of draft keys start with this (``post-draft:<post id>:<revision>``)."""

TEXT_FIELDS: Final = ("title", "body", "source", "licence")
"""The sealed texts of a post besides its variants' (``variant:<platform>``)."""

_FIELD: Final = re.compile(r"(title|body|source|licence|variant:[a-z_]{1,40})")


def draft_key_id(post_id: UUID, revision: int) -> str:
    """The key store id of the key that seals revision ``revision`` of post ``post_id``."""
    return f"{DRAFT_KEY_PREFIX}:{_post_id(post_id)}:{_revision(revision)}"


def draft_associated_data(post_id: UUID, revision: int, field: str) -> bytes:
    """What one sealed text is bound to: its post, its revision and its field's name.

    A sealed text copied to another post, revision or field does not open there.
    """
    if not isinstance(field, str) or _FIELD.fullmatch(field) is None:
        raise InvalidValueError(f"{field!r} is not a sealed text of a post")
    return f"libops-post-draft\x00{_post_id(post_id)}\x00{_revision(revision)}\x00{field}".encode()


def _post_id(value: object) -> UUID:
    return require_instance(UUID, value, "a post id is a UUID")


def _revision(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(f"a revision is a whole number from 1, not {value!r}")
    return value


def revision_number(value: object) -> int:
    """``value`` if it is a revision number (a post version, from 1), else raise."""
    return _revision(value)


class DraftSealer(Protocol):
    """Seals the texts of one revision of a post under that revision's own key."""

    def seal(self, post_id: UUID, revision: int, texts: Mapping[str, str]) -> dict[str, str]:
        """Each text of ``texts`` sealed (base64 text), by field name, bound to its place."""
        ...


@attrs.frozen
class Redaction:
    """Who destroyed the key of one revision of a post, and why."""

    revision: int
    actor_id: str
    reason: str

"""Sealed drafts: each revision's texts sealed under a key of its own, opened, redacted.

The texts of a post's draft and of each revision (title, body, source, licence, each
variant's text) are sealed with the one AES-GCM :class:`~libops.domain.ports.Sealer` under
a key kept in the :class:`~libops.domain.ports.KeyStore`, one key per revision (key id
``post-draft:<post id>:<revision>``), bound to the post id, the revision and the field's
name. A loaded post is opened here (the domain does no I/O) and holds its texts in memory
only. Redacting a revision destroys its key after the ``Post.Redacted`` event is saved; from
then on its texts read as ``[redacted]`` everywhere.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Final
from uuid import UUID

from libops.application.app import LibOpsApplication
from libops.application.commands import Context
from libops.application.dependencies import Dependencies
from libops.domain.drafts import REDACTED_TEXT, draft_associated_data, draft_key_id
from libops.domain.errors import DraftKeyMissingError, DraftTamperedError, InvalidValueError
from libops.domain.personal import NONCE_BYTES, TAG_BYTES
from libops.domain.ports import KeyStore, Sealer
from libops.domain.post import Post

PLAINTEXT_BLOCK: Final = 64
"""Sealed texts are padded to a multiple of this many bytes, so lengths say little."""

PLAINTEXT_FORMAT: Final = 1
"""The version of a sealed text's layout (a JSON object), kept inside the ciphertext."""


def _plaintext(text: str) -> bytes:
    data = json.dumps({"v": PLAINTEXT_FORMAT, "t": text}, ensure_ascii=False)
    try:
        encoded = data.encode()
    except UnicodeEncodeError:
        raise InvalidValueError(
            "a post's text must be valid Unicode (no lone surrogates)"
        ) from None
    # JSON ignores trailing white space: pad with spaces to the next whole block.
    return encoded + b" " * (-len(encoded) % PLAINTEXT_BLOCK)


def _text(plaintext: bytes, where: str) -> str:
    try:
        data = json.loads(plaintext)
        if not isinstance(data, dict) or data.get("v") != PLAINTEXT_FORMAT:
            raise ValueError("unknown layout")
        text = data["t"]
        if not isinstance(text, str):
            raise ValueError("not a text")
        return text
    except (ValueError, KeyError, TypeError):
        # Only a holder of the key could have written this: treat it as tampering.
        raise DraftTamperedError(f"the sealed {where} opened but holds no text") from None


class DraftSeals:
    """Seals, opens and destroys the texts of posts' revisions, a key per revision."""

    def __init__(self, keys: KeyStore, sealer: Sealer) -> None:
        self._keys = keys
        self._sealer = sealer

    def seal(self, post_id: UUID, revision: int, texts: Mapping[str, str]) -> dict[str, str]:
        """Each of ``texts`` sealed under the revision's key (made now), as base64 text.

        Each is bound to the post, the revision and its field's name, and padded to a whole
        number of blocks.
        """
        bound = {field: draft_associated_data(post_id, revision, field) for field in texts}
        plain = {field: _plaintext(text) for field, text in texts.items()}
        key = self._keys.get_or_create(draft_key_id(post_id, revision))
        sealed = {}
        for field, plaintext in plain.items():
            nonce, ciphertext = self._sealer.seal(key, plaintext, bound[field])
            sealed[field] = base64.b64encode(nonce + ciphertext).decode("ascii")
        return sealed

    def open(self, post: Post) -> Post:
        """Open the sealed texts ``post`` reads now and hold them on it (in memory); returns it.

        A text whose revision's key was destroyed reads ``[redacted]``. Raises
        :class:`DraftTamperedError` for a text that does not open where it is, and
        :class:`DraftKeyMissingError` when the key store has no key for a revision that was
        never redacted (a key store that does not belong to the event store).
        """
        opened: dict[str, str] = {}
        keys: dict[int, bytes | None] = {}
        for field, revision, sealed in post.sealed_texts():
            if revision not in keys:
                keys[revision] = self._key(post.id, revision)
            key = keys[revision]
            if key is None:
                opened[field] = REDACTED_TEXT
                continue
            where = f"{field} of revision {revision} of post {post.id}"
            nonce, ciphertext = _split(sealed, where)
            plaintext = self._sealer.open(
                key, nonce, ciphertext, draft_associated_data(post.id, revision, field)
            )
            if plaintext is None:
                raise DraftTamperedError(
                    f"the sealed {where} does not open: it was altered or copied from "
                    "another post, revision or text"
                )
            opened[field] = _text(plaintext, where)
        post.hold_opened_texts(opened)
        return post

    def _key(self, post_id: UUID, revision: int) -> bytes | None:
        key_id = draft_key_id(post_id, revision)
        key = self._keys.get(key_id)
        if key is None and not self._keys.is_erased(key_id):
            raise DraftKeyMissingError(
                f"the key store has no key for revision {revision} of post {post_id}, which "
                "was never redacted: is this the key store that belongs to the event store?"
            )
        return key

    def destroy(self, post_id: UUID, revision: int) -> bool:
        """Destroy the key of ``revision`` for good; True if it was not destroyed before."""
        return self._keys.erase(draft_key_id(post_id, revision))

    def is_destroyed(self, post_id: UUID, revision: int) -> bool:
        """Whether the key of ``revision`` of the post was destroyed."""
        return self._keys.is_erased(draft_key_id(post_id, revision))


def _split(sealed: str, where: str) -> tuple[bytes, bytes]:
    try:
        raw = base64.b64decode(sealed.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise DraftTamperedError(f"the sealed {where} is not base64 text") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DraftTamperedError(f"the sealed {where} is too short to be sealed text")
    return raw[:NONCE_BYTES], raw[NONCE_BYTES:]


def draft_seals(deps: Dependencies) -> DraftSeals:
    """The draft sealing of one opened libops (its key store and sealer)."""
    return DraftSeals(deps.keys, deps.sealer)


def load_post(ctx: Context, post_id: UUID | str) -> Post:
    """The post, loaded in the command's context, with its texts opened."""
    return draft_seals(ctx.deps).open(ctx.load(Post, post_id))


def get_post(app: LibOpsApplication, deps: Dependencies, post_id: UUID | str) -> Post:
    """The post's current state with its texts opened (a fresh copy)."""
    return draft_seals(deps).open(app.load(Post, post_id))


def destroy_redacted_keys(ctx: Context, post: Post, *also: int) -> None:
    """Once the command is saved, destroy the keys of the revisions it redacted.

    The keys go only after the ``Post.Redacted`` events are saved, so a failed save leaves
    the texts readable and nothing recorded. ``also`` names revisions redacted before whose
    keys must be gone too (an interrupted redaction is finished by redacting again).
    """
    revisions = {e.revision for e in post.pending_events if isinstance(e, Post.Redacted)}
    revisions.update(also)
    if not revisions:
        return
    seals = draft_seals(ctx.deps)

    def destroy() -> None:
        for revision in sorted(revisions):
            seals.destroy(post.id, revision)

    ctx.after_save(destroy)

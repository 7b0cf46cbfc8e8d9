"""Sign-off by link (``/sign-off``): an operations admin gives an approver outside the team (a
director, who has a libops user with the reviewer role but never signs in) a link to approve
or send back one post awaiting review.

The link carries a random secret (32 bytes); the store keeps only its SHA-256, with the post,
the approver's login, who made it and when it expires, under ``web.signoffs`` in the view
tables (like the sessions: not an event). A tampered or made-up link matches nothing. The
link is used once: claiming it is a compare-and-set on the view's position, so two
requests, even in two server processes, cannot both use it; a decision the post refuses
(an unchecked checklist item, say) gives the claim back. The decision itself is the
ordinary review (``post.review``), recorded as the approver's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from libops.domain.errors import MalformedRequestError
from libops.projections.ports import ViewChanges, ViewStore

SIGNOFFS: Final = "web.signoffs"
LIFETIME: Final = timedelta(days=3)
"""How long a sign-off link may be used."""

_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{43}")
_REDACT: Final = re.compile(r"(/sign-off/)[A-Za-z0-9_-]+")


def redact(path: str) -> str:
    """``path`` with any sign-off secret in it replaced (for logs)."""
    return _REDACT.sub(r"\1[secret]", path)


def _key(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


@attrs.frozen
class Link:
    key: str
    post_id: str
    login: str
    made_by: str
    expires: datetime
    used: bool = False


class SignOffs:
    """The sign-off links of one store."""

    def __init__(self, views: ViewStore, now: Callable[[], datetime]) -> None:
        self._views = views
        self._now = now

    def _commit(self, expected: int, changes: dict[str, str | None]) -> bool:
        return self._views.commit([ViewChanges(SIGNOFFS, expected, expected + 1, changes)])

    @staticmethod
    def _document(link: Link) -> str:
        return json.dumps(
            {
                "post_id": link.post_id,
                "login": link.login,
                "made_by": link.made_by,
                "expires": link.expires.isoformat(),
                "used": link.used,
            }
        )

    def make(self, post_id: str, login: str, made_by: str) -> tuple[str, Link]:
        """A new link's secret (shown once) and the link."""
        secret = secrets.token_urlsafe(32)
        link = Link(_key(secret), post_id, login, made_by, self._now() + LIFETIME)
        while not self._commit(self._views.position(SIGNOFFS), {link.key: self._document(link)}):
            pass  # another link was made or used meanwhile: try again at the new position
        return secret, link

    def find(self, secret: str) -> Link:
        """The unused, unexpired link of ``secret``, or :class:`MalformedRequestError`
        (field ``link``)."""
        return self._check(self._load(secret)[1])

    def _load(self, secret: str) -> tuple[int, Link | None]:
        position = self._views.position(SIGNOFFS)
        if not _SECRET.fullmatch(secret):
            return position, None
        text = self._views.load(SIGNOFFS, _key(secret))
        if text is None:
            return position, None
        data: dict[str, Any] = json.loads(text)
        return position, Link(
            _key(secret),
            data["post_id"],
            data["login"],
            data["made_by"],
            datetime.fromisoformat(data["expires"]),
            bool(data["used"]),
        )

    def _check(self, link: Link | None) -> Link:
        if link is None:
            raise MalformedRequestError("link", "this sign-off link is not valid")
        if link.used:
            raise MalformedRequestError("link", "this sign-off link has been used already")
        if link.expires <= self._now():
            raise MalformedRequestError("link", "this sign-off link has expired")
        return link

    def claim(self, secret: str) -> Link:
        """Mark the link of ``secret`` used (once: a second claim, even at the same time
        elsewhere, is refused)."""
        while True:
            position, found = self._load(secret)
            link = self._check(found)
            used = attrs.evolve(link, used=True)
            if self._commit(position, {link.key: self._document(used)}):
                return link

    def give_back(self, link: Link) -> None:
        """Make a claimed link usable again (the decision was refused, nothing recorded)."""
        while not self._commit(self._views.position(SIGNOFFS), {link.key: self._document(link)}):
            pass


class RedactSecrets(logging.Filter):
    """A log filter replacing sign-off secrets in a record's arguments (uvicorn's access log
    passes the path as one), so ``--access-log`` never writes a usable link."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def keep_secrets_out_of_logs() -> None:
    """Add :class:`RedactSecrets` to uvicorn's access log (once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())

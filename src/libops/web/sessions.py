"""Web sessions: a random id in a cookie, its SHA-256 in the store (docs/web.md, Security).

A session id is 32 random bytes (256 bits, base64url). Only its SHA-256 is kept, as a
document of the view store under :data:`SESSIONS` (in memory, in the SQLite file or in the
PostgreSQL schema, like the projections' views): every worker process of ``libops serve``
sees every session, and a copy of the store does not hand out live session ids. A session
holds the signed-in login, its CSRF token (32 random bytes), when it began and when it was
last used. It ends when signed out, after :data:`IDLE` without a request, and
:data:`ABSOLUTE` after sign-in whatever happens. A new id is made at every sign-in (an id
known before sign-in is never reused: no session fixation).
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

import attrs

from libops.domain.errors import CrossSiteRequestError, WebSessionError
from libops.projections.ports import ViewChanges, ViewStore
from libops.web.view_tables import hashed_secret

SESSIONS: Final = "web.sessions"
"""The view-store name the sessions' documents are kept under (not a projection)."""

IDLE: Final = timedelta(hours=2)
"""A session ends after this long without a request."""

ABSOLUTE: Final = timedelta(hours=12)
"""A session ends this long after sign-in, however it is used."""

TOUCH_EVERY: Final = timedelta(minutes=1)
"""A session's last use is written at most this often (not on every request)."""

ID_BYTES: Final = 32

session_key: Final = hashed_secret
"""The key a session is kept under: the SHA-256 of its id (hex)."""


@attrs.frozen
class Session:
    """A live session: who is signed in, the CSRF token of its forms, and its times."""

    key: str
    login: str
    csrf: str
    started: datetime
    seen: datetime

    def check_csrf(self, given: str | None) -> None:
        """Raise :class:`CrossSiteRequestError` unless ``given`` is this session's token."""
        if not given or not hmac.compare_digest(given.encode("utf-8"), self.csrf.encode("utf-8")):
            raise CrossSiteRequestError(
                "the form does not carry this session's CSRF token: reload the page and retry"
            )


class Sessions:
    """The sessions of one store, kept in its view store (thread-safe as the view store is)."""

    def __init__(
        self,
        views: ViewStore,
        now: Callable[[], datetime],
        *,
        idle: timedelta = IDLE,
        absolute: timedelta = ABSOLUTE,
    ) -> None:
        self._views = views
        self._now = now
        self.idle = idle
        self.absolute = absolute

    def _write(self, changes: dict[str, str | None]) -> None:
        # Not a projection: its position stays 0, so the compare-and-set always holds.
        if not self._views.commit([ViewChanges(SESSIONS, 0, 0, changes)]):
            raise RuntimeError("the sessions' position moved: something else writes there")

    def start(self, login: str, *, replacing: str | None = None) -> tuple[str, Session]:
        """A new session for ``login``: (its id, for the cookie, and the session). The
        session ``replacing`` names (an id the browser had before) is ended first."""
        if replacing:
            self.end(replacing)
        session_id = secrets.token_urlsafe(ID_BYTES)
        now = self._now()
        session = Session(
            hashed_secret(session_id), login, secrets.token_urlsafe(ID_BYTES), now, now
        )
        self._write({session.key: json.dumps(self._document(session))})
        return session_id, session

    @staticmethod
    def _document(session: Session) -> dict[str, str]:
        return {
            "login": session.login,
            "csrf": session.csrf,
            "started": session.started.isoformat(),
            "seen": session.seen.isoformat(),
        }

    def find(self, session_id: str | None) -> Session:
        """The live session with id ``session_id`` (its last use moved to now), or
        :class:`WebSessionError`; an expired one is removed."""
        if not session_id:
            raise WebSessionError("not signed in")
        key = hashed_secret(session_id)
        text = self._views.load(SESSIONS, key)
        if text is None:
            raise WebSessionError("the session is unknown or was signed out")
        found = json.loads(text)
        session = Session(
            key,
            found["login"],
            found["csrf"],
            datetime.fromisoformat(found["started"]),
            datetime.fromisoformat(found["seen"]),
        )
        now = self._now()
        if now - session.started >= self.absolute or now - session.seen >= self.idle:
            self._views.discard(SESSIONS, [key])
            raise WebSessionError("the session has expired: sign in again")
        if now - session.seen >= TOUCH_EVERY:
            session = attrs.evolve(session, seen=now)
            self._write({key: json.dumps(self._document(session))})
        return session

    def end(self, session_id: str) -> None:
        """Forget the session ``session_id`` (nothing happens if there is none)."""
        self._views.discard(SESSIONS, [hashed_secret(session_id)])

    def end_expired(self) -> int:
        """Remove every expired session; how many were removed."""
        now = self._now()
        gone = []
        for key, text in self._views.rows(SESSIONS):
            found = json.loads(text)
            started = datetime.fromisoformat(found["started"])
            seen = datetime.fromisoformat(found["seen"])
            if now - started >= self.absolute or now - seen >= self.idle:
                gone.append(key)
        if gone:
            self._views.discard(SESSIONS, gone)
        return len(gone)

"""What the web app's own records share: sign-off links, budget requests, import uploads and
the "collect metrics now" run are kept in a table of the store's views (not events), so
every server process sees them, and each change is a compare-and-set on that table's
position, so a record claimed in one process is never claimed again in another. The
records reached by a secret are kept under its hash (:func:`hashed_secret`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import ClassVar

from libops.projections.ports import ViewChanges, ViewStore


def hashed_secret(secret: str) -> str:
    """The key a record reached by a secret (a session id, a sign-off link's secret, an
    upload's id) is kept under: the secret's SHA-256 in hex, so the store never holds it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ViewTable:
    """Records kept in the view table :attr:`TABLE` of ``views``; ``now`` tells the time
    (for their expiry)."""

    TABLE: ClassVar[str]
    """The view table's name."""

    def __init__(self, views: ViewStore, now: Callable[[], datetime]) -> None:
        self._views = views
        self._now = now

    def _commit(self, expected: int, changes: Mapping[str, str | None]) -> bool:
        """Write ``changes`` (a document's JSON text by key; None deletes it) if the table is
        still at position ``expected``; False, writing nothing, if it moved on."""
        return self._views.commit([ViewChanges(self.TABLE, expected, expected + 1, changes)])

    def _write(self, changes: Mapping[str, str | None]) -> None:
        """Write ``changes`` whatever else was written meanwhile."""
        while not self._commit(self._views.position(self.TABLE), changes):
            pass  # another record was written meanwhile: again at the new position

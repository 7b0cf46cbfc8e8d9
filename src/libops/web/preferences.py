"""Each person's chosen language (docs/web.md): kept in the store's view tables under
:data:`PREFERENCES` (like the sessions: not an event), by login, so that signing in on
another browser opens the pages in the language the person chose last.
"""

from __future__ import annotations

import json
from typing import Final

from libops.projections.ports import ViewChanges, ViewStore

PREFERENCES: Final = "web.preferences"
"""The view-store name the preferences are kept under (not a projection)."""


class Preferences:
    """The people's language preferences."""

    def __init__(self, views: ViewStore, languages: frozenset[str]) -> None:
        self._views = views
        self._languages = languages

    def language(self, login: str) -> str | None:
        """The language ``login`` chose last (None if they never chose one)."""
        text = self._views.load(PREFERENCES, login)
        if text is None:
            return None
        chosen = json.loads(text).get("lang")
        return chosen if chosen in self._languages else None

    def choose(self, login: str, lang: str) -> None:
        """Remember ``lang`` (one of the languages) for ``login``."""
        if lang not in self._languages:
            raise ValueError(f"{lang!r} is not one of {sorted(self._languages)}")
        changes = {login: json.dumps({"lang": lang})}
        # Not a projection: its position stays 0, so the compare-and-set always holds.
        if not self._views.commit([ViewChanges(PREFERENCES, 0, 0, changes)]):
            raise RuntimeError("the preferences' position moved: something else writes there")

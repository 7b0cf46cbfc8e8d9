"""The ledger of publishes the adapters without idempotency keys keep (Weibo, Douyin; and
Mastodon, whose key lasts an hour): what each key made, so a publish is never made twice.

Before a publish is sent its key is noted as *pending*, with when it was sent and its text's
fingerprint; once the platform answers, the key names the post made. A pending key whose
answer was lost is looked for among the account's latest posts (by the fingerprint, after
the time sent, among posts no other key claims). The entries are text in any mutable mapping
(a dict by default; a ``shelve`` shares it between processes):

- ``pending:<ISO time sent>|<fingerprint>`` (Mastodon's older ``pending:<fingerprint>`` reads
  as sent at an unknown time);
- ``<post id>`` or ``<post id>|<ISO time made>`` once made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from libops.domain.errors import UnknownPlatformPostError
from libops.domain.values import PublishReceipt

PENDING: Final = "pending:"


@attrs.frozen
class Pending:
    """A publish sent (or about to be) whose answer has not come: its text's fingerprint and
    when it was sent (None in entries that did not keep it)."""

    fingerprint: str
    sent_at: datetime | None = None

    @property
    def entry(self) -> str:
        """The ledger's text for it."""
        sent = "" if self.sent_at is None else self.sent_at.isoformat()
        return f"{PENDING}{sent}|{self.fingerprint}"


def _pending(entry: str) -> Pending | None:
    if not entry.startswith(PENDING):
        return None
    rest = entry.removeprefix(PENDING)
    if "|" not in rest:
        return Pending(rest)
    sent, _, fingerprint = rest.partition("|")
    try:
        return Pending(fingerprint, datetime.fromisoformat(sent) if sent else None)
    except ValueError:
        return Pending(fingerprint)


def _made(entry: str) -> tuple[str, datetime | None]:
    post_id, _, when = entry.partition("|")
    try:
        return post_id, datetime.fromisoformat(when) if when else None
    except ValueError:
        return post_id, None


Search = Callable[[Pending], PublishReceipt | None]
"""Looks a pending publish up among the account's latest posts: its receipt, or None."""

Fetch = Callable[[str, "datetime | None"], PublishReceipt]
"""The receipt of the post with that id (made at that time, if known), read from the
platform; raises :class:`UnknownPlatformPostError` if the platform no longer has it."""


class PublishLedger:
    """Idempotency keys → what their publish made, over ``entries`` (a dict by default);
    ``keep_times``: a made post's entry keeps when it was made (Douyin's, whose fresh items
    are listed late)."""

    def __init__(
        self, entries: MutableMapping[str, str] | None = None, *, keep_times: bool = False
    ) -> None:
        self.entries: MutableMapping[str, str] = {} if entries is None else entries
        self._keep_times = keep_times

    def __repr__(self) -> str:
        return f"PublishLedger({len(self.entries)} keys)"

    def pending(self, key: str, fingerprint: str, sent_at: datetime) -> Pending:
        """Note that ``key``'s publish is about to be sent (kept as it was if an earlier
        attempt noted it already): what a look-up after a lost answer searches for."""
        entry = self.entries.get(key)
        earlier = None if entry is None else _pending(entry)
        if earlier is not None:
            return earlier
        noted = Pending(fingerprint, sent_at)
        self.entries[key] = noted.entry
        return noted

    def made(self, key: str, post_id: str, made_at: datetime | None = None) -> None:
        """From now on ``key`` names the post ``post_id`` (made at ``made_at``, kept with
        ``keep_times``)."""
        if self._keep_times and made_at is not None:
            self.entries[key] = f"{post_id}|{made_at.isoformat()}"
        else:
            self.entries[key] = post_id

    def claimed(self, key: str) -> set[str]:
        """The ids of the posts every other key made (a search must not hand them out)."""
        return {
            _made(entry)[0]
            for other, entry in self.entries.items()
            if other != key and not entry.startswith(PENDING)
        }

    def find_published(self, key: str, *, search: Search, fetch: Fetch) -> PublishReceipt | None:
        """The post made with ``key``: a pending one looked up with ``search`` (and then
        noted as made), a made one read with ``fetch`` (None if the platform no longer has
        it); None for a key never used."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        pending = _pending(entry)
        if pending is not None:
            found = search(pending)
            if found is not None:
                self.made(key, found.external_id, found.published_at)
            return found
        post_id, made_at = _made(entry)
        try:
            return fetch(post_id, made_at)
        except UnknownPlatformPostError:
            return None


def match(
    pending: Pending,
    claimed: set[str],
    posts: Iterable[Mapping[str, Any]],
    *,
    id_of: Callable[[Mapping[str, Any]], str],
    fingerprint_of: Callable[[Mapping[str, Any]], str],
    time_of: Callable[[Mapping[str, Any]], datetime],
    slack: timedelta,
) -> dict[str, Any] | None:
    """The first of ``posts`` (the account's latest) that a pending publish made: the same
    fingerprint, made no earlier than ``slack`` before it was sent, and claimed by no other
    key. None if none is, or if the entry does not say when it was sent."""
    if pending.sent_at is None:
        return None
    after = pending.sent_at - slack
    for post in posts:
        if id_of(post) in claimed or fingerprint_of(post) != pending.fingerprint:
            continue
        if time_of(post) >= after:
            return dict(post)
    return None

"""The publish ledger the HTTP adapters without idempotency keys share (Weibo, Douyin,
Mastodon): pending and made entries, the look-up of a lost answer, old entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from libops.adapters.platforms_http._ledger import Pending, PublishLedger, match
from libops.domain.errors import UnknownPlatformPostError
from libops.domain.values import Platform, PublishReceipt

SENT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def receipt(post_id: str, at: datetime = SENT) -> PublishReceipt:
    return PublishReceipt(Platform.WEIBO, post_id, f"https://weibo.example/{post_id}", at)


def never(*_args: object) -> Any:
    raise AssertionError("not to be called")


class TestEntries:
    def test_a_pending_publish_is_noted_once(self) -> None:
        entries: dict[str, str] = {}
        ledger = PublishLedger(entries)
        first = ledger.pending("k", "fp1", SENT)
        assert first == Pending("fp1", SENT)
        assert ledger.pending("k", "fp2", SENT + timedelta(hours=1)) == first  # a retry
        assert entries == {"k": f"pending:{SENT.isoformat()}|fp1"}

    def test_made_posts_are_claimed_by_their_key(self) -> None:
        ledger = PublishLedger()
        ledger.pending("a", "fp", SENT)
        ledger.made("b", "42", SENT)
        ledger.made("c", "43")
        assert ledger.entries["b"] == "42"  # no time unless kept
        assert ledger.claimed("a") == {"42", "43"}
        assert ledger.claimed("b") == {"43"}

    def test_keep_times(self) -> None:
        ledger = PublishLedger(keep_times=True)
        ledger.made("k", "@9v", SENT)
        assert ledger.entries["k"] == f"@9v|{SENT.isoformat()}"
        assert ledger.claimed("other") == {"@9v"}


class TestFindPublished:
    def test_a_key_never_used_is_none(self) -> None:
        assert PublishLedger().find_published("k", search=never, fetch=never) is None

    def test_a_pending_one_found_is_noted_as_made(self) -> None:
        ledger = PublishLedger(keep_times=True)
        ledger.pending("k", "fp", SENT)
        searched: list[Pending] = []

        def search(pending: Pending) -> PublishReceipt:
            searched.append(pending)
            return receipt("7")

        assert ledger.find_published("k", search=search, fetch=never) == receipt("7")
        assert searched == [Pending("fp", SENT)]
        assert ledger.entries["k"] == f"7|{SENT.isoformat()}"

    def test_a_pending_one_not_found_stays_pending(self) -> None:
        ledger = PublishLedger()
        ledger.pending("k", "fp", SENT)
        assert ledger.find_published("k", search=lambda p: None, fetch=never) is None
        assert ledger.entries["k"].startswith("pending:")

    def test_a_made_one_is_fetched_and_none_once_gone(self) -> None:
        ledger = PublishLedger({"k": f"9|{SENT.isoformat()}", "old": "8"})
        asked: list[tuple[str, datetime | None]] = []

        def fetch(post_id: str, made: datetime | None) -> PublishReceipt:
            asked.append((post_id, made))
            if post_id == "8":
                raise UnknownPlatformPostError("weibo", post_id)
            return receipt(post_id)

        assert ledger.find_published("k", search=never, fetch=fetch) == receipt("9")
        assert ledger.find_published("old", search=never, fetch=fetch) is None
        assert asked == [("9", SENT), ("8", None)]

    def test_older_entries_still_read(self) -> None:
        """Mastodon's ``pending:<fingerprint>`` (no time) is searched by its fingerprint;
        a time that does not parse reads as unknown."""
        ledger = PublishLedger({"m": "pending:abc123", "bad": "pending:not-a-time|fp"})
        seen: list[Pending] = []
        ledger.find_published("m", search=lambda p: seen.append(p), fetch=never)
        ledger.find_published("bad", search=lambda p: seen.append(p), fetch=never)
        assert seen == [Pending("abc123"), Pending("fp")]


class TestMatch:
    POSTS = (
        {"id": "1", "text": "same", "at": SENT - timedelta(hours=2)},  # too early
        {"id": "2", "text": "same", "at": SENT},  # claimed by another key
        {"id": "3", "text": "other", "at": SENT},
        {"id": "4", "text": "same", "at": SENT - timedelta(minutes=5)},  # within the slack
    )

    def find(self, pending: Pending, claimed: set[str]) -> dict[str, Any] | None:
        return match(
            pending,
            claimed,
            self.POSTS,
            id_of=lambda p: str(p["id"]),
            fingerprint_of=lambda p: str(p["text"]),
            time_of=lambda p: p["at"],
            slack=timedelta(minutes=10),
        )

    def test_same_text_in_time_unclaimed(self) -> None:
        found = self.find(Pending("same", SENT), {"2"})
        assert found is not None
        assert found["id"] == "4"
        found = self.find(Pending("same", SENT), set())
        assert found is not None
        assert found["id"] == "2"

    @pytest.mark.parametrize("pending", [Pending("same"), Pending("nothing", SENT)])
    def test_none_without_a_time_or_a_match(self, pending: Pending) -> None:
        assert self.find(pending, set()) is None

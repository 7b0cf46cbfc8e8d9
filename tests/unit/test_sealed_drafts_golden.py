"""The golden file of sealed drafts: the stored form of sealed texts and of redactions.

Expectations are written out by hand. The sealed texts are opened here with the golden key
store's keys and AES-GCM directly, which pins the key ids, the associated data and the
padded plaintext layout; the older files (post_events.json and others) keep their texts in
clear and are checked by test_golden.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from libops import LibOps, PostStatus
from libops.domain.drafts import SEALED_TEXT, Redaction
from tests.golden.regenerate import GoldenKeyStore, load, stored_events

NAME = "sealed_post_events.json"
POST = UUID("5ea1ed00-0000-4000-8000-000000000001")
CLEAN_REASON = "sent back for personal data: mobile_number in body, mobile_number in variant:weibo"

RECORDS = [
    (1, "libops:Post.Drafted"),
    (2, "libops:Post.Revised"),
    (3, "libops:Post.SubmittedForReview"),
    (4, "libops:Post.ChangesRequested"),
    (5, "libops:Post.Redacted"),
    (6, "libops:Post.Revised"),
    (7, "libops:Post.Redacted"),
    (8, "libops:Post.Revised"),
    (9, "libops:Post.SubmittedForReview"),
    (10, "libops:Post.Approved"),
]


def _raw(version: int) -> dict[str, Any]:
    state = json.loads(load(NAME)[version - 1]["state"])
    assert isinstance(state, dict)
    return state


def _open(revision: int, field: str, sealed: str) -> str:
    """One sealed text opened by hand: the key, associated data and layout libops uses."""
    key_id = f"post-draft:{POST}:{revision}"
    key = hashlib.sha256(b"libops-golden-key\x00" + key_id.encode()).digest()
    raw = base64.b64decode(sealed)
    bound = f"libops-post-draft\x00{POST}\x00{revision}\x00{field}".encode()
    plaintext = AESGCM(key).decrypt(raw[:12], raw[12:], bound)
    assert len(plaintext) % 64 == 0  # padded to whole blocks
    data = json.loads(plaintext)
    assert data["v"] == 1
    text = data["t"]
    assert isinstance(text, str)
    return text


@pytest.fixture
def golden_ops() -> Iterator[LibOps]:
    with LibOps.open("memory://", keys=GoldenKeyStore()) as opened:
        opened.app.recorder.insert_events(stored_events(load(NAME)))
        yield opened


class TestSealedPostGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """One post, ten events, in this order."""
        records = load(NAME)
        assert {UUID(r["originator_id"]) for r in records} == {POST}
        assert [(r["originator_version"], r["topic"]) for r in records] == RECORDS

    def test_no_text_is_stored_in_clear(self) -> None:
        """Texts read [sealed] in the events; the reader's number is nowhere in the file."""
        drafted = _raw(1)
        assert (drafted["title"], drafted["body"], drafted["source"]) == (SEALED_TEXT,) * 3
        assert drafted["licence"] is None
        assert drafted["variants"][0]["_data_"]["text"] == SEALED_TEXT
        assert sorted(drafted["sealed"]) == ["body", "source", "title", "variant:weibo"]
        everything = "".join(r["state"] for r in load(NAME))
        assert "13812345678" not in everything
        assert "Zhang" not in everything

    def test_the_sealed_texts_open_with_their_revisions_keys(self) -> None:
        """Each revision's texts open with that revision's key, bound to post and field."""
        drafted, retitled, revised = _raw(1), _raw(2), _raw(6)
        assert _open(1, "body", drafted["sealed"]["body"]) == (
            "读书会报名请致电 13812345678 (Ms Zhang)."
        )
        assert _open(1, "variant:weibo", drafted["sealed"]["variant:weibo"]) == (
            "#读书会# 报名 13812345678"
        )
        assert _open(2, "title", retitled["sealed"]["title"]) == (
            "Reading club: sign up with Ms Zhang"
        )
        assert _open(6, "body", revised["sealed"]["body"]) == "读书会报名请到服务台."
        with pytest.raises(InvalidTag):  # bound to the title: it opens as nothing else
            _open(2, "body", retitled["sealed"]["title"])

    def test_the_redactions(self) -> None:
        """The review's redaction keeps the clean source under its own key; the request's
        records who and why."""
        by_review, on_request = _raw(5), _raw(7)
        assert (by_review["actor_id"], by_review["revision"], by_review["reason"]) == (
            "reviewer-1",
            1,
            CLEAN_REASON,
        )
        assert _open(5, "source", by_review["kept"]["source"]) == "Reader services, City Library"
        assert on_request == {
            "timestamp": {"_type_": "datetime_iso", "_data_": "2026-03-01T08:06:00+00:00"},
            "actor_id": "reviewer-1",
            "campaign_id": None,
            "revision": 2,
            "reason": "the title names the reader",
        }

    def test_the_post_reconstructs(self, golden_ops: LibOps) -> None:
        """Loaded with the golden key store: the texts in use read, redacted ones do not."""
        post = golden_ops.posts.get(POST)
        assert post.version == 10
        assert post.status is PostStatus.APPROVED
        assert post.title == "Reading club: sign up at the desk"
        assert post.body == "读书会报名请到服务台."
        assert post.source == "Reader services, City Library"
        assert post.licence is None
        assert post.variant("weibo").text == "#读书会# 报名请到服务台"
        assert post.revisions() == {
            1: ("title", "body", "source", "licence", "variant:weibo"),
            2: ("title",),
            5: ("source",),
            6: ("body", "variant:weibo"),
            8: ("title",),
        }
        assert post.redactions == {
            1: Redaction(1, "reviewer-1", CLEAN_REASON),
            2: Redaction(2, "reviewer-1", "the title names the reader"),
        }
        assert post.authors == frozenset({"planner-1", "planner-2"})

"""Sealed drafts on every store: no clear text stored, redaction by review or on request.

The done-when test of issue 13, item 7: a draft with a reader's phone number and ID-card
number, sent back by the reviewer, leaves no byte of either in the store. The same search
on a store where drafts are written in clear (as before sealing) finds them, so the search
itself is shown to work.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from psycopg import sql

from libops import (
    LibOps,
    Platform,
    PlatformStatus,
    Post,
    PostStatus,
    PostVariant,
    ReviewChecklist,
    SandboxPlatform,
)
from libops.adapters.clock import ManualClock
from libops.adapters.keystore.memory import MemoryKeyStore
from libops.adapters.platforms import limits_for
from libops.adapters.sealing import AesGcmSealer
from libops.application.drafts import DraftSeals
from libops.domain.drafts import REDACTED_TEXT, SEALED_TEXT, draft_key_id
from libops.domain.errors import (
    DraftKeyMissingError,
    DraftTamperedError,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    PublishedRevisionError,
    RedactedTextError,
    RevisionNotSealedError,
    UnknownRevisionError,
)
from tests.actors import ADMIN, PLANNER, PLANNER2, REVIEWER, TECH
from tests.conftest import STORE_KINDS, make_store_url
from tests.golden.regenerate import unsealed_drafts
from tests.helpers import count_events, refused

PHONE = "13812345678"
ID_CARD = "11010519491231002X"  # a valid check character: the review finds it
TITLE = "读书会报名"
BODY = f"报名请致电 {PHONE}，身份证 {ID_CARD}。"
WEIBO = f"#读书会# 报名 {PHONE}"
PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
NOT_PRIVATE = ReviewChecklist(accuracy=True, copyright=True, privacy=False)


def forms(text: str) -> list[bytes]:
    """``text`` as the store could hold it: UTF-8, and every JSON escaping of it."""
    escaped = "".join(f"\\u{ord(c):04x}" for c in text)
    return [
        text.encode(),
        json.dumps(text).strip('"').encode(),  # ASCII-only JSON (non-ASCII escaped)
        escaped.encode(),
        escaped.upper().replace("\\U", "\\u").encode(),
    ]


SECRETS = [PHONE, ID_CARD, "身份证"]


def found_in(blobs: list[bytes]) -> list[str]:
    """Which secrets (in any form) occur in any of ``blobs``."""
    return [s for s in SECRETS if any(f in blob for blob in blobs for f in forms(s))]


def stored_bytes(ops: LibOps, store_url: str) -> list[bytes]:
    """Every byte the event store holds, as the store holds it.

    SQLite: the database files themselves (the .db and any -wal and -shm files beside it,
    and the key store's); PostgreSQL: the ``state`` bytea of every row of the events table;
    memory: the stored state of every event.
    """
    if store_url.startswith("sqlite:///"):
        folder = Path(store_url.removeprefix("sqlite:///")).parent
        return [path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()]
    if store_url.startswith("postgresql://"):
        recorder: Any = ops.app.recorder
        query = sql.SQL("SELECT state FROM {}.{}").format(
            sql.Identifier(recorder.datastore.schema), sql.Identifier(recorder.events_table_name)
        )
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(query)
            return [bytes(row["state"]) for row in curs.fetchall()]
    return [n.state for n in ops.app.recorder.select_notifications(start=1, limit=100_000)]


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return make_store_url(request.param, tmp_path, request)


@pytest.fixture
def weibo(clock: ManualClock) -> SandboxPlatform:
    return SandboxPlatform("weibo", seed="sealed", clock=clock)


@pytest.fixture
def ops(store: str, clock: ManualClock, weibo: SandboxPlatform) -> Iterator[LibOps]:
    with LibOps.open(store, clock=clock, migrate=True, gateways=[weibo]) as opened:
        yield opened


def draft(ops: LibOps, body: str = BODY, title: str = TITLE) -> UUID:
    return ops.posts.draft(
        PLANNER,
        title=title,
        body=body,
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", WEIBO if PHONE in body else body, ["img/a.jpg"])],
        source="Reader services",
    )


def send_back(ops: LibOps, post_id: UUID) -> None:
    ops.posts.submit_for_review(PLANNER, post_id)
    ops.posts.review(REVIEWER, post_id, NOT_PRIVATE, approve=False, comments="No phones")


def redacted_events(ops: LibOps, post_id: UUID) -> list[Post.Redacted]:
    return [e for e in ops.app.events.get(post_id) if isinstance(e, Post.Redacted)]


class TestNoByteOfItInTheStore:
    def test_a_draft_sent_back_leaves_no_byte_of_it(self, ops: LibOps, store: str) -> None:
        """Sent back for personal data: neither number is anywhere in the stored bytes."""
        post_id = draft(ops)
        assert ops.posts.get(post_id).body == BODY  # readable while its key exists
        assert found_in(stored_bytes(ops, store)) == []  # sealed from the start
        send_back(ops, post_id)
        post = ops.posts.get(post_id)
        assert (post.body, post.variant("weibo").text) == (REDACTED_TEXT, REDACTED_TEXT)
        assert ops.keys.is_erased(draft_key_id(post_id, 1))
        assert found_in(stored_bytes(ops, store)) == []

    def test_the_search_finds_it_in_a_store_of_clear_drafts(self, ops: LibOps, store: str) -> None:
        """Drafted in clear (as before sealing), the same search finds every number."""
        with unsealed_drafts():
            post_id = draft(ops)
            send_back(ops, post_id)
        assert found_in(stored_bytes(ops, store)) == SECRETS
        # Such a revision cannot be redacted by destroying a key, and says so.
        refused(ops, RevisionNotSealedError, lambda: ops.posts.redact(ADMIN, post_id, 1, "x"))


class TestRedaction:
    def test_review_redacts_the_revision_and_keeps_what_is_clean(self, ops: LibOps) -> None:
        """Sending back for personal data redacts revision 1; its clean texts are kept."""
        post_id = draft(ops)
        ops.posts.revise(PLANNER2, post_id, title="读书会报名 (新)")
        send_back(ops, post_id)
        post = ops.posts.get(post_id)
        (event,) = redacted_events(ops, post_id)
        assert (event.actor_id, event.revision) == (REVIEWER.id, 1)
        assert event.reason == (
            "sent back for personal data: mobile_number in body, id_card_number in body, "
            "mobile_number in variant:weibo"
        )
        assert post.redactions[1].actor_id == REVIEWER.id
        # The title of revision 2 and the source of revision 1 (kept) still read.
        assert (post.title, post.source) == ("读书会报名 (新)", "Reader services")
        assert post.text_revision("source") == event.originator_version
        assert post.body == REDACTED_TEXT
        # Revising what was flagged lets the post go on.
        refused(ops, RedactedTextError, lambda: ops.posts.submit_for_review(PLANNER, post_id))
        desk = "报名请到服务台"
        ops.posts.revise(PLANNER, post_id, body=desk, variants=[PostVariant("weibo", desk)])
        assert ops.posts.submit_for_review(PLANNER, post_id) == ()
        ops.posts.review(REVIEWER, post_id, PASSED, approve=True)
        assert ops.posts.get(post_id).status is PostStatus.APPROVED

    def test_a_redaction_request_records_who_which_and_why(self, ops: LibOps) -> None:
        """ops.posts.redact destroys that revision's key only; the event says who and why."""
        post_id = draft(ops, body="欢迎参加读书会", title="旧标题 张三")
        ops.posts.revise(PLANNER2, post_id, title="读书会")
        assert ops.posts.redact(ADMIN, post_id, 1, "the old title names a reader") is True
        (event,) = redacted_events(ops, post_id)
        assert (event.actor_id, event.revision, event.reason) == (
            ADMIN.id,
            1,
            "the old title names a reader",
        )
        post = ops.posts.get(post_id)
        assert post.title == "读书会"  # revision 2: unaffected
        assert post.body == REDACTED_TEXT  # revision 1: gone
        assert ops.keys.is_erased(draft_key_id(post_id, 1))
        assert not ops.keys.is_erased(draft_key_id(post_id, 2))

    def test_redacting_again_records_nothing_and_finishes_the_job(self, ops: LibOps) -> None:
        """Redacting a redacted revision again records nothing; a key left behind goes."""
        post_id = draft(ops)
        post = ops.app.load(Post, post_id)
        post.redact(REVIEWER, 1, "recorded, then the process died before the key went")
        ops.app.save(post)
        assert not ops.keys.is_erased(draft_key_id(post_id, 1))
        assert ops.posts.get(post_id).body == REDACTED_TEXT  # the record wins at once
        before = count_events(ops)
        assert ops.posts.redact(REVIEWER, post_id, 1, "again") is False
        assert count_events(ops) == before
        assert ops.keys.is_erased(draft_key_id(post_id, 1))

    def test_published_text_is_never_redacted(self, ops: LibOps, weibo: SandboxPlatform) -> None:
        """The published revision is refused; the sandbox got the text in clear."""
        post_id = draft(ops, body="欢迎参加读书会")
        ops.posts.submit_for_review(PLANNER, post_id)
        ops.posts.review(REVIEWER, post_id, PASSED, approve=True)
        refused(ops, InvalidTransitionError, lambda: ops.posts.redact(ADMIN, post_id, 1, "x"))
        receipt = ops.publishing.publish(TECH, post_id, "weibo")
        assert weibo.variant(receipt.external_id).text == "欢迎参加读书会"
        refused(ops, PublishedRevisionError, lambda: ops.posts.redact(ADMIN, post_id, 1, "x"))
        ops.posts.retract(ADMIN, post_id, "withdrawn")
        refused(ops, PublishedRevisionError, lambda: ops.posts.redact(ADMIN, post_id, 1, "x"))
        post = ops.posts.get(post_id)
        assert post.platform_status("weibo") is PlatformStatus.PUBLISHED
        assert post.body == "欢迎参加读书会"

    @pytest.mark.parametrize(
        ("actor", "revision", "reason", "error"),
        [
            (PLANNER, 1, "why", PermissionDeniedError),
            (TECH, 1, "why", PermissionDeniedError),
            (REVIEWER, 2, "why", UnknownRevisionError),
            (REVIEWER, 0, "why", InvalidValueError),
            (REVIEWER, True, "why", InvalidValueError),
            (REVIEWER, 1, "  ", InvalidValueError),
        ],
    )
    def test_bad_requests_are_refused(
        self, ops: LibOps, actor: Any, revision: Any, reason: str, error: type[Exception]
    ) -> None:
        """Who may redact, which revision and a reason are checked; nothing is recorded."""
        post_id = draft(ops)
        refused(ops, error, lambda: ops.posts.redact(actor, post_id, revision, reason))
        assert not ops.keys.is_erased(draft_key_id(post_id, 1))
        assert ops.posts.get(post_id).body == BODY


class TestOpening:
    def test_another_process_opens_the_texts(self, tmp_path: Path, clock: ManualClock) -> None:
        """A fresh process (no cache) opens sealed texts from the key store."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            post_id = draft(ops)
            ops.posts.revise(PLANNER2, post_id, title="新标题")
        with LibOps.open(url, clock=clock) as again:
            post = again.posts.get(post_id)
            assert (post.title, post.body, post.variant("weibo").text) == ("新标题", BODY, WEIBO)
            stored = again.app.load(Post, post_id)  # not opened: what the events hold
            assert (stored.title, stored.body) == (SEALED_TEXT, SEALED_TEXT)

    def test_a_foreign_key_store_is_refused(self, tmp_path: Path, clock: ManualClock) -> None:
        """Opened with a key store that never had the draft's key: a storage error."""
        url = f"sqlite:///{tmp_path}/libops.db"
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            post_id = draft(ops)
        with (
            LibOps.open(url, clock=clock, keys=MemoryKeyStore()) as foreign,
            pytest.raises(DraftKeyMissingError, match="never redacted"),
        ):
            foreign.posts.get(post_id)

    def test_a_text_moved_to_another_field_is_detected(self) -> None:
        """A sealed text bound to the title does not open as the body."""
        seals = DraftSeals(MemoryKeyStore(), AesGcmSealer())
        moved = Post.draft(
            PLANNER,
            title="标题",
            body="正文",
            content_type="news",
            format="image_text",
            variants=[PostVariant("weibo", "微博")],
            limits={Platform.WEIBO: limits_for(Platform.WEIBO, {})},
            sealer=seals,
        )
        (created,) = moved.collect_events()
        state = dict(vars(created))
        assert isinstance(state["sealed"], dict)
        state["sealed"] = {**state["sealed"], "body": state["sealed"]["title"]}
        forged = object.__new__(type(created))
        object.__setattr__(forged, "__dict__", state)
        reloaded = forged.mutate(None)
        assert isinstance(reloaded, Post)
        with pytest.raises(DraftTamperedError, match="body of revision 1"):
            seals.open(reloaded)

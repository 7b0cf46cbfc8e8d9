"""Sealed drafts in the Post aggregate: what events and snapshots carry, redaction rules."""

from __future__ import annotations

import pytest
from eventsourcing.domain import Snapshot

from libops import Actor, ContentType, Format, Platform, Post, PostVariant, ReviewChecklist
from libops.adapters.keystore.memory import MemoryKeyStore
from libops.adapters.platforms import DEFAULT_LIMITS
from libops.adapters.sealing import AesGcmSealer
from libops.application.drafts import DraftSeals
from libops.domain.drafts import REDACTED_TEXT, SEALED_TEXT, draft_associated_data
from libops.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    RedactedTextError,
    RevisionNotSealedError,
)
from libops.domain.review import scan_texts
from tests.helpers import refused

SECRET = "13812345678"
PASSED = ReviewChecklist(True, True, True)
NOT_PRIVATE = ReviewChecklist(True, True, False)


@pytest.fixture
def seals() -> DraftSeals:
    return DraftSeals(MemoryKeyStore(), AesGcmSealer())


def draft(actor: Actor, sealer: DraftSeals | None, body: str = f"请致电 {SECRET}") -> Post:
    return Post.draft(
        actor,
        title="读书会",
        body=body,
        content_type=ContentType.NEWS,
        format=Format.IMAGE_TEXT,
        variants=[PostVariant(Platform.WEIBO, f"微博 {body}")],
        limits=DEFAULT_LIMITS,
        source="馆藏",
        sealer=sealer,
    )


def everything_stored(post: Post) -> str:
    """The text of every pending event's fields and of a snapshot of the post."""
    events = [vars(e) for e in post.pending_events]
    snapshot = Snapshot.take(post).state
    return repr([events, snapshot])


class TestSealing:
    def test_events_and_snapshots_carry_no_clear_text(
        self, planner: Actor, seals: DraftSeals
    ) -> None:
        """With a sealer, the text is held in memory only: no event, no snapshot has it."""
        post = draft(planner, seals)
        post.revise(planner, title=f"新标题 {SECRET}", sealer=seals)
        assert (post.title, post.body) == (f"新标题 {SECRET}", f"请致电 {SECRET}")
        assert SECRET not in everything_stored(post)
        (drafted, revised) = post.pending_events
        assert isinstance(drafted, Post.Drafted)
        assert isinstance(revised, Post.Revised)
        assert (drafted.title, drafted.body, drafted.source) == (SEALED_TEXT,) * 3
        assert sorted(drafted.sealed or {}) == ["body", "source", "title", "variant:weibo"]
        assert sorted(revised.sealed or {}) == ["title"]

    def test_without_a_sealer_events_keep_the_old_form(self, planner: Actor) -> None:
        """No sealer: texts in clear and no ``sealed`` field at all, as before sealing."""
        post = draft(planner, None)
        post.revise(planner, body="干净")
        drafted, revised = post.pending_events
        assert "sealed" not in vars(drafted)
        assert "sealed" not in vars(revised)
        assert vars(drafted)["body"] == f"请致电 {SECRET}"
        assert not post.is_sealed(1)

    def test_a_reloaded_post_holds_placeholders_until_opened(
        self, planner: Actor, seals: DraftSeals
    ) -> None:
        """Replayed from its events the post reads [sealed]; the application opens it."""
        post = draft(planner, seals)
        created = post.pending_events[0]
        assert isinstance(created, Post.Drafted)
        reloaded = created.mutate(None)
        assert isinstance(reloaded, Post)
        assert (reloaded.title, reloaded.body) == (SEALED_TEXT, SEALED_TEXT)
        assert [field for field, _, _ in reloaded.sealed_texts()] == [
            "title",
            "body",
            "source",
            "variant:weibo",
        ]
        seals.open(reloaded)
        assert reloaded.texts() == post.texts()
        assert reloaded.sealed_texts() == []

    def test_associated_data_names_post_revision_and_field(self, planner: Actor) -> None:
        """Bad fields and revisions are refused when binding."""
        post = draft(planner, None)
        with pytest.raises(InvalidValueError):
            draft_associated_data(post.id, 1, "comments")
        with pytest.raises(InvalidValueError):
            draft_associated_data(post.id, 0, "body")


class TestRedactionRules:
    def test_review_redacts_only_the_revision_the_data_is_in(
        self, planner: Actor, reviewer: Actor, seals: DraftSeals
    ) -> None:
        """The phone is in revision 1's body and variant; revision 2's body is clean."""
        post = draft(planner, seals)
        post.revise(planner, body="干净的正文", sealer=seals)
        post.submit_for_review(planner, scan_texts(post.texts()))
        post.review(reviewer, NOT_PRIVATE, approve=False, comments="x", sealer=seals)
        assert list(post.redactions) == [1]
        assert post.body == "干净的正文"
        assert post.variant("weibo").text == REDACTED_TEXT
        assert post.title == "读书会"  # kept: sealed again under the redaction's key
        assert post.text_revision("title") == post.version
        refused(post, RedactedTextError, lambda: post.submit_for_review(planner))

    def test_clear_revisions_and_approved_text_are_refused(
        self, planner: Actor, reviewer: Actor, admin: Actor, seals: DraftSeals
    ) -> None:
        """A clear revision cannot be redacted; nor the text of an approved post."""
        clear = draft(planner, None, body="干净")
        refused(clear, RevisionNotSealedError, lambda: clear.redact(admin, 1, "why"))
        sealed = draft(planner, seals, body="干净")
        sealed.submit_for_review(planner)
        sealed.review(reviewer, PASSED, approve=True)
        refused(sealed, InvalidTransitionError, lambda: sealed.redact(admin, 1, "why"))

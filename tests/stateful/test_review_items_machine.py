"""A plain model of the review checklist items a library adds, and of the reviews answering
them, beside the real libops, on memory, SQLite and PostgreSQL (issue 17, item 9).

Hypothesis gives random sequences of ``review.define_item`` (new items and changed labels,
by admins and others, with good and bad keys and labels), ``review.retire_item`` (items
taken off the checklist, and defined again), drafts submitted for review, and
reviews approving or sending back with every mix of answers (each item answered
``checked``, ``not_checked`` or ``not_applicable``, left out, answered wrongly, or an item
that does not exist). After every step the invariants check that the items and the posts'
reviews equal the model, both as the application holds them and replayed from the stored
events (the repository's cache turned off), and that refused commands recorded nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, invariant, rule

from libops import Actor, LibOps, PostVariant, ReviewChecklist
from libops.adapters.clock import ManualClock
from libops.domain.errors import (
    ChecklistIncompleteError,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    ReviewItemError,
)
from libops.domain.post import PostStatus
from libops.domain.review import REVIEW_ITEMS_ID, ReviewItems
from tests.actors import ADMIN, PLANNER, PLANNER_REVIEWER, REVIEWER, TECH
from tests.helpers import count_events, give
from tests.stateful.fresh_store import FreshStorePerRun
from tests.stateful.harness import MachineStore, run_machine

NOW = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)

KEYS = ["orientation", "accessibility"]
"""This run's items (each run's keys carry a tag of their own: the store is shared)."""
BAD_KEYS = ["accuracy", "Orientation", "two words", ""]
"""A built-in item, capitals, a space, nothing: every one a ReviewItemError."""
LABELS_EN = ["Orientation", " Accessible to all ", " "]
LABELS_ZH = ["导向", "无障碍", ""]

MISSING = "(left out)"
ANSWERS = ["checked", "checked", "not_applicable", "not_checked", "not_checked", "maybe", MISSING]
"""How a review answers one of this run's items (``maybe`` is no answer libops knows)."""
FULL = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
PARTIAL = ReviewChecklist(accuracy=True, copyright=True, privacy=False)

DEFINERS = [ADMIN, ADMIN, ADMIN, PLANNER, REVIEWER, TECH]
REVIEWERS = [REVIEWER] * 4 + [PLANNER_REVIEWER] * 2 + [PLANNER, ADMIN]


@attrs.define
class ModelPost:
    """What the model expects a post to be: its status, the answers of each review."""

    status: PostStatus = PostStatus.IN_REVIEW
    answers: list[dict[str, str]] = attrs.field(factory=list)
    version: int = 0


@contextmanager
def uncached(ops: LibOps) -> Iterator[None]:
    """The repository without its cache: aggregates are replayed from the stored events."""
    cache = ops.app.repository.cache
    ops.app.repository.cache = None
    try:
        yield
    finally:
        ops.app.repository.cache = cache


class ReviewItemsMachine(FreshStorePerRun):
    """Checklist items and reviews on libops and on the model, step by step, each run on a
    store of its own (the one list of items of a store would otherwise grow with every run,
    and every review would answer all of them)."""

    def options(self) -> dict[str, Any]:
        return {"clock": ManualClock(NOW)}

    posts = Bundle("posts")

    def __init__(self) -> None:
        super().__init__()
        run = uuid.uuid4().hex[:6]
        self.keys = [f"{key}_{run}" for key in KEYS]
        # Items defined before the run (none on a fresh store) are answered ``checked`` by
        # every review, and this run's items are added after them.
        self.items: dict[str, tuple[str, str]] = {
            item.key: (item.label_en, item.label_zh) for item in self.ops.review_items.list()
        }
        self.earlier = list(self.items)
        self.item_events = self.items_at_start = self._items_version()
        self.posts_model: dict[UUID, ModelPost] = {}
        self.baseline = count_events(self.ops)

    def _stored_items(self) -> ReviewItems | None:
        try:
            found: object = self.ops.app.repository.get(REVIEW_ITEMS_ID)
        except AggregateNotFoundError:
            return None
        assert isinstance(found, ReviewItems)
        return found

    def _items_version(self) -> int:
        found = self._stored_items()
        return 0 if found is None else int(found.version)

    def _give(self, expected: type[Exception] | None, command: Callable[[], object]) -> object:
        return give(self.ops, expected, command)

    @rule(
        actor=st.sampled_from(DEFINERS),
        which=st.sampled_from([0, 0, 1, 1, 2]),
        bad_key=st.sampled_from(BAD_KEYS),
        label_en=st.sampled_from(LABELS_EN),
        label_zh=st.sampled_from(LABELS_ZH),
    )
    def define_item(
        self, actor: Actor, which: int, bad_key: str, label_en: str, label_zh: str
    ) -> None:
        key = self.keys[which] if which < len(self.keys) else bad_key
        expected: Any = None
        if actor is not ADMIN:
            expected = PermissionDeniedError
        elif which >= len(self.keys):
            expected = ReviewItemError
        elif not label_en.strip() or not label_zh.strip():
            expected = InvalidValueError
        changed = self._give(
            expected, lambda: self.ops.review_items.define(actor, key, label_en, label_zh)
        )
        if expected is None:
            labels = (label_en.strip(), label_zh.strip())
            assert changed is (self.items.get(key) != labels)
            if changed:
                self.item_events += 2 if self.item_events == 0 else 1
                self.items[key] = labels

    @rule(
        actor=st.sampled_from(DEFINERS),
        which=st.sampled_from([0, 1, 2]),
        reason=st.sampled_from(["merged into accuracy", " ", ""]),
    )
    def retire_item(self, actor: Actor, which: int, reason: str) -> None:
        key = self.keys[which] if which < len(self.keys) else "no_such_item"
        expected: Any = None
        if actor is not ADMIN:
            expected = PermissionDeniedError
        elif key not in self.items:
            expected = ReviewItemError
        elif not reason.strip():
            expected = InvalidValueError
        self._give(expected, lambda: self.ops.review_items.retire(actor, key, reason))
        if expected is None:
            del self.items[key]
            self.item_events += 1

    @rule(target=posts)
    def draft_and_submit(self) -> UUID:
        post_id = self.ops.posts.draft(
            PLANNER,
            title="Opening hours",
            body="Open from nine to nine.",
            content_type="news",
            format="image_text",
            variants=[PostVariant("weibo", "Open from nine to nine")],
        )
        self.ops.posts.submit_for_review(PLANNER, post_id)
        self.posts_model[post_id] = ModelPost(version=self.ops.posts.get(post_id).version)
        return post_id

    @rule(post_id=posts)
    def resubmit(self, post_id: UUID) -> None:
        post = self.posts_model[post_id]
        expected = None if post.status is PostStatus.CHANGES_REQUESTED else InvalidTransitionError
        self._give(expected, lambda: self.ops.posts.submit_for_review(PLANNER, post_id))
        if expected is None:
            post.status = PostStatus.IN_REVIEW
            post.version += 1

    @rule(
        post_id=posts,
        actor=st.sampled_from(REVIEWERS),
        approve=st.booleans(),
        checklist=st.sampled_from([FULL] * 5 + [PARTIAL]),
        given=st.tuples(*(st.sampled_from(ANSWERS) for _ in KEYS)),
        stray=st.sampled_from([False] * 5 + [True]),
        comments=st.sampled_from(["Shorter, please.", ""]),
    )
    def review(
        self,
        post_id: UUID,
        actor: Actor,
        approve: bool,
        checklist: ReviewChecklist,
        given: tuple[str, ...],
        stray: bool,
        comments: str,
    ) -> None:
        post = self.posts_model[post_id]
        answers = dict.fromkeys(self.earlier, "checked")
        # This run's items are answered as drawn while they are defined; an item not (or no
        # longer) defined is answered only with ``stray``, as an item that does not exist.
        answers.update(
            {
                key: answer
                for key, answer in zip(self.keys, given, strict=True)
                if answer != MISSING and (key in self.items or stray)
            }
        )
        if stray:
            answers["no_such_item"] = "checked"
        defined = [key for key in self.items if key in answers]
        expected: Any = None
        if actor.id not in {REVIEWER.id, PLANNER_REVIEWER.id}:
            expected = PermissionDeniedError
        elif post.status is not PostStatus.IN_REVIEW:
            expected = InvalidTransitionError
        elif stray or any(key not in self.items for key in answers):
            expected = ReviewItemError
        elif len(defined) < len(self.items):
            expected = ChecklistIncompleteError
        elif any(answers[key] == "maybe" for key in defined):
            expected = ReviewItemError
        elif not approve and not comments:
            expected = InvalidValueError
        elif approve and (checklist is PARTIAL or "not_checked" in answers.values()):
            expected = ChecklistIncompleteError
        self._give(
            expected,
            lambda: self.ops.posts.review(
                actor, post_id, checklist, approve=approve, comments=comments, answers=answers
            ),
        )
        if expected is None:
            post.status = PostStatus.APPROVED if approve else PostStatus.CHANGES_REQUESTED
            post.answers.append({key: answers[key] for key in self.items})
            post.version += 1

    def _observed(self) -> tuple[dict[str, tuple[str, str]], int, dict[UUID, ModelPost]]:
        found: ReviewItems | None = self._stored_items()
        items: dict[str, tuple[str, str]] = {}
        if found is not None:
            items = {item.key: (item.label_en, item.label_zh) for item in found.items.values()}
        posts = {}
        for post_id in self.posts_model:
            stored = self.ops.posts.get(post_id)
            posts[post_id] = ModelPost(
                status=stored.status,
                answers=[dict(review.answers) for review in stored.reviews],
                version=stored.version,
            )
        return items, 0 if found is None else int(found.version), posts

    @invariant()
    def events_counted(self) -> None:
        recorded = count_events(self.ops) - self.baseline
        in_posts = sum(post.version for post in self.posts_model.values())
        assert recorded == in_posts + self.item_events - self.items_at_start

    @invariant()
    def stored_items_and_reviews_equal_the_model(self) -> None:
        assert self._observed() == (self.items, self.item_events, self.posts_model)

    @invariant()
    def replayed_items_and_reviews_equal_the_model(self) -> None:
        with uncached(self.ops):
            assert self._observed() == (self.items, self.item_events, self.posts_model)
            # The order the items were first defined in is the order reviews list them.
            assert [item.key for item in self.ops.review_items.list()] == list(self.items)


def test_review_items_state_machine(machine_store: MachineStore) -> None:
    """Random sequences of items defined and reviews given keep the store equal to the
    plain model."""
    run_machine(ReviewItemsMachine, machine_store, store=machine_store)

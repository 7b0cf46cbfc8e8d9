"""Checklist items a library adds to every review (导向 beside accuracy, copyright, privacy),
on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from functools import partial
from uuid import UUID

import pytest

from libops import LibOps, PostVariant, ReviewChecklist
from libops.domain.errors import (
    ChecklistIncompleteError,
    InvalidValueError,
    PermissionDeniedError,
    ReviewItemError,
)
from libops.domain.post import PostStatus
from libops.domain.review import ReviewItem
from tests.actors import ADMIN, PLANNER, REVIEWER
from tests.helpers import count_events, refused

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)


def _submitted(ops: LibOps) -> UUID:
    post = ops.posts.draft(
        PLANNER,
        title="Opening hours",
        body="Open until 22:00 in April.",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "Open until 22:00")],
    )
    ops.posts.submit_for_review(PLANNER, post)
    return post


def test_without_added_items_reviews_are_as_before(ops: LibOps) -> None:
    post = _submitted(ops)
    assert ops.review_items.list() == ()
    refused(
        ops,
        ReviewItemError,
        lambda: ops.posts.review(
            REVIEWER, post, CHECKED, approve=True, answers={"orientation": "checked"}
        ),
    )
    ops.posts.review(REVIEWER, post, CHECKED, approve=True)
    assert ops.posts.get(post).reviews[-1].answers == {}


def test_added_items_must_be_answered_and_confirmed(ops: LibOps) -> None:
    assert ops.review_items.define(ADMIN, "orientation", "Orientation", "导向") is True
    assert ops.review_items.define(ADMIN, "orientation", "Orientation", "导向") is False
    ops.review_items.define(ADMIN, "accessibility", "Accessibility", "无障碍")
    ops.review_items.define(ADMIN, "orientation", "Political orientation", "导向")
    assert ops.review_items.list() == (
        ReviewItem("orientation", "Political orientation", "导向"),
        ReviewItem("accessibility", "Accessibility", "无障碍"),
    )
    post = _submitted(ops)

    def review(approve: bool, **answers: str) -> object:
        return ops.posts.review(
            REVIEWER, post, CHECKED, approve=approve, comments="fix", answers=answers
        )

    error = refused(ops, ChecklistIncompleteError, lambda: review(True, orientation="checked"))
    assert "accessibility" in str(error)
    refused(ops, ChecklistIncompleteError, lambda: review(False))
    refused(
        ops,
        ReviewItemError,
        lambda: review(True, orientation="checked", accessibility="yes"),
    )
    refused(
        ops,
        ReviewItemError,
        lambda: review(True, orientation="checked", accessibility="checked", tone="checked"),
    )
    error = refused(
        ops,
        ChecklistIncompleteError,
        lambda: review(True, orientation="not_checked", accessibility="checked"),
    )
    assert "orientation" in str(error)
    # Sending it back with an item not confirmed is what a reviewer does.
    review(False, orientation="not_checked", accessibility="not_applicable")
    assert ops.posts.get(post).reviews[-1].answers == {
        "orientation": "not_checked",
        "accessibility": "not_applicable",
    }
    ops.posts.revise(PLANNER, post, body="Open until 22:00 every day in April.")
    ops.posts.submit_for_review(PLANNER, post)
    review(True, orientation="checked", accessibility="not_applicable")
    stored = ops.posts.get(post)
    assert stored.status is PostStatus.APPROVED
    assert stored.reviews[-1].answers == {
        "orientation": "checked",
        "accessibility": "not_applicable",
    }


def test_defining_items_bad_input_and_roles(ops: LibOps) -> None:
    before = count_events(ops)
    for key in ("", "Orientation", "导向", "copyright", "a" * 41, "1st"):
        refused(ops, ReviewItemError, partial(ops.review_items.define, ADMIN, key, "x", "x"))
    refused(ops, InvalidValueError, lambda: ops.review_items.define(ADMIN, "tone", " ", "语气"))
    refused(ops, InvalidValueError, lambda: ops.review_items.define(ADMIN, "tone", "Tone", ""))
    for actor in (PLANNER, REVIEWER):
        refused(
            ops,
            PermissionDeniedError,
            partial(ops.review_items.define, actor, "tone", "Tone", "语气"),
        )
    assert count_events(ops) == before
    with pytest.raises(ReviewItemError):
        ops.posts.review(REVIEWER, _submitted(ops), CHECKED, approve=True, answers=["checked"])  # type: ignore[arg-type]


def test_a_retired_item_is_answered_no_more(ops: LibOps) -> None:
    """Retiring an item takes it off the checklist: reviews from then on do not answer it
    (answering it is refused), the answers given before stay, and defining it again puts
    it back at the end of the list."""
    ops.review_items.define(ADMIN, "orientation", "Orientation", "导向")
    ops.review_items.define(ADMIN, "accessibility", "Accessibility", "无障碍")
    earlier = _submitted(ops)
    both = {"orientation": "checked", "accessibility": "not_applicable"}
    ops.posts.review(REVIEWER, earlier, CHECKED, approve=True, answers=both)
    ops.review_items.retire(ADMIN, "orientation", "part of the accuracy check now")
    assert ops.review_items.list() == (ReviewItem("accessibility", "Accessibility", "无障碍"),)
    post = _submitted(ops)
    error = refused(
        ops,
        ReviewItemError,
        lambda: ops.posts.review(REVIEWER, post, CHECKED, approve=True, answers=both),
    )
    assert "orientation" in str(error)
    ops.posts.review(
        REVIEWER, post, CHECKED, approve=True, answers={"accessibility": "not_applicable"}
    )
    assert ops.posts.get(earlier).reviews[-1].answers == both
    ops.review_items.define(ADMIN, "orientation", "Orientation", "导向")
    assert [item.key for item in ops.review_items.list()] == ["accessibility", "orientation"]


def test_retiring_items_bad_input_and_roles(ops: LibOps) -> None:
    retire = ops.review_items.retire
    none_yet = refused(ops, ReviewItemError, lambda: retire(ADMIN, "orientation", "gone"))
    assert "none is defined" in str(none_yet)
    ops.review_items.define(ADMIN, "orientation", "Orientation", "导向")
    unknown = refused(ops, ReviewItemError, lambda: retire(ADMIN, "accuracy", "built in"))
    assert "defined: orientation" in str(unknown)
    refused(ops, InvalidValueError, lambda: retire(ADMIN, "orientation", "  "))
    for actor in (PLANNER, REVIEWER):
        refused(ops, PermissionDeniedError, partial(retire, actor, "orientation", "gone"))
    before = count_events(ops)
    retire(ADMIN, "orientation", "gone")
    assert count_events(ops) == before + 1
    refused(ops, ReviewItemError, lambda: retire(ADMIN, "orientation", "again"))

"""A store with one event of every notification kind, made by real commands (for the
webhook tests)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import attrs
import pytest

from libops import LibOps, Money, Override, Period
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import PublishFailedError
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.values import PostVariant, ReviewChecklist
from tests.actors import ADMIN, OWNER, PLANNER, REVIEWER, TECH

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
ASKER = PersonalInfo(name="Reader Wang", handle="@wang_reads")


@attrs.frozen
class Made:
    """What the scenario made: the ids of its subjects."""

    post: UUID
    failed_post: UUID
    question: UUID
    risk: UUID
    budget: UUID
    subject: str


def make_everything(ops: LibOps, clock: ManualClock, weibo: SandboxPlatform) -> Made:
    """One event of each notification kind (and two reviews requested)."""
    post = ops.posts.draft(
        PLANNER,
        title="Book Day",
        body="Our reading list for World Book Day.",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "Book Day: new arrivals")],
    )
    ops.posts.submit_for_review(PLANNER, post)  # review_requested
    ops.posts.review(REVIEWER, post, CHECKED, approve=True)
    ops.publishing.publish(ADMIN, post, "weibo")  # post_published
    failed = ops.posts.draft(
        PLANNER,
        title="Opening hours",
        body="New opening hours from Monday.",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "New hours")],
    )
    ops.posts.submit_for_review(PLANNER, failed)  # review_requested
    ops.posts.review(REVIEWER, failed, CHECKED, approve=True)
    weibo.fail_next(1)
    with pytest.raises(PublishFailedError):
        ops.publishing.publish(ADMIN, failed, "weibo")  # post_publish_failed
    question = ops.questions.receive(
        PLANNER,
        platform="wechat",
        text="Is the reading room open on holidays?",
        asker=ASKER,
        consent=Consent("Questions to City Library", clock.now()),
    )
    clock.advance(timedelta(hours=30))
    ops.questions.escalate_overdue(ADMIN)  # question_overdue
    risk = ops.risks.identify(
        TECH,
        title="Weibo account outage",
        category="technical",
        likelihood=4,
        impact=5,
        owner="tech-1",
    )  # risk_escalated (20 reaches the threshold)
    budget = ops.budgets.open(
        OWNER, name="Social 2026", period=Period(date(2026, 1, 1), date(2026, 12, 31))
    )
    ops.budgets.allocate(OWNER, budget, "promotion", Money(Decimal(1000), "CNY"))
    ops.budgets.commit(
        PLANNER,
        budget,
        reference="AD-1",
        amount=Money(Decimal(1200), "CNY"),
        category="promotion",
        override=Override(OWNER, "launch week"),
    )  # budget_override
    subject = ops.privacy.subject_id_for("wechat", ASKER.handle or "")
    ops.privacy.erase(ADMIN, subject, "asked to be forgotten")  # erasure_completed
    ops.posts.retract(ADMIN, post, "a wrong date")  # take_down_needed (the sandbox cannot)
    return Made(post, failed, question, risk, budget, subject)


EXPECTED_KINDS = [
    "review_requested",
    "post_published",
    "review_requested",
    "post_publish_failed",
    "question_overdue",
    "risk_escalated",
    "budget_override",
    "erasure_completed",
    "take_down_needed",
]
"""The kinds of notification the scenario makes, in order."""

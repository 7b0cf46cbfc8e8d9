"""Where posts come from and what they cost, on every kind of store: origin, reuse, cost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from libops import Actor, LibOps, Money, Period, PostVariant, ReviewChecklist
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    ReusedItselfError,
    UnknownIdError,
)
from libops.projections.reuse import NAME, reuse_figures, sameness_figures
from tests.actors import OWNER
from tests.helpers import count_events

PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)


@pytest.fixture
def reuse_ops(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    weibo = SandboxPlatform("weibo", seed="weibo", clock=clock)
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[weibo]) as opened:
        yield opened


_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def _letters() -> str:
    """64 random letters: a text of its own, with no digits the review could take for a
    phone number."""
    return (uuid4().hex + uuid4().hex).translate(_DIGITS_TO_LETTERS)


def draft(ops: LibOps, planner: Actor, body: str | None = None) -> UUID:
    return ops.posts.draft(
        planner,
        title="Book Day",
        body=body or f"Notice {_letters()}",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "Book Day")],
    )


def published(ops: LibOps, planner: Actor, reviewer: Actor, admin: Actor, post: UUID) -> UUID:
    ops.posts.submit_for_review(planner, post)
    ops.posts.review(reviewer, post, PASSED, approve=True)
    ops.publishing.publish(admin, post, "weibo")
    return post


def budget(ops: LibOps) -> UUID:
    opened = ops.budgets.open(
        OWNER, name="Content", period=Period(date(2026, 1, 1), date(2027, 12, 31))
    )
    ops.budgets.allocate(OWNER, opened, "content_creation", Money(10000))
    return opened


def expense(
    ops: LibOps, budget_id: UUID, post: UUID | str | None, amount: str, invoice: str
) -> None:
    ops.budgets.record_expense(
        OWNER,
        budget_id,
        vendor="Studio",
        invoice_reference=invoice,
        amount=Money(Decimal(amount)),
        category="content_creation",
        post_id=post,
    )


def test_reuse_rate_original_ratio_and_cost_per_post(
    reuse_ops: LibOps, planner: Actor, reviewer: Actor, admin: Actor
) -> None:
    ops = reuse_ops
    source = published(ops, planner, reviewer, admin, draft(ops, planner))
    reused = draft(ops, planner)
    ops.posts.declare_origin(planner, reused, derived_from=source)
    published(ops, planner, reviewer, admin, reused)
    reposted = draft(ops, planner)
    ops.posts.declare_origin(planner, reposted, origin="reposted")
    published(ops, planner, reviewer, admin, reposted)
    draft(ops, planner)  # never published: not counted
    money = budget(ops)
    expense(ops, money, source, "900.00", "INV-1")
    expense(ops, money, reused, "150.00", "INV-2")
    expense(ops, money, reused, "150.00", "INV-2")  # the same invoice again: nothing new
    ops.projections.run()
    figures = reuse_figures(ops.projections.view(NAME))
    assert (figures.posts, figures.original, figures.reposted, figures.reused) == (3, 2, 1, 1)
    assert figures.reuse_rate == Decimal("0.3333")
    assert figures.original_ratio == Decimal("0.6667")
    (reused_cost,) = figures.reused_cost
    (new_cost,) = figures.new_cost
    assert (reused_cost.currency, reused_cost.per_post) == ("CNY", Decimal("150.00"))
    assert (new_cost.total, new_cost.posts, new_cost.per_post) == (
        Decimal("900.00"),
        2,
        Decimal("450.00"),
    )
    assert ops.posts.get(reused).derived_from == source
    assert ops.posts.get(reposted).origin == "reposted"
    assert ops.posts.get(source).origin == "original"  # the default
    assert (
        reuse_figures(ops.projections.view(NAME), Period(date(2020, 1, 1), date(2020, 2, 1))).posts
        == 0
    )


def test_bad_origins_are_refused_and_record_nothing(
    reuse_ops: LibOps, planner: Actor, admin: Actor, reviewer: Actor
) -> None:
    ops = reuse_ops
    post = draft(ops, planner)
    money = budget(ops)
    before = count_events(ops)
    with pytest.raises(UnknownIdError):
        ops.posts.declare_origin(planner, post, derived_from=uuid4())
    with pytest.raises(ReusedItselfError):
        ops.posts.declare_origin(planner, post, derived_from=post)
    with pytest.raises(InvalidValueError, match="original or reposted"):
        ops.posts.declare_origin(planner, post, origin="borrowed")
    with pytest.raises(PermissionDeniedError):
        ops.posts.declare_origin(reviewer, post, origin="reposted")
    with pytest.raises(UnknownIdError):
        expense(ops, money, uuid4(), "10.00", "INV-X")
    with pytest.raises(UnknownIdError):
        expense(
            ops,
            money,
            ops.budgets.open(
                OWNER, name="Other", period=Period(date(2026, 1, 1), date(2026, 12, 31))
            ),
            "10.00",
            "INV-Y",
        )  # a budget is not a post
    assert count_events(ops) == before + 1  # the second budget, opened above
    ops.posts.declare_origin(planner, post)  # what it says already: nothing recorded
    assert count_events(ops) == before + 1
    ops.posts.retract(admin, post, "not needed")
    with pytest.raises(InvalidTransitionError):
        ops.posts.declare_origin(planner, post, origin="reposted")


def test_the_sameness_figures_name_the_pairs(reuse_ops: LibOps, planner: Actor) -> None:
    ops = reuse_ops
    text = "World Book Day: the library is open all day on 23 April, borrow twice as many."
    first = draft(ops, planner, text)
    ops.posts.submit_for_review(planner, first)
    second = draft(ops, planner, text + "!")
    ops.posts.submit_for_review(planner, second)
    ops.posts.submit_for_review(planner, draft(ops, planner))
    ops.projections.run()
    figures = sameness_figures(ops.projections.view(NAME))
    assert (figures.submitted, figures.near_duplicates, figures.share) == (3, 1, Decimal("0.3333"))
    (pair,) = figures.pairs
    assert (pair.post_id, pair.similar_id) == (str(second), str(first))
    assert pair.score >= 95

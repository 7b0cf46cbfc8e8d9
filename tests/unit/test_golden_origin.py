"""The golden file of posts' origins and production costs (post_origin_events.json).

Written out by hand, never generated from the file: a change of the stored form of
``Post.OriginDeclared`` or of an expense's ``post_id`` cannot slip through. The other golden
files (tests/unit/test_golden.py) show that expenses without a post keep their old form.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from libops import LibOps, Money
from libops.domain.budget import Budget, BudgetCategory
from libops.domain.post import Post
from tests.golden.regenerate import load, stored_events

NAME = "post_origin_events.json"
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
FIRST = UUID("0a160000-0000-4000-8000-000000000001")
SECOND = UUID("0a160000-0000-4000-8000-000000000002")
BUDGET = UUID("0a160000-0000-4000-8000-000000000003")

RECORDS: list[tuple[str, UUID, int]] = [
    ("libops:Post.Drafted", FIRST, 1),
    ("libops:Post.OriginDeclared", FIRST, 2),
    ("libops:Post.Drafted", SECOND, 1),
    ("libops:Post.OriginDeclared", SECOND, 2),
    ("libops:Post.OriginDeclared", SECOND, 3),
    ("libops:Budget.Opened", BUDGET, 1),
    ("libops:Budget.Allocated", BUDGET, 2),
    ("libops:Budget.ExpenseRecorded", BUDGET, 3),
]

_DECLARED = {"actor_id": "planner-1", "campaign_id": None}
EVENTS: dict[int, tuple[type[Any], dict[str, Any]]] = {
    1: (Post.OriginDeclared, {**_DECLARED, "origin": "reposted", "derived_from": None}),
    3: (Post.OriginDeclared, {**_DECLARED, "origin": "reposted", "derived_from": FIRST}),
    4: (Post.OriginDeclared, {**_DECLARED, "origin": "original", "derived_from": FIRST}),
    7: (
        Budget.ExpenseRecorded,
        {
            "actor_id": "owner-1",
            "invoice_reference": "INV-0423",
            "vendor": "设计工作室 Studio",
            "category": BudgetCategory.CONTENT_CREATION,
            "campaign_id": None,
            "amount": Money(Decimal("300.00"), "CNY"),
            "settles": None,
            "settled": Money(Decimal("0.00"), "CNY"),
            "override_approver_id": None,
            "override_reason": None,
            "post_id": SECOND,
        },
    ),
}


@pytest.fixture
def fresh_ops() -> Iterator[LibOps]:
    with LibOps.open("memory://") as opened:
        yield opened


def test_the_file_holds_the_expected_records() -> None:
    records = load(NAME)
    assert [(r["topic"], UUID(r["originator_id"]), r["originator_version"]) for r in records] == (
        RECORDS
    )


def test_the_new_events_decode_to_the_expected_values(fresh_ops: LibOps) -> None:
    decoded = [fresh_ops.app.mapper.to_domain_event(s) for s in stored_events(load(NAME))]
    for position, (cls, fields) in EVENTS.items():
        event = decoded[position]
        assert type(event) is cls
        _topic, originator, version = RECORDS[position]
        assert vars(event) == {
            "originator_id": originator,
            "originator_version": version,
            "timestamp": START + timedelta(minutes=position),
            **fields,
        }


def test_the_posts_and_the_expense_reconstruct(fresh_ops: LibOps) -> None:
    fresh_ops.app.recorder.insert_events(stored_events(load(NAME)))
    first, second = fresh_ops.app.load(Post, FIRST), fresh_ops.app.load(Post, SECOND)
    assert (first.origin, first.derived_from) == ("reposted", None)
    assert (second.origin, second.derived_from) == ("original", FIRST)
    (expense,) = fresh_ops.app.load(Budget, BUDGET).expenses
    assert (expense.post_id, expense.amount) == (SECOND, Money(Decimal("300.00"), "CNY"))

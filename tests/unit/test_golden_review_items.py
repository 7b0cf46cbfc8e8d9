"""The golden file of the review checklist items (``tests/golden/review_item_events.json``,
issue 17): decoded field by field against expectations written out here, and the items
reconstructed from it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from libops import LibOps
from libops.domain.review import REVIEW_ITEMS_ID, ReviewItem, ReviewItems
from tests.unit.test_golden import _assert_decodes, _assert_records, _loaded, fresh_ops

__all__ = ["fresh_ops"]  # the fixture, used by name

ITEMS = UUID("20d8976b-538c-59b0-9f62-1e2780e6c6ce")

REVIEW_ITEM_EVENTS: list[tuple[type[Any], UUID, int, dict[str, Any]]] = [
    (
        ReviewItems.Started,
        ITEMS,
        1,
        {"originator_topic": "libops:ReviewItems", "actor_id": "admin-1"},
    ),
    (
        ReviewItems.ItemDefined,
        ITEMS,
        2,
        {
            "actor_id": "admin-1",
            "key": "orientation",
            "label_en": "Orientation",
            "label_zh": "导向",
        },
    ),
    (
        ReviewItems.ItemDefined,
        ITEMS,
        3,
        {
            "actor_id": "admin-1",
            "key": "accessibility",
            "label_en": "Accessibility",
            "label_zh": "无障碍",
        },
    ),
    (
        ReviewItems.ItemDefined,
        ITEMS,
        4,
        {
            "actor_id": "admin-1",
            "key": "orientation",
            "label_en": "Political orientation",
            "label_zh": "政治导向",
        },
    ),
    (
        ReviewItems.ItemRetired,
        ITEMS,
        5,
        {
            "actor_id": "admin-1",
            "key": "accessibility",
            "reason": "merged into the accuracy check",
        },
    ),
]


class TestReviewItemsGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """Topics, aggregate ids and versions of the stored records are as expected."""
        assert ITEMS == REVIEW_ITEMS_ID
        _assert_records("review_item_events.json", REVIEW_ITEM_EVENTS)

    def test_events_decode_to_the_expected_values(self, fresh_ops: LibOps) -> None:
        """Each stored record decodes to exactly the expected event, field by field."""
        _assert_decodes(fresh_ops, "review_item_events.json", REVIEW_ITEM_EVENTS)

    def test_the_items_reconstruct(self, fresh_ops: LibOps) -> None:
        """Only 导向 is left, relabelled; the retired item is gone from the checklist."""
        ops = _loaded(fresh_ops, "review_item_events.json")
        assert ops.review_items.list() == (
            ReviewItem("orientation", "Political orientation", "政治导向"),
        )

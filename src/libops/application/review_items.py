"""The checklist items a library adds to every review (``导向``, orientation, beside
accuracy, copyright and privacy), recorded as events for the audit (docs/review.md)."""

from __future__ import annotations

import attrs

from libops.application.app import LibOpsApplication
from libops.application.commands import (
    Command,
    Context,
    Executes,
    command,
    command_method,
    handles,
)
from libops.domain.errors import ReviewItemError
from libops.domain.review import REVIEW_ITEMS_ID, ReviewItem, ReviewItems
from libops.domain.values import Actor


@command("review.define_item")
@attrs.frozen
class DefineReviewItem(Command[bool]):
    """Add an item every review must answer, with its English and Chinese labels (or change
    the labels of one added before); False if nothing changed (nothing recorded)."""

    key: str
    label_en: str
    label_zh: str


@handles(DefineReviewItem)
def define_review_item(ctx: Context, actor: Actor, command: DefineReviewItem) -> bool:
    items = ctx.find(ReviewItems, REVIEW_ITEMS_ID)
    if items is None:
        items = ctx.add(ReviewItems.start(actor))
    return items.define(actor, command.key, command.label_en, command.label_zh)


@command("review.retire_item")
@attrs.frozen
class RetireReviewItem(Command[None]):
    """Take a checklist item the library added off the checklist, saying why: reviews from
    now on do not answer it (those given before keep their answers). Defining it again
    brings it back."""

    key: str
    reason: str


@handles(RetireReviewItem)
def retire_review_item(ctx: Context, actor: Actor, command: RetireReviewItem) -> None:
    items = ctx.find(ReviewItems, REVIEW_ITEMS_ID)
    if items is None:
        raise ReviewItemError(
            f"{command.key!r} is not a checklist item the library added (none is defined)"
        )
    items.retire(actor, command.key, command.reason)


def defined_items(app: LibOpsApplication) -> tuple[ReviewItem, ...]:
    """The items the library added, in the order they were first defined."""
    items = app.find(ReviewItems, REVIEW_ITEMS_ID)
    return () if items is None else tuple(items.items.values())


class ReviewItemService(Executes):
    """The checklist items a library adds to every review."""

    define = command_method(DefineReviewItem)
    retire = command_method(RetireReviewItem)

    def list(self) -> tuple[ReviewItem, ...]:
        """The items added, in the order they were first defined."""
        return defined_items(self._app)

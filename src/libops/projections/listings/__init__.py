"""Indexed listings: read models that answer lists (filter, order, limit) without reading a
whole view (issue 15, "Queries"; docs/queries.md).

A listing is an ordinary :class:`~libops.projections.views.Projection`, run by the engine with
the same positions, batches and rebuilds as every other. It keeps two kinds of documents:

- ``row:<id>``: the row a list shows (a post, a campaign), plain JSON;
- ``ix:<tag>:<sort>:<id>``: one *index entry* for each way the row can be found. ``<tag>``
  names the filter values the entry answers (``*`` for none, ``s=in_review``,
  ``s=approved/p=weibo``, ...: one entry for every combination of the row's values, so any
  combination of filters is one contiguous range of keys); ``<sort>`` is the row's order key
  in fixed-width text, so that the order of the keys is the order of the list.

A list is then one range read of keys in order (``ix:<tag>:`` up to ``ix:<tag>;``) followed by
the ``row:`` documents of the page: on SQLite and PostgreSQL an index range scan of the
documents' primary key (on PostgreSQL a byte-ordered index libops creates for listings), in
memory a scan of the view's keys. A row's entries are worked out from the row itself, so a
change deletes the entries the old row had and writes those of the new one in the same batch.
Keys are ASCII text compared byte by byte.

Like every projection, a listing does no I/O. Post titles stay sealed in the row (as the
events carry them); the application opens them for the page it answers
(:mod:`libops.application.queries`).

The listings live in modules by what they list: :mod:`.base` (keys, tags and the
``Listing`` base class), :mod:`.posts`, :mod:`.planning` (campaigns and budgets) and
:mod:`.interactions` (questions and contests). This package re-exports their names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from libops.projections.listings.base import (
    ALL,
    INDEX,
    ROW,
    Listing,
    ListingStore,
    day_stamp,
    index_key,
    stamp,
    tag_bounds,
    tag_of,
    tags,
)
from libops.projections.listings.interactions import (
    ANNOUNCED,
    ANSWERED_PREFIX,
    CONTESTS,
    QUESTIONS,
    WAITING_PREFIX,
    ContestListing,
    QuestionListing,
)
from libops.projections.listings.planning import (
    BUDGETS,
    CAMPAIGNS,
    LINE_PREFIX,
    BudgetListing,
    CampaignListing,
    line_bounds,
)
from libops.projections.listings.posts import (
    OPEN_TAKE_DOWNS,
    POSTS,
    PUBLISHED_PREFIX,
    PUBLISHING,
    UNPUBLISHED_PREFIX,
    WORK,
    PostListing,
    PublishingListing,
)

LISTINGS: Final[tuple[type[Listing], ...]] = (
    PostListing,
    CampaignListing,
    QuestionListing,
    BudgetListing,
    PublishingListing,
    ContestListing,
)
"""The listings libops keeps (``ops.queries`` runs them)."""


def listing_projections() -> Iterable[Listing]:
    """One instance of each listing."""
    return [cls() for cls in LISTINGS]


__all__ = [
    "ALL",
    "ANNOUNCED",
    "ANSWERED_PREFIX",
    "BUDGETS",
    "CAMPAIGNS",
    "CONTESTS",
    "INDEX",
    "LINE_PREFIX",
    "LISTINGS",
    "OPEN_TAKE_DOWNS",
    "POSTS",
    "PUBLISHED_PREFIX",
    "PUBLISHING",
    "QUESTIONS",
    "ROW",
    "UNPUBLISHED_PREFIX",
    "WAITING_PREFIX",
    "WORK",
    "BudgetListing",
    "CampaignListing",
    "ContestListing",
    "Listing",
    "ListingStore",
    "PostListing",
    "PublishingListing",
    "QuestionListing",
    "day_stamp",
    "index_key",
    "line_bounds",
    "listing_projections",
    "stamp",
    "tag_bounds",
    "tag_of",
    "tags",
]

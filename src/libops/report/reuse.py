"""The report's sameness and reuse sections (issue 17), from the ``reuse`` view.

The pairs of similar posts are named by their titles, opened from the store when the report
is built (post texts are sealed; the view keeps none): a redacted title reads ``[redacted]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from libops.domain.errors import LibopsError
from libops.domain.values import Period
from libops.projections.reuse import reuse_figures, sameness_figures
from libops.report.sections import Reuse, ReuseCostRow, Sameness, SimilarPairRow

if TYPE_CHECKING:
    from libops.bootstrap import LibOps


def _title(ops: LibOps, post_id: str) -> str:
    try:
        return ops.posts.get(post_id).title
    except LibopsError:  # a key store that cannot open it: name the post by its id
        return post_id


def _sameness(
    ops: LibOps, view: Mapping[str, Any], period: Period | None, campaign: str | None
) -> Sameness:
    figures = sameness_figures(view, period, campaign)
    return Sameness(
        submitted=figures.submitted,
        near_duplicates=figures.near_duplicates,
        share=figures.share,
        pairs=tuple(
            SimilarPairRow(_title(ops, p.post_id), _title(ops, p.similar_id), p.score)
            for p in figures.pairs
        ),
    )


def _reuse(view: Mapping[str, Any], period: Period | None, campaign: str | None) -> Reuse:
    figures = reuse_figures(view, period, campaign)
    costs = [
        ReuseCostRow(reused, c.currency, c.total, c.posts, c.per_post)
        for reused, group in ((False, figures.new_cost), (True, figures.reused_cost))
        for c in group
    ]
    return Reuse(
        posts=figures.posts,
        original=figures.original,
        reposted=figures.reposted,
        reused=figures.reused,
        original_ratio=figures.original_ratio,
        reuse_rate=figures.reuse_rate,
        costs=tuple(costs),
    )

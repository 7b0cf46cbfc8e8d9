"""The communication indices section of the report (传播力指数): WCI, BCI, libops's own
short-video index and the weighted cross-platform index, over the report's scope and period.

Every index covers the same posts, those the report covers (published in its period, of its
campaign if it has one), and the same period: ``d`` = the days of the report's period.

- **WCI**: Qingbo's V14.2 as :mod:`libops.projections.wci` computes it (the same function,
  on the same per-article counts of the WCI view, with d = the period's days, n = its WeChat
  articles, the headline of each day its first article, the peak the highest of any one
  article): a report of one ISO week shows that week's ``wci`` from the view.
- **BCI** and the **short-video index**: :func:`libops.analysis.bci` and
  :func:`libops.analysis.video_index` of the period's totals (posts published; their latest
  shares, comments and likes).
- **Weighted index**: :func:`libops.analysis.weighted_index` of the three, with the weights
  given to :func:`~libops.report.build_report` (``index_weights``) or the default 40/25/20.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from libops.analysis import (
    BCI_VERSION,
    INDEX_OF,
    INDEX_PLATFORMS,
    VIDEO_INDEX_VERSION,
    WCI_VERSION,
    Observation,
    bci,
    index_weights,
    video_index,
    weighted_index,
)
from libops.analysis.exact import _rate
from libops.domain.values import Period
from libops.projections.engagement import reach_name
from libops.projections.wci import COUNTS, summarise_period
from libops.report.sections import IndexShare, Indices, PlatformIndex, WechatReads

HUNDRED_THOUSAND: Final = 100_000
"""An article with at least this many reads counts as 10万+."""

VERSIONS: Final[Mapping[str, str]] = {
    "wci": WCI_VERSION,
    "bci": BCI_VERSION,
    "video": VIDEO_INDEX_VERSION,
}
"""The version or form of each index, as the report names it."""


def _indices(
    wci_view: Mapping[str, Any],
    rows: Sequence[Observation],
    period: Period | None,
    weights: object,
) -> Indices:
    """The indices of ``rows`` (the report's published post variants) over ``period``.

    ``weights`` are checked first (:class:`~libops.domain.errors.IndexWeightsError`), so
    bad weights are refused whatever the store holds.
    """
    checked = dict(index_weights(weights))
    if period is None:
        return Indices.none()
    days = (period.end - period.start).days + 1
    platforms = []
    wechat: WechatReads | None = None
    for platform in INDEX_PLATFORMS:
        found = [o for o in rows if o.platform == platform]
        kind = INDEX_OF[platform]
        value: Decimal | None = None
        if found and kind == "wci":
            value, wechat = _wci(wci_view, found, days)
        elif found and kind == "bci":
            value = bci(**_totals(found, "posts"))
        elif found:
            value = video_index(**_totals(found, "videos"))
        platforms.append(_platform(platform, kind, value, found))
    weighted = weighted_index({p.platform: p.value for p in platforms}, checked)
    return Indices(
        days=days,
        platforms=tuple(platforms),
        wechat=wechat,
        weighted=weighted.value,
        weights=tuple(
            IndexShare(w.platform, w.weight, w.present, w.share) for w in weighted.weights
        ),
    )


def _totals(found: Sequence[Observation], posts: str) -> dict[str, int]:
    return {
        posts: len(found),
        "shares": sum(o.shares for o in found),
        "comments": sum(o.comments for o in found),
        "likes": sum(o.likes for o in found),
    }


def _wci(
    view: Mapping[str, Any], found: Sequence[Observation], days: int
) -> tuple[Decimal | None, WechatReads | None]:
    """The WCI of the WeChat articles ``found`` over ``days`` days, from the WCI view's
    per-article counts, and the WeChat read figures (None when the view has none of them)."""
    articles = {}
    for post_id in sorted({o.post_id for o in found}):
        doc = view.get(f"post:{post_id}")
        if doc is not None:
            articles[post_id] = {"published_at": doc["published_at"]} | {
                name: doc[name] for name in COUNTS
            }
    if not articles:
        return None, None
    period: dict[str, Any] = {"articles": articles, "days": days}
    summarise_period(period)
    reads = COUNTS.index("reads")
    return Decimal(period["wci"]), WechatReads(
        headline_reads=period["headline"][reads],
        peak_reads=period["peak"][reads],
        over_100k=sum(1 for a in articles.values() if a["reads"] >= HUNDRED_THOUSAND),
    )


def _platform(
    platform: str, kind: str, value: Decimal | None, found: Sequence[Observation]
) -> PlatformIndex:
    reach = sum(o.reach for o in found)
    likes = sum(o.likes for o in found)
    engagements = sum(o.engagements for o in found)
    return PlatformIndex(
        platform=platform,
        index=kind,
        version=VERSIONS[kind],
        value=value,
        posts=len(found),
        reach_name=reach_name(platform),
        reach=reach,
        likes=likes,
        comments=sum(o.comments for o in found),
        shares=sum(o.shares for o in found),
        engagements=engagements,
        reach_per_post=_rate(reach, len(found)),
        like_rate=_rate(likes, reach),
        engagement_rate=_rate(engagements, reach),
    )

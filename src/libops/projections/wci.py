"""The WeChat Communication Index (WCI) per WeChat post, per day and per ISO week.

Implemented variant: the WCI **V14.0** formula as published by Qingbo Big Data (清博大数据,
gsdata.cn) and widely republished since 2020. For a period of ``d`` days with ``n`` articles:

    O = 0.85·ln(R/d + 1)    + 0.09·ln(10·Z/d + 1)    + 0.06·ln(10·L/d + 1)     (daily totals)
    A = 0.85·ln(R/n + 1)    + 0.09·ln(10·Z/n + 1)    + 0.06·ln(10·L/n + 1)     (per article)
    H = 0.85·ln(Rt/d + 1)   + 0.09·ln(10·Zt/d + 1)   + 0.06·ln(10·Lt/d + 1)    (headlines)
    P = 0.85·ln(Rmax + 1)   + 0.09·ln(10·Zmax + 1)   + 0.06·ln(10·Lmax + 1)    (peak article)
    WCI = (0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 10

R, Z, L are the period's total reads (阅读), "wow"s (在看) and likes (点赞); Rt, Zt, Lt those
of the headline (头条) articles; Rmax, Zmax, Lmax the highest of any one article.

How libops fills it in, and why its figure may differ from Qingbo's or WeChat's own:

- R is ``reads`` and L is ``likes`` of the latest snapshot of each WeChat post;
- libops's snapshots have no 在看 count: Z is the count named by ``WOW_COUNT`` (None by
  default, so Z = 0 and the Z terms vanish; a subclass may set it to ``"favourites"``);
- the headline of a day is the day's first published WeChat post (libops has no notion of a
  push's article positions);
- ``d`` is 1 for a day and 7 for a week; a post's own WCI takes d = n = 1 with itself as
  headline and peak;
- days and weeks are those of publication in Asia/Shanghai, and counts are the latest
  cumulative ones (a later snapshot or a correction replaces the earlier one);
- Qingbo computes from its own crawled counts at its own cut-off times, so the figures differ.

Computed with :class:`decimal.Decimal` (``ln`` at 28 digits) and stored as text with 2 decimals.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, ClassVar, Final

from libops.domain.post import Post
from libops.domain.values import MetricSnapshot, Platform
from libops.projections.engagement import local_day, local_week
from libops.projections.views import Projection, View, handles

_TERM_WEIGHTS: Final = (Decimal("0.6"), Decimal("0.2"), Decimal("0.1"), Decimal("0.1"))
_READS_W: Final = Decimal("0.85")
_WOW_W: Final = Decimal("0.09")
_LIKES_W: Final = Decimal("0.06")
_TEN: Final = Decimal(10)
_PLACES: Final = Decimal("0.01")


def _part(reads: Decimal, wows: Decimal, likes: Decimal) -> Decimal:
    one = Decimal(1)
    return (
        _READS_W * (reads + one).ln()
        + _WOW_W * (_TEN * wows + one).ln()
        + _LIKES_W * (_TEN * likes + one).ln()
    )


def wci(
    *,
    days: int,
    reads: int,
    wows: int,
    likes: int,
    articles: int,
    headline: tuple[int, int, int],
    peak: tuple[int, int, int],
) -> str:
    """The V14.0 WCI of a period (see the module docstring), as text with 2 decimals.

    ``headline`` and ``peak`` are (reads, wows, likes) of the headline articles summed, and
    the highest of any one article. A period without articles has a WCI of 0.00.
    """
    if articles == 0:
        return "0.00"
    with localcontext() as context:
        context.prec = 28
        d, n = Decimal(days), Decimal(articles)
        total = _part(Decimal(reads) / d, Decimal(wows) / d, Decimal(likes) / d)
        average = _part(Decimal(reads) / n, Decimal(wows) / n, Decimal(likes) / n)
        heads = _part(*(Decimal(x) / d for x in headline))
        top = _part(*(Decimal(x) for x in peak))
        terms = (total, average, heads, top)
        inner = sum((w * t for w, t in zip(_TERM_WEIGHTS, terms, strict=True)), Decimal(0))
        return str((inner * inner * _TEN).quantize(_PLACES, ROUND_HALF_UP))


class WciProjection(Projection):
    """WeChat Communication Index (Qingbo WCI V14.0) per WeChat post, day and ISO week.

    The formula, its source and how libops fills it in are in the module docstring of
    :mod:`libops.projections.wci` and in docs/projections.md; the platform's and Qingbo's own
    figures may differ. Documents:

    - ``post:<post id>``: ``published_at``, ``day``, ``week``, ``reads``, ``wows``, ``likes``
      (latest cumulative counts) and ``wci`` (d = n = 1);
    - ``day:<YYYY-MM-DD>`` and ``week:<YYYY-Www>``: ``articles`` (each post's published_at
      and counts, by post id), ``reads``, ``wows``, ``likes``, ``headline`` and ``peak``
      (``[reads, wows, likes]``), ``days`` and ``wci``.
    """

    name = "wci"

    WOW_COUNT: ClassVar[str | None] = None
    """The snapshot count used as 在看 (Z); None: not recorded, Z = 0."""

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        receipt = event.receipt
        if receipt.platform is not Platform.WECHAT:
            return
        at = receipt.published_at
        doc = {
            "published_at": at.isoformat(),
            "day": local_day(at),
            "week": local_week(at),
            "reads": 0,
            "wows": 0,
            "likes": 0,
        }
        self._store(view, str(event.originator_id), doc)

    @handles(Post.MetricsRecorded, Post.MetricsCorrected)
    def metrics(self, event: Post.MetricsRecorded | Post.MetricsCorrected, view: View) -> None:
        snapshot = event.snapshot
        if snapshot.platform is not Platform.WECHAT:
            return
        post_id = str(event.originator_id)
        doc = view.get(f"post:{post_id}")
        if doc is None:  # metrics come only after publication
            return
        doc.update(reads=snapshot.reads, wows=self._wows(snapshot), likes=snapshot.likes)
        self._store(view, post_id, doc)

    def _wows(self, snapshot: MetricSnapshot) -> int:
        if self.WOW_COUNT is None:
            return 0
        value = getattr(snapshot, self.WOW_COUNT)
        return int(value or 0)

    def _store(self, view: View, post_id: str, doc: dict[str, Any]) -> None:
        counts = (doc["reads"], doc["wows"], doc["likes"])
        doc["wci"] = wci(
            days=1,
            reads=counts[0],
            wows=counts[1],
            likes=counts[2],
            articles=1,
            headline=counts,
            peak=counts,
        )
        view.put(f"post:{post_id}", doc)
        for key, days in ((f"day:{doc['day']}", 1), (f"week:{doc['week']}", 7)):
            period = view.get(key) or {"articles": {}, "days": days}
            period["articles"][post_id] = {
                "published_at": doc["published_at"],
                "reads": counts[0],
                "wows": counts[1],
                "likes": counts[2],
            }
            view.put(key, _summarised(period))


def _summarised(period: dict[str, Any]) -> dict[str, Any]:
    """The period's totals, headline, peak and WCI, recomputed from its articles."""
    articles: dict[str, dict[str, Any]] = period["articles"]
    names = ("reads", "wows", "likes")
    totals = {name: sum(a[name] for a in articles.values()) for name in names}
    firsts: dict[str, tuple[str, str]] = {}  # day -> (published_at, post id) of its headline
    for post_id, article in articles.items():
        # The headline of a day is its earliest post (post id breaks a tie).
        candidate = (article["published_at"], post_id)
        day_key = local_day_of(article["published_at"])
        if day_key not in firsts or candidate < firsts[day_key]:
            firsts[day_key] = candidate
    heads = [articles[post_id] for _, post_id in firsts.values()]
    headline = [sum(a[name] for a in heads) for name in names]
    peak = [max(a[name] for a in articles.values()) for name in names]
    period.update(totals, headline=headline, peak=peak)
    period["wci"] = wci(
        days=period["days"],
        reads=totals["reads"],
        wows=totals["wows"],
        likes=totals["likes"],
        articles=len(articles),
        headline=(headline[0], headline[1], headline[2]),
        peak=(peak[0], peak[1], peak[2]),
    )
    return period


def local_day_of(iso_moment: str) -> str:
    """The Asia/Shanghai day of an ISO moment stored in a document."""
    return local_day(datetime.fromisoformat(iso_moment))

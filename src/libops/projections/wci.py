"""The WeChat Communication Index (WCI) per WeChat post, per day and per ISO week.

Implemented variant: **WCI V14.2** of Qingbo Big Data (清博大数据, gsdata.cn), in the form its
usage page (https://www.gsdata.cn/site/usage) gives today. For a period of ``d`` days with
``n`` articles:

    part(r, z, l, s) = 0.70·ln(r + 1) + 0.09·ln(10·z + 1) + 0.06·ln(10·l + 1) + 0.15·ln(10·s + 1)
    O = part(R/d, Z/d, L/d, S/d)                   overall reach (整体传播力), daily totals
    A = part(R/n, Z/n, L/n, S/n)                   per-article reach (篇均传播力)
    H = part(Rt/d, Zt/d, Lt/d, St/d)               headline reach (头条传播力), per day
    P = part(Rmax, Zmax, Lmax, Smax)               peak reach (峰值传播力)
    WCI = (0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 1.2 × 10

R, Z, L, S are the period's total reads (阅读), "wow"s (在看), likes (点赞) and shares (转发);
Rt, Zt, Lt, St those of the headline (头条) articles; Rmax, Zmax, Lmax, Smax the highest of any
one article, each taken separately. Logarithms are natural. Earlier republications of V14.2
(2021) weigh reads 0.85 with no shares term and no factor 1.2; V13 weighed the components
0.3/0.3/0.3/0.1. libops follows the current page.

How libops fills it in, and why its figure may differ from Qingbo's or WeChat's own:

- R, L and S are ``reads``, ``likes`` and ``shares`` of the latest snapshot of each WeChat
  post;
- Z is the 在看 count a snapshot records as WeChat's own metric ``wow`` (its ``extra``, see
  :mod:`libops.domain.platforms`); a snapshot without it falls back on the count named by
  ``WOW_COUNT`` (None by default, so Z = 0 there and the Z terms vanish; a subclass may set it
  to ``"favourites"``). A post document says ``wow_recorded`` when its 在看 was recorded;
- the headline of a day is the day's first published WeChat post (libops has no notion of a
  push's article positions);
- ``d`` is 1 for a day and 7 for a week; a post's own WCI (libops's addition, not a Qingbo
  figure) takes d = n = 1 with itself as headline and peak;
- days and weeks are those of publication in Asia/Shanghai; Qingbo's weeks run Sunday to
  Saturday, libops's are ISO weeks (Monday to Sunday);
- counts are the latest cumulative ones (a later snapshot or a correction replaces the
  earlier one); Qingbo computes from its own crawled counts at its own cut-off times (its
  daily ranking uses next-day counts, "100,000+" is taken as 100,001).

Computed with :class:`decimal.Decimal` (``ln`` at 28 digits, correctly rounded, so a rebuild
on any machine gives the same figures) once per batch for each post and period the batch
touched, and stored as text with 2 decimals.
"""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, ClassVar, Final

from libops.domain.bulk import MetricImport
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot, Platform
from libops.projections.engagement import local_week
from libops.projections.views import Projection, View, handles, local_day, uuid_text

_TERM_WEIGHTS: Final = (Decimal("0.6"), Decimal("0.2"), Decimal("0.1"), Decimal("0.1"))
_READS_W: Final = Decimal("0.70")
_WOW_W: Final = Decimal("0.09")
_LIKES_W: Final = Decimal("0.06")
_SHARES_W: Final = Decimal("0.15")
_SCALE: Final = Decimal("12")  # x 1.2 x 10
_TEN: Final = Decimal(10)
_ONE: Final = Decimal(1)
_PLACES: Final = Decimal("0.01")
_CONTEXT: Final = Context(prec=28)

COUNTS: Final = ("reads", "wows", "likes", "shares")
"""The four counts of the formula, in the order ``headline`` and ``peak`` list them."""

Counts = tuple[int, int, int, int]

WOW_METRIC: Final = "wow"
"""The id of 在看 among WeChat's own metrics (its profile in :mod:`libops.domain.platforms`)."""


def _mark_wow(doc: dict[str, Any], snapshot: MetricSnapshot | None) -> None:
    """``wow_recorded`` on a post document whose latest snapshot records 在看 (else none)."""
    if snapshot is not None and WOW_METRIC in snapshot.extra:
        doc["wow_recorded"] = True
    else:
        doc.pop("wow_recorded", None)


@functools.lru_cache(maxsize=4096)
def _ln(value: Decimal) -> Decimal:
    return _CONTEXT.ln(value)


def _part(reads: Decimal, wows: Decimal, likes: Decimal, shares: Decimal) -> Decimal:
    c = _CONTEXT
    return c.add(
        c.add(
            c.multiply(_READS_W, _ln(c.add(reads, _ONE))),
            c.multiply(_WOW_W, _ln(c.add(c.multiply(_TEN, wows), _ONE))),
        ),
        c.add(
            c.multiply(_LIKES_W, _ln(c.add(c.multiply(_TEN, likes), _ONE))),
            c.multiply(_SHARES_W, _ln(c.add(c.multiply(_TEN, shares), _ONE))),
        ),
    )


def wci(*, days: int, totals: Counts, articles: int, headline: Counts, peak: Counts) -> str:
    """The V14.2 WCI of a period (see the module docstring), as text with 2 decimals.

    ``totals``, ``headline`` and ``peak`` are (reads, wows, likes, shares): of all the
    period's articles summed, of its headline articles summed, and the highest of any one
    article. A period without articles has a WCI of 0.00.
    """
    if articles == 0:
        return "0.00"
    c = _CONTEXT
    d, n = Decimal(days), Decimal(articles)
    parts = (
        _part(*(c.divide(Decimal(x), d) for x in totals)),
        _part(*(c.divide(Decimal(x), n) for x in totals)),
        _part(*(c.divide(Decimal(x), d) for x in headline)),
        _part(*(Decimal(x) for x in peak)),
    )
    inner = _CONTEXT.add(
        c.add(c.multiply(_TERM_WEIGHTS[0], parts[0]), c.multiply(_TERM_WEIGHTS[1], parts[1])),
        c.add(c.multiply(_TERM_WEIGHTS[2], parts[2]), c.multiply(_TERM_WEIGHTS[3], parts[3])),
    )
    index = c.multiply(c.multiply(inner, inner), _SCALE)
    return str(index.quantize(_PLACES, ROUND_HALF_UP, context=c))


class WciProjection(Projection):
    """WeChat Communication Index (Qingbo WCI V14.2) per WeChat post, day and ISO week.

    The formula, its source and how libops fills it in are in the module docstring of
    :mod:`libops.projections.wci` and in docs/projections.md; the platform's and Qingbo's own
    figures may differ. Documents:

    - ``post:<post id>``: ``published_at``, ``day``, ``week``, ``reads``, ``wows``,
      ``likes``, ``shares`` (latest cumulative counts), ``wci`` (d = n = 1) and
      ``wow_recorded`` (true, when the latest snapshot records 在看);
    - ``day:<YYYY-MM-DD>`` and ``week:<YYYY-Www>``: ``articles`` (each post's published_at
      and counts, by post id), ``reads``, ``wows``, ``likes``, ``shares``, ``headline`` and
      ``peak`` (``[reads, wows, likes, shares]``), ``days`` and ``wci``.

    Handlers keep the counts; the indices are worked out once per batch, in
    :meth:`before_commit`, for the documents the batch touched.
    """

    name = "wci"
    expands = (MetricImport.BatchRecorded,)  # a bulk import's rows, as snapshot events
    apply_cost = 0.35  # measured: see Projection.apply_cost

    WOW_COUNT: ClassVar[str | None] = None
    """The snapshot count used as 在看 (Z) where a snapshot records no ``wow`` of its own;
    None: Z = 0 there."""

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
            "shares": 0,
        }
        view.put(f"post:{uuid_text(event.originator_id)}", doc)

    @handles(Post.MetricsRecorded, Post.MetricsCorrected)
    def metrics(self, event: Post.MetricsRecorded | Post.MetricsCorrected, view: View) -> None:
        snapshot = event.snapshot
        if snapshot.platform is not Platform.WECHAT:
            return
        doc = view.get(f"post:{uuid_text(event.originator_id)}")
        if doc is None:  # metrics come only after publication
            return
        doc["reads"] = snapshot.reads
        doc["wows"] = self._wows(snapshot)
        _mark_wow(doc, snapshot)
        doc["likes"] = snapshot.likes
        doc["shares"] = snapshot.shares

    @handles(Post.MetricsVoided)
    def voided(self, event: Post.MetricsVoided, view: View) -> None:
        """A voided snapshot no longer counts: the latest valid one (if any) does."""
        if event.voided.platform is not Platform.WECHAT:
            return
        doc = view.get(f"post:{uuid_text(event.originator_id)}")
        if doc is None:
            return
        latest = event.latest
        doc["reads"] = 0 if latest is None else latest.reads
        doc["wows"] = 0 if latest is None else self._wows(latest)
        _mark_wow(doc, latest)
        doc["likes"] = 0 if latest is None else latest.likes
        doc["shares"] = 0 if latest is None else latest.shares

    def _wows(self, snapshot: MetricSnapshot) -> int:
        recorded = snapshot.extra.get(WOW_METRIC)
        if recorded is not None:
            return int(recorded)
        if self.WOW_COUNT is None:
            return 0
        value = getattr(snapshot, self.WOW_COUNT)
        return int(value or 0)

    @staticmethod
    def _store(view: View, post_id: str, doc: dict[str, Any]) -> None:
        """Copy the post's counts into the day and week it was published in."""
        article = {"published_at": doc["published_at"]}
        article.update((name, doc[name]) for name in COUNTS)
        for key, days in ((f"day:{doc['day']}", 1), (f"week:{doc['week']}", 7)):
            period = view.get(key)
            if period is None:
                period = {"articles": {}, "days": days}
                view.put(key, period)
            period["articles"][post_id] = dict(article)  # each document its own copy

    def before_commit(self, view: View) -> None:
        """Work out the index of every post this batch touched, then of their days and
        weeks."""
        for key in view.touched():
            if key.startswith("post:"):
                doc = view.get(key)
                if doc is None:
                    continue
                counts: Counts = (doc["reads"], doc["wows"], doc["likes"], doc["shares"])
                doc["wci"] = wci(days=1, totals=counts, articles=1, headline=counts, peak=counts)
                self._store(view, key[len("post:") :], doc)
        for key in view.touched():
            if not key.startswith("post:"):
                doc = view.get(key)
                if doc is not None:
                    summarise_period(doc)


def summarise_period(period: dict[str, Any]) -> None:
    """Set the period's totals, headline, peak and WCI from its articles (``period`` holds
    ``articles``, post id -> a document with ``published_at`` and the :data:`COUNTS`, and
    ``days``); the report computes its own periods' WCI with it."""
    articles: dict[str, dict[str, Any]] = period["articles"]
    totals = {name: sum(a[name] for a in articles.values()) for name in COUNTS}
    firsts: dict[str, tuple[str, str]] = {}  # day -> (published_at, post id) of its headline
    for post_id, article in articles.items():
        # The headline of a day is its earliest post (post id breaks a tie).
        candidate = (article["published_at"], post_id)
        day_key = local_day_of(article["published_at"])
        if day_key not in firsts or candidate < firsts[day_key]:
            firsts[day_key] = candidate
    heads = [articles[post_id] for _, post_id in firsts.values()]
    headline = [sum(a[name] for a in heads) for name in COUNTS]
    peak = [max(a[name] for a in articles.values()) for name in COUNTS]
    period.update(totals, headline=headline, peak=peak)
    period["wci"] = wci(
        days=period["days"],
        totals=(totals["reads"], totals["wows"], totals["likes"], totals["shares"]),
        articles=len(articles),
        headline=(headline[0], headline[1], headline[2], headline[3]),
        peak=(peak[0], peak[1], peak[2], peak[3]),
    )


def local_day_of(iso_moment: str) -> str:
    """The Asia/Shanghai day of an ISO moment stored in a document."""
    return local_day(datetime.fromisoformat(iso_moment))

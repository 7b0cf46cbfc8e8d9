"""The WCI projection: Qingbo's WCI V14.2 per WeChat post, day and week, worked by hand."""

from __future__ import annotations

from math import log
from typing import ClassVar
from uuid import UUID

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.domain.values import Platform
from libops.projections import ProjectionEngine
from libops.projections.wci import WciProjection, wci
from tests.unit.test_engagement_projection import pub, publish_post, record, utc

__all__ = ["pub"]  # the fixture, shared with the engagement tests


Counts = tuple[int, int, int, int]


def float_wci(d: int, n: int, counts: Counts, head: Counts, peak: Counts) -> float:
    """The V14.2 formula written out again with floats, as a second opinion."""

    def part(r: float, z: float, likes: float, shares: float) -> float:
        return (
            0.70 * log(r + 1)
            + 0.09 * log(10 * z + 1)
            + 0.06 * log(10 * likes + 1)
            + 0.15 * log(10 * shares + 1)
        )

    inner = (
        0.6 * part(*(x / d for x in counts))
        + 0.2 * part(*(x / n for x in counts))
        + 0.1 * part(*(x / d for x in head))
        + 0.1 * part(*peak)
    )
    return inner * inner * 1.2 * 10


def build_wci_scenario(ops: LibOps, clock: ManualClock) -> list[UUID]:
    """Three WeChat posts over two Shanghai days of one ISO week (the third one corrected),
    and a Weibo post the index ignores."""
    # 09:00 and 12:00 on Monday 2 March, 10:00 on Tuesday 3 March, Shanghai time.
    p1 = publish_post(ops, clock, utc(2, 1), Platform.WECHAT, title="First")
    p2 = publish_post(ops, clock, utc(2, 4), Platform.WECHAT, title="Second")
    p3 = publish_post(ops, clock, utc(3, 2), Platform.WECHAT, Platform.WEIBO, title="Third")
    record(ops, p1, Platform.WECHAT, utc(4, 0), reads=1000, likes=20, favourites=8, shares=10)
    record(ops, p2, Platform.WECHAT, utc(4, 0), reads=500, likes=10)
    record(ops, p3, Platform.WECHAT, utc(4, 0), reads=2000, likes=50)
    record(ops, p3, Platform.WECHAT, utc(5, 0), reads=1800, likes=40)  # a correction
    record(ops, p3, Platform.WEIBO, utc(4, 0), reads=90000, likes=900)
    return [p1, p2, p3]


class TestFormula:
    def test_matches_the_float_formula(self) -> None:
        """The Decimal computation agrees with the formula written with floats."""
        computed = wci(
            days=7,
            totals=(3300, 5, 70, 12),
            articles=3,
            headline=(2800, 5, 60, 11),
            peak=(1800, 5, 40, 10),
        )
        expected = float_wci(7, 3, (3300, 5, 70, 12), (2800, 5, 60, 11), (1800, 5, 40, 10))
        assert computed == f"{expected:.2f}"

    def test_one_article_by_hand(self) -> None:
        """One article of 1,000 reads and 20 likes: (0.70 ln 1001 + 0.06 ln 201)^2 x 12
        = (4.836129 + 0.318198)^2 x 12 = 26.567087 x 12 = 318.80."""
        one = (1000, 0, 20, 0)
        assert wci(days=1, totals=one, articles=1, headline=one, peak=one) == "318.80"

    def test_shares_count(self) -> None:
        """10 shares add 0.15 ln 101 = 0.692268 inside: (5.846595)^2 x 12 = 410.19."""
        one = (1000, 0, 20, 10)
        assert wci(days=1, totals=one, articles=1, headline=one, peak=one) == "410.19"

    def test_no_articles(self) -> None:
        """A period without articles has an index of 0."""
        none = (0, 0, 0, 0)
        assert wci(days=7, totals=none, articles=0, headline=none, peak=none) == "0.00"


class WciWithFavourites(WciProjection):
    """The variant that reads favourites as 在看."""

    name = "wci-favourites"
    WOW_COUNT: ClassVar[str | None] = "favourites"


class TestWciProjection:
    def test_posts_days_and_week(self, pub: LibOps, clock: ManualClock) -> None:
        """Per post, per day (headline = first post) and per week, after a correction."""
        p1, p2, p3 = build_wci_scenario(pub, clock)
        with ProjectionEngine(pub, [WciProjection()]) as engine:
            engine.run()
            view = engine.view("wci")
        assert view[f"post:{p1}"] == {
            "published_at": "2026-03-02T01:00:00+00:00",
            "day": "2026-03-02",
            "week": "2026-W10",
            "reads": 1000,
            "wows": 0,
            "likes": 20,
            "shares": 10,
            "wci": "410.19",
        }
        assert view[f"post:{p2}"]["wci"] == "257.08"
        assert (view[f"post:{p3}"]["reads"], view[f"post:{p3}"]["wci"]) == (1800, "377.25")
        monday = view["day:2026-03-02"]
        assert (monday["reads"], monday["likes"], monday["days"]) == (1500, 30, 1)
        assert (monday["headline"], monday["peak"]) == ([1000, 0, 20, 10], [1000, 0, 20, 10])
        assert monday["wci"] == "427.28"
        second_opinion = float_wci(1, 2, (1500, 0, 30, 10), (1000, 0, 20, 10), (1000, 0, 20, 10))
        assert monday["wci"] == f"{second_opinion:.2f}"
        assert view["day:2026-03-03"]["wci"] == "377.25"
        week = view["week:2026-W10"]
        # Headlines: 1,000 reads on Monday + 1,800 on Tuesday; peak: the corrected third post.
        assert (week["reads"], week["likes"], week["days"]) == (3300, 70, 7)
        assert (week["headline"], week["peak"]) == ([2800, 0, 60, 10], [1800, 0, 40, 10])
        assert week["wci"] == "332.92"
        opinion = float_wci(7, 3, (3300, 0, 70, 10), (2800, 0, 60, 10), (1800, 0, 40, 10))
        assert week["wci"] == f"{opinion:.2f}"
        assert sorted(week["articles"]) == sorted(str(p) for p in (p1, p2, p3))
        # The third post's 90,000 Weibo reads count nowhere: only WeChat posts have a WCI.
        assert len([key for key in view if key.startswith("post:")]) == 3

    def test_wow_count_variant(self, pub: LibOps, clock: ManualClock) -> None:
        """A subclass can read favourites as 在看: Z = 8 raises the first post's index."""
        p1, _, _ = build_wci_scenario(pub, clock)
        with ProjectionEngine(pub, [WciWithFavourites()]) as engine:
            engine.run()
            doc = engine.get("wci-favourites", f"post:{p1}")
        assert (doc["wows"], doc["wci"]) == (8, "467.57")

    @pytest.mark.parametrize("batch_size", [1, 500])
    def test_rebuild_equals_run(self, pub: LibOps, clock: ManualClock, batch_size: int) -> None:
        """Rebuilding from zero gives the same documents, whatever the batch size."""
        build_wci_scenario(pub, clock)
        with ProjectionEngine(pub, [WciProjection()], batch_size=batch_size) as engine:
            engine.run()
            first = engine.view("wci")
            engine.rebuild("wci")
            assert engine.view("wci") == first

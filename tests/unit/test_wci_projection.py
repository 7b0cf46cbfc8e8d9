"""The WCI projection: Qingbo's WCI V14.0 per WeChat post, day and week, worked by hand."""

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


def float_wci(
    d: int, n: int, counts: tuple[int, int, int], head: tuple[int, int, int],
    peak: tuple[int, int, int],
) -> float:
    """The V14.0 formula written out again with floats, as a second opinion."""

    def part(r: float, z: float, likes: float) -> float:
        return 0.85 * log(r + 1) + 0.09 * log(10 * z + 1) + 0.06 * log(10 * likes + 1)

    r, z, likes = counts
    inner = (
        0.6 * part(r / d, z / d, likes / d)
        + 0.2 * part(r / n, z / n, likes / n)
        + 0.1 * part(head[0] / d, head[1] / d, head[2] / d)
        + 0.1 * part(*peak)
    )
    return inner * inner * 10


def build_wci_scenario(ops: LibOps, clock: ManualClock) -> list[UUID]:
    """Three WeChat posts over two Shanghai days of one ISO week (the third one corrected),
    and a Weibo post the index ignores."""
    # 09:00 and 12:00 on Monday 2 March, 10:00 on Tuesday 3 March, Shanghai time.
    p1 = publish_post(ops, clock, utc(2, 1), Platform.WECHAT, title="First")
    p2 = publish_post(ops, clock, utc(2, 4), Platform.WECHAT, title="Second")
    p3 = publish_post(ops, clock, utc(3, 2), Platform.WECHAT, Platform.WEIBO, title="Third")
    record(ops, p1, Platform.WECHAT, utc(4, 0), reads=1000, likes=20, favourites=8)
    record(ops, p2, Platform.WECHAT, utc(4, 0), reads=500, likes=10)
    record(ops, p3, Platform.WECHAT, utc(4, 0), reads=2000, likes=50)
    record(ops, p3, Platform.WECHAT, utc(5, 0), reads=1800, likes=40)  # a correction
    record(ops, p3, Platform.WEIBO, utc(4, 0), reads=90000, likes=900)
    return [p1, p2, p3]


class TestFormula:
    def test_matches_the_float_formula(self) -> None:
        """The Decimal computation agrees with the formula written with floats."""
        computed = wci(days=7, reads=3300, wows=5, likes=70, articles=3,
                       headline=(2800, 5, 60), peak=(1800, 5, 40))
        expected = float_wci(7, 3, (3300, 5, 70), (2800, 5, 60), (1800, 5, 40))
        assert computed == f"{expected:.2f}"

    def test_one_article_by_hand(self) -> None:
        """One article of 1,000 reads and 20 likes: (0.85 ln 1001 + 0.06 ln 201)^2 x 10."""
        assert wci(days=1, reads=1000, wows=0, likes=20, articles=1,
                   headline=(1000, 0, 20), peak=(1000, 0, 20)) == "383.24"

    def test_no_articles(self) -> None:
        """A period without articles has an index of 0."""
        assert wci(days=7, reads=0, wows=0, likes=0, articles=0,
                   headline=(0, 0, 0), peak=(0, 0, 0)) == "0.00"


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
            "published_at": "2026-03-02T01:00:00+00:00", "day": "2026-03-02",
            "week": "2026-W10", "reads": 1000, "wows": 0, "likes": 20, "wci": "383.24",
        }
        assert view[f"post:{p2}"]["wci"] == "309.25"
        assert (view[f"post:{p3}"]["reads"], view[f"post:{p3}"]["wci"]) == (1800, "453.11")
        monday = view["day:2026-03-02"]
        assert (monday["reads"], monday["likes"], monday["days"]) == (1500, 30, 1)
        assert (monday["headline"], monday["peak"]) == ([1000, 0, 20], [1000, 0, 20])
        assert monday["wci"] == "404.43"
        second_opinion = float_wci(1, 2, (1500, 0, 30), (1000, 0, 20), (1000, 0, 20))
        assert monday["wci"] == f"{second_opinion:.2f}"
        assert view["day:2026-03-03"]["wci"] == "453.11"
        week = view["week:2026-W10"]
        # Headlines: 1,000 reads on Monday + 1,800 on Tuesday; peak: the corrected third post.
        assert (week["reads"], week["likes"], week["days"]) == (3300, 70, 7)
        assert (week["headline"], week["peak"]) == ([2800, 0, 60], [1800, 0, 40])
        assert week["wci"] == "333.18"
        assert sorted(week["articles"]) == sorted(str(p) for p in (p1, p2, p3))
        # The third post's 90,000 Weibo reads count nowhere: only WeChat posts have a WCI.
        assert len([key for key in view if key.startswith("post:")]) == 3

    def test_wow_count_variant(self, pub: LibOps, clock: ManualClock) -> None:
        """A subclass can read favourites as 在看: Z = 8 raises the first post's index."""
        p1, _, _ = build_wci_scenario(pub, clock)
        with ProjectionEngine(pub, [WciWithFavourites()]) as engine:
            engine.run()
            doc = engine.get("wci-favourites", f"post:{p1}")
        assert (doc["wows"], doc["wci"]) == (8, "433.77")

    @pytest.mark.parametrize("batch_size", [1, 500])
    def test_rebuild_equals_run(self, pub: LibOps, clock: ManualClock, batch_size: int) -> None:
        """Rebuilding from zero gives the same documents, whatever the batch size."""
        build_wci_scenario(pub, clock)
        with ProjectionEngine(pub, [WciProjection()], batch_size=batch_size) as engine:
            engine.run()
            first = engine.view("wci")
            engine.rebuild("wci")
            assert engine.view("wci") == first

"""The communication indices of libops.analysis.indices: the Weibo index (BCI), libops's own
short-video index and the weighted cross-platform index, against hand-computed values and
as properties (monotone in every count, 0 for no activity, weights renormalised)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libops.analysis import (
    DEFAULT_INDEX_WEIGHTS,
    INDEX_PLATFORMS,
    bci,
    index_weights,
    video_index,
    weighted_index,
)
from libops.domain.errors import IndexWeightsError, InvalidValueError
from libops.domain.values import Platform

COUNT = st.integers(min_value=0, max_value=10**9)
INDEX = st.decimals(min_value=0, max_value=5000, places=2)


def _by_hand(posts: int, shares: int, comments: int, likes: int) -> float:
    """The BCI's formula, in floats, as a reader would work it out."""
    w1 = math.log(posts + 1)
    w2 = 0.4 * math.log(shares + 1) + 0.4 * math.log(comments + 1) + 0.2 * math.log(likes + 1)
    return (0.2 * w1 + 0.8 * w2) * 160


class TestBci:
    def test_hand_computed(self) -> None:
        """30 posts, 100 shares, 50 comments, 400 likes: W1 = ln 31 = 3.433987,
        W2 = 0.4·4.615121 + 0.4·3.931826 + 0.2·5.993961 = 4.617571,
        (0.2·3.433987 + 0.8·4.617571) × 160 = 700.9366 -> 700.94."""
        assert bci(posts=30, shares=100, comments=50, likes=400) == Decimal("700.94")

    def test_posts_only(self) -> None:
        """Posts with no reaction: 0.2·ln(9 + 1)·160 = 32·2.302585 = 73.68."""
        assert bci(posts=9, shares=0, comments=0, likes=0) == Decimal("73.68")

    def test_no_activity_is_zero(self) -> None:
        assert bci(posts=0, shares=0, comments=0, likes=0) == Decimal("0.00")

    @given(COUNT, COUNT, COUNT, COUNT)
    def test_the_formula(self, posts: int, shares: int, comments: int, likes: int) -> None:
        """The exact index is within rounding of the float formula."""
        found = bci(posts=posts, shares=shares, comments=comments, likes=likes)
        assert abs(float(found) - _by_hand(posts, shares, comments, likes)) <= 0.0051
        assert found == found.quantize(Decimal("0.01"))

    @given(
        st.tuples(COUNT, COUNT, COUNT, COUNT),
        st.integers(min_value=0, max_value=3),
        st.integers(min_value=1, max_value=10**6),
    )
    def test_monotone_in_each_count(
        self, counts: tuple[int, int, int, int], which: int, more: int
    ) -> None:
        """One more post, share, comment or like never lowers the index, and a count rising
        from 0 raises it."""
        names = ("posts", "shares", "comments", "likes")
        before = dict(zip(names, counts, strict=True))
        after = before | {names[which]: before[names[which]] + more}
        assert bci(**after) >= bci(**before)
        if sum(counts) == 0:
            assert bci(**after) > bci(**before)

    @pytest.mark.parametrize("bad", [-1, 1.5, "3", None, True])
    def test_bad_counts_are_refused(self, bad: Any) -> None:
        with pytest.raises(InvalidValueError, match="the count of likes of the Weibo index"):
            bci(posts=1, shares=1, comments=1, likes=bad)


class TestVideoIndex:
    def test_same_form_as_the_bci(self) -> None:
        """libops's short-video index has the BCI's form, videos in W1."""
        assert video_index(videos=30, shares=100, comments=50, likes=400) == Decimal("700.94")

    @given(COUNT, COUNT, COUNT, COUNT)
    def test_equals_the_bci_of_the_same_counts(self, a: int, b: int, c: int, d: int) -> None:
        assert video_index(videos=a, shares=b, comments=c, likes=d) == bci(
            posts=a, shares=b, comments=c, likes=d
        )

    def test_no_activity_is_zero(self) -> None:
        assert video_index(videos=0, shares=0, comments=0, likes=0) == Decimal("0.00")

    def test_bad_counts_are_refused(self) -> None:
        with pytest.raises(InvalidValueError, match="short-video index"):
            video_index(videos=-3, shares=0, comments=0, likes=0)


class TestWeightedIndex:
    def test_hand_computed_with_an_absent_platform(self) -> None:
        """Default weights 40/25/20, no Douyin video: (40·500 + 25·600) / 65 = 538.46."""
        found = weighted_index({"wechat": Decimal(500), "weibo": Decimal(600), "douyin": None})
        assert found.value == Decimal("538.46")
        shares = {w.platform: w.share for w in found.weights}
        assert shares == {"wechat": Decimal("0.6154"), "weibo": Decimal("0.3846"), "douyin": None}
        assert [w.present for w in found.weights] == [True, True, False]

    def test_all_three_present(self) -> None:
        """(40·800 + 25·600 + 20·300) / 85 = 53,000 / 85 = 623.529... -> 623.53."""
        indices = {"wechat": Decimal(800), "weibo": Decimal(600), "douyin": Decimal(300)}
        assert weighted_index(indices).value == Decimal("623.53")

    def test_given_weights_change_it(self) -> None:
        indices = {"wechat": Decimal(800), "weibo": Decimal(600), "douyin": Decimal(300)}
        assert weighted_index(indices, {"wechat": 1, "douyin": 1}).value == Decimal("550.00")
        assert weighted_index(indices, {Platform.WEIBO: Decimal("0.5")}).value == Decimal("600.00")

    def test_nothing_present(self) -> None:
        found = weighted_index({})
        assert found.value is None
        assert all(not w.present and w.share is None for w in found.weights)

    def test_a_present_platform_may_weigh_nothing(self) -> None:
        """A zero weight leaves a present platform out of the figure."""
        found = weighted_index(
            {"wechat": Decimal(800), "weibo": Decimal(100)}, {"wechat": 0, "weibo": 1}
        )
        assert found.value == Decimal("100.00")

    @given(
        st.fixed_dictionaries({p: st.none() | INDEX for p in INDEX_PLATFORMS}),
        st.fixed_dictionaries({p: st.integers(1, 100) for p in INDEX_PLATFORMS}),
        st.integers(2, 50),
    )
    def test_weights_are_relative(
        self, indices: dict[str, Decimal | None], weights: dict[str, int], factor: int
    ) -> None:
        """Scaling every weight by a factor changes nothing; the figure lies between the
        smallest and the largest present index; absent platforms change nothing."""
        found = weighted_index(indices, weights)
        scaled = weighted_index(indices, {p: w * factor for p, w in weights.items()})
        assert found.value == scaled.value
        present = [v for v in indices.values() if v is not None]
        if not present:
            assert found.value is None
            return
        assert found.value is not None
        assert min(present) - Decimal("0.005") <= found.value <= max(present) + Decimal("0.005")
        only_present = {p: w for p, w in weights.items() if indices[p] is not None}
        assert weighted_index(indices, only_present).value == found.value

    @given(
        st.fixed_dictionaries(dict.fromkeys(INDEX_PLATFORMS, INDEX)),
        st.sampled_from(INDEX_PLATFORMS),
    )
    def test_monotone_in_each_index(self, indices: dict[str, Decimal], which: str) -> None:
        """A higher index on one platform never lowers the weighted index."""
        higher = weighted_index(indices | {which: indices[which] + Decimal(10)}).value
        lower = weighted_index(indices).value
        assert higher is not None
        assert lower is not None
        assert higher >= lower


class TestIndexWeights:
    def test_default(self) -> None:
        assert index_weights(None) == tuple(DEFAULT_INDEX_WEIGHTS.items())

    def test_platform_names_and_members(self) -> None:
        assert index_weights({Platform.DOUYIN: 1.5, "wechat": 2}) == (
            ("wechat", Decimal(2)),
            ("douyin", Decimal("1.5")),
        )

    @pytest.mark.parametrize(
        ("weights", "message"),
        [
            ([("wechat", 1)], "a mapping of platform to weight"),
            ({}, "name no platform"),
            ({"mastodon": 1}, "'mastodon' has no communication index"),
            ({"toutiao": 15}, "'toutiao' has no communication index"),
            ({"wechat": -1}, "weight of wechat is negative"),
            ({"wechat": float("nan")}, "finite"),
            ({"wechat": Decimal("Infinity")}, "finite"),
            ({"wechat": "40"}, "must be a number"),
            ({"wechat": True}, "must be a number"),
            ({"wechat": 0, "weibo": 0}, "add up to 0"),
            ({"wechat": 1, Platform.WECHAT: 2}, "'wechat' twice"),
        ],
    )
    def test_bad_weights_are_refused(self, weights: Any, message: str) -> None:
        with pytest.raises(IndexWeightsError, match=message):
            index_weights(weights)
        with pytest.raises(IndexWeightsError):
            weighted_index({"wechat": Decimal(1)}, weights)

"""Data analysis over the read models: observations, cleaning, grouping, statistics,
correlation, comparison of categories and trend over weeks, checked against hand-worked tables."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.analysis import (
    DIMENSIONS,
    Observation,
    SnapshotRecord,
    clean,
    compare,
    correlate,
    describe,
    group,
    observations,
    pearson,
    quantile,
    spearman,
    total,
    trend,
)
from libops.domain.errors import InvalidValueError
from libops.domain.values import MetricSnapshot, PostVariant, ReviewChecklist
from libops.projections import ProjectionEngine
from libops.projections.engagement import EngagementProjection
from tests.helpers import count_events

D = Decimal
EXACT = Context(prec=28)


def utc(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


MONDAY_MORNING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 on Monday 2 March in Shanghai


def obs(
    post: str,
    *,
    platform: str = "wechat",
    content_type: str = "news",
    format: str = "image_text",
    campaign: str | None = None,
    published: datetime = MONDAY_MORNING,
    reads: int = 0,
    views: int = 0,
    likes: int = 0,
    comments: int = 0,
    shares: int = 0,
    favourites: int = 0,
    followers: int | None = None,
) -> Observation:
    """An observation built by hand (reach: reads on WeChat and Weibo, views elsewhere)."""
    return Observation(
        post_id=post,
        platform=platform,
        campaign_id=campaign,
        content_type=content_type,
        format=format,
        published_at=published,
        observed_at=published + timedelta(days=1),
        reads=reads,
        views=views,
        likes=likes,
        comments=comments,
        shares=shares,
        favourites=favourites,
        followers_gained=followers,
        reach_name="reads" if platform in ("wechat", "weibo") else "views",
    )


# A small table worked by hand (times are UTC; Shanghai is UTC+8):
#
# post  platform content    published (Shanghai)    reach  eng.  rate
# a     wechat   news       Mon 2 Mar 09:00 (W10)    1000    40  0.04
# b     weibo    news       Mon 2 Mar 20:00 (W10)    2000    60  0.03
# c     douyin   knowledge  Tue 3 Mar 09:00 (W10)    5000   400  0.08
# d     wechat   interactive Mon 16 Mar 09:00 (W12)  1000    90  0.09
# e     weibo    interactive Mon 16 Mar 09:00 (W12)     0     5  None
TABLE = (
    obs(
        "a",
        published=utc(3, 2, 1),
        reads=1000,
        likes=20,
        comments=5,
        shares=10,
        favourites=5,
        followers=4,
        campaign="spring",
    ),
    obs(
        "b",
        platform="weibo",
        published=utc(3, 2, 12),
        reads=2000,
        likes=30,
        comments=10,
        shares=15,
        favourites=5,
        campaign="spring",
    ),
    obs(
        "c",
        platform="douyin",
        content_type="knowledge",
        format="video",
        published=utc(3, 3, 1),
        views=5000,
        likes=300,
        comments=40,
        shares=30,
        favourites=30,
        followers=20,
    ),
    obs(
        "d",
        content_type="interactive",
        published=utc(3, 16, 1),
        reads=1000,
        likes=50,
        comments=30,
        shares=5,
        favourites=5,
        followers=2,
    ),
    obs("e", platform="weibo", content_type="interactive", published=utc(3, 16, 1), likes=5),
)


class TestObservation:
    def test_local_time_fields_and_rate(self) -> None:
        """Hour, weekday, day and week are those of Shanghai; the rate is engagements / reach."""
        b = TABLE[1]
        assert (b.hour, b.weekday, b.day.isoformat(), b.week) == (20, 1, "2026-03-02", "2026-W10")
        assert (b.engagements, b.reach, b.engagement_rate) == (60, 2000, D("0.03"))
        late = obs("x", published=utc(3, 8, 17))  # Sunday 17:00 UTC is Monday 01:00 in Shanghai
        assert (late.hour, late.weekday, late.week) == (1, 1, "2026-W11")

    def test_rate_is_none_without_reach(self) -> None:
        """A post with no reach has no rate (not 0, not an error)."""
        assert TABLE[4].engagement_rate is None

    def test_rate_keeps_precision(self) -> None:
        """Rates are exact to 28 digits, not the view's 4 rounded places."""
        third = obs("t", reads=3, likes=1)
        assert third.engagement_rate == D("0.3333333333333333333333333333")


def view_doc(post: str, platform: str = "wechat", **fields: Any) -> dict[str, Any]:
    """An engagement view document as the projection writes it."""
    doc: dict[str, Any] = {
        "post_id": post,
        "platform": platform,
        "campaign_id": "none",
        "content_type": "news",
        "format": "image_text",
        "published_at": "2026-03-02T01:00:00+00:00",
        "day": "2026-03-02",
        "week": "2026-W10",
        "observed_at": "2026-03-03T01:00:00+00:00",
        "reads": 1000,
        "views": 0,
        "likes": 30,
        "comments": 5,
        "shares": 10,
        "favourites": 5,
        "followers_gained": None,
        "engagements": 50,
        "denominator": "reads",
        "denominator_value": 1000,
        "engagement_rate": "0.0500",
        "snapshots": 1,
        "corrections": 0,
    }
    doc.update(fields)
    return doc


class TestObservations:
    def test_from_view_documents(self) -> None:
        """Only post documents become observations, sorted by publish time."""
        view = {
            "meta:p1": {"campaign_id": "none"},
            "platform:wechat": {"posts": 2},
            "post:p2:wechat": view_doc(
                "p2", published_at="2026-03-04T01:00:00+00:00", campaign_id="c1"
            ),
            "post:p1:wechat": view_doc("p1"),
        }
        found = observations(view)
        assert [o.post_id for o in found] == ["p1", "p2"]
        assert found[0].campaign_id is None
        assert found[1].campaign_id == "c1"
        assert found[0].engagement_rate == D("0.05")
        assert found[0].published_at == utc(3, 2, 1)

    def test_unmeasured_left_out_unless_asked(self) -> None:
        """A variant with no snapshot yet is left out by default."""
        view = {"post:p1:wechat": view_doc("p1", observed_at=None, reads=0, likes=0)}
        assert observations(view) == []
        assert [o.post_id for o in observations(view, include_unmeasured=True)] == ["p1"]

    @pytest.mark.parametrize(
        ("doc", "message"),
        [
            ([1, 2], "is not a dict"),
            ({"post_id": "p"}, "has no field"),
            (view_doc("p", denominator="followers"), "not reads or views"),
            (view_doc("p", likes=-1), "likes"),
            (view_doc("p", likes="3"), "likes"),
            (view_doc("p", published_at="2026-03-02T01:00:00"), "time zone"),
            (view_doc("p", published_at="yesterday"), "not an ISO date"),
            (view_doc("p", platform=""), "platform"),
        ],
    )
    def test_bad_documents(self, doc: Any, message: str) -> None:
        """A document that is not an engagement view's is refused with what is wrong."""
        with pytest.raises(InvalidValueError, match=message):
            observations({"post:p:wechat": doc})

    def test_bad_source(self) -> None:
        """Only an engine or a view's documents can be read."""
        with pytest.raises(InvalidValueError, match="ProjectionEngine or an engagement view"):
            observations([view_doc("p")])  # type: ignore[arg-type]  # the wrong type on purpose


# --- cleaning ---------------------------------------------------------------------------


def rec(day: int, hour: int = 0, post: str = "p", **counts: Any) -> SnapshotRecord:
    return SnapshotRecord(post, "wechat", utc(3, day, hour), **counts)


class TestClean:
    def test_hand_worked_export(self) -> None:
        """Duplicates, a same-moment correction, a fall, a negative and a gap, worked by hand.

        input (all 08:00 UTC, i.e. 16:00 in Shanghai)        outcome
        0  2 Mar reads 100 likes 5                           kept
        1  2 Mar reads 100 likes 5      (exact duplicate)    removed
        2  3 Mar reads 200 likes 9                           dropped: 3 is a later record
        3  3 Mar reads 210 likes 8                           kept (same moment, later)
        4  4 Mar reads 150 likes 8      (fell, unmarked)     rejected
        5  5 Mar reads -1               (negative)           rejected
        6  7 Mar reads 300 likes 12                          kept; 4, 5, 6 Mar filled
        7  8 Mar reads 290 likes 12     (marked correction)  kept, a correction applied
        """
        rows = [
            rec(2, 8, reads=100, likes=5),
            rec(2, 8, reads=100, likes=5),
            rec(3, 8, reads=200, likes=9),
            rec(3, 8, reads=210, likes=8),
            rec(4, 8, reads=150, likes=8),
            rec(5, 8, reads=-1),
            rec(7, 8, reads=300, likes=12),
            rec(8, 8, reads=290, likes=12, correction=True),
        ]
        result = clean(rows)
        assert [(r.observed_at.day, r.reads, r.likes, r.filled) for r in result.rows] == [
            (2, 100, 5, False),
            (3, 210, 8, False),
            (4, 210, 8, True),
            (5, 210, 8, True),
            (6, 210, 8, True),
            (7, 300, 12, False),
            (8, 290, 12, False),
        ]
        report = result.report
        assert (report.input_rows, report.output_rows) == (8, 7)
        assert (report.duplicates_removed, report.corrections_applied, report.gaps_filled) == (
            1,
            2,
            3,
        )
        assert [(r.index, r.reason) for r in report.rejected] == [
            (4, "counts fell without a correction: reads 210 -> 150"),
            (5, "negative count: reads -1"),
        ]

    def test_marked_correction_wins_at_the_same_moment(self) -> None:
        """At one moment a record marked as a correction beats an unmarked one, in any order."""
        plain, fixed = rec(2, reads=100), rec(2, reads=90, correction=True)
        for order in ([plain, fixed], [fixed, plain]):
            result = clean(order)
            assert [r.reads for r in result.rows] == [90]
            assert result.report.corrections_applied == 1

    def test_later_unmarked_record_wins_at_the_same_moment(self) -> None:
        """Two unmarked records of one moment: the later in the input wins (a re-export)."""
        assert [r.reads for r in clean([rec(2, reads=100), rec(2, reads=120)]).rows] == [120]

    def test_gaps_follow_shanghai_days(self) -> None:
        """Days are Shanghai's: 23:00 and 17:00 UTC are on the next local day."""
        # 1 Mar 23:00 UTC is 2 Mar in Shanghai; 3 Mar 17:00 UTC is 4 Mar: one gap, 3 Mar.
        result = clean([rec(1, 23, reads=5), rec(3, 17, reads=9)])
        assert result.report.gaps_filled == 1
        assert [(r.observed_at, r.reads, r.filled) for r in result.rows] == [
            (utc(3, 1, 23), 5, False),
            (utc(3, 2, 23), 5, True),
            (utc(3, 3, 17), 9, False),
        ]

    def test_series_are_separate(self) -> None:
        """Each post and platform is its own series: no fall or gap across them."""
        rows = [
            rec(2, post="a", reads=100),
            rec(3, post="b", reads=5),
            SnapshotRecord("a", "weibo", utc(3, 4), reads=1),
        ]
        result = clean(rows)
        assert result.report.rejected == ()
        assert result.report.gaps_filled == 0
        assert [(r.post_id, r.platform) for r in result.rows] == [
            ("a", "wechat"),
            ("a", "weibo"),
            ("b", "wechat"),
        ]

    def test_followers_unreported_is_not_a_fall(self) -> None:
        """A count the platform stopped reporting (None) does not count as falling."""
        result = clean([rec(2, reads=1, followers_gained=4), rec(3, reads=2)])
        assert result.report.rejected == ()

    def test_from_mappings_and_snapshots(self) -> None:
        """Export rows (ISO text times) and recorded snapshots become records."""
        snapshot = MetricSnapshot("weibo", utc(3, 2), reads=7, likes=1, followers_gained=2)
        record = SnapshotRecord.of("p", snapshot, correction=True)
        assert (record.platform, record.reads, record.followers_gained, record.correction) == (
            "weibo",
            7,
            2,
            True,
        )
        row = {
            "post_id": "p",
            "platform": "wechat",
            "observed_at": "2026-03-02T09:00:00+08:00",
            "reads": 10,
        }
        (cleaned,) = clean([row]).rows
        assert (cleaned.observed_at, cleaned.reads, cleaned.likes) == (utc(3, 2, 1), 10, 0)

    def test_empty_input(self) -> None:
        """Nothing in, nothing out, an empty report."""
        result = clean([])
        assert result.rows == ()
        assert result.report.input_rows == 0

    @pytest.mark.parametrize(
        ("row", "message"),
        [
            (
                {"post_id": "p", "platform": "wechat", "observed_at": utc(3, 2), "like": 1},
                "unknown field",
            ),
            ({"post_id": "p", "platform": "myspace", "observed_at": utc(3, 2)}, "unknown platform"),
            (
                {"post_id": "p", "platform": "wechat", "observed_at": datetime(2026, 3, 2)},
                "time zone",
            ),
            (
                {"post_id": "p", "platform": "wechat", "observed_at": utc(3, 2), "reads": 1.5},
                "reads must be a whole number",
            ),
            (
                {"post_id": "p", "platform": "wechat", "observed_at": utc(3, 2), "reads": True},
                "reads must be a whole number",
            ),
            ({"post_id": " ", "platform": "wechat", "observed_at": utc(3, 2)}, "post id"),
            ({"platform": "wechat", "observed_at": utc(3, 2)}, "needs post_id"),
            (
                {
                    "post_id": "p",
                    "platform": "wechat",
                    "observed_at": utc(3, 2),
                    "correction": "yes",
                },
                "true or false",
            ),
        ],
    )
    def test_malformed_rows(self, row: dict[str, Any], message: str) -> None:
        """A row that cannot be read is refused, naming the row and the field."""
        with pytest.raises(InvalidValueError, match=message) as raised:
            clean([row])
        assert "snapshot record 0" in str(raised.value)

    @pytest.mark.parametrize("records", ["text", 5, {"post_id": "p"}, [3]])
    def test_not_records(self, records: Any) -> None:
        """clean needs a sequence of records or mappings."""
        with pytest.raises(InvalidValueError):
            clean(records)

    @given(st.data())
    def test_clean_properties(self, data: st.DataObject) -> None:
        """Idempotent; no negatives, no unmarked falls, no gaps, one record per moment."""
        counts = st.integers(min_value=-2, max_value=30)
        raw = data.draw(
            st.lists(
                st.builds(
                    SnapshotRecord,
                    st.sampled_from(["a", "b"]),
                    st.sampled_from(["wechat", "douyin"]),
                    st.builds(utc, st.just(3), st.integers(1, 9), st.sampled_from([0, 20])),
                    reads=counts,
                    likes=counts,
                    correction=st.booleans(),
                ),
                max_size=25,
            )
        )
        once = clean(raw)
        twice = clean(once.rows)
        assert twice.rows == once.rows
        assert (twice.report.duplicates_removed, twice.report.gaps_filled) == (0, 0)
        assert twice.report.rejected == ()
        report = once.report
        assert report.output_rows == len(once.rows)
        assert report.input_rows == (
            report.output_rows
            - report.gaps_filled
            + report.duplicates_removed
            + len(report.rejected)
            + _superseded(raw)
        )
        moments = [(r.post_id, r.platform, r.observed_at) for r in once.rows]
        assert len(moments) == len(set(moments))
        assert moments == sorted(moments)
        for before, after in zip(once.rows, once.rows[1:], strict=False):
            assert min(after.reads, after.likes) >= 0
            if before.series == after.series:
                assert (after.local_day - before.local_day).days <= 1
                fell = after.reads < before.reads or after.likes < before.likes
                assert not fell or after.correction


def _superseded(raw: list[SnapshotRecord]) -> int:
    """How many valid, distinct records another record of the same moment replaced."""
    valid = [r for r in dict.fromkeys(raw) if min(r.reads, r.likes) >= 0]
    moments = {(r.post_id, r.platform, r.observed_at) for r in valid}
    return len(valid) - len(moments)


# --- grouping ---------------------------------------------------------------------------


class TestGroup:
    def test_by_content_type(self) -> None:
        """news: a + b = 100 / 3000; knowledge: c = 400 / 5000; interactive: d + e = 95 / 1000."""
        groups = {g.key: g for g in group(TABLE, "content_type")}
        assert set(groups) == {("interactive",), ("knowledge",), ("news",)}
        news = groups[("news",)]
        assert (news.posts, news.engagements, news.reach, news.reads, news.likes) == (
            2,
            100,
            3000,
            3000,
            50,
        )
        assert news.engagement_rate == D(1) / D(30)
        assert groups[("knowledge",)].engagement_rate == D("0.08")
        assert groups[("interactive",)].engagement_rate == D("0.095")
        assert news.followers_gained == 4  # b does not report followers: counted as 0
        assert [m.post_id for m in news.members] == ["a", "b"]

    def test_by_combination_sorted(self) -> None:
        """Grouping by platform and hour gives one group per pair, sorted by key."""
        keys = [(g.key, g.posts) for g in group(TABLE, ("platform", "hour"))]
        assert keys == [
            (("douyin", 9), 1),
            (("wechat", 9), 2),
            (("weibo", 9), 1),
            (("weibo", 20), 1),
        ]
        assert group(TABLE, ["weekday"])[0].label == "weekday=1"

    def test_week_campaign_format(self) -> None:
        """Week, campaign ("none" outside one) and format groups."""
        assert [(g.key, g.posts) for g in group(TABLE, "week")] == [
            (("2026-W10",), 3),
            (("2026-W12",), 2),
        ]
        assert [(g.key, g.engagements) for g in group(TABLE, "campaign")] == [
            (("none",), 495),
            (("spring",), 100),
        ]
        assert [g.key for g in group(TABLE, "format")] == [("image_text",), ("video",)]

    def test_no_reach_gives_no_rate(self) -> None:
        """A group whose reach is 0 has no rate."""
        (weibo_w12,) = group([TABLE[4]], "platform")
        assert (weibo_w12.engagements, weibo_w12.reach, weibo_w12.engagement_rate) == (5, 0, None)

    def test_total(self) -> None:
        """The total sums every row: 595 engagements over 9000 reach."""
        everything = total(TABLE)
        assert (everything.key, everything.label, everything.posts) == ((), "all", 5)
        assert (everything.engagements, everything.reach) == (595, 9000)
        assert total([]).engagement_rate is None
        assert group([], "platform") == []

    @pytest.mark.parametrize(
        ("by", "message"),
        [
            ("audience", "cannot group by 'audience'"),
            ((), "at least one"),
            (("hour", "hour"), "named twice"),
            (5, "dimension name"),
        ],
    )
    def test_bad_dimensions(self, by: Any, message: str) -> None:
        """An unknown, repeated or missing dimension is refused, listing the known ones."""
        with pytest.raises(InvalidValueError, match=message):
            group(TABLE, by)

    def test_rows_must_be_observations(self) -> None:
        """Rows other than observations are refused, naming the row."""
        with pytest.raises(InvalidValueError, match="row 1 is a dict"):
            group([TABLE[0], {"platform": "wechat"}], "platform")  # type: ignore[list-item]  # on purpose

    @given(
        st.lists(
            st.builds(
                obs,
                st.text("abc", min_size=1, max_size=2),
                platform=st.sampled_from(["wechat", "weibo", "douyin"]),
                content_type=st.sampled_from(["news", "knowledge", "interactive"]),
                published=st.builds(utc, st.just(3), st.integers(1, 28), st.integers(0, 23)),
                reads=st.integers(0, 500),
                views=st.integers(0, 500),
                likes=st.integers(0, 50),
                comments=st.integers(0, 50),
            ),
            max_size=15,
        ),
        st.lists(st.sampled_from(sorted(DIMENSIONS)), min_size=1, max_size=3, unique=True),
    )
    def test_group_sums_equal_the_total(self, rows: list[Observation], by: list[str]) -> None:
        """Whatever the grouping, the groups' sums add up to the total, every row once."""
        groups = group(rows, by)
        everything = total(rows)
        for name in ("posts", "reads", "views", "likes", "engagements", "reach"):
            assert sum(getattr(g, name) for g in groups) == getattr(everything, name)
        assert sorted(id(m) for g in groups for m in g.members) == sorted(map(id, rows))


# --- descriptive statistics -------------------------------------------------------------


class TestDescribe:
    def test_hand_worked(self) -> None:
        """2 4 4 4 5 5 7 9: mean 5, median 4.5, sample sd sqrt(32/7), Q1 4, Q3 5.5.

        Quartiles (type 7): Q1 at position 7 x 0.25 = 1.75 -> x[1] + 0.75 (x[2] - x[1]) = 4;
        Q3 at 7 x 0.75 = 5.25 -> x[5] + 0.25 (x[6] - x[5]) = 5 + 0.5.
        """
        result = describe([D(5), 2, 4, None, 4, 9, 4, 5, 7])
        assert (result.count, result.missing) == (8, 1)
        assert (result.mean, result.median, result.minimum, result.maximum) == (
            D(5),
            D("4.5"),
            D(2),
            D(9),
        )
        assert (result.q1, result.q3) == (D(4), D("5.5"))
        assert str(result.stdev).startswith("2.13808993529939507747642784")

    def test_one_value(self) -> None:
        """One value: it is every statistic, and the sample deviation is undefined."""
        result = describe([D("0.05")])
        assert (result.mean, result.median, result.q1, result.q3) == (D("0.05"),) * 4
        assert result.stdev is None

    def test_floats_read_as_written(self) -> None:
        """A float is read as its shortest text (0.1 is one tenth, not its binary value)."""
        assert describe([0.1, 0.2]).mean == D("0.15")

    def test_quantile(self) -> None:
        """The 0.9 quantile of 1 2 3 4 lies at position 2.7: 3 + 0.7 = 3.7."""
        assert quantile([4, 1, 3, 2], 0.9) == D("3.7")
        assert quantile([4, 1, 3, 2], 0) == 1
        assert quantile([4, 1, 3, 2], 1) == 4

    @pytest.mark.parametrize(
        ("values", "message"),
        [
            ([], "no numbers to describe \\(0 missing\\)"),
            ([None, None], "no numbers to describe \\(2 missing\\)"),
            ([1, "2"], r"values\[1\] must be a number.*Decimal\(text\)"),
            ([True], "must be a number"),
            ([float("nan")], "finite"),
            ([D("Infinity")], "finite"),
            ("123", "sequence of numbers"),
            (5, "sequence of numbers"),
        ],
    )
    def test_bad_values(self, values: Any, message: str) -> None:
        """Empty input and non-numbers are refused with what is wrong."""
        with pytest.raises(InvalidValueError, match=message):
            describe(values)

    @pytest.mark.parametrize("p", [-0.1, 1.5, "0.5", None])
    def test_bad_probability(self, p: Any) -> None:
        """A quantile's probability is a number from 0 to 1."""
        with pytest.raises(InvalidValueError, match="probability"):
            quantile([1, 2], p)

    @given(st.lists(st.decimals(-(10**6), 10**6, places=3), min_size=2, max_size=30))
    def test_agrees_with_statistics(self, values: list[Decimal]) -> None:
        """Mean, median and quartiles agree with the standard library's exact results."""
        result = describe(values)
        exact = [Fraction(v) for v in values]

        def rounded(f: Fraction) -> Decimal:
            return EXACT.divide(D(f.numerator), D(f.denominator))

        q1, q2, q3 = statistics.quantiles(exact, n=4, method="inclusive")
        assert (result.q1, result.median, result.q3) == (rounded(q1), rounded(q2), rounded(q3))
        assert result.mean == rounded(statistics.mean(exact))
        assert result.minimum <= result.q1 <= result.median <= result.q3 <= result.maximum
        assert result.stdev is not None
        assert math.isclose(
            float(result.stdev), statistics.stdev(map(float, values)), rel_tol=1e-9, abs_tol=1e-9
        )


# --- correlation ------------------------------------------------------------------------


class TestCorrelation:
    def test_pearson_hand_worked(self) -> None:
        """x 1..5, y 2 4 5 4 5: Sxy 6, Sxx 10, Syy 6, r = 6 / sqrt(60) = 0.7746."""
        r = pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5], labels=("hour", "rate"))
        assert (r.method, r.n, r.missing) == ("pearson", 5, 0)
        assert r.coefficient is not None
        assert r.coefficient.quantize(D("1e-12")) == D("0.774596669241")
        assert r.strength == "strong"
        assert r.verdict == (
            "strong positive pearson correlation of hour and rate (r = 0.775, n = 5)"
        )

    def test_spearman_ties_ranked_by_average(self) -> None:
        """y ranks 1 2.5 4.5 2.5 4.5: Sxy 7, Sxx 10, Syy 9, rho = 7 / sqrt(90) = 0.7379."""
        rho = spearman([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])
        assert rho.coefficient is not None
        assert rho.coefficient.quantize(D("1e-12")) == D("0.737864787373")

    def test_perfect_and_inverse(self) -> None:
        """Points on a rising line give exactly 1, on a falling one exactly -1."""
        assert pearson([1, 2, 3], [D("0.1"), D("0.2"), D("0.3")]).coefficient == 1
        assert spearman([1, 2, 3], [9, 4, 1]).coefficient == -1
        assert pearson([1, 2, 3, 4], [1, 3, 3, 1]).verdict.startswith("negligible no pearson")

    def test_too_few_pairs_and_missing(self) -> None:
        """Pairs with a None are dropped and counted; fewer than 3 pairs give no coefficient."""
        r = pearson([1, 2, None, 4], [1, None, 3, 5])
        assert (r.n, r.missing, r.coefficient) == (2, 2, None)
        assert r.reason == "2 complete pair(s); at least 3 are needed"
        assert r.strength is None

    def test_constant_variable(self) -> None:
        """A variable that does not vary cannot correlate: no division by zero."""
        r = spearman([1, 2, 3], [D("0.05")] * 3, labels=("hour", "engagement rate"))
        assert r.coefficient is None
        assert r.verdict == (
            "no spearman correlation of hour and engagement rate: engagement rate is constant "
            "(every value is 0.05): it cannot correlate"
        )

    @pytest.mark.parametrize(
        ("xs", "ys", "kwargs", "message"),
        [
            ([1, 2, 3], [1, 2], {}, "x has 3 values but y has 2"),
            ([1, 2, "3"], [1, 2, 3], {}, r"x\[2\] must be a number"),
            ("123", [1, 2, 3], {}, "sequence of numbers"),
            ([1, 2, 3], [1, 2, 3], {"labels": ("x",)}, "two names"),
        ],
    )
    def test_bad_input(self, xs: Any, ys: Any, kwargs: Any, message: str) -> None:
        """Unequal lengths, non-numbers and bad labels are refused."""
        for method in (pearson, spearman):
            with pytest.raises(InvalidValueError, match=message):
                method(xs, ys, **kwargs)

    pairs = st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)), min_size=3, max_size=20)

    @given(pairs, st.integers(1, 9), st.integers(-100, 100))
    def test_pearson_properties(self, data: list[tuple[int, int]], a: int, b: int) -> None:
        """In [-1, 1], symmetric, unchanged by a positive linear transform, negated by a
        negative one."""
        xs, ys = [x for x, _ in data], [y for _, y in data]
        r = pearson(xs, ys).coefficient
        if r is None:
            return
        assert -1 <= r <= 1
        assert pearson(ys, xs).coefficient == r
        scaled = [D(a) / 4 * x + b for x in xs]
        assert pearson(scaled, ys).coefficient == r
        assert pearson([-x for x in scaled], ys).coefficient == -r

    @given(pairs)
    def test_spearman_properties(self, data: list[tuple[int, int]]) -> None:
        """In [-1, 1], symmetric, and unchanged by any increasing transform (ranks only)."""
        xs, ys = [x for x, _ in data], [y for _, y in data]
        rho = spearman(xs, ys).coefficient
        if rho is None:
            return
        assert -1 <= rho <= 1
        assert spearman(ys, xs).coefficient == rho
        assert spearman([x**3 + 7 for x in xs], ys).coefficient == rho


class TestCorrelate:
    def test_hour_against_rate(self) -> None:
        """Hours 9 20 9 9 (e has no rate, dropped) against rates 0.04 0.03 0.08 0.09."""
        r = correlate(TABLE, "hour", "engagement_rate", method="pearson")
        assert (r.n, r.missing, r.labels) == (4, 1, ("hour", "engagement_rate"))
        # hour deviations -2.75 8.25 -2.75 -2.75; rate deviations -0.02 -0.03 0.02 0.03:
        # Sxy = -0.33, Sxx = 90.75, Syy = 0.0026 -> r = -0.33 / sqrt(0.23595) = -0.6794.
        assert r.coefficient is not None
        assert r.coefficient.quantize(D("1e-4")) == D("-0.6794")

    def test_bad_fields_and_method(self) -> None:
        """Only numeric fields, by Pearson or Spearman."""
        with pytest.raises(InvalidValueError, match="cannot correlate 'content_type'"):
            correlate(TABLE, "content_type")
        with pytest.raises(InvalidValueError, match="'pearson' or 'spearman'"):
            correlate(TABLE, method="kendall")


# --- comparison -------------------------------------------------------------------------


class TestCompare:
    def test_content_types_ranked(self) -> None:
        """interactive 0.095 > knowledge 0.08 > news 0.0333, with each group's n."""
        ranking = compare(TABLE, "content_type")
        assert [(e.rank, e.group.key[0], e.group.posts) for e in ranking.entries] == [
            (1, "interactive", 2),
            (2, "knowledge", 1),
            (3, "news", 2),
        ]
        best = ranking.best
        assert best is not None
        assert best.group.engagement_rate == D("0.095")
        # The posts' own rates: d 0.09 (e has no reach, counted as missing).
        assert best.post_rates is not None
        assert (best.post_rates.count, best.post_rates.missing) == (1, 1)
        assert ranking.summary().splitlines()[0] == (
            "1. content_type=interactive: engagement rate 0.0950 "
            "(95 engagements / 1000 reach, 2 posts)"
        )

    def test_min_posts_and_no_reach_are_unranked(self) -> None:
        """Too few posts, or no reach, lists the group last without a rank."""
        ranking = compare(TABLE, ("platform",), min_posts=2)
        assert [(e.rank, e.group.key, e.note) for e in ranking.entries] == [
            (1, ("wechat",), None),
            (2, ("weibo",), None),
            (None, ("douyin",), "fewer than 2 posts"),
        ]
        only_e = compare([TABLE[4]], "platform")
        assert only_e.best is None
        assert only_e.entries[0].note == "no reach"
        assert only_e.entries[0].post_rates is None

    def test_equal_rates_share_a_rank(self) -> None:
        """Two groups with one rate share rank 1; the next is 3rd."""
        rows = [
            obs("a", reads=100, likes=5),
            obs("b", content_type="knowledge", reads=200, likes=10),
            obs("c", content_type="interactive", reads=100, likes=1),
        ]
        assert [e.rank for e in compare(rows).entries] == [1, 1, 3]

    def test_by_content_type_and_hour(self) -> None:
        """Categories can be combined: which content type at which hour did best."""
        best = compare(TABLE, ("content_type", "hour")).best
        assert best is not None
        assert best.group.label == "content_type=interactive, hour=9"

    @pytest.mark.parametrize("min_posts", [0, -1, 1.5, True])
    def test_bad_min_posts(self, min_posts: Any) -> None:
        """min_posts is a whole number of at least 1."""
        with pytest.raises(InvalidValueError, match="min_posts"):
            compare(TABLE, min_posts=min_posts)


# --- trend ------------------------------------------------------------------------------


def week_rows() -> list[Observation]:
    """W10 40/1000, nothing in W11, W12 90/1500, W13 30/1000 (Mondays, 09:00 Shanghai)."""
    return [
        obs("w10", published=utc(3, 2, 1), reads=1000, likes=40),
        obs("w12a", published=utc(3, 16, 1), reads=1000, likes=60),
        obs("w12b", published=utc(3, 18, 1), reads=500, likes=30),
        obs("w13", published=utc(3, 23, 1), reads=1000, likes=30),
    ]


class TestTrend:
    def test_weekly_points_and_changes(self) -> None:
        """Empty weeks inside the span are kept; changes are from the week before."""
        result = trend(week_rows())
        rows = [
            (
                p.week,
                p.posts,
                p.engagements,
                p.engagement_rate,
                p.engagements_change,
                p.engagements_change_ratio,
                p.engagement_rate_change,
            )
            for p in result.weeks
        ]
        assert rows == [
            ("2026-W10", 1, 40, D("0.04"), None, None, None),
            ("2026-W11", 0, 0, None, -40, D(-1), None),
            ("2026-W12", 2, 90, D("0.06"), 90, None, None),
            ("2026-W13", 1, 30, D("0.03"), -60, D(-60) / D(90), D("-0.03")),
        ]
        assert result.weeks[0].monday.isoformat() == "2026-03-02"

    def test_rate_slope_hand_worked(self) -> None:
        """Rate at weeks 0, 2, 3 = 0.04, 0.06, 0.03: Sxy = -1/150, Sxx = 14/3, slope -1/700."""
        result = trend(week_rows())
        assert (result.n, result.direction) == (3, "falling")
        assert result.slope == D(-1) / D(700)
        assert result.verdict == (
            "engagement_rate is falling by -0.00142857 a week (least squares over 3 weeks); "
            "Mann-Kendall p = 1, not significant at 0.05"
        )

    def test_engagement_slope_counts_empty_weeks(self) -> None:
        """Engagements 40, 0, 90, 30 at weeks 0..3: Sxy = 30, Sxx = 5, slope 6 a week."""
        result = trend(week_rows(), "engagements")
        assert (result.n, result.slope, result.direction) == (4, D(6), "rising")
        assert trend(week_rows()[:1] * 2, "posts").slope is None

    def test_flat_and_year_boundary(self) -> None:
        """2025-W52 runs into 2026-W01; equal rates make a flat trend."""
        rows = [
            obs("a", published=utc(12, 24, 1, year=2025), reads=100, likes=5),
            obs("b", published=utc(1, 1, 1), reads=200, likes=10),
        ]
        result = trend(rows)
        assert [p.week for p in result.weeks] == ["2025-W52", "2026-W01"]
        assert (result.slope, result.direction) == (D(0), "flat")

    def test_too_little_to_trend(self) -> None:
        """No rows or one week give points but no slope, with the reason."""
        assert trend([]).reason == "no observations"
        one = trend(week_rows()[:1])
        assert (one.slope, one.reason) == (None, "1 week(s) with a value; a slope needs at least 2")
        assert one.verdict.startswith("no trend of engagement_rate")

    def test_bad_metric(self) -> None:
        """Only the weekly totals and the rate can be trended."""
        with pytest.raises(InvalidValueError, match="cannot trend 'likes'"):
            trend(week_rows(), "likes")


# --- from a real engine -----------------------------------------------------------------

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)


@pytest.fixture
def sandboxed(clock: ManualClock) -> Iterator[LibOps]:
    """libops in memory with sandbox WeChat and Douyin gateways."""
    gateways = [SandboxPlatform(p, seed=p, clock=clock) for p in ("wechat", "douyin")]
    # Counts observed up to two days after the (manual) clock's time are recorded below.
    margin = timedelta(days=2)
    with LibOps.open(
        "memory://", clock=clock, gateways=gateways, metrics_future_margin=margin
    ) as opened:
        yield opened


class TestFromEngine:
    def test_observations_from_an_engine_run(
        self,
        sandboxed: LibOps,
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
    ) -> None:
        """Posts published and measured, projected, then analysed; reading records nothing."""
        posts: dict[str, UUID] = {}
        for content_type, platform, hour in (("news", "wechat", 1), ("knowledge", "douyin", 11)):
            post = sandboxed.posts.draft(
                planner,
                title="Reading list",
                body="Our picks.",
                content_type=content_type,
                format="image_text",
                variants=[PostVariant(platform, "Our picks.", media=("cover.jpg",))],
            )
            sandboxed.posts.submit_for_review(planner, post)
            sandboxed.posts.review(reviewer, post, CHECKED, approve=True)
            clock.set(utc(3, 2, hour))
            sandboxed.publishing.publish(admin, post, platform)
            posts[content_type] = post
        sandboxed.posts.record_metrics(
            admin,
            posts["news"],
            MetricSnapshot(
                "wechat", utc(3, 3), reads=1000, likes=20, comments=5, shares=10, favourites=5
            ),
        )
        sandboxed.posts.record_metrics(
            admin,
            posts["knowledge"],
            MetricSnapshot(
                "douyin", utc(3, 3), views=4000, likes=100, comments=20, shares=10, favourites=30
            ),
        )
        # A platform's correction replaces the counts, it does not add to them.
        sandboxed.posts.record_metrics(
            admin,
            posts["news"],
            MetricSnapshot(
                "wechat", utc(3, 4), reads=900, likes=20, comments=5, shares=10, favourites=1
            ),
        )
        with ProjectionEngine(sandboxed, [EngagementProjection()]) as engine:
            engine.run()
            before = count_events(sandboxed)
            found = observations(engine)
            assert count_events(sandboxed) == before
        assert [(o.post_id, o.platform, o.hour, o.weekday, o.week) for o in found] == [
            (str(posts["news"]), "wechat", 9, 1, "2026-W10"),
            (str(posts["knowledge"]), "douyin", 19, 1, "2026-W10"),
        ]
        # news: 36 / 900 = 0.04; knowledge: 160 / 4000 = 0.04.
        assert [(o.engagements, o.reach, o.engagement_rate) for o in found] == [
            (36, 900, D("0.04")),
            (160, 4000, D("0.04")),
        ]
        assert [e.rank for e in compare(found).entries] == [1, 1]
        assert total(found).engagement_rate == D(196) / D(4900)
        assert found[0].observed_at == utc(3, 4)

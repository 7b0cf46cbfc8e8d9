"""Tests of a trend (issue 14): the normal distribution, Student's t quantiles, the
Mann-Kendall test and the least-squares slope's confidence interval, against published values,
hand-worked examples and brute force; and a weekly trend judged against its noise."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libops.analysis import (
    Observation,
    linear_fit,
    mann_kendall,
    normal_cdf,
    t_quantile,
    trend,
)
from libops.domain.errors import InvalidValueError
from libops.domain.values import Period

D = Decimal


class TestNormal:
    @pytest.mark.parametrize("z", [-8.5, -6, -3, -1.5, -0.2, 0, 0.5, 1, 1.96, 2.5, 4.9, 5.1, 7])
    def test_against_the_standard_library(self, z: float) -> None:
        """Φ(z) agrees with ½ erfc(-z/√2) to the float's precision, tails included."""
        expected = 0.5 * math.erfc(-z / math.sqrt(2))
        assert float(normal_cdf(z)) == pytest.approx(expected, rel=1e-13, abs=0)

    def test_published_values(self) -> None:
        """Φ(1.959963984540054) = 0.975; 1 - Φ(10) = 7.619853024160526e-24 (a deep tail kept
        to its digits)."""
        assert abs(normal_cdf(D("1.959963984540054")) - D("0.975")) < D("1e-15")
        assert abs(normal_cdf(-10) - D("7.619853024160526e-24")) < D("1e-38")

    @given(st.decimals(min_value=-12, max_value=12, places=3))
    def test_symmetry(self, z: Decimal) -> None:
        """Φ(-z) = 1 - Φ(z)."""
        assert abs(normal_cdf(-z) + normal_cdf(z) - 1) < D("1e-26")


class TestStudentT:
    # Two-sided 95% critical values (the 0.975 quantile) as printed in statistical tables.
    @pytest.mark.parametrize(
        ("df", "value"),
        [
            (1, "12.7062"),
            (2, "4.3027"),
            (3, "3.1824"),
            (4, "2.7764"),
            (5, "2.5706"),
            (10, "2.2281"),
            (20, "2.0860"),
            (30, "2.0423"),
            (60, "2.0003"),
            (120, "1.9799"),
            (1000, "1.9623"),
        ],
    )
    def test_table_values(self, df: int, value: str) -> None:
        assert t_quantile(D("0.975"), df).quantize(D("0.0001")) == D(value)

    def test_other_quantiles(self) -> None:
        """One-sided 95% and 99.5% values, and the lower tail by symmetry."""
        assert t_quantile(D("0.95"), 10).quantize(D("0.000001")) == D("1.812461")
        assert t_quantile(D("0.995"), 7).quantize(D("0.0001")) == D("3.4995")
        assert t_quantile(D("0.025"), 10) == -t_quantile(D("0.975"), 10)
        assert t_quantile(D("0.5"), 3) == 0

    def test_the_expansion_joins_the_exact_distribution(self) -> None:
        """Past the exactly computed range the Cornish-Fisher value continues smoothly."""
        exact, expanded = t_quantile(D("0.975"), 400), t_quantile(D("0.975"), 401)
        assert D(0) < exact - expanded < D("0.00002")

    @pytest.mark.parametrize(("p", "df"), [(0, 5), (1, 5), (D("0.9"), 0), (D("0.9"), True)])
    def test_bad_input(self, p: Decimal, df: int) -> None:
        with pytest.raises(InvalidValueError):
            t_quantile(p, df)


class TestMannKendall:
    def test_gilbert_example(self) -> None:
        """Gilbert (1987), example 16.1: 10, 15, 14, 20 give S = 4; Kendall's table gives
        P(S >= 4) = 0.167 for n = 4, so the two-sided p-value is 1/3."""
        result = mann_kendall([10, 15, 14, 20])
        assert (result.n, result.s, result.method) == (4, 4, "exact")
        assert result.p_value == D(1) / D(3)
        assert result.variance == D(26) / D(3)  # 4 * 3 * 13 / 18

    def test_exact_distribution_by_brute_force(self) -> None:
        """For n up to 7 the exact p-value equals the share of all orderings whose |S| is at
        least as large."""
        for n in range(2, 8):
            scores = [
                sum((p[j] > p[i]) - (p[j] < p[i]) for i in range(n) for j in range(i + 1, n))
                for p in itertools.permutations(range(n))
            ]
            for series in itertools.islice(itertools.permutations(range(n)), 0, None, 37):
                result = mann_kendall(list(series))
                share = Fraction(sum(1 for s in scores if abs(s) >= abs(result.s)), len(scores))
                assert result.p_value == D(share.numerator) / D(share.denominator)

    def test_ties_and_the_normal_approximation(self) -> None:
        """1, 2, 2, 3, 3, 3 (worked by hand): S = 11; var = (6·5·17 - 2·1·9 - 3·2·11) / 18
        = 71/3; z = (11 - 1) / √var; p = 2(1 - Φ(z)) ≈ 0.0398."""
        result = mann_kendall([1, 2, 2, 3, 3, 3])
        assert (result.s, result.ties, result.method) == (11, 2, "normal")
        assert result.variance == D(71) / D(3)
        z = 10 / math.sqrt(71 / 3)
        assert float(result.z) == pytest.approx(z, rel=1e-15)
        assert float(result.p_value) == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)
        assert result.significant()  # 0.0398 < 0.05
        assert not result.significant(D("0.01"))

    def test_normal_method_on_request(self) -> None:
        """A strictly rising series of 8: exact p = 2/8!; normal: z = 27/√(196/3)."""
        exact = mann_kendall(range(8))
        normal = mann_kendall(range(8), method="normal")
        assert exact.p_value == D(2) / D(40320)
        z = 27 / math.sqrt(8 * 7 * 21 / 18)
        assert float(normal.p_value) == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)

    def test_bad_input(self) -> None:
        with pytest.raises(InvalidValueError, match="at least 2 values"):
            mann_kendall([1])
        with pytest.raises(InvalidValueError, match="method must be"):
            mann_kendall([1, 2], method="fast")
        with pytest.raises(InvalidValueError, match="no ties"):
            mann_kendall([1, 1, 2], method="exact")
        with pytest.raises(InvalidValueError, match="must be a number"):
            mann_kendall(["1", "2"])  # type: ignore[list-item]

    @given(st.integers(min_value=8, max_value=60), st.booleans())
    def test_a_strictly_monotone_series_is_significant(self, n: int, rising: bool) -> None:
        values = list(range(n)) if rising else list(range(n, 0, -1))
        result = mann_kendall(values)
        assert result.significant()
        assert (result.s > 0) is rising

    @given(st.integers(min_value=2, max_value=60), st.integers(-5, 5))
    def test_a_constant_series_is_not_significant(self, n: int, value: int) -> None:
        result = mann_kendall([value] * n)
        assert (result.s, result.p_value) == (0, D(1))
        assert not result.significant()

    @given(st.lists(st.integers(-20, 20), min_size=2, max_size=45))
    def test_p_within_zero_and_one_and_symmetric_under_negation(self, values: list[int]) -> None:
        result = mann_kendall(values)
        assert 0 <= result.p_value <= 1
        negated = mann_kendall([-v for v in values])
        assert negated.s == -result.s
        assert negated.p_value == result.p_value


class TestLinearFit:
    def test_hand_worked(self) -> None:
        """x 0..4, y 1 3 2 5 4: slope 8/10, intercept 1.4, residual SS 3.6, SE √(1.2/10),
        t(0.975, 3) = 3.182446: interval 0.8 ± 1.10243."""
        fit = linear_fit(range(5), [1, 3, 2, 5, 4])
        assert (fit.slope, fit.intercept) == (D("0.8"), D("1.4"))
        assert fit.standard_error is not None
        assert fit.standard_error == D("0.12").sqrt()
        assert fit.ci_low is not None
        assert fit.ci_high is not None
        assert fit.ci_low.quantize(D("0.00001")) == D("-0.30243")
        assert fit.ci_high.quantize(D("0.00001")) == D("1.90243")
        assert fit.excludes_zero is False

    def test_two_points_have_no_interval(self) -> None:
        fit = linear_fit([0, 1], [3, 5])
        assert (fit.slope, fit.ci_low, fit.excludes_zero) == (D(2), None, None)

    def test_bad_input(self) -> None:
        with pytest.raises(InvalidValueError, match="x is constant"):
            linear_fit([1, 1, 1], [1, 2, 3])
        with pytest.raises(InvalidValueError, match="at least 2 pairs"):
            linear_fit([1], [1])
        with pytest.raises(InvalidValueError, match="confidence level"):
            linear_fit([1, 2, 3], [1, 2, 3], level=1)


# --- the weekly trend judged against its noise ---------------------------------------------


def _week(monday: date, week: int, reads: int, likes: int, day: int = 1) -> Observation:
    at = datetime(monday.year, monday.month, monday.day, 1, tzinfo=UTC) + timedelta(
        weeks=week, days=day
    )
    return Observation(
        post_id=f"p{week}-{day}",
        platform="wechat",
        campaign_id=None,
        content_type="news",
        format="image_text",
        published_at=at,
        observed_at=at + timedelta(days=1),
        reads=reads,
        views=0,
        likes=likes,
        comments=0,
        shares=0,
        favourites=0,
        followers_gained=None,
        reach_name="reads",
    )


MONDAY = date(2026, 3, 2)


class TestTrendAgainstNoise:
    def test_a_noisy_series_is_not_significant(self) -> None:
        """Weekly rates swinging between 5.8% and 8.9% with a slope of about -0.09 points a
        week: not significant, and the interval of the slope straddles 0."""
        likes = (89, 58, 86, 61, 82, 64, 79, 59, 80, 62, 76, 60)
        result = trend([_week(MONDAY, i, 1000, n) for i, n in enumerate(likes)])
        assert result.direction == "falling"
        assert result.significant is False
        assert result.test == "mann-kendall"
        assert result.ci_low is not None
        assert result.ci_high is not None
        assert result.ci_low < 0 < result.ci_high

    def test_partial_weeks_are_left_out_with_a_period(self) -> None:
        """A period from a Wednesday to a Tuesday: the first and last weeks are partial,
        marked, and left out of the slope and the test (their extreme rates do not count)."""
        rows = [_week(MONDAY, i, 1000, 90 - 5 * i) for i in range(1, 9)]
        rows += [_week(MONDAY, 0, 1000, 1, day=3), _week(MONDAY, 9, 1000, 500)]
        period = Period(MONDAY + timedelta(days=2), MONDAY + timedelta(weeks=9, days=1))
        result = trend(rows, period=period)
        assert [p.full for p in result.weeks] == [False, *[True] * 8, False]
        assert result.partial_weeks == 2
        assert result.n == 8
        assert result.slope == D("-0.005")
        assert result.significant is True
        assert result.mann_kendall is not None
        assert result.mann_kendall.s == -28
        everything = trend(rows)
        assert everything.n == 10
        assert everything.slope != result.slope

    @given(
        st.lists(st.integers(1, 999), min_size=8, max_size=30, unique=True),
        st.booleans(),
    )
    def test_strictly_monotone_weeks_make_a_significant_trend(
        self, likes: list[int], rising: bool
    ) -> None:
        """Weekly rates strictly rising (or falling) over 8 weeks or more: significant, in
        that direction, with a slope interval on that side of 0."""
        ordered = sorted(likes, reverse=not rising)
        result = trend([_week(MONDAY, i, 1000, n) for i, n in enumerate(ordered)])
        assert result.significant is True
        assert result.direction == ("rising" if rising else "falling")
        assert result.fit is not None
        assert result.fit.excludes_zero is True or result.fit.excludes_zero is False
        assert result.p_value is not None
        assert 0 <= result.p_value < D("0.05")

    @given(st.integers(min_value=2, max_value=30), st.integers(0, 999))
    def test_constant_weeks_make_no_trend(self, weeks: int, likes: int) -> None:
        result = trend([_week(MONDAY, i, 1000, likes) for i in range(weeks)])
        assert (result.direction, result.significant, result.p_value) == ("flat", False, D(1))

    def test_a_bad_period(self) -> None:
        with pytest.raises(InvalidValueError, match="a trend's period is a Period"):
            trend([], period=(MONDAY, MONDAY))  # type: ignore[arg-type]

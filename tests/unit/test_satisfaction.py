"""CSAT and NPS with its 95% interval (libops.analysis.satisfaction), against worked examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from libops.analysis.satisfaction import Z_95, csat, nps
from libops.domain.errors import InvalidValueError


def _close(value: Decimal | None, expected: str, places: str = "0.000001") -> bool:
    assert value is not None
    return abs(value - Decimal(expected)) < Decimal(places)


class TestCsat:
    def test_the_share_of_fours_and_fives(self) -> None:
        """Ratings 5, 5, 5, 4, 2: four satisfied of five, 80%."""
        result = csat({5: 3, 4: 1, 2: 1})
        assert (result.satisfied, result.rated, result.share) == (4, 5, Decimal("0.8"))

    def test_threes_are_not_satisfied(self) -> None:
        assert csat({3: 2, 4: 1}).share == Decimal(1) / Decimal(3)

    def test_no_ratings_no_share(self) -> None:
        assert csat({}).share is None
        assert csat({4: 0}).share is None

    @pytest.mark.parametrize("counts", [{0: 1}, {6: 1}, {True: 1}, {4: -1}, {"4": 1}])
    def test_bad_counts_are_refused(self, counts: dict[object, object]) -> None:
        with pytest.raises(InvalidValueError):
            csat(counts)  # type: ignore[arg-type]


class TestNps:
    def test_a_worked_example(self) -> None:
        """10 answers: 5 promoters (9-10), 3 passives (7-8), 2 detractors (0-6).

        p+ = 0.5, p- = 0.2: NPS = 100 (0.5 - 0.2) = 30 points. Var = 0.5 + 0.2 - 0.3^2 = 0.61;
        SE = sqrt(0.61 / 10) = 0.246981781...; margin = 1.959964 * 24.6981781 = 48.4075395 points.
        """
        result = nps({10: 3, 9: 2, 8: 2, 7: 1, 5: 1, 0: 1})
        assert (result.promoters, result.passives, result.detractors, result.answers) == (
            5,
            3,
            2,
            10,
        )
        assert result.score == Decimal(30)
        assert _close(result.margin, "48.4075395")
        assert _close(result.low, "-18.4075395")
        assert _close(result.high, "78.4075395")

    def test_a_second_worked_example(self) -> None:
        """200 answers: 120 promoters, 50 passives, 30 detractors: NPS 45 points.

        p+ = 0.6, p- = 0.15; Var = 0.75 - 0.2025 = 0.5475; SE = sqrt(0.5475 / 200) =
        0.05232112...; margin = 1.959964 * 5.232112 = 10.254752 points: [34.745248, 55.254752].
        """
        result = nps({10: 70, 9: 50, 8: 30, 7: 20, 3: 30})
        assert result.score == Decimal(45)
        assert _close(result.margin, "10.254752")
        assert _close(result.low, "34.745248")
        assert _close(result.high, "55.254752")

    def test_the_interval_is_clipped_to_the_scale(self) -> None:
        result = nps({10: 2, 0: 1})
        assert result.high == Decimal(100)
        assert result.low is not None
        assert result.low > Decimal(-100)

    def test_one_kind_of_answer_has_no_spread(self) -> None:
        result = nps({9: 4})
        assert (result.score, result.margin, result.low, result.high) == (
            Decimal(100),
            Decimal(0),
            Decimal(100),
            Decimal(100),
        )

    def test_no_answers_no_score(self) -> None:
        result = nps({})
        assert (result.score, result.low, result.high, result.answers) == (None, None, None, 0)

    def test_a_wider_z_widens_the_interval(self) -> None:
        counts = {10: 3, 9: 2, 8: 2, 7: 1, 5: 1, 0: 1}
        assert nps(counts, z=Z_95 * 2).margin == 2 * nps(counts).margin  # type: ignore[operator]

    @pytest.mark.parametrize("counts", [{11: 1}, {-1: 1}, {9: -1}, {9: 1.0}])
    def test_bad_counts_are_refused(self, counts: dict[int, object]) -> None:
        with pytest.raises(InvalidValueError):
            nps(counts)  # type: ignore[arg-type]

    def test_a_bad_z_is_refused(self) -> None:
        with pytest.raises(InvalidValueError):
            nps({9: 1}, z=Decimal(0))

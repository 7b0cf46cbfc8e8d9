"""A batch's own-metric columns are checked column by column (each metric looked up once by
name, each value by its kind), accepting and refusing what ``MetricSnapshot`` does, naming
the row (docs/import.md, the bulk path)."""

from __future__ import annotations

from typing import Any

import pytest

from libops.domain.bulk import check_batch_values
from libops.domain.errors import BulkBatchValueError
from libops.domain.values import ITEMS_MAX


def _check(platform: str, extra: dict[str, tuple[Any, ...]]) -> None:
    check_batch_values(
        platform,
        rows=(2, 3, 4),
        posts=("00000000-0000-4000-8000-000000000001",),
        campaign_ids=(None,),
        post_index=(0, 0, 0),
        times=("2026-04-01T00:00:00+00:00",),
        time_index=(0, 0, 0),
        counts={"views": (1, 2, 3)},
        extra=extra,
        lowered=(),
    )


def test_good_columns_are_accepted() -> None:
    _check("bilibili", {"coins": (1, None, 3), "danmaku": (0, 5, None)})
    _check("douyin", {"completion_rate": ("0.5", None, "1"), "avg_watch_seconds": (None,) * 3})


@pytest.mark.parametrize(
    ("platform", "extra", "names"),
    [
        ("bilibili", {"coins": (1, -2, 3)}, "row 3"),
        ("bilibili", {"coins": (1, 2, "1.5")}, "row 4"),
        ("bilibili", {"danmaku": (None, True, 1)}, "row 3"),
        ("douyin", {"completion_rate": ("0.5", "1.5", None)}, "row 3"),
        ("douyin", {"completion_rate": ("0.5", None, "abc")}, "row 4: completion_rate"),
        ("douyin", {"completion_rate": ("NaN", None, None)}, "row 2"),
        ("weibo", {"coins": (None, 3, None)}, "row 3: weibo has no own metric 'coins'"),
    ],
)
def test_bad_values_name_their_row(platform: str, extra: dict[str, Any], names: str) -> None:
    with pytest.raises(BulkBatchValueError) as refused:
        _check(platform, extra)
    assert names in str(refused.value)


def test_a_column_of_nothing_but_nulls_is_no_metric_at_all() -> None:
    _check("weibo", {"coins": (None, None, None)})


def test_more_columns_than_a_snapshot_holds_are_checked_row_by_row() -> None:
    extra = {f"m{i}": (None, 1, None) for i in range(ITEMS_MAX + 1)}
    with pytest.raises(BulkBatchValueError) as refused:
        _check("bilibili", extra)
    assert "row 3" in str(refused.value)

"""``check_batch_values`` (libops.domain.bulk) checks a bulk batch column by column, for
speed; it must accept exactly the batches whose every row builds as a ``MetricSnapshot``,
as the projections build them (``MetricImport.BatchRecorded.snapshots``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from libops.domain.bulk import check_batch_values
from libops.domain.errors import BulkBatchValueError, LibopsError
from libops.domain.values import COUNT_MAX, MetricSnapshot

COUNT = st.one_of(
    st.integers(0, 1000),
    st.sampled_from([0, COUNT_MAX, COUNT_MAX + 1, -1, None, True, "7", 1.5]),
)
TIME = st.sampled_from(
    [
        "2026-04-02T00:00:00+00:00",
        "2026-04-02T08:00:00+08:00",
        "2026-04-02T00:00:00",
        "yesterday",
        "1066-10-14T09:00:00+00:00",
        "",
    ]
)
OWN = st.one_of(st.none(), st.integers(0, 100), st.sampled_from(["0.42", "abc", "-1", -3]))


def _decodes(platform: str, times: list[Any], counts: dict[str, list[Any]], extra: Any) -> bool:
    """Whether every row builds as a snapshot, as ``BatchRecorded._rows`` builds it."""
    try:
        moments = [datetime.fromisoformat(text) for text in times]
        for at in range(len(next(iter(counts.values())))):
            own = {}
            for metric, column in extra.items():
                value = column[at]
                if isinstance(value, str):
                    value = Decimal(value)
                if value is not None:
                    own[metric] = value
            row = {name: column[at] for name, column in counts.items()}
            MetricSnapshot(platform, moments[0], **row, extra=own or None)
    except (LibopsError, ValueError, InvalidOperation):
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    platform=st.sampled_from(["weibo", "douyin"]),
    time=TIME,
    reads=st.lists(COUNT, min_size=1, max_size=4),
    gained=st.lists(COUNT, min_size=4, max_size=4),
    rate=st.lists(OWN, min_size=4, max_size=4),
)
def test_accepts_exactly_what_decodes(
    platform: str, time: str, reads: list[Any], gained: list[Any], rate: list[Any]
) -> None:
    size = len(reads)
    counts = {"reads": reads, "followers_gained": gained[:size]}
    extra = {"completion_rate": rate[:size]}
    try:
        check_batch_values(
            platform,
            rows=list(range(2, 2 + size)),
            posts=["p"],
            campaign_ids=[None],
            post_index=[0] * size,
            times=[time],
            time_index=[0] * size,
            counts=counts,
            extra=extra,
            lowered=[],
        )
        accepted = True
    except BulkBatchValueError:
        accepted = False
    assert accepted == _decodes(platform, [time], counts, extra)

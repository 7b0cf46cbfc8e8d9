"""MetricImport (domain/bulk.py): a bulk import's rules, without storage."""

from __future__ import annotations

from typing import Any

import pytest

from libops.domain.bulk import BATCH_ROWS, MetricImport
from libops.domain.errors import BulkImportError, InvalidValueError, PermissionDeniedError
from libops.domain.post import Post
from libops.domain.values import Actor, Role
from tests.helpers import refused

ADMIN = Actor("admin-1", [Role.OPERATIONS_ADMIN])
PLANNER = Actor("planner-1", [Role.CONTENT_PLANNER])
DIGEST = "ab" * 32
POST = "b1c00000-0000-4000-8000-000000000001"


def started() -> MetricImport:
    found = MetricImport.start(ADMIN, file="daily.csv", digest=DIGEST, platform="weibo", rows=9)
    found.collect_events()
    return found


def batch(rows: list[int], **changes: Any) -> dict[str, Any]:
    size = len(rows)
    given: dict[str, Any] = {
        "rows": rows,
        "posts": [POST],
        "campaign_ids": [None],
        "post_index": [0] * size,
        "times": [f"2026-03-{day:02d}T16:00:00+00:00" for day in range(1, size + 1)],
        "time_index": list(range(size)),
        "counts": {"reads": list(range(10, 10 + size))},
        "extra": {},
        "lowered": [],
    }
    given.update(changes)
    return given


class TestStart:
    """A bulk import starts with the file's name, digest, platform and rows."""

    def test_the_id_follows_from_the_digest_and_options(self) -> None:
        assert started().id == MetricImport.id_for(DIGEST)
        assert MetricImport.id_for(DIGEST, "platform=weibo") != MetricImport.id_for(DIGEST)

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"digest": "xyz"}, InvalidValueError),
            ({"digest": "AB" * 32}, InvalidValueError),
            ({"rows": -1}, InvalidValueError),
            ({"file": " "}, InvalidValueError),
        ],
    )
    def test_bad_start(self, changes: dict[str, Any], error: type[Exception]) -> None:
        given: dict[str, Any] = {"file": "d.csv", "digest": DIGEST, "platform": "weibo", "rows": 1}
        with pytest.raises(error):
            MetricImport.start(ADMIN, **{**given, **changes})

    def test_a_planner_may_not_import(self) -> None:
        with pytest.raises(PermissionDeniedError):
            MetricImport.start(PLANNER, file="d.csv", digest=DIGEST, platform="weibo", rows=1)


class TestBatches:
    """Batches follow each other in row order, with one entry per row in every column."""

    def test_batches_advance(self) -> None:
        found = started()
        found.record_batch(ADMIN, **batch([2, 3, 5]))
        found.record_batch(ADMIN, **batch([6], lowered=["reads"]))
        assert (found.next_row, found.recorded, found.corrected) == (7, 3, 1)
        found.finish(ADMIN, unchanged=1)
        assert found.finished
        events = found.collect_events()
        singles = list(events[1].snapshot_events())  # type: ignore[attr-defined]
        assert [type(e) for e in singles] == [Post.MetricsCorrected]
        assert singles[0].snapshot.reads == 10

    @pytest.mark.parametrize(
        "changes",
        [
            {"rows": [4, 3]},
            {"rows": [1, 2]},  # not after row 2, already recorded
            {"post_index": [0]},
            {"post_index": [0, 1]},
            {"time_index": [0, 5]},
            {"lowered": [""]},
            {"counts": {"reads": [1, 2], "hearts": [1, 1]}},
            {"campaign_ids": []},
        ],
    )
    def test_bad_batches(self, changes: dict[str, Any]) -> None:
        found = started()
        found.record_batch(ADMIN, **batch([2]))
        found.collect_events()
        rows = changes.pop("rows", [3, 4])
        refused(found, BulkImportError, lambda: found.record_batch(ADMIN, **batch(rows, **changes)))

    def test_batch_size(self) -> None:
        found = started()
        rows = list(range(2, BATCH_ROWS + 3))
        refused(found, BulkImportError, lambda: found.record_batch(ADMIN, **batch(rows)))
        refused(found, BulkImportError, lambda: found.record_batch(ADMIN, **batch([])))

    def test_nothing_after_the_finish(self) -> None:
        found = started()
        found.finish(ADMIN, unchanged=0)
        found.collect_events()
        refused(found, BulkImportError, lambda: found.record_batch(ADMIN, **batch([2])))
        found.finish(ADMIN, unchanged=0)  # finishing again records nothing
        assert found.collect_events() == []


class TestReadingBatches:
    """A batch reads back as snapshots; its latest ones are each post's last row."""

    def test_latest_snapshots(self) -> None:
        found = started()
        other = "b1c00000-0000-4000-8000-000000000002"
        found.record_batch(
            ADMIN,
            **batch(
                [2, 3, 4, 5],
                posts=[POST, other],
                campaign_ids=[None, None],
                post_index=[0, 1, 0, 1],
                time_index=[0, 0, 1, 1],
            ),
        )
        recorded = found.collect_events()[-1]
        assert isinstance(recorded, MetricImport.BatchRecorded)
        every = [(str(p), s.reads) for p, _c, s, _l in recorded.snapshots()]
        assert every == [(POST, 10), (other, 11), (POST, 12), (other, 13)]
        latest = [(str(p), s.reads) for p, _c, s, _l in recorded.latest_snapshots()]
        assert latest == [(POST, 12), (other, 13)]

"""The golden file of a bulk import (issue 11, item 7): daily snapshots recorded as columnar
``MetricImport.BatchRecorded`` events, as stored, written out by hand (tests/golden/
regenerate.py says why), and what they read back as."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import pytest

from libops import LibOps
from libops.domain.bulk import MetricImport
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot, Platform
from tests.golden.regenerate import GoldenKeyStore, load, stored_events

NAME = "bulk_import_events.json"
FIRST = UUID("b1c00000-0000-4000-8000-000000000001")
SECOND = UUID("b1c00000-0000-4000-8000-000000000002")
DIGEST = "a32fd10ba482edc2ea2a11a4ee32d82f24cd25f08e1cc97937424f188390160f"
IMPORT = UUID("1476a798-2a5f-559a-91e2-ae8150a86e52")


@pytest.fixture
def loaded() -> Iterator[LibOps]:
    with LibOps.open("memory://", keys=GoldenKeyStore()) as ops:
        ops.app.recorder.insert_events(stored_events(load(NAME)))
        yield ops


def _state(position: int) -> dict[str, object]:
    state = json.loads(load(NAME)[position]["state"])
    assert isinstance(state, dict)
    del state["timestamp"]
    return state


def test_the_records_are_as_written() -> None:
    """Two posts by the ordinary path, then the import: started, two batches, finished;
    the same file again recorded nothing."""
    assert [(r["topic"], r["originator_id"], r["originator_version"]) for r in load(NAME)] == [
        ("libops:Post.Drafted", str(FIRST), 1),
        ("libops:Post.RecordedExternally", str(FIRST), 2),
        ("libops:Post.Published", str(FIRST), 3),
        ("libops:Post.MetricsRecorded", str(FIRST), 4),
        ("libops:Post.Drafted", str(SECOND), 1),
        ("libops:Post.RecordedExternally", str(SECOND), 2),
        ("libops:Post.Published", str(SECOND), 3),
        ("libops:Post.MetricsRecorded", str(SECOND), 4),
        ("libops:MetricImport.Started", str(IMPORT), 1),
        ("libops:MetricImport.BatchRecorded", str(IMPORT), 2),
        ("libops:MetricImport.BatchRecorded", str(IMPORT), 3),
        ("libops:MetricImport.Finished", str(IMPORT), 4),
    ]
    assert _state(8) == {
        "originator_topic": "libops:MetricImport",
        "actor_id": "admin-1",
        "file": "weibo_daily.csv",
        "digest": DIGEST,
        "platform": "weibo",
        "rows": 4,
    }
    assert _state(9) == {
        "actor_id": "admin-1",
        "platform": "weibo",
        "rows": [2, 3, 4],
        "posts": [str(FIRST), str(SECOND)],
        "campaign_ids": [None, None],
        "post_index": [0, 1, 0],
        "times": ["2026-03-05T16:00:00+00:00", "2026-03-06T16:00:00+00:00"],
        "time_index": [0, 0, 1],
        "counts": {"reads": [520, 90, 505], "likes": [31, 7, 33]},
        "extra": {},
        "lowered": ["", "", "reads"],
    }
    assert (_state(10)["rows"], _state(10)["posts"]) == ([5], [str(SECOND)])
    assert _state(11) == {"actor_id": "admin-1", "recorded": 3, "corrected": 1, "unchanged": 0}


def test_the_import_reads_back(loaded: LibOps) -> None:
    """The aggregate: file, digest, rows, where the next batch starts, finished."""
    found = loaded.app.load(MetricImport, IMPORT)
    assert (found.file, found.digest, found.platform, found.rows) == (
        "weibo_daily.csv",
        DIGEST,
        Platform.WEIBO,
        4,
    )
    assert (found.next_row, found.recorded, found.corrected, found.finished) == (6, 3, 1, True)
    assert MetricImport.id_for(DIGEST, found_options()) == IMPORT


def found_options() -> str:
    """The options the scenario imported with (a mapping file: its digest is part of it)."""
    mapping = (
        'platform = "weibo"\ntitle = "标题"\nurl = "链接"\npublished_at = "发布时间"\n'
        'observed_at = "日期"\n[counts]\nreads = "阅读数"\nlikes = "点赞数"\n'
    )
    digest = hashlib.sha256(mapping.encode()).hexdigest()
    return f"platform=\nmapping={digest}\ntimezone=Asia/Shanghai\nmatched_only=False"


def test_the_batches_stand_for_snapshot_events(loaded: LibOps) -> None:
    """Each row decodes to the ``Post.MetricsRecorded`` (or ``MetricsCorrected``) event it
    stands for, stamped with the batch's time."""
    notification = loaded.app.recorder.select_notifications(10, 1)[0]
    batch = loaded.app.mapper.to_domain_event(notification)
    assert isinstance(batch, MetricImport.BatchRecorded)
    singles = list(batch.snapshot_events())
    assert [type(e) for e in singles] == [
        Post.MetricsRecorded,
        Post.MetricsRecorded,
        Post.MetricsCorrected,
    ]
    assert [e.originator_id for e in singles] == [FIRST, SECOND, FIRST]
    assert singles[2].snapshot == MetricSnapshot(
        "weibo", datetime(2026, 3, 6, 16, 0, tzinfo=UTC), reads=505, likes=33
    )
    assert singles[2].lowered == ("reads",)  # type: ignore[union-attr]
    assert {e.timestamp for e in singles} == {batch.timestamp}


def test_the_views_show_the_latest_counts(loaded: LibOps) -> None:
    """The engagement view counts the bulk snapshots as it counts single ones."""
    loaded.projections.run()
    first = loaded.projections.get("engagement", f"post:{FIRST}:weibo")
    second = loaded.projections.get("engagement", f"post:{SECOND}:weibo")
    assert (first["reads"], first["likes"], first["snapshots"], first["corrections"]) == (
        505,
        33,
        3,
        1,
    )
    assert (second["reads"], second["snapshots"], second["corrections"]) == (130, 3, 0)

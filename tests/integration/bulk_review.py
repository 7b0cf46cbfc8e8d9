"""What the reviews of the bulk-import path share (tests/integration/test_import_review_*):
the Weibo mapping file, the clock on 15 April 2026 and a batch stored as the old, unchecked
handler let it through. Test modules import the fixtures by name (and list them in
``__all__``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.application.bulk_imports import StartBulkImport
from libops.domain.bulk import MetricImport
from libops.domain.values import Actor
from tests.integration.test_bulk_imports import MAPPING

LATER: Any = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)
"""When the bulk imports of the reviews run (after the posts' March totals)."""


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    """The Weibo export's mapping file (:data:`MAPPING`)."""
    path = tmp_path / "weibo.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


@pytest.fixture
def later(clock: ManualClock) -> ManualClock:
    """The clock at :data:`LATER`."""
    clock.set(LATER)
    return clock


def store_bad_batch(ops: LibOps, admin: Actor, post_id: UUID, **columns: Any) -> None:
    """A batch of one row for ``post_id`` (reads 500 on 2 April, changed by ``columns``)
    stored as the old, unchecked handler let through (by the event method)."""
    import_id = ops.execute(admin, StartBulkImport("old.csv", "ef" * 32, "weibo", 1))
    metric_import = ops.app.load(MetricImport, import_id)
    batch: dict[str, Any] = {
        "actor_id": admin.id,
        "platform": "weibo",
        "rows": (2,),
        "posts": (str(post_id),),
        "campaign_ids": (None,),
        "post_index": (0,),
        "times": ("2026-04-02T00:00:00+00:00",),
        "time_index": (0,),
        "counts": {"reads": (500,)},
        "extra": {},
        "lowered": (),
    }
    batch.update(columns)
    metric_import._record_batch(**batch)
    ops.app.save(metric_import)

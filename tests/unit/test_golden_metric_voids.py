"""The golden file of a voided metric snapshot: ``Post.MetricsVoided`` as stored, decoded.

Written out by hand (never generated from the file), like the other golden expectations in
``test_golden.py``; kept apart so that the post golden file stays exactly as released.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from libops import LibOps, MetricSnapshot, Platform, Post
from tests.golden.regenerate import START, load, stored_events
from tests.unit.test_golden import _loaded, fresh_ops  # noqa: F401 (fresh_ops: a fixture)

NAME = "post_metric_void_events.json"
POST = UUID("b0570d00-0000-4000-8000-000000000001")
FIRST = MetricSnapshot(Platform.WEIBO, datetime(2026, 3, 2, 8, 0, tzinfo=UTC), reads=120)
WRONG = MetricSnapshot(
    Platform.WEIBO, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), reads=13000, likes=900
)
REAL = MetricSnapshot(Platform.WEIBO, datetime(2026, 3, 2, 10, 0, tzinfo=UTC), reads=130, likes=9)
REASON = "the export counted every view a hundred times"

TOPICS = [
    Post.Drafted,
    Post.SubmittedForReview,
    Post.Approved,
    Post.Published,
    Post.MetricsRecorded,
    Post.MetricsRecorded,
    Post.MetricsVoided,
    Post.MetricsRecorded,
]

METRIC_EVENTS: list[tuple[type[Any], int, dict[str, Any]]] = [
    (Post.MetricsRecorded, 5, {"actor_id": "tech-1", "campaign_id": None, "snapshot": FIRST}),
    (Post.MetricsRecorded, 6, {"actor_id": "tech-1", "campaign_id": None, "snapshot": WRONG}),
    (
        Post.MetricsVoided,
        7,
        {
            "actor_id": "admin-1",
            "campaign_id": None,
            "voided": WRONG,
            "latest": FIRST,
            "reason": REASON,
        },
    ),
    (Post.MetricsRecorded, 8, {"actor_id": "tech-1", "campaign_id": None, "snapshot": REAL}),
]


class TestMetricVoidGoldenFile:
    def test_the_file_holds_the_expected_records(self) -> None:
        """Topics, aggregate ids and versions of the stored records are as expected."""
        assert [
            (r["topic"], UUID(r["originator_id"]), r["originator_version"]) for r in load(NAME)
        ] == [(get_topic(cls), POST, version) for version, cls in enumerate(TOPICS, 1)]

    def test_stored_names_in_the_raw_state(self) -> None:
        """The voided and the latest snapshot are stored under the snapshot's fixed name."""
        voided = json.loads(load(NAME)[6]["state"])
        assert voided["reason"] == REASON
        assert voided["latest"] == {
            "_type_": "libops.MetricSnapshot",
            "_data_": {
                "platform": "weibo",
                "observed_at": "2026-03-02T08:00:00+00:00",
                "reads": 120,
                "views": 0,
                "likes": 0,
                "comments": 0,
                "shares": 0,
                "favourites": 0,
                "followers_gained": None,
            },
        }
        assert voided["voided"]["_data_"]["reads"] == 13000

    def test_events_decode_to_the_expected_values(self, fresh_ops: LibOps) -> None:  # noqa: F811
        """Each metric record decodes to exactly the expected event, field by field."""
        stored = stored_events(load(NAME))
        for minute, (cls, version, fields) in enumerate(METRIC_EVENTS, 4):
            event = fresh_ops.app.mapper.to_domain_event(stored[minute])
            assert type(event) is cls
            assert vars(event) == {
                "originator_id": POST,
                "originator_version": version,
                "timestamp": START + timedelta(minutes=minute),
                **fields,
            }

    def test_the_post_reconstructs(self, fresh_ops: LibOps) -> None:  # noqa: F811
        """The post rebuilt from the golden events skips the voided snapshot."""
        post = _loaded(fresh_ops, NAME).posts.get(POST)
        assert post.version == 8
        assert post.latest_metrics("weibo") == REAL
        assert post.recent_metrics("weibo") == (FIRST, REAL)

"""Campaign commands on every kind of store."""

from __future__ import annotations

from datetime import date

import pytest

from libops import Actor, CampaignStatus, LibOps, Objective, Period
from libops.domain.errors import IdempotencyKeyReuseError, UnknownIdError
from tests.helpers import count_events

PERIOD = Period(date(2026, 4, 1), date(2026, 4, 30))


class TestCampaignOnStores:
    def test_plan_launch_complete_round_trip(
        self, ops: LibOps, planner: Actor, admin: Actor
    ) -> None:
        """A campaign planned, launched and completed reads back the same from the store."""
        cid = ops.campaigns.plan(
            planner,
            name="World Book Day",
            kind="topic",
            period=PERIOD,
            platforms=["weibo", "wechat"],
            objectives=[Objective("reads", 5000)],
            hashtags=["#世界读书日"],
        )
        ops.campaigns.launch(admin, cid)
        ops.campaigns.complete(admin, cid)
        campaign = ops.campaigns.get(cid)
        assert campaign.status is CampaignStatus.COMPLETED
        assert campaign.hashtags == ("世界读书日",)
        assert campaign.objectives == (Objective("reads", 5000),)
        assert count_events(ops) == 3

    def test_idempotency_key_returns_first_result(self, ops: LibOps, planner: Actor) -> None:
        """Repeating a keyed command returns the first id and records nothing new."""
        first = ops.campaigns.plan(
            planner, name="A", kind="kol", period=PERIOD, idempotency_key="k"
        )
        before = count_events(ops)
        again = ops.campaigns.plan(
            planner, name="A", kind="kol", period=PERIOD, idempotency_key="k"
        )
        assert again == first
        assert count_events(ops) == before

    def test_idempotency_key_reused_for_other_arguments(self, ops: LibOps, planner: Actor) -> None:
        """A key reused with different arguments is refused and records nothing."""
        ops.campaigns.plan(planner, name="A", kind="kol", period=PERIOD, idempotency_key="k")
        before = count_events(ops)
        with pytest.raises(IdempotencyKeyReuseError):
            ops.campaigns.plan(planner, name="B", kind="kol", period=PERIOD, idempotency_key="k")
        assert count_events(ops) == before

    def test_unknown_id(self, ops: LibOps, admin: Actor) -> None:
        """An unknown campaign id is a specific error."""
        with pytest.raises(UnknownIdError):
            ops.campaigns.launch(admin, "00000000-0000-0000-0000-000000000000")
        with pytest.raises(UnknownIdError):
            ops.campaigns.launch(admin, "not-a-uuid")

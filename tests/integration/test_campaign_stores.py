"""Campaign commands on every kind of store."""

from __future__ import annotations

from datetime import date

import pytest

from libops import Actor, CampaignStatus, LibOps, Objective, Period
from libops.domain.errors import IdempotencyKeyReuseError, UnknownIdError
from tests.helpers import count_events, refused

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
        refused(
            ops,
            IdempotencyKeyReuseError,
            lambda: ops.campaigns.plan(
                planner, name="B", kind="kol", period=PERIOD, idempotency_key="k"
            ),
        )

    def test_unknown_id(self, ops: LibOps, admin: Actor) -> None:
        """An unknown campaign id is a specific error."""
        with pytest.raises(UnknownIdError):
            ops.campaigns.launch(admin, "00000000-0000-0000-0000-000000000000")
        with pytest.raises(UnknownIdError):
            ops.campaigns.launch(admin, "not-a-uuid")


class TestTwoProcessesOneStore:
    @pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
    def test_cached_aggregates_see_each_others_writes(
        self,
        kind: str,
        tmp_path: object,
        request: pytest.FixtureRequest,
        planner: Actor,
        admin: Actor,
    ) -> None:
        """Two libops instances on one store never act on a stale cached aggregate."""
        from tests.conftest import make_store_url

        url = make_store_url(kind, tmp_path, request)
        with LibOps.open(url, migrate=True) as one, LibOps.open(url) as two:
            cid = one.campaigns.plan(
                planner,
                name="Shared",
                kind="topic",
                period=PERIOD,
                platforms=["weibo"],
                objectives=[Objective("reads", 10)],
            )
            assert two.campaigns.get(cid).status is CampaignStatus.PLANNED  # two caches it
            one.campaigns.launch(admin, cid)
            two.campaigns.pause(admin, cid, reason="a complaint to look into")
            one.campaigns.resume(admin, cid)
            two.campaigns.amend(planner, cid, hashtags=["读书"])
            for ops in (one, two):
                campaign = ops.campaigns.get(cid)
                assert campaign.status is CampaignStatus.ACTIVE
                assert campaign.hashtags == ("读书",)
                assert campaign.version == 5

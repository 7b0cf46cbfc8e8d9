"""Retracting a published post takes it down (issue 11, item 2), on every store.

Mastodon through its HTTP adapter talking to the local fake over loopback (it can take posts
down); Weibo through the sandbox (it cannot: staff get a task). A post is never shown as
retracted while it is live anywhere: not by the aggregate, not by the posts listing (what
``/v1/posts`` and the web app show).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from libops import Actor, LibOps
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    LimitExceededError,
    NoTakeDownError,
    PermissionDeniedError,
    PlatformNotTargetedError,
    PublishClaimedError,
    PublishFailedError,
    TakeDownFailedError,
    TakeDownUnsupportedError,
    TakeDownUrlError,
)
from libops.domain.post import Post, PostStatus
from libops.domain.values import Platform
from libops.tick import tick
from tests.conftest import make_store_url
from tests.contract.test_http_adapters import QUICK, Rig
from tests.helpers import count_events, refused
from tests.integration.test_publishing import approved_post, drafted_post

STATUSES = "/api/v1/statuses/"
"""The path of one status (what a take-down deletes), for the fake's faults."""


class World:
    """A store with Mastodon (the fake, over HTTP) and Weibo (the sandbox) gateways."""

    def __init__(self, ops: LibOps, rig: Rig, weibo: SandboxPlatform) -> None:
        self.ops, self.rig, self.weibo = ops, rig, weibo

    def published(self, planner: Actor, reviewer: Actor, admin: Actor, *on: Platform) -> UUID:
        """A post approved for Mastodon, Weibo and WeChat and published on ``on``."""
        post_id = approved_post(
            self.ops, planner, reviewer, Platform.MASTODON, Platform.WEIBO, Platform.WECHAT
        )
        for platform in on or (Platform.MASTODON, Platform.WEIBO):
            self.ops.publishing.publish(admin, post_id, platform)
        return post_id

    def row(self, post_id: UUID) -> dict[str, Any]:
        """The post's row in the posts listing (caught up with the log)."""
        rows = {UUID(r["id"]): r for r in self.ops.posts.list(limit=200).items}
        return rows[post_id]


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig()
    yield made
    made.close()


def _open(url: str, rig: Rig, *, mastodon: bool = True) -> tuple[LibOps, SandboxPlatform]:
    weibo = SandboxPlatform("weibo", seed="weibo", clock=rig.clock)
    gateways: list[Any] = [weibo]
    if mastodon:
        gateways.append(rig.mastodon_gateway())
    return LibOps.open(url, clock=rig.clock, migrate=True, gateways=gateways), weibo


@pytest.fixture
def world(store_url: str, rig: Rig) -> Iterator[World]:
    ops, weibo = _open(store_url, rig)
    with ops:
        yield World(ops, rig, weibo)


def _taken_down_events(ops: LibOps, post_id: UUID) -> list[str]:
    return [
        type(e).__name__
        for e in ops.app.repository.event_store.get(post_id)
        if isinstance(
            e,
            Post.Retracted
            | Post.TakeDownRequested
            | Post.TakenDown
            | Post.TakeDownFailed
            | Post.TakeDownConfirmed,
        )
    ]


class TestRetractingALivePost:
    def test_taken_down_where_the_gateway_can_a_task_elsewhere(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Mastodon's status is deleted and that is recorded; Weibo (the sandbox cannot take
        posts down) gets a task for staff; the post is retracting, not retracted, until
        staff confirm Weibo; WeChat, never published, needs nothing."""
        ops, fake = world.ops, world.rig.mastodon
        post_id = world.published(planner, reviewer, admin)
        assert len(fake.statuses()) == 1
        receipt = ops.posts.get(post_id).receipt("mastodon")
        assert receipt is not None
        ops.posts.retract(admin, post_id, "the date was wrong")
        assert fake.statuses() == []  # gone from the platform
        assert ("DELETE", f"{STATUSES}{receipt.external_id}") in fake.requests()
        post = ops.posts.get(post_id)
        assert post.status is PostStatus.RETRACTING
        assert post.live_platforms() == (Platform.WEIBO,)
        mastodon, weibo = post.take_down("mastodon"), post.take_down("weibo")
        assert mastodon is not None
        assert mastodon.done_at == world.rig.clock.now()
        assert mastodon.confirmed_by is None
        assert not mastodon.by_hand
        assert weibo is not None
        assert weibo.open
        assert weibo.by_hand
        assert "no weibo gateway that can take posts down" in weibo.reason
        assert post.take_down("wechat") is None
        assert _taken_down_events(ops, post_id) == [
            "Retracted",
            "TakeDownRequested",
            "TakeDownRequested",
            "TakenDown",
        ]
        row = world.row(post_id)
        assert (row["status"], row["retracted"]) == ("retracting", False)
        assert row["platforms"]["mastodon"]["take_down"] == "taken down"
        assert row["platforms"]["weibo"]["take_down"] == "by hand"
        assert [s.value for s in PostStatus] == [
            "drafted",
            "in_review",
            "changes_requested",
            "approved",
            "retracting",
            "retracted",
        ]
        assert ops.posts.list(status="retracted").items == ()
        assert [UUID(r["id"]) for r in ops.posts.list(status="retracting").items] == [post_id]

        world.rig.clock.advance(timedelta(minutes=20))
        ops.posts.confirm_take_down(
            admin, post_id, "weibo", note="deleted in the Weibo app", url="https://weibo.com/x"
        )
        post = ops.posts.get(post_id)
        assert post.status is PostStatus.RETRACTED
        assert post.live_platforms() == ()
        confirmed = post.take_down("weibo")
        assert confirmed is not None
        assert (confirmed.confirmed_by, confirmed.note, confirmed.url) == (
            admin.id,
            "deleted in the Weibo app",
            "https://weibo.com/x",
        )
        row = world.row(post_id)
        assert (row["status"], row["retracted"]) == ("retracted", True)
        assert row["platforms"]["weibo"]["take_down"] == "confirmed"
        assert row["platforms"]["weibo"]["taken_down_at"] == world.rig.clock.now().isoformat()
        assert ops.posts.open_take_downs() == []

    def test_a_post_live_only_where_the_gateway_can_is_retracted_at_once(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Live on Mastodon only: taken down in the same command, retracted straight away."""
        post_id = world.published(planner, reviewer, admin, Platform.MASTODON)
        world.ops.posts.retract(admin, post_id, "withdrawn")
        assert world.ops.posts.get(post_id).status is PostStatus.RETRACTED
        assert world.row(post_id)["status"] == "retracted"

    def test_a_post_never_published_is_retracted_with_no_task(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Nothing live: the retraction is one event, as it always was."""
        post_id = approved_post(world.ops, planner, reviewer, Platform.MASTODON)
        before = count_events(world.ops)
        world.ops.posts.retract(admin, post_id, "not needed")
        assert count_events(world.ops) == before + 1
        assert world.ops.posts.get(post_id).status is PostStatus.RETRACTED
        assert world.rig.mastodon.requests() == []

    def test_a_lost_answer_is_asked_again_safely(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """Every answer to the DELETE lost: the failure is recorded (retryable) and the post
        stays retracting; asking again finds the status gone (404), which counts as taken
        down, and nothing is deleted twice."""
        ops, fake = world.ops, world.rig.mastodon
        post_id = world.published(planner, reviewer, admin, Platform.MASTODON)
        fake.lose_response_next(QUICK.attempts, path=STATUSES)
        ops.posts.retract(admin, post_id, "the date was wrong")
        assert fake.statuses() == []  # it went through; the answer did not come back
        post = ops.posts.get(post_id)
        assert post.status is PostStatus.RETRACTING
        failed = post.take_down("mastodon")
        assert failed is not None
        assert failed.open
        assert failed.retryable
        assert not failed.by_hand
        assert failed.error is not None
        assert "lost" in failed.error
        assert world.row(post_id)["status"] == "retracting"

        at = ops.posts.take_down(tech, post_id, "mastodon")
        assert at == world.rig.clock.now()
        assert ops.posts.get(post_id).status is PostStatus.RETRACTED
        assert _taken_down_events(ops, post_id) == [
            "Retracted",
            "TakeDownRequested",
            "TakeDownFailed",
            "TakenDown",
        ]
        assert world.row(post_id)["status"] == "retracted"
        again = refused(
            ops, NoTakeDownError, lambda: ops.posts.take_down(tech, post_id, "mastodon")
        )
        assert "taken down through its gateway already" in str(again)

    def test_a_refusal_for_good_leaves_a_task_with_the_reason(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """The account's token revoked (401: not retryable): the take-down is left to
        staff with the platform's reason; tick does not call the platform again for it."""
        ops, fake = world.ops, world.rig.mastodon
        post_id = world.published(planner, reviewer, admin, Platform.MASTODON)
        fake.revoke_tokens()
        ops.posts.retract(admin, post_id, "withdrawn")
        assert len(fake.statuses()) == 1  # still live
        task = ops.posts.get(post_id).take_down("mastodon")
        assert task is not None
        assert task.open
        assert task.by_hand
        assert not task.retryable
        assert task.reason.startswith("the platform refused: mastodon:")
        assert world.row(post_id)["platforms"]["mastodon"]["take_down"] == "by hand"
        calls = len(fake.requests())
        report = tick(ops, steps=["takedowns"])
        assert report.step("takedowns").counts == {"taken_down": 0, "failed": 0, "by_hand": 1}
        assert len(fake.requests()) == calls
        assert str(post_id) in report.step("takedowns").warnings[0]
        # A person may still try (a new token issued); the platform refusing again is
        # recorded and raised.
        with pytest.raises(TakeDownFailedError) as raised:
            ops.posts.take_down(tech, post_id, "mastodon")
        assert raised.value.retryable is False
        ops.posts.confirm_take_down(admin, post_id, "mastodon", note="deleted in the app")
        assert ops.posts.get(post_id).status is PostStatus.RETRACTED

    def test_a_publish_whose_answer_was_lost_is_found_and_taken_down(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Publishing failed with every answer lost, though the posts went out: libops shows
        them failed. Retracting looks for them under the post's key first: Mastodon's is
        found and taken down; Weibo's is found and left to staff, so the post is retracting,
        never retracted while it is live."""
        ops, fake = world.ops, world.rig.mastodon
        post_id = approved_post(ops, planner, reviewer, Platform.MASTODON, Platform.WEIBO)
        fake.lose_response_next(QUICK.attempts, path="/api/v1/statuses")
        world.weibo.lose_response_next()
        for platform in (Platform.MASTODON, Platform.WEIBO):
            with pytest.raises(PublishFailedError):
                ops.publishing.publish(admin, post_id, platform)
        assert len(fake.statuses()) == 1
        assert len(world.weibo.published()) == 1
        ops.posts.retract(admin, post_id, "withdrawn")
        post = ops.posts.get(post_id)
        assert post.status is PostStatus.RETRACTING
        assert post.live_platforms() == (Platform.WEIBO,)
        weibo = post.take_down("weibo")
        assert weibo is not None
        assert weibo.external_id == world.weibo.published()[0].external_id
        assert fake.statuses() == []
        assert _taken_down_events(ops, post_id) == [
            "Retracted",
            "TakeDownRequested",
            "TakeDownRequested",
            "TakenDown",
        ]

    def test_a_publish_that_did_not_go_out_needs_no_take_down(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A failure the platform confirms (nothing under the key): retracted at once."""
        ops = world.ops
        post_id = approved_post(ops, planner, reviewer, Platform.WEIBO)
        world.weibo.fail_next(1)
        with pytest.raises(PublishFailedError):
            ops.publishing.publish(admin, post_id, "weibo")
        ops.posts.retract(admin, post_id, "withdrawn")
        assert ops.posts.get(post_id).status is PostStatus.RETRACTED

    def test_refused_while_a_run_is_publishing_it(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """A variant claimed by a publishing run would go out after the retraction: the
        retraction waits (PublishClaimedError, nothing recorded)."""
        from libops.application.publishing import ClaimPublication

        ops = world.ops
        post_id = approved_post(ops, planner, reviewer, Platform.MASTODON)
        ops.execute(tech, ClaimPublication(post_id, "mastodon"))
        refused(ops, PublishClaimedError, lambda: ops.posts.retract(admin, post_id, "withdrawn"))

    def test_metrics_are_not_collected_from_a_post_taken_down(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """Collecting metrics leaves a variant taken down alone (the platform has nothing)."""
        post_id = world.published(planner, reviewer, admin, Platform.MASTODON)
        world.ops.posts.retract(admin, post_id, "withdrawn")
        assert world.ops.publishing.collect_metrics(tech, post_id) == []


class TestOpenTakeDowns:
    def test_only_open_ones_in_the_order_requested_each_post_loaded_once(
        self,
        world: World,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Three posts retracted one after another, by hand on Weibo: the one confirmed
        since is not read at all; the others come in the order their take-downs were
        requested, each post loaded once, with when it was requested."""
        ops, clock = world.ops, world.rig.clock
        posts = [world.published(planner, reviewer, admin, Platform.WEIBO) for _ in range(3)]
        requested = {}
        for post_id in (posts[2], posts[0], posts[1]):
            clock.advance(timedelta(minutes=5))
            ops.posts.retract(admin, post_id, "withdrawn")
            requested[post_id] = clock.now()
        ops.posts.confirm_take_down(admin, posts[0], "weibo", note="deleted by hand")
        loaded: list[UUID] = []
        load = ops.app.load

        def counting(cls: Any, aggregate_id: Any) -> Any:
            loaded.append(UUID(str(aggregate_id)))
            return load(cls, aggregate_id)

        monkeypatch.setattr(ops.app, "load", counting)
        found = ops.posts.open_take_downs()
        assert [post_id for post_id, _ in found] == [posts[2], posts[1]]
        assert [t.requested_at for _, t in found] == [requested[posts[2]], requested[posts[1]]]
        assert sorted(loaded) == sorted([posts[2], posts[1]])  # never the confirmed one
        loaded.clear()
        outcomes = ops.publishing.take_down_pending(admin)
        assert [(o.post_id, o.state.value) for o in outcomes] == [
            (posts[2], "by hand"),
            (posts[1], "by hand"),
        ]
        assert sorted(loaded) == sorted([posts[2], posts[1]])
        retracting = ops.posts.retracting()
        assert [post.id for post in retracting] == [posts[2], posts[1]]
        assert all(post.title == "Book Day" for post in retracting)  # opened


class TestSnapshots:
    def test_a_snapshot_of_a_retracting_post_reads_back_exactly(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A snapshot taken while take-downs are open (one failed, one by hand) gives back
        exactly the post its events replay to."""
        from tests.integration.test_snapshots import every_snapshot_matches, replayed, same_state

        ops, fake = world.ops, world.rig.mastodon
        post_id = world.published(planner, reviewer, admin)
        fake.fail_next(QUICK.attempts, path=STATUSES)
        ops.posts.retract(admin, post_id, "withdrawn")
        ops.app.take_snapshot(post_id)
        assert every_snapshot_matches(ops, post_id) == 1
        loaded: Post = ops.app.repository.get(post_id)
        assert same_state(loaded, replayed(ops, post_id))
        assert loaded.status is PostStatus.RETRACTING
        assert [t.platform for t in loaded.open_take_downs()] == [
            Platform.MASTODON,
            Platform.WEIBO,
        ]


class TestOverHttp:
    def test_v1_posts_says_retracting_until_staff_confirm_over_http(
        self, world: World, planner: Actor, reviewer: Actor
    ) -> None:
        """``GET /v1/posts`` shows the post retracting while live on Weibo; staff confirm
        with ``POST /v1/commands/post.confirm_take_down``; it then shows retracted."""
        from tests import actors
        from tests.http.support import client_for, problem_of

        ops = world.ops
        post_id = world.published(planner, reviewer, actors.ADMIN)
        client = client_for(ops)
        retract = {"post_id": str(post_id), "reason": "withdrawn"}
        response = client.command("post.retract", retract, as_=actors.ADMIN)
        assert response.status_code == 200, response.text

        def shown() -> dict[str, Any]:
            listed = client.get("/v1/posts", as_=actors.AUDITOR, params={"limit": "200"})
            assert listed.status_code == 200, listed.text
            (row,) = listed.json()["items"]
            return dict(row)

        assert (shown()["status"], shown()["retracted"]) == ("retracting", False)
        confirm = {"post_id": str(post_id), "platform": "weibo", "note": "deleted"}
        first = client.command("post.confirm_take_down", confirm, as_=actors.TECH)
        assert first.status_code == 200, first.text
        again = client.command("post.confirm_take_down", confirm, as_=actors.TECH)
        assert again.status_code == 422, again.text  # a rule broken, as every rule is
        assert problem_of(again)["error"] == "NoTakeDownError"
        row = shown()
        assert (row["status"], row["retracted"]) == ("retracted", True)
        assert row["platforms"]["weibo"]["take_down"] == "confirmed"

    def test_take_down_over_http_with_a_key_answers_once(
        self, world: World, planner: Actor, reviewer: Actor
    ) -> None:
        """``post.take_down`` over HTTP answers the moment it was recorded; the same request
        with the same ``Idempotency-Key`` answers the same and records nothing."""
        from tests import actors
        from tests.http.support import client_for

        ops, fake = world.ops, world.rig.mastodon
        post_id = world.published(planner, reviewer, actors.ADMIN, Platform.MASTODON)
        fake.fail_next(QUICK.attempts, path=STATUSES)
        ops.posts.retract(actors.ADMIN, post_id, "withdrawn")
        client = client_for(ops)
        body = {"post_id": str(post_id), "platform": "mastodon"}
        key = {"Idempotency-Key": "take-down-1"}
        first = client.command("post.take_down", body, as_=actors.TECH, headers=key)
        assert first.status_code == 200, first.text
        assert first.json()["result"] == world.rig.clock.now().isoformat()
        before = count_events(ops)
        again = client.command("post.take_down", body, as_=actors.TECH, headers=key)
        assert again.status_code == 200, again.text
        assert again.json()["result"] == first.json()["result"]
        assert count_events(ops) == before
        assert ops.posts.get(post_id).status is PostStatus.RETRACTED


class TestNotifications:
    def test_staff_are_told_of_each_take_down_left_to_them(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A take_down_needed notification for Weibo (no gateway can) and for Mastodon once
        it refused for good; none for a take-down done, none for one that may pass."""
        from libops.application.notifications import NotificationDeliverer

        ops, fake = world.ops, world.rig.mastodon
        done = world.published(planner, reviewer, admin)
        ops.posts.retract(admin, done, "withdrawn")
        passing = world.published(planner, reviewer, admin, Platform.MASTODON)
        fake.fail_next(QUICK.attempts, path=STATUSES)
        ops.posts.retract(admin, passing, "withdrawn")
        refusing = world.published(planner, reviewer, admin, Platform.MASTODON)
        fake.revoke_tokens()
        ops.posts.retract(admin, refusing, "withdrawn")
        with NotificationDeliverer(ops, []) as deliverer:
            deliverer.engine.run()
            needed = [
                (doc["subject"]["id"], doc["facts"]["platform"], doc["facts"]["reason"])
                for doc in deliverer.outbox()
                if doc["kind"] == "take_down_needed"
            ]
        assert [(UUID(post), platform) for post, platform, _ in needed] == [
            (done, "weibo"),
            (refusing, "mastodon"),
        ]
        assert needed[1][2].startswith("the platform refused: mastodon:")


class TestBadInput:
    def test_confirming_what_is_not_open_is_refused(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """On a draft, an approved post, a platform it was not live on, one taken down
        already, twice: NoTakeDownError, saying which, and nothing recorded."""
        ops = world.ops
        draft = drafted_post(ops, planner, Platform.WEIBO)
        error = refused(
            ops,
            NoTakeDownError,
            lambda: ops.posts.confirm_take_down(admin, draft, "weibo", note="x"),
        )
        assert "it is drafted, not retracted" in str(error)
        post_id = world.published(planner, reviewer, admin)
        error = refused(
            ops,
            NoTakeDownError,
            lambda: ops.posts.confirm_take_down(admin, post_id, "weibo", note="x"),
        )
        assert "it is approved, not retracted" in str(error)
        ops.posts.retract(admin, post_id, "withdrawn")
        error = refused(
            ops,
            NoTakeDownError,
            lambda: ops.posts.confirm_take_down(admin, post_id, "wechat", note="x"),
        )
        assert "not live on wechat when it was retracted" in str(error)
        refused(
            ops,
            NoTakeDownError,
            lambda: ops.posts.confirm_take_down(admin, post_id, "mastodon", note="x"),
        )
        ops.posts.confirm_take_down(tech, post_id, "weibo", note="deleted")
        error = refused(
            ops,
            NoTakeDownError,
            lambda: ops.posts.confirm_take_down(admin, post_id, "weibo", note="x"),
        )
        assert "confirmed by hand already" in str(error)

    def test_bad_fields_and_people_are_refused(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """A platform the post has no variant for, a blank note, an address that is not
        http(s), a planner or a reviewer: each its own error, nothing recorded."""
        ops = world.ops
        post_id = world.published(planner, reviewer, admin, Platform.WEIBO)
        ops.posts.retract(admin, post_id, "withdrawn")

        def confirm(who: Actor, platform: str = "weibo", **fields: Any) -> Any:
            return lambda: ops.posts.confirm_take_down(
                who, post_id, platform, **{"note": "deleted", **fields}
            )

        refused(ops, PlatformNotTargetedError, confirm(admin, "douyin"))
        refused(ops, InvalidValueError, confirm(admin, note="  "))
        refused(ops, LimitExceededError, confirm(admin, note="x" * 2001))
        for url in ("weibo.com/x", "ftp://weibo.com/x", "https://", "https://a b.com", ""):
            refused(ops, TakeDownUrlError, confirm(admin, url=url))
        refused(ops, PermissionDeniedError, confirm(planner))
        refused(ops, PermissionDeniedError, confirm(reviewer))
        refused(ops, InvalidTransitionError, lambda: ops.posts.retract(admin, post_id, "again"))
        refused(ops, TakeDownUnsupportedError, lambda: ops.posts.take_down(tech, post_id, "weibo"))
        refused(ops, PermissionDeniedError, lambda: ops.posts.take_down(planner, post_id, "weibo"))
        assert ops.posts.get(post_id).status is PostStatus.RETRACTING


class TestTick:
    def test_tick_lists_tasks_and_retries_what_may_pass(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A Mastodon take-down that failed for a while is done by the next tick; Weibo's
        task is listed as a warning on every run until staff confirm it."""
        ops, fake = world.ops, world.rig.mastodon
        post_id = world.published(planner, reviewer, admin)
        fake.fail_next(QUICK.attempts, path=STATUSES)  # 503 on every try
        ops.posts.retract(admin, post_id, "withdrawn")
        assert len(fake.statuses()) == 1
        report = tick(ops, steps=["takedowns", "projections"])
        step = report.step("takedowns")
        assert step.counts == {"taken_down": 1, "failed": 0, "by_hand": 1}
        assert report.ok  # a task for staff is a warning, not a failure
        assert fake.statuses() == []
        (warning,) = step.warnings
        assert f"post {post_id} on weibo was retracted but is still live" in warning
        assert "post.confirm_take_down" in warning
        assert world.row(post_id)["status"] == "retracting"
        again = tick(ops, steps=["takedowns"]).step("takedowns")
        assert again.counts == {"taken_down": 0, "failed": 0, "by_hand": 1}
        ops.posts.confirm_take_down(admin, post_id, "weibo", note="deleted")
        before = count_events(ops)
        last = tick(ops, steps=["takedowns"]).step("takedowns")
        assert last.counts == {"taken_down": 0, "failed": 0, "by_hand": 0}
        assert last.warnings == ()
        assert count_events(ops) == before

    def test_a_failure_that_may_pass_is_an_error_of_the_run(
        self, world: World, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Still failing at the tick: counted as failed, an error (exit code 3), recorded."""
        ops, fake = world.ops, world.rig.mastodon
        post_id = world.published(planner, reviewer, admin, Platform.MASTODON)
        fake.fail_next(2 * QUICK.attempts, path=STATUSES)
        ops.posts.retract(admin, post_id, "withdrawn")
        report = tick(ops, steps=["takedowns"])
        assert report.step("takedowns").counts == {"taken_down": 0, "failed": 1, "by_hand": 0}
        assert report.exit_code == 3
        assert (
            f"taking post {post_id} down on mastodon failed" in report.step("takedowns").errors[0]
        )
        assert _taken_down_events(ops, post_id).count("TakeDownFailed") == 2
        assert len(fake.statuses()) == 1


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_tick_takes_down_once_a_gateway_is_configured(
    kind: str,
    tmp_path: object,
    request: pytest.FixtureRequest,
    rig: Rig,
    planner: Actor,
    reviewer: Actor,
    admin: Actor,
) -> None:
    """Retracted while libops had no Mastodon gateway: a task for staff. The next tick of a
    process that has one takes the post down, and the post is retracted."""
    url = make_store_url(kind, tmp_path, request)
    ops, _weibo = _open(url, rig)
    with ops:
        post_id = World(ops, rig, _weibo).published(planner, reviewer, admin, Platform.MASTODON)
    without, _ = _open(url, rig, mastodon=False)
    with without:
        without.posts.retract(admin, post_id, "withdrawn")
        task = without.posts.get(post_id).take_down("mastodon")
        assert task is not None
        assert task.by_hand
        assert task.open
        report = tick(without, steps=["takedowns"])
        assert report.step("takedowns").counts["by_hand"] == 1
    assert len(rig.mastodon.statuses()) == 1
    again, _ = _open(url, rig)
    with again:
        report = tick(again, steps=["takedowns"])
        assert report.step("takedowns").counts == {"taken_down": 1, "failed": 0, "by_hand": 0}
        assert again.posts.get(post_id).status is PostStatus.RETRACTED
    assert rig.mastodon.statuses() == []

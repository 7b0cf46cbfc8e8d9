"""The Post aggregate's retraction rules with take-downs (issue 11, item 2): no I/O here.

A retraction records a take-down for every platform the post is live on (through the
gateway for those the application names, a task for staff for the others); the post is
retracting while any is open, retracted once none is, and never retracted while live.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from libops import Actor, Platform, Post, PostStatus
from libops.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NoTakeDownError,
    PermissionDeniedError,
    PlatformNotTargetedError,
    TakeDownUrlError,
)
from libops.domain.post import web_address
from tests.helpers import refused
from tests.unit.test_post import NOW, approved, receipt


def published(planner: Actor, reviewer: Actor, admin: Actor, *on: Platform) -> Post:
    """A Weibo and WeChat post, published on ``on`` (both by default)."""
    post = approved(planner, reviewer)
    for platform in on or (Platform.WEIBO, Platform.WECHAT):
        post.record_published(admin, receipt(platform, f"{platform.value}-1"))
    post.collect_events()
    return post


def status(post: Post) -> PostStatus:
    """The post's status, read afresh (so that a type checker does not keep an earlier one)."""
    return post.status


def names(post: Post) -> list[str]:
    return [type(e).__name__ for e in post.collect_events()]


class TestRetract:
    def test_a_live_post_is_retracting_with_a_take_down_per_platform(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Through the gateway where the application says it can, by hand elsewhere."""
        post = published(planner, reviewer, admin)
        post.retract(admin, "wrong date", through_gateway=["weibo"])
        assert names(post) == ["Retracted", "TakeDownRequested", "TakeDownRequested"]
        assert post.status is PostStatus.RETRACTING
        assert post.withdrawn
        assert post.live_platforms() == (Platform.WEIBO, Platform.WECHAT)
        weibo, wechat = post.take_down("weibo"), post.take_down("wechat")
        assert weibo is not None
        assert wechat is not None
        assert (weibo.external_id, weibo.by_hand, weibo.open) == ("weibo-1", False, True)
        assert (wechat.external_id, wechat.by_hand) == ("wechat-1", True)
        assert wechat.reason == "no wechat gateway that can take posts down is configured"
        assert post.open_take_downs() == (weibo, wechat)

    def test_a_post_live_nowhere_is_retracted_at_once(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """Nothing published: one Retracted event, as before take-downs existed."""
        post = approved(planner, reviewer)
        post.collect_events()
        post.retract(admin, "not needed")
        assert names(post) == ["Retracted"]
        assert post.status is PostStatus.RETRACTED
        assert post.take_down("weibo") is None

    def test_taken_down_and_confirmed_make_it_retracted(
        self, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """The last take-down closed (by the gateway or by staff) makes the post retracted;
        the variants stay published (they went out) but live nowhere."""
        post = published(planner, reviewer, admin)
        post.retract(admin, "wrong date", through_gateway=[Platform.WEIBO])
        post.record_taken_down(tech, "weibo", NOW)
        assert status(post) is PostStatus.RETRACTING
        assert post.taken_down_at("weibo") == NOW
        assert post.live_platforms() == (Platform.WECHAT,)
        later = NOW + timedelta(hours=2)
        post.confirm_take_down(admin, "wechat", "deleted in the app", now=later)
        assert post.status is PostStatus.RETRACTED
        assert post.live_platforms() == ()
        wechat = post.take_down("wechat")
        assert wechat is not None
        assert (wechat.done_at, wechat.confirmed_by, wechat.note, wechat.url) == (
            later,
            admin.id,
            "deleted in the app",
            None,
        )
        assert names(post)[-2:] == ["TakenDown", "TakeDownConfirmed"]

    def test_a_failure_keeps_it_open_and_a_refusal_leaves_it_to_staff(
        self, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """A retryable failure keeps the take-down with the gateway; a refusal for good
        turns it into a task for staff with the platform's words."""
        post = published(planner, reviewer, admin, Platform.WEIBO)
        post.retract(admin, "wrong date", through_gateway="weibo")
        post.record_take_down_failure(tech, "weibo", "timeout", True, NOW)
        failed = post.take_down("weibo")
        assert failed is not None
        assert (failed.by_hand, failed.retryable, failed.error) == (False, True, "timeout")
        assert failed.retriable_through_gateway
        post.record_take_down_failure(tech, "weibo", "403 forbidden", False, NOW)
        refused_for_good = post.take_down("weibo")
        assert refused_for_good is not None
        assert (refused_for_good.by_hand, refused_for_good.retriable_through_gateway) == (
            True,
            False,
        )
        assert refused_for_good.reason == "the platform refused: 403 forbidden"
        assert post.status is PostStatus.RETRACTING
        assert names(post)[-2:] == ["TakeDownFailed", "TakeDownFailed"]

    def test_replayed_it_reads_the_same(
        self, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """The state comes from the events alone: a replay gives the same take-downs."""
        post = approved(planner, reviewer)
        post.record_published(admin, receipt(Platform.WEIBO, "weibo-1"))
        post.retract(admin, "wrong date", through_gateway=["weibo"])
        post.record_take_down_failure(tech, "weibo", "timeout", True, NOW)
        replayed: Any = None
        for event in post.collect_events():
            replayed = event.mutate(replayed)
        assert replayed.status is PostStatus.RETRACTING
        assert replayed.take_down("weibo") == post.take_down("weibo")
        assert replayed.live_platforms() == (Platform.WEIBO,)


class TestRefused:
    def test_retracting_twice_or_naming_a_platform_not_live(
        self, planner: Actor, reviewer: Actor, admin: Actor
    ) -> None:
        """A retracting post is not retracted again; a platform the post is not live on
        (or has no variant for) cannot be taken down through a gateway."""
        post = published(planner, reviewer, admin, Platform.WEIBO)
        refused(
            post,
            InvalidValueError,
            lambda: post.retract(admin, "x", through_gateway=["wechat"]),
        )
        refused(
            post,
            PlatformNotTargetedError,
            lambda: post.retract(admin, "x", through_gateway=["douyin"]),
        )
        refused(post, PermissionDeniedError, lambda: post.retract(planner, "x"))
        post.retract(admin, "wrong date")
        post.collect_events()
        refused(post, InvalidTransitionError, lambda: post.retract(admin, "again"))
        refused(post, InvalidTransitionError, lambda: post.declare_origin(planner, "reposted"))

    @pytest.mark.parametrize(
        ("action", "message"),
        [
            ("confirm", "it is approved, not retracted"),
            ("record", "it is approved, not retracted"),
            ("fail", "it is approved, not retracted"),
        ],
    )
    def test_no_take_down_before_a_retraction(
        self, planner: Actor, reviewer: Actor, admin: Actor, action: str, message: str
    ) -> None:
        """An approved, published post has no take-down to record, fail or confirm."""
        post = published(planner, reviewer, admin, Platform.WEIBO)
        calls = {
            "confirm": lambda: post.confirm_take_down(admin, "weibo", "done", now=NOW),
            "record": lambda: post.record_taken_down(admin, "weibo", NOW),
            "fail": lambda: post.record_take_down_failure(admin, "weibo", "x", True, NOW),
        }
        assert message in str(refused(post, NoTakeDownError, calls[action]))

    def test_confirming_twice_or_where_not_live(
        self, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor
    ) -> None:
        """Twice, or a platform the post was not live on: NoTakeDownError, saying why."""
        post = published(planner, reviewer, admin, Platform.WEIBO)
        post.retract(admin, "wrong date")
        error = refused(
            post, NoTakeDownError, lambda: post.confirm_take_down(admin, "wechat", "x", now=NOW)
        )
        assert "not live on wechat when it was retracted" in str(error)
        post.confirm_take_down(tech, "weibo", "deleted", now=NOW)
        post.collect_events()
        error = refused(
            post, NoTakeDownError, lambda: post.confirm_take_down(admin, "weibo", "x", now=NOW)
        )
        assert "confirmed by hand already" in str(error)
        refused(post, NoTakeDownError, lambda: post.record_taken_down(tech, "weibo", NOW))

    def test_bad_notes_addresses_times_and_people(
        self, planner: Actor, reviewer: Actor, admin: Actor, tech: Actor, auditor: Actor
    ) -> None:
        """Each bad field gets its own error and changes nothing."""
        post = published(planner, reviewer, admin, Platform.WEIBO)
        post.retract(admin, "wrong date", through_gateway=["weibo"])
        post.collect_events()

        def confirm(who: Actor = admin, note: str = "deleted", url: Any = None) -> Any:
            return lambda: post.confirm_take_down(who, "weibo", note, url, now=NOW)

        refused(post, InvalidValueError, confirm(note=""))
        for url in ("weibo.com/x", "mailto:a@b.cn", "https://", "http://a b", 42, "", "http://[x"):
            refused(post, TakeDownUrlError, confirm(url=url))
        refused(post, PermissionDeniedError, confirm(who=planner))
        refused(post, PermissionDeniedError, confirm(who=auditor))
        naive = NOW.replace(tzinfo=None)
        refused(post, InvalidValueError, lambda: post.record_taken_down(tech, "weibo", naive))
        refused(
            post,
            InvalidValueError,
            lambda: post.record_take_down_failure(tech, "weibo", "x", "yes", NOW),  # type: ignore[arg-type]  # a wrong type on purpose
        )
        refused(post, PermissionDeniedError, lambda: post.record_taken_down(planner, "weibo", NOW))
        refused(post, PlatformNotTargetedError, lambda: post.check_can_take_down(tech, "douyin"))
        assert post.check_can_take_down(tech, "weibo").platform is Platform.WEIBO


class TestWebAddress:
    """The one check of a web address a post's record holds (take-downs, publications by
    hand)."""

    def test_accepts_http_and_https_with_a_host(self) -> None:
        """An http(s) URL with a host comes back without its surrounding spaces."""
        assert web_address(" https://weibo.com/1/x?a=b \n") == "https://weibo.com/1/x?a=b"
        assert web_address("http://127.0.0.1:8080/p") == "http://127.0.0.1:8080/p"

    def test_refuses_anything_else(self) -> None:
        """No host, another scheme, spaces, control characters, too long, not text: None."""
        for value in (
            None,
            42,
            "",
            "   ",
            "weibo.com/x",
            "ftp://weibo.com/x",
            "https://",
            "http://a b",
            "http://a\tb",
            "http://[::1/x",
            "https://weibo.com/" + "x" * 2_000,
        ):
            assert web_address(value) is None, value

"""Publishing by hand: the hand-off of the approved variant, and recording where it went."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from libops.application.publishing import RecordManualPublication
from libops.domain.errors import (
    AlreadyPublishedError,
    InvalidTransitionError,
    InvalidValueError,
    ManualPublicationUrlError,
    PermissionDeniedError,
    PlatformNotTargetedError,
)
from libops.domain.post import PlatformStatus
from libops.domain.values import Platform
from tests.helpers import refused
from tests.integration.test_publishing import approved_post, drafted_post

URL = "https://mp.weixin.qq.com/s/AbCdEf123"


@pytest.fixture
def hand(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    """libops on each kind of store, with no gateway at all: everything goes by hand."""
    with LibOps.open(store_url, clock=clock, migrate=True) as opened:
        yield opened


def test_handoff_then_record(
    hand: LibOps, planner: Actor, reviewer: Actor, admin: Actor, clock: ManualClock
) -> None:
    post_id = approved_post(hand, planner, reviewer, Platform.WECHAT, Platform.WEIBO)
    hand.posts.schedule(admin, post_id, "wechat", clock.now() + timedelta(hours=2))
    handoff = hand.publishing.handoff(admin, post_id, "wechat")
    variant = hand.posts.get(post_id).variant(Platform.WECHAT)
    assert handoff.text == variant.text
    assert handoff.media == ("cover.jpg",)
    assert handoff.scheduled_at == clock.now() + timedelta(hours=2)
    assert any("Upload the 1 media" in step for step in handoff.checklist)
    assert handoff.to_json()["text"] == variant.text
    clock.advance(timedelta(hours=3))
    at = clock.now() - timedelta(minutes=30)
    receipt = hand.publishing.record_manual_publication(
        admin, post_id, "wechat", url=URL, published_at=at
    )
    assert receipt.url == URL
    assert receipt.external_id == URL
    assert receipt.published_at == at
    post = hand.posts.get(post_id)
    assert post.platform_status(Platform.WECHAT) is PlatformStatus.PUBLISHED
    assert post.platform_status(Platform.WEIBO) is not PlatformStatus.PUBLISHED
    assert post.receipt(Platform.WECHAT) == receipt
    # The slot was released: nothing is due on WeChat any more.
    assert hand.publishing.publish_due(admin) == []
    # Through the one command path, with an external id.
    weibo = hand.execute(
        admin,
        RecordManualPublication(
            post_id, "weibo", url="https://weibo.com/123/Nabc", external_id="5012345"
        ),
    )
    assert weibo.external_id == "5012345"
    assert weibo.published_at == clock.now()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "weibo.com/123",
        "ftp://weibo.com/x",
        "https://",
        "javascript:alert(1)",
        "http://a b/c",
        "http://[::1/x",  # an unbalanced bracket: urlsplit itself refuses it
        "https://weibo.com/" + "x" * 2_000,
    ],
)
def test_bad_url_records_nothing(
    hand: LibOps, planner: Actor, reviewer: Actor, admin: Actor, url: str
) -> None:
    post_id = approved_post(hand, planner, reviewer)
    refused(
        hand,
        ManualPublicationUrlError,
        lambda: hand.publishing.record_manual_publication(admin, post_id, "weibo", url=url),
    )


def test_refusals_record_nothing(
    hand: LibOps, planner: Actor, reviewer: Actor, admin: Actor, clock: ManualClock
) -> None:
    draft = drafted_post(hand, planner)
    refused(
        hand,
        InvalidTransitionError,
        lambda: hand.publishing.record_manual_publication(admin, draft, "weibo", url=URL),
    )
    refused(hand, InvalidTransitionError, lambda: hand.publishing.handoff(admin, draft, "weibo"))
    post_id = approved_post(hand, planner, reviewer)
    refused(
        hand,
        PlatformNotTargetedError,
        lambda: hand.publishing.record_manual_publication(admin, post_id, "douyin", url=URL),
    )
    refused(
        hand,
        PermissionDeniedError,
        lambda: hand.publishing.record_manual_publication(planner, post_id, "weibo", url=URL),
    )
    refused(
        hand,
        InvalidValueError,
        lambda: hand.publishing.record_manual_publication(
            admin, post_id, "weibo", url=URL, published_at=clock.now() + timedelta(hours=1)
        ),
    )
    hand.publishing.record_manual_publication(admin, post_id, "weibo", url=URL)
    refused(
        hand,
        AlreadyPublishedError,
        lambda: hand.publishing.record_manual_publication(admin, post_id, "weibo", url=URL),
    )
    refused(hand, AlreadyPublishedError, lambda: hand.publishing.handoff(admin, post_id, "weibo"))

"""A platform added in a test works end to end without touching libops's code; the library's
own channels; own metrics through the store and the views; `libops platforms --json`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import attrs
import pytest
from typer.testing import CliRunner

from libops import (
    Actor,
    LibOps,
    MetricSnapshot,
    OwnMetric,
    Period,
    Platform,
    PlatformLimits,
    PlatformProfile,
    PostVariant,
    ReviewChecklist,
)
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.cli import app
from libops.domain.errors import (
    DuplicatePlatformError,
    InvalidValueError,
    NotAPublishingPlatformError,
    OwnMetricError,
    PlatformProfileError,
    VariantLimitError,
)
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.platforms import REGISTRY, MetricKind, registered
from libops.domain.post import MetricOutcome, PlatformStatus
from libops.report import build_report, render_markdown
from tests.helpers import count_events, refused

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)

TESTVIDEO = PlatformProfile(
    "testvideo",
    "测试视频",
    "Test Video",
    PlatformLimits(max_text_length=40, max_media=2, allows_links=False, requires_media=True),
    reports=frozenset(("views", "likes", "comments", "shares")),
    metrics=(OwnMetric("spins", "转发抽奖", "spins", MetricKind.COUNT),),
    denominator="views",
)
"""A made-up Kuaishou-like platform: 40 characters, up to 2 media, one own count."""


@pytest.fixture
def testvideo() -> Iterator[Platform]:
    """The made-up platform, registered for the test only."""
    with registered(TESTVIDEO) as (platform,):
        yield platform
    assert "testvideo" not in REGISTRY


@pytest.fixture
def tv_ops(
    store_url: str, clock: ManualClock, testvideo: Platform
) -> Iterator[tuple[LibOps, SandboxPlatform]]:
    """libops on each kind of store with a sandbox gateway for the made-up platform, which is
    also given to ``LibOps.open`` (registered already: the same profile again is accepted)."""
    sandbox = SandboxPlatform("testvideo", seed="tv", clock=clock)
    with LibOps.open(
        store_url, clock=clock, migrate=True, gateways=[sandbox], platforms=[TESTVIDEO]
    ) as opened:
        yield opened, sandbox


def _draft(ops: LibOps, planner: Actor, campaign_id: UUID, text: str) -> UUID:
    return ops.posts.draft(
        planner,
        title="Night at the library",
        body="Our night opening, in one short video.",
        content_type="news",
        format="video",
        campaign_id=campaign_id,
        variants=[PostVariant("testvideo", text, media=("night.mp4",))],
    )


class TestAPlatformAddedInATest:
    def test_end_to_end(
        self,
        tv_ops: tuple[LibOps, SandboxPlatform],
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """Plan, draft (limits enforced), publish through the sandbox, record a snapshot with
        its own metric, see it in the engagement view and the report, on every store."""
        ops, sandbox = tv_ops
        campaign_id = ops.campaigns.plan(
            planner,
            name="Night opening",
            kind="topic",
            period=Period(date(2026, 3, 1), date(2026, 3, 31)),
            platforms=["testvideo"],
        )
        assert Platform("testvideo") in ops.campaigns.get(campaign_id).platforms
        # Its limits apply: 41 characters are refused, and nothing is recorded.
        error = refused(ops, VariantLimitError, lambda: _draft(ops, planner, campaign_id, "x" * 41))
        assert "testvideo allows 40" in str(error)
        post_id = _draft(ops, planner, campaign_id, "Night opening, Friday 20:00")
        ops.posts.submit_for_review(planner, post_id)
        ops.posts.review(reviewer, post_id, CHECKED, approve=True)
        receipt = ops.publishing.publish(admin, post_id, "testvideo")
        assert receipt.platform is Platform("testvideo")
        assert sandbox.published() == [receipt]
        assert ops.posts.get(post_id).platform_status(Platform("testvideo")) is (
            PlatformStatus.PUBLISHED
        )

        clock.advance(timedelta(hours=3))
        snapshot = MetricSnapshot(
            "testvideo", clock.now(), views=400, likes=30, shares=5, extra={"spins": 7}
        )
        assert ops.posts.record_metrics(tech, post_id, snapshot) is MetricOutcome.RECORDED
        # A changed own metric alone is a new reading, not a repeat.
        later = MetricSnapshot(
            "testvideo",
            clock.now() + timedelta(minutes=1),
            views=400,
            likes=30,
            shares=5,
            extra={"spins": 9},
        )
        clock.advance(timedelta(minutes=1))
        assert ops.posts.record_metrics(tech, post_id, later) is MetricOutcome.RECORDED
        # An own metric the profile does not declare is refused and records nothing.
        wrong = MetricSnapshot  # built inside the lambda: the snapshot itself is refused
        refused(
            ops,
            OwnMetricError,
            lambda: ops.posts.record_metrics(
                tech, post_id, wrong("testvideo", clock.now(), views=1, extra={"coins": 1})
            ),
        )
        # Read back from the store, the snapshot keeps its own metric.
        assert ops.posts.get(post_id).latest_metrics(Platform("testvideo")) == later

        engine = ops.projections
        engine.run()
        doc = engine.get("engagement", f"post:{post_id}:testvideo")
        assert doc is not None
        assert (doc["views"], doc["engagements"], doc["denominator"]) == (400, 35, "views")
        assert doc["engagement_rate"] == "0.0875"
        assert doc["extra"] == {"spins": 9}

        for lang, name in (("en", "Test Video"), ("zh", "测试视频")):
            report = build_report(ops, lang=lang)
            text = render_markdown(report)
            assert name in text, lang

    def test_unregistered_after_the_test(self) -> None:
        """Outside the ``registered`` block the made-up id is refused again."""
        with pytest.raises(InvalidValueError, match="'testvideo' is not a Platform"):
            PostVariant("testvideo", "hello", media=("a.mp4",))


class TestOpenRegisters:
    def test_open_registers_its_platforms(self, clock: ManualClock) -> None:
        """``LibOps.open(platforms=...)`` registers the profiles process-wide."""
        profile = attrs.evolve(TESTVIDEO, id="testopen")
        try:
            with LibOps.open("memory://", clock=clock, platforms=[profile]):
                assert Platform("testopen").value == "testopen"
            assert "testopen" in Platform  # process-wide: it outlives the store
        finally:
            REGISTRY.unregister("testopen")

    def test_bad_platforms_refused_before_opening(self, clock: ManualClock) -> None:
        """Anything but profiles, or a profile under a taken id, is refused."""
        with pytest.raises(PlatformProfileError, match="not a PlatformProfile"):
            LibOps.open("memory://", clock=clock, platforms=["testvideo"])  # type: ignore[list-item]
        taken = attrs.evolve(TESTVIDEO, id="weibo")
        with pytest.raises(DuplicatePlatformError):
            LibOps.open("memory://", clock=clock, platforms=[taken])


class TestOwnChannels:
    def test_a_website_question_is_recorded_as_such(self, ops: LibOps, planner: Actor) -> None:
        """A question asked on the website form is recorded with the channel ``website``."""
        question_id = ops.questions.receive(
            planner,
            platform="website",
            text="Can I renew a loan by e-mail?",
            asker=PersonalInfo(name="A reader", handle="reader@example.org"),
            consent=Consent("Questions to City Library", ops.clock.now()),
        )
        assert ops.questions.get(question_id).platform is Platform.WEBSITE

    def test_no_post_variant_for_the_desk(self, ops: LibOps, planner: Actor) -> None:
        """A post variant for the desk is refused with its own error, and nothing recorded."""
        before = count_events(ops)
        with pytest.raises(NotAPublishingPlatformError, match="desk is one of the library's"):
            ops.posts.draft(
                planner,
                title="Closed on Monday",
                body="The library is closed on Monday.",
                content_type="news",
                format="image_text",
                variants=[PostVariant("desk", "Closed on Monday")],
            )
        assert count_events(ops) == before

    def test_no_sandbox_for_a_channel(self, clock: ManualClock) -> None:
        """A gateway cannot be made for a channel nothing is published on."""
        with pytest.raises(NotAPublishingPlatformError):
            SandboxPlatform("telephone", seed=1, clock=clock)


@pytest.fixture
def wechat_ops(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    """libops on each kind of store with a WeChat sandbox."""
    wechat = SandboxPlatform("wechat", seed="w", clock=clock)
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[wechat]) as opened:
        yield opened


class TestWechatOwnMetrics:
    def test_wows_feed_the_wci(
        self,
        wechat_ops: LibOps,
        clock: ManualClock,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
        tech: Actor,
    ) -> None:
        """在看 recorded as WeChat's own metric is the WCI's Z; without it Z is 0."""
        ops = wechat_ops
        post_id = ops.posts.draft(
            planner,
            title="Reading list",
            body="Ten books for spring.",
            content_type="knowledge",
            format="image_text",
            variants=[PostVariant("wechat", "Ten books for spring", media=("c.jpg",))],
        )
        ops.posts.submit_for_review(planner, post_id)
        ops.posts.review(reviewer, post_id, CHECKED, approve=True)
        ops.publishing.publish(admin, post_id, "wechat")
        clock.advance(timedelta(hours=1))
        plain = MetricSnapshot("wechat", clock.now(), reads=1000, likes=10, shares=5)
        ops.posts.record_metrics(tech, post_id, plain)
        engine = ops.projections
        engine.run()
        without = engine.get("wci", f"post:{post_id}")
        assert without["wows"] == 0
        assert "wow_recorded" not in without
        before = build_report(ops).wechat_index
        assert before is not None
        assert before.inputs_left_out == ("wows",)
        clock.advance(timedelta(hours=1))
        wows = MetricSnapshot(
            "wechat",
            clock.now(),
            reads=1000,
            likes=10,
            shares=5,
            extra={"wow": 40, "read_completion": Decimal("0.61")},
        )
        ops.posts.record_metrics(tech, post_id, wows)
        engine.run()
        doc = engine.get("wci", f"post:{post_id}")
        assert doc["wows"] == 40
        assert doc["wow_recorded"] is True
        assert Decimal(doc["wci"]) > Decimal(without["wci"])
        assert engine.get("engagement", f"post:{post_id}:wechat")["extra"] == {
            "read_completion": "0.61",
            "wow": 40,
        }
        index = build_report(ops).wechat_index
        assert index is not None
        assert "wows" in index.inputs_used
        assert index.inputs_left_out == ()


class TestPlatformsCommand:
    def test_json_lists_every_registered_profile(self, testvideo: Platform) -> None:
        """`libops platforms --json` gives every registered profile in the documented form."""
        result = CliRunner().invoke(app, ["platforms", "--json"])
        assert result.exit_code == 0, result.output
        listed = json.loads(result.output)
        ids = [p["id"] for p in listed]
        assert ids[:3] == ["weibo", "wechat", "douyin"]
        assert {"xiaohongshu", "bilibili", "wechat_channels", "kuaishou", "desk"} <= set(ids)
        assert ids[-1] == "testvideo"
        made_up = listed[-1]
        assert made_up == {
            "id": "testvideo",
            "name_zh": "测试视频",
            "name_en": "Test Video",
            "publishes": True,
            "shipped": False,
            "limits": {
                "max_text_length": 40,
                "max_media": 2,
                "allows_links": False,
                "requires_media": True,
            },
            "cadence": None,
            "reports": ["views", "likes", "comments", "shares"],
            "metrics": [
                {"id": "spins", "name_zh": "转发抽奖", "name_en": "spins", "kind": "count"}
            ],
            "denominator": "views",
        }
        wechat = listed[1]
        assert [m["id"] for m in wechat["metrics"]] == ["wow", "read_completion"]
        assert wechat["cadence"] == {"per": "week", "minimum": 3, "maximum": 4}
        desk = next(p for p in listed if p["id"] == "desk")
        assert (desk["publishes"], desk["limits"]) == (False, None)

    def test_table(self) -> None:
        """The table names each platform in both languages, and its own metrics."""
        result = CliRunner().invoke(app, ["platforms"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "哔哩哔哩" in result.output
        assert "coins (投币, count)" in result.output
        assert "no (own channel)" in result.output

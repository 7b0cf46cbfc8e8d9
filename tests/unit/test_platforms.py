"""Platform profiles and their registry: shipped profiles, bad profiles refused, Platform for
registered ids (equality, hashing, pickling, stored form), own metrics, entry points."""

from __future__ import annotations

import copy
import importlib.metadata
import json
import pickle
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder

from libops.adapters import platforms as adapter_platforms
from libops.adapters.clock import ManualClock
from libops.adapters.platforms import (
    DEFAULT_LIMITS,
    limits_for,
    load_entry_point_platforms,
    register_platforms,
)
from libops.adapters.sandbox import SandboxPlatform
from libops.adapters.transcoding import register_libops_transcodings
from libops.application.snapshots import decode_state, encode_state
from libops.domain.cadence import DEFAULT_RULES, CadencePeriod
from libops.domain.errors import (
    DuplicatePlatformError,
    InvalidValueError,
    NotAPublishingPlatformError,
    OwnMetricError,
    PlatformProfileError,
)
from libops.domain.platforms import (
    REGISTRY,
    SHIPPED,
    CadenceDefault,
    MetricKind,
    OwnMetric,
    PlatformProfile,
    default_cadence_policy,
    profile_of,
    publishing_platforms,
    register_platform,
    registered,
)
from libops.domain.schema import converter
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    limits_unchecked,
    to_platform,
)
from libops.report.words import Words, signal_title

SEEN = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
LIMITS = PlatformLimits(max_text_length=100, max_media=3)


def _profile(platform_id: str = "testvideo", **changes: Any) -> PlatformProfile:
    fields: dict[str, Any] = {
        "id": platform_id,
        "name_zh": "测试视频",
        "name_en": "Test Video",
        "limits": LIMITS,
        "metrics": (OwnMetric("spins", "转圈", "spins"),),
    }
    fields.update(changes)
    return PlatformProfile(**fields)


class TestShippedProfiles:
    def test_every_platform_of_the_issue_is_shipped(self) -> None:
        """The issue's platforms and the library's own channels are registered."""
        ids = set(REGISTRY.ids())
        assert {
            "weibo",
            "wechat",
            "douyin",
            "xiaohongshu",
            "bilibili",
            "wechat_channels",
            "kuaishou",
            "mastodon",
            "bluesky",
            "facebook",
            "instagram",
            "x",
            "website",
            "email",
            "telephone",
            "desk",
        } == REGISTRY.shipped
        assert REGISTRY.shipped <= ids
        assert REGISTRY.ids()[: len(SHIPPED)] == tuple(p.id for p in SHIPPED)

    def test_members_keep_their_spelling_and_order(self) -> None:
        """The platforms of before keep their members, values and order, first."""
        assert [p.value for p in Platform][:8] == [
            "weibo",
            "wechat",
            "douyin",
            "mastodon",
            "bluesky",
            "facebook",
            "instagram",
            "x",
        ]
        assert Platform("weibo") is Platform.WEIBO
        assert Platform.XIAOHONGSHU.value == "xiaohongshu"
        assert len(Platform) == len(REGISTRY)

    @pytest.mark.parametrize("profile", SHIPPED, ids=lambda p: p.id)
    def test_names_in_both_languages(self, profile: PlatformProfile) -> None:
        """Every shipped profile is named in Chinese and English."""
        assert profile.name("zh")
        assert profile.name("en")
        assert profile.name("zh") == profile.name_zh
        assert profile.name("en") == profile.name_en

    def test_chinese_names(self) -> None:
        """The Chinese platforms carry their Chinese names."""
        names = {p.id: p.name_zh for p in SHIPPED}
        assert names["xiaohongshu"] == "小红书"
        assert names["wechat_channels"] == "视频号"
        assert names["bilibili"] == "哔哩哔哩"
        assert names["kuaishou"] == "快手"

    def test_own_metrics_of_the_issue(self) -> None:
        """WeChat 在看 and 阅读完成率, Douyin 完播率 and watch time, Bilibili coins and 弹幕."""
        kinds = {(p.id, m.name_zh): m.kind for p in SHIPPED for m in p.metrics}
        assert kinds[("wechat", "在看")] is MetricKind.COUNT
        assert kinds[("wechat", "阅读完成率")] is MetricKind.RATIO
        assert kinds[("douyin", "完播率")] is MetricKind.RATIO
        assert kinds[("douyin", "平均播放时长")] is MetricKind.SECONDS
        assert kinds[("bilibili", "投币")] is MetricKind.COUNT
        assert kinds[("bilibili", "弹幕")] is MetricKind.COUNT

    def test_channels_do_not_publish(self) -> None:
        """The library's own channels are profiles without publishing, limits or cadence."""
        channels = [p for p in SHIPPED if not p.publishes]
        assert [p.id for p in channels] == ["website", "email", "telephone", "desk"]
        assert all(p.limits is None and p.cadence is None for p in channels)
        assert not Platform.DESK.publishes
        assert Platform.WEIBO.publishes
        assert Platform.DESK not in publishing_platforms()
        with pytest.raises(NotAPublishingPlatformError, match="desk is one of the library's"):
            PostVariant("desk", "Closed on Monday")

    def test_denominators_are_the_engagement_views(self) -> None:
        """WeChat and Weibo rate over reads, the others over views."""
        reads = {p.id for p in SHIPPED if p.denominator == "reads"}
        assert reads == {"wechat", "weibo"}

    def test_default_cadence_of_the_plan(self) -> None:
        """Weibo's and WeChat's default cadence are the operations plan's (cadence.py)."""
        rules = {r.platform: r for r in default_cadence_policy().rules}
        for rule in DEFAULT_RULES:
            assert rules[rule.platform] == rule
        assert rules[Platform.DOUYIN].per is CadencePeriod.WEEK
        assert Platform.DESK not in rules

    def test_default_limits_come_from_the_profiles(self) -> None:
        """DEFAULT_LIMITS is each publishing profile's limits; limits_for reads the profile."""
        assert set(DEFAULT_LIMITS) == set(publishing_platforms())
        assert DEFAULT_LIMITS[Platform.BILIBILI] == profile_of("bilibili").limits
        assert limits_for("xiaohongshu") == profile_of("xiaohongshu").limits
        with pytest.raises(NotAPublishingPlatformError):
            limits_for("desk")


class TestBadProfiles:
    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"id": "Test"}, "not a lowercase slug"),
            ({"id": "test-video"}, "not a lowercase slug"),
            ({"id": ""}, "not a lowercase slug"),
            ({"id": "a" * 41}, "not a lowercase slug"),
            ({"name_zh": " "}, "must not be empty"),
            ({"name_en": "two\nlines"}, "control character"),
            ({"limits": PlatformLimits(max_text_length=-1, max_media=3)}, "max_text_length"),
            ({"limits": PlatformLimits(max_text_length=10, max_media=-2)}, "max_media"),
            ({"limits": PlatformLimits(max_text_length=0, max_media=2)}, "at least 1"),
            (
                {"limits": PlatformLimits(max_text_length=10, max_media=0, requires_media=True)},
                "requires media but allows none",
            ),
            ({"limits": None}, "needs its limits"),
            ({"publishes": False}, "does not publish"),
            ({"denominator": "likes"}, "reads or views"),
            ({"reports": ["reads", "plays"]}, "plays is not a common count"),
            ({"metrics": (OwnMetric("likes", "赞", "likes"),)}, "one of the common counts"),
            (
                {"metrics": (OwnMetric("a", "甲", "a"), OwnMetric("a", "乙", "b"))},
                "declared twice",
            ),
            ({"metrics": ("spins",)}, "must be OwnMetric"),
        ],
    )
    def test_refused(self, changes: dict[str, Any], message: str) -> None:
        """A malformed profile is refused with a PlatformProfileError saying what is wrong."""
        with pytest.raises(PlatformProfileError, match=message):
            _profile(**changes)

    def test_bad_metric_and_cadence(self) -> None:
        """An own metric with a bad id or kind, a cadence that cannot be met, are refused."""
        with pytest.raises(PlatformProfileError, match="lowercase slug"):
            OwnMetric("Spins", "转圈", "spins")
        with pytest.raises(PlatformProfileError, match="not a metric kind"):
            OwnMetric("spins", "转圈", "spins", "percent")
        with pytest.raises(PlatformProfileError, match="must not pass its maximum"):
            CadenceDefault(CadencePeriod.WEEK, 5, 2)
        with pytest.raises(PlatformProfileError, match="a minimum, a maximum or both"):
            CadenceDefault(CadencePeriod.DAY)

    def test_duplicate_id(self) -> None:
        """A second profile under a registered id is refused; the same profile is a no-op."""
        with pytest.raises(DuplicatePlatformError, match="'weibo' is registered already"):
            register_platform(_profile("weibo"))
        with registered(_profile()):
            assert register_platform(_profile()) is Platform("testvideo")
            with pytest.raises(DuplicatePlatformError):
                register_platform(_profile(name_en="Another"))
        assert "testvideo" not in REGISTRY

    def test_shipped_ones_stay(self) -> None:
        """A shipped profile cannot be unregistered."""
        with pytest.raises(PlatformProfileError, match="shipped with libops"):
            REGISTRY.unregister("weibo")
        with pytest.raises(PlatformProfileError, match="only a PlatformProfile"):
            REGISTRY.register("weibo")  # type: ignore[arg-type]


class TestRegisteredPlatform:
    def test_unknown_id_gets_the_specific_error(self) -> None:
        """An id nobody registered is refused as before, the choices listed."""
        with pytest.raises(InvalidValueError, match="'testvideo' is not a Platform; expected"):
            to_platform("testvideo")
        with pytest.raises(ValueError, match="'testvideo' is not a valid Platform"):
            Platform("testvideo")

    def test_value_semantics(self) -> None:
        """A registered platform is one interned value: equal, hashable, picklable, copied
        as itself, iterated after the shipped ones, and gone when unregistered."""
        with registered(_profile()) as (platform,):
            assert platform is Platform("testvideo") is to_platform("testvideo")
            assert platform.value == "testvideo"
            assert platform.name == "TESTVIDEO"
            assert platform == Platform("testvideo")
            assert platform != Platform.WEIBO
            by_platform: dict[Platform, int] = {platform: 1}
            assert by_platform[Platform("testvideo")] == 1
            assert pickle.loads(pickle.dumps(platform)) is platform
            assert copy.deepcopy(platform) is platform
            assert list(Platform)[-1] is platform
            assert platform in Platform
            assert "testvideo" in Platform
            assert isinstance(platform, Platform)
        assert "testvideo" not in Platform
        assert platform not in Platform
        with pytest.raises(ValueError, match="'testvideo' is not a valid Platform"):
            Platform("testvideo")

    def test_stored_form_is_the_id(self) -> None:
        """The converter and the transcoder store a registered platform as its id, as the
        shipped ones; it reads back as the same value."""
        transcoder = JSONTranscoder()
        register_libops_transcodings(transcoder)
        with registered(_profile()) as (platform,):
            variant = PostVariant(platform, "hello")
            data = converter.unstructure(variant)
            assert data["platform"] == "testvideo"
            assert converter.structure(data, PostVariant) == variant
            assert transcoder.decode(transcoder.encode({"p": platform})) == {"p": platform}
            raw = json.loads(transcoder.encode({"p": platform}))
            assert raw == json.loads(transcoder.encode({"p": Platform.WEIBO})) | {"p": raw["p"]}
            assert "testvideo" in json.dumps(raw)

    def test_limits_enforced(self) -> None:
        """The profile's limits are the ones a variant must meet; a gateway's still win."""
        with registered(_profile()) as (platform,):
            assert limits_for(platform) == LIMITS
            too_long = PostVariant(platform, "x" * 101)
            assert limits_for(platform).violations(too_long) == [
                "text is 101 characters, testvideo allows 100"
            ]
            tighter = PlatformLimits(max_text_length=10, max_media=1)
            sandbox = SandboxPlatform(platform, seed=1, limits=tighter, clock=ManualClock(SEEN))
            assert limits_for(platform, [sandbox]) == tighter


class TestOwnMetrics:
    def test_recorded_and_stored(self) -> None:
        """Own metrics are checked, kept sorted, stored (counts as numbers, the others as
        decimal text) and read back equal."""
        snapshot = MetricSnapshot(
            "douyin",
            SEEN,
            views=10,
            extra={"completion_rate": Decimal("0.42"), "avg_watch_seconds": 12},
        )
        assert list(snapshot.extra) == ["avg_watch_seconds", "completion_rate"]
        assert snapshot.extra["avg_watch_seconds"] == Decimal(12)
        data = converter.unstructure(snapshot)
        assert data["extra"] == {"avg_watch_seconds": "12", "completion_rate": "0.42"}
        assert converter.structure(json.loads(json.dumps(data)), MetricSnapshot) == snapshot
        assert hash(snapshot) == hash(converter.structure(data, MetricSnapshot))

    def test_aggregate_snapshots_keep_them(self) -> None:
        """A post's stored state (an aggregate snapshot) keeps a snapshot's own metrics."""
        snapshot = MetricSnapshot(
            "wechat", SEEN, reads=5, extra={"wow": 2, "read_completion": Decimal("0.5")}
        )
        transcoder = JSONTranscoder()
        for transcoding in (DecimalAsStr(), DatetimeAsISO()):
            transcoder.register(transcoding)
        decoded = decode_state(transcoder.decode(transcoder.encode(encode_state(snapshot))))
        assert decoded.extra == snapshot.extra
        assert decoded.extra["read_completion"] == Decimal("0.5")

    def test_old_snapshots_decode_and_store_as_before(self) -> None:
        """A snapshot stored before own metrics (no ``extra``) decodes with none, and one
        without own metrics is stored exactly as before."""
        old = {
            "platform": "wechat",
            "observed_at": SEEN.isoformat(),
            "reads": 5,
            "views": 0,
            "likes": 1,
            "comments": 0,
            "shares": 0,
            "favourites": 0,
            "followers_gained": None,
        }
        snapshot = converter.structure(old, MetricSnapshot)
        assert snapshot.extra == {}
        assert not snapshot.extra
        assert converter.unstructure(snapshot) == old

    @pytest.mark.parametrize(
        ("platform", "extra", "message"),
        [
            ("wechat", {"coins": 1}, "wechat has no own metric 'coins'"),
            ("weibo", {"wow": 1}, "its own metrics: none"),
            ("wechat", {"wow": Decimal("1.5")}, "is a count: a whole number"),
            ("wechat", {"wow": -1}, "must not be negative"),
            ("wechat", {"wow": True}, "not bool"),
            ("wechat", {"wow": 1.0}, "not float"),
            ("wechat", {"read_completion": Decimal("1.2")}, "a ratio from 0 to 1"),
            ("wechat", {"read_completion": Decimal("NaN")}, "finite"),
            ("douyin", {"avg_watch_seconds": -3}, "must not be negative"),
        ],
    )
    def test_refused(self, platform: str, extra: dict[str, Any], message: str) -> None:
        """An undeclared own metric, or a value of the wrong kind, is refused."""
        with pytest.raises(OwnMetricError, match=message):
            MetricSnapshot(platform, SEEN, extra=extra)

    def test_not_a_mapping(self) -> None:
        """``extra`` must map ids to values."""
        with pytest.raises(InvalidValueError, match="extra must map"):
            MetricSnapshot("wechat", SEEN, extra=[("wow", 1)])

    def test_stored_values_read_back_unchecked(self) -> None:
        """Stored snapshots are read back as recorded, without the profile's checks."""
        with limits_unchecked():
            snapshot = MetricSnapshot("weibo", SEEN, extra={"gone": 3})
        assert snapshot.extra == {"gone": 3}

    def test_same_counts_sees_own_metrics(self) -> None:
        """A changed own metric is a change of counts."""
        first = MetricSnapshot("wechat", SEEN, reads=5, extra={"wow": 1})
        assert first.same_counts(attrs.evolve(first, extra={"wow": 1}))
        assert not first.same_counts(attrs.evolve(first, extra={"wow": 2}))


class _EntryPoint:
    def __init__(self, name: str, loaded: object) -> None:
        self.name = name
        self.value = f"tests.fake:{name}"
        self._loaded = loaded

    def load(self) -> object:
        if isinstance(self._loaded, Exception):
            raise self._loaded
        return self._loaded


class TestEntryPoints:
    def _install(self, monkeypatch: pytest.MonkeyPatch, *entries: _EntryPoint) -> None:
        def entry_points(group: str) -> list[_EntryPoint]:
            assert group == "libops.platforms"
            return list(entries)

        monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
        monkeypatch.setattr(adapter_platforms, "_loaded_entry_points", False)

    def test_profiles_and_lists_of_them_register_once(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An entry point may give a profile or an iterable of them; loading is once."""
        two = [_profile("testone"), _profile("testtwo")]
        self._install(monkeypatch, _EntryPoint("one", _profile()), _EntryPoint("many", two))
        try:
            found = load_entry_point_platforms()
            assert [p.value for p in found] == ["testvideo", "testone", "testtwo"]
            assert load_entry_point_platforms() == ()  # once per process
        finally:
            for platform_id in ("testvideo", "testone", "testtwo"):
                if platform_id in REGISTRY:
                    REGISTRY.unregister(platform_id)

    @pytest.mark.parametrize(
        ("loaded", "message"),
        [
            (ImportError("no module named tests.fake"), "does not load: no module named"),
            ("testvideo", "not a PlatformProfile"),
            ([_profile(), "x"], "gives 'x', which is not a PlatformProfile"),
            (_profile("weibo"), "'weibo' is registered already"),
        ],
    )
    def test_errors_name_the_entry_point(
        self, monkeypatch: pytest.MonkeyPatch, loaded: object, message: str
    ) -> None:
        """A broken entry point is refused with an error naming it."""
        self._install(monkeypatch, _EntryPoint("broken", loaded))
        with pytest.raises(PlatformProfileError, match=message) as error:
            load_entry_point_platforms()
        assert "entry point 'broken' (tests.fake:broken) in libops.platforms" in str(error.value)
        assert "testvideo" not in REGISTRY

    def test_register_platforms_checks_each(self) -> None:
        """``LibOps.open(platforms=...)`` takes profiles only."""
        with pytest.raises(PlatformProfileError, match="not a PlatformProfile"):
            register_platforms(["weibo"])  # type: ignore[list-item]


class TestReportNames:
    def test_registered_platform_named_by_its_profile(self) -> None:
        """The report names a platform without a catalogue entry by its profile."""
        assert Words("zh").label("xiaohongshu") == "小红书"
        assert Words("en").label("wechat_channels") == "WeChat Channels"
        assert Words("zh").label("weibo") == "微博"  # the catalogue's, as before
        with registered(_profile()):
            assert Words("zh").label("testvideo") == "测试视频"
            found = signal_title("Unusual metrics for a post on testvideo")
            assert found is not None
            assert found[1]["platform"] == "testvideo"
        assert signal_title("Unusual metrics for a post on testvideo") is None

"""Platforms as data: each platform's (or channel's) profile, and the registry of them.

A :class:`PlatformProfile` names a platform in Chinese and English and says what it takes in
one post (its :class:`~libops.domain.values.PlatformLimits`), whether the library publishes
there at all (its own channels, the website form, e-mail, telephone and the desk, do not),
its default cadence, which of the common counts it reports, its own metrics (WeChat's 在看,
Douyin's 完播率, Bilibili's coins, ...) and which count is its engagement rate's denominator.

The registry is process-wide. libops registers the profiles below when this module is first
imported; more are registered by entry points in the ``libops.platforms`` group (loaded by
:func:`libops.adapters.platforms.load_entry_point_platforms`, which ``LibOps.open`` calls)
or by ``LibOps.open(url, platforms=[...])``. :func:`registered` registers profiles for the
span of a ``with`` block (tests). Nothing here does I/O.

The limits are those of an ordinary post made by hand in each platform's own app or web
composer, as found in its documentation (sources in the comments); a platform adapter
declares the limits of the API it calls, and those win
(:func:`libops.adapters.platforms.limits_for`).
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from typing import Any, Final

import attrs

from libops.domain.cadence import CadencePeriod, CadencePolicy, CadenceRule
from libops.domain.errors import (
    DuplicatePlatformError,
    InvalidValueError,
    OwnMetricError,
    PlatformProfileError,
)
from libops.domain.values import (
    COMMON_COUNTS,
    COUNT_MAX,
    Platform,
    PlatformLimits,
    require_line,
    use_platform_directory,
)

PLATFORM_ID: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")
"""A platform's id: a lowercase slug (a letter, then letters, digits or ``_``; at most 40)."""

METRIC_ID: Final = PLATFORM_ID
"""A platform's own metric's id has the same shape."""

DENOMINATORS: Final = ("reads", "views")
"""The counts an engagement rate may divide by."""


class MetricKind(enum.Enum):
    """What a platform's own metric measures, which fixes the values it takes."""

    COUNT = "count"
    """A whole number from 0 (在看, coins, 弹幕)."""
    RATIO = "ratio"
    """A decimal from 0 to 1 (完播率 0.42, 阅读完成率)."""
    SECONDS = "seconds"
    """A duration in seconds, whole or decimal, from 0 (average watch time)."""


def _slug(what: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or PLATFORM_ID.fullmatch(value) is None:
            raise PlatformProfileError(
                f"{what} {value!r} is not a lowercase slug (a letter, then letters, digits "
                "or _, at most 40 characters)"
            )

    return check


def _name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    try:
        require_line(attribute.name, value)
    except InvalidValueError as error:
        raise PlatformProfileError(str(error)) from None


def _kind(value: MetricKind | str) -> MetricKind:
    try:
        return value if isinstance(value, MetricKind) else MetricKind(value)
    except ValueError:
        kinds = ", ".join(k.value for k in MetricKind)
        raise PlatformProfileError(
            f"{value!r} is not a metric kind; expected one of: {kinds}"
        ) from None


@attrs.frozen
class OwnMetric:
    """A metric one platform reports besides the common counts."""

    id: str = attrs.field(validator=_slug("a metric id"))
    name_zh: str = attrs.field(validator=_name)
    name_en: str = attrs.field(validator=_name)
    kind: MetricKind = attrs.field(default=MetricKind.COUNT, converter=_kind)

    def check(self, platform: str, value: object) -> int | Decimal:
        """``value`` if it is a value of this metric's kind (ratios and seconds as Decimal)."""
        where = f"{platform}'s {self.id} ({self.name_en})"
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise OwnMetricError(
                f"{where} must be a whole number or a Decimal, not {type(value).__name__}"
            )
        if isinstance(value, Decimal) and not value.is_finite():
            raise OwnMetricError(f"{where} must be a finite number, not {value}")
        if value < 0:
            raise OwnMetricError(f"{where} must not be negative ({value})")
        if self.kind is MetricKind.COUNT:
            if not isinstance(value, int):
                raise OwnMetricError(f"{where} is a count: a whole number, not {value}")
            if value > COUNT_MAX:
                raise OwnMetricError(f"{where} is above {COUNT_MAX:,}")
            return value
        if self.kind is MetricKind.RATIO and value > 1:
            raise OwnMetricError(f"{where} is a ratio from 0 to 1, not {value}")
        if self.kind is MetricKind.SECONDS and value > COUNT_MAX:
            raise OwnMetricError(f"{where} is above {COUNT_MAX:,} seconds")
        return Decimal(value)


def _metrics(values: Iterable[OwnMetric]) -> tuple[OwnMetric, ...]:
    metrics = tuple(values)
    seen: set[str] = set()
    for metric in metrics:
        if not isinstance(metric, OwnMetric):
            raise PlatformProfileError(f"own metrics must be OwnMetric values, not {metric!r}")
        if metric.id in COMMON_COUNTS:
            raise PlatformProfileError(
                f"own metric {metric.id!r} is one of the common counts; list it in reports"
            )
        if metric.id in seen:
            raise PlatformProfileError(f"own metric {metric.id!r} is declared twice")
        seen.add(metric.id)
    return metrics


def _reports(values: Iterable[str]) -> frozenset[str]:
    reports = frozenset(values)
    unknown = sorted(reports - set(COMMON_COUNTS))
    if unknown:
        raise PlatformProfileError(
            f"{', '.join(unknown)} is not a common count; expected some of: "
            f"{', '.join(COMMON_COUNTS)}"
        )
    return reports


@attrs.frozen
class CadenceDefault:
    """A profile's default cadence: at least ``minimum`` and at most ``maximum`` posts per
    day or per ISO week (see :class:`~libops.domain.cadence.CadenceRule`)."""

    per: CadencePeriod = attrs.field(converter=CadencePeriod)
    minimum: int | None = None
    maximum: int | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("minimum", "maximum"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise PlatformProfileError(f"a default cadence's {name} must be 0 or more")
        if self.minimum is None and self.maximum is None:
            raise PlatformProfileError("a default cadence needs a minimum, a maximum or both")
        if self.maximum == 0 or (
            self.minimum is not None and self.maximum is not None and self.minimum > self.maximum
        ):
            raise PlatformProfileError(
                f"a default cadence's minimum ({self.minimum}) must not pass its "
                f"maximum ({self.maximum}), and the maximum must be above 0"
            )


def _limits(instance: PlatformProfile, attribute: Any, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, PlatformLimits):
        raise PlatformProfileError(f"limits must be PlatformLimits, not {value!r}")
    for name in ("max_text_length", "max_media"):
        number = getattr(value, name)
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise PlatformProfileError(
                f"{instance.id}'s {name} must be a whole number of 0 or more, not {number!r}"
            )
    if value.max_text_length < 1:
        raise PlatformProfileError(f"{instance.id}'s max_text_length must be at least 1")
    for name in ("allows_links", "requires_media"):
        if not isinstance(getattr(value, name), bool):
            raise PlatformProfileError(f"{instance.id}'s {name} must be true or false")
    if value.requires_media and value.max_media < 1:
        raise PlatformProfileError(f"{instance.id} requires media but allows none")


@attrs.frozen
class PlatformProfile:
    """What libops knows of one platform or channel (see the module's docstring)."""

    id: str = attrs.field(validator=_slug("a platform id"))
    name_zh: str = attrs.field(validator=_name)
    name_en: str = attrs.field(validator=_name)
    limits: PlatformLimits | None = attrs.field(default=None, validator=_limits)
    publishes: bool = True
    cadence: CadenceDefault | None = None
    reports: frozenset[str] = attrs.field(
        default=frozenset(("likes", "comments", "shares")), converter=_reports
    )
    metrics: tuple[OwnMetric, ...] = attrs.field(default=(), converter=_metrics)
    denominator: str = "views"

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.publishes, bool):
            raise PlatformProfileError("publishes must be true or false")
        if self.publishes and self.limits is None:
            raise PlatformProfileError(f"{self.id} publishes, so it needs its limits")
        if not self.publishes and (self.limits is not None or self.cadence is not None):
            raise PlatformProfileError(
                f"{self.id} does not publish, so it has no post limits and no cadence"
            )
        if self.cadence is not None and not isinstance(self.cadence, CadenceDefault):
            raise PlatformProfileError(f"cadence must be a CadenceDefault, not {self.cadence!r}")
        if self.denominator not in DENOMINATORS:
            raise PlatformProfileError(
                f"{self.id}'s engagement-rate denominator must be reads or views, "
                f"not {self.denominator!r}"
            )

    def name(self, lang: str) -> str:
        """The platform's name in ``lang`` (``zh`` or ``en``)."""
        return self.name_zh if lang == "zh" else self.name_en

    def metric(self, metric_id: str) -> OwnMetric:
        """The own metric ``metric_id`` (a specific error when the profile has none such)."""
        for metric in self.metrics:
            if metric.id == metric_id:
                return metric
        declared = ", ".join(m.id for m in self.metrics) or "none"
        raise OwnMetricError(
            f"{self.id} has no own metric {metric_id!r}; its own metrics: {declared}"
        )

    def to_data(self) -> dict[str, Any]:
        """The profile as plain JSON-ready data: the form ``libops platforms --json`` prints
        (documented in docs/platforms.md; keys only ever added)."""
        limits = self.limits
        cadence = self.cadence
        return {
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "publishes": self.publishes,
            "shipped": self.id in REGISTRY.shipped,
            "limits": None
            if limits is None
            else {
                "max_text_length": limits.max_text_length,
                "max_media": limits.max_media,
                "allows_links": limits.allows_links,
                "requires_media": limits.requires_media,
            },
            "cadence": None
            if cadence is None
            else {"per": cadence.per.value, "minimum": cadence.minimum, "maximum": cadence.maximum},
            "reports": [name for name in COMMON_COUNTS if name in self.reports],
            "metrics": [
                {"id": m.id, "name_zh": m.name_zh, "name_en": m.name_en, "kind": m.kind.value}
                for m in self.metrics
            ],
            "denominator": self.denominator,
        }

    def cadence_rule(self) -> CadenceRule | None:
        """The default cadence as a rule (the profile must be registered)."""
        if self.cadence is None:
            return None
        return CadenceRule(
            self.id, self.cadence.per, minimum=self.cadence.minimum, maximum=self.cadence.maximum
        )


# --- the registry ------------------------------------------------------------------------


class PlatformRegistry:
    """The registered profiles by id, in the order they were registered (process-wide)."""

    def __init__(self, shipped: Iterable[PlatformProfile] = ()) -> None:
        self._lock = threading.RLock()
        self._profiles: dict[str, PlatformProfile] = {}
        self._ids: tuple[str, ...] = ()
        self._id_set: frozenset[str] = frozenset()
        for profile in shipped:
            self.register(profile)
        self.shipped: Final = frozenset(self._profiles)

    def register(self, profile: PlatformProfile) -> PlatformProfile:
        """Add ``profile``; the same profile again is a no-op, another under its id refused."""
        if not isinstance(profile, PlatformProfile):
            raise PlatformProfileError(
                f"only a PlatformProfile can be registered, not {type(profile).__name__}"
            )
        with self._lock:
            held = self._profiles.get(profile.id)
            if held is not None:
                if held == profile:
                    return held
                raise DuplicatePlatformError(profile.id)
            self._profiles[profile.id] = profile
            self._changed()
        return profile

    def unregister(self, platform_id: str) -> None:
        """Remove a profile registered at run time (the shipped ones stay)."""
        with self._lock:
            if platform_id in self.shipped:
                raise PlatformProfileError(f"{platform_id} is shipped with libops and stays")
            if self._profiles.pop(platform_id, None) is None:
                raise PlatformProfileError(f"no platform {platform_id!r} is registered")
            self._changed()

    def _changed(self) -> None:
        self._ids = tuple(self._profiles)
        self._id_set = frozenset(self._ids)

    def ids(self) -> tuple[str, ...]:
        """The registered ids, in order of registration."""
        return self._ids

    def __contains__(self, platform_id: object) -> bool:
        return platform_id in self._id_set

    def __iter__(self) -> Iterator[PlatformProfile]:
        return iter([self._profiles[i] for i in self._ids])

    def __len__(self) -> int:
        return len(self._ids)

    def get(self, platform: Platform | str) -> PlatformProfile:
        """The profile of ``platform`` (an unregistered id gets the specific error)."""
        platform_id = platform.value if isinstance(platform, Platform) else platform
        profile = self._profiles.get(platform_id) if isinstance(platform_id, str) else None
        if profile is None:
            raise InvalidValueError(
                f"{platform_id!r} is not a Platform; expected one of: {', '.join(self._ids)}"
            )
        return profile

    def publishes(self, platform_id: str) -> bool:
        """Whether the library publishes on ``platform_id``."""
        return self.get(platform_id).publishes

    def check_own_metrics(
        self, platform_id: str, values: Mapping[str, object]
    ) -> dict[str, int | Decimal]:
        """``values`` checked against the platform's own metrics, ids in sorted order."""
        profile = self.get(platform_id)
        checked: dict[str, int | Decimal] = {}
        for metric_id in sorted(values, key=str):
            if not isinstance(metric_id, str):
                raise OwnMetricError(f"an own metric's id must be text, not {metric_id!r}")
            checked[metric_id] = profile.metric(metric_id).check(profile.id, values[metric_id])
        return checked

    @contextmanager
    def registered(self, *profiles: PlatformProfile) -> Iterator[tuple[Platform, ...]]:
        """Register ``profiles`` for the span of the block, then remove those it added."""
        added: list[str] = []
        try:
            for profile in profiles:
                if profile.id not in self:
                    added.append(profile.id)
                self.register(profile)
            yield tuple(Platform(p.id) for p in profiles)
        finally:
            for platform_id in reversed(added):
                self.unregister(platform_id)


def _count(metric_id: str, zh: str, en: str) -> OwnMetric:
    return OwnMetric(metric_id, zh, en, MetricKind.COUNT)


_COMPLETION = OwnMetric("completion_rate", "完播率", "completion rate", MetricKind.RATIO)
_WATCH = OwnMetric("avg_watch_seconds", "平均播放时长", "average watch time", MetricKind.SECONDS)
_VIDEO_COUNTS: Final = frozenset(("views", "likes", "comments", "shares", "favourites"))

SHIPPED: Final[tuple[PlatformProfile, ...]] = (
    PlatformProfile(
        "weibo",
        "微博",
        "Weibo",
        # An ordinary post takes up to 2,000 characters in the weibo.com and app composers
        # (text past 140 folds behind "全文") and up to 9 pictures. The open API's
        # statuses/share is still capped at 140 characters and needs a registered safe-domain
        # link, so an adapter that posts through it declares those tighter limits itself.
        PlatformLimits(max_text_length=2000, max_media=9),
        cadence=CadenceDefault(CadencePeriod.DAY, 1, 2),
        reports=frozenset(("reads", "likes", "comments", "shares", "followers_gained")),
        denominator="reads",
    ),
    PlatformProfile(
        "wechat",
        "微信公众号",
        "WeChat",
        # One article: draft/add says the content "must be fewer than 20,000 characters and
        # under 1 MB" (HTML included); a news article needs a cover (thumb_media_id), and the
        # picture-message type (newspic) takes at most 20 pictures.
        PlatformLimits(max_text_length=20000, max_media=20, requires_media=True),
        cadence=CadenceDefault(CadencePeriod.WEEK, 3, 4),
        reports=frozenset(
            ("reads", "likes", "comments", "shares", "favourites", "followers_gained")
        ),
        # 在看 ("wow") and the read-through rate are in the back office's per-article data.
        metrics=(
            _count("wow", "在看", "wows (在看)"),
            OwnMetric("read_completion", "阅读完成率", "read-through rate", MetricKind.RATIO),
        ),
        denominator="reads",
    ),
    PlatformProfile(
        "douyin",
        "抖音",
        "Douyin",
        # Every work is a video or a picture set (up to 35 pictures in the creator centre);
        # its description takes up to 1,000 characters. No clickable links in a description.
        PlatformLimits(max_text_length=1000, max_media=35, allows_links=False, requires_media=True),
        cadence=CadenceDefault(CadencePeriod.WEEK, 2, 7),
        reports=_VIDEO_COUNTS | {"followers_gained"},
        # data/external/item/base gives avg_play_duration; the creator centre the 完播率.
        metrics=(_COMPLETION, _WATCH),
    ),
    PlatformProfile(
        "mastodon",
        "Mastodon",
        "Mastodon",
        # The defaults of a stock server (configuration.statuses.max_characters = 500,
        # max_media_attachments = 4 in /api/v2/instance); servers may raise them, and an
        # adapter should declare what its own server reports. Mastodon reports no reach.
        PlatformLimits(max_text_length=500, max_media=4),
        reports=frozenset(("likes", "comments", "shares")),
    ),
    PlatformProfile(
        "bluesky",
        "Bluesky",
        "Bluesky",
        # The app.bsky.feed.post lexicon caps text at 300 graphemes (approximated here as
        # characters) and app.bsky.embed.images at 4 images. No reach either; the post view
        # counts quotes apart from reposts.
        PlatformLimits(max_text_length=300, max_media=4),
        reports=frozenset(("likes", "comments", "shares")),
        metrics=(_count("quotes", "引用", "quotes"),),
    ),
    PlatformProfile(
        "facebook",
        "Facebook",
        "Facebook",
        # A Page post's message takes up to 63,206 characters. Meta documents no lower cap
        # on attached photos; 10 is libops's conservative default.
        PlatformLimits(max_text_length=63206, max_media=10),
        reports=frozenset(("views", "likes", "comments", "shares")),
    ),
    PlatformProfile(
        "instagram",
        "Instagram",
        "Instagram",
        # The Content Publishing API takes captions of up to 2,200 characters and carousels
        # of up to 10 items, and a post always has a picture or video. Links in captions are
        # not clickable.
        PlatformLimits(max_text_length=2200, max_media=10, allows_links=False, requires_media=True),
        reports=_VIDEO_COUNTS,
    ),
    PlatformProfile(
        "x",
        "X",
        "X",
        # 280 characters (weighted: CJK characters count double and every link counts as
        # 23, which an adapter should check itself) and up to 4 pictures.
        PlatformLimits(max_text_length=280, max_media=4),
        reports=frozenset(("views", "likes", "comments", "shares")),
    ),
    PlatformProfile(
        "xiaohongshu",
        "小红书",
        "Xiaohongshu (RED)",
        # A note (笔记) is pictures or a video with a body of up to 1,000 characters and up
        # to 18 pictures in the app; links are not clickable. No official publishing or
        # analytics API (API-FACTS §7): published by hand, figures imported.
        PlatformLimits(max_text_length=1000, max_media=18, allows_links=False, requires_media=True),
        cadence=CadenceDefault(CadencePeriod.WEEK, 2, 5),
        reports=_VIDEO_COUNTS,
    ),
    PlatformProfile(
        "bilibili",
        "哔哩哔哩",
        "Bilibili",
        # One video per submission (arcopen add-by-utoken); its description (简介) takes up
        # to 2,000 characters in the uploader. arc/stat reports view, danmaku, reply,
        # favorite, coin, share and like (API-FACTS §6).
        PlatformLimits(max_text_length=2000, max_media=1, allows_links=False, requires_media=True),
        cadence=CadenceDefault(CadencePeriod.WEEK, 1, 3),
        reports=_VIDEO_COUNTS,
        metrics=(_count("coins", "投币", "coins (投币)"), _count("danmaku", "弹幕", "danmaku")),
    ),
    PlatformProfile(
        "wechat_channels",
        "视频号",
        "WeChat Channels",
        # A video or up to 9 pictures, with a description of up to 1,000 characters, as the
        # Channels assistant (视频号助手) takes them; no publishing API for institutions.
        PlatformLimits(max_text_length=1000, max_media=9, allows_links=False, requires_media=True),
        cadence=CadenceDefault(CadencePeriod.WEEK, 1, 5),
        reports=_VIDEO_COUNTS,
        metrics=(_COMPLETION, _WATCH),
    ),
    PlatformProfile(
        "kuaishou",
        "快手",
        "Kuaishou",
        # A video or picture set; the work's caption takes up to 500 characters in the app
        # (not confirmed from an official page: an adapter should declare its own); 9
        # pictures is libops's conservative default for a picture set.
        PlatformLimits(max_text_length=500, max_media=9, allows_links=False, requires_media=True),
        cadence=CadenceDefault(CadencePeriod.WEEK, 1, 5),
        reports=_VIDEO_COUNTS,
        metrics=(_COMPLETION, _WATCH),
    ),
    # The library's own channels: readers ask and are answered there; nothing is published.
    PlatformProfile("website", "图书馆网站", "library website", publishes=False, reports=()),
    PlatformProfile("email", "电子邮件", "e-mail", publishes=False, reports=()),
    PlatformProfile("telephone", "电话", "telephone", publishes=False, reports=()),
    PlatformProfile("desk", "服务台", "service desk", publishes=False, reports=()),
)
"""The profiles libops ships, in the order ``Platform`` lists them."""

REGISTRY: Final = PlatformRegistry(SHIPPED)
"""The process-wide registry."""

use_platform_directory(REGISTRY)


def registered_ids() -> tuple[str, ...]:
    """The ids of every registered platform, shipped ones first."""
    return REGISTRY.ids()


def profile_of(platform: Platform | str) -> PlatformProfile:
    """The registered profile of ``platform``."""
    return REGISTRY.get(platform)


def register_platform(profile: PlatformProfile) -> Platform:
    """Register ``profile`` process-wide and return its :class:`Platform`."""
    REGISTRY.register(profile)
    return Platform(profile.id)


def registered(*profiles: PlatformProfile) -> AbstractContextManager[tuple[Platform, ...]]:
    """A context manager registering ``profiles`` for the span of a ``with`` block."""
    return REGISTRY.registered(*profiles)


def publishing_platforms() -> tuple[Platform, ...]:
    """Every registered platform the library publishes on."""
    return tuple(Platform(p.id) for p in REGISTRY if p.publishes)


def default_cadence_policy() -> CadencePolicy:
    """A cadence policy with every registered profile's default cadence (the plain
    ``CadencePolicy()`` keeps the operations plan's, Weibo's and WeChat's, only)."""
    rules = [rule for p in REGISTRY if (rule := p.cadence_rule()) is not None]
    return CadencePolicy(rules=rules)


def own_metrics(platform: Platform | str, values: Mapping[str, object]) -> dict[str, Any]:
    """``values`` checked against ``platform``'s own metrics, ids in sorted order."""
    return dict(REGISTRY.check_own_metrics(profile_of(platform).id, values))

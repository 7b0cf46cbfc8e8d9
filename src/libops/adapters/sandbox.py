"""A make-believe platform that lives in memory: for tests, the demo and trying libops out.

:class:`SandboxPlatform` implements the :class:`~libops.domain.ports.PlatformGateway` port the
way a real platform behaves: it hands out platform-looking ids and URLs, honours (or, when told
to, ignores) idempotency keys, fails on request, loses responses the way a timeout does, and
lets readers react over time. Everything follows from the seed and the clock, so a run can be
repeated exactly. The ids and URLs it hands out are made up: nothing is sent anywhere.
"""

# Readers on Chinese platforms write with full-width commas, exclamation and question marks:

from __future__ import annotations

import bisect
import math
import random
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Final, Literal

import attrs

from libops.adapters.platforms import DEFAULT_LIMITS
from libops.domain.errors import (
    InvalidValueError,
    PlatformError,
    PlatformTimeoutError,
    UnknownPlatformPostError,
)
from libops.domain.ports import Clock, Comment
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
    to_platform,
)

Operation = Literal["publish", "find_published", "metrics", "comments"]
OPERATIONS: Final[tuple[Operation, ...]] = ("publish", "find_published", "metrics", "comments")

_COUNTS: Final = ("likes", "comments", "shares", "favourites")


@attrs.frozen
class _Profile:
    """How readers of one platform typically react to a library's post."""

    audience: float  # median number of people a post reaches
    reach_metric: Literal["reads", "views"] | None  # what the platform reports for reach
    rates: dict[str, float]  # share of the audience that likes, comments, shares, favourites
    follow_rate: float | None  # share that follows the account; None where not reported
    midpoint_hours: float  # when half of a post's reactions have arrived
    spread_hours: float  # how fast reactions arrive around the midpoint
    chinese: bool  # whether readers comment in Chinese


_PROFILES: Final[dict[Platform, _Profile]] = {
    Platform.WEIBO: _Profile(
        2500,
        "reads",
        {"likes": 0.02, "comments": 0.004, "shares": 0.003, "favourites": 0.002},
        0.002,
        4,
        2,
        chinese=True,
    ),
    # WeChat articles are read over a day or two, mostly from the subscription feed.
    Platform.WECHAT: _Profile(
        1800,
        "reads",
        {"likes": 0.02, "comments": 0.002, "shares": 0.03, "favourites": 0.01},
        0.004,
        20,
        10,
        chinese=True,
    ),
    Platform.DOUYIN: _Profile(
        6000,
        "views",
        {"likes": 0.05, "comments": 0.004, "shares": 0.004, "favourites": 0.006},
        0.003,
        8,
        4,
        chinese=True,
    ),
    # Mastodon and Bluesky report no reach and no per-post follower gains; boosts and
    # reposts count as shares, and Mastodon's favourites are its likes.
    Platform.MASTODON: _Profile(
        350,
        None,
        {"likes": 0.06, "comments": 0.01, "shares": 0.03, "favourites": 0.0},
        None,
        2,
        1,
        chinese=False,
    ),
    Platform.BLUESKY: _Profile(
        400,
        None,
        {"likes": 0.06, "comments": 0.01, "shares": 0.025, "favourites": 0.0},
        None,
        2,
        1,
        chinese=False,
    ),
    Platform.FACEBOOK: _Profile(
        1200,
        "views",
        {"likes": 0.03, "comments": 0.004, "shares": 0.004, "favourites": 0.0},
        0.001,
        6,
        3,
        chinese=False,
    ),
    Platform.INSTAGRAM: _Profile(
        1500,
        "views",
        {"likes": 0.06, "comments": 0.004, "shares": 0.003, "favourites": 0.004},
        0.002,
        8,
        4,
        chinese=False,
    ),
    Platform.X: _Profile(
        900,
        "views",
        {"likes": 0.015, "comments": 0.002, "shares": 0.003, "favourites": 0.002},
        None,
        1.5,
        0.75,
        chinese=False,
    ),
}

_MAX_COMMENTS: Final = 2000


def _factor(_instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidValueError(f"{attribute.name} must be a positive number, not {value!r}")


@attrs.frozen
class Reception:
    """How a post fares against the platform's typical post: a knob for simulations.

    ``reach`` multiplies the audience a post reaches, ``engagement`` the share of that
    audience that likes, comments, shares and saves it. A :class:`SandboxPlatform` given a
    ``reception`` function asks it once per post, when the post is published.
    """

    reach: float = attrs.field(default=1.0, validator=_factor)
    engagement: float = attrs.field(default=1.0, validator=_factor)


ReceptionFunction = Callable[[PostVariant, datetime], Reception]
"""Decides a post's :class:`Reception` from what was published and when (an aware UTC time)."""

_ZH_POSITIVE: Final = (
    "太棒了，周末就去借！",
    "感谢图书馆的推荐📚",
    "这个书单收藏了",
    "已转发给同学们",
    "馆员老师辛苦了",
    "每次活动都很用心，支持！",
    "好久没去图书馆了，这周去看看",
    "小时候就在这里看书，很有感情",
)
_ZH_QUESTION: Final = (
    "请问周末开放吗？",
    "外校读者可以参加吗？",
    "在哪里报名？",
    "讲座会有回放吗？",
    "电子书怎么借？",
)
_ZH_NEGATIVE: Final = (
    "阅览室太吵了，很失望",
    "预约系统又崩了，太差劲了",
    "借书排队一个小时，体验很糟糕",
    "活动组织得很混乱，浪费时间",
    "服务态度太差，要投诉",
)
_EN_POSITIVE: Final = (
    "Great list, thanks!",
    "Adding these to my holds right now.",
    "Love this library.",
    "Shared with my book club.",
    "The staff here are wonderful.",
    "Brought my kids last week, they loved it.",
)
_EN_QUESTION: Final = (
    "Is this open to non-members?",
    "What time does it start?",
    "Will it be recorded?",
    "Can I borrow the e-book version?",
)
_EN_NEGATIVE: Final = (
    "Really disappointed, the reading room was closed again.",
    "Terrible booking system, it keeps crashing.",
    "This event was a waste of time.",
    "Awful service at the front desk today.",
    "Worst renovation ever, hate the new layout.",
)

_BASE62: Final = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BASE64URL: Final = _BASE62 + "-_"
_BASE32_SORT: Final = "234567abcdefghijklmnopqrstuvwxyz"


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-700.0, min(700.0, x))))


@attrs.frozen
class _Wave:
    """A wave of attention: reactions arrive along a logistic curve that starts at publishing."""

    midpoint: float  # hours after publishing
    spread: float  # hours

    def share(self, hours: float) -> float:
        """The share of this wave's reactions that have arrived ``hours`` after publishing."""
        start = _logistic(-self.midpoint / self.spread)
        now = _logistic((max(hours, 0.0) - self.midpoint) / self.spread)
        return (now - start) / (1.0 - start)

    def hours_for(self, share: float) -> float:
        """When ``share`` of this wave's reactions have arrived (the inverse of :meth:`share`)."""
        start = _logistic(-self.midpoint / self.spread)
        level = min(start + share * (1.0 - start), 1.0 - 1e-12)
        return max(0.0, self.midpoint + self.spread * math.log(level / (1.0 - level)))


@attrs.frozen
class _Curve:
    """A post's attention over time: a first wave and, sometimes, a later second one."""

    first: _Wave
    second: _Wave | None
    second_weight: float

    def share(self, hours: float) -> float:
        """The share of all reactions that have arrived ``hours`` after publishing (0 to 1)."""
        if self.second is None:
            return self.first.share(hours)
        weight = self.second_weight
        return (1.0 - weight) * self.first.share(hours) + weight * self.second.share(hours)

    def sample_hours(self, rng: random.Random) -> float:
        """When one reaction arrives, drawn from this curve."""
        wave = self.first
        if self.second is not None and rng.random() < self.second_weight:
            wave = self.second
        return wave.hours_for(rng.random())


@attrs.frozen
class _Reactions:
    """What readers will do with one post, decided once from the seed when it is published."""

    reach: int
    finals: dict[str, int]
    followers: int | None
    curves: dict[str, _Curve]
    comments: tuple[Comment, ...]
    comment_times: tuple[datetime, ...]


@attrs.define
class _SandboxPost:
    receipt: PublishReceipt
    variant: PostVariant
    key: str
    reactions: _Reactions


class SandboxPlatform:
    """An in-memory platform that behaves like a real one, deterministically from ``seed``.

    ``supports_idempotency_key=True`` makes it ignore a repeated publish with the same key (as
    Mastodon's ``Idempotency-Key`` or a client-chosen Bluesky record key do); with ``False`` a
    repeat creates a second post, as most platforms would, and callers must ask
    :meth:`find_published` first. Reactions (counts and comments) grow with ``clock`` after
    publishing and saturate, as a real audience's do. ``reception``, if given, is asked how
    each post fares beyond what its text decides (readers' taste for a posting hour or a kind
    of content, say); it must be deterministic for a run to repeat.
    """

    def __init__(
        self,
        platform: Platform | str,
        *,
        seed: int | str,
        clock: Clock,
        supports_idempotency_key: bool = True,
        limits: PlatformLimits | None = None,
        account: str = "citylibrary",
        reception: ReceptionFunction | None = None,
    ) -> None:
        self._platform = to_platform(platform)
        if reception is not None and not callable(reception):
            raise InvalidValueError(f"reception must be a function, not {reception!r}")
        if not isinstance(seed, int | str) or isinstance(seed, bool):
            raise InvalidValueError(f"a sandbox seed is a number or text, not {seed!r}")
        if limits is not None and not isinstance(limits, PlatformLimits):
            raise InvalidValueError(f"limits must be PlatformLimits, not {type(limits).__name__}")
        self._seed = seed
        self._clock = clock
        self._supports_key = bool(supports_idempotency_key)
        self._limits = limits if limits is not None else DEFAULT_LIMITS[self._platform]
        self._account = account
        self._reception = reception
        self._posts: dict[str, _SandboxPost] = {}
        self._by_key: dict[str, list[str]] = {}
        self._content_count: dict[tuple[str, tuple[str, ...], str | None], int] = {}
        self._failures: dict[str, deque[tuple[str, bool]]] = {op: deque() for op in OPERATIONS}
        self._lost_responses = 0
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return (
            f"SandboxPlatform({self._platform.value!r}, seed={self._seed!r}, "
            f"supports_idempotency_key={self._supports_key})"
        )

    # --- the port ------------------------------------------------------------------------

    @property
    def platform(self) -> Platform:
        """The platform this sandbox pretends to be."""
        return self._platform

    @property
    def limits(self) -> PlatformLimits:
        """What one post may contain here."""
        return self._limits

    @property
    def supports_idempotency_key(self) -> bool:
        """Whether a repeated publish with the same key is ignored."""
        return self._supports_key

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        """Publish ``variant``; a repeat with the same key is ignored if keys are supported."""
        if not isinstance(variant, PostVariant):
            raise InvalidValueError(f"expected a PostVariant, not {type(variant).__name__}")
        key = _require_key(idempotency_key)
        with self._lock:
            self._maybe_fail("publish")
            if variant.platform is not self._platform:
                raise PlatformError(
                    f"a {variant.platform.value} variant cannot be published on "
                    f"{self._platform.value}",
                    retryable=False,
                )
            problems = self._limits.violations(variant)
            if problems:
                raise PlatformError(
                    f"{self._platform.value} refused the post: {'; '.join(problems)}",
                    retryable=False,
                )
            earlier = self._by_key.get(key, [])
            if self._supports_key and earlier:
                receipt = self._posts[earlier[0]].receipt
            else:
                receipt = self._create(variant, key)
            if self._lost_responses:
                self._lost_responses -= 1
                raise PlatformTimeoutError(
                    f"{self._platform.value} did not answer in time (sandbox lost the response)"
                )
            return receipt

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        """The receipt of the first post published with ``idempotency_key``, if any."""
        key = _require_key(idempotency_key)
        with self._lock:
            self._maybe_fail("find_published")
            earlier = self._by_key.get(key)
            return self._posts[earlier[0]].receipt if earlier else None

    def metrics(self, external_id: str) -> MetricSnapshot:
        """The post's cumulative counts at the clock's current time."""
        with self._lock:
            self._maybe_fail("metrics")
            post = self._post(external_id)
        now = self._clock.now()
        hours = _hours_since(post.receipt.published_at, now)
        reactions = post.reactions
        reach_metric = _PROFILES[self._platform].reach_metric
        reach = _grown(reactions.reach, reactions.curves["reach"], hours)
        return MetricSnapshot(
            platform=self._platform,
            observed_at=now,
            reads=reach if reach_metric == "reads" else 0,
            views=reach if reach_metric == "views" else 0,
            likes=_grown(reactions.finals["likes"], reactions.curves["likes"], hours),
            comments=bisect.bisect_right(reactions.comment_times, now),
            shares=_grown(reactions.finals["shares"], reactions.curves["shares"], hours),
            favourites=_grown(
                reactions.finals["favourites"], reactions.curves["favourites"], hours
            ),
            followers_gained=(
                None
                if reactions.followers is None
                else _grown(reactions.followers, reactions.curves["followers"], hours)
            ),
        )

    def comments(self, external_id: str, since: datetime | None = None) -> Sequence[Comment]:
        """Readers' comments so far, oldest first; only those after ``since`` if given."""
        with self._lock:
            self._maybe_fail("comments")
            post = self._post(external_id)
        if since is not None and (since.tzinfo is None or since.utcoffset() is None):
            raise InvalidValueError("since must be timezone-aware")
        reactions = post.reactions
        end = bisect.bisect_right(reactions.comment_times, self._clock.now())
        start = 0 if since is None else bisect.bisect_right(reactions.comment_times, since)
        return list(reactions.comments[start:end])

    # --- test controls ---------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        message: str = "the platform is unavailable (sandbox failure)",
        *,
        retryable: bool = True,
        on: Operation = "publish",
    ) -> None:
        """Make the next ``count`` calls of ``on`` fail with :class:`PlatformError`.

        A failed publish publishes nothing.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidValueError(f"count must be a positive whole number, not {count!r}")
        if on not in OPERATIONS:
            raise InvalidValueError(f"on must be one of {', '.join(OPERATIONS)}, not {on!r}")
        with self._lock:
            self._failures[on].extend([(message, bool(retryable))] * count)

    def lose_response_next(self, count: int = 1) -> None:
        """Let the next ``count`` publishes go through but raise a timeout instead of answering."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidValueError(f"count must be a positive whole number, not {count!r}")
        with self._lock:
            self._lost_responses += count

    def published(self) -> list[PublishReceipt]:
        """Every post that went out on this sandbox, duplicates included, in publishing order."""
        with self._lock:
            return [post.receipt for post in self._posts.values()]

    def variant(self, external_id: str) -> PostVariant:
        """What was published as ``external_id``."""
        with self._lock:
            return self._post(external_id).variant

    # --- inside ------------------------------------------------------------------------------

    def _maybe_fail(self, operation: str) -> None:
        queue = self._failures[operation]
        if queue:
            message, retryable = queue.popleft()
            raise PlatformError(message, retryable=retryable)

    def _post(self, external_id: str) -> _SandboxPost:
        post = self._posts.get(external_id) if isinstance(external_id, str) else None
        if post is None:
            raise UnknownPlatformPostError(self._platform.value, str(external_id))
        return post

    def _rng(self, *parts: object) -> random.Random:
        # String seeds are hashed with SHA-512 by random.Random, independent of PYTHONHASHSEED.
        return random.Random(":".join(str(p) for p in (self._seed, self._platform.value, *parts)))

    def _create(self, variant: PostVariant, key: str) -> PublishReceipt:
        # Seeded by the content (and how often the same content went out before), not by
        # the key: keys hold random post ids, and a seeded run must give the same reception.
        content = (variant.text, variant.media, variant.link)
        repeat = self._content_count.get(content, 0)
        self._content_count[content] = repeat + 1
        rng = self._rng("publish", variant.text, "|".join(variant.media), variant.link, repeat)
        external_id, url = self._make_id(rng)
        while external_id in self._posts:  # vanishingly rare; keeps ids unique
            external_id, url = self._make_id(rng)
        receipt = PublishReceipt(
            platform=self._platform,
            external_id=external_id,
            url=url,
            published_at=self._clock.now(),
        )
        reactions = self._decide_reactions(variant, receipt)
        self._posts[external_id] = _SandboxPost(receipt, variant, key, reactions)
        self._by_key.setdefault(key, []).append(external_id)
        return receipt

    def _make_id(self, rng: random.Random) -> tuple[str, str]:
        account_rng = self._rng("account")
        platform = self._platform
        if platform is Platform.WEIBO:
            uid = account_rng.randrange(1_000_000_000, 8_000_000_000)
            mid = rng.randrange(4_900_000_000_000_000, 5_200_000_000_000_000)
            return str(mid), f"https://weibo.com/{uid}/{_weibo_bid(mid)}"
        if platform is Platform.WECHAT:
            slug = "".join(rng.choice(_BASE64URL) for _ in range(22))
            return slug, f"https://mp.weixin.qq.com/s/{slug}"
        if platform is Platform.DOUYIN:
            item = rng.randrange(7_300_000_000_000_000_000, 7_500_000_000_000_000_000)
            return str(item), f"https://www.douyin.com/video/{item}"
        if platform is Platform.MASTODON:
            status = rng.randrange(110_000_000_000_000_000, 116_000_000_000_000_000)
            return str(status), f"https://mastodon.social/@{self._account}/{status}"
        if platform is Platform.BLUESKY:
            did = "".join(account_rng.choice(_BASE32_SORT) for _ in range(24))
            rkey = "3" + "".join(rng.choice(_BASE32_SORT) for _ in range(12))
            return (
                f"at://did:plc:{did}/app.bsky.feed.post/{rkey}",
                f"https://bsky.app/profile/{self._account}.bsky.social/post/{rkey}",
            )
        if platform is Platform.FACEBOOK:
            page = account_rng.randrange(100_000_000_000_000, 999_999_999_999_999)
            post = rng.randrange(100_000_000_000_000, 999_999_999_999_999)
            return f"{page}_{post}", f"https://www.facebook.com/{page}/posts/{post}"
        if platform is Platform.INSTAGRAM:
            media = rng.randrange(17_800_000_000_000_000, 18_100_000_000_000_000)
            code = "".join(rng.choice(_BASE64URL) for _ in range(11))
            return str(media), f"https://www.instagram.com/p/{code}/"
        status = rng.randrange(1_800_000_000_000_000_000, 1_990_000_000_000_000_000)
        return str(status), f"https://x.com/{self._account}/status/{status}"

    def _decide_reactions(self, variant: PostVariant, receipt: PublishReceipt) -> _Reactions:
        profile = _PROFILES[self._platform]
        rng = self._rng("reactions", receipt.external_id)
        text = variant.text
        # What the content does to its reception: pictures and hashtags travel further,
        # questions draw comments, links draw shares but fewer likes, and long texts get
        # saved for later.
        reach_factor = 1.0
        factors = dict.fromkeys(_COUNTS, 1.0)
        if variant.media:
            reach_factor *= 1.3
            factors["likes"] *= 1.2
        if "#" in text:
            reach_factor *= 1.15
        if "?" in text or "？" in text:
            factors["comments"] *= 2.0
        if variant.link is not None:
            factors["shares"] *= 1.3
            factors["likes"] *= 0.9
        factors["favourites"] *= 1.0 + min(len(text), 2000) / 4000
        if self._reception is not None:
            reception = self._reception(variant, receipt.published_at)
            if not isinstance(reception, Reception):
                raise InvalidValueError(f"reception must return a Reception, not {reception!r}")
            reach_factor *= reception.reach
            for name in _COUNTS:
                factors[name] *= reception.engagement
        audience = profile.audience * rng.lognormvariate(0.0, 0.5) * reach_factor
        finals = {
            name: round(audience * profile.rates[name] * factors[name] * rng.uniform(0.7, 1.3))
            for name in _COUNTS
        }
        finals["comments"] = min(finals["comments"], _MAX_COMMENTS)
        followers = (
            None
            if profile.follow_rate is None
            else round(audience * profile.follow_rate * rng.uniform(0.5, 1.5))
        )
        midpoint = profile.midpoint_hours * rng.uniform(0.7, 1.3)
        spread = profile.spread_hours * rng.uniform(0.8, 1.2)
        second: _Wave | None = None
        second_weight = 0.0
        if rng.random() < 0.3:  # picked up again later: reshared by someone with a following
            second = _Wave(midpoint=rng.uniform(24.0, 72.0), spread=spread)
            second_weight = rng.uniform(0.1, 0.35)
        curves = {
            name: _Curve(_Wave(midpoint * rng.uniform(0.9, 1.25), spread), second, second_weight)
            for name in ("reach", *_COUNTS, "followers")
        }
        comments = self._write_comments(rng, receipt, finals["comments"], curves["comments"])
        return _Reactions(
            reach=round(audience),
            finals=finals,
            followers=followers,
            curves=curves,
            comments=comments,
            comment_times=tuple(c.posted_at for c in comments),
        )

    def _write_comments(
        self, rng: random.Random, receipt: PublishReceipt, count: int, curve: _Curve
    ) -> tuple[Comment, ...]:
        chinese = _PROFILES[self._platform].chinese
        positive, question, negative = (
            (_ZH_POSITIVE, _ZH_QUESTION, _ZH_NEGATIVE)
            if chinese
            else (_EN_POSITIVE, _EN_QUESTION, _EN_NEGATIVE)
        )
        negative_share = rng.uniform(0.05, 0.2)
        first_id = rng.randrange(10**15, 9 * 10**15)
        drafts = []
        for index in range(count):
            hours = curve.sample_hours(rng)
            roll = rng.random()
            pool = negative if roll < negative_share else question if roll < 0.3 else positive
            reader = rng.randrange(1, 400)
            handle = f"书友{reader:04d}" if chinese else f"reader{reader}"
            posted_at = receipt.published_at + timedelta(seconds=round(hours * 3600))
            drafts.append((posted_at, index, handle, rng.choice(pool)))
        drafts.sort()
        return tuple(
            Comment(
                external_id=str(first_id + order),
                author_handle=handle,
                text=text,
                posted_at=posted_at,
            )
            for order, (posted_at, _index, handle, text) in enumerate(drafts)
        )


def _require_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidValueError("an idempotency key must be non-empty text")
    return key


def _hours_since(start: datetime, now: datetime) -> float:
    return max((now - start) / timedelta(hours=1), 0.0)


def _grown(final: int, curve: _Curve, hours: float) -> int:
    # A monotone curve times a constant, floored: a count never goes down as time passes.
    return math.floor(final * curve.share(hours))


def _base62(number: int) -> str:
    digits = ""
    while number:
        number, remainder = divmod(number, 62)
        digits = _BASE62[remainder] + digits
    return digits or "0"


def _weibo_bid(mid: int) -> str:
    """The short id in a Weibo post's URL: the mid in groups of seven digits, each in base 62."""
    text, parts = str(mid), list[str]()
    while text:
        chunk, text = text[-7:], text[:-7]
        encoded = _base62(int(chunk))
        parts.insert(0, encoded.rjust(4, "0") if text else encoded)
    return "".join(parts)

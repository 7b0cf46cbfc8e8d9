"""Communication indices of the Chinese practice: the Weibo index (BCI), libops's own
short-video index, and a weighted cross-platform index.

The WeChat index (WCI, Qingbo V14.2) is computed by :mod:`libops.projections.wci` (its
:func:`~libops.projections.wci.wci` is the one formula; :data:`WCI_VERSION` names it here).

**Weibo index, BCI** (博文传播指数; source: the formula published with the Weibo dataset
selectdataset.com 73d0ed53c5452447e634149081b11250, one source, so marked [M] in
CN-PRACTICE.md; :data:`BCI_VERSION`)::

    W1  = ln(发博数 + 1)                                   activity (posts)
    W2  = 0.4·ln(转发 + 1) + 0.4·ln(评论 + 1) + 0.2·ln(点赞 + 1)  reach (shares, comments, likes)
    BCI = (0.2·W1 + 0.8·W2) × 160

The counts are those of one period, the one the caller chooses (a ranking publishes daily,
weekly and monthly BCIs): the posts published in it and their shares, comments and likes.
Compare only BCIs of periods of the same length. The culture-and-tourism variant, which adds
original posts (原创微博数, 原创转发, 原创评论), is not computed: libops does not record
which posts are original.

**Short-video index** (:func:`video_index`, :data:`VIDEO_INDEX_VERSION`): **libops's own**,
since no official formula for Douyin was found. It has the form of the BCI (as one dataset's
"VCI", selectdataset.com a78d2e501c4220d5633504a90abb2168, publishes it): 作品数 (videos
published, 发稿量) in W1, 转发/评论/点赞 (shares, comments, likes) in W2, same weights and
scale. It applies to the short-video platforms of :data:`VIDEO_PLATFORMS`.

**Weighted cross-platform index** (:func:`weighted_index`): ``Σ wₚ·Iₚ / Σ wₚ`` over the
platforms *present* (those with a computed index in the period: at least one post), where
``Iₚ`` is the platform's index **as it is**: WCI, BCI and the short-video index are all
logarithmic composites scaled by their own factor (×12 and ×160) to the same order of
magnitude (hundreds, up to about 1,500 for very active accounts), so libops combines them
without rescaling, and does not normalise them against other accounts (a ranking that
normalises against the accounts it ranks gives a different figure). A platform named in the
weights but absent from the period drops out and the weights of the present platforms are
renormalised to a total of 1 (so an account publishing on fewer platforms is not marked down
for the ones it does not use). The default weights (:data:`DEFAULT_INDEX_WEIGHTS`) are those of
the national culture-and-tourism new-media ranking, 微信 40 / 微博 25 / 抖音 20 / 头条号 15
(ctnews.com.cn/baogao/content/2023-02/12/content_145169.html); libops does not publish on
Toutiao, so 头条号 is left out, which by the rule above gives the same figure as naming it
absent. A provincial (Hubei) version is 微信 40 / 微博 20 / 抖音 20 / 视频号 20.

Arithmetic is :class:`~decimal.Decimal` (``ln`` correctly rounded at 28 digits), and every
index is rounded once, half up, to 2 decimals, as the WCI is: the same counts give the same
figure on any machine. No activity gives 0.00 (every logarithm is ln 1 = 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Final, TypeAlias

import attrs

from libops.analysis.exact import Number, _exact, _whole
from libops.domain.errors import IndexWeightsError
from libops.domain.values import Platform

WCI_VERSION: Final = "V14.2"
"""The version of Qingbo's WeChat index that :mod:`libops.projections.wci` computes."""

BCI_VERSION: Final = "BCI (0.2·W1 + 0.8·W2) × 160"
"""The form of the Weibo index :func:`bci` computes (no original-post terms)."""

VIDEO_INDEX_VERSION: Final = "libops (0.2·W1 + 0.8·W2) × 160"
"""The short-video index is libops's own, of the BCI's form."""

VIDEO_PLATFORMS: Final = (Platform.DOUYIN.value,)
"""The short-video platforms whose index is :func:`video_index` (Douyin; others join as
libops learns to publish on them)."""

INDEX_PLATFORMS: Final = (Platform.WECHAT.value, Platform.WEIBO.value, *VIDEO_PLATFORMS)
"""The platforms that have an index, in the order reports list them."""

INDEX_OF: Final[Mapping[str, str]] = {
    Platform.WECHAT.value: "wci",
    Platform.WEIBO.value: "bci",
    **dict.fromkeys(VIDEO_PLATFORMS, "video"),
}
"""Which index each platform has: ``"wci"``, ``"bci"`` or ``"video"``."""

DEFAULT_INDEX_WEIGHTS: Final[Mapping[str, Decimal]] = {
    Platform.WECHAT.value: Decimal(40),
    Platform.WEIBO.value: Decimal(25),
    Platform.DOUYIN.value: Decimal(20),
}
"""The culture-and-tourism ranking's weights without 头条号 (libops has no Toutiao)."""

IndexWeights: TypeAlias = (
    Mapping[str, Number] | Mapping[Platform, Number] | Mapping[str | Platform, Number]
)
"""Weights of a cross-platform index: platform (id or member) -> weight."""

_CONTEXT: Final = Context(prec=28)
_PLACES: Final = Decimal("0.01")
_SCALE: Final = Decimal(160)
_W1: Final = Decimal("0.2")
_W2: Final = Decimal("0.8")
_SHARES: Final = Decimal("0.4")
_COMMENTS: Final = Decimal("0.4")
_LIKES: Final = Decimal("0.2")


def _ln1p(count: int) -> Decimal:
    """ln(count + 1), correctly rounded to 28 digits."""
    return _CONTEXT.ln(Decimal(count + 1))


def _bci_form(posts: int, shares: int, comments: int, likes: int, what: str) -> Decimal:
    c = _CONTEXT
    counts = (("posts", posts), ("shares", shares), ("comments", comments), ("likes", likes))
    for name, value in counts:
        _whole(value, f"the count of {name} of {what}")
    w1 = _ln1p(posts)
    w2 = c.add(
        c.add(c.multiply(_SHARES, _ln1p(shares)), c.multiply(_COMMENTS, _ln1p(comments))),
        c.multiply(_LIKES, _ln1p(likes)),
    )
    index = c.multiply(c.add(c.multiply(_W1, w1), c.multiply(_W2, w2)), _SCALE)
    return index.quantize(_PLACES, ROUND_HALF_UP, context=c)


def bci(*, posts: int, shares: int, comments: int, likes: int) -> Decimal:
    """The Weibo index of one period: ``(0.2·ln(posts+1) + 0.8·(0.4·ln(shares+1) +
    0.4·ln(comments+1) + 0.2·ln(likes+1))) × 160``, 2 decimals (module docstring).

    ``posts`` is 发博数, the posts published in the period; the others are those posts'
    counts. A count that is not a whole number >= 0 raises :class:`InvalidValueError`.
    """
    return _bci_form(posts, shares, comments, likes, "the Weibo index")


def video_index(*, videos: int, shares: int, comments: int, likes: int) -> Decimal:
    """libops's own short-video index of one period, of the BCI's form with ``videos``
    (作品数, the videos published) in W1; 2 decimals (module docstring)."""
    return _bci_form(videos, shares, comments, likes, "the short-video index")


@attrs.frozen
class IndexWeight:
    """One platform of a weighted index: its weight as given, whether it had an index in
    the period, and the share of the index it carries (``None`` when absent)."""

    platform: str
    weight: Decimal
    present: bool
    share: Decimal | None


@attrs.frozen
class WeightedIndex:
    """A weighted cross-platform index and how it was made up.

    ``value`` is ``Σ share·index`` over the present platforms, 2 decimals; ``None`` when no
    weighted platform had an index (or all present ones weigh 0).
    """

    value: Decimal | None
    weights: tuple[IndexWeight, ...]


def index_weights(weights: object) -> tuple[tuple[str, Decimal], ...]:
    """``weights`` checked: (platform id, weight) pairs in :data:`INDEX_PLATFORMS` order.

    ``weights`` maps platforms (:class:`~libops.domain.values.Platform` or its id) that
    have an index to finite numbers >= 0 (int, Decimal or float) with a total above 0; any
    other value raises :class:`~libops.domain.errors.IndexWeightsError` saying what is wrong.
    ``None`` gives :data:`DEFAULT_INDEX_WEIGHTS`.
    """
    if weights is None:
        weights = DEFAULT_INDEX_WEIGHTS
    if not isinstance(weights, Mapping):
        raise IndexWeightsError(
            f"index weights are a mapping of platform to weight "
            f"(e.g. {{'wechat': 40, 'weibo': 25, 'douyin': 20}}), not {weights!r}"
        )
    if not weights:
        raise IndexWeightsError("index weights name no platform")
    found: dict[str, Decimal] = {}
    for key, value in weights.items():
        platform = _index_platform(key)
        if platform in found:
            raise IndexWeightsError(f"index weights name {platform!r} twice")
        try:
            weight = _exact(value, f"the weight of {platform}")
        except ValueError as error:
            raise IndexWeightsError(str(error)) from None
        if weight < 0:
            raise IndexWeightsError(f"the weight of {platform} is negative: {value!r}")
        found[platform] = _CONTEXT.divide(Decimal(weight.numerator), Decimal(weight.denominator))
    if sum(found.values()) <= 0:
        raise IndexWeightsError("index weights add up to 0: give some platform a weight above 0")
    return tuple((p, found[p]) for p in INDEX_PLATFORMS if p in found)


def _index_platform(key: object) -> str:
    value = key.value if isinstance(key, Platform) else key
    if not isinstance(value, str) or value not in INDEX_OF:
        raise IndexWeightsError(
            f"{key!r} has no communication index: weigh {', '.join(INDEX_PLATFORMS)}"
        )
    return value


def weighted_index(
    indices: Mapping[str, Decimal | None], weights: IndexWeights | None = None
) -> WeightedIndex:
    """The weighted cross-platform index of ``indices`` (platform id -> its index in the
    period, ``None`` or missing when it had none), with ``weights`` (default
    :data:`DEFAULT_INDEX_WEIGHTS`): weights of absent platforms are dropped and the others
    renormalised to a total of 1; each index is taken as it is (module docstring)."""
    checked = index_weights(weights)
    present = {p: w for p, w in checked if indices.get(p) is not None}
    total = sum((Fraction(w) for w in present.values()), Fraction(0))
    parts = []
    value = Fraction(0)
    for platform, weight in checked:
        if platform in present and total > 0:
            share = Fraction(weight) / total
            index = indices[platform]
            assert index is not None  # present
            value += share * Fraction(index)
            parts.append(IndexWeight(platform, weight, True, _two(share, places=4)))
        else:
            parts.append(IndexWeight(platform, weight, platform in present, None))
    return WeightedIndex(None if total == 0 else _two(value), tuple(parts))


def _two(value: Fraction, *, places: int = 2) -> Decimal:
    """``value`` (>= 0) rounded once, exactly, half up, to ``places`` decimals."""
    return Decimal(math.floor(value * 10**places + Fraction(1, 2))).scaleb(-places)

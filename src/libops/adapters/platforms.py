"""What each platform accepts in one post, and how to find the limits that apply.

The numbers in :data:`DEFAULT_LIMITS` describe an ordinary post made by hand through each
platform's own app or web composer. A platform adapter declares the limits of the API it
actually calls (its ``limits`` property), and those win: see :func:`limits_for`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from libops.domain.errors import InvalidValueError
from libops.domain.ports import PlatformGateway
from libops.domain.values import Platform, PlatformLimits, to_platform

DEFAULT_LIMITS: Final[Mapping[Platform, PlatformLimits]] = MappingProxyType(
    {
        # Weibo: an ordinary post takes up to 2,000 characters in the weibo.com and app
        # composers (text past 140 folds behind "全文") and up to 9 pictures. The open API's
        # statuses/share is still capped at 140 characters and needs a registered safe-domain
        # link, so an adapter that posts through it declares those tighter limits itself.
        Platform.WEIBO: PlatformLimits(max_text_length=2000, max_media=9),
        # WeChat Official Accounts, one article: draft/add says the content "must be fewer
        # than 20,000 characters and under 1 MB" (HTML included); a news article needs a cover
        # (thumb_media_id), and the picture-message type (newspic) takes at most 20 pictures.
        Platform.WECHAT: PlatformLimits(max_text_length=20000, max_media=20, requires_media=True),
        # Douyin: every work is a video or a picture set (up to 35 pictures in the creator
        # centre); its description takes up to 1,000 characters. There are no clickable links
        # in a Douyin description.
        Platform.DOUYIN: PlatformLimits(
            max_text_length=1000, max_media=35, allows_links=False, requires_media=True
        ),
        # Mastodon: the defaults of a stock server (configuration.statuses.max_characters = 500,
        # max_media_attachments = 4 in /api/v2/instance); servers may raise them, and an
        # adapter should declare what its own server reports.
        Platform.MASTODON: PlatformLimits(max_text_length=500, max_media=4),
        # Bluesky: the app.bsky.feed.post lexicon caps text at 300 graphemes (approximated
        # here as characters) and app.bsky.embed.images at 4 images.
        Platform.BLUESKY: PlatformLimits(max_text_length=300, max_media=4),
        # Facebook: a Page post's message takes up to 63,206 characters. Meta documents no
        # lower cap on attached photos; 10 is libops's conservative default.
        Platform.FACEBOOK: PlatformLimits(max_text_length=63206, max_media=10),
        # Instagram: the Content Publishing API takes captions of up to 2,200 characters and
        # carousels of up to 10 items, and a post always has a picture or video. Links in
        # captions are not clickable.
        Platform.INSTAGRAM: PlatformLimits(
            max_text_length=2200, max_media=10, allows_links=False, requires_media=True
        ),
        # X: 280 characters (weighted: CJK characters count double and every link counts as
        # 23, which an adapter should check itself) and up to 4 pictures.
        Platform.X: PlatformLimits(max_text_length=280, max_media=4),
    }
)
"""The limits of an ordinary post on every platform, used when no adapter declares its own."""


def gateways_by_platform(gateways: Iterable[PlatformGateway]) -> dict[Platform, PlatformGateway]:
    """Index gateways by the platform they talk to; two gateways for one platform are refused."""
    indexed: dict[Platform, PlatformGateway] = {}
    for gateway in gateways:
        if not isinstance(gateway, PlatformGateway):
            raise InvalidValueError(
                f"{gateway!r} is not a platform gateway (see libops.domain.ports.PlatformGateway)"
            )
        platform = to_platform(gateway.platform)
        if platform in indexed:
            raise InvalidValueError(f"two gateways were given for {platform.value}")
        indexed[platform] = gateway
    return indexed


def limits_for(
    platform: Platform | str,
    gateways: Mapping[Platform, PlatformGateway] | Iterable[PlatformGateway] = (),
) -> PlatformLimits:
    """The limits a post variant for ``platform`` must meet.

    A registered gateway's declared limits win (they describe the API it really calls);
    otherwise the platform's :data:`DEFAULT_LIMITS` apply.
    """
    platform = to_platform(platform)
    if not isinstance(gateways, Mapping):
        gateways = gateways_by_platform(gateways)
    gateway = gateways.get(platform)
    if gateway is not None:
        return gateway.limits
    return DEFAULT_LIMITS[platform]

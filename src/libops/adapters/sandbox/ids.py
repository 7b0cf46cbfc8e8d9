"""Ids and URLs that look like each platform's own, made up from a seeded random source."""

from __future__ import annotations

import random
from typing import Final

from libops.domain.values import Platform

_BASE62: Final = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BASE64URL: Final = _BASE62 + "-_"
_BASE32_SORT: Final = "234567abcdefghijklmnopqrstuvwxyz"


def make_id(
    platform: Platform, account: str, rng: random.Random, account_rng: random.Random
) -> tuple[str, str]:
    """A new post's id and URL on ``platform`` (the account's part drawn from ``account_rng``)."""
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
        return str(status), f"https://mastodon.social/@{account}/{status}"
    if platform is Platform.BLUESKY:
        did = "".join(account_rng.choice(_BASE32_SORT) for _ in range(24))
        rkey = "3" + "".join(rng.choice(_BASE32_SORT) for _ in range(12))
        return (
            f"at://did:plc:{did}/app.bsky.feed.post/{rkey}",
            f"https://bsky.app/profile/{account}.bsky.social/post/{rkey}",
        )
    if platform is Platform.FACEBOOK:
        page = account_rng.randrange(100_000_000_000_000, 999_999_999_999_999)
        post = rng.randrange(100_000_000_000_000, 999_999_999_999_999)
        return f"{page}_{post}", f"https://www.facebook.com/{page}/posts/{post}"
    if platform is Platform.INSTAGRAM:
        media = rng.randrange(17_800_000_000_000_000, 18_100_000_000_000_000)
        code = "".join(rng.choice(_BASE64URL) for _ in range(11))
        return str(media), f"https://www.instagram.com/p/{code}/"
    if platform is not Platform.X:  # any other registered platform: a made-up address
        slug = "".join(rng.choice(_BASE62) for _ in range(16))
        return slug, f"https://{platform.value}.sandbox.invalid/{account}/{slug}"
    status = rng.randrange(1_800_000_000_000_000_000, 1_990_000_000_000_000_000)
    return str(status), f"https://x.com/{account}/status/{status}"


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

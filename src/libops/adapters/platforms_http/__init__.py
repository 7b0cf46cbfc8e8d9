"""Platform gateways over the platforms' real HTTP APIs (httpx), one module per platform.

Each adapter implements :class:`~libops.domain.ports.PlatformGateway`, retries what is
worth retrying (429 honouring ``Retry-After``, 5xx, timeouts, lost answers) with bounded,
jittered backoff, renews credentials where the platform allows, and never posts twice.
Local fakes for tests are in :mod:`libops.testing.fakes`.
"""

from collections.abc import Callable
from typing import Final

from libops.adapters.platforms_http._credentials import CredentialChain
from libops.adapters.platforms_http._http import HttpRetry, TokenProvider
from libops.adapters.platforms_http.bluesky import BLUESKY_LIMITS, BlueskyGateway, rkey_for
from libops.adapters.platforms_http.douyin import DOUYIN_API_LIMITS, DouyinGateway
from libops.adapters.platforms_http.mastodon import MASTODON_LIMITS, MastodonGateway
from libops.adapters.platforms_http.wechat import WECHAT_LIMITS, WeChatGateway
from libops.adapters.platforms_http.weibo import WEIBO_SHARE_LIMITS, WeiboGateway
from libops.domain.ports import Clock, CredentialStore, PlatformGateway

GatewayFactory = Callable[[str, CredentialStore, Clock], PlatformGateway]
"""Makes a platform's gateway from its API's base URL, a credential store and a clock (each
adapter's ``from_credentials``)."""

HTTP_GATEWAYS: Final[dict[str, GatewayFactory]] = {
    "mastodon": MastodonGateway.from_credentials,
    "bluesky": BlueskyGateway.from_credentials,
    "wechat": lambda url, credentials, clock: WeChatGateway.from_credentials(
        url, credentials, clock=clock
    ),
    "weibo": lambda url, credentials, clock: WeiboGateway.from_credentials(
        url, credentials, clock=clock
    ),
    "douyin": lambda url, credentials, clock: DouyinGateway.from_credentials(
        url, credentials, clock=clock
    ),
}
"""The HTTP adapters by platform id: what ``libops tick --gateway PLATFORM=https://host``
(and ``publish due``, ``metrics collect``) can open (docs/adapters.md)."""

__all__ = [
    "BLUESKY_LIMITS",
    "DOUYIN_API_LIMITS",
    "HTTP_GATEWAYS",
    "MASTODON_LIMITS",
    "WECHAT_LIMITS",
    "WEIBO_SHARE_LIMITS",
    "BlueskyGateway",
    "CredentialChain",
    "DouyinGateway",
    "GatewayFactory",
    "HttpRetry",
    "MastodonGateway",
    "TokenProvider",
    "WeChatGateway",
    "WeiboGateway",
    "rkey_for",
]

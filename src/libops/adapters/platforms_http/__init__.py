"""Platform gateways over the platforms' real HTTP APIs (httpx), one module per platform.

Each adapter implements :class:`~libops.domain.ports.PlatformGateway`, retries what is
worth retrying (429 honouring ``Retry-After``, 5xx, timeouts, lost answers) with bounded,
jittered backoff, renews credentials where the platform allows, and never posts twice.
Local fakes for tests are in :mod:`libops.testing.fakes`.
"""

from libops.adapters.platforms_http._http import HttpRetry, TokenProvider
from libops.adapters.platforms_http.bluesky import BLUESKY_LIMITS, BlueskyGateway, rkey_for
from libops.adapters.platforms_http.douyin import DOUYIN_API_LIMITS, DouyinGateway
from libops.adapters.platforms_http.mastodon import MASTODON_LIMITS, MastodonGateway
from libops.adapters.platforms_http.wechat import WECHAT_LIMITS, WeChatGateway
from libops.adapters.platforms_http.weibo import WEIBO_SHARE_LIMITS, WeiboGateway

__all__ = [
    "BLUESKY_LIMITS",
    "DOUYIN_API_LIMITS",
    "MASTODON_LIMITS",
    "WECHAT_LIMITS",
    "WEIBO_SHARE_LIMITS",
    "BlueskyGateway",
    "DouyinGateway",
    "HttpRetry",
    "MastodonGateway",
    "TokenProvider",
    "WeChatGateway",
    "WeiboGateway",
    "rkey_for",
]

"""Local fakes of platform APIs, served over HTTP on 127.0.0.1, for testing HTTP adapters.

Each fake is a small threaded HTTP server that behaves like the platform's own API (as
documented in the project's platform notes) and can be told to misbehave: answer 5xx
(:meth:`~FakeServer.fail_next`), rate-limit with ``Retry-After``
(:meth:`~FakeServer.rate_limit_next`), answer slowly (:meth:`~FakeServer.slow_next`),
or do the work and then drop the connection unanswered
(:meth:`~FakeServer.lose_response_next`), besides expiring or revoking credentials.
Time (token expiry, readers' reactions) follows the clock the fake is given.
"""

from libops.testing.fakes._server import Answer, FakeServer, Request
from libops.testing.fakes.bluesky import FakeBluesky
from libops.testing.fakes.douyin import FakeDouyin
from libops.testing.fakes.mastodon import FakeMastodon
from libops.testing.fakes.wechat import FakeWeChat
from libops.testing.fakes.weibo import FakeWeibo

__all__ = [
    "Answer",
    "FakeBluesky",
    "FakeDouyin",
    "FakeMastodon",
    "FakeServer",
    "FakeWeChat",
    "FakeWeibo",
    "Request",
]

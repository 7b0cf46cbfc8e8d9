"""Contract tests for every platform adapter, key store and view store, shipped for third parties.

Subclass :class:`PlatformGatewayContract` in your adapter's test suite and implement
:meth:`~PlatformGatewayContract.make_gateway`; pytest then runs every check below against
your adapter::

    from datetime import UTC, datetime

    from libops.adapters.clock import ManualClock
    from libops.adapters.sandbox import SandboxPlatform
    from libops.testing import PlatformGatewayContract


    class TestMyGateway(PlatformGatewayContract):
        def make_gateway(self):
            clock = ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
            return SandboxPlatform("mastodon", seed=1, clock=clock), clock.advance

Each port's kit lives in its own module (``platform_gateway``, ``key_store``, ``view_store``)
and every one is importable from here. The package needs only libops itself (no pytest
import), so it can be shipped and imported anywhere; the checks use plain ``assert``
statements with messages.
"""

from libops.testing.key_store import KeyStoreContract
from libops.testing.platform_gateway import (
    AdvanceTime,
    PlatformFaults,
    PlatformGatewayContract,
    PlatformGatewayFaultContract,
)
from libops.testing.view_store import ViewStoreContract

__all__ = [
    "AdvanceTime",
    "KeyStoreContract",
    "PlatformFaults",
    "PlatformGatewayContract",
    "PlatformGatewayFaultContract",
    "ViewStoreContract",
]

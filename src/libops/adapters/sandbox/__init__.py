"""A make-believe platform that lives in memory: for tests, the demo and trying libops out.

:class:`SandboxPlatform` implements the :class:`~libops.domain.ports.PlatformGateway` port the
way a real platform behaves: it hands out platform-looking ids and URLs, honours (or, when told
to, ignores) idempotency keys, fails on request, loses responses the way a timeout does, and
lets readers react over time. Everything follows from the seed and the clock, so a run can be
repeated exactly. The ids and URLs it hands out are made up: nothing is sent anywhere.

The platform is in :mod:`~libops.adapters.sandbox.platform`, its simulated readers (reach,
reactions over time, comments, :class:`Reception`) in :mod:`~libops.adapters.sandbox.readers`
and its ids and URLs in :mod:`~libops.adapters.sandbox.ids`.
"""

from libops.adapters.sandbox.platform import OPERATIONS, Operation, SandboxPlatform
from libops.adapters.sandbox.readers import Reception, ReceptionFunction

__all__ = ["OPERATIONS", "Operation", "Reception", "ReceptionFunction", "SandboxPlatform"]

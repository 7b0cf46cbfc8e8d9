"""What command handlers are given besides the store: policies, ports and settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

import attrs

from libops.application.personal_data import PersonalData
from libops.domain.cadence import CadencePolicy
from libops.domain.errors import NoGatewayError
from libops.domain.interaction.moderation import ModerationPolicy
from libops.domain.ports import Clock, KeyStore, LogRows, PlatformGateway, Sealer
from libops.domain.post import DEFAULT_FUTURE_MARGIN
from libops.domain.values import Platform, PlatformLimits, to_platform


@attrs.frozen
class Dependencies:
    """The configured parts of one opened libops, wired by ``bootstrap.py``."""

    clock: Clock
    cadence: CadencePolicy
    limits_for: Callable[[Platform], PlatformLimits]
    sensitive_words: tuple[str, ...]
    risk_escalation_threshold: int
    escalate_questions_after: timedelta
    moderation: ModerationPolicy
    gateways: Mapping[Platform, PlatformGateway]
    keys: KeyStore
    sealer: Sealer
    personal: PersonalData
    log_rows: LogRows | None = None
    metrics_future_margin: timedelta = DEFAULT_FUTURE_MARGIN
    """How far ahead of the clock a metric snapshot may be observed before it is refused."""
    """The store's own reader of the log's rows as stored (SQLite has one); None: read them
    through the recorder."""

    def today(self) -> date:
        """The library's calendar day now (in the cadence policy's timezone)."""
        return self.cadence.local_day(self.clock.now())

    def gateway(self, platform: Platform | str) -> PlatformGateway:
        """The gateway registered for ``platform``; :class:`NoGatewayError` if none is."""
        platform = to_platform(platform)
        gateway = self.gateways.get(platform)
        if gateway is None:
            raise NoGatewayError(platform.value)
        return gateway

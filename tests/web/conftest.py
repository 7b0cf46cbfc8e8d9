"""The web tests' shared fixtures: the clock on a Monday in April and a Weibo sandbox on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform


@pytest.fixture
def april(clock: ManualClock) -> ManualClock:
    """The clock on Monday 20 April 2026, 09:00 in Shanghai (week 2026-W17)."""
    clock.set(datetime(2026, 4, 20, 1, 0, tzinfo=UTC))
    return clock


@pytest.fixture
def weibo(april: ManualClock) -> SandboxPlatform:
    """A Weibo sandbox on the :func:`april` clock."""
    return SandboxPlatform("weibo", seed=1, clock=april)

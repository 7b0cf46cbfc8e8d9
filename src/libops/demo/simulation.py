"""The demo's simulation engine: an agenda of timed actions on a manual clock, and a tally."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from uuid import UUID

from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import Reception, SandboxPlatform
from libops.bootstrap import LibOps
from libops.demo.setting import BEIJING
from libops.domain.values import ContentType, PostVariant

# Readers' taste in the sandbox: (reach, engagement) by Beijing posting hour and content type.
_HOUR_TASTE: Final = {
    7: (0.9, 0.85),
    8: (0.95, 0.9),
    12: (1.05, 1.0),
    18: (1.1, 1.1),
    20: (1.2, 1.25),
    21: (1.25, 1.3),
}
_TYPE_TASTE: Final = {
    ContentType.NEWS: (1.1, 0.8),
    ContentType.KNOWLEDGE: (1.0, 1.05),
    ContentType.INTERACTIVE: (0.9, 1.45),
}

Action = Callable[[], None]


@dataclass
class Tally:
    """What the run did, counted as it goes."""

    published: int = 0
    failures: int = 0
    changes_requested: int = 0
    cadence_warnings: int = 0
    cadence_over_max: int = 0
    metrics_recorded: int = 0
    metrics_corrected: int = 0
    metrics_unchanged: int = 0
    questions: int = 0
    response_minutes: list[float] = field(default_factory=list)
    escalated: int = 0
    registrations: int = 0
    attended: int = 0
    entries: int = 0
    refused: int = 0
    winners: int = 0
    draws: int = 0
    draws_verified: int = 0
    erasures: int = 0
    overspends_refused: int = 0
    participants: set[str] = field(default_factory=set)
    """The readers recorded as taking part (asked, registered, entered, moderated): not
    those whose quiz entry was refused, which records nothing."""
    moderated: set[str] = field(default_factory=set)
    """The readers moderation acted on (their conduct records hold every step)."""
    contests: list[UUID] = field(default_factory=list)


class Simulation:
    """The agenda of timed actions of every quarter, run in time order on a manual clock."""

    def __init__(self, ops: LibOps, clock: ManualClock, gateways: list[SandboxPlatform]) -> None:
        self.ops = ops
        self.clock = clock
        self.gateways = {g.platform: g for g in gateways}
        self.tally = Tally()
        self.taste: dict[str, tuple[ContentType, float]] = {}
        self._agenda: list[tuple[datetime, int, Action]] = []
        self._order = itertools.count()

    def at(self, when: datetime, action: Action) -> None:
        """Put ``action`` on the agenda at ``when`` (actions at the same time keep their order)."""
        heapq.heappush(self._agenda, (when, next(self._order), action))

    def run(self, progress: Callable[[str, int, int], None]) -> None:
        """Run the agenda in time order, moving the clock to each action's time."""
        done = 0
        while self._agenda:
            when, _order, action = heapq.heappop(self._agenda)
            if when > self.clock.now():
                self.clock.set(when)
            action()
            done += 1
            if done % 50 == 0:
                progress("simulate", done, done + len(self._agenda))
        progress("simulate", done, done)

    def reception(self, variant: PostVariant, published_at: datetime) -> Reception:
        """Readers' taste: evening posts and interactive posts engage more, news reaches more."""
        content_type, boost = self.taste.get(variant.text, (ContentType.NEWS, 1.0))
        return taste(content_type, boost, published_at)


def taste(content_type: ContentType, boost: float, published_at: datetime) -> Reception:
    """How readers receive a post of ``content_type`` published at ``published_at`` (its
    Beijing hour) with ``boost`` (a campaign's pull) on its reach."""
    hour_reach, hour_engagement = _HOUR_TASTE.get(published_at.astimezone(BEIJING).hour, (1.0, 1.0))
    type_reach, type_engagement = _TYPE_TASTE[content_type]
    return Reception(
        reach=hour_reach * type_reach * boost, engagement=hour_engagement * type_engagement
    )

"""Voiding a wrong metric snapshot: a mistyped date or a bad export, withdrawn with a reason.

A snapshot observed in the future (a mistyped year) would otherwise block its post for good:
every later real snapshot is older, so it is refused as stale. Voiding records who withdrew
which snapshot and why (``Post.MetricsVoided``); the snapshot before it becomes the latest
again, and projections show that one.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from libops.application.commands import Command, command
from libops.domain.post import Post
from libops.domain.values import MetricSnapshot, Platform


@command("post.void_metrics", calls=Post.void_metrics)
@attrs.frozen
class VoidMetrics(Command[MetricSnapshot]):
    """Withdraw a post's metric snapshot on ``platform`` observed at ``observed_at``, saying
    why; returns the voided snapshot. Only the latest 50 per platform can be voided."""

    post_id: UUID | str
    platform: Platform | str
    observed_at: datetime
    reason: str

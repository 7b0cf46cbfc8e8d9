"""The limits on what one command may carry, and the switch that turns their checks off
while stored events are read back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import date
from typing import Final

__all__ = [
    "COUNT_MAX",
    "EARLIEST_DAY",
    "HASHTAGS_MAX",
    "HASHTAG_MAX",
    "ITEMS_MAX",
    "LATEST_DAY",
    "LINE_MAX",
    "NAME_MAX",
    "POST_TEXT_MAX",
    "REASON_MAX",
    "TEXT_MAX",
    "checking_limits",
    "limits_unchecked",
    "resume_limits",
    "suspend_limits",
]

# What one command may carry, field by field (docs/limits.md is the table of them, checked
# against these by the tests). They bound what each aggregate holds in memory and in the
# aggregate cache; they apply to commands, never to stored events read back.

NAME_MAX: Final = 200
"""Characters in a name, title, handle, id or reference: one line of printable text."""

LINE_MAX: Final = 2_000
"""Characters in a one-line text that can run long: a media reference, a link, an external id."""

TEXT_MAX: Final = 20_000
"""Characters in a multi-line text libops keeps but does not publish (a description, review
comments, notes): as long as a WeChat article, and far more than any of them needs."""

REASON_MAX: Final = 2_000
"""Characters in a reason given for a step (a pause, a cancellation, a retraction, a budget
adjustment, a risk's closing, a moderation step): multi-line text."""

POST_TEXT_MAX: Final = 64_000
"""Characters in a post's body or a platform variant's text: above the longest post any
supported platform takes (Facebook's 63,206), which each variant must also fit."""

HASHTAG_MAX: Final = 100
"""Characters in one hashtag (one word, without its ``#``)."""

HASHTAGS_MAX: Final = 30
"""Hashtags on one campaign: Instagram's limit per post, the most any platform allows."""

ITEMS_MAX: Final = 100
"""Items in any other list a command carries (objectives, media, deliverables, ...)."""

COUNT_MAX: Final = 10**12
"""The largest count (reads, audience size, objective target): a thousand billion."""

EARLIEST_DAY: Final = date(1900, 1, 1)
"""The earliest day a command may name (a period, a schedule, an observation)."""

LATEST_DAY: Final = date(2999, 12, 31)
"""The latest day a command may name; far enough from year 9999 for any date arithmetic."""

_checking_limits: ContextVar[bool] = ContextVar("libops_checking_limits", default=True)


def suspend_limits() -> Token[bool]:
    """Stop checking limits until :func:`resume_limits` is given the token this returns (the
    cheap form of :func:`limits_unchecked`, for decoding stored values one by one)."""
    return _checking_limits.set(False)


def resume_limits(token: Token[bool]) -> None:
    """Check limits again as before the :func:`suspend_limits` that gave ``token``."""
    _checking_limits.reset(token)


@contextmanager
def limits_unchecked() -> Iterator[None]:
    """Within it, values are rebuilt as they were stored: the limits above are not checked.

    Stored events are read back inside it, so that an event recorded before a limit was
    introduced (or tightened) still loads; commands are always checked.
    """
    token = _checking_limits.set(False)
    try:
        yield
    finally:
        _checking_limits.reset(token)


def checking_limits() -> bool:
    """Whether limits are checked here (everywhere but while stored values are read back)."""
    return _checking_limits.get()

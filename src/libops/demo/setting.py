"""The demo's fixed setting: the quarter's dates, the platforms, the library's team."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Final, Literal
from zoneinfo import ZoneInfo

from libops.domain.values import Actor, Platform, Role

START: Final = date(2026, 4, 1)
"""The first day of the first simulated quarter."""

QUARTER_DAYS: Final = 91
"""Days in the first simulated quarter (2026 Q2, 1 April to 30 June)."""

LONGEST_QUARTER: Final = 92
"""Days in the longest calendar quarter (Q3 and Q4): the most ``days`` may ask for."""

DEFAULT_POSTS: Final = 240
"""Posts drafted per quarter by default."""

METRIC_DAYS: Final = (0, 1, 2, 3, 4, 5, 6, 13, 27)
"""Days after publishing on which a post's metrics are collected (late each evening)."""

PLATFORMS: Final = (Platform.WEIBO, Platform.WECHAT, Platform.DOUYIN)
BEIJING: Final = ZoneInfo("Asia/Shanghai")

TEAM = {
    "planner": Actor("li.na", [Role.CONTENT_PLANNER], name="Li Na"),
    "planner2": Actor("zhao.lei", [Role.CONTENT_PLANNER], name="Zhao Lei"),
    "reviewer": Actor("wang.fang", [Role.REVIEWER], name="Wang Fang"),
    "admin": Actor("chen.jie", [Role.OPERATIONS_ADMIN], name="Chen Jie"),
    "tech": Actor("liu.yang", [Role.TECHNICAL_SUPPORT], name="Liu Yang"),
    "budget_owner": Actor("zhou.min", [Role.BUDGET_OWNER], name="Zhou Min"),
}

CampaignRole = Literal["topic", "kol", "eresources"]


def beijing_time(day: date, hour: int, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING).astimezone(UTC)


def quarter_start(index: int) -> date:
    """The first day of the ``index``-th simulated quarter (0 is the first)."""
    month = START.month - 1 + 3 * index
    return date(START.year + month // 12, month % 12 + 1, 1)


def quarter_length(index: int) -> int:
    """Days in the ``index``-th simulated calendar quarter (90 to 92)."""
    return (quarter_start(index + 1) - quarter_start(index)).days


def quarter_name(index: int) -> str:
    """The ``index``-th simulated quarter as its year and number: ``2026 Q2``."""
    first = quarter_start(index)
    return f"{first.year} Q{(first.month - 1) // 3 + 1}"


_COUNT_WORDS: Final = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def quarters_label(scale: int) -> str:
    """What ``scale`` quarters from :data:`START` cover, for people.

    ``one library's quarter, 2026 Q2``; ``three quarters, 2026 Q2–Q4``; ``five quarters,
    2026 Q2–2027 Q2`` (the year is said again when the last quarter is in another year).
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a whole number of at least 1, not {scale!r}")
    first, last = quarter_name(0), quarter_name(scale - 1)
    if scale == 1:
        return f"one library's quarter, {first}"
    count = _COUNT_WORDS[scale - 1] if scale <= len(_COUNT_WORDS) else str(scale)
    same_year = first[:4] == last[:4]
    return f"{count} quarters, {first}–{last[5:] if same_year else last}"

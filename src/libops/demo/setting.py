"""The demo's fixed setting: the quarter's dates, the platforms, the library's team."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Final, Literal
from zoneinfo import ZoneInfo

from libops.domain.values import Actor, Platform, Role

START: Final = date(2026, 4, 1)
"""The first day of the first simulated quarter."""

QUARTER_DAYS: Final = 91
"""Days in the simulated quarter (1 April to 30 June)."""

DEFAULT_POSTS: Final = 240
"""Posts drafted per quarter by default."""

METRIC_DAYS: Final = (0, 1, 2, 3, 4, 5, 6, 13, 27)
"""Days after publishing on which a post's metrics are collected (late each evening)."""

PLATFORMS: Final = (Platform.WEIBO, Platform.WECHAT, Platform.DOUYIN)
BEIJING: Final = ZoneInfo("Asia/Shanghai")

TEAM = {
    "planner": Actor("li.na", [Role.CONTENT_PLANNER], name="Li Na (content planner)"),
    "planner2": Actor("zhao.lei", [Role.CONTENT_PLANNER], name="Zhao Lei (content planner)"),
    "reviewer": Actor("wang.fang", [Role.REVIEWER], name="Wang Fang (reviewer)"),
    "admin": Actor("chen.jie", [Role.OPERATIONS_ADMIN], name="Chen Jie (operations admin)"),
    "tech": Actor("liu.yang", [Role.TECHNICAL_SUPPORT], name="Liu Yang (technical support)"),
    "budget_owner": Actor("zhou.min", [Role.BUDGET_OWNER], name="Zhou Min (budget owner)"),
}

CampaignRole = Literal["topic", "kol", "eresources"]


def beijing_time(day: date, hour: int, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING).astimezone(UTC)


def quarter_start(index: int) -> date:
    """The first day of the ``index``-th simulated quarter (0 is the first)."""
    month = START.month - 1 + 3 * index
    return date(START.year + month // 12, month % 12 + 1, 1)

"""The key dates the content calendar marks (docs/web.md): days a library plans posts around.

libops's cadence policy knows its surge windows (World Book Day by default: one more post
allowed that day); the calendar shows those too, by their names in the policy. This table adds
the days that raise no limit but that planners want to see coming. Only days with a fixed
Gregorian date are listed: festivals of the lunar calendar (Spring Festival, the Mid-Autumn
Festival) move every year and are left to the team's own plan.
"""

from __future__ import annotations

from typing import Final

import attrs


@attrs.frozen
class KeyDate:
    """A day every year (``month``, ``day``), with its name in English and in Chinese."""

    month: int
    day: int
    name_en: str
    name_zh: str

    def name(self, lang: str) -> str:
        """The day's name in ``lang`` (``zh`` or ``en``)."""
        return self.name_zh if lang == "zh" else self.name_en


KEY_DATES: Final[tuple[KeyDate, ...]] = (
    KeyDate(1, 1, "New Year's Day", "元旦"),
    KeyDate(3, 8, "International Women's Day", "国际妇女节"),
    KeyDate(4, 2, "International Children's Book Day", "国际儿童图书日"),
    KeyDate(4, 23, "World Book Day", "世界读书日"),
    KeyDate(5, 4, "Youth Day", "五四青年节"),
    KeyDate(6, 1, "International Children's Day", "国际儿童节"),
    KeyDate(9, 8, "International Literacy Day", "国际扫盲日"),
    KeyDate(9, 10, "Teachers' Day", "教师节"),
    KeyDate(10, 1, "National Day", "国庆节"),
)
"""The fixed days the calendar marks, in the order of the year."""

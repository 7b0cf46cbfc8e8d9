"""The demo's plan of a quarter: which day, platforms, hours, campaign and kind each post gets."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Final

import attrs

from libops.demo.setting import PLATFORMS, QUARTER_DAYS, CampaignRole
from libops.domain.values import ContentType, Format, Platform

_CONTENT_MIX: Final[dict[CampaignRole, tuple[float, float, float]]] = {
    # Weights of news, knowledge and interactive posts.
    "topic": (0.35, 0.2, 0.45),
    "kol": (0.3, 0.3, 0.4),
    "eresources": (0.25, 0.55, 0.2),
}

# Posting hours (Beijing time) each platform's editor picks from, with weights.
_HOURS: Final = {
    Platform.WEIBO: ((8, 12, 18, 21), (2, 3, 2, 3)),
    Platform.WECHAT: ((7, 12, 20), (2, 2, 3)),
    Platform.DOUYIN: ((12, 18, 21), (1, 2, 3)),
}


@attrs.frozen
class PlannedPost:
    """One post of the quarter's plan: its day, platforms and hours, campaign and kind."""

    n: int
    day: int
    slots: tuple[tuple[Platform, int, int], ...]  # platform, Beijing hour, minute
    role: CampaignRole
    content_type: ContentType
    format: Format
    slip: bool  # the author leaves a phone number in: the review catches it


@attrs.frozen
class Windows:
    """The days of the quarter's topic campaign, its main day and the KOL collaboration."""

    topic: tuple[int, int]
    surge: int
    kol: tuple[int, int]

    def role(self, day: int, platforms: tuple[Platform, ...]) -> CampaignRole:
        """The campaign a post on ``day`` on ``platforms`` belongs to."""
        if self.topic[0] <= day <= self.topic[1]:
            return "topic"
        if self.kol[0] <= day <= self.kol[1] and Platform.WECHAT not in platforms:
            return "kol"
        return "eresources"


def quarter_windows(days: int) -> Windows:
    """The campaign windows of a quarter simulated over ``days`` days."""
    topic_start = round(0.13 * days)
    kol_start = round(0.44 * days)
    return Windows(
        topic=(topic_start, max(topic_start, round(0.33 * days))),
        surge=min(days - 1, 22 * days // QUARTER_DAYS),
        kol=(kol_start, max(kol_start, round(0.66 * days))),
    )


def _spread(rng: random.Random, count: int, days: int) -> list[int]:
    """``count`` days spread evenly over ``days``, each jittered inside its share."""
    return [min(days - 1, int((i + rng.random()) * days / count)) for i in range(count)]


def plan_posts(
    rng: random.Random, posts: int, first: date, days: int, windows: Windows
) -> list[PlannedPost]:
    """Which day, platforms, hours, campaign and kind each post of the quarter gets."""
    cross = posts // 20 if posts >= 20 else 0
    singles = posts - cross
    weibo = round(singles * 0.64)
    wechat = round(singles * 0.14)
    douyin = singles - weibo - wechat
    # World Book Day gets an extra Weibo post (the surge window allows it).
    spread = _spread(rng, max(weibo - 1, 0), days)
    if len(spread) >= 2:  # the quarter opens and closes on Weibo: every day of it is covered
        spread[0], spread[-1] = 0, days - 1
    weibo_days = spread + ([windows.surge] if weibo else [])
    wechat_days = _spread(rng, wechat, days) if wechat else []
    groups: list[tuple[int, tuple[Platform, ...]]] = []
    for platform, days_of in (
        (Platform.WEIBO, weibo_days),
        (Platform.WECHAT, wechat_days),
        (Platform.DOUYIN, _spread(rng, douyin, days) if douyin else []),
    ):
        groups.extend((day, (platform,)) for day in days_of)
    # Cross-platform posts go on days with room on Weibo (and, mostly, in WeChat's week).
    per_day = Counter(weibo_days)
    per_week = Counter((first + timedelta(days=d)).isocalendar()[:2] for d in wechat_days)
    for i in range(cross):
        wanted = int((i + 0.5) * days / cross)
        candidates = sorted(range(days), key=lambda d: abs(d - wanted))[:7]
        day = min(
            candidates,
            key=lambda d: (
                per_day[d] >= 2,
                per_week[(first + timedelta(days=d)).isocalendar()[:2]] >= 4,
                abs(d - wanted),
            ),
        )
        per_day[day] += 1
        per_week[(first + timedelta(days=day)).isocalendar()[:2]] += 1
        groups.append((day, PLATFORMS))
    groups.sort(key=lambda g: (g[0], [p.value for p in g[1]]))
    planned = []
    for n, (day, platforms) in enumerate(groups):
        role = windows.role(day, platforms)
        content_type = rng.choices(list(ContentType), weights=_CONTENT_MIX[role])[0]
        slots = []
        for platform in platforms:
            hours, weights = _HOURS[platform]
            slots.append((platform, rng.choices(hours, weights=weights)[0], rng.randrange(50)))
        if Platform.DOUYIN in platforms:
            live = role == "kol" and content_type is ContentType.NEWS  # the KOL's live Q&A
            fmt = Format.LIVE if live else Format.VIDEO
        else:
            fmt = Format.VIDEO if rng.random() < 0.2 else Format.IMAGE_TEXT
        planned.append(
            PlannedPost(
                n, day, tuple(slots), role, content_type, fmt, n == 3 or rng.random() < 0.05
            )
        )
    return planned

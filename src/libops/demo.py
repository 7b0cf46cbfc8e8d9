"""The demo: one library's quarter of social-media operations, run on sandbox platforms.

Three campaigns run over the quarter (1 April to 30 June 2026): a World Book Day topic
campaign on Weibo, WeChat and Douyin around 23 April, a KOL collaboration on Weibo and Douyin
in May, and a cross-platform promotion of the library's e-resources all quarter. A few hundred
posts of every content type go through review (personal data caught and fixed), scheduling
under the cadence policy, publishing (one platform failure, retried) and daily metrics; readers
ask questions, join a reading session and a prize quiz, get moderated and ask for erasure; the
budget pays for it all; risks are logged and one incident handled. ``scale`` repeats this for
more quarters (the demo doubles as a load generator).

Everything is deterministic from the seed: the plan, the sandbox platforms' audiences, the
readers and the simulated clock. Every command carries an idempotency key derived from the
seed and the sizes, so running the demo again on the same store records nothing new.
"""

from __future__ import annotations

import heapq
import importlib
import itertools
import random
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import Reception, SandboxPlatform
from libops.bootstrap import LibOps
from libops.domain.budget import BudgetCategory
from libops.domain.cadence import CadenceBreach
from libops.domain.errors import EntryRefusedError, LibopsError, OverspendError
from libops.domain.interaction.contest import ContestKind, ContestRules, EntryMethod, Prize
from libops.domain.interaction.moderation import CommentRef
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.post import MetricOutcome, PlatformStatus
from libops.domain.risk import IncidentSeverity, Risk, RiskCategory
from libops.domain.values import (
    Actor,
    ContentType,
    Format,
    KolPartner,
    Metric,
    Money,
    Objective,
    Period,
    Platform,
    PostVariant,
    ReviewChecklist,
    Role,
)

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

# The topic campaign of each quarter of the year: (Chinese, English, hashtag).
_THEMES: Final = {
    2: ("世界读书日", "World Book Day", "世界读书日"),
    3: ("暑期阅读季", "Summer Reading", "暑期阅读"),
    4: ("金秋读书月", "Autumn Reading Month", "金秋读书月"),
    1: ("寒假阅读计划", "Winter Reading", "寒假阅读"),
}

_TEXTS: Final[dict[tuple[CampaignRole, ContentType], tuple[tuple[str, str], ...]]] = {
    ("topic", ContentType.NEWS): (
        ("{theme}活动预告", "{theme}期间图书馆将举办系列阅读活动，欢迎读者参加。"),
        ("开放时间调整", "{theme}当天图书馆延长开放至晚上十点。"),
        ("新书上架通知", "本周新到图书300余册，涵盖文学、历史与科普，欢迎借阅。"),
    ),
    ("topic", ContentType.KNOWLEDGE): (
        ("阅读推荐书单", "馆员为您精选十本好书，陪伴您度过{theme}。"),
        ("馆藏珍本介绍", "带您走近本馆收藏的清代刻本，了解古籍修复的故事。"),
        ("如何高效阅读", "三个小技巧，帮助您在忙碌中保持阅读习惯。"),
    ),
    ("topic", ContentType.INTERACTIVE): (
        ("你最爱的一本书", "留言分享你最爱的一本书，说说它为什么打动你？"),
        ("{theme}有奖问答", "回答三道与阅读有关的问题，参与抽奖赢取纪念品！你准备好了吗？"),
        ("阅读打卡挑战", "连续七天打卡阅读，晒出你的读书笔记，你能坚持几天？"),
    ),
    ("kol", ContentType.NEWS): (
        ("书虫小王来馆啦", "知名书评人@书虫小王将与馆员一起直播逛馆，敬请期待。"),
        ("直播回放上线", "与@书虫小王的直播回放已上线，错过的读者可以补看。"),
    ),
    ("kol", ContentType.KNOWLEDGE): (
        ("书评人的私藏书单", "@书虫小王推荐五本适合初夏阅读的小说。"),
        ("怎样写一篇书评", "@书虫小王分享写书评的三个步骤。"),
    ),
    ("kol", ContentType.INTERACTIVE): (
        ("向书虫小王提问", "直播前征集问题：你想问书评人什么？"),
        ("书评接龙", "用一句话评价你最近读完的书，优秀评论将被@书虫小王翻牌！你会写什么？"),
    ),
    ("eresources", ContentType.NEWS): (
        ("新增数据库试用", "本馆新开通两个学术数据库的试用，欢迎读者体验。"),
        ("电子书平台升级", "电子书平台完成升级，借阅更快更方便。"),
    ),
    ("eresources", ContentType.KNOWLEDGE): (
        ("电子资源使用指南", "在家也能访问数据库：远程访问电子资源的步骤。"),
        ("如何检索期刊论文", "三步学会在本馆平台检索期刊论文。"),
        ("有声书怎么听", "手机上收听本馆有声书的方法。"),
    ),
    ("eresources", ContentType.INTERACTIVE): (
        ("你用过哪些电子资源", "留言告诉我们你最常用的电子资源，你希望我们增加什么？"),
        ("电子资源小测验", "这些数据库你都认识吗？来测一测吧，你能答对几道？"),
    ),
}

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

_SURNAMES: Final = "张李王陈刘杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN: Final = (
    "晓雨",
    "明",
    "芳",
    "静",
    "洋",
    "磊",
    "丽",
    "杰",
    "敏",
    "浩",
    "蕾",
    "平",
    "婷",
    "强",
)
_QUESTIONS: Final = (
    "周末开放到几点？",
    "电子书可以在家借吗？",
    "读书会需要提前报名吗？",
    "有奖问答什么时候公布结果？",
    "可以带孩子参加活动吗？",
    "借书证丢了怎么办？",
    "数据库在校外怎么登录？",
    "直播会有回放吗？",
)
_PHONE: Final = " 咨询电话 13812345678"


# --- what a run says --------------------------------------------------------------------


@attrs.frozen
class CampaignSummary:
    """One campaign the demo ran."""

    id: str
    name: str
    kind: str
    platforms: list[str]
    start: str
    end: str
    status: str
    posts: int


@attrs.frozen
class ReaderSummary:
    """What the demo did with readers: questions, reading sessions, contests, moderation."""

    readers: int
    questions: int
    answered: int
    escalated: int
    median_response_minutes: float
    session_registrations: int
    session_attended: int
    contest_entries: int
    contest_refused: int
    winners: int
    draws_verified: int
    draws: int
    moderation_actions: int
    automatic_sanctions: int
    erasures: int


@attrs.frozen
class MoneySummary:
    """What the demo did with the budgets (one per quarter)."""

    currency: str
    allocated: str
    committed: str
    spent: str
    available: str
    kol_fees: str
    expenses: int
    adjustments: int
    overspends_refused: int


@attrs.frozen
class RiskSummary:
    """The risks in the store after the run, and their incidents."""

    risks: int
    escalated: int
    incidents: int
    open_incidents: int
    from_signals: int


@attrs.frozen
class DemoSummary:
    """What one run of the demo did (figures about the store are the same on a rerun)."""

    store: str
    seed: int
    scale: int
    start: str
    end: str
    posts: int
    variants: int
    published: int
    failures: int
    changes_requested: int
    cadence_warnings: int
    cadence_over_max: int
    metrics_recorded: int
    metrics_corrected: int
    metrics_unchanged: int
    content_types: dict[str, int]
    formats: dict[str, int]
    events_before: int
    events_after: int
    totals_by_platform: dict[str, dict[str, int]]
    campaigns: list[CampaignSummary]
    readers: ReaderSummary
    money: MoneySummary
    risks: RiskSummary
    projected: bool
    report: str | None
    report_note: str | None

    @property
    def new_events(self) -> int:
        """How many events this run recorded."""
        return self.events_after - self.events_before


# --- the plan ------------------------------------------------------------------------------


@attrs.frozen
class _PlannedPost:
    n: int
    day: int
    slots: tuple[tuple[Platform, int, int], ...]  # platform, Beijing hour, minute
    role: CampaignRole
    content_type: ContentType
    format: Format
    slip: bool  # the author leaves a phone number in: the review catches it


@attrs.frozen
class _Windows:
    topic: tuple[int, int]
    surge: int
    kol: tuple[int, int]

    def role(self, day: int, platforms: tuple[Platform, ...]) -> CampaignRole:
        if self.topic[0] <= day <= self.topic[1]:
            return "topic"
        if self.kol[0] <= day <= self.kol[1] and Platform.WECHAT not in platforms:
            return "kol"
        return "eresources"


def _windows(days: int) -> _Windows:
    topic_start = round(0.13 * days)
    kol_start = round(0.44 * days)
    return _Windows(
        topic=(topic_start, max(topic_start, round(0.33 * days))),
        surge=min(days - 1, 22 * days // QUARTER_DAYS),
        kol=(kol_start, max(kol_start, round(0.66 * days))),
    )


def _spread(rng: random.Random, count: int, days: int) -> list[int]:
    """``count`` days spread evenly over ``days``, each jittered inside its share."""
    return [min(days - 1, int((i + rng.random()) * days / count)) for i in range(count)]


def _plan_posts(
    rng: random.Random, posts: int, first: date, days: int, windows: _Windows
) -> list[_PlannedPost]:
    """Which day, platforms, hours, campaign and kind each post of the quarter gets."""
    cross = posts // 20 if posts >= 20 else 0
    singles = posts - cross
    weibo = round(singles * 0.64)
    wechat = round(singles * 0.14)
    douyin = singles - weibo - wechat
    # World Book Day gets an extra Weibo post (the surge window allows it).
    weibo_days = _spread(rng, max(weibo - 1, 0), days) + ([windows.surge] if weibo else [])
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
            _PlannedPost(
                n, day, tuple(slots), role, content_type, fmt, n == 3 or rng.random() < 0.05
            )
        )
    return planned


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING).astimezone(UTC)


def _quarter_start(index: int) -> date:
    month = START.month - 1 + 3 * index
    return date(START.year + month // 12, month % 12 + 1, 1)


# --- the simulation -----------------------------------------------------------------------

Action = Callable[[], None]


@dataclass
class _Tally:
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
    moderation_actions: int = 0
    sanctions: int = 0
    erasures: int = 0
    overspends_refused: int = 0
    readers: set[str] = field(default_factory=set)


class _Simulation:
    """The agenda of timed actions of every quarter, run in time order on a manual clock."""

    def __init__(self, ops: LibOps, clock: ManualClock, gateways: list[SandboxPlatform]) -> None:
        self.ops = ops
        self.clock = clock
        self.gateways = {g.platform: g for g in gateways}
        self.tally = _Tally()
        self.taste: dict[str, tuple[ContentType, float]] = {}
        self._agenda: list[tuple[datetime, int, Action]] = []
        self._order = itertools.count()

    def at(self, when: datetime, action: Action) -> None:
        heapq.heappush(self._agenda, (when, next(self._order), action))

    def run(self, progress: Callable[[str, int, int], None]) -> None:
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
        hour_reach, hour_engagement = _HOUR_TASTE.get(
            published_at.astimezone(BEIJING).hour, (1.0, 1.0)
        )
        type_reach, type_engagement = _TYPE_TASTE[content_type]
        return Reception(
            reach=hour_reach * type_reach * boost, engagement=hour_engagement * type_engagement
        )


class _Quarter:
    """One quarter of one library: three campaigns, their posts, readers, money and risks."""

    def __init__(
        self, sim: _Simulation, index: int, key: str, seed: int, posts: int, days: int
    ) -> None:
        self.sim = sim
        self.ops = sim.ops
        self.index = index
        self.key = f"{key}:q{index}"
        self.rng = random.Random(f"{seed}:{index}:plan")
        self.first = _quarter_start(index)
        self.days = days
        self.windows = _windows(days)
        self.plan = _plan_posts(self.rng, posts, self.first, days, self.windows)
        theme = _THEMES[(self.first.month - 1) // 3 + 1]
        self.theme_zh, self.theme_en, self.hashtag = theme
        self.year = self.first.year
        self.campaigns: dict[CampaignRole, UUID] = {}
        self.budget_id: UUID | None = None
        self.kol_reference = ""
        self.kol = KolPartner(
            "@书虫小王", Platform.WEIBO, 120_000, ["3 posts", "1 live Q&A"], Money("8000.00")
        )
        self.post_ids: dict[int, UUID] = {}
        self.risks: dict[str, UUID] = {}
        self.weibo_slots = sorted(
            (_at(self.day(p.day), hour, minute), p.n)
            for p in self.plan
            for platform, hour, minute in p.slots
            if platform is Platform.WEIBO
        )
        self.corrected: set[UUID] = set()
        self.questions: list[UUID] = []
        self.incident_number: int | None = None

    @property
    def latest_weibo_post(self) -> UUID | None:
        """The post last due on Weibo by now (from the plan, so a rerun finds the same one)."""
        now = self.sim.clock.now()
        due = [n for at, n in self.weibo_slots if at <= now]
        return self.post_ids.get(due[-1]) if due else None

    def day(self, offset: int) -> date:
        return self.first + timedelta(days=offset)

    # --- building the agenda ---------------------------------------------------------------

    def schedule_all(self) -> None:
        sim, w, days = self.sim, self.windows, self.days
        sim.at(_at(self.day(-3), 9), self.open_quarter)
        sim.at(_at(self.day(max(w.topic[0] - 3, -3)), 9, 30), self.launcher("topic"))
        sim.at(_at(self.day(w.topic[1] + 1), 10), self.completer("topic"))
        sim.at(_at(self.day(max(w.kol[0] - 7, -3)), 9, 40), self.engage_kol)
        sim.at(_at(self.day(max(w.kol[0] - 3, -3)), 9, 45), self.launcher("kol"))
        sim.at(_at(self.day(w.kol[1] + 1), 10, 5), self.completer("kol"))
        sim.at(_at(self.day(days), 10, 10), self.completer("eresources"))
        for post in self.plan:
            sim.at(_at(self.day(post.day - 2), 10, post.n % 60), self.drafter(post))
            for _platform, hour, minute in post.slots:
                sim.at(_at(self.day(post.day), hour, minute), self.publisher)
        # The first Douyin publish on or after the surge day times out; retried an hour later.
        douyin = [
            (p.day, h, m)
            for p in self.plan
            for platform, h, m in p.slots
            if platform is Platform.DOUYIN and p.day >= w.surge
        ]
        if douyin:
            first = min(douyin)
            sim.at(_at(self.day(first[0]), first[1], first[2]) - timedelta(minutes=1), self.hiccup)
        last_day = max((p.day for p in self.plan), default=0)
        for offset in range(last_day + max(METRIC_DAYS) + 1):
            sim.at(_at(self.day(offset), 23, 30), self.collector(offset))
        self.schedule_readers()
        self.schedule_money()

    def schedule_readers(self) -> None:
        sim, w, rng = self.sim, self.windows, random.Random(f"{self.key}:readers")
        count = max(6, len(self.plan) // 10)
        for i in range(count):
            offset = rng.randrange(self.days)
            asked = _at(self.day(offset), rng.randrange(9, 22), rng.randrange(60))
            # Most answers come within the hour, some after hours; the last never does.
            delay = None if i == count - 1 else timedelta(minutes=round(rng.expovariate(1 / 90)))
            sim.at(asked, self.asker(i, delay))
        opened = _at(self.day(-3), 10)  # after the quarter's campaigns are planned
        session = _at(self.day(w.surge), 19)
        planned = max(opened, min(_at(self.day(w.topic[0]), 11), session - timedelta(days=6)))
        sim.at(planned, self.session_scheduler(session))
        self.registrants = max(8, len(self.plan) // 15)
        for i in range(self.registrants):
            sim.at(
                planned + (session - planned) * (i + 1) / (self.registrants + 1), self.registrar(i)
            )
        sim.at(session + timedelta(minutes=5), self.session_runner)
        opens = _at(self.day(max(w.surge - 1, 0)), 10)
        closes = opens + timedelta(days=3)
        announced = max(opened, min(_at(self.day(w.topic[0]), 11, 30), opens - timedelta(hours=2)))
        sim.at(announced, self.contest_announcer(opens, closes))
        self.contestants = max(12, len(self.plan) // 8)
        for i in range(self.contestants):
            sim.at(opens + (closes - opens) * (i + 0.5) / self.contestants, self.contestant(i))
        sim.at(closes + timedelta(minutes=1), self.contest_closer)
        for i in range(3):
            sim.at(_at(self.day(w.kol[0] + 2 * i + 1), 21, 30), self.moderator(i))
        last_day = max((p.day for p in self.plan), default=0)
        sim.at(_at(self.day(last_day + max(METRIC_DAYS) + 1), 15), self.eraser)

    def schedule_money(self) -> None:
        sim, w = self.sim, self.windows
        expenses: tuple[tuple[int, str, str, str, BudgetCategory, CampaignRole | None], ...] = (
            (
                w.topic[0],
                "Inkstone Design",
                "INK",
                "4600.00",
                BudgetCategory.CONTENT_CREATION,
                "topic",
            ),
            (w.surge - 3, "Weibo promotion", "WB-AD", "3500.00", BudgetCategory.PROMOTION, "topic"),
            (
                5,
                "Lantern Video Studio",
                "LVS",
                "3800.00",
                BudgetCategory.CONTENT_CREATION,
                "eresources",
            ),
            (
                w.kol[1] + 2,
                "Douyin promotion",
                "DY-AD",
                "4000.00",
                BudgetCategory.PROMOTION,
                "eresources",
            ),
            (10, "Schedulr SaaS", "SCH", "1200.00", BudgetCategory.TECHNICAL_SUPPORT, None),
        )
        for offset, vendor, prefix, amount, category, role in expenses:
            sim.at(
                _at(self.day(max(offset, -2)), 16),
                self.expense(vendor, f"{prefix}-{self.year}-{self.index}", amount, category, role),
            )
        sim.at(_at(self.day(w.kol[1] + 5), 16, 30), self.settle_kol)
        sim.at(_at(self.day(w.kol[1] + 3), 16, 10), self.adjust)
        sim.at(_at(self.day(w.kol[1] + 6), 16, 20), self.overspend)

    # --- the actions -----------------------------------------------------------------------

    def open_quarter(self) -> None:
        ops, key, owner, planner = self.ops, self.key, TEAM["budget_owner"], TEAM["planner"]
        last = self.day(self.days - 1)
        quarter = f"{self.year} Q{(self.first.month - 1) // 3 + 1}"
        budget_id = ops.budgets.open(
            owner,
            name=f"新媒体运营预算 {quarter} / Social media budget {quarter}",
            period=Period(self.first, last),
            idempotency_key=f"{key}:budget",
        )
        self.budget_id = budget_id
        w = self.windows
        specs: dict[
            CampaignRole,
            tuple[str, str, Period, tuple[Platform, ...], list[Objective], list[str], str],
        ] = {
            "topic": (
                f"{self.theme_zh} {self.year} / {self.theme_en} {self.year}",
                "topic",
                Period(self.day(w.topic[0]), self.day(w.topic[1])),
                PLATFORMS,
                [
                    Objective(Metric.READS, 60_000),
                    Objective(Metric.ENGAGEMENTS, 5_000),
                    Objective(Metric.FOLLOWERS_GAINED, 300, Platform.WECHAT),
                ],
                [self.hashtag, "阅读"],
                "The quarter's reading festival, with a surge of posts on its main day.",
            ),
            "kol": (
                f"书评人@书虫小王合作 {self.year} / KOL collaboration {self.year}",
                "kol",
                Period(self.day(w.kol[0]), self.day(w.kol[1])),
                (Platform.WEIBO, Platform.DOUYIN),
                [
                    Objective(Metric.VIEWS, 40_000, Platform.DOUYIN),
                    Objective(Metric.ENGAGEMENTS, 3_000),
                ],
                ["书虫小王", "读书"],
                "Posts and a live Q&A with a book reviewer who has a large following.",
            ),
            "eresources": (
                f"电子资源推广 {quarter} / E-resources promotion {quarter}",
                "cross_platform",
                Period(self.first, last),
                PLATFORMS,
                [Objective(Metric.READS, 80_000), Objective(Metric.SHARES, 1_500)],
                ["电子资源", "数字阅读"],
                "Databases, e-books and audiobooks the library offers, promoted everywhere.",
            ),
        }
        for role, (name, kind, period, platforms, objectives, tags, text) in specs.items():
            self.campaigns[role] = ops.campaigns.plan(
                planner,
                name=name,
                kind=kind,
                period=period,
                platforms=platforms,
                objectives=objectives,
                hashtags=tags,
                description=text,
                idempotency_key=f"{key}:campaign:{role}",
            )
        lines: tuple[tuple[BudgetCategory, str, CampaignRole | None], ...] = (
            (BudgetCategory.CONTENT_CREATION, "6000.00", "topic"),
            (BudgetCategory.PROMOTION, "5000.00", "topic"),
            (BudgetCategory.PARTNERSHIPS, "9000.00", "kol"),
            (BudgetCategory.PROMOTION, "2000.00", "kol"),
            (BudgetCategory.CONTENT_CREATION, "6000.00", "eresources"),
            (BudgetCategory.PROMOTION, "5000.00", "eresources"),
            (BudgetCategory.TECHNICAL_SUPPORT, "3000.00", None),
            (BudgetCategory.STAFF, "20000.00", None),
        )
        for category, amount, line_role in lines:
            ops.budgets.allocate(
                owner,
                budget_id,
                category,
                Money(amount),
                campaign_id=None if line_role is None else self.campaigns[line_role],
                idempotency_key=f"{key}:allocate:{category.value}:{line_role}",
            )
        admin, tech = TEAM["admin"], TEAM["tech"]
        risks: tuple[tuple[str, str, RiskCategory, int, int, Actor, CampaignRole], ...] = (
            (
                "douyin",
                "抖音发布接口不稳定 / Douyin publishing unstable",
                RiskCategory.TECHNICAL,
                2,
                4,
                tech,
                "eresources",
            ),
            (
                "kol",
                "合作书评人言论风险 / A KOL's remarks reflect on the library",
                RiskCategory.CONTENT,
                2,
                3,
                admin,
                "kol",
            ),
            (
                "privacy",
                "帖子泄露读者个人信息 / Personal data in a post",
                RiskCategory.REGULATORY,
                2,
                5,
                admin,
                "topic",
            ),
        )
        for name, title, risk_category, likelihood, impact, owner_actor, role in risks:
            self.risks[name] = ops.risks.identify(
                admin,
                title=title,
                category=risk_category,
                likelihood=likelihood,
                impact=impact,
                owner=owner_actor,
                campaign_id=self.campaigns[role],
                idempotency_key=f"{key}:risk:{name}",
            )
        ops.risks.add_mitigation(
            tech,
            self.risks["douyin"],
            description="Publish Douyin videos a day early and keep a manual fallback",
            due_on=self.day(14),
            owner=tech,
            idempotency_key=f"{key}:risk:douyin:mitigation",
        )
        ops.campaigns.launch(admin, self.campaigns["eresources"], idempotency_key=f"{key}:launch")

    def launcher(self, role: CampaignRole) -> Action:
        def launch() -> None:
            self.ops.campaigns.launch(
                TEAM["admin"], self.campaigns[role], idempotency_key=f"{self.key}:launch:{role}"
            )

        return launch

    def completer(self, role: CampaignRole) -> Action:
        def complete() -> None:
            self.ops.campaigns.complete(
                TEAM["admin"], self.campaigns[role], idempotency_key=f"{self.key}:complete:{role}"
            )

        return complete

    def engage_kol(self) -> None:
        assert self.budget_id is not None
        self.kol_reference = self.ops.campaigns.engage_kol_partner(
            TEAM["planner"],
            self.campaigns["kol"],
            self.kol,
            budget_id=self.budget_id,
            idempotency_key=f"{self.key}:kol",
        )

    def _variants(self, post: _PlannedPost, title: str, body: str) -> list[PostVariant]:
        tag = {"topic": self.hashtag, "kol": "书虫小王", "eresources": "电子资源"}[post.role]
        image = (f"media/q{self.index}-{post.n:04d}.jpg",)
        link = "https://library.example.org/e-resources" if post.role == "eresources" else None
        variants = []
        for platform, _hour, _minute in post.slots:
            if platform is Platform.WEIBO:
                variants.append(
                    PostVariant(platform, f"#{tag}#【{title}】{body}", media=image, link=link)
                )
            elif platform is Platform.WECHAT:
                text = f"{title}\n\n{body}\n\n欢迎关注本馆公众号，获取更多阅读资讯。"
                variants.append(PostVariant(platform, text, media=image, link=link))
            else:
                video = (f"media/q{self.index}-{post.n:04d}.mp4",)
                variants.append(PostVariant(platform, f"{title} {body} #{tag}", media=video))
        return variants

    def drafter(self, post: _PlannedPost) -> Action:
        def draft() -> None:
            self._draft(post)

        return draft

    def _draft(self, post: _PlannedPost) -> None:
        ops, key, tally = self.ops, f"{self.key}:post:{post.n}", self.sim.tally
        reviewer, admin = TEAM["reviewer"], TEAM["admin"]
        author = TEAM["planner"] if post.n % 2 == 0 else TEAM["planner2"]
        texts = _TEXTS[(post.role, post.content_type)]
        title_template, body_template = texts[post.n % len(texts)]
        title = f"{title_template.format(theme=self.theme_zh)}（第{post.n + 1}期）"
        body = body_template.format(theme=self.theme_zh)
        near_surge = abs(post.day - self.windows.surge) <= 1
        boost = 1.5 if near_surge else 1.4 if post.role == "kol" else 1.0
        written = body + (_PHONE if post.slip else "")
        variants = self._variants(post, title, written)
        fixed = self._variants(post, title, body)
        for variant in (*variants, *fixed):
            self.sim.taste[variant.text] = (post.content_type, boost)
        post_id = ops.posts.draft(
            author,
            title=title,
            body=written,
            content_type=post.content_type,
            format=post.format,
            variants=variants,
            media=[f"media/q{self.index}-{post.n:04d}.jpg"],
            source="City Library",
            licence="CC BY 4.0",
            campaign_id=self.campaigns[post.role],
            idempotency_key=f"{key}:draft",
        )
        self.post_ids[post.n] = post_id
        if ops.posts.submit_for_review(author, post_id, idempotency_key=f"{key}:submit"):
            tally.changes_requested += 1
            ops.posts.review(
                reviewer,
                post_id,
                ReviewChecklist(True, True, False, "contains a phone number"),
                approve=False,
                comments="请删除个人电话号码",
                idempotency_key=f"{key}:review1",
            )
            ops.posts.revise(
                author, post_id, body=body, variants=fixed, idempotency_key=f"{key}:revise"
            )
            ops.posts.submit_for_review(author, post_id, idempotency_key=f"{key}:submit2")
        ops.posts.review(
            reviewer,
            post_id,
            ReviewChecklist(True, True, True),
            approve=True,
            idempotency_key=f"{key}:approve",
        )
        for platform, hour, minute in post.slots:
            warnings = ops.posts.schedule(
                admin,
                post_id,
                platform,
                _at(self.day(post.day), hour, minute),
                idempotency_key=f"{key}:schedule:{platform.value}",
            )
            tally.cadence_warnings += len(warnings)
            tally.cadence_over_max += sum(1 for w in warnings if w.breach is CadenceBreach.OVER_MAX)

    def hiccup(self) -> None:
        gateway = self.sim.gateways[Platform.DOUYIN]
        gateway.fail_next(1, "upstream timeout (sandbox)", retryable=True)

    def publisher(self) -> None:
        tally, failed = self.sim.tally, []
        for outcome in self.ops.publishing.publish_due(TEAM["tech"]):
            if outcome.receipt is not None:
                tally.published += 1
            else:
                tally.failures += 1
                failed.append(outcome)
        if failed:
            now = self.sim.clock.now()
            self.sim.at(now + timedelta(minutes=20), self.report_incident)
            self.sim.at(now + timedelta(hours=1), self.publisher)
            self.sim.at(now + timedelta(hours=2), self.resolve_incident)

    def report_incident(self) -> None:
        ops, tech, admin, risk_id = self.ops, TEAM["tech"], TEAM["admin"], self.risks["douyin"]
        self.incident_number = ops.risks.report_incident(
            tech,
            risk_id,
            severity=IncidentSeverity.MODERATE,
            affected="Douyin video of the quarter's topic campaign",
            summary="upstream timeout on publish; retried an hour later",
            started_at=self.sim.clock.now() - timedelta(minutes=20),
            idempotency_key=f"{self.key}:risk:douyin:incident",
        )
        ops.risks.reassess(
            admin,
            risk_id,
            likelihood=4,
            impact=4,
            reason="it happened once already",
            idempotency_key=f"{self.key}:risk:douyin:reassess",
        )

    def resolve_incident(self) -> None:
        if self.incident_number is None:
            return
        self.ops.risks.resolve_incident(
            TEAM["tech"],
            self.risks["douyin"],
            self.incident_number,
            resolution="republished; the platform confirmed the outage",
            idempotency_key=f"{self.key}:risk:douyin:resolve",
        )

    def collector(self, offset: int) -> Action:
        due = [p for p in self.plan if offset - p.day in METRIC_DAYS]

        def collect() -> None:
            for post in due:
                post_id = self.post_ids.get(post.n)
                if post_id is not None and post_id not in self.corrected:
                    self._collect(post, post_id, offset - post.day)

        return collect

    def _collect(self, post: _PlannedPost, post_id: UUID, age: int) -> None:
        tally = self.sim.tally
        for m in self.ops.publishing.collect_metrics(TEAM["tech"], post_id):
            if m.outcome is MetricOutcome.UNCHANGED:
                tally.metrics_unchanged += 1
            elif m.outcome is not None:
                tally.metrics_recorded += 1
        # Twice a quarter Weibo removes likes from bot accounts: a correction, two weeks on.
        if age == 13 and post.n % 97 == 5 and post.slots[0][0] is Platform.WEIBO:
            self._correct(post_id)

    def _correct(self, post_id: UUID) -> None:
        ops = self.ops
        receipt = ops.posts.get(post_id).receipt(Platform.WEIBO)
        if receipt is None:
            return
        try:
            snapshot = ops.publishing.gateway(Platform.WEIBO).metrics(receipt.external_id)
        except LibopsError:
            return  # a rerun: the sandbox never published this post, the store has it already
        lowered = attrs.evolve(snapshot, likes=snapshot.likes * 4 // 5)
        outcome = ops.posts.record_metrics(
            TEAM["tech"], post_id, lowered, idempotency_key=f"{self.key}:correct:{post_id}"
        )
        if outcome is MetricOutcome.CORRECTED:
            self.sim.tally.metrics_corrected += 1
        self.corrected.add(post_id)

    # --- readers ---------------------------------------------------------------------------

    def reader(self, i: int) -> tuple[PersonalInfo, str]:
        name = _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i // len(_SURNAMES)) % len(_GIVEN)]
        handle = f"@reader_{self.year}q{self.index}_{i:03d}"
        subject = self.ops.privacy.subject_id_for("weibo", handle)
        self.sim.tally.readers.add(subject)
        return PersonalInfo(name=name, handle=handle), subject

    def consent(self, purpose: str) -> Consent:
        return Consent(purpose=purpose, given_at=self.sim.clock.now())

    def asker(self, i: int, delay: timedelta | None) -> Action:
        def ask() -> None:
            info, subject = self.reader(i)
            question_id = self.ops.questions.receive(
                TEAM["planner"],
                platform=Platform.WEIBO,
                text=_QUESTIONS[i % len(_QUESTIONS)],
                asker=info,
                subject_id=subject,
                consent=self.consent("回答读者提问 / answering the reader's question"),
                post_id=self.latest_weibo_post,
                idempotency_key=f"{self.key}:question:{i}",
            )
            self.sim.tally.questions += 1
            self.questions.append(question_id)
            now = self.sim.clock.now()
            if delay is None:
                self.sim.at(now + timedelta(hours=25), self.escalate)
            else:
                self.sim.at(now + delay, self.answerer(i, question_id))

        return ask

    def answerer(self, i: int, question_id: UUID) -> Action:
        def answer() -> None:
            seconds = self.ops.questions.answer(
                TEAM["planner"],
                question_id,
                f"感谢提问！详见图书馆官网第{i + 1}条说明。",
                idempotency_key=f"{self.key}:answer:{i}",
            )
            self.sim.tally.response_minutes.append(seconds / 60)

        return answer

    def escalate(self) -> None:
        escalated = self.ops.questions.escalate_overdue(
            TEAM["admin"], idempotency_key=f"{self.key}:escalate"
        )
        self.sim.tally.escalated += len(escalated)

    def session_scheduler(self, starts: datetime) -> Action:
        def schedule() -> None:
            self.session_id = self.ops.sessions.schedule(
                TEAM["planner"],
                title=f"{self.theme_zh}线上读书会 / {self.theme_en} reading circle",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=self.registrants + 5,
                platform=Platform.WECHAT,
                campaign_id=self.campaigns["topic"],
                idempotency_key=f"{self.key}:session",
            )
            self.registered: list[str] = []

        return schedule

    def registrar(self, i: int) -> Action:
        def register() -> None:
            info, subject = self.reader(100 + i)
            self.registered.append(
                self.ops.sessions.register(
                    TEAM["planner"],
                    self.session_id,
                    participant=info,
                    subject_id=subject,
                    consent=self.consent("读书会报名与提醒 / registration and reminders"),
                    idempotency_key=f"{self.key}:register:{i}",
                )
            )
            self.sim.tally.registrations += 1

        return register

    def session_runner(self) -> None:
        ops, planner, key = self.ops, TEAM["planner"], self.key
        attended = self.registered[: len(self.registered) * 3 // 4]
        for i, subject in enumerate(attended):
            ops.sessions.record_attendance(
                planner, self.session_id, subject, idempotency_key=f"{key}:attend:{i}"
            )
        for i, subject in enumerate(attended[:5]):
            ops.sessions.record_contribution(
                planner,
                self.session_id,
                subject,
                f"分享了一本喜欢的书（{i + 1}）",
                idempotency_key=f"{key}:contribute:{i}",
            )
        self.sim.tally.attended += len(attended)
        self.sim.at(self.sim.clock.now() + timedelta(hours=2), self.session_closer)

    def session_closer(self) -> None:
        self.ops.sessions.close(
            TEAM["planner"], self.session_id, idempotency_key=f"{self.key}:session:close"
        )

    def contest_announcer(self, opens: datetime, closes: datetime) -> Action:
        def announce() -> None:
            rules = ContestRules(
                eligibility="关注本馆微博的读者均可参加，馆员除外 / followers, not staff",
                opens_at=opens,
                closes_at=closes,
                entry_method=EntryMethod.ANSWER,
                prizes=(Prize(f"{self.theme_zh}纪念帆布袋 / {self.theme_en} tote bag", 3),),
                platforms=(Platform.WEIBO,),
                entries_per_person=1,
                correct_answer_required=True,
            )
            self.contest_id = self.ops.contests.announce(
                TEAM["admin"],
                kind=ContestKind.PRIZE_QUIZ,
                title=f"{self.theme_zh}有奖问答 / {self.theme_en} quiz",
                rules=rules,
                campaign_id=self.campaigns["topic"],
                idempotency_key=f"{self.key}:contest",
            )
            self.sim.at(opens, self.contest_opener)

        return announce

    def contest_opener(self) -> None:
        self.ops.contests.open(
            TEAM["admin"], self.contest_id, idempotency_key=f"{self.key}:contest:open"
        )

    def contestant(self, i: int) -> Action:
        def enter() -> None:
            info, subject = self.reader(200 + i)
            try:
                self.ops.contests.enter(
                    TEAM["planner"],
                    self.contest_id,
                    participant=info,
                    subject_id=subject,
                    consent=self.consent("有奖问答抽奖与领奖 / quiz draw and prize delivery"),
                    platform=Platform.WEIBO,
                    method=EntryMethod.ANSWER,
                    answer_correct=i % 5 != 4,
                    idempotency_key=f"{self.key}:entry:{i}",
                )
                self.sim.tally.entries += 1
            except EntryRefusedError:
                self.sim.tally.refused += 1  # a wrong answer: refused, nothing recorded

        return enter

    def contest_closer(self) -> None:
        ops, admin, key = self.ops, TEAM["admin"], self.key
        ops.contests.close(admin, self.contest_id, idempotency_key=f"{key}:contest:close")
        winners = ops.contests.draw(admin, self.contest_id, idempotency_key=f"{key}:contest:draw")
        self.sim.tally.winners += len(winners)
        self.sim.tally.draws += 1
        self.sim.tally.draws_verified += int(ops.contests.verify(self.contest_id).matches)

    def moderator(self, i: int) -> Action:
        def moderate() -> None:
            post_id = self.latest_weibo_post
            if post_id is None:
                return
            ops, admin, key = self.ops, TEAM["admin"], self.key
            troll = ops.privacy.subject_id_for("weibo", f"@angry_reader_{self.index}")
            comment = CommentRef(post_id, Platform.WEIBO, f"c-q{self.index}-{i}")
            ops.moderation.hide(
                admin,
                troll,
                comment,
                "人身攻击 / personal insult",
                idempotency_key=f"{key}:hide:{i}",
            )
            ops.moderation.warn(
                admin,
                troll,
                comment,
                f"第{i + 1}次警告 / warning {i + 1}",
                idempotency_key=f"{key}:warn:{i}",
            )
            helpful = self.reader(i)[1]
            ops.moderation.feature(
                TEAM["planner"],
                helpful,
                CommentRef(post_id, Platform.WEIBO, f"c-q{self.index}-good-{i}"),
                "优质书评 / a thoughtful review",
                idempotency_key=f"{key}:feature:{i}",
            )
            tally = self.sim.tally
            tally.moderation_actions += 3
            if i == 2:
                record = ops.moderation.record(troll)
                tally.sanctions += int(record is not None and record.automatic_sanction is not None)

        return moderate

    def eraser(self) -> None:
        subject = self.reader(1)[1]
        self.ops.privacy.erase(
            TEAM["admin"], subject, "读者申请删除个人信息 / the reader's request"
        )
        self.sim.tally.erasures += 1

    # --- money -----------------------------------------------------------------------------

    def expense(
        self,
        vendor: str,
        invoice: str,
        amount: str,
        category: BudgetCategory,
        role: CampaignRole | None,
    ) -> Action:
        def record() -> None:
            assert self.budget_id is not None
            self.ops.budgets.record_expense(
                TEAM["admin"],
                self.budget_id,
                vendor=vendor,
                invoice_reference=invoice,
                amount=Money(amount),
                category=category,
                campaign_id=None if role is None else self.campaigns[role],
                idempotency_key=f"{self.key}:expense:{invoice}",
            )

        return record

    def settle_kol(self) -> None:
        assert self.budget_id is not None
        self.ops.budgets.record_expense(
            TEAM["admin"],
            self.budget_id,
            vendor="书虫小王工作室 / Bookworm Studio",
            invoice_reference=f"KOL-{self.year}-{self.index}",
            amount=self.kol.fee,
            category=BudgetCategory.PARTNERSHIPS,
            campaign_id=self.campaigns["kol"],
            settles=self.kol_reference,
            idempotency_key=f"{self.key}:expense:kol",
        )

    def adjust(self) -> None:
        assert self.budget_id is not None
        campaign = self.campaigns["eresources"]
        self.ops.budgets.move(
            TEAM["admin"],
            self.budget_id,
            amount=Money("1500.00"),
            from_category=BudgetCategory.CONTENT_CREATION,
            to_category=BudgetCategory.PROMOTION,
            from_campaign_id=campaign,
            to_campaign_id=campaign,
            reason="电子资源推广追加投放 / more promotion for the e-resources",
            approver=TEAM["budget_owner"],
            idempotency_key=f"{self.key}:move:promotion",
        )

    def overspend(self) -> None:
        assert self.budget_id is not None
        try:  # a second Douyin buy would go past what the line has left: refused
            self.ops.budgets.record_expense(
                TEAM["admin"],
                self.budget_id,
                vendor="Douyin promotion",
                invoice_reference=f"DY-AD2-{self.year}-{self.index}",
                amount=Money("6000.00"),
                category=BudgetCategory.PROMOTION,
                campaign_id=self.campaigns["eresources"],
            )
        except OverspendError:
            self.sim.tally.overspends_refused += 1


# --- running it ----------------------------------------------------------------------------


def run_demo(
    url: str,
    *,
    seed: int = 2026,
    posts: int = DEFAULT_POSTS,
    days: int = QUARTER_DAYS,
    scale: int = 1,
    project: bool = False,
    report_dir: Path | None = None,
    lang: str = "en",
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoSummary:
    """Run the demo on the store at ``url`` (migrating it first) and say what happened.

    ``posts`` posts per quarter spread over ``days`` days (the whole quarter by default);
    ``scale`` quarters one after another. With ``project`` the standard projections are
    caught up and their risk signals dispatched at the end; with ``report_dir`` the report is
    written there too (in ``lang``), once :mod:`libops.report` exists.
    """
    for name, value, lowest in (("posts", posts, 1), ("days", days, 1), ("scale", scale, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise ValueError(f"{name} must be a whole number of at least {lowest}, not {value!r}")
    if days > QUARTER_DAYS:
        raise ValueError(f"days must be at most {QUARTER_DAYS} (one quarter), not {days}")
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    report = progress or (lambda _stage, _done, _total: None)
    clock = ManualClock(_at(START - timedelta(days=4), 9))
    sim_holder: list[_Simulation] = []

    def reception(variant: PostVariant, at: datetime) -> Reception:
        return sim_holder[0].reception(variant, at)

    gateways = [
        SandboxPlatform(
            platform,
            seed=seed,
            clock=clock,
            supports_idempotency_key=i % 2 == 0,
            reception=reception,
        )
        for i, platform in enumerate(PLATFORMS)
    ]
    key = f"demo-{seed}-{posts}x{days}"
    with LibOps.open(url, clock=clock, migrate=True, gateways=gateways) as ops:
        events_before = int(ops.app.recorder.max_notification_id() or 0)
        sim = _Simulation(ops, clock, gateways)
        sim_holder.append(sim)
        quarters = [_Quarter(sim, q, key, seed, posts, days) for q in range(scale)]
        for quarter in quarters:
            quarter.schedule_all()
        sim.run(report)
        from_signals = 0
        if project or report_dir is not None:
            report("projections", 0, 3)
            ops.projections.run()
            report("projections", 1, 3)
            from libops.application.risk_signals import dispatch_signals

            outcomes = dispatch_signals(ops, ops.projections)
            from_signals = sum(1 for o in outcomes if o.recorded)
            report("projections", 2, 3)
            ops.projections.run()
            report("projections", 3, 3)
        written, note = None, None
        if report_dir is not None:
            written, note = _write_report(ops, report_dir, lang)
        events_after = int(ops.app.recorder.max_notification_id() or 0)
        return _summarise(
            ops,
            sim,
            quarters,
            seed,
            scale,
            events_before,
            events_after,
            from_signals,
            project or report_dir is not None,
            written,
            note,
        )


def _write_report(ops: LibOps, report_dir: Path, lang: str) -> tuple[str | None, str | None]:
    """THE REPORT HOOK: write the report with :func:`libops.report.write_report`, if it exists.

    Imported lazily: the report package is built separately; until it can be imported the
    demo says so in one line and carries on. Returns where the report is (its HTML file) or
    a one-line note saying why there is none.
    """
    try:
        module = importlib.import_module("libops.report")
        write_report = module.write_report
    except (ImportError, AttributeError) as error:
        return None, f"report skipped: libops.report is not available yet ({error})"
    try:
        files = write_report(ops, report_dir, lang=lang)
    except LibopsError as error:  # no CJK font for --lang zh, a directory it cannot write
        return None, f"report not written: {error}"
    return str(getattr(files, "html", report_dir)), None


def _summarise(
    ops: LibOps,
    sim: _Simulation,
    quarters: list[_Quarter],
    seed: int,
    scale: int,
    events_before: int,
    events_after: int,
    from_signals: int,
    projected: bool,
    report: str | None,
    note: str | None,
) -> DemoSummary:
    tally = sim.tally
    totals: dict[str, Counter[str]] = {p.value: Counter() for p in PLATFORMS}
    content_types: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    per_campaign: Counter[UUID] = Counter()
    variants = published = 0
    for quarter in quarters:
        for post_id in quarter.post_ids.values():
            post = ops.posts.get(post_id)
            content_types[post.content_type.value] += 1
            formats[post.format.value] += 1
            if post.campaign_id is not None:
                per_campaign[post.campaign_id] += 1
            for platform in post.platforms:
                variants += 1
                if post.platform_status(platform) is PlatformStatus.PUBLISHED:
                    published += 1
                snapshot = post.latest_metrics(platform)
                if snapshot is not None:
                    for name, value in snapshot.counts().items():
                        totals[platform.value][name] += value or 0
    campaigns = []
    for quarter in quarters:
        for campaign_id in quarter.campaigns.values():
            campaign = ops.campaigns.get(campaign_id)
            campaigns.append(
                CampaignSummary(
                    id=str(campaign_id),
                    name=campaign.name,
                    kind=campaign.kind.value,
                    platforms=[p.value for p in campaign.platforms],
                    start=campaign.period.start.isoformat(),
                    end=campaign.period.end.isoformat(),
                    status=campaign.status.value,
                    posts=per_campaign[campaign_id],
                )
            )
    minutes = sorted(tally.response_minutes)
    readers = ReaderSummary(
        readers=len(tally.readers),
        questions=tally.questions,
        answered=len(minutes),
        escalated=tally.escalated,
        median_response_minutes=round(statistics.median(minutes), 1) if minutes else 0.0,
        session_registrations=tally.registrations,
        session_attended=tally.attended,
        contest_entries=tally.entries,
        contest_refused=tally.refused,
        winners=tally.winners,
        draws=tally.draws,
        draws_verified=tally.draws_verified,
        moderation_actions=tally.moderation_actions,
        automatic_sanctions=tally.sanctions,
        erasures=tally.erasures,
    )
    return DemoSummary(
        store=ops.config.redacted_url,
        seed=seed,
        scale=scale,
        start=quarters[0].first.isoformat(),
        end=quarters[-1].day(quarters[-1].days - 1).isoformat(),
        posts=sum(len(q.post_ids) for q in quarters),
        variants=variants,
        published=published,
        failures=tally.failures,
        changes_requested=tally.changes_requested,
        cadence_warnings=tally.cadence_warnings,
        cadence_over_max=tally.cadence_over_max,
        metrics_recorded=tally.metrics_recorded,
        metrics_corrected=tally.metrics_corrected,
        metrics_unchanged=tally.metrics_unchanged,
        content_types=dict(sorted(content_types.items())),
        formats=dict(sorted(formats.items())),
        events_before=events_before,
        events_after=events_after,
        totals_by_platform={k: dict(sorted(v.items())) for k, v in totals.items()},
        campaigns=campaigns,
        readers=readers,
        money=_money(ops, quarters, tally.overspends_refused),
        risks=_risks(ops, from_signals),
        projected=projected,
        report=report,
        report_note=note,
    )


def _money(ops: LibOps, quarters: list[_Quarter], refused: int) -> MoneySummary:
    allocated = committed = spent = available = fees = Decimal(0)
    expenses = adjustments = 0
    currency = "CNY"
    for quarter in quarters:
        if quarter.budget_id is None:
            continue
        positions = ops.budgets.positions(quarter.budget_id).values()
        currency = ops.budgets.get(quarter.budget_id).currency
        allocated += sum((p.allocated.amount for p in positions), Decimal(0))
        committed += sum((p.committed.amount for p in positions), Decimal(0))
        spent += sum((p.spent.amount for p in positions), Decimal(0))
        available += sum((p.available for p in positions), Decimal(0))
        fees += quarter.kol.fee.amount
        expenses += len(ops.budgets.expenses(quarter.budget_id))
        adjustments += len(ops.budgets.adjustments(quarter.budget_id))
    return MoneySummary(
        currency=currency,
        allocated=str(allocated),
        committed=str(committed),
        spent=str(spent),
        available=str(available),
        kol_fees=str(fees),
        expenses=expenses,
        adjustments=adjustments,
        overspends_refused=refused,
    )


def _risks(ops: LibOps, from_signals: int) -> RiskSummary:
    seen: dict[UUID, None] = {}
    start = 1
    while True:
        batch = ops.app.recorder.select_notifications(
            start=start, limit=1000, topics=(Risk.Identified.TOPIC,)
        )
        for notification in batch:
            originator = notification.originator_id
            seen[originator if isinstance(originator, UUID) else UUID(originator)] = None
        if len(batch) < 1000:
            break
        start = batch[-1].id + 1
    escalated = incidents = open_incidents = 0
    for risk_id in seen:
        risk = ops.risks.get(risk_id)
        escalated += int(risk.escalated)
        incidents += len(risk.incidents)
        open_incidents += len(ops.risks.follow_up(risk_id).open_incidents)
    return RiskSummary(
        risks=len(seen),
        escalated=escalated,
        incidents=incidents,
        open_incidents=open_incidents,
        from_signals=from_signals,
    )


def summary_lines(summary: DemoSummary) -> list[str]:
    """The demo's summary as lines of text for people."""
    quarters = "one quarter" if summary.scale == 1 else f"{summary.scale} quarters"
    lines = [
        f"store: {summary.store} (seed {summary.seed}, {quarters}: "
        f"{summary.start} to {summary.end})",
        "campaigns:",
    ]
    for c in summary.campaigns:
        lines.append(
            f"  {c.name} [{c.kind}, {', '.join(c.platforms)}; {c.start} to {c.end}; "
            f"{c.status}]: {c.posts} posts"
        )
    types = ", ".join(f"{k} {v}" for k, v in summary.content_types.items())
    lines += [
        f"posts drafted and reviewed: {summary.posts} ({types}); "
        f"{summary.changes_requested} sent back by the reviewer for personal data",
        f"variants published: {summary.published} of {summary.variants}; "
        f"failed attempts retried: {summary.failures}",
        f"cadence warnings while scheduling: {summary.cadence_warnings} "
        f"({summary.cadence_over_max} over a maximum)",
        f"metric snapshots recorded: {summary.metrics_recorded}, corrections: "
        f"{summary.metrics_corrected} (identical snapshots ignored: {summary.metrics_unchanged})",
    ]
    r, m, k = summary.readers, summary.money, summary.risks
    lines += [
        f"readers: {r.readers}; Q&A: {r.questions} questions, {r.answered} answered (median "
        f"{r.median_response_minutes} min), {r.escalated} escalated for waiting too long",
        f"reading sessions: {r.session_registrations} registered, {r.session_attended} attended",
        f"prize quizzes: {r.contest_entries} entries ({r.contest_refused} refused), "
        f"{r.winners} winners, draws verified from the events: {r.draws_verified} of {r.draws}",
        f"moderation: {r.moderation_actions} actions, {r.automatic_sanctions} automatic "
        f"sanctions; erasure requests honoured: {r.erasures}",
        f"money ({m.currency}): allocated {m.allocated}, spent {m.spent} in {m.expenses} "
        f"expenses, available {m.available}; KOL fees {m.kol_fees} committed and paid; "
        f"{m.adjustments} adjustments; overspends refused: {m.overspends_refused}",
        f"risks: {k.risks} ({k.escalated} escalated, {k.from_signals} opened or raised by "
        f"signals this run); incidents: {k.incidents} ({k.open_incidents} open)",
        "engagement totals by platform:",
    ]
    for platform, counts in summary.totals_by_platform.items():
        shown = ", ".join(f"{name} {value}" for name, value in counts.items() if value)
        lines.append(f"  {platform}: {shown or 'no metrics yet'}")
    lines.append(
        f"events recorded by this run: {summary.new_events} (store now holds "
        f"{summary.events_after})"
    )
    if summary.report:
        lines.append(f"report: {summary.report}")
    elif summary.report_note:
        lines.append(summary.report_note)
    return lines

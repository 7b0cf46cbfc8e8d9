"""The state one simulated quarter shares between its actions (posts, readers, money)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from uuid import UUID

from libops.demo.plan import plan_posts, quarter_windows
from libops.demo.setting import CampaignRole, beijing_time, quarter_length, quarter_start
from libops.demo.simulation import Simulation
from libops.demo.texts import THEMES, content, quarter_zh
from libops.domain.values import KolPartner, Money, Platform


class QuarterState:
    """What one simulated quarter knows: its plan, campaigns, budget, risks and posts so far."""

    def __init__(
        self,
        sim: Simulation,
        index: int,
        key: str,
        seed: int,
        posts: int,
        days: int | None,
        lang: str = "en",
    ) -> None:
        self.sim = sim
        self.ops = sim.ops
        self.index = index
        self.key = f"{key}:q{index}"
        self.seed = seed
        self.rng = random.Random(f"{seed}:{index}:plan")
        self.first = quarter_start(index)
        # The whole calendar quarter (90 to 92 days), or its first ``days`` days.
        length = quarter_length(index)
        self.days = length if days is None else min(days, length)
        self.windows = quarter_windows(self.days)
        self.plan = plan_posts(self.rng, posts, self.first, self.days, self.windows)
        theme = THEMES[(self.first.month - 1) // 3 + 1]
        self.theme_zh, self.theme_en, self.hashtag = theme
        self.year = self.first.year
        self.lang = lang
        self.campaigns: dict[CampaignRole, UUID] = {}
        self.budget_id: UUID | None = None
        self.kol_reference = ""
        self.kol = KolPartner(
            "@书虫小王",
            Platform.WEIBO,
            120_000,
            [self.say("deliverable_posts"), self.say("deliverable_live")],
            Money("8000.00"),
        )
        self.post_ids: dict[int, UUID] = {}
        self.risks: dict[str, UUID] = {}
        self.weibo_slots = sorted(
            (beijing_time(self.day(p.day), hour, minute), p.n)
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

    def say(self, name: str, **fields: object) -> str:
        """The text ``name`` (:data:`~libops.demo.texts.CONTENT`) in the run's language,
        with this quarter's theme, year and quarter filled in."""
        number = (self.first.month - 1) // 3 + 1
        return content(
            name,
            self.lang,
            theme=self.theme_zh,
            theme_en=self.theme_en,
            year=self.year,
            quarter=f"{self.year} Q{number}",
            quarter_zh=quarter_zh(self.year, number),
            **fields,
        )

    def day(self, offset: int) -> date:
        """The date ``offset`` days into the quarter."""
        return self.first + timedelta(days=offset)

"""Replaying the log from zero gives exactly the views the live projections show."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from libops import LibOps
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.demo import TEAM
from libops.domain.budget import BudgetCategory
from libops.domain.errors import LibopsError
from libops.domain.risk import IncidentSeverity, RiskCategory
from libops.domain.values import (
    ContentType,
    Format,
    Metric,
    MetricSnapshot,
    Money,
    Objective,
    Period,
    Platform,
    PostVariant,
    ReviewChecklist,
)

START = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)
PERIOD = Period(date(2026, 4, 1), date(2026, 6, 30))
PLATFORMS = (Platform.WEIBO, Platform.WECHAT, Platform.DOUYIN)
CATEGORIES = (BudgetCategory.CONTENT_CREATION, BudgetCategory.PROMOTION)
ACTIONS = (
    "plan",
    "launch",
    "draft",
    "submit",
    "approve",
    "schedule",
    "publish_due",
    "collect",
    "metrics",
    "budget",
    "allocate",
    "expense",
    "risk",
    "incident",
)
T = TypeVar("T")
MAX_EXAMPLES = settings().max_examples  # the profile's: 25 dev, 100 ci

steps = st.lists(
    st.tuples(
        st.sampled_from((*ACTIONS, "draft", "draft", "publish_due", "metrics")),  # more posts
        st.integers(0, 999),
        st.booleans(),
    ),
    min_size=10,
    max_size=150,
)


class NothingYetError(Exception):
    """The action needs something (a post, a budget, ...) the history has not made yet."""


def pick(items: list[T], n: int) -> T:
    """The ``n``-th item, cyclically; :class:`NothingYetError` if there is none."""
    if not items:
        raise NothingYetError
    return items[n % len(items)]


class History:
    """Drives one random history through the services, remembering ids to act on."""

    def __init__(self, ops: LibOps, clock: ManualClock) -> None:
        self.ops = ops
        self.clock = clock
        self.campaigns: list[UUID] = []
        self.posts: list[UUID] = []
        self.published: list[tuple[UUID, Platform]] = []
        self.snapshots: dict[tuple[UUID, Platform], MetricSnapshot] = {}
        self.budgets: list[UUID] = []
        self.risks: list[UUID] = []
        self.done: set[str] = set()

    def step(self, action: str, n: int) -> None:
        """One action on the history; a refused command (it records nothing) is skipped."""
        try:
            getattr(self, action)(n)
        except (LibopsError, NothingYetError):
            return
        self.done.add(action)

    def plan(self, n: int) -> None:
        self.campaigns.append(
            self.ops.campaigns.plan(
                TEAM["planner"],
                name=f"C{n}",
                kind="topic" if n % 2 else "kol",
                period=PERIOD,
                platforms=PLATFORMS,
                objectives=[Objective(Metric.READS, 100 + n % 1000)] if n % 3 else (),
            )
        )

    def launch(self, n: int) -> None:
        self.ops.campaigns.launch(TEAM["admin"], pick(self.campaigns, n))

    def draft(self, n: int) -> None:
        """Draft a post, then take it ``n % 4`` stages on: submitted, approved, scheduled."""
        media = {
            Platform.WEIBO: (),
            Platform.WECHAT: (f"m/{n}.jpg",),
            Platform.DOUYIN: (f"m/{n}.mp4",),
        }
        variants = [
            PostVariant(p, f"post {n} on {p.value}", media=media[p]) for p in PLATFORMS[: 1 + n % 3]
        ]
        campaign = pick(self.campaigns, n) if self.campaigns and n % 5 else None
        post = self.ops.posts.draft(
            TEAM["planner"],
            title=f"P{n}",
            body=f"body {n}",
            content_type=list(ContentType)[n % len(ContentType)],
            format=Format.IMAGE_TEXT,
            variants=variants,
            campaign_id=campaign,
        )
        self.posts.append(post)
        stages = (self.submit, self.approve, self.schedule)[: n % 4]
        for stage in stages:
            stage(len(self.posts) - 1)

    def _post(self, n: int) -> UUID:
        return pick(self.posts, n)

    def submit(self, n: int) -> None:
        self.ops.posts.submit_for_review(TEAM["planner"], self._post(n))

    def approve(self, n: int) -> None:
        self.ops.posts.review(
            TEAM["reviewer"], self._post(n), ReviewChecklist(True, True, True), approve=True
        )

    def schedule(self, n: int) -> None:
        post = self._post(n)
        at = self.clock.now() + timedelta(hours=1 + n % 30)
        for platform in self.ops.posts.get(post).platforms:
            self.ops.posts.schedule(TEAM["admin"], post, platform, at)

    def publish_due(self, n: int) -> None:
        self.clock.advance(timedelta(hours=1 + n % 24))
        for outcome in self.ops.publishing.publish_due(TEAM["tech"]):
            if outcome.receipt is not None:
                self.published.append((outcome.post_id, outcome.platform))

    def collect(self, n: int) -> None:
        self.clock.advance(timedelta(hours=1 + n % 12))
        self.ops.publishing.collect_metrics(TEAM["tech"])
        for post, platform in self.published:
            latest = self.ops.posts.get(post).latest_metrics(platform)
            if latest is not None:
                self.snapshots[(post, platform)] = latest

    def metrics(self, n: int) -> None:
        """A hand-recorded snapshot: identical, lower (a correction) or higher than the last."""
        post, platform = pick(self.published, n)
        last = self.snapshots.get((post, platform))
        base = {} if last is None else {k: v or 0 for k, v in last.counts().items()}
        change = (0, -1, 5)[n % 3]
        counts = {
            name: max(0, base.get(name, 10) + change * (1 + (n >> i) % 3))
            for i, name in enumerate(("reads", "views", "likes", "comments", "shares"))
        }
        self.clock.advance(timedelta(minutes=1 + n % 90))
        snapshot = MetricSnapshot(platform, self.clock.now(), **counts)
        self.ops.posts.record_metrics(TEAM["tech"], post, snapshot)
        self.snapshots[(post, platform)] = snapshot

    def budget(self, n: int) -> None:
        self.budgets.append(
            self.ops.budgets.open(TEAM["budget_owner"], name=f"B{n}", period=PERIOD)
        )

    def allocate(self, n: int) -> None:
        campaign = pick(self.campaigns, n) if self.campaigns and n % 2 else None
        self.ops.budgets.allocate(
            TEAM["budget_owner"],
            pick(self.budgets, n),
            CATEGORIES[n % 2],
            Money(f"{1000 + n % 5000}.{n % 100:02d}"),
            campaign_id=campaign,
        )

    def expense(self, n: int) -> None:
        self.ops.budgets.record_expense(
            TEAM["admin"],
            pick(self.budgets, n),
            vendor=f"V{n % 3}",
            invoice_reference=f"INV-{n}",
            amount=Money(f"{1 + n % 900}.{n % 7}0"),
            category=CATEGORIES[(n >> 1) % 2],
        )

    def risk(self, n: int) -> None:
        categories = list(RiskCategory)
        campaign = pick(self.campaigns, n) if self.campaigns and n % 2 else None
        self.risks.append(
            self.ops.risks.identify(
                TEAM["admin"],
                title=f"R{n}",
                category=categories[n % len(categories)],
                likelihood=1 + n % 5,
                impact=1 + (n >> 3) % 5,
                owner=TEAM["admin"],
                campaign_id=campaign,
            )
        )

    def incident(self, n: int) -> None:
        severities = list(IncidentSeverity)
        self.ops.risks.report_incident(
            TEAM["admin"],
            pick(self.risks, n),
            severity=severities[n % len(severities)],
            affected=f"A{n % 4}",
        )


def run_history(ops: LibOps, clock: ManualClock, plan: list[tuple[str, int, bool]]) -> History:
    """Drive ``plan`` on ``ops``, running the live engine (partly or fully) where it says."""
    history = History(ops, clock)
    for action, n, run_now in plan:
        history.step(action, n)
        if run_now:
            ops.projections.run(max_batches=None if n % 2 else 1 + n % 3)
    return history


def assert_replay_equals_live(ops: LibOps) -> dict[str, dict[str, Any]]:
    """Catch the live engine up, then rebuild every projection from zero: same views."""
    engine = ops.projections
    engine.run()
    live = {name: engine.view(name) for name in engine.names}
    positions = {name: engine.position(name) for name in engine.names}
    for name in engine.names:
        engine.rebuild(name)
        assert engine.position(name) == positions[name], name
        assert engine.view(name) == live[name], name
    return live


@contextmanager
def opened(kind: str) -> Iterator[tuple[LibOps, ManualClock]]:
    """A fresh store of ``kind`` ("memory" or "sqlite") with sandbox platforms."""
    clock = ManualClock(START)
    gateways = [SandboxPlatform(p, seed=7, clock=clock) for p in PLATFORMS]
    with tempfile.TemporaryDirectory() as folder:
        url = "memory://" if kind == "memory" else f"sqlite:///{folder}/store.db"
        with LibOps.open(url, clock=clock, migrate=True, gateways=gateways) as ops:
            yield ops, clock


class TestReplayEqualsLive:
    @settings(max_examples=MAX_EXAMPLES, deadline=None)
    @given(plan=steps)
    def test_memory(self, plan: list[tuple[str, int, bool]]) -> None:
        """On memory://, a rebuild from zero equals the live views, projection by projection."""
        with opened("memory") as (ops, clock):
            run_history(ops, clock, plan)
            assert_replay_equals_live(ops)

    @settings(max_examples=MAX_EXAMPLES, deadline=None)
    @given(plan=steps)
    def test_sqlite(self, plan: list[tuple[str, int, bool]]) -> None:
        """On a SQLite file, a rebuild from zero equals the live views, projection by projection."""
        with opened("sqlite") as (ops, clock):
            run_history(ops, clock, plan)
            assert_replay_equals_live(ops)

    def test_long_history_reaches_every_kind_of_event(self) -> None:
        """A fixed long history does every action, with identical and lower snapshots."""
        plan = [("plan", 1, False), ("plan", 2, True), ("launch", 2, False)]
        plan += [("budget", 0, False), ("allocate", 3, False), ("allocate", 4, False)]
        for n in range(6):
            plan += [("draft", n, n % 2 == 0), ("submit", 100 + n, False)]
            plan += [("approve", 100 + n, False), ("schedule", 100 + n, n % 3 == 0)]
        plan += [("publish_due", 23, True), ("publish_due", 23, False), ("collect", 5, True)]
        plan += [("metrics", 0, False), ("metrics", 1, True), ("metrics", 2, False)]
        plan += [("expense", 2, False), ("expense", 5, True), ("risk", 9, False)]
        plan += [("incident", 3, True), ("risk", 10, False), ("incident", 8, False)]
        with opened("sqlite") as (ops, clock):
            history = run_history(ops, clock, plan)
            assert history.done == set(ACTIONS)
            live = assert_replay_equals_live(ops)
        # Reader interactions (and the WCI's WeChat inputs) are outside this history.
        fed = {name for name, view in live.items() if view}
        assert fed >= {"engagement", "cadence", "budget", "risks", "scorecard", "activity"}, fed

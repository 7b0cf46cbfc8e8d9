"""A plain model of the account's standing beside the real libops, on memory, SQLite and
PostgreSQL (issue 17: the state machines of item 9's honours and typical cases, and of the
rankings and service uses recorded beside them).

Hypothesis gives random sequences of the six standing commands (allowed and refused, by
actors with and without the roles, with good and bad values) to both. After every step the
invariants check that the store's one :class:`~libops.domain.standing.Standing` equals the
model, both as the application holds it and replayed from the stored events (the
repository's cache turned off), and that refused commands recorded nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, invariant, multiple, rule

from libops import Actor, LibOps, Period, PostVariant, ReviewChecklist, Role
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.errors import (
    DateRangeError,
    DuplicateHonourError,
    HonourWithdrawnError,
    InvalidValueError,
    PermissionDeniedError,
    RankingTableError,
    TypicalCaseError,
    UnknownHonourError,
    UnknownIdError,
)
from libops.domain.standing import (
    RankingRow,
    ServiceCount,
    Standing,
    honour_key,
    ranking_key,
    services_key,
)
from tests.actors import ADMIN, AUDITOR, OWNER, PLANNER, REVIEWER, TECH
from tests.helpers import count_events, give
from tests.stateful.fresh_store import FreshStorePerRun
from tests.stateful.harness import MachineStore, run_machine

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
MAY = Period(date(2026, 5, 1), date(2026, 5, 31))

RECORDERS = frozenset({Role.OPERATIONS_ADMIN, Role.TECHNICAL_SUPPORT})
"""Who may give every standing command, as the model understands it."""
ACTORS = [ADMIN, TECH, PLANNER, REVIEWER, OWNER, AUDITOR]

US = "滨江市图书馆"
ROW_SETS: list[tuple[RankingRow, ...]] = [
    (RankingRow("国家图书馆", Decimal("1234.5"), 1), RankingRow(US, "980.25", 2)),
    (RankingRow(US, 700, 1), RankingRow("C馆", 700, 1), RankingRow("D馆", "12", 3)),
    (),
    (RankingRow(US, 1, 1), RankingRow(" 滨江市图书馆 ", 2, 2)),
]
"""Two good tables, an empty one and one listing a library twice (its name is stripped)."""
SOURCES = ["文化和旅游部 月榜", " Qingbo ", "  "]
PLATFORMS = ["overall", "weibo", "WeChat", "myspace"]
OURS = [US, "X馆", " "]

TITLES = ["全省优秀新媒体账号", " Best library account ", "  "]
BODIES = ["省文化和旅游厅", "Library Society"]
AWARD_DAYS = [date(2026, 4, 20), date(2026, 5, 4), date(1899, 12, 31)]
NOTES = ["", " 年度评选 "]
REASONS = ["recorded in error", " 换一个案例 ", " "]
THEMES = ["阅读推广", " "]
WHYS = ["全网话题阅读破百万", "\n"]
KINDS = ["post", "campaign", "video"]
SERVICE_KINDS = ["renewal", " 借阅 ", ""]
COUNT_SETS: list[list[tuple[str, int]]] = [
    [("wechat", 120)],
    [("wechat", 1), ("小程序", 30)],
    [],
    [("wechat", 1), (" wechat ", 2)],
]
SUBJECTS = ["published", "draft", "campaign", "unknown", "not-an-id"]
"""What a typical case is asked for: the run's published post, a draft, a campaign, an id
known to nothing, and text that is no id."""


def _may(actor: Actor) -> bool:
    return bool(actor.roles & RECORDERS)


def _mostly(good: list[Any], bad: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(good * 3 + bad)


actors = _mostly([a for a in ACTORS if _may(a)], ACTORS)
cases = _mostly(
    [("published", "post"), ("campaign", "campaign")],
    [(subject, kind) for subject in SUBJECTS for kind in KINDS],
)
"""A subject and the kind it is given as: mostly a good pair, now and then any."""


@attrs.define
class Model:
    """What the model expects the standing to hold (plain values, comparable)."""

    rankings: dict[str, tuple[str, Period, str, str, tuple[RankingRow, ...], str]] = attrs.field(
        factory=dict
    )
    honours: dict[str, tuple[str, str, date, str, str | None]] = attrs.field(factory=dict)
    cases: dict[UUID, tuple[str, str, str, str]] = attrs.field(factory=dict)
    services: dict[str, tuple[Period, str, dict[str, int]]] = attrs.field(factory=dict)
    events: int = 0


def observed(standing: Standing | None) -> Model:
    """The stored standing as the model's plain values."""
    if standing is None:
        return Model()
    return Model(
        rankings={
            key: (r.source, r.period, r.platform, r.index, r.rows, r.us)
            for key, r in standing.rankings.items()
        },
        honours={
            key: (h.title, h.awarded_by, h.awarded_on, h.note, h.withdrawn)
            for key, h in standing.honours.items()
        },
        cases={key: (c.subject_kind, c.title, c.theme, c.why) for key, c in standing.cases.items()},
        services={
            key: (s.period, s.kind, {c.channel: c.count for c in s.counts})
            for key, s in standing.services.items()
        },
        events=standing.version,
    )


@contextmanager
def uncached(ops: LibOps) -> Iterator[None]:
    """The repository without its cache: aggregates are replayed from the stored events."""
    cache = ops.app.repository.cache
    ops.app.repository.cache = None
    try:
        yield
    finally:
        ops.app.repository.cache = cache


class StandingMachine(FreshStorePerRun):
    """Standing commands on libops and on the model, step by step, each run on a store of
    its own (the one standing of a store would otherwise grow with every run)."""

    def options(self) -> dict[str, Any]:
        self.clock = ManualClock(NOW)
        return {
            "clock": self.clock,
            "gateways": [SandboxPlatform("weibo", seed=1, clock=self.clock)],
        }

    honour_ids = Bundle("honour_ids")

    def __init__(self) -> None:
        super().__init__()
        # Each run has a store of its own (FreshStorePerRun); its sources, awarding bodies
        # and service kinds carry the run's tag all the same, so that a record could never
        # be mistaken for another run's.
        self.run = uuid.uuid4().hex[:6]
        self.subjects = _subjects(self.ops, self.clock)
        self.model = observed(self.ops.standing.get())
        self.baseline = count_events(self.ops) - self.model.events

    def _ours(self, text: str) -> str:
        """``text`` made this run's own (blank text stays blank)."""
        return f"{text} {self.run}" if text.strip() else text

    def _give(self, expected: type[Exception] | None, command: Callable[[], object]) -> object:
        return give(self.ops, expected, command)

    def _recorded(self) -> None:
        # The first record also starts the standing (Standing.Started, in the same save).
        self.model.events += 2 if self.model.events == 0 else 1

    @rule(
        actor=actors,
        source=st.sampled_from(SOURCES),
        period=st.sampled_from([APRIL, MAY]),
        platform=st.sampled_from(PLATFORMS),
        rows=st.sampled_from(ROW_SETS),
        us=st.sampled_from(OURS),
    )
    def record_ranking(
        self,
        actor: Actor,
        source: str,
        period: Period,
        platform: str,
        rows: tuple[RankingRow, ...],
        us: str,
    ) -> None:
        names = [row.name for row in rows]
        source = self._ours(source)
        expected: Any = None
        if not _may(actor):
            expected = PermissionDeniedError
        elif not source.strip() or platform.lower() not in {"overall", "weibo", "wechat"}:
            expected = InvalidValueError
        elif not rows or len(set(names)) < len(names):
            expected = RankingTableError
        elif not us.strip():
            expected = InvalidValueError
        elif us.strip() not in names:
            expected = RankingTableError
        found = self._give(
            expected,
            lambda: self.ops.standing.record_ranking(
                actor,
                source=source,
                period=period,
                index="传播力指数",
                rows=rows,
                us=us,
                platform=platform,
            ),
        )
        if expected is None:
            key = ranking_key(source.strip(), "传播力指数", platform.lower(), period)
            assert found == key
            self.model.rankings[key] = (
                source.strip(),
                period,
                platform.lower(),
                "传播力指数",
                rows,
                us.strip(),
            )
            self._recorded()

    @rule(
        target=honour_ids,
        actor=actors,
        title=st.sampled_from(TITLES),
        awarded_by=st.sampled_from(BODIES),
        day=st.sampled_from(AWARD_DAYS),
        note=st.sampled_from(NOTES),
    )
    def record_honour(self, actor: Actor, title: str, awarded_by: str, day: date, note: str) -> Any:
        awarded_by = self._ours(awarded_by)
        key = honour_key(title.strip(), awarded_by, day)
        known = self.model.honours.get(key)
        expected: Any = None
        if not _may(actor):
            expected = PermissionDeniedError
        elif not title.strip():
            expected = InvalidValueError
        elif day.year < 1900:
            expected = DateRangeError
        elif known is not None and known[4] is None:
            expected = DuplicateHonourError
        found = self._give(
            expected,
            lambda: self.ops.standing.record_honour(
                actor, title=title, awarded_by=awarded_by, awarded_on=day, note=note
            ),
        )
        if expected is not None:
            return multiple()
        assert found == key
        self.model.honours[key] = (title.strip(), awarded_by, day, note.strip(), None)
        self._recorded()
        return key

    @rule(
        actor=actors,
        honour_id=honour_ids | st.sampled_from(["no-such-honour", " "]),
        reason=st.sampled_from(REASONS),
    )
    def withdraw_honour(self, actor: Actor, honour_id: str, reason: str) -> None:
        known = self.model.honours.get(honour_id)
        expected: Any = None
        if not _may(actor) or not honour_id.strip() or not reason.strip():
            expected = PermissionDeniedError if not _may(actor) else InvalidValueError
        elif known is None:
            expected = UnknownHonourError
        elif known[4] is not None:
            expected = HonourWithdrawnError
        self._give(expected, lambda: self.ops.standing.withdraw_honour(actor, honour_id, reason))
        if expected is None and known is not None:
            self.model.honours[honour_id] = (*known[:4], reason.strip())
            self._recorded()

    @rule(
        actor=actors,
        case=cases,
        theme=_mostly(THEMES[:1], THEMES[1:]),
        why=_mostly(WHYS[:1], WHYS[1:]),
    )
    def mark_typical_case(self, actor: Actor, case: tuple[str, str], theme: str, why: str) -> None:
        subject, kind = case
        subject_id, title = self.subjects[subject]
        expected: Any = None
        if not _may(actor):
            expected = PermissionDeniedError
        elif kind not in ("post", "campaign"):
            expected = InvalidValueError
        elif (kind == "campaign") != (subject == "campaign") or subject in ("unknown", "not-an-id"):
            expected = UnknownIdError
        elif subject == "draft" or subject_id in self.model.cases:
            expected = TypicalCaseError
        elif not theme.strip() or not why.strip():
            expected = InvalidValueError
        self._give(
            expected,
            lambda: self.ops.standing.mark_typical_case(
                actor, subject_id, theme=theme, why=why, subject_kind=kind
            ),
        )
        if expected is None:
            assert isinstance(subject_id, UUID)
            self.model.cases[subject_id] = (kind, title, theme.strip(), why.strip())
            self._recorded()

    @rule(
        actor=actors,
        subject=_mostly(["published", "campaign"], ["draft", "unknown", "not-an-id"]),
        reason=_mostly(REASONS[:2], REASONS[2:]),
    )
    def unmark_typical_case(self, actor: Actor, subject: str, reason: str) -> None:
        subject_id, _ = self.subjects[subject]
        expected: Any = None
        if not _may(actor):
            expected = PermissionDeniedError
        elif subject == "not-an-id" or not reason.strip():
            expected = InvalidValueError
        elif subject_id not in self.model.cases:
            expected = TypicalCaseError
        self._give(
            expected,
            lambda: self.ops.standing.unmark_typical_case(actor, subject_id, reason),
        )
        if expected is None:
            assert isinstance(subject_id, UUID)
            del self.model.cases[subject_id]
            self._recorded()

    @rule(
        actor=actors,
        period=st.sampled_from([APRIL, MAY]),
        kind=st.sampled_from(SERVICE_KINDS),
        counts=st.sampled_from(COUNT_SETS),
    )
    def record_service_uses(
        self, actor: Actor, period: Period, kind: str, counts: list[tuple[str, int]]
    ) -> None:
        channels = [channel.strip() for channel, _ in counts]
        kind = self._ours(kind)
        expected: Any = None
        if not _may(actor):
            expected = PermissionDeniedError
        elif not kind.strip() or not counts or len(set(channels)) < len(channels):
            expected = InvalidValueError
        key = services_key(period, kind.strip())
        found = self._give(
            expected,
            lambda: self.ops.standing.record_service_uses(
                actor,
                period=period,
                kind=kind,
                counts=[ServiceCount(channel, n) for channel, n in counts],
            ),
        )
        if expected is None:
            assert found is (key in self.model.services)
            self.model.services[key] = (
                period,
                kind.strip(),
                {channel.strip(): n for channel, n in counts},
            )
            self._recorded()

    @invariant()
    def events_counted(self) -> None:
        assert count_events(self.ops) - self.baseline == self.model.events

    @invariant()
    def stored_standing_equals_the_model(self) -> None:
        assert observed(self.ops.standing.get()) == self.model

    @invariant()
    def replayed_standing_equals_the_model(self) -> None:
        with uncached(self.ops):
            assert observed(self.ops.standing.get()) == self.model


def _subjects(ops: LibOps, clock: ManualClock) -> dict[str, tuple[UUID | str, str]]:
    """A published post, a draft and a campaign for the typical cases."""
    ids: dict[str, tuple[UUID | str, str]] = {}
    for which in ("published", "draft"):
        title = f"{which} {uuid.uuid4().hex[:6]}"
        post_id = ops.posts.draft(
            PLANNER,
            title=title,
            body="Reading list.",
            content_type="knowledge",
            format="image_text",
            variants=[PostVariant("weibo", "Reading list")],
        )
        ids[which] = (post_id, title)
    published = ids["published"][0]
    ops.posts.submit_for_review(PLANNER, published)
    checklist = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
    ops.posts.review(REVIEWER, published, checklist, approve=True)
    ops.posts.schedule(ADMIN, published, "weibo", clock.now())
    ops.publishing.publish(ADMIN, published, "weibo")
    name = f"世界读书日 {uuid.uuid4().hex[:6]}"
    ids["campaign"] = (ops.campaigns.plan(PLANNER, name=name, kind="topic", period=APRIL), name)
    ids["unknown"] = (uuid.uuid4(), "")
    ids["not-an-id"] = ("not-an-id", "")
    return ids


def test_standing_state_machine(machine_store: MachineStore) -> None:
    """Random command sequences keep the stored standing equal to the plain model."""
    run_machine(StandingMachine, machine_store, store=machine_store)

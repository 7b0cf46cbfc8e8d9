"""A plain model of contests beside the real libops, on memory, SQLite and PostgreSQL.

Hypothesis gives random sequences of contest commands (allowed and refused, by actors with and
without the roles, early, late, duplicate and ineligible entries, erasures of participants)
to both, while the clock moves on. After every step the invariants check that each stored
contest's status, entries, eligible entries and event count equal the model's, that refused
commands recorded nothing, and that every drawn contest verifies from its stored history with
the winners the model expects from the revealed seed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from libops import Actor, LibOps, Platform, Role
from libops.adapters.clock import ManualClock
from libops.domain.errors import (
    ContestWindowError,
    DuplicateEntryError,
    EarlyEntryError,
    EntryLimitError,
    IneligibleEntryError,
    InvalidTransitionError,
    InvalidValueError,
    LateEntryError,
    PermissionDeniedError,
    RulesFrozenError,
    RulesMissingError,
    SubjectErasedError,
    UnknownEntryError,
)
from libops.domain.interaction import (
    ContestRules,
    ContestStatus,
    EntryMethod,
    Prize,
    verify_draw,
)
from libops.domain.interaction.draw import draw_winners, seed_commitment
from libops.domain.personal import Consent, PersonalInfo
from tests.actors import ADMIN, AUDITOR, PLANNER, PLANNER_ADMIN, REVIEWER, TECH
from tests.helpers import count_events, give
from tests.stateful.harness import MachineStore, run_machine

# --- the model -------------------------------------------------------------------------

PLANNERS = frozenset({Role.CONTENT_PLANNER, Role.OPERATIONS_ADMIN})
ADMINS = frozenset({Role.OPERATIONS_ADMIN})
MAY_GIVE = {
    "announce": PLANNERS,
    "state_rules": PLANNERS,
    "open": ADMINS,
    "enter": PLANNERS,
    "disqualify": ADMINS,
    "close": ADMINS,
    "draw": ADMINS,
    "cancel": ADMINS,
}
"""Who may give what, as the model understands it (independent of PERMISSIONS)."""

ACTORS = [PLANNER, ADMIN, PLANNER_ADMIN, REVIEWER, TECH, AUDITOR]
ADMIN = ACTORS[1]

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@attrs.frozen
class RulesTemplate:
    """Rules whose window is set relative to the moment they are stated."""

    opens_after: timedelta
    lasts: timedelta
    platforms: tuple[Platform, ...]
    method: EntryMethod
    per_person: int
    prizes: tuple[Prize, ...]

    def at(self, moment: datetime) -> ContestRules:
        return ContestRules(
            eligibility="Readers with a library card",
            opens_at=moment + self.opens_after,
            closes_at=moment + self.opens_after + self.lasts,
            entry_method=self.method,
            prizes=self.prizes,
            platforms=self.platforms,
            entries_per_person=self.per_person,
        )


TEMPLATES = [
    RulesTemplate(
        timedelta(hours=1),
        timedelta(days=2),
        (Platform.WEIBO, Platform.WECHAT),
        EntryMethod.REPOST,
        2,
        (Prize("book token"), Prize("tote bag")),
    ),
    RulesTemplate(
        timedelta(0),
        timedelta(hours=12),
        (Platform.WEIBO,),
        EntryMethod.COMMENT,
        1,
        (Prize("signed copy", 3),),
    ),
]

ENTRY_IDS: list[str | None] = [None, None, None, None, None, "E000001", "weibo:501", "bad id"]
"""Public ids given with entries: mostly none (the next free one), some chosen, one malformed."""

MAX_CONTESTS = 3
"""Contests per run: few enough that the other commands act on each one many times."""

REASONS = ["bot account", "  staff member  ", "", "  "]
STEPS = [timedelta(minutes=30), timedelta(hours=2), timedelta(hours=4), timedelta(hours=8)]


def _may(actor: Actor, command: str) -> bool:
    return bool(actor.roles & MAY_GIVE[command])


def actors_for(command: str) -> st.SearchStrategy[Actor]:
    """Mostly actors who may give ``command``, sometimes anyone (auditor included)."""
    allowed = [a for a in ACTORS if _may(a, command)]
    return st.sampled_from(allowed * 3 + ACTORS)


reasons = st.sampled_from([r for r in REASONS if r.strip()] * 3 + REASONS)


@attrs.define
class ModelEntry:
    subject: tuple[str, int]
    disqualified: bool = False


@attrs.define
class ModelContest:
    """What the model expects a contest to be."""

    rules: ContestRules | None
    status: ContestStatus = ContestStatus.ANNOUNCED
    entries: dict[str, ModelEntry] = attrs.field(factory=dict)
    commitment: str | None = None
    events: int = 1

    def eligible(self) -> tuple[str, ...]:
        return tuple(sorted(i for i, e in self.entries.items() if not e.disqualified))

    def next_entry_id(self) -> str:
        number = len(self.entries) + 1
        while f"E{number:06d}" in self.entries:
            number += 1
        return f"E{number:06d}"


# --- the machine -----------------------------------------------------------------------


class ContestMachine(RuleBasedStateMachine):
    """Contest commands on libops and on the model, step by step."""

    ops: ClassVar[LibOps]
    clock: ClassVar[ManualClock]
    runs: ClassVar[int] = 0

    contests = Bundle("contests")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[UUID, ModelContest] = {}
        # Runs share one store: only the events recorded from here on count.
        self.baseline = count_events(self.ops)
        self.other_events = 0
        # Each run has readers of its own: the key store remembers erasures between runs.
        type(self).runs += 1
        self.run = type(self).runs
        self.erased: set[tuple[str, int]] = set()

    # --- helpers -----------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock.now()

    def _handle(self, reader: int) -> str:
        return f"@reader_{self.run}_{reader}"

    # --- rules -------------------------------------------------------------------------

    @initialize(target=contests, template=st.sampled_from(TEMPLATES))
    def an_open_contest(self, template: RulesTemplate) -> UUID:
        """Every run starts with one contest open (so that runs reach entries and draws)."""
        contest_id = self.ops.contests.announce(
            ADMIN, kind="prize_quiz", title="Quiz", rules=template.at(self._now())
        )
        self.ops.contests.open(ADMIN, contest_id)
        self.model[contest_id] = ModelContest(
            self.ops.contests.get(contest_id).rules, ContestStatus.OPEN, events=2
        )
        return contest_id

    @rule(step=st.sampled_from(STEPS))
    def time_passes(self, step: timedelta) -> None:
        self.clock.advance(step)

    @precondition(lambda self: len(self.model) < MAX_CONTESTS)
    @rule(
        target=contests,
        actor=actors_for("announce"),
        template=st.sampled_from([None, *TEMPLATES, *TEMPLATES]),
        then_open=st.booleans(),
    )
    def announce(self, actor: Actor, template: RulesTemplate | None, then_open: bool) -> Any:
        """Announce a contest (with rules or without), and maybe open it at once."""
        rules = None if template is None else template.at(self._now())
        expected = None if _may(actor, "announce") else PermissionDeniedError
        contest_id = give(
            self.ops,
            expected,
            lambda: self.ops.contests.announce(
                actor, kind="repost_draw", title="Draw", rules=rules
            ),
        )
        if expected is not None:
            return multiple()
        assert isinstance(contest_id, UUID)
        self.model[contest_id] = ModelContest(rules)
        if then_open:
            self.open(contest_id, ADMIN)
        return contest_id

    @rule(
        contest_id=contests,
        actor=actors_for("state_rules"),
        template=st.sampled_from(TEMPLATES),
        again=st.booleans(),
    )
    def state_rules(
        self, contest_id: UUID, actor: Actor, template: RulesTemplate, again: bool
    ) -> None:
        contest = self.model[contest_id]
        rules = contest.rules if again and contest.rules else template.at(self._now())
        expected: Any = None
        if not _may(actor, "state_rules"):
            expected = PermissionDeniedError
        elif contest.status is ContestStatus.CANCELLED:
            expected = InvalidTransitionError
        elif contest.status is not ContestStatus.ANNOUNCED:
            expected = RulesFrozenError
        give(self.ops, expected, lambda: self.ops.contests.state_rules(actor, contest_id, rules))
        if expected is None and rules != contest.rules:
            contest.rules = rules
            contest.events += 1

    @rule(contest_id=contests, actor=actors_for("open"))
    def open(self, contest_id: UUID, actor: Actor) -> None:
        contest = self.model[contest_id]
        expected: Any = None
        if not _may(actor, "open"):
            expected = PermissionDeniedError
        elif contest.status is not ContestStatus.ANNOUNCED:
            expected = InvalidTransitionError
        elif contest.rules is None:
            expected = RulesMissingError
        elif self._now() >= contest.rules.closes_at:
            expected = ContestWindowError
        give(self.ops, expected, lambda: self.ops.contests.open(actor, contest_id))
        if expected is None:
            contest.status = ContestStatus.OPEN
            contest.events += 1

    def _entry_error(
        self,
        contest: ModelContest,
        actor: Actor,
        entry_id: str,
        subject: tuple[str, int],
        platform: Platform,
        method: EntryMethod,
        entered_at: datetime,
    ) -> Any:
        if not _may(actor, "enter"):
            return PermissionDeniedError
        if entry_id == "bad id" or entered_at > self._now():
            return InvalidValueError
        if contest.status is ContestStatus.ANNOUNCED:
            return EarlyEntryError
        if contest.status in (ContestStatus.CLOSED, ContestStatus.DRAWN):
            return LateEntryError
        if contest.status is ContestStatus.CANCELLED:
            return InvalidTransitionError
        rules = contest.rules
        assert rules is not None
        if entered_at < rules.opens_at:
            return EarlyEntryError
        if entered_at >= rules.closes_at:
            return LateEntryError
        if entry_id in contest.entries:
            return DuplicateEntryError
        if platform not in rules.platforms or method is not rules.entry_method:
            return IneligibleEntryError
        made = sum(1 for e in contest.entries.values() if e.subject == subject)
        if made >= rules.entries_per_person:
            return EntryLimitError
        if subject in self.erased:
            return SubjectErasedError  # every check passed: sealing finds no key for them
        return None

    entry_arguments: ClassVar[dict[str, st.SearchStrategy[Any]]] = {
        "contest_id": contests,
        "actor": actors_for("enter"),
        "reader": st.integers(min_value=1, max_value=6),
        "platform": st.sampled_from([Platform.WEIBO, Platform.WECHAT, Platform.DOUYIN]),
        "method": st.sampled_from([EntryMethod.REPOST, EntryMethod.COMMENT]),
        "fits": st.sampled_from([True, True, True, False]),
        "entry_id": st.sampled_from(ENTRY_IDS),
        "made": st.sampled_from([None, None, None, None, timedelta(minutes=10)]),
    }

    # mypy fears that **entry_arguments fills rule's target(s); it holds strategies only.
    @rule(**entry_arguments)  # type: ignore[call-overload, untyped-decorator]  # see above
    def another_entry(self, **arguments: Any) -> None:
        """Entries come more often than anything else (a second rule doubles their share)."""
        self.clock.advance(timedelta(minutes=20))  # readers enter as time goes by
        self.enter(**arguments)

    # mypy fears that **entry_arguments fills rule's target(s); it holds strategies only.
    @rule(**entry_arguments)  # type: ignore[call-overload, untyped-decorator]  # see above
    def enter(
        self,
        contest_id: UUID,
        actor: Actor,
        reader: int,
        platform: Platform,
        method: EntryMethod,
        fits: bool,
        entry_id: str | None,
        made: timedelta | None,
    ) -> None:
        """An entry made now, or (imported later) ``made`` after the window opened."""
        contest = self.model[contest_id]
        if fits and contest.rules is not None:
            # Mostly entries the rules accept, so that contests fill up.
            method = contest.rules.entry_method
            if platform not in contest.rules.platforms:
                platform = contest.rules.platforms[0]
        public = contest.next_entry_id() if entry_id is None else entry_id
        subject = (platform.value, reader)
        opens = contest.rules.opens_at if contest.rules is not None else self._now()
        entered_at = self._now() if made is None else opens + made
        expected = self._entry_error(contest, actor, public, subject, platform, method, entered_at)
        given = give(
            self.ops,
            expected,
            lambda: self.ops.contests.enter(
                actor,
                contest_id,
                participant=PersonalInfo(handle=self._handle(reader)),
                consent=Consent("contest", START),
                platform=platform,
                method=method,
                entry_id=entry_id,
                entered_at=None if made is None else entered_at,
            ),
        )
        if expected is None:
            assert given == public
            contest.entries[public] = ModelEntry(subject)
            contest.events += 1

    @rule(
        contest_id=contests,
        actor=actors_for("disqualify"),
        entry_id=st.sampled_from(["E000001", "E000002", "E000003", "weibo:501", "E404"]),
        reason=reasons,
    )
    def disqualify(self, contest_id: UUID, actor: Actor, entry_id: str, reason: str) -> None:
        contest = self.model[contest_id]
        expected: Any = None
        if not _may(actor, "disqualify"):
            expected = PermissionDeniedError
        elif contest.status is not ContestStatus.OPEN:
            expected = InvalidTransitionError
        elif entry_id not in contest.entries:
            expected = UnknownEntryError
        elif contest.entries[entry_id].disqualified:
            expected = InvalidTransitionError
        elif not reason.strip():
            expected = InvalidValueError
        give(
            self.ops,
            expected,
            lambda: self.ops.contests.disqualify(actor, contest_id, entry_id, reason),
        )
        if expected is None:
            contest.entries[entry_id].disqualified = True
            contest.events += 1

    @rule(
        contest_id=contests,
        actor=actors_for("close"),
        wait=st.sampled_from([True, True, False]),
        then_draw=st.booleans(),
    )
    def close(self, contest_id: UUID, actor: Actor, wait: bool, then_draw: bool) -> None:
        """Close (mostly after waiting for the window to end), and maybe draw at once."""
        contest = self.model[contest_id]
        if wait and contest.rules is not None and self._now() < contest.rules.closes_at:
            self.clock.set(contest.rules.closes_at)
        expected: Any = None
        if not _may(actor, "close"):
            expected = PermissionDeniedError
        elif contest.status is not ContestStatus.OPEN:
            expected = InvalidTransitionError
        elif contest.rules is not None and self._now() < contest.rules.closes_at:
            expected = ContestWindowError
        commitment = give(self.ops, expected, lambda: self.ops.contests.close(actor, contest_id))
        if expected is None:
            assert isinstance(commitment, str)
            contest.status = ContestStatus.CLOSED
            contest.commitment = commitment
            contest.events += 1
            if then_draw:
                self.draw(contest_id, ADMIN)

    @rule(contest_id=contests, actor=actors_for("draw"))
    def draw(self, contest_id: UUID, actor: Actor) -> None:
        contest = self.model[contest_id]
        expected: Any = None
        if not _may(actor, "draw"):
            expected = PermissionDeniedError
        elif contest.status is not ContestStatus.CLOSED:
            expected = InvalidTransitionError
        winners = give(self.ops, expected, lambda: self.ops.contests.draw(actor, contest_id))
        if expected is None:
            assert contest.rules is not None
            assert isinstance(winners, tuple)
            assert len(winners) == min(contest.rules.winners, len(contest.eligible()))
            assert set(winners) <= set(contest.eligible())
            contest.status = ContestStatus.DRAWN
            contest.events += 1

    @rule(
        contest_id=contests,
        actor=actors_for("cancel"),
        reason=reasons,
        now=st.sampled_from([False] * 7 + [True]),
    )
    def cancel(self, contest_id: UUID, actor: Actor, reason: str, now: bool) -> None:
        if not now:
            return  # cancelling ends a contest's story: do it less often than the rest
        contest = self.model[contest_id]
        expected: Any = None
        if not _may(actor, "cancel"):
            expected = PermissionDeniedError
        elif contest.status not in (ContestStatus.ANNOUNCED, ContestStatus.OPEN):
            expected = InvalidTransitionError
        elif not reason.strip():
            expected = InvalidValueError
        give(self.ops, expected, lambda: self.ops.contests.cancel(actor, contest_id, reason))
        if expected is None:
            contest.status = ContestStatus.CANCELLED
            contest.events += 1

    @precondition(lambda self: len(self.model) < MAX_CONTESTS)
    @rule(
        target=contests,
        template=st.sampled_from(TEMPLATES),
        readers=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=8),
        disqualified=st.lists(st.integers(min_value=0, max_value=7), max_size=2),
    )
    def a_whole_contest(
        self, template: RulesTemplate, readers: list[int], disqualified: list[int]
    ) -> UUID:
        """A contest from announcement to draw in one step, through the rules above.

        Random steps alone seldom carry a contest through many entries to its draw; this
        one does, so that the invariants check draws over real sets of entries.
        """
        contest_id = self.announce(ADMIN, template, then_open=True)
        assert isinstance(contest_id, UUID)
        contest = self.model[contest_id]
        assert contest.rules is not None
        if self._now() < contest.rules.opens_at:
            self.clock.set(contest.rules.opens_at)
        for reader in readers:
            self.another_entry(
                contest_id=contest_id,
                actor=ADMIN,
                reader=reader,
                platform=Platform.WEIBO,
                method=contest.rules.entry_method,
                fits=True,
                entry_id=None,
                made=None,
            )
        entry_ids = list(contest.entries)
        for index in disqualified:
            if index < len(entry_ids):
                self.disqualify(contest_id, ADMIN, entry_ids[index], "bot account")
        self.close(contest_id, ADMIN, wait=True, then_draw=True)
        return contest_id

    @rule(reader=st.integers(min_value=1, max_value=4))
    def erase_a_reader(self, reader: int) -> None:
        """A Weibo reader asks to be forgotten: later entries by them are refused."""
        subject = ("weibo", reader)
        subject_id = self.ops.privacy.subject_id_for("weibo", self._handle(reader))
        before = count_events(self.ops)
        self.ops.privacy.erase(ADMIN, subject_id, "asked to be forgotten")
        recorded = count_events(self.ops) - before
        # The first erasure of a subject in this store is recorded (its request, its
        # completion, and the ledger of pending erasures noting and clearing it, started by
        # the store's first erasure); repeats record nothing.
        assert recorded in (0, 4, 5)
        assert recorded == 0 or subject not in self.erased
        self.other_events += recorded
        self.erased.add(subject)

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def events_counted(self) -> None:
        """The store holds exactly the events the model's successful commands recorded."""
        recorded = count_events(self.ops) - self.baseline
        assert recorded == self.other_events + sum(c.events for c in self.model.values())

    @invariant()
    def stored_contests_equal_the_model(self) -> None:
        """Every contest reloaded from the store equals its model; drawn ones verify."""
        for contest_id, expected in self.model.items():
            stored = self.ops.contests.get(contest_id)
            assert stored.status is expected.status
            assert stored.version == expected.events
            assert stored.rules == expected.rules
            assert [e.entry_id for e in stored.entries] == list(expected.entries)
            assert stored.eligible_entry_ids() == expected.eligible()
            assert stored.seed_commitment == expected.commitment
            if expected.status is ContestStatus.DRAWN:
                assert expected.rules is not None
                seed = bytes.fromhex(stored.seed or "")
                assert seed_commitment(seed) == expected.commitment
                assert stored.winners == draw_winners(
                    seed, expected.eligible(), expected.rules.winners
                )
                result = verify_draw(self.ops.app.events.get(contest_id))
                assert result.matches, result.reasons
                assert result.recorded_winners == stored.winners


# --- running it on every store --------------------------------------------------------------------


def test_contest_state_machine(machine_store: MachineStore) -> None:
    """Random command sequences keep the stored contests equal to the plain model."""
    # One store for all the runs of this test.
    clock = ManualClock(START)
    with machine_store.opened(clock=clock) as ops:
        run_machine(ContestMachine, machine_store, ops=ops, clock=clock)

"""The Contest aggregate: rules up front and frozen, entries refused with reasons, the draw."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from libops import Actor, Platform
from libops.domain.errors import (
    ConsentError,
    ContestWindowError,
    DuplicateEntryError,
    EarlyEntryError,
    EntryLimitError,
    EntryRefusedError,
    IneligibleEntryError,
    InvalidTransitionError,
    InvalidValueError,
    LateEntryError,
    PermissionDeniedError,
    RulesFrozenError,
    RulesMissingError,
    SeedMismatchError,
    UnknownEntryError,
)
from libops.domain.interaction.contest import (
    Contest,
    ContestKind,
    ContestRules,
    ContestStatus,
    EntryMethod,
    Prize,
)
from libops.domain.interaction.draw import draw_winners, entries_digest, seed_commitment
from tests.actors import ADMIN, PLANNER
from tests.helpers import refused
from tests.unit.interaction_support import (
    CLOSES,
    EVERYONE,
    OPENS,
    RULES,
    SEED,
    START,
    contest_in,
    enter,
    sealed_for,
)

COMMITMENT = seed_commitment(SEED)


def _ready(status: ContestStatus, **kwargs: Any) -> Contest:
    contest = contest_in(status, **kwargs)
    contest.collect_events()
    return contest


def _rules(**changes: Any) -> ContestRules:
    return attrs.evolve(RULES, **changes)


# --- rules ---------------------------------------------------------------------------------


class TestContestRules:
    def test_good_rules(self) -> None:
        """Rules normalise times to UTC and platforms to members; prizes give the winners."""
        beijing = OPENS.astimezone(ZoneInfo("Asia/Shanghai"))
        rules = _rules(opens_at=beijing, platforms=["weibo", Platform.WEIBO, "douyin"])
        assert rules.opens_at.tzinfo is UTC
        assert rules.opens_at == OPENS
        assert rules.platforms == (Platform.WEIBO, Platform.DOUYIN)
        assert RULES.winners == 3
        assert [RULES.prize_for(n).description for n in (1, 2, 3)] == [
            "Book token, 200 CNY",
            "Book token, 200 CNY",
            "Library tote bag",
        ]
        with pytest.raises(InvalidValueError):
            RULES.prize_for(4)

    def test_window_includes_opening_excludes_closing(self) -> None:
        """The window runs from its opening (included) to its closing (excluded)."""
        assert RULES.window_contains(OPENS)
        assert not RULES.window_contains(OPENS - timedelta(microseconds=1))
        assert RULES.window_contains(CLOSES - timedelta(microseconds=1))
        assert not RULES.window_contains(CLOSES)

    @pytest.mark.parametrize(
        "changes",
        [
            {"eligibility": "  "},
            {"eligibility": 5},
            {"opens_at": datetime(2026, 3, 1)},  # naive
            {"closes_at": OPENS},
            {"closes_at": OPENS - timedelta(days=1)},
            {"entry_method": "carrier pigeon"},
            {"prizes": ()},
            {"prizes": ("a book",)},
            {"prizes": (Prize("book", 6000), Prize("pen", 4001))},
            {"platforms": ()},
            {"platforms": ("myspace",)},
            {"entries_per_person": 0},
            {"entries_per_person": True},
            {"entries_per_person": 1.0},
            {"correct_answer_required": "yes"},
        ],
        ids=str,
    )
    def test_bad_rules_are_refused(self, changes: dict[str, Any]) -> None:
        """Every malformed part of the rules is refused as an InvalidValueError."""
        with pytest.raises(InvalidValueError):
            _rules(**changes)

    @pytest.mark.parametrize(
        "prize", [{"description": ""}, {"quantity": 0}, {"quantity": "2"}], ids=str
    )
    def test_bad_prizes(self, prize: dict[str, Any]) -> None:
        """A prize needs a description and a quantity from 1."""
        with pytest.raises(InvalidValueError):
            Prize(**{"description": "book", **prize})


# --- life cycle ----------------------------------------------------------------------------


class TestAnnounceAndRules:
    def test_announce_records_the_contest(self) -> None:
        """Announcing records who, what kind, the title and any rules given."""
        contest = Contest.announce(
            PLANNER,
            kind="knowledge_contest",
            title="  Library history quiz  ",
            rules=RULES,
            campaign_id="ca000000-0000-4000-8000-000000000001",
        )
        [announced] = contest.collect_events()
        assert isinstance(announced, Contest.Announced)
        assert announced.actor_id == PLANNER.id
        assert contest.kind is ContestKind.KNOWLEDGE_CONTEST
        assert contest.title == "Library history quiz"
        assert contest.rules == RULES
        assert str(contest.campaign_id) == "ca000000-0000-4000-8000-000000000001"
        assert contest.status is ContestStatus.ANNOUNCED

    @pytest.mark.parametrize(
        "changes",
        [{"kind": "lottery"}, {"title": " "}, {"rules": "see website"}, {"post_id": "nope"}],
        ids=str,
    )
    def test_bad_announcements(self, changes: dict[str, Any]) -> None:
        """A bad kind, title, rules or id is refused."""
        arguments: dict[str, Any] = {"kind": "prize_quiz", "title": "Quiz", **changes}
        with pytest.raises(InvalidValueError):
            Contest.announce(PLANNER, **arguments)

    def test_rules_can_change_before_opening(self) -> None:
        """Before opening, rules may be restated; the same rules again record nothing."""
        contest = _ready(ContestStatus.ANNOUNCED)
        later = _rules(entries_per_person=1)
        contest.state_rules(ADMIN, later)
        contest.state_rules(ADMIN, later)
        [stated] = contest.collect_events()
        assert isinstance(stated, Contest.RulesStated)
        assert contest.rules == later

    @pytest.mark.parametrize(
        "status", [ContestStatus.OPEN, ContestStatus.CLOSED, ContestStatus.DRAWN]
    )
    def test_rules_are_frozen_once_open(self, status: ContestStatus) -> None:
        """Once the contest has opened its rules never change."""
        contest = _ready(status)
        refused(contest, RulesFrozenError, lambda: contest.state_rules(ADMIN, _rules()))

    def test_rules_of_a_cancelled_contest(self) -> None:
        """A cancelled contest takes no rules either."""
        contest = _ready(ContestStatus.CANCELLED)
        refused(contest, InvalidTransitionError, lambda: contest.state_rules(ADMIN, RULES))

    def test_rules_must_be_rules(self) -> None:
        """Rules given as anything else are refused."""
        contest = _ready(ContestStatus.ANNOUNCED)
        refused(contest, InvalidValueError, lambda: contest.state_rules(ADMIN, "fair"))  # type: ignore[arg-type]  # deliberately bad

    def test_open_needs_rules(self) -> None:
        """A contest without rules does not open."""
        contest = Contest.announce(PLANNER, kind="repost_draw", title="Draw")
        contest.collect_events()
        refused(contest, RulesMissingError, lambda: contest.open(ADMIN, now=START))

    def test_open_after_the_window(self) -> None:
        """A contest whose window is already over does not open."""
        contest = _ready(ContestStatus.ANNOUNCED)
        refused(contest, ContestWindowError, lambda: contest.open(ADMIN, now=CLOSES))

    def test_open_records_when(self) -> None:
        """Opening before the window is allowed (the rules go public); it records the time."""
        contest = _ready(ContestStatus.ANNOUNCED)
        contest.open(ADMIN, now=START)
        [opened] = contest.collect_events()
        assert isinstance(opened, Contest.Opened)
        assert opened.at == START
        assert contest.status is ContestStatus.OPEN
        refused(contest, InvalidTransitionError, lambda: contest.open(ADMIN, now=START))


# --- entries -------------------------------------------------------------------------------


class TestEntries:
    def test_an_entry_is_recorded(self) -> None:
        """An entry keeps its public id, the sealed participant, platform, method and time."""
        contest = _ready(ContestStatus.OPEN, entries=0)
        when = OPENS + timedelta(minutes=3)
        enter(contest, "weibo:5040557670457632", "reader-1", at=when, platform="wechat")
        [recorded] = contest.collect_events()
        assert isinstance(recorded, Contest.EntryRecorded)
        assert recorded.participant == sealed_for("reader-1")
        entry = contest.entry("weibo:5040557670457632")
        assert (entry.subject_id, entry.platform, entry.method) == (
            "reader-1",
            Platform.WECHAT,
            EntryMethod.REPOST,
        )
        assert entry.entered_at == when
        assert entry.version == contest.version
        assert entry.eligible
        assert contest.entries_of("reader-1") == (entry,)

    def test_next_entry_id(self) -> None:
        """Entries given no id get the next free E000001-style id."""
        contest = _ready(ContestStatus.OPEN, entries=0)
        assert contest.next_entry_id() == "E000001"
        enter(contest, "E000002", "reader-1")
        assert contest.next_entry_id() == "E000003"

    def test_entries_per_person(self) -> None:
        """A person may enter as often as the rules allow, and no more."""
        contest = _ready(ContestStatus.OPEN, entries=0)
        enter(contest, "A1", "reader-1")
        enter(contest, "A2", "reader-1")
        contest.collect_events()
        error = refused(contest, EntryLimitError, lambda: enter(contest, "A3", "reader-1"))
        assert "already made 2 of the 2 entries" in error.reason
        assert error.entry_id == "A3"

    def test_disqualified_entries_still_count_for_the_limit(self) -> None:
        """Disqualification does not give a person their entry back."""
        contest = _ready(ContestStatus.OPEN, entries=0, rules=_rules(entries_per_person=1))
        enter(contest, "A1", "reader-1")
        contest.disqualify(ADMIN, "A1", "bot account")
        contest.collect_events()
        refused(contest, EntryLimitError, lambda: enter(contest, "A2", "reader-1"))

    def test_correct_answer_required(self) -> None:
        """With a correct answer required, only correct answers enter."""
        rules = _rules(entry_method="answer", correct_answer_required=True)
        contest = _ready(ContestStatus.OPEN, entries=0, rules=rules)
        enter(contest, "Q1", "reader-1", method="answer", answer_correct=True)
        contest.collect_events()
        for answer in (False, None):
            error = refused(
                contest,
                IneligibleEntryError,
                lambda a=answer: enter(  # type: ignore[misc]  # default binds the loop value
                    contest, "Q2", "reader-2", method="answer", answer_correct=a
                ),
            )
            assert "correct answer" in error.reason

    @pytest.mark.parametrize(
        ("error", "status", "changes", "reason"),
        [
            (EarlyEntryError, ContestStatus.ANNOUNCED, {}, "has not opened yet"),
            (
                EarlyEntryError,
                ContestStatus.OPEN,
                {"at": OPENS - timedelta(seconds=1)},
                "before the window opens",
            ),
            (LateEntryError, ContestStatus.OPEN, {"at": CLOSES}, "after the window closed"),
            (LateEntryError, ContestStatus.CLOSED, {}, "the contest is closed"),
            (LateEntryError, ContestStatus.DRAWN, {}, "the contest is drawn"),
            (DuplicateEntryError, ContestStatus.OPEN, {"entry_id": "E001"}, "already recorded"),
            (
                IneligibleEntryError,
                ContestStatus.OPEN,
                {"platform": "douyin"},
                "entries come from weibo, wechat, not douyin",
            ),
            (
                IneligibleEntryError,
                ContestStatus.OPEN,
                {"method": "comment"},
                "made by repost, not comment",
            ),
        ],
        ids=lambda v: v if isinstance(v, str) else None,
    )
    def test_refused_entries_say_why(
        self,
        error: type[EntryRefusedError],
        status: ContestStatus,
        changes: dict[str, Any],
        reason: str,
    ) -> None:
        """Early, late, duplicate and ineligible entries raise their own error with a reason."""
        contest = _ready(status, entries=1)
        arguments = {"entry_id": "E900", **changes}
        raised = refused(
            contest, error, lambda: enter(contest, subject_id="new-reader", **arguments)
        )
        assert reason in raised.reason
        assert raised.reason in str(raised)
        assert isinstance(raised, EntryRefusedError)

    def test_cancelled_contest_takes_no_entries(self) -> None:
        """A cancelled contest refuses entries as a wrong state."""
        contest = _ready(ContestStatus.CANCELLED)
        refused(contest, InvalidTransitionError, lambda: enter(contest, "E1", "reader-1"))

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"entry_id": "E 1"}, InvalidValueError),
            ({"entry_id": "读者1"}, InvalidValueError),
            ({"entry_id": ""}, InvalidValueError),
            ({"participant": "Zhang San"}, InvalidValueError),
            ({"participant": sealed_for("reader-9", third_parties=True)}, ConsentError),
            ({"entered_at": datetime(2026, 3, 2)}, InvalidValueError),
            ({"now": OPENS}, InvalidValueError),  # entered after "now": in the future
            ({"answer_correct": "yes"}, InvalidValueError),
            ({"platform": "myspace"}, InvalidValueError),
            ({"method": "pigeon"}, InvalidValueError),
        ],
        ids=str,
    )
    def test_bad_entries(self, changes: dict[str, Any], error: type[Exception]) -> None:
        """Malformed entries are refused and record nothing."""
        contest = _ready(ContestStatus.OPEN, entries=1)
        arguments: dict[str, Any] = {
            "entry_id": "E900",
            "participant": sealed_for("reader-9"),
            "platform": "weibo",
            "method": "repost",
            "entered_at": OPENS + timedelta(hours=1),
            "now": OPENS + timedelta(hours=2),
            **changes,
        }
        refused(contest, error, lambda: contest.record_entry(PLANNER, **arguments))

    def test_check_entry_matches_record_entry(self) -> None:
        """check_entry raises what record_entry would, and records nothing itself."""
        contest = _ready(ContestStatus.OPEN, entries=1)
        refused(
            contest,
            DuplicateEntryError,
            lambda: contest.check_entry(
                PLANNER,
                entry_id="E001",
                subject_id="reader-7",
                platform="weibo",
                method="repost",
                entered_at=OPENS,
                now=OPENS,
            ),
        )
        contest.check_entry(
            PLANNER,
            entry_id="E002",
            subject_id="reader-7",
            platform="weibo",
            method="repost",
            entered_at=OPENS,
            now=OPENS,
        )
        assert contest.collect_events() == []


class TestDisqualify:
    def test_disqualify_takes_an_entry_out_of_the_draw(self) -> None:
        """A disqualified entry keeps its record and reason but is not eligible."""
        contest = _ready(ContestStatus.OPEN)
        contest.disqualify(ADMIN, "E002", "  entered from a staff account  ")
        [event] = contest.collect_events()
        assert isinstance(event, Contest.EntryDisqualified)
        assert event.reason == "entered from a staff account"
        assert contest.entry("E002").disqualified == "entered from a staff account"
        assert "E002" not in contest.eligible_entry_ids()
        assert len(contest.entries) == 5

    def test_bad_disqualifications(self) -> None:
        """Unknown entries, repeats and blank reasons are refused."""
        contest = _ready(ContestStatus.OPEN)
        refused(contest, UnknownEntryError, lambda: contest.disqualify(ADMIN, "E404", "x"))
        refused(contest, InvalidValueError, lambda: contest.disqualify(ADMIN, "E001", "  "))
        contest.disqualify(ADMIN, "E001", "bot")
        contest.collect_events()
        refused(contest, InvalidTransitionError, lambda: contest.disqualify(ADMIN, "E001", "x"))

    @pytest.mark.parametrize("status", [ContestStatus.CLOSED, ContestStatus.DRAWN])
    def test_no_disqualification_after_the_commitment(self, status: ContestStatus) -> None:
        """After closing, the eligible entries are committed: disqualifying is refused."""
        contest = _ready(status)
        refused(contest, InvalidTransitionError, lambda: contest.disqualify(ADMIN, "E001", "x"))


class TestCloseAndDraw:
    def test_close_commits_to_seed_and_eligible_entries(self) -> None:
        """Closing records the seed commitment and the digest of the eligible entries."""
        contest = _ready(ContestStatus.OPEN)
        contest.disqualify(ADMIN, "E003", "duplicate account")
        contest.close(ADMIN, now=CLOSES, seed_commitment=COMMITMENT, sealed_seed="opaque")
        events = contest.collect_events()
        closed = events[-1]
        assert isinstance(closed, Contest.Closed)
        assert closed.eligible_count == 4
        assert closed.entries_digest == entries_digest(["E001", "E002", "E004", "E005"])
        assert closed.seed_commitment == COMMITMENT
        assert closed.sealed_seed == "opaque"
        assert contest.closed_version == closed.originator_version
        assert contest.status is ContestStatus.CLOSED

    def test_close_before_the_window_ends(self) -> None:
        """A contest does not close while its window is open."""
        contest = _ready(ContestStatus.OPEN)
        refused(
            contest,
            ContestWindowError,
            lambda: contest.close(
                ADMIN, now=CLOSES - timedelta(seconds=1), seed_commitment=COMMITMENT
            ),
        )

    @pytest.mark.parametrize(
        "commitment", ["", "abc", COMMITMENT.upper(), COMMITMENT + "0", None], ids=str
    )
    def test_close_needs_a_commitment(self, commitment: Any) -> None:
        """The commitment is a SHA-256 in 64 lower-case hex digits."""
        contest = _ready(ContestStatus.OPEN)
        refused(
            contest,
            InvalidValueError,
            lambda: contest.close(ADMIN, now=CLOSES, seed_commitment=commitment),
        )

    @pytest.mark.parametrize("status", [ContestStatus.ANNOUNCED, ContestStatus.CLOSED])
    def test_close_in_the_wrong_state(self, status: ContestStatus) -> None:
        """Only an open contest closes."""
        contest = _ready(status)
        refused(
            contest,
            InvalidTransitionError,
            lambda: contest.close(ADMIN, now=CLOSES, seed_commitment=COMMITMENT),
        )

    def test_draw_reveals_the_seed_and_draws(self) -> None:
        """The draw records the seed and the winners the seed and entries give."""
        contest = _ready(ContestStatus.CLOSED)
        winners = contest.draw(ADMIN, seed=SEED, now=CLOSES)
        [drawn] = contest.collect_events()
        assert isinstance(drawn, Contest.Drawn)
        assert drawn.seed == SEED.hex()
        assert winners == tuple(drawn.winners) == contest.winners
        assert winners == draw_winners(SEED, contest.eligible_entry_ids(), 3)
        assert [prize.description for _, prize in contest.awards()] == [
            "Book token, 200 CNY",
            "Book token, 200 CNY",
            "Library tote bag",
        ]
        assert contest.status is ContestStatus.DRAWN

    def test_a_wrong_seed_is_refused(self) -> None:
        """A seed that does not match the commitment does not draw."""
        contest = _ready(ContestStatus.CLOSED)
        refused(
            contest,
            SeedMismatchError,
            lambda: contest.draw(ADMIN, seed=bytes(32), now=CLOSES),
        )
        refused(contest, InvalidValueError, lambda: contest.draw(ADMIN, seed=b"x", now=CLOSES))

    @pytest.mark.parametrize(
        "status", [ContestStatus.ANNOUNCED, ContestStatus.OPEN, ContestStatus.DRAWN]
    )
    def test_draw_in_the_wrong_state(self, status: ContestStatus) -> None:
        """Only a closed contest is drawn, once."""
        contest = _ready(status)
        refused(contest, InvalidTransitionError, lambda: contest.draw(ADMIN, seed=SEED, now=CLOSES))

    def test_awards_before_the_draw(self) -> None:
        """Nothing is awarded before the draw."""
        assert _ready(ContestStatus.CLOSED).awards() == ()


class TestCancel:
    @pytest.mark.parametrize("status", [ContestStatus.ANNOUNCED, ContestStatus.OPEN])
    def test_cancel_before_closing(self, status: ContestStatus) -> None:
        """An announced or open contest can be called off, with the reason."""
        contest = _ready(status)
        contest.cancel(ADMIN, " platform outage ", now=CLOSES)
        [cancelled] = contest.collect_events()
        assert isinstance(cancelled, Contest.Cancelled)
        assert contest.cancellation_reason == "platform outage"
        assert contest.status is ContestStatus.CANCELLED

    @pytest.mark.parametrize(
        "status", [ContestStatus.CLOSED, ContestStatus.DRAWN, ContestStatus.CANCELLED]
    )
    def test_no_cancel_after_the_commitment(self, status: ContestStatus) -> None:
        """Once closed the draw must follow: cancelling then (or twice) is refused."""
        contest = _ready(status)
        refused(contest, InvalidTransitionError, lambda: contest.cancel(ADMIN, "x", now=CLOSES))

    def test_cancel_needs_a_reason(self) -> None:
        """A blank reason is refused."""
        contest = _ready(ContestStatus.OPEN)
        refused(contest, InvalidValueError, lambda: contest.cancel(ADMIN, " ", now=CLOSES))


# --- who may do what -----------------------------------------------------------------------

Step = tuple[ContestStatus, Callable[[Contest, Actor], object]]

COMMANDS: dict[str, Step] = {
    "state_rules": (
        ContestStatus.ANNOUNCED,
        lambda c, a: c.state_rules(a, _rules(eligibility="x")),
    ),
    "open": (ContestStatus.ANNOUNCED, lambda c, a: c.open(a, now=START)),
    "record_entry": (ContestStatus.OPEN, lambda c, a: enter(c, "E900", "reader-9", actor=a)),
    "disqualify": (ContestStatus.OPEN, lambda c, a: c.disqualify(a, "E001", "bot")),
    "close": (ContestStatus.OPEN, lambda c, a: c.close(a, now=CLOSES, seed_commitment=COMMITMENT)),
    "draw": (ContestStatus.CLOSED, lambda c, a: c.draw(a, seed=SEED, now=CLOSES)),
    "cancel": (ContestStatus.OPEN, lambda c, a: c.cancel(a, "x", now=CLOSES)),
}

ALLOWED = {
    "announce": {"planner", "admin"},
    "state_rules": {"planner", "admin"},
    "open": {"admin"},
    "record_entry": {"planner", "admin"},
    "disqualify": {"admin"},
    "close": {"admin"},
    "draw": {"admin"},
    "cancel": {"admin"},
}
"""Who may give each contest command (written out here, apart from the permission table)."""


class TestPermissions:
    @pytest.mark.parametrize("role", sorted(EVERYONE))
    @pytest.mark.parametrize("command", sorted(COMMANDS))
    def test_commands_by_role(self, command: str, role: str) -> None:
        """Each command is allowed to its roles and refused (recording nothing) to the rest."""
        status, give = COMMANDS[command]
        contest = _ready(status)
        actor = EVERYONE[role]
        if role in ALLOWED[command]:
            give(contest, actor)
            assert contest.collect_events()
        else:
            refused(contest, PermissionDeniedError, lambda: give(contest, actor))

    @pytest.mark.parametrize("role", sorted(EVERYONE))
    def test_announce_by_role(self, role: str) -> None:
        """Announcing is for content planners and operations admins."""
        actor = EVERYONE[role]
        if role in ALLOWED["announce"]:
            assert Contest.announce(actor, kind="prize_quiz", title="Quiz").version == 1
        else:
            with pytest.raises(PermissionDeniedError):
                Contest.announce(actor, kind="prize_quiz", title="Quiz")


class TestReplay:
    def test_a_contest_rebuilds_from_its_events(self) -> None:
        """Replaying every event rebuilds the same entries, commitment and winners."""
        contest = contest_in(ContestStatus.OPEN)
        contest.disqualify(ADMIN, "E004", "bot")
        contest.close(ADMIN, now=CLOSES, seed_commitment=COMMITMENT)
        contest.draw(ADMIN, seed=SEED, now=CLOSES)
        events = contest.collect_events()
        rebuilt: Any = None
        for event in events:
            rebuilt = event.mutate(rebuilt)
        assert isinstance(rebuilt, Contest)
        assert rebuilt.entries == contest.entries
        assert rebuilt.eligible_entry_ids() == contest.eligible_entry_ids()
        assert rebuilt.winners == contest.winners
        assert rebuilt.seed_commitment == COMMITMENT
        assert rebuilt.version == contest.version == len(events)

"""The Contest aggregate: a prize quiz, knowledge contest or repost draw with a verifiable draw.

Rules are stated before the contest opens and are frozen from then on: who may take part,
the window, how to enter, how many entries a person may make, and the prizes. Entries that
come too early, too late, once too often or from someone the rules exclude are refused, each
with its own error and the reason. A contest closes once its window is over; closing commits
to a secret seed (its SHA-256) and to the eligible entries (the SHA-256 of their sorted ids).
The draw reveals the seed, and the winners follow from seed and entries alone (see
:mod:`libops.domain.interaction.draw_scheme`), so anyone can check them from the history.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import (
    ContestWindowError,
    DuplicateEntryError,
    EarlyEntryError,
    EntryLimitError,
    IneligibleEntryError,
    InvalidTransitionError,
    InvalidValueError,
    LateEntryError,
    RulesFrozenError,
    RulesMissingError,
    SeedMismatchError,
    UnknownEntryError,
)
from libops.domain.interaction.common import (
    optional_id,
    public_id,
    sealed,
    utc,
    whole_number,
)
from libops.domain.interaction.draw_scheme import (
    draw_winners,
    entries_digest,
    require_digest,
    require_seed,
    seed_commitment,
)
from libops.domain.permissions import authorize
from libops.domain.personal import SealedPersonalData, require_subject_id
from libops.domain.validation import bool_validator, reason_text, require_instance
from libops.domain.values import (
    Actor,
    Platform,
    require_line,
    require_text,
    to_enum,
    to_platforms,
    tuple_of,
)

MAX_WINNERS: Final = 10_000
MAX_ENTRIES_PER_PERSON: Final = 1_000


class ContestKind(enum.Enum):
    """What sort of contest it is."""

    PRIZE_QUIZ = "prize_quiz"
    KNOWLEDGE_CONTEST = "knowledge_contest"
    REPOST_DRAW = "repost_draw"


class EntryMethod(enum.Enum):
    """How a reader enters: by answering, by commenting or by reposting."""

    ANSWER = "answer"
    COMMENT = "comment"
    REPOST = "repost"


class ContestStatus(enum.Enum):
    """Where a contest is in its life."""

    ANNOUNCED = "announced"
    OPEN = "open"
    CLOSED = "closed"
    DRAWN = "drawn"
    CANCELLED = "cancelled"


# --- values ------------------------------------------------------------------------------


def _prize_description(value: str) -> str:
    return require_text("a prize's description", value, max_length=500)


def _quantity(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    whole_number("a prize's quantity", value, minimum=1, maximum=MAX_WINNERS)


@attrs.frozen
class Prize:
    """A prize on offer, and how many winners get one."""

    description: str = attrs.field(converter=_prize_description)
    quantity: int = attrs.field(default=1, validator=_quantity)


def _eligibility(value: str) -> str:
    return require_text("eligibility", value, max_length=4000)


def _opens_at(value: datetime) -> datetime:
    return utc("opens_at", value)


def _closes_at(value: datetime) -> datetime:
    return utc("closes_at", value)


def _entry_method(value: EntryMethod | str) -> EntryMethod:
    return to_enum(EntryMethod, value)


def _entries_per_person(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    whole_number("entries_per_person", value, minimum=1, maximum=MAX_ENTRIES_PER_PERSON)


def _prizes(values: Iterable[Prize]) -> tuple[Prize, ...]:
    if isinstance(values, Prize):
        values = [values]
    prizes = tuple_of(Prize, "prizes", values)
    if not prizes:
        raise InvalidValueError("a contest offers at least one prize")
    if sum(p.quantity for p in prizes) > MAX_WINNERS:
        raise InvalidValueError(f"a contest has at most {MAX_WINNERS} winners")
    return prizes


def _platforms(values: Iterable[Platform | str]) -> tuple[Platform, ...]:
    platforms = to_platforms(values)
    if not platforms:
        raise InvalidValueError("a contest takes entries from at least one platform")
    return platforms


@attrs.frozen
class ContestRules:
    """The rules a contest states before it opens: fairness means saying them up front.

    ``eligibility`` is the text readers see (who may take part). The window runs from
    ``opens_at`` (included) to ``closes_at`` (excluded). Entries are accepted from
    ``platforms`` by ``entry_method``, at most ``entries_per_person`` from one person, and,
    if ``correct_answer_required``, only with a correct answer. The prizes, in order, go to
    the winners in draw order; their quantities add up to the number of winners.
    """

    eligibility: str = attrs.field(converter=_eligibility)
    opens_at: datetime = attrs.field(converter=_opens_at)
    closes_at: datetime = attrs.field(converter=_closes_at)
    entry_method: EntryMethod = attrs.field(converter=_entry_method)
    prizes: tuple[Prize, ...] = attrs.field(converter=_prizes)
    platforms: tuple[Platform, ...] = attrs.field(converter=_platforms)
    entries_per_person: int = attrs.field(default=1, validator=_entries_per_person)
    correct_answer_required: bool = attrs.field(default=False, validator=bool_validator)

    def __attrs_post_init__(self) -> None:
        if self.closes_at <= self.opens_at:
            raise InvalidValueError(
                "a contest's window must close after it opens (it opens "
                f"{self.opens_at.isoformat()} and closes {self.closes_at.isoformat()})"
            )

    @property
    def winners(self) -> int:
        """How many winners the prizes allow (fewer if there are fewer eligible entries)."""
        return sum(prize.quantity for prize in self.prizes)

    def prize_for(self, place: int) -> Prize:
        """The prize of the winner drawn in ``place`` (from 1)."""
        remaining = place
        for prize in self.prizes:
            if remaining <= prize.quantity:
                return prize
            remaining -= prize.quantity
        raise InvalidValueError(f"there is no prize for place {place}")

    def window_contains(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in the window (opening included, closing excluded)."""
        return self.opens_at <= moment < self.closes_at


@attrs.frozen
class Entry:
    """One recorded entry: a public id, the participant's sealed data, and what they did."""

    entry_id: str
    participant: SealedPersonalData
    platform: Platform
    method: EntryMethod
    entered_at: datetime
    answer_correct: bool | None
    version: int
    """The contest's version the entry was recorded at (its sealed data is bound to it)."""
    disqualified: str | None = None
    """The reason it was disqualified, if it was."""

    @property
    def subject_id(self) -> str:
        """The pseudonymous id of the person who entered."""
        return self.participant.subject_id

    @property
    def eligible(self) -> bool:
        """Whether the entry takes part in the draw (it was not disqualified)."""
        return self.disqualified is None


# --- the aggregate -----------------------------------------------------------------------


class Contest(Aggregate):
    """A contest with prizes: rules up front, entries in a window, and a verifiable draw."""

    TOPIC = "libops:Contest"

    class Event(events.Event):
        TOPIC = "libops:Contest.Event"

    class Announced(events.Created):
        """A contest was announced (its rules may follow before it opens)."""

        TOPIC = "libops:Contest.Announced"
        actor_id: str
        kind: ContestKind
        title: str
        campaign_id: UUID | None
        post_id: UUID | None
        rules: ContestRules | None

    class RulesStated(events.Event):
        """The contest's rules were stated (replacing earlier ones; only before it opens)."""

        TOPIC = "libops:Contest.RulesStated"
        actor_id: str
        rules: ContestRules

    class Opened(events.Event):
        """The contest opened: its rules are frozen from here on."""

        TOPIC = "libops:Contest.Opened"
        actor_id: str
        at: datetime

    class EntryRecorded(events.Event):
        """A reader's entry was accepted."""

        TOPIC = "libops:Contest.EntryRecorded"
        actor_id: str
        entry_id: str
        participant: SealedPersonalData
        platform: Platform
        method: EntryMethod
        entered_at: datetime
        answer_correct: bool | None

    class EntryDisqualified(events.Event):
        """An entry was taken out of the draw, with the reason."""

        TOPIC = "libops:Contest.EntryDisqualified"
        actor_id: str
        entry_id: str
        reason: str

    class Closed(events.Event):
        """Entries closed; the seed and the eligible entries were committed to."""

        TOPIC = "libops:Contest.Closed"
        actor_id: str
        at: datetime
        eligible_count: int
        entries_digest: str
        seed_commitment: str
        sealed_seed: str
        """The seed as the application keeps it until the draw (opaque here; may be "")."""

    class Drawn(events.Event):
        """The seed was revealed and the winners drawn from it."""

        TOPIC = "libops:Contest.Drawn"
        actor_id: str
        at: datetime
        seed: str
        winners: tuple[str, ...]

    class Cancelled(events.Event):
        """The contest was called off before it closed; nobody wins."""

        TOPIC = "libops:Contest.Cancelled"
        actor_id: str
        at: datetime
        reason: str

    # --- creation ------------------------------------------------------------------------

    @classmethod
    def announce(
        cls,
        actor: Actor,
        *,
        kind: ContestKind | str,
        title: str,
        rules: ContestRules | None = None,
        campaign_id: UUID | str | None = None,
        post_id: UUID | str | None = None,
    ) -> Contest:
        """Announce a contest; it takes no entries until its rules are stated and it opens."""
        authorize(actor, "contest.announce")
        if rules is not None and not isinstance(rules, ContestRules):
            raise InvalidValueError(f"rules must be ContestRules, not {type(rules).__name__}")
        return cls(
            actor_id=actor.id,
            kind=to_enum(ContestKind, kind),
            title=require_line("title", title),
            campaign_id=optional_id("campaign", campaign_id),
            post_id=optional_id("post", post_id),
            rules=rules,
        )

    @event(Announced)
    def __init__(
        self,
        actor_id: str,
        kind: ContestKind,
        title: str,
        campaign_id: UUID | None,
        post_id: UUID | None,
        rules: ContestRules | None,
    ) -> None:
        self.announced_by = actor_id
        self.kind = kind
        self.title = title
        self.campaign_id = campaign_id
        self.post_id = post_id
        self.rules = rules
        self.status = ContestStatus.ANNOUNCED
        self._entries: dict[str, Entry] = {}
        self.opened_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.entries_digest: str | None = None
        self.seed_commitment: str | None = None
        self.sealed_seed: str | None = None
        self.closed_version: int | None = None
        self.seed: str | None = None
        self.winners: tuple[str, ...] = ()
        self.cancellation_reason: str | None = None

    # --- queries -------------------------------------------------------------------------

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every recorded entry, in the order recorded (disqualified ones too)."""
        return tuple(self._entries.values())

    def entry(self, entry_id: str) -> Entry:
        """The entry with ``entry_id``."""
        try:
            return self._entries[entry_id]
        except (KeyError, TypeError):
            raise UnknownEntryError(f"contest {self.id} has no entry {entry_id!r}") from None

    def entries_of(self, subject_id: str) -> tuple[Entry, ...]:
        """The entries one person made (disqualified ones too)."""
        return tuple(e for e in self._entries.values() if e.subject_id == subject_id)

    def eligible_entry_ids(self) -> tuple[str, ...]:
        """The ids of the entries that take part in the draw, in canonical (sorted) order."""
        return tuple(sorted(e.entry_id for e in self._entries.values() if e.eligible))

    def awards(self) -> tuple[tuple[str, Prize], ...]:
        """Each winning entry id with its prize, in draw order (empty before the draw)."""
        if self.rules is None:
            return ()
        return tuple((w, self.rules.prize_for(n)) for n, w in enumerate(self.winners, 1))

    def next_entry_id(self) -> str:
        """A free public entry id of the form ``E000001``, for entries given none."""
        number = len(self._entries) + 1
        while f"E{number:06d}" in self._entries:
            number += 1
        return f"E{number:06d}"

    def _require_status(self, action: str, *allowed: ContestStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransitionError("contest", action, self.status.value)

    # --- before opening ------------------------------------------------------------------

    def state_rules(self, actor: Actor, rules: ContestRules) -> None:
        """State (or restate) the rules; once the contest is open they never change.

        Stating the very rules already in force records nothing.
        """
        authorize(actor, "contest.state_rules")
        if self.status is not ContestStatus.ANNOUNCED:
            if self.status is ContestStatus.CANCELLED:
                self._require_status("state the rules of", ContestStatus.ANNOUNCED)
            raise RulesFrozenError("contest", "change the rules of", self.status.value)
        rules = require_instance(ContestRules, rules, "rules must be ContestRules")
        if rules == self.rules:
            return
        self._state_rules(actor_id=actor.id, rules=rules)

    @event(RulesStated)
    def _state_rules(self, actor_id: str, rules: ContestRules) -> None:
        self.rules = rules

    def open(self, actor: Actor, *, now: datetime) -> None:
        """Open the contest: it needs rules, and its window must not be over already."""
        authorize(actor, "contest.open")
        self._require_status("open", ContestStatus.ANNOUNCED)
        now = utc("now", now)
        if self.rules is None:
            raise RulesMissingError(f"contest {self.id} states no rules yet; it cannot open")
        if now >= self.rules.closes_at:
            raise ContestWindowError(
                f"contest {self.id}'s window closed at {self.rules.closes_at.isoformat()}; "
                f"it is {now.isoformat()}"
            )
        self._open(actor_id=actor.id, at=now)

    @event(Opened)
    def _open(self, actor_id: str, at: datetime) -> None:
        self.status = ContestStatus.OPEN
        self.opened_at = at

    # --- entries -------------------------------------------------------------------------

    def check_entry(
        self,
        actor: Actor,
        *,
        entry_id: str,
        subject_id: str,
        platform: Platform | str,
        method: EntryMethod | str,
        entered_at: datetime,
        now: datetime,
        answer_correct: bool | None = None,
    ) -> None:
        """Raise the error :meth:`record_entry` would raise, before any data is sealed.

        Refusals of the entry itself are :class:`~libops.domain.errors.EntryRefusedError`
        subclasses carrying the reason: too early, too late, a repeated entry id, more
        entries than the rules allow one person, or not eligible under the rules.
        """
        authorize(actor, "contest.record_entry")
        entry_id = public_id("an entry id", entry_id)
        require_subject_id(subject_id)
        platform = to_enum(Platform, platform)
        method = to_enum(EntryMethod, method)
        entered_at = utc("entered_at", entered_at)
        now = utc("now", now)
        if answer_correct is not None and not isinstance(answer_correct, bool):
            raise InvalidValueError("answer_correct must be True, False or None")
        if entered_at > now:
            raise InvalidValueError(
                f"an entry cannot be made in the future ({entered_at.isoformat()}; "
                f"it is {now.isoformat()})"
            )
        if self.status is ContestStatus.ANNOUNCED:
            raise EarlyEntryError(entry_id, "the contest has not opened yet")
        if self.status in (ContestStatus.CLOSED, ContestStatus.DRAWN):
            raise LateEntryError(entry_id, f"the contest is {self.status.value}")
        self._require_status("record an entry in", ContestStatus.OPEN)
        rules = self.rules
        assert rules is not None  # an open contest has rules
        if entered_at < rules.opens_at:
            raise EarlyEntryError(
                entry_id,
                f"made at {entered_at.isoformat()}, before the window opens at "
                f"{rules.opens_at.isoformat()}",
            )
        if entered_at >= rules.closes_at:
            raise LateEntryError(
                entry_id,
                f"made at {entered_at.isoformat()}, after the window closed at "
                f"{rules.closes_at.isoformat()}",
            )
        if entry_id in self._entries:
            raise DuplicateEntryError(entry_id, "an entry with this id was already recorded")
        if platform not in rules.platforms:
            allowed = ", ".join(p.value for p in rules.platforms)
            raise IneligibleEntryError(
                entry_id, f"entries come from {allowed}, not {platform.value}"
            )
        if method is not rules.entry_method:
            raise IneligibleEntryError(
                entry_id, f"entries are made by {rules.entry_method.value}, not {method.value}"
            )
        if rules.correct_answer_required and answer_correct is not True:
            raise IneligibleEntryError(entry_id, "only entries with a correct answer take part")
        made = len(self.entries_of(subject_id))
        if made >= rules.entries_per_person:
            raise EntryLimitError(
                entry_id,
                f"this participant already made {made} of the "
                f"{rules.entries_per_person} entries the rules allow one person",
            )

    def record_entry(
        self,
        actor: Actor,
        *,
        entry_id: str,
        participant: SealedPersonalData,
        platform: Platform | str,
        method: EntryMethod | str,
        entered_at: datetime,
        now: datetime,
        answer_correct: bool | None = None,
    ) -> None:
        """Accept an entry (the participant's data sealed for this event), or refuse it."""
        participant = sealed("participant", participant)
        self.check_entry(
            actor,
            entry_id=entry_id,
            subject_id=participant.subject_id,
            platform=platform,
            method=method,
            entered_at=entered_at,
            now=now,
            answer_correct=answer_correct,
        )
        self._record_entry(
            actor_id=actor.id,
            entry_id=entry_id,
            participant=participant,
            platform=to_enum(Platform, platform),
            method=to_enum(EntryMethod, method),
            entered_at=utc("entered_at", entered_at),
            answer_correct=answer_correct,
        )

    @event(EntryRecorded)
    def _record_entry(
        self,
        actor_id: str,
        entry_id: str,
        participant: SealedPersonalData,
        platform: Platform,
        method: EntryMethod,
        entered_at: datetime,
        answer_correct: bool | None,
    ) -> None:
        self._entries[entry_id] = Entry(
            entry_id,
            participant,
            platform,
            method,
            entered_at,
            answer_correct,
            version=self.version + 1,  # the version this event gives the contest
        )

    def disqualify(self, actor: Actor, entry_id: str, reason: str) -> None:
        """Take an entry out of the draw, saying why; only while the contest is open."""
        authorize(actor, "contest.disqualify")
        self._require_status("disqualify an entry of", ContestStatus.OPEN)
        entry = self.entry(entry_id)
        if not entry.eligible:
            raise InvalidTransitionError(
                "contest entry", "disqualify", f"already disqualified ({entry.disqualified})"
            )
        self._disqualify(actor_id=actor.id, entry_id=entry.entry_id, reason=reason_text(reason))

    @event(EntryDisqualified)
    def _disqualify(self, actor_id: str, entry_id: str, reason: str) -> None:
        self._entries[entry_id] = attrs.evolve(self._entries[entry_id], disqualified=reason)

    # --- close and draw ------------------------------------------------------------------

    def check_close(self, actor: Actor, *, now: datetime) -> None:
        """Raise the error :meth:`close` would raise, before a seed is made."""
        authorize(actor, "contest.close")
        self._require_status("close", ContestStatus.OPEN)
        now = utc("now", now)
        assert self.rules is not None  # an open contest has rules
        if now < self.rules.closes_at:
            raise ContestWindowError(
                f"contest {self.id}'s window is open until {self.rules.closes_at.isoformat()}; "
                f"it is {now.isoformat()}"
            )

    def close(
        self, actor: Actor, *, now: datetime, seed_commitment: str, sealed_seed: str = ""
    ) -> None:
        """Close entries once the window is over, committing to the seed and the entries.

        ``seed_commitment`` is the SHA-256 (hex) of the secret seed the draw will reveal;
        ``sealed_seed`` is however the application keeps the seed until then (opaque here).
        """
        self.check_close(actor, now=now)
        commitment = require_digest("the seed commitment", seed_commitment)
        if not isinstance(sealed_seed, str) or len(sealed_seed) > 1000:
            raise InvalidValueError("the sealed seed is text of at most 1000 characters")
        eligible = self.eligible_entry_ids()
        self._close(
            actor_id=actor.id,
            at=utc("now", now),
            eligible_count=len(eligible),
            entries_digest=entries_digest(eligible),
            seed_commitment=commitment,
            sealed_seed=sealed_seed,
        )

    @event(Closed)
    def _close(
        self,
        actor_id: str,
        at: datetime,
        eligible_count: int,
        entries_digest: str,
        seed_commitment: str,
        sealed_seed: str,
    ) -> None:
        self.status = ContestStatus.CLOSED
        self.closed_at = at
        self.entries_digest = entries_digest
        self.seed_commitment = seed_commitment
        self.sealed_seed = sealed_seed
        self.closed_version = self.version + 1  # the version this event gives the contest

    def check_draw(self, actor: Actor) -> None:
        """Raise the error :meth:`draw` would raise before the seed is known."""
        authorize(actor, "contest.draw")
        self._require_status("draw", ContestStatus.CLOSED)

    def draw(self, actor: Actor, *, seed: bytes, now: datetime) -> tuple[str, ...]:
        """Reveal the seed and draw the winners from it; returns their entry ids in order."""
        self.check_draw(actor)
        seed = require_seed(seed)
        now = utc("now", now)
        if seed_commitment(seed) != self.seed_commitment:
            raise SeedMismatchError(
                f"the seed given does not match contest {self.id}'s commitment "
                f"{self.seed_commitment}"
            )
        assert self.rules is not None  # a closed contest has rules
        winners = draw_winners(seed, self.eligible_entry_ids(), self.rules.winners)
        self._draw(actor_id=actor.id, at=now, seed=seed.hex(), winners=winners)
        return winners

    @event(Drawn)
    def _draw(self, actor_id: str, at: datetime, seed: str, winners: tuple[str, ...]) -> None:
        self.status = ContestStatus.DRAWN
        self.seed = seed
        self.winners = tuple(winners)

    def cancel(self, actor: Actor, reason: str, *, now: datetime) -> None:
        """Call the contest off before it closes (after closing, the draw must follow)."""
        authorize(actor, "contest.cancel")
        self._require_status("cancel", ContestStatus.ANNOUNCED, ContestStatus.OPEN)
        self._cancel(actor_id=actor.id, at=utc("now", now), reason=reason_text(reason))

    @event(Cancelled)
    def _cancel(self, actor_id: str, at: datetime, reason: str) -> None:
        self.status = ContestStatus.CANCELLED
        self.cancellation_reason = reason

"""The contest draw: the commit-and-reveal scheme and the audit that re-does a draw.

The scheme itself (seed, random stream, winners) is in :mod:`.draw_scheme`, which the
:class:`~libops.domain.interaction.contest.Contest` aggregate draws with; this module re-exports
it and adds :func:`verify_draw`, which replays a contest's events (so it depends on the
aggregate, and the aggregate does not depend on it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from uuid import UUID

import attrs

from libops.domain.errors import InvalidValueError
from libops.domain.interaction.contest import Contest, ContestRules
from libops.domain.interaction.draw_scheme import (
    DRAW_DOMAIN,
    SEED_BYTES,
    RandomStream,
    canonical_entries,
    draw_winners,
    entries_digest,
    require_digest,
    require_seed,
    seed_commitment,
    seed_from_hex,
    sha256_hex,
    sorted_entries,
)

__all__ = [
    "DRAW_DOMAIN",
    "SEED_BYTES",
    "DrawVerification",
    "RandomStream",
    "canonical_entries",
    "draw_winners",
    "entries_digest",
    "require_digest",
    "require_seed",
    "seed_commitment",
    "seed_from_hex",
    "sha256_hex",
    "sorted_entries",
    "verify_draw",
]


# --- verification ------------------------------------------------------------------------


@attrs.frozen
class DrawVerification:
    """What replaying a contest's events says about its draw."""

    matches: bool
    """True when the draw is exactly what the recorded seed and entries give, and the
    history shows no broken rule, no missing event and no change after the commitment."""
    expected_winners: tuple[str, ...]
    """The winners recomputed from the revealed seed and the entries the events show."""
    recorded_winners: tuple[str, ...]
    """The winners the Drawn event recorded."""
    reasons: tuple[str, ...]
    """Every mismatch found, in words (empty when ``matches``)."""
    contest_id: UUID | None = None
    eligible_entries: tuple[str, ...] = ()
    """The eligible entry ids the events show at close, in canonical order."""


def verify_draw(events: Iterable[object]) -> DrawVerification:
    """Recompute a contest's draw from its recorded events alone and say whether it matches.

    ``events`` are one contest's domain events in version order, as an auditor gets them
    from the history (``ops.app.events.get(contest_id)``). Nothing is trusted that the events
    do not show: the eligible entries are rebuilt from the entries and disqualifications and
    checked against the entries digest committed at close, the revealed seed is checked
    against the seed commitment, and the winners are drawn again. The rules in force are
    checked too (frozen once open, the window, entries per person, platforms, entry method).
    """
    return _Audit(Contest).run(list(events))


class _Audit:
    """One replay of a contest's events for :func:`verify_draw`."""

    def __init__(self, contest: type[Contest]) -> None:
        self.c = contest
        self.reasons: list[str] = []
        self.rules: ContestRules | None = None
        self.opened = False
        self.closed: Contest.Closed | None = None
        self.drawn: Contest.Drawn | None = None
        self.entries: dict[str, Contest.EntryRecorded] = {}
        self.disqualified: set[str] = set()

    def run(self, events: list[object]) -> DrawVerification:
        contest_id = self._check_sequence(events)
        for event in events:
            self._replay(event)
        if self.rules is not None:
            self._check_limits(self.rules)
        eligible = sorted_entries(e for e in self.entries if e not in self.disqualified)
        recorded = tuple(self.drawn.winners) if self.drawn is not None else ()
        expected = self._redraw(eligible)
        if expected is not None and expected != recorded:
            self.reasons.append(
                f"the recorded winners {list(recorded)} are not the winners the seed and "
                f"entries give {list(expected)}"
            )
        return DrawVerification(
            matches=not self.reasons,
            expected_winners=expected or (),
            recorded_winners=recorded,
            reasons=tuple(self.reasons),
            contest_id=contest_id,
            eligible_entries=eligible,
        )

    def _replay(self, event: object) -> None:
        c = self.c
        if isinstance(event, c.Announced):
            self.rules = event.rules
        elif isinstance(event, c.RulesStated):
            if self.opened:
                self.reasons.append("the rules were changed after the contest opened")
            self.rules = event.rules
        elif isinstance(event, c.Opened):
            self.opened = True
        elif isinstance(event, c.EntryRecorded):
            self._check_entry(event)
            self.entries.setdefault(event.entry_id, event)
        elif isinstance(event, c.EntryDisqualified):
            if self.closed is not None:
                self.reasons.append(f"entry {event.entry_id} was disqualified after the commitment")
            elif event.entry_id not in self.entries:
                self.reasons.append(f"entry {event.entry_id} was disqualified unrecorded")
            self.disqualified.add(event.entry_id)
        elif isinstance(event, c.Closed):
            self.closed = event
        elif isinstance(event, c.Drawn):
            self.drawn = event

    def _check_sequence(self, events: Sequence[object]) -> UUID | None:
        if not events:
            self.reasons.append("there are no events to verify")
            return None
        ids = {getattr(e, "originator_id", None) for e in events}
        contest_id = getattr(events[0], "originator_id", None)
        if len(ids) != 1:
            self.reasons.append("the events belong to more than one aggregate")
        versions = [getattr(e, "originator_version", None) for e in events]
        if versions != list(range(1, len(events) + 1)):
            shown = ", ".join(str(v) for v in versions[:20]) + (", ..." * (len(versions) > 20))
            self.reasons.append(f"events are missing or out of order (versions {shown})")
        if not isinstance(events[0], self.c.Announced):
            self.reasons.append("the first event is not the contest's announcement")
        known = (
            self.c.Announced,
            self.c.RulesStated,
            self.c.Opened,
            self.c.EntryRecorded,
            self.c.EntryDisqualified,
            self.c.Closed,
            self.c.Drawn,
            self.c.Cancelled,
        )
        for event in events:
            if not isinstance(event, known):
                self.reasons.append(f"{type(event).__qualname__} is not a contest event")
        return contest_id if isinstance(contest_id, UUID) else None

    def _check_entry(self, event: Contest.EntryRecorded) -> None:
        entry_id, rules = event.entry_id, self.rules
        if entry_id in self.entries:
            self.reasons.append(f"entry id {entry_id} was recorded twice")
        if not self.opened:
            self.reasons.append(f"entry {entry_id} was recorded before the contest opened")
        if self.closed is not None:
            self.reasons.append(f"entry {entry_id} was recorded after the commitment")
        if rules is None:
            return
        if not rules.window_contains(event.entered_at):
            self.reasons.append(
                f"entry {entry_id} was made at {event.entered_at.isoformat()}, "
                "outside the contest's window"
            )
        if event.platform not in rules.platforms:
            self.reasons.append(f"entry {entry_id} came from {event.platform.value}")
        if event.method is not rules.entry_method:
            self.reasons.append(f"entry {entry_id} was made by {event.method.value}")
        if rules.correct_answer_required and event.answer_correct is not True:
            self.reasons.append(f"entry {entry_id} does not have a correct answer")

    def _check_limits(self, rules: ContestRules) -> None:
        counts = Counter(e.participant.subject_id for e in self.entries.values())
        for subject_id, count in sorted(counts.items()):
            if count > rules.entries_per_person:
                self.reasons.append(
                    f"subject {subject_id} has {count} entries; the rules allow "
                    f"{rules.entries_per_person}"
                )

    def _redraw(self, eligible: tuple[str, ...]) -> tuple[str, ...] | None:
        closed, drawn = self.closed, self.drawn
        if closed is None:
            self.reasons.append("the contest was not closed: there is no commitment")
            return None
        if entries_digest(eligible) != closed.entries_digest:
            self.reasons.append(
                "the entries do not match the entries digest committed at close "
                "(an entry was added, removed or changed after the commitment)"
            )
        if len(eligible) != closed.eligible_count:
            self.reasons.append(
                f"{len(eligible)} eligible entries, but {closed.eligible_count} "
                "were committed at close"
            )
        if drawn is None:
            self.reasons.append("the contest has not been drawn: the seed is not revealed")
            return None
        try:
            seed = seed_from_hex(drawn.seed)
        except InvalidValueError as error:
            self.reasons.append(f"the revealed seed is malformed: {error}")
            return None
        if seed_commitment(seed) != closed.seed_commitment:
            self.reasons.append("the revealed seed does not match the seed commitment")
        if self.rules is None:
            self.reasons.append("no rules were stated, so the number of winners is unknown")
            return None
        return draw_winners(seed, eligible, self.rules.winners)

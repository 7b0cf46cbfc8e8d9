"""The contest draw: winners from a revealed seed and the sorted entries, checkable by anyone.

The scheme is commit and reveal. When a contest closes, libops records the SHA-256 of a secret
seed (the *seed commitment*) and the SHA-256 of the canonical list of eligible entry ids (the
*entries digest*). At the draw it records the seed itself. Winners follow from the seed and the
entries alone, by the steps below, so anyone holding the contest's events can redo the draw
(:func:`verify_draw`) and anyone with a SHA-256 implementation can redo it in another language.

1. The canonical list is the eligible entry ids sorted by code point (they are ASCII), each
   followed by a line feed, encoded as ASCII. The entries digest is its SHA-256 (hex).
2. The random stream is SHA-256 in counter mode: block ``i`` (``i`` = 0, 1, 2, ...) is
   ``SHA-256(b"libops-draw-v1" || 0x00 || seed (32 bytes) || entries digest (32 bytes) ||
   i as 8 bytes big-endian)``, and the stream is the blocks one after another.
3. A number below ``m`` is drawn by rejection sampling: for ``m = 1`` it is 0 and reads
   nothing; otherwise let ``b`` be the bit length of ``m - 1``, read the next 8 bytes of the
   stream as a big-endian number, keep its top ``b`` bits, and accept the result if it is below
   ``m``, else read the next 8 bytes and try again. Every number below ``m`` is equally likely:
   no modulo bias.
4. Winners are drawn without replacement by a partial Fisher-Yates shuffle of the sorted list:
   for ``k`` = 0, 1, ... up to the number of winners, pick ``j = k + below(n - k)`` and swap
   positions ``k`` and ``j``. The first positions, in order, are the winners; the first winner
   gets the first prize. The number of winners is the smaller of the prizes on offer and the
   eligible entries.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final
from uuid import UUID

import attrs

from libops.domain.errors import InvalidValueError

if TYPE_CHECKING:
    from libops.domain.interaction.contest import Contest, ContestRules

DRAW_DOMAIN: Final = b"libops-draw-v1"
"""The label that starts every block of the random stream (a new scheme gets a new label)."""

SEED_BYTES: Final = 32
"""The length of a draw seed."""

_HEX_DIGEST: Final = re.compile(r"[0-9a-f]{64}")
_U64_BYTES: Final = 8


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data``, as 64 lower-case hex digits."""
    return hashlib.sha256(data).hexdigest()


def require_seed(seed: object) -> bytes:
    """``seed`` if it is exactly :data:`SEED_BYTES` bytes, else raise."""
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        raise InvalidValueError(f"a draw seed is exactly {SEED_BYTES} bytes")
    return seed


def seed_from_hex(text: object) -> bytes:
    """The seed written as hex text (as a Drawn event records it), else raise."""
    if not isinstance(text, str) or _HEX_DIGEST.fullmatch(text) is None:
        raise InvalidValueError(f"a revealed seed is {2 * SEED_BYTES} lower-case hex digits")
    return bytes.fromhex(text)


def require_digest(what: str, value: object) -> str:
    """``value`` if it is a SHA-256 digest as 64 lower-case hex digits, else raise."""
    if not isinstance(value, str) or _HEX_DIGEST.fullmatch(value) is None:
        raise InvalidValueError(f"{what} must be a SHA-256 digest in 64 lower-case hex digits")
    return value


def seed_commitment(seed: bytes) -> str:
    """The commitment recorded at close: SHA-256 of the seed, in hex."""
    return sha256_hex(require_seed(seed))


def sorted_entries(entry_ids: Iterable[str]) -> tuple[str, ...]:
    """The entry ids in canonical order; ids must be distinct ASCII without line breaks."""
    ids = tuple(entry_ids)
    for entry_id in ids:
        if not isinstance(entry_id, str) or not entry_id.isascii() or "\n" in entry_id:
            raise InvalidValueError(f"an entry id in a draw is ASCII text, not {entry_id!r}")
    if len(set(ids)) != len(ids):
        twice = sorted(i for i, n in Counter(ids).items() if n > 1)
        raise InvalidValueError(f"entry ids in a draw are distinct; repeated: {twice}")
    return tuple(sorted(ids))


def canonical_entries(entry_ids: Iterable[str]) -> bytes:
    """The canonical list of entry ids: sorted, each followed by a line feed, in ASCII."""
    return b"".join(entry_id.encode("ascii") + b"\n" for entry_id in sorted_entries(entry_ids))


def entries_digest(entry_ids: Iterable[str]) -> str:
    """The entries digest recorded at close: SHA-256 of the canonical list, in hex."""
    return sha256_hex(canonical_entries(entry_ids))


class RandomStream:
    """The draw's random numbers: SHA-256 in counter mode over the seed and the entries."""

    def __init__(self, seed: bytes, digest: str) -> None:
        self._prefix = (
            DRAW_DOMAIN
            + b"\x00"
            + require_seed(seed)
            + bytes.fromhex(require_digest("the entries digest", digest))
        )
        self._counter = 0
        self._buffer = b""

    def block(self, index: int) -> bytes:
        """Block ``index`` of the stream (32 bytes)."""
        return hashlib.sha256(self._prefix + index.to_bytes(8, "big")).digest()

    def read(self, size: int) -> bytes:
        """The next ``size`` bytes of the stream."""
        while len(self._buffer) < size:
            self._buffer += self.block(self._counter)
            self._counter += 1
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken

    def next_u64(self) -> int:
        """The next 8 bytes of the stream as a big-endian number."""
        return int.from_bytes(self.read(_U64_BYTES), "big")

    def below(self, m: int) -> int:
        """A number from 0 to ``m - 1``, each equally likely (rejection sampling)."""
        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise InvalidValueError(f"can only draw below a positive whole number, not {m!r}")
        if m == 1:
            return 0
        bits = (m - 1).bit_length()
        while True:
            candidate = self.next_u64() >> (64 - bits)
            if candidate < m:
                return candidate


def draw_winners(seed: bytes, entry_ids: Iterable[str], winners: int) -> tuple[str, ...]:
    """The winning entry ids in draw order: ``min(winners, entries)`` of them, none twice."""
    if isinstance(winners, bool) or not isinstance(winners, int) or winners < 0:
        raise InvalidValueError(f"the number of winners is a whole number, not {winners!r}")
    pool = list(sorted_entries(entry_ids))
    stream = RandomStream(seed, entries_digest(pool))
    for k in range(min(winners, len(pool))):
        j = k + stream.below(len(pool) - k)
        pool[k], pool[j] = pool[j], pool[k]
    return tuple(pool[: min(winners, len(pool))])


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
    # contest.py uses this module's algorithm, so its event classes are imported here.
    from libops.domain.interaction.contest import Contest

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

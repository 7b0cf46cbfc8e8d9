"""Commands on contests: announce, rules, entries, close with a commitment, a verifiable draw.

A contest's seed is made here, at close, with :func:`secrets.token_bytes`. Until the draw it is
kept sealed under a key of its own in the key store (subject ``contest-seed:<id>``, outside
the event store), the ciphertext in the Closed event bound to that event. Only its SHA-256 is
public before the draw. The draw opens it, reveals it, and deletes the key.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from libops.application.access import read_sealed
from libops.application.commands import Command, Context, Executes, command, command_method, handles
from libops.application.dependencies import Dependencies
from libops.application.interactions.common import CarriesPersonalData
from libops.application.personal_data import Opened
from libops.domain.campaign import Campaign
from libops.domain.errors import SeedUnavailableError
from libops.domain.interaction.contest import Contest, ContestKind, ContestRules, EntryMethod
from libops.domain.interaction.draw import (
    SEED_BYTES,
    DrawVerification,
    seed_commitment,
    verify_draw,
)
from libops.domain.personal import NONCE_BYTES, Consent, PersonalInfo, associated_data
from libops.domain.post import Post
from libops.domain.values import Actor, Platform


def seed_key_subject(contest_id: UUID) -> str:
    """The key-store subject under whose key a contest's seed waits for the draw."""
    return f"contest-seed:{contest_id}"


@command(
    "contest.announce", calls=Contest.announce, refers_to={"campaign_id": Campaign, "post_id": Post}
)
@attrs.frozen(kw_only=True)
class AnnounceContest(Command[UUID]):
    """Announce a contest (on a campaign or post, if given); returns its id."""

    kind: ContestKind | str
    title: str
    rules: ContestRules | None = None
    campaign_id: UUID | str | None = None
    post_id: UUID | str | None = None


@command("contest.state_rules", calls=Contest.state_rules)
@attrs.frozen
class StateRules(Command[None]):
    """State the contest's rules (only before it opens)."""

    contest_id: UUID | str
    rules: ContestRules


@command("contest.open", calls=Contest.open, now=True)
@attrs.frozen
class OpenContest(Command[None]):
    """Open the contest; its rules are frozen from now on."""

    contest_id: UUID | str


@command("contest.record_entry")
@attrs.frozen(kw_only=True)
class RecordEntry(CarriesPersonalData, Command[str]):
    """Record a reader's entry (made now, or at ``entered_at``); returns its public id.

    ``entry_id`` is the public id shown in the list of entries and winners (for example
    the platform's id of the repost); without one, the next free ``E000001``-style id is
    given. The participant is named by ``subject_id`` or their handle on ``platform``.
    Refused entries raise an :class:`~libops.domain.errors.EntryRefusedError` subclass
    with the reason, and nothing is recorded or sealed.
    """

    PERSONAL = "participant"

    contest_id: UUID | str = attrs.field(kw_only=False)
    participant: PersonalInfo
    consent: Consent
    platform: Platform | str
    method: EntryMethod | str
    subject_id: str | None = None
    entry_id: str | None = None
    entered_at: datetime | None = None
    answer_correct: bool | None = None


@handles(RecordEntry)
def record_entry(ctx: Context, actor: Actor, command: RecordEntry) -> str:
    subject = command.subject(ctx.deps)
    contest = ctx.load(Contest, command.contest_id)
    now = ctx.now()
    when = now if command.entered_at is None else command.entered_at
    public = contest.next_entry_id() if command.entry_id is None else command.entry_id
    details: dict[str, Any] = {
        "platform": command.platform,
        "method": command.method,
        "entered_at": when,
        "now": now,
        "answer_correct": command.answer_correct,
    }
    contest.check_entry(actor, entry_id=public, subject_id=subject, **details)
    sealed = ctx.deps.personal.seal(
        subject,
        command.participant,
        command.consent,
        aggregate_id=contest.id,
        version=contest.version + 1,
        topic=Contest.EntryRecorded.TOPIC,
        field="participant",
    )
    contest.record_entry(actor, entry_id=public, participant=sealed, **details)
    return public


@command("contest.disqualify", calls=Contest.disqualify)
@attrs.frozen
class Disqualify(Command[None]):
    """Take an entry out of the draw, with the reason (only while the contest is open)."""

    contest_id: UUID | str
    entry_id: str
    reason: str


@command("contest.close")
@attrs.frozen
class CloseContest(Command[str]):
    """Close entries after the window; returns the seed commitment (SHA-256, hex).

    A new seed is made for the contest here and kept sealed until the draw.
    """

    contest_id: UUID | str


@handles(CloseContest)
def close_contest(ctx: Context, actor: Actor, command: CloseContest) -> str:
    contest = ctx.load(Contest, command.contest_id)
    now = ctx.now()
    contest.check_close(actor, now=now)
    seed = secrets.token_bytes(SEED_BYTES)
    commitment = seed_commitment(seed)
    sealed = _seal_seed(ctx.deps, contest.id, contest.version + 1, seed)
    contest.close(actor, now=now, seed_commitment=commitment, sealed_seed=sealed)
    return commitment


@command("contest.draw")
@attrs.frozen
class DrawWinners(Command[tuple[str, ...]]):
    """Reveal the seed and draw the winners; returns their entry ids in draw order."""

    contest_id: UUID | str


@handles(DrawWinners)
def draw_winners(ctx: Context, actor: Actor, command: DrawWinners) -> tuple[str, ...]:
    contest = ctx.load(Contest, command.contest_id)
    contest.check_draw(actor)
    winners = contest.draw(actor, seed=_open_seed(ctx.deps, contest), now=ctx.now())
    # The seed is public once the draw is saved: its key has nothing left to protect.
    subject = seed_key_subject(contest.id)

    def forget_seed_key() -> None:
        ctx.deps.keys.erase(subject)

    ctx.after_save(forget_seed_key)
    return tuple(winners)


@command("contest.cancel", calls=Contest.cancel, now=True)
@attrs.frozen
class CancelContest(Command[None]):
    """Call a contest off before it closes."""

    contest_id: UUID | str
    reason: str


# --- the seed between close and draw -------------------------------------------------------


def _seal_seed(deps: Dependencies, contest_id: UUID, version: int, seed: bytes) -> str:
    key = deps.keys.get_or_create(seed_key_subject(contest_id))
    bound_to = associated_data(contest_id, version, Contest.Closed.TOPIC)
    nonce, ciphertext = deps.sealer.seal(key, seed, bound_to)
    return base64.b64encode(nonce + ciphertext).decode()


def _open_seed(deps: Dependencies, contest: Contest) -> bytes:
    key = deps.keys.get(seed_key_subject(contest.id))
    if key is None or not contest.sealed_seed or contest.closed_version is None:
        raise SeedUnavailableError(
            f"the seed of contest {contest.id} is not in the key store: it cannot be drawn"
        )
    sealed = base64.b64decode(contest.sealed_seed)
    bound_to = associated_data(contest.id, contest.closed_version, Contest.Closed.TOPIC)
    seed = deps.sealer.open(key, sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], bound_to)
    if seed is None:
        raise SeedUnavailableError(
            f"the sealed seed of contest {contest.id} does not open: it was altered"
        )
    return seed


@command("privacy.read_entrant", requires=("privacy.read",))
@attrs.frozen
class ReadEntrant(Command[Opened]):
    """Open who made an entry (to deliver a prize), saying why; the reading is recorded."""

    KEYED = False

    contest_id: UUID | str
    entry_id: str
    reason: str


@handles(ReadEntrant)
def read_entrant(ctx: Context, actor: Actor, command: ReadEntrant) -> Opened:
    contest = ctx.load(Contest, command.contest_id)
    entry = contest.entry(command.entry_id)
    return read_sealed(
        ctx,
        actor,
        entry.participant,
        aggregate_id=contest.id,
        version=entry.version,
        topic=Contest.EntryRecorded.TOPIC,
        field="participant",
        reason=command.reason,
        what=f"entry {command.entry_id}",
    )


class ContestService(Executes):
    """Announce contests, take entries, close them with a commitment and draw verifiably."""

    participant = command_method(ReadEntrant)
    announce = command_method(AnnounceContest)
    state_rules = command_method(StateRules)
    open = command_method(OpenContest)
    enter = command_method(RecordEntry)
    disqualify = command_method(Disqualify)
    close = command_method(CloseContest)
    draw = command_method(DrawWinners)
    cancel = command_method(CancelContest)

    def get(self, contest_id: UUID | str) -> Contest:
        """The contest's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Contest, contest_id)

    def verify(self, contest_id: UUID | str) -> DrawVerification:
        """Redo the contest's draw from its stored events (see :func:`verify_draw`)."""
        contest = self.get(contest_id)
        return verify_draw(self._app.events.get(contest.id))

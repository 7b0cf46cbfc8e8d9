"""What the interaction tests share: people, stand-in sealed data, a contest in any state."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from libops import Actor
from libops.domain.interaction.contest import (
    Contest,
    ContestKind,
    ContestRules,
    ContestStatus,
    EntryMethod,
    Prize,
)
from libops.domain.interaction.draw import seed_commitment
from libops.domain.personal import Consent, SealedPersonalData
from tests.actors import ADMIN, AUDITOR, OWNER, PLANNER, REVIEWER, TECH

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
"""The time the tests' contests are announced (the conftest clock's start)."""

OPENS = START + timedelta(hours=1)
CLOSES = START + timedelta(days=7)

EVERYONE = {
    "planner": PLANNER,
    "admin": ADMIN,
    "reviewer": REVIEWER,
    "tech": TECH,
    "budget": OWNER,
    "auditor": AUDITOR,
}
"""One actor per role, by a short name."""

CONSENT = Consent("World Book Day draw", START)

RULES = ContestRules(
    eligibility="Readers with a City Library card; staff and their families excluded.",
    opens_at=OPENS,
    closes_at=CLOSES,
    entry_method=EntryMethod.REPOST,
    prizes=(Prize("Book token, 200 CNY", 2), Prize("Library tote bag")),
    platforms=("weibo", "wechat"),
    entries_per_person=2,
)
"""Three winners (two book tokens, one tote bag), two entries per person, Weibo or WeChat."""

SEED = hashlib.sha256(b"libops test seed").digest()


def sealed_for(subject_id: str, *, third_parties: bool = False) -> SealedPersonalData:
    """Stand-in sealed data for ``subject_id`` (domain tests need no real encryption)."""
    nonce = hashlib.sha256(b"nonce" + subject_id.encode()).digest()[:12]
    ciphertext = hashlib.sha256(b"ciphertext" + subject_id.encode()).digest()
    return SealedPersonalData(
        subject_id=subject_id,
        nonce=base64.b64encode(nonce).decode(),
        ciphertext=base64.b64encode(ciphertext).decode(),
        consent=Consent("World Book Day draw", START, third_parties=third_parties),
    )


def enter(
    contest: Contest,
    entry_id: str,
    subject_id: str,
    *,
    at: datetime | None = None,
    actor: Actor = PLANNER,
    **overrides: Any,
) -> None:
    """Record a good entry (a Weibo repost an hour after opening unless told otherwise)."""
    when = at or OPENS + timedelta(hours=1)
    arguments: dict[str, Any] = {
        "entry_id": entry_id,
        "participant": sealed_for(subject_id),
        "platform": "weibo",
        "method": "repost",
        "entered_at": when,
        "now": when,
    }
    arguments.update(overrides)
    contest.record_entry(actor, **arguments)


def contest_in(status: ContestStatus, *, entries: int = 5, rules: ContestRules = RULES) -> Contest:
    """A contest brought to ``status`` through its commands, with ``entries`` entries."""
    contest = Contest.announce(PLANNER, kind=ContestKind.REPOST_DRAW, title="WBD draw")
    if status is ContestStatus.CANCELLED:
        contest.cancel(ADMIN, "venue closed", now=START)
        return contest
    contest.state_rules(PLANNER, rules)
    if status is ContestStatus.ANNOUNCED:
        return contest
    contest.open(ADMIN, now=START)
    for n in range(entries):
        enter(contest, f"E{n + 1:03d}", f"reader-{n + 1}")
    if status is ContestStatus.OPEN:
        return contest
    contest.close(ADMIN, now=CLOSES, seed_commitment=seed_commitment(SEED))
    if status is ContestStatus.CLOSED:
        return contest
    contest.draw(ADMIN, seed=SEED, now=CLOSES + timedelta(hours=1))
    assert contest.status is ContestStatus.DRAWN
    return contest

"""Publishing claims: who is putting one post out on one platform right now, and until when.

A platform call cannot be part of a database transaction, so two processes publishing the
same due slot at once (two overlapping scheduled runs) would both call the platform. Before
calling it, a process *claims* the slot: it records a claim with a token of its own and an
expiry, and saves it. Claims of one post on one platform live in one aggregate, saved with
optimistic concurrency, so of two processes claiming at once exactly one succeeds; the
other sees the claim and leaves the slot alone. The claim is *settled* when the outcome (the
publication or the failure) is recorded. A claim that expires unsettled means its holder
died or hung half-way: the next claimer must ask the platform whether the post went out
before publishing it again (:attr:`PublishClaim.lapsed`).

The claim follows the post: commands are authorised on the post, and the claim only records
who held it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.errors import InvalidValueError, PublishClaimedError
from libops.domain.validation import require_instance
from libops.domain.values import Actor, Platform, require_text, to_platform, utc_moment

CLAIM_NAMESPACE = uuid5(NAMESPACE_URL, "https://libops.invalid/publish-claim")

OUTCOMES = ("published", "failed")
"""How a claim can be settled."""


def _token(value: object) -> str:
    return require_text("claim token", value, max_length=100)


def _lease(value: object) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0) or value > timedelta(days=1):
        raise InvalidValueError(f"a claim lasts more than 0 and at most a day, not {value!r}")
    return value


class PublishClaim(Aggregate):
    """The claims on publishing one post on one platform, the current one last."""

    TOPIC = "libops:PublishClaim"

    class Event(events.Event):
        TOPIC = "libops:PublishClaim.Event"

    class Claimed(events.Created):
        """A process claimed the post's slot on the platform, the first time."""

        TOPIC = "libops:PublishClaim.Claimed"
        actor_id: str
        post_id: UUID
        platform: Platform
        token: str
        expires_at: datetime

    class Reclaimed(events.Event):
        """A process claimed the slot again, after the last claim was settled or lapsed."""

        TOPIC = "libops:PublishClaim.Reclaimed"
        actor_id: str
        token: str
        expires_at: datetime
        lapsed_token: str | None

    class Settled(events.Event):
        """The claim's holder recorded what came of it: ``published`` or ``failed``."""

        TOPIC = "libops:PublishClaim.Settled"
        actor_id: str
        token: str
        outcome: str

    @staticmethod
    def create_id(post_id: UUID, platform: Platform, **_: object) -> UUID:
        return PublishClaim.id_for(post_id, platform)

    @staticmethod
    def id_for(post_id: UUID, platform: Platform | str) -> UUID:
        """The id of the claims on ``post_id`` on ``platform`` (the same in every store)."""
        return uuid5(CLAIM_NAMESPACE, f"{post_id}:{to_platform(platform).value}")

    @classmethod
    def claim(
        cls,
        actor: Actor,
        post_id: UUID,
        platform: Platform | str,
        token: str,
        *,
        now: datetime,
        lease: timedelta,
    ) -> PublishClaim:
        """The first claim on ``post_id``'s slot on ``platform``, held until ``now + lease``."""
        post_id = require_instance(UUID, post_id, "a post id must be a UUID")
        return cls(
            actor_id=actor.id,
            post_id=post_id,
            platform=to_platform(platform),
            token=_token(token),
            expires_at=utc_moment("now", now) + _lease(lease),
        )

    @event(Claimed)
    def __init__(
        self, actor_id: str, post_id: UUID, platform: Platform, token: str, expires_at: datetime
    ) -> None:
        self.post_id = post_id
        self.platform = platform
        self.holder_id = actor_id
        self.token = token
        self.expires_at = expires_at
        self.outcome: str | None = None
        self.lapsed = False

    # --- queries -----------------------------------------------------------------------

    @property
    def settled(self) -> bool:
        """Whether the current claim's outcome was recorded."""
        return self.outcome is not None

    def held(self, now: datetime) -> bool:
        """Whether the current claim is unsettled and not yet expired at ``now``."""
        return not self.settled and utc_moment("now", now) < self.expires_at

    # --- commands ----------------------------------------------------------------------

    def reclaim(self, actor: Actor, token: str, *, now: datetime, lease: timedelta) -> None:
        """Claim the slot again; :class:`PublishClaimedError` while another claim holds it.

        A claim that expired unsettled is taken over: :attr:`lapsed` then says the new
        holder must ask the platform whether the post already went out.
        """
        now = utc_moment("now", now)
        if self.held(now):
            raise PublishClaimedError(
                self.post_id, self.platform.value, self.holder_id, self.expires_at
            )
        self._reclaim(
            actor_id=actor.id,
            token=_token(token),
            expires_at=now + _lease(lease),
            lapsed_token=None if self.settled else self.token,
        )

    @event(Reclaimed)
    def _reclaim(
        self, actor_id: str, token: str, expires_at: datetime, lapsed_token: str | None
    ) -> None:
        self.holder_id = actor_id
        self.token = token
        self.expires_at = expires_at
        self.outcome = None
        self.lapsed = lapsed_token is not None

    def settle(self, actor: Actor, token: str, outcome: str) -> bool:
        """Record the outcome of the claim with ``token``; False (recording nothing) if that
        claim is no longer the current one or was settled already."""
        if outcome not in OUTCOMES:
            raise InvalidValueError(f"a claim is settled as {' or '.join(OUTCOMES)}")
        if token != self.token or self.settled:
            return False
        self._settle(actor_id=actor.id, token=token, outcome=outcome)
        return True

    @event(Settled)
    def _settle(self, actor_id: str, token: str, outcome: str) -> None:
        self.outcome = outcome

"""The Campaign aggregate: a planned piece of work with a period, platforms and goals."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from libops.domain import events
from libops.domain.budget import BudgetCategory, BudgetLine, to_budget_category
from libops.domain.errors import (
    CampaignEndedError,
    InvalidTransitionError,
    InvalidValueError,
    LaunchRequirementsError,
)
from libops.domain.permissions import authorize
from libops.domain.validation import reason_text, require_instance
from libops.domain.values import (
    HASHTAGS_MAX,
    Actor,
    KolPartner,
    Objective,
    Period,
    Platform,
    at_most,
    enum_converter,
    hashtag,
    require_line,
    storable_text,
    to_platforms,
    tuple_of,
)


class CampaignKind(enum.Enum):
    """What sort of campaign it is."""

    TOPIC = "topic"
    KOL = "kol"
    CROSS_PLATFORM = "cross_platform"
    SERVICE = "service"
    READING_EVENT = "reading_event"


class CampaignStatus(enum.Enum):
    """Where a campaign is in its life."""

    PLANNED = "planned"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


_ENDED = frozenset({CampaignStatus.COMPLETED, CampaignStatus.CANCELLED})


def _objectives(values: Iterable[Objective]) -> tuple[Objective, ...]:
    return tuple_of(Objective, "objectives", values)


def _hashtags(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    return tuple(dict.fromkeys(hashtag(v) for v in at_most("hashtags", values, HASHTAGS_MAX)))


class Campaign(Aggregate):
    """A campaign: a topic, KOL, cross-platform, service or reading-event push over a period."""

    TOPIC = "libops:Campaign"

    class Event(events.Event):
        TOPIC = "libops:Campaign.Event"

    class Planned(events.Created):
        """A campaign was planned."""

        TOPIC = "libops:Campaign.Planned"
        actor_id: str
        name: str
        kind: CampaignKind
        period: Period
        platforms: tuple[Platform, ...]
        objectives: tuple[Objective, ...]
        hashtags: tuple[str, ...]
        description: str

    class Amended(events.Event):
        """Parts of a campaign's plan were changed (fields left as None were not)."""

        TOPIC = "libops:Campaign.Amended"
        actor_id: str
        name: str | None
        period: Period | None
        platforms: tuple[Platform, ...] | None
        objectives: tuple[Objective, ...] | None
        hashtags: tuple[str, ...] | None
        description: str | None

    class KolPartnerAdded(events.Event):
        """An influencer was engaged on agreed terms."""

        TOPIC = "libops:Campaign.KolPartnerAdded"
        actor_id: str
        partner: KolPartner

    class BudgetLineLinked(events.Event):
        """Money in a category of a budget was set aside for this campaign."""

        TOPIC = "libops:Campaign.BudgetLineLinked"
        actor_id: str
        budget_id: UUID
        category: BudgetCategory

    class Launched(events.Event):
        """The campaign went live."""

        TOPIC = "libops:Campaign.Launched"
        actor_id: str

    class Paused(events.Event):
        """The campaign was put on hold."""

        TOPIC = "libops:Campaign.Paused"
        actor_id: str
        reason: str

    class Resumed(events.Event):
        """A paused campaign went live again."""

        TOPIC = "libops:Campaign.Resumed"
        actor_id: str

    class Completed(events.Event):
        """The campaign finished; it changes no more."""

        TOPIC = "libops:Campaign.Completed"
        actor_id: str

    class Cancelled(events.Event):
        """The campaign was called off; it changes no more."""

        TOPIC = "libops:Campaign.Cancelled"
        actor_id: str
        reason: str

    # --- creation ----------------------------------------------------------------------

    @classmethod
    def plan(
        cls,
        actor: Actor,
        *,
        name: str,
        kind: CampaignKind | str,
        period: Period,
        platforms: Iterable[Platform | str] = (),
        objectives: Iterable[Objective] = (),
        hashtags: Iterable[str] = (),
        description: str = "",
    ) -> Campaign:
        """Plan a new campaign; it starts in the planned state."""
        authorize(actor, "campaign.plan")
        period = require_instance(Period, period, "period must be a Period")
        storable_text("description", description)
        return cls(
            actor_id=actor.id,
            name=require_line("name", name),
            kind=enum_converter(CampaignKind)(kind),
            period=period,
            platforms=to_platforms(platforms),
            objectives=_objectives(objectives),
            hashtags=_hashtags(hashtags),
            description=description.strip(),
        )

    @event(Planned)
    def __init__(
        self,
        actor_id: str,
        name: str,
        kind: CampaignKind,
        period: Period,
        platforms: tuple[Platform, ...],
        objectives: tuple[Objective, ...],
        hashtags: tuple[str, ...],
        description: str,
    ) -> None:
        self.planned_by = actor_id
        self.name = name
        self.kind = kind
        self.period = period
        # Stored events give lists back for tuples: normalise on every load.
        self.platforms = tuple(platforms)
        self.objectives = tuple(objectives)
        self.hashtags = tuple(hashtags)
        self.description = description
        self.kol_partners: tuple[KolPartner, ...] = ()
        self.budget_lines: tuple[BudgetLine, ...] = ()
        self.status = CampaignStatus.PLANNED

    # --- queries -----------------------------------------------------------------------

    @property
    def has_ended(self) -> bool:
        """Whether the campaign is completed or cancelled."""
        return self.status in _ENDED

    def _require_open(self, action: str) -> None:
        if self.has_ended:
            raise CampaignEndedError("campaign", action, self.status.value)

    def _require_status(self, action: str, *allowed: CampaignStatus) -> None:
        self._require_open(action)
        if self.status not in allowed:
            raise InvalidTransitionError("campaign", action, self.status.value)

    # --- commands ----------------------------------------------------------------------

    def amend(
        self,
        actor: Actor,
        *,
        name: str | None = None,
        period: Period | None = None,
        platforms: Iterable[Platform | str] | None = None,
        objectives: Iterable[Objective] | None = None,
        hashtags: Iterable[str] | None = None,
        description: str | None = None,
    ) -> None:
        """Change parts of the plan; a live campaign keeps at least one platform and objective."""
        authorize(actor, "campaign.amend")
        self._require_open("amend")
        if period is not None and not isinstance(period, Period):
            raise InvalidValueError(f"period must be a Period, not {type(period).__name__}")
        if description is not None:
            storable_text("description", description)
        changes: dict[str, Any] = {
            "name": None if name is None else require_line("name", name),
            "period": period,
            "platforms": None if platforms is None else to_platforms(platforms),
            "objectives": None if objectives is None else _objectives(objectives),
            "hashtags": None if hashtags is None else _hashtags(hashtags),
            "description": None if description is None else description.strip(),
        }
        if all(value is None for value in changes.values()):
            raise InvalidValueError("an amendment must change at least one thing")
        if self.status is not CampaignStatus.PLANNED:
            if changes["platforms"] == ():
                raise LaunchRequirementsError("a launched campaign keeps at least one platform")
            if changes["objectives"] == ():
                raise LaunchRequirementsError("a launched campaign keeps at least one objective")
        self._amend(actor_id=actor.id, **changes)

    @event(Amended)
    def _amend(
        self,
        actor_id: str,
        name: str | None,
        period: Period | None,
        platforms: tuple[Platform, ...] | None,
        objectives: tuple[Objective, ...] | None,
        hashtags: tuple[str, ...] | None,
        description: str | None,
    ) -> None:
        if name is not None:
            self.name = name
        if period is not None:
            self.period = period
        if platforms is not None:
            self.platforms = tuple(platforms)
        if objectives is not None:
            self.objectives = tuple(objectives)
        if hashtags is not None:
            self.hashtags = tuple(hashtags)
        if description is not None:
            self.description = description

    def add_kol_partner(self, actor: Actor, partner: KolPartner) -> None:
        """Engage an influencer with agreed deliverables and fee."""
        authorize(actor, "campaign.add_kol_partner")
        self._require_open("add a KOL partner to")
        partner = require_instance(KolPartner, partner, "partner must be a KolPartner")
        if any(
            p.handle == partner.handle and p.platform == partner.platform for p in self.kol_partners
        ):
            raise InvalidValueError(
                f"{partner.handle} on {partner.platform.value} is already a partner"
            )
        self._add_kol_partner(actor_id=actor.id, partner=partner)

    @event(KolPartnerAdded)
    def _add_kol_partner(self, actor_id: str, partner: KolPartner) -> None:
        self.kol_partners = (*self.kol_partners, partner)

    def link_budget_line(
        self, actor: Actor, budget_id: UUID, category: BudgetCategory | str
    ) -> None:
        """Record that a budget set money aside for this campaign (once per budget and category).

        A line already linked records nothing.
        """
        authorize(actor, "campaign.link_budget_line")
        self._require_open("link a budget line to")
        budget_id = require_instance(UUID, budget_id, "budget_id must be a UUID")
        line = BudgetLine(budget_id, to_budget_category(category))
        if line in self.budget_lines:
            return
        self._link_budget_line(actor_id=actor.id, budget_id=budget_id, category=line.category)

    @event(BudgetLineLinked)
    def _link_budget_line(self, actor_id: str, budget_id: UUID, category: BudgetCategory) -> None:
        self.budget_lines = (*self.budget_lines, BudgetLine(budget_id, category))

    def launch(self, actor: Actor) -> None:
        """Take a planned campaign live; it needs a platform and an objective."""
        authorize(actor, "campaign.launch")
        self._require_status("launch", CampaignStatus.PLANNED)
        if not self.platforms:
            raise LaunchRequirementsError("a campaign needs at least one platform to launch")
        if not self.objectives:
            raise LaunchRequirementsError("a campaign needs at least one objective to launch")
        self._launch(actor_id=actor.id)

    @event(Launched)
    def _launch(self, actor_id: str) -> None:
        self.status = CampaignStatus.ACTIVE

    def pause(self, actor: Actor, reason: str) -> None:
        """Put a live campaign on hold, saying why."""
        authorize(actor, "campaign.pause")
        self._require_status("pause", CampaignStatus.ACTIVE)
        self._pause(actor_id=actor.id, reason=reason_text(reason))

    @event(Paused)
    def _pause(self, actor_id: str, reason: str) -> None:
        self.status = CampaignStatus.PAUSED

    def resume(self, actor: Actor) -> None:
        """Take a paused campaign live again."""
        authorize(actor, "campaign.resume")
        self._require_status("resume", CampaignStatus.PAUSED)
        self._resume(actor_id=actor.id)

    @event(Resumed)
    def _resume(self, actor_id: str) -> None:
        self.status = CampaignStatus.ACTIVE

    def complete(self, actor: Actor) -> None:
        """Finish a live or paused campaign."""
        authorize(actor, "campaign.complete")
        self._require_status("complete", CampaignStatus.ACTIVE, CampaignStatus.PAUSED)
        self._complete(actor_id=actor.id)

    @event(Completed)
    def _complete(self, actor_id: str) -> None:
        self.status = CampaignStatus.COMPLETED

    def cancel(self, actor: Actor, reason: str) -> None:
        """Call off a campaign that has not ended, saying why."""
        authorize(actor, "campaign.cancel")
        self._require_open("cancel")
        self._cancel(actor_id=actor.id, reason=reason_text(reason))

    @event(Cancelled)
    def _cancel(self, actor_id: str, reason: str) -> None:
        self.status = CampaignStatus.CANCELLED

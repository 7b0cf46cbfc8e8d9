"""Commands on campaigns: plan, amend, engage partners, launch, pause, resume, end."""

from __future__ import annotations

from uuid import UUID

import attrs

from libops.application.commands import (
    Command,
    Context,
    Executes,
    command,
    command_method,
    handles,
    items,
    optional_items,
)
from libops.application.queries import DEFAULT_LIMIT, Page, Queries, queries_of
from libops.domain.budget import Budget, BudgetCategory, to_kol_category
from libops.domain.campaign import Campaign, CampaignKind, CampaignStatus
from libops.domain.values import Actor, KolPartner, Objective, Period, Platform, to_enum


@command("campaign.plan", calls=Campaign.plan)
@attrs.frozen(kw_only=True)
class PlanCampaign(Command[UUID]):
    """Plan a new campaign and return its id."""

    name: str
    kind: CampaignKind | str
    period: Period
    platforms: tuple[Platform | str, ...] = attrs.field(default=(), converter=items)
    objectives: tuple[Objective, ...] = attrs.field(default=(), converter=items)
    hashtags: tuple[str, ...] = attrs.field(default=(), converter=items)
    description: str = ""


@command("campaign.amend", calls=Campaign.amend)
@attrs.frozen(kw_only=True)
class AmendCampaign(Command[None]):
    """Change parts of a campaign's plan; fields left as None stay as they are."""

    campaign_id: UUID | str = attrs.field(kw_only=False)
    name: str | None = None
    period: Period | None = None
    platforms: tuple[Platform | str, ...] | None = attrs.field(
        default=None, converter=optional_items
    )
    objectives: tuple[Objective, ...] | None = attrs.field(default=None, converter=optional_items)
    hashtags: tuple[str, ...] | None = attrs.field(default=None, converter=optional_items)
    description: str | None = None


@command("campaign.add_kol_partner", calls=Campaign.add_kol_partner)
@attrs.frozen
class AddKolPartner(Command[None]):
    """Engage an influencer on a campaign."""

    campaign_id: UUID | str
    partner: KolPartner


@command("campaign.engage_kol_partner", requires=("campaign.add_kol_partner", "budget.commit"))
@attrs.frozen(kw_only=True)
class EngageKolPartner(Command[str]):
    """Engage an influencer and commit the agreed fee against the campaign's budget line.

    The partner is added to the campaign and the fee committed on the campaign's line in
    ``category`` (partnerships or promotion) of the budget, in one save: both are
    recorded or neither. Returns the commitment's reference (to release it later).
    """

    campaign_id: UUID | str = attrs.field(kw_only=False)
    partner: KolPartner = attrs.field(kw_only=False)
    budget_id: UUID | str
    category: BudgetCategory | str = BudgetCategory.PARTNERSHIPS


@handles(EngageKolPartner)
def engage_kol_partner(ctx: Context, actor: Actor, command: EngageKolPartner) -> str:
    campaign = ctx.load(Campaign, command.campaign_id)
    budget = ctx.load(Budget, command.budget_id)
    campaign.add_kol_partner(actor, command.partner)
    reference = kol_commitment_reference(campaign.id, command.partner)
    budget.commit(
        actor,
        reference=reference,
        amount=command.partner.fee,
        category=to_kol_category(command.category),
        campaign_id=campaign.id,
    )
    return reference


@command("campaign.launch", calls=Campaign.launch)
@attrs.frozen
class LaunchCampaign(Command[None]):
    """Take a planned campaign live."""

    campaign_id: UUID | str


@command("campaign.pause", calls=Campaign.pause)
@attrs.frozen
class PauseCampaign(Command[None]):
    """Put a live campaign on hold, saying why."""

    campaign_id: UUID | str
    reason: str


@command("campaign.resume", calls=Campaign.resume)
@attrs.frozen
class ResumeCampaign(Command[None]):
    """Take a paused campaign live again."""

    campaign_id: UUID | str


@command("campaign.complete", calls=Campaign.complete)
@attrs.frozen
class CompleteCampaign(Command[None]):
    """Finish a campaign; nothing changes after."""

    campaign_id: UUID | str


@command("campaign.cancel", calls=Campaign.cancel)
@attrs.frozen
class CancelCampaign(Command[None]):
    """Call off a campaign, saying why."""

    campaign_id: UUID | str
    reason: str


class CampaignService(Executes):
    """Plan, amend, launch, pause, resume, complete and cancel campaigns."""

    plan = command_method(PlanCampaign)
    amend = command_method(AmendCampaign)
    add_kol_partner = command_method(AddKolPartner)
    engage_kol_partner = command_method(EngageKolPartner)
    launch = command_method(LaunchCampaign)
    pause = command_method(PauseCampaign)
    resume = command_method(ResumeCampaign)
    complete = command_method(CompleteCampaign)
    cancel = command_method(CancelCampaign)

    def get(self, campaign_id: UUID | str) -> Campaign:
        """The campaign's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Campaign, campaign_id)

    # Queries (issue 15): answered from the indexed campaigns listing (docs/queries.md).
    queries: Queries | None = None
    """The store's lists (set by :class:`~libops.LibOps` when it opens the store)."""

    def page(
        self,
        *,
        state: CampaignStatus | str | None = None,
        order: str = "-start",
        limit: int = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """A page of campaigns, in ``state`` if given, by first day (``"-start"``, latest
        first, or ``"start"``), ``limit`` rows (1 to 200) from ``cursor``.

        The indexed twin of :meth:`list` (which loads every campaign, as aggregates): rows
        as plain dicts, one page at a time."""
        return queries_of(self.queries).campaigns(
            state=state, order=order, limit=limit, cursor=cursor
        )

    def list(self, status: CampaignStatus | str | None = None) -> tuple[Campaign, ...]:
        """Every campaign (or those in ``status``), by start day, then name, then id.

        Read-only: the log is searched for ``Campaign.Planned`` events (filtered by topic in
        the store, not decoded) and each campaign loaded as it is now (fresh copies). An
        unknown ``status`` is an :class:`InvalidValueError`, raised before anything is read.
        """
        wanted = None if status is None else to_enum(CampaignStatus, status)
        return self._app.listing(
            Campaign,
            Campaign.Planned.TOPIC,
            lambda c: wanted is None or c.status is wanted,
            key=lambda c: (c.period.start, c.name, str(c.id)),
        )


def kol_commitment_reference(campaign_id: UUID, partner: KolPartner) -> str:
    """The reference of the commitment that holds a KOL partner's fee on a campaign."""
    return f"kol:{campaign_id}:{partner.platform.value}:{partner.handle}"

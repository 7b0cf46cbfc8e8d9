"""Commands on campaigns: plan, amend, engage partners, launch, pause, resume, end."""

from __future__ import annotations

from uuid import UUID

import attrs

from libops.application.commands import (
    Command,
    Context,
    Executes,
    command_method,
    handles,
    items,
    optional_items,
)
from libops.domain.budget import Budget, BudgetCategory, to_kol_category
from libops.domain.campaign import Campaign, CampaignKind
from libops.domain.values import Actor, KolPartner, Objective, Period, Platform


@attrs.frozen(kw_only=True)
class PlanCampaign(Command[UUID]):
    """Plan a new campaign and return its id."""

    NAME = "campaign.plan"

    name: str
    kind: CampaignKind | str
    period: Period
    platforms: tuple[Platform | str, ...] = attrs.field(default=(), converter=items)
    objectives: tuple[Objective, ...] = attrs.field(default=(), converter=items)
    hashtags: tuple[str, ...] = attrs.field(default=(), converter=items)
    description: str = ""


@handles(PlanCampaign)
def plan_campaign(ctx: Context, actor: Actor, command: PlanCampaign) -> UUID:
    return ctx.add(Campaign.plan(actor, **command.arguments())).id


@attrs.frozen(kw_only=True)
class AmendCampaign(Command[None]):
    """Change parts of a campaign's plan; fields left as None stay as they are."""

    NAME = "campaign.amend"

    campaign_id: UUID | str = attrs.field(kw_only=False)
    name: str | None = None
    period: Period | None = None
    platforms: tuple[Platform | str, ...] | None = attrs.field(
        default=None, converter=optional_items
    )
    objectives: tuple[Objective, ...] | None = attrs.field(default=None, converter=optional_items)
    hashtags: tuple[str, ...] | None = attrs.field(default=None, converter=optional_items)
    description: str | None = None


@handles(AmendCampaign)
def amend_campaign(ctx: Context, actor: Actor, command: AmendCampaign) -> None:
    campaign = ctx.load(Campaign, command.campaign_id, "campaign")
    campaign.amend(actor, **command.arguments("campaign_id"))


@attrs.frozen
class AddKolPartner(Command[None]):
    """Engage an influencer on a campaign."""

    NAME = "campaign.add_kol_partner"

    campaign_id: UUID | str
    partner: KolPartner


@handles(AddKolPartner)
def add_kol_partner(ctx: Context, actor: Actor, command: AddKolPartner) -> None:
    ctx.load(Campaign, command.campaign_id, "campaign").add_kol_partner(actor, command.partner)


@attrs.frozen(kw_only=True)
class EngageKolPartner(Command[str]):
    """Engage an influencer and commit the agreed fee against the campaign's budget line.

    The partner is added to the campaign and the fee committed on the campaign's line in
    ``category`` (partnerships or promotion) of the budget, in one save: both are
    recorded or neither. Returns the commitment's reference (to release it later).
    """

    NAME = "campaign.engage_kol_partner"
    REQUIRES = ("campaign.add_kol_partner", "budget.commit")

    campaign_id: UUID | str = attrs.field(kw_only=False)
    partner: KolPartner = attrs.field(kw_only=False)
    budget_id: UUID | str
    category: BudgetCategory | str = BudgetCategory.PARTNERSHIPS


@handles(EngageKolPartner)
def engage_kol_partner(ctx: Context, actor: Actor, command: EngageKolPartner) -> str:
    campaign = ctx.load(Campaign, command.campaign_id, "campaign")
    budget = ctx.load(Budget, command.budget_id, "budget")
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


@attrs.frozen
class LaunchCampaign(Command[None]):
    """Take a planned campaign live."""

    NAME = "campaign.launch"

    campaign_id: UUID | str


@handles(LaunchCampaign)
def launch_campaign(ctx: Context, actor: Actor, command: LaunchCampaign) -> None:
    ctx.load(Campaign, command.campaign_id, "campaign").launch(actor)


@attrs.frozen
class PauseCampaign(Command[None]):
    """Put a live campaign on hold, saying why."""

    NAME = "campaign.pause"

    campaign_id: UUID | str
    reason: str


@handles(PauseCampaign)
def pause_campaign(ctx: Context, actor: Actor, command: PauseCampaign) -> None:
    ctx.load(Campaign, command.campaign_id, "campaign").pause(actor, command.reason)


@attrs.frozen
class ResumeCampaign(Command[None]):
    """Take a paused campaign live again."""

    NAME = "campaign.resume"

    campaign_id: UUID | str


@handles(ResumeCampaign)
def resume_campaign(ctx: Context, actor: Actor, command: ResumeCampaign) -> None:
    ctx.load(Campaign, command.campaign_id, "campaign").resume(actor)


@attrs.frozen
class CompleteCampaign(Command[None]):
    """Finish a campaign; nothing changes after."""

    NAME = "campaign.complete"

    campaign_id: UUID | str


@handles(CompleteCampaign)
def complete_campaign(ctx: Context, actor: Actor, command: CompleteCampaign) -> None:
    ctx.load(Campaign, command.campaign_id, "campaign").complete(actor)


@attrs.frozen
class CancelCampaign(Command[None]):
    """Call off a campaign, saying why."""

    NAME = "campaign.cancel"

    campaign_id: UUID | str
    reason: str


@handles(CancelCampaign)
def cancel_campaign(ctx: Context, actor: Actor, command: CancelCampaign) -> None:
    ctx.load(Campaign, command.campaign_id, "campaign").cancel(actor, command.reason)


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
        return self._app.load(Campaign, campaign_id, "campaign")


def kol_commitment_reference(campaign_id: UUID, partner: KolPartner) -> str:
    """The reference of the commitment that holds a KOL partner's fee on a campaign."""
    return f"kol:{campaign_id}:{partner.platform.value}:{partner.handle}"

"""Commands on campaigns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from libops.application.app import LibOpsApplication
from libops.domain.budget import Budget, BudgetCategory, to_kol_category
from libops.domain.campaign import Campaign, CampaignKind
from libops.domain.values import Actor, KolPartner, Objective, Period, Platform


class CampaignService:
    """Plan, amend, launch, pause, resume, complete and cancel campaigns."""

    def __init__(self, app: LibOpsApplication) -> None:
        self._app = app

    def get(self, campaign_id: UUID | str) -> Campaign:
        """The campaign's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Campaign, campaign_id, "campaign")

    def plan(
        self,
        actor: Actor,
        *,
        name: str,
        kind: CampaignKind | str,
        period: Period,
        platforms: Iterable[Platform | str] = (),
        objectives: Iterable[Objective] = (),
        hashtags: Iterable[str] = (),
        description: str = "",
        idempotency_key: str | None = None,
    ) -> UUID:
        """Plan a new campaign and return its id."""
        arguments: dict[str, Any] = {
            "actor": actor,
            "name": name,
            "kind": kind,
            "period": period,
            "platforms": tuple(platforms),
            "objectives": tuple(objectives),
            "hashtags": tuple(hashtags),
            "description": description,
        }

        def run() -> tuple[list[Campaign], UUID]:
            campaign = Campaign.plan(**arguments)
            return [campaign], campaign.id

        return self._app.execute(
            "campaign.plan", run, idempotency_key=idempotency_key, arguments=arguments
        )

    def _change(
        self,
        command: str,
        campaign_id: UUID | str,
        change: Callable[[Campaign], None],
        idempotency_key: str | None,
        arguments: dict[str, Any],
    ) -> None:
        self._app.change(
            command,
            Campaign,
            "campaign",
            campaign_id,
            change,
            idempotency_key=idempotency_key,
            arguments=arguments,
        )

    def amend(
        self,
        actor: Actor,
        campaign_id: UUID | str,
        *,
        name: str | None = None,
        period: Period | None = None,
        platforms: Iterable[Platform | str] | None = None,
        objectives: Iterable[Objective] | None = None,
        hashtags: Iterable[str] | None = None,
        description: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Change parts of a campaign's plan; arguments left as None stay as they are."""
        changes: dict[str, Any] = {
            "name": name,
            "period": period,
            "platforms": None if platforms is None else tuple(platforms),
            "objectives": None if objectives is None else tuple(objectives),
            "hashtags": None if hashtags is None else tuple(hashtags),
            "description": description,
        }
        self._change(
            "campaign.amend",
            campaign_id,
            lambda c: c.amend(actor, **changes),
            idempotency_key,
            {"actor": actor, **changes},
        )

    def add_kol_partner(
        self,
        actor: Actor,
        campaign_id: UUID | str,
        partner: KolPartner,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Engage an influencer on a campaign."""
        self._change(
            "campaign.add_kol_partner",
            campaign_id,
            lambda c: c.add_kol_partner(actor, partner),
            idempotency_key,
            {"actor": actor, "partner": partner},
        )

    def engage_kol_partner(
        self,
        actor: Actor,
        campaign_id: UUID | str,
        partner: KolPartner,
        *,
        budget_id: UUID | str,
        category: BudgetCategory | str = BudgetCategory.PARTNERSHIPS,
        idempotency_key: str | None = None,
    ) -> str:
        """Engage an influencer and commit the agreed fee against the campaign's budget line.

        The partner is added to the campaign and the fee committed on the campaign's line in
        ``category`` (partnerships or promotion) of the budget, in one save: both are
        recorded or neither. Returns the commitment's reference (to release it later).
        """

        def run() -> tuple[list[Campaign | Budget], str]:
            campaign = self._app.load(Campaign, campaign_id, "campaign")
            budget = self._app.load(Budget, budget_id, "budget")
            campaign.add_kol_partner(actor, partner)
            reference = kol_commitment_reference(campaign.id, partner)
            budget.commit(
                actor,
                reference=reference,
                amount=partner.fee,
                category=to_kol_category(category),
                campaign_id=campaign.id,
            )
            return [campaign, budget], reference

        return self._app.execute(
            "campaign.engage_kol_partner",
            run,
            idempotency_key=idempotency_key,
            arguments={
                "campaign_id": str(campaign_id),
                "actor": actor,
                "partner": partner,
                "budget_id": str(budget_id),
                "category": category,
            },
        )

    def launch(
        self, actor: Actor, campaign_id: UUID | str, *, idempotency_key: str | None = None
    ) -> None:
        """Take a planned campaign live."""
        self._change(
            "campaign.launch",
            campaign_id,
            lambda c: c.launch(actor),
            idempotency_key,
            {"actor": actor},
        )

    def pause(
        self,
        actor: Actor,
        campaign_id: UUID | str,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Put a live campaign on hold."""
        self._change(
            "campaign.pause",
            campaign_id,
            lambda c: c.pause(actor, reason),
            idempotency_key,
            {"actor": actor, "reason": reason},
        )

    def resume(
        self, actor: Actor, campaign_id: UUID | str, *, idempotency_key: str | None = None
    ) -> None:
        """Take a paused campaign live again."""
        self._change(
            "campaign.resume",
            campaign_id,
            lambda c: c.resume(actor),
            idempotency_key,
            {"actor": actor},
        )

    def complete(
        self, actor: Actor, campaign_id: UUID | str, *, idempotency_key: str | None = None
    ) -> None:
        """Finish a campaign."""
        self._change(
            "campaign.complete",
            campaign_id,
            lambda c: c.complete(actor),
            idempotency_key,
            {"actor": actor},
        )

    def cancel(
        self,
        actor: Actor,
        campaign_id: UUID | str,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Call off a campaign."""
        self._change(
            "campaign.cancel",
            campaign_id,
            lambda c: c.cancel(actor, reason),
            idempotency_key,
            {"actor": actor, "reason": reason},
        )


def kol_commitment_reference(campaign_id: UUID, partner: KolPartner) -> str:
    """The reference of the commitment that holds a KOL partner's fee on a campaign."""
    return f"kol:{campaign_id}:{partner.platform.value}:{partner.handle}"

"""Commands on risks: identify, reassess, mitigate, review, incidents and closure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from libops.application.app import LibOpsApplication
from libops.domain.campaign import Campaign
from libops.domain.errors import InvalidValueError
from libops.domain.post import Post
from libops.domain.risk import (
    DEFAULT_ESCALATION_THRESHOLD,
    MANUAL,
    IncidentSeverity,
    Risk,
    RiskCategory,
    RiskFollowUp,
    to_threshold,
)
from libops.domain.values import Actor

R = TypeVar("R")


class RiskService:
    """Identify, reassess, own, mitigate, review and close risks, and log their incidents.

    ``escalation_threshold`` is the score (1 to 25) at or above which a risk escalates;
    ``today`` tells the library's calendar day (review dates and overdue actions use it).
    """

    def __init__(
        self,
        app: LibOpsApplication,
        *,
        escalation_threshold: int = DEFAULT_ESCALATION_THRESHOLD,
        today: Callable[[], date] | None = None,
    ) -> None:
        self._app = app
        self.escalation_threshold = to_threshold(escalation_threshold)
        self._today = today or (lambda: app.clock.now().astimezone(UTC).date())

    # --- queries -----------------------------------------------------------------------

    def get(self, risk_id: UUID | str) -> Risk:
        """The risk's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Risk, risk_id, "risk")

    def today(self) -> date:
        """The library's calendar day now."""
        return self._today()

    def follow_up(self, risk_id: UUID | str, on: date | None = None) -> RiskFollowUp:
        """The risk's open incidents and overdue actions, and whether its review is due.

        ``on`` is the day to judge by (today unless given).
        """
        return self.get(risk_id).follow_up(self.today() if on is None else on)

    # --- commands ----------------------------------------------------------------------

    def identify(
        self,
        actor: Actor,
        *,
        title: str,
        category: RiskCategory | str,
        likelihood: int,
        impact: int,
        owner: Actor | str,
        description: str = "",
        campaign_id: UUID | str | None = None,
        post_id: UUID | str | None = None,
        source: str = MANUAL,
        idempotency_key: str | None = None,
    ) -> UUID:
        """Record a new risk (about an existing campaign or post if given); return its id.

        It escalates at once if its score reaches the escalation threshold.
        """
        arguments: dict[str, Any] = {
            "actor": actor,
            "title": title,
            "category": category,
            "likelihood": likelihood,
            "impact": impact,
            "owner": owner,
            "description": description,
            "campaign_id": None if campaign_id is None else str(campaign_id),
            "post_id": None if post_id is None else str(post_id),
            "source": source,
        }

        def run() -> tuple[list[Risk], UUID]:
            risk = Risk.identify(
                actor,
                title=title,
                category=category,
                likelihood=likelihood,
                impact=impact,
                owner=owner,
                description=description,
                campaign_id=campaign_id,
                post_id=post_id,
                source=source,
                threshold=self.escalation_threshold,
            )
            self._check_links(risk)
            return [risk], risk.id

        return self._app.execute(
            "risk.identify", run, idempotency_key=idempotency_key, arguments=arguments
        )

    def _check_links(self, risk: Risk) -> None:
        """The campaign and post a risk concerns exist, and the post is in that campaign."""
        if risk.campaign_id is not None:
            self._app.load(Campaign, risk.campaign_id, "campaign")
        if risk.post_id is not None:
            post = self._app.load(Post, risk.post_id, "post")
            if risk.campaign_id is not None and post.campaign_id != risk.campaign_id:
                raise InvalidValueError(
                    f"post {post.id} is not part of campaign {risk.campaign_id}"
                )

    def _change(
        self,
        command: str,
        risk_id: UUID | str,
        change: Callable[[Risk], R],
        idempotency_key: str | None,
        arguments: dict[str, Any],
    ) -> R:
        return self._app.change(
            command,
            Risk,
            "risk",
            risk_id,
            change,
            idempotency_key=idempotency_key,
            arguments=arguments,
        )

    def reassess(
        self,
        actor: Actor,
        risk_id: UUID | str,
        *,
        likelihood: int,
        impact: int,
        reason: str,
        source: str = MANUAL,
        idempotency_key: str | None = None,
    ) -> None:
        """Rate a risk again, saying why; it escalates if the new score reaches the threshold."""
        self._change(
            "risk.reassess",
            risk_id,
            lambda r: r.reassess(
                actor,
                likelihood=likelihood,
                impact=impact,
                reason=reason,
                source=source,
                threshold=self.escalation_threshold,
            ),
            idempotency_key,
            {
                "actor": actor,
                "likelihood": likelihood,
                "impact": impact,
                "reason": reason,
                "source": source,
            },
        )

    def assign_owner(
        self,
        actor: Actor,
        risk_id: UUID | str,
        owner: Actor | str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Hand a risk to another owner (the current owner again records nothing)."""
        self._change(
            "risk.assign_owner",
            risk_id,
            lambda r: r.assign_owner(actor, owner),
            idempotency_key,
            {"actor": actor, "owner": owner},
        )

    def add_mitigation(
        self,
        actor: Actor,
        risk_id: UUID | str,
        *,
        description: str,
        due_on: date,
        owner: Actor | str | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Plan a mitigation action (owned by the risk's owner unless named); return its number."""
        return self._change(
            "risk.add_mitigation",
            risk_id,
            lambda r: r.add_mitigation(actor, description=description, due_on=due_on, owner=owner),
            idempotency_key,
            {"actor": actor, "description": description, "due_on": due_on, "owner": owner},
        )

    def complete_mitigation(
        self,
        actor: Actor,
        risk_id: UUID | str,
        number: int,
        *,
        note: str = "",
        idempotency_key: str | None = None,
    ) -> None:
        """Mark a mitigation action done, now."""
        self._change(
            "risk.complete_mitigation",
            risk_id,
            lambda r: r.complete_mitigation(actor, number, now=self._app.clock.now(), note=note),
            idempotency_key,
            {"actor": actor, "number": number, "note": note},
        )

    def set_contingency_plan(
        self,
        actor: Actor,
        risk_id: UUID | str,
        *,
        plan: str,
        owner: Actor | str,
        idempotency_key: str | None = None,
    ) -> None:
        """Write or replace what to do if the risk happens, and who will do it."""
        self._change(
            "risk.set_contingency_plan",
            risk_id,
            lambda r: r.set_contingency_plan(actor, plan=plan, owner=owner),
            idempotency_key,
            {"actor": actor, "plan": plan, "owner": owner},
        )

    def record_review(
        self,
        actor: Actor,
        risk_id: UUID | str,
        *,
        notes: str,
        next_review_on: date,
        reviewed_on: date | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Record a periodic review (held today unless ``reviewed_on`` says otherwise)."""
        self._change(
            "risk.record_review",
            risk_id,
            lambda r: r.record_review(
                actor,
                notes=notes,
                next_review_on=next_review_on,
                today=self.today(),
                reviewed_on=reviewed_on,
            ),
            idempotency_key,
            {
                "actor": actor,
                "notes": notes,
                "next_review_on": next_review_on,
                "reviewed_on": reviewed_on,
            },
        )

    def report_incident(
        self,
        actor: Actor,
        risk_id: UUID | str,
        *,
        severity: IncidentSeverity | str,
        affected: str,
        summary: str = "",
        started_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> int:
        """Record that a risk happened (since ``started_at``, now unless given); return the
        incident's number."""
        return self._change(
            "risk.report_incident",
            risk_id,
            lambda r: r.report_incident(
                actor,
                severity=severity,
                affected=affected,
                summary=summary,
                started_at=started_at,
                now=self._app.clock.now(),
            ),
            idempotency_key,
            {
                "actor": actor,
                "severity": severity,
                "affected": affected,
                "summary": summary,
                "started_at": started_at,
            },
        )

    def resolve_incident(
        self,
        actor: Actor,
        risk_id: UUID | str,
        number: int,
        *,
        resolution: str,
        resolved_at: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """Resolve an incident (at ``resolved_at``, now unless given), saying how."""
        self._change(
            "risk.resolve_incident",
            risk_id,
            lambda r: r.resolve_incident(
                actor,
                number,
                resolution=resolution,
                resolved_at=resolved_at,
                now=self._app.clock.now(),
            ),
            idempotency_key,
            {
                "actor": actor,
                "number": number,
                "resolution": resolution,
                "resolved_at": resolved_at,
            },
        )

    def close(
        self,
        actor: Actor,
        risk_id: UUID | str,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        """Close a risk, saying why; refused while one of its incidents is open."""
        self._change(
            "risk.close",
            risk_id,
            lambda r: r.close(actor, reason),
            idempotency_key,
            {"actor": actor, "reason": reason},
        )

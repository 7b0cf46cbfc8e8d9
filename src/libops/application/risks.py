"""Commands on risks: identify, reassess, mitigate, review, incidents and closure."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import attrs

from libops.application.commands import Command, Context, Executes, command, command_method, handles
from libops.domain.campaign import Campaign
from libops.domain.errors import InvalidValueError
from libops.domain.post import Post
from libops.domain.risk import (
    MANUAL,
    IncidentSeverity,
    Risk,
    RiskCategory,
    RiskFollowUp,
)
from libops.domain.values import Actor


@command("risk.identify")
@attrs.frozen(kw_only=True)
class IdentifyRisk(Command[UUID]):
    """Record a new risk (about an existing campaign or post if given); return its id.

    It escalates at once if its score reaches the escalation threshold.
    """

    title: str
    category: RiskCategory | str
    likelihood: int
    impact: int
    owner: Actor | str
    description: str = ""
    campaign_id: UUID | str | None = None
    post_id: UUID | str | None = None
    source: str = MANUAL

    def permissions(self) -> tuple[str, ...]:
        """Reviewers may log content risks too (they meet them in review)."""
        content = self.category in (RiskCategory.CONTENT, RiskCategory.CONTENT.value)
        return ("risk.identify_content",) if content else ("risk.identify",)


@handles(IdentifyRisk)
def identify_risk(ctx: Context, actor: Actor, command: IdentifyRisk) -> UUID:
    risk = Risk.identify(actor, threshold=ctx.deps.risk_escalation_threshold, **command.arguments())
    # The campaign and post a risk concerns exist, and the post is in that campaign.
    if risk.campaign_id is not None:
        ctx.load(Campaign, risk.campaign_id)
    if risk.post_id is not None:
        post = ctx.load(Post, risk.post_id)
        if risk.campaign_id is not None and post.campaign_id != risk.campaign_id:
            raise InvalidValueError(f"post {post.id} is not part of campaign {risk.campaign_id}")
    return ctx.add(risk).id


@command("risk.reassess")
@attrs.frozen(kw_only=True)
class ReassessRisk(Command[None]):
    """Rate a risk again, saying why; it escalates if the new score reaches the threshold."""

    risk_id: UUID | str = attrs.field(kw_only=False)
    likelihood: int
    impact: int
    reason: str
    source: str = MANUAL


@handles(ReassessRisk)
def reassess_risk(ctx: Context, actor: Actor, command: ReassessRisk) -> None:
    ctx.load(Risk, command.risk_id).reassess(
        actor, threshold=ctx.deps.risk_escalation_threshold, **command.arguments("risk_id")
    )


@command("risk.assign_owner", calls=Risk.assign_owner)
@attrs.frozen
class AssignRiskOwner(Command[None]):
    """Hand a risk to another owner (the current owner again records nothing)."""

    risk_id: UUID | str
    owner: Actor | str


@command("risk.add_mitigation", calls=Risk.add_mitigation)
@attrs.frozen(kw_only=True)
class AddMitigation(Command[int]):
    """Plan a mitigation action (owned by the risk's owner unless named); return its number."""

    risk_id: UUID | str = attrs.field(kw_only=False)
    description: str
    due_on: date
    owner: Actor | str | None = None


@command("risk.complete_mitigation", calls=Risk.complete_mitigation, now=True)
@attrs.frozen(kw_only=True)
class CompleteMitigation(Command[None]):
    """Mark a mitigation action done, now."""

    risk_id: UUID | str = attrs.field(kw_only=False)
    number: int = attrs.field(kw_only=False)
    note: str = ""


@command("risk.set_contingency_plan", calls=Risk.set_contingency_plan)
@attrs.frozen(kw_only=True)
class SetContingencyPlan(Command[None]):
    """Write or replace what to do if the risk happens, and who will do it."""

    risk_id: UUID | str = attrs.field(kw_only=False)
    plan: str
    owner: Actor | str


@command("risk.record_review")
@attrs.frozen(kw_only=True)
class RecordRiskReview(Command[None]):
    """Record a periodic review (held today unless ``reviewed_on`` says otherwise)."""

    risk_id: UUID | str = attrs.field(kw_only=False)
    notes: str
    next_review_on: date
    reviewed_on: date | None = None


@handles(RecordRiskReview)
def record_risk_review(ctx: Context, actor: Actor, command: RecordRiskReview) -> None:
    risk = ctx.load(Risk, command.risk_id)
    risk.record_review(actor, today=ctx.deps.today(), **command.arguments("risk_id"))


@command("risk.report_incident", calls=Risk.report_incident, now=True)
@attrs.frozen(kw_only=True)
class ReportIncident(Command[int]):
    """Record that a risk happened (since ``started_at``, now unless given); return the
    incident's number."""

    risk_id: UUID | str = attrs.field(kw_only=False)
    severity: IncidentSeverity | str
    affected: str
    summary: str = ""
    started_at: datetime | None = None


@command("risk.resolve_incident", calls=Risk.resolve_incident, now=True)
@attrs.frozen(kw_only=True)
class ResolveIncident(Command[None]):
    """Resolve an incident (at ``resolved_at``, now unless given), saying how."""

    risk_id: UUID | str = attrs.field(kw_only=False)
    number: int = attrs.field(kw_only=False)
    resolution: str
    resolved_at: datetime | None = None


@command("risk.close", calls=Risk.close)
@attrs.frozen
class CloseRisk(Command[None]):
    """Close a risk, saying why; refused while one of its incidents is open."""

    risk_id: UUID | str
    reason: str


class RiskService(Executes):
    """Identify, reassess, own, mitigate, review and close risks, and log their incidents.

    The escalation threshold (the score, 1 to 25, at or above which a risk escalates) is
    set when libops is opened; review dates and overdue actions count the library's days.
    """

    identify = command_method(IdentifyRisk)
    reassess = command_method(ReassessRisk)
    assign_owner = command_method(AssignRiskOwner)
    add_mitigation = command_method(AddMitigation)
    complete_mitigation = command_method(CompleteMitigation)
    set_contingency_plan = command_method(SetContingencyPlan)
    record_review = command_method(RecordRiskReview)
    report_incident = command_method(ReportIncident)
    resolve_incident = command_method(ResolveIncident)
    close = command_method(CloseRisk)

    @property
    def escalation_threshold(self) -> int:
        """The risk score at or above which a risk escalates."""
        return self._deps.risk_escalation_threshold

    def get(self, risk_id: UUID | str) -> Risk:
        """The risk's current state (a fresh copy; changing it changes nothing stored)."""
        return self._app.load(Risk, risk_id)

    def today(self) -> date:
        """The library's calendar day now."""
        return self._deps.today()

    def follow_up(self, risk_id: UUID | str, on: date | None = None) -> RiskFollowUp:
        """The risk's open incidents and overdue actions, and whether its review is due.

        ``on`` is the day to judge by (today unless given).
        """
        return self.get(risk_id).follow_up(self.today() if on is None else on)

"""Who may do what: the one table that maps every command to the roles allowed to give it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from libops.domain.errors import NotAnActorError, PermissionDeniedError
from libops.domain.values import Actor, Role

_PLANNER = Role.CONTENT_PLANNER
_REVIEWER = Role.REVIEWER
_ADMIN = Role.OPERATIONS_ADMIN
_TECH = Role.TECHNICAL_SUPPORT
_BUDGET = Role.BUDGET_OWNER
_SCHEDULER = Role.SCHEDULER  # libops tick: exactly the commands a scheduled run gives

PERMISSIONS: Final[Mapping[str, frozenset[Role]]] = MappingProxyType(
    {
        # Campaign
        "campaign.plan": frozenset({_PLANNER, _ADMIN}),
        "campaign.amend": frozenset({_PLANNER, _ADMIN}),
        "campaign.add_kol_partner": frozenset({_PLANNER, _ADMIN}),
        "campaign.launch": frozenset({_ADMIN}),
        "campaign.pause": frozenset({_ADMIN}),
        "campaign.resume": frozenset({_ADMIN}),
        "campaign.complete": frozenset({_ADMIN}),
        "campaign.cancel": frozenset({_ADMIN}),
        # Money set aside for a campaign: whoever may allocate or request it links the line.
        "campaign.link_budget_line": frozenset({_PLANNER, _ADMIN, _BUDGET}),
        # Post
        "post.draft": frozenset({_PLANNER}),
        "post.revise": frozenset({_PLANNER}),
        "post.declare_origin": frozenset({_PLANNER}),
        "post.submit_for_review": frozenset({_PLANNER}),
        "post.review": frozenset({_REVIEWER}),
        "post.schedule": frozenset({_ADMIN, _PLANNER}),
        "post.unschedule": frozenset({_ADMIN, _PLANNER}),
        "post.publish": frozenset({_ADMIN, _TECH, _SCHEDULER}),
        "post.retract": frozenset({_ADMIN}),
        # Taking a retracted post down through its gateway (tick retries it); confirming a
        # take-down done by hand on the platform.
        "post.take_down": frozenset({_ADMIN, _TECH, _SCHEDULER}),
        "post.confirm_take_down": frozenset({_ADMIN, _TECH}),
        "post.redact": frozenset({_REVIEWER, _ADMIN}),
        "post.record_metrics": frozenset({_ADMIN, _TECH, _SCHEDULER}),
        # A post published outside libops, found in an analytics export (libops import).
        "post.record_external": frozenset({_ADMIN, _TECH}),
        # An account's daily follower figures, from the same exports.
        "account.record_followers": frozenset({_ADMIN, _TECH}),
        # Importing an analytics export (libops import): the three above, in one write.
        "import.apply": frozenset({_ADMIN, _TECH}),
        # Voiding a wrong snapshot changes what every report shows: no auditor, no planner.
        "post.void_metrics": frozenset({_ADMIN, _TECH}),
        # Risk: operations admins and technical support identify and handle risks; reviewers
        # meet content risks (copyright, privacy, misinformation) in review and may log them.
        "risk.identify": frozenset({_ADMIN, _TECH}),
        "risk.identify_content": frozenset({_ADMIN, _TECH, _REVIEWER}),
        "risk.reassess": frozenset({_ADMIN, _TECH}),
        "risk.assign_owner": frozenset({_ADMIN, _TECH}),
        "risk.add_mitigation": frozenset({_ADMIN, _TECH}),
        "risk.complete_mitigation": frozenset({_ADMIN, _TECH}),
        "risk.set_contingency_plan": frozenset({_ADMIN, _TECH}),
        "risk.record_review": frozenset({_ADMIN, _TECH}),
        "risk.report_incident": frozenset({_ADMIN, _TECH}),
        "risk.resolve_incident": frozenset({_ADMIN, _TECH}),
        "risk.close": frozenset({_ADMIN, _TECH}),
        # Budget: the budget owner plans and closes it and approves what changes it; planners
        # and operations admins commit money to their work and ask for adjustments.
        "budget.open": frozenset({_BUDGET}),
        "budget.allocate": frozenset({_BUDGET}),
        "budget.commit": frozenset({_BUDGET, _PLANNER, _ADMIN}),
        "budget.release": frozenset({_BUDGET, _ADMIN}),
        "budget.record_expense": frozenset({_BUDGET, _ADMIN}),
        "budget.adjust": frozenset({_BUDGET, _PLANNER, _ADMIN}),
        "budget.approve_adjustment": frozenset({_BUDGET}),
        "budget.authorize_override": frozenset({_BUDGET}),
        "budget.close": frozenset({_BUDGET}),
        # Personal data
        "privacy.erase": frozenset({_ADMIN}),
        # Opening a reader's sealed personal data (to reply, or to deliver a prize) is a
        # permission of its own, and each opening is recorded (see libops.domain.access).
        "privacy.read": frozenset({_PLANNER, _ADMIN}),
        # Audit: a checkpoint signs what the log holds and changes no business state, so the
        # auditor (otherwise read-only) may record one too.
        "audit.checkpoint": frozenset({_ADMIN, _TECH, Role.AUDITOR}),
        # Interaction: content planners and operations admins talk with readers (questions,
        # reading sessions, contests); operations admins decide what is fair and what is not
        # (opening, closing and drawing contests, disqualifying, cancelling) and moderate.
        "question.receive": frozenset({_PLANNER, _ADMIN}),
        "question.answer": frozenset({_PLANNER, _ADMIN}),
        "question.escalate": frozenset({_ADMIN, _SCHEDULER}),
        "reading_session.schedule": frozenset({_PLANNER, _ADMIN}),
        "reading_session.register": frozenset({_PLANNER, _ADMIN}),
        "reading_session.record_attendance": frozenset({_PLANNER, _ADMIN}),
        "reading_session.record_contribution": frozenset({_PLANNER, _ADMIN}),
        "reading_session.close": frozenset({_PLANNER, _ADMIN}),
        "reading_session.cancel": frozenset({_ADMIN}),
        "contest.announce": frozenset({_PLANNER, _ADMIN}),
        "contest.state_rules": frozenset({_PLANNER, _ADMIN}),
        "contest.open": frozenset({_ADMIN}),
        "contest.record_entry": frozenset({_PLANNER, _ADMIN}),
        "contest.disqualify": frozenset({_ADMIN}),
        "contest.close": frozenset({_ADMIN}),
        "contest.draw": frozenset({_ADMIN}),
        "contest.cancel": frozenset({_ADMIN}),
        # Surveys (issue 17): planners and admins draw them up, open, close, and record the
        # responses readers give, as with the other interactions.
        "survey.create": frozenset({_PLANNER, _ADMIN}),
        "survey.open": frozenset({_PLANNER, _ADMIN}),
        "survey.close": frozenset({_PLANNER, _ADMIN}),
        "survey.record_response": frozenset({_PLANNER, _ADMIN}),
        "conduct.hide_comment": frozenset({_ADMIN}),
        "conduct.warn": frozenset({_ADMIN}),
        "conduct.sanction": frozenset({_ADMIN}),
        "conduct.feature_comment": frozenset({_PLANNER, _ADMIN}),
        "conduct.reward": frozenset({_PLANNER, _ADMIN}),
        # The account's standing (peer rankings, honours, typical cases, service uses):
        # operations admins and technical support record it (they import the ranking
        # tables and the service statistics); auditors read it in the views and the report.
        "standing.record_ranking": frozenset({_ADMIN, _TECH}),
        "standing.record_honour": frozenset({_ADMIN, _TECH}),
        "standing.withdraw_honour": frozenset({_ADMIN, _TECH}),
        "standing.mark_typical_case": frozenset({_ADMIN, _TECH}),
        "standing.unmark_typical_case": frozenset({_ADMIN, _TECH}),
        "standing.record_service_uses": frozenset({_ADMIN, _TECH}),
        # People and access: operations admins manage users. Anyone may set their own
        # password and issue or revoke their own tokens (the user aggregate refuses someone
        # else's unless an operations admin asks); a token holds some of its user's roles.
        "user.add": frozenset({_ADMIN}),
        "user.change_roles": frozenset({_ADMIN}),
        "user.change_scopes": frozenset({_ADMIN}),
        "user.disable": frozenset({_ADMIN}),
        "user.enable": frozenset({_ADMIN}),
        "user.set_password": frozenset(Role),
        "user.issue_token": frozenset(Role),
        "user.revoke_token": frozenset(Role),
        # the team (issue 17): the roster's duties, joining, leaving and training
        "user.set_duties": frozenset({_ADMIN}),
        "user.join": frozenset({_ADMIN}),
        "user.leave": frozenset({_ADMIN}),
        "user.record_training": frozenset(Role),
        "user.correct_training": frozenset(Role),
        # Content briefs (issue 17): content planners plan the content and move their briefs
        # from idea to draft; operations admins, who run the calendar, may do the same.
        "brief.propose": frozenset({_PLANNER, _ADMIN}),
        "brief.plan": frozenset({_PLANNER, _ADMIN}),
        "brief.replan": frozenset({_PLANNER, _ADMIN}),
        "brief.start": frozenset({_PLANNER, _ADMIN}),
        "brief.mark_drafted": frozenset({_PLANNER, _ADMIN}),
        "brief.drop": frozenset({_PLANNER, _ADMIN}),
        # Media library (issue 17): planners choose and register the media they use;
        # operations admins keep the licences in order and withdraw assets.
        "media.register": frozenset({_PLANNER, _ADMIN}),
        "media.update_licence": frozenset({_PLANNER, _ADMIN}),
        "media.withdraw": frozenset({_PLANNER, _ADMIN}),
        # Checklist items a library adds to every review (issue 17): the operations admin,
        # who answers for the account, decides what reviewers must confirm.
        "review.define_item": frozenset({_ADMIN}),
        "review.retire_item": frozenset({_ADMIN}),
    }
)
"""Each command's name, mapped to the roles that may give it. The auditor role gives none."""


def authorize(actor: Actor, command: str) -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` may give ``command``."""
    _check(actor, command)


def authorize_all(actor: Actor, commands: Iterable[str]) -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` may give every one of ``commands``."""
    for command in commands:
        _check(actor, command)


def roles_for(commands: Iterable[str]) -> frozenset[Role]:
    """The roles that may give every one of ``commands`` (each a name in the table)."""
    allowed = frozenset(Role)
    for command in commands:
        allowed &= PERMISSIONS[command]
    return allowed


def _check(actor: Actor, command: str) -> None:
    if not isinstance(actor, Actor):
        raise NotAnActorError(f"commands are given by an Actor, not a {type(actor).__name__}")
    allowed = PERMISSIONS[command]
    if not actor.has_any(allowed):
        raise PermissionDeniedError(actor.id, command, allowed)

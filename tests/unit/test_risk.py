"""The Risk aggregate: scoring, escalation, mitigation, reviews, incidents, closure and roles.

Rules are checked on the aggregate itself; every bad input is then given through
``ops.risks`` on every store, and must raise its specific error and record nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
import pytest

from libops import (
    Actor,
    Incident,
    IncidentSeverity,
    LibOps,
    MitigationAction,
    Risk,
    RiskCategory,
    RiskLevel,
    RiskReview,
    RiskStatus,
)
from libops.domain.errors import (
    ControlCharacterError,
    IncidentResolvedError,
    IncidentTimeError,
    InvalidValueError,
    LibopsError,
    LimitExceededError,
    MitigationCompletedError,
    NotAnActorError,
    OpenIncidentsError,
    PermissionDeniedError,
    ReviewScheduleError,
    RiskClosedError,
    RiskRatingError,
    UnknownIdError,
    UnknownIncidentError,
    UnknownMitigationActionError,
)
from libops.domain.risk import (
    DEFAULT_ESCALATION_THRESHOLD,
    LEVEL_BANDS,
    STANDARD_SIGNALS,
    level_for,
    signal_source,
    to_source,
)
from tests.actors import Team
from tests.helpers import count_events, refused

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TODAY = date(2026, 3, 1)
BAD_RATINGS: list[Any] = [0, 6, -1, 2.5, 3.0, "3", None, True, False]
"""Likelihoods and impacts that are refused: out of 1..5, or not an int."""


ROLES = ["planner", "reviewer", "admin", "tech", "auditor", "budget"]
HANDLERS = {"admin", "tech"}
"""Who may handle risks (written out here, independently of the permission table)."""


def _identify(team: Team, **overrides: Any) -> Risk:
    arguments: dict[str, Any] = {
        "title": "Weibo account outage",
        "category": RiskCategory.TECHNICAL,
        "likelihood": 2,
        "impact": 3,
        "owner": team.tech,
    }
    arguments.update(overrides)
    actor = arguments.pop("actor", team.admin)
    risk = Risk.identify(actor, **arguments)
    risk.collect_events()
    return risk


def _closed(team: Team) -> Risk:
    risk = _identify(team)
    risk.close(team.admin, "the platform added a status page")
    risk.collect_events()
    return risk


def _types(risk: Risk) -> list[type[Any]]:
    return [type(e) for e in risk.collect_events()]


# --- scoring ---------------------------------------------------------------------------


class TestScoreAndLevel:
    @pytest.mark.parametrize("likelihood", range(1, 6))
    @pytest.mark.parametrize("impact", range(1, 6))
    def test_score_is_the_product(self, team: Team, likelihood: int, impact: int) -> None:
        """The score is likelihood times impact and its level is the band it falls in."""
        risk = _identify(team, likelihood=likelihood, impact=impact)
        score = likelihood * impact
        assert risk.score == score
        expected = [level for level, low, high in LEVEL_BANDS if low <= score <= high]
        assert [risk.level] == expected

    @pytest.mark.parametrize(
        ("score", "level"),
        [
            (1, RiskLevel.LOW),
            (4, RiskLevel.LOW),
            (5, RiskLevel.MEDIUM),
            (9, RiskLevel.MEDIUM),
            (10, RiskLevel.HIGH),
            (16, RiskLevel.HIGH),
            (20, RiskLevel.CRITICAL),
            (25, RiskLevel.CRITICAL),
        ],
    )
    def test_band_edges(self, score: int, level: RiskLevel) -> None:
        """Low 1-4, medium 5-9, high 10-16, critical 20-25."""
        assert level_for(score) is level

    def test_bands_cover_every_possible_score(self) -> None:
        """Every product of two ratings falls in exactly one band."""
        scores = {lk * im for lk in range(1, 6) for im in range(1, 6)}
        for score in scores:
            assert sum(low <= score <= high for _, low, high in LEVEL_BANDS) == 1, score
        assert not scores & {17, 18, 19}

    def test_score_above_25_is_impossible(self) -> None:
        """A score outside the rating grid is refused."""
        with pytest.raises(RiskRatingError):
            level_for(26)


class TestRatings:
    @pytest.mark.parametrize("value", BAD_RATINGS, ids=repr)
    @pytest.mark.parametrize("field", ["likelihood", "impact"])
    def test_identify_refuses_bad_ratings(self, team: Team, field: str, value: object) -> None:
        """Likelihood and impact are whole numbers from 1 to 5: no float, text, bool or None."""
        with pytest.raises(RiskRatingError, match=field):
            _identify(team, **{field: value})

    @pytest.mark.parametrize("value", BAD_RATINGS, ids=repr)
    @pytest.mark.parametrize("field", ["likelihood", "impact"])
    def test_reassess_refuses_bad_ratings(self, team: Team, field: str, value: object) -> None:
        """A reassessment takes the same ratings as identification, and records nothing else."""
        risk = _identify(team)
        ratings: dict[str, Any] = {"likelihood": 3, "impact": 3, field: value}
        refused(
            risk,
            RiskRatingError,
            lambda: risk.reassess(team.admin, reason="new data", **ratings),
        )

    def test_rating_error_is_an_invalid_value(self) -> None:
        """A bad rating can be caught as any bad input."""
        assert issubclass(RiskRatingError, InvalidValueError)


# --- identification --------------------------------------------------------------------


class TestIdentify:
    def test_identified_records_the_normalised_risk(self, team: Team) -> None:
        """Identification records one event with the actor, category, ratings and owner."""
        campaign, post = UUID(int=1), UUID(int=2)
        risk = Risk.identify(
            team.admin,
            title="  Copyright of the cover image  ",
            category="content",
            likelihood=2,
            impact=4,
            owner="admin-1",
            description="  licence unclear  ",
            campaign_id=str(campaign),
            post_id=post,
        )
        [identified] = risk.collect_events()
        assert isinstance(identified, Risk.Identified)
        assert identified.actor_id == team.admin.id
        assert identified.source == "manual"
        assert identified.escalation_threshold == DEFAULT_ESCALATION_THRESHOLD
        assert risk.title == "Copyright of the cover image"
        assert risk.description == "licence unclear"
        assert risk.category is RiskCategory.CONTENT
        assert (risk.likelihood, risk.impact, risk.score) == (2, 4, 8)
        assert risk.level is RiskLevel.MEDIUM
        assert risk.owner_id == "admin-1"
        assert (risk.campaign_id, risk.post_id) == (campaign, post)
        assert risk.identified_by == team.admin.id
        assert risk.status is RiskStatus.OPEN
        assert not risk.escalated
        assert risk.actions == ()
        assert risk.incidents == ()
        assert risk.reviews == ()
        assert risk.contingency_plan is None
        assert risk.version == 1

    @pytest.mark.parametrize("category", list(RiskCategory))
    def test_every_category(self, team: Team, category: RiskCategory) -> None:
        """Content, technical, market and regulatory risks can all be identified."""
        assert _identify(team, category=category.value).category is category

    def test_owner_given_as_an_actor(self, team: Team) -> None:
        """The owner may be given as an Actor; its id is recorded."""
        assert _identify(team, owner=team.tech).owner_id == team.tech.id

    @pytest.mark.parametrize("signal", STANDARD_SIGNALS)
    def test_source_names_a_signal(self, team: Team, signal: str) -> None:
        """A risk opened from a signal records "signal:<name>" as its source."""
        assert _identify(team, source=signal_source(signal)).source == f"signal:{signal}"

    @pytest.mark.parametrize(
        "source", ["", "auto", "signal:", "signal:Bad Name", "signal:1x", "Manual", None, 3]
    )
    def test_bad_sources(self, team: Team, source: object) -> None:
        """A source is "manual" or "signal:" and a lower-case name."""
        with pytest.raises(InvalidValueError):
            _identify(team, source=source)
        with pytest.raises(InvalidValueError):
            to_source(source)

    @pytest.mark.parametrize("owner", [42, None, "", "   ", ["tech-1"], "x" * 201])
    def test_bad_owner(self, team: Team, owner: object) -> None:
        """The owner is an Actor or a non-empty actor id."""
        with pytest.raises(InvalidValueError):
            _identify(team, owner=owner)

    @pytest.mark.parametrize("title", ["", "   ", "x" * 201, 42, None, "bad \ud800"])
    def test_bad_title(self, team: Team, title: object) -> None:
        """A risk's title is non-empty text of at most 200 characters."""
        with pytest.raises(InvalidValueError):
            _identify(team, title=title)

    @pytest.mark.parametrize("category", ["weather", "", None, 1])
    def test_unknown_category(self, team: Team, category: object) -> None:
        """The category is one of content, technical, market and regulatory."""
        with pytest.raises(InvalidValueError):
            _identify(team, category=category)

    @pytest.mark.parametrize("field", ["campaign_id", "post_id"])
    def test_malformed_links(self, team: Team, field: str) -> None:
        """A campaign or post id must be a UUID."""
        with pytest.raises(InvalidValueError):
            _identify(team, **{field: "campaign-1"})

    @pytest.mark.parametrize("threshold", [0, 26, 15.0, "15", None, True])
    def test_bad_threshold(self, team: Team, threshold: object) -> None:
        """The escalation threshold is a whole score from 1 to 25."""
        with pytest.raises(InvalidValueError):
            _identify(team, threshold=threshold)


# --- escalation ------------------------------------------------------------------------


class TestEscalation:
    def test_identified_over_the_threshold_escalates_at_once(self, team: Team) -> None:
        """A risk identified at 15 or more records Identified then Escalated."""
        risk = Risk.identify(
            team.admin,
            title="Data loss",
            category="technical",
            likelihood=3,
            impact=5,
            owner=team.tech,
        )
        identified, escalated = risk.collect_events()
        assert isinstance(identified, Risk.Identified)
        assert isinstance(escalated, Risk.Escalated)
        assert (escalated.score, escalated.level, escalated.threshold) == (15, RiskLevel.HIGH, 15)
        assert escalated.actor_id == team.admin.id
        assert risk.escalated
        assert risk.escalations == 1

    def test_under_the_threshold_does_not_escalate(self, team: Team) -> None:
        """A score of 12 stays quiet under the default threshold of 15."""
        risk = Risk.identify(
            team.admin, title="X", category="market", likelihood=4, impact=3, owner="a"
        )
        assert _types(risk) == [Risk.Identified]
        assert not risk.escalated

    def test_escalates_once_while_it_stays_over(self, team: Team) -> None:
        """Reassessments that keep the score over the threshold do not escalate again."""
        risk = _identify(team)
        risk.reassess(team.admin, likelihood=4, impact=4, reason="two outages this month")
        assert _types(risk) == [Risk.Reassessed, Risk.Escalated]
        risk.reassess(team.tech, likelihood=5, impact=5, reason="and a third")
        risk.reassess(team.tech, likelihood=3, impact=5, reason="exactly at the threshold")
        assert _types(risk) == [Risk.Reassessed, Risk.Reassessed]
        assert risk.escalated
        assert risk.escalations == 1

    def test_escalates_again_after_dropping_below(self, team: Team) -> None:
        """Below the threshold re-arms escalation; the next rise escalates again."""
        risk = _identify(team, likelihood=5, impact=4)
        assert risk.escalated
        risk.reassess(team.admin, likelihood=2, impact=4, reason="backup account ready")
        assert not risk.escalated
        risk.reassess(team.admin, likelihood=2, impact=5, reason="still below")
        assert _types(risk) == [Risk.Reassessed, Risk.Reassessed]
        risk.reassess(team.admin, likelihood=4, impact=5, reason="backup account lost")
        assert _types(risk) == [Risk.Reassessed, Risk.Escalated]
        assert risk.escalations == 2

    def test_a_custom_threshold(self, team: Team) -> None:
        """A library may escalate from another score; the event records which threshold."""
        risk = _identify(team, likelihood=2, impact=5, threshold=10)
        assert risk.escalated
        assert risk.escalation_threshold == 10
        risk.reassess(team.admin, likelihood=2, impact=5, reason="same", threshold=12)
        assert not risk.escalated  # 10 is below the threshold now in force
        assert _types(risk) == [Risk.Reassessed]

    def test_reassessment_records_its_reason_and_source(self, team: Team) -> None:
        """A reassessment carries the new ratings, the reason and where it came from."""
        risk = _identify(team)
        risk.reassess(
            team.tech,
            likelihood=3,
            impact=2,
            reason="  fewer failures  ",
            source="signal:publish_failures",
        )
        [reassessed] = risk.collect_events()
        assert isinstance(reassessed, Risk.Reassessed)
        assert (reassessed.likelihood, reassessed.impact) == (3, 2)
        assert reassessed.reason == "fewer failures"
        assert reassessed.source == "signal:publish_failures"
        assert risk.score == 6

    @pytest.mark.parametrize("reason", ["", "  ", None, 3])
    def test_reassessment_needs_a_reason(self, team: Team, reason: object) -> None:
        """Ratings change only with a reason."""
        risk = _identify(team)
        refused(
            risk,
            InvalidValueError,
            lambda: risk.reassess(team.admin, likelihood=5, impact=5, reason=reason),  # type: ignore[arg-type]  # deliberately bad
        )


# --- ownership, mitigation, contingency ------------------------------------------------


class TestOwnership:
    def test_assign_owner(self, team: Team) -> None:
        """Handing a risk to someone else records the new owner."""
        risk = _identify(team)
        risk.assign_owner(team.admin, "admin-2")
        [assigned] = risk.collect_events()
        assert isinstance(assigned, Risk.OwnerAssigned)
        assert assigned.owner_id == "admin-2"
        assert risk.owner_id == "admin-2"

    def test_same_owner_records_nothing(self, team: Team) -> None:
        """Naming the current owner again is not a change."""
        risk = _identify(team)
        risk.assign_owner(team.admin, team.tech)
        assert risk.collect_events() == []

    @pytest.mark.parametrize("owner", [42, None, "", ("tech-1",)])
    def test_bad_owner(self, team: Team, owner: object) -> None:
        """The new owner is an Actor or an actor id."""
        risk = _identify(team)
        refused(risk, InvalidValueError, lambda: risk.assign_owner(team.admin, owner))  # type: ignore[arg-type]  # deliberately bad


class TestMitigation:
    def test_actions_are_numbered_and_owned(self, team: Team) -> None:
        """Actions get numbers 1, 2, ...; the risk's owner owns them unless another is named."""
        risk = _identify(team)
        first = risk.add_mitigation(
            team.admin, description="  Open a backup account  ", due_on=date(2026, 3, 10)
        )
        second = risk.add_mitigation(
            team.tech, description="Status page", due_on=date(2026, 3, 20), owner=team.admin
        )
        assert (first, second) == (1, 2)
        events = risk.collect_events()
        assert [type(e) for e in events] == [Risk.MitigationAdded] * 2
        assert risk.actions == (
            MitigationAction(1, "Open a backup account", date(2026, 3, 10), team.tech.id),
            MitigationAction(2, "Status page", date(2026, 3, 20), team.admin.id),
        )
        assert risk.open_actions == risk.actions

    def test_complete(self, team: Team) -> None:
        """Completing an action records who, when and the note; it is then not open."""
        risk = _identify(team)
        risk.add_mitigation(team.admin, description="Backup", due_on=TODAY)
        risk.collect_events()
        risk.complete_mitigation(team.tech, 1, now=NOW, note=" done early ")
        [completed] = risk.collect_events()
        assert isinstance(completed, Risk.MitigationCompleted)
        assert (completed.number, completed.completed_at, completed.note) == (1, NOW, "done early")
        completion = risk.completion(1)
        assert completion is not None
        assert (completion.completed_by, completion.completed_at) == (team.tech.id, NOW)
        assert risk.open_actions == ()

    def test_complete_twice(self, team: Team) -> None:
        """An action is completed once."""
        risk = _identify(team)
        risk.add_mitigation(team.admin, description="Backup", due_on=TODAY)
        risk.complete_mitigation(team.admin, 1, now=NOW)
        risk.collect_events()
        refused(
            risk, MitigationCompletedError, lambda: risk.complete_mitigation(team.admin, 1, now=NOW)
        )

    @pytest.mark.parametrize("number", [0, 2, -1, "1", True, None, 1.0])
    def test_unknown_action(self, team: Team, number: object) -> None:
        """Only the numbers of added actions can be completed."""
        risk = _identify(team)
        risk.add_mitigation(team.admin, description="Backup", due_on=TODAY)
        risk.collect_events()
        refused(
            risk,
            UnknownMitigationActionError,
            lambda: risk.complete_mitigation(team.admin, number, now=NOW),  # type: ignore[arg-type]  # deliberately bad
        )

    def test_overdue_actions(self, team: Team) -> None:
        """An open action is overdue from the day after its due date; done ones never are."""
        risk = _identify(team)
        risk.add_mitigation(team.admin, description="A", due_on=date(2026, 3, 5))
        risk.add_mitigation(team.admin, description="B", due_on=date(2026, 3, 10))
        risk.add_mitigation(team.admin, description="C", due_on=date(2026, 3, 1))
        risk.complete_mitigation(team.admin, 3, now=NOW)
        assert risk.overdue_actions(date(2026, 3, 5)) == ()
        assert [a.number for a in risk.overdue_actions(date(2026, 3, 6))] == [1]
        assert [a.number for a in risk.overdue_actions(date(2026, 3, 11))] == [1, 2]

    def test_overdue_query_needs_a_date(self, team: Team) -> None:
        """The overdue query is asked for a calendar day."""
        with pytest.raises(InvalidValueError):
            _identify(team).overdue_actions(NOW)  # a datetime is not a day

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("description", ""),
            ("description", "  "),
            ("description", None),
            ("due_on", "2026-03-05"),
            ("due_on", NOW),
            ("due_on", None),
            ("owner", 42),
            ("owner", ""),
        ],
    )
    def test_bad_action(self, team: Team, field: str, value: object) -> None:
        """An action needs a description, a due date (a date) and, if named, an owner."""
        risk = _identify(team)
        arguments: dict[str, Any] = {"description": "Backup", "due_on": TODAY, field: value}
        refused(risk, InvalidValueError, lambda: risk.add_mitigation(team.admin, **arguments))

    def test_completion_time_must_be_aware(self, team: Team) -> None:
        """A completion time without a timezone is refused."""
        risk = _identify(team)
        risk.add_mitigation(team.admin, description="Backup", due_on=TODAY)
        risk.collect_events()
        naive = datetime(2026, 3, 1, 8, 0)
        refused(risk, InvalidValueError, lambda: risk.complete_mitigation(team.admin, 1, now=naive))


class TestContingencyPlan:
    def test_set_and_replace(self, team: Team) -> None:
        """The plan and its named owner are recorded; a new plan replaces the old one."""
        risk = _identify(team)
        risk.set_contingency_plan(team.admin, plan="Post on WeChat instead", owner=team.tech)
        risk.set_contingency_plan(team.tech, plan=" Post on Douyin ", owner="admin-1")
        events = risk.collect_events()
        assert [type(e) for e in events] == [Risk.ContingencyPlanSet] * 2
        plan = risk.contingency_plan
        assert plan is not None
        assert (plan.plan, plan.owner_id, plan.set_by) == ("Post on Douyin", "admin-1", "tech-1")

    @pytest.mark.parametrize(
        ("plan", "owner"), [("", "tech-1"), ("  ", "tech-1"), (None, "tech-1"), ("Plan", None)]
    )
    def test_plan_and_owner_required(self, team: Team, plan: object, owner: object) -> None:
        """A contingency plan has text and a named owner."""
        risk = _identify(team)
        refused(
            risk,
            InvalidValueError,
            lambda: risk.set_contingency_plan(team.admin, plan=plan, owner=owner),  # type: ignore[arg-type]  # deliberately bad
        )


# --- reviews ---------------------------------------------------------------------------


class TestReviews:
    def test_record_review(self, team: Team) -> None:
        """A review records the reviewer, the day, the notes and the next review date."""
        risk = _identify(team)
        risk.record_review(
            team.tech, notes="  no change  ", next_review_on=date(2026, 4, 1), today=TODAY
        )
        [reviewed] = risk.collect_events()
        assert isinstance(reviewed, Risk.Reviewed)
        expected = RiskReview("tech-1", TODAY, "no change", date(2026, 4, 1))
        assert reviewed.review == expected
        assert risk.reviews == (expected,)
        assert risk.next_review_on == date(2026, 4, 1)

    def test_review_held_earlier(self, team: Team) -> None:
        """A review held on an earlier day may be recorded later."""
        risk = _identify(team)
        risk.record_review(
            team.admin,
            notes="n",
            next_review_on=date(2026, 3, 2),
            today=TODAY,
            reviewed_on=date(2026, 2, 27),
        )
        assert risk.reviews[0].reviewed_on == date(2026, 2, 27)

    def test_review_due(self, team: Team) -> None:
        """A never-reviewed risk is due; a reviewed one is due from its next review date."""
        risk = _identify(team)
        assert risk.review_due(TODAY)
        risk.record_review(team.admin, notes="n", next_review_on=date(2026, 3, 8), today=TODAY)
        assert not risk.review_due(date(2026, 3, 7))
        assert risk.review_due(date(2026, 3, 8))

    @pytest.mark.parametrize(
        ("next_review_on", "reviewed_on"),
        [
            (TODAY, None),  # the next review is not after this one
            (date(2026, 2, 1), None),
            (date(2026, 4, 1), date(2026, 3, 2)),  # held tomorrow
            (date(2026, 4, 1), date(2026, 2, 20)),  # before the last review (2026-02-25)
        ],
    )
    def test_bad_review_dates(
        self, team: Team, next_review_on: date, reviewed_on: date | None
    ) -> None:
        """Reviews are not in the future nor before the last, and the next one comes after."""
        risk = _identify(team)
        risk.record_review(
            team.admin,
            notes="first",
            next_review_on=date(2026, 3, 4),
            today=TODAY,
            reviewed_on=date(2026, 2, 25),
        )
        risk.collect_events()
        refused(
            risk,
            ReviewScheduleError,
            lambda: risk.record_review(
                team.admin,
                notes="n",
                next_review_on=next_review_on,
                today=TODAY,
                reviewed_on=reviewed_on,
            ),
        )

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("notes", ""),
            ("notes", None),
            ("next_review_on", "2026-04-01"),
            ("next_review_on", datetime(2026, 4, 1, tzinfo=UTC)),
            ("reviewed_on", NOW),
        ],
    )
    def test_bad_review_values(self, team: Team, field: str, value: object) -> None:
        """A review needs notes and calendar dates."""
        risk = _identify(team)
        arguments: dict[str, Any] = {
            "notes": "n",
            "next_review_on": date(2026, 4, 1),
            "today": TODAY,
            field: value,
        }
        refused(risk, InvalidValueError, lambda: risk.record_review(team.admin, **arguments))

    def test_a_closed_risk_is_never_due(self, team: Team) -> None:
        """Closed risks leave the review cycle."""
        assert not _closed(team).review_due(TODAY)


# --- incidents -------------------------------------------------------------------------


class TestIncidents:
    def test_report_and_resolve(self, team: Team) -> None:
        """An incident is open from its report until resolved, with the time and how."""
        risk = _identify(team)
        started = NOW - timedelta(hours=2)
        number = risk.report_incident(
            team.tech,
            severity="major",
            affected=" Weibo posts ",
            summary="API down",
            started_at=started,
            now=NOW,
        )
        assert number == 1
        [reported] = risk.collect_events()
        assert isinstance(reported, Risk.IncidentReported)
        assert (reported.severity, reported.affected, reported.started_at) == (
            IncidentSeverity.MAJOR,
            "Weibo posts",
            started,
        )
        assert risk.open_incidents == (
            Incident(1, IncidentSeverity.MAJOR, "Weibo posts", "API down", started, "tech-1"),
        )
        risk.resolve_incident(team.admin, 1, resolution="Service restored", now=NOW)
        [resolved] = risk.collect_events()
        assert isinstance(resolved, Risk.IncidentResolved)
        assert resolved.resolved_at == NOW
        assert not risk.open_incidents
        incident = risk.incident(1)
        assert not incident.is_open
        assert (incident.resolution, incident.resolved_by) == ("Service restored", "admin-1")

    def test_started_now_unless_given(self, team: Team) -> None:
        """Without a start time the incident started when reported."""
        risk = _identify(team)
        risk.report_incident(team.admin, severity=IncidentSeverity.MINOR, affected="x", now=NOW)
        assert risk.incident(1).started_at == NOW

    @pytest.mark.parametrize("severity", list(IncidentSeverity))
    def test_every_severity(self, team: Team, severity: IncidentSeverity) -> None:
        """Minor, moderate, major and critical incidents can be reported."""
        risk = _identify(team)
        risk.report_incident(team.admin, severity=severity.value, affected="x", now=NOW)
        assert risk.incident(1).severity is severity

    def test_numbers_count_up(self, team: Team) -> None:
        """Incidents are numbered in the order reported, resolved ones included."""
        risk = _identify(team)
        risk.report_incident(team.admin, severity="minor", affected="a", now=NOW)
        risk.resolve_incident(team.admin, 1, resolution="fixed", now=NOW)
        assert risk.report_incident(team.admin, severity="minor", affected="b", now=NOW) == 2
        assert [i.number for i in risk.open_incidents] == [2]

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("severity", "catastrophic", InvalidValueError),
            ("severity", None, InvalidValueError),
            ("affected", "", InvalidValueError),
            ("affected", None, InvalidValueError),
            ("summary", None, InvalidValueError),
            ("started_at", datetime(2026, 3, 1, 8, 0), InvalidValueError),  # naive
            ("started_at", "2026-03-01T08:00:00+00:00", InvalidValueError),
            ("started_at", NOW + timedelta(seconds=1), IncidentTimeError),
        ],
    )
    def test_bad_reports(self, team: Team, field: str, value: object, error: type[Any]) -> None:
        """An incident needs a severity, what was affected, and an aware start not in the future."""
        risk = _identify(team)
        arguments: dict[str, Any] = {"severity": "minor", "affected": "x", field: value}
        refused(risk, error, lambda: risk.report_incident(team.admin, now=NOW, **arguments))

    @pytest.mark.parametrize(
        ("number", "resolution", "resolved_at", "error"),
        [
            (2, "fixed", None, UnknownIncidentError),
            (0, "fixed", None, UnknownIncidentError),
            ("1", "fixed", None, UnknownIncidentError),
            (1, "", None, InvalidValueError),
            (1, None, None, InvalidValueError),
            (1, "fixed", NOW - timedelta(hours=3), IncidentTimeError),  # before it started
            (1, "fixed", NOW + timedelta(minutes=1), IncidentTimeError),  # in the future
            (1, "fixed", datetime(2026, 3, 1, 8, 0), InvalidValueError),  # naive
        ],
    )
    def test_bad_resolutions(
        self,
        team: Team,
        number: Any,  # bad on purpose in some cases
        resolution: Any,  # ... and here
        resolved_at: datetime | None,
        error: type[Any],
    ) -> None:
        """A resolution names a known incident, says how, and is not before its start or later
        than now."""
        risk = _identify(team)
        risk.report_incident(
            team.admin,
            severity="minor",
            affected="x",
            started_at=NOW - timedelta(hours=1),
            now=NOW,
        )
        risk.collect_events()
        refused(
            risk,
            error,
            lambda: risk.resolve_incident(
                team.admin,
                number,
                resolution=resolution,
                resolved_at=resolved_at,
                now=NOW,
            ),
        )

    def test_resolve_twice(self, team: Team) -> None:
        """An incident is resolved once."""
        risk = _identify(team)
        risk.report_incident(team.admin, severity="minor", affected="x", now=NOW)
        risk.resolve_incident(team.admin, 1, resolution="fixed", now=NOW)
        risk.collect_events()
        refused(
            risk,
            IncidentResolvedError,
            lambda: risk.resolve_incident(team.admin, 1, resolution="again", now=NOW),
        )


# --- closure ---------------------------------------------------------------------------

Command = Callable[[Risk, Actor], object]

COMMANDS: dict[str, Command] = {
    "reassess": lambda r, a: r.reassess(a, likelihood=1, impact=1, reason="gone"),
    "assign_owner": lambda r, a: r.assign_owner(a, "someone-else"),
    "add_mitigation": lambda r, a: r.add_mitigation(a, description="x", due_on=TODAY),
    "complete_mitigation": lambda r, a: r.complete_mitigation(a, 1, now=NOW),
    "set_contingency_plan": lambda r, a: r.set_contingency_plan(a, plan="p", owner="o"),
    "record_review": lambda r, a: r.record_review(
        a, notes="n", next_review_on=date(2026, 4, 1), today=TODAY
    ),
    "report_incident": lambda r, a: r.report_incident(a, severity="minor", affected="x", now=NOW),
    "resolve_incident": lambda r, a: r.resolve_incident(a, 1, resolution="fixed", now=NOW),
    "close": lambda r, a: r.close(a, "resolved for good"),
}
"""Every command on an existing risk, with good arguments."""

NEEDS: dict[str, str] = {"complete_mitigation": "action", "resolve_incident": "incident"}


def _ready(team: Team, command: str) -> Risk:
    """An open risk on which ``command`` succeeds for a handler."""
    risk = _identify(team)
    if NEEDS.get(command) == "action":
        risk.add_mitigation(team.admin, description="Backup", due_on=TODAY)
    if NEEDS.get(command) == "incident":
        risk.report_incident(team.admin, severity="minor", affected="x", now=NOW)
    risk.collect_events()
    return risk


class TestClosure:
    def test_close(self, team: Team) -> None:
        """Closing records the reason; the risk is then closed."""
        risk = _identify(team)
        risk.close(team.tech, "  platform fixed the cause  ")
        [closed] = risk.collect_events()
        assert isinstance(closed, Risk.Closed)
        assert closed.reason == "platform fixed the cause"
        assert risk.status is RiskStatus.CLOSED
        assert risk.is_closed
        assert risk.closure_reason == "platform fixed the cause"

    def test_not_while_an_incident_is_open(self, team: Team) -> None:
        """A risk with an open incident is not closed; once resolved, it is."""
        risk = _identify(team)
        risk.report_incident(team.admin, severity="major", affected="x", now=NOW)
        risk.collect_events()
        refused(risk, OpenIncidentsError, lambda: risk.close(team.admin, "done"))
        risk.resolve_incident(team.admin, 1, resolution="fixed", now=NOW)
        risk.close(team.admin, "done")
        assert risk.is_closed

    def test_open_actions_do_not_block_closure(self, team: Team) -> None:
        """Mitigation still planned does not keep a risk open."""
        risk = _identify(team)
        risk.add_mitigation(team.admin, description="Backup", due_on=TODAY)
        risk.close(team.admin, "the platform was dropped")
        assert risk.is_closed

    @pytest.mark.parametrize("reason", ["", "  ", None])
    def test_close_needs_a_reason(self, team: Team, reason: object) -> None:
        """Closing says why."""
        risk = _identify(team)
        refused(risk, InvalidValueError, lambda: risk.close(team.admin, reason))  # type: ignore[arg-type]  # deliberately bad

    @pytest.mark.parametrize("command", list(COMMANDS))
    def test_nothing_changes_after_closure(self, team: Team, command: str) -> None:
        """Every command on a closed risk raises RiskClosedError, close included."""
        risk = _ready(team, command)
        if NEEDS.get(command) == "incident":
            risk.resolve_incident(team.admin, 1, resolution="fixed", now=NOW)
        risk.close(team.admin, "done")
        risk.collect_events()
        refused(risk, RiskClosedError, lambda: COMMANDS[command](risk, team.admin))

    def test_closed_error_names_the_state(self, team: Team) -> None:
        """The error says what was tried on a closed risk."""
        risk = _closed(team)
        with pytest.raises(RiskClosedError, match="cannot reassess a risk that is closed"):
            COMMANDS["reassess"](risk, team.admin)


# --- roles -----------------------------------------------------------------------------


class TestRoles:
    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("command", list(COMMANDS))
    def test_who_may_handle(self, team: Team, command: str, role: str) -> None:
        """Operations admins and technical support handle risks; nobody else, and refusal
        records nothing."""
        risk = _ready(team, command)
        actor = team.by_role(role)
        if role in HANDLERS:
            COMMANDS[command](risk, actor)
            assert len(risk.collect_events()) == 1
        else:
            refused(risk, PermissionDeniedError, lambda: COMMANDS[command](risk, actor))

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("category", list(RiskCategory))
    def test_who_may_identify(self, team: Team, role: str, category: RiskCategory) -> None:
        """Handlers identify any risk; reviewers only content risks; others none."""
        actor = team.by_role(role)
        allowed = role in HANDLERS or (role == "reviewer" and category is RiskCategory.CONTENT)
        if allowed:
            assert _identify(team, actor=actor, category=category).identified_by == actor.id
        else:
            with pytest.raises(PermissionDeniedError):
                _identify(team, actor=actor, category=category)

    def test_permission_is_checked_first(self, team: Team) -> None:
        """A refused actor learns nothing about the risk's state or the input."""
        risk = _closed(team)
        refused(
            risk,
            PermissionDeniedError,
            lambda: risk.reassess(team.auditor, likelihood=9, impact=None, reason=""),  # type: ignore[arg-type]  # deliberately bad
        )
        with pytest.raises(PermissionDeniedError):
            _identify(team, actor=team.reviewer, category="weather", likelihood=0)

    def test_only_actors(self, team: Team) -> None:
        """A command given by something other than an Actor is refused."""
        risk = _identify(team)
        refused(risk, NotAnActorError, lambda: risk.close("admin-1", "x"))  # type: ignore[arg-type]  # deliberately bad


# --- bad inputs through the service, on every store ------------------------------------

ServiceCall = Callable[[LibOps, UUID, Team], object]
_UNKNOWN = UUID("00000000-0000-4000-8000-000000000000")


@attrs.frozen
class BadInput:
    """One bad command through ``ops.risks`` and the error it gets."""

    call: ServiceCall
    error: type[LibopsError]
    prepare: tuple[ServiceCall, ...] = ()  # good commands first (they may record)


def _identify_with(actor: str = "admin", **overrides: Any) -> ServiceCall:
    def call(ops: LibOps, _rid: UUID, team: Team) -> object:
        arguments: dict[str, Any] = {
            "title": "Outage",
            "category": "technical",
            "likelihood": 2,
            "impact": 3,
            "owner": "tech-1",
        }
        arguments.update(overrides)
        return ops.risks.identify(team.by_role(actor), **arguments)

    return call


def _reassess_with(actor: str = "admin", **overrides: Any) -> ServiceCall:
    def call(ops: LibOps, rid: UUID, team: Team) -> object:
        arguments: dict[str, Any] = {"likelihood": 4, "impact": 4, "reason": "new data"}
        arguments.update(overrides)
        ops.risks.reassess(team.by_role(actor), rid, **arguments)
        return None

    return call


def _mitigate(actor: str = "admin", **overrides: Any) -> ServiceCall:
    def call(ops: LibOps, rid: UUID, team: Team) -> object:
        arguments: dict[str, Any] = {"description": "Backup account", "due_on": TODAY}
        arguments.update(overrides)
        return ops.risks.add_mitigation(team.by_role(actor), rid, **arguments)

    return call


def _review(actor: str = "admin", **overrides: Any) -> ServiceCall:
    def call(ops: LibOps, rid: UUID, team: Team) -> object:
        arguments: dict[str, Any] = {"notes": "no change", "next_review_on": date(2026, 4, 1)}
        arguments.update(overrides)
        ops.risks.record_review(team.by_role(actor), rid, **arguments)
        return None

    return call


def _report(actor: str = "admin", **overrides: Any) -> ServiceCall:
    def call(ops: LibOps, rid: UUID, team: Team) -> object:
        arguments: dict[str, Any] = {"severity": "major", "affected": "Weibo posts"}
        arguments.update(overrides)
        return ops.risks.report_incident(team.by_role(actor), rid, **arguments)

    return call


def _resolve(actor: str = "admin", number: object = 1, **overrides: Any) -> ServiceCall:
    def call(ops: LibOps, rid: UUID, team: Team) -> object:
        arguments: dict[str, Any] = {"resolution": "restored"}
        arguments.update(overrides)
        ops.risks.resolve_incident(team.by_role(actor), rid, number, **arguments)  # type: ignore[arg-type]  # may be bad on purpose
        return None

    return call


def _close(actor: str = "admin", reason: object = "gone") -> ServiceCall:
    def call(ops: LibOps, rid: UUID, team: Team) -> object:
        ops.risks.close(team.by_role(actor), rid, reason)  # type: ignore[arg-type]  # may be bad on purpose
        return None

    return call


_CLOSED = (_close(),)
_INCIDENT = (_report(started_at=NOW - timedelta(hours=1)),)
_ACTION = (_mitigate(),)
_NAIVE = datetime(2026, 3, 1, 7, 0)

BAD_INPUTS: dict[str, BadInput] = {
    **{
        f"identify/{field}={value!r}": BadInput(_identify_with(**{field: value}), RiskRatingError)
        for field in ("likelihood", "impact")
        for value in BAD_RATINGS
    },
    "identify/empty-title": BadInput(_identify_with(title=""), InvalidValueError),
    "identify/blank-title": BadInput(_identify_with(title="  "), InvalidValueError),
    "identify/long-title": BadInput(_identify_with(title="x" * 201), LimitExceededError),
    "identify/title-not-text": BadInput(_identify_with(title=7), InvalidValueError),
    "identify/title-lone-surrogate": BadInput(
        _identify_with(title="bad \ud800"), ControlCharacterError
    ),
    "identify/description-not-text": BadInput(_identify_with(description=None), InvalidValueError),
    "identify/unknown-category": BadInput(_identify_with(category="weather"), InvalidValueError),
    "identify/owner-int": BadInput(_identify_with(owner=42), InvalidValueError),
    "identify/owner-none": BadInput(_identify_with(owner=None), InvalidValueError),
    "identify/owner-empty": BadInput(_identify_with(owner=""), InvalidValueError),
    "identify/owner-list": BadInput(_identify_with(owner=["tech-1"]), InvalidValueError),
    "identify/bad-source": BadInput(_identify_with(source="automatic"), InvalidValueError),
    "identify/bad-signal": BadInput(_identify_with(source="signal:Spike!"), InvalidValueError),
    "identify/malformed-campaign": BadInput(
        _identify_with(campaign_id="campaign-1"), InvalidValueError
    ),
    "identify/unknown-campaign": BadInput(_identify_with(campaign_id=_UNKNOWN), UnknownIdError),
    "identify/unknown-post": BadInput(_identify_with(post_id=str(_UNKNOWN)), UnknownIdError),
    "identify/by-auditor": BadInput(_identify_with("auditor"), PermissionDeniedError),
    "identify/by-planner": BadInput(_identify_with("planner"), PermissionDeniedError),
    "identify/by-budget-owner": BadInput(_identify_with("budget"), PermissionDeniedError),
    "identify/technical-by-reviewer": BadInput(_identify_with("reviewer"), PermissionDeniedError),
    "identify/blank-idempotency-key": BadInput(
        _identify_with(idempotency_key=" "), InvalidValueError
    ),
    **{
        f"reassess/{field}={value!r}": BadInput(_reassess_with(**{field: value}), RiskRatingError)
        for field in ("likelihood", "impact")
        for value in BAD_RATINGS
    },
    "reassess/blank-reason": BadInput(_reassess_with(reason=" "), InvalidValueError),
    "reassess/no-reason": BadInput(_reassess_with(reason=None), InvalidValueError),
    "reassess/bad-source": BadInput(_reassess_with(source="signal"), InvalidValueError),
    "reassess/closed": BadInput(_reassess_with(), RiskClosedError, _CLOSED),
    "reassess/by-reviewer": BadInput(_reassess_with("reviewer"), PermissionDeniedError),
    "reassess/by-auditor": BadInput(_reassess_with("auditor"), PermissionDeniedError),
    "reassess/unknown-risk": BadInput(
        lambda ops, _r, t: ops.risks.reassess(
            t.admin, _UNKNOWN, likelihood=1, impact=1, reason="x"
        ),
        UnknownIdError,
    ),
    "reassess/malformed-risk-id": BadInput(
        lambda ops, _r, t: ops.risks.reassess(
            t.admin, "risk-1", likelihood=1, impact=1, reason="x"
        ),
        UnknownIdError,
    ),
    "assign_owner/int": BadInput(
        lambda ops, r, t: ops.risks.assign_owner(t.admin, r, 42),  # type: ignore[arg-type]  # deliberately bad
        InvalidValueError,
    ),
    "assign_owner/empty": BadInput(
        lambda ops, r, t: ops.risks.assign_owner(t.admin, r, ""), InvalidValueError
    ),
    "assign_owner/closed": BadInput(
        lambda ops, r, t: ops.risks.assign_owner(t.admin, r, "x"), RiskClosedError, _CLOSED
    ),
    "assign_owner/by-planner": BadInput(
        lambda ops, r, t: ops.risks.assign_owner(t.planner, r, "x"), PermissionDeniedError
    ),
    "add_mitigation/blank-description": BadInput(_mitigate(description=""), InvalidValueError),
    "add_mitigation/due-text": BadInput(_mitigate(due_on="2026-03-05"), InvalidValueError),
    "add_mitigation/due-datetime": BadInput(_mitigate(due_on=NOW), InvalidValueError),
    "add_mitigation/due-none": BadInput(_mitigate(due_on=None), InvalidValueError),
    "add_mitigation/owner-int": BadInput(_mitigate(owner=7), InvalidValueError),
    "add_mitigation/closed": BadInput(_mitigate(), RiskClosedError, _CLOSED),
    "add_mitigation/by-reviewer": BadInput(_mitigate("reviewer"), PermissionDeniedError),
    "complete_mitigation/unknown": BadInput(
        lambda ops, r, t: ops.risks.complete_mitigation(t.admin, r, 2),
        UnknownMitigationActionError,
        _ACTION,
    ),
    "complete_mitigation/text-number": BadInput(
        lambda ops, r, t: ops.risks.complete_mitigation(t.admin, r, "1"),  # type: ignore[arg-type]  # deliberately bad
        UnknownMitigationActionError,
        _ACTION,
    ),
    "complete_mitigation/twice": BadInput(
        lambda ops, r, t: ops.risks.complete_mitigation(t.admin, r, 1),
        MitigationCompletedError,
        (*_ACTION, lambda ops, r, t: ops.risks.complete_mitigation(t.tech, r, 1)),
    ),
    "complete_mitigation/note-not-text": BadInput(
        lambda ops, r, t: ops.risks.complete_mitigation(t.admin, r, 1, note=None),  # type: ignore[arg-type]  # deliberately bad
        InvalidValueError,
        _ACTION,
    ),
    "complete_mitigation/closed": BadInput(
        lambda ops, r, t: ops.risks.complete_mitigation(t.admin, r, 1),
        RiskClosedError,
        (*_ACTION, *_CLOSED),
    ),
    "complete_mitigation/by-auditor": BadInput(
        lambda ops, r, t: ops.risks.complete_mitigation(t.auditor, r, 1),
        PermissionDeniedError,
        _ACTION,
    ),
    "contingency/blank-plan": BadInput(
        lambda ops, r, t: ops.risks.set_contingency_plan(t.admin, r, plan=" ", owner="a"),
        InvalidValueError,
    ),
    "contingency/no-owner": BadInput(
        lambda ops, r, t: ops.risks.set_contingency_plan(t.admin, r, plan="p", owner=None),  # type: ignore[arg-type]  # deliberately bad
        InvalidValueError,
    ),
    "contingency/closed": BadInput(
        lambda ops, r, t: ops.risks.set_contingency_plan(t.admin, r, plan="p", owner="a"),
        RiskClosedError,
        _CLOSED,
    ),
    "contingency/by-planner": BadInput(
        lambda ops, r, t: ops.risks.set_contingency_plan(t.planner, r, plan="p", owner="a"),
        PermissionDeniedError,
    ),
    "review/blank-notes": BadInput(_review(notes=""), InvalidValueError),
    "review/next-is-today": BadInput(_review(next_review_on=TODAY), ReviewScheduleError),
    "review/next-in-the-past": BadInput(
        _review(next_review_on=date(2026, 2, 1)), ReviewScheduleError
    ),
    "review/held-tomorrow": BadInput(
        _review(reviewed_on=date(2026, 3, 2), next_review_on=date(2026, 4, 1)),
        ReviewScheduleError,
    ),
    "review/before-the-last": BadInput(
        _review(reviewed_on=date(2026, 2, 20)),
        ReviewScheduleError,
        (_review(reviewed_on=date(2026, 2, 25)),),
    ),
    "review/next-datetime": BadInput(_review(next_review_on=NOW), InvalidValueError),
    "review/closed": BadInput(_review(), RiskClosedError, _CLOSED),
    "review/by-reviewer": BadInput(_review("reviewer"), PermissionDeniedError),
    "incident/unknown-severity": BadInput(_report(severity="catastrophic"), InvalidValueError),
    "incident/blank-affected": BadInput(_report(affected=" "), InvalidValueError),
    "incident/starts-in-the-future": BadInput(
        _report(started_at=NOW + timedelta(minutes=5)), IncidentTimeError
    ),
    "incident/naive-start": BadInput(_report(started_at=_NAIVE), InvalidValueError),
    "incident/start-as-text": BadInput(
        _report(started_at="2026-03-01T07:00:00+00:00"), InvalidValueError
    ),
    "incident/closed": BadInput(_report(), RiskClosedError, _CLOSED),
    "incident/by-auditor": BadInput(_report("auditor"), PermissionDeniedError),
    "resolve/unknown": BadInput(_resolve(number=2), UnknownIncidentError, _INCIDENT),
    "resolve/none-reported": BadInput(_resolve(), UnknownIncidentError),
    "resolve/twice": BadInput(_resolve(), IncidentResolvedError, (*_INCIDENT, _resolve())),
    "resolve/blank-resolution": BadInput(_resolve(resolution=""), InvalidValueError, _INCIDENT),
    "resolve/before-it-started": BadInput(
        _resolve(resolved_at=NOW - timedelta(hours=2)), IncidentTimeError, _INCIDENT
    ),
    "resolve/in-the-future": BadInput(
        _resolve(resolved_at=NOW + timedelta(hours=2)), IncidentTimeError, _INCIDENT
    ),
    "resolve/naive": BadInput(_resolve(resolved_at=_NAIVE), InvalidValueError, _INCIDENT),
    "resolve/closed": BadInput(_resolve(), RiskClosedError, (*_INCIDENT, _resolve(), *_CLOSED)),
    "resolve/by-planner": BadInput(_resolve("planner"), PermissionDeniedError, _INCIDENT),
    "close/open-incident": BadInput(_close(), OpenIncidentsError, _INCIDENT),
    "close/one-of-two-open": BadInput(
        _close(), OpenIncidentsError, (*_INCIDENT, _resolve(), _report())
    ),
    "close/blank-reason": BadInput(_close(reason=""), InvalidValueError),
    "close/no-reason": BadInput(_close(reason=None), InvalidValueError),
    "close/twice": BadInput(_close(), RiskClosedError, _CLOSED),
    "close/by-reviewer": BadInput(_close("reviewer"), PermissionDeniedError),
    "close/by-auditor": BadInput(_close("auditor"), PermissionDeniedError),
}


def _stored_risk(ops: LibOps, team: Team) -> UUID:
    return ops.risks.identify(
        team.admin,
        title="Weibo outage",
        category="technical",
        likelihood=2,
        impact=3,
        owner=team.tech,
    )


class TestBadInputsThroughTheService:
    @pytest.mark.parametrize("case", list(BAD_INPUTS))
    def test_refused_and_nothing_recorded(self, ops: LibOps, team: Team, case: str) -> None:
        """Each bad input raises its specific error, and the store holds no new event."""
        bad = BAD_INPUTS[case]
        rid = _stored_risk(ops, team)
        for prepare in bad.prepare:
            prepare(ops, rid, team)
        before = count_events(ops)
        version = ops.risks.get(rid).version
        with pytest.raises(bad.error) as raised:
            bad.call(ops, rid, team)
        assert type(raised.value) is bad.error, raised.value
        assert count_events(ops) == before
        assert ops.risks.get(rid).version == version

    @pytest.mark.parametrize(
        "command",
        [
            "reassess",
            "assign_owner",
            "add_mitigation",
            "complete_mitigation",
            "set_contingency_plan",
            "record_review",
            "report_incident",
            "resolve_incident",
            "close",
        ],
    )
    def test_no_change_after_closure(self, ops: LibOps, team: Team, command: str) -> None:
        """Every command on a closed risk is refused with RiskClosedError, recording nothing."""
        rid = _stored_risk(ops, team)
        ops.risks.add_mitigation(team.admin, rid, description="Backup", due_on=TODAY)
        ops.risks.report_incident(team.admin, rid, severity="minor", affected="x")
        ops.risks.resolve_incident(team.admin, rid, 1, resolution="fixed")
        ops.risks.close(team.admin, rid, "done")
        calls: dict[str, Callable[[], object]] = {
            "reassess": lambda: ops.risks.reassess(
                team.admin, rid, likelihood=1, impact=1, reason="x"
            ),
            "assign_owner": lambda: ops.risks.assign_owner(team.admin, rid, "x"),
            "add_mitigation": lambda: ops.risks.add_mitigation(
                team.admin, rid, description="x", due_on=TODAY
            ),
            "complete_mitigation": lambda: ops.risks.complete_mitigation(team.admin, rid, 1),
            "set_contingency_plan": lambda: ops.risks.set_contingency_plan(
                team.admin, rid, plan="p", owner="o"
            ),
            "record_review": lambda: ops.risks.record_review(
                team.admin, rid, notes="n", next_review_on=date(2026, 4, 1)
            ),
            "report_incident": lambda: ops.risks.report_incident(
                team.admin, rid, severity="minor", affected="x"
            ),
            "resolve_incident": lambda: ops.risks.resolve_incident(
                team.admin, rid, 1, resolution="again"
            ),
            "close": lambda: ops.risks.close(team.admin, rid, "again"),
        }
        refused(ops, RiskClosedError, calls[command])

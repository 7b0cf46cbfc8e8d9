"""Risk commands through ``ops.risks`` on every kind of store, and the risk follow-up query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from libops import (
    Actor,
    ContentType,
    Format,
    IncidentSeverity,
    LibOps,
    Period,
    Platform,
    PostVariant,
    Risk,
    RiskCategory,
    RiskLevel,
    RiskReview,
    RiskStatus,
)
from libops.adapters.clock import ManualClock
from libops.domain.cadence import CadencePolicy
from libops.domain.errors import (
    IdempotencyKeyReuseError,
    InvalidValueError,
    PermissionDeniedError,
    UnknownIdError,
)
from tests.conftest import make_store_url
from tests.helpers import count_events

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))


def _event_types(ops: LibOps, risk_id: UUID) -> list[str]:
    return [type(e).__name__ for e in ops.app.repository.event_store.get(risk_id)]


def _identify(ops: LibOps, actor: Actor, **overrides: Any) -> UUID:
    arguments: dict[str, Any] = {
        "title": "Weibo account outage",
        "category": "technical",
        "likelihood": 2,
        "impact": 3,
        "owner": "tech-1",
    }
    arguments.update(overrides)
    return ops.risks.identify(actor, **arguments)


class TestRiskOnStores:
    def test_from_identification_to_closure(
        self, ops: LibOps, admin: Actor, tech: Actor, clock: ManualClock
    ) -> None:
        """A risk's whole life is stored and reads back the same, event by event."""
        rid = _identify(ops, admin, description="the API is down a few hours a month")
        ops.risks.reassess(tech, rid, likelihood=4, impact=4, reason="two outages in March")
        ops.risks.assign_owner(admin, rid, admin)
        first = ops.risks.add_mitigation(
            admin, rid, description="Backup account on WeChat", due_on=date(2026, 3, 10)
        )
        ops.risks.set_contingency_plan(tech, rid, plan="Post on WeChat", owner=tech)
        ops.risks.record_review(admin, rid, notes="in hand", next_review_on=date(2026, 4, 1))
        clock.advance(timedelta(hours=1))
        incident = ops.risks.report_incident(
            tech,
            rid,
            severity="major",
            affected="World Book Day posts",
            summary="publishing API errors",
            started_at=clock.now() - timedelta(minutes=30),
        )
        clock.advance(timedelta(hours=2))
        ops.risks.resolve_incident(tech, rid, incident, resolution="API restored")
        ops.risks.complete_mitigation(tech, rid, first, note="account verified")
        ops.risks.reassess(admin, rid, likelihood=1, impact=4, reason="backup in place")
        ops.risks.close(admin, rid, "backup account makes outages harmless")

        assert _event_types(ops, rid) == [
            "Identified",
            "Reassessed",
            "Escalated",
            "OwnerAssigned",
            "MitigationAdded",
            "ContingencyPlanSet",
            "Reviewed",
            "IncidentReported",
            "IncidentResolved",
            "MitigationCompleted",
            "Reassessed",
            "Closed",
        ]
        risk = ops.risks.get(rid)
        assert risk.version == 12
        assert count_events(ops) == 12
        assert risk.status is RiskStatus.CLOSED
        assert risk.closure_reason == "backup account makes outages harmless"
        assert (risk.likelihood, risk.impact, risk.score, risk.level) == (1, 4, 4, RiskLevel.LOW)
        assert not risk.escalated
        assert risk.escalations == 1
        assert risk.owner_id == admin.id
        assert risk.reviews == (
            RiskReview(admin.id, date(2026, 3, 1), "in hand", date(2026, 4, 1)),
        )
        [stored_incident] = risk.incidents
        assert stored_incident.severity is IncidentSeverity.MAJOR
        assert stored_incident.started_at == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
        assert stored_incident.resolved_at == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
        completion = risk.completion(first)
        assert completion is not None
        assert completion.completed_at == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
        assert completion.note == "account verified"
        plan = risk.contingency_plan
        assert plan is not None
        assert (plan.plan, plan.owner_id) == ("Post on WeChat", tech.id)

    def test_the_escalation_event_is_stored(self, ops: LibOps, admin: Actor) -> None:
        """A risk identified at 20 stores Identified and Escalated with score, level, threshold."""
        rid = _identify(ops, admin, likelihood=4, impact=5)
        identified, escalated = ops.app.repository.event_store.get(rid)
        assert isinstance(identified, Risk.Identified)
        assert isinstance(escalated, Risk.Escalated)
        assert (escalated.score, escalated.level, escalated.threshold) == (
            20,
            RiskLevel.CRITICAL,
            15,
        )

    def test_a_reviewer_logs_a_content_risk_about_a_post(
        self, ops: LibOps, planner: Actor, reviewer: Actor
    ) -> None:
        """A reviewer may identify a content risk concerning a post and its campaign."""
        cid = ops.campaigns.plan(planner, name="World Book Day", kind="topic", period=APRIL)
        pid = ops.posts.draft(
            planner,
            title="Ten books",
            body="...",
            content_type=ContentType.KNOWLEDGE,
            format=Format.IMAGE_TEXT,
            variants=[PostVariant(Platform.WEIBO, "十本好书")],
            campaign_id=cid,
        )
        rid = ops.risks.identify(
            reviewer,
            title="Cover image licence unclear",
            category=RiskCategory.CONTENT,
            likelihood=3,
            impact=3,
            owner=planner,
            campaign_id=cid,
            post_id=pid,
        )
        risk = ops.risks.get(rid)
        assert (risk.campaign_id, risk.post_id) == (cid, pid)
        assert risk.identified_by == reviewer.id

    def test_signal_source_is_stored(self, ops: LibOps, tech: Actor) -> None:
        """A risk opened from a signal keeps the signal's name as its source."""
        rid = _identify(ops, tech, source="signal:publish_failures")
        ops.risks.reassess(
            tech,
            rid,
            likelihood=3,
            impact=3,
            reason="3 failures in a row",
            source="signal:publish_failures",
        )
        assert ops.risks.get(rid).source == "signal:publish_failures"
        reassessed = list(ops.app.repository.event_store.get(rid))[-1]
        assert isinstance(reassessed, Risk.Reassessed)
        assert reassessed.source == "signal:publish_failures"


class TestLinks:
    def test_unknown_campaign_or_post(self, ops: LibOps, admin: Actor) -> None:
        """A risk about a campaign or post that does not exist is refused; nothing recorded."""
        unknown = UUID(int=7)
        for link in ({"campaign_id": unknown}, {"post_id": unknown}):
            with pytest.raises(UnknownIdError):
                _identify(ops, admin, **link)
        assert count_events(ops) == 0

    def test_post_of_another_campaign(self, ops: LibOps, planner: Actor, admin: Actor) -> None:
        """A risk naming a campaign and a post of another campaign is refused."""
        one = ops.campaigns.plan(planner, name="One", kind="topic", period=APRIL)
        two = ops.campaigns.plan(planner, name="Two", kind="topic", period=APRIL)
        pid = ops.posts.draft(
            planner,
            title="T",
            body="",
            content_type="news",
            format="image_text",
            variants=[PostVariant(Platform.WEIBO, "text")],
            campaign_id=one,
        )
        before = count_events(ops)
        with pytest.raises(InvalidValueError, match="not part of campaign"):
            _identify(ops, admin, campaign_id=two, post_id=pid)
        assert count_events(ops) == before

    def test_permission_before_links(self, ops: LibOps, auditor: Actor) -> None:
        """An auditor is refused before the links are looked up."""
        with pytest.raises(PermissionDeniedError):
            _identify(ops, auditor, campaign_id=UUID(int=7))


class TestIdempotency:
    def test_every_command_repeats_without_recording(
        self, ops: LibOps, admin: Actor, clock: ManualClock
    ) -> None:
        """Each keyed command given twice returns the first result and records nothing new."""
        rid = _identify(ops, admin, idempotency_key="identify")
        steps: list[tuple[str, Callable[[], object]]] = [
            ("identify", lambda: _identify(ops, admin, idempotency_key="identify")),
            (
                "reassess",
                lambda: ops.risks.reassess(
                    admin, rid, likelihood=4, impact=4, reason="r", idempotency_key="reassess"
                ),
            ),
            (
                "owner",
                lambda: ops.risks.assign_owner(admin, rid, "admin-2", idempotency_key="owner"),
            ),
            (
                "mitigation",
                lambda: ops.risks.add_mitigation(
                    admin, rid, description="d", due_on=date(2026, 3, 9), idempotency_key="add"
                ),
            ),
            (
                "complete",
                lambda: ops.risks.complete_mitigation(admin, rid, 1, idempotency_key="complete"),
            ),
            (
                "plan",
                lambda: ops.risks.set_contingency_plan(
                    admin, rid, plan="p", owner="o", idempotency_key="plan"
                ),
            ),
            (
                "review",
                lambda: ops.risks.record_review(
                    admin, rid, notes="n", next_review_on=date(2026, 4, 1), idempotency_key="rev"
                ),
            ),
            (
                "incident",
                lambda: ops.risks.report_incident(
                    admin, rid, severity="minor", affected="a", idempotency_key="inc"
                ),
            ),
            (
                "resolve",
                lambda: ops.risks.resolve_incident(
                    admin, rid, 1, resolution="fixed", idempotency_key="res"
                ),
            ),
            ("close", lambda: ops.risks.close(admin, rid, "done", idempotency_key="close")),
        ]
        for name, command in steps:
            first = command()
            after_first = count_events(ops)
            clock.advance(timedelta(minutes=5))  # a retry later: defaults read the clock again
            assert command() == first, name
            assert count_events(ops) == after_first, name
        assert ops.risks.get(rid).is_closed

    def test_numbers_come_back_on_a_retry(self, ops: LibOps, admin: Actor) -> None:
        """A retried add_mitigation or report_incident returns the number first given."""
        rid = _identify(ops, admin)
        assert (
            ops.risks.add_mitigation(
                admin, rid, description="a", due_on=date(2026, 3, 9), idempotency_key="a1"
            )
            == 1
        )
        assert ops.risks.add_mitigation(admin, rid, description="b", due_on=date(2026, 3, 9)) == 2
        assert (
            ops.risks.add_mitigation(
                admin, rid, description="a", due_on=date(2026, 3, 9), idempotency_key="a1"
            )
            == 1
        )
        assert len(ops.risks.get(rid).actions) == 2

    def test_key_reused_for_other_arguments(self, ops: LibOps, admin: Actor) -> None:
        """A key reused with different arguments is refused and records nothing."""
        rid = _identify(ops, admin)
        ops.risks.close(admin, rid, "done", idempotency_key="k")
        before = count_events(ops)
        with pytest.raises(IdempotencyKeyReuseError):
            ops.risks.close(admin, rid, "other reason", idempotency_key="k")
        with pytest.raises(IdempotencyKeyReuseError):
            _identify(ops, admin, idempotency_key="k")
        assert count_events(ops) == before


class TestFollowUp:
    def test_open_incidents_and_overdue_actions(
        self, ops: LibOps, admin: Actor, clock: ManualClock
    ) -> None:
        """The follow-up lists open incidents and overdue actions, and says if review is due."""
        rid = _identify(ops, admin, likelihood=4, impact=4)
        ops.risks.add_mitigation(admin, rid, description="soon", due_on=date(2026, 3, 3))
        ops.risks.add_mitigation(admin, rid, description="later", due_on=date(2026, 3, 20))
        ops.risks.add_mitigation(admin, rid, description="done", due_on=date(2026, 3, 2))
        ops.risks.complete_mitigation(admin, rid, 3)
        ops.risks.record_review(admin, rid, notes="n", next_review_on=date(2026, 3, 8))
        ops.risks.report_incident(admin, rid, severity="critical", affected="all accounts")
        ops.risks.report_incident(admin, rid, severity="minor", affected="one post")
        ops.risks.resolve_incident(admin, rid, 2, resolution="deleted")

        today = ops.risks.follow_up(rid)
        assert today.risk_id == rid
        assert today.level is RiskLevel.HIGH
        assert today.escalated
        assert [i.number for i in today.open_incidents] == [1]
        assert today.overdue_actions == ()
        assert not today.review_due
        assert today.needs_attention

        later = ops.risks.follow_up(rid, on=date(2026, 3, 10))
        assert [a.description for a in later.overdue_actions] == ["soon"]
        assert later.review_due

        clock.advance(timedelta(days=30))
        ops.risks.resolve_incident(admin, rid, 1, resolution="restored")
        now = ops.risks.follow_up(rid)
        assert [a.number for a in now.overdue_actions] == [1, 2]
        assert now.open_incidents == ()

    def test_quiet_risk_needs_nothing(self, ops: LibOps, admin: Actor) -> None:
        """A reviewed risk with nothing open or overdue needs no attention."""
        rid = _identify(ops, admin)
        ops.risks.record_review(admin, rid, notes="n", next_review_on=date(2026, 6, 1))
        assert not ops.risks.follow_up(rid).needs_attention

    def test_closed_risk_needs_nothing(self, ops: LibOps, admin: Actor) -> None:
        """A closed risk has no overdue actions and no review due."""
        rid = _identify(ops, admin)
        ops.risks.add_mitigation(admin, rid, description="a", due_on=date(2026, 3, 1))
        ops.risks.close(admin, rid, "gone")
        follow_up = ops.risks.follow_up(rid, on=date(2027, 1, 1))
        assert not follow_up.needs_attention

    def test_unknown_risk(self, ops: LibOps) -> None:
        """Following up an unknown risk is a specific error."""
        with pytest.raises(UnknownIdError):
            ops.risks.follow_up(UUID(int=3))

    def test_today_is_the_librarys_day(self, admin: Actor) -> None:
        """Days are counted in the library's timezone: 20:00 UTC is already tomorrow in Beijing."""
        clock = ManualClock(datetime(2026, 3, 1, 20, 0, tzinfo=UTC))
        with LibOps.open("memory://", clock=clock) as ops:
            assert ops.risks.today() == date(2026, 3, 2)
            rid = _identify(ops, admin)
            ops.risks.record_review(admin, rid, notes="n", next_review_on=date(2026, 3, 9))
            assert ops.risks.get(rid).reviews[0].reviewed_on == date(2026, 3, 2)
        london = CadencePolicy(timezone="Europe/London")
        with LibOps.open("memory://", clock=clock, cadence=london) as ops:
            assert ops.risks.today() == date(2026, 3, 1)


class TestEscalationThreshold:
    def test_configured_threshold(self, admin: Actor) -> None:
        """A library that escalates from 10 sees a score of 10 escalate."""
        with LibOps.open("memory://", risk_escalation_threshold=10) as ops:
            assert ops.risks.escalation_threshold == 10
            rid = _identify(ops, admin, likelihood=2, impact=5)
            assert _event_types(ops, rid) == ["Identified", "Escalated"]
            assert ops.risks.get(rid).escalation_threshold == 10

    def test_default_threshold(self, admin: Actor) -> None:
        """By default 15 escalates and 12 does not."""
        with LibOps.open("memory://") as ops:
            assert ops.risks.escalation_threshold == 15
            assert _event_types(ops, _identify(ops, admin, likelihood=4, impact=3)) == [
                "Identified"
            ]
            assert _event_types(ops, _identify(ops, admin, likelihood=3, impact=5)) == [
                "Identified",
                "Escalated",
            ]

    @pytest.mark.parametrize("threshold", [0, 26, 12.5, "15", None, True])
    def test_bad_threshold_refused_before_opening(self, threshold: Any, tmp_path: object) -> None:
        """A bad threshold is refused before any store is touched."""
        with pytest.raises(InvalidValueError, match="escalation threshold"):
            LibOps.open(f"sqlite:///{tmp_path}/never.db", risk_escalation_threshold=threshold)

    @pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
    def test_two_processes_escalate_once(
        self, kind: str, tmp_path: object, request: pytest.FixtureRequest, admin: Actor
    ) -> None:
        """Two libops instances on one store never both escalate the same rise."""
        url = make_store_url(kind, tmp_path, request)
        with LibOps.open(url, migrate=True) as one, LibOps.open(url) as two:
            rid = _identify(one, admin)
            assert two.risks.get(rid).version == 1  # two caches it
            one.risks.reassess(admin, rid, likelihood=4, impact=4, reason="worse")
            two.risks.reassess(admin, rid, likelihood=5, impact=4, reason="worse still")
            assert _event_types(one, rid) == [
                "Identified",
                "Reassessed",
                "Escalated",
                "Reassessed",
            ]
            for ops in (one, two):
                risk = ops.risks.get(rid)
                assert (risk.score, risk.escalations, risk.version) == (20, 1, 4)


class TestReopeningTheStore:
    @pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
    def test_a_fresh_process_sees_the_same_risk(
        self,
        kind: str,
        tmp_path: object,
        request: pytest.FixtureRequest,
        admin: Actor,
        clock: ManualClock,
    ) -> None:
        """Replaying the stored events in a new process gives exactly the same risk state."""
        url = make_store_url(kind, tmp_path, request)
        with LibOps.open(url, clock=clock, migrate=True) as ops:
            rid = _identify(ops, admin, likelihood=5, impact=5)
            ops.risks.add_mitigation(admin, rid, description="a", due_on=date(2026, 3, 2))
            ops.risks.report_incident(admin, rid, severity="moderate", affected="x")
            ops.risks.record_review(admin, rid, notes="n", next_review_on=date(2026, 3, 5))
            ops.risks.reassess(admin, rid, likelihood=1, impact=5, reason="better")
            before = vars(ops.risks.get(rid))
        with LibOps.open(url, clock=clock) as again:
            after = vars(again.risks.get(rid))
        assert after == before

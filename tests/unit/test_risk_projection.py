"""The risk register projection: open risks by level, the heat map, incidents, escalations."""

from __future__ import annotations

from uuid import UUID

from libops import Actor, LibOps
from libops.projections import ProjectionEngine
from libops.projections.risks import REGISTER, RiskRegisterProjection


def history(ops: LibOps, admin: Actor, tech: Actor) -> dict[str, UUID]:
    """Four risks: one escalated with incidents, one closed, one de-escalated."""
    risks = ops.risks
    r1 = risks.identify(
        admin, title="Weibo outage", category="technical", likelihood=4, impact=4, owner=tech
    )
    r2 = risks.identify(
        admin,
        title="Unlicensed cover image",
        category="content",
        likelihood=2,
        impact=3,
        owner=admin,
    )
    r3 = risks.identify(
        tech,
        title="Same topics as last year",
        category="market",
        likelihood=1,
        impact=2,
        owner=admin,
    )
    r4 = risks.identify(
        admin,
        title="New platform rules",
        category="regulatory",
        likelihood=5,
        impact=5,
        owner=admin,
    )
    risks.close(admin, r3, "topics refreshed")
    risks.reassess(tech, r4, likelihood=2, impact=2, reason="rules postponed")
    risks.report_incident(tech, r1, severity="major", affected="weibo posts")
    risks.report_incident(tech, r1, severity="minor", affected="weibo comments")
    risks.resolve_incident(tech, r1, 1, resolution="service back")
    risks.report_incident(admin, r2, severity="moderate", affected="one post")
    risks.assign_owner(admin, r2, tech)
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4}


class TestRiskRegister:
    def test_register_worked_out_by_hand(
        self, memory_ops: LibOps, admin: Actor, tech: Actor
    ) -> None:
        """Three open risks (high, medium, low), one escalated, two open incidents."""
        ids = history(memory_ops, admin, tech)
        with ProjectionEngine(memory_ops, [RiskRegisterProjection()]) as engine:
            engine.run()
            view = engine.view("risks")
        heat_map = [[0] * 5 for _ in range(5)]
        heat_map[3][3] = 1  # r1: likelihood 4, impact 4
        heat_map[1][2] = 1  # r2: likelihood 2, impact 3
        heat_map[1][1] = 1  # r4 reassessed: likelihood 2, impact 2
        assert view[REGISTER] == {
            "open": 3,
            "by_level": {"low": 1, "medium": 1, "high": 1, "critical": 0},
            "heat_map": heat_map,
            "escalated": 1,
            "open_incidents": 2,
        }
        # r1 is escalated and open; r4 was, until its reassessment brought it below.
        assert sorted(k for k in view if k.startswith("escalated:")) == [f"escalated:{ids['r1']}"]
        assert view[f"escalated:{ids['r1']}"] == {
            "risk_id": str(ids["r1"]),
            "title": view[f"risk:{ids['r1']}"]["title"],
            "level": "high",
            "score": 16,
        }
        assert sorted(k for k in view if k.startswith("incident:")) == sorted(
            [f"incident:{ids['r1']}:2", f"incident:{ids['r2']}:1"]
        )
        assert view[f"incident:{ids['r2']}:1"]["severity"] == "moderate"

    def test_risk_documents(self, memory_ops: LibOps, admin: Actor, tech: Actor) -> None:
        """Each risk keeps its rating, level, owner, status and escalation history."""
        ids = history(memory_ops, admin, tech)
        with ProjectionEngine(memory_ops, [RiskRegisterProjection()]) as engine:
            engine.run()
            r1 = engine.get("risks", f"risk:{ids['r1']}")
            r2 = engine.get("risks", f"risk:{ids['r2']}")
            r3 = engine.get("risks", f"risk:{ids['r3']}")
            r4 = engine.get("risks", f"risk:{ids['r4']}")
        assert (r1["score"], r1["level"], r1["escalated"], r1["open_incidents"]) == (
            16,
            "high",
            True,
            [2],
        )
        assert (r2["owner_id"], r2["level"], r2["open_incidents"]) == ("tech-1", "medium", [1])
        assert r3["status"] == "closed"
        assert (r4["score"], r4["level"], r4["escalated"], r4["escalations"]) == (
            4,
            "low",
            False,
            1,
        )

    def test_matches_the_aggregates(self, memory_ops: LibOps, admin: Actor, tech: Actor) -> None:
        """Level, escalation and open incidents agree with each Risk aggregate."""
        ids = history(memory_ops, admin, tech)
        with ProjectionEngine(memory_ops, [RiskRegisterProjection()]) as engine:
            engine.run()
            for risk_id in ids.values():
                risk = memory_ops.risks.get(risk_id)
                document = engine.get("risks", f"risk:{risk_id}")
                assert document["level"] == risk.level.value
                assert document["escalated"] == risk.escalated
                assert document["open_incidents"] == [i.number for i in risk.open_incidents]

    def test_all_closed_leaves_an_empty_register(
        self, memory_ops: LibOps, admin: Actor, tech: Actor
    ) -> None:
        """Closing the last open risk empties the summary."""
        risk = memory_ops.risks.identify(
            admin, title="Outage", category="technical", likelihood=5, impact=4, owner=tech
        )
        memory_ops.risks.close(admin, risk, "moved platform")
        with ProjectionEngine(memory_ops, [RiskRegisterProjection()]) as engine:
            engine.run()
            register = engine.get("risks", REGISTER)
        assert register["open"] == 0
        assert register["escalated"] == 0
        assert not any(key.startswith("escalated:") for key in engine.view("risks"))
        assert register["by_level"] == {"low": 0, "medium": 0, "high": 0, "critical": 0}
        assert sum(map(sum, register["heat_map"])) == 0

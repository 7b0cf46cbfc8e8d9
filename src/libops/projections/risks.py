"""The risk register: open risks by level, a likelihood-by-impact heat map, open incidents.

Documents:

- ``risk:<risk id>``: ``{"title", "category", "likelihood", "impact", "score", "level",
  "owner_id", "campaign_id", "status" ("open"/"closed"), "escalated", "escalations",
  "escalation_threshold", "open_incidents": [numbers]}``;
- ``incident:<risk id>:<number>``: an open incident: ``{"risk_id", "number", "severity",
  "affected", "started_at"}`` (removed when resolved);
- ``register``: the summary of every **open** risk: ``{"open": n, "by_level": {"low": n,
  "medium": n, "high": n, "critical": n}, "heat_map": 5 rows of 5 counts, "escalated": n,
  "open_incidents": n}``. ``heat_map[l - 1][i - 1]`` counts the open risks of likelihood
  ``l`` and impact ``i`` (rows: likelihood 1 to 5; columns: impact 1 to 5). A risk counts as
  escalated from its ``Risk.Escalated`` event until a reassessment brings its score below
  its threshold, as on the Risk aggregate;
- ``escalated:<risk id>``: ``{"risk_id", "title", "level", "score"}`` for each open
  escalated risk (removed when it is brought back below its threshold or closed), so the
  register stays the same size however many risks are open.

Closed risks keep their ``risk:`` document (status ``"closed"``) but leave the summary.
"""

from __future__ import annotations

from typing import Any, Final

from libops.domain.risk import Risk, RiskLevel, level_for
from libops.projections.views import Projection, View, handles, uuid_text

REGISTER: Final = "register"
"""The key of the summary document."""

_SIZE: Final = 5


def _empty_register() -> dict[str, Any]:
    return {
        "open": 0,
        "by_level": {level.value: 0 for level in RiskLevel},
        "heat_map": [[0] * _SIZE for _ in range(_SIZE)],
        "escalated": 0,
        "open_incidents": 0,
    }


def _count(register: dict[str, Any], risk: dict[str, Any], sign: int) -> None:
    """Add (``sign`` 1) or remove (-1) an open risk's contribution to the register."""
    if risk["status"] != "open":
        return
    register["open"] += sign
    register["by_level"][risk["level"]] += sign
    register["heat_map"][risk["likelihood"] - 1][risk["impact"] - 1] += sign
    register["open_incidents"] += sign * len(risk["open_incidents"])
    if risk["escalated"]:
        register["escalated"] += sign


def _escalated(risk: dict[str, Any]) -> bool:
    return bool(risk["status"] == "open" and risk["escalated"])


class RiskRegisterProjection(Projection):
    """Open risks by level, the 5x5 heat map, open incidents and escalated risks."""

    name = "risks"
    apply_cost = 1.6  # measured: see Projection.apply_cost

    @handles(Risk.Identified)
    def identified(self, event: Risk.Identified, view: View) -> None:
        """A new open risk enters the register."""
        risk: dict[str, Any] = {
            "title": event.title,
            "category": event.category.value,
            "likelihood": event.likelihood,
            "impact": event.impact,
            "score": event.likelihood * event.impact,
            "level": level_for(event.likelihood * event.impact).value,
            "owner_id": event.owner_id,
            "campaign_id": None if event.campaign_id is None else str(event.campaign_id),
            "status": "open",
            "escalated": False,
            "escalations": 0,
            "escalation_threshold": event.escalation_threshold,
            "open_incidents": [],
        }
        self._replace(view, uuid_text(event.originator_id), None, risk)

    @handles(Risk.Reassessed)
    def reassessed(self, event: Risk.Reassessed, view: View) -> None:
        """A new rating moves the risk in the heat map; below its threshold it de-escalates."""
        before = view.get(f"risk:{uuid_text(event.originator_id)}")
        after = dict(before)
        score = event.likelihood * event.impact
        after.update(
            likelihood=event.likelihood,
            impact=event.impact,
            score=score,
            level=level_for(score).value,
            escalation_threshold=event.escalation_threshold,
        )
        if score < event.escalation_threshold:
            after["escalated"] = False
        self._replace(view, uuid_text(event.originator_id), before, after)

    @handles(Risk.Escalated)
    def escalated(self, event: Risk.Escalated, view: View) -> None:
        """The risk is escalated."""
        before = view.get(f"risk:{uuid_text(event.originator_id)}")
        after = {**before, "escalated": True, "escalations": before["escalations"] + 1}
        self._replace(view, uuid_text(event.originator_id), before, after)

    @handles(Risk.OwnerAssigned)
    def owner_assigned(self, event: Risk.OwnerAssigned, view: View) -> None:
        """The risk has a new owner."""
        view.update(f"risk:{uuid_text(event.originator_id)}", owner_id=event.owner_id)

    @handles(Risk.IncidentReported)
    def incident_reported(self, event: Risk.IncidentReported, view: View) -> None:
        """The risk happened: an open incident."""
        risk_id = uuid_text(event.originator_id)
        view.put(
            f"incident:{risk_id}:{event.number}",
            {
                "risk_id": risk_id,
                "number": event.number,
                "severity": event.severity.value,
                "affected": event.affected,
                "started_at": event.started_at.isoformat(),
            },
        )
        before = view.get(f"risk:{risk_id}")
        after = {**before, "open_incidents": [*before["open_incidents"], event.number]}
        self._replace(view, risk_id, before, after)

    @handles(Risk.IncidentResolved)
    def incident_resolved(self, event: Risk.IncidentResolved, view: View) -> None:
        """A resolved incident leaves the open ones."""
        risk_id = uuid_text(event.originator_id)
        view.delete(f"incident:{risk_id}:{event.number}")
        before = view.get(f"risk:{risk_id}")
        after = {
            **before,
            "open_incidents": [n for n in before["open_incidents"] if n != event.number],
        }
        self._replace(view, risk_id, before, after)

    @handles(Risk.Closed)
    def closed(self, event: Risk.Closed, view: View) -> None:
        """A closed risk leaves the register's summary."""
        before = view.get(f"risk:{uuid_text(event.originator_id)}")
        self._replace(view, uuid_text(event.originator_id), before, {**before, "status": "closed"})

    @staticmethod
    def _replace(
        view: View, risk_id: str, before: dict[str, Any] | None, after: dict[str, Any]
    ) -> None:
        register = view.get(REGISTER)
        if register is None:
            register = _empty_register()
            view.put(REGISTER, register)
        if before is not None:
            _count(register, before, -1)
        _count(register, after, 1)
        view.put(f"risk:{risk_id}", after)
        if _escalated(after):
            view.put(
                f"escalated:{risk_id}",
                {
                    "risk_id": risk_id,
                    "title": after["title"],
                    "level": after["level"],
                    "score": after["score"],
                },
            )
        elif before is not None and _escalated(before):
            view.delete(f"escalated:{risk_id}")

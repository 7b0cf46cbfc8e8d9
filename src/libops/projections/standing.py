"""The account's standing as view documents: peer rankings, honours, typical cases, service uses.

Documents (the report reads them; see docs/standing.md):

- ``ranking:<ranking id>``: ``{"source", "index", "platform" ("overall" or a platform),
  "period_start", "period_end", "us", "rank", "value", "entrants", "leader", "leader_value",
  "rows": [{"name", "value", "rank"}], "recorded_at"}``: this library's rank and value, how
  many libraries the table ranks, and the first row's library and value. Values are decimal
  text. A table recorded again replaces its document;
- ``honour:<honour id>``: ``{"title", "awarded_by", "awarded_on", "note", "withdrawn"
  (null, or the reason it was withdrawn)}``;
- ``case:<post or campaign id>``: ``{"subject_kind", "subject_id", "title", "theme", "why",
  "marked_at"}`` (removed when the case is unmarked);
- ``services:<start>:<end>:<kind>``: ``{"period_start", "period_end", "kind", "counts":
  {channel: uses}, "total", "replaced"}`` (a later record of the same period and kind
  replaces it; ``replaced`` says whether it replaced one).
"""

from __future__ import annotations

from decimal import Decimal

from libops.domain.standing import Standing, services_key
from libops.projections.views import Projection, View, handles


class StandingProjection(Projection):
    """Current peer rankings, honours, typical cases and service uses (see the module)."""

    name = "standing"
    apply_cost = 0.5

    @handles(Standing.RankingRecorded)
    def ranking(self, event: Standing.RankingRecorded, view: View) -> None:
        rows = [
            {"name": r["name"], "value": str(Decimal(r["value"])), "rank": int(r["rank"])}
            for r in event.rows
        ]
        ours = next(r for r in rows if r["name"] == event.us)
        leader = min(rows, key=lambda r: r["rank"])
        view.put(
            f"ranking:{event.ranking_id}",
            {
                "source": event.source,
                "index": event.index,
                "platform": event.platform,
                "period_start": event.period.start.isoformat(),
                "period_end": event.period.end.isoformat(),
                "us": event.us,
                "rank": ours["rank"],
                "value": ours["value"],
                "entrants": len(rows),
                "leader": leader["name"],
                "leader_value": leader["value"],
                "rows": rows,
                "recorded_at": event.timestamp.isoformat(),
            },
        )

    @handles(Standing.HonourRecorded)
    def honour(self, event: Standing.HonourRecorded, view: View) -> None:
        view.put(
            f"honour:{event.honour_id}",
            {
                "title": event.title,
                "awarded_by": event.awarded_by,
                "awarded_on": event.awarded_on,
                "note": event.note,
                "withdrawn": None,
            },
        )

    @handles(Standing.HonourWithdrawn)
    def honour_withdrawn(self, event: Standing.HonourWithdrawn, view: View) -> None:
        key = f"honour:{event.honour_id}"
        if key in view:
            view.update(key, withdrawn=event.reason)

    @handles(Standing.TypicalCaseMarked)
    def case_marked(self, event: Standing.TypicalCaseMarked, view: View) -> None:
        view.put(
            f"case:{event.subject_id}",
            {
                "subject_kind": event.subject_kind,
                "subject_id": str(event.subject_id),
                "title": event.title,
                "theme": event.theme,
                "why": event.why,
                "marked_at": event.timestamp.isoformat(),
            },
        )

    @handles(Standing.TypicalCaseUnmarked)
    def case_unmarked(self, event: Standing.TypicalCaseUnmarked, view: View) -> None:
        key = f"case:{event.subject_id}"
        if key in view:
            view.delete(key)

    @handles(Standing.ServiceUsesRecorded)
    def services(self, event: Standing.ServiceUsesRecorded, view: View) -> None:
        counts = {str(channel): int(n) for channel, n in event.counts.items()}
        view.put(
            f"services:{services_key(event.period, event.kind)}",
            {
                "period_start": event.period.start.isoformat(),
                "period_end": event.period.end.isoformat(),
                "kind": event.kind,
                "counts": counts,
                "total": sum(counts.values()),
                "replaced": event.replaced,
            },
        )

"""The report's budgets and cost-effectiveness, and its risks, built from the views."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from libops import analysis
from libops.domain.risk import RiskLevel
from libops.projections.budget import cost_effectiveness
from libops.report.sections import (
    BudgetRow,
    Budgets,
    CampaignInfo,
    CostRow,
    IncidentRow,
    RiskRow,
    Risks,
)

_AMOUNTS: Final = ("allocated", "committed", "spent", "available")


def _sum_rows(docs: Iterable[tuple[str, Mapping[str, Any]]]) -> tuple[BudgetRow, ...]:
    """Sum documents' amounts per (subject, currency)."""
    sums: dict[tuple[str, str], dict[str, Decimal]] = {}
    for subject, doc in docs:
        amounts = sums.setdefault((subject, doc["currency"]), dict.fromkeys(_AMOUNTS, Decimal(0)))
        for name in _AMOUNTS:
            amounts[name] += Decimal(doc[name])
    return tuple(
        BudgetRow(
            subject,
            currency,
            allocated=amounts["allocated"],
            committed=amounts["committed"],
            spent=amounts["spent"],
            available=amounts["available"],
        )
        for (subject, currency), amounts in sorted(sums.items(), key=lambda i: (i[0][1], i[0][0]))
    )


def _budgets(
    view: Mapping[str, Any],
    engagement_view: Mapping[str, Any],
    campaign: str | None,
    campaigns: Sequence[CampaignInfo],
    rows: Sequence[analysis.Observation],
) -> Budgets:
    names = {c.id: c.label for c in campaigns}
    # Campaigns in the report's order, then any the budget view holds that the report has
    # no plan of (by id): every per-campaign row is keyed by the campaign's id.
    order = [c.id for c in campaigns]
    order += sorted(
        {d["campaign_id"] for k, d in view.items() if k.startswith("campaign:")} - set(order)
    )
    if campaign is None:
        categories = [(d["category"], d) for k, d in view.items() if k.startswith("category:")]
    else:
        categories = [
            (d["category"], d)
            for k, d in view.items()
            if k.startswith("line:") and d["campaign_id"] == campaign
        ]
    by_campaign = tuple(
        BudgetRow(
            names.get(cid, cid),
            currency,
            allocated=Decimal(amounts["allocated"]),
            committed=Decimal(amounts["committed"]),
            spent=Decimal(amounts["spent"]),
            available=Decimal(amounts["available"]),
            campaign_id=cid,
        )
        for cid in order
        if (campaign is None or cid == campaign) and f"campaign:{cid}" in view
        for currency, amounts in sorted(view[f"campaign:{cid}"]["by_currency"].items())
    )
    by_category = _sum_rows(categories)
    totals = _sum_rows(("all", {**_row_doc(r)}) for r in by_category)
    costs: list[CostRow] = []
    effectiveness = cost_effectiveness(view, engagement_view)
    for cid in order:
        found = effectiveness.get(cid)
        if found is None or (campaign is not None and cid != campaign):
            continue
        for currency, figures in sorted(found["by_currency"].items()):
            costs.append(
                CostRow(
                    "campaign",
                    names.get(cid, cid),
                    None,
                    currency,
                    Decimal(figures["spent"]),
                    found["engagements"],
                    found["followers_gained"],
                    _dec(figures["cost_per_engagement"]),
                    _dec(figures["cost_per_new_follower"]),
                    campaign_id=cid,
                )
            )
    partners = Counter(k.handle for info in campaigns for k in info.kol_partners)
    for info in campaigns:
        for kol in info.kol_partners:
            mine = [o for o in rows if o.campaign_id == info.id and o.platform == kol.platform]
            engagements = sum(o.engagements for o in mine)
            followers = sum(o.followers_gained or 0 for o in mine)
            costs.append(
                CostRow(
                    "kol",
                    kol.handle if partners[kol.handle] == 1 else f"{kol.handle} · {info.label}",
                    kol.platform,
                    kol.currency,
                    kol.fee,
                    engagements,
                    followers,
                    _per(kol.fee, engagements),
                    _per(kol.fee, followers),
                    campaign_id=info.id,
                )
            )
    return Budgets(by_category, by_campaign, totals, tuple(costs))


KIND_ORDER: Final = ("campaign", "kol")
"""The kinds of cost rows, in the order their groups are compared."""


def comparable_costs(costs: Iterable[CostRow]) -> tuple[tuple[CostRow, ...], ...]:
    """The priced cost rows in groups that may be compared like for like: the same kind
    (a whole campaign's spending is not ranked against a KOL's fee), the same platform scope
    (a KOL on Weibo against KOLs on Weibo; campaigns over all their platforms) and the same
    currency. Groups in the order of :data:`KIND_ORDER`, then platform and currency; rows
    in the report's order."""
    groups: dict[tuple[int, str, str, str], list[CostRow]] = {}
    for row in costs:
        if row.cost_per_engagement is None:
            continue
        rank = KIND_ORDER.index(row.kind) if row.kind in KIND_ORDER else len(KIND_ORDER)
        key = (rank, row.kind, row.platform or "", row.currency)
        groups.setdefault(key, []).append(row)
    return tuple(tuple(groups[key]) for key in sorted(groups))


def _row_doc(row: BudgetRow) -> dict[str, Any]:
    return {"currency": row.currency, **{name: getattr(row, name) for name in _AMOUNTS}}


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _per(amount: Decimal, count: int) -> Decimal | None:
    """``amount / count`` to four places (half-even), as the budget projection's costs."""
    if count <= 0:
        return None
    return (amount / Decimal(count)).quantize(Decimal("0.0001"))


def _risk_order(item: tuple[str, Mapping[str, Any]]) -> tuple[Any, ...]:
    """A risk's place before the register's sort (highest score, then title): what a reader
    sees (title, category, rating, status), the id only breaking a tie of them all."""
    risk_id, doc = item
    return (
        doc["title"],
        doc["category"],
        doc["likelihood"],
        doc["impact"],
        doc["status"],
        bool(doc["escalated"]),
        risk_id,
    )


def _risks(view: Mapping[str, Any], signals: Mapping[str, Any], campaign: str | None) -> Risks:
    chosen = {
        key.removeprefix("risk:"): doc
        for key, doc in view.items()
        if key.startswith("risk:") and (campaign is None or doc["campaign_id"] == campaign)
    }
    heat = [[0] * 5 for _ in range(5)]
    levels: Counter[str] = Counter()
    open_ids = []
    for risk_id, doc in chosen.items():
        if doc["status"] != "open":
            continue
        open_ids.append(risk_id)
        heat[doc["likelihood"] - 1][doc["impact"] - 1] += 1
        levels[doc["level"]] += 1
    incidents = sorted(
        (
            IncidentRow(
                chosen[doc["risk_id"]]["title"],
                doc["number"],
                doc["severity"],
                doc["affected"],
                datetime.fromisoformat(doc["started_at"]),
            )
            for key, doc in view.items()
            if key.startswith("incident:") and doc["risk_id"] in chosen
        ),
        key=lambda i: (i.started_at, i.risk, i.number, i.severity, i.affected),
    )
    fired: Counter[str] = Counter()
    for key, doc in signals.items():
        if key.startswith("scope:"):
            fired[key.split(":")[1]] += int(doc.get("firings", 0))
    return Risks(
        heat_map=tuple(tuple(row) for row in heat),
        by_level=tuple((level.value, levels[level.value]) for level in RiskLevel),
        open_risks=len(open_ids),
        escalated=sum(1 for i in open_ids if chosen[i]["escalated"]),
        risks=tuple(
            sorted(
                (
                    RiskRow(
                        d["title"],
                        d["category"],
                        d["likelihood"],
                        d["impact"],
                        d["score"],
                        d["level"],
                        d["status"],
                        bool(d["escalated"]),
                    )
                    for _, d in sorted(chosen.items(), key=_risk_order)
                ),
                key=lambda r: (-r.score, r.title),
            )
        ),
        open_incidents=tuple(incidents),
        signals=tuple(sorted(fired.items())),
    )

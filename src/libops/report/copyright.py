"""The report's copyright section (版权, issue 17), from the ``media`` view and the checklist
items the library added (docs/media.md, docs/review.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from libops.domain.review import ReviewItem
from libops.domain.values import Period
from libops.projections.media import EXPIRING_DAYS, expiring_assets
from libops.report.sections import Copyright, CopyrightAssetRow, ReviewItemRow


def _in(day: str, period: Period | None) -> bool:
    return period is None or date.fromisoformat(day) in period


def _row(doc: Mapping[str, Any], publishes: int) -> CopyrightAssetRow:
    expires = doc.get("expires_on")
    return CopyrightAssetRow(
        title=doc["title"],
        publishes=publishes,
        licence_kind=doc["licence_kind"],
        expires_on=None if expires is None else date.fromisoformat(expires),
    )


def copyright_section(
    view: Mapping[str, Any],
    items: Iterable[ReviewItem],
    period: Period | None,
    as_of: date | None,
) -> Copyright:
    """The assets used by variants published in ``period`` (all, without one), the licences
    ending within 30 days of ``as_of`` (the period's end, or the last recorded day), the
    licence findings raised at submissions in the period by kind, and the answers to the
    added checklist items in the period."""
    assets = []
    findings: dict[str, int] = {}
    for key, doc in view.items():
        if not key.startswith("asset:"):
            continue
        used = sum(1 for day in doc["published_days"] if _in(day, period))
        if used:
            assets.append(_row(doc, used))
        for day, kind in doc["findings"]:
            if _in(day, period):
                findings[kind] = findings.get(kind, 0) + 1
    expiring = (
        ()
        if as_of is None
        else tuple(_row(doc, 0) for _, doc in expiring_assets(view, as_of, EXPIRING_DAYS))
    )
    answered: dict[str, dict[str, int]] = {}
    for key, doc in view.items():
        if key.startswith("answers:") and _in(key.removeprefix("answers:"), period):
            for item, counts in doc.items():
                total = answered.setdefault(item, {})
                for answer, n in counts.items():
                    total[answer] = total.get(answer, 0) + n
    rows = tuple(
        ReviewItemRow(
            item.label_en,
            item.label_zh,
            answered.get(item.key, {}).get("checked", 0),
            answered.get(item.key, {}).get("not_checked", 0),
            answered.get(item.key, {}).get("not_applicable", 0),
        )
        for item in items
        if item.key in answered
    )
    return Copyright(
        assets=tuple(sorted(assets, key=lambda r: (-r.publishes, r.title))),
        expiring=expiring,
        as_of=as_of,
        findings=tuple(sorted(findings.items())),
        items=rows,
    )

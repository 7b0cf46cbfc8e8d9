"""Cadence compliance: posts published per platform and day / ISO week against the policy.

Counts each ``Post.Published`` receipt on the day and ISO week (Monday to Sunday) of its
``published_at`` in the policy's timezone (Asia/Shanghai by default), and compares the count
with the default :class:`~libops.domain.cadence.CadencePolicy` (Weibo 1 to 2 a day, WeChat 3
to 4 a week, one more allowed on World Book Day).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from libops.domain.cadence import CadencePeriod, CadencePolicy
from libops.domain.post import Post
from libops.domain.values import Platform
from libops.projections.views import Projection, View, handles

UNDER = "under"
WITHIN = "within"
OVER = "over"


class CadenceComplianceProjection(Projection):
    """Posts published per platform and period, and whether that is under, within or over.

    Documents ``day:<platform>:<YYYY-MM-DD>`` and ``week:<platform>:<YYYY-Www>``:
    ``platform``, ``per`` (``"day"``/``"week"``), ``period_start``, ``period_end``,
    ``posts`` (published post variants), ``minimum`` and ``maximum`` of the policy's rule for
    that platform and period (the maximum raised by the largest surge window overlapping the
    period, named in ``surge``), and ``status``: ``"under"`` (fewer than the minimum),
    ``"within"`` or ``"over"`` (more than the maximum); all four null when the policy has no
    rule for that platform and period (the count is still kept).

    A period in which nothing was published has no document: read a missing one as 0 posts
    (under the minimum, if there is one). The policy is ``POLICY`` (the default policy); a
    subclass with another ``name`` may set another one.
    """

    name = "cadence"
    apply_cost = 1.0  # measured: see Projection.apply_cost

    POLICY: ClassVar[CadencePolicy] = CadencePolicy()

    @handles(Post.Published)
    def published(self, event: Post.Published, view: View) -> None:
        receipt = event.receipt
        policy = self.POLICY
        platform = receipt.platform.value
        for per in CadencePeriod:
            first, last = policy.period_of(per, receipt.published_at)
            if per is CadencePeriod.DAY:
                key = f"day:{platform}:{first.isoformat()}"
            else:
                year, week, _ = first.isocalendar()
                key = f"week:{platform}:{year}-W{week:02d}"
            doc: dict[str, Any] | None = view.get(key)
            if doc is None:
                doc = {
                    "platform": platform,
                    "per": per.value,
                    "period_start": first.isoformat(),
                    "period_end": last.isoformat(),
                    "posts": 0,
                }
                view.put(key, doc)
            doc["posts"] += 1

    def before_commit(self, view: View) -> None:
        """Judge each period this batch counted a post in against the policy (once a batch)."""
        policy = self.POLICY
        for key in view.touched():
            doc = view.get(key)
            if doc is None:
                continue
            per = CadencePeriod(doc["per"])
            rule = next(
                (rule for rule in policy.rules_for(Platform(doc["platform"])) if rule.per is per),
                None,
            )
            if rule is None:
                doc.update(minimum=None, maximum=None, surge=None, status=None)
                continue
            maximum, surge = policy.maximum_for(
                rule,
                date.fromisoformat(doc["period_start"]),
                date.fromisoformat(doc["period_end"]),
            )
            posts = doc["posts"]
            if rule.minimum is not None and posts < rule.minimum:
                status = UNDER
            elif maximum is not None and posts > maximum:
                status = OVER
            else:
                status = WITHIN
            doc.update(minimum=rule.minimum, maximum=maximum, surge=surge, status=status)

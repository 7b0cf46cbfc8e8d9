"""The demo's targets: set by the planner from last year's figures, as a real plan's are.

A library's planner does not pick round numbers out of the air: each objective's target is
what the same kind of work drew last year, raised or lowered by what the team hopes to
achieve. The demo does the same. Before a quarter's campaigns are planned, its plan of posts
is replayed on sandbox platforms that stand for **last year's audience** (seeded apart from
this year's, so readers react differently), and each metric's final count (as the demo reads
it, 27 days after publishing) is summed per campaign: the baseline. Each objective's target
is its baseline times an **ambition** drawn from the seed between :data:`AMBITION` bounds,
rounded to two significant figures (a planner writes 190,000, not 187,348).

So the targets follow the plan: ``--posts``, ``--days`` and ``--scale`` change them with the
amount of work planned, and the results this year land around them (mostly 60-150% of the
target: some objectives met, some missed, some near), never several times over.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Final

from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import Reception, SandboxPlatform
from libops.demo.setting import METRIC_DAYS, PLATFORMS, CampaignRole, beijing_time
from libops.demo.simulation import taste
from libops.domain.values import Metric, Objective, Platform, PostVariant, PublishReceipt

if TYPE_CHECKING:
    from libops.demo.publishing import PostActions

YEARS: Final = 3
"""How many past years the baseline averages (a planner's three-year average)."""

AMBITION: Final = (0.8, 1.25)
"""The lowest and highest share of last year's figure a target asks for."""

LEAST_TARGET: Final = 10
"""No target is below this (a campaign with no post on a platform still gets one)."""

ENGAGEMENT_COUNTS: Final = ("likes", "comments", "shares", "favourites")
"""An engagement is any of these (as the scorecard counts them)."""

Baseline = dict[CampaignRole, Counter[tuple[str, Platform | None]]]
"""Last year's figures per campaign: (metric, platform) to a count; platform None is all."""


def past_years(quarter: PostActions) -> Baseline:
    """What the quarter's plan drew last year: each campaign's final counts, in total and
    per platform, read 27 days after each post was published (as the demo reads them)."""
    figures: Baseline = {role: Counter() for role in ("topic", "kol", "eresources")}
    read_after = max(METRIC_DAYS)
    # The timeline: each variant published at its slot (0), read late on its 27th day (1).
    timeline: list[tuple[datetime, int, int, int]] = []
    variants: list[tuple[PostVariant, CampaignRole, Reception]] = []
    for post in quarter.plan:
        boost = quarter.boost(post)
        published = quarter.published_variants(post)
        for variant, (_platform, hour, minute) in zip(published, post.slots, strict=True):
            at = beijing_time(quarter.day(post.day), hour, minute)
            read = beijing_time(quarter.day(post.day + read_after), 23, 30)
            timeline += [(at, 0, len(variants), post.n), (read, 1, len(variants), post.n)]
            variants.append((variant, post.role, taste(post.content_type, boost, at)))
    if not timeline:
        return figures
    timeline.sort()
    for year in range(1, YEARS + 1):
        _replay(quarter, year, timeline, variants, figures)
    for counts in figures.values():
        for key in counts:
            counts[key] = round(counts[key] / YEARS)
    return figures


def _replay(
    quarter: PostActions,
    year: int,
    timeline: list[tuple[datetime, int, int, int]],
    variants: list[tuple[PostVariant, CampaignRole, Reception]],
    figures: Baseline,
) -> None:
    """Publish the variants on sandboxes standing for the audience ``year`` years ago, read
    them when the demo would, and add their counts to ``figures``."""
    clock = ManualClock(timeline[0][0])
    receiving: list[Reception] = []
    seed = f"{quarter.seed}:{quarter.index}:{year} years ago"
    sandboxes = {
        platform: SandboxPlatform(
            platform, seed=seed, clock=clock, reception=lambda _variant, _at: receiving[-1]
        )
        for platform in PLATFORMS
    }
    receipts: dict[int, PublishReceipt] = {}
    for at, step, index, n in timeline:
        clock.set(max(at, clock.now()))
        variant, role, reception = variants[index]
        sandbox = sandboxes[variant.platform]
        if step == 0:
            receiving.append(reception)
            receipts[index] = sandbox.publish(variant, f"year-{year}-{n}-{variant.platform.value}")
            continue
        counts = sandbox.metrics(receipts[index].external_id).counts()
        counts["engagements"] = sum(counts[name] or 0 for name in ENGAGEMENT_COUNTS)
        for name, value in counts.items():
            for platform in (None, variant.platform):
                figures[role][(name, platform)] += value or 0


def targets(
    quarter: PostActions, wanted: dict[CampaignRole, tuple[tuple[Metric, Platform | None], ...]]
) -> dict[CampaignRole, list[Objective]]:
    """Each campaign's objectives with targets set from :func:`past_years`'s figures.

    An objective the plan gives nothing to (no post on its platform: a baseline of 0) is
    left out, as a planner would, unless the campaign would be left with none (a tiny
    demo): then each gets the least target, :data:`LEAST_TARGET`.
    """
    baseline = past_years(quarter)
    rng = random.Random(f"{quarter.seed}:{quarter.index}:targets")
    chosen: dict[CampaignRole, list[Objective]] = {}
    for role, objectives in wanted.items():
        found = [
            Objective(metric, _target(baseline[role][(metric.value, platform)], rng), platform)
            for metric, platform in objectives
        ]
        useful = [
            objective
            for objective, (metric, platform) in zip(found, objectives, strict=True)
            if baseline[role][(metric.value, platform)] > 0
        ]
        chosen[role] = useful or found
    return chosen


def _target(last: int, rng: random.Random) -> int:
    """``last`` times an ambition drawn from ``rng``, to two significant figures."""
    wanted = max(last * rng.uniform(*AMBITION), LEAST_TARGET)
    step: int = 10 ** max(len(str(round(wanted))) - 2, 0)
    return int(max(round(wanted / step) * step, LEAST_TARGET))

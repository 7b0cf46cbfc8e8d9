"""The demo: one library's quarter of social-media operations, run on sandbox platforms.

Three campaigns run over the calendar quarter (2026 Q2, 1 April to 30 June): a World Book Day topic
campaign on Weibo, WeChat and Douyin around 23 April, a KOL collaboration on Weibo and Douyin
in May, and a cross-platform promotion of the library's e-resources all quarter. A few hundred
posts of every content type go through review (personal data caught and fixed), scheduling
under the cadence policy, publishing (one platform failure, retried) and daily metrics; readers
ask questions, join a reading session and a prize quiz, get moderated and ask for erasure; the
budget pays for it all; risks are logged and one incident handled. Each campaign's targets
are set from what the same plan drew in past years (:mod:`libops.demo.targets`), so results
land around them. ``scale`` repeats this for the calendar quarters that follow (2026 Q3, Q4,
2027 Q1, ...), each whole (the demo doubles as a load generator).

Everything is deterministic from the seed: the plan, the sandbox platforms' audiences, the
readers and the simulated clock. Every command carries an idempotency key derived from the
seed and the sizes, so running the demo again on the same store records nothing new.
"""

from __future__ import annotations

from libops.demo.run import run_demo
from libops.demo.setting import (
    BEIJING,
    DEFAULT_POSTS,
    LONGEST_QUARTER,
    METRIC_DAYS,
    PLATFORMS,
    QUARTER_DAYS,
    START,
    TEAM,
    CampaignRole,
    quarters_label,
)
from libops.demo.simulation import Action
from libops.demo.summary import (
    CampaignSummary,
    DemoSummary,
    MoneySummary,
    ReaderSummary,
    RiskSummary,
    summary_lines,
)

__all__ = [
    "BEIJING",
    "DEFAULT_POSTS",
    "LONGEST_QUARTER",
    "METRIC_DAYS",
    "PLATFORMS",
    "QUARTER_DAYS",
    "START",
    "TEAM",
    "Action",
    "CampaignRole",
    "CampaignSummary",
    "DemoSummary",
    "MoneySummary",
    "ReaderSummary",
    "RiskSummary",
    "quarters_label",
    "run_demo",
    "summary_lines",
]

"""The evaluation report as data: one frozen class per section, and the report holding them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import attrs

from libops.domain.errors import InvalidValueError
from libops.report.sections_engagement import (
    BriefCounts,
    CadenceRow,
    Comparison,
    Comparisons,
    CorrelationRow,
    Distribution,
    Engagement,
    EngagementRow,
    FollowerGrowth,
    FollowerGrowthRow,
    Headline,
    PlatformStatistics,
    TopicHeat,
    TopicHeatRow,
    WciWeek,
    WechatIndex,
)
from libops.report.sections_money import (
    BudgetLine,
    BudgetRow,
    Budgets,
    BudgetUse,
    CostRow,
    Figure,
    Finding,
    IncidentRow,
    Judgement,
    RiskRow,
    Risks,
)
from libops.report.sections_overview import (
    REPORT_KINDS,
    Background,
    CampaignInfo,
    DataSource,
    Execution,
    KolInfo,
    Milestone,
    ObjectiveResult,
    Person,
    PostCount,
    Training,
    TrainingCourse,
)
from libops.report.sections_quality import (
    Copyright,
    CopyrightAssetRow,
    Interactions,
    Reuse,
    ReuseCostRow,
    ReviewItemRow,
    Sameness,
    Satisfaction,
    SimilarPairRow,
    SurveyRow,
)
from libops.report.sections_standing import (
    CaseRow,
    HonourRow,
    IndexShare,
    Indices,
    PeerRank,
    PlatformIndex,
    ServiceRow,
    StandingRecords,
    WechatReads,
)

__all__ = [
    "LANGUAGES",
    "REPORT_KINDS",
    "Background",
    "BriefCounts",
    "BudgetLine",
    "BudgetRow",
    "BudgetUse",
    "Budgets",
    "CadenceRow",
    "CampaignInfo",
    "CaseRow",
    "Comparison",
    "Comparisons",
    "Copyright",
    "CopyrightAssetRow",
    "CorrelationRow",
    "CostRow",
    "DataSource",
    "Distribution",
    "Engagement",
    "EngagementRow",
    "Execution",
    "Figure",
    "Finding",
    "FollowerGrowth",
    "FollowerGrowthRow",
    "Headline",
    "HonourRow",
    "IncidentRow",
    "IndexShare",
    "Indices",
    "Interactions",
    "Judgement",
    "KolInfo",
    "Milestone",
    "ObjectiveResult",
    "PeerRank",
    "Person",
    "PlatformIndex",
    "PlatformStatistics",
    "PostCount",
    "Report",
    "Reuse",
    "ReuseCostRow",
    "ReviewItemRow",
    "RiskRow",
    "Risks",
    "Sameness",
    "Satisfaction",
    "ServiceRow",
    "SimilarPairRow",
    "StandingRecords",
    "SurveyRow",
    "TopicHeat",
    "TopicHeatRow",
    "Training",
    "TrainingCourse",
    "WciWeek",
    "WechatIndex",
    "WechatReads",
    "check_language",
]
"""The public names, as before the split: the section classes are in the ``sections_*``
modules beside this one, by the report's parts (re-exported here)."""


LANGUAGES: Final = ("en", "zh")
"""The languages a report renders in."""


def check_language(lang: object) -> str:
    """``lang`` if it is a language the report renders in, else :class:`InvalidValueError`."""
    if lang not in LANGUAGES:
        raise InvalidValueError(
            f"unknown report language {lang!r}: choose one of {', '.join(LANGUAGES)}"
        )
    return str(lang)


@attrs.frozen
class Report:
    """The evaluation report of one campaign or period, section by section, as figures."""

    lang: str
    background: Background
    goals: tuple[ObjectiveResult, ...]
    execution: Execution
    engagement: Engagement
    cadence: tuple[CadenceRow, ...]
    interactions: Interactions
    budgets: Budgets
    risks: Risks
    problems: tuple[Finding, ...]
    judgement: Judgement
    recommendations: tuple[Finding, ...]
    # The defaults below are instances of frozen section classes, shared safely; ruff cannot
    # see that they are frozen now that they are defined in the ``sections_*`` modules.
    indices: Indices = attrs.field(factory=Indices.none)
    """The communication indices (WCI, BCI, short video, weighted); see :class:`Indices`."""
    summary: tuple[Finding, ...] = ()
    """The executive summary: at most three findings (:mod:`libops.report.summary`)."""
    statistics: tuple[PlatformStatistics, ...] = ()
    wechat_index: WechatIndex | None = None
    comparisons: Comparisons = Comparisons(None, None, "no_period")  # noqa: RUF009 (frozen, shared safely)
    budget_use: BudgetUse = BudgetUse((), Decimal("0.5"), False)  # noqa: RUF009 (frozen, shared safely)
    target_advice: tuple[Finding, ...] = ()
    source: DataSource | None = None
    standing_records: StandingRecords = StandingRecords()  # noqa: RUF009 (frozen, shared safely)
    """Peer rankings, honours, typical cases and online service uses in scope."""
    sameness: Sameness = Sameness()  # noqa: RUF009 (frozen, shared safely)
    """Near-duplicate drafts found at review in scope (issue 17)."""
    reuse: Reuse = Reuse()  # noqa: RUF009 (frozen, shared safely)
    """Original, reposted and reused posts published in scope, and their cost (issue 17)."""
    satisfaction: Satisfaction = attrs.field(factory=lambda: Satisfaction())
    """The satisfaction surveys in scope (issue 17): CSAT, NPS and its interval, rates."""
    topic_heat: TopicHeat = TopicHeat()  # noqa: RUF009 (frozen, shared safely)
    """Each topic's peak, latest day and decline (issue 17)."""
    briefs: BriefCounts = BriefCounts()  # noqa: RUF009 (frozen, shared safely)
    """The content briefs due in scope (issue 17)."""
    training: Training = attrs.field(factory=lambda: Training())
    """The team's training in the period (issue 17, item 7)."""
    copyright: Copyright = Copyright()  # noqa: RUF009 (frozen, shared safely)
    """Media used, licences ending soon, licence findings, checklist items (issue 17)."""
    followers: FollowerGrowth = attrs.field(factory=lambda: FollowerGrowth())
    """Each account's follower growth from imported figures (issue 11, the demo's import)."""

    @property
    def is_empty(self) -> bool:
        """Whether nothing was recorded in scope: no campaign, publication, person acting,
        budget line, risk, question, participant or survey. Such a report is short: the summary
        says so and the data sections are left out (imported follower figures count)."""
        return not (
            self.background.campaigns
            or self.execution.posts_total
            or self.execution.people
            or self.budgets.by_category
            or self.risks.risks
            or self.interactions.questions
            or self.interactions.participants
            or self.standing_records.recorded
            or self.satisfaction.surveys
            or self.followers.rows
        )

    def headline(self) -> dict[str, Any]:
        """The headline figures as plain JSON values (Decimal as text)."""
        j = self.judgement
        return {
            "campaign_id": self.background.campaign_id,
            "period": None
            if self.background.period is None
            else [self.background.period.start.isoformat(), self.background.period.end.isoformat()],
            "posts": j.posts,
            "engagements": j.engagements,
            "reach": j.reach,
            "engagement_rate": None if j.engagement_rate is None else str(j.engagement_rate),
            "objectives_met": j.objectives_met,
            "objectives_total": j.objectives_total,
            "spent": {currency: str(amount) for currency, amount in j.spent},
            "open_risks": j.open_risks,
            "problems": len(self.problems),
            "recommendations": len(self.recommendations),
        }

"""The money, risks and conclusions sections as data: budgets and costs, budget use, risks and
incidents, the findings (problems, recommendations, summary, target advice) and the
judgement."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final, TypeAlias

import attrs

Figure: TypeAlias = int | Decimal | str | date | tuple[str, ...] | None
"""A figure behind a finding: a count, an amount or rate, a name, a day, names (the titles
of risks, listed), or unknown."""


@attrs.frozen
class BudgetRow:
    """Allocated, committed, spent and available money of one category or campaign.

    A campaign's row is keyed by its id (``campaign_id``); ``subject`` is then the
    campaign's :attr:`CampaignInfo.label` (campaigns sharing a name stay apart).
    """

    subject: str
    currency: str
    allocated: Decimal
    committed: Decimal
    spent: Decimal
    available: Decimal
    campaign_id: str | None = None


@attrs.frozen
class CostRow:
    """What one spending bought: cost per engagement and per new follower.

    ``kind`` is ``"campaign"`` (spent money on the campaign's budget lines over all its
    posts' engagements, from :func:`libops.projections.budget.cost_effectiveness`) or
    ``"kol"`` (the KOL's agreed fee over the campaign's engagements on the KOL's platform).
    ``subject`` is the campaign's label, or the KOL's handle (``handle · campaign label``
    when the handle partners more than one campaign in the report); ``campaign_id`` is the
    campaign the row belongs to.
    """

    kind: str
    subject: str
    platform: str | None
    currency: str
    spent: Decimal
    engagements: int | None
    followers_gained: int | None
    cost_per_engagement: Decimal | None
    cost_per_new_follower: Decimal | None
    campaign_id: str | None = None


@attrs.frozen
class Budgets:
    """Budget positions per category and per campaign, and cost-effectiveness."""

    by_category: tuple[BudgetRow, ...]
    by_campaign: tuple[BudgetRow, ...]
    totals: tuple[BudgetRow, ...]
    """One row per currency: the sum of the categories."""
    costs: tuple[CostRow, ...]


SERIOUS_LEVELS: Final = ("high", "critical")
"""The risk levels the summary and the advice call serious."""


@attrs.frozen
class RiskRow:
    """A risk in scope, as the risk register holds it."""

    title: str
    category: str
    likelihood: int
    impact: int
    score: int
    level: str
    status: str
    escalated: bool


@attrs.frozen
class IncidentRow:
    """An open incident of a risk in scope."""

    risk: str
    number: int
    severity: str
    affected: str
    started_at: datetime


@attrs.frozen
class Risks:
    """The 5x5 heat map of open risks, risks by level, open incidents and signals raised."""

    heat_map: tuple[tuple[int, ...], ...]
    """``heat_map[likelihood - 1][impact - 1]``: open risks of that rating."""
    by_level: tuple[tuple[str, int], ...]
    open_risks: int
    escalated: int
    risks: tuple[RiskRow, ...]
    open_incidents: tuple[IncidentRow, ...]
    signals: tuple[tuple[str, int], ...]
    """Risk signals fired, by signal (from the risk-signals view's scopes)."""

    @property
    def serious(self) -> tuple[RiskRow, ...]:
        """The open risks of a serious level (:data:`SERIOUS_LEVELS`), in the table's order."""
        return tuple(r for r in self.risks if r.status == "open" and r.level in SERIOUS_LEVELS)


@attrs.frozen
class Finding:
    """A problem met or a recommendation: its kind and the figures behind it, by name.

    The renderers phrase each kind through the language's table of strings; the figures are
    the same in every language.
    """

    kind: str
    figures: tuple[tuple[str, Figure], ...]

    @classmethod
    def of(cls, kind: str, /, **figures: Figure) -> Finding:
        """The finding of ``kind`` with ``figures`` in the order given."""
        return cls(kind, tuple(figures.items()))

    def figure(self, name: str) -> Figure:
        """The figure called ``name`` (``KeyError`` if the finding has none)."""
        for key, value in self.figures:
            if key == name:
                return value
        raise KeyError(name)

    def as_dict(self) -> dict[str, Figure]:
        """The figures by name."""
        return dict(self.figures)


@attrs.frozen
class Judgement:
    """The overall judgement: objectives met, and the headline figures."""

    objectives_total: int
    objectives_met: int
    objectives_unmeasured: int
    verdict: str
    """``"all_met"``, ``"most_met"`` (at least half), ``"few_met"``, ``"none_met"`` or
    ``"no_objectives"`` (of the measured objectives)."""
    posts: int
    engagements: int
    reach: int
    engagement_rate: Decimal | None
    spent: tuple[tuple[str, Decimal], ...]
    """Money spent per currency."""
    open_risks: int


@attrs.frozen
class BudgetLine:
    """One budget line: allocated against spent, with the share used.

    ``used`` = spent / allocated (``None`` when nothing was allocated); ``period_over``
    when the data reach the budget's last day; ``flagged`` when the line used less than
    :data:`~libops.report.budget_use.UNDERUSED` of its allocation and its budget's period is
    over.
    """

    budget: str
    category: str
    campaign: str | None
    currency: str
    allocated: Decimal
    spent: Decimal
    used: Decimal | None
    flagged: bool
    period_over: bool = False


@attrs.frozen
class BudgetUse:
    """Allocated against spent per budget line (with a campaign, its lines only)."""

    lines: tuple[BudgetLine, ...]
    threshold: Decimal
    period_over: bool
    """Whether every line's budget period is over (the last recorded event is on or after
    its last day): a line is flagged only then."""

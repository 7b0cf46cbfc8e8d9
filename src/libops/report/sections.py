"""The evaluation report as data: one frozen class per section, and the report holding them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, TypeAlias

import attrs

from libops.domain.errors import InvalidValueError
from libops.domain.values import Period

LANGUAGES: Final = ("en", "zh")
"""The languages a report renders in."""

Figure: TypeAlias = int | Decimal | str | date | tuple[str, ...] | None
"""A figure behind a finding: a count, an amount or rate, a name, a day, names (the titles
of risks, listed), or unknown."""


def check_language(lang: object) -> str:
    """``lang`` if it is a language the report renders in, else :class:`InvalidValueError`."""
    if lang not in LANGUAGES:
        raise InvalidValueError(
            f"unknown report language {lang!r}: choose one of {', '.join(LANGUAGES)}"
        )
    return str(lang)


# --- the sections ------------------------------------------------------------------------


@attrs.frozen
class KolInfo:
    """A KOL partner of a campaign, on its agreed terms."""

    handle: str
    platform: str
    audience_size: int
    fee: Decimal
    currency: str


@attrs.frozen
class CampaignInfo:
    """A campaign in the report's scope, as planned (from the campaign itself)."""

    id: str
    name: str
    kind: str
    status: str
    start: date
    end: date
    platforms: tuple[str, ...]
    kol_partners: tuple[KolInfo, ...]
    label: str = attrs.field(default=attrs.Factory(lambda self: self.name, takes_self=True))
    """What the report calls it: its name, or, when another campaign in the report has the
    same name, its name and dates (``"KOL (2026-04-01 – 2026-06-30)"``; a ``#2``, ``#3`` ...
    is added when those repeat too)."""


@attrs.frozen
class Background:
    """Who, where and when: the store, the budgets, the period and the campaigns in scope."""

    store: str
    campaign_id: str | None
    period: Period | None
    """The days covered (Asia/Shanghai): given, else the campaign's, else the span of
    publication days in the engagement view (``None`` when nothing was published)."""
    campaigns: tuple[CampaignInfo, ...]
    """Ordered by start day, end day, name, kind (the id only breaks a tie of them all)."""
    budgets: tuple[str, ...]
    """The names of the budgets in the budget view."""
    events: int
    """The last notification id of the log when the views were read."""
    library: str | None = None
    """The library's name, as given to ``build_report(library=...)`` (``None``: not given)."""
    kind: str | None = None
    """The kind of report, from its scope and period (:data:`REPORT_KINDS`): ``"campaign"``
    for one campaign, else ``"monthly"``, ``"quarterly"``, ``"half_year"`` or ``"annual"``
    when the period is exactly a calendar month, quarter, half-year or year, else
    ``"custom"``; ``None`` without a period."""


@attrs.frozen
class ObjectiveResult:
    """One campaign objective against its actual value (from the scorecard view).

    ``attainment`` is actual / target (four places, half-even); ``met`` is actual >= target
    (``None`` when the metric has no computed actual). ``campaign`` is the campaign's
    :attr:`CampaignInfo.label`.
    """

    campaign_id: str
    campaign: str
    metric: str
    platform: str | None
    target: Decimal
    actual: int | None
    attainment: Decimal | None
    met: bool | None


@attrs.frozen
class Person:
    """Someone who acted in the period: events recorded under their actor id.

    ``name`` and ``roles`` are the person's display name and roles (role values, sorted)
    when the report knows them (a user of the store, or ``build_report(people=...)``); ``None``
    and ``()`` otherwise, and the report then shows the id.
    """

    actor_id: str
    events: int
    name: str | None = None
    roles: tuple[str, ...] = ()
    # The team (issue 17, item 7): the member's duties on the roster, and their actions in
    # scope by kind (libops.projections.team.ACTION_KINDS).
    duties: tuple[str, ...] = ()
    drafted: int = 0
    reviewed: int = 0
    published: int = 0
    answered: int = 0


@attrs.frozen
class PostCount:
    """Published post variants on one platform of one content type."""

    platform: str
    content_type: str
    posts: int


@attrs.frozen
class Milestone:
    """A dated step: a campaign launched, a first or last publication, a draw, an incident."""

    day: date
    kind: str
    subject: str


@attrs.frozen
class Execution:
    """Scope and execution: dates, people, posts per platform and content type, milestones."""

    first_publication: date | None
    last_publication: date | None
    people: tuple[Person, ...]
    """Actors in the activity log within the scope, most events first."""
    posts: tuple[PostCount, ...]
    posts_total: int
    milestones: tuple[Milestone, ...]


@attrs.frozen
class EngagementRow:
    """A group of published post variants: sums and pooled engagement rate.

    ``engagement_rate`` = engagements / reach (likes + comments + shares + favourites over
    reads on WeChat and Weibo, views elsewhere), as :func:`libops.analysis.group` pools it.
    """

    key: str
    posts: int
    reach: int
    engagements: int
    followers_gained: int
    engagement_rate: Decimal | None
    start: date | None = None
    """A week's Monday (``None`` for other groups)."""
    end: date | None = None
    """A week's Sunday (``None`` for other groups)."""
    full: bool = True
    """False for a week not lying wholly inside the report's period: shown, marked as
    partial, and left out of the trend."""


@attrs.frozen
class Engagement:
    """Engagement by platform, by content type and by ISO week, with the weekly trend."""

    total: EngagementRow
    by_platform: tuple[EngagementRow, ...]
    by_content_type: tuple[EngagementRow, ...]
    by_week: tuple[EngagementRow, ...]
    """Every ISO week from the first to the last publication, empty weeks included."""
    trend_slope: Decimal | None
    """Least-squares slope of the weekly engagement rate (per week) over the full weeks,
    from analysis.trend."""
    trend_direction: str | None
    trend_weeks: int = 0
    """The full weeks with a rate the slope and the test rest on."""
    partial_weeks: int = 0
    """Weeks shown but left out of the trend: not wholly inside the report's period."""
    trend_test: str | None = None
    """``"mann-kendall"`` when the trend was tested (see ``libops.analysis.trend``)."""
    trend_method: str | None = None
    """``"exact"`` or ``"normal"``: how the Mann-Kendall p-value was found."""
    trend_p_value: Decimal | None = None
    trend_significant: bool | None = None
    """Mann-Kendall p < ``libops.analysis.TREND_ALPHA``: a trend beyond the week-to-week noise."""
    trend_ci_low: Decimal | None = None
    """The lower end of the slope's 95% confidence interval (``None`` under three weeks)."""
    trend_ci_high: Decimal | None = None
    trend_rate_low: Decimal | None = None
    """The lowest weekly rate of the full weeks (the noise the trend is judged against)."""
    trend_rate_high: Decimal | None = None


@attrs.frozen
class CadenceRow:
    """How often one platform's posting was under, within or over its policy per day/week."""

    platform: str
    per: str
    minimum: int | None
    maximum: int | None
    periods: int
    under: int
    within: int
    over: int


@attrs.frozen
class Interactions:
    """Interaction effectiveness (from the interactions view; Q&A and moderation are
    library-wide, contests and reading sessions those of the campaigns in scope)."""

    participants: int
    participants_by_kind: tuple[tuple[str, int], ...]
    questions: int
    answered: int
    escalated: int
    answer_rate: Decimal | None
    median_response_seconds: Decimal | None
    p90_response_seconds: int | None
    contests: int
    contest_entries: int
    disqualified: int
    sessions: int
    registrations: int
    attendance: int
    contributions: int
    moderation: tuple[tuple[str, int], ...]
    moderation_total: int
    # The quality of participation (issue 17, item 2), from the view's ``quality`` document.
    answer_lengths: tuple[tuple[str, int], ...] = ()
    contribution_lengths: tuple[tuple[str, int], ...] = ()
    median_answer_length: Decimal | None = None
    median_contribution_length: Decimal | None = None
    answered_well: int = 0
    answered_well_rate: Decimal | None = None
    returning: int = 0
    returning_share: Decimal | None = None
    contest_winners: int = 0
    # What the quality figures rest on, in the report's period (issue 17): questions received,
    # participants who took part, comments featured and readers rewarded. The quality figures
    # count only the period's events; the counts above cover the whole history.
    quality_period: Period | None = None
    quality_questions: int = 0
    quality_participants: int = 0
    featured: int = 0
    rewarded: int = 0


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


# --- issue 14: the sections added for leadership (summary, statistics, WCI, comparisons,
# --- budget use, target advice, data source) ---------------------------------------------

REPORT_KINDS: Final = (
    "monthly",
    "quarterly",
    "quarters",
    "half_year",
    "annual",
    "campaign",
    "custom",
)
"""The kinds of report :attr:`Background.kind` names."""


@attrs.frozen
class Distribution:
    """Descriptive statistics of one figure over posts (from :func:`libops.analysis.describe`):
    ``n`` posts with a value, the mean, the median, the sample standard deviation (``None``
    for one post), the minimum and the maximum."""

    n: int
    mean: Decimal
    median: Decimal
    sd: Decimal | None
    minimum: Decimal
    maximum: Decimal


@attrs.frozen
class CorrelationRow:
    """Spearman's rank correlation of two figures over one platform's posts.

    ``coefficient`` is ``None`` when it is not computed: ``reason`` is then
    ``"too_few_posts"`` (fewer than :data:`~libops.report.statistics.MIN_POSTS_FOR_CORRELATION`
    posts with both values) or ``"constant"`` (a figure that does not vary). ``strength`` is
    Cohen's band (negligible, weak, moderate, strong).
    """

    x: str
    y: str
    n: int
    coefficient: Decimal | None
    strength: str | None
    reason: str | None


@attrs.frozen
class PlatformStatistics:
    """One platform's measured posts: the distribution of their engagement rate and reach,
    and the correlations of reach with engagements and of posting hour with the rate."""

    platform: str
    posts: int
    rate: Distribution | None
    reach: Distribution | None
    correlations: tuple[CorrelationRow, ...]


@attrs.frozen
class WciWeek:
    """The WeChat index of one ISO week (publication days in Asia/Shanghai): ``start`` and
    ``end`` are its days inside the report's period (d of the formula is their number)."""

    week: str
    start: date
    end: date
    articles: int
    reads: int
    likes: int
    shares: int
    wci: Decimal


@attrs.frozen
class WechatIndex:
    """The WCI (Qingbo V14.2, :mod:`libops.projections.wci`) of the WeChat posts in scope:
    for the whole period (d = its days) and per ISO week (d = its days in the period, 7 for
    a whole week), with the inputs used and
    left out. ``period_wci`` is ``None`` when no WeChat post is in scope."""

    version: str
    days: int
    articles: int
    reads: int
    likes: int
    shares: int
    period_wci: Decimal | None
    weeks: tuple[WciWeek, ...]
    inputs_used: tuple[str, ...]
    inputs_left_out: tuple[str, ...]


@attrs.frozen
class Headline:
    """The headline figures of a period: posts, reach, engagements, rate, followers gained."""

    posts: int
    reach: int
    engagements: int
    engagement_rate: Decimal | None
    followers_gained: int


@attrs.frozen
class Comparison:
    """This period against an earlier one: ``kind`` is ``"previous"`` (环比: the calendar
    unit before, or as many days just before, :func:`libops.report.comparisons.previous_period`)
    or ``"year_earlier"`` (同比: the same days a year before)."""

    kind: str
    start: date
    end: date
    now: Headline
    then: Headline
    platforms: tuple[str, ...] = ()
    """The platforms compared: those with posts in both periods (both sides count only them)."""
    left_out: tuple[str, ...] = ()
    """The platforms with posts in one of the periods only, left out of both sides."""

    def change(self, figure: str) -> Decimal | None:
        """The change of ``figure`` as a ratio (now / then - 1), ``None`` when then is 0 or
        unknown (for the rate: its change in relative terms too)."""
        now, then = getattr(self.now, figure), getattr(self.then, figure)
        if now is None or then is None or then == 0:
            return None
        return Decimal(now) / Decimal(then) - 1


@attrs.frozen
class Comparisons:
    """环比 and 同比, each present only when the store holds posts published in that earlier
    period. ``reason`` says why there is none at all: ``"campaign"`` (a campaign report has
    no earlier period), ``"no_period"`` or ``"no_data"``."""

    previous: Comparison | None
    year_earlier: Comparison | None
    reason: str | None = None


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


@attrs.frozen
class DataSource:
    """Where the figures came from, for the appendix: the store (password removed), how
    many records it held and the time of the last one (``None`` when empty)."""

    store: str
    records: int
    last_recorded: datetime | None


@attrs.frozen
class PlatformIndex:
    """One platform's communication index over the report's period, with the counts behind it.

    ``index`` is ``"wci"`` (WeChat: Qingbo WCI, :data:`version`), ``"bci"`` (Weibo) or
    ``"video"`` (short video: libops's own); ``value`` is ``None`` when nothing was published
    on the platform in the scope. ``posts`` are the post variants published (推文篇数,
    发博数, 作品数); ``reach`` the platform's reach count summed (``reach_name``: ``reads``,
    阅读次数, on WeChat and Weibo; ``views``, 播放量, on Douyin); the other counts are the
    latest cumulative counts of those posts summed (from the engagement view, except the WCI's
    own, from the WCI view).
    """

    platform: str
    index: str
    version: str
    value: Decimal | None
    posts: int
    reach_name: str
    reach: int
    likes: int
    comments: int
    shares: int
    engagements: int
    reach_per_post: Decimal | None
    """Reach / posts (篇均阅读 on WeChat), 28 digits."""
    like_rate: Decimal | None
    """Likes / reach (点赞率 = 点赞 ÷ 阅读), 28 digits."""
    engagement_rate: Decimal | None
    """Engagements / reach (互动率), as in the engagement section."""


@attrs.frozen
class WechatReads:
    """The WeChat figures a Chinese report names, from the WCI view's articles in scope."""

    headline_reads: int
    """Reads of the day's headline articles (头条阅读: the day's first published article)."""
    peak_reads: int
    """The highest reads of one article (最高阅读)."""
    over_100k: int
    """Articles with at least 100,000 reads (10万+)."""


@attrs.frozen
class IndexShare:
    """A platform in the weighted index: its weight as given, whether it had an index, and
    the share of the weighted index it carries after renormalisation (``None``: absent)."""

    platform: str
    weight: Decimal
    present: bool
    share: Decimal | None


@attrs.frozen
class Indices:
    """The communication indices (传播力指数) of the report's scope and period.

    Computed by :mod:`libops.report.indices` with :mod:`libops.analysis.indices` and the WCI
    of :mod:`libops.projections.wci`; ``days`` is the length of the period the indices cover
    (the WCI's d). ``weighted`` is the weighted cross-platform index (``None`` when no weighted
    platform has an index), ``weights`` how it was weighted.
    """

    days: int
    platforms: tuple[PlatformIndex, ...]
    wechat: WechatReads | None
    weighted: Decimal | None
    weights: tuple[IndexShare, ...]

    @classmethod
    def none(cls) -> Indices:
        """No indices: a report with nothing published (or built without them)."""
        return cls(days=0, platforms=(), wechat=None, weighted=None, weights=())


# --- the account's standing (issue 14, item 5): rankings, honours, cases, service uses ----


@attrs.frozen
class PeerRank:
    """This library's place in one peer ranking table whose period overlaps the report's:
    ``rank`` of ``entrants`` (名次 / 参评数), its ``value``, and the first row's library
    and value."""

    source: str
    index: str
    platform: str
    """``overall`` or a platform's name."""
    start: date
    end: date
    rank: int
    entrants: int
    value: Decimal
    leader: str
    leader_value: Decimal


@attrs.frozen
class HonourRow:
    """An honour awarded in the report's period (and not withdrawn)."""

    title: str
    awarded_by: str
    awarded_on: date
    note: str


@attrs.frozen
class CaseRow:
    """A typical case (典型案例) in the report's scope: a published post or a campaign."""

    subject_kind: str
    subject_id: str
    title: str
    theme: str
    why: str


@attrs.frozen
class ServiceRow:
    """The online service uses (线上服务人次) of one kind recorded for periods within the
    report's, summed, with the sum by channel."""

    kind: str
    total: int
    by_channel: tuple[tuple[str, int], ...]


@attrs.frozen
class StandingRecords:
    """What the store records of the account's standing, in the report's scope (built by
    :mod:`libops.report.standing` from the standing view)."""

    rankings: tuple[PeerRank, ...] = ()
    honours: tuple[HonourRow, ...] = ()
    cases: tuple[CaseRow, ...] = ()
    services: tuple[ServiceRow, ...] = ()

    @property
    def services_total(self) -> int:
        """Every service use in scope."""
        return sum(row.total for row in self.services)

    @property
    def recorded(self) -> bool:
        """Whether anything of the standing is in scope."""
        return bool(self.rankings or self.honours or self.cases or self.services)


# --- sameness and reuse (issue 17, items 5, 6 and 9): near-duplicates, reuse, 原创 ----------


@attrs.frozen
class SimilarPairRow:
    """A post submitted in scope and the recent post the sameness check found it close to,
    by their titles now (``[redacted]`` for a redacted one), with the score (0 to 100)."""

    post: str
    similar: str
    score: int


@attrs.frozen
class Sameness:
    """What the sameness check found at review in scope (docs/sameness.md)."""

    submitted: int = 0
    near_duplicates: int = 0
    share: Decimal | None = None
    pairs: tuple[SimilarPairRow, ...] = ()


@attrs.frozen
class ReuseCostRow:
    """Production cost per post of reused or of new content, in one currency."""

    reused: bool
    currency: str
    total: Decimal
    posts: int
    per_post: Decimal


@attrs.frozen
class Reuse:
    """Posts published in scope by origin (原创 / 转载) and reuse (复用), and their cost."""

    posts: int = 0
    original: int = 0
    reposted: int = 0
    reused: int = 0
    original_ratio: Decimal | None = None
    reuse_rate: Decimal | None = None
    costs: tuple[ReuseCostRow, ...] = ()


# --- content briefs and topic heat (issue 17, part "briefs and topic heat") --------------


@attrs.frozen
class TopicHeatRow:
    """One topic's heat in the report's scope (see :mod:`libops.projections.topics`)."""

    topic: str
    posts: int
    engagement: int
    reach: int
    peak_day: date | None
    peak: int
    latest_day: date | None
    latest: int
    share: Decimal | None
    """The latest complete day's engagement as a share of the peak (4 places)."""
    days_below: int
    live: bool
    cooling: bool


@attrs.frozen
class TopicHeat:
    """Every topic in scope, as of ``as_of`` (its days before count), with the thresholds."""

    rows: tuple[TopicHeatRow, ...] = ()
    share: Decimal = Decimal("0.4")
    days_below: int = 3
    as_of: date | None = None

    @property
    def cooling(self) -> tuple[TopicHeatRow, ...]:
        """The topics to replace with a fresh one."""
        return tuple(row for row in self.rows if row.cooling)


@attrs.frozen
class BriefCounts:
    """The content briefs due in the report's scope, by how they ended up."""

    planned: int = 0
    """Briefs put on the calendar with a due day in scope."""
    drafted_on_time: int = 0
    drafted_late: int = 0
    overdue: int = 0
    """Planned or in production, their due day passed (by the last recorded day)."""
    dropped: int = 0

    @property
    def recorded(self) -> bool:
        """Whether any brief is in scope."""
        return bool(self.planned or self.dropped)


# --- media and copyright (issue 17, item 8) and checklist items (item 9) -------------------


@attrs.frozen
class CopyrightAssetRow:
    """An asset of the media library used by posts published in scope."""

    title: str
    publishes: int
    licence_kind: str
    expires_on: date | None


@attrs.frozen
class ReviewItemRow:
    """How the reviews in scope answered one checklist item the library added."""

    label_en: str
    label_zh: str
    checked: int
    not_checked: int
    not_applicable: int


@attrs.frozen
class Copyright:
    """Copyright (版权) in scope: the assets published posts used, the licences ending within
    30 days of ``as_of``, the licence findings review raised (by kind), and the answers to
    the checklist items the library added."""

    assets: tuple[CopyrightAssetRow, ...] = ()
    expiring: tuple[CopyrightAssetRow, ...] = ()
    as_of: date | None = None
    findings: tuple[tuple[str, int], ...] = ()
    items: tuple[ReviewItemRow, ...] = ()

    @property
    def recorded(self) -> bool:
        """Whether there is anything to say."""
        return bool(self.assets or self.expiring or self.findings or self.items)


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
    indices: Indices = attrs.field(factory=Indices.none)
    """The communication indices (WCI, BCI, short video, weighted); see :class:`Indices`."""
    summary: tuple[Finding, ...] = ()
    """The executive summary: at most three findings (:mod:`libops.report.summary`)."""
    statistics: tuple[PlatformStatistics, ...] = ()
    wechat_index: WechatIndex | None = None
    comparisons: Comparisons = Comparisons(None, None, "no_period")
    budget_use: BudgetUse = BudgetUse((), Decimal("0.5"), False)
    target_advice: tuple[Finding, ...] = ()
    source: DataSource | None = None
    standing_records: StandingRecords = StandingRecords()
    """Peer rankings, honours, typical cases and online service uses in scope."""
    sameness: Sameness = Sameness()
    """Near-duplicate drafts found at review in scope (issue 17)."""
    reuse: Reuse = Reuse()
    """Original, reposted and reused posts published in scope, and their cost (issue 17)."""
    satisfaction: Satisfaction = attrs.field(factory=lambda: Satisfaction())
    """The satisfaction surveys in scope (issue 17): CSAT, NPS and its interval, rates."""
    topic_heat: TopicHeat = TopicHeat()
    """Each topic's peak, latest day and decline (issue 17)."""
    briefs: BriefCounts = BriefCounts()
    """The content briefs due in scope (issue 17)."""
    training: Training = attrs.field(factory=lambda: Training())
    """The team's training in the period (issue 17, item 7)."""
    copyright: Copyright = Copyright()
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


# --- satisfaction surveys (issue 17, item 1) ---------------------------------------------


@attrs.frozen
class SurveyRow:
    """One survey in the report's scope, from the surveys view: its responses and rate, CSAT,
    NPS with its 95% interval (points), and the change from the survey before it of the same
    target kind (``previous_title`` None when it is the first)."""

    title: str
    target: str
    """``activity``, ``campaign`` or ``account``."""
    day: date
    """The day the survey stands for: the end of an account survey's period, else the day it
    closed (or opened, while it is open)."""
    responses: int
    response_rate: Decimal | None
    csat: Decimal | None
    nps: Decimal | None
    nps_low: Decimal | None
    nps_high: Decimal | None
    previous_title: str | None = None
    csat_change: Decimal | None = None
    """Change of CSAT from the previous survey of the same target kind (a ratio)."""
    nps_change: Decimal | None = None
    """Change of NPS from the previous survey of the same target kind (points)."""


@attrs.frozen
class Satisfaction:
    """The satisfaction surveys in the report's scope, oldest first."""

    surveys: tuple[SurveyRow, ...] = ()

    @property
    def responses(self) -> int:
        """Every response to the surveys in scope."""
        return sum(row.responses for row in self.surveys)


# --- the team and training (issue 17, item 7) --------------------------------------------


@attrs.frozen
class TrainingCourse:
    """A course the team took in the period: who took it (names, or logins) and the hours
    they spent on it together."""

    course: str
    provider: str
    people: tuple[str, ...]
    hours: Decimal


@attrs.frozen
class Training:
    """The team's training in the report's period (all recorded training when it has
    none), from the team view: by course, and the hours in all."""

    courses: tuple[TrainingCourse, ...] = ()

    @property
    def hours(self) -> Decimal:
        """Training hours in all."""
        return sum((c.hours for c in self.courses), Decimal(0))


# --- follower growth from the accounts' imported figures (issue 11: imports, the demo) -----


@attrs.frozen
class FollowerGrowthRow:
    """One account's follower figures over the report's period (粉丝增长), summed from the
    days its platform's user-growth export gave (``libops import``; the ``followers`` view).

    ``days`` is how many days of the period have figures; ``start_total`` the total before
    the period's first recorded day (its total minus its net change), ``end_total`` the total
    on the last; ``growth_rate`` (粉丝增长率) = ``net`` / ``start_total`` (None when unknown
    or 0).
    """

    platform: str
    days: int
    gained: int
    lost: int
    net: int
    start_total: int | None
    end_total: int | None
    growth_rate: Decimal | None


@attrs.frozen
class FollowerGrowth:
    """The accounts' follower growth in the report's period, a row per platform with figures
    (none when no export was imported for those days); ``period_days`` is the period's length.
    """

    rows: tuple[FollowerGrowthRow, ...] = ()
    period_days: int = 0

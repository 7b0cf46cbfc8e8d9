"""The engagement and audience sections as data: engagement, cadence, statistics, the WeChat
index, comparisons, topic heat, content briefs and follower growth."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs


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

"""The evaluation report as data: every section the operations plan asks for, from the views.

:func:`build_report` catches the standard projections up (``ops.projections.run()``), reads
their views and the campaigns' plans, and returns a frozen :class:`Report` holding the raw
figures (``int`` counts, ``Decimal`` money and rates), never text for people: the renderers
(:mod:`libops.report.render`) turn it into Markdown or HTML in English or Chinese. How each
figure is computed is documented on its field and in docs/report.md.

Rates are exact ``Decimal`` values (engagement rates from :mod:`libops.analysis`, 28
significant digits; Q&A and attainment as the views store them, four places). Money is
``Decimal``, summed exactly. A rate whose denominator is 0 is ``None``.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeAlias
from uuid import UUID

import attrs

from libops import analysis
from libops.domain.cadence import CadencePeriod
from libops.domain.errors import InvalidValueError, UnknownIdError
from libops.domain.risk import RiskLevel
from libops.domain.values import Period
from libops.projections.activity import entries as activity_entries
from libops.projections.activity import event_of as activity_event
from libops.projections.budget import cost_effectiveness
from libops.projections.cadence import OVER, UNDER, WITHIN, CadenceComplianceProjection
from libops.projections.engagement import ZONE

if TYPE_CHECKING:
    from libops.bootstrap import LibOps

LANGUAGES: Final = ("en", "zh")
"""The languages a report renders in."""

Figure: TypeAlias = int | Decimal | str | date | None
"""A figure behind a finding: a count, an amount or rate, a name, a day, or unknown."""

LIFECYCLE: Final = {
    "libops:Campaign.Planned": "campaign_planned",
    "libops:Campaign.Launched": "campaign_launched",
    "libops:Campaign.Paused": "campaign_paused",
    "libops:Campaign.Resumed": "campaign_resumed",
    "libops:Campaign.Completed": "campaign_completed",
    "libops:Campaign.Cancelled": "campaign_cancelled",
    "libops:Contest.Drawn": "contest_drawn",
    "libops:ReadingSession.Closed": "session_closed",
    "libops:Budget.Adjusted": "budget_adjusted",
    "libops:Risk.IncidentReported": "incident_reported",
    "libops:Risk.IncidentResolved": "incident_resolved",
    "libops:DataSubject.Erased": "subject_erased",
}
"""The activity-log topics shown as milestones, and the milestone kind each becomes."""

MIN_POSTS_FOR_BEST: Final = 2
"""A content type and posting hour must have at least this many posts to be recommended."""


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


@attrs.frozen
class Background:
    """Who, where and when: the store, the budgets, the period and the campaigns in scope."""

    store: str
    campaign_id: str | None
    period: Period | None
    """The days covered (Asia/Shanghai): given, else the campaign's, else the span of
    publication days in the engagement view (``None`` when nothing was published)."""
    campaigns: tuple[CampaignInfo, ...]
    budgets: tuple[str, ...]
    """The names of the budgets in the budget view."""
    events: int
    """The last notification id of the log when the views were read."""


@attrs.frozen
class ObjectiveResult:
    """One campaign objective against its actual value (from the scorecard view).

    ``attainment`` is actual / target (four places, half-even); ``met`` is actual >= target
    (``None`` when the metric has no computed actual).
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
    """Someone who acted in the period: events recorded under their actor id."""

    actor_id: str
    events: int


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


@attrs.frozen
class Engagement:
    """Engagement by platform, by content type and by ISO week, with the weekly trend."""

    total: EngagementRow
    by_platform: tuple[EngagementRow, ...]
    by_content_type: tuple[EngagementRow, ...]
    by_week: tuple[EngagementRow, ...]
    """Every ISO week from the first to the last publication, empty weeks included."""
    trend_slope: Decimal | None
    """Least-squares slope of the weekly engagement rate (per week), from analysis.trend."""
    trend_direction: str | None


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


@attrs.frozen
class BudgetRow:
    """Allocated, committed, spent and available money of one category or campaign."""

    subject: str
    currency: str
    allocated: Decimal
    committed: Decimal
    spent: Decimal
    available: Decimal


@attrs.frozen
class CostRow:
    """What one spending bought: cost per engagement and per new follower.

    ``kind`` is ``"campaign"`` (spent money on the campaign's budget lines over all its
    posts' engagements, from :func:`libops.projections.budget.cost_effectiveness`) or
    ``"kol"`` (the KOL's agreed fee over the campaign's engagements on the KOL's platform).
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


# --- building it ---------------------------------------------------------------------------


def build_report(
    ops: LibOps,
    *,
    campaign_id: UUID | str | None = None,
    period: Period | tuple[date, date] | None = None,
    lang: str = "en",
) -> Report:
    """Catch the standard projections up and build the report of a campaign or a period.

    ``campaign_id`` limits it to one campaign (:class:`UnknownIdError` if the scorecard has
    no such campaign); ``period`` to the posts published, and the activity recorded, on
    those days (Asia/Shanghai). ``lang`` is the language the renderers use by default.
    Nothing is recorded: the report only reads.
    """
    lang = check_language(lang)
    given = chosen_period = _period(period)  # given: the period asked for, if any
    campaign = None if campaign_id is None else _campaign_key(campaign_id)
    engine = ops.projections
    engine.run()
    scorecard = engine.view("scorecard")
    if campaign is not None and f"campaign:{campaign}" not in scorecard:
        raise UnknownIdError("campaign", campaign)
    campaign_ids = sorted(
        key.removeprefix("campaign:")
        for key in scorecard
        if key.startswith("campaign:") and (campaign is None or key == f"campaign:{campaign}")
    )
    campaigns = tuple(
        _campaign_info(ops, cid, scorecard[f"campaign:{cid}"]) for cid in campaign_ids
    )
    if chosen_period is None and campaign is not None:
        chosen_period = Period(campaigns[0].start, campaigns[0].end)

    engagement_view = engine.view("engagement")
    rows = [
        o
        for o in analysis.observations(engagement_view, include_unmeasured=True)
        if (campaign is None or o.campaign_id == campaign)
        and (chosen_period is None or o.day in chosen_period)
    ]
    if chosen_period is None and rows:
        chosen_period = Period(min(o.day for o in rows), max(o.day for o in rows))

    # Activity is filtered by the day it was recorded only for a period given explicitly:
    # a campaign's period or the span of publications are the days of the posts, and a
    # history recorded with a simulated clock was recorded on other days.
    activity = [
        e
        for e in activity_entries(engine.view("activity"))
        if given is None or _local_day(e["recorded_at"]) in given
    ]
    post_campaigns = {
        key.removeprefix("meta:"): meta.get("campaign_id")
        for key, meta in engagement_view.items()
        if key.startswith("meta:")
    }
    interactions_view = engine.view("interactions")
    risks_view = engine.view("risks")
    budget_view = engine.view("budget")
    signals_view = engine.view("risk_signals")
    related = _related_ids(campaign, post_campaigns, interactions_view, risks_view)
    if related is not None:
        activity = [e for e in activity if e["aggregate_id"] in related]

    background = Background(
        store=ops.config.redacted_url,
        campaign_id=campaign,
        period=chosen_period,
        campaigns=campaigns,
        budgets=tuple(
            sorted(doc["name"] for key, doc in budget_view.items() if key.startswith("budget:"))
        ),
        events=int(ops.app.recorder.max_notification_id() or 0),
    )
    goals = _goals(scorecard, campaign_ids)
    execution = _execution(rows, activity, campaigns, chosen_period)
    engagement = _engagement(rows)
    cadence = _cadence(engine.view("cadence"), chosen_period, rows, campaigns)
    interactions = _interactions(interactions_view, campaign)
    budgets = _budgets(budget_view, engagement_view, campaign, campaigns, rows)
    risks = _risks(risks_view, signals_view, campaign)
    problems = _problems(
        activity,
        interactions,
        risks,
        engagement_view,
        signals_view,
        functools.partial(activity_event, ops),
    )
    judgement = _judgement(goals, engagement, budgets, risks)
    recommendations = _recommendations(
        rows, goals, cadence, interactions, budgets, engagement, risks
    )
    return Report(
        lang=lang,
        background=background,
        goals=goals,
        execution=execution,
        engagement=engagement,
        cadence=cadence,
        interactions=interactions,
        budgets=budgets,
        risks=risks,
        problems=problems,
        judgement=judgement,
        recommendations=recommendations,
    )


def _period(period: object) -> Period | None:
    if period is None or isinstance(period, Period):
        return period
    if isinstance(period, tuple) and len(period) == 2:
        return Period(period[0], period[1])
    raise InvalidValueError(f"a report period is a Period or (start, end) dates, not {period!r}")


def _campaign_key(campaign_id: object) -> str:
    if isinstance(campaign_id, UUID):
        return str(campaign_id)
    if isinstance(campaign_id, str):
        try:
            return str(UUID(campaign_id.strip()))
        except ValueError:
            raise InvalidValueError(f"{campaign_id!r} is not a campaign id (a UUID)") from None
    raise InvalidValueError(f"a campaign id is a UUID, not {type(campaign_id).__name__}")


def _local_day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(ZONE).date()


def _campaign_info(ops: LibOps, campaign_id: str, card: Mapping[str, Any]) -> CampaignInfo:
    """The campaign's plan: the views hold no period or KOL terms, so the campaign is read."""
    found = ops.campaigns.get(campaign_id)
    return CampaignInfo(
        id=campaign_id,
        name=str(card.get("name") or found.name),
        kind=str(card.get("kind") or found.kind.value),
        status=str(card.get("status") or found.status.value),
        start=found.period.start,
        end=found.period.end,
        platforms=tuple(p.value for p in found.platforms),
        kol_partners=tuple(
            KolInfo(k.handle, k.platform.value, k.audience_size, k.fee.amount, k.fee.currency)
            for k in found.kol_partners
        ),
    )


def _related_ids(
    campaign: str | None,
    post_campaigns: Mapping[str, Any],
    interactions: Mapping[str, Any],
    risks: Mapping[str, Any],
) -> set[str] | None:
    """The aggregates whose activity belongs to ``campaign`` (None: every aggregate)."""
    if campaign is None:
        return None
    related = {campaign}
    related |= {post for post, owner in post_campaigns.items() if owner == campaign}
    for view, prefixes in ((interactions, ("contest:", "session:")), (risks, ("risk:",))):
        for key, doc in view.items():
            if key.startswith(prefixes) and doc.get("campaign_id") == campaign:
                related.add(key.split(":", 1)[1])
    return related


def _goals(
    scorecard: Mapping[str, Any], campaign_ids: Sequence[str]
) -> tuple[ObjectiveResult, ...]:
    goals = []
    for cid in campaign_ids:
        card = scorecard[f"campaign:{cid}"]
        for objective in card["objectives"]:
            actual = objective["actual"]
            target = Decimal(objective["target"])
            goals.append(
                ObjectiveResult(
                    campaign_id=cid,
                    campaign=str(card["name"]),
                    metric=objective["metric"],
                    platform=objective["platform"],
                    target=target,
                    actual=actual,
                    attainment=None
                    if objective["attainment"] is None
                    else Decimal(objective["attainment"]),
                    met=None if actual is None else Decimal(actual) >= target,
                )
            )
    return tuple(goals)


def _execution(
    rows: Sequence[analysis.Observation],
    activity: Sequence[Mapping[str, Any]],
    campaigns: Sequence[CampaignInfo],
    period: Period | None,
) -> Execution:
    """Dates, people, posts and milestones.

    Milestones are each campaign's planned start and end, the first and last publication,
    and the steps of :data:`LIFECYCLE` on the day they were recorded, when that day lies in
    the report's period (a history recorded with a simulated clock was recorded on other
    days than it simulates).
    """
    people = Counter(e["actor_id"] for e in activity)
    posts = Counter((o.platform, o.content_type) for o in rows)
    names = {c.id: c.name for c in campaigns}
    milestones = [
        Milestone(day, kind, c.name)
        for c in campaigns
        for day, kind in ((c.start, "period_start"), (c.end, "period_end"))
    ]
    milestones += [
        Milestone(day, LIFECYCLE[e["topic"]], names.get(e["aggregate_id"], e["aggregate_type"]))
        for e in activity
        if e["topic"] in LIFECYCLE
        and (period is None or (day := _local_day(e["recorded_at"])) in period)
    ]
    days = sorted(o.day for o in rows)
    if days:
        milestones += [
            Milestone(days[0], "first_publication", ""),
            Milestone(days[-1], "last_publication", ""),
        ]
    milestones.sort(key=lambda m: (m.day, m.kind, m.subject))
    return Execution(
        first_publication=days[0] if days else None,
        last_publication=days[-1] if days else None,
        people=tuple(Person(a, n) for a, n in sorted(people.items(), key=lambda i: (-i[1], i[0]))),
        posts=tuple(PostCount(p, t, n) for (p, t), n in sorted(posts.items())),
        posts_total=len(rows),
        milestones=tuple(milestones),
    )


def _row(g: analysis.Group, key: str | None = None) -> EngagementRow:
    return EngagementRow(
        key=str(g.key[0]) if key is None else key,
        posts=g.posts,
        reach=g.reach,
        engagements=g.engagements,
        followers_gained=g.followers_gained,
        engagement_rate=g.engagement_rate,
    )


def _engagement(rows: Sequence[analysis.Observation]) -> Engagement:
    trend = analysis.trend(rows)
    return Engagement(
        total=_row(analysis.total(rows), "all"),
        by_platform=tuple(_row(g) for g in analysis.group(rows, "platform")),
        by_content_type=tuple(_row(g) for g in analysis.group(rows, "content_type")),
        by_week=tuple(
            EngagementRow(
                p.week, p.posts, p.reach, p.engagements, p.followers_gained, p.engagement_rate
            )
            for p in trend.weeks
        ),
        trend_slope=trend.slope,
        trend_direction=trend.direction,
    )


def _cadence(
    view: Mapping[str, Any],
    period: Period | None,
    rows: Sequence[analysis.Observation],
    campaigns: Sequence[CampaignInfo],
) -> tuple[CadenceRow, ...]:
    """Periods under, within and over the policy, per platform and day or week.

    A period counts when it lies wholly inside the report's period (every period in the
    view when there is none). A day or week in it without a publication has no document in
    the view: it counts as under when the rule has a minimum.
    """
    policy = CadenceComplianceProjection.POLICY
    platforms = {o.platform for o in rows} | {p for c in campaigns for p in c.platforms}
    statuses: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc in view.values():
        first, last = date.fromisoformat(doc["period_start"]), date.fromisoformat(doc["period_end"])
        if period is not None and not (period.start <= first and last <= period.end):
            continue
        if doc["status"] is None:
            continue
        platforms.add(doc["platform"])
        statuses[(doc["platform"], doc["per"])][doc["status"]] += 1
        seen[(doc["platform"], doc["per"])].add(doc["period_start"])
    result = []
    for platform in sorted(platforms):
        for rule in sorted(policy.rules_for(platform), key=lambda r: r.per.value):
            per = rule.per.value
            counts = statuses[(platform, per)]
            if period is not None and rule.minimum:
                for first in _periods(rule.per, period):
                    if first.isoformat() not in seen[(platform, per)]:
                        counts[UNDER] += 1
            total = sum(counts.values())
            result.append(
                CadenceRow(
                    platform,
                    per,
                    rule.minimum,
                    rule.maximum,
                    total,
                    counts[UNDER],
                    counts[WITHIN],
                    counts[OVER],
                )
            )
    return tuple(result)


def _periods(per: CadencePeriod, period: Period) -> Iterable[date]:
    """The first days of the days or ISO weeks lying wholly inside ``period``."""
    if per is CadencePeriod.DAY:
        for offset in range((period.end - period.start).days + 1):
            yield period.start + timedelta(days=offset)
        return
    monday = period.start + timedelta(days=(7 - period.start.weekday()) % 7)
    while monday + timedelta(days=6) <= period.end:
        yield monday
        monday += timedelta(days=7)


def _interactions(view: Mapping[str, Any], campaign: str | None) -> Interactions:
    participants = view.get("participants") or {"total": 0, "by_kind": {}}
    qa = view.get("qa") or {}
    moderation = view.get("moderation") or {}
    contests = [
        d
        for k, d in view.items()
        if k.startswith("contest:") and (campaign is None or d["campaign_id"] == campaign)
    ]
    sessions = [
        d
        for k, d in view.items()
        if k.startswith("session:") and (campaign is None or d["campaign_id"] == campaign)
    ]
    median = qa.get("median_response_seconds")
    return Interactions(
        participants=int(participants["total"]),
        participants_by_kind=tuple(sorted(participants["by_kind"].items())),
        questions=int(qa.get("received", 0)),
        answered=int(qa.get("answered", 0)),
        escalated=int(qa.get("escalated", 0)),
        answer_rate=None if qa.get("answer_rate") is None else Decimal(qa["answer_rate"]),
        median_response_seconds=None if median is None else Decimal(median),
        p90_response_seconds=qa.get("p90_response_seconds"),
        contests=len(contests),
        contest_entries=sum(d["entries"] for d in contests),
        disqualified=sum(d["disqualified"] for d in contests),
        sessions=len(sessions),
        registrations=sum(d["registered"] for d in sessions),
        attendance=sum(d["attended"] for d in sessions),
        contributions=sum(d["contributions"] for d in sessions),
        moderation=tuple(sorted(moderation.items())),
        moderation_total=sum(moderation.values()),
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
        BudgetRow(subject, currency, **amounts)
        for (subject, currency), amounts in sorted(sums.items(), key=lambda i: (i[0][1], i[0][0]))
    )


def _budgets(
    view: Mapping[str, Any],
    engagement_view: Mapping[str, Any],
    campaign: str | None,
    campaigns: Sequence[CampaignInfo],
    rows: Sequence[analysis.Observation],
) -> Budgets:
    names = {c.id: c.name for c in campaigns}
    if campaign is None:
        categories = [(d["category"], d) for k, d in view.items() if k.startswith("category:")]
    else:
        categories = [
            (d["category"], d)
            for k, d in view.items()
            if k.startswith("line:") and d["campaign_id"] == campaign
        ]
    by_campaign = [
        (names.get(d["campaign_id"], d["campaign_id"]), {**amounts, "currency": currency})
        for k, d in view.items()
        if k.startswith("campaign:") and (campaign is None or d["campaign_id"] == campaign)
        for currency, amounts in d["by_currency"].items()
    ]
    by_category = _sum_rows(categories)
    totals = _sum_rows(("all", {**_row_doc(r)}) for r in by_category)
    costs: list[CostRow] = []
    for cid, found in cost_effectiveness(view, engagement_view).items():
        if campaign is not None and cid != campaign:
            continue
        for currency, figures in found["by_currency"].items():
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
                )
            )
    for info in campaigns:
        for kol in info.kol_partners:
            mine = [o for o in rows if o.campaign_id == info.id and o.platform == kol.platform]
            engagements = sum(o.engagements for o in mine)
            followers = sum(o.followers_gained or 0 for o in mine)
            costs.append(
                CostRow(
                    "kol",
                    kol.handle,
                    kol.platform,
                    kol.currency,
                    kol.fee,
                    engagements,
                    followers,
                    _per(kol.fee, engagements),
                    _per(kol.fee, followers),
                )
            )
    return Budgets(by_category, _sum_rows(by_campaign), totals, tuple(costs))


def _row_doc(row: BudgetRow) -> dict[str, Any]:
    return {"currency": row.currency, **{name: getattr(row, name) for name in _AMOUNTS}}


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _per(amount: Decimal, count: int) -> Decimal | None:
    """``amount / count`` to four places (half-even), as the budget projection's costs."""
    if count <= 0:
        return None
    return (amount / Decimal(count)).quantize(Decimal("0.0001"))


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
        key=lambda i: (i.started_at, i.risk, i.number),
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
                    for d in chosen.values()
                ),
                key=lambda r: (-r.score, r.title),
            )
        ),
        open_incidents=tuple(incidents),
        signals=tuple(sorted(fired.items())),
    )


def _problems(
    activity: Sequence[Mapping[str, Any]],
    interactions: Interactions,
    risks: Risks,
    engagement_view: Mapping[str, Any],
    signals_view: Mapping[str, Any],
    event_of: Callable[[Mapping[str, Any]], Any],
) -> tuple[Finding, ...]:
    """Problems met and how they were solved, each from the activity log and the views
    (``event_of`` reads an entry's event from the log, where the entry says too little)."""
    by_event: Counter[str] = Counter(e["topic"] for e in activity)
    found: list[Finding] = []

    failures = [e for e in activity if e["topic"] == "libops:Post.PublishFailed"]
    if failures:
        # A failed variant was published later if the engagement view holds it as published.
        published_later = 0
        for failure in failures:
            platform = event_of(failure).platform.value
            if f"post:{failure['aggregate_id']}:{platform}" in engagement_view:
                published_later += 1
        found.append(
            Finding(
                "publish_failed",
                (
                    ("failures", len(failures)),
                    ("posts", len({e["aggregate_id"] for e in failures})),
                    ("published_later", published_later),
                ),
            )
        )
    requested = by_event["libops:Post.ChangesRequested"]
    if requested:
        sent_back = {
            e["aggregate_id"] for e in activity if e["topic"] == "libops:Post.ChangesRequested"
        }
        approved = {e["aggregate_id"] for e in activity if e["topic"] == "libops:Post.Approved"}
        found.append(
            Finding(
                "changes_requested",
                (
                    ("changes_requested", requested),
                    ("posts", len(sent_back)),
                    ("approved_after", len(sent_back & approved)),
                ),
            )
        )
    reported = by_event["libops:Risk.IncidentReported"]
    if reported:
        found.append(
            Finding(
                "incidents",
                (
                    ("reported", reported),
                    ("resolved", by_event["libops:Risk.IncidentResolved"]),
                    ("open", len(risks.open_incidents)),
                ),
            )
        )
    if interactions.escalated or interactions.questions > interactions.answered:
        found.append(
            Finding(
                "questions_escalated",
                (
                    ("questions", interactions.questions),
                    ("answered", interactions.answered),
                    ("escalated", interactions.escalated),
                    ("unanswered", interactions.questions - interactions.answered),
                ),
            )
        )
    adjusted = by_event["libops:Budget.Adjusted"]
    overrides = sum(
        1
        for e in activity
        if e["topic"] in ("libops:Budget.ExpenseRecorded", "libops:Budget.Committed")
        and event_of(e).override_reason is not None
    )
    overspend_signals = sum(
        int(doc.get("firings", 0))
        for key, doc in signals_view.items()
        if key.startswith("scope:overspend:")
    )
    if adjusted or overrides or overspend_signals:
        found.append(
            Finding(
                "budget_pressure",
                (
                    ("adjustments", adjusted),
                    ("overrides", overrides),
                    ("overspend_signals", overspend_signals),
                ),
            )
        )
    sanctions = dict(interactions.moderation)
    hidden = sanctions.get("hidden", 0)
    if hidden:
        found.append(
            Finding(
                "moderation",
                (
                    ("hidden", hidden),
                    ("warned", sanctions.get("warned", 0)),
                    (
                        "sanctioned",
                        sanctions.get("sanctioned", 0)
                        + sanctions.get("sanctioned_automatically", 0),
                    ),
                ),
            )
        )
    erased = by_event["libops:DataSubject.Erased"]
    if erased:
        found.append(Finding("erasures", (("erased", erased),)))
    return tuple(found)


def _judgement(
    goals: Sequence[ObjectiveResult], engagement: Engagement, budgets: Budgets, risks: Risks
) -> Judgement:
    measured = [g for g in goals if g.met is not None]
    met = sum(1 for g in measured if g.met)
    if not measured:
        verdict = "no_objectives"
    elif met == len(measured):
        verdict = "all_met"
    elif met * 2 >= len(measured):
        verdict = "most_met"
    elif met:
        verdict = "few_met"
    else:
        verdict = "none_met"
    total = engagement.total
    return Judgement(
        objectives_total=len(goals),
        objectives_met=met,
        objectives_unmeasured=len(goals) - len(measured),
        verdict=verdict,
        posts=total.posts,
        engagements=total.engagements,
        reach=total.reach,
        engagement_rate=total.engagement_rate,
        spent=tuple((row.currency, row.spent) for row in budgets.totals),
        open_risks=risks.open_risks,
    )


def _recommendations(
    rows: Sequence[analysis.Observation],
    goals: Sequence[ObjectiveResult],
    cadence: Sequence[CadenceRow],
    interactions: Interactions,
    budgets: Budgets,
    engagement: Engagement,
    risks: Risks,
) -> tuple[Finding, ...]:
    """Recommendations and next actions, each derived from figures it states."""
    found: list[Finding] = []
    ranking = analysis.compare(rows, ("content_type", "hour"), min_posts=MIN_POSTS_FOR_BEST)
    best = ranking.best
    if best is not None and best.group.engagement_rate is not None:
        g = best.group
        found.append(
            Finding(
                "best_slot",
                (
                    ("content_type", str(g.key[0])),
                    ("hour", int(g.key[1])),
                    ("posts", g.posts),
                    ("engagements", g.engagements),
                    ("reach", g.reach),
                    ("rate", g.engagement_rate),
                ),
            )
        )
    rated = [r for r in engagement.by_content_type if r.engagement_rate is not None]
    if len(rated) >= 2:
        low = min(rated, key=lambda r: (r.engagement_rate, r.key))
        high = max(rated, key=lambda r: (r.engagement_rate, r.key))
        found.append(
            Finding(
                "weakest_content",
                (
                    ("content_type", low.key),
                    ("posts", low.posts),
                    ("rate", low.engagement_rate),
                    ("best_content_type", high.key),
                    ("best_rate", high.engagement_rate),
                ),
            )
        )
    for row in cadence:
        if row.periods and (row.under or row.over):
            found.append(
                Finding(
                    "cadence",
                    (
                        ("platform", row.platform),
                        ("per", row.per),
                        ("under", row.under),
                        ("over", row.over),
                        ("periods", row.periods),
                        ("minimum", row.minimum),
                        ("maximum", row.maximum),
                    ),
                )
            )
    for goal in goals:
        if goal.met is False:
            found.append(
                Finding(
                    "objective_missed",
                    (
                        ("campaign", goal.campaign),
                        ("metric", goal.metric),
                        ("platform", goal.platform),
                        ("actual", goal.actual),
                        ("target", goal.target),
                        ("attainment", goal.attainment),
                    ),
                )
            )
    priced = [c for c in budgets.costs if c.cost_per_engagement is not None]
    if priced:
        worst = max(priced, key=lambda c: (c.cost_per_engagement, c.subject))
        found.append(
            Finding(
                "least_cost_effective",
                (
                    ("subject", worst.subject),
                    ("kind", worst.kind),
                    ("currency", worst.currency),
                    ("spent", worst.spent),
                    ("engagements", worst.engagements),
                    ("cost_per_engagement", worst.cost_per_engagement),
                ),
            )
        )
    if interactions.questions and (interactions.escalated or interactions.answer_rate != 1):
        found.append(
            Finding(
                "answer_questions",
                (
                    ("questions", interactions.questions),
                    ("answered", interactions.answered),
                    ("answer_rate", interactions.answer_rate),
                    ("escalated", interactions.escalated),
                    ("p90_response_seconds", interactions.p90_response_seconds),
                ),
            )
        )
    if engagement.trend_direction == "falling" and engagement.trend_slope is not None:
        found.append(
            Finding(
                "falling_trend",
                (
                    ("weeks", len(engagement.by_week)),
                    ("slope", engagement.trend_slope),
                ),
            )
        )
    serious = sum(n for level, n in risks.by_level if level in ("high", "critical"))
    if serious:
        found.append(
            Finding(
                "review_risks",
                (
                    ("serious", serious),
                    ("open", risks.open_risks),
                    ("escalated", risks.escalated),
                ),
            )
        )
    return tuple(found)

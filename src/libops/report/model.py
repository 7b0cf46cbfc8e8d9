"""The evaluation report as data: every section the operations plan asks for, from the views.

:func:`build_report` catches the standard projections up (``ops.projections.run()``), reads
their views and the campaigns' plans, and returns a frozen :class:`Report` holding the raw
figures (``int`` counts, ``Decimal`` money and rates), never text for people: the renderers
(:mod:`libops.report.render`) turn it into Markdown or HTML in English or Chinese. How each
figure is computed is documented on its field and in docs/report.md.

The section classes are in :mod:`libops.report.sections` (re-exported here); each section is
built by :mod:`~libops.report.results` (goals, execution, engagement, cadence,
interactions), :mod:`~libops.report.money_risks` (budgets, risks) or
:mod:`~libops.report.findings` (problems, judgement, recommendations).

Rates are exact ``Decimal`` values (engagement rates from :mod:`libops.analysis`, 28
significant digits; Q&A and attainment as the views store them, four places). Money is
``Decimal``, summed exactly. A rate whose denominator is 0 is ``None``.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs

from libops import analysis
from libops.domain.errors import InvalidValueError, UnknownIdError
from libops.domain.values import Actor, Period, require_line
from libops.projections.activity import entries as activity_entries
from libops.projections.activity import event_of as activity_event
from libops.projections.media import NAME as MEDIA
from libops.projections.reuse import NAME as REUSE
from libops.report.budget_use import _budget_use
from libops.report.comparisons import _comparisons
from libops.report.copyright import copyright_section
from libops.report.findings import MIN_POSTS_FOR_BEST, _judgement, _problems, _recommendations
from libops.report.followers import follower_growth
from libops.report.indices import _indices
from libops.report.money_risks import _budgets, _risks
from libops.report.results import (
    LIFECYCLE,
    _cadence,
    _engagement,
    _execution,
    _goals,
    _interactions,
    _local_day,
)
from libops.report.reuse import _reuse, _sameness
from libops.report.satisfaction import satisfaction as _satisfaction
from libops.report.sections import (
    LANGUAGES,
    REPORT_KINDS,
    Background,
    BudgetLine,
    BudgetRow,
    Budgets,
    BudgetUse,
    CadenceRow,
    CampaignInfo,
    Comparison,
    Comparisons,
    CorrelationRow,
    CostRow,
    DataSource,
    Distribution,
    Engagement,
    EngagementRow,
    Execution,
    Figure,
    Finding,
    Headline,
    IncidentRow,
    Interactions,
    Judgement,
    KolInfo,
    Milestone,
    ObjectiveResult,
    Person,
    PlatformStatistics,
    PostCount,
    Report,
    RiskRow,
    Risks,
    WciWeek,
    WechatIndex,
    check_language,
)
from libops.report.standing import _standing_records
from libops.report.statistics import _statistics
from libops.report.summary import _summary, _target_advice, report_kind
from libops.report.team import training, with_duties
from libops.report.topics import _brief_counts, _topic_heat
from libops.report.wechat_index import _wechat_index

if TYPE_CHECKING:
    from libops.bootstrap import LibOps

__all__ = [
    "LANGUAGES",
    "LIFECYCLE",
    "MIN_POSTS_FOR_BEST",
    "REPORT_KINDS",
    "Background",
    "BudgetLine",
    "BudgetRow",
    "BudgetUse",
    "Budgets",
    "CadenceRow",
    "CampaignInfo",
    "Comparison",
    "Comparisons",
    "CorrelationRow",
    "CostRow",
    "DataSource",
    "Distribution",
    "Engagement",
    "EngagementRow",
    "Execution",
    "Figure",
    "Finding",
    "Headline",
    "IncidentRow",
    "Interactions",
    "Judgement",
    "KolInfo",
    "Milestone",
    "ObjectiveResult",
    "Person",
    "PlatformStatistics",
    "PostCount",
    "Report",
    "RiskRow",
    "Risks",
    "WciWeek",
    "WechatIndex",
    "build_report",
    "check_language",
]


def build_report(
    ops: LibOps,
    *,
    campaign_id: UUID | str | None = None,
    period: Period | tuple[date, date] | None = None,
    lang: str = "en",
    index_weights: analysis.IndexWeights | None = None,
    library: str | None = None,
    people: Iterable[Actor] = (),
) -> Report:
    """Catch the standard projections up and build the report of a campaign or a period.

    ``campaign_id`` limits it to one campaign (:class:`UnknownIdError` if the scorecard has
    no such campaign); ``period`` to the posts published, and the activity recorded, on
    those days (Asia/Shanghai). ``lang`` is the language the renderers use by default.
    ``index_weights`` weighs the platforms' indices in the cross-platform index (platform ->
    weight; default 微信 40 / 微博 25 / 抖音 20; bad weights raise ``IndexWeightsError``).
    ``library`` is the library's name for the title (one line of text); ``people`` the
    team's :class:`~libops.domain.values.Actor` records, whose names and roles the report
    shows for their ids (events record only an actor's id); the store's users (``libops users
    add``) are known without it, and ``people`` wins where both name someone. Nothing is
    recorded: the report only reads.
    """
    lang = check_language(lang)
    library = None if library is None else require_line("the library's name", library)
    team = {**_users(ops), **_team(people)}
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
    campaigns = _labelled(
        _campaign_info(ops, cid, scorecard[f"campaign:{cid}"]) for cid in campaign_ids
    )
    campaign_ids = [c.id for c in campaigns]
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
        # The span of what libops published; posts recorded from analytics exports (published
        # outside libops, often long before) widen it only when libops published nothing.
        own = [o for o in rows if not engagement_view.get(f"meta:{o.post_id}", {}).get("external")]
        spanned = own or rows
        chosen_period = Period(min(o.day for o in spanned), max(o.day for o in spanned))
        rows = [o for o in rows if o.day in chosen_period]

    # Activity is filtered by the day it was recorded only for a period given explicitly:
    # a campaign's period or the span of publications are the days of the posts, and a
    # history recorded with a simulated clock was recorded on other days.
    logged = activity_entries(engine.view("activity"))
    last_recorded = datetime.fromisoformat(logged[-1]["recorded_at"]) if logged else None
    activity = [e for e in logged if given is None or _local_day(e["recorded_at"]) in given]
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
        library=library,
        kind=report_kind(chosen_period, campaign),
    )
    goals = _goals(scorecard, campaigns)
    execution = _named(_execution(rows, activity, campaigns, chosen_period), team)
    execution = with_duties(execution, engine.view("team"))  # the team (issue 17)
    engagement = _engagement(rows, chosen_period)
    cadence = _cadence(engine.view("cadence"), chosen_period, rows, campaigns)
    interactions = _interactions(interactions_view, campaign, chosen_period)
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
    comparisons = _comparisons(
        analysis.observations(engagement_view, include_unmeasured=True),
        rows,
        chosen_period,
        campaign,
        background.kind,
    )
    budget_use = _budget_use(
        budget_view,
        campaign,
        campaigns,
        _budget_periods(ops, budget_view),
        None if last_recorded is None else _local_day(last_recorded.isoformat()),
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
        indices=_indices(engine.view("wci"), rows, chosen_period, index_weights),
        summary=_summary(goals, engagement, comparisons, risks, budget_use),
        statistics=_statistics(rows),
        wechat_index=_wechat_index(
            engine.view("wci"), (o.post_id for o in rows if o.platform == "wechat"), chosen_period
        ),
        comparisons=comparisons,
        budget_use=budget_use,
        target_advice=_target_advice(goals),
        source=DataSource(background.store, background.events, last_recorded),
        standing_records=_standing_records(
            engine.view("standing"),
            chosen_period,
            campaign,
            campaigns,
            {o.post_id for o in rows},
            post_campaigns,
        ),
        # Issue 17: by the days of submission and first publication, in a period given.
        sameness=_sameness(ops, engine.view(REUSE), given, campaign),
        reuse=_reuse(engine.view(REUSE), given, campaign),
        # Satisfaction surveys (issue 17): by campaign, or by the period asked for.
        satisfaction=_satisfaction(engine.view("surveys"), interactions_view, given, campaign),
        # Content briefs and topic heat (issue 17).
        topic_heat=_topic_heat(engine.view("topics"), chosen_period, campaign),
        briefs=_brief_counts(
            ops.briefs.list(),
            chosen_period,
            campaign,
            None if last_recorded is None else _local_day(last_recorded.isoformat()),
        ),
        # The team's training (issue 17, item 7), in the report's period.
        training=training(engine.view("team"), chosen_period, team),
        # Media and copyright, checklist items the library added (issue 17).
        copyright=copyright_section(
            engine.view(MEDIA),
            ops.review_items.list(),
            chosen_period,
            chosen_period.end
            if chosen_period is not None
            else (None if last_recorded is None else _local_day(last_recorded.isoformat())),
        ),
        # Follower growth from the accounts' imported figures (issue 11).
        followers=follower_growth(engine.view("followers"), chosen_period),
    )


def _budget_periods(ops: LibOps, view: Mapping[str, Any]) -> dict[str, Period]:
    """Each budget's period, by id: the view holds none, so the budgets are read."""
    periods = {}
    for key in view:
        if key.startswith("budget:"):
            budget_id = key.removeprefix("budget:")
            periods[budget_id] = ops.budgets.get(budget_id).period
    return periods


def _team(people: Iterable[Actor]) -> dict[str, Actor]:
    """The team's actors by id (:class:`InvalidValueError` for anything else)."""
    if isinstance(people, str | bytes | Actor) or not isinstance(people, Iterable):
        raise InvalidValueError(
            f"people must be a list of Actor records, not {type(people).__name__}"
        )
    team = {}
    for person in people:
        if not isinstance(person, Actor):
            raise InvalidValueError(
                f"people must be Actor records (id, roles, name), not {type(person).__name__}"
            )
        team[person.id] = person
    return team


def _users(ops: LibOps) -> dict[str, Actor]:
    """The store's users by login (their actor id): names and roles, disabled ones too (the
    report is about what they did)."""
    team = {}
    for login in ops.users.logins():
        user = ops.users.find(login)
        if user is not None:
            team[login] = user.actor()
    return team


def _named(execution: Execution, team: Mapping[str, Actor]) -> Execution:
    """The execution section with each person's name and roles, when the team gives them."""
    people = []
    for person in execution.people:
        found = team.get(person.actor_id)
        if found is None:
            people.append(person)
            continue
        people.append(
            attrs.evolve(
                person,
                name=found.name or None,
                roles=tuple(sorted(r.value for r in found.roles)),
            )
        )
    return attrs.evolve(execution, people=tuple(people))


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


def _labelled(found: Iterable[CampaignInfo]) -> tuple[CampaignInfo, ...]:
    """The campaigns in a stable order (start, end, name, kind; the id, random, only breaks
    a tie of them all), each labelled so that a reader tells apart those sharing a name."""
    ordered = sorted(found, key=lambda c: (c.start, c.end, c.name, c.kind, c.id))
    names = Counter(c.name for c in ordered)
    dated = [
        c.name if names[c.name] == 1 else f"{c.name} ({c.start.isoformat()} – {c.end.isoformat()})"
        for c in ordered
    ]
    repeats = Counter(dated)
    seen: Counter[str] = Counter()
    labelled = []
    for info, label in zip(ordered, dated, strict=True):
        seen[label] += 1
        if repeats[label] > 1:
            label = f"{label} #{seen[label]}"
        labelled.append(attrs.evolve(info, label=label))
    return tuple(labelled)


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

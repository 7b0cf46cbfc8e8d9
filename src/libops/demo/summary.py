"""What a run of the demo says it did: the summary, read back from the store, and its text."""

from __future__ import annotations

import statistics
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from libops.bootstrap import LibOps
from libops.demo.exports import ImportSummary, import_lines
from libops.demo.setting import PLATFORMS, quarters_label
from libops.domain.interaction.moderation import ModerationAction
from libops.domain.post import PlatformStatus
from libops.domain.risk import Risk
from libops.wording import plural

if TYPE_CHECKING:
    from libops.demo.quarter import Quarter
    from libops.demo.simulation import Simulation


@attrs.frozen
class CampaignSummary:
    """One campaign the demo ran."""

    id: str
    name: str
    kind: str
    platforms: list[str]
    start: str
    end: str
    status: str
    posts: int


@attrs.frozen
class ReaderSummary:
    """What the demo did with readers: questions, reading sessions, contests, moderation.

    Each figure counts what the report's interaction section counts (read from the stored
    aggregates, not from what the simulation meant to do): ``readers`` is the distinct
    participants recorded (askers, registrants, recorded entrants, readers moderation acted
    on), as the report's "distinct participants"; ``contest_refused`` is the quiz answers
    refused at the door (wrong answers: nothing is recorded, so no report counts them), apart
    from ``contest_disqualified`` (recorded entries disqualified later, the report's
    "disqualified"); ``moderation_actions`` is every step of every conduct record, automatic
    sanctions included (the report's "moderation actions"), ``moderation_by_kind`` the same
    by kind, ``staff_sanctions`` and ``automatic_sanctions`` the two kinds of sanction.
    """

    readers: int
    questions: int
    answered: int
    escalated: int
    median_response_minutes: float
    session_registrations: int
    session_attended: int
    contest_entries: int
    contest_refused: int
    contest_disqualified: int
    winners: int
    draws_verified: int
    draws: int
    moderation_actions: int
    moderation_by_kind: dict[str, int]
    staff_sanctions: int
    automatic_sanctions: int
    erasures: int


@attrs.frozen
class MoneySummary:
    """What the demo did with the budgets (one per quarter)."""

    currency: str
    allocated: str
    committed: str
    spent: str
    available: str
    kol_fees: str
    expenses: int
    adjustments: int
    overspends_refused: int


@attrs.frozen
class RiskSummary:
    """The risks in the store after the run (``open``: not closed, as the report's "open
    risks"), and their incidents."""

    risks: int
    open: int
    escalated: int
    incidents: int
    open_incidents: int
    from_signals: int


@attrs.frozen
class StandingSummary:
    """The account's standing the store records (docs/standing.md): monthly rankings (the
    library's rank of how many, by month), honours, typical cases and online service uses."""

    ranks: list[str]
    honours: int
    typical_cases: int
    service_uses: int


@attrs.frozen
class DemoSummary:
    """What one run of the demo did (figures about the store are the same on a rerun)."""

    store: str
    seed: int
    scale: int
    quarters: str
    start: str
    end: str
    posts: int
    variants: int
    published: int
    failures: int
    changes_requested: int
    cadence_warnings: int
    cadence_over_max: int
    metrics_recorded: int
    metrics_corrected: int
    metrics_unchanged: int
    content_types: dict[str, int]
    formats: dict[str, int]
    events_before: int
    events_after: int
    totals_by_platform: dict[str, dict[str, int]]
    reach_by_platform: dict[str, int]
    engagements_by_platform: dict[str, int]
    campaigns: list[CampaignSummary]
    readers: ReaderSummary
    money: MoneySummary
    risks: RiskSummary
    standing: StandingSummary
    projected: bool
    report: str | None
    report_note: str | None
    imports: list[ImportSummary] = attrs.field(factory=list)
    """What the run did with the library's shipped WeChat exports (:mod:`libops.demo.exports`)."""

    @property
    def new_events(self) -> int:
        """How many events this run recorded."""
        return self.events_after - self.events_before


def summarise(
    ops: LibOps,
    sim: Simulation,
    quarters: list[Quarter],
    seed: int,
    scale: int,
    events_before: int,
    events_after: int,
    from_signals: int,
    projected: bool,
    report: str | None,
    note: str | None,
    imports: list[ImportSummary] | None = None,
) -> DemoSummary:
    """What the run did, read back from the store and the simulation's tally."""
    tally = sim.tally
    totals: dict[str, Counter[str]] = {p.value: Counter() for p in PLATFORMS}
    content_types: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    per_campaign: Counter[UUID] = Counter()
    variants = published = 0
    for quarter in quarters:
        for post_id in quarter.post_ids.values():
            post = ops.posts.get(post_id)
            content_types[post.content_type.value] += 1
            formats[post.format.value] += 1
            if post.campaign_id is not None:
                per_campaign[post.campaign_id] += 1
            for platform in post.platforms:
                variants += 1
                if post.platform_status(platform) is PlatformStatus.PUBLISHED:
                    published += 1
                snapshot = post.latest_metrics(platform)
                if snapshot is not None:
                    for name, value in snapshot.counts().items():
                        totals[platform.value][name] += value or 0
    campaigns = []
    for quarter in quarters:
        for campaign_id in quarter.campaigns.values():
            campaign = ops.campaigns.get(campaign_id)
            campaigns.append(
                CampaignSummary(
                    id=str(campaign_id),
                    name=campaign.name,
                    kind=campaign.kind.value,
                    platforms=[p.value for p in campaign.platforms],
                    start=campaign.period.start.isoformat(),
                    end=campaign.period.end.isoformat(),
                    status=campaign.status.value,
                    posts=per_campaign[campaign_id],
                )
            )
    minutes = sorted(tally.response_minutes)
    entries = disqualified = 0
    for contest_id in dict.fromkeys(tally.contests):
        recorded = ops.contests.get(contest_id).entries
        entries += len(recorded)
        disqualified += sum(1 for entry in recorded if not entry.eligible)
    moderation: Counter[str] = Counter()
    for subject in sorted(tally.moderated):
        record = ops.moderation.record(subject)
        if record is not None:
            moderation.update(step.action.value for step in record.steps)
    readers = ReaderSummary(
        readers=len(tally.participants),
        questions=tally.questions,
        answered=len(minutes),
        escalated=tally.escalated,
        median_response_minutes=round(statistics.median(minutes), 1) if minutes else 0.0,
        session_registrations=tally.registrations,
        session_attended=tally.attended,
        contest_entries=entries,
        contest_refused=tally.refused,
        contest_disqualified=disqualified,
        winners=tally.winners,
        draws=tally.draws,
        draws_verified=tally.draws_verified,
        moderation_actions=sum(moderation.values()),
        moderation_by_kind=dict(sorted(moderation.items())),
        staff_sanctions=moderation[ModerationAction.SANCTION.value],
        automatic_sanctions=moderation[ModerationAction.AUTOMATIC_SANCTION.value],
        erasures=tally.erasures,
    )
    return DemoSummary(
        store=ops.config.redacted_url,
        seed=seed,
        scale=scale,
        quarters=quarters_label(scale),
        start=quarters[0].first.isoformat(),
        end=quarters[-1].day(quarters[-1].days - 1).isoformat(),
        posts=sum(len(q.post_ids) for q in quarters),
        variants=variants,
        published=published,
        failures=tally.failures,
        changes_requested=tally.changes_requested,
        cadence_warnings=tally.cadence_warnings,
        cadence_over_max=tally.cadence_over_max,
        metrics_recorded=tally.metrics_recorded,
        metrics_corrected=tally.metrics_corrected,
        metrics_unchanged=tally.metrics_unchanged,
        content_types=dict(sorted(content_types.items())),
        formats=dict(sorted(formats.items())),
        events_before=events_before,
        events_after=events_after,
        totals_by_platform={k: dict(sorted(v.items())) for k, v in totals.items()},
        reach_by_platform={k: v["reads"] + v["views"] for k, v in totals.items()},
        engagements_by_platform={
            k: sum(v[name] for name in ("likes", "comments", "shares", "favourites"))
            for k, v in totals.items()
        },
        campaigns=campaigns,
        readers=readers,
        money=_money(ops, quarters, tally.overspends_refused),
        risks=_risks(ops, from_signals),
        standing=_standing(ops),
        projected=projected,
        report=report,
        report_note=note,
        imports=list(imports or []),
    )


def _money(ops: LibOps, quarters: list[Quarter], refused: int) -> MoneySummary:
    allocated = committed = spent = available = fees = Decimal(0)
    expenses = adjustments = 0
    currency = "CNY"
    for quarter in quarters:
        if quarter.budget_id is None:
            continue
        positions = ops.budgets.positions(quarter.budget_id).values()
        currency = ops.budgets.get(quarter.budget_id).currency
        allocated += sum((p.allocated.amount for p in positions), Decimal(0))
        committed += sum((p.committed.amount for p in positions), Decimal(0))
        spent += sum((p.spent.amount for p in positions), Decimal(0))
        available += sum((p.available for p in positions), Decimal(0))
        fees += quarter.kol.fee.amount
        expenses += len(ops.budgets.expenses(quarter.budget_id))
        adjustments += len(ops.budgets.adjustments(quarter.budget_id))
    return MoneySummary(
        currency=currency,
        allocated=str(allocated),
        committed=str(committed),
        spent=str(spent),
        available=str(available),
        kol_fees=str(fees),
        expenses=expenses,
        adjustments=adjustments,
        overspends_refused=refused,
    )


def _risks(ops: LibOps, from_signals: int) -> RiskSummary:
    seen: dict[UUID, None] = {}
    start = 1
    while True:
        batch = ops.app.recorder.select_notifications(
            start=start, limit=1000, topics=(Risk.Identified.TOPIC,)
        )
        for notification in batch:
            originator = notification.originator_id
            seen[originator if isinstance(originator, UUID) else UUID(originator)] = None
        if len(batch) < 1000:
            break
        start = batch[-1].id + 1
    escalated = incidents = open_incidents = still_open = 0
    for risk_id in seen:
        risk = ops.risks.get(risk_id)
        still_open += int(not risk.is_closed)
        escalated += int(risk.escalated)
        incidents += len(risk.incidents)
        open_incidents += len(ops.risks.follow_up(risk_id).open_incidents)
    return RiskSummary(
        risks=len(seen),
        open=still_open,
        escalated=escalated,
        incidents=incidents,
        open_incidents=open_incidents,
        from_signals=from_signals,
    )


_MODERATION_WORDS = (
    ("hide", "comment hidden", "comments hidden"),
    ("warn", "warning", "warnings"),
    ("feature", "comment featured", "comments featured"),
    ("reward", "reward", "rewards"),
)


def _standing(ops: LibOps) -> StandingSummary:
    standing = ops.standing.get()
    if standing is None:
        return StandingSummary([], 0, 0, 0)
    rankings = sorted(standing.rankings.values(), key=lambda r: (r.period.start, r.ranking_id))
    return StandingSummary(
        ranks=[f"{r.period.start:%Y-%m} {r.ours.rank} of {len(r.rows)}" for r in rankings],
        honours=sum(1 for h in standing.honours.values() if h.withdrawn is None),
        typical_cases=len(standing.cases),
        service_uses=sum(c.count for u in standing.services.values() for c in u.counts),
    )


def _by_hand(summary: DemoSummary) -> str:
    """The posts published by hand in the simulated days, found in an imported export (the
    report counts them among the period's post variants)."""
    outside = sum(item.outside_in_period for item in summary.imports)
    if not outside:
        return ""
    return (
        f"; and {plural(outside, 'post')} published by hand outside libops, found in the "
        f"imported WeChat export (the report counts {summary.published + outside:,})"
    )


def summary_lines(summary: DemoSummary) -> list[str]:
    """The demo's summary as lines of text for people.

    Each line says what it counts, in the report's terms where the report shows the same
    figure (and then it is the same number): distinct participants, contest entries recorded
    apart from answers refused at the door, moderation actions with automatic sanctions
    included, open risks.
    """
    lines = [
        f"store: {summary.store} (seed {summary.seed}, {summary.quarters}: "
        f"{summary.start} to {summary.end})",
        "campaigns:",
    ]
    for c in summary.campaigns:
        lines.append(
            f"  {c.name} ({c.kind}, {', '.join(c.platforms)}; {c.start} to {c.end}; "
            f"{c.status}): {plural(c.posts, 'post')}"
        )
    types = ", ".join(f"{k} {v}" for k, v in summary.content_types.items())
    lines += [
        f"posts drafted and reviewed: {summary.posts} ({types}); "
        f"{summary.changes_requested} sent back by the reviewer for personal data",
        f"post variants published (one per post and platform): {summary.published} of "
        f"{summary.variants}; failed attempts retried: {summary.failures}{_by_hand(summary)}",
        f"cadence warnings while scheduling: {summary.cadence_warnings} "
        f"({summary.cadence_over_max} over a maximum)",
        f"metric snapshots recorded: {summary.metrics_recorded}, corrections: "
        f"{summary.metrics_corrected} (identical snapshots ignored: {summary.metrics_unchanged})",
    ]
    r, m, k = summary.readers, summary.money, summary.risks
    kinds = ", ".join(
        plural(r.moderation_by_kind.get(kind, 0), one, many)
        for kind, one, many in _MODERATION_WORDS
        if r.moderation_by_kind.get(kind, 0)
    )
    sanctions = (
        f"{plural(r.staff_sanctions, 'sanction')} by staff, "
        f"{plural(r.automatic_sanctions, 'automatic sanction')}"
    )
    lines += [
        f"distinct participants recorded (Q&A, reading sessions, contests, moderation): "
        f"{r.readers}",
        f"Q&A: {plural(r.questions, 'question')}, {r.answered} answered (median "
        f"{r.median_response_minutes} min), {r.escalated} escalated for waiting too long",
        f"reading sessions: {r.session_registrations} registered, {r.session_attended} attended",
        f"prize quizzes: {plural(r.contest_entries, 'entry', 'entries')} recorded, "
        f"{r.contest_disqualified} disqualified after entry; apart from them "
        f"{plural(r.contest_refused, 'answer')} refused at the door (wrong, so never "
        f"recorded as entries); "
        f"{plural(r.winners, 'winner')}, draws verified from the events: "
        f"{r.draws_verified} of {r.draws}",
        f"moderation: {plural(r.moderation_actions, 'action')} in all ("
        f"{kinds + ', ' if kinds else ''}{sanctions}); erasure requests honoured: {r.erasures}",
        f"money ({m.currency}): allocated {m.allocated}, spent {m.spent} in "
        f"{plural(m.expenses, 'expense')}, available {m.available}; KOL fees {m.kol_fees} "
        f"committed and paid; {plural(m.adjustments, 'adjustment')}; overspends refused: "
        f"{m.overspends_refused}",
        f"risks: {k.risks} identified, {k.open} open ({k.escalated} escalated, "
        f"{k.from_signals} opened or raised by signals this run); incidents: {k.incidents} "
        f"({k.open_incidents} open)",
        f"standing: ranks in the monthly rankings {'; '.join(summary.standing.ranks) or 'none'}"
        f"; {plural(summary.standing.honours, 'honour')}, "
        f"{plural(summary.standing.typical_cases, 'typical case')}, online service uses "
        f"{summary.standing.service_uses}",
        "engagement by platform (reach = reads or views; engagements = likes, comments, "
        "shares and favourites):",
    ]
    for platform, counts in summary.totals_by_platform.items():
        shown = ", ".join(f"{name} {value}" for name, value in counts.items() if value)
        if not shown:
            lines.append(f"  {platform}: no metrics yet")
            continue
        lines.append(
            f"  {platform}: reach {summary.reach_by_platform[platform]}, engagements "
            f"{summary.engagements_by_platform[platform]} ({shown})"
        )
    if summary.imports:
        lines.append(
            "imported from the library's WeChat back-office exports (shipped with libops):"
        )
        lines.extend(import_lines(summary.imports))
    lines.append(
        f"events recorded by this run: {summary.new_events} (store now holds "
        f"{summary.events_after})"
    )
    if summary.report:
        lines.append(f"report: {summary.report}")
    elif summary.report_note:
        lines.append(summary.report_note)
    return lines

"""The standing sections as blocks: the communication indices, the account's standing, typical
cases and online service uses."""

from __future__ import annotations

from decimal import Decimal

from libops.domain.standing import OVERALL, SERVICE_KINDS
from libops.report.blocks_base import Block, BulletList, Heading, Paragraph, _table
from libops.report.sections import Report
from libops.report.words import NONE, Words, count, number, percent

# --- Chinese practice (issue 14, item 5): the indices and the account's standing ----------


def _index_value(value: Decimal | None) -> str:
    """An index with its two decimals (``1,234.50``)."""
    return NONE if value is None else f"{value:,.2f}"


def _per_post(value: Decimal | None) -> str:
    """A reach per post, to the whole read or view."""
    return NONE if value is None else f"{value:,.0f}"


def _indices(report: Report, w: Words) -> list[Block]:
    """The communication indices section: WCI, BCI, the short-video index and the weighted
    index, a sentence on each, and each platform's figures in the field's terms."""
    ind = report.indices
    period = report.background.period
    out: list[Block] = [Heading(2, w("h.indices"), "indices")]
    if not ind.platforms or period is None:
        out.append(Paragraph(w("p.no_indices")))
        return out
    out.append(
        Paragraph(
            w(
                "p.indices_period",
                start=period.start.isoformat(),
                end=period.end.isoformat(),
                days=count(ind.days),
            )
        )
    )
    rows = [
        (
            w(f"index.{p.index}"),
            w.label(p.platform),
            w(f"version.{p.index}", version=p.version),
            _index_value(p.value),
        )
        for p in ind.platforms
    ]
    rows.append(
        (
            w("index.weighted"),
            w("index.across_platforms"),
            w("version.weighted"),
            _index_value(ind.weighted),
        )
    )
    out.append(
        _table(w.columns("index", "platform", "version", "value"), rows, [False] * 3 + [True])
    )
    version = next((p.version for p in ind.platforms if p.index == "wci"), "")
    out.append(
        BulletList(
            (
                w("about.wci", version=version),
                w("about.bci"),
                w("about.video"),
                w("about.weighted"),
            )
        )
    )
    out.append(Heading(3, w("h3.platform_figures")))
    for p in ind.platforms:
        if not p.posts:
            out.append(Paragraph(w("p.figures.none", platform=w.label(p.platform))))
            continue
        figures = {
            "platform": w.label(p.platform),
            "posts": count(p.posts),
            "reach": count(p.reach),
            "per_post": _per_post(p.reach_per_post),
            "likes": count(p.likes),
            "comments": count(p.comments),
            "shares": count(p.shares),
            "like_rate": percent(p.like_rate),
            "rate": percent(p.engagement_rate),
        }
        if p.index == "wci" and ind.wechat is not None:
            out.append(
                Paragraph(
                    w(
                        "p.figures.wci",
                        headline=count(ind.wechat.headline_reads),
                        peak=count(ind.wechat.peak_reads),
                        over_100k=count(ind.wechat.over_100k),
                        **figures,
                    )
                )
            )
        else:
            out.append(Paragraph(w(f"p.figures.{p.index}", **figures)))
    out.append(Paragraph(w("p.terms")))
    return out


def _standing(report: Report, w: Words) -> list[Block]:
    """The account's standing: the weighted index and its weights, and rankings and honours
    (none recorded in a store: a sentence says so)."""
    ind = report.indices
    out: list[Block] = [Heading(2, w("h.standing"), "standing")]
    if ind.weighted is None:
        out.append(Paragraph(w("p.no_weighted")))
    else:
        out.append(Paragraph(w("p.weighted", value=_index_value(ind.weighted))))
    if ind.weights:
        values = {p.platform: p.value for p in ind.platforms}
        out.append(
            _table(
                w.columns("platform", "weight", "share", "value", "included"),
                [
                    (
                        w.label(s.platform),
                        number(s.weight),
                        percent(s.share),
                        _index_value(values.get(s.platform)),
                        w.yes_no(s.present and s.share is not None),
                    )
                    for s in ind.weights
                ],
                [False, True, True, True, False],
            )
        )
    out.append(Paragraph(w("p.weights_method")))
    records = report.standing_records
    if not records.rankings and not records.honours:
        out.append(Paragraph(w("p.no_ranking")))
        return out
    out.append(Heading(3, w("h3.peer_ranks")))
    if records.rankings:
        out.append(
            _table(
                w.columns(
                    "ranking", "ranking_platform", "ranking_period", "rank", "value", "leader"
                ),
                [
                    (
                        w("ranking.name", source=r.source, index=r.index),
                        w("ranking.overall") if r.platform == OVERALL else w.label(r.platform),
                        w("ranking.period", start=r.start.isoformat(), end=r.end.isoformat()),
                        w("ranking.rank_of", rank=count(r.rank), entrants=count(r.entrants)),
                        _ranking_value(r.value),
                        w("ranking.leader", leader=r.leader, value=_ranking_value(r.leader_value)),
                    )
                    for r in records.rankings
                ],
                [False, False, False, True, True, False],
            )
        )
    else:
        out.append(Paragraph(w("p.no_peer_ranks")))
    out.append(Heading(3, w("h3.honours")))
    if records.honours:
        out.append(
            _table(
                w.columns("honour", "awarded_by", "awarded_on", "note"),
                [
                    (h.title, h.awarded_by, h.awarded_on.isoformat(), h.note or NONE)
                    for h in records.honours
                ],
                [False] * 4,
            )
        )
    else:
        out.append(Paragraph(w("p.no_honours")))
    return out


def _ranking_value(value: Decimal) -> str:
    """A ranking's value as the table gave it, with thousands separators (``1,234.5``)."""
    return f"{value:,f}"


def _typical_cases(report: Report, w: Words) -> list[Block]:
    """The typical cases (典型案例) in scope: each post or campaign, its theme and why (a
    sentence when none is marked)."""
    out: list[Block] = [Heading(2, w("h.typical_cases"), "typical_cases")]
    cases = report.standing_records.cases
    if not cases:
        out.append(Paragraph(w("p.no_cases")))
        return out
    out.append(Paragraph(w("p.cases", cases=count(len(cases)))))
    out.append(
        _table(
            w.columns("case", "case_kind", "theme", "why"),
            [(c.title, w(f"case.{c.subject_kind}"), c.theme, c.why) for c in cases],
            [False] * 4,
        )
    )
    return out


def _services(report: Report, w: Words) -> list[Block]:
    """Online service uses (线上服务人次) in the period, by kind and channel (a sentence when
    none is recorded)."""
    out: list[Block] = [Heading(2, w("h.services"), "services")]
    records = report.standing_records
    if not records.services:
        out.append(Paragraph(w("p.no_services")))
        return out
    out.append(Paragraph(w("p.services", uses=count(records.services_total))))
    out.append(
        _table(
            w.columns("service", "uses", "channels"),
            [
                (
                    _service_kind(row.kind, w),
                    count(row.total),
                    w("list.separator").join(
                        w("service.channel", channel=w.label(c), uses=count(n))
                        for c, n in row.by_channel
                    ),
                )
                for row in records.services
            ],
            [False, True, False],
        )
    )
    return out


def _service_kind(kind: str, w: Words) -> str:
    """A service's kind in the report's language (a kind named in words as it was written)."""
    return w(f"service.{kind}") if kind in SERVICE_KINDS else kind

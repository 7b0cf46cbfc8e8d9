"""The interactions and content-quality sections as blocks: interactions (and review quality),
satisfaction, sameness, reuse, and media and copyright."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from libops.report.blocks_base import Block, BulletList, Heading, Paragraph, _counts, _date, _table
from libops.report.sections import Report
from libops.report.words import NONE, Words, count, minutes, number, percent, points


def _interactions(report: Report, w: Words) -> list[Block]:
    """The interactions section."""
    out: list[Block] = []
    i = report.interactions
    out.append(Heading(2, w("h.interactions"), "interactions"))
    out.append(
        Paragraph(
            w(
                "p.interactions",
                participants=count(i.participants),
                questions=count(i.questions),
                answered=count(i.answered),
                answer_rate=percent(i.answer_rate),
                escalated=count(i.escalated),
                median=minutes(i.median_response_seconds),
                p90=minutes(i.p90_response_seconds),
            )
        )
    )
    out.append(
        Paragraph(
            w(
                "p.contests",
                contests=count(i.contests),
                entries=count(i.contest_entries),
                disqualified=count(i.disqualified),
                sessions=count(i.sessions),
                registrations=count(i.registrations),
                attendance=count(i.attendance),
                contributions=count(i.contributions),
            )
        )
    )
    out.append(_counts(w, "group", "participants", i.participants_by_kind))
    out.append(Paragraph(w("p.moderation", total=count(i.moderation_total))))
    out.append(_counts(w, "action", "count", i.moderation))
    out.extend(_quality_blocks(report, w))
    return out


# --- issue 17: sameness (内容同质化) and reuse (复用, 原创, 转载) ---------------------------------


def _sameness(report: Report, w: Words) -> list[Block]:
    """What the sameness check found at review: the share of near-duplicate drafts and the
    most similar pairs (a sentence when no post was submitted for review)."""
    out: list[Block] = [Heading(2, w("h.sameness"), "sameness")]
    found = report.sameness
    if not found.submitted:
        out.append(Paragraph(w("p.no_sameness")))
        return out
    out.append(
        Paragraph(
            w(
                "p.sameness",
                submitted=count(found.submitted),
                near=count(found.near_duplicates),
                share=percent(found.share),
            )
        )
    )
    if found.pairs:
        out.append(Paragraph(w("p.sameness_pairs")))
        out.append(
            _table(
                w.columns("sameness_post", "sameness_similar", "sameness_score"),
                [(p.post, p.similar, count(p.score)) for p in found.pairs],
                [False, False, True],
            )
        )
    return out


def _reuse(report: Report, w: Words) -> list[Block]:
    """Original (原创) and reposted (转载) posts, the reuse rate (复用) and production cost per
    post of new and of reused content (a sentence when no post was published)."""
    out: list[Block] = [Heading(2, w("h.reuse"), "reuse")]
    reuse = report.reuse
    if not reuse.posts:
        out.append(Paragraph(w("p.no_reuse")))
        return out
    out.append(
        Paragraph(
            w(
                "p.reuse",
                posts=count(reuse.posts),
                original=count(reuse.original),
                original_ratio=percent(reuse.original_ratio),
                reposted=count(reuse.reposted),
                reused=count(reuse.reused),
                reuse_rate=percent(reuse.reuse_rate),
            )
        )
    )
    if reuse.costs:
        out.append(
            _table(
                w.columns("reuse_content", "reuse_total", "reuse_posts", "reuse_per_post"),
                [
                    (
                        w("reuse.reused" if row.reused else "reuse.new"),
                        w.amount(row.total, row.currency),
                        count(row.posts),
                        w.amount(row.per_post, row.currency),
                    )
                    for row in reuse.costs
                ],
                [False, True, True, True],
            )
        )
    else:
        out.append(Paragraph(w("p.no_reuse_costs")))
    return out


# --- issue 17, items 8 and 9: media and copyright (版权), checklist items ---------------------


def _copyright(report: Report, w: Words) -> list[Block]:
    """The media published posts used and their licences, the licences ending within 30
    days, the licence findings review raised, and the answers to the checklist items the
    library added (a sentence when there is nothing)."""
    out: list[Block] = [Heading(2, w("h.copyright"), "copyright")]
    found = report.copyright
    if not found.recorded:
        out.append(Paragraph(w("p.no_copyright")))
        return out

    def expiry(day: date | None) -> str:
        return w("copyright.no_expiry") if day is None else _date(w, day)

    if found.assets:
        out.append(
            Paragraph(
                w(
                    "p.copyright_assets",
                    assets=count(len(found.assets)),
                    publishes=count(sum(row.publishes for row in found.assets)),
                )
            )
        )
        out.append(
            _table(
                w.columns("asset", "asset_licence", "asset_publishes", "asset_expires"),
                [
                    (
                        row.title,
                        w.label(row.licence_kind),
                        count(row.publishes),
                        expiry(row.expires_on),
                    )
                    for row in found.assets
                ],
                [False, False, True, False],
            )
        )
    else:
        out.append(Paragraph(w("p.copyright_no_assets")))
    if found.expiring and found.as_of is not None:
        out.append(
            Paragraph(
                w(
                    "p.copyright_expiring",
                    assets=count(len(found.expiring)),
                    day=_date(w, found.as_of),
                )
            )
        )
        out.append(
            _table(
                w.columns("asset", "asset_licence", "asset_expires"),
                [
                    (row.title, w.label(row.licence_kind), expiry(row.expires_on))
                    for row in found.expiring
                ],
                [False, False, False],
            )
        )
    if found.findings:
        out.append(
            Paragraph(w("p.copyright_findings", findings=count(sum(n for _, n in found.findings))))
        )
        out.append(
            _table(
                w.columns("licence_finding", "licence_findings"),
                [(w.label(kind), count(n)) for kind, n in found.findings],
                [False, True],
            )
        )
    else:
        out.append(Paragraph(w("p.copyright_no_findings")))
    if found.items:
        out.append(Paragraph(w("p.review_items")))
        out.append(
            _table(
                w.columns("review_item", "item_checked", "item_not_checked", "item_not_applicable"),
                [
                    (
                        row.label_zh if w.lang == "zh" else row.label_en,
                        count(row.checked),
                        count(row.not_checked),
                        count(row.not_applicable),
                    )
                    for row in found.items
                ],
                [False, True, True, True],
            )
        )
    return out


# --- the quality of participation (issue 17, item 2) ---------------------------------------


def _length(value: Decimal | None) -> str:
    """A median length in characters (one decimal at most)."""
    return NONE if value is None else number(value)


def _quality_blocks(report: Report, w: Words) -> list[Block]:
    """The quality of participation, under the interactions section: answered well, came
    back, recognised by staff, and answers and contributions by length."""
    i = report.interactions
    if not (i.answer_lengths or i.contribution_lengths or i.returning):
        return []
    return [
        Heading(3, w("h3.quality")),
        Paragraph(
            w(
                "p.quality",
                well=count(i.answered_well),
                questions=count(i.quality_questions),
                well_rate=percent(i.answered_well_rate),
                returning=count(i.returning),
                participants=count(i.quality_participants),
                returning_share=percent(i.returning_share),
                featured=count(i.featured),
                rewarded=count(i.rewarded),
                winners=count(i.contest_winners),
            )
        ),
        _table(
            w.columns("length", "answers", "contributions"),
            [
                (w(f"length.{name}"), count(answers), count(contributions))
                for (name, answers), (_, contributions) in zip(
                    i.answer_lengths or (("short", 0), ("medium", 0), ("long", 0)),
                    i.contribution_lengths or (("short", 0), ("medium", 0), ("long", 0)),
                    strict=True,
                )
            ]
            + [
                (
                    w("length.median"),
                    _length(i.median_answer_length),
                    _length(i.median_contribution_length),
                )
            ],
            [False, True, True],
        ),
        Paragraph(w("p.quality_method")),
        *(
            []
            if i.quality_period is None
            else [
                Paragraph(
                    w(
                        "p.quality_period",
                        start=i.quality_period.start.isoformat(),
                        end=i.quality_period.end.isoformat(),
                    )
                )
            ]
        ),
    ]


# --- satisfaction surveys (issue 17, item 1) ------------------------------------------------


def _nps(value: Decimal | None) -> str:
    """An NPS (or a change of it) in signed points with one decimal (``+30.0``)."""
    return NONE if value is None else f"{value:+.1f}"


def _satisfaction(report: Report, w: Words) -> list[Block]:
    """The satisfaction section: per survey in scope, responses and rate, CSAT, NPS with its
    95% interval; then how each compares with the survey before it of the same kind (a
    sentence says so when no survey is in scope)."""
    rows = report.satisfaction.surveys
    out: list[Block] = [Heading(2, w("h.satisfaction"), "satisfaction")]
    if not rows:
        out.append(Paragraph(w("p.no_surveys")))
        return out
    out.append(
        Paragraph(
            w(
                "p.satisfaction",
                surveys=len(rows),
                responses=count(report.satisfaction.responses),
            )
        )
    )
    out.append(
        _table(
            w.columns(
                "survey",
                "survey_target",
                "day",
                "responses",
                "response_rate",
                "csat",
                "nps",
                "nps_interval",
            ),
            [
                (
                    r.title,
                    w(f"survey_target.{r.target}"),
                    r.day.isoformat(),
                    count(r.responses),
                    percent(r.response_rate),
                    percent(r.csat),
                    _nps(r.nps),
                    NONE
                    if r.nps_low is None or r.nps_high is None
                    else w("survey.interval", low=_nps(r.nps_low), high=_nps(r.nps_high)),
                )
                for r in rows
            ],
            [False, False, False, True, True, True, True, False],
        )
    )
    compared = [r for r in rows if r.previous_title is not None]
    if compared:
        out.append(Paragraph(w("p.satisfaction_compared")))
        out.append(
            BulletList(
                tuple(
                    w(
                        "survey.change",
                        survey=r.title,
                        previous=r.previous_title,
                        csat=points(r.csat_change),
                        nps=_nps(r.nps_change),
                    )
                    for r in compared
                )
            )
        )
    out.append(Paragraph(w("p.satisfaction_method")))
    return out

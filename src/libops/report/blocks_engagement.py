"""The engagement and audience sections as blocks: engagement, follower growth, statistics,
the WeChat index, comparisons, cadence and topic heat."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final

from libops.report.blocks_base import Block, Chart, Heading, Paragraph, _or_none, _table
from libops.report.sections import Distribution, EngagementRow, Report
from libops.report.statistics import MIN_POSTS_FOR_CORRELATION
from libops.report.words import NONE, Words, count, percent, points


def _engagement(report: Report, w: Words) -> list[Block]:
    """The engagement section."""
    out: list[Block] = []
    eng = report.engagement
    out.append(Heading(2, w("h.engagement"), "engagement"))
    t = eng.total
    out.append(
        Paragraph(
            w(
                "p.total",
                posts=count(t.posts),
                reach=count(t.reach),
                engagements=count(t.engagements),
                rate=percent(t.engagement_rate),
            )
        )
    )
    header = w.columns("group", "posts", "reach", "engagements", "followers", "rate")
    numeric = [False, True, True, True, True, True]

    def rows(group: Sequence[Any], label: Callable[[str], str]) -> list[tuple[str, ...]]:
        return [
            (
                label(r.key),
                count(r.posts),
                count(r.reach),
                count(r.engagements),
                count(r.followers_gained),
                percent(r.engagement_rate),
            )
            for r in group
        ]

    out.append(Heading(3, w("h3.by_platform")))
    out.append(_table(header, rows(eng.by_platform, w.label), numeric))
    out.append(Chart("engagement_by_platform", w("chart.engagement_by_platform")))
    out.append(Heading(3, w("h3.by_content_type")))
    out.append(_table(header, rows(eng.by_content_type, w.label), numeric))
    out.append(Chart("rate_by_content_type", w("chart.rate_by_content_type")))
    out.append(Heading(3, w("h3.by_week")))
    labels = {r.key: week_label(r, w) for r in eng.by_week}
    out.append(_table(header, rows(eng.by_week, lambda key: labels[key]), numeric))
    out.append(Paragraph(_trend_text(report, w)))
    if eng.partial_weeks:
        out.append(Paragraph(w("p.partial_weeks", partial=count(eng.partial_weeks))))
    out.append(Chart("weekly_trend", w("chart.weekly_trend")))
    return out


def day_label(day: date, w: Words) -> str:
    """A day without its year: ``30 Mar``, ``3月30日``."""
    return w("date.day", day=str(day.day), month=w(f"month.{day.month}"))


def week_label(row: EngagementRow, w: Words) -> str:
    """A week by its dates, with its ISO number (and marked when partial):
    ``30 Mar – 5 Apr 2026 (W14)``, ``2026年3月30日—4月5日（第14周，不完整周）``."""
    if row.start is None or row.end is None:
        return row.key
    start, end = row.start, row.end
    if start.year == end.year:
        dates = w("week.range", start=day_label(start, w), end=day_label(end, w), year=start.year)
    else:
        dates = w(
            "week.range_years",
            start=day_label(start, w),
            end=day_label(end, w),
            start_year=start.year,
            end_year=end.year,
        )
    number = str(start.isocalendar()[1])
    return w("week.label" if row.full else "week.label_partial", dates=dates, number=number)


def _trend_text(report: Report, w: Words) -> str:
    """The weekly rate's trend: its slope, interval and test when beyond the noise, else
    "no clear trend" with the same figures, or why there is none."""
    eng = report.engagement
    if eng.trend_slope is None or eng.trend_direction is None:
        return w("p.no_trend", weeks=count(eng.trend_weeks))
    figures = {
        "weeks": count(eng.trend_weeks),
        "slope": points(eng.trend_slope),
        "ci_low": points(eng.trend_ci_low),
        "ci_high": points(eng.trend_ci_high),
        "p_value": w.p_value(eng.trend_p_value),
        "rate_low": percent(eng.trend_rate_low),
        "rate_high": percent(eng.trend_rate_high),
    }
    if eng.trend_significant:
        return w("p.trend", direction=w(f"direction.{eng.trend_direction}"), **figures)
    return w("p.no_clear_trend", **figures)


def _cadence(report: Report, w: Words) -> list[Block]:
    """The cadence section."""
    out: list[Block] = []
    out.append(Heading(2, w("h.cadence"), "cadence"))
    out.append(Paragraph(w("p.cadence")))
    out.append(
        _table(
            w.columns("platform", "per", "policy", "periods", "under", "within", "over"),
            [
                (
                    w.label(c.platform),
                    w(f"per.{c.per}"),
                    f"{_or_none(c.minimum)}–{_or_none(c.maximum)}",
                    count(c.periods),
                    count(c.under),
                    count(c.within),
                    count(c.over),
                )
                for c in report.cadence
            ],
            [False, False, False, True, True, True, True],
        )
    )
    b = report.briefs
    if b.recorded:
        out.append(
            Paragraph(
                w(
                    "p.briefs",
                    planned=count(b.planned),
                    on_time=count(b.drafted_on_time),
                    late=count(b.drafted_late),
                    overdue=count(b.overdue),
                    dropped=count(b.dropped),
                )
            )
        )
    out.append(Chart("cadence", w("chart.cadence")))
    return out


def _topics(report: Report, w: Words) -> list[Block]:
    """Topic heat (issue 17): each topic's peak, latest day and decline, and a fresh topic
    recommended for each cooling one."""
    out: list[Block] = [Heading(2, w("h.topics"), "topics")]
    heat = report.topic_heat
    if not heat.rows:
        out.append(Paragraph(w("p.no_topics")))
        return out
    assert heat.as_of is not None
    out.append(
        Paragraph(
            w(
                "p.topics",
                as_of=heat.as_of.isoformat(),
                days=count(heat.days_below),
                share=percent(heat.share),
            )
        )
    )

    def state(row: Any) -> str:
        if row.cooling:
            return w("heat.cooling")
        return w("heat.live" if row.live else "heat.quiet")

    out.append(
        _table(
            w.columns(
                "topic", "posts", "engagements", "peak_day", "peak", "latest", "of_peak", "heat"
            ),
            [
                (
                    f"#{row.topic}",
                    count(row.posts),
                    count(row.engagement),
                    NONE if row.peak_day is None else row.peak_day.isoformat(),
                    count(row.peak),
                    count(row.latest),
                    percent(row.share),
                    state(row),
                )
                for row in heat.rows
            ],
            [False, True, True, False, True, True, True, False],
        )
    )
    for row in heat.cooling:
        assert row.peak_day is not None
        assert row.latest_day is not None
        out.append(
            Paragraph(
                w(
                    "rec.fresh_topic",
                    topic=row.topic,
                    peak_day=row.peak_day.isoformat(),
                    peak=count(row.peak),
                    latest_day=row.latest_day.isoformat(),
                    latest=count(row.latest),
                    share=percent(row.share),
                    days=count(row.days_below),
                    threshold=percent(heat.share),
                )
            )
        )
    return out


def _followers(report: Report, w: Words) -> list[Block]:
    """Each account's follower growth (粉丝增长) in the period, from the platforms' imported
    daily figures (a sentence when none is recorded)."""
    out: list[Block] = [Heading(2, w("h.followers"), "followers")]
    growth = report.followers
    if not growth.rows:
        out.append(Paragraph(w("p.no_followers")))
        return out
    out.append(Paragraph(w("p.followers")))
    out.append(
        _table(
            w.columns(
                "platform",
                "follower_days",
                "followers_new",
                "followers_lost",
                "followers_net",
                "followers_before",
                "followers_after",
                "follower_growth",
            ),
            [
                (
                    w.label(row.platform),
                    w("p.follower_days", days=count(row.days), of=count(growth.period_days)),
                    count(row.gained),
                    count(row.lost),
                    f"{row.net:+,}",
                    count(row.start_total),
                    count(row.end_total),
                    percent(row.growth_rate),
                )
                for row in growth.rows
            ],
            [False, True, True, True, True, True, True, True],
        )
    )
    return out


def _fixed(value: Decimal | None, places: int) -> str:
    """A statistic with ``places`` decimals and thousands separators."""
    return NONE if value is None else f"{value:,.{places}f}"


def _distribution_cells(d: Distribution | None, rate: bool) -> tuple[str, ...]:
    if d is None:
        return (count(0), NONE, NONE, NONE, NONE, NONE)
    shown = percent if rate else (lambda v: _fixed(v, 1))
    return (
        count(d.n),
        shown(d.mean),
        shown(d.median),
        shown(d.sd),
        shown(d.minimum),
        shown(d.maximum),
    )


def _statistics(report: Report, w: Words) -> list[Block]:
    """Descriptive statistics and correlation per platform."""
    out: list[Block] = [Heading(2, w("h.statistics"), "statistics")]
    if not report.statistics:
        out.append(Paragraph(w("p.no_statistics")))
        return out
    out.append(Paragraph(w("p.statistics", minimum=count(MIN_POSTS_FOR_CORRELATION))))
    out.append(
        _table(
            w.columns("platform", "figure", "n", "mean", "median", "sd", "minimum", "maximum"),
            [
                (w.label(p.platform), w(f"stat.{name}"), *_distribution_cells(d, name == "rate"))
                for p in report.statistics
                for name, d in (("rate", p.rate), ("reach", p.reach))
            ],
            [False, False, True, True, True, True, True, True],
        )
    )
    out.append(
        _table(
            w.columns("platform", "pair", "n", "rho", "strength"),
            [
                (
                    w.label(p.platform),
                    w(f"pair.{c.x}.{c.y}"),
                    count(c.n),
                    NONE if c.coefficient is None else f"{c.coefficient:+.3f}",
                    w(f"strength.{c.strength}")
                    if c.strength is not None
                    else w(f"corr.{c.reason}", minimum=count(MIN_POSTS_FOR_CORRELATION)),
                )
                for p in report.statistics
                for c in p.correlations
            ],
            [False, False, True, True, False],
        )
    )
    return out


def _wechat_index(report: Report, w: Words) -> list[Block]:
    """The WeChat index (WCI) of the period and per ISO week."""
    out: list[Block] = [Heading(2, w("h.wechat_index"), "wechat_index")]
    x = report.wechat_index
    if x is None or x.period_wci is None:
        out.append(Paragraph(w("p.no_wci")))
        return out
    out.append(
        Paragraph(
            w(
                "p.wci",
                version=x.version,
                articles=count(x.articles),
                days=count(x.days),
                wci=_fixed(x.period_wci, 2),
                used=w("sep.list").join(w.label(i) for i in x.inputs_used),
                left_out=w("sep.list").join(w.label(i) for i in x.inputs_left_out) or NONE,
            )
        )
    )
    out.append(Paragraph(w("p.wci_method")))
    out.append(
        _table(
            w.columns("week", "articles", "reads", "likes", "shares", "wci"),
            [
                (
                    f"{k.start.isoformat()} – {k.end.isoformat()}",
                    count(k.articles),
                    count(k.reads),
                    count(k.likes),
                    count(k.shares),
                    _fixed(k.wci, 2),
                )
                for k in x.weeks
            ],
            [False, True, True, True, True, True],
        )
    )
    return out


def _signed(ratio: Decimal | None) -> str:
    """A change as a signed percentage (``+12.50%``)."""
    return NONE if ratio is None else f"{ratio * 100:+,.2f}%"


_HEADLINE: Final = ("posts", "reach", "engagements", "engagement_rate", "followers_gained")


def _comparisons(report: Report, w: Words) -> list[Block]:
    """环比 and 同比: a table for each earlier period the store holds, else a sentence."""
    out: list[Block] = [Heading(2, w("h.comparisons"), "comparisons")]
    c = report.comparisons
    if c.reason is not None:
        out.append(Paragraph(w(f"p.no_comparison.{c.reason}")))
        return out
    for kind, found in (("previous", c.previous), ("year_earlier", c.year_earlier)):
        if found is None:
            out.append(Paragraph(w(f"p.no_{kind}")))
            continue
        out.append(
            Heading(3, w(f"h3.{kind}", start=found.start.isoformat(), end=found.end.isoformat()))
        )
        if found.left_out:
            out.append(
                Paragraph(
                    w(
                        "p.compared_platforms",
                        platforms=w._figure("platforms", found.platforms),
                        left_out=w._figure("platforms", found.left_out),
                    )
                )
            )
        rows = []
        for figure in _HEADLINE:
            now, then = getattr(found.now, figure), getattr(found.then, figure)
            shown = percent if figure == "engagement_rate" else count
            rows.append(
                (w(f"figure.{figure}"), shown(now), shown(then), _signed(found.change(figure)))
            )
        out.append(_table(w.columns("figure", "now", "then", "change"), rows, [False] + [True] * 3))
    return out

"""The report's sections added for leadership (issue 14, item 4): the title with the library,
period and kind; the executive summary; descriptive statistics and correlation; the WeChat
index; 环比/同比; budget use; target-setting advice; people by name and role; storage details
in an appendix only; and an empty store's short report.

The figures are checked against values worked out by hand here (the WCI with floats from
its published formula, not libops's Decimal code) on a small store built for the purpose:

- the report's period is the second quarter of 2026 (1 April to 30 June);
- Weibo: 8 posts, post i (1..8) published on 1 May + i days at 8:00 + i hours (Beijing) with
  100·i reads and 10·i likes (every rate 10%);
- WeChat: 3 posts of the campaign "Spring reading": 6 April 09:00 (1,000 reads, 10 likes,
  5 shares), 6 April 20:00 (3,000, 30, 20) and 14 April 10:00 (500, 5, 1);
- a Weibo post on 20 March 2026 (200 reads, 20 likes): the previous quarter (环比, 1 January
  to 31 March 2026); one on 10 May 2025 (50 reads, 5 likes): a year earlier (同比);
- the campaign's objectives: reads 100,000 (4.5%: missed badly), likes 10 (4.5 times over:
  exceeded far), shares 26 (met exactly: no advice), views 500 (none recorded: WeChat
  reports reads);
- a budget for the quarter: staff 20,000.00 allocated and nothing spent, promotion 1,000.00
  allocated and 800.00 spent; the last event is recorded on 1 July (the period is over).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest
from typer.testing import CliRunner

from libops import (
    Actor,
    LibOps,
    MetricSnapshot,
    Money,
    Objective,
    Period,
    Platform,
    PostVariant,
    Role,
)
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.cli import app
from libops.domain.errors import InvalidValueError
from libops.domain.values import ReviewChecklist
from libops.report import build_report, render_charts, render_html, render_markdown
from libops.report.blocks import LIBOPS_ACTORS, SECTIONS, Chart, blocks, title_text
from libops.report.comparisons import previous_period, year_earlier
from libops.report.sections import Report
from libops.report.statistics import MIN_POSTS_FOR_CORRELATION
from libops.report.summary import report_kind
from libops.report.words import STRINGS, Words
from tests.actors import ADMIN, OWNER, PLANNER, REVIEWER, TECH

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
Q2 = Period(date(2026, 4, 1), date(2026, 6, 30))
WECHAT_POSTS = (  # (day, hour, reads, likes, shares)
    (date(2026, 4, 6), 9, 1000, 10, 5),
    (date(2026, 4, 6), 20, 3000, 30, 20),
    (date(2026, 4, 14), 10, 500, 5, 1),
)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def _publish(
    ops: LibOps,
    clock: ManualClock,
    platform: str,
    when: datetime,
    campaign_id: object = None,
    **counts: int,
) -> None:
    """Draft, review, publish at ``when`` and record one snapshot an hour later."""
    clock.set(when - timedelta(minutes=30))
    post_id = ops.posts.draft(
        PLANNER,
        title=f"Post on {platform} at {when.isoformat()}",
        body="Books for the season.",
        content_type="knowledge",
        format="image_text",
        variants=[PostVariant(Platform(platform), "Books for the season.", media=("cover.jpg",))],
        campaign_id=campaign_id,  # type: ignore[arg-type]
    )
    ops.posts.submit_for_review(PLANNER, post_id)
    ops.posts.review(REVIEWER, post_id, PASSED, approve=True)
    clock.set(when)
    ops.posts.schedule(ADMIN, post_id, platform, when)
    ops.publishing.publish(ADMIN, post_id, platform)
    clock.set(when + timedelta(hours=1))
    ops.posts.record_metrics(TECH, post_id, MetricSnapshot(platform, clock.now(), **counts))


@contextmanager
def _built(url: str) -> Iterator[LibOps]:
    """The store of the module docstring at ``url``, open."""
    clock = ManualClock(datetime(2025, 5, 1, tzinfo=UTC))
    gateways = [SandboxPlatform(p, seed=1, clock=clock) for p in ("weibo", "wechat")]
    with LibOps.open(url, clock=clock, migrate=True, gateways=gateways) as ops:
        _fill(ops, clock)
        yield ops


def _fill(ops: LibOps, clock: ManualClock) -> None:
    """Record the history of the module docstring."""
    _publish(ops, clock, "weibo", _at(date(2025, 5, 10), 9), reads=50, likes=5)
    _publish(ops, clock, "weibo", _at(date(2026, 3, 20), 9), reads=200, likes=20)
    clock.set(datetime(2026, 3, 25, tzinfo=UTC))
    campaign_id = ops.campaigns.plan(
        PLANNER,
        name="Spring reading",
        kind="topic",
        period=Q2,
        platforms=["wechat"],
        objectives=[
            Objective("reads", 100_000),
            Objective("likes", 10),
            Objective("shares", 26),
            Objective("views", 500),
        ],
    )
    ops.campaigns.launch(ADMIN, campaign_id)
    budget_id = ops.budgets.open(OWNER, name="Q2 budget", period=Q2)
    ops.budgets.allocate(OWNER, budget_id, "staff", Money("20000.00"))
    ops.budgets.allocate(OWNER, budget_id, "promotion", Money("1000.00"))
    for day, hour, reads, likes, shares in WECHAT_POSTS:
        _publish(
            ops,
            clock,
            "wechat",
            _at(day, hour),
            campaign_id,
            reads=reads,
            likes=likes,
            shares=shares,
        )
    for i in range(1, 9):
        when = _at(date(2026, 5, 1) + timedelta(days=i), 8 + i)
        _publish(ops, clock, "weibo", when, reads=100 * i, likes=10 * i)
    clock.set(datetime(2026, 7, 1, 4, tzinfo=UTC))
    ops.budgets.record_expense(
        ADMIN,
        budget_id,
        vendor="Weibo",
        invoice_reference="INV-1",
        amount=Money("800.00"),
        category="promotion",
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The store described in the module docstring, on a SQLite file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sections') / 'sections.db'}"
    with _built(url):
        pass
    return url


@pytest.fixture
def report(built: str) -> Iterator[Report]:
    with LibOps.open(built) as ops:
        yield build_report(ops, period=Q2, library="Riverside Library", people=[PLANNER])


# --- hand computations ----------------------------------------------------------------------


def _part(r: float, z: float, likes: float, s: float) -> float:
    return (
        0.70 * math.log(r + 1)
        + 0.09 * math.log(10 * z + 1)
        + 0.06 * math.log(10 * likes + 1)
        + 0.15 * math.log(10 * s + 1)
    )


def _wci(days: int, posts: list[tuple[date, int, int, int, int]]) -> float:
    """Qingbo's WCI V14.2 of ``posts`` over ``days`` days, with floats (在看 = 0)."""
    n = len(posts)
    counts = [(reads, likes, shares) for _, _, reads, likes, shares in posts]
    totals = [sum(c[i] for c in counts) for i in range(3)]
    heads: dict[date, tuple[int, int, int]] = {}
    for day, _, reads, likes, shares in sorted(posts, key=lambda p: (p[0], p[1])):
        heads.setdefault(day, (reads, likes, shares))
    headline = [sum(c[i] for c in heads.values()) for i in range(3)]
    peak = [max(c[i] for c in counts) for i in range(3)]
    o = _part(totals[0] / days, 0, totals[1] / days, totals[2] / days)
    a = _part(totals[0] / n, 0, totals[1] / n, totals[2] / n)
    h = _part(headline[0] / days, 0, headline[1] / days, headline[2] / days)
    p_ = _part(peak[0], 0, peak[1], peak[2])
    return (0.6 * o + 0.2 * a + 0.1 * h + 0.1 * p_) ** 2 * 12


# --- the figures ----------------------------------------------------------------------------


class TestFigures:
    def test_statistics(self, report: Report) -> None:
        """Weibo: rates all 10%, reach 100..800 (mean 450, sd sqrt(60,000)); reach and
        engagements rise together (ρ = 1); the hour cannot correlate with a constant rate.
        WeChat: 3 posts, too few for a correlation."""
        by = {s.platform: s for s in report.statistics}
        weibo = by["weibo"]
        assert weibo.posts == 8
        assert weibo.rate is not None
        assert weibo.reach is not None
        assert (weibo.rate.mean, weibo.rate.sd) == (Decimal("0.1"), Decimal(0))
        assert (weibo.reach.n, weibo.reach.mean, weibo.reach.median) == (
            8,
            Decimal(450),
            Decimal(450),
        )
        assert weibo.reach.sd is not None
        assert abs(float(weibo.reach.sd) - math.sqrt(60_000)) < 1e-9
        assert (weibo.reach.minimum, weibo.reach.maximum) == (Decimal(100), Decimal(800))
        reach, hour = weibo.correlations
        assert (reach.x, reach.y, reach.n) == ("reach", "engagements", 8)
        assert reach.coefficient == 1
        assert reach.strength == "strong"
        assert (hour.coefficient, hour.reason) == (None, "constant")
        wechat = by["wechat"]
        assert wechat.posts == 3 < MIN_POSTS_FOR_CORRELATION
        assert [c.reason for c in wechat.correlations] == ["too_few_posts"] * 2

    def test_wechat_index(self, report: Report, built: str) -> None:
        """The period's WCI (d = 91) and each week's (d = 7) match the formula worked out by
        hand; for a report on everything, a week's WCI is the view's."""
        x = report.wechat_index
        assert x is not None
        assert x.period_wci is not None
        assert (x.version, x.days, x.articles, x.reads) == ("V14.2", 91, 3, 4500)
        assert abs(float(x.period_wci) - _wci(91, list(WECHAT_POSTS))) < 0.006
        assert x.inputs_left_out == ("wows",)
        assert [(w.week, w.start, w.articles) for w in x.weeks] == [
            ("2026-W15", date(2026, 4, 6), 2),
            ("2026-W16", date(2026, 4, 13), 1),
        ]
        assert abs(float(x.weeks[0].wci) - _wci(7, list(WECHAT_POSTS[:2]))) < 0.006
        with LibOps.open(built) as ops:
            view = ops.projections.view("wci")
        assert [Decimal(view[f"week:{w.week}"]["wci"]) for w in x.weeks] == [w.wci for w in x.weeks]

    def test_a_week_cut_by_the_period_counts_its_days(self, built: str) -> None:
        """Period 1-10 April: the week of 6 April has 5 days in it, d = 5."""
        with LibOps.open(built) as ops:
            found = build_report(ops, period=(date(2026, 4, 1), date(2026, 4, 10)))
        x = found.wechat_index
        assert x is not None
        (week,) = x.weeks
        assert (week.start, week.end, week.articles) == (date(2026, 4, 6), date(2026, 4, 10), 2)
        assert abs(float(week.wci) - _wci(5, list(WECHAT_POSTS[:2]))) < 0.006
        assert abs(float(week.wci) - _wci(7, list(WECHAT_POSTS[:2]))) > 1

    def test_comparisons(self, report: Report) -> None:
        """环比 against Q1 2026 (one Weibo post), 同比 against Q2 2025."""
        c = report.comparisons
        assert c.reason is None
        assert c.previous is not None
        assert c.year_earlier is not None
        assert (c.previous.start, c.previous.end) == (date(2026, 1, 1), date(2026, 3, 31))
        assert (c.year_earlier.start, c.year_earlier.end) == (date(2025, 4, 1), date(2025, 6, 30))
        # Like with like: Q1 had Weibo only, so both columns count Weibo only (8 of the
        # quarter's 11 post variants), and WeChat is named as left out.
        assert c.previous.platforms == ("weibo",)
        assert c.previous.left_out == ("wechat",)
        now = c.previous.now
        assert (now.posts, now.reach, now.engagements) == (8, 3600, 360)
        assert (c.previous.then.posts, c.previous.then.reach) == (1, 200)
        assert c.previous.change("reach") == Decimal("17")
        assert c.previous.change("followers_gained") is None  # 0 then
        assert (c.year_earlier.then.reach, c.year_earlier.then.engagements) == (50, 5)

    def test_budget_use(self, report: Report) -> None:
        """Staff spent 0 of 20,000 (flagged), promotion 800 of 1,000 (80%, not flagged)."""
        u = report.budget_use
        assert u.period_over
        lines = {x.category: x for x in u.lines}
        assert (lines["staff"].used, lines["staff"].flagged) == (Decimal(0), True)
        assert (lines["promotion"].used, lines["promotion"].flagged) == (Decimal("0.8"), False)

    def test_a_running_budget_is_not_judged(self) -> None:
        """A budget whose period has not ended by the last record: no line flagged."""
        clock = ManualClock(datetime(2026, 5, 1, tzinfo=UTC))
        with LibOps.open("memory://", clock=clock) as ops:
            budget_id = ops.budgets.open(OWNER, name="Q2 budget", period=Q2)
            ops.budgets.allocate(OWNER, budget_id, "staff", Money("20000.00"))
            found = build_report(ops, period=(date(2026, 4, 1), date(2026, 4, 30)))
        assert [(x.category, x.used, x.flagged) for x in found.budget_use.lines] == [
            ("staff", Decimal(0), False)
        ]
        assert not found.budget_use.period_over
        assert STRINGS["en"]["p.budget_running"] in render_markdown(found)
        assert [f.kind for f in found.summary] == []

    def test_target_advice(self, report: Report) -> None:
        """Reads at 4.5% are missed badly, likes 4.5 times over exceeded far; shares met
        exactly get no advice; views, none recorded, are to be checked."""
        advice = [(f.kind, f.figure("metric"), f.figure("times")) for f in report.target_advice]
        assert advice == [
            ("target_missed_badly", "reads", Decimal("0.0")),
            ("target_exceeded_far", "likes", Decimal("4.5")),
            ("target_nothing_recorded", "views", Decimal("0.0")),
        ]

    def test_summary(self, report: Report) -> None:
        """The rule: objectives (2 of 4 met, views furthest behind), the biggest change
        against the previous period on Weibo, the one platform with posts in both (reach
        +1,700%), then the budget line left unused."""
        kinds = [f.kind for f in report.summary]
        assert kinds == [
            "summary_objectives_missed",
            "summary_change_previous_up_on",
            "summary_budget_unused",
        ]
        objectives, change, budget = report.summary
        assert (objectives.figure("met"), objectives.figure("total")) == (2, 4)
        assert objectives.figure("metric") == "views"
        assert change.as_dict() == {
            "figure": "figure.reach",
            "change": Decimal("17"),
            "now": 3600,
            "then": 200,
            "platforms": ("weibo",),
        }
        assert budget.figure("category") == "staff"

    def test_people_by_name_and_role(self, report: Report, built: str) -> None:
        """A person the report was given shows by name and role; the others by id."""
        people = {p.actor_id: p for p in report.execution.people}
        assert (people[PLANNER.id].name, people[PLANNER.id].roles) == (
            "Li Na",
            ("content_planner",),
        )
        assert people[REVIEWER.id].name is None
        text = render_markdown(report, lang="en")
        assert "| Li Na | content planner |" in text
        assert f"| {PLANNER.id} |" not in text
        assert f"| {REVIEWER.id} | — |" in text
        zh = render_markdown(report, lang="zh")
        assert "| Li Na | 内容策划 |" in zh


def test_the_store_users_are_named_without_people() -> None:
    """A user of the store (libops users add) shows by name and role with no people given;
    people given name someone differently win; someone who is neither shows by id."""
    with LibOps.open("memory://") as ops:
        ops.users.add(ADMIN, login="pat.plan", name="Pat Planner", roles=["content_planner"])
        pat = Actor("pat.plan", [Role.CONTENT_PLANNER])
        other = Actor("sam.plan", [Role.CONTENT_PLANNER])
        for who in (pat, other):
            ops.campaigns.plan(
                who,
                name=f"Plan of {who.id}",
                kind="topic",
                period=Period(date(2026, 4, 1), date(2026, 4, 30)),
                platforms=["weibo"],
                objectives=[],
            )
        shown = {p.actor_id: (p.name, p.roles) for p in build_report(ops).execution.people}
        assert shown["pat.plan"] == ("Pat Planner", ("content_planner",))
        assert shown["sam.plan"] == (None, ())
        renamed = attrs.evolve(pat, name="Patricia")
        given = build_report(ops, people=[renamed]).execution.people
        assert {p.actor_id: p.name for p in given}["pat.plan"] == "Patricia"


def test_libops_own_actors_are_named() -> None:
    """The actors libops acts under are named in both languages (not by a raw id)."""
    for lang in ("en", "zh"):
        words = Words(lang)
        assert all(words.label(a) != a for a in LIBOPS_ACTORS)


class TestStoreKinds:
    def test_every_kind_of_store_gives_the_same_sections(self, store_url: str, built: str) -> None:
        """Memory, SQLite and PostgreSQL give the same new sections' figures."""
        with _built(store_url) as ops:
            here = build_report(ops, period=Q2)
        with LibOps.open(built) as ops:
            there = build_report(ops, period=Q2)
        for name in ("statistics", "wechat_index", "comparisons", "target_advice", "summary"):
            assert getattr(here, name) == getattr(there, name), name
        assert [attrs.evolve(x, budget="") for x in here.budget_use.lines] == [
            attrs.evolve(x, budget="") for x in there.budget_use.lines
        ]


# --- the rendering ----------------------------------------------------------------------------


class TestRendering:
    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_every_new_section_is_shown(self, report: Report, lang: str) -> None:
        text = render_markdown(report, lang=lang)
        headings = [line for line in text.splitlines() if line.startswith("## ")]
        every = [line for line in text.splitlines() if line.startswith("##")]
        for name in SECTIONS:  # numbered by the layout (1. / （一）), maybe inside a chapter
            assert any(line.endswith(STRINGS[lang]["h." + name]) for line in every), name
        assert text.index(STRINGS[lang]["h.summary"]) < text.index(STRINGS[lang]["h.background"])
        assert headings[0] == f"## {STRINGS[lang]['h.summary']}"  # the summary is first
        assert headings[-1] == f"## {STRINGS[lang]['h.appendix']}"  # the appendix is last

    def test_english_sentences(self, report: Report) -> None:
        text = render_markdown(report, lang="en")
        assert text.startswith(
            "# Riverside Library — social media evaluation report, April–June 2026 (quarterly)"
        )
        assert (
            "Against the previous period, on Weibo (the platforms with posts in both periods), "
            "reach rose by 1,700.00%, from 200 to 3,600." in text
        )
        assert "Like with like: both columns count only Weibo" in text
        assert "Left out, with posts in one period only: WeChat." in text
        assert "| Reach | 3,600 | 200 | +1,700.00% |" in text
        assert "| Q2 budget | staff | general line | CNY | 20,000.00 | 0.00 | 0.00% |" in text
        assert "only 0.00 of 20,000.00 CNY spent (0.00%)" in text
        assert "likes (all platforms) reached 45, 4.5 × its target of 10" in text
        assert "nothing was recorded towards views (all platforms), target 500: check" in text
        assert "| WeChat | reach and engagements | 3 | — | too few posts (fewer than 8) |" in text
        assert "| Weibo | reach and engagements | 8 | +1.000 | strong |" in text
        assert "WCI (V14.2, Qingbo) of 3 posts on WeChat over 91 days: " in text

    def test_chinese_sentences(self, report: Report) -> None:
        text = render_markdown(report, lang="zh")
        assert text.startswith("# Riverside Library新媒体运营评估报告（2026年第二季度）")
        assert (
            "与上期相比（环比，仅计两期均有发布的微博），"
            "阅读或播放次数增长 1,700.00%，由 200 增至 3,600。" in text
        )
        assert "同口径对比：两列均只统计两期都有发布的微博；" in text
        assert "### （四）与往期对比（环比、同比）" in text  # under 一、总体情况
        assert "#### 环比（上期：2026-01-01 至 2026-03-31）" in text
        assert "#### 同比（去年同期：2025-04-01 至 2025-06-30）" in text
        assert "清博 V14.2 版" in text
        assert "未纳入：在看" in text

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_storage_only_in_the_appendix(self, report: Report, built: str, lang: str) -> None:
        """The store's URL and the number of records appear in the appendix, nowhere else."""
        text = render_markdown(report, lang=lang)
        appendix = text.index(f"## {STRINGS[lang]['h.appendix']}")
        store = report.background.store.replace("_", "\\_")
        assert text.count(store) == 1
        assert text.index(store) > appendix
        records = f"{report.background.events:,}"
        assert records in text[appendix:]
        assert records not in text[:appendix]
        assert "2026-07-01 12:00" in text[appendix:]  # the last record, Beijing time

    def test_no_earlier_data_is_a_sentence(self, report: Report, built: str) -> None:
        """A period with no data before it: one sentence, no comparison table."""
        with LibOps.open(built) as ops:
            early = build_report(ops, period=(date(2025, 5, 1), date(2025, 5, 31)))
        assert early.comparisons.reason == "no_data"
        text = render_markdown(early, lang="en")
        # (by its heading, whatever its number: sections before it come and go)
        section = text.split(". Comparison with earlier periods\n", 1)[1].split("\n## ", 1)[0]
        assert "| " not in section
        assert STRINGS["en"]["p.no_comparison.no_data"] in section
        assert early.background.kind == "monthly"

    def test_a_campaign_is_not_compared(self, built: str) -> None:
        with LibOps.open(built) as ops:
            campaign = ops.campaigns.list()[0]
            found = build_report(ops, campaign_id=campaign.id)
        assert found.comparisons.reason == "campaign"
        assert [f.kind for f in found.summary][1] == "summary_engagement_campaign"
        assert found.summary[1].figure("posts") == 3
        assert found.background.kind == "campaign"
        assert title_text(found, Words("en")) == (
            "Social media evaluation report, Spring reading, 1 Apr 2026 – 30 Jun 2026 (campaign)"
        )


class TestTitle:
    @pytest.mark.parametrize(
        ("period", "kind", "en", "zh"),
        [
            (
                (date(2026, 3, 1), date(2026, 3, 31)),
                "monthly",
                "Mar 2026 (monthly)",
                "2026年3月",
            ),
            (
                (date(2026, 1, 1), date(2026, 3, 31)),
                "quarterly",
                "January–March 2026 (quarterly)",
                "2026年第一季度",
            ),
            (
                (date(2026, 10, 1), date(2026, 12, 31)),
                "quarterly",
                "October–December 2026 (quarterly)",
                "2026年第四季度",
            ),
            (
                (date(2026, 7, 1), date(2026, 12, 31)),
                "half_year",
                "July–December 2026 (half-year)",
                "2026年下半年",
            ),
            ((date(2026, 1, 1), date(2026, 12, 31)), "annual", "2026 (annual)", "2026年度"),
            (  # libops demo --scale 3: three whole quarters
                (date(2026, 4, 1), date(2026, 12, 31)),
                "quarters",
                "Q2 2026 – Q4 2026 (3 quarters)",
                "2026年第二季度至2026年第四季度，共 3 个季度",
            ),
            (  # --scale 5, into the next year
                (date(2026, 4, 1), date(2027, 6, 30)),
                "quarters",
                "Q2 2026 – Q2 2027 (5 quarters)",
                "2026年第二季度至2027年第二季度，共 5 个季度",
            ),
            (  # two quarters that are not a half-year
                (date(2026, 4, 1), date(2026, 9, 30)),
                "quarters",
                "Q2 2026 – Q3 2026 (2 quarters)",
                "2026年第二季度至2026年第三季度，共 2 个季度",
            ),
            (
                (date(2026, 4, 2), date(2026, 4, 6)),
                "custom",
                "2 Apr 2026 – 6 Apr 2026 (custom range)",
                "2026年4月2日至2026年4月6日",
            ),
            (
                (date(2026, 2, 1), date(2026, 4, 30)),
                "custom",
                "1 Feb 2026 – 30 Apr 2026 (custom range)",
                "2026年2月1日至2026年4月30日",
            ),
        ],
    )
    def test_title_per_kind(
        self, report: Report, period: tuple[date, date], kind: str, en: str, zh: str
    ) -> None:
        assert report_kind(Period(*period), None) == kind
        shown = attrs.evolve(
            report,
            background=attrs.evolve(report.background, period=Period(*period), kind=kind),
        )
        assert title_text(shown, Words("en")) == (
            f"Riverside Library — social media evaluation report, {en}"
        )
        assert title_text(shown, Words("zh")) == f"Riverside Library新媒体运营评估报告（{zh}）"
        anonymous = attrs.evolve(shown, background=attrs.evolve(shown.background, library=None))
        assert title_text(anonymous, Words("en")) == f"Social media evaluation report, {en}"
        assert title_text(anonymous, Words("zh")) == f"新媒体运营评估报告（{zh}）"

    def test_html_title(self, report: Report) -> None:
        page = render_html(report, lang="zh", charts=dict.fromkeys(render_charts_names(), b""))
        assert "<title>Riverside Library新媒体运营评估报告（2026年第二季度）</title>" in page

    @pytest.mark.parametrize("library", ["", "two\nlines", 7])
    def test_bad_library_name(self, built: str, library: object) -> None:
        with LibOps.open(built) as ops, pytest.raises(InvalidValueError, match="library"):
            build_report(ops, library=library)  # type: ignore[arg-type]

    @pytest.mark.parametrize("people", ["li.na", [object()], 3])
    def test_bad_people(self, built: str, people: object) -> None:
        with LibOps.open(built) as ops, pytest.raises(InvalidValueError, match="Actor"):
            build_report(ops, people=people)  # type: ignore[arg-type]

    def test_command_line(self, built: str, tmp_path: object) -> None:
        out = f"{tmp_path}/out"
        result = CliRunner().invoke(
            app,
            ["report", "--store", built, "--library", "Riverside Library", "--out", out],
        )
        assert result.exit_code == 0, result.output
        with open(f"{out}/report-en.md", encoding="utf-8") as written:
            assert written.readline().startswith("# Riverside Library — social media")
        bad = CliRunner().invoke(app, ["report", "--store", built, "--library", " ", "--out", out])
        assert bad.exit_code == 2
        assert "library" in bad.output


def render_charts_names() -> tuple[str, ...]:
    from libops.report import CHART_NAMES

    return tuple(CHART_NAMES)


# --- an empty store -------------------------------------------------------------------------


class TestEmptyStore:
    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_a_short_report(self, lang: str) -> None:
        """An empty store: the summary says nothing was recorded, no data section, no
        table, no chart; the appendix says the store holds no record."""
        with LibOps.open("memory://") as ops:
            report = build_report(ops, lang=lang)
        assert report.is_empty
        text = render_markdown(report)
        assert STRINGS[lang]["p.empty"] in text
        assert "|" not in text
        assert "![" not in text
        assert not [b for b in blocks(report, Words(lang)) if isinstance(b, Chart)]
        for name in ("engagement", "budget", "risks", "statistics", "wechat_index"):
            assert STRINGS[lang][f"h.{name}"] not in text
        assert STRINGS[lang]["h.appendix"] in text
        assert STRINGS[lang]["h.background"] in text
        assert set(render_charts(report)) == set(render_charts_names())  # still all drawn

    def test_a_chart_without_data_is_left_out(self, built: str) -> None:
        """A report with data but no open risk has no risk heat map chart."""
        with LibOps.open(built) as ops:
            report = build_report(ops, period=Q2)
        assert not report.is_empty
        assert report.risks.open_risks == 0
        names = [b.name for b in blocks(report, Words("en")) if isinstance(b, Chart)]
        assert "risk_heat_map" not in names
        assert "engagement_by_platform" in names


def test_earlier_periods() -> None:
    """The previous period of a calendar unit is the unit before, of other periods the same
    number of days before; 29 February a year back is the 28th."""
    assert previous_period(Q2) == Period(date(2025, 12, 31), date(2026, 3, 31))
    assert previous_period(Q2, "quarterly") == Period(date(2026, 1, 1), date(2026, 3, 31))
    jan = Period(date(2026, 1, 1), date(2026, 1, 31))
    assert previous_period(jan, "monthly") == Period(date(2025, 12, 1), date(2025, 12, 31))
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert previous_period(march, "monthly") == Period(date(2026, 2, 1), date(2026, 2, 28))
    h1 = Period(date(2026, 1, 1), date(2026, 6, 30))
    assert previous_period(h1, "half_year") == Period(date(2025, 7, 1), date(2025, 12, 31))
    year = Period(date(2026, 1, 1), date(2026, 12, 31))
    assert previous_period(year, "annual") == Period(date(2025, 1, 1), date(2025, 12, 31))
    assert year_earlier(Period(date(2028, 2, 1), date(2028, 2, 29))) == Period(
        date(2027, 2, 1), date(2027, 2, 28)
    )


def test_no_earlier_period_before_1900() -> None:
    """A report of the first days libops accepts has no earlier period: no error."""
    with LibOps.open("memory://") as ops:
        found = build_report(ops, period=(date(1900, 1, 1), date(1900, 1, 31)))
    assert found.comparisons.reason == "no_data"

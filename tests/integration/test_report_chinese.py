"""The Chinese report (issue 14, item 5): the six chapters a library's leadership reads, every
section of the plan under one of them, the communication indices (WCI with its version, BCI,
libops's own short-video index, the weighted index and its weights), and the field's terms;
the English report keeps its plan-ordered sections. The indices are checked against
hand-computed values on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from libops import LibOps, MetricSnapshot, Period, PostVariant, ReviewChecklist
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.analysis import bci, video_index
from libops.domain.errors import IndexWeightsError
from libops.projections.wci import wci
from libops.report import SECTIONS, Report, build_report, render_html, render_markdown
from libops.report import blocks as blocks_module
from libops.report.blocks import (
    LAYOUTS,
    UNNUMBERED,
    Chapter,
    Heading,
    Layout,
    blocks,
    chinese_numeral,
    layout,
)
from libops.report.strings_en import STRINGS as STRINGS_EN
from libops.report.strings_zh import STRINGS as STRINGS_ZH
from libops.report.words import Words
from tests.actors import ADMIN, PLANNER, REVIEWER, TECH
from tests.helpers import count_events

CHAPTERS = (
    "一、总体情况",
    "二、各平台数据分析",
    "三、内容建设与典型案例",
    "四、影响力与荣誉",
    "五、存在问题",
    "六、下一步工作计划",
)
SUMMARY, APPENDIX = STRINGS_ZH["h.summary"], STRINGS_ZH["h.appendix"]
"""The two level-2 headings outside the chapters: the summary before, the appendix after."""
PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
MONDAY = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, ISO week 2026-W15
WEEK = Period(date(2026, 4, 6), date(2026, 4, 12))

# (platform, hours after MONDAY, counts): A and B on WeChat on Monday (A is the day's headline),
# D on Weibo and F on Douyin on Monday, E on Weibo on Tuesday, C on WeChat on Wednesday.
POSTS: tuple[tuple[str, int, dict[str, int]], ...] = (
    ("wechat", 0, {"reads": 1000, "likes": 20, "shares": 10, "comments": 3}),  # A
    ("weibo", 1, {"reads": 2000, "likes": 40, "shares": 10, "comments": 5}),  # D
    ("wechat", 2, {"reads": 500, "likes": 5, "shares": 2, "comments": 1}),  # B
    ("douyin", 3, {"views": 5000, "likes": 100, "shares": 5, "comments": 10}),  # F
    ("weibo", 25, {"reads": 300, "likes": 2, "shares": 0, "comments": 1}),  # E
    ("wechat", 49, {"reads": 120_000, "likes": 300, "shares": 50, "comments": 30}),  # C
)


IN_CAMPAIGN = (1, 5)
"""D (Weibo) and C (WeChat) belong to the week's campaign."""


def _publish(ops: LibOps, clock: ManualClock) -> None:
    campaign = ops.campaigns.plan(PLANNER, name="读书周", kind="topic", period=WEEK)
    for number, (platform, hours, counts) in enumerate(POSTS):
        clock.set(MONDAY + timedelta(hours=hours))
        post_id = ops.posts.draft(
            PLANNER,
            title=f"Post {number}",
            body="Reading list.",
            content_type="knowledge",
            format="video" if platform == "douyin" else "image_text",
            variants=[PostVariant(platform, f"Reading list {number}", media=("m.jpg",))],
            campaign_id=campaign if number in IN_CAMPAIGN else None,
        )
        ops.posts.submit_for_review(PLANNER, post_id)
        ops.posts.review(REVIEWER, post_id, PASSED, approve=True)
        ops.posts.schedule(ADMIN, post_id, platform, ops.clock.now())
        ops.publishing.publish(ADMIN, post_id, platform)
        clock.advance(timedelta(minutes=30))
        ops.posts.record_metrics(TECH, post_id, MetricSnapshot(platform, clock.now(), **counts))


@pytest.fixture
def week_ops(store_url: str) -> Iterator[LibOps]:
    """A store of every kind holding the six posts of :data:`POSTS`, metrics recorded."""
    clock = ManualClock(MONDAY)
    gateways = [SandboxPlatform(p, seed=3, clock=clock) for p in ("wechat", "weibo", "douyin")]
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=gateways) as ops:
        _publish(ops, clock)
        yield ops


def _by_platform(report: Report) -> dict[str, Any]:
    return {p.platform: p for p in report.indices.platforms}


class TestIndicesOfAStore:
    def test_hand_computed(self, week_ops: LibOps) -> None:
        """The week's indices: BCI and the short-video index from the week's totals, the WCI
        with d = 7 from the WCI view's own figures, and the default weighted index."""
        report = build_report(week_ops, period=WEEK)
        found = _by_platform(report)
        assert report.indices.days == 7
        assert found["weibo"].value == bci(posts=2, shares=10, comments=6, likes=42)
        assert found["douyin"].value == video_index(videos=1, shares=5, comments=10, likes=100)
        expected_wci = wci(
            days=7,
            totals=(121_500, 0, 325, 62),
            articles=3,
            headline=(121_000, 0, 320, 60),  # A (Monday's first) and C
            peak=(120_000, 0, 300, 50),
        )
        assert found["wechat"].value == Decimal(expected_wci)
        week = week_ops.projections.view("wci")["week:2026-W15"]
        assert found["wechat"].value == Decimal(week["wci"])  # the view's own figure
        assert found["wechat"].version == "V14.2"
        wechat = report.indices.wechat
        assert wechat is not None
        assert (wechat.headline_reads, wechat.peak_reads, wechat.over_100k) == (121_000, 120_000, 1)
        assert found["wechat"].posts == 3
        assert found["wechat"].reach_per_post == Decimal(121_500) / 3
        assert found["weibo"].like_rate == Decimal(42) / Decimal(2300)
        weighted = (
            40 * Fraction(found["wechat"].value)
            + 25 * Fraction(found["weibo"].value)
            + 20 * Fraction(found["douyin"].value)
        ) / 85
        assert report.indices.weighted == Decimal(math.floor(weighted * 100 + Fraction(1, 2))) / 100

    def test_weights_change_the_weighted_index(self, week_ops: LibOps) -> None:
        """Weibo alone weighed: the weighted index is the BCI; a given weight shows as given."""
        default = build_report(week_ops, period=WEEK)
        weibo = build_report(week_ops, period=WEEK, index_weights={"weibo": 1})
        assert weibo.indices.weighted == _by_platform(weibo)["weibo"].value
        assert weibo.indices.weighted != default.indices.weighted
        assert [(s.platform, s.weight, s.share) for s in weibo.indices.weights] == [
            ("weibo", Decimal(1), Decimal("1.0000"))
        ]

    def test_absent_platforms_are_left_out(self, week_ops: LibOps) -> None:
        """On Tuesday only Weibo published: WeChat and Douyin have no index, their weights
        are dropped and Weibo carries the whole weighted index."""
        report = build_report(week_ops, period=(date(2026, 4, 7), date(2026, 4, 7)))
        found = _by_platform(report)
        assert found["wechat"].value is None
        assert found["douyin"].value is None
        assert found["weibo"].value == bci(posts=1, shares=0, comments=1, likes=2)
        assert report.indices.weighted == found["weibo"].value
        shares = {s.platform: (s.present, s.share) for s in report.indices.weights}
        assert shares == {
            "wechat": (False, None),
            "weibo": (True, Decimal("1.0000")),
            "douyin": (False, None),
        }
        text = render_markdown(report, lang="zh")
        assert "微信公众号：本期无发布。" in text
        assert "| 微信公众号 | 40 | — | — | 否 |" in text

    def test_a_campaign_s_posts_only(self, week_ops: LibOps) -> None:
        """A campaign's report: the indices of its posts only (C on WeChat, D on Weibo) over
        its period; Douyin, without a post of the campaign, is left out of the weighted index."""
        campaign = week_ops.campaigns.list()[0].id
        report = build_report(week_ops, campaign_id=campaign)
        found = _by_platform(report)
        c = (120_000, 0, 300, 50)
        assert found["wechat"].value == Decimal(
            wci(days=7, totals=c, articles=1, headline=c, peak=c)
        )
        assert found["weibo"].value == bci(posts=1, shares=10, comments=5, likes=40)
        assert found["douyin"].value is None
        assert [s.platform for s in report.indices.weights if s.present] == ["wechat", "weibo"]

    @pytest.mark.parametrize(
        "weights",
        [{"mastodon": 1}, {"wechat": -1}, {"wechat": 0}, {}, "wechat=40", {"weibo": "25"}],
    )
    def test_bad_weights_are_refused(self, week_ops: LibOps, weights: Any) -> None:
        """Bad weights raise IndexWeightsError and record nothing."""
        before = count_events(week_ops)
        with pytest.raises(IndexWeightsError):
            build_report(week_ops, period=WEEK, index_weights=weights)
        assert count_events(week_ops) == before


# --- the Chinese report's structure -------------------------------------------------------


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """A small demo's report (three platforms, campaigns, budget, risks)."""
    from libops import demo

    url = f"sqlite:///{tmp_path_factory.mktemp('zh') / 'demo.db'}"
    demo.run_demo(url, seed=5, posts=40, days=21, lang="zh", project=True)
    with LibOps.open(url) as ops:
        return build_report(ops, lang="zh")


def _headings(report: Report, lang: str) -> list[Heading]:
    return [b for b in blocks(report, Words(lang)) if isinstance(b, Heading)]


class TestChineseStructure:
    def test_the_six_chapters_in_order(self, demo_report: Report) -> None:
        top = [h for h in _headings(demo_report, "zh") if h.level == 2]
        chapters = [h.text for h in top if h.anchor not in UNNUMBERED]
        assert chapters == list(CHAPTERS)
        markdown = render_markdown(demo_report, lang="zh")
        found = re.findall(r"^## (.+)$", markdown, flags=re.M)
        assert found == [SUMMARY, *CHAPTERS, APPENDIX]

    def test_every_section_under_a_chapter(self, demo_report: Report) -> None:
        """Each section of the plan is a level-3 heading numbered （一）, （二）... in its
        chapter; the headings below a section are one level down too."""
        found = _headings(demo_report, "zh")
        sections = [h for h in found if h.anchor in SECTIONS and h.anchor not in UNNUMBERED]
        assert sorted(h.anchor for h in sections) == sorted(set(SECTIONS) - UNNUMBERED)
        assert all(h.level == 3 for h in sections)
        assert all(re.match(r"（[一二三四五六七八九十]+）", h.text) for h in sections)
        assert {h.level for h in found} == {1, 2, 3, 4}
        under = {name: chapter for chapter, names in _chapters() for name in names}
        assert under["indices"] == "platforms"
        assert under["standing"] == "standing"
        assert under["recommendations"] == "plan"

    def test_the_indices_with_their_versions(self, demo_report: Report) -> None:
        markdown = render_markdown(demo_report, lang="zh")
        page = render_html(demo_report, lang="zh", charts=dict.fromkeys(_charts(), b""))
        for text in (markdown, page):
            assert "清博 WCI V14.2" in text
            assert "BCI 公式" in text
            assert "libops 自定" in text
            assert "跨平台加权传播指数" in text
        # The demo's three weeks hold World Book Day's honour but no month's ranking yet.
        assert "#### 所获荣誉" in markdown
        assert "年度全民阅读优秀新媒体账号" in markdown

    def test_the_field_terms(self, demo_report: Report) -> None:
        """The terms of CN-PRACTICE.md the store can back, and which reads are shown."""
        markdown = render_markdown(demo_report, lang="zh")
        for term in (
            "阅读次数",
            "篇均阅读",
            "头条阅读",
            "10万+",
            "点赞率",
            "互动率",
            "发博数",
            "作品数",
        ):
            assert term in markdown, term
        assert "不是阅读人数" in markdown
        for vague in ("阅读量", "新增粉丝", "触达"):
            assert vague not in markdown, vague

    def test_english_keeps_the_plan_order(self, demo_report: Report) -> None:
        """English: no chapters; the sections at level 2, numbered 1., 2., ... in SECTIONS
        order, their own headings at level 3 as before."""
        found = _headings(demo_report, "en")
        top = [h for h in found if h.level == 2]
        assert [h.anchor for h in top] == list(SECTIONS)
        numbered = [name for name in SECTIONS if name not in UNNUMBERED]
        assert [h.text for h in top if h.anchor not in UNNUMBERED] == [
            f"{n}. {STRINGS_EN['h.' + name]}" for n, name in enumerate(numbered, start=1)
        ]
        assert (top[0].text, top[-1].text) == (STRINGS_EN["h.summary"], STRINGS_EN["h.appendix"])
        assert {h.level for h in found} == {1, 2, 3}

    def test_an_empty_store(self) -> None:
        """Nothing recorded: a short report, the summary saying so, the first chapter with the
        background only, and the appendix; no empty chapter, section or index."""
        with LibOps.open("memory://") as ops:
            report = build_report(ops, lang="zh")
        markdown = render_markdown(report, lang="zh")
        assert re.findall(r"^## (.+)$", markdown, flags=re.M) == [SUMMARY, CHAPTERS[0], APPENDIX]
        assert re.findall(r"^### (.+)$", markdown, flags=re.M) == [
            f"（一）{STRINGS_ZH['h.background']}"
        ]
        assert STRINGS_ZH["p.empty"] in markdown
        assert STRINGS_ZH["p.no_indices"] not in markdown


def _chapters(items: Layout | None = None) -> list[Chapter]:
    """The chapters of a layout (the Chinese one by default): each a key and its sections."""
    chapters = [i for i in (LAYOUTS["zh"] if items is None else items) if isinstance(i, tuple)]
    assert len(chapters) == len(CHAPTERS)
    return chapters


def _charts() -> tuple[str, ...]:
    from libops.report import CHART_NAMES

    return CHART_NAMES


class TestLayouts:
    def test_every_section_is_in_the_chinese_layout(self) -> None:
        """Each section of SECTIONS is named once in the Chinese layout, and nothing else is
        (a section added without a place in a chapter fails here, so a merge is checked)."""
        named = [n for _, names in _chapters() for n in names]
        named += [i for i in LAYOUTS["zh"] if isinstance(i, str)]
        assert sorted(named) == sorted(SECTIONS)
        assert [i for i in LAYOUTS["zh"] if isinstance(i, str)] == ["summary", "appendix"]
        assert LAYOUTS["en"] == SECTIONS

    def test_an_unplaced_section_follows_the_one_before_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A section missing from the layout goes after its predecessor in SECTIONS, in that
        section's chapter; one with no predecessor goes before the first section."""
        at = SECTIONS.index("cadence") + 1
        extended = ("first", *SECTIONS[:at], "extra", *SECTIONS[at:])
        monkeypatch.setattr(blocks_module, "SECTIONS", extended)
        zh = layout("zh")
        chapters = dict(_chapters(zh))
        cadence = chapters["platforms"].index("cadence")
        assert chapters["platforms"][cadence + 1] == "extra"
        assert zh[:2] == ("first", "summary")
        en = layout("en")
        assert en[0] == "first"
        assert en[en.index("cadence") + 1] == "extra"

    def test_headings_carry_no_number(self) -> None:
        """Numbers come from the layout, so no section heading in a catalogue has its own."""
        for strings in (STRINGS_EN, STRINGS_ZH):
            for key, text in strings.items():
                if key.startswith(("h.", "chapter.")):
                    assert not re.match(r"\s*(\d+[.、]|[一二三四五六七八九十]+、|（)", text), key

    @pytest.mark.parametrize(
        ("n", "text"),
        [
            (1, "一"),
            (6, "六"),
            (10, "十"),
            (11, "十一"),
            (20, "二十"),
            (23, "二十三"),
            (99, "九十九"),
        ],
    )
    def test_chinese_numerals(self, n: int, text: str) -> None:
        assert chinese_numeral(n) == text

    @pytest.mark.parametrize("n", [0, 100, -1])
    def test_numerals_out_of_range(self, n: int) -> None:
        with pytest.raises(ValueError, match="1 to 99"):
            chinese_numeral(n)

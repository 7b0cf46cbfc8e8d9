"""The report's topic heat (话题热度) and briefs line, in English and Chinese, from a store
with a cooling topic and briefs drafted on time, drafted late, overdue and dropped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from libops import LibOps, Period, Platform
from libops.adapters.clock import ManualClock
from libops.domain.values import MetricSnapshot
from libops.report import Report, build_report, render_markdown
from libops.report.sections import BriefCounts
from libops.report.words import Words
from tests.actors import ADMIN, PLANNER
from tests.unit.test_engagement_projection import open_with_sandboxes, publish_post


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def report() -> Iterator[Report]:
    clock = ManualClock(at(1, 1))
    with open_with_sandboxes("memory://", clock) as ops:
        yield _scenario(ops, clock)


def _brief(ops: LibOps, title: str, due: date) -> UUID:
    brief_id = ops.briefs.propose(
        PLANNER,
        title=title,
        need="Readers asked",
        content_type="knowledge",
        format="image_text",
        platforms=["weibo"],
    )
    ops.briefs.plan(PLANNER, brief_id, due_on=due, assignee="planner-1")
    return brief_id


def _scenario(ops: LibOps, clock: ManualClock) -> Report:
    campaign = ops.campaigns.plan(
        PLANNER,
        name="World Book Day",
        kind="topic",
        period=Period(date(2026, 3, 1), date(2026, 3, 31)),
        platforms=["weibo"],
        hashtags=["世界读书日"],
    )
    on_time = _brief(ops, "On time", date(2026, 3, 2))
    late = _brief(ops, "Late", date(2026, 3, 3))
    _brief(ops, "Overdue", date(2026, 3, 4))
    dropped = _brief(ops, "Dropped", date(2026, 3, 5))
    post = publish_post(ops, clock, at(2, 1), Platform.WEIBO, campaign_id=campaign)
    ops.briefs.mark_drafted(PLANNER, on_time, post)  # on 2 March, due on the 2nd
    likes = 0
    for day, gained in zip(range(2, 10), (100, 300, 90, 60, 40, 20, 10, 5), strict=True):
        likes += gained
        clock.set(at(day))
        ops.posts.record_metrics(
            ADMIN, post, MetricSnapshot(Platform.WEIBO, at(day), reads=10 * likes, likes=likes)
        )
        if day == 5:
            ops.briefs.mark_drafted(PLANNER, late, post)  # on the 5th, due on the 3rd
            ops.briefs.drop(PLANNER, dropped, "no longer needed")
    ops.projections.run()
    return build_report(ops, period=Period(date(2026, 3, 1), date(2026, 3, 9)))


def test_the_figures(report: Report) -> None:
    assert report.briefs == BriefCounts(
        planned=4, drafted_on_time=1, drafted_late=1, overdue=1, dropped=1
    )
    heat = report.topic_heat
    assert heat.as_of == date(2026, 3, 9)  # the 9th is not over: days before it count
    (row,) = heat.rows
    assert (row.topic, row.posts, row.peak_day, row.peak, row.latest) == (
        "世界读书日",
        1,
        date(2026, 3, 3),
        300,
        10,
    )
    assert row.share == Decimal("0.0333")
    assert (row.days_below, row.cooling) == (5, True)
    assert heat.cooling == (row,)


def test_the_english_section(report: Report) -> None:
    text = render_markdown(report, lang="en")
    assert "## " in text
    assert re.search(r"## \d+\. Topic heat", text)
    assert "| #世界读书日 | 1 | 620 | 2026-03-03 | 300 | 10 | 3.33% | cooling |" in text
    assert (
        "Start a fresh topic to follow #世界读书日: it peaked on 2026-03-03 with 300 "
        "engagements, and on 2026-03-08 it had 10 (3.33% of the peak, 5 days in a row below "
        "40.00%)."
    ) in text
    assert (
        "Content briefs due in the period: 4 planned, 1 drafted on time, 1 drafted late, "
        "1 overdue and 1 dropped."
    ) in text


def test_the_chinese_section(report: Report) -> None:
    text = render_markdown(report, lang="zh")
    assert "话题热度" in text
    assert "| #世界读书日 | 1 | 620 | 2026-03-03 | 300 | 10 | 3.33% | 降温 |" in text
    assert (
        "建议策划新话题接替 #世界读书日：该话题于 2026-03-03 达到峰值，互动 300 次；"
        "2026-03-08 为 10 次（为峰值的 3.33%，已连续 5 天低于 40.00%）。"
    ) in text
    assert (
        "本时段到期的内容选题：已排期 4 个，按时成稿 1 个，逾期成稿 1 个，已逾期 1 个，"
        "已放弃 1 个。"
    ) in text
    section = text[text.index("话题热度") : text.index("建议策划新话题")]
    assert not re.search(r"[A-Za-z]{3,}", section)  # no English word in the section


def test_the_overdue_brief_risk_is_worded_in_chinese() -> None:
    title = "Content brief overdue: 诗歌入门书单"
    assert Words("zh").risk_title(title) == "内容选题逾期：诗歌入门书单"
    assert Words("en").risk_title(title) == title


def test_a_report_without_topics_says_so() -> None:
    with LibOps.open("memory://") as ops:
        ops.campaigns.plan(
            PLANNER, name="Quiet", kind="topic", period=Period(date(2026, 3, 1), date(2026, 3, 2))
        )
        ops.projections.run()
        empty = build_report(ops)
    assert "No campaign topic (hashtag) had posts or engagement" in render_markdown(empty)
    assert "本时段内没有活动话题" in render_markdown(empty, lang="zh")
    assert not empty.briefs.recorded

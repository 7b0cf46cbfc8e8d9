"""The report's team and training (issue 17, item 7): who did what in the period, with the
roster's roles and duties, and the training taken in it, in English and in Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from libops import LibOps, Period, Platform, PostVariant
from libops.adapters.clock import ManualClock
from libops.domain.values import Actor, Role
from libops.report import build_report, render_markdown
from tests.actors import ADMIN

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture(params=["memory", "sqlite"])
def ops(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[LibOps]:
    """Two members with duties; one drafts a post in March; training in February and March
    (only March's is in the report's period)."""
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/libops.db"
    clock = ManualClock(datetime(2026, 3, 20, 2, 0, tzinfo=UTC))
    with LibOps.open(url, clock=clock, migrate=True) as opened:
        users = opened.users
        users.add(ADMIN, login="li.na", name="李娜", roles=["content_planner"])
        users.add(ADMIN, login="wang.fang", name="王芳", roles=["reviewer"])
        users.set_duties(ADMIN, login="li.na", duties=["微信公众号编辑", "摄影"])
        users.set_duties(ADMIN, login="wang.fang", duties=["内容审核"])
        for login in ("li.na", "wang.fang"):
            users.record_training(
                ADMIN, login=login, course="新媒体写作", provider="省图书馆学会",
                on=date(2026, 3, 10), hours=Decimal("6"),
            )  # fmt: skip
        users.record_training(
            ADMIN, login="li.na", course="摄影入门", on=date(2026, 2, 10), hours="3"
        )
        planner = Actor("li.na", [Role.CONTENT_PLANNER])
        opened.posts.draft(
            planner,
            title="新书上架",
            body="本周新到图书三百余册。",
            content_type="news",
            format="image_text",
            variants=[PostVariant(Platform.WEIBO, "本周新到图书三百余册。")],
        )
        clock.advance(timedelta(days=1))
        yield opened


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    end = markdown.index("\n### ", start + len(heading))
    end = markdown.index("\n### ", end + 1)  # the training table follows the team table
    return markdown[start:end]


def test_the_report_holds_the_team_and_its_training(ops: LibOps) -> None:
    report = build_report(ops, period=MARCH)
    people = {p.actor_id: p for p in report.execution.people}
    li_na = people["li.na"]
    assert (li_na.name, li_na.roles, li_na.duties, li_na.drafted) == (
        "李娜",
        ("content_planner",),
        ("微信公众号编辑", "摄影"),
        1,
    )
    (course,) = report.training.courses
    assert (course.course, course.provider, course.people, course.hours) == (
        "新媒体写作",
        "省图书馆学会",
        ("李娜", "王芳"),
        Decimal(12),
    )
    assert report.training.hours == Decimal(12)
    everything = build_report(ops, period=Period(date(2026, 2, 1), date(2026, 3, 31)))
    assert everything.training.hours == Decimal(15)


def test_the_english_section(ops: LibOps) -> None:
    markdown = render_markdown(build_report(ops, period=MARCH), lang="en")
    section = _section(markdown, "### The team and training")
    assert (
        "| Person | Role | Duties | Drafted | Reviews | Published | Answers | Events |" in section
    )
    assert "| 李娜 | content planner | 微信公众号编辑, 摄影 | 1 | 0 | 0 | 0 | 1 |" in section
    assert "| 新媒体写作 | 省图书馆学会 | 李娜, 王芳 | 12 |" in section
    assert "Training in the period: 1 course, 12 hours in all." in section


def test_the_chinese_section(ops: LibOps) -> None:
    markdown = render_markdown(build_report(ops, period=MARCH), lang="zh")
    section = _section(markdown, "### 团队与培训")
    assert "| 人员 |" in section
    assert "| 李娜 | 内容策划 | 微信公众号编辑、摄影 | 1 | 0 | 0 | 0 | 1 |" in section
    assert "| 新媒体写作 | 省图书馆学会 | 李娜、王芳 | 12 |" in section
    assert "本期培训：1 门课程，共 12 学时。" in section
    assert not re.search(r"[A-Za-z]{3,}", section)  # no English word in the section


def test_no_training_in_the_period(ops: LibOps) -> None:
    report = build_report(ops, period=Period(date(2026, 3, 11), date(2026, 3, 31)))
    assert [p.drafted for p in report.execution.people] == [1]
    assert report.training.courses == ()
    assert "No training was recorded in the period." in render_markdown(report, lang="en")
    assert "本期没有培训记录。" in render_markdown(report, lang="zh")

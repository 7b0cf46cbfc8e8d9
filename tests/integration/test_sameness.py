"""The sameness check at review, on every kind of store: near-duplicate drafts are named."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from libops import Actor, FindingKind, LibOps, Period, Platform, PostVariant, ReviewChecklist
from libops.adapters.clock import ManualClock
from libops.analysis.similarity import comparable, most_similar, score
from libops.application.risk_signals import raise_signals
from libops.application.sameness import SamenessSettings, similar_post_id
from libops.domain.errors import InvalidValueError
from libops.projections.signals import HOMOGENEOUS_CONTENT
from libops.report import build_report, render_markdown

PASSED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)

ZH = "世界读书日：图书馆邀您共读经典，4月23日全天开放，借书数量翻倍。"
ZH_AGAIN = "4月23日世界读书日，图书馆全天开放，邀您共读经典，借阅数量翻倍！"
ZH_OTHER = "古籍修复工作坊本周六下午开课，名额有限，请在公众号报名。"
EN = "World Book Day: the library is open all day on 23 April and you may borrow twice as many."
EN_AGAIN = (
    "On 23 April, World Book Day, the library opens all day and you can borrow twice as many!"
)
EN_OTHER = (
    "Our rare-book conservator explains how water-damaged manuscripts are dried and repaired."
)


def draft(ops: LibOps, actor: Actor, title: str, body: str, platform: str = "weibo") -> UUID:
    return ops.posts.draft(
        actor,
        title=title,
        body=body,
        content_type="news",
        format="image_text",
        variants=[PostVariant(Platform(platform), body[:100], media=("cover.jpg",))],
    )


def similar(findings: Any) -> list[tuple[UUID | None, int]]:
    return [
        (similar_post_id(f), int(f.excerpt)) for f in findings if f.kind is FindingKind.SIMILAR_POST
    ]


def test_a_reworded_chinese_draft_names_the_post_it_repeats(
    ops: LibOps, planner: Actor, reviewer: Actor
) -> None:
    first = draft(ops, planner, "世界读书日", ZH)
    ops.posts.submit_for_review(planner, first)
    unrelated = draft(ops, planner, "古籍修复", ZH_OTHER)
    assert similar(ops.posts.submit_for_review(planner, unrelated)) == []
    second = draft(ops, planner, "世界读书日", ZH_AGAIN)
    findings = ops.posts.submit_for_review(planner, second)
    [(named, value)] = similar(findings)
    assert named == first
    assert value >= 70
    # recorded on the post, and the titles are found when asked (not stored in the event)
    assert [(s.post_id, s.title) for s in ops.posts.similar(second)] == [(first, "世界读书日")]
    assert ops.posts.get(second).findings == findings
    # a similar post does not stop approval: it informs the reviewer
    ops.posts.review(reviewer, second, PASSED, approve=True)


def test_english_near_duplicates_are_found_and_unrelated_posts_are_not(
    ops: LibOps, planner: Actor
) -> None:
    first = draft(ops, planner, "World Book Day", EN)
    other = draft(ops, planner, "Conservation", EN_OTHER)
    ops.posts.submit_for_review(planner, first)
    ops.posts.submit_for_review(planner, other)
    second = draft(ops, planner, "World Book Day", EN_AGAIN)
    assert [named for named, _ in similar(ops.posts.submit_for_review(planner, second))] == [first]


def test_only_the_same_account_and_the_window_count(
    memory_ops: LibOps, planner: Actor, clock: ManualClock
) -> None:
    ops = memory_ops
    old = draft(ops, planner, "World Book Day", EN)
    clock.advance(timedelta(days=400))
    on_wechat = draft(ops, planner, "World Book Day", EN, platform="wechat")
    second = draft(ops, planner, "World Book Day", EN_AGAIN)
    # the old one is more than a year back; the WeChat one is another account
    assert similar(ops.posts.submit_for_review(planner, second)) == []
    ops.posts.sameness.settings = SamenessSettings(window=timedelta(days=500))
    third = draft(ops, planner, "World Book Day", EN_AGAIN)
    named = [n for n, _ in similar(ops.posts.submit_for_review(planner, third))]
    assert named == [second, old]
    assert on_wechat not in named


def test_redacted_and_retracted_posts_are_not_compared(
    memory_ops: LibOps, planner: Actor, admin: Actor
) -> None:
    ops = memory_ops
    redacted = draft(ops, planner, "World Book Day", EN)
    retracted = draft(ops, planner, "World Book Day", EN)
    ops.posts.submit_for_review(planner, draft(ops, planner, "warm", "the index"))
    ops.posts.redact(admin, redacted, 1, "reader's complaint")
    ops.posts.retract(admin, retracted, "withdrawn")
    second = draft(ops, planner, "World Book Day", EN_AGAIN)
    assert similar(ops.posts.submit_for_review(planner, second)) == []


def test_the_score_and_its_settings() -> None:
    assert score(ZH, ZH_AGAIN) >= 80
    assert score(EN, EN_AGAIN) >= 80
    assert score(ZH, ZH_OTHER) < 50
    assert score(EN, EN_OTHER) < 50
    assert score(EN, ZH) < 50
    assert comparable("Ｂook，书 book") == "book book 书"
    prepared = {"a": comparable(ZH), "b": comparable(ZH_OTHER), "c": comparable(ZH_AGAIN)}
    assert [m.key for m in most_similar(ZH, prepared, limit=1)] == ["a"]
    for bad in (0, 101, 70.0, True):
        with pytest.raises(InvalidValueError, match="threshold"):
            SamenessSettings(threshold=bad)
    with pytest.raises(InvalidValueError, match="window"):
        SamenessSettings(window=timedelta(0))
    with pytest.raises(InvalidValueError, match="similar posts"):
        SamenessSettings(limit=0)


def test_a_month_of_near_duplicates_opens_a_market_risk_and_closes_it_when_it_falls_back(
    ops: LibOps, planner: Actor
) -> None:
    first = draft(ops, planner, "世界读书日", ZH)
    ops.posts.submit_for_review(planner, first)
    ops.posts.submit_for_review(planner, draft(ops, planner, "Conservation", EN_OTHER))
    ops.posts.submit_for_review(planner, draft(ops, planner, "古籍修复", ZH_OTHER))
    assert raise_signals(ops) == []  # three posts: too few to judge
    repeat = draft(ops, planner, "世界读书日", ZH_AGAIN)
    ops.posts.submit_for_review(planner, repeat)  # 1 of 4 close to a recent post: a quarter
    (fired,) = raise_signals(ops)
    assert fired.signal_id == f"{HOMOGENEOUS_CONTENT}:posts:1"
    assert fired.action == "identified"
    assert fired.risk_id is not None
    risk = ops.risks.get(fired.risk_id)
    assert risk.category.value == "market"
    assert "1 of the 4 posts" in risk.description
    for title, body in [
        ("Hours", "Summer opening hours: 9 to 20, closed on Mondays."),
        ("Quiz", "This week's quiz is about Song dynasty poets."),
    ]:
        ops.posts.submit_for_review(planner, draft(ops, planner, title, body))
    (cleared,) = raise_signals(ops)  # 1 of 6 now
    assert cleared.action == "closed"
    assert cleared.risk_id == fired.risk_id
    assert ops.risks.get(fired.risk_id).is_closed
    assert raise_signals(ops) == []


def test_the_report_names_the_similar_pair_in_both_languages(
    memory_ops: LibOps, planner: Actor
) -> None:
    ops = memory_ops
    ops.campaigns.plan(
        planner,
        name="World Book Day",
        kind="topic",
        period=Period(date(2026, 4, 1), date(2026, 4, 30)),
    )
    ops.posts.submit_for_review(planner, draft(ops, planner, "读书日预告", ZH))
    ops.posts.submit_for_review(planner, draft(ops, planner, "读书日再预告", ZH_AGAIN))
    ops.posts.submit_for_review(planner, draft(ops, planner, "古籍修复", ZH_OTHER))
    report = build_report(ops)
    assert (report.sameness.submitted, report.sameness.near_duplicates) == (3, 1)
    (pair,) = report.sameness.pairs
    assert (pair.post, pair.similar) == ("读书日再预告", "读书日预告")
    english = render_markdown(report, lang="en")
    assert "the sameness check found 1 close to a recent post" in english
    assert "| 读书日再预告 | 读书日预告 |" in english
    chinese = render_markdown(report, lang="zh")
    assert "内容同质化" in chinese
    assert "同质化检查发现 1 条" in chinese

"""The report's copyright section (版权, issue 17): media used, licences ending soon, licence
findings, and the checklist items the library added, in English and Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from libops import LibOps, Period, PostVariant, ReviewChecklist
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.domain.media import Licence, asset_reference
from libops.report import build_report, render_markdown
from libops.report.sections import Copyright, CopyrightAssetRow, ReviewItemRow
from tests.actors import ADMIN, PLANNER, REVIEWER

CHECKED = ReviewChecklist(accuracy=True, copyright=True, privacy=True)
PERIOD = Period(date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def ops(store_url: str) -> Iterator[LibOps]:
    clock = ManualClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    weibo = SandboxPlatform("weibo", seed="weibo", clock=clock)
    with LibOps.open(store_url, clock=clock, migrate=True, gateways=[weibo]) as opened:
        yield opened


def _scenario(ops: LibOps) -> None:
    ops.review_items.define(ADMIN, "orientation", "Orientation", "导向")
    photo = ops.media.register(
        PLANNER,
        title="Reading room photo",
        kind="image",
        source="Visual China",
        content_ref="sha256:01",
        licence=Licence(kind="purchased", holder="Visual China", expires_on=date(2026, 4, 15)),
    )
    track = ops.media.register(
        PLANNER,
        title="Quiet track",
        kind="music",
        source="Musopen",
        content_ref="sha256:02",
        licence=Licence(kind="public_domain", platforms=["wechat"]),
    )
    post = ops.posts.draft(
        PLANNER,
        title="Night reading",
        body="Read late with us.",
        content_type="news",
        format="image_text",
        variants=[PostVariant("weibo", "Late", media=(asset_reference(track),))],
    )
    ops.posts.submit_for_review(PLANNER, post)  # the track is not licensed for Weibo
    ops.posts.review(
        REVIEWER,
        post,
        CHECKED,
        approve=False,
        comments="swap the track",
        answers={"orientation": "checked"},
    )
    ops.posts.revise(
        PLANNER, post, variants=[PostVariant("weibo", "Late", media=(asset_reference(photo),))]
    )
    ops.posts.submit_for_review(PLANNER, post)
    ops.posts.review(REVIEWER, post, CHECKED, approve=True, answers={"orientation": "checked"})
    ops.publishing.publish(ADMIN, post, "weibo")
    ops.projections.run()


def test_the_copyright_section_in_both_languages(ops: LibOps) -> None:
    _scenario(ops)
    report = build_report(ops, period=PERIOD)
    assert report.copyright == Copyright(
        assets=(CopyrightAssetRow("Reading room photo", 1, "purchased", date(2026, 4, 15)),),
        expiring=(CopyrightAssetRow("Reading room photo", 0, "purchased", date(2026, 4, 15)),),
        as_of=date(2026, 3, 31),
        findings=(("licence_platform", 1),),
        items=(ReviewItemRow("Orientation", "导向", 2, 0, 0),),
    )
    english = render_markdown(report, lang="en")
    assert "Copyright" in english
    assert "Posts published in the period used 1 asset of the media library, in 1 publication" in (
        english
    )
    assert "Licences ending within 30 days of" in english
    assert "Review found 1 licence problem" in english
    assert "| platform not licensed | 1 |" in english
    assert "| Orientation | 2 | 0 | 0 |" in english
    chinese = render_markdown(report, lang="zh")
    assert "版权" in chinese
    assert "本期发布的帖子使用了素材库中的 1 项素材，共发布 1 次" in chinese
    assert "| 平台未授权 | 1 |" in chinese
    assert "| 导向 | 2 | 0 | 0 |" in chinese
    assert "购买授权" in chinese


def test_a_period_without_media(ops: LibOps) -> None:
    _scenario(ops)
    later = Period(date(2026, 6, 1), date(2026, 6, 30))
    report = build_report(ops, period=later)
    assert report.copyright == Copyright(as_of=date(2026, 6, 30))
    # Nothing was recorded in June: the data sections, this one too, are left out.
    assert "Copyright" not in render_markdown(report, lang="en")

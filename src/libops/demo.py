"""The demo: a library's World Book Day campaign, run end to end on sandbox platforms.

Everything is deterministic from the seed: the sandbox platforms, the content, the review
outcomes and the simulated clock. Every command carries an idempotency key derived from the
seed, so running the demo again on the same store records nothing new.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import attrs

from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.bootstrap import LibOps
from libops.domain.post import MetricOutcome
from libops.domain.values import (
    Actor,
    ContentType,
    Format,
    KolPartner,
    Metric,
    Money,
    Objective,
    Period,
    Platform,
    PostVariant,
    ReviewChecklist,
    Role,
)

START = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)  # 08:00 in Beijing, two weeks before 23 April
PLATFORMS = (Platform.WEIBO, Platform.WECHAT, Platform.DOUYIN)

TEAM = {
    "planner": Actor("li.na", [Role.CONTENT_PLANNER], name="Li Na (content planner)"),
    "planner2": Actor("zhao.lei", [Role.CONTENT_PLANNER], name="Zhao Lei (content planner)"),
    "reviewer": Actor("wang.fang", [Role.REVIEWER], name="Wang Fang (reviewer)"),
    "admin": Actor("chen.jie", [Role.OPERATIONS_ADMIN], name="Chen Jie (operations admin)"),
    "tech": Actor("liu.yang", [Role.TECHNICAL_SUPPORT], name="Liu Yang (technical support)"),
}

_TOPICS = {
    ContentType.NEWS: [
        ("世界读书日活动预告", "4月23日世界读书日，图书馆将举办系列阅读活动，欢迎读者参加。"),
        ("新书上架通知", "本周新到图书300余册，涵盖文学、历史与科普，欢迎借阅。"),
        ("开放时间调整", "读书日当天图书馆延长开放至晚上十点。"),
        ("阅读推荐书单", "馆员为您精选十本好书，陪伴您度过阅读的春天。"),
    ],
    ContentType.KNOWLEDGE: [
        ("馆藏珍本介绍", "带您走近本馆收藏的清代刻本，了解古籍修复的故事。"),
        ("如何高效阅读", "三个小技巧，帮助您在忙碌中保持阅读习惯。"),
        ("图书馆的历史", "从藏书楼到现代图书馆：本馆一百年的变迁。"),
        ("电子资源使用指南", "在家也能访问数据库：远程访问电子资源的步骤。"),
    ],
    ContentType.INTERACTIVE: [
        ("你最爱的一本书", "留言分享你最爱的一本书，说说它为什么打动你。"),
        ("读书日有奖问答", "回答三道与读书日有关的问题，参与抽奖赢取纪念品。"),
        ("阅读打卡挑战", "连续七天打卡阅读，晒出你的读书笔记。"),
        ("向馆员提问", "关于借阅、检索或活动，有问题尽管问我们。"),
    ],
}


@attrs.frozen
class DemoSummary:
    """What one run of the demo did."""

    store: str
    seed: int
    campaign_id: UUID
    posts: int
    published: int
    failures: int
    changes_requested: int
    cadence_warnings: int
    metrics_recorded: int
    metrics_unchanged: int
    events_before: int
    events_after: int
    totals_by_platform: dict[str, dict[str, int]]

    @property
    def new_events(self) -> int:
        """How many events this run recorded."""
        return self.events_after - self.events_before


def _variants(title: str, body: str, n: int) -> list[PostVariant]:
    """Every post goes to Weibo; every second one to WeChat, every third to Douyin."""
    image = (f"media/demo-{n:03d}.jpg",)
    variants = [PostVariant(Platform.WEIBO, f"#世界读书日#【{title}】{body}", media=image)]
    if n % 2 == 0:
        variants.append(PostVariant(Platform.WECHAT, f"{title}\n\n{body}", media=image))
    if n % 3 == 0:
        variants.append(
            PostVariant(
                Platform.DOUYIN, f"{title} {body} #读书日", media=(f"media/demo-{n:03d}.mp4",)
            )
        )
    return variants


def run_demo(
    url: str,
    *,
    seed: int = 2026,
    posts: int = 24,
    days: int = 21,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoSummary:
    """Run the demo on the store at ``url`` (migrating it first) and say what happened."""
    if posts < 1 or days < 1:
        raise ValueError("the demo needs at least one post and one day")
    report = progress or (lambda _stage, _done, _total: None)
    rng = random.Random(seed)
    clock = ManualClock(START)
    gateways = [
        SandboxPlatform(platform, seed=seed, clock=clock, supports_idempotency_key=i % 2 == 0)
        for i, platform in enumerate(PLATFORMS)
    ]
    key = f"demo-{seed}"
    with LibOps.open(url, clock=clock, migrate=True, gateways=gateways) as ops:
        events_before = int(ops.app.recorder.max_notification_id() or 0)
        planner, planner2 = TEAM["planner"], TEAM["planner2"]
        reviewer, admin, tech = TEAM["reviewer"], TEAM["admin"], TEAM["tech"]

        campaign_id = ops.campaigns.plan(
            planner,
            name="世界读书日 2026 / World Book Day 2026",
            kind="topic",
            period=Period(START.date(), START.date() + timedelta(days=days)),
            platforms=PLATFORMS,
            objectives=[
                Objective(Metric.READS, 20_000),
                Objective(Metric.ENGAGEMENTS, 2_000),
                Objective(Metric.FOLLOWERS_GAINED, 300, Platform.WECHAT),
            ],
            hashtags=["世界读书日", "读书日"],
            description="Two weeks of reading promotion leading up to and after 23 April.",
            idempotency_key=f"{key}:campaign",
        )
        ops.campaigns.add_kol_partner(
            planner,
            campaign_id,
            KolPartner(
                "@书虫小王", Platform.WEIBO, 120_000, ["2 posts", "1 live Q&A"], Money("3000.00")
            ),
            idempotency_key=f"{key}:kol",
        )
        ops.campaigns.launch(admin, campaign_id, idempotency_key=f"{key}:launch")

        post_ids: list[UUID] = []
        changes_requested = 0
        cadence_warnings = 0
        content_types = list(ContentType)
        for n in range(posts):
            report("content", n, posts)
            content_type = content_types[n % len(content_types)]
            title, body = _TOPICS[content_type][(n // 3) % 4]
            title = f"{title}（{n + 1}）"
            author = planner if n % 2 == 0 else planner2
            slip = n % 7 == 3  # an author leaves a phone number in: the review catches it
            text = body + (" 咨询电话 13812345678" if slip else "")
            variants = _variants(title, text, n)
            post_id = ops.posts.draft(
                author,
                title=title,
                body=text,
                content_type=content_type,
                format=Format.VIDEO if n % 5 == 0 else Format.IMAGE_TEXT,
                variants=variants,
                media=[f"media/demo-{n:03d}.jpg"],
                source="City Library",
                licence="CC BY 4.0",
                campaign_id=campaign_id,
                idempotency_key=f"{key}:post:{n}:draft",
            )
            findings = ops.posts.submit_for_review(
                author, post_id, idempotency_key=f"{key}:post:{n}:submit"
            )
            if findings:
                changes_requested += 1
                ops.posts.review(
                    reviewer,
                    post_id,
                    ReviewChecklist(True, True, False, "contains a phone number"),
                    approve=False,
                    comments="请删除个人电话号码",
                    idempotency_key=f"{key}:post:{n}:review1",
                )
                fixed = [
                    attrs.evolve(v, text=v.text.replace(" 咨询电话 13812345678", ""))
                    for v in variants
                ]
                ops.posts.revise(
                    author,
                    post_id,
                    body=body,
                    variants=fixed,
                    idempotency_key=f"{key}:post:{n}:revise",
                )
                ops.posts.submit_for_review(
                    author, post_id, idempotency_key=f"{key}:post:{n}:submit2"
                )
            ops.posts.review(
                reviewer,
                post_id,
                ReviewChecklist(True, True, True),
                approve=True,
                idempotency_key=f"{key}:post:{n}:approve",
            )
            day = (n * days) // posts
            for variant in variants:
                hour = {Platform.WEIBO: 4, Platform.WECHAT: 12, Platform.DOUYIN: 11}[
                    variant.platform
                ]
                at = START + timedelta(days=day, hours=hour, minutes=rng.randrange(50))
                warnings = ops.posts.schedule(
                    admin,
                    post_id,
                    variant.platform,
                    at,
                    idempotency_key=f"{key}:post:{n}:schedule:{variant.platform.value}",
                )
                cadence_warnings += len(warnings)
            post_ids.append(post_id)
        report("content", posts, posts)

        # One platform hiccup: the first Douyin publish times out, and is retried later.
        gateways[2].fail_next(1, "upstream timeout", retryable=True)

        published = failures = recorded = unchanged = 0
        hours = days * 24 + 72
        for hour in range(0, hours, 6):
            report("simulate", hour, hours)
            clock.set(START + timedelta(hours=hour))
            for outcome in ops.publishing.publish_due(tech):
                if outcome.receipt is not None:
                    published += 1
                else:
                    failures += 1
            if hour % 24 == 18:
                for m in ops.publishing.collect_metrics(tech):
                    if m.outcome is MetricOutcome.UNCHANGED:
                        unchanged += 1
                    elif m.outcome is not None:
                        recorded += 1
        report("simulate", hours, hours)

        totals: dict[str, Counter[str]] = {p.value: Counter() for p in PLATFORMS}
        for post_id in post_ids:
            post = ops.posts.get(post_id)
            for platform in post.platforms:
                snapshot = post.latest_metrics(platform)
                if snapshot is not None:
                    for name, value in snapshot.counts().items():
                        totals[platform.value][name] += value or 0
        ops.campaigns.complete(admin, campaign_id, idempotency_key=f"{key}:complete")
        events_after = int(ops.app.recorder.max_notification_id() or 0)
        return DemoSummary(
            store=ops.config.redacted_url,
            seed=seed,
            campaign_id=campaign_id,
            posts=posts,
            published=published,
            failures=failures,
            changes_requested=changes_requested,
            cadence_warnings=cadence_warnings,
            metrics_recorded=recorded,
            metrics_unchanged=unchanged,
            events_before=events_before,
            events_after=events_after,
            totals_by_platform={k: dict(v) for k, v in totals.items()},
        )


def summary_lines(summary: DemoSummary) -> list[str]:
    """The demo's summary as lines of text for people."""
    lines = [
        f"store: {summary.store} (seed {summary.seed})",
        f"campaign {summary.campaign_id}: World Book Day 2026 on weibo, wechat, douyin",
        f"posts drafted and reviewed: {summary.posts} "
        f"({summary.changes_requested} sent back by the reviewer for personal data)",
        f"variants published: {summary.published}; failed attempts retried: {summary.failures}",
        f"cadence warnings while scheduling: {summary.cadence_warnings}",
        f"metric snapshots recorded: {summary.metrics_recorded} "
        f"(identical snapshots ignored: {summary.metrics_unchanged})",
        f"events recorded by this run: {summary.new_events} (store now holds "
        f"{summary.events_after})",
    ]
    for platform, counts in summary.totals_by_platform.items():
        shown = ", ".join(f"{name} {value}" for name, value in counts.items() if value)
        lines.append(f"  {platform}: {shown or 'no metrics yet'}")
    return lines

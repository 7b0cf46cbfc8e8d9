"""The demo: a library's World Book Day campaign, run end to end on sandbox platforms.

Everything is deterministic from the seed: the sandbox platforms, the content, the review
outcomes and the simulated clock. Every command carries an idempotency key derived from the
seed, so running the demo again on the same store records nothing new.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import attrs

from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.bootstrap import LibOps
from libops.domain.budget import BudgetCategory
from libops.domain.errors import EntryRefusedError, OverspendError
from libops.domain.interaction.contest import ContestKind, ContestRules, EntryMethod, Prize
from libops.domain.interaction.moderation import CommentRef
from libops.domain.personal import Consent, PersonalInfo
from libops.domain.post import MetricOutcome
from libops.domain.risk import IncidentSeverity, RiskCategory
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
    "budget_owner": Actor("zhou.min", [Role.BUDGET_OWNER], name="Zhou Min (budget owner)"),
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
class ReaderSummary:
    """What the demo did with readers: questions, a reading session, a contest, moderation."""

    questions: int
    answered: int
    escalated: int
    median_response_minutes: float
    session_registrations: int
    session_attended: int
    contest_entries: int
    contest_refused: int
    winners: int
    draw_verified: bool
    moderation_actions: int
    automatic_sanctions: int
    erasures: int


@attrs.frozen
class MoneySummary:
    """What the demo did with the budget."""

    currency: str
    allocated: str
    committed: str
    spent: str
    available: str
    kol_fee: str
    adjustments: int
    overspend_refused: bool


@attrs.frozen
class RiskSummary:
    """The risk the demo logged, and its incident."""

    title: str
    level: str
    escalated: bool
    incidents: int
    open_incidents: int


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
    readers: ReaderSummary
    money: MoneySummary
    risk: RiskSummary

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
        budget_id = _plan_budget(ops, campaign_id, key)
        kol = KolPartner(
            "@书虫小王", Platform.WEIBO, 120_000, ["2 posts", "1 live Q&A"], Money("3000.00")
        )
        kol_reference = ops.campaigns.engage_kol_partner(
            planner, campaign_id, kol, budget_id=budget_id, idempotency_key=f"{key}:kol"
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

        report("readers", 0, 4)
        readers = _run_readers(ops, campaign_id, post_ids, clock, key, seed, report)
        money = _settle_money(ops, budget_id, campaign_id, kol_reference, kol.fee, key)
        risk = _run_risk(ops, campaign_id, clock, key)
        report("readers", 4, 4)

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
            readers=readers,
            money=money,
            risk=risk,
        )


# --- budget ------------------------------------------------------------------------------


def _plan_budget(ops: LibOps, campaign_id: UUID, key: str) -> UUID:
    owner = TEAM["budget_owner"]
    budget_id = ops.budgets.open(
        owner,
        name="新媒体运营预算 2026 Q2 / Social media budget 2026 Q2",
        period=Period(date(2026, 4, 1), date(2026, 6, 30)),
        idempotency_key=f"{key}:budget",
    )
    for category, amount in (
        (BudgetCategory.CONTENT_CREATION, "12000.00"),
        (BudgetCategory.PROMOTION, "8000.00"),
        (BudgetCategory.TECHNICAL_SUPPORT, "3000.00"),
        (BudgetCategory.STAFF, "20000.00"),
    ):
        ops.budgets.allocate(
            owner,
            budget_id,
            category,
            Money(amount),
            idempotency_key=f"{key}:allocate:{category.value}",
        )
    ops.budgets.allocate(
        owner,
        budget_id,
        BudgetCategory.PARTNERSHIPS,
        Money("5000.00"),
        campaign_id=campaign_id,
        idempotency_key=f"{key}:allocate:partnerships",
    )
    return budget_id


def _settle_money(
    ops: LibOps, budget_id: UUID, campaign_id: UUID, kol_reference: str, fee: Money, key: str
) -> MoneySummary:
    owner, admin = TEAM["budget_owner"], TEAM["admin"]
    ops.budgets.record_expense(
        admin,
        budget_id,
        vendor="书虫小王工作室 / Bookworm Studio",
        invoice_reference="KOL-2026-0423",
        amount=fee,
        category=BudgetCategory.PARTNERSHIPS,
        campaign_id=campaign_id,
        settles=kol_reference,
        idempotency_key=f"{key}:expense:kol",
    )
    ops.budgets.record_expense(
        admin,
        budget_id,
        vendor="Inkstone Design",
        invoice_reference="INK-0419",
        amount=Money("4600.00"),
        category=BudgetCategory.CONTENT_CREATION,
        idempotency_key=f"{key}:expense:design",
    )
    ops.budgets.record_expense(
        admin,
        budget_id,
        vendor="Weibo promotion",
        invoice_reference="WB-AD-0420",
        amount=Money("6500.00"),
        category=BudgetCategory.PROMOTION,
        idempotency_key=f"{key}:expense:ads",
    )
    # The World Book Day week needs more promotion than planned: move money, with approval.
    ops.budgets.move(
        admin,
        budget_id,
        amount=Money("2000.00"),
        from_category=BudgetCategory.CONTENT_CREATION,
        to_category=BudgetCategory.PROMOTION,
        reason="读书日当周追加推广 / extra promotion in the World Book Day week",
        approver=owner,
        idempotency_key=f"{key}:move:promotion",
    )
    # A second ad buy would go past what promotion has left: refused, nothing recorded.
    refused = False
    try:
        ops.budgets.record_expense(
            admin,
            budget_id,
            vendor="Douyin promotion",
            invoice_reference="DY-AD-0425",
            amount=Money("5000.00"),
            category=BudgetCategory.PROMOTION,
        )
    except OverspendError:
        refused = True
    positions = ops.budgets.positions(budget_id).values()
    currency = ops.budgets.get(budget_id).currency

    def total(field: str) -> str:
        return str(sum((getattr(p, field).amount for p in positions), Decimal(0)))

    return MoneySummary(
        currency=currency,
        allocated=total("allocated"),
        committed=total("committed"),
        spent=total("spent"),
        available=str(sum((p.available for p in positions), Decimal(0))),
        kol_fee=str(fee),
        adjustments=len(ops.budgets.adjustments(budget_id)),
        overspend_refused=refused,
    )


# --- readers -----------------------------------------------------------------------------

_READERS = [
    ("张晓雨", "@xiaoyu_reads"),
    ("李明", "@liming1988"),
    ("王芳", "@fangfang"),
    ("陈静", "@chenjing_books"),
    ("刘洋", "@liuyang"),
    ("赵磊", "@zhaolei_cn"),
    ("孙丽", "@sunli"),
    ("周杰", "@zhoujie_lib"),
    ("吴敏", "@wumin"),
    ("郑浩", "@zhenghao"),
    ("黄蕾", "@huanglei"),
    ("何平", "@heping_reads"),
]
_QUESTIONS = [
    "读书日当天开放到几点？",
    "电子书可以在家借吗？",
    "读书会需要提前报名吗？",
    "有奖问答什么时候公布结果？",
    "可以带孩子参加活动吗？",
    "借书证丢了怎么办？",
]


def _run_readers(
    ops: LibOps,
    campaign_id: UUID,
    post_ids: list[UUID],
    clock: ManualClock,
    key: str,
    seed: int,
    report: Callable[[str, int, int], None],
) -> ReaderSummary:
    planner, admin = TEAM["planner"], TEAM["admin"]
    rng = random.Random(f"{seed}:readers")

    def consent(purpose: str) -> Consent:
        return Consent(purpose=purpose, given_at=clock.now())

    def reader(i: int) -> tuple[PersonalInfo, str]:
        name, handle = _READERS[i % len(_READERS)]
        return PersonalInfo(name=name, handle=handle), ops.privacy.subject_id_for("weibo", handle)

    # Q&A: questions arrive over the morning; staff answer all but one, which waits too long.
    question_ids: list[UUID] = []
    response_minutes: list[float] = []
    for i, text in enumerate(_QUESTIONS):
        info, subject = reader(i)
        question_id = ops.questions.receive(
            planner,
            platform=Platform.WEIBO,
            text=text,
            asker=info,
            subject_id=subject,
            consent=consent("回答读者提问 / answering the reader's question"),
            post_id=post_ids[i % len(post_ids)],
            idempotency_key=f"{key}:question:{i}",
        )
        question_ids.append(question_id)
        clock.advance(timedelta(minutes=10 + rng.randrange(80)))
        if i < len(_QUESTIONS) - 1:
            seconds = ops.questions.answer(
                planner,
                question_id,
                f"感谢提问！详见图书馆官网第{i + 1}条说明。",
                idempotency_key=f"{key}:answer:{i}",
            )
            response_minutes.append(seconds / 60)
    clock.advance(timedelta(days=1, hours=1))
    escalated = ops.questions.escalate_overdue(admin, idempotency_key=f"{key}:escalate")
    report("readers", 1, 4)

    # A reading session: registrations with consent, attendance, contributions.
    session_id = ops.sessions.schedule(
        planner,
        title="读书日线上读书会 / World Book Day reading circle",
        starts_at=clock.now() + timedelta(days=1),
        ends_at=clock.now() + timedelta(days=1, hours=2),
        capacity=10,
        platform=Platform.WECHAT,
        campaign_id=campaign_id,
        idempotency_key=f"{key}:session",
    )
    registered: list[str] = []
    for i in range(8):
        info, subject = reader(i + 2)
        registered.append(
            ops.sessions.register(
                planner,
                session_id,
                participant=info,
                subject_id=subject,
                consent=consent("读书会报名与提醒 / registration and reminders"),
                idempotency_key=f"{key}:register:{i}",
            )
        )
    clock.advance(timedelta(days=1, minutes=5))
    attended = registered[:6]
    for i, subject in enumerate(attended):
        ops.sessions.record_attendance(
            planner, session_id, subject, idempotency_key=f"{key}:attend:{i}"
        )
    for i, subject in enumerate(attended[:3]):
        ops.sessions.record_contribution(
            planner,
            session_id,
            subject,
            f"分享了一本喜欢的书（{i + 1}）",
            idempotency_key=f"{key}:contribute:{i}",
        )
    clock.advance(timedelta(hours=2))
    ops.sessions.close(planner, session_id, idempotency_key=f"{key}:session:close")
    report("readers", 2, 4)

    # A prize quiz with rules stated up front and a draw anyone can verify.
    opens = clock.now() + timedelta(hours=1)
    rules = ContestRules(
        eligibility="关注本馆微博的读者均可参加，馆员除外 / followers of the library, not staff",
        opens_at=opens,
        closes_at=opens + timedelta(days=2),
        entry_method=EntryMethod.ANSWER,
        prizes=(Prize("读书日纪念帆布袋 / World Book Day tote bag", 3),),
        platforms=(Platform.WEIBO,),
        entries_per_person=1,
        correct_answer_required=True,
    )
    contest_id = ops.contests.announce(
        admin,
        kind=ContestKind.PRIZE_QUIZ,
        title="读书日有奖问答 / World Book Day quiz",
        rules=rules,
        campaign_id=campaign_id,
        idempotency_key=f"{key}:contest",
    )
    clock.set(opens)
    ops.contests.open(admin, contest_id, idempotency_key=f"{key}:contest:open")
    entries = refused = 0
    for i in range(len(_READERS)):
        info, subject = reader(i)
        clock.advance(timedelta(minutes=30 + rng.randrange(60)))
        try:
            ops.contests.enter(
                planner,
                contest_id,
                participant=info,
                subject_id=subject,
                consent=consent("有奖问答抽奖与领奖 / quiz draw and prize delivery"),
                platform=Platform.WEIBO,
                method=EntryMethod.ANSWER,
                answer_correct=i % 5 != 4,
                idempotency_key=f"{key}:entry:{i}",
            )
            entries += 1
        except EntryRefusedError:
            refused += 1  # a wrong answer: refused with a reason, nothing recorded
    clock.set(rules.closes_at + timedelta(minutes=1))
    ops.contests.close(admin, contest_id, idempotency_key=f"{key}:contest:close")
    winners = ops.contests.draw(admin, contest_id, idempotency_key=f"{key}:contest:draw")
    verification = ops.contests.verify(contest_id)
    report("readers", 3, 4)

    # Moderation: a reader keeps posting insults under a post and is sanctioned.
    post_id = post_ids[0]
    post = ops.posts.get(post_id)
    platform = post.platforms[0]
    troll = ops.privacy.subject_id_for(platform.value, "@angry_reader_42")
    actions = 0
    for i in range(3):
        comment = CommentRef(post_id, platform, f"c-demo-{i}")
        ops.moderation.hide(
            admin, troll, comment, "人身攻击 / personal insult", idempotency_key=f"{key}:hide:{i}"
        )
        ops.moderation.warn(
            admin,
            troll,
            comment,
            f"第{i + 1}次警告 / warning {i + 1}",
            idempotency_key=f"{key}:warn:{i}",
        )
        actions += 2
    helpful = ops.privacy.subject_id_for(platform.value, _READERS[0][1])
    ops.moderation.feature(
        planner,
        helpful,
        CommentRef(post_id, platform, "c-demo-good"),
        "优质书评 / a thoughtful review",
        idempotency_key=f"{key}:feature",
    )
    actions += 1
    record = ops.moderation.record(troll)
    sanctions = 0 if record is None or record.automatic_sanction is None else 1

    # One reader asks for their data to be erased: their key is deleted for good.
    erased_subject = reader(1)[1]
    ops.privacy.erase(admin, erased_subject, "读者申请删除个人信息 / the reader's request")

    response_minutes.sort()
    return ReaderSummary(
        questions=len(question_ids),
        answered=len(response_minutes),
        escalated=len(escalated),
        median_response_minutes=round(statistics.median(response_minutes), 1)
        if response_minutes
        else 0.0,
        session_registrations=len(registered),
        session_attended=len(attended),
        contest_entries=entries,
        contest_refused=refused,
        winners=len(winners),
        draw_verified=verification.matches,
        moderation_actions=actions,
        automatic_sanctions=sanctions,
        erasures=1,
    )


# --- risk --------------------------------------------------------------------------------


def _run_risk(ops: LibOps, campaign_id: UUID, clock: ManualClock, key: str) -> RiskSummary:
    admin, tech = TEAM["admin"], TEAM["tech"]
    risk_id = ops.risks.identify(
        admin,
        title="抖音发布接口不稳定 / Douyin publishing unstable",
        category=RiskCategory.TECHNICAL,
        likelihood=3,
        impact=4,
        owner=tech,
        description="A publish timed out during the campaign; a live stream could be missed.",
        campaign_id=campaign_id,
        idempotency_key=f"{key}:risk",
    )
    ops.risks.add_mitigation(
        tech,
        risk_id,
        description="Publish Douyin videos a day early and keep a manual fallback",
        due_on=clock.now().date() + timedelta(days=7),
        owner=tech,
        idempotency_key=f"{key}:risk:mitigation",
    )
    started = clock.now() - timedelta(hours=3)
    number = ops.risks.report_incident(
        tech,
        risk_id,
        severity=IncidentSeverity.MODERATE,
        affected="Douyin video of the World Book Day campaign",
        summary="upstream timeout on publish; retried six hours later",
        started_at=started,
        idempotency_key=f"{key}:risk:incident",
    )
    ops.risks.reassess(
        admin,
        risk_id,
        likelihood=4,
        impact=4,
        reason="it happened once already",
        idempotency_key=f"{key}:risk:reassess",
    )
    ops.risks.resolve_incident(
        tech,
        risk_id,
        number,
        resolution="republished; the platform confirmed the outage",
        idempotency_key=f"{key}:risk:resolve",
    )
    risk = ops.risks.get(risk_id)
    follow_up = ops.risks.follow_up(risk_id)
    return RiskSummary(
        title=risk.title,
        level=risk.level.value,
        escalated=risk.escalated,
        incidents=len(risk.incidents),
        open_incidents=len(follow_up.open_incidents),
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
    r, m, k = summary.readers, summary.money, summary.risk
    lines += [
        f"Q&A: {r.questions} questions, {r.answered} answered (median {r.median_response_minutes}"
        f" min), {r.escalated} escalated for waiting too long",
        f"reading session: {r.session_registrations} registered, {r.session_attended} attended",
        f"prize quiz: {r.contest_entries} entries ({r.contest_refused} refused), "
        f"{r.winners} winners, draw verified from the events: {'yes' if r.draw_verified else 'NO'}",
        f"moderation: {r.moderation_actions} actions, {r.automatic_sanctions} automatic sanction; "
        f"erasure requests honoured: {r.erasures}",
        f"budget ({m.currency}): allocated {m.allocated}, spent {m.spent}, available {m.available};"
        f" KOL fee {m.kol_fee} committed and paid; {m.adjustments} adjustment; overspend "
        f"{'refused' if m.overspend_refused else 'NOT refused'}",
        f"risk: {k.title}: {k.level}{', escalated' if k.escalated else ''}; "
        f"{k.incidents} incident ({k.open_incidents} open)",
        "engagement totals by platform:",
    ]
    for platform, counts in summary.totals_by_platform.items():
        shown = ", ".join(f"{name} {value}" for name, value in counts.items() if value)
        lines.append(f"  {platform}: {shown or 'no metrics yet'}")
    return lines

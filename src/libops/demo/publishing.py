"""The demo's posts: drafting and review, publishing (and its incident), metrics collection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import attrs

from libops.demo.media import MediaActions
from libops.demo.plan import PlannedPost
from libops.demo.setting import METRIC_DAYS, TEAM, beijing_time
from libops.demo.simulation import Action
from libops.demo.texts import PHONE, TEXTS
from libops.domain.cadence import CadenceBreach
from libops.domain.errors import LibopsError
from libops.domain.media import LICENCE_FINDINGS
from libops.domain.post import ORIGINAL, REPOSTED, MetricOutcome
from libops.domain.review import has_personal_data
from libops.domain.risk import IncidentSeverity
from libops.domain.values import Actor, ContentType, Platform, PostVariant, ReviewChecklist


class PostActions(MediaActions):
    """A quarter's actions on posts: draft, review, schedule, publish, collect metrics."""

    def _variants(self, post: PlannedPost, title: str, body: str) -> list[PostVariant]:
        tag = {"topic": self.hashtag, "kol": "书虫小王", "eresources": "电子资源"}[post.role]
        image = (f"media/q{self.index}-{post.n:04d}.jpg",)
        link = "https://library.example.org/e-resources" if post.role == "eresources" else None
        variants = []
        for platform, _hour, _minute in post.slots:
            if platform is Platform.WEIBO:
                variants.append(
                    PostVariant(platform, f"#{tag}#【{title}】{body}", media=image, link=link)
                )
            elif platform is Platform.WECHAT:
                text = f"{title}\n\n{body}\n\n欢迎关注本馆公众号，获取更多阅读资讯。"
                variants.append(PostVariant(platform, text, media=image, link=link))
            else:
                video = (f"media/q{self.index}-{post.n:04d}.mp4",)
                variants.append(PostVariant(platform, f"{title} {body} #{tag}", media=video))
        return variants

    def drafter(self, post: PlannedPost) -> Action:
        """The action that drafts, reviews and schedules one planned post."""

        def draft() -> None:
            self._draft(post)

        return draft

    def texts(self, post: PlannedPost) -> tuple[str, str]:
        """The title and (reviewed) body of a planned post."""
        texts = TEXTS[(post.role, post.content_type)]
        title_template, body_template = texts[post.n % len(texts)]
        title = f"{title_template.format(theme=self.theme_zh)}（第{post.n + 1}期）"
        return title, body_template.format(theme=self.theme_zh)

    def boost(self, post: PlannedPost) -> float:
        """How much further than usual a planned post reaches: near the topic's main day, or
        with the KOL."""
        near_surge = abs(post.day - self.windows.surge) <= 1
        return 1.5 if near_surge else 1.4 if post.role == "kol" else 1.0

    def published_variants(self, post: PlannedPost) -> list[PostVariant]:
        """The variants of a planned post as they are published (after review)."""
        return self._variants(post, *self.texts(post))

    def _draft(self, post: PlannedPost) -> None:
        ops, key, tally = self.ops, f"{self.key}:post:{post.n}", self.sim.tally
        reviewer, admin = TEAM["reviewer"], TEAM["admin"]
        author = TEAM["planner"] if post.n % 2 == 0 else TEAM["planner2"]
        title, body = self.texts(post)
        boost = self.boost(post)
        written = body + (PHONE if post.slip else "")
        variants = self._variants(post, title, written)
        fixed = self._variants(post, title, body)
        for variant in (*variants, *fixed):
            self.sim.taste[variant.text] = (post.content_type, boost)
        post_id = ops.posts.draft(
            author,
            title=title,
            body=written,
            content_type=post.content_type,
            format=post.format,
            variants=variants,
            media=self.post_media(post),
            source="City Library",
            licence="CC BY 4.0",
            campaign_id=self.campaigns[post.role],
            idempotency_key=f"{key}:draft",
        )
        self.post_ids[post.n] = post_id
        self._declare_origin(post, post_id, author)

        def send_back(
            checklist: ReviewChecklist, comments: str, steps: tuple[str, str], **changes: Any
        ) -> None:
            """The reviewer sends the draft back with ``comments``; its author revises it
            (``changes``); ``steps`` name the two commands' idempotency keys."""
            ops.posts.review(
                reviewer,
                post_id,
                checklist,
                approve=False,
                comments=comments,
                idempotency_key=f"{key}:{steps[0]}",
            )
            ops.posts.revise(author, post_id, idempotency_key=f"{key}:{steps[1]}", **changes)

        found = ops.posts.submit_for_review(author, post_id, idempotency_key=f"{key}:submit")
        if any(f.kind in LICENCE_FINDINGS for f in found):  # the stock visual's licence ran
            # out: the reviewer sends it back, the planner swaps in the library's own photo
            send_back(
                ReviewChecklist(True, False, True, self.say("licence_expired")),
                "素材授权已过期，请更换",
                ("review-licence", "swap-media"),
                media=self.own_media(),
            )
            found = ops.posts.submit_for_review(
                author, post_id, idempotency_key=f"{key}:submit-swapped"
            )
        if has_personal_data(found):  # a similar post informs the reviewer; it is no reason
            # to send the draft back
            tally.changes_requested += 1
            send_back(
                ReviewChecklist(True, True, False, self.say("phone_found")),
                "请删除个人电话号码",
                ("review1", "revise"),
                body=body,
                variants=fixed,
            )
            ops.posts.submit_for_review(author, post_id, idempotency_key=f"{key}:submit2")
        ops.posts.review(
            reviewer,
            post_id,
            ReviewChecklist(True, True, True),
            approve=True,
            idempotency_key=f"{key}:approve",
        )
        for platform, hour, minute in post.slots:
            warnings = ops.posts.schedule(
                admin,
                post_id,
                platform,
                beijing_time(self.day(post.day), hour, minute),
                idempotency_key=f"{key}:schedule:{platform.value}",
            )
            tally.cadence_warnings += len(warnings)
            tally.cadence_over_max += sum(1 for w in warnings if w.breach is CadenceBreach.OVER_MAX)

    def series_source(self, post: PlannedPost) -> UUID | None:
        """The earlier post of the quarter ``post`` was made from: the latest one drafted
        from the same text (a series reuses its earlier issue), or None for a first issue."""
        texts = TEXTS[(post.role, post.content_type)]
        earlier = [
            p.n
            for p in self.plan
            if p.n < post.n
            and (p.role, p.content_type) == (post.role, post.content_type)
            and p.n % len(texts) == post.n % len(texts)
            and p.n in self.post_ids
        ]
        return self.post_ids[max(earlier)] if earlier else None

    def _declare_origin(self, post: PlannedPost, post_id: UUID, author: Actor) -> None:
        """Say where a post comes from (issue 17): the KOL's own reading lists and tips are
        reposted (转载); a later issue of a series is reused (复用) from the earlier one."""
        source = self.series_source(post)
        reposted = post.role == "kol" and post.content_type is ContentType.KNOWLEDGE
        if source is None and not reposted:
            return  # original and new: what a post is until it says otherwise
        self.ops.posts.declare_origin(
            author,
            post_id,
            origin=REPOSTED if reposted else ORIGINAL,
            derived_from=source,
            idempotency_key=f"{self.key}:post:{post.n}:origin",
        )

    def hiccup(self) -> None:
        """Make the next Douyin publish time out (retryable), as the plan's one platform failure."""
        gateway = self.sim.gateways[Platform.DOUYIN]
        gateway.fail_next(1, "upstream timeout (sandbox)", retryable=True)

    def publisher(self) -> None:
        """Publish what is due; on a failure report an incident, retry and resolve it."""
        tally, failed = self.sim.tally, []
        for outcome in self.ops.publishing.publish_due(TEAM["tech"]):
            if outcome.receipt is not None:
                tally.published += 1
            else:
                tally.failures += 1
                failed.append(outcome)
        if failed:
            now = self.sim.clock.now()
            self.sim.at(now + timedelta(minutes=20), self.report_incident)
            self.sim.at(now + timedelta(hours=1), self.publisher)
            self.sim.at(now + timedelta(hours=2), self.resolve_incident)

    def report_incident(self) -> None:
        """Report the Douyin incident on its risk and reassess the risk."""
        ops, tech, admin, risk_id = self.ops, TEAM["tech"], TEAM["admin"], self.risks["douyin"]
        self.incident_number = ops.risks.report_incident(
            tech,
            risk_id,
            severity=IncidentSeverity.MODERATE,
            affected=self.say("incident_affected"),
            summary=self.say("incident_summary"),
            started_at=self.sim.clock.now() - timedelta(minutes=20),
            idempotency_key=f"{self.key}:risk:douyin:incident",
        )
        ops.risks.reassess(
            admin,
            risk_id,
            likelihood=4,
            impact=4,
            reason=self.say("reassess"),
            idempotency_key=f"{self.key}:risk:douyin:reassess",
        )

    def resolve_incident(self) -> None:
        """Resolve the Douyin incident, if one was reported."""
        if self.incident_number is None:
            return
        self.ops.risks.resolve_incident(
            TEAM["tech"],
            self.risks["douyin"],
            self.incident_number,
            resolution=self.say("resolution"),
            idempotency_key=f"{self.key}:risk:douyin:resolve",
        )

    def collector(self, offset: int) -> Action:
        """The action that collects the metrics of the posts due on day ``offset``."""
        due = [p for p in self.plan if offset - p.day in METRIC_DAYS]

        def collect() -> None:
            for post in due:
                post_id = self.post_ids.get(post.n)
                if post_id is not None and post_id not in self.corrected:
                    self._collect(post, post_id, offset - post.day)

        return collect

    def _collect(self, post: PlannedPost, post_id: UUID, age: int) -> None:
        tally = self.sim.tally
        for m in self.ops.publishing.collect_metrics(TEAM["tech"], post_id):
            if m.outcome is MetricOutcome.UNCHANGED:
                tally.metrics_unchanged += 1
            elif m.outcome is not None:
                tally.metrics_recorded += 1
        # Twice a quarter Weibo removes likes from bot accounts: a correction, two weeks on.
        if age == 13 and post.n % 97 == 5 and post.slots[0][0] is Platform.WEIBO:
            self._correct(post_id)

    def _correct(self, post_id: UUID) -> None:
        ops = self.ops
        receipt = ops.posts.get(post_id).receipt(Platform.WEIBO)
        if receipt is None:
            return
        try:
            snapshot = ops.publishing.gateway(Platform.WEIBO).metrics(receipt.external_id)
        except LibopsError:
            return  # a rerun: the sandbox never published this post, the store has it already
        lowered = attrs.evolve(snapshot, likes=snapshot.likes * 4 // 5)
        outcome = ops.posts.record_metrics(
            TEAM["tech"], post_id, lowered, idempotency_key=f"{self.key}:correct:{post_id}"
        )
        if outcome is MetricOutcome.CORRECTED:
            self.sim.tally.metrics_corrected += 1
        self.corrected.add(post_id)

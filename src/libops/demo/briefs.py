"""The demo's content briefs (issue 17): each World Book Day post starts as a brief.

Five days before a topic-campaign post is drafted (not before the quarter opens), a content
planner proposes its brief (the need, and the readers' requests behind it), plans it for
the post's publishing day and starts on it; once the post is drafted (two days before),
the brief is marked drafted as that post. One more idea, a live reading night, is
proposed and dropped.
"""

from __future__ import annotations

from uuid import UUID

from libops.demo.plan import PlannedPost
from libops.demo.publishing import PostActions
from libops.demo.setting import TEAM, beijing_time
from libops.demo.simulation import Action
from libops.domain.brief import BriefReference, ReferenceKind
from libops.domain.values import ContentType, Format


class BriefActions(PostActions):
    """A quarter's content briefs: proposed, planned, started and drafted as the posts."""

    def _brief_ids(self) -> dict[int, UUID]:
        ids: dict[int, UUID] = self.__dict__.setdefault("brief_ids", {})
        return ids

    def schedule_briefs(self) -> None:
        """Put the briefs of the topic campaign's posts on the agenda."""
        topic_posts = [p for p in self.plan if p.role == "topic"]
        for post in topic_posts:
            proposed = max(post.day - 5, -2)
            self.sim.at(beijing_time(self.day(proposed), 9, 50), self.brief_proposer(post))
            self.sim.at(
                beijing_time(self.day(post.day - 2), 11, post.n % 60), self.brief_closer(post)
            )
        if topic_posts:
            first = max(topic_posts[0].day - 5, -2)
            self.sim.at(beijing_time(self.day(first), 9, 55), self.idea_dropper)

    def brief_proposer(self, post: PlannedPost) -> Action:
        """The action that proposes, plans and starts the brief of one planned post."""

        def propose() -> None:
            ops, key, planner = self.ops, f"{self.key}:brief:{post.n}", TEAM["planner"]
            title, _body = self.texts(post)
            brief_id = ops.briefs.propose(
                planner,
                title=title,
                need=self.say("brief_need"),
                content_type=post.content_type,
                format=post.format,
                platforms=[platform for platform, _hour, _minute in post.slots],
                references=[
                    BriefReference(self.say("brief_feedback"), kind=ReferenceKind.FEEDBACK),
                    BriefReference(self.say("brief_figure"), kind=ReferenceKind.FIGURE),
                ],
                campaign_id=self.campaigns["topic"],
                idempotency_key=f"{key}:propose",
            )
            self._brief_ids()[post.n] = brief_id
            author = TEAM["planner"] if post.n % 2 == 0 else TEAM["planner2"]
            ops.briefs.plan(
                planner,
                brief_id,
                due_on=self.day(post.day),
                assignee=author.id,
                idempotency_key=f"{key}:plan",
            )
            ops.briefs.start(author, brief_id, idempotency_key=f"{key}:start")

        return propose

    def brief_closer(self, post: PlannedPost) -> Action:
        """The action that marks a post's brief drafted as the post."""

        def close() -> None:
            brief_id = self._brief_ids().get(post.n)
            post_id = self.post_ids.get(post.n)
            if brief_id is None or post_id is None:
                return
            author = TEAM["planner"] if post.n % 2 == 0 else TEAM["planner2"]
            self.ops.briefs.mark_drafted(
                author, brief_id, post_id, idempotency_key=f"{self.key}:brief:{post.n}:drafted"
            )

        return close

    def idea_dropper(self) -> None:
        """An idea for the topic campaign, proposed and given up."""
        ops, key, admin = self.ops, f"{self.key}:brief:idea", TEAM["admin"]
        idea = ops.briefs.propose(
            TEAM["planner"],
            title=self.say("brief_idea"),
            need=self.say("brief_idea_need"),
            content_type=ContentType.INTERACTIVE,
            format=Format.LIVE,
            campaign_id=self.campaigns["topic"],
            idempotency_key=f"{key}:propose",
        )
        ops.briefs.drop(admin, idea, self.say("brief_idea_dropped"), idempotency_key=f"{key}:drop")

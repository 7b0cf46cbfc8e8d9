"""The detectors of the risk-signals projection (:mod:`libops.projections.signals`) that read the
review of drafts: ``personal_data_in_draft`` and ``homogeneous_content`` (the sameness check).
"""

from __future__ import annotations

from fractions import Fraction

from libops.domain.post import Post
from libops.domain.review import PERSONAL_DATA
from libops.domain.values import FindingKind
from libops.projections.signals_budget import BudgetSignals
from libops.projections.signals_rules import (
    DRAFTS,
    HOMOGENEOUS_CONTENT,
    PERSONAL_DATA_IN_DRAFT,
    SAMENESS,
    _one_place,
)
from libops.projections.views import View, handles, local_day, uuid_text


class ReviewSignals(BudgetSignals):
    """Detects ``personal_data_in_draft`` and ``homogeneous_content``."""

    # --- personal data in a draft --------------------------------------------------------

    @handles(Post.SubmittedForReview)
    def submitted(self, event: Post.SubmittedForReview, view: View) -> None:
        """Personal data found by the automatic review fires once until a clean submission.

        The submission also counts towards the share of near-duplicates
        (:meth:`_watch_sameness`)."""
        self._watch_sameness(event, view)
        personal = [f for f in tuple(event.findings) if f.kind in PERSONAL_DATA]
        post = uuid_text(event.originator_id)
        flagged = view.get(DRAFTS) or []
        if not personal:
            if post in flagged:
                flagged.remove(post)
                view.put(DRAFTS, flagged)
            return
        if post in flagged:
            return
        view.put(DRAFTS, [*flagged, post][-self.EPISODES_KEPT :])
        # The excerpts are masked, but they stay out of the risk anyway: kinds and places only.
        found = ", ".join(
            f"{f.kind.value.replace('_', ' ')} in {f.where}"
            for f in sorted(personal, key=lambda f: (f.where, f.kind.value))
        )
        self._fire(
            view,
            event,
            PERSONAL_DATA_IN_DRAFT,
            post,
            title="Personal data in a draft post",
            description=(
                f"The automatic review found personal data in post {post}, submitted for "
                f"review by {event.actor_id}: {found}. The post cannot be approved until it "
                "is removed."
            ),
            campaign_id=event.campaign_id,
            post_id=event.originator_id,
        )

    @handles(Post.Approved)
    def approved(self, event: Post.Approved, view: View) -> None:
        """An approved post had no personal data left (approval needs that): its
        personal-data risk clears."""
        self._clear(
            view,
            event,
            PERSONAL_DATA_IN_DRAFT,
            uuid_text(event.originator_id),
            f"Post {event.originator_id} was revised, submitted again with no personal data "
            f"found by the automatic review, and approved by {event.actor_id} on "
            f"{local_day(event.timestamp)}.",
        )

    @handles(Post.Retracted)
    def retracted(self, event: Post.Retracted, view: View) -> None:
        """A retracted post ends its personal-data episode and clears its risk (an approved
        one had none)."""
        flagged = view.get(DRAFTS)
        if flagged and uuid_text(event.originator_id) in flagged:
            flagged.remove(uuid_text(event.originator_id))
            view.put(DRAFTS, flagged)
        self._clear(
            view,
            event,
            PERSONAL_DATA_IN_DRAFT,
            uuid_text(event.originator_id),
            f"Post {uuid_text(event.originator_id)} was retracted by {event.actor_id} on "
            f"{local_day(event.timestamp)}: it will not be published.",
        )

    # --- homogeneous content (the sameness check) ---------------------------------------

    def _watch_sameness(self, event: Post.SubmittedForReview, view: View) -> None:
        """``homogeneous_content`` (scope ``posts``): of the posts submitted for review in an
        Asia/Shanghai calendar month (each post once, judged by its latest submission), the
        share the sameness check found close to a recent post reaches
        :attr:`SAMENESS_SHARE` (a quarter) once there are :attr:`SAMENESS_MIN_POSTS` (4).
        Fires once per episode; clears when, with at least that many posts in the month
        (a new month starts counting afresh), the share is below it again."""
        month = local_day(event.timestamp)[:7]
        state = view.get(SAMENESS) or {"month": month, "posts": {}, "firing": False}
        if state["month"] != month:
            state = {"month": month, "posts": {}, "firing": state["firing"]}
        similar = sum(1 for f in tuple(event.findings) if f.kind is FindingKind.SIMILAR_POST)
        state["posts"][uuid_text(event.originator_id)] = 1 if similar else 0
        posts = len(state["posts"])
        near = sum(state["posts"].values())
        if posts >= self.SAMENESS_MIN_POSTS:
            share = Fraction(near, posts)
            figures = f"{near} of the {posts} posts submitted for review in {month}"
            if share >= self.SAMENESS_SHARE and not state["firing"]:
                state["firing"] = True
                self._fire(
                    view,
                    event,
                    HOMOGENEOUS_CONTENT,
                    "posts",
                    title="Homogeneous content: drafts repeat recent posts",
                    description=(
                        f"The sameness check found {figures} close to a recent post of the "
                        f"account ({_one_place(share * 100)}%, threshold "
                        f"{_one_place(self.SAMENESS_SHARE * 100)}%). Readers tire of content "
                        "that says again what they have read: vary topics and formats."
                    ),
                    post_id=event.originator_id,
                )
            elif share < self.SAMENESS_SHARE and state["firing"]:
                state["firing"] = False
                self._clear(
                    view,
                    event,
                    HOMOGENEOUS_CONTENT,
                    "posts",
                    f"The sameness check found {figures} close to a recent post "
                    f"({_one_place(share * 100)}%).",
                )
        view.put(SAMENESS, state)

"""The review queue (``/review``: never your own posts) and a post's review (``/review/<id>``:
the checklist, approve or send back), for reviewers (docs/web.md)."""

from __future__ import annotations

import attrs
from starlette.responses import Response

from libops.domain.errors import MalformedRequestError
from libops.domain.permissions import authorize
from libops.domain.values import ReviewChecklist
from libops.web.base import Page, Refused, WebBase, parse_id, tr


@attrs.frozen
class ReviewForm:
    """A review's form as posted (the reviewer's page or a sign-off link's): the decision,
    the checklist and the comments."""

    approve: bool
    checklist: ReviewChecklist
    comments: str

    @classmethod
    def read(cls, page: Page) -> ReviewForm:
        """The page's form, refused (:class:`MalformedRequestError`) unless its decision is
        ``approve`` or ``send_back``."""
        decision = page.form.get("decision")
        if decision not in ("approve", "send_back"):
            raise MalformedRequestError(
                "decision", f"decision is approve or send_back, not {decision!r}"
            )
        checklist = ReviewChecklist(
            accuracy=page.form.get("accuracy") == "on",
            copyright=page.form.get("copyright") == "on",
            privacy=page.form.get("privacy") == "on",
        )
        return cls(decision == "approve", checklist, page.form.get("comments", ""))

    def done(self, page: Page) -> str:
        """What the page says once the review is recorded."""
        return tr(page, "review.done_approved" if self.approve else "review.done_sent_back")


class ReviewScreen(WebBase):
    """The review queue and a post's review, for reviewers (``post.review``)."""

    def review_queue(self, page: Page) -> Response:
        authorize(page.person, "post.review")
        queue = self.ops.posts.review_queue(page.person, limit=100)
        rows = [(item, self._title(item)) for item in queue.items]
        return self.render(page, "review_queue.html", rows=rows)

    def review(self, page: Page) -> Response:
        authorize(page.person, "post.review")
        post_id = parse_id(page.request.path_params["post_id"])
        post = self.ops.posts.get(post_id)
        error = None
        if page.request.method == "POST":
            form = ReviewForm.read(page)
            reviewed = self.attempt(
                lambda: self.ops.posts.review(
                    page.person,
                    post_id,
                    form.checklist,
                    approve=form.approve,
                    comments=form.comments,
                )
            )
            if isinstance(reviewed, Refused):
                error = reviewed.message
            else:
                return self.render(page, "done.html", message=form.done(page), post_id=post_id)
        return self.render(
            page,
            "review.html",
            422 if error else 200,
            post=post,
            post_id=post_id,
            error=error,
            platform_names=self._platform_names(page),
            form=page.form,
        )

"""The posts (``/posts``, the latest first) and the editor (``/posts/new``,
``/posts/<id>/edit``): a post's text for each platform, its length as you type, its review's
findings; saved as a draft or sent for review (docs/web.md)."""

from __future__ import annotations

from uuid import UUID

from starlette.responses import Response

from libops.domain.errors import MalformedRequestError
from libops.domain.permissions import authorize
from libops.domain.platforms import REGISTRY
from libops.domain.post import PostStatus
from libops.domain.values import ContentType, Format, PlatformLimits, PostVariant
from libops.web.base import POSTS_PAGE, Page, Refused, WebBase, parse_id, tr


class PostsScreen(WebBase):
    """The posts list and the post editor."""

    def posts(self, page: Page) -> Response:
        listed = self.ops.posts.list(limit=POSTS_PAGE)
        rows = [(item, self._title(item)) for item in listed.items]
        return self.render(page, "posts.html", rows=rows)

    def _editable_platforms(self) -> list[tuple[str, PlatformLimits]]:
        """The platforms a post's text can go to from the editor (no media upload yet)."""
        chosen = [
            p.id
            for p in REGISTRY
            if p.publishes and p.limits is not None and not p.limits.requires_media
        ]
        limits = self.ops.posts.limits([PostVariant(p, "-") for p in chosen])
        return [(p.value, found) for p, found in limits.items() if not found.requires_media]

    def editor(self, page: Page) -> Response:
        post_id = page.request.path_params.get("post_id")
        if post_id is None:
            authorize(page.person, "post.draft")
        else:
            authorize(page.person, "post.revise")
        post = None if post_id is None else self.ops.posts.get(parse_id(post_id))
        platforms = self._editable_platforms()
        error = None
        if page.request.method == "POST":
            form = page.form
            variants = [
                PostVariant(platform, form[f"variant_{platform}"])
                for platform, _ in platforms
                if form.get(f"variant_{platform}", "").strip()
            ]
            submit = form.get("action") == "submit"

            def save() -> UUID:
                if not variants:
                    raise MalformedRequestError("variants", tr(page, "post.no_variant"))
                if post is None:
                    new_id: UUID = self.ops.posts.draft(
                        page.person,
                        title=form.get("title", ""),
                        body=form.get("body", ""),
                        content_type=form.get("content_type", ""),
                        format=form.get("format", ""),
                        variants=variants,
                    )
                else:
                    new_id = post.id
                    self.ops.posts.revise(
                        page.person,
                        new_id,
                        title=form.get("title", ""),
                        body=form.get("body", ""),
                        variants=variants,
                    )
                if submit:
                    self.ops.posts.submit_for_review(page.person, new_id)
                return new_id

            saved = self.attempt(save)
            if isinstance(saved, Refused):
                error = saved.message
            else:
                done = "post.submitted" if submit else "post.saved"
                return self.render(page, "done.html", message=tr(page, done), post_id=saved)
        values = dict(page.form)
        if post is not None and page.request.method == "GET":
            values = {
                "title": post.title,
                "body": post.body,
                **{f"variant_{v.platform.value}": v.text for v in post.variants},
            }
        return self.render(
            page,
            "editor.html",
            422 if error else 200,
            post=post,
            values=values,
            error=error,
            platforms=platforms,
            platform_names=self._platform_names(page),
            content_types=[c.value for c in ContentType],
            formats=[f.value for f in Format],
            changes_requested=post is not None and post.status is PostStatus.CHANGES_REQUESTED,
        )

"""Sign-off by link (``/sign-off``): an operations admin gives an approver outside the team (a
director, who has a libops user with the reviewer role but never signs in) a link to approve
or send back one post awaiting review.

The link carries a random secret (32 bytes); the store keeps only its SHA-256, with the post,
the approver's login, who made it and when it expires, under ``web.signoffs`` in the view
tables (like the sessions: not an event). A tampered or made-up link matches nothing. The
link is used once: claiming it is a compare-and-set on the view's position, so two
requests, even in two server processes, cannot both use it; a decision the post refuses
(an unchecked checklist item, say) gives the claim back. The decision itself is the
ordinary review (``post.review``), recorded as the approver's.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Any, Final

import attrs
from starlette.responses import Response

from libops.bootstrap import LibOps
from libops.domain.errors import MalformedRequestError
from libops.domain.permissions import authorize
from libops.domain.post import PostStatus
from libops.domain.values import Role
from libops.web.base import POSTS_PAGE, Page, Refused, WebBase, parse_id, tr
from libops.web.http_edge import redact
from libops.web.review import ReviewForm
from libops.web.view_tables import ViewTable, hashed_secret

SIGNOFFS: Final = "web.signoffs"
LIFETIME: Final = timedelta(days=3)
"""How long a sign-off link may be used."""

_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{43}")


@attrs.frozen
class Link:
    key: str
    post_id: str
    login: str
    made_by: str
    expires: datetime
    used: bool = False


class SignOffs(ViewTable):
    """The sign-off links of one store."""

    TABLE = SIGNOFFS

    @staticmethod
    def _document(link: Link) -> str:
        return json.dumps(
            {
                "post_id": link.post_id,
                "login": link.login,
                "made_by": link.made_by,
                "expires": link.expires.isoformat(),
                "used": link.used,
            }
        )

    def make(self, post_id: str, login: str, made_by: str) -> tuple[str, Link]:
        """A new link's secret (shown once) and the link."""
        secret = secrets.token_urlsafe(32)
        link = Link(hashed_secret(secret), post_id, login, made_by, self._now() + LIFETIME)
        self._write({link.key: self._document(link)})
        return secret, link

    def find(self, secret: str) -> Link:
        """The unused, unexpired link of ``secret``, or :class:`MalformedRequestError`
        (field ``link``)."""
        return self._check(self._load(secret)[1])

    def _load(self, secret: str) -> tuple[int, Link | None]:
        position = self._views.position(SIGNOFFS)
        if not _SECRET.fullmatch(secret):
            return position, None
        text = self._views.load(SIGNOFFS, hashed_secret(secret))
        if text is None:
            return position, None
        data: dict[str, Any] = json.loads(text)
        return position, Link(
            hashed_secret(secret),
            data["post_id"],
            data["login"],
            data["made_by"],
            datetime.fromisoformat(data["expires"]),
            bool(data["used"]),
        )

    def _check(self, link: Link | None) -> Link:
        if link is None:
            raise MalformedRequestError("link", "this sign-off link is not valid")
        if link.used:
            raise MalformedRequestError("link", "this sign-off link has been used already")
        if link.expires <= self._now():
            raise MalformedRequestError("link", "this sign-off link has expired")
        return link

    def claim(self, secret: str) -> Link:
        """Mark the link of ``secret`` used (once: a second claim, even at the same time
        elsewhere, is refused)."""
        while True:
            position, found = self._load(secret)
            link = self._check(found)
            used = attrs.evolve(link, used=True)
            if self._commit(position, {link.key: self._document(used)}):
                return link

    def give_back(self, link: Link) -> None:
        """Make a claimed link usable again (the decision was refused, nothing recorded)."""
        self._write({link.key: self._document(link)})


class RedactSecrets(logging.Filter):
    """A log filter replacing sign-off secrets in a record's arguments (uvicorn's access log
    passes the path as one), so ``--access-log`` never writes a usable link."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def keep_secrets_out_of_logs() -> None:
    """Add :class:`RedactSecrets` to uvicorn's access log (once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())


class SignOffScreen(WebBase):
    """The sign-off screens: an admin makes a link (``/admin/sign-off``), the approver uses it
    (``/sign-off/<secret>``, no sign-in)."""

    def __init__(self, ops: LibOps, *, secure_cookies: bool = True) -> None:
        super().__init__(ops, secure_cookies=secure_cookies)
        self.signoffs = SignOffs(self._views, ops.app.clock.now)

    def make_signoff(self, page: Page) -> Response:
        """An operations admin makes a sign-off link for a post in review and an approver
        (a user with the reviewer role): shown once."""
        authorize(page.person, "user.add")
        in_review = self.ops.posts.list(status="in_review", limit=POSTS_PAGE)
        posts = [(item["id"], self._title(item)) for item in in_review.items]
        approvers = []
        for login in self.ops.users.logins():
            user = self.ops.users.get(login)
            if Role.REVIEWER in user.roles and not user.disabled:
                approvers.append(user)
        made = error = None
        if page.request.method == "POST":
            post_id = str(parse_id(page.form.get("post_id", "")))
            login = page.form.get("login", "")
            post = self.ops.posts.get(post_id)
            if post.status is not PostStatus.IN_REVIEW:
                error = tr(page, "signoff.not_in_review")
            elif login not in {user.login for user in approvers}:
                error = tr(page, "signoff.not_approver", login=login)
            elif login in post.authors:
                error = tr(page, "signoff.author", login=login)
            else:
                secret, link = self.signoffs.make(post_id, login, page.person.id)
                made = (str(page.request.base_url) + "sign-off/" + secret, link, post.title)
        return self.render(
            page,
            "signoff_admin.html",
            422 if error else 200,
            posts=posts,
            approvers=approvers,
            made=made,
            error=error,
            zone=self.ops.posts.cadence.zone,
        )

    def use_signoff(self, page: Page) -> Response:
        """The approver's page (no sign-in): the post, approve or send back, once."""
        secret = page.request.path_params["secret"]
        try:
            link = self.signoffs.find(secret)
        except MalformedRequestError as refused:
            return self.error_page(page, 410, str(refused))
        approver = self.active_actor(link.login)  # (disabled since: refused, nothing shown)
        post = self.ops.posts.get(link.post_id)
        error = None
        if page.request.method == "POST":
            form = ReviewForm.read(page)
            try:
                claimed = self.signoffs.claim(secret)
            except MalformedRequestError as refused:
                return self.error_page(page, 410, str(refused))
            try:
                reviewed = self.attempt(
                    lambda: self.ops.posts.review(
                        approver,
                        link.post_id,
                        form.checklist,
                        approve=form.approve,
                        comments=form.comments,
                    )
                )
            except BaseException:
                self.signoffs.give_back(claimed)
                raise
            if isinstance(reviewed, Refused):
                self.signoffs.give_back(claimed)
                error = reviewed.message
            else:
                return self.render(page, "signoff_done.html", message=form.done(page))
        return self.render(
            page,
            "signoff.html",
            422 if error else 200,
            post=post,
            approver=approver,
            link=link,
            error=error,
            form=page.form,
            platform_names=self._platform_names(page),
            zone=self.ops.posts.cadence.zone,
        )

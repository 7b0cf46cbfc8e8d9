"""The operations admins' screens: the users (``/admin/users``) and their API tokens
(``/admin/tokens``: issued, shown once, and revoked) (docs/web.md)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from libops.domain.permissions import authorize
from libops.domain.values import Role
from libops.web.base import Page, Refused, WebBase, tr


class AdminScreen(WebBase):
    """The users and API tokens pages, for operations admins (``user.add``)."""

    def users(self, page: Page) -> Response:
        authorize(page.person, "user.add")
        people = [self.ops.users.get(login) for login in self.ops.users.logins()]
        return self.render(page, "users.html", people=people)

    def tokens(
        self,
        page: Page,
        *,
        issued: Any = None,
        message: str | None = None,
        error: str | None = None,
    ) -> Response:
        """Operations admins list, issue (shown once) and revoke the users' API tokens."""
        authorize(page.person, "user.add")
        people = [self.ops.users.get(login) for login in self.ops.users.logins()]
        return self.render(
            page,
            "tokens.html",
            422 if error else 200,
            people=people,
            issued=issued,
            message=message,
            error=error,
            roles=sorted(Role, key=lambda role: role.value),
            zone=self.ops.posts.cadence.zone,
        )

    def issue_token(self, page: Page) -> Response:
        authorize(page.person, "user.add")
        login = page.form.get("login", "")
        chosen = [role.value for role in Role if page.form.get(f"role_{role.value}") == "on"]
        days_text = page.form.get("expires_days", "").strip()
        if not (days_text.isascii() and days_text.isdigit() and len(days_text) <= 4):
            return self.tokens(page, error=tr(page, "tokens.bad_days", days=days_text[:20]))
        issued = self.attempt(
            lambda: self.ops.users.issue_token(
                page.person,
                login=login,
                roles=chosen or None,
                expires_days=int(days_text),
                label=page.form.get("label", ""),
            )
        )
        if isinstance(issued, Refused):
            return self.tokens(page, error=issued.message)
        return self.tokens(page, issued=(login, issued))

    def revoke_token(self, page: Page) -> Response:
        authorize(page.person, "user.add")
        login, token_id = page.form.get("login", ""), page.form.get("token_id", "")
        revoked = self.attempt(
            lambda: self.ops.users.revoke_token(page.person, login=login, token_id=token_id)
        )
        if isinstance(revoked, Refused):
            return self.tokens(page, error=revoked.message)
        return self.tokens(page, message=tr(page, "tokens.revoked", token=token_id, login=login))

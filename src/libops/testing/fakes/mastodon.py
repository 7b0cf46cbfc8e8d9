"""A local Mastodon server: statuses with Idempotency-Key, counts, context, rate limits.

Models (API-FACTS section 4): ``POST /api/v1/statuses`` (form or JSON ``status``; 422
"Validation failed: Text can't be blank" or over ``max_characters``), the
``Idempotency-Key`` header replayed per account for one hour (same key, same status),
``GET /api/v1/statuses/:id`` with ``replies_count``, ``reblogs_count``,
``favourites_count``, ``GET /api/v1/statuses/:id/context`` (``descendants``: the replies),
``DELETE /api/v1/statuses/:id``, ``GET /api/v1/accounts/verify_credentials``,
``GET /api/v1/accounts/:id/statuses`` (newest first, ``limit`` up to 40); OAuth bearer
tokens that never expire but can be revoked (401 "The access token is invalid") or lack
the write scope (403); 404
"Record not found"; ``X-RateLimit-Limit/Remaining/Reset`` (ISO 8601) on every answer,
300 requests per 5 minutes per token, then 429 "Too many requests".
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from libops.domain.ports import Clock
from libops.testing.fakes._server import Answer, Audience, FakeServer, Json, Request, iso_millis

IDEMPOTENCY_WINDOW = timedelta(hours=1)
RATE_LIMIT = 300
RATE_WINDOW = timedelta(minutes=5)
_READER_LINES = (
    "Lovely pick, I'll reserve it today.",
    "Is the reading room open on Sunday?",
    "Disappointed the audiobook is still missing.",
    "Thanks for sharing!",
    "My book club read this last year.",
    "Will there be a signing event?",
)


class FakeMastodon(FakeServer):
    """One Mastodon instance with one account (``username``), answering on loopback.

    ``token`` is the bearer token the account's app holds; :meth:`revoke_tokens` makes
    every token invalid (as when staff revoke the app), :meth:`issue_token` adds a new one.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        token: str = "fake-mastodon-token",
        username: str = "citylibrary",
        max_characters: int = 500,
    ) -> None:
        super().__init__(clock)
        self.username = username
        self.max_characters = max_characters
        self._tokens = {token}
        self._read_only: set[str] = set()
        self._statuses: dict[str, Json] = {}
        self._deleted: set[str] = set()
        self._keys: dict[str, tuple[str, datetime]] = {}
        self._next_id = 110_000_000_000_000_000
        self._window: dict[str, tuple[datetime, int]] = {}

    # --- controls --------------------------------------------------------------------------

    def revoke_tokens(self) -> None:
        """Every token becomes invalid (401) until :meth:`issue_token`."""
        with self._lock:
            self._tokens.clear()

    def issue_token(self, token: str, *, write: bool = True) -> None:
        """Accept ``token`` from now on; without ``write`` it has only the ``read`` scope."""
        with self._lock:
            self._tokens.add(token)
            if not write:
                self._read_only.add(token)

    def statuses(self) -> list[Json]:
        """Every live status the account posted, oldest first."""
        with self._lock:
            return [dict(s) for i, s in self._statuses.items() if i not in self._deleted]

    # --- answers ---------------------------------------------------------------------------

    def common_headers(self, request: Request) -> dict[str, str]:
        token = request.headers.get("authorization", "")
        start, used = self._window.get(token, (self.now(), 0))
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - used)),
            "X-RateLimit-Reset": iso_millis(start + RATE_WINDOW),
        }

    def rate_limited(self, request: Request, retry_after: float) -> Answer:
        reset = self.now() + timedelta(seconds=retry_after)
        return Answer(
            429,
            {"error": "Too many requests"},
            {"Retry-After": f"{retry_after:g}", "X-RateLimit-Reset": iso_millis(reset)},
        )

    def route(self, request: Request) -> Answer:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self._tokens:
            return Answer(401, {"error": "The access token is invalid"})
        now = self.now()
        start, used = self._window.get(auth, (now, 0))
        if now - start >= RATE_WINDOW:
            start, used = now, 0
        if used >= RATE_LIMIT:
            return self.rate_limited(request, (start + RATE_WINDOW - now).total_seconds())
        self._window[auth] = (start, used + 1)
        parts = [p for p in request.path.split("/") if p]
        if parts == ["api", "v1", "accounts", "verify_credentials"]:
            return Answer(200, self._account())
        if parts == ["api", "v1", "accounts", "1", "statuses"] and request.method == "GET":
            return Answer(200, self._latest(request))
        if parts[:3] != ["api", "v1", "statuses"]:
            return Answer(404, {"error": "Record not found"})
        if request.method != "GET" and auth[7:] in self._read_only:
            return Answer(403, {"error": "This action is outside the authorized scopes"})
        if request.method == "POST" and len(parts) == 3:
            return self._post(request)
        if len(parts) < 4:
            return Answer(404, {"error": "Record not found"})
        status_id = parts[3]
        if status_id not in self._statuses or status_id in self._deleted:
            return Answer(404, {"error": "Record not found"})
        if request.method == "GET" and len(parts) == 4:
            return Answer(200, self._view(status_id))
        if request.method == "GET" and parts[4:] == ["context"]:
            return Answer(200, {"ancestors": [], "descendants": self._replies(status_id)})
        if request.method == "DELETE" and len(parts) == 4:
            view = self._view(status_id)
            self._deleted.add(status_id)
            return Answer(200, view)
        return Answer(404, {"error": "Record not found"})

    def _latest(self, request: Request) -> list[Json]:
        """The account's statuses, newest first, at most ``limit`` (20 by default, 40 most)."""
        try:
            limit = min(40, max(1, int(request.query.get("limit", ["20"])[0])))
        except ValueError:
            limit = 20
        live = [i for i in self._statuses if i not in self._deleted]
        return [self._view(i) for i in reversed(live)][:limit]

    def _account(self) -> Json:
        return {
            "id": "1",
            "username": self.username,
            "acct": self.username,
            "followers_count": 1200,
            "statuses_count": len(self._statuses) - len(self._deleted),
        }

    def _post(self, request: Request) -> Answer:
        now = self.now()
        key = request.headers.get("idempotency-key")
        if key:
            known = self._keys.get(key)
            if known is not None and now - known[1] < IDEMPOTENCY_WINDOW:
                return Answer(200, self._view(known[0]))
        text = request.body.get("status")
        if not isinstance(text, str) or not text.strip():
            return Answer(422, {"error": "Validation failed: Text can't be blank"})
        limit = self.max_characters
        if len(text) > limit:
            return Answer(
                422,
                {"error": f"Validation failed: Text character limit of {limit} exceeded"},
            )
        self._next_id += 1 + len(self._statuses) * 37
        status_id = str(self._next_id)
        self._statuses[status_id] = {
            "id": status_id,
            "created_at": iso_millis(now),
            "content": f"<p>{html.escape(text)}</p>",
            "visibility": request.body.get("visibility", "public"),
        }
        if key:
            self._keys[key] = (status_id, now)
        return Answer(200, self._view(status_id))

    def _audience(self, status_id: str) -> Audience:
        created = datetime.fromisoformat(self._statuses[status_id]["created_at"])
        return Audience(f"mastodon:{status_id}", created)

    def _view(self, status_id: str) -> Json:
        now, audience = self.now(), self._audience(status_id)
        return {
            **self._statuses[status_id],
            "url": f"{self.base_url}/@{self.username}/{status_id}",
            "uri": f"{self.base_url}/users/{self.username}/statuses/{status_id}",
            "account": {"id": "1", "username": self.username, "acct": self.username},
            "replies_count": len([t for t in audience.reply_times() if t <= now]),
            "reblogs_count": audience.count(now, 1, 8, 6.0),
            "favourites_count": audience.count(now, 2, 30, 4.0),
        }

    def _replies(self, status_id: str) -> list[Json]:
        now, audience = self.now(), self._audience(status_id)
        replies = []
        for n, at in enumerate(audience.reply_times()):
            if at > now:
                break
            line = _READER_LINES[(int(status_id) + n) % len(_READER_LINES)]
            replies.append(
                {
                    "id": f"{status_id}{n:03d}",
                    "in_reply_to_id": status_id,
                    "created_at": iso_millis(at),
                    "content": f"<p>@{self.username} {html.escape(line)}</p>",
                    "account": {"acct": f"reader{n}@books.example", "username": f"reader{n}"},
                }
            )
        return replies

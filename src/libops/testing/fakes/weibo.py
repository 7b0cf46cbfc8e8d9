"""A local Weibo open API: the share endpoint and its rules, counts, timeline, comments.

Models (API-FACTS section 2), under ``/2/``: ``statuses/share.json`` (form ``status``, the
end user's IP ``rip``; at most 140 characters, no ``#topic#``, a link under one of the
app's safe domains or 10017 "text not find domain!", 20012 over 140 characters, 20019
"repeat content!" for the account's latest text again, 30 posts an hour per user then
10023), ``statuses/update.json`` and ``statuses/upload.json`` (10014 "Insufficient app
permissions!", as since 2017), ``statuses/show.json``, ``statuses/count.json`` (at most 100
ids; unknown and deleted ids left out), ``statuses/user_timeline.json`` (newest first, at
most 100), ``comments/show.json``. Links in a shared text come back as short ``t.cn`` links.
The access token goes in ``Authorization: OAuth2 <token>`` or as ``access_token``; it
expires after ``token_lifetime`` (21327 "expired_token"), and an unknown one is 21332.
Errors are HTTP 400/403 with ``{"error", "error_code", "request"}``; a rate limit is 403
with 10023 (and ``Retry-After``, which the fake adds), a server fault 10001 "system error".
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from libops.domain.ports import Clock
from libops.testing.fakes._server import Answer, Audience, FakeServer, Json, Request

TOKEN_LIFETIME = timedelta(days=30)
"""A "high" app level's token lifetime (test apps get a day, normal ones 7 days)."""
POSTS_PER_HOUR = 30
CHINA = timezone(timedelta(hours=8))
_WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"
_URL = re.compile(r"https?://[^\s<>\"']+")
_TOPIC = re.compile(r"#[^#\s][^#]*#")
_READER_LINES = (
    "周末带孩子去看看!",
    "请问分馆也有这本书吗?",
    "借阅期限太短了, 希望能延长。",
    "谢谢推荐, 已经预约了。",
    "这个活动需要报名吗?",
)


def weibo_time(moment: datetime) -> str:
    """``moment`` as Weibo writes times: ``Sun Mar 01 16:00:00 +0800 2026``."""
    return moment.astimezone(CHINA).strftime(_WEIBO_TIME)


class FakeWeibo(FakeServer):
    """One Weibo account (``uid``, ``screen_name``) of one app whose safe domains are
    ``safe_domains``, holding the access token ``token``.

    :meth:`expire_tokens` ends every token now; :meth:`issue_token` accepts a new one (as
    when a staff member authorises the app again).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        token: str = "fake-weibo-token",
        uid: int = 5_820_001_234,
        screen_name: str = "城市图书馆",
        safe_domains: tuple[str, ...] = ("library.example.cn",),
        token_lifetime: timedelta = TOKEN_LIFETIME,
    ) -> None:
        super().__init__(clock)
        self.uid = uid
        self.screen_name = screen_name
        self.safe_domains = safe_domains
        self.token_lifetime = token_lifetime
        self._tokens: dict[str, datetime] = {token: clock.now() + token_lifetime}
        self._statuses: dict[str, Json] = {}
        self._deleted: set[str] = set()
        self._posted: list[datetime] = []
        self._next_id = 4_980_000_000_000_000

    # --- controls --------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every token issued so far has expired."""
        with self._lock:
            past = self.now() - timedelta(seconds=1)
            self._tokens = {t: min(e, past) for t, e in self._tokens.items()}

    def issue_token(self, token: str) -> None:
        """Accept ``token`` from now on, for the fake's token lifetime."""
        with self._lock:
            self._tokens[token] = self.now() + self.token_lifetime

    def delete(self, status_id: str) -> None:
        """The account deleted the status on weibo.com."""
        with self._lock:
            self._deleted.add(status_id)

    def statuses(self) -> list[Json]:
        """Every live status of the account, oldest first."""
        with self._lock:
            return [dict(s) for i, s in self._statuses.items() if i not in self._deleted]

    # --- answers ---------------------------------------------------------------------------

    def _error(self, request: Request, status: int, code: int, words: str) -> Answer:
        return Answer(status, {"error": words, "error_code": code, "request": request.path})

    def rate_limited(self, request: Request, retry_after: float) -> Answer:
        answer = self._error(request, 403, 10023, "User requests out of rate limit!")
        answer.headers["Retry-After"] = f"{retry_after:g}"
        return answer

    def server_error(self, request: Request, status: int) -> Answer:
        return self._error(request, status, 10001, "system error!")

    def route(self, request: Request) -> Answer:
        refused = self._check_token(request)
        if refused is not None:
            return refused
        handlers = {
            ("POST", "/2/statuses/share.json"): self._share,
            ("GET", "/2/statuses/show.json"): self._show,
            ("GET", "/2/statuses/count.json"): self._count,
            ("GET", "/2/statuses/user_timeline.json"): self._timeline,
            ("GET", "/2/comments/show.json"): self._comments,
        }
        handler = handlers.get((request.method, request.path))
        if handler is not None:
            return handler(request)
        if request.path in ("/2/statuses/update.json", "/2/statuses/upload.json"):
            return self._error(request, 403, 10014, "Insufficient app permissions!")
        return self._error(request, 400, 10008, "param error, see doc for more info.")

    def _check_token(self, request: Request) -> Answer | None:
        auth = request.headers.get("authorization", "")
        token = auth[len("OAuth2 ") :] if auth.startswith("OAuth2 ") else None
        if token is None:
            token = request.body.get("access_token") or _first(request, "access_token")
        if not token:
            return self._error(request, 403, 21301, "auth faild!")
        expires = self._tokens.get(token)
        if expires is None:
            return self._error(request, 403, 21332, "invalid_access_token")
        if expires <= self.now():
            return self._error(request, 403, 21327, "expired_token")
        return None

    # --- statuses --------------------------------------------------------------------------

    def _share(self, request: Request) -> Answer:
        text, rip = request.body.get("status"), request.body.get("rip")
        try:
            ipaddress.ip_address(str(rip))
        except ValueError:
            return self._error(request, 400, 10008, "param error: rip is required")
        if not isinstance(text, str) or not text.strip():
            return self._error(request, 400, 10008, "param error: status is required")
        if len(text) > 140:
            return self._error(
                request, 400, 20012, "Text too long, please input text less than 140 characters!"
            )
        hosts = [urlsplit(u).hostname or "" for u in _URL.findall(text)]
        if not any(h == d or h.endswith(f".{d}") for h in hosts for d in self.safe_domains):
            return self._error(request, 400, 10017, "text not find domain!")
        if _TOPIC.search(text):
            return self._error(request, 400, 10017, "invalid parameter value: #topic#")
        shown = _URL.sub(lambda m: _short(m.group(0)), text)
        live = [s for i, s in self._statuses.items() if i not in self._deleted]
        if live and live[-1]["text"] == shown:
            return self._error(request, 400, 20019, "repeat content!")
        now = self.now()
        self._posted = [t for t in self._posted if now - t < timedelta(hours=1)]
        if len(self._posted) >= POSTS_PER_HOUR:
            wait = (self._posted[0] + timedelta(hours=1) - now).total_seconds()
            return self.rate_limited(request, wait)
        self._posted.append(now)
        self._next_id += 1 + len(self._statuses) * 7919
        status_id = str(self._next_id)
        self._statuses[status_id] = {
            "id": self._next_id,
            "idstr": status_id,
            "mid": status_id,
            "created_at": weibo_time(now),
            "text": shown,
            "source": '<a href="http://app.weibo.com" rel="nofollow">libops</a>',
        }
        return Answer(200, self._view(status_id))

    def _live(self, status_id: str) -> bool:
        return status_id in self._statuses and status_id not in self._deleted

    def _audience(self, status_id: str) -> Audience:
        created = datetime.strptime(self._statuses[status_id]["created_at"], _WEIBO_TIME)
        return Audience(f"weibo:{status_id}", created)

    def _counts(self, status_id: str) -> dict[str, int]:
        now, audience = self.now(), self._audience(status_id)
        return {
            "reposts": audience.count(now, 1, 12, 5.0),
            "comments": len([t for t in audience.reply_times() if t <= now]),
            "attitudes": audience.count(now, 2, 60, 3.0),
        }

    def _view(self, status_id: str) -> Json:
        counts = self._counts(status_id)
        return {
            **self._statuses[status_id],
            "user": {"id": self.uid, "idstr": str(self.uid), "screen_name": self.screen_name},
            "reposts_count": counts["reposts"],
            "comments_count": counts["comments"],
            "attitudes_count": counts["attitudes"],
        }

    def _show(self, request: Request) -> Answer:
        status_id = _first(request, "id")
        if not self._live(status_id):
            return self._error(request, 400, 20101, "target weibo does not exist!")
        return Answer(200, self._view(status_id))

    def _count(self, request: Request) -> Answer:
        ids = [i for i in _first(request, "ids").split(",") if i]
        if not ids or len(ids) > 100:
            return self._error(request, 400, 10008, "param error: ids takes 1 to 100 ids")
        return Answer(
            200, [{"id": int(i), **self._counts(i)} for i in ids if i.isdigit() and self._live(i)]
        )

    def _timeline(self, request: Request) -> Answer:
        try:
            count = min(100, max(1, int(_first(request, "count") or 20)))
        except ValueError:
            count = 20
        live = [i for i in self._statuses if i not in self._deleted]
        shown = [self._view(i) for i in reversed(live)][:count]
        return Answer(200, {"statuses": shown, "total_number": len(live)})

    def _comments(self, request: Request) -> Answer:
        status_id = _first(request, "id")
        if not self._live(status_id):
            return self._error(request, 400, 20101, "target weibo does not exist!")
        now, audience = self.now(), self._audience(status_id)
        found = []
        for n, at in enumerate(audience.reply_times()):
            if at > now:
                break
            found.append(
                {
                    "id": int(f"{status_id}{n:03d}"),
                    "idstr": f"{status_id}{n:03d}",
                    "created_at": weibo_time(at),
                    "text": _READER_LINES[(int(status_id) + n) % len(_READER_LINES)],
                    "user": {"id": 6_000_000 + n, "screen_name": f"读者{n}"},
                }
            )
        found.reverse()  # newest first, as Weibo lists them
        return Answer(200, {"comments": found, "total_number": len(found)})


def _first(request: Request, name: str) -> str:
    return request.query.get(name, [""])[0]


def _short(url: str) -> str:
    """The ``t.cn`` short link Weibo shows for ``url``."""
    return f"http://t.cn/{hashlib.sha256(url.encode()).hexdigest()[:7]}"

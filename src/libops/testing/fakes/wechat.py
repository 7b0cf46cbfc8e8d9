"""A local WeChat Official Accounts API: stable tokens, drafts, asynchronous publishing,
published articles, comments and the datacube, answering HTTP 200 with ``errcode`` bodies.

Models (API-FACTS section 1): ``POST /cgi-bin/stable_token`` (AppID + AppSecret → a token
for 7,200 seconds; the normal mode gives the same token while it is valid, ``force_refresh``
a new one; 40013 wrong AppID, 40125 wrong AppSecret, 40164 an IP not on the whitelist); every
other call takes ``?access_token=`` (41001 missing, 40001 unknown, 42001 expired).
``draft/add`` (a news article: title ≤ 32 characters else 45003, content < 20,000 else 45002,
``thumb_media_id`` a permanent material id else 40007) → ``media_id``; ``draft/batchget``
(1-20 a page, newest first); ``freepublish/submit`` (40007 for a draft that is unknown or
taken by an earlier submit) → ``publish_id`` and ``msg_data_id``; ``freepublish/get`` →
``publish_status`` 1 (publishing) until ``publish_delay`` has passed on the clock, then 0
with ``article_id`` and ``article_detail`` (the draft leaves the draft box), or 2/3/4 with
``fail_idx`` as queued with :meth:`FakeWeChat.fail_next_publication` (the draft stays);
``freepublish/batchget`` (1-20 a page, newest first), ``freepublish/getarticle`` and
``freepublish/delete`` (53600 for an unknown article id). ``/cgi-bin/comment/list``:
readers' comments arriving hours apart. ``/datacube/getarticletotaldetail``: per article
published in the date range, one ``detail_list`` entry per day (``read_user``,
``like_user``, ``comment_count``, ``share_user``, ``collection_user``, ``zaikan_user``,
``read_finish_rate``), each day's figures only from 08:00 Beijing time the next day (T+1);
61500 for a bad date, 61501 for an end date from today on. An unverified account
(``verified=False``) gets 48001 "api unauthorized" from ``freepublish/*`` and
``datacube/*`` (drafts still work). Rate limits are WeChat's daily quota error 45009
(:meth:`~FakeServer.rate_limit_next`), "system busy" is errcode -1
(:meth:`FakeWeChat.busy_next`); 5xx, slow and lost answers come from :class:`FakeServer`.
Codes marked uncertain in the facts (53600, 61501, 48001 for unverified accounts) are the
likeliest ones, not confirmed.
"""

from __future__ import annotations

import hashlib
from collections import deque
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from libops.domain.errors import InvalidValueError
from libops.domain.ports import Clock
from libops.testing.fakes._server import Answer, Audience, FakeServer, Json, Request, deterministic

TOKEN_LIFETIME = timedelta(seconds=7200)
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
TITLE_MAX = 32
CONTENT_MAX = 20000
_READER_LINES = (
    "这本书馆里还有吗？",
    "周末的讲座还能报名吗？",
    "谢谢推荐，已经借到了！",
    "电子书的借阅期限太短了。",
    "期待下一期书单。",
)
_STATES = {2: "originality failed", 3: "failed", 4: "rejected"}
_GONE = {5: "deleted", 6: "banned"}


def _error(code: int, message: str) -> Answer:
    return Answer(200, {"errcode": code, "errmsg": f"{message} rid: fake-{code}"})


def _ok(**fields: Any) -> Answer:
    return Answer(200, {"errcode": 0, "errmsg": "ok", **fields})


def _day(value: object) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class FakeWeChat(FakeServer):
    """One Official Account (``appid``, ``secret``) answering on loopback.

    ``verified=False`` makes it an unverified account (no publishing or statistics by API);
    ``ip_allowed=False`` refuses token requests as from an IP off the whitelist.
    :meth:`expire_tokens` ends every token now (42001); :meth:`add_material` adds a permanent
    image and returns its ``media_id`` (covers must be one).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        appid: str = "wx0fake0library0",
        secret: str = "fake-wechat-app-secret",
        verified: bool = True,
        publish_delay: timedelta = timedelta(seconds=2),
        biz: str = "MzFakeLibrary==",
    ) -> None:
        super().__init__(clock)
        self.appid = appid
        self.verified = verified
        self.ip_allowed = True
        self.publish_delay = publish_delay
        self._secret = secret
        self._biz = biz
        self._tokens: dict[str, datetime] = {}
        self._refused: set[str] = set()
        self._current: str | None = None
        self._material: dict[str, str] = {}
        self._drafts: dict[str, Json] = {}  # media_id -> {articles, update_time, taken}
        self._jobs: dict[str, Json] = {}  # publish_id -> job
        self._articles: dict[str, Json] = {}  # article_id -> article
        self._outcomes: deque[int] = deque()
        self._busy: deque[str] = deque()
        self._serial = 0
        self.tokens_issued = 0

    # --- controls --------------------------------------------------------------------------

    def add_material(self, name: str = "cover.jpg") -> str:
        """Add a permanent image to the account's material library; its ``media_id``."""
        with self._lock:
            media_id = self._next("MAT")
            self._material[media_id] = name
            return media_id

    def expire_tokens(self) -> None:
        """Every access token issued so far has expired (the next call gets 42001)."""
        with self._lock:
            past = self.now() - timedelta(seconds=1)
            self._tokens = dict.fromkeys(self._tokens, past)

    def refuse_tokens(self) -> None:
        """The APIs refuse every token issued so far (40001, as after a leak or a forced
        refresh elsewhere), while ``stable_token``'s normal mode still hands out the current
        one until it expires: only ``force_refresh`` gets a working token."""
        with self._lock:
            self._refused.update(self._tokens)

    def fail_next_publication(self, status: int = 3, count: int = 1) -> None:
        """The next ``count`` submitted publications end in ``publish_status`` ``status``
        (2 originality check failed, 3 failed, 4 rejected by review; 5 out and then deleted,
        6 out and then banned)."""
        if status not in _STATES and status not in _GONE:
            raise InvalidValueError(
                f"a failed publication's status is 2, 3, 4, 5 or 6, not {status!r}"
            )
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise InvalidValueError(f"a count must be a positive whole number, not {count!r}")
        with self._lock:
            self._outcomes.extend([status] * count)

    def busy_next(self, count: int = 1, *, path: str = "") -> None:
        """Answer the next ``count`` matching requests with errcode -1 ("system error")."""
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise InvalidValueError(f"a count must be a positive whole number, not {count!r}")
        with self._lock:
            self._busy.extend([path] * count)

    def delete_draft(self, media_id: str) -> None:
        """The draft ``media_id`` leaves the draft box, as when someone deletes it in the
        back office (its next submit gets 40007)."""
        with self._lock:
            if media_id not in self._drafts:
                raise InvalidValueError(f"there is no draft {media_id!r} in the draft box")
            del self._drafts[media_id]

    def forget_job(self, publish_id: str) -> None:
        """WeChat no longer knows the publish job ``publish_id`` (``freepublish/get`` about
        it gets 40007)."""
        with self._lock:
            if publish_id not in self._jobs:
                raise InvalidValueError(f"there is no publish job {publish_id!r}")
            del self._jobs[publish_id]

    def articles(self) -> list[Json]:
        """Every publication that went out (deleted ones too), oldest first."""
        with self._lock:
            for job in self._jobs.values():
                self._resolve(job)
            return [dict(a) for a in self._articles.values()]

    def live_articles(self) -> list[Json]:
        """The publications that are out and not deleted."""
        return [a for a in self.articles() if not a["deleted"]]

    def drafts(self) -> list[Json]:
        """The drafts in the draft box."""
        with self._lock:
            for job in self._jobs.values():
                self._resolve(job)
            return [{"media_id": m, **d} for m, d in self._drafts.items()]

    # --- answers ---------------------------------------------------------------------------

    def rate_limited(self, request: Request, retry_after: float) -> Answer:
        return _error(45009, "reach max api daily quota limit")

    def server_error(self, request: Request, status: int) -> Answer:
        return Answer(status, {"errcode": -1, "errmsg": "system error"})

    def route(self, request: Request) -> Answer:
        if request.method != "POST":
            return Answer(404, {"errcode": 404, "errmsg": "not found"})
        for n, path in enumerate(self._busy):
            if path in request.path:
                del self._busy[n]
                return _error(-1, "system error")
        if request.path == "/cgi-bin/stable_token":
            return self._stable_token(request.body)
        refused = self._check_token(request)
        if refused is not None:
            return refused
        guarded = request.path.startswith(("/cgi-bin/freepublish/", "/datacube/"))
        if guarded and not self.verified:
            return _error(48001, "api unauthorized")
        handlers = {
            "/cgi-bin/draft/add": self._draft_add,
            "/cgi-bin/draft/batchget": self._draft_batchget,
            "/cgi-bin/freepublish/submit": self._submit,
            "/cgi-bin/freepublish/get": self._get,
            "/cgi-bin/freepublish/batchget": self._batchget,
            "/cgi-bin/freepublish/getarticle": self._getarticle,
            "/cgi-bin/freepublish/delete": self._delete,
            "/cgi-bin/comment/list": self._comments,
            "/datacube/getarticletotaldetail": self._total_detail,
        }
        handler = handlers.get(request.path)
        if handler is None:
            return _error(48001, "api unauthorized")  # as WeChat answers an unknown API
        return handler(request.body)

    # --- tokens ------------------------------------------------------------------------------

    def _next(self, prefix: str) -> str:
        self._serial += 1
        digest = hashlib.sha256(f"{self.appid}:{prefix}:{self._serial}".encode()).hexdigest()
        return f"{prefix}{self._serial:04d}{digest[:20]}"

    def _stable_token(self, body: Json) -> Answer:
        if not self.ip_allowed:
            return _error(40164, "invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist")
        if body.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if body.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if body.get("secret") != self._secret:
            return _error(40125, "invalid appsecret")
        now = self.now()
        current = self._current
        valid = current is not None and self._tokens.get(current, now) > now
        if body.get("force_refresh") is True or not valid:
            token = (
                "ACCESS_"
                + hashlib.sha256(f"{self._secret}:{self.tokens_issued}".encode()).hexdigest()
            )
            if current is not None and body.get("force_refresh") is True:
                self._tokens.pop(current, None)
            self._tokens[token] = now + TOKEN_LIFETIME
            self._current = token
            self.tokens_issued += 1
        assert self._current is not None
        left = int((self._tokens[self._current] - now).total_seconds())
        return Answer(200, {"access_token": self._current, "expires_in": left})

    def _check_token(self, request: Request) -> Answer | None:
        token = request.query.get("access_token", [""])[0]
        if not token:
            return _error(41001, "access_token missing")
        expires = self._tokens.get(token)
        if expires is None or token in self._refused:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if expires <= self.now():
            return _error(42001, "access_token expired")
        return None

    # --- drafts and publishing -------------------------------------------------------------

    def _draft_add(self, body: Json) -> Answer:
        articles = body.get("articles")
        if not isinstance(articles, list) or not articles:
            return _error(40035, "invalid args: articles")
        for article in articles:
            if not isinstance(article, dict):
                return _error(40035, "invalid args: article")
            title, content = article.get("title"), article.get("content")
            if not isinstance(title, str) or not title:
                return _error(40035, "invalid args: title")
            if len(title) > TITLE_MAX:
                return _error(45003, "title size out of limit")
            if not isinstance(content, str) or not content:
                return _error(40035, "invalid args: content")
            if len(content) >= CONTENT_MAX:
                return _error(45002, "content size out of limit")
            if article.get("thumb_media_id") not in self._material:
                return _error(40007, "invalid media_id")
        media_id = self._next("DRAFT")
        self._drafts[media_id] = {
            "articles": [dict(a) for a in articles],
            "update_time": int(self.now().timestamp()),
            "taken": False,
        }
        return Answer(200, {"media_id": media_id})

    def _paging(self, body: Json) -> tuple[int, int] | Answer:
        """A ``batchget``'s ``offset`` and ``count`` (1 to 20), or WeChat's 40035 refusal;
        the publish jobs are brought up to date first, as a list read now shows them."""
        offset, count = body.get("offset", 0), body.get("count")
        if not isinstance(offset, int) or offset < 0:
            return _error(40035, "invalid args: offset")
        if not isinstance(count, int) or not 1 <= count <= 20:
            return _error(40035, "invalid args: count must be 1 to 20")
        for job in self._jobs.values():
            self._resolve(job)
        return offset, count

    def _draft_batchget(self, body: Json) -> Answer:
        paging = self._paging(body)
        if isinstance(paging, Answer):
            return paging
        offset, count = paging
        newest = sorted(self._drafts.items(), key=lambda d: d[1]["update_time"], reverse=True)
        items = []
        for media_id, draft in newest[offset : offset + count]:
            news = _news(draft["articles"], body)
            items.append(
                {
                    "media_id": media_id,
                    "content": {"news_item": news},
                    "update_time": draft["update_time"],
                }
            )
        return Answer(200, {"total_count": len(newest), "item_count": len(items), "item": items})

    def _submit(self, body: Json) -> Answer:
        media_id = body.get("media_id")
        for job in self._jobs.values():
            self._resolve(job)
        draft = self._drafts.get(media_id) if isinstance(media_id, str) else None
        if draft is None or draft["taken"]:
            return _error(40007, "invalid media_id")
        draft["taken"] = True
        publish_id = str(2_247_483_000 + self._serial)
        self._serial += 1
        msg_data_id = str(2_247_490_000 + self._serial)
        self._jobs[publish_id] = {
            "publish_id": publish_id,
            "msg_data_id": msg_data_id,
            "media_id": media_id,
            "submitted_at": self.now(),
            "outcome": self._outcomes.popleft() if self._outcomes else 0,
            "status": 1,
            "article_id": None,
        }
        return _ok(publish_id=publish_id, msg_data_id=msg_data_id)

    def _resolve(self, job: Json) -> None:
        if job["status"] != 1 or self.now() < job["submitted_at"] + self.publish_delay:
            return
        job["status"] = job["outcome"]
        draft = self._drafts[job["media_id"]]
        if job["status"] in _STATES:
            draft["taken"] = False  # a failed publication leaves the draft in the box
            return
        del self._drafts[job["media_id"]]
        article_id = self._next("ART")
        published_at = job["submitted_at"] + self.publish_delay
        sn = hashlib.sha256(article_id.encode()).hexdigest()[:32]
        url = (
            f"https://mp.weixin.qq.com/s?__biz={self._biz}&mid={job['msg_data_id']}"
            f"&idx=1&sn={sn}#rd"
        )
        news = [
            {
                **{k: a.get(k, "") for k in ("title", "author", "digest", "content")},
                "content_source_url": a.get("content_source_url", ""),
                "thumb_media_id": a["thumb_media_id"],
                "url": url.replace("idx=1", f"idx={n + 1}"),
                "is_deleted": False,
            }
            for n, a in enumerate(draft["articles"])
        ]
        job["article_id"] = article_id
        self._articles[article_id] = {
            "article_id": article_id,
            "msg_data_id": job["msg_data_id"],
            "news_item": news,
            "url": url,
            "published_at": published_at,
            "deleted": job["status"] in _GONE,
        }
        for item in news:
            item["is_deleted"] = job["status"] in _GONE

    def _get(self, body: Json) -> Answer:
        job = self._jobs.get(str(body.get("publish_id")))
        if job is None:
            return _error(40007, "invalid publish_id")
        self._resolve(job)
        status = job["status"]
        if status == 0 and self._articles[job["article_id"]]["deleted"]:
            status = 5  # all its articles deleted after success
        answer: Json = {"publish_id": job["publish_id"], "publish_status": status}
        if status == 0:
            article = self._articles[job["article_id"]]
            answer["article_id"] = article["article_id"]
            answer["article_detail"] = {
                "count": len(article["news_item"]),
                "item": [
                    {"idx": n + 1, "article_url": item["url"]}
                    for n, item in enumerate(article["news_item"])
                ],
            }
            answer["fail_idx"] = []
        elif status in _STATES:
            answer["fail_idx"] = [1]
        return _ok(**answer)

    def _batchget(self, body: Json) -> Answer:
        paging = self._paging(body)
        if isinstance(paging, Answer):
            return paging
        offset, count = paging
        live = sorted(
            (a for a in self._articles.values() if not a["deleted"]),
            key=lambda a: a["published_at"],
            reverse=True,
        )
        page = live[offset : offset + count]
        items = []
        for article in page:
            stamp = int(article["published_at"].timestamp())
            news = _news(article["news_item"], body)
            items.append(
                {
                    "article_id": article["article_id"],
                    "content": {"news_item": news, "create_time": stamp, "update_time": stamp},
                    "update_time": stamp,
                }
            )
        return Answer(200, {"total_count": len(live), "item_count": len(items), "item": items})

    def _getarticle(self, body: Json) -> Answer:
        article = self._articles.get(str(body.get("article_id")))
        if article is None:
            return _error(53600, "invalid article_id")
        return Answer(200, {"news_item": [dict(n) for n in article["news_item"]]})

    def _delete(self, body: Json) -> Answer:
        article = self._articles.get(str(body.get("article_id")))
        if article is None:
            return _error(53600, "invalid article_id")
        article["deleted"] = True
        for item in article["news_item"]:
            item["is_deleted"] = True
        return _ok()

    # --- readers -----------------------------------------------------------------------------

    def _audience(self, article: Json) -> Audience:
        return Audience(f"wechat:{article['article_id']}", article["published_at"])

    def _comments(self, body: Json) -> Answer:
        article = next(
            (
                a
                for a in self._articles.values()
                if a["msg_data_id"] == str(body.get("msg_data_id")) and not a["deleted"]
            ),
            None,
        )
        begin, count = body.get("begin", 0), body.get("count")
        if article is None or body.get("index") != 0:
            return _error(40035, "invalid args: msg_data_id or index")
        if not isinstance(begin, int) or begin < 0 or not isinstance(count, int):
            return _error(40035, "invalid args: begin or count")
        if not 1 <= count <= 50:
            return _error(40035, "invalid args: count must be 1 to 50")
        now = self.now()
        times = [t for t in self._audience(article).reply_times() if t <= now]
        seed = article["article_id"]
        comments = [
            {
                "user_comment_id": n + 1,
                "openid": "oFake" + hashlib.sha256(f"{seed}:{n}".encode()).hexdigest()[:23],
                "create_time": int(at.timestamp()),
                "content": _READER_LINES[(n + len(article["article_id"])) % len(_READER_LINES)],
                "comment_type": 0,
            }
            for n, at in enumerate(times)
        ]
        comments.reverse()  # newest first, as the back office lists them
        return _ok(total=len(comments), comment=comments[begin : begin + count])

    def _total_detail(self, body: Json) -> Answer:
        begin, end = _day(body.get("begin_date")), _day(body.get("end_date"))
        if begin is None or end is None:
            return _error(61500, "date format error")
        now = self.now().astimezone(BEIJING)
        if end >= now.date() or begin > end or (end - begin).days >= 30:
            return _error(61501, "date range error")
        rows = []
        for article in self._articles.values():
            published = article["published_at"].astimezone(BEIJING).date()
            if article["deleted"] or not begin <= published <= end:
                continue
            rows.append(
                {
                    "ref_date": published.isoformat(),
                    "msgid": f"{article['msg_data_id']}_1",
                    "publish_type": 1,
                    "title": article["news_item"][0]["title"],
                    "content_url": article["url"],
                    "detail_list": self._days(article, published, now),
                }
            )
        return Answer(200, {"list": rows, "is_delay": False})

    def _days(self, article: Json, published: date, now: datetime) -> list[Json]:
        """One entry per day from the publication day on, each ready at 08:00 the next day."""
        audience = self._audience(article)
        draw = deterministic(f"wechat-finish:{article['article_id']}")
        days = []
        for n in range(30):
            day = published + timedelta(days=n)
            ready = datetime.combine(day + timedelta(days=1), time(8), BEIJING)
            if ready > now:
                break
            start = datetime.combine(day, time(0), BEIJING).astimezone(UTC)
            stop = start + timedelta(days=1)

            def grew(
                which: int,
                top: int,
                half_life: float,
                start: datetime = start,
                stop: datetime = stop,
            ) -> int:
                after = audience.count(stop, which, top, half_life)
                return after - audience.count(start, which, top, half_life)

            replies = [t for t in audience.reply_times() if start <= t < stop]
            days.append(
                {
                    "stat_date": day.isoformat(),
                    "read_user": grew(1, 600, 18.0),
                    "like_user": grew(2, 40, 20.0),
                    "comment_count": len(replies),
                    "share_user": grew(3, 30, 16.0),
                    "collection_user": grew(4, 20, 24.0),
                    "zaikan_user": grew(5, 15, 20.0),
                    "read_finish_rate": round(0.3 + (draw(n) % 500) / 1000, 3),
                }
            )
        return days


def _news(items: Any, body: Json) -> list[Json]:
    """Copies of a list's news items, without their content when ``no_content`` is 1."""
    news = [dict(item) for item in items]
    if body.get("no_content") == 1:
        for item in news:
            item.pop("content", None)
    return news

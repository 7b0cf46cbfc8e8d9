"""A local Douyin open platform: OAuth tokens and their refresh, capabilities, video upload
and create, the video list, item data, item base data and fans data.

Models (API-FACTS section 3): ``POST /oauth/refresh_token/`` (form ``client_key``,
``grant_type=refresh_token``, ``refresh_token`` → a new 15-day access token; the refresh
token keeps its 30-day expiry; a dead one is 10010), ``POST /oauth/renew_refresh_token/``
(scope ``renew_refresh_token``: a new 30-day refresh token, the old one dead; 10020 after
5 renewals), the access token in the
``access-token`` header with ``open_id`` in the query, answers in the envelope
``{"data": {..., "error_code", "description"}, "extra": {...}}`` with HTTP 200 even for
errors (28001008 expired token, 28001003 invalid, 28001018 the app lacks a capability,
28001012 the user did not grant the scope, 28001007 bad parameter, 28003018 too frequent);
``/api/douyin/v1/video/upload_video/`` (multipart field ``video`` → a ``video_id`` usable
once) and ``create_video/`` (``video_id``, ``text`` → ``item_id``; under review for 10
minutes, then published), both needing the capability ``video.create.bind``;
``video_list/`` (newest first), ``video_data/`` (``item_ids`` → ``list`` with
``statistics``), ``/data/external/item/base/`` (30-day totals and ``avg_play_duration``;
nothing until the day after the authorisation, nor for items older than 30 days) and
``/data/external/user/fans/`` (``date_type`` 7, 15 or 30 → ``result_list`` of ``date``,
``total_fans``, ``new_fans``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from libops.domain.ports import Clock
from libops.testing.fakes._server import Answer, Audience, FakeServer, Json, Request, deterministic

ACCESS_LIFETIME = timedelta(days=15)
REFRESH_LIFETIME = timedelta(days=30)
REVIEW_TIME = timedelta(minutes=10)
PUBLISH = "video.create.bind"
ITEM_DATA = "data.external.item"
USER_DATA = "data.external.user"
RENEW = "renew_refresh_token"
RENEWALS = 5


class FakeDouyin(FakeServer):
    """One Douyin app (``client_key``) authorised by one user (``open_id``).

    ``capabilities`` are what the app was granted (by default the data scopes, not
    ``video.create.bind``); ``authorised_at`` is when the user authorised it (data.external
    answers are empty until the next day). :meth:`expire_tokens` ends the access tokens,
    :meth:`expire_refresh` the refresh token too. ``rotate_refresh=True``: each refresh of
    the access token also hands out a new refresh token (same expiry) and ends the old one,
    as Douyin may. ``listing_delay``: a new item shows in ``video_list`` and ``video_data``
    only that long after it was created (Douyin lists a fresh item late, at times).
    ``omit_refresh_token=True``: a refresh answer carries no ``refresh_token`` (nor its
    expiry): the refresh token stays as it was, as Douyin's answer may leave it out.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        client_key: str = "awfakeclientkey000",
        open_id: str = "_000fakeOpenIdCityLibrary",
        access_token: str = "act.fake-douyin-access",
        refresh_token: str = "rft.fake-douyin-refresh",
        capabilities: frozenset[str] = frozenset((ITEM_DATA, USER_DATA)),
        authorised_at: datetime | None = None,
        followers: int = 8_000,
        rotate_refresh: bool = False,
        listing_delay: timedelta = timedelta(0),
        omit_refresh_token: bool = False,
    ) -> None:
        super().__init__(clock)
        self.client_key = client_key
        self.open_id = open_id
        self.capabilities = set(capabilities)
        self.authorised_at = authorised_at or clock.now() - timedelta(days=2)
        self.followers = followers
        self.rotate_refresh = rotate_refresh
        self.listing_delay = listing_delay
        self.omit_refresh_token = omit_refresh_token
        now = clock.now()
        self._access: dict[str, datetime] = {access_token: now + ACCESS_LIFETIME}
        self._refresh: dict[str, datetime] = {refresh_token: now + REFRESH_LIFETIME}
        self._videos: dict[str, bool] = {}  # video_id -> used
        self._items: dict[str, Json] = {}
        self._serial = 0
        self.refreshes = 0
        self.renewals = 0

    # --- controls --------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every access token issued so far has expired (the refresh token still works)."""
        with self._lock:
            past = self.now() - timedelta(seconds=1)
            self._access = {t: min(e, past) for t, e in self._access.items()}

    def expire_refresh(self) -> None:
        """The access and refresh tokens have all expired: only a new authorisation helps."""
        with self._lock:
            self.expire_tokens()
            past = self.now() - timedelta(seconds=1)
            self._refresh = {t: min(e, past) for t, e in self._refresh.items()}

    def publish_in_app(self, text: str) -> str:
        """A staff member published a video with ``text`` in the Douyin app: its item id."""
        with self._lock:
            return self._new_item(text)

    def items(self) -> list[Json]:
        """Every item (video) the account created, oldest first."""
        with self._lock:
            return [dict(i) for i in self._items.values()]

    # --- answers ---------------------------------------------------------------------------

    def _ok(self, data: Json) -> Answer:
        return Answer(
            200, {"data": {**data, "error_code": 0, "description": ""}, "extra": self._extra(0, "")}
        )

    def _extra(self, code: int, words: str) -> Json:
        logid = hashlib.sha256(f"{self._serial}{self.now()}".encode()).hexdigest()[:24]
        return {
            "error_code": code,
            "description": words,
            "sub_error_code": 0,
            "sub_description": "",
            "logid": logid,
            "now": int(self.now().timestamp() * 1000),
        }

    def _error(self, code: int, words: str, status: int = 200) -> Answer:
        return Answer(
            status,
            {"data": {"error_code": code, "description": words}, "extra": self._extra(code, words)},
        )

    def rate_limited(self, request: Request, retry_after: float) -> Answer:
        answer = self._error(28003018, "请求过于频繁, 请稍后再试")
        answer.headers["Retry-After"] = f"{retry_after:g}"
        return answer

    def server_error(self, request: Request, status: int) -> Answer:
        return self._error(28001005, "服务繁忙, 请稍后重试", status)

    def route(self, request: Request) -> Answer:
        if request.path == "/oauth/refresh_token/" and request.method == "POST":
            return self._refresh_token(request)
        if request.path == "/oauth/renew_refresh_token/" and request.method == "POST":
            return self._renew_refresh(request)
        refused = self._check_token(request)
        if refused is not None:
            return refused
        handlers = {
            ("POST", "/api/douyin/v1/video/upload_video/"): self._upload,
            ("POST", "/api/douyin/v1/video/create_video/"): self._create,
            ("GET", "/api/douyin/v1/video/video_list/"): self._list,
            ("POST", "/api/douyin/v1/video/video_data/"): self._data,
            ("GET", "/data/external/item/base/"): self._item_base,
            ("GET", "/data/external/user/fans/"): self._fans,
        }
        handler = handlers.get((request.method, request.path))
        if handler is None:
            return Answer(404, {"message": "not found"})
        return handler(request)

    # --- OAuth -----------------------------------------------------------------------------

    def _refresh_token(self, request: Request) -> Answer:
        body = request.body
        if body.get("grant_type") != "refresh_token" or not body.get("refresh_token"):
            return Answer(
                200, {"data": {"error_code": 10005, "description": "缺少参数"}, "message": "error"}
            )
        if body.get("client_key") != self.client_key:
            return Answer(
                200, {"data": {"error_code": 10004, "description": "没有权限"}, "message": "error"}
            )
        expires = self._refresh.get(str(body["refresh_token"]))
        if expires is None or expires <= self.now():
            return Answer(
                200,
                {
                    "data": {"error_code": 10010, "description": "refresh_token已过期"},
                    "message": "error",
                },
            )
        self._serial += 1
        self.refreshes += 1
        token = (
            f"act.{hashlib.sha256(f'{self.client_key}{self._serial}'.encode()).hexdigest()[:40]}"
        )
        self._access[token] = self.now() + ACCESS_LIFETIME
        refresh = str(body["refresh_token"])
        if self.rotate_refresh:
            del self._refresh[refresh]
            refresh = f"rft.{hashlib.sha256(f'rotate{self._serial}'.encode()).hexdigest()[:40]}"
            self._refresh[refresh] = expires
        data = {
            "access_token": token,
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "refresh_token": refresh,
            "refresh_expires_in": int((expires - self.now()).total_seconds()),
            "open_id": self.open_id,
            "scope": ",".join(sorted(self.capabilities)),
            "error_code": 0,
            "description": "",
        }
        if self.omit_refresh_token and not self.rotate_refresh:
            del data["refresh_token"], data["refresh_expires_in"]
        return Answer(200, {"data": data, "message": "success"})

    def _renew_refresh(self, request: Request) -> Answer:
        body = request.body
        if body.get("client_key") != self.client_key or RENEW not in self.capabilities:
            return _oauth_error(10004, "没有权限")
        old = str(body.get("refresh_token") or "")
        expires = self._refresh.get(old)
        if expires is None or expires <= self.now():
            return _oauth_error(10010, "refresh_token已过期")
        if self.renewals >= RENEWALS:
            return _oauth_error(10020, "刷新次数超过上限")
        self.renewals += 1
        self._serial += 1
        token = f"rft.{hashlib.sha256(f'renew{self._serial}'.encode()).hexdigest()[:40]}"
        del self._refresh[old]
        self._refresh[token] = self.now() + REFRESH_LIFETIME
        data = {
            "refresh_token": token,
            "expires_in": int(REFRESH_LIFETIME.total_seconds()),
            "error_code": 0,
            "description": "",
        }
        return Answer(200, {"data": data, "message": "success"})

    def _check_token(self, request: Request) -> Answer | None:
        token = request.headers.get("access-token") or request.query.get("access_token", [""])[0]
        expires = self._access.get(token)
        if expires is None:
            return self._error(28001003, "access_token无效")
        if expires <= self.now():
            return self._error(28001008, "access_token过期")
        if request.query.get("open_id", [""])[0] != self.open_id:
            return self._error(28001015, "access_token与open_id不匹配")
        return None

    # --- publishing ------------------------------------------------------------------------

    def _upload(self, request: Request) -> Answer:
        if PUBLISH not in self.capabilities:
            return self._error(28001018, "应用未获得该能力")
        if b'name="video"' not in request.raw:
            return self._error(28001007, "参数不合法: video")
        self._serial += 1
        video_id = f"v0{hashlib.sha256(f'video{self._serial}'.encode()).hexdigest()[:30]}"
        self._videos[video_id] = False
        return self._ok({"video": {"video_id": video_id, "width": 1080, "height": 1920}})

    def _create(self, request: Request) -> Answer:
        if PUBLISH not in self.capabilities:
            return self._error(28001018, "应用未获得该能力")
        video_id, text = request.body.get("video_id"), request.body.get("text")
        if self._videos.get(str(video_id)) is not False:
            return self._error(28001007, "参数不合法: video_id 无效或已使用")
        if not isinstance(text, str) or len(text) > 1000:
            return self._error(28001007, "参数不合法: text")
        self._videos[str(video_id)] = True
        return self._ok({"item_id": self._new_item(text)})

    def _new_item(self, text: str) -> str:
        self._serial += 1
        item_id = f"@9Vw{hashlib.sha256(f'item{self._serial}'.encode()).hexdigest()[:32]}"
        self._items[item_id] = {
            "item_id": item_id,
            "title": text,
            "create_time": int(self.now().timestamp()),
        }
        return item_id

    def _listed(self, item_id: str) -> bool:
        """Whether the item shows in the list and the item data yet (``listing_delay``)."""
        created = datetime.fromtimestamp(self._items[item_id]["create_time"], self.now().tzinfo)
        return self.now() - created >= self.listing_delay

    def _view(self, item_id: str) -> Json:
        item, now = self._items[item_id], self.now()
        created = datetime.fromtimestamp(item["create_time"], now.tzinfo)
        audience = Audience(f"douyin:{item_id}", created)
        reviewed = now - created >= REVIEW_TIME
        return {
            **item,
            "is_reviewed": reviewed,
            "video_status": 1 if reviewed else 4,
            "share_url": f"https://www.iesdouyin.com/share/video/{item_id[4:20]}/",
            "statistics": {
                "play_count": audience.count(now, 1, 3000, 6.0) if reviewed else 0,
                "digg_count": audience.count(now, 2, 200, 5.0) if reviewed else 0,
                "comment_count": audience.count(now, 3, 20, 8.0) if reviewed else 0,
                "share_count": audience.count(now, 4, 30, 8.0) if reviewed else 0,
                "forward_count": audience.count(now, 5, 10, 8.0) if reviewed else 0,
                "download_count": 0,
            },
        }

    def _list(self, request: Request) -> Answer:
        try:
            count = min(20, max(1, int(request.query.get("count", ["10"])[0])))
            cursor = max(0, int(request.query.get("cursor", ["0"])[0]))
        except ValueError:
            return self._error(28001007, "参数不合法: cursor/count")
        newest = [self._view(i) for i in reversed(self._items) if self._listed(i)]
        page = newest[cursor : cursor + count]
        return self._ok(
            {"list": page, "cursor": cursor + len(page), "has_more": cursor + count < len(newest)}
        )

    def _data(self, request: Request) -> Answer:
        ids = request.body.get("item_ids")
        if not isinstance(ids, list) or not ids or len(ids) > 20:
            return self._error(28001007, "参数不合法: item_ids")
        known = [str(i) for i in ids if str(i) in self._items and self._listed(str(i))]
        if not known:
            return self._error(28001007, "参数不合法: item_ids 不存在")
        return self._ok({"list": [self._view(i) for i in known]})

    # --- data.external ---------------------------------------------------------------------

    def _ready(self, scope: str) -> Answer | None:
        if scope not in self.capabilities:
            return self._error(28001012, "用户未授权该权限")
        return None

    def _item_base(self, request: Request) -> Answer:
        refused = self._ready(ITEM_DATA)
        if refused is not None:
            return refused
        item_id = request.query.get("item_id", [""])[0]
        if item_id not in self._items:
            return self._error(28001007, "参数不合法: item_id")
        view, now = self._view(item_id), self.now()
        created = datetime.fromtimestamp(view["create_time"], now.tzinfo)
        if now.date() <= self.authorised_at.date() or now - created > timedelta(days=30):
            return self._ok({"result": {}})
        stats = view["statistics"]
        draw = deterministic(item_id)
        avg = round(4 + draw(1) % 260 / 10 + min(8.0, (now - created).days / 3), 1)
        return self._ok(
            {
                "result": {
                    "total_play": stats["play_count"],
                    "total_like": stats["digg_count"],
                    "total_comment": stats["comment_count"],
                    "total_share": stats["share_count"],
                    "avg_play_duration": avg,
                }
            }
        )

    def _fans(self, request: Request) -> Answer:
        refused = self._ready(USER_DATA)
        if refused is not None:
            return refused
        try:
            days = int(request.query.get("date_type", [""])[0])
        except ValueError:
            days = 0
        if days not in (7, 15, 30):
            return self._error(28001007, "参数不合法: date_type")
        today = self.now().date()
        draw = deterministic(self.open_id)
        rows, total = [], self.followers
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            if day <= self.authorised_at.date():
                continue
            new = 5 + draw(day.toordinal()) % 40
            total += new - draw(day.toordinal() + 1) % 6
            rows.append({"date": day.isoformat(), "total_fans": total, "new_fans": new})
        return self._ok({"result_list": rows})


def _oauth_error(code: int, words: str) -> Answer:
    """The OAuth endpoints' error envelope (``message`` beside ``data``, no ``extra``)."""
    return Answer(200, {"data": {"error_code": code, "description": words}, "message": "error"})

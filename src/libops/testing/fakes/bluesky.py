"""A local Bluesky PDS + AppView: sessions with expiring JWTs, records with client-chosen
rkeys, post views with counts, threads.

Models (API-FACTS section 5), all under ``/xrpc/``: ``com.atproto.server.createSession``
(identifier + app password → access JWT for 120 minutes, refresh JWT for 90 days),
``com.atproto.server.refreshSession`` (Bearer refresh JWT → a new pair; a used refresh
token keeps giving the same successor for a 2 h grace), ``com.atproto.repo.createRecord``
(``app.bsky.feed.post`` records: ``$type``, ``createdAt``, text ≤ 300 graphemes and 3000
bytes, a TID-shaped ``rkey``; an existing rkey → 500 ``InternalServerError``, as the PDS
does today), ``com.atproto.repo.getRecord`` (400 ``RecordNotFound``),
``com.atproto.repo.deleteRecord``, ``app.bsky.feed.getPosts`` (≤ 25 URIs, unknown ones
left out, counts absent when zero), ``app.bsky.feed.getPostThread`` (400 ``NotFound``).
Errors are ``{"error": Name, "message": text}``: an expired access token is 400
``ExpiredToken``, a dead one 400 ``InvalidToken``. Writes cost points (create 3, delete 1)
out of 5,000 an hour, reported in ``RateLimit-*`` headers (reset in epoch seconds); 429
``RateLimitExceeded`` beyond.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime, timedelta

from libops.domain.ports import Clock
from libops.testing.fakes._server import Answer, Audience, FakeServer, Json, Request, iso_millis

ACCESS_LIFETIME = timedelta(minutes=120)
REFRESH_LIFETIME = timedelta(days=90)
REFRESH_GRACE = timedelta(hours=2)
POINTS_PER_HOUR = 5000
POST_COLLECTION = "app.bsky.feed.post"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_READER_LINES = (
    "Adding this to my list!",
    "Does the branch near the park have it?",
    "Awful that the e-book loan limit dropped.",
    "Great recommendation, thank you.",
    "Read it in one sitting.",
)


def _error(status: int, name: str, message: str) -> Answer:
    return Answer(status, {"error": name, "message": message})


class FakeBluesky(FakeServer):
    """One PDS with one account (``handle``, ``did``) whose app password is ``password``.

    :meth:`expire_tokens` ends every access JWT now (the next call gets ``ExpiredToken``);
    :meth:`expire_sessions` ends the refresh JWTs too (a new ``createSession`` is needed).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        handle: str = "citylibrary.bsky.social",
        password: str = "fake-app-password",
        did: str = "did:plc:citylibraryfake0000000",
    ) -> None:
        super().__init__(clock)
        self.handle = handle
        self.did = did
        self._password = password
        self._tokens: dict[str, tuple[str, datetime]] = {}  # jwt -> (scope, expires)
        self._successors: dict[str, tuple[Json, datetime]] = {}  # used refresh -> pair, at
        self._records: dict[str, Json] = {}  # rkey -> {cid, value, indexedAt}
        self._points: tuple[datetime, int] | None = None
        self._serial = 0
        self.sessions_created = 0

    # --- controls --------------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every access JWT issued so far has expired."""
        with self._lock:
            past = self.now() - timedelta(seconds=1)
            for jwt, (scope, expires) in list(self._tokens.items()):
                if scope == "access":
                    self._tokens[jwt] = (scope, min(expires, past))

    def expire_sessions(self) -> None:
        """Every access and refresh JWT issued so far has expired."""
        with self._lock:
            past = self.now() - timedelta(seconds=1)
            self._tokens = {jwt: (scope, past) for jwt, (scope, _) in self._tokens.items()}
            self._successors.clear()

    def posts(self) -> list[Json]:
        """Every post record in the repo, in creation order."""
        with self._lock:
            return [dict(r["value"], rkey=k) for k, r in self._records.items()]

    # --- answers ---------------------------------------------------------------------------

    def rate_limited(self, request: Request, retry_after: float) -> Answer:
        reset = self.now() + timedelta(seconds=retry_after)
        answer = _error(429, "RateLimitExceeded", "Rate Limit Exceeded")
        answer.headers.update(
            {"Retry-After": f"{retry_after:g}", "RateLimit-Reset": str(int(reset.timestamp()))}
        )
        return answer

    def server_error(self, request: Request, status: int) -> Answer:
        return _error(status, "InternalServerError" if status == 500 else "UpstreamFailure", "")

    def common_headers(self, request: Request) -> dict[str, str]:
        start, used = self._points or (self.now(), 0)
        return {
            "RateLimit-Limit": str(POINTS_PER_HOUR),
            "RateLimit-Remaining": str(max(0, POINTS_PER_HOUR - used)),
            "RateLimit-Reset": str(int((start + timedelta(hours=1)).timestamp())),
            "RateLimit-Policy": f"{POINTS_PER_HOUR};w=3600",
        }

    def route(self, request: Request) -> Answer:
        if not request.path.startswith("/xrpc/"):
            return _error(404, "XRPCNotSupported", "XRPCNotSupported")
        method = request.path[len("/xrpc/") :]
        if method == "com.atproto.server.createSession" and request.method == "POST":
            return self._create_session(request)
        if method == "com.atproto.server.refreshSession" and request.method == "POST":
            return self._refresh_session(request)
        refused = self._check_token(request, "access")
        if refused is not None:
            return refused
        handlers = {
            ("POST", "com.atproto.repo.createRecord"): self._create_record,
            ("POST", "com.atproto.repo.deleteRecord"): self._delete_record,
            ("GET", "com.atproto.repo.getRecord"): self._get_record,
            ("GET", "app.bsky.feed.getPosts"): self._get_posts,
            ("GET", "app.bsky.feed.getPostThread"): self._get_thread,
        }
        handler = handlers.get((request.method, method))
        if handler is None:
            return _error(404, "XRPCNotSupported", "XRPCNotSupported")
        return handler(request)

    # --- sessions --------------------------------------------------------------------------

    def _jwt(self, scope: str, lifetime: timedelta) -> str:
        self._serial += 1
        expires = self.now() + lifetime
        claims = {
            "scope": scope,
            "sub": self.did,
            "exp": int(expires.timestamp()),
            "n": self._serial,
        }
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        token = f"eyJhbGciOiJIUzI1NiJ9.{body}.{hashlib.sha256(body.encode()).hexdigest()[:43]}"
        self._tokens[token] = (scope, expires)
        return token

    def _pair(self) -> Json:
        return {
            "accessJwt": self._jwt("access", ACCESS_LIFETIME),
            "refreshJwt": self._jwt("refresh", REFRESH_LIFETIME),
            "handle": self.handle,
            "did": self.did,
            "active": True,
        }

    def _create_session(self, request: Request) -> Answer:
        identifier, password = request.body.get("identifier"), request.body.get("password")
        if identifier not in (self.handle, self.did) or password != self._password:
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        self.sessions_created += 1
        return Answer(200, self._pair())

    def _refresh_session(self, request: Request) -> Answer:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        earlier = self._successors.get(token)
        if earlier is not None and self.now() - earlier[1] < REFRESH_GRACE:
            return Answer(200, earlier[0])
        refused = self._check_token(request, "refresh")
        if refused is not None:
            return refused
        pair = self._pair()
        self._successors[token] = (pair, self.now())
        self._tokens.pop(token, None)
        return Answer(200, pair)

    def _check_token(self, request: Request, scope: str) -> Answer | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return _error(401, "AuthMissing", "Authentication Required")
        known = self._tokens.get(auth[7:])
        if known is None or known[0] != scope:
            return _error(400, "InvalidToken", "Token could not be verified")
        if known[1] <= self.now():
            return _error(400, "ExpiredToken", "Token has expired")
        return None

    # --- records ---------------------------------------------------------------------------

    def _spend(self, points: int) -> Answer | None:
        now = self.now()
        start, used = self._points or (now, 0)
        if now - start >= timedelta(hours=1):
            start, used = now, 0
        if used + points > POINTS_PER_HOUR:
            return self.rate_limited(
                Request("POST", "", {}, {}, {}), (start + timedelta(hours=1) - now).total_seconds()
            )
        self._points = (start, used + points)
        return None

    def _uri(self, rkey: str) -> str:
        return f"at://{self.did}/{POST_COLLECTION}/{rkey}"

    def _repo_ok(self, request: Request, values: Json) -> Answer | None:
        if values.get("repo") not in (self.did, self.handle):
            return _error(400, "InvalidRequest", f"Could not find repo: {values.get('repo')}")
        if values.get("collection") != POST_COLLECTION:
            return _error(400, "InvalidRequest", "Only app.bsky.feed.post records are kept here")
        return None

    def _create_record(self, request: Request) -> Answer:
        body = request.body
        refused = self._repo_ok(request, body)
        if refused is not None:
            return refused
        record, rkey = body.get("record"), body.get("rkey")
        if not isinstance(record, dict) or record.get("$type") != POST_COLLECTION:
            return _error(400, "InvalidRequest", "Invalid app.bsky.feed.post record: $type")
        text, created = record.get("text"), record.get("createdAt")
        if not isinstance(text, str) or not isinstance(created, str):
            return _error(400, "InvalidRequest", "Record must have the properties text, createdAt")
        if len(text) > 300 or len(text.encode()) > 3000:
            return _error(
                400,
                "InvalidRequest",
                "Invalid app.bsky.feed.post record: text must not be longer than 300 graphemes",
            )
        if not isinstance(rkey, str) or not TID.match(rkey):
            return _error(400, "InvalidRequest", f"Invalid record key: {rkey!r} is not a TID")
        if rkey in self._records:
            return _error(500, "InternalServerError", "Internal Server Error")
        spent = self._spend(3)
        if spent is not None:
            return spent
        cid = "bafyrei" + hashlib.sha256(f"{rkey}{text}".encode()).hexdigest()[:52]
        self._records[rkey] = {"cid": cid, "value": record, "indexedAt": iso_millis(self.now())}
        return Answer(200, {"uri": self._uri(rkey), "cid": cid, "validationStatus": "valid"})

    def _get_record(self, request: Request) -> Answer:
        values = {k: v[0] for k, v in request.query.items()}
        refused = self._repo_ok(request, values)
        if refused is not None:
            return refused
        rkey = values.get("rkey", "")
        found = self._records.get(rkey)
        if found is None:
            return _error(400, "RecordNotFound", f"Could not locate record: {self._uri(rkey)}")
        return Answer(200, {"uri": self._uri(rkey), "cid": found["cid"], "value": found["value"]})

    def _delete_record(self, request: Request) -> Answer:
        refused = self._repo_ok(request, request.body)
        if refused is not None:
            return refused
        spent = self._spend(1)
        if spent is not None:
            return spent
        self._records.pop(str(request.body.get("rkey")), None)
        return Answer(200, {})

    def _rkey_of(self, uri: str) -> str | None:
        prefix = f"at://{self.did}/{POST_COLLECTION}/"
        rkey = uri.removeprefix(prefix) if uri.startswith(prefix) else None
        return rkey if rkey in self._records else None

    def _post_view(self, rkey: str) -> Json:
        found, now = self._records[rkey], self.now()
        audience = Audience(f"bluesky:{rkey}", datetime.fromisoformat(found["indexedAt"]))
        view: Json = {
            "uri": self._uri(rkey),
            "cid": found["cid"],
            "author": {"did": self.did, "handle": self.handle},
            "record": found["value"],
            "indexedAt": found["indexedAt"],
        }
        counts = {
            "replyCount": len([t for t in audience.reply_times() if t <= now]),
            "repostCount": audience.count(now, 1, 10, 5.0),
            "likeCount": audience.count(now, 2, 40, 3.0),
            "quoteCount": audience.count(now, 3, 3, 12.0),
        }
        view.update({name: n for name, n in counts.items() if n})  # absent means 0
        return view

    def _get_posts(self, request: Request) -> Answer:
        uris = request.query.get("uris", [])
        if len(uris) > 25:
            return _error(400, "InvalidRequest", "uris must not have more than 25 elements")
        keys = [self._rkey_of(uri) for uri in uris]
        return Answer(200, {"posts": [self._post_view(k) for k in keys if k is not None]})

    def _get_thread(self, request: Request) -> Answer:
        uri = request.query.get("uri", [""])[0]
        rkey = self._rkey_of(uri)
        if rkey is None:
            return _error(400, "NotFound", f"Post not found: {uri}")
        view, now = self._post_view(rkey), self.now()
        audience = Audience(f"bluesky:{rkey}", datetime.fromisoformat(view["indexedAt"]))
        replies = []
        for n, at in enumerate(audience.reply_times()):
            if at > now:
                break
            author = f"reader{n}.bsky.social"
            replies.append(
                {
                    "$type": "app.bsky.feed.defs#threadViewPost",
                    "post": {
                        "uri": f"at://did:plc:reader{n}/{POST_COLLECTION}/{rkey[:9]}{n:04d}",
                        "author": {"handle": author},
                        "record": {
                            "$type": POST_COLLECTION,
                            "text": _READER_LINES[
                                (len(rkey) + n + ord(rkey[-1])) % len(_READER_LINES)
                            ],
                            "createdAt": iso_millis(at),
                        },
                        "indexedAt": iso_millis(at),
                    },
                }
            )
        replies.reverse()  # the AppView sorts threads its own way; clients must not rely on it
        return Answer(200, {"thread": {"post": view, "replies": replies}})

"""A :class:`~libops.domain.ports.PlatformGateway` for one Bluesky account, over XRPC.

Bluesky has no idempotency keys, but the client chooses a post's record key: this adapter
derives the rkey from the idempotency key (a TID-shaped hash), so the same key always names
the same record. :meth:`BlueskyGateway.find_published` asks ``com.atproto.repo.getRecord``
for it, and a publish that failed or lost its answer looks the record up before creating
it again; the PDS also refuses a second record with the same rkey. A post is never made
twice.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import httpx

from libops.adapters.platforms_http._credentials import reader, required
from libops.adapters.platforms_http._http import (
    HttpGateway,
    HttpRetry,
    Sleep,
    TokenProvider,
    check_since,
    check_variant,
    checked_key,
    default_sleep,
    error_text,
    json_object,
    oldest_first,
    sent_moment,
)
from libops.domain.errors import (
    InvalidValueError,
    PlatformCredentialsError,
    PlatformError,
    PlatformRejectedError,
    UnknownPlatformPostError,
)
from libops.domain.ports import Clock, Comment, CredentialStore
from libops.domain.values import (
    MetricSnapshot,
    Platform,
    PlatformLimits,
    PostVariant,
    PublishReceipt,
)

BLUESKY_LIMITS = PlatformLimits(max_text_length=300, max_media=0)
"""The post lexicon's 300 graphemes (counted as characters); no images (no blob upload)."""

POST = "app.bsky.feed.post"
_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
_EXPIRED = frozenset(("ExpiredToken", "InvalidToken"))


def rkey_for(idempotency_key: str) -> str:
    """The record key a publish with ``idempotency_key`` uses: 13 base32-sortable characters
    (a valid TID) from a SHA-256 hash of the key, the same every time."""
    number = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big") >> 1
    return "".join(_SORTABLE[(number >> (5 * (12 - i))) & 31] for i in range(13))


@attrs.frozen(repr=False)
class _Session:
    did: str
    handle: str
    access: str
    refresh: str


def _name(response: httpx.Response) -> str:
    body = json_object(response)
    return "" if body is None else str(body.get("error", ""))


class BlueskyGateway(HttpGateway):
    """Publishes to and reads from one Bluesky account through its PDS's XRPC API.

    ``base_url`` is the PDS (``https://bsky.social``), ``identifier`` the account's handle
    or DID, ``password`` returns an app password when a session must be made. The session's
    access token is renewed with ``refreshSession`` when the PDS says it expired, and a new
    session is made with the app password when the refresh token is dead too; a refused app
    password raises :class:`~libops.domain.errors.PlatformCredentialsError`.
    """

    PLATFORM = Platform.BLUESKY

    supports_idempotency_key = False

    def __init__(
        self,
        base_url: str,
        identifier: str,
        password: TokenProvider,
        *,
        web_url: str = "https://bsky.app",
        limits: PlatformLimits = BLUESKY_LIMITS,
        clock: Clock | None = None,
        timeout: float = 10.0,
        retry: HttpRetry | None = None,
        sleep: Sleep = default_sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not isinstance(identifier, str) or not identifier.strip():
            raise InvalidValueError("identifier must be the account's handle or DID")
        if not callable(password):
            raise InvalidValueError("password must be a callable that returns the app password")
        self._connect(
            base_url,
            limits=limits,
            clock=clock,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            transport=transport,
        )
        self._identifier = identifier
        self._password = password
        self._web_url = web_url.rstrip("/")
        self._session: _Session | None = None
        self._session_lock = threading.Lock()

    IDENTIFIER = "identifier"
    """The credential entry of the account's handle or DID (``from_credentials``)."""
    APP_PASSWORD = "app_password"
    """The credential entry of the account's app password (``from_credentials``)."""

    @classmethod
    def from_credentials(
        cls,
        base_url: str,
        credentials: CredentialStore,
        clock: Clock,
        *,
        account: str = "bluesky",
    ) -> BlueskyGateway:
        """The gateway of the account ``credentials`` name: its handle or DID as
        ``identifier`` and its app password as ``app_password`` of ``account`` (``libops
        credentials set bluesky identifier``, ``... app_password``); the password is read
        again each time a session is made. :class:`~libops.domain.errors.MissingCredentialError`
        (naming the entry) when one is not stored."""
        identifier = required(credentials, "bluesky", account, cls.IDENTIFIER).reveal()
        password = reader(credentials, "bluesky", account, cls.APP_PASSWORD)
        return cls(base_url, identifier, password, clock=clock)

    def __repr__(self) -> str:
        return f"BlueskyGateway({self._http.base_url!r}, {self._identifier!r})"

    # --- the port ------------------------------------------------------------------------------

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        """Create the post under the key's rkey, or return the post already there."""
        rkey = rkey_for(checked_key(idempotency_key))
        check_variant(self.PLATFORM, self._limits, variant)
        session = self._ensure_session()
        created = self._clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        record = {"$type": POST, "text": variant.text, "createdAt": created}

        def look_up() -> httpx.Response | None:
            found = self._get_record(rkey)
            return found if found.status_code == 200 else None

        response = self._call(
            "POST",
            "/xrpc/com.atproto.repo.createRecord",
            json={"repo": session.did, "collection": POST, "rkey": rkey, "record": record},
            before_retry=look_up,
        )
        body = response.json()
        value = body.get("value") or record
        return self._receipt(str(body["uri"]), rkey, value)

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        """The post made with the key, looked up by its rkey (the PDS keeps it for good)."""
        rkey = rkey_for(checked_key(idempotency_key))
        response = self._get_record(rkey)
        if response.status_code != 200:
            return None
        body = response.json()
        return self._receipt(str(body["uri"]), rkey, body.get("value") or {})

    def metrics(self, external_id: str) -> MetricSnapshot:
        """Likes, replies, reposts and quotes now, from ``app.bsky.feed.getPosts``."""
        uri = self._uri(external_id)
        response = self._call("GET", "/xrpc/app.bsky.feed.getPosts", params={"uris": uri})
        posts = response.json().get("posts", [])
        view = next((p for p in posts if p.get("uri") == uri), None)
        if view is None:
            raise UnknownPlatformPostError("bluesky", external_id)
        return MetricSnapshot(
            platform=Platform.BLUESKY,
            observed_at=self._clock.now(),
            likes=int(view.get("likeCount") or 0),
            comments=int(view.get("replyCount") or 0),
            shares=int(view.get("repostCount") or 0),
            extra={"quotes": int(view.get("quoteCount") or 0)},
        )

    def comments(self, external_id: str, since: datetime | None = None) -> Sequence[Comment]:
        """Every reply in the post's thread, oldest first, after ``since`` if given."""
        check_since(since)
        uri = self._uri(external_id)
        response = self._call(
            "GET", "/xrpc/app.bsky.feed.getPostThread", params={"uri": uri}, missing=external_id
        )
        found: list[Comment] = []
        pending = list((response.json().get("thread") or {}).get("replies") or [])
        while pending:
            node = pending.pop()
            post = node.get("post") if isinstance(node, dict) else None
            if not isinstance(post, dict):
                continue  # a blocked or deleted reply
            pending.extend(node.get("replies") or [])
            record = post.get("record") or {}
            posted = record.get("createdAt") or post.get("indexedAt")
            posted_at = sent_moment(self.PLATFORM, posted, "reply time")
            if since is not None and posted_at <= since:
                continue
            found.append(
                Comment(
                    external_id=str(post["uri"]),
                    author_handle=str((post.get("author") or {}).get("handle") or ""),
                    text=str(record.get("text") or ""),
                    posted_at=posted_at,
                )
            )
        return oldest_first(found)

    def take_down(self, external_id: str) -> None:
        """Delete the post's record (``com.atproto.repo.deleteRecord``); gone counts as done."""
        uri = self._uri(external_id)
        session = self._ensure_session()
        self._call(
            "POST",
            "/xrpc/com.atproto.repo.deleteRecord",
            json={"repo": session.did, "collection": POST, "rkey": uri.rsplit("/", 1)[-1]},
        )

    # --- sessions --------------------------------------------------------------------------

    def _ensure_session(self) -> _Session:
        with self._session_lock:
            if self._session is None:
                self._session = self._create_session()
            return self._session

    def _create_session(self) -> _Session:
        response = self._http.send(
            "POST",
            "/xrpc/com.atproto.server.createSession",
            headers=dict,
            json={"identifier": self._identifier, "password": self._password()},
        )
        if response.status_code >= 400:
            raise PlatformCredentialsError(
                "bluesky",
                f"the PDS refused the app password for {self._identifier} "
                f"({error_text(response)}); create a new app password (Settings > Privacy "
                "and security > App passwords) and store it",
            )
        return self._session_from(response)

    def _session_from(self, response: httpx.Response) -> _Session:
        body = response.json()
        try:
            return _Session(
                str(body["did"]),
                str(body["handle"]),
                str(body["accessJwt"]),
                str(body["refreshJwt"]),
            )
        except KeyError as error:
            raise PlatformError(
                f"bluesky sent a session without {error}", retryable=True
            ) from error

    def _renew(self, response: httpx.Response) -> bool:
        """After an ``ExpiredToken``: refresh the session, or make a new one; True if renewed."""
        if _name(response) not in _EXPIRED:
            return False
        with self._session_lock:
            current = self._session
            if current is not None:
                refreshed = self._http.send(
                    "POST",
                    "/xrpc/com.atproto.server.refreshSession",
                    headers=lambda: {"Authorization": f"Bearer {current.refresh}"},
                )
                if refreshed.status_code == 200:
                    self._session = self._session_from(refreshed)
                    return True
            self._session = self._create_session()
        return True

    def _auth(self) -> dict[str, str]:
        session = self._session
        return {"Authorization": f"Bearer {session.access}"} if session else {}

    # --- inside ----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        before_retry: Callable[[], httpx.Response | None] | None = None,
        missing: str | None = None,
        allow: frozenset[str] = frozenset(),
    ) -> httpx.Response:
        self._ensure_session()
        response = self._http.send(
            method,
            path,
            headers=self._auth,
            json=json,
            params=params,
            renew=self._renew,
            before_retry=before_retry,
        )
        if response.status_code < 400 or _name(response) in allow:
            return response
        if missing is not None and _name(response) == "NotFound":
            raise UnknownPlatformPostError("bluesky", missing)
        if response.status_code == 401 or _name(response) in _EXPIRED:
            raise PlatformCredentialsError(
                "bluesky",
                f"the PDS refused this account's session ({error_text(response)}); check the "
                "app password and the account's standing",
            )
        raise PlatformRejectedError("bluesky", response.status_code, error_text(response))

    def _get_record(self, rkey: str) -> httpx.Response:
        session = self._ensure_session()
        return self._call(
            "GET",
            "/xrpc/com.atproto.repo.getRecord",
            params={"repo": session.did, "collection": POST, "rkey": rkey},
            allow=frozenset(("RecordNotFound",)),
        )

    def _uri(self, external_id: str) -> str:
        session = self._ensure_session()
        prefix = f"at://{session.did}/{POST}/"
        if not isinstance(external_id, str) or not external_id.startswith(prefix):
            raise UnknownPlatformPostError("bluesky", str(external_id))
        return external_id

    def _receipt(self, uri: str, rkey: str, value: Mapping[str, Any]) -> PublishReceipt:
        session = self._ensure_session()
        return PublishReceipt(
            platform=Platform.BLUESKY,
            external_id=uri,
            url=f"{self._web_url}/profile/{session.handle}/post/{rkey}",
            published_at=sent_moment(self.PLATFORM, value.get("createdAt"), "post time"),
        )

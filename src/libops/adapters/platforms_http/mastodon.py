"""A :class:`~libops.domain.ports.PlatformGateway` for one Mastodon account, over HTTP.

Publishes with ``POST /api/v1/statuses`` and an ``Idempotency-Key`` header (the post's
idempotency key), so a publish whose answer was lost is repeated with the same key and
Mastodon answers with the status it already made. Reads counts from
``GET /api/v1/statuses/:id`` and replies from ``GET /api/v1/statuses/:id/context``.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from libops.adapters.platforms_http._credentials import reader
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
    oldest_first,
    sent_moment,
)
from libops.adapters.platforms_http._ledger import PublishLedger
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

MASTODON_LIMITS = PlatformLimits(max_text_length=500, max_media=0)
"""A stock server's 500 characters; no attachments (this adapter uploads no media)."""

_TAG = re.compile(r"<[^>]+>")
_SCANNED = 40
"""How many of the account's latest statuses a look-up by text reads (Mastodon's most)."""


def _fingerprint(text: str) -> str:
    """A hash of ``text`` with its whitespace normalised (as the server's HTML shows it)."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:32]


def _plain(content: str) -> str:
    """A status's HTML ``content`` as plain text."""
    return html.unescape(_TAG.sub(" ", content.replace("<br>", "\n"))).strip()


class MastodonGateway(HttpGateway):
    """Publishes to and reads from one Mastodon account through the server's REST API.

    ``base_url`` is the server (``https://mastodon.social``); ``token`` returns the
    account's OAuth access token (scopes ``read write:statuses``) each time it is needed.
    Mastodon tokens do not expire; a revoked one raises
    :class:`~libops.domain.errors.PlatformCredentialsError` asking staff for a new token.

    Mastodon forgets idempotency keys after an hour, so :meth:`find_published` answers from
    ``ledger``: a mapping from idempotency key to status id that this gateway fills as it
    publishes (a dict by default; pass a persistent mapping, such as a ``shelve``, to share
    it across processes and restarts). A publish sent whose answer never came is noted
    there too, and looked for among the account's 40 latest statuses by its text.
    """

    PLATFORM = Platform.MASTODON

    supports_idempotency_key = True

    def __init__(
        self,
        base_url: str,
        token: TokenProvider,
        *,
        limits: PlatformLimits = MASTODON_LIMITS,
        visibility: str = "public",
        clock: Clock | None = None,
        timeout: float = 10.0,
        retry: HttpRetry | None = None,
        sleep: Sleep = default_sleep,
        ledger: MutableMapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not callable(token):
            raise InvalidValueError("token must be a callable that returns the access token")
        if visibility not in ("public", "unlisted", "private", "direct"):
            raise InvalidValueError(f"unknown Mastodon visibility {visibility!r}")
        self._connect(
            base_url,
            limits=limits,
            clock=clock,
            timeout=timeout,
            retry=retry,
            sleep=sleep,
            transport=transport,
        )
        self._token = token
        self._visibility = visibility
        self._ledger = PublishLedger(ledger)

    ACCESS_TOKEN = "access_token"
    """The credential entry of the account's access token (``from_credentials``)."""

    @classmethod
    def from_credentials(
        cls,
        base_url: str,
        credentials: CredentialStore,
        clock: Clock,
        *,
        account: str = "mastodon",
    ) -> MastodonGateway:
        """The gateway of the account whose access token ``credentials`` hold as
        ``access_token`` of ``account`` (``libops credentials set mastodon access_token``),
        read again on each use; :class:`~libops.domain.errors.MissingCredentialError` (naming
        the entry) when it is not stored."""
        token = reader(credentials, "mastodon", account, cls.ACCESS_TOKEN)
        return cls(base_url, token, clock=clock)

    # --- the port ------------------------------------------------------------------------------

    def publish(self, variant: PostVariant, idempotency_key: str) -> PublishReceipt:
        """Post ``variant`` as a status; a repeat with the same key returns the same status."""
        key = checked_key(idempotency_key)
        check_variant(self.PLATFORM, self._limits, variant)
        earlier = self.find_published(key)
        if earlier is not None:
            return earlier
        self._ledger.pending(key, _fingerprint(variant.text), self._clock.now())
        response = self._call(
            "POST",
            "/api/v1/statuses",
            json={"status": variant.text, "visibility": self._visibility},
            extra={"Idempotency-Key": key},
        )
        receipt = self._receipt(response.json())
        self._ledger.made(key, receipt.external_id)
        return receipt

    def find_published(self, idempotency_key: str) -> PublishReceipt | None:
        """The status this gateway published with the key, if it is still up.

        A publish whose answer never came is looked for among the account's latest
        statuses (the same text), since Mastodon forgets the key after an hour.
        """
        return self._ledger.find_published(
            checked_key(idempotency_key),
            search=lambda pending: self._find_by_text(pending.fingerprint),
            fetch=lambda status_id, _at: self._receipt(self._status(status_id)),
        )

    def metrics(self, external_id: str) -> MetricSnapshot:
        """The status's favourites, replies and boosts now (Mastodon reports no reach)."""
        status = self._status(external_id)
        return MetricSnapshot(
            platform=Platform.MASTODON,
            observed_at=self._clock.now(),
            likes=int(status.get("favourites_count") or 0),
            comments=int(status.get("replies_count") or 0),
            shares=int(status.get("reblogs_count") or 0),
        )

    def comments(self, external_id: str, since: datetime | None = None) -> Sequence[Comment]:
        """Replies in the status's thread, oldest first, posted after ``since`` if given."""
        check_since(since)
        response = self._call(
            "GET", f"/api/v1/statuses/{_segment(external_id)}/context", about=external_id
        )
        found = []
        for reply in response.json().get("descendants", []):
            posted_at = sent_moment(self.PLATFORM, reply.get("created_at"), "reply time")
            if since is not None and posted_at <= since:
                continue
            account = reply.get("account") or {}
            found.append(
                Comment(
                    external_id=str(reply["id"]),
                    author_handle=str(account.get("acct") or account.get("username") or ""),
                    text=_plain(str(reply.get("content") or "")),
                    posted_at=posted_at,
                )
            )
        return oldest_first(found)

    def take_down(self, external_id: str) -> None:
        """Delete the status (``DELETE /api/v1/statuses/:id``); gone already counts as done."""
        try:
            self._call("DELETE", f"/api/v1/statuses/{_segment(external_id)}", about=external_id)
        except UnknownPlatformPostError:
            return

    # --- inside ----------------------------------------------------------------------------

    def _headers(self, extra: Mapping[str, str]) -> Callable[[], dict[str, str]]:
        return lambda: {"Authorization": f"Bearer {self._token()}", **extra}

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        extra: Mapping[str, str] | None = None,
        about: str | None = None,
    ) -> httpx.Response:
        """One call; 404 means ``about`` (a status id) is unknown, other 4xx are raised."""
        response = self._http.send(method, path, headers=self._headers(extra or {}), json=json)
        if response.status_code == 401:
            raise PlatformCredentialsError(
                "mastodon",
                f"the server refused this account's access token ({error_text(response)}); "
                "issue a new token for the libops app (Preferences > Development) and store it",
            )
        if response.status_code == 404 and about is not None:
            raise UnknownPlatformPostError("mastodon", about)
        if response.status_code >= 400:
            raise PlatformRejectedError("mastodon", response.status_code, error_text(response))
        return response

    def _status(self, external_id: str) -> dict[str, Any]:
        response = self._call("GET", f"/api/v1/statuses/{_segment(external_id)}", about=external_id)
        body: dict[str, Any] = response.json()
        return body

    def _find_by_text(self, fingerprint: str) -> PublishReceipt | None:
        account = self._call("GET", "/api/v1/accounts/verify_credentials").json()
        path = f"/api/v1/accounts/{_segment(str(account.get('id', '')))}/statuses"
        response = self._call("GET", f"{path}?limit={_SCANNED}")
        for status in response.json():
            if _fingerprint(_plain(str(status.get("content") or ""))) == fingerprint:
                return self._receipt(status)
        return None

    def _receipt(self, status: Mapping[str, Any]) -> PublishReceipt:
        try:
            return PublishReceipt(
                platform=Platform.MASTODON,
                external_id=str(status["id"]),
                url=str(status.get("url") or status["uri"]),
                published_at=sent_moment(self.PLATFORM, status["created_at"], "status time"),
            )
        except (KeyError, TypeError) as error:
            raise PlatformError(
                f"mastodon sent a status without {error}", retryable=False
            ) from error


def _segment(external_id: str) -> str:
    if not isinstance(external_id, str) or not external_id.strip():
        raise InvalidValueError("a Mastodon status id must be non-empty text")
    return quote(external_id, safe="")

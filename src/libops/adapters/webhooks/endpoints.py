"""Webhook endpoints and the file that keeps them, outside the event log.

An endpoint's configuration holds secrets (a signing secret, a bot's key or access token in
its URL, an SMTP password), so it is never recorded as an event: it lives in a JSON file
readable by its owner only (mode 0600; a file that others may read is refused), by default
``libops-webhooks.json`` in the working directory or the file ``LIBOPS_WEBHOOKS_CONFIG``
names. Neither an endpoint's ``repr`` nor :attr:`Endpoint.shown_url` shows a secret.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs

from libops.adapters.storage import require_private_file, write_private_file
from libops.adapters.webhooks.senders import (
    DINGTALK,
    EMAIL,
    FEISHU,
    FORMATS,
    GENERIC,
    MESSAGES,
    WECOM,
    sender_for,
)
from libops.domain.errors import WebhookConfigError
from libops.projections.notifications import KINDS, LANGUAGES, notification_kind

CONFIG_ENV: Final = "LIBOPS_WEBHOOKS_CONFIG"
"""The environment variable naming the endpoints file."""

DEFAULT_CONFIG: Final = "libops-webhooks.json"
"""The endpoints file used when neither ``--config`` nor :data:`CONFIG_ENV` names one."""


_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
_HIDDEN: Final = "***"


def _check_name(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise WebhookConfigError(
            f"an endpoint's name is 1 to 64 lower-case letters, digits, - or _, not {value!r}"
        )


def _check_url(instance: Endpoint, _: Any, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise WebhookConfigError("an endpoint needs a URL")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # a bad port raises here
    except ValueError as bad:
        raise WebhookConfigError(f"the endpoint URL is malformed: {bad}") from None
    wanted = ("smtp",) if instance.format == EMAIL else ("http", "https")
    if parts.scheme not in wanted:
        raise WebhookConfigError(
            f"an endpoint of format {instance.format} takes a {' or '.join(wanted)} URL, "
            f"not one with the scheme {parts.scheme or '(none)'!r}"
        )
    if not parts.hostname:
        raise WebhookConfigError("the endpoint URL names no host")
    if any(c.isspace() for c in value):
        raise WebhookConfigError("the endpoint URL holds white space")


def _check_format(_: Any, __: Any, value: Any) -> None:
    if value not in FORMATS:
        raise WebhookConfigError(
            f"an endpoint's format is one of {', '.join(FORMATS)}, not {value!r}"
        )


def _kinds(value: Iterable[str] | None) -> frozenset[str]:
    if value is None:
        return frozenset(KINDS)
    if isinstance(value, str):
        value = [value]
    try:
        chosen = frozenset(notification_kind(kind) for kind in value)
    except ValueError as bad:
        raise WebhookConfigError(str(bad)) from None
    if not chosen:
        raise WebhookConfigError("an endpoint gets at least one kind of notification")
    return chosen


def _check_language(_: Any, __: Any, value: Any) -> None:
    if value not in LANGUAGES:
        raise WebhookConfigError(f"language is one of {', '.join(LANGUAGES)}, not {value!r}")


def _check_since(_: Any, __: Any, value: Any) -> None:
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
        raise WebhookConfigError(f"since is a time with a timezone, or None, not {value!r}")


def _addresses(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    found = tuple(value)
    for address in found:
        if (
            not isinstance(address, str)
            or address.count("@") != 1
            or any(c.isspace() or c in "<>,;" for c in address)
        ):
            raise WebhookConfigError(f"{address!r} is not an e-mail address")
    return found


@attrs.frozen
class Endpoint:
    """Where notifications go, and how (see docs/notifications.md).

    ``format``: ``generic`` (JSON signed with HMAC-SHA256, ``secret`` required), ``wecom``
    (the group robot's URL with its ``key``), ``dingtalk`` (the custom robot's URL with its
    ``access_token``; ``secret``: its signing secret, if it has one), ``feishu`` (the custom
    bot's hook URL; ``secret``: its signing secret, if any) or ``email`` (``smtp://host:port``
    with ``sender`` and ``recipients``; ``secret``: the SMTP password, with ``username``).
    ``since``: only notifications of events from then on (None: all of history).
    """

    name: str = attrs.field(validator=_check_name)
    format: str = attrs.field(validator=_check_format)
    url: str = attrs.field(validator=_check_url, repr=False)
    kinds: frozenset[str] = attrs.field(default=None, converter=_kinds)
    language: str = attrs.field(default="en", validator=_check_language)
    since: datetime | None = attrs.field(default=None, validator=_check_since)
    secret: str | None = attrs.field(default=None, repr=False)
    sender: str | None = None
    recipients: tuple[str, ...] = attrs.field(default=(), converter=_addresses)
    username: str | None = None
    starttls: bool = False
    timeout: float = 10.0
    message: str = "rich"
    """The bots' message style: ``rich`` (markdown, a Feishu post) or ``text``."""

    def __attrs_post_init__(self) -> None:
        if self.secret is not None and (not isinstance(self.secret, str) or not self.secret):
            raise WebhookConfigError("a secret is non-empty text (or left out)")
        if self.format == GENERIC and not self.secret:
            raise WebhookConfigError(
                f"endpoint {self.name}: a generic webhook needs a signing secret"
            )
        if self.format == EMAIL:
            if not self.sender or not self.recipients:
                raise WebhookConfigError(
                    f"endpoint {self.name}: e-mail needs a sender and at least one recipient"
                )
            _addresses([self.sender])
        if self.format == WECOM and not dict(parse_qsl(urlsplit(self.url).query)).get("key"):
            raise WebhookConfigError(f"endpoint {self.name}: a WeCom robot URL carries key=...")
        if self.format == DINGTALK and not dict(parse_qsl(urlsplit(self.url).query)).get(
            "access_token"
        ):
            raise WebhookConfigError(
                f"endpoint {self.name}: a DingTalk robot URL carries access_token=..."
            )
        if self.message not in MESSAGES:
            raise WebhookConfigError(
                f"the message style is one of {', '.join(MESSAGES)}, not {self.message!r}"
            )
        if not isinstance(self.timeout, int | float) or not 0 < self.timeout <= 120:
            raise WebhookConfigError(
                f"timeout is above 0 and at most 120 seconds, not {self.timeout!r}"
            )

    @property
    def shown_url(self) -> str:
        """The URL with its secrets hidden: the query's values, a password, and the token
        of a Feishu hook (the last part of its path)."""
        parts = urlsplit(self.url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        if parts.username:
            netloc = f"{parts.username}@{netloc}"
        path = parts.path
        if self.format == FEISHU and "/" in path.strip("/"):
            path = path.rstrip("/").rpartition("/")[0] + "/" + _HIDDEN
        query = urlencode([(key, _HIDDEN) for key, _ in parse_qsl(parts.query)], safe="*")
        return urlunsplit((parts.scheme, netloc, path, query, ""))

    def send(self, notification: Mapping[str, Any]) -> None:
        """Deliver ``notification`` in this endpoint's format (raises WebhookDeliveryError)."""
        sender_for(self)(notification)

    def to_json(self) -> dict[str, Any]:
        """The endpoint as the endpoints file keeps it (with its secret)."""
        return {
            "name": self.name,
            "format": self.format,
            "url": self.url,
            "kinds": sorted(self.kinds),
            "language": self.language,
            "since": None if self.since is None else self.since.isoformat(),
            "secret": self.secret,
            "sender": self.sender,
            "recipients": list(self.recipients),
            "username": self.username,
            "starttls": self.starttls,
            "timeout": self.timeout,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Endpoint:
        """An endpoint from the endpoints file."""
        try:
            since = data.get("since")
            return cls(
                name=data["name"],
                format=data["format"],
                url=data["url"],
                kinds=data.get("kinds"),
                language=data.get("language", "en"),
                since=None if since is None else datetime.fromisoformat(since),
                secret=data.get("secret"),
                sender=data.get("sender"),
                recipients=data.get("recipients") or (),
                username=data.get("username"),
                starttls=bool(data.get("starttls", False)),
                timeout=data.get("timeout", 10.0),
                message=data.get("message", "rich"),
            )
        except (KeyError, TypeError, ValueError) as bad:
            if isinstance(bad, WebhookConfigError):
                raise
            raise WebhookConfigError(f"an endpoint in the file is malformed ({bad!r})") from None


def config_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The endpoints file: ``path``, else :data:`CONFIG_ENV`, else :data:`DEFAULT_CONFIG`."""
    return Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_endpoints(path: str | os.PathLike[str] | None = None) -> list[Endpoint]:
    """The endpoints kept in the file (none if it does not exist).

    A file that its group or others may read is refused: it holds secrets.
    """
    file = config_path(path)
    if not file.exists():
        return []
    require_private_file(
        file, "webhook endpoints file (it holds secrets)", error=WebhookConfigError
    )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as bad:
        raise WebhookConfigError(f"cannot read the endpoints file {file}: {bad}") from None
    if not isinstance(data, dict) or not isinstance(data.get("endpoints"), list):
        raise WebhookConfigError(f'{file} is not an endpoints file ({{"endpoints": [...]}})')
    return [Endpoint.from_json(item) for item in data["endpoints"]]


def save_endpoints(
    endpoints: Iterable[Endpoint], path: str | os.PathLike[str] | None = None
) -> Path:
    """Write the endpoints file (mode 0600, replaced whole so a crash leaves the old one)."""
    file = config_path(path)
    chosen = sorted(endpoints, key=lambda e: e.name)
    text = json.dumps(
        {"endpoints": [e.to_json() for e in chosen]}, ensure_ascii=False, indent=2, sort_keys=True
    )
    write_private_file(file, text + "\n")
    return file


def add_endpoint(endpoint: Endpoint, path: str | os.PathLike[str] | None = None) -> None:
    """Add ``endpoint`` to the file (its name must be new)."""
    endpoints = load_endpoints(path)
    if any(e.name == endpoint.name for e in endpoints):
        raise WebhookConfigError(f"there is an endpoint named {endpoint.name} already")
    save_endpoints([*endpoints, endpoint], path)


def remove_endpoint(name: str, path: str | os.PathLike[str] | None = None) -> Endpoint:
    """Take the endpoint ``name`` out of the file; the endpoint removed."""
    endpoints = load_endpoints(path)
    found = [e for e in endpoints if e.name == name]
    if not found:
        raise WebhookConfigError(f"no endpoint named {name!r}")
    save_endpoints([e for e in endpoints if e.name != name], path)
    return found[0]


def find_endpoint(name: str, path: str | os.PathLike[str] | None = None) -> Endpoint:
    """The endpoint ``name`` of the file."""
    for endpoint in load_endpoints(path):
        if endpoint.name == name:
            return endpoint
    raise WebhookConfigError(f"no endpoint named {name!r}")


def now_utc() -> datetime:
    """The current time (UTC), what ``since`` defaults to when an endpoint is added."""
    return datetime.now(UTC)

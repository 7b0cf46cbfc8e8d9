"""Senders: a notification in each endpoint format, sent over HTTP or SMTP.

- ``generic``: the notification's JSON, signed (:mod:`libops.adapters.webhooks.signing`),
  with ``Libops-Delivery: <notification id>``; any 2xx answer means delivered;
- ``wecom``: the WeCom group robot, ``{"msgtype": "markdown", "markdown": {"content"}}``
  (or ``text``) posted to its URL (``.../cgi-bin/webhook/send?key=...``);
- ``dingtalk``: the DingTalk custom robot, ``{"msgtype": "markdown", "markdown": {"title",
  "text"}}``; with a signing secret, ``timestamp`` (ms) and ``sign`` are added to the URL;
- ``feishu``: the Feishu/Lark custom bot, ``{"msg_type": "post", "content": {"post": ...}}``;
  with a signing secret, ``timestamp`` (s) and ``sign`` go in the body;
- ``email``: a plain-text e-mail over SMTP (STARTTLS if asked, login if a username is set).

The bots answer HTTP 200 with an error code in the body (``errcode`` for WeCom and
DingTalk, ``code`` for Feishu): anything but 0 is a failure, retryable for their rate limits
(WeCom 45009, DingTalk 130101, Feishu 9499, 11232, 99991400) and for HTTP 429 and 5xx. No
error message names the URL (it carries the bots' keys) or a secret.
"""

from __future__ import annotations

import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Final, Protocol
from urllib.parse import urlencode, urlsplit

from libops.adapters.webhooks.signing import (
    DELIVERY_HEADER,
    KIND_HEADER,
    SIGNATURE_HEADER,
    dingtalk_sign,
    feishu_sign,
    sign,
)
from libops.domain.errors import WebhookDeliveryError

USER_AGENT: Final = "libops-webhooks/1"

GENERIC, WECOM, DINGTALK, FEISHU, EMAIL = "generic", "wecom", "dingtalk", "feishu", "email"
FORMATS: Final = (GENERIC, WECOM, DINGTALK, FEISHU, EMAIL)
"""The formats an endpoint takes notifications in."""

RICH, TEXT = "rich", "text"
MESSAGES: Final = (RICH, TEXT)
"""The bots' message styles: ``rich`` (WeCom and DingTalk markdown, a Feishu post) or
``text`` (their plain text messages)."""


class Endpoint(Protocol):
    """What a sender reads of an endpoint
    (:class:`libops.adapters.webhooks.endpoints.Endpoint` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def secret(self) -> str | None: ...
    @property
    def sender(self) -> str | None: ...
    @property
    def recipients(self) -> tuple[str, ...]: ...
    @property
    def username(self) -> str | None: ...
    @property
    def starttls(self) -> bool: ...
    @property
    def timeout(self) -> float: ...
    @property
    def message(self) -> str: ...


RATE_LIMITED: Final[Mapping[str, frozenset[int]]] = {
    WECOM: frozenset({45009}),
    DINGTALK: frozenset({130101}),
    FEISHU: frozenset({9499, 11232, 99991400}),
}
"""The bots' error codes that mean "too many messages": tried again later."""

Send = Callable[[Mapping[str, Any]], None]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: urllib would follow a POST's with a GET without the body
    (a delivery that is not one), or hand a signed body to another host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER: Final = urllib.request.build_opener(_NoRedirects())


def _post(endpoint: Endpoint, url: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    """POST ``body``; the answer's body if the status is 2xx, else WebhookDeliveryError."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            **headers,
        },
    )
    try:
        with _OPENER.open(request, timeout=endpoint.timeout) as answer:
            return bytes(answer.read(65536))
    except urllib.error.HTTPError as refused:
        status = refused.code
        refused.close()
        raise WebhookDeliveryError(
            f"endpoint {endpoint.name} answered HTTP {status}",
            retryable=status in (408, 425, 429) or status >= 500,  # not 3xx: fix the URL
        ) from None
    except (TimeoutError, urllib.error.URLError, OSError) as failed:
        reason = getattr(failed, "reason", failed)
        raise WebhookDeliveryError(
            f"endpoint {endpoint.name} could not be reached ({type(reason).__name__})",
            retryable=True,
        ) from None


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _bot_answer(endpoint: Endpoint, answer: bytes, field: str) -> None:
    """Raise unless the bot's answer carries ``field`` 0 (Feishu's older answers say
    ``StatusCode``)."""
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        raise WebhookDeliveryError(
            f"endpoint {endpoint.name} answered something other than JSON", retryable=True
        ) from None
    code = data.get(field, data.get("StatusCode", 0)) if isinstance(data, dict) else None
    if code == 0:
        return
    message = str(data.get("errmsg") or data.get("msg") or "") if isinstance(data, dict) else ""
    raise WebhookDeliveryError(
        f"endpoint {endpoint.name} ({endpoint.format}) refused the message: "
        f"{field} {code} {message[:200]}".rstrip(),
        retryable=code in RATE_LIMITED[endpoint.format],
    )


def _markdown(notification: Mapping[str, Any]) -> str:
    return (
        f"**{notification['title']}**\n\n{notification['summary']}\n\n"
        f"[{notification['link']}]({notification['link']})\n\n"
        f"`{notification['id']}`"
    )


def send_generic(endpoint: Endpoint, notification: Mapping[str, Any], now: float) -> None:
    """POST the signed JSON of ``notification``."""
    body = _json(notification)
    secret = endpoint.secret or ""
    _post(
        endpoint,
        endpoint.url,
        body,
        {
            SIGNATURE_HEADER: sign(secret, int(now), body),
            DELIVERY_HEADER: str(notification["id"]),
            KIND_HEADER: str(notification["kind"]),
        },
    )


def _plain(notification: Mapping[str, Any]) -> str:
    return (
        f"{notification['title']}\n{notification['summary']}\n{notification['link']}\n"
        f"{notification['id']}"
    )


def send_wecom(endpoint: Endpoint, notification: Mapping[str, Any], now: float) -> None:
    """Post to a WeCom group robot (a markdown message, or text)."""
    if endpoint.message == TEXT:
        body = _json({"msgtype": "text", "text": {"content": _plain(notification)}})
    else:
        body = _json({"msgtype": "markdown", "markdown": {"content": _markdown(notification)}})
    _bot_answer(endpoint, _post(endpoint, endpoint.url, body, {}), "errcode")


def send_dingtalk(endpoint: Endpoint, notification: Mapping[str, Any], now: float) -> None:
    """Post to a DingTalk custom robot (markdown message, signed if it has a secret)."""
    url = endpoint.url
    if endpoint.secret:
        stamp = int(now * 1000)
        extra = urlencode({"timestamp": stamp, "sign": dingtalk_sign(endpoint.secret, stamp)})
        url = f"{url}{'&' if urlsplit(url).query else '?'}{extra}"
    if endpoint.message == TEXT:
        body = _json({"msgtype": "text", "text": {"content": _plain(notification)}})
    else:
        body = _json(
            {
                "msgtype": "markdown",
                "markdown": {"title": notification["title"], "text": _markdown(notification)},
            }
        )
    _bot_answer(endpoint, _post(endpoint, url, body, {}), "errcode")


def send_feishu(endpoint: Endpoint, notification: Mapping[str, Any], now: float) -> None:
    """Post to a Feishu/Lark custom bot (rich-text post, signed if it has a secret)."""
    locale = "zh_cn" if notification.get("language") == "zh" else "en_us"
    message: dict[str, Any] = {
        "msg_type": "post",
        "content": {
            "post": {
                locale: {
                    "title": notification["title"],
                    "content": [
                        [{"tag": "text", "text": str(notification["summary"])}],
                        [
                            {
                                "tag": "a",
                                "text": str(notification["link"]),
                                "href": str(notification["link"]),
                            }
                        ],
                        [{"tag": "text", "text": str(notification["id"])}],
                    ],
                }
            }
        },
    }
    if endpoint.message == TEXT:
        message = {"msg_type": "text", "content": {"text": _plain(notification)}}
    if endpoint.secret:
        stamp = int(now)
        message["timestamp"] = str(stamp)
        message["sign"] = feishu_sign(endpoint.secret, stamp)
    _bot_answer(endpoint, _post(endpoint, endpoint.url, _json(message), {}), "code")


def email_message(endpoint: Endpoint, notification: Mapping[str, Any]) -> EmailMessage:
    """The e-mail that tells ``endpoint``'s recipients of ``notification``."""
    message = EmailMessage()
    message["Subject"] = f"[libops] {notification['title']}"
    message["From"] = endpoint.sender or ""
    message["To"] = ", ".join(endpoint.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="libops.invalid")
    message[DELIVERY_HEADER] = str(notification["id"])
    message.set_content(
        f"{notification['summary']}\n\n{notification['link']}\n\n"
        f"{notification['kind']} · {notification['occurred_at']} · {notification['id']}\n"
    )
    return message


def send_email(endpoint: Endpoint, notification: Mapping[str, Any], now: float) -> None:
    """Send an e-mail over SMTP (``smtp://host:port``)."""
    parts = urlsplit(endpoint.url)
    message = email_message(endpoint, notification)
    try:
        with smtplib.SMTP(parts.hostname or "", parts.port or 25, timeout=endpoint.timeout) as smtp:
            if endpoint.starttls:
                smtp.starttls()
            if endpoint.username:
                smtp.login(endpoint.username, endpoint.secret or "")
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as refused:
        raise WebhookDeliveryError(
            f"endpoint {endpoint.name}: the SMTP server refused the login ({refused.smtp_code})",
            retryable=False,
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise WebhookDeliveryError(
            f"endpoint {endpoint.name}: the SMTP server does not offer STARTTLS (or login)",
            retryable=False,
        ) from None
    except smtplib.SMTPRecipientsRefused:
        raise WebhookDeliveryError(
            f"endpoint {endpoint.name}: the SMTP server refused every recipient", retryable=False
        ) from None
    except smtplib.SMTPResponseException as refused:
        raise WebhookDeliveryError(
            f"endpoint {endpoint.name}: the SMTP server answered {refused.smtp_code}",
            retryable=400 <= refused.smtp_code < 500,
        ) from None
    except (smtplib.SMTPException, OSError) as failed:
        raise WebhookDeliveryError(
            f"endpoint {endpoint.name}: SMTP failed ({type(failed).__name__})", retryable=True
        ) from None


SENDERS: Final[Mapping[str, Callable[[Endpoint, Mapping[str, Any], float], None]]] = {
    GENERIC: send_generic,
    WECOM: send_wecom,
    DINGTALK: send_dingtalk,
    FEISHU: send_feishu,
    EMAIL: send_email,
}


def sender_for(endpoint: Endpoint, now: Callable[[], float] = time.time) -> Send:
    """A function sending a notification to ``endpoint`` in its format."""
    send = SENDERS[endpoint.format]

    def deliver(notification: Mapping[str, Any]) -> None:
        send(endpoint, notification, now())

    return deliver

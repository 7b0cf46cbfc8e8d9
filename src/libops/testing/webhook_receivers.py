"""Fake notification receivers on the loopback address, for tests of webhooks and senders.

:class:`FakeReceiver` is a small HTTP server that answers like one of the real receivers
and checks what they check: a generic libops webhook (the ``Libops-Signature``), a WeCom
group robot (the ``key``), a DingTalk custom robot (``access_token``, and ``timestamp`` and
``sign`` when it has a secret) or a Feishu custom bot (``timestamp`` and ``sign`` in the body
when it has a secret). It records every message it accepted, can be told to fail the next
requests (with an HTTP status, or a bot's error code) and to answer slowly.
:class:`FakeSmtpServer` is a small SMTP server (with ``AUTH PLAIN``) that keeps the e-mails.

Both need only the standard library and libops; use them as context managers::

    with FakeReceiver("generic", secret="s3cret") as receiver:
        ...  # send to receiver.url
        assert receiver.delivery_ids() == [...]
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import socketserver
import threading
import time
from collections.abc import Mapping
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, Self
from urllib.parse import parse_qs, urlsplit

import attrs

from libops.adapters.webhooks.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    SignatureError,
    dingtalk_sign,
    feishu_sign,
    verify_signature,
)

KEY: Final = "fake-robot-key"
"""The WeCom key, DingTalk access token and Feishu hook token the fakes expect."""

_FAILURE_CODES: Final = {"wecom": 45009, "dingtalk": 130101, "feishu": 11232}


@attrs.frozen
class ReceivedMessage:
    """One request a fake receiver accepted."""

    path: str
    headers: Mapping[str, str]
    body: Any
    """The request's JSON."""
    raw: bytes

    @property
    def delivery_id(self) -> str | None:
        """The ``Libops-Delivery`` header (generic webhooks)."""
        return self.headers.get(DELIVERY_HEADER.lower())


@attrs.define
class _Failure:
    status: int | None
    code: int | None


class _LoopbackServer:
    """What both fakes share: a threading server on 127.0.0.1, started and stopped in a
    thread of its own, usable as a context manager."""

    _server: socketserver.TCPServer
    _thread: threading.Thread

    def _serve(self, server: socketserver.TCPServer) -> None:
        self._server = server
        if isinstance(server, socketserver.ThreadingMixIn):  # answering threads die with it
            server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Self:
        """Start answering (in a thread of its own)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and free the port."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on (127.0.0.1)."""
        return int(self._server.server_address[1])


class FakeReceiver(_LoopbackServer):
    """A fake receiver of ``kind`` ``generic``, ``wecom``, ``dingtalk`` or ``feishu``.

    ``secret``: the signing secret it checks (generic: required). ``delay``: seconds it
    waits before answering each request (after reading it, before recording it).
    """

    def __init__(self, kind: str, *, secret: str | None = None, delay: float = 0.0) -> None:
        if kind not in ("generic", "wecom", "dingtalk", "feishu"):
            raise ValueError(f"no fake receiver for {kind!r}")
        if kind == "generic" and not secret:
            raise ValueError("a generic receiver needs the secret it checks signatures with")
        self.kind = kind
        self.secret = secret
        self.delay = delay
        self.messages: list[ReceivedMessage] = []
        self.rejected: list[str] = []
        """Why each refused request was refused (bad signature, scripted failure ...)."""
        self.requests = 0
        self.gets = 0
        """GET requests (a sender following a redirect sends one)."""
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), self._handler()))

    @property
    def url(self) -> str:
        """The URL to configure an endpoint of its kind with."""
        base = f"http://127.0.0.1:{self.port}"
        return {
            "generic": f"{base}/hooks/libops",
            "wecom": f"{base}/cgi-bin/webhook/send?key={KEY}",
            "dingtalk": f"{base}/robot/send?access_token={KEY}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{KEY}",
        }[self.kind]

    # --- scripting and reading ---------------------------------------------------------

    def fail_next(
        self, times: int = 1, *, status: int | None = None, code: int | None = None
    ) -> None:
        """Refuse the next ``times`` requests: with HTTP ``status`` (default 503; a 3xx
        redirects to this receiver), or, for a bot, HTTP 200 with error ``code`` (default
        its rate-limit code)."""
        if status is None and code is None:
            if self.kind == "generic":
                status = 503
            else:
                code = _FAILURE_CODES[self.kind]
        with self._lock:
            self._failures += [_Failure(status, code) for _ in range(times)]

    def delivery_ids(self) -> list[str]:
        """The ``Libops-Delivery`` ids of the accepted requests, in order (repeats kept)."""
        with self._lock:
            return [m.delivery_id for m in self.messages if m.delivery_id]

    def bodies(self) -> list[Any]:
        """The JSON bodies of the accepted requests, in order."""
        with self._lock:
            return [m.body for m in self.messages]

    # --- answering ---------------------------------------------------------------------

    def _check(
        self, path: str, query: dict[str, list[str]], headers: Any, raw: bytes, body: Any
    ) -> str | None:
        """Why the real receiver would refuse this request (None: it would accept it)."""
        if self.kind == "generic":
            try:
                verify_signature(self.secret or "", headers.get(SIGNATURE_HEADER), raw)
            except SignatureError as bad:
                return str(bad)
            return None
        if self.kind == "wecom":
            if query.get("key") != [KEY]:
                return "invalid webhook url"
            kind = body.get("msgtype")
            if kind not in ("text", "markdown") or not body.get(kind, {}).get("content"):
                return "invalid message"
            return None
        if self.kind == "dingtalk":
            if query.get("access_token") != [KEY]:
                return "token is not exist"
            if self.secret:
                stamp = (query.get("timestamp") or [""])[0]
                given = (query.get("sign") or [""])[0]
                if not stamp.isdigit() or abs(time.time() * 1000 - int(stamp)) > 3_600_000:
                    return "invalid timestamp"
                if given != dingtalk_sign(self.secret, int(stamp)):
                    return "sign not match"
            kind = body.get("msgtype")
            field = "text" if kind == "markdown" else "content"
            if kind not in ("text", "markdown") or not body.get(kind, {}).get(field):
                return "invalid message"
            return None
        if not path.endswith("/" + KEY):
            return "incoming webhook access token invalid"
        if self.secret:
            stamp = str(body.get("timestamp", ""))
            if (
                not stamp.isdigit()
                or abs(time.time() - int(stamp)) > 3600
                or body.get("sign") != feishu_sign(self.secret, int(stamp))
            ):
                return "sign match fail or timestamp is not within one hour from current time"
        if body.get("msg_type") not in ("text", "post") or not body.get("content"):
            return "params error"
        return None

    def _answer(self, reason: str | None, failure: _Failure | None) -> tuple[int, dict[str, Any]]:
        codes = {
            "wecom": ("errcode", "errmsg"),
            "dingtalk": ("errcode", "errmsg"),
            "feishu": ("code", "msg"),
        }
        if self.kind == "generic":
            if failure is not None:
                return failure.status or 503, {"error": "scripted failure"}
            return (401, {"error": reason}) if reason else (200, {"ok": True})
        code_field, message_field = codes[self.kind]
        if failure is not None:
            if failure.status is not None:
                return failure.status, {code_field: -1, message_field: "scripted failure"}
            return 200, {code_field: failure.code, message_field: "scripted failure"}
        if reason:
            bad = {"wecom": 93000, "dingtalk": 310000, "feishu": 19021}[self.kind]
            return 200, {code_field: bad, message_field: reason}
        return 200, {code_field: 0, message_field: "ok" if self.kind != "feishu" else "success"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = None
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    receiver.requests += 1
                    failure = receiver._failures.pop(0) if receiver._failures else None
                reason = None
                if not isinstance(body, dict):
                    reason = "the body is not a JSON object"
                else:
                    reason = receiver._check(
                        parts.path, parse_qs(parts.query), self.headers, raw, body
                    )
                status, answer = receiver._answer(reason, failure)
                with receiver._lock:
                    if failure is not None:
                        receiver.rejected.append("scripted failure")
                    elif reason is not None:
                        receiver.rejected.append(reason)
                    else:
                        receiver.messages.append(
                            ReceivedMessage(
                                parts.path,
                                {k.lower(): v for k, v in self.headers.items()},
                                body,
                                raw,
                            )
                        )
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    if 300 <= status < 400:  # a scripted redirect: to this receiver, by GET
                        self.send_header("Location", receiver.url)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender died waiting (a kill test): it took what it got

            def do_GET(self) -> None:
                """What a sender that follows a redirect would send: counted, answered 200
                (so that a sender taking it for a delivery is caught)."""
                with receiver._lock:
                    receiver.gets += 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: no access log on stderr."""

        return Handler


class FakeSmtpServer(_LoopbackServer):
    """A small SMTP server on 127.0.0.1 that keeps the e-mails it is given.

    With ``username`` and ``password`` it accepts ``AUTH PLAIN`` with them (and refuses
    other credentials with 535). ``fail_next(n, code)`` answers the next ``n`` messages'
    ``DATA`` with ``code`` (default 451, a temporary failure). No STARTTLS.
    """

    def __init__(self, *, username: str | None = None, password: str | None = None) -> None:
        self.username = username
        self.password = password
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler()))

    @property
    def url(self) -> str:
        """The ``smtp://`` URL to configure an e-mail endpoint with."""
        return f"smtp://127.0.0.1:{self.port}"

    def fail_next(self, times: int = 1, code: int = 451) -> None:
        """Refuse the next ``times`` messages with ``code``."""
        with self._lock:
            self._failures += [code] * times

    def _handler(self) -> type[socketserver.StreamRequestHandler]:
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 fake-smtp libops ESMTP")
                sender = ""
                recipients: list[str] = []
                authenticated = server.username is None
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode(errors="replace").rstrip("\r\n")
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-fake-smtp")
                        self.reply("250 AUTH PLAIN")
                    elif verb == "AUTH":
                        parts = command.split()
                        token = parts[2] if len(parts) > 2 else ""
                        try:
                            _, user, word = base64.b64decode(token).decode().split("\0")
                        except ValueError:
                            user, word = "", ""
                        if (user, word) == (server.username, server.password):
                            authenticated = True
                            self.reply("235 2.7.0 Authentication successful")
                        else:
                            self.reply("535 5.7.8 Authentication credentials invalid")
                    elif verb == "MAIL":
                        if not authenticated:
                            self.reply("530 5.7.0 Authentication required")
                            continue
                        sender = command.partition(":")[2].strip().strip("<>").split()[0]
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.partition(":")[2].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while True:
                            data = self.rfile.readline()
                            if data in (b".\r\n", b".\n", b""):
                                break
                            lines.append(data[1:] if data.startswith(b"..") else data)
                        with server._lock:
                            code = server._failures.pop(0) if server._failures else None
                            if code is None:
                                parsed = email.message_from_bytes(
                                    b"".join(lines), policy=email.policy.default
                                )
                                assert isinstance(parsed, EmailMessage)
                                server.messages.append(parsed)
                                server.envelopes.append((sender, list(recipients)))
                        self.reply("250 OK queued" if code is None else f"{code} scripted failure")
                    elif verb == "RSET":
                        sender, recipients = "", []
                        self.reply("250 OK")
                    elif verb == "NOOP":
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 5.5.2 Command not implemented")

        return Handler

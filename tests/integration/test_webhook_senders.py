"""The ready-made senders against local fake receivers that check what the real ones check:
WeCom's key, DingTalk's and Feishu's signatures, their error codes (rate limits retryable,
the rest not), and e-mail over SMTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from libops import LibOps
from libops.adapters.webhooks import Endpoint, email_message
from libops.application.notifications import DELIVERED, NotificationDeliverer
from libops.domain.errors import WebhookConfigError, WebhookDeliveryError
from libops.projections.notifications import trial_notification
from libops.testing.webhook_receivers import KEY, FakeReceiver, FakeSmtpServer

BOT_SECRET = "SECd41f0a9-bot-secret"


def notification(language: str = "en") -> dict[str, object]:
    return trial_notification(
        "test:1",
        datetime(2026, 3, 1, 8, 0, tzinfo=UTC).isoformat(),
        language=language,
        base_url="https://ops.example.org",
    )


@pytest.fixture
def wecom() -> Iterator[FakeReceiver]:
    with FakeReceiver("wecom") as fake:
        yield fake


@pytest.fixture
def dingtalk() -> Iterator[FakeReceiver]:
    with FakeReceiver("dingtalk", secret=BOT_SECRET) as fake:
        yield fake


@pytest.fixture
def feishu() -> Iterator[FakeReceiver]:
    with FakeReceiver("feishu", secret=BOT_SECRET) as fake:
        yield fake


def refused(endpoint: Endpoint) -> WebhookDeliveryError:
    with pytest.raises(WebhookDeliveryError) as caught:
        endpoint.send(notification())
    return caught.value


class TestWeCom:
    def test_markdown_message_to_the_robot(self, wecom: FakeReceiver) -> None:
        Endpoint("wc", "wecom", wecom.url).send(notification())
        [body] = wecom.bodies()
        assert body["msgtype"] == "markdown"
        content = body["markdown"]["content"]
        assert "**Test notification**" in content
        assert "https://ops.example.org/healthz" in content

    def test_errors(self, wecom: FakeReceiver) -> None:
        """A wrong key is refused for good; the rate limit (45009) and HTTP 5xx are retried."""
        wrong = Endpoint("wc", "wecom", wecom.url.replace(KEY, "wrong-key"))
        error = refused(wrong)
        assert not error.retryable
        assert "errcode 93000" in str(error)
        assert "wrong-key" not in str(error)
        right = Endpoint("wc", "wecom", wecom.url)
        wecom.fail_next(1)
        error = refused(right)
        assert error.retryable
        assert "45009" in str(error)
        wecom.fail_next(1, status=502)
        error = refused(right)
        assert error.retryable
        assert "HTTP 502" in str(error)
        right.send(notification())
        assert len(wecom.messages) == 1


class TestDingTalk:
    def test_signed_markdown_message(self, dingtalk: FakeReceiver) -> None:
        """The fake checks timestamp + sign (HmacSHA256 of "<ms>\\n<secret>", Base64)."""
        Endpoint("dt", "dingtalk", dingtalk.url, secret=BOT_SECRET).send(notification("zh"))
        [body] = dingtalk.bodies()
        assert body["msgtype"] == "markdown"
        assert body["markdown"]["title"] == "测试通知"
        assert dingtalk.rejected == []

    def test_errors(self, dingtalk: FakeReceiver) -> None:
        """Another secret or none is refused ("sign not match"); 130101 is retried."""
        for secret in ("another secret", None):
            error = refused(Endpoint("dt", "dingtalk", dingtalk.url, secret=secret))
            assert not error.retryable
            assert "errcode 310000" in str(error)
            assert BOT_SECRET not in str(error)
        right = Endpoint("dt", "dingtalk", dingtalk.url, secret=BOT_SECRET)
        dingtalk.fail_next(1)
        error = refused(right)
        assert error.retryable
        assert "130101" in str(error)


class TestFeishu:
    def test_signed_post_message(self, feishu: FakeReceiver) -> None:
        """The fake checks the body's timestamp and sign (HmacSHA256 keyed with
        "<s>\\n<secret>" over nothing, Base64)."""
        Endpoint("fs", "feishu", feishu.url, secret=BOT_SECRET).send(notification("zh"))
        [body] = feishu.bodies()
        assert body["msg_type"] == "post"
        post = body["content"]["post"]["zh_cn"]
        assert post["title"] == "测试通知"
        assert post["content"][1][0]["href"] == "https://ops.example.org/healthz"
        assert body["timestamp"].isdigit()

    def test_errors(self, feishu: FakeReceiver) -> None:
        """A wrong signature (19021) is refused for good; 11232 and HTTP 429 are retried."""
        error = refused(Endpoint("fs", "feishu", feishu.url, secret="another"))
        assert not error.retryable
        assert "code 19021" in str(error)
        right = Endpoint("fs", "feishu", feishu.url, secret=BOT_SECRET)
        feishu.fail_next(1)
        assert refused(right).retryable
        feishu.fail_next(1, status=429)
        error = refused(right)
        assert error.retryable
        assert "HTTP 429" in str(error)
        feishu.fail_next(1, code=9499)
        assert refused(right).retryable
        assert feishu.messages == []


class TestEmail:
    def test_an_email_through_smtp_with_login(self) -> None:
        with FakeSmtpServer(username="ops", password="smtp-pass-1") as smtp:
            endpoint = Endpoint(
                "mail",
                "email",
                smtp.url,
                sender="libops@library.example",
                recipients=("team@library.example", "lead@library.example"),
                username="ops",
                secret="smtp-pass-1",
            )
            endpoint.send(notification())
            [message] = smtp.messages
            assert message["Subject"] == "[libops] Test notification"
            assert message["Libops-Delivery"] == "test:1"
            assert "https://ops.example.org/healthz" in message.get_content()
            assert smtp.envelopes == [
                ("libops@library.example", ["team@library.example", "lead@library.example"])
            ]
            assert "smtp-pass-1" not in repr(endpoint)

    def test_errors(self) -> None:
        """A refused login and a 5xx are final; a 4xx (451) is retried."""
        with FakeSmtpServer(username="ops", password="right") as smtp:
            settings: dict[str, Any] = {
                "sender": "a@library.example",
                "recipients": ("b@library.example",),
            }
            wrong = Endpoint(
                "m", "email", smtp.url, username="ops", secret="pw-wrong-77", **settings
            )
            error = refused(wrong)
            assert not error.retryable
            assert "login" in str(error)
            assert "pw-wrong-77" not in str(error)
            right = Endpoint("m", "email", smtp.url, username="ops", secret="right", **settings)
            smtp.fail_next(1, 451)
            assert refused(right).retryable
            smtp.fail_next(1, 554)
            assert not refused(right).retryable
            right.send(notification())
            assert len(smtp.messages) == 1

    def test_starttls_that_the_server_does_not_offer_is_a_final_failure(self) -> None:
        """Asked for STARTTLS, a server without it is refused for good (no clear text)."""
        with FakeSmtpServer() as smtp:
            endpoint = Endpoint(
                "m", "email", smtp.url, sender="a@x.org", recipients=("b@x.org",), starttls=True
            )
            error = refused(endpoint)
            assert not error.retryable
            assert "STARTTLS" in str(error)
            assert smtp.messages == []

    def test_the_message_is_plain_text(self) -> None:
        endpoint = Endpoint(
            "m", "email", "smtp://mail.example:587", sender="a@x.org", recipients=("b@x.org",)
        )
        message = email_message(endpoint, notification("zh"))
        assert message["Subject"] == "[libops] 测试通知"
        assert message.get_content_type() == "text/plain"


def test_a_bot_through_the_deliverer(memory_ops: LibOps, dingtalk: FakeReceiver) -> None:
    """The deliverer sends a Chinese DingTalk message for a risk escalation."""
    from tests.actors import TECH

    memory_ops.risks.identify(
        TECH, title="Outage", category="technical", likelihood=5, impact=5, owner="tech-1"
    )
    bot = Endpoint("dt", "dingtalk", dingtalk.url, secret=BOT_SECRET, language="zh")
    with NotificationDeliverer(memory_ops, [bot]) as deliverer:
        assert [o.state for o in deliverer.deliver()] == [DELIVERED]
    [body] = dingtalk.bodies()
    assert body["markdown"]["title"] == "风险升级"
    assert "/v1/aggregates/risk/" in body["markdown"]["text"]


def test_the_bots_signatures_follow_their_documented_algorithms() -> None:
    """Written again from the platforms' documents, independently of libops's code (the
    fakes use libops's, so they alone would not catch a wrong algorithm)."""
    import base64
    import hashlib
    import hmac

    from libops.adapters.webhooks import dingtalk_sign, feishu_sign

    secret, seconds = "SEC-demo", 1599360473
    # Feishu: the key is "timestamp\nsecret", the message empty.
    key = f"{seconds}\n{secret}".encode()
    feishu = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert feishu_sign(secret, seconds) == feishu
    # DingTalk: the key is the secret, the message "timestamp\nsecret" (milliseconds).
    millis = seconds * 1000
    message = f"{millis}\n{secret}".encode()
    dingtalk = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest())
    assert dingtalk_sign(secret, millis) == dingtalk.decode()


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_plain_text_messages(kind: str) -> None:
    """``message="text"``: each bot's plain text message, accepted by its fake."""
    secret = None if kind == "wecom" else BOT_SECRET
    with FakeReceiver(kind, secret=secret) as fake:
        Endpoint("bot", kind, fake.url, secret=secret, message="text").send(notification("zh"))
        [body] = fake.bodies()
    if kind == "feishu":
        assert body["msg_type"] == "text"
        text = body["content"]["text"]
    else:
        assert body["msgtype"] == "text"
        text = body["text"]["content"]
    assert text.startswith("测试通知\n")
    assert "https://ops.example.org/healthz" in text
    with pytest.raises(WebhookConfigError, match="message style"):
        Endpoint("bot", kind, fake.url, secret=secret, message="html")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed(status: int) -> None:
    """A redirect is a final failure (fix the URL): never followed, by GET or otherwise."""
    with FakeReceiver("generic", secret=BOT_SECRET) as fake:
        fake.fail_next(1, status=status)
        error = refused(Endpoint("g", "generic", fake.url, secret=BOT_SECRET))
        assert not error.retryable
        assert f"HTTP {status}" in str(error)
        assert fake.gets == 0
        assert fake.requests == 1

"""Notifications end to end: real commands make each kind; the deliverer sends each to a
local fake receiver at least once, signed, retries with backoff, dead-letters, and sends
nothing twice after a restart. On memory, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from libops import LibOps, cli
from libops.adapters.clock import ManualClock
from libops.adapters.sandbox import SandboxPlatform
from libops.adapters.webhooks import (
    Endpoint,
    SignatureError,
    add_endpoint,
    load_endpoints,
    save_endpoints,
    sign,
    verify_signature,
)
from libops.application.notifications import (
    DELIVERED,
    FAILED,
    RETRY,
    NotificationDeliverer,
    RetryPolicy,
)
from libops.domain.errors import WebhookConfigError
from libops.projections.engine import ProjectionEngine
from libops.projections.notifications import KINDS
from libops.testing.webhook_receivers import FakeReceiver
from tests.integration.webhook_scenario import ASKER, EXPECTED_KINDS, Made, make_everything

SECRET = "whsec-test-5f1c2a"
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class Clock:
    """Seconds since the epoch, moved by hand (the deliverer's ``now``)."""

    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def scenario_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def weibo(scenario_clock: ManualClock) -> SandboxPlatform:
    return SandboxPlatform("weibo", seed="weibo", clock=scenario_clock)


@pytest.fixture
def hooked(
    store_url: str, scenario_clock: ManualClock, weibo: SandboxPlatform
) -> Iterator[tuple[LibOps, Made]]:
    """A store of each kind holding one event of every notification kind."""
    with LibOps.open(store_url, clock=scenario_clock, migrate=True, gateways=[weibo]) as ops:
        yield ops, make_everything(ops, scenario_clock, weibo)


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    with FakeReceiver("generic", secret=SECRET) as fake:
        yield fake


def endpoint(receiver: FakeReceiver, **overrides: object) -> Endpoint:
    arguments: dict[str, object] = {
        "name": "team",
        "format": "generic",
        "url": receiver.url,
        "secret": SECRET,
    }
    arguments.update(overrides)
    return Endpoint(**arguments)  # type: ignore[arg-type]


class TestEachKind:
    def test_each_kind_comes_from_its_event(
        self, hooked: tuple[LibOps, Made], receiver: FakeReceiver
    ) -> None:
        """Every kind arrives once, in log order, naming and linking its subject."""
        ops, made = hooked
        with NotificationDeliverer(
            ops, [endpoint(receiver)], base_url="https://ops.example.org/"
        ) as deliverer:
            outcomes = deliverer.deliver()
            assert [o.state for o in outcomes] == [DELIVERED] * len(EXPECTED_KINDS)
            assert deliverer.outbox() == []
        bodies = receiver.bodies()
        assert [b["kind"] for b in bodies] == EXPECTED_KINDS
        assert set(KINDS) == set(EXPECTED_KINDS)
        by_kind = {b["kind"]: b for b in bodies}
        base = "https://ops.example.org/v1/aggregates"
        assert by_kind["post_published"]["link"] == f"{base}/post/{made.post}"
        assert by_kind["post_published"]["subject"]["id"] == str(made.post)
        assert by_kind["post_publish_failed"]["link"] == f"{base}/post/{made.failed_post}"
        assert by_kind["post_publish_failed"]["facts"]["platform"] == "weibo"
        assert by_kind["question_overdue"]["link"] == f"{base}/question/{made.question}"
        assert by_kind["question_overdue"]["facts"]["platform"] == "wechat"
        assert by_kind["risk_escalated"]["link"] == f"{base}/risk/{made.risk}"
        assert by_kind["risk_escalated"]["facts"]["score"] == 20
        assert by_kind["budget_override"]["link"] == f"{base}/budget/{made.budget}"
        assert by_kind["budget_override"]["facts"]["amount"] == "1200.00"
        assert by_kind["take_down_needed"]["link"] == f"{base}/post/{made.post}"
        assert by_kind["take_down_needed"]["facts"] == {
            "platform": "weibo",
            "reason": "no weibo gateway that can take posts down is configured",
        }
        assert by_kind["erasure_completed"]["subject"] == {
            "kind": "data_subject",
            "id": made.subject,
        }
        # Ids name the kind, the aggregate and the version: unique and stable.
        ids = receiver.delivery_ids()
        assert ids == [b["id"] for b in bodies]
        assert len(set(ids)) == len(ids)
        assert by_kind["risk_escalated"]["id"] == f"risk_escalated:{made.risk}:2"
        # No personal data: neither the asker nor the question's text.
        raw = b"".join(m.raw for m in receiver.messages).decode()
        for personal in (ASKER.name, ASKER.handle, "reading room open"):
            assert personal
            assert personal not in raw

    def test_a_commitment_within_its_allocation_notifies_nothing(
        self, memory_ops: LibOps, receiver: FakeReceiver
    ) -> None:
        """Only a commitment or expense with an override is a budget_override."""
        from datetime import date
        from decimal import Decimal

        from libops import Money, Period
        from tests.actors import OWNER, PLANNER

        budget = memory_ops.budgets.open(
            OWNER, name="B", period=Period(date(2026, 1, 1), date(2026, 12, 31))
        )
        memory_ops.budgets.allocate(OWNER, budget, "promotion", Money(Decimal(1000), "CNY"))
        memory_ops.budgets.commit(
            PLANNER, budget, reference="R", amount=Money(Decimal(10), "CNY"), category="promotion"
        )
        with NotificationDeliverer(memory_ops, [endpoint(receiver)]) as deliverer:
            assert deliverer.deliver() == []
        assert receiver.requests == 0

    def test_kinds_and_since_choose_what_an_endpoint_gets(
        self, hooked: tuple[LibOps, Made], receiver: FakeReceiver
    ) -> None:
        """An endpoint gets its kinds only, and only events from its ``since`` on."""
        ops, _ = hooked
        with FakeReceiver("generic", secret=SECRET) as later:
            subscribers = [
                endpoint(receiver, kinds=["risk_escalated", "budget-override"]),
                endpoint(later, name="later", since=datetime(2030, 1, 1, tzinfo=UTC)),
            ]
            with NotificationDeliverer(ops, subscribers) as deliverer:
                deliverer.deliver()
                assert deliverer.outbox() == []  # nothing left for anyone
            assert later.requests == 0
        assert [b["kind"] for b in receiver.bodies()] == ["risk_escalated", "budget_override"]

    def test_chinese_wording(self, hooked: tuple[LibOps, Made], receiver: FakeReceiver) -> None:
        """An endpoint in Chinese gets Chinese titles and summaries."""
        ops, _ = hooked
        with NotificationDeliverer(ops, [endpoint(receiver, language="zh")]) as deliverer:
            deliverer.deliver()
        titles = {b["kind"]: b["title"] for b in receiver.bodies()}
        assert titles["risk_escalated"] == "风险升级"
        summary = next(b["summary"] for b in receiver.bodies() if b["kind"] == "risk_escalated")
        assert "严重" in summary
        assert "critical" not in summary


class TestSignature:
    def test_a_receiver_verifies_the_signature(
        self, memory_ops: LibOps, receiver: FakeReceiver
    ) -> None:
        """The fake checks every request; a receiver's own check passes on the raw body and
        fails on a changed body, another secret or an old timestamp."""
        from tests.actors import TECH

        memory_ops.risks.identify(
            TECH, title="Outage", category="technical", likelihood=5, impact=5, owner="tech-1"
        )
        with NotificationDeliverer(memory_ops, [endpoint(receiver)]) as deliverer:
            deliverer.deliver()
        [message] = receiver.messages
        header = message.headers["libops-signature"]
        assert verify_signature(SECRET, header, message.raw) > 0
        with pytest.raises(SignatureError, match="does not match"):
            verify_signature(SECRET, header, message.raw.replace(b"risk", b"RISK"))
        with pytest.raises(SignatureError, match="does not match"):
            verify_signature("another secret", header, message.raw)
        timestamp = int(header.split(",")[0][2:])
        with pytest.raises(SignatureError, match="away"):
            verify_signature(SECRET, header, message.raw, now=timestamp + 301)
        with pytest.raises(SignatureError, match="no Libops-Signature"):
            verify_signature(SECRET, None, message.raw)
        assert sign(SECRET, timestamp, message.raw) == header

    def test_a_wrong_secret_is_refused_and_dead_lettered(
        self, memory_ops: LibOps, receiver: FakeReceiver
    ) -> None:
        """A receiver that refuses the signature (401) fails the delivery at once."""
        from tests.actors import TECH

        memory_ops.risks.identify(
            TECH, title="Outage", category="technical", likelihood=5, impact=5, owner="tech-1"
        )
        with NotificationDeliverer(
            memory_ops, [endpoint(receiver, secret="not the receiver's")]
        ) as deliverer:
            [outcome] = deliverer.deliver()
            assert outcome.state == FAILED
            assert "HTTP 401" in (outcome.error or "")
            assert [f.notification_id for f in deliverer.failed()] == [outcome.notification_id]
            assert len(deliverer.outbox()) == 1  # kept, visible
        assert receiver.messages == []
        assert receiver.rejected == ["the signature does not match the body"]


class TestRetries:
    def test_two_failures_then_success_with_backoff(
        self, hooked: tuple[LibOps, Made], receiver: FakeReceiver
    ) -> None:
        """Attempt 1 and 2 fail (503): waits of 1-2 s then 2-4 s (jitter), then delivered."""
        ops, _ = hooked
        clock = Clock()
        policy = RetryPolicy(max_attempts=5, first_delay=2.0, factor=2.0, jitter=0.5)
        only = endpoint(receiver, kinds=["risk_escalated"])
        with NotificationDeliverer(
            ops, [only], policy=policy, now=clock, rng=random.Random(7)
        ) as deliverer:
            receiver.fail_next(2)
            [first] = deliverer.deliver()
            assert (first.state, first.attempts) == (RETRY, 1)
            assert first.next_at is not None
            assert 1.0 <= first.next_at - clock.t <= 2.0
            assert deliverer.deliver() == []  # not due yet: not tried
            clock.t = first.next_at
            [second] = deliverer.deliver()
            assert (second.state, second.attempts) == (RETRY, 2)
            assert second.next_at is not None
            assert 2.0 <= second.next_at - clock.t <= 4.0
            assert deliverer.next_due() == second.next_at
            clock.t = second.next_at
            [third] = deliverer.deliver()
            assert (third.state, third.attempts) == (DELIVERED, 3)
            assert deliverer.outbox() == []
            assert deliverer.waiting() == []
        assert receiver.requests == 3
        assert [b["kind"] for b in receiver.bodies()] == ["risk_escalated"]

    def test_bounded_attempts_then_failed_then_retried_by_hand(
        self, hooked: tuple[LibOps, Made], receiver: FakeReceiver
    ) -> None:
        """After max_attempts the delivery is failed and stays; retry_failed sends it."""
        ops, _ = hooked
        clock = Clock()
        policy = RetryPolicy(max_attempts=3, first_delay=1.0)
        only = endpoint(receiver, kinds=["budget_override"])
        with NotificationDeliverer(ops, [only], policy=policy, now=clock) as deliverer:
            receiver.fail_next(3)
            for attempt in (1, 2, 3):
                [outcome] = deliverer.deliver()
                assert outcome.attempts == attempt
                clock.t += 60
            assert outcome.state == FAILED
            assert deliverer.deliver() == []  # a dead letter is not tried again by itself
            [dead] = deliverer.failed()
            assert (dead.kind, dead.attempts) == ("budget_override", 3)
            assert "HTTP 503" in (dead.error or "")
            assert deliverer.retry_failed() == 1
            [again] = deliverer.deliver()
            assert (again.state, again.attempts) == (DELIVERED, 1)
            assert deliverer.outbox() == []
        assert [b["kind"] for b in receiver.bodies()] == ["budget_override"]

    def test_a_receiver_that_cannot_be_reached_is_retried(self, memory_ops: LibOps) -> None:
        """A refused connection is retryable."""
        from tests.actors import TECH

        memory_ops.risks.identify(
            TECH, title="Outage", category="technical", likelihood=5, impact=5, owner="tech-1"
        )
        with FakeReceiver("generic", secret=SECRET) as gone:
            url = gone.url
        dead = Endpoint("gone", "generic", url, secret=SECRET)
        with NotificationDeliverer(memory_ops, [dead]) as deliverer:
            [outcome] = deliverer.deliver()
        assert outcome.state == RETRY
        assert "could not be reached" in (outcome.error or "")


class TestRestarts:
    def test_nothing_is_sent_twice_after_a_restart(
        self, hooked: tuple[LibOps, Made], receiver: FakeReceiver
    ) -> None:
        """A second deliverer on the same store sends nothing that the first delivered."""
        ops, _ = hooked
        with NotificationDeliverer(ops, [endpoint(receiver)]) as first:
            first.deliver()
        with NotificationDeliverer(ops, [endpoint(receiver)]) as second:
            assert second.deliver() == []
        assert len(receiver.delivery_ids()) == len(EXPECTED_KINDS)

    def test_a_crash_after_recording_before_discarding_sends_nothing_again(
        self,
        hooked: tuple[LibOps, Made],
        receiver: FakeReceiver,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Delivered and recorded, then the process died before discarding the outbox:
        the next deliverer discards it without sending."""
        ops, _ = hooked

        def crash(*_: object, **__: object) -> None:
            raise RuntimeError("killed")

        with monkeypatch.context() as patched:
            patched.setattr(ProjectionEngine, "discard", crash)
            with (
                NotificationDeliverer(ops, [endpoint(receiver)]) as first,
                pytest.raises(RuntimeError),
            ):
                first.deliver()
        assert len(receiver.delivery_ids()) == 1
        with NotificationDeliverer(ops, [endpoint(receiver)]) as second:
            outcomes = second.deliver()
            assert second.outbox() == []
        assert len(outcomes) == len(EXPECTED_KINDS) - 1  # the first is not sent again
        ids = receiver.delivery_ids()
        assert len(ids) == len(set(ids)) == len(EXPECTED_KINDS)

    def test_an_endpoint_removed_leaves_no_records(
        self, memory_ops: LibOps, receiver: FakeReceiver
    ) -> None:
        """A dead letter of an endpoint since removed goes with its notification's outbox
        entry once the remaining endpoints have it."""
        from libops.application.notifications import DELIVERIES
        from tests.actors import TECH

        memory_ops.risks.identify(
            TECH, title="Outage", category="technical", likelihood=5, impact=5, owner="tech-1"
        )
        with FakeReceiver("generic", secret=SECRET) as other:
            other.fail_next(1, status=410)
            both = [endpoint(receiver), endpoint(other, name="other")]
            with NotificationDeliverer(memory_ops, both) as deliverer:
                assert sorted(o.state for o in deliverer.deliver()) == [DELIVERED, FAILED]
                assert len(deliverer.outbox()) == 1
        with NotificationDeliverer(memory_ops, [endpoint(receiver)]) as deliverer:
            assert deliverer.deliver() == []
            assert deliverer.outbox() == []
            assert deliverer.waiting() == []
        views = memory_ops.open_view_store()
        try:
            assert views.rows(DELIVERIES) == []
        finally:
            views.close()
        assert len(receiver.messages) == 1

    def test_a_rebuild_writes_the_same_ids(
        self, hooked: tuple[LibOps, Made], receiver: FakeReceiver
    ) -> None:
        """The outbox is built from the events alone: a rebuild makes the same ids."""
        ops, _ = hooked
        with NotificationDeliverer(ops, []) as deliverer:
            deliverer.engine.run()
            before = [doc["id"] for doc in deliverer.outbox()]
            deliverer.engine.rebuild("notifications")
            assert [doc["id"] for doc in deliverer.outbox()] == before
        assert len(before) == len(EXPECTED_KINDS)

    def test_a_rebuild_sends_nothing_twice(
        self, hooked: tuple[LibOps, Made], receiver: FakeReceiver
    ) -> None:
        """What was delivered before a rebuild is discarded unsent after it (the ledger of
        finished ids); what was still waiting, and what happens after, is sent once."""
        from tests.actors import TECH

        ops, _ = hooked
        with FakeReceiver("generic", secret=SECRET) as other:
            other.fail_next(1)  # one notification waits for its retry at the other endpoint
            both = [endpoint(receiver), endpoint(other, name="other")]
            clock = Clock()
            with NotificationDeliverer(ops, both, now=clock) as deliverer:
                deliverer.deliver()
                assert len(deliverer.outbox()) == 1
                deliverer.engine.rebuild("notifications")
                assert len(deliverer.outbox()) == len(EXPECTED_KINDS)
                ops.risks.identify(
                    TECH, title="Flood", category="technical", likelihood=5, impact=5, owner="t"
                )
                clock.t += 3600
                outcomes = deliverer.deliver()
                assert deliverer.outbox() == []
            assert len(outcomes) == 3  # the retried one at "other", the new one at both
            for server in (receiver, other):
                ids = server.delivery_ids()
                assert len(ids) == len(set(ids)) == len(EXPECTED_KINDS) + 1


class TestEndpointsAndSecrets:
    def test_urls_are_validated(self) -> None:
        """Only http(s) for webhooks and bots, smtp for e-mail; bots need their key."""
        for url in ("ftp://example.org/x", "file:///etc/passwd", "example.org/x", "http:///x"):
            with pytest.raises(WebhookConfigError):
                Endpoint("x", "generic", url, secret="s")
        with pytest.raises(WebhookConfigError, match="smtp"):
            Endpoint("m", "email", "http://x", sender="a@b.org", recipients=("c@d.org",))
        with pytest.raises(WebhookConfigError, match="key="):
            Endpoint("w", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
        with pytest.raises(WebhookConfigError, match="signing secret"):
            Endpoint("g", "generic", "https://example.org/hook")
        with pytest.raises(WebhookConfigError, match="not a kind"):
            Endpoint("g", "generic", "https://example.org/hook", secret="s", kinds=["nope"])
        with pytest.raises(WebhookConfigError, match="name"):
            Endpoint("Bad Name", "generic", "https://example.org/hook", secret="s")

    def test_secrets_stay_out_of_reprs_listings_and_logs(
        self,
        tmp_path: Path,
        memory_ops: LibOps,
        caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Neither repr, shown URL, CLI output nor logs show a secret or a bot's key."""
        config = tmp_path / "hooks.json"
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        runner = CliRunner()
        wecom_key = "wecom-key-0b7e"
        feishu_token = "feishu-token-91aa"
        for args in (
            ["team", "--url", "https://example.org/hook", "--secret-env", "HOOK_SECRET"],
            [
                "wc",
                "--format",
                "wecom",
                "--url",
                f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={wecom_key}",
            ],
            [
                "fs",
                "--format",
                "feishu",
                "--secret-env",
                "HOOK_SECRET",
                "--url",
                f"https://open.feishu.cn/open-apis/bot/v2/hook/{feishu_token}",
            ],
        ):
            result = runner.invoke(cli.app, ["webhooks", "add", *args, "--config", str(config)])
            assert result.exit_code == 0, result.output
            assert SECRET not in result.output
            assert wecom_key not in result.output
            assert feishu_token not in result.output
        assert config.stat().st_mode & 0o777 == 0o600
        for args in (["list"], ["list", "--json"]):
            result = runner.invoke(cli.app, ["webhooks", *args, "--config", str(config)])
            assert result.exit_code == 0, result.output
            for secret in (SECRET, wecom_key, feishu_token):
                assert secret not in result.output
        endpoints = load_endpoints(config)
        for e in endpoints:
            for secret in (SECRET, wecom_key, feishu_token):
                assert secret not in repr(e)
                assert secret not in e.shown_url
        # Delivering to unreachable endpoints logs and reports no secret either.
        from tests.actors import TECH

        memory_ops.risks.identify(
            TECH, title="Outage", category="technical", likelihood=5, impact=5, owner="tech-1"
        )
        unreachable = [
            Endpoint.from_json(
                {
                    **e.to_json(),
                    "url": e.url.replace("https://example.org", "http://127.0.0.1:9")
                    .replace("https://qyapi.weixin.qq.com", "http://127.0.0.1:9")
                    .replace("https://open.feishu.cn", "http://127.0.0.1:9"),
                    "since": None,
                }
            )
            for e in endpoints
        ]
        with (
            caplog.at_level(logging.DEBUG),
            NotificationDeliverer(memory_ops, unreachable) as deliverer,
        ):
            outcomes = deliverer.deliver()
            waiting = deliverer.waiting()
        assert {o.state for o in outcomes} == {RETRY}
        said = caplog.text + repr(outcomes) + repr(waiting)
        for secret in (SECRET, wecom_key, feishu_token):
            assert secret not in said

    def test_a_file_others_may_read_is_refused(self, tmp_path: Path) -> None:
        """The endpoints file holds secrets: mode 0644 is refused, naming the fix."""
        config = tmp_path / "hooks.json"
        save_endpoints([Endpoint("g", "generic", "https://example.org/h", secret="s")], config)
        config.chmod(0o644)
        with pytest.raises(WebhookConfigError, match="chmod 600"):
            load_endpoints(config)

    def test_names_are_unique_and_removal_works(self, tmp_path: Path) -> None:
        config = tmp_path / "hooks.json"
        add_endpoint(Endpoint("g", "generic", "https://example.org/h", secret="s"), config)
        with pytest.raises(WebhookConfigError, match="already"):
            add_endpoint(Endpoint("g", "generic", "https://example.org/i", secret="s"), config)
        runner = CliRunner()
        result = runner.invoke(cli.app, ["webhooks", "remove", "g", "--config", str(config)])
        assert result.exit_code == 0, result.output
        assert load_endpoints(config) == []
        result = runner.invoke(cli.app, ["webhooks", "remove", "g", "--config", str(config)])
        assert result.exit_code == 1
        assert "no endpoint named 'g'" in result.output

    def test_cli_deliver_and_test(
        self, tmp_path: Path, receiver: FakeReceiver, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``webhooks test`` reaches the receiver; ``webhooks deliver`` sends the store's
        notifications once, and a second run sends nothing."""
        url = f"sqlite:///{tmp_path}/s.db"
        clock = ManualClock(START)
        weibo = SandboxPlatform("weibo", seed="weibo", clock=clock)
        with LibOps.open(url, clock=clock, migrate=True, gateways=[weibo]) as ops:
            make_everything(ops, clock, weibo)
        config = str(tmp_path / "hooks.json")
        monkeypatch.setenv("HOOK_SECRET", SECRET)
        runner = CliRunner()
        add = ["webhooks", "add", "team", "--url", receiver.url, "--secret-env", "HOOK_SECRET"]
        result = runner.invoke(cli.app, [*add, "--since", "all", "--config", config])
        assert result.exit_code == 0, result.output
        result = runner.invoke(cli.app, ["webhooks", "test", "team", "--config", config])
        assert result.exit_code == 0, result.output
        assert receiver.bodies()[0]["kind"] == "test"
        deliver = ["webhooks", "deliver", "--store", url, "--config", config]
        result = runner.invoke(cli.app, deliver)
        assert result.exit_code == 0, result.output
        assert "failed: 0" in result.output
        result = runner.invoke(cli.app, deliver)
        assert result.exit_code == 0, result.output
        kinds = [b["kind"] for b in receiver.bodies()]
        assert kinds == ["test", *EXPECTED_KINDS]
        # A receiver that refuses for good: status shows the dead letter, --retry-failed
        # sends it again once the receiver is mended.
        with LibOps.open(url, clock=clock, gateways=[weibo]) as ops:
            from tests.actors import TECH

            ops.risks.identify(
                TECH, title="Outage", category="technical", likelihood=5, impact=5, owner="t"
            )
        receiver.fail_next(1, status=400)
        result = runner.invoke(cli.app, deliver)
        assert result.exit_code == 0, result.output
        assert "failed: 1" in result.output
        status = ["webhooks", "status", "--store", url, "--config", config, "--json"]
        result = runner.invoke(cli.app, status)
        assert result.exit_code == 0, result.output
        shown = json.loads(result.output)
        assert shown["outbox"] == 1
        [dead] = shown["deliveries"]
        assert (dead["state"], dead["kind"], dead["attempts"]) == ("failed", "risk_escalated", 1)
        assert "HTTP 400" in dead["error"]
        result = runner.invoke(cli.app, [*deliver, "--retry-failed"])
        assert result.exit_code == 0, result.output
        assert json.loads(runner.invoke(cli.app, status).output) == {"outbox": 0, "deliveries": []}
        assert [b["kind"] for b in receiver.bodies()][-1] == "risk_escalated"
        assert SECRET not in result.output
        assert json.dumps(receiver.bodies()).count(SECRET) == 0

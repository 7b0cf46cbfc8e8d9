"""Real gateways on the command line: ``libops tick --gateway mastodon=http://127.0.0.1:PORT``
publishes a due post through the HTTP adapter to a local fake, with the credentials ``libops
credentials set`` stored; a platform without an adapter, a scheme libops does not know, http://
to another machine and a missing credential are usage errors that say what to do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from libops import Actor, LibOps, cli
from libops.adapters.clock import ManualClock, SystemClock
from libops.adapters.credentials import (
    CREDENTIALS_ENV,
    FileCredentialStore,
    MemoryCredentialStore,
    credentials_path,
)
from libops.adapters.platforms_http import (
    HTTP_GATEWAYS,
    BlueskyGateway,
    CredentialChain,
    MastodonGateway,
)
from libops.adapters.storage import parse_store_url
from libops.domain.errors import (
    InvalidValueError,
    MissingCredentialError,
    ReadOnlyCredentialStoreError,
)
from libops.domain.values import Platform, PostVariant
from libops.testing.fakes import FakeBluesky, FakeMastodon
from libops.tick import GATEWAYS_ENV, is_loopback, open_gateway
from tests.integration.test_publishing import CHECKED

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TOKEN = "mastodon-token-from-the-store"
APP_PASSWORD = "bluesky-app-password"


@pytest.fixture(autouse=True)
def _no_gateways_or_credentials_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(GATEWAYS_ENV, raising=False)
    monkeypatch.delenv(CREDENTIALS_ENV, raising=False)


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    fake = FakeMastodon(SystemClock(), token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def bluesky() -> Iterator[FakeBluesky]:
    fake = FakeBluesky(SystemClock(), password=APP_PASSWORD).start()
    yield fake
    fake.stop()


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli.app, list(args))


def _due_post(
    url: str, platform: str, text: str, planner: Actor, reviewer: Actor, admin: Actor
) -> str:
    """A post approved and scheduled on ``platform`` for 1 March 2026 (long due by now)."""
    clock = ManualClock(START)
    with LibOps.open(url, clock=clock, migrate=True) as ops:
        post = ops.posts.draft(
            planner,
            title=text,
            body=text,
            content_type="news",
            format="image_text",
            variants=[PostVariant(platform, text)],
        )
        ops.posts.submit_for_review(planner, post)
        ops.posts.review(reviewer, post, CHECKED, approve=True)
        ops.posts.schedule(admin, post, platform, clock.now() + timedelta(hours=1))
    return str(post)


def _credentials(url: str) -> FileCredentialStore:
    """The credentials file ``libops credentials set`` writes for the store at ``url``."""
    return FileCredentialStore(credentials_path(parse_store_url(url)))


class TestTickOverHttp:
    def test_tick_publishes_a_due_post_to_mastodon_once(
        self,
        tmp_path: Path,
        mastodon: FakeMastodon,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
    ) -> None:
        """The due post goes out through the Mastodon adapter (with its Idempotency-Key) and
        its receipt is recorded; a second tick publishes nothing and reads its counts."""
        url = f"sqlite:///{tmp_path}/libops.db"
        post = _due_post(url, "mastodon", "Book club on Thursday!", planner, reviewer, admin)
        _credentials(url).set("mastodon", "access_token", TOKEN)
        gateway = f"mastodon={mastodon.base_url}"
        assert gateway.startswith("mastodon=http://127.0.0.1:")
        first = _cli("tick", "--store", url, "--gateway", gateway, "--json")
        assert first.exit_code == 0, first.output
        steps = {s["step"]: s for s in json.loads(first.stdout)["steps"]}
        assert steps["publish"]["counts"]["published"] == 1
        [status] = mastodon.statuses()
        assert "Book club on Thursday!" in status["content"]
        with LibOps.open(url) as ops:
            receipt = ops.posts.get(post).receipt(Platform.MASTODON)
        assert receipt is not None
        assert receipt.external_id == status["id"]
        again = _cli("tick", "--store", url, "--gateway", gateway, "--json")
        assert again.exit_code == 0, again.output
        steps = {s["step"]: s for s in json.loads(again.stdout)["steps"]}
        assert steps["publish"]["counts"]["published"] == 0
        assert steps["metrics"]["counts"]["failed"] == 0
        assert len(mastodon.statuses()) == 1
        assert TOKEN not in first.output + again.output

    def test_publish_due_on_mastodon_and_bluesky_at_once(
        self,
        tmp_path: Path,
        mastodon: FakeMastodon,
        bluesky: FakeBluesky,
        planner: Actor,
        reviewer: Actor,
        admin: Actor,
    ) -> None:
        """Two HTTP gateways, their credentials from the environment and the file."""
        url = f"sqlite:///{tmp_path}/libops.db"
        _due_post(url, "mastodon", "New arrivals this week", planner, reviewer, admin)
        _due_post(url, "bluesky", "Reading night on Friday", planner, reviewer, admin)
        _credentials(url).set("bluesky", "identifier", bluesky.handle)
        _credentials(url).set("bluesky", "app_password", APP_PASSWORD)
        result = CliRunner().invoke(
            cli.app,
            [
                "publish",
                "due",
                "--store",
                url,
                "--gateway",
                f"mastodon={mastodon.base_url}",
                "--gateway",
                f"bluesky={bluesky.base_url}",
                "--json",
            ],
            env={"LIBOPS_CRED_MASTODON_ACCESS_TOKEN": TOKEN},
        )
        assert result.exit_code == 0, result.output
        assert len(mastodon.statuses()) == 1
        assert len(bluesky.posts()) == 1


class TestCommandLineGatewayErrors:
    def test_a_missing_credential_names_the_entry_to_set(
        self, tmp_path: Path, mastodon: FakeMastodon
    ) -> None:
        """No token stored: exit 2 before anything runs, naming the entry and the command."""
        url = f"sqlite:///{tmp_path}/libops.db"
        result = _cli("tick", "--store", url, "--gateway", f"mastodon={mastodon.base_url}")
        assert result.exit_code == 2, result.output
        assert "libops credentials set mastodon access_token" in result.stderr
        assert "LIBOPS_CRED_MASTODON_ACCESS_TOKEN" in result.stderr
        assert mastodon.requests() == []

    def test_bluesky_names_each_missing_entry(self) -> None:
        """The identifier first, then the app password."""
        store = MemoryCredentialStore()
        with pytest.raises(MissingCredentialError, match="'identifier' of account 'bluesky'"):
            open_gateway("bluesky=https://bsky.social", SystemClock(), store)
        store.set("bluesky", "identifier", "citylibrary.bsky.social")
        with pytest.raises(MissingCredentialError, match="'app_password' of account 'bluesky'"):
            open_gateway("bluesky=https://bsky.social", SystemClock(), store)
        store.set("bluesky", "app_password", APP_PASSWORD)
        gateway = open_gateway("bluesky=https://bsky.social/", SystemClock(), store)
        assert isinstance(gateway, BlueskyGateway)
        assert APP_PASSWORD not in repr(gateway)
        gateway.close()

    @pytest.mark.parametrize(
        ("spec", "says"),
        [
            ("xiaohongshu=https://example.org", "no HTTP adapter for xiaohongshu"),
            ("mastodon=ftp://mastodon.social", "unknown gateway URL scheme 'ftp'"),
            ("mastodon=http://mastodon.social", "http:// is only for a server on this machine"),
            ("mastodon=http://10.0.0.5:3000", "use https://10.0.0.5:3000"),
            ("mastodon=https://mastodon.social?x=1", "without ?query"),
            ("mastodon=https://", "names no host"),
        ],
    )
    def test_usage_errors_say_what_is_known(self, spec: str, says: str) -> None:
        """Each is a usage error (exit 2) saying what the command line knows."""
        with pytest.raises(InvalidValueError, match=says.replace("?", r"\?")):
            open_gateway(spec, SystemClock(), MemoryCredentialStore())
        result = _cli("tick", "--store", "memory://", "--gateway", spec)
        assert result.exit_code == 2, result.output
        assert says in result.stderr

    def test_loopback_addresses_may_use_http(self) -> None:
        """127.0.0.0/8, ::1 and localhost are this machine: http:// is allowed there."""
        store = MemoryCredentialStore()
        store.set("mastodon", "access_token", TOKEN)
        for url in (
            "http://127.0.0.1:1",
            "http://127.1.2.3",
            "http://[::1]:8080",
            "http://localhost",
        ):
            gateway = open_gateway(f"mastodon={url}", SystemClock(), store)
            assert isinstance(gateway, MastodonGateway)
            gateway.close()

    def test_one_loopback_check(self) -> None:
        """The check tick's gateways and ``libops serve --host`` share: this machine's names
        and addresses (bracketed or not, any case), nothing else."""
        for host in ("localhost", "LocalHost", "127.0.0.1", "127.9.9.9", "::1", "[::1]"):
            assert is_loopback(host), host
        for host in ("example.com", "10.0.0.1", "0.0.0.0", "::", "[::2]", "localhost.example", ""):
            assert not is_loopback(host), host


class TestFromCredentials:
    def test_the_registry_names_the_http_adapters(self) -> None:
        """Mastodon and Bluesky are registered by platform id."""
        assert HTTP_GATEWAYS["mastodon"] == MastodonGateway.from_credentials
        assert HTTP_GATEWAYS["bluesky"] == BlueskyGateway.from_credentials

    def test_a_rotated_token_is_read_on_the_next_use(self, mastodon: FakeMastodon) -> None:
        """The token is read from the store on each request: replacing it needs no restart."""
        store = MemoryCredentialStore()
        store.set("mastodon", "access_token", TOKEN)
        gateway = MastodonGateway.from_credentials(mastodon.base_url, store, SystemClock())
        first = gateway.publish(PostVariant("mastodon", "First"), "k1")
        mastodon.revoke_tokens()
        mastodon.issue_token("rotated-token")
        store.set("mastodon", "access_token", "rotated-token")
        second = gateway.publish(PostVariant("mastodon", "Second"), "k2")
        assert first.external_id != second.external_id
        store.remove("mastodon", "access_token")
        with pytest.raises(MissingCredentialError):
            gateway.publish(PostVariant("mastodon", "Third"), "k3")
        gateway.close()

    def test_a_bluesky_gateway_publishes_with_stored_credentials(
        self, bluesky: FakeBluesky
    ) -> None:
        store = MemoryCredentialStore()
        store.set("bluesky", "identifier", bluesky.handle)
        store.set("bluesky", "app_password", APP_PASSWORD)
        gateway = BlueskyGateway.from_credentials(bluesky.base_url, store, SystemClock())
        receipt = gateway.publish(PostVariant("bluesky", "Hello from the library"), "k1")
        assert gateway.find_published("k1") == receipt
        gateway.close()

    def test_the_chain_reads_in_order_and_writes_to_the_first_writable(self) -> None:
        """The first store holding a value wins; a set goes to the first store that can be
        written (a renewed token kept); removing is refused."""
        first, second = MemoryCredentialStore(), MemoryCredentialStore()
        second.set("mastodon", "access_token", "from-the-file")
        chain = CredentialChain([first, second])
        token = chain.get("mastodon", "access_token")
        assert token is not None
        assert token.reveal() == "from-the-file"
        first.set("mastodon", "access_token", "from-the-environment")
        token = chain.get("mastodon", "access_token")
        assert token is not None
        assert token.reveal() == "from-the-environment"
        assert [(i.account, i.name) for i in chain.list()] == [("mastodon", "access_token")]
        assert chain.set("mastodon", "access_token", "x").source == "memory"
        kept = first.get("mastodon", "access_token")
        assert kept is not None
        assert kept.reveal() == "x"
        with pytest.raises(ReadOnlyCredentialStoreError):
            chain.remove("mastodon", "access_token")

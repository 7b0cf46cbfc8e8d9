"""On a PostgreSQL store the command line's gateways keep renewed tokens in the store's
credentials table, not in a ``libops.credentials.json`` in the job's working directory
(issue 11, the review of the credential fixes); a store without the table is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from libops.adapters.clock import ManualClock, SystemClock
from libops.adapters.credentials import (
    CREDENTIALS_ENV,
    FileCredentialStore,
    PostgresCredentialStore,
)
from libops.adapters.keystore import open_key_store
from libops.adapters.platforms_http.douyin import EXPIRES_ENTRY
from libops.adapters.storage import parse_store_url
from libops.bootstrap import migrate_store
from libops.cli.app import app
from libops.cli.publish_command import gateways_from
from libops.domain.errors import CredentialTableMissingError
from libops.domain.ports import CredentialStore
from libops.testing.fakes import FakeDouyin
from libops.testing.fakes.douyin import ITEM_DATA, USER_DATA
from tests.conftest import postgres_schema

ACCESS = "act.pg-chain-access-0001"
REFRESH = "rft.pg-chain-refresh-0002"
CLIENT_KEY = "awpgchainclientkey"
OPEN_ID = "_000pgChainOpenId"


@pytest.fixture
def fake() -> Iterator[FakeDouyin]:
    """A Douyin rotating its refresh token, on a clock at the real time (the command
    line's gateways run on the system clock)."""
    made = FakeDouyin(
        ManualClock(SystemClock().now()),
        client_key=CLIENT_KEY,
        open_id=OPEN_ID,
        access_token=ACCESS,
        refresh_token=REFRESH,
        capabilities=frozenset((ITEM_DATA, USER_DATA)),
        rotate_refresh=True,
    ).start()
    yield made
    made.stop()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The job's working directory, with no credentials file named in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CREDENTIALS_ENV, raising=False)
    return tmp_path


@pytest.fixture
def migrated(postgres_url: str) -> str:
    migrate_store(postgres_url)
    return postgres_url


def _table(url: str) -> Iterator[CredentialStore]:
    config = parse_store_url(url)
    keys = open_key_store(config)
    try:
        yield PostgresCredentialStore(config, keys)
    finally:
        keys.close()


def _set(store: CredentialStore, names: tuple[str, ...]) -> None:
    values = {
        "client_key": CLIENT_KEY,
        "open_id": OPEN_ID,
        "access_token": ACCESS,
        "refresh_token": REFRESH,
    }
    for name in names:
        store.set("douyin", name, values[name])


def _metrics_after_expiry(fake: FakeDouyin, url: str, item: str) -> None:
    [gateway] = gateways_from([f"douyin={fake.base_url}"], url)
    try:
        fake.expire_tokens()
        gateway.metrics(item)
    finally:
        gateway.close()  # type: ignore[attr-defined]  # an HTTP gateway


ALL = ("client_key", "open_id", "access_token", "refresh_token")


class TestRenewedTokensGoToTheStore:
    def test_tokens_in_the_table_are_renewed_in_the_table(
        self, fake: FakeDouyin, migrated: str, workdir: Path
    ) -> None:
        for table in _table(migrated):
            _set(table, ALL)
        item = fake.publish_in_app("开馆时间调整")
        _metrics_after_expiry(fake, migrated, item)
        assert fake.refreshes == 1
        assert not (workdir / "libops.credentials.json").exists()
        for table in _table(migrated):
            access, refresh = (
                table.get("douyin", "access_token"),
                table.get("douyin", "refresh_token"),
            )
            assert access is not None
            assert access.reveal() != ACCESS
            assert refresh is not None
            assert refresh.reveal() != REFRESH  # the rotated one, kept
            assert table.get("douyin", EXPIRES_ENTRY) is not None
        # The next run uses them: no refresh while good, then one with the rotated token.
        [again] = gateways_from([f"douyin={fake.base_url}"], migrated)
        try:
            again.metrics(item)
            assert fake.refreshes == 1
        finally:
            again.close()  # type: ignore[attr-defined]  # an HTTP gateway
        _metrics_after_expiry(fake, migrated, item)
        assert fake.refreshes == 2

    def test_tokens_set_in_the_file_still_work_and_renewed_ones_go_to_the_table(
        self, fake: FakeDouyin, migrated: str, workdir: Path
    ) -> None:
        """`libops credentials set` writes the file by default: those entries are read, and
        the renewed tokens, kept in the table that is read before the file, win."""
        file = FileCredentialStore(workdir / "libops.credentials.json")
        _set(file, ALL)
        item = fake.publish_in_app("讲座预告")
        _metrics_after_expiry(fake, migrated, item)
        _metrics_after_expiry(fake, migrated, item)  # with the rotated token from the table
        assert fake.refreshes == 2
        stale = file.get("douyin", "refresh_token")
        assert stale is not None
        assert stale.reveal() == REFRESH  # the file is left as staff set it
        for table in _table(migrated):
            kept = table.get("douyin", "refresh_token")
            assert kept is not None
            assert kept.reveal() not in (REFRESH, "")


class TestAStoreWithoutTheTable:
    def test_gateways_are_refused_naming_the_migration(self, fake: FakeDouyin) -> None:
        with postgres_schema() as url:
            with pytest.raises(CredentialTableMissingError, match="libops db migrate") as raised:
                gateways_from([f"douyin={fake.base_url}"], url)
            assert "libops:libops" not in str(raised.value)  # the URL's password is hidden

    def test_the_command_line_says_so_and_runs_nothing(
        self, fake: FakeDouyin, workdir: Path
    ) -> None:
        with postgres_schema() as url:
            result = CliRunner().invoke(
                app, ["publish", "due", "--store", url, "--gateway", f"douyin={fake.base_url}"]
            )
        assert result.exit_code == 1, result.output
        assert "no credentials table" in result.output
        assert "libops db migrate" in result.output
        assert fake.requests() == []

    def test_a_sqlite_store_keeps_the_file(self, fake: FakeDouyin, workdir: Path) -> None:
        """Nothing changes off PostgreSQL: the file beside the SQLite store keeps them."""
        url = f"sqlite:///{workdir / 'libops.db'}"
        file = FileCredentialStore(workdir / "libops.credentials.json")
        _set(file, ALL)
        item = fake.publish_in_app("书展")
        _metrics_after_expiry(fake, url, item)
        renewed = file.get("douyin", "refresh_token")
        assert renewed is not None
        assert renewed.reveal() != REFRESH

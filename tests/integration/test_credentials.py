"""The credential stores (memory, 0600 file, environment, PostgreSQL) and the token cache."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from libops.adapters.clock import ManualClock
from libops.adapters.credentials import (
    EnvCredentialStore,
    FileCredentialStore,
    MemoryCredentialStore,
    PostgresCredentialStore,
    Secret,
    Token,
    TokenCache,
    env_variable,
    lookup,
)
from libops.adapters.keystore import open_key_store
from libops.adapters.storage import parse_store_url
from libops.bootstrap import migrate_store
from libops.domain.errors import (
    CredentialFileError,
    CredentialNameError,
    ReadOnlyCredentialStoreError,
    TokenRefreshError,
)
from libops.domain.ports import CredentialStore

SECRET = "s3cr3t-token-value-42"
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "file", "postgresql"])
def writable(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> Iterator[CredentialStore]:
    """Each store that can be written, fresh."""
    if request.param == "memory":
        yield MemoryCredentialStore(clock)
    elif request.param == "file":
        yield FileCredentialStore(tmp_path / "libops.credentials.json", clock=clock)
    else:
        url = str(request.getfixturevalue("postgres_url"))
        migrate_store(url)
        config = parse_store_url(url)
        keys = open_key_store(config)
        try:
            yield PostgresCredentialStore(config, keys, clock=clock)
        finally:
            keys.close()


def test_set_get_rotate_list_remove(
    writable: CredentialStore, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, psycopg's too: no value may show
    assert writable.get("weibo", "access_token") is None
    first = writable.set("weibo", "access_token", SECRET)
    assert first.rotated_at == clock.now()
    assert writable.get("weibo", "access_token") == Secret(SECRET)
    clock.advance(timedelta(hours=1))
    rotated = writable.set("weibo", "access_token", Secret("new-value"))
    assert rotated.rotated_at == clock.now()
    assert writable.get("weibo", "access_token") == Secret("new-value")
    writable.set("douyin/citylibrary", "client_secret", "abc")
    listed = writable.list()
    assert [(i.account, i.name, i.rotated_at) for i in listed] == [
        ("douyin/citylibrary", "client_secret", START + timedelta(hours=1)),
        ("weibo", "access_token", START + timedelta(hours=1)),
    ]
    assert [i.name for i in writable.list("weibo")] == ["access_token"]
    assert SECRET not in repr(listed)
    assert "new-value" not in repr(listed)
    assert writable.remove("weibo", "access_token") is True
    assert writable.remove("weibo", "access_token") is False
    assert writable.get("weibo", "access_token") is None
    assert SECRET not in caplog.text
    assert "new-value" not in caplog.text
    assert SECRET not in repr(writable)


@pytest.mark.parametrize(
    ("account", "name", "value"),
    [
        ("", "token", "x"),
        ("weibo", "bad name", "x"),
        ("weibo", "token", "   "),
        ("we ibo", "t", "x"),
    ],
)
def test_bad_names_and_values_are_refused(
    writable: CredentialStore, account: str, name: str, value: str
) -> None:
    with pytest.raises(CredentialNameError):
        writable.set(account, name, value)
    assert writable.list() == []


def test_secret_never_shows_itself(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(SECRET)
    assert repr(secret) == "Secret('***')" == str(secret)
    assert f"{secret}" == "Secret('***')"
    token = Token(SECRET, START)
    assert SECRET not in repr(token)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("libops.test").info("token %s in %r", secret, token)
    assert SECRET not in caplog.text
    assert secret.reveal() == SECRET
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_file_store_is_0600_and_refuses_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    store = FileCredentialStore(path)
    store.set("weibo", "app_secret", SECRET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o644)
    with pytest.raises(CredentialFileError, match=r"chmod 600") as refused:
        store.get("weibo", "app_secret")
    assert SECRET not in str(refused.value)
    os.chmod(path, 0o600)
    assert store.get("weibo", "app_secret") == Secret(SECRET)


def test_file_store_malformed_file_error_has_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    path.write_text('{"credentials": {"weibo": {"t": "' + SECRET + '"', encoding="utf-8")
    os.chmod(path, 0o600)
    with pytest.raises(CredentialFileError) as refused:
        FileCredentialStore(path).list()
    assert SECRET not in str(refused.value)


def test_environment_store_reads_and_refuses_writes() -> None:
    environ = {env_variable("weibo", "access_token"): SECRET, "OTHER": "x"}
    assert env_variable("douyin/citylibrary", "client-secret") == (
        "LIBOPS_CRED_DOUYIN_CITYLIBRARY_CLIENT_SECRET"
    )
    store = EnvCredentialStore(environ)
    assert store.get("weibo", "access_token") == Secret(SECRET)
    assert store.get("weibo", "missing") is None
    assert [(i.account, i.name, i.rotated_at) for i in store.list()] == [
        ("*", "LIBOPS_CRED_WEIBO_ACCESS_TOKEN", None)
    ]
    assert [i.name for i in store.list("weibo")] == ["access_token"]
    with pytest.raises(ReadOnlyCredentialStoreError):
        store.set("weibo", "access_token", "x")
    with pytest.raises(ReadOnlyCredentialStoreError):
        store.remove("weibo", "access_token")
    memory = MemoryCredentialStore()
    memory.set("weibo", "access_token", "from-file")
    assert lookup([store, memory], "weibo", "access_token") == Secret(SECRET)
    assert lookup([memory, store], "weibo", "access_token") == Secret("from-file")


def test_postgres_values_are_sealed(postgres_url: str) -> None:
    import psycopg

    migrate_store(postgres_url)
    config = parse_store_url(postgres_url)
    keys = open_key_store(config)
    try:
        PostgresCredentialStore(config, keys).set("weibo", "access_token", SECRET)
    finally:
        keys.close()
    from libops.adapters.storage import postgres_server

    with psycopg.connect(**postgres_server(config)) as conn:
        rows = conn.execute(f'SELECT * FROM "{config.schema}".libops_credentials').fetchall()
    assert len(rows) == 1
    assert SECRET.encode() not in b"".join(
        bytes(v) for v in rows[0] if isinstance(v, bytes | memoryview)
    )


class UnauthorizedError(Exception):
    pass


def test_token_cache_refreshes_when_expired_and_once_on_401(clock: ManualClock) -> None:
    issued: list[str] = []

    def refresh(account: str) -> Token:
        value = f"{account}-token-{len(issued)}"
        issued.append(value)
        return Token(value, clock.now() + timedelta(hours=2))

    cache = TokenCache(refresh, clock=clock)
    assert cache.get("weibo") == Secret("weibo-token-0")
    assert cache.get("weibo") == Secret("weibo-token-0")  # cached
    clock.advance(timedelta(hours=2))  # within the margin of its expiry
    assert cache.get("weibo") == Secret("weibo-token-1")
    assert cache.refreshes == 2

    seen: list[Secret] = []

    def request(token: Secret) -> str:
        seen.append(token)
        if token == Secret("weibo-token-1"):
            raise UnauthorizedError
        return "ok"

    assert cache.call("weibo", request, UnauthorizedError) == "ok"
    assert seen == [Secret("weibo-token-1"), Secret("weibo-token-2")]
    assert cache.refreshes == 3

    # A second 401 with an already refreshed token refreshes no more: it is raised.
    def always_refused(token: Secret) -> str:
        raise UnauthorizedError

    with pytest.raises(UnauthorizedError):
        cache.call("weibo", always_refused, UnauthorizedError)
    assert cache.refreshes == 4
    # Two requests that both saw the same old token refused refresh once.
    current = cache.get("weibo")
    cache.invalidate("weibo", Secret("weibo-token-2"))  # stale: nothing dropped
    assert cache.get("weibo") == current
    assert cache.refreshes == 4


def test_token_refresh_failure_names_no_secret(clock: ManualClock) -> None:
    def refresh(account: str) -> Token:
        raise RuntimeError(f"server said: bad secret {SECRET}")

    with pytest.raises(TokenRefreshError, match="weibo") as failed:
        TokenCache(refresh, clock=clock).get("weibo")
    assert SECRET not in str(failed.value)

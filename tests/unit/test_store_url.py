"""Store URLs: what each one becomes, and every way one can be wrong."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from libops.adapters.storage import (
    DEFAULT_STORE,
    check_safe_settings,
    parse_store_url,
    redact,
    scrub_password,
    store_environment,
)
from libops.domain.errors import StoreUnavailableError, StoreUrlError, UnsafeStoreSettingError

PG = "postgresql://libops:secret@db.example:5433/libops"


class TestMemoryUrl:
    def test_memory(self) -> None:
        """memory:// chooses eventsourcing's in-memory store."""
        config = parse_store_url("memory://")
        assert config.scheme == "memory"
        assert config.env == {"PERSISTENCE_MODULE": "eventsourcing.popo"}

    @pytest.mark.parametrize("url", ["memory://x", "memory:///x", "memory://?pool_size=1"])
    def test_memory_takes_nothing(self, url: str) -> None:
        """memory:// takes no path and no options."""
        with pytest.raises(StoreUrlError, match="memory://"):
            parse_store_url(url)


class TestSQLiteUrl:
    def test_relative_path_is_made_absolute(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """sqlite:///name.db is a file in the current directory, held as an absolute path."""
        monkeypatch.chdir(tmp_path)
        (tmp_path / "data").mkdir()
        config = parse_store_url("sqlite:///data/libops.db")
        assert config.scheme == "sqlite"
        assert config.env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
        assert config.env["SQLITE_DBNAME"] == str(tmp_path / "data" / "libops.db")

    def test_default_store_is_sqlite_in_current_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The default store is libops.db in the current directory."""
        monkeypatch.chdir(tmp_path)
        assert parse_store_url(DEFAULT_STORE).env["SQLITE_DBNAME"] == str(tmp_path / "libops.db")

    def test_absolute_path(self, tmp_path: Path) -> None:
        """sqlite:////abs/path.db (four slashes) is an absolute path."""
        config = parse_store_url(f"sqlite:///{tmp_path}/libops.db")
        assert config.env["SQLITE_DBNAME"] == f"{tmp_path}/libops.db"
        assert f"sqlite:///{tmp_path}".startswith("sqlite:////")

    def test_percent_encoded_path(self, tmp_path: Path) -> None:
        """Spaces and other characters in a path may be percent-encoded."""
        (tmp_path / "my dir").mkdir()
        config = parse_store_url(f"sqlite:///{quote(str(tmp_path))}/my%20dir/a%23b.db")
        assert config.env["SQLITE_DBNAME"] == f"{tmp_path}/my dir/a#b.db"

    def test_lock_timeout_option(self, tmp_path: Path) -> None:
        """?lock_timeout=N sets SQLite's busy timeout."""
        config = parse_store_url(f"sqlite:///{tmp_path}/x.db?lock_timeout=15")
        assert config.env["SQLITE_LOCK_TIMEOUT"] == "15"

    def test_missing_directory(self, tmp_path: Path) -> None:
        """A file in a directory that does not exist is refused, and nothing is created."""
        with pytest.raises(StoreUnavailableError, match="does not exist"):
            parse_store_url(f"sqlite:///{tmp_path}/nowhere/x.db")
        assert not (tmp_path / "nowhere").exists()

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("sqlite://", "names no database file"),
            ("sqlite:///", "names no database file"),
            ("sqlite:///somedir/", "names no database file"),
            ("sqlite://localhost/x.db", "has no host"),
            ("sqlite:///:memory:", "memory://"),
            ("sqlite:///file:x.db?mode=memory", "memory://"),
            ("sqlite:///x.db?pool_size=3", "unknown option 'pool_size'"),
            ("sqlite:///x.db?lock_timeout=soon", "must be a whole number"),
            ("sqlite:///x.db?lock_timeout=-1", "must be a whole number"),
            ("sqlite:///x.db#frag", "'#'"),
        ],
    )
    def test_bad_sqlite_urls(self, url: str, message: str) -> None:
        """A malformed SQLite URL names what is wrong."""
        with pytest.raises(StoreUrlError, match=message):
            parse_store_url(url)


class TestPostgresUrl:
    def test_all_parts(self) -> None:
        """Host, port, user, password and database become eventsourcing's settings."""
        config = parse_store_url(PG)
        assert config.scheme == "postgresql"
        assert config.env == {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": "libops",
            "POSTGRES_HOST": "db.example",
            "POSTGRES_PORT": "5433",
            "POSTGRES_USER": "libops",
            "POSTGRES_PASSWORD": "secret",
            "POSTGRES_CONNECT_TIMEOUT": "5",
        }

    def test_default_port_and_postgres_alias(self) -> None:
        """Without a port, 5432; postgres:// is accepted too."""
        config = parse_store_url("postgres://u:p@localhost/db")
        assert config.scheme == "postgresql"
        assert config.env["POSTGRES_PORT"] == "5432"

    def test_ipv6_host(self) -> None:
        """An IPv6 address is written in brackets."""
        assert parse_store_url("postgresql://u:p@[::1]:6000/db").env["POSTGRES_HOST"] == "::1"

    def test_empty_password(self) -> None:
        """A URL without a password (trust or peer authentication) is allowed."""
        assert parse_store_url("postgresql://u@h/db").env["POSTGRES_PASSWORD"] == ""

    @pytest.mark.parametrize(
        "password", ["p@ss", "a/b", "c:d", "e#f", "g?h", "i%j", "k l", "m&n=o", "пароль", "x'\""]
    )
    def test_special_characters_in_password(self, password: str) -> None:
        """A percent-encoded password arrives decoded, whatever characters it holds."""
        url = f"postgresql://user%40lib:{quote(password, safe='')}@h:5432/my%2Ddb"
        config = parse_store_url(url)
        assert config.env["POSTGRES_PASSWORD"] == password
        assert config.env["POSTGRES_USER"] == "user@lib"
        assert config.env["POSTGRES_DBNAME"] == "my-db"
        assert password not in config.redacted_url
        assert password not in repr(config)

    def test_raw_at_sign_in_password(self) -> None:
        """An unencoded '@' in a password still parses (the last '@' ends the login)."""
        assert parse_store_url("postgresql://u:p@ss@h/db").env["POSTGRES_PASSWORD"] == "p@ss"

    def test_options(self) -> None:
        """Pool size, overflow, timeouts and schema are URL options."""
        config = parse_store_url(
            PG + "?pool_size=3&max_overflow=0&max_waiting=7&connect_timeout=2&lock_timeout=9"
            "&idle_in_transaction_session_timeout=30&schema=libops_prod"
        )
        assert config.env["POSTGRES_POOL_SIZE"] == "3"
        assert config.env["POSTGRES_MAX_OVERFLOW"] == "0"
        assert config.env["POSTGRES_MAX_WAITING"] == "7"
        assert config.env["POSTGRES_CONNECT_TIMEOUT"] == "2"
        assert config.env["POSTGRES_LOCK_TIMEOUT"] == "9"
        assert config.env["POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT"] == "30"
        assert config.env["POSTGRES_SCHEMA"] == "libops_prod"
        assert config.schema == "libops_prod"

    def test_schema_defaults_to_public(self) -> None:
        """Without ?schema=, tables live in the public schema."""
        assert parse_store_url(PG).schema == "public"

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("postgresql://u:secret@h:99999/db", "not a port number"),
            ("postgresql://u:secret@h:0/db", "not a port number"),
            ("postgresql://u:secret@h:port/db", "not a port number"),
            ("postgresql://u:se/cret@h/db", "%2F"),
            ("postgresql://u:se?cret@h/db", "names no host|%3F|name=value|not a port"),
            ("postgresql://u:secret@h", "exactly one database"),
            ("postgresql://u:secret@h/", "exactly one database"),
            ("postgresql://u:secret@h/a/b", "exactly one database"),
            ("postgresql://:secret@h/db", "names no user"),
            ("postgresql:///db", "names no host"),
            ("postgresql://u:se#cret@h/db", "'#'"),
            (PG + "?pool=3", "unknown option 'pool'"),
            (PG + "?pool_size=three", "must be a whole number"),
            (PG + "?pool_size=1&pool_size=2", "given twice"),
            (PG + "?schema=Prod", "lower-case SQL name"),
            (PG + "?schema=a;drop", "lower-case SQL name"),
            (PG + "?POSTGRES_ENABLE_DB_FUNCTIONS=y", "unknown option"),
            (PG + "?pool_size", "name=value"),
        ],
    )
    def test_bad_postgres_urls(self, url: str, message: str) -> None:
        """A malformed PostgreSQL URL names what is wrong and never shows the password."""
        with pytest.raises(StoreUrlError, match=message) as raised:
            parse_store_url(url)
        assert "secret" not in str(raised.value)
        assert "cret" not in str(raised.value)


class TestMalformedUrls:
    @pytest.mark.parametrize(
        "url", ["", "   ", "libops.db", "sqlite:libops.db", "/tmp/libops.db", "postgresql:db"]
    )
    def test_not_a_url(self, url: str) -> None:
        """Text that is not a URL is refused with the forms that work."""
        with pytest.raises(StoreUrlError, match="memory://"):
            parse_store_url(url)

    @pytest.mark.parametrize(
        "url", ["mysql://u:secret@h/db", "http://h/x", "redis://h", "sqlite3:///x.db"]
    )
    def test_unknown_scheme(self, url: str) -> None:
        """An unknown scheme is refused by name, without the password."""
        with pytest.raises(StoreUrlError, match="unknown store scheme") as raised:
            parse_store_url(url)
        assert "secret" not in str(raised.value)

    def test_not_text(self) -> None:
        """A store URL must be text."""
        with pytest.raises(StoreUrlError):
            parse_store_url(None)  # type: ignore[arg-type]  # not text, on purpose


class TestRedaction:
    def test_redact_hides_password(self) -> None:
        """The redacted URL keeps everything but the password."""
        assert redact(PG) == "postgresql://libops:***@db.example:5433/libops"
        assert redact("postgresql://u:p%40ss@h/db?schema=s") == "postgresql://u:***@h/db?schema=s"

    def test_redact_leaves_urls_without_password(self) -> None:
        """URLs without a password are shown as they are."""
        assert redact("sqlite:///x.db") == "sqlite:///x.db"
        assert redact("postgresql://u@h/db") == "postgresql://u@h/db"

    def test_redact_invalid_url(self) -> None:
        """Even a URL that does not parse has its password hidden."""
        assert "secret" not in redact("postgresql://u:secret@[::1/db")
        assert redact("postgresql://u:se/cr#et@h/db") == "postgresql://u:***@h/db"

    def test_scrub_password(self) -> None:
        """A driver's message is scrubbed of the password, encoded or not."""
        url = "postgresql://u:p%40ss@h/db"
        assert scrub_password("bad p@ss and p%40ss", url) == "bad *** and ***"

    @given(st.text(min_size=1, max_size=20))
    def test_redaction_never_leaks(self, password: str) -> None:
        """For any password, the redacted URL and the config's repr show *** in its place."""
        url = f"postgresql://u:{quote(password, safe='')}@h/db?schema=s"
        config = parse_store_url(url)
        assert config.env["POSTGRES_PASSWORD"] == password
        assert config.redacted_url == "postgresql://u:***@h/db?schema=s"
        assert "'POSTGRES_PASSWORD': '***'" in repr(config)
        # (A password holding a bracket would scrub the brackets around it too.)
        assume(not {"[", "]"} & set(password))
        assert scrub_password(f"[{password}]", url) == "[***]"


class TestSafeSettings:
    @pytest.mark.parametrize(
        "key", ["POSTGRES_ENABLE_DB_FUNCTIONS", "LIBOPS_POSTGRES_ENABLE_DB_FUNCTIONS"]
    )
    @pytest.mark.parametrize("value", ["y", "yes", "true", "on", "1", "T", "maybe"])
    def test_db_functions_refused(self, key: str, value: str) -> None:
        """POSTGRES_ENABLE_DB_FUNCTIONS switched on (under any prefix) is refused."""
        with pytest.raises(UnsafeStoreSettingError, match="log followers miss events"):
            check_safe_settings({key: value})

    @pytest.mark.parametrize("value", ["", "n", "no", "false", "off", "0", " No "])
    def test_db_functions_off_is_fine(self, value: str) -> None:
        """The setting switched off, or absent, is fine."""
        check_safe_settings({"POSTGRES_ENABLE_DB_FUNCTIONS": value})
        check_safe_settings({})

    def test_reads_process_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without an explicit mapping the process environment is checked."""
        monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")
        with pytest.raises(UnsafeStoreSettingError):
            check_safe_settings()
        monkeypatch.delenv("POSTGRES_ENABLE_DB_FUNCTIONS")
        check_safe_settings()
        assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in os.environ


class TestStoreEnvironment:
    def test_table_creation_flag(self) -> None:
        """Only the migration step switches table creation on."""
        config = parse_store_url(PG)
        assert store_environment(config, create_tables=True)["CREATE_TABLE"] == "y"
        assert store_environment(config, create_tables=False)["CREATE_TABLE"] == "n"
        assert "CREATE_TABLE" not in config.env

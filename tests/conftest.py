"""Shared fixtures: stores of every kind, actors, hypothesis profiles."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, settings

from libops import Actor, LibOps
from libops.adapters.clock import ManualClock
from tests import actors

if TYPE_CHECKING:
    import psycopg

settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(
    os.environ.get("LIBOPS_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)

POSTGRES_URL_VAR = "LIBOPS_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VAR = "LIBOPS_REQUIRE_POSTGRES"
POSTGRES_HOW = (
    f"set {POSTGRES_URL_VAR}=postgresql://user:password@127.0.0.1:5432/dbname to run them "
    "(`.ci/start-postgres.sh` starts a throwaway server and prints such a URL)"
)

STORE_KINDS = ["memory", "sqlite", "postgresql"]


def postgres_url_or_skip() -> str:
    """The test server's URL, or skip (fail where PostgreSQL tests are mandatory)."""
    url = os.environ.get(POSTGRES_URL_VAR)
    if not url:
        if os.environ.get(REQUIRE_POSTGRES_VAR):
            pytest.fail(f"PostgreSQL tests are mandatory here but {POSTGRES_URL_VAR} is not set")
        pytest.skip(f"needs PostgreSQL: {POSTGRES_HOW}")
    return url


def _pg_connect(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.path.lstrip("/"),
        autocommit=True,
    )


@contextmanager
def postgres_schema(prefix: str = "t") -> Iterator[str]:
    """A PostgreSQL store URL in a fresh schema of its own, dropped afterwards."""
    base = postgres_url_or_skip()
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    with _pg_connect(base) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}?schema={schema}"
    finally:
        with _pg_connect(base) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL store URL in a fresh schema of its own, dropped afterwards."""
    with postgres_schema() as url:
        yield url


def make_store_url(kind: str, tmp_path: object, request: pytest.FixtureRequest) -> str:
    """A fresh, migrated store URL of ``kind``."""
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/libops.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=STORE_KINDS)
def store_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """A fresh store of each kind in turn (memory, SQLite file, PostgreSQL schema)."""
    return make_store_url(request.param, tmp_path, request)


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock starting on 1 March 2026, 08:00 UTC."""
    return ManualClock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
def ops(store_url: str, clock: ManualClock) -> Iterator[LibOps]:
    """libops opened on a fresh, migrated store of each kind."""
    with LibOps.open(store_url, clock=clock, migrate=True) as opened:
        yield opened


@pytest.fixture
def memory_ops(clock: ManualClock) -> Iterator[LibOps]:
    """libops on an in-memory store only."""
    with LibOps.open("memory://", clock=clock) as opened:
        yield opened


@pytest.fixture
def planner() -> Actor:
    """A content planner."""
    return actors.PLANNER


@pytest.fixture
def planner2() -> Actor:
    """A second content planner."""
    return actors.PLANNER2


@pytest.fixture
def reviewer() -> Actor:
    """A reviewer."""
    return actors.REVIEWER


@pytest.fixture
def admin() -> Actor:
    """An operations admin."""
    return actors.ADMIN


@pytest.fixture
def tech() -> Actor:
    """A member of technical support."""
    return actors.TECH


@pytest.fixture
def auditor() -> Actor:
    """An auditor."""
    return actors.AUDITOR


@pytest.fixture
def owner() -> Actor:
    """A budget owner."""
    return actors.OWNER


@pytest.fixture
def team() -> actors.Team:
    """One person per role."""
    return actors.Team()

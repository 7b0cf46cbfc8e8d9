"""eventsourcing's recorder contract tests, re-run on the stores exactly as libops configures them.

The test cases come from ``eventsourcing/tests/persistence.py``. Each recorder here is built the
way libops builds its own: the environment that :func:`parse_store_url` derives from a store URL,
named like the libops application, given to eventsourcing's ``InfrastructureFactory``. Tables are
created by a first factory with ``CREATE_TABLE=y`` (as ``libops db migrate`` does), and the
recorder under test comes from a second factory with ``CREATE_TABLE=n`` (as every libops process
opens a store).

Classes whose names start with ``_`` only combine a contract with a kind of store; pytest
collects the ``Test...`` classes, which name the store they run on.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from typing import Any

import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.tests import persistence as contract
from eventsourcing.utils import Environment

from libops.adapters.storage import parse_store_url, store_environment
from libops.application.app import LibOpsApplication
from tests.conftest import _pg_connect, postgres_url_or_skip

# --- the stores -----------------------------------------------------------------------------


class _Store:
    """Gives each test a fresh store of one kind and closes what it opened."""

    __test__ = True  # the store comes first in each Test class: collect those

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]  # cooperative with unittest.TestCase
        self._factories: list[InfrastructureFactory[Any]] = []
        self._threads_before = set(threading.enumerate())

    def tearDown(self) -> None:
        # Some contract tests signal their reader threads to stop but do not join them.
        # Closing a SQLite connection while such a thread is still inside a query crashes
        # the interpreter (a segmentation fault in sqlite3), so wait for them first.
        # (Connection-pool threads are daemons that live on until their pool closes.)
        for thread in set(threading.enumerate()) - self._threads_before:
            if not thread.daemon:
                thread.join(timeout=30)
        for factory in self._factories:
            factory.close()
        super().tearDown()  # type: ignore[misc]  # cooperative with unittest.TestCase

    def store_url(self) -> str:
        """The URL of the store a new recorder should use."""
        raise NotImplementedError

    def _factory(self, url: str, *, create_tables: bool) -> InfrastructureFactory[Any]:
        config = parse_store_url(url)
        env = Environment(
            LibOpsApplication.name, store_environment(config, create_tables=create_tables)
        )
        factory = InfrastructureFactory.construct(env)
        self._factories.append(factory)
        return factory

    def _recorder(self, make: str, *args: Any) -> Any:
        """Create the tables as migrate does, then build the recorder as libops opens it."""
        url = self.store_url()
        getattr(self._factory(url, create_tables=True), make)(*args)
        if url == "memory://":
            # An in-memory store lives in its factory: the first one is the store.
            return getattr(self._factories[-1], make)(*args)
        return getattr(self._factory(url, create_tables=False), make)(*args)

    def create_aggregate_recorder(self) -> AggregateRecorder:
        return self._recorder("aggregate_recorder", "snapshots")  # type: ignore[no-any-return]  # made by name

    def create_application_recorder(self) -> ApplicationRecorder:
        return self._recorder("application_recorder")  # type: ignore[no-any-return]  # made by name

    def create_tracking_recorder(self) -> TrackingRecorder:
        return self._recorder("tracking_recorder")  # type: ignore[no-any-return]  # made by name

    def create_process_recorder(self) -> ProcessRecorder:
        return self._recorder("process_recorder")  # type: ignore[no-any-return]  # made by name


class _MemoryStore(_Store):
    def store_url(self) -> str:
        return "memory://"


class _SQLiteStore(_Store):
    """A new SQLite file in a temporary directory for every recorder."""

    def setUp(self) -> None:
        super().setUp()
        self._tmp = tempfile.TemporaryDirectory(prefix="libops-contract-")
        self._files = 0

    def tearDown(self) -> None:
        super().tearDown()
        self._tmp.cleanup()

    def store_url(self) -> str:
        self._files += 1
        return f"sqlite:///{self._tmp.name}/store-{self._files}.db"


class _PostgresStore(_Store):
    """A fresh schema on the test server for every test, dropped afterwards."""

    def setUp(self) -> None:
        self._base = postgres_url_or_skip()
        self._schema = f"c_{uuid.uuid4().hex[:16]}"
        with _pg_connect(self._base) as conn:
            conn.execute(f"CREATE SCHEMA {self._schema}")
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        with _pg_connect(self._base) as conn:
            conn.execute(f"DROP SCHEMA {self._schema} CASCADE")

    def store_url(self) -> str:
        return f"{self._base}?schema={self._schema}"


# --- the contract tests on each store ------------------------------------------------------


class _AggregateRecorderContract(contract.AggregateRecorderTestCase):
    __test__ = False  # a contract on no store yet

    def create_recorder(self) -> AggregateRecorder:
        return self.create_aggregate_recorder()  # type: ignore[attr-defined,no-any-return]  # by the store mixin


class _ApplicationRecorderContract(contract.ApplicationRecorderTestCase[ApplicationRecorder]):
    __test__ = False  # a contract on no store yet

    def create_recorder(self) -> ApplicationRecorder:
        return self.create_application_recorder()  # type: ignore[attr-defined,no-any-return]  # by the store mixin


class _SubscribingApplicationRecorderContract(_ApplicationRecorderContract):
    __test__ = False  # a contract on no store yet

    def test_insert_subscribe(self) -> None:
        """A subscription receives events written before and after it started."""
        self.optional_test_insert_subscribe()


class _TrackingRecorderContract(contract.TrackingRecorderTestCase):
    __test__ = False  # a contract on no store yet

    def create_recorder(self) -> TrackingRecorder:
        return self.create_tracking_recorder()  # type: ignore[attr-defined,no-any-return]  # by the store mixin


class _ProcessRecorderContract(contract.ProcessRecorderTestCase):
    __test__ = False  # a contract on no store yet

    def create_recorder(self) -> ProcessRecorder:
        return self.create_process_recorder()  # type: ignore[attr-defined,no-any-return]  # by the store mixin


class _NonInterleavingContract(contract.NonInterleavingNotificationIDsBaseCase):
    __test__ = False  # a contract on no store yet

    def create_recorder(self) -> ApplicationRecorder:
        return self.create_application_recorder()  # type: ignore[attr-defined,no-any-return]  # by the store mixin


class TestMemoryAggregateRecorder(_MemoryStore, _AggregateRecorderContract):
    pass


class TestMemoryApplicationRecorder(_MemoryStore, _SubscribingApplicationRecorderContract):
    pass


class TestMemoryTrackingRecorder(_MemoryStore, _TrackingRecorderContract):
    pass


class TestMemoryProcessRecorder(_MemoryStore, _ProcessRecorderContract):
    pass


class TestMemoryNonInterleavingNotificationIds(_MemoryStore, _NonInterleavingContract):
    pass


class TestSQLiteAggregateRecorder(_SQLiteStore, _AggregateRecorderContract):
    pass


class TestSQLiteApplicationRecorder(_SQLiteStore, _ApplicationRecorderContract):
    pass


class TestSQLiteTrackingRecorder(_SQLiteStore, _TrackingRecorderContract):
    pass


class TestSQLiteProcessRecorder(_SQLiteStore, _ProcessRecorderContract):
    pass


class TestSQLiteNonInterleavingNotificationIds(_SQLiteStore, _NonInterleavingContract):
    pass


@pytest.mark.postgres
class TestPostgresAggregateRecorder(_PostgresStore, _AggregateRecorderContract):
    pass


@pytest.mark.postgres
class TestPostgresApplicationRecorder(_PostgresStore, _SubscribingApplicationRecorderContract):
    pass


@pytest.mark.postgres
class TestPostgresTrackingRecorder(_PostgresStore, _TrackingRecorderContract):
    pass


@pytest.mark.postgres
class TestPostgresProcessRecorder(_PostgresStore, _ProcessRecorderContract):
    pass


@pytest.mark.postgres
class TestPostgresNonInterleavingNotificationIds(_PostgresStore, _NonInterleavingContract):
    pass


# --- the contract is really there ---------------------------------------------------------

EXPECTED_TESTS = {
    _AggregateRecorderContract: {"test_insert_and_select", "test_performance"},
    _ApplicationRecorderContract: {
        "test_insert_select",
        "test_performance",
        "test_concurrent_no_conflicts",
        "test_concurrent_throughput",
    },
    _SubscribingApplicationRecorderContract: {"test_insert_subscribe"},
    _TrackingRecorderContract: {"test_insert_tracking", "test_wait"},
    _ProcessRecorderContract: {
        "test_insert_select",
        "test_has_tracking_id",
        "test_raises_when_lower_inserted_later",
        "test_performance",
    },
    _NonInterleavingContract: {"test"},
}


class TestContractCoverage:
    def test_every_contract_test_is_inherited(self) -> None:
        """Each store's classes carry eventsourcing's contract tests (no upgrade drops them)."""
        for contract_class, expected in EXPECTED_TESTS.items():
            present = {name for name in dir(contract_class) if name.startswith("test")}
            assert expected <= present, (contract_class.__name__, expected - present)

    def test_recorders_are_libops_configured(self) -> None:
        """The SQLite recorder under test opens the file its store URL names, tables off."""
        case = TestSQLiteApplicationRecorder("test_insert_select")
        case.setUp()
        try:
            recorder = case.create_recorder()
            factory = case._factories[-1]
            assert factory.env.name == LibOpsApplication.name
            assert factory.env.get("CREATE_TABLE") == "n"
            assert factory.env.get("SQLITE_DBNAME", "").endswith("store-1.db")
            assert recorder.max_notification_id() is None
        finally:
            case.tearDown()

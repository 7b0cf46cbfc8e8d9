"""A file whose lock cannot be made is refused with a libops error naming the file, and the
lock serialises writers: the credentials file and the sandbox state file."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from libops.adapters.clock import ManualClock
from libops.adapters.credentials import FileCredentialStore
from libops.adapters.private_files import PRIVATE_MODE, exclusive_lock
from libops.adapters.sandbox.platform import SandboxPlatform
from libops.domain.errors import CredentialFileError, InvalidValueError


def test_a_credentials_file_that_cannot_be_locked_is_refused(tmp_path: Path) -> None:
    store = FileCredentialStore(tmp_path / "missing" / "credentials.json")
    with pytest.raises(CredentialFileError, match=r"cannot lock the credentials file .*missing"):
        store.set("mastodon", "access_token", "t0ken")


def test_a_sandbox_state_file_that_cannot_be_locked_is_refused(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    with pytest.raises(InvalidValueError, match=r"sandbox state file .*missing.* cannot be used"):
        SandboxPlatform(
            "mastodon", seed=1, clock=clock, state_file=tmp_path / "missing" / "state.json"
        )


def test_the_lock_is_owner_only_and_held_by_one_at_a_time(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    order: list[str] = []

    def second() -> None:
        with exclusive_lock(lock, lambda e: InvalidValueError(str(e))):
            order.append("second")

    with exclusive_lock(lock, lambda e: InvalidValueError(str(e))):
        assert lock.stat().st_mode & 0o777 == PRIVATE_MODE
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.2)  # the other thread's chance to get in (it must not)
        order.append("first")
    waiter.join()
    assert order == ["first", "second"]

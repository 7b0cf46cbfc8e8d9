"""Files only their owner may read (mode 0600): creating them, refusing one that others can
read, and writing one whole (a temporary file renamed over it). The SQLite stores, key
stores, credential and webhook files use them; :mod:`libops.adapters.storage` re-exports
them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from libops.domain.errors import (
    FileModeError,
    LibopsError,
    StoreUnavailableError,
)

PRIVATE_MODE: Final = 0o600
"""The mode of the files libops creates for a store: its owner reads and writes, nobody else."""


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (SQLite then fills it).

    SQLite gives the ``-wal`` and ``-shm`` files it makes beside it the same mode.
    """
    if path.exists() or path.is_symlink():
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
    except FileExistsError:
        pass  # another migration made it first
    except OSError as error:
        raise StoreUnavailableError(f"cannot create {str(path)!r}: {error.strerror}") from None


def require_private_file(
    path: Path, what: str, *, error: Callable[[str], LibopsError] = FileModeError
) -> None:
    """Refuse ``path`` if users other than its owner may read or write it (raising
    ``error``, :class:`FileModeError` unless the caller's own kind of error is given)."""
    if os.name == "nt":  # no POSIX modes: the directory's access lists apply
        return
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return  # a missing file is reported by whoever needs it
    if mode & 0o077:
        raise error(
            f"the {what} {str(path)!r} may be read by other users (mode {mode:04o}); "
            f"libops keeps it owner-only: run `chmod 600 {path}` and try again"
        )


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` owner-only (mode 0600), replacing the file whole: written
    to ``<name>.tmp`` and synced first, so a crash leaves the old file. Raises OSError."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # a .tmp left by an older run may have had another mode
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


@contextmanager
def exclusive_lock(path: Path, refused: Callable[[OSError], LibopsError]) -> Iterator[None]:
    """Hold an exclusive lock on the owner-only file ``path`` (made if missing) for the
    ``with`` block, so one process at a time reads and writes what it guards; a lock file
    that cannot be made raises ``refused(error)``, which names what was to be locked."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    except OSError as error:
        raise refused(error) from None
    try:
        if os.name != "nt":
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)

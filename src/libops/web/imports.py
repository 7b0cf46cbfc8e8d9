"""The import screen's uploads (``/imports``): a platform export uploaded for a dry-run
preview is kept in a temporary file on the server, under a random id bound to the person who
uploaded it, until they confirm the import, or it expires (:data:`KEPT`), or the web app
closes. The browser only ever sends that id back, never a path.

The files live in one temporary directory of this process: behind several server
processes, the confirmation must reach the process that holds the file (otherwise the
person is asked to upload it again).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Final

import attrs

from libops.domain.errors import MalformedRequestError

MAX_UPLOAD: Final = 10 * 1024 * 1024
"""The largest upload accepted, in bytes (larger ones: ``libops import`` or ``--bulk``)."""

KEPT: Final = timedelta(minutes=30)
"""How long an uploaded file waits for its import to be confirmed."""

SUFFIXES: Final = (".csv", ".xls", ".xlsx")
"""The kinds of export the importers read (the name's ending picks the reader)."""


@attrs.frozen
class Upload:
    """An uploaded export waiting for its import to be confirmed."""

    key: str
    login: str
    name: str
    path: Path
    platform: str | None
    matched_only: bool
    expires: datetime


def file_name(given: str) -> str:
    """The uploaded file's own name (no folders), or :class:`MalformedRequestError` when it is
    not an export the importers read."""
    name = PureWindowsPath(PurePosixPath(given).name).name.strip()
    if not name or not name.isprintable() or len(name) > 200:
        raise MalformedRequestError("file", "choose the export file to upload")
    if not name.lower().endswith(SUFFIXES):
        raise MalformedRequestError(
            "file", f"an export is a {', '.join(SUFFIXES)} file, not {name!r}"
        )
    return name


class Uploads:
    """The uploads waiting in this process, each in its own temporary file."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._folder = Path(tempfile.mkdtemp(prefix="libops-web-imports-"))
        self._waiting: dict[str, Upload] = {}
        self._lock = threading.Lock()

    def keep(
        self, login: str, name: str, data: bytes, *, platform: str | None, matched_only: bool
    ) -> Upload:
        """Keep ``data`` (the file called ``name``) for ``login`` under a new random id."""
        name = file_name(name)
        key = secrets.token_urlsafe(24)
        folder = self._folder / key
        folder.mkdir()
        path = folder / name
        path.write_bytes(data)
        upload = Upload(key, login, name, path, platform, matched_only, self._now() + KEPT)
        with self._lock:
            self._purge()
            self._waiting[key] = upload
        return upload

    def find(self, key: str, login: str) -> Upload:
        """The upload ``key`` of ``login``, or :class:`MalformedRequestError` when there is
        none (expired, imported already, another person's, or never made)."""
        with self._lock:
            self._purge()
            upload = self._waiting.get(key)
        if upload is None or upload.login != login:
            raise MalformedRequestError(
                "upload", "this upload has expired or was imported already: upload the file again"
            )
        return upload

    def drop(self, key: str) -> None:
        """Forget the upload ``key`` and delete its file."""
        with self._lock:
            upload = self._waiting.pop(key, None)
        if upload is not None:
            shutil.rmtree(upload.path.parent, ignore_errors=True)

    def _purge(self) -> None:
        now = self._now()
        for key in [k for k, u in self._waiting.items() if u.expires <= now]:
            shutil.rmtree(self._waiting.pop(key).path.parent, ignore_errors=True)

    def close(self) -> None:
        """Delete every file still waiting."""
        with self._lock:
            self._waiting.clear()
        shutil.rmtree(self._folder, ignore_errors=True)


SHOWN: Final = 200
"""Rows listed in the preview (the totals count them all)."""

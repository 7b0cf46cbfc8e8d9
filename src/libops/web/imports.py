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
from typing import Any, Final

import attrs
from starlette.responses import Response

import libops.web.calendar as calendar
from libops.bootstrap import LibOps
from libops.domain.errors import MalformedRequestError
from libops.domain.permissions import authorize
from libops.domain.platforms import REGISTRY
from libops.web.base import MAX_UPLOAD as MAX_UPLOAD  # (re-exported)
from libops.web.base import Page, Refused, WebBase, tr

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


class ImportsScreen(WebBase):
    """The import screen (``/imports``): a platform export uploaded, previewed, then run
    (``import.apply``)."""

    def __init__(self, ops: LibOps, *, secure_cookies: bool = True) -> None:
        super().__init__(ops, secure_cookies=secure_cookies)
        self.uploads = Uploads(ops.app.clock.now)

    def close(self) -> None:
        """Delete the uploads still waiting, then release the rest."""
        self.uploads.close()
        super().close()

    def imports(
        self,
        page: Page,
        *,
        preview: Any = None,
        upload: Upload | None = None,
        done: Any = None,
        error: str | None = None,
    ) -> Response:
        """Upload a platform's export for a dry run (``import.apply``: operations admins,
        technical support), then confirm it."""
        authorize(page.person, "import.apply")
        return self.render(
            page,
            "imports.html",
            422 if error else 200,
            preview=preview,
            upload=upload,
            done=done,
            error=error,
            shown=SHOWN,
            limit_mb=MAX_UPLOAD // (1024 * 1024),
            platforms=[(p.id, self._platform_names(page).get(p.id, p.id)) for p in REGISTRY],
        )

    def preview_import(self, page: Page) -> Response:
        authorize(page.person, "import.apply")
        if page.upload is None:
            return self.imports(page, error=tr(page, "imports.no_file"))
        name, data = page.upload
        platform = page.form.get("platform", "").strip() or None
        if platform is not None:
            platform = calendar.check_platform(platform)
        matched_only = page.form.get("matched_only") == "yes"
        try:
            kept = self.uploads.keep(
                page.person.id, name, data, platform=platform, matched_only=matched_only
            )
        except MalformedRequestError as refused:
            return self.imports(page, error=str(refused))
        try:
            preview = self.attempt(
                lambda: self.ops.imports.preview(
                    kept.path, platform=platform, matched_only=matched_only
                )
            )
        except BaseException:
            self.uploads.drop(kept.key)
            raise
        if isinstance(preview, Refused):
            self.uploads.drop(kept.key)
            return self.imports(page, error=preview.message)
        return self.imports(page, preview=preview, upload=kept)

    def run_import(self, page: Page) -> Response:
        authorize(page.person, "import.apply")
        kept = self.uploads.find(page.form.get("upload", ""), page.person.id)
        done = self.attempt(
            lambda: self.ops.imports.run(
                page.person, kept.path, platform=kept.platform, matched_only=kept.matched_only
            )
        )
        if isinstance(done, Refused):
            return self.imports(page, error=done.message)
        self.uploads.drop(kept.key)
        return self.imports(page, done=done)
